//! A raw HTTP/1.1 client over `TcpStream`, so the tests see exactly the bytes
//! the fake sends (faults included).

#![allow(dead_code)]

use fake_onezone::FakeZone;
use onezone_rest_cli::catalogue::BASE_PATH;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The Onedata error id of an error answer.
    pub fn error_id(&self) -> String {
        self.json()["error"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    pub fn open(port: u16) -> Conn {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn {
            reader: BufReader::new(s.try_clone().unwrap()),
            writer: s,
        }
    }

    pub fn write(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write");
    }

    /// Reads one response; `Err` with what was read when the connection
    /// ends early.
    pub fn read(&mut self) -> Result<Resp, String> {
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let status = line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|r| r.get(..3))
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("bad status line {line:?}"))?;
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            self.reader.read_line(&mut h).map_err(|e| e.to_string())?;
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
        let mut body = vec![0; len];
        let mut got = 0;
        while got < len {
            match self.reader.read(&mut body[got..]) {
                Ok(0) | Err(_) => {
                    return Err(format!("body ended after {got} of {len} bytes"));
                }
                Ok(n) => got += n,
            }
        }
        resp.body = body;
        Ok(resp)
    }

    /// Everything until the peer closes.
    pub fn read_to_end(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self.reader.read_to_end(&mut out);
        out
    }

    pub fn send(&mut self, req: &Req) -> Resp {
        self.write(&req.bytes());
        self.read().expect("response")
    }
}

/// A request to build.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// `path` below the base path (or absolute, starting with `/api`).
pub fn req(method: &str, path: &str) -> Req {
    let target = if path.starts_with("/api") {
        path.to_owned()
    } else {
        format!("{BASE_PATH}{path}")
    };
    Req {
        method: method.to_owned(),
        target,
        headers: vec![("Host".into(), "127.0.0.1".into())],
        body: None,
    }
}

impl Req {
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

    pub fn token(self, t: &str) -> Req {
        self.header("X-Auth-Token", t)
    }

    pub fn admin(self) -> Req {
        self.token(fake_onezone::ADMIN_TOKEN)
    }

    pub fn json(self, v: &Value) -> Req {
        self.header("Content-Type", "application/json")
            .raw_body(v.to_string().as_bytes())
    }

    pub fn raw_body(mut self, b: &[u8]) -> Req {
        self.body = Some(b.to_vec());
        self
    }

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

    /// Sends on a fresh connection.
    pub fn send(&self, zone: &FakeZone) -> Resp {
        Conn::open(zone.port()).send(self)
    }
}

/// The id at the end of a `Location`.
pub fn location_id(r: &Resp) -> String {
    let loc = r
        .header("location")
        .unwrap_or_else(|| panic!("no Location in {r:?}"));
    loc.rsplit('/').next().unwrap_or_default().to_owned()
}
