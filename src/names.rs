//! Names for IDs: an answer that is a list of IDs (`{"spaces": [ids]}`)
//! shown with each ID's name, under `-o table` (two columns, id and name)
//! or `--names` (JSON for scripts: `[{"id": …, "name": …}]`).
//!
//! Which operations qualify is read from the catalogue, not listed by
//! hand: a GET whose 200 answer is an object with one array-of-strings
//! field, for which the catalogue has a GET at the list path + `/{param}`
//! (or the canonical `/<things>/{param}`: `/user/effective_spaces` →
//! `/spaces/{id}`) whose answer has a `name` field.
//!
//! The details are fetched with the list's credential, from the list's
//! origin only, at most [`PARALLEL`] at a time and within `-m`. An ID whose
//! name cannot be fetched has an empty name (one warning line says how
//! many); it never fails the call. Names fresh in the ID cache that
//! completion keeps ([`crate::ids`]) are taken from it, and the list and
//! the names fetched go there. Without `--names` or `-o table`, nothing
//! here runs, so the other outputs are unchanged.

use crate::catalogue::{Catalogue, Operation, Schema};
use crate::cli::Globals;
use crate::exit::{self, Failure};
use crate::request::Request;
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most details fetched at the same time.
pub const PARALLEL: usize = 8;

/// Whether the command line asks for names (and nothing that prints the
/// answer otherwise: `-i`, `-w`, `--output-file`, `--wait`).
pub fn wanted(g: &Globals) -> bool {
    (g.names || g.output.as_deref() == Some("table"))
        && !g.include
        && g.write_out.is_none()
        && g.output_file.is_none()
        && !g.wait
}

/// The operation that gives one item's details (with a `name`), when `op`
/// answers a list of IDs.
pub fn detail_operation(cat: Catalogue, op: &'static Operation) -> Option<&'static Operation> {
    if !op.method.eq_ignore_ascii_case("GET") || !lists_ids(cat, op) {
        return None;
    }
    let last = op.path.rsplit('/').next()?;
    let canonical = format!("/{}", last.strip_prefix("effective_").unwrap_or(last));
    let is_detail = |d: &&'static Operation, base: &str| {
        d.method.eq_ignore_ascii_case("GET")
            && d.path.strip_prefix(base).is_some_and(|rest| {
                rest.strip_prefix("/{")
                    .and_then(|r| r.strip_suffix('}'))
                    .is_some_and(|p| !p.is_empty() && !p.contains(['/', '{', '}']))
            })
            && has_name(cat, d)
    };
    cat.operations()
        .find(|d| is_detail(d, op.path))
        .or_else(|| {
            // The canonical path takes the ID alone.
            cat.operations()
                .find(|d| is_detail(d, &canonical) && d.path.matches('{').count() == 1)
        })
}

fn ok_schema(op: &'static Operation) -> Option<&'static Schema> {
    op.responses
        .iter()
        .find(|r| r.code == 200)
        .and_then(|r| r.schema.as_ref())
}

/// The 200 answer is an object with one field, an array of strings.
pub(crate) fn lists_ids(cat: Catalogue, op: &'static Operation) -> bool {
    let Some(Schema::Object(obj)) = ok_schema(op).map(|s| cat.resolve(s)) else {
        return false;
    };
    let [field] = obj.fields else {
        return false;
    };
    match cat.resolve(&field.schema) {
        Schema::Array { items, .. } => matches!(cat.resolve(items), Schema::String { .. }),
        _ => false,
    }
}

fn has_name(cat: Catalogue, op: &'static Operation) -> bool {
    match ok_schema(op).map(|s| cat.resolve(s)) {
        Some(Schema::Object(obj)) => obj.fields.iter().any(|f| f.name == "name"),
        _ => false,
    }
}

/// The hook before sending: `None` when names do not apply (the call is
/// sent as usual); else the outcome of the list call printed with names.
pub fn run(req: &Request, cat: Catalogue, g: &Globals) -> Option<Result<u8, Failure>> {
    if !wanted(g) || req.body.is_some() || req.upload.is_some() {
        return None;
    }
    let detail = detail_operation(cat, req.operation)?;
    let started = Instant::now();
    let fetched = match crate::net::fetch(req, g) {
        Ok(f) => f,
        Err(f) => return Some(Err(f)),
    };
    // An error, or an answer not of the expected shape: sent again the
    // usual way (a GET), which prints it as any answer.
    if !(200..300).contains(&fetched.status) {
        return None;
    }
    let ids = ids_of(&fetched.body)?;
    let names = crate::ids::names_for(req, detail, g, &ids, started);
    let failed = names.iter().filter(|n| n.is_none()).count();
    if failed > 0 && g.warnings() {
        let _ = writeln!(
            std::io::stderr(),
            "{}",
            crate::output::labelled(&format!(
                "warning: the name of {failed} of {} IDs could not be fetched ({}); it is left empty",
                ids.len(),
                detail.name
            ))
        );
    }
    let rows: Vec<Value> = ids
        .iter()
        .zip(&names)
        .map(|(id, name)| json!({"id": id, "name": name.clone().unwrap_or_default()}))
        .collect();
    Some(print(&rows, g))
}

/// The IDs of a list answer: `{"field": ["id", …]}`.
pub fn ids_of(body: &[u8]) -> Option<Vec<String>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let o = v.as_object()?;
    if o.len() != 1 {
        return None;
    }
    o.values()
        .next()?
        .as_array()?
        .iter()
        .map(|i| i.as_str().map(str::to_owned))
        .collect()
}

/// The list's URL without its query, and the part before the operation's
/// path (`https://host/api/v3/onezone`), to build details on the same origin.
struct Base {
    list: url::Url,
    root: url::Url,
}

fn list_url(req: &Request) -> Option<Base> {
    let mut list = url::Url::parse(&req.url).ok()?;
    list.set_query(None);
    list.set_fragment(None);
    let depth = req.operation.path.trim_matches('/').split('/').count();
    let mut root = list.clone();
    {
        let mut segs = root.path_segments_mut().ok()?;
        segs.pop_if_empty();
        for _ in 0..depth {
            segs.pop();
        }
    }
    Some(Base { list, root })
}

fn detail_url(base: &Base, detail: &'static Operation, canonical: bool, id: &str) -> String {
    let mut url = if canonical {
        let mut u = base.root.clone();
        if let Ok(mut segs) = u.path_segments_mut() {
            segs.pop_if_empty();
            for seg in detail.path.trim_matches('/').split('/') {
                if seg.starts_with('{') {
                    segs.push(id);
                } else {
                    segs.push(seg);
                }
            }
        }
        u
    } else {
        let mut u = base.list.clone();
        if let Ok(mut segs) = u.path_segments_mut() {
            segs.pop_if_empty().push(id);
        }
        u
    };
    url.set_query(None);
    url.into()
}

/// Each ID's name, in order, fetched from `detail` on the list's origin
/// (`req` is the list's request), at most [`PARALLEL`] at a time and within
/// `-m` counted from `started`; `None` where it could not be fetched.
pub(crate) fn fetch_names(
    req: &Request,
    detail: &'static Operation,
    g: &Globals,
    ids: &[String],
    started: Instant,
) -> Vec<Option<String>> {
    let Some(base) = list_url(req) else {
        return vec![None; ids.len()];
    };
    let canonical = !detail.path.starts_with(req.operation.path);
    // 0 is no limit.
    let limit = g.max_time.filter(|m| *m > 0.0).map(Duration::from_secs_f64);
    let next = AtomicUsize::new(0);
    let names: Mutex<Vec<Option<String>>> = Mutex::new(vec![None; ids.len()]);
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(id) = ids.get(i) else { break };
        let mut g = g.clone();
        if let Some(limit) = limit {
            match limit.checked_sub(started.elapsed()) {
                Some(left) if !left.is_zero() => g.max_time = Some(left.as_secs_f64()),
                _ => break,
            }
        }
        let mut one = req.clone();
        one.operation = detail;
        one.method = "GET";
        one.url = detail_url(&base, detail, canonical, id);
        one.body = None;
        one.upload = None;
        let name = crate::net::fetch(&one, &g)
            .ok()
            .filter(|f| (200..300).contains(&f.status) && f.credential_dropped_for.is_none())
            .and_then(|f| serde_json::from_slice::<Value>(&f.body).ok())
            .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_owned));
        if let Ok(mut names) = names.lock() {
            names[i] = name;
        }
    };
    let threads = ids.len().min(PARALLEL);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(worker);
        }
    });
    names.into_inner().unwrap_or_default()
}

/// `-o table`: two columns; else (`--names`) JSON, one line.
fn print(rows: &[Value], g: &Globals) -> Result<u8, Failure> {
    let list = Value::Array(rows.to_vec());
    let text = if g.output.as_deref() == Some("table") {
        let stdout = std::io::stdout();
        let width = if stdout.is_terminal() {
            console::Term::stdout().size_checked().map(|(_, w)| w)
        } else {
            None
        };
        let unicode =
            stdout.is_terminal() && crate::output::unicode_locale(|k| std::env::var(k).ok());
        if rows.is_empty() {
            crate::output::table(&json!({"id": []}), width, unicode) + "\n"
        } else {
            crate::output::table(&list, width, unicode) + "\n"
        }
    } else {
        list.to_string() + "\n"
    };
    exit::print(text.as_bytes()).map(|()| exit::OK)
}
