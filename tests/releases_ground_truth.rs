//! Every operation of every release, invoked as a user would with
//! `--dry-run --api-version <release>`, checked against that release's
//! Swagger spec itself (`../shared/onedata-api/onezone-<release>.json`),
//! not against our catalogue: the spec operation of that name has the
//! method and path of the curl line; a body is sent exactly when the spec
//! takes one, its top-level fields are the spec body's properties and
//! include every required one; the body also validates against our
//! catalogue of that release; no secret is printed. The specs are
//! reference data beside the repository; without them the test is skipped
//! (visibly, and a failure under CI).

mod common;

use onezone_rest_cli::catalogue::builtin::ONEZONE;
use onezone_rest_cli::catalogue::validate::validate;
use onezone_rest_cli::catalogue::{Catalogue, Operation};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

const HOST: &str = "https://zone.test";
const SECRET: &str = "ground-truth-secret-5f1e9a";
const THREADS: usize = 4;
/// At most this many failures are listed in the message.
const SHOWN: usize = 50;
/// The operations that each spec has, as a sanity check of the counts
/// derived from the specs.
const KNOWN_COUNTS: [(&str, usize); 2] = [("19.02.5", 339), ("21.02.7", 392)];

/// The spec's operationId used for two paths; our generator names the
/// users path `updateUserHandleServicePrivileges` (and gives it the body
/// of the groups path: the spec's bare privilege array there is a bug).
const DUPLICATED_ID: &str = "update_group_handle_service_privileges";
const USERS_NAME: &str = "updateUserHandleServicePrivileges";

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

/// One operation of a spec.
#[derive(Debug, Clone)]
struct SpecOp {
    path: String,
    /// Upper case.
    method: String,
    id: String,
    /// The schema of its `in: body` parameter.
    body: Option<Value>,
    consumes: Vec<String>,
}

/// One release's spec, as the test needs it.
struct Spec {
    base_path: String,
    definitions: Map<String, Value>,
    /// Every (path, method), in spec order.
    ops: Vec<SpecOp>,
    /// Our operation name → index in `ops`.
    by_name: BTreeMap<String, usize>,
    /// The header names of its apiKey security schemes.
    auth_headers: Vec<String>,
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

fn load_spec(release: &str) -> Spec {
    let file = specs_dir().join(format!("onezone-{release}.json"));
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
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if !["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                continue;
            }
            let body = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["in"] == "body")
                .map(|p| p["schema"].clone());
            ops.push(SpecOp {
                path: path.clone(),
                method: method.to_uppercase(),
                id: op["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{release}: {method} {path} has no operationId"))
                    .to_owned(),
                body,
                consumes: strings(op.get("consumes")),
            });
        }
    }
    let mut by_name = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        let name = if op.id == DUPLICATED_ID {
            match (op.path.contains("/users/{"), op.path.contains("/groups/{")) {
                (true, false) => USERS_NAME.to_owned(),
                (false, true) => camel(&op.id),
                _ => panic!(
                    "{release}: {DUPLICATED_ID} on an unexpected path {}",
                    op.path
                ),
            }
        } else {
            camel(&op.id)
        };
        if let Some(j) = by_name.insert(name.clone(), i) {
            panic!(
                "{release}: {name} names both {} {} and {} {}",
                ops[j].method, ops[j].path, op.method, op.path
            );
        }
    }
    let auth_headers = spec["securityDefinitions"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, s)| s["type"] == "apiKey" && s["in"] == "header")
        .filter_map(|(_, s)| s["name"].as_str().map(str::to_owned))
        .collect();
    Spec {
        base_path: spec["basePath"].as_str().expect("basePath").to_owned(),
        definitions: spec["definitions"].as_object().cloned().unwrap_or_default(),
        ops,
        by_name,
        auth_headers,
        consumes: strings(spec.get("consumes")),
    }
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
}

/// The spec's body schema that our body is held to: the documented
/// generator fixes applied (the users path of the duplicated id, as
/// `updateUserHandleServicePrivileges` or as the `uid=` variant of
/// `updateGroupHandleServicePrivileges`, takes the groups path's body; a POST of `X` takes `XCreateRequest` where the spec
/// defines it).
fn expected_body(spec: &Spec, op: &SpecOp) -> Option<Value> {
    let body = if op.id == DUPLICATED_ID && op.path.contains("/users/{") {
        let groups = &spec.ops[spec.by_name[&camel(DUPLICATED_ID)]];
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
struct Curl {
    method: Option<String>,
    url: String,
    headers: Vec<String>,
    body: Option<String>,
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
    };
    let mut it = words.into_iter().skip(1);
    while let Some(w) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{w} without a value: {line}"))
        };
        match w.as_str() {
            "-X" => c.method = Some(value()?),
            "-H" => c.headers.push(value()?),
            "--data-raw" => c.body = Some(value()?),
            _ if w.starts_with("http") && c.url.is_empty() => c.url = w,
            other => return Err(format!("unexpected curl word {other:?} in {line}")),
        }
    }
    Ok(c)
}

/// One run: a release, an operation, the path template it is invoked on.
struct Job {
    cat: Catalogue,
    op: &'static Operation,
    template: &'static str,
    /// A path variant (not counted as an operation of its own).
    variant: bool,
}

/// Runs one job and checks it against the spec: whether it sent a body
/// (checked too), or what is wrong.
fn check(job: &Job, spec: &Spec) -> Result<bool, String> {
    let (cat, op) = (job.cat, job.op);
    let inv = common::invocation(
        cat,
        op,
        job.template,
        |_, _, name| format!("v-{name}"),
        common::default_body(cat, op),
    );
    let what = format!("{} {} ({})", cat.release(), op.name, job.template);
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

    let mut cmd = common::cli();
    cmd.args(["--dry-run", "--api-version", cat.release()])
        .args(&inv.args)
        .env("ONEZONE_HOST", HOST)
        .env("ONEZONE_API_KEY", SECRET);
    if let Some(s) = &inv.stdin {
        cmd.write_stdin(s.clone());
    }
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "{what}: {:?} exited {}: {stderr}",
            inv.args, out.status
        ));
    }
    if stdout.contains(SECRET) || stderr.contains(SECRET) {
        return Err(format!("{what}: the secret was printed"));
    }
    if stdout.lines().count() != 1 {
        return Err(format!("{what}: one curl line expected: {stdout}"));
    }
    let curl = parse_curl(stdout.trim_end()).map_err(|e| format!("{what}: {e}"))?;

    // Method and path, against the spec.
    // curl's own default: GET, or POST with --data-raw.
    let default = if curl.body.is_some() { "POST" } else { "GET" };
    let method = curl.method.as_deref().unwrap_or(default);
    if method != spec_op.method {
        return Err(format!(
            "{what}: sent {method}, the spec's {} is {} {}",
            spec_op.id, spec_op.method, spec_op.path
        ));
    }
    let prefix = format!("{HOST}{}", spec.base_path);
    let rest = curl
        .url
        .strip_prefix(&prefix)
        .ok_or_else(|| format!("{what}: the URL {} is not below {prefix}", curl.url))?;
    if rest.contains('?') || rest.contains('#') {
        return Err(format!("{what}: a query nobody asked for: {}", curl.url));
    }
    let path: Vec<String> = rest
        .split('/')
        .map(|seg| match seg.strip_prefix("v-") {
            Some(name) => format!("{{{name}}}"),
            None => seg.to_owned(),
        })
        .collect();
    let path = path.join("/");
    if path != spec_op.path {
        return Err(format!(
            "{what}: sent {method} {path}, the spec's {} is {} {}",
            spec_op.id, spec_op.method, spec_op.path
        ));
    }

    // Authentication: one of the spec's apiKey headers, by reference.
    let auth = curl.headers.iter().any(|h| {
        spec.auth_headers
            .iter()
            .any(|name| *h == format!("{name}: $ONEZONE_API_KEY"))
    });
    if !auth {
        return Err(format!(
            "{what}: no {:?} header naming $ONEZONE_API_KEY: {:?}",
            spec.auth_headers, curl.headers
        ));
    }

    // The body, against the spec.
    let content_type = curl.headers.iter().find_map(|h| {
        let (name, value) = h.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-type")
            .then(|| value.trim().to_owned())
    });
    let expected = expected_body(spec, spec_op);
    let (schema, sent) = match (&expected, &curl.body) {
        (None, None) => {
            return match content_type {
                Some(ct) => Err(format!(
                    "{what}: Content-Type {ct} without a body (the spec takes none)"
                )),
                None => Ok(false),
            };
        }
        (None, Some(b)) => {
            return Err(format!("{what}: the spec takes no body, sent {b}"));
        }
        (Some(s), None) => {
            return Err(format!("{what}: the spec takes a body ({s}), none sent"));
        }
        (Some(schema), Some(b)) => (
            schema,
            serde_json::from_str::<Value>(b)
                .map_err(|e| format!("{what}: the body is not JSON ({e}): {b}"))?,
        ),
    };
    let ct = content_type.ok_or_else(|| format!("{what}: a body without a Content-Type"))?;
    let media = ct.split(';').next().unwrap_or_default().trim().to_owned();
    let consumes = if spec_op.consumes.is_empty() {
        &spec.consumes
    } else {
        &spec_op.consumes
    };
    let allowed = if consumes.is_empty() {
        vec!["application/json".to_owned()]
    } else {
        consumes.clone()
    };
    if !allowed.contains(&media) {
        return Err(format!(
            "{what}: Content-Type {ct}, the spec consumes {allowed:?}"
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
        let unknown: Vec<&String> = fields.keys().filter(|k| !props.contains(*k)).collect();
        if !unknown.is_empty() {
            return Err(format!(
                "{what}: fields {unknown:?} are not in the spec's body ({schema}: {props:?})"
            ));
        }
        let missing: Vec<&String> = required
            .iter()
            .filter(|k| !fields.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "{what}: the spec requires {missing:?}, not sent: {sent}"
            ));
        }
    }

    // Consistency: the body validates against our catalogue of the release.
    let ours = &op
        .body
        .as_ref()
        .ok_or_else(|| format!("{what}: a body without a catalogue body"))?
        .schema;
    let problems = validate(cat, &sent, ours);
    if !problems.is_empty() {
        return Err(format!(
            "{what}: {sent} does not validate against our catalogue: {problems:?}"
        ));
    }
    Ok(true)
}

#[test]
fn every_operation_of_every_release_dry_runs_to_its_spec() {
    if !specs_dir().is_dir() {
        common::skip(&format!(
            "{} is not here; the releases were not checked against their specs",
            specs_dir().display()
        ));
        return;
    }
    let started = Instant::now();
    assert_eq!(ONEZONE.base_path, "/api/v3/onezone");
    let releases: Vec<Catalogue> = (0..ONEZONE.releases.len())
        .map(|i| Catalogue::at(&ONEZONE, u8::try_from(i).expect("few releases")))
        .collect();
    let specs: BTreeMap<&str, Spec> = releases
        .iter()
        .map(|cat| (cat.release(), load_spec(cat.release())))
        .collect();

    let mut jobs = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for cat in &releases {
        let spec = &specs[cat.release()];
        assert_eq!(spec.base_path, ONEZONE.base_path, "{}", cat.release());
        let mut named: BTreeSet<&str> = BTreeSet::new();
        for op in cat.operations() {
            assert!(
                named.insert(op.name),
                "{}: {} twice",
                cat.release(),
                op.name
            );
            *counts.entry(cat.release()).or_default() += 1;
            jobs.push(Job {
                cat: *cat,
                op,
                template: op.path,
                variant: false,
            });
            for v in op.path_variants {
                jobs.push(Job {
                    cat: *cat,
                    op,
                    template: v.path,
                    variant: true,
                });
            }
        }
        // Every spec operation is one of ours, and none of ours is extra.
        for name in spec.by_name.keys() {
            if !named.contains(name.as_str()) {
                failures.push(format!(
                    "{}: the spec's {name} is not in our catalogue",
                    cat.release()
                ));
            }
        }
        for name in &named {
            if !spec.by_name.contains_key(*name) {
                failures.push(format!("{}: our {name} is not in the spec", cat.release()));
            }
        }
    }

    let next = Mutex::new(jobs.iter());
    let found = Mutex::new(Vec::new());
    let bodies = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let Some(job) = next.lock().unwrap().next() else {
                    break;
                };
                match check(job, &specs[job.cat.release()]) {
                    Ok(true) => {
                        bodies.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(false) => {}
                    Err(e) => found.lock().unwrap().push(e),
                }
            });
        }
    });
    failures.extend(found.into_inner().unwrap());
    // The threads finish in any order; the message does not.
    failures.sort();

    let mut report = Vec::new();
    for cat in &releases {
        let release = cat.release();
        let spec_total = specs[release].ops.len();
        let ours = counts.get(release).copied().unwrap_or(0);
        report.push(format!("{release}: {ours}"));
        if ours != spec_total {
            failures.push(format!(
                "{release}: {ours} operations checked, the spec has {spec_total}"
            ));
        }
        if let Some((_, n)) = KNOWN_COUNTS.iter().find(|(r, _)| *r == release) {
            assert_eq!(spec_total, *n, "{release}: the spec's operation count");
        }
    }
    assert!(
        releases.len() >= 9,
        "only {} releases: {report:?}",
        releases.len()
    );
    for (release, _) in KNOWN_COUNTS {
        assert!(specs.contains_key(release), "{release} was not checked");
    }
    let shown: Vec<&String> = failures.iter().take(SHOWN).collect();
    assert!(
        failures.is_empty(),
        "{} failures in {} runs ({}):\n{}{}",
        failures.len(),
        jobs.len(),
        report.join(", "),
        shown
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        if failures.len() > SHOWN {
            format!("\n… and {} more", failures.len() - SHOWN)
        } else {
            String::new()
        }
    );
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "checked {} runs ({} with a body) against the specs in {:.1?}: {}\n",
            jobs.len(),
            bodies.load(Ordering::Relaxed),
            started.elapsed(),
            report.join(", ")
        )
        .as_bytes(),
    );
}
