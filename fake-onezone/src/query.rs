//! Query strings: decoding them, and checking them against the query
//! parameters of the operation's catalogue entry (`ParamIn::Query`).

use crate::checks::ApiError;
use onedata_catalogue::{Catalogue, Operation, Param, ParamIn, Schema};
use serde_json::json;

/// The pairs of a query string, in order, percent-decoded (`+` is a
/// space); a pair without `=` has an empty value, empty pairs are skipped.
/// `Err` names a pair that is not valid percent-encoded UTF-8.
pub(crate) fn pairs(query: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| crate::util::percent_decode(&s.replace('+', " "));
        match (decode(name), decode(value)) {
            (Some(n), Some(v)) => out.push((n, v)),
            _ => return Err(pair.to_owned()),
        }
    }
    Ok(out)
}

/// [`pairs`] for the record: a broken escape is kept as it came.
pub(crate) fn recorded(target: &str) -> Vec<(String, String)> {
    let Some((_, query)) = target.split_once('?') else {
        return Vec::new();
    };
    pairs(query).unwrap_or_else(|_| {
        query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (n, v) = p.split_once('=').unwrap_or((p, ""));
                (n.to_owned(), v.to_owned())
            })
            .collect()
    })
}

fn query_error(description: String, key: &str) -> ApiError {
    ApiError::new(400, "badValueQueryString", description).details(json!({ "key": key }))
}

/// The problems with a query string for `op` (each with its answer): a
/// pair that cannot be decoded, a parameter the operation does not take, a
/// value that is not an integer, number, `true`/`false` or one of the
/// allowed values as the parameter's schema says, a required one missing.
pub(crate) fn check(
    cat: Catalogue,
    op: &'static Operation,
    query: Option<&str>,
) -> Vec<(String, ApiError)> {
    let params: Vec<&'static Param> = op
        .params
        .iter()
        .filter(|p| p.location == ParamIn::Query)
        .collect();
    let pairs = match pairs(query.unwrap_or("")) {
        Ok(p) => p,
        Err(pair) => {
            return vec![(
                format!("query parameter {pair:?} is not valid percent-encoded UTF-8"),
                query_error(
                    "A query parameter is not valid percent-encoded UTF-8.".into(),
                    &pair,
                ),
            )]
        }
    };
    let mut out = Vec::new();
    for (name, value) in &pairs {
        let Some(p) = params.iter().find(|p| p.name == name.as_str()) else {
            let takes = if params.is_empty() {
                "no query parameters".to_owned()
            } else {
                params.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
            };
            out.push((
                format!(
                    "unknown query parameter {name:?} ({} takes {takes})",
                    op.name
                ),
                query_error(format!("Unexpected query parameter: {name}."), name),
            ));
            continue;
        };
        let schema = match cat.resolve(&p.schema) {
            Schema::Array { items, .. } => *items,
            _ => &p.schema,
        };
        if let Some(err) = check_value(cat, name, value, schema) {
            out.push((
                format!("query parameter {name}={value:?}: {}", err.description),
                err,
            ));
        }
    }
    for p in params.iter().filter(|p| p.required) {
        if !pairs.iter().any(|(n, _)| n == p.name) {
            out.push((
                format!("missing required query parameter {:?}", p.name),
                ApiError::new(
                    400,
                    "missingRequiredValue",
                    format!("Missing required value: {}.", p.name),
                )
                .details(json!({"key": p.name})),
            ));
        }
    }
    out
}

/// Why `value` does not fit `schema`, as Onedata's error.
fn check_value(
    cat: Catalogue,
    key: &str,
    value: &str,
    schema: &'static Schema,
) -> Option<ApiError> {
    let bad = |id: &'static str, what: &str| {
        Some(
            ApiError::new(400, id, format!("Bad value: {key} must be {what}."))
                .details(json!({ "key": key })),
        )
    };
    match cat.resolve(schema) {
        Schema::Integer if value.parse::<i64>().is_err() => bad("badValueInteger", "an integer"),
        Schema::Number if value.parse::<f64>().is_err() => bad("badValueFloat", "a number"),
        Schema::Boolean if value != "true" && value != "false" => {
            bad("badValueBoolean", "true or false")
        }
        Schema::String { enum_values }
            if !enum_values.is_empty() && !enum_values.contains(&value) =>
        {
            Some(
                ApiError::new(
                    400,
                    "badValueNotAllowed",
                    format!(
                        "Bad value: {key} must be one of: {}.",
                        enum_values.join(", ")
                    ),
                )
                .details(json!({ "key": key, "allowed": enum_values })),
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onedata_catalogue::builtin::ONEPROVIDER;

    #[test]
    fn decoding() {
        assert_eq!(
            pairs("a=1&&b=x%20y+z&c").unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y z".into()),
                ("c".into(), String::new())
            ]
        );
        assert_eq!(pairs("a=%zz").unwrap_err(), "a=%zz");
        assert_eq!(recorded("/p?a=%zz"), vec![("a".into(), "%zz".into())]);
        assert!(recorded("/p").is_empty());
    }

    #[test]
    fn checks_follow_the_catalogue() {
        let cat = Catalogue::newest(&ONEPROVIDER);
        let op = cat.find("createFile").unwrap();
        let ids = |q: &str| ids_of(cat, op, q);
        assert!(ids("name=a&type=DIR&mode=420").is_empty());
        assert_eq!(ids("name=a&nope=1"), ["badValueQueryString"]);
        assert_eq!(ids("name=a&mode=x"), ["badValueInteger"]);
        assert_eq!(ids("name=a&type=dir"), ["badValueNotAllowed"]);
        assert_eq!(ids("type=DIR"), ["missingRequiredValue"]);
        let op = cat.find("downloadFileContent").unwrap();
        assert_eq!(ids_of(cat, op, "follow_symlinks=yes"), ["badValueBoolean"]);
        assert!(ids_of(cat, op, "follow_symlinks=false").is_empty());
    }

    fn ids_of(cat: Catalogue, op: &'static Operation, q: &str) -> Vec<&'static str> {
        check(cat, op, Some(q)).iter().map(|(_, e)| e.id).collect()
    }
}
