//! Checks a JSON value against a catalogue schema. The CLI uses it on request
//! bodies (unless `--force`); the fake Onezone uses it on what arrives.

use crate::catalogue::{resolve, Discriminator, ObjectSchema, Schema, SCHEMAS};
use serde_json::Value;
use std::fmt;

/// One mismatch, at a JSON path such as `caveats[0].type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "body: {}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every mismatch between `value` and `schema`, in document order.
pub fn validate(value: &Value, schema: &'static Schema) -> Vec<Problem> {
    let mut problems = Vec::new();
    check(value, schema, &mut String::new(), &mut problems, 0);
    problems
}

/// Nesting deeper than this is reported rather than followed, so a hostile
/// body cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

fn check(
    value: &Value,
    schema: &'static Schema,
    path: &mut String,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    let mut problem = |msg: String| {
        out.push(Problem {
            path: path.clone(),
            message: msg,
        })
    };
    if depth > MAX_DEPTH {
        problem(format!("nested deeper than {MAX_DEPTH} levels"));
        return;
    }
    match resolve(schema) {
        Schema::Any | Schema::Binary | Schema::Ref(_) => {}
        Schema::String { enum_values, .. } => match value.as_str() {
            None => problem(format!("expected a string, got {}", kind(value))),
            Some(s) if !enum_values.is_empty() && !enum_values.contains(&s) => {
                problem(format!("{s:?} is not one of: {}", enum_values.join(", ")))
            }
            Some(_) => {}
        },
        Schema::Integer => {
            if !(value.is_i64() || value.is_u64()) {
                problem(format!("expected an integer, got {}", kind(value)));
            }
        }
        Schema::Number => {
            if !value.is_number() {
                problem(format!("expected a number, got {}", kind(value)));
            }
        }
        Schema::Boolean => {
            if !value.is_boolean() {
                problem(format!("expected true or false, got {}", kind(value)));
            }
        }
        Schema::Array { items, min_items } => match value.as_array() {
            None => problem(format!("expected an array, got {}", kind(value))),
            Some(list) => {
                if let Some(min) = min_items {
                    if list.len() < *min as usize {
                        problem(format!("needs at least {min} item(s), got {}", list.len()));
                    }
                }
                for (i, item) in list.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    check(item, items, path, out, depth + 1);
                    path.truncate(len);
                }
            }
        },
        Schema::Object(obj) => match value.as_object() {
            None => problem(format!("expected an object, got {}", kind(value))),
            Some(map) => match &obj.discriminator {
                Some(d) => check_variant(map, d, path, out, depth),
                None => check_object(map, obj, path, out, depth),
            },
        },
    }
}

fn check_object(
    map: &serde_json::Map<String, Value>,
    obj: &'static ObjectSchema,
    path: &mut String,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    for f in obj.fields {
        if f.required && !map.contains_key(f.name) {
            out.push(Problem {
                path: path.clone(),
                message: format!("missing required field {}", f.name),
            });
        }
    }
    for (key, v) in map {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
        match obj.fields.iter().find(|f| f.name == key) {
            Some(f) => check(v, &f.schema, path, out, depth + 1),
            None => match obj.additional {
                Some(extra) => check(v, extra, path, out, depth + 1),
                None => {
                    let allowed: Vec<&str> = obj.fields.iter().map(|f| f.name).collect();
                    out.push(Problem {
                        path: path.clone(),
                        message: format!("unknown field (allowed: {})", allowed.join(", ")),
                    });
                }
            },
        }
        path.truncate(len);
    }
}

fn check_variant(
    map: &serde_json::Map<String, Value>,
    d: &'static Discriminator,
    path: &mut String,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    let values: Vec<&str> = d.variants.iter().map(|(v, _)| *v).collect();
    let chosen = map.get(d.field);
    match chosen.and_then(Value::as_str) {
        Some(s) => match d.variants.iter().find(|(v, _)| *v == s) {
            Some((_, idx)) => {
                check_object_value(map, &SCHEMAS[usize::from(*idx)].schema, path, out, depth)
            }
            None => out.push(Problem {
                path: join(path, d.field),
                message: format!("{s:?} is not one of: {}", values.join(", ")),
            }),
        },
        None => out.push(Problem {
            path: path.clone(),
            message: format!(
                "missing required field {} (one of: {})",
                d.field,
                values.join(", ")
            ),
        }),
    }
}

fn check_object_value(
    map: &serde_json::Map<String, Value>,
    schema: &'static Schema,
    path: &mut String,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    if let Schema::Object(obj) = resolve(schema) {
        check_object(map, obj, path, out, depth + 1);
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// "a string", "an object", … for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::find;
    use serde_json::json;

    fn body_schema(op: &str) -> &'static Schema {
        &find(op).unwrap().body.as_ref().unwrap().schema
    }

    #[test]
    fn accepts_a_valid_body() {
        assert_eq!(
            validate(
                &json!({"name": "team", "type": "team"}),
                body_schema("createGroup")
            ),
            vec![]
        );
    }

    #[test]
    fn reports_type_enum_unknown_and_missing() {
        let p = validate(
            &json!({"type": "club", "colour": 1}),
            body_schema("createGroup"),
        );
        let text: Vec<String> = p.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("missing required field name")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("type: \"club\" is not one of: organization")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("colour: unknown field (allowed: name, type)")),
            "{text:?}"
        );
    }

    #[test]
    fn polymorphic_items_follow_their_discriminator() {
        let s = body_schema("createTemporaryTokenForCurrentUser");
        let ok =
            json!({"type": {"accessToken": {}}, "caveats": [{"type": "time", "validUntil": 1}]});
        assert_eq!(validate(&ok, s), vec![]);
        let bad = json!({"caveats": [{"type": "time", "validUntil": "soon"}, {"type": "nope"}]});
        let text: Vec<String> = validate(&bad, s).iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("caveats[0].validUntil: expected an integer")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("caveats[1].type: \"nope\" is not one of: time")),
            "{text:?}"
        );
    }
}
