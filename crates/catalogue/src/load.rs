//! A catalogue read at run time turned into the same model as the
//! built-in tables: a catalogue file (a spec given with `--api-spec`,
//! compiled by `generate`; see `owned`), or the binary form a compiled spec
//! is cached in (see `binary`).

use crate::binary::{Binary, Reader};
use crate::model::{Service, ServiceData, FORMAT};
use crate::owned::Owned;

/// The start of the binary form: a name, then the format version.
const MAGIC: &[u8] = b"onedata-catalogue\0";

/// The binary form of a loaded service (see `decode`).
pub fn encode(service: &Service) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 << 10);
    out.extend_from_slice(MAGIC);
    FORMAT.encode(&mut out);
    service.encode(&mut out);
    out
}

/// The service in `bytes`, as [`encode`] wrote it; an error for anything
/// else (another format version, damaged or cut-short bytes).
pub fn decode(bytes: &[u8]) -> Result<&'static Service, String> {
    let rest = bytes.strip_prefix(MAGIC).ok_or("not a binary catalogue")?;
    let mut r = Reader::new(rest);
    let format = u32::decode(&mut r)?;
    if format != FORMAT {
        return Err(format!(
            "catalogue format {format} (this program reads {FORMAT})"
        ));
    }
    let service = Service::decode(&mut r)?;
    if !r.is_done() {
        return Err("bytes after the catalogue".into());
    }
    Ok(Box::leak(Box::new(service)))
}

/// Checks a catalogue file and turns it into a service; an error names the
/// place in the file (`operations[12].body.schema: …`).
pub fn service(file: &ServiceData) -> Result<&'static Service, String> {
    if file.format != FORMAT {
        return Err(format!(
            "catalogue format {} (this program reads {FORMAT})",
            file.format
        ));
    }
    if file.releases.is_empty() {
        return Err("releases: none".into());
    }
    if file.schemas.len() > usize::from(u16::MAX) {
        return Err("schemas: more than 65535".into());
    }
    let service = file
        .load(&file.context())
        .map_err(|e| e.trim_start_matches('.').to_owned())?;
    Ok(Box::leak(Box::new(service)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::ONEZONE;

    #[test]
    fn the_binary_form_round_trips_and_refuses_damage() {
        let bytes = encode(&ONEZONE);
        let back = decode(&bytes).unwrap();
        assert_eq!(format!("{back:?}"), format!("{ONEZONE:?}"));
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode(&bytes[1..]).is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode(&extra).is_err());
        // Any one byte changed: an error or another catalogue, never a panic.
        for i in (MAGIC.len()..bytes.len()).step_by(997) {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            let _ = decode(&b);
        }
    }
}
