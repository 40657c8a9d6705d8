//! The official examples run: every operation of every spec file
//! (`../shared/onedata-api/<service>-<release>.json`, for each release our
//! catalogues hold) carries `x-code-samples`, the documentation's example
//! invocation for the old generated Bash clients. Each Shell sample is run
//! as a user pasting it would run it (shell variables given plausible
//! values, a piped body fed on stdin), with `--dry-run --api-version
//! <release>` (and a `--host` where it names none), and must be either
//!
//! - accepted: exit 0, and the curl line has the spec's method, the spec's
//!   path with the sample's parameter values percent-encoded in it, the
//!   sample's query parameters, and the piped body; or
//! - accepted as the server would take it: `name==true` for a boolean
//!   field and `name==123` for an integer one (sent typed, as Onezone's
//!   sanitizer would read the text), and `id==x` for a path parameter of
//!   an operation without a body (taken as `id=x`, with a note); or
//! - warned: a body piped without the `-` that reads it is not read (the
//!   old client ignored it too, and a script's loop may share its stdin
//!   with the call): exit 0 without the body, and a warning that shows the
//!   `-`; or
//! - refused with the fix: exit 2, and the error names what the sample
//!   should have said. What is wrong with a sample is found here, from the
//!   sample and the spec (not from the tool's message), and each kind of
//!   wrongness says what the message must show.
//!
//! The samples are read from the specs beside the repository, never copied
//! into it; without them the test is skipped (visibly, and a failure under
//! CI).

mod common;

use onezone_rest_cli::catalogue::builtin::{ONEPANEL, ONEPROVIDER, ONEZONE};
use onezone_rest_cli::catalogue::validate::validate;
use onezone_rest_cli::catalogue::{Catalogue, Field, Operation, Schema, Service};
use onezone_rest_cli::items::{self, Sep};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

const THREADS: usize = 4;
/// At most this many failures are listed in the message.
const SHOWN: usize = 40;
/// At most this many examples are listed for each kind of wrongness.
const EXAMPLES: usize = 2;
/// A shell variable that none of [`VALUES`] names gets a value made from
/// its name; these are the ones with a meaning of their own.
const VALUES: [(&str, &str); 9] = [
    ("PASSPHRASE", "pw"),
    ("HOST", "panel.example.com"),
    ("PANEL_HOST", "panel.example.com"),
    ("OP_PANEL_HOST", "op-panel.example.com"),
    ("OZ_PANEL_HOST", "oz-panel.example.com"),
    ("SPACE_ID", "s1"),
    ("UID", "1000"),
    ("PATH", "dir/a+b.txt"),
    ("TOKEN", "MDAxY2xvY2F0aW9uIG9uZXpvbmUK"),
];
/// The options of the samples that take a value (the op is the first word
/// that is none of these, nor their value, nor an item).
const VALUED_OPTIONS: [&str; 8] = [
    "-u", "--user", "--host", "-H", "--header", "-ct", "-ac", "-o",
];

/// One command of the toolbox, with its spec files.
struct Command {
    service: &'static Service,
    bin: &'static str,
    /// Given when a sample names no host.
    host: &'static str,
    /// The token variable, set as a user of the samples has it.
    api_key_var: Option<&'static str>,
}

const COMMANDS: [Command; 3] = [
    Command {
        service: &ONEZONE,
        bin: env!("CARGO_BIN_EXE_onezone-rest-cli"),
        host: "https://zone.example.com",
        api_key_var: Some("ONEZONE_API_KEY"),
    },
    Command {
        service: &ONEPROVIDER,
        bin: env!("CARGO_BIN_EXE_oneprovider-rest-cli"),
        host: "https://provider.example.com",
        api_key_var: Some("ONEPROVIDER_API_KEY"),
    },
    Command {
        service: &ONEPANEL,
        bin: env!("CARGO_BIN_EXE_onepanel-rest-cli"),
        host: "https://panel.example.com:9443",
        api_key_var: None,
    },
];

/// The variables of the three commands that would change what they do.
const OTHER_ENV: [&str; 14] = [
    "ONEPROVIDER_HOST",
    "ONEPROVIDER_API_KEY",
    "ONEPROVIDER_API_VERSION",
    "ONEPROVIDER_API_SPEC",
    "ONEPANEL_HOST",
    "ONEPANEL_API_KEY",
    "ONEPANEL_BASIC_AUTH",
    "ONEPANEL_API_VERSION",
    "ONEPANEL_API_SPEC",
    "ONEDATA_API_KEY",
    "ONEDATA_ZONE",
    "ONEDATA_PROVIDER",
    "ONEZONE_API_KEY",
    "ONEZONE_HOST",
];

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/onedata-api")
}

// ---- the specs

/// A parameter of a spec operation.
#[derive(Debug, Clone)]
struct SpecParam {
    name: String,
    in_path: bool,
    required: bool,
}

/// One operation of a spec file, with its Shell samples.
#[derive(Debug, Clone)]
struct SpecOp {
    method: String,
    path: String,
    id: String,
    params: Vec<SpecParam>,
    takes_body: bool,
    samples: Vec<String>,
}

fn load_spec(service: &str, release: &str) -> (String, Vec<SpecOp>) {
    let file = specs_dir().join(format!("{service}-{release}.json"));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let spec: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
            let params = parameters
                .iter()
                .filter(|p| p["in"] == "path" || p["in"] == "query")
                .map(|p| SpecParam {
                    name: p["name"].as_str().unwrap_or_default().to_owned(),
                    in_path: p["in"] == "path",
                    required: p["required"] == true,
                })
                .collect();
            let samples = op["x-code-samples"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["lang"] == "Shell")
                .filter_map(|s| s["source"].as_str().map(str::to_owned))
                .collect();
            ops.push(SpecOp {
                method: method.to_uppercase(),
                path: path.clone(),
                id: id.to_owned(),
                params,
                takes_body: parameters.iter().any(|p| p["in"] == "body"),
                samples,
            });
        }
    }
    let base = spec["basePath"].as_str().expect("basePath").to_owned();
    (base, ops)
}

// ---- the samples, as the shell reads them

/// What the stage before the pipe feeds the command.
#[derive(Debug, Clone)]
enum Feed {
    /// `echo 'TEXT' |`
    Echo(String),
    /// `cat FILE |`: a file the reader has; the test makes a valid body.
    File(String),
}

/// A sample's command line, as the shell would run it.
#[derive(Debug, Clone)]
struct Shell {
    /// The words after the command's name.
    args: Vec<String>,
    feed: Option<Feed>,
}

/// The value of `$NAME` in the samples.
fn value_of(name: &str) -> String {
    VALUES.iter().find(|(n, _)| *n == name).map_or_else(
        || name.to_lowercase().replace('_', "-"),
        |(_, v)| (*v).to_owned(),
    )
}

/// Expands `$NAME` and `${NAME}` outside single quotes, as the shell does.
/// The values hold no quote, so the words stay as they were.
fn expand(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('\\', q) if q != Some('\'') => {
                out.push(c);
                if let Some(next) = rest.chars().next() {
                    out.push(next);
                    rest = &rest[next.len_utf8()..];
                }
                continue;
            }
            ('$', q) if q != Some('\'') => {
                let braced = rest.starts_with('{');
                let body = if braced { &rest[1..] } else { rest };
                let len = body
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .unwrap_or(body.len());
                if len > 0 {
                    out.push_str(&value_of(&body[..len]));
                    rest = &body[len + usize::from(braced)..];
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Splits at each `|` outside quotes.
fn pipeline(text: &str) -> Vec<&str> {
    let mut stages = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match (c, quote) {
            _ if escaped => escaped = false,
            ('\\', q) if q != Some('\'') => escaped = true,
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('|', None) => {
                stages.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    stages.push(&text[start..]);
    stages
}

/// The sample as the shell would run it, or why this test cannot.
fn shell(source: &str, bin_name: &str) -> Result<Shell, String> {
    let text = source.trim().replace("\\\n", " ");
    for construct in ["$(", "`", "<<", "&&", ";"] {
        if text.contains(construct) && !within_single_quotes(&text, construct) {
            return Err(format!("{construct} is not handled here"));
        }
    }
    let expanded = expand(&text);
    let stages = pipeline(&expanded);
    let words =
        |stage: &str| shlex::split(stage).ok_or_else(|| format!("not shell words: {stage}"));
    let (feed, command) = match stages.as_slice() {
        [command] => (None, words(command)?),
        [feeder, command] => {
            let f = words(feeder)?;
            let feed = match f.as_slice() {
                [echo, text] if echo == "echo" => Feed::Echo(format!("{text}\n")),
                [cat, file] if cat == "cat" => Feed::File(file.clone()),
                _ => return Err(format!("a pipe from {f:?}")),
            };
            (Some(feed), words(command)?)
        }
        _ => return Err(format!("{} stages in the pipeline", stages.len())),
    };
    match command.split_first() {
        Some((first, args)) if first == bin_name => Ok(Shell {
            args: args.to_vec(),
            feed,
        }),
        _ => Err(format!("not a {bin_name} command: {command:?}")),
    }
}

/// Whether every `construct` in `text` stands inside single quotes (a JSON
/// text that `echo` prints, say).
fn within_single_quotes(text: &str, construct: &str) -> bool {
    text.match_indices(construct).all(|(i, _)| {
        let before = &text[..i];
        before.matches('\'').count() % 2 == 1
    })
}

// ---- what is wrong with a sample, from the sample and the spec

/// A kind of wrongness, and what the refusal must show to fix it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Wrong {
    /// The operation is named otherwise: documentation names, old names,
    /// typos (`exists: false`), or another operation's name (the sample
    /// is that one's, put under this one); the fix names the right one.
    NotTheName {
        given: String,
        right: String,
        exists: bool,
    },
    /// An item stands before the operation (the old client took that).
    ItemBeforeOperation,
    /// A documentation or old name that the catalogue's alias table maps
    /// to the right operation: it runs, with a note naming the current one.
    AliasOfTheName(String),
    /// `name==value` for a field that takes no text (a boolean, a number,
    /// a list, an object); the fix is `name:=`.
    TextForTypedField(String),
    /// `name==value` or `name:=value` for a parameter; the fix is `name=`.
    ParameterAsField(String),
    /// `name=value` for a body field; the fix is `name==` or `name:=`.
    FieldAsParameter(String),
    /// `name=value` that the operation does not take at all.
    UnknownParameter(String),
    /// `name==value` for a field the body does not have.
    UnknownField(String),
    /// A required parameter is not given; the fix is `name=`.
    MissingParameter(String),
    /// A body is piped, but `-` is not given; the fix shows `-`.
    PipedBodyWithoutDash,
    /// `-` or a body field is given, but the operation takes no body.
    BodyWithoutBody,
    /// A value the shell split into words (`config=={ "a": 1 }`,
    /// `url== "https://…"`); the fix quotes it as one word.
    SplitValue(String),
    /// Another word after the operation that is no item.
    NotAnItem(String),
    /// The piped body does not fit the operation's schema.
    BodyDoesNotFit,
    /// A required body field is not given, and no body is piped.
    MissingField(String),
}

impl Wrong {
    /// The kind, without the names, for the summary.
    fn kind(&self) -> &'static str {
        match self {
            Wrong::NotTheName { exists: false, .. } => {
                "a name the release does not have (a documentation, old or misspelt name)"
            }
            Wrong::NotTheName { exists: true, .. } => "the name of another operation",
            Wrong::ItemBeforeOperation => "an item before the operation",
            Wrong::AliasOfTheName(_) => {
                "a documentation or old name, run as its operation with a note (an alias)"
            }
            Wrong::TextForTypedField(_) => "== (text) for a boolean, number, list or object field",
            Wrong::ParameterAsField(_) => "== or := for a parameter",
            Wrong::FieldAsParameter(_) => "= for a body field",
            Wrong::UnknownParameter(_) => "a parameter the operation does not take",
            Wrong::UnknownField(_) => "a body field the operation does not take",
            Wrong::MissingParameter(_) => "a required parameter missing",
            Wrong::PipedBodyWithoutDash => "a body piped without -",
            Wrong::BodyWithoutBody => "a body for an operation without one",
            Wrong::SplitValue(_) => "a value split into several words",
            Wrong::NotAnItem(_) => "a word that is no item",
            Wrong::BodyDoesNotFit => "a piped body that does not fit the schema",
            Wrong::MissingField(_) => "a required body field missing",
        }
    }

    /// Whether the tool accepts it by design (the old client did).
    fn tolerated(&self) -> bool {
        matches!(self, Wrong::ItemBeforeOperation | Wrong::AliasOfTheName(_))
    }

    /// Whether `stderr` shows the fix for it.
    fn fix_shown(&self, stderr: &str, op: &SpecOp) -> bool {
        let missing_param = || {
            op.params
                .iter()
                .any(|p| mentions(stderr, &format!("{}=", p.name)))
        };
        match self {
            Wrong::NotTheName { right, .. } => has_word(stderr, right),
            Wrong::ItemBeforeOperation | Wrong::AliasOfTheName(_) => true,
            Wrong::TextForTypedField(f) => mentions(stderr, &format!("{f}:=")),
            Wrong::ParameterAsField(p) | Wrong::MissingParameter(p) => {
                mentions(stderr, &format!("{p}="))
            }
            Wrong::FieldAsParameter(f) | Wrong::MissingField(f) => {
                mentions(stderr, &format!("{f}==")) || mentions(stderr, &format!("{f}:="))
            }
            // Either the right item, or that this one is not taken.
            Wrong::UnknownParameter(x) => {
                missing_param() || stderr.contains(&format!("no parameter {x}"))
            }
            Wrong::UnknownField(x) => {
                stderr.contains(&format!("{x}: unknown field")) || missing_param()
            }
            Wrong::PipedBodyWithoutDash => has_word(stderr, "-"),
            Wrong::BodyWithoutBody => stderr.contains("takes no body"),
            Wrong::SplitValue(key) => {
                mentions(stderr, &format!("{key}:='")) || mentions(stderr, &format!("{key}=="))
            }
            Wrong::NotAnItem(_) => stderr.contains("is not a request item"),
            Wrong::BodyDoesNotFit => stderr.contains("body") && stderr.contains("--help"),
        }
    }
}

/// Whether `name==value` is what the server would take for a field of
/// this schema: `true`/`false` for a boolean, an integer as JSON writes it
/// (within i64) for an integer (the tool sends them typed).
fn server_reads(schema: &Schema, value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let integer = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && value.parse::<i64>().is_ok();
    match schema {
        Schema::Boolean => value == "true" || value == "false",
        Schema::Integer => integer,
        _ => false,
    }
}

/// Whether a field of this schema takes text (`==`): a string, anything,
/// or a choice that includes a string.
fn is_text(schema: &Schema) -> bool {
    !matches!(
        schema,
        Schema::Boolean
            | Schema::Integer
            | Schema::Number
            | Schema::Array { .. }
            | Schema::Object(_)
    )
}

/// Whether `token` occurs in `text` at the start of a word.
fn mentions(text: &str, token: &str) -> bool {
    text.match_indices(token).any(|(i, _)| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '[' || c == '-'))
    })
}

/// Whether `word` occurs in `text` as a whole word (`-` too).
fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .any(|w| w == word)
}

/// The sample's words, sorted out.
struct Reading<'a> {
    /// The index of the operation's word in the arguments.
    op_at: Option<usize>,
    /// `(index, key, separator, value)` of each item.
    items: Vec<(usize, String, Sep, &'a str)>,
    dash: bool,
    /// Words that are no item, after the operation.
    loose: Vec<usize>,
}

fn read(args: &[String]) -> Reading<'_> {
    let mut r = Reading {
        op_at: None,
        items: Vec::new(),
        dash: false,
        loose: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if VALUED_OPTIONS.contains(&a) {
            i += 2;
            continue;
        }
        if a == "-" {
            r.dash = true;
        } else if a.starts_with('-') {
            // A flag without a value.
        } else if let Some((key, sep, value)) = items::split(a) {
            r.items.push((i, items::unescape(key), sep, value));
        } else if r.op_at.is_none() {
            r.op_at = Some(i);
        } else {
            r.loose.push(i);
        }
        i += 1;
    }
    r
}

/// The keys of the body items whose value the shell split: an empty
/// value followed by a word that is no item (a URL reads as the header
/// `https`), or a JSON text that does not parse and is followed by more.
fn split_values(args: &[String], r: &Reading) -> Vec<String> {
    let loose = |w: &String| match items::split(w) {
        None => w != "-",
        Some((_, Sep::Header, value)) => value.starts_with("//"),
        Some(_) => false,
    };
    r.items
        .iter()
        .filter(|(_, _, sep, _)| matches!(sep, Sep::BodyString | Sep::BodyJson))
        .filter(|(i, _, _, value)| {
            let next = args.get(i + 1);
            let open = value.starts_with(['{', '['])
                && serde_json::from_str::<Value>(value).is_err()
                && next.is_some();
            open || (value.is_empty() && next.is_some_and(loose))
        })
        .map(|(_, key, ..)| key.clone())
        .collect()
}

/// What the test knows of one release of a service.
#[derive(Clone, Copy)]
struct Release<'a> {
    command: &'a Command,
    cat: Catalogue,
    base_path: &'a str,
}

/// The catalogue's operations with the spec operation's method and path
/// (a duplicated operationId reaches one path by two names).
fn right_ops(cat: Catalogue, op: &SpecOp) -> Vec<&'static Operation> {
    cat.operations()
        .filter(|o| o.method == op.method)
        .filter(|o| o.path == op.path || o.path_variants.iter().any(|v| v.path == op.path))
        .collect()
}

/// The body fields of an operation, as the catalogue has them.
/// The body fields of an operation, as the catalogue has them: those of
/// every variant of a polymorphic body too.
fn body_fields(cat: Catalogue, op: &'static Operation) -> Vec<&'static Field> {
    let Some(obj) = cat.body_object(op) else {
        return Vec::new();
    };
    let mut fields: Vec<&'static Field> = obj.fields.iter().collect();
    let variants = obj.discriminator.iter().flat_map(|d| d.variants.iter());
    for (_, index) in variants {
        if let Some(Schema::Object(v)) = cat.named(*index).map(|s| cat.resolve(s)) {
            for f in v.fields {
                if !fields.iter().any(|g| g.name == f.name) {
                    fields.push(f);
                }
            }
        }
    }
    fields
}

/// The body a `cat FILE |` feeds: a valid one, made from the schema.
fn file_body(cat: Catalogue, op: &'static Operation) -> Vec<u8> {
    match common::default_body(cat, op) {
        Some(Value::String(s)) if !json_body(op) => s.into_bytes(),
        Some(v) => v.to_string().into_bytes(),
        None => b"{}".to_vec(),
    }
}

/// Whether the operation's body is JSON (or YAML, which JSON is).
fn json_body(op: &'static Operation) -> bool {
    op.consumes.is_empty()
        || op
            .consumes
            .iter()
            .any(|c| c.contains("json") || c.contains("yaml"))
}

/// Everything wrong with the sample, given the spec and the catalogue.
fn diagnose(rel: Release, op: &SpecOp, sample: &Shell, right: &[&'static Operation]) -> Vec<Wrong> {
    let r = read(&sample.args);
    let mut wrong = Vec::new();
    let given = r.op_at.map(|i| sample.args[i].as_str()).unwrap_or_default();
    let alias_of_right = rel
        .cat
        .alias(given)
        .is_some_and(|a| right.iter().any(|o| o.name == a.name));
    if alias_of_right {
        wrong.push(Wrong::AliasOfTheName(given.to_owned()));
    } else if !right.iter().any(|o| o.name == given) {
        wrong.push(Wrong::NotTheName {
            given: given.to_owned(),
            right: right.first().map_or("?", |o| o.name).to_owned(),
            exists: rel.cat.find(given).is_some(),
        });
    }
    if r.items
        .iter()
        .any(|(i, ..)| r.op_at.is_none_or(|at| *i < at))
    {
        wrong.push(Wrong::ItemBeforeOperation);
    }
    let fields = right
        .first()
        .map(|o| body_fields(rel.cat, o))
        .unwrap_or_default();
    let is_param = |n: &str| op.params.iter().any(|p| p.name == n);
    // `id==x` for a path parameter of an operation without a body is
    // taken as `id=x`.
    let path_param = |n: &str| op.params.iter().any(|p| p.name == n && p.in_path);
    let field = |n: &str| fields.iter().find(|f| f.name == n);
    // The schema of the fields an open body takes besides its own.
    let additional: Option<&'static Schema> = right
        .first()
        .and_then(|o| rel.cat.body_object(o))
        .and_then(|o| o.additional);
    let open_body = additional.is_some();
    for (_, key, sep, value) in &r.items {
        let top = key.split('[').next().unwrap_or_default();
        match sep {
            Sep::Header => {}
            Sep::Param if is_param(key) => {}
            Sep::Param if field(top).is_some() => wrong.push(Wrong::FieldAsParameter(top.into())),
            Sep::Param => wrong.push(Wrong::UnknownParameter(key.clone())),
            _ if !op.takes_body && path_param(key) => {}
            _ if is_param(top) => wrong.push(Wrong::ParameterAsField(top.into())),
            Sep::BodyString => match field(top).map(|f| &f.schema).or(additional) {
                Some(schema)
                    if !key.contains('[')
                        && !is_text(rel.cat.resolve(schema))
                        && !server_reads(rel.cat.resolve(schema), value) =>
                {
                    wrong.push(Wrong::TextForTypedField(top.into()));
                }
                Some(_) => {}
                None if !op.takes_body => {}
                None => wrong.push(Wrong::UnknownField(top.into())),
            },
            _ if field(top).is_none() && op.takes_body && !open_body => {
                wrong.push(Wrong::UnknownField(top.into()));
            }
            _ => {}
        }
    }
    let named = |n: &str| {
        r.items
            .iter()
            .any(|(_, k, ..)| k.split('[').next() == Some(n))
    };
    for p in op.params.iter().filter(|p| p.required && !named(&p.name)) {
        wrong.push(Wrong::MissingParameter(p.name.clone()));
    }
    if sample.feed.is_some() && op.takes_body && !r.dash {
        wrong.push(Wrong::PipedBodyWithoutDash);
    }
    let body_items = r
        .items
        .iter()
        .any(|(_, k, s, _)| matches!(s, Sep::BodyString | Sep::BodyJson) && !is_param(k));
    if (r.dash || body_items) && !op.takes_body {
        wrong.push(Wrong::BodyWithoutBody);
    }
    let split = split_values(&sample.args, &r);
    for key in &split {
        wrong.push(Wrong::SplitValue(key.clone()));
    }
    if split.is_empty() {
        for &i in &r.loose {
            wrong.push(Wrong::NotAnItem(sample.args[i].clone()));
        }
    }
    if let (Some(Feed::Echo(text)), true, Some(o)) = (&sample.feed, r.dash, right.first()) {
        let fits = match (serde_json::from_str::<Value>(text), &o.body) {
            (Ok(v), Some(b)) => validate(rel.cat, &v, &b.schema).is_empty(),
            _ => true,
        };
        if !fits {
            wrong.push(Wrong::BodyDoesNotFit);
        }
    }
    // The required fields of the body itself (a variant's are required
    // only where it is chosen).
    let own = right.first().and_then(|o| rel.cat.body_object(o));
    if !r.dash && sample.feed.is_none() && op.takes_body {
        for f in own.iter().flat_map(|o| o.fields.iter()) {
            if f.required && !named(f.name) {
                wrong.push(Wrong::MissingField(f.name.to_owned()));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    wrong
}

// ---- running a sample

/// One sample of one spec operation.
struct Job<'a> {
    rel: Release<'a>,
    op: &'a SpecOp,
    source: &'a str,
    /// Every operation of the spec file.
    all: &'a [SpecOp],
}

/// What became of a sample.
enum Outcome {
    Accepted(Vec<Wrong>),
    /// The sample names another operation, and runs it as that one's spec
    /// says: the documentation put it under the wrong operation.
    AnotherOperation(Vec<Wrong>),
    Refused(Vec<Wrong>),
    /// Run without the piped body, with a warning that shows the `-`.
    Warned(Vec<Wrong>),
}

/// The spec operation whose name the sample gives, where that is another
/// operation of the release than the one the sample is listed under.
fn another_operation<'a>(job: &Job<'a>, wrong: &[Wrong]) -> Option<&'a SpecOp> {
    let given = wrong.iter().find_map(|w| match w {
        Wrong::NotTheName {
            given,
            exists: true,
            ..
        } => Some(given),
        _ => None,
    })?;
    let op = job.rel.cat.find(given)?;
    job.all
        .iter()
        .find(|o| o.method == op.method && o.path == op.path)
}

/// The command for `bin` in the environment of the tests' binary, without
/// any of the three commands' own variables.
fn command(c: &Command) -> std::process::Command {
    let mut cmd = std::process::Command::new(c.bin);
    common::isolate(&mut cmd);
    for var in OTHER_ENV {
        cmd.env_remove(var);
    }
    if let Some(var) = c.api_key_var {
        cmd.env(var, "sample-secret");
    }
    cmd
}

fn run_job(job: &Job) -> Result<Outcome, String> {
    let rel = job.rel;
    let name = std::path::Path::new(rel.command.bin)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let sample = shell(job.source, name)?;
    let right = right_ops(rel.cat, job.op);
    let Some(&right_op) = right.first() else {
        return Err("no operation of the catalogue has this method and path".into());
    };
    let stdin = match &sample.feed {
        Some(Feed::Echo(text)) => Some(text.clone().into_bytes()),
        Some(Feed::File(_)) => Some(file_body(rel.cat, right_op)),
        None => None,
    };
    let mut cmd = command(rel.command);
    cmd.args(["--dry-run", "--api-version", rel.cat.release()])
        .args(&sample.args);
    if !sample.args.iter().any(|a| a == "--host") {
        cmd.args(["--host", rel.command.host]);
    }
    let run = common::run_bounded(&mut cmd, stdin.as_deref(), common::TIMEOUT);
    let wrong = diagnose(rel, job.op, &sample, &right);
    match run.code {
        Some(0) => match another_operation(job, &wrong) {
            // Another operation's example runs that operation.
            Some(other) => {
                check_request(rel, other, &sample, stdin.as_deref(), &run.out())?;
                Ok(Outcome::AnotherOperation(wrong))
            }
            None if wrong.contains(&Wrong::PipedBodyWithoutDash)
                && run.stderr.contains("read only with -")
                && Wrong::PipedBodyWithoutDash.fix_shown(&run.stderr, job.op) =>
            {
                check_request(rel, job.op, &sample, None, &run.out())?;
                Ok(Outcome::Warned(wrong))
            }
            None => {
                check_request(rel, job.op, &sample, stdin.as_deref(), &run.out())?;
                let untolerated: Vec<&Wrong> = wrong.iter().filter(|w| !w.tolerated()).collect();
                if !untolerated.is_empty() {
                    return Err(format!("accepted, though {untolerated:?}"));
                }
                Ok(Outcome::Accepted(wrong))
            }
        },
        Some(2) => {
            let to_fix: Vec<&Wrong> = wrong.iter().filter(|w| !w.tolerated()).collect();
            if to_fix.is_empty() {
                return Err(format!(
                    "refused, but nothing is wrong with it:\n{}",
                    run.stderr
                ));
            }
            // A wrong name is met first; otherwise the first problem met.
            let shown = match to_fix
                .iter()
                .find(|w| matches!(w, Wrong::NotTheName { .. }))
            {
                Some(name) => name.fix_shown(&run.stderr, job.op),
                None => to_fix.iter().any(|w| w.fix_shown(&run.stderr, job.op)),
            };
            if shown {
                Ok(Outcome::Refused(wrong))
            } else {
                Err(format!(
                    "refused without the fix for {to_fix:?}:\n{}",
                    run.stderr
                ))
            }
        }
        code => Err(format!("exit {code:?}:\n{}", run.stderr)),
    }
}

/// What the curl line of `--dry-run` says.
#[derive(Debug, Default)]
struct Curl {
    method: Option<String>,
    url: String,
    body: Option<String>,
    has_body: bool,
}

fn parse_curl(line: &str) -> Result<Curl, String> {
    let words = shlex::split(line).ok_or_else(|| format!("not shell words: {line}"))?;
    let start = words
        .iter()
        .position(|w| w == "curl")
        .ok_or_else(|| format!("not a curl line: {line}"))?;
    let mut c = Curl {
        // `printf … | curl … --data-binary @-`: the body comes first.
        has_body: start > 0,
        ..Curl::default()
    };
    let mut it = words.into_iter().skip(start + 1);
    while let Some(w) = it.next() {
        match w.as_str() {
            "-X" => c.method = it.next(),
            "--data-raw" => {
                c.body = it.next();
                c.has_body = true;
            }
            "--data-binary" | "-d" | "-T" | "--upload-file" => {
                it.next();
                c.has_body = true;
            }
            "-H" | "-u" | "-m" | "-x" | "--cacert" | "--connect-timeout" => {
                it.next();
            }
            _ if w.starts_with("http") && c.url.is_empty() => c.url = w,
            _ => {}
        }
    }
    Ok(c)
}

/// The spec's path with the sample's values, percent-encoded.
fn expected_path(op: &SpecOp, given: &BTreeMap<String, Vec<String>>) -> Result<String, String> {
    let mut segs = Vec::new();
    for seg in op.path.split('/') {
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let v = given
                    .get(name)
                    .and_then(|v| v.first())
                    .ok_or_else(|| format!("accepted without the path parameter {name}"))?;
                // Only `subpath` keeps its slashes as path separators.
                let encoded: Vec<String> = if name == "subpath" {
                    v.split('/').map(fake_onezone::probe::encode).collect()
                } else {
                    vec![fake_onezone::probe::encode(v)]
                };
                segs.push(encoded.join("/"));
            }
            None => segs.push(seg.to_owned()),
        }
    }
    Ok(segs.join("/"))
}

/// An accepted sample's request, against the spec: method, path, query,
/// and the piped body.
fn check_request(
    rel: Release,
    op: &SpecOp,
    sample: &Shell,
    stdin: Option<&[u8]>,
    stdout: &str,
) -> Result<(), String> {
    let lines: Vec<&str> = stdout.lines().collect();
    let [line] = lines.as_slice() else {
        return Err(format!("one curl line expected: {stdout}"));
    };
    let curl = parse_curl(line)?;
    let method = curl
        .method
        .as_deref()
        .unwrap_or(if curl.has_body { "POST" } else { "GET" });
    if method != op.method {
        return Err(format!(
            "sent {method}, the spec's is {} {}",
            op.method, op.path
        ));
    }
    let r = read(&sample.args);
    let mut given: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (_, key, sep, value) in &r.items {
        // `id==x` for a path parameter of an operation without a body is
        // taken as `id=x`.
        let as_param = match (sep, op.params.iter().find(|p| p.name == *key)) {
            (Sep::Param, Some(_)) => true,
            (Sep::BodyString | Sep::BodyJson, Some(p)) => p.in_path && !op.takes_body,
            _ => false,
        };
        if as_param {
            given
                .entry(key.clone())
                .or_default()
                .push((*value).to_owned());
        }
    }
    let host = sample
        .args
        .iter()
        .position(|a| a == "--host")
        .and_then(|i| sample.args.get(i + 1))
        .map_or(rel.command.host, String::as_str);
    let (path, query) = curl.url.split_once('?').unwrap_or((&curl.url, ""));
    let host_part = host.trim_end_matches('/');
    let rest = path
        .strip_prefix(host_part)
        .and_then(|p| p.strip_prefix(rel.base_path))
        .ok_or_else(|| {
            format!(
                "the URL {} is not below {host_part}{}",
                curl.url, rel.base_path
            )
        })?;
    let expected = expected_path(op, &given)?;
    if rest != expected {
        return Err(format!(
            "sent the path {rest}, expected {expected} ({})",
            op.path
        ));
    }
    let mut sent: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        sent.push((decode(k), decode(v)));
    }
    let mut wanted: Vec<(String, String)> = Vec::new();
    for p in op.params.iter().filter(|p| !p.in_path) {
        for v in given.get(&p.name).into_iter().flatten() {
            wanted.push((p.name.clone(), v.clone()));
        }
    }
    sent.sort();
    wanted.sort();
    if sent != wanted {
        return Err(format!(
            "sent the query {sent:?}, the sample gives {wanted:?}"
        ));
    }
    check_body(sample, stdin, &curl)
}

/// A piped body is sent; JSON as it was piped.
fn check_body(sample: &Shell, stdin: Option<&[u8]>, curl: &Curl) -> Result<(), String> {
    let Some(piped) = stdin.filter(|_| sample.feed.is_some()) else {
        return Ok(());
    };
    if !curl.has_body {
        return Err(format!("a body is piped, none is sent: {}", curl.url));
    }
    let as_json = |b: &[u8]| serde_json::from_slice::<Value>(b).ok();
    if let (Some(want), Some(sent)) = (as_json(piped), curl.body.as_deref()) {
        if let Some(got) = as_json(sent.as_bytes()) {
            if got != want {
                return Err(format!("sent the body {got}, piped {want}"));
            }
        }
    }
    Ok(())
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- the test

/// Counts for one service.
#[derive(Default)]
struct Tally {
    accepted: usize,
    /// Accepted though the old documentation got something wrong that the
    /// tool tolerates (an item before the operation).
    tolerated: usize,
    /// Accepted as the operation they name, which the documentation put
    /// under another one.
    another: usize,
    refused: usize,
    warned: usize,
    /// Of the accepted ones, those with options after the operation
    /// (Onepanel's `… getNode --host https://…:9443`).
    options_after: usize,
}

/// Whether the sample gives an option after the operation.
fn options_after_operation(job: &Job) -> bool {
    let name = std::path::Path::new(job.rel.command.bin)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let Ok(sample) = shell(job.source, name) else {
        return false;
    };
    let at = read(&sample.args).op_at;
    sample
        .args
        .iter()
        .enumerate()
        .any(|(i, a)| at.is_some_and(|at| i > at) && a.starts_with('-') && a != "-")
}

#[test]
fn every_official_example_is_accepted_or_refused_with_the_fix() {
    if !specs_dir().is_dir() {
        common::skip(&format!(
            "{} is not here; the official examples were not run",
            specs_dir().display()
        ));
        return;
    }
    let started = Instant::now();
    let mut specs: Vec<(Release, Vec<SpecOp>)> = Vec::new();
    for command in &COMMANDS {
        let s = command.service;
        for i in 0..s.releases.len() {
            let cat = Catalogue::at(s, u8::try_from(i).expect("few releases"));
            let (base, ops) = load_spec(s.name, cat.release());
            assert_eq!(base, s.base_path, "{} {}", s.name, cat.release());
            let base_path: &'static str = s.base_path;
            specs.push((
                Release {
                    command,
                    cat,
                    base_path,
                },
                ops,
            ));
        }
    }
    assert!(specs.len() >= 3 * 8, "only {} spec files", specs.len());
    let mut jobs = Vec::new();
    for (rel, ops) in &specs {
        for op in ops {
            for source in &op.samples {
                jobs.push(Job {
                    rel: *rel,
                    op,
                    source,
                    all: ops,
                });
            }
        }
    }

    let next = Mutex::new(jobs.iter());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let Some(job) = next.lock().expect("jobs").next() else {
                    break;
                };
                let outcome = run_job(job);
                results.lock().expect("results").push((job, outcome));
            });
        }
    });
    let results = results.into_inner().expect("results");

    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (job, outcome) in &results {
        let service = &job.rel.command.service.name;
        let t = tallies.entry(service).or_default();
        let where_ = format!(
            "{service} {} {} {} ({}): {}",
            job.rel.cat.release(),
            job.op.method,
            job.op.path,
            job.op.id,
            job.source.trim()
        );
        let accepted = matches!(
            outcome,
            Ok(Outcome::Accepted(_) | Outcome::AnotherOperation(_))
        );
        if accepted && options_after_operation(job) {
            t.options_after += 1;
        }
        let wrong = match outcome {
            Ok(Outcome::Accepted(w)) => {
                if w.iter().any(Wrong::tolerated) {
                    t.tolerated += 1;
                } else {
                    t.accepted += 1;
                }
                w
            }
            Ok(Outcome::AnotherOperation(w)) => {
                t.another += 1;
                w
            }
            Ok(Outcome::Refused(w)) => {
                t.refused += 1;
                w
            }
            Ok(Outcome::Warned(w)) => {
                t.warned += 1;
                w
            }
            Err(e) => {
                failures.push(format!("{where_}\n    {}", e.replace('\n', "\n    ")));
                continue;
            }
        };
        for w in wrong {
            let (n, examples) = kinds.entry(w.kind()).or_default();
            *n += 1;
            let example = format!(
                "{} {}: {}",
                service,
                job.rel.cat.release(),
                job.source.trim()
            );
            if examples.len() < EXAMPLES && !examples.iter().any(|e| e.ends_with(job.source.trim()))
            {
                examples.push(example);
            }
        }
    }
    failures.sort();

    let mut summary = format!(
        "ran {} official examples of {} spec files in {:.1?}:\n",
        results.len(),
        specs.len(),
        started.elapsed()
    );
    for (service, t) in &tallies {
        let _ = writeln!(
            summary,
            "  {service}: {} accepted ({} with options after the operation, {} with items \
             before it, {} as the other operation they name), {} run without the piped \
             body and warned with the fix, {} refused with the fix",
            t.accepted + t.tolerated + t.another,
            t.options_after,
            t.tolerated,
            t.another,
            t.warned,
            t.refused
        );
    }
    summary.push_str("kinds of wrong examples (samples counted per spec file):\n");
    for (kind, (n, examples)) in &kinds {
        let _ = writeln!(summary, "  {kind}: {n}");
        for e in examples {
            let _ = writeln!(summary, "      {e}");
        }
    }
    let _ = std::io::Write::write_all(&mut std::io::stderr(), summary.as_bytes());
    for command in &COMMANDS {
        let t = tallies.get(command.service.name);
        assert!(
            t.is_some_and(|t| t.accepted > 0),
            "{}: no example accepted",
            command.service.name
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples are neither accepted nor refused with the fix:\n{}{}",
        failures.len(),
        results.len(),
        failures
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        if failures.len() > SHOWN {
            format!("\n… and {} more", failures.len() - SHOWN)
        } else {
            String::new()
        }
    );
}

#[test]
fn samples_read_as_the_shell_reads_them() {
    let s = shell(
        "echo '{\"a\": \"$X\"}' | onezone-rest-cli modifySpace id=$SPACE_ID 'n==$KEEP' \"d==$SPACE_ID x\" -\n",
        "onezone-rest-cli",
    )
    .expect("a sample");
    assert_eq!(s.args, ["modifySpace", "id=s1", "n==$KEEP", "d==s1 x", "-"]);
    assert!(matches!(&s.feed, Some(Feed::Echo(t)) if t == "{\"a\": \"$X\"}\n"));
    let s = shell(
        "cat f.json | onepanel-rest-cli -u a:${PASSPHRASE} op \\\n -",
        "onepanel-rest-cli",
    )
    .expect("a sample");
    assert_eq!(s.args, ["-u", "a:pw", "op", "-"]);
    assert!(matches!(&s.feed, Some(Feed::File(f)) if f == "f.json"));
    assert!(shell("onezone-rest-cli op id=$(cat x)", "onezone-rest-cli").is_err());
    assert!(shell("onezone-rest-cli op | jq . | less", "onezone-rest-cli").is_err());
    assert_eq!(value_of("ATM_WORKFLOW_ID"), "atm-workflow-id");
}

#[test]
fn fixes_are_words_not_substrings() {
    assert!(mentions("  give id=<value>", "id="));
    assert!(!mentions("  give sid=<value>", "id="));
    assert!(has_word("did you mean: getSpace, listSpaces?", "getSpace"));
    assert!(!has_word("did you mean: getSpaceViews?", "getSpace"));
    assert!(has_word("add - to read it: … op -", "-"));
    assert!(!has_word("--help", "-"));
}
