//! The final answer of [`send`](super::send::send): the body of a success
//! printed by `output`, or the failure of an HTTP error; and `Body`, the
//! response body as a `Read`.

use super::client::Settings;
use super::diagnose::{body_failure, host_port, root_cause};
use super::retry::describe_retry_after;
use super::send::header_str;
use crate::exit::{self, Failure};
use crate::output::{self, Answer, ErrorContext, Format, Terminal};
use reqwest::header::{CONTENT_TYPE, LOCATION};
use std::io::{self, IsTerminal, Read};
use tokio::runtime::Runtime;
use url::Url;

/// Prints the final answer of [`send`](super::send::send): the body of a
/// success, or the failure of an HTTP error.
pub(super) fn print_answer(
    rt: &Runtime,
    resp: reqwest::Response,
    url: &Url,
    settings: &Settings,
    ctx: ErrorContext,
) -> Result<u8, Failure> {
    let status = resp.status();
    if status.is_success() {
        check_success(&resp, url, settings)?;
        render_success(rt, resp, url, settings)
    } else {
        let reason = status.canonical_reason();
        let content_type = header_str(resp.headers(), CONTENT_TYPE);
        let retry_after = header_str(resp.headers(), reqwest::header::RETRY_AFTER);
        let mut body = Body::new(rt, resp);
        let mut bytes = Vec::new();
        // A broken error body still tells the status: keep what arrived.
        let _ = (&mut body)
            .take(output::ERROR_BODY_LIMIT)
            .read_to_end(&mut bytes);
        let mut f = output::http_error(
            status.as_u16(),
            reason,
            content_type.as_deref(),
            &bytes,
            &ctx,
        );
        if let Some(after) = retry_after {
            let again = if settings.retry == 0 {
                "; --retry N retries (a POST or PATCH only with --retry-all)"
            } else {
                ""
            };
            f = f.hint(format!(
                "the server asks to try again after {} (Retry-After){again}",
                describe_retry_after(&after)
            ));
        }
        Err(f)
    }
}

/// Refuses a 2xx answer that cannot be what the Onezone API sent: a body
/// in a `Content-Encoding` that was not asked for (none is: it would be
/// printed still encoded), or an HTML page (no operation answers HTML; a
/// proxy's or a captive portal's page is, and it must not pass for success).
fn check_success(resp: &reqwest::Response, url: &Url, s: &Settings) -> Result<(), Failure> {
    let target = host_port(url);
    if let Some(enc) = header_str(resp.headers(), reqwest::header::CONTENT_ENCODING) {
        if !enc.trim().eq_ignore_ascii_case("identity") {
            return Err(Failure::new(
                exit::BAD_RESPONSE,
                format!(
                    "the answer from {target} is encoded (Content-Encoding: {}), which was not asked for; \
                     nothing was printed",
                    output::excerpt(enc.as_bytes(), 60)
                ),
            )
            .hint("a proxy in between may have compressed it"));
        }
    }
    let html = header_str(resp.headers(), CONTENT_TYPE)
        .is_some_and(|ct| output::essence(&ct) == "text/html");
    if html && s.output.as_deref() != Some("raw") {
        return Err(Failure::new(
            exit::BAD_RESPONSE,
            format!(
                "HTTP {} from {target} is an HTML page, not an answer of the {} API; \
                 nothing was printed",
                resp.status().as_u16(),
                crate::personality::current().title()
            ),
        )
        .hint("a proxy or a login page may be in the way (check the host and HTTPS_PROXY)")
        .hint("-o raw prints it as received"));
    }
    Ok(())
}

fn render_success(
    rt: &Runtime,
    resp: reqwest::Response,
    url: &Url,
    settings: &Settings,
) -> Result<u8, Failure> {
    let answer = Answer {
        status: resp.status().as_u16(),
        content_type: header_str(resp.headers(), CONTENT_TYPE),
        content_length: resp.content_length(),
        location: header_str(resp.headers(), LOCATION)
            .map(|l| url.join(&l).map_or(l, String::from)),
    };
    let stdout = io::stdout();
    let term = Terminal {
        is_terminal: stdout.is_terminal(),
        width: if stdout.is_terminal() {
            console::Term::stdout().size_checked().map(|(_, w)| w)
        } else {
            None
        },
    };
    let format = Format::choose(settings.output.as_deref(), term.is_terminal);
    let mut body = Body::new(rt, resp);
    let mut out = io::BufWriter::with_capacity(64 << 10, stdout.lock());
    match output::success(&answer, &mut body, format, term, &mut out) {
        Ok(()) => Ok(exit::OK),
        Err(e) => Err(e.into_failure(|e| body_failure(&body, &e, url, settings))),
    }
}

/// The response body as a `Read`, pulling chunks on the runtime. A read
/// error keeps the reqwest error, to tell a timeout from a broken answer.
pub(super) struct Body<'a> {
    rt: &'a Runtime,
    resp: reqwest::Response,
    chunk: bytes::Bytes,
    pub(super) received: u64,
    pub(super) error: Option<reqwest::Error>,
}

impl<'a> Body<'a> {
    pub(super) fn new(rt: &'a Runtime, resp: reqwest::Response) -> Body<'a> {
        Body {
            rt,
            resp,
            chunk: bytes::Bytes::new(),
            received: 0,
            error: None,
        }
    }
}

impl Read for Body<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.chunk.is_empty() {
            match self.rt.block_on(self.resp.chunk()) {
                Ok(Some(c)) => {
                    self.received += c.len() as u64;
                    self.chunk = c;
                }
                Ok(None) => return Ok(0),
                Err(e) => {
                    let msg = root_cause(&e);
                    let kind = if e.is_timeout() {
                        io::ErrorKind::TimedOut
                    } else {
                        io::ErrorKind::UnexpectedEof
                    };
                    self.error = Some(e);
                    return Err(io::Error::new(kind, msg));
                }
            }
        }
        let n = self.chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}
