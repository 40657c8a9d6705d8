//! Bytes on disk: a temporary directory owned by the fake (removed when it
//! stops) that holds the contents of Oneprovider files, and uploads as they
//! arrive. An upload (an `application/octet-stream` body) is streamed into a
//! staging file in pieces, never held in memory whole; the operation then
//! moves or copies it into place.

use crate::http::{self, Framing, ReadError};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// How much of an upload [`crate::Recorded::body`] keeps.
pub(crate) const RECORDED_PREFIX: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct Store {
    dir: tempfile::TempDir,
    next: AtomicU64,
}

impl Store {
    pub(crate) fn new() -> io::Result<Store> {
        Ok(Store {
            dir: tempfile::Builder::new().prefix("fake-onezone-").tempdir()?,
            next: AtomicU64::new(0),
        })
    }

    /// Where the content of file `id` is kept (ids are the fake's own, hex
    /// digits, so they are safe as file names).
    pub(crate) fn content(&self, id: &str) -> PathBuf {
        self.dir.path().join(format!("content-{id}"))
    }

    /// Receives the body announced by `framing` (at most
    /// [`http::MAX_UPLOAD`] bytes, by `deadline`) into a staging file.
    pub(crate) fn stage(
        &self,
        r: &mut impl BufRead,
        framing: Framing,
        deadline: Instant,
    ) -> Result<Staged, ReadError> {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let path = self.dir.path().join(format!("upload-{n}"));
        let file = File::create(&path).map_err(|_| ReadError::Io)?;
        // From here on, dropping `staged` removes the file.
        let mut staged = Staged {
            path,
            len: 0,
            chunked: framing == Framing::Chunked,
            prefix: Vec::new(),
        };
        let mut sink = Sink {
            file,
            prefix: &mut staged.prefix,
        };
        staged.len = http::copy_body(r, framing, deadline, http::MAX_UPLOAD, &mut sink)?;
        Ok(staged)
    }
}

/// Writes to the staging file and keeps the first bytes.
struct Sink<'a> {
    file: File,
    prefix: &'a mut Vec<u8>,
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        let room = RECORDED_PREFIX.saturating_sub(self.prefix.len());
        self.prefix.extend_from_slice(&buf[..n.min(room)]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// An upload received into a file, which is removed when this is dropped
/// (unless [`Staged::move_to`] moved it away).
#[derive(Debug)]
pub(crate) struct Staged {
    path: PathBuf,
    pub len: u64,
    /// It came with chunked framing.
    pub chunked: bool,
    /// Its first [`RECORDED_PREFIX`] bytes.
    pub prefix: Vec<u8>,
}

impl Staged {
    /// Makes the upload the whole content at `to` (replacing what is there).
    pub(crate) fn move_to(&self, to: &Path) -> io::Result<()> {
        fs::rename(&self.path, to)
    }

    /// Writes the upload into the file at `to` from `offset`, keeping what
    /// lies beyond it.
    pub(crate) fn write_into(&self, to: &Path, offset: u64) -> io::Result<()> {
        let mut from = File::open(&self.path)?;
        let mut out = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(to)?;
        out.seek(SeekFrom::Start(offset))?;
        io::copy(&mut from, &mut out)?;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // Gone already when it was moved into place.
        let _ = fs::remove_file(&self.path);
    }
}
