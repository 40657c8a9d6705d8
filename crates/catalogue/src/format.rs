//! The catalogue file format: what `cargo xtask catalogue` writes to
//! `api/<service>.json` and what an `--api-spec` compiles into (and caches).
//!
//! Typed, and strict: an unknown field is an error and [`FORMAT`] must
//! match, so a field that the generator writes and nothing reads (or the
//! reverse) fails loudly. `build.rs` includes this file to turn the
//! committed catalogues into static tables; `load` reads it at run time.
//!
//! One file holds every release of one service. Operations and named
//! schemas say which releases have them (`since`, `until`: absent means the
//! first and the newest release of the file); an operation or schema that
//! changed between releases appears once per shape.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The format version; bump it when the shape below changes.
/// 3: several releases per file (`releases`, `since`, `until`, schema versions).
pub const FORMAT: u32 = 3;

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct File {
    pub format: u32,
    /// The service's short name, the last segment of its base path
    /// (`onezone`).
    pub service: String,
    /// As people write it (`Onezone`).
    pub title: String,
    pub base_path: String,
    /// Oldest first.
    pub releases: Vec<String>,
    pub auth: Vec<Auth>,
    /// In display order.
    pub tags: Vec<String>,
    pub operations: Vec<Operation>,
    pub schemas: BTreeMap<String, Vec<SchemaVersion>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase", tag = "type")]
pub enum Auth {
    #[serde(rename = "basic")]
    Basic,
    #[serde(rename = "header")]
    Header { name: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SchemaVersion {
    /// The first release with this shape; absent: the file's first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The last release with this shape; absent: the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub schema: Schema,
}

/// A schema: exactly one of `ref`, `anyOf` or `type` is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Schema {
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<Schema>>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<Type>,
    /// The spec's `format` (`int64`, `date-time`, …): shown, not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Allowed values of a string.
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Schema>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<Field>>,
    /// The schema of undeclared fields; absent: the object is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional: Option<Box<Schema>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discriminator: Option<Discriminator>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    pub required: bool,
    pub schema: Schema,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discriminator {
    pub field: String,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub value: String,
    #[serde(rename = "ref")]
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Operation {
    pub name: String,
    pub operation_id: String,
    /// The first release with this shape; absent: the file's first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The last release with this shape; absent: the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Set on an operation that a later release has under another name,
    /// with the same method and path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_to: Option<String>,
    pub summary: String,
    pub tag: String,
    pub method: String,
    pub path: String,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub consumes: Vec<String>,
    pub produces: Vec<String>,
    pub responses: Vec<Response>,
    pub deprecated: Option<Deprecation>,
    pub privileges: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path_variants: Vec<PathVariant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamIn {
    Path,
    Query,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    #[serde(rename = "in")]
    pub location: ParamIn,
    pub required: bool,
    pub schema: Schema,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub required: bool,
    pub schema: Schema,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    pub code: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Schema>,
    /// The answer carries a `Location` header.
    #[serde(default, skip_serializing_if = "is_false")]
    pub location: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deprecation {
    pub replacements: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathVariant {
    pub path: String,
    pub params: Vec<Param>,
}

impl File {
    /// The index of a release of this file, for `since` and `until`.
    pub fn release_index(&self, release: &str) -> Option<u8> {
        self.releases
            .iter()
            .position(|r| r == release)
            .and_then(|i| u8::try_from(i).ok())
    }

    /// The inclusive range of release indexes from `since` to `until`
    /// (absent: the first and the newest); an error names a release the
    /// file does not list.
    pub fn span(&self, since: &Option<String>, until: &Option<String>) -> Result<(u8, u8), String> {
        let newest = u8::try_from(self.releases.len().saturating_sub(1))
            .map_err(|_| "more than 256 releases in one catalogue".to_owned())?;
        let index = |r: &Option<String>, default: u8| match r {
            None => Ok(default),
            Some(r) => self
                .release_index(r)
                .ok_or_else(|| format!("release {r} is not in the catalogue's releases")),
        };
        Ok((index(since, 0)?, index(until, newest)?))
    }
}

/// What a [`Schema`] is, once its fields are checked to fit together: the
/// one reading that `build.rs` and `load` both turn into the model.
#[derive(Debug)]
pub enum Kind<'a> {
    Ref(&'a str),
    AnyOf(&'a [Schema]),
    Any,
    String(&'a [String]),
    Integer,
    Number,
    Boolean,
    Binary,
    Array {
        /// Absent: any items.
        items: Option<&'a Schema>,
        min_items: Option<u32>,
    },
    Object {
        fields: &'a [Field],
        additional: Option<&'a Schema>,
        discriminator: Option<&'a Discriminator>,
    },
}

impl Schema {
    /// Classifies the schema; an error says which keys do not fit.
    pub fn kind(&self) -> Result<Kind<'_>, String> {
        let set = [
            self.reference.is_some(),
            self.any_of.is_some(),
            self.ty.is_some(),
        ];
        if set.iter().filter(|b| **b).count() != 1 {
            return Err("a schema needs exactly one of \"ref\", \"anyOf\" and \"type\"".into());
        }
        if let Some(r) = &self.reference {
            return Ok(Kind::Ref(r));
        }
        if let Some(list) = &self.any_of {
            if list.is_empty() {
                return Err("an \"anyOf\" without alternatives".into());
            }
            return Ok(Kind::AnyOf(list));
        }
        let ty = self.ty.unwrap_or(Type::Any);
        if self.enum_values.is_some() && ty != Type::String {
            return Err(format!("an \"enum\" on a {ty:?} schema"));
        }
        let object_keys =
            self.fields.is_some() || self.additional.is_some() || self.discriminator.is_some();
        if object_keys && ty != Type::Object {
            return Err(format!("object keys on a {ty:?} schema"));
        }
        if (self.items.is_some() || self.min_items.is_some()) && ty != Type::Array {
            return Err(format!("array keys on a {ty:?} schema"));
        }
        Ok(match ty {
            Type::Any => Kind::Any,
            Type::String => Kind::String(self.enum_values.as_deref().unwrap_or(&[])),
            Type::Integer => Kind::Integer,
            Type::Number => Kind::Number,
            Type::Boolean => Kind::Boolean,
            Type::Binary => Kind::Binary,
            Type::Array => Kind::Array {
                items: self.items.as_deref(),
                min_items: self.min_items,
            },
            Type::Object => Kind::Object {
                fields: self.fields.as_deref().unwrap_or(&[]),
                additional: self.additional.as_deref(),
                discriminator: self.discriminator.as_ref(),
            },
        })
    }
}
