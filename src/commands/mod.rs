//! `login`, `login --status` and `logout`: credentials kept in the OS
//! keyring (see `auth::keyring`), one per Onezone host, and the config
//! file that remembers the hosts and the default one (see `auth::config`).
//!
//! - `login` asks for an access token with a hidden prompt (`--basic`: a
//!   user name and password), or reads it from stdin (`--token-stdin`,
//!   `--password-stdin`); never from an argument. It checks the credential
//!   with getCurrentUser and stores it only when the Zone accepts it.
//! - `login --status` shows, for each known host, where its credential comes
//!   from, whose it is, what the token allows and when it expires.
//! - `logout` removes the host's credential; `--all` every host's.
//!
//! Here: what the three share (the config file, the keyrings, the notes on
//! stderr); each command is in its own module.

pub mod help;
pub mod login;
pub mod logout;
pub mod status;

use crate::auth::config::Config;
use crate::auth::host::read_config;
use crate::auth::keyring::{self, Backend, ErrorKind, Keyring, KeyringError};
use crate::auth::{self, Environment};
use crate::cli::Globals;
use crate::exit::{self, Failure};
use std::io::Write;
use std::sync::Arc;

fn note(g: &Globals, msg: &str) {
    if g.warnings() {
        let _ = writeln!(std::io::stderr().lock(), "{msg}");
    }
}

/// The config file for `login`, `logout` and the status: one that cannot be
/// read is an error (they would otherwise overwrite it, or mislead).
fn load_config() -> Result<Config, Failure> {
    read_config().clone().map_err(|e| {
        Failure::new(exit::CONFIG, e).hint("fix or remove the file (it holds no secret)")
    })
}

/// The keyrings connected so far in this run, one connection per store (a
/// failed connection is remembered too: it is not waited for again).
#[derive(Default)]
struct Keyrings(Vec<(Backend, Result<Arc<Keyring>, KeyringError>)>);

impl Keyrings {
    fn get(
        &mut self,
        backend: Backend,
        limit: std::time::Duration,
    ) -> Result<Arc<Keyring>, KeyringError> {
        if let Some((_, k)) = self.0.iter().find(|(b, _)| *b == backend) {
            return k.clone();
        }
        let k = keyring::connect(backend, limit);
        self.0.push((backend, k.clone()));
        k
    }
}

fn env_credential_var(env: &Environment) -> Option<&'static str> {
    if env.api_key.is_some() {
        Some(auth::Source::ApiKeyVar.describe())
    } else if env.basic_auth.is_some() {
        Some(auth::Source::BasicAuthVar.describe())
    } else if env.generic_api_key.is_some() {
        Some(auth::Source::GenericApiKeyVar.describe())
    } else {
        None
    }
}

fn alternatives() -> String {
    let p = crate::personality::current();
    let mut alt = format!(
        "instead: set {} to an access token{} in the environment",
        p.api_key_var,
        p.basic_auth_var
            .map(|v| format!(" (or {v} to user:password)"))
            .unwrap_or_default()
    );
    if Backend::available().contains(&Backend::Keyutils) {
        alt.push_str(
            "; or `login --store keyutils` (the kernel keyring: no daemon, cleared at reboot)",
        );
    }
    if Backend::available().contains(&Backend::SecretService) {
        alt.push_str(
            "; or start a Secret Service (gnome-keyring-daemon, KeePassXC) on the D-Bus session bus",
        );
    }
    alt
}

fn keyring_failure(e: &KeyringError, what: &str) -> Failure {
    let f = Failure::new(exit::CONFIG, format!("{what}: {e}"));
    match e.kind {
        ErrorKind::Unavailable | ErrorKind::TimedOut => f.hint(alternatives()),
        ErrorKind::Failed => f,
    }
}
