//! Rendering an answer: the body of a success on stdout (in the `-o` format),
//! an HTTP error as a readable message for stderr, and the header lines of
//! `-i` and `-v`. No network here: the body arrives as a `Read`, so tests
//! feed it from memory. JSON in `json`, `pretty` and `token` is in
//! `output/json.rs`, tables in `output/table.rs`, escaping for the terminal
//! in [`escape`].
//!
//! # Formats
//! | `-o` | JSON body | other bodies |
//! |---|---|---|
//! | `json` (piped default) | compact, one line, ending in `\n`; streamed | as received |
//! | `pretty` (terminal default) | indented, ending in `\n`; streamed | as received |
//! | `table` | a comfy-table fitted to the terminal, bounded (`output/table.rs`) | as received |
//! | `raw` | as received (no newline added); streamed | as received |
//! | `token` | the `token` field alone, ending in `\n` | error |
//!
//! A 201 with `Location` and no body prints `{"id": …, "location": …}` (in
//! the format chosen; `raw` prints the empty body). A 204, or any empty body,
//! prints nothing. A binary body (an image, or bytes that are not text) is
//! written only when stdout is not a terminal.
//!
//! # The terminal
//! When stdout is a terminal, nothing the server sent reaches it
//! unescaped, in any format but `raw`: in JSON, control characters, DEL,
//! C1 controls and bidirectional overrides are written as JSON escapes
//! (`\u009b`, so the output stays valid JSON); in other text, as visible
//! escapes (`\u{1b}`, `\xff` for a byte that is not UTF-8), lines and tabs
//! kept. `-o token` refuses a token that is not printable ASCII, wherever
//! stdout is. When stdout is a pipe or a file, the bytes pass as received.
//!
//! # Validity
//! A JSON answer is checked the same way in every format but `raw`: every
//! string is decoded (bytes that are not UTF-8, a lone surrogate such as
//! `"\ud800"`), so an invalid answer fails with the same message and exit
//! code 1 whatever the format. `raw` prints any answer as received.
//!
//! # Memory
//! The first [`SNIFF_LIMIT`] bytes are read before anything is printed. A
//! body that ends within them is checked whole, so an invalid answer prints
//! nothing. A longer body is streamed with bounded memory in `raw`, `json`
//! and `pretty` (checked by serde_json as it passes; `json` removes the
//! whitespace outside strings, and keeps numbers and escapes as received),
//! and for non-JSON bodies. If such a body turns out invalid or is cut
//! short, what came before is already on stdout, without the final newline,
//! and the exit code is 1. `token` reads the token alone. `table` needs the
//! whole document: it takes at most [`WHOLE_LIMIT`] bytes and names the
//! streaming formats beyond that; it borrows its cells from the document,
//! so its peak memory is about the answer's size plus a bounded table.
//! Peak memory beyond the binary's own is thus at most about 2× the
//! answer's size, in every format (a 10 MB answer: nothing noticeable in
//! `json`, `pretty` and `raw`, 18 MiB in `table`; docs/robustness.md has
//! the numbers).
//!
//! # Time
//! With `-m`, rendering stops at the deadline too ([`RenderError::TimedOut`],
//! exit 6): checked as output is written, and row by row in a table.

pub mod escape;
mod json;
pub mod table;

use crate::auth::Source;
use crate::exit::{self, Failure};
pub use escape::{escape_controls, excerpt};
pub use json::Minifier;
use serde_json::Value;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::time::Instant;

/// What is read before deciding how to print: a body within it is checked
/// whole before a byte is printed.
pub const SNIFF_LIMIT: usize = 1 << 20;
/// The largest body `table` takes.
pub const WHOLE_LIMIT: u64 = 64 << 20;
/// How much of an error body is read.
pub const ERROR_BODY_LIMIT: u64 = 64 << 10;
/// How many characters of a non-JSON error body are shown.
const EXCERPT_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Pretty,
    Table,
    Raw,
    Token,
}

impl Format {
    /// The `-o` value, or the default: pretty on a terminal, compact when piped.
    pub fn choose(output: Option<&str>, stdout_is_terminal: bool) -> Format {
        match output {
            Some("json") => Format::Json,
            Some("pretty") => Format::Pretty,
            Some("table") => Format::Table,
            Some("raw") => Format::Raw,
            Some("token") => Format::Token,
            _ if stdout_is_terminal => Format::Pretty,
            _ => Format::Json,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Pretty => "pretty",
            Format::Table => "table",
            Format::Raw => "raw",
            Format::Token => "token",
        }
    }
}

/// Where the output goes, and what it can show.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    pub is_terminal: bool,
    /// Columns, when stdout is a terminal whose size is known.
    pub width: Option<u16>,
    /// Whether a table may use box-drawing characters: a terminal whose
    /// locale is UTF-8 and whose `TERM` is not `dumb` (see
    /// [`unicode_locale`]).
    pub unicode: bool,
    /// Whether pretty JSON is coloured: a terminal, and colours allowed
    /// (see [`colours_allowed`]).
    pub colour: bool,
}

/// Whether colours may be used on a terminal: not with `--no-colors`
/// (`-nc`), nor with `NO_COLOR` set to a non-empty value, nor with `TERM`
/// unset or `dumb`. Whether the stream is a terminal is asked apart.
pub fn colours_allowed(no_colors: bool, var: impl Fn(&str) -> Option<String>) -> bool {
    !no_colors
        && var("NO_COLOR").is_none_or(|v| v.is_empty())
        && var("TERM").is_some_and(|t| !t.is_empty() && t != "dumb")
}

/// Decides, once, whether stdout and stderr are coloured: each only when
/// it is a terminal and [`colours_allowed`]. The answer is kept by the
/// console crate ([`console::colors_enabled`], `colors_enabled_stderr`).
pub fn init_colours(no_colors: bool) {
    let allowed = colours_allowed(no_colors, |k| std::env::var(k).ok());
    console::set_colors_enabled(allowed && console::Term::stdout().is_term());
    console::set_colors_enabled_stderr(allowed && console::Term::stderr().is_term());
}

/// `error:`, `warning:` or `note:` for a line on stderr, coloured when
/// stderr is (see [`init_colours`]); the text is the same either way.
pub fn label(kind: &str) -> String {
    let style = console::Style::new().for_stderr().bold();
    let style = match kind {
        "error" => style.red(),
        "warning" => style.yellow(),
        _ => style.cyan(),
    };
    style.apply_to(format!("{kind}:")).to_string()
}

/// `line` with a leading `error:`, `warning:` or `note:` coloured as
/// [`label`] does; any other line as it is.
pub fn labelled(line: &str) -> String {
    for kind in ["error", "warning", "note"] {
        if let Some(rest) = line.strip_prefix(kind).and_then(|r| r.strip_prefix(':')) {
            return format!("{}{rest}", label(kind));
        }
    }
    line.to_owned()
}

/// Whether the locale and terminal show box-drawing characters: not with
/// `TERM=dumb`, nor where the first of `LC_ALL`, `LC_CTYPE`, `LANG` that is
/// set (and not empty) names no UTF-8 charset (`C`, `POSIX`,
/// `en_US.ISO-8859-1`). With none of them set, UTF-8 is assumed, as most
/// terminals today are.
pub fn unicode_locale(var: impl Fn(&str) -> Option<String>) -> bool {
    if var("TERM").is_some_and(|t| t == "dumb") {
        return false;
    }
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| var(k).filter(|v| !v.is_empty()));
    locale.is_none_or(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("utf-8") || l.contains("utf8")
    })
}

/// The parts of a successful answer that decide how it is printed.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    /// The `Location` header, resolved against the request URL.
    pub location: Option<String>,
}

/// Why a successful answer could not be printed.
#[derive(Debug)]
pub enum RenderError {
    /// Reading the body failed (the connection broke, a timeout).
    Read(io::Error),
    /// Writing to stdout failed.
    Write(io::Error),
    /// The answer says JSON but is not.
    InvalidJson(String),
    /// The body is over [`WHOLE_LIMIT`] for a format that needs all of it.
    TooLarge(Format),
    /// `-o token`, and the answer has no token.
    NoToken(String),
    /// `-o token`, and the token holds more than printable ASCII (shown
    /// escaped).
    BadToken(String),
    /// A binary body, and stdout is a terminal.
    Binary { content_type: String },
    /// The deadline of `-m` passed while the answer was printed.
    TimedOut,
}

impl RenderError {
    /// The failure to report; `read` tells what a failed read of the body
    /// means (the caller knows the connection).
    pub fn into_failure(self, read: impl FnOnce(io::Error) -> Failure) -> Failure {
        match self {
            RenderError::Read(e) => read(e),
            RenderError::Write(e) => Failure::stdout(&e),
            RenderError::InvalidJson(e) => Failure::new(
                exit::BAD_RESPONSE,
                format!("the answer is not valid JSON: {e}"),
            )
            .hint("-o raw prints it as received"),
            RenderError::TooLarge(f) => Failure::new(
                exit::BAD_RESPONSE,
                format!(
                    "the answer is larger than {} MiB, too large for -o {}",
                    WHOLE_LIMIT >> 20,
                    f.name()
                ),
            )
            .hint("-o json, -o pretty or -o raw stream answers of any size"),
            RenderError::NoToken(what) => Failure::new(
                exit::BAD_RESPONSE,
                format!("-o token: the answer has no token ({what})"),
            )
            .hint(
                "-o token is for operations that create a token, \
                 such as createTemporaryTokenForCurrentUser",
            ),
            RenderError::BadToken(shown) => Failure::new(
                exit::BAD_RESPONSE,
                format!(
                    "-o token: the token in the answer is not printable ASCII \
                     (it holds spaces, control or other characters: {shown}); nothing was printed"
                ),
            )
            .hint("no Onedata token looks like that; -o json shows the whole answer"),
            RenderError::Binary { content_type } => Failure::new(
                exit::BAD_RESPONSE,
                format!(
                    "the answer is binary ({content_type}) and stdout is a terminal; \
                     nothing was printed"
                ),
            )
            .hint("redirect stdout to a file (> FILE), or give --output-file FILE"),
            RenderError::TimedOut => Failure::new(
                exit::NETWORK,
                "printing the answer did not end within the time limit (-m); \
                 it was stopped, and stdout has at most part of it",
            )
            .hint("-m/--max-time SECONDS allows more time (0: no limit); -o json prints fastest"),
        }
    }
}

/// `application/json`, `application/problem+json`, `text/json`.
pub fn is_json_type(content_type: &str) -> bool {
    let essence = essence(content_type);
    essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
}

/// The media type of a Content-Type, lower-cased, without parameters.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Text,
    Binary,
}

/// Decides by the content type, and by the first bytes where the type says
/// little (`application/octet-stream`, none).
fn body_kind(content_type: Option<&str>, first: &[u8]) -> BodyKind {
    let essence = content_type.map(essence);
    match essence.as_deref() {
        Some(t) if is_json_type(t) => BodyKind::Json,
        Some(t)
            if t.starts_with("image/")
                || t.starts_with("audio/")
                || t.starts_with("video/")
                || t.starts_with("font/")
                || matches!(
                    t,
                    "application/zip" | "application/gzip" | "application/pdf"
                ) =>
        {
            BodyKind::Binary
        }
        Some(t) if t.starts_with("text/") || t.ends_with("+xml") || t.ends_with("/xml") => {
            BodyKind::Text
        }
        None if matches!(first_non_space(first), Some(b'{' | b'[')) => BodyKind::Json,
        _ if looks_binary(first) => BodyKind::Binary,
        _ => BodyKind::Text,
    }
}

fn first_non_space(bytes: &[u8]) -> Option<u8> {
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// NUL bytes, or bytes that are not UTF-8 (a character cut at the end of the
/// sample is allowed).
fn looks_binary(sample: &[u8]) -> bool {
    if sample.contains(&0) {
        return true;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => false,
        Err(e) => e.error_len().is_some(),
    }
}

/// stdout, with the deadline of `-m` checked at every write and the first
/// failure kept (serde_json, which writes through it, keeps only text).
pub(crate) struct Sink<'a> {
    out: &'a mut dyn Write,
    deadline: Option<Instant>,
    error: Option<RenderError>,
}

impl Sink<'_> {
    /// Writes all of `bytes`.
    fn put(&mut self, bytes: &[u8]) -> Result<(), RenderError> {
        match self.write_all(bytes) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.error.take().unwrap_or(RenderError::Write(e))),
        }
    }

    /// The failure a write met, if any.
    fn failed(&mut self) -> Result<(), RenderError> {
        self.error.take().map_or(Ok(()), Err)
    }

    fn check(&mut self) -> io::Result<()> {
        if self.error.is_some() {
            return Err(io::Error::other("stdout failed before"));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            self.error = Some(RenderError::TimedOut);
            return Err(io::Error::new(io::ErrorKind::TimedOut, "time limit"));
        }
        Ok(())
    }

    fn keep(&mut self, e: io::Error) -> io::Error {
        let copy = io::Error::new(e.kind(), e.to_string());
        self.error = Some(RenderError::Write(e));
        copy
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        self.out.write(buf).map_err(|e| self.keep(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.error.is_some() {
            return Err(io::Error::other("stdout failed before"));
        }
        self.out.flush().map_err(|e| self.keep(e))
    }
}

/// Prints a successful answer's body on `out` in `format`.
pub fn success(
    answer: &Answer,
    body: &mut dyn Read,
    format: Format,
    term: Terminal,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    success_until(answer, body, format, term, None, out)
}

/// [`success`], stopping with [`RenderError::TimedOut`] once `deadline`
/// (that of `-m`) has passed.
pub fn success_until(
    answer: &Answer,
    body: &mut dyn Read,
    format: Format,
    term: Terminal,
    deadline: Option<Instant>,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let mut sink = Sink {
        out,
        deadline,
        error: None,
    };
    render(answer, body, format, term, &mut sink)?;
    sink.flush()
        .map_err(|e| sink.error.take().unwrap_or(RenderError::Write(e)))
}

fn render(
    answer: &Answer,
    body: &mut dyn Read,
    format: Format,
    term: Terminal,
    sink: &mut Sink,
) -> Result<(), RenderError> {
    let mut first = Vec::new();
    body.take(SNIFF_LIMIT as u64 + 1)
        .read_to_end(&mut first)
        .map_err(RenderError::Read)?;
    let complete = first.len() <= SNIFF_LIMIT;

    if first.is_empty() {
        return match (&answer.location, format) {
            (_, Format::Token) if answer.location.is_some() => Err(RenderError::NoToken(
                "it created a resource and has no body".into(),
            )),
            (_, Format::Token) => Err(RenderError::NoToken("its body is empty".into())),
            (Some(loc), f) if answer.status == 201 && f != Format::Raw => {
                let created = serde_json::to_vec(&location_json(loc))
                    .map_err(|e| RenderError::InvalidJson(e.to_string()))?;
                json_answer(&created, true, None, &mut io::empty(), f, term, sink)
            }
            _ => Ok(()),
        };
    }

    let kind = body_kind(answer.content_type.as_deref(), &first);
    if kind == BodyKind::Binary && term.is_terminal {
        return Err(RenderError::Binary {
            content_type: answer
                .content_type
                .as_deref()
                .map_or_else(|| "no content type".into(), escape_controls),
        });
    }
    if kind != BodyKind::Json || format == Format::Raw {
        if format == Format::Token {
            return Err(RenderError::NoToken(format!(
                "it is not JSON but {}",
                answer
                    .content_type
                    .as_deref()
                    .map_or_else(|| "untyped".into(), escape_controls)
            )));
        }
        // Raw, or not JSON: as received, but escaped for a terminal.
        let guard = (term.is_terminal && format != Format::Raw)
            .then(|| escape::Guard::new(escape::Style::Text));
        return copy(&first, complete, body, guard, sink);
    }
    json_answer(
        &first,
        complete,
        answer.content_length,
        body,
        format,
        term,
        sink,
    )
}

/// A JSON answer (not `raw`) whose start is `first`, the whole of it when
/// `complete`; `length` is its `Content-Length`.
fn json_answer(
    first: &[u8],
    complete: bool,
    length: Option<u64>,
    body: &mut dyn Read,
    format: Format,
    term: Terminal,
    sink: &mut Sink,
) -> Result<(), RenderError> {
    if complete {
        json::validate(first)?;
    }
    match format {
        Format::Json if complete => json::write_compact(first, term, sink),
        Format::Json | Format::Raw => json::stream_compact(first, body, term, sink),
        Format::Pretty => json::write_pretty(first, complete, body, term, sink),
        Format::Token => {
            let token = json::read_token(first, complete, body)?.map_err(RenderError::NoToken)?;
            if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(RenderError::BadToken(excerpt(token.as_bytes(), 60)));
            }
            sink.put(token.as_bytes())?;
            sink.put(b"\n")
        }
        Format::Table => {
            let whole = read_whole(first, complete, length, body)?;
            if !complete {
                json::validate(&whole)?;
            }
            let text = table::render(
                &whole,
                term.width,
                term.is_terminal && term.unicode,
                sink.deadline,
            )?;
            sink.put(text.as_bytes())?;
            sink.put(b"\n")
        }
    }
}

/// The whole body (at most [`WHOLE_LIMIT`] bytes) for `-o table`; one
/// whose `Content-Length` says more is refused before it is read.
fn read_whole(
    first: &[u8],
    complete: bool,
    length: Option<u64>,
    body: &mut dyn Read,
) -> Result<Vec<u8>, RenderError> {
    if complete {
        return Ok(first.to_vec());
    }
    if length.is_some_and(|n| n > WHOLE_LIMIT) {
        return Err(RenderError::TooLarge(Format::Table));
    }
    // Room for what Content-Length announces (at most WHOLE_LIMIT): a
    // vector that grows by doubling would hold the answer twice meanwhile.
    let announced = length.map_or(0, |n| usize::try_from(n).unwrap_or(0));
    let mut whole = Vec::with_capacity(announced.max(first.len()) + 1);
    whole.extend_from_slice(first);
    let room = (WHOLE_LIMIT + 1).saturating_sub(whole.len() as u64);
    body.take(room)
        .read_to_end(&mut whole)
        .map_err(RenderError::Read)?;
    if whole.len() as u64 > WHOLE_LIMIT {
        return Err(RenderError::TooLarge(Format::Table));
    }
    Ok(whole)
}

/// Writes the body as received, through `guard` when there is one.
fn copy(
    first: &[u8],
    complete: bool,
    body: &mut dyn Read,
    mut guard: Option<escape::Guard>,
    sink: &mut Sink,
) -> Result<(), RenderError> {
    let mut escaped = Vec::new();
    let mut pass = |chunk: &[u8], sink: &mut Sink| match &mut guard {
        Some(g) => {
            escaped.clear();
            g.feed(chunk, &mut escaped);
            sink.put(&escaped)
        }
        None => sink.put(chunk),
    };
    pass(first, sink)?;
    if !complete {
        let mut buf = vec![0u8; 64 << 10];
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(RenderError::Read(e)),
            };
            pass(&buf[..n], sink)?;
        }
    }
    if let Some(g) = &mut guard {
        let mut tail = Vec::new();
        g.finish(&mut tail);
        sink.put(&tail)?;
    }
    Ok(())
}

/// `{"id": "<last path segment>", "location": "<url>"}` for a 201.
pub fn location_json(location: &str) -> Value {
    let mut obj = serde_json::Map::new();
    obj.insert(
        "id".into(),
        location_id(location).map_or(Value::Null, Value::String),
    );
    obj.insert("location".into(), Value::String(location.to_owned()));
    Value::Object(obj)
}

/// The last non-empty path segment of a URL, percent-decoded.
pub fn location_id(location: &str) -> Option<String> {
    let path = match url::Url::parse(location) {
        Ok(u) => u.path().to_owned(),
        Err(_) => location
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    let seg = path.rsplit('/').find(|s| !s.is_empty())?;
    Some(
        percent_encoding::percent_decode_str(seg)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// Renders a JSON value as a table (see `output/table.rs`): `width` fits it to a
/// terminal; `None` never wraps.
pub fn table(value: &Value, width: Option<u16>, unicode: bool) -> String {
    let text = value.to_string();
    table::render(text.as_bytes(), width, unicode, None).unwrap_or_default()
}

/// A value in an error's details: as a table cell.
fn cell(v: &Value) -> String {
    table::cell(&v.to_string(), table::MAX_CELL_CHARS)
}

/// What an HTTP error is reported with, apart from the answer itself.
#[derive(Debug, Clone, Default)]
pub struct ErrorContext {
    /// Where the credential came from, if one was sent with the final request.
    pub credential: Option<Source>,
    /// The credential was dropped on a redirect to this other host.
    pub credential_dropped_for: Option<String>,
    /// Privileges the operation requires (for a 403).
    pub privileges: &'static [&'static str],
    /// The per-user operation that does the same for the current user,
    /// where this one needs admin privileges (for a 403).
    pub per_user: Option<&'static str>,
}

/// The exit code of an HTTP status that is not a success: 4 for 4xx, 5 for
/// 5xx and any other unexpected status.
pub fn status_exit_code(status: u16) -> u8 {
    match status {
        400..=499 => exit::HTTP_4XX,
        _ => exit::HTTP_5XX,
    }
}

/// The failure for an HTTP error answer: the status, Onedata's error id,
/// description and details, or an excerpt of a body that is not Onedata's.
pub fn http_error(
    status: u16,
    reason: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
    ctx: &ErrorContext,
) -> Failure {
    let mut head = format!("HTTP {status}");
    if let Some(r) = reason.filter(|r| !r.is_empty()) {
        head.push(' ');
        head.push_str(r);
    }
    let mut lines = Vec::new();
    match onedata_error(body) {
        Some(e) => {
            if let Some(id) = &e.id {
                let _ = write!(head, " ({})", escape_controls(id));
            }
            if let Some(d) = &e.description {
                let _ = write!(head, ": {}", escape_controls(d));
            }
            lines.extend(e.details);
        }
        None if body.is_empty() => lines.push("the answer has no body".to_owned()),
        None => {
            let what = content_type.map_or_else(|| "untyped".to_owned(), escape_controls);
            lines.push(format!(
                "the answer ({what}, {} bytes) begins: {}",
                body.len(),
                excerpt(body, EXCERPT_CHARS)
            ));
        }
    }
    let mut f = Failure::new(status_exit_code(status), head);
    f.lines.extend(lines);
    match status {
        401 => {
            f = match (ctx.credential, &ctx.credential_dropped_for) {
                (_, Some(host)) => f.hint(format!(
                    "the credential was not sent to {host}, another host than the one it is for"
                )),
                (Some(src), None) => f.hint(format!(
                    "the credential (from {}) was not accepted",
                    src.describe()
                )),
                (None, None) => f.hint("no credential was sent"),
            };
            f = f.hint(format!(
                "log in with `{} login`, or set {} to an access token",
                crate::personality::current().command,
                crate::personality::current().api_key_var
            ));
        }
        403 if !ctx.privileges.is_empty() => {
            let src = ctx
                .credential
                .map_or(String::new(), |s| format!(" (from {})", s.describe()));
            f = f.hint(format!(
                "the user of the credential{src} may lack a privilege this operation needs: {}",
                ctx.privileges.join(", ")
            ));
            if let Some(name) = ctx.per_user {
                f = f.hint(format!(
                    "those are admin privileges; `{name}` does the same for the current user"
                ));
            }
        }
        _ => {}
    }
    f
}

struct OnedataError {
    id: Option<String>,
    description: Option<String>,
    details: Vec<String>,
}

/// `{"error": {"id", "description", "details"}}`, or `{"error": "text"}`.
fn onedata_error(body: &[u8]) -> Option<OnedataError> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let e = v.as_object()?.get("error")?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    match e {
        Value::String(s) => Some(OnedataError {
            id: None,
            description: Some(s.clone()),
            details: Vec::new(),
        }),
        Value::Object(o) => {
            let details = match o.get("details") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Object(d)) => d
                    .iter()
                    .map(|(k, v)| format!("{}: {}", escape_controls(k), cell(v)))
                    .collect(),
                Some(other) => vec![format!("details: {}", cell(other))],
            };
            Some(OnedataError {
                id: text(o.get("id")),
                description: text(o.get("description")),
                details,
            })
        }
        _ => None,
    }
}

/// A header line for `-v`, with the values of credential headers redacted.
pub fn verbose_header(prefix: char, name: &str, value: &[u8]) -> String {
    let shown = if crate::auth::is_sensitive_header(name) {
        crate::curl::REDACTED.to_owned()
    } else {
        escape_controls(&String::from_utf8_lossy(value))
    };
    format!("{prefix} {}: {shown}", escape_controls(name))
}

/// The status line and headers of `-i`, ending in a blank line.
pub fn include_head<'a>(
    version: &str,
    status: u16,
    reason: Option<&str>,
    headers: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> String {
    let mut s = format!("{version} {status}");
    if let Some(r) = reason {
        s.push(' ');
        s.push_str(r);
    }
    s.push('\n');
    for (name, value) in headers {
        let _ = writeln!(
            s,
            "{name}: {}",
            escape_controls(&String::from_utf8_lossy(value))
        );
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIPE: Terminal = Terminal {
        is_terminal: false,
        width: None,
        unicode: true,
        colour: false,
    };
    const TTY: Terminal = Terminal {
        is_terminal: true,
        width: Some(60),
        unicode: true,
        colour: false,
    };
    const FORMATS: [Format; 5] = [
        Format::Json,
        Format::Pretty,
        Format::Table,
        Format::Raw,
        Format::Token,
    ];

    fn json_answer() -> Answer {
        Answer {
            status: 200,
            content_type: Some("application/json".into()),
            ..Answer::default()
        }
    }

    fn render(
        answer: &Answer,
        body: &[u8],
        format: Format,
        term: Terminal,
    ) -> Result<String, RenderError> {
        let mut out = Vec::new();
        let mut body = body;
        success(answer, &mut body, format, term, &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn json(body: &str, format: Format, term: Terminal) -> String {
        render(&json_answer(), body.as_bytes(), format, term).unwrap()
    }

    /// What a terminal must not get from a server.
    fn drives_the_terminal(text: &str) -> bool {
        text.chars()
            .any(|c| escape::is_unsafe(c) && c != '\n' && c != '\t')
    }

    /// An environment of these variables, as the functions under test read one.
    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn ascii_borders_without_a_utf8_locale() {
        assert!(unicode_locale(env(&[])));
        assert!(unicode_locale(env(&[("LANG", "en_US.UTF-8")])));
        assert!(!unicode_locale(env(&[("LANG", "C")])));
        assert!(!unicode_locale(env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(unicode_locale(env(&[("LC_ALL", ""), ("LANG", "C.utf8")])));
        assert!(!unicode_locale(env(&[
            ("TERM", "dumb"),
            ("LANG", "en_US.UTF-8")
        ])));
        let ascii = Terminal {
            unicode: false,
            ..TTY
        };
        assert!(json(r#"{"name": "x"}"#, Format::Table, ascii).is_ascii());
        assert!(!json(r#"{"name": "x"}"#, Format::Table, TTY).is_ascii());
    }

    #[test]
    fn json_is_compact_when_piped_and_pretty_on_a_terminal() {
        let body = r#"{ "name" : "a b",  "n": 1.50, "l": [1, 2] }"#;
        assert_eq!(
            json(body, Format::choose(None, false), PIPE),
            "{\"name\":\"a b\",\"n\":1.50,\"l\":[1,2]}\n"
        );
        assert_eq!(
            json(body, Format::choose(None, true), TTY),
            "{\n  \"name\": \"a b\",\n  \"n\": 1.5,\n  \"l\": [\n    1,\n    2\n  ]\n}\n"
        );
        assert_eq!(json(body, Format::Raw, PIPE), body);
    }

    #[test]
    fn invalid_json_prints_nothing_when_small() {
        let mut out = Vec::new();
        let err = success(
            &json_answer(),
            &mut &b"<html>oops"[..],
            Format::Json,
            PIPE,
            &mut out,
        )
        .unwrap_err();
        assert!(matches!(err, RenderError::InvalidJson(_)));
        assert!(out.is_empty());
    }

    #[test]
    fn invalid_json_fails_alike_in_every_format() {
        // Bytes that are not UTF-8 in a string, a lone surrogate: serde's
        // IgnoredAny let both pass in -o json.
        for body in [&b"{\"a\": \"\xff\"}"[..], br#"{"token": "\ud800"}"#] {
            for term in [PIPE, TTY] {
                let errors: Vec<String> = FORMATS
                    .iter()
                    .filter(|f| **f != Format::Raw)
                    .map(|f| match render(&json_answer(), body, *f, term) {
                        Err(RenderError::InvalidJson(e)) => e,
                        other => panic!("{f:?}: {other:?}"),
                    })
                    .collect();
                assert!(errors.iter().all(|e| *e == errors[0]), "{errors:?}");
            }
        }
        // The same, streamed past what is read first.
        let mut big = format!("[\"{}\", ", "x".repeat(SNIFF_LIMIT)).into_bytes();
        big.extend_from_slice(b"\"\\udc00\"]");
        for f in [Format::Json, Format::Pretty, Format::Table, Format::Token] {
            let err = render(&json_answer(), &big, f, PIPE).unwrap_err();
            assert!(
                matches!(&err, RenderError::InvalidJson(e) if e.contains("surrogate")),
                "{f:?}: {err:?}"
            );
        }
    }

    #[test]
    fn large_json_is_streamed_and_validated() {
        let mut body = String::from("[");
        for i in 0..200_000 {
            body.push_str(&format!("{{ \"k\" : \"v {i}\\\"\" }}, "));
        }
        body.push_str("1 ]");
        assert!(body.len() > SNIFF_LIMIT);
        let out = render(&json_answer(), body.as_bytes(), Format::Json, PIPE).unwrap();
        assert!(
            out.starts_with("[{\"k\":\"v 0\\\"\"},{\"k\""),
            "{}",
            &out[..40]
        );
        assert!(out.ends_with(",1]\n"));
        let pretty = render(&json_answer(), body.as_bytes(), Format::Pretty, PIPE).unwrap();
        assert!(
            pretty.ends_with("  },\n  1\n]\n"),
            "{}",
            &pretty[pretty.len() - 40..]
        );
        let cut = &body.as_bytes()[..body.len() - 3];
        for f in [Format::Json, Format::Pretty] {
            let err = render(&json_answer(), cut, f, PIPE).unwrap_err();
            assert!(matches!(err, RenderError::InvalidJson(_)), "{err:?}");
        }
        assert!(render(&json_answer(), body.as_bytes(), Format::Table, PIPE).is_ok());
    }

    #[test]
    fn a_read_error_mid_stream_is_a_read_error() {
        /// `[` and spaces, then an error.
        struct Broken(usize, bool);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("connection closed"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(b' ');
                if !self.1 {
                    buf[0] = b'[';
                    self.1 = true;
                }
                self.0 -= n;
                Ok(n)
            }
        }
        for f in FORMATS {
            let mut out = Vec::new();
            let err = success(
                &json_answer(),
                &mut Broken(3 << 20, false),
                f,
                PIPE,
                &mut out,
            )
            .unwrap_err();
            assert!(matches!(err, RenderError::Read(_)), "{f:?}: {err:?}");
        }
    }

    #[test]
    fn a_passed_deadline_stops_printing() {
        let past = Instant::now().checked_sub(std::time::Duration::from_secs(1));
        for f in [Format::Json, Format::Pretty, Format::Table, Format::Raw] {
            let mut out = Vec::new();
            let err = success_until(&json_answer(), &mut &b"[1]"[..], f, PIPE, past, &mut out)
                .unwrap_err();
            assert!(matches!(err, RenderError::TimedOut), "{f:?}: {err:?}");
            assert_eq!(
                err.into_failure(|e| Failure::stdout(&e)).code,
                exit::NETWORK
            );
        }
    }

    #[test]
    fn created_prints_the_id_of_the_location() {
        let a = Answer {
            status: 201,
            location: Some("https://z/api/v3/onezone/groups/g%2F1".into()),
            ..Answer::default()
        };
        assert_eq!(
            render(&a, b"", Format::Json, PIPE).unwrap(),
            "{\"id\":\"g/1\",\"location\":\"https://z/api/v3/onezone/groups/g%2F1\"}\n"
        );
        assert_eq!(render(&a, b"", Format::Raw, PIPE).unwrap(), "");
        assert_eq!(
            location_id("/api/v3/onezone/user/groups/abc/").as_deref(),
            Some("abc")
        );
        assert_eq!(location_id("https://z/").as_deref(), None);
        let no_content = Answer {
            status: 204,
            ..Answer::default()
        };
        assert_eq!(render(&no_content, b"", Format::Pretty, TTY).unwrap(), "");
        // An id that decodes to control characters is escaped on a terminal.
        let hostile = Answer {
            status: 201,
            location: Some("https://z/groups/g%1B%5D0%3Bx%07%C2%9B31m%E2%80%AE".into()),
            ..Answer::default()
        };
        for f in [Format::Json, Format::Pretty, Format::Table] {
            let out = render(&hostile, b"", f, TTY).unwrap();
            assert!(!drives_the_terminal(&out), "{f:?}: {out:?}");
        }
        let out = render(&hostile, b"", Format::Json, TTY).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["id"], "g\u{1b}]0;x\u{7}\u{9b}31m\u{202e}");
    }

    #[test]
    fn token_format() {
        let a = json_answer();
        assert_eq!(
            json(r#"{"token":"MDAx","ttl":5}"#, Format::Token, PIPE),
            "MDAx\n"
        );
        assert_eq!(json(r#""MDAx""#, Format::Token, TTY), "MDAx\n");
        assert!(matches!(
            render(&a, br#"{"id":"x"}"#, Format::Token, PIPE),
            Err(RenderError::NoToken(e)) if e == "its fields: id"
        ));
        assert!(matches!(
            render(&a, br#"{"token": 5}"#, Format::Token, PIPE),
            Err(RenderError::NoToken(_))
        ));
        let created = Answer {
            status: 201,
            location: Some("https://z/x/1".into()),
            ..Answer::default()
        };
        assert!(matches!(
            render(&created, b"", Format::Token, PIPE),
            Err(RenderError::NoToken(_))
        ));
        // A token that could drive a terminal, or break a script, is refused
        // wherever stdout is.
        for bad in [
            r#""MDAx\u001b]0;x\u0007""#,
            r#"{"token":"a b"}"#,
            r#"{"token":"é"}"#,
        ] {
            for term in [PIPE, TTY] {
                let err = render(&a, bad.as_bytes(), Format::Token, term).unwrap_err();
                let RenderError::BadToken(shown) = &err else {
                    panic!("{bad}: {err:?}");
                };
                assert!(!drives_the_terminal(shown), "{shown:?}");
                assert_eq!(
                    err.into_failure(|e| Failure::stdout(&e)).code,
                    exit::BAD_RESPONSE
                );
            }
        }
    }

    #[test]
    fn binary_goes_only_to_a_pipe() {
        let png = Answer {
            status: 200,
            content_type: Some("image/png".into()),
            ..Answer::default()
        };
        let body = b"\x89PNG\r\n\x1a\n\0\0";
        assert!(matches!(
            render(&png, body, Format::Pretty, TTY),
            Err(RenderError::Binary { .. })
        ));
        let mut out = Vec::new();
        success(&png, &mut &body[..], Format::Json, PIPE, &mut out).unwrap();
        assert_eq!(out, body);
        let octets = Answer {
            status: 200,
            content_type: Some("application/octet-stream".into()),
            ..Answer::default()
        };
        assert_eq!(
            render(&octets, b"plain text", Format::Pretty, TTY).unwrap(),
            "plain text"
        );
    }

    #[test]
    fn text_reaches_a_terminal_escaped_and_a_pipe_as_received() {
        let body = "line\n\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}gnp.exe\n".as_bytes();
        for content_type in [Some("text/plain"), None] {
            let a = Answer {
                status: 200,
                content_type: content_type.map(str::to_owned),
                ..Answer::default()
            };
            for f in [Format::Json, Format::Pretty, Format::Table] {
                let out = render(&a, body, f, TTY).unwrap();
                assert_eq!(
                    out,
                    "line\n\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}31m\\u{202e}gnp.exe\n"
                );
                assert_eq!(render(&a, body, f, PIPE).unwrap().as_bytes(), body);
            }
            assert_eq!(render(&a, body, Format::Raw, TTY).unwrap().as_bytes(), body);
        }
    }

    #[test]
    fn json_strings_reach_a_terminal_escaped_and_stay_json() {
        // Raw characters, which JSON allows unescaped (but C0 controls).
        let body =
            "{\"n\u{9b}\": \"a\\u001b[31m\u{7f}\u{85}\u{9b}31m\u{202e}\u{2066}b\", \"l\": [1.50]}";
        let value: Value = serde_json::from_str(body).unwrap();
        for f in [Format::Json, Format::Pretty] {
            let out = json(body, f, TTY);
            assert!(!drives_the_terminal(&out), "{f:?}: {out:?}");
            assert!(out.contains(r"\u009b31m\u202e\u2066b"), "{f:?}: {out}");
            assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), value, "{f:?}");
            // To a pipe, the bytes as decoded, unescaped.
            let piped = json(body, f, PIPE);
            assert!(piped.contains("\u{9b}31m\u{202e}"), "{f:?}: {piped}");
        }
        let coloured = Terminal {
            colour: true,
            ..TTY
        };
        let out = json(body, Format::Pretty, coloured);
        assert_eq!(
            console::strip_ansi_codes(&out),
            json(body, Format::Pretty, TTY)
        );
        let table = json(body, Format::Table, TTY);
        assert!(!drives_the_terminal(&table), "{table:?}");
        // Streamed (past the first read), too.
        let big = format!("[\"{}\", \"\u{9b}\u{202e}\"]", "x".repeat(SNIFF_LIMIT));
        for f in [Format::Json, Format::Pretty] {
            let out = json(&big, f, TTY);
            assert!(!drives_the_terminal(&out), "{f:?}");
            assert!(out.contains(r#""\u009b\u202e""#), "{f:?}");
        }
    }

    #[test]
    fn tables() {
        let v: Value = serde_json::from_str(r#"{"spaces": ["s1", "s2"]}"#).unwrap();
        assert_eq!(
            table(&v, None, false),
            "+--------+\n| spaces |\n+========+\n| s1     |\n| s2     |\n+--------+"
        );
        let long = serde_json::json!({"description": "word ".repeat(40)});
        let t = table(&long, Some(40), true);
        assert!(t.lines().all(|l| l.chars().count() <= 40), "{t}");
    }

    #[test]
    fn onedata_errors_are_readable() {
        let body = br#"{"error": {"id": "notFound", "description": "The resource could not be found.", "details": {"key": "id", "limit": 3}}}"#;
        let f = http_error(
            404,
            Some("Not Found"),
            Some("application/json"),
            body,
            &ErrorContext::default(),
        );
        assert_eq!(f.code, exit::HTTP_4XX);
        assert_eq!(
            f.to_string(),
            "error: HTTP 404 Not Found (notFound): The resource could not be found.\n  key: id\n  limit: 3"
        );
        let f = http_error(
            503,
            Some("Service Unavailable"),
            None,
            b"",
            &ErrorContext::default(),
        );
        assert_eq!(f.code, exit::HTTP_5XX);
        assert!(f.to_string().contains("no body"));
        assert_eq!(status_exit_code(302), exit::HTTP_5XX);
    }

    #[test]
    fn other_error_bodies_are_escaped_excerpts() {
        let mut body = "<html>\n\x1b[31mBad\x07 \u{202e} gateway"
            .as_bytes()
            .to_vec();
        body.extend(std::iter::repeat_n(b'x', 500));
        let f = http_error(
            502,
            Some("Bad Gateway"),
            Some("text/html"),
            &body,
            &ErrorContext::default(),
        );
        let text = f.to_string();
        assert!(
            text.starts_with(
                "error: HTTP 502 Bad Gateway\n  the answer (text/html, 528 bytes) begins: \
                 <html>\\n\\u{1b}[31mBad\\u{7} \\u{202e} gateway"
            ),
            "{text}"
        );
        assert!(text.ends_with("x…"), "{text}");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn unauthorized_hints_name_the_source_not_the_secret() {
        let ctx = ErrorContext {
            credential: Some(Source::ApiKeyVar),
            ..ErrorContext::default()
        };
        let text = http_error(401, Some("Unauthorized"), None, b"", &ctx).to_string();
        assert!(text.contains("the credential (from ONEZONE_API_KEY) was not accepted"));
        assert!(text.contains("onezone-rest-cli login"));
        let f = http_error(401, None, None, b"", &ErrorContext::default());
        assert!(f.to_string().contains("no credential was sent"));
    }

    #[test]
    fn verbose_lines_redact_credentials() {
        assert_eq!(
            verbose_header('>', "X-Auth-Token", b"MDAxsecret"),
            "> X-Auth-Token: <redacted>"
        );
        assert_eq!(
            verbose_header('>', "authorization", b"Basic YTpi"),
            "> authorization: <redacted>"
        );
        assert_eq!(
            verbose_header('<', "Set-Cookie", b"sid=1"),
            "< Set-Cookie: <redacted>"
        );
        assert_eq!(
            verbose_header('<', "content-type", b"application/json"),
            "< content-type: application/json"
        );
    }

    #[test]
    fn include_head_lists_status_and_headers() {
        let h = include_head(
            "HTTP/1.1",
            201,
            Some("Created"),
            [("location", &b"https://z/g/1"[..])].into_iter(),
        );
        assert_eq!(h, "HTTP/1.1 201 Created\nlocation: https://z/g/1\n\n");
    }

    #[test]
    fn nested_values_cannot_drive_the_terminal() {
        // JSON escapes C0 controls only; DEL, C1 and bidi overrides inside a
        // nested value are escaped too.
        let v = serde_json::json!({"a": ["x\u{7f}\u{9b}31m\u{202e}y"]});
        let c = cell(&v);
        assert!(!drives_the_terminal(&c), "{c:?}");
        assert!(c.contains("\\u{7f}") && c.contains("\\u{202e}"), "{c:?}");
    }

    #[test]
    fn colour_wraps_pretty_json_and_changes_no_text() {
        let v = serde_json::json!({
            "name": "a \"b\"\n", "n": [1, -2.5, 1e100], "ok": true, "no": false,
            "nil": null, "empty": {}, "none": [], "deep": {"x": [{"y": "z"}]}
        });
        let body = v.to_string();
        let plain = json(&body, Format::Pretty, PIPE);
        assert_eq!(plain, serde_json::to_string_pretty(&v).unwrap() + "\n");
        assert_eq!(json(&body, Format::Pretty, TTY), plain);
        let tty = Terminal {
            colour: true,
            ..TTY
        };
        let coloured = json(&body, Format::Pretty, tty);
        assert!(coloured.contains("\u{1b}["), "{coloured:?}");
        assert_eq!(console::strip_ansi_codes(&coloured), plain);
        for f in [Format::Json, Format::Raw, Format::Table] {
            assert!(!json(&body, f, tty).contains('\u{1b}'), "{f:?}");
        }
        assert_eq!(json(r#"{"token": "t"}"#, Format::Token, tty), "t\n");
    }

    #[test]
    fn colours_are_allowed_by_the_environment() {
        assert!(colours_allowed(false, env(&[("TERM", "xterm")])));
        assert!(colours_allowed(
            false,
            env(&[("TERM", "xterm"), ("NO_COLOR", "")])
        ));
        assert!(!colours_allowed(
            false,
            env(&[("TERM", "xterm"), ("NO_COLOR", "1")])
        ));
        assert!(!colours_allowed(true, env(&[("TERM", "xterm")])));
        assert!(!colours_allowed(false, env(&[("TERM", "dumb")])));
        assert!(!colours_allowed(false, env(&[])));
    }
}
