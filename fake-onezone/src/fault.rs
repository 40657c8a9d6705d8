//! Misbehaviours the fake can be told to show, for testing how a client copes.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// A way to misbehave. Set with [`crate::FakeZone::set_fault`] (it applies to
/// every following request until cleared) or with the binary's `--fault SPEC`.
/// The request is still read, routed, checked and recorded; only the answer
/// changes (and, except for `Slow`, no state changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Wait this long before the first byte of the (otherwise normal) answer.
    /// CLI: `slow:MS`, `slow:2s`, `slow:500ms`.
    Slow(Duration),
    /// Send a 200 head announcing a longer `Content-Length` than the part of
    /// the body that follows, then close. CLI: `drop-mid-body`.
    DropMidBody,
    /// Answer this status; with an Onedata error body when the flag is set,
    /// else with an empty body. CLI: `status:503` (with body), `status:503:bare`.
    Status(u16, bool),
    /// A 200 `application/json` answer whose body is not JSON. CLI: `invalid-json`.
    InvalidJson,
    /// A 307 to this absolute URL. When the URL has no path (or just `/`),
    /// the request's own path and query are appended, so
    /// `RedirectTo("http://localhost:8080")` sends `/api/v3/onezone/user` to
    /// `http://localhost:8080/api/v3/onezone/user`. CLI: `redirect:URL`.
    RedirectTo(String),
    /// A 200 `application/json` answer that is valid JSON of exactly this many
    /// bytes (at least 1). CLI: `large-body:BYTES`.
    LargeBody(usize),
    /// Bytes that are not HTTP, then close. CLI: `garbage`.
    Garbage,
    /// An HTML error page with this status, as a reverse proxy would send.
    /// CLI: `html:502`.
    Html(u16),
    /// A 200 `application/json` head announcing a longer body than the part
    /// that follows; then nothing more for this long (the connection stays
    /// open), then close. CLI: `stall-mid-body:MS` (or `2s`).
    StallMidBody(Duration),
    /// A 200 answer with `Content-Encoding: gzip` whose body is not gzip
    /// (plain JSON). CLI: `fake-gzip`.
    FakeGzip,
    /// This status with a `Retry-After` header of this value (seconds or an
    /// HTTP date, sent as given) and an Onedata error body.
    /// CLI: `retry-after:429:2`, `retry-after:503:Sun, 06 Nov 1994 08:49:37 GMT`.
    RetryAfter(u16, String),
    /// A 200 answer whose body is the content of this file (read when the
    /// answer is sent), with this `Content-Type`, or none. For answers a
    /// hostile server may send: control sequences, huge documents.
    /// CLI: `body:application/json:/tmp/a.json`, `body:-:/tmp/untyped`.
    BodyFile(Option<String>, PathBuf),
    /// A 201 with this `Location` header and no body.
    /// CLI: `created:http://h/api/v3/onezone/groups/g%1B`.
    Created(String),
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(spec: &str) -> Result<Fault, String> {
        let (kind, arg) = match spec.split_once(':') {
            Some((k, a)) => (k, Some(a)),
            None => (spec, None),
        };
        let need = |what: &str| arg.ok_or_else(|| format!("--fault {kind} needs :{what}"));
        let status = |s: &str| match s.parse::<u16>() {
            Ok(n) if (100..=999).contains(&n) => Ok(n),
            _ => Err(format!("{s:?} is not an HTTP status")),
        };
        match kind {
            "slow" => parse_duration(need("MS")?).map(Fault::Slow),
            "drop-mid-body" => Ok(Fault::DropMidBody),
            "status" => {
                let a = need("CODE")?;
                match a.split_once(':') {
                    Some((code, "bare")) => Ok(Fault::Status(status(code)?, false)),
                    Some((_, other)) => {
                        Err(format!("unknown status flag {other:?} (only \"bare\")"))
                    }
                    None => Ok(Fault::Status(status(a)?, true)),
                }
            }
            "invalid-json" => Ok(Fault::InvalidJson),
            "redirect" => {
                let url = need("URL")?;
                if url.starts_with("http://") || url.starts_with("https://") {
                    Ok(Fault::RedirectTo(url.to_owned()))
                } else {
                    Err(format!("{url:?} is not an absolute http(s) URL"))
                }
            }
            "large-body" => match need("BYTES")?.parse::<usize>() {
                Ok(n) if n > 0 => Ok(Fault::LargeBody(n)),
                _ => Err("large-body needs a positive byte count".into()),
            },
            "garbage" => Ok(Fault::Garbage),
            "html" => Ok(Fault::Html(status(need("CODE")?)?)),
            "stall-mid-body" => parse_duration(need("MS")?).map(Fault::StallMidBody),
            "fake-gzip" => Ok(Fault::FakeGzip),
            "retry-after" => {
                let a = need("CODE:VALUE")?;
                let (code, value) = a
                    .split_once(':')
                    .ok_or("retry-after needs CODE:VALUE, e.g. retry-after:429:2")?;
                if value.is_empty() || value.bytes().any(|b| b < b' ' || b == 0x7f) {
                    return Err(format!("{value:?} is not a header value"));
                }
                Ok(Fault::RetryAfter(status(code)?, value.to_owned()))
            }
            "body" => {
                let a = need("TYPE:PATH")?;
                let (kind, path) = a
                    .split_once(':')
                    .filter(|(k, p)| !k.is_empty() && !p.is_empty())
                    .ok_or("body needs TYPE:PATH (TYPE - for none), e.g. body:text/plain:/tmp/b")?;
                let kind = (kind != "-").then(|| kind.to_owned());
                Ok(Fault::BodyFile(kind, PathBuf::from(path)))
            }
            "created" => {
                let location = need("LOCATION")?;
                if location.is_empty() || location.bytes().any(|b| b < b' ' || b == 0x7f) {
                    return Err(format!("{location:?} is not a header value"));
                }
                Ok(Fault::Created(location.to_owned()))
            }
            _ => Err(format!(
                "unknown fault {kind:?} (slow:MS, drop-mid-body, status:CODE[:bare], \
                 invalid-json, redirect:URL, large-body:BYTES, garbage, html:CODE, \
                 stall-mid-body:MS, fake-gzip, retry-after:CODE:VALUE, body:TYPE:PATH, \
                 created:LOCATION)"
            )),
        }
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000)
    } else {
        (s, 1)
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .map(Duration::from_millis)
        .ok_or_else(|| format!("{s:?} is not a duration (e.g. 500, 500ms, 2s)"))
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Slow(d) => write!(f, "slow:{}ms", d.as_millis()),
            Fault::DropMidBody => f.write_str("drop-mid-body"),
            Fault::Status(c, true) => write!(f, "status:{c}"),
            Fault::Status(c, false) => write!(f, "status:{c}:bare"),
            Fault::InvalidJson => f.write_str("invalid-json"),
            Fault::RedirectTo(u) => write!(f, "redirect:{u}"),
            Fault::LargeBody(n) => write!(f, "large-body:{n}"),
            Fault::Garbage => f.write_str("garbage"),
            Fault::Html(c) => write!(f, "html:{c}"),
            Fault::StallMidBody(d) => write!(f, "stall-mid-body:{}ms", d.as_millis()),
            Fault::FakeGzip => f.write_str("fake-gzip"),
            Fault::RetryAfter(c, v) => write!(f, "retry-after:{c}:{v}"),
            Fault::BodyFile(t, p) => {
                write!(f, "body:{}:{}", t.as_deref().unwrap_or("-"), p.display())
            }
            Fault::Created(l) => write!(f, "created:{l}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip() {
        for spec in [
            "slow:250ms",
            "drop-mid-body",
            "status:503",
            "status:500:bare",
            "invalid-json",
            "redirect:http://localhost:1234",
            "large-body:100000",
            "garbage",
            "html:502",
            "stall-mid-body:1500ms",
            "fake-gzip",
            "retry-after:429:2",
            "retry-after:503:Sun, 06 Nov 1994 08:49:37 GMT",
            "body:text/plain; charset=utf-8:/tmp/a b",
            "body:-:/tmp/x",
            "created:http://h/groups/g%1B",
        ] {
            let f: Fault = spec.parse().unwrap();
            assert_eq!(f.to_string(), spec);
        }
        assert_eq!(
            "slow:2s".parse::<Fault>(),
            Ok(Fault::Slow(Duration::from_secs(2)))
        );
        assert_eq!(
            "slow:30".parse::<Fault>(),
            Ok(Fault::Slow(Duration::from_millis(30)))
        );
        for bad in [
            "slow",
            "slow:x",
            "status:99",
            "status:500:x",
            "redirect:ftp://x",
            "large-body:0",
            "retry-after:429",
            "retry-after:429:",
            "retry-after:x:1",
            "body:text/plain",
            "body::/tmp/x",
            "created",
            "nope",
        ] {
            assert!(bad.parse::<Fault>().is_err(), "{bad}");
        }
    }
}
