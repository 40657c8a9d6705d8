//! `--help`, `<operation> --help` and `--about`, all from the catalogue and
//! the option definitions.

use crate::builtins::{self, Builtin};
use crate::catalogue::{self, resolve, ObjectSchema, Operation, ParamIn, Schema, SCHEMAS};
use crate::cli::{self, Group};
use crate::exit::EXIT_CODES;
use crate::items;
use std::fmt::Write as _;

pub const ITEMS_HELP: &[(&str, &str)] = &[
    ("name=value", "path parameter (percent-encoded for you)"),
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

pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("ONEZONE_HOST", "Onezone URL, when --host is not given"),
    ("ONEZONE_API_KEY", "access token, sent as X-Auth-Token"),
    (
        "ONEZONE_BASIC_AUTH",
        "user:password for basic authentication",
    ),
];

fn version_line() -> String {
    format!(
        "onezone-rest-cli {} (Onezone REST API {})",
        env!("CARGO_PKG_VERSION"),
        catalogue::API_VERSION
    )
}

pub fn version() -> String {
    version_line() + "\n"
}

pub fn about() -> String {
    format!(
        "{}\n\n\
         Onezone is the federation service of Onedata, a distributed data-management\n\
         platform: it keeps users, groups, spaces, shares, providers, tokens, handles,\n\
         handle services, harvesters and clusters. This tool calls its REST API\n\
         (base path {}) with one subcommand per operation:\n\
         {} operations in {} groups. Run `onezone-rest-cli --help` for the list,\n\
         and `onezone-rest-cli <operation> --help` for one of them.\n",
        version_line(),
        catalogue::BASE_PATH,
        catalogue::OPERATIONS.len(),
        catalogue::TAGS.len()
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

/// `completions <SHELL>`: a built-in as the usage line shows it.
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

pub fn global() -> String {
    let mut out = version_line();
    let builtins: Vec<String> = builtins::BUILTINS.iter().map(builtin_usage).collect();
    let _ = write!(
        out,
        "\n\nUsage: onezone-rest-cli [OPTIONS] <OPERATION> [ITEM]...\n       \
         onezone-rest-cli <OPERATION> --help\n       \
         onezone-rest-cli {}\n\nRequest items:\n",
        builtins.join(" | ")
    );
    rows(
        &mut out,
        &ITEMS_HELP
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<Vec<_>>(),
    );
    let options = cli::options();
    for group in Group::ALL {
        let _ = writeln!(out, "\n{}:", group.heading());
        let list: Vec<(String, String)> = options
            .iter()
            .filter(|a| Group::of(a) == Some(group))
            .map(|a| {
                let mut left = cli::spelling(a).replace('/', ", ");
                if let Some(v) = a.get_value_names().and_then(|v| v.first()) {
                    let _ = write!(left, " {v}");
                }
                (
                    left,
                    a.get_help().map(ToString::to_string).unwrap_or_default(),
                )
            })
            .collect();
        rows(&mut out, &list);
    }
    out.push_str("\nEnvironment:\n");
    rows(
        &mut out,
        &ENVIRONMENT
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<Vec<_>>(),
    );
    out.push_str("\nExit status:\n");
    rows(
        &mut out,
        &EXIT_CODES
            .iter()
            .map(|(c, b)| (c.to_string(), (*b).to_owned()))
            .collect::<Vec<_>>(),
    );
    out.push_str("\nOperations:\n");
    for tag in catalogue::TAGS {
        let _ = writeln!(out, "\n {tag}:");
        let list: Vec<(String, String)> = catalogue::OPERATIONS
            .iter()
            .filter(|op| op.tag == *tag)
            .map(|op| {
                let mark = if op.deprecated.is_some() {
                    " (deprecated)"
                } else {
                    ""
                };
                (op.name.to_owned(), format!("{}{mark}", op.summary))
            })
            .collect();
        rows(&mut out, &list);
    }
    out
}

/// A short type description: `string`, `array of string`, `Caveat`,
/// `GroupPrivileges (array of string)`.
pub fn type_label(schema: &Schema) -> String {
    let base = match resolve_ref(schema) {
        Schema::Any => "any JSON".to_owned(),
        Schema::String { .. } => "string".into(),
        Schema::Integer => "integer".into(),
        Schema::Number => "number".into(),
        Schema::Boolean => "boolean".into(),
        Schema::Binary => "bytes".into(),
        Schema::Array { items, .. } => format!("array of {}", type_label(items)),
        Schema::Object(_) | Schema::Ref(_) => "object".into(),
        Schema::AnyOf(alternatives) => alternatives
            .iter()
            .map(|a| match resolve(a) {
                Schema::String { enum_values } if !enum_values.is_empty() => enum_values
                    .iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(" or "),
                _ => type_label(a),
            })
            .collect::<Vec<_>>()
            .join(" or "),
    };
    match (catalogue::ref_name(schema), resolve_ref(schema)) {
        (Some(name), Schema::Object(_)) => name.to_owned(),
        (Some(name), Schema::Array { .. }) => format!("{name} ({base})"),
        _ => base,
    }
}

fn resolve_ref(schema: &Schema) -> &Schema {
    match schema {
        Schema::Ref(i) => resolve(&SCHEMAS[usize::from(*i)].schema),
        other => other,
    }
}

/// The allowed values of a string field, or of a list of strings.
fn inline_enum(schema: &Schema) -> &'static [&'static str] {
    match resolve_ref(schema) {
        Schema::String { enum_values, .. } => enum_values,
        Schema::Array { items, .. } => match resolve(items) {
            Schema::String { enum_values, .. } => enum_values,
            _ => &[],
        },
        _ => &[],
    }
}

/// Rows for the fields of an object body, nested objects as `a[b]`.
fn field_rows(
    prefix: &str,
    schema: &'static Schema,
    depth: usize,
    out: &mut Vec<(String, String)>,
    notes: &mut Vec<String>,
) {
    let Schema::Object(obj) = resolve(schema) else {
        return;
    };
    for f in obj.fields {
        let name = if prefix.is_empty() {
            f.name.to_owned()
        } else {
            format!("{prefix}[{}]", f.name)
        };
        let inner = resolve(&f.schema);
        let sep = f.separator();
        let mut desc = type_label(&f.schema);
        if let Schema::AnyOf(_) = inner {
            // `usageLimit:=5`, or the text: `usageLimit==infinity`.
            let text: Vec<String> = f
                .schema
                .string_values()
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
        let values = inline_enum(&f.schema);
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
                field_rows(&name, &f.schema, depth + 1, out, notes);
            }
            Schema::Object(o) if o.discriminator.is_some() => note_variants(&f.schema, notes),
            Schema::Array { items, .. } => {
                if let Schema::Object(o) = resolve(items) {
                    if o.discriminator.is_some() {
                        note_variants(items, notes);
                    } else if !o.fields.is_empty() && depth < 2 {
                        field_rows(&format!("{name}[]"), items, depth + 1, out, notes);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A polymorphic object: which fields each variant takes.
fn note_variants(schema: &'static Schema, notes: &mut Vec<String>) {
    let Schema::Object(o) = resolve(schema) else {
        return;
    };
    let Some(d) = &o.discriminator else { return };
    let name = catalogue::ref_name(schema).unwrap_or("object");
    let mut text = format!("{name} is chosen by \"{}\":", d.field);
    for (value, idx) in d.variants {
        let fields: Vec<String> = match resolve(&SCHEMAS[usize::from(*idx)].schema) {
            Schema::Object(v) => v
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
pub fn example(op: &'static Operation) -> String {
    let mut words = vec![format!("onezone-rest-cli {}", op.name)];
    for p in op.params.iter().filter(|p| p.required) {
        words.push(format!("{}=<{}>", p.name, p.name));
    }
    if let Some(obj) = op.body_object() {
        required_items(None, obj, 0, &mut words);
    } else if op.body.as_ref().is_some_and(|b| b.required) {
        words.push("- < body.json".into());
    }
    words.join(" ")
}

/// Items for the required fields of `obj` (at `prefix`, or at the top).
/// Returns whether it wrote any.
fn required_items(
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
    let mut fields: Vec<&'static catalogue::Field> = Vec::new();
    let mut chosen = None;
    if let Some(d) = &obj.discriminator {
        if let Some((value, idx)) = d.variants.first() {
            words.push(format!("{}=={value}", name_of(d.field)));
            chosen = Some(d.field);
            if let Schema::Object(v) = resolve(&SCHEMAS[usize::from(*idx)].schema) {
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
            example_value(&name_of(f.name), f.name, &f.schema, depth, words);
        }
    }
    words.len() > before
}

/// An item (or the items) giving `schema` a valid value at `name`.
fn example_value(
    name: &str,
    leaf: &str,
    schema: &'static Schema,
    depth: usize,
    words: &mut Vec<String>,
) {
    match resolve(schema) {
        Schema::String { enum_values } => match enum_values.first() {
            Some(v) => words.push(format!("{name}=={v}")),
            None => words.push(format!("{name}==<{leaf}>")),
        },
        Schema::Integer | Schema::Number => words.push(format!("{name}:=0")),
        Schema::Boolean => words.push(format!("{name}:=true")),
        Schema::AnyOf(alternatives) => match alternatives.first() {
            Some(a) => example_value(name, leaf, a, depth, words),
            None => words.push(format!("{name}:=null")),
        },
        Schema::Array { items, min_items } if min_items.unwrap_or(0) > 0 && depth < 4 => {
            example_value(&format!("{name}[0]"), leaf, items, depth + 1, words);
        }
        Schema::Array { .. } => words.push(format!("{name}:='[]'")),
        Schema::Object(o) if depth < 4 => {
            if !required_items(Some(name), o, depth + 1, words) {
                words.push(format!("{name}:='{{}}'"));
            }
        }
        _ => words.push(format!("{name}:='{{}}'")),
    }
}

pub fn operation(op: &'static Operation) -> String {
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
        op.method,
        catalogue::BASE_PATH,
        op.path,
        op.tag
    );
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
            catalogue::BASE_PATH,
            v.path,
            names.join(", ")
        );
    }
    if let Some(d) = &op.deprecated {
        let instead = if d.replacements.is_empty() {
            "it may be removed in a future Onezone release".to_owned()
        } else {
            format!("use {} instead", d.replacements.join(" or "))
        };
        let _ = writeln!(out, "\nDeprecated: {instead}.");
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
            format!("{}, {place}{req}", type_label(&p.schema)),
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
        let name = catalogue::ref_name(&body.schema)
            .map(|n| format!(", {n}"))
            .unwrap_or_default();
        let _ = writeln!(out, "\nBody (JSON, {required}{name}):");
        let mut fields = Vec::new();
        let mut notes = Vec::new();
        match resolve(&body.schema) {
            Schema::Object(o) if !o.fields.is_empty() && o.discriminator.is_none() => {
                field_rows("", &body.schema, 0, &mut fields, &mut notes);
                if o.additional.is_some() {
                    fields.push(("…".into(), "other fields are allowed".into()));
                }
            }
            Schema::Object(o) if o.discriminator.is_some() => {
                fields.push((
                    format!("{}==", o.discriminator.as_ref().map_or("", |d| d.field)),
                    "string, required".into(),
                ));
                note_variants(&body.schema, &mut notes);
            }
            _ => {
                let values = inline_enum(&body.schema);
                let mut d = format!(
                    "the whole body is {}; give it with -",
                    type_label(&body.schema)
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
            (Some(s), true) if r.code == 201 => format!("created; JSON: {}", type_label(s)),
            (None, true) if r.code == 201 => {
                "created; prints {\"id\": …, \"location\": …}".to_owned()
            }
            (_, true) => "redirect, followed (credentials are not sent to another host)".into(),
            (Some(s), false) => format!("JSON: {}", type_label(s)),
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
    let _ = writeln!(out, "\nExample:\n  {}", example(op));
    out
}

/// Up to three operation names close to `name`, for "did you mean".
pub fn suggestions(name: &str) -> Vec<&'static str> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(f64, &'static str)> = catalogue::OPERATIONS
        .iter()
        .map(|op| {
            let other = op.name.to_lowercase();
            let mut score = strsim::jaro_winkler(&lower, &other);
            if other.starts_with(&lower) || other == lower {
                score += 0.5;
            }
            (score, op.name)
        })
        .filter(|(s, _)| *s > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{build, Options};

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
        for op in catalogue::OPERATIONS {
            let line = example(op);
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
        match op.body.as_ref().map(|b| resolve(&b.schema)) {
            Some(Schema::Array { .. }) => "[]".into(),
            Some(Schema::String { .. }) => "\"text\"".into(),
            other => panic!("{}: an example body of {other:?}", op.name),
        }
    }

    #[test]
    fn a_polymorphic_field_gets_its_discriminator_in_the_example() {
        let ex = example(catalogue::find("addHandleService").unwrap());
        assert!(ex.contains(" serviceProperties[type]==DOI "), "{ex}");
        assert!(!ex.contains("serviceProperties:="), "{ex}");
    }

    #[test]
    fn the_usage_line_names_every_builtin() {
        let help = global();
        let usage = help.lines().nth(4).unwrap_or_default();
        for b in builtins::BUILTINS {
            assert!(
                usage.split(['|', ' ']).any(|w| w == b.name),
                "{} missing from {usage:?}",
                b.name
            );
        }
        assert!(usage.contains("completions <SHELL>"), "{usage}");
        assert!(usage.contains(" man "), "{usage}");
    }

    #[test]
    fn an_integer_or_infinity_reads_as_both() {
        let text = operation(catalogue::find("createNamedTokenForCurrentUser").unwrap());
        assert!(
            text.contains("usageLimit:=           integer or \"infinity\" (usageLimit==infinity)"),
            "{text}"
        );
    }
}
