//! Files and directories that only the user may read: the config file and
//! the cache, read and written the one careful way.
//!
//! Reads take only a regular file of at most a given size, opened without
//! following a symbolic link and without blocking (`O_NOFOLLOW |
//! O_NONBLOCK` on Unix), and checked on the opened file: a FIFO or a device
//! planted at the name can neither hang nor exhaust a call. Writes go to a
//! new file of a unique name beside the target, created exclusively (mode
//! 0600, never an existing file, so a planted file or symlink is not
//! written through), and renamed onto it, so a reader never sees half a
//! file.

use std::io::{Read, Write};
use std::path::Path;

/// Creates `dir` and its missing parents, private to the user (0700 on
/// Unix); an existing directory is left as it is.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Refuses a directory that another user could write into (group- or
/// world-writable, or not the user's own): whoever can write there can
/// replace the files in it. Says which, and the fix.
pub fn check_dir(dir: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let shown = dir.display();
        let meta = std::fs::metadata(dir).map_err(|e| format!("cannot look at {shown}: {e}"))?;
        // SAFETY: geteuid has no failure mode and no memory effects.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(format!(
                "{shown} belongs to another user (uid {}), who could change what is written \
                 there; use a directory of your own (XDG_CONFIG_HOME), or `chown {me} {shown}`",
                meta.uid()
            ));
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o022 != 0 {
            return Err(format!(
                "{shown} can be written by other users (mode {mode:03o}), who could replace \
                 what is written there; make it private with `chmod go-w {shown}`"
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The file's bytes: `Ok(None)` where there is no file, `Err` (why, to
/// follow the file's name) where it is not a regular file of at most
/// `limit` bytes, or cannot be read.
pub fn read(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, String> {
    let file = match open_for_reading(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(
                match std::fs::symlink_metadata(path).map(|m| m.file_type()) {
                    Ok(t) if t.is_symlink() => {
                        "is a symbolic link, which is not followed (make it a regular file)"
                            .to_owned()
                    }
                    _ => format!("cannot be read: {e}"),
                },
            )
        }
    };
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot be read: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "is {}, not a regular file",
            kind(&meta.file_type())
        ));
    }
    let too_big = || format!("is larger than {limit} bytes, the most read of such a file");
    if meta.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(Some(bytes))
}

/// Opens without following a symlink, and without blocking on a FIFO
/// that has no writer (the read that would follow is never made: the
/// opened file is checked first).
fn open_for_reading(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    o.open(path)
}

/// What a file that is not a regular one is, for messages.
pub fn kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// Writes `bytes` to `path` atomically, creating private directories as
/// needed: a new temporary file beside it (see the module's text), renamed
/// onto whatever is at `path` (the rename replaces a symlink there, never
/// writes through it).
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent directory"))?;
    create_dir(parent)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let (tmp, mut file) = create_temp(parent, name)?;
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// How many names [`create_temp`] tries before it gives up (each taken
/// one means a file planted at a name that holds the time in nanoseconds).
const TEMP_TRIES: u32 = 16;

/// A new file `.<name>.<pid>.<nanoseconds>.<try>.tmp` in `dir`, created
/// exclusively (`O_CREAT | O_EXCL`, so nothing at the name, not even a
/// dangling symlink, is opened), mode 0600.
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    let mut last = None;
    for n in 0..TEMP_TRIES {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tmp = dir.join(format!(".{name}.{}.{nanos}.{n}.tmp", std::process::id()));
        match new_private_file(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

/// Creates `path`, which must not exist, for writing, mode 0600.
fn new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)
}

/// Opens (creating it, mode 0600) the lock file at `path` for writing,
/// without following a symlink and without truncating it.
pub fn open_lock_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = o.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "{} is {}, not a regular file",
            path.display(),
            kind(&meta.file_type())
        )));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("ozprivate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        create_dir(&d).unwrap();
        d
    }

    #[cfg(unix)]
    #[test]
    fn a_taken_temporary_name_is_not_written_through() {
        let d = dir("taken");
        let target = d.join("victim");
        std::fs::write(&target, "keep").unwrap();
        let tmp = d.join("planted");
        std::os::unix::fs::symlink(&target, &tmp).unwrap();
        let e = new_private_file(&tmp).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists, "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn reads_refuse_what_is_not_a_small_regular_file() {
        let d = dir("read");
        let file = d.join("f");
        assert_eq!(read(&file, 10), Ok(None));
        write(&file, b"{}").unwrap();
        assert_eq!(read(&file, 10), Ok(Some(b"{}".to_vec())));
        assert!(read(&file, 1).unwrap_err().contains("larger than 1 bytes"));
        let link = d.join("link");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read(&link, 10).unwrap_err().contains("symbolic link"));
        assert!(read(Path::new("/dev/zero"), 10)
            .unwrap_err()
            .contains("a device"));
        assert!(read(&d, 10).unwrap_err().contains("a directory"));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("perms");
        assert_eq!(check_dir(&d), Ok(()));
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = check_dir(&d).unwrap_err();
        assert!(e.contains("mode 777") && e.contains("chmod go-w"), "{e}");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o720)).unwrap();
        assert!(check_dir(&d).is_err());
        let _ = std::fs::remove_dir_all(&d);
    }
}
