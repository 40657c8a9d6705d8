//! The config file against hostile neighbours (issue 14, rule 6), with the
//! real binary: a FIFO, a device behind a symlink or a symlink to another
//! file at `config.json` is a warning for operations (never a hang, never
//! read through) and refused by writers; a symlink planted at the name of
//! the old temporary file is not written through; a directory others can
//! write into is not written; and concurrent `login`s to two hosts all
//! land (they are serialised by a lock, each re-reading the file under
//! it). Every run and every wait is bounded.

#![cfg(target_os = "linux")]

mod common;

use common::{bin, run_bounded, scratch, skip, try_bounded, Run};
use fake_onezone::{FakeZone, ADMIN_TOKEN};
use onezone_rest_cli::exit;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_onezone-rest-cli");
const BASE: &str = "/api/v3/onezone";
/// No run may take longer (a hang is a failure, not a stuck test).
const LIMIT: Duration = Duration::from_secs(20);
/// What a run that reads a bad config must finish well within.
const QUICK: Duration = Duration::from_secs(10);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A scratch HOME with its own config directory.
struct Home {
    root: PathBuf,
}

impl Home {
    fn new(name: &str) -> Home {
        let root = scratch(name);
        std::fs::create_dir_all(root.join("home")).expect("home");
        let home = Home { root };
        std::fs::create_dir_all(home.dir()).expect("config dir");
        set_mode(&home.dir(), 0o700);
        home
    }

    /// `$XDG_CONFIG_HOME/onezone-rest-cli`.
    fn dir(&self) -> PathBuf {
        self.root.join("config").join("onezone-rest-cli")
    }

    fn file(&self) -> PathBuf {
        self.dir().join("config.json")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = bin();
        self.env(&mut c).args(args);
        c
    }

    fn env<'a>(&self, c: &'a mut Command) -> &'a mut Command {
        c.env("HOME", self.root.join("home"))
            .env("XDG_CONFIG_HOME", self.root.join("config"))
            .env("XDG_CACHE_HOME", self.root.join("cache"))
    }

    fn run(&self, args: &[&str]) -> Run {
        run_bounded(&mut self.command(args), None, LIMIT)
    }

    /// Writes a config naming `hosts` (stored in keyutils), the first the
    /// default.
    fn write_config(&self, hosts: &[&str]) {
        let entries: serde_json::Map<String, Value> = hosts
            .iter()
            .map(|h| ((*h).to_owned(), json!({"store": "keyutils"})))
            .collect();
        let doc = json!({"default_host": hosts.first(), "hosts": entries});
        std::fs::write(self.file(), doc.to_string()).expect("write the config");
    }

    fn config(&self) -> Value {
        std::fs::read(self.file())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        set_mode(&self.dir(), 0o700);
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL in the path");
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

#[track_caller]
fn assert_code(r: &Run, code: u8, what: &str) {
    assert_eq!(r.code, Some(i32::from(code)), "{what}:\n{r}");
    assert!(!r.stderr.contains("panicked"), "{what}: a panic\n{r}");
}

/// An operation finishes quickly, with exactly one warning that names the
/// config file and says why it is ignored; then every writer refuses to
/// replace it, naming it. `why` is what the messages say of the file.
fn ignored_by_operations_refused_by_writers(home: &Home, why: &str) {
    let zone = FakeZone::start().expect("start the fake Onezone");
    let file = home.file();
    let warning = format!("warning: {} {why}", file.display());
    // Without --host: the config would name the default host.
    let r = home.run(&["--dry-run", "getCurrentUser"]);
    assert_code(&r, exit::CONFIG, "--dry-run without a host");
    assert!(r.elapsed < QUICK, "--dry-run took {:?}\n{r}", r.elapsed);
    assert!(r.stderr.starts_with(&warning), "{r}");
    assert!(r.stderr.contains("it is ignored"), "{r}");
    assert!(r.stderr.contains("no Onezone host given"), "{r}");
    // Against the fake, without a credential: the config is looked up for
    // a stored one; the fake refuses the call (401).
    let r = home.run(&["--host", &zone.url(), "getCurrentUser"]);
    assert_code(&r, exit::HTTP_4XX, "an operation against the fake");
    assert!(r.elapsed < QUICK, "the operation took {:?}\n{r}", r.elapsed);
    assert_eq!(r.stderr.matches(&warning).count(), 1, "one warning\n{r}");
    // Writers refuse, naming the file and what it is.
    let host = format!("{}{BASE}", zone.url());
    for args in [
        vec!["login", "--default", host.as_str()],
        vec!["login", "--host", host.as_str(), "--token-stdin"],
        vec!["logout"],
        vec!["logout", "--all"],
    ] {
        let r = home.run(&args);
        let what = args.join(" ");
        assert_code(&r, exit::CONFIG, &what);
        assert!(r.elapsed < QUICK, "{what} took {:?}\n{r}", r.elapsed);
        assert!(
            r.stderr
                .starts_with(&format!("error: {} {why}", file.display())),
            "{what}:\n{r}"
        );
    }
}

#[test]
fn a_fifo_as_the_config_neither_hangs_nor_is_replaced() {
    let home = Home::new("fifo");
    let file = home.file();
    mkfifo(&file);
    ignored_by_operations_refused_by_writers(&home, "is a FIFO, not a regular file");
    assert!(is_fifo(&file), "the FIFO is still there");
}

#[test]
fn a_device_behind_a_symlink_is_not_read() {
    let home = Home::new("devzero");
    let file = home.file();
    std::os::unix::fs::symlink("/dev/zero", &file).expect("symlink");
    ignored_by_operations_refused_by_writers(&home, "is a symbolic link, which is not followed");
    assert_eq!(
        std::fs::read_link(&file).ok(),
        Some(PathBuf::from("/dev/zero"))
    );
}

/// A symlink to a file that is a valid config: not read (its default host
/// is not used), and not written through.
#[test]
fn a_symlink_at_the_config_is_neither_read_nor_written_through() {
    let home = Home::new("link");
    let victim = home.root.join("victim.json");
    let text = json!({"default_host": "http://planted.example/api/v3/onezone"}).to_string();
    std::fs::write(&victim, &text).expect("write the victim");
    std::os::unix::fs::symlink(&victim, home.file()).expect("symlink");
    ignored_by_operations_refused_by_writers(&home, "is a symbolic link, which is not followed");
    assert_eq!(
        std::fs::read_to_string(&victim).ok().as_deref(),
        Some(text.as_str())
    );
    assert!(std::fs::symlink_metadata(home.file()).is_ok_and(|m| m.file_type().is_symlink()));
}

/// The temporary file used to be `.config.json.<pid>.tmp`, opened with
/// create+truncate: a symlink planted at that name (the shell's `$$` is
/// the pid that `exec` keeps) redirected the write. Now the name is
/// unique and created exclusively: the victim is untouched and the config
/// is written.
#[test]
fn a_symlink_planted_at_the_temporary_name_is_not_written_through() {
    let home = Home::new("tmplink");
    let host = "http://zone.example/api/v3/onezone";
    home.write_config(&[host, "http://other.example/api/v3/onezone"]);
    let victim = home.root.join("victim");
    std::fs::write(&victim, "keep").expect("write the victim");
    let dir = home.dir();
    let mut c = Command::new("sh");
    home.env(&mut c).args([
        "-c",
        r#"ln -s "$1" "$2/.config.json.$$.tmp" && exec "$3" login --default "$4""#,
        "sh",
    ]);
    c.arg(&victim)
        .arg(&dir)
        .arg(BIN)
        .arg("http://other.example");
    let r = run_bounded(&mut c, None, LIMIT);
    assert_code(
        &r,
        exit::OK,
        "login --default with a planted temporary name",
    );
    assert_eq!(
        std::fs::read_to_string(&victim).ok().as_deref(),
        Some("keep")
    );
    assert_eq!(
        home.config()["default_host"],
        "http://other.example/api/v3/onezone",
        "the config was written"
    );
    let meta = std::fs::symlink_metadata(home.file()).expect("the config");
    assert!(meta.file_type().is_file(), "config.json is a regular file");
    // Nothing is left but the config, its lock and the planted link.
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .expect("read the config dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "config.json" && n != ".config.json.lock")
        .collect();
    left.sort();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].starts_with(".config.json.") && left[0].ends_with(".tmp"),
        "{left:?}"
    );
}

#[test]
fn a_config_directory_others_can_write_is_not_written() {
    let home = Home::new("perms");
    let host = "http://zone.example/api/v3/onezone";
    home.write_config(&[host, "http://other.example/api/v3/onezone"]);
    let before = std::fs::read(home.file()).expect("the config");
    let dir = home.dir();
    for mode in [0o777, 0o770, 0o702] {
        set_mode(&dir, mode);
        let r = home.run(&["login", "--default", "http://other.example"]);
        let what = format!("mode {mode:o}");
        assert_code(&r, exit::CONFIG, &what);
        assert!(
            r.stderr.contains(&format!("chmod go-w {}", dir.display()))
                && r.stderr.contains(&format!("{mode:03o}")),
            "{what}:\n{r}"
        );
        assert_eq!(
            std::fs::read(home.file()).ok(),
            Some(before.clone()),
            "{what}"
        );
    }
    set_mode(&dir, 0o755);
    let r = home.run(&["login", "--default", "http://other.example"]);
    assert_code(&r, exit::OK, "mode 755");
}

/// `cmd` in a session keyring of its own name (`keyctl(KEYCTL_JOIN_
/// SESSION_KEYRING)` before exec): the processes given one name share it,
/// and nothing else sees it.
fn in_keyring(cmd: &mut Command, name: &std::ffi::CString) {
    use std::os::unix::process::CommandExt;
    let name = name.clone();
    // SAFETY: keyctl is a plain system call, safe between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
            if libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name.as_ptr()) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// 2 × 5 `login`s at once, to two hosts, into the kernel keyring: all
/// succeed, and both hosts are in the config afterwards (without the lock
/// and the re-read under it, the last writer's view won).
#[test]
fn concurrent_logins_to_two_hosts_all_land() {
    let home = Home::new("concurrent");
    let zones = [
        FakeZone::start().expect("start a fake Onezone"),
        FakeZone::start().expect("start a fake Onezone"),
    ];
    let keyring = std::ffi::CString::new(format!(
        "onezone-hardening-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ))
    .expect("a keyring name");
    let login = |zone: &FakeZone| {
        let mut c = home.command(&[
            "login",
            "--host",
            &zone.url(),
            "--token-stdin",
            "--store",
            "keyutils",
        ]);
        in_keyring(&mut c, &keyring);
        try_bounded(&mut c, Some(format!("{ADMIN_TOKEN}\n").as_bytes()), LIMIT)
    };
    // keyutils may be forbidden here (a seccomp filter): one login shows it.
    match login(&zones[0]) {
        Err(e) => {
            skip(&format!("keyutils is not usable here (keyctl: {e})"));
            return;
        }
        Ok(out) if !out.status.success() => {
            let err = String::from_utf8_lossy(&out.stderr);
            if err.contains("cannot be reached") {
                skip(&format!("keyutils is not usable here: {err}"));
                return;
            }
            panic!("the first login failed: {err}");
        }
        Ok(_) => {}
    }
    std::fs::remove_file(home.file()).expect("start from no config");
    let results: Vec<(String, std::io::Result<std::process::Output>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..10)
            .map(|i| {
                let zone = &zones[i % 2];
                let login = &login;
                s.spawn(move || (zone.url(), login(zone)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a login thread"))
            .collect()
    });
    for (url, out) in results {
        let out = out.unwrap_or_else(|e| panic!("login to {url}: cannot start: {e}"));
        assert!(
            out.status.success(),
            "login to {url}: exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let config = home.config();
    for z in &zones {
        let base = format!("{}{BASE}", z.url());
        assert_eq!(
            config["hosts"][&base]["store"], "keyutils",
            "{base} is missing: {config}"
        );
    }
    // Each host's credential works from the keyring.
    for z in &zones {
        let mut c = home.command(&["--host", &z.url(), "-o", "json", "getCurrentUser"]);
        in_keyring(&mut c, &keyring);
        let r = run_bounded(&mut c, None, LIMIT);
        assert_code(&r, exit::OK, "getCurrentUser with the stored token");
    }
}
