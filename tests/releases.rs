//! Which release of the API a call uses: what the server reports at
//! `/configuration` (asked without a credential, cached per host for a day,
//! asked again after a 404 when the release came from the cache),
//! `--api-version` and `ONEZONE_API_VERSION`, and the newest release as the
//! fallback. `--dry-run`, `--help` and `--about` never ask the server.
//!
//! `common::cli` fixes the release (`ONEZONE_API_VERSION`) so that no other
//! test asks; every test here removes it, and has a cache directory of its
//! own (`XDG_CACHE_HOME`), so that no two tests share what was cached.

mod common;

use assert_cmd::Command;
use common::{cli, run_cmd, scratch, Run};
use fake_onezone::{Config, FakeZone, Fault, ADMIN_TOKEN};
use onezone_rest_cli::catalogue::Catalogue;
use onezone_rest_cli::exit;
use onezone_rest_cli::release::service;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const CONFIGURATION: &str = "/api/v3/onezone/configuration";

/// An operation that exists from 21.02.4 on, and a valid invocation of it.
const LATE_OP: &str = "inferAccessTokenScope";
const LATE_ARGS: [&str; 2] = [LATE_OP, "token==abc"];

/// The release the catalogue says `LATE_OP` appeared in.
fn late_since() -> &'static str {
    let since = Catalogue::newest(service())
        .since(LATE_OP)
        .expect("inferAccessTokenScope is not in every release");
    assert_eq!(since, "21.02.4", "the catalogue moved {LATE_OP}");
    since
}

fn newest() -> &'static str {
    Catalogue::newest(service()).release()
}

/// A fake that reports (and serves the nearest catalogue of) `release`.
fn fake(release: Option<&str>) -> FakeZone {
    FakeZone::start_with(Config {
        release: release.map(str::to_owned),
        ..Config::default()
    })
    .expect("the fake starts")
}

/// The binary with release detection on: no `ONEZONE_API_VERSION`, the
/// cache in `cache`, the host `host`.
fn detecting(cache: &Path, host: &str) -> Command {
    let mut c = cli();
    c.env_remove("ONEZONE_API_VERSION")
        .env("XDG_CACHE_HOME", cache)
        .env("ONEZONE_HOST", host);
    c
}

/// Runs `args` against `zone` with detection on, as the admin when `token`.
fn call(cache: &Path, zone: &FakeZone, token: bool, args: &[&str]) -> Run {
    call_host(cache, &zone.url(), token, args)
}

fn call_host(cache: &Path, host: &str, token: bool, args: &[&str]) -> Run {
    let mut c = detecting(cache, host);
    if token {
        c.env("ONEZONE_API_KEY", ADMIN_TOKEN);
    }
    c.args(args);
    run_cmd(c, None)
}

/// How many times `zone` was asked which release it runs.
fn asks(zone: &FakeZone) -> usize {
    zone.requests()
        .iter()
        .filter(|r| r.path == CONFIGURATION)
        .count()
}

/// The requests `zone` received other than `/configuration`.
fn calls(zone: &FakeZone) -> Vec<String> {
    zone.requests()
        .iter()
        .filter(|r| r.path != CONFIGURATION)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn releases_file(cache: &Path) -> PathBuf {
    cache.join("onezone-rest-cli").join("releases.json")
}

/// The cache document, which must be valid JSON.
fn cache_doc(cache: &Path) -> Value {
    let path = releases_file(cache);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{} is not JSON ({e}): {:?}",
            path.display(),
            String::from_utf8_lossy(&bytes)
        )
    })
}

/// The cached release of `zone` and when it was checked; `None` when the
/// cache file is missing or has no entry for it.
fn cached(cache: &Path, zone: &FakeZone) -> Option<(String, u64)> {
    if !releases_file(cache).is_file() {
        return None;
    }
    let doc = cache_doc(cache);
    let entry = doc.get("hosts")?.get(zone.api_url())?;
    Some((
        entry["release"].as_str().expect("a release").to_owned(),
        entry["checked"].as_u64().expect("a time"),
    ))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Rewrites the time `zone`'s release was checked.
fn set_checked(cache: &Path, zone: &FakeZone, checked: u64) {
    let mut doc = cache_doc(cache);
    doc["hosts"][zone.api_url()]["checked"] = json!(checked);
    std::fs::write(releases_file(cache), doc.to_string()).expect("rewrite the cache");
}

/// The `note:` lines on stderr.
fn notes(r: &Run) -> Vec<&str> {
    r.stderr
        .lines()
        .filter(|l| l.starts_with("note: "))
        .collect()
}

/// The `* API: …` line of `-v`.
fn api_line(r: &Run) -> &str {
    r.stderr
        .lines()
        .find(|l| l.starts_with("* API: "))
        .unwrap_or_else(|| panic!("no `* API:` line: {r}"))
}

fn assert_code(r: &Run, code: u8, what: &str) {
    assert_eq!(r.code, Some(i32::from(code)), "{what}: {r}");
    assert!(!r.stderr.contains("panicked"), "{what}: {r}");
}

#[test]
fn the_servers_release_chooses_the_catalogue() {
    let since = late_since();
    let zone = fake(Some("20.02.20"));
    let cache = scratch("detect");

    // An operation the server's release lacks: refused, nothing sent but
    // the question, which carries no credential although one is set.
    let r = call(&cache, &zone, true, &LATE_ARGS);
    assert_code(&r, exit::USAGE, "absent operation");
    assert!(r.stdout.is_empty(), "{r}");
    let first = r.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ")
            && first.contains(&format!("{LATE_OP} exists from Onezone {since}"))
            && first.contains("this Onezone runs 20.02.20"),
        "{r}"
    );
    assert!(r.stderr.contains("nothing was sent"), "{r}");
    let reqs = zone.requests();
    assert_eq!(reqs.len(), 1, "only the question: {reqs:#?}");
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path, CONFIGURATION);
    assert_eq!(reqs[0].operation, Some("getConfiguration"));
    assert!(reqs[0].credentials().is_empty(), "{:?}", reqs[0].headers);
    assert!(reqs[0].problems.is_empty(), "{:?}", reqs[0].problems);

    // An operation it has: sent with the credential, and -v names the
    // release and where it came from (the cache of the question above).
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["-v", "getCurrentUser"]);
    assert_code(&r, exit::OK, "getCurrentUser");
    assert!(r.json()["userId"].is_string(), "{r}");
    let api = api_line(&r);
    assert!(
        api.starts_with("* API: Onezone 20.02.20 (reported by the server"),
        "{api}"
    );
    let reqs = zone.requests();
    assert_eq!(reqs.len(), 1, "{reqs:#?}");
    assert_eq!(reqs[0].operation, Some("getCurrentUser"));
    assert_eq!(reqs[0].header("x-auth-token"), Some(ADMIN_TOKEN));

    // Asked just now (no cache): the same release, said so.
    let cache = scratch("detect-fresh");
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["-v", "getCurrentUser"]);
    assert_code(&r, exit::OK, "getCurrentUser, asked");
    assert_eq!(
        api_line(&r),
        "* API: Onezone 20.02.20 (reported by the server)",
        "{r}"
    );
    assert_eq!(asks(&zone), 1);
    assert_eq!(calls(&zone), ["GET /api/v3/onezone/user"]);

    // A server running the newest release serves the late operation.
    let zone = fake(None);
    let cache = scratch("detect-newest");
    let r = call(&cache, &zone, true, &["-v", LATE_OP, "token==abc"]);
    assert!(api_line(&r).starts_with(&format!("* API: Onezone {}", newest())));
    assert_eq!(asks(&zone), 1, "{r}");
    let ops: Vec<_> = zone.requests().iter().filter_map(|r| r.operation).collect();
    assert_eq!(ops, ["getConfiguration", LATE_OP], "{r}");
}

#[test]
fn the_answer_is_cached_per_host_for_a_day() {
    let zone = fake(Some("20.02.20"));
    let other = fake(None);
    let cache = scratch("cache");
    assert_eq!(cached(&cache, &zone), None);

    let before = now();
    let r = call(&cache, &zone, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "first call");
    assert_eq!(asks(&zone), 1);
    let (release, checked) = cached(&cache, &zone).expect("the answer is cached");
    assert_eq!(release, "20.02.20");
    assert!(
        (before..=now()).contains(&checked),
        "checked {checked}, called at {before}"
    );

    // The second call trusts the cache.
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["-v", "getCurrentUser"]);
    assert_code(&r, exit::OK, "second call");
    assert_eq!(asks(&zone), 0, "{:#?}", zone.requests());
    assert_eq!(calls(&zone), ["GET /api/v3/onezone/user"]);
    assert!(
        api_line(&r).contains("20.02.20 (reported by the server, cached "),
        "{r}"
    );

    // Each host has its own entry; the first one's is kept.
    let r = call(&cache, &other, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "another host");
    assert_eq!(asks(&other), 1);
    assert_eq!(
        cached(&cache, &zone).map(|c| c.0).as_deref(),
        Some("20.02.20")
    );
    assert_eq!(
        cached(&cache, &other).map(|c| c.0).as_deref(),
        Some(newest())
    );
    let doc = cache_doc(&cache);
    assert_eq!(doc["hosts"].as_object().map(|h| h.len()), Some(2), "{doc}");

    // A fresh cached answer is believed even when the server changed: the
    // late operation is refused without asking, with the way out.
    other.clear_requests();
    set_release(&cache, &other, "20.02.20");
    let r = call(&cache, &other, true, &LATE_ARGS);
    assert_code(&r, exit::USAGE, "believed cache");
    assert!(r.stderr.contains("this Onezone runs 20.02.20"), "{r}");
    assert!(r.stderr.contains("--api-version"), "{r}");
    assert!(other.requests().is_empty(), "{:#?}", other.requests());

    // 23 hours old: still fresh.
    set_checked(&cache, &zone, now() - 23 * 3600);
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "23 h old");
    assert_eq!(asks(&zone), 0, "{:#?}", zone.requests());

    // Two days old: asked again, and the time is renewed.
    set_checked(&cache, &zone, now() - 2 * 86_400);
    zone.clear_requests();
    let before = now();
    let r = call(&cache, &zone, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "2 days old");
    assert_eq!(asks(&zone), 1, "{:#?}", zone.requests());
    assert_eq!(calls(&zone), ["GET /api/v3/onezone/user"]);
    let (release, checked) = cached(&cache, &zone).expect("still cached");
    assert_eq!(release, "20.02.20");
    assert!(checked >= before, "checked {checked} was not renewed");

    // An expired answer of an old release is asked again before a late
    // operation is refused: the server was upgraded, and it is sent.
    set_checked(&cache, &other, now() - 2 * 86_400);
    other.clear_requests();
    let r = call(&cache, &other, true, &LATE_ARGS);
    assert!(r.code != Some(i32::from(exit::USAGE)), "{r}");
    let ops: Vec<_> = other
        .requests()
        .iter()
        .filter_map(|r| r.operation)
        .collect();
    assert_eq!(ops, ["getConfiguration", LATE_OP], "{r}");
    assert_eq!(
        cached(&cache, &other).map(|c| c.0).as_deref(),
        Some(newest())
    );

    let _ = std::fs::remove_dir_all(&cache);
}

/// Rewrites the release cached for `zone`.
fn set_release(cache: &Path, zone: &FakeZone, release: &str) {
    let mut doc = cache_doc(cache);
    doc["hosts"][zone.api_url()]["release"] = json!(release);
    std::fs::write(releases_file(cache), doc.to_string()).expect("rewrite the cache");
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL in the path");
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(
        rc,
        0,
        "mkfifo {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
}

#[test]
fn a_corrupt_cache_is_ignored_and_rewritten() {
    let zone = fake(Some("20.02.20"));
    let stale_entry = |checked: Value| {
        json!({"hosts": {zone.api_url(): {"release": "20.02.20", "checked": checked}}}).to_string()
    };
    type Plant = Box<dyn Fn(&Path)>;
    let bytes = |b: Vec<u8>| -> Plant { Box::new(move |p: &Path| std::fs::write(p, &b).unwrap()) };
    let cases: Vec<(&str, Plant, bool)> = vec![
        (
            "garbage",
            bytes(b"\x00\xff{{{ not json \x1b[31m".to_vec()),
            true,
        ),
        ("empty", bytes(Vec::new()), true),
        ("a JSON array", bytes(b"[1, 2, 3]".to_vec()), true),
        (
            "hosts not an object",
            bytes(br#"{"hosts": ["x"]}"#.to_vec()),
            true,
        ),
        (
            "checked not a number",
            bytes(stale_entry(json!("yesterday")).into_bytes()),
            true,
        ),
        (
            "oversized (2 MiB)",
            Box::new(|p: &Path| {
                std::fs::File::create(p)
                    .and_then(|f| f.set_len(2 << 20))
                    .unwrap();
            }),
            true,
        ),
        (
            "a directory",
            Box::new(|p: &Path| std::fs::create_dir_all(p.join("sub")).unwrap()),
            false,
        ),
        ("a FIFO", Box::new(|p: &Path| mkfifo(p)), true),
    ];
    for (what, plant, rewritten) in cases {
        let cache = scratch("corrupt");
        let file = releases_file(&cache);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        plant(&file);
        zone.clear_requests();
        let r = call(&cache, &zone, true, &["-v", "getCurrentUser"]);
        assert_code(&r, exit::OK, what);
        assert!(r.elapsed < Duration::from_secs(10), "{what}: {r}");
        assert!(
            api_line(&r).starts_with("* API: Onezone 20.02.20 (reported by the server)"),
            "{what}: {r}"
        );
        assert_eq!(asks(&zone), 1, "{what}");
        assert_eq!(calls(&zone), ["GET /api/v3/onezone/user"], "{what}");
        if rewritten {
            assert!(file.is_file(), "{what}: not rewritten as a file");
            let (release, checked) = cached(&cache, &zone).unwrap_or_else(|| {
                panic!("{what}: no entry in {}", cache_doc(&cache));
            });
            assert_eq!(release, "20.02.20", "{what}");
            assert!(checked > now() - 600, "{what}: checked {checked}");
            // The next call believes it.
            zone.clear_requests();
            let r = call(&cache, &zone, true, &["getCurrentUser"]);
            assert_code(&r, exit::OK, what);
            assert_eq!(asks(&zone), 0, "{what}: the rewritten cache was not used");
        } else {
            assert!(file.is_dir(), "{what}: the directory was replaced");
            // Nothing can be cached: each call asks, and works.
            zone.clear_requests();
            let r = call(&cache, &zone, true, &["getCurrentUser"]);
            assert_code(&r, exit::OK, what);
            assert_eq!(asks(&zone), 1, "{what}");
        }
        let leftovers: Vec<_> = std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{what}: {leftovers:?}");
        let _ = std::fs::remove_dir_all(&cache);
    }
}

#[test]
fn a_404_after_a_cached_release_asks_again() {
    let zone = fake(Some("20.02.20"));
    let cache = scratch("stale");
    let r = call(&cache, &zone, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "first call");
    assert_eq!(asks(&zone), 1);

    // From the cache; answered 404: the cache is marked stale.
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["getSpace", "id=nonexistent"]);
    assert_code(&r, exit::HTTP_4XX, "404");
    assert!(r.stderr.starts_with("error: HTTP 404"), "{r}");
    assert_eq!(asks(&zone), 0, "{:#?}", zone.requests());
    assert_eq!(calls(&zone), ["GET /api/v3/onezone/spaces/nonexistent"]);
    // Offline uses keep the cached release, and say that it will be asked
    // again (with its true age).
    let r = call(&cache, &zone, true, &["--about"]);
    assert_code(&r, exit::OK, "about after the 404");
    let out = String::from_utf8_lossy(&r.stdout).into_owned();
    assert!(
        out.contains("Onezone 20.02.20 (reported by the server, cached ")
            && out.contains(" s ago, to be asked again)"),
        "{out}"
    );

    // The next call asks, and caches the answer anew.
    zone.clear_requests();
    let before = now();
    let r = call(&cache, &zone, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "after the 404");
    assert_eq!(asks(&zone), 1, "{:#?}", zone.requests());
    assert_eq!(calls(&zone), ["GET /api/v3/onezone/user"]);
    let (release, checked) = cached(&cache, &zone).expect("cached again");
    assert_eq!(release, "20.02.20");
    assert!(checked >= before);

    // And the one after does not.
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "later");
    assert_eq!(asks(&zone), 0);

    // A 404 when the release was asked just now is the answer, not a sign
    // of a changed server: the cache stays fresh.
    let cache = scratch("stale-fresh");
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["getSpace", "id=nonexistent"]);
    assert_code(&r, exit::HTTP_4XX, "404, asked just now");
    assert_eq!(asks(&zone), 1);
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "after a 404 from a fresh answer");
    assert_eq!(asks(&zone), 0, "{:#?}", zone.requests());
}

#[test]
fn unusable_configuration_answers_fall_back_to_the_newest() {
    let zone = fake(Some("20.02.20"));
    let cases = [
        (Fault::InvalidJson, "is not JSON"),
        (Fault::Html(502), "answered 502"),
        // Valid JSON, `{"data": "xxx…"}`: no version in it.
        (Fault::LargeBody(64), "has no version"),
        (Fault::Status(500, true), "answered 500"),
        (Fault::Status(500, false), "answered 500"),
        (Fault::Status(404, true), "answered 404"),
    ];
    for (fault, why) in cases {
        let what = fault.to_string();
        let cache = scratch("bad-answer");
        zone.clear_requests();
        // Only the question gets the fault.
        zone.set_fault_times(fault, 1);
        let r = call(&cache, &zone, true, &["-v", "getCurrentUser"]);
        assert_code(&r, exit::OK, &what);
        let n = notes(&r);
        assert_eq!(n.len(), 1, "{what}: {r}");
        assert!(
            n[0].contains("cannot tell which release the server runs") && n[0].contains(why),
            "{what}: {r}"
        );
        assert!(n[0].contains(&format!("using Onezone {}", newest())), "{r}");
        assert!(
            api_line(&r).starts_with(&format!("* API: Onezone {} (", newest())),
            "{what}: {r}"
        );
        assert!(
            api_line(&r).contains("the server did not say which it runs"),
            "{what}: {r}"
        );
        assert_eq!(asks(&zone), 1, "{what}");
        assert_eq!(calls(&zone), ["GET /api/v3/onezone/user"], "{what}");
        assert_eq!(cached(&cache, &zone), None, "{what}: cached");

        // Nothing cached, so the next call asks again (and now learns).
        zone.clear_requests();
        let r = call(&cache, &zone, true, &["getCurrentUser"]);
        assert_code(&r, exit::OK, &what);
        assert!(notes(&r).is_empty(), "{what}: {r}");
        assert_eq!(asks(&zone), 1, "{what}");
        assert_eq!(
            cached(&cache, &zone).map(|c| c.0).as_deref(),
            Some("20.02.20")
        );
        let _ = std::fs::remove_dir_all(&cache);
    }

    // The exit code is the call's own.
    let cache = scratch("bad-answer-404");
    zone.clear_requests();
    zone.set_fault_times(Fault::InvalidJson, 1);
    let r = call(&cache, &zone, true, &["getSpace", "id=nonexistent"]);
    assert_code(&r, exit::HTTP_4XX, "a failing call");
    assert_eq!(notes(&r).len(), 1, "{r}");
    assert!(r.stderr.contains("error: HTTP 404"), "{r}");
    assert_eq!(cached(&cache, &zone), None);

    // A version that is no release number: a note, the newest catalogue.
    let odd = fake(Some("banana"));
    let cache = scratch("bad-answer-odd");
    let r = call(&cache, &odd, true, &["-v", "getCurrentUser"]);
    assert_code(&r, exit::OK, "version banana");
    let n = notes(&r);
    assert_eq!(n.len(), 1, "{r}");
    assert!(
        n[0].contains("\"banana\"") && n[0].contains("not a release number"),
        "{r}"
    );
    assert!(api_line(&r).starts_with(&format!("* API: Onezone {} (", newest())));
}

#[test]
fn an_unreachable_server_fails_the_call_quickly() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
        // Dropped here: nothing listens on the port any more.
    };
    let host = format!("http://127.0.0.1:{port}");
    let cache = scratch("unreachable");
    let r = call_host(&cache, &host, true, &["getCurrentUser"]);
    assert_code(&r, exit::NETWORK, "connection refused");
    assert!(r.stdout.is_empty(), "{r}");
    assert!(r.stderr.starts_with("error: "), "{r}");
    assert!(r.elapsed < Duration::from_secs(5), "took {:?}", r.elapsed);
    assert!(!releases_file(&cache).exists(), "something was cached");

    // A server that never answers the question: bounded by -m.
    let zone = fake(None);
    zone.set_fault(Some(Fault::Slow(Duration::from_secs(30))));
    let r = call(&cache, &zone, true, &["-m", "1", "getCurrentUser"]);
    assert_code(&r, exit::NETWORK, "a silent server");
    assert!(r.elapsed < Duration::from_secs(8), "took {:?}", r.elapsed);
    assert_eq!(calls(&zone), Vec::<String>::new());
    assert_eq!(cached(&cache, &zone), None);
}

#[test]
fn a_newer_release_uses_the_newest_catalogue_with_a_note() {
    let zone = fake(Some("25.0.3"));
    let cache = scratch("newer");
    for (i, source) in ["reported by the server", "cached"].iter().enumerate() {
        zone.clear_requests();
        let r = call(&cache, &zone, true, &["-v", "getCurrentUser"]);
        assert_code(&r, exit::OK, source);
        let n = notes(&r);
        assert_eq!(n.len(), 1, "{source}: {r}");
        assert!(
            n[0].contains("25.0.3") && n[0].contains("--api-spec"),
            "{source}: {r}"
        );
        let api = api_line(&r);
        assert!(
            api.starts_with(&format!("* API: Onezone {} (", newest()))
                && api.contains("25.0.3 was named")
                && api.contains(source),
            "{api}"
        );
        assert_eq!(asks(&zone), usize::from(i == 0), "{source}");
        assert_eq!(calls(&zone), ["GET /api/v3/onezone/user"]);
    }
    assert_eq!(
        cached(&cache, &zone).map(|c| c.0).as_deref(),
        Some("25.0.3")
    );

    // The newest catalogue's late operation is there.
    zone.clear_requests();
    let r = call(&cache, &zone, true, &LATE_ARGS);
    assert!(r.code != Some(i32::from(exit::USAGE)), "{r}");
    let ops: Vec<_> = zone.requests().iter().filter_map(|r| r.operation).collect();
    assert_eq!(ops, [LATE_OP]);
}

#[test]
fn api_version_names_a_release_or_a_line() {
    let since = late_since();
    let zone = fake(None);
    let cache = scratch("api-version");
    let known = format!("known releases: {}", service().releases.join(", "));

    // A line picks its newest release.
    let r = call(&cache, &zone, false, &["--api-version", "20.02", "--about"]);
    assert_code(&r, exit::OK, "--about");
    assert!(
        r.out()
            .contains("Release in use: Onezone 20.02.20 (from --api-version; 20.02 was named)"),
        "{r}"
    );
    let r = call(&cache, &zone, true, &["--api-version", "20.02", LATE_OP]);
    assert_code(&r, exit::USAGE, "absent from the line");
    assert!(
        r.stderr.contains(&format!("exists from Onezone {since}"))
            && r.stderr.contains("Onezone 20.02.20 (from --api-version"),
        "{r}"
    );
    let r = call(
        &cache,
        &zone,
        true,
        &["--api-version", "20.02", "-v", "getCurrentUser"],
    );
    assert_code(&r, exit::OK, "a call with a line");
    assert!(
        api_line(&r).starts_with("* API: Onezone 20.02.20 (from --api-version"),
        "{r}"
    );
    // The flag wins over the server: the late operation is sent to a
    // server reporting an old release, without asking it (that server has
    // no such path: 404).
    let old = fake(Some("20.02.20"));
    let r = call(
        &cache,
        &old,
        true,
        &["--api-version", "21.02.7", LATE_OP, "token==abc"],
    );
    assert_code(&r, exit::HTTP_4XX, "the flag wins");
    assert_eq!(asks(&old), 0, "{r}");
    assert_eq!(
        calls(&old),
        ["POST /api/v3/onezone/tokens/infer_access_token_scope"],
        "{r}"
    );
    // So does the variable.
    old.clear_requests();
    let mut c = detecting(&cache, &old.url());
    c.env("ONEZONE_API_VERSION", "21.02")
        .env("ONEZONE_API_KEY", ADMIN_TOKEN)
        .args(["-v", "getCurrentUser"]);
    let r = run_cmd(c, None);
    assert_code(&r, exit::OK, "ONEZONE_API_VERSION=21.02");
    assert!(
        api_line(&r).starts_with(&format!(
            "* API: Onezone {} (from ONEZONE_API_VERSION; 21.02 was named)",
            newest()
        )),
        "{r}"
    );
    assert_eq!(asks(&old), 0);

    // Not a release: usage errors listing the known ones, nothing sent.
    zone.clear_requests();
    for bad in ["abc", "20.02.5", ""] {
        let r = call(
            &cache,
            &zone,
            true,
            &["--api-version", bad, "getCurrentUser"],
        );
        assert_code(&r, exit::USAGE, &format!("--api-version {bad:?}"));
        assert!(r.stdout.is_empty(), "{r}");
        assert!(r.stderr.starts_with("error: --api-version"), "{r}");
        assert!(r.stderr.contains(&known), "{bad}: {r}");
    }
    // The variable is configuration: exit 3.
    let mut c = detecting(&cache, &zone.url());
    c.env("ONEZONE_API_VERSION", "abc").arg("getCurrentUser");
    let r = run_cmd(c, None);
    assert_code(&r, exit::CONFIG, "ONEZONE_API_VERSION=abc");
    assert!(
        r.stderr.starts_with("error: ONEZONE_API_VERSION \"abc\""),
        "{r}"
    );
    assert!(r.stderr.contains(&known), "{r}");
    assert!(zone.requests().is_empty(), "{:#?}", zone.requests());

    // Newer than all: the newest catalogue, and a note.
    let r = call(
        &cache,
        &zone,
        false,
        &[
            "--api-version",
            "25.02.1",
            "--dry-run",
            LATE_OP,
            "token==abc",
        ],
    );
    assert_code(&r, exit::OK, "--api-version 25.02.1");
    assert!(r.out().starts_with("curl "), "{r}");
    let n = notes(&r);
    assert!(
        n.iter()
            .any(|l| l.contains("25.02.1") && l.contains("--api-spec")),
        "{r}"
    );
    assert!(zone.requests().is_empty());
    assert!(
        !releases_file(&cache).exists(),
        "nothing was asked, nothing cached"
    );
}

#[test]
fn offline_uses_never_ask_the_server() {
    let zone = fake(Some("20.02.20"));
    let cache = scratch("offline");
    let r = call(&cache, &zone, true, &["--dry-run", "getCurrentUser"]);
    assert_code(&r, exit::OK, "--dry-run");
    assert!(
        r.out()
            .starts_with(&format!("curl -X GET {}/user ", zone.api_url())),
        "{r}"
    );
    assert!(
        notes(&r).contains(
            &format!(
                "note: built for Onezone {} (the newest this tool knows; no server was asked)",
                newest()
            )
            .as_str()
        ),
        "{r}"
    );
    for args in [
        &["--help"][..],
        &["getCurrentUser", "--help"],
        &["--about"],
        &["--version"],
        &["--dry-run", LATE_OP, "token==abc"],
    ] {
        let r = call(&cache, &zone, true, args);
        assert_code(&r, exit::OK, &format!("{args:?}"));
    }
    assert!(zone.requests().is_empty(), "{:#?}", zone.requests());
    assert!(!releases_file(&cache).exists());

    // Once cached, the offline uses take the cached release, however old.
    let r = call(&cache, &zone, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "a call");
    set_checked(&cache, &zone, now() - 30 * 86_400);
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["--dry-run", "getCurrentUser"]);
    assert_code(&r, exit::OK, "--dry-run, cached");
    assert!(
        notes(&r).iter().any(|l| l.starts_with(
            "note: built for Onezone 20.02.20 (reported by the server, cached 30 days ago"
        )),
        "{r}"
    );
    let r = call(&cache, &zone, true, &["--dry-run", LATE_OP, "token==abc"]);
    assert_code(&r, exit::USAGE, "--dry-run of an absent operation");
    assert!(r.stderr.contains("this Onezone runs 20.02.20"), "{r}");
    let r = call(&cache, &zone, false, &["--about"]);
    assert!(
        r.out().contains(
            "Release in use: Onezone 20.02.20 (reported by the server, cached 30 days ago)"
        ),
        "{r}"
    );
    assert!(zone.requests().is_empty(), "{:#?}", zone.requests());
}

#[test]
fn help_lists_the_operations_of_the_release_in_use() {
    let since = late_since();
    let cache = scratch("help");
    let help = |version: &str| {
        let mut c = cli();
        c.env("XDG_CACHE_HOME", &cache)
            .env("ONEZONE_API_VERSION", version)
            .arg("--help");
        let r = run_cmd(c, None);
        assert_code(&r, exit::OK, &format!("--help of {version}"));
        r.out()
    };
    let line_of = |text: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(LATE_OP))
            .map(str::to_owned)
    };
    let old = help("20.02");
    assert!(
        old.contains("getCurrentUser"),
        "the help lists no operations:\n{old}"
    );
    assert_eq!(line_of(&old), None, "listed for 20.02:\n{old}");
    let new = help(newest());
    let line = line_of(&new).unwrap_or_else(|| panic!("not listed:\n{new}"));
    assert!(line.ends_with(&format!("(since {since})")), "{line}");
    // An operation every release has carries no mark.
    let always = new
        .lines()
        .find(|l| l.split_whitespace().next() == Some("getCurrentUser"))
        .expect("getCurrentUser is listed");
    assert!(!always.contains("(since"), "{always}");

    // The same through --api-version, placed before --help.
    let mut c = cli();
    c.env("XDG_CACHE_HOME", &cache)
        .args(["--api-version", "20.02", "--help"]);
    let r = run_cmd(c, None);
    assert_code(&r, exit::OK, "--api-version 20.02 --help");
    assert_eq!(line_of(&r.out()), None);
    // The operation's own help says where it exists.
    let mut c = cli();
    c.env("XDG_CACHE_HOME", &cache).args([LATE_OP, "--help"]);
    let r = run_cmd(c, None);
    assert_code(&r, exit::OK, "operation help");
    assert!(
        r.out().contains(&format!("Exists from Onezone {since}.")),
        "{r}"
    );
}

/// Items that the release at hand refuses but the server's release takes
/// (19.02.5's verifyProviderIdentity has `macaroon`, later ones `token`):
/// with the server to be asked anyway, the refusal waits for its answer.
#[test]
fn a_refusal_by_the_release_at_hand_waits_for_the_servers() {
    let zone = fake(Some("19.02.5"));
    let cache = scratch("provisional");
    let args = ["verifyProviderIdentity", "providerId==p", "macaroon==m"];
    let r = call(&cache, &zone, true, &args);
    assert!(r.code != Some(i32::from(exit::USAGE)), "{r}");
    assert_eq!(asks(&zone), 1, "{:#?}", zone.requests());
    let ops: Vec<_> = zone.requests().iter().filter_map(|r| r.operation).collect();
    assert_eq!(ops, ["getConfiguration", "verifyProviderIdentity"]);

    // An expired answer: the same (the server may have changed).
    set_checked(&cache, &zone, now() - 2 * 24 * 3600);
    zone.clear_requests();
    let r = call(&cache, &zone, true, &args);
    assert!(r.code != Some(i32::from(exit::USAGE)), "{r}");
    assert_eq!(asks(&zone), 1);

    // A fresh answer decides at once: 19.02.5 refuses `token`, unsent.
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["verifyProviderIdentity", "token==t"]);
    assert_code(&r, exit::USAGE, "a refusal by the cached release");
    assert!(r.stderr.contains("token"), "{r}");
    assert!(zone.requests().is_empty(), "{:#?}", zone.requests());

    // No server to ask: the refusal is what is reported (not the network).
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let host = format!("http://127.0.0.1:{port}");
    let r = call_host(&scratch("provisional-unreached"), &host, true, &args);
    assert_code(&r, exit::USAGE, "unreached");
    assert!(r.stderr.contains("macaroon"), "{r}");
}

/// A cache entry from a clock that ran ahead is asked again.
#[test]
fn an_answer_from_the_future_is_asked_again() {
    let zone = fake(Some("20.02.20"));
    let cache = scratch("future");
    let r = call(&cache, &zone, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "first");
    set_checked(&cache, &zone, now() + 30 * 24 * 3600);
    zone.clear_requests();
    let r = call(&cache, &zone, true, &["getCurrentUser"]);
    assert_code(&r, exit::OK, "after the clock");
    assert_eq!(asks(&zone), 1);
    let (_, checked) = cached(&cache, &zone).expect("cached");
    assert!(checked <= now() + 60, "{checked}");
}

/// Options beat variables: an exported spec does not stand in the way of
/// a --api-version given for one call; --version needs no release.
#[test]
fn options_beat_variables() {
    let cache = scratch("options");
    let mut c = detecting(&cache, "https://zone.test");
    c.env("ONEZONE_API_SPEC", "/nonexistent/spec.json")
        .args(["--api-version", "20.02", "--about"]);
    let r = run_cmd(c, None);
    assert_code(&r, exit::OK, "--api-version with ONEZONE_API_SPEC set");
    assert!(
        String::from_utf8_lossy(&r.stdout).contains("Onezone 20.02.20 (from --api-version"),
        "{r}"
    );
    let mut c = detecting(&cache, "https://zone.test");
    c.env("ONEZONE_API_VERSION", "nonsense").arg("--version");
    let r = run_cmd(c, None);
    assert_code(&r, exit::OK, "--version with a bad variable");
}
