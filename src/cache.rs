//! The tool's cache directory: answers worth keeping between calls (which
//! release a host runs, compiled `--api-spec` files). Everything here may
//! be deleted at any time; a file that cannot be read or parsed is treated
//! as absent and written anew.
//!
//! Where: `$XDG_CACHE_HOME/onezone-rest-cli/` when `XDG_CACHE_HOME` is an
//! absolute path (on every platform), else the platform's cache directory
//! (`~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on
//! Windows). The directory is created private (0700).
//!
//! Reads accept only regular files, and at most a given size, so a FIFO or
//! a device planted there cannot hang or exhaust a call. Writes go to a
//! new file of a unique name (never an existing one, so a planted symlink
//! is not followed) and are renamed into place, so a reader never sees
//! half a file; two writers at once lose one write, never the file. Both
//! are `private_files`', shared with the config file.

use std::path::{Path, PathBuf};

/// The cache directory (not created).
pub fn dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    xdg.or_else(dirs::cache_dir)
        .map(|d| d.join(crate::personality::current().command))
}

/// The file's bytes, if it is a regular file of at most `limit` bytes
/// (`private_files::read`; anything else is absent).
pub fn read(path: &Path, limit: u64) -> Option<Vec<u8>> {
    crate::private_files::read(path, limit).ok().flatten()
}

/// Writes `bytes` to `path` atomically, creating private directories as
/// needed (`private_files::write`). Errors are for the caller to ignore or
/// report: a cache that cannot be written only costs the next call some
/// time.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::private_files::write(path, bytes)
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_atomically_and_reads_only_small_regular_files() {
        let dir = std::env::temp_dir().join(format!("ozcache-{}", std::process::id()));
        let path = dir.join("sub/x.json");
        write(&path, b"{}").unwrap();
        assert_eq!(read(&path, 10).as_deref(), Some(&b"{}"[..]));
        assert_eq!(read(&path, 1), None);
        assert_eq!(read(&dir, 10), None);
        write(&path, b"[1]").unwrap();
        assert_eq!(read(&path, 10).as_deref(), Some(&b"[1]"[..]));
        let leftovers = std::fs::read_dir(dir.join("sub")).unwrap().count();
        assert_eq!(leftovers, 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
