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
        return Ok(exit::OK);
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
    print_status(&rows)
}

/// Fills the row's user and what the token allows, asking the host.
fn probe(url: &str, c: &Credential, g: &Globals, row: &mut Row) {
    let first = |f: &Failure| f.lines.first().cloned().unwrap_or_default();
    row.user = match current_user(url, c, g) {
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
    use comfy_table::{presets, ContentArrangement, Table};
    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    let mut t = Table::new();
    t.load_preset(if tty {
        presets::UTF8_FULL_CONDENSED
    } else {
        presets::ASCII_FULL_CONDENSED
    });
    if tty {
        if let Some((_, w)) = console::Term::stdout().size_checked() {
            t.set_width(w);
            t.set_content_arrangement(ContentArrangement::Dynamic);
        }
    }
    t.set_header(vec![
        "Host",
        "Default",
        "Credential from",
        "User",
        "Token allows",
        "Expires",
    ]);
    for r in rows {
        t.add_row(vec![
            r.host.clone(),
            if r.default {
                "yes".into()
            } else {
                String::new()
            },
            r.source.clone(),
            r.user.clone(),
            r.allows.clone(),
            r.expires.clone(),
        ]);
    }
    exit::print(format!("{t}\n").as_bytes())?;
    Ok(exit::OK)
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
    fn times_and_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(describe_time(90, 0), "1970-01-01 00:01 UTC (in 1 minute)");
        assert!(describe_time(0, 7200).contains("expired 2 hours ago"));
    }
}
