//! The help of the five seed operations, as reviewed snapshots
//! (tests/snapshots/); `cargo insta review` updates them after a change.

use assert_cmd::Command;

fn help(args: &[&str]) -> String {
    help_of("onezone-rest-cli", args)
}

/// `cmd` without the developer's hosts and release cache, bounded.
fn isolated(cmd: &mut Command) -> &mut Command {
    cmd.env_remove("ONEZONE_HOST")
        .env_remove("ONEPROVIDER_HOST")
        .env_remove("ONEPANEL_HOST")
        .env_remove("ONEDATA_ZONE")
        .env_remove("ONEDATA_PROVIDER")
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("no-such-cache-dir"),
        )
        .timeout(std::time::Duration::from_secs(20))
}

/// The help that `command` prints for `args`, with the newest release.
fn help_of(command: &str, args: &[&str]) -> String {
    let out = isolated(Command::cargo_bin(command).unwrap().args(args))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn seed_operations() {
    for op in [
        "createSpaceUserInviteToken",
        "createChildGroupToken",
        "createSpaceSupportToken",
        "joinGroup",
        "createProviderRegistrationTokenForCurrentUser",
    ] {
        insta::assert_snapshot!(op, help(&[op, "--help"]));
    }
}

#[test]
fn help_before_or_after_the_operation_is_the_same() {
    assert_eq!(help(&["--help", "joinGroup"]), help(&["joinGroup", "-h"]));
}

#[test]
fn about() {
    insta::assert_snapshot!("about", help(&["--about"]));
}

/// The other commands: what they say of themselves, and the operations
/// that show what Onezone has not (query parameters, a streamed body and
/// answer, 206 and 302, YAML bodies, a 202 task).
#[test]
fn the_other_commands() {
    for (command, ops) in [
        (
            "oneprovider-rest-cli",
            &["createFile", "downloadFileContent", "listChildren"][..],
        ),
        (
            "onepanel-rest-cli",
            &["configureProvider", "supportSpace"][..],
        ),
    ] {
        insta::assert_snapshot!(format!("{command}_about"), help_of(command, &["--about"]));
        for op in ops {
            insta::assert_snapshot!(format!("{command}_{op}"), help_of(command, &[op, "--help"]));
        }
    }
}

#[test]
fn global_help_lists_every_operation_by_tag() {
    let text = help(&["--help"]);
    let zone = onezone_rest_cli::catalogue::Catalogue::newest(onezone_rest_cli::release::service());
    for op in zone.operations() {
        assert!(
            text.contains(&format!("  {}  ", op.name))
                || text.contains(&format!("  {}\n", op.name)),
            "{}",
            op.name
        );
    }
    for tag in zone.tags() {
        assert!(text.contains(&format!("\n {tag}:\n")), "{tag}");
    }
    assert!(text.contains("Exit status:") && text.contains("ONEZONE_API_KEY"));
}

#[test]
fn the_readme_documents_every_exit_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = readme
        .split("## Exit codes")
        .nth(1)
        .expect("an Exit codes section")
        .split("\n## ")
        .next()
        .unwrap();
    // Rows `| code | meaning |`; the README may add `code` quotes.
    let rows: Vec<(u8, String)> = table
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l
                .strip_prefix("| ")?
                .strip_suffix(" |")?
                .split(" | ")
                .collect();
            let [code, meaning] = cells.as_slice() else {
                return None;
            };
            Some((code.parse().ok()?, meaning.replace('`', "")))
        })
        .collect();
    let codes: Vec<(u8, String)> = onezone_rest_cli::exit::EXIT_CODES
        .iter()
        .map(|(c, m)| (*c, (*m).to_owned()))
        .collect();
    assert_eq!(rows, codes, "README's exit code table vs exit::EXIT_CODES");
}

/// `-h` is short: the usage, the items, the common options and the
/// groups with their counts; `--help` says everything.
#[test]
fn short_help() {
    let short = help(&["-h"]);
    insta::assert_snapshot!("short_help", short);
    let long = help(&["--help"]);
    assert!(long.len() > 4 * short.len(), "{short}");
    assert!(!short.contains("joinGroup"), "{short}");
}

/// `help WORD` lists the operations about WORD, those named after it first.
#[test]
fn help_finds_operations() {
    insta::assert_snapshot!("help_space", help(&["help", "space"]));
    insta::assert_snapshot!(
        "oneprovider-rest-cli_help_file",
        help_of("oneprovider-rest-cli", &["help", "file"])
    );
    assert_eq!(help(&["--help", "space"]), help(&["help", "space"]));
    assert_eq!(help(&["help", "joinGroup"]), help(&["joinGroup", "--help"]));
}

#[test]
fn help_for_a_word_that_nothing_matches() {
    let out = Command::cargo_bin("onezone-rest-cli")
        .unwrap()
        .args(["help", "spacez"])
        .env(
            "XDG_CACHE_HOME",
            std::env::temp_dir().join("no-such-cache-dir"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"spacez\"") && err.contains("close words: space"),
        "{err}"
    );
}

/// On a terminal (a pty from script(1)), long help goes through `$PAGER`;
/// not when piped, not with `--no-pager`, and not the short `-h`.
#[test]
fn long_help_goes_through_the_pager_on_a_terminal() {
    let found = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").map_or(true, |v| v.is_empty() || v == "false" || v == "0"),
            "script (util-linux) is missing under CI"
        );
        eprintln!("SKIPPED: script (util-linux) is not installed; the pager test did not run");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("onezone-rest-cli");
    let tty = |args: &str, pager: &str| {
        let line = format!("{} {args}", bin.display());
        let out = isolated(
            Command::new("script")
                .args(["-qec", &line, "/dev/null"])
                .env("PAGER", pager)
                .env("TERM", "dumb"),
        )
        .output()
        .unwrap();
        assert!(out.status.success(), "{args}: {out:?}");
        String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
    };
    let pager = "sed s/^/PAGED:/";
    for args in ["--help", "getSpace --help", "help space", "help getSpace"] {
        let out = tty(args, pager);
        let lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
        assert!(
            !lines.is_empty() && lines.iter().all(|l| l.starts_with("PAGED:")),
            "{args}: every line through the pager: {out}"
        );
    }
    for args in ["--help | cat", "--no-pager --help", "-h"] {
        let out = tty(args, pager);
        assert!(!out.is_empty() && !out.contains("PAGED:"), "{args}: {out}");
    }
    // A pager that cannot start: the text is printed directly.
    let out = tty("--help", "/nonexistent/pager");
    assert!(out.contains("Usage:"), "{out}");
}
