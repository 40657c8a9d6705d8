//! `--api-spec FILE` (and `ONEZONE_API_SPEC`): a Swagger 2.0 spec, JSON or
//! YAML, compiled at run time into the same model as the built-in
//! releases, and cached (`$XDG_CACHE_HOME/onezone-rest-cli/specs/<hash>.json`).
//! The specs are small ones written by the tests, of a release no built-in
//! catalogue has, with an operation none has; hostile files are refused
//! with one line, in bounded time and memory.

mod common;

use common::{bin, run_bounded, scratch, skip, Run, TIMEOUT};
use fake_onezone::{FakeZone, ADMIN_TOKEN};
use onezone_rest_cli::exit;
use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the dry runs say they would send.
const HOST: &str = "https://zone.example.com";
const QUUX_URL: &str = "https://zone.example.com/api/v3/onezone/quux";

/// The address space a run may use: far more than the tool needs (it runs
/// in well under 100 MiB), far less than an expanded bomb.
const MEMORY_LIMIT: u64 = 1 << 30;

/// A spec of release 25.0.1 with operations no built-in release has
/// (`list_quux`, `create_quux` with a required body field) and one that
/// the fake serves (`get_current_user`).
fn spec() -> Value {
    json!({
        "swagger": "2.0",
        "info": {"title": "Onezone", "version": "25.0.1"},
        "basePath": "/api/v3/onezone",
        "securityDefinitions": {
            "api_key": {"type": "apiKey", "name": "X-Auth-Token", "in": "header"}
        },
        "definitions": {
            "Quux": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "size": {"type": "integer"}
                }
            }
        },
        "paths": {
            "/quux": {
                "get": {
                    "operationId": "list_quux",
                    "tags": ["Quux"],
                    "responses": {
                        "200": {
                            "description": "the quuxes",
                            "schema": {"type": "array", "items": {"type": "string"}}
                        }
                    }
                },
                "post": {
                    "operationId": "create_quux",
                    "tags": ["Quux"],
                    "parameters": [{
                        "name": "data",
                        "in": "body",
                        "required": true,
                        "schema": {"$ref": "#/definitions/Quux"}
                    }],
                    "responses": {"201": {"description": "made"}}
                }
            },
            "/user": {
                "get": {
                    "operationId": "get_current_user",
                    "tags": ["User"],
                    "responses": {"200": {"description": "you", "schema": {"type": "object"}}}
                }
            }
        }
    })
}

/// [`spec`], as YAML, in the same order.
const SPEC_YAML: &str = r##"# The test spec, in YAML.
swagger: "2.0"
info:
  title: Onezone
  version: "25.0.1"
basePath: /api/v3/onezone
securityDefinitions:
  api_key:
    type: apiKey
    name: X-Auth-Token
    in: header
definitions:
  Quux:
    type: object
    required: [name]
    properties:
      name: {type: string}
      size:
        type: integer
paths:
  /quux:
    get:
      operationId: list_quux
      tags: [Quux]
      responses:
        "200":
          description: the quuxes
          schema:
            type: array
            items: {type: string}
    post:
      operationId: create_quux
      tags:
        - Quux
      parameters:
        - name: data
          in: body
          required: true
          schema:
            $ref: "#/definitions/Quux"
      responses:
        "201": {description: made}
  /user:
    get:
      operationId: get_current_user
      tags: [User]
      responses:
        "200":
          description: you
          schema: {type: object}
"##;

/// A directory for one test: its spec files and its cache.
struct Dir {
    root: PathBuf,
}

impl Dir {
    fn new(name: &str) -> Dir {
        Dir {
            root: scratch(name),
        }
    }

    fn cache(&self) -> PathBuf {
        self.root.join("cache")
    }

    fn specs(&self) -> PathBuf {
        self.cache().join("onezone-rest-cli").join("specs")
    }

    /// The compiled specs in the cache.
    /// The compiled catalogues in the cache (`<hash>.bin`).
    fn compiled(&self) -> Vec<PathBuf> {
        self.cached("bin")
    }

    /// The stamps of the specs read (`<hash of the path>.stamp`).
    fn stamps(&self) -> Vec<PathBuf> {
        self.cached("stamp")
    }

    /// The files of the specs cache with this extension.
    fn cached(&self, ext: &str) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(self.specs())
            .map(|d| d.map(|e| e.expect("a directory entry").path()).collect())
            .unwrap_or_default();
        out.retain(|p| p.extension().is_some_and(|x| x == ext));
        out.sort();
        out
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root.join(name);
        std::fs::write(&path, bytes).expect("write a spec");
        path
    }

    fn json_spec(&self) -> PathBuf {
        self.write(
            "spec.json",
            serde_json::to_vec_pretty(&spec()).expect("the spec"),
        )
    }

    /// The binary with this directory's cache, `ONEZONE_HOST` [`HOST`],
    /// and `args`.
    fn cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = bin();
        c.env("XDG_CACHE_HOME", self.cache())
            .env("ONEZONE_HOST", HOST)
            .args(args);
        c
    }

    /// Runs `--api-spec spec args…`, bounded in time and memory.
    fn run(&self, spec: &Path, args: &[&str]) -> Run {
        let mut c = self.cmd(&[]);
        c.arg("--api-spec").arg(spec).args(args);
        limited(c)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// Runs `c` killed after [`TIMEOUT`], with at most [`MEMORY_LIMIT`] of
/// address space (an allocation past it aborts the run).
fn limited(mut c: std::process::Command) -> Run {
    // SAFETY: setrlimit is async-signal-safe, and the closure allocates
    // nothing.
    unsafe {
        c.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: MEMORY_LIMIT as libc::rlim_t,
                rlim_max: MEMORY_LIMIT as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    run_bounded(&mut c, None, TIMEOUT)
}

fn assert_ok(r: &Run, what: &str) {
    assert_eq!(r.code, Some(0), "{what}: {r}");
    assert!(!r.stderr.contains("panicked"), "{what}: {r}");
}

/// The curl line of a dry run, which must have succeeded.
fn curl_line(r: &Run, what: &str) -> String {
    assert_ok(r, what);
    let out = r.out();
    assert!(out.starts_with("curl "), "{what}: {r}");
    assert_eq!(out.lines().count(), 1, "{what}: {r}");
    out
}

#[test]
fn a_spec_adds_operations_no_release_has() {
    let dir = Dir::new("spec-ops");
    let spec = dir.json_spec();

    let r = dir.run(&spec, &["--dry-run", "listQuux"]);
    let line = curl_line(&r, "listQuux");
    assert!(
        line.starts_with(&format!("curl -X GET {QUUX_URL} ")),
        "{line}"
    );
    assert!(
        r.stderr.contains(&format!(
            "note: built for Onezone 25.0.1 (from the spec {}",
            spec.display()
        )),
        "{r}"
    );

    // Its help, and the list of operations: the spec's, not a built-in's.
    let r = dir.run(&spec, &["listQuux", "--help"]);
    assert_ok(&r, "listQuux --help");
    assert!(r.out().starts_with("listQuux"), "{r}");
    assert!(r.out().contains("GET /api/v3/onezone/quux"), "{r}");
    let r = dir.run(&spec, &["--help"]);
    assert_ok(&r, "--help");
    for op in ["listQuux", "createQuux", "getCurrentUser"] {
        assert!(r.out().contains(op), "{op} is not listed: {r}");
    }
    assert!(!r.out().contains("createSpace"), "{r}");

    // The body is validated by the spec's schema.
    let r = dir.run(&spec, &["--dry-run", "createQuux", "size:=3"]);
    assert_eq!(r.code, Some(i32::from(exit::USAGE)), "{r}");
    assert!(r.stdout.is_empty(), "{r}");
    assert!(
        r.stderr.starts_with("error: ") && r.stderr.contains("name"),
        "{r}"
    );
    let r = dir.run(&spec, &["--dry-run", "createQuux", "size==big", "name==q"]);
    assert_eq!(
        r.code,
        Some(i32::from(exit::USAGE)),
        "a string for an integer: {r}"
    );
    let r = dir.run(&spec, &["--dry-run", "createQuux", "name==q", "size:=3"]);
    let line = curl_line(&r, "createQuux");
    assert!(
        line.starts_with(&format!("curl -X POST {QUUX_URL} ")),
        "{line}"
    );
    assert!(line.contains(r#"'{"name":"q","size":3}'"#), "{line}");

    // A built-in operation the spec lacks is unknown.
    let r = dir.run(&spec, &["--dry-run", "createSpace", "name==x"]);
    assert_eq!(r.code, Some(i32::from(exit::USAGE)), "{r}");
    assert!(r.stderr.contains("createSpace"), "{r}");

    // --about names the spec and its release.
    let r = dir.run(&spec, &["--about"]);
    assert_ok(&r, "--about");
    assert!(
        r.out().contains(&format!(
            "Release in use: Onezone 25.0.1 (from the spec {})",
            spec.display()
        )),
        "{r}"
    );

    // The spec wins over ONEZONE_API_VERSION (which `bin` sets), and
    // --api-version must fit it.
    let r = dir.run(
        &spec,
        &["--api-version", "21.02.7", "--dry-run", "listQuux"],
    );
    assert_eq!(r.code, Some(i32::from(exit::USAGE)), "{r}");
    assert!(r.stderr.contains("does not fit the spec"), "{r}");
    let r = dir.run(&spec, &["--api-version", "25.0", "--dry-run", "listQuux"]);
    curl_line(&r, "--api-version 25.0");
}

#[test]
fn the_spec_variable_works_like_the_flag() {
    let dir = Dir::new("spec-env");
    let spec = dir.json_spec();
    for args in [
        &["--dry-run", "listQuux"][..],
        &["--dry-run", "createQuux", "name==q"],
        &["listQuux", "--help"],
        &["--about"],
    ] {
        let flag = dir.run(&spec, args);
        let mut c = dir.cmd(args);
        c.env("ONEZONE_API_SPEC", &spec);
        let var = limited(c);
        assert_ok(&var, &format!("{args:?}"));
        assert_eq!(var.out(), flag.out(), "{args:?}: {var}");
        assert_eq!(var.stderr, flag.stderr, "{args:?}");
    }
    // The flag wins over the variable.
    let mut c = dir.cmd(&["--dry-run", "listQuux"]);
    c.env("ONEZONE_API_SPEC", dir.root.join("missing.json"))
        .arg("--api-spec")
        .arg(&spec);
    curl_line(&limited(c), "flag over variable");
    // A variable that names nothing fails like the flag.
    let mut c = dir.cmd(&["--dry-run", "listQuux"]);
    c.env("ONEZONE_API_SPEC", dir.root.join("missing.json"));
    let r = limited(c);
    assert_eq!(r.code, Some(i32::from(exit::CONFIG)), "{r}");
    assert!(r.stderr.contains("missing.json"), "{r}");
}

#[test]
fn a_spec_call_is_sent_without_asking_the_server() {
    let zone = FakeZone::start().expect("the fake starts");
    let dir = Dir::new("spec-call");
    let spec = dir.json_spec();
    // A call to the fake, as the admin, with the spec.
    let call = |args: &[&str]| {
        let mut c = dir.cmd(args);
        c.env_remove("ONEZONE_API_VERSION")
            .env("ONEZONE_HOST", zone.url())
            .env("ONEZONE_API_KEY", ADMIN_TOKEN)
            .arg("--api-spec")
            .arg(&spec);
        limited(c)
    };
    let r = call(&["-v", "getCurrentUser"]);
    assert_ok(&r, "getCurrentUser");
    assert!(r.json()["userId"].is_string(), "{r}");
    assert!(
        r.stderr.contains("* API: Onezone 25.0.1 (from the spec "),
        "{r}"
    );
    let reqs = zone.requests();
    assert_eq!(reqs.len(), 1, "{reqs:#?}");
    assert_eq!(reqs[0].path, "/api/v3/onezone/user");
    assert_eq!(reqs[0].header("x-auth-token"), Some(ADMIN_TOKEN));

    // An operation that no built-in release has is sent as well, with its
    // body (the fake, which serves 21.02.7, knows no such path: 404).
    zone.clear_requests();
    let r = call(&["createQuux", "name==q", "size:=3"]);
    assert_eq!(r.code, Some(i32::from(exit::HTTP_4XX)), "{r}");
    assert!(r.stderr.starts_with("error: HTTP 404"), "{r}");
    let reqs = zone.requests();
    assert_eq!(reqs.len(), 1, "{reqs:#?}");
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("POST", "/api/v3/onezone/quux")
    );
    assert_eq!(reqs[0].header("x-auth-token"), Some(ADMIN_TOKEN));
    let body: Value = serde_json::from_slice(&reqs[0].body).expect("a JSON body");
    assert_eq!(body, json!({"name": "q", "size": 3}));
}

/// The start of a compiled catalogue (onedata_catalogue::load::encode).
const BINARY_MAGIC: &[u8] = b"onedata-catalogue\0";

fn is_hash_name(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let stem = name
        .strip_suffix(".bin")
        .or_else(|| name.strip_suffix(".stamp"));
    stem.is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[test]
fn the_compiled_spec_is_cached() {
    let dir = Dir::new("spec-cache");
    let spec = dir.json_spec();
    let help = |what: &str| {
        let r = dir.run(&spec, &["listQuux", "--help"]);
        assert_ok(&r, what);
        r.out()
    };
    let first = help("first start");
    assert!(first.starts_with("listQuux — List quux"), "{first}");
    let compiled = dir.compiled();
    assert_eq!(compiled.len(), 1, "{compiled:?}");
    let cached = compiled[0].clone();
    assert!(is_hash_name(&cached), "{}", cached.display());
    let bytes = std::fs::read(&cached).expect("the compiled spec");
    assert!(bytes.starts_with(BINARY_MAGIC), "{bytes:?}");
    // The stamp of the spec's path names that catalogue.
    let stamps = dir.stamps();
    assert_eq!(stamps.len(), 1, "{stamps:?}");
    let stamp = std::fs::read_to_string(&stamps[0]).expect("the stamp");
    let hash = cached
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    assert!(stamp.ends_with(&format!("\n{hash}\n")), "{stamp}");

    // The second start reads the cache, not the spec: an edit of the
    // cached catalogue (a text of the same length, sealed anew with the
    // SHA-256 that ends the file) shows.
    let body = &bytes[..bytes.len() - 32];
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    assert_eq!(&bytes[bytes.len() - 32..], digest.as_ref(), "sealed");
    let at = body
        .windows(9)
        .position(|w| w == b"List quux")
        .expect("the summary in the catalogue");
    let mut edited = body.to_vec();
    edited[at..at + 9].copy_from_slice(b"Cache hit");
    let seal = ring::digest::digest(&ring::digest::SHA256, &edited);
    edited.extend_from_slice(seal.as_ref());
    std::fs::write(&cached, &edited).expect("edit the cache");
    let second = help("second start");
    assert!(second.starts_with("listQuux — Cache hit"), "{second}");
    assert_eq!(dir.compiled(), std::slice::from_ref(&cached));
    // The same edit without a new seal is damage: compiled anew.
    edited.truncate(edited.len() - 32);
    edited.extend_from_slice(&bytes[bytes.len() - 32..]);
    std::fs::write(&cached, &edited).expect("damage the cache");
    assert_eq!(help("unsealed edit"), first);
    assert_eq!(std::fs::read(&cached).unwrap(), bytes);

    // A corrupt cache entry is compiled anew, and rewritten.
    for garbage in [
        &b"\x00\xff garbage {{{"[..],
        b"",
        b"[]",
        &bytes[..bytes.len() / 2],
        BINARY_MAGIC,
    ] {
        std::fs::write(&cached, garbage).expect("corrupt the cache");
        let again = help("corrupt cache");
        assert_eq!(again, first, "after {garbage:?}");
        let rewritten = std::fs::read(&cached).expect("rewritten");
        assert_eq!(rewritten, bytes, "not rewritten after {garbage:?}");
    }
    // So is a damaged stamp.
    std::fs::write(&stamps[0], "nonsense").expect("corrupt the stamp");
    assert_eq!(help("corrupt stamp"), first);
    assert_eq!(std::fs::read_to_string(&stamps[0]).unwrap(), stamp);

    // An edited spec is read again (its identity changed), not served from
    // the stamp: the new text shows, from a catalogue of its own.
    let original = std::fs::read(&spec).expect("the spec");
    let mut edited_spec = spec_value_with_version("25.0.1");
    edited_spec["paths"]["/quux"]["get"]["operationId"] = json!("list_quux");
    edited_spec["paths"]["/quux"]["get"]["tags"] = json!(["Renamed"]);
    std::fs::write(&spec, edited_spec.to_string()).expect("edit the spec");
    let r = dir.run(&spec, &["listQuux", "--help"]);
    assert_ok(&r, "edited spec");
    assert!(r.out().contains("(group: Renamed)"), "{}", r.out());
    assert_eq!(dir.compiled().len(), 2);
    std::fs::write(&spec, original).expect("restore the spec");
    assert_eq!(help("restored spec"), first);
    let leftovers: Vec<_> = dir
        .compiled()
        .into_iter()
        .filter(|p| !is_hash_name(p))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Another spec (other bytes) has an entry of its own.
    let mut other = spec_value_with_version("25.0.2");
    other["paths"]["/quux"]["get"]["operationId"] = json!("list_quuxes");
    let other_path = dir.write("other.json", other.to_string());
    let r = dir.run(&other_path, &["--dry-run", "listQuuxes"]);
    curl_line(&r, "another spec");
    assert!(r.stderr.contains("Onezone 25.0.2"), "{r}");
    let all = dir.compiled();
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all.iter().all(|p| is_hash_name(p)), "{all:?}");
    assert_eq!(help("the first spec again"), first);

    // An unwritable cache (a directory where the compiled file goes)
    // costs only time.
    std::fs::remove_file(&cached).expect("remove the entry");
    std::fs::create_dir_all(cached.join("x")).expect("a directory in its place");
    let r = dir.run(&spec, &["--dry-run", "listQuux"]);
    curl_line(&r, "unwritable cache");
}

fn spec_value_with_version(version: &str) -> Value {
    let mut s = spec();
    s["info"]["version"] = json!(version);
    s
}

#[test]
fn a_yaml_spec_works_like_json() {
    let dir = Dir::new("spec-yaml");
    let json_spec = dir.json_spec();
    let yaml_spec = dir.write("spec.yaml", SPEC_YAML);
    // YAML is recognised by content too, whatever the file is called.
    let unnamed = dir.write("spec.txt", SPEC_YAML);
    let args: [&[&str]; 4] = [
        &["--dry-run", "listQuux"],
        &["--dry-run", "createQuux", "name==q", "size:=3"],
        &["createQuux", "--help"],
        &["--help"],
    ];
    for a in args {
        let from_json = dir.run(&json_spec, a);
        assert_ok(&from_json, &format!("JSON {a:?}"));
        for yaml in [&yaml_spec, &unnamed] {
            let from_yaml = dir.run(yaml, a);
            assert_ok(&from_yaml, &format!("{} {a:?}", yaml.display()));
            // `--help` names the file it came from.
            let same = from_yaml.out().replace(
                &yaml.display().to_string(),
                &json_spec.display().to_string(),
            );
            assert_eq!(same, from_json.out(), "{a:?}");
        }
    }
    let r = dir.run(&yaml_spec, &["--dry-run", "createQuux", "size:=3"]);
    assert_eq!(r.code, Some(i32::from(exit::USAGE)), "{r}");

    // The compiled catalogues are the same: one of the JSON spec, one of
    // the YAML bytes (under either name: the cache is keyed by content).
    let compiled: Vec<Vec<u8>> = dir
        .compiled()
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(compiled.len(), 2);
    assert_eq!(compiled[0], compiled[1]);
}

/// Checks a refusal: exit 3, nothing on stdout, one `error:` line naming
/// `path` and containing each of `says`, no panic, in bounded time.
fn refused(dir: &Dir, path: &Path, says: &[&str], what: &str) {
    let r = dir.run(path, &["--dry-run", "listQuux"]);
    assert_eq!(r.code, Some(i32::from(exit::CONFIG)), "{what}: {r}");
    assert!(r.stdout.is_empty(), "{what}: {r}");
    assert!(!r.stderr.contains("panicked"), "{what}: {r}");
    let head = format!("error: the API spec {}: ", path.display());
    assert!(r.stderr.starts_with(&head), "{what}: {r}");
    assert_eq!(r.stderr.lines().count(), 1, "{what}: one line: {r}");
    for s in says {
        assert!(r.stderr.contains(s), "{what}: no {s:?}: {r}");
    }
    assert!(
        r.elapsed < Duration::from_secs(15),
        "{what}: {:?}",
        r.elapsed
    );
    assert!(dir.compiled().is_empty(), "{what}: something was cached");
}

#[test]
fn broken_specs_are_refused_with_one_line() {
    let dir = Dir::new("spec-broken");
    refused(
        &dir,
        &dir.root.join("missing.json"),
        &["No such file"],
        "missing",
    );
    let d = dir.root.join("a-directory.json");
    std::fs::create_dir(&d).unwrap();
    refused(&dir, &d, &["not a regular file"], "a directory");

    let mut s = spec();
    s["paths"]["/quux"]["post"]["parameters"][0]["schema"]["$ref"] = json!("#/definitions/Nope");
    let p = dir.write("broken-ref.json", s.to_string());
    refused(
        &dir,
        &p,
        &[r#"paths["/quux"].post (create_quux)"#, "#/definitions/Nope"],
        "a broken $ref",
    );

    let p = dir.write("bad.json", "{\"swagger\": \"2.0\",\n  \"info\": {,}}\n");
    refused(&dir, &p, &["line 2, column ", "not JSON"], "invalid JSON");
    let p = dir.write(
        "bad.yaml",
        "swagger: \"2.0\"\ninfo:\n  version: [1\n  x: : y\n",
    );
    refused(&dir, &p, &["line 4, column ", "not YAML"], "invalid YAML");
    let p = dir.write("openapi.json", r#"{"openapi": "3.0.0"}"#);
    refused(&dir, &p, &["Swagger 2.0"], "OpenAPI 3");
    let p = dir.write("empty.json", "");
    refused(&dir, &p, &["Swagger 2.0"], "an empty file");
    let p = dir.write("latin1.json", b"{\"swagger\": \"2.0\xe9\"}");
    refused(&dir, &p, &["UTF-8"], "not UTF-8");

    let p = dir.write(
        "bad-version.json",
        spec_value_with_version("next").to_string(),
    );
    refused(&dir, &p, &["info.version", "\"next\""], "no release number");
    let mut s = spec();
    s.as_object_mut().unwrap().remove("paths");
    let p = dir.write("no-paths.json", s.to_string());
    refused(&dir, &p, &["paths"], "no paths");
    let mut s = spec();
    s["paths"]["/quux2"] = json!({"get": {
        "operationId": "listQuux",
        "responses": {"200": {"description": "the same name"}}
    }});
    let p = dir.write("twice.json", s.to_string());
    refused(&dir, &p, &["listQuux", "twice"], "one name twice");
    let mut s = spec();
    s["basePath"] = json!("/api/v3/oneprovider");
    let p = dir.write("oneprovider.json", s.to_string());
    refused(&dir, &p, &["/api/v3/oneprovider"], "another service");

    // Not files to read: a FIFO (which would block a reader), a device.
    let fifo = dir.root.join("fifo.json");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    refused(&dir, &fifo, &["not a regular file"], "a FIFO");
    refused(
        &dir,
        Path::new("/dev/zero"),
        &["not a regular file"],
        "/dev/zero",
    );
}

#[test]
fn hostile_specs_are_refused_within_bounds() {
    let dir = Dir::new("spec-hostile");

    // Larger than the 16 MiB limit (sparse: no disk is used).
    let big = dir.root.join("big.json");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(17 << 20))
        .expect("a sparse file");
    refused(&dir, &big, &["16 MiB"], "17 MiB");

    // "Billion laughs": nine levels of nine aliases.
    let mut bomb = String::from(
        "swagger: \"2.0\"\nx:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..=9 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("  l{i}: &l{i} [{refs}]\n"));
    }
    let p = dir.write("bomb.yaml", &bomb);
    refused(&dir, &p, &["not YAML"], "billion laughs");

    // Deep nesting: in JSON, and a file that is only brackets.
    let deep = format!("{{\"swagger\": \"2.0\", \"x\": {}", "[".repeat(100_000));
    let p = dir.write("deep.json", &deep);
    refused(&dir, &p, &["line 1, column "], "deep JSON");
    let p = dir.write("brackets.json", "[".repeat(100_000));
    refused(&dir, &p, &[], "100,000 [");
    let p = dir.write("brackets.yaml", format!("x: {}", "{a: ".repeat(100_000)));
    refused(&dir, &p, &[], "deep YAML flow mappings");
    let p = dir.write("dashes.yaml", format!("{}x\n", "- ".repeat(100_000)));
    refused(&dir, &p, &[], "deep YAML block sequences on one line");
}

/// Aliases that each expand a large anchor: few jumps (under the YAML
/// parser's repetition limit of 100 per event), but a document that grows
/// with the square of the file (a 50 KB file expands to 10⁸ values).
#[test]
fn a_quadratic_alias_bomb_is_bounded() {
    let dir = Dir::new("spec-quadratic");
    let n = 10_000;
    let yaml = format!(
        "swagger: \"2.0\"\nx:\n  a: &a [{}]\n  b: [{}]\n",
        vec!["x"; n].join(","),
        vec!["*a"; n].join(",")
    );
    let p = dir.write("quadratic.yaml", yaml);
    refused(&dir, &p, &[], "quadratic aliases");
}

/// An operation id is printed in `--help`: control characters in it (a
/// terminal escape that retitles the window here) must be refused or
/// escaped, as the tool does with the server's text.
#[test]
fn control_characters_of_a_spec_do_not_reach_the_terminal() {
    let dir = Dir::new("spec-controls");
    let escape = "\u{1b}]0;owned\u{7}";
    let mut specs = Vec::new();
    // In an operation id (printed by --help) …
    let mut s = spec();
    s["paths"]["/quux"]["get"]["operationId"] = json!(format!("list_{escape}quux"));
    specs.push(("operation id", s));
    // … in a definition's name, which an error message names …
    let mut s = spec();
    s["definitions"][format!("Bad{escape}")] = json!({ "type": "nonsense" });
    specs.push(("definition name", s));
    // … and in a value that an error message quotes.
    let mut s = spec();
    s["definitions"]["Bad"] = json!({ "type": format!("x{escape}") });
    specs.push(("type", s));
    for (what, s) in specs {
        let p = dir.write("controls.json", s.to_string());
        let r = dir.run(&p, &["--help"]);
        let raw = |bytes: &[u8]| -> Vec<u8> {
            bytes
                .iter()
                .copied()
                .filter(|b| (b.is_ascii_control() && *b != b'\n') || *b >= 0x80)
                .collect()
        };
        assert_eq!(
            raw(r.stderr.as_bytes()),
            b"",
            "{what}: control bytes on stderr: {r}"
        );
        assert_eq!(raw(&r.stdout), b"", "{what}: control bytes on stdout: {r}");
        match r.code {
            Some(3) => assert!(r.stderr.starts_with("error: the API spec "), "{what}: {r}"),
            Some(0) => {}
            _ => panic!("{what}: {r}"),
        }
    }
}

#[test]
fn the_published_spec_gives_the_builtin_requests() {
    let published =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/onedata-api/onezone-21.02.7.json");
    if !published.is_file() {
        skip(&format!(
            "{} is absent: --api-spec was not compared with the built-in 21.02.7",
            published.display()
        ));
        return;
    }
    let dir = Dir::new("spec-published");
    let cases: [&[&str]; 5] = [
        &["--dry-run", "createSpace", "name==x"],
        &["--dry-run", "getCurrentUser"],
        &["--dry-run", "getSpace", "id=s 1"],
        &["--dry-run", "inferAccessTokenScope", "token==abc"],
        &[
            "--dry-run",
            "addSpaceUser",
            "id=s1",
            "uid=u1",
            "privileges:=[\"space_view\"]",
        ],
    ];
    for args in cases {
        let builtin = limited(dir.cmd(args));
        let line = curl_line(&builtin, &format!("built-in {args:?}"));
        let from_spec = dir.run(&published, args);
        assert_eq!(
            curl_line(&from_spec, &format!("spec {args:?}")),
            line,
            "{args:?}"
        );
        assert!(
            from_spec
                .stderr
                .contains("note: built for Onezone 21.02.7 (from the spec "),
            "{from_spec}"
        );
    }
    // Validation follows the spec too.
    let builtin = limited(dir.cmd(&["--dry-run", "createSpace", "name:=1"]));
    let from_spec = dir.run(&published, &["--dry-run", "createSpace", "name:=1"]);
    assert_eq!(builtin.code, Some(i32::from(exit::USAGE)), "{builtin}");
    assert_eq!(from_spec.code, builtin.code, "{from_spec}");
    assert_eq!(from_spec.stderr, builtin.stderr);
}
