//! Secrets that cannot be printed by accident: `Debug` and `Display` show a
//! redaction, and the value is reachable only through [`Secret::expose`].

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: only for the wire (an HTTP header), or for output
    /// the user explicitly asked to see.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("MDAxNmxvY2F00aW9u");
        assert!(!format!("{s:?} {s}").contains("MDAx"));
        assert_eq!(s.expose(), "MDAxNmxvY2F00aW9u");
    }
}
