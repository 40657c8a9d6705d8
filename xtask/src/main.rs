//! Project tools. `cargo xtask catalogue [SPEC] [--out DIR]` regenerates the
//! operation catalogue from a Swagger 2.0 spec of the Onezone REST API.

mod catalogue;

use anyhow::{bail, Context, Result};
use std::path::PathBuf;

const DEFAULT_SPEC: &str = "../shared/onezone-api/swagger-21.02.7.json";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("catalogue") => {
            let mut spec = PathBuf::from(DEFAULT_SPEC);
            let mut out = PathBuf::from("api");
            while let Some(a) = args.next() {
                match a.as_str() {
                    "--out" => out = PathBuf::from(args.next().context("--out needs a directory")?),
                    _ => spec = PathBuf::from(a),
                }
            }
            let text = std::fs::read_to_string(&spec)
                .with_context(|| format!("cannot read the spec {}", spec.display()))?;
            let spec_json: serde_json::Value =
                serde_json::from_str(&text).with_context(|| format!("{} is not JSON", spec.display()))?;
            let cat = catalogue::generate(&spec_json)?;
            let path = out.join(catalogue::file_name(&cat)?);
            std::fs::write(&path, catalogue::render(&cat)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let n = cat["operations"].as_array().map_or(0, Vec::len);
            eprintln!("wrote {} ({n} operations)", path.display());
            Ok(())
        }
        _ => bail!("usage: cargo xtask catalogue [SPEC.json] [--out DIR]\n  (default spec: {DEFAULT_SPEC})"),
    }
}
