//! The small config file `login` keeps: the default host and the hosts with
//! a credential in a keyring (and which keyring). It never holds a secret.
//!
//! Where: `$XDG_CONFIG_HOME/onezone-rest-cli/config.json` when
//! `XDG_CONFIG_HOME` is set (on every platform), else the platform's config
//! directory (`~/.config` on Linux, `~/Library/Application Support` on
//! macOS, `%APPDATA%` on Windows). Its shape:
//!
//! ```json
//! {
//!   "default_host": "https://zone.example.com/api/v3/onezone",
//!   "hosts": {
//!     "https://zone.example.com/api/v3/onezone": {"store": "secret-service", "user": "admin"}
//!   }
//! }
//! ```
//!
//! Keys it does not know are kept as they are when it is written.
//!
//! Reading takes only a regular file of at most [`SIZE_LIMIT`] bytes, not
//! through a symlink (`private_files::read`): anything else is an error
//! that an ordinary operation turns into one warning. Writing
//! ([`Config::save`]) refuses a directory other users can write into, and
//! is a read-modify-write under an exclusive lock on a lock file beside the
//! file: the file is read again under the lock, the changes made since it
//! was loaded are applied to what it holds now, and the result replaces it
//! atomically. So two `login`s at once (to two hosts) both land.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const FILE_NAME: &str = "config.json";

/// The largest config file read: a few hosts take a few hundred bytes.
pub const SIZE_LIMIT: u64 = 1 << 20;

/// How long a writer waits for another one to finish with the file.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// How often a waiting writer tries the lock again.
const LOCK_POLL: Duration = Duration::from_millis(20);

const DEFAULT_HOST: &str = "default_host";
const HOSTS: &str = "hosts";

/// A host with a stored credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The normalised base URL (`request::base_url`), the keyring's key.
    pub url: String,
    /// The store holding the credential (`keyring::Backend::name`).
    pub store: String,
    /// Who logged in (for display only).
    pub user: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    path: PathBuf,
    doc: Map<String, Value>,
    /// What was changed since the file was read, in order: what
    /// [`Config::save`] applies to the file as it is when it writes.
    changes: Vec<Change>,
}

/// One change to the config.
#[derive(Debug, Clone)]
enum Change {
    Default(String),
    Add(Host),
    Remove(String),
}

impl Change {
    fn apply(&self, doc: &mut Map<String, Value>) {
        match self {
            Change::Default(url) => {
                doc.insert(DEFAULT_HOST.into(), Value::String(url.clone()));
            }
            Change::Add(host) => set_host(doc, host),
            Change::Remove(url) => {
                if let Some(Value::Object(hosts)) = doc.get_mut(HOSTS) {
                    hosts.shift_remove(url);
                }
            }
        }
    }
}

/// The config file's path.
pub fn path() -> Result<PathBuf, String> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let dir = xdg.or_else(dirs::config_dir).ok_or_else(|| {
        "cannot tell where the config directory is (set XDG_CONFIG_HOME or HOME)".to_owned()
    })?;
    Ok(dir
        .join(crate::personality::current().command)
        .join(FILE_NAME))
}

impl Config {
    /// Reads the config file; a missing file is an empty config.
    pub fn load() -> Result<Config, String> {
        Config::load_from(path()?)
    }

    pub fn load_from(path: PathBuf) -> Result<Config, String> {
        let doc = read_doc(&path)?;
        Ok(Config {
            path,
            doc,
            changes: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The host of the last login, if any.
    pub fn default_host(&self) -> Option<String> {
        self.doc
            .get(DEFAULT_HOST)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    pub fn set_default_host(&mut self, url: &str) {
        self.change(Change::Default(url.to_owned()));
    }

    fn change(&mut self, change: Change) {
        change.apply(&mut self.doc);
        self.changes.push(change);
    }

    /// The hosts with a stored credential, in the order they were added.
    pub fn hosts(&self) -> Vec<Host> {
        let Some(Value::Object(hosts)) = self.doc.get(HOSTS) else {
            return Vec::new();
        };
        hosts
            .iter()
            .map(|(url, v)| {
                let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
                Host {
                    url: url.clone(),
                    store: s("store").unwrap_or_default(),
                    user: s("user"),
                }
            })
            .collect()
    }

    pub fn host(&self, url: &str) -> Option<Host> {
        self.hosts().into_iter().find(|h| h.url == url)
    }

    /// Adds or replaces a host (keeping keys of its entry we do not know).
    pub fn set_host(&mut self, host: &Host) {
        self.change(Change::Add(host.clone()));
    }

    /// Forgets a host's credential. The default host stays: it is a
    /// preference, not a credential.
    pub fn remove_host(&mut self, url: &str) {
        self.change(Change::Remove(url.to_owned()));
    }

    /// Writes the changes made since the file was read (module text): under
    /// the lock, onto the file as it is now, atomically, mode 0600 in a 0700
    /// directory on Unix. Refuses a directory others can write into, and a
    /// file that is not a regular one or not a config (it is not
    /// overwritten).
    pub fn save(&mut self) -> Result<(), String> {
        let shown = self.path.display();
        let dir = self
            .path
            .parent()
            .ok_or_else(|| format!("{shown} has no parent directory"))?;
        crate::private_files::create_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        crate::private_files::check_dir(dir).map_err(|e| format!("not writing {shown}: {e}"))?;
        let lock_path = dir.join(format!(".{FILE_NAME}.lock"));
        let lock_file = crate::private_files::open_lock_file(&lock_path)
            .map_err(|e| format!("cannot open the lock file {}: {e}", lock_path.display()))?;
        let mut lock = fd_lock::RwLock::new(lock_file);
        let _held = {
            let started = Instant::now();
            loop {
                match lock.try_write() {
                    Ok(guard) => break guard,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        if started.elapsed() >= LOCK_WAIT {
                            return Err(format!(
                                "cannot write {shown}: another process has held its lock \
                                 ({}) for {} s; try again when it has finished",
                                lock_path.display(),
                                LOCK_WAIT.as_secs()
                            ));
                        }
                        std::thread::sleep(LOCK_POLL);
                    }
                    Err(e) => {
                        return Err(format!(
                            "cannot lock {} to write {shown}: {e}",
                            lock_path.display()
                        ))
                    }
                }
            }
        };
        // What the file holds now: another writer may have been first.
        let mut doc = read_doc(&self.path).map_err(|e| {
            format!("{e}; it is not overwritten: remove it (it holds no secret) and try again")
        })?;
        for change in &self.changes {
            change.apply(&mut doc);
        }
        let mut text = serde_json::to_vec_pretty(&Value::Object(doc.clone()))
            .map_err(|e| format!("cannot encode the config: {e}"))?;
        text.push(b'\n');
        crate::private_files::write(&self.path, &text)
            .map_err(|e| format!("cannot write {shown}: {e}"))?;
        self.doc = doc;
        self.changes.clear();
        Ok(())
    }
}

/// The config file's object; a missing file is an empty one.
fn read_doc(path: &Path) -> Result<Map<String, Value>, String> {
    let shown = path.display();
    let Some(text) =
        crate::private_files::read(path, SIZE_LIMIT).map_err(|why| format!("{shown} {why}"))?
    else {
        return Ok(Map::new());
    };
    match serde_json::from_slice::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(format!("{shown}: not a JSON object")),
        Err(e) => Err(format!(
            "{shown}: not valid JSON (line {} column {})",
            e.line(),
            e.column()
        )),
    }
}

/// Adds or replaces a host in `doc` (keeping keys of its entry we do not
/// know).
fn set_host(doc: &mut Map<String, Value>, host: &Host) {
    let hosts = doc
        .entry(HOSTS)
        .or_insert_with(|| Value::Object(Map::new()));
    if !hosts.is_object() {
        *hosts = Value::Object(Map::new());
    }
    let Value::Object(hosts) = hosts else {
        return;
    };
    let entry = hosts
        .entry(host.url.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    if let Value::Object(e) = entry {
        e.insert("store".into(), Value::String(host.store.clone()));
        match &host.user {
            Some(u) => {
                e.insert("user".into(), Value::String(u.clone()));
            }
            None => {
                e.remove("user");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("onezone-config-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_missing_file_is_empty_and_a_round_trip_keeps_unknown_keys() {
        let dir = temp_dir("roundtrip");
        let p = dir.join("sub").join(FILE_NAME);
        let mut c = Config::load_from(p.clone()).unwrap();
        assert_eq!(c.default_host(), None);
        assert!(c.hosts().is_empty());
        // A key of a later version, written after this config was read.
        crate::private_files::write(&p, br#"{"future": true}"#).unwrap();
        let h = Host {
            url: "https://a/api/v3/onezone".into(),
            store: "secret-service".into(),
            user: Some("admin".into()),
        };
        c.set_host(&h);
        c.set_host(&Host {
            url: "https://b/api/v3/onezone".into(),
            store: "keyutils".into(),
            user: None,
        });
        c.set_default_host(&h.url);
        c.save().unwrap();
        let c2 = Config::load_from(p.clone()).unwrap();
        assert_eq!(c2.default_host().as_deref(), Some(h.url.as_str()));
        assert_eq!(c2.hosts().len(), 2);
        assert_eq!(c2.host(&h.url), Some(h.clone()));
        assert_eq!(c2.doc.get("future"), Some(&Value::Bool(true)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let mut c3 = c2.clone();
        c3.remove_host(&h.url);
        c3.remove_host(&h.url);
        assert_eq!(
            c3.default_host(),
            c2.default_host(),
            "the default host stays"
        );
        assert_eq!(c3.hosts().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn host(url: &str) -> Host {
        Host {
            url: url.into(),
            store: "keyutils".into(),
            user: None,
        }
    }

    #[test]
    fn writers_that_read_the_same_file_both_land() {
        let dir = temp_dir("merge");
        let p = dir.join(FILE_NAME);
        let mut first = Config::load_from(p.clone()).unwrap();
        let mut second = Config::load_from(p.clone()).unwrap();
        first.set_host(&host("https://a/api/v3/onezone"));
        first.set_default_host("https://a/api/v3/onezone");
        second.set_host(&host("https://b/api/v3/onezone"));
        second.set_default_host("https://b/api/v3/onezone");
        first.save().unwrap();
        second.save().unwrap();
        let c = Config::load_from(p.clone()).unwrap();
        let urls: Vec<String> = c.hosts().into_iter().map(|h| h.url).collect();
        assert_eq!(
            urls,
            ["https://a/api/v3/onezone", "https://b/api/v3/onezone"]
        );
        assert_eq!(
            c.default_host().as_deref(),
            Some("https://b/api/v3/onezone")
        );
        // A removal removes only its host.
        let mut third = Config::load_from(p.clone()).unwrap();
        let mut fourth = Config::load_from(p.clone()).unwrap();
        third.remove_host("https://a/api/v3/onezone");
        fourth.set_host(&host("https://c/api/v3/onezone"));
        third.save().unwrap();
        fourth.save().unwrap();
        let urls: Vec<String> = Config::load_from(p)
            .unwrap()
            .hosts()
            .into_iter()
            .map(|h| h.url)
            .collect();
        assert_eq!(
            urls,
            ["https://b/api/v3/onezone", "https://c/api/v3/onezone"]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_that_is_not_a_regular_one_is_not_read_nor_overwritten() {
        let dir = temp_dir("special");
        crate::private_files::create_dir(&dir).unwrap();
        let p = dir.join(FILE_NAME);
        std::os::unix::fs::symlink("/dev/zero", &p).unwrap();
        let e = Config::load_from(p.clone()).unwrap_err();
        assert!(e.contains("symbolic link"), "{e}");
        let mut c = Config::load_from(dir.join("other.json")).unwrap();
        c.path = p.clone();
        c.set_default_host("https://a/api/v3/onezone");
        let e = c.save().unwrap_err();
        assert!(e.contains("not overwritten"), "{e}");
        assert!(std::fs::symlink_metadata(&p).unwrap().is_symlink());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_malformed_file_is_an_error_naming_it() {
        let dir = temp_dir("malformed");
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(FILE_NAME);
        std::fs::write(&p, "{not json").unwrap();
        let e = Config::load_from(p.clone()).unwrap_err();
        assert!(
            e.contains("config.json") && e.contains("not valid JSON"),
            "{e}"
        );
        std::fs::write(&p, "[]").unwrap();
        assert!(Config::load_from(p)
            .unwrap_err()
            .contains("not a JSON object"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
