//! The man page: the committed copy is what `onezone-rest-cli man` prints,
//! it renders without a single groff warning, and it has every section.
//!
//! Without groff the rendering tests skip with a message, except under CI
//! (`CI` set), where they fail: `scripts/test` installs groff-base and man-db.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_onezone-rest-cli");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PAGE: &str = "man/onezone-rest-cli.1";
const TIMEOUT: Duration = Duration::from_secs(60);

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn have(tool: &str, package: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            !in_ci(),
            "{tool} is not installed, and CI must check the man page with it \
             (scripts/test installs it: apt-get install {package})"
        );
        eprintln!("SKIPPED: {tool} is not installed; the man page was not rendered");
    }
    found
}

/// Runs `cmd`, killed after `TIMEOUT`.
fn run(cmd: &mut Command) -> Output {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stderr.read_to_end(&mut b);
        b
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() < TIMEOUT => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("timed out after {TIMEOUT:?}: {what}");
            }
        }
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
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
