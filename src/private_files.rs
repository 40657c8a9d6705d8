//! Files and directories that only the user may read: the config file and
//! the cache.

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
