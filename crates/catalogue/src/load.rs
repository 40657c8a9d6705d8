//! A catalogue file read at run time (a spec given with `--api-spec`,
//! compiled by `generate`, or its cached form) turned into the same model
//! as the built-in tables (see `owned`).

use crate::model::{Service, ServiceData, FORMAT};
use crate::owned::Owned;

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
