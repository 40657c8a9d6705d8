//! Shared by the integration tests: the binary in an isolated environment,
//! a valid invocation of any catalogue operation (in a `fake_onezone::World`
//! or not), bounded runs of any child process, and skips that are seen (and
//! fail under CI). The raw HTTP client for setting up a fake's state is
//! `fake_onezone::probe`.

#![allow(dead_code)]

use assert_cmd::Command;
use fake_onezone::probe::encode;
use fake_onezone::{sample_body, World};
use onezone_rest_cli::catalogue::Operation;
use serde_json::Value;
use std::io::{Read, Write};
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Every child process is killed after this long.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The variables of the developer's environment that would change what the
/// binary does: the host, the credentials, the proxies.
pub const USER_ENV: [&str; 11] = [
    "ONEZONE_HOST",
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

/// Whether `program` is installed: `program --version` can be started.
pub fn installed(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
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
pub fn bounded(cmd: &mut std::process::Command, stdin: Option<&[u8]>, limit: Duration) -> Output {
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
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
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
    Output {
        stdout: collect(out),
        stderr: collect(err),
        status,
    }
}

/// The binary with nothing of the developer's environment that could change
/// what it does: no host, no credential variables, no proxies, a config
/// directory that does not exist (no stored host or credential, no keyring).
pub fn cli() -> Command {
    isolated(Command::cargo_bin("onezone-rest-cli").unwrap())
}

/// `c` in the environment of [`cli`].
pub fn isolated(mut c: Command) -> Command {
    for var in USER_ENV {
        c.env_remove(var);
    }
    c.env(
        "XDG_CONFIG_HOME",
        std::env::temp_dir().join("onezone-rest-cli-tests-no-config"),
    )
    .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    .timeout(TIMEOUT);
    c
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
    let start = Instant::now();
    let out = cmd.output().expect("the binary runs");
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
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
pub fn default_body(op: &'static Operation) -> Option<Value> {
    op.body.as_ref().map(|b| sample_body(&b.schema))
}

/// A valid invocation of `op` on `template` (its main path or one of its
/// `path_variants`): `value(template, segment index, name)` gives each path
/// parameter's value; `body` is sent as `name==text` / `name:=json` items
/// when it is an object, else on stdin with `-`.
pub fn invocation(
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
    match (&body, op.body_object()) {
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
        op,
        template,
        |t, i, name| world.param_value(t, i, name),
        world.body(op),
    )
}

/// Replaces every `127.0.0.1:PORT` and `localhost:PORT` with a placeholder,
/// so snapshots do not depend on the ports the fakes got.
pub fn without_ports(text: &str) -> String {
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
            out.push_str("[PORT]");
        }
        rest = &rest[digits..];
    }
}
