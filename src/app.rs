//! From the command line to the exit code: parse, look up the operation,
//! build the request, then print it as curl (`--dry-run`) or send it.

use crate::auth::{self, Environment};
use crate::builtins;
use crate::catalogue;
use crate::cli::{self, Globals};
use crate::exit::{self, Failure};
use crate::help;
use crate::request::{self, Request};
use std::io::{Read, Write};

/// Runs the tool with the arguments after the program name.
pub fn run(args: Vec<String>) -> u8 {
    let env = Environment::from_process().map_err(|e| Failure::new(exit::CONFIG, e));
    match env.and_then(|env| dispatch(args, &env)) {
        Ok(code) => code,
        Err(f) => {
            if !f.lines.is_empty() {
                let _ = writeln!(std::io::stderr().lock(), "{f}");
            }
            f.code
        }
    }
}

fn dispatch(args: Vec<String>, env: &Environment) -> Result<u8, Failure> {
    if let Some(i) = cli::first_word(&args) {
        if let Some(b) = builtins::find(&args[i]) {
            let rest: Vec<String> = args[..i].iter().chain(&args[i + 1..]).cloned().collect();
            return builtins::run(b, &rest, env);
        }
    }
    let inv = cli::parse(args).map_err(Failure::usage)?;
    let g = &inv.globals;
    let op = match inv.words.first() {
        Some(name) => Some(catalogue::find(name).ok_or_else(|| {
            let mut f = Failure::usage(format!("unknown operation {name:?}"));
            let close = help::suggestions(name);
            if !close.is_empty() {
                f = f.hint(format!("did you mean: {}?", close.join(", ")));
            }
            f.hint("run `onezone-rest-cli --help` for the list of operations")
        })?),
        None => None,
    };
    if g.help {
        return print(&op.map_or_else(help::global, help::operation));
    }
    if g.version {
        return print(&help::version());
    }
    if g.about {
        return print(&help::about());
    }
    let (Some(op), [_, items @ ..]) = (op, inv.words.as_slice()) else {
        return Err(Failure::usage("no operation given")
            .hint("usage: onezone-rest-cli [OPTIONS] <OPERATION> [ITEM]...")
            .hint("run `onezone-rest-cli --help` for the list of operations"));
    };

    let base_url = crate::auth::host::host_url(g, env)?;
    let opts = request::Options::new(base_url, g);
    let stdin = || {
        let mut buf = Vec::new();
        std::io::stdin().lock().read_to_end(&mut buf).map(|_| buf)
    };
    let mut req = request::build(op, items, &opts, stdin).map_err(|e| Failure {
        code: exit::USAGE,
        lines: e.0,
    })?;
    req.credential = auth::resolve(&mut req.headers, g.user.as_deref(), env, || {
        crate::auth::host::stored_credential(&opts.base_url, g)
    })
    .map_err(|e| Failure::new(exit::CONFIG, e))?;
    warn_deprecated(&req, g);
    if g.dry_run {
        return print(&(crate::curl::render(&req, g) + "\n"));
    }
    crate::net::send(&req, g)
}

fn warn_deprecated(req: &Request, g: &Globals) {
    let Some(d) = &req.operation.deprecated else {
        return;
    };
    if !g.warnings() {
        return;
    }
    let instead = if d.replacements.is_empty() {
        String::new()
    } else {
        format!("; use {} instead", d.replacements.join(" or "))
    };
    let _ = writeln!(
        std::io::stderr(),
        "warning: {} is deprecated{instead}",
        req.operation.name
    );
}

fn print(text: &str) -> Result<u8, Failure> {
    exit::print(text.as_bytes()).map(|()| exit::OK)
}
