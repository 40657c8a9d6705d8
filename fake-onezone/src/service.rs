//! The services one fake serves, each below its catalogue's base path and
//! routed from its own catalogue at the configured release, and which of
//! their operations need no credentials.

use onedata_catalogue::builtin::{ONEPANEL, ONEPROVIDER, ONEZONE};
use onedata_catalogue::{Catalogue, Operation, Service};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Zone,
    Provider,
    Panel,
}

/// One service at the release served.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Served {
    pub kind: Kind,
    pub catalogue: Catalogue,
}

impl Served {
    pub(crate) fn base_path(self) -> &'static str {
        self.catalogue.service.base_path
    }

    /// `onezone`, `oneprovider`, `onepanel`.
    pub(crate) fn name(self) -> &'static str {
        self.catalogue.service.name
    }

    /// Operations anyone may call. Onezone: getConfiguration, health,
    /// testImage, getSharedData, those whose path has a `public` segment,
    /// token verification (offered to anyone holding the token), and
    /// registerProvider (its body carries the registration token). The
    /// others: getConfiguration, health and testImage.
    pub(crate) fn is_public(self, op: &Operation) -> bool {
        const EVERYWHERE: &[&str] = &["getConfiguration", "health", "testImage"];
        const ONEZONE_TOO: &[&str] = &[
            "getSharedData",
            "examineToken",
            "verifyAccessToken",
            "verifyIdentityToken",
            "verifyInviteToken",
            "registerProvider",
        ];
        EVERYWHERE.contains(&op.name)
            || (self.kind == Kind::Zone
                && (ONEZONE_TOO.contains(&op.name) || op.path.split('/').any(|s| s == "public")))
    }
}

/// Onezone, Oneprovider and Onepanel, each at the release of its catalogue
/// nearest to `release` (the newest for one newer than all, or for `None`).
pub(crate) fn served(release: Option<&str>) -> [Served; 3] {
    [
        (Kind::Zone, &ONEZONE),
        (Kind::Provider, &ONEPROVIDER),
        (Kind::Panel, &ONEPANEL),
    ]
    .map(|(kind, service)| Served {
        kind,
        catalogue: at_release(service, release),
    })
}

fn at_release(service: &'static Service, release: Option<&str>) -> Catalogue {
    release.and_then(|r| service.match_release(r)).map_or_else(
        || Catalogue::newest(service),
        |m| Catalogue::at(service, m.index()),
    )
}

/// The service whose base path `path` is below, and the rest of the path
/// (starting with `/`).
pub(crate) fn find<'p>(services: &[Served], path: &'p str) -> Option<(Served, &'p str)> {
    services.iter().find_map(|s| {
        path.strip_prefix(s.base_path())
            .filter(|rest| rest.starts_with('/'))
            .map(|rest| (*s, rest))
    })
}
