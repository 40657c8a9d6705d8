//! The three commands together, as an administrator uses them: the
//! cross-service flow (a space made in Onezone, supported in Onepanel, its
//! files uploaded and downloaded in Oneprovider), each command's
//! environment variables and their precedence, Onepanel's port and its
//! long-running tasks (`--wait`), transfers that break, query parameters
//! checked before anything is sent, and `login` per command. Every run is a
//! real binary against the fake (one process serving all three services),
//! bounded in time.

mod common;

use base64::Engine as _;
use common::{bin_path, command_of, isolate_all, run_bounded, scratch, Run, TIMEOUT};
use fake_onezone::probe::req;
use fake_onezone::{
    Config, FakeZone, Fault, ProviderSpace, TaskOutcome, ADMIN_TOKEN, ONEPANEL_PASSPHRASE,
    ONEPANEL_USER, PROVIDER_ID, STORAGE_ID, USER_TOKEN,
};
use serde_json::Value;
use std::time::Duration;

const ZONE: &str = "onezone-rest-cli";
const PROVIDER: &str = "oneprovider-rest-cli";
const PANEL: &str = "onepanel-rest-cli";

/// Runs `command args…` with exactly the variables `env` of the three
/// commands (none of the developer's), `stdin` on a pipe if given.
fn tool(command: &str, env: &[(&str, &str)], args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut c = command_of(command);
    c.envs(env.iter().copied()).args(args);
    run_bounded(&mut c, stdin, TIMEOUT)
}

/// `bash -c script` with `$0` the command's binary and `$1…` `args`, in the
/// same clean environment plus `env`.
fn bash(command: &str, env: &[(&str, &str)], script: &str, args: &[&str]) -> Run {
    let mut c = std::process::Command::new("bash");
    isolate_all(&mut c)
        .envs(env.iter().copied())
        .args(["-c", script, bin_path(command)])
        .args(args);
    run_bounded(&mut c, None, TIMEOUT)
}

/// `Authorization: Basic …` of `user:password`.
fn basic(user: &str, password: &str) -> String {
    let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {pair}")
}

/// `n` bytes that look random (xorshift64*, fixed seed: the same every run).
fn random_bytes(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(n);
    out
}

/// Says where two byte strings differ, for a message.
fn same_bytes(what: &str, got: &[u8], want: &[u8]) {
    if got != want {
        let at = got.iter().zip(want).position(|(a, b)| a != b);
        panic!(
            "{what}: {} bytes, expected {}; first difference at {at:?}",
            got.len(),
            want.len()
        );
    }
}

/// The one string field `field` of the JSON a run printed.
fn field(r: &Run, field: &str) -> String {
    r.json()[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string {field:?} in {r}"))
        .to_owned()
}

#[track_caller]
fn ok(r: &Run) {
    assert_eq!(r.code, Some(0), "{r}");
}

// ---- the cross-service flow

/// The flow exactly as an administrator runs it, each command with its own
/// variables (Onepanel with options after the operation), parsing what
/// each prints as `| jq` would.
#[test]
fn a_space_is_made_supported_filled_and_emptied_across_the_three_commands() {
    let zone = FakeZone::start().unwrap();
    let url = zone.url();
    let oz_env = [
        ("ONEZONE_HOST", url.as_str()),
        ("ONEZONE_API_KEY", ADMIN_TOKEN),
    ];
    let op_env = [
        ("ONEPROVIDER_HOST", url.as_str()),
        ("ONEPROVIDER_API_KEY", ADMIN_TOKEN),
    ];
    let oz = |args: &[&str]| tool(ZONE, &oz_env, args, None);
    let op = |args: &[&str], stdin: Option<&[u8]>| tool(PROVIDER, &op_env, args, stdin);

    // Onezone: the space, and a token with which a provider supports it.
    let r = oz(&["createSpace", "name==s"]);
    ok(&r);
    let space = field(&r, "id");
    let r = oz(&["createSpaceSupportToken", &format!("id={space}")]);
    ok(&r);
    let token = field(&r, "token");

    // Onepanel: support it, with the options after the operation.
    let size = "size:=1000000";
    let r = tool(
        PANEL,
        &[],
        &[
            "supportSpace",
            &format!("token=={token}"),
            size,
            &format!("storageId=={STORAGE_ID}"),
            "--host",
            &url,
            "-u",
            "onepanel:passphrase",
        ],
        None,
    );
    ok(&r);
    assert_eq!(field(&r, "id"), space, "{r}");
    let rec = zone.requests().pop().unwrap();
    assert_eq!(
        (rec.method.as_str(), rec.path.as_str()),
        ("POST", "/api/v3/onepanel/provider/spaces")
    );
    assert_eq!(
        rec.json(),
        Some(serde_json::json!({"token": token, "size": 1_000_000, "storageId": STORAGE_ID}))
    );
    assert_eq!(
        rec.credentials(),
        [(
            "authorization".to_owned(),
            basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)
        )]
    );

    // Onezone sees the support.
    let r = oz(&["getSpace", &format!("id={space}")]);
    ok(&r);
    assert_eq!(r.json()["providers"][PROVIDER_ID], 1_000_000, "{r}");

    // Oneprovider: the space's root directory.
    let r = op(&["getSpace", &format!("sid={space}")], None);
    ok(&r);
    let root = field(&r, "fileId");

    // Upload 5 MiB from a file (-T) and from stdin (-).
    let dir = scratch("flow");
    let source = dir.join("source.bin");
    let bytes = random_bytes(5 << 20);
    std::fs::write(&source, &bytes).unwrap();
    let src = source.to_str().unwrap();
    zone.clear_requests();
    let r = op(
        &["createFile", &format!("id={root}"), "name=f.bin", "-T", src],
        None,
    );
    ok(&r);
    let file = field(&r, "fileId");
    let r = op(
        &["createFile", &format!("id={root}"), "name=g.bin", "-"],
        Some(&bytes),
    );
    ok(&r);
    let from_stdin = field(&r, "fileId");
    let recs = zone.requests();
    assert_eq!(recs.len(), 2, "{recs:#?}");
    for rec in &recs {
        assert!(rec.problems.is_empty(), "{:?}", rec.problems);
        assert_eq!(rec.status, 201);
        assert_eq!(rec.header("content-type"), Some("application/octet-stream"));
        same_bytes(
            "the upload's first 64 KiB",
            &rec.body,
            &bytes[..rec.body.len()],
        );
    }
    // From a file its length is known and sent.
    assert_eq!(recs[0].header("content-length"), Some("5242880"));

    // listChildren: at 21.02.7 its options are body fields.
    let r = op(&["listChildren", &format!("id={root}")], None);
    ok(&r);
    let listing = r.json();
    let children = listing["children"].as_array().unwrap();
    let names: Vec<&str> = children
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["f.bin", "g.bin"], "{r}");
    for child in children {
        assert_eq!(child["size"], 5 << 20, "{r}");
    }
    let r = op(&["listChildren", &format!("id={root}"), "limit:=1"], None);
    ok(&r);
    let page = r.json();
    assert_eq!(page["children"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(page["children"][0]["name"], "f.bin", "{r}");
    assert_eq!(page["isLast"], false, "{r}");
    let next = page["nextPageToken"].as_str().unwrap().to_owned();
    let rec = zone.requests().pop().unwrap();
    assert_eq!(rec.query, [], "no query: {rec:?}");
    assert_eq!(rec.json(), Some(serde_json::json!({"limit": 1})));
    let r = op(
        &[
            "listChildren",
            &format!("id={root}"),
            "limit:=1",
            &format!("token=={next}"),
        ],
        None,
    );
    ok(&r);
    assert_eq!(r.json()["children"][0]["name"], "g.bin", "{r}");
    assert_eq!(r.json()["isLast"], true, "{r}");
    // As a query parameter (the 21.02.4 way) it is refused, with the fix.
    let before = zone.requests().len();
    let r = op(&["listChildren", &format!("id={root}"), "limit=1"], None);
    assert_eq!(r.code, Some(2), "{r}");
    assert!(r.stderr.contains("limit is a body field"), "{r}");
    assert_eq!(zone.requests().len(), before, "nothing is sent");

    // Download to stdout redirected to a file, and with --output-file.
    let out = dir.join("out");
    let out2 = dir.join("out2");
    let env = [
        ("ONEPROVIDER_HOST", url.as_str()),
        ("ONEPROVIDER_API_KEY", ADMIN_TOKEN),
    ];
    let r = bash(
        PROVIDER,
        &env,
        r#""$0" downloadFileContent id="$1" > "$2""#,
        &[&file, out.to_str().unwrap()],
    );
    ok(&r);
    same_bytes("> out", &std::fs::read(&out).unwrap(), &bytes);
    let r = op(
        &[
            "downloadFileContent",
            &format!("id={file}"),
            "--output-file",
            out2.to_str().unwrap(),
        ],
        None,
    );
    ok(&r);
    assert!(r.stdout.is_empty(), "{r}");
    same_bytes("--output-file", &std::fs::read(&out2).unwrap(), &bytes);
    // What came from stdin arrived whole too.
    let r = op(&["downloadFileContent", &format!("id={from_stdin}")], None);
    ok(&r);
    same_bytes("the upload from stdin", &r.stdout, &bytes);

    // A range: exactly its 100 bytes, answered 206.
    let r = op(
        &[
            "downloadFileContent",
            &format!("id={file}"),
            "Range:bytes=0-99",
        ],
        None,
    );
    ok(&r);
    same_bytes("bytes 0-99", &r.stdout, &bytes[..100]);
    assert_eq!(zone.requests().pop().unwrap().status, 206);

    // Removed: a download is a 404, exit 4.
    let r = op(&["removeFile", &format!("id={file}")], None);
    ok(&r);
    assert!(r.stdout.is_empty(), "{r}");
    let r = op(&["downloadFileContent", &format!("id={file}")], None);
    assert_eq!(r.code, Some(4), "{r}");
    assert!(r.stdout.is_empty(), "{r}");
    assert!(r.stderr.contains("HTTP 404 Not Found"), "{r}");
    for rec in zone.requests() {
        assert!(rec.problems.is_empty(), "{rec:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- environment variables, per command

/// The credential headers of the last request `zone` received, and its path.
fn last_credentials(zone: &FakeZone) -> (String, Vec<(String, String)>) {
    let rec = zone.requests().pop().expect("a request");
    (rec.path.clone(), rec.credentials())
}

fn token_header(t: &str) -> Vec<(String, String)> {
    vec![("x-auth-token".to_owned(), t.to_owned())]
}

#[test]
fn each_command_reads_its_own_variables_then_the_generic_ones() {
    let zone = FakeZone::start().unwrap();
    let other = FakeZone::start().unwrap();
    ProviderSpace::new(&zone, "s", 1000).unwrap();
    let (url, other_url) = (zone.url(), other.url());

    // Oneprovider: its own variables…
    let r = tool(
        PROVIDER,
        &[
            ("ONEPROVIDER_HOST", &url),
            ("ONEPROVIDER_API_KEY", ADMIN_TOKEN),
        ],
        &["getAllSpaces"],
        None,
    );
    ok(&r);
    assert_eq!(r.json()[0]["name"], "s", "{r}");
    assert_eq!(
        last_credentials(&zone),
        (
            "/api/v3/oneprovider/spaces".into(),
            token_header(ADMIN_TOKEN)
        )
    );
    // …the Docker image's as fallbacks…
    let r = tool(
        PROVIDER,
        &[("ONEDATA_PROVIDER", &url), ("ONEDATA_API_KEY", ADMIN_TOKEN)],
        &["getAllSpaces"],
        None,
    );
    ok(&r);
    assert_eq!(
        last_credentials(&zone),
        (
            "/api/v3/oneprovider/spaces".into(),
            token_header(ADMIN_TOKEN)
        )
    );
    // …and its own win over them.
    zone.clear_requests();
    let r = tool(
        PROVIDER,
        &[
            ("ONEPROVIDER_HOST", &url),
            ("ONEDATA_PROVIDER", &other_url),
            ("ONEPROVIDER_API_KEY", ADMIN_TOKEN),
            ("ONEDATA_API_KEY", USER_TOKEN),
        ],
        &["getAllSpaces"],
        None,
    );
    ok(&r);
    assert_eq!(zone.requests().len(), 1);
    assert_eq!(other.requests().len(), 0, "ONEDATA_PROVIDER was used");
    assert_eq!(last_credentials(&zone).1, token_header(ADMIN_TOKEN));
    // Another command's variables are not this one's.
    let r = tool(
        PROVIDER,
        &[("ONEZONE_HOST", &url), ("ONEPROVIDER_API_KEY", ADMIN_TOKEN)],
        &["getAllSpaces"],
        None,
    );
    assert_eq!(r.code, Some(3), "{r}");
    assert!(r.stderr.contains("ONEPROVIDER_HOST"), "{r}");
    zone.clear_requests();
    let r = tool(
        PROVIDER,
        &[("ONEPROVIDER_HOST", &url), ("ONEZONE_API_KEY", ADMIN_TOKEN)],
        &["getAllSpaces"],
        None,
    );
    assert_eq!(r.code, Some(4), "{r}");
    assert_eq!(last_credentials(&zone).1, []);

    // Onepanel: its host and basic credential.
    let r = tool(
        PANEL,
        &[
            ("ONEPANEL_HOST", &url),
            ("ONEPANEL_BASIC_AUTH", "onepanel:passphrase"),
        ],
        &["getCurrentUser"],
        None,
    );
    ok(&r);
    assert_eq!(
        last_credentials(&zone),
        (
            "/api/v3/onepanel/user".into(),
            vec![(
                "authorization".to_owned(),
                basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)
            )]
        )
    );
    // Its token variable (a Onezone admin's token) wins over basic auth.
    let r = tool(
        PANEL,
        &[
            ("ONEPANEL_HOST", &url),
            ("ONEPANEL_API_KEY", ADMIN_TOKEN),
            ("ONEPANEL_BASIC_AUTH", "onepanel:passphrase"),
        ],
        &["getCurrentUser"],
        None,
    );
    ok(&r);
    assert_eq!(last_credentials(&zone).1, token_header(ADMIN_TOKEN));
    // ONEDATA_API_KEY (a Onezone admin's token) serves Onepanel too, but
    // the command's own credential wins over it.
    let r = tool(
        PANEL,
        &[("ONEPANEL_HOST", &url), ("ONEDATA_API_KEY", ADMIN_TOKEN)],
        &["getCurrentUser"],
        None,
    );
    ok(&r);
    assert_eq!(last_credentials(&zone).1, token_header(ADMIN_TOKEN));
    let r = tool(
        PANEL,
        &[
            ("ONEPANEL_HOST", &url),
            ("ONEPANEL_BASIC_AUTH", "onepanel:passphrase"),
            ("ONEDATA_API_KEY", USER_TOKEN),
        ],
        &["getCurrentUser"],
        None,
    );
    ok(&r);
    assert_eq!(
        last_credentials(&zone).1,
        [(
            "authorization".to_owned(),
            basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)
        )]
    );

    // Onezone: ONEZONE_HOST wins over ONEDATA_ZONE, which serves alone.
    zone.clear_requests();
    other.clear_requests();
    let r = tool(
        ZONE,
        &[
            ("ONEZONE_HOST", &url),
            ("ONEDATA_ZONE", &other_url),
            ("ONEZONE_API_KEY", ADMIN_TOKEN),
            ("ONEDATA_API_KEY", USER_TOKEN),
        ],
        &["getCurrentUser"],
        None,
    );
    ok(&r);
    assert_eq!(field(&r, "username"), "admin", "ONEZONE_API_KEY wins: {r}");
    assert_eq!((zone.requests().len(), other.requests().len()), (1, 0));
    let r = tool(
        ZONE,
        &[
            ("ONEDATA_ZONE", &other_url),
            ("ONEDATA_API_KEY", USER_TOKEN),
        ],
        &["getCurrentUser"],
        None,
    );
    ok(&r);
    assert_eq!(field(&r, "username"), "user", "{r}");
    assert_eq!((zone.requests().len(), other.requests().len()), (1, 1));
    assert_eq!(
        last_credentials(&other),
        ("/api/v3/onezone/user".into(), token_header(USER_TOKEN))
    );
}

/// `--dry-run` names the variable a token came from, never the token.
#[test]
fn dry_run_shows_the_variable_not_the_token() {
    let secret = "SECRET-TOKEN-0123456789";
    let cases: [(&str, &str, &str, &str); 4] = [
        (ZONE, "ONEZONE_HOST", "getCurrentUser", "ONEDATA_API_KEY"),
        (
            PROVIDER,
            "ONEPROVIDER_HOST",
            "getAllSpaces",
            "ONEDATA_API_KEY",
        ),
        (PANEL, "ONEPANEL_HOST", "getCurrentUser", "ONEDATA_API_KEY"),
        (
            PROVIDER,
            "ONEPROVIDER_HOST",
            "getAllSpaces",
            "ONEPROVIDER_API_KEY",
        ),
    ];
    for (command, host_var, op, key_var) in cases {
        let r = tool(
            command,
            &[(host_var, "https://h.example.com"), (key_var, secret)],
            &["--dry-run", op],
            None,
        );
        ok(&r);
        let line = r.out();
        assert!(
            line.contains(&format!(r#"-H "X-Auth-Token: ${key_var}""#)),
            "{command} {key_var}: {r}"
        );
        assert!(
            !line.contains(secret) && !r.stderr.contains(secret),
            "{command}: {r}"
        );
    }
    // Onepanel's basic credential: the variable, never the passphrase.
    let r = tool(
        PANEL,
        &[
            ("ONEPANEL_HOST", "https://h.example.com"),
            ("ONEPANEL_BASIC_AUTH", "onepanel:SECRET-PASSPHRASE"),
        ],
        &["--dry-run", "getCurrentUser"],
        None,
    );
    ok(&r);
    assert!(r.out().contains(r#" -u "$ONEPANEL_BASIC_AUTH""#), "{r}");
    assert!(
        !r.out().contains("SECRET") && !r.stderr.contains("SECRET"),
        "{r}"
    );
    // The command's own variable is named when both are set.
    let r = tool(
        PROVIDER,
        &[
            ("ONEPROVIDER_HOST", "https://h.example.com"),
            ("ONEPROVIDER_API_KEY", secret),
            ("ONEDATA_API_KEY", "other"),
        ],
        &["--dry-run", "getAllSpaces"],
        None,
    );
    ok(&r);
    assert!(r.out().contains("$ONEPROVIDER_API_KEY"), "{r}");
    assert!(!r.out().contains("ONEDATA_API_KEY"), "{r}");
}

/// Onepanel listens on 9443: a host without a port gets it.
#[test]
fn onepanel_defaults_to_port_9443() {
    let r = tool(
        PANEL,
        &[],
        &["--dry-run", "getCurrentUser", "--host", "panel.example.com"],
        None,
    );
    ok(&r);
    assert!(
        r.out()
            .contains(" https://panel.example.com:9443/api/v3/onepanel/user "),
        "{r}"
    );
    let r = tool(
        PANEL,
        &[("ONEPANEL_HOST", "panel.example.com")],
        &["--dry-run", "getCurrentUser"],
        None,
    );
    ok(&r);
    assert!(r.out().contains("https://panel.example.com:9443/"), "{r}");
    // A port given is kept; the other commands add none.
    let r = tool(
        PANEL,
        &[],
        &[
            "--dry-run",
            "getCurrentUser",
            "--host",
            "panel.example.com:8443",
        ],
        None,
    );
    ok(&r);
    assert!(r.out().contains("https://panel.example.com:8443/"), "{r}");
    assert!(!r.out().contains("9443"), "{r}");
    let r = tool(
        PROVIDER,
        &[],
        &[
            "--dry-run",
            "getAllSpaces",
            "--host",
            "provider.example.com",
        ],
        None,
    );
    ok(&r);
    assert!(
        r.out()
            .contains(" https://provider.example.com/api/v3/oneprovider/spaces "),
        "{r}"
    );
}

// ---- Onepanel's tasks

/// A provider's deployment, as an administrator writes it.
const PROVIDER_YML: &str = "\
cluster:
  domainName: example.com
  nodes:
    n1:
      hostname: node1
  databases:
    nodes: [n1]
  managers:
    mainNode: n1
    nodes: [n1]
  workers:
    nodes: [n1]
oneprovider:
  register: true
  name: provider1
  adminEmail: admin@example.com
  geoLatitude: 50.06
  geoLongitude: 19.94
onepanel:
  interactiveDeployment: false
";

fn panel_env(zone: &FakeZone) -> [(&'static str, String); 2] {
    [
        ("ONEPANEL_HOST", zone.url()),
        ("ONEPANEL_BASIC_AUTH", "onepanel:passphrase".to_owned()),
    ]
}

fn panel(zone: &FakeZone, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let env = panel_env(zone);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tool(PANEL, &env, args, stdin)
}

/// The ids of the tasks `zone` was asked about (getTaskStatus).
fn polled_tasks(zone: &FakeZone) -> Vec<String> {
    let mut ids: Vec<String> = zone
        .requests()
        .iter()
        .filter(|r| r.operation == Some("getTaskStatus"))
        .map(|r| r.path.rsplit('/').next().unwrap().to_owned())
        .collect();
    ids.dedup();
    ids
}

#[test]
fn configure_provider_from_yaml_starts_a_task_and_wait_follows_it() {
    let zone = FakeZone::start_with(Config {
        task_duration: Duration::from_millis(1500),
        ..Config::default()
    })
    .unwrap();
    let yaml = PROVIDER_YML.as_bytes();
    let as_json: Value = serde_norway::from_str(PROVIDER_YML).unwrap();

    // Without --wait: the 202 answer, exit 0, at once.
    let r = panel(&zone, &["configureProvider", "-"], Some(yaml));
    ok(&r);
    let task = field(&r, "taskId");
    assert!(r.elapsed < Duration::from_secs(5), "{r}");
    let recs = zone.requests();
    assert_eq!(recs.len(), 1, "no polling without --wait: {recs:#?}");
    assert_eq!(
        (recs[0].operation, recs[0].status),
        (Some("configureProvider"), 202)
    );
    assert!(recs[0].problems.is_empty(), "{:?}", recs[0].problems);
    assert_eq!(recs[0].header("content-type"), Some("application/json"));
    assert_eq!(recs[0].json(), Some(as_json.clone()), "YAML sent as JSON");
    // -T FILE reads the YAML from a file, as `- < FILE` does.
    let dir = scratch("provider-yml");
    let file = dir.join("provider.yml");
    std::fs::write(&file, PROVIDER_YML).unwrap();
    let r = panel(
        &zone,
        &["configureProvider", "-T", file.to_str().unwrap()],
        None,
    );
    ok(&r);
    assert!(r.json()["taskId"].is_string(), "{r}");
    let rec = zone.requests().pop().unwrap();
    assert!(rec.problems.is_empty(), "{:?}", rec.problems);
    assert_eq!(
        rec.json(),
        Some(as_json.clone()),
        "YAML from -T sent as JSON"
    );
    let _ = std::fs::remove_dir_all(&dir);
    // The task is there to look up.
    let r = panel(&zone, &["getTaskStatus", &format!("id={task}")], None);
    ok(&r);
    assert_eq!(field(&r, "status"), "running", "{r}");

    // --wait: steps on stderr (not a terminal: one line each), the final
    // state on stdout, exit 0.
    zone.clear_requests();
    let r = panel(&zone, &["configureProvider", "--wait", "-"], Some(yaml));
    ok(&r);
    let end = r.json();
    assert_eq!(end["status"], "ok", "{r}");
    assert_eq!(
        end["steps"].as_array().map(Vec::len),
        end["totalSteps"].as_u64().map(|n| n as usize),
        "{r}"
    );
    assert!(r.elapsed >= Duration::from_millis(1400), "{r:?}");
    assert!(r.elapsed < Duration::from_secs(10), "{r:?}");
    let tasks = polled_tasks(&zone);
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let step_lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with(&format!("task {}: ", tasks[0])) && l.contains("steps done"))
        .collect();
    assert!(!step_lines.is_empty(), "{r}");
    assert!(
        !r.stderr.contains('\r'),
        "no rewriting line when piped: {r}"
    );
    assert_eq!(zone.requests()[0].json(), Some(as_json));

    // -s: no step lines.
    let r = panel(
        &zone,
        &["-s", "configureProvider", "--wait", "-"],
        Some(yaml),
    );
    ok(&r);
    assert_eq!(r.json()["status"], "ok", "{r}");
    assert_eq!(r.stderr, "", "{r}");
}

#[test]
fn a_task_that_fails_exits_5_naming_it() {
    let zone = FakeZone::start_with(Config {
        task_duration: Duration::from_millis(300),
        task_outcome: TaskOutcome::Error,
        ..Config::default()
    })
    .unwrap();
    let r = panel(
        &zone,
        &["configureProvider", "--wait", "-"],
        Some(PROVIDER_YML.as_bytes()),
    );
    assert_eq!(r.code, Some(5), "{r}");
    let tasks = polled_tasks(&zone);
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let error_lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(error_lines.len(), 1, "{r}");
    assert!(error_lines[0].contains(&tasks[0]), "{r}");
    assert!(error_lines[0].contains("ended in error"), "{r}");
    // The final state is printed all the same, as with success.
    assert_eq!(r.json()["status"], "error", "{r}");
    assert_eq!(r.json()["error"]["error"]["id"], "errorOnNodes", "{r}");
    assert!(r.elapsed < Duration::from_secs(10), "{r:?}");
}

#[test]
fn a_task_that_never_ends_gives_up_after_the_wait_timeout() {
    let zone = FakeZone::start_with(Config {
        task_duration: Duration::from_secs(1_000_000),
        ..Config::default()
    })
    .unwrap();
    let r = panel(
        &zone,
        &["configureProvider", "--wait", "--wait-timeout", "1", "-"],
        Some(PROVIDER_YML.as_bytes()),
    );
    assert_eq!(r.code, Some(6), "{r}");
    assert!(r.elapsed < Duration::from_secs(5), "{r:?}");
    let tasks = polled_tasks(&zone);
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert!(
        r.stderr.contains(&format!("getTaskStatus id={}", tasks[0])),
        "{r}"
    );
    assert!(r.stdout.is_empty(), "{r}");
    // The task goes on at the server.
    let r = panel(&zone, &["getTaskStatus", &format!("id={}", tasks[0])], None);
    ok(&r);
    assert_eq!(field(&r, "status"), "running", "{r}");
}

// ---- broken transfers

/// A fake with a supported space holding a file of `size` bytes: the fake,
/// the file's id and its bytes.
fn provider_with_file(size: usize) -> (FakeZone, String, String, Vec<u8>) {
    let zone = FakeZone::start().unwrap();
    let space = ProviderSpace::new(&zone, "s", 1 << 30).unwrap();
    let bytes = random_bytes(size);
    let r = req(
        "POST",
        &format!(
            "/api/v3/oneprovider/data/{}/children?name=f.bin",
            space.root
        ),
    )
    .admin()
    .octets(&bytes)
    .send(&zone);
    assert_eq!(r.status, 201, "{}", r.text());
    let file = r.json()["fileId"].as_str().unwrap().to_owned();
    (zone, space.root, file, bytes)
}

fn provider_env(zone: &FakeZone) -> [(&'static str, String); 2] {
    [
        ("ONEPROVIDER_HOST", zone.url()),
        ("ONEPROVIDER_API_KEY", ADMIN_TOKEN.to_owned()),
    ]
}

fn provider(zone: &FakeZone, args: &[&str]) -> Run {
    let env = provider_env(zone);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tool(PROVIDER, &env, args, None)
}

#[test]
fn a_download_cut_short_fails_and_leaves_no_file() {
    let (zone, _, file, _) = provider_with_file(1 << 20);
    zone.set_fault(Some(Fault::DropMidBody));
    let r = provider(&zone, &["downloadFileContent", &format!("id={file}")]);
    assert!(matches!(r.code, Some(1 | 6)), "{r}");
    assert!(r.stderr.starts_with("error: "), "{r}");
    let dir = scratch("cut-short");
    let out = dir.join("out.bin");
    let r = provider(
        &zone,
        &[
            "downloadFileContent",
            &format!("id={file}"),
            "--output-file",
            out.to_str().unwrap(),
        ],
    );
    assert!(matches!(r.code, Some(1 | 6)), "{r}");
    assert!(r.stderr.starts_with("error: "), "{r}");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}; {r}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A server on 127.0.0.1 that answers each of `n` connections with a 200
/// `application/octet-stream` head announcing `announced` bytes, sends
/// `sent` of them and closes: a provider that dies mid-download, with the
/// download's own content type (the fake's faults answer JSON). Its URL.
fn dying_provider(n: usize, announced: usize, sent: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Not joined: it ends with the test process at the latest.
    std::thread::spawn(move || {
        for _ in 0..n {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
                match conn.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let _ = conn.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                     Content-Length: {announced}\r\n\r\n"
                )
                .as_bytes(),
            );
            let _ = conn.write_all(&random_bytes(sent));
            let _ = conn.flush();
        }
    });
    url
}

#[test]
fn a_streamed_download_cut_short_fails_and_leaves_no_file() {
    let (announced, sent) = (4 << 20, 300 << 10);
    let url = dying_provider(2, announced, sent);
    let env = [
        ("ONEPROVIDER_HOST", url.as_str()),
        ("ONEPROVIDER_API_KEY", ADMIN_TOKEN),
    ];
    let r = tool(PROVIDER, &env, &["downloadFileContent", "id=f1"], None);
    assert!(matches!(r.code, Some(1 | 6)), "{r}");
    assert!(r.stdout.len() <= sent, "{} bytes out", r.stdout.len());
    assert!(r.stderr.starts_with("error: "), "{r}");
    assert!(r.stderr.contains("cut short"), "{r}");
    let dir = scratch("streamed-cut-short");
    let out = dir.join("out.bin");
    let r = tool(
        PROVIDER,
        &env,
        &[
            "downloadFileContent",
            "id=f1",
            "--output-file",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(matches!(r.code, Some(1 | 6)), "{r}");
    assert!(r.stdout.is_empty(), "{r}");
    assert!(r.stderr.contains("cut short"), "{r}");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}; {r}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--output-file` into a directory that does not exist: refused before
/// anything is sent. (Found failing: the request goes out first, so a
/// create succeeds at the server while the command exits 3 and the new
/// id is printed nowhere.)
#[test]
fn an_output_file_that_cannot_be_made_is_refused_before_sending() {
    let zone = FakeZone::start().unwrap();
    let space = ProviderSpace::new(&zone, "s", 1000).unwrap();
    zone.clear_requests();
    let r = tool(
        ZONE,
        &[
            ("ONEZONE_HOST", &zone.url()),
            ("ONEZONE_API_KEY", ADMIN_TOKEN),
        ],
        &[
            "createSpace",
            "name==lost",
            "--output-file",
            "/no/such/dir/out",
        ],
        None,
    );
    assert!(matches!(r.code, Some(2 | 3)), "{r}");
    assert!(r.stderr.contains("/no/such/dir/out"), "{r}");
    let sent: Vec<_> = zone.requests().iter().map(|q| q.path.clone()).collect();
    assert_eq!(sent, Vec::<String>::new(), "sent although refused: {r}");
    let r = provider(
        &zone,
        &[
            "createFile",
            &format!("id={}", space.root),
            "name=lost.bin",
            "-T",
            "/dev/null",
            "--output-file",
            "/no/such/dir/out",
        ],
    );
    assert!(matches!(r.code, Some(2 | 3)), "{r}");
    let sent: Vec<_> = zone.requests().iter().map(|q| q.path.clone()).collect();
    assert_eq!(sent, Vec::<String>::new(), "sent although refused: {r}");
}

#[test]
fn an_upload_from_a_missing_file_is_refused_before_sending() {
    let (zone, root, _, _) = provider_with_file(10);
    zone.clear_requests();
    let r = provider(
        &zone,
        &[
            "createFile",
            &format!("id={root}"),
            "name=x",
            "-T",
            "/no/such/file",
        ],
    );
    assert_eq!(r.code, Some(2), "{r}");
    assert!(r.stderr.contains("no such file"), "{r}");
    assert!(r.stderr.contains("/no/such/file"), "{r}");
    assert_eq!(zone.requests().len(), 0, "{:#?}", zone.requests());
}

/// A file the user may not read: exit 2, nothing sent. Root reads any
/// file, so as root the command is run as `nobody` (uid 65534).
#[cfg(target_os = "linux")]
#[test]
fn an_upload_from_an_unreadable_file_is_refused_before_sending() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let (zone, root, _, _) = provider_with_file(10);
    let dir = scratch("unreadable");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = dir.join("secret.bin");
    std::fs::write(&secret, b"private").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    zone.clear_requests();
    let mut c = command_of(PROVIDER);
    for (k, v) in provider_env(&zone) {
        c.env(k, v);
    }
    c.args([
        "createFile",
        &format!("id={root}"),
        "name=x",
        "-T",
        secret.to_str().unwrap(),
    ]);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // SAFETY: setgroups, setgid and setuid are plain system calls,
        // safe between fork and exec.
        unsafe {
            c.pre_exec(|| {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(65534) != 0
                    || libc::setuid(65534) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let started = std::time::Instant::now();
    let r = match common::try_bounded(&mut c, None, TIMEOUT) {
        Ok(out) => Run::new(out, started),
        Err(e) => {
            common::skip(&format!(
                "running as root, and the command cannot be run as nobody ({e}): \
                 the unreadable file was not tested"
            ));
            return;
        }
    };
    let _ = std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(r.code, Some(2), "{r}");
    assert!(r.stderr.contains("secret.bin"), "{r}");
    assert!(r.stderr.to_lowercase().contains("permission denied"), "{r}");
    assert_eq!(zone.requests().len(), 0, "{:#?}", zone.requests());
}

/// `| head -c 10`: the reader goes away mid-download; the command exits
/// non-zero and says so on stderr.
#[test]
fn a_download_into_a_closed_pipe_fails_with_a_message() {
    let (zone, _, file, _) = provider_with_file(5 << 20);
    let env = provider_env(&zone);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for output in ["json", "raw"] {
        let r = bash(
            PROVIDER,
            &env,
            r#"set -o pipefail; "$0" -o "$2" downloadFileContent id="$1" | head -c 10 | wc -c; echo "status=${PIPESTATUS[0]}""#,
            &[&file, output],
        );
        assert_eq!(r.code, Some(0), "{output}: {r}");
        let out = r.out();
        let lines: Vec<&str> = out.lines().map(str::trim).collect();
        assert_eq!(lines.len(), 2, "{output}: {r}");
        assert_eq!(lines[0], "10", "{output}: {r}");
        let status: i32 = lines[1].strip_prefix("status=").unwrap().parse().unwrap();
        assert_ne!(status, 0, "{output}: {r}");
        assert!(r.stderr.starts_with("error: "), "{output}: {r}");
        assert!(r.stderr.contains("closed"), "{output}: {r}");
        assert!(r.elapsed < Duration::from_secs(10), "{output}: {r:?}");
    }
}

// ---- query parameters

#[test]
fn a_query_parameter_outside_its_enum_is_refused_before_sending() {
    let zone = FakeZone::start().unwrap();
    let space = ProviderSpace::new(&zone, "s", 1000).unwrap().space;
    let before = zone.requests();
    let r = provider(
        &zone,
        &["getAllTransfers", &format!("sid={space}"), "state=bogus"],
    );
    assert_eq!(r.code, Some(2), "{r}");
    assert!(r.stdout.is_empty(), "{r}");
    for allowed in ["waiting", "ongoing", "ended"] {
        assert!(r.stderr.contains(allowed), "{allowed}: {r}");
    }
    assert!(r.stderr.contains("bogus"), "{r}");
    assert_eq!(zone.requests(), before, "a request reached the fake");
    // A value it allows goes out as a query parameter.
    let r = provider(
        &zone,
        &["getAllTransfers", &format!("sid={space}"), "state=ongoing"],
    );
    ok(&r);
    let rec = zone.requests().pop().unwrap();
    assert_eq!(rec.query, [("state".to_owned(), "ongoing".to_owned())]);
    assert!(rec.problems.is_empty(), "{:?}", rec.problems);
}

// ---- login per command

/// The block of `login --status` about one host: its line and the indented
/// ones after it.
fn status_block(listing: &str, url: &str) -> String {
    let mut lines = listing.lines().skip_while(|l| !l.starts_with(url));
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("no block for {url} in\n{listing}"));
    let mut b = vec![head];
    b.extend(lines.take_while(|l| l.starts_with(' ')));
    b.join("\n")
}

/// `login --status` of Oneprovider from the environment alone: no keyring
/// is touched, the token is checked with the provider and never printed.
#[test]
fn oneprovider_login_status_from_the_environment() {
    let zone = FakeZone::start().unwrap();
    ProviderSpace::new(&zone, "s", 1000).unwrap();
    zone.clear_requests();
    let base = zone.service_url("oneprovider");
    for var in ["ONEPROVIDER_API_KEY", "ONEDATA_API_KEY"] {
        let r = tool(
            PROVIDER,
            &[("ONEPROVIDER_HOST", &zone.url()), (var, ADMIN_TOKEN)],
            &["login", "--status"],
            None,
        );
        ok(&r);
        let row = status_block(&r.out(), &base);
        assert!(row.contains(&format!("env ({var})")), "{row}");
        assert!(row.contains("accepted"), "{row}");
        assert!(!r.out().contains(ADMIN_TOKEN) && !r.stderr.contains(ADMIN_TOKEN));
        let rec = zone.requests().pop().expect("the check");
        assert_eq!(rec.path, "/api/v3/oneprovider/spaces");
        assert_eq!(rec.credentials(), token_header(ADMIN_TOKEN));
    }
}

/// `onepanel-rest-cli login` with the passphrase on stdin, kept in the
/// kernel keyring (keyutils; each process joins the test's own session
/// keyring): later calls find it, `login --status` says where it is,
/// `logout` removes it. Skipped (a failure under CI) where keyutils
/// cannot be used.
#[cfg(target_os = "linux")]
#[test]
fn onepanel_login_keeps_the_passphrase_in_the_kernel_keyring() {
    use std::os::unix::process::CommandExt;
    let zone = FakeZone::start().unwrap();
    let dir = scratch("panel-login");
    let keyring = std::ffi::CString::new(format!(
        "onepanel-rest-cli-test-{}",
        dir.file_name().unwrap().to_string_lossy()
    ))
    .unwrap();
    let config = dir.join("config");
    let try_run = |args: &[&str], stdin: Option<&str>| {
        let mut c = command_of(PANEL);
        c.env("XDG_CONFIG_HOME", &config)
            .env("HOME", &dir)
            .args(args);
        let name = keyring.clone();
        // SAFETY: keyctl is a plain system call, safe between fork and exec.
        unsafe {
            c.pre_exec(move || {
                const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
                if libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name.as_ptr()) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let started = std::time::Instant::now();
        common::try_bounded(&mut c, stdin.map(str::as_bytes), TIMEOUT)
            .map(|out| Run::new(out, started))
    };
    let run = |args: &[&str], stdin: Option<&str>| {
        try_run(args, stdin).unwrap_or_else(|e| panic!("{args:?}: cannot start: {e}"))
    };
    let url = zone.url();
    // A wrong passphrase is not kept.
    let login = [
        "login",
        "--host",
        &url,
        "--password-stdin",
        "--store",
        "keyutils",
    ];
    let r = match try_run(&login, Some("wrong\n")) {
        Ok(r) => r,
        Err(e)
            if [libc::EPERM, libc::EACCES, libc::ENOSYS]
                .contains(&e.raw_os_error().unwrap_or(0)) =>
        {
            common::skip(&format!(
                "keyutils is not usable here: cannot join a session keyring (keyctl: {e})"
            ));
            return;
        }
        Err(e) => panic!("cannot start login: {e}"),
    };
    assert_eq!(r.code, Some(4), "{r}");
    let rec = zone.requests().pop().unwrap();
    assert_eq!(rec.path, "/api/v3/onepanel/user");
    assert_eq!(
        rec.credentials(),
        [("authorization".to_owned(), basic(ONEPANEL_USER, "wrong"))]
    );
    // The right one, as `echo "$PASSPHRASE" |` gives it.
    let r = run(&login, Some("passphrase\n"));
    if r.code == Some(3) && r.stderr.contains("keyutils") {
        common::skip(&format!("keyutils is not usable here: {r}"));
        return;
    }
    ok(&r);
    assert!(
        r.stderr.starts_with(&format!(
            "Logged in to {} as onepanel;",
            zone.service_url("onepanel")
        )),
        "{r}"
    );
    assert!(r.stdout.is_empty(), "{r}");
    assert!(!r.out().contains(ONEPANEL_PASSPHRASE), "{r}");
    assert!(!r.stderr.contains(ONEPANEL_PASSPHRASE), "{r}");
    let file = config.join(PANEL).join("config.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(ONEPANEL_PASSPHRASE), "{text}");
    let cfg: Value = serde_json::from_str(&text).unwrap();
    let base = zone.service_url("onepanel");
    assert_eq!(cfg["hosts"][&base]["store"], "keyutils", "{text}");

    // A later call: the default host, the credential from the keyring.
    zone.clear_requests();
    let r = run(&["getCurrentUser"], None);
    ok(&r);
    let rec = zone.requests().pop().unwrap();
    assert_eq!(
        rec.credentials(),
        [(
            "authorization".to_owned(),
            basic(ONEPANEL_USER, ONEPANEL_PASSPHRASE)
        )]
    );
    let r = run(&["login", "--status"], None);
    ok(&r);
    let row = status_block(&r.out(), &base);
    assert!(row.contains("  credential: keyring (keyutils)"), "{row}");
    assert!(row.contains("\n  user: onepanel"), "the user: {row}");
    assert!(row.contains(" (default)\n"), "the default host: {row}");
    assert!(!r.out().contains(ONEPANEL_PASSPHRASE), "{r}");

    // Logged out: no credential any more.
    ok(&run(&["logout"], None));
    let r = run(&["getCurrentUser"], None);
    assert_eq!(r.code, Some(4), "{r}");
    assert_eq!(zone.requests().pop().unwrap().credentials(), []);
    let _ = std::fs::remove_dir_all(&dir);
}
