//! Redirects: which answers are followed, and where to.
//!
//! # Choices
//! - **Redirects are followed here**, not by reqwest (its policy strips only
//!   the headers it knows, such as `Authorization`, not `X-Auth-Token`): at
//!   most [`MAX_REDIRECTS`], and the credential is dropped for good as soon as
//!   a hop leaves the origin (scheme, host and port) it was given for.
//!   303, and 301/302 after a POST, continue as a GET without the body.
//!
//! The loop in `send::exchange` applies this, hop by hop.

use crate::exit::{self, Failure};
use crate::output;
use reqwest::header::LOCATION;
use url::Url;

pub const MAX_REDIRECTS: usize = 10;

/// The next URL of a redirect, or `None` when the answer is final.
pub(super) fn redirect_target(resp: &reqwest::Response, url: &Url) -> Result<Option<Url>, Failure> {
    let status = resp.status();
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(loc) = resp.headers().get(LOCATION) else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(loc.as_bytes());
    let next = url.join(&text).map_err(|e| {
        Failure::new(
            exit::BAD_RESPONSE,
            format!(
                "the {} redirect has an invalid Location {}: {e}",
                status.as_u16(),
                output::excerpt(text.as_bytes(), 200)
            ),
        )
    })?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(Failure::new(
            exit::BAD_RESPONSE,
            format!(
                "the {} redirect goes to {}, which is not http(s)",
                status.as_u16(),
                output::excerpt(next.as_str().as_bytes(), 200)
            ),
        ));
    }
    Ok(Some(next))
}
