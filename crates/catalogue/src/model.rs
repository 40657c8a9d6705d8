//! The catalogue model: a service's operations and schemas across its
//! releases. Each type is declared once, below: the `'static` model the
//! tools read (`Operation`), and its owned twin (`OperationData`) that the
//! committed file (`api/<service>.json`), a compiled `--api-spec` and the
//! generator hold. `build.rs` turns the file into static items; `load`
//! does the same at run time (see `owned`).
//!
//! The file is strict: an unknown field is an error, and [`FORMAT`] must
//! match. One file holds every release of one service; operations and
//! named schemas say which releases have them (`span`), and one that
//! changed between releases appears once per shape.

use crate::binary::{Binary, Reader};
use crate::owned::{at, catalogue_types, leak_str, Context, Owned};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The file format version; bump it when the shape of the file changes.
/// 4: one declaration per type (spans as objects, schemas as a list,
/// read-only on fields). 5: `aliases`.
pub const FORMAT: u32 = 5;

fn is_false(b: &bool) -> bool {
    !*b
}

catalogue_types! {
    /// One REST service (Onezone, …) across the releases its catalogue holds.
    Service / ServiceData {
        /// The file format ([`FORMAT`]).
        format: u32,
        /// The last segment of the base path: `onezone`.
        #[serde(rename = "service")]
        name: String,
        /// As people write it: `Onezone`.
        title: String,
        /// The path prefix of every operation.
        base_path: String,
        /// Oldest first; [`Span`]s index this.
        releases: Vec<String>,
        /// The credentials the API takes.
        auth: Vec<AuthData>,
        /// In display order.
        tags: Vec<String>,
        operations: Vec<OperationData>,
        /// Sorted by name; `Schema::Ref` indexes this.
        schemas: Vec<NamedSchemaData>,
        /// Other names of operations that people use: the documentation's
        /// examples and earlier releases; sorted by alias (see `alias`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        aliases: Vec<AliasData>,
    }

    /// A name that is not an operation's but stands for one.
    Alias / AliasData {
        /// The other name: `listUsers`.
        alias: String,
        /// The operation it stands for: `ozUsersList`.
        name: String,
        /// Where it comes from: `example` (the documentation's example
        /// invocation) or `release:<version>` (an earlier release's name).
        source: String,
    }

    /// A credential the API takes.
    Auth / AuthData {
        #[serde(rename = "type")]
        kind: AuthKind,
        /// The header's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    }

    Operation / OperationData {
        name: String,
        /// The spec's operationId (snake_case).
        operation_id: String,
        /// The releases that have this operation in this shape.
        #[serde(default, skip_serializing_if = "SpanData::is_all")]
        span: SpanData,
        /// The name a later release gives this operation (same method and path).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        renamed_to: Option<String>,
        /// The first release with an operation of this name, where that is
        /// not the file's first (whatever its shape then).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        introduced: Option<String>,
        summary: String,
        tag: String,
        method: String,
        path: String,
        params: Vec<ParamData>,
        body: Option<BodyData>,
        consumes: Vec<String>,
        produces: Vec<String>,
        responses: Vec<ResponseData>,
        deprecated: Option<DeprecationData>,
        privileges: Vec<String>,
        /// Other paths the same name reaches (the duplicated operationId).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        path_variants: Vec<PathVariantData>,
    }

    Param / ParamData {
        name: String,
        #[serde(rename = "in")]
        location: ParamIn,
        required: bool,
        schema: SchemaData,
    }

    Body / BodyData {
        required: bool,
        schema: SchemaData,
    }

    Response / ResponseData {
        code: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        schema: Option<SchemaData>,
        /// The answer carries a `Location` header (the new resource's URI).
        #[serde(default, skip_serializing_if = "is_false")]
        location: bool,
    }

    /// Another path the same operation name reaches when exactly these path
    /// parameters are given (the old client's duplicated operationId).
    PathVariant / PathVariantData {
        path: String,
        params: Vec<ParamData>,
    }

    Deprecation / DeprecationData {
        /// Operation names to use instead, where the spec names them.
        replacements: Vec<String>,
    }

    /// A named schema, with one shape per span of releases.
    NamedSchema / NamedSchemaData {
        name: String,
        versions: Vec<SchemaVersionData>,
    }

    SchemaVersion / SchemaVersionData {
        #[serde(default, skip_serializing_if = "SpanData::is_all")]
        span: SpanData,
        schema: SchemaData,
    }

    ObjectSchema / ObjectData {
        #[serde(default)]
        fields: Vec<FieldData>,
        /// The schema of fields not declared in `fields`; `None` means the
        /// object is closed and other fields are an error.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        additional: Option<Box<SchemaData>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        discriminator: Option<DiscriminatorData>,
    }

    Field / FieldData {
        name: String,
        required: bool,
        /// Set by the server; a request should not carry it.
        #[serde(default, skip_serializing_if = "is_false")]
        read_only: bool,
        schema: SchemaData,
    }

    /// A polymorphic object: the value of `field` selects the variant schema.
    Discriminator / DiscriminatorData {
        field: String,
        /// Each value with the named schema it selects.
        variants: Vec<VariantData>,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamIn {
    Path,
    Query,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    /// HTTP basic authentication.
    Basic,
    /// A token in a header.
    Header,
}

macro_rules! plain_enum {
    ($($t:ident { $($v:ident = $n:literal),* }),*) => {$(
        impl Binary for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                out.push(match self { $($t::$v => $n),* });
            }
            fn decode(r: &mut Reader) -> Result<Self, String> {
                match r.byte()? {
                    $($n => Ok($t::$v),)*
                    b => Err(format!("{b} is not a {}", stringify!($t))),
                }
            }
        }

        impl Owned for $t {
            type Static = $t;
            fn load(&self, _: &Context) -> Result<$t, String> {
                Ok(*self)
            }
            fn emit(&self, _: &Context, out: &mut String) -> Result<(), String> {
                let _ = write!(out, concat!(stringify!($t), "::{:?}"), self);
                Ok(())
            }
        }
    )*};
}
plain_enum!(ParamIn { Path = 0, Query = 1 }, AuthKind { Basic = 0, Header = 1 });

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

impl Binary for Span {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.since, self.until]);
    }
    fn decode(r: &mut Reader) -> Result<Self, String> {
        Ok(Span {
            since: r.byte()?,
            until: r.byte()?,
        })
    }
}

/// A [`Span`] in the file: release numbers; an absent end is the file's
/// first or newest release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpanData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

impl SpanData {
    /// Every release of the file.
    pub fn is_all(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }
}

impl Owned for SpanData {
    type Static = Span;
    fn load(&self, cx: &Context) -> Result<Span, String> {
        let since = match &self.since {
            Some(r) => cx.release(r)?,
            None => 0,
        };
        let until = match &self.until {
            Some(r) => cx.release(r)?,
            None => cx.newest()?,
        };
        Ok(Span { since, until })
    }
    fn emit(&self, cx: &Context, out: &mut String) -> Result<(), String> {
        let s = self.load(cx)?;
        let _ = write!(out, "Span {{ since: {}, until: {} }}", s.since, s.until);
        Ok(())
    }
}

/// A discriminator's value and the named schema it selects; in the model
/// `(value, index)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantData {
    pub value: String,
    #[serde(rename = "ref")]
    pub reference: String,
}

impl Owned for VariantData {
    type Static = (&'static str, u16);
    fn load(&self, cx: &Context) -> Result<Self::Static, String> {
        Ok((leak_str(&self.value), cx.schema(&self.reference)?))
    }
    fn emit(&self, cx: &Context, out: &mut String) -> Result<(), String> {
        let _ = write!(out, "({:?}, {})", self.value, cx.schema(&self.reference)?);
        Ok(())
    }
}

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

impl Binary for Schema {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Schema::Any => out.push(0),
            Schema::String { enum_values } => {
                out.push(1);
                enum_values.encode(out);
            }
            Schema::Integer => out.push(2),
            Schema::Number => out.push(3),
            Schema::Boolean => out.push(4),
            Schema::Binary => out.push(5),
            Schema::Array { items, min_items } => {
                out.push(6);
                items.encode(out);
                min_items.encode(out);
            }
            Schema::Object(o) => {
                out.push(7);
                o.encode(out);
            }
            Schema::AnyOf(list) => {
                out.push(8);
                list.encode(out);
            }
            Schema::Ref(i) => {
                out.push(9);
                i.encode(out);
            }
        }
    }

    fn decode(r: &mut Reader) -> Result<Self, String> {
        r.nested(|r| {
            Ok(match r.byte()? {
                0 => Schema::Any,
                1 => Schema::String {
                    enum_values: Binary::decode(r)?,
                },
                2 => Schema::Integer,
                3 => Schema::Number,
                4 => Schema::Boolean,
                5 => Schema::Binary,
                6 => Schema::Array {
                    items: Binary::decode(r)?,
                    min_items: Binary::decode(r)?,
                },
                7 => Schema::Object(Binary::decode(r)?),
                8 => Schema::AnyOf(Binary::decode(r)?),
                9 => Schema::Ref(Binary::decode(r)?),
                b => return Err(format!("{b} is not a schema tag")),
            })
        })
    }
}

/// A [`Schema`] in the file: exactly one of `ref`, `anyOf` and `type`;
/// an object's fields are under `object` (without it: any fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SchemaData {
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<SchemaData>>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<Type>,
    /// The spec's `format` (`int64`, `date-time`, …): kept, not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Allowed values of a string.
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<SchemaData>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u32>,
    /// The fields of an object, with `additional` and `discriminator`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectData>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Type {
    Any,
    String,
    Integer,
    Number,
    Boolean,
    Binary,
    Array,
    Object,
}

impl SchemaData {
    /// The checks that the keys fit together, with the type they give.
    fn checked_type(&self) -> Result<Option<Type>, String> {
        let set = [
            self.reference.is_some(),
            self.any_of.is_some(),
            self.ty.is_some(),
        ];
        if set.iter().filter(|b| **b).count() != 1 {
            return Err("a schema needs exactly one of \"ref\", \"anyOf\" and \"type\"".into());
        }
        if self.any_of.as_ref().is_some_and(Vec::is_empty) {
            return Err("an \"anyOf\" without alternatives".into());
        }
        let Some(ty) = self.ty else { return Ok(None) };
        if self.enum_values.is_some() && ty != Type::String {
            return Err(format!("an \"enum\" on a {ty:?} schema"));
        }
        if self.object.is_some() && ty != Type::Object {
            return Err(format!("\"object\" on a {ty:?} schema"));
        }
        if (self.items.is_some() || self.min_items.is_some()) && ty != Type::Array {
            return Err(format!("array keys on a {ty:?} schema"));
        }
        Ok(Some(ty))
    }
}

impl Owned for SchemaData {
    type Static = Schema;
    fn load(&self, cx: &Context) -> Result<Schema, String> {
        let Some(ty) = self.checked_type()? else {
            if let Some(r) = &self.reference {
                return Ok(Schema::Ref(cx.schema(r)?));
            }
            return Ok(Schema::AnyOf(match &self.any_of {
                Some(list) => list.load(cx)?,
                None => &[],
            }));
        };
        Ok(match ty {
            Type::Any => Schema::Any,
            Type::String => Schema::String {
                enum_values: match &self.enum_values {
                    Some(values) => values.load(cx)?,
                    None => &[],
                },
            },
            Type::Integer => Schema::Integer,
            Type::Number => Schema::Number,
            Type::Boolean => Schema::Boolean,
            Type::Binary => Schema::Binary,
            Type::Array => Schema::Array {
                items: match &self.items {
                    Some(i) => i.load(cx).map_err(|e| at(".items", e))?,
                    None => &Schema::Any,
                },
                min_items: self.min_items,
            },
            Type::Object => Schema::Object(match &self.object {
                Some(o) => o.load(cx)?,
                None => ObjectData::default().load(cx)?,
            }),
        })
    }

    fn emit(&self, cx: &Context, out: &mut String) -> Result<(), String> {
        let Some(ty) = self.checked_type()? else {
            if let Some(r) = &self.reference {
                let _ = write!(out, "Schema::Ref({})", cx.schema(r)?);
                return Ok(());
            }
            out.push_str("Schema::AnyOf(");
            match &self.any_of {
                Some(list) => list.emit(cx, out)?,
                None => out.push_str("&[]"),
            }
            out.push(')');
            return Ok(());
        };
        match ty {
            Type::Any => out.push_str("Schema::Any"),
            Type::String => {
                out.push_str("Schema::String { enum_values: ");
                match &self.enum_values {
                    Some(values) => values.emit(cx, out)?,
                    None => out.push_str("&[]"),
                }
                out.push_str(" }");
            }
            Type::Integer => out.push_str("Schema::Integer"),
            Type::Number => out.push_str("Schema::Number"),
            Type::Boolean => out.push_str("Schema::Boolean"),
            Type::Binary => out.push_str("Schema::Binary"),
            Type::Array => {
                out.push_str("Schema::Array { items: ");
                match &self.items {
                    Some(i) => i.emit(cx, out).map_err(|e| at(".items", e))?,
                    None => out.push_str("&Schema::Any"),
                }
                let _ = write!(out, ", min_items: {:?} }}", self.min_items);
            }
            Type::Object => {
                out.push_str("Schema::Object(");
                match &self.object {
                    Some(o) => o.emit(cx, out)?,
                    None => ObjectData::default().emit(cx, out)?,
                }
                out.push(')');
            }
        }
        Ok(())
    }
}

impl Default for ObjectData {
    /// An object that takes any fields.
    fn default() -> ObjectData {
        ObjectData {
            fields: Vec::new(),
            additional: Some(Box::new(SchemaData {
                ty: Some(Type::Any),
                ..SchemaData::default()
            })),
            discriminator: None,
        }
    }
}

impl ServiceData {
    /// What loading and emitting this file need.
    pub fn context(&self) -> Context<'_> {
        Context {
            releases: &self.releases,
            schemas: self
                .schemas
                .iter()
                .enumerate()
                .filter_map(|(i, s)| Some((s.name.as_str(), u16::try_from(i).ok()?)))
                .collect(),
        }
    }

    /// The committed text: pretty JSON with a final newline.
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
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

    /// The successful responses (2xx and 3xx).
    pub fn success_responses(&'static self) -> impl Iterator<Item = &'static Response> {
        self.responses
            .iter()
            .filter(|r| (200..400).contains(&r.code))
    }
}
