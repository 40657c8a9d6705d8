//! `fake-onezone [--port N] [--release V] [--fault SPEC] [--redirect-host URL]
//! [--task-duration MS] [--task-outcome ok|error] [--exit-on-stdin-eof]`
//!
//! Serves a fake Onezone, Oneprovider and Onepanel on 127.0.0.1, prints
//! `http://127.0.0.1:PORT` on stdout once listening, the default
//! credentials on stderr, then one line per request on stderr. Runs until
//! SIGINT or SIGTERM (then stops cleanly, removing its directory of file
//! contents), or until stdin reaches EOF with `--exit-on-stdin-eof`.

use fake_onezone::{
    Config, FakeZone, Fault, TaskOutcome, ADMIN_TOKEN, ONEPANEL_PASSPHRASE, ONEPANEL_USER,
    USER_TOKEN,
};
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str =
    "usage: fake-onezone [--port N] [--release V] [--fault SPEC] [--redirect-host URL]
                    [--task-duration MS] [--task-outcome ok|error] [--exit-on-stdin-eof]

  --port N              listen on 127.0.0.1:N (default: a free port)
  --release V           every service reports release V at /configuration and serves the
                        operations of the nearest release of its catalogue (default: the newest)
  --fault SPEC          misbehave: slow:MS | drop-mid-body | status:CODE[:bare] |
                        invalid-json | redirect:URL | large-body:BYTES | garbage | html:CODE |
                        stall-mid-body:MS | fake-gzip | retry-after:CODE:VALUE |
                        body:TYPE:PATH | created:LOCATION
  --redirect-host URL   where getSharedData redirects (default: this server)
  --task-duration MS    how long Onepanel's tasks run (default: 3000)
  --task-outcome O      how Onepanel's tasks end: ok (default) or error
  --exit-on-stdin-eof   stop when stdin is closed";

struct Args {
    config: Config,
    exit_on_eof: bool,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut config = Config {
        log: true,
        record_limit: 0,
        ..Config::default()
    };
    let mut exit_on_eof = false;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let v = value("--port")?;
                config.port = v
                    .parse()
                    .map_err(|_| format!("--port: {v:?} is not a port number"))?;
            }
            "--fault" => config.fault = Some(value("--fault")?.parse::<Fault>()?),
            "--redirect-host" => config.redirect_host = Some(value("--redirect-host")?),
            "--release" => config.release = Some(value("--release")?),
            "--task-duration" => {
                let v = value("--task-duration")?;
                let ms: u64 = v.parse().map_err(|_| {
                    format!("--task-duration: {v:?} is not a number of milliseconds")
                })?;
                config.task_duration = Duration::from_millis(ms);
            }
            "--task-outcome" => {
                config.task_outcome = value("--task-outcome")?.parse::<TaskOutcome>()?;
            }
            "--exit-on-stdin-eof" => exit_on_eof = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(Args {
        config,
        exit_on_eof,
    }))
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("fake-onezone: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let fault = args.config.fault.clone();
    let (duration, outcome) = (args.config.task_duration, args.config.task_outcome);
    let zone = match FakeZone::start_with(args.config) {
        Ok(z) => z,
        Err(e) => {
            eprintln!("fake-onezone: cannot listen: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = io::stdout().lock();
    if writeln!(out, "{}", zone.url())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::from(1);
    }
    drop(out);
    eprintln!("fake-onezone: Onezone API at {}", zone.api_url());
    eprintln!("fake-onezone:   admin: X-Auth-Token {ADMIN_TOKEN} or basic admin:password");
    eprintln!("fake-onezone:   non-admin: X-Auth-Token {USER_TOKEN} or basic user:password");
    eprintln!(
        "fake-onezone: Oneprovider API at {}",
        zone.service_url("oneprovider")
    );
    eprintln!("fake-onezone:   the Onezone users' tokens (X-Auth-Token or Authorization: Bearer)");
    eprintln!(
        "fake-onezone: Onepanel API at {}",
        zone.service_url("onepanel")
    );
    eprintln!(
        "fake-onezone:   basic {ONEPANEL_USER}:{ONEPANEL_PASSPHRASE}, or the Onezone admin's token"
    );
    eprintln!(
        "fake-onezone:   tasks run {} ms and end {outcome}",
        duration.as_millis()
    );
    if let Some(f) = fault {
        eprintln!("fake-onezone: fault: {f}");
    }
    if args.exit_on_eof {
        // Stops when the parent closes our stdin (or dies).
        let _ = io::copy(&mut io::stdin().lock().take(u64::MAX), &mut io::sink());
        drop(zone);
        return ExitCode::SUCCESS;
    }
    // Serves until SIGINT or SIGTERM, then stops (removing the directory of
    // file contents); until killed otherwise, when the handler cannot be set.
    let (stop, stopped) = std::sync::mpsc::channel();
    if ctrlc::set_handler(move || {
        let _ = stop.send(());
    })
    .is_ok()
    {
        let _ = stopped.recv();
        drop(zone);
        return ExitCode::SUCCESS;
    }
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Option<Args>, String> {
        parse(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_flags() {
        let a = p(&[
            "--port",
            "8080",
            "--fault=status:503:bare",
            "--exit-on-stdin-eof",
            "--task-duration=250",
            "--task-outcome",
            "error",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.config.port, 8080);
        assert_eq!(a.config.task_duration, Duration::from_millis(250));
        assert_eq!(a.config.task_outcome, TaskOutcome::Error);
        assert_eq!(a.config.fault, Some(Fault::Status(503, false)));
        assert!(a.exit_on_eof && a.config.log);
        assert!(p(&["--help"]).unwrap().is_none());
        assert!(p(&["--port"]).is_err());
        assert!(p(&["--port", "x"]).is_err());
        assert!(p(&["--fault", "nope"]).is_err());
        assert!(p(&["--task-duration", "soon"]).is_err());
        assert!(p(&["--task-outcome", "maybe"]).is_err());
        assert!(p(&["--bogus"]).is_err());
    }
}
