//! Many items (issue 14, rule 7, the items' half): the checks that an item
//! is given once are look-ups, not scans of the items before it, so
//! 100,000 header items, or 100,000 body items over a body from stdin
//! that has each field already, are built in a second or two (the scans
//! took minutes). The limit is generous against a loaded machine; the
//! quadratic checks cannot meet it.

mod common;

use common::{bin, run_bounded, Run};
use onezone_rest_cli::exit;
use std::time::Duration;

const N: usize = 100_000;
/// Far more than the near-linear checks need, far less than the scans.
const LIMIT: Duration = Duration::from_secs(30);

fn dry_run(args: Vec<String>, stdin: Option<&[u8]>) -> Run {
    let mut c = bin();
    c.args(["--host", "http://127.0.0.1:1", "--dry-run"])
        .args(args);
    run_bounded(&mut c, stdin, LIMIT)
}

#[test]
fn a_hundred_thousand_header_items() {
    let items = (0..N).map(|i| format!("H{i}:v"));
    let r = dry_run(
        std::iter::once("getCurrentUser".to_owned())
            .chain(items)
            .collect(),
        None,
    );
    assert_eq!(r.code, Some(i32::from(exit::OK)), "{}", r.stderr);
    let out = r.out();
    assert!(
        out.contains("-H 'H0: v'") && out.contains(&format!("-H 'H{}: v'", N - 1)),
        "the first and the last header are sent"
    );
    // Names differ in case only: still given twice, found at the end.
    let items = (0..N).map(|i| format!("H{i}:v")).chain(["h0:w".to_owned()]);
    let r = dry_run(
        std::iter::once("getCurrentUser".to_owned())
            .chain(items)
            .collect(),
        None,
    );
    assert_eq!(r.code, Some(i32::from(exit::USAGE)), "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("error: item \"h0:w\": the header h0 is given twice; give it once"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_hundred_thousand_body_items_over_the_body_from_stdin() {
    let stdin: serde_json::Map<String, serde_json::Value> =
        (0..N).map(|i| (format!("f{i}"), 1.into())).collect();
    let stdin = serde_json::Value::Object(stdin).to_string();
    let items = (0..N).map(|i| format!("f{i}==v"));
    let r = dry_run(
        ["--force", "createGroup", "-"]
            .into_iter()
            .map(str::to_owned)
            .chain(items)
            .collect(),
        Some(stdin.as_bytes()),
    );
    assert_eq!(r.code, Some(i32::from(exit::OK)), "{}", r.stderr);
    assert!(
        r.out().contains(&format!("\"f{}\":\"v\"", N - 1)),
        "the items win"
    );
}

/// A large JSON body from stdin (issue 14, rule 7, the body's half) is
/// checked as it is read, element by element, and sent as given: the same
/// problems as a small one, found at their place, and a valid one goes out
/// byte for byte.
#[test]
fn a_large_body_from_stdin_is_checked_as_it_is_read() {
    let n = 200_000;
    let mut grant: Vec<&str> = vec!["space_view"; n];
    grant[n - 7] = "space_veiw";
    let bad = serde_json::json!({ "grant": grant, "revoke": [] }).to_string();
    assert!(bad.len() > onezone_rest_cli::request::STREAM_CHECK_FROM);
    let args = |extra: &[&str]| -> Vec<String> {
        ["updateUserSpacePrivileges", "id=s", "uid=u", "-"]
            .iter()
            .chain(extra)
            .map(|s| (*s).to_owned())
            .collect()
    };
    let r = dry_run(args(&[]), Some(bad.as_bytes()));
    assert_eq!(r.code, Some(i32::from(exit::USAGE)), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("grant[{}]", n - 7)) && r.stderr.contains("\"space_veiw\""),
        "{}",
        r.stderr
    );
    let good = bad.replace("space_veiw", "space_view");
    let r = dry_run(args(&[]), Some(good.as_bytes()));
    assert_eq!(r.code, Some(i32::from(exit::OK)), "{}", r.stderr);
    assert!(r.out().contains(&good), "sent as given");
    // Not JSON: where it breaks.
    let broken = format!("{}]", &good[..good.len() - 1]);
    let r = dry_run(args(&[]), Some(broken.as_bytes()));
    assert_eq!(r.code, Some(i32::from(exit::USAGE)), "{}", r.stderr);
    assert!(
        r.stderr.contains("is not valid JSON (line 1 column"),
        "{}",
        r.stderr
    );
}
