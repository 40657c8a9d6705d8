//! `--dry-run` prints a curl line; run by bash against the fake Onezone on
//! 127.0.0.1, it must deliver exactly the request the tool would send:
//! the same method, path, headers and body, for awkward values too.

mod common;

use common::{cli, have_curl, replay, run_cmd};
use fake_onezone::{FakeZone, ADMIN_TOKEN};
use serde_json::Value;

/// Values that broke the old client: spaces, quotes, `$`, backticks,
/// newlines, non-ASCII, `!`, backslashes, `%`, and a lone `'`.
const AWKWARD: &[&str] = &[
    "plain",
    "two words",
    "it's \"quoted\"",
    "$HOME and `id` and $(id)",
    "line one\nline two\ttabbed",
    "zażółć gęślą jaźń ✓",
    "bang! \\back\\slash 100%",
    "'",
    "",
];

/// The `--dry-run` curl line of `args`, from the binary in an isolated
/// environment (see `common::cli`).
fn dry_run(zone: &FakeZone, args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = cli();
    cmd.arg("--dry-run")
        .args(args)
        .env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", ADMIN_TOKEN);
    let r = run_cmd(cmd, stdin);
    assert_eq!(r.code, Some(0), "{args:?}: {r}");
    r.out()
}

#[test]
fn awkward_body_strings_arrive_unchanged() {
    if !have_curl() {
        return;
    }
    let zone = FakeZone::start().unwrap();
    for value in AWKWARD {
        let item = format!("name=={value}");
        let line = dry_run(&zone, &["createGroup", &item, "type==team"], None);
        let got = replay(&zone, &line);
        assert_eq!(got.method, "POST");
        assert_eq!(got.path, "/api/v3/onezone/groups");
        assert!(got.problems.is_empty(), "{value:?}: {:?}", got.problems);
        let body: Value = serde_json::from_slice(&got.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"name": value, "type": "team"}),
            "{line}"
        );
        assert_eq!(got.header("content-type"), Some("application/json"));
        assert_eq!(got.header("x-auth-token"), Some(ADMIN_TOKEN));
        assert_eq!(
            got.header("user-agent")
                .map(|u| u.starts_with("onezone-rest-cli/")),
            Some(true)
        );
    }
}

#[test]
fn awkward_path_values_arrive_percent_encoded() {
    if !have_curl() {
        return;
    }
    let zone = FakeZone::start().unwrap();
    for value in AWKWARD.iter().filter(|v| !v.is_empty()) {
        let item = format!("id={value}");
        let line = dry_run(&zone, &["getGroup", &item], None);
        let got = replay(&zone, &line);
        assert_eq!(got.method, "GET");
        let encoded = got.path.strip_prefix("/api/v3/onezone/groups/").unwrap();
        assert!(!encoded.contains('/') && encoded.is_ascii(), "{encoded}");
        let decoded = percent_encoding::percent_decode_str(encoded)
            .decode_utf8()
            .unwrap();
        assert_eq!(decoded, *value, "{line}");
        assert!(got.body.is_empty(), "GET carries no body");
        assert_eq!(got.header("content-type"), None);
    }
}

#[test]
fn a_stdin_body_is_shown_inline_and_replays() {
    if !have_curl() {
        return;
    }
    let zone = FakeZone::start().unwrap();
    let body = "{\"name\": \"from stdin\", \"type\": \"unit\"}";
    let line = dry_run(&zone, &["createGroup", "-"], Some(body));
    assert!(
        !line.contains("/tmp/") && line.contains("from stdin"),
        "{line}"
    );
    let got = replay(&zone, &line);
    let sent: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"name": "from stdin", "type": "unit"})
    );
}

#[test]
fn a_request_without_body_sends_no_body() {
    if !have_curl() {
        return;
    }
    let zone = FakeZone::start().unwrap();
    let line = dry_run(
        &zone,
        &["createProviderRegistrationTokenForCurrentUser"],
        None,
    );
    let got = replay(&zone, &line);
    assert_eq!(got.method, "POST");
    assert!(
        got.body.is_empty() && got.header("content-type").is_none(),
        "{line}"
    );
    assert!(got.problems.is_empty(), "{:?}", got.problems);
}
