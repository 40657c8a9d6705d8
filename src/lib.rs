//! The engine of onezone-rest-cli, oneprovider-rest-cli and onepanel-rest-cli:
//! command-line clients for the Onedata REST APIs. The three binaries
//! (`src/bin/`) differ only in their [`personality`]; each calls [`main`].
//!
//! The pipeline, one module per step: `cli` (options) → `release` (which
//! API release, hence which catalogue of `onedata_catalogue`) → operation
//! lookup → `items` (request-item grammar) → `request` (the pure
//! request model, validated by `catalogue::validate`) → `auth` (the credential) →
//! `curl` (`--dry-run`) or `net` (sending) → output and `exit` codes.
//! Beside the operations, `builtins` lists the tool's own commands, which
//! are in `commands` (`login`, `logout`, `login --status`).
pub mod app;
pub mod auth;
pub mod builtins;
pub mod cache;
pub mod cli;
pub mod commands;
pub mod complete;
pub mod curl;
pub mod deprecation;
pub mod exit;
pub mod fix;
pub mod help;
pub mod ids;
pub mod items;
pub mod man;
pub mod names;
pub mod net;
pub mod output;
pub mod output_file;
pub mod pager;
pub mod personality;
pub mod private_files;
pub mod progress;
pub mod release;
pub mod request;
pub mod suggest;
pub mod task;
pub mod write_out;

/// The operation catalogues (the `onedata-catalogue` crate).
pub use onedata_catalogue as catalogue;

/// The whole run of a command: `personality` says which one. Returns the
/// process's exit status.
pub fn main(personality: &'static personality::Personality) -> std::process::ExitCode {
    use std::io::Write;
    personality::set(personality);
    // `std::env::args()` panics on an argument that is not UTF-8: take them
    // as OsStrings and refuse such an argument with a usage error instead.
    // The argument itself is not shown: it may be a credential (-u, -H).
    let mut args = Vec::new();
    for (i, arg) in std::env::args_os().skip(1).enumerate() {
        match arg.into_string() {
            Ok(a) => args.push(a),
            Err(_) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "error: argument {} of the command line is not valid UTF-8\n  \
                     arguments are text; send other bytes as the body, from stdin: - < FILE",
                    i + 1
                );
                return std::process::ExitCode::from(exit::USAGE);
            }
        }
    }
    std::process::ExitCode::from(app::run(args))
}
