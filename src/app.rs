//! From the command line to the exit code: parse, look up the operation,
//! build the request, then print it as curl (`--dry-run`) or send it.

use crate::auth::{self, Environment};
use crate::builtins;
use crate::catalogue::{Catalogue, Operation};
use crate::cli::{self, Globals};
use crate::exit::{self, Failure};
use crate::fix;
use crate::help;
use crate::release::{self, Network, Selection};
use crate::request::{self, Request};
use std::cell::RefCell;
use std::io::{Read, Write};

/// Runs the tool with the arguments after the program name.
pub fn run(args: Vec<String>) -> u8 {
    // Before any credential is read (the environment's, below).
    crate::auth::disable_core_dumps();
    // Before the command line is parsed, so that its errors obey -nc too.
    let no_colors = args
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--no-colors" || a == "-nc");
    crate::output::init_colours(no_colors);
    let env = Environment::from_process().map_err(|e| Failure::new(exit::CONFIG, e));
    match env.and_then(|env| dispatch(args, &env)) {
        Ok(code) => code,
        Err(f) => {
            if !f.lines.is_empty() {
                let line = crate::output::labelled(&f.to_string());
                let _ = writeln!(std::io::stderr().lock(), "{line}");
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
    let inv = match cli::parse(args.clone()) {
        Ok(inv) => inv,
        Err(msg) => {
            return Err(option_for_item(&args).unwrap_or_else(|| Failure {
                code: exit::USAGE,
                lines: msg.lines().map(str::to_owned).collect(),
            }))
        }
    };
    let g = &inv.globals;
    // The version of the tool needs no release, so no variable can break it.
    if g.version && !g.help {
        return print(&help::version());
    }
    let informational = g.help || g.about;
    // Help and --about need no host; a call does, and --dry-run prints it.
    let base_url = if informational {
        crate::auth::host::host_url(g, env).ok()
    } else if inv.words.is_empty() {
        None
    } else {
        Some(crate::auth::host::host_url(g, env)?)
    };
    // First without the network: an unknown operation, or a command line
    // that the release at hand refuses, is refused before any server is
    // asked which release it runs.
    let offline = release::select(g, base_url.as_deref(), Network::Never)?;
    let asks = !g.dry_run && release::detect::needs_asking(&offline, base_url.is_some());
    let name = inv.words.first().map(|w| alias(&offline, w, g));
    if let Some(name) = name {
        if offline.catalogue.find(name).is_none() && release::absent(&offline, name).is_none() {
            // `--help WORD`: the operations about WORD.
            if g.help {
                let text = crate::commands::help::about_word(offline.catalogue, name)?;
                return crate::pager::print(&text, g.no_pager);
            }
            return Err(unknown_operation(name, &offline));
        }
    }
    if informational || !asks {
        offline.print_notes(g);
    }
    if informational {
        let cat = offline.catalogue;
        let op = match name {
            Some(name) => Some(find(&offline, name)?),
            None => None,
        };
        return match (g.help, op) {
            (true, Some(op)) => crate::pager::print(&help::operation(cat, op), g.no_pager),
            (true, None) if g.long_help => crate::pager::print(&help::global(&offline), g.no_pager),
            (true, None) => print(&help::short(&offline)),
            (false, _) => print(&help::about(&offline)),
        };
    }
    let (Some(name), Some(base_url), [_, items @ ..]) = (name, base_url, inv.words.as_slice())
    else {
        let cmd = crate::personality::current().command;
        return Err(Failure::usage("no operation given")
            .hint(format!("usage: {cmd} [OPTIONS] <OPERATION> [ITEM]..."))
            .hint(format!("run `{cmd} --help` for the list of operations")));
    };
    if g.warnings() {
        for name in auth::empty_credential_vars(|k| std::env::var_os(k)) {
            let _ = writeln!(
                std::io::stderr(),
                "warning: {name} is set but empty; it is ignored (unset it, or give it the credential)"
            );
        }
    }

    // The body from stdin is read once, though the request may be built
    // twice (for the release at hand, then for the one the server reports).
    let stdin = Stdin::default();
    // curl's -d, read once (a file, or stdin) before any request is built.
    let data = data_body(g, &stdin)?;
    if let Some(f) = &g.write_out {
        crate::write_out::Format::parse(f).map_err(Failure::usage)?;
    }
    let build = |sel: &Selection| -> Result<Request, Failure> {
        let op = find(sel, name)?;
        if let Some(m) = &g.request_method {
            if !m.eq_ignore_ascii_case(op.method) {
                return Err(Failure::usage(format!(
                    "-X {m}: {} is a {} (its method is not a choice)",
                    op.name, op.method
                ))
                .hint("drop -X"));
            }
        }
        fix::warn_unread_stdin(op, items, g);
        let mut opts = request::Options::new(base_url.clone(), sel.catalogue, g);
        opts.data = data.clone();
        request::build(op, items, &opts, || stdin.read()).map_err(|e| {
            let hints = fix::hints(sel.catalogue, op, items, stdin.already_read().as_deref());
            Failure {
                code: exit::USAGE,
                lines: e.0.into_iter().chain(hints).collect(),
            }
        })
    };
    // Built for the release at hand first. Where the server is to be asked
    // anyway, a refusal is provisional: its release may take the items (a
    // field added or renamed); if the server cannot be reached, the
    // refusal is what is reported.
    let mut built = match (offline.catalogue.find(name), asks) {
        (Some(_), false) => Some(Ok(build(&offline)?)),
        (Some(_), true) => Some(build(&offline)),
        (None, _) if g.dry_run => Some(build(&offline)),
        (None, _) => None,
    };
    let mut sel = offline;
    if asks {
        let asked = match release::select(g, Some(&base_url), Network::Allowed) {
            Ok(asked) => asked,
            Err(unreached) => return Err(built.and_then(Result::err).unwrap_or(unreached)),
        };
        asked.print_notes(g);
        if asked.catalogue != sel.catalogue {
            built = None;
        }
        sel = asked;
    }
    let mut req = match built {
        Some(req) => req?,
        None => build(&sel)?,
    };
    for n in &req.notes {
        release::note(g, n);
    }
    req.credential = auth::resolve(&mut req.headers, g.user.as_deref(), env, || {
        crate::auth::host::stored_credential(&base_url, g)
    })
    .map_err(|e| Failure::new(exit::CONFIG, e))?;
    warn_deprecated(&req, sel.catalogue, items, g);
    if g.dry_run {
        release::note(g, &format!("built for {}", sel.describe()));
        return print(&(crate::curl::render(&req, g) + "\n"));
    }
    if g.verbose {
        let _ = writeln!(std::io::stderr(), "* API: {}", sel.describe());
    }
    if let Some(path) = &g.output_file {
        crate::output_file::check(path)?;
    }
    if g.wait {
        // Checked before the task starts, not after.
        crate::task::wait_limit(g)?;
    }
    crate::net::complete_credential(&mut req)?;
    if let Some(done) = crate::names::run(&req, sel.catalogue, g) {
        return done;
    }
    let sent = crate::net::send(&req, g).map_err(|f| stale_release(f, &sel, &base_url))?;
    // A change the server accepted: completion's cached IDs follow it.
    crate::ids::touched(&req);
    match sent {
        crate::net::Sent::Printed(code) => Ok(code),
        crate::net::Sent::Task(task) => crate::task::wait(task, &req, sel.catalogue, g),
    }
}

/// A 404 from a server whose release came from the cache may mean that
/// the server no longer has the path the catalogue expects (an upgrade or
/// a downgrade): the next call asks the server again. A missing resource
/// also answers 404, and the answer does not reliably tell the two apart; the
/// cost is one small question on the next call, so nothing is said.
fn stale_release(f: Failure, sel: &Selection, base_url: &str) -> Failure {
    if f.http_status() == Some(404) && matches!(sel.source, release::Source::Cache { .. }) {
        release::detect::forget(base_url);
    }
    f
}

/// The operation name `word` stands for: itself, or the operation an alias
/// names (said on stderr, unless `-s`). An alias is never an operation's
/// name in any release, so it cannot hide one.
fn alias<'a>(sel: &Selection, word: &'a str, g: &Globals) -> &'a str {
    let Some(a) = sel.catalogue.alias(word) else {
        return word;
    };
    if g.warnings() {
        let _ = writeln!(
            std::io::stderr(),
            "{} {word} is an old name of {name}; use {name}",
            crate::output::label("note"),
            name = a.name
        );
    }
    a.name
}

/// The operation `name` of the selected release, or why it is not there.
fn find(sel: &Selection, name: &str) -> Result<&'static Operation, Failure> {
    sel.catalogue
        .find(name)
        .ok_or_else(|| release::absent(sel, name).unwrap_or_else(|| unknown_operation(name, sel)))
}

/// `createGroup --name x`: an unknown long option whose name is a
/// parameter or a body field of the operation is refused with the item
/// that says it (`name==x`, `name=x` for a parameter).
fn option_for_item(args: &[String]) -> Option<Failure> {
    let (at, name, value, span) = cli::unknown_long_option(args)?;
    let rest: Vec<String> = args[..at]
        .iter()
        .chain(&args[at + span..])
        .cloned()
        .collect();
    let inv = cli::parse(rest).ok()?;
    let sel = release::select(&inv.globals, None, Network::Never).ok()?;
    let word = inv.words.first()?;
    let op = sel
        .catalogue
        .find(sel.catalogue.alias(word).map_or(word.as_str(), |a| a.name))?;
    let value = value.unwrap_or_else(|| "VALUE".into());
    let item = if op.all_params().iter().any(|p| p.name == name) {
        format!("{name}={value}")
    } else {
        let body = op.body.as_ref()?;
        let crate::catalogue::Schema::Object(obj) = sel.catalogue.resolve(&body.schema) else {
            return None;
        };
        let field = obj.fields.iter().find(|f| f.name == name)?;
        let array = matches!(
            sel.catalogue.resolve(&field.schema),
            crate::catalogue::Schema::Array { .. }
        );
        format!("{name}{}=={value}", if array { "[]" } else { "" })
    };
    let item = fix::shell_word(&item);
    Some(
        Failure::usage(format!(
            "unknown option --{name}: {name} is an item of {}, not an option",
            op.name
        ))
        .hint(format!("give it as {item}")),
    )
}

/// The body of curl's `-d DATA` (`@FILE` reads FILE, `@-` stdin),
/// `--data-binary` (the same) or `--data-raw` (as given); given once.
fn data_body(g: &Globals, stdin: &Stdin) -> Result<Option<Vec<u8>>, Failure> {
    let (option, value) = match g.data.as_slice() {
        [] => return Ok(None),
        [one] => one,
        [(a, _), (b, _), ..] => {
            return Err(Failure::usage(format!(
                "--{a} and --{b}: the body is given twice; give it once"
            )))
        }
    };
    let from = match value.strip_prefix('@') {
        Some(from) if *option != "data-raw" => from,
        _ => return Ok(Some(value.clone().into_bytes())),
    };
    let bytes = if from == "-" {
        stdin.read()
    } else {
        std::fs::File::open(from).and_then(|f| {
            let mut bytes = Vec::new();
            f.take(request::TEXT_BODY_LIMIT + 1)
                .read_to_end(&mut bytes)?;
            if bytes.len() as u64 > request::TEXT_BODY_LIMIT {
                return Err(std::io::Error::other(format!(
                    "larger than {} MiB; stream a file with -T FILE instead",
                    request::TEXT_BODY_LIMIT >> 20
                )));
            }
            Ok(bytes)
        })
    };
    bytes
        .map(Some)
        .map_err(|e| Failure::usage(format!("--{option} @{from}: {}", request::io_reason(&e))))
}

/// Standard input, read at most once.
#[derive(Default)]
struct Stdin(RefCell<Option<Vec<u8>>>);

impl Stdin {
    fn read(&self) -> std::io::Result<Vec<u8>> {
        if let Some(bytes) = self.0.borrow().as_ref() {
            return Ok(bytes.clone());
        }
        let mut buf = Vec::new();
        std::io::stdin().lock().read_to_end(&mut buf)?;
        *self.0.borrow_mut() = Some(buf.clone());
        Ok(buf)
    }

    /// What [`Stdin::read`] read, if it was called.
    fn already_read(&self) -> Option<Vec<u8>> {
        self.0.borrow().clone()
    }
}

fn unknown_operation(name: &str, sel: &Selection) -> Failure {
    let mut f = Failure::usage(format!("unknown operation {name:?}"));
    let close = crate::suggest::operations(sel.catalogue, name);
    if !close.is_empty() {
        f = f.hint(format!("did you mean: {}?", close.join(", ")));
    }
    f.hint(format!(
        "run `{} --help` for the list of operations",
        crate::personality::current().command
    ))
}

/// The warning for a deprecated operation, with the replacement built from
/// the same items (see [`crate::deprecation`]).
fn warn_deprecated(req: &Request, cat: Catalogue, items: &[String], g: &Globals) {
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
    let example = crate::deprecation::suggest(cat, req.operation, items)
        .map(|s| {
            format!(
                ", for example:\n  {}",
                s.render(crate::personality::current().command)
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        std::io::stderr(),
        "{} {} is deprecated{instead}{example}",
        crate::output::label("warning"),
        req.operation.name
    );
}

fn print(text: &str) -> Result<u8, Failure> {
    exit::print(text.as_bytes()).map(|()| exit::OK)
}
