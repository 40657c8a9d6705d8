//! Aliases: the names the documentation's examples and earlier releases use
//! for an operation run it, with a note on stderr; `--help`, the man page
//! and completion show them as "also accepted".

mod common;

use common::{command_of, run_bounded, Run};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

/// `command` with its host (and a token or a passphrase) set.
fn run(command: &str, args: &[&str]) -> Run {
    let mut c = command_of(command);
    match command {
        "onezone-rest-cli" => c
            .env("ONEZONE_HOST", "zone.test")
            .env("ONEZONE_API_KEY", "t"),
        "oneprovider-rest-cli" => c
            .env("ONEPROVIDER_HOST", "provider.test")
            .env("ONEPROVIDER_API_KEY", "t"),
        _ => c
            .env("ONEPANEL_HOST", "panel.test")
            .env("ONEPANEL_BASIC_AUTH", "onepanel:p"),
    };
    c.args(args);
    run_bounded(&mut c, None, LIMIT)
}

fn note(alias: &str, name: &str) -> String {
    format!("note: {alias} is an old name of {name}; use {name}\n")
}

/// The alias's dry-run is the real operation's, with the note.
fn same_request(command: &str, alias: &str, name: &str, items: &[&str]) {
    let with = |op: &str| {
        let mut args = vec!["--dry-run", op];
        args.extend(items);
        run(command, &args)
    };
    let (a, real) = (with(alias), with(name));
    assert_eq!(a.code, Some(0), "{alias}: {a}");
    assert_eq!(real.code, Some(0), "{name}: {real}");
    assert_eq!(a.out(), real.out(), "{alias}");
    assert!(a.stderr.starts_with(&note(alias, name)), "{alias}: {a}");
    assert!(!real.stderr.contains("old name"), "{name}: {real}");
}

#[test]
fn documented_and_old_names_build_the_real_request() {
    for (alias, name, items) in [
        ("listUsers", "ozUsersList", &[][..]),
        ("getUserSpaces", "listUserSpaces", &[]),
        (
            "getSpaceProviderToken",
            "createSpaceSupportToken",
            &["id=s1"],
        ),
        ("modifyUser", "modifyCurrentUser", &["fullName==Ann"]),
        ("createGroupForUser", "createUserGroup", &["name==g1"]),
        (
            "registerHandle",
            "handleServiceRegisterHandle",
            &["--force"],
        ),
    ] {
        same_request("onezone-rest-cli", alias, name, items);
    }
    let r = run("onezone-rest-cli", &["--dry-run", "listUsers"]);
    assert!(
        r.out()
            .starts_with("curl -X GET https://zone.test/api/v3/onezone/users "),
        "{r}"
    );
    same_request("onepanel-rest-cli", "getHostname", "getNode", &[]);
    same_request(
        "oneprovider-rest-cli",
        "streamSpaceChanges",
        "getSpaceChanges",
        &["sid=s1"],
    );
}

#[test]
fn silent_drops_the_note() {
    let r = run("onezone-rest-cli", &["-s", "--dry-run", "listUsers"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(r.out().contains("/api/v3/onezone/users"), "{r}");
    assert!(!r.stderr.contains("note:"), "{r}");
}

#[test]
fn an_alias_of_an_absent_operation_names_the_real_one() {
    // authorizeUser (3.0.0-beta6: authenticateUser) exists in 19.02.5 only.
    let r = run("onezone-rest-cli", &["--dry-run", "authenticateUser"]);
    assert_eq!(r.code, Some(2), "{r}");
    assert!(
        r.stderr
            .contains(&note("authenticateUser", "authorizeUser")),
        "{r}"
    );
    assert!(
        r.stderr
            .contains("error: authorizeUser exists in Onezone 19.02.5"),
        "{r}"
    );
    assert!(r.out().is_empty(), "{r}");
    // listSpaces (getSpaces) is ozSpacesList before 21.02.1.
    let r = run(
        "onezone-rest-cli",
        &["--api-version", "20.02.20", "--dry-run", "getSpaces"],
    );
    assert_eq!(r.code, Some(2), "{r}");
    assert!(r.stderr.contains("error: listSpaces "), "{r}");
    assert!(r.stderr.contains("ozSpacesList"), "{r}");
    // In 19.02.5 it runs.
    let r = run(
        "onezone-rest-cli",
        &[
            "--api-version",
            "19.02.5",
            "--dry-run",
            "authenticateUser",
            "--force",
        ],
    );
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.out()
            .contains("-X POST https://zone.test/api/v3/onezone/user/authorize"),
        "{r}"
    );
}

#[test]
fn a_typo_of_an_alias_is_suggested_as_its_operation() {
    let r = run("onezone-rest-cli", &["createGroupForUsr"]);
    assert_eq!(r.code, Some(2), "{r}");
    assert!(r.stderr.contains("did you mean: createUserGroup"), "{r}");
}

#[test]
fn help_and_man_say_also_accepted() {
    let r = run("onezone-rest-cli", &["--help", "ozUsersList"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(r.out().contains("\n  also accepted: listUsers\n"), "{r}");
    let r = run("onezone-rest-cli", &["--help", "listUserSpaces"]);
    assert!(r.out().contains("also accepted: getUserSpaces"), "{r}");
    // The list of operations shows real names only.
    let r = run("onezone-rest-cli", &["--help"]);
    assert!(!r.out().contains("getSpaceProviderToken"), "{r}");
    assert!(!r.out().contains("also accepted"), "{r}");
    let r = run("onezone-rest-cli", &["man"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(r.out().contains("Also accepted: listUsers."), "{r}");
}

/// The fish protocol's candidates: `(word, description)`.
fn candidates(words: &[&str]) -> Vec<(String, String)> {
    let mut args = vec![
        "completions",
        "fish",
        "--complete",
        "--",
        "onezone-rest-cli",
    ];
    args.extend(words);
    let r = run("onezone-rest-cli", &args);
    assert_eq!(r.code, Some(0), "{r}");
    r.out()
        .lines()
        .skip(1)
        .map(|l| {
            let (w, d) = l.split_once('\t').unwrap_or((l, ""));
            (w.to_owned(), d.to_owned())
        })
        .collect()
}

#[test]
fn completion_offers_an_alias_only_where_no_operation_fits() {
    let c = candidates(&["modifyUs"]);
    assert!(
        c.contains(&(
            "modifyUser".to_owned(),
            "also accepted for modifyCurrentUser".to_owned()
        )),
        "{c:?}"
    );
    // `listU` starts real names (listUserGroups, …): no alias.
    let c = candidates(&["listU"]);
    assert!(c.iter().any(|(w, _)| w == "listUserGroups"), "{c:?}");
    assert!(
        !c.iter().any(|(_, d)| d.starts_with("also accepted")),
        "{c:?}"
    );
    assert!(!candidates(&[""])
        .iter()
        .any(|(_, d)| d.starts_with("also accepted")));
}
