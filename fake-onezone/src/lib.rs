//! A fake Onezone REST server (API 21.02.7) for tests and demos of
//! `onezone-rest-cli`.
//!
//! # What it does
//! - **Routing comes from the catalogue** (the operations of the release served,
//!   main paths and `path_variants`): method plus path template, `{x}`
//!   matching one non-empty percent-decoded segment, literal segments winning
//!   over parameters. A parameter named `subpath` (getSharedData's
//!   `/shares/data/{file_id}/{subpath}`) takes the rest of the path, slashes
//!   included. Everything is below `/api/v3/onezone`.
//! - **Checks what arrives** and records every mismatch in
//!   [`Recorded::problems`] (empty means the request was valid), answering in
//!   Onedata's error shape `{"error": {"id", "description", "details"}}`:
//!   unknown path → 404 `notFound`; known path, other method → 405
//!   `methodNotAllowed` (with `Allow`); a query string → 400
//!   `badValueQueryString` (no operation takes one); an `Accept` that excludes
//!   what the operation produces → 406 `notAcceptable`; a body on an operation
//!   without one, or a `Content-Type` on a GET/DELETE → 400 `unexpectedBody`;
//!   a required body missing → 400 `missingRequiredValue`; a body that is not
//!   `application/json` → 400 `badValueContentType`; not JSON → 400
//!   `badValueJSON`; schema mismatches (via `onedata_catalogue::validate`) →
//!   400 `missingRequiredValue`, `badValueString`, `badValueInteger`,
//!   `badValueFloat`, `badValueBoolean`, `badValueList`, `badValueNotAllowed`,
//!   `badValueUnknownField`, `badValueEmpty`, with `details.key` naming the
//!   field; malformed HTTP → 400 `badMessage`; oversized → 413/431.
//! - **Credentials**: `X-Auth-Token: T`, `Authorization: Bearer T` or
//!   `Authorization: Basic base64(user:password)`. More than one credential
//!   is a problem (400 `badValueAuthorization`); another `Authorization`
//!   scheme is a problem (401). None on a non-public operation, or an unknown
//!   one → 401 `unauthorized`. Public: getConfiguration, health, testImage,
//!   getSharedData, examineToken, verify*Token, registerProvider (the token
//!   is in its body) and paths with a `public` segment.
//! - **403 rule** (`forbidden`), for non-admin users and for providers
//!   (a provider's root token from registerProvider, or its other tokens):
//!   on a known space, group, user, provider or named token that is not
//!   theirs (a space or group they are not an effective member of, another
//!   user's record, a provider they neither are nor administer, another's
//!   named token) every operation is refused; a provider may not use the
//!   current user's operations (`/user…`); and an operation whose catalogue
//!   privileges are all `oz_*` admin privileges is refused unless it acts on
//!   something of theirs, or is a provider's own (`/provider…`, for a
//!   provider). After that, the `{id}` of
//!   `/spaces/{id}…`, `/groups/{id}…`, `/users/{id}…`, `/providers/{id}…` and
//!   `/tokens/named/{id}…` must exist (404 `notFound`).
//! - **Real state** for users, groups (with children/parents), spaces (users,
//!   groups, owners), tokens (access, identity, invite: type and target
//!   remembered; named and temporary) and provider registration; see
//!   `state.rs` for the operations handled. Joining with an invite token of
//!   another type, or a bogus token, gives 400 `badValueToken` with
//!   `details.tokenError`. Joining twice is accepted (201 again).
//! - **Every other operation** answers its catalogue's first success
//!   response: 204 empty; 201 with `Location` (a fresh id appended to the
//!   request path; PUT: the request path itself); a JSON [`sample`] of the
//!   schema; testImage a 1×1 PNG (`image/png`); getSharedData a 307 to
//!   `redirect_host` (default: this fake) + `/api/v3/oneprovider/shares/data/…`,
//!   where the fake answers 200 `application/octet-stream` like a provider.
//!   Locations are absolute, built from the request's `Host`.
//! - **Faults** ([`Fault`]) replace the answer, for testing a client's error
//!   handling.
//!
//! # Default users ([`Config::default`])
//! | user id | username:password | token | admin |
//! |---|---|---|---|
//! | [`ADMIN_ID`] | `admin:password` | [`ADMIN_TOKEN`] = `test-token` | yes |
//! | [`USER_ID`] | `user:password` | [`USER_TOKEN`] = `user-token` | no |
//!
//! # The binary
//! `fake-onezone [--port N] [--fault SPEC] [--redirect-host URL] [--exit-on-stdin-eof]`
//! binds 127.0.0.1, prints exactly one line `http://127.0.0.1:PORT` on
//! stdout once listening, the default credentials on stderr, then one line
//! per request on stderr (method, path, status, operation; never
//! credentials). It serves until killed, or with `--exit-on-stdin-eof` until
//! its stdin is closed. Fault specs: `slow:MS` (or `500ms`, `2s`),
//! `drop-mid-body`, `status:CODE` (Onedata error body) or
//! `status:CODE:bare` (empty), `invalid-json`, `redirect:URL`,
//! `large-body:BYTES`, `garbage`, `html:CODE`, `stall-mid-body:MS`,
//! `fake-gzip`, `retry-after:CODE:VALUE`. [`FakeZone::set_fault_times`]
//! limits a fault to the next N requests (for testing retries).
//!
//! # TLS (feature `tls`)
//! With [`Config::tls`] set (certificates from [`tls::TestCerts`], made at
//! run time by rcgen: a CA of its own and a leaf for the names asked for),
//! the same server speaks HTTPS on 127.0.0.1 (rustls, ring), for testing
//! untrusted and misnamed certificates and `--cacert`.
//!
//! # Why a hand-written HTTP server
//! The faults need byte-level control (a `Content-Length` larger than the
//! body, non-HTTP bytes, closing mid-answer), which HTTP server crates hide.
//! So `http.rs` is a small HTTP/1.1 server on `std::net`: keep-alive,
//! `Content-Length` and chunked request bodies, `Expect: 100-continue`,
//! heads up to 64 KiB / 100 headers, bodies up to 8 MiB, 10 s per read or
//! write, 30 s per request, one thread per connection and at most
//! [`Config::max_connections`] of them. It binds 127.0.0.1 only. Dropping a
//! [`FakeZone`] shuts every connection down and joins every thread.
//!
//! # For tests
//! [`probe`] is a raw HTTP/1.1 client for talking to a fake byte for byte
//! (or setting up state without the client under test), and [`World`] makes
//! the resources that let every path parameter of every operation name
//! something real. Both the fake's tests and the client's use them, so they
//! live here once.

mod checks;
mod fault;
mod http;
pub mod probe;
mod router;
mod sample;
mod server;
mod state;
#[cfg(feature = "tls")]
pub mod tls;
mod util;
mod world;

pub use fault::Fault;
pub use sample::{sample, sample_body};
pub use util::PNG;
pub use world::World;

use server::{lock, Shared};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The default admin's token.
pub const ADMIN_TOKEN: &str = "test-token";

/// The service this fake serves.
pub static SERVICE: &onedata_catalogue::Service = &onedata_catalogue::builtin::ONEZONE;
/// The default admin's user id.
pub const ADMIN_ID: &str = "u-admin-0000000000000000000000000";
/// The default non-admin's token.
pub const USER_TOKEN: &str = "user-token";
/// The default non-admin's user id.
pub const USER_ID: &str = "u-user-00000000000000000000000000";

/// A user the fake knows from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserConfig {
    pub id: String,
    pub username: String,
    pub full_name: String,
    /// For `Authorization: Basic` (with `username`); `None` disables it.
    pub password: Option<String>,
    /// Access tokens (`X-Auth-Token` or `Authorization: Bearer`).
    pub tokens: Vec<String>,
    /// Holds every `oz_*` admin privilege.
    pub admin: bool,
}

impl UserConfig {
    /// `admin` / `password`, token `test-token`, an admin.
    pub fn admin() -> UserConfig {
        UserConfig {
            id: ADMIN_ID.into(),
            username: "admin".into(),
            full_name: "Admin User".into(),
            password: Some("password".into()),
            tokens: vec![ADMIN_TOKEN.into()],
            admin: true,
        }
    }

    /// `user` / `password`, token `user-token`, not an admin.
    pub fn user() -> UserConfig {
        UserConfig {
            id: USER_ID.into(),
            username: "user".into(),
            full_name: "Regular User".into(),
            password: Some("password".into()),
            tokens: vec![USER_TOKEN.into()],
            admin: false,
        }
    }
}

/// How to start a fake.
#[derive(Debug, Clone)]
pub struct Config {
    /// 0 picks a free port.
    pub port: u16,
    pub users: Vec<UserConfig>,
    /// Origin (`http://host:port`) getSharedData redirects to; `None`: this fake.
    pub redirect_host: Option<String>,
    /// The fault in force from the start.
    pub fault: Option<Fault>,
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// One line per request on stderr (method, path, status, operation).
    pub log: bool,
    /// At most this many requests are kept for [`FakeZone::requests`].
    pub record_limit: usize,
    /// The release to report at `/configuration`; the fake serves the
    /// operations of the nearest release of the catalogue (the newest for
    /// one newer than all). `None`: the newest.
    pub release: Option<String>,
    /// Serve HTTPS with this configuration (see [`tls::TestCerts`]) instead
    /// of plain HTTP; [`FakeZone::url`] then starts with `https://`.
    #[cfg(feature = "tls")]
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            port: 0,
            users: vec![UserConfig::admin(), UserConfig::user()],
            redirect_host: None,
            fault: None,
            max_connections: 64,
            log: false,
            record_limit: 100_000,
            release: None,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// The request target as received (raw, with any query string).
    pub path: String,
    /// As received, in order, names in their original case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The catalogue operation it was routed to.
    pub operation: Option<&'static str>,
    /// What was wrong with it; empty means the request was valid.
    pub problems: Vec<String>,
    /// The status answered (0 for `Fault::Garbage`).
    pub status: u16,
}

impl Recorded {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::util::header(&self.headers, name)
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The credential headers it carried (`X-Auth-Token`, `Authorization`),
    /// in order, names lower-cased.
    pub fn credentials(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter(|(n, _)| {
                n.eq_ignore_ascii_case("x-auth-token") || n.eq_ignore_ascii_case("authorization")
            })
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect()
    }
}

/// A running fake Onezone. Dropping it stops the server and joins its threads.
#[derive(Debug)]
pub struct FakeZone {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl FakeZone {
    /// Starts with [`Config::default`] on a free port.
    pub fn start() -> io::Result<FakeZone> {
        FakeZone::start_with(Config::default())
    }

    pub fn start_with(config: Config) -> io::Result<FakeZone> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config, addr.port()));
        let sh = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name("fake-onezone-accept".into())
            .spawn(move || server::accept_loop(listener, sh))?;
        Ok(FakeZone {
            shared,
            addr,
            acceptor: Some(acceptor),
        })
    }

    /// `http://127.0.0.1:PORT` (no base path); `https://` when serving TLS.
    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.shared.scheme(), self.addr.port())
    }

    /// `http://127.0.0.1:PORT/api/v3/onezone`.
    pub fn api_url(&self) -> String {
        format!("{}{}", self.url(), SERVICE.base_path)
    }

    /// The release whose operations this fake serves.
    pub fn catalogue(&self) -> onedata_catalogue::Catalogue {
        self.shared.catalogue
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.records).clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.records).clear();
    }

    /// Sets (or with `None` clears) the fault for the following requests.
    pub fn set_fault(&self, fault: Option<Fault>) {
        let mut f = lock(&self.shared.fault);
        f.fault = fault;
        f.left = None;
    }

    /// Sets the fault for the next `times` requests only; later ones are
    /// answered normally (for testing retries).
    pub fn set_fault_times(&self, fault: Fault, times: usize) {
        let mut f = lock(&self.shared.fault);
        f.fault = Some(fault);
        f.left = Some(times);
    }
}

impl Drop for FakeZone {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        self.shared.close_all();
        // Wake the acceptor, blocked in accept().
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok();
        if let Some(h) = self.acceptor.take() {
            if woke {
                let _ = h.join();
            }
        }
    }
}
