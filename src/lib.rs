//! onezone-rest-cli: a command-line client for the Onedata Onezone REST API.
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
pub mod exit;
pub mod help;
pub mod items;
pub mod man;
pub mod net;
pub mod output;
pub mod private_files;
pub mod release;
pub mod request;

/// The operation catalogues (the `onedata-catalogue` crate).
pub use onedata_catalogue as catalogue;
