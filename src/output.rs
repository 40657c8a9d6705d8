//! Rendering an answer: the body of a success on stdout (in the `-o` format),
//! an HTTP error as a readable message for stderr, and the header lines of
//! `-i` and `-v`. No network here: the body arrives as a `Read`, so tests
//! feed it from memory.
//!
//! # Formats
//! | `-o` | JSON body | other bodies |
//! |---|---|---|
//! | `json` (piped default) | compact, one line, ending in `\n`; streamed | as received |
//! | `pretty` (terminal default) | indented, ending in `\n` | as received |
//! | `table` | a comfy-table fitted to the terminal | as received |
//! | `raw` | as received (no newline added); streamed | as received |
//! | `token` | the `token` field alone, ending in `\n` | error |
//!
//! A 201 with `Location` and no body prints `{"id": …, "location": …}` (in
//! the format chosen; `raw` prints the empty body). A 204, or any empty body,
//! prints nothing. A binary body (an image, or bytes that are not text) is
//! written only when stdout is not a terminal.
//!
//! # Memory
//! The first [`SNIFF_LIMIT`] bytes are read before anything is printed. A
//! body that ends within them is checked whole, so an invalid answer prints
//! nothing. A longer body is streamed with bounded memory in `raw` and
//! `json` (validated by serde_json as it passes, whitespace outside strings
//! removed; numbers and escapes keep their exact text), and for non-JSON
//! bodies. If such a body turns out invalid or is cut short, what came
//! before is already on stdout, without the final newline, and the exit code
//! is 1. `pretty`, `table` and `token` need the whole document: they take at
//! most [`WHOLE_LIMIT`] bytes and name the streaming formats beyond that.

use crate::auth::Source;
use crate::exit::{self, Failure};
use comfy_table::{presets, ContentArrangement, Table};
use serde::de::IgnoredAny;
use serde::Deserialize as _;
use serde_json::Value;
use std::fmt::Write as _;
use std::io::{self, BufReader, Read, Write};

/// What is read before deciding how to print: a body within it is checked
/// whole before a byte is printed.
pub const SNIFF_LIMIT: usize = 1 << 20;
/// The largest body `pretty`, `table` and `token` take.
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
    /// A binary body, and stdout is a terminal.
    Binary { content_type: String },
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
            .hint("-o json or -o raw stream answers of any size"),
            RenderError::NoToken(what) => Failure::new(
                exit::BAD_RESPONSE,
                format!("-o token: the answer has no token ({what})"),
            )
            .hint(
                "-o token is for operations that create a token, \
                 such as createTemporaryTokenForCurrentUser",
            ),
            RenderError::Binary { content_type } => Failure::new(
                exit::BAD_RESPONSE,
                format!(
                    "the answer is binary ({content_type}) and stdout is a terminal; \
                     nothing was printed"
                ),
            )
            .hint("redirect stdout to a file (> FILE), or give --output-file FILE"),
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

/// Prints a successful answer's body on `out` in `format`.
pub fn success(
    answer: &Answer,
    body: &mut dyn Read,
    format: Format,
    term: Terminal,
    out: &mut dyn Write,
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
                write_value(&location_json(loc), f, term, out)
            }
            _ => Ok(()),
        };
    }

    let kind = body_kind(answer.content_type.as_deref(), &first);
    if kind == BodyKind::Binary && term.is_terminal {
        return Err(RenderError::Binary {
            content_type: answer
                .content_type
                .clone()
                .unwrap_or_else(|| "no content type".into()),
        });
    }
    if kind != BodyKind::Json || format == Format::Raw {
        if format == Format::Token {
            return Err(RenderError::NoToken(format!(
                "it is not JSON but {}",
                answer.content_type.as_deref().unwrap_or("untyped")
            )));
        }
        out.write_all(&first).map_err(RenderError::Write)?;
        if !complete {
            copy(body, out)?;
        }
        return out.flush().map_err(RenderError::Write);
    }

    match format {
        Format::Json if complete => {
            serde_json::from_slice::<IgnoredAny>(&first)
                .map_err(|e| RenderError::InvalidJson(e.to_string()))?;
            let mut buf = Vec::with_capacity(first.len() + 1);
            Minifier::default().feed(&first, &mut buf);
            buf.push(b'\n');
            out.write_all(&buf)
                .and_then(|()| out.flush())
                .map_err(RenderError::Write)
        }
        Format::Json => stream_compact(&first, body, out),
        _ => {
            let whole = read_whole(first, complete, answer.content_length, body, format)?;
            let value: Value = serde_json::from_slice(&whole)
                .map_err(|e| RenderError::InvalidJson(e.to_string()))?;
            write_value(&value, format, term, out)
        }
    }
}

fn read_whole(
    mut first: Vec<u8>,
    complete: bool,
    length: Option<u64>,
    body: &mut dyn Read,
    format: Format,
) -> Result<Vec<u8>, RenderError> {
    if complete {
        return Ok(first);
    }
    if length.is_some_and(|n| n > WHOLE_LIMIT) {
        return Err(RenderError::TooLarge(format));
    }
    let room = (WHOLE_LIMIT + 1).saturating_sub(first.len() as u64);
    body.take(room)
        .read_to_end(&mut first)
        .map_err(RenderError::Read)?;
    if first.len() as u64 > WHOLE_LIMIT {
        return Err(RenderError::TooLarge(format));
    }
    Ok(first)
}

fn copy(body: &mut dyn Read, out: &mut dyn Write) -> Result<(), RenderError> {
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(RenderError::Read(e)),
        };
        out.write_all(&buf[..n]).map_err(RenderError::Write)?;
    }
}

/// Prints a parsed JSON value in `format` (`raw` prints it compact).
fn write_value(
    value: &Value,
    format: Format,
    term: Terminal,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let text = match format {
        Format::Pretty => pretty(value, term),
        Format::Table => table(value, term.width, term.is_terminal && term.unicode),
        Format::Token => token(value).map_err(RenderError::NoToken)?,
        Format::Json | Format::Raw => value.to_string(),
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(RenderError::Write)
}

/// Indented JSON, as `serde_json::to_string_pretty` writes it. On a
/// terminal, strings and keys are passed through [`escape_controls`] as
/// well (JSON leaves DEL, C1 and bidi characters as they are); with
/// `term.colour`, keys, strings, numbers, booleans and null are wrapped in
/// ANSI colours, the text left as it is.
fn pretty(value: &Value, term: Terminal) -> String {
    let mut out = String::new();
    pretty_into(value, term, 0, &mut out);
    out
}

fn pretty_into(value: &Value, term: Terminal, depth: usize, out: &mut String) {
    let paint = |text: String, style: console::Style| -> String {
        if term.colour {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text
        }
    };
    let string = |s: &str| -> String {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        if term.is_terminal {
            escape_controls(&quoted)
        } else {
            quoted
        }
    };
    let indent = |out: &mut String, depth: usize| {
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    match value {
        Value::Object(o) if !o.is_empty() => {
            out.push_str("{\n");
            for (i, (k, v)) in o.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                indent(out, depth + 1);
                out.push_str(&paint(string(k), console::Style::new().blue().bold()));
                out.push_str(": ");
                pretty_into(v, term, depth + 1, out);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
        Value::Array(a) if !a.is_empty() => {
            out.push_str("[\n");
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                indent(out, depth + 1);
                pretty_into(v, term, depth + 1, out);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::String(s) => out.push_str(&paint(string(s), console::Style::new().green())),
        Value::Number(_) => out.push_str(&paint(value.to_string(), console::Style::new().cyan())),
        Value::Bool(_) => out.push_str(&paint(value.to_string(), console::Style::new().yellow())),
        Value::Null => out.push_str(&paint("null".into(), console::Style::new().magenta())),
    }
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

/// The token of a token operation's answer: `{"token": "…"}`, or a bare
/// JSON string.
pub fn token(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Object(o) => match o.get("token") {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err("its token field is not a string".into()),
            None => {
                let keys: Vec<&str> = o.keys().map(String::as_str).take(8).collect();
                Err(format!("its fields: {}", keys.join(", ")))
            }
        },
        _ => Err("it is not an object".into()),
    }
}

/// Renders a JSON value as a table: an object as key/value rows, a list (or
/// an object holding just one list, as Onezone's `{"spaces": [...]}`) as one
/// row per item, objects in a list as columns of their fields. `width`
/// fits it to a terminal; `None` never wraps.
pub fn table(value: &Value, width: Option<u16>, unicode: bool) -> String {
    let mut t = Table::new();
    t.load_preset(if unicode {
        presets::UTF8_FULL_CONDENSED
    } else {
        presets::ASCII_FULL_CONDENSED
    });
    match width {
        Some(w) => {
            t.set_width(w);
            t.set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    match value {
        Value::Object(o) if o.len() == 1 => match o.iter().next() {
            Some((key, Value::Array(items))) => list_table(&mut t, key, items),
            _ => object_table(&mut t, o),
        },
        Value::Object(o) => object_table(&mut t, o),
        Value::Array(items) => list_table(&mut t, "value", items),
        other => return cell(other),
    }
    t.to_string()
}

fn object_table(t: &mut Table, o: &serde_json::Map<String, Value>) {
    for (k, v) in o {
        t.add_row(vec![escape_controls(k), cell(v)]);
    }
}

fn list_table(t: &mut Table, name: &str, items: &[Value]) {
    let all_objects = !items.is_empty() && items.iter().all(Value::is_object);
    if !all_objects {
        t.set_header(vec![escape_controls(name)]);
        for v in items {
            t.add_row(vec![cell(v)]);
        }
        return;
    }
    let mut columns: Vec<&str> = Vec::new();
    for o in items.iter().filter_map(Value::as_object) {
        for k in o.keys() {
            if !columns.contains(&k.as_str()) {
                columns.push(k);
            }
        }
    }
    t.set_header(
        columns
            .iter()
            .map(|c| escape_controls(c))
            .collect::<Vec<_>>(),
    );
    for o in items.iter().filter_map(Value::as_object) {
        t.add_row(
            columns
                .iter()
                .map(|c| o.get(*c).map(cell).unwrap_or_default())
                .collect::<Vec<_>>(),
        );
    }
}

/// Longer cells are cut (a table is for reading; `-o json` has it all),
/// which also keeps comfy-table's wrapping, quadratic in a cell's length,
/// fast on huge values.
const MAX_CELL_CHARS: usize = 2000;

/// A table cell: strings without quotes, other values as compact JSON;
/// control characters escaped either way (JSON escapes only C0 ones).
fn cell(v: &Value) -> String {
    let text = match v {
        Value::String(s) => escape_controls(s),
        other => escape_controls(&other.to_string()),
    };
    match text.char_indices().nth(MAX_CELL_CHARS) {
        Some((cut, _)) => format!(
            "{}… ({} more characters; see -o json)",
            &text[..cut],
            text[cut..].chars().count()
        ),
        None => text,
    }
}

/// Removes whitespace outside JSON strings. It does not validate: it runs on
/// bytes that serde_json checks.
#[derive(Debug, Default)]
pub struct Minifier {
    in_string: bool,
    escaped: bool,
}

impl Minifier {
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            if self.in_string {
                out.push(b);
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
            } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                out.push(b);
                if b == b'"' {
                    self.in_string = true;
                }
            }
        }
    }
}

/// Passes what serde_json reads on to stdout, minified.
struct Tee<'a> {
    inner: &'a mut dyn Read,
    out: &'a mut dyn Write,
    min: Minifier,
    buf: Vec<u8>,
    write_error: Option<io::Error>,
    read_error: Option<io::Error>,
}

impl Read for Tee<'_> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(dst) {
            Ok(n) => n,
            Err(e) => {
                let copy = io::Error::new(e.kind(), e.to_string());
                self.read_error = Some(e);
                return Err(copy);
            }
        };
        self.buf.clear();
        self.min.feed(&dst[..n], &mut self.buf);
        if let Err(e) = self.out.write_all(&self.buf) {
            let copy = io::Error::new(e.kind(), "stdout");
            self.write_error = Some(e);
            return Err(copy);
        }
        Ok(n)
    }
}

fn stream_compact(
    first: &[u8],
    body: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<(), RenderError> {
    let mut chained = first.chain(body);
    let mut tee = Tee {
        inner: &mut chained,
        out,
        min: Minifier::default(),
        buf: Vec::new(),
        write_error: None,
        read_error: None,
    };
    let result = {
        let mut de = serde_json::Deserializer::from_reader(BufReader::new(&mut tee));
        IgnoredAny::deserialize(&mut de).and_then(|_| de.end())
    };
    if let Some(e) = tee.write_error.take() {
        return Err(RenderError::Write(e));
    }
    if let Some(e) = tee.read_error.take() {
        return Err(RenderError::Read(e));
    }
    match result {
        Ok(()) => tee
            .out
            .write_all(b"\n")
            .and_then(|()| tee.out.flush())
            .map_err(RenderError::Write),
        Err(e) => {
            let _ = tee.out.flush();
            Err(RenderError::InvalidJson(e.to_string()))
        }
    }
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

/// Escapes control characters and bidirectional formatting characters.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
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

    #[test]
    fn ascii_borders_without_a_utf8_locale() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
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
        let v = serde_json::json!({"name": "x"});
        let ascii = Terminal {
            unicode: false,
            ..TTY
        };
        let mut out = Vec::new();
        write_value(&v, Format::Table, ascii, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.is_ascii(), "{text}");
        let mut out = Vec::new();
        write_value(&v, Format::Table, TTY, &mut out).unwrap();
        assert!(!String::from_utf8(out).unwrap().is_ascii());
    }

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

    #[test]
    fn json_is_compact_when_piped_and_pretty_on_a_terminal() {
        let body = br#"{ "name" : "a b",  "n": 1.50, "l": [1, 2] }"#;
        let a = json_answer();
        assert_eq!(
            render(&a, body, Format::choose(None, false), PIPE).unwrap(),
            "{\"name\":\"a b\",\"n\":1.50,\"l\":[1,2]}\n"
        );
        assert_eq!(
            render(&a, body, Format::choose(None, true), TTY).unwrap(),
            "{\n  \"name\": \"a b\",\n  \"n\": 1.5,\n  \"l\": [\n    1,\n    2\n  ]\n}\n"
        );
        assert_eq!(
            render(&a, body, Format::Raw, PIPE).unwrap().as_bytes(),
            body
        );
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
        let cut = &body.as_bytes()[..body.len() - 3];
        let err = render(&json_answer(), cut, Format::Json, PIPE).unwrap_err();
        assert!(matches!(err, RenderError::InvalidJson(_)), "{err:?}");
        assert!(render(&json_answer(), body.as_bytes(), Format::Table, PIPE).is_ok());
    }

    #[test]
    fn a_read_error_mid_stream_is_a_read_error() {
        struct Broken(usize);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("connection closed"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(b' ');
                buf[0] = b'[';
                self.0 -= n;
                Ok(n)
            }
        }
        for f in [Format::Json, Format::Raw, Format::Pretty] {
            let mut out = Vec::new();
            let err = success(&json_answer(), &mut Broken(3 << 20), f, PIPE, &mut out).unwrap_err();
            assert!(matches!(err, RenderError::Read(_)), "{f:?}: {err:?}");
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
    }

    #[test]
    fn token_format() {
        let a = json_answer();
        assert_eq!(
            render(&a, br#"{"token":"MDAx","ttl":5}"#, Format::Token, PIPE).unwrap(),
            "MDAx\n"
        );
        assert!(matches!(
            render(&a, br#"{"id":"x"}"#, Format::Token, PIPE),
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
    fn tables() {
        let v: Value = serde_json::from_str(r#"{"spaces": ["s1", "s2"]}"#).unwrap();
        assert_eq!(
            table(&v, None, false),
            "+--------+\n| spaces |\n+========+\n| s1     |\n| s2     |\n+--------+"
        );
        let v: Value = serde_json::from_str(r#"{"name": "x", "n": {"a": 1}}"#).unwrap();
        assert_eq!(
            table(&v, None, false),
            "+------+---------+\n| name | x       |\n| n    | {\"a\":1} |\n+------+---------+"
        );
        let v: Value =
            serde_json::from_str(r#"[{"id": "a", "name": "A"}, {"id": "b", "x": true}]"#).unwrap();
        let t = table(&v, None, false);
        assert!(t.contains("| id | name | x    |"), "{t}");
        assert!(t.contains("| b  |      | true |"), "{t}");
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
    fn huge_cells_are_cut() {
        let c = cell(&serde_json::json!("é".repeat(50_000)));
        assert!(
            c.ends_with("… (48000 more characters; see -o json)"),
            "{}",
            &c[c.len() - 60..]
        );
        assert_eq!(c.chars().filter(|c| *c == 'é').count(), 2000);
        let t = table(
            &serde_json::json!({ "blob": "é".repeat(50_000) }),
            Some(80),
            false,
        );
        assert_eq!(t.chars().filter(|c| *c == 'é').count(), 2000);
    }

    #[test]
    fn nested_values_cannot_drive_the_terminal() {
        // JSON escapes C0 controls only; DEL, C1 and bidi overrides inside a
        // nested value are escaped too.
        let v = serde_json::json!({"a": ["x\u{7f}\u{9b}31m\u{202e}y"]});
        let c = cell(&v);
        assert!(
            !c.chars().any(|ch| ch.is_control() || ch == '\u{202e}'),
            "{c:?}"
        );
        assert!(c.contains("\\u{7f}") && c.contains("\\u{202e}"), "{c:?}");
    }

    #[test]
    fn colour_wraps_pretty_json_and_changes_no_text() {
        let v = serde_json::json!({
            "name": "a \"b\"\n", "n": [1, -2.5, 1e100], "ok": true, "no": false,
            "nil": null, "empty": {}, "none": [], "deep": {"x": [{"y": "z"}]}
        });
        let plain = pretty(&v, PIPE);
        assert_eq!(plain, serde_json::to_string_pretty(&v).unwrap());
        assert_eq!(pretty(&v, TTY), plain);
        let coloured = pretty(
            &v,
            Terminal {
                colour: true,
                ..TTY
            },
        );
        assert!(coloured.contains("\u{1b}["), "{coloured:?}");
        assert_eq!(console::strip_ansi_codes(&coloured), plain);
        let mut out = Vec::new();
        let tty = Terminal {
            colour: true,
            ..TTY
        };
        write_value(&v, Format::Json, tty, &mut out).unwrap();
        write_value(&v, Format::Raw, tty, &mut out).unwrap();
        write_value(
            &serde_json::json!({"token": "t"}),
            Format::Token,
            tty,
            &mut out,
        )
        .unwrap();
        assert!(!out.contains(&0x1b), "{out:?}");
    }

    #[test]
    fn colours_are_allowed_by_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
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
