//! The man pages, one per command: each committed copy is what `<command>
//! man` prints, renders without a single groff warning, and has every
//! section.
//!
//! Without groff the rendering tests skip with a message, except under CI
//! (`CI` set), where they fail: `scripts/test` installs groff-base and man-db.

mod common;

use common::{bounded, installed, skip};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Each command, its binary, and a few things its page must show.
const COMMANDS: &[(&str, &str, &[&str])] = &[
    (
        "onezone-rest-cli",
        env!("CARGO_BIN_EXE_onezone-rest-cli"),
        &[
            "createSpaceSupportToken",
            "POST /spaces/{id}/providers/token",
            "ONEZONE_API_KEY",
            "ONEDATA_ZONE",
            "joinGroup token==",
            "-ct",
        ],
    ),
    (
        "oneprovider-rest-cli",
        env!("CARGO_BIN_EXE_oneprovider-rest-cli"),
        &[
            "downloadFileContent",
            "GET /data/{id}/content",
            "ONEPROVIDER_API_KEY",
            "ONEDATA_PROVIDER",
            "ONEDATA_API_KEY",
            "--upload-file",
        ],
    ),
    (
        "onepanel-rest-cli",
        env!("CARGO_BIN_EXE_onepanel-rest-cli"),
        &[
            "supportSpace",
            "POST /provider/spaces",
            "ONEPANEL_BASIC_AUTH",
            "ONEPANEL_API_KEY",
            "--wait",
            "9443",
        ],
    ),
];
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

fn page_path(command: &str) -> std::path::PathBuf {
    Path::new(ROOT).join(format!("man/{command}.1"))
}

#[test]
fn committed_pages_are_what_the_binaries_print() {
    for (command, bin, _) in COMMANDS {
        let out = run(Command::new(bin).arg("man"));
        assert!(out.status.success(), "{out:?}");
        let path = page_path(command);
        if std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &out.stdout).expect("write the page");
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "man/{command}.1 is not what `{command} man` prints. Regenerate it with\n  \
             UPDATE_EXPECT=1 cargo test --test man --test completions\n\
             (or `cargo run --bin {command} -- man > man/{command}.1`) and commit it."
        );
    }
}

#[test]
fn groff_renders_it_without_warnings() {
    if !have("groff", "groff-base") {
        return;
    }
    for (command, _, _) in COMMANDS {
        for device in ["ps", "utf8", "ascii"] {
            let out = run(Command::new("groff")
                .args(["-ww", "-z", "-man", "-T", device])
                .arg(page_path(command)));
            let warnings = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && warnings.trim().is_empty(),
                "groff -T{device} warns about man/{command}.1:\n{warnings}"
            );
        }
    }
}

#[test]
fn man_shows_every_section_within_80_columns() {
    if !have("man", "man-db") {
        return;
    }
    for (command, _, needles) in COMMANDS {
        page_shows_every_section(command, needles);
    }
}

fn page_shows_every_section(command: &str, needles: &[&str]) {
    let out = run(Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(page_path(command))
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
            .unwrap_or_else(|| panic!("{command}: no section {section} (in order) in:\n{text}"));
        at += text[at..]
            .lines()
            .take(found + 1)
            .map(|l| l.len() + 1)
            .sum::<usize>();
    }
    for needle in needles {
        assert!(
            text.contains(needle),
            "{needle} is not on the page of {command}"
        );
    }
    let wide: Vec<&str> = text.lines().filter(|l| l.chars().count() > 80).collect();
    assert!(
        wide.is_empty(),
        "{command}: lines wider than 80 columns:\n{}",
        wide.join("\n")
    );
}
