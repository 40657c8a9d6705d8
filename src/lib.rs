//! onezone-rest-cli: a command-line client for the Onedata Onezone REST API.
pub mod catalogue;
pub mod secret;
pub mod validate;
