//! A fake Onedata REST server for tests and demos of `onezone-rest-cli`,
//! `oneprovider-rest-cli` and `onepanel-rest-cli`: one server (one
//! [`FakeZone`], one port, one state) serves Onezone below
//! `/api/v3/onezone`, Oneprovider below `/api/v3/oneprovider` and Onepanel
//! below `/api/v3/onepanel` ([`FakeZone::service_url`]), each routed from
//! its own catalogue (`onedata_catalogue::builtin`) at the configured
//! release ([`Config::release`]; the newest, 21.02.7, by default).
//!
//! # What it does
//! - **Routing comes from the catalogues** (the operations of the release
//!   served, main paths and `path_variants`; each service below its
//!   catalogue's base path): method plus path template, `{x}` matching one
//!   non-empty percent-decoded segment, literal segments winning over
//!   parameters. A parameter named `subpath` (getSharedData's
//!   `/shares/data/{file_id}/{subpath}`) takes the rest of the path, slashes
//!   included.
//! - **Checks what arrives** and records every mismatch in
//!   [`Recorded::problems`] (empty means the request was valid), answering in
//!   Onedata's error shape `{"error": {"id", "description", "details"}}`:
//!   unknown path → 404 `notFound`; known path, other method → 405
//!   `methodNotAllowed` (with `Allow`); query parameters are checked against
//!   the operation's (`ParamIn::Query`): one it does not take → 400
//!   `badValueQueryString` (`details.key` names it; Onezone takes none), a
//!   value that is not an integer, number, `true`/`false` or an allowed value
//!   → 400 `badValueInteger`, `badValueFloat`, `badValueBoolean`,
//!   `badValueNotAllowed`, a required one missing → 400
//!   `missingRequiredValue`; an `Accept` that excludes what the operation
//!   produces → 406 `notAcceptable`; a body on an operation without one, or
//!   a `Content-Type` on a GET/DELETE → 400 `unexpectedBody`; a required
//!   body missing → 400 `missingRequiredValue`; a body of a type the
//!   operation does not consume → 400 `badValueContentType`; JSON (and
//!   Onepanel's `application/x-yaml`) bodies are parsed (400 `badValueJSON`,
//!   `badValueYAML`) and checked against the schema (via
//!   `onedata_catalogue::validate`) → 400 `missingRequiredValue`,
//!   `badValueString`, `badValueInteger`, `badValueFloat`, `badValueBoolean`,
//!   `badValueList`, `badValueNotAllowed`, `badValueUnknownField`,
//!   `badValueEmpty`, with `details.key` naming the field; other types (a
//!   view's JavaScript, RDF) are taken as they are; malformed HTTP → 400
//!   `badMessage`; oversized → 413/431.
//! - **Credentials**: `X-Auth-Token: T`, `Authorization: Bearer T` or
//!   `Authorization: Basic base64(user:password)`. More than one credential
//!   is a problem (400 `badValueAuthorization`); another `Authorization`
//!   scheme is a problem (401). None on a non-public operation, or one the
//!   service does not take → 401 `unauthorized`. Onezone takes its users'
//!   tokens and passwords and providers' tokens; Oneprovider the Onezone
//!   users' access tokens; Onepanel basic [`ONEPANEL_USER`]`:`
//!   [`ONEPANEL_PASSPHRASE`] and the Onezone admins' tokens (another user's
//!   token → 403 `forbidden`). Public everywhere: getConfiguration, health,
//!   testImage; in Onezone also getSharedData, examineToken, verify*Token,
//!   registerProvider (the token is in its body) and paths with a `public`
//!   segment.
//! - **Onezone's 403 rule** (`forbidden`), for non-admin users and for
//!   providers (a provider's root token from registerProvider, or its other
//!   tokens): on a known space, group, user, provider or named token that is
//!   not theirs (a space or group they are not an effective member of,
//!   another user's record, a provider they neither are nor administer,
//!   another's named token) every operation is refused; a provider may not
//!   use the current user's operations (`/user…`); and an operation whose
//!   catalogue privileges are all `oz_*` admin privileges is refused unless
//!   it acts on something of theirs, or is a provider's own (`/provider…`,
//!   for a provider). After that, the `{id}` of `/spaces/{id}…`,
//!   `/groups/{id}…`, `/users/{id}…`, `/providers/{id}…` and
//!   `/tokens/named/{id}…` must exist (404 `notFound`).
//! - **Real state in Onezone** for users, groups (with children/parents),
//!   spaces (users, groups, owners, supporting providers), tokens (access,
//!   identity, invite: type and target remembered; named and temporary) and
//!   provider registration; see `state.rs` for the operations handled.
//!   Joining with an invite token of another type, or a bogus token, gives
//!   400 `badValueToken` with `details.tokenError`. Joining twice is
//!   accepted (201 again).
//! - **Onepanel** is the panel of the fake's provider ([`PROVIDER_ID`],
//!   one storage [`STORAGE_ID`]; see `panel.rs`). supportSpace
//!   (`POST /provider/spaces`, `{"token", "size", "storageId"}`) redeems a
//!   Onezone space support token (createSpaceSupportToken; another token →
//!   400 `badValueToken`, another storage → 400 `badValueIdNotFound`, a
//!   space supported already → 409) and answers 201 `{"id": spaceId}` with
//!   `Location: …/onepanel/provider/spaces/{spaceId}`; from then on Onezone
//!   knows the provider (getProviderDetails, ozProvidersList) and shows the
//!   support in getSpace's `providers`, and getProviderSpaces,
//!   getSpaceDetails, revokeSpaceSupport, getStorages, getStorageDetails,
//!   getProvider answer from it. **Tasks**: every operation whose first
//!   success answer is a 202 without a schema (configureProvider,
//!   add*Databases/Managers/Workers, configureCeph, …) answers 202
//!   `{"taskId"}` with `Location: …/onepanel/tasks/{taskId}`; getTaskStatus
//!   shows `{"status": "running", "steps": [done so far], "totalSteps"}` for
//!   [`Config::task_duration`] (3 s), then `"ok"` with every step, or, with
//!   [`Config::task_outcome`] [`TaskOutcome::Error`], `"error"` with an
//!   `error` in Onedata's error shape ([`FakeZone::set_task_outcome`] and
//!   [`FakeZone::set_task_duration`] change them for later tasks).
//! - **Oneprovider** serves the spaces its provider supports to their
//!   effective members (others: 403) — getAllSpaces, getSpace (whose
//!   `fileId` is the space's root directory) — and their files (see
//!   `provider.rs`): createFile (`POST /data/{id}/children?name=N&type=REG|DIR`,
//!   the body the content) → 201 `{"fileId"}`; listChildren, paged as the
//!   release does it (`limit` with `offset` in 20.02, `limit` and the page
//!   `token` in the query up to 21.02.4, in a JSON body since 21.02.5;
//!   `attribute(s)` select fields); getAttrs; downloadFileContent (200, or
//!   206 with `Content-Range` for one `Range: bytes=a-b`, `a-` or `-n`; 416
//!   when unsatisfiable; other `Range`s are ignored); updateFileContent
//!   (`?offset=N` writes there, else replaces); removeFile. File ids are
//!   opaque; unknown ones → 404; POSIX failures → 400 `posix` with
//!   `details.errno`. **Contents are streamed**: an
//!   `application/octet-stream` upload (up to 1 GiB, `Content-Length` or
//!   chunked; the 8 MiB limit of other bodies does not apply) goes to a file
//!   in pieces of 256 KiB as it arrives, downloads are written from the file
//!   the same way; the files live in a temporary directory of the
//!   [`FakeZone`], removed when it is dropped. [`Recorded::body`] keeps an
//!   upload's first 64 KiB.
//! - Answers take the shape of the release served: every field a handler
//!   knows is offered under each name releases used (`file_id`, `fileId`),
//!   and what the release's schema declares is kept.
//! - **Every other operation** answers its catalogue's first success
//!   response: 204 empty; 201 with `Location` (a fresh id appended to the
//!   request path; PUT: the request path itself); a JSON [`sample`] of the
//!   schema (or, where the operation produces no JSON, the sample as text of
//!   its first type); testImage a 1×1 PNG (`image/png`); getSharedData a 307
//!   to `redirect_host` (default: this fake) +
//!   `/api/v3/oneprovider/shares/data/…`, where the fake answers 200
//!   `application/octet-stream` like a provider. Locations are absolute,
//!   built from the request's `Host`.
//! - **Faults** ([`Fault`]) replace the answer, for testing a client's error
//!   handling.
//!
//! # Default credentials ([`Config::default`])
//! | user id | username:password | token | admin |
//! |---|---|---|---|
//! | [`ADMIN_ID`] | `admin:password` | [`ADMIN_TOKEN`] = `test-token` | yes |
//! | [`USER_ID`] | `user:password` | [`USER_TOKEN`] = `user-token` | no |
//!
//! Onepanel also takes basic `onepanel:passphrase` ([`ONEPANEL_USER`],
//! [`ONEPANEL_PASSPHRASE`]). [`ProviderSpace`] makes a space supported by the
//! fake's provider in one call.
//!
//! # The binary
//! `fake-onezone [--port N] [--release V] [--fault SPEC] [--redirect-host URL]
//! [--task-duration MS] [--task-outcome ok|error] [--exit-on-stdin-eof]`
//! binds 127.0.0.1, prints exactly one line `http://127.0.0.1:PORT` on
//! stdout once listening, the default credentials of the three services on
//! stderr, then one line per request on stderr (method, path, status,
//! operation; never credentials). It serves until SIGINT or SIGTERM (then
//! stops cleanly, removing its files), or with `--exit-on-stdin-eof` until
//! its stdin is closed. Fault specs: `slow:MS` (or `500ms`, `2s`),
//! `drop-mid-body`, `status:CODE` (Onedata error body) or
//! `status:CODE:bare` (empty), `invalid-json`, `redirect:URL`,
//! `large-body:BYTES`, `garbage`, `html:CODE`, `stall-mid-body:MS`,
//! `fake-gzip`, `retry-after:CODE:VALUE`, `body:TYPE:PATH` (a 200 with the
//! file's content; TYPE `-` for no Content-Type), `created:LOCATION` (a 201
//! without a body). [`FakeZone::set_fault_times`]
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
//! heads up to 64 KiB / 100 headers, bodies up to 8 MiB (uploads 1 GiB),
//! 10 s per read or write, 30 s per request (10 min for an upload), one
//! thread per connection and at most [`Config::max_connections`] of them.
//! It binds 127.0.0.1 only. Dropping a [`FakeZone`] shuts every connection
//! down, joins every thread and removes its files.
//!
//! # For tests
//! [`probe`] is a raw HTTP/1.1 client for talking to a fake byte for byte
//! (or setting up state without the client under test), and [`World`] makes
//! the resources that let every path parameter of every Onezone operation
//! name something real. Both the fake's tests and the client's use them, so
//! they live here once.

mod call;
mod checks;
mod dispatch;
mod fault;
mod files;
mod http;
mod panel;
pub mod probe;
mod provider;
mod query;
mod range;
mod router;
mod sample;
mod server;
mod service;
mod shape;
mod state;
mod store;
#[cfg(feature = "tls")]
pub mod tls;
mod util;
mod world;

pub use fault::Fault;
pub use panel::TaskOutcome;
pub use sample::{sample, sample_body};
pub use util::PNG;
pub use world::{ProviderSpace, World};

use server::{lock, Shared};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The default admin's token.
pub const ADMIN_TOKEN: &str = "test-token";

/// Onezone, the service [`FakeZone::api_url`] and [`probe::req`]'s
/// relative paths are for.
pub static SERVICE: &onedata_catalogue::Service = &onedata_catalogue::builtin::ONEZONE;
/// The default admin's user id.
pub const ADMIN_ID: &str = "u-admin-0000000000000000000000000";
/// The default non-admin's token.
pub const USER_TOKEN: &str = "user-token";
/// The default non-admin's user id.
pub const USER_ID: &str = "u-user-00000000000000000000000000";

/// The id of the fake's provider (Oneprovider and Onepanel), which Onezone
/// knows once it supports a space.
pub const PROVIDER_ID: &str = "p-fake-provider-0000000000000000";
/// The fake provider's name.
pub const PROVIDER_NAME: &str = "fake-provider";
/// The id of the fake provider's one storage (Onepanel getStorages).
pub const STORAGE_ID: &str = "st-fake-storage-0000000000000000";
/// Onepanel's user for basic auth, with [`ONEPANEL_PASSPHRASE`].
pub const ONEPANEL_USER: &str = "onepanel";
/// Onepanel's emergency passphrase: basic `onepanel:passphrase`.
pub const ONEPANEL_PASSPHRASE: &str = "passphrase";

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
    /// The release every service reports at `/configuration`; each serves
    /// the operations of the nearest release of its catalogue (the newest
    /// for one newer than all). `None`: the newest.
    pub release: Option<String>,
    /// How long a Onepanel task runs (see [`TaskOutcome`]).
    pub task_duration: Duration,
    /// How Onepanel tasks end.
    pub task_outcome: TaskOutcome,
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
            task_duration: Duration::from_secs(3),
            task_outcome: TaskOutcome::Ok,
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
    /// The query parameters, in order, percent-decoded (`+` is a space);
    /// a pair that is not valid percent-encoding is kept as it came.
    pub query: Vec<(String, String)>,
    /// As received, in order, names in their original case.
    pub headers: Vec<(String, String)>,
    /// The body; of an `application/octet-stream` upload (which goes to a
    /// file, not to memory) only the first 64 KiB.
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

/// A running fake Onezone, Oneprovider and Onepanel. Dropping it stops the
/// server, joins its threads and removes its files.
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
        let shared = Arc::new(Shared::new(config, addr.port())?);
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

    /// The URL of a service's API by its name (`onezone`, `oneprovider`,
    /// `onepanel`): `http://127.0.0.1:PORT/api/v3/oneprovider`. Another
    /// name gives `/api/v3/{name}`, where the fake answers 404.
    pub fn service_url(&self, name: &str) -> String {
        match self.shared.service(name) {
            Some(s) => format!("{}{}", self.url(), s.base_path()),
            None => format!("{}/api/v3/{name}", self.url()),
        }
    }

    /// The Onezone release whose operations this fake serves.
    pub fn catalogue(&self) -> onedata_catalogue::Catalogue {
        self.shared.services[0].catalogue
    }

    /// The release of a service (by name, as [`FakeZone::service_url`])
    /// whose operations this fake serves.
    pub fn catalogue_of(&self, name: &str) -> Option<onedata_catalogue::Catalogue> {
        self.shared.service(name).map(|s| s.catalogue)
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

    /// How long the Onepanel tasks started from now on run.
    pub fn set_task_duration(&self, duration: Duration) {
        lock(&self.shared.panel).duration = duration;
    }

    /// How the Onepanel tasks started from now on end.
    pub fn set_task_outcome(&self, outcome: TaskOutcome) {
        lock(&self.shared.panel).outcome = outcome;
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
