//! Properties of the request pipeline, over generated values:
//! - any text reaches the JSON body unchanged through `name==value`;
//! - any path value survives percent-encoding: decoding what
//!   `request::build` put in the URL, after the URL parser `net::send` uses,
//!   gives the value back (and `.`/`..`, which no URL can carry, are refused);
//! - the `--dry-run` curl line, run by bash against the fake Onezone, sends
//!   the very request the tool sends itself: method, path, headers and body,
//!   byte for byte (64 cases: each runs the binary twice and curl once).

mod common;

use common::{bin, bounded, have_curl, new_request, replay};
use fake_onezone::{FakeZone, Recorded, ADMIN_TOKEN};
use onezone_rest_cli::catalogue::{Catalogue, Operation};
use onezone_rest_cli::request::{build, Options, Request};
use proptest::prelude::*;
use std::process::Command;
use std::time::Duration;

fn find(name: &str) -> Option<&'static Operation> {
    Catalogue::newest(onezone_rest_cli::release::service()).find(name)
}

fn options() -> Options {
    Options {
        base_url: "https://zone.test/api/v3/onezone".into(),
        ..Options::default()
    }
}

fn request(op: &str, args: &[String]) -> Result<Request, Vec<String>> {
    build(find(op).expect("operation"), args, &options(), || {
        Ok(vec![])
    })
    .map_err(|e| e.0)
}

/// How a user writes `text` as the value of `name==`: a value that starts
/// with `@` (a file) or with backslashes and `@` takes one more backslash.
fn body_item(name: &str, text: &str) -> String {
    escaped(name, "==", text, '@')
}

/// How a user writes `value` as a path parameter: a value that starts with
/// `=` (or backslashes and `=`) takes one more backslash.
fn param_item(name: &str, value: &str) -> String {
    escaped(name, "=", value, '=')
}

fn escaped(name: &str, sep: &str, text: &str, special: char) -> String {
    if text.trim_start_matches('\\').starts_with(special) {
        format!("{name}{sep}\\{text}")
    } else {
        format!("{name}{sep}{text}")
    }
}

/// Text as it can appear in argv: anything but NUL.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^\u{0}]{0,40}",
        // Grammar characters, more often than chance would give them.
        "[=:@\\\\\\[\\]{}\"' $`%/.a-z\u{e9}\u{1F600}\n\t-]{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn body_strings_round_trip(value in text()) {
        let req = request("createGroup", &[body_item("name", &value)])
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let body: serde_json::Value =
            serde_json::from_slice(req.body.as_deref().unwrap_or_default()).unwrap();
        prop_assert_eq!(body["name"].as_str(), Some(value.as_str()));
    }

    #[test]
    fn path_values_round_trip(value in text()) {
        let built = request("getGroup", &[param_item("id", &value)]);
        if value.is_empty() || value == "." || value == ".." {
            prop_assert!(built.is_err(), "{value:?} must be refused");
            return Ok(());
        }
        let req = built.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        // As net::send parses it.
        let url = url::Url::parse(&req.url).unwrap();
        let seg = url
            .path()
            .strip_prefix("/api/v3/onezone/groups/")
            .unwrap_or_else(|| panic!("{value:?} left the path: {url}"));
        prop_assert!(!seg.contains('/') && seg.is_ascii(), "{seg}");
        let decoded = percent_encoding::percent_decode_str(seg).decode_utf8().unwrap();
        prop_assert_eq!(decoded, value.as_str());
    }

    #[test]
    fn subpath_values_keep_their_slashes(parts in prop::collection::vec(text(), 1..4)) {
        let value = parts.join("/");
        let built = request("getSharedData", &["file_id=f".into(), param_item("subpath", &value)]);
        if value.is_empty() || value.split('/').any(|s| s == "." || s == "..") {
            prop_assert!(built.is_err(), "{value:?} must be refused");
            return Ok(());
        }
        let req = built.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let url = url::Url::parse(&req.url).unwrap();
        let rest = url.path().strip_prefix("/api/v3/onezone/shares/data/f/").unwrap();
        let decoded: Vec<String> = rest
            .split('/')
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8().unwrap().into_owned())
            .collect();
        prop_assert_eq!(decoded.join("/"), value);
    }
}

// ---- the curl line against the fake

/// The binary (in the environment of `common::cli`) with the admin's token.
fn oz() -> Command {
    let mut c = bin();
    c.env("ONEZONE_API_KEY", ADMIN_TOKEN);
    c
}

/// Runs `cmd`, killed after 20 s.
fn run(mut cmd: Command) -> std::process::Output {
    bounded(&mut cmd, None, Duration::from_secs(20))
}

/// The headers a request carries, lower-cased, except those curl and the
/// tool's HTTP library add of their own accord with other values.
fn headers(r: &Recorded) -> Vec<(String, String)> {
    let mut h: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .filter(|(n, _)| n != "host")
        .collect();
    h.sort();
    h
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_dry_run_line_replays_byte_for_byte(
        name in text(),
        id in "[^\u{0}/]{1,12}",
        note in "[ -~\u{e9}\u{1F600}]{0,20}",
        post in any::<bool>(),
    ) {
        prop_assume!(id != "." && id != "..");
        if !have_curl() {
            return Ok(());
        }
        let zone = FakeZone::start().unwrap();
        let args: Vec<String> = if post {
            vec!["createGroup".into(), body_item("name", &name), "type==team".into(), format!("X-Note: {note}")]
        } else {
            vec!["getGroup".into(), param_item("id", &id), format!("X-Note: {note}")]
        };
        // Trailing blanks of a header value are not kept by either side.
        let note_trimmed = note.trim();
        prop_assume!(!note_trimmed.is_empty());

        let mut dry = oz();
        dry.arg("--dry-run").args(&args).env("ONEZONE_HOST", zone.url());
        let out = run(dry);
        prop_assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8(out.stdout).unwrap();

        let before = zone.requests().len();
        let mut real = oz();
        real.args(&args).env("ONEZONE_HOST", zone.url());
        let out = run(real);
        let sent = new_request(&zone, before);
        // getGroup of an unknown id is a 404: the request is what matters.
        prop_assert!(out.status.code().is_some());

        let replayed = replay(&zone, &line);

        prop_assert_eq!(&replayed.method, &sent.method, "{}", line);
        prop_assert_eq!(&replayed.path, &sent.path, "{}", line);
        prop_assert_eq!(&replayed.body, &sent.body, "{}", line);
        prop_assert_eq!(headers(&replayed), headers(&sent), "{}", line);
    }
}
