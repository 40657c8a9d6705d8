//! The curl options that scripts passed through the old clients, against
//! the fake: `-w`, `-d @file`, `-vvv … 2>&1 | grep -i location:`, `-f`,
//! repeated and stacked flags, extra quotes, `-X`, `-A`.

mod common;

use common::{cli, run, run_cmd, scratch};
use fake_onezone::{FakeZone, ADMIN_TOKEN};

fn zone() -> FakeZone {
    FakeZone::start().expect("the fake")
}

#[test]
fn write_out_prints_after_the_body_and_after_an_error() {
    let z = zone();
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &["-w", "%{http_code} %{content_type}\\n", "getCurrentUser"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let out = r.out();
    let (body, tail) = out.split_at(out.rfind('}').expect("a JSON body") + 1);
    assert!(body.contains("\"userId\""), "{out}");
    assert_eq!(tail, "\n200 application/json\n");
    // A chart's readiness check: the quotes its eval removed.
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &["-s", "-w", "'%{http_code}'", "getGroup", "id=nope"],
    );
    assert_eq!(r.code, Some(4));
    assert_eq!(r.out(), "404");
    // Unknown variables are refused before anything is sent.
    let before = z.requests().len();
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &["-w", "%{nope}", "getCurrentUser"],
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("%{http_code}"), "{}", r.stderr);
    assert_eq!(z.requests().len(), before);
}

#[test]
fn data_is_the_body_from_text_a_file_or_stdin() {
    let z = zone();
    let dir = scratch("curl-data");
    let file = dir.join("space.json");
    std::fs::write(&file, r#"{"name": "from-file"}"#).expect("write");
    let at = format!("@{}", file.display());
    for (args, stdin, name) in [
        (vec!["createSpace", "-d", at.as_str()], None, "from-file"),
        (
            vec!["createSpace", "--data-raw", r#"{"name":"raw"}"#],
            None,
            "raw",
        ),
        (
            vec!["createSpace", "--data-binary", "@-"],
            Some(r#"{"name":"stdin"}"#),
            "stdin",
        ),
        (
            vec!["-d", r#"'{"name":"quoted"}'"#, "createSpace"],
            None,
            "quoted",
        ),
    ] {
        let mut c = cli();
        c.env("ONEZONE_HOST", z.url())
            .env("ONEZONE_API_KEY", ADMIN_TOKEN)
            .args(&args);
        let r = run_cmd(c, stdin);
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
        let sent = z.requests().last().and_then(|q| q.json()).expect("a body");
        assert_eq!(sent["name"], name, "{args:?}");
    }
    // Checked against the schema like any body.
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &["createSpace", "-d", r#"{"name": 5}"#],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    // Twice, or with -: refused.
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &["createSpace", "-d", "{}", "--data-raw", "{}"],
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("given twice"), "{}", r.stderr);
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &["createSpace", "-d", "{}", "-"],
    );
    assert_eq!(r.code, Some(2));
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &["createSpace", "-d", "@/no/such/file"],
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("no such file"), "{}", r.stderr);
}

/// The tutorial step: `-vvv createSpace … 2>&1 | grep -i location:`.
#[test]
fn very_verbose_shows_the_location() {
    let z = zone();
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &["-vvv", "createSpace", "name==x"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("< location:")),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains(ADMIN_TOKEN),
        "the token leaked: {}",
        r.stderr
    );
}

#[test]
fn repeated_and_stacked_flags_behave_as_in_curl() {
    let z = zone();
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &[
            "-sS",
            "-k",
            "-k",
            "-f",
            "-L",
            "--compressed",
            "-m",
            "5",
            "-m",
            "'30'",
            "getCurrentUser",
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // -f: an HTTP error exits non-zero, as always.
    let r = run(&z.url(), Some(ADMIN_TOKEN), &["-f", "getGroup", "id=nope"]);
    assert_eq!(r.code, Some(4));
    // The last -u wins; -A and -e are headers; -X must be the method.
    let r = run(
        "https://zone.example.com",
        None,
        &[
            "--dry-run",
            "-u",
            "a:b",
            "-u",
            "c:d",
            "-A",
            "\"agent/1\"",
            "-e",
            "https://ref.example.com",
            "-X",
            "post",
            "createSpace",
            "name==x",
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let line = r.out();
    assert!(line.contains("-u 'c:<redacted>'"), "{line}");
    assert!(line.contains("-H 'User-Agent: agent/1'"), "{line}");
    assert!(
        line.contains("-H 'Referer: https://ref.example.com'"),
        "{line}"
    );
    let r = run(
        "https://zone.example.com",
        None,
        &["--dry-run", "-X", "GET", "createSpace", "name==x"],
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("createSpace is a POST"), "{}", r.stderr);
    let r = run(
        "https://zone.example.com",
        None,
        &["--dry-run", "-4", "-6", "getCurrentUser"],
    );
    assert_eq!(r.code, Some(2));
}

#[test]
fn quotes_left_in_a_header_are_refused_not_sent() {
    let z = zone();
    let before = z.requests().len();
    // One pair around the whole -H value is the old eval's, and goes.
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &["-H", "'X-Note: a'", "getCurrentUser"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        z.requests()
            .last()
            .and_then(|q| q.header("x-note").map(str::to_owned)),
        Some("a".to_owned())
    );
    // A quote inside the name, or an unmatched one in the value: refused.
    for h in ["'X-Note: a", "X-Note: a'", "\"X-Note\": a"] {
        let r = run(&z.url(), Some(ADMIN_TOKEN), &["-H", h, "getCurrentUser"]);
        assert_eq!(r.code, Some(2), "{h}: {}", r.stderr);
        assert!(r.stderr.contains("quote"), "{h}: {}", r.stderr);
    }
    // Request items are never unquoted.
    let r = run(
        &z.url(),
        Some(ADMIN_TOKEN),
        &["--dry-run", "createSpace", "name=='quoted'"],
    );
    let words = shlex::split(&r.out()).expect("shell words");
    assert!(
        words.contains(&r#"{"name":"'quoted'"}"#.to_owned()),
        "{}",
        r.out()
    );
    assert_eq!(z.requests().len(), before + 1);
}

#[test]
fn resolve_connects_to_the_given_address() {
    let z = zone();
    let port = z.port();
    let r = run(
        &format!("http://zone.invalid:{port}"),
        Some(ADMIN_TOKEN),
        &[
            "--resolve",
            &format!("zone.invalid:{port}:127.0.0.1"),
            "getCurrentUser",
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}
