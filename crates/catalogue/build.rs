//! Compiles the committed catalogues (`api/<service>.json`, one per
//! service, every release in it) into static Rust tables
//! (`$OUT_DIR/builtin.rs`, included by `src/lib.rs` as `builtin`), so the
//! binaries never parse JSON to find an operation.
//!
//! The files are read through the typed model of `src/model.rs` (an
//! unknown field or another format version stops the build), and each value
//! writes itself as Rust (`src/owned.rs`; `src/binary.rs` comes along,
//! since the declared types carry its impls).

#[path = "src/binary.rs"]
#[allow(dead_code)]
mod binary;

#[path = "src/owned.rs"]
#[allow(dead_code)]
mod owned;

#[path = "src/model.rs"]
#[allow(dead_code)]
mod model;

use model::{ServiceData, FORMAT};
use owned::Owned;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    if std::env::var_os("CARGO_FEATURE_BUILTIN").is_none() {
        return;
    }
    println!("cargo:rerun-if-changed=api");
    println!("cargo:rerun-if-changed=src/model.rs");
    println!("cargo:rerun-if-changed=src/owned.rs");
    let mut files: Vec<PathBuf> = std::fs::read_dir("api")
        .unwrap_or_else(|e| panic!("read api/: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = String::new();
    let mut statics = Vec::new();
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let file: ServiceData = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not a catalogue: {e}", path.display()));
        if file.format != FORMAT {
            panic!(
                "{} has format {}, this build reads {FORMAT}: regenerate it with `cargo xtask catalogue`",
                path.display(),
                file.format
            );
        }
        let name = file.name.to_uppercase();
        let mut value = String::new();
        file.emit(&file.context(), &mut value)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.trim_start_matches('.')));
        let _ = writeln!(
            out,
            "/// {}: releases {}.\npub static {name}: Service = {value};",
            file.title,
            file.releases.join(", ")
        );
        statics.push(format!("&{name}"));
    }
    if statics.is_empty() {
        panic!("no catalogue in api/");
    }
    let _ = writeln!(
        out,
        "/// Every built-in service.\npub static SERVICES: &[&Service] = &[{}];",
        statics.join(", ")
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("write {}: {e}", dest.display()));
}
