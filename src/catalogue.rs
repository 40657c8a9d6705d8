//! The operation catalogue: every Onezone REST operation, as facts generated
//! from the API spec (`api/onezone-*.json`, see `cargo xtask catalogue`).
//!
//! `build.rs` turns the committed JSON into the static tables included below,
//! so looking up an operation costs no parsing at start-up. Everything that
//! knows about operations (the argument grammar, validation, help, man page,
//! completions and the fake Onezone) reads them from here.

/// A JSON schema as the catalogue models it.
#[derive(Debug)]
pub enum Schema {
    Any,
    String {
        enum_values: &'static [&'static str],
    },
    Integer,
    Number,
    Boolean,
    /// Raw bytes (a `file` parameter or response).
    Binary,
    Array {
        items: &'static Schema,
        min_items: Option<u32>,
    },
    Object(ObjectSchema),
    /// A value that matches any of these schemas (where the server takes
    /// more than the spec's one type: an integer or `"infinity"`).
    AnyOf(&'static [Schema]),
    /// A named schema, by its index in [`SCHEMAS`].
    Ref(u16),
}

#[derive(Debug)]
pub struct ObjectSchema {
    pub fields: &'static [Field],
    /// The schema of fields not declared in `fields`; `None` means the
    /// object is closed and other fields are an error.
    pub additional: Option<&'static Schema>,
    pub discriminator: Option<Discriminator>,
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    /// Set by the server; a request should not carry it.
    pub read_only: bool,
    pub schema: Schema,
}

/// A polymorphic object: the value of `field` selects the variant schema.
#[derive(Debug)]
pub struct Discriminator {
    pub field: &'static str,
    pub variants: &'static [(&'static str, u16)],
}

#[derive(Debug)]
pub struct NamedSchema {
    pub name: &'static str,
    pub schema: Schema,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
}

#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub location: ParamIn,
    pub required: bool,
    pub schema: Schema,
}

#[derive(Debug)]
pub struct Body {
    pub required: bool,
    pub schema: Schema,
}

#[derive(Debug)]
pub struct Response {
    pub code: u16,
    pub schema: Option<Schema>,
    /// The answer carries a `Location` header (the new resource's URI).
    pub location: bool,
}

/// Another path the same operation name reaches when exactly these path
/// parameters are given (the old client's duplicated operationId).
#[derive(Debug)]
pub struct PathVariant {
    pub path: &'static str,
    pub params: &'static [Param],
}

#[derive(Debug)]
pub struct Deprecation {
    /// Operation names to use instead, where the spec names them.
    pub replacements: &'static [&'static str],
}

#[derive(Debug)]
pub struct Operation {
    pub name: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub params: &'static [Param],
    pub body: Option<Body>,
    pub consumes: &'static [&'static str],
    pub produces: &'static [&'static str],
    pub responses: &'static [Response],
    pub deprecated: Option<Deprecation>,
    pub privileges: &'static [&'static str],
    pub path_variants: &'static [PathVariant],
}

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// The operation with this exact (camelCase) name.
pub fn find(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.name == name)
}

/// Resolves `Schema::Ref` chains to the schema they name.
pub fn resolve(schema: &'static Schema) -> &'static Schema {
    let mut s = schema;
    // A chain of refs is at most as long as the table; bound the walk so a
    // malformed catalogue cannot loop.
    for _ in 0..=SCHEMAS.len() {
        match s {
            Schema::Ref(i) => s = &SCHEMAS[usize::from(*i)].schema,
            _ => return s,
        }
    }
    s
}

/// The name of a `Schema::Ref`, for messages and help.
pub fn ref_name(schema: &Schema) -> Option<&'static str> {
    match schema {
        Schema::Ref(i) => Some(SCHEMAS[usize::from(*i)].name),
        _ => None,
    }
}

impl Schema {
    /// The item separator for a value of this schema: `==` (the text is
    /// sent as a JSON string) where only a string fits, `:=` (raw JSON)
    /// otherwise.
    pub fn separator(&'static self) -> &'static str {
        match resolve(self) {
            Schema::String { .. } => "==",
            _ => ":=",
        }
    }

    /// The allowed string values: a string's enum, or those of the string
    /// alternatives of an `AnyOf` (`"infinity"`).
    pub fn string_values(&'static self) -> Vec<&'static str> {
        match resolve(self) {
            Schema::String { enum_values } => enum_values.to_vec(),
            Schema::AnyOf(alternatives) => alternatives
                .iter()
                .flat_map(Schema::string_values)
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Field {
    /// `==` for a string field, `:=` for the others (see [`Schema::separator`]).
    pub fn separator(&'static self) -> &'static str {
        self.schema.separator()
    }
}

impl ObjectSchema {
    /// The declared fields, then those the discriminator's variants add
    /// (each name once).
    pub fn fields_with_variants(&'static self) -> Vec<&'static Field> {
        let mut fields: Vec<&'static Field> = self.fields.iter().collect();
        for (_, idx) in self.discriminator.iter().flat_map(|d| d.variants) {
            if let Schema::Object(v) = resolve(&SCHEMAS[usize::from(*idx)].schema) {
                for f in v.fields {
                    if !fields.iter().any(|g| g.name == f.name) {
                        fields.push(f);
                    }
                }
            }
        }
        fields
    }
}

impl Operation {
    /// The parameters of the main path, then those the path variants add
    /// (each name once: a name shared with the main path is its entry).
    pub fn all_params(&'static self) -> Vec<&'static Param> {
        let mut out: Vec<&'static Param> = Vec::with_capacity(self.params.len());
        for p in self
            .params
            .iter()
            .chain(self.path_variants.iter().flat_map(|v| v.params))
        {
            if !out.iter().any(|q| q.name == p.name) {
                out.push(p);
            }
        }
        out
    }

    /// The top-level object schema of the body, where the body is an object.
    pub fn body_object(&'static self) -> Option<&'static ObjectSchema> {
        match self.body.as_ref().map(|b| resolve(&b.schema)) {
            Some(Schema::Object(o)) => Some(o),
            _ => None,
        }
    }

    /// The successful responses (2xx and 3xx).
    pub fn success_responses(&'static self) -> impl Iterator<Item = &'static Response> {
        self.responses
            .iter()
            .filter(|r| (200..400).contains(&r.code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_api_is_present() {
        assert_eq!(OPERATIONS.len(), 392);
        let op = find("createSpaceSupportToken").expect("createSpaceSupportToken");
        assert_eq!(op.method, "POST");
        assert_eq!(op.path, "/spaces/{id}/providers/token");
        assert!(op.deprecated.is_some());
        assert_eq!(API_VERSION, "21.02.7");
        assert_eq!(BASE_PATH, "/api/v3/onezone");
    }

    #[test]
    fn names_are_unique_and_refs_resolve() {
        let mut names: Vec<_> = OPERATIONS.iter().map(|o| o.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OPERATIONS.len());
        for named in SCHEMAS {
            assert!(
                !matches!(resolve(&named.schema), Schema::Ref(_)),
                "{}",
                named.name
            );
        }
    }

    #[test]
    fn all_params_include_the_path_variants_once() {
        let op = find("updateGroupHandleServicePrivileges").unwrap();
        let names: Vec<&str> = op.all_params().iter().map(|p| p.name).collect();
        assert_eq!(names, ["id", "gid", "uid"]);
        let names: Vec<&str> = find("getSpace")
            .unwrap()
            .all_params()
            .iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["id"]);
    }

    #[test]
    fn separators_follow_the_type() {
        let op = find("createNamedTokenForCurrentUser").unwrap();
        let obj = op.body_object().unwrap();
        let sep = |name: &str| {
            obj.fields_with_variants()
                .into_iter()
                .find(|f| f.name == name)
                .unwrap()
                .separator()
        };
        assert_eq!(sep("name"), "==");
        assert_eq!(sep("caveats"), ":=");
        assert_eq!(sep("usageLimit"), ":=");
        let limit = &obj
            .fields
            .iter()
            .find(|f| f.name == "usageLimit")
            .unwrap()
            .schema;
        assert_eq!(limit.string_values(), ["infinity"]);
    }
}
