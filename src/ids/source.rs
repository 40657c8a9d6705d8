//! Which list holds the values of a path parameter, read from the
//! catalogue: the GET at the path before the parameter (`/groups/{id}/users`
//! for the `uid` of `/groups/{id}/users/{uid}`), then the current user's
//! lists of the same kind (`/user/effective_spaces`, `/user/spaces`) and
//! the whole collection (`/spaces`), as far as the catalogue has them. A
//! list qualifies when its answer is a list of IDs (see [`crate::names`]),
//! or a list of records with an ID and a name (Oneprovider's spaces:
//! `[{"spaceId": …, "name": …}]`).

use crate::catalogue::{Catalogue, Operation, Schema};
use serde_json::Value;

/// What a list answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{"spaces": [id, …]}`: the names come from each ID's details.
    Ids,
    /// `[{"spaceId": id, "name": name}, …]`: the field that holds the ID.
    Records { id: &'static str },
}

/// The shape of a GET's 200 answer, if it lists IDs.
pub fn shape(cat: Catalogue, op: &'static Operation) -> Option<Shape> {
    if !op.method.eq_ignore_ascii_case("GET") {
        return None;
    }
    if crate::names::lists_ids(cat, op) {
        return Some(Shape::Ids);
    }
    let ok = op
        .responses
        .iter()
        .find(|r| r.code == 200)?
        .schema
        .as_ref()?;
    let Schema::Array { items, .. } = cat.resolve(ok) else {
        return None;
    };
    let Schema::Object(o) = cat.resolve(items) else {
        return None;
    };
    let string = |f: &&'static crate::catalogue::Field| {
        matches!(cat.resolve(&f.schema), Schema::String { .. })
    };
    o.fields.iter().find(|f| f.name == "name" && string(f))?;
    let id = o
        .fields
        .iter()
        .find(|f| (f.name == "id" || f.name.ends_with("Id")) && string(f))?;
    Some(Shape::Records { id: id.name })
}

/// The IDs of an answer of `shape`, with the names it holds.
pub fn parse(shape: Shape, body: &[u8]) -> Option<Vec<(String, Option<String>)>> {
    match shape {
        Shape::Ids => Some(
            crate::names::ids_of(body)?
                .into_iter()
                .map(|id| (id, None))
                .collect(),
        ),
        Shape::Records { id } => {
            let v: Value = serde_json::from_slice(body).ok()?;
            v.as_array()?
                .iter()
                .map(|r| {
                    let i = r.get(id)?.as_str()?.to_owned();
                    let name = r.get("name").and_then(Value::as_str).map(str::to_owned);
                    Some((i, name))
                })
                .collect()
        }
    }
}

/// One list to ask.
#[derive(Debug, Clone)]
pub struct Source {
    pub list: &'static Operation,
    pub shape: Shape,
    /// The list's own path parameters, with the values given on the line.
    pub params: Vec<(&'static str, String)>,
    /// The list's path with those values in place (`/groups/G/users`).
    pub path: String,
}

/// The kind of resource a static path segment names: `effective_spaces`
/// and `spaces` both hold spaces.
pub fn kind(segment: &str) -> &str {
    segment.strip_prefix("effective_").unwrap_or(segment)
}

/// The kinds of resource a path names (its static segments).
pub fn kinds(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .map(kind)
        .collect()
}

/// `{id}`: a path parameter's segment.
pub fn is_param(seg: &str) -> bool {
    seg.starts_with('{') && seg.ends_with('}')
}

/// The lists that may hold the values of `param` of `op`, in the order to
/// try them; `given` are the path parameters on the command line. Empty
/// when `param` is not a path parameter or no list of its kind exists.
pub fn sources(
    cat: Catalogue,
    op: &'static Operation,
    param: &str,
    given: &[(String, String)],
) -> Vec<Source> {
    let placeholder = format!("{{{param}}}");
    let paths = std::iter::once(op.path).chain(op.path_variants.iter().map(|v| v.path));
    let Some((path, at)) = paths
        .filter_map(|p| {
            let segs: Vec<&str> = p.split('/').collect();
            segs.iter().position(|s| *s == placeholder).map(|i| (p, i))
        })
        .next()
    else {
        return Vec::new();
    };
    let segs: Vec<&'static str> = path.split('/').collect();
    let prefix = &segs[..at];
    let Some(last) = prefix.last().filter(|s| !s.is_empty() && !is_param(s)) else {
        return Vec::new();
    };
    let value_of = |name: &str| {
        given
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let lists: Vec<(&'static Operation, Shape)> = cat
        .operations()
        .filter_map(|l| Some((l, shape(cat, l)?)))
        .collect();
    let mut out: Vec<Source> = Vec::new();
    // The list at the path before the parameter, its own parameters
    // filled in by position from the operation's.
    for &(list, shape) in &lists {
        let lsegs: Vec<&'static str> = list.path.split('/').collect();
        if lsegs.len() != prefix.len() {
            continue;
        }
        let mut params = Vec::new();
        let mut fits = true;
        for (l, p) in lsegs.iter().zip(prefix) {
            match (is_param(l), is_param(p)) {
                (true, true) => match value_of(&p[1..p.len() - 1]) {
                    Some(v) => params.push((&l[1..l.len() - 1], v)),
                    None => fits = false,
                },
                (false, false) if l == p => {}
                _ => fits = false,
            }
        }
        if fits {
            out.push(source(list, shape, params));
            break;
        }
    }
    // The current user's lists of that kind, then the whole collection.
    let k = kind(last);
    for candidate in [
        format!("/user/effective_{k}"),
        format!("/user/{k}"),
        format!("/{k}"),
    ] {
        if let Some(&(list, shape)) = lists.iter().find(|(l, _)| l.path == candidate) {
            if !out.iter().any(|s| s.list.path == list.path) {
                out.push(source(list, shape, Vec::new()));
            }
        }
    }
    out
}

fn source(list: &'static Operation, shape: Shape, params: Vec<(&'static str, String)>) -> Source {
    let path = list
        .path
        .split('/')
        .map(|seg| {
            if is_param(seg) {
                let name = &seg[1..seg.len() - 1];
                params
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or_else(|| seg.to_owned(), |(_, v)| v.clone())
            } else {
                seg.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    Source {
        list,
        shape,
        params,
        path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::builtin;

    fn lists(
        service: &'static crate::catalogue::Service,
        op: &str,
        param: &str,
        given: &[(&str, &str)],
    ) -> Vec<String> {
        let cat = Catalogue::newest(service);
        let op = cat.find(op).unwrap();
        let given: Vec<(String, String)> = given
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        sources(cat, op, param, &given)
            .into_iter()
            .map(|s| s.path)
            .collect()
    }

    #[test]
    fn a_space_id_comes_from_the_users_spaces_then_all() {
        assert_eq!(
            lists(&builtin::ONEZONE, "getSpace", "id", &[]),
            ["/spaces", "/user/effective_spaces", "/user/spaces"]
        );
        assert_eq!(
            lists(&builtin::ONEZONE, "getEffectiveUserSpace", "sid", &[]),
            ["/user/effective_spaces", "/user/spaces", "/spaces"]
        );
    }

    #[test]
    fn a_nested_id_comes_from_its_parent_when_given() {
        assert_eq!(
            lists(&builtin::ONEZONE, "getGroupUser", "uid", &[("id", "G1")]),
            ["/groups/G1/users", "/users"]
        );
        assert_eq!(
            lists(&builtin::ONEZONE, "getGroupUser", "uid", &[]),
            ["/users"]
        );
    }

    #[test]
    fn the_other_services_have_their_lists() {
        assert_eq!(
            lists(&builtin::ONEPANEL, "getSpaceDetails", "id", &[]),
            ["/provider/spaces"]
        );
        assert_eq!(
            lists(&builtin::ONEPROVIDER, "getSpace", "sid", &[]),
            ["/spaces"]
        );
        assert!(lists(&builtin::ONEZONE, "getCurrentUser", "id", &[]).is_empty());
    }

    #[test]
    fn kinds_of_a_path() {
        assert_eq!(kinds("/user/effective_spaces/{sid}"), ["user", "spaces"]);
        assert_eq!(kind("effective_groups"), "groups");
    }
}
