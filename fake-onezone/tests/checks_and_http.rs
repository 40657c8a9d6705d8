//! Validation of what arrives, and the HTTP layer itself.

use fake_onezone::probe::{req, Conn, Req};
use fake_onezone::{Config, FakeZone, PNG};
use serde_json::json;
use std::time::{Duration, Instant};

/// Sends `r`, expects `status` and `id`, and one recorded problem or more.
fn refused(zone: &FakeZone, r: Req, status: u16, id: &str) -> serde_json::Value {
    zone.clear_requests();
    let resp = r.send(zone);
    assert_eq!(resp.status, status, "{r:?}: {}", resp.text());
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.error_id(), id, "{}", resp.text());
    assert!(resp.json()["error"]["description"].is_string());
    let recs = zone.requests();
    assert_eq!(recs.len(), 1);
    assert!(!recs[0].problems.is_empty(), "{r:?} recorded no problem");
    assert_eq!(recs[0].status, status);
    resp.json()["error"]["details"].clone()
}

#[test]
fn bad_requests_are_recorded_and_refused() {
    let zone = FakeZone::start().unwrap();
    let group = |body: &[u8]| {
        req("POST", "/groups")
            .admin()
            .header("Content-Type", "application/json")
            .raw_body(body)
    };

    refused(&zone, req("GET", "/nothing/here").admin(), 404, "notFound");
    refused(
        &zone,
        req("GET", "/api/v2/onezone/user").admin(),
        404,
        "notFound",
    );
    refused(
        &zone,
        req("GET", "/spaces//providers/token").admin(),
        404,
        "notFound",
    );
    refused(
        &zone,
        req("PUT", "/spaces").admin(),
        405,
        "methodNotAllowed",
    );
    refused(
        &zone,
        req("GET", "/spaces/%ZZ").admin(),
        400,
        "badValueIdentifier",
    );
    refused(
        &zone,
        req("GET", "/user?x=1").admin(),
        400,
        "badValueQueryString",
    );
    refused(
        &zone,
        req("GET", "/user").admin().raw_body(b"x"),
        400,
        "unexpectedBody",
    );
    refused(
        &zone,
        req("GET", "/user")
            .admin()
            .header("Content-Type", "application/x-www-form-urlencoded"),
        400,
        "unexpectedBody",
    );
    refused(
        &zone,
        req("DELETE", "/user").admin().json(&json!({})),
        400,
        "unexpectedBody",
    );
    refused(
        &zone,
        req("POST", "/user/client_tokens")
            .admin()
            .json(&json!({"a": 1})),
        400,
        "unexpectedBody",
    );
    let d = refused(
        &zone,
        req("POST", "/groups").admin(),
        400,
        "missingRequiredValue",
    );
    assert_eq!(d["key"], "body");
    refused(
        &zone,
        req("POST", "/groups")
            .admin()
            .header("Content-Type", "text/plain")
            .raw_body(br#"{"name":"x"}"#),
        400,
        "badValueContentType",
    );
    refused(
        &zone,
        req("POST", "/groups").admin().raw_body(br#"{"name":"x"}"#),
        400,
        "badValueContentType",
    );
    refused(&zone, group(br#"{"name": "a "q" b"}"#), 400, "badValueJSON");
    let d = refused(
        &zone,
        group(br#"{"type": "team"}"#),
        400,
        "missingRequiredValue",
    );
    assert_eq!(d["key"], "name");
    let d = refused(&zone, group(br#"{"name": 5}"#), 400, "badValueString");
    assert_eq!(d["key"], "name");
    let d = refused(
        &zone,
        group(br#"{"name": "x", "type": "club"}"#),
        400,
        "badValueNotAllowed",
    );
    assert_eq!(d["allowed"][0], "organization");
    let d = refused(
        &zone,
        group(br#"{"name": "x", "colour": 1}"#),
        400,
        "badValueUnknownField",
    );
    assert_eq!(d["key"], "colour");
    refused(&zone, group(br#"["name"]"#), 400, "badValueJSON");
    let d = refused(
        &zone,
        req("POST", "/user/tokens/temporary")
            .admin()
            .json(&json!({"caveats": [{"type": "time", "validUntil": "soon"}]})),
        400,
        "badValueInteger",
    );
    assert_eq!(d["key"], "caveats[0].validUntil");
    refused(
        &zone,
        group(br#"{"name":"x"}"#).header("Content-Type", "application/json"),
        400,
        "badMessage",
    );
    refused(
        &zone,
        req("GET", "/user").admin().header("Host", "b"),
        400,
        "badMessage",
    );
    refused(
        &zone,
        req("GET", "/test_image").header("Accept", "application/json"),
        406,
        "notAcceptable",
    );
    refused(
        &zone,
        req("GET", "/user").admin().header("Accept", "text/html"),
        406,
        "notAcceptable",
    );

    // A valid request records no problem, whatever else it carries.
    zone.clear_requests();
    for r in [
        req("GET", "/test_image").header("Accept", "image/*"),
        req("GET", "/test_image").header("Accept", "text/html, */*;q=0.1"),
        req("GET", "/user")
            .admin()
            .header("Accept", "application/json"),
        req("POST", "/groups")
            .admin()
            .header("Content-Type", "application/json; charset=utf-8")
            .raw_body(br#"{"name": "x"}"#),
        req("POST", "/user/client_tokens")
            .admin()
            .header("Content-Length", "0"),
    ] {
        let resp = r.send(&zone);
        assert!(resp.status < 300, "{r:?}: {}", resp.text());
    }
    let recs = zone.requests();
    assert!(recs.iter().all(|r| r.problems.is_empty()), "{recs:?}");
    assert_eq!(recs[3].json(), Some(json!({"name": "x"})));
    assert_eq!(
        recs[3].header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[test]
fn keep_alive_chunked_and_continue() {
    let zone = FakeZone::start().unwrap();
    let mut c = Conn::open(zone.port());
    for _ in 0..3 {
        assert_eq!(c.send(&req("GET", "/user").admin()).status, 200);
    }
    // A chunked body.
    c.write(
        b"POST /api/v3/onezone/groups HTTP/1.1\r\nHost: x\r\nX-Auth-Token: test-token\r\n\
          Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
          5\r\n{\"nam\r\n9;ext=1\r\ne\": \"ch\"}\r\n0\r\n\r\n",
    );
    let r = c.read().unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    // Expect: 100-continue gets a 100 before the body is sent.
    c.write(
        b"POST /api/v3/onezone/groups HTTP/1.1\r\nHost: x\r\nX-Auth-Token: test-token\r\n\
          Content-Type: application/json\r\nContent-Length: 13\r\nExpect: 100-continue\r\n\r\n",
    );
    assert_eq!(c.read().unwrap().status, 100);
    c.write(br#"{"name":"ct"}"#);
    assert_eq!(c.read().unwrap().status, 201);
    let recs = zone.requests();
    assert_eq!(recs.len(), 5);
    assert_eq!(recs[3].json(), Some(json!({"name": "ch"})));
    assert!(recs.iter().all(|r| r.problems.is_empty()), "{recs:?}");
    // Connection: close is honoured.
    let r = c.send(&req("GET", "/health").header("Connection", "close"));
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.read_to_end().is_empty());
}

#[test]
fn malformed_http_gets_400_and_is_recorded() {
    let zone = FakeZone::start().unwrap();
    for raw in [
        &b"NOT HTTP AT ALL\r\n\r\n"[..],
        b"GET /x HTTP/2.0\r\n\r\n",
        b"GET /api/v3/onezone/user HTTP/1.1\r\nBad Header\r\n\r\n",
        b"POST /api/v3/onezone/groups HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"POST /api/v3/onezone/groups HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"POST /api/v3/onezone/groups HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST /api/v3/onezone/groups HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let mut c = Conn::open(zone.port());
        c.write(raw);
        let r = c.read().unwrap();
        assert_eq!(
            (r.status, r.error_id().as_str()),
            (400, "badMessage"),
            "{}",
            String::from_utf8_lossy(raw)
        );
    }
    let mut c = Conn::open(zone.port());
    c.write(b"POST /api/v3/onezone/groups HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n");
    assert_eq!(c.read().unwrap().status, 413);
    let mut c = Conn::open(zone.port());
    let mut big = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..200 {
        big.extend(format!("X-H{i}: v\r\n").bytes());
    }
    c.write(&big);
    assert_eq!(c.read().unwrap().status, 431);
    let recs = zone.requests();
    assert_eq!(recs.len(), 9);
    assert!(recs.iter().all(|r| !r.problems.is_empty()));
    // The server still works.
    assert_eq!(req("GET", "/health").send(&zone).status, 200);
}

#[test]
fn test_image_and_shared_data() {
    let zone = FakeZone::start().unwrap();
    let r = req("GET", "/test_image").send(&zone);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(r.body, PNG);
    let r = req("GET", "/shares/data/f1/dir/a%20b.txt")
        .host(&format!("127.0.0.1:{}", zone.port()))
        .send(&zone);
    assert_eq!(r.status, 307);
    let loc = r.header("location").unwrap();
    assert_eq!(
        loc,
        format!(
            "{}/api/v3/oneprovider/shares/data/f1/dir/a%20b.txt",
            zone.url()
        )
    );
    let r = req("GET", loc.strip_prefix(&zone.url()).unwrap()).send(&zone);
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, Some("application/octet-stream"))
    );
    let recs = zone.requests();
    assert_eq!(recs[1].operation, Some("getSharedData"));
    assert_eq!(recs[2].operation, None);
    assert!(recs.iter().all(|r| r.problems.is_empty()));

    let other = FakeZone::start_with(Config {
        redirect_host: Some("http://localhost:1".into()),
        ..Config::default()
    })
    .unwrap();
    let r = req("GET", "/shares/data/f1/x").send(&other);
    assert_eq!(
        r.header("location"),
        Some("http://localhost:1/api/v3/oneprovider/shares/data/f1/x")
    );
}

#[test]
fn dropping_stops_the_server_promptly() {
    let zone = FakeZone::start().unwrap();
    let port = zone.port();
    let mut idle = Conn::open(port);
    assert_eq!(idle.send(&req("GET", "/health")).status, 200);
    let mut half = Conn::open(port);
    half.write(b"GET /api/v3/onezone/health HTTP/1.1\r\n");
    zone.set_fault(Some(fake_onezone::Fault::Slow(Duration::from_secs(30))));
    let mut slow = Conn::open(port);
    slow.write(&req("GET", "/health").bytes());
    std::thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    drop(zone);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(idle.read_to_end().is_empty());
    assert!(slow.read_to_end().is_empty());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn connections_are_bounded() {
    let zone = FakeZone::start_with(Config {
        max_connections: 2,
        ..Config::default()
    })
    .unwrap();
    let mut a = Conn::open(zone.port());
    let mut b = Conn::open(zone.port());
    assert_eq!(a.send(&req("GET", "/health")).status, 200);
    assert_eq!(b.send(&req("GET", "/health")).status, 200);
    let mut c = Conn::open(zone.port());
    let r = c.read().unwrap();
    assert_eq!(
        (r.status, r.error_id().as_str()),
        (503, "serviceUnavailable")
    );
    drop(a);
    drop(b);
    // Freed slots are reused.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut d = Conn::open(zone.port());
        d.write(&req("GET", "/health").bytes());
        if d.read().unwrap().status == 200 {
            break;
        }
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn credentials_are_counted_once() {
    let zone = FakeZone::start().unwrap();
    for (r, n) in [
        (req("GET", "/user").admin().admin(), 2),
        (
            req("GET", "/user")
                .admin()
                .header("Authorization", "Bearer test-token"),
            2,
        ),
        (req("GET", "/user").admin().admin().token(""), 3),
        (
            req("GET", "/user").admin().header("Authorization", "KEY-H"),
            2,
        ),
    ] {
        zone.clear_requests();
        let d = refused(&zone, r.clone(), 400, "badValueAuthorization");
        assert_eq!(d["credentials"], n, "{r:?}");
        let problems = &zone.requests()[0].problems;
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("{n} credentials in one request"))),
            "{problems:?}"
        );
    }
}

/// Everything the fake answers to `raw`, sent on one connection.
fn exchange(zone: &FakeZone, raw: &[u8]) -> Vec<u8> {
    let mut c = Conn::open(zone.port());
    c.write(raw);
    c.read_to_end()
}

#[test]
fn answers_to_head_have_no_body() {
    let zone = FakeZone::start().unwrap();
    // HEAD, then a GET on the same connection: the GET's answer must follow
    // the HEAD's head directly.
    for head in [
        &b"HEAD /api/v3/onezone/configuration HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"HEAD /api/v3/onezone/nothing HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let mut raw = head.to_vec();
        raw.extend_from_slice(
            b"GET /api/v3/onezone/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        let out = exchange(&zone, &raw);
        let text = String::from_utf8_lossy(&out);
        let end = text.find("\r\n\r\n").expect("a head") + 4;
        assert!(text[end..].starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert_eq!(text.matches("HTTP/1.1 ").count(), 2, "{text}");
    }
}

#[test]
fn chunk_sizes_are_hex_digits_only() {
    let zone = FakeZone::start().unwrap();
    for size in ["+5", "-5", " 5", "0x5", "5 5", ""] {
        let mut raw =
            b"POST /api/v3/onezone/groups HTTP/1.1\r\nHost: x\r\nX-Auth-Token: test-token\r\n\
              Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                .to_vec();
        raw.extend(format!("{size}\r\n{{\"a\"}}\r\n0\r\n\r\n").bytes());
        let mut c = Conn::open(zone.port());
        c.write(&raw);
        let r = c.read().unwrap();
        assert_eq!(
            (r.status, r.error_id().as_str()),
            (400, "badMessage"),
            "chunk size {size:?}: {}",
            r.text()
        );
    }
    // Hex digits in either case, with an extension, are fine.
    let mut c = Conn::open(zone.port());
    c.write(
        b"POST /api/v3/onezone/groups HTTP/1.1\r\nHost: x\r\nX-Auth-Token: test-token\r\n\
          Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
          00A ; x=y\r\n{\"name\": \"\r\n3\r\nab\"\r\n1\r\n}\r\n0\r\n\r\n",
    );
    let r = c.read().unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
}
