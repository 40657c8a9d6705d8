//! `login`: a credential checked against the server (the personality's `whoami`), then
//! kept in the OS keyring for the host, which becomes the default host.

use super::{alternatives, env_credential_var, keyring_failure, load_config, note};
use crate::auth::config;
use crate::auth::host::{host_url, usable_backend, warn};
use crate::auth::keyring::{self, Backend};
use crate::auth::secret::Secret;
use crate::auth::{Credential, Environment, Kind, Source};
use crate::catalogue;
use crate::cli::Globals;
use crate::exit::{self, Failure};
use crate::output;
use crate::request;
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::Value;
use std::io::{IsTerminal, Read};

/// At most this much is read from stdin for a token or password.
const STDIN_LIMIT: u64 = 64 << 10;

fn store_names() -> Vec<&'static str> {
    Backend::available().iter().map(|b| b.name()).collect()
}

fn store_help() -> &'static str {
    "Where to keep the credential: secret-service (the Secret Service over D-Bus; \
     the default on Linux and the BSDs), keyutils (the Linux kernel keyring: no daemon, \
     cleared at reboot), keychain (macOS, the default there), windows (the Credential \
     Manager, the default there)"
}

/// `login`'s long help, with this command's variables.
fn login_about() -> String {
    let p = crate::personality::current();
    let mut order = vec![
        "a header item (X-Auth-Token:…)".to_owned(),
        "-u".to_owned(),
        format!("${}", p.api_key_var),
    ];
    order.extend(p.basic_auth_var.map(|v| format!("${v}")));
    order.push(format!("${}", crate::personality::GENERIC_API_KEY_VAR));
    let basic = match p.basic_user {
        Some(u) => format!(
            " With --basic (or -u USER) the user name ({u} by default) and its password \
             are kept instead of a token."
        ),
        None => String::new(),
    };
    format!(
        "Check a credential against the {} ({}) and keep it in the OS keyring, \
         for the host of --host, ${} or the last login. The host becomes the default \
         host. The token is asked for with a hidden prompt, or read from stdin with \
         --token-stdin; never from an argument.{basic}\n\n\
         Credentials are looked up in this order: {}, then the keyring entry of the host. \
         With a credential in the environment the keyring is not touched.",
        p.title(),
        p.whoami,
        p.host_var,
        order.join(", ")
    )
}

/// `login`'s arguments.
pub fn login_command() -> Command {
    Command::new("login")
        .long_about(login_about())
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
                .help(match crate::personality::current().basic_user {
                    Some(u) => format!("Log in with a user name (-u USER, or {u}) and a password; the default here"),
                    None => "Log in with a user name (-u USER, or asked for) and a password instead of a token".to_owned(),
                }),
        )
        .arg(
            Arg::new("token")
                .long("token")
                .action(ArgAction::SetTrue)
                .conflicts_with_all(["basic", "password-stdin"])
                .help("Log in with an access token (the default, except where basic authentication is usual)"),
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
                .conflicts_with_all(["token-stdin", "token", "basic", "password-stdin", "store"])
                .help("Show each known host: credential source, user, what the token allows, expiry; \
                       exit 3 when the selected host has no usable credential"),
        )
        .arg(
            Arg::new("default")
                .long("default")
                .value_name("HOST")
                .conflicts_with_all(["token-stdin", "token", "basic", "password-stdin", "store", "status"])
                .help("Make HOST (one logged in to before) the default host; the keyring is not touched"),
        )
}

/// Runs `login` (or `login --status`).
pub fn login(m: &ArgMatches, env: &Environment) -> Result<u8, Failure> {
    let g = Globals::from_matches(m);
    if g.dry_run {
        return Err(Failure::usage(
            "login talks to the server and the keyring; --dry-run does not apply",
        ));
    }
    if m.get_flag("status") {
        return super::status::status(&g, env);
    }
    if let Some(host) = m.get_one::<String>("default") {
        return switch_default(&g, host);
    }
    // Where basic authentication is the usual credential (Onepanel), it is
    // the default; a token is asked for with --token or --token-stdin.
    let token_asked = m.get_flag("token") || m.get_flag("token-stdin");
    let basic = m.get_flag("basic")
        || g.user.is_some()
        || (crate::personality::current().basic_user.is_some() && !token_asked);
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

    let (credential, origin) = if basic {
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
                format!("{url} did not accept {origin}; nothing was stored: {answer}"),
            );
            // The answer's own hints come first; the credential is not (yet)
            // the keyring's.
            let keyring = format!("(from {})", Source::Keyring.describe());
            for hint in f.lines.iter().skip(1) {
                refused = refused.hint(hint.replace(&keyring, &format!("({origin})")));
            }
            if f.code == exit::HTTP_4XX {
                refused = refused.hint(format!(
                    "check that the credential is for this {} and neither expired nor revoked",
                    crate::personality::current().title()
                ));
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
    // Completion's IDs of the account this login replaces are not this one's.
    crate::ids::forget_stored(&url);
    config.set_host(&config::Host {
        url: url.clone(),
        store: backend.name().to_owned(),
        user: user.as_ref().and_then(|u| u.username.clone()),
    });
    config.set_default_host(&url);
    config.save().map_err(|e| {
        Failure::new(
            exit::CONFIG,
            format!("the credential is in the keyring, but the config file is not: {e}"),
        )
        .hint("without it the credential is not found; fix the file's place and log in again")
    })?;
    crate::ids::forget_stored(&url);
    if let Some(old) = previous.filter(|s| !s.is_empty() && s != backend.name()) {
        forget_in_previous_store(&g, &url, &old);
    }

    let whom = user
        .map(|u| format!(" as {}", u.describe()))
        .unwrap_or_default();
    note(
        &g,
        &format!(
            "Logged in to {url}{whom}; the credential is kept in {}.",
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

/// `login --default HOST`: the config file's default host becomes HOST,
/// one it knows; neither the keyring nor the server is asked.
fn switch_default(g: &Globals, host: &str) -> Result<u8, Failure> {
    let url = request::base_url(host).map_err(|e| Failure::usage(format!("--default: {e}")))?;
    let mut config = load_config()?;
    let known: Vec<String> = config.hosts().into_iter().map(|h| h.url).collect();
    if !known.contains(&url) {
        let list = if known.is_empty() {
            "no host is known yet: log in with `login --host URL`".to_owned()
        } else {
            format!("the known hosts: {}", known.join(", "))
        };
        return Err(Failure::usage(format!(
            "--default: {url} is not a host logged in to before"
        ))
        .hint(list));
    }
    config.set_default_host(&url);
    config.save().map_err(|e| Failure::new(exit::CONFIG, e))?;
    note(g, &format!("The default host is now {url}."));
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

fn nothing_stored(mut f: Failure) -> Failure {
    if let Some(head) = f.lines.first_mut() {
        head.push_str("; nothing was stored");
    }
    f
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

/// Where the credential being logged in with came from, for the messages.
const TYPED_TOKEN: &str = "the token typed at the prompt";
const STDIN_TOKEN: &str = "the token read from stdin";
const TYPED_PASSWORD: &str = "the user name and password typed at the prompt";
const STDIN_PASSWORD: &str = "the user name and the password read from stdin";

/// Nothing typed at a prompt (an empty line, or Ctrl-D): login stops
/// rather than asking again (exit 2, like an empty token on stdin).
fn nothing_given(what: &str) -> Failure {
    Failure::usage(format!("login: no {what} given; nothing was stored"))
}

/// A hidden prompt; an empty line or end of input is `None`.
fn hidden_prompt(prompt: String, what: &str) -> Result<Option<String>, Failure> {
    let got = dialoguer::Password::new()
        .with_prompt(prompt)
        .allow_empty_password(true)
        .interact()
        .map_err(|e| Failure::new(exit::CONFIG, format!("cannot read the {what}: {e}")))?;
    Ok(Some(got).filter(|s| !s.trim().is_empty()))
}

fn read_token(from_stdin: bool, url: &str) -> Result<(Credential, &'static str), Failure> {
    let (token, origin) = if from_stdin {
        (read_stdin_secret("token")?.trim().to_owned(), STDIN_TOKEN)
    } else {
        need_terminal("access token", "--token-stdin")?;
        let typed = hidden_prompt(format!("Access token for {url}"), "token")?
            .ok_or_else(|| nothing_given("token"))?;
        (typed.trim().to_owned(), TYPED_TOKEN)
    };
    if token.is_empty() {
        return Err(nothing_given("token"));
    }
    check_secret(&token, "token")?;
    Ok((
        Credential::token(Source::Keyring, Secret::new(token)),
        origin,
    ))
}

/// The user name, asked for on the terminal (visible); the usual user when
/// the line is empty, if there is one. End of input (Ctrl-D) stops.
fn prompt_user(url: &str, usual: Option<&str>) -> Result<String, Failure> {
    use std::io::{BufRead, Write};
    let shown = usual.map(|u| format!(" [{u}]")).unwrap_or_default();
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "User name at {url}{shown}: ");
    let _ = err.flush();
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::new(exit::CONFIG, format!("cannot read the user name: {e}")))?;
    if n == 0 {
        let _ = writeln!(err);
        return Err(nothing_given("user name"));
    }
    match (line.trim(), usual) {
        ("", Some(u)) => Ok(u.to_owned()),
        ("", None) => Err(nothing_given("user name")),
        (typed, _) => Ok(typed.to_owned()),
    }
}

fn read_basic(
    g: &Globals,
    password_stdin: bool,
    url: &str,
) -> Result<(Credential, &'static str), Failure> {
    let usual = crate::personality::current().basic_user;
    let user = match (&g.user, usual) {
        (Some(u), _) => u.clone(),
        // Scripts give the password on stdin: the usual user goes with it.
        (None, Some(u)) if password_stdin => u.to_owned(),
        (None, usual) => {
            need_terminal("user name", "-u USER --password-stdin")?;
            prompt_user(url, usual)?
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
        hidden_prompt(format!("Password for {user} at {url}"), "password")?
            .ok_or_else(|| nothing_given("password"))?
    };
    check_secret(&password, "password")?;
    let origin = if password_stdin {
        STDIN_PASSWORD
    } else {
        TYPED_PASSWORD
    };
    Ok((
        Credential {
            source: Source::Keyring,
            kind: Kind::Basic {
                user,
                password: Some(Secret::new(password)),
            },
        },
        origin,
    ))
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
pub(super) struct User {
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
    pub(super) fn describe(&self) -> String {
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
/// the server's refusal (an HTTP error answer), `Err` not reaching it, or an
/// answer that says nothing of the credential: a redirect to another host
/// left it behind (exit 5, like the cross-origin redirects `net` refuses
/// to follow: the server's answer is not one the check can use, and it is
/// no refusal of the credential either).
pub(super) fn call(
    url: &str,
    op_name: &str,
    body: Option<Vec<u8>>,
    credential: Option<&Credential>,
    g: &Globals,
) -> Result<Result<Value, Failure>, Failure> {
    // The tool's own checks ask operations that every release has, in the
    // same shape: the newest catalogue serves them all.
    let cat = catalogue::Catalogue::newest(crate::release::service());
    let op = cat.find(op_name).ok_or_else(|| {
        Failure::new(
            exit::BAD_RESPONSE,
            format!("the catalogue has no {op_name} (a bug)"),
        )
    })?;
    let opts = request::Options {
        base_url: url.to_owned(),
        catalogue: cat,
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
    let answer = crate::net::fetch(&req, g)?;
    if credential.is_some() {
        if let Some(host) = &answer.credential_dropped_for {
            return Err(Failure::new(
                exit::HTTP_5XX,
                format!(
                    "{url} redirected {op_name} to {host}, another host; the credential was not \
                     sent there, so it was not checked"
                ),
            )
            .hint("if that host is the right one, give it with --host"));
        }
    }
    if !(200..300).contains(&answer.status) {
        let ctx = output::ErrorContext {
            credential: credential.map(|c| c.source),
            credential_dropped_for: None,
            privileges: op.privileges,
            per_user: None,
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

/// Whose the credential is (`None`: the service accepts it but has no
/// user to name, as Oneprovider); `Ok(Err)` the server's refusal, `Err` no
/// answer that tells (not reached, redirected elsewhere, not a user: exit 1).
pub(super) fn current_user(
    url: &str,
    credential: &Credential,
    g: &Globals,
) -> Result<Result<Option<User>, Failure>, Failure> {
    let op = crate::personality::current().whoami;
    match call(url, op, None, Some(credential), g)? {
        Ok(_) if !answers_user(op) => Ok(Ok(None)),
        Ok(v) => User::from_json(&v).map(|u| Ok(Some(u))).ok_or_else(|| {
            Failure::new(
                exit::BAD_RESPONSE,
                format!("the answer of {op} at {url} is not a user (it has no userId)"),
            )
        }),
        Err(refused) => Ok(Err(refused)),
    }
}

/// Whether `op`'s 200 answer is a user: an object with a `userId` field.
fn answers_user(op: &str) -> bool {
    let cat = catalogue::Catalogue::newest(crate::release::service());
    let schema = cat
        .find(op)
        .and_then(|o| o.responses.iter().find(|r| r.code == 200))
        .and_then(|r| r.schema.as_ref());
    match schema.map(|s| cat.resolve(s)) {
        Some(catalogue::Schema::Object(o)) => o.fields.iter().any(|f| f.name == "userId"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
