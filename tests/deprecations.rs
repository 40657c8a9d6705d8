//! Every deprecated operation of every command and release whose replacement
//! exists there: the warning and the operation's `--help` show a complete
//! invocation of the replacement, and that invocation passes `--dry-run`
//! (the items validate against the replacement's schema).

mod common;

use common::{command_of, run_bounded, Run, TIMEOUT};
use onezone_rest_cli::catalogue::{Catalogue, Operation, ParamIn};
use onezone_rest_cli::deprecation::suggest;
use onezone_rest_cli::personality::{Personality, ALL};

/// `--dry-run` of `words` with the command `p` at `release`; a body from
/// stdin is `"x"`.
fn dry_run(p: &Personality, release: &str, words: &[String]) -> Run {
    let mut c = command_of(p.command);
    c.env(p.host_var, "h.example.com")
        .env(p.version_var, release)
        .arg("--dry-run")
        .args(words);
    run_bounded(&mut c, Some(b"\"x\""), TIMEOUT)
}

/// The user's items: every required parameter (`name=V-name`), the
/// providers where the operation takes them (`with_providers`), and `-`
/// where a body is required.
fn items(op: &'static Operation, with_providers: bool) -> Vec<String> {
    let mut out = Vec::new();
    for p in op.all_params() {
        let provider = matches!(p.name, "provider_id" | "migration_provider_id");
        if p.required || (with_providers && provider) {
            let value = if p.location == ParamIn::Path && p.name == "path" {
                "/space/dir/file".to_owned()
            } else {
                format!("V-{}", p.name)
            };
            out.push(format!("{}={value}", p.name));
        }
    }
    if op.body.as_ref().is_some_and(|b| b.required) {
        out.push("-".into());
    }
    out
}

#[test]
fn every_suggested_replacement_is_a_valid_invocation() {
    let mut checked = 0;
    for p in ALL {
        for (i, release) in p.service.releases.iter().enumerate() {
            let cat = Catalogue::at(p.service, i as u8);
            for op in cat.operations() {
                let Some(d) = &op.deprecated else { continue };
                let exists = d.replacements.iter().any(|r| cat.find(r).is_some());
                for args in [Vec::new(), items(op, false), items(op, true)] {
                    let s = suggest(cat, op, &args);
                    assert_eq!(
                        s.is_some(),
                        exists,
                        "{} {release} {}: {s:?}",
                        p.command,
                        op.name
                    );
                    let Some(s) = s else { continue };
                    assert!(d.replacements.contains(&s.words[0].as_str()));
                    let r = dry_run(p, release, &s.words);
                    assert_eq!(
                        r.code,
                        Some(0),
                        "{} {release}: {} {args:?} → {:?}: {r}",
                        p.command,
                        op.name,
                        s.words
                    );
                    // What the user runs shows the same invocation.
                    if !args.is_empty() {
                        let mut words = vec![op.name.to_owned()];
                        words.extend(args.iter().cloned());
                        let r = dry_run(p, release, &words);
                        assert_eq!(r.code, Some(0), "{words:?}: {r}");
                        assert!(r.stderr.contains(&s.render(p.command)), "{words:?}: {r}");
                    }
                    // The rendered line is shell words that give it back.
                    let line = s.render(p.command);
                    let back = shlex::split(&line).unwrap();
                    assert_eq!(back[1..], s.words[..], "{line}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn warnings_use_the_users_values() {
    let p = &onezone_rest_cli::personality::ONEZONE;
    let r = dry_run(
        p,
        common::NEWEST_RELEASE,
        &["createSpaceUserInviteToken".into(), "id=S p$ce".into()],
    );
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stderr.contains(
            "warning: createSpaceUserInviteToken is deprecated; use \
             createNamedTokenForCurrentUser or createTemporaryTokenForCurrentUser instead, \
             for example:\n  onezone-rest-cli createNamedTokenForCurrentUser \
             'name==userJoinSpace-S p$ce' 'type[inviteToken][inviteType]==userJoinSpace' \
             'type[inviteToken][spaceId]==S p$ce'\n"
        ),
        "{r}"
    );
    // --help shows the same with placeholders.
    let mut c = command_of(p.command);
    c.args(["createSpaceSupportToken", "--help"]);
    let r = run_bounded(&mut c, None, TIMEOUT);
    assert!(
        r.out().contains(
            "onezone-rest-cli createNamedTokenForCurrentUser 'name==supportSpace-ID' \
             'type[inviteToken][inviteType]==supportSpace' 'type[inviteToken][spaceId]==ID'"
        ),
        "{r}"
    );
}
