//! Oneprovider, as the fake's provider ([`crate::PROVIDER_ID`]): the spaces
//! it supports (Onezone's state says which) and their files (the tree in
//! `files.rs`, contents in `store.rs`), for the operations that need them.
//! A user may use a space they are an effective member of; other spaces
//! are 403, unknown ids 404. Every other operation answers its catalogue
//! sample. Answers take the release's shape (`shape.rs`).

use crate::call::{Call, Reply};
use crate::checks::ApiError;
use crate::files::{posix, FileKind, Node};
use crate::http::{FileBody, Response};
use crate::range::{self, Range};
use crate::server::{lock, Shared};
use crate::shape::{answer, field, fit, items};
use crate::state::SupportedSpace;
use crate::util::percent_encode as enc;
use crate::{PROVIDER_ID, PROVIDER_NAME};
use base64::Engine as _;
use onedata_catalogue::Schema;
use serde_json::{json, Value};
use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::sync::Arc;

/// The page size of a listing when the request gives none, and the largest.
const MAX_LIMIT: u64 = 1000;
/// Files may not grow beyond this (a write at a far offset would make a
/// huge sparse file).
const MAX_FILE: u64 = 4 << 30;

type Handled = Result<Option<Reply>, ApiError>;

fn json200(v: Value) -> Handled {
    Ok(Some(Reply::Json(200, v)))
}

/// Acts on the operations with state; `Ok(None)` leaves the answer to the
/// catalogue.
pub(crate) fn handle(shared: &Shared, call: &Call) -> Handled {
    match call.route.op.name {
        "getConfiguration" => json200(configuration(call)),
        "getAllSpaces" => all_spaces(shared, call),
        "getSpace" => space(shared, call),
        "createFile" => create_file(shared, call),
        "listChildren" => list_children(shared, call),
        "getAttrs" => attrs(shared, call),
        "downloadFileContent" => download(shared, call),
        "updateFileContent" => update(shared, call),
        "removeFile" => remove(shared, call),
        _ => Ok(None),
    }
}

fn configuration(call: &Call) -> Value {
    let op = call.route.op;
    let versions = json!([call.release]);
    let offered = [
        ("providerId", json!(PROVIDER_ID)),
        ("name", json!(PROVIDER_NAME)),
        ("domain", json!(call.domain)),
        ("onezoneDomain", json!(call.domain)),
        ("version", json!(call.release)),
        ("build", json!("fake")),
        ("compatibleOnezoneVersions", versions.clone()),
        ("compatibleOneproviderVersions", versions.clone()),
        ("compatibleOneclientVersions", versions),
    ];
    answer(op).map_or(Value::Null, |s| fit(call.route.cat, s, &offered))
}

/// The spaces the provider supports that the caller may use, each with
/// its root directory's id.
fn spaces_of_caller(
    shared: &Shared,
    call: &Call,
) -> Result<Vec<(SupportedSpace, String)>, ApiError> {
    let uid = call.user()?;
    let spaces: Vec<SupportedSpace> = {
        let state = lock(&shared.state);
        state
            .supported_spaces(PROVIDER_ID)
            .into_iter()
            .filter(|s| state.space_access(&s.id, &uid).is_ok())
            .collect()
    };
    let mut files = lock(&shared.files);
    Ok(spaces
        .into_iter()
        .map(|s| {
            let root = files.root(&s.id, &s.name);
            (s, root)
        })
        .collect())
}

/// A space as getAllSpaces and getSpace show it, in `schema`'s shape.
fn space_json(call: &Call, schema: &'static Schema, s: &SupportedSpace, root: &str) -> Value {
    let providers: Vec<Value> = s
        .support
        .keys()
        .map(|pid| {
            let name = if pid == PROVIDER_ID {
                PROVIDER_NAME
            } else {
                pid.as_str()
            };
            json!({"providerId": pid, "providerName": name})
        })
        .collect();
    fit(
        call.route.cat,
        schema,
        &[
            ("spaceId", json!(s.id)),
            ("name", json!(s.name)),
            ("fileId", json!(root)),
            ("dirId", json!(root)),
            ("providers", json!(providers)),
        ],
    )
}

fn all_spaces(shared: &Shared, call: &Call) -> Handled {
    let cat = call.route.cat;
    let Some(item) = answer(call.route.op).and_then(|s| items(cat, s)) else {
        return Ok(None);
    };
    let list: Vec<Value> = spaces_of_caller(shared, call)?
        .iter()
        .map(|(s, root)| space_json(call, item, s, root))
        .collect();
    json200(Value::Array(list))
}

fn space(shared: &Shared, call: &Call) -> Handled {
    let sid = call.p("sid");
    let uid = call.user()?;
    lock(&shared.state).space_access(&sid, &uid)?;
    let Some((s, root)) = spaces_of_caller(shared, call)?
        .into_iter()
        .find(|(s, _)| s.id == sid)
    else {
        return Err(ApiError::not_found(&format!(
            "space {sid} supported by this provider"
        )));
    };
    let Some(schema) = answer(call.route.op) else {
        return Ok(None);
    };
    json200(space_json(call, schema, &s, &root))
}

/// File `{id}` of the request, if the caller may use its space.
fn file(shared: &Shared, call: &Call) -> Result<Node, ApiError> {
    let uid = call.user()?;
    let node = lock(&shared.files).get(&call.p("id"))?.clone();
    lock(&shared.state).space_access(&node.space, &uid)?;
    Ok(node)
}

/// An integer query parameter (already checked to be one) or body field.
fn number(call: &Call, name: &str) -> Option<i64> {
    call.query(name)
        .and_then(|v| v.parse().ok())
        .or_else(|| call.body.and_then(|b| b.get(name)).and_then(Value::as_i64))
}

/// A non-negative number, or 400.
fn offset(call: &Call, name: &str) -> Result<Option<u64>, ApiError> {
    number(call, name)
        .map(|n| {
            u64::try_from(n).map_err(|_| {
                ApiError::new(
                    400,
                    "badValueTooLow",
                    format!("Bad value: {name} must be at least 0."),
                )
                .details(json!({"key": name, "limit": 0}))
            })
        })
        .transpose()
}

/// Puts the upload into the content file at `path`: from `offset`,
/// keeping what lies beyond; without an offset as the whole content (none
/// came: the file is emptied). Beyond [`MAX_FILE`]: `efbig`.
fn write_content(call: &Call, path: &Path, offset: Option<u64>) -> Result<(), ApiError> {
    let len = call.upload.map_or(0, |up| up.len);
    if offset.unwrap_or(0).saturating_add(len) > MAX_FILE {
        return Err(posix("efbig"));
    }
    match (call.upload, offset) {
        (Some(up), Some(o)) => up.write_into(path, o),
        (Some(up), None) => up.move_to(path),
        (None, Some(_)) => Ok(()),
        (None, None) => File::create(path).map(drop),
    }
    .map_err(|e| internal(&e))
}

fn internal(e: &io::Error) -> ApiError {
    ApiError::new(
        500,
        "internalServerError",
        format!("The fake could not store the content: {e}."),
    )
}

fn create_file(shared: &Shared, call: &Call) -> Handled {
    let parent = file(shared, call)?;
    let kind = match call.query("type").map(str::to_ascii_uppercase).as_deref() {
        None | Some("REG") => FileKind::Reg,
        Some("DIR") => FileKind::Dir,
        Some(other) => {
            return Err(ApiError::new(
                400,
                "badValueNotAllowed",
                format!("Bad value: type {other} is not made by the fake (REG or DIR)."),
            )
            .details(json!({"key": "type", "allowed": ["REG", "DIR"]})))
        }
    };
    let offset = offset(call, "offset")?;
    let name = call.query("name").unwrap_or_default();
    let owner = call.user()?;
    let id = {
        let mut files = lock(&shared.files);
        let id = files.create(&parent.id, name, kind, &owner)?;
        // A regular file has its (empty) content as soon as it is listed.
        if kind == FileKind::Reg {
            if let Err(e) = File::create(shared.store.content(&id)) {
                let _ = files.remove(&id);
                return Err(internal(&e));
            }
        }
        id
    };
    if kind == FileKind::Reg {
        let path = shared.store.content(&id);
        // A new file: an upload at offset 0 is its whole content.
        if let Err(e) = write_content(call, &path, offset.filter(|o| *o > 0)) {
            let _ = lock(&shared.files).remove(&id);
            let _ = fs::remove_file(&path);
            return Err(e);
        }
    }
    Ok(Some(Reply::Located(
        201,
        format!("/data/{}", enc(&id)),
        Some(json!({ "fileId": id })),
    )))
}

fn update(shared: &Shared, call: &Call) -> Handled {
    let node = file(shared, call)?;
    if node.kind == FileKind::Dir {
        return Err(posix("eisdir"));
    }
    let offset = offset(call, "offset")?;
    let path = shared.store.content(&node.id);
    write_content(call, &path, offset)?;
    lock(&shared.files).touch(&node.id);
    Ok(Some(Reply::Empty(204)))
}

fn remove(shared: &Shared, call: &Call) -> Handled {
    let node = file(shared, call)?;
    let gone = lock(&shared.files).remove(&node.id)?;
    for id in gone {
        let _ = fs::remove_file(shared.store.content(&id));
    }
    Ok(Some(Reply::Empty(204)))
}

fn size(shared: &Shared, node: &Node) -> u64 {
    match node.kind {
        FileKind::Dir => 0,
        FileKind::Reg => fs::metadata(shared.store.content(&node.id)).map_or(0, |m| m.len()),
    }
}

/// Every attribute of a file under every name and form releases use;
/// [`fit`] keeps the release's.
fn attributes(shared: &Shared, node: &Node) -> Vec<(&'static str, Value)> {
    let (upper, lower, mode) = match node.kind {
        FileKind::Reg => ("REG", "reg", 0o644),
        FileKind::Dir => ("DIR", "dir", 0o755),
    };
    let path = lock(&shared.files).path(&node.id);
    let parent = json!(node.parent);
    vec![
        ("id", json!(node.id)),
        ("fileId", json!(node.id)),
        ("file_id", json!(node.id)),
        ("name", json!(node.name)),
        ("index", json!(node.name)),
        ("path", json!(path)),
        ("type", json!(upper)),
        ("type", json!(lower)),
        ("size", json!(size(shared, node))),
        ("mode", json!(format!("{mode:o}"))),
        ("mode", json!(mode)),
        ("posixPermissions", json!(format!("{mode:o}"))),
        ("atime", json!(node.mtime)),
        ("mtime", json!(node.mtime)),
        ("ctime", json!(node.ctime)),
        ("creationTime", json!(node.ctime)),
        ("owner_id", json!(node.owner)),
        ("ownerUserId", json!(node.owner)),
        ("parent_id", parent.clone()),
        ("parentFileId", parent),
        ("provider_id", json!(PROVIDER_ID)),
        ("originProviderId", json!(PROVIDER_ID)),
        ("shares", json!([])),
        ("directShareIds", json!([])),
        ("hardlinks_count", json!(1)),
        ("hardlinkCount", json!(1)),
    ]
}

/// The attribute names asked for: `attribute` query parameters (up to
/// 21.02.4), or the body's `attributes` (since 21.02.5); empty: all.
fn wanted(call: &Call) -> Vec<String> {
    let mut names: Vec<String> = call
        .query
        .iter()
        .filter(|(n, _)| n == "attribute")
        .map(|(_, v)| v.clone())
        .collect();
    if let Some(Value::Array(list)) = call.body.and_then(|b| b.get("attributes")) {
        names.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    names
}

/// `v` with only the `wanted` fields (all when none are).
fn only(mut v: Value, wanted: &[String]) -> Value {
    if let (Value::Object(m), false) = (&mut v, wanted.is_empty()) {
        m.retain(|k, _| wanted.iter().any(|w| w == k));
    }
    v
}

fn attrs(shared: &Shared, call: &Call) -> Handled {
    let node = file(shared, call)?;
    let Some(schema) = answer(call.route.op) else {
        return Ok(None);
    };
    let v = fit(call.route.cat, schema, &attributes(shared, &node));
    json200(only(v, &wanted(call)))
}

/// Listing tokens: where the next page starts, opaque to clients.
fn page_token(start: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("fake-listing:{start}"))
}

fn token_start(token: &str) -> Result<u64, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("fake-listing:")?.parse().ok())
        .ok_or_else(|| {
            ApiError::new(
                400,
                "badValue",
                "Bad value: token is not a listing token of this fake.",
            )
            .details(json!({"key": "token"}))
        })
}

fn list_children(shared: &Shared, call: &Call) -> Handled {
    let cat = call.route.cat;
    let dir = file(shared, call)?;
    if dir.kind != FileKind::Dir {
        return Err(posix("enotdir"));
    }
    let limit = match number(call, "limit") {
        None => MAX_LIMIT,
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as u64,
        Some(_) => {
            return Err(ApiError::new(
                400,
                "badValueNotInRange",
                format!("Bad value: limit must be between 1 and {MAX_LIMIT}."),
            )
            .details(json!({"key": "limit", "low": 1, "high": MAX_LIMIT})))
        }
    };
    let from_token = match call
        .query("token")
        .map(str::to_owned)
        .or_else(|| call.str_field("token"))
    {
        Some(t) => token_start(&t)?,
        None => 0,
    };
    let start = from_token.saturating_add(offset(call, "offset")?.unwrap_or(0));
    let Some(schema) = answer(call.route.op) else {
        return Ok(None);
    };
    let Some(item) = field(cat, schema, "children").and_then(|c| items(cat, c)) else {
        return Ok(None);
    };
    let all: Vec<Node> = lock(&shared.files)
        .children(&dir.id)
        .into_iter()
        .cloned()
        .collect();
    let wanted = wanted(call);
    let total = all.len() as u64;
    let children: Vec<Value> = all
        .iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|n| only(fit(cat, item, &attributes(shared, n)), &wanted))
        .collect();
    let next = start.saturating_add(limit);
    let is_last = next >= total;
    let mut offered = vec![("children", json!(children)), ("isLast", json!(is_last))];
    if !is_last {
        offered.push(("nextPageToken", json!(page_token(next))));
    }
    json200(fit(cat, schema, &offered))
}

fn download(shared: &Shared, call: &Call) -> Handled {
    let node = file(shared, call)?;
    if node.kind == FileKind::Dir {
        return Err(posix("eisdir"));
    }
    let file = File::open(shared.store.content(&node.id)).map_err(|e| internal(&e))?;
    let size = file.metadata().map_err(|e| internal(&e))?.len();
    let file = Arc::new(file);
    let resp = |status, offset, len| {
        Response::new(status)
            .header("Content-Type", "application/octet-stream")
            .header("Accept-Ranges", "bytes")
            .with_file(FileBody {
                file: Arc::clone(&file),
                offset,
                len,
            })
    };
    let r = match range::parse(call.head.header("range"), size) {
        Range::Full => resp(200, 0, size),
        Range::Part { first, last } => resp(206, first, last - first + 1)
            .header("Content-Range", format!("bytes {first}-{last}/{size}")),
        Range::Unsatisfiable => {
            let err = ApiError::new(
                416,
                "rangeNotSatisfiable",
                format!("The range is outside the file's {size} bytes."),
            )
            .details(json!({"size": size}));
            Response::json(416, &err.body()).header("Content-Range", format!("bytes */{size}"))
        }
    };
    Ok(Some(Reply::Raw(r)))
}
