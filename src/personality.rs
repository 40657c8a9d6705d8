//! What makes each command of the toolbox itself: `onezone-rest-cli`,
//! `oneprovider-rest-cli` and `onepanel-rest-cli` run the same engine and
//! differ only in this data (the service's catalogue, base path, default
//! port, variable names, keyring and file names, and what `--about` and the
//! man page say).
//!
//! Each binary sets its personality once, first thing ([`set`]); everything
//! else asks [`current`].

use onedata_catalogue::{builtin, AuthKind, Service};
use std::sync::OnceLock;

/// One command of the toolbox.
#[derive(Debug)]
pub struct Personality {
    /// The command's name: the binary, the keyring service, the directory
    /// of its config and cache files, completion and man page names.
    pub command: &'static str,
    /// The compiled-in catalogue of its service (every known release).
    pub service: &'static Service,
    /// `ONEZONE_HOST`, …: the host when `--host` is not given.
    pub host_var: &'static str,
    /// The Docker image's generic host variable for this service
    /// (`ONEDATA_ZONE`, `ONEDATA_PROVIDER`), read after [`Self::host_var`].
    pub generic_host_var: Option<&'static str>,
    /// The access token variable, sent as `X-Auth-Token`.
    pub api_key_var: &'static str,
    /// `user:password` for basic authentication, where the service takes it.
    pub basic_auth_var: Option<&'static str>,
    pub version_var: &'static str,
    pub spec_var: &'static str,
    /// The port of a host given without one (Onepanel listens on 9443).
    pub default_port: Option<u16>,
    /// The user name `login` offers for basic authentication (Onepanel's
    /// `onepanel`), where that is the usual credential.
    pub basic_user: Option<&'static str>,
    /// The operation `login` and `login --status` send to check a credential.
    /// It answers with the user (`userId`, `username`) where the service
    /// has one; Oneprovider has none, so it lists the spaces instead.
    pub whoami: &'static str,
    /// A paragraph on what the service is, for `--about` and the man page.
    pub blurb: &'static str,
    /// The man page's examples: what each does, then its shell lines.
    pub examples: &'static [(&'static str, &'static [&'static str])],
}

/// The Docker image's token variable, a fallback for all three commands:
/// each command's own variables win over it.
pub const GENERIC_API_KEY_VAR: &str = "ONEDATA_API_KEY";

pub static ONEZONE: Personality = Personality {
    command: "onezone-rest-cli",
    service: &builtin::ONEZONE,
    host_var: "ONEZONE_HOST",
    generic_host_var: Some("ONEDATA_ZONE"),
    api_key_var: "ONEZONE_API_KEY",
    basic_auth_var: Some("ONEZONE_BASIC_AUTH"),
    version_var: "ONEZONE_API_VERSION",
    spec_var: "ONEZONE_API_SPEC",
    default_port: None,
    basic_user: None,
    whoami: "getCurrentUser",
    blurb: "Onezone is the federation service of Onedata, a distributed data-management \
            platform: it keeps users, groups, spaces, shares, providers, tokens, handles, \
            handle services, harvesters and clusters.",
    examples: &[
        (
            "Create a space and keep its id (a 201 answer prints {\"id\": ..., \"location\": ...}):",
            &["SPACE_ID=$(onezone-rest-cli createSpace name==demo | jq -r .id)"],
        ),
        (
            "Create a named token with which a provider can support that space \
             (what the deprecated createSpaceSupportToken now does):",
            &[
                "onezone-rest-cli createNamedTokenForCurrentUser \\",
                "    name==\"support-$SPACE_ID\" \\",
                "    'type[inviteToken][inviteType]==supportSpace' \\",
                "    \"type[inviteToken][spaceId]==$SPACE_ID\"",
            ],
        ),
        (
            "Join a group with an invite token:",
            &["onezone-rest-cli joinGroup token==\"$INVITE_TOKEN\""],
        ),
        (
            "Show the request as a curl command instead of sending it (credentials are redacted):",
            &["onezone-rest-cli --dry-run createSpace name==demo"],
        ),
        (
            "Take a field from a file, append to a list, and send JSON as it is:",
            &[
                "onezone-rest-cli modifySpace id=\"$SPACE_ID\" description==@README.md \\",
                "    'tags[]==demo' advertisedInMarketplace:=false",
            ],
        ),
        (
            "In CI, with the token from the CI's secret store, and a failure failing the job \
             (see EXIT STATUS):",
            &[
                "export ONEZONE_HOST=https://onezone.example.com",
                "export ONEZONE_API_KEY=\"$ONEZONE_TOKEN\"",
                "onezone-rest-cli getCurrentUser -o table",
                "onezone-rest-cli createSpace name==\"ci-$CI_JOB_ID\" | jq -r .id",
            ],
        ),
    ],
};

pub static ONEPROVIDER: Personality = Personality {
    command: "oneprovider-rest-cli",
    service: &builtin::ONEPROVIDER,
    host_var: "ONEPROVIDER_HOST",
    generic_host_var: Some("ONEDATA_PROVIDER"),
    api_key_var: "ONEPROVIDER_API_KEY",
    basic_auth_var: None,
    version_var: "ONEPROVIDER_API_VERSION",
    spec_var: "ONEPROVIDER_API_SPEC",
    default_port: None,
    basic_user: None,
    whoami: "getAllSpaces",
    blurb: "Oneprovider is the data service of Onedata, a distributed data-management \
            platform: it stores the files of the spaces it supports and serves their \
            content, metadata, transfers, replicas, views, datasets and archives. \
            It takes the access tokens that Onezone issues.",
    examples: &[
        (
            "List the spaces this provider supports, and the files at the top of one:",
            &[
                "oneprovider-rest-cli getAllSpaces -o table",
                "ROOT=$(oneprovider-rest-cli getSpace sid=\"$SPACE_ID\" | jq -r .fileId)",
                "oneprovider-rest-cli listChildren id=\"$ROOT\" limit=100",
            ],
        ),
        (
            "Upload a file (streamed from disk), then download it (streamed to a file):",
            &[
                "FILE_ID=$(oneprovider-rest-cli createFile id=\"$ROOT\" name=data.bin \\",
                "    --upload-file data.bin | jq -r .fileId)",
                "oneprovider-rest-cli downloadFileContent id=\"$FILE_ID\" \\",
                "    --output-file copy.bin",
            ],
        ),
        (
            "Download the first KiB only (the provider answers 206 Partial Content):",
            &[
                "oneprovider-rest-cli downloadFileContent id=\"$FILE_ID\" \\",
                "    Range:bytes=0-1023 > head.bin",
            ],
        ),
        (
            "In CI, with the Onezone access token from the CI's secret store:",
            &[
                "export ONEPROVIDER_HOST=https://provider.example.com",
                "export ONEPROVIDER_API_KEY=\"$ONEDATA_TOKEN\"",
                "oneprovider-rest-cli getAllTransfers sid=\"$SPACE_ID\" state=ongoing",
            ],
        ),
    ],
};

pub static ONEPANEL: Personality = Personality {
    command: "onepanel-rest-cli",
    service: &builtin::ONEPANEL,
    host_var: "ONEPANEL_HOST",
    generic_host_var: None,
    api_key_var: "ONEPANEL_API_KEY",
    basic_auth_var: Some("ONEPANEL_BASIC_AUTH"),
    version_var: "ONEPANEL_API_VERSION",
    spec_var: "ONEPANEL_API_SPEC",
    default_port: Some(9443),
    basic_user: Some("onepanel"),
    whoami: "getCurrentUser",
    blurb: "Onepanel administers the clusters of Onedata, a distributed data-management \
            platform: it deploys and configures Onezone and Oneprovider clusters, their \
            storage, space support, certificates and users. It listens on port 9443 and \
            is usually reached with basic authentication (user onepanel and the \
            emergency passphrase), or with a Onezone access token.",
    examples: &[
        (
            "Support a space with a token from Onezone, on the provider's first storage:",
            &[
                "export ONEPANEL_HOST=provider.example.com",
                "export ONEPANEL_BASIC_AUTH=\"onepanel:$PASSPHRASE\"",
                "T=$(onezone-rest-cli -o token createNamedTokenForCurrentUser \\",
                "    name==\"support-$SPACE_ID\" \\",
                "    'type[inviteToken][inviteType]==supportSpace' \\",
                "    \"type[inviteToken][spaceId]==$SPACE_ID\")",
                "STORAGE=$(onepanel-rest-cli getStorages | jq -r '.ids[0]')",
                "onepanel-rest-cli supportSpace token==\"$T\" size:=1000000000 \\",
                "    storageId==\"$STORAGE\"",
            ],
        ),
        (
            "Configure a provider from a YAML file and wait for the deployment task to end:",
            &["onepanel-rest-cli configureProvider - --wait < provider.yml"],
        ),
        (
            "Look up a task later by the id that a 202 answer printed:",
            &["onepanel-rest-cli getTaskStatus id=\"$TASK_ID\""],
        ),
    ],
};

/// Every command of the toolbox.
pub static ALL: &[&Personality] = &[&ONEZONE, &ONEPROVIDER, &ONEPANEL];

static CURRENT: OnceLock<&'static Personality> = OnceLock::new();

/// Makes `p` this process's personality; the first call wins.
pub fn set(p: &'static Personality) {
    let _ = CURRENT.set(p);
}

/// This process's personality (Onezone's until [`set`] is called, as in
/// unit tests).
pub fn current() -> &'static Personality {
    CURRENT.get().copied().unwrap_or(&ONEZONE)
}

impl Personality {
    /// The service's name for people: `Onezone`, `Oneprovider`, `Onepanel`.
    pub fn title(&self) -> &'static str {
        self.service.title
    }

    /// Whether the service takes HTTP basic authentication.
    pub fn takes_basic(&self) -> bool {
        self.service.auth.iter().any(|a| a.kind == AuthKind::Basic)
    }

    /// The command's name as a shell function identifier
    /// (`onezone_rest_cli`).
    pub fn ident(&self) -> String {
        self.command.replace('-', "_")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_command_speaks_its_own_service() {
        for p in ALL {
            assert!(p.command.starts_with(p.service.name), "{}", p.command);
            assert!(p.host_var.starts_with(&p.service.name.to_uppercase()));
            assert_eq!(p.basic_auth_var.is_some(), p.takes_basic(), "{}", p.command);
            let cat = onedata_catalogue::Catalogue::newest(p.service);
            assert!(cat.find(p.whoami).is_some(), "{}: {}", p.command, p.whoami);
        }
    }
}
