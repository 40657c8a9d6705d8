//! Values shaped like catalogue schemas: the fake's answers for operations
//! without real state, and valid request bodies for tests.

use onedata_catalogue::{Catalogue, ObjectSchema, Schema};
use serde_json::{Map, Value};

/// Below this depth objects get only their required fields and arrays only
/// their minimum number of items, so recursive schemas end.
const FULL_DEPTH: usize = 8;
/// Past this depth anything becomes `null` (no catalogue schema gets here).
const MAX_DEPTH: usize = 32;

/// A value that satisfies `schema` (it passes
/// `onedata_catalogue::validate::validate`): objects carry every declared
/// field, optional ones included; strings take their first enum value or
/// `"sample"`; numbers are 1 / 1.5; arrays hold one item (or `min_items`);
/// a discriminated object becomes its first variant. Open maps
/// (`additional` only) stay empty.
pub fn sample(cat: Catalogue, schema: &'static Schema) -> Value {
    build(cat, schema, 0, true)
}

/// Like [`sample`], but leaves out optional fields that the server sets
/// (`read_only`), so the value is fit to send as a request body.
pub fn sample_body(cat: Catalogue, schema: &'static Schema) -> Value {
    build(cat, schema, 0, false)
}

fn build(cat: Catalogue, schema: &'static Schema, depth: usize, read_only: bool) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match cat.resolve(schema) {
        Schema::Any => Value::String("sample".into()),
        Schema::String { enum_values, .. } => {
            Value::String(enum_values.first().copied().unwrap_or("sample").to_owned())
        }
        Schema::Integer => Value::from(1),
        Schema::Number => Value::from(1.5),
        Schema::Boolean => Value::Bool(true),
        Schema::Binary => Value::String(String::new()),
        Schema::Array { items, min_items } => {
            let wanted = if depth < FULL_DEPTH { 1 } else { 0 };
            let n = wanted.max(min_items.unwrap_or(0) as usize).min(8);
            Value::Array(
                (0..n)
                    .map(|_| build(cat, items, depth + 1, read_only))
                    .collect(),
            )
        }
        Schema::Object(obj) => match &obj.discriminator {
            Some(d) => match d.variants.first() {
                Some((value, idx)) => {
                    let mut v = match cat.named(*idx) {
                        Some(s) => build(cat, s, depth + 1, read_only),
                        None => Value::Object(Map::new()),
                    };
                    if let Value::Object(map) = &mut v {
                        map.insert(d.field.to_owned(), Value::String((*value).to_owned()));
                    }
                    v
                }
                None => object(cat, obj, depth, read_only),
            },
            None => object(cat, obj, depth, read_only),
        },
        Schema::AnyOf(alternatives) => alternatives
            .first()
            .map_or(Value::Null, |a| build(cat, a, depth, read_only)),
        Schema::Ref(_) => Value::Null,
    }
}

fn object(cat: Catalogue, obj: &'static ObjectSchema, depth: usize, read_only: bool) -> Value {
    let mut map = Map::new();
    for f in obj.fields {
        let wanted = f.required || (depth < FULL_DEPTH && (read_only || !f.read_only));
        if wanted {
            map.insert(
                f.name.to_owned(),
                build(cat, &f.schema, depth + 1, read_only),
            );
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use onedata_catalogue::builtin::ONEZONE;
    use onedata_catalogue::validate::validate;

    /// Every release of the built-in catalogue.
    fn releases() -> impl Iterator<Item = Catalogue> {
        (0..ONEZONE.releases.len()).map(|i| Catalogue::at(&ONEZONE, i as u8))
    }

    fn find(name: &str) -> Option<&'static onedata_catalogue::Operation> {
        Catalogue::newest(&ONEZONE).find(name)
    }

    #[test]
    fn every_named_schema_sample_is_valid() {
        for cat in releases() {
            for (i, named) in ONEZONE.schemas.iter().enumerate() {
                let Some(schema) = cat.named(i as u16) else {
                    continue;
                };
                for v in [sample(cat, schema), sample_body(cat, schema)] {
                    let problems = validate(cat, &v, schema);
                    assert!(
                        problems.is_empty(),
                        "{} {}: {v} {problems:?}",
                        cat.release(),
                        named.name
                    );
                }
            }
        }
    }

    #[test]
    fn every_body_and_response_sample_is_valid() {
        for cat in releases() {
            for op in cat.operations() {
                if let Some(b) = &op.body {
                    let v = sample_body(cat, &b.schema);
                    assert!(
                        validate(cat, &v, &b.schema).is_empty(),
                        "{} {} body {v}",
                        cat.release(),
                        op.name
                    );
                }
                for r in op.responses {
                    if let Some(s) = &r.schema {
                        assert!(
                            validate(cat, &sample(cat, s), s).is_empty(),
                            "{} {} {}",
                            cat.release(),
                            op.name,
                            r.code
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn includes_optional_fields_and_first_variants() {
        let v = sample(
            Catalogue::newest(&ONEZONE),
            &find("createSpace").unwrap().body.as_ref().unwrap().schema,
        );
        assert!(
            v.get("description").is_some() && v.get("name").is_some(),
            "{v}"
        );
        let v = sample_body(
            Catalogue::newest(&ONEZONE),
            &find("createTemporaryTokenForCurrentUser")
                .unwrap()
                .body
                .as_ref()
                .unwrap()
                .schema,
        );
        assert_eq!(v["caveats"][0]["type"], "time", "{v}");
    }
}
