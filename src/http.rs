//! Sending requests (work in progress).
use crate::cli::Globals;
use crate::exit::Failure;
use crate::request::Request;

pub fn send(_req: &Request, _g: &Globals) -> Result<u8, Failure> {
    Err(Failure::new(
        crate::exit::CONFIG,
        "sending is not built yet; use --dry-run",
    ))
}
