//! `--dry-run` prints a curl line; run by bash against the fake Onezone on
//! 127.0.0.1, it must deliver exactly the request the tool would send:
//! the same method, path, headers and body, for awkward values too.

use assert_cmd::Command;
use fake_onezone::FakeZone;
use serde_json::Value;
use std::time::Duration;

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

fn dry_run(zone: &FakeZone, args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = Command::cargo_bin("onezone-rest-cli").unwrap();
    cmd.arg("--dry-run")
        .args(args)
        .env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", "test-token");
    if let Some(s) = stdin {
        cmd.write_stdin(s.to_owned());
    }
    let out = cmd.timeout(Duration::from_secs(20)).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs the line with bash, as a user pasting it would, and returns what the
/// fake received.
fn replay(zone: &FakeZone, line: &str) -> fake_onezone::Recorded {
    let before = zone.requests().len();
    let status = std::process::Command::new("timeout")
        .args([
            "20",
            "bash",
            "-c",
            &format!("{} -s -o /dev/null", line.trim_end()),
        ])
        .env("ONEZONE_API_KEY", "test-token")
        .status()
        .unwrap();
    assert!(status.success(), "bash failed on: {line}");
    let reqs = zone.requests();
    assert_eq!(reqs.len(), before + 1, "one request per curl line");
    reqs.into_iter().last().unwrap()
}

fn header<'a>(r: &'a fake_onezone::Recorded, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn awkward_body_strings_arrive_unchanged() {
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
        assert_eq!(header(&got, "content-type"), Some("application/json"));
        assert_eq!(header(&got, "x-auth-token"), Some("test-token"));
        assert_eq!(
            header(&got, "user-agent").map(|u| u.starts_with("onezone-rest-cli/")),
            Some(true)
        );
    }
}

#[test]
fn awkward_path_values_arrive_percent_encoded() {
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
        assert_eq!(header(&got, "content-type"), None);
    }
}

#[test]
fn a_stdin_body_is_shown_inline_and_replays() {
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
    let zone = FakeZone::start().unwrap();
    let line = dry_run(
        &zone,
        &["createProviderRegistrationTokenForCurrentUser"],
        None,
    );
    let got = replay(&zone, &line);
    assert_eq!(got.method, "POST");
    assert!(
        got.body.is_empty() && header(&got, "content-type").is_none(),
        "{line}"
    );
    assert!(got.problems.is_empty(), "{:?}", got.problems);
}
