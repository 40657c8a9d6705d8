//! Small helpers: percent-coding of path segments, base64 for Basic
//! credentials, identifiers and tokens, the PNG that `testImage` answers,
//! and header lookup.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// Decodes `%XY` escapes. `None` for a broken escape or a result that is not
/// UTF-8 (the caller answers 400); `percent_decode_str` alone would pass a
/// broken escape through.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let broken = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if broken {
        return None;
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Percent-encodes a path segment the way the client does, for building
/// `Location` headers from identifiers and paths.
pub(crate) fn percent_encode(s: &str) -> String {
    onedata_catalogue::path_encoding::encode_segment(s)
}

/// Standard base64 (RFC 4648), padding optional. `None` when it is not base64.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(s).ok()
}

/// A small pseudo-random generator (splitmix64): identifiers and tokens only
/// need to be unique within one fake, not secret.
#[derive(Debug)]
pub(crate) struct Ids {
    state: u64,
}

impl Ids {
    pub(crate) fn new(salt: u64) -> Ids {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Ids {
            state: nanos ^ salt.rotate_left(32) ^ 0x9e37_79b9_7f4a_7c15,
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A 32-hex-digit identifier, like Onezone's record ids.
    pub(crate) fn id(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }

    /// An opaque serialized token. Real Onedata tokens are base62-encoded
    /// macaroons starting with `MDAx`; these only look alike.
    pub(crate) fn token(&mut self) -> String {
        const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut out = String::from("MDAx");
        for _ in 0..6 {
            let mut n = self.next();
            for _ in 0..10 {
                out.push(char::from(DIGITS[(n % 62) as usize]));
                n /= 62;
            }
        }
        out
    }
}

/// Seconds since the epoch, for `creationTime` fields.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A valid 1×1 transparent PNG (what `testImage` answers).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0b, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

/// The first header named `name` (case-insensitive): one lookup for the
/// requests the fake records and the answers the probe reads.
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2Fc").as_deref(), Some("a b/c"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_encode("a b/ć"), "a%20b%2F%C4%87");
    }

    #[test]
    fn base64_round_trip() {
        for s in ["", "a", "ab", "abc", "admin:password", "user:pä:ss"] {
            let enc = base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
            assert_eq!(base64_decode(&enc).as_deref(), Some(s.as_bytes()), "{enc}");
        }

        assert_eq!(base64_decode("a!b"), None);
    }

    #[test]
    fn ids_and_tokens_are_unique() {
        let mut ids = Ids::new(1);
        let a = ids.id();
        assert_eq!(a.len(), 32);
        assert_ne!(a, ids.id());
        let t = ids.token();
        assert!(
            t.starts_with("MDAx") && t.len() == 64 && t.bytes().all(|b| b.is_ascii_alphanumeric())
        );
    }
}
