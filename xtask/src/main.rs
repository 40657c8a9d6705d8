//! Project tools.
//!
//! `cargo xtask catalogue [SPEC.json ...] [--out DIR]` regenerates the
//! operation catalogues: the specs are grouped by service and each group is
//! merged into `DIR/<service>.json` (default `crates/catalogue/api`).
//! Without specs it regenerates every committed catalogue from the specs in
//! `../shared/onedata-api/` (see [`specs::default_specs`]).

mod specs;

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("catalogue") => {
            let mut paths = Vec::new();
            let mut out = specs::root().join("crates/catalogue/api");
            while let Some(a) = args.next() {
                match a.as_str() {
                    "--out" => out = PathBuf::from(args.next().context("--out needs a directory")?),
                    _ => paths.push(PathBuf::from(a)),
                }
            }
            if paths.is_empty() {
                paths = specs::default_specs()?;
                if paths.is_empty() {
                    bail!(
                        "no specs given, and none found in {}",
                        specs::shared_specs().display()
                    );
                }
            }
            for (service, files) in specs::generate_grouped(&paths)? {
                let merged = specs::merge_service(&service, files)?;
                let path = out.join(format!("{service}.json"));
                std::fs::write(&path, merged.to_text())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!(
                    "wrote {} ({} releases, {} operation entries, {} aliases)",
                    path.display(),
                    merged.releases.len(),
                    merged.operations.len(),
                    merged.aliases.len()
                );
            }
            Ok(())
        }
        _ => bail!("usage: cargo xtask catalogue [SPEC.json ...] [--out DIR]"),
    }
}
