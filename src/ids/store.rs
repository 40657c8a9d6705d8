//! The ID cache: one file per host and credential in the cache directory
//! (`ids/<digest>.json`, the digest a SHA-256 of the host's URL and the
//! credential, so neither appears in the name). It holds:
//! - lists: the IDs a list answered (keyed by the list's path with its
//!   values, `/spaces` or `/groups/G/users`), when, and which list of the
//!   kind answered (`/user/effective_spaces` where `/spaces` is refused);
//! - names: each ID's name per kind (`spaces`), when it was fetched.
//!
//! An entry is fresh for [`TTL`] seconds, unless a call that changes its
//! kind marked it stale. After a failed fetch, [`BACKOFF`] seconds pass
//! before the network is asked again, so an unreachable Zone costs one
//! wait, not one per TAB. The file is a cache: anything unreadable is
//! treated as empty and written anew.

use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// Seconds a list or a name stays fresh.
pub const TTL: u64 = 300;
/// Seconds after a failed fetch during which completion does not ask again.
pub const BACKOFF: u64 = 60;
/// The largest cache file read.
const READ_LIMIT: u64 = 16 << 20;

/// One list's IDs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    /// The kind of its IDs (`spaces`).
    pub kind: String,
    /// The list that answered (a path with its values).
    pub via: String,
    pub ids: Vec<String>,
    /// When it was fetched (0: never).
    pub at: u64,
    pub stale: bool,
    /// When a fetch last failed.
    pub failed_at: u64,
}

impl List {
    pub fn fresh(&self, now: u64) -> bool {
        self.at > 0 && !self.stale && now.saturating_sub(self.at) < TTL
    }

    /// A fetch failed less than [`BACKOFF`] seconds ago.
    pub fn backing_off(&self, now: u64) -> bool {
        self.failed_at > 0 && now.saturating_sub(self.failed_at) < BACKOFF
    }
}

/// The cache of one host and credential.
#[derive(Debug)]
pub struct Store {
    path: Option<PathBuf>,
    doc: Map<String, Value>,
    changed: bool,
}

/// The cache file of `base_url` and `identity` (see [`super::identity`]).
fn file(base_url: &str, identity: &str) -> Option<PathBuf> {
    // Spelled as a request's URL spells it, whoever asks.
    let normal = url::Url::parse(base_url)
        .map(|u| u.as_str().trim_end_matches('/').to_owned())
        .unwrap_or_else(|_| base_url.to_owned());
    let base_url = normal.as_str();
    let mut key = Vec::with_capacity(base_url.len() + identity.len() + 1);
    key.extend_from_slice(base_url.as_bytes());
    key.push(0);
    key.extend_from_slice(identity.as_bytes());
    let digest = ring::digest::digest(&ring::digest::SHA256, &key);
    let name: String = digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(
        crate::cache::dir()?
            .join("ids")
            .join(format!("{name}.json")),
    )
}

impl Store {
    /// A cache of nothing, written nowhere.
    pub fn empty() -> Store {
        Store {
            path: None,
            doc: Map::new(),
            changed: false,
        }
    }

    pub fn open(base_url: &str, identity: &str) -> Store {
        let path = file(base_url, identity);
        let doc = path
            .as_deref()
            .and_then(|p| crate::cache::read(p, READ_LIMIT))
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| match v {
                Value::Object(o) => Some(o),
                _ => None,
            })
            .unwrap_or_default();
        Store {
            path,
            doc,
            changed: false,
        }
    }

    /// Whether the cache holds anything (a call that changes a resource
    /// updates only caches that completion or `-o table` filled; an
    /// unreadable file counts as empty).
    pub fn exists(&self) -> bool {
        !self.doc.is_empty()
    }

    fn section(&mut self, name: &str) -> &mut Map<String, Value> {
        let v = self
            .doc
            .entry(name)
            .or_insert_with(|| Value::Object(Map::new()));
        if !v.is_object() {
            *v = Value::Object(Map::new());
        }
        v.as_object_mut()
            .expect("the section was made an object above")
    }

    pub fn list(&self, key: &str) -> Option<List> {
        let v = self.doc.get("lists")?.get(key)?;
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let num = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
        Some(List {
            kind: text("kind")?,
            via: text("via").unwrap_or_else(|| key.to_owned()),
            ids: v
                .get("ids")?
                .as_array()?
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            at: num("at"),
            stale: v.get("stale").and_then(Value::as_bool).unwrap_or(false),
            failed_at: num("failed_at"),
        })
    }

    pub fn set_list(&mut self, key: &str, list: &List) {
        let v = json!({
            "kind": list.kind,
            "via": list.via,
            "ids": list.ids,
            "at": list.at,
            "stale": list.stale,
            "failed_at": list.failed_at,
        });
        self.section("lists").insert(key.to_owned(), v);
        self.changed = true;
    }

    /// The keys of the lists held.
    pub fn keys(&self) -> Vec<String> {
        self.doc
            .get("lists")
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The name of `id` of `kind`, if known; with `fresh`, only one
    /// fetched less than [`TTL`] seconds ago.
    pub fn name(&self, kind: &str, id: &str, fresh: Option<u64>) -> Option<String> {
        let v = self.doc.get("names")?.get(kind)?.get(id)?;
        let name = v.get(0)?.as_str()?;
        let at = v.get(1)?.as_u64()?;
        match fresh {
            Some(now) if now.saturating_sub(at) >= TTL => None,
            _ => Some(name.to_owned()),
        }
    }

    pub fn set_name(&mut self, kind: &str, id: &str, name: &str, now: u64) {
        let names = self.section("names");
        let v = names
            .entry(kind)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(o) = v {
            o.insert(id.to_owned(), json!([name, now]));
        } else {
            *v = json!({ id: [name, now] });
        }
        self.changed = true;
    }

    /// A call changed resources of these kinds: their lists are stale and
    /// their names due; `removed` (a list's path, an ID) leaves the lists
    /// of that path (or fetched from it) at once.
    pub fn touch(&mut self, kinds: &[&str], removed: Option<(&str, &str)>) {
        for key in self.keys() {
            let Some(mut list) = self.list(&key) else {
                continue;
            };
            if !kinds.contains(&list.kind.as_str()) {
                continue;
            }
            list.stale = true;
            if let Some((path, id)) = removed {
                if key == path || list.via == path {
                    list.ids.retain(|i| i != id);
                }
            }
            self.set_list(&key, &list);
        }
        if let Some(Value::Object(names)) = self.doc.get_mut("names") {
            for kind in kinds {
                if let Some(Value::Object(o)) = names.get_mut(*kind) {
                    for v in o.values_mut() {
                        if let Some(at) = v.get_mut(1) {
                            *at = json!(0);
                        }
                    }
                    self.changed = true;
                }
            }
        }
    }

    /// Every list stale and every name due (a refresh by hand).
    pub fn expire(&mut self) {
        let mut kinds: Vec<String> = self
            .doc
            .get("names")
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        kinds.extend(
            self.keys()
                .iter()
                .filter_map(|k| self.list(k))
                .map(|l| l.kind),
        );
        let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
        self.touch(&kinds, None);
    }

    /// Removes the file.
    pub fn remove(&self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Writes the file if anything changed; a failure only costs the next
    /// TAB a fetch, so it is not reported.
    pub fn save(&self) {
        if let (true, Some(path)) = (self.changed, &self.path) {
            if let Ok(bytes) = serde_json::to_vec(&Value::Object(self.doc.clone())) {
                let _ = crate::cache::write(path, &bytes);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(kind: &str, via: &str, ids: &[&str]) -> List {
        List {
            kind: kind.into(),
            via: via.into(),
            ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            at: 100,
            stale: false,
            failed_at: 0,
        }
    }

    #[test]
    fn a_removal_leaves_only_its_own_list() {
        let mut s = Store::empty();
        s.set_list("/users", &list("users", "/users", &["u1", "u2"]));
        s.set_list(
            "/groups/G/users",
            &list("users", "/groups/G/users", &["u1"]),
        );
        s.set_list(
            "/spaces",
            &list("spaces", "/user/effective_spaces", &["s1"]),
        );
        s.touch(&["groups", "users"], Some(("/groups/G/users", "u1")));
        let users = s.list("/users").unwrap();
        assert_eq!((users.ids.len(), users.stale), (2, true));
        let members = s.list("/groups/G/users").unwrap();
        assert!(members.ids.is_empty() && members.stale);
        assert!(!s.list("/spaces").unwrap().stale, "another kind");
        // Fetched from /user/effective_spaces, kept under /spaces.
        s.touch(&["user", "spaces"], Some(("/user/effective_spaces", "s1")));
        assert!(s.list("/spaces").unwrap().ids.is_empty());
    }

    #[test]
    fn fresh_stale_and_backing_off() {
        let mut l = list("spaces", "/spaces", &[]);
        assert!(l.fresh(100 + TTL - 1) && !l.fresh(100 + TTL));
        l.stale = true;
        assert!(!l.fresh(101));
        l.failed_at = 200;
        assert!(l.backing_off(200 + BACKOFF - 1) && !l.backing_off(200 + BACKOFF));
    }
}
