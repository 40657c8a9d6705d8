//! Values the server would accept, sent as the schema types them: the
//! fake Onezone receives `true`/`false` and integers where `==` gave the
//! text of one to a boolean or integer field (Onezone's sanitizer reads
//! those texts so), the parameter where `id==x` named a path parameter of
//! an operation without a body, and no body where one is piped without
//! the `-` that reads it (with a warning).

mod common;

use common::{cli, run, run_cmd, Run};
use fake_onezone::{FakeZone, Recorded, ADMIN_TOKEN};
use serde_json::{json, Value};

/// The last request the fake got, with what the client printed.
fn last(zone: &FakeZone, r: &Run) -> Recorded {
    assert_eq!(r.code, Some(0), "{r}");
    let rec = zone.requests().pop().expect("a request");
    assert!(rec.problems.is_empty(), "{:?}", rec.problems);
    rec
}

fn new_space(zone: &FakeZone) -> String {
    let r = run(
        &zone.url(),
        Some(ADMIN_TOKEN),
        &["createSpace", "name==demo"],
    );
    r.json()["id"].as_str().expect("an id").to_owned()
}

#[test]
fn a_boolean_given_as_text_arrives_as_a_boolean() {
    let zone = FakeZone::start().unwrap();
    let space = new_space(&zone);
    let id = format!("id={space}");
    for (text, sent) in [("false", false), ("true", true)] {
        let item = format!("advertisedInMarketplace=={text}");
        let r = run(&zone.url(), Some(ADMIN_TOKEN), &["modifySpace", &id, &item]);
        let rec = last(&zone, &r);
        assert_eq!(rec.operation, Some("modifySpace"));
        assert_eq!(rec.json(), Some(json!({"advertisedInMarketplace": sent})));
    }
    // Another text is refused with the fix, and nothing is sent.
    zone.clear_requests();
    let r = run(
        &zone.url(),
        Some(ADMIN_TOKEN),
        &["modifySpace", &id, "advertisedInMarketplace==yes"],
    );
    assert_eq!(r.code, Some(2), "{r}");
    assert!(r.stderr.contains("advertisedInMarketplace:="), "{r}");
    assert!(zone.requests().is_empty());
    // --force sends the text as given.
    let r = run(
        &zone.url(),
        Some(ADMIN_TOKEN),
        &[
            "--force",
            "modifySpace",
            &id,
            "advertisedInMarketplace==false",
        ],
    );
    assert!(r.code.is_some(), "{r}");
    let rec = zone.requests().pop().expect("a request");
    assert_eq!(
        rec.json(),
        Some(json!({"advertisedInMarketplace": "false"}))
    );
}

#[test]
fn an_integer_given_as_text_arrives_as_an_integer() {
    let zone = FakeZone::start().unwrap();
    let r = run(
        &zone.url(),
        Some(ADMIN_TOKEN),
        &[
            "createNamedTokenForCurrentUser",
            "name==t1",
            "type[accessToken]:={}",
            "usageLimit==3",
            "caveats[0][type]==time",
            "caveats[0][validUntil]==4102444800",
        ],
    );
    let rec = last(&zone, &r);
    let body = rec.json().expect("a JSON body");
    assert_eq!(body["usageLimit"], json!(3), "{body}");
    assert_eq!(
        body["caveats"][0]["validUntil"],
        json!(4_102_444_800_i64),
        "{body}"
    );
    // An integer or "infinity": infinity stays text.
    let r = run(
        &zone.url(),
        Some(ADMIN_TOKEN),
        &[
            "createNamedTokenForCurrentUser",
            "name==t2",
            "type[accessToken]:={}",
            "usageLimit==infinity",
        ],
    );
    let body = last(&zone, &r).json().expect("a JSON body");
    assert_eq!(body["usageLimit"], json!("infinity"), "{body}");
}

#[test]
fn a_path_parameter_given_as_a_field_of_a_get_is_the_parameter() {
    let zone = FakeZone::start().unwrap();
    let space = new_space(&zone);
    let item = format!("id=={space}");
    let r = run(&zone.url(), Some(ADMIN_TOKEN), &["getSpace", &item]);
    let rec = last(&zone, &r);
    assert_eq!(rec.operation, Some("getSpace"));
    assert_eq!(rec.path, format!("/api/v3/onezone/spaces/{space}"));
    assert!(rec.body.is_empty());
    assert_eq!(r.json()["spaceId"], Value::String(space), "{r}");
}

#[test]
fn a_body_piped_without_the_dash_is_not_read_and_warned_about() {
    let zone = FakeZone::start().unwrap();
    let space = new_space(&zone);
    let id = format!("id={space}");
    let piped = r#"{"name": "piped"}"#;
    let mut c = cli();
    c.env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", ADMIN_TOKEN)
        .args(["modifySpace", &id, "name==given"]);
    // Items are given: stdin is not looked at.
    let r = run_cmd(c, Some(piped));
    assert!(!r.stderr.contains("warning"), "{r}");
    assert_eq!(last(&zone, &r).json(), Some(json!({"name": "given"})));
    for silent in [false, true] {
        let mut c = cli();
        c.env("ONEZONE_HOST", zone.url())
            .env("ONEZONE_API_KEY", ADMIN_TOKEN);
        if silent {
            c.arg("-s");
        }
        c.args(["modifySpace", &id]);
        let r = run_cmd(c, Some(piped));
        let rec = last(&zone, &r);
        // The body is required and has no required field: an empty one.
        assert_eq!(rec.json(), Some(json!({})), "{r}");
        let warned = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning: standard input is"))
            .collect::<Vec<_>>();
        if silent {
            assert!(warned.is_empty(), "{r}");
        } else {
            assert_eq!(warned.len(), 1, "{r}");
            assert!(
                warned[0].ends_with(&format!("modifySpace id={space} -")),
                "{r}"
            );
        }
    }
}
