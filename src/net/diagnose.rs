//! Failures to get a (whole) answer, as messages that name what went wrong
//! and hints that say what to do: network, DNS, TLS, time limits, answers
//! that are not HTTP, bodies cut short.

use super::answer::Body;
use super::client::{describe_seconds, env_proxy_var, Settings};
use crate::exit::{self, Failure};
use std::error::Error as StdError;
use std::io;
use url::Url;

pub(super) fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

pub(super) fn body_failure(body: &Body, e: &io::Error, url: &Url, s: &Settings) -> Failure {
    let target = host_port(url);
    match &body.error {
        Some(err) if err.is_timeout() && s.transfer && s.max_time.is_none() => Failure::new(
            exit::NETWORK,
            format!(
                "the transfer from {target} stalled: nothing arrived for {} s ({} bytes of the body arrived); it is incomplete",
                super::client::STALL_LIMIT.as_secs(),
                body.received
            ),
        ),
        Some(err) if err.is_timeout() => Failure::new(
            exit::NETWORK,
            format!(
                "no complete answer from {target} within {} ({} bytes of the body arrived)",
                describe_seconds(s.max_time),
                body.received
            ),
        )
        .hint("-m/--max-time SECONDS allows more time (0: no limit)"),
        _ => Failure::new(
            exit::BAD_RESPONSE,
            format!(
                "the answer from {target} was cut short after {} bytes of the body: {e}",
                body.received
            ),
        ),
    }
}

/// Every error in the chain. An `io::Error` that wraps another error is
/// followed into it (its `source()` skips the wrapped error itself).
fn chain<'a>(e: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        if out.len() > 32 {
            break;
        }
        out.push(err);
        cur = match err.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => err.source(),
        };
    }
    out
}

pub(super) fn find<'a, T: StdError + 'static>(e: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    chain(e).into_iter().find_map(|err| err.downcast_ref::<T>())
}

/// The innermost message, which names what actually went wrong.
pub(super) fn root_cause(e: &(dyn StdError + 'static)) -> String {
    chain(e)
        .last()
        .map_or_else(|| e.to_string(), |c| c.to_string())
}

/// The messages of the chain, without repeats.
pub(super) fn chain_text(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for err in chain(e) {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

/// A failure to get an answer at all: network, DNS, TLS, timeout, or an
/// answer that is not HTTP.
pub(super) fn request_failure(e: &reqwest::Error, url: &Url, s: &Settings) -> Failure {
    let f = classify(e, url, s);
    match env_proxy_var(url) {
        Some(var) if s.proxy.is_none() && f.code == exit::NETWORK => {
            f.hint(format!("the request went through the proxy set in {var}"))
        }
        _ => f,
    }
}

pub(super) fn classify(e: &reqwest::Error, url: &Url, s: &Settings) -> Failure {
    let host = url.host_str().unwrap_or_default();
    let mut target = host_port(url);
    if let Some(p) = &s.proxy {
        target = format!(
            "{target} (through the proxy {})",
            crate::auth::without_password(p, "***")
        );
    }
    if let Some(tls) = find::<rustls::Error>(e) {
        return tls_failure(tls, host, &target);
    }
    if e.is_timeout() {
        return if e.is_connect() {
            Failure::new(
                exit::NETWORK,
                format!(
                    "timed out connecting to {target} after {}",
                    describe_seconds(s.connect_timeout)
                ),
            )
            .hint("--connect-timeout SECONDS allows more time")
        } else {
            Failure::new(
                exit::NETWORK,
                format!(
                    "no answer from {target} within {}",
                    describe_seconds(s.max_time)
                ),
            )
            .hint("-m/--max-time SECONDS allows more time (0: no limit)")
        };
    }
    if e.is_dns() {
        return Failure::new(
            exit::NETWORK,
            format!("cannot resolve the host name {host}: {}", root_cause(e)),
        );
    }
    if let Some(h) = find::<hyper::Error>(e) {
        if h.is_parse() {
            let mut f = Failure::new(
                exit::BAD_RESPONSE,
                format!("the answer from {target} is not valid HTTP ({h})"),
            );
            if url.scheme() == "http" {
                f = f.hint("if the server speaks TLS, use https://");
            }
            return f;
        }
        if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
            let mut f = Failure::new(
                exit::NETWORK,
                format!("{target} closed the connection before answering"),
            );
            if url.scheme() == "http" {
                f = f.hint("if the server speaks TLS, use https://");
            }
            return f;
        }
    }
    if let Some(io) = find::<io::Error>(e) {
        let what = match io.kind() {
            io::ErrorKind::ConnectionRefused => Some("connection refused"),
            io::ErrorKind::ConnectionReset => Some("connection reset"),
            io::ErrorKind::ConnectionAborted => Some("connection aborted"),
            io::ErrorKind::HostUnreachable => Some("host unreachable"),
            io::ErrorKind::NetworkUnreachable => Some("network unreachable"),
            io::ErrorKind::AddrNotAvailable => Some("address not available"),
            _ => None,
        };
        if let Some(what) = what {
            return Failure::new(exit::NETWORK, format!("cannot connect to {target}: {what}"));
        }
    }
    if e.is_connect() {
        return Failure::new(
            exit::NETWORK,
            format!("cannot connect to {target}: {}", root_cause(e)),
        );
    }
    Failure::new(
        exit::NETWORK,
        format!("the request to {target} failed: {}", chain_text(e)),
    )
}

fn tls_failure(tls: &rustls::Error, host: &str, target: &str) -> Failure {
    use rustls::CertificateError as C;
    let insecure = "-k skips the verification (insecure)";
    let cert = |what: String| {
        Failure::new(
            exit::NETWORK,
            format!("TLS: the certificate of {target} {what}"),
        )
    };
    match tls {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => cert("is not trusted (unknown issuer)".into())
                .hint("if it is signed by a private CA, pass --cacert FILE (PEM), or add the CA to the system's store")
                .hint(insecure),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                cert(format!("is not valid for the name {host}"))
                    .hint("use the host name the certificate was issued for")
                    .hint(insecure)
            }
            C::Expired | C::ExpiredContext { .. } => cert("has expired".into()).hint(insecure),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                cert("is not valid yet (is the clock right?)".into()).hint(insecure)
            }
            C::Revoked => cert("has been revoked".into()),
            other => cert(format!("was rejected ({other:?})")).hint(insecure),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            Failure::new(
                exit::NETWORK,
                format!("TLS handshake with {target} failed: {tls}"),
            )
            .hint("if the server speaks plain HTTP, use http://")
        }
        other => Failure::new(
            exit::NETWORK,
            format!("TLS handshake with {target} failed: {other}"),
        ),
    }
}
