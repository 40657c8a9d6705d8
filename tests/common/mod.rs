//! Shared by the integration tests: the binary in an isolated environment,
//! a valid invocation of any catalogue operation (in a `fake_onezone::World`
//! or not), bounded runs of any child process, skips that are seen (and
//! fail under CI), scratch directories, ports masked in output, and the
//! replay of a `--dry-run` curl line against a fake. The raw HTTP client for
//! setting up a fake's state is `fake_onezone::probe`.

#![allow(dead_code)]

use assert_cmd::Command;
use fake_onezone::probe::encode;
use fake_onezone::{sample_body, FakeZone, Recorded, World, ADMIN_TOKEN};
use onezone_rest_cli::catalogue::{Catalogue, Operation};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Every child process is killed after this long.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// A probe (is this tool installed? does this work here?) is killed after
/// this long.
pub const PROBE_LIMIT: Duration = Duration::from_secs(10);

/// The variables of the developer's environment that would change what the
/// binary does: the host, the credentials, the proxies.
pub const USER_ENV: [&str; 13] = [
    "ONEZONE_HOST",
    "ONEZONE_API_VERSION",
    "ONEZONE_API_SPEC",
    "ONEZONE_API_KEY",
    "ONEZONE_BASIC_AUTH",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// Whether this is a CI run (`CI` set, not empty, not `false` or `0`):
/// there every test must run, none may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Says, where it is seen, that a test did not run (a tool it needs is
/// missing) and why; under CI that is a failure instead. libtest captures
/// `eprintln!` of a passing test, but not writes to the stderr handle.
#[track_caller]
pub fn skip(why: &str) {
    assert!(
        !in_ci(),
        "{why}: CI must run this test (scripts/test installs what it needs)"
    );
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// Whether `program` is installed: `program --version` can be started
/// (and ends within [`PROBE_LIMIT`]).
pub fn installed(program: &str) -> bool {
    try_bounded(
        std::process::Command::new(program).arg("--version"),
        None,
        PROBE_LIMIT,
    )
    .is_ok()
}

/// Whether `program args…` can be started and succeeds (within
/// [`PROBE_LIMIT`]).
pub fn works(program: &str, args: &[&str]) -> bool {
    try_bounded(
        std::process::Command::new(program).args(args),
        None,
        PROBE_LIMIT,
    )
    .is_ok_and(|out| out.status.success())
}

/// Kills the process group `pgid` (a child started with
/// `process_group(0)`, and everything it started).
pub fn kill_group(pgid: u32) {
    if let Ok(pgid) = libc::pid_t::try_from(pgid) {
        // SAFETY: kill(2) has no memory effects; a negative pid names a group.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// Runs `cmd` in a process group of its own, with `stdin` on a pipe (none:
/// `/dev/null`), and collects what it printed. Past `limit` the whole group
/// is killed and the test fails, naming the command; also when the child
/// has exited but something it started keeps its output open that long.
/// The test fails too when `cmd` cannot be started.
pub fn bounded(cmd: &mut std::process::Command, stdin: Option<&[u8]>, limit: Duration) -> Output {
    let what = format!("{cmd:?}");
    try_bounded(cmd, stdin, limit).unwrap_or_else(|e| panic!("cannot run {what}: {e}"))
}

/// [`bounded`], but a command that cannot be started (not installed, or
/// its `pre_exec` failed) is an `Err` rather than a failed test.
pub fn try_bounded(
    cmd: &mut std::process::Command,
    stdin: Option<&[u8]>,
    limit: Duration,
) -> std::io::Result<Output> {
    use std::os::unix::process::CommandExt;
    let deadline = Instant::now() + limit;
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    if let (Some(mut pipe), Some(input)) = (child.stdin.take(), stdin) {
        let input = input.to_vec();
        // Not joined: a child that never reads must not block the test.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let reader = |mut from: Box<dyn Read + Send>| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = from.read_to_end(&mut b);
            let _ = tx.send(b);
        });
        rx
    };
    let out = reader(Box::new(child.stdout.take().expect("stdout")));
    let err = reader(Box::new(child.stderr.take().expect("stderr")));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if Instant::now() >= deadline {
            kill_group(child.id());
            let _ = child.wait();
            panic!("timed out after {limit:?}: {what}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let collect = |rx: mpsc::Receiver<Vec<u8>>| {
        rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                kill_group(child.id());
                panic!(
                    "timed out after {limit:?}: {what} exited ({status}), \
                     but what it started kept its output open"
                )
            })
    };
    Ok(Output {
        stdout: collect(out),
        stderr: collect(err),
        status,
    })
}

/// [`bounded`], as a [`Run`].
pub fn run_bounded(cmd: &mut std::process::Command, stdin: Option<&[u8]>, limit: Duration) -> Run {
    let started = Instant::now();
    Run::new(bounded(cmd, stdin, limit), started)
}

/// The binary with nothing of the developer's environment that could change
/// what it does: no host, no credential variables, no proxies, a config
/// directory that does not exist (no stored host or credential, no keyring).
/// Killed after [`TIMEOUT`].
pub fn cli() -> Command {
    let mut c = Command::from_std(bin());
    c.timeout(TIMEOUT);
    c
}

/// The binary of [`cli`] as a plain `Command`, for [`bounded`].
pub fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_onezone-rest-cli"));
    isolate(&mut c);
    c
}

/// The release the tests' calls use unless a test says otherwise.
pub const NEWEST_RELEASE: &str = "21.02.7";

/// The cache directory of this test process.
pub fn cache_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "onezone-rest-cli-tests-cache-{}",
        std::process::id()
    ))
}

/// A config directory that does not exist.
pub fn no_config_dir() -> PathBuf {
    std::env::temp_dir().join("onezone-rest-cli-tests-no-config")
}

/// `c` (any program: bash, script, curl) in the environment of [`cli`].
pub fn isolate(c: &mut std::process::Command) -> &mut std::process::Command {
    for var in USER_ENV {
        c.env_remove(var);
    }
    // The release is fixed, so calls ask no server which release it runs
    // (tests/releases.rs does that) and a fault of the fake meets the call
    // itself; the cache is the test run's own.
    c.env("ONEZONE_API_VERSION", NEWEST_RELEASE)
        .env("XDG_CACHE_HOME", cache_dir())
        .env("XDG_CONFIG_HOME", no_config_dir())
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
}

/// A fresh, empty directory for one test's files (unique in this process).
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "onezone-rest-cli-test-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// What a run of the binary left behind.
#[derive(Debug)]
pub struct Run {
    /// The exit code; `None` when it was killed (the timeout).
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// What a run that began at `started` left.
    pub fn new(out: Output, started: Instant) -> Run {
        Run {
            code: out.status.code(),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stdout as JSON; panics with both streams otherwise.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.out(),
            self.stderr
        )
    }
}

/// Runs `cmd` (with `stdin` if given) and collects what it left.
pub fn run_cmd(mut cmd: Command, stdin: Option<&str>) -> Run {
    if let Some(s) = stdin {
        cmd.write_stdin(s.to_owned());
    }
    let started = Instant::now();
    Run::new(cmd.output().expect("the binary runs"), started)
}

/// Runs the binary against `host` with `ONEZONE_API_KEY=token` (none when
/// `token` is `None`).
pub fn run(host: &str, token: Option<&str>, args: &[&str]) -> Run {
    let mut c = cli();
    c.env("ONEZONE_HOST", host).args(args);
    if let Some(t) = token {
        c.env("ONEZONE_API_KEY", t);
    }
    run_cmd(c, None)
}

/// A valid invocation of an operation, and what it should send.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The operation and its items.
    pub args: Vec<String>,
    /// The body for a `-` item, when the body is not an object.
    pub stdin: Option<String>,
    /// The request path below the base path, percent-encoded.
    pub path: String,
    pub body: Option<Value>,
}

/// The sample body of an operation (what `fake_onezone::sample_body` makes
/// of its schema), if it takes one.
pub fn default_body(cat: Catalogue, op: &'static Operation) -> Option<Value> {
    op.body.as_ref().map(|b| sample_body(cat, &b.schema))
}

/// A valid invocation of `op` on `template` (its main path or one of its
/// `path_variants`): `value(template, segment index, name)` gives each path
/// parameter's value; `body` is sent as `name==text` / `name:=json` items
/// when it is an object, else on stdin with `-`.
pub fn invocation(
    cat: Catalogue,
    op: &'static Operation,
    template: &str,
    value: impl Fn(&str, usize, &str) -> String,
    body: Option<Value>,
) -> Invocation {
    let mut args = vec![op.name.to_owned()];
    let mut segs = Vec::new();
    for (i, seg) in template.trim_start_matches('/').split('/').enumerate() {
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let v = value(template, i, name);
                args.push(format!("{name}={v}"));
                // Only `subpath` keeps its slashes as path separators.
                segs.push(v.split('/').map(encode).collect::<Vec<_>>().join("/"));
            }
            None => segs.push(seg.to_owned()),
        }
    }
    let mut stdin = None;
    match (&body, cat.body_object(op)) {
        (Some(Value::Object(fields)), Some(_)) => {
            for (name, value) in fields {
                match value {
                    Value::String(s) => args.push(format!("{name}=={s}")),
                    other => args.push(format!("{name}:={other}")),
                }
            }
        }
        (Some(other), _) => {
            args.push("-".into());
            stdin = Some(other.to_string());
        }
        (None, _) => {}
    }
    Invocation {
        args,
        stdin,
        path: format!("/{}", segs.join("/")),
        body,
    }
}

/// A valid invocation of `op` on `template` in `world`: its path
/// parameters name the world's resources, its body carries the tokens
/// that make it succeed.
pub fn world_invocation(world: &World, op: &'static Operation, template: &str) -> Invocation {
    invocation(
        world.catalogue,
        op,
        template,
        |t, i, name| world.param_value(t, i, name),
        world.body(op),
    )
}

/// Replaces the port of every `127.0.0.1:PORT` and `localhost:PORT` with
/// `placeholder`, so what is compared does not depend on the ports the
/// fakes got.
pub fn without_ports(text: &str, placeholder: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["127.0.0.1:", "localhost:"]
            .iter()
            .filter_map(|h| rest.find(h).map(|i| (i, h.len())))
            .min();
        let Some((i, len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i + len]);
        rest = &rest[i + len..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str(placeholder);
        }
        rest = &rest[digits..];
    }
}

// ---- the --dry-run curl line, replayed against a fake

/// Whether curl is here to replay a curl line; if not, the test is skipped.
pub fn have_curl() -> bool {
    let ok = installed("curl");
    if !ok {
        skip("curl is not installed; the --dry-run line was not replayed");
    }
    ok
}

/// The one request `zone` received after the first `before`.
pub fn new_request(zone: &FakeZone, before: usize) -> Recorded {
    let reqs = zone.requests();
    assert_eq!(reqs.len(), before + 1, "one request: {reqs:#?}");
    reqs.into_iter().last().expect("a request")
}

/// Runs a `--dry-run` curl line with bash, as a user pasting it would (with
/// `ONEZONE_API_KEY` set to the admin's token, in the environment of
/// [`cli`]: no proxy, no `.curlrc`), and returns what `zone` received.
pub fn replay(zone: &FakeZone, line: &str) -> Recorded {
    let mut bash = std::process::Command::new("bash");
    isolate(&mut bash)
        .env("CURL_HOME", no_config_dir())
        .env("HOME", no_config_dir())
        .env("ONEZONE_API_KEY", ADMIN_TOKEN)
        .args(["-c", &format!("{} -s -o /dev/null", line.trim_end())]);
    let before = zone.requests().len();
    let out = bounded(&mut bash, None, TIMEOUT);
    assert!(
        out.status.success(),
        "bash failed ({}) on: {line}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    new_request(zone, before)
}

// ---- the three commands

/// The path of a command's binary by its name: `onezone-rest-cli`,
/// `oneprovider-rest-cli` or `onepanel-rest-cli`.
pub fn bin_path(command: &str) -> &'static str {
    match command {
        "onezone-rest-cli" => env!("CARGO_BIN_EXE_onezone-rest-cli"),
        "oneprovider-rest-cli" => env!("CARGO_BIN_EXE_oneprovider-rest-cli"),
        "onepanel-rest-cli" => env!("CARGO_BIN_EXE_onepanel-rest-cli"),
        other => panic!("{other} is not a command of the toolbox"),
    }
}

/// `c` in the environment of [`isolate`], without any variable of any of
/// the three commands (hosts, credentials, releases, specs) nor the Docker
/// image's generic `ONEDATA_*` ones, and with every command's release fixed
/// to [`NEWEST_RELEASE`] (so no call asks a server which release it runs).
pub fn isolate_all(c: &mut std::process::Command) -> &mut std::process::Command {
    isolate(c);
    for p in onezone_rest_cli::personality::ALL {
        let vars = [p.host_var, p.api_key_var, p.version_var, p.spec_var];
        for var in vars
            .into_iter()
            .chain(p.generic_host_var)
            .chain(p.basic_auth_var)
        {
            c.env_remove(var);
        }
        c.env(p.version_var, NEWEST_RELEASE);
    }
    for var in ["ONEDATA_API_KEY", "ONEDATA_ZONE", "ONEDATA_PROVIDER"] {
        c.env_remove(var);
    }
    c
}

/// A command of the toolbox by its name ([`bin_path`]) as a plain
/// `Command` in the environment of [`isolate_all`], for [`run_bounded`].
pub fn command_of(command: &str) -> std::process::Command {
    let mut c = std::process::Command::new(bin_path(command));
    isolate_all(&mut c);
    c
}
