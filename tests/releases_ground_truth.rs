//! Every operation of every release of every service, invoked as a user
//! would with `--dry-run --api-version <release>` through its own command
//! (`onezone-rest-cli`, `oneprovider-rest-cli`, `onepanel-rest-cli`),
//! checked against that release's Swagger spec itself
//! (`../shared/onedata-api/<service>-<release>.json`), not against our
//! catalogue: the spec operation of that name has the method and path of
//! the curl line, with the path parameters percent-encoded; the query
//! string carries exactly the query parameters given (every required one,
//! and for some operations the optional ones), percent-encoded; a body is
//! sent exactly when the spec takes one, its top-level fields are the spec
//! body's properties and include every required one, and it validates
//! against our catalogue of that release; a binary body (`-T FILE`) is
//! streamed by curl with the spec's Content-Type and the spec's method;
//! a YAML body on stdin is sent as JSON with the same fields; the
//! credential is a reference to its variable, never the secret.
//!
//! Path parameters get text that needs percent-encoding, an integer where
//! the spec says integer (but Onepanel's LUMA `{username}`/`{groupname}`,
//! names that we take as strings: they get text), one of the spec's values
//! where it lists them. Our operation name for a spec operation is
//! camelCase of its operationId where the committed catalogue
//! (`crates/catalogue/api/<service>.json`) confirms it, else the one the
//! catalogue gives that operationId (on that method and path).
//!
//! Beside those, samples, one per kind and release: a wrongly typed query
//! parameter (integer, boolean, enum) or path parameter (integer, enum),
//! and a required query parameter left out, are refused with the usage
//! exit code and a message that names them.
//!
//! The specs are reference data beside the repository; without them the
//! test is skipped (visibly, and a failure under CI).

mod common;

use onezone_rest_cli::catalogue::builtin::{ONEPANEL, ONEPROVIDER, ONEZONE};
use onezone_rest_cli::catalogue::validate::validate;
use onezone_rest_cli::catalogue::{Catalogue, Operation, Service};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

const SECRET: &str = "ground-truth-secret-5f1e9a";
const THREADS: usize = 4;
/// At most this many failures are listed in the message.
const SHOWN: usize = 60;
/// The usage exit code (`--help` documents it).
const USAGE: i32 = 2;

/// How a command is told its host.
enum HostBy {
    /// The service's host variable, with this value.
    Var(&'static str, &'static str),
    /// `--host` with this value.
    Flag(&'static str),
}

/// One command and what it is checked against.
struct Svc {
    /// The spec files' prefix (`onezone-21.02.7.json`) and the committed
    /// catalogue's name (`crates/catalogue/api/onezone.json`).
    prefix: &'static str,
    command: &'static str,
    bin: &'static str,
    service: &'static Service,
    base_path: &'static str,
    host: HostBy,
    /// What the URL starts with, before the base path.
    url_root: &'static str,
    api_key_var: &'static str,
    /// The basic-authentication variable, where the command reads one:
    /// every other run sends that credential instead of the token.
    basic_var: Option<&'static str>,
    /// The releases the catalogue must have, each with its spec.
    releases: &'static [&'static str],
    /// Spec files that are here for old operation names only.
    old_specs: &'static [&'static str],
    /// The operations that some specs have, as a sanity check of the
    /// counts derived from the specs.
    known_counts: &'static [(&'static str, usize)],
}

const RELEASES_21: [&str; 8] = [
    "20.02.20", "21.02.1", "21.02.2", "21.02.3", "21.02.4", "21.02.5", "21.02.6", "21.02.7",
];

static SERVICES: [Svc; 3] = [
    Svc {
        prefix: "onezone",
        command: "onezone-rest-cli",
        bin: env!("CARGO_BIN_EXE_onezone-rest-cli"),
        service: &ONEZONE,
        base_path: "/api/v3/onezone",
        host: HostBy::Var("ONEZONE_HOST", "https://zone.test"),
        url_root: "https://zone.test",
        api_key_var: "ONEZONE_API_KEY",
        basic_var: Some("ONEZONE_BASIC_AUTH"),
        releases: &[
            "19.02.5", "20.02.20", "21.02.1", "21.02.2", "21.02.3", "21.02.4", "21.02.5",
            "21.02.6", "21.02.7",
        ],
        old_specs: &["3.0.0-beta6", "18.02.1"],
        known_counts: &[
            ("19.02.5", 339),
            ("20.02.20", 382),
            ("21.02.1", 390),
            ("21.02.4", 391),
            ("21.02.6", 392),
            ("21.02.7", 392),
        ],
    },
    Svc {
        prefix: "oneprovider",
        command: "oneprovider-rest-cli",
        bin: env!("CARGO_BIN_EXE_oneprovider-rest-cli"),
        service: &ONEPROVIDER,
        base_path: "/api/v3/oneprovider",
        // No scheme: https is implied, and no port is added.
        host: HostBy::Var("ONEPROVIDER_HOST", "provider.test"),
        url_root: "https://provider.test",
        api_key_var: "ONEPROVIDER_API_KEY",
        basic_var: None,
        releases: &RELEASES_21,
        old_specs: &[],
        known_counts: &[
            ("20.02.20", 72),
            ("21.02.1", 74),
            ("21.02.4", 83),
            ("21.02.7", 83),
        ],
    },
    Svc {
        prefix: "onepanel",
        command: "onepanel-rest-cli",
        bin: env!("CARGO_BIN_EXE_onepanel-rest-cli"),
        service: &ONEPANEL,
        base_path: "/api/v3/onepanel",
        // No port: Onepanel's 9443 is added.
        host: HostBy::Flag("panel.test"),
        url_root: "https://panel.test:9443",
        api_key_var: "ONEPANEL_API_KEY",
        basic_var: Some("ONEPANEL_BASIC_AUTH"),
        releases: &RELEASES_21,
        old_specs: &[],
        known_counts: &[
            ("20.02.20", 157),
            ("21.02.1", 158),
            ("21.02.4", 139),
            ("21.02.7", 139),
        ],
    },
];

/// Onezone's operationId used for two paths; the users path takes the body
/// of the groups path (the spec's bare privilege array there is a bug).
const DUPLICATED_ID: &str = "update_group_handle_service_privileges";

/// Required body fields that the spec names but that no property of the
/// body schema declares (operationId, field): spec bugs. Oneprovider's
/// `ArchiveRecallRequest` requires `targetParentId`, its properties are
/// `parentDirectoryId` and `targetFileName`. Such a name cannot be sent
/// (the object is closed); any other such name fails the test.
const GHOST_REQUIRED: [(&str, &str); 1] = [("recall_archive", "targetParentId")];

/// Path parameters that the spec types as integers but that are names
/// (Onepanel's LUMA mappings): strings for us.
const NAME_PARAMS: [&str; 2] = ["username", "groupname"];

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/onedata-api")
}

/// `create_space_support_token` → `createSpaceSupportToken` (written here
/// again, so that the test does not take the generator's word for it).
fn camel(snake: &str) -> String {
    let mut out = String::new();
    for (i, word) in snake.split('_').filter(|w| !w.is_empty()).enumerate() {
        let mut chars = word.chars();
        if let Some(c) = chars.next() {
            if i == 0 {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            out.push_str(chars.as_str());
        }
    }
    out
}

/// Decodes a percent-encoded URL component whose raw characters are all
/// allowed there (`extra`, beside the unreserved ones and `%`); `None`
/// when one is not, or a `%` is not followed by two hex digits.
fn decode(raw: &str, extra: &[u8]) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || extra.contains(&b) {
            out.push(b);
            i += 1;
        } else {
            return None;
        }
    }
    String::from_utf8(out).ok()
}

/// What a path segment may carry raw beside unreserved characters (RFC
/// 3986 `pchar`: sub-delims, `:` and `@`).
const PCHAR: &[u8] = b"!$&'()*+,;=:@";
/// What a query name or value may carry raw (no `&`, `=`, `+`, `#`).
const QCHAR: &[u8] = b"!$'()*,;:@/?";

/// A path or query parameter's type, as the spec says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Integer,
    Number,
    Boolean,
    /// A string with these allowed values.
    Enum(Vec<String>),
    String,
    /// An array of strings given as repeated parameters
    /// (`collectionFormat: multi`, `providers[]=a&providers[]=b`).
    Multi,
    /// Anything else: not given.
    Other(String),
}

#[derive(Debug, Clone)]
struct SpecParam {
    name: String,
    kind: Kind,
    required: bool,
}

fn kind_of(p: &Value) -> Kind {
    match p["type"].as_str() {
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        Some("string") => match p.get("enum").and_then(Value::as_array) {
            Some(values) => Kind::Enum(
                values
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
            ),
            None => Kind::String,
        },
        Some("array")
            if p["collectionFormat"] == "multi"
                && p.pointer("/items/type") == Some(&"string".into()) =>
        {
            Kind::Multi
        }
        other => Kind::Other(other.unwrap_or("untyped").to_owned()),
    }
}

/// One operation of a spec.
#[derive(Debug, Clone)]
struct SpecOp {
    path: String,
    /// Upper case.
    method: String,
    id: String,
    /// The schema of its `in: body` parameter.
    body: Option<Value>,
    /// Whether that parameter is required.
    body_required: bool,
    consumes: Vec<String>,
    path_params: BTreeMap<String, Kind>,
    query: Vec<SpecParam>,
}

/// One release's spec, as the test needs it.
struct Spec {
    base_path: String,
    definitions: Map<String, Value>,
    /// Every (path, method), in spec order.
    ops: Vec<SpecOp>,
    /// Our operation name → index in `ops`.
    by_name: BTreeMap<String, usize>,
    /// The spec operations whose name is not camelCase of the operationId:
    /// found through the committed catalogue.
    looked_up: usize,
    /// The header names of its apiKey security schemes.
    auth_headers: Vec<String>,
    /// Whether it takes basic authentication.
    basic: bool,
    /// The global `consumes`.
    consumes: Vec<String>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

/// The committed catalogue (`crates/catalogue/api/<service>.json`): for
/// each operationId, the operations of that id with their name, span,
/// method and path.
struct Committed {
    releases: Vec<String>,
    ops: Vec<CommittedOp>,
}

struct CommittedOp {
    name: String,
    id: String,
    since: usize,
    until: usize,
    method: String,
    path: String,
}

fn load_committed(svc: &Svc) -> Committed {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("crates/catalogue/api")
        .join(format!("{}.json", svc.prefix));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
    let releases = strings(v.get("releases"));
    let index = |r: Option<&Value>, default: usize| match r.and_then(Value::as_str) {
        Some(r) => releases
            .iter()
            .position(|x| x == r)
            .unwrap_or_else(|| panic!("{}: span names {r}", file.display())),
        None => default,
    };
    let newest = releases.len().saturating_sub(1);
    let ops = v["operations"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no operations", file.display()))
        .iter()
        .map(|op| CommittedOp {
            name: op["name"].as_str().expect("name").to_owned(),
            id: op["operationId"].as_str().expect("operationId").to_owned(),
            since: index(op.pointer("/span/since"), 0),
            until: index(op.pointer("/span/until"), newest),
            method: op["method"].as_str().expect("method").to_uppercase(),
            path: op["path"].as_str().expect("path").to_owned(),
        })
        .collect();
    Committed { releases, ops }
}

impl Committed {
    /// Our name for a spec operation of `release`: camelCase of its
    /// operationId where the committed catalogue confirms it, else the
    /// catalogue's operation of that operationId (the one on that method
    /// and path, where the id names several). The bool: found through the
    /// catalogue rather than by camelCase.
    fn name_for(&self, release: &str, op: &SpecOp) -> (String, bool) {
        let guess = camel(&op.id);
        let Some(r) = self.releases.iter().position(|x| x == release) else {
            return (guess, false);
        };
        let of_id: Vec<&CommittedOp> = self
            .ops
            .iter()
            .filter(|c| c.id == op.id && (c.since..=c.until).contains(&r))
            .collect();
        let names: BTreeSet<&str> = of_id.iter().map(|c| c.name.as_str()).collect();
        if names.len() == 1 && names.contains(guess.as_str()) {
            return (guess, false);
        }
        let chosen = if names.len() == 1 {
            of_id.first()
        } else {
            of_id
                .iter()
                .find(|c| c.method == op.method && c.path == op.path)
        };
        match chosen {
            Some(c) => (c.name.clone(), c.name != guess),
            None => (guess, false),
        }
    }
}

fn load_spec(svc: &Svc, committed: &Committed, release: &str) -> Spec {
    let file = specs_dir().join(format!("{}-{release}.json", svc.prefix));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let spec: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
    assert_eq!(
        spec.pointer("/info/version").and_then(Value::as_str),
        Some(release),
        "{}",
        file.display()
    );
    let what = format!("{}-{release}", svc.prefix);
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let shared = item["parameters"].as_array().cloned().unwrap_or_default();
        for (method, op) in item.as_object().expect("a path item") {
            if !["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                continue;
            }
            // The operation's parameters, then the path item's that it
            // does not override.
            let mut params: Vec<Value> = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in &shared {
                if !params
                    .iter()
                    .any(|q| q["name"] == p["name"] && q["in"] == p["in"])
                {
                    params.push(p.clone());
                }
            }
            let body_param = params.iter().find(|p| p["in"] == "body");
            let body = body_param.map(|p| p["schema"].clone());
            let body_required = body_param.is_some_and(|p| p["required"] == true);
            let mut path_params = BTreeMap::new();
            let mut query = Vec::new();
            for p in &params {
                let name = p["name"].as_str().expect("a parameter's name").to_owned();
                match p["in"].as_str() {
                    Some("path") => {
                        path_params.insert(name, kind_of(p));
                    }
                    Some("query") => query.push(SpecParam {
                        name,
                        kind: kind_of(p),
                        required: p["required"] == true,
                    }),
                    Some("body") => {}
                    other => panic!("{what}: {method} {path}: a parameter in {other:?}"),
                }
            }
            ops.push(SpecOp {
                path: path.clone(),
                method: method.to_uppercase(),
                id: op["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{what}: {method} {path} has no operationId"))
                    .to_owned(),
                body,
                body_required,
                consumes: strings(op.get("consumes")),
                path_params,
                query,
            });
        }
    }
    let mut by_name = BTreeMap::new();
    let mut looked_up = 0;
    for (i, op) in ops.iter().enumerate() {
        let (name, through_catalogue) = committed.name_for(release, op);
        if through_catalogue {
            looked_up += 1;
        }
        if let Some(j) = by_name.insert(name.clone(), i) {
            panic!(
                "{what}: {name} names both {} {} and {} {}",
                ops[j].method, ops[j].path, op.method, op.path
            );
        }
    }
    let schemes = spec["securityDefinitions"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let auth_headers = schemes
        .values()
        .filter(|s| s["type"] == "apiKey" && s["in"] == "header")
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .collect();
    Spec {
        base_path: spec["basePath"].as_str().expect("basePath").to_owned(),
        definitions: spec["definitions"].as_object().cloned().unwrap_or_default(),
        ops,
        by_name,
        looked_up,
        auth_headers,
        basic: schemes.values().any(|s| s["type"] == "basic"),
        consumes: strings(spec.get("consumes")),
    }
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

fn is_yaml(media: &str) -> bool {
    media.ends_with("/yaml") || media.ends_with("/x-yaml")
}

impl Spec {
    /// The definition a `$ref` names, else the schema itself.
    fn deref<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut s = schema;
        for _ in 0..32 {
            match s["$ref"].as_str() {
                Some(r) => {
                    let name = r.strip_prefix("#/definitions/").unwrap_or(r);
                    s = self
                        .definitions
                        .get(name)
                        .unwrap_or_else(|| panic!("$ref {r} names no definition"));
                }
                None => return s,
            }
        }
        panic!("a $ref cycle at {schema}")
    }

    /// The properties and the required names of an object schema, with
    /// `$ref`s resolved and `allOf` flattened.
    fn fields(&self, schema: &Value, props: &mut BTreeSet<String>, req: &mut BTreeSet<String>) {
        let s = self.deref(schema);
        if let Some(p) = s["properties"].as_object() {
            props.extend(p.keys().cloned());
        }
        req.extend(strings(s.get("required")));
        for part in s["allOf"].as_array().into_iter().flatten() {
            self.fields(part, props, req);
        }
    }

    /// Whether an object schema takes fields beside its properties
    /// (`additionalProperties`, other than `false`).
    fn open(&self, schema: &Value) -> bool {
        let s = self.deref(schema);
        s.get("additionalProperties")
            .is_some_and(|a| *a != Value::Bool(false))
            || s["allOf"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|part| self.open(part))
    }

    /// The properties of the definitions that extend the definition `name`
    /// through `allOf` (the variants of a polymorphic schema), transitively.
    fn variant_fields(
        &self,
        name: &str,
        props: &mut BTreeSet<String>,
        seen: &mut BTreeSet<String>,
    ) {
        let target = format!("#/definitions/{name}");
        for (other, def) in &self.definitions {
            let extends = def["allOf"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["$ref"] == target.as_str());
            if extends && seen.insert(other.clone()) {
                self.fields(def, props, &mut BTreeSet::new());
                self.variant_fields(other, props, seen);
            }
        }
    }

    /// The JSON type of a schema (`object` when it has properties or
    /// `allOf` but no type).
    fn kind(&self, schema: &Value) -> Option<String> {
        let s = self.deref(schema);
        match s["type"].as_str() {
            Some(t) => Some(t.to_owned()),
            None if s.get("properties").is_some() || s.get("allOf").is_some() => {
                Some("object".into())
            }
            None => None,
        }
    }

    /// What an operation consumes: its own list, else the spec's.
    fn consumes(&self, op: &SpecOp) -> Vec<String> {
        if op.consumes.is_empty() {
            self.consumes.clone()
        } else {
            op.consumes.clone()
        }
    }

    /// Whether the operation's body is bytes (a file, a view function,
    /// RDF): it consumes neither JSON nor YAML.
    fn is_binary(&self, op: &SpecOp) -> bool {
        let consumes = self.consumes(op);
        op.body.is_some()
            && !consumes.is_empty()
            && !consumes.iter().any(|c| is_json(c) || is_yaml(c))
    }

    /// Whether the operation takes a YAML body (as well as JSON).
    fn takes_yaml(&self, op: &SpecOp) -> bool {
        op.body.is_some() && self.consumes(op).iter().any(|c| is_yaml(c))
    }
}

/// The spec's body schema that our body is held to: the documented
/// generator fixes applied (the users path of the duplicated id takes the
/// groups path's body; a POST of `X` takes `XCreateRequest` where the spec
/// defines it).
fn expected_body(spec: &Spec, op: &SpecOp) -> Option<Value> {
    let body = if op.id == DUPLICATED_ID && op.path.contains("/users/{") {
        let groups = spec
            .ops
            .iter()
            .find(|o| o.id == DUPLICATED_ID && o.path.contains("/groups/{"))
            .expect("the groups path of the duplicated operationId");
        groups.body.clone()
    } else {
        op.body.clone()
    }?;
    if op.method == "POST" {
        if let Some(r) = body["$ref"].as_str() {
            let create = format!("{}CreateRequest", r.trim_start_matches("#/definitions/"));
            if spec.definitions.contains_key(&create) {
                return Some(serde_json::json!({ "$ref": format!("#/definitions/{create}") }));
            }
        }
    }
    Some(body)
}

/// What the curl line of `--dry-run` says.
#[derive(Debug)]
struct Curl {
    method: Option<String>,
    url: String,
    headers: Vec<String>,
    body: Option<String>,
    /// `-u`'s value.
    user: Option<String>,
    /// `-T`'s value, and whether it ends the line.
    upload: Option<(String, bool)>,
}

fn parse_curl(line: &str) -> Result<Curl, String> {
    let words = shlex::split(line).ok_or_else(|| format!("not shell words: {line}"))?;
    if words.first().map(String::as_str) != Some("curl") {
        return Err(format!("not a curl line: {line}"));
    }
    let mut c = Curl {
        method: None,
        url: String::new(),
        headers: Vec::new(),
        body: None,
        user: None,
        upload: None,
    };
    let last = words.len() - 1;
    let mut it = words.into_iter().enumerate().skip(1);
    while let Some((_, w)) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{w} without a value: {line}"))
        };
        match w.as_str() {
            "-X" => c.method = Some(value()?.1),
            "-H" => c.headers.push(value()?.1),
            "-u" => c.user = Some(value()?.1),
            "--data-raw" => c.body = Some(value()?.1),
            "-T" => {
                let (i, file) = value()?;
                c.upload = Some((file, i == last));
            }
            _ if w.starts_with("http") && c.url.is_empty() => c.url = w,
            other => return Err(format!("unexpected curl word {other:?} in {line}")),
        }
    }
    Ok(c)
}

fn header<'a>(curl: &'a Curl, name: &str) -> Option<&'a str> {
    curl.headers.iter().find_map(|h| {
        let (n, v) = h.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// How a run gives the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// As items (`name==text`, `name:=json`), or JSON on stdin when it is
    /// not an object; a binary body with `-T FILE`.
    Items,
    /// The same body as YAML on stdin (`-`).
    Yaml,
}

/// A wrongly typed parameter that must be refused.
#[derive(Debug, Clone)]
struct Wrong {
    name: String,
    /// Empty: the parameter is left out.
    value: &'static str,
    /// What kind of sample: `integer query`, `integer path`, …
    what: String,
}

/// One run: a release, an operation, the path template it is invoked on.
struct Job<'a> {
    svc: &'a Svc,
    cat: Catalogue,
    op: &'static Operation,
    template: &'static str,
    /// A path variant (not counted as an operation of its own).
    variant: bool,
    mode: Mode,
    /// Whether the optional query parameters are given too.
    optional: bool,
    /// Whether the credential is basic authentication.
    basic: bool,
    /// Set: the run must be refused for this parameter.
    wrong: Option<Wrong>,
}

/// What a successful run checked.
#[derive(Default)]
struct Checked {
    body: bool,
    upload: bool,
    yaml: bool,
    query_items: usize,
}

/// The value given to a path parameter: an integer where the spec types
/// it so (but for the names that are strings), one of the spec's values
/// where it lists them, else text that needs percent-encoding.
fn path_value(kind: Option<&Kind>, name: &str) -> String {
    match kind {
        Some(Kind::Integer) if !NAME_PARAMS.contains(&name) => "4711".into(),
        Some(Kind::Enum(values)) if !values.is_empty() => values[values.len() - 1].clone(),
        _ => format!("v-{name} é&x"),
    }
}

/// The values given to a query parameter of this kind (several for a
/// repeated one; none for a kind the test cannot give).
fn query_values(p: &SpecParam) -> Vec<String> {
    match &p.kind {
        Kind::Integer => vec!["42".into()],
        Kind::Number => vec!["2.5".into()],
        Kind::Boolean => vec!["true".into()],
        Kind::Enum(values) => values.last().cloned().into_iter().collect(),
        Kind::String => vec![format!("q-{} é&=/?#+", p.name)],
        Kind::Multi => vec![format!("m-{}-1", p.name), format!("m-{} 2,3", p.name)],
        Kind::Other(_) => Vec::new(),
    }
}

/// The scratch file that `-T` uploads.
fn upload_file() -> &'static Path {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let file = common::scratch("releases-ground-truth").join("upload.bin");
        std::fs::write(&file, b"ground truth \x00\xff upload\n").expect("the upload file");
        file
    })
}

/// The command of `svc` in the environment of `common::isolate`, without
/// any service's variables of the developer's environment.
fn command(svc: &Svc) -> std::process::Command {
    let mut c = std::process::Command::new(svc.bin);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if ["ONEZONE_", "ONEPROVIDER_", "ONEPANEL_", "ONEDATA_"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            c.env_remove(name.as_ref());
        }
    }
    common::isolate(&mut c);
    c
}

/// Runs one job and checks it against the spec.
fn check(job: &Job, spec: &Spec) -> Result<Checked, String> {
    let (svc, cat, op) = (job.svc, job.cat, job.op);
    let mut what = format!(
        "{} {} {} ({})",
        svc.command,
        cat.release(),
        op.name,
        job.template
    );
    if job.mode == Mode::Yaml {
        what.push_str(" [YAML on stdin]");
    }
    if let Some(w) = &job.wrong {
        what.push_str(&format!(" [{} {}={}]", w.what, w.name, w.value));
    }
    let spec_index = *spec
        .by_name
        .get(op.name)
        .ok_or_else(|| format!("{what}: no operation of this name in the spec"))?;
    let mut spec_op = &spec.ops[spec_index];
    if job.variant {
        // A path variant reaches another path of the same operationId.
        spec_op = spec
            .ops
            .iter()
            .find(|o| o.id == spec_op.id && o.path == job.template)
            .ok_or_else(|| {
                format!(
                    "{what}: the spec has no path {} for {}",
                    job.template, spec_op.id
                )
            })?;
    }
    let wrong = |name: &str| job.wrong.as_ref().filter(|w| w.name == name);

    // The invocation: path parameters, body, query parameters.
    let binary = spec.is_binary(spec_op);
    let mut body = if binary {
        None
    } else {
        common::default_body(cat, op)
    };
    // An open object without declared fields (Oneprovider's attributes and
    // extended attributes): one field of its own, as users give them
    // (`setXattr id=… license==CC-0`).
    if let (Some(Value::Object(fields)), Some(obj)) = (&mut body, cat.body_object(op)) {
        if let (true, Some(extra)) = (fields.is_empty(), obj.additional) {
            fields.insert("v-key".into(), fake_onezone::sample_body(cat, extra));
        }
    }
    let mut inv = common::invocation(
        cat,
        op,
        job.template,
        |_, _, name| match wrong(name) {
            Some(w) => w.value.to_owned(),
            None => path_value(spec_op.path_params.get(name), name),
        },
        if job.mode == Mode::Yaml {
            None
        } else {
            body.clone()
        },
    );
    if job.mode == Mode::Yaml {
        let b = body
            .as_ref()
            .ok_or_else(|| format!("{what}: no sample body"))?;
        inv.args.push("-".into());
        inv.stdin = Some(
            serde_norway::to_string(b).map_err(|e| format!("{what}: cannot write YAML: {e}"))?,
        );
        inv.body = body.clone();
    }
    let mut query: Vec<(String, String)> = Vec::new();
    for p in &spec_op.query {
        let values = match wrong(&p.name) {
            Some(w) if w.value.is_empty() => Vec::new(),
            Some(w) => vec![w.value.to_owned()],
            None if p.required || job.optional => query_values(p),
            None => Vec::new(),
        };
        for v in &values {
            inv.args.push(format!("{}={v}", p.name));
            query.push((p.name.clone(), v.clone()));
        }
        match values.first() {
            Some(_) => {}
            None if p.required && wrong(&p.name).is_none() => {
                return Err(format!(
                    "{what}: the required query parameter {} is a {:?}, which the test cannot give",
                    p.name, p.kind
                ))
            }
            None => {}
        }
    }

    let mut cmd = command(svc);
    cmd.args(["--dry-run", "--api-version", cat.release()]);
    match svc.host {
        HostBy::Var(var, host) => {
            cmd.env(var, host);
        }
        HostBy::Flag(host) => {
            cmd.args(["--host", host]);
        }
    }
    let basic_var = svc.basic_var.filter(|_| job.basic);
    match basic_var {
        Some(var) => cmd.env(var, format!("user:{SECRET}")),
        None => cmd.env(svc.api_key_var, SECRET),
    };
    if binary {
        cmd.arg("-T").arg(upload_file());
    }
    cmd.args(&inv.args);
    let out = common::bounded(
        &mut cmd,
        inv.stdin.as_deref().map(str::as_bytes),
        common::TIMEOUT,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stdout.contains(SECRET) || stderr.contains(SECRET) {
        return Err(format!("{what}: the secret was printed"));
    }
    if let Some(w) = &job.wrong {
        // Refused, for that parameter, before anything is printed.
        return if out.status.code() != Some(USAGE) || !stdout.is_empty() {
            Err(format!(
                "{what}: {:?} should be refused with exit {USAGE}, exited {} and printed {stdout:?} {stderr:?}",
                inv.args, out.status
            ))
        } else if !stderr.contains(&w.name) || !stderr.contains(w.value) {
            Err(format!(
                "{what}: refused, but the message does not name {} and {:?}: {stderr}",
                w.name, w.value
            ))
        } else {
            Ok(Checked::default())
        };
    }
    if !out.status.success() {
        return Err(format!(
            "{what}: {:?} exited {}: {stderr}",
            inv.args, out.status
        ));
    }
    if stdout.lines().count() != 1 {
        return Err(format!("{what}: one curl line expected: {stdout}"));
    }
    let curl = parse_curl(stdout.trim_end()).map_err(|e| format!("{what}: {e}"))?;
    let mut checked = Checked {
        query_items: query.len(),
        ..Checked::default()
    };

    // Method and path, against the spec.
    // curl's own default: PUT with -T, POST with --data-raw, else GET.
    let default = if curl.upload.is_some() {
        "PUT (-T)"
    } else if curl.body.is_some() {
        "POST"
    } else {
        "GET"
    };
    let method = curl.method.as_deref().unwrap_or(default);
    if method != spec_op.method {
        return Err(format!(
            "{what}: sent {method}, the spec's {} is {} {}",
            spec_op.id, spec_op.method, spec_op.path
        ));
    }
    let prefix = format!("{}{}", svc.url_root, spec.base_path);
    let rest = curl
        .url
        .strip_prefix(&prefix)
        .ok_or_else(|| format!("{what}: the URL {} is not below {prefix}", curl.url))?;
    if rest.contains('#') {
        return Err(format!("{what}: a fragment in {}", curl.url));
    }
    let (path, query_string) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let sent: Vec<&str> = path.split('/').collect();
    let wanted: Vec<&str> = spec_op.path.split('/').collect();
    let path_ok = sent.len() == wanted.len()
        && sent.iter().zip(&wanted).all(|(s, w)| {
            match w.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
                Some(name) => {
                    decode(s, PCHAR).as_deref()
                        == Some(path_value(spec_op.path_params.get(name), name).as_str())
                }
                None => s == w,
            }
        });
    if !path_ok {
        return Err(format!(
            "{what}: sent {method} {path}, the spec's {} is {} {} (values percent-encoded)",
            spec_op.id, spec_op.method, spec_op.path
        ));
    }

    // The query: exactly what was given, percent-encoded.
    match (query_string, query.is_empty()) {
        (None, true) => {}
        (Some(q), true) => {
            return Err(format!("{what}: a query nobody asked for: ?{q}"));
        }
        (None, false) => {
            return Err(format!("{what}: no query, given {query:?}: {}", curl.url));
        }
        (Some(q), false) => {
            let mut pairs = Vec::new();
            for pair in q.split('&') {
                let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
                match (decode(n, QCHAR), decode(v, QCHAR)) {
                    (Some(n), Some(v)) => pairs.push((n, v)),
                    _ => {
                        return Err(format!(
                            "{what}: {pair:?} of the query is not percent-encoded: {}",
                            curl.url
                        ))
                    }
                }
            }
            pairs.sort();
            let mut given = query.clone();
            given.sort();
            if pairs != given {
                return Err(format!(
                    "{what}: the query says {pairs:?}, given {given:?}: {}",
                    curl.url
                ));
            }
        }
    }

    // Authentication: the variable named, never its value.
    match basic_var {
        Some(var) => {
            if curl.user.as_deref() != Some(&format!("${var}")) || !spec.basic {
                return Err(format!(
                    "{what}: -u \"${var}\" expected (the spec takes basic: {}), got -u {:?}",
                    spec.basic, curl.user
                ));
            }
        }
        None => {
            let auth = curl.headers.iter().any(|h| {
                spec.auth_headers
                    .iter()
                    .any(|name| *h == format!("{name}: ${}", svc.api_key_var))
            });
            if !auth || curl.user.is_some() {
                return Err(format!(
                    "{what}: no {:?} header naming ${} (or a -u too): {:?}",
                    spec.auth_headers, svc.api_key_var, curl.headers
                ));
            }
        }
    }

    // The body, against the spec.
    let content_type = header(&curl, "content-type").map(str::to_owned);
    let consumes = spec.consumes(spec_op);
    let allowed = if consumes.is_empty() {
        vec!["application/json".to_owned()]
    } else {
        consumes.clone()
    };
    let media = content_type
        .as_deref()
        .map(|ct| ct.split(';').next().unwrap_or_default().trim().to_owned());
    if binary {
        // Streamed by curl from the file, with the spec's type and method.
        let file = upload_file().to_string_lossy();
        match &curl.upload {
            Some((f, true)) if *f == file => {}
            other => {
                return Err(format!(
                    "{what}: the line should end with -T {file}, has {other:?}: {stdout}"
                ))
            }
        }
        if curl.body.is_some() {
            return Err(format!("{what}: -T and --data-raw both: {stdout}"));
        }
        if curl.method.as_deref() != Some(spec_op.method.as_str()) {
            return Err(format!(
                "{what}: -T without -X {} (curl would PUT): {stdout}",
                spec_op.method
            ));
        }
        if !media.as_ref().is_some_and(|m| allowed.contains(m)) {
            return Err(format!(
                "{what}: Content-Type {content_type:?}, the spec consumes {allowed:?}"
            ));
        }
        checked.upload = true;
        return Ok(checked);
    }
    if let Some(u) = &curl.upload {
        return Err(format!("{what}: -T {u:?} nobody asked for"));
    }
    let expected = expected_body(spec, spec_op);
    let (schema, sent) = match (&expected, &curl.body) {
        (None, None) => {
            return match content_type {
                Some(ct) => Err(format!(
                    "{what}: Content-Type {ct} without a body (the spec takes none)"
                )),
                None => Ok(checked),
            };
        }
        (None, Some(b)) => {
            return Err(format!("{what}: the spec takes no body, sent {b}"));
        }
        (Some(s), None) => {
            return Err(format!(
                "{what}: the spec takes a body ({s}; required: {}), none sent for {:?}",
                spec_op.body_required, inv.body
            ));
        }
        (Some(schema), Some(b)) => (
            schema,
            serde_json::from_str::<Value>(b)
                .map_err(|e| format!("{what}: the body is not JSON ({e}): {b}"))?,
        ),
    };
    let ct = content_type.ok_or_else(|| format!("{what}: a body without a Content-Type"))?;
    let media = media.unwrap_or_default();
    if !allowed.contains(&media) {
        return Err(format!(
            "{what}: Content-Type {ct}, the spec consumes {allowed:?}"
        ));
    }
    if (job.mode == Mode::Yaml || spec.takes_yaml(spec_op)) && !is_json(&media) {
        return Err(format!(
            "{what}: a body built from items or YAML is sent as JSON, sent Content-Type {ct}"
        ));
    }
    if Some(&sent) != inv.body.as_ref() {
        return Err(format!(
            "{what}: sent {sent}, the items said {:?}",
            inv.body
        ));
    }
    let kind = spec.kind(schema);
    let sent_kind = match &sent {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Null => "null",
    };
    let kind_fits = match kind.as_deref() {
        None => true,
        Some("number") => matches!(sent_kind, "number" | "integer"),
        Some(k) => k == sent_kind,
    };
    if !kind_fits {
        return Err(format!(
            "{what}: the spec's body is {kind:?} ({schema}), sent {sent_kind}: {sent}"
        ));
    }
    if let Value::Object(fields) = &sent {
        let (mut props, mut required) = (BTreeSet::new(), BTreeSet::new());
        spec.fields(schema, &mut props, &mut required);
        if let Some(r) = schema["$ref"].as_str() {
            let name = r.trim_start_matches("#/definitions/");
            spec.variant_fields(name, &mut props, &mut BTreeSet::new());
        }
        let unknown: Vec<&String> = fields
            .keys()
            .filter(|k| !props.contains(*k) && !spec.open(schema))
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "{what}: fields {unknown:?} are not in the spec's body ({schema}: {props:?})"
            ));
        }
        let ghosts: Vec<&String> = required.iter().filter(|k| !props.contains(*k)).collect();
        let unknown_ghosts: Vec<&&String> = ghosts
            .iter()
            .filter(|k| !GHOST_REQUIRED.contains(&(spec_op.id.as_str(), k.as_str())))
            .collect();
        if !unknown_ghosts.is_empty() {
            return Err(format!(
                "{what}: the spec requires {unknown_ghosts:?}, which none of its properties \
                 declares ({props:?}): a spec bug to list in GHOST_REQUIRED, or ours"
            ));
        }
        let missing: Vec<&String> = required
            .iter()
            .filter(|k| props.contains(*k) && !fields.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "{what}: the spec requires {missing:?}, not sent: {sent}"
            ));
        }
    }

    // Consistency: the body validates against our catalogue of the release,
    // which requires it where the spec does.
    let ours = op
        .body
        .as_ref()
        .ok_or_else(|| format!("{what}: a body without a catalogue body"))?;
    if spec_op.body_required && !ours.required && !job.variant {
        return Err(format!(
            "{what}: the spec requires the body, our catalogue does not"
        ));
    }
    let ours = &ours.schema;
    let problems = validate(cat, &sent, ours);
    if !problems.is_empty() {
        return Err(format!(
            "{what}: {sent} does not validate against our catalogue: {problems:?}"
        ));
    }
    checked.body = true;
    checked.yaml = job.mode == Mode::Yaml;
    Ok(checked)
}

/// The refused samples of one release: the first operation (in catalogue
/// order) with a query parameter of each type (integer, boolean, enum), a
/// path parameter of each (integer, enum), and a required query parameter
/// (left out), each given a wrong value.
fn wrong_samples<'a>(svc: &'a Svc, cat: Catalogue, spec: &Spec) -> Vec<Job<'a>> {
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    let mut jobs = Vec::new();
    for op in cat.operations() {
        let Some(spec_op) = spec.by_name.get(op.name).map(|i| &spec.ops[*i]) else {
            continue;
        };
        let query = spec_op.query.iter().map(|p| (&p.name, &p.kind, "query"));
        let path = spec_op
            .path_params
            .iter()
            .filter(|(name, _)| !NAME_PARAMS.contains(&name.as_str()))
            .map(|(name, kind)| (name, kind, "path"));
        for (name, kind, place) in query.chain(path) {
            let required =
                place == "query" && spec_op.query.iter().any(|p| &p.name == name && p.required);
            let mut samples = Vec::new();
            if required {
                samples.push(("missing required query", ""));
            }
            samples.extend(match (kind, place) {
                (Kind::Integer, "query") => Some(("integer query", "abc")),
                (Kind::Boolean, "query") => Some(("boolean query", "maybe")),
                (Kind::Enum(_), "query") => Some(("enum query", "not-one-of-them")),
                (Kind::Integer, "path") => Some(("integer path", "abc")),
                (Kind::Enum(_), "path") => Some(("enum path", "not-one-of-them")),
                _ => None,
            });
            for (key, value) in samples {
                if op.path_variants.is_empty() && seen.insert(key) {
                    jobs.push(Job {
                        svc,
                        cat,
                        op,
                        template: op.path,
                        variant: false,
                        mode: Mode::Items,
                        optional: false,
                        basic: false,
                        wrong: Some(Wrong {
                            name: name.clone(),
                            value,
                            what: key.to_owned(),
                        }),
                    });
                }
            }
        }
    }
    jobs
}

/// The releases of a service that the specs directory has.
fn spec_releases(svc: &Svc) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(specs_dir()).expect("the specs directory") {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        if let Some(release) = name
            .strip_prefix(&format!("{}-", svc.prefix))
            .and_then(|r| r.strip_suffix(".json"))
        {
            out.insert(release.to_owned());
        }
    }
    out
}

#[derive(Default)]
struct Tally {
    operations: usize,
    runs: usize,
    bodies: usize,
    uploads: usize,
    yaml: usize,
    query_items: usize,
    wrong: usize,
}

#[test]
fn every_operation_of_every_release_of_every_service_dry_runs_to_its_spec() {
    if !specs_dir().is_dir() {
        common::skip(&format!(
            "{} is not here; the releases were not checked against their specs",
            specs_dir().display()
        ));
        return;
    }
    let started = Instant::now();
    let mut failures: Vec<String> = Vec::new();
    let mut specs: BTreeMap<(&str, &str), Spec> = BTreeMap::new();
    let mut jobs: Vec<Job> = Vec::new();
    let mut tally: BTreeMap<(&str, &str), Tally> = BTreeMap::new();
    let mut looked_up: BTreeMap<&str, usize> = BTreeMap::new();

    for svc in &SERVICES {
        assert_eq!(svc.service.base_path, svc.base_path, "{}", svc.command);
        let committed = load_committed(svc);
        let releases: Vec<Catalogue> = (0..svc.service.releases.len())
            .map(|i| Catalogue::at(svc.service, u8::try_from(i).expect("few releases")))
            .collect();
        let ours: Vec<&str> = releases.iter().map(|c| c.release()).collect();
        assert_eq!(
            ours, svc.releases,
            "{}: the catalogue's releases",
            svc.command
        );
        assert_eq!(
            committed.releases, svc.releases,
            "{}: the committed catalogue's releases",
            svc.command
        );
        // Every spec here is checked, but those kept for old names.
        for r in spec_releases(svc) {
            if !ours.contains(&r.as_str()) && !svc.old_specs.contains(&r.as_str()) {
                failures.push(format!(
                    "{}: the spec of {r} is here, our catalogue has no such release",
                    svc.command
                ));
            }
        }
        for (ri, cat) in releases.iter().enumerate() {
            let release = cat.release();
            let spec = load_spec(svc, &committed, release);
            assert_eq!(spec.base_path, svc.base_path, "{} {release}", svc.command);
            *looked_up.entry(svc.command).or_default() += spec.looked_up;
            let t = tally.entry((svc.command, release)).or_default();
            let mut named: BTreeSet<&str> = BTreeSet::new();
            for (oi, op) in cat.operations().enumerate() {
                assert!(named.insert(op.name), "{release}: {} twice", op.name);
                t.operations += 1;
                let job = |template, variant, mode, optional, basic| Job {
                    svc,
                    cat: *cat,
                    op,
                    template,
                    variant,
                    mode,
                    optional,
                    basic,
                    wrong: None,
                };
                // Every operation runs with and without its optional query
                // parameters, over the releases; every other run with
                // basic authentication where the command reads it.
                let optional = (oi + ri) % 2 == 0;
                let basic = svc.basic_var.is_some() && (oi + ri) % 2 == 1;
                jobs.push(job(op.path, false, Mode::Items, optional, basic));
                for v in op.path_variants {
                    jobs.push(job(v.path, true, Mode::Items, optional, basic));
                }
                let takes_yaml = spec
                    .by_name
                    .get(op.name)
                    .is_some_and(|i| spec.takes_yaml(&spec.ops[*i]));
                if takes_yaml {
                    jobs.push(job(op.path, false, Mode::Yaml, !optional, !basic));
                }
            }
            // Every spec operation is one of ours, and none of ours is extra.
            for name in spec.by_name.keys() {
                if !named.contains(name.as_str()) {
                    failures.push(format!(
                        "{} {release}: the spec's {name} is not in our catalogue",
                        svc.command
                    ));
                }
            }
            for name in &named {
                if !spec.by_name.contains_key(*name) {
                    failures.push(format!(
                        "{} {release}: our {name} is not in the spec",
                        svc.command
                    ));
                }
            }
            if t.operations != spec.ops.len() {
                failures.push(format!(
                    "{} {release}: {} operations checked, the spec has {}",
                    svc.command,
                    t.operations,
                    spec.ops.len()
                ));
            }
            if let Some((_, n)) = svc.known_counts.iter().find(|(r, _)| *r == release) {
                assert_eq!(
                    spec.ops.len(),
                    *n,
                    "{} {release}: the spec's operation count",
                    svc.command
                );
            }
            jobs.extend(wrong_samples(svc, *cat, &spec));
            specs.insert((svc.prefix, release), spec);
        }
    }
    // The samples that must exist somewhere.
    let kinds: BTreeSet<&str> = jobs
        .iter()
        .filter_map(|j| j.wrong.as_ref().map(|w| w.what.as_str()))
        .collect();
    for kind in [
        "integer query",
        "boolean query",
        "enum query",
        "integer path",
        "enum path",
        "missing required query",
    ] {
        assert!(kinds.contains(kind), "no {kind} sample: {kinds:?}");
    }

    let next = Mutex::new(jobs.iter());
    let found = Mutex::new(Vec::new());
    let done = Mutex::new(Vec::new());
    let runs = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let Some(job) = next.lock().unwrap().next() else {
                    break;
                };
                runs.fetch_add(1, Ordering::Relaxed);
                let spec = &specs[&(job.svc.prefix, job.cat.release())];
                match check(job, spec) {
                    Ok(c) => done.lock().unwrap().push((job, c)),
                    Err(e) => found.lock().unwrap().push(e),
                }
            });
        }
    });
    failures.extend(found.into_inner().unwrap());
    // The threads finish in any order; the message does not.
    failures.sort();
    for (job, c) in done.into_inner().unwrap() {
        let t = tally
            .get_mut(&(job.svc.command, job.cat.release()))
            .expect("a tally");
        t.runs += 1;
        t.bodies += usize::from(c.body);
        t.uploads += usize::from(c.upload);
        t.yaml += usize::from(c.yaml);
        t.query_items += c.query_items;
        t.wrong += usize::from(job.wrong.is_some());
    }

    let mut report = Vec::new();
    for svc in &SERVICES {
        let per_release: Vec<String> = svc
            .releases
            .iter()
            .map(|r| {
                let t = &tally[&(svc.command, *r)];
                format!(
                    "{r}: {} ops ({} runs passed, {} JSON bodies, {} -T, {} YAML, {} query items, {} refused samples)",
                    t.operations, t.runs, t.bodies, t.uploads, t.yaml, t.query_items, t.wrong
                )
            })
            .collect();
        let newest = svc.releases[svc.releases.len() - 1];
        let samples: Vec<String> = jobs
            .iter()
            .filter(|j| j.svc.command == svc.command && j.cat.release() == newest)
            .filter_map(|j| {
                let w = j.wrong.as_ref()?;
                Some(format!("{}: {} {}={}", w.what, j.op.name, w.name, w.value))
            })
            .collect();
        report.push(format!(
            "{} ({} names found through the committed catalogue):\n  {}\n  refused in {newest}: {}",
            svc.command,
            looked_up.get(svc.command).copied().unwrap_or(0),
            per_release.join("\n  "),
            if samples.is_empty() {
                "-".to_owned()
            } else {
                samples.join("; ")
            }
        ));
    }
    let report = report.join("\n");
    let shown: Vec<&str> = failures.iter().take(SHOWN).map(String::as_str).collect();
    assert!(
        failures.is_empty(),
        "{} failures in {} runs:\n{}{}\n{report}",
        failures.len(),
        jobs.len(),
        shown.join("\n"),
        if failures.len() > SHOWN {
            format!("\n… and {} more", failures.len() - SHOWN)
        } else {
            String::new()
        }
    );
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "checked {} runs against the specs in {:.1?}:\n{report}\n",
            runs.load(Ordering::Relaxed),
            started.elapsed(),
        )
        .as_bytes(),
    );
}
