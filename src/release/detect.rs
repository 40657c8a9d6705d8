//! Asking a server which release it runs, and remembering the answer.
//!
//! The question is `GET <base>/configuration` (the operation of the
//! catalogue at that path), which needs no credential, so none is sent.
//! The answer's `version` is cached per host (the normalised base URL) in
//! `releases.json` in the cache directory, with the time it was asked:
//!
//! ```json
//! {"hosts": {"https://zone.example.com/api/v3/onezone": {"release": "21.02.7", "checked": 1764662400}}}
//! ```
//!
//! It is asked again when the answer is older than [`MAX_AGE`], or after a
//! call whose 404 suggests that the server changed (see [`forget`]).
//!
//! The question has a time limit of its own, [`QUESTION_LIMIT`] (or `-m`
//! where that is shorter), so a call spends at most that more than `-m`.
//! A server that cannot be reached fails the call as the call itself would
//! (exit 6), since the call would not get through either. A server whose
//! answer has no release (not JSON, no `version`, an error status) gets a
//! one-line warning and the newest catalogue, and nothing is cached.

use super::{note, service};
use crate::cache;
use crate::cli::Globals;
use crate::exit::Failure;
use crate::request;
use onedata_catalogue::Catalogue;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// How long a reported release is trusted: a day.
pub const MAX_AGE: u64 = 24 * 3600;

/// The longest the question may take, in seconds.
pub const QUESTION_LIMIT: f64 = 10.0;

/// A time this far ahead of the clock was written by a clock that was
/// wrong: such an entry is asked again.
const CLOCK_SLACK: u64 = 300;

/// The cache file is small; a larger one is not ours.
const CACHE_LIMIT: u64 = 1 << 20;

/// A cached answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    pub release: String,
    /// Seconds since it was asked.
    pub age: u64,
    /// Marked to be asked again (see [`forget`]).
    pub stale: bool,
}

impl Cached {
    /// Young enough to use without asking.
    pub fn is_fresh(&self) -> bool {
        !self.stale && self.age < MAX_AGE
    }

    pub fn source(&self) -> super::Source {
        super::Source::Cache {
            age: self.age,
            stale: self.stale,
        }
    }
}

fn cache_file() -> Option<PathBuf> {
    cache::dir().map(|d| d.join("releases.json"))
}

/// The whole cache document; anything unreadable is an empty one.
fn load() -> Map<String, Value> {
    cache_file()
        .and_then(|p| cache::read(&p, CACHE_LIMIT))
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v.get("hosts").and_then(Value::as_object).cloned())
        .unwrap_or_default()
}

fn save(hosts: Map<String, Value>) {
    if let Some(path) = cache_file() {
        let doc = json!({ "hosts": hosts });
        // A cache that cannot be written costs the next call a question.
        let _ = cache::write(&path, doc.to_string().as_bytes());
    }
}

/// The cached release of the host at `base_url`.
pub fn cached(base_url: &str) -> Option<Cached> {
    let hosts = load();
    let entry = hosts.get(base_url)?;
    let release = entry
        .get("release")?
        .as_str()
        .filter(|r| is_release_text(r))?
        .to_owned();
    let checked = entry.get("checked")?.as_u64()?;
    let now = cache::now();
    Some(Cached {
        release,
        age: now.saturating_sub(checked),
        stale: entry.get("stale").and_then(Value::as_bool).unwrap_or(false)
            || checked > now.saturating_add(CLOCK_SLACK),
    })
}

fn remember(base_url: &str, release: &str) {
    let mut hosts = load();
    hosts.insert(
        base_url.to_owned(),
        json!({ "release": release, "checked": cache::now() }),
    );
    save(hosts);
}

/// Marks the cached answer for `base_url` as too old, so that the next
/// call asks again (after a 404 for a path the catalogue expects).
pub fn forget(base_url: &str) {
    let mut hosts = load();
    if let Some(entry) = hosts.get_mut(base_url).and_then(Value::as_object_mut) {
        entry.insert("stale".into(), json!(true));
        save(hosts);
    }
}

fn is_release_text(r: &str) -> bool {
    !r.is_empty() && r.len() <= 64 && r.bytes().all(|b| b.is_ascii_graphic())
}

/// Whether a call should ask the server: no answer is cached for its host,
/// or the cached one is older than [`MAX_AGE`] (`sel` was chosen offline).
pub fn needs_asking(sel: &super::Selection, has_host: bool) -> bool {
    match sel.source {
        super::Source::Newest => has_host,
        super::Source::Cache { age, stale } => stale || age >= MAX_AGE,
        _ => false,
    }
}

/// Asks the server; `Ok(None)` when its answer names no release (warned
/// about), `Err` when it cannot be reached.
pub fn ask(base_url: &str, g: &Globals) -> Result<Option<String>, Failure> {
    let newest = Catalogue::newest(service());
    let Some(op) = newest
        .operations()
        .find(|op| op.method == "GET" && op.path == "/configuration")
    else {
        return Ok(None);
    };
    let opts = request::Options {
        base_url: base_url.to_owned(),
        catalogue: newest,
        ..request::Options::default()
    };
    let req = request::build(op, &[], &opts, || Ok(Vec::new())).map_err(|e| Failure {
        code: crate::exit::USAGE,
        lines: e.0,
    })?;
    let mut quick = g.clone();
    quick.max_time = Some(match g.max_time {
        Some(m) if m > 0.0 && m < QUESTION_LIMIT => m,
        _ => QUESTION_LIMIT,
    });
    let answer = crate::net::fetch(&req, &quick)?;
    let what = format!("{}{}", base_url, op.path);
    let release = if !(200..300).contains(&answer.status) {
        Err(format!("{what} answered {}", answer.status))
    } else {
        match serde_json::from_slice::<Value>(&answer.body) {
            Err(_) => Err(format!("the answer of {what} is not JSON")),
            Ok(v) => match v.get("version").and_then(Value::as_str) {
                // Printed in notes and kept in the cache: a short, printable
                // release number or nothing.
                Some(r) if is_release_text(r.trim()) => Ok(r.trim().to_owned()),
                Some(_) => Err(format!(
                    "the version in the answer of {what} is not a release number"
                )),
                None => Err(format!("the answer of {what} has no version")),
            },
        }
    };
    match release {
        Ok(r) => {
            remember(base_url, &r);
            Ok(Some(r))
        }
        Err(why) => {
            note(
                g,
                &format!(
                    "cannot tell which release the server runs ({why}); using {} {}; \
                     give --api-version to choose",
                    newest.service.title,
                    newest.release()
                ),
            );
            Ok(None)
        }
    }
}
