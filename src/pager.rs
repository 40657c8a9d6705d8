//! Long help through a pager: `$PAGER`, or else `less -FRX`, when stdout
//! is a terminal and `--no-pager` is not given. Piped output, an empty
//! `PAGER`, or a pager that cannot start: the text is printed directly.

use crate::exit::{self, Failure};
use std::io::{IsTerminal, Write};
use std::process::{Command, Stdio};

/// Prints `text`, through a pager when one is wanted and starts.
pub fn print(text: &str, no_pager: bool) -> Result<u8, Failure> {
    if !no_pager && std::io::stdout().is_terminal() && page(text) {
        return Ok(exit::OK);
    }
    exit::print(text.as_bytes()).map(|()| exit::OK)
}

/// The pager's words: `$PAGER` split as a shell would, or `less -FRX`;
/// none for an empty `PAGER`.
fn pager_words(var: Option<String>) -> Option<Vec<String>> {
    match var {
        Some(v) if v.trim().is_empty() => None,
        Some(v) => shlex::split(&v).filter(|w| !w.is_empty()),
        None => Some(vec!["less".into(), "-FRX".into()]),
    }
}

/// Whether the pager showed the text (false: it did not start).
fn page(text: &str) -> bool {
    let Some(words) = pager_words(std::env::var("PAGER").ok()) else {
        return false;
    };
    let mut cmd = Command::new(&words[0]);
    cmd.args(&words[1..]).stdin(Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        cmd.env("LESS", "FRX");
    }
    let Ok(mut child) = cmd.spawn() else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        // The user may quit the pager before reading it all.
        let _ = stdin.write_all(text.as_bytes());
    }
    let _ = child.wait();
    true
}

#[cfg(test)]
mod tests {
    use super::pager_words;

    #[test]
    fn pager_from_the_environment_or_less() {
        assert_eq!(
            pager_words(None),
            Some(vec!["less".to_owned(), "-FRX".to_owned()])
        );
        assert_eq!(pager_words(Some(String::new())), None);
        assert_eq!(
            pager_words(Some("most -s".into())),
            Some(vec!["most".to_owned(), "-s".to_owned()])
        );
    }
}
