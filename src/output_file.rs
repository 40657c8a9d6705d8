//! `--output-file FILE`: the answer goes into a new file beside FILE
//! (created exclusively, so no planted file or symlink is followed), which
//! takes FILE's name only once it is complete. [`check`] runs before the
//! request is sent, so a FILE that cannot be made refuses the call rather
//! than losing an answer (a created resource's id) after the fact.

use crate::exit::{self, Failure};
use std::io::Write;
use std::path::Path;
use tempfile::NamedTempFile;

/// A usage error (exit 2) when no file can be made where FILE goes.
pub fn check(path: &Path) -> Result<(), Failure> {
    if path.is_dir() {
        return Err(Failure::usage(format!(
            "--output-file {}: is a directory; give a file name",
            path.display()
        )));
    }
    create(path).map(drop)
}

/// The new file beside `path`, empty.
pub fn create(path: &Path) -> Result<NamedTempFile, Failure> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".download-");
    // As any new file: readable by others unless the umask says otherwise
    // (tempfile's own default is 0600).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder
        .tempfile_in(dir)
        .map_err(|e| failure(exit::USAGE, path, &e))
}

/// Flushes `file` to disk and gives it `path`'s name.
pub fn persist(file: NamedTempFile, path: &Path) -> Result<(), Failure> {
    file.as_file()
        .sync_all()
        .map_err(|e| failure(exit::BAD_RESPONSE, path, &e))?;
    file.persist(path)
        .map(drop)
        .map_err(|e| failure(exit::USAGE, path, &e.error))
}

/// `bytes` as the whole of `path`.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let mut file = create(path)?;
    file.write_all(bytes)
        .map_err(|e| failure(exit::BAD_RESPONSE, path, &e))?;
    persist(file, path)
}

/// A local failure with FILE: `code` 2 where it cannot be made, 1 where
/// writing it failed (a full disk).
pub fn failure(code: u8, path: &Path, e: &std::io::Error) -> Failure {
    Failure::new(
        code,
        format!(
            "--output-file {}: {}",
            path.display(),
            crate::request::io_reason(e)
        ),
    )
}
