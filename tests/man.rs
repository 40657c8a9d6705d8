//! The man page: the committed copy is what `onezone-rest-cli man` prints,
//! it renders without a single groff warning, and it has every section.
//!
//! Without groff the rendering tests skip with a message, except under CI
//! (`CI` set), where they fail: `scripts/test` installs groff-base and man-db.

mod common;

use common::{bounded, installed, skip};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_onezone-rest-cli");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PAGE: &str = "man/onezone-rest-cli.1";
const TIMEOUT: Duration = Duration::from_secs(60);

fn have(tool: &str, package: &str) -> bool {
    let found = installed(tool);
    if !found {
        skip(&format!(
            "{tool} is not installed (apt-get install {package}); \
             the man page was not rendered"
        ));
    }
    found
}

/// Runs `cmd`, killed after `TIMEOUT`.
fn run(cmd: &mut Command) -> Output {
    bounded(cmd, None, TIMEOUT)
}

fn page_path() -> std::path::PathBuf {
    Path::new(ROOT).join(PAGE)
}

#[test]
fn committed_page_is_what_the_binary_prints() {
    let out = run(Command::new(BIN).arg("man"));
    assert!(out.status.success(), "{out:?}");
    let path = page_path();
    if std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &out.stdout).expect("write the page");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == out.stdout,
        "{PAGE} is not what `onezone-rest-cli man` prints. Regenerate it with\n  \
         UPDATE_EXPECT=1 cargo test --test man --test completions\n\
         (or `cargo run -- man > {PAGE}`) and commit it."
    );
}

#[test]
fn groff_renders_it_without_warnings() {
    if !have("groff", "groff-base") {
        return;
    }
    for device in ["ps", "utf8", "ascii"] {
        let out = run(Command::new("groff")
            .args(["-ww", "-z", "-man", "-T", device])
            .arg(page_path()));
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && warnings.trim().is_empty(),
            "groff -T{device} warns about {PAGE}:\n{warnings}"
        );
    }
}

#[test]
fn man_shows_every_section_within_80_columns() {
    if !have("man", "man-db") {
        return;
    }
    let out = run(Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(page_path())
        .env("MANWIDTH", "80")
        .env("LC_ALL", "C.UTF-8")
        .env("MAN_KEEP_FORMATTING", ""));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    let mut at = 0;
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "REQUEST ITEMS",
        "GLOBAL OPTIONS",
        "COMMANDS",
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
        "EXAMPLES",
        "OPERATIONS",
        "SEE ALSO",
    ] {
        let found = text[at..]
            .lines()
            .position(|l| l == section)
            .unwrap_or_else(|| panic!("no section {section} (in order) in:\n{text}"));
        at += text[at..]
            .lines()
            .take(found + 1)
            .map(|l| l.len() + 1)
            .sum::<usize>();
    }
    for needle in [
        "createSpaceSupportToken",
        "POST /spaces/{id}/providers/token",
        "ONEZONE_API_KEY",
        "joinGroup token==",
        "-ct",
    ] {
        assert!(text.contains(needle), "{needle} is not on the page");
    }
    let wide: Vec<&str> = text.lines().filter(|l| l.chars().count() > 80).collect();
    assert!(
        wide.is_empty(),
        "lines wider than 80 columns:\n{}",
        wide.join("\n")
    );
}
