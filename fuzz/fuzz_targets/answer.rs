//! Arbitrary server answers through the output path: `output::success` in
//! every `-o` format (with the content types a server may claim, to a pipe
//! and to a terminal), `output::http_error` for error statuses, and the
//! `Location` of a 201. Pure: the body is read from memory, the output
//! written to memory.
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
    let term = Terminal {
        is_terminal: b & 0x20 != 0,
        width: (b & 0x40 != 0).then_some(u16::from(*b)),
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
});
