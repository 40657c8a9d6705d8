//! The final answer of [`send`](super::send::send): the body of a success
//! printed by `output`, or the failure of an HTTP error; and `Body`, the
//! response body as a `Read`.

use super::client::Settings;
use super::diagnose::{body_failure, host_port, root_cause};
use super::retry::describe_retry_after;
use super::send::header_str;
use super::send::Sent;
use crate::exit::{self, Failure};
use crate::output::{self, Answer, ErrorContext, Format, Terminal};
use crate::output_file;
use crate::progress::Transfer;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use std::io::Write;
use std::io::{self, IsTerminal, Read};
use std::path::Path;
use tokio::runtime::Runtime;
use url::Url;

/// Prints the final answer of [`send`](super::send::send): the body of a
/// success, or the failure of an HTTP error. With `--wait`, a 202 that
/// names its task (Location) is handed back instead.
pub(super) fn print_answer(
    rt: &Runtime,
    resp: reqwest::Response,
    url: &Url,
    settings: &Settings,
    ctx: ErrorContext,
) -> Result<Sent, Failure> {
    let status = resp.status();
    if status.is_success() {
        check_success(&resp, url, settings)?;
        if settings.wait && status.as_u16() == 202 {
            if let Some(task) = header_str(resp.headers(), LOCATION).and_then(|l| url.join(&l).ok())
            {
                return Ok(Sent::Task(task));
            }
            if settings.warnings {
                let _ = writeln!(
                    io::stderr(),
                    "{} --wait: the 202 answer names no task (no Location); it is printed as it is",
                    output::label("warning")
                );
            }
        }
        match &settings.output_file {
            Some(path) => save(rt, resp, url, settings, path),
            None => render_success(rt, resp, url, settings),
        }
        .map(Sent::Printed)
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
        unicode: output::unicode_locale(|k| std::env::var(k).ok()),
        colour: stdout.is_terminal() && console::colors_enabled(),
    };
    let format = Format::choose(settings.output.as_deref(), term.is_terminal);
    let progress = Transfer::new("download", answer.content_length, settings.progress);
    let mut body = Counted {
        body: Body::new(rt, resp),
        progress: progress.clone(),
    };
    let mut out = io::BufWriter::with_capacity(256 << 10, stdout.lock());
    // -m bounds the printing too (a table of a large answer takes time);
    // the body's own reads are bounded by reqwest.
    let deadline = settings
        .max_time
        .and_then(|t| std::time::Instant::now().checked_add(t));
    match output::success_until(&answer, &mut body, format, term, deadline, &mut out) {
        Ok(()) => {
            progress.finish();
            if answer.status == 204 && settings.progress && !settings.method.is_empty() {
                note_no_content(&settings.method, url);
            }
            Ok(exit::OK)
        }
        Err(output::RenderError::Write(e))
            if settings.transfer && e.kind() == io::ErrorKind::BrokenPipe =>
        {
            progress.abandon();
            Err(Failure::new(
                exit::BAD_RESPONSE,
                format!(
                    "stdout was closed after {} bytes of the download; it is incomplete",
                    body.body.received
                ),
            ))
        }
        Err(e) => {
            progress.abandon();
            Err(e.into_failure(|e| body_failure(&body.body, &e, url, settings)))
        }
    }
}

/// A 204 prints nothing on stdout; on a terminal (stderr, without `-s`)
/// a line says what was done: `removed: PATH` for a DELETE, else
/// `done: METHOD PATH`.
fn note_no_content(method: &str, url: &Url) {
    let path = output::escape_controls(url.path());
    let line = if method.eq_ignore_ascii_case("DELETE") {
        format!("removed: {path}")
    } else {
        format!("done: {method} {path}")
    };
    let _ = writeln!(io::stderr(), "{line}");
}

/// `--output-file FILE`: the body as received, streamed into a new file
/// beside FILE that takes FILE's name only once the body is complete; a
/// broken transfer leaves nothing that looks complete.
fn save(
    rt: &Runtime,
    resp: reqwest::Response,
    url: &Url,
    settings: &Settings,
    path: &Path,
) -> Result<u8, Failure> {
    let shown = path.display();
    let mut file = output_file::create(path)?;
    let progress = Transfer::new("download", resp.content_length(), settings.progress);
    let mut body = Counted {
        body: Body::new(rt, resp),
        progress: progress.clone(),
    };
    let mut buf = vec![0; 256 << 10];
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                progress.abandon();
                return Err(body_failure(&body.body, &e, url, settings)
                    .hint(format!("{shown} was not written")));
            }
        };
        if let Err(e) = file.write_all(&buf[..n]) {
            progress.abandon();
            return Err(output_file::failure(exit::BAD_RESPONSE, path, &e)
                .hint("nothing was kept of the download"));
        }
    }
    output_file::persist(file, path)?;
    progress.finish();
    Ok(exit::OK)
}

/// A body that counts what it gives into a progress bar.
struct Counted<'a> {
    body: Body<'a>,
    progress: Transfer,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.body.read(buf)?;
        self.progress.add(n as u64);
        Ok(n)
    }
}

/// Bytes of response bodies read since [`reset_received`], for `-w`'s
/// `%{size_download}` (one call at a time per process).
static RECEIVED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(super) fn reset_received() {
    RECEIVED.store(0, std::sync::atomic::Ordering::Relaxed);
}

pub(super) fn received() -> u64 {
    RECEIVED.load(std::sync::atomic::Ordering::Relaxed)
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
                    RECEIVED.fetch_add(c.len() as u64, std::sync::atomic::Ordering::Relaxed);
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
