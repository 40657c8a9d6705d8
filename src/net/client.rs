//! The HTTP client and the options that shape the exchange: TLS, the proxy,
//! `--cacert`, `-k` and the time limits.
//!
//! # Choices
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
//! - **Timeouts**: connecting, 10 s (`--connect-timeout`); the whole
//!   exchange, redirects, retries and body included, 60 s (`-m/--max-time`).
//!   0 means no limit. A file transfer (a streamed upload, or an answer of
//!   bytes) has no overall limit unless `-m` is given, since its length is
//!   the user's; instead it fails when nothing arrives for [`STALL_LIMIT`].

use super::diagnose::chain_text;
use super::verbose::note;
use crate::cli::Globals;
use crate::exit::{self, Failure};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

const DEFAULT_CONNECT_TIMEOUT: f64 = 10.0;
const DEFAULT_MAX_TIME: f64 = 60.0;
/// A file transfer that moves nothing for this long has stalled.
pub(super) const STALL_LIMIT: Duration = Duration::from_secs(60);

/// The options that shape the exchange.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub(super) connect_timeout: Option<Duration>,
    pub(super) max_time: Option<Duration>,
    pub(super) proxy: Option<String>,
    cacert: Option<PathBuf>,
    insecure: bool,
    pub(super) warnings: bool,
    pub(super) verbose: bool,
    /// `--show-secrets`: `-v` shows body fields that carry secrets.
    pub(super) show_secrets: bool,
    /// The request's method, for the note a 204 leaves on a terminal.
    pub(super) method: String,
    pub(super) include: bool,
    pub(super) output: Option<String>,
    /// `--retry N`; 0 for none.
    pub(super) retry: u32,
    pub(super) retry_all: bool,
    /// A file transfer: no overall limit by default, [`STALL_LIMIT`] instead.
    pub(super) transfer: bool,
    /// The request streams a body (a stall is watched by `send`).
    pub(super) upload: bool,
    /// Progress bars may be drawn (stderr is a terminal, no `-s`).
    pub(super) progress: bool,
    pub(super) output_file: Option<PathBuf>,
    /// `--wait`: a 202 that names a task is followed, not printed.
    pub(super) wait: bool,
    /// `-4`, `-6`: the local address to connect from.
    local_address: Option<std::net::IpAddr>,
    /// `--noproxy HOSTS`.
    noproxy: Option<String>,
    /// `--resolve HOST:PORT:ADDR`, read.
    resolve: Vec<(String, std::net::SocketAddr)>,
}

impl Settings {
    /// `transfer`: the call moves a file (see [`Settings::transfer`]).
    pub(super) fn from_globals(g: &Globals, transfer: bool) -> Result<Settings, Failure> {
        let default_max = if transfer { 0.0 } else { DEFAULT_MAX_TIME };
        Ok(Settings {
            connect_timeout: seconds(
                g.connect_timeout,
                DEFAULT_CONNECT_TIMEOUT,
                "--connect-timeout",
            )?,
            max_time: seconds(g.max_time, default_max, "-m/--max-time")?,
            proxy: g.proxy.clone(),
            cacert: g.cacert.clone(),
            insecure: g.insecure,
            warnings: g.warnings(),
            verbose: g.verbose,
            show_secrets: g.show_secrets,
            method: String::new(),
            include: g.include,
            output: g.output.clone(),
            retry: g.retry,
            retry_all: g.retry_all,
            transfer,
            upload: false,
            progress: crate::progress::visible(g.silent),
            output_file: g.output_file.clone(),
            wait: g.wait,
            local_address: match g.ip_version {
                Some(4) => Some(std::net::Ipv4Addr::UNSPECIFIED.into()),
                Some(6) => Some(std::net::Ipv6Addr::UNSPECIFIED.into()),
                _ => None,
            },
            noproxy: g.noproxy.clone(),
            resolve: g
                .resolve
                .iter()
                .map(|r| parse_resolve(r))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// curl's `--resolve HOST:PORT:ADDR` (ADDR may be `[v6]`).
fn parse_resolve(r: &str) -> Result<(String, std::net::SocketAddr), Failure> {
    let bad = || {
        Failure::usage(format!(
            "--resolve {r:?}: give HOST:PORT:ADDR, as 'zone.example.com:443:10.0.0.5'"
        ))
    };
    let (host, rest) = r.split_once(':').ok_or_else(bad)?;
    let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let ip: std::net::IpAddr = addr.parse().map_err(|_| bad())?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_owned(), std::net::SocketAddr::new(ip, port)))
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

pub(super) fn describe_seconds(d: Option<Duration>) -> String {
    d.map_or_else(|| "unlimited".into(), |d| format!("{} s", d.as_secs_f64()))
}

/// Clients by scheme, built when first needed.
#[derive(Default)]
pub(super) struct Clients {
    plain: Option<reqwest::Client>,
    tls: Option<reqwest::Client>,
}

impl Clients {
    pub(super) fn get(&mut self, tls: bool, s: &Settings) -> Result<reqwest::Client, Failure> {
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
    // An answer of bytes that stops arriving has stalled. Not for uploads:
    // reqwest's read timer runs while the body is written (send watches
    // those).
    if s.transfer && !s.upload {
        b = b.read_timeout(STALL_LIMIT);
    }
    let skip = s
        .noproxy
        .as_deref()
        .filter(|l| l.trim() != "*")
        .and_then(reqwest::NoProxy::from_string);
    if s.noproxy.as_deref().is_some_and(|l| l.trim() == "*") {
        b = b.no_proxy();
    } else if let Some(p) = &s.proxy {
        let proxy = reqwest::Proxy::all(p.as_str()).map_err(|e| {
            Failure::usage(format!(
                "-x {:?} is not a proxy URL: {e}",
                crate::auth::without_password(p, "***")
            ))
        })?;
        b = b.proxy(proxy.no_proxy(skip));
    } else if s.noproxy.is_some() {
        // The environment's proxies, with these hosts (and NO_PROXY's)
        // reached directly.
        for (scheme, vars) in [
            ("http", ["http_proxy", "HTTP_PROXY"]),
            ("https", ["https_proxy", "HTTPS_PROXY"]),
        ] {
            let found = vars
                .iter()
                .chain(&["all_proxy", "ALL_PROXY"])
                .find_map(|v| std::env::var(v).ok().filter(|x| !x.is_empty()));
            let Some(url) = found else { continue };
            let list = [
                s.noproxy.clone().unwrap_or_default(),
                std::env::var("NO_PROXY")
                    .or_else(|_| std::env::var("no_proxy"))
                    .unwrap_or_default(),
            ]
            .join(",");
            let proxy = if scheme == "http" {
                reqwest::Proxy::http(url.as_str())
            } else {
                reqwest::Proxy::https(url.as_str())
            }
            .map_err(|e| Failure::usage(format!("the {scheme} proxy of the environment: {e}")))?;
            b = b.proxy(proxy.no_proxy(reqwest::NoProxy::from_string(&list)));
        }
    }
    if let Some(a) = s.local_address {
        b = b.local_address(a);
    }
    for (host, addr) in &s.resolve {
        b = b.resolve(host, *addr);
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

/// Whether the proxy for `url` (`-x`, else the environment's) is reached
/// over TLS: then the client needs its roots even for an http:// target.
pub(super) fn proxy_speaks_tls(url: &Url, s: &Settings) -> bool {
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
pub(super) fn env_proxy_var(url: &Url) -> Option<&'static str> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit;

    #[test]
    fn resolve_entries_are_read_as_curl_reads_them() {
        let (host, addr) = parse_resolve("zone.example.com:443:10.0.0.5").unwrap();
        assert_eq!(
            (host.as_str(), addr.to_string().as_str()),
            ("zone.example.com", "10.0.0.5:443")
        );
        let (_, addr) = parse_resolve("z:9443:[::1]").unwrap();
        assert_eq!(addr.to_string(), "[::1]:9443");
        for bad in [
            "z",
            "z:443",
            "z:x:10.0.0.5",
            ":443:10.0.0.5",
            "z:443:not-an-ip",
        ] {
            assert_eq!(parse_resolve(bad).unwrap_err().code, exit::USAGE, "{bad}");
        }
    }

    #[test]
    fn curl_connection_options_reach_the_settings() {
        let g = Globals {
            ip_version: Some(6),
            noproxy: Some("*".into()),
            resolve: vec!["z:443:127.0.0.1".into()],
            ..Globals::default()
        };
        let s = Settings::from_globals(&g, false).unwrap();
        assert_eq!(
            s.local_address,
            Some(std::net::Ipv6Addr::UNSPECIFIED.into())
        );
        assert_eq!(s.noproxy.as_deref(), Some("*"));
        assert_eq!(s.resolve.len(), 1);
        // The clients build with them (no network is touched).
        assert!(build_client(false, &s).is_ok());
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
        let s = Settings::from_globals(&Globals::default(), false).unwrap();
        // Builds without a provider installed and without touching the store.
        assert!(build_client(false, &s).is_ok());
    }
}
