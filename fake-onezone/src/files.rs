//! Oneprovider's file tree: for each space, a root directory (made when the
//! space is first shown) and the directories and regular files below it,
//! each with an opaque id. Only names and places live here; the contents
//! of regular files are files of the [`crate::store::Store`].

use crate::checks::ApiError;
use crate::util::{now, Ids};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Reg,
    Dir,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub id: String,
    pub name: String,
    /// `None` for a space's root directory.
    pub parent: Option<String>,
    pub space: String,
    pub kind: FileKind,
    /// The user who made it (the space's root: nobody, empty).
    pub owner: String,
    pub ctime: u64,
    pub mtime: u64,
}

/// At most this many steps up a tree or over a subtree (a broken tree
/// cannot loop).
const MAX_WALK: usize = 1_000_000;

#[derive(Debug)]
pub(crate) struct Files {
    ids: Ids,
    nodes: BTreeMap<String, Node>,
    /// Space id → the id of its root directory.
    roots: BTreeMap<String, String>,
}

/// A failed file operation as Onedata answers it: 400 `posix` with the
/// error number.
pub(crate) fn posix(errno: &str) -> ApiError {
    ApiError::new(
        400,
        "posix",
        format!("Operation failed with POSIX error: {errno}."),
    )
    .details(json!({ "errno": errno }))
}

impl Files {
    pub(crate) fn new(salt: u64) -> Files {
        Files {
            ids: Ids::new(salt ^ 0xf11e),
            nodes: BTreeMap::new(),
            roots: BTreeMap::new(),
        }
    }

    /// The id of space `sid`'s root directory, named `name` (made now if
    /// it is new).
    pub(crate) fn root(&mut self, sid: &str, name: &str) -> String {
        if let Some(id) = self.roots.get(sid) {
            return id.clone();
        }
        let id = self.ids.id();
        let t = now();
        self.nodes.insert(
            id.clone(),
            Node {
                id: id.clone(),
                name: name.to_owned(),
                parent: None,
                space: sid.to_owned(),
                kind: FileKind::Dir,
                owner: String::new(),
                ctime: t,
                mtime: t,
            },
        );
        self.roots.insert(sid.to_owned(), id.clone());
        id
    }

    /// File `id`, or 404.
    pub(crate) fn get(&self, id: &str) -> Result<&Node, ApiError> {
        self.nodes
            .get(id)
            .ok_or_else(|| ApiError::not_found(&format!("file {id}")))
    }

    /// The entries of directory `id`, by name.
    pub(crate) fn children(&self, id: &str) -> Vec<&Node> {
        let mut out: Vec<&Node> = self
            .nodes
            .values()
            .filter(|n| n.parent.as_deref() == Some(id))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The path of file `id` from its space's root: `/space/dir/file`.
    pub(crate) fn path(&self, id: &str) -> String {
        let mut names = Vec::new();
        let mut at = self.nodes.get(id);
        for _ in 0..MAX_WALK {
            let Some(n) = at else { break };
            names.push(n.name.as_str());
            at = n.parent.as_deref().and_then(|p| self.nodes.get(p));
        }
        names.reverse();
        format!("/{}", names.join("/"))
    }

    /// Makes `name` of kind `kind` in directory `parent`, owned by `owner`:
    /// its id. A bad name: `einval`; a parent that is not a directory:
    /// `enotdir`; a name taken: `eexist`.
    pub(crate) fn create(
        &mut self,
        parent: &str,
        name: &str,
        kind: FileKind,
        owner: &str,
    ) -> Result<String, ApiError> {
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
            return Err(posix("einval"));
        }
        let p = self.get(parent)?;
        if p.kind != FileKind::Dir {
            return Err(posix("enotdir"));
        }
        let space = p.space.clone();
        if self.children(parent).iter().any(|c| c.name == name) {
            return Err(posix("eexist"));
        }
        let id = self.ids.id();
        let t = now();
        self.nodes.insert(
            id.clone(),
            Node {
                id: id.clone(),
                name: name.to_owned(),
                parent: Some(parent.to_owned()),
                space,
                kind,
                owner: owner.to_owned(),
                ctime: t,
                mtime: t,
            },
        );
        self.touch(parent);
        Ok(id)
    }

    /// Marks file `id` as modified now.
    pub(crate) fn touch(&mut self, id: &str) {
        if let Some(n) = self.nodes.get_mut(id) {
            n.mtime = now();
        }
    }

    /// Removes file `id`, and for a directory everything below it; returns
    /// the ids of the regular files removed (whose contents must go). A
    /// space's root cannot be removed (`eperm`).
    pub(crate) fn remove(&mut self, id: &str) -> Result<Vec<String>, ApiError> {
        let node = self.get(id)?;
        let Some(parent) = node.parent.clone() else {
            return Err(posix("eperm"));
        };
        let mut todo = vec![id.to_owned()];
        let mut regular = Vec::new();
        for _ in 0..MAX_WALK {
            let Some(at) = todo.pop() else { break };
            todo.extend(self.children(&at).iter().map(|c| c.id.clone()));
            if let Some(n) = self.nodes.remove(&at) {
                if n.kind == FileKind::Reg {
                    regular.push(n.id);
                }
            }
        }
        self.touch(&parent);
        Ok(regular)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree() {
        let mut f = Files::new(1);
        let root = f.root("s1", "space");
        assert_eq!(f.root("s1", "space"), root);
        let dir = f.create(&root, "d", FileKind::Dir, "u").unwrap();
        let a = f.create(&dir, "b.txt", FileKind::Reg, "u").unwrap();
        f.create(&dir, "a.txt", FileKind::Reg, "u").unwrap();
        let names: Vec<&str> = f.children(&dir).iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["a.txt", "b.txt"]);
        assert_eq!(f.path(&a), "/space/d/b.txt");
        let err = |r: Result<String, ApiError>| r.unwrap_err().details.unwrap()["errno"].clone();
        assert_eq!(err(f.create(&dir, "a.txt", FileKind::Reg, "u")), "eexist");
        assert_eq!(err(f.create(&a, "x", FileKind::Reg, "u")), "enotdir");
        assert_eq!(err(f.create(&dir, "x/y", FileKind::Reg, "u")), "einval");
        assert_eq!(f.get("nope").unwrap_err().status, 404);
        assert_eq!(f.remove(&dir).unwrap().len(), 2);
        assert!(f.get(&a).is_err() && f.children(&root).is_empty());
        assert_eq!(f.remove(&root).unwrap_err().id, "posix");
    }
}
