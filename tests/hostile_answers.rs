//! Answers of a hostile server (issue 14), from the fake Onezone's
//! `body:TYPE:PATH` and `created:LOCATION` faults:
//!
//! 1. on a terminal (a pty from `script`), nothing the server sent drives
//!    it, in any format but `-o raw`; to a pipe the bytes pass as received;
//!    `-o token` refuses a token that is not printable ASCII;
//! 2. `-o table` of answers with thousands of fields or items stays small,
//!    and says what it left out;
//! 3. a 10 MB answer prints in every format (the memory figures are in
//!    docs/robustness.md; `a_10_mb_body_streams_in_bounded_memory` in
//!    tests/faults.rs measures the streaming formats);
//! 4. an invalid JSON answer fails alike in every format.

mod common;

use common::{bin, installed, isolate, run_bounded, scratch, skip, Run, TIMEOUT};
use fake_onezone::{FakeZone, Fault, ADMIN_TOKEN};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_onezone-rest-cli");
/// The 10 MB runs take longer than one call.
const LONG: Duration = Duration::from_secs(120);

/// A fake whose every answer is `body`, typed `content_type` (none:
/// untyped); and the directory of the body's file.
fn serving(content_type: Option<&str>, body: &[u8]) -> (FakeZone, PathBuf) {
    let dir = scratch("hostile");
    let path = dir.join("body");
    std::fs::write(&path, body).expect("write the body");
    let zone = FakeZone::start().expect("fake");
    zone.set_fault(Some(Fault::BodyFile(content_type.map(str::to_owned), path)));
    (zone, dir)
}

/// The binary against `zone`, stdout and stderr piped.
fn piped(zone: &FakeZone, args: &[&str], limit: Duration) -> Run {
    let mut c = bin();
    c.env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", ADMIN_TOKEN)
        .args(args);
    run_bounded(&mut c, None, limit)
}

/// The binary against `zone` with every stream on a pty (`script`): its
/// exit code and what the terminal got (the pty's `\r\n` as `\n`). `None`
/// when `script` is not installed.
fn on_a_terminal(zone: &FakeZone, args: &[&str]) -> Option<(Option<i32>, String)> {
    if !installed("script") {
        skip("script (util-linux) is not installed; the terminal was not checked");
        return None;
    }
    let line = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(|a| shlex::try_quote(a).expect("quotable").into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let mut c = std::process::Command::new("script");
    isolate(&mut c)
        .args(["-qec", &line, "/dev/null"])
        .env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", ADMIN_TOKEN)
        .env("TERM", "xterm")
        // Our own colours are escape sequences too; the unit tests check
        // that they change no text.
        .env("NO_COLOR", "1");
    let r = run_bounded(&mut c, None, TIMEOUT);
    Some((r.code, r.out().replace("\r\n", "\n")))
}

/// A character that can drive or disguise what a terminal shows: a C0
/// control but `\n` and `\t`, DEL, a C1 control, a bidi override or isolate.
fn drives_the_terminal(screen: &str) -> bool {
    screen.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

/// A title change, a screen clear, colours, an 8-bit CSI, a right-to-left
/// override and DEL.
const HOSTILE_TEXT: &[u8] =
    b"ok\n\x1b]0;pwned\x07\x1b[2J\x1b[31mred\xc2\x9b31m\xe2\x80\xaetxt.exe\x7f\n";

#[test]
fn text_answers_reach_a_terminal_escaped_and_a_pipe_as_received() {
    for content_type in [Some("text/plain"), None] {
        let (zone, dir) = serving(content_type, HOSTILE_TEXT);
        for format in [
            &[][..],
            &["-o", "json"],
            &["-o", "pretty"],
            &["-o", "table"],
        ] {
            let args = [format, &["getCurrentUser"]].concat();
            let Some((code, screen)) = on_a_terminal(&zone, &args) else {
                return;
            };
            assert_eq!(code, Some(0), "{content_type:?} {args:?}: {screen}");
            assert!(
                !drives_the_terminal(&screen),
                "{content_type:?} {args:?}: {screen:?}"
            );
            assert!(
                screen.contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[2J") && screen.contains("\\u{202e}"),
                "{content_type:?} {args:?}: {screen:?}"
            );
            let r = piped(&zone, &args, TIMEOUT);
            assert_eq!(r.code, Some(0), "{r}");
            assert_eq!(r.stdout, HOSTILE_TEXT, "{content_type:?} {args:?}");
        }
        // -o raw is the way to get the bytes as received, on a terminal too.
        let Some((code, screen)) = on_a_terminal(&zone, &["-o", "raw", "getCurrentUser"]) else {
            return;
        };
        assert_eq!(code, Some(0), "{screen}");
        assert!(screen.contains("\x1b]0;pwned"), "{screen:?}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn json_strings_reach_a_terminal_escaped_and_stay_json() {
    // Characters JSON lets stand unescaped in a string.
    let body =
        "{\"name\": \"a\u{9b}31m\u{202e}\u{7f}b\", \"list\": [{\"k\u{85}\": \"v\u{2066}\"}]}";
    let value: Value = serde_json::from_str(body).expect("JSON");
    let (zone, dir) = serving(Some("application/json"), body.as_bytes());
    for format in [
        &[][..],
        &["-o", "json"],
        &["-o", "pretty"],
        &["-o", "table"],
    ] {
        let args = [format, &["getCurrentUser"]].concat();
        let Some((code, screen)) = on_a_terminal(&zone, &args) else {
            return;
        };
        assert_eq!(code, Some(0), "{args:?}: {screen}");
        assert!(!drives_the_terminal(&screen), "{args:?}: {screen:?}");
        if format != ["-o", "table"] {
            // Escaped as JSON escapes: the same document.
            assert!(
                screen.contains(r"\u009b31m\u202e\u007fb"),
                "{args:?}: {screen}"
            );
            let shown: Value = serde_json::from_str(&screen).expect("JSON on the terminal");
            assert_eq!(shown, value, "{args:?}");
        }
        // To a pipe, the characters as received (a table, for reading, is
        // escaped wherever it goes).
        let r = piped(&zone, &args, TIMEOUT);
        assert_eq!(r.code, Some(0), "{r}");
        let raw = r.out().contains("a\u{9b}31m\u{202e}\u{7f}b");
        assert_eq!(raw, format != ["-o", "table"], "{args:?}: {r}");
    }
    let Some((_, screen)) = on_a_terminal(&zone, &["-o", "raw", "getCurrentUser"]) else {
        return;
    };
    assert!(screen.contains('\u{202e}'), "{screen:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_id_of_a_created_resource_is_escaped_on_a_terminal() {
    let zone = FakeZone::start().expect("fake");
    zone.set_fault(Some(Fault::Created(format!(
        "{}/groups/g%1B%5D0%3Bpwned%07%C2%9B31m%E2%80%AE",
        zone.api_url()
    ))));
    let id = "g\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e}";
    for format in [&[][..], &["-o", "json"], &["-o", "table"]] {
        let args = [format, &["createGroup", "name==g"]].concat();
        let Some((code, screen)) = on_a_terminal(&zone, &args) else {
            return;
        };
        assert_eq!(code, Some(0), "{args:?}: {screen}");
        assert!(!drives_the_terminal(&screen), "{args:?}: {screen:?}");
        if format != ["-o", "table"] {
            let shown: Value = serde_json::from_str(&screen).expect("JSON on the terminal");
            assert_eq!(shown["id"], id, "{args:?}");
        }
    }
    let r = piped(&zone, &["createGroup", "name==g"], TIMEOUT);
    assert_eq!(r.code, Some(0), "{r}");
    assert_eq!(r.json()["id"], id);
}

#[test]
fn a_token_that_is_not_printable_ascii_is_refused() {
    let (zone, dir) = serving(
        Some("application/json"),
        br#"{"token": "MDAx\u001b]0;pwned\u0007", "ttl": 60}"#,
    );
    let args = ["-o", "token", "getCurrentUser"];
    let r = piped(&zone, &args, TIMEOUT);
    assert_eq!(r.code, Some(1), "{r}");
    assert!(r.stdout.is_empty(), "{r}");
    assert!(
        r.stderr.starts_with(
            "error: -o token: the token in the answer is not printable ASCII \
             (it holds spaces, control or other characters: MDAx\\u{1b}]0;pwned\\u{7}); \
             nothing was printed"
        ),
        "{r}"
    );
    let Some((code, screen)) = on_a_terminal(&zone, &args) else {
        return;
    };
    assert_eq!(code, Some(1), "{screen}");
    assert!(!drives_the_terminal(&screen), "{screen:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn tables_of_thousands_of_fields_are_capped_and_say_so() {
    // Each object with a key of its own: 4,000 columns of 4,000 rows once
    // took gigabytes; -m did not stop it.
    let items: Vec<String> = (0..4000).map(|i| format!(r#"{{"key{i}": {i}}}"#)).collect();
    let (zone, dir) = serving(
        Some("application/json"),
        format!("[{}]", items.join(",")).as_bytes(),
    );
    let r = piped(
        &zone,
        &["-m", "30", "-o", "table", "getCurrentUser"],
        TIMEOUT,
    );
    assert_eq!(r.code, Some(0), "{r}");
    let out = r.out();
    assert!(
        out.contains("\n… 3,950 more columns not shown (limit 50); use -o json\n"),
        "{}",
        &out[out.len().saturating_sub(300)..]
    );
    assert!(
        out.ends_with(
            "\n… 3,575 more rows not shown (a table shows at most 20,000 cells); use -o json\n"
        ),
        "{}",
        &out[out.len().saturating_sub(300)..]
    );
    assert!(out.len() < 4 << 20, "{} bytes", out.len());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_10_mb_answer_prints_in_every_format() {
    let zeros = format!("[{}0]", "0,".repeat(5_000_000 - 1));
    let (zone, dir) = serving(Some("application/json"), zeros.as_bytes());
    for format in ["json", "pretty", "table", "raw"] {
        let r = piped(&zone, &["-o", format, "getCurrentUser"], LONG);
        assert_eq!(r.code, Some(0), "-o {format}: {}", r.stderr);
        match format {
            "raw" => assert_eq!(r.stdout, zeros.as_bytes()),
            "json" => assert_eq!(r.stdout.len(), zeros.len() + 1),
            "pretty" => assert_eq!(r.stdout.iter().filter(|b| **b == b'\n').count(), 5_000_002),
            _ => assert!(
                r.out().ends_with(
                    "\n… 4,980,000 more rows not shown (a table shows at most 20,000 cells); use -o json\n"
                ),
                "-o table"
            ),
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn invalid_json_fails_alike_in_every_format() {
    // Bytes that are not UTF-8 in a string, and a lone surrogate: -o json
    // once printed both and exited 0.
    for body in [
        &b"{\"token\": \"MD\xffAx\"}"[..],
        br#"{"token": "MDAx\ud800"}"#,
    ] {
        let (zone, dir) = serving(Some("application/json"), body);
        let mut errors = Vec::new();
        for format in [
            &[][..],
            &["-o", "json"],
            &["-o", "pretty"],
            &["-o", "table"],
            &["-o", "token"],
        ] {
            let args = [format, &["getCurrentUser"]].concat();
            let r = piped(&zone, &args, TIMEOUT);
            assert_eq!(r.code, Some(1), "{args:?}: {r}");
            assert!(r.stdout.is_empty(), "{args:?}: {r}");
            errors.push(r.stderr);
        }
        assert!(
            errors[0].starts_with("error: the answer is not valid JSON: "),
            "{}",
            errors[0]
        );
        assert!(errors.iter().all(|e| *e == errors[0]), "{errors:#?}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn the_time_limit_bounds_the_printing_too() {
    // A table of 20,000 cells of 100 characters (2 MB, more than stdout's
    // buffer and the pipe's), its answer quick to read; stdout is not read
    // for 3 s, so the printing passes `-m 1`.
    let cell = format!("\"{}\"", "x".repeat(100));
    let list = format!("[{}]", vec![cell; 20_000].join(","));
    let (zone, dir) = serving(Some("application/json"), list.as_bytes());
    let mut c = bin();
    c.env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", ADMIN_TOKEN)
        .args(["-m", "1", "-o", "table", "getCurrentUser"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("the binary runs");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Read;
        std::thread::sleep(Duration::from_secs(3));
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        let mut err = String::new();
        let _ = stderr.read_to_string(&mut err);
        let _ = tx.send((out, err));
    });
    let Ok((out, err)) = rx.recv_timeout(TIMEOUT) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the binary did not stop within {TIMEOUT:?}");
    };
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(6), "{err}");
    assert!(
        err.starts_with(
            "error: printing the answer did not end within the time limit (-m); \
             it was stopped, and stdout has at most part of it"
        ),
        "{err}"
    );
    // Stopped before its last write: the table's final newline.
    assert!(!out.ends_with(b"\n"), "{} bytes", out.len());
    let _ = std::fs::remove_dir_all(dir);
}
