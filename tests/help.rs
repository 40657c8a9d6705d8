//! The help of the five seed operations, as reviewed snapshots
//! (tests/snapshots/); `cargo insta review` updates them after a change.

use assert_cmd::Command;

fn help(args: &[&str]) -> String {
    let out = Command::cargo_bin("onezone-rest-cli")
        .unwrap()
        .args(args)
        .env_remove("ONEZONE_HOST")
        .timeout(std::time::Duration::from_secs(20))
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
