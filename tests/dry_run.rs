//! Every operation of the catalogue, invoked as a user would, with --dry-run:
//! the printed curl line carries the catalogue's method and path, the body
//! built from the items, and no secret.

mod common;

use common::Invocation;
use onezone_rest_cli::catalogue::{self, Operation, Schema};
use serde_json::Value;

const HOST: &str = "https://zone.test";
const SECRET: &str = "very-secret-token-1234";

/// A valid invocation of `op`, built from its catalogue entry: every path
/// parameter `name=v-name`, the sample body as items (or on stdin).
fn invocation(op: &'static Operation) -> Invocation {
    common::invocation(
        op,
        op.path,
        |_, _, name| format!("v-{name}"),
        common::default_body(op),
    )
}

/// The curl line's method, URL, headers and body.
fn parse_curl(line: &str) -> (String, String, Vec<String>, Option<String>) {
    let words = shlex::split(line).unwrap_or_else(|| panic!("not shell words: {line}"));
    assert_eq!(words[0], "curl", "{line}");
    let (mut method, mut url, mut headers, mut body) =
        (String::new(), String::new(), Vec::new(), None);
    let mut i = 1;
    while i < words.len() {
        match words[i].as_str() {
            "-X" => {
                method = words[i + 1].clone();
                i += 2;
            }
            "-H" => {
                headers.push(words[i + 1].clone());
                i += 2;
            }
            "--data-raw" => {
                body = Some(words[i + 1].clone());
                i += 2;
            }
            w if w.starts_with("http") => {
                url = w.to_owned();
                i += 1;
            }
            other => panic!("unexpected curl word {other:?} in {line}"),
        }
    }
    (method, url, headers, body)
}

#[test]
fn every_operation_dry_runs_to_its_catalogue_request() {
    let mut checked = 0;
    for op in catalogue::OPERATIONS {
        let inv = invocation(op);
        let mut cmd = common::cli();
        cmd.arg("--dry-run")
            .args(&inv.args)
            .env("ONEZONE_HOST", HOST)
            .env("ONEZONE_API_KEY", SECRET);
        if let Some(s) = &inv.stdin {
            cmd.write_stdin(s.clone());
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{}: {:?} failed: {stderr}",
            op.name,
            inv.args
        );
        assert!(
            !stdout.contains(SECRET) && !stderr.contains(SECRET),
            "{}: secret printed",
            op.name
        );
        assert_eq!(
            stdout.lines().count(),
            1,
            "{}: one curl line expected: {stdout}",
            op.name
        );
        let (method, url, headers, body) = parse_curl(stdout.trim_end());
        assert_eq!(method, op.method, "{}", op.name);
        assert_eq!(
            url,
            format!("{HOST}{}{}", catalogue::BASE_PATH, inv.path),
            "{}",
            op.name
        );
        assert!(
            headers
                .iter()
                .any(|h| h == "X-Auth-Token: $ONEZONE_API_KEY"),
            "{}: {headers:?}",
            op.name
        );
        let has_ct = headers.iter().any(|h| h.starts_with("Content-Type:"));
        match (&inv.body, body) {
            (Some(expected), Some(sent)) => {
                let sent: Value = serde_json::from_str(&sent).unwrap();
                assert_eq!(&sent, expected, "{}", op.name);
                assert!(has_ct, "{}: a body needs a Content-Type", op.name);
            }
            (None, None) => assert!(!has_ct, "{}: Content-Type without a body", op.name),
            (e, s) => panic!("{}: expected body {e:?}, sent {s:?}", op.name),
        }
        if matches!(op.method, "GET" | "DELETE") {
            assert!(
                inv.body.is_none(),
                "{}: GET/DELETE with a body in the catalogue",
                op.name
            );
        }
        assert_eq!(
            op.deprecated.is_some(),
            stderr.contains("is deprecated"),
            "{}: {stderr}",
            op.name
        );
        if let Some(d) = &op.deprecated {
            for r in d.replacements {
                assert!(stderr.contains(r), "{}: the warning names {r}", op.name);
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 392);
}

#[test]
fn body_fields_of_every_type_are_checked() {
    // Sanity of the invocation builder itself: it exercises both separators.
    let op = catalogue::find("createNamedTokenForCurrentUser").unwrap();
    let inv = invocation(op);
    assert!(inv.args.iter().any(|a| a.starts_with("name==")));
    assert!(inv.args.iter().any(|a| a.starts_with("usageLimit:=")));
    assert!(matches!(
        catalogue::resolve(&op.body.as_ref().unwrap().schema),
        Schema::Object(_)
    ));
}
