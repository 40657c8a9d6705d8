//! Finds the catalogue operation a request is for. Nothing here names an
//! operation: the templates come from the operations of the release the
//! fake serves (main paths and `path_variants`).

use crate::util::percent_decode;
use onedata_catalogue::{Catalogue, Operation};

/// A path parameter with this name takes the rest of the path, slashes
/// included (getSharedData's `/shares/data/{file_id}/{subpath}`, where the
/// subpath is a file path inside the share).
const SWALLOWING_PARAMS: &[&str] = &["subpath"];

type Params = Vec<(&'static str, String)>;

#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// The release the fake serves.
    pub cat: Catalogue,
    pub op: &'static Operation,
    pub template: &'static str,
    /// Path parameters, percent-decoded, in template order.
    pub params: Params,
}

impl Route {
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

#[derive(Debug)]
pub(crate) enum Routed {
    Found(Route),
    /// The path exists, but not for this method; the allowed methods.
    WrongMethod(Vec<&'static str>),
    NotFound,
    /// A segment with a broken percent-escape or invalid UTF-8.
    BadEncoding(String),
}

/// Every (template, operation) pair: main paths first, then variants.
fn templates(cat: Catalogue) -> impl Iterator<Item = (&'static str, &'static Operation)> {
    cat.operations().map(|op| (op.path, op)).chain(
        cat.operations()
            .flat_map(|op| op.path_variants.iter().map(move |v| (v.path, op))),
    )
}

/// `path` is the part after the base path (starting with `/`), without the query.
pub(crate) fn route(cat: Catalogue, method: &str, path: &str) -> Routed {
    let raw: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let mut decoded = Vec::with_capacity(raw.len());
    for seg in &raw {
        match percent_decode(seg) {
            Some(s) => decoded.push(s),
            None => return Routed::BadEncoding((*seg).to_owned()),
        }
    }
    let mut best: Option<(Vec<bool>, Route)> = None;
    let mut allowed: Vec<&'static str> = Vec::new();
    for (template, op) in templates(cat) {
        let Some((score, params)) = match_template(template, &raw, &decoded) else {
            continue;
        };
        if op.method != method {
            if !allowed.contains(&op.method) {
                allowed.push(op.method);
            }
            continue;
        }
        // Prefer literal segments over parameters, leftmost first; on a tie
        // the earlier (main path) entry stays.
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Route {
                    cat,
                    op,
                    template,
                    params,
                },
            ));
        }
    }
    match best {
        Some((_, r)) => Routed::Found(r),
        None if !allowed.is_empty() => Routed::WrongMethod(allowed),
        None => Routed::NotFound,
    }
}

/// Matches one template; the score marks literal segments (a swallowing
/// parameter scores below any exact-length match).
fn match_template(
    template: &'static str,
    raw: &[&str],
    decoded: &[String],
) -> Option<(Vec<bool>, Params)> {
    let tsegs: Vec<&'static str> = template
        .strip_prefix('/')
        .unwrap_or(template)
        .split('/')
        .collect();
    let mut score = Vec::with_capacity(tsegs.len() + 1);
    let mut params = Vec::new();
    for (i, t) in tsegs.iter().enumerate() {
        let name = t.strip_prefix('{').and_then(|t| t.strip_suffix('}'));
        let last = i + 1 == tsegs.len();
        match name {
            Some(name) if last && SWALLOWING_PARAMS.contains(&name) && raw.len() > tsegs.len() => {
                let rest = &decoded[i..];
                if rest.iter().any(String::is_empty) {
                    return None;
                }
                params.push((name, rest.join("/")));
                score.push(false);
                // Below any exact match of the same prefix.
                score.insert(0, false);
                return Some((score, params));
            }
            _ if i >= raw.len() => return None,
            Some(name) => {
                if decoded[i].is_empty() {
                    return None;
                }
                params.push((name, decoded[i].clone()));
                score.push(false);
            }
            None => {
                if raw[i] != *t {
                    return None;
                }
                score.push(true);
            }
        }
    }
    if raw.len() != tsegs.len() {
        return None;
    }
    score.insert(0, true);
    Some((score, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> Routed {
        super::route(
            Catalogue::newest(&onedata_catalogue::builtin::ONEZONE),
            method,
            path,
        )
    }

    fn found(method: &str, path: &str) -> (&'static str, Vec<(&'static str, String)>) {
        match route(method, path) {
            Routed::Found(r) => (r.op.name, r.params),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn literals_win_over_parameters() {
        assert_eq!(found("GET", "/groups/privileges").0, "listGroupPrivileges");
        assert_eq!(found("GET", "/groups/abc").0, "getGroup");
        assert_eq!(found("POST", "/user/groups/join").0, "joinGroup");
        assert_eq!(found("GET", "/user/groups/join").0, "getUserGroup");
        assert_eq!(
            found("GET", "/spaces/marketplace/x").0,
            "getSpaceDataInMarketplace"
        );
    }

    #[test]
    fn parameters_are_decoded_and_subpath_swallows() {
        let (name, params) = found("GET", "/spaces/a%20b%2Fc");
        assert_eq!(name, "getSpace");
        assert_eq!(params, vec![("id", "a b/c".to_owned())]);
        let (name, params) = found("GET", "/shares/data/f1/dir/sub%20dir/file.txt");
        assert_eq!(name, "getSharedData");
        assert_eq!(params[1], ("subpath", "dir/sub dir/file.txt".to_owned()));
        assert_eq!(found("GET", "/shares/data/f1/x").1[1].1, "x");
    }

    #[test]
    fn variants_are_routed_after_main_paths() {
        assert_eq!(
            found("PATCH", "/handle_services/h/users/u/privileges").0,
            "updateUserHandleServicePrivileges"
        );
        assert_eq!(
            found("PATCH", "/handle_services/h/groups/g/privileges").0,
            "updateGroupHandleServicePrivileges"
        );
    }

    #[test]
    fn misses() {
        assert!(matches!(route("GET", "/nope"), Routed::NotFound));
        assert!(matches!(
            route("GET", "/spaces//providers/token"),
            Routed::NotFound
        ));
        assert!(matches!(route("GET", "/spaces/x/"), Routed::NotFound));
        assert!(matches!(route("GET", "/shares/data/f1"), Routed::NotFound));
        match route("PUT", "/spaces") {
            Routed::WrongMethod(m) => assert_eq!(m, vec!["GET", "POST"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            route("GET", "/spaces/%zz"),
            Routed::BadEncoding(_)
        ));
    }
}
