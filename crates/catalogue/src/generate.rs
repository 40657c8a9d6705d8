//! Turns one Swagger 2.0 spec (one release of one service) into a
//! catalogue of that release ([`ServiceData`]); `merge` combines several.
//!
//! The catalogue holds facts only: names, methods, paths, parameters, types,
//! required flags, enums, content types, response codes, privileges and
//! deprecations. No description, summary or example text of the spec is
//! copied; the one-line summaries are derived from the operation names.
//!
//! Known spec bugs are corrected here, each one in a function of its own that
//! says what it does (see DESIGN.md §4).

use crate::model::{ServiceData, FORMAT};
use serde_json::{json, Map, Value};
use std::cell::Cell;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Bounds on what one spec may hold, so that a hostile one cannot make the
/// generator run or grow without end. The Onedata specs stay far below
/// (Onezone 21.02.7: 392 operations, 165 definitions, 34 properties at the
/// most, about 3,000 fields in all).
const MAX_OPERATIONS: usize = 10_000;
const MAX_DEFINITIONS: usize = 5_000;
const MAX_PROPERTIES: usize = 5_000;
/// Fields written in all, `allOf` copies included.
const MAX_FIELDS: usize = 250_000;
/// Tags: each is listed with its operations in `--help`.
const MAX_TAGS: usize = 1_000;

/// A spec the generator cannot use: what is wrong, and where (a path into
/// the spec such as `paths["/spaces"].post.parameters[0]`).
pub type Result<T> = std::result::Result<T, String>;

macro_rules! bail {
    ($($arg:tt)*) => { return Err(format!($($arg)*)) };
}

/// Prefixes an error with the place it happened.
trait At<T> {
    fn at(self, place: impl FnOnce() -> String) -> Result<T>;
}

impl<T> At<T> for Result<T> {
    fn at(self, place: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| format!("{}: {e}", place()))
    }
}

/// The catalogue of the one release a spec describes.
pub fn generate(spec: &Value) -> Result<ServiceData> {
    let value = generate_value(spec)?;
    printable(&value, &mut String::new())?;
    let mut file: ServiceData = serde_json::from_value(value)
        .map_err(|e| format!("the generated catalogue does not fit its format: {e}"))?;
    crate::alias::settle(&mut file);
    Ok(file)
}

fn generate_value(spec: &Value) -> Result<Value> {
    if spec.get("swagger").and_then(Value::as_str) != Some("2.0") {
        bail!("not a Swagger 2.0 document (no \"swagger\": \"2.0\")");
    }
    let defs = spec
        .get("definitions")
        .and_then(Value::as_object)
        .ok_or("definitions: missing or not an object")?;
    if defs.len() > MAX_DEFINITIONS {
        bail!(
            "definitions: {} of them; specs of up to {MAX_DEFINITIONS} are read",
            defs.len()
        );
    }
    let conv = Converter {
        defs,
        fields: Cell::new(0),
    };

    let mut raw_ops = Vec::new();
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("paths: missing or not an object")?;
    for (path, item) in paths {
        let item = item
            .as_object()
            .ok_or_else(|| format!("paths[{path:?}]: not an object"))?;
        for (method, op) in item {
            if !["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                continue;
            }
            raw_ops.push((path.as_str(), method.as_str(), op));
        }
        if raw_ops.len() > MAX_OPERATIONS {
            bail!("paths: more than {MAX_OPERATIONS} operations; such specs are not read");
        }
    }
    let known_ids: BTreeSet<&str> = raw_ops
        .iter()
        .filter_map(|(_, _, op)| op.get("operationId").and_then(Value::as_str))
        .collect();

    let mut operations = Vec::new();
    for (path, method, op) in &raw_ops {
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("paths[{path:?}].{method}: no operationId"))?;
        let entry = conv
            .operation(id, path, method, op, &known_ids)
            .at(|| format!("paths[{path:?}].{method} ({})", id.escape_debug()))?;
        operations.push(entry);
    }
    split_duplicate_handle_service_privileges(&mut operations)?;
    use_create_requests_for_create_bodies(&mut operations, defs);

    let mut aliases = Vec::new();
    for ((_, _, op), entry) in raw_ops.iter().zip(&operations) {
        for alias in crate::alias::sample_names(op) {
            aliases.push(json!({
                "alias": alias,
                "name": entry["name"],
                "source": crate::alias::EXAMPLE,
            }));
        }
    }

    let mut seen = BTreeSet::new();
    for op in &operations {
        let name = op["name"].as_str().unwrap_or_default().to_owned();
        if !seen.insert(name.clone()) {
            bail!("operation name {name:?} occurs twice; add a rule for it to the generator");
        }
    }

    let mut schemas = Map::new();
    for (name, def) in defs {
        let schema = conv
            .schema(def, Some(name))
            .at(|| format!("definitions[{name:?}]"))?;
        schemas.insert(name.clone(), schema);
    }
    fix_harvester_gui_plugin_config(&mut schemas)?;
    fix_invite_token_usage_limit(&mut schemas);
    break_ref_cycles(&mut schemas);

    let version = spec
        .pointer("/info/version")
        .and_then(Value::as_str)
        .ok_or("info.version: missing")?;
    if crate::release::parse(version).is_none() {
        bail!("info.version: {version:?} is not a release number such as 21.02.7");
    }
    let base_path = spec.get("basePath").and_then(Value::as_str).unwrap_or("");
    let service = base_path
        .rsplit('/')
        .find(|s| !s.is_empty())
        .ok_or("basePath: missing; it names the service (/api/v3/onezone)")?;
    let title = spec
        .pointer("/info/title")
        .and_then(Value::as_str)
        .filter(|t| t.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') && !t.is_empty())
        .map_or_else(|| title_of(service), str::to_owned);
    let mut schemas: Vec<Value> = schemas
        .into_iter()
        .map(|(name, schema)| json!({ "name": name, "versions": [{ "schema": schema }] }))
        .collect();
    schemas.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    Ok(json!({
        "format": FORMAT,
        "service": service,
        "title": title,
        "basePath": base_path,
        "releases": [version],
        "auth": security_schemes(spec),
        "tags": tags(spec, &operations)?,
        "operations": operations,
        "schemas": schemas,
        "aliases": aliases,
    }))
}

/// `onezone` → `Onezone`.
fn title_of(service: &str) -> String {
    let mut chars = service.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Refuses a catalogue with a control character in any of its texts
/// (names, paths, enum values, …): help, completion and errors print them
/// to the user's terminal, and no real spec has one. C0 and C1 controls,
/// DEL, and the bidirectional overrides and isolates count. `at` is the
/// place being looked at, for the message.
fn printable(v: &Value, at: &mut String) -> Result<()> {
    let len = at.len();
    let result = match v {
        Value::String(s) => match s.chars().find(|c| is_control(*c)) {
            Some(c) => Err(format!(
                "{}: the text {:?} holds the control character U+{:04X}; specs with \
                 control characters are not read",
                at.trim_start_matches('.'),
                s.escape_debug().to_string(),
                u32::from(c)
            )),
            None => Ok(()),
        },
        Value::Array(list) => list.iter().enumerate().try_for_each(|(i, x)| {
            at.truncate(len);
            at.push_str(&format!("[{i}]"));
            printable(x, at)
        }),
        Value::Object(m) => m.iter().try_for_each(|(k, x)| {
            at.truncate(len);
            at.push('.');
            at.push_str(k);
            printable(&Value::String(k.clone()), at)?;
            printable(x, at)
        }),
        _ => Ok(()),
    };
    at.truncate(len);
    result
}

fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `create_space_support_token` → `createSpaceSupportToken`.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    for (i, word) in snake.split('_').filter(|w| !w.is_empty()).enumerate() {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.extend(first.to_lowercase());
            } else {
                out.extend(first.to_uppercase());
            }
            out.push_str(chars.as_str());
        }
    }
    out
}

/// Our own one-line summary: the words of the operation id as a sentence.
fn summary_of(snake: &str) -> String {
    let words = snake.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The one-line summary of an operation, from facts only: the action and
/// the resource that its method and path say (`List the spaces of a group
/// (effective)`), or else the words of its id; then whose it is (`for the
/// current user` under `/user`) and `(admin)` when only `oz_*` admin
/// privileges allow it.
fn operation_summary(id: &str, method: &str, path: &str, privileges: &[String]) -> String {
    let mut effective = false;
    let mut out = structural_summary(method, path, &mut effective)
        .filter(|s| says_as_much(id, s))
        .unwrap_or_else(|| {
            effective = false;
            summary_of(id)
        });
    let own = path == "/user" || path.starts_with("/user/");
    if own && !out.to_lowercase().split(' ').any(|w| w == "user") && !out.contains("current user") {
        out.push_str(" for the current user");
    }
    let mut marks = Vec::new();
    if effective || (path.contains("effective") && !out.to_lowercase().contains("effective")) {
        marks.push("effective");
    }
    if !privileges.is_empty() && privileges.iter().all(|p| p.starts_with("oz_")) {
        marks.push("admin");
    }
    if !marks.is_empty() {
        out.push_str(&format!(" ({})", marks.join(", ")));
    }
    out
}

/// Whether the summary from the path says what the id says: the id's
/// verb is one the path's action stands for, and every other word of the
/// id (a plural as its singular) is in it. `cancel_transfer` is not
/// `Remove a transfer`, nor is `list_space_top_datasets` `List the
/// datasets of a space`.
fn says_as_much(id: &str, structural: &str) -> bool {
    const VERBS: &[(&str, &[&str])] = &[
        ("List", &["get", "list"]),
        ("Get", &["get"]),
        ("Create", &["create", "add"]),
        ("Add", &["add", "create"]),
        ("Modify", &["update", "modify"]),
        ("Replace", &["update", "set", "replace"]),
        ("Remove", &["remove", "delete"]),
    ];
    let stem = |w: &str| plural(w).map_or_else(|| w.to_owned(), |(_, sg)| sg);
    let said: Vec<String> = structural.split(' ').map(stem).collect();
    let action = structural.split(' ').next().unwrap_or_default();
    let Some((_, verbs)) = VERBS.iter().find(|(a, _)| *a == action) else {
        return false;
    };
    let words: Vec<&str> = id.split('_').filter(|w| *w != "oz").collect();
    let Some(verb) = words.iter().position(|w| verbs.contains(w)) else {
        return false;
    };
    words
        .iter()
        .enumerate()
        .filter(|(i, w)| *i != verb && !["all", "current", "effective"].contains(*w))
        .all(|(_, w)| {
            said.contains(&stem(w)) || (*w == "user" && said.contains(&"current".to_owned()))
        })
}

/// A plural path segment as words, and its singular (`handle_services`:
/// handle services, handle service); `None` for a segment that is no
/// plural noun.
fn plural(seg: &str) -> Option<(String, String)> {
    let words = seg.replace('_', " ");
    let singular = if let Some(stem) = words.strip_suffix("indices") {
        format!("{stem}index")
    } else if let Some(stem) = words.strip_suffix("children") {
        format!("{stem}child")
    } else if let Some(stem) = words.strip_suffix("ies") {
        format!("{stem}y")
    } else if words.ends_with("ss") || words.ends_with("us") {
        return None;
    } else {
        words.strip_suffix('s')?.to_owned()
    };
    if words.is_empty() || !words.chars().all(|c| c.is_ascii_lowercase() || c == ' ') {
        return None;
    }
    Some((words, singular))
}

/// `a space`, `an index`.
fn a(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

/// The action and resource of the regular paths: `/spaces`,
/// `/spaces/{id}`, `/spaces/{id}/users`, `/spaces/{id}/users/{uid}`,
/// and the same under `/user` (the current user's).
fn structural_summary(method: &str, path: &str, effective: &mut bool) -> Option<String> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let param = |s: &str| s.starts_with('{');
    let sub = |s: &str, effective: &mut bool| {
        let s = match s.strip_prefix("effective_") {
            Some(rest) => {
                *effective = true;
                rest
            }
            None => s,
        };
        plural(s)
    };
    let m = method.to_ascii_uppercase();
    let text = match segs.as_slice() {
        ["user", coll] if !param(coll) => {
            let (pl, sg) = sub(coll, effective)?;
            match m.as_str() {
                "GET" => format!("List the {pl} of the current user"),
                "POST" => format!("Create {} for the current user", a(&sg)),
                _ => return None,
            }
        }
        ["user", coll, id] if !param(coll) && param(id) => {
            let (_, sg) = sub(coll, effective)?;
            match m.as_str() {
                "GET" => format!("Get {} of the current user", a(&sg)),
                "PUT" => format!("Add {} to the current user", a(&sg)),
                "PATCH" => format!("Modify {} of the current user", a(&sg)),
                "DELETE" => format!("Remove {} from the current user", a(&sg)),
                _ => return None,
            }
        }
        [coll] if !param(coll) && *coll != "user" => {
            let (pl, sg) = plural(coll)?;
            match m.as_str() {
                "GET" => format!("List the {pl}"),
                "POST" => format!("Create {}", a(&sg)),
                _ => return None,
            }
        }
        [coll, id] if !param(coll) && param(id) => {
            let (_, sg) = plural(coll)?;
            match m.as_str() {
                "GET" => format!("Get {}", a(&sg)),
                "PATCH" => format!("Modify {}", a(&sg)),
                "PUT" => format!("Replace {}", a(&sg)),
                "DELETE" => format!("Remove {}", a(&sg)),
                _ => return None,
            }
        }
        [coll, id, child] if !param(coll) && param(id) && !param(child) => {
            let (_, owner) = plural(coll)?;
            let (pl, sg) = sub(child, effective)?;
            match m.as_str() {
                "GET" => format!("List the {pl} of {}", a(&owner)),
                "POST" => format!("Create {} for {}", a(&sg), a(&owner)),
                _ => return None,
            }
        }
        [coll, id, child, cid] if !param(coll) && param(id) && !param(child) && param(cid) => {
            let (_, owner) = plural(coll)?;
            let (_, sg) = sub(child, effective)?;
            match m.as_str() {
                "GET" => format!("Get {} of {}", a(&sg), a(&owner)),
                "PUT" => format!("Add {} to {}", a(&sg), a(&owner)),
                "PATCH" => format!("Modify {} of {}", a(&sg), a(&owner)),
                "DELETE" => format!("Remove {} from {}", a(&sg), a(&owner)),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(text)
}

fn security_schemes(spec: &Value) -> Value {
    let mut out = Vec::new();
    if let Some(defs) = spec.get("securityDefinitions").and_then(Value::as_object) {
        for scheme in defs.values() {
            match scheme.get("type").and_then(Value::as_str) {
                Some("basic") => out.push(json!({"type": "basic"})),
                Some("apiKey") => out.push(json!({
                    "type": "header",
                    "name": scheme.get("name").cloned().unwrap_or(Value::Null),
                })),
                _ => {}
            }
        }
    }
    Value::Array(out)
}

/// Tags in the order of the spec's tag groups, then any others in order of use.
fn tags(spec: &Value, operations: &[Value]) -> Result<Value> {
    let mut order: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut push = |t: &str| {
        if seen.insert(t.to_owned()) {
            order.push(t.to_owned());
        }
    };
    if let Some(groups) = spec.get("x-tagGroups").and_then(Value::as_array) {
        for g in groups {
            for t in g
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(t) = t.as_str() {
                    push(t);
                }
            }
        }
    }
    for op in operations {
        if let Some(t) = op["tag"].as_str() {
            push(t);
        }
    }
    let used: HashSet<&str> = operations
        .iter()
        .filter_map(|op| op["tag"].as_str())
        .collect();
    order.retain(|t| used.contains(t.as_str()));
    if order.len() > MAX_TAGS {
        return Err(format!(
            "tags: {} of them; specs of up to {MAX_TAGS} are read",
            order.len()
        ));
    }
    Ok(json!(order))
}

struct Converter<'a> {
    defs: &'a Map<String, Value>,
    /// Fields written so far (see [`MAX_FIELDS`]).
    fields: Cell<usize>,
}

impl Converter<'_> {
    fn operation(
        &self,
        id: &str,
        path: &str,
        method: &str,
        op: &Value,
        known_ids: &BTreeSet<&str>,
    ) -> Result<Value> {
        let mut params = Vec::new();
        let mut body = Value::Null;
        for p in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let location = p.get("in").and_then(Value::as_str).unwrap_or_default();
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            match location {
                "path" | "query" => {
                    let mut param = Map::new();
                    param.insert("name".into(), json!(name));
                    param.insert("in".into(), json!(location));
                    let mut schema = self.schema(p, None)?;
                    // Onepanel's LUMA mappings type `{username}` and
                    // `{groupname}` as integers; they are names.
                    if location == "path" && name.ends_with("name") && schema["type"] == "integer" {
                        schema = json!({ "type": "string" });
                    }
                    param.insert("schema".into(), schema);
                    // Path parameters are always required in Swagger 2.0.
                    let required = location == "path" || p.get("required") == Some(&json!(true));
                    param.insert("required".into(), json!(required));
                    params.push(Value::Object(param));
                }
                "body" => {
                    let schema = p.get("schema").ok_or("a body parameter without schema")?;
                    body = json!({
                        "required": p.get("required") == Some(&json!(true)),
                        "schema": self.schema(schema, None)?,
                    });
                }
                other => {
                    bail!("parameter {name:?} is in {other:?}, which the catalogue does not model")
                }
            }
        }

        let list = |key: &str| -> Vec<String> {
            op.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        // 23 operations take a JSON body but list no `consumes`, and 119 list
        // no `produces` although they answer JSON: default both to JSON.
        let mut consumes = list("consumes");
        if consumes.is_empty() && !body.is_null() {
            consumes.push("application/json".into());
        }
        if body.is_null() {
            consumes.clear();
        }
        let mut produces = list("produces");
        if produces.is_empty() {
            produces.push("application/json".into());
        }

        let mut responses = Vec::new();
        if let Some(rs) = op.get("responses").and_then(Value::as_object) {
            for (code, r) in rs {
                let Ok(code) = code.parse::<u16>() else {
                    // `default` and other non-numeric keys describe no status.
                    continue;
                };
                let mut resp = Map::new();
                resp.insert("code".into(), json!(code));
                if let Some(schema) = r.get("schema") {
                    let mut schema = self.schema(schema, None)?;
                    if (200..300).contains(&code) {
                        fix_handle_privileges_response(path, &mut schema);
                    }
                    resp.insert("schema".into(), schema);
                }
                let location = r
                    .get("headers")
                    .and_then(Value::as_object)
                    .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("location")));
                if location {
                    resp.insert("location".into(), json!(true));
                }
                responses.push(Value::Object(resp));
            }
        }

        let deprecated = if op.get("deprecated") == Some(&json!(true)) {
            json!({ "replacements": replacements(op, known_ids) })
        } else {
            Value::Null
        };

        let tag = op
            .get("tags")
            .and_then(Value::as_array)
            .and_then(|t| t.first())
            .and_then(Value::as_str)
            .unwrap_or("Other");

        let mut entry = Map::new();
        entry.insert("name".into(), json!(camel_case(id)));
        entry.insert("operationId".into(), json!(id));
        let privileges: Vec<String> = list("x-onedata-permissions");
        entry.insert(
            "summary".into(),
            json!(operation_summary(id, method, path, &privileges)),
        );
        entry.insert("tag".into(), json!(tag));
        entry.insert("method".into(), json!(method.to_uppercase()));
        entry.insert("path".into(), json!(path));
        entry.insert("params".into(), Value::Array(params));
        entry.insert("body".into(), body);
        entry.insert("consumes".into(), json!(consumes));
        entry.insert("produces".into(), json!(produces));
        entry.insert("responses".into(), Value::Array(responses));
        entry.insert("deprecated".into(), deprecated);
        entry.insert("privileges".into(), json!(list("x-onedata-permissions")));
        Ok(Value::Object(entry))
    }

    /// Converts a Swagger schema (or a non-body parameter, which has the same
    /// type keywords) into the catalogue's schema form:
    /// `{"ref"}`, `{"type": "string"|"integer"|"number"|"boolean"|"any", "enum"?}`,
    /// `{"type": "array", "items"}`, or
    /// `{"type": "object", "object": {"fields", "additional"?, "discriminator"?}}`.
    /// The fixes of spec bugs may also write `{"anyOf": [schema, ...]}`: a
    /// value that matches any of the alternatives.
    /// An object with declared fields and no `additionalProperties` is closed:
    /// other fields are rejected. An object with neither is free-form
    /// (`"additional": {"type": "any"}`).
    fn schema(&self, s: &Value, name: Option<&str>) -> Result<Value> {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let target = r
                .strip_prefix("#/definitions/")
                .ok_or_else(|| format!("$ref {r:?} is not a local #/definitions/ reference; aggregate the spec into one file first"))?;
            if !self.defs.contains_key(target) {
                bail!("$ref {r:?} names a definition the spec does not have");
            }
            return Ok(json!({ "ref": target }));
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            return self.all_of(s, parts);
        }
        let ty = s.get("type").and_then(Value::as_str);
        let mut out = Map::new();
        match ty {
            Some("object") | None if s.get("properties").is_some() || ty == Some("object") => {
                out.insert("type".into(), json!("object"));
                let mut object = Map::new();
                let (fields, _) = self.fields(s)?;
                let has_fields = !fields.is_empty();
                object.insert("fields".into(), Value::Array(fields));
                match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {}
                    Some(Value::Bool(true)) => {
                        object.insert("additional".into(), json!({"type": "any"}));
                    }
                    Some(ap) => {
                        object.insert("additional".into(), self.schema(ap, None)?);
                    }
                    None if !has_fields => {
                        object.insert("additional".into(), json!({"type": "any"}));
                    }
                    None => {}
                }
                if let Some(field) = s.get("discriminator").and_then(Value::as_str) {
                    let base = name.ok_or("an inline schema has a discriminator")?;
                    object.insert(
                        "discriminator".into(),
                        json!({ "field": field, "variants": self.variants(base, field) }),
                    );
                }
                out.insert("object".into(), Value::Object(object));
                // Spec bug: `TokenPropertyTokenType` is an object whose `enum`
                // lists strings, so no value could satisfy both. The enum is
                // documentation of the three shapes; we drop it and validate
                // the object by its properties.
            }
            Some("array") => {
                out.insert("type".into(), json!("array"));
                let items = s
                    .get("items")
                    .map_or_else(|| Ok(json!({"type": "any"})), |i| self.schema(i, None))?;
                out.insert("items".into(), items);
                if let Some(min) = s.get("minItems") {
                    let min = min
                        .as_u64()
                        .filter(|n| u32::try_from(*n).is_ok())
                        .ok_or_else(|| format!("minItems: {min} is not a count"))?;
                    out.insert("minItems".into(), json!(min));
                }
            }
            Some(t @ ("string" | "integer" | "number" | "boolean")) => {
                out.insert("type".into(), json!(t));
                if let Some(f) = s.get("format").and_then(Value::as_str) {
                    out.insert("format".into(), json!(f));
                }
                // Only a string's enum is checked; an enum of numbers or
                // mixed values is documentation here, and is dropped.
                if let Some(e) = s.get("enum").and_then(Value::as_array) {
                    if *t == *"string" && e.iter().all(Value::is_string) {
                        out.insert("enum".into(), Value::Array(e.clone()));
                    }
                }
            }
            Some("file") => {
                out.insert("type".into(), json!("binary"));
            }
            None => {
                out.insert("type".into(), json!("any"));
            }
            Some(other) => bail!("unsupported type {other:?}"),
        }
        Ok(Value::Object(out))
    }

    /// Declared fields of an object schema, in the spec's order.
    fn fields(&self, s: &Value) -> Result<(Vec<Value>, BTreeSet<String>)> {
        let required = required_names(s);
        let properties = s.get("properties").and_then(Value::as_object);
        let n = properties.map_or(0, Map::len);
        if n > MAX_PROPERTIES {
            bail!("properties: {n} of them; objects of up to {MAX_PROPERTIES} are read");
        }
        self.fields.set(self.fields.get() + n);
        if self.fields.get() > MAX_FIELDS {
            bail!("more than {MAX_FIELDS} fields in all (allOf copies included); such specs are not read");
        }
        let mut fields = Vec::new();
        for (fname, fs) in properties.into_iter().flatten() {
            let mut field = json!({
                "name": fname,
                "required": required.contains(fname),
                "schema": self.schema(fs, None)?,
            });
            if fs.get("readOnly") == Some(&json!(true)) {
                field["readOnly"] = json!(true);
            }
            fields.push(field);
        }
        Ok((fields, required))
    }

    /// `allOf: [{$ref: Base}, {properties…}]` is how the spec writes one
    /// variant of a polymorphic type; we flatten it into a closed object with
    /// the fields of every part.
    fn all_of(&self, s: &Value, parts: &[Value]) -> Result<Value> {
        let mut fields: Vec<Value> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut required = required_names(s);
        for part in parts {
            let resolved = match part.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let target = r.strip_prefix("#/definitions/").unwrap_or(r);
                    self.defs.get(target).ok_or_else(|| {
                        format!("allOf: $ref {r:?} names a definition the spec does not have")
                    })?
                }
                None => part,
            };
            let (part_fields, part_required) = self.fields(resolved)?;
            required.extend(part_required);
            for f in part_fields {
                let fname = f["name"].as_str().unwrap_or_default().to_owned();
                match index.get(&fname) {
                    Some(&i) => fields[i] = f,
                    None => {
                        index.insert(fname, fields.len());
                        fields.push(f);
                    }
                }
            }
        }
        for f in &mut fields {
            let req = f["name"].as_str().is_some_and(|n| required.contains(n));
            f["required"] = json!(req);
        }
        Ok(json!({ "type": "object", "object": { "fields": fields } }))
    }

    /// The definitions that extend `base` through `allOf`, with the value of
    /// the discriminator field that selects each.
    fn variants(&self, base: &str, field: &str) -> Vec<Value> {
        let target = format!("#/definitions/{base}");
        let mut out = Vec::new();
        for (name, def) in self.defs {
            let Some(parts) = def.get("allOf").and_then(Value::as_array) else {
                continue;
            };
            if !parts
                .iter()
                .any(|p| p.get("$ref").and_then(Value::as_str) == Some(&target))
            {
                continue;
            }
            let value = parts
                .iter()
                .find_map(|p| {
                    let prop = p.pointer(&format!("/properties/{field}"));
                    prop.and_then(|f| f.get("x-discriminator-value"))
                        .or_else(|| prop.and_then(|f| f.pointer("/enum/0")))
                        .or_else(|| p.get("x-discriminator-value"))
                        .and_then(Value::as_str)
                })
                .unwrap_or(name);
            out.push(json!({ "value": value, "ref": name }));
        }
        out
    }
}

/// The names a schema's `required` lists.
fn required_names(s: &Value) -> BTreeSet<String> {
    s.get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Deprecated operations name their replacements as `#operation/<id>` links.
fn replacements(op: &Value, known_ids: &BTreeSet<&str>) -> Vec<String> {
    let text = op
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for (i, _) in text.match_indices("#operation/") {
        let rest = &text[i + "#operation/".len()..];
        let id: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if known_ids.contains(id.as_str()) {
            let name = camel_case(&id);
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// Spec bug: the operationId `update_group_handle_service_privileges` is used
/// for two paths, `/handle_services/{id}/users/{uid}/privileges` and
/// `/handle_services/{id}/groups/{gid}/privileges`; the old Bash client could
/// only reach the first. We keep `updateGroupHandleServicePrivileges` for the
/// groups path, with a path variant so that old scripts that pass `uid=` still
/// reach the users path, and name the users path
/// `updateUserHandleServicePrivileges`.
///
/// Spec bug: the users path declares the bare privilege array as its body,
/// while every other privilege PATCH (and the groups path beside it) takes the
/// `{grant, revoke}` update object; we give both paths the update object.
fn split_duplicate_handle_service_privileges(ops: &mut [Value]) -> Result<()> {
    const ID: &str = "update_group_handle_service_privileges";
    let idx: Vec<usize> = (0..ops.len())
        .filter(|&i| ops[i]["operationId"] == ID)
        .collect();
    if idx.is_empty() {
        return Ok(());
    }
    let [a, b] = idx[..] else {
        bail!("{ID} occurs {} times; the generator expects two", idx.len());
    };
    let is_users = |op: &Value| op["path"].as_str().is_some_and(|p| p.contains("/users/"));
    let (users, groups) = if is_users(&ops[a]) { (a, b) } else { (b, a) };
    if !is_users(&ops[users]) || is_users(&ops[groups]) {
        bail!("{ID}: expected one users path and one groups path");
    }
    let group_body = ops[groups]["body"].clone();
    let users_path = ops[users]["path"].clone();
    let users_params = ops[users]["params"].clone();

    let u = &mut ops[users];
    u["name"] = json!("updateUserHandleServicePrivileges");
    let privileges: Vec<String> = u["privileges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    u["summary"] = json!(operation_summary(
        "update_user_handle_service_privileges",
        u["method"].as_str().unwrap_or("PATCH"),
        u["path"].as_str().unwrap_or_default(),
        &privileges
    ));
    u["body"] = group_body;

    let g = &mut ops[groups];
    g["pathVariants"] = json!([{ "path": users_path, "params": users_params }]);
    Ok(())
}

/// Spec bug: four POSTs (`createUserGroup`, `createParentGroup`,
/// `addHandleService`, `addUserHandleService`) declare the resource's *read*
/// schema (`Group`, `HandleService`) as their body, which requires fields the
/// server assigns (ids, creation time). Where a POST body is `X` and the spec
/// defines `XCreateRequest`, the body is `XCreateRequest`, as for the other
/// create operations.
fn use_create_requests_for_create_bodies(ops: &mut [Value], defs: &Map<String, Value>) {
    for op in ops.iter_mut().filter(|op| op["method"] == "POST") {
        let Some(target) = op.pointer("/body/schema/ref").and_then(Value::as_str) else {
            continue;
        };
        let create = format!("{target}CreateRequest");
        if defs.contains_key(&create) {
            op["body"]["schema"] = json!({ "ref": create });
        }
    }
}

/// Spec bug: `GET /handles/{id}/…/privileges` answers point to the handle
/// *service* privileges schema; a handle's privileges are `HandlePrivileges`.
fn fix_handle_privileges_response(path: &str, schema: &mut Value) {
    if !(path.starts_with("/handles/") && path.ends_with("/privileges")) {
        return;
    }
    if let Some(Value::Array(fields)) = schema.pointer_mut("/object/fields") {
        for f in fields {
            if f.pointer("/schema/ref") == Some(&json!("HandleServicePrivileges")) {
                f["schema"] = json!({ "ref": "HandlePrivileges" });
            }
        }
    }
}

/// Spec bug: `HarvesterCreateRequest.guiPluginConfig` points to
/// `HarvesterGuiPluginConfig`, which wraps another `guiPluginConfig`; the
/// spec's own examples send the configuration as a flat object, so the field
/// is a free-form object here. (`modifyHarvesterConfig` really takes the
/// wrapper, so the definition itself stays as it is.)
fn fix_harvester_gui_plugin_config(schemas: &mut Map<String, Value>) -> Result<()> {
    let Some(req) = schemas.get_mut("HarvesterCreateRequest") else {
        return Ok(());
    };
    let fields = req
        .pointer_mut("/object/fields")
        .and_then(Value::as_array_mut)
        .ok_or("definitions.HarvesterCreateRequest: no fields")?;
    for f in fields {
        if f["name"] == "guiPluginConfig" {
            f["schema"] = json!({ "type": "object", "object": { "fields": [], "additional": { "type": "any" } } });
        }
    }
    Ok(())
}

/// Spec bug: `InviteTokenPropertyUsageLimit` (the `usageLimit` of a named
/// invite token) is typed `integer`, but Onezone also takes the string
/// `"infinity"` (no limit), as the spec's own description of it says; the
/// field takes an integer or `"infinity"`. Left alone where a spec already
/// types it otherwise.
fn fix_invite_token_usage_limit(schemas: &mut Map<String, Value>) {
    let Some(limit) = schemas.get_mut("InviteTokenPropertyUsageLimit") else {
        return;
    };
    if limit.get("type") == Some(&json!("integer")) {
        *limit = json!({ "anyOf": [
            { "type": "integer" },
            { "type": "string", "enum": ["infinity"] },
        ] });
    }
}

/// A definition that refers back to itself (directly or through others)
/// would make help, completion and sample values recurse without end: each
/// reference that closes a cycle becomes "any value" (`{"type": "any"}`), a
/// discriminator variant that closes one is dropped. The Onedata specs
/// have no such cycle; a spec given at run time may.
fn break_ref_cycles(schemas: &mut Map<String, Value>) {
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("ref", Value::String(r)) => out.push(r.clone()),
                        _ => refs(x, out),
                    }
                }
            }
            Value::Array(list) => list.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    fn cut(v: &mut Value, target: &str) {
        match v {
            Value::Object(m) => {
                if m.get("ref").and_then(Value::as_str) == Some(target) {
                    if m.contains_key("value") {
                        // A discriminator variant: mark it for removal.
                        m.insert("cut".into(), json!(true));
                    } else {
                        *v = json!({ "type": "any" });
                    }
                    return;
                }
                for x in m.values_mut() {
                    cut(x, target);
                }
            }
            Value::Array(list) => {
                list.iter_mut().for_each(|x| cut(x, target));
                list.retain(|x| x.get("cut").is_none());
            }
            _ => {}
        }
    }
    // Iterative depth-first search; an edge to a schema on the current path
    // closes a cycle.
    let names: Vec<String> = schemas.keys().cloned().collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    for start in names {
        if done.contains(&start) {
            continue;
        }
        let mut path: Vec<(String, Vec<String>)> = Vec::new();
        let mut first = Vec::new();
        if let Some(s) = schemas.get(&start) {
            refs(s, &mut first);
        }
        path.push((start, first));
        while let Some((node, pending)) = path.last_mut() {
            let Some(next) = pending.pop() else {
                done.insert(node.clone());
                path.pop();
                continue;
            };
            let node = node.clone();
            if path.iter().any(|(n, _)| *n == next) {
                if let Some(s) = schemas.get_mut(&node) {
                    cut(s, &next);
                }
            } else if !done.contains(&next) {
                let mut out = Vec::new();
                if let Some(s) = schemas.get(&next) {
                    refs(s, &mut out);
                }
                path.push((next, out));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_matches_the_old_client() {
        assert_eq!(
            camel_case("create_space_support_token"),
            "createSpaceSupportToken"
        );
        assert_eq!(camel_case("get_oz_health"), "getOzHealth");
        assert_eq!(
            summary_of("create_space_support_token"),
            "Create space support token"
        );
    }

    #[test]
    fn summaries_say_the_action_the_resource_and_whose() {
        let admin = ["oz_spaces_create".to_owned()];
        let own = ["group_view".to_owned(), "oz_groups_view".to_owned()];
        assert_eq!(
            operation_summary("create_space", "post", "/spaces", &admin),
            "Create a space (admin)"
        );
        assert_eq!(
            operation_summary(
                "list_effective_group_spaces",
                "get",
                "/groups/{id}/effective_spaces",
                &own
            ),
            "List the spaces of a group (effective)"
        );
        assert_eq!(
            operation_summary("create_user_space", "post", "/user/spaces", &[]),
            "Create a space for the current user"
        );
        // What the path does not say, the id's words do.
        assert_eq!(
            operation_summary("cancel_transfer", "delete", "/transfers/{tid}", &[]),
            "Cancel transfer"
        );
        assert_eq!(
            operation_summary("create_client_token", "post", "/user/client_tokens", &[]),
            "Create a client token for the current user"
        );
    }

    /// A small Onezone spec of these paths and definitions.
    fn spec(paths: Value, definitions: Value) -> Value {
        json!({
            "swagger": "2.0",
            "info": { "version": "25.0.1" },
            "basePath": "/api/v3/onezone",
            "paths": paths,
            "definitions": definitions,
        })
    }

    #[test]
    fn the_usage_limit_takes_an_integer_or_infinity() {
        let spec = spec(
            json!({}),
            json!({ "InviteTokenPropertyUsageLimit": { "type": "integer" } }),
        );
        let c = generate(&spec).unwrap();
        assert_eq!(c.name, "onezone");
        assert_eq!(c.title, "Onezone");
        assert_eq!(
            serde_json::to_value(
                &c.schemas
                    .iter()
                    .find(|s| s.name == "InviteTokenPropertyUsageLimit")
                    .unwrap()
                    .versions[0]
                    .schema
            )
            .unwrap(),
            json!({ "anyOf": [
                { "type": "integer" },
                { "type": "string", "enum": ["infinity"] },
            ] })
        );
    }

    #[test]
    fn control_characters_are_refused() {
        for id in ["list_\u{1b}]0;x\u{7}quux", "list_\u{9b}x", "list_\u{202e}x"] {
            let spec = spec(
                json!({ "/quux": { "get": { "operationId": id, "responses": { "200": {} } } } }),
                json!({}),
            );
            let e = generate(&spec).unwrap_err();
            assert!(e.starts_with("operations[0].name: the text"), "{e}");
            assert!(!e.chars().any(is_control), "{e:?}");
        }
        let spec = spec(
            json!({}),
            json!({ "X": { "type": "string", "enum": ["ok", "bad\u{7f}"] } }),
        );
        assert!(generate(&spec).unwrap_err().contains("U+007F"));
    }

    #[test]
    fn reference_cycles_are_cut() {
        let spec = spec(
            json!({}),
            json!({
                "Tree": { "type": "object", "properties": {
                    "children": { "type": "array", "items": { "$ref": "#/definitions/Tree" } } } },
                "A": { "type": "object", "properties": { "b": { "$ref": "#/definitions/B" } } },
                "B": { "type": "array", "items": { "$ref": "#/definitions/A" } },
            }),
        );
        let c = generate(&spec).unwrap();
        let text = serde_json::to_string(&c.schemas).unwrap();
        assert!(!text.contains("\"ref\":\"Tree\""), "{text}");
        let cyclic = text.contains("\"ref\":\"A\"") && text.contains("\"ref\":\"B\"");
        assert!(!cyclic, "{text}");
    }

    #[test]
    fn errors_name_the_place_in_the_spec() {
        let spec = spec(
            json!({ "/spaces": { "get": { "operationId": "list_spaces", "responses": {
                "200": { "schema": { "$ref": "#/definitions/Nope" } } } } } }),
            json!({}),
        );
        let e = generate(&spec).unwrap_err();
        assert!(
            e.starts_with("paths[\"/spaces\"].get (list_spaces): "),
            "{e}"
        );
        assert!(e.contains("\"#/definitions/Nope\""), "{e}");
        let e = generate(&json!({"openapi": "3.0.0"})).unwrap_err();
        assert!(e.contains("Swagger 2.0"), "{e}");
        let mut v = spec.clone();
        v["paths"] = json!({});
        v["info"]["version"] = json!("latest");
        assert!(generate(&v).unwrap_err().starts_with("info.version"));
    }
}
