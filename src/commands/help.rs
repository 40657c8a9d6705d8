//! `help [WORD]`: with no word the complete help (as `--help`); with an
//! operation's name (or an old name of one) that operation's help (as
//! `OPERATION --help`); with another word the operations about it.

use crate::auth::Environment;
use crate::catalogue::Catalogue;
use crate::cli::Globals;
use crate::exit::Failure;
use crate::help;
use crate::release::{self, Network};
use clap::{Arg, ArgMatches, Command};

pub fn command() -> Command {
    Command::new("help").arg(
        Arg::new("word").value_name("WORD").help(
            "An operation, or a word to find in the operations' names, groups, paths and fields",
        ),
    )
}

/// Runs `help`.
pub fn run(m: &ArgMatches, _env: &Environment) -> Result<u8, Failure> {
    let g = Globals::from_matches(m);
    let sel = release::select(&g, None, Network::Never)?;
    let text = match m.get_one::<String>("word") {
        None => help::global(&sel),
        Some(word) => {
            let cat = sel.catalogue;
            let name = cat.alias(word).map_or(word.as_str(), |a| a.name);
            match cat.find(name) {
                Some(op) => help::operation(cat, op),
                None => about_word(cat, word)?,
            }
        }
    };
    crate::pager::print(&text, g.no_pager)
}

/// The operations about `word`, or why there are none (exit 2).
pub fn about_word(cat: Catalogue, word: &str) -> Result<String, Failure> {
    help::search(cat, word).ok_or_else(|| {
        let cmd = crate::personality::current().command;
        let mut f = Failure::usage(format!(
            "no operation of {} {} is about {word:?}",
            cat.service.title,
            cat.release()
        ));
        let close = help::close_words(cat, word);
        if !close.is_empty() {
            f = f.hint(format!("close words: {}", close.join(", ")));
        }
        f.hint(format!("run `{cmd} --help` for the list of operations"))
    })
}
