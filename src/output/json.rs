//! JSON answers in `json`, `pretty` and `token`: checked as serde_json
//! decodes them (strings included: UTF-8, escapes, surrogates), and written
//! as they are read, so memory does not grow with the answer.

use super::escape::{is_unsafe, json_escape, Guard, Style};
use super::{RenderError, Sink, Terminal};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::ser::{Formatter, PrettyFormatter};
use std::fmt;
use std::io::{self, BufReader, BufWriter, Read, Write};

/// Any JSON value, checked and dropped: every string is decoded (so a byte
/// that is not UTF-8, or a lone surrogate such as `"\ud800"`, is an error,
/// which serde's `IgnoredAny` lets pass), nothing is kept.
pub(super) struct Check;

impl<'de> Deserialize<'de> for Check {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Check, D::Error> {
        d.deserialize_any(CheckVisitor)
    }
}

struct CheckVisitor;

impl<'de> Visitor<'de> for CheckVisitor {
    type Value = Check;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Check, E> {
        Ok(Check)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Check, E> {
        Ok(Check)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Check, E> {
        Ok(Check)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Check, E> {
        Ok(Check)
    }

    fn visit_str<E>(self, _: &str) -> Result<Check, E> {
        Ok(Check)
    }

    fn visit_unit<E>(self) -> Result<Check, E> {
        Ok(Check)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Check, A::Error> {
        while seq.next_element::<Check>()?.is_some() {}
        Ok(Check)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Check, A::Error> {
        while map.next_key::<Check>()?.is_some() {
            map.next_value::<Check>()?;
        }
        Ok(Check)
    }
}

/// Checks a whole JSON document, as every format does before printing one
/// that fits in memory: the same error for the same answer in all of them.
pub(super) fn validate(bytes: &[u8]) -> Result<(), RenderError> {
    serde_json::from_slice::<Check>(bytes)
        .map(drop)
        .map_err(|e| RenderError::InvalidJson(e.to_string()))
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

/// `-o json`: compact, bytes as received but for the whitespace between
/// tokens; on a terminal, characters that could drive it as JSON escapes
/// (see [`Guard`]).
struct Compact {
    min: Minifier,
    guard: Option<Guard>,
    minified: Vec<u8>,
}

impl Compact {
    fn new(term: Terminal) -> Compact {
        Compact {
            min: Minifier::default(),
            guard: term.is_terminal.then(|| Guard::new(Style::Json)),
            minified: Vec::new(),
        }
    }

    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        match &mut self.guard {
            None => self.min.feed(input, out),
            Some(g) => {
                self.minified.clear();
                self.min.feed(input, &mut self.minified);
                g.feed(&self.minified, out);
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        if let Some(g) = &mut self.guard {
            g.finish(out);
        }
    }
}

/// A whole document (checked): compact, with a final newline.
pub(super) fn write_compact(
    bytes: &[u8],
    term: Terminal,
    sink: &mut Sink,
) -> Result<(), RenderError> {
    let mut buf = Vec::with_capacity(bytes.len() + 1);
    let mut c = Compact::new(term);
    c.feed(bytes, &mut buf);
    c.finish(&mut buf);
    buf.push(b'\n');
    sink.put(&buf)
}

/// Passes what serde_json reads on to stdout, minified.
struct Tee<'a, 'b> {
    inner: &'a mut dyn Read,
    sink: &'a mut Sink<'b>,
    compact: Compact,
    buf: Vec<u8>,
    read_error: Option<io::Error>,
}

impl Read for Tee<'_, '_> {
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
        self.compact.feed(&dst[..n], &mut self.buf);
        self.sink
            .write_all(&self.buf)
            .map_err(|e| io::Error::new(e.kind(), "stdout"))?;
        Ok(n)
    }
}

/// A document longer than what was read first: compact, checked as it
/// passes. What came before an error is already printed.
pub(super) fn stream_compact(
    first: &[u8],
    body: &mut dyn Read,
    term: Terminal,
    sink: &mut Sink,
) -> Result<(), RenderError> {
    let mut chained = first.chain(body);
    let mut tee = Tee {
        inner: &mut chained,
        sink,
        compact: Compact::new(term),
        buf: Vec::new(),
        read_error: None,
    };
    let result = {
        let mut de = serde_json::Deserializer::from_reader(BufReader::new(&mut tee));
        Check::deserialize(&mut de).and_then(|_| de.end())
    };
    let mut tail = Vec::new();
    tee.compact.finish(&mut tail);
    let read_error = tee.read_error.take();
    settle(result.map_err(|e| e.to_string()), read_error, sink)?;
    tail.push(b'\n');
    sink.put(&tail)
}

/// The outcome of a streamed document: a failure of stdout, of the time
/// limit or of the body comes first, as it is what made serde_json stop.
fn settle(
    result: Result<(), String>,
    read_error: Option<io::Error>,
    sink: &mut Sink,
) -> Result<(), RenderError> {
    sink.failed()?;
    if let Some(e) = read_error {
        return Err(RenderError::Read(e));
    }
    result.map_err(|e| {
        let _ = sink.flush();
        RenderError::InvalidJson(e)
    })
}

/// `-o pretty`: indented as `serde_json::to_string_pretty` writes it,
/// streamed. On a terminal, characters that could drive it are written
/// as JSON escapes (`\u009b`; JSON itself escapes only C0 controls); with
/// `term.colour`, keys, strings, numbers, booleans and null are wrapped in
/// ANSI colours, the text left as it is.
pub(super) fn write_pretty(
    first: &[u8],
    complete: bool,
    body: &mut dyn Read,
    term: Terminal,
    sink: &mut Sink,
) -> Result<(), RenderError> {
    let painter = Painter {
        inner: PrettyFormatter::new(),
        term,
        in_key: false,
    };
    let mut read_error = None;
    let result = {
        let mut out = BufWriter::with_capacity(64 << 10, &mut *sink);
        let result = {
            let mut ser = serde_json::Serializer::with_formatter(&mut out, painter);
            if complete {
                let mut de = serde_json::Deserializer::from_slice(first);
                serde_transcode::transcode(&mut de, &mut ser).map_err(|e| e.to_string())
            } else {
                let mut reader = Caught {
                    inner: first.chain(body),
                    error: None,
                };
                let result = {
                    let mut de = serde_json::Deserializer::from_reader(BufReader::new(&mut reader));
                    serde_transcode::transcode(&mut de, &mut ser)
                        .map_err(|e| e.to_string())
                        .and_then(|()| de.end().map_err(|e| e.to_string()))
                };
                read_error = reader.error;
                result
            }
        };
        let flushed = out.flush();
        result.and_then(|()| flushed.map_err(|e| e.to_string()))
    };
    settle(result, read_error, sink)?;
    sink.put(b"\n")
}

/// A reader that keeps its error (serde_json keeps only its text).
struct Caught<R> {
    inner: R,
    error: Option<io::Error>,
}

impl<R: Read> Read for Caught<R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        self.inner.read(dst).map_err(|e| {
            let copy = io::Error::new(e.kind(), e.to_string());
            self.error = Some(e);
            copy
        })
    }
}

/// The colours of `-o pretty` on a terminal.
const KEY: &[u8] = b"\x1b[1;34m";
const STRING: &[u8] = b"\x1b[32m";
const NUMBER: &[u8] = b"\x1b[36m";
const BOOL: &[u8] = b"\x1b[33m";
const NULL: &[u8] = b"\x1b[35m";
const RESET: &[u8] = b"\x1b[0m";

/// serde_json's pretty formatter, with colours and escapes for a terminal.
struct Painter {
    inner: PrettyFormatter<'static>,
    term: Terminal,
    in_key: bool,
}

impl Painter {
    fn paint<W: ?Sized + Write>(
        &self,
        w: &mut W,
        colour: &[u8],
        write: impl FnOnce(&mut W) -> io::Result<()>,
    ) -> io::Result<()> {
        if self.term.colour {
            w.write_all(colour)?;
            write(w)?;
            w.write_all(RESET)
        } else {
            write(w)
        }
    }
}

impl Formatter for Painter {
    fn write_null<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.paint(w, NULL, |w| w.write_all(b"null"))
    }

    fn write_bool<W: ?Sized + Write>(&mut self, w: &mut W, v: bool) -> io::Result<()> {
        self.paint(w, BOOL, |w| w.write_all(if v { b"true" } else { b"false" }))
    }

    fn write_i64<W: ?Sized + Write>(&mut self, w: &mut W, v: i64) -> io::Result<()> {
        self.paint(w, NUMBER, |w| PrettyFormatter::new().write_i64(w, v))
    }

    fn write_u64<W: ?Sized + Write>(&mut self, w: &mut W, v: u64) -> io::Result<()> {
        self.paint(w, NUMBER, |w| PrettyFormatter::new().write_u64(w, v))
    }

    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, v: f64) -> io::Result<()> {
        self.paint(w, NUMBER, |w| PrettyFormatter::new().write_f64(w, v))
    }

    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.term.colour {
            w.write_all(if self.in_key { KEY } else { STRING })?;
        }
        w.write_all(b"\"")
    }

    fn end_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\"")?;
        if self.term.colour {
            w.write_all(RESET)?;
        }
        Ok(())
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !self.term.is_terminal {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                w.write_all(json_escape(c).as_bytes())?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_array(w)
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_array(w)
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.inner.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_array_value(w)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_object(w)
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object(w)
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.in_key = true;
        self.inner.begin_object_key(w, first)
    }

    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.in_key = false;
        self.inner.end_object_key(w)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.inner.end_object_value(w)
    }
}

/// The token of a token operation's answer, `{"token": "…"}` or a bare
/// JSON string, read without keeping the rest; `Err` says what the answer
/// is instead.
pub(super) struct TokenAnswer(pub(super) Result<String, String>);

impl<'de> Deserialize<'de> for TokenAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TokenAnswer, D::Error> {
        d.deserialize_any(TokenVisitor).map(TokenAnswer)
    }
}

struct TokenVisitor;

impl TokenVisitor {
    fn not_object<E>(self) -> Result<Result<String, String>, E> {
        Ok(Err("it is not an object".into()))
    }
}

impl<'de> Visitor<'de> for TokenVisitor {
    type Value = Result<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a token answer")
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Ok(s.to_owned()))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        self.not_object()
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        self.not_object()
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        self.not_object()
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        self.not_object()
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        self.not_object()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<Check>()?.is_some() {}
        self.not_object()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut token = None;
        let mut keys: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "token" && token.is_none() {
                token = Some(map.next_value_seed(StringOrNot)?);
            } else {
                map.next_value::<Check>()?;
            }
            if keys.len() < 8 {
                keys.push(super::escape::escape_controls(&key));
            }
        }
        Ok(match token {
            Some(Some(t)) => Ok(t),
            Some(None) => Err("its token field is not a string".into()),
            None => Err(format!("its fields: {}", keys.join(", "))),
        })
    }
}

/// A string, or (checked and dropped) any other value.
struct StringOrNot;

impl<'de> DeserializeSeed<'de> for StringOrNot {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<String>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<String>, E> {
                Ok(Some(s.to_owned()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Option<String>, E> {
                Ok(None)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Option<String>, E> {
                Ok(None)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Option<String>, E> {
                Ok(None)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Option<String>, E> {
                Ok(None)
            }
            fn visit_unit<E>(self) -> Result<Option<String>, E> {
                Ok(None)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<String>, A::Error> {
                CheckVisitor.visit_seq(seq).map(|_| None)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<String>, A::Error> {
                CheckVisitor.visit_map(map).map(|_| None)
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads the token of an answer whose start is `first` (the whole of it
/// when `complete`).
pub(super) fn read_token(
    first: &[u8],
    complete: bool,
    body: &mut dyn Read,
) -> Result<Result<String, String>, RenderError> {
    if complete {
        return serde_json::from_slice::<TokenAnswer>(first)
            .map(|t| t.0)
            .map_err(|e| RenderError::InvalidJson(e.to_string()));
    }
    let mut reader = Caught {
        inner: first.chain(body),
        error: None,
    };
    let result = {
        let mut de = serde_json::Deserializer::from_reader(BufReader::new(&mut reader));
        TokenAnswer::deserialize(&mut de).and_then(|t| de.end().map(|()| t.0))
    };
    match (result, reader.error) {
        (_, Some(e)) => Err(RenderError::Read(e)),
        (Ok(t), None) => Ok(t),
        (Err(e), None) => Err(RenderError::InvalidJson(e.to_string())),
    }
}
