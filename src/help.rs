//! `--help`, `<operation> --help` and `--about`, all from the catalogue and
//! the option definitions.

use crate::catalogue::{self, resolve, Operation, ParamIn, Schema, SCHEMAS};
use crate::cli;
use crate::exit::EXIT_CODES;
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
        "read the body from stdin (fields given as items are merged into it)",
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

pub fn global() -> String {
    let mut out = version_line();
    out.push_str(
        "\n\nUsage: onezone-rest-cli [OPTIONS] <OPERATION> [ITEM]...\n       \
         onezone-rest-cli <OPERATION> --help\n       \
         onezone-rest-cli login | logout | completions <SHELL>\n\nRequest items:\n",
    );
    rows(
        &mut out,
        &ITEMS_HELP
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<Vec<_>>(),
    );
    let options = cli::options();
    for heading in ["Options", "curl options (accepted for compatibility)"] {
        let _ = writeln!(out, "\n{heading}:");
        let list: Vec<(String, String)> = options
            .iter()
            .filter(|a| a.get_help_heading() == Some(heading))
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
        let sep = if matches!(inner, Schema::String { .. }) {
            "=="
        } else {
            ":="
        };
        let mut desc = type_label(&f.schema);
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

/// A runnable example: the required parameters and body fields.
pub fn example(op: &'static Operation) -> String {
    let mut words = vec![format!("onezone-rest-cli {}", op.name)];
    for p in op.params.iter().filter(|p| p.required) {
        words.push(format!("{}=<{}>", p.name, p.name));
    }
    if let Some(obj) = op.body_object() {
        for f in obj.fields.iter().filter(|f| f.required) {
            let values = inline_enum(&f.schema);
            match resolve(&f.schema) {
                Schema::String { .. } if !values.is_empty() => {
                    words.push(format!("{}=={}", f.name, values[0]))
                }
                Schema::String { .. } => words.push(format!("{}==<{}>", f.name, f.name)),
                Schema::Integer | Schema::Number => words.push(format!("{}:=0", f.name)),
                Schema::Boolean => words.push(format!("{}:=true", f.name)),
                Schema::Array { .. } => words.push(format!("{}:='[]'", f.name)),
                _ => words.push(format!("{}:='{{}}'", f.name)),
            }
        }
    } else if op.body.as_ref().is_some_and(|b| b.required) {
        words.push("- < body.json".into());
    }
    words.join(" ")
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
    for p in op
        .params
        .iter()
        .chain(op.path_variants.iter().flat_map(|v| v.params))
    {
        if params
            .iter()
            .any(|(n, _)| n.starts_with(&format!("{}=", p.name)))
        {
            continue;
        }
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
