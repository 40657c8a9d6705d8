//! Credentials on real calls: which one goes out when several are given
//! (exactly one, by the documented order), none on a public operation, and
//! never a secret in `-v` or `--dry-run` output (unless `--show-secrets`).

mod common;

use base64::Engine as _;
use common::{cli, run_cmd, Run};
use fake_onezone::{Config, FakeZone, UserConfig};

/// Secrets that cannot appear by accident in any output.
const ADMIN_TOKEN: &str = "Adm1n-T0ken-9f8e7d6c5b4a";
const ADMIN_PASSWORD: &str = "Adm1n-Pa55-q1w2e3";
const USER_TOKEN: &str = "Us3r-T0ken-0a1b2c3d4e5f";
const USER_PASSWORD: &str = "Us3r-Pa55-z9x8c7";

fn zone() -> FakeZone {
    FakeZone::start_with(Config {
        users: vec![
            UserConfig {
                password: Some(ADMIN_PASSWORD.into()),
                tokens: vec![ADMIN_TOKEN.into()],
                ..UserConfig::admin()
            },
            UserConfig {
                password: Some(USER_PASSWORD.into()),
                tokens: vec![USER_TOKEN.into()],
                ..UserConfig::user()
            },
        ],
        ..Config::default()
    })
    .unwrap()
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// Runs `args` against `zone` with these environment variables.
fn call(zone: &FakeZone, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut c = cli();
    c.env("ONEZONE_HOST", zone.url()).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    run_cmd(c, None)
}

fn pair(name: &str, value: &str) -> Vec<(String, String)> {
    vec![(name.to_owned(), value.to_owned())]
}

#[test]
fn precedence_header_then_user_then_api_key_then_basic_auth() {
    let zone = zone();
    let all_env = [
        ("ONEZONE_API_KEY", USER_TOKEN),
        ("ONEZONE_BASIC_AUTH", "user:Us3r-Pa55-z9x8c7"),
    ];
    let user_opt = format!("admin:{ADMIN_PASSWORD}");
    let header_item = format!("X-Auth-Token:{ADMIN_TOKEN}");
    let bearer_item = format!("Authorization:Bearer {ADMIN_TOKEN}");
    let h_option = format!("X-Auth-Token: {ADMIN_TOKEN}");
    // (environment, arguments, the one credential expected on the wire, whose)
    type Case<'a> = (
        &'a [(&'a str, &'a str)],
        Vec<&'a str>,
        Vec<(String, String)>,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        // A header item beats -u and both variables.
        (
            &all_env,
            vec!["-u", "user:x", "getCurrentUser", &header_item],
            pair("x-auth-token", ADMIN_TOKEN),
            "admin",
        ),
        (
            &all_env,
            vec!["-u", "user:x", "getCurrentUser", &bearer_item],
            pair("authorization", &format!("Bearer {ADMIN_TOKEN}")),
            "admin",
        ),
        // -H is a header item too.
        (
            &all_env,
            vec!["-H", &h_option, "-u", "user:x", "getCurrentUser"],
            pair("x-auth-token", ADMIN_TOKEN),
            "admin",
        ),
        // -u beats both variables.
        (
            &all_env,
            vec!["-u", &user_opt, "getCurrentUser"],
            pair("authorization", &basic("admin", ADMIN_PASSWORD)),
            "admin",
        ),
        // ONEZONE_API_KEY beats ONEZONE_BASIC_AUTH.
        (
            &[
                ("ONEZONE_API_KEY", ADMIN_TOKEN),
                ("ONEZONE_BASIC_AUTH", "user:Us3r-Pa55-z9x8c7"),
            ],
            vec!["getCurrentUser"],
            pair("x-auth-token", ADMIN_TOKEN),
            "admin",
        ),
        // ONEZONE_BASIC_AUTH alone.
        (
            &[("ONEZONE_BASIC_AUTH", "user:Us3r-Pa55-z9x8c7")],
            vec!["getCurrentUser"],
            pair("authorization", &basic("user", USER_PASSWORD)),
            "user",
        ),
    ];
    for (env, args, wire, who) in cases {
        zone.clear_requests();
        let r = call(&zone, env, &args);
        assert_eq!(r.code, Some(0), "{args:?}: {r}");
        assert_eq!(r.json()["username"], who, "{args:?}: {r}");
        let recs = zone.requests();
        assert_eq!(recs.len(), 1, "{args:?}");
        assert_eq!(recs[0].credentials(), wire, "{args:?}");
        assert!(recs[0].problems.is_empty(), "{:?}", recs[0].problems);
    }
}

#[test]
fn public_operations_need_no_credential() {
    let zone = zone();
    let r = call(&zone, &[], &["getConfiguration"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(r.json().is_object(), "{r}");
    assert_eq!(r.stderr, "", "no warning about a missing credential");
    let recs = zone.requests();
    assert_eq!(recs[0].credentials(), []);
    assert!(recs[0].problems.is_empty(), "{:?}", recs[0].problems);
}

#[test]
fn a_private_operation_without_credential_explains_how_to_log_in() {
    let zone = zone();
    let r = call(&zone, &[], &["getCurrentUser"]);
    assert_eq!(r.code, Some(4), "{r}");
    assert!(r.stdout.is_empty());
    assert!(r.stderr.starts_with("error: HTTP 401 Unauthorized"), "{r}");
    assert!(r.stderr.contains("no credential was sent"), "{r}");
    assert!(
        r.stderr.contains("`onezone-rest-cli login`") && r.stderr.contains("ONEZONE_API_KEY"),
        "{r}"
    );
    assert_eq!(zone.requests()[0].credentials(), []);
}

/// One way of giving a credential: environment variables, and arguments.
type Way = (Vec<(&'static str, String)>, Vec<String>);

/// Every way of giving a credential.
fn credential_ways() -> Vec<Way> {
    let s = |x: &str| x.to_owned();
    vec![
        (vec![("ONEZONE_API_KEY", s(ADMIN_TOKEN))], vec![]),
        (vec![], vec![format!("X-Auth-Token:{ADMIN_TOKEN}")]),
        (vec![], vec![format!("Authorization:Bearer {ADMIN_TOKEN}")]),
        (
            vec![],
            vec![format!("Authorization:{}", basic("admin", ADMIN_PASSWORD))],
        ),
        (vec![], vec![s("-u"), format!("admin:{ADMIN_PASSWORD}")]),
        (
            vec![("ONEZONE_BASIC_AUTH", format!("admin:{ADMIN_PASSWORD}"))],
            vec![],
        ),
        (
            vec![],
            vec![s("-H"), format!("X-Auth-Token: {ADMIN_TOKEN}")],
        ),
    ]
}

/// Fails if any form of a secret appears in the output.
fn assert_no_secret(what: &str, r: &Run) {
    let out = r.out();
    let basic_value = basic("admin", ADMIN_PASSWORD);
    let encoded = basic_value.strip_prefix("Basic ").unwrap();
    for secret in [ADMIN_TOKEN, ADMIN_PASSWORD, encoded, "Adm1n", "Pa55"] {
        assert!(
            !out.contains(secret) && !r.stderr.contains(secret),
            "{what}: {secret:?} was printed:\n{r}"
        );
    }
}

#[test]
fn verbose_output_never_shows_the_credential() {
    let zone = zone();
    for (env, extra) in credential_ways() {
        for flags in [&["-v"][..], &["-v", "-i"]] {
            let mut args: Vec<&str> = flags.to_vec();
            args.push("getCurrentUser");
            args.extend(extra.iter().map(String::as_str));
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = call(&zone, &env, &args);
            let what = format!("{env:?} {args:?}");
            assert_eq!(r.code, Some(0), "{what}: {r}");
            // The request was shown, and the credential header in it redacted.
            assert!(
                r.stderr.contains("> GET /api/v3/onezone/user HTTP/1.1"),
                "{what}: {r}"
            );
            assert!(
                r.stderr.contains("> x-auth-token: <redacted>")
                    || r.stderr.contains("> X-Auth-Token: <redacted>")
                    || r.stderr.contains("> authorization: <redacted>")
                    || r.stderr.contains("> Authorization: <redacted>"),
                "{what}: {r}"
            );
            assert!(r.stderr.contains("< HTTP/1.1 200 OK"), "{what}: {r}");
            assert_no_secret(&what, &r);
        }
    }
    // A rejected credential: the error names where it came from, not what it is.
    let r = call(
        &zone,
        &[("ONEZONE_API_KEY", "Adm1n-wrong-token")],
        &["-v", "getCurrentUser"],
    );
    assert_eq!(r.code, Some(4), "{r}");
    assert_no_secret("401", &r);
    assert!(!r.stderr.contains("Adm1n-wrong-token"), "{r}");
}

#[test]
fn dry_run_never_shows_the_credential_unless_asked() {
    let zone = zone();
    for (env, extra) in credential_ways() {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut args = vec!["--dry-run", "getCurrentUser"];
        args.extend(extra.iter().map(String::as_str));
        let what = format!("{env:?} {args:?}");
        let r = call(&zone, &env, &args);
        assert_eq!(r.code, Some(0), "{what}: {r}");
        assert!(r.out().starts_with("curl "), "{what}: {r}");
        assert_no_secret(&what, &r);
        assert!(
            r.out().contains("<redacted>")
                || r.out().contains("$ONEZONE_API_KEY")
                || r.out().contains("$ONEZONE_BASIC_AUTH"),
            "{what}: {r}"
        );

        args.insert(0, "--show-secrets");
        let r = call(&zone, &env, &args);
        assert_eq!(r.code, Some(0), "{what}: {r}");
        let out = r.out();
        assert!(
            out.contains(ADMIN_TOKEN)
                || out.contains(ADMIN_PASSWORD)
                || out.contains(&basic("admin", ADMIN_PASSWORD)),
            "{what} --show-secrets: {r}"
        );
    }
    // Nothing was sent.
    assert_eq!(zone.requests(), []);
}

/// Secrets that are not the Onezone credential: a proxy's password and
/// cookies. They stay out of --dry-run lines and error messages, and a
/// cookie does not follow a redirect to another host.
#[test]
fn proxy_passwords_and_cookies_stay_secret() {
    let zone = zone();
    let proxy = "http://bob:Pr0xy-Pa55-77aa@127.0.0.1:1";
    let r = call(
        &zone,
        &[],
        &[
            "--dry-run",
            "-x",
            proxy,
            "getConfiguration",
            "Cookie:sid=C00kie-5ecret",
        ],
    );
    assert_eq!(r.code, Some(0), "{r}");
    let out = r.out();
    assert!(
        !out.contains("Pr0xy-Pa55") && !out.contains("C00kie-5ecret"),
        "{r}"
    );
    assert!(
        out.contains("-x 'http://bob:<redacted>@127.0.0.1:1'"),
        "{r}"
    );
    assert!(out.contains("-H 'Cookie: <redacted>'"), "{r}");
    let shown = call(
        &zone,
        &[],
        &[
            "--dry-run",
            "--show-secrets",
            "-x",
            proxy,
            "getConfiguration",
            "Cookie:sid=C00kie-5ecret",
        ],
    );
    assert!(
        shown.out().contains("Pr0xy-Pa55") && shown.out().contains("C00kie-5ecret"),
        "{shown}"
    );

    // The proxy refuses the connection: the message names it, not its password.
    let r = call(&zone, &[], &["-m", "5", "-x", proxy, "getConfiguration"]);
    assert_eq!(r.code, Some(6), "{r}");
    assert!(
        r.stderr
            .contains("through the proxy http://bob:***@127.0.0.1:1"),
        "{r}"
    );
    assert!(!r.stderr.contains("Pr0xy-Pa55"), "{r}");
    let r = call(
        &zone,
        &[],
        &["-x", "http://bob:Pr0xy-Pa55@[", "getConfiguration"],
    );
    assert_eq!(r.code, Some(2), "{r}");
    assert!(!r.stderr.contains("Pr0xy-Pa55"), "{r}");

    // A GET redirected to another host goes without its cookie.
    let other = zone_b();
    zone.set_fault(Some(fake_onezone::Fault::RedirectTo(format!(
        "http://localhost:{}",
        other.port()
    ))));
    let r = call(
        &zone,
        &[],
        &["getConfiguration", "Cookie:sid=C00kie-5ecret"],
    );
    assert_eq!(r.code, Some(0), "{r}");
    let first = zone.requests();
    let second = other.requests();
    assert_eq!(first[0].header("cookie"), Some("sid=C00kie-5ecret"));
    assert_eq!(second.len(), 1, "{r}");
    assert_eq!(
        second[0].header("cookie"),
        None,
        "the cookie followed the redirect"
    );
}

fn zone_b() -> FakeZone {
    FakeZone::start().unwrap()
}

/// A credential variable that is set but not UTF-8 is an error, not unset:
/// otherwise the request would go with another credential.
#[test]
fn a_credential_variable_that_is_not_utf8_is_refused() {
    use std::os::unix::ffi::OsStrExt;
    let zone = zone();
    let mut c = cli();
    c.env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", std::ffi::OsStr::from_bytes(b"tok\xffen"))
        .arg("getCurrentUser");
    let r = run_cmd(c, None);
    assert_eq!(r.code, Some(3), "{r}");
    assert!(
        r.stderr
            .starts_with("error: ONEZONE_API_KEY is not valid UTF-8"),
        "{r}"
    );
    assert_eq!(zone.requests(), []);
}
