//! [`crate::validate`] for a large JSON document, read as it is checked:
//! the arrays that the schema expects (at the top, or as fields of an
//! object) are checked element by element, each element built as a
//! `Value`, checked and dropped. So checking a body of N bytes takes about
//! its largest element in memory beside the N bytes, not the whole tree
//! (a `Value` costs 30 to 100 times the text it came from). Everything else
//! goes through the same checks as [`crate::validate::validate`], so the
//! problems and their messages are the same.

use crate::field_path::Seg;
use crate::model::Schema;
use crate::validate::{check, Problem, MAX_DEPTH};
use crate::Catalogue;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::cell::RefCell;
use std::fmt;

/// Every mismatch between the JSON text `bytes` and `schema`; `Err` when
/// the text is not JSON (with its line and column).
pub fn validate_stream(
    cat: Catalogue,
    bytes: &[u8],
    schema: &'static Schema,
) -> Result<Vec<Problem>, serde_json::Error> {
    let out = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Seed {
        cat,
        schema,
        path: Vec::new(),
        out: &out,
        depth: 0,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(out.into_inner())
}

/// Checks one value against `schema`, at `path`.
struct Seed<'a> {
    cat: Catalogue,
    schema: &'static Schema,
    path: Vec<Seg>,
    out: &'a RefCell<Vec<Problem>>,
    depth: usize,
}

impl Seed<'_> {
    /// The value built whole and checked as `validate` does.
    fn whole(&self, value: &Value) {
        let mut path = self.path.clone();
        check(
            self.cat,
            value,
            self.schema,
            &mut path,
            &mut self.out.borrow_mut(),
            self.depth,
        );
    }

    fn child(&self, schema: &'static Schema, seg: Seg) -> Seed<'_> {
        let mut path = self.path.clone();
        path.push(seg);
        Seed {
            cat: self.cat,
            schema,
            path,
            out: self.out,
            depth: self.depth + 1,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let streams = self.depth < MAX_DEPTH
            && match self.cat.resolve(self.schema) {
                Schema::Array { .. } => true,
                Schema::Object(o) => o.discriminator.is_none(),
                _ => false,
            };
        if streams {
            d.deserialize_any(self)
        } else {
            let v = Value::deserialize(d)?;
            self.whole(&v);
            Ok(())
        }
    }
}

use serde::Deserialize;

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Schema::Array { items, min_items } = self.cat.resolve(self.schema) else {
            // An array where an object belongs: built whole, for the message.
            let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
            self.whole(&v);
            return Ok(());
        };
        let mut n = 0usize;
        while seq
            .next_element_seed(self.child(items, Seg::Index(n)))?
            .is_some()
        {
            n += 1;
        }
        if let Some(min) = min_items {
            if n < *min as usize {
                self.out.borrow_mut().push(Problem {
                    path: self.path.clone(),
                    message: format!("needs at least {min} item(s), got {n}"),
                    missing: None,
                });
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Schema::Object(obj) = self.cat.resolve(self.schema) else {
            let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
            self.whole(&v);
            return Ok(());
        };
        // The fields built whole; those the schema says are arrays are
        // streamed, and stand in the object as `[]` for the object's own
        // checks (required, unknown), whose problems inside them are
        // dropped: the streaming found those.
        let mut fields = serde_json::Map::new();
        let mut streamed: Vec<String> = Vec::new();
        let before = self.out.borrow().len();
        while let Some(key) = map.next_key::<String>()? {
            let array = obj
                .fields
                .iter()
                .find(|f| f.name == key)
                .filter(|f| matches!(self.cat.resolve(&f.schema), Schema::Array { .. }));
            match array {
                Some(f) if !fields.contains_key(&key) => {
                    map.next_value_seed(self.child(&f.schema, Seg::Key(key.clone())))?;
                    fields.insert(key.clone(), Value::Array(Vec::new()));
                    streamed.push(key);
                }
                _ => {
                    // A key given again: the last value counts, as in
                    // `validate`, and its problems are kept.
                    streamed.retain(|k| *k != key);
                    let v: Value = map.next_value()?;
                    fields.insert(key, v);
                }
            }
        }
        let found: Vec<Problem> = self.out.borrow_mut().drain(before..).collect();
        let mut own = Vec::new();
        let mut path = self.path.clone();
        check(
            self.cat,
            &Value::Object(fields),
            self.schema,
            &mut path,
            &mut own,
            self.depth,
        );
        let depth = self.path.len();
        own.retain(|p| !matches!(p.path.get(depth), Some(Seg::Key(k)) if streamed.contains(k)));
        let mut out = self.out.borrow_mut();
        out.extend(own);
        out.extend(found);
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.whole(&Value::Bool(v));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.whole(&Value::from(v));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.whole(&Value::from(v));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.whole(&Value::from(v));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.whole(&Value::from(v));
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.whole(&Value::Null);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate;

    /// The same problems as `validate`, for every operation's body schema
    /// and a few bodies of each shape.
    #[test]
    fn finds_what_validate_finds() {
        let bodies = [
            "{}",
            "[]",
            "null",
            "1",
            "\"x\"",
            r#"{"name": 3, "unknown": [1, 2]}"#,
            r#"{"name": "n", "type": "role"}"#,
            r#"[{"a": 1}, 2, "x", [3]]"#,
            r#"{"privileges": ["space_view", "nope", 3], "grant": "x", "revoke": [[]]}"#,
            r#"{"caveats": [{"type": "time", "validUntil": "soon"}, 4]}"#,
        ];
        let mut checked = 0;
        for service in crate::builtin::SERVICES {
            let cat = Catalogue::newest(service);
            for op in cat.operations() {
                let Some(body) = &op.body else { continue };
                for text in bodies {
                    let v: Value = serde_json::from_str(text).unwrap();
                    let mut want = validate(cat, &v, &body.schema);
                    let mut got = validate_stream(cat, text.as_bytes(), &body.schema).unwrap();
                    let key = |p: &Problem| (format!("{:?}", p.path), p.message.clone());
                    want.sort_by_key(key);
                    got.sort_by_key(key);
                    assert_eq!(got, want, "{} {text}", op.name);
                    checked += 1;
                }
            }
        }
        assert!(checked > 1500, "{checked}");
    }

    #[test]
    fn not_json_is_an_error_with_its_place() {
        let cat = Catalogue::newest(&crate::builtin::ONEZONE);
        let op = cat.find("createSpace").unwrap();
        let body = op.body.as_ref().unwrap();
        let e = validate_stream(cat, b"{\"name\": x}", &body.schema).unwrap_err();
        assert_eq!((e.line(), e.column()), (1, 10));
        assert!(validate_stream(cat, b"{} {}", &body.schema).is_err());
    }
}
