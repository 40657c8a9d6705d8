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

pub static BUILTINS: &[Builtin] = &[];

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
        print!("{help}");
        return Ok(crate::exit::OK);
    }
    (b.run)(&matches, env)
}
