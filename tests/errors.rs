//! Every exit code, with a condition that produces it, and every error
//! rendering as a reviewed snapshot (tests/snapshots/errors__*.snap; ports
//! are replaced by `[PORT]`). `cargo insta review` updates them.

mod common;

use common::{cli, run, run_cmd, without_ports, Run};
use fake_onezone::{FakeZone, Fault, ADMIN_TOKEN, USER_TOKEN};
use onezone_rest_cli::exit;
use std::collections::BTreeSet;
use std::net::TcpListener;
use std::time::Duration;

/// The exit code, anything on stdout, and stderr, without ports.
fn shown(r: &Run) -> String {
    let mut s = format!(
        "exit {}\n",
        r.code.map_or("killed".into(), |c| c.to_string())
    );
    if !r.stdout.is_empty() {
        s.push_str("--- stdout\n");
        s.push_str(&without_ports(&r.out(), "[PORT]"));
    }
    s.push_str("--- stderr\n");
    s.push_str(&without_ports(&r.stderr, "[PORT]"));
    s
}

/// Checks the exit code, that nothing went to stdout, and the snapshot.
fn failure(name: &str, r: &Run, code: u8) {
    assert_eq!(r.code, Some(i32::from(code)), "{name}: {r}");
    assert!(r.stdout.is_empty(), "{name}: stdout must stay empty: {r}");
    assert!(r.stderr.starts_with("error: "), "{name}: {r}");
    insta::assert_snapshot!(name, shown(r));
}

/// A fake with `fault` in force, and a run of `args` against it as the admin.
fn with_fault(fault: Fault, args: &[&str]) -> Run {
    let zone = FakeZone::start().unwrap();
    zone.set_fault(Some(fault));
    let r = run(&zone.url(), Some(ADMIN_TOKEN), args);
    // The request itself was fine: only the answer was broken.
    for rec in zone.requests() {
        assert!(rec.problems.is_empty(), "{args:?}: {:?}", rec.problems);
    }
    r
}

#[test]
fn onedata_error_bodies() {
    let zone = FakeZone::start().unwrap();
    let host = zone.url();

    // 400 with details: a nested tokenError object, and a key.
    let r = run(&host, Some(ADMIN_TOKEN), &["joinGroup", "token==bogus"]);
    failure("http_400_details", &r, exit::HTTP_4XX);
    let r = run(
        &host,
        Some(ADMIN_TOKEN),
        &["--force", "createGroup", "name==x", "colour==red"],
    );
    failure("http_400_forced_unknown_field", &r, exit::HTTP_4XX);

    // 401: the source of the rejected credential, never its value, and how
    // to log in.
    let r = run(&host, Some("not-a-token"), &["getCurrentUser"]);
    failure("http_401_api_key", &r, exit::HTTP_4XX);
    assert!(!r.stderr.contains("not-a-token"));
    let r = run(&host, None, &["-u", "admin:wrong", "getCurrentUser"]);
    failure("http_401_user_option", &r, exit::HTTP_4XX);
    assert!(!r.stderr.contains("wrong"));
    let r = run(&host, None, &["getCurrentUser", "X-Auth-Token:not-a-token"]);
    failure("http_401_header_item", &r, exit::HTTP_4XX);
    let mut c = cli();
    c.env("ONEZONE_HOST", &host)
        .env("ONEZONE_BASIC_AUTH", "admin:wrong")
        .arg("getCurrentUser");
    let r = run_cmd(c, None);
    failure("http_401_basic_auth_var", &r, exit::HTTP_4XX);
    // No credential at all on a private operation.
    let r = run(&host, None, &["getCurrentUser"]);
    failure("http_401_no_credential", &r, exit::HTTP_4XX);

    // 403: the privileges the operation needs.
    let r = run(&host, Some(USER_TOKEN), &["listSpaces"]);
    failure("http_403", &r, exit::HTTP_4XX);

    // 404.
    let r = run(&host, Some(ADMIN_TOKEN), &["getSpace", "id=nope"]);
    failure("http_404", &r, exit::HTTP_4XX);
}

#[test]
fn server_errors_and_proxies() {
    let r = with_fault(Fault::Status(503, true), &["getCurrentUser"]);
    failure("http_503_onedata_body", &r, exit::HTTP_5XX);
    let r = with_fault(Fault::Status(503, false), &["getCurrentUser"]);
    failure("http_503_no_body", &r, exit::HTTP_5XX);
    let r = with_fault(Fault::Status(500, true), &["createGroup", "name==x"]);
    failure("http_500_onedata_body", &r, exit::HTTP_5XX);
    let r = with_fault(Fault::Html(502), &["getCurrentUser"]);
    failure("http_502_html_from_a_proxy", &r, exit::HTTP_5XX);
    // A status that is neither success nor error: a redirect without a
    // Location.
    let r = with_fault(Fault::Status(302, false), &["getCurrentUser"]);
    failure("http_302_without_location", &r, exit::HTTP_5XX);
}

#[test]
fn broken_answers() {
    let r = with_fault(Fault::InvalidJson, &["getCurrentUser"]);
    failure("invalid_json", &r, exit::BAD_RESPONSE);
    let r = with_fault(Fault::DropMidBody, &["getCurrentUser"]);
    failure("body_cut_short", &r, exit::BAD_RESPONSE);
    let r = with_fault(Fault::Garbage, &["getCurrentUser"]);
    failure("garbage_not_http", &r, exit::BAD_RESPONSE);
}

#[test]
fn connection_refused() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
        // Dropped here: nothing listens on the port any more.
    };
    let r = run(
        &format!("http://127.0.0.1:{port}"),
        Some(ADMIN_TOKEN),
        &["getCurrentUser"],
    );
    failure("connection_refused", &r, exit::NETWORK);

    // -s silences warnings, never errors: a script must learn what failed.
    let host = format!("http://127.0.0.1:{port}");
    let quiet = run(
        &host,
        Some(ADMIN_TOKEN),
        &["-s", "--retry", "1", "getCurrentUser"],
    );
    let loud = run(
        &host,
        Some(ADMIN_TOKEN),
        &["--retry", "1", "getCurrentUser"],
    );
    assert_eq!(quiet.code, Some(i32::from(exit::NETWORK)), "{quiet}");
    assert!(loud.stderr.contains("warning: "), "{loud}");
    assert!(!quiet.stderr.contains("warning: "), "{quiet}");
    assert!(
        quiet
            .stderr
            .starts_with("error: cannot connect to 127.0.0.1:"),
        "{quiet}"
    );
}

#[test]
fn a_slow_server_times_out_within_the_limit() {
    let zone = FakeZone::start().unwrap();
    zone.set_fault(Some(Fault::Slow(Duration::from_secs(30))));
    let r = run(
        &zone.url(),
        Some(ADMIN_TOKEN),
        &["-m", "1", "getCurrentUser"],
    );
    assert!(
        r.elapsed < Duration::from_secs(5),
        "-m 1 took {:?}",
        r.elapsed
    );
    assert!(r.elapsed >= Duration::from_millis(900), "{:?}", r.elapsed);
    failure("timeout", &r, exit::NETWORK);
}

#[test]
fn usage_errors() {
    // No server is needed: nothing is sent.
    let host = "http://127.0.0.1:9";
    let r = run(host, Some(ADMIN_TOKEN), &["getSpaec", "id=x"]);
    failure("usage_unknown_operation", &r, exit::USAGE);
    let r = run(host, Some(ADMIN_TOKEN), &["getSpace", "sid=x"]);
    failure("usage_unknown_parameter", &r, exit::USAGE);
    let r = run(host, Some(ADMIN_TOKEN), &["getSpace"]);
    failure("usage_missing_parameter", &r, exit::USAGE);
    let r = run(
        host,
        Some(ADMIN_TOKEN),
        &["createGroup", "name==x", "type==club"],
    );
    failure("usage_value_outside_the_enum", &r, exit::USAGE);
    let r = run(
        host,
        Some(ADMIN_TOKEN),
        &["--no-such-option", "getSpace", "id=x"],
    );
    assert_eq!(r.code, Some(i32::from(exit::USAGE)), "{r}");
    let r = run(host, Some(ADMIN_TOKEN), &[]);
    failure("usage_no_operation", &r, exit::USAGE);
}

/// Errors that show the fix: the item line, then the item that works.
#[test]
fn usage_errors_show_the_fix() {
    let host = "http://127.0.0.1:9";
    let refused = |args: &[&str], hint: &str| {
        let r = run(host, Some(ADMIN_TOKEN), args);
        assert_eq!(r.code, Some(i32::from(exit::USAGE)), "{args:?}: {r}");
        assert!(r.stdout.is_empty(), "{r}");
        assert!(r.stderr.starts_with("error: "), "{r}");
        assert!(r.stderr.contains(hint), "{args:?}: {hint:?} in {r}");
        r
    };
    let r = refused(&["createGroup", "--name", "x"], "give it as name==x");
    assert!(r.stderr.contains("--name"), "{r}");
    refused(&["getSpace", "--id=s1"], "give it as id=s1");
    refused(
        &[
            "updateGroupAdminPrivileges",
            "id=g",
            "grant==oz_groups_view",
        ],
        "give each value as 'grant[]==oz_groups_view'",
    );
    let r = refused(
        &["createGroup", "name==x", "type==tem"],
        "did you mean: type==team?",
    );
    assert!(
        r.stderr.contains("organization, unit, team, role_holders"),
        "{r}"
    );
    let r = refused(&["-o", "yaml", "getSpace", "id=x"], "not an output format");
    for (format, what) in onezone_rest_cli::cli::OUTPUT_FORMATS {
        assert!(r.stderr.contains(format) && r.stderr.contains(what), "{r}");
    }
    // An unknown option that is no item stays what it was.
    let r = refused(
        &["createGroup", "--colour", "red"],
        "unknown option --colour",
    );
    assert!(!r.stderr.contains("give it as"), "{r}");
}

/// A credential variable set but empty is ignored, with one warning.
#[test]
fn an_empty_credential_variable_is_named() {
    for var in ["ONEZONE_API_KEY", "ONEDATA_API_KEY"] {
        let mut c = cli();
        c.env("ONEZONE_HOST", "http://127.0.0.1:9")
            .env(var, "")
            .args(["--dry-run", "getSpace", "id=s1"]);
        let r = run_cmd(c, None);
        let warning = format!("warning: {var} is set but empty");
        assert_eq!(r.stderr.matches(&warning).count(), 1, "{r}");
        let mut c = cli();
        c.env("ONEZONE_HOST", "http://127.0.0.1:9")
            .env(var, "")
            .args(["-s", "--dry-run", "getSpace", "id=s1"]);
        let r = run_cmd(c, None);
        assert!(!r.stderr.contains(&warning), "{r}");
    }
}

#[test]
fn configuration_errors() {
    // No host anywhere (no ONEZONE_HOST, no --host, no stored login).
    let mut c = cli();
    c.env("ONEZONE_API_KEY", ADMIN_TOKEN).arg("getCurrentUser");
    let r = run_cmd(c, None);
    failure("config_no_host", &r, exit::CONFIG);
    // A malformed ONEZONE_BASIC_AUTH; its value is not shown.
    let mut c = cli();
    c.env("ONEZONE_HOST", "http://127.0.0.1:9")
        .env("ONEZONE_BASIC_AUTH", "justauser")
        .arg("getCurrentUser");
    let r = run_cmd(c, None);
    failure("config_bad_basic_auth_var", &r, exit::CONFIG);
    // Two credentials as header items.
    let r = run(
        "http://127.0.0.1:9",
        None,
        &["getCurrentUser", "X-Auth-Token:a", "Authorization:Bearer b"],
    );
    failure("config_two_credential_headers", &r, exit::CONFIG);
    let r = run("ftp://zone", Some(ADMIN_TOKEN), &["getCurrentUser"]);
    failure("config_bad_host", &r, exit::CONFIG);
    // -u without a password, and no terminal to ask on.
    let r = run(
        "http://127.0.0.1:9",
        None,
        &["-u", "admin", "getCurrentUser"],
    );
    failure("config_user_without_password", &r, exit::CONFIG);
    // A credential item that cannot go into a header is a malformed item
    // (usage), like any other header; its value is not echoed.
    let r = run(
        "http://127.0.0.1:9",
        None,
        &["getCurrentUser", "X-Auth-Token:sec\u{1}ret"],
    );
    failure("config_credential_not_a_header_value", &r, exit::USAGE);
    assert!(!r.stderr.contains("sec"), "{r}");
}

/// Each documented exit code, from the condition that produces it.
#[test]
fn every_exit_code_has_its_condition() {
    let zone = FakeZone::start().unwrap();
    let host = zone.url();
    let mut seen = BTreeSet::new();
    let mut expect = |code: u8, r: Run| {
        assert_eq!(r.code, Some(i32::from(code)), "{r}");
        seen.insert(code);
    };
    // 0: success.
    expect(exit::OK, run(&host, Some(ADMIN_TOKEN), &["getCurrentUser"]));
    // 1: the answer cannot be used (here: -o token on an answer without one).
    expect(
        exit::BAD_RESPONSE,
        run(&host, Some(ADMIN_TOKEN), &["-o", "token", "getCurrentUser"]),
    );
    // 2: usage.
    expect(exit::USAGE, run(&host, Some(ADMIN_TOKEN), &["nonsense"]));
    // 3: configuration.
    let mut c = cli();
    c.arg("getCurrentUser");
    expect(exit::CONFIG, run_cmd(c, None));
    // 4: a 4xx answer.
    expect(
        exit::HTTP_4XX,
        run(&host, Some(ADMIN_TOKEN), &["getGroup", "id=nope"]),
    );
    // 5: a 5xx answer.
    zone.set_fault(Some(Fault::Status(500, false)));
    expect(
        exit::HTTP_5XX,
        run(&host, Some(ADMIN_TOKEN), &["getCurrentUser"]),
    );
    zone.set_fault(None);
    // 6: network.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    expect(
        exit::NETWORK,
        run(
            &format!("http://127.0.0.1:{port}"),
            Some(ADMIN_TOKEN),
            &["getCurrentUser"],
        ),
    );
    // 130: Ctrl-C while --wait polls a task (one that runs for minutes).
    zone.set_task_duration(Duration::from_secs(600));
    expect(exit::INTERRUPTED, interrupted_wait(&zone));
    let documented: BTreeSet<u8> = exit::EXIT_CODES.iter().map(|(c, _)| *c).collect();
    assert_eq!(seen, documented);
}

/// `onepanel-rest-cli addProviderWorkers --wait`, sent SIGINT once the task
/// is being polled; what it left.
#[cfg(unix)]
fn interrupted_wait(zone: &FakeZone) -> Run {
    use std::io::Read;
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_onepanel-rest-cli"));
    common::isolate_all(&mut c)
        .args(["addProviderWorkers", "--wait", "hosts:=[\"n1\"]", "--host"])
        .arg(zone.url())
        .args(["-u", "onepanel:passphrase"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let started = std::time::Instant::now();
    let mut child = c.spawn().expect("start onepanel-rest-cli");
    // Polling has begun once the first step line is on stderr; give it 2 s.
    std::thread::sleep(Duration::from_secs(2));
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("--wait did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = Vec::new();
    let mut stderr = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_end(&mut stdout);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    assert!(stderr.contains("goes on at the server"), "{stderr}");
    assert!(stderr.contains("getTaskStatus id="), "{stderr}");
    Run {
        code: status.code(),
        stdout,
        stderr,
        elapsed: started.elapsed(),
    }
}

/// A time limit beyond what the clock can hold is no limit, not a panic;
/// one beyond what a Duration can hold is a usage error.
#[test]
fn huge_time_limits() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let host = format!("http://127.0.0.1:{port}");
    let r = run(&host, None, &["-m", "1e19", "getConfiguration"]);
    assert_eq!(r.code, Some(i32::from(exit::NETWORK)), "{r}");
    let r = run(&host, None, &["-m", "1e300", "getConfiguration"]);
    assert_eq!(r.code, Some(i32::from(exit::USAGE)), "{r}");
    assert!(
        r.stderr
            .starts_with("error: -m/--max-time 1e300 is too long: give a number of seconds"),
        "{r}"
    );
}
