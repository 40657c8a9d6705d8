//! Real HTTP calls: the binary against the fake Onezone, started in-process.
//! Every operation once; the documented session end to end (in Rust, and as
//! a bash script with jq); output formats; a large body; redirects that must
//! not carry the credential to another host.

mod common;

use common::{cli, installed, isolate, run, run_bounded, run_cmd, skip, world_invocation, TIMEOUT};
use fake_onezone::probe::req;
use fake_onezone::{Config, FakeZone, Fault, World, ADMIN_TOKEN, PNG};
use onezone_rest_cli::catalogue::{Catalogue, Operation};

/// The newest release's operations (the fake serves the newest).
fn operations() -> Vec<&'static Operation> {
    Catalogue::newest(onezone_rest_cli::release::service())
        .operations()
        .collect()
}

const BASE_PATH: &str = "/api/v3/onezone";
use serde_json::Value;
use std::sync::Mutex;

/// Runs `op` on `template` against a fresh fake whose state makes every
/// path parameter real, and checks the request the fake got and what the
/// client printed. `Err` says what went wrong.
fn call_once(op: &'static Operation, template: &'static str) -> Result<(), String> {
    let zone = FakeZone::start().map_err(|e| e.to_string())?;
    let world = World::new(&zone)?;
    zone.clear_requests();
    let inv = world_invocation(&world, op, template);
    let mut c = cli();
    c.env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", world.credential(template))
        .args(&inv.args);
    let r = run_cmd(c, inv.stdin.as_deref());
    let what = format!("{} {:?}", op.name, inv.args);
    if r.code != Some(0) {
        return Err(format!("{what}: {r}"));
    }
    let recs = zone.requests();
    let mine: Vec<_> = recs
        .iter()
        .filter(|rec| rec.path.starts_with(BASE_PATH))
        .collect();
    if mine.len() != 1 {
        return Err(format!(
            "{what}: {} requests to the API: {recs:#?}",
            mine.len()
        ));
    }
    let rec = mine[0];
    let main = template == op.path;
    // Another path of an operation may be the main path of another one
    // (updateGroupHandleServicePrivileges uid=… is
    // updateUserHandleServicePrivileges): the fake names that one.
    let expected_op = operations()
        .iter()
        .find(|o| o.path == template && o.method == op.method)
        .map_or(op.name, |o| o.name);
    if rec.operation != Some(expected_op) {
        return Err(format!(
            "{what}: routed to {:?}, not {expected_op}",
            rec.operation
        ));
    }
    if !rec.problems.is_empty() {
        return Err(format!("{what}: problems {:?}", rec.problems));
    }
    if rec.method != op.method || rec.path != format!("{BASE_PATH}{}", inv.path) {
        return Err(format!("{what}: sent {} {}", rec.method, rec.path));
    }
    let creds = rec.credentials();
    if creds.len() != 1 || creds[0].1 != world.credential(template) {
        return Err(format!("{what}: credential headers {creds:?}"));
    }
    if rec.json() != inv.body {
        return Err(format!(
            "{what}: body {:?}, expected {:?}",
            String::from_utf8_lossy(&rec.body),
            inv.body
        ));
    }
    if !main {
        return Ok(());
    }
    let expected = op.success_responses().next().map_or(200, |s| s.code);
    if rec.status != expected {
        return Err(format!(
            "{what}: answered {}, expected {expected}",
            rec.status
        ));
    }
    // The rest of the exchange: only getSharedData's 307 leads elsewhere.
    let others: Vec<_> = recs
        .iter()
        .filter(|rec| !rec.path.starts_with(BASE_PATH))
        .collect();
    // A 201 that names what it created and has no body of its own.
    let location = op
        .success_responses()
        .next()
        .is_some_and(|s| s.location && s.schema.is_none());
    match expected {
        307 => {
            let ok = others.len() == 1
                && others[0].path == format!("/api/v3/oneprovider{}", inv.path)
                && r.out() == format!("shared data at {}\n", inv.path);
            if !ok {
                return Err(format!("{what}: after the 307 {others:?}; {r}"));
            }
        }
        _ if !others.is_empty() => return Err(format!("{what}: also sent {others:?}")),
        204 if !r.stdout.is_empty() => return Err(format!("{what}: 204 printed {r}")),
        204 => {}
        201 if location => {
            let v = r.json();
            let loc = v["location"].as_str().unwrap_or_default();
            let id = v["id"].as_str().unwrap_or_default();
            if !loc.starts_with(&zone.api_url()) || id.is_empty() || !loc.ends_with(id) {
                return Err(format!("{what}: 201 printed {r}"));
            }
        }
        _ if op.name == "testImage" => {
            if r.stdout != PNG {
                return Err(format!("{what}: the PNG came out as {:?}", r.stdout));
            }
        }
        _ => {
            if !r.stdout.ends_with(b"\n") || serde_json::from_slice::<Value>(&r.stdout).is_err() {
                return Err(format!("{what}: not one JSON document: {r}"));
            }
        }
    }
    if op.deprecated.is_some() != r.stderr.contains("is deprecated") {
        return Err(format!("{what}: deprecation warning? {r}"));
    }
    // A GET changes nothing: ask again in the other formats, which must
    // render every answer the API has.
    let json = serde_json::from_slice::<Value>(&r.stdout).ok();
    if let (Some(compact), "GET", 200) = (json, op.method, expected) {
        for format in ["pretty", "table"] {
            let mut c = cli();
            c.env("ONEZONE_HOST", zone.url())
                .env("ONEZONE_API_KEY", world.credential(template))
                .args(["-o", format])
                .args(&inv.args);
            let again = run_cmd(c, None);
            let ok = again.code == Some(0)
                && again.stdout.ends_with(b"\n")
                && (format != "pretty"
                    || serde_json::from_slice::<Value>(&again.stdout).ok()
                        == Some(compact.clone()));
            if !ok {
                return Err(format!("{what} -o {format}: {again}"));
            }
        }
    }
    Ok(())
}

#[test]
fn every_operation_succeeds_against_the_fake() {
    assert_eq!(operations().len(), 392);
    // Every main path, plus the other paths of the operations that have
    // more than one (updateGroupHandleServicePrivileges uid=…).
    let mut jobs: Vec<(&'static Operation, &'static str)> =
        operations().into_iter().map(|op| (op, op.path)).collect();
    for op in operations() {
        jobs.extend(op.path_variants.iter().map(|v| (op, v.path)));
    }
    assert!(jobs.len() > 392, "the path variants are exercised too");
    let failures = Mutex::new(Vec::new());
    let threads = 8;
    std::thread::scope(|s| {
        for t in 0..threads {
            let (jobs, failures) = (&jobs, &failures);
            s.spawn(move || {
                for (op, template) in jobs.iter().skip(t).step_by(threads) {
                    if let Err(e) = call_once(op, template) {
                        failures.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} calls failed:\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n\n")
    );
}

/// The session of the task, step by step, parsing what it prints.
#[test]
fn the_session_end_to_end() {
    let zone = FakeZone::start().unwrap();
    let host = zone.url();
    let oz = |args: &[&str]| run(&host, Some(ADMIN_TOKEN), args);

    let r = oz(&["createSpace", "name==demo"]);
    assert_eq!(r.code, Some(0), "{r}");
    let space = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.json()["location"],
        format!("{}/spaces/{space}", zone.api_url())
    );

    for op in ["createSpaceSupportToken", "createSpaceUserInviteToken"] {
        let r = oz(&[op, &format!("id={space}")]);
        assert_eq!(r.code, Some(0), "{r}");
        let v = r.json();
        assert!(
            v["token"].as_str().is_some_and(|t| !t.is_empty()),
            "{op}: {r}"
        );
        assert_eq!(v.as_object().unwrap().len(), 1, "{op}: {r}");
        assert!(
            r.stderr.contains(&format!("warning: {op} is deprecated; use createNamedTokenForCurrentUser or createTemporaryTokenForCurrentUser instead")),
            "{r}"
        );
    }

    let r = oz(&["createGroup", "name==team"]);
    assert_eq!(r.code, Some(0), "{r}");
    let group = r.json()["id"].as_str().unwrap().to_owned();
    assert!(!r.stderr.contains("warning"), "{r}");

    let r = oz(&["createChildGroupToken", &format!("id={group}")]);
    assert_eq!(r.code, Some(0), "{r}");
    let token = r.json()["token"].as_str().unwrap().to_owned();

    let r = oz(&["joinGroup", &format!("token=={token}")]);
    assert_eq!(r.code, Some(0), "{r}");
    let v = r.json();
    assert_eq!(v["id"], group.as_str(), "{r}");
    assert_eq!(
        v["location"],
        format!("{}/user/groups/{group}", zone.api_url())
    );

    let r = oz(&["joinGroup", "token==bogus"]);
    assert_eq!(r.code, Some(4), "{r}");
    assert!(r.stdout.is_empty(), "{r}");
    assert!(
        r.stderr.starts_with(
            "error: HTTP 400 Bad Request (badValueToken): Provided token is not valid"
        ),
        "{r}"
    );

    let r = oz(&["createProviderRegistrationTokenForCurrentUser"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(r.json()["token"].is_string(), "{r}");

    let r = oz(&["createSpaceSupportToken", "id=nope"]);
    assert_eq!(r.code, Some(4), "{r}");
    assert!(r.stdout.is_empty(), "{r}");
    assert!(
        r.stderr.contains(
            "error: HTTP 404 Not Found (notFound): The resource could not be found: space nope."
        ),
        "{r}"
    );

    // The fake saw exactly these nine requests, all of them well-formed
    // (two refused by the server, as they should be).
    let recs = zone.requests();
    let ops: Vec<_> = recs.iter().map(|r| r.operation.unwrap_or("?")).collect();
    assert_eq!(
        ops,
        [
            "createSpace",
            "createSpaceSupportToken",
            "createSpaceUserInviteToken",
            "createGroup",
            "createChildGroupToken",
            "joinGroup",
            "joinGroup",
            "createProviderRegistrationTokenForCurrentUser",
            "createSpaceSupportToken",
        ]
    );
    let statuses: Vec<u16> = recs.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [201, 200, 200, 201, 200, 201, 400, 200, 404]);
    for (i, rec) in recs.iter().enumerate() {
        assert!(rec.problems.is_empty(), "{i}: {:?}", rec.problems);
    }
}

/// The same session as a user types it, in bash with jq.
#[test]
fn the_session_as_a_bash_script() {
    if !installed("jq") {
        skip("jq is not installed; the session as a bash script did not run");
        return;
    }
    let zone = FakeZone::start().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_onezone-rest-cli"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = r#"
set -u
SPACE=$(onezone-rest-cli createSpace name==demo | jq -r .id)
echo "space=$SPACE"
onezone-rest-cli createSpaceSupportToken id=$SPACE | jq -r 'keys[0]'
onezone-rest-cli createSpaceUserInviteToken id=$SPACE | jq -r 'keys[0]'
GROUP=$(onezone-rest-cli createGroup name==team | jq -r .id)
echo "group=$GROUP"
T=$(onezone-rest-cli createChildGroupToken id=$GROUP | jq -r .token)
echo "token=${#T}"
onezone-rest-cli joinGroup token==$T | jq -r .id
onezone-rest-cli joinGroup token==bogus; echo "bogus=$?"
onezone-rest-cli createProviderRegistrationTokenForCurrentUser | jq -r 'keys[0]'
onezone-rest-cli createSpaceSupportToken id=nope; echo "nope=$?"
"#;
    let mut c = std::process::Command::new("bash");
    isolate(&mut c)
        .args(["-c", script])
        .env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", ADMIN_TOKEN)
        .env("PATH", path);
    let r = run_bounded(&mut c, None, TIMEOUT);
    assert_eq!(r.code, Some(0), "{r}");
    let lines: Vec<&str> = r
        .stdout
        .split(|b| *b == b'\n')
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    let space = lines[0].strip_prefix("space=").unwrap();
    assert_eq!(space.len(), 32, "{r}");
    let group = lines[3].strip_prefix("group=").unwrap();
    assert_eq!(group.len(), 32, "{r}");
    assert!(
        lines[4]
            .strip_prefix("token=")
            .unwrap()
            .parse::<usize>()
            .unwrap()
            > 10,
        "{r}"
    );
    assert_eq!(
        &lines[..],
        [
            &format!("space={space}"),
            "token",
            "token",
            &format!("group={group}"),
            lines[4],
            group,
            "bogus=4",
            "token",
            "nope=4",
            ""
        ],
        "{r}"
    );
    assert!(r.stderr.contains("(badValueToken)"), "{r}");
    assert!(r.stderr.contains("HTTP 404 Not Found (notFound)"), "{r}");
}

#[test]
fn output_formats() {
    let zone = FakeZone::start().unwrap();
    let host = zone.url();
    let oz = |args: &[&str]| run(&host, Some(ADMIN_TOKEN), args);
    let space = oz(&["createSpace", "name==demo"]).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // -o token: the bare token, one line.
    let r = oz(&[
        "-o",
        "token",
        "createTemporaryTokenForCurrentUser",
        "caveats:=[]",
    ]);
    assert_eq!(r.code, Some(0), "{r}");
    let out = r.out();
    let token = out.strip_suffix('\n').unwrap();
    assert!(
        token.starts_with("MDAx") && !token.contains(['"', '{', '\n']),
        "{r}"
    );
    // …and it works: the fake accepts it.
    let r = run(&host, Some(token), &["getCurrentUser"]);
    assert_eq!(r.code, Some(0), "{r}");
    // Options may come after the operation too.
    let r = oz(&[
        "createSpaceSupportToken",
        &format!("id={space}"),
        "-o",
        "token",
    ]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.out().starts_with("MDAx") && r.out().lines().count() == 1,
        "{r}"
    );
    // -o token on an answer without a token: exit 1, nothing on stdout.
    let r = oz(&["-o", "token", "getSpace", &format!("id={space}")]);
    assert_eq!(r.code, Some(1), "{r}");
    assert!(
        r.stdout.is_empty() && r.stderr.contains("-o token: the answer has no token"),
        "{r}"
    );

    // -o table: rows of the object's fields.
    let r = oz(&["-o", "table", "getSpace", &format!("id={space}")]);
    assert_eq!(r.code, Some(0), "{r}");
    let t = r.out();
    assert!(t.starts_with("+-"), "{t}");
    assert!(
        t.contains("| spaceId ") && t.contains(&format!("| {space} ")),
        "{t}"
    );
    assert!(
        t.lines()
            .any(|l| l.starts_with("| name ") && l.contains("| demo ")),
        "{t}"
    );
    // A list of IDs: one row per item, with its name (issue 13).
    let r = oz(&["-o", "table", "listSpaces"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.out().contains("| id") && r.out().contains(&space) && r.out().contains("demo"),
        "{r}"
    );

    // -o pretty and -o raw.
    let r = oz(&["-o", "pretty", "getSpace", &format!("id={space}")]);
    assert!(r.out().starts_with("{\n  \"spaceId\": "), "{r}");
    let r = oz(&["-o", "raw", "getSpace", &format!("id={space}")]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.out().starts_with('{') && r.json()["name"] == "demo",
        "{r}"
    );

    // 204: nothing at all on stdout, exit 0.
    let r = oz(&["modifySpace", &format!("id={space}"), "name==renamed"]);
    assert_eq!((r.code, r.stdout.len()), (Some(0), 0), "{r}");
    assert_eq!(zone.requests().last().unwrap().status, 204);
    assert_eq!(
        oz(&["getSpace", &format!("id={space}")]).json()["name"],
        "renamed"
    );

    // A deprecated operation warns on stderr, not on stdout; -s silences it.
    let r = oz(&["createSpaceSupportToken", &format!("id={space}")]);
    assert!(
        r.stderr.trim_end()
            == format!("warning: createSpaceSupportToken is deprecated; use createNamedTokenForCurrentUser or createTemporaryTokenForCurrentUser instead, for example:\n  \
                onezone-rest-cli createNamedTokenForCurrentUser 'name==supportSpace-{}' \
                'type[inviteToken][inviteType]==supportSpace' 'type[inviteToken][spaceId]=={space}'",
                space.chars().take(8).collect::<String>()),
        "{r}"
    );
    assert!(r.json()["token"].is_string());
    let r = oz(&["-s", "createSpaceSupportToken", &format!("id={space}")]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""), "{r}");

    // -i: the status line and the headers before the body.
    let r = oz(&["-i", "createGroup", "name==x"]);
    assert_eq!(r.code, Some(0), "{r}");
    let out = r.out();
    assert!(out.starts_with("HTTP/1.1 201 Created\n"), "{out}");
    assert!(out.contains("\nlocation: http://127.0.0.1:"), "{out}");
    assert!(out.contains("\n\n{\"id\":"), "{out}");
}

#[test]
fn binary_answers_go_to_a_pipe_whole() {
    let zone = FakeZone::start().unwrap();
    // No credential: testImage is public.
    let r = run(&zone.url(), None, &["testImage"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert_eq!(r.stdout, PNG);
    assert_eq!(r.stderr, "");
}

#[test]
fn a_large_body_arrives_complete() {
    let zone = FakeZone::start().unwrap();
    zone.set_fault(Some(Fault::LargeBody(10_000_000)));
    let r = run(&zone.url(), Some(ADMIN_TOKEN), &["getCurrentUser"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stderr, "");
    // Compact JSON of the same document, and the final newline.
    assert_eq!(r.stdout.len(), 10_000_000 + 1);
    assert!(r.stdout.starts_with(br#"{"data":"xxxx"#));
    assert!(r.stdout.ends_with(b"xxx\"}\n"));
    assert!(r.stdout[9..r.stdout.len() - 3].iter().all(|b| *b == b'x'));
    // -o raw: byte for byte.
    let r = run(
        &zone.url(),
        Some(ADMIN_TOKEN),
        &["-o", "raw", "getCurrentUser"],
    );
    assert_eq!(
        (r.code, r.stdout.len()),
        (Some(0), 10_000_000),
        "{}",
        r.stderr
    );
}

/// When the reader of the pipe goes away (`| head`), the client stops at
/// once, quietly, with exit code 1 (output could not be written).
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let zone = FakeZone::start().unwrap();
    zone.set_fault(Some(Fault::LargeBody(50_000_000)));
    let bin = env!("CARGO_BIN_EXE_onezone-rest-cli");
    for format in ["json", "raw"] {
        let mut c = std::process::Command::new("bash");
        isolate(&mut c)
            .args([
                "-c",
                r#""$0" -o "$1" getCurrentUser | head -c 20 >/dev/null; echo "${PIPESTATUS[0]}""#,
                bin,
                format,
            ])
            .env("ONEZONE_HOST", zone.url())
            .env("ONEZONE_API_KEY", ADMIN_TOKEN);
        let r = run_bounded(&mut c, None, TIMEOUT);
        assert_eq!(
            (r.code, r.out().as_str()),
            (Some(0), "1\n"),
            "{format}: {r}"
        );
        assert_eq!(r.stderr, "", "{format}: {r}");
        assert!(
            r.elapsed < std::time::Duration::from_secs(10),
            "{format}: {r}"
        );
    }
}

/// A body from stdin (`-`) goes out as given, merged with body fields.
#[test]
fn a_body_from_stdin_is_sent() {
    let zone = FakeZone::start().unwrap();
    let mut c = cli();
    c.env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", ADMIN_TOKEN)
        .args(["createGroup", "-", "type==team"]);
    let r = run_cmd(c, Some(r#"{"name": "from stdin"}"#));
    assert_eq!(r.code, Some(0), "{r}");
    let rec = &zone.requests()[0];
    assert!(rec.problems.is_empty(), "{:?}", rec.problems);
    assert_eq!(rec.body, br#"{"name":"from stdin","type":"team"}"#.to_vec());
}

/// A redirect to another host (127.0.0.1 → localhost) loses the
/// credential, whichever way it was given.
#[test]
fn no_credential_follows_a_redirect_to_another_host() {
    let b = FakeZone::start().unwrap();
    let a = FakeZone::start().unwrap();
    let b_url = format!("http://localhost:{}", b.port());
    a.set_fault(Some(Fault::RedirectTo(b_url.clone())));
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let cases: &[Case] = &[
        (&["getCurrentUser"], &[("ONEZONE_API_KEY", ADMIN_TOKEN)]),
        (
            &["getCurrentUser"],
            &[("ONEZONE_BASIC_AUTH", "admin:password")],
        ),
        (&["-u", "admin:password", "getCurrentUser"], &[]),
        (&["getCurrentUser", "Authorization:Bearer test-token"], &[]),
        (&["getCurrentUser", "X-Auth-Token:test-token"], &[]),
    ];
    for (args, envs) in cases {
        a.clear_requests();
        b.clear_requests();
        let mut c = cli();
        c.env("ONEZONE_HOST", a.url()).args(*args);
        for (k, v) in *envs {
            c.env(k, v);
        }
        let r = run_cmd(c, None);
        // B got no credential, so B answers 401 — and the hint says why.
        assert_eq!(r.code, Some(4), "{args:?}: {r}");
        assert!(
            r.stderr.contains(
                "the credential was not sent to localhost, another host than the one it is for"
            ),
            "{args:?}: {r}"
        );
        let ra = a.requests();
        let rb = b.requests();
        assert_eq!((ra.len(), rb.len()), (1, 1), "{args:?}");
        assert_eq!(ra[0].status, 307);
        assert_eq!(ra[0].credentials().len(), 1, "{args:?}: A got it");
        assert_eq!(rb[0].credentials(), [], "{args:?}: B must not");
        assert_eq!(rb[0].path, ra[0].path);
        assert_eq!(
            rb[0].header("host"),
            Some(&*format!("localhost:{}", b.port()))
        );
    }
}

/// A 307 keeps the method and the body (and the Content-Type), but still
/// not the credential, when it leads to another host.
#[test]
fn a_307_to_another_host_is_not_followed_with_the_body() {
    // The body may hold a secret (joinGroup's token, examineToken's), and
    // the user named the first host only.
    let b = FakeZone::start().unwrap();
    let a = FakeZone::start().unwrap();
    a.set_fault(Some(Fault::RedirectTo(format!(
        "http://localhost:{}",
        b.port()
    ))));
    let r = run(
        &a.url(),
        Some(ADMIN_TOKEN),
        &["joinGroup", "token==SECRET-INVITE-TOKEN"],
    );
    assert_eq!(r.code, Some(5), "{r}");
    assert!(
        r.stderr.starts_with(&format!(
            "error: HTTP 307 redirects the POST and its body to another origin, http://localhost:{}; not followed",
            b.port()
        )),
        "{r}"
    );
    assert_eq!(a.requests().len(), 1);
    assert_eq!(b.requests().len(), 0, "the body went to the other host");
}

/// A redirect within the same origin (scheme, host and port) keeps the
/// credential on every hop; another port is another origin.
#[test]
fn a_same_host_redirect_keeps_the_credential() {
    let b = FakeZone::start().unwrap();
    let a = FakeZone::start().unwrap();
    a.set_fault(Some(Fault::RedirectTo(format!(
        "{}/api/v3/onezone/user",
        a.url()
    ))));
    // A redirects every request to itself: the hop limit ends it.
    let r = run(&a.url(), Some(ADMIN_TOKEN), &["getCurrentUser"]);
    assert_eq!(r.code, Some(5), "{r}");
    assert!(r.stderr.contains("more than 10 redirects"), "{r}");
    let recs = a.requests();
    assert_eq!(recs.len(), 11);
    for rec in &recs {
        let creds = rec.credentials();
        assert_eq!(creds.len(), 1, "{creds:?}");
        assert_eq!(creds[0].0, "x-auth-token", "{creds:?}");
        assert_eq!(creds[0].1, ADMIN_TOKEN);
    }
    // The same host on another port (B at 127.0.0.1): another origin, so
    // the credential stays behind.
    a.clear_requests();
    a.set_fault(Some(Fault::RedirectTo(b.url())));
    let r = run(&a.url(), Some(ADMIN_TOKEN), &["getCurrentUser"]);
    assert_eq!(r.code, Some(4), "{r}");
    assert_eq!(b.requests()[0].credentials(), []);
}

/// getSharedData's 307 to the provider: followed; the credential goes along
/// only when the provider is the same origin.
#[test]
fn get_shared_data_follows_the_307() {
    // The provider is the fake itself (same origin).
    let zone = FakeZone::start().unwrap();
    let r = run(
        &zone.url(),
        Some(ADMIN_TOKEN),
        &["getSharedData", "file_id=f1", "subpath=a dir/b.txt"],
    );
    assert_eq!(r.code, Some(0), "{r}");
    assert_eq!(r.out(), "shared data at /shares/data/f1/a%20dir/b.txt\n");
    let recs = zone.requests();
    assert_eq!(recs.len(), 2);
    assert_eq!((recs[0].status, recs[1].status), (307, 200));
    assert_eq!(
        recs[1].path,
        "/api/v3/oneprovider/shares/data/f1/a%20dir/b.txt"
    );
    assert_eq!(recs[1].credentials().len(), 1, "same origin");

    // The provider on another host: the data still comes, without the token.
    let provider = FakeZone::start().unwrap();
    let zone = FakeZone::start_with(Config {
        redirect_host: Some(format!("http://localhost:{}", provider.port())),
        ..Config::default()
    })
    .unwrap();
    let r = run(
        &zone.url(),
        Some(ADMIN_TOKEN),
        &["-v", "getSharedData", "file_id=f1", "subpath=x"],
    );
    assert_eq!(r.code, Some(0), "{r}");
    assert_eq!(r.out(), "shared data at /shares/data/f1/x\n");
    assert!(
        r.stderr.contains(&format!(
            "* the credential is not forwarded to http://localhost:{}",
            provider.port()
        )),
        "{r}"
    );
    assert_eq!(zone.requests()[0].credentials().len(), 1);
    let p = provider.requests();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].credentials(), []);
    assert!(!r.stderr.contains(ADMIN_TOKEN));
}

/// The state the calls leave is real: what one call creates, the next one
/// finds (the ids printed by the client are the fake's).
#[test]
fn created_ids_are_usable() {
    let zone = FakeZone::start().unwrap();
    let host = zone.url();
    let oz = |args: &[&str]| run(&host, Some(ADMIN_TOKEN), args);
    let group = oz(&["createGroup", "name==team", "type==team"]).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = oz(&["getGroup", &format!("id={group}")]);
    assert_eq!(
        (r.json()["name"].as_str(), r.json()["type"].as_str()),
        (Some("team"), Some("team")),
        "{r}"
    );
    let r = oz(&["removeGroup", &format!("id={group}")]);
    assert_eq!((r.code, r.stdout.len()), (Some(0), 0), "{r}");
    let r = oz(&["getGroup", &format!("id={group}")]);
    assert_eq!(r.code, Some(4), "{r}");
    // The raw check agrees.
    assert_eq!(
        req("GET", &format!("/groups/{group}"))
            .admin()
            .send(&zone)
            .status,
        404
    );
}

/// Runs the binary against `zone` on a pty (script(1)), with `TERM=dumb`
/// and no colour variables unless `env` says otherwise: its exit code and
/// what the terminal showed.
fn on_a_pty(zone: &FakeZone, args: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let bin = env!("CARGO_BIN_EXE_onezone-rest-cli");
    let mut c = std::process::Command::new("script");
    let line = format!("{} {args}", shlex::try_quote(bin).unwrap());
    isolate(&mut c)
        .args(["-qec", &line, "/dev/null"])
        .env("ONEZONE_HOST", zone.url())
        .env("ONEZONE_API_KEY", ADMIN_TOKEN)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "dumb");
    for (k, v) in env {
        c.env(k, v);
    }
    let r = run_bounded(&mut c, None, TIMEOUT);
    (r.code, r.out().replace("\r\n", "\n"))
}

/// On a terminal (a pty from util-linux `script`): JSON is pretty by
/// default, and a binary answer is not written to it.
#[test]
fn on_a_terminal() {
    if !installed("script") {
        skip("script (util-linux) is not installed; the terminal test did not run");
        return;
    }
    let zone = FakeZone::start().unwrap();
    let tty = |args: &str| on_a_pty(&zone, args, &[]);
    let (code, out) = tty("getCurrentUser");
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.starts_with("{\n  \"userId\": \"u-admin-"),
        "pretty on a terminal: {out}"
    );
    let (code, out) = tty("testImage");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("the answer is binary (image/png) and stdout is a terminal"),
        "{out}"
    );
    assert!(!out.contains("PNG"), "{out}");
}

/// On a terminal, pretty JSON and the `error:` label are coloured; not with
/// `NO_COLOR`, `-nc`, `--no-colors` or `TERM=dumb`, and never when piped.
/// The colours only wrap the text.
#[test]
fn colours_on_a_terminal() {
    if !installed("script") {
        skip("script (util-linux) is not installed; the colour test did not run");
        return;
    }
    let zone = FakeZone::start().unwrap();
    let tty = |args: &str, env: &[(&str, &str)]| {
        on_a_pty(&zone, args, &[&[("TERM", "xterm")], env].concat())
    };
    let (code, plain) = tty("getCurrentUser", &[("TERM", "dumb")]);
    assert_eq!(code, Some(0), "{plain}");
    assert!(!plain.contains('\u{1b}'), "TERM=dumb: {plain:?}");
    let (code, coloured) = tty("getCurrentUser", &[]);
    assert_eq!(code, Some(0), "{coloured}");
    assert!(coloured.contains("\u{1b}["), "coloured: {coloured:?}");
    assert!(coloured.starts_with('{'), "{coloured:?}");
    assert_eq!(console::strip_ansi_codes(&coloured), plain);
    for (args, env) in [
        ("getCurrentUser", &[("NO_COLOR", "1")][..]),
        ("-nc getCurrentUser", &[]),
        ("--no-colors getCurrentUser", &[]),
    ] {
        let (code, out) = tty(args, env);
        assert_eq!(code, Some(0), "{out}");
        assert_eq!(out, plain, "{args} {env:?}");
    }
    // Piped through cat inside the terminal: no colour.
    let (code, out) = tty("-o pretty getCurrentUser | cat", &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains('\u{1b}'), "piped: {out:?}");
    assert_eq!(out, plain);

    let err = "createSpaceSupportToken id=nope";
    let (code, out) = tty(err, &[]);
    assert_eq!(code, Some(4), "{out}");
    assert!(out.contains("\u{1b}["), "coloured error: {out:?}");
    let stripped = console::strip_ansi_codes(&out).into_owned();
    assert!(
        stripped.contains("\nerror: HTTP 404 Not Found"),
        "{stripped:?}"
    );
    assert!(stripped.starts_with("warning: "), "{stripped:?}");
    for (args, env) in [
        (err, &[("NO_COLOR", "1")][..]),
        (err, &[("TERM", "dumb")]),
        ("-nc createSpaceSupportToken id=nope", &[]),
    ] {
        let (code, out) = tty(args, env);
        assert_eq!(code, Some(4), "{out}");
        assert!(!out.contains('\u{1b}'), "{args} {env:?}: {out:?}");
        assert_eq!(out, stripped, "{args} {env:?}");
    }
    // stderr piped: no colour.
    let (code, out) = tty(&format!("{err} 2>&1 | cat"), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains('\u{1b}'), "piped: {out:?}");
    assert_eq!(out, stripped);
}

/// `-v` shows the request line, its headers and its body, with what
/// carries a secret redacted: the credential, and a token in the body.
#[test]
fn verbose_shows_the_body_without_secrets() {
    let zone = FakeZone::start().unwrap();
    let host = zone.url();
    let oz = |args: &[&str]| run(&host, Some(ADMIN_TOKEN), args);
    let group = oz(&["createGroup", "name==team"]).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = oz(&["createChildGroupToken", &format!("id={group}")]).json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = oz(&["-v", "joinGroup", &format!("token=={token}")]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        r.stderr
            .contains("> POST /api/v3/onezone/user/groups/join HTTP/1.1"),
        "{r}"
    );
    assert!(r.stderr.contains(r#"> {"token":"<redacted>"}"#), "{r}");
    assert!(!r.stderr.contains(&token), "{r}");
    assert!(!r.stderr.contains(ADMIN_TOKEN), "{r}");
    let r = oz(&["-v", "createGroup", "name==other"]);
    assert!(r.stderr.contains(r#"> {"name":"other"}"#), "{r}");
}

/// A 204 leaves stdout empty; on a terminal, stderr says what was done.
#[test]
fn no_content_is_noted_on_a_terminal_only() {
    let zone = FakeZone::start().unwrap();
    let host = zone.url();
    let oz = |args: &[&str]| run(&host, Some(ADMIN_TOKEN), args);
    let new_group = || {
        oz(&["createGroup", "name==team"]).json()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let group = new_group();
    let r = oz(&["removeGroup", &format!("id={group}")]);
    assert_eq!((r.code, r.stdout.len()), (Some(0), 0), "{r}");
    assert!(!r.stderr.contains("removed:"), "piped: {r}");
    if !installed("script") {
        skip("script (util-linux) is not installed; the terminal test did not run");
        return;
    }
    let tty = |args: &str| on_a_pty(&zone, args, &[]);
    let group = new_group();
    let (code, out) = tty(&format!("removeGroup id={group}"));
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out, format!("removed: /api/v3/onezone/groups/{group}\n"));
    let group = new_group();
    let (code, out) = tty(&format!("-s removeGroup id={group}"));
    assert_eq!((code, out.as_str()), (Some(0), ""));
    // TERM=dumb: a table is drawn in ASCII.
    let (code, out) = tty("-o table getCurrentUser");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.is_ascii() && out.contains("userId"), "{out}");
}
