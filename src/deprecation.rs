//! What to run instead of a deprecated operation: a complete invocation of
//! its replacement, built from the items the user gave (or, for `--help`,
//! from placeholders named after the parameters).
//!
//! The rules read the catalogue:
//! - an invite-token operation (`/spaces/{id}/users/token`, …) becomes a
//!   named token whose `type[inviteToken]` is the discriminator variant
//!   `<member>Join<Target>` of the replacement's body (the path's words,
//!   singular), with the variant's one required id field set to the path's
//!   `{id}`; two invite types do not follow the pattern (see [`IRREGULAR`]);
//! - a replica operation that the spec replaces by `createTransfer` becomes a
//!   transfer whose `dataSourceType` is the path's kind (`file` or `view`)
//!   and whose `type` follows the method and the providers given;
//! - otherwise the items whose names the replacement takes are carried over,
//!   and a required parameter that no item gives gets a placeholder.

use crate::items::{self, Item};
use onedata_catalogue::{Catalogue, ObjectSchema, Operation, ParamIn, Schema};

/// Invite types whose name does not follow `<member>Join<Target>`: the path
/// word (before `token`, or the last word) that selects each.
pub const IRREGULAR: &[(&str, &str)] = &[
    ("providers", "supportSpace"),
    ("provider_registration_token", "registerOneprovider"),
];

/// The replacement invocation: the operation, then its items (unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub words: Vec<String>,
}

impl Suggestion {
    /// The command line, each word quoted for bash.
    pub fn render(&self, command: &str) -> String {
        let mut out = command.to_owned();
        for w in &self.words {
            out.push(' ');
            out.push_str(&crate::curl::quote(w));
        }
        out
    }
}

/// The user's parameter values, by name (path and query items).
struct Given<'a> {
    args: &'a [String],
    params: Vec<(String, String)>,
}

impl<'a> Given<'a> {
    fn new(args: &'a [String]) -> Self {
        let params = args
            .iter()
            .filter_map(|a| match items::parse(a) {
                Ok(Item::Param { name, value }) => Some((name, value)),
                _ => None,
            })
            .collect();
        Given { args, params }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, or a placeholder (`ID` for `id`).
    fn value(&self, name: &str) -> String {
        self.get(name)
            .map_or_else(|| placeholder(name), ToOwned::to_owned)
    }
}

/// `adminUserId` → `ADMIN_USER_ID`, `space_id` → `SPACE_ID`.
fn placeholder(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The invocation to run instead of `op` (deprecated), where its
/// replacement exists in this release.
pub fn suggest(cat: Catalogue, op: &'static Operation, args: &[String]) -> Option<Suggestion> {
    let d = op.deprecated.as_ref()?;
    let given = Given::new(args);
    d.replacements
        .iter()
        .filter_map(|r| cat.find(r))
        .find_map(|r| {
            invite(cat, op, r, &given)
                .or_else(|| transfer(cat, op, r, &given))
                .or_else(|| carried(cat, op, r, &given))
        })
        .map(|words| Suggestion { words })
}

/// The path's literal words (`/spaces/{id}/users/token` → spaces, users,
/// token).
fn words(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|w| !w.is_empty() && !w.starts_with('{'))
        .collect()
}

fn singular(word: &str) -> &str {
    match word {
        "children" => "group",
        w => w.strip_suffix('s').unwrap_or(w),
    }
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// The invite type a deprecated token operation's path selects, among the
/// discriminator's values.
pub fn invite_type(path: &str, values: &[&str]) -> Option<String> {
    let w = words(path);
    let (last, rest) = w.split_last()?;
    let selector = if *last == "token" { rest.last()? } else { last };
    if let Some((_, t)) = IRREGULAR.iter().find(|(word, _)| word == selector) {
        return values.contains(t).then(|| (*t).to_owned());
    }
    if *last != "token" || rest.len() < 2 {
        return None;
    }
    let kind = format!(
        "{}Join{}",
        singular(selector),
        capitalised(singular(rest[0]))
    );
    values.contains(&kind.as_str()).then_some(kind)
}

/// A field of the replacement's body (depth first) that holds a
/// discriminated object: its item path (`type[inviteToken]`) and schema.
fn discriminated(
    cat: Catalogue,
    obj: &'static ObjectSchema,
    prefix: &str,
    depth: u8,
) -> Option<(String, &'static ObjectSchema)> {
    if obj.discriminator.is_some() && !prefix.is_empty() {
        return Some((prefix.to_owned(), obj));
    }
    if depth == 0 {
        return None;
    }
    obj.fields
        .iter()
        .find_map(|f| match cat.resolve(&f.schema) {
            Schema::Object(o) => {
                let path = if prefix.is_empty() {
                    f.name.to_owned()
                } else {
                    format!("{prefix}[{}]", f.name)
                };
                discriminated(cat, o, &path, depth - 1)
            }
            _ => None,
        })
}

fn invite(
    cat: Catalogue,
    op: &'static Operation,
    r: &'static Operation,
    given: &Given,
) -> Option<Vec<String>> {
    let body = cat.body_object(r)?;
    let (at, obj) = discriminated(cat, body, "", 2)?;
    let disc = obj.discriminator.as_ref()?;
    let values: Vec<&str> = disc.variants.iter().map(|(v, _)| *v).collect();
    let kind = invite_type(op.path, &values)?;
    let (_, idx) = disc.variants.iter().find(|(v, _)| *v == kind)?;
    let Schema::Object(variant) = cat.resolve(cat.named(*idx)?) else {
        return None;
    };
    let target = variant
        .fields
        .iter()
        .find(|f| f.required && f.name != disc.field)?;
    let (id, label) = match op.params.iter().find(|p| p.location == ParamIn::Path) {
        Some(p) => match given.get(p.name) {
            Some(v) => (v.to_owned(), short(v)),
            None => (placeholder(p.name), placeholder(p.name)),
        },
        None => (placeholder(target.name), placeholder(target.name)),
    };
    let mut out = vec![r.name.to_owned()];
    // Required top-level strings (a named token's `name`): one readable value.
    for f in body.fields.iter().filter(|f| f.required && !f.read_only) {
        if matches!(cat.resolve(&f.schema), Schema::String { .. }) {
            out.push(format!("{}=={kind}-{label}", f.name));
        }
    }
    out.push(format!("{at}[{}]=={kind}", disc.field));
    out.push(format!("{at}[{}]=={id}", target.name));
    Some(out)
}

/// The first characters of an id, for a token name that stays short.
fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

fn transfer(
    cat: Catalogue,
    op: &'static Operation,
    r: &'static Operation,
    given: &Given,
) -> Option<Vec<String>> {
    let body = cat.body_object(r)?;
    let disc = body.discriminator.as_ref()?;
    let types = cat.string_values(&body.fields.iter().find(|f| f.name == "type")?.schema);
    let source = if op.params.iter().any(|p| p.name == "view_name") {
        "view"
    } else {
        "file"
    };
    if !disc.variants.iter().any(|(v, _)| *v == source) {
        return None;
    }
    let migrate = given.get("migration_provider_id").is_some();
    let kind = match op.method {
        "POST" => "replication",
        "DELETE" if migrate => "migration",
        "DELETE" => "eviction",
        _ => return None,
    };
    if !types.contains(&kind) {
        return None;
    }
    let mut out = vec![
        r.name.to_owned(),
        format!("type=={kind}"),
        format!("{}=={source}", disc.field),
    ];
    if source == "view" {
        out.push(format!("spaceId=={}", given.value("space_id")));
        out.push(format!("viewName=={}", given.value("view_name")));
    } else if given.get("id").is_some() || op.params.iter().any(|p| p.name == "id") {
        out.push(format!("fileId=={}", given.value("id")));
    } else {
        out.push("fileId==FILE_ID".to_owned());
    }
    let provider = given.get("provider_id");
    match kind {
        "replication" => {
            if let Some(p) = provider {
                out.push(format!("replicatingProviderId=={p}"));
            }
        }
        _ => {
            if let Some(p) = provider {
                out.push(format!("evictingProviderId=={p}"));
            }
            if let Some(p) = given.get("migration_provider_id") {
                out.push(format!("replicatingProviderId=={p}"));
            }
        }
    }
    Some(out)
}

fn carried(
    cat: Catalogue,
    op: &'static Operation,
    r: &'static Operation,
    given: &Given,
) -> Option<Vec<String>> {
    let params = r.all_params();
    let mut out = vec![r.name.to_owned()];
    let mut named: Vec<&str> = Vec::new();
    for arg in given.args {
        match items::parse(arg) {
            Ok(Item::Param { name, .. }) if params.iter().any(|p| p.name == name) => {
                named.push(params.iter().find(|p| p.name == name)?.name);
                out.push(arg.clone());
            }
            Ok(Item::Body { .. } | Item::Stdin) if r.body.is_some() => out.push(arg.clone()),
            _ => {}
        }
    }
    for p in params
        .iter()
        .filter(|p| p.required && !named.contains(&p.name))
    {
        // `/metadata/attrs/{path}` → `/data/{id}`: the file's id, which the
        // path does not give.
        let value = if p.name == "id" && op.params.iter().any(|q| q.name == "path") {
            "FILE_ID".to_owned()
        } else {
            given.value(p.name)
        };
        out.push(format!("{}={value}", p.name));
    }
    let body_given = out
        .iter()
        .skip(1)
        .any(|w| matches!(items::parse(w), Ok(Item::Body { .. } | Item::Stdin)));
    if !body_given {
        if let Some(b) = cat.body_object(r) {
            for f in b.fields.iter().filter(|f| f.required && !f.read_only) {
                let sep = cat.separator(&f.schema);
                let value = match sep {
                    "==" => placeholder(f.name),
                    _ => return None,
                };
                out.push(format!("{}{sep}{value}", f.name));
            }
        } else if r.body.as_ref().is_some_and(|b| b.required) {
            out.push("-".to_owned());
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_types_from_paths() {
        let values = [
            "userJoinGroup",
            "groupJoinGroup",
            "userJoinSpace",
            "groupJoinSpace",
            "supportSpace",
            "registerOneprovider",
            "spaceJoinHarvester",
        ];
        let t = |p| invite_type(p, &values);
        assert_eq!(t("/spaces/{id}/users/token").unwrap(), "userJoinSpace");
        assert_eq!(t("/groups/{id}/children/token").unwrap(), "groupJoinGroup");
        assert_eq!(t("/spaces/{id}/providers/token").unwrap(), "supportSpace");
        assert_eq!(
            t("/user/clusters/provider_registration_token").unwrap(),
            "registerOneprovider"
        );
        assert_eq!(
            t("/harvesters/{id}/spaces/token").unwrap(),
            "spaceJoinHarvester"
        );
        assert_eq!(t("/user/client_tokens"), None);
        assert_eq!(placeholder("adminUserId"), "ADMIN_USER_ID");
    }
}
