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

use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "config.json";

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
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config {
                    path,
                    doc: Map::new(),
                })
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let doc = match serde_json::from_slice::<Value>(&text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(format!("{}: not a JSON object", path.display())),
            Err(e) => {
                return Err(format!(
                    "{}: not valid JSON (line {} column {})",
                    path.display(),
                    e.line(),
                    e.column()
                ))
            }
        };
        Ok(Config { path, doc })
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
        self.doc
            .insert(DEFAULT_HOST.into(), Value::String(url.into()));
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
        let hosts = self
            .doc
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

    /// Forgets a host's credential. The default host stays: it is a
    /// preference, not a credential.
    pub fn remove_host(&mut self, url: &str) {
        if let Some(Value::Object(hosts)) = self.doc.get_mut(HOSTS) {
            hosts.shift_remove(url);
        }
    }

    /// Writes the file atomically (a temporary file renamed over it), mode
    /// 0600 in a 0700 directory on Unix.
    pub fn save(&self) -> Result<(), String> {
        let shown = self.path.display();
        let dir = self
            .path
            .parent()
            .ok_or_else(|| format!("{shown} has no parent directory"))?;
        crate::private_files::create_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut text = serde_json::to_vec_pretty(&Value::Object(self.doc.clone()))
            .map_err(|e| format!("cannot encode the config: {e}"))?;
        text.push(b'\n');
        let tmp = dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        let written = write_private(&tmp, &text).and_then(|()| std::fs::rename(&tmp, &self.path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("cannot write {shown}: {e}"));
        }
        Ok(())
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
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
        c.doc.insert("future".into(), Value::Bool(true));
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
