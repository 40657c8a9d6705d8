//! Which release of the API a call uses, and where that choice came from.
//!
//! In this order (options before variables):
//! 1. `--api-spec FILE`: the release that spec describes, compiled at run
//!    time (see [`spec`]);
//! 2. `--api-version V`: a release (`20.02.20`) or a line (`20.02`, its
//!    newest release);
//! 3. `ONEZONE_API_SPEC`, then `ONEZONE_API_VERSION` (each command's own:
//!    `ONEPROVIDER_API_SPEC`, …), the same;
//! 4. what the server reports: the `version` of `GET /configuration`, asked
//!    once per host and cached for a day (see [`detect`]); `--dry-run`,
//!    `--help` and the other offline uses take the cached answer of any
//!    age and never ask;
//! 5. the newest release this tool knows.
//!
//! A release newer than any we know uses the newest catalogue, with a note
//! that `--api-spec` gives that release's exact operations.

pub mod detect;
pub mod document;
pub mod spec;

use crate::cli::Globals;
use crate::exit::{self, Failure};
use onedata_catalogue::release::Match;
use onedata_catalogue::{Catalogue, Service};
use std::io::Write;
use std::path::PathBuf;

/// The service this command speaks to, as compiled in.
pub fn service() -> &'static Service {
    crate::personality::current().service
}

/// Where the release in use came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Spec(PathBuf),
    Flag,
    Env(String),
    /// The server's answer, cached `age` seconds ago; `stale` after a 404
    /// (asked again by the next call that sends).
    Cache {
        age: u64,
        stale: bool,
    },
    /// The server's answer, asked just now.
    Server,
    /// The server was asked and did not say (see `detect::ask`).
    Unanswered,
    Newest,
}

/// The catalogue a call uses, and why.
#[derive(Debug, Clone)]
pub struct Selection {
    pub catalogue: Catalogue,
    pub source: Source,
    /// The release as named (by the user or the server), where the
    /// catalogue's release differs from it.
    pub named: Option<String>,
    /// What the user should know of the choice (a release this tool does
    /// not know), printed once by the caller ([`Selection::print_notes`]).
    pub notes: Vec<String>,
}

impl Selection {
    fn new(catalogue: Catalogue, source: Source) -> Selection {
        Selection {
            catalogue,
            source,
            named: None,
            notes: Vec::new(),
        }
    }

    /// The notes on stderr, unless `-s`.
    pub fn print_notes(&self, g: &Globals) {
        for n in &self.notes {
            note(g, n);
        }
    }

    /// The newest built-in release, chosen for no reason but that.
    pub fn newest() -> Selection {
        Selection::new(Catalogue::newest(service()), Source::Newest)
    }

    /// `Onezone 21.02.7 (reported by the server, cached 2 h ago)`.
    pub fn describe(&self) -> String {
        let c = self.catalogue;
        format!(
            "{} {} ({})",
            c.service.title,
            c.release(),
            self.describe_source()
        )
    }

    /// Why this release: `reported by the server, cached 2 h ago`.
    pub fn describe_source(&self) -> String {
        let why = match &self.source {
            Source::Spec(p) => format!("from the spec {}", p.display()),
            Source::Flag => "from --api-version".into(),
            Source::Env(var) => format!("from {var}"),
            Source::Cache { age, stale } => format!(
                "reported by the server, cached {} ago{}",
                describe_age(*age),
                if *stale { ", to be asked again" } else { "" }
            ),
            Source::Server => "reported by the server".into(),
            Source::Unanswered => {
                "the newest this tool knows; the server did not say which it runs".into()
            }
            Source::Newest => "the newest this tool knows; no server was asked".into(),
        };
        match &self.named {
            Some(n) => format!("{why}; {n} was named"),
            None => why,
        }
    }

    /// The short form for the first line of `--help`: `21.02.7, from --api-version`.
    pub fn short(&self) -> String {
        let why = match &self.source {
            Source::Spec(_) => "from --api-spec".to_owned(),
            Source::Flag => "from --api-version".to_owned(),
            Source::Env(var) => format!("from {var}"),
            Source::Cache { .. } | Source::Server => "reported by the server".to_owned(),
            Source::Unanswered | Source::Newest => "the newest known".to_owned(),
        };
        format!("{}, {why}", self.catalogue.release())
    }
}

fn describe_age(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        7200..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

fn var(name: &str) -> Result<Option<String>, Failure> {
    match std::env::var(name) {
        Ok(v) => Ok(Some(v).filter(|v| !v.trim().is_empty())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Failure::new(
            exit::CONFIG,
            format!("{name} is not valid UTF-8; set it to the text of the value, or unset it"),
        )),
    }
}

/// Whether the server may be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// A call that sends anyway: ask when the cache has no fresh answer.
    Allowed,
    /// `--dry-run`, help, completion: the cache of any age, never the server.
    Never,
}

/// Chooses the catalogue for a call to `base_url` (none: no host known).
pub fn select(g: &Globals, base_url: Option<&str>, network: Network) -> Result<Selection, Failure> {
    // Options, then variables: an exported ONEZONE_API_SPEC does not stand
    // in the way of a --api-version given for one call.
    let spec_path = match (&g.api_spec, &g.api_version) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(_)) => None,
        (None, None) => var(crate::personality::current().spec_var)?.map(PathBuf::from),
    };
    if let Some(path) = spec_path {
        let service = spec::load(&path, g)?;
        let sel = Selection::new(Catalogue::newest(service), Source::Spec(path));
        if let Some(v) = &g.api_version {
            let fits = matches!(
                service.match_release(v),
                Some(Match::Exact(_) | Match::Line(_))
            );
            if !fits {
                return Err(Failure::usage(format!(
                    "--api-version {v} does not fit the spec given, which is of {} {}",
                    service.title,
                    sel.catalogue.release()
                ))
                .hint("give one of the two"));
            }
        }
        return Ok(sel);
    }
    if let Some(v) = &g.api_version {
        return named(v, Source::Flag, exit::USAGE, "--api-version");
    }
    let version_var = crate::personality::current().version_var;
    if let Some(v) = var(version_var)? {
        return named(
            &v,
            Source::Env(version_var.to_owned()),
            exit::CONFIG,
            version_var,
        );
    }
    let Some(base_url) = base_url else {
        return Ok(Selection::newest());
    };
    let cached = detect::cached(base_url);
    let fresh = cached.as_ref().is_some_and(detect::Cached::is_fresh);
    let (source, reported) = match (cached, network) {
        (Some(c), _) if fresh => (c.source(), c.release),
        (Some(c), Network::Never) => (c.source(), c.release),
        (None, Network::Never) => return Ok(Selection::newest()),
        (_, Network::Allowed) => match detect::ask(base_url, g)? {
            Some(release) => (Source::Server, release),
            None => {
                let newest = Catalogue::newest(service());
                return Ok(Selection::new(newest, Source::Unanswered));
            }
        },
    };
    Ok(reported_by_server(&reported, source))
}

/// A release the server reported: any release is served, by the nearest
/// catalogue, with a note where it is not exact.
fn reported_by_server(reported: &str, source: Source) -> Selection {
    let s = service();
    let Some(m) = s.match_release(reported) else {
        let mut sel = Selection::new(Catalogue::newest(s), source);
        sel.notes.push(format!(
            "the server reports release {reported:?}, which is not a release number; \
             using {} {} (give --api-version to choose)",
            s.title,
            Catalogue::newest(s).release()
        ));
        sel.named = Some(reported.to_owned());
        return sel;
    };
    let cat = Catalogue::at(s, m.index());
    let mut sel = Selection::new(cat, source);
    match m {
        Match::Exact(_) => {}
        Match::Line(_) | Match::Nearest(_) => {
            sel.named = Some(reported.to_owned());
            sel.notes.push(format!(
                "the server runs {} {reported}, which this tool does not know; using {}",
                s.title,
                cat.release()
            ));
        }
        Match::Newer(_) => {
            sel.named = Some(reported.to_owned());
            sel.notes.push(newer_note(reported, cat));
        }
    }
    sel
}

/// A release the user named: a known release, a line, or one newer than
/// all; anything else is an error with exit code `code`.
fn named(text: &str, source: Source, code: u8, what: &str) -> Result<Selection, Failure> {
    let s = service();
    let known = || format!("known releases: {}", s.releases.join(", "));
    let m = s.match_release(text).ok_or_else(|| {
        Failure::new(
            code,
            format!("{what} {text:?} is not a release number such as 21.02.7"),
        )
        .hint(known())
    })?;
    let cat = Catalogue::at(s, m.index());
    let mut sel = Selection::new(cat, source);
    match m {
        Match::Exact(_) => {}
        Match::Line(_) => sel.named = Some(text.to_owned()),
        Match::Newer(_) => {
            sel.named = Some(text.to_owned());
            sel.notes.push(newer_note(text, cat));
        }
        Match::Nearest(_) => {
            return Err(Failure::new(
                code,
                format!("{what} {text}: this tool does not know {} {text}", s.title),
            )
            .hint(known())
            .hint("a line such as 20.02 picks its newest release"));
        }
    }
    Ok(sel)
}

fn newer_note(release: &str, cat: Catalogue) -> String {
    format!(
        "{} {release} is newer than the newest release this tool knows; using {}; \
         --api-spec FILE with that release's spec gives its exact help and validation",
        cat.service.title,
        cat.release()
    )
}

/// One line on stderr (in one write), unless `-s`.
pub fn note(g: &Globals, line: &str) {
    if g.warnings() {
        let _ = std::io::stderr()
            .write_all(format!("{} {line}\n", crate::output::label("note")).as_bytes());
    }
}

/// The failure for an operation the chosen release does not have; `None`
/// when no release has it either (an unknown operation).
pub fn absent(sel: &Selection, name: &str) -> Option<Failure> {
    use onedata_catalogue::Absence;
    let cat = sel.catalogue;
    let title = cat.service.title;
    let runs = match (&sel.source, &sel.named) {
        (Source::Cache { .. } | Source::Server, None) => {
            format!("this {title} runs {}", cat.release())
        }
        (Source::Cache { .. } | Source::Server, Some(named)) => format!(
            "this {title} runs {named}, served here by the catalogue of {}",
            cat.release()
        ),
        _ => format!("the release in use is {}", sel.describe()),
    };
    let f = match cat.absence(name) {
        Absence::Unknown => return None,
        Absence::Renamed { to, since } => Failure::usage(format!(
            "{name} is called {to} from {title} {since}; {runs}"
        ))
        .hint(format!("use {to}")),
        Absence::Formerly { name: old, since } => Failure::usage(format!(
            "{name} is the name from {title} {since} on; {runs}, which calls it {old}"
        ))
        .hint(format!("use {old}")),
        Absence::Elsewhere(spans) => {
            let newest = cat.newest_release();
            let parts: Vec<String> = spans
                .iter()
                .map(|(from, to)| {
                    if *to == newest {
                        format!("from {title} {from}")
                    } else if from == to {
                        format!("in {title} {from}")
                    } else {
                        format!("in {title} {from} to {to}")
                    }
                })
                .collect();
            Failure::usage(format!("{name} exists {}; {runs}", parts.join(" and ")))
        }
    };
    Some(match &sel.source {
        Source::Cache { age, .. } => f.hint(format!(
            "nothing was sent; the server's release was cached {} ago: if it was upgraded \
             since, give --api-version, or set {}",
            describe_age(*age),
            crate::personality::current().version_var
        )),
        _ => f.hint("nothing was sent"),
    })
}
