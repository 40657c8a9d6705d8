//! `-w/--write-out FORMAT`: what scripts ask curl to print after the body
//! (chart readiness checks: `-w '%{http_code}'`). The format is checked
//! before anything is sent; it is printed on stdout after the answer, also
//! after an HTTP error (as curl does), and with `%{http_code}` 000 when no
//! answer came. Nothing secret is among the variables.

use std::fmt::Write as _;
use std::time::Duration;

/// The variables understood, each with what it prints.
pub const VARIABLES: &[&str] = &[
    "http_code",
    "response_code",
    "url_effective",
    "content_type",
    "size_download",
    "time_total",
    "redirect_url",
];

/// What the exchange left for the format.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// 0 when no answer came.
    pub status: u16,
    pub url: String,
    pub content_type: String,
    /// Bytes of the final answer's body received.
    pub size: u64,
    pub time: Duration,
    /// The Location of a final 3xx answer (not followed).
    pub redirect_url: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Var(&'static str),
}

/// A checked format.
#[derive(Debug, Clone, PartialEq)]
pub struct Format(Vec<Piece>);

impl Format {
    /// Reads FORMAT: `%{name}` variables, `%%`, and the escapes `\n`, `\r`,
    /// `\t`, `\\`. An unknown variable is an error that lists the known.
    pub fn parse(format: &str) -> Result<Format, String> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek().copied()) {
                ('\\', Some(e @ ('n' | 'r' | 't' | '\\'))) => {
                    chars.next();
                    text.push(match e {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        _ => '\\',
                    });
                }
                ('%', Some('%')) => {
                    chars.next();
                    text.push('%');
                }
                ('%', Some('{')) => {
                    chars.next();
                    let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    let var = VARIABLES.iter().find(|v| **v == name).ok_or_else(|| {
                        format!(
                            "-w: %{{{name}}} is not a variable this tool writes; it writes {}",
                            VARIABLES
                                .iter()
                                .map(|v| format!("%{{{v}}}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?;
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Var(var));
                }
                (c, _) => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Format(pieces))
    }

    /// The text for `stats`; what the server said is escaped for the
    /// terminal.
    pub fn render(&self, stats: &Stats) -> String {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Var("http_code" | "response_code") => {
                    let _ = write!(out, "{:03}", stats.status);
                }
                Piece::Var("url_effective") => out.push_str(&stats.url),
                Piece::Var("content_type") => {
                    out.push_str(&crate::output::escape_controls(&stats.content_type));
                }
                Piece::Var("size_download") => {
                    let _ = write!(out, "{}", stats.size);
                }
                Piece::Var("time_total") => {
                    let _ = write!(out, "{:.6}", stats.time.as_secs_f64());
                }
                Piece::Var("redirect_url") => {
                    out.push_str(&crate::output::escape_controls(&stats.redirect_url));
                }
                Piece::Var(_) => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_and_escapes() {
        let f = Format::parse("%{http_code}\\n%{size_download} %% %{content_type}\\t.").unwrap();
        let s = Stats {
            status: 201,
            size: 12,
            content_type: "application/json\u{1b}[2J".into(),
            ..Stats::default()
        };
        assert_eq!(f.render(&s), "201\n12 % application/json\\u{1b}[2J\t.");
        assert_eq!(
            Format::parse("%{http_code}")
                .unwrap()
                .render(&Stats::default()),
            "000"
        );
    }

    #[test]
    fn unknown_variables_are_refused_with_the_list() {
        let e = Format::parse("%{header_json}").unwrap_err();
        assert!(
            e.contains("%{header_json}") && e.contains("%{http_code}"),
            "{e}"
        );
    }

    #[test]
    fn plain_text_and_lone_signs_stay() {
        let f = Format::parse("code=%{response_code} 100% \\x").unwrap();
        assert_eq!(
            f.render(&Stats {
                status: 404,
                ..Stats::default()
            }),
            "code=404 100% \\x"
        );
    }
}
