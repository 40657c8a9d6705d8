//! A catalogue file read at run time (a spec given with `--api-spec`,
//! compiled by `generate`, or its cached form) turned into the same model
//! as the built-in tables.
//!
//! The model is `'static`; a loaded catalogue lives as long as the process
//! (a command-line call), so its parts are leaked once, which also makes
//! the second lookup of anything as cheap as with a built-in catalogue.

use crate::format::{self, File, Kind};
use crate::model::*;

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn leak_strs(list: &[String]) -> &'static [&'static str] {
    Box::leak(
        list.iter()
            .map(|s| leak_str(s))
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    )
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

/// Checks a catalogue file and turns it into a service; an error names the
/// place in the file (`operations[12].body.schema: …`).
pub fn service(file: &File) -> Result<&'static Service, String> {
    if file.format != format::FORMAT {
        return Err(format!(
            "catalogue format {} (this program reads {})",
            file.format,
            format::FORMAT
        ));
    }
    if file.releases.is_empty() {
        return Err("releases: none".into());
    }
    if file.schemas.len() > usize::from(u16::MAX) {
        return Err("schemas: more than 65535".into());
    }
    let l = Loader { file };
    let mut operations = Vec::with_capacity(file.operations.len());
    for (i, op) in file.operations.iter().enumerate() {
        operations.push(
            l.operation(op)
                .map_err(|e| format!("operations[{i}] ({}): {e}", op.name))?,
        );
    }
    let mut schemas = Vec::with_capacity(file.schemas.len());
    for (name, versions) in &file.schemas {
        let mut list = Vec::with_capacity(versions.len());
        for v in versions {
            list.push(SchemaVersion {
                span: l.span(&v.since, &v.until)?,
                schema: l
                    .schema(&v.schema)
                    .map_err(|e| format!("schemas.{name}: {e}"))?,
            });
        }
        schemas.push(NamedSchema {
            name: leak_str(name),
            versions: leak(list),
        });
    }
    Ok(Box::leak(Box::new(Service {
        name: leak_str(&file.service),
        title: leak_str(&file.title),
        base_path: leak_str(&file.base_path),
        releases: leak_strs(&file.releases),
        tags: leak_strs(&file.tags),
        operations: leak(operations),
        schemas: leak(schemas),
    })))
}

struct Loader<'a> {
    file: &'a File,
}

impl Loader<'_> {
    fn span(&self, since: &Option<String>, until: &Option<String>) -> Result<Span, String> {
        let (since, until) = self.file.span(since, until)?;
        Ok(Span { since, until })
    }

    fn index_of(&self, name: &str) -> Result<u16, String> {
        self.file
            .schemas
            .keys()
            .position(|n| n == name)
            .and_then(|i| u16::try_from(i).ok())
            .ok_or_else(|| format!("a ref to the unknown schema {name}"))
    }

    fn schema(&self, s: &format::Schema) -> Result<Schema, String> {
        Ok(match s.kind()? {
            Kind::Ref(r) => Schema::Ref(self.index_of(r)?),
            Kind::AnyOf(list) => {
                Schema::AnyOf(leak(list.iter().map(|a| self.schema(a)).collect::<Result<
                    Vec<_>,
                    _,
                >>(
                )?))
            }
            Kind::Any => Schema::Any,
            Kind::String(values) => Schema::String {
                enum_values: leak_strs(values),
            },
            Kind::Integer => Schema::Integer,
            Kind::Number => Schema::Number,
            Kind::Boolean => Schema::Boolean,
            Kind::Binary => Schema::Binary,
            Kind::Array { items, min_items } => Schema::Array {
                items: Box::leak(Box::new(match items {
                    Some(i) => self.schema(i)?,
                    None => Schema::Any,
                })),
                min_items,
            },
            Kind::Object {
                fields,
                additional,
                discriminator,
            } => {
                let mut list = Vec::with_capacity(fields.len());
                for f in fields {
                    list.push(Field {
                        name: leak_str(&f.name),
                        required: f.required,
                        read_only: f.schema.read_only,
                        schema: self
                            .schema(&f.schema)
                            .map_err(|e| format!("field {}: {e}", f.name))?,
                    });
                }
                let additional = match additional {
                    Some(a) => Some(&*Box::leak(Box::new(self.schema(a)?))),
                    None => None,
                };
                let discriminator = match discriminator {
                    Some(d) => Some(Discriminator {
                        field: leak_str(&d.field),
                        variants: leak(
                            d.variants
                                .iter()
                                .map(|v| Ok((leak_str(&v.value), self.index_of(&v.reference)?)))
                                .collect::<Result<Vec<_>, String>>()?,
                        ),
                    }),
                    None => None,
                };
                Schema::Object(ObjectSchema {
                    fields: leak(list),
                    additional,
                    discriminator,
                })
            }
        })
    }

    fn params(&self, list: &[format::Param]) -> Result<&'static [Param], String> {
        let mut out = Vec::with_capacity(list.len());
        for p in list {
            out.push(Param {
                name: leak_str(&p.name),
                location: match p.location {
                    format::ParamIn::Path => ParamIn::Path,
                    format::ParamIn::Query => ParamIn::Query,
                },
                required: p.required,
                schema: self
                    .schema(&p.schema)
                    .map_err(|e| format!("parameter {}: {e}", p.name))?,
            });
        }
        Ok(leak(out))
    }

    fn operation(&self, op: &format::Operation) -> Result<Operation, String> {
        let body = match &op.body {
            Some(b) => Some(Body {
                required: b.required,
                schema: self.schema(&b.schema).map_err(|e| format!("body: {e}"))?,
            }),
            None => None,
        };
        let mut responses = Vec::with_capacity(op.responses.len());
        for r in &op.responses {
            responses.push(Response {
                code: r.code,
                schema: match &r.schema {
                    Some(s) => Some(
                        self.schema(s)
                            .map_err(|e| format!("response {}: {e}", r.code))?,
                    ),
                    None => None,
                },
                location: r.location,
            });
        }
        let mut variants = Vec::with_capacity(op.path_variants.len());
        for v in &op.path_variants {
            variants.push(PathVariant {
                path: leak_str(&v.path),
                params: self.params(&v.params)?,
            });
        }
        Ok(Operation {
            name: leak_str(&op.name),
            summary: leak_str(&op.summary),
            tag: leak_str(&op.tag),
            method: leak_str(&op.method),
            path: leak_str(&op.path),
            params: self.params(&op.params)?,
            body,
            consumes: leak_strs(&op.consumes),
            produces: leak_strs(&op.produces),
            responses: leak(responses),
            deprecated: op.deprecated.as_ref().map(|d| Deprecation {
                replacements: leak_strs(&d.replacements),
            }),
            privileges: leak_strs(&op.privileges),
            path_variants: leak(variants),
            span: self.span(&op.since, &op.until)?,
            renamed_to: op.renamed_to.as_deref().map(leak_str),
        })
    }
}
