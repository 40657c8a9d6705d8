//! A raw HTTP/1.1 client over `std::net`, for tests that talk to a fake
//! directly: the fake's own tests, which must see exactly the bytes it
//! sends (faults included), and the client's tests, which set up state
//! without going through the client under test. Reads are bounded as the
//! server's are (10 s per read, 30 s per answer), so a test cannot hang.
//!
//! Helpers that panic say so: a failed exchange there is a failed test.
//! [`Conn::connect`], [`Conn::read`] and [`Conn::request`] return errors
//! instead.

use crate::http::{IO_TIMEOUT, MAX_HEAD, REQUEST_DEADLINE};
use crate::FakeZone;
use base64::Engine as _;
use serde_json::Value;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Instant;

/// An answer as read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resp {
    pub status: u16,
    /// In order, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::util::header(&self.headers, name)
    }

    /// The body as JSON. Panics, showing the body, when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The Onedata error id (`error.id`) of an error answer; empty when the
    /// JSON has none. Panics like [`Resp::json`] when the body is not JSON.
    pub fn error_id(&self) -> String {
        self.json()["error"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The body as text (lossy), for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The id a 201 names: the last segment of its `Location`. Panics when
    /// there is no `Location`.
    pub fn location_id(&self) -> String {
        self.last_location_segment()
            .unwrap_or_else(|| panic!("no Location in {self:?}"))
            .to_owned()
    }

    pub(crate) fn last_location_segment(&self) -> Option<&str> {
        self.header("location")
            .map(|loc| loc.rsplit('/').next().unwrap_or_default())
    }
}

/// One connection to a fake on 127.0.0.1, kept alive across requests, so
/// tests can also write and read bytes by hand.
#[derive(Debug)]
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    /// Connects to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> io::Result<Conn> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let s = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
        s.set_read_timeout(Some(IO_TIMEOUT))?;
        s.set_write_timeout(Some(IO_TIMEOUT))?;
        Ok(Conn {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    /// [`Conn::connect`] for tests: panics when it cannot connect.
    pub fn open(port: u16) -> Conn {
        Conn::connect(port).unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"))
    }

    /// Writes `bytes` as they are. Panics when they cannot be written.
    pub fn write(&mut self, bytes: &[u8]) {
        self.writer
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("write to the fake: {e}"));
    }

    /// Reads one answer (a `100 Continue` is one too); `Err` says what was
    /// wrong, e.g. `body ended after N of M bytes` when the connection
    /// ends (or stalls) early.
    pub fn read(&mut self) -> Result<Resp, String> {
        let deadline = Instant::now() + REQUEST_DEADLINE;
        let line = self.read_line(deadline)?;
        let status = line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|r| r.get(..3))
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("bad status line {line:?}"))?;
        let mut headers = Vec::new();
        loop {
            let h = self.read_line(deadline)?;
            let h = h.trim_end_matches(['\r', '\n']);
            if h.is_empty() {
                break;
            }
            let (n, v) = h
                .split_once(':')
                .ok_or_else(|| format!("bad header {h:?}"))?;
            headers.push((n.to_owned(), v.trim().to_owned()));
        }
        let mut resp = Resp {
            status,
            headers,
            body: Vec::new(),
        };
        if status == 100 {
            return Ok(resp);
        }
        let len: usize = resp
            .header("content-length")
            .map_or(0, |v| v.parse().unwrap_or(0));
        // Grown as bytes arrive, not allocated from what the header claims.
        let mut body = Vec::new();
        let mut chunk = [0; 64 * 1024];
        while body.len() < len {
            let want = chunk.len().min(len - body.len());
            let n = match self.arm(deadline) {
                Ok(()) => self.reader.read(&mut chunk[..want]).unwrap_or(0),
                Err(_) => 0,
            };
            if n == 0 {
                return Err(format!("body ended after {} of {len} bytes", body.len()));
            }
            body.extend_from_slice(&chunk[..n]);
        }
        resp.body = body;
        Ok(resp)
    }

    /// Everything until the peer closes (or sends nothing for 10 s, or 30 s
    /// have passed).
    pub fn read_to_end(&mut self) -> Vec<u8> {
        let deadline = Instant::now() + REQUEST_DEADLINE;
        let mut out = Vec::new();
        let mut chunk = [0; 64 * 1024];
        while self.arm(deadline).is_ok() {
            match self.reader.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
            }
        }
        out
    }

    /// Sends `req` and reads its answer.
    pub fn request(&mut self, req: &Req) -> Result<Resp, String> {
        self.writer
            .write_all(&req.bytes())
            .map_err(|e| format!("write {} {}: {e}", req.method, req.target))?;
        self.read()
    }

    /// [`Conn::request`] for tests: panics when there is no answer.
    pub fn send(&mut self, req: &Req) -> Resp {
        self.request(req)
            .unwrap_or_else(|e| panic!("{} {}: no answer: {e}", req.method, req.target))
    }

    /// Lets the next read wait at most until `deadline`.
    fn arm(&self, deadline: Instant) -> Result<(), String> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("timed out reading the answer".into());
        }
        self.writer
            .set_read_timeout(Some(left.min(IO_TIMEOUT)))
            .map_err(|e| e.to_string())
    }

    /// One line, `\n` included; empty at the end of the stream.
    fn read_line(&mut self, deadline: Instant) -> Result<String, String> {
        let mut line = Vec::new();
        while line.last() != Some(&b'\n') {
            self.arm(deadline)?;
            let buf = self.reader.fill_buf().map_err(|e| e.to_string())?;
            if buf.is_empty() {
                break;
            }
            let n = buf
                .iter()
                .position(|&b| b == b'\n')
                .map_or(buf.len(), |i| i + 1);
            line.extend_from_slice(&buf[..n]);
            self.reader.consume(n);
            if line.len() > MAX_HEAD {
                return Err(format!("a line of the head exceeds {MAX_HEAD} bytes"));
            }
        }
        String::from_utf8(line).map_err(|e| e.to_string())
    }
}

/// A request to build, then send or write as bytes.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    /// The request target as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// A request for `path` below Onezone's base path (or absolute, starting
/// with `/api`: `/api/v3/oneprovider/spaces`), with `Host: 127.0.0.1` and
/// nothing else.
pub fn req(method: &str, path: &str) -> Req {
    let target = if path.starts_with("/api") {
        path.to_owned()
    } else {
        format!("{}{path}", crate::SERVICE.base_path)
    };
    Req {
        method: method.to_owned(),
        target,
        headers: vec![("Host".into(), "127.0.0.1".into())],
        body: None,
    }
}

impl Req {
    /// Adds a header (after any of the same name).
    pub fn header(mut self, n: &str, v: &str) -> Req {
        self.headers.push((n.to_owned(), v.to_owned()));
        self
    }

    /// Replaces the `Host` header.
    pub fn host(mut self, v: &str) -> Req {
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("host"));
        self.header("Host", v)
    }

    /// `X-Auth-Token: t`.
    pub fn token(self, t: &str) -> Req {
        self.header("X-Auth-Token", t)
    }

    /// With the default admin's token.
    pub fn admin(self) -> Req {
        self.token(crate::ADMIN_TOKEN)
    }

    /// `Authorization: Basic base64(user:password)`.
    pub fn basic(self, user: &str, password: &str) -> Req {
        let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.header("Authorization", &format!("Basic {pair}"))
    }

    /// `b` as an `application/octet-stream` body.
    pub fn octets(self, b: &[u8]) -> Req {
        self.header("Content-Type", "application/octet-stream")
            .raw_body(b)
    }

    /// `v` as an `application/json` body.
    pub fn json(self, v: &Value) -> Req {
        self.header("Content-Type", "application/json")
            .raw_body(v.to_string().as_bytes())
    }

    /// A body as it is (with its `Content-Length`, and no `Content-Type`).
    pub fn raw_body(mut self, b: &[u8]) -> Req {
        self.body = Some(b.to_vec());
        self
    }

    /// The request on the wire.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        for (n, v) in &self.headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        if let Some(b) = &self.body {
            out.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if let Some(b) = &self.body {
            bytes.extend_from_slice(b);
        }
        bytes
    }

    /// Sends on a fresh connection to `zone`. Panics when there is no
    /// answer (see [`Conn::send`]).
    pub fn send(&self, zone: &FakeZone) -> Resp {
        Conn::open(zone.port()).send(self)
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, as the
/// client does. Written out here rather than taken from the client, so that
/// a test comparing the paths the client sends with these checks its
/// encoding.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A peer that sends `bytes` on the first connection, then closes.
    fn peer(bytes: &'static [u8]) -> u16 {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = l.accept() {
                let _ = s.write_all(bytes);
            }
        });
        port
    }

    #[test]
    fn a_lying_content_length_is_an_error_not_an_allocation() {
        let port = peer(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\nab");
        let err = Conn::open(port).read().unwrap_err();
        assert_eq!(err, "body ended after 2 of 99999999999999 bytes");
    }

    #[test]
    fn answers_and_ends_are_read() {
        let port = peer(b"HTTP/1.1 201 Created\r\nLocation: http://h/a/b/id1\r\n\r\n");
        let r = Conn::open(port).read().unwrap();
        assert_eq!((r.status, r.location_id()), (201, "id1".to_owned()));
        let port = peer(b"");
        assert_eq!(Conn::open(port).read().unwrap_err(), "bad status line \"\"");
    }
}
