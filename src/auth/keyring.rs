//! Credentials in the OS keyring: one entry per Onezone host, under the
//! service name [`service`], keyed by the normalised base URL
//! (`request::base_url`).
//!
//! # Stores
//! Chosen explicitly per platform (keyring-core 1.x, the library of keyring
//! 4.x; see Cargo.toml): the Secret Service over D-Bus on Linux and the BSDs
//! (GNOME Keyring, KWallet, KeePassXC), the kernel keyring (keyutils) on
//! Linux when asked for (`login --store keyutils`: it needs no daemon but is
//! cleared at reboot), the Keychain on macOS and the Credential Manager on
//! Windows. There is no in-memory or plaintext fallback: a store that cannot
//! be reached is an error that names the alternatives.
//!
//! # Never hanging
//! Every call runs on its own thread and is waited for at most a time limit
//! ([`LOOKUP_TIMEOUT`] for ordinary operations, [`MANAGE_TIMEOUT`] for
//! `login`, `logout` and the status, where an unlock prompt may be up). A
//! store that does not answer in time is reported as such; the thread is
//! left behind and ends with the process.
//!
//! # What is stored
//! An access token as it is; a user name and password as
//! `{"basic": {"user": …, "password": …}}`. Errors of the stores are
//! rewritten here: none of them carries the secret (keyring-core's
//! `BadEncoding` would, in its `Debug`).

use crate::auth::secret::Secret;
use crate::auth::{Credential, Kind, Source};
use keyring_core::{CredentialStore, Error as StoreError};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// The service name of every entry.
/// The keyring's service name: the command's name, so each command keeps
/// its own entries.
pub fn service() -> &'static str {
    crate::personality::current().command
}
/// How long an ordinary operation waits for the keyring.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `login`, `logout` and the status wait (an unlock prompt may be up).
pub const MANAGE_TIMEOUT: Duration = Duration::from_secs(60);

/// A credential store of the OS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// org.freedesktop.secrets over the D-Bus session bus.
    SecretService,
    /// The Linux kernel's key retention service.
    Keyutils,
    /// The macOS login Keychain.
    Keychain,
    /// The Windows Credential Manager.
    CredentialManager,
}

impl Backend {
    pub const ALL: &'static [Backend] = &[
        Backend::SecretService,
        Backend::Keyutils,
        Backend::Keychain,
        Backend::CredentialManager,
    ];

    /// The name in the config file and in `login --store`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::SecretService => "secret-service",
            Backend::Keyutils => "keyutils",
            Backend::Keychain => "keychain",
            Backend::CredentialManager => "windows",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Backend::SecretService => "the Secret Service (D-Bus)",
            Backend::Keyutils => "the kernel keyring (keyutils; cleared at reboot)",
            Backend::Keychain => "the macOS Keychain",
            Backend::CredentialManager => "the Windows Credential Manager",
        }
    }

    pub fn parse(name: &str) -> Option<Backend> {
        Backend::ALL.iter().copied().find(|b| b.name() == name)
    }

    /// The stores this build can use, the default first.
    pub fn available() -> Vec<Backend> {
        Backend::ALL
            .iter()
            .copied()
            .filter(|b| b.compiled_in())
            .collect()
    }

    /// The store `login` uses unless told otherwise.
    pub fn platform_default() -> Option<Backend> {
        Backend::available().first().copied()
    }

    fn compiled_in(self) -> bool {
        match self {
            Backend::SecretService => cfg!(any(
                target_os = "linux",
                target_os = "freebsd",
                target_os = "openbsd",
                target_os = "netbsd",
                target_os = "dragonfly"
            )),
            Backend::Keyutils => cfg!(target_os = "linux"),
            Backend::Keychain => cfg!(target_os = "macos"),
            Backend::CredentialManager => cfg!(windows),
        }
    }

    /// Opens (connects to) the store. Called only where the keyring is
    /// actually consulted.
    fn open(self) -> Result<Arc<CredentialStore>, StoreError> {
        let unsupported = || {
            Err(StoreError::NotSupportedByStore(format!(
                "{} is not available on this platform",
                self.describe()
            )))
        };
        match self {
            Backend::SecretService => {
                #[cfg(any(
                    target_os = "linux",
                    target_os = "freebsd",
                    target_os = "openbsd",
                    target_os = "netbsd",
                    target_os = "dragonfly"
                ))]
                {
                    let s: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
                    return Ok(s);
                }
                #[allow(unreachable_code)]
                unsupported()
            }
            Backend::Keyutils => {
                #[cfg(target_os = "linux")]
                {
                    let s: Arc<CredentialStore> = linux_keyutils_keyring_store::Store::new()?;
                    return Ok(s);
                }
                #[allow(unreachable_code)]
                unsupported()
            }
            Backend::Keychain => {
                #[cfg(target_os = "macos")]
                {
                    let s: Arc<CredentialStore> =
                        apple_native_keyring_store::keychain::Store::new()?;
                    return Ok(s);
                }
                #[allow(unreachable_code)]
                unsupported()
            }
            Backend::CredentialManager => {
                #[cfg(windows)]
                {
                    let s: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
                    return Ok(s);
                }
                #[allow(unreachable_code)]
                unsupported()
            }
        }
    }

    /// Whether the store can list the entries of [`service`] (so `logout
    /// --all` can find those the config file does not name). Only the Secret
    /// Service can.
    pub fn lists(self) -> bool {
        self == Backend::SecretService
    }

    /// Store-specific modifiers of a new entry.
    fn modifiers(self, url: &str) -> Option<HashMap<&'static str, String>> {
        match self {
            Backend::SecretService => {
                Some(HashMap::from([("label", format!("{}: {url}", service()))]))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What went wrong with a keyring; never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringError {
    pub backend: Backend,
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The store cannot be reached at all (no D-Bus, no Secret Service,
    /// keyutils forbidden, another platform).
    Unavailable,
    /// No answer within the time limit.
    TimedOut,
    /// The store answered with an error (locked, access denied, …).
    Failed,
}

impl fmt::Display for KeyringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Unavailable => write!(
                f,
                "{} cannot be reached: {}",
                self.backend.describe(),
                self.message
            ),
            ErrorKind::TimedOut => write!(
                f,
                "{} did not answer within {}",
                self.backend.describe(),
                self.message
            ),
            ErrorKind::Failed => write!(f, "{}: {}", self.backend.describe(), self.message),
        }
    }
}

/// A store error as text that never includes secret bytes.
fn describe(e: &StoreError) -> String {
    let flat = |s: String| s.split_whitespace().collect::<Vec<_>>().join(" ");
    match e {
        StoreError::PlatformFailure(p) => flat(p.to_string()),
        StoreError::NoStorageAccess(p) => flat(format!("no access ({p}); is it locked?")),
        StoreError::NoEntry => "no such entry".into(),
        StoreError::BadEncoding(_) | StoreError::BadDataFormat(..) => {
            "the stored secret is not in a form this tool reads".into()
        }
        StoreError::BadStoreFormat(r) => flat(format!("the store is malformed: {r}")),
        StoreError::TooLong(name, len) => {
            format!("the {name} is longer than the store allows ({len})")
        }
        StoreError::Invalid(attr, reason) => flat(format!("invalid {attr}: {reason}")),
        StoreError::Ambiguous(items) => format!(
            "{} entries match; remove the extra ones (e.g. with secret-tool)",
            items.len()
        ),
        StoreError::NoDefaultStore => "no store".into(),
        StoreError::NotSupportedByStore(m) => flat(m.clone()),
        _ => "an unknown error".into(),
    }
}

fn failed(backend: Backend, e: &StoreError) -> KeyringError {
    KeyringError {
        backend,
        kind: ErrorKind::Failed,
        message: describe(e),
    }
}

fn unavailable(backend: Backend, e: &StoreError) -> KeyringError {
    KeyringError {
        backend,
        kind: ErrorKind::Unavailable,
        message: describe(e),
    }
}

/// Runs `f` on its own thread and waits at most `limit` for it.
fn bounded<T: Send + 'static>(
    backend: Backend,
    limit: Duration,
    f: impl FnOnce() -> Result<T, KeyringError> + Send + 'static,
) -> Result<T, KeyringError> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        });
    if let Err(e) = spawned {
        return Err(KeyringError {
            backend,
            kind: ErrorKind::Failed,
            message: format!("cannot start a thread: {e}"),
        });
    }
    match rx.recv_timeout(limit) {
        Ok(r) => r,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(KeyringError {
            backend,
            kind: ErrorKind::TimedOut,
            message: format!("{} s", limit.as_secs_f64()),
        }),
        // The thread ended without answering: it panicked (the stores
        // `expect` on poisoned locks). Its message went to stderr; it holds
        // no secret (ours never panic with one).
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(KeyringError {
            backend,
            kind: ErrorKind::Failed,
            message: "the keyring library failed unexpectedly".into(),
        }),
    }
}

/// A connected store: the entry points below open one per call.
pub struct Keyring {
    backend: Backend,
    store: Arc<CredentialStore>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("backend", &self.backend)
            .field("vendor", &self.store.vendor())
            .finish()
    }
}

impl Keyring {
    /// Connects to the store.
    pub fn open(backend: Backend) -> Result<Keyring, KeyringError> {
        let store = backend.open().map_err(|e| unavailable(backend, &e))?;
        Ok(Keyring { backend, store })
    }

    /// Wraps a store given by the caller (unit tests: keyring-core's mock).
    pub fn with_store(backend: Backend, store: Arc<CredentialStore>) -> Keyring {
        Keyring { backend, store }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn entry(&self, url: &str) -> Result<keyring_core::Entry, KeyringError> {
        let mods = self.backend.modifiers(url);
        let borrowed: Option<HashMap<&str, &str>> = mods
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (*k, v.as_str())).collect());
        self.store
            .build(service(), url, borrowed.as_ref())
            .map_err(|e| failed(self.backend, &e))
    }

    /// The credential stored for the host, if any.
    pub fn get(&self, url: &str) -> Result<Option<Credential>, KeyringError> {
        let entry = self.entry(url)?;
        match entry.get_secret() {
            Ok(bytes) => decode(&bytes).map(Some).map_err(|m| KeyringError {
                backend: self.backend,
                kind: ErrorKind::Failed,
                message: m,
            }),
            Err(StoreError::NoEntry) => Ok(None),
            Err(e) => Err(failed(self.backend, &e)),
        }
    }

    /// Stores the credential for the host, replacing any.
    pub fn set(&self, url: &str, credential: &Credential) -> Result<(), KeyringError> {
        let secret = encode(self.backend, credential)?;
        let entry = self.entry(url)?;
        // keyutils may fail after adding the key (linking it to the
        // persistent keyring): a key this call created is removed again, so
        // nothing half-stored stays behind. A key that was there before is
        // left alone: it may be the working credential of the host.
        let created = self.backend == Backend::Keyutils
            && matches!(entry.get_credential(), Err(StoreError::NoEntry));
        entry.set_secret(secret.expose().as_bytes()).map_err(|e| {
            if created {
                let _ = entry.delete_credential();
            }
            failed(self.backend, &e)
        })
    }

    /// Removes the host's credential; whether there was one.
    pub fn delete(&self, url: &str) -> Result<bool, KeyringError> {
        let entry = self.entry(url)?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(StoreError::NoEntry) => Ok(false),
            Err(e) => Err(failed(self.backend, &e)),
        }
    }

    /// The hosts of every entry of ours the store can list (the Secret
    /// Service can; the other stores cannot, and give none).
    pub fn stored_hosts(&self) -> Result<Vec<String>, KeyringError> {
        if !self.backend.lists() {
            return Ok(Vec::new());
        }
        let spec = HashMap::from([("service", service())]);
        let found = match self.store.search(&spec) {
            Ok(f) => f,
            Err(StoreError::NotSupportedByStore(_)) => return Ok(Vec::new()),
            Err(e) => return Err(failed(self.backend, &e)),
        };
        let mut hosts = Vec::new();
        for entry in found {
            let attrs = entry
                .get_attributes()
                .map_err(|e| failed(self.backend, &e))?;
            if attrs.get("service").map(String::as_str) != Some(service()) {
                continue;
            }
            if let Some(u) = attrs.get("username") {
                if !hosts.contains(u) {
                    hosts.push(u.clone());
                }
            }
        }
        Ok(hosts)
    }
}

/// Connects to the store within `limit`.
pub fn connect(backend: Backend, limit: Duration) -> Result<Arc<Keyring>, KeyringError> {
    bounded(backend, limit, move || Keyring::open(backend).map(Arc::new))
}

/// Runs `f` with a connected keyring within `limit`.
pub fn run<T: Send + 'static>(
    keyring: &Arc<Keyring>,
    limit: Duration,
    f: impl FnOnce(&Keyring) -> Result<T, KeyringError> + Send + 'static,
) -> Result<T, KeyringError> {
    let k = Arc::clone(keyring);
    bounded(k.backend, limit, move || f(&k))
}

/// Connects and runs `f` with the keyring, all within `limit`.
pub fn with_keyring<T: Send + 'static>(
    backend: Backend,
    limit: Duration,
    f: impl FnOnce(&Keyring) -> Result<T, KeyringError> + Send + 'static,
) -> Result<T, KeyringError> {
    bounded(backend, limit, move || {
        let k = Keyring::open(backend)?;
        f(&k)
    })
}

/// The secret as stored.
fn encode(backend: Backend, c: &Credential) -> Result<Secret, KeyringError> {
    match &c.kind {
        Kind::Header { name, value } if name.eq_ignore_ascii_case("x-auth-token") => {
            Ok(value.clone())
        }
        Kind::Basic {
            user,
            password: Some(p),
        } => Ok(Secret::new(
            json!({"basic": {"user": user, "password": p.expose()}}).to_string(),
        )),
        _ => Err(KeyringError {
            backend,
            kind: ErrorKind::Failed,
            message: "only an access token or a user name with its password can be stored".into(),
        }),
    }
}

/// The credential from the stored secret: a token, or a basic pair.
fn decode(bytes: &[u8]) -> Result<Credential, String> {
    let bad = || "the stored secret is not in a form this tool reads (log in again)".to_owned();
    let text = std::str::from_utf8(bytes).map_err(|_| bad())?.trim();
    if text.is_empty() {
        return Err("the stored secret is empty (log in again)".into());
    }
    if text.starts_with('{') {
        let v: Value = serde_json::from_str(text).map_err(|_| bad())?;
        let b = v.get("basic").ok_or_else(bad)?;
        let user = b.get("user").and_then(Value::as_str).ok_or_else(bad)?;
        let password = b.get("password").and_then(Value::as_str).ok_or_else(bad)?;
        return Ok(Credential {
            source: Source::Keyring,
            kind: Kind::Basic {
                user: user.to_owned(),
                password: Some(Secret::new(password)),
            },
        });
    }
    Ok(Credential::token(Source::Keyring, Secret::new(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> Keyring {
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        Keyring::with_store(Backend::Keyutils, store)
    }

    #[test]
    fn tokens_and_basic_pairs_round_trip_per_host() {
        let k = mock();
        let a = "https://a.example.com/api/v3/onezone";
        let b = "https://b.example.com/api/v3/onezone";
        assert_eq!(k.get(a).unwrap(), None);
        k.set(
            a,
            &Credential::token(Source::Keyring, Secret::new("TOKEN-A")),
        )
        .unwrap();
        k.set(b, &Credential::basic(Source::Keyring, "alice:pa:ss"))
            .unwrap();
        let ca = k.get(a).unwrap().unwrap();
        assert_eq!(ca.header().1.expose(), "TOKEN-A");
        assert_eq!(ca.source, Source::Keyring);
        let cb = k.get(b).unwrap().unwrap();
        match &cb.kind {
            Kind::Basic {
                user,
                password: Some(p),
            } => assert_eq!((user.as_str(), p.expose()), ("alice", "pa:ss")),
            other => panic!("not basic: {other:?}"),
        }
        assert!(k.delete(a).unwrap());
        assert!(!k.delete(a).unwrap());
        assert_eq!(k.get(a).unwrap(), None);
        assert!(k.get(b).unwrap().is_some());
    }

    /// A store whose every write fails after writing, as keyutils does when
    /// it has added (or updated) the key but cannot link it to the
    /// persistent keyring; the rest is the mock's.
    #[derive(Debug)]
    struct FailingSet(keyring_core::Entry);

    impl keyring_core::api::CredentialApi for FailingSet {
        fn set_secret(&self, secret: &[u8]) -> keyring_core::Result<()> {
            self.0.set_secret(secret)?;
            Err(StoreError::PlatformFailure("cannot link the key".into()))
        }
        fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
            self.0.get_secret()
        }
        fn delete_credential(&self) -> keyring_core::Result<()> {
            self.0.delete_credential()
        }
        fn get_credential(&self) -> keyring_core::Result<Option<Arc<keyring_core::Credential>>> {
            self.0.get_credential().map(|_| None)
        }
        fn get_specifiers(&self) -> Option<(String, String)> {
            self.0.get_specifiers()
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    #[derive(Debug)]
    struct FailingSetStore(Arc<CredentialStore>);

    impl keyring_core::api::CredentialStoreApi for FailingSetStore {
        fn vendor(&self) -> String {
            "failing writes".into()
        }
        fn id(&self) -> String {
            "failing writes".into()
        }
        fn build(
            &self,
            service: &str,
            user: &str,
            mods: Option<&HashMap<&str, &str>>,
        ) -> keyring_core::Result<keyring_core::Entry> {
            let inner = self.0.build(service, user, mods)?;
            Ok(keyring_core::Entry::new_with_credential(Arc::new(
                FailingSet(inner),
            )))
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    #[test]
    fn a_failed_keyutils_store_removes_only_what_it_created() {
        let mock: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let working = Keyring::with_store(Backend::Keyutils, Arc::clone(&mock));
        let failing = Keyring::with_store(
            Backend::Keyutils,
            Arc::new(FailingSetStore(Arc::clone(&mock))),
        );
        let a = "https://a.example.com/api/v3/onezone";
        let b = "https://b.example.com/api/v3/onezone";
        working
            .set(a, &Credential::token(Source::Keyring, Secret::new("OLD")))
            .unwrap();
        // Replacing an entry fails: the entry is not removed (keyutils
        // updated it in place; login checked the new token first).
        let e = failing
            .set(a, &Credential::token(Source::Keyring, Secret::new("NEW")))
            .unwrap_err();
        assert_eq!((e.backend, e.kind), (Backend::Keyutils, ErrorKind::Failed));
        assert!(!e.to_string().contains("NEW"), "{e}");
        assert!(working.get(a).unwrap().is_some(), "the entry is kept");
        // A new entry whose store fails is not left half-stored.
        assert!(failing
            .set(b, &Credential::token(Source::Keyring, Secret::new("NEW")))
            .is_err());
        assert_eq!(working.get(b).unwrap(), None);
    }

    #[test]
    fn a_credential_that_cannot_be_stored_names_the_store() {
        let k = mock();
        let c = Credential {
            source: Source::Keyring,
            kind: Kind::Header {
                name: "Authorization".into(),
                value: Secret::new("Bearer SECRET"),
            },
        };
        let e = k.set("https://a/api/v3/onezone", &c).unwrap_err();
        assert_eq!(e.backend, Backend::Keyutils);
        assert!(e.to_string().starts_with("the kernel keyring"), "{e}");
        assert!(!e.to_string().contains("SECRET"), "{e}");
    }

    #[test]
    fn store_errors_never_show_the_secret() {
        let e = StoreError::BadEncoding(b"SECRET-BYTES".to_vec());
        assert!(!describe(&e).contains("SECRET"));
        let e = StoreError::BadDataFormat(b"SECRET-BYTES".to_vec(), "x".into());
        assert!(!describe(&e).contains("SECRET"));
        let d = decode(b"{\"basic\": {\"user\": \"u\", \"pw\": \"SECRET\"}}").unwrap_err();
        assert!(!d.contains("SECRET"), "{d}");
        let c = decode(b"  TOK\n").unwrap();
        assert!(!format!("{c:?}").contains("TOK"));
        assert_eq!(c.header().1.expose(), "TOK");
    }

    #[test]
    fn a_hung_store_is_bounded() {
        let start = std::time::Instant::now();
        let r: Result<(), _> = bounded(Backend::SecretService, Duration::from_millis(100), || {
            std::thread::sleep(Duration::from_secs(5));
            Ok(())
        });
        let e = r.unwrap_err();
        assert_eq!(e.kind, ErrorKind::TimedOut);
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(e.to_string().contains("did not answer"), "{e}");
    }

    #[test]
    fn backends_by_name_and_platform() {
        for b in Backend::ALL {
            assert_eq!(Backend::parse(b.name()), Some(*b));
        }
        #[cfg(target_os = "linux")]
        assert_eq!(
            Backend::available(),
            [Backend::SecretService, Backend::Keyutils]
        );
        #[cfg(target_os = "macos")]
        assert_eq!(Backend::available(), [Backend::Keychain]);
        #[cfg(windows)]
        assert_eq!(Backend::available(), [Backend::CredentialManager]);
    }
}
