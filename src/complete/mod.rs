//! Shell completion for bash, zsh and fish.
//!
//! The scripts are thin (see `bash.rs`, `zsh.rs`, `fish.rs`): on each TAB
//! they call `onezone-rest-cli completions <SHELL> --complete -- <WORDS>`,
//! and this module answers from the same definitions that parse the command
//! line: the catalogue (operations, parameters, body fields, enums),
//! `cli::options()` and `builtins::BUILTINS`. Nothing is copied into the
//! scripts, so they cannot drift from the binary, they load instantly, and a
//! TAB costs one start of the binary (a few milliseconds; see
//! `bench/completion.sh`). The old client offered nothing after a complete
//! operation name and never completed body fields; here every prefix of an
//! operation name offers all operations that start with it, and after the
//! operation come its parameters (`name=`), string fields (`name==`), other
//! fields (`name:=`) and enum values.
//!
//! None of this runs for an ordinary request: it is reached only through the
//! `completions` built-in.

mod bash;
mod fish;
mod zsh;

use crate::auth::Environment;
use crate::builtins::{self, Builtin};
use crate::catalogue::{self, Catalogue, ObjectSchema, Operation, Schema};
use crate::cli;
use crate::exit::{self, Failure};
use crate::help;
use crate::items::{self, Seg, Sep};
use clap::{Arg, ArgMatches, Command};

/// A shell we write a completion script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    pub const ALL: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }

    pub fn from_name(name: &str) -> Option<Shell> {
        Shell::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The completion script, as committed under `completions/`.
    pub fn script(self) -> String {
        let template = match self {
            Shell::Bash => bash::script(),
            Shell::Zsh => zsh::script(),
            Shell::Fish => fish::script(),
        };
        let p = crate::personality::current();
        template
            .replace("@COMMAND@", p.command)
            .replace("@IDENT@", &p.ident())
            .replace("@SERVICE@", p.title())
    }

    /// Answers one TAB: `args` are the words the script passes after `--`.
    /// bash passes its word breaks and the whole line (it splits the line
    /// itself); zsh and fish pass the words before the current one (program
    /// first), then the current word up to the cursor.
    pub fn answer(self, args: &[String], env: &Environment) -> String {
        if self == Shell::Bash {
            return bash::answer(args, env);
        }
        let Some((current, words)) = args.split_last() else {
            return String::new();
        };
        let before = words.get(1..).unwrap_or_default();
        let reply = complete(before, current, env);
        match self {
            Shell::Zsh => zsh::answer(reply),
            _ => fish::answer(reply, current),
        }
    }
}

/// The arguments of the `completions` built-in.
pub fn command() -> Command {
    Command::new("completions")
        .long_about(format!(
            "Print the completion script for SHELL on stdout. Install it as:\n\n\
             bash: {cmd} in\n      ~/.local/share/bash-completion/completions/\n\
             zsh:  _{cmd} in a directory of $fpath\n\
             fish: {cmd}.fish in\n      ~/.config/fish/completions/\n\n\
             After `id=` and the other path parameters, TAB offers\n\
             the IDs the credential can see, with their names (in\n\
             bash when it lists them). They are asked from the\n\
             host a call would use, and kept in the cache directory\n\
             for {ttl} s. A TAB waits at most {limit} ms for the server,\n\
             and after a failure does not ask again for {backoff} s.\n\
             --refresh fetches them again now.",
            cmd = crate::personality::current().command,
            ttl = crate::ids::store::TTL,
            limit = crate::ids::TAB_LIMIT.as_millis(),
            backoff = crate::ids::store::BACKOFF
        ))
        .arg(
            Arg::new("shell")
                .value_name("SHELL")
                .required_unless_present("refresh")
                .value_parser(Shell::ALL.map(Shell::name))
                .help("The shell"),
        )
        .arg(
            Arg::new("refresh")
                .long("refresh")
                .action(clap::ArgAction::SetTrue)
                .conflicts_with("complete")
                .help("Fetch the IDs and names that completion offers again, for the host and credential a call would use"),
        )
        .arg(
            Arg::new("complete")
                .long("complete")
                .action(clap::ArgAction::SetTrue)
                .hide(true)
                .help("Answer one TAB of the script (internal)"),
        )
        .arg(
            Arg::new("line")
                .num_args(0..)
                .last(true)
                .hide(true)
                .action(clap::ArgAction::Append),
        )
}

/// Runs the `completions` built-in.
pub fn run(m: &ArgMatches, env: &Environment) -> Result<u8, Failure> {
    if m.get_flag("refresh") {
        let g = cli::Globals::from_matches(m);
        let base_url = crate::auth::host::host_url(&g, env)?;
        let sel = crate::release::select(&g, Some(&base_url), crate::release::Network::Allowed)?;
        return crate::ids::refresh(&g, env, sel.catalogue);
    }
    let shell = m
        .get_one::<String>("shell")
        .and_then(|s| Shell::from_name(s))
        .ok_or_else(|| Failure::usage("completions: give bash, zsh or fish"))?;
    let text = if m.get_flag("complete") {
        // The words arrive after `cli::normalise`, which may have turned an
        // exact `-ct` into `--content-type`: the same option, so harmless.
        let args: Vec<String> = m
            .get_many::<String>("line")
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        shell.answer(&args, env)
    } else {
        shell.script()
    };
    crate::exit::print(text.as_bytes())?;
    Ok(exit::OK)
}

/// What a candidate is; zsh groups by it, and it decides the trailing space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Operation,
    Command,
    Option,
    Parameter,
    Field,
    Value,
    /// An ID from the server (see [`crate::ids`]), its name as the help.
    Id,
    /// `-` (the body from stdin).
    Item,
}

impl Kind {
    pub fn tag(self) -> &'static str {
        match self {
            Kind::Operation => "operation",
            Kind::Command => "command",
            Kind::Option => "option",
            Kind::Parameter => "parameter",
            Kind::Field => "field",
            Kind::Value => "value",
            Kind::Id => "id",
            Kind::Item => "item",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub kind: Kind,
    /// The word, without the reply's prefix.
    pub word: String,
    /// One line for zsh and fish.
    pub help: String,
}

impl Candidate {
    fn new(kind: Kind, word: impl Into<String>, help: impl Into<String>) -> Self {
        Candidate {
            kind,
            word: word.into(),
            help: one_line(&help.into()),
        }
    }

    /// `name=`, `name==`, `name:=`, `name[`: the user types the value (or
    /// the nested key) right after.
    pub fn no_space(&self) -> bool {
        self.word.ends_with('=') || self.word.ends_with('[')
    }
}

/// The answer to one TAB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Candidates for the current word; each completes to `prefix + word`.
    /// Not filtered by what was typed: zsh and fish match on their own
    /// (case-insensitively, if the user asks them to).
    Words {
        prefix: String,
        candidates: Vec<Candidate>,
    },
    /// File names; the current word is `prefix` followed by a partial path.
    Files { prefix: String },
}

impl Reply {
    fn words(prefix: impl Into<String>, candidates: Vec<Candidate>) -> Self {
        Reply::Words {
            prefix: prefix.into(),
            candidates,
        }
    }

    fn nothing() -> Self {
        Reply::words("", Vec::new())
    }
}

fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 100 {
        let cut: String = line.chars().take(99).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// Where a word of the command line stands.
enum Head {
    /// No operation or built-in yet.
    None,
    Operation(&'static Operation),
    Builtin(&'static Builtin),
    /// A first word that is neither: nothing sensible to offer after it.
    Unknown,
}

/// What the words before the current one say.
struct Context<'a> {
    /// The release the line is for (see [`catalogue_for`]).
    cat: Catalogue,
    head: Head,
    /// Positional words after the head: request items, or a built-in's arguments.
    positionals: Vec<&'a str>,
    /// The previous word is an option that wants a value.
    pending: Option<Arg>,
    /// `--` was given: no more options.
    dashdash: bool,
}

/// The options in effect: a built-in's own (with the global ones), else the global ones.
fn options_for(head: &Head) -> Vec<Arg> {
    match head {
        Head::Builtin(b) => builtins::command(b)
            .get_arguments()
            .filter(|a| !a.is_positional())
            .cloned()
            .collect(),
        _ => cli::options(),
    }
}

fn takes_value(a: &Arg) -> bool {
    a.get_action().takes_values()
}

/// The old client's spellings (`-ac` for `--accept`) with the options they
/// stand for.
pub fn old_spellings() -> Vec<(String, Arg)> {
    let options = cli::options();
    cli::OLD_SPELLINGS
        .iter()
        .filter_map(|(old, new)| {
            let long = new.strip_prefix("--")?;
            let arg = options.iter().find(|a| a.get_long() == Some(long))?;
            Some(((*old).to_owned(), arg.clone()))
        })
        .collect()
}

/// Finds the option a word names; the second value is the value attached
/// to it (`--output=json`, `-ojson`), if any.
fn lookup<'o>(options: &'o [Arg], word: &str) -> Option<(&'o Arg, Option<String>)> {
    let normal = cli::normalise([word.to_owned()]).pop().unwrap_or_default();
    if let Some(long) = normal.strip_prefix("--") {
        let (name, value) = match long.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (long, None),
        };
        return options
            .iter()
            .find(|a| a.get_long() == Some(name))
            .map(|a| (a, value));
    }
    let shorts = normal.strip_prefix('-')?;
    // Bundled shorts: the first one that takes a value takes the rest.
    for (i, c) in shorts.char_indices() {
        let a = options.iter().find(|a| a.get_short() == Some(c))?;
        if takes_value(a) {
            let rest = &shorts[i + c.len_utf8()..];
            return Some((a, (!rest.is_empty()).then(|| rest.to_owned())));
        }
        if i + c.len_utf8() == shorts.len() {
            return Some((a, None));
        }
    }
    None
}

fn is_option(word: &str) -> bool {
    word.len() > 1 && word.starts_with('-')
}

/// The release a command line is for, as a call would choose it without
/// asking the server: `--api-spec`, `--api-version` on the line, the
/// variables, the cached answer of the line's host, or the newest. Quiet:
/// a TAB prints nothing on stderr.
fn catalogue_for(words: &[String], env: &Environment) -> Catalogue {
    let value = |long: &str| -> Option<String> {
        let flag = format!("--{long}");
        let eq = format!("--{long}=");
        let mut found = None;
        for (i, w) in words.iter().enumerate() {
            if w == &flag {
                found = words.get(i + 1).cloned();
            } else if let Some(v) = w.strip_prefix(&eq) {
                found = Some(v.to_owned());
            }
        }
        found
    };
    let g = cli::Globals {
        host: value("host"),
        api_version: value("api-version"),
        api_spec: value("api-spec").map(std::path::PathBuf::from),
        silent: true,
        ..cli::Globals::default()
    };
    let host = crate::auth::host::host_url(&g, env).ok();
    crate::release::select(&g, host.as_deref(), crate::release::Network::Never).map_or_else(
        |_| Catalogue::newest(crate::release::service()),
        |s| s.catalogue,
    )
}

fn context<'a>(words: &'a [String], env: &Environment) -> Context<'a> {
    let mut ctx = Context {
        cat: catalogue_for(words, env),
        head: Head::None,
        positionals: Vec::new(),
        pending: None,
        dashdash: false,
    };
    let mut options = options_for(&ctx.head);
    for w in words {
        if ctx.pending.take().is_some() {
            continue;
        }
        if !ctx.dashdash && w == "--" {
            ctx.dashdash = true;
            continue;
        }
        if !ctx.dashdash && is_option(w) {
            if let Some((a, None)) = lookup(&options, w) {
                if takes_value(a) {
                    ctx.pending = Some(a.clone());
                }
            }
            continue;
        }
        match ctx.head {
            Head::None => {
                ctx.head = if let Some(b) = builtins::find(w) {
                    Head::Builtin(b)
                } else if let Some(op) = ctx.cat.find(w) {
                    Head::Operation(op)
                } else {
                    Head::Unknown
                };
                options = options_for(&ctx.head);
            }
            _ => ctx.positionals.push(w),
        }
    }
    ctx
}

/// The candidates for `current`, given the words before it (program name
/// excluded). `current` is the current word up to the cursor, unquoted.
pub fn complete(words: &[String], current: &str, env: &Environment) -> Reply {
    let ctx = context(words, env);
    let options = options_for(&ctx.head);
    if let Some(a) = &ctx.pending {
        return option_values(a, "", env);
    }
    if !ctx.dashdash && is_option(current) {
        // `--output=js`, `-ojs`: the value of an option.
        if let Some((a, Some(value))) = lookup(&options, current) {
            if takes_value(a) {
                let prefix = &current[..current.len() - value.len()];
                return option_values(a, prefix, env);
            }
        }
    }
    if !ctx.dashdash && current.starts_with('-') {
        let mut c = option_names(&options);
        if let Head::Operation(op) = ctx.head {
            if op.body.is_some() && !ctx.positionals.contains(&"-") {
                c.push(stdin_item());
            }
        }
        return Reply::words("", c);
    }
    match ctx.head {
        Head::None => Reply::words("", heads(ctx.cat, current)),
        Head::Operation(op) => items(ctx.cat, op, &ctx.positionals, current, &Line { words, env }),
        Head::Builtin(b) => builtin_positional(b, ctx.positionals.len(), env),
        Head::Unknown => Reply::nothing(),
    }
}

/// Operation and built-in names; where no operation starts with what was
/// typed, the aliases that do (an alias never hides an operation).
fn heads(cat: Catalogue, current: &str) -> Vec<Candidate> {
    let mut c: Vec<Candidate> = cat
        .operations()
        .map(|op| {
            let mark = if op.deprecated.is_some() {
                " (deprecated)"
            } else {
                ""
            };
            let since = help::since_mark(op);
            Candidate::new(
                Kind::Operation,
                op.name,
                format!("{}{mark}{since}", op.summary),
            )
        })
        .collect();
    if !cat.operations().any(|op| op.name.starts_with(current)) {
        c.extend(
            cat.service
                .aliases
                .iter()
                .filter(|a| a.alias.starts_with(current) && cat.find(a.name).is_some())
                .map(|a| {
                    Candidate::new(
                        Kind::Operation,
                        a.alias,
                        format!("also accepted for {}", a.name),
                    )
                }),
        );
    }
    c.extend(
        builtins::BUILTINS
            .iter()
            .map(|b| Candidate::new(Kind::Command, b.name, b.about)),
    );
    c
}

fn option_names(options: &[Arg]) -> Vec<Candidate> {
    let mut c = Vec::new();
    for a in options.iter().filter(|a| !a.is_hide_set()) {
        let help = a.get_help().map(ToString::to_string).unwrap_or_default();
        if let Some(long) = a.get_long() {
            c.push(Candidate::new(Kind::Option, format!("--{long}"), &help));
        }
        if let Some(short) = a.get_short() {
            c.push(Candidate::new(Kind::Option, format!("-{short}"), &help));
        }
    }
    for (old, a) in old_spellings() {
        if options.iter().any(|o| o.get_id() == a.get_id()) {
            let help = a.get_help().map(ToString::to_string).unwrap_or_default();
            c.push(Candidate::new(Kind::Option, old, help));
        }
    }
    c
}

fn stdin_item() -> Candidate {
    Candidate::new(Kind::Item, "-", "read the body from stdin")
}

/// The values of an option; `prefix` is what stands before the value in
/// the current word (`--output=`), if anything.
fn option_values(a: &Arg, prefix: &str, env: &Environment) -> Reply {
    use clap::ValueHint;
    let id = a.get_id().as_str();
    let values = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(v, h)| Candidate::new(Kind::Value, *v, *h))
            .collect()
    };
    match id {
        "accept" | "content-type" => return Reply::words(prefix, values(cli::MIME_ABBREVIATIONS)),
        "output" => return Reply::words(prefix, values(cli::OUTPUT_FORMATS)),
        "host" => return Reply::words(prefix, known_hosts(env)),
        "api-version" => return Reply::words(prefix, releases()),
        _ => {}
    }
    if matches!(
        a.get_value_hint(),
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath
    ) {
        return Reply::Files {
            prefix: prefix.to_owned(),
        };
    }
    let possible = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| {
            Candidate::new(
                Kind::Value,
                v.get_name(),
                v.get_help().map(ToString::to_string).unwrap_or_default(),
            )
        })
        .collect();
    Reply::words(prefix, possible)
}

/// The releases after `--api-version`, newest first, then their lines.
fn releases() -> Vec<Candidate> {
    let s = crate::release::service();
    let mut out: Vec<Candidate> = s
        .releases
        .iter()
        .rev()
        .map(|r| Candidate::new(Kind::Value, *r, format!("{} {r}", s.title)))
        .collect();
    for r in s.releases.iter().rev() {
        let line: String = r.split('.').take(2).collect::<Vec<_>>().join(".");
        if !out.iter().any(|c| c.word == line) {
            let help = format!("the newest {} {line} release, {r}", s.title);
            out.push(Candidate::new(Kind::Value, line, help));
        }
    }
    out
}

/// Hosts worth offering after `--host`: `$ONEZONE_HOST`, then the hosts
/// `login` remembered in the config file (no keyring is touched).
fn known_hosts(env: &Environment) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = env
        .host
        .iter()
        .map(|h| Candidate::new(Kind::Value, h.as_str(), "from the environment"))
        .collect();
    let Ok(config) = crate::auth::config::Config::load() else {
        return out;
    };
    let default = config.default_host();
    for h in config.hosts() {
        // The config keeps the base URL; --host takes the Zone's URL.
        let url = h
            .url
            .strip_suffix(crate::release::service().base_path)
            .unwrap_or(&h.url)
            .to_owned();
        if out.iter().any(|c| c.word == url) {
            continue;
        }
        let mut help = format!("logged in ({})", h.store);
        if let Some(user) = &h.user {
            help = format!("logged in as {user} ({})", h.store);
        }
        if default.as_deref() == Some(h.url.as_str()) {
            help.push_str(", the default");
        }
        out.push(Candidate::new(Kind::Value, url, help));
    }
    if let Some(d) = default {
        let url = d
            .strip_suffix(crate::release::service().base_path)
            .unwrap_or(&d)
            .to_owned();
        if !out.iter().any(|c| c.word == url) {
            out.push(Candidate::new(Kind::Value, url, "the default host"));
        }
    }
    out
}

/// A built-in's positional argument number `index`.
fn builtin_positional(b: &Builtin, index: usize, env: &Environment) -> Reply {
    let cmd = builtins::command(b);
    let Some(a) = cmd
        .get_positionals()
        .filter(|a| !a.is_hide_set() && !a.is_last_set())
        .nth(index)
    else {
        return Reply::nothing();
    };
    option_values(a, "", env)
}

// ---------------------------------------------------------------------------
// Request items

/// `a[b][]` → `[Key(a), Key(b), Append]`, as the item grammar reads it;
/// `None` for a key it refuses (then nothing is offered for it).
fn key_path(key: &str) -> Option<Vec<Seg>> {
    items::field_path(key, key).ok()
}

fn top_key(key: &str) -> Option<String> {
    match key_path(key)?.into_iter().next() {
        Some(Seg::Key(k)) => Some(k),
        _ => None,
    }
}

/// The value given for a top-level string field, e.g. a discriminator.
fn given_string<'a>(given: &[&'a str], field: &str) -> Option<&'a str> {
    given.iter().find_map(|item| match items::split(item) {
        Some((key, Sep::BodyString, value)) if top_key(key).as_deref() == Some(field) => {
            Some(value)
        }
        _ => None,
    })
}

/// The fields of an object: its own, and those of the variant the
/// discriminator selects (all variants' when none is chosen yet and `all`).
fn object_fields(
    cat: Catalogue,
    obj: &'static ObjectSchema,
    chosen: Option<&str>,
    all: bool,
) -> Vec<&'static catalogue::Field> {
    if chosen.is_none() && all {
        return cat.fields_with_variants(obj);
    }
    let mut fields: Vec<&'static catalogue::Field> = obj.fields.iter().collect();
    if let Some(d) = &obj.discriminator {
        for (value, idx) in d.variants {
            if chosen != Some(*value) {
                continue;
            }
            if let Some(Schema::Object(v)) = cat.named(*idx).map(|s| cat.resolve(s)) {
                for f in v.fields {
                    if !fields.iter().any(|g| g.name == f.name) {
                        fields.push(f);
                    }
                }
            }
        }
    }
    fields
}

/// The allowed string values of a field: its enum (or those of its string
/// alternatives: `infinity`), or a discriminator's variants.
fn string_values(
    cat: Catalogue,
    schema: &'static Schema,
    discriminator_of: Option<&ObjectSchema>,
    name: &str,
) -> Vec<&'static str> {
    let values = cat.string_values(schema);
    if !values.is_empty() {
        return values;
    }
    match discriminator_of.and_then(|o| o.discriminator.as_ref()) {
        Some(d) if d.field == name => d.variants.iter().map(|(v, _)| *v).collect(),
        _ => Vec::new(),
    }
}

fn field_help(cat: Catalogue, f: &'static catalogue::Field, values: &[&str]) -> String {
    let mut help = help::type_label(cat, &f.schema);
    if f.required {
        help.push_str(", required");
    }
    if !values.is_empty() {
        help.push_str("; one of: ");
        help.push_str(&values.join(", "));
    }
    help
}

/// The schema at a key path inside the body (variants included), and the
/// object that holds the last key (for its discriminator).
fn schema_at(
    cat: Catalogue,
    op: &'static Operation,
    path: &[Seg],
) -> Option<(&'static Schema, Option<&'static ObjectSchema>)> {
    let body = op.body.as_ref()?;
    let mut schema: &'static Schema = &body.schema;
    let mut holder = None;
    for seg in path {
        match (seg, cat.resolve(schema)) {
            (Seg::Key(k), Schema::Object(o)) => {
                let f = object_fields(cat, o, None, true)
                    .into_iter()
                    .find(|f| f.name == k)?;
                holder = Some(o);
                schema = &f.schema;
            }
            (Seg::Append | Seg::Index(_), Schema::Array { items, .. }) => {
                holder = None;
                schema = items;
            }
            _ => return None,
        }
    }
    Some((schema, holder))
}

/// Parameter names and what they are for, with the path variants'
/// (`uid=` selects another path of updateGroupHandleServicePrivileges).
fn parameters(cat: Catalogue, op: &'static Operation, given: &[String]) -> Vec<Candidate> {
    let mut sets: Vec<(&'static [catalogue::Param], Option<&str>)> = vec![(op.params, None)];
    sets.extend(op.path_variants.iter().map(|v| (v.params, Some(v.path))));
    // Only the paths that take every parameter already given.
    let fits =
        |params: &[catalogue::Param]| given.iter().all(|g| params.iter().any(|p| p.name == g));
    let any_fits = sets.iter().any(|(p, _)| fits(p));
    let mut out: Vec<Candidate> = Vec::new();
    for (params, path) in sets {
        if any_fits && !fits(params) {
            continue;
        }
        for p in params {
            if given.iter().any(|g| g == p.name)
                || out.iter().any(|c| c.word == format!("{}=", p.name))
            {
                continue;
            }
            let place = match p.location {
                catalogue::ParamIn::Path => "path parameter",
                catalogue::ParamIn::Query => "query parameter",
            };
            let mut help = format!("{}, {place}", help::type_label(cat, &p.schema));
            match path {
                Some(path) if !op.params.iter().any(|q| q.name == p.name) => {
                    help.push_str(&format!(", selects {path}"));
                }
                _ if p.required => help.push_str(", required"),
                _ => {}
            }
            out.push(Candidate::new(
                Kind::Parameter,
                format!("{}=", p.name),
                help,
            ));
        }
    }
    out
}

/// The command line before the current word, for what the server knows.
struct Line<'a> {
    words: &'a [String],
    env: &'a Environment,
}

/// Completion after an operation: its items, or the value of one.
fn items(
    cat: Catalogue,
    op: &'static Operation,
    given: &[&str],
    current: &str,
    line: &Line,
) -> Reply {
    if let Some((key, sep, value)) = items::split(current) {
        if let Some(reply) = item_value(cat, op, key, sep, value, line) {
            return reply;
        }
    }
    let given_params: Vec<String> = given
        .iter()
        .filter_map(|g| match items::split(g) {
            Some((k, Sep::Param, _)) => Some(items::unescape(k)),
            _ => None,
        })
        .collect();
    let given_fields: Vec<String> = given
        .iter()
        .filter_map(|g| match items::split(g) {
            Some((k, Sep::BodyString | Sep::BodyJson, _)) => top_key(k),
            _ => None,
        })
        .collect();
    // A nested field: `a[` offers `a[b]==`, `list[` offers `list[]==`.
    if let Some(open) = current.rfind('[') {
        let base = &current[..open];
        if let Some((schema, _)) = key_path(base).and_then(|path| schema_at(cat, op, &path)) {
            return Reply::words("", nested_fields(cat, base, schema));
        }
    }
    let mut out = parameters(cat, op, &given_params);
    if let Some(obj) = cat.body_object(op) {
        let chosen = obj
            .discriminator
            .as_ref()
            .and_then(|d| given_string(given, d.field));
        for f in object_fields(cat, obj, chosen, false) {
            if f.read_only || given_fields.iter().any(|g| g == f.name) {
                continue;
            }
            let values = string_values(cat, &f.schema, Some(obj), f.name);
            let key = items::escape_key(f.name);
            out.push(Candidate::new(
                Kind::Field,
                format!("{key}{}", cat.separator(&f.schema)),
                field_help(cat, f, &values),
            ));
            // The item by item forms: `list[]==` appends one value,
            // `object[` goes on to the object's own fields.
            match cat.resolve(&f.schema) {
                Schema::Array { items, .. } => {
                    let values = string_values(cat, items, None, "");
                    let mut help = format!("append an item ({})", help::type_label(cat, items));
                    if !values.is_empty() {
                        help.push_str("; one of: ");
                        help.push_str(&values.join(", "));
                    }
                    out.push(Candidate::new(
                        Kind::Field,
                        format!("{key}[]{}", cat.separator(items)),
                        help,
                    ));
                }
                Schema::Object(o) if !o.fields.is_empty() => out.push(Candidate::new(
                    Kind::Field,
                    format!("{key}["),
                    format!("a field of {}", f.name),
                )),
                _ => {}
            }
        }
    } else if op.body.is_some() && !given.contains(&"-") {
        out.push(stdin_item());
    }
    Reply::words("", out)
}

fn nested_fields(cat: Catalogue, base: &str, schema: &'static Schema) -> Vec<Candidate> {
    match cat.resolve(schema) {
        Schema::Object(o) => object_fields(cat, o, None, true)
            .into_iter()
            .filter(|f| !f.read_only)
            .map(|f| {
                let values = string_values(cat, &f.schema, Some(o), f.name);
                Candidate::new(
                    Kind::Field,
                    format!(
                        "{base}[{}]{}",
                        items::escape_key(f.name),
                        cat.separator(&f.schema)
                    ),
                    field_help(cat, f, &values),
                )
            })
            .collect(),
        Schema::Array { items, .. } => vec![Candidate::new(
            Kind::Field,
            format!("{base}[]{}", cat.separator(items)),
            format!("append an item ({})", help::type_label(cat, items)),
        )],
        _ => Vec::new(),
    }
}

/// Completion of the value in `key==…`, `key:=…` (None: `key` is not known
/// for this separator, so the word is still a name being typed, as `type=`
/// on the way to `type==`).
fn item_value(
    cat: Catalogue,
    op: &'static Operation,
    key: &str,
    sep: Sep,
    value: &str,
    line: &Line,
) -> Option<Reply> {
    let prefix = format!("{key}{}", sep.text());
    match sep {
        Sep::Param => {
            // A parameter's enum values (a query parameter's `state=`), and
            // a boolean's two; a path parameter's IDs from the server.
            let name = items::unescape(key);
            let param = op.all_params().into_iter().find(|p| p.name == name)?;

            let schema = match cat.resolve(&param.schema) {
                Schema::Array { items, .. } => items,
                _ => &param.schema,
            };
            let values: Vec<&str> = match cat.resolve(schema) {
                Schema::Boolean => vec!["true", "false"],
                _ => cat.string_values(schema),
            };
            if values.is_empty() && param.location == catalogue::ParamIn::Path {
                let ids = crate::ids::offer(cat, op, &name, line.words, line.env);
                return Some(Reply::words(
                    prefix,
                    ids.into_iter()
                        .map(|(id, name)| Candidate::new(Kind::Id, id, name))
                        .collect(),
                ));
            }
            Some(Reply::words(
                prefix,
                values
                    .into_iter()
                    .map(|v| Candidate::new(Kind::Value, v, ""))
                    .collect(),
            ))
        }
        Sep::Header => Some(Reply::nothing()),
        Sep::BodyString | Sep::BodyJson => {
            let path = key_path(key)?;
            let (schema, holder) = schema_at(cat, op, &path)?;
            if value.starts_with('@') {
                return Some(Reply::Files {
                    prefix: format!("{prefix}@"),
                });
            }
            let name = match path.last() {
                Some(Seg::Key(k)) => k.as_str(),
                _ => "",
            };
            let values: Vec<Candidate> = match (sep, cat.resolve(schema)) {
                // The text values of a string, or of an integer-or-"infinity".
                (Sep::BodyString, _) => {
                    let holder = holder.or_else(|| cat.body_object(op));
                    string_values(cat, schema, holder, name)
                        .into_iter()
                        .map(|v| Candidate::new(Kind::Value, v, ""))
                        .collect()
                }
                (Sep::BodyJson, Schema::Boolean) => ["true", "false"]
                    .into_iter()
                    .map(|v| Candidate::new(Kind::Value, v, ""))
                    .collect(),
                _ => Vec::new(),
            };
            Some(Reply::words(prefix, values))
        }
    }
}

#[cfg(test)]
mod tests;
