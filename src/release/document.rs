//! Reading a spec file (JSON or YAML) into a `serde_json::Value` within a
//! budget: every value costs one unit and every byte of text one more, and
//! a document that costs more than [`budget`] allows is refused while it is
//! read.
//!
//! The size of the file does not bound the document: a YAML alias
//! (`*name`) repeats its anchor wherever it stands, so a 50 KB file of
//! 10,000 aliases to a 10,000-item anchor builds 100 million values, and an
//! alias to a long string repeats the string. The budget bounds what is
//! built, whatever the file says: four units per byte of the file, and a
//! million more. A document without aliases costs less than two per byte
//! (the Onezone 21.02.7 spec: 1.4 MB, about 0.9 million units).

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::Cell;
use std::fmt;

/// Values plus text bytes that a document of `len` bytes may build.
pub fn budget(len: usize) -> u64 {
    (len as u64).saturating_mul(4).saturating_add(1 << 20)
}

/// The budget left, shared by every value of one document.
pub struct Budget(Cell<u64>);

impl Budget {
    pub fn new(units: u64) -> Budget {
        Budget(Cell::new(units))
    }

    fn spend<E: de::Error>(&self, units: u64) -> Result<(), E> {
        let left = self.0.get();
        if units > left {
            return Err(E::custom(
                "the document expands to far more than its size (YAML aliases \
                 repeating large parts?); such specs are not read",
            ));
        }
        self.0.set(left - units);
        Ok(())
    }
}

/// One value of the document, built within the budget.
#[derive(Clone, Copy)]
pub struct Node<'a>(pub &'a Budget);

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A map key: text, within the budget.
struct Key<'a>(&'a Budget);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        let key = <String as serde::Deserialize>::deserialize(d)?;
        self.0.spend(1 + key.len() as u64)?;
        Ok(key)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON or YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.0.spend(1)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.0.spend(1)?;
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.0.spend(1)?;
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.0.spend(1)?;
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.0.spend(1 + v.len() as u64)?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.0.spend(1 + v.len() as u64)?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.0.spend(1)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.0.spend(1)?;
        let mut list = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            list.push(v);
        }
        Ok(Value::Array(list))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.0.spend(1)?;
        let mut out = Map::new();
        while let Some(k) = map.next_key_seed(Key(self.0))? {
            let v = map.next_value_seed(self)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// Parses JSON within its [`budget`].
pub fn json(text: &str) -> Result<Value, serde_json::Error> {
    let budget = Budget::new(budget(text.len()));
    let mut d = serde_json::Deserializer::from_str(text);
    let v = Node(&budget).deserialize(&mut d)?;
    d.end()?;
    Ok(v)
}

/// Parses YAML within its [`budget`].
pub fn yaml(text: &str) -> Result<Value, serde_norway::Error> {
    let budget = Budget::new(budget(text.len()));
    Node(&budget).deserialize(serde_norway::Deserializer::from_str(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_read_as_serde_json_reads_them() {
        let text = r#"{"a": [1, -2, 1.5, true, null, "x"], "b": {"c": {}}}"#;
        assert_eq!(
            json(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        let y = yaml("a: [1, -2, 1.5, true, null, x]\nb:\n  c: {}\n200: ok\n").unwrap();
        assert_eq!(
            y,
            serde_json::json!({"a": [1, -2, 1.5, true, null, "x"], "b": {"c": {}}, "200": "ok"})
        );
        assert!(json("{} x").is_err());
    }

    #[test]
    fn aliases_cannot_build_past_the_budget() {
        let n = 10_000;
        let items = vec!["x"; n].join(",");
        let aliases = vec!["*a"; n].join(",");
        let bomb = format!("x:\n  a: &a [{items}]\n  b: [{aliases}]\n");
        let start = std::time::Instant::now();
        let e = yaml(&bomb).unwrap_err().to_string();
        assert!(e.contains("expands to far more than its size"), "{e}");
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
        let long = "y".repeat(1 << 20);
        let strings = format!("a: &a \"{long}\"\nb: [{}]\n", vec!["*a"; 100].join(","));
        assert!(yaml(&strings).is_err());
    }
}
