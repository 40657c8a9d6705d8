//! Every catalogue type exists twice: as the `'static` model the tools use
//! (`Operation`), and as the owned form the catalogue file holds
//! (`OperationData`, serde, strict). [`catalogue_types!`] declares both
//! from one list of fields, with the two ways from the owned form to the
//! model: [`Owned::load`] (at run time, for a spec given with
//! `--api-spec`: the parts are leaked, since a catalogue lives as long as
//! the process) and [`Owned::emit`] (in `build.rs`: Rust source for the
//! static tables); and the model's compact binary form for the cache of
//! compiled specs (`binary`). So adding a field to the catalogue is one
//! line in `model.rs` and the code in the generator that fills it.

use std::fmt::Write as _;

/// What loading and emitting need besides the value: the file's release
/// numbers (spans name them) and schema names (refs name them).
pub struct Context<'a> {
    pub releases: &'a [String],
    /// Each schema name with its index.
    pub schemas: std::collections::HashMap<&'a str, u16>,
}

impl Context<'_> {
    /// The index of a release of the file.
    pub fn release(&self, name: &str) -> Result<u8, String> {
        self.releases
            .iter()
            .position(|r| r == name)
            .and_then(|i| u8::try_from(i).ok())
            .ok_or_else(|| format!("release {name:?} is not in the catalogue's releases"))
    }

    /// The newest release's index.
    pub fn newest(&self) -> Result<u8, String> {
        u8::try_from(self.releases.len().saturating_sub(1))
            .map_err(|_| "more than 256 releases in one catalogue".to_owned())
    }

    /// The index of a named schema.
    pub fn schema(&self, name: &str) -> Result<u16, String> {
        self.schemas
            .get(name)
            .copied()
            .ok_or_else(|| format!("a ref to the unknown schema {name:?}"))
    }
}

/// The owned form of a model type.
pub trait Owned {
    type Static: 'static;
    /// The model value, its parts leaked; an error names the place
    /// (`.operations[3].body.schema: …`).
    fn load(&self, cx: &Context) -> Result<Self::Static, String>;
    /// Rust source for the model value, for a `static` item.
    fn emit(&self, cx: &Context, out: &mut String) -> Result<(), String>;
}

/// Prefixes an error with a step of its place: `.field`, `[3]`.
pub fn at(step: &str, e: String) -> String {
    if e.starts_with(['.', '[']) {
        format!("{step}{e}")
    } else {
        format!("{step}: {e}")
    }
}

pub fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

pub fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

impl Owned for String {
    type Static = &'static str;
    fn load(&self, _: &Context) -> Result<&'static str, String> {
        Ok(leak_str(self))
    }
    fn emit(&self, _: &Context, out: &mut String) -> Result<(), String> {
        // Debug quoting is a valid Rust string literal.
        let _ = write!(out, "{self:?}");
        Ok(())
    }
}

macro_rules! copied {
    ($($t:ty),*) => {$(
        impl Owned for $t {
            type Static = $t;
            fn load(&self, _: &Context) -> Result<$t, String> {
                Ok(*self)
            }
            fn emit(&self, _: &Context, out: &mut String) -> Result<(), String> {
                let _ = write!(out, "{self}");
                Ok(())
            }
        }
    )*};
}
copied!(bool, u8, u16, u32);

impl<T: Owned> Owned for Option<T> {
    type Static = Option<T::Static>;
    fn load(&self, cx: &Context) -> Result<Self::Static, String> {
        self.as_ref().map(|v| v.load(cx)).transpose()
    }
    fn emit(&self, cx: &Context, out: &mut String) -> Result<(), String> {
        match self {
            None => out.push_str("None"),
            Some(v) => {
                out.push_str("Some(");
                v.emit(cx, out)?;
                out.push(')');
            }
        }
        Ok(())
    }
}

impl<T: Owned> Owned for Vec<T> {
    type Static = &'static [T::Static];
    fn load(&self, cx: &Context) -> Result<Self::Static, String> {
        let mut list = Vec::with_capacity(self.len());
        for (i, v) in self.iter().enumerate() {
            list.push(v.load(cx).map_err(|e| at(&format!("[{i}]"), e))?);
        }
        Ok(leak(list))
    }
    fn emit(&self, cx: &Context, out: &mut String) -> Result<(), String> {
        out.push_str("&[");
        for (i, v) in self.iter().enumerate() {
            v.emit(cx, out).map_err(|e| at(&format!("[{i}]"), e))?;
            out.push_str(", ");
        }
        out.push(']');
        Ok(())
    }
}

impl<T: Owned> Owned for Box<T> {
    type Static = &'static T::Static;
    fn load(&self, cx: &Context) -> Result<Self::Static, String> {
        Ok(Box::leak(Box::new(self.as_ref().load(cx)?)))
    }
    fn emit(&self, cx: &Context, out: &mut String) -> Result<(), String> {
        out.push('&');
        self.as_ref().emit(cx, out)
    }
}

/// Declares catalogue types: for each, the model struct (`'static`
/// fields), its owned `…Data` twin for the file (serde, unknown fields
/// refused, camelCase), and the [`Owned`] impl between them. A field is
/// written with its owned type; the model's is `<T as Owned>::Static`.
/// `#[serde(…)]` attributes go to the owned struct only.
macro_rules! catalogue_types {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident / $owned:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $(#[serde($($sattr:tt)*)])*
                $field:ident : $ty:ty
            ),* $(,)?
        }
    )*) => {$(
        $(#[doc = $doc])*
        #[derive(Debug)]
        pub struct $name {
            $( $(#[doc = $fdoc])* pub $field: <$ty as Owned>::Static, )*
        }

        #[doc = concat!("[`", stringify!($name), "`] as the catalogue file holds it.")]
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        pub struct $owned {
            $( $(#[doc = $fdoc])* $(#[serde($($sattr)*)])* pub $field: $ty, )*
        }

        impl crate::binary::Binary for $name {
            fn encode(&self, out: &mut Vec<u8>) {
                $( crate::binary::Binary::encode(&self.$field, out); )*
            }
            fn decode(r: &mut crate::binary::Reader) -> Result<Self, String> {
                Ok($name { $( $field: crate::binary::Binary::decode(r)?, )* })
            }
        }

        impl Owned for $owned {
            type Static = $name;
            fn load(&self, cx: &Context) -> Result<$name, String> {
                Ok($name {
                    $( $field: self.$field.load(cx)
                        .map_err(|e| at(concat!(".", stringify!($field)), e))?, )*
                })
            }
            fn emit(&self, cx: &Context, out: &mut String) -> Result<(), String> {
                out.push_str(concat!(stringify!($name), " { "));
                $(
                    out.push_str(concat!(stringify!($field), ": "));
                    self.$field.emit(cx, out)
                        .map_err(|e| at(concat!(".", stringify!($field)), e))?;
                    out.push_str(", ");
                )*
                out.push('}');
                Ok(())
            }
        }
    )*};
}
pub(crate) use catalogue_types;
