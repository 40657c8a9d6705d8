//! `--api-spec FILE`: a Swagger 2.0 spec (JSON or YAML) given at run time,
//! for a release this tool was not built with (Onedata 25.x).
//!
//! It goes through the same generator as the built-in catalogues
//! (`onedata_catalogue::generate`) into the same model, so operations,
//! validation, help, `--dry-run` and completion work as with a built-in
//! release.
//!
//! The compiled catalogue is cached in its binary form
//! (`onedata_catalogue::load::encode`, followed by the SHA-256 of those
//! bytes, checked on every read) as `specs/<hash>.bin` in the cache
//! directory, where the hash is the SHA-256 of the spec's bytes and of this
//! program's version (a newer generator compiles the spec anew). A small
//! stamp per spec path (`specs/<hash of the path>.stamp`) records this
//! program's version and the file's identity when it was read (device,
//! inode, size, modification and change times) with its content hash: while
//! both are unchanged, the second start neither reads nor hashes the spec,
//! and reads only the binary catalogue, straight into the model. Any stamp
//! or catalogue that does not fit is ignored and written anew.
//!
//! The spec must be of this command's service (its base path): a
//! Oneprovider spec given to `onezone-rest-cli` is refused.
//!
//! Every failure is exit 3 with one line that names the file and the place:
//! a line and column for a file that does not parse, the path into the
//! document (`paths["/spaces"].post.parameters[0]`) for one the generator
//! cannot use.

use crate::cache;
use crate::cli::Globals;
use crate::exit::{self, Failure};
use onedata_catalogue::model::ServiceData;
use onedata_catalogue::{generate, load, Service};
use std::path::{Path, PathBuf};

/// A spec larger than this is refused: the largest Onedata spec is 1.4 MB.
/// (What a file may build is bounded too: `document::BUDGET`.)
pub const SPEC_LIMIT: u64 = 16 << 20;

/// The compiled form is smaller than the spec.
const COMPILED_LIMIT: u64 = SPEC_LIMIT;

fn failure(path: &Path, msg: impl std::fmt::Display) -> Failure {
    Failure::new(
        exit::CONFIG,
        format!("the API spec {}: {msg}", path.display()),
    )
}

/// The service the spec at `path` describes.
pub fn load(path: &Path, g: &Globals) -> Result<&'static Service, Failure> {
    let meta = spec_metadata(path)?;
    let dir = cache::dir().map(|d| d.join("specs"));
    let stamp = dir.as_ref().and_then(|d| stamp_path(d, path));
    if let (Some(dir), Some(stamp)) = (&dir, &stamp) {
        if let Some(hash) = read_stamp(stamp, &meta) {
            if let Some(service) = load_compiled(&dir.join(format!("{hash}.bin"))) {
                return same_service(path, service);
            }
        }
    }
    let bytes = read_spec(path)?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(env!("CARGO_PKG_VERSION").as_bytes());
    ctx.update(&[0]);
    ctx.update(&bytes);
    let hash = hex(ctx.finish().as_ref());
    let compiled = dir.as_ref().map(|d| d.join(format!("{hash}.bin")));
    let service = match compiled.as_deref().and_then(load_compiled) {
        Some(service) => same_service(path, service)?,
        None => {
            let file = compile(path, &bytes)?;
            let service = same_service(path, load::service(&file).map_err(|e| failure(path, e))?)?;
            if let Some(p) = &compiled {
                if let Err(e) = cache::write(p, &sealed(load::encode(service))) {
                    super::note(
                        g,
                        &format!("cannot cache the compiled spec in {}: {e}", p.display()),
                    );
                }
            }
            service
        }
    };
    if let Some(stamp) = stamp {
        // A stamp that cannot be written costs the next start a read.
        let _ = cache::write(&stamp, format!("{}\n{hash}\n", identity(&meta)).as_bytes());
    }
    Ok(service)
}

/// The stamp file of the spec at `path` (by its canonical path).
fn stamp_path(dir: &Path, path: &Path) -> Option<PathBuf> {
    let canonical = std::fs::canonicalize(path).ok()?;
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        canonical.to_string_lossy().as_bytes(),
    );
    Some(dir.join(format!("{}.stamp", hex(digest.as_ref()))))
}

/// What tells that a file is still the one this program read.
fn identity(meta: &std::fs::Metadata) -> String {
    let version = env!("CARGO_PKG_VERSION");
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        format!(
            "{version} {} {} {} {}.{} {}.{}",
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec()
        )
    }
    #[cfg(not(unix))]
    {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        format!("{version} {} {modified}", meta.len())
    }
}

/// The content hash a stamp records, if the file is still the one it saw.
fn read_stamp(stamp: &Path, meta: &std::fs::Metadata) -> Option<String> {
    let bytes = cache::read(stamp, 4096)?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (seen, hash) = text.trim_end().split_once('\n')?;
    let hex_hash = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    (seen == identity(meta) && hex_hash).then(|| hash.to_owned())
}

/// The spec's service must be this command's: its operations are sent
/// below this command's base path.
fn same_service(path: &Path, service: &'static Service) -> Result<&'static Service, Failure> {
    let ours = super::service();
    if service.base_path.trim_end_matches('/') == ours.base_path {
        return Ok(service);
    }
    Err(failure(
        path,
        format!(
            "a spec of the API at {:?}, not {} (base path {})",
            service.base_path, ours.title, ours.base_path
        ),
    ))
}

/// The spec's metadata; an error unless it is a regular file within
/// [`SPEC_LIMIT`].
fn spec_metadata(path: &Path) -> Result<std::fs::Metadata, Failure> {
    let meta = std::fs::metadata(path).map_err(|e| failure(path, e))?;
    if !meta.is_file() {
        return Err(failure(path, "not a regular file"));
    }
    if meta.len() > SPEC_LIMIT {
        return Err(failure(
            path,
            format!(
                "{} bytes; specs of up to {} MiB are read",
                meta.len(),
                SPEC_LIMIT >> 20
            ),
        ));
    }
    Ok(meta)
}

fn read_spec(path: &Path) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(SPEC_LIMIT + 1).read_to_end(&mut bytes))
        .map_err(|e| failure(path, e))?;
    if bytes.len() as u64 > SPEC_LIMIT {
        return Err(failure(
            path,
            "it grew past the size limit while it was read",
        ));
    }
    Ok(bytes)
}

/// The bytes followed by their SHA-256.
fn sealed(mut bytes: Vec<u8>) -> Vec<u8> {
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
    bytes.extend_from_slice(digest.as_ref());
    bytes
}

/// The cached compiled catalogue; `None` (so it is compiled again) when it
/// is missing, of another format, or damaged (its SHA-256 does not match).
fn load_compiled(path: &Path) -> Option<&'static Service> {
    let bytes = cache::read(path, COMPILED_LIMIT)?;
    let (body, seal) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    if digest.as_ref() != seal {
        return None;
    }
    load::decode(body).ok()
}

/// Parses the spec (JSON, or YAML where it is not JSON) and generates its
/// catalogue.
fn compile(path: &Path, bytes: &[u8]) -> Result<ServiceData, Failure> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        failure(
            path,
            format!("not UTF-8 text (byte {})", e.valid_up_to() + 1),
        )
    })?;
    let yaml_name = path
        .extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| x.eq_ignore_ascii_case("yaml") || x.eq_ignore_ascii_case("yml"));
    let json_like = text.trim_start().starts_with('{');
    let doc: serde_json::Value = if json_like && !yaml_name {
        super::document::json(text).map_err(|e| {
            failure(
                path,
                format!(
                    "line {}, column {}: not JSON: {}",
                    e.line(),
                    e.column(),
                    strip_position(&e.to_string())
                ),
            )
        })?
    } else {
        check_yaml_nesting(text).map_err(|e| failure(path, e))?;
        super::document::yaml(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("line {}, column {}: ", l.line(), l.column()))
                .unwrap_or_default();
            failure(
                path,
                format!("{at}not YAML: {}", strip_position(&e.to_string())),
            )
        })?
    };
    generate::generate(&doc).map_err(|e| failure(path, e))
}

/// How deep a YAML spec may nest; real specs stay below 30.
const YAML_NESTING: usize = 128;
/// How far a YAML line may be indented.
const YAML_INDENT: usize = 1024;

/// Refuses YAML nested deeper than [`YAML_NESTING`] flow brackets or
/// indented past [`YAML_INDENT`] columns, before the parser sees it: the
/// parser takes time that grows with the square of such nesting (100,000
/// `[` take over a minute), and nothing deeper is a spec. The scan skips
/// quoted strings and comments; brackets in plain text may count, which
/// only matters past the limit.
fn check_yaml_nesting(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > YAML_INDENT {
            return Err(format!(
                "line {}: indented {indent} columns; specs nested that deep are not read",
                n + 1
            ));
        }
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') if !prev.is_alphanumeric() => quote = Some(c),
                (None, '#') if prev.is_whitespace() => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > YAML_NESTING {
                        return Err(format!(
                            "line {}: nested deeper than {YAML_NESTING} levels; specs nested that deep are not read",
                            n + 1
                        ));
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            prev = c;
        }
    }
    Ok(())
}

/// serde's messages end in ` at line L column C`, which is said first.
fn strip_position(msg: &str) -> &str {
    msg.find(" at line ").map_or(msg, |i| &msg[..i])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_yaml_is_refused_before_parsing() {
        assert!(check_yaml_nesting("a: [1, {b: [2]}]\nc: '[[[['\n# [[[[\n").is_ok());
        let deep = format!("x: {}", "[".repeat(YAML_NESTING + 1));
        assert!(check_yaml_nesting(&deep)
            .unwrap_err()
            .contains("nested deeper than 128"));
        let indented = format!("a:\n{}- b\n", " ".repeat(YAML_INDENT + 1));
        assert!(check_yaml_nesting(&indented)
            .unwrap_err()
            .starts_with("line 2:"));
    }
}
