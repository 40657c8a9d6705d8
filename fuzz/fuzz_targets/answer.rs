//! Arbitrary server answers through the output path: `output::success` in
//! every `-o` format (with the content types a server may claim, to a pipe
//! and to a terminal), `output::http_error` for error statuses, and the
//! `Location` of a 201. On a terminal, no format but raw may let a control
//! character of the answer through (issue 14). Pure: the body is read from
//! memory, the output written to memory.
//!
//! Input: one byte picks the status and content type, one the format and
//! terminal; the rest is the body (for a 201, the part before a first
//! `\n\n`, when there is one, is the `Location` header).

#![no_main]

use libfuzzer_sys::fuzz_target;
use onezone_rest_cli::output::{self, Answer, ErrorContext, Format, Terminal};

const TYPES: [Option<&str>; 8] = [
    Some("application/json"),
    None,
    Some("text/html; charset=utf-8"),
    Some("application/octet-stream"),
    Some("image/png"),
    Some("application/problem+json"),
    Some("text/plain"),
    Some("application/xml"),
];
const STATUSES: [u16; 8] = [200, 201, 204, 400, 401, 403, 500, 503];
const FORMATS: [Format; 5] = [
    Format::Json,
    Format::Pretty,
    Format::Table,
    Format::Raw,
    Format::Token,
];

fuzz_target!(|data: &[u8]| {
    let [a, b, body @ ..] = data else {
        return;
    };
    let status = STATUSES[usize::from(a & 7)];
    let content_type = TYPES[usize::from((a >> 3) & 7)];
    let format = FORMATS[usize::from(b % 5)];
    let is_terminal = b & 0x20 != 0;
    let term = Terminal {
        is_terminal,
        width: (b & 0x40 != 0).then_some(u16::from(*b)),
        unicode: b & 0x80 != 0,
        colour: is_terminal && b & 0x08 != 0,
    };
    let (body, location) = match body.windows(2).position(|w| w == b"\n\n") {
        Some(i) if status == 201 => (
            &body[i + 2..],
            Some(String::from_utf8_lossy(&body[..i]).into_owned()),
        ),
        _ => (body, None),
    };
    if status >= 400 {
        let ctx = ErrorContext {
            privileges: &["oz_groups_view"],
            ..ErrorContext::default()
        };
        let f = output::http_error(status, Some("Reason"), content_type, body, &ctx);
        assert!(!f.lines.is_empty());
        let text = f.to_string();
        // Control characters of the answer never reach the terminal.
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "a control character in {text:?}"
        );
        return;
    }
    let answer = Answer {
        status,
        content_type: content_type.map(str::to_owned),
        content_length: Some(body.len() as u64),
        location,
    };
    let mut out = Vec::new();
    let mut reader = body;
    let _ = output::success(&answer, &mut reader, format, term, &mut out);
    // Rule 1 of issue 14: on a terminal, whatever the answer and whether it
    // was printed whole or not, nothing in the output can drive the
    // terminal, in every format but raw (which prints the answer as
    // received). The colours of -o pretty are ours, and the only escape
    // sequences allowed.
    if is_terminal && format != Format::Raw {
        let text = match std::str::from_utf8(&out) {
            Ok(t) => t,
            Err(e) => panic!("-o {format:?} wrote bytes that are not UTF-8 to the terminal: {e}"),
        };
        let text = if term.colour {
            strip_colours(text)
        } else {
            text.to_owned()
        };
        assert!(
            !text.chars().any(|c| {
                (c.is_control() && c != '\n' && c != '\t')
                    || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            }),
            "-o {format:?} let a control character reach the terminal: {text:?}"
        );
    }
});

/// The SGR sequences `-o pretty` writes with colours on.
const COLOURS: [&str; 6] = [
    "\x1b[1;34m",
    "\x1b[32m",
    "\x1b[36m",
    "\x1b[33m",
    "\x1b[35m",
    "\x1b[0m",
];

fn strip_colours(text: &str) -> String {
    let mut s = text.to_owned();
    for c in COLOURS {
        s = s.replace(c, "");
    }
    s
}
