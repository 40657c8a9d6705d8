//! Checks a JSON value against a catalogue schema. The CLI uses it on request
//! bodies (unless `--force`); the fake Onezone uses it on what arrives.

use crate::field_path::{path_text, Seg};
use crate::model::{Discriminator, ObjectSchema, Schema};
use crate::Catalogue;
use serde_json::Value;
use std::fmt;

/// One mismatch, at a place in the body such as `[caveats, 0, type]`
/// (shown as the item grammar writes it: `caveats[0][type]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: Vec<Seg>,
    pub message: String,
    /// Set when a required field is missing (`message` says which).
    pub missing: Option<Missing>,
}

/// A required field that is not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub field: &'static str,
    /// `==` or `:=`: how an item gives it.
    pub separator: &'static str,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path.first() {
            None => write!(f, "body: {}", self.message),
            Some(Seg::Key(_)) => write!(f, "{}: {}", path_text(&self.path), self.message),
            // An element of a body that is an array: `body[0]`.
            Some(_) => write!(f, "body{}: {}", path_text(&self.path), self.message),
        }
    }
}

/// Every mismatch between `value` and `schema`, in document order.
pub fn validate(cat: Catalogue, value: &Value, schema: &'static Schema) -> Vec<Problem> {
    let mut problems = Vec::new();
    check(cat, value, schema, &mut Vec::new(), &mut problems, 0);
    problems
}

/// Nesting deeper than this is reported rather than followed, so a hostile
/// body cannot exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 64;

fn problem(path: &[Seg], message: String) -> Problem {
    Problem {
        path: path.to_vec(),
        message,
        missing: None,
    }
}

pub(crate) fn check(
    cat: Catalogue,
    value: &Value,
    schema: &'static Schema,
    path: &mut Vec<Seg>,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        out.push(problem(
            path,
            format!("nested deeper than {MAX_DEPTH} levels"),
        ));
        return;
    }
    let mut report = |msg: String| out.push(problem(path, msg));
    match cat.resolve(schema) {
        Schema::Any | Schema::Binary | Schema::Ref(_) => {}
        Schema::String { enum_values } => match value.as_str() {
            None => report(format!("expected a string, got {}", kind(value))),
            Some(s) if !enum_values.is_empty() && !enum_values.contains(&s) => {
                report(format!("{s:?} is not one of: {}", enum_values.join(", ")))
            }
            Some(_) => {}
        },
        Schema::Integer => {
            if !(value.is_i64() || value.is_u64()) {
                report(format!("expected an integer, got {}", kind(value)));
            }
        }
        Schema::Number => {
            if !value.is_number() {
                report(format!("expected a number, got {}", kind(value)));
            }
        }
        Schema::Boolean => {
            if !value.is_boolean() {
                report(format!("expected true or false, got {}", kind(value)));
            }
        }
        Schema::AnyOf(alternatives) => {
            let fits = alternatives.iter().any(|a| {
                let mut inner = Vec::new();
                check(cat, value, a, &mut path.clone(), &mut inner, depth + 1);
                inner.is_empty()
            });
            if !fits {
                let what: Vec<String> = alternatives.iter().map(|a| describe(cat, a)).collect();
                let got = match value.as_str() {
                    Some(s) => format!("{s:?}"),
                    None => kind(value).to_owned(),
                };
                report(format!("expected {}, got {got}", what.join(" or ")));
            }
        }
        Schema::Array { items, min_items } => match value.as_array() {
            None => report(format!("expected an array, got {}", kind(value))),
            Some(list) => {
                if let Some(min) = min_items {
                    if list.len() < *min as usize {
                        report(format!("needs at least {min} item(s), got {}", list.len()));
                    }
                }
                for (i, item) in list.iter().enumerate() {
                    path.push(Seg::Index(i));
                    check(cat, item, items, path, out, depth + 1);
                    path.pop();
                }
            }
        },
        Schema::Object(obj) => match value.as_object() {
            None => report(format!("expected an object, got {}", kind(value))),
            Some(map) => match &obj.discriminator {
                Some(d) => check_variant(cat, map, d, path, out, depth),
                None => check_object(cat, map, obj, path, out, depth),
            },
        },
    }
}

/// What a value of `schema` is, for "expected …": `an integer`, `"infinity"`.
fn describe(cat: Catalogue, schema: &'static Schema) -> String {
    match cat.resolve(schema) {
        Schema::String { enum_values } if !enum_values.is_empty() => enum_values
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(" or "),
        Schema::String { .. } => "a string".into(),
        Schema::Integer => "an integer".into(),
        Schema::Number => "a number".into(),
        Schema::Boolean => "true or false".into(),
        Schema::Array { .. } => "an array".into(),
        Schema::Object(_) => "an object".into(),
        Schema::AnyOf(alternatives) => alternatives
            .iter()
            .map(|a| describe(cat, a))
            .collect::<Vec<_>>()
            .join(" or "),
        Schema::Any | Schema::Binary | Schema::Ref(_) => "any value".into(),
    }
}

fn check_object(
    cat: Catalogue,
    map: &serde_json::Map<String, Value>,
    obj: &'static ObjectSchema,
    path: &mut Vec<Seg>,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    for f in obj.fields {
        if f.required && !map.contains_key(f.name) {
            out.push(Problem {
                path: path.clone(),
                message: format!("missing required field {}", f.name),
                missing: Some(Missing {
                    field: f.name,
                    separator: cat.separator(&f.schema),
                }),
            });
        }
    }
    for (key, v) in map {
        path.push(Seg::Key(key.clone()));
        match obj.fields.iter().find(|f| f.name == key) {
            Some(f) => check(cat, v, &f.schema, path, out, depth + 1),
            None => match obj.additional {
                Some(extra) => check(cat, v, extra, path, out, depth + 1),
                None => {
                    let allowed: Vec<&str> = obj.fields.iter().map(|f| f.name).collect();
                    out.push(problem(
                        path,
                        format!("unknown field (allowed: {})", allowed.join(", ")),
                    ));
                }
            },
        }
        path.pop();
    }
}

fn check_variant(
    cat: Catalogue,
    map: &serde_json::Map<String, Value>,
    d: &'static Discriminator,
    path: &mut Vec<Seg>,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    let values: Vec<&str> = d.variants.iter().map(|(v, _)| *v).collect();
    let mut at_field = path.clone();
    at_field.push(Seg::Key(d.field.to_owned()));
    match map.get(d.field) {
        Some(Value::String(s)) => match d.variants.iter().find(|(v, _)| v == s) {
            Some((_, idx)) => {
                if let Some(schema) = cat.named(*idx) {
                    check_object_value(cat, map, schema, path, out, depth)
                }
            }
            None => out.push(problem(
                &at_field,
                format!("{s:?} is not one of: {}", values.join(", ")),
            )),
        },
        Some(other) => out.push(problem(
            &at_field,
            format!(
                "expected a string, got {} (one of: {})",
                kind(other),
                values.join(", ")
            ),
        )),
        None => out.push(Problem {
            path: path.clone(),
            message: format!(
                "missing required field {} (one of: {})",
                d.field,
                values.join(", ")
            ),
            missing: Some(Missing {
                field: d.field,
                separator: "==",
            }),
        }),
    }
}

fn check_object_value(
    cat: Catalogue,
    map: &serde_json::Map<String, Value>,
    schema: &'static Schema,
    path: &mut Vec<Seg>,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    if let Schema::Object(obj) = cat.resolve(schema) {
        check_object(cat, map, obj, path, out, depth + 1);
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
    use serde_json::json;

    fn zone() -> Catalogue {
        Catalogue::newest(&crate::builtin::ONEZONE)
    }

    fn body_schema(op: &str) -> &'static Schema {
        &zone().find(op).unwrap().body.as_ref().unwrap().schema
    }

    #[test]
    fn accepts_a_valid_body() {
        assert_eq!(
            validate(
                zone(),
                &json!({"name": "team", "type": "team"}),
                body_schema("createGroup")
            ),
            vec![]
        );
    }

    #[test]
    fn reports_type_enum_unknown_and_missing() {
        let p = validate(
            zone(),
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
        assert_eq!(validate(zone(), &ok, s), vec![]);
        let bad = json!({"caveats": [{"type": "time", "validUntil": "soon"}, {"type": "nope"}]});
        let text: Vec<String> = validate(zone(), &bad, s)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("caveats[0][validUntil]: expected an integer")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("caveats[1][type]: \"nope\" is not one of: time")),
            "{text:?}"
        );
    }

    #[test]
    fn a_discriminator_that_is_not_a_string_is_a_type_error() {
        let s = body_schema("createTemporaryTokenForCurrentUser");
        let p = validate(
            zone(),
            &json!({"type": {"accessToken": {}}, "caveats": [{"type": 5}]}),
            s,
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(
            p[0].path,
            [
                Seg::Key("caveats".into()),
                Seg::Index(0),
                Seg::Key("type".into())
            ]
        );
        assert!(
            p[0].message
                .starts_with("expected a string, got an integer"),
            "{p:?}"
        );
        assert_eq!(p[0].missing, None);
        let p = validate(
            zone(),
            &json!({"type": {"accessToken": {}}, "caveats": [{}]}),
            s,
        );
        assert_eq!(
            p[0].missing,
            Some(Missing {
                field: "type",
                separator: "=="
            })
        );
    }

    #[test]
    fn the_usage_limit_is_an_integer_or_infinity() {
        let s = body_schema("createNamedTokenForCurrentUser");
        for limit in [json!(3), json!("infinity")] {
            assert_eq!(
                validate(zone(), &json!({"name": "t", "usageLimit": limit}), s),
                vec![]
            );
        }
        for (limit, got) in [(json!("3"), "\"3\""), (json!(1.5), "a number")] {
            let p = validate(zone(), &json!({"name": "t", "usageLimit": limit}), s);
            assert_eq!(
                p.iter().map(ToString::to_string).collect::<Vec<_>>(),
                [format!(
                    "usageLimit: expected an integer or \"infinity\", got {got}"
                )]
            );
        }
    }

    #[test]
    fn paths_are_written_as_items_are() {
        let p = validate(
            zone(),
            &json!({"name": "x", "type[0]": "z", "na.me": 1}),
            body_schema("createGroup"),
        );
        let text: Vec<String> = p.iter().map(ToString::to_string).collect();
        assert!(text[0].starts_with(r"type\[0\]: unknown field"), "{text:?}");
        assert!(text[1].starts_with("na.me: unknown field"), "{text:?}");
    }
}
