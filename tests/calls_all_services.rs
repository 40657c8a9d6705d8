//! Real HTTP calls of `oneprovider-rest-cli` and `onepanel-rest-cli`: every
//! operation of the newest release, run by the real binary against the
//! fake (which serves all three services on one port), with valid items —
//! path parameters that name the fake's real state (a supported space, its
//! root directory, a file in it, a running task, the provider's storage),
//! the required query parameters, and the catalogue's sample body (as
//! items, as JSON on stdin, or a file's bytes with `-T FILE`) — must exit
//! 0, send exactly the request the catalogue describes, and print what the
//! answer holds. The Onezone half is `every_operation_succeeds_against_the_fake`
//! in tests/calls.rs.

mod common;

use base64::Engine as _;
use common::{command_of, invocation, run_bounded, scratch, Run, NEWEST_RELEASE, TIMEOUT};
use fake_onezone::probe::req;
use fake_onezone::{
    sample_body, Config, FakeZone, ProviderSpace, Recorded, ADMIN_TOKEN, ONEPANEL_PASSPHRASE,
    ONEPANEL_USER, PNG, STORAGE_ID,
};
use onezone_rest_cli::catalogue::builtin::{ONEPANEL, ONEPROVIDER};
use onezone_rest_cli::catalogue::{Catalogue, Operation, Param, ParamIn, Schema, Service};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The bytes of the file every Oneprovider operation finds in the space.
const CONTENT: &[u8] = b"the content of the file, line 1\nline 2\n";
/// The bytes an upload (`-T FILE`) sends.
const UPLOAD: &[u8] = b"\x00\x01\x02 uploaded bytes \xff\xfe\n";
/// The bytes a text body other than JSON (a view's JavaScript, RDF) sends.
const TEXT_BODY: &str = "function (id, meta) { return [id, meta]; }\n";

/// One of the two commands, and how it is given its host and credential.
struct Command {
    name: &'static str,
    service: &'static Service,
    /// The variables of the host and the credential, and the credential
    /// header the fake must receive.
    env: [(&'static str, &'static str); 1],
    credential: fn() -> (String, String),
    host_var: &'static str,
}

const PROVIDER: Command = Command {
    name: "oneprovider-rest-cli",
    service: &ONEPROVIDER,
    env: [("ONEPROVIDER_API_KEY", ADMIN_TOKEN)],
    credential: || ("x-auth-token".into(), ADMIN_TOKEN.into()),
    host_var: "ONEPROVIDER_HOST",
};

const PANEL: Command = Command {
    name: "onepanel-rest-cli",
    service: &ONEPANEL,
    env: [("ONEPANEL_BASIC_AUTH", "onepanel:passphrase")],
    credential: || {
        let pair = base64::engine::general_purpose::STANDARD
            .encode(format!("{ONEPANEL_USER}:{ONEPANEL_PASSPHRASE}"));
        ("authorization".into(), format!("Basic {pair}"))
    },
    host_var: "ONEPANEL_HOST",
};

/// What the operations act on: a supported space, its root directory, a
/// file in it, a task that runs while the test runs, and a support token
/// for another space (the first one is supported already).
struct Setup {
    zone: FakeZone,
    space: ProviderSpace,
    file: String,
    task: String,
    other_support_token: String,
}

fn setup() -> Result<Setup, String> {
    let zone = FakeZone::start_with(Config {
        // The task never ends while the test runs, so what getTaskStatus
        // answers does not change between two calls.
        task_duration: Duration::from_secs(3600),
        ..Config::default()
    })
    .map_err(|e| format!("start the fake: {e}"))?;
    let space = ProviderSpace::new(&zone, "s", 1 << 30)?;
    let r = req(
        "POST",
        &format!("/api/v3/oneprovider/data/{}/children?name=f", space.root),
    )
    .admin()
    .octets(CONTENT)
    .send(&zone);
    if r.status != 201 {
        return Err(format!("createFile: {} {}", r.status, r.text()));
    }
    let file = r.json()["fileId"].as_str().unwrap_or_default().to_owned();
    let r = req("POST", "/api/v3/onepanel/zone/databases")
        .basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)
        .json(&json!({"hosts": ["h"]}))
        .send(&zone);
    if r.status != 202 {
        return Err(format!("addZoneDatabases: {} {}", r.status, r.text()));
    }
    let task = r.json()["taskId"].as_str().unwrap_or_default().to_owned();
    let r = req("POST", "/spaces")
        .admin()
        .json(&json!({"name": "t"}))
        .send(&zone);
    let other = r.location_id();
    let r = req("POST", &format!("/spaces/{other}/providers/token"))
        .admin()
        .send(&zone);
    let other_support_token = r.json()["token"].as_str().unwrap_or_default().to_owned();
    Ok(Setup {
        zone,
        space,
        file,
        task,
        other_support_token,
    })
}

/// A value that fits a parameter's schema.
fn value(cat: Catalogue, p: &'static Param) -> String {
    match cat.resolve(&p.schema) {
        Schema::Integer | Schema::Number => "1".into(),
        Schema::Boolean => "true".into(),
        _ => cat
            .string_values(&p.schema)
            .first()
            .map_or("x1", |v| v)
            .to_owned(),
    }
}

impl Setup {
    /// The value of path parameter `name` of `op`: something real where
    /// the fake keeps state.
    fn path_value(&self, cat: Catalogue, op: &'static Operation, name: &str) -> String {
        let t = op.path;
        match name {
            "sid" => self.space.space.clone(),
            "id" if t.starts_with("/data/{id}/children") => self.space.root.clone(),
            "id" if t.starts_with("/data/{id}") => self.file.clone(),
            "id" if t.starts_with("/provider/spaces/{id}") => self.space.space.clone(),
            "id" if t.starts_with("/provider/storages/{id}") => STORAGE_ID.into(),
            "id" if t.starts_with("/tasks/") => self.task.clone(),
            _ => op
                .params
                .iter()
                .find(|p| p.name == name)
                .map_or_else(|| "x1".into(), |p| value(cat, p)),
        }
    }
}

/// The command line of `op` (after the command's name), what it reads on
/// stdin, and what the fake must receive.
struct Call {
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    /// The request path below the base path, percent-encoded, without the
    /// query.
    path: String,
    /// The query parameters, decoded, in order.
    query: Vec<(String, String)>,
    /// The body the fake must receive: JSON (compared as JSON) or bytes.
    body: Expected,
}

enum Expected {
    None,
    Json(Value),
    Bytes(Vec<u8>, &'static str),
}

/// A valid invocation of `op`: path parameters from the setup, the
/// required query parameters, and the body as the operation takes it.
fn call_of(s: &Setup, cat: Catalogue, op: &'static Operation, dir: &std::path::Path) -> Call {
    let kind = op.consumes.first().copied().unwrap_or("application/json");
    let json_body = matches!(kind, "application/json" | "application/x-yaml");
    let body = op.body.as_ref().filter(|_| json_body).map(|b| {
        let mut v = sample_body(cat, &b.schema);
        if op.name == "supportSpace" {
            v["token"] = json!(s.other_support_token);
            v["storageId"] = json!(STORAGE_ID);
        }
        if let Some(m) = v.as_object_mut().filter(|_| op.name == "listChildren") {
            // A listing token must be one the fake gave.
            m.remove("token");
        }
        v
    });
    let inv = invocation(
        cat,
        op,
        op.path,
        |_, _, name| s.path_value(cat, op, name),
        body.clone(),
    );
    let mut args = inv.args;
    let mut stdin = inv.stdin.map(String::into_bytes);
    if body.as_ref().is_some_and(|b| b == &json!({})) {
        // No field to give as an item (setAttr, setXattr): an empty object
        // from stdin, so that a body is sent.
        args.push("-".into());
        stdin = Some(b"{}".to_vec());
    }
    let mut query = Vec::new();
    for p in op.params.iter().filter(|p| p.location == ParamIn::Query) {
        let v = match (op.name, p.name) {
            // A name not taken yet.
            ("createFile", "name") => "new".to_owned(),
            _ if p.required => value(cat, p),
            _ => continue,
        };
        args.push(format!("{}={v}", p.name));
        query.push((p.name.to_owned(), v));
    }
    let expected = match (&op.body, kind) {
        (None, _) => Expected::None,
        (Some(_), _) if json_body => Expected::Json(body.unwrap_or(Value::Null)),
        (Some(_), "application/octet-stream") => {
            let file = dir.join("upload.bin");
            std::fs::write(&file, UPLOAD).expect("write the upload");
            args.push("-T".into());
            args.push(file.to_string_lossy().into_owned());
            Expected::Bytes(UPLOAD.to_vec(), "application/octet-stream")
        }
        (Some(_), other) => {
            args.push("-".into());
            stdin = Some(TEXT_BODY.as_bytes().to_vec());
            Expected::Bytes(TEXT_BODY.as_bytes().to_vec(), other)
        }
    };
    Call {
        args,
        stdin,
        path: inv.path,
        query,
        body: expected,
    }
}

/// Runs the command with `args` against `s`'s fake.
fn run(cmd: &Command, s: &Setup, args: &[String], stdin: Option<&[u8]>) -> Run {
    let mut c = command_of(cmd.name);
    c.env(cmd.host_var, s.zone.url()).envs(cmd.env).args(args);
    run_bounded(&mut c, stdin, TIMEOUT)
}

/// Runs `op` against a fresh fake and checks the request the fake got and
/// what the command printed. `Err` says what went wrong.
fn call_once(cmd: &Command, op: &'static Operation) -> Result<(), String> {
    let s = setup()?;
    let cat = s
        .zone
        .catalogue_of(cmd.service.name)
        .ok_or("the fake serves no such service")?;
    if cat.release() != NEWEST_RELEASE {
        return Err(format!("the fake serves {}", cat.release()));
    }
    let dir = scratch(op.name);
    let call = call_of(&s, cat, op, &dir);
    s.zone.clear_requests();
    let r = run(cmd, &s, &call.args, call.stdin.as_deref());
    let _ = std::fs::remove_dir_all(&dir);
    let what = format!("{} {:?}", cmd.name, call.args);
    if r.code != Some(0) {
        return Err(format!("{what}: {r}"));
    }
    let base = cmd.service.base_path;
    let recs = s.zone.requests();
    let [rec] = &recs[..] else {
        return Err(format!("{what}: {} requests: {recs:#?}", recs.len()));
    };
    check_request(cmd, op, &call, rec).map_err(|e| format!("{what}: {e}"))?;
    let expected = op.success_responses().next().map_or(200, |s| s.code);
    if rec.status != expected {
        return Err(format!(
            "{what}: answered {}, expected {expected}",
            rec.status
        ));
    }
    let success = op.success_responses().next();
    let location = success.is_some_and(|s| s.location && s.schema.is_none());
    let produces = op.produces.first().copied().unwrap_or("application/json");
    match expected {
        204 if !r.stdout.is_empty() => return Err(format!("{what}: 204 printed {r}")),
        204 => {}
        201 if location => {
            let v = r.json();
            let loc = v["location"].as_str().unwrap_or_default();
            let id = v["id"].as_str().unwrap_or_default();
            let prefix = format!("{}{base}/", s.zone.url());
            if !loc.starts_with(&prefix) || id.is_empty() || !loc.ends_with(id) {
                return Err(format!("{what}: 201 printed {r}"));
            }
        }
        202 if success.is_some_and(|s| s.schema.is_none()) => {
            // A task; without --wait: the answer that names it, and exit 0.
            let v = serde_json::from_slice::<Value>(&r.stdout).unwrap_or_default();
            if v["taskId"].as_str().is_none_or(str::is_empty) {
                return Err(format!("{what}: 202 printed {r}"));
            }
        }
        _ if op.name == "testImage" => {
            if r.stdout != PNG {
                return Err(format!("{what}: the PNG came out as {:?}", r.stdout));
            }
        }
        _ if op.name == "downloadFileContent" => {
            if r.stdout != CONTENT {
                return Err(format!("{what}: the content came out as {:?}", r.out()));
            }
        }
        _ if produces != "application/json" => {
            // Bytes as they came: the same request, sent by hand, answers
            // exactly what the command printed.
            let mut again = req(&rec.method, &rec.path);
            for (n, v) in rec.credentials() {
                again = again.header(&n, &v);
            }
            let resp = again.send(&s.zone);
            if resp.status != expected || resp.body != r.stdout {
                return Err(format!(
                    "{what}: printed {:?}, the fake answers {:?}",
                    r.out(),
                    resp.text()
                ));
            }
        }
        _ => {
            if !r.stdout.ends_with(b"\n") || serde_json::from_slice::<Value>(&r.stdout).is_err() {
                return Err(format!("{what}: not one JSON document: {r}"));
            }
        }
    }
    if op.deprecated.is_some() != r.stderr.contains("is deprecated") {
        return Err(format!("{what}: deprecation warning? {r}"));
    }
    // A GET changes nothing: ask again in the other formats, which must
    // render every answer the API has.
    let json = serde_json::from_slice::<Value>(&r.stdout)
        .ok()
        .filter(|_| produces == "application/json");
    if let (Some(compact), "GET", 200) = (json, op.method, expected) {
        for format in ["pretty", "table"] {
            let mut args = vec!["-o".to_owned(), format.to_owned()];
            args.extend(call.args.iter().cloned());
            let again = run(cmd, &s, &args, None);
            let ok = again.code == Some(0)
                && again.stdout.ends_with(b"\n")
                && (format != "pretty"
                    || serde_json::from_slice::<Value>(&again.stdout).ok()
                        == Some(compact.clone()));
            if !ok {
                return Err(format!("{what} -o {format}: {again}"));
            }
        }
    }
    Ok(())
}

/// The request the fake got is the one `call` describes, routed to `op`,
/// with one credential and no problem.
fn check_request(
    cmd: &Command,
    op: &'static Operation,
    call: &Call,
    rec: &Recorded,
) -> Result<(), String> {
    if rec.operation != Some(op.name) {
        return Err(format!("routed to {:?}", rec.operation));
    }
    if !rec.problems.is_empty() {
        return Err(format!("problems {:?}", rec.problems));
    }
    let path = rec.path.split('?').next().unwrap_or_default();
    if rec.method != op.method || path != format!("{}{}", cmd.service.base_path, call.path) {
        return Err(format!("sent {} {}", rec.method, rec.path));
    }
    if rec.query != call.query {
        return Err(format!("query {:?}, expected {:?}", rec.query, call.query));
    }
    let creds = rec.credentials();
    if creds != [(cmd.credential)()] {
        return Err(format!("credential headers {creds:?}"));
    }
    match &call.body {
        Expected::None if rec.body.is_empty() => Ok(()),
        Expected::Json(v) if rec.json().as_ref() == Some(v) => Ok(()),
        Expected::Bytes(b, ct) if &rec.body == b && rec.header("content-type") == Some(*ct) => {
            Ok(())
        }
        _ => Err(format!(
            "body {:?} ({:?})",
            String::from_utf8_lossy(&rec.body),
            rec.header("content-type")
        )),
    }
}

/// Every operation of `cmd`'s newest release, on a few threads.
fn every_operation(cmd: &'static Command, count: usize) {
    let started = Instant::now();
    let ops: Vec<&'static Operation> = Catalogue::newest(cmd.service).operations().collect();
    assert_eq!(ops.len(), count, "the operations of {}", cmd.name);
    let failures = Mutex::new(Vec::new());
    let threads = 4;
    std::thread::scope(|sc| {
        for t in 0..threads {
            let (ops, failures) = (&ops, &failures);
            sc.spawn(move || {
                for op in ops.iter().skip(t).step_by(threads) {
                    if let Err(e) = call_once(cmd, op) {
                        failures.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} calls failed:\n{}",
        failures.len(),
        ops.len(),
        failures.join("\n\n")
    );
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{} calls took {:?}",
        ops.len(),
        started.elapsed()
    );
}

#[test]
fn every_oneprovider_operation_succeeds_against_the_fake() {
    every_operation(&PROVIDER, 83);
}

#[test]
fn every_onepanel_operation_succeeds_against_the_fake() {
    every_operation(&PANEL, 139);
}
