//! `-v` (the request and the answer's head on stderr) and `-i` (the
//! answer's head on stdout), and `note`, a line on stderr.

use super::send::WireCredential;
use crate::exit::{self, Failure};
use crate::output;
use reqwest::header::HeaderMap;
use reqwest::Method;
use std::io::{self, Write};
use url::Url;

pub(super) fn note(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

pub(super) fn verbose_request(
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    credential: Option<&WireCredential>,
    body: Option<&[u8]>,
) {
    let mut target = url.path().to_owned();
    if let Some(q) = url.query() {
        target.push('?');
        target.push_str(q);
    }
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let mut lines = vec![
        format!("* {method} {}", url.origin().ascii_serialization()),
        format!("> {method} {} HTTP/1.1", output::escape_controls(&target)),
        output::verbose_header('>', "Host", host.as_bytes()),
    ];
    for (name, value) in headers {
        lines.push(output::verbose_header('>', name.as_str(), value.as_bytes()));
    }
    if let Some(c) = credential {
        lines.push(output::verbose_header(
            '>',
            c.name.as_str(),
            c.value.as_bytes(),
        ));
    }
    if let Some(b) = body {
        lines.push(format!("> content-length: {}", b.len()));
    }
    lines.push(">".into());
    note(&lines.join("\n"));
}

pub(super) fn verbose_response(resp: &reqwest::Response) {
    let status = resp.status();
    let mut lines = vec![format!(
        "< {:?} {} {}",
        resp.version(),
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    )];
    for (name, value) in resp.headers() {
        lines.push(output::verbose_header('<', name.as_str(), value.as_bytes()));
    }
    lines.push("<".into());
    note(&lines.join("\n"));
}

pub(super) fn print_head(resp: &reqwest::Response) -> Result<(), Failure> {
    let head = output::include_head(
        &format!("{:?}", resp.version()),
        resp.status().as_u16(),
        resp.status().canonical_reason(),
        resp.headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes())),
    );
    exit::print(head.as_bytes())
}
