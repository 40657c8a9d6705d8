//! `logout`: the credential of a host, or of every host, removed from the
//! OS keyring and from the config file.

use super::{env_credential_var, keyring_failure, load_config, note, Keyrings};
use crate::auth::config;
use crate::auth::host::{host_url, usable_backend, warn};
use crate::auth::keyring::{self, Backend, ErrorKind};
use crate::auth::Environment;
use crate::cli::Globals;
use crate::exit::{self, Failure};
use clap::{Arg, ArgAction, ArgMatches, Command};

/// `logout`'s arguments.
pub fn logout_command() -> Command {
    Command::new("logout")
        .long_about(format!(
            "Remove the credential of the host of --host, ${} or the last login \
             from the OS keyring; --all removes every host's. The default host stays.",
            crate::personality::current().host_var
        ))
        .arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Remove the credential of every host"),
        )
}

/// Runs `logout`.
pub fn logout(m: &ArgMatches, env: &Environment) -> Result<u8, Failure> {
    let g = Globals::from_matches(m);
    if g.dry_run {
        return Err(Failure::usage(
            "logout changes the keyring; --dry-run does not apply",
        ));
    }
    let all = m.get_flag("all");
    let mut config = load_config()?;
    let hosts: Vec<config::Host> = if all {
        config.hosts()
    } else {
        let url = host_url(&g, env)?;
        let store = config
            .host(&url)
            .map(|h| h.store)
            .or_else(|| Backend::platform_default().map(|b| b.name().to_owned()))
            .unwrap_or_default();
        vec![config::Host {
            url,
            store,
            user: None,
        }]
    };

    let mut keyrings = Keyrings::default();
    let mut unreachable: Vec<Backend> = Vec::new();
    let mut removed = Vec::new();
    // What could not be done; the rest is done first.
    let mut problems: Vec<Failure> = Vec::new();
    for h in &hosts {
        // Completion's cached IDs of this login go with it.
        crate::ids::forget_stored(&h.url);
        let Some(backend) = usable_backend(&h.store) else {
            // A store this build cannot use: nothing to remove here.
            config.remove_host(&h.url);
            continue;
        };
        let kr = match keyrings.get(backend, keyring::MANAGE_TIMEOUT) {
            Ok(k) => k,
            Err(e) => {
                unreachable.push(backend);
                problems.push(keyring_failure(
                    &e,
                    &format!("cannot remove the credential of {}", h.url),
                ));
                continue;
            }
        };
        let key = h.url.clone();
        match keyring::run(&kr, keyring::MANAGE_TIMEOUT, move |k| k.delete(&key)) {
            Ok(existed) => {
                config.remove_host(&h.url);
                if existed {
                    removed.push(format!("{} (from {})", h.url, backend.describe()));
                } else if !all {
                    note(
                        &g,
                        &format!("No credential for {} was in {}.", h.url, backend.describe()),
                    );
                }
            }
            Err(e) => problems.push(keyring_failure(
                &e,
                &format!("cannot remove the credential of {}", h.url),
            )),
        }
    }
    let mut unsearched = Vec::new();
    if all {
        // Entries the config file does not name (it was removed or edited,
        // or the host moved to another store): every store that can list
        // its entries is searched.
        for backend in Backend::available().into_iter().filter(|b| b.lists()) {
            if unreachable.contains(&backend) {
                continue; // reported above
            }
            let kr = match keyrings.get(backend, keyring::MANAGE_TIMEOUT) {
                Ok(k) => k,
                Err(e) => {
                    unsearched.push(e);
                    continue;
                }
            };
            let extra = match keyring::run(&kr, keyring::MANAGE_TIMEOUT, |k| k.stored_hosts()) {
                Ok(x) => x,
                Err(e) => {
                    problems.push(keyring_failure(&e, "cannot list the stored credentials"));
                    continue;
                }
            };
            for url in extra {
                let key = url.clone();
                match keyring::run(&kr, keyring::MANAGE_TIMEOUT, move |k| k.delete(&key)) {
                    Ok(existed) => {
                        config.remove_host(&url);
                        if existed {
                            removed.push(format!("{url} (from {})", backend.describe()));
                        }
                    }
                    Err(e) => problems.push(keyring_failure(
                        &e,
                        &format!("cannot remove the credential of {url}"),
                    )),
                }
            }
        }
    }
    config.save().map_err(|e| Failure::new(exit::CONFIG, e))?;
    for r in &removed {
        note(&g, &format!("Logged out of {r}."));
    }
    for e in unsearched {
        // A store that is not there at all (no Secret Service on a headless
        // box) after credentials were removed from another: a warning. With
        // nothing removed, "no stored credential was found" cannot be said.
        if e.kind == ErrorKind::Unavailable && !removed.is_empty() {
            warn(
                &g,
                &format!("{e}; it was not searched for other stored credentials"),
            );
        } else {
            problems.push(
                Failure::new(
                    exit::CONFIG,
                    format!("cannot search for stored credentials: {e}"),
                )
                .hint(format!(
                    "nothing was removed from {}; run `logout --all` again once it can be reached",
                    e.backend.describe()
                )),
            );
        }
    }
    if let Some(first) = problems.first() {
        let mut f = first.clone();
        for more in &problems[1..] {
            f = f.hint(format!(
                "also: {}",
                more.lines.first().map_or("", String::as_str)
            ));
        }
        return Err(f);
    }
    if removed.is_empty() && all {
        note(&g, "No stored credential was found.");
    }
    if let Some(var) = env_credential_var(env) {
        warn(&g, &format!("{var} is still set: operations keep using it"));
    }
    Ok(exit::OK)
}
