//! `-v` (the request and the answer's head on stderr) and `-i` (the
//! answer's head on stdout), and `note`, a line on stderr.

use super::send::WireCredential;
use crate::exit::{self, Failure};
use crate::output;
use crate::request::Upload;
use reqwest::header::HeaderMap;
use reqwest::Method;
use std::io::{self, Write};
use url::Url;

pub(super) fn note(line: &str) {
    let line = crate::output::labelled(line);
    let _ = writeln!(io::stderr().lock(), "{line}");
}

pub(super) fn verbose_request(
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    credential: Option<&WireCredential>,
    body: Option<&[u8]>,
    upload: Option<&Upload>,
    show_secrets: bool,
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
    if let Some(b) = body {
        lines.push(format!("> {}", shown_body(b, show_secrets)));
    } else if let Some(u) = upload {
        lines.push(match u {
            Upload::Stdin => "> <streamed from standard input>".to_owned(),
            Upload::File { path, .. } => format!(
                "> <streamed from {}>",
                output::escape_controls(&path.display().to_string())
            ),
        });
    }
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

/// A request body as `-v` shows it: JSON as sent, with the values of
/// fields that carry secrets (`token`, `password`, `secret`, in any key,
/// any case) redacted unless `show_secrets`; other bytes as `<N bytes>`.
pub(crate) fn shown_body(body: &[u8], show_secrets: bool) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(_) if show_secrets => output::escape_controls(&String::from_utf8_lossy(body)),
        Ok(mut v) => {
            redact_secrets(&mut v);
            output::escape_controls(&v.to_string())
        }
        Err(_) => format!("<{} bytes>", body.len()),
    }
}

/// Whether a body field's name says it carries a secret.
fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["token", "password", "secret"]
        .iter()
        .any(|w| k.contains(w))
}

fn redact_secrets(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                if is_secret_key(k) {
                    *x = serde_json::Value::String(crate::curl::REDACTED.to_owned());
                } else {
                    redact_secrets(x);
                }
            }
        }
        serde_json::Value::Array(xs) => xs.iter_mut().for_each(redact_secrets),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_fields_are_redacted() {
        let body = br#"{"token":"abc","name":"n","inner":{"accessToken":"x","Password":"y"}}"#;
        let s = shown_body(body, false);
        assert!(
            !s.contains("abc") && !s.contains("\"x\"") && !s.contains("\"y\""),
            "{s}"
        );
        assert!(s.contains("\"name\":\"n\""), "{s}");
        assert!(shown_body(body, true).contains("abc"));
        assert_eq!(shown_body(&[0xff, 0, 1], false), "<3 bytes>");
    }
}
