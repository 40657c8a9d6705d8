//! Aliases: names that are not an operation's but that people use for
//! one, so the client takes them (with a note that names the real one).
//!
//! Two sources, both facts of the specs:
//!
//! - the documentation's examples (`x-code-samples`, Shell): the first
//!   word after the command that is not an option or an item is the name
//!   the documentation uses for the operation (`listUsers` for
//!   `ozUsersList`);
//! - the operationIds of earlier releases (`getUserSpaces`), mapped to
//!   today's operations by method and path (parameter names ignored); a
//!   GET of an old release whose path today has exactly one operation, of
//!   another method, maps to it (tokens that old releases created with GET).
//!
//! An alias never equals an operation's name in any release of the
//! catalogue, and one that would stand for two operations is dropped
//! ([`settle`]).

use crate::generate::camel_case;
use crate::model::{AliasData, ServiceData};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The source of an alias from a documentation example.
pub const EXAMPLE: &str = "example";

/// The source of an alias from an earlier release: `release:18.02.1`.
pub fn release_source(version: &str) -> String {
    format!("release:{version}")
}

/// The old Bash clients' options that take the next word as their value.
const VALUE_OPTIONS: &[&str] = &[
    "--host",
    "-ct",
    "--content-type",
    "-ac",
    "--accept",
    "-u",
    "--user",
    "-H",
    "--header",
    "-X",
    "--request",
    "-d",
    "--data",
    "-o",
    "--output",
];

/// The operation name an example invocation uses: the first word after the
/// `…-rest-cli` command that is neither an option (`-u onepanel:…`,
/// `-ct json`, `--dry-run`) nor an item (`id=…`), where it is a plain
/// identifier.
pub fn sample_name(source: &str) -> Option<String> {
    let words = shell_words(source.lines().next().unwrap_or_default());
    let start = words.iter().position(|w| w.ends_with("-rest-cli"))?;
    let mut value_next = false;
    for w in &words[start + 1..] {
        if ["|", "&&", "||", ";", ">", "<"].contains(&w.as_str()) {
            return None;
        }
        if std::mem::take(&mut value_next) {
            continue;
        }
        if w.starts_with('-') {
            value_next = VALUE_OPTIONS.contains(&w.as_str());
            continue;
        }
        if w.contains(['=', ':', '$', '/']) {
            continue;
        }
        let mut chars = w.chars();
        let ident = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        return ident.then(|| w.clone());
    }
    None
}

/// A line split into words as a shell would, roughly: quotes group,
/// backslashes escape.
fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                current.extend(chars.next());
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(current);
    }
    out
}

/// The names the Shell examples of a spec operation use.
pub fn sample_names(op: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for sample in op
        .get("x-code-samples")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let shell = sample
            .get("lang")
            .and_then(Value::as_str)
            .is_none_or(|l| l.eq_ignore_ascii_case("shell"));
        let name = sample
            .get("source")
            .and_then(Value::as_str)
            .and_then(sample_name);
        if let (true, Some(name)) = (shell, name) {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// A path template with its parameter names left out: `/spaces/{}/users`.
fn template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The aliases that the operationIds of an earlier release's spec give,
/// mapped onto the operations of `file` (see the module's notes). The
/// spec is read for its paths only; it need not be a release the
/// generator takes.
pub fn from_release(spec: &Value, file: &ServiceData) -> Vec<AliasData> {
    let version = spec
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let source = release_source(version);
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let path = template(path);
        for (method, op) in item {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let method = method.to_uppercase();
            let mut names = matching(file, |m, p| m == method && p == path);
            if names.is_empty() && method == "GET" {
                names = matching(file, |m, p| m != "GET" && p == path);
            }
            let old = camel_case(id);
            if let [name] = &names[..] {
                if *name != old && !old.is_empty() {
                    out.push(AliasData {
                        alias: old,
                        name: name.clone(),
                        source: source.clone(),
                    });
                }
            }
        }
    }
    out
}

/// The names of the operations of `file` whose method and path template
/// fit, one per operation: a name a later release renamed is left out
/// where its new name is there too.
fn matching(file: &ServiceData, fits: impl Fn(&str, &str) -> bool) -> Vec<String> {
    let ops: Vec<_> = file
        .operations
        .iter()
        .filter(|op| fits(&op.method, &template(&op.path)))
        .collect();
    let mut names: Vec<String> = Vec::new();
    for op in &ops {
        let renamed_here = op
            .renamed_to
            .as_ref()
            .is_some_and(|to| ops.iter().any(|o| &o.name == to));
        if !renamed_here && !names.contains(&op.name) {
            names.push(op.name.clone());
        }
    }
    names
}

/// Makes `file.aliases` what the file may hold: aliases of its operations
/// only, none equal to an operation's name, none standing for two
/// operations (all its entries are dropped), one entry per alias (the
/// first), sorted by alias.
pub fn settle(file: &mut ServiceData) {
    let names: BTreeSet<&str> = file.operations.iter().map(|op| op.name.as_str()).collect();
    let mut targets: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for a in &file.aliases {
        targets.entry(&a.alias).or_default().insert(&a.name);
    }
    let mut kept: BTreeMap<String, AliasData> = BTreeMap::new();
    for a in &file.aliases {
        let single = targets.get(a.alias.as_str()).is_some_and(|t| t.len() == 1);
        if single
            && names.contains(a.name.as_str())
            && !names.contains(a.alias.as_str())
            && !kept.contains_key(&a.alias)
        {
            kept.insert(a.alias.clone(), a.clone());
        }
    }
    file.aliases = kept.into_values().collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::generate;
    use crate::merge::merge;
    use serde_json::json;

    fn spec(version: &str, paths: Value) -> Value {
        json!({
            "swagger": "2.0",
            "info": { "version": version },
            "basePath": "/api/v3/onezone",
            "paths": paths,
            "definitions": {},
        })
    }

    fn op(id: &str, sample: Option<&str>) -> Value {
        let mut v = json!({ "operationId": id, "responses": { "200": {} } });
        if let Some(s) = sample {
            v["x-code-samples"] = json!([{ "lang": "Shell", "source": s }]);
        }
        v
    }

    fn aliases(file: &ServiceData) -> Vec<(&str, &str, &str)> {
        file.aliases
            .iter()
            .map(|a| (a.alias.as_str(), a.name.as_str(), a.source.as_str()))
            .collect()
    }

    #[test]
    fn the_examples_name_the_operation() {
        for (source, name) in [
            ("onezone-rest-cli listUsers", Some("listUsers")),
            ("onezone-rest-cli getUser id=abc", Some("getUser")),
            (
                "onepanel-rest-cli -u onepanel:$PASSPHRASE getHostname --host https://$H:9443",
                Some("getHostname"),
            ),
            (
                "cat x.json | onezone-rest-cli -H \"X-Auth: a b\" addX id=1 -",
                Some("addX"),
            ),
            ("onezone-rest-cli --host https://h id=3", None),
            (
                "cat m.json | onepanel-rest-cli -ct json addManagers -",
                Some("addManagers"),
            ),
            ("curl -X GET https://h/api", None),
        ] {
            assert_eq!(sample_name(source).as_deref(), name, "{source}");
        }
    }

    #[test]
    fn examples_give_aliases_but_never_shadow() {
        let file = generate(&spec(
            "21.02.7",
            json!({
                "/users": { "get": op("oz_users_list", Some("onezone-rest-cli listUsers")) },
                "/spaces": {
                    "get": op("list_spaces", Some("onezone-rest-cli listSpaces")),
                    // The example names another real operation: no alias.
                    "post": op("create_space", Some("onezone-rest-cli listSpaces")),
                },
                // Two operations' examples use one name: dropped.
                "/a": { "get": op("get_a", Some("onezone-rest-cli getThing")) },
                "/b": { "get": op("get_b", Some("onezone-rest-cli getThing")) },
            }),
        ))
        .unwrap();
        assert_eq!(aliases(&file), [("listUsers", "ozUsersList", "example")]);
    }

    #[test]
    fn earlier_releases_map_by_method_and_path() {
        let a = generate(&spec(
            "20.02.20",
            json!({ "/spaces": { "get": op("oz_spaces_list", None) } }),
        ))
        .unwrap();
        let b = generate(&spec(
            "21.02.7",
            json!({
                "/spaces": { "get": op("list_spaces", None) },
                "/user/spaces": { "get": op("list_user_spaces", None) },
                "/user": { "patch": op("modify_current_user", None) },
                "/spaces/{id}/providers/token": { "post": op("create_space_support_token", None) },
                "/shares": { "get": op("list_shares", None) },
                "/x/{id}/privileges": {
                    "get": op("list_x_privileges", None),
                    "patch": op("update_x_privileges", None),
                },
            }),
        ))
        .unwrap();
        let mut file = merge(vec![a, b]).unwrap();
        let old = json!({
            "swagger": "2.0",
            "info": { "version": "3.0.0-beta6" },
            "paths": {
                // Renamed in between: the newest name.
                "/spaces": { "get": { "operationId": "get_spaces" } },
                // Method and path, other parameter names.
                "/user/spaces": { "get": { "operationId": "get_user_spaces" } },
                "/user": { "patch": { "operationId": "modify_user" } },
                // Only the method changed: by path.
                "/spaces/{sid}/providers/token": { "get": { "operationId": "get_space_provider_token" } },
                // Another method that is not a GET: not by path.
                "/shares": { "post": { "operationId": "create_share" } },
                // By path, two operations: ambiguous.
                "/x/{xid}/privileges": { "put": { "operationId": "set_x_privileges" } },
            }
        });
        file.aliases.extend(from_release(&old, &file));
        // Shadowing: the old name of /spaces is a real name.
        file.aliases.push(AliasData {
            alias: "ozSpacesList".into(),
            name: "listSpaces".into(),
            source: "release:18.02.1".into(),
        });
        settle(&mut file);
        let r = "release:3.0.0-beta6";
        assert_eq!(
            aliases(&file),
            [
                ("getSpaceProviderToken", "createSpaceSupportToken", r),
                ("getSpaces", "listSpaces", r),
                ("getUserSpaces", "listUserSpaces", r),
                ("modifyUser", "modifyCurrentUser", r),
            ]
        );
    }

    #[test]
    fn an_alias_for_two_operations_is_dropped() {
        let mut file = generate(&spec(
            "21.02.7",
            json!({ "/a": { "get": op("get_a", None) }, "/b": { "get": op("get_b", None) } }),
        ))
        .unwrap();
        for name in ["getA", "getB", "getA"] {
            file.aliases.push(AliasData {
                alias: "fetch".into(),
                name: name.into(),
                source: EXAMPLE.into(),
            });
        }
        file.aliases.push(AliasData {
            alias: "fetchA".into(),
            name: "getA".into(),
            source: EXAMPLE.into(),
        });
        file.aliases.push(AliasData {
            alias: "fetchA".into(),
            name: "getA".into(),
            source: "release:1.0".into(),
        });
        settle(&mut file);
        assert_eq!(aliases(&file), [("fetchA", "getA", "example")]);
    }
}
