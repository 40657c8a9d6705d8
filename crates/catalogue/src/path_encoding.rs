//! How a path parameter's value is written into an operation's path: every
//! byte but RFC 3986's unreserved characters is percent-encoded, so a value
//! can never add a path segment, a query or a fragment. The client encodes
//! with it; the fake servers check what arrives against it.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters.
pub const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One path segment, encoded.
pub fn encode_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, PATH_SEGMENT).to_string()
}
