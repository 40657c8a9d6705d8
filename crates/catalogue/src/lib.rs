//! The Onedata REST operation catalogues: every operation of a service, as
//! facts generated from its Swagger specs, for every release we know.
//!
//! - [`model`]: the `'static` tables (operations, schemas, releases).
//! - [`Catalogue`]: one service at one release; everything that asks about
//!   operations (argument grammar, validation, help, man page, completion,
//!   the fake servers) asks a `Catalogue`.
//! - [`release`]: release numbers and matching a reported one.
//! - [`validate`]: checks a JSON value against a schema.
//! - [`generate`] and [`merge`]: a Swagger 2.0 spec into the owned form of
//!   the model ([`model::ServiceData`]) that the committed files hold
//!   (`cargo xtask catalogue`, and `--api-spec` at run time); [`load`]
//!   turns it into the model, and reads and writes its binary form.
//!
//! The committed catalogues (`api/<service>.json`) are compiled by
//! `build.rs` into [`builtin`], so looking up an operation costs no parsing
//! at start-up.

pub mod alias;
pub mod binary;
pub mod field_path;
pub mod generate;
pub mod load;
pub mod merge;
pub mod model;
pub mod owned;
pub mod path_encoding;
pub mod release;
pub mod validate;
pub mod validate_stream;

pub use model::*;

/// The catalogues compiled in: one `pub static <SERVICE>: Service` per
/// committed file, and [`builtin::SERVICES`].
#[cfg(feature = "builtin")]
pub mod builtin {
    use crate::model::*;
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// One service at one of its releases.
#[derive(Debug, Clone, Copy)]
pub struct Catalogue {
    pub service: &'static Service,
    release: u8,
}

/// The same service (the same tables) at the same release.
impl PartialEq for Catalogue {
    fn eq(&self, other: &Catalogue) -> bool {
        std::ptr::eq(self.service, other.service) && self.release == other.release
    }
}

impl Eq for Catalogue {}

/// Where an operation that the chosen release lacks can be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Absence {
    /// No release of the catalogue has it.
    Unknown,
    /// These spans of releases have it (release numbers, oldest first).
    Elsewhere(Vec<(&'static str, &'static str)>),
    /// A later release renamed it.
    Renamed {
        to: &'static str,
        since: &'static str,
    },
    /// It is the later name of an operation this release has under
    /// another name.
    Formerly {
        name: &'static str,
        since: &'static str,
    },
}

impl Catalogue {
    /// The newest release of a service.
    pub fn newest(service: &'static Service) -> Catalogue {
        let last = service.releases.len().saturating_sub(1);
        Catalogue {
            service,
            release: u8::try_from(last).unwrap_or(u8::MAX),
        }
    }

    /// The release at this index of `service.releases` (the newest if the
    /// index is out of range).
    pub fn at(service: &'static Service, index: u8) -> Catalogue {
        if usize::from(index) < service.releases.len() {
            Catalogue {
                service,
                release: index,
            }
        } else {
            Catalogue::newest(service)
        }
    }

    /// The release number (`21.02.7`).
    pub fn release(self) -> &'static str {
        self.service
            .releases
            .get(usize::from(self.release))
            .copied()
            .unwrap_or("")
    }

    pub fn release_index(self) -> u8 {
        self.release
    }

    pub fn is_newest(self) -> bool {
        usize::from(self.release) + 1 >= self.service.releases.len()
    }

    /// The operations of this release, in catalogue order.
    pub fn operations(self) -> impl Iterator<Item = &'static Operation> {
        let release = self.release;
        self.service
            .operations
            .iter()
            .filter(move |op| op.span.contains(release))
    }

    /// The operation of this release with this exact (camelCase) name.
    pub fn find(self, name: &str) -> Option<&'static Operation> {
        self.operations().find(|op| op.name == name)
    }

    /// The alias `name` (a name the documentation or an earlier release
    /// uses), where it is one; the operation it names may be absent from
    /// this release.
    pub fn alias(self, name: &str) -> Option<&'static Alias> {
        self.service.aliases.iter().find(|a| a.alias == name)
    }

    /// The aliases of the operation `name`, sorted.
    pub fn aliases_of(self, name: &str) -> impl Iterator<Item = &'static str> + use<'_> {
        self.service
            .aliases
            .iter()
            .filter(move |a| a.name == name)
            .map(|a| a.alias)
    }

    /// Why `name` is not in this release: which releases have it, or what
    /// it is called now.
    pub fn absence(self, name: &str) -> Absence {
        let spans: Vec<Span> = self
            .service
            .operations
            .iter()
            .filter(|op| op.name == name)
            .map(|op| op.span)
            .collect();
        if spans.is_empty() {
            return Absence::Unknown;
        }
        let renamed = self
            .service
            .operations
            .iter()
            .filter(|op| op.name == name && op.span.until < self.release)
            .find_map(|op| op.renamed_to);
        if let Some(to) = renamed.filter(|to| self.find(to).is_some()) {
            if let Some(since) = self.since(to) {
                return Absence::Renamed { to, since };
            }
        }
        if let Some(old) = self.operations().find(|op| op.renamed_to == Some(name)) {
            if let Some(since) = self.since(name) {
                return Absence::Formerly {
                    name: old.name,
                    since,
                };
            }
        }
        // Adjacent spans (a changed shape) read as one.
        let mut merged: Vec<Span> = Vec::new();
        let mut sorted = spans;
        sorted.sort_by_key(|s| s.since);
        for s in sorted {
            match merged.last_mut() {
                Some(last) if s.since <= last.until.saturating_add(1) => {
                    last.until = last.until.max(s.until)
                }
                _ => merged.push(s),
            }
        }
        Absence::Elsewhere(
            merged
                .into_iter()
                .map(|s| (self.release_name(s.since), self.release_name(s.until)))
                .collect(),
        )
    }

    fn release_name(self, index: u8) -> &'static str {
        self.service
            .releases
            .get(usize::from(index))
            .copied()
            .unwrap_or("?")
    }

    /// The newest release of this catalogue's service.
    pub fn newest_release(self) -> &'static str {
        self.service.releases.last().copied().unwrap_or("")
    }

    /// The first release that has an operation of this name, whatever its
    /// shape then (what the merge recorded as `introduced`).
    pub fn since(self, name: &str) -> Option<&'static str> {
        let op = self.service.operations.iter().find(|op| op.name == name)?;
        Some(op.introduced.unwrap_or_else(|| self.release_name(0)))
    }

    /// The tags that have operations in this release, in display order.
    /// (Tags are few: the generator takes at most 1,000.)
    pub fn tags(self) -> impl Iterator<Item = &'static str> {
        self.service
            .tags
            .iter()
            .copied()
            .filter(move |t| self.operations().any(|op| op.tag == *t))
    }

    /// The named schema at `index`, in this release's shape.
    pub fn named(self, index: u16) -> Option<&'static Schema> {
        let named = self.service.schemas.get(usize::from(index))?;
        named
            .versions
            .iter()
            .find(|v| v.span.contains(self.release))
            .or_else(|| named.versions.last())
            .map(|v| &v.schema)
    }

    /// Resolves `Schema::Ref` chains to the schema they name. A ref that
    /// names nothing (impossible in a catalogue that loaded) is `Any`.
    pub fn resolve(self, schema: &'static Schema) -> &'static Schema {
        static ANY: Schema = Schema::Any;
        let mut s = schema;
        // A chain of refs is at most as long as the table; bound the walk so
        // a malformed catalogue cannot loop.
        for _ in 0..=self.service.schemas.len() {
            match s {
                Schema::Ref(i) => match self.named(*i) {
                    Some(next) => s = next,
                    None => return &ANY,
                },
                _ => return s,
            }
        }
        &ANY
    }

    /// The name of a `Schema::Ref`, for messages and help.
    pub fn ref_name(self, schema: &Schema) -> Option<&'static str> {
        match schema {
            Schema::Ref(i) => self.service.schemas.get(usize::from(*i)).map(|n| n.name),
            _ => None,
        }
    }

    /// The item separator for a value of this schema: `==` (the text is
    /// sent as a JSON string) where only a string fits, `:=` (raw JSON)
    /// otherwise.
    pub fn separator(self, schema: &'static Schema) -> &'static str {
        match self.resolve(schema) {
            Schema::String { .. } => "==",
            _ => ":=",
        }
    }

    /// The allowed string values: a string's enum, or those of the string
    /// alternatives of an `AnyOf` (`"infinity"`).
    pub fn string_values(self, schema: &'static Schema) -> Vec<&'static str> {
        match self.resolve(schema) {
            Schema::String { enum_values } => enum_values.to_vec(),
            Schema::AnyOf(alternatives) => alternatives
                .iter()
                .flat_map(|a| self.string_values(a))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The declared fields of an object, then those the discriminator's
    /// variants add (each name once).
    pub fn fields_with_variants(self, obj: &'static ObjectSchema) -> Vec<&'static Field> {
        let mut fields: Vec<&'static Field> = obj.fields.iter().collect();
        for (_, idx) in obj.discriminator.iter().flat_map(|d| d.variants) {
            if let Some(Schema::Object(v)) = self.named(*idx).map(|s| self.resolve(s)) {
                for f in v.fields {
                    if !fields.iter().any(|g| g.name == f.name) {
                        fields.push(f);
                    }
                }
            }
        }
        fields
    }

    /// The top-level object schema of an operation's body, where the body
    /// is an object.
    pub fn body_object(self, op: &'static Operation) -> Option<&'static ObjectSchema> {
        match op.body.as_ref().map(|b| self.resolve(&b.schema)) {
            Some(Schema::Object(o)) => Some(o),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(release: &str) -> Catalogue {
        let s = &builtin::ONEZONE;
        let i = s.releases.iter().position(|r| *r == release).unwrap();
        Catalogue::at(s, u8::try_from(i).unwrap())
    }

    #[test]
    fn every_release_has_its_operations() {
        let counts: Vec<usize> = (0..builtin::ONEZONE.releases.len())
            .map(|i| {
                Catalogue::at(&builtin::ONEZONE, i as u8)
                    .operations()
                    .count()
            })
            .collect();
        // From the specs: 19.02.5 … 21.02.7.
        assert_eq!(counts, [339, 382, 390, 390, 390, 391, 391, 392, 392]);
        assert_eq!(Catalogue::newest(&builtin::ONEZONE).release(), "21.02.7");
        for i in 0..builtin::ONEZONE.releases.len() {
            let cat = Catalogue::at(&builtin::ONEZONE, i as u8);
            let mut names: Vec<&str> = cat.operations().map(|o| o.name).collect();
            names.sort_unstable();
            let n = names.len();
            names.dedup();
            assert_eq!(names.len(), n, "one shape per name in {}", cat.release());
            for j in 0..builtin::ONEZONE.schemas.len() {
                // Every ref of the release resolves to a shape, not a ref.
                if let Some(s) = cat.named(j as u16) {
                    assert!(!matches!(cat.resolve(s), Schema::Ref(_)));
                }
            }
        }
    }

    #[test]
    fn absences_name_the_releases_that_have_it() {
        assert_eq!(
            at("20.02.20").absence("inferAccessTokenScope"),
            Absence::Elsewhere(vec![("21.02.4", "21.02.7")])
        );
        assert_eq!(at("21.02.7").absence("noSuchThing"), Absence::Unknown);
        assert_eq!(
            at("21.02.7").absence("ozSpacesList"),
            Absence::Renamed {
                to: "listSpaces",
                since: "21.02.1"
            }
        );
        assert_eq!(
            at("20.02.20").absence("listSpaces"),
            Absence::Formerly {
                name: "ozSpacesList",
                since: "21.02.1"
            }
        );
        assert_eq!(
            at("21.02.3").since("inferAccessTokenScope"),
            Some("21.02.4")
        );
    }

    #[test]
    fn old_and_documented_names_are_aliases() {
        let cat = at("21.02.7");
        for (alias, name) in [
            ("listUsers", "ozUsersList"),
            ("registerHandle", "handleServiceRegisterHandle"),
            ("getUserSpaces", "listUserSpaces"),
            ("getSpaceProviderToken", "createSpaceSupportToken"),
            ("modifyUser", "modifyCurrentUser"),
            ("createGroupForUser", "createUserGroup"),
        ] {
            assert_eq!(cat.alias(alias).map(|a| a.name), Some(name), "{alias}");
            assert!(cat.aliases_of(name).any(|a| a == alias), "{alias}");
        }
        // No alias is a real name of any release.
        for a in builtin::SERVICES.iter().flat_map(|s| s.aliases) {
            assert!(a.source == "example" || a.source.starts_with("release:"));
        }
        for s in builtin::SERVICES {
            for a in s.aliases {
                assert!(
                    !s.operations.iter().any(|op| op.name == a.alias),
                    "{}",
                    a.alias
                );
                assert!(
                    s.operations.iter().any(|op| op.name == a.name),
                    "{}",
                    a.name
                );
            }
        }
    }

    #[test]
    fn shapes_follow_the_release() {
        // createSpace changed between 20.02.20 and 21.02.1: both find it,
        // each in its own shape.
        let old = at("20.02.20").find("createSpace").unwrap();
        let new = at("21.02.7").find("createSpace").unwrap();
        assert!(!std::ptr::eq(old, new));
        assert_eq!(old.span.until, 1);
    }
}
