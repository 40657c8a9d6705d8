//! Where the credential of a request comes from, in this order:
//! 1. a header item or `-H` (`X-Auth-Token:…`, `Authorization:…`);
//! 2. `-u user[:password]`;
//! 3. the command's token variable, `ONEZONE_API_KEY` (`ONEPROVIDER_API_KEY`,
//!    `ONEPANEL_API_KEY`), sent as `X-Auth-Token`;
//! 4. its basic-authentication variable, `ONEZONE_BASIC_AUTH`
//!    (`ONEPANEL_BASIC_AUTH`; Oneprovider takes none), `user:password`;
//! 5. `ONEDATA_API_KEY`, the Docker image's token variable for all three
//!    commands: a fallback, so a command's own variables win over it;
//! 6. the credential stored for the host by `login` (asked for only when
//!    none of the above is there, so CI never touches a keyring).
//!
//! Exactly one credential goes out; none at all is allowed (some operations
//! are public).
//!
//! The steps that look things up are submodules: [`host`] (the host of the
//! run and its stored credential), [`config`] (the config file), [`keyring`]
//! (the OS keyrings); [`secret`] keeps a secret from being printed.

pub mod config;
pub mod host;
pub mod keyring;
pub mod secret;

use crate::auth::secret::Secret;
use base64::Engine as _;

use crate::personality::{self, GENERIC_API_KEY_VAR};

/// Header names that carry a credential.
pub fn is_credential_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("x-auth-token") || name.eq_ignore_ascii_case("authorization")
}

/// Header names whose values are secrets: the credential headers, the
/// proxy's, cookies, and `Macaroon` (the token header of older Onedata
/// releases). Redacted in `-v` and `--dry-run` output and in error messages
/// (`items::shown`), and not forwarded when a redirect leaves the origin.
pub fn is_sensitive_header(name: &str) -> bool {
    is_credential_header(name)
        || ["proxy-authorization", "cookie", "set-cookie", "macaroon"]
            .iter()
            .any(|s| name.eq_ignore_ascii_case(s))
}

/// A URL (a proxy's, say) as it may be shown: the password of its userinfo
/// replaced by `replacement`. Works on text that does not parse, too.
pub fn without_password(url: &str, replacement: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    let authority = &url[start..end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let Some(colon) = authority[..at].find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{replacement}{}",
        &url[..start + colon + 1],
        &url[start + at..]
    )
}

/// A host URL as an error message may show it, whatever else is wrong with
/// it (a bad port, another scheme, a query, no host): its userinfo
/// (`user:password@`) replaced by `***`. Works on text that does not parse,
/// so the userinfo is taken wide: from after the first `://` (or the start)
/// to the last `@`, for a password may hold `/`, `?`, `#` or `@`; an `@`
/// elsewhere hides a little more than the userinfo, never less.
pub fn shown_url(url: &str) -> std::borrow::Cow<'_, str> {
    let Some(at) = url.rfind('@') else {
        return std::borrow::Cow::Borrowed(url);
    };
    let start = url
        .find("://")
        .map(|i| i + 3)
        .filter(|s| *s <= at)
        .unwrap_or(0);
    std::borrow::Cow::Owned(format!("{}***{}", &url[..start], &url[at..]))
}

/// Turns core dumps off for this process (RLIMIT_CORE 0, soft and hard, so
/// nothing it starts can turn them on again): a dump would hold the tokens
/// and passwords in memory. Called once at start, before any credential is
/// read; one system call, and failure (a sandbox that forbids it) is
/// ignored, for the limit is a precaution, not a condition of running.
pub fn disable_core_dumps() {
    #[cfg(unix)]
    {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads one valid rlimit; it has no other effect
        // on memory.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &none);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    HeaderItem,
    UserOption,
    ApiKeyVar,
    BasicAuthVar,
    GenericApiKeyVar,
    Keyring,
}

impl Source {
    pub fn describe(self) -> &'static str {
        match self {
            Source::HeaderItem => "a header item",
            Source::UserOption => "-u",
            Source::ApiKeyVar => personality::current().api_key_var,
            Source::BasicAuthVar => personality::current()
                .basic_auth_var
                .unwrap_or("the basic-authentication variable"),
            Source::GenericApiKeyVar => GENERIC_API_KEY_VAR,
            Source::Keyring => "the keyring",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A header with a secret value (`X-Auth-Token`, `Authorization`).
    Header { name: String, value: Secret },
    /// HTTP basic authentication.
    Basic {
        user: String,
        password: Option<Secret>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub source: Source,
    pub kind: Kind,
}

impl Credential {
    /// An access token, sent as `X-Auth-Token`.
    pub fn token(source: Source, token: Secret) -> Self {
        Credential {
            source,
            kind: Kind::Header {
                name: "X-Auth-Token".into(),
                value: token,
            },
        }
    }

    /// `user:password` (the password may be absent: it is asked for later).
    pub fn basic(source: Source, spec: &str) -> Self {
        let (user, password) = match spec.split_once(':') {
            Some((u, p)) => (u.to_owned(), Some(Secret::new(p))),
            None => (spec.to_owned(), None),
        };
        Credential {
            source,
            kind: Kind::Basic { user, password },
        }
    }

    /// The header as it goes on the wire.
    pub fn header(&self) -> (String, Secret) {
        match &self.kind {
            Kind::Header { name, value } => (name.clone(), value.clone()),
            Kind::Basic { user, password } => {
                let pair = format!("{user}:{}", password.as_ref().map_or("", Secret::expose));
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                (
                    "Authorization".into(),
                    Secret::new(format!("Basic {encoded}")),
                )
            }
        }
    }
}

/// The credentials the environment offers, read once at start-up.
#[derive(Debug, Default, Clone)]
pub struct Environment {
    pub api_key: Option<Secret>,
    pub basic_auth: Option<Secret>,
    /// `ONEDATA_API_KEY`.
    pub generic_api_key: Option<Secret>,
    /// The command's host variable, else the Docker image's one for its
    /// service (`ONEDATA_ZONE`, `ONEDATA_PROVIDER`).
    pub host: Option<String>,
}

impl Environment {
    /// `Err` names a variable that is set but not UTF-8: ignoring it would
    /// send the request with another credential, or to another host.
    pub fn from_process() -> Result<Self, String> {
        let var = |name: &'static str| match std::env::var(name) {
            Ok(v) => Ok(Some(v).filter(|v| !v.is_empty())),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!(
                "{name} is not valid UTF-8; set it to the text of the value, or unset it"
            )),
        };
        let p = personality::current();
        let host = match var(p.host_var)? {
            Some(h) => Some(h),
            None => match p.generic_host_var {
                Some(name) => var(name)?,
                None => None,
            },
        };
        Ok(Environment {
            api_key: var(p.api_key_var)?.map(Secret::new),
            basic_auth: match p.basic_auth_var {
                Some(name) => var(name)?.map(Secret::new),
                None => None,
            },
            generic_api_key: var(GENERIC_API_KEY_VAR)?.map(Secret::new),
            host,
        })
    }
}

/// The credential variables of the command (its token and basic-auth
/// ones, then `ONEDATA_API_KEY`) that are set but empty: they are ignored,
/// as if unset, and a call warns about each (unless `-s`), for an empty one
/// is most often a script's `export ONEZONE_API_KEY=$(cat missing-file)`.
pub fn empty_credential_vars(
    var: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<&'static str> {
    let p = personality::current();
    [
        Some(p.api_key_var),
        p.basic_auth_var,
        Some(GENERIC_API_KEY_VAR),
    ]
    .into_iter()
    .flatten()
    .filter(|name| var(name).is_some_and(|v| v.is_empty()))
    .collect()
}

/// Picks the credential by the order above. `headers` are the request's
/// header items; a credential among them is taken out of the list.
/// `stored` is asked only when nothing else supplies a credential.
pub fn resolve(
    headers: &mut Vec<(String, String)>,
    user: Option<&str>,
    env: &Environment,
    stored: impl FnOnce() -> Result<Option<Credential>, String>,
) -> Result<Option<Credential>, String> {
    let mut from_headers: Vec<(String, String)> = Vec::new();
    headers.retain(|(name, value)| {
        if is_credential_header(name) {
            from_headers.push((name.clone(), value.clone()));
            false
        } else {
            true
        }
    });
    if from_headers.len() > 1 {
        let names: Vec<&str> = from_headers.iter().map(|(n, _)| n.as_str()).collect();
        return Err(format!(
            "more than one credential header ({}); give exactly one",
            names.join(", ")
        ));
    }
    if let Some((name, value)) = from_headers.pop() {
        return Ok(Some(Credential {
            source: Source::HeaderItem,
            kind: Kind::Header {
                name,
                value: Secret::new(value),
            },
        }));
    }
    if let Some(u) = user {
        if u.is_empty() {
            return Err("-u needs USER or USER:PASSWORD".into());
        }
        return Ok(Some(Credential::basic(Source::UserOption, u)));
    }
    if let Some(key) = &env.api_key {
        return Ok(Some(Credential::token(Source::ApiKeyVar, key.clone())));
    }
    if let Some(basic) = &env.basic_auth {
        if !basic.expose().contains(':') {
            return Err(format!(
                "{} must be user:password",
                Source::BasicAuthVar.describe()
            ));
        }
        return Ok(Some(Credential::basic(
            Source::BasicAuthVar,
            basic.expose(),
        )));
    }
    if let Some(key) = &env.generic_api_key {
        return Ok(Some(Credential::token(
            Source::GenericApiKeyVar,
            key.clone(),
        )));
    }
    stored()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(key: Option<&str>, basic: Option<&str>) -> Environment {
        Environment {
            api_key: key.map(Secret::new),
            basic_auth: basic.map(Secret::new),
            ..Environment::default()
        }
    }

    fn none() -> Result<Option<Credential>, String> {
        Ok(None)
    }

    #[test]
    fn precedence_header_user_key_basic_stored() {
        let e = env(Some("KEY"), Some("a:b"));
        let mut h = vec![
            ("x-auth-token".to_owned(), "HDR".to_owned()),
            ("Accept".into(), "x".into()),
        ];
        let c = resolve(&mut h, Some("u:p"), &e, none).unwrap().unwrap();
        assert_eq!(c.source, Source::HeaderItem);
        assert_eq!(h.len(), 1, "the credential header is taken out of the list");
        let c = resolve(&mut vec![], Some("u:p"), &e, none)
            .unwrap()
            .unwrap();
        assert_eq!(c.source, Source::UserOption);
        let c = resolve(&mut vec![], None, &e, none).unwrap().unwrap();
        assert_eq!(
            (c.source, c.header().0.as_str(), c.header().1.expose()),
            (Source::ApiKeyVar, "X-Auth-Token", "KEY")
        );
        let c = resolve(&mut vec![], None, &env(None, Some("a:b")), none)
            .unwrap()
            .unwrap();
        assert_eq!(c.header().1.expose(), "Basic YTpi");
        let stored = || Ok(Some(Credential::token(Source::Keyring, Secret::new("K"))));
        assert_eq!(
            resolve(&mut vec![], None, &env(None, None), stored)
                .unwrap()
                .unwrap()
                .source,
            Source::Keyring
        );
    }

    #[test]
    fn the_generic_token_is_a_fallback() {
        let mut e = env(None, Some("a:b"));
        e.generic_api_key = Some(Secret::new("G"));
        let c = resolve(&mut vec![], None, &e, none).unwrap().unwrap();
        assert_eq!(
            c.source,
            Source::BasicAuthVar,
            "the command's own variable wins"
        );
        e.basic_auth = None;
        let c = resolve(&mut vec![], None, &e, none).unwrap().unwrap();
        assert_eq!(
            (c.source, c.header().1.expose()),
            (Source::GenericApiKeyVar, "G")
        );
    }

    #[test]
    fn the_keyring_is_not_asked_when_the_environment_has_a_credential() {
        let stored = || -> Result<Option<Credential>, String> { panic!("keyring touched") };
        assert!(resolve(&mut vec![], None, &env(Some("KEY"), None), stored).is_ok());
    }

    #[test]
    fn a_shown_url_has_no_userinfo_whatever_else_is_wrong() {
        for (url, shown) in [
            ("https://u:pw@h:99999", "https://***@h:99999"),
            ("ftp://u:pw@h/x", "ftp://***@h/x"),
            ("https://u:pw@h?q=1", "https://***@h?q=1"),
            ("https://u:p?w@h", "https://***@h"),
            ("https://u:p/w@h/a@b", "https://***@b"),
            ("https://u:pw@", "https://***@"),
            ("https://user@h", "https://***@h"),
            ("https:/u:pw@h", "***@h"),
            ("u:pw@h:1:2", "***@h:1:2"),
            ("https://a:b@c@h", "https://***@h"),
            ("https://h:1/p", "https://h:1/p"),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
    }

    #[test]
    fn two_credential_headers_are_an_error() {
        let mut h = vec![
            ("X-Auth-Token".to_owned(), "a".to_owned()),
            ("Authorization".into(), "Bearer b".into()),
        ];
        assert!(resolve(&mut h, None, &env(None, None), none)
            .unwrap_err()
            .contains("more than one credential"));
    }
}
