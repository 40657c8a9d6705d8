//! Every catalogue operation, built from the catalogue and `sample_body()`,
//! reaches its operation and gets its catalogue success status, with a body
//! that matches the response schema.

use fake_onezone::probe::{req, Req};
use fake_onezone::SERVICE;
use fake_onezone::{FakeZone, World};
use onedata_catalogue::validate::validate;
use onedata_catalogue::{Catalogue, Operation};

/// The newest release's operations (the fake's default).
fn operations() -> Vec<&'static Operation> {
    Catalogue::newest(SERVICE).operations().collect()
}

/// A fresh fake, and a world made on it.
fn world() -> (FakeZone, World) {
    let zone = FakeZone::start().unwrap();
    let w = World::new(&zone).unwrap_or_else(|e| panic!("making the world: {e}"));
    (zone, w)
}

/// The request for `op` on `template` in `w`, with its credential and body.
fn build(w: &World, op: &'static Operation, template: &'static str) -> Req {
    let r = req(op.method, &w.path(template)).token(w.credential(template));
    match w.body(op) {
        Some(body) => r.json(&body),
        None => r,
    }
}

fn check(op: &'static Operation, template: &'static str) {
    let (zone, w) = world();
    zone.clear_requests();
    let r = build(&w, op, template);
    let resp = r.send(&zone);
    let expected = op.success_responses().next().map_or(200, |r| r.code);
    assert_eq!(
        resp.status,
        expected,
        "{} {}: {}",
        op.name,
        r.target,
        resp.text()
    );
    let recs = zone.requests();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].operation, Some(op.name), "{}", r.target);
    assert!(
        recs[0].problems.is_empty(),
        "{}: {:?}",
        op.name,
        recs[0].problems
    );
    assert_eq!(recs[0].status, expected);
    assert_eq!(recs[0].path, r.target);
    let success = op.success_responses().next();
    if success.is_some_and(|s| s.location) {
        let loc = resp
            .header("location")
            .unwrap_or_else(|| panic!("{}: no Location", op.name));
        assert!(loc.starts_with("http://127.0.0.1"), "{}: {loc}", op.name);
        if expected != 307 {
            assert!(loc.contains(SERVICE.base_path), "{}: {loc}", op.name);
        }
    }
    if let Some(schema) = success.and_then(|s| s.schema.as_ref()) {
        if expected != 204 {
            assert_eq!(
                resp.header("content-type"),
                Some("application/json"),
                "{}",
                op.name
            );
            let problems = validate(w.catalogue, &resp.json(), schema);
            assert!(
                problems.is_empty(),
                "{}: {} {problems:?}",
                op.name,
                resp.text()
            );
        }
    }
}

fn check_variants(op: &'static Operation) {
    for v in op.path_variants {
        // A variant's path may belong to another operation first; it must
        // still be answered.
        let (zone, w) = world();
        let resp = build(&w, op, v.path).send(&zone);
        assert!(
            resp.status < 300,
            "{} via {}: {}",
            op.name,
            v.path,
            resp.text()
        );
    }
}

#[test]
fn every_operation_is_routed_and_answered() {
    assert_eq!(operations().len(), 392);
    // One fresh fake per operation (deletes must not disturb the others),
    // spread over a few threads.
    let threads = 4;
    let checked = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..threads {
            let checked = &checked;
            s.spawn(move || {
                for op in operations().into_iter().skip(t).step_by(threads) {
                    check(op, op.path);
                    check_variants(op);
                    checked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(checked.into_inner(), 392);
}
