//! Oneprovider's files: query parameters checked against the catalogue,
//! listings paged as each release does it, content streamed both ways
//! (uploads never held in memory), byte ranges.

use fake_onezone::probe::{req, Conn, Req, Resp};
use fake_onezone::{Config, FakeZone, ProviderSpace};
use serde_json::{json, Value};

const PROVIDER: &str = "/api/v3/oneprovider";

fn provider(method: &str, path: &str) -> Req {
    req(method, &format!("{PROVIDER}{path}")).admin()
}

/// A fake with a supported space.
fn space() -> (FakeZone, ProviderSpace) {
    let zone = FakeZone::start().unwrap();
    let ps = ProviderSpace::new(&zone, "files", 1 << 40).unwrap_or_else(|e| panic!("{e}"));
    (zone, ps)
}

/// Makes a regular file `name` in directory `dir` with `content`: its id.
fn create(zone: &FakeZone, dir: &str, name: &str, content: &[u8]) -> String {
    let r = provider("POST", &format!("/data/{dir}/children?name={name}"))
        .octets(content)
        .send(zone);
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["fileId"].as_str().unwrap().to_owned()
}

fn content(zone: &FakeZone, id: &str) -> Vec<u8> {
    let r = provider("GET", &format!("/data/{id}/content")).send(zone);
    assert_eq!(r.status, 200, "{}", r.text());
    r.body
}

/// `n` bytes that are not a repeating pattern (xorshift).
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn refused(r: &Resp, status: u16, id: &str) -> Value {
    assert_eq!(
        (r.status, r.error_id().as_str()),
        (status, id),
        "{}",
        r.text()
    );
    r.json()["error"]["details"].clone()
}

#[test]
fn query_parameters_are_checked_and_recorded() {
    let (zone, ps) = space();
    let children = |q: &str| provider("POST", &format!("/data/{}/children?{q}", ps.root));
    let d = refused(
        &children("name=a&bogus=1").send(&zone),
        400,
        "badValueQueryString",
    );
    assert_eq!(d["key"], "bogus");
    let d = refused(
        &children("type=DIR").send(&zone),
        400,
        "missingRequiredValue",
    );
    assert_eq!(d["key"], "name");
    let d = refused(
        &children("name=a&mode=x").send(&zone),
        400,
        "badValueInteger",
    );
    assert_eq!(d["key"], "mode");
    // The newest release spells the types in capitals.
    let d = refused(
        &children("name=a&type=dir").send(&zone),
        400,
        "badValueNotAllowed",
    );
    assert_eq!(d["allowed"], json!(["REG", "DIR", "LNK", "SYMLNK"]));
    refused(
        &children("name=a&name%zz").send(&zone),
        400,
        "badValueQueryString",
    );
    // Query parameters of another release are unknown here.
    refused(
        &provider("GET", &format!("/data/{}/children?limit=1", ps.root)).send(&zone),
        400,
        "badValueQueryString",
    );
    // A valid one, decoded in the record.
    zone.clear_requests();
    let r = children("name=a%20b+c&type=DIR&mode=493").send(&zone);
    assert_eq!(r.status, 201, "{}", r.text());
    let recs = zone.requests();
    assert_eq!(
        recs[0].query,
        vec![
            ("name".to_owned(), "a b c".to_owned()),
            ("type".to_owned(), "DIR".to_owned()),
            ("mode".to_owned(), "493".to_owned())
        ]
    );
    assert!(recs[0].problems.is_empty(), "{:?}", recs[0].problems);
    let r = provider("GET", &format!("/data/{}/children", ps.root)).send(&zone);
    assert_eq!(r.json()["children"][0]["name"], "a b c");
    // Booleans are true or false.
    let f = create(&zone, &ps.root, "f", b"x");
    let get = |q: &str| provider("GET", &format!("/data/{f}/content?{q}")).send(&zone);
    refused(&get("follow_symlinks=yes"), 400, "badValueBoolean");
    assert_eq!(get("follow_symlinks=false").status, 200);
    // Onezone still takes none.
    refused(
        &req("GET", "/user?x=1").admin().send(&zone),
        400,
        "badValueQueryString",
    );
}

#[test]
fn ranges_give_206_and_416() {
    let (zone, ps) = space();
    let f = create(&zone, &ps.root, "digits", b"0123456789");
    let get = |range: &str| {
        provider("GET", &format!("/data/{f}/content"))
            .header("Range", range)
            .send(&zone)
    };
    for (range, body, content_range) in [
        ("bytes=2-5", &b"2345"[..], "bytes 2-5/10"),
        ("bytes=7-", b"789", "bytes 7-9/10"),
        ("bytes=-3", b"789", "bytes 7-9/10"),
        ("bytes=8-100", b"89", "bytes 8-9/10"),
    ] {
        let r = get(range);
        assert_eq!((r.status, r.body.as_slice()), (206, body), "{range}");
        assert_eq!(r.header("content-range"), Some(content_range), "{range}");
        assert_eq!(
            r.header("content-length"),
            Some(body.len().to_string().as_str())
        );
    }
    for range in ["bytes=10-", "bytes=-0"] {
        let r = get(range);
        assert_eq!(r.status, 416, "{range}: {}", r.text());
        assert_eq!(r.header("content-range"), Some("bytes */10"));
    }
    // Ignored: several ranges, another unit, nonsense.
    for range in ["bytes=0-1,3-4", "lines=1-2", "bytes=5-2"] {
        let r = get(range);
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, &b"0123456789"[..]),
            "{range}"
        );
    }
    // An empty file has no satisfiable range.
    let e = create(&zone, &ps.root, "empty", b"");
    let r = provider("GET", &format!("/data/{e}/content"))
        .header("Range", "bytes=0-")
        .send(&zone);
    assert_eq!(r.status, 416);
    assert!(content(&zone, &e).is_empty());
}

#[test]
fn content_is_written_replaced_and_removed() {
    let (zone, ps) = space();
    let f = create(&zone, &ps.root, "f", b"abcdefghijklmno");
    let put = |q: &str, body: &[u8]| {
        let r = provider("PUT", &format!("/data/{f}/content{q}"))
            .octets(body)
            .send(&zone);
        assert_eq!(r.status, 204, "{}", r.text());
    };
    put("?offset=4", b"WXYZ");
    assert_eq!(content(&zone, &f), b"abcdWXYZijklmno");
    put("?offset=17", b"!");
    assert_eq!(content(&zone, &f), b"abcdWXYZijklmno\0\0!");
    put("", b"new");
    assert_eq!(content(&zone, &f), b"new");
    let r = provider("PUT", &format!("/data/{f}/content?offset={}", 1u64 << 40))
        .octets(b"far")
        .send(&zone);
    assert_eq!(refused(&r, 400, "posix")["errno"], "efbig");
    let r = provider("GET", &format!("/data/{f}")).send(&zone);
    assert_eq!(r.json()["size"], 3);
    // Offsets of new files; directories have no content.
    let r = provider(
        "POST",
        &format!("/data/{}/children?name=g&offset=2", ps.root),
    )
    .octets(b"xy")
    .send(&zone);
    let g = r.json()["fileId"].as_str().unwrap().to_owned();
    assert_eq!(content(&zone, &g), b"\0\0xy");
    let r = provider(
        "POST",
        &format!("/data/{}/children?name=d&type=DIR", ps.root),
    )
    .send(&zone);
    let d = r.json()["fileId"].as_str().unwrap().to_owned();
    let r = provider("GET", &format!("/data/{d}/content")).send(&zone);
    assert_eq!(refused(&r, 400, "posix")["errno"], "eisdir");
    let r = provider("POST", &format!("/data/{f}/children?name=x")).send(&zone);
    assert_eq!(refused(&r, 400, "posix")["errno"], "enotdir");
    let r = provider("POST", &format!("/data/{}/children?name=f", ps.root)).send(&zone);
    assert_eq!(refused(&r, 400, "posix")["errno"], "eexist");
    let r = provider("DELETE", &format!("/data/{}", ps.root)).send(&zone);
    assert_eq!(refused(&r, 400, "posix")["errno"], "eperm");
    assert_eq!(
        provider("DELETE", &format!("/data/{f}")).send(&zone).status,
        204
    );
    for r in [
        provider("GET", &format!("/data/{f}/content")).send(&zone),
        provider("DELETE", &format!("/data/{f}")).send(&zone),
        provider("PUT", &format!("/data/{f}/content"))
            .octets(b"x")
            .send(&zone),
    ] {
        refused(&r, 404, "notFound");
    }
}

#[test]
fn big_uploads_and_downloads_are_streamed() {
    let (zone, ps) = space();
    const SIZE: usize = 20 * 1024 * 1024;
    let data = noise(SIZE, 7);

    // Content-Length framing, above the 8 MiB limit of other bodies.
    zone.clear_requests();
    let f = create(&zone, &ps.root, "big", &data);
    let rec = &zone.requests()[0];
    assert_eq!(rec.body.len(), 64 * 1024, "only the start is recorded");
    assert_eq!(rec.body, data[..64 * 1024]);
    let r = provider("GET", &format!("/data/{f}")).send(&zone);
    assert_eq!(r.json()["size"], SIZE);
    let got = content(&zone, &f);
    assert!(got == data, "the download differs from the upload");
    let r = provider("GET", &format!("/data/{f}/content"))
        .header("Range", "bytes=10000000-10999999")
        .send(&zone);
    assert_eq!(r.status, 206);
    assert!(r.body == data[10_000_000..11_000_000]);

    // Chunked framing, replacing the content, on a kept-alive connection.
    let other = noise(SIZE + 12345, 11);
    let mut c = Conn::open(zone.port());
    c.write(
        format!(
            "PUT {PROVIDER}/data/{f}/content HTTP/1.1\r\nHost: x\r\nX-Auth-Token: test-token\r\n\
             Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        .as_bytes(),
    );
    for piece in other.chunks(1024 * 1024 + 17) {
        let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
        chunk.extend_from_slice(piece);
        chunk.extend_from_slice(b"\r\n");
        c.write(&chunk);
    }
    c.write(b"0\r\n\r\n");
    let r = c.read().unwrap();
    assert_eq!(r.status, 204, "{}", r.text());
    let r = c.send(&provider("GET", &format!("/data/{f}/content")));
    assert!(r.body == other, "the chunked upload differs");

    // Too large for an upload: refused before reading.
    let mut c = Conn::open(zone.port());
    c.write(
        format!(
            "POST {PROVIDER}/data/{}/children?name=huge HTTP/1.1\r\nHost: x\r\n\
             X-Auth-Token: test-token\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {}\r\n\r\n",
            ps.root,
            (1u64 << 30) + 1
        )
        .as_bytes(),
    );
    assert_eq!(c.read().unwrap().status, 413);
    // An upload that is refused (no credential) is read and dropped; the
    // connection goes on.
    let mut c = Conn::open(zone.port());
    let r = c.send(
        &req(
            "POST",
            &format!("{PROVIDER}/data/{}/children?name=n", ps.root),
        )
        .octets(&data[..1_000_000]),
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        c.send(&req("GET", &format!("{PROVIDER}/health"))).status,
        200
    );
}

#[test]
fn an_upload_that_breaks_off_leaves_nothing() {
    let (zone, ps) = space();
    let mut c = Conn::open(zone.port());
    c.write(
        format!(
            "POST {PROVIDER}/data/{}/children?name=cut HTTP/1.1\r\nHost: x\r\n\
             X-Auth-Token: test-token\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: 1000000\r\n\r\nonly this",
            ps.root
        )
        .as_bytes(),
    );
    drop(c);
    // The file is made only once the whole upload has arrived.
    let r = provider("GET", &format!("/data/{}/children", ps.root)).send(&zone);
    assert_eq!(r.json()["children"], json!([]));
}

/// Names of a listing page, and the token of the next one.
fn page(r: &Resp) -> (Vec<String>, bool, Option<String>) {
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let names = v["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    let next = v["nextPageToken"].as_str().map(str::to_owned);
    (names, v["isLast"].as_bool().unwrap(), next)
}

#[test]
fn listings_are_paged_as_the_release_does_it() {
    // 21.02.7: options in a JSON body.
    let (zone, ps) = space();
    for name in ["e", "c", "a", "d", "b"] {
        create(&zone, &ps.root, name, name.as_bytes());
    }
    let list = |body: Value| {
        provider("GET", &format!("/data/{}/children", ps.root))
            .json(&body)
            .send(&zone)
    };
    let (names, last, next) = page(&list(json!({"limit": 2})));
    assert_eq!((names, last), (vec!["a".to_owned(), "b".to_owned()], false));
    let (names, last, next) = page(&list(json!({"limit": 2, "token": next.unwrap()})));
    assert_eq!((names, last), (vec!["c".to_owned(), "d".to_owned()], false));
    let (names, last, next) = page(&list(json!({"limit": 2, "token": next.unwrap()})));
    assert_eq!((names, last, next), (vec!["e".to_owned()], true, None));
    let (names, ..) = page(&list(json!({"offset": 3})));
    assert_eq!(names, ["d", "e"]);
    let r = list(json!({"attributes": ["name", "size"], "limit": 1}));
    assert_eq!(r.json()["children"], json!([{"name": "a", "size": 1}]));
    refused(&list(json!({"limit": 0})), 400, "badValueNotInRange");
    refused(&list(json!({"token": "bogus"})), 400, "badValue");
    refused(&list(json!({"limit": "x"})), 400, "badValueInteger");

    // 21.02.3: options in the query, a page token.
    let zone = FakeZone::start_with(Config {
        release: Some("21.02.3".into()),
        ..Config::default()
    })
    .unwrap();
    let ps = ProviderSpace::new(&zone, "s", 10).unwrap();
    for name in ["a", "b", "c"] {
        create(&zone, &ps.root, name, b"");
    }
    let list = |q: &str| provider("GET", &format!("/data/{}/children?{q}", ps.root)).send(&zone);
    let (names, last, next) = page(&list("limit=2&attribute=name&attribute=file_id"));
    assert_eq!((names, last), (vec!["a".to_owned(), "b".to_owned()], false));
    let (names, last, _) = page(&list(&format!("limit=2&token={}", next.unwrap())));
    assert_eq!((names, last), (vec!["c".to_owned()], true));
    let r = list("attribute=name");
    assert_eq!(r.json()["children"][0], json!({"name": "a"}));
    refused(&list("attribute=fileId"), 400, "badValueNotAllowed");

    // 20.02.20: limit and offset; children are {id, name}.
    let zone = FakeZone::start_with(Config {
        release: Some("20.02.20".into()),
        ..Config::default()
    })
    .unwrap();
    let ps = ProviderSpace::new(&zone, "s", 10).unwrap();
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        ids.push(create(&zone, &ps.root, name, b""));
    }
    let list = |q: &str| provider("GET", &format!("/data/{}/children?{q}", ps.root)).send(&zone);
    let r = list("limit=2&offset=1");
    assert_eq!(
        r.json(),
        json!({"children": [{"id": ids[1], "name": "b"}, {"id": ids[2], "name": "c"}], "isLast": true})
    );
    let (names, last, next) = page(&list("limit=1"));
    assert_eq!((names, last, next), (vec!["a".to_owned()], false, None));
}

#[test]
fn yaml_and_other_bodies_follow_consumes() {
    let (zone, _) = space();
    let mut c = Conn::open(zone.port());
    // A text body where the operation consumes one (a view's JavaScript).
    let r = c.send(
        &provider("PUT", "/spaces/x/views/v")
            .header("Content-Type", "application/javascript")
            .raw_body(b"function (id, meta) { return null; }"),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let r = c.send(
        &provider("PUT", "/spaces/x/views/v")
            .header("Content-Type", "text/plain")
            .raw_body(b"x"),
    );
    refused(&r, 400, "badValueContentType");
}
