//! Sending a request: [`send`] prints the answer, [`fetch`] returns it;
//! both go through `exchange`, which follows redirects and retries.
//!
//! # Choices
//! - **reqwest's async client on a current-thread tokio runtime**, driven from
//!   this thread with `block_on`. reqwest's `blocking` client starts a second
//!   thread with its own runtime and passes the request and every body chunk
//!   over channels; here no thread is started at all, except by tokio's
//!   blocking pool for a DNS look-up of a host name (none for an IP address).
//!   That is the lowest start-up cost reqwest offers.

use super::answer::{print_answer, Body};
use super::client::STALL_LIMIT;
use super::client::{proxy_speaks_tls, Clients, Settings};
use super::diagnose::{body_failure, request_failure};
use super::redirect::{redirect_target, MAX_REDIRECTS};
use super::retry::Retries;
use super::upload::{Clock, UploadBody};
use super::verbose::{note, print_head, verbose_request, verbose_response};
use crate::auth::{Credential, Kind, Source};
use crate::cli::Globals;
use crate::exit::{self, Failure};
use crate::output::{self, ErrorContext};
use crate::progress::Transfer;
use crate::request::{Request, Upload};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use std::io::{self, IsTerminal, Read};
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;
use tokio::runtime::Runtime;
use url::Url;

/// What [`send`] did with the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Printed; the exit code.
    Printed(u8),
    /// With `--wait`: a 202 that names the task at this URL (its body was
    /// not printed).
    Task(Url),
}

/// Sends the request and prints the answer, or with `--wait` returns the
/// task a 202 names; the failure otherwise.
pub fn send(req: &Request, g: &Globals) -> Result<Sent, Failure> {
    let mut settings = Settings::from_globals(g, req.is_transfer())?;
    settings.upload = req.upload.is_some();
    req.method.clone_into(&mut settings.method);
    let Some(format) = g
        .write_out
        .as_deref()
        .and_then(|f| crate::write_out::Format::parse(f).ok())
    else {
        return perform(req, settings, print_answer);
    };
    // -w: what the final answer was, printed after it (or after the
    // failure: with 000 where no answer came).
    let started = Instant::now();
    let stats = std::cell::RefCell::new(crate::write_out::Stats {
        url: req.url.clone(),
        ..Default::default()
    });
    let result = perform(req, settings, |rt, resp, url, settings, ctx| {
        {
            let mut s = stats.borrow_mut();
            s.status = resp.status().as_u16();
            s.url = url.to_string();
            s.content_type = header_str(resp.headers(), CONTENT_TYPE).unwrap_or_default();
            if resp.status().is_redirection() {
                s.redirect_url =
                    header_str(resp.headers(), reqwest::header::LOCATION).unwrap_or_default();
            }
        }
        super::answer::reset_received();
        let r = print_answer(rt, resp, url, settings, ctx);
        stats.borrow_mut().size = super::answer::received();
        r
    });
    let mut s = stats.into_inner();
    s.time = started.elapsed();
    let text = format.render(&s);
    let mut out = io::stdout().lock();
    let _ = std::io::Write::write_all(&mut out, text.as_bytes());
    let _ = std::io::Write::flush(&mut out);
    result
}

/// Sends `req` and hands the final answer to `finish`.
fn perform<T>(
    req: &Request,
    settings: Settings,
    finish: impl FnOnce(
        &Runtime,
        reqwest::Response,
        &Url,
        &Settings,
        ErrorContext,
    ) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let headers = header_map(req)?;
    let url = Url::parse(&req.url)
        .map_err(|e| Failure::new(exit::CONFIG, format!("invalid URL {:?}: {e}", req.url)))?;
    let credential = wire_credential(req, &url)?;
    let rt = runtime()?;
    let result = {
        // reqwest arms its timers when a request is built: inside the runtime.
        let _context = rt.enter();
        exchange(&rt, req, &settings, url, headers, credential).and_then(|x| {
            finish(&rt, x.resp, &x.url, &settings, x.ctx).map_err(|f| x.retries.annotate(f))
        })
    };
    // Do not wait for a DNS look-up still running in tokio's blocking pool:
    // it may take longer than our time limits.
    rt.shutdown_background();
    result
}

/// The current-thread runtime that drives reqwest from this thread.
fn runtime() -> Result<Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| {
            Failure::new(
                exit::NETWORK,
                format!("cannot start the network runtime: {e}"),
            )
        })
}

/// An answer read whole, for the tool's own checks (`login` asks
/// getCurrentUser and examineToken): nothing of it goes to stdout.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: u16,
    pub reason: Option<&'static str>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The credential was not sent on: a redirect led to this other host.
    pub credential_dropped_for: Option<String>,
}

/// Sends the request as [`send`] does (redirects, time limits, `-v` on
/// stderr; not `-i`) and returns the answer, whatever its status, instead
/// of printing it. The body is read up to [`output::SNIFF_LIMIT`] bytes.
pub fn fetch(req: &Request, g: &Globals) -> Result<Fetched, Failure> {
    let mut settings = Settings::from_globals(g, false)?;
    settings.include = false;
    settings.output_file = None;
    settings.wait = false;
    perform(req, settings, |rt, resp, url, settings, ctx| {
        let status = resp.status();
        let content_type = header_str(resp.headers(), CONTENT_TYPE);
        let mut body = Body::new(rt, resp);
        let mut bytes = Vec::new();
        (&mut body)
            .take(output::SNIFF_LIMIT as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| body_failure(&body, &e, url, settings))?;
        Ok(Fetched {
            status: status.as_u16(),
            reason: status.canonical_reason(),
            content_type,
            body: bytes,
            credential_dropped_for: ctx.credential_dropped_for,
        })
    })
}

/// The final answer of [`exchange`], with where it came from.
struct Exchanged {
    resp: reqwest::Response,
    url: Url,
    ctx: ErrorContext,
    /// What `--retry` did on the way, for a failure reading the answer.
    retries: Retries,
}

/// Sends the request (inside `rt`'s context), following redirects and
/// retrying; the final answer, whatever its status.
fn exchange(
    rt: &Runtime,
    req: &Request,
    settings: &Settings,
    mut url: Url,
    mut headers: HeaderMap,
    mut credential: Option<WireCredential>,
) -> Result<Exchanged, Failure> {
    let mut clients = Clients::default();

    let origin = url.origin();
    // A limit too far away for the clock is no limit.
    let deadline = settings
        .max_time
        .and_then(|t| Instant::now().checked_add(t));
    let mut method = Method::from_bytes(req.method.as_bytes())
        .map_err(|_| Failure::usage(format!("invalid method {}", req.method)))?;
    let mut body = req.body.clone();
    let mut upload = req.upload.clone();
    // The clock of the last attempt that read a once-only body (stdin).
    let mut once_read: Option<Arc<Clock>> = None;
    let mut dropped_for: Option<String> = None;
    let mut retries = Retries::default();
    // The URL last warned about: a retry does not warn again.
    let mut warned: Option<Url> = None;

    let mut hop = 0;
    let resp = loop {
        if let Some(c) = &credential {
            if warned.as_ref() != Some(&url) {
                warn_plain_http(&url, c.source, settings);
                warned = Some(url.clone());
            }
        }
        // TLS is set up for https:// targets, and for any target reached
        // through an https:// proxy.
        let client = clients.get(
            url.scheme() == "https" || proxy_speaks_tls(&url, settings),
            settings,
        )?;
        let mut rb = client
            .request(method.clone(), url.clone())
            .headers(headers.clone());
        if let Some(c) = &credential {
            rb = rb.header(c.name.clone(), c.value.clone());
        }
        if let Some(b) = &body {
            rb = rb.body(b.clone());
        }
        let mut clock = None;
        if let Some(u) = &upload {
            let (b, c) = upload_body(u, &mut once_read, settings)?;
            rb = rb.body(b);
            clock = Some(c);
        }
        if let Some(d) = deadline {
            rb = rb.timeout(d.saturating_duration_since(Instant::now()));
        }
        if settings.verbose {
            verbose_request(
                &method,
                &url,
                &headers,
                credential.as_ref(),
                body.as_deref(),
                upload.as_ref(),
                settings.show_secrets,
            );
        }
        let sent = match &clock {
            Some(c) => rt.block_on(watched(rb.send(), c)).map_err(|stalled| {
                Failure::new(
                    exit::NETWORK,
                    format!(
                        "the upload to {} stalled: nothing moved for {} s; it is incomplete",
                        super::diagnose::host_port(&url),
                        stalled.as_secs()
                    ),
                )
            })?,
            None => rt.block_on(rb.send()),
        };
        if settings.verbose {
            if let Ok(resp) = &sent {
                verbose_response(resp);
            }
        }
        if settings.retry > retries.done {
            if let Some(wait) = retries.decide(&sent, &method, &url, settings, deadline) {
                std::thread::sleep(wait);
                continue;
            }
        }
        let resp = sent.map_err(|e| retries.annotate(request_failure(&e, &url, settings)))?;
        if settings.include {
            print_head(&resp)?;
        }
        let status = resp.status();
        let Some(next) = redirect_target(&resp, &url)? else {
            break resp;
        };
        if hop == MAX_REDIRECTS {
            return Err(Failure::new(
                exit::HTTP_5XX,
                format!("more than {MAX_REDIRECTS} redirects; the last one to {next}"),
            ));
        }
        hop += 1;
        let see_other = status == StatusCode::SEE_OTHER
            || (matches!(status.as_u16(), 301 | 302) && method == Method::POST);
        if see_other && method != Method::HEAD {
            method = Method::GET;
            body = None;
            upload = None;
            headers.remove(CONTENT_TYPE);
        }
        if settings.verbose {
            note(&format!(
                "* following the {} redirect to {next}",
                status.as_u16()
            ));
        }
        if next.origin() != origin {
            // A 307/308 would send the body again, to a server the user did
            // not name; the body may hold a secret (joinGroup's token,
            // examineToken's).
            if body.is_some() || upload.is_some() {
                return Err(Failure::new(
                    exit::HTTP_5XX,
                    format!(
                        "HTTP {} redirects the {method} and its body to another origin, {}; not followed",
                        status.as_u16(),
                        next.origin().ascii_serialization()
                    ),
                )
                .hint("the body may hold a secret; if that server is the right one, send the request to it (--host)"));
            }
            // Cookies and proxy credentials given as items stay behind too.
            let secret: Vec<HeaderName> = headers
                .keys()
                .filter(|n| crate::auth::is_sensitive_header(n.as_str()))
                .cloned()
                .collect();
            for name in secret {
                headers.remove(name);
            }
            if credential.is_some() {
                credential = None;
                dropped_for = next.host_str().map(str::to_owned);
                if settings.verbose {
                    note(&format!(
                        "* the credential is not forwarded to {}",
                        next.origin().ascii_serialization()
                    ));
                }
            }
        }
        url = next;
    };

    let ctx = ErrorContext {
        credential: credential.as_ref().map(|c| c.source),
        credential_dropped_for: dropped_for,
        privileges: req.operation.privileges,
        per_user: req.per_user,
    };
    Ok(Exchanged {
        resp,
        url,
        ctx,
        retries,
    })
}

/// The streamed body of one attempt. Stdin goes out once: a redirect or a
/// retry that would send it again is an error that names `-T`.
fn upload_body(
    upload: &Upload,
    once_read: &mut Option<Arc<Clock>>,
    settings: &Settings,
) -> Result<(reqwest::Body, Arc<Clock>), Failure> {
    // Stdin, a FIFO or a device is read once; a regular file again.
    let (once, length) = match upload {
        Upload::File { length, .. } => (length.is_none(), *length),
        Upload::Stdin => (true, None),
    };
    // A retry after a refused connection read nothing: stdin is still whole.
    if once && once_read.as_ref().is_some_and(|c| c.moved()) {
        return Err(Failure::new(
            exit::USAGE,
            "the body from stdin (or a pipe) was sent once and cannot be sent again (a redirect or --retry)",
        )
        .hint("give the body as a regular file with -T FILE, which is read again"));
    }
    let progress = Transfer::new("upload", length, settings.progress);
    let clock = Arc::new(Clock::new());
    let body = UploadBody::open(upload, progress, Arc::clone(&clock))
        .map_err(|e| Failure::new(exit::USAGE, e))?;
    if once {
        *once_read = Some(Arc::clone(&clock));
    }
    Ok((reqwest::Body::wrap(body), clock))
}

/// `fut` (sending an upload), failed with how long nothing moved once the
/// upload's clock has been idle for `STALL_LIMIT`.
async fn watched<F: std::future::Future>(fut: F, clock: &Clock) -> Result<F::Output, Duration> {
    let mut fut = std::pin::pin!(fut);
    loop {
        match tokio::time::timeout(Duration::from_secs(1), fut.as_mut()).await {
            Ok(out) => return Ok(out),
            Err(_) if clock.idle() >= STALL_LIMIT => return Err(clock.idle()),
            Err(_) => {}
        }
    }
}

/// The credential as it goes on the wire.
pub(super) struct WireCredential {
    source: Source,
    pub(super) name: HeaderName,
    pub(super) value: HeaderValue,
}

/// Asks for the password of `-u USER` now, once: every request of the call
/// (the polls of `--wait`) then sends the same credential.
pub fn complete_credential(req: &mut Request) -> Result<(), Failure> {
    if let Some(c) = &req.credential {
        let host = Url::parse(&req.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        req.credential = Some(completed(c, &host)?);
    }
    Ok(())
}

/// `c`, with the password of a basic credential asked for where it lacks one.
fn completed(c: &Credential, host: &str) -> Result<Credential, Failure> {
    Ok(match &c.kind {
        Kind::Basic {
            user,
            password: None,
        } => Credential {
            source: c.source,
            kind: Kind::Basic {
                user: user.clone(),
                password: Some(ask_password(user, host)?),
            },
        },
        _ => c.clone(),
    })
}

fn wire_credential(req: &Request, url: &Url) -> Result<Option<WireCredential>, Failure> {
    let Some(c) = &req.credential else {
        return Ok(None);
    };
    let complete = completed(c, url.host_str().unwrap_or_default())?;
    let (name, secret) = complete.header();
    let bad = |what: &str| {
        Failure::new(
            exit::CONFIG,
            format!("the credential from {} {what}", c.source.describe()),
        )
    };
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| bad("has a header name that is not valid"))?;
    let mut value = HeaderValue::from_str(secret.expose().trim())
        .map_err(|_| bad("holds characters that an HTTP header cannot carry"))?;
    value.set_sensitive(true);
    Ok(Some(WireCredential {
        source: c.source,
        name,
        value,
    }))
}

fn ask_password(user: &str, host: &str) -> Result<crate::auth::secret::Secret, Failure> {
    if !io::stdin().is_terminal() {
        return Err(Failure::new(
            exit::CONFIG,
            format!("-u {user}: no password given, and stdin is not a terminal to ask for it"),
        )
        .hint(match crate::personality::current().basic_auth_var {
            Some(var) => format!("pass -u {user}:PASSWORD, or set {var}={user}:PASSWORD"),
            None => format!("pass -u {user}:PASSWORD"),
        }));
    }
    dialoguer::Password::new()
        .with_prompt(format!("Password for {user} at {host}"))
        .allow_empty_password(true)
        .interact()
        .map(crate::auth::secret::Secret::new)
        .map_err(|e| Failure::new(exit::CONFIG, format!("cannot read the password: {e}")))
}

/// The request's headers, checked by `request::build` (items::check_header):
/// a failure here is a bug, still reported as a usage error.
fn header_map(req: &Request) -> Result<HeaderMap, Failure> {
    let mut map = HeaderMap::with_capacity(req.headers.len());
    for (name, value) in &req.headers {
        let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            return Err(Failure::usage(format!(
                "the header {name:?} cannot be sent"
            )));
        };
        map.append(n, v);
    }
    Ok(map)
}

pub(super) fn header_str(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn warn_plain_http(url: &Url, source: Source, s: &Settings) {
    if url.scheme() == "http" && !is_loopback(url) && s.warnings {
        note(&format!(
            "warning: the credential (from {}) goes over plain http:// to {}; \
             anyone on the way can read it (use https://)",
            source.describe(),
            url.host_str().unwrap_or_default()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for u in [
            "http://localhost:8080",
            "http://127.0.0.2/",
            "http://[::1]:1/",
            "http://a.localhost/",
        ] {
            assert!(is_loopback(&Url::parse(u).unwrap()), "{u}");
        }
        for u in [
            "http://zone.example.com",
            "http://10.0.0.1",
            "http://localhost.example.com",
        ] {
            assert!(!is_loopback(&Url::parse(u).unwrap()), "{u}");
        }
    }
}
