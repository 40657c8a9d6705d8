//! Compiles the committed operation catalogue (`api/onezone-*.json`) into
//! static Rust tables (`$OUT_DIR/catalogue.rs`, included by
//! `src/catalogue.rs`), so the binary never parses JSON to find an operation.
//! Where several catalogues are in `api/`, the newest version is used.

use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=api");
    let path = newest_catalogue(Path::new("api"));
    println!("cargo:rerun-if-changed={}", path.display());
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let cat: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let out = Gen::new(&cat).render();
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("catalogue.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("write {}: {e}", dest.display()));
}

fn newest_catalogue(dir: &Path) -> PathBuf {
    let mut found: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let stem = p
                .file_name()?
                .to_str()?
                .strip_prefix("onezone-")?
                .strip_suffix(".json")?
                .to_owned();
            let version = stem
                .split('.')
                .map(|n| n.parse().ok())
                .collect::<Option<Vec<u32>>>()?;
            Some((version, p))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, p)| p)
        .expect("no api/onezone-<version>.json catalogue")
}

struct Gen<'a> {
    cat: &'a Value,
    schema_names: Vec<&'a str>,
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn strs(v: &Value) -> String {
    let items: Vec<String> = arr(v).iter().map(|x| format!("{:?}", s(x))).collect();
    format!("&[{}]", items.join(", "))
}

impl<'a> Gen<'a> {
    fn new(cat: &'a Value) -> Self {
        let schema_names = cat["schemas"]
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        Gen { cat, schema_names }
    }

    fn index_of(&self, name: &str) -> usize {
        self.schema_names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("catalogue refers to unknown schema {name}"))
    }

    fn schema(&self, v: &Value) -> String {
        if let Some(r) = v.get("ref").and_then(Value::as_str) {
            return format!("Schema::Ref({})", self.index_of(r));
        }
        if let Some(alternatives) = v.get("anyOf") {
            let list: Vec<String> = arr(alternatives).iter().map(|a| self.schema(a)).collect();
            if list.is_empty() {
                panic!("an anyOf without alternatives in the catalogue");
            }
            return format!("Schema::AnyOf(&[{}])", list.join(", "));
        }
        let ty = s(&v["type"]);
        // Only strings carry their enum into the tables; an enum on another
        // type would be lost silently, so it stops the build instead.
        if ty != "string" && v.get("enum").is_some() {
            panic!("an enum on a {ty:?} schema in the catalogue is not supported: {v}");
        }
        match ty {
            "any" => "Schema::Any".into(),
            "string" => format!("Schema::String {{ enum_values: {} }}", strs(&v["enum"])),
            "integer" => "Schema::Integer".into(),
            "number" => "Schema::Number".into(),
            "boolean" => "Schema::Boolean".into(),
            "binary" => "Schema::Binary".into(),
            "array" => format!(
                "Schema::Array {{ items: &{}, min_items: {:?} }}",
                self.schema(&v["items"]),
                v.get("minItems").and_then(Value::as_u64).map(|n| n as u32)
            ),
            "object" => {
                let mut fields = String::new();
                for f in arr(&v["fields"]) {
                    let _ = write!(
                        fields,
                        "Field {{ name: {:?}, required: {}, read_only: {}, schema: {} }}, ",
                        s(&f["name"]),
                        f["required"].as_bool().unwrap_or(false),
                        f["schema"]["readOnly"].as_bool().unwrap_or(false),
                        self.schema(&f["schema"])
                    );
                }
                let additional = match v.get("additional") {
                    Some(a) => format!("Some(&{})", self.schema(a)),
                    None => "None".into(),
                };
                let discriminator = match v.get("discriminator") {
                    Some(d) => {
                        let variants: Vec<String> = arr(&d["variants"])
                            .iter()
                            .map(|x| {
                                format!("({:?}, {})", s(&x["value"]), self.index_of(s(&x["ref"])))
                            })
                            .collect();
                        format!(
                            "Some(Discriminator {{ field: {:?}, variants: &[{}] }})",
                            s(&d["field"]),
                            variants.join(", ")
                        )
                    }
                    None => "None".into(),
                };
                format!("Schema::Object(ObjectSchema {{ fields: &[{fields}], additional: {additional}, discriminator: {discriminator} }})")
            }
            other => panic!("unknown schema type {other:?} in the catalogue"),
        }
    }

    fn params(&self, v: &Value) -> String {
        let mut out = String::from("&[");
        for p in arr(v) {
            let location = if s(&p["in"]) == "query" {
                "ParamIn::Query"
            } else {
                "ParamIn::Path"
            };
            let _ = write!(
                out,
                "Param {{ name: {:?}, location: {location}, required: {}, schema: {} }}, ",
                s(&p["name"]),
                p["required"].as_bool().unwrap_or(false),
                self.schema(&p["schema"])
            );
        }
        out.push(']');
        out
    }

    fn operation(&self, op: &Value) -> String {
        let body = match op.get("body").filter(|b| !b.is_null()) {
            Some(b) => format!(
                "Some(Body {{ required: {}, schema: {} }})",
                b["required"].as_bool().unwrap_or(false),
                self.schema(&b["schema"])
            ),
            None => "None".into(),
        };
        let mut responses = String::from("&[");
        for r in arr(&op["responses"]) {
            let schema = match r.get("schema") {
                Some(sc) => format!("Some({})", self.schema(sc)),
                None => "None".into(),
            };
            let _ = write!(
                responses,
                "Response {{ code: {}, schema: {schema}, location: {} }}, ",
                r["code"].as_u64().unwrap_or(0),
                r.get("location").and_then(Value::as_bool).unwrap_or(false)
            );
        }
        responses.push(']');
        let deprecated = match op.get("deprecated").filter(|d| !d.is_null()) {
            Some(d) => format!(
                "Some(Deprecation {{ replacements: {} }})",
                strs(&d["replacements"])
            ),
            None => "None".into(),
        };
        let mut variants = String::from("&[");
        for pv in op.get("pathVariants").map(arr).unwrap_or(&[]) {
            let _ = write!(
                variants,
                "PathVariant {{ path: {:?}, params: {} }}, ",
                s(&pv["path"]),
                self.params(&pv["params"])
            );
        }
        variants.push(']');
        format!(
            "Operation {{ name: {:?}, summary: {:?}, tag: {:?}, method: {:?}, path: {:?}, \
             params: {}, body: {body}, consumes: {}, produces: {}, responses: {responses}, deprecated: {deprecated}, \
             privileges: {}, path_variants: {variants} }}",
            s(&op["name"]),
            s(&op["summary"]),
            s(&op["tag"]),
            s(&op["method"]),
            s(&op["path"]),
            self.params(&op["params"]),
            strs(&op["consumes"]),
            strs(&op["produces"]),
            strs(&op["privileges"]),
        )
    }

    fn render(&self) -> String {
        let c = self.cat;
        let mut out = String::new();
        let _ = writeln!(out, "/// The API version the catalogue was generated from.\npub const API_VERSION: &str = {:?};", s(&c["api"]["version"]));
        let _ = writeln!(
            out,
            "/// The path prefix of every operation.\npub const BASE_PATH: &str = {:?};",
            s(&c["api"]["basePath"])
        );
        let _ = writeln!(
            out,
            "/// Tags in display order.\npub static TAGS: &[&str] = {};",
            strs(&c["tags"])
        );
        let _ = writeln!(out, "/// Named schemas; `Schema::Ref` indexes this table.\npub static SCHEMAS: &[NamedSchema] = &[");
        if let Some(m) = c["schemas"].as_object() {
            for (name, sc) in m {
                let _ = writeln!(
                    out,
                    "    NamedSchema {{ name: {name:?}, schema: {} }},",
                    self.schema(sc)
                );
            }
        }
        out.push_str("];\n");
        let _ = writeln!(
            out,
            "/// Every operation, in the spec's order.\npub static OPERATIONS: &[Operation] = &["
        );
        for op in arr(&c["operations"]) {
            let _ = writeln!(out, "    {},", self.operation(op));
        }
        out.push_str("];\n");
        out
    }
}
