//! A deliberately small HTTP/1.1 server side: request heads, bodies with
//! `Content-Length` or chunked framing, `Expect: 100-continue`, keep-alive.
//! Every read is bounded in size and time.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The request line and headers together.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
pub(crate) const MAX_HEADERS: usize = 100;
/// Larger request bodies are answered 413.
pub(crate) const MAX_BODY: usize = 8 * 1024 * 1024;
/// Larger streamed uploads (`application/octet-stream`, see `store.rs`)
/// are answered 413.
pub(crate) const MAX_UPLOAD: usize = 1024 * 1024 * 1024;
/// The buffer of streamed bodies, both ways: large, so that copying costs
/// few system calls.
pub(crate) const STREAM_BUFFER: usize = 256 * 1024;
/// Per read or write call; also how long an idle keep-alive connection stays.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// A whole request (head and body) must arrive within this.
pub(crate) const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// When the request being read must have arrived; shared between a
/// connection's loop, which sets it, and its [`Timed`] socket.
pub(crate) type Deadline = Rc<Cell<Option<Instant>>>;

/// A connection's socket, under the TLS layer if any and the buffered
/// reader: before every read it sets the socket's read timeout to
/// [`IO_TIMEOUT`], or to the time left until the deadline when that is
/// shorter, and once the deadline has passed reads fail at once. So a peer
/// sending a byte now and then cannot stretch a request past its deadline,
/// however the bytes are read (within a line, a TLS record or a body).
pub(crate) struct Timed {
    stream: TcpStream,
    deadline: Deadline,
}

impl Timed {
    pub(crate) fn new(stream: TcpStream, deadline: Deadline) -> Timed {
        Timed { stream, deadline }
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let timeout = match self.deadline.get() {
            None => IO_TIMEOUT,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                left.min(IO_TIMEOUT)
            }
        };
        self.stream.set_read_timeout(Some(timeout))?;
        self.stream.read(buf)
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub method: String,
    pub target: String,
    pub http10: bool,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.all(name).next()
    }

    pub(crate) fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(&name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the connection may serve another request after this one.
    pub(crate) fn keep_alive(&self) -> bool {
        let tokens: Vec<String> = self
            .all("connection")
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .collect();
        if self.http10 {
            tokens.iter().any(|t| t == "keep-alive")
        } else {
            !tokens.iter().any(|t| t == "close")
        }
    }
}

#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed (or went quiet) before a request began.
    Closed,
    /// Reading failed mid-request (timeout, reset); nothing can be answered.
    Io,
    /// A malformed request: answer 400 and close.
    Malformed(String),
    /// Too large: answer with this status (413 or 431) and close.
    TooLarge(u16, String),
}

/// How the body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    None,
    Length(usize),
    Chunked,
}

fn read_line(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
    deadline: Instant,
) -> Result<(), ReadError> {
    buf.clear();
    if Instant::now() > deadline {
        return Err(ReadError::Io);
    }
    let n = r
        .by_ref()
        .take(limit as u64 + 1)
        .read_until(b'\n', buf)
        .map_err(|_| ReadError::Io)?;
    if n == 0 {
        return Err(ReadError::Closed);
    }
    if buf.last() != Some(&b'\n') {
        return if n > limit {
            Err(ReadError::TooLarge(431, "request head too large".into()))
        } else {
            Err(ReadError::Io)
        };
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(())
}

/// Reads a request line and headers. `Closed` when the peer ends the
/// connection before sending anything. `Io` once `deadline` has passed
/// (reads themselves are bounded by it through [`Timed`]).
pub(crate) fn read_head(r: &mut impl BufRead, deadline: Instant) -> Result<Head, ReadError> {
    let mut line = Vec::new();
    let mut used = 0;
    // Tolerate a few empty lines before the request line (RFC 9112 §2.2).
    for _ in 0..4 {
        read_line(r, &mut line, MAX_HEAD, deadline)?;
        used += line.len() + 2;
        if !line.is_empty() {
            break;
        }
    }
    let text = String::from_utf8_lossy(&line).into_owned();
    let mut parts = text.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => {
            return Err(ReadError::Malformed(format!(
                "malformed request line {text:?}"
            )))
        }
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ReadError::Malformed(format!("malformed method {method:?}")));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => {
            return Err(ReadError::Malformed(format!(
                "unsupported protocol {version:?}"
            )))
        }
    };
    if target.is_empty() || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(ReadError::Malformed(format!(
            "malformed request target {target:?}"
        )));
    }
    let mut head = Head {
        method: method.to_owned(),
        target: target.to_owned(),
        http10,
        headers: Vec::new(),
    };
    // One more round than headers allowed, to read the empty line.
    for _ in 0..=MAX_HEADERS {
        read_line(r, &mut line, MAX_HEAD - used.min(MAX_HEAD), deadline).map_err(|e| match e {
            ReadError::Closed => ReadError::Io,
            e => e,
        })?;
        used += line.len() + 2;
        if used > MAX_HEAD {
            return Err(ReadError::TooLarge(431, "request head too large".into()));
        }
        if line.is_empty() {
            return Ok(head);
        }
        if head.headers.len() >= MAX_HEADERS {
            return Err(ReadError::TooLarge(
                431,
                format!("more than {MAX_HEADERS} headers"),
            ));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(ReadError::Malformed("obsolete header line folding".into()));
        }
        let text = String::from_utf8_lossy(&line);
        let Some((name, value)) = text.split_once(':') else {
            return Err(ReadError::Malformed(format!(
                "header line without a colon: {text:?}"
            )));
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(ReadError::Malformed(format!(
                "malformed header name {name:?}"
            )));
        }
        head.headers
            .push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
    Err(ReadError::TooLarge(
        431,
        format!("more than {MAX_HEADERS} headers"),
    ))
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The body framing the head announces, or why it is unacceptable: a
/// `Content-Length` above `limit` is answered 413 before anything is read.
pub(crate) fn framing(head: &Head, limit: usize) -> Result<Framing, ReadError> {
    let te: Vec<&str> = head.all("transfer-encoding").collect();
    let cl: Vec<&str> = head.all("content-length").collect();
    if !te.is_empty() {
        if !cl.is_empty() {
            return Err(ReadError::Malformed(
                "both Transfer-Encoding and Content-Length".into(),
            ));
        }
        let codings: Vec<String> = te
            .iter()
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .collect();
        if codings != ["chunked"] {
            return Err(ReadError::Malformed(format!(
                "unsupported Transfer-Encoding {:?} (only chunked)",
                te.join(", ")
            )));
        }
        return Ok(Framing::Chunked);
    }
    let Some(first) = cl.first() else {
        return Ok(Framing::None);
    };
    if cl.iter().any(|v| v != first)
        || first.is_empty()
        || !first.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(ReadError::Malformed(format!(
            "bad Content-Length {:?}",
            cl.join(", ")
        )));
    }
    match first.parse::<usize>() {
        Ok(n) if n <= limit => Ok(Framing::Length(n)),
        _ => Err(too_large(limit)),
    }
}

fn too_large(limit: usize) -> ReadError {
    ReadError::TooLarge(413, format!("body larger than {limit} bytes"))
}

/// Reads the body announced by `framing` (at most [`MAX_BODY`] bytes), by
/// `deadline` (as [`read_head`]).
pub(crate) fn read_body(
    r: &mut impl BufRead,
    framing: Framing,
    deadline: Instant,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    copy_body(r, framing, deadline, MAX_BODY, &mut body)?;
    Ok(body)
}

/// Copies the body announced by `framing` into `sink` as it arrives, in
/// pieces of at most [`STREAM_BUFFER`] bytes, by `deadline`; more than
/// `limit` bytes are refused (413). Returns the number of bytes copied. A
/// failed write to `sink` is an I/O error, like a failed read.
pub(crate) fn copy_body(
    r: &mut impl BufRead,
    framing: Framing,
    deadline: Instant,
    limit: usize,
    sink: &mut impl Write,
) -> Result<u64, ReadError> {
    let mut buf = Vec::new();
    match framing {
        Framing::None => Ok(0),
        Framing::Length(n) => {
            copy_exact(r, n, deadline, sink, &mut buf)?;
            Ok(n as u64)
        }
        Framing::Chunked => {
            let mut total: usize = 0;
            let mut line = Vec::new();
            // Every chunk is at least one byte, so the limit bounds this.
            for _ in 0..=limit {
                read_line(r, &mut line, 1024, deadline).map_err(|_| ReadError::Io)?;
                let text = String::from_utf8_lossy(&line);
                // Hex digits only (`from_str_radix` alone takes a sign), then
                // any whitespace before a chunk extension.
                let size = text
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim_end_matches([' ', '\t']);
                let size = match usize::from_str_radix(size, 16) {
                    Ok(n) if size.bytes().all(|b| b.is_ascii_hexdigit()) => n,
                    _ => return Err(ReadError::Malformed(format!("bad chunk size {text:?}"))),
                };
                if size == 0 {
                    // Trailers, up to the empty line.
                    for _ in 0..MAX_HEADERS {
                        read_line(r, &mut line, 8 * 1024, deadline).map_err(|_| ReadError::Io)?;
                        if line.is_empty() {
                            return Ok(total as u64);
                        }
                    }
                    return Err(ReadError::TooLarge(431, "too many trailers".into()));
                }
                total = total.saturating_add(size);
                if total > limit {
                    return Err(too_large(limit));
                }
                copy_exact(r, size, deadline, sink, &mut buf)?;
                read_line(r, &mut line, 2, deadline).map_err(|_| ReadError::Io)?;
                if !line.is_empty() {
                    return Err(ReadError::Malformed("chunk not followed by CRLF".into()));
                }
            }
            Err(ReadError::TooLarge(413, "too many chunks".into()))
        }
    }
}

/// Copies exactly `n` bytes from `r` to `sink` through `buf` (grown up to
/// [`STREAM_BUFFER`] as needed).
fn copy_exact(
    r: &mut impl BufRead,
    n: usize,
    deadline: Instant,
    sink: &mut impl Write,
    buf: &mut Vec<u8>,
) -> Result<(), ReadError> {
    let want = n.min(STREAM_BUFFER);
    if buf.len() < want {
        buf.resize(want, 0);
    }
    let mut left = n;
    while left > 0 {
        if Instant::now() > deadline {
            return Err(ReadError::Io);
        }
        let k = left.min(buf.len());
        match r.read(&mut buf[..k]) {
            Ok(0) | Err(_) => return Err(ReadError::Io),
            Ok(got) => {
                sink.write_all(&buf[..got]).map_err(|_| ReadError::Io)?;
                left -= got;
            }
        }
    }
    Ok(())
}

/// A body sent from a file: `len` bytes from `offset`, read in pieces as
/// they are written.
#[derive(Debug, Clone)]
pub(crate) struct FileBody {
    pub file: Arc<File>,
    pub offset: u64,
    pub len: u64,
}

/// An answer to write.
#[derive(Debug, Clone, Default)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Sent after `body` (which is then empty).
    pub file: Option<FileBody>,
}

impl Response {
    pub(crate) fn new(status: u16) -> Response {
        Response {
            status,
            ..Response::default()
        }
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::new(status)
            .header("Content-Type", "application/json")
            .with_body(value.to_string().into_bytes())
    }

    pub(crate) fn with_body(mut self, body: Vec<u8>) -> Response {
        self.body = body;
        self
    }

    pub(crate) fn with_file(mut self, file: FileBody) -> Response {
        self.file = Some(file);
        self
    }

    /// The length of the body, the file part included.
    fn body_len(&self) -> u64 {
        self.body.len() as u64 + self.file.as_ref().map_or(0, |f| f.len)
    }
}

/// The head of an answer, with `Content-Length: content_length`.
pub(crate) fn head_bytes(resp: &Response, content_length: u64, close: bool) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    out.push_str("Server: fake-onezone\r\n");
    for (n, v) in &resp.headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {content_length}\r\n"));
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// Writes `resp`; for a `HEAD` request (`head_only`) the head alone, its
/// `Content-Length` still that of the body a GET would get (RFC 9110 §9.3.2).
pub(crate) fn write_response(
    w: &mut impl Write,
    resp: &Response,
    close: bool,
    head_only: bool,
) -> io::Result<()> {
    let mut bytes = head_bytes(resp, resp.body_len(), close);
    if !head_only {
        bytes.extend_from_slice(&resp.body);
    }
    w.write_all(&bytes)?;
    if let Some(f) = resp.file.as_ref().filter(|_| !head_only) {
        write_file(w, f)?;
    }
    w.flush()
}

/// Writes a file's part in pieces of [`STREAM_BUFFER`] bytes. A file that
/// ends early is an error (the answer is then cut short).
fn write_file(w: &mut impl Write, body: &FileBody) -> io::Result<()> {
    let mut file = &*body.file;
    file.seek(SeekFrom::Start(body.offset))?;
    let mut buf = vec![0; STREAM_BUFFER.min(usize::try_from(body.len).unwrap_or(usize::MAX))];
    let mut left = body.len;
    while left > 0 {
        let k = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = file.read(&mut buf[..k])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        w.write_all(&buf[..n])?;
        left -= n as u64;
    }
    Ok(())
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;
    use std::net::{Ipv4Addr, TcpListener};
    use std::thread::{self, JoinHandle};

    /// A reader of the server's side of a connection whose reads follow a
    /// deadline `after` from now, as a connection's do, and a peer writing
    /// `bytes` to it one every 20 ms (until they run out or the reader is
    /// dropped).
    fn trickled(bytes: Vec<u8>, after: Duration) -> (BufReader<Timed>, Instant, JoinHandle<()>) {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let mut client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (server, _) = l.accept().unwrap();
        let peer = thread::spawn(move || {
            for b in bytes {
                if client.write_all(&[b]).is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
        });
        let due = Instant::now() + after;
        let deadline = Deadline::default();
        deadline.set(Some(due));
        (BufReader::new(Timed::new(server, deadline)), due, peer)
    }

    /// 5 s of bytes, one every 20 ms, each well within the read timeout.
    fn slow(start: &[u8]) -> Vec<u8> {
        let mut bytes = start.to_vec();
        bytes.resize(250, b'a');
        bytes
    }

    #[test]
    fn a_trickled_request_cannot_outlast_its_deadline() {
        let bound = Duration::from_millis(1500);
        // Within a header line, begun before the deadline (the request
        // line takes 320 ms).
        let (mut r, due, peer) = trickled(
            slow(b"GET / HTTP/1.1\r\nX-Slow: "),
            Duration::from_millis(600),
        );
        let t = Instant::now();
        let got = read_head(&mut r, due);
        assert!(matches!(got, Err(ReadError::Io)), "{got:?}");
        assert!(t.elapsed() < bound, "the head took {:?}", t.elapsed());
        drop(r);
        peer.join().unwrap();

        // Within a body, and within a chunk-size line.
        for framing in [Framing::Length(1000), Framing::Chunked] {
            let start: &[u8] = if framing == Framing::Chunked {
                b""
            } else {
                b"{"
            };
            let (mut r, due, peer) = trickled(slow(start), Duration::from_millis(300));
            let t = Instant::now();
            let got = read_body(&mut r, framing, due);
            assert!(got.is_err(), "{framing:?}: {got:?}");
            assert!(t.elapsed() < bound, "{framing:?}: took {:?}", t.elapsed());
            drop(r);
            peer.join().unwrap();
        }
    }

    #[test]
    fn reads_fail_once_the_deadline_has_passed() {
        let (mut r, _, peer) = trickled(b"GET / HTTP/1.1\r\n\r\n".to_vec(), Duration::ZERO);
        thread::sleep(Duration::from_millis(100));
        let err = r.fill_buf().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        drop(r);
        peer.join().unwrap();
    }
}
