//! Compiles the committed catalogues (`api/<service>.json`, one per
//! service, every release in it) into static Rust tables
//! (`$OUT_DIR/builtin.rs`, included by `src/lib.rs` as `builtin`), so the
//! binaries never parse JSON to find an operation.
//!
//! The files are read through the typed format of `src/format.rs`: an
//! unknown field or another format version stops the build.

#[path = "src/format.rs"]
#[allow(dead_code)]
mod format;

use format::{File, Kind, Schema};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    if std::env::var_os("CARGO_FEATURE_BUILTIN").is_none() {
        return;
    }
    println!("cargo:rerun-if-changed=api");
    println!("cargo:rerun-if-changed=src/format.rs");
    let mut files: Vec<PathBuf> = std::fs::read_dir("api")
        .unwrap_or_else(|e| panic!("read api/: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = String::new();
    let mut statics = Vec::new();
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let file = read(path);
        let name = file.service.to_uppercase();
        let _ = writeln!(
            out,
            "/// {}: releases {}.\npub static {name}: Service = {};",
            file.title,
            file.releases.join(", "),
            Gen::new(&file, path).service()
        );
        statics.push(format!("&{name}"));
    }
    if statics.is_empty() {
        panic!("no catalogue in api/");
    }
    let _ = writeln!(
        out,
        "/// Every built-in service.\npub static SERVICES: &[&Service] = &[{}];",
        statics.join(", ")
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("write {}: {e}", dest.display()));
}

fn read(path: &Path) -> File {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let file: File = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not a catalogue: {e}", path.display()));
    if file.format != format::FORMAT {
        panic!(
            "{} has format {}, this build reads {}: regenerate it with `cargo xtask catalogue`",
            path.display(),
            file.format,
            format::FORMAT
        );
    }
    file
}

struct Gen<'a> {
    file: &'a File,
    path: &'a Path,
}

fn strs(list: &[String]) -> String {
    let items: Vec<String> = list.iter().map(|x| format!("{x:?}")).collect();
    format!("&[{}]", items.join(", "))
}

impl<'a> Gen<'a> {
    fn new(file: &'a File, path: &'a Path) -> Self {
        Gen { file, path }
    }

    fn fail(&self, msg: &str) -> ! {
        panic!("{}: {msg}", self.path.display())
    }

    fn index_of(&self, name: &str) -> usize {
        self.file
            .schemas
            .keys()
            .position(|n| n == name)
            .unwrap_or_else(|| self.fail(&format!("a ref to the unknown schema {name}")))
    }

    fn span(&self, since: &Option<String>, until: &Option<String>) -> String {
        let (since, until) = self
            .file
            .span(since, until)
            .unwrap_or_else(|e| self.fail(&e));
        format!("Span {{ since: {since}, until: {until} }}")
    }

    fn schema(&self, v: &Schema) -> String {
        match v.kind().unwrap_or_else(|e| self.fail(&e)) {
            Kind::Ref(r) => format!("Schema::Ref({})", self.index_of(r)),
            Kind::AnyOf(list) => {
                let list: Vec<String> = list.iter().map(|a| self.schema(a)).collect();
                format!("Schema::AnyOf(&[{}])", list.join(", "))
            }
            Kind::Any => "Schema::Any".into(),
            Kind::String(values) => format!("Schema::String {{ enum_values: {} }}", strs(values)),
            Kind::Integer => "Schema::Integer".into(),
            Kind::Number => "Schema::Number".into(),
            Kind::Boolean => "Schema::Boolean".into(),
            Kind::Binary => "Schema::Binary".into(),
            Kind::Array { items, min_items } => format!(
                "Schema::Array {{ items: &{}, min_items: {min_items:?} }}",
                items.map_or_else(|| "Schema::Any".into(), |i| self.schema(i)),
            ),
            Kind::Object {
                fields,
                additional,
                discriminator,
            } => {
                let mut list = String::new();
                for f in fields {
                    let _ = write!(
                        list,
                        "Field {{ name: {:?}, required: {}, read_only: {}, schema: {} }}, ",
                        f.name,
                        f.required,
                        f.schema.read_only,
                        self.schema(&f.schema)
                    );
                }
                let additional = match additional {
                    Some(a) => format!("Some(&{})", self.schema(a)),
                    None => "None".into(),
                };
                let discriminator = match discriminator {
                    Some(d) => {
                        let variants: Vec<String> = d
                            .variants
                            .iter()
                            .map(|x| format!("({:?}, {})", x.value, self.index_of(&x.reference)))
                            .collect();
                        format!(
                            "Some(Discriminator {{ field: {:?}, variants: &[{}] }})",
                            d.field,
                            variants.join(", ")
                        )
                    }
                    None => "None".into(),
                };
                format!("Schema::Object(ObjectSchema {{ fields: &[{list}], additional: {additional}, discriminator: {discriminator} }})")
            }
        }
    }

    fn params(&self, list: &[format::Param]) -> String {
        let mut out = String::from("&[");
        for p in list {
            let location = match p.location {
                format::ParamIn::Path => "ParamIn::Path",
                format::ParamIn::Query => "ParamIn::Query",
            };
            let _ = write!(
                out,
                "Param {{ name: {:?}, location: {location}, required: {}, schema: {} }}, ",
                p.name,
                p.required,
                self.schema(&p.schema)
            );
        }
        out.push(']');
        out
    }

    fn operation(&self, op: &format::Operation) -> String {
        let body = match &op.body {
            Some(b) => format!(
                "Some(Body {{ required: {}, schema: {} }})",
                b.required,
                self.schema(&b.schema)
            ),
            None => "None".into(),
        };
        let mut responses = String::from("&[");
        for r in &op.responses {
            let schema = match &r.schema {
                Some(sc) => format!("Some({})", self.schema(sc)),
                None => "None".into(),
            };
            let _ = write!(
                responses,
                "Response {{ code: {}, schema: {schema}, location: {} }}, ",
                r.code, r.location
            );
        }
        responses.push(']');
        let deprecated = match &op.deprecated {
            Some(d) => format!(
                "Some(Deprecation {{ replacements: {} }})",
                strs(&d.replacements)
            ),
            None => "None".into(),
        };
        let mut variants = String::from("&[");
        for pv in &op.path_variants {
            let _ = write!(
                variants,
                "PathVariant {{ path: {:?}, params: {} }}, ",
                pv.path,
                self.params(&pv.params)
            );
        }
        variants.push(']');
        format!(
            "Operation {{ name: {:?}, summary: {:?}, tag: {:?}, method: {:?}, path: {:?}, \
             params: {}, body: {body}, consumes: {}, produces: {}, responses: {responses}, deprecated: {deprecated}, \
             privileges: {}, path_variants: {variants}, span: {}, renamed_to: {:?} }}",
            op.name,
            op.summary,
            op.tag,
            op.method,
            op.path,
            self.params(&op.params),
            strs(&op.consumes),
            strs(&op.produces),
            strs(&op.privileges),
            self.span(&op.since, &op.until),
            op.renamed_to,
        )
    }

    fn service(&self) -> String {
        let f = self.file;
        let mut ops = String::new();
        for op in &f.operations {
            let _ = writeln!(ops, "        {},", self.operation(op));
        }
        let mut schemas = String::new();
        for (name, versions) in &f.schemas {
            let list: Vec<String> = versions
                .iter()
                .map(|v| {
                    format!(
                        "SchemaVersion {{ span: {}, schema: {} }}",
                        self.span(&v.since, &v.until),
                        self.schema(&v.schema)
                    )
                })
                .collect();
            let _ = writeln!(
                schemas,
                "        NamedSchema {{ name: {name:?}, versions: &[{}] }},",
                list.join(", ")
            );
        }
        format!(
            "Service {{\n    name: {:?},\n    title: {:?},\n    base_path: {:?},\n    releases: {},\n    tags: {},\n    operations: &[\n{ops}    ],\n    schemas: &[\n{schemas}    ],\n}}",
            f.service,
            f.title,
            f.base_path,
            strs(&f.releases),
            strs(&f.tags),
        )
    }
}
