//! The man page, `onezone-rest-cli(1)`, from the same definitions as
//! `--help`: the option definitions (`cli::options()`), the item grammar and
//! environment (`help`), the exit codes (`exit`), the built-in commands and
//! the catalogue. `onezone-rest-cli man` prints it; `man/onezone-rest-cli.1`
//! is the committed copy (a test keeps the two equal).

use crate::auth::Environment;
use crate::builtins::{self, Builtin};
use crate::catalogue::{Body, Catalogue, Operation};
use crate::cli::{self, Group};
use crate::exit::{self, Failure, EXIT_CODES};
use crate::help::{self, ITEMS_HELP};
use crate::personality;
use crate::release;
use clap::{Arg, ArgMatches, Command};
use roff::{bold, italic, roman, Inline, Roff};

/// The arguments of the `man` built-in.
pub fn command() -> Command {
    let cmd = personality::current().command;
    Command::new("man").long_about(format!(
        "Print the manual page (roff) on stdout.\n\n\
         Read it with `{cmd} man | man -l -`, or install it as \
         man1/{cmd}.1 in a directory of `manpath`."
    ))
}

/// Runs the `man` built-in.
pub fn run(_: &ArgMatches, _: &Environment) -> Result<u8, Failure> {
    exit::print(page().as_bytes())?;
    Ok(exit::OK)
}

/// The command's name.
fn name() -> &'static str {
    personality::current().command
}

/// The whole page.
pub fn page() -> String {
    let mut r = Roff::new();
    let version = format!("{} {}", name(), env!("CARGO_PKG_VERSION"));
    let title = name().to_uppercase();
    // No date: the page must come out the same on every build.
    r.control(
        "TH",
        [
            title.as_str(),
            "1",
            "\"\"",
            version.as_str(),
            "User Commands",
        ],
    );
    // No hyphenation (it would split operation names), ragged right.
    r.control("nh", []).control("ad", ["l"]);
    section(&mut r, "NAME");
    r.text([roman(format!(
        "{} - command-line client for the Onedata {} REST API",
        name(),
        personality::current().title()
    ))]);
    synopsis(&mut r);
    description_section(&mut r);
    items_section(&mut r);
    options_section(&mut r);
    commands_section(&mut r);
    section(&mut r, "ENVIRONMENT");
    for (name, what) in help::environment() {
        tagged(&mut r, [bold(name)], [roman(sentence(&what))]);
    }
    files_section(&mut r);
    section(&mut r, "EXIT STATUS");
    for (code, what) in EXIT_CODES {
        tagged(&mut r, [bold(code.to_string())], [roman(sentence(what))]);
    }
    examples_section(&mut r);
    operations_section(&mut r);
    section(&mut r, "SEE ALSO");
    r.text([
        bold("curl"),
        roman("(1), "),
        bold("jq"),
        roman(format!(
            "(1); the {} REST API reference in the Onedata documentation.",
            personality::current().title()
        )),
    ]);
    ascii(&r.render())
}

fn section(r: &mut Roff, name: &str) {
    r.control("SH", [name]);
}

fn subsection(r: &mut Roff, name: &str) {
    r.control("SS", [name]);
}

/// `.TP` with a tag line and a paragraph.
fn tagged(r: &mut Roff, tag: impl Into<Vec<Inline>>, body: impl Into<Vec<Inline>>) {
    r.control("TP", []);
    r.text(tag);
    r.text(body);
}

/// Capitalised (unless it starts with a literal such as `user:password`)
/// and ending in a full stop.
fn sentence(text: &str) -> String {
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_end_matches([',', ';', ':', '.']);
    let literal = first.contains(|c: char| !c.is_alphanumeric() && !",;()".contains(c));
    let mut chars = text.chars();
    let mut s: String = match chars.next() {
        Some(c) if !literal => c.to_uppercase().chain(chars).collect(),
        _ => text.to_owned(),
    };
    if !s.ends_with(['.', ':', '!', '?']) {
        s.push('.');
    }
    s
}

/// groff reads ASCII; other characters become its escapes.
/// Stands for groff's `\:` (a place to break a line, printing nothing),
/// which roman text cannot hold (it escapes the backslash); [`ascii`] turns
/// it into `\:`. A private-use character: no catalogue text holds one.
const BREAK_POINT: char = '\u{E000}';

/// A path that may break after each `/`: Onepanel's LUMA paths are wider
/// than a terminal.
fn breakable(path: &str) -> String {
    path.replace('/', &format!("/{BREAK_POINT}"))
}

fn ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            BREAK_POINT => out.push_str("\\:"),
            '…' => out.push_str("..."),
            '—' => out.push_str("\\(em"),
            '–' => out.push_str("\\(en"),
            '→' => out.push_str("\\(->"),
            '‘' | '’' => out.push_str("\\(aq"),
            '“' | '”' => out.push_str("\\(dq"),
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&format!("\\[u{:04X}]", u32::from(c))),
        }
    }
    out
}

fn synopsis(r: &mut Roff) {
    section(r, "SYNOPSIS");
    r.text([
        bold(name()),
        roman(" ["),
        italic("OPTIONS"),
        roman("] "),
        italic("OPERATION"),
        roman(" ["),
        italic("ITEM"),
        roman("]..."),
    ]);
    r.control("br", []);
    r.text([
        bold(name()),
        roman(" "),
        italic("OPERATION"),
        roman(" "),
        bold("--help"),
    ]);
    for b in builtins::BUILTINS {
        r.control("br", []);
        let mut line = vec![bold(name()), roman(" "), bold(b.name), roman(" [")];
        line.push(italic("OPTIONS"));
        line.push(roman("]"));
        line.extend(positionals(b));
        r.text(line);
    }
}

/// ` SHELL`, ` [NAME]`: a built-in's visible positional arguments.
fn positionals(b: &Builtin) -> Vec<Inline> {
    let mut out = Vec::new();
    for (name, required) in help::positionals(b) {
        if required {
            out.extend([roman(" "), italic(name)]);
        } else {
            out.extend([roman(" ["), italic(name), roman("]")]);
        }
    }
    out
}

fn description_section(r: &mut Roff) {
    let cat = Catalogue::newest(release::service());
    section(r, "DESCRIPTION");
    r.text([roman(format!(
        "{} {} calls its REST API (base path {}) with one \
         subcommand per operation. It knows the releases {}; in the newest, {} operations in {} \
         groups, listed under OPERATIONS below with the releases that have them where not all do.",
        personality::current().blurb,
        name(),
        cat.service.base_path,
        cat.service.releases.join(", "),
        cat.operations().count(),
        cat.tags().count(),
    ))]);
    r.control("PP", []);
    r.text([roman(format!(
        "The release a call uses comes from, in this order: --api-spec, --api-version, the \
         variables {} and {}, what the server reports at GET /configuration (asked once a day \
         per host and cached, within 10 s or -m), or else the newest. --dry-run, --help and completion never ask the server. \
         An operation that the release in use lacks is refused (exit status 2) with the releases \
         that have it. For a release newer than all of these (Onedata 25.x), give its Swagger 2.0 \
         spec with --api-spec FILE: it is compiled once and cached, and then works as a built-in \
         release. A spec kept as a tree of YAML files (paths/, definitions/) must first be \
         bundled into one file, for example with swagger-cli bundle.",
        crate::personality::current().spec_var,
        crate::personality::current().version_var,
    ))]);
    r.control("PP", []);
    r.text([
        roman("The words after the operation are request items (see "),
        bold("REQUEST ITEMS"),
        roman("): path parameters, body fields and headers. Options may stand before or after the operation. "),
        italic("OPERATION"),
        roman(" "),
        bold("--help"),
        roman(" shows an operation's parameters, body fields with their types and allowed values, \
               its responses and an example; "),
        bold("--dry-run"),
        roman(" prints the request as a curl command instead of sending it."),
    ]);
    r.control("PP", []);
    let p = personality::current();
    let mut sources = vec!["a header item", "-u", p.api_key_var];
    sources.extend(p.basic_auth_var);
    sources.push(personality::GENERIC_API_KEY_VAR);
    r.text([roman(format!(
        "The answer goes to stdout, errors and warnings to stderr; the exit status tells \
         what went wrong (see EXIT STATUS). The credential comes from {} or the keyring \
         entry that login stored, in this order; exactly one is sent.",
        sources.join(", ")
    ))]);
}

fn items_section(r: &mut Roff) {
    section(r, "REQUEST ITEMS");
    for (item, what) in ITEMS_HELP {
        tagged(r, [bold(*item)], [roman(sentence(what))]);
    }
    r.control("PP", []);
    r.text([roman(
        "The separator is the first one in the item: id=a==b is the parameter id with the \
         value a==b, and X-Note:a=b is a header. Body fields are checked against the API \
         schema before anything is sent (see --force).",
    )]);
}

/// `-o, --output FORMAT`.
fn option_tag(a: &Arg) -> Vec<Inline> {
    let mut tag = Vec::new();
    if let Some(s) = a.get_short() {
        tag.push(bold(format!("-{s}")));
    }
    if let Some(l) = a.get_long() {
        if !tag.is_empty() {
            tag.push(roman(", "));
        }
        tag.push(bold(format!("--{l}")));
    }
    if a.get_action().takes_values() {
        tag.push(roman(" "));
        tag.push(italic(help::value_name(a)));
    }
    tag
}

fn option_entry(r: &mut Roff, a: &Arg) {
    let help = a.get_help().map(ToString::to_string).unwrap_or_default();
    tagged(r, option_tag(a), [roman(sentence(&help))]);
    match a.get_id().as_str() {
        "accept" => {
            // `--content-type` takes the same; its help says so.
            r.control("IP", []);
            let mut text = vec![roman("Abbreviations: ")];
            for (i, (abbr, mime)) in cli::MIME_ABBREVIATIONS.iter().enumerate() {
                if i > 0 {
                    text.push(roman(", "));
                }
                text.push(bold(*abbr));
                text.push(roman(format!(" ({mime})")));
            }
            text.push(roman("."));
            r.text(text);
        }
        "output" => {
            r.control("RS", []);
            r.control("PD", ["0"]);
            for (value, what) in cli::OUTPUT_FORMATS {
                r.control("TP", ["8"]);
                r.text([bold(*value)]);
                r.text([roman(*what)]);
            }
            r.control("PD", []);
            r.control("RE", []);
        }
        _ => {}
    }
}

fn options_section(r: &mut Roff) {
    section(r, "GLOBAL OPTIONS");
    let options = cli::options();
    for group in Group::ALL {
        subsection(r, group.title());
        if group == Group::Curl {
            r.text([roman(
                "Accepted for scripts that passed curl options through the old client; \
                 any other curl option is an error that lists these.",
            )]);
        }
        for a in options
            .iter()
            .filter(|a| Group::of(a) == Some(group) && !a.is_hide_set())
        {
            option_entry(r, a);
        }
    }
}

fn commands_section(r: &mut Roff) {
    if builtins::BUILTINS.is_empty() {
        return;
    }
    section(r, "COMMANDS");
    r.text([roman(
        "Lower-case words name built-in commands; they never collide with the camelCase operations.",
    )]);
    for b in builtins::BUILTINS {
        let mut tag = vec![bold(b.name)];
        tag.extend(positionals(b));
        r.control("TP", []);
        r.text(tag);
        let cmd = (b.args)();
        let about = cmd
            .get_long_about()
            .map(ToString::to_string)
            .unwrap_or_else(|| b.about.to_owned());
        let mut paragraphs = about.split("\n\n");
        r.text([roman(sentence(
            paragraphs.next().unwrap_or_default().trim(),
        ))]);
        for p in paragraphs {
            r.control("IP", []);
            if p.trim_end().contains('\n') {
                // Lines meant as lines (install places).
                r.control("nf", []);
                r.text([roman(p.trim_end())]);
                r.control("fi", []);
            } else {
                r.text([roman(p.trim())]);
            }
        }
        let own: Vec<&Arg> = cmd.get_arguments().filter(|a| !a.is_hide_set()).collect();
        if !own.is_empty() {
            r.control("RS", []);
            for a in own {
                if a.is_positional() {
                    let values: Vec<String> = a
                        .get_possible_values()
                        .iter()
                        .map(|v| v.get_name().to_owned())
                        .collect();
                    let help = a.get_help().map(ToString::to_string).unwrap_or_default();
                    let mut text = sentence(&help);
                    if !values.is_empty() && !help.contains(&values.join(", ")) {
                        text.push_str(&format!(" One of: {}.", values.join(", ")));
                    }
                    tagged(r, [italic(help::value_name(a))], [roman(text)]);
                } else {
                    option_entry(r, a);
                }
            }
            r.control("RE", []);
        }
    }
}

fn files_section(r: &mut Roff) {
    use crate::auth::config::FILE_NAME;
    use crate::auth::keyring::Backend;
    let cmd = name();
    section(r, "FILES");
    let stores: Vec<&str> = Backend::ALL.iter().map(|b| b.describe()).collect();
    let names: Vec<&str> = Backend::ALL.iter().map(|b| b.name()).collect();
    tagged(
        r,
        [bold("the OS keyring")],
        [roman(format!(
            "Credentials stored by login, one per host, under the service name {cmd}, \
             keyed by the host's URL, in one of: {}. login --store picks one ({}); the \
             default is the first this platform has. logout removes the credential. Nothing \
             secret is written to a file.",
            stores.join("; "),
            names.join(", "),
        ))],
    );
    tagged(
        r,
        [italic("config-dir"), bold(format!("/{cmd}/{FILE_NAME}"))],
        [roman(format!(
            "The config file, in $XDG_CONFIG_HOME when it is set, else the platform's \
             configuration directory (~/.config on Linux, ~/Library/Application Support on \
             macOS, %APPDATA% on Windows). It remembers the host of the last login (used when \
             neither --host nor {} is given) and which hosts have a credential in \
             which store; never a secret.",
            personality::current().host_var
        ))],
    );
    tagged(
        r,
        [italic("cache-dir"), bold(format!("/{cmd}/releases.json"))],
        [roman(
            "The release each host reported at GET /configuration, with the time it was asked \
             (asked again after a day, or after a 404 from a cached release). In $XDG_CACHE_HOME \
             when it is set, else the platform's cache directory (~/.cache on Linux, \
             ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows). May be deleted at any time.",
        )],
    );
    tagged(
        r,
        [italic("cache-dir"), bold(format!("/{cmd}/specs/"))],
        [roman(
            "Specs given with --api-spec, compiled: one binary catalogue per spec content \
             and program version (<SHA-256>.bin, sealed with the SHA-256 of its bytes), and a \
             stamp per spec path (the file's identity when it was read), so that an unchanged \
             spec is not read again. May be deleted at any time.",
        )],
    );
}

fn examples_section(r: &mut Roff) {
    section(r, "EXAMPLES");
    for (i, (what, lines)) in personality::current().examples.iter().enumerate() {
        if i > 0 {
            r.control("PP", []);
        }
        r.text([roman(*what)]);
        r.control("RS", ["4"]);
        r.control("nf", []);
        for line in *lines {
            r.text([roman(*line)]);
        }
        r.control("fi", []);
        r.control("RE", []);
    }
}

fn operations_section(r: &mut Roff) {
    let cat = Catalogue::newest(release::service());
    section(r, "OPERATIONS");
    r.text([
        roman(format!(
            "Paths are relative to the base path {}. ",
            cat.service.base_path
        )),
        bold("name="),
        roman(" is a path parameter, "),
        bold("name=="),
        roman(" a string body field, "),
        bold("name:="),
        roman(" a body field of another JSON type; * marks what is required. "),
        italic("OPERATION"),
        roman(" "),
        bold("--help"),
        roman(" tells the types, allowed values and responses."),
    ]);
    for tag in cat.tags() {
        subsection(r, tag);
        for op in cat.operations().filter(|op| op.tag == tag) {
            operation_entry(r, cat, op);
        }
    }
    let mut gone: Vec<&str> = cat
        .service
        .operations
        .iter()
        .map(|op| op.name)
        .filter(|name| cat.find(name).is_none())
        .collect();
    gone.dedup();
    if !gone.is_empty() {
        subsection(r, "Older releases only");
        for name in gone {
            r.control("TP", []);
            r.text([bold(name)]);
            let mut text = help::releases_of(cat, name).unwrap_or_default();
            if let crate::catalogue::Absence::Renamed { to, since } = cat.absence(name) {
                text.push_str(&format!("; called {to} from {since}"));
            }
            r.text([roman(format!("Exists {text}."))]);
        }
    }
}

fn operation_entry(r: &mut Roff, cat: Catalogue, op: &'static Operation) {
    r.control("TP", []);
    r.text([bold(op.name)]);
    let mut summary = sentence(op.summary);
    if let Some(d) = &op.deprecated {
        summary.push_str(" Deprecated");
        if !d.replacements.is_empty() {
            summary.push_str(&format!("; use {} instead", d.replacements.join(" or ")));
        }
        summary.push('.');
    }
    if let Some(releases) = help::releases_of(cat, op.name) {
        summary.push_str(&format!(" Exists {releases}."));
    }
    let aliases: Vec<&str> = cat.aliases_of(op.name).collect();
    if !aliases.is_empty() {
        summary.push_str(&format!(" Also accepted: {}.", aliases.join(", ")));
    }
    r.text([roman(summary)]);
    r.control("br", []);
    r.text([roman(format!("{} {}", op.method, breakable(op.path)))]);
    for v in op.path_variants {
        let extra: Vec<String> = v
            .params
            .iter()
            .filter(|p| !op.params.iter().any(|q| q.name == p.name))
            .map(|p| format!("{}=", p.name))
            .collect();
        r.control("br", []);
        r.text([roman(format!(
            "{} {} (with {})",
            op.method,
            breakable(v.path),
            extra.join(", ")
        ))]);
    }
    let params: Vec<String> = op
        .all_params()
        .iter()
        .map(|p| format!("{}={}", p.name, if p.required { "*" } else { "" }))
        .collect();
    if !params.is_empty() {
        r.control("br", []);
        r.text([roman(format!("Parameters: {}", params.join(" ")))]);
    }
    if let Some(body) = &op.body {
        r.control("br", []);
        r.text([roman(body_summary(cat, op, body))]);
    }
}

fn body_summary(cat: Catalogue, op: &'static Operation, body: &'static Body) -> String {
    let need = if body.required { "" } else { ", optional" };
    match cat.body_object(op) {
        Some(o) if !o.fields.is_empty() => {
            let mut fields: Vec<String> = o
                .fields
                .iter()
                .filter(|f| !f.read_only)
                .map(|f| {
                    let star = if f.required { "*" } else { "" };
                    format!("{}{}{star}", f.name, cat.separator(&f.schema))
                })
                .collect();
            if let Some(d) = &o.discriminator {
                let values: Vec<&str> = d.variants.iter().map(|(v, _)| *v).collect();
                fields.push(format!(
                    "(more fields by {}: {})",
                    d.field,
                    values.join(", ")
                ));
            }
            if o.additional.is_some() {
                fields.push("(other fields allowed)".into());
            }
            format!("Body{need}: {}", fields.join(" "))
        }
        _ => format!(
            "Body{need}: {} from stdin (-)",
            help::type_label(cat, &body.schema)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command, operation, option and item of every command's
    /// examples exists: the operation in that command's newest catalogue,
    /// the item's name among its parameters or top-level body fields (or a
    /// header item).
    #[test]
    fn examples_name_real_operations_and_items() {
        let options = cli::options();
        let takes_value = |w: &str| {
            options.iter().any(|a| {
                let long = a.get_long().is_some_and(|l| w == format!("--{l}"));
                let short = a.get_short().is_some_and(|c| w == format!("-{c}"));
                (long || short) && a.get_action().takes_values()
            })
        };
        let known = |w: &str| {
            options.iter().any(|a| {
                a.get_long().is_some_and(|l| w == format!("--{l}"))
                    || a.get_short().is_some_and(|c| w == format!("-{c}"))
            })
        };
        let mut checked = 0;
        for p in personality::ALL {
            for (_, lines) in p.examples {
                let text = lines.join("\n").replace("\\\n", " ");
                for command in text.lines() {
                    let command = command.replace("$(", "").replace(')', "");
                    let words = shlex::split(&command).expect("shell words");
                    let Some((i, q)) = words.iter().enumerate().find_map(|(i, w)| {
                        personality::ALL
                            .iter()
                            .find(|q| w.ends_with(q.command))
                            .map(|q| (i, q))
                    }) else {
                        continue;
                    };
                    let rest: Vec<&String> = words[i + 1..]
                        .iter()
                        .take_while(|w| !["|", ">", "<"].contains(&w.as_str()))
                        .collect();
                    let mut op = None;
                    let mut skip = false;
                    for word in rest {
                        if std::mem::take(&mut skip) || word == "-" {
                            continue;
                        }
                        if word.starts_with('-') {
                            assert!(known(word), "{word}: no such option, in: {command}");
                            skip = takes_value(word);
                            continue;
                        }
                        let Some(o) = op else {
                            let found = Catalogue::newest(q.service).find(word);
                            assert!(found.is_some(), "{}: no operation {word}", q.command);
                            op = found;
                            checked += 1;
                            continue;
                        };
                        let cut = word.find(['=', ':', '[']).unwrap_or(word.len());
                        let name = &word[..cut];
                        let header = word[cut..].starts_with(':') && !word[cut..].starts_with(":=");
                        let param = o.params.iter().any(|x| x.name == name);
                        let field = Catalogue::newest(q.service)
                            .body_object(o)
                            .is_some_and(|obj| obj.fields.iter().any(|f| f.name == name));
                        assert!(
                            header || param || field,
                            "{name} is not an item of {}, in: {command}",
                            o.name
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked >= 25, "{checked}");
    }

    #[test]
    fn every_operation_and_option_is_on_the_page() {
        let page = page();
        for op in Catalogue::newest(release::service()).operations() {
            assert!(
                page.contains(&format!("\\fB{}\\fR", op.name)),
                "{}",
                op.name
            );
        }
        for a in cli::options() {
            if let Some(l) = a.get_long() {
                let long = format!("\\fB\\-\\-{}\\fR", l.replace('-', "\\-"));
                assert!(page.contains(&long), "{long}");
            }
        }
        for (code, _) in EXIT_CODES {
            assert!(page.contains(&format!(".TP\n\\fB{code}\\fR\n")), "{code}");
        }
        assert!(page.is_ascii());
    }
}
