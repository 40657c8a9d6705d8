//! Connections, what the fake shares between them, and faults.

use crate::checks::{self, ApiError};
use crate::dispatch::{dispatch, Payload};
use crate::files::Files;
use crate::http::{self, Framing, Head, ReadError, Response};
use crate::panel::Panel;
use crate::router::{self, Routed};
use crate::service::{self, Served};
use crate::state::State;
use crate::store::Store;
use crate::{query, Config, Fault, Recorded};
use std::collections::HashMap;
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Requests served on one connection before it is closed.
const MAX_REQUESTS_PER_CONNECTION: usize = 100_000;

/// An upload (see `store.rs`) must have arrived within this; each read
/// still has [`http::IO_TIMEOUT`].
const UPLOAD_DEADLINE: Duration = Duration::from_secs(600);

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) struct Shared {
    pub config: Config,
    /// Onezone, Oneprovider and Onepanel, at the releases served.
    pub services: [Served; 3],
    pub port: u16,
    /// Onezone's users, groups, spaces, tokens and providers.
    pub state: Mutex<State>,
    /// Oneprovider's file tree, and where file contents live.
    pub files: Mutex<Files>,
    pub store: Store,
    /// Onepanel's tasks.
    pub panel: Mutex<Panel>,
    pub records: Mutex<Vec<Recorded>>,
    pub fault: Mutex<FaultState>,
    pub shutdown: AtomicBool,
    conns: Mutex<HashMap<u64, TcpStream>>,
    active: AtomicUsize,
    next_conn: AtomicU64,
}

impl Shared {
    pub(crate) fn new(config: Config, port: u16) -> io::Result<Shared> {
        let state = State::new(&config.users, u64::from(port));
        let fault = FaultState {
            fault: config.fault.clone(),
            left: None,
        };
        let services = service::served(config.release.as_deref());
        let panel = Panel::new(u64::from(port), config.task_duration, config.task_outcome);
        Ok(Shared {
            services,
            port,
            state: Mutex::new(state),
            files: Mutex::new(Files::new(u64::from(port))),
            store: Store::new()?,
            panel: Mutex::new(panel),
            config,
            records: Mutex::new(Vec::new()),
            fault: Mutex::new(fault),
            shutdown: AtomicBool::new(false),
            conns: Mutex::new(HashMap::new()),
            active: AtomicUsize::new(0),
            next_conn: AtomicU64::new(0),
        })
    }

    /// The service named `name` (`onezone`, …).
    pub(crate) fn service(&self, name: &str) -> Option<Served> {
        self.services.iter().copied().find(|s| s.name() == name)
    }

    /// What a service reports at `/configuration`: the configured release,
    /// else the release of its catalogue served.
    pub(crate) fn release_of(&self, svc: Served) -> &str {
        self.config
            .release
            .as_deref()
            .unwrap_or_else(|| svc.catalogue.release())
    }

    /// Whether the body of this request is an upload to stream into a file:
    /// `application/octet-stream` for an operation that takes it.
    fn takes_upload(&self, head: &Head) -> bool {
        let octets = head
            .header("content-type")
            .is_some_and(|v| checks::media_type(v) == "application/octet-stream");
        let path = head.target.split('?').next().unwrap_or_default();
        octets
            && service::find(&self.services, path).is_some_and(|(svc, api_path)| {
                matches!(
                    router::route(svc.catalogue, &head.method, api_path),
                    Routed::Found(r) if r.op.consumes.contains(&"application/octet-stream")
                )
            })
    }

    /// Stops every open connection (their reads and writes fail at once).
    pub(crate) fn close_all(&self) {
        for s in lock(&self.conns).values() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// `https` when serving TLS.
    pub(crate) fn scheme(&self) -> &'static str {
        #[cfg(feature = "tls")]
        if self.config.tls.is_some() {
            return "https";
        }
        "http"
    }

    fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Sleeps, waking early when the server stops.
    fn sleep(&self, d: Duration) {
        let end = Instant::now() + d;
        while !self.stopping() {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            thread::sleep(left.min(Duration::from_millis(10)));
        }
    }

    fn record(&self, rec: Recorded) {
        if self.config.log {
            eprintln!(
                "fake-onezone: {} {} -> {} {}",
                rec.method,
                rec.path.chars().take(200).collect::<String>(),
                rec.status,
                rec.operation.unwrap_or("-")
            );
        }
        let mut records = lock(&self.records);
        if records.len() < self.config.record_limit {
            records.push(rec);
        }
    }
}

/// The fault in force, and for how many more requests (`None`: until
/// changed).
#[derive(Debug, Default)]
pub(crate) struct FaultState {
    pub fault: Option<Fault>,
    pub left: Option<usize>,
}

impl FaultState {
    /// The fault for the request being answered; counts it down.
    fn take(&mut self) -> Option<Fault> {
        match &mut self.left {
            Some(0) => None,
            Some(n) => {
                *n -= 1;
                self.fault.clone()
            }
            None => self.fault.clone(),
        }
    }
}

/// Accepts until the server stops, then joins every connection thread.
pub(crate) fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    for incoming in listener.incoming() {
        if shared.stopping() {
            break;
        }
        let stream = match incoming {
            Ok(s) => s,
            Err(_) => {
                // E.g. out of file descriptors: do not spin.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        workers.retain(|h| !h.is_finished());
        if shared.active.load(Ordering::SeqCst) >= shared.config.max_connections {
            refuse(stream);
            continue;
        }
        shared.active.fetch_add(1, Ordering::SeqCst);
        let sh = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("fake-onezone-conn".into())
            .spawn(move || {
                serve(stream, &sh);
                sh.active.fetch_sub(1, Ordering::SeqCst);
            });
        match spawned {
            Ok(h) => workers.push(h),
            Err(_) => {
                shared.active.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
    for h in workers {
        let _ = h.join();
    }
}

fn refuse(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let err = ApiError::new(
        503,
        "serviceUnavailable",
        "Too many connections to the fake Onezone.",
    );
    let _ = http::write_response(&mut stream, &Response::json(503, &err.body()), true, false);
    let _ = stream.shutdown(Shutdown::Both);
}

fn serve(stream: TcpStream, shared: &Shared) {
    let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
    match stream.try_clone() {
        Ok(c) => {
            lock(&shared.conns).insert(id, c);
        }
        Err(_) => return,
    }
    if !shared.stopping() {
        serve_requests(stream, shared);
    }
    if let Some(s) = lock(&shared.conns).remove(&id) {
        let _ = s.shutdown(Shutdown::Both);
    }
}

fn serve_requests(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(http::IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(http::IO_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(raw) = stream.try_clone() else {
        return;
    };
    let deadline = http::Deadline::default();
    let stream = http::Timed::new(stream, Rc::clone(&deadline));
    #[cfg(feature = "tls")]
    if let Some(config) = &shared.config.tls {
        // The handshake happens on the first read; a client that rejects
        // the certificate ends it, and the read fails.
        let Ok(conn) = rustls::ServerConnection::new(Arc::clone(config)) else {
            return;
        };
        let stream = rustls::StreamOwned::new(conn, stream);
        return serve_stream(stream, &raw, &deadline, shared);
    }
    serve_stream(stream, &raw, &deadline, shared);
}

/// Serves the requests of one connection, plain or TLS, over a
/// [`http::Timed`] socket that follows `deadline`; `raw` is the socket
/// underneath, to shut it down.
fn serve_stream<S: Read + Write>(
    stream: S,
    raw: &TcpStream,
    deadline: &http::Deadline,
    shared: &Shared,
) {
    let mut reader = BufReader::new(stream);
    for _ in 0..MAX_REQUESTS_PER_CONNECTION {
        if shared.stopping() {
            return;
        }
        // The whole request, head and body, must arrive by then (the wait
        // for it to begin included).
        let due = Instant::now() + http::REQUEST_DEADLINE;
        deadline.set(Some(due));
        let head = match http::read_head(&mut reader, due) {
            Ok(h) => h,
            Err(e) => return refuse_request(reader.get_mut(), raw, shared, None, e, "badMessage"),
        };
        // After the head, a request too large is `payloadTooLarge`.
        let refuse =
            |w: &mut S, e| refuse_request(w, raw, shared, Some(&head), e, "payloadTooLarge");
        let upload = shared.takes_upload(&head);
        let limit = if upload {
            http::MAX_UPLOAD
        } else {
            http::MAX_BODY
        };
        let framing = match http::framing(&head, limit) {
            Ok(f) => f,
            Err(e) => return refuse(reader.get_mut(), e),
        };
        let expects_continue = head
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
        if expects_continue
            && !head.http10
            && framing != Framing::None
            && reader
                .get_mut()
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .is_err()
        {
            return;
        }
        let payload = if upload {
            let due = Instant::now() + UPLOAD_DEADLINE;
            deadline.set(Some(due));
            shared
                .store
                .stage(&mut reader, framing, due)
                .map(Payload::Staged)
        } else {
            http::read_body(&mut reader, framing, due).map(|bytes| Payload::Bytes {
                bytes,
                chunked: framing == Framing::Chunked,
            })
        };
        let payload = match payload {
            Ok(p) => p,
            Err(e) => return refuse(reader.get_mut(), e),
        };
        let fault = lock(&shared.fault).take();
        // Faults other than Slow replace the answer: the request is checked
        // and recorded, but does not change the state.
        let act = matches!(fault, None | Some(Fault::Slow(_)));
        let outcome = dispatch(shared, &head, &payload, act);
        let plan = plan(fault, outcome.response, &head);
        shared.record(Recorded {
            method: head.method.clone(),
            path: head.target.clone(),
            query: query::recorded(&head.target),
            headers: head.headers.clone(),
            body: payload.into_recorded(),
            operation: outcome.operation,
            problems: outcome.problems,
            status: plan.status(),
        });
        let keep = head.keep_alive() && plan.keeps_connection();
        let head_only = head.method == "HEAD";
        if execute(plan, reader.get_mut(), shared, !keep, head_only).is_err() || !keep {
            let _ = raw.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// Answers a request that cannot be read (malformed: 400 `badMessage`; too
/// large: its status and the error id `too_large`), records it, and
/// closes. A read that failed with nothing to answer (the peer closed or
/// went quiet) just ends.
fn refuse_request(
    writer: &mut impl Write,
    raw: &TcpStream,
    shared: &Shared,
    head: Option<&Head>,
    why: ReadError,
    too_large: &'static str,
) {
    let err = match why {
        ReadError::Closed | ReadError::Io => return,
        ReadError::Malformed(why) => ApiError::new(400, "badMessage", why),
        ReadError::TooLarge(status, why) => ApiError::new(status, too_large, why),
    };
    shared.record(Recorded {
        method: head.map(|h| h.method.clone()).unwrap_or_default(),
        path: head.map(|h| h.target.clone()).unwrap_or_default(),
        query: head.map(|h| query::recorded(&h.target)).unwrap_or_default(),
        headers: head.map(|h| h.headers.clone()).unwrap_or_default(),
        body: Vec::new(),
        operation: None,
        problems: vec![err.description.clone()],
        status: err.status,
    });
    let head_only = head.is_some_and(|h| h.method == "HEAD");
    let resp = Response::json(err.status, &err.body());
    let _ = http::write_response(writer, &resp, true, head_only);
    let _ = raw.shutdown(Shutdown::Both);
}

/// How an answer goes out once faults are applied.
enum Plan {
    Send(Response),
    Slow(Duration, Response),
    DropMidBody(Response),
    Large(usize),
    Garbage,
    Stall(Duration, Response),
}

impl Plan {
    fn status(&self) -> u16 {
        match self {
            Plan::Send(r) | Plan::Slow(_, r) | Plan::DropMidBody(r) | Plan::Stall(_, r) => r.status,
            Plan::Large(_) => 200,
            Plan::Garbage => 0,
        }
    }

    fn keeps_connection(&self) -> bool {
        matches!(self, Plan::Send(_) | Plan::Slow(..) | Plan::Large(_))
    }
}

fn plan(fault: Option<Fault>, normal: Response, head: &Head) -> Plan {
    let Some(fault) = fault else {
        return Plan::Send(normal);
    };
    match fault {
        Fault::Slow(d) => Plan::Slow(d, normal),
        Fault::DropMidBody => Plan::DropMidBody(
            Response::new(200)
                .header("Content-Type", "application/json")
                .with_body(
                    br#"{"token": "MDAxY2xvY2F0aW9uIG9uZXpvbmUKMDAzYmlkZW50aWZpZXIg"#.to_vec(),
                ),
        ),
        Fault::Status(code, with_body) => {
            if with_body {
                Plan::Send(Response::json(code, &checks::error_for_status(code).body()))
            } else {
                Plan::Send(Response::new(code))
            }
        }
        Fault::InvalidJson => Plan::Send(
            Response::new(200)
                .header("Content-Type", "application/json")
                .with_body(br#"{"token": "MDAx", "broken": [1, 2,"#.to_vec()),
        ),
        Fault::RedirectTo(url) => {
            let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
            let has_path = after_scheme
                .split_once('/')
                .is_some_and(|(_, p)| !p.is_empty());
            let to = if has_path {
                url
            } else {
                format!("{}{}", url.trim_end_matches('/'), head.target)
            };
            Plan::Send(Response::new(307).header("Location", to))
        }
        Fault::LargeBody(n) => Plan::Large(n),
        Fault::StallMidBody(d) => Plan::Stall(
            d,
            Response::new(200)
                .header("Content-Type", "application/json")
                .with_body(br#"{"spaces": ["s-0000000000000001", "s-00000"#.to_vec()),
        ),
        Fault::FakeGzip => Plan::Send(
            Response::new(200)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .with_body(br#"{"note": "this body is not gzip"}"#.to_vec()),
        ),
        Fault::RetryAfter(code, value) => Plan::Send(
            Response::json(code, &checks::error_for_status(code).body())
                .header("Retry-After", value),
        ),
        Fault::Garbage => Plan::Garbage,
        Fault::BodyFile(kind, path) => Plan::Send(body_file(kind.as_deref(), &path)),
        Fault::Created(location) => Plan::Send(Response::new(201).header("Location", location)),
        Fault::Html(code) => {
            let reason = http::reason(code);
            let page = format!(
                "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n\
                 <center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
                 </body>\r\n</html>\r\n"
            );
            Plan::Send(
                Response::new(code)
                    .header("Content-Type", "text/html")
                    .with_body(page.into_bytes()),
            )
        }
    }
}

/// A 200 answer with the content of the file at `path`, sent from the file;
/// a 500 that names the problem when it cannot be opened.
fn body_file(kind: Option<&str>, path: &std::path::Path) -> Response {
    let opened = std::fs::File::open(path).and_then(|f| Ok((f.metadata()?.len(), f)));
    match opened {
        Ok((len, file)) => {
            let r = Response::new(200);
            let r = match kind {
                Some(k) => r.header("Content-Type", k),
                None => r,
            };
            r.with_file(http::FileBody {
                file: Arc::new(file),
                offset: 0,
                len,
            })
        }
        Err(e) => Response::json(
            500,
            &serde_json::json!({"error": {"id": "internalServerError",
                "description": format!("fault body:{}: {e}", path.display())}}),
        ),
    }
}

/// Sends what `plan` says; for a `HEAD` request (`head_only`) no body.
fn execute(
    plan: Plan,
    w: &mut impl Write,
    shared: &Shared,
    close: bool,
    head_only: bool,
) -> std::io::Result<()> {
    match plan {
        Plan::Send(r) => http::write_response(w, &r, close, head_only),
        Plan::Slow(d, r) => {
            shared.sleep(d);
            http::write_response(w, &r, close, head_only)
        }
        Plan::DropMidBody(r) => {
            w.write_all(&http::head_bytes(&r, r.body.len() as u64 * 4, true))?;
            if !head_only {
                w.write_all(&r.body)?;
            }
            w.flush()?;
            Err(std::io::Error::other("dropped mid-body on purpose"))
        }
        Plan::Large(n) => {
            let head = Response::new(200).header("Content-Type", "application/json");
            w.write_all(&http::head_bytes(&head, n as u64, close))?;
            if !head_only {
                write_large_json(w, n)?;
            }
            w.flush()
        }
        Plan::Garbage => {
            w.write_all(b"\x00\x17\x03\xffSSH-2.0-NotHTTP garbage \xfe\xfd\r\n\r\n")?;
            w.flush()?;
            Err(std::io::Error::other("garbage on purpose"))
        }
        Plan::Stall(d, r) => {
            w.write_all(&http::head_bytes(&r, r.body.len() as u64 * 4, true))?;
            if !head_only {
                w.write_all(&r.body)?;
            }
            w.flush()?;
            shared.sleep(d);
            Err(std::io::Error::other("stalled mid-body on purpose"))
        }
    }
}

/// Valid JSON of exactly `n` bytes, written in pieces.
fn write_large_json(w: &mut impl Write, n: usize) -> std::io::Result<()> {
    const OPEN: &[u8] = br#"{"data":""#;
    const CLOSE: &[u8] = br#""}"#;
    let (open, fill, close): (&[u8], u8, &[u8]) = if n >= OPEN.len() + CLOSE.len() {
        (OPEN, b'x', CLOSE)
    } else if n >= 2 {
        (b"[", b' ', b"]")
    } else {
        (b"", b'0', b"")
    };
    w.write_all(open)?;
    let mut left = n - open.len() - close.len();
    let chunk = vec![fill; 64 * 1024];
    while left > 0 {
        let k = left.min(chunk.len());
        w.write_all(&chunk[..k])?;
        left -= k;
    }
    w.write_all(close)
}
