//! onezone-rest-cli: a command-line client for the Onedata Onezone REST API.
//!
//! The pipeline, one module per step: `cli` (options) → `catalogue`
//! (operation lookup) → `items` (request-item grammar) → `request` (the pure
//! request model, validated by `validate`) → `auth` (the credential) →
//! `curl` (`--dry-run`) or `http` (sending) → output and `exit` codes.
pub mod app;
pub mod auth;
pub mod builtins;
pub mod catalogue;
pub mod cli;
pub mod complete;
pub mod config;
pub mod curl;
pub mod exit;
pub mod help;
pub mod http;
pub mod items;
pub mod keyring;
pub mod login;
pub mod man;
pub mod output;
pub mod request;
pub mod secret;
pub mod validate;
