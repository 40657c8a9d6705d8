//! Which specs make the committed catalogues, and reading them.

use anyhow::{anyhow, Context, Result};
use onedata_catalogue::model::ServiceData as File;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Releases older than this line are not catalogued: `../shared` keeps
/// Onezone 18.02.1 and 3.0.0-beta6 only for the operation names that old
/// tutorials use.
const OLDEST_LINE: [u32; 2] = [19, 2];

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where the reference specs are: `../shared/onedata-api` beside the repo.
pub fn shared_specs() -> PathBuf {
    root().join("../shared/onedata-api")
}

/// The services with a committed catalogue (`crates/catalogue/api/*.json`).
pub fn committed_services() -> Result<Vec<String>> {
    let dir = root().join("crates/catalogue/api");
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(str::to_owned)
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The specs `<service>-<release>.json` in `../shared/onedata-api` of one
/// service, from [`OLDEST_LINE`] on.
pub fn specs_of(service: &str) -> Result<Vec<PathBuf>> {
    specs_where(service, |v| v >= &OLDEST_LINE[..])
}

/// The specs `<service>-<release>.json` of releases before [`OLDEST_LINE`]:
/// read for the names they gave operations (aliases) only.
pub fn old_specs_of(service: &str) -> Result<Vec<PathBuf>> {
    specs_where(service, |v| v < &OLDEST_LINE[..])
}

/// The specs of one service whose release `keep` takes, sorted.
fn specs_where(service: &str, keep: impl Fn(&[u32]) -> bool) -> Result<Vec<PathBuf>> {
    let dir = shared_specs();
    let mut out = Vec::new();
    for entry in
        std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
    {
        let path = entry?.path();
        let Some(release) = path.file_name().and_then(|n| n.to_str()).and_then(|n| {
            n.strip_prefix(service)?
                .strip_prefix('-')?
                .strip_suffix(".json")
        }) else {
            continue;
        };
        if onedata_catalogue::release::parse(release).is_some_and(|v| keep(&v[..])) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Merges one service's catalogues and adds the aliases that the
/// service's releases before [`OLDEST_LINE`] give (when the specs are in
/// `../shared`).
pub fn merge_service(service: &str, files: Vec<File>) -> Result<File> {
    let mut merged =
        onedata_catalogue::merge::merge(files).map_err(|e| anyhow!("{service}: {e}"))?;
    for path in old_specs_of(service)? {
        let spec = read_json(&path)?;
        let found = onedata_catalogue::alias::from_release(&spec, &merged);
        merged.aliases.extend(found);
    }
    onedata_catalogue::alias::settle(&mut merged);
    Ok(merged)
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the spec {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// The specs of every committed catalogue.
pub fn default_specs() -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for service in committed_services()? {
        out.extend(specs_of(&service)?);
    }
    Ok(out)
}

/// Generates each spec's catalogue and groups them by service.
pub fn generate_grouped(paths: &[PathBuf]) -> Result<BTreeMap<String, Vec<File>>> {
    let mut groups: BTreeMap<String, Vec<File>> = BTreeMap::new();
    for path in paths {
        let spec = read_json(path)?;
        let file = onedata_catalogue::generate::generate(&spec)
            .map_err(|e| anyhow!("{}: {e}", path.display()))?;
        groups.entry(file.name.clone()).or_default().push(file);
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Says that a test was skipped, on the real stderr: libtest captures
    /// `eprintln!` of a passing test, but not writes to the stderr handle.
    /// Under CI (`CI` set, not empty, `false` or `0`), where everything a
    /// test needs is there, a skip is a failure instead.
    fn skip(why: &str) {
        use std::io::Write;
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(!ci, "skipped under CI: {why}");
        let _ = writeln!(std::io::stderr(), "SKIPPED {why}");
    }

    /// Every committed catalogue is exactly what the generator makes from
    /// the specs in ../shared. Skips (loudly) where they are not beside us.
    #[test]
    fn committed_catalogues_are_fresh() {
        if !shared_specs().is_dir() {
            skip(&format!(
                "committed_catalogues_are_fresh: {} is absent",
                shared_specs().display()
            ));
            return;
        }
        let services = committed_services().unwrap();
        assert!(services.contains(&"onezone".to_owned()), "{services:?}");
        for service in services {
            let specs = specs_of(&service).unwrap();
            assert!(!specs.is_empty(), "no spec of {service} in ../shared");
            let groups = generate_grouped(&specs).unwrap();
            let merged = merge_service(&service, groups.into_values().flatten().collect()).unwrap();
            assert_eq!(merged.releases.len(), specs.len(), "{service}");
            let path = root().join(format!("crates/catalogue/api/{service}.json"));
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == merged.to_text(),
                "{} is stale: run `cargo xtask catalogue`",
                path.display()
            );
        }
    }
}
