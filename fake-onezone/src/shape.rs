//! Answers in the shape of the release served. A handler offers every field
//! it knows, under each name and form releases have used (`file_id` and
//! `fileId`, `"REG"` and `"reg"`); [`fit`] keeps what the release's schema
//! declares.

use crate::sample;
use onedata_catalogue::validate::validate;
use onedata_catalogue::{Catalogue, Operation, Schema};
use serde_json::{Map, Value};

/// The object `schema` declares, from `offered` (name and value pairs; a
/// name may come more than once, the first value that fits the field's
/// schema is taken). A required field with no value that fits gets a
/// [`sample`], so the answer always validates.
pub(crate) fn fit(cat: Catalogue, schema: &'static Schema, offered: &[(&str, Value)]) -> Value {
    let Schema::Object(obj) = cat.resolve(schema) else {
        return sample(cat, schema);
    };
    let mut out = Map::new();
    for f in cat.fields_with_variants(obj) {
        let value = offered
            .iter()
            .filter(|(n, _)| *n == f.name)
            .map(|(_, v)| v)
            .find(|v| validate(cat, v, &f.schema).is_empty());
        match value {
            Some(v) => {
                out.insert(f.name.to_owned(), v.clone());
            }
            None if f.required => {
                out.insert(f.name.to_owned(), sample(cat, &f.schema));
            }
            None => {}
        }
    }
    Value::Object(out)
}

/// The schema of the first success answer of `op`.
pub(crate) fn answer(op: &'static Operation) -> Option<&'static Schema> {
    op.success_responses().next()?.schema.as_ref()
}

/// The schema of field `name` of an object schema.
pub(crate) fn field(
    cat: Catalogue,
    schema: &'static Schema,
    name: &str,
) -> Option<&'static Schema> {
    match cat.resolve(schema) {
        Schema::Object(obj) => cat
            .fields_with_variants(obj)
            .into_iter()
            .find(|f| f.name == name)
            .map(|f| &f.schema),
        _ => None,
    }
}

/// The item schema of an array schema.
pub(crate) fn items(cat: Catalogue, schema: &'static Schema) -> Option<&'static Schema> {
    match cat.resolve(schema) {
        Schema::Array { items, .. } => Some(*items),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onedata_catalogue::builtin::ONEPROVIDER;
    use serde_json::json;

    #[test]
    fn keeps_what_the_release_declares() {
        let attrs = |release: &str| {
            let i = ONEPROVIDER
                .releases
                .iter()
                .position(|r| *r == release)
                .unwrap();
            let cat = Catalogue::at(&ONEPROVIDER, i as u8);
            let op = cat.find("getAttrs").unwrap();
            fit(
                cat,
                answer(op).unwrap(),
                &[
                    ("fileId", json!("f")),
                    ("file_id", json!("f")),
                    ("type", json!("REG")),
                    ("type", json!("reg")),
                    ("mode", json!("0644")),
                ],
            )
        };
        assert_eq!(
            attrs("20.02.20"),
            json!({"type": "reg", "mode": "0644", "file_id": "f"})
        );
        // 21.02.1 has `mode` as an integer: the string does not fit.
        assert_eq!(attrs("21.02.1"), json!({"type": "REG", "file_id": "f"}));
        assert_eq!(attrs("21.02.7"), json!({"fileId": "f", "type": "REG"}));
    }
}
