//! `login`, `login --status` and `logout`: credentials kept in the OS
//! keyring (see `keyring`), one per Onezone host, and the config file that
//! remembers the hosts and the default one (see `config`).
//!
//! - `login` asks for an access token with a hidden prompt (`--basic`: a
//!   user name and password), or reads it from stdin (`--token-stdin`,
//!   `--password-stdin`); never from an argument. It checks the credential
//!   with getCurrentUser and stores it only when the Zone accepts it.
//! - `login --status` shows, for each known host, where its credential comes
//!   from, whose it is, what the token allows and when it expires.
//! - `logout` removes the host's credential; `--all` every host's.
//!
//! For ordinary operations, [`stored_credential`] is the last step of
//! `auth::resolve`: it is called only when no header, `-u` or environment
//! variable gave a credential, and it consults the keyring only for a host
//! the config file lists, within `keyring::LOOKUP_TIMEOUT`; any trouble is a
//! one-line warning and the operation goes on without a credential.

use crate::auth::{self, Credential, Environment, Kind, Source};
use crate::catalogue;
use crate::cli::Globals;
use crate::config::{self, Config};
use crate::exit::{self, Failure};
use crate::keyring::{self, Backend, ErrorKind, Keyring, KeyringError};
use crate::output;
use crate::request;
use crate::secret::Secret;
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::Value;
use std::io::{IsTerminal, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// At most this much is read from stdin for a token or password.
const STDIN_LIMIT: u64 = 64 << 10;

// ----- ordinary operations -----

/// The config file, read at most once per run (and only when needed: not
/// when `--host` and a credential are given).
fn read_config() -> &'static Result<Config, String> {
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
    match keyring::with_keyring(backend, keyring::LOOKUP_TIMEOUT, move |k| k.get(&url)) {
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
                    auth::API_KEY_VAR
                ),
            );
            Ok(None)
        }
    }
}

fn usable_backend(name: &str) -> Option<Backend> {
    Backend::parse(name).filter(|b| Backend::available().contains(b))
}

fn warn(g: &Globals, msg: &str) {
    if g.warnings() {
        let _ = writeln!(std::io::stderr().lock(), "warning: {msg}");
    }
}

fn note(g: &Globals, msg: &str) {
    if g.warnings() {
        let _ = writeln!(std::io::stderr().lock(), "{msg}");
    }
}

// ----- the commands -----

fn store_names() -> Vec<&'static str> {
    Backend::available().iter().map(|b| b.name()).collect()
}

fn store_help() -> &'static str {
    "Where to keep the credential: secret-service (the Secret Service over D-Bus; \
     the default on Linux and the BSDs), keyutils (the Linux kernel keyring: no daemon, \
     cleared at reboot), keychain (macOS, the default there), windows (the Credential \
     Manager, the default there)"
}

/// `login`'s arguments.
pub fn login_command() -> Command {
    Command::new("login")
        .long_about(
            "Check a credential against the Zone (getCurrentUser) and keep it in the OS keyring, \
             for the host of --host, $ONEZONE_HOST or the last login. The host becomes the default \
             host. The token is asked for with a hidden prompt, or read from stdin with \
             --token-stdin; never from an argument.\n\n\
             Credentials are looked up in this order: a header item (X-Auth-Token:…), -u, \
             $ONEZONE_API_KEY, $ONEZONE_BASIC_AUTH, then the keyring entry of the host. \
             With a credential in the environment the keyring is not touched.",
        )
        .arg(
            Arg::new("token-stdin")
                .long("token-stdin")
                .action(ArgAction::SetTrue)
                .help("Read the access token from stdin (for scripts)"),
        )
        .arg(
            Arg::new("basic")
                .long("basic")
                .action(ArgAction::SetTrue)
                .conflicts_with("token-stdin")
                .help("Log in with a user name (-u USER, or asked for) and a password instead of a token"),
        )
        .arg(
            Arg::new("password-stdin")
                .long("password-stdin")
                .action(ArgAction::SetTrue)
                .conflicts_with("token-stdin")
                .help("With --basic: read the password from stdin"),
        )
        .arg(
            Arg::new("store")
                .long("store")
                .value_name("STORE")
                .value_parser(store_names())
                // The help names every platform's store, so the man page is
                // the same wherever it is generated.
                .hide_possible_values(true)
                .help(store_help()),
        )
        .arg(
            Arg::new("status")
                .long("status")
                .action(ArgAction::SetTrue)
                .conflicts_with_all(["token-stdin", "basic", "password-stdin", "store"])
                .help("Show each known host: credential source, user, what the token allows, expiry"),
        )
}

/// `logout`'s arguments.
pub fn logout_command() -> Command {
    Command::new("logout")
        .long_about(
            "Remove the credential of the host of --host, $ONEZONE_HOST or the last login \
             from the OS keyring; --all removes every host's. The default host stays.",
        )
        .arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Remove the credential of every host"),
        )
}

/// Runs `login` (or `login --status`).
pub fn login(m: &ArgMatches, env: &Environment) -> Result<u8, Failure> {
    let g = Globals::from_matches(m);
    if g.dry_run {
        return Err(Failure::usage(
            "login talks to the Zone and the keyring; --dry-run does not apply",
        ));
    }
    if m.get_flag("status") {
        return status(&g, env);
    }
    let basic = m.get_flag("basic") || g.user.is_some();
    if m.get_flag("password-stdin") && !basic {
        return Err(Failure::usage("--password-stdin goes with --basic"));
    }
    if g.user.as_deref().is_some_and(|u| u.contains(':')) {
        return Err(Failure::usage(
            "login takes no password on the command line (it would stay in the shell history)",
        )
        .hint("give -u USER alone: the password is asked for, or read with --password-stdin"));
    }
    let mut config = load_config()?;
    let url = host_url(&g, env)?;
    let backend = match m.get_one::<String>("store") {
        Some(name) => usable_backend(name)
            .ok_or_else(|| Failure::usage(format!("--store {name}: not available here")))?,
        None => Backend::platform_default().ok_or_else(|| {
            Failure::new(
                exit::CONFIG,
                "this platform has no OS keyring this tool can use",
            )
            .hint(alternatives())
        })?,
    };
    // Reach the keyring before asking for anything.
    let kr = keyring::connect(backend, keyring::MANAGE_TIMEOUT)
        .map_err(|e| keyring_failure(&e, "no OS keyring is reachable"))?;

    let credential = if basic {
        read_basic(&g, m.get_flag("password-stdin"), &url)?
    } else {
        read_token(m.get_flag("token-stdin"), &url)?
    };

    let user = match current_user(&url, &credential, &g).map_err(nothing_stored)? {
        Ok(user) => user,
        Err(f) => {
            let answer = f.lines.first().cloned().unwrap_or_default();
            let mut refused = Failure::new(
                f.code,
                format!("{url} did not accept the credential; nothing was stored: {answer}"),
            );
            // The answer's own hints come first.
            for hint in f.lines.iter().skip(1) {
                refused = refused.hint(hint.clone());
            }
            if f.code == exit::HTTP_4XX {
                refused = refused
                    .hint("check that the token is for this Zone and neither expired nor revoked");
            }
            return Err(refused);
        }
    };

    let to_store = credential.clone();
    let key = url.clone();
    keyring::run(&kr, keyring::MANAGE_TIMEOUT, move |k| {
        k.set(&key, &to_store)
    })
    .map_err(|e| keyring_failure(&e, "cannot store the credential"))?;

    let previous = config.host(&url).map(|h| h.store);
    config.set_host(&config::Host {
        url: url.clone(),
        store: backend.name().to_owned(),
        user: user.username.clone(),
    });
    config.set_default_host(&url);
    config.save().map_err(|e| {
        Failure::new(
            exit::CONFIG,
            format!("the credential is in the keyring, but the config file is not: {e}"),
        )
        .hint("without it the credential is not found; fix the file's place and log in again")
    })?;
    if let Some(old) = previous.filter(|s| !s.is_empty() && s != backend.name()) {
        forget_in_previous_store(&g, &url, &old);
    }

    note(
        &g,
        &format!(
            "Logged in to {url} as {}; the credential is kept in {}.",
            user.describe(),
            backend.describe()
        ),
    );
    if let Some(var) = env_credential_var(env) {
        warn(
            &g,
            &format!("{var} is set: it wins over the keyring for every operation"),
        );
    }
    Ok(exit::OK)
}

/// After a login into another store than the host's last one: the entry in
/// the old store is removed, so that no credential stays behind that the
/// config file no longer names. Best effort, within the lookup limit (the
/// old store may be the broken one the user moved away from): trouble is a
/// warning.
fn forget_in_previous_store(g: &Globals, url: &str, old: &str) {
    let Some(backend) = usable_backend(old) else {
        warn(
            g,
            &format!(
                "the credential stored earlier for {url} in {old:?} may still be there: \
                 this build cannot reach that store"
            ),
        );
        return;
    };
    let key = url.to_owned();
    if let Err(e) = keyring::with_keyring(backend, keyring::LOOKUP_TIMEOUT, move |k| k.delete(&key))
    {
        warn(
            g,
            &format!(
                "the credential stored earlier for {url} may still be in {}: {e}",
                backend.describe()
            ),
        );
    }
}

/// Runs `logout`.
pub fn logout(m: &ArgMatches, env: &Environment) -> Result<u8, Failure> {
    let g = Globals::from_matches(m);
    if g.dry_run {
        return Err(Failure::usage(
            "logout changes the keyring; --dry-run does not apply",
        ));
    }
    let all = m.get_flag("all");
    let mut config = load_config()?;
    let hosts: Vec<config::Host> = if all {
        config.hosts()
    } else {
        let url = host_url(&g, env)?;
        let store = config
            .host(&url)
            .map(|h| h.store)
            .or_else(|| Backend::platform_default().map(|b| b.name().to_owned()))
            .unwrap_or_default();
        vec![config::Host {
            url,
            store,
            user: None,
        }]
    };

    let mut keyrings = Keyrings::default();
    let mut unreachable: Vec<Backend> = Vec::new();
    let mut removed = Vec::new();
    // What could not be done; the rest is done first.
    let mut problems: Vec<Failure> = Vec::new();
    for h in &hosts {
        let Some(backend) = usable_backend(&h.store) else {
            // A store this build cannot use: nothing to remove here.
            config.remove_host(&h.url);
            continue;
        };
        let kr = match keyrings.get(backend, keyring::MANAGE_TIMEOUT) {
            Ok(k) => k,
            Err(e) => {
                unreachable.push(backend);
                problems.push(keyring_failure(
                    &e,
                    &format!("cannot remove the credential of {}", h.url),
                ));
                continue;
            }
        };
        let key = h.url.clone();
        match keyring::run(&kr, keyring::MANAGE_TIMEOUT, move |k| k.delete(&key)) {
            Ok(existed) => {
                config.remove_host(&h.url);
                if existed {
                    removed.push(format!("{} (from {})", h.url, backend.describe()));
                } else if !all {
                    note(
                        &g,
                        &format!("No credential for {} was in {}.", h.url, backend.describe()),
                    );
                }
            }
            Err(e) => problems.push(keyring_failure(
                &e,
                &format!("cannot remove the credential of {}", h.url),
            )),
        }
    }
    let mut unsearched = Vec::new();
    if all {
        // Entries the config file does not name (it was removed or edited,
        // or the host moved to another store): every store that can list
        // its entries is searched.
        for backend in Backend::available().into_iter().filter(|b| b.lists()) {
            if unreachable.contains(&backend) {
                continue; // reported above
            }
            let kr = match keyrings.get(backend, keyring::MANAGE_TIMEOUT) {
                Ok(k) => k,
                Err(e) => {
                    unsearched.push(e);
                    continue;
                }
            };
            let extra = match keyring::run(&kr, keyring::MANAGE_TIMEOUT, |k| k.stored_hosts()) {
                Ok(x) => x,
                Err(e) => {
                    problems.push(keyring_failure(&e, "cannot list the stored credentials"));
                    continue;
                }
            };
            for url in extra {
                let key = url.clone();
                match keyring::run(&kr, keyring::MANAGE_TIMEOUT, move |k| k.delete(&key)) {
                    Ok(existed) => {
                        config.remove_host(&url);
                        if existed {
                            removed.push(format!("{url} (from {})", backend.describe()));
                        }
                    }
                    Err(e) => problems.push(keyring_failure(
                        &e,
                        &format!("cannot remove the credential of {url}"),
                    )),
                }
            }
        }
    }
    config.save().map_err(|e| Failure::new(exit::CONFIG, e))?;
    for r in &removed {
        note(&g, &format!("Logged out of {r}."));
    }
    for e in unsearched {
        // A store that is not there at all (no Secret Service on a headless
        // box) after credentials were removed from another: a warning. With
        // nothing removed, "no stored credential was found" cannot be said.
        if e.kind == ErrorKind::Unavailable && !removed.is_empty() {
            warn(
                &g,
                &format!("{e}; it was not searched for other stored credentials"),
            );
        } else {
            problems.push(
                Failure::new(
                    exit::CONFIG,
                    format!("cannot search for stored credentials: {e}"),
                )
                .hint(format!(
                    "nothing was removed from {}; run `logout --all` again once it can be reached",
                    e.backend.describe()
                )),
            );
        }
    }
    if let Some(first) = problems.first() {
        let mut f = first.clone();
        for more in &problems[1..] {
            f = f.hint(format!(
                "also: {}",
                more.lines.first().map_or("", String::as_str)
            ));
        }
        return Err(f);
    }
    if removed.is_empty() && all {
        note(&g, "No stored credential was found.");
    }
    if let Some(var) = env_credential_var(env) {
        warn(&g, &format!("{var} is still set: operations keep using it"));
    }
    Ok(exit::OK)
}

// ----- pieces -----

/// The config file for `login`, `logout` and the status: one that cannot be
/// read is an error (they would otherwise overwrite it, or mislead).
fn load_config() -> Result<Config, Failure> {
    read_config().clone().map_err(|e| {
        Failure::new(exit::CONFIG, e).hint("fix or remove the file (it holds no secret)")
    })
}

/// The base URL of [`chosen_host`]; none is a configuration error.
pub fn host_url(g: &Globals, env: &Environment) -> Result<String, Failure> {
    let host = chosen_host(g, env).ok_or_else(|| {
        Failure::new(exit::CONFIG, "no Onezone host given").hint(format!(
            "pass --host URL, set {}, or log in once with `onezone-rest-cli login --host URL`",
            auth::HOST_VAR
        ))
    })?;
    request::base_url(&host).map_err(|e| Failure::new(exit::CONFIG, e))
}

fn nothing_stored(mut f: Failure) -> Failure {
    if let Some(head) = f.lines.first_mut() {
        head.push_str("; nothing was stored");
    }
    f
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
        Some(auth::API_KEY_VAR)
    } else if env.basic_auth.is_some() {
        Some(auth::BASIC_AUTH_VAR)
    } else {
        None
    }
}

fn alternatives() -> String {
    let mut alt = format!(
        "instead: set {} to an access token (or {} to user:password) in the environment",
        auth::API_KEY_VAR,
        auth::BASIC_AUTH_VAR
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

fn read_stdin_secret(what: &str) -> Result<String, Failure> {
    let mut buf = Vec::new();
    std::io::stdin()
        .lock()
        .take(STDIN_LIMIT)
        .read_to_end(&mut buf)
        .map_err(|e| {
            Failure::new(
                exit::CONFIG,
                format!("cannot read the {what} from stdin: {e}"),
            )
        })?;
    let text = String::from_utf8(buf)
        .map_err(|_| Failure::usage(format!("the {what} on stdin is not UTF-8 text")))?;
    Ok(text)
}

fn need_terminal(what: &str, flag: &str) -> Result<(), Failure> {
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "no terminal to ask for the {what}: pass {flag} and give it on stdin"
        )))
    }
}

fn read_token(from_stdin: bool, url: &str) -> Result<Credential, Failure> {
    let token = if from_stdin {
        read_stdin_secret("token")?.trim().to_owned()
    } else {
        need_terminal("access token", "--token-stdin")?;
        dialoguer::Password::new()
            .with_prompt(format!("Access token for {url}"))
            .interact()
            .map_err(|e| Failure::new(exit::CONFIG, format!("cannot read the token: {e}")))?
            .trim()
            .to_owned()
    };
    check_secret(&token, "token")?;
    Ok(Credential::token(Source::Keyring, Secret::new(token)))
}

fn read_basic(g: &Globals, password_stdin: bool, url: &str) -> Result<Credential, Failure> {
    let user = match &g.user {
        Some(u) => u.clone(),
        None => {
            need_terminal("user name", "-u USER --password-stdin")?;
            dialoguer::Input::<String>::new()
                .with_prompt(format!("User name at {url}"))
                .interact_text()
                .map_err(|e| {
                    Failure::new(exit::CONFIG, format!("cannot read the user name: {e}"))
                })?
        }
    };
    let user = user.trim().to_owned();
    if user.is_empty() || user.contains(':') || user.chars().any(char::is_control) {
        return Err(Failure::usage(
            "the user name must be non-empty, without ':' or control characters",
        ));
    }
    let password = if password_stdin {
        let text = read_stdin_secret("password")?;
        let line = text.strip_suffix('\n').unwrap_or(&text);
        line.strip_suffix('\r').unwrap_or(line).to_owned()
    } else {
        need_terminal("password", "--password-stdin")?;
        dialoguer::Password::new()
            .with_prompt(format!("Password for {user} at {url}"))
            .interact()
            .map_err(|e| Failure::new(exit::CONFIG, format!("cannot read the password: {e}")))?
    };
    check_secret(&password, "password")?;
    Ok(Credential {
        source: Source::Keyring,
        kind: Kind::Basic {
            user,
            password: Some(Secret::new(password)),
        },
    })
}

/// Rejects what cannot go into a header, without ever showing the secret.
fn check_secret(s: &str, what: &str) -> Result<(), Failure> {
    if s.is_empty() {
        return Err(Failure::usage(format!("the {what} is empty")));
    }
    if s.chars().any(char::is_control) {
        return Err(Failure::usage(format!(
            "the {what} holds control characters (more than one line?)"
        )));
    }
    Ok(())
}

/// The user a credential belongs to.
#[derive(Debug, Clone)]
struct User {
    id: String,
    username: Option<String>,
    full_name: Option<String>,
}

impl User {
    /// `None` unless the answer names a user: a non-empty string `userId`
    /// (any 2xx JSON, `{}` say, is not proof that the credential works).
    fn from_json(v: &Value) -> Option<User> {
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(output::escape_controls)
        };
        Some(User {
            id: s("userId")?,
            username: s("username"),
            full_name: s("fullName"),
        })
    }

    /// `admin (Admin User, u1)`: the name, then the full name and the id.
    fn describe(&self) -> String {
        let name = self
            .username
            .as_deref()
            .or(self.full_name.as_deref())
            .unwrap_or(&self.id);
        let extra: Vec<&str> = [self.full_name.as_deref(), Some(self.id.as_str())]
            .into_iter()
            .flatten()
            .filter(|x| *x != name)
            .collect();
        if extra.is_empty() {
            name.to_owned()
        } else {
            format!("{name} ({})", extra.join(", "))
        }
    }
}

/// Sends a catalogue operation with the credential; `Ok(Err(failure))` is
/// the Zone's refusal (an HTTP error answer), `Err` not reaching it, or an
/// answer that says nothing of the credential: a redirect to another host
/// left it behind (exit 5, like the cross-origin redirects `http` refuses
/// to follow: the server's answer is not one the check can use, and it is
/// no refusal of the credential either).
fn call(
    url: &str,
    op_name: &str,
    body: Option<Vec<u8>>,
    credential: Option<&Credential>,
    g: &Globals,
) -> Result<Result<Value, Failure>, Failure> {
    let op = catalogue::find(op_name).ok_or_else(|| {
        Failure::new(
            exit::BAD_RESPONSE,
            format!("the catalogue has no {op_name} (a bug)"),
        )
    })?;
    let opts = request::Options {
        base_url: url.to_owned(),
        ..request::Options::default()
    };
    let items: Vec<String> = if body.is_some() {
        vec!["-".into()]
    } else {
        Vec::new()
    };
    let mut req =
        request::build(op, &items, &opts, || Ok(body.unwrap_or_default())).map_err(|e| {
            Failure {
                code: exit::USAGE,
                lines: e.0,
            }
        })?;
    req.credential = credential.cloned();
    let answer = crate::http::fetch(&req, g)?;
    if credential.is_some() {
        if let Some(host) = &answer.credential_dropped_for {
            return Err(Failure::new(
                exit::HTTP_5XX,
                format!(
                    "{url} redirected {op_name} to {host}, another host; the credential was not \
                     sent there, so it was not checked"
                ),
            )
            .hint("if that host is the Zone, give it with --host"));
        }
    }
    if !(200..300).contains(&answer.status) {
        let ctx = output::ErrorContext {
            credential: credential.map(|c| c.source),
            credential_dropped_for: None,
            privileges: op.privileges,
        };
        return Ok(Err(output::http_error(
            answer.status,
            answer.reason,
            answer.content_type.as_deref(),
            &answer.body,
            &ctx,
        )));
    }
    let v = serde_json::from_slice(&answer.body).map_err(|e| {
        Failure::new(
            exit::BAD_RESPONSE,
            format!("the answer of {op_name} is not JSON: {e}"),
        )
    })?;
    Ok(Ok(v))
}

/// Whose the credential is; `Ok(Err)` the Zone's refusal, `Err` no answer
/// that tells (not reached, redirected elsewhere, not a user: exit 1).
fn current_user(
    url: &str,
    credential: &Credential,
    g: &Globals,
) -> Result<Result<User, Failure>, Failure> {
    match call(url, "getCurrentUser", None, Some(credential), g)? {
        Ok(v) => User::from_json(&v).map(Ok).ok_or_else(|| {
            Failure::new(
                exit::BAD_RESPONSE,
                format!("the answer of getCurrentUser at {url} is not a user (it has no userId)"),
            )
        }),
        Err(refused) => Ok(Err(refused)),
    }
}

/// What examineToken tells of a token.
#[derive(Debug, Default)]
struct TokenFacts {
    allows: String,
    expires: String,
}

fn examine(url: &str, token: &Secret, g: &Globals) -> Result<TokenFacts, String> {
    let body = serde_json::to_vec(&serde_json::json!({"token": token.expose()}))
        .map_err(|e| e.to_string())?;
    match call(url, "examineToken", Some(body), None, g) {
        Ok(Ok(v)) => Ok(token_facts(&v, now())),
        Ok(Err(f)) | Err(f) => Err(f.lines.first().cloned().unwrap_or_default()),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The token's type, persistence and caveats; its expiry from the time
/// caveat.
fn token_facts(v: &Value, now: i64) -> TokenFacts {
    let text = |v: &Value| match v {
        Value::String(s) => output::escape_controls(s),
        other => output::escape_controls(&other.to_string()),
    };
    let kind = match v.get("type") {
        Some(Value::Object(o)) => o
            .iter()
            .next()
            .map(|(k, inner)| {
                let base = k.trim_end_matches("Token").to_owned();
                match inner.get("inviteType").and_then(Value::as_str) {
                    Some(t) => format!("{base} ({})", output::escape_controls(t)),
                    None => output::escape_controls(&base),
                }
            })
            .unwrap_or_else(|| "unknown".into()),
        Some(other) => text(other),
        None => "unknown".into(),
    };
    let mut allows = format!("{kind} token");
    if let Some(p) = v.get("persistence").and_then(Value::as_str) {
        allows.push_str(&format!(", {}", output::escape_controls(p)));
    }
    let mut expires = "never (no time caveat)".to_owned();
    let mut limits = Vec::new();
    for c in v
        .get("caveats")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ty = c.get("type").and_then(Value::as_str).unwrap_or("?");
        if ty == "time" {
            if let Some(t) = c.get("validUntil").and_then(Value::as_i64) {
                expires = describe_time(t, now);
            }
            continue;
        }
        let detail: Vec<String> = c
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| k.as_str() != "type")
            .map(|(_, v)| text(v))
            .collect();
        if detail.is_empty() {
            limits.push(output::escape_controls(ty));
        } else {
            limits.push(format!(
                "{}={}",
                output::escape_controls(ty),
                detail.join(",")
            ));
        }
    }
    if limits.is_empty() {
        allows.push_str("; no caveats");
    } else {
        allows.push_str(&format!("; limited to {}", limits.join("; ")));
    }
    TokenFacts { allows, expires }
}

/// `2026-11-30 12:00 UTC (in 6 days)`.
fn describe_time(t: i64, now: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let stamp = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    );
    let delta = t - now;
    let span = |s: i64| {
        let (n, unit) = if s >= 2 * 86_400 {
            (s / 86_400, "day")
        } else if s >= 2 * 3600 {
            (s / 3600, "hour")
        } else {
            ((s / 60).max(1), "minute")
        };
        format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
    };
    if delta < 0 {
        format!("{stamp} (expired {} ago)", span(-delta))
    } else {
        format!("{stamp} (in {})", span(delta))
    }
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

// ----- status -----

struct Row {
    host: String,
    default: bool,
    source: String,
    user: String,
    allows: String,
    expires: String,
}

fn status(g: &Globals, env: &Environment) -> Result<u8, Failure> {
    let config = load_config()?;
    let default = config.default_host();
    // The one host an environment credential is sent to: the operations'
    // own choice. A host that does not parse is a warning, and no row.
    let selected = chosen_host(g, env).and_then(|h| match request::base_url(&h) {
        Ok(u) => Some(u),
        Err(e) => {
            warn(g, &format!("the selected host is left out: {e}"));
            None
        }
    });
    let mut hosts: Vec<config::Host> = config.hosts();
    for extra in selected.iter().chain(default.iter()) {
        if !hosts.iter().any(|h| &h.url == extra) {
            hosts.push(config::Host {
                url: extra.clone(),
                store: String::new(),
                user: None,
            });
        }
    }
    if hosts.is_empty() {
        note(
            g,
            "No host is known: log in with `onezone-rest-cli login --host URL`, \
             or set ONEZONE_HOST and ONEZONE_API_KEY.",
        );
        return Ok(exit::OK);
    }

    // With a credential in the environment the keyring is not consulted,
    // as for every operation; a malformed one is shown in its rows.
    let from_env = env_credential_var(env).map(|var| {
        let c = auth::resolve(&mut Vec::new(), None, env, || Ok(None))
            .and_then(|c| c.ok_or_else(|| format!("{var} gives no credential")));
        (var, c)
    });
    let mut keyrings = Keyrings::default();
    let mut rows = Vec::new();
    for h in &hosts {
        let mut row = Row {
            host: h.url.clone(),
            default: default.as_deref() == Some(h.url.as_str()),
            source: "none".into(),
            user: "-".into(),
            allows: "-".into(),
            expires: "-".into(),
        };
        let credential: Option<Credential> = if let Some((var, c)) = &from_env {
            match c {
                Err(e) => {
                    row.source = format!("env ({var}), unusable: {}", output::escape_controls(e));
                    None
                }
                // Never sent to a host the operations would not go to.
                Ok(_) if selected.as_deref() != Some(h.url.as_str()) => {
                    row.source = format!("env ({var}), not sent: not the selected host");
                    None
                }
                Ok(c) => {
                    row.source = format!("env ({var})");
                    Some(c.clone())
                }
            }
        } else if let Some(backend) = usable_backend(&h.store) {
            let key = h.url.clone();
            let got = keyrings
                .get(backend, keyring::MANAGE_TIMEOUT)
                .and_then(|k| keyring::run(&k, keyring::MANAGE_TIMEOUT, move |k| k.get(&key)));
            match got {
                Ok(Some(c)) => {
                    row.source = format!("keyring ({})", backend.name());
                    Some(c)
                }
                Ok(None) => {
                    row.source = format!("none (not in {})", backend.name());
                    None
                }
                Err(e) => {
                    row.source = format!("keyring error: {e}");
                    None
                }
            }
        } else {
            if !h.store.is_empty() {
                row.source = format!(
                    "none (the store {:?} is not one this build can use)",
                    h.store
                );
            }
            None
        };
        if let Some(c) = &credential {
            probe(&h.url, c, g, &mut row);
        }
        rows.push(row);
    }
    print_status(&rows)
}

/// Fills the row's user and what the token allows, asking the host.
fn probe(url: &str, c: &Credential, g: &Globals, row: &mut Row) {
    let first = |f: &Failure| f.lines.first().cloned().unwrap_or_default();
    row.user = match current_user(url, c, g) {
        Ok(Ok(u)) => u.describe(),
        Ok(Err(f)) => format!("rejected: {}", first(&f)),
        Err(f) if f.code == exit::NETWORK => format!("unreachable: {}", first(&f)),
        Err(f) => format!("not checked: {}", first(&f)),
    };
    match &c.kind {
        Kind::Header { value, .. } => match examine(url, value, g) {
            Ok(facts) => {
                row.allows = facts.allows;
                row.expires = facts.expires;
            }
            Err(e) => row.allows = format!("cannot examine: {e}"),
        },
        Kind::Basic { user, .. } => {
            row.allows = format!(
                "user name and password ({}): all the user may do",
                output::escape_controls(user)
            );
            row.expires = "never".into();
        }
    }
}

fn print_status(rows: &[Row]) -> Result<u8, Failure> {
    use comfy_table::{presets, ContentArrangement, Table};
    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    let mut t = Table::new();
    t.load_preset(if tty {
        presets::UTF8_FULL_CONDENSED
    } else {
        presets::ASCII_FULL_CONDENSED
    });
    if tty {
        if let Some((_, w)) = console::Term::stdout().size_checked() {
            t.set_width(w);
            t.set_content_arrangement(ContentArrangement::Dynamic);
        }
    }
    t.set_header(vec![
        "Host",
        "Default",
        "Credential from",
        "User",
        "Token allows",
        "Expires",
    ]);
    for r in rows {
        t.add_row(vec![
            r.host.clone(),
            if r.default {
                "yes".into()
            } else {
                String::new()
            },
            r.source.clone(),
            r.user.clone(),
            r.allows.clone(),
            r.expires.clone(),
        ]);
    }
    exit::print(format!("{t}\n").as_bytes())?;
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn token_facts_name_type_caveats_and_expiry() {
        let v = json!({
            "type": {"accessToken": {}},
            "persistence": "named",
            "caveats": [
                {"type": "time", "validUntil": 1_800_000_000},
                {"type": "interface", "interface": "rest"},
                {"type": "data.readonly"}
            ]
        });
        let f = token_facts(&v, 1_800_000_000 - 3 * 86_400);
        assert_eq!(
            f.allows,
            "access token, named; limited to interface=rest; data.readonly"
        );
        assert_eq!(f.expires, "2027-01-15 08:00 UTC (in 3 days)");
        let f = token_facts(
            &json!({"type": {"inviteToken": {"inviteType": "userJoinGroup"}}, "caveats": []}),
            0,
        );
        assert_eq!(f.allows, "invite (userJoinGroup) token; no caveats");
        assert_eq!(f.expires, "never (no time caveat)");
    }

    #[test]
    fn times_and_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(describe_time(90, 0), "1970-01-01 00:01 UTC (in 1 minute)");
        assert!(describe_time(0, 7200).contains("expired 2 hours ago"));
    }

    #[test]
    fn users_are_described_by_name_full_name_and_id() {
        let u = User::from_json(
            &json!({"userId": "u1", "username": "admin", "fullName": "Admin User"}),
        )
        .unwrap();
        assert_eq!(u.describe(), "admin (Admin User, u1)");
        let u = User::from_json(&json!({"userId": "u1", "fullName": "A\u{1b}[31m"})).unwrap();
        assert_eq!(u.describe(), "A\\u{1b}[31m (u1)");
        let u = User::from_json(&json!({"userId": "u1"})).unwrap();
        assert_eq!(u.describe(), "u1");
    }

    #[test]
    fn an_answer_without_a_user_id_is_no_user() {
        for v in [
            json!({}),
            json!({"username": "admin"}),
            json!({"userId": ""}),
            json!({"userId": " "}),
            json!({"userId": 7}),
            json!([]),
            json!("u1"),
        ] {
            assert!(User::from_json(&v).is_none(), "{v}");
        }
    }

    #[test]
    fn secrets_are_checked_without_being_shown() {
        let e = check_secret("abc\ndef", "token").unwrap_err();
        assert!(!e.to_string().contains("abc"));
        assert!(check_secret("", "token").is_err());
        assert!(check_secret("MDAx", "token").is_ok());
    }
}
