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
//!   exchange, redirects and body included, 60 s (`-m/--max-time`). 0 means
//!   no limit.

use crate::auth::{Credential, Kind, Source};
use crate::cli::Globals;
use crate::exit::{self, Failure};
use crate::output::{self, Answer, ErrorContext, Format, RenderError, Terminal};
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

/// Sends the request and prints the answer; the exit code, or the failure.
pub fn send(req: &Request, g: &Globals) -> Result<u8, Failure> {
    let settings = Settings::from_globals(g)?;
    let headers = header_map(req)?;
    let url = Url::parse(&req.url)
        .map_err(|e| Failure::new(exit::CONFIG, format!("invalid URL {:?}: {e}", req.url)))?;
    let credential = wire_credential(req, &url)?;
    let rt = runtime()?;
    let result = exchange(&rt, req, &settings, url, headers, credential, print_answer);
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
}

/// Sends the request as [`send`] does (redirects, time limits, `-v` on
/// stderr; not `-i`) and returns the answer, whatever its status, instead
/// of printing it. The body is read up to [`output::SNIFF_LIMIT`] bytes.
pub fn fetch(req: &Request, g: &Globals) -> Result<Fetched, Failure> {
    let mut settings = Settings::from_globals(g)?;
    settings.include = false;
    let headers = header_map(req)?;
    let url = Url::parse(&req.url)
        .map_err(|e| Failure::new(exit::CONFIG, format!("invalid URL {:?}: {e}", req.url)))?;
    let credential = wire_credential(req, &url)?;
    let rt = runtime()?;
    let result = exchange(
        &rt,
        req,
        &settings,
        url,
        headers,
        credential,
        |rt, resp, url, settings, _ctx| {
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
            })
        },
    );
    rt.shutdown_background();
    result
}

/// Sends the request, following redirects, and hands the final answer to
/// `finish` (printing it, or reading it for [`fetch`]).
fn exchange<T>(
    rt: &Runtime,
    req: &Request,
    settings: &Settings,
    mut url: Url,
    mut headers: HeaderMap,
    mut credential: Option<WireCredential>,
    finish: impl FnOnce(
        &Runtime,
        reqwest::Response,
        &Url,
        &Settings,
        ErrorContext,
    ) -> Result<T, Failure>,
) -> Result<T, Failure> {
    // reqwest arms its timers when a request is built: inside the runtime.
    let _context = rt.enter();
    let mut clients = Clients::default();

    let origin = url.origin();
    let deadline = settings.max_time.map(|t| Instant::now() + t);
    let mut method = Method::from_bytes(req.method.as_bytes())
        .map_err(|_| Failure::usage(format!("invalid method {}", req.method)))?;
    let mut body = req.body.clone();
    let mut dropped_for: Option<String> = None;

    let mut hop = 0;
    let resp = loop {
        if let Some(c) = &credential {
            warn_plain_http(&url, c.source, settings);
        }
        let client = clients.get(url.scheme() == "https", settings)?;
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
        let resp = rt
            .block_on(rb.send())
            .map_err(|e| request_failure(&e, &url, settings))?;
        if settings.verbose {
            verbose_response(&resp);
        }
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
        if credential.is_some() && next.origin() != origin {
            credential = None;
            dropped_for = next.host_str().map(str::to_owned);
            if settings.verbose {
                note(&format!(
                    "* the credential is not forwarded to {}",
                    next.origin().ascii_serialization()
                ));
            }
        }
        url = next;
    };

    let ctx = ErrorContext {
        credential: credential.as_ref().map(|c| c.source),
        credential_dropped_for: dropped_for,
        privileges: req.operation.privileges,
    };
    finish(rt, resp, &url, settings, ctx)
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
        render_success(rt, resp, url, settings)
    } else {
        let reason = status.canonical_reason();
        let content_type = header_str(resp.headers(), CONTENT_TYPE);
        let mut body = Body::new(rt, resp);
        let mut bytes = Vec::new();
        // A broken error body still tells the status: keep what arrived.
        let _ = (&mut body)
            .take(output::ERROR_BODY_LIMIT)
            .read_to_end(&mut bytes);
        Err(output::http_error(
            status.as_u16(),
            reason,
            content_type.as_deref(),
            &bytes,
            &ctx,
        ))
    }
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
        // The reader of a pipe went away (`| head`): nothing to tell anyone.
        Err(RenderError::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            Ok(exit::BAD_RESPONSE)
        }
        Err(RenderError::Read(e)) => Err(body_failure(&body, &e, url, settings)),
        Err(e) => Err(e.into_failure(body.received)),
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
        Failure::usage(format!(
            "{option} {v}: give a number of seconds (0 for no limit)"
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
        let proxy = reqwest::Proxy::all(p.as_str())
            .map_err(|e| Failure::usage(format!("-x {p:?} is not a proxy URL: {e}")))?;
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

fn header_map(req: &Request) -> Result<HeaderMap, Failure> {
    let mut map = HeaderMap::with_capacity(req.headers.len());
    for (name, value) in &req.headers {
        let n = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| Failure::usage(format!("{name:?} is not a valid header name")))?;
        let v = HeaderValue::from_str(value).map_err(|_| {
            Failure::usage(format!(
                "the value of the header {name} holds characters a header cannot carry"
            ))
        })?;
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
    let mut out = io::stdout().lock();
    out.write_all(head.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::new(exit::BAD_RESPONSE, format!("cannot write to stdout: {e}")))
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
        target = format!("{target} (through the proxy {p})");
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
    fn the_http_client_loads_no_roots() {
        let s = Settings::from_globals(&Globals::default()).unwrap();
        // Builds without a provider installed and without touching the store.
        assert!(build_client(false, &s).is_ok());
    }
}
