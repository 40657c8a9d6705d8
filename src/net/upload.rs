//! A streamed request body: stdin or a file read in chunks on tokio's
//! blocking pool (a read never stalls the timers of `-m`), handed to
//! reqwest as an `http_body::Body`. Only one chunk is in memory at a time.
//!
//! A file's length goes out as Content-Length (the exact size hint); a file
//! that shrinks or grows while it is sent is an error, not a short or long
//! body that looks complete.
//!
//! Each chunk handed over touches a [`Clock`], which `send` watches: an
//! upload that moves nothing for `STALL_LIMIT` has stalled (reqwest's read
//! timeout cannot tell, since it runs while the body is written).

use crate::progress::Transfer;
use crate::request::{io_reason, Upload};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use std::future::Future;
use std::io::{self, Read};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::task::JoinHandle;

/// The size of one read.
const CHUNK: usize = 256 << 10;

type Source = Box<dyn Read + Send + Sync>;
type Pending = JoinHandle<(Source, io::Result<Bytes>)>;

/// When the upload last moved, for the stall watch.
#[derive(Debug)]
pub(super) struct Clock {
    start: std::time::Instant,
    /// Milliseconds after `start`.
    last: std::sync::atomic::AtomicU64,
    /// Whether any of the body was read (stdin then cannot be sent again).
    moved: std::sync::atomic::AtomicBool,
}

impl Clock {
    pub(super) fn new() -> Clock {
        Clock {
            start: std::time::Instant::now(),
            last: std::sync::atomic::AtomicU64::new(0),
            moved: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Whether any of the body was read.
    pub(super) fn moved(&self) -> bool {
        self.moved.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn touch(&self) {
        self.moved.store(true, std::sync::atomic::Ordering::Relaxed);
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// How long nothing has moved.
    pub(super) fn idle(&self) -> std::time::Duration {
        let last =
            std::time::Duration::from_millis(self.last.load(std::sync::atomic::Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }
}

pub(super) struct UploadBody {
    clock: std::sync::Arc<Clock>,
    source: Option<Source>,
    pending: Option<Pending>,
    /// The exact length, for a file.
    length: Option<u64>,
    sent: u64,
    progress: Transfer,
    done: bool,
}

impl UploadBody {
    /// Opens the upload's source. `Err` says why, for people.
    pub(super) fn open(
        upload: &Upload,
        progress: Transfer,
        clock: std::sync::Arc<Clock>,
    ) -> Result<UploadBody, String> {
        let (source, length): (Source, Option<u64>) = match upload {
            Upload::Stdin => (Box::new(io::stdin()), None),
            Upload::File { path, length } => {
                let file = std::fs::File::open(path)
                    .map_err(|e| format!("-T {}: {}", path.display(), io_reason(&e)))?;
                (Box::new(file), *length)
            }
        };
        Ok(UploadBody {
            clock,
            source: Some(source),
            pending: None,
            length,
            sent: 0,
            progress,
            done: false,
        })
    }

    fn read_next(mut source: Source) -> (Source, io::Result<Bytes>) {
        let mut buf = vec![0; CHUNK];
        let mut filled = 0;
        // Fill the chunk (a pipe gives less per read), stopping at the end.
        let result = loop {
            match source.read(&mut buf[filled..]) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    filled += n;
                    if filled == buf.len() {
                        break Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        buf.truncate(filled);
        (source, result.map(|()| Bytes::from(buf)))
    }

    fn fail(&mut self, msg: String) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.done = true;
        self.progress.abandon();
        Poll::Ready(Some(Err(io::Error::other(msg))))
    }
}

impl http_body::Body for UploadBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        if self.pending.is_none() {
            let Some(source) = self.source.take() else {
                return self.fail("the body's source is gone".into());
            };
            self.pending = Some(tokio::task::spawn_blocking(move || Self::read_next(source)));
        }
        let Some(pending) = self.pending.as_mut() else {
            return Poll::Ready(None);
        };
        let joined = ready!(Pin::new(pending).poll(cx));
        self.pending = None;
        let (source, read) = match joined {
            Ok(x) => x,
            Err(e) => return self.fail(format!("reading the body stopped: {e}")),
        };
        self.source = Some(source);
        let chunk = match read {
            Ok(c) => c,
            Err(e) => return self.fail(format!("cannot read the body: {e}")),
        };
        if chunk.is_empty() {
            if let Some(n) = self.length.filter(|n| *n != self.sent) {
                let sent = self.sent;
                return self.fail(format!(
                    "the file shrank while it was sent ({sent} of {n} bytes); nothing complete was sent"
                ));
            }
            self.done = true;
            self.progress.finish();
            return Poll::Ready(None);
        }
        self.sent += chunk.len() as u64;
        if let Some(n) = self.length.filter(|n| self.sent > *n) {
            return self.fail(format!(
                "the file grew while it was sent (past its {n} bytes); the upload was stopped"
            ));
        }
        self.progress.add(chunk.len() as u64);
        self.clock.touch();
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }

    fn size_hint(&self) -> SizeHint {
        match self.length {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}
