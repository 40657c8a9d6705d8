//! From a request to its answer, before faults: the service and operation
//! it is for, the checks, the credentials, then the operation (with state
//! where the fake keeps some, else the catalogue's sample).

use crate::call::{Call, Reply, Who};
use crate::checks::{self, ApiError, Credential};
use crate::http::{Head, Response};
use crate::router::{self, Route, Routed};
use crate::server::{lock, Shared};
use crate::service::{self, Kind, Served};
use crate::state::State;
use crate::store::Staged;
use crate::util::PNG;
use crate::{panel, provider, query, sample, ONEPANEL_PASSPHRASE, ONEPANEL_USER};
use onedata_catalogue::builtin::ONEPROVIDER;
use serde_json::{json, Value};

/// A request's body as received.
#[derive(Debug)]
pub(crate) enum Payload {
    Bytes {
        bytes: Vec<u8>,
        chunked: bool,
    },
    /// An `application/octet-stream` upload, received into a file.
    Staged(Staged),
}

impl Payload {
    /// What [`crate::Recorded::body`] keeps: the bytes, or an upload's
    /// first bytes.
    pub(crate) fn into_recorded(self) -> Vec<u8> {
        match self {
            Payload::Bytes { bytes, .. } => bytes,
            Payload::Staged(mut s) => std::mem::take(&mut s.prefix),
        }
    }
}

/// What a request gets before faults are applied.
pub(crate) struct Outcome {
    pub response: Response,
    pub operation: Option<&'static str>,
    pub problems: Vec<String>,
}

fn error_outcome(
    err: &ApiError,
    operation: Option<&'static str>,
    problems: Vec<String>,
) -> Outcome {
    Outcome {
        response: Response::json(err.status, &err.body()),
        operation,
        problems,
    }
}

/// The `Host` the request came to, if it is a plausible host[:port];
/// otherwise our own address.
fn host(head: &Head, port: u16) -> String {
    match head.header("host") {
        Some(h)
            if !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b)) =>
        {
            h.to_owned()
        }
        _ => format!("127.0.0.1:{port}"),
    }
}

/// The host name without the port.
fn domain(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

/// Who a credential stands for at a service: Onezone takes its users'
/// tokens and basic credentials and providers' tokens; Oneprovider its
/// users' access tokens; Onepanel those too, and basic
/// `onepanel:PASSPHRASE`. `None` when it is not valid there.
fn authenticate(state: &State, kind: Kind, cred: &Credential) -> Option<Who> {
    match (kind, cred) {
        (Kind::Zone, _) => state.authenticate(cred),
        (Kind::Panel, Credential::Basic(user, pass)) => {
            (user == ONEPANEL_USER && pass == ONEPANEL_PASSPHRASE).then_some(Who::PanelRoot)
        }
        (Kind::Provider, Credential::Basic(..)) => None,
        (Kind::Provider | Kind::Panel, Credential::Token(_)) => state
            .authenticate(cred)
            .filter(|w| matches!(w, Who::User(_))),
    }
}

pub(crate) fn dispatch(shared: &Shared, head: &Head, payload: &Payload, act: bool) -> Outcome {
    let (path, query) = match head.target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (head.target.as_str(), None),
    };
    let host = host(head, shared.port);
    let origin = format!("{}://{host}", shared.scheme());

    if let Some(rest) = path
        .strip_prefix(ONEPROVIDER.base_path)
        .filter(|r| r.starts_with("/shares/data/"))
    {
        return provider_data(head, rest);
    }
    let Some((svc, api_path)) = service::find(&shared.services, path) else {
        let bases: Vec<&str> = shared.services.iter().map(|s| s.base_path()).collect();
        let err = ApiError::not_found(&format!("{path} (the APIs are below {})", bases.join(", ")));
        return error_outcome(
            &err,
            None,
            vec![format!(
                "path {path:?} is outside the base paths {}",
                bases.join(", ")
            )],
        );
    };
    let route = match routed(svc, &head.method, api_path) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let op = route.op;
    let (creds, mut cred_problems) = checks::credentials(head);
    let sent = creds.len() + cred_problems.len();
    if sent > 1 {
        cred_problems.push(format!(
            "{sent} credentials in one request (send exactly one of X-Auth-Token, Authorization: Bearer, Authorization: Basic)"
        ));
    }
    let (bytes, sent_body) = match payload {
        Payload::Bytes { bytes, chunked } => (bytes.as_slice(), !bytes.is_empty() || *chunked),
        Payload::Staged(s) => (&[][..], s.len > 0 || s.chunked),
    };
    let (value, form) = checks::check_request(head, &route, query, bytes, sent_body);
    let mut problems: Vec<String> = cred_problems.clone();
    problems.extend(form.iter().map(|(p, _)| p.clone()));
    if let Some((_, err)) = form.first() {
        return error_outcome(err, Some(op.name), problems);
    }
    if sent > 1 {
        let err = ApiError::new(400, "badValueAuthorization", "Send exactly one credential.")
            .details(json!({"credentials": sent}));
        return error_outcome(&err, Some(op.name), problems);
    }
    if !cred_problems.is_empty() {
        return error_outcome(
            &ApiError::unauthorized("malformed credentials"),
            Some(op.name),
            problems,
        );
    }

    let mut state = lock(&shared.state);
    let who = match creds.first() {
        None => Who::Anonymous,
        Some(c) => match authenticate(&state, svc.kind, c) {
            Some(w) => w,
            None => {
                return error_outcome(
                    &ApiError::unauthorized("invalid credentials"),
                    Some(op.name),
                    problems,
                );
            }
        },
    };
    let public = svc.is_public(op);
    if who == Who::Anonymous && !public {
        return error_outcome(
            &ApiError::unauthorized("no credentials"),
            Some(op.name),
            problems,
        );
    }
    let allowed = match (svc.kind, &who) {
        (Kind::Zone, _) => state.authorize(&route, &who),
        (Kind::Panel, Who::User(uid)) if !public && !state.is_admin(uid) => Err(
            ApiError::forbidden("Onepanel takes the tokens of Onezone admins only"),
        ),
        _ => Ok(()),
    };
    if let Err(e) = allowed {
        return error_outcome(&e, Some(op.name), problems);
    }
    if !act {
        return Outcome {
            response: Response::new(204),
            operation: Some(op.name),
            problems,
        };
    }
    let query = query::pairs(query.unwrap_or("")).unwrap_or_default();
    let call = Call {
        route: &route,
        head,
        body: value.as_ref(),
        upload: match payload {
            Payload::Staged(s) => Some(s),
            Payload::Bytes { .. } => None,
        },
        query: &query,
        who: &who,
        domain: domain(&host),
        release: shared.release_of(svc),
    };
    let handled = match svc.kind {
        Kind::Zone => {
            let r = state.handle(&call);
            drop(state);
            r
        }
        Kind::Provider => {
            drop(state);
            provider::handle(shared, &call)
        }
        Kind::Panel => {
            drop(state);
            panel::handle(shared, &call)
        }
    };
    let api_url = format!("{origin}{}", svc.base_path());
    let response = match handled {
        Err(e) => Response::json(e.status, &e.body()),
        Ok(Some(reply)) => reply_response(reply, &api_url),
        Ok(None) => {
            let fresh = lock(&shared.state).fresh_id();
            let redirect = shared.config.redirect_host.clone().unwrap_or(origin);
            default_response(&route, api_path, &api_url, &redirect, fresh)
        }
    };
    Outcome {
        response,
        operation: Some(op.name),
        problems,
    }
}

/// The operation of `svc` at `method` and `api_path`, or the answer when
/// there is none.
fn routed(svc: Served, method: &str, api_path: &str) -> Result<Route, Outcome> {
    match router::route(svc.catalogue, method, api_path) {
        Routed::Found(r) => Ok(r),
        Routed::NotFound => {
            let err = ApiError::not_found(&format!("no {} operation at {api_path}", svc.name()));
            Err(error_outcome(
                &err,
                None,
                vec![format!("no operation matches {method} {api_path}")],
            ))
        }
        Routed::WrongMethod(allowed) => {
            let err = ApiError::new(
                405,
                "methodNotAllowed",
                format!("{api_path} accepts {}, not {method}.", allowed.join(", ")),
            )
            .details(json!({"allowed": allowed}));
            let mut o = error_outcome(
                &err,
                None,
                vec![format!(
                    "{api_path} has no {method} operation (allowed: {})",
                    allowed.join(", ")
                )],
            );
            o.response = o.response.header("Allow", allowed.join(", "));
            Err(o)
        }
        Routed::BadEncoding(seg) => {
            let err = ApiError::new(
                400,
                "badValueIdentifier",
                "A path segment is not valid percent-encoded UTF-8.",
            )
            .details(json!({"segment": seg}));
            Err(error_outcome(
                &err,
                None,
                vec![format!("bad percent-encoding in path segment {seg:?}")],
            ))
        }
    }
}

fn reply_response(reply: Reply, api_url: &str) -> Response {
    match reply {
        Reply::Json(code, v) => Response::json(code, &v),
        Reply::Empty(code) => Response::new(code),
        Reply::Located(code, path, body) => {
            let r = match body {
                Some(v) => Response::json(code, &v),
                None => Response::new(code),
            };
            r.header("Location", format!("{api_url}{path}"))
        }
        Reply::Raw(r) => r,
    }
}

/// The catalogue's first success answer for an operation without state.
fn default_response(
    route: &Route,
    api_path: &str,
    api_url: &str,
    redirect: &str,
    fresh: String,
) -> Response {
    let op = route.op;
    let Some(r) = op.success_responses().next() else {
        return Response::json(200, &json!({}));
    };
    if let Some(ct) = op.produces.iter().find(|p| p.starts_with("image/")) {
        return Response::new(r.code)
            .header("Content-Type", *ct)
            .with_body(PNG.to_vec());
    }
    if (300..400).contains(&r.code) {
        let to = format!(
            "{}{}{api_path}",
            redirect.trim_end_matches('/'),
            ONEPROVIDER.base_path
        );
        return Response::new(r.code).header("Location", to);
    }
    // Bytes or text (an XML report, RDF): the sample as text.
    let text_type = op
        .produces
        .first()
        .filter(|_| !op.produces.contains(&"application/json"));
    let mut resp = match (&r.schema, r.code, text_type) {
        (_, 204, _) => Response::new(204),
        (schema, code, Some(ct)) => {
            let body = match schema.as_ref().map(|s| sample(route.cat, s)) {
                Some(Value::String(s)) => s,
                Some(v) => v.to_string(),
                None => String::new(),
            };
            Response::new(code)
                .header("Content-Type", *ct)
                .with_body(body.into_bytes())
        }
        (Some(s), code, None) => Response::json(code, &sample(route.cat, s)),
        // A 201 that only names what it created (Location, no schema) has no
        // body, as in Onezone and in this fake's stateful operations; `{}`
        // here hid the new id from clients that print the Location.
        (None, code, None) if r.location => Response::new(code),
        (None, code, None) => Response::json(code, &json!({})),
    };
    if r.location {
        let path = if op.method == "PUT" {
            api_path.to_owned()
        } else {
            let base = api_path.strip_suffix("/join").unwrap_or(api_path);
            format!("{}/{fresh}", base.trim_end_matches('/'))
        };
        resp = resp.header("Location", format!("{api_url}{path}"));
    }
    resp
}

/// The provider's side of getSharedData's redirect (not an operation of
/// the Oneprovider catalogue).
fn provider_data(head: &Head, rest: &str) -> Outcome {
    if head.method != "GET" {
        let err = ApiError::new(405, "methodNotAllowed", "Only GET is served here.");
        return error_outcome(
            &err,
            None,
            vec![format!("{} on the provider data path", head.method)],
        );
    }
    Outcome {
        response: Response::new(200)
            .header("Content-Type", "application/octet-stream")
            .with_body(format!("shared data at {rest}\n").into_bytes()),
        operation: None,
        problems: Vec::new(),
    }
}
