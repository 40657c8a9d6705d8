//! Keeping the server's bytes from driving the terminal. A character that
//! can move the cursor, change colours, set the window title, paste into
//! the shell or reorder what is shown — a C0 or C1 control, DEL, a
//! bidirectional override or isolate ([`is_unsafe`]) — is shown as a
//! visible escape instead ([`escape_controls`]; `Guard` for a stream).
//! Every path that prints what a server sent goes through here: tables,
//! errors, `-v` and `-i` headers, and, when stdout is a terminal, the
//! bodies of every format but `raw`.

/// Whether `c` can drive or disguise what a terminal shows: C0 and C1
/// control characters, DEL, and the bidirectional overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069).
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every [unsafe](is_unsafe) character as a visible escape
/// (`\u{1b}`, `\n`, `\u{202e}`).
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_visible(c, &mut out);
    }
    out
}

/// Appends `c`, as a visible escape when it is [unsafe](is_unsafe).
pub(super) fn push_visible(c: char, out: &mut String) {
    if is_unsafe(c) {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

/// The first `max` characters of a body, with control characters (and
/// bidirectional overrides) escaped, so a hostile answer cannot drive the
/// terminal.
pub fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = escape_controls(&text.chars().take(max).collect::<String>());
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// How a [`Guard`] writes what it escapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    /// Text: visible escapes as [`escape_controls`] writes them; bytes that
    /// are not UTF-8 as `\xHH`.
    Text,
    /// JSON: `\u009b`, valid inside a JSON string (the only place a valid
    /// document can hold such a character); bytes that are not UTF-8 (an
    /// invalid document, reported once it is read) as U+FFFD.
    Json,
}

/// A streaming filter between an answer and a terminal: it passes UTF-8
/// text through, keeping `\n` and `\t`, and escapes every other
/// [unsafe](is_unsafe) character and every byte that is not UTF-8. A
/// character cut between two chunks is held until the next one.
#[derive(Debug)]
pub(super) struct Guard {
    style: Style,
    /// The start of a character cut at the end of the last chunk.
    pending: Vec<u8>,
}

impl Guard {
    pub(super) fn new(style: Style) -> Guard {
        Guard {
            style,
            pending: Vec::new(),
        }
    }

    /// Filters `input` onto `out`.
    pub(super) fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        if self.pending.is_empty() {
            let used = self.process(input, out);
            self.pending.extend_from_slice(&input[used..]);
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(input);
            let used = self.process(&joined, out);
            self.pending.extend_from_slice(&joined[used..]);
        }
    }

    /// The end of the input: a character left incomplete is invalid.
    pub(super) fn finish(&mut self, out: &mut Vec<u8>) {
        for b in std::mem::take(&mut self.pending) {
            self.invalid(b, out);
        }
    }

    /// Filters what it can of `data`; the bytes not used are the start of
    /// a character cut at the end.
    fn process(&self, data: &[u8], out: &mut Vec<u8>) -> usize {
        let mut at = 0;
        loop {
            let rest = &data[at..];
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    self.text(s, out);
                    return data.len();
                }
                Err(e) => {
                    let good = &rest[..e.valid_up_to()];
                    self.text(std::str::from_utf8(good).unwrap_or_default(), out);
                    let Some(bad) = e.error_len() else {
                        return at + good.len();
                    };
                    for &b in &rest[good.len()..good.len() + bad] {
                        self.invalid(b, out);
                    }
                    at += good.len() + bad;
                }
            }
        }
    }

    fn text(&self, s: &str, out: &mut Vec<u8>) {
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if is_unsafe(c) && c != '\n' && c != '\t' {
                out.extend_from_slice(&s.as_bytes()[start..i]);
                start = i + c.len_utf8();
                match self.style {
                    Style::Text => out.extend(c.escape_default().map(|e| e as u8)),
                    Style::Json => out.extend_from_slice(json_escape(c).as_bytes()),
                }
            }
        }
        out.extend_from_slice(&s.as_bytes()[start..]);
    }

    fn invalid(&self, b: u8, out: &mut Vec<u8>) {
        match self.style {
            Style::Text => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
            Style::Json => out.extend_from_slice("\u{fffd}".as_bytes()),
        }
    }
}

/// `c` as a JSON escape: `\u009b`.
pub(super) fn json_escape(c: char) -> String {
    let mut units = [0u16; 2];
    c.encode_utf16(&mut units)
        .iter()
        .map(|u| format!("\\u{u:04x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(style: Style, chunks: &[&[u8]]) -> String {
        let mut g = Guard::new(style);
        let mut out = Vec::new();
        for c in chunks {
            g.feed(c, &mut out);
        }
        g.finish(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_gets_visible_escapes_and_keeps_lines() {
        let body = "a\x1b[31mb\n\tc\u{9b}d\u{202e}e\u{7f}é\r".as_bytes();
        let want = "a\\u{1b}[31mb\n\tc\\u{9b}d\\u{202e}e\\u{7f}é\\r";
        assert_eq!(guard(Style::Text, &[body]), want);
        // Cut anywhere, even inside a character, the result is the same.
        for i in 0..body.len() {
            assert_eq!(guard(Style::Text, &[&body[..i], &body[i..]]), want, "{i}");
        }
        assert_eq!(guard(Style::Text, &[b"x\xff\xc2"]), "x\\xff\\xc2");
    }

    #[test]
    fn json_gets_json_escapes() {
        let body = "[\"\u{9b}31m\u{202e}\u{7f}\"]".as_bytes();
        let out = guard(Style::Json, &[&body[..3], &body[3..]]);
        assert_eq!(out, "[\"\\u009b31m\\u202e\\u007f\"]");
        assert_eq!(
            serde_json::from_str::<Vec<String>>(&out).unwrap(),
            ["\u{9b}31m\u{202e}\u{7f}"]
        );
        assert_eq!(guard(Style::Json, &[b"\"\x9b\""]), "\"\u{fffd}\"");
    }
}
