//! Built-in commands (lower-case, so they never collide with the camelCase
//! operations): each has its own clap command, which also feeds `--help`,
//! the man page and the completions.

use crate::auth::Environment;
use crate::exit::Failure;
use clap::{ArgMatches, Command};

pub struct Builtin {
    pub name: &'static str,
    pub about: &'static str,
    /// The command's arguments (the global options are added by `command`).
    pub args: fn() -> Command,
    pub run: fn(&ArgMatches, &Environment) -> Result<u8, Failure>,
    /// The global options the command takes, for its `--help` (`None`:
    /// all of them).
    pub globals: Option<&'static [&'static str]>,
}

/// The global options of the commands that talk to the server without an
/// operation (`login`): the host, the connection and the messages.
const LOGIN_GLOBALS: &[&str] = &[
    "help",
    "host",
    "user",
    "verbose",
    "silent",
    "show-error",
    "insecure",
    "cacert",
    "connect-timeout",
    "max-time",
    "proxy",
    "noproxy",
    "resolve",
    "ipv4",
    "ipv6",
];

/// `logout` only touches the keyring and the config file.
const LOGOUT_GLOBALS: &[&str] = &["help", "host", "silent"];

/// `help` reads only the catalogue.
const HELP_GLOBALS: &[&str] = &["help", "api-version", "api-spec", "no-pager"];

pub static BUILTINS: &[Builtin] = &[
    Builtin {
        name: "completions",
        about: "Print the shell completion script (bash, zsh, fish)",
        args: crate::complete::command,
        run: crate::complete::run,
        globals: None,
    },
    Builtin {
        name: "man",
        about: "Print the manual page (roff)",
        args: crate::man::command,
        run: crate::man::run,
        globals: None,
    },
    Builtin {
        name: "login",
        about: "Check a credential against the server and keep it in the OS keyring (--status: show the known hosts)",
        args: crate::commands::login::login_command,
        run: crate::commands::login::login,
        globals: Some(LOGIN_GLOBALS),
    },
    Builtin {
        name: "logout",
        about: "Remove the host's credential from the OS keyring (--all: every host's)",
        args: crate::commands::logout::logout_command,
        run: crate::commands::logout::logout,
        globals: Some(LOGOUT_GLOBALS),
    },
    Builtin {
        name: "help",
        about: "Show the help of an operation, or find the operations about a word (space, file, token)",
        args: crate::commands::help::command,
        run: crate::commands::help::run,
        globals: Some(HELP_GLOBALS),
    },
];

pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// The full clap command of a built-in, with the global options.
pub fn command(b: &Builtin) -> Command {
    (b.args)()
        .name(b.name)
        .about(b.about)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args(crate::cli::options())
}

/// The command its `--help` shows: named after the program (`onepanel-rest-cli
/// login [OPTIONS]`), with only the global options it takes.
fn help_command(b: &Builtin) -> Command {
    let mut c = command(b).bin_name(format!(
        "{} {}",
        crate::personality::current().command,
        b.name
    ));
    if let Some(keep) = b.globals {
        for arg in crate::cli::options() {
            let id = arg.get_id().as_str().to_owned();
            if !keep.contains(&id.as_str()) {
                c = c.mut_arg(id, |a| a.hide(true));
            }
        }
    }
    c
}

/// Runs a built-in with the words after its name.
pub fn run(b: &'static Builtin, args: &[String], env: &Environment) -> Result<u8, Failure> {
    let argv =
        std::iter::once(b.name.to_owned()).chain(crate::cli::normalise(args.iter().cloned()));
    let matches = command(b).try_get_matches_from(argv).map_err(|e| {
        let text = e.to_string();
        Failure::usage(format!(
            "{}: {}",
            b.name,
            text.lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
        ))
    })?;
    if matches.get_flag("help") {
        let help = help_command(b).render_long_help().to_string();
        return crate::exit::print(help.as_bytes()).map(|()| crate::exit::OK);
    }
    (b.run)(&matches, env)
}
