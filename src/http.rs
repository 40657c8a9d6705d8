//! Sending a request, following redirects, and handing the answer to
//! `output`.
//!
//! # Choices
//! - **reqwest's async client on a current-thread tokio runtime**, driven from
//!   this thread with `block_on`. reqwest's `blocking` client starts a second
//!   thread with its own runtime and passes the request and every body chunk
//!   over channels; here no thread is started at all, except by tokio's
//!   blocking pool for a DNS look-up of a host name (none for an IP address).
//!   That is the lowest start-up cost reqwest offers.
//! - **TLS is rustls with the `ring` provider** (reqwest's
//!   `rustls-no-provider`, and rustls with `ring`): no aws-lc C build, a
//!   smaller binary. The roots are the system's (rustls-platform-verifier,
//!   so private CAs that administrators install are trusted) plus the PEM
//!   certificates of `--cacert`. **The root store is read only when a request
//!   goes to `https://`**: an `http://` URL gets a client whose TLS
//!   configuration is an inert placeholder (no roots; never used).
//! - **No HTTP/2** (Onezone serves HTTP/1.1; hyper's h2 is a lot of code), no
//!   response compression, no cookies. HTTP/1.1 keep-alive is hyper's default.
//! - **`system-proxy`**: `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` from the
//!   environment (and the system settings on macOS and Windows); `-x`
//!   replaces them.
//! - **Redirects are followed here**, not by reqwest (its policy strips only
//!   the headers it knows, such as `Authorization`, not `X-Auth-Token`): at
//!   most [`MAX_REDIRECTS`], and the credential is dropped for good as soon as
//!   a hop leaves the origin (scheme, host and port) it was given for.
//!   303, and 301/302 after a POST, continue as a GET without the body.
//! - **Timeouts**: connecting, 10 s (`--connect-timeout`); the whole
//!   exchange, redirects, retries and body included, 60 s (`-m/--max-time`).
//!   0 means no limit.
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

use crate::auth::{Credential, Kind, Source};
use crate::cli::Globals;
use crate::exit::{self, Failure};
use crate::output::{self, Answer, ErrorContext, Format, Terminal};
use crate::request::Request;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use std::error::Error as StdError;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

pub const MAX_REDIRECTS: usize = 10;
const DEFAULT_CONNECT_TIMEOUT: f64 = 10.0;
const DEFAULT_MAX_TIME: f64 = 60.0;
/// The first backoff of `--retry`; it doubles with every retry.
const RETRY_BASE: Duration = Duration::from_millis(500);
/// The longest backoff between two retries.
const RETRY_CAP: Duration = Duration::from_secs(30);
/// The longest `Retry-After` waited for when there is no time limit (`-m 0`).
const RETRY_AFTER_CAP: Duration = Duration::from_secs(300);

/// Sends the request and prints the answer; the exit code, or the failure.
pub fn send(req: &Request, g: &Globals) -> Result<u8, Failure> {
    perform(req, Settings::from_globals(g)?, print_answer)
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
    let mut settings = Settings::from_globals(g)?;
    settings.include = false;
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
            );
        }
        let sent = rt.block_on(rb.send());
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
            if body.is_some() {
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
    };
    Ok(Exchanged {
        resp,
        url,
        ctx,
        retries,
    })
}

/// What `--retry` has done in one exchange.
#[derive(Default)]
struct Retries {
    /// Sends that were retried.
    done: u32,
    /// Why the last failure was not retried, when that is not obvious.
    not_retried: Option<String>,
}

impl Retries {
    /// Whether to send again, and after how long; notes the retry on stderr.
    /// Called only while retries are left.
    fn decide(
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
    fn annotate(&self, mut f: Failure) -> Failure {
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

/// Prints the final answer of [`send`]: the body of a success, or the
/// failure of an HTTP error.
fn print_answer(
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

/// `120` → `120 s`; a date as given.
fn describe_retry_after(value: &str) -> String {
    let v = output::excerpt(value.trim().as_bytes(), 60);
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        format!("{v} s")
    } else {
        v
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
                "HTTP {} from {target} is an HTML page, not an answer of the Onezone API; \
                 nothing was printed",
                resp.status().as_u16()
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

/// The options that shape the exchange.
#[derive(Debug, Clone)]
struct Settings {
    connect_timeout: Option<Duration>,
    max_time: Option<Duration>,
    proxy: Option<String>,
    cacert: Option<PathBuf>,
    insecure: bool,
    warnings: bool,
    verbose: bool,
    include: bool,
    output: Option<String>,
    /// `--retry N`; 0 for none.
    retry: u32,
    retry_all: bool,
}

impl Settings {
    fn from_globals(g: &Globals) -> Result<Settings, Failure> {
        Ok(Settings {
            connect_timeout: seconds(
                g.connect_timeout,
                DEFAULT_CONNECT_TIMEOUT,
                "--connect-timeout",
            )?,
            max_time: seconds(g.max_time, DEFAULT_MAX_TIME, "-m/--max-time")?,
            proxy: g.proxy.clone(),
            cacert: g.cacert.clone(),
            insecure: g.insecure,
            warnings: g.warnings(),
            verbose: g.verbose,
            include: g.include,
            output: g.output.clone(),
            retry: g.retry,
            retry_all: g.retry_all,
        })
    }
}

/// A time limit in seconds; 0 is none.
fn seconds(value: Option<f64>, default: f64, option: &str) -> Result<Option<Duration>, Failure> {
    let v = value.unwrap_or(default);
    if v == 0.0 {
        return Ok(None);
    }
    Duration::try_from_secs_f64(v).map(Some).map_err(|_| {
        // `{:e}` keeps 1e300 short; -1 stays -1.
        let shown = if v.abs() < 1e9 {
            v.to_string()
        } else {
            format!("{v:e}")
        };
        let what = if v > 0.0 { " is too long" } else { "" };
        Failure::usage(format!(
            "{option} {shown}{what}: give a number of seconds (0 for no limit)"
        ))
    })
}

fn describe_seconds(d: Option<Duration>) -> String {
    d.map_or_else(|| "unlimited".into(), |d| format!("{} s", d.as_secs_f64()))
}

use tokio::runtime::Runtime;

/// Clients by scheme, built when first needed.
#[derive(Default)]
struct Clients {
    plain: Option<reqwest::Client>,
    tls: Option<reqwest::Client>,
}

impl Clients {
    fn get(&mut self, tls: bool, s: &Settings) -> Result<reqwest::Client, Failure> {
        let slot = if tls { &mut self.tls } else { &mut self.plain };
        if let Some(c) = slot {
            return Ok(c.clone());
        }
        let c = build_client(tls, s)?;
        *slot = Some(c.clone());
        Ok(c)
    }
}

fn build_client(tls: bool, s: &Settings) -> Result<reqwest::Client, Failure> {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .http1_only();
    if let Some(t) = s.connect_timeout {
        b = b.connect_timeout(t);
    }
    if let Some(p) = &s.proxy {
        let proxy = reqwest::Proxy::all(p.as_str()).map_err(|e| {
            Failure::usage(format!(
                "-x {:?} is not a proxy URL: {e}",
                crate::auth::without_password(p, "***")
            ))
        })?;
        b = b.proxy(proxy);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    if !tls {
        b = b.tls_backend_preconfigured(inert_tls_config(provider)?);
    } else {
        // reqwest's own rustls set-up takes the process default provider.
        let _ = rustls::crypto::CryptoProvider::install_default(Arc::unwrap_or_clone(provider));
        if s.insecure {
            if s.warnings {
                note(
                    "warning: -k: the server's TLS certificate is not verified; \
                      anyone on the way can read and change the traffic, credentials included",
                );
            }
            b = b.tls_danger_accept_invalid_certs(true);
        } else if let Some(path) = &s.cacert {
            b = b.tls_certs_merge(read_cacert(path)?);
        }
    }
    b.build().map_err(|e| {
        let cause = chain_text(&e);
        let mut f = Failure::new(exit::CONFIG, format!("cannot set up the HTTP client: {cause}"));
        if cause.contains("CA certificates") {
            f = f.hint("install the system's CA certificates (e.g. the ca-certificates package), or pass --cacert FILE");
        }
        f
    })
}

/// A TLS configuration for a client that only ever speaks plain HTTP: no
/// roots are loaded, and it would trust no certificate.
fn inert_tls_config(
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<rustls::ClientConfig, Failure> {
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::new(exit::CONFIG, format!("TLS set-up: {e}")))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    Ok(config)
}

fn read_cacert(path: &PathBuf) -> Result<Vec<reqwest::Certificate>, Failure> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::new(
            exit::CONFIG,
            format!("--cacert {shown}: cannot read it: {e}"),
        )
    })?;
    let certs = reqwest::Certificate::from_pem_bundle(&bytes).map_err(|e| {
        Failure::new(
            exit::CONFIG,
            format!(
                "--cacert {shown}: not a PEM certificate file: {}",
                chain_text(&e)
            ),
        )
    })?;
    if certs.is_empty() {
        return Err(Failure::new(
            exit::CONFIG,
            format!("--cacert {shown}: it holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
        ));
    }
    Ok(certs)
}

/// The credential as it goes on the wire.
struct WireCredential {
    source: Source,
    name: HeaderName,
    value: HeaderValue,
}

fn wire_credential(req: &Request, url: &Url) -> Result<Option<WireCredential>, Failure> {
    let Some(c) = &req.credential else {
        return Ok(None);
    };
    let complete = match &c.kind {
        Kind::Basic {
            user,
            password: None,
        } => Credential {
            source: c.source,
            kind: Kind::Basic {
                user: user.clone(),
                password: Some(ask_password(user, url.host_str().unwrap_or_default())?),
            },
        },
        _ => c.clone(),
    };
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

fn ask_password(user: &str, host: &str) -> Result<crate::secret::Secret, Failure> {
    if !io::stdin().is_terminal() {
        return Err(Failure::new(
            exit::CONFIG,
            format!("-u {user}: no password given, and stdin is not a terminal to ask for it"),
        )
        .hint(format!(
            "pass -u {user}:PASSWORD, or set {}={user}:PASSWORD",
            crate::auth::BASIC_AUTH_VAR
        )));
    }
    dialoguer::Password::new()
        .with_prompt(format!("Password for {user} at {host}"))
        .allow_empty_password(true)
        .interact()
        .map(crate::secret::Secret::new)
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

fn header_str(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// The next URL of a redirect, or `None` when the answer is final.
fn redirect_target(resp: &reqwest::Response, url: &Url) -> Result<Option<Url>, Failure> {
    let status = resp.status();
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(loc) = resp.headers().get(LOCATION) else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(loc.as_bytes());
    let next = url.join(&text).map_err(|e| {
        Failure::new(
            exit::BAD_RESPONSE,
            format!(
                "the {} redirect has an invalid Location {}: {e}",
                status.as_u16(),
                output::excerpt(text.as_bytes(), 200)
            ),
        )
    })?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(Failure::new(
            exit::BAD_RESPONSE,
            format!(
                "the {} redirect goes to {}, which is not http(s)",
                status.as_u16(),
                output::excerpt(next.as_str().as_bytes(), 200)
            ),
        ));
    }
    Ok(Some(next))
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

fn note(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

fn verbose_request(
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

fn verbose_response(resp: &reqwest::Response) {
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

fn print_head(resp: &reqwest::Response) -> Result<(), Failure> {
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

/// The response body as a `Read`, pulling chunks on the runtime. A read
/// error keeps the reqwest error, to tell a timeout from a broken answer.
struct Body<'a> {
    rt: &'a Runtime,
    resp: reqwest::Response,
    chunk: bytes::Bytes,
    received: u64,
    error: Option<reqwest::Error>,
}

impl<'a> Body<'a> {
    fn new(rt: &'a Runtime, resp: reqwest::Response) -> Body<'a> {
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

fn body_failure(body: &Body, e: &io::Error, url: &Url, s: &Settings) -> Failure {
    let target = host_port(url);
    match &body.error {
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

fn find<'a, T: StdError + 'static>(e: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    chain(e).into_iter().find_map(|err| err.downcast_ref::<T>())
}

/// The innermost message, which names what actually went wrong.
fn root_cause(e: &(dyn StdError + 'static)) -> String {
    chain(e)
        .last()
        .map_or_else(|| e.to_string(), |c| c.to_string())
}

/// The messages of the chain, without repeats.
fn chain_text(e: &(dyn StdError + 'static)) -> String {
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
fn request_failure(e: &reqwest::Error, url: &Url, s: &Settings) -> Failure {
    let f = classify(e, url, s);
    match env_proxy_var(url) {
        Some(var) if s.proxy.is_none() && f.code == exit::NETWORK => {
            f.hint(format!("the request went through the proxy set in {var}"))
        }
        _ => f,
    }
}

/// Whether the proxy for `url` (`-x`, else the environment's) is reached
/// over TLS: then the client needs its roots even for an http:// target.
fn proxy_speaks_tls(url: &Url, s: &Settings) -> bool {
    let proxy = s
        .proxy
        .clone()
        .or_else(|| env_proxy_var(url).and_then(|v| std::env::var(v).ok()));
    proxy.is_some_and(|p| {
        p.trim_start()
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    })
}

/// The environment variable whose proxy reqwest uses for this URL, roughly
/// (NO_PROXY is not considered); the value may hold a password, so only the
/// name is ever shown.
fn env_proxy_var(url: &Url) -> Option<&'static str> {
    let names: &[&'static str] = if url.scheme() == "https" {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    names
        .iter()
        .copied()
        .find(|n| std::env::var_os(n).is_some_and(|v| !v.is_empty()))
}

fn classify(e: &reqwest::Error, url: &Url, s: &Settings) -> Failure {
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

    #[test]
    fn time_limits() {
        assert_eq!(
            seconds(None, 10.0, "x").unwrap(),
            Some(Duration::from_secs(10))
        );
        assert_eq!(seconds(Some(0.0), 10.0, "x").unwrap(), None);
        assert_eq!(
            seconds(Some(0.5), 10.0, "x").unwrap(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            seconds(Some(-1.0), 10.0, "x").unwrap_err().code,
            exit::USAGE
        );
        assert_eq!(
            seconds(Some(f64::NAN), 10.0, "x").unwrap_err().code,
            exit::USAGE
        );
    }

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

    #[test]
    fn the_http_client_loads_no_roots() {
        let s = Settings::from_globals(&Globals::default()).unwrap();
        // Builds without a provider installed and without touching the store.
        assert!(build_client(false, &s).is_ok());
    }
}
