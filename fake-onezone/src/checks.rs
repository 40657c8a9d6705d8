//! What the fake checks on each request before acting on it: content types,
//! bodies against the catalogue schemas, `Accept`, and the form of the
//! credentials. Every failure becomes a problem and an Onedata error answer.

use crate::http::Head;
use crate::router::Route;
use crate::util::base64_decode;
use onedata_catalogue::field_path::Seg;
use onedata_catalogue::validate::{validate, Problem};
use serde_json::{json, Value};

/// An answer in Onedata's error shape:
/// `{"error": {"id": ..., "description": ..., "details": {...}}}`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: u16,
    pub id: &'static str,
    pub description: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub(crate) fn new(status: u16, id: &'static str, description: impl Into<String>) -> ApiError {
        ApiError {
            status,
            id,
            description: description.into(),
            details: None,
        }
    }

    pub(crate) fn details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    pub(crate) fn body(&self) -> Value {
        let mut error = json!({"id": self.id, "description": self.description});
        if let Some(d) = &self.details {
            error["details"] = d.clone();
        }
        json!({ "error": error })
    }

    pub(crate) fn not_found(what: &str) -> ApiError {
        ApiError::new(
            404,
            "notFound",
            format!("The resource could not be found: {what}."),
        )
    }

    pub(crate) fn forbidden(why: &str) -> ApiError {
        ApiError::new(
            403,
            "forbidden",
            format!("You are not authorized to perform this operation: {why}."),
        )
    }

    pub(crate) fn unauthorized(why: &str) -> ApiError {
        ApiError::new(
            401,
            "unauthorized",
            format!("You must authenticate yourself to perform this operation: {why}."),
        )
    }
}

/// The error id and description Onezone would give for a status alone
/// (used by `Fault::Status`).
pub(crate) fn error_for_status(status: u16) -> ApiError {
    let (id, text) = match status {
        400 => ("badMessage", "The request is malformed."),
        401 => (
            "unauthorized",
            "You must authenticate yourself to perform this operation.",
        ),
        403 => (
            "forbidden",
            "You are not authorized to perform this operation.",
        ),
        404 => ("notFound", "The resource could not be found."),
        409 => ("alreadyExists", "The resource already exists."),
        429 => ("tooManyRequests", "Too many requests."),
        500 => (
            "internalServerError",
            "The server has encountered an error while processing this request.",
        ),
        501 => ("notImplemented", "This operation is not implemented."),
        502 => (
            "badGateway",
            "The server could not reach a required service.",
        ),
        503 => (
            "serviceUnavailable",
            "The service is temporarily unavailable.",
        ),
        504 => ("timeout", "The operation has timed out."),
        _ => ("unknownError", "An error occurred."),
    };
    ApiError::new(status, id, text)
}

/// One credential as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    Token(String),
    Basic(String, String),
}

/// The credentials of a request, and problems with their form: one entry
/// in either list per credential header, so together they count the
/// credentials sent.
pub(crate) fn credentials(head: &Head) -> (Vec<Credential>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for v in head.all("x-auth-token") {
        if v.is_empty() {
            problems.push("empty X-Auth-Token header".to_owned());
        } else {
            found.push(Credential::Token(v.to_owned()));
        }
    }
    for v in head.all("authorization") {
        let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
            found.push(Credential::Token(rest.to_owned()));
        } else if scheme.eq_ignore_ascii_case("basic") {
            let pair = base64_decode(rest)
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.split_once(':').map(|(u, p)| (u.to_owned(), p.to_owned())));
            match pair {
                Some((u, p)) => found.push(Credential::Basic(u, p)),
                None => {
                    problems.push("Authorization: Basic is not base64 of user:password".to_owned())
                }
            }
        } else {
            // Never echo the value: it may be a secret.
            problems.push(format!(
                "Authorization header with scheme {:?} (expected Bearer <token> or Basic <base64>)",
                scheme.chars().take(16).collect::<String>()
            ));
        }
    }
    (found, problems)
}

/// The media type of a `Content-Type` or `Accept` entry, lower-cased.
pub(crate) fn media_type(v: &str) -> String {
    v.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Checks the request against its operation: query string, `Accept`, body
/// presence and type (one the operation consumes: JSON or YAML is parsed
/// and checked against the schema, other types are taken as they are).
/// `sent_body` says whether a body came (`body` is empty for an upload
/// received into a file). Returns the parsed body and the problems, each
/// with its answer.
pub(crate) fn check_request(
    head: &Head,
    route: &Route,
    query: Option<&str>,
    body: &[u8],
    sent_body: bool,
) -> (Option<Value>, Vec<(String, ApiError)>) {
    let op = route.op;
    let mut out: Vec<(String, ApiError)> = Vec::new();

    for name in ["Host", "Content-Type", "Accept"] {
        let n = head.all(name).count();
        if n > 1 {
            out.push((
                format!("{name} header sent {n} times"),
                ApiError::new(
                    400,
                    "badMessage",
                    format!("The {name} header must be sent at most once."),
                )
                .details(json!({"header": name})),
            ));
        }
    }

    out.extend(crate::query::check(route.cat, op, query));

    if let Some(accept) = head.header("accept") {
        let produces: &[&str] = if op.produces.is_empty() {
            &["application/json"]
        } else {
            op.produces
        };
        let ok = accept.split(',').map(media_type).any(|range| {
            range.is_empty()
                || range == "*/*"
                || produces.iter().any(|p| {
                    let p = p.to_ascii_lowercase();
                    p == range
                        || range
                            .strip_suffix("/*")
                            .is_some_and(|t| p.split('/').next() == Some(t))
                })
        });
        if !ok {
            out.push((
                format!("Accept {accept:?} does not allow {}", produces.join(", ")),
                ApiError::new(
                    406,
                    "notAcceptable",
                    format!("This operation answers {}.", produces.join(", ")),
                )
                .details(json!({"accept": accept, "produces": produces})),
            ));
        }
    }

    let no_body_method = matches!(op.method, "GET" | "DELETE");
    match &op.body {
        None => {
            if sent_body {
                out.push((
                    format!("{} {} takes no body, but one was sent", op.method, op.name),
                    ApiError::new(
                        400,
                        "unexpectedBody",
                        "This operation takes no request body.",
                    ),
                ));
            } else if no_body_method && head.header("content-type").is_some() {
                out.push((
                    format!("Content-Type on a {} without a body", op.method),
                    ApiError::new(
                        400,
                        "unexpectedBody",
                        "This operation takes no request body.",
                    )
                    .details(json!({"contentType": head.header("content-type")})),
                ));
            }
            (None, out)
        }
        Some(spec) => {
            if !sent_body {
                if spec.required {
                    out.push((
                        format!("{} needs a JSON body, none was sent", op.name),
                        ApiError::new(400, "missingRequiredValue", "Missing required value: body.")
                            .details(json!({"key": "body"})),
                    ));
                }
                return (None, out);
            }
            let consumes: &[&str] = if op.consumes.is_empty() {
                &["application/json"]
            } else {
                op.consumes
            };
            let ct = head.header("content-type").map(media_type);
            let matching = consumes
                .iter()
                .find(|m| ct.as_deref() == Some(m.to_ascii_lowercase().as_str()));
            let as_type = match matching {
                Some(m) => *m,
                None => {
                    let expected = consumes.join(" or ");
                    out.push((
                        format!(
                            "Content-Type is {:?}, expected {expected}",
                            head.header("content-type").unwrap_or("(none)")
                        ),
                        ApiError::new(
                            400,
                            "badValueContentType",
                            format!("The request body must be {expected}."),
                        )
                        .details(json!({"contentType": head.header("content-type")})),
                    ));
                    consumes[0]
                }
            };
            let parsed = match as_type {
                "application/json" => serde_json::from_slice::<Value>(body)
                    .map_err(|e| ("JSON", "badValueJSON", e.to_string())),
                "application/x-yaml" => serde_norway::from_slice::<Value>(body)
                    .map_err(|e| ("YAML", "badValueYAML", e.to_string())),
                // Bytes or text, taken as they are.
                _ => return (None, out),
            };
            let value = match parsed {
                Ok(v) => v,
                Err((kind, id, e)) => {
                    out.push((
                        format!("body is not valid {kind}: {e}"),
                        ApiError::new(400, id, format!("Provided body is not a valid {kind}."))
                            .details(json!({"parseError": e})),
                    ));
                    return (None, out);
                }
            };
            for p in validate(route.cat, &value, &spec.schema) {
                out.push((format!("body {p}"), schema_error(&p)));
            }
            (Some(value), out)
        }
    }
}

/// A place in a body as Onedata's error keys write it: `caveats[0].type`.
fn error_key(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Append => out.push_str("[]"),
        }
    }
    out
}

/// Onedata-style error ids for schema mismatches.
fn schema_error(p: &Problem) -> ApiError {
    let msg = p.message.as_str();
    let path = error_key(&p.path);
    let key = |field: &str| {
        if path.is_empty() {
            field.to_owned()
        } else if field.is_empty() {
            path.clone()
        } else {
            format!("{path}.{field}")
        }
    };
    if let Some(rest) = msg.strip_prefix("missing required field ") {
        let field = rest.split(' ').next().unwrap_or(rest);
        let k = key(field);
        return ApiError::new(
            400,
            "missingRequiredValue",
            format!("Missing required value: {k}."),
        )
        .details(json!({"key": k}));
    }
    let k = key("");
    let id = if msg.starts_with("expected a string") {
        "badValueString"
    } else if msg.starts_with("expected an integer") {
        "badValueInteger"
    } else if msg.starts_with("expected a number") {
        "badValueFloat"
    } else if msg.starts_with("expected true or false") {
        "badValueBoolean"
    } else if msg.starts_with("expected an array") {
        "badValueList"
    } else if msg.starts_with("expected an object") {
        "badValueJSON"
    } else if msg.contains("is not one of") {
        "badValueNotAllowed"
    } else if msg.starts_with("unknown field") {
        "badValueUnknownField"
    } else if msg.starts_with("needs at least") {
        "badValueEmpty"
    } else {
        "badValue"
    };
    let mut details = json!({"key": k});
    if let Some((_, allowed)) = msg.split_once("is not one of: ") {
        details["allowed"] = json!(allowed.split(", ").collect::<Vec<_>>());
    }
    ApiError::new(400, id, format!("Bad value: {k}: {msg}.")).details(details)
}
