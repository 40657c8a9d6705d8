//! `--dry-run`: the request as one curl command that, pasted into bash,
//! sends exactly the same method, URL, headers and body.
//!
//! Credentials are never printed: one from a variable (`ONEZONE_API_KEY`,
//! `ONEDATA_API_KEY`, `ONEPANEL_BASIC_AUTH`, …) is shown as a reference to
//! that variable, any other as `<redacted>`, unless `--show-secrets` is given.

use crate::auth::{Kind, Source};
use crate::cli::Globals;
use crate::request::{Request, Upload};
use std::borrow::Cow;

pub const REDACTED: &str = "<redacted>";

/// Quotes a word for bash; `shlex` handles every character but NUL, which
/// cannot be in a command-line argument anyway.
pub fn quote(s: &str) -> Cow<'_, str> {
    shlex::try_quote(s)
        .unwrap_or_else(|_| Cow::Owned(format!("'{}'", s.replace('\0', "").replace('\'', r"'\''"))))
}

pub fn render(req: &Request, g: &Globals) -> String {
    let mut words: Vec<String> = vec!["curl".into()];
    let mut push = |w: &str| words.push(w.to_owned());
    if g.insecure {
        push("-k");
    }
    if let Some(ca) = &g.cacert {
        push("--cacert");
        push(&quote(&ca.to_string_lossy()));
    }
    if let Some(t) = g.connect_timeout {
        push("--connect-timeout");
        push(&t.to_string());
    }
    if let Some(t) = g.max_time {
        push("-m");
        push(&t.to_string());
    }
    if let Some(p) = &g.proxy {
        push("-x");
        if g.show_secrets {
            push(&quote(p));
        } else {
            push(&quote(&crate::auth::without_password(p, REDACTED)));
        }
    }
    match g.ip_version {
        Some(4) => push("-4"),
        Some(6) => push("-6"),
        _ => {}
    }
    if let Some(n) = &g.noproxy {
        push("--noproxy");
        push(&quote(n));
    }
    for r in &g.resolve {
        push("--resolve");
        push(&quote(r));
    }
    if let Some(w) = &g.write_out {
        push("-w");
        push(&quote(w));
    }
    push("-X");
    push(req.method);
    push(&quote(&req.url));
    for (name, value) in &req.headers {
        let v = if g.show_secrets || !crate::auth::is_sensitive_header(name) {
            value.as_str()
        } else {
            REDACTED
        };
        push("-H");
        push(&quote(&format!("{name}: {v}")));
    }
    if let Some(c) = &req.credential {
        match (&c.kind, c.source, g.show_secrets) {
            (
                Kind::Header { name, .. },
                src @ (Source::ApiKeyVar | Source::GenericApiKeyVar),
                false,
            ) => {
                push("-H");
                push(&format!("\"{name}: ${}\"", src.describe()));
            }
            (Kind::Basic { .. }, Source::BasicAuthVar, false) => {
                push("-u");
                push(&format!("\"${}\"", Source::BasicAuthVar.describe()));
            }
            (Kind::Header { name, value }, _, show) => {
                let v = if show { value.expose() } else { REDACTED };
                push("-H");
                push(&quote(&format!("{name}: {v}")));
            }
            (Kind::Basic { user, password }, _, show) => {
                let pair = match password {
                    Some(p) if show => format!("{user}:{}", p.expose()),
                    Some(_) => format!("{user}:{REDACTED}"),
                    None => user.clone(),
                };
                push("-u");
                push(&quote(&pair));
            }
        }
    }
    let mut line = words.join(" ");
    if let Some(body) = &req.body {
        match std::str::from_utf8(body) {
            Ok(text) if !text.contains('\0') => {
                line.push_str(" --data-raw ");
                line.push_str(&quote(text));
            }
            _ => {
                // Bytes that are not text go through printf's escapes on stdin.
                line = format!(
                    "printf '%b' {} | {line} --data-binary @-",
                    quote(&printf_escape(body))
                );
            }
        }
    }
    // A streamed body is streamed by curl too: -T sends the file with its
    // length, `@-` reads stdin. `-T` would make curl PUT: -X keeps the method.
    match &req.upload {
        Some(Upload::File { path, .. }) => {
            line.push_str(" -T ");
            line.push_str(&quote(&path.to_string_lossy()));
        }
        Some(Upload::Stdin) => line.push_str(" --data-binary @-"),
        None => {}
    }
    if let Some(path) = &g.output_file {
        line.push_str(" -o ");
        line.push_str(&quote(&path.to_string_lossy()));
    }
    line
}

fn printf_escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        match b {
            b'\\' => out.push_str(r"\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::secret::Secret;
    use crate::auth::Credential;
    use crate::catalogue::Catalogue;
    use crate::request::{build, Options};

    fn find(name: &str) -> Option<&'static crate::catalogue::Operation> {
        Catalogue::newest(crate::release::service()).find(name)
    }

    fn request(op: &str, args: &[&str]) -> Request {
        let opts = Options {
            base_url: "https://z/api/v3/onezone".into(),
            ..Options::default()
        };
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        build(find(op).unwrap(), &args, &opts, || Ok(vec![])).unwrap()
    }

    #[test]
    fn api_key_is_a_variable_reference() {
        let mut r = request("joinGroup", &["token==abc"]);
        r.credential = Some(Credential::token(Source::ApiKeyVar, Secret::new("SECRET")));
        let line = render(&r, &Globals::default());
        assert_eq!(
            line,
            "curl -X POST https://z/api/v3/onezone/user/groups/join -H 'User-Agent: onezone-rest-cli/0.1.0' \
             -H 'Accept: application/json' -H 'Content-Type: application/json' \
             -H \"X-Auth-Token: $ONEZONE_API_KEY\" --data-raw '{\"token\":\"abc\"}'"
        );
    }

    #[test]
    fn other_secrets_are_redacted_unless_asked() {
        let mut r = request("getCurrentUser", &[]);
        r.credential = Some(Credential::basic(Source::UserOption, "admin:hunter2"));
        assert!(!render(&r, &Globals::default()).contains("hunter2"));
        assert!(render(&r, &Globals::default()).contains("-u 'admin:<redacted>'"));
        let shown = Globals {
            show_secrets: true,
            ..Globals::default()
        };
        assert!(render(&r, &shown).contains("-u admin:hunter2"));
        r.credential = Some(Credential::token(Source::HeaderItem, Secret::new("tok")));
        assert!(render(&r, &Globals::default()).contains("-H 'X-Auth-Token: <redacted>'"));
    }

    #[test]
    fn binary_bodies_go_through_printf() {
        let mut r = request("createGroup", &["name==x"]);
        r.body = Some(vec![0, b'a', 0xff, b'\\']);
        let line = render(&r, &Globals::default());
        assert!(
            line.starts_with(r#"printf '%b' "\\x00a\\xff\\\\" | curl "#),
            "{line}"
        );
        assert!(line.ends_with("--data-binary @-"), "{line}");
    }
}
