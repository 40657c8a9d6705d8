//! Secrets in refusals, and core dumps (issue 14, rules 5 and 9), against
//! the real binary.
//!
//! An error never prints the userinfo of a host URL nor the value of a
//! credential header, whatever else is wrong with them: every fault is
//! combined with a secret, given every way it can be (`--host`,
//! `ONEZONE_HOST`, `login --host`, `login --default`; a header item, `-H`),
//! and neither stdout nor stderr may hold it. And the process cannot dump
//! core: it sets RLIMIT_CORE to 0 before it reads a credential.

mod common;

use common::{bin, run_bounded, Run};
use onezone_rest_cli::exit;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);
/// The password and the token of every case; the user name too.
const SECRET: &str = "S3cret-pw";
const USER: &str = "alice-user";

fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = bin();
    c.args(args).envs(env.iter().copied());
    run_bounded(&mut c, None, LIMIT)
}

#[track_caller]
fn assert_hidden(r: &Run, what: &str, codes: &[u8]) {
    assert!(
        codes.iter().any(|c| r.code == Some(i32::from(*c))),
        "{what}: exit {:?}, expected one of {codes:?}\n{r}",
        r.code
    );
    for secret in [SECRET, USER] {
        assert!(
            !r.stderr.contains(secret) && !r.out().contains(secret),
            "{what}: {secret} is shown\n{r}"
        );
    }
    assert!(!r.stderr.contains("panicked"), "{what}: a panic\n{r}");
}

/// Host URLs with `user:password@` and another fault that used to be
/// reported first, with the text each message must show instead.
fn bad_hosts() -> Vec<(String, &'static str)> {
    let ui = format!("{USER}:{SECRET}@");
    vec![
        // a port that is not one
        (
            format!("https://{ui}zone.example:99999"),
            "\"https://***@zone.example:99999\" is not a valid host URL: invalid port number",
        ),
        (
            format!("https://{ui}zone.example:8x"),
            "\"https://***@zone.example:8x\" is not a valid host URL: invalid port number",
        ),
        // another scheme
        (
            format!("ftp://{ui}zone.example"),
            "\"ftp://***@zone.example\": only http:// and https:// hosts are supported",
        ),
        // a query, a fragment
        (
            format!("https://{ui}zone.example?x=1"),
            "\"https://***@zone.example?x=1\": a host URL has no query or fragment",
        ),
        (
            format!("http://{ui}zone.example/#top"),
            "\"http://***@zone.example/#top\": a host URL has no query or fragment",
        ),
        // no host
        (
            format!("https://{ui}"),
            "\"https://***@\" is not a valid host URL: empty host",
        ),
        // a password holding `/`, `?` or `@`, and a scheme written short
        (
            format!("https://{USER}:{SECRET}/x?y@zone.example:99999"),
            "\"https://***@zone.example:99999\" is not a valid host URL: invalid port number",
        ),
        (
            format!("https:/{ui}zone.example"),
            "the host URL carries a user name or password",
        ),
        (
            format!("{ui}zone.example:0x1"),
            "\"***@zone.example:0x1\" is not a valid host URL: invalid port number",
        ),
        // nothing else wrong
        (
            format!("https://{ui}zone.example"),
            "the host URL carries a user name or password",
        ),
    ]
}

#[test]
fn a_host_url_never_shows_its_userinfo_whatever_else_is_wrong() {
    for (host, expect) in bad_hosts() {
        for (how, args, env) in [
            ("--host", vec!["--host", &host, "getCurrentUser"], vec![]),
            (
                "--host with --dry-run",
                vec!["--dry-run", "--host", &host, "getCurrentUser"],
                vec![],
            ),
            (
                "ONEZONE_HOST",
                vec!["getCurrentUser"],
                vec![("ONEZONE_HOST", host.as_str())],
            ),
            (
                "login --host",
                vec!["login", "--host", &host, "--token-stdin"],
                vec![],
            ),
            ("login --default", vec!["login", "--default", &host], vec![]),
        ] {
            let what = format!("{how} {host}");
            let r = run(&args, &env);
            assert_hidden(&r, &what, &[exit::USAGE, exit::CONFIG]);
            assert!(
                r.stderr.contains(expect),
                "{what}: expected {expect:?}\n{r}"
            );
        }
    }
}

#[test]
fn a_credential_header_never_shows_its_value_whatever_else_is_wrong() {
    let t = SECRET;
    let items = [
        // a stray space before the colon, a quote left over, no colon
        (
            format!("X-Auth-Token :{t}"),
            "item \"X-Auth-Token :…\": \"X-Auth-Token \" is not a valid header name",
        ),
        (
            format!("Authorization :Basic {t}"),
            "item \"Authorization :…\": \"Authorization \" is not a valid header name",
        ),
        (
            format!("'X-Auth-Token:{t}'"),
            "item \"'X-Auth-Token:…\": the header name \"'X-Auth-Token\" holds a quote",
        ),
        (
            format!("\"Authorization: Bearer {t}\""),
            "item \"\\\"Authorization: …\": the header name \"\\\"Authorization\" holds a quote",
        ),
        (format!(" x-auth-token :{t}"), "item \" x-auth-token :…\""),
        (
            format!("X-Auth-Token {t}"),
            "item \"X-Auth-Token …\" is not a request item",
        ),
        // another separator than the header's
        (
            format!("X-Auth-Token={t}"),
            "item \"X-Auth-Token=…\": getCurrentUser has no parameter X-Auth-Token",
        ),
        (
            format!("X-Auth-Token:={t}"),
            "item \"X-Auth-Token:=…\": invalid JSON",
        ),
        (format!("Authorization=={t}"), "item \"Authorization==…\""),
        // a value a header cannot carry, and the other secret headers
        (
            format!("X-Auth-Token:{t}\r\nX-Injected: 1"),
            "item \"X-Auth-Token:…\": the value of the header X-Auth-Token holds a carriage return",
        ),
        (format!("Macaroon :{t}"), "item \"Macaroon :…\""),
        (format!("Cookie :{t}"), "item \"Cookie :…\""),
        (
            format!("Proxy-Authorization\t:{t}"),
            "item \"Proxy-Authorization\\t:…\"",
        ),
    ];
    for (item, expect) in &items {
        for dry in [false, true] {
            let mut args = vec!["--host", "http://127.0.0.1:1"];
            if dry {
                args.push("--dry-run");
            }
            args.extend(["getCurrentUser", item.as_str()]);
            let r = run(&args, &[]);
            let what = format!("item {item:?} (--dry-run: {dry})");
            assert_hidden(&r, &what, &[exit::USAGE]);
            assert!(
                r.stderr.contains(expect),
                "{what}: expected {expect:?}\n{r}"
            );
        }
    }
    let headers = [
        (format!("'X-Auth-Token: {t}"), "-H \"'X-Auth-Token: …\": the header name \"'X-Auth-Token\" holds a quote"),
        (format!("X-Auth-Token {t}"), "-H \"X-Auth-Token …\": a header is 'Name: value'"),
        (format!("Authorization Basic {t}:x"), "-H \"Authorization …\": \"Authorization …\" is not a valid header name"),
        (format!("Authorization: Basic {t}'"), "-H \"Authorization: …\": the value of the header Authorization has an unmatched quote"),
        (format!("Authorization: {t}\u{1}"), "-H \"Authorization: …\": the value of the header Authorization holds the control character"),
    ];
    for (h, expect) in &headers {
        let r = run(
            &["--host", "http://127.0.0.1:1", "-H", h, "getCurrentUser"],
            &[],
        );
        let what = format!("-H {h:?}");
        assert_hidden(&r, &what, &[exit::USAGE]);
        assert!(
            r.stderr.contains(expect),
            "{what}: expected {expect:?}\n{r}"
        );
    }
    // Given twice, one way and the other.
    let twice = format!("x-auth-token: {t}");
    let r = run(
        &[
            "--host",
            "http://127.0.0.1:1",
            "-H",
            &twice,
            "getCurrentUser",
            &format!("X-Auth-Token:{t}"),
        ],
        &[],
    );
    assert_hidden(&r, "a credential header given twice", &[exit::USAGE]);
    assert!(r.stderr.contains("is given twice"), "{r}");
}

/// The process sets its core limit to 0 (soft and hard) at start, even
/// when started with core dumps allowed: /proc/PID/limits of a run that
/// waits for an answer that never comes says so.
#[cfg(target_os = "linux")]
#[test]
fn the_process_cannot_dump_core() {
    use std::os::unix::process::CommandExt;
    // A server that accepts connections (the kernel does, into the
    // backlog) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = format!(
        "http://127.0.0.1:{}",
        silent.local_addr().expect("addr").port()
    );
    let mut c = bin();
    c.args(["--host", &host, "-m", "20", "getCurrentUser"])
        .env("ONEZONE_API_KEY", SECRET)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0);
    // As `ulimit -c unlimited` would (up to the hard limit, which an
    // unprivileged process cannot raise).
    // SAFETY: getrlimit and setrlimit are plain system calls, safe between
    // fork and exec.
    unsafe {
        c.pre_exec(|| {
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_CORE, &mut lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            lim.rlim_cur = lim.rlim_max;
            if libc::setrlimit(libc::RLIMIT_CORE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = c.spawn().expect("start the binary");
    let limits = format!("/proc/{}/limits", child.id());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut seen = String::new();
    let ok = loop {
        seen = std::fs::read_to_string(&limits)
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("Max core file size"))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or(seen);
        if seen == "Max core file size 0 0 bytes" {
            break true;
        }
        if child.try_wait().ok().flatten().is_some() || std::time::Instant::now() >= deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let still_running = child.try_wait().ok().flatten().is_none();
    common::kill_group(child.id());
    let _ = child.wait();
    drop(silent);
    assert!(ok, "core limit: {seen:?} (still running: {still_running})");
}
