//! The host a run is for and the credential stored for it: the look-ups
//! every request makes (`--host`, `ONEZONE_HOST`, the config file's default
//! host; the keyring entry `login` stored).
//!
//! For ordinary operations, [`stored_credential`] is the last step of
//! `auth::resolve`: it is called only when no header, `-u` or environment
//! variable gave a credential, and it consults the keyring only for a host
//! the config file lists, within `keyring::LOOKUP_TIMEOUT`; any trouble is a
//! one-line warning and the operation goes on without a credential.

use crate::auth::config::Config;
use crate::auth::keyring::{self, Backend};
use crate::auth::{Credential, Environment};
use crate::cli::Globals;
use crate::exit::{self, Failure};
use crate::request;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The config file, read at most once per run (and only when needed: not
/// when `--host` and a credential are given).
pub(crate) fn read_config() -> &'static Result<Config, String> {
    static CONFIG: OnceLock<Result<Config, String>> = OnceLock::new();
    CONFIG.get_or_init(Config::load)
}

/// The config file for an ordinary operation: a file that cannot be read is
/// one warning (not one per use), and no default host or stored credential.
fn lookup_config(g: &Globals) -> Option<&'static Config> {
    static WARNED: AtomicBool = AtomicBool::new(false);
    match read_config() {
        Ok(c) => Some(c),
        Err(e) => {
            if !WARNED.swap(true, Ordering::Relaxed) {
                warn(
                    g,
                    &format!("{e}; it is ignored (no default host, no stored credential)"),
                );
            }
            None
        }
    }
}

/// The host this run is for, as given (not normalised): `--host`, else
/// `ONEZONE_HOST`, else the default host of the last login. The config file
/// is read only when neither is given.
pub fn chosen_host(g: &Globals, env: &Environment) -> Option<String> {
    g.host
        .clone()
        .or_else(|| env.host.clone())
        .or_else(|| lookup_config(g).and_then(Config::default_host))
}

/// The keyring step of `auth::resolve`: the credential `login` stored for
/// this host, if the config file lists the host. Never an error: trouble
/// with the keyring is a warning (unless `-s`), and no credential.
pub fn stored_credential(base_url: &str, g: &Globals) -> Result<Option<Credential>, String> {
    stored_credential_within(base_url, g, keyring::LOOKUP_TIMEOUT)
}

/// [`stored_credential`], waiting at most `limit` for the keyring (a TAB
/// cannot wait as long as a call).
pub fn stored_credential_within(
    base_url: &str,
    g: &Globals,
    limit: std::time::Duration,
) -> Result<Option<Credential>, String> {
    let Some(config) = lookup_config(g) else {
        return Ok(None);
    };
    let Some(host) = config.host(base_url) else {
        return Ok(None);
    };
    let Some(backend) = usable_backend(&host.store) else {
        warn(
            g,
            &format!(
                "{}: the store {:?} of {base_url} is not one this build can use; \
                 going on without a stored credential",
                config.path().display(),
                host.store
            ),
        );
        return Ok(None);
    };
    let url = base_url.to_owned();
    match keyring::with_keyring(backend, limit, move |k| k.get(&url)) {
        Ok(Some(c)) => Ok(Some(c)),
        Ok(None) => {
            warn(
                g,
                &format!(
                    "{} holds no credential for {base_url} any more; going on without one \
                     (log in again)",
                    backend.describe()
                ),
            );
            Ok(None)
        }
        Err(e) => {
            warn(
                g,
                &format!(
                    "{e}; going on without a stored credential (set {} to skip the keyring)",
                    crate::personality::current().api_key_var
                ),
            );
            Ok(None)
        }
    }
}

pub(crate) fn usable_backend(name: &str) -> Option<Backend> {
    Backend::parse(name).filter(|b| Backend::available().contains(b))
}

pub(crate) fn warn(g: &Globals, msg: &str) {
    if g.warnings() {
        let _ = writeln!(
            std::io::stderr().lock(),
            "{} {msg}",
            crate::output::label("warning")
        );
    }
}

/// The base URL of [`chosen_host`]; none is a configuration error.
pub fn host_url(g: &Globals, env: &Environment) -> Result<String, Failure> {
    let host = chosen_host(g, env).ok_or_else(|| {
        let p = crate::personality::current();
        let vars = match p.generic_host_var {
            Some(g) => format!("{} (or {g})", p.host_var),
            None => p.host_var.to_owned(),
        };
        Failure::new(exit::CONFIG, format!("no {} host given", p.title())).hint(format!(
            "pass --host URL, set {vars}, or log in once with `{} login --host URL`",
            p.command
        ))
    })?;
    request::base_url(&host).map_err(|e| Failure::new(exit::CONFIG, e))
}
