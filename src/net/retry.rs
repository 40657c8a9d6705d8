//! `--retry`: which failures and answers are sent again, and after how long.
//!
//! # Choices
//! - **Retries** (`--retry N`, none by default): a send that fails to
//!   connect (refused, reset, DNS, connect timeout; not TLS certificate
//!   errors, which do not heal) or is answered 429, 502, 503 or 504 is sent
//!   again, up to N times, after an exponential backoff (0.5 s, 1 s, 2 s, …,
//!   at most 30 s, each with jitter: half of it fixed, half random), or after
//!   the answer's `Retry-After` (seconds or an HTTP date). A wait that would
//!   end past `-m/--max-time` (or, with `-m 0`, beyond 5 minutes) is not
//!   made: the last answer is reported. Only idempotent methods are retried
//!   (GET, HEAD, PUT, DELETE, OPTIONS), so nothing is created twice, unless
//!   `--retry-all` is given. An answer whose body has begun is never retried
//!   (part of it may be on stdout). Without `--retry` the send path does one
//!   integer comparison more.

use super::client::{describe_seconds, Settings};
use super::diagnose::{classify, find};
use super::verbose::note;
use crate::exit::Failure;
use crate::output;
use reqwest::Method;
use std::io;
use std::time::{Duration, Instant};
use url::Url;

/// The first backoff of `--retry`; it doubles with every retry.
const RETRY_BASE: Duration = Duration::from_millis(500);
/// The longest backoff between two retries.
const RETRY_CAP: Duration = Duration::from_secs(30);
/// The longest `Retry-After` waited for when there is no time limit (`-m 0`).
const RETRY_AFTER_CAP: Duration = Duration::from_secs(300);

/// What `--retry` has done in one exchange.
#[derive(Default)]
pub(super) struct Retries {
    /// Sends that were retried.
    pub(super) done: u32,
    /// Why the last failure was not retried, when that is not obvious.
    not_retried: Option<String>,
}

impl Retries {
    /// Whether to send again, and after how long; notes the retry on stderr.
    /// Called only while retries are left.
    pub(super) fn decide(
        &mut self,
        sent: &Result<reqwest::Response, reqwest::Error>,
        method: &Method,
        url: &Url,
        s: &Settings,
        deadline: Option<Instant>,
    ) -> Option<Duration> {
        let (what, retry_after) = match sent {
            Ok(resp) if matches!(resp.status().as_u16(), 429 | 502 | 503 | 504) => {
                let status = resp.status();
                let what = format!(
                    "HTTP {} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or_default()
                );
                let after = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| {
                        (
                            v.to_owned(),
                            parse_retry_after(v, std::time::SystemTime::now()),
                        )
                    });
                (what, after)
            }
            Err(e) if is_transient(e) => {
                let f = classify(e, url, s);
                (f.lines.first().cloned().unwrap_or_default(), None)
            }
            _ => return None,
        };
        if !is_idempotent(method) && !s.retry_all {
            self.not_retried = Some(format!(
                "{method} is not retried: it may not be idempotent (--retry-all retries it anyway)"
            ));
            return None;
        }
        let wait = match retry_after {
            Some((_, Some(after))) => after,
            Some((raw, None)) => {
                self.not_retried = Some(format!(
                    "not retried: the answer's Retry-After {:?} is neither seconds nor an HTTP date",
                    output::excerpt(raw.as_bytes(), 60)
                ));
                return None;
            }
            None => backoff(self.done),
        };
        let room = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => RETRY_AFTER_CAP,
        };
        if wait >= room {
            self.not_retried = Some(format!(
                "not retried: the next try would be in {:.1} s, past the time limit ({}); \
                 -m/--max-time SECONDS allows more",
                wait.as_secs_f64(),
                describe_seconds(s.max_time)
            ));
            return None;
        }
        self.done += 1;
        if s.warnings {
            note(&format!(
                "warning: {what}; retry {} of {} in {:.1} s",
                self.done,
                s.retry,
                wait.as_secs_f64()
            ));
        }
        Some(wait)
    }

    /// The failure, with what `--retry` did before it.
    pub(super) fn annotate(&self, mut f: Failure) -> Failure {
        if self.done > 0 {
            let times = if self.done == 1 { "once" } else { "times" };
            let count = if self.done == 1 {
                String::new()
            } else {
                format!("{} ", self.done)
            };
            f = f.hint(format!("retried {count}{times}, to no avail"));
        }
        if let Some(why) = &self.not_retried {
            f = f.hint(why.clone());
        }
        f
    }
}

/// Methods that may be sent twice without acting twice (RFC 9110 §9.2.2).
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// A failure to get an answer that may go away by itself: a connection
/// refused, reset or closed before the answer, a DNS failure, a connect
/// timeout. Not TLS certificate or protocol errors, not an answer that is
/// not HTTP, and not the overall time limit (it is used up).
fn is_transient(e: &reqwest::Error) -> bool {
    if find::<rustls::Error>(e).is_some() {
        return false;
    }
    if e.is_timeout() {
        return e.is_connect();
    }
    if let Some(h) = find::<hyper::Error>(e) {
        if h.is_parse() {
            return false;
        }
        if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
            return true;
        }
    }
    if e.is_connect() {
        return true;
    }
    find::<io::Error>(e).is_some_and(|io| {
        matches!(
            io.kind(),
            io::ErrorKind::ConnectionRefused
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
        )
    })
}

/// The wait before retry number `done + 1`: `RETRY_BASE` doubled `done`
/// times, at most `RETRY_CAP`; half of it fixed, half random ("equal
/// jitter"), so that many clients do not retry in step.
fn backoff(done: u32) -> Duration {
    let full = RETRY_BASE
        .checked_mul(1u32.checked_shl(done).unwrap_or(u32::MAX))
        .map_or(RETRY_CAP, |d| d.min(RETRY_CAP));
    full / 2 + (full / 2).mul_f64(random_fraction())
}

/// A number in [0, 1) from the process's random hash keys: jitter needs no
/// more, and no random number crate is needed for it.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    // The top 53 bits, as the mantissa of a double.
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After`: delay-seconds, or an HTTP date (`Sun, 06 Nov 1994
/// 08:49:37 GMT`, or the two obsolete forms RFC 9110 §5.6.7 says to accept),
/// as the time from `now`; a date in the past is no wait. `None` when it is
/// neither.
fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Any number of digits: a huge one is a very long wait.
        return Some(v.parse::<u64>().map_or(Duration::MAX, Duration::from_secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `120` → `120 s`; a date as given.
pub(super) fn describe_retry_after(value: &str) -> String {
    let v = output::excerpt(value.trim().as_bytes(), 60);
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        format!("{v} s")
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Sun Nov  6 08:51:37 1994", now),
            Some(Duration::from_secs(120))
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        for done in 0..40 {
            let full = RETRY_BASE.saturating_mul(1 << done.min(31)).min(RETRY_CAP);
            for _ in 0..20 {
                let b = backoff(done);
                assert!(b >= full / 2 && b <= full, "{done}: {b:?}");
            }
        }
        let samples: Vec<Duration> = (0..20).map(|_| backoff(3)).collect();
        assert!(samples.iter().any(|d| *d != samples[0]), "no jitter");
    }

    #[test]
    fn only_idempotent_methods_are_retried_by_default() {
        for m in [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            assert!(is_idempotent(&m), "{m}");
        }
        for m in [Method::POST, Method::PATCH, Method::CONNECT] {
            assert!(!is_idempotent(&m), "{m}");
        }
    }
}
