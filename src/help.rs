//! `--help`, `<operation> --help` and `--about`, all from the catalogue and
//! the option definitions.

use crate::builtins::{self, Builtin};
use crate::catalogue::{Catalogue, Field, ObjectSchema, Operation, ParamIn, Schema};
use crate::cli::{self, Group};
use crate::exit::EXIT_CODES;
use crate::items;
use crate::release::{self, Selection};
use std::fmt::Write as _;

pub const ITEMS_HELP: &[(&str, &str)] = &[
    ("name=value", "path or query parameter (percent-encoded for you)"),
    ("name==text", "body field, sent as a JSON string"),
    (
        "name:=json",
        "body field, sent as raw JSON (numbers, booleans, lists, objects)",
    ),
    (
        "name==@file",
        "body field from a text file; name:=@file.json from a JSON file",
    ),
    (
        "a[b]==x",
        "nested body field: {\"a\": {\"b\": \"x\"}}; a[]==x appends to a list",
    ),
    (
        "Header:value",
        "request header (X-Auth-Token:… replaces other credentials)",
    ),
    (
        "-",
        "read the body from stdin; fields given as items are added to it, replacing the same fields there",
    ),
    (
        "\\",
        "escapes a separator or bracket in a name (a\\=b==x), a leading @ or = in a value (\\@x, \\=x)",
    ),
];

/// The variables the command reads, in the order they are consulted.
pub fn environment() -> Vec<(String, String)> {
    let p = crate::personality::current();
    let mut out = vec![(
        p.host_var.to_owned(),
        format!("{} URL, when --host is not given", p.title()),
    )];
    if let Some(g) = p.generic_host_var {
        out.push((
            g.to_owned(),
            format!(
                "{} URL, when neither --host nor {} is given (as in the onedata/rest-cli image)",
                p.title(),
                p.host_var
            ),
        ));
    }
    out.push((
        p.api_key_var.to_owned(),
        "access token, sent as X-Auth-Token".to_owned(),
    ));
    if let Some(b) = p.basic_auth_var {
        out.push((
            b.to_owned(),
            "user:password for basic authentication".to_owned(),
        ));
    }
    out.push((
        crate::personality::GENERIC_API_KEY_VAR.to_owned(),
        "access token for all three commands, when none of the command's own credential variables is set".to_owned(),
    ));
    out.push((
        p.version_var.to_owned(),
        "API release, when --api-version is not given (21.02.7, or a line: 20.02)".to_owned(),
    ));
    out.push((
        p.spec_var.to_owned(),
        "Swagger 2.0 spec file (JSON or YAML), when --api-spec is not given".to_owned(),
    ));
    out
}

/// `onezone-rest-cli 0.1.0 (Onezone REST API 19.02.5 to 21.02.7)`: the
/// releases this build knows.
fn version_line() -> String {
    let s = release::service();
    let first = s.releases.first().copied().unwrap_or_default();
    let last = s.releases.last().copied().unwrap_or_default();
    format!(
        "{} {} ({} REST API {first} to {last})",
        crate::personality::current().command,
        env!("CARGO_PKG_VERSION"),
        s.title
    )
}

/// The first line of `--help`: the release in use, and why.
fn release_line(sel: &Selection) -> String {
    format!(
        "{} {} ({} REST API {})",
        crate::personality::current().command,
        env!("CARGO_PKG_VERSION"),
        sel.catalogue.service.title,
        sel.short()
    )
}

pub fn version() -> String {
    version_line() + "\n"
}

pub fn about(sel: &Selection) -> String {
    let cat = sel.catalogue;
    let releases = cat.service.releases.join(", ");
    let p = crate::personality::current();
    let cmd = p.command;
    format!(
        "{}\n\n\
         {}\n\n\
         Release in use: {}:\n\
         {} operations in {} groups.\n\
         Releases known: {releases}.\n\
         The release comes from --api-spec, --api-version, {}, what the\n\
         server reports (cached for a day), or else the newest known.\n\n\
         Run `{cmd} --help` for the list of operations, and\n\
         `{cmd} <operation> --help` for one of them.\n",
        version_line(),
        wrap(
            &format!(
                "{} This tool calls its REST API (base path {}) with one subcommand per operation.",
                p.blurb, cat.service.base_path
            ),
            78
        ),
        sel.describe(),
        cat.operations().count(),
        cat.tags().count(),
        crate::personality::current().version_var,
    )
}

/// `text` as lines of at most `width` characters, broken between words.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.chars().count() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.chars().count();
    }
    out
}

/// An option's row in help: `-o, --output FORMAT` and its help text.
fn option_row(a: &clap::Arg) -> (String, String) {
    let mut left = cli::spelling(a).replace('/', ", ");
    if let Some(v) = a.get_value_names().and_then(|v| v.first()) {
        let _ = write!(left, " {v}");
    }
    (
        left,
        a.get_help().map(ToString::to_string).unwrap_or_default(),
    )
}

/// Two aligned columns.
fn rows(out: &mut String, rows: &[(String, String)]) {
    let width = rows
        .iter()
        .map(|(a, _)| a.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for (a, b) in rows {
        if b.is_empty() {
            let _ = writeln!(out, "  {a}");
        } else if a.chars().count() > width {
            let _ = writeln!(out, "  {a}\n  {:width$}  {b}", "");
        } else {
            let _ = writeln!(out, "  {a:width$}  {b}");
        }
    }
}

/// An argument's value name: `SHELL`, `FORMAT`.
pub fn value_name(a: &clap::Arg) -> String {
    a.get_value_names().and_then(|v| v.first()).map_or_else(
        || a.get_id().to_string().to_uppercase(),
        ToString::to_string,
    )
}

/// A built-in's visible positional arguments: the value name, and whether
/// it is required (`SHELL` of `completions`).
pub fn positionals(b: &Builtin) -> Vec<(String, bool)> {
    (b.args)()
        .get_positionals()
        .filter(|a| !a.is_hide_set())
        .map(|a| (value_name(a), a.is_required_set()))
        .collect()
}

/// `login [HOST]`: a built-in as the usage line shows it.
fn builtin_usage(b: &Builtin) -> String {
    let mut out = b.name.to_owned();
    for (name, required) in positionals(b) {
        if required {
            let _ = write!(out, " <{name}>");
        } else {
            let _ = write!(out, " [{name}]");
        }
    }
    out
}

/// The item grammar's rows, as both helps show them.
fn item_rows(out: &mut String) {
    let items: Vec<(String, String)> = ITEMS_HELP
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    rows(out, &items);
}

pub fn global(sel: &Selection) -> String {
    let cat = sel.catalogue;
    let mut out = release_line(sel);
    let builtins: Vec<String> = builtins::BUILTINS.iter().map(builtin_usage).collect();
    let _ = write!(
        out,
        "\n\nUsage: {cmd} [OPTIONS] <OPERATION> [ITEM]...\n       \
         {cmd} <OPERATION> --help\n       \
         {cmd} {}\n\nRequest items:\n",
        builtins.join(" | "),
        cmd = crate::personality::current().command
    );
    item_rows(&mut out);
    let options = cli::options();
    for group in Group::ALL {
        let _ = writeln!(out, "\n{}:", group.heading());
        let list: Vec<(String, String)> = options
            .iter()
            .filter(|a| Group::of(a) == Some(group))
            .map(option_row)
            .collect();
        rows(&mut out, &list);
    }
    out.push_str("\nEnvironment:\n");
    rows(&mut out, &environment());
    out.push_str("\nExit status:\n");
    rows(
        &mut out,
        &EXIT_CODES
            .iter()
            .map(|(c, b)| (c.to_string(), (*b).to_owned()))
            .collect::<Vec<_>>(),
    );
    let _ = writeln!(
        out,
        "\nOperations of {} {} ({}; other releases: --api-version):",
        cat.service.title,
        cat.release(),
        sel.describe_source()
    );
    for tag in cat.tags() {
        let _ = writeln!(out, "\n {tag}:");
        let list: Vec<(String, String)> = cat
            .operations()
            .filter(|op| op.tag == tag)
            .map(|op| {
                let mark = if op.deprecated.is_some() {
                    " (deprecated)"
                } else {
                    ""
                };
                let since = since_mark(op);
                (op.name.to_owned(), format!("{}{mark}{since}", op.summary))
            })
            .collect();
        rows(&mut out, &list);
    }
    out
}

/// The options `-h` shows: the ones most calls use.
const COMMON_OPTIONS: &[&str] = &[
    "help",
    "host",
    "output",
    "dry-run",
    "verbose",
    "api-version",
];

/// `-h`: the usage, the item grammar, the common options and the groups
/// of operations with their counts; `--help` says everything.
pub fn short(sel: &Selection) -> String {
    let cat = sel.catalogue;
    let cmd = crate::personality::current().command;
    let mut out = release_line(sel);
    let _ = write!(
        out,
        "\n\nUsage: {cmd} [OPTIONS] <OPERATION> [ITEM]...\n       \
         {cmd} <OPERATION> --help\n       \
         {cmd} help <WORD>\n\nRequest items:\n"
    );
    item_rows(&mut out);
    out.push_str("\nCommon options:\n");
    let options = cli::options();
    let list: Vec<(String, String)> = COMMON_OPTIONS
        .iter()
        .filter_map(|id| options.iter().find(|a| a.get_id() == *id))
        .map(option_row)
        .collect();
    rows(&mut out, &list);
    let _ = writeln!(
        out,
        "\nOperations of {} {}, by group ({} in all):",
        cat.service.title,
        cat.release(),
        cat.operations().count()
    );
    let list: Vec<(String, String)> = cat
        .tags()
        .map(|tag| {
            let n = cat.operations().filter(|op| op.tag == tag).count();
            (tag.to_owned(), n.to_string())
        })
        .collect();
    rows(&mut out, &list);
    let _ = writeln!(
        out,
        "\n`{cmd} --help` lists every option and operation; \
         `{cmd} help WORD` finds the operations about WORD."
    );
    out
}

/// Where a word matched an operation, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Match {
    Name,
    Tag,
    Path,
    Field,
}

impl Match {
    const ALL: [Match; 4] = [Match::Name, Match::Tag, Match::Path, Match::Field];

    fn heading(self) -> &'static str {
        match self {
            Match::Name => "by name",
            Match::Tag => "by group",
            Match::Path => "by path",
            Match::Field => "by parameter or body field",
        }
    }
}

/// The names of an operation's parameters and top-level body fields.
fn field_names(cat: Catalogue, op: &'static Operation) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = op.all_params().iter().map(|p| p.name).collect();
    if let Some(obj) = cat.body_object(op) {
        names.extend(obj.fields.iter().map(|f| f.name));
    }
    names
}

/// Where `word` (lower case) matches `op`, at its best.
fn match_of(cat: Catalogue, op: &'static Operation, word: &str) -> Option<Match> {
    let has = |text: &str| text.to_lowercase().contains(word);
    if has(op.name) || cat.aliases_of(op.name).any(has) {
        Some(Match::Name)
    } else if has(op.tag) {
        Some(Match::Tag)
    } else if op.path.split('/').filter(|s| !s.starts_with('{')).any(has) {
        Some(Match::Path)
    } else if field_names(cat, op).into_iter().any(has) {
        Some(Match::Field)
    } else {
        None
    }
}

/// `help WORD`: the operations whose name, group, path, parameters or
/// body fields hold WORD, ranked in that order, with their summaries;
/// `None` when nothing matches.
pub fn search(cat: Catalogue, word: &str) -> Option<String> {
    let needle = word.to_lowercase();
    let found: Vec<(Match, &'static Operation)> = cat
        .operations()
        .filter_map(|op| match_of(cat, op, &needle).map(|m| (m, op)))
        .collect();
    if found.is_empty() || needle.is_empty() {
        return None;
    }
    let mut out = format!(
        "{} operations of {} {} about {word:?}:\n",
        found.len(),
        cat.service.title,
        cat.release()
    );
    for m in Match::ALL {
        let list: Vec<(String, String)> = found
            .iter()
            .filter(|(n, _)| *n == m)
            .map(|(_, op)| {
                let mark = if op.deprecated.is_some() {
                    " (deprecated)"
                } else {
                    ""
                };
                (op.name.to_owned(), format!("{}{mark}", op.summary))
            })
            .collect();
        if !list.is_empty() {
            let _ = writeln!(out, "\n {}:", m.heading());
            rows(&mut out, &list);
        }
    }
    let _ = writeln!(
        out,
        "\n`{} <OPERATION> --help` for one of them.",
        crate::personality::current().command
    );
    Some(out)
}

/// Words of the catalogue close to `word` in spelling, for a search that
/// found nothing: those of the operations' names, groups, paths and fields.
pub fn close_words(cat: Catalogue, word: &str) -> Vec<String> {
    let needle = word.to_lowercase();
    let mut vocabulary = std::collections::BTreeSet::new();
    for op in cat.operations() {
        vocabulary.extend(camel_words(op.name));
        vocabulary.insert(op.tag.to_lowercase());
        for seg in op.path.split('/').filter(|s| !s.starts_with('{')) {
            vocabulary.extend(seg.split(['_', '-']).map(str::to_lowercase));
        }
        for f in field_names(cat, op) {
            vocabulary.extend(camel_words(f));
        }
    }
    let mut scored: Vec<(f64, String)> = vocabulary
        .into_iter()
        .filter(|w| w.len() > 2)
        .map(|w| (strsim::jaro_winkler(&needle, &w), w))
        .filter(|(s, _)| *s >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.into_iter().take(5).map(|(_, w)| w).collect()
}

/// `createSpaceToken` → create, space, token (and snake_case words).
fn camel_words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in name.chars() {
        if (c == '_' || c == '-' || c.is_uppercase()) && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if c != '_' && c != '-' {
            cur.extend(c.to_lowercase());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// ` (since 21.02.4)` for an operation that the oldest release lacks.
pub fn since_mark(op: &Operation) -> String {
    op.introduced
        .map_or_else(String::new, |since| format!(" (since {since})"))
}

/// Which releases have the operation, where not all do:
/// `from Onezone 21.02.4`, `in Onezone 19.02.5 to 20.02.20`.
pub fn releases_of(cat: Catalogue, name: &str) -> Option<String> {
    let s = cat.service;
    let spans: Vec<(u8, u8)> = s
        .operations
        .iter()
        .filter(|o| o.name == name)
        .map(|o| (o.span.since, o.span.until))
        .collect();
    let since = spans.iter().map(|s| s.0).min()?;
    let until = spans.iter().map(|s| s.1).max()?;
    let newest = u8::try_from(s.releases.len().saturating_sub(1)).unwrap_or(u8::MAX);
    let at = |i: u8| s.releases.get(usize::from(i)).copied().unwrap_or("?");
    match (since, until) {
        (0, u) if u >= newest => None,
        (f, u) if u >= newest => Some(format!("from {} {}", s.title, at(f))),
        (f, u) => Some(format!("in {} {} to {}", s.title, at(f), at(u))),
    }
}

/// A short type description: `string`, `array of string`, `Caveat`,
/// `GroupPrivileges (array of string)`.
pub fn type_label(cat: Catalogue, schema: &'static Schema) -> String {
    let base = match cat.resolve(schema) {
        Schema::Any => "any JSON".to_owned(),
        Schema::String { .. } => "string".into(),
        Schema::Integer => "integer".into(),
        Schema::Number => "number".into(),
        Schema::Boolean => "boolean".into(),
        Schema::Binary => "bytes".into(),
        Schema::Array { items, .. } => format!("array of {}", type_label(cat, items)),
        Schema::Object(_) | Schema::Ref(_) => "object".into(),
        Schema::AnyOf(alternatives) => alternatives
            .iter()
            .map(|a| match cat.resolve(a) {
                Schema::String { enum_values } if !enum_values.is_empty() => enum_values
                    .iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(" or "),
                _ => type_label(cat, a),
            })
            .collect::<Vec<_>>()
            .join(" or "),
    };
    match (cat.ref_name(schema), cat.resolve(schema)) {
        (Some(name), Schema::Object(_)) => name.to_owned(),
        (Some(name), Schema::Array { .. }) => format!("{name} ({base})"),
        _ => base,
    }
}

/// The allowed values of a string field, or of a list of strings.
fn inline_enum(cat: Catalogue, schema: &'static Schema) -> &'static [&'static str] {
    match cat.resolve(schema) {
        Schema::String { enum_values, .. } => enum_values,
        Schema::Array { items, .. } => match cat.resolve(items) {
            Schema::String { enum_values, .. } => enum_values,
            _ => &[],
        },
        _ => &[],
    }
}

/// Rows for the fields of an object body, nested objects as `a[b]`.
fn field_rows(
    cat: Catalogue,
    prefix: &str,
    schema: &'static Schema,
    depth: usize,
    out: &mut Vec<(String, String)>,
    notes: &mut Vec<String>,
) {
    let Schema::Object(obj) = cat.resolve(schema) else {
        return;
    };
    for f in obj.fields {
        let name = if prefix.is_empty() {
            f.name.to_owned()
        } else {
            format!("{prefix}[{}]", f.name)
        };
        let inner = cat.resolve(&f.schema);
        let sep = cat.separator(&f.schema);
        let mut desc = type_label(cat, &f.schema);
        if let Schema::AnyOf(_) = inner {
            // `usageLimit:=5`, or the text: `usageLimit==infinity`.
            let text: Vec<String> = cat
                .string_values(&f.schema)
                .iter()
                .map(|v| format!("{name}=={v}"))
                .collect();
            if !text.is_empty() {
                let _ = write!(desc, " ({})", text.join(", "));
            }
        }
        if f.required {
            desc.push_str(", required");
        }
        if f.read_only {
            desc.push_str(", read-only");
        }
        let values = inline_enum(cat, &f.schema);
        if !values.is_empty() {
            let items = if matches!(inner, Schema::Array { .. }) {
                "items "
            } else {
                ""
            };
            let _ = write!(desc, "; {items}one of: {}", values.join(", "));
        }
        out.push((format!("{name}{sep}"), desc));
        match inner {
            Schema::Object(o) if o.discriminator.is_none() && !o.fields.is_empty() && depth < 2 => {
                field_rows(cat, &name, &f.schema, depth + 1, out, notes);
            }
            Schema::Object(o) if o.discriminator.is_some() => note_variants(cat, &f.schema, notes),
            Schema::Array { items, .. } => {
                if let Schema::Object(o) = cat.resolve(items) {
                    if o.discriminator.is_some() {
                        note_variants(cat, items, notes);
                    } else if !o.fields.is_empty() && depth < 2 {
                        field_rows(cat, &format!("{name}[]"), items, depth + 1, out, notes);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A polymorphic object: which fields each variant takes.
fn note_variants(cat: Catalogue, schema: &'static Schema, notes: &mut Vec<String>) {
    let Schema::Object(o) = cat.resolve(schema) else {
        return;
    };
    let Some(d) = &o.discriminator else { return };
    let name = cat.ref_name(schema).unwrap_or("object");
    let mut text = format!("{name} is chosen by \"{}\":", d.field);
    for (value, idx) in d.variants {
        let fields: Vec<String> = match cat.named(*idx).map(|s| cat.resolve(s)) {
            Some(Schema::Object(v)) => v
                .fields
                .iter()
                .filter(|f| f.name != d.field)
                .map(|f| format!("{}{}", f.name, if f.required { "" } else { "?" }))
                .collect(),
            _ => Vec::new(),
        };
        let _ = write!(
            text,
            "\n      {value}: {}",
            if fields.is_empty() {
                "-".into()
            } else {
                fields.join(", ")
            }
        );
    }
    if !notes.contains(&text) {
        notes.push(text);
    }
}

/// A runnable example: the required parameters and body fields (with
/// what a polymorphic object needs: its discriminator and the required
/// fields of the variant it picks).
pub fn example(cat: Catalogue, op: &'static Operation) -> String {
    let mut words = vec![format!(
        "{} {}",
        crate::personality::current().command,
        op.name
    )];
    for p in op.params.iter().filter(|p| p.required) {
        words.push(format!("{}=<{}>", p.name, p.name));
    }
    if let Some(obj) = cat.body_object(op) {
        required_items(cat, None, obj, 0, &mut words);
    } else if op.body.as_ref().is_some_and(|b| b.required) {
        words.push("- < body.json".into());
    }
    words.join(" ")
}

/// Items for the required fields of `obj` (at `prefix`, or at the top).
/// Returns whether it wrote any.
fn required_items(
    cat: Catalogue,
    prefix: Option<&str>,
    obj: &'static ObjectSchema,
    depth: usize,
    words: &mut Vec<String>,
) -> bool {
    let name_of = |field: &str| match prefix {
        Some(p) => format!("{p}[{}]", items::escape_key(field)),
        None => items::escape_key(field),
    };
    let before = words.len();
    let mut fields: Vec<&'static Field> = Vec::new();
    let mut chosen = None;
    if let Some(d) = &obj.discriminator {
        if let Some((value, idx)) = d.variants.first() {
            words.push(format!("{}=={value}", name_of(d.field)));
            chosen = Some(d.field);
            if let Some(Schema::Object(v)) = cat.named(*idx).map(|s| cat.resolve(s)) {
                fields.extend(v.fields.iter());
            }
        }
    }
    for f in obj.fields {
        if !fields.iter().any(|g| g.name == f.name) {
            fields.push(f);
        }
    }
    for f in fields {
        if f.required && Some(f.name) != chosen {
            example_value(cat, &name_of(f.name), f.name, &f.schema, depth, words);
        }
    }
    words.len() > before
}

/// An item (or the items) giving `schema` a valid value at `name`.
fn example_value(
    cat: Catalogue,
    name: &str,
    leaf: &str,
    schema: &'static Schema,
    depth: usize,
    words: &mut Vec<String>,
) {
    match cat.resolve(schema) {
        Schema::String { enum_values } => match enum_values.first() {
            Some(v) => words.push(format!("{name}=={v}")),
            None => words.push(format!("{name}==<{leaf}>")),
        },
        Schema::Integer | Schema::Number => words.push(format!("{name}:=0")),
        Schema::Boolean => words.push(format!("{name}:=true")),
        Schema::AnyOf(alternatives) => match alternatives.first() {
            Some(a) => example_value(cat, name, leaf, a, depth, words),
            None => words.push(format!("{name}:=null")),
        },
        Schema::Array { items, min_items } if min_items.unwrap_or(0) > 0 && depth < 4 => {
            example_value(cat, &format!("{name}[0]"), leaf, items, depth + 1, words);
        }
        Schema::Array { .. } => words.push(format!("{name}:='[]'")),
        Schema::Object(o) if depth < 4 => {
            if !required_items(cat, Some(name), o, depth + 1, words) {
                words.push(format!("{name}:='{{}}'"));
            }
        }
        _ => words.push(format!("{name}:='{{}}'")),
    }
}

pub fn operation(cat: Catalogue, op: &'static Operation) -> String {
    let mut out = String::new();
    let mark = if op.deprecated.is_some() {
        " (deprecated)"
    } else {
        ""
    };
    let _ = writeln!(out, "{} — {}{mark}", op.name, op.summary);
    let _ = writeln!(
        out,
        "\n  {} {}{}    (group: {})",
        op.method, cat.service.base_path, op.path, op.tag
    );
    if let Some(releases) = releases_of(cat, op.name) {
        let _ = writeln!(out, "  Exists {releases}.");
    }
    let aliases: Vec<&str> = cat.aliases_of(op.name).collect();
    if !aliases.is_empty() {
        let _ = writeln!(out, "  also accepted: {}", aliases.join(", "));
    }
    for v in op.path_variants {
        let names: Vec<&str> = v
            .params
            .iter()
            .filter(|p| !op.params.iter().any(|q| q.name == p.name))
            .map(|p| p.name)
            .collect();
        let _ = writeln!(
            out,
            "  {} {}{}    (when {} is given)",
            op.method,
            cat.service.base_path,
            v.path,
            names.join(", ")
        );
    }
    if let Some(d) = &op.deprecated {
        let instead = if d.replacements.is_empty() {
            format!(
                "it may be removed in a future {} release",
                crate::personality::current().title()
            )
        } else {
            format!("use {} instead", d.replacements.join(" or "))
        };
        let _ = writeln!(out, "\nDeprecated: {instead}.");
        if let Some(s) = crate::deprecation::suggest(cat, op, &[]) {
            let _ = writeln!(
                out,
                "  For example:\n    {}",
                s.render(crate::personality::current().command)
            );
        }
    }
    let mut params: Vec<(String, String)> = Vec::new();
    for p in op.all_params() {
        let place = if p.location == ParamIn::Path {
            "path"
        } else {
            "query"
        };
        let req = match (p.required, op.path_variants.is_empty()) {
            (false, _) => "",
            (true, true) => ", required",
            (true, false) => ", required by its path",
        };
        params.push((
            format!("{}=", p.name),
            format!("{}, {place}{req}", type_label(cat, &p.schema)),
        ));
    }
    if !params.is_empty() {
        out.push_str("\nParameters:\n");
        rows(&mut out, &params);
    }
    if let Some(body) = &op.body {
        let required = if body.required {
            "required"
        } else {
            "optional"
        };
        let name = cat
            .ref_name(&body.schema)
            .map(|n| format!(", {n}"))
            .unwrap_or_default();
        let consumes = op.consumes.first().copied().unwrap_or("application/json");
        let streamed = !crate::output::is_json_type(consumes) && !consumes.contains("yaml");
        let yaml = op.consumes.iter().any(|c| c.contains("yaml"));
        let kind = match (streamed, yaml) {
            (true, _) => consumes,
            (false, true) => "JSON or YAML",
            (false, false) => "JSON",
        };
        let _ = writeln!(out, "\nBody ({kind}, {required}{name}):");
        let mut fields = Vec::new();
        let mut notes = Vec::new();
        if yaml {
            notes
                .push("- reads the body as YAML or JSON from stdin; it is sent as JSON".to_owned());
        }
        match cat.resolve(&body.schema) {
            _ if streamed => fields.push((
                "-T FILE".into(),
                "the bytes to send, streamed from FILE; or - to stream them from stdin".into(),
            )),
            Schema::Object(o) if !o.fields.is_empty() && o.discriminator.is_none() => {
                field_rows(cat, "", &body.schema, 0, &mut fields, &mut notes);
                if o.additional.is_some() {
                    fields.push(("…".into(), "other fields are allowed".into()));
                }
            }
            Schema::Object(o) if o.discriminator.is_some() => {
                fields.push((
                    format!("{}==", o.discriminator.as_ref().map_or("", |d| d.field)),
                    "string, required".into(),
                ));
                note_variants(cat, &body.schema, &mut notes);
            }
            _ => {
                let values = inline_enum(cat, &body.schema);
                let mut d = format!(
                    "the whole body is {}; give it with -",
                    type_label(cat, &body.schema)
                );
                if !values.is_empty() {
                    let _ = write!(d, "; items one of: {}", values.join(", "));
                }
                fields.push(("-".into(), d));
            }
        }
        rows(&mut out, &fields);
        for n in notes {
            let _ = writeln!(out, "  {n}");
        }
    }
    if !op.privileges.is_empty() {
        let (admin, own): (Vec<&str>, Vec<&str>) =
            op.privileges.iter().partition(|p| p.starts_with("oz_"));
        let mut text = own.join(", ");
        if !admin.is_empty() {
            if !text.is_empty() {
                text.push_str("; or the admin privilege ");
            } else {
                text.push_str("admin privilege ");
            }
            text.push_str(&admin.join(", "));
        }
        let _ = writeln!(out, "\nPrivileges: {text}");
    }
    out.push_str("\nResponses:\n");
    let mut resp = Vec::new();
    let mut errors = Vec::new();
    for r in op.responses {
        if r.code >= 400 {
            errors.push(r.code.to_string());
            continue;
        }
        let what = match (&r.schema, r.location) {
            (Some(s), true) if r.code == 201 => format!("created; JSON: {}", type_label(cat, s)),
            (None, true) if r.code == 201 => {
                "created; prints {\"id\": …, \"location\": …}".to_owned()
            }
            (_, true) => "redirect, followed (credentials are not sent to another host)".into(),
            (_, false) if (300..400).contains(&r.code) => {
                "redirect, followed (credentials are not sent to another host)".into()
            }
            (None, false) if r.code == 202 => {
                "accepted: a task runs; prints it, or --wait follows it to its end".into()
            }
            (_, false) if r.code == 206 => {
                "partial content: the range asked for with Range:bytes=FIRST-LAST".into()
            }

            (_, false) if op.produces.contains(&"application/octet-stream") => {
                "the bytes, streamed to stdout or --output-file FILE".into()
            }
            (Some(s), false) => format!("JSON: {}", type_label(cat, s)),
            (None, false) if r.code == 204 => "no content".into(),
            (None, false) if op.produces.iter().any(|p| p.starts_with("image/")) => {
                format!("{} bytes", op.produces.join(", "))
            }
            (None, false) => "no body".into(),
        };
        resp.push((r.code.to_string(), what));
    }
    if !errors.is_empty() {
        resp.push((errors.join(" "), "error, printed on stderr".into()));
    }
    rows(&mut out, &resp);
    let _ = writeln!(out, "\nExample:\n  {}", example(cat, op));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{build, Options};

    fn zone() -> Catalogue {
        Catalogue::newest(release::service())
    }

    /// Every operation's example, as a user would paste it (placeholders
    /// and all), passes the request builder's checks: no missing parameter
    /// or field, nothing the schema refuses.
    #[test]
    fn every_example_builds_a_valid_request() {
        let opts = Options {
            base_url: "https://zone.example.com/api/v3/onezone".into(),
            ..Options::default()
        };
        let mut failed = Vec::new();
        for op in zone().operations() {
            let line = example(zone(), op);
            let words = shlex::split(&line).expect("shell words");
            assert_eq!(words[..2], ["onezone-rest-cli", op.name], "{line}");
            // `- < body.json`: the body is the whole value, given on stdin.
            let (args, stdin) = match words.iter().position(|w| w == "<") {
                Some(i) => (&words[2..i], example_stdin(op)),
                None => (&words[2..], String::new()),
            };
            if let Err(e) = build(op, args, &opts, || Ok(stdin.into_bytes())) {
                failed.push(format!("{line}\n    {}", e.0.join("\n    ")));
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    /// What `body.json` holds in the examples of operations whose body is
    /// not an object: a value of the body's type.
    fn example_stdin(op: &'static Operation) -> String {
        match op.body.as_ref().map(|b| zone().resolve(&b.schema)) {
            Some(Schema::Array { .. }) => "[]".into(),
            Some(Schema::String { .. }) => "\"text\"".into(),
            other => panic!("{}: an example body of {other:?}", op.name),
        }
    }

    #[test]
    fn a_polymorphic_field_gets_its_discriminator_in_the_example() {
        let ex = example(zone(), zone().find("addHandleService").unwrap());
        assert!(ex.contains(" serviceProperties[type]==DOI "), "{ex}");
        assert!(!ex.contains("serviceProperties:="), "{ex}");
    }

    #[test]
    fn the_usage_line_names_every_builtin() {
        let help = global(&Selection::newest());
        let usage = help.lines().nth(4).unwrap_or_default();
        for b in builtins::BUILTINS {
            assert!(
                usage.split(['|', ' ']).any(|w| w == b.name),
                "{} missing from {usage:?}",
                b.name
            );
        }
        assert!(usage.contains("completions [SHELL]"), "{usage}");
        assert!(usage.contains(" man "), "{usage}");
    }

    #[test]
    fn an_integer_or_infinity_reads_as_both() {
        let text = operation(
            zone(),
            zone().find("createNamedTokenForCurrentUser").unwrap(),
        );
        assert!(
            text.contains("usageLimit:=           integer or \"infinity\" (usageLimit==infinity)"),
            "{text}"
        );
    }
}
