//! Live IDs: the IDs (and names) behind a path parameter, for completion
//! (`getSpace id=<TAB>`), kept in a cache per host and credential that
//! `-o table`/`--names` share.
//!
//! - Which list holds a parameter's values comes from the catalogue
//!   ([`source`]); the IDs come from the host an ordinary call of the line
//!   would use, with the credential it would send (the line's header item
//!   or `-u USER:PASSWORD`, the variables, or the keyring), and nothing is
//!   sent elsewhere. A line whose credential would need a prompt (`-u USER`
//!   alone) gets no IDs.
//! - A fresh cache ([`store::TTL`]) answers at once. Otherwise the list
//!   and the missing names are fetched within [`TAB_LIMIT`]; on any failure
//!   the cached IDs (however old) are offered, and the network is not asked
//!   again for [`store::BACKOFF`] seconds. Nothing is printed.
//! - A call that changes resources (a successful POST, PUT, PATCH or
//!   DELETE) marks the cached lists of the kinds in its path stale, and a
//!   removal drops the ID at once ([`touched`]). `completions --refresh`
//!   fetches every list again ([`refresh`]).
//! - Only IDs made of letters, digits, `.`, `_` and `-` are offered: an
//!   ID is inserted into the command line, where a server's `$(…)` must
//!   never land. Names are shown with control characters escaped.

pub mod source;
pub mod store;

use crate::auth::{self, Credential, Environment};
use crate::catalogue::{Catalogue, Operation};
use crate::cli::Globals;
use crate::exit::{self, Failure};
use crate::items::{self, Sep};
use crate::request::{self, Request};
use source::Source;
use std::io::Write;
use std::time::{Duration, Instant};
use store::{List, Store};

/// The longest a TAB waits for the network: connecting, the list and the
/// names together.
pub const TAB_LIMIT: Duration = Duration::from_secs(1);

/// The most IDs a list keeps in the cache and a TAB offers.
pub const MAX_IDS: usize = 5000;

/// An ID safe to insert into a shell command line.
pub fn safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 256
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && id != "."
        && id != ".."
}

/// Who the cache belongs to: the credential (its digest is the file's
/// name, see [`store`]), or for the keyring's the stored login as the
/// config file lists it, so that a warm TAB needs no keyring.
pub fn identity(c: &Credential, base_url: &str) -> Option<String> {
    if c.source == auth::Source::Keyring {
        return stored_identity(base_url);
    }
    match &c.kind {
        auth::Kind::Header { name, value } => Some(format!(
            "header\0{}\0{}",
            name.to_ascii_lowercase(),
            value.expose()
        )),
        auth::Kind::Basic {
            user,
            password: Some(p),
        } => Some(format!("basic\0{user}\0{}", p.expose())),
        auth::Kind::Basic { password: None, .. } => None,
    }
}

/// Removes the ID cache of the credential stored for `base_url`: `login`
/// calls it when it stores a new one and `logout` when it removes it, so
/// another account's IDs never show.
pub fn forget_stored(base_url: &str) {
    if let Some(id) = stored_identity(base_url) {
        Store::open(base_url, &id).remove();
    }
}

fn stored_identity(base_url: &str) -> Option<String> {
    let config = auth::config::Config::load().ok()?;
    let h = config.host(base_url)?;
    Some(format!(
        "stored\0{}\0{}",
        h.store,
        h.user.as_deref().unwrap_or_default()
    ))
}

/// The base URL and the path below it (`/spaces`, decoded) of a request.
fn split_url(req: &Request) -> Option<(String, String)> {
    let rest = req.url.strip_prefix(&req.base_url)?;
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let path = path
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect::<Vec<_>>()
        .join("/");
    Some((req.base_url.clone(), path))
}

/// The cache of a request's host and credential, if it has one.
fn store_of(req: &Request) -> Option<(Store, String)> {
    let (base, path) = split_url(req)?;
    let id = identity(req.credential.as_ref()?, &base)?;
    Some((Store::open(&base, &id), path))
}

/// After a call that succeeded: a change to resources marks their lists
/// stale in an existing cache (completion's or `-o table`'s); a GET is no
/// change. Costs a file read only when the method changes something.
pub fn touched(req: &Request) {
    if req.method.eq_ignore_ascii_case("GET") || req.method.eq_ignore_ascii_case("HEAD") {
        return;
    }
    let Some((mut store, path)) = store_of(req) else {
        return;
    };
    if !store.exists() {
        return;
    }
    let kinds = source::kinds(req.operation.path);
    // `DELETE /spaces/{id}`: that ID has left the list at `/spaces` (a
    // membership's removal leaves only its own list).
    let removed = match req.operation.path.rsplit_once('/') {
        Some((_, last)) if req.method.eq_ignore_ascii_case("DELETE") && source::is_param(last) => {
            path.rsplit_once('/')
        }
        _ => None,
    };
    store.touch(&kinds, removed);
    store.save();
}

/// The names of `ids` (listed by `req`, a list of IDs whose details come
/// from `detail`) from the cache where fresh, else fetched, within the
/// call's time limit; the list and the names go to the cache when the
/// request has one. `None` where a name could not be had.
pub fn names_for(
    req: &Request,
    detail: &'static Operation,
    g: &Globals,
    ids: &[String],
    started: Instant,
) -> Vec<Option<String>> {
    let kind = list_kind(req.operation);
    let mut store = store_of(req);
    let now = crate::cache::now();
    let mut names: Vec<Option<String>> = ids
        .iter()
        .map(|id| {
            store
                .as_ref()
                .and_then(|(s, _)| s.name(&kind, id, Some(now)))
        })
        .collect();
    let missing: Vec<String> = ids
        .iter()
        .zip(&names)
        .filter(|(_, n)| n.is_none())
        .map(|(id, _)| id.clone())
        .collect();
    let fetched = crate::names::fetch_names(req, detail, g, &missing, started);
    let mut got = missing.iter().zip(fetched);
    for slot in names.iter_mut().filter(|n| n.is_none()) {
        if let Some((id, name)) = got.next() {
            if let (Some(name), Some((s, _))) = (&name, store.as_mut()) {
                s.set_name(&kind, id, name, now);
            }
            *slot = name;
        }
    }
    if let Some((mut s, path)) = store {
        s.set_list(
            &path,
            &List {
                kind: kind.clone(),
                via: path.clone(),
                ids: ids.to_vec(),
                at: now,
                stale: false,
                failed_at: 0,
            },
        );
        s.save();
    }
    names
}

/// The kind of the IDs a list answers: the last static segment of its path.
fn list_kind(list: &'static Operation) -> String {
    source::kinds(list.path)
        .last()
        .map(|k| (*k).to_owned())
        .unwrap_or_default()
}

/// What a TAB after `param=` of `op` offers: the IDs with their names
/// (empty when unknown). `words` is the line before the current word
/// (program excluded). Never prints, never prompts.
pub fn offer(
    cat: Catalogue,
    op: &'static Operation,
    param: &str,
    words: &[String],
    env: &Environment,
) -> Vec<(String, String)> {
    let Some(mut line) = Line::parse(cat, op, param, words, env) else {
        return Vec::new();
    };
    let now = crate::cache::now();
    let key = line.sources[0].path.clone();
    let cached = line.store.list(&key);
    let list = match cached {
        Some(l) if l.fresh(now) || l.backing_off(now) => l,
        _ => line
            .fetch(cached, now, Instant::now())
            .unwrap_or_else(|fallback| fallback),
    };
    // Each ID once, whatever its case (readline may ignore case), and a
    // bounded number of them.
    let mut seen = std::collections::HashSet::new();
    list.ids
        .iter()
        .filter(|id| safe_id(id) && seen.insert(id.to_ascii_lowercase()))
        .take(MAX_IDS)
        .map(|id| {
            let name = line.store_name(&list.kind, id);
            (id.clone(), name)
        })
        .collect()
}

/// A command line, ready to ask for the lists of one parameter.
struct Line {
    g: Globals,
    base_url: String,
    cat: Catalogue,
    sources: Vec<Source>,
    /// The line's header items and `-u`, for the list requests.
    headers: Vec<String>,
    /// The credential, when it needs no keyring; else the keyring is asked
    /// only for a fetch.
    credential: Option<Credential>,
    store: Store,
}

impl Line {
    fn parse(
        cat: Catalogue,
        op: &'static Operation,
        param: &str,
        words: &[String],
        env: &Environment,
    ) -> Option<Line> {
        let inv = crate::cli::parse(words.to_vec()).ok()?;
        let mut g = inv.globals;
        let limit = TAB_LIMIT.as_secs_f64();
        g.silent = true;
        g.verbose = false;
        g.retry = 0;
        g.retry_all = false;
        // 0 is no limit: never for a TAB.
        g.max_time = Some(match g.max_time {
            Some(m) if m > 0.0 => m.min(limit),
            _ => limit,
        });
        g.connect_timeout = Some(limit);
        // The line's body and its options are not the list's.
        g.upload_file = None;
        g.data = Vec::new();
        g.accept = None;
        g.content_type = None;
        g.output_file = None;
        let base_url = crate::auth::host::host_url(&g, env).ok()?;
        let items = inv.words.get(1..).unwrap_or_default();
        let mut given = Vec::new();
        let mut headers = Vec::new();
        for item in items {
            match items::split(item) {
                Some((k, Sep::Param, v)) => given.push((items::unescape(k), v.to_owned())),
                Some((_, Sep::Header, _)) => headers.push(item.clone()),
                _ => {}
            }
        }
        let sources = source::sources(cat, op, param, &given);
        if sources.is_empty() {
            return None;
        }
        let mut line = Line {
            g,
            base_url,
            cat,
            sources,
            headers,
            credential: None,
            store: Store::empty(),
        };
        // The credential as a call of this line resolves it (header items
        // and -H, -u, the variables), without the keyring.
        let first = line.sources.first()?.clone();
        let mut probe = line.request(&first, None)?;
        line.credential =
            auth::resolve(&mut probe.headers, line.g.user.as_deref(), env, || Ok(None)).ok()?;
        let id = match &line.credential {
            Some(c) => identity(c, &line.base_url)?,
            None => stored_identity(&line.base_url)?,
        };
        line.store = Store::open(&line.base_url, &id);
        Some(line)
    }

    fn store_name(&self, kind: &str, id: &str) -> String {
        self.store
            .name(kind, id, None)
            .map(|n| crate::output::escape_controls(&n))
            .unwrap_or_default()
    }

    /// Fetches the list (the one that answered last time first) and the
    /// names missing, within the time limit; the cache keeps what came.
    /// `Err`: no list could be had; the cached one (if any) is the fallback.
    fn fetch(&mut self, cached: Option<List>, now: u64, started: Instant) -> Result<List, List> {
        let key = self.sources[0].path.clone();
        let mut order: Vec<Source> = self.sources.clone();
        if let Some(via) = cached.as_ref().map(|c| c.via.clone()) {
            order.sort_by_key(|s| s.path != via);
        }
        let got = self.credential().and_then(|c| {
            order.iter().find_map(|s| {
                self.list(s, c.clone(), started)
                    .map(|(req, got)| (s.clone(), req, got))
            })
        });
        let Some((s, req, got)) = got else {
            let mut list = cached.unwrap_or(List {
                kind: list_kind(self.sources[0].list),
                via: key.clone(),
                ids: Vec::new(),
                at: 0,
                stale: true,
                failed_at: 0,
            });
            list.failed_at = now;
            self.store.set_list(&key, &list);
            self.store.save();
            return Err(list);
        };
        let kind = list_kind(s.list);
        for (id, name) in &got {
            if let Some(name) = name {
                self.store.set_name(&kind, id, name, now);
            }
        }
        let list = List {
            kind: kind.clone(),
            via: s.path.clone(),
            ids: got.into_iter().take(MAX_IDS).map(|(id, _)| id).collect(),
            at: now,
            stale: false,
            failed_at: 0,
        };
        let detail = match s.shape {
            source::Shape::Ids => crate::names::detail_operation(self.cat, s.list),
            source::Shape::Records { .. } => None,
        };
        if let Some(detail) = detail {
            let missing: Vec<String> = list
                .ids
                .iter()
                .filter(|id| safe_id(id) && self.store.name(&kind, id, Some(now)).is_none())
                .cloned()
                .collect();
            let names = crate::names::fetch_names(&req, detail, &self.g, &missing, started);
            for (id, name) in missing.iter().zip(names) {
                if let Some(name) = name {
                    self.store.set_name(&kind, id, &name, now);
                }
            }
        }
        self.store.set_list(&key, &list);
        self.store.save();
        Ok(list)
    }

    /// The credential to send: the line's, or the keyring's.
    fn credential(&self) -> Option<Credential> {
        match &self.credential {
            Some(c) => Some(c.clone()),
            None => crate::auth::host::stored_credential_within(&self.base_url, &self.g, TAB_LIMIT)
                .ok()
                .flatten(),
        }
    }

    /// One list's IDs (with the names it holds), or `None` when it
    /// cannot be had (refused, not found, unreachable, not a list). The
    /// keyring's wait and the lists asked before count against the time
    /// limit, which runs from `started`.
    #[allow(clippy::type_complexity)]
    fn list(
        &self,
        s: &Source,
        credential: Credential,
        started: Instant,
    ) -> Option<(Request, Vec<(String, Option<String>)>)> {
        let req = self.request(s, Some(credential))?;
        let mut g = self.g.clone();
        if let Some(limit) = g.max_time.filter(|m| *m > 0.0) {
            let left = limit - started.elapsed().as_secs_f64();
            if left <= 0.0 {
                return None;
            }
            g.max_time = Some(left);
        }
        let f = crate::net::fetch(&req, &g).ok()?;
        if !(200..300).contains(&f.status) || f.credential_dropped_for.is_some() {
            return None;
        }
        Some((req, source::parse(s.shape, &f.body)?))
    }

    fn request(&self, s: &Source, credential: Option<Credential>) -> Option<Request> {
        let items: Vec<String> = s
            .params
            .iter()
            .map(|(n, v)| format!("{}={v}", items::escape_key(n)))
            .chain(self.headers.iter().cloned())
            .collect();
        let opts = request::Options::new(self.base_url.clone(), self.cat, &self.g);
        let mut req = request::build(s.list, &items, &opts, || Ok(Vec::new())).ok()?;
        if credential.is_some() {
            req.headers.retain(|(n, _)| !auth::is_credential_header(n));
            req.credential = credential;
        }
        Some(req)
    }
}

/// `completions --refresh`: every list of the host's cache fetched again,
/// and the collections of the catalogue, with the call's own time limit.
/// One line per list on stderr (unless `-s`).
pub fn refresh(g: &Globals, env: &Environment, cat: Catalogue) -> Result<u8, Failure> {
    let base_url = crate::auth::host::host_url(g, env)?;
    let mut headers = Vec::new();
    let credential = auth::resolve(&mut headers, g.user.as_deref(), env, || {
        crate::auth::host::stored_credential(&base_url, g)
    })
    .map_err(|e| Failure::new(exit::CONFIG, e))?
    .ok_or_else(|| {
        Failure::new(exit::CONFIG, format!("no credential for {base_url}")).hint(format!(
            "log in with `{} login`, or set {}",
            crate::personality::current().command,
            crate::personality::current().api_key_var
        ))
    })?;
    let id = identity(&credential, &base_url).ok_or_else(|| {
        Failure::usage("-u USER: give USER:PASSWORD (a refresh asks for no password)")
    })?;
    let mut store = Store::open(&base_url, &id);
    store.expire();
    // The collections (lists without path parameters), and what the cache holds.
    let mut keys: Vec<String> = collections(cat);
    for k in store.keys() {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut line = Line {
        g: g.clone(),
        base_url,
        cat,
        sources: Vec::new(),
        headers: Vec::new(),
        credential: Some(credential),
        store,
    };
    let mut err = std::io::stderr().lock();
    let mut refreshed = 0;
    for key in keys {
        let Some(sources) = sources_for_key(cat, &key) else {
            continue;
        };
        line.sources = sources;
        let now = crate::cache::now();
        let cached = line.store.list(&key);
        let Ok(list) = line.fetch(cached, now, Instant::now()) else {
            if g.warnings() {
                let _ = writeln!(err, "{key}: could not be fetched");
            }
            continue;
        };
        refreshed += 1;
        if g.warnings() {
            let named = list
                .ids
                .iter()
                .filter(|id| line.store.name(&list.kind, id, None).is_some())
                .count();
            let _ = writeln!(
                err,
                "{key}: {} IDs, {named} with names (from {})",
                list.ids.len(),
                list.via
            );
        }
    }
    if refreshed == 0 {
        return Err(Failure::new(
            exit::NETWORK,
            "no list of IDs could be fetched; check the host and the credential with `login --status`",
        ));
    }
    Ok(exit::OK)
}

/// The catalogue's collections: the kinds of path parameters whose list
/// has no path parameter of its own, by the key completion uses.
fn collections(cat: Catalogue) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for op in cat.operations() {
        for p in op.all_params() {
            if p.location != crate::catalogue::ParamIn::Path {
                continue;
            }
            if let Some(s) = source::sources(cat, op, p.name, &[]).first() {
                if s.params.is_empty() && !out.contains(&s.path) {
                    out.push(s.path.clone());
                }
            }
        }
    }
    out
}

/// The sources completion would try for a cache key: the list at that
/// path (its values in place) and its kind's others.
fn sources_for_key(cat: Catalogue, key: &str) -> Option<Vec<Source>> {
    cat.operations().find_map(|op| {
        op.all_params()
            .into_iter()
            .filter(|p| p.location == crate::catalogue::ParamIn::Path)
            .find_map(|p| {
                let segs: Vec<&str> = op.path.split('/').collect();
                let at = segs.iter().position(|s| *s == format!("{{{}}}", p.name))?;
                let prefix = &segs[..at];
                let ksegs: Vec<&str> = key.split('/').collect();
                if ksegs.len() != prefix.len() {
                    return None;
                }
                let mut given = Vec::new();
                for (k, s) in ksegs.iter().zip(prefix) {
                    if source::is_param(s) {
                        given.push((s[1..s.len() - 1].to_owned(), (*k).to_owned()));
                    } else if k != s {
                        return None;
                    }
                }
                let sources = source::sources(cat, op, p.name, &given);
                (sources.first()?.path == key).then_some(sources)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_shell_safe_ids_are_offered() {
        assert!(safe_id("a1b2c3d4e5f6"));
        assert!(safe_id("6f7e-8d_9.c"));
        for bad in [
            "",
            ".",
            "..",
            "$(rm -rf ~)",
            "a b",
            "a;b",
            "~x",
            "x\u{1b}[2J",
            "a`b`",
        ] {
            assert!(!safe_id(bad), "{bad:?}");
        }
        assert!(!safe_id(&"a".repeat(257)));
    }
}
