//! Several releases of one service in one catalogue: what each release
//! adds, removes, renames or reshapes, stored once.
//!
//! An operation or named schema that keeps its shape across consecutive
//! releases is one entry with the span of those releases (`since`,
//! `until`); a change of shape starts a new entry. An operation whose
//! method and path a later release serves under another name records that
//! name (`renamedTo`); one that came after the first release records the
//! release that brought it (`introduced`).

use crate::model::{
    NamedSchemaData, OperationData, SchemaVersionData, ServiceData as File, SpanData,
};
use crate::release;

/// Merges single-release catalogues of one service (any order) into one.
pub fn merge(mut files: Vec<File>) -> Result<File, String> {
    for f in &files {
        if f.releases.len() != 1 {
            return Err(format!(
                "{} {}: merge takes catalogues of one release each",
                f.title,
                f.releases.join(", ")
            ));
        }
    }
    files.sort_by_key(|f| release::parse(&f.releases[0]).unwrap_or_default());
    let Some(newest) = files.last() else {
        return Err("no catalogue to merge".into());
    };
    if let Some(other) = files.iter().find(|f| f.name != newest.name) {
        return Err(format!(
            "one catalogue per service: {} and {} given together",
            other.name, newest.name
        ));
    }
    let releases: Vec<String> = files.iter().map(|f| f.releases[0].clone()).collect();
    for pair in releases.windows(2) {
        if pair[0] == pair[1] {
            return Err(format!("release {} given twice", pair[0]));
        }
    }
    let last = releases.len() - 1;
    let span = |since: usize, until: usize| SpanData {
        since: (since != 0).then(|| releases[since].clone()),
        until: (until != last).then(|| releases[until].clone()),
    };

    // Names in the newest release's order, then those only older releases
    // have, newest first.
    let mut names: Vec<&str> = Vec::new();
    for f in files.iter().rev() {
        for op in &f.operations {
            if !names.contains(&op.name.as_str()) {
                names.push(&op.name);
            }
        }
    }
    let mut operations = Vec::new();
    for name in names {
        let shapes: Vec<Option<&OperationData>> = files
            .iter()
            .map(|f| f.operations.iter().find(|op| op.name == name))
            .collect();
        let first = shapes.iter().position(Option::is_some).unwrap_or(0);
        for (since, until, op) in runs(&shapes) {
            let mut entry = op.clone();
            entry.span = span(since, until);
            entry.renamed_to = renamed_to(&files, until, &op);
            entry.introduced = (first != 0).then(|| releases[first].clone());
            operations.push(entry);
        }
    }

    let mut all_names: Vec<&String> = files
        .iter()
        .flat_map(|f| f.schemas.iter().map(|s| &s.name))
        .collect();
    all_names.sort();
    all_names.dedup();
    let mut schemas = Vec::with_capacity(all_names.len());
    for name in all_names {
        let shapes: Vec<Option<&SchemaVersionData>> = files
            .iter()
            .map(|f| {
                f.schemas
                    .iter()
                    .find(|s| &s.name == name)
                    .and_then(|s| s.versions.first())
            })
            .collect();
        let versions = runs(&shapes)
            .into_iter()
            .map(|(since, until, v)| SchemaVersionData {
                span: span(since, until),
                schema: v.schema,
            })
            .collect();
        schemas.push(NamedSchemaData {
            name: name.clone(),
            versions,
        });
    }

    let mut tags: Vec<String> = Vec::new();
    for f in files.iter().rev() {
        for t in &f.tags {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
    }
    // The newest release's first: `settle` keeps an alias's first entry.
    let aliases = files
        .iter()
        .rev()
        .flat_map(|f| f.aliases.iter().cloned())
        .collect();
    let mut merged = File {
        format: newest.format,
        name: newest.name.clone(),
        title: newest.title.clone(),
        base_path: newest.base_path.clone(),
        releases,
        auth: newest.auth.clone(),
        tags,
        operations,
        schemas,
        aliases,
    };
    crate::alias::settle(&mut merged);
    Ok(merged)
}

/// Consecutive releases with the same shape: `(first, last, shape)`.
fn runs<T: Shape>(shapes: &[Option<&T>]) -> Vec<(usize, usize, T)> {
    let mut out: Vec<(usize, usize, T)> = Vec::new();
    for (i, shape) in shapes.iter().enumerate() {
        let Some(shape) = shape else { continue };
        let shape = shape.unspanned();
        match out.last_mut() {
            Some((_, until, prev)) if *until + 1 == i && *prev == shape => *until = i,
            _ => out.push((i, i, shape)),
        }
    }
    out
}

/// Things compared across releases without their spans.
trait Shape: PartialEq + Sized {
    fn unspanned(&self) -> Self;
}

impl Shape for OperationData {
    fn unspanned(&self) -> Self {
        OperationData {
            span: SpanData::default(),
            renamed_to: None,
            introduced: None,
            ..self.clone()
        }
    }
}

impl Shape for SchemaVersionData {
    fn unspanned(&self) -> Self {
        SchemaVersionData {
            span: SpanData::default(),
            schema: self.schema.clone(),
        }
    }
}

/// The name the release after `until` gives `op`'s method and path, where
/// `op` is gone from it and that name was not there in `until`.
fn renamed_to(files: &[File], until: usize, op: &OperationData) -> Option<String> {
    let next = files.get(until + 1)?;
    if next.operations.iter().any(|o| o.name == op.name) {
        return None;
    }
    let then = &files[until];
    next.operations
        .iter()
        .find(|o| {
            o.method == op.method
                && o.path == op.path
                && !then.operations.iter().any(|t| t.name == o.name)
        })
        .map(|o| o.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::generate;
    use serde_json::json;

    fn spec(version: &str, ops: serde_json::Value) -> File {
        generate(&json!({
            "swagger": "2.0",
            "info": { "version": version },
            "basePath": "/api/v3/oneprovider",
            "paths": ops,
            "definitions": { "Error": { "type": "object", "properties": { "id": { "type": "string" } } } },
        }))
        .unwrap()
    }

    #[test]
    fn spans_record_added_removed_renamed_and_changed() {
        let get = |id: &str| json!({ "get": { "operationId": id, "responses": { "200": {} } } });
        let a = spec(
            "21.02.4",
            json!({ "/files/{id}/distribution": get("get_file_distribution"), "/x": get("get_x") }),
        );
        let b = spec(
            "21.02.5",
            json!({ "/files/{id}/distribution": get("get_data_distribution"), "/x": get("get_x"),
                    "/y": get("get_y") }),
        );
        let mut c_ops =
            json!({ "/files/{id}/distribution": get("get_data_distribution"), "/y": get("get_y") });
        c_ops["/x"] = json!({ "get": { "operationId": "get_x", "responses": { "204": {} } } });
        let c = spec("21.02.7", c_ops);
        let m = merge(vec![c, a, b]).unwrap();
        assert_eq!(m.releases, ["21.02.4", "21.02.5", "21.02.7"]);
        let find = |name: &str| -> Vec<(Option<String>, Option<String>, Option<String>)> {
            m.operations
                .iter()
                .filter(|o| o.name == name)
                .map(|o| {
                    (
                        o.span.since.clone(),
                        o.span.until.clone(),
                        o.renamed_to.clone(),
                    )
                })
                .collect()
        };
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(find("getDataDistribution"), [(s("21.02.5"), None, None)]);
        assert_eq!(
            find("getFileDistribution"),
            [(None, s("21.02.4"), s("getDataDistribution"))]
        );
        assert_eq!(
            find("getX"),
            [(None, s("21.02.5"), None), (s("21.02.7"), None, None)]
        );
        assert_eq!(find("getY"), [(s("21.02.5"), None, None)]);
        assert_eq!(m.schemas[0].name, "Error");
        assert_eq!(m.schemas[0].versions.len(), 1);
        assert!(merge(vec![spec("21.02.4", json!({})), spec("21.02.4", json!({}))]).is_err());
    }
}
