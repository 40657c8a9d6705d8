//! The catalogue model: a service's operations and schemas across its
//! releases, as `'static` tables. The built-in catalogues are generated
//! into static items by `build.rs`; a spec given at run time is loaded into
//! the same types (`load`).

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
    /// A named schema, by its index in [`Service::schemas`]; which shape it
    /// has depends on the release (`Catalogue::resolve`).
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

/// A polymorphic object: the value of `field` selects the variant schema
/// (an index in [`Service::schemas`]).
#[derive(Debug)]
pub struct Discriminator {
    pub field: &'static str,
    pub variants: &'static [(&'static str, u16)],
}

/// The releases that have something: indexes into [`Service::releases`],
/// both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub since: u8,
    pub until: u8,
}

impl Span {
    pub fn contains(self, release: u8) -> bool {
        (self.since..=self.until).contains(&release)
    }
}

/// A named schema, with one shape per span of releases.
#[derive(Debug)]
pub struct NamedSchema {
    pub name: &'static str,
    pub versions: &'static [SchemaVersion],
}

#[derive(Debug)]
pub struct SchemaVersion {
    pub span: Span,
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
    /// The releases that have this operation in this shape.
    pub span: Span,
    /// The name a later release gives this operation (same method and path).
    pub renamed_to: Option<&'static str>,
}

/// One REST service (Onezone, …) across the releases its catalogue holds.
#[derive(Debug)]
pub struct Service {
    /// The last segment of the base path: `onezone`.
    pub name: &'static str,
    /// As people write it: `Onezone`.
    pub title: &'static str,
    /// The path prefix of every operation.
    pub base_path: &'static str,
    /// Oldest first; [`Span`]s index this.
    pub releases: &'static [&'static str],
    /// In display order.
    pub tags: &'static [&'static str],
    pub operations: &'static [Operation],
    pub schemas: &'static [NamedSchema],
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

    /// The successful responses (2xx and 3xx).
    pub fn success_responses(&'static self) -> impl Iterator<Item = &'static Response> {
        self.responses
            .iter()
            .filter(|r| (200..400).contains(&r.code))
    }
}
