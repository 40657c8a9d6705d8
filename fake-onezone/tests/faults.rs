//! Every fault mode, through the library and the binary.

use fake_onezone::probe::{req, Conn};
use fake_onezone::{Config, FakeZone, Fault};
use serde_json::json;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// No child process of these tests may take longer than this.
const LIMIT: Duration = Duration::from_secs(20);

/// What `f` gives, run on a thread of its own, if it gives it within
/// `limit`; otherwise `child` is killed and the test fails, saying `what`.
fn within<T: Send + 'static>(
    child: &mut Child,
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).unwrap_or_else(|_| {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{what}: nothing within {limit:?}; the fake was killed")
    })
}

/// Waits at most `limit` for `child` to exit; past it, kills it and fails.
fn wait_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for the fake") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the fake did not exit within {limit:?}; killed");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Everything `from` gives until it closes, read on a thread of its own
/// (`within` bounds the wait for it).
fn read_all(mut from: impl Read + Send + 'static) -> impl FnOnce() -> Vec<u8> + Send {
    move || {
        let mut b = Vec::new();
        let _ = from.read_to_end(&mut b);
        b
    }
}

#[test]
fn slow_delays_the_first_byte() {
    let zone = FakeZone::start().unwrap();
    zone.set_fault(Some(Fault::Slow(Duration::from_millis(300))));
    let t = Instant::now();
    let r = req("GET", "/user").admin().send(&zone);
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 200);
    // Slow still acts.
    assert_eq!(
        req("POST", "/groups")
            .admin()
            .json(&json!({"name": "g"}))
            .send(&zone)
            .status,
        201
    );
    zone.set_fault(None);
    let t = Instant::now();
    assert_eq!(req("GET", "/user").admin().send(&zone).status, 200);
    assert!(t.elapsed() < Duration::from_millis(300));
    assert_eq!(
        req("GET", "/groups").admin().send(&zone).json()["groups"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn drop_mid_body_closes_early() {
    let zone = FakeZone::start().unwrap();
    zone.set_fault(Some(Fault::DropMidBody));
    let mut c = Conn::open(zone.port());
    c.write(&req("GET", "/user").admin().bytes());
    let err = c.read().unwrap_err();
    assert!(err.starts_with("body ended after"), "{err}");
    assert_eq!(zone.requests()[0].status, 200);
}

#[test]
fn status_with_and_without_error_body() {
    let zone = FakeZone::start().unwrap();
    for (code, id) in [
        (500, "internalServerError"),
        (502, "badGateway"),
        (503, "serviceUnavailable"),
    ] {
        zone.set_fault(Some(Fault::Status(code, true)));
        let r = req("GET", "/user").admin().send(&zone);
        assert_eq!((r.status, r.error_id().as_str()), (code, id));
        zone.set_fault(Some(Fault::Status(code, false)));
        let r = req("GET", "/user").admin().send(&zone);
        assert_eq!(r.status, code);
        assert!(r.body.is_empty() && r.header("content-type").is_none());
    }
    // The state did not change under the fault.
    zone.set_fault(Some(Fault::Status(503, true)));
    req("POST", "/groups")
        .admin()
        .json(&json!({"name": "g"}))
        .send(&zone);
    zone.set_fault(None);
    assert_eq!(
        req("GET", "/groups").admin().send(&zone).json(),
        json!({"groups": []})
    );
    // Faulty answers are still recorded, with their checks.
    let recs = zone.requests();
    let rec = &recs[recs.len() - 2];
    assert_eq!((rec.operation, rec.status), (Some("createGroup"), 503));
    assert!(rec.problems.is_empty());
}

#[test]
fn invalid_json_and_html() {
    let zone = FakeZone::start().unwrap();
    zone.set_fault(Some(Fault::InvalidJson));
    let r = req("GET", "/user").admin().send(&zone);
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, Some("application/json"))
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    zone.set_fault(Some(Fault::Html(502)));
    let r = req("GET", "/user").admin().send(&zone);
    assert_eq!(
        (r.status, r.header("content-type")),
        (502, Some("text/html"))
    );
    assert!(r.text().contains("<h1>502 Bad Gateway</h1>"));
}

#[test]
fn redirect_to_another_host() {
    let a = FakeZone::start().unwrap();
    let b = FakeZone::start().unwrap();
    let other = format!("http://localhost:{}", b.port());
    a.set_fault(Some(Fault::RedirectTo(other.clone())));
    let r = req("GET", "/user?x=1").admin().send(&a);
    assert_eq!(r.status, 307);
    assert_eq!(
        r.header("location"),
        Some(format!("{other}/api/v3/onezone/user?x=1").as_str())
    );
    a.set_fault(Some(Fault::RedirectTo(format!("{other}/elsewhere"))));
    let r = req("POST", "/groups")
        .admin()
        .json(&json!({"name": "g"}))
        .send(&a);
    assert_eq!(
        r.header("location"),
        Some(format!("{other}/elsewhere").as_str())
    );
    // Following it reaches the other fake, which sees what the client sent.
    let r = req("GET", "/user")
        .host(&format!("localhost:{}", b.port()))
        .send(&b);
    assert_eq!(r.status, 401);
    assert_eq!(
        b.requests()[0].header("host"),
        Some(format!("localhost:{}", b.port()).as_str())
    );
}

#[test]
fn large_bodies_are_exact_and_valid() {
    let zone = FakeZone::start().unwrap();
    let mut c = Conn::open(zone.port());
    for n in [1, 2, 5, 10, 11, 12, 1000, 3_000_000] {
        zone.set_fault(Some(Fault::LargeBody(n)));
        let r = c.send(&req("GET", "/user").admin());
        assert_eq!(r.body.len(), n);
        assert!(
            serde_json::from_slice::<serde_json::Value>(&r.body).is_ok(),
            "{n}"
        );
    }
}

#[test]
fn garbage_is_not_http() {
    let zone = FakeZone::start().unwrap();
    zone.set_fault(Some(Fault::Garbage));
    let mut c = Conn::open(zone.port());
    c.write(&req("GET", "/user").admin().bytes());
    let bytes = c.read_to_end();
    assert!(!bytes.is_empty() && !bytes.starts_with(b"HTTP/"));
    assert_eq!(zone.requests()[0].status, 0);
}

#[test]
fn binary_prints_its_url_serves_and_exits_on_stdin_eof() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-onezone"))
        .args(["--fault", "status:502", "--exit-on-stdin-eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // stderr is read all along, so the fake never blocks on a full pipe.
    let stderr = thread::spawn(read_all(child.stderr.take().unwrap()));
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (line, stdout) = within(&mut child, LIMIT, "its URL on stdout", move || {
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        (line, stdout)
    });
    let port: u16 = line
        .trim()
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    let mut c = Conn::open(port);
    let r = c.send(&req("GET", "/user").admin());
    assert_eq!((r.status, r.error_id().as_str()), (502, "badGateway"));
    drop(c);
    drop(child.stdin.take()); // closes its stdin: it must exit
    let status = wait_within(&mut child, LIMIT);
    assert!(status.success(), "{status}");
    let rest = within(&mut child, LIMIT, "the end of its stdout", read_all(stdout));
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    let err = within(&mut child, LIMIT, "the end of its stderr", move || {
        stderr.join().expect("read stderr")
    });
    let err = String::from_utf8_lossy(&err);
    assert!(
        err.contains("test-token") && err.contains("user-token"),
        "{err}"
    );
    assert!(
        err.contains("GET /api/v3/onezone/user -> 502 getCurrentUser"),
        "{err}"
    );
    assert_eq!(
        err.matches("test-token").count(),
        1,
        "tokens are not logged per request: {err}"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-onezone"))
        .arg("--fault=nope")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert_eq!(wait_within(&mut child, LIMIT).code(), Some(2));
}

#[test]
fn config_fault_applies_from_the_start() {
    let zone = FakeZone::start_with(Config {
        fault: Some(Fault::Html(504)),
        ..Config::default()
    })
    .unwrap();
    assert_eq!(req("GET", "/health").send(&zone).status, 504);
}

#[test]
fn a_fault_for_the_next_n_requests_only() {
    let zone = FakeZone::start().unwrap();
    zone.set_fault_times(Fault::RetryAfter(429, "7".into()), 2);
    for _ in 0..2 {
        let r = req("GET", "/user").admin().send(&zone);
        assert_eq!(
            (r.status, r.header("retry-after"), r.error_id().as_str()),
            (429, Some("7"), "tooManyRequests")
        );
    }
    assert_eq!(req("GET", "/user").admin().send(&zone).status, 200);
    // set_fault replaces a counted fault with one for good.
    zone.set_fault_times(Fault::Status(503, false), 1);
    zone.set_fault(Some(Fault::Status(502, false)));
    for _ in 0..3 {
        assert_eq!(req("GET", "/user").admin().send(&zone).status, 502);
    }
}

#[test]
fn fake_gzip_and_stall_mid_body() {
    let zone = FakeZone::start().unwrap();
    zone.set_fault(Some(Fault::FakeGzip));
    let r = req("GET", "/user").admin().send(&zone);
    assert_eq!(
        (r.status, r.header("content-encoding")),
        (200, Some("gzip"))
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_ok());

    zone.set_fault(Some(Fault::StallMidBody(Duration::from_millis(300))));
    let mut c = Conn::open(zone.port());
    let t = Instant::now();
    c.write(&req("GET", "/user").admin().bytes());
    let err = c.read().unwrap_err();
    assert!(err.starts_with("body ended after"), "{err}");
    assert!(t.elapsed() >= Duration::from_millis(300));
}
