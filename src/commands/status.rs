//! `login --status`: for each known host, where its credential comes from,
//! whose it is, what the token allows and when it expires.

use super::login::{call, current_user};
use super::{env_credential_var, load_config, note, Keyrings};
use crate::auth::config;
use crate::auth::host::{chosen_host, usable_backend, warn};
use crate::auth::keyring;
use crate::auth::secret::Secret;
use crate::auth::{self, Credential, Environment, Kind};
use crate::cli::Globals;
use crate::exit::{self, Failure};
use crate::output;
use crate::request;
use serde_json::Value;
use std::io::IsTerminal;

struct Row {
    host: String,
    default: bool,
    selected: bool,
    /// A credential was found and the host did not refuse it.
    usable: bool,
    source: String,
    user: String,
    allows: String,
    expires: String,
}

pub(super) fn status(g: &Globals, env: &Environment) -> Result<u8, Failure> {
    let config = load_config()?;
    let default = config.default_host();
    // The one host an environment credential is sent to: the operations'
    // own choice. A host that does not parse is a warning, and no row.
    let selected = chosen_host(g, env).and_then(|h| match request::base_url(&h) {
        Ok(u) => Some(u),
        Err(e) => {
            warn(g, &format!("the selected host is left out: {e}"));
            None
        }
    });
    let mut hosts: Vec<config::Host> = config.hosts();
    for extra in selected.iter().chain(default.iter()) {
        if !hosts.iter().any(|h| &h.url == extra) {
            hosts.push(config::Host {
                url: extra.clone(),
                store: String::new(),
                user: None,
            });
        }
    }
    if hosts.is_empty() {
        let p = crate::personality::current();
        note(
            g,
            &format!(
                "No host is known: log in with `{} login --host URL`, or set {} and {}.",
                p.command, p.host_var, p.api_key_var
            ),
        );
        // Not logged in anywhere: like `gh auth status`, not a success.
        return Ok(exit::CONFIG);
    }

    // With a credential in the environment the keyring is not consulted,
    // as for every operation; a malformed one is shown in its rows.
    let from_env = env_credential_var(env).map(|var| {
        let c = auth::resolve(&mut Vec::new(), None, env, || Ok(None))
            .and_then(|c| c.ok_or_else(|| format!("{var} gives no credential")));
        (var, c)
    });
    let mut keyrings = Keyrings::default();
    let mut rows = Vec::new();
    for h in &hosts {
        let mut row = Row {
            host: h.url.clone(),
            default: default.as_deref() == Some(h.url.as_str()),
            selected: selected.as_deref() == Some(h.url.as_str()),
            usable: false,
            source: "none".into(),
            user: "-".into(),
            allows: "-".into(),
            expires: "-".into(),
        };
        let credential: Option<Credential> = if let Some((var, c)) = &from_env {
            match c {
                Err(e) => {
                    row.source = format!("env ({var}), unusable: {}", output::escape_controls(e));
                    None
                }
                // Never sent to a host the operations would not go to.
                Ok(_) if selected.as_deref() != Some(h.url.as_str()) => {
                    row.source = format!("env ({var}), not sent: not the selected host");
                    None
                }
                Ok(c) => {
                    row.source = format!("env ({var})");
                    Some(c.clone())
                }
            }
        } else if let Some(backend) = usable_backend(&h.store) {
            let key = h.url.clone();
            let got = keyrings
                .get(backend, keyring::MANAGE_TIMEOUT)
                .and_then(|k| keyring::run(&k, keyring::MANAGE_TIMEOUT, move |k| k.get(&key)));
            match got {
                Ok(Some(c)) => {
                    row.source = format!("keyring ({})", backend.name());
                    Some(c)
                }
                Ok(None) => {
                    row.source = format!("none (not in {})", backend.name());
                    None
                }
                Err(e) => {
                    row.source = format!("keyring error: {e}");
                    None
                }
            }
        } else {
            if !h.store.is_empty() {
                row.source = format!(
                    "none (the store {:?} is not one this build can use)",
                    h.store
                );
            }
            None
        };
        if let Some(c) = &credential {
            probe(&h.url, c, g, &mut row);
        }
        rows.push(row);
    }
    print_status(&rows)?;
    // Exit 3 unless the host operations would go to has a credential that
    // was not refused (the list is printed either way).
    if rows.iter().any(|r| r.selected && r.usable) {
        Ok(exit::OK)
    } else {
        Ok(exit::CONFIG)
    }
}

/// Fills the row's user and what the token allows, asking the host.
fn probe(url: &str, c: &Credential, g: &Globals, row: &mut Row) {
    let first = |f: &Failure| f.lines.first().cloned().unwrap_or_default();
    let user = current_user(url, c, g);
    row.usable = !matches!(user, Ok(Err(_)));
    row.user = match user {
        Ok(Ok(Some(u))) => u.describe(),
        Ok(Ok(None)) => "accepted (no user to name)".to_owned(),
        Ok(Err(f)) => format!("rejected: {}", first(&f)),
        Err(f) if f.code == exit::NETWORK => format!("unreachable: {}", first(&f)),
        Err(f) => format!("not checked: {}", first(&f)),
    };
    match &c.kind {
        Kind::Header { value, .. } => match examine(url, value, g) {
            Ok(facts) => {
                row.allows = facts.allows;
                row.expires = facts.expires;
            }
            Err(e) => row.allows = format!("cannot examine: {e}"),
        },
        Kind::Basic { user, .. } => {
            row.allows = format!(
                "user name and password ({}): all the user may do",
                output::escape_controls(user)
            );
            row.expires = "never".into();
        }
    }
}

fn print_status(rows: &[Row]) -> Result<u8, Failure> {
    let width = if std::io::stdout().is_terminal() {
        terminal_width()
    } else {
        None
    };
    exit::print(render(rows, width).as_bytes())?;
    Ok(exit::OK)
}

/// The terminal's width: `COLUMNS`, else what the terminal says.
fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w > 0)
        .or_else(|| {
            console::Term::stdout()
                .size_checked()
                .map(|(_, w)| usize::from(w))
        })
}

/// One block per host: its URL (and whether it is the default or the
/// selected host), then indented `label: value` lines, the values wrapped
/// at word boundaries to `width` (never inside a word), unwrapped without.
fn render(rows: &[Row], width: Option<usize>) -> String {
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&r.host);
        if r.default {
            out.push_str(" (default)");
        }
        if r.selected && !r.default {
            out.push_str(" (selected)");
        }
        out.push('\n');
        for (label, value) in [
            ("credential", &r.source),
            ("user", &r.user),
            ("allows", &r.allows),
            ("expires", &r.expires),
        ] {
            for line in wrap(&format!("  {label}: "), value, width) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out
}

/// `prefix` then `value`'s words, filled to `width`; continuation lines are
/// indented by four spaces. A word longer than a line stays whole.
fn wrap(prefix: &str, value: &str, width: Option<usize>) -> Vec<String> {
    let Some(width) = width else {
        return vec![format!("{prefix}{value}")];
    };
    let indent = "    ";
    let mut lines = Vec::new();
    let mut line = prefix.to_owned();
    let mut fresh = true;
    for word in value.split_whitespace() {
        let len = console::measure_text_width(&line);
        let wlen = console::measure_text_width(word);
        if !fresh && len + 1 + wlen > width {
            lines.push(std::mem::replace(&mut line, indent.to_owned()));
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(word);
        fresh = false;
    }
    lines.push(line);
    lines
}

/// What examineToken tells of a token.
#[derive(Debug, Default)]
struct TokenFacts {
    allows: String,
    expires: String,
}

fn examine(url: &str, token: &Secret, g: &Globals) -> Result<TokenFacts, String> {
    // Only Onezone examines tokens; the others' rows leave it out.
    if crate::catalogue::Catalogue::newest(crate::release::service())
        .find("examineToken")
        .is_none()
    {
        return Ok(TokenFacts::default());
    }
    let body = serde_json::to_vec(&serde_json::json!({"token": token.expose()}))
        .map_err(|e| e.to_string())?;
    match call(url, "examineToken", Some(body), None, g) {
        Ok(Ok(v)) => Ok(token_facts(&v, now())),
        Ok(Err(f)) | Err(f) => Err(f.lines.first().cloned().unwrap_or_default()),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The token's type, persistence and caveats; its expiry from the time
/// caveat.
fn token_facts(v: &Value, now: i64) -> TokenFacts {
    let text = |v: &Value| match v {
        Value::String(s) => output::escape_controls(s),
        other => output::escape_controls(&other.to_string()),
    };
    let kind = match v.get("type") {
        Some(Value::Object(o)) => o
            .iter()
            .next()
            .map(|(k, inner)| {
                let base = k.trim_end_matches("Token").to_owned();
                match inner.get("inviteType").and_then(Value::as_str) {
                    Some(t) => format!("{base} ({})", output::escape_controls(t)),
                    None => output::escape_controls(&base),
                }
            })
            .unwrap_or_else(|| "unknown".into()),
        Some(other) => text(other),
        None => "unknown".into(),
    };
    let mut allows = format!("{kind} token");
    if let Some(p) = v.get("persistence").and_then(Value::as_str) {
        allows.push_str(&format!(", {}", output::escape_controls(p)));
    }
    let mut expires = "never (no time caveat)".to_owned();
    let mut limits = Vec::new();
    for c in v
        .get("caveats")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ty = c.get("type").and_then(Value::as_str).unwrap_or("?");
        if ty == "time" {
            if let Some(t) = c.get("validUntil").and_then(Value::as_i64) {
                expires = describe_time(t, now);
            }
            continue;
        }
        let detail: Vec<String> = c
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| k.as_str() != "type")
            .map(|(_, v)| text(v))
            .collect();
        if detail.is_empty() {
            limits.push(output::escape_controls(ty));
        } else {
            limits.push(format!(
                "{}={}",
                output::escape_controls(ty),
                detail.join(",")
            ));
        }
    }
    if limits.is_empty() {
        allows.push_str("; no caveats");
    } else {
        allows.push_str(&format!("; limited to {}", limits.join("; ")));
    }
    TokenFacts { allows, expires }
}

/// `2026-11-30 12:00 UTC (in 6 days)`.
fn describe_time(t: i64, now: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let stamp = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    );
    let delta = t - now;
    let span = |s: i64| {
        let (n, unit) = if s >= 2 * 86_400 {
            (s / 86_400, "day")
        } else if s >= 2 * 3600 {
            (s / 3600, "hour")
        } else {
            ((s / 60).max(1), "minute")
        };
        format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
    };
    if delta < 0 {
        format!("{stamp} (expired {} ago)", span(-delta))
    } else {
        format!("{stamp} (in {})", span(delta))
    }
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn token_facts_name_type_caveats_and_expiry() {
        let v = json!({
            "type": {"accessToken": {}},
            "persistence": "named",
            "caveats": [
                {"type": "time", "validUntil": 1_800_000_000},
                {"type": "interface", "interface": "rest"},
                {"type": "data.readonly"}
            ]
        });
        let f = token_facts(&v, 1_800_000_000 - 3 * 86_400);
        assert_eq!(
            f.allows,
            "access token, named; limited to interface=rest; data.readonly"
        );
        assert_eq!(f.expires, "2027-01-15 08:00 UTC (in 3 days)");
        let f = token_facts(
            &json!({"type": {"inviteToken": {"inviteType": "userJoinGroup"}}, "caveats": []}),
            0,
        );
        assert_eq!(f.allows, "invite (userJoinGroup) token; no caveats");
        assert_eq!(f.expires, "never (no time caveat)");
    }

    #[test]
    fn the_list_wraps_at_word_boundaries_only() {
        let row = Row {
            host: "https://zone.example.com/api/v3/onezone".into(),
            default: true,
            selected: true,
            usable: true,
            source: "keyring (secret-service)".into(),
            user: "admin (Admin User, u-admin-0123456789abcdef)".into(),
            allows: "access token, named; limited to interface=rest; data.readonly".into(),
            expires: "2027-01-15 08:00 UTC (in 3 days)".into(),
        };
        let words: Vec<String> = [&row.source, &row.user, &row.allows, &row.expires]
            .iter()
            .flat_map(|v| v.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        for width in [10, 20, 40, 80] {
            let text = render(std::slice::from_ref(&row), Some(width));
            for line in text.lines() {
                for w in line.split_whitespace() {
                    let ok = words.iter().any(|x| x == w)
                        || w.ends_with(':')
                        || w == row.host
                        || w == "(default)";
                    assert!(ok, "{w:?} cut at width {width}:\n{text}");
                }
                if width >= 40 && line.starts_with(' ') {
                    assert!(line.chars().count() <= width, "too long: {line:?}");
                }
            }
        }
        let plain = render(&[row], None);
        assert!(plain.contains(
            "\n  allows: access token, named; limited to interface=rest; data.readonly\n"
        ));
        assert!(plain.starts_with("https://zone.example.com/api/v3/onezone (default)\n"));
    }

    #[test]
    fn times_and_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(describe_time(90, 0), "1970-01-01 00:01 UTC (in 1 minute)");
        assert!(describe_time(0, 7200).contains("expired 2 hours ago"));
    }
}
