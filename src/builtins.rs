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
}

pub static BUILTINS: &[Builtin] = &[
    Builtin {
        name: "completions",
        about: "Print the shell completion script (bash, zsh, fish)",
        args: crate::complete::command,
        run: crate::complete::run,
    },
    Builtin {
        name: "man",
        about: "Print the manual page (roff)",
        args: crate::man::command,
        run: crate::man::run,
    },
    Builtin {
        name: "login",
        about: "Check a credential against the server and keep it in the OS keyring (--status: show the known hosts)",
        args: crate::commands::login::login_command,
        run: crate::commands::login::login,
    },
    Builtin {
        name: "logout",
        about: "Remove the host's credential from the OS keyring (--all: every host's)",
        args: crate::commands::logout::logout_command,
        run: crate::commands::logout::logout,
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
        let help = command(b).render_long_help().to_string();
        return crate::exit::print(help.as_bytes()).map(|()| crate::exit::OK);
    }
    (b.run)(&matches, env)
}
