//! Every operation of the catalogue, invoked as a user would, with --dry-run:
//! the printed curl line carries the catalogue's method and path, the body
//! built from the items, and no secret.

use assert_cmd::Command;
use onezone_rest_cli::catalogue::{self, Operation, ParamIn, Schema};
use serde_json::Value;

const HOST: &str = "https://zone.test";
const SECRET: &str = "very-secret-token-1234";

struct Invocation {
    args: Vec<String>,
    stdin: Option<String>,
    path: String,
    body: Option<Value>,
}

/// A valid invocation of `op`, built from its catalogue entry.
fn invocation(op: &'static Operation) -> Invocation {
    let mut args = vec![op.name.to_owned()];
    let mut path = op.path.to_owned();
    for p in op.params.iter().filter(|p| p.location == ParamIn::Path) {
        let value = format!("v-{}", p.name);
        path = path.replace(&format!("{{{}}}", p.name), &value);
        args.push(format!("{}={value}", p.name));
    }
    let mut stdin = None;
    let body = op
        .body
        .as_ref()
        .map(|b| fake_onezone::sample_body(&b.schema));
    match (&body, op.body_object()) {
        (Some(Value::Object(fields)), Some(_)) => {
            for (name, value) in fields {
                match value {
                    Value::String(s) => args.push(format!("{name}=={s}")),
                    other => args.push(format!("{name}:={other}")),
                }
            }
        }
        (Some(other), _) => {
            args.push("-".into());
            stdin = Some(other.to_string());
        }
        (None, _) => {}
    }
    Invocation {
        args,
        stdin,
        path,
        body,
    }
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
        let mut cmd = Command::cargo_bin("onezone-rest-cli").unwrap();
        cmd.arg("--dry-run")
            .args(&inv.args)
            .env("ONEZONE_HOST", HOST)
            .env("ONEZONE_API_KEY", SECRET);
        cmd.env_remove("ONEZONE_BASIC_AUTH");
        if let Some(s) = &inv.stdin {
            cmd.write_stdin(s.clone());
        }
        let out = cmd
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
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
