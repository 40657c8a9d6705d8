//! `login`, `logout` and `login --status` with a real Secret Service: each
//! test starts its own D-Bus session bus and an unlocked gnome-keyring-daemon
//! in a private HOME, runs the real binary against the fake Onezone, and
//! checks the keyring with `secret-tool`, which proves the entries are in the
//! real store (not an in-memory mock).
//!
//! Needs the Debian packages dbus, gnome-keyring and libsecret-tools
//! (scripts/test installs them). Without them a test fails when `CI` is set,
//! and otherwise is skipped with a message. Every child process has a time
//! limit; the daemons are killed when a test ends.
//!
//! It also holds what `login`, `logout` and `login --status` must never do
//! with a credential: store one the Zone did not check, send one from the
//! environment to a host the operations would not send it to, or leave one
//! behind in a keyring the config file no longer names. Tests that need no
//! keyring (a credential in the environment, or no reachable bus) start no
//! daemon.

mod common;

use assert_cmd::Command;
use common::{bounded, skip, try_bounded};
use fake_onezone::{FakeZone, Fault, ADMIN_TOKEN, USER_TOKEN};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_onezone-rest-cli");
const LIMIT: Duration = Duration::from_secs(30);
const SERVICE: &str = "onezone-rest-cli";
const BASE: &str = "/api/v3/onezone";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A private directory with HOME, config, data and runtime dirs.
struct Dirs {
    root: PathBuf,
}

impl Dirs {
    fn new(name: &str) -> Dirs {
        let root = std::env::temp_dir().join(format!(
            "onezone-keyring-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["home", "config", "data", "runtime"] {
            std::fs::create_dir_all(root.join(d)).expect("create test dirs");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(
                root.join("runtime"),
                std::fs::Permissions::from_mode(0o700),
            );
        }
        Dirs { root }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.root.join(sub)
    }

    fn config_file(&self) -> PathBuf {
        self.path("config")
            .join("onezone-rest-cli")
            .join("config.json")
    }

    /// The environment of every child: nothing of the caller's but PATH.
    fn env(&self) -> Vec<(String, String)> {
        let s = |p: PathBuf| p.to_string_lossy().into_owned();
        vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), s(self.path("home"))),
            ("XDG_CONFIG_HOME".into(), s(self.path("config"))),
            ("XDG_CACHE_HOME".into(), s(self.path("cache"))),
            ("XDG_DATA_HOME".into(), s(self.path("data"))),
            ("XDG_RUNTIME_DIR".into(), s(self.path("runtime"))),
        ]
    }

    /// Writes a config file naming these hosts (normalised URLs) with
    /// their stores, and the default host.
    fn write_config(&self, hosts: &[(&str, &str)], default: Option<&str>) {
        let file = self.config_file();
        std::fs::create_dir_all(file.parent().expect("a parent")).expect("config dir");
        let hosts: serde_json::Map<String, serde_json::Value> = hosts
            .iter()
            .map(|(url, store)| ((*url).to_owned(), serde_json::json!({ "store": store })))
            .collect();
        let mut doc = serde_json::json!({ "hosts": hosts });
        if let Some(d) = default {
            doc["default_host"] = d.into();
        }
        std::fs::write(&file, doc.to_string()).expect("write the config");
    }
}

impl Drop for Dirs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A D-Bus session bus with an unlocked gnome-keyring on it.
struct Session {
    dirs: Dirs,
    bus: String,
    daemons: Vec<Child>,
}

impl Drop for Session {
    fn drop(&mut self) {
        for c in self.daemons.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// A keyring for one test, or `None` (skipped) where none can be had;
/// with `CI` set that is a failure.
fn session(name: &str) -> Option<Session> {
    match start_session(name) {
        Ok(s) => Some(s),
        Err(why) => {
            skip(&format!(
                "no Secret Service for the keyring test {name}: {why}"
            ));
            None
        }
    }
}

fn start_session(name: &str) -> Result<Session, String> {
    for p in [
        "dbus-daemon",
        "gnome-keyring-daemon",
        "secret-tool",
        "dbus-send",
    ] {
        if !on_path(p) {
            return Err(format!(
                "{p} is not installed (packages: dbus gnome-keyring libsecret-tools)"
            ));
        }
    }
    let dirs = Dirs::new(name);
    let mut session = Session {
        dirs,
        bus: String::new(),
        daemons: Vec::new(),
    };
    let socket = session.dirs.path("runtime").join("bus");
    let mut dbus = std::process::Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
        .arg(format!("--address=unix:path={}", socket.display()))
        .env_clear()
        .envs(session.dirs.env())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start dbus-daemon: {e}"))?;
    let out = dbus.stdout.take();
    session.daemons.push(dbus);
    let out = out.ok_or("dbus-daemon has no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    session.bus = rx
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| "dbus-daemon printed no address within 10 s".to_owned())?
        .trim()
        .to_owned();
    if session.bus.is_empty() {
        return Err("dbus-daemon printed no address".into());
    }

    let mut gk = std::process::Command::new("gnome-keyring-daemon")
        .args(["--foreground", "--unlock", "--components=secrets"])
        .env_clear()
        .envs(session.dirs.env())
        .env("DBUS_SESSION_BUS_ADDRESS", &session.bus)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start gnome-keyring-daemon: {e}"))?;
    // The login keyring's password, on stdin; closing it ends the input.
    if let Some(mut stdin) = gk.stdin.take() {
        let _ = stdin.write_all(b"test-password");
    }
    session.daemons.push(gk);

    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = session.run(std::process::Command::new("dbus-send").args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.secrets",
        ]));
        if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
            break;
        }
        if Instant::now() > deadline {
            return Err(
                "gnome-keyring-daemon did not take org.freedesktop.secrets within 15 s".into(),
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(session)
}

impl Session {
    /// Runs a helper program in the session, bounded by [`LIMIT`].
    fn run(&self, cmd: &mut std::process::Command) -> Output {
        cmd.env_clear()
            .envs(self.dirs.env())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus);
        bounded(cmd, None, LIMIT)
    }

    /// The tool, in the session.
    fn cli(&self) -> Command {
        let mut c = cli(&self.dirs);
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.bus);
        c
    }

    /// `secret-tool lookup`: the stored secret of a host, if any.
    fn lookup(&self, base_url: &str) -> Option<String> {
        let out = self.run(
            std::process::Command::new("secret-tool")
                .args(["lookup", "service", SERVICE, "username", base_url]),
        );
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `secret-tool search --all service onezone-rest-cli`: the entries'
    /// descriptions (attributes and secrets).
    fn search(&self) -> String {
        let out = self.run(
            std::process::Command::new("secret-tool")
                .args(["search", "--all", "--unlock", "service", SERVICE]),
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Whether the Secret Service holds any entry of ours.
    fn holds_any(&self) -> bool {
        self.search().contains("attribute.username")
    }
}

/// The tool with a clean environment in `dirs` (no D-Bus unless added).
fn cli(dirs: &Dirs) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear().envs(dirs.env()).timeout(LIMIT);
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn login(s: &Session, host: &str, token: &str) -> Output {
    s.cli()
        .args(["login", "--host", host, "--token-stdin"])
        .write_stdin(format!("{token}\n"))
        .output()
        .expect("run login")
}

fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The user name getCurrentUser answers.
fn whoami(out: &Output) -> String {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    v["username"].as_str().unwrap_or_default().to_owned()
}

fn config(dirs: &Dirs) -> serde_json::Value {
    std::fs::read(dirs.config_file())
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null)
}

fn zone() -> FakeZone {
    FakeZone::start().expect("start the fake Onezone")
}

/// Whether any request the fake received carried this secret, in a header
/// or in its body.
fn carried(z: &FakeZone, secret: &str) -> bool {
    z.requests().iter().any(|r| {
        r.headers.iter().any(|(_, v)| v.contains(secret))
            || String::from_utf8_lossy(&r.body).contains(secret)
    })
}

#[test]
fn login_stores_the_token_operations_use_it_and_logout_removes_it() {
    let Some(s) = session("roundtrip") else {
        return;
    };
    let z = zone();
    let base = format!("{}{BASE}", z.url());

    let out = login(&s, &z.url(), ADMIN_TOKEN);
    assert_ok(&out, "login");
    let err = text(&out.stderr);
    assert!(
        err.contains("Logged in to") && err.contains("as admin"),
        "{err}"
    );
    assert!(!err.contains(ADMIN_TOKEN) && !text(&out.stdout).contains(ADMIN_TOKEN));

    // The real Secret Service holds it, under our service name and the host.
    assert_eq!(s.lookup(&base).as_deref(), Some(ADMIN_TOKEN));
    let found = s.search();
    assert!(
        found.contains(&format!("attribute.username = {base}")),
        "{found}"
    );
    // The config file remembers the host (no secret in it).
    let c = config(&s.dirs);
    assert_eq!(c["default_host"], base.as_str());
    assert_eq!(c["hosts"][&base]["store"], "secret-service");
    let raw = std::fs::read_to_string(s.dirs.config_file()).unwrap_or_default();
    assert!(!raw.contains(ADMIN_TOKEN), "{raw}");

    // No --host, no ONEZONE_HOST, no credential: both from the login.
    z.clear_requests();
    let out = s
        .cli()
        .args(["-o", "json", "getCurrentUser"])
        .output()
        .unwrap();
    assert_ok(&out, "getCurrentUser");
    assert_eq!(whoami(&out), "admin");
    // The first call to the host asks which release it runs, with no
    // credential; then the call carries the stored token.
    let sent = z.requests();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].operation, Some("getConfiguration"));
    assert_eq!(sent[0].header("x-auth-token"), None);
    assert_eq!(sent[0].header("authorization"), None);
    assert_eq!(sent[1].header("x-auth-token"), Some(ADMIN_TOKEN));

    let out = s.cli().arg("logout").output().unwrap();
    assert_ok(&out, "logout");
    assert!(
        text(&out.stderr).contains("Logged out of"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(s.lookup(&base), None, "logout removes the entry");
    assert!(!s.search().contains("attribute.username"));

    // The default host stays; the operation goes without a credential.
    let out = s.cli().arg("getCurrentUser").output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}

#[test]
fn two_hosts_keep_two_tokens_and_logout_all_removes_both() {
    let Some(s) = session("two-hosts") else {
        return;
    };
    let z = zone();
    let a = format!("http://127.0.0.1:{}", z.port());
    let b = format!("http://localhost:{}", z.port());
    assert_ok(&login(&s, &a, ADMIN_TOKEN), "login a");
    assert_ok(&login(&s, &b, USER_TOKEN), "login b");
    assert_eq!(
        s.lookup(&format!("{a}{BASE}")).as_deref(),
        Some(ADMIN_TOKEN)
    );
    assert_eq!(s.lookup(&format!("{b}{BASE}")).as_deref(), Some(USER_TOKEN));

    for (host, user) in [(&a, "admin"), (&b, "user")] {
        let out = s
            .cli()
            .args(["--host", host, "-o", "json", "getCurrentUser"])
            .output()
            .unwrap();
        assert_ok(&out, host);
        assert_eq!(whoami(&out), user, "{host}");
    }
    // The last login is the default host.
    let out = s
        .cli()
        .args(["-o", "json", "getCurrentUser"])
        .output()
        .unwrap();
    assert_eq!(whoami(&out), "user");

    let out = s.cli().args(["logout", "--all"]).output().unwrap();
    assert_ok(&out, "logout --all");
    assert_eq!(s.lookup(&format!("{a}{BASE}")), None);
    assert_eq!(s.lookup(&format!("{b}{BASE}")), None);
    assert_eq!(
        config(&s.dirs)["hosts"]
            .as_object()
            .map(serde_json::Map::len),
        Some(0)
    );
}

#[test]
fn a_token_the_zone_rejects_is_not_stored() {
    let Some(s) = session("rejected") else {
        return;
    };
    let z = zone();
    let out = login(&s, &z.url(), "not-a-valid-token");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("nothing was stored"), "{err}");
    assert!(!err.contains("not-a-valid-token"), "{err}");
    assert!(!s.search().contains("attribute.username"), "{}", s.search());
    assert!(!s.dirs.config_file().exists());
}

#[test]
fn basic_credentials_are_stored_and_used() {
    let Some(s) = session("basic") else {
        return;
    };
    let z = zone();
    let out = s
        .cli()
        .args(["login", "--host", &z.url(), "--basic", "-u", "user"])
        .arg("--password-stdin")
        .write_stdin("password\n")
        .output()
        .unwrap();
    assert_ok(&out, "login --basic");
    let out = s
        .cli()
        .args(["-o", "json", "getCurrentUser"])
        .output()
        .unwrap();
    assert_eq!(whoami(&out), "user");
    // No password on the command line, ever.
    let out = s
        .cli()
        .args(["login", "--host", &z.url(), "-u", "user:password"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_environment_wins_and_the_keyring_is_not_touched() {
    let Some(s) = session("env-wins") else {
        return;
    };
    let z = zone();
    assert_ok(&login(&s, &z.url(), ADMIN_TOKEN), "login");

    // The bus points nowhere: the environment's token is used, silently.
    let out = s
        .cli()
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env("ONEZONE_API_KEY", USER_TOKEN)
        .args(["-o", "json", "getCurrentUser"])
        .output()
        .unwrap();
    assert_ok(&out, "from the environment");
    assert_eq!(whoami(&out), "user");
    assert_eq!(text(&out.stderr), "", "no keyring warning");

    // Without it, a keyring that cannot be reached is one warning, and the
    // operation goes on without a credential (401 → exit 4); -s silences it.
    let out = s
        .cli()
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .arg("getCurrentUser")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(err.contains("going on without"), "{err}");
    let out = s
        .cli()
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args(["-s", "getCurrentUser"])
        .output()
        .unwrap();
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn status_shows_where_each_credential_comes_from_but_no_secret() {
    let Some(s) = session("status") else {
        return;
    };
    let z = zone();
    assert_ok(&login(&s, &z.url(), ADMIN_TOKEN), "login");
    let out = s.cli().args(["login", "--status"]).output().unwrap();
    assert_ok(&out, "status");
    let table = text(&out.stdout);
    for want in [
        z.url().as_str(),
        "keyring (secret-service)",
        "admin (Admin User",
        "access token",
    ] {
        assert!(table.contains(want), "{want:?} missing from\n{table}");
    }
    assert!(!table.contains(ADMIN_TOKEN), "{table}");

    let out = s
        .cli()
        .env("ONEZONE_API_KEY", USER_TOKEN)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args(["login", "--status"])
        .output()
        .unwrap();
    assert_ok(&out, "status from env");
    let table = text(&out.stdout);
    assert!(table.contains("env (ONEZONE_API_KEY)"), "{table}");
    assert!(table.contains("user (Regular User"), "{table}");
    assert!(!table.contains(USER_TOKEN), "{table}");
}

#[test]
fn secrets_never_leak_in_verbose_or_dry_run_output() {
    let Some(s) = session("no-leak") else {
        return;
    };
    let z = zone();
    let out = s
        .cli()
        .args(["-v", "login", "--host", &z.url(), "--token-stdin"])
        .write_stdin(ADMIN_TOKEN)
        .output()
        .unwrap();
    assert_ok(&out, "login -v");
    // Each run succeeds (the stored token is used), and none shows it.
    for args in [
        &["-v", "getCurrentUser"][..],
        &["--dry-run", "getCurrentUser"][..],
        &["-v", "login", "--status"][..],
    ] {
        let out = s.cli().args(args).output().unwrap();
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {all}");
        assert!(!all.contains(ADMIN_TOKEN), "{args:?}: {all}");
    }
    let out = s
        .cli()
        .args(["--dry-run", "getCurrentUser"])
        .output()
        .unwrap();
    assert_ok(&out, "--dry-run");
    assert!(
        text(&out.stdout).contains("X-Auth-Token"),
        "the stored credential is used, redacted: {}",
        text(&out.stdout)
    );
}

/// No D-Bus at all (no bus address, an empty runtime dir): operations work
/// from the environment and `login` fails clearly. Needs no daemon.
#[test]
fn without_dbus_the_environment_works_and_login_fails_clearly() {
    let dirs = Dirs::new("no-dbus");
    let z = zone();
    let start = Instant::now();
    let out = cli(&dirs)
        .env("ONEZONE_API_KEY", ADMIN_TOKEN)
        .args(["--host", &z.url(), "-o", "json", "getCurrentUser"])
        .output()
        .unwrap();
    assert_ok(&out, "from the environment");
    assert_eq!(whoami(&out), "admin");
    assert_eq!(text(&out.stderr), "");

    // A public operation with no credential anywhere.
    let out = cli(&dirs)
        .args(["--host", &z.url(), "getConfiguration"])
        .output()
        .unwrap();
    assert_ok(&out, "public operation");
    assert_eq!(text(&out.stderr), "");

    let out = cli(&dirs)
        .args(["login", "--host", &z.url(), "--token-stdin"])
        .write_stdin(ADMIN_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("no OS keyring is reachable"), "{err}");
    assert!(err.contains("ONEZONE_API_KEY"), "{err}");
    assert!(!err.contains(ADMIN_TOKEN));
    assert!(!dirs.config_file().exists(), "nothing written");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "no hanging: {:?}",
        start.elapsed()
    );
    assert!(z
        .requests()
        .iter()
        .all(|r| r.operation != Some("getCurrentUser")
            || r.header("x-auth-token") == Some(ADMIN_TOKEN)));
}

/// `login` reaches the keyring before asking for the token or the Zone.
#[test]
fn an_unreachable_keyring_is_reported_before_the_zone_is_asked() {
    let dirs = Dirs::new("no-dbus-first");
    let z = zone();
    let out = cli(&dirs)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args(["login", "--host", &z.url(), "--token-stdin"])
        .write_stdin(ADMIN_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(z.requests().is_empty(), "the Zone was not asked");
}

/// What `login` says (exit 3) when the kernel keyring cannot be reached
/// (src/commands/login.rs, `connect`; src/auth/keyring.rs, `Backend::describe`).
const KEYUTILS_UNAVAILABLE: &str =
    "error: no OS keyring is reachable: the kernel keyring (keyutils; cleared at reboot) cannot be reached";

/// The kernel keyring (`login --store keyutils`): no daemon. Every process
/// of the test joins one session keyring named for the test, as the
/// processes of one login session share theirs. Skipped (a failure under
/// CI) only where keyutils cannot be used: keyctl is refused (a seccomp
/// filter), so no process can join the keyring, or `login` says the kernel
/// keyring cannot be reached; any other failure of `login` fails the test.
#[cfg(target_os = "linux")]
#[test]
fn the_kernel_keyring_holds_the_credential_when_asked_for() {
    use std::os::unix::process::CommandExt;
    let dirs = Dirs::new("keyutils");
    let z = zone();
    let name = std::ffi::CString::new(format!(
        "onezone-rest-cli-test-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ))
    .expect("a keyring name");
    // Err: the process could not be started, as keyctl failed.
    let try_run = |args: &[&str], stdin: Option<&str>| -> std::io::Result<Output> {
        let mut std_cmd = std::process::Command::new(BIN);
        std_cmd.env_clear().envs(dirs.env()).args(args);
        let name = name.clone();
        // SAFETY: keyctl is a plain system call, safe between fork and exec.
        unsafe {
            std_cmd.pre_exec(move || {
                const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
                if libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name.as_ptr()) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        try_bounded(&mut std_cmd, stdin.map(str::as_bytes), LIMIT)
    };
    let run = |args: &[&str], stdin: Option<&str>| -> Output {
        try_run(args, stdin).unwrap_or_else(|e| panic!("{args:?}: cannot start: {e}"))
    };
    let login = try_run(
        &[
            "login",
            "--host",
            &z.url(),
            "--token-stdin",
            "--store",
            "keyutils",
        ],
        Some(ADMIN_TOKEN),
    );
    let out = match login {
        Ok(out) => out,
        // What a seccomp filter or a kernel without keys makes keyctl fail with.
        Err(e)
            if [libc::EPERM, libc::EACCES, libc::ENOSYS]
                .contains(&e.raw_os_error().unwrap_or(0)) =>
        {
            skip(&format!(
                "keyutils is not usable here: cannot join a session keyring (keyctl: {e})"
            ));
            return;
        }
        Err(e) => panic!("cannot start login --store keyutils: {e}"),
    };
    let err = text(&out.stderr);
    if out.status.code() == Some(i32::from(onezone_rest_cli::exit::CONFIG))
        && err.starts_with(KEYUTILS_UNAVAILABLE)
    {
        skip(&format!("keyutils is not usable here: {err}"));
        return;
    }
    assert_ok(&out, "login --store keyutils");
    assert_eq!(
        config(&dirs)["hosts"][format!("{}{BASE}", z.url())]["store"],
        "keyutils"
    );
    let out = run(&["-o", "json", "getCurrentUser"], None);
    assert_ok(&out, "getCurrentUser from keyutils");
    assert_eq!(whoami(&out), "admin");
    assert_ok(&run(&["logout"], None), "logout");
    let out = run(&["getCurrentUser"], None);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}

/// A session bus that accepts the connection and never answers: an ordinary
/// operation waits at most the lookup limit (5 s), warns once, and goes on.
#[cfg(unix)]
#[test]
fn a_keyring_that_never_answers_does_not_hang_operations() {
    let dirs = Dirs::new("hung-bus");
    let z = zone();
    let base = format!("{}{BASE}", z.url());
    let file = dirs.config_file();
    std::fs::create_dir_all(file.parent().expect("a parent")).expect("config dir");
    std::fs::write(
        &file,
        serde_json::json!({
            "default_host": base,
            "hosts": {base.clone(): {"store": "secret-service"}}
        })
        .to_string(),
    )
    .expect("write the config");
    let socket = dirs.path("runtime").join("silent-bus");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind a socket");
    let start = Instant::now();
    let out = cli(&dirs)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", socket.display()),
        )
        .arg("getConfiguration")
        .output()
        .unwrap();
    let took = start.elapsed();
    assert_ok(&out, "a public operation");
    let err = text(&out.stderr);
    assert!(err.contains("did not answer within 5 s"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

/// A redirect to another host leaves the credential behind, so the answer
/// there says nothing of it: nothing is stored (exit 5). An answer that
/// names no user is no proof either (exit 1).
#[test]
fn login_stores_only_a_credential_the_zone_checked() {
    let Some(s) = session("unchecked") else {
        return;
    };
    let z = zone();
    let elsewhere = zone();
    z.set_fault(Some(Fault::RedirectTo(format!(
        "{}/configuration",
        elsewhere.api_url()
    ))));
    let out = login(&s, &z.url(), "bogus");
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("not checked") && err.contains("nothing was stored"),
        "{err}"
    );
    assert!(!err.contains("bogus"), "{err}");
    assert!(!carried(&elsewhere, "bogus"), "the token stayed behind");
    assert!(!s.holds_any());
    assert!(!s.dirs.config_file().exists());

    // Same origin, so the token goes along (a valid one: the fake refuses
    // an unknown token on every path), but the answer, the public
    // configuration, is not a user.
    z.set_fault_times(
        Fault::RedirectTo(format!("{}/configuration", z.api_url())),
        1,
    );
    let out = login(&s, &z.url(), ADMIN_TOKEN);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("is not a user") && err.contains("nothing was stored"),
        "{err}"
    );
    assert!(!s.holds_any());
    assert!(!s.dirs.config_file().exists());
}

/// `login --status` sends a credential of the environment only to the host
/// operations would send it to (`--host`, `ONEZONE_HOST`, else the default
/// host); the other hosts' rows say so.
#[test]
fn status_sends_the_environment_credential_only_to_the_selected_host() {
    let dirs = Dirs::new("status-env");
    let chosen = zone();
    let other = zone();
    let (a, b) = (chosen.api_url(), other.api_url());
    dirs.write_config(&[(&a, "secret-service"), (&b, "secret-service")], Some(&b));
    for host_arg in [true, false] {
        chosen.clear_requests();
        let mut c = cli(&dirs);
        c.env("ONEZONE_API_KEY", USER_TOKEN)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
        if host_arg {
            c.args(["--host", &chosen.url()]);
        } else {
            c.env("ONEZONE_HOST", chosen.url());
        }
        let out = c.args(["login", "--status"]).output().unwrap();
        assert_ok(&out, "status");
        let table = text(&out.stdout);
        let row = |url: &str| block(&table, url);
        assert!(row(&a).contains("env (ONEZONE_API_KEY)"), "{table}");
        assert!(row(&a).contains("user (Regular User"), "{table}");
        assert!(
            row(&b).contains("not sent: not the selected host"),
            "{table}"
        );
        assert!(!table.contains(USER_TOKEN), "{table}");
        assert!(carried(&chosen, USER_TOKEN), "the selected host is asked");
        assert!(other.requests().is_empty(), "{:?}", other.requests());
    }
    let out = cli(&dirs)
        .env("ONEZONE_API_KEY", USER_TOKEN)
        .args(["login", "--status"])
        .output()
        .unwrap();
    assert_ok(&out, "status, default host");
    assert!(
        carried(&other, USER_TOKEN),
        "the default host is the selected one"
    );
}

/// A malformed ONEZONE_BASIC_AUTH or ONEZONE_HOST does not stop the status.
#[test]
fn status_shows_what_it_can_despite_a_malformed_environment() {
    let dirs = Dirs::new("status-malformed");
    let z = zone();
    let a = z.api_url();
    dirs.write_config(&[(&a, "secret-service")], Some(&a));
    let out = cli(&dirs)
        .env("ONEZONE_BASIC_AUTH", "no-colon-here")
        .args(["login", "--status"])
        .output()
        .unwrap();
    // The selected (default) host has no usable credential: exit 3.
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("env (ONEZONE_BASIC_AUTH), unusable"),
        "{table}"
    );
    assert!(!table.contains("no-colon-here"), "{table}");
    assert!(z.requests().is_empty(), "nothing is sent");

    let out = cli(&dirs)
        .env("ONEZONE_HOST", "ftp://zone.example.com")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args(["login", "--status"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "no selected host: {}",
        text(&out.stderr)
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: the selected host is left out"),
        "{err}"
    );
    assert!(text(&out.stdout).contains(&a), "{}", text(&out.stdout));
}

/// `logout --all` searches the Secret Service for entries the config file
/// does not name; a host logged in again into another store leaves no
/// entry behind in the old one.
#[test]
fn no_credential_is_left_orphaned_in_the_secret_service() {
    let Some(s) = session("orphans") else {
        return;
    };
    let z = zone();
    let base = z.api_url();
    assert_ok(&login(&s, &z.url(), ADMIN_TOKEN), "login");
    assert!(s.lookup(&base).is_some());

    // The config file names another store (edited, or written by a build
    // for another platform): logout --all still finds the entry.
    s.dirs.write_config(&[(&base, "keychain")], Some(&base));
    let out = s.cli().args(["logout", "--all"]).output().unwrap();
    assert_ok(&out, "logout --all");
    assert!(
        text(&out.stderr).contains("Logged out of"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(s.lookup(&base), None, "the orphan is removed");

    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        assert_ok(&login(&s, &z.url(), ADMIN_TOKEN), "login again");
        assert!(s.lookup(&base).is_some());
        // The kernel keyring, in a session keyring of the test's own (as in
        // the_kernel_keyring_holds_the_credential_when_asked_for).
        let name = std::ffi::CString::new(format!(
            "onezone-rest-cli-safety-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ))
        .expect("a keyring name");
        let mut cmd = std::process::Command::new(BIN);
        cmd.env_clear()
            .envs(s.dirs.env())
            .env("DBUS_SESSION_BUS_ADDRESS", &s.bus)
            .args(["login", "--host", &z.url(), "--token-stdin"])
            .args(["--store", "keyutils"]);
        // SAFETY: keyctl is a plain system call, safe between fork and exec.
        // Where it is refused, login says keyutils cannot be used.
        unsafe {
            cmd.pre_exec(move || {
                const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
                libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name.as_ptr());
                Ok(())
            });
        }
        let out = bounded(&mut cmd, Some(ADMIN_TOKEN.as_bytes()), LIMIT);
        if !out.status.success() {
            skip(&format!(
                "keyutils is not usable here: exit {:?}: {}",
                out.status.code(),
                text(&out.stderr)
            ));
            return;
        }
        assert_eq!(config(&s.dirs)["hosts"][&base]["store"], "keyutils");
        assert_eq!(s.lookup(&base), None, "the old store's entry is removed");
    }
}

/// `logout --all` that cannot reach the Secret Service does not say that no
/// credential was found (exit 3).
#[test]
fn logout_all_reports_a_keyring_it_cannot_search() {
    let dirs = Dirs::new("logout-unreachable");
    let out = cli(&dirs)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args(["logout", "--all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot search for stored credentials"),
        "{err}"
    );
    assert!(!err.contains("No stored credential was found"), "{err}");
}

/// A config file that cannot be read is one warning per run.
#[test]
fn a_malformed_config_file_is_one_warning() {
    let dirs = Dirs::new("malformed-config");
    let z = zone();
    let file = dirs.config_file();
    std::fs::create_dir_all(file.parent().expect("a parent")).expect("config dir");
    std::fs::write(&file, "{not json").expect("write the config");
    let out = cli(&dirs)
        .args(["--host", &z.url(), "getCurrentUser"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert_eq!(err.matches("not valid JSON").count(), 1, "{err}");
}

/// The other two commands log in on their own: each keeps its entry under
/// its own service name and config directory. Onepanel's login defaults to
/// basic authentication as user onepanel (the passphrase on stdin);
/// Oneprovider's checks a token with getAllSpaces, which names no user.
#[test]
fn each_command_logs_in_on_its_own() {
    let Some(s) = session("commands") else {
        return;
    };
    let z = zone();
    let panel = env!("CARGO_BIN_EXE_onepanel-rest-cli");
    let provider = env!("CARGO_BIN_EXE_oneprovider-rest-cli");
    let in_session = |bin: &str| {
        let mut c = Command::new(bin);
        c.env_clear()
            .envs(s.dirs.env())
            .env("DBUS_SESSION_BUS_ADDRESS", &s.bus)
            .timeout(LIMIT);
        c
    };

    let out = in_session(panel)
        .args(["login", "--host", &z.url(), "--password-stdin"])
        .write_stdin(format!("{}\n", fake_onezone::ONEPANEL_PASSPHRASE))
        .output()
        .expect("onepanel login");
    assert_ok(&out, "onepanel-rest-cli login");
    let said = text(&out.stderr);
    assert!(said.contains("as onepanel"), "{said}");
    let out = in_session(panel)
        .args(["-o", "json", "getCurrentUser"])
        .output()
        .expect("getCurrentUser");
    assert_ok(&out, "onepanel-rest-cli getCurrentUser from the keyring");
    assert_eq!(whoami(&out), fake_onezone::ONEPANEL_USER);

    let out = in_session(provider)
        .args(["login", "--host", &z.url(), "--token-stdin"])
        .write_stdin(format!("{}\n", fake_onezone::ADMIN_TOKEN))
        .output()
        .expect("oneprovider login");
    assert_ok(&out, "oneprovider-rest-cli login");
    let out = in_session(provider)
        .args(["getAllSpaces"])
        .output()
        .expect("getAllSpaces");
    assert_ok(&out, "oneprovider-rest-cli getAllSpaces from the keyring");

    // Three entries, under three service names; Onezone's has none.
    for (service, has) in [
        ("onepanel-rest-cli", true),
        ("oneprovider-rest-cli", true),
        ("onezone-rest-cli", false),
    ] {
        let found = s.run(
            std::process::Command::new("secret-tool")
                .args(["search", "--all", "--unlock", "service", service]),
        );
        let listing = format!("{}{}", text(&found.stdout), text(&found.stderr));
        assert_eq!(
            listing.contains("attribute.username"),
            has,
            "{service}: {listing}"
        );
    }
    let out = in_session(panel)
        .args(["login", "--status"])
        .output()
        .expect("status");
    assert_ok(&out, "onepanel-rest-cli login --status");
    assert!(!text(&out.stdout).contains(fake_onezone::ONEPANEL_PASSPHRASE));
    let out = in_session(panel).arg("logout").output().expect("logout");
    assert_ok(&out, "onepanel-rest-cli logout");
}

/// Runs `login ARGS` on a pty (util-linux `script`) in the session; once
/// the prompt `wait_for` shows, types `input`. Bounded by [`LIMIT`].
fn on_a_pty(
    s: &Session,
    args: &str,
    wait_for: &str,
    input: &[u8],
) -> Option<(Option<i32>, String)> {
    if !common::installed("script") {
        skip("script (util-linux) is not installed; the pty test did not run");
        return None;
    }
    let line = format!("{} {args}", shlex::try_quote(BIN).expect("quote"));
    let mut child = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .envs(s.dirs.env())
        .env("DBUS_SESSION_BUS_ADDRESS", &s.bus)
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start script");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let reader = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = std::io::Read::read(&mut stdout, &mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        })
    };
    let deadline = Instant::now() + LIMIT;
    let shown = || text(&seen.lock().expect("lock"));
    while !shown().contains(wait_for) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // The hidden prompt flushes what was typed before it turned echo off.
    std::thread::sleep(Duration::from_millis(300));
    let _ = stdin.write_all(input);
    let _ = stdin.flush();
    let code = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("login on a pty did not end within {LIMIT:?}:\n{}", shown());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    let _ = reader.join();
    Some((code, shown().replace("\r\n", "\n")))
}

/// At the hidden prompt, Ctrl-D or an empty line stops login (exit 2) with
/// a message, instead of asking again; nothing is stored.
#[test]
fn login_stops_when_no_token_is_typed() {
    let Some(s) = session("no-token-typed") else {
        return;
    };
    let z = zone();
    let args = format!("login --host {}", z.url());
    for input in [&b"\x04"[..], b"\n"] {
        let Some((code, out)) = on_a_pty(&s, &args, "Access token for", input) else {
            return;
        };
        assert_eq!(code, Some(2), "{input:?}: {out}");
        assert!(
            out.contains("error: login: no token given; nothing was stored"),
            "{input:?}: {out}"
        );
        assert_eq!(
            out.matches("Access token for").count() - out.matches("[hidden]").count(),
            1,
            "asked once: {out}"
        );
    }
    // The same at the user-name and password prompts of --basic.
    let basic = format!("login --host {} --basic", z.url());
    let with_user = format!("{basic} -u user");
    for (args, prompt, input, what) in [
        (&basic, "User name at", &b"\x04"[..], "user name"),
        (&basic, "User name at", b"\n", "user name"),
        (&with_user, "Password for user", b"\x04", "password"),
        (&with_user, "Password for user", b"\n", "password"),
    ] {
        let Some((code, out)) = on_a_pty(&s, args, prompt, input) else {
            return;
        };
        assert_eq!(code, Some(2), "{args} {input:?}: {out}");
        let want = format!("error: login: no {what} given; nothing was stored");
        assert!(out.contains(&want), "{args} {input:?}: {out}");
    }
    assert!(!s.holds_any(), "{}", s.search());
    assert!(!s.dirs.config_file().exists());
    assert!(z.requests().is_empty(), "the Zone is not asked");
}

/// A token the Zone refuses is named by where it came from.
#[test]
fn a_rejected_token_is_named_by_its_source() {
    let Some(s) = session("rejected-source") else {
        return;
    };
    let z = zone();
    let out = login(&s, &z.url(), "not-a-valid-token");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("did not accept the token read from stdin"),
        "{err}"
    );
    assert!(!err.contains("keyring"), "{err}");
    let args = format!("login --host {}", z.url());
    let Some((code, out)) = on_a_pty(&s, &args, "Access token for", b"not-a-valid-token\n") else {
        return;
    };
    assert_eq!(code, Some(4), "{out}");
    assert!(
        out.contains("did not accept the token typed at the prompt"),
        "{out}"
    );
    assert!(!out.contains("keyring"), "{out}");
    assert!(!out.contains("not-a-valid-token"), "{out}");
    assert!(!s.holds_any(), "{}", s.search());
}

/// The lines of `login --status` about one host: its line and the
/// indented ones after it.
fn block(listing: &str, url: &str) -> String {
    let mut lines = listing.lines().skip_while(|l| !l.starts_with(url));
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("no block for {url} in\n{listing}"));
    let mut b = vec![head];
    b.extend(lines.take_while(|l| l.starts_with(' ')));
    b.join("\n")
}

/// `login --status` exits 3 when the selected host has no usable
/// credential (still listing the hosts), never cuts a word at a narrow
/// terminal, and `login --default` switches the default host.
#[test]
fn status_exit_codes_layout_and_switching_the_default() {
    let Some(s) = session("status-layout") else {
        return;
    };
    let (z1, z2) = (zone(), zone());
    let (a, b) = (z1.api_url(), z2.api_url());
    assert_ok(&login(&s, &z1.url(), ADMIN_TOKEN), "login a");
    let out = s.cli().args(["login", "--status"]).output().unwrap();
    assert_ok(&out, "status");
    let listing = text(&out.stdout);
    let first = block(&listing, &a);
    assert!(first.starts_with(&format!("{a} (default)\n")), "{listing}");
    for want in [
        "  credential: keyring (secret-service)",
        "  user: admin (Admin User",
        "  allows: access token",
    ] {
        assert!(first.contains(want), "{want:?} in\n{listing}");
    }
    assert!(!listing.contains(ADMIN_TOKEN), "{listing}");

    // A host with no credential selected: exit 3, the list still printed.
    let out = s
        .cli()
        .args(["--host", &z2.url(), "login", "--status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(
        block(&listing, &b).contains("credential: none"),
        "{listing}"
    );
    assert!(block(&listing, &a).contains("user: admin"), "{listing}");

    // A refused credential is no usable one either.
    let out = s
        .cli()
        .env("ONEZONE_API_KEY", "not-a-valid-token")
        .args(["login", "--status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));

    // On a 40-column terminal: wrapped, no word cut.
    if !common::installed("script") {
        skip("script (util-linux) is not installed; the narrow status did not run");
        return;
    }
    let mut c = std::process::Command::new("script");
    c.args([
        "-qec",
        &format!("{} login --status", shlex::try_quote(BIN).unwrap()),
        "/dev/null",
    ])
    .env_clear()
    .envs(s.dirs.env())
    .env("DBUS_SESSION_BUS_ADDRESS", &s.bus)
    .env("COLUMNS", "40")
    .env("TERM", "dumb");
    let narrow = bounded(&mut c, Some(b""), LIMIT);
    assert_eq!(narrow.status.code(), Some(0), "{}", text(&narrow.stdout));
    let narrow = text(&narrow.stdout).replace("\r\n", "\n");
    let wide = text(&s.cli().args(["login", "--status"]).output().unwrap().stdout);
    let words: std::collections::HashSet<&str> = wide.split_whitespace().collect();
    for line in narrow.lines() {
        if line.starts_with(' ') {
            assert!(
                line.chars().count() <= 40 || !line.trim().contains(' '),
                "{line:?}"
            );
        }
        for w in line.split_whitespace() {
            assert!(
                words.contains(w),
                "{w:?} is cut:\n{narrow}\nunwrapped:\n{wide}"
            );
        }
    }
    assert!(
        narrow.lines().count() > wide.lines().count(),
        "wrapped:\n{narrow}"
    );

    // --default: only a known host; the keyring is not asked.
    assert_ok(&login(&s, &z2.url(), USER_TOKEN), "login b");
    let before = s.search();
    let out = s
        .cli()
        .args(["login", "--default", &z1.url()])
        .output()
        .unwrap();
    assert_ok(&out, "--default");
    assert_eq!(config(&s.dirs)["default_host"], a.as_str());
    assert_eq!(s.search(), before, "the keyring is untouched");
    let out = s.cli().args(["login", "--status"]).output().unwrap();
    assert_ok(&out, "status after --default");
    let listing = text(&out.stdout);
    assert!(
        block(&listing, &a).starts_with(&format!("{a} (default)")),
        "{listing}"
    );
    assert!(!block(&listing, &b).contains("(default)"), "{listing}");
    let out = s
        .cli()
        .args(["login", "--default", "https://unknown.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("not a host logged in to before"), "{err}");
    assert!(
        err.contains(&a) && err.contains(&b),
        "the known hosts: {err}"
    );
    assert_eq!(config(&s.dirs)["default_host"], a.as_str());
}

/// `login --help` and `logout --help` of two commands: their own usage
/// line and only the options they take.
#[test]
fn login_and_logout_help_show_their_own_usage() {
    let dirs = Dirs::new("help");
    for command in ["onezone-rest-cli", "onepanel-rest-cli"] {
        let bin = common::bin_path(command);
        for (sub, own, not) in [
            ("login", "--token-stdin", "--all"),
            ("logout", "--all", "--token-stdin"),
        ] {
            let out = Command::new(bin)
                .env_clear()
                .envs(dirs.env())
                .timeout(LIMIT)
                .args([sub, "--help"])
                .output()
                .unwrap();
            assert_ok(&out, &format!("{command} {sub} --help"));
            let help = text(&out.stdout);
            assert!(
                help.contains(&format!("Usage: {command} {sub} [OPTIONS]")),
                "{help}"
            );
            assert!(
                help.contains(own) && help.contains("--host <URL>"),
                "{help}"
            );
            for absent in [
                not,
                "--dry-run",
                "--data <DATA>",
                "--output <FORMAT>",
                "--wait",
            ] {
                assert!(
                    !help.contains(absent),
                    "{absent} in {command} {sub}:\n{help}"
                );
            }
        }
    }
}
