//! What a refused command line should have said: the hints added to the
//! request builder's errors, for the mistakes that copied examples make
//! (the official ones among them): the parameters of another operation, a
//! value the shell split into several words, a body on stdin of another
//! shape, and a body piped in without the `-` that reads it.

use crate::catalogue::validate::validate;
use crate::catalogue::{Catalogue, Operation, Schema};
use crate::cli::Globals;
use crate::items::{self, Sep};
use std::io::Write;

/// The hints for a command line whose request the builder refused:
/// `items` are the words after the operation, `stdin` the body read for
/// `-`, if it was read.
pub fn hints(
    cat: Catalogue,
    op: &'static Operation,
    items: &[String],
    stdin: Option<&[u8]>,
) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(another_operation(cat, op, items));
    out.extend(split_values(items));
    out.extend(body_shape(cat, op, items, stdin));
    out.extend(field_values(cat, op, items));
    out
}

/// For `name==value` items of top-level body fields: a single value given
/// for an array field (`grant==x` for `grant[]==x`), and an enum value
/// mistyped (`type==tem`: the closest values, `type==team`).
fn field_values(cat: Catalogue, op: &'static Operation, items: &[String]) -> Vec<String> {
    let Some(body) = op.body.as_ref() else {
        return Vec::new();
    };
    let Schema::Object(obj) = cat.resolve(&body.schema) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for w in items {
        let Some((key, Sep::BodyString, value)) = items::split(w) else {
            continue;
        };
        // The value of a credential (`macaroon==…`) is not repeated.
        if items::shown(w) != w.as_str() {
            continue;
        }
        let key = items::unescape(key);
        let (name, listed) = match key.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (key.as_str(), false),
        };
        let Some(field) = obj.fields.iter().find(|f| f.name == name) else {
            continue;
        };
        let value = items::unescape(value);
        let schema = match (cat.resolve(&field.schema), listed) {
            (Schema::Array { .. }, false) => {
                out.push(format!(
                    "{name} is a list: give each value as {}",
                    shell_word(&format!("{name}[]=={value}"))
                ));
                continue;
            }
            (Schema::Array { items, .. }, true) => cat.resolve(items),
            (other, false) => other,
            (_, true) => continue,
        };
        if let Schema::String { enum_values } = schema {
            if enum_values.is_empty() || enum_values.contains(&value.as_str()) {
                continue;
            }
            let near = closest(&value, enum_values);
            if !near.is_empty() {
                let shown: Vec<String> = near
                    .iter()
                    .map(|v| shell_word(&format!("{key}=={v}")).into_owned())
                    .collect();
                out.push(format!("did you mean: {}?", shown.join(", ")));
            }
        }
    }
    out
}

/// The values of `values` closest to `given` (at most three, best first),
/// that are close enough to be a typo of it.
fn closest(given: &str, values: &[&'static str]) -> Vec<&'static str> {
    let given = given.to_ascii_lowercase();
    let mut scored: Vec<(f64, &'static str)> = values
        .iter()
        .map(|v| (strsim::jaro_winkler(&given, &v.to_ascii_lowercase()), *v))
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, v)| v).collect()
}

/// Parameters that the operation lacks and a close one takes
/// (`getReports report_id=…` for `getReport`).
fn another_operation(cat: Catalogue, op: &'static Operation, items: &[String]) -> Option<String> {
    let params: Vec<String> = items
        .iter()
        .filter_map(|w| match items::split(w) {
            Some((key, Sep::Param, _)) => Some(items::unescape(key)),
            _ => None,
        })
        .collect();
    let own = op.all_params();
    let foreign: Vec<&str> = params
        .iter()
        .map(String::as_str)
        .filter(|p| !own.iter().any(|q| q.name == *p))
        .collect();
    // Where a parameter of its own is missing, a foreign one is more
    // likely that one misnamed (`getSpace sid=…` for `id=…`).
    let missing = own
        .iter()
        .any(|q| q.required && !params.iter().any(|p| p == q.name));
    if foreign.is_empty() || missing {
        return None;
    }
    let names: Vec<&str> = params.iter().map(String::as_str).collect();
    let others = crate::suggest::taking(cat, op.name, &names);
    if others.is_empty() {
        return None;
    }
    Some(format!(
        "did you mean: {}? ({} is a parameter of {})",
        others.join(", "),
        foreign.join(", "),
        if others.len() == 1 { "it" } else { "them" }
    ))
}

/// `config=={ "a": 1 }` unquoted reaches us as the words `config=={`,
/// `"a":`, `1`, `}`; `url== "https://…"` as `url==` and `https://…`. The
/// corrected item, quoted as one word, for each such value.
fn split_values(items: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let Some((key, sep @ (Sep::BodyString | Sep::BodyJson), value)) = items::split(&items[i])
        else {
            i += 1;
            continue;
        };
        // The value of a credential typed as a field is not repeated.
        if items::shown(&items[i]) != items[i].as_str() {
            i += 1;
            continue;
        }
        let rest = &items[i + 1..];
        let taken = if value.is_empty() {
            usize::from(rest.first().is_some_and(|w| is_loose(w)))
        } else {
            words_to_balance(value, rest)
        };
        if taken == 0 {
            i += 1;
            continue;
        }
        let joined = std::iter::once(value)
            .chain(rest[..taken].iter().map(String::as_str))
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        out.push(format!(
            "the shell split the value of {key} into {} words: give it as one, {key}{}",
            taken + 1,
            quoted_value(sep, &joined)
        ));
        i += taken + 1;
    }
    out
}

/// `:='{…}'` for a JSON object or array (whose double quotes the shell
/// took, so it is shown as `{ … }` unless it still parses), else the
/// separator and the quoted text.
fn quoted_value(sep: Sep, joined: &str) -> String {
    if serde_json::from_str::<serde_json::Value>(joined)
        .is_ok_and(|v| v.is_object() || v.is_array())
    {
        return format!("{}{}", Sep::BodyJson.text(), crate::curl::quote(joined));
    }
    match (joined.chars().next(), joined.chars().next_back()) {
        (Some(open @ ('{' | '[')), Some(close)) => {
            format!(
                "{}'{open} … {close}' (with the JSON's double quotes)",
                Sep::BodyJson.text()
            )
        }
        _ => format!("{}{}", sep.text(), crate::curl::quote(joined)),
    }
}

/// A word that no item of a command line would be: no separator, a URL
/// (`https://…` reads as the header `https`), or a quoted JSON key.
fn is_loose(word: &str) -> bool {
    match items::split(word) {
        None => word != "-",
        Some((key, Sep::Header, value)) => {
            value.starts_with("//") || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        }
        Some(_) => false,
    }
}

/// How many of the words `rest` a JSON text that starts as `value` and
/// does not parse needs to close its brackets (0: it is whole, or cannot
/// be closed).
fn words_to_balance(value: &str, rest: &[String]) -> usize {
    let opens = value.starts_with('{') || value.starts_with('[');
    if !opens || serde_json::from_str::<serde_json::Value>(value).is_ok() {
        return 0;
    }
    let mut depth = depth_change(value);
    for (n, word) in rest.iter().enumerate() {
        depth += depth_change(word);
        if depth <= 0 {
            return n + 1;
        }
    }
    0
}

/// Brackets opened minus brackets closed in `text`, outside JSON strings.
fn depth_change(text: &str) -> i64 {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' | '[' if !in_string => depth += 1,
            '}' | ']' if !in_string => depth -= 1,
            _ => {}
        }
    }
    depth
}

/// The fields of an object body, where the one on stdin does not fit.
fn body_shape(
    cat: Catalogue,
    op: &'static Operation,
    items: &[String],
    stdin: Option<&[u8]>,
) -> Option<String> {
    let body = op.body.as_ref()?;
    let sent: serde_json::Value = serde_json::from_slice(stdin?).ok()?;
    if !items.iter().any(|w| w == "-") || validate(cat, &sent, &body.schema).is_empty() {
        return None;
    }
    let Schema::Object(obj) = cat.resolve(&body.schema) else {
        return None;
    };
    let fields: Vec<String> = obj
        .fields
        .iter()
        .filter(|f| !f.read_only)
        .map(|f| {
            let required = if f.required { " (required)" } else { "" };
            format!(
                "{:?}: {}{required}",
                f.name,
                crate::help::type_label(cat, &f.schema)
            )
        })
        .collect();
    Some(format!(
        "the body of {} is an object: {{{}}}; `{} {} --help` says more",
        op.name,
        fields.join(", "),
        crate::personality::current().command,
        op.name
    ))
}

/// A body piped in (or redirected from a file) for an operation that takes
/// one, where nothing asks for it: no `-`, no `-T`, no body field. The old
/// client ignored it, and so does this one: a script's loop (`while read
/// u; do … addSpaceUser …; done < users`) may share its stdin with the
/// call. A one-line warning (unless `-s`) shows the `-` that would send it;
/// the call goes on as if stdin were empty (a required body is then built
/// from the items, and refused if it lacks a required field). Never a
/// refusal. Nothing is read from stdin, and the probe does not block (a pipe is polled for
/// [`PIPE_WAIT`] at most); the warning is printed once, though the request
/// may be built twice.
pub fn warn_unread_stdin(op: &'static Operation, items: &[String], g: &Globals) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if op.body.is_none() {
        return;
    }
    let asks = items.iter().any(|w| {
        w == "-"
            || matches!(
                items::split(w),
                Some((_, Sep::BodyString | Sep::BodyJson, _))
            )
    });
    if asks || g.upload_file.is_some() || !g.data.is_empty() || !g.warnings() {
        return;
    }
    if WARNED.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let Some(what) = stdin_holds_data() else {
        return;
    };
    WARNED.store(true, std::sync::atomic::Ordering::Relaxed);
    let cmd = crate::personality::current().command;
    let _ = writeln!(
        std::io::stderr(),
        "{} standard input is {what}, but it is read only with -, so {} is sent without it; \
         to send it as the body: … | {cmd} {} {}-",
        crate::output::label("warning"),
        op.name,
        op.name,
        items
            .iter()
            .map(|w| format!("{} ", shell_word(&items::shown(w))))
            .collect::<String>()
    );
}

/// `w` as typed on a command line: quoted only where the shell needs it.
pub(crate) fn shell_word(w: &str) -> std::borrow::Cow<'_, str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_=.:/@%+,".contains(c);
    if !w.is_empty() && w.chars().all(plain) {
        std::borrow::Cow::Borrowed(w)
    } else {
        crate::curl::quote(w)
    }
}

/// `a file` or `a pipe` where standard input is one that holds data;
/// `None` for a terminal, `/dev/null`, an empty file, a pipe closed empty,
/// or where it cannot be told. Nothing is read: a pipe is polled for
/// [`PIPE_WAIT`] at most and asked how many bytes wait in it, so a pipe
/// that a script's loop shares keeps all of its data.
fn stdin_holds_data() -> Option<&'static str> {
    match stdin_kind()? {
        StdinKind::File { empty: false } => Some("a file"),
        StdinKind::File { empty: true } => None,
        StdinKind::Pipe => pipe_has_data(PIPE_WAIT).then_some("a pipe"),
    }
}

/// How long an open, empty pipe on stdin is given to show data: what
/// `echo … |` writes is there by then. A pipe closed empty (as in many CI
/// jobs) answers at once.
const PIPE_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// Whether bytes wait in the pipe on stdin within `wait`, without reading
/// any (poll, then FIONREAD).
#[cfg(unix)]
fn pipe_has_data(wait: std::time::Duration) -> bool {
    let mut fds = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(wait.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd, for the process's own stdin.
    if unsafe { libc::poll(&mut fds, 1, ms) } <= 0 {
        return false;
    }
    let mut waiting: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int, the bytes readable from the fd.
    let ok = unsafe { libc::ioctl(libc::STDIN_FILENO, libc::FIONREAD, &mut waiting) } == 0;
    ok && waiting > 0
}

#[cfg(not(unix))]
fn pipe_has_data(_: std::time::Duration) -> bool {
    false
}

enum StdinKind {
    Pipe,
    File { empty: bool },
}

#[cfg(unix)]
fn stdin_kind() -> Option<StdinKind> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    let kind = meta.file_type();
    if kind.is_fifo() {
        Some(StdinKind::Pipe)
    } else if kind.is_file() {
        Some(StdinKind::File {
            empty: meta.len() == 0,
        })
    } else {
        None
    }
}

#[cfg(not(unix))]
fn stdin_kind() -> Option<StdinKind> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        shlex::split(line).unwrap_or_default()
    }

    #[test]
    fn a_json_value_split_by_the_shell_is_quoted_as_one() {
        let hints = split_values(&words(
            r#"name==x config=={ "mapping": [ { "id": 0 } ], "n": 1 } plugin==p"#,
        ));
        assert_eq!(hints.len(), 1, "{hints:?}");
        assert!(hints[0].contains("config:='{ … }'"), "{hints:?}");
        let hints = split_values(&words("ids:=[1, 2] name==x"));
        assert_eq!(hints.len(), 1, "{hints:?}");
        assert!(
            hints[0].ends_with("into 2 words: give it as one, ids:='[1, 2]'"),
            "{hints:?}"
        );
        let hints = split_values(&words(r#"url== "https://e.example.com" plugin==p"#));
        assert_eq!(hints.len(), 1, "{hints:?}");
        assert!(
            hints[0].ends_with("url==https://e.example.com"),
            "{hints:?}"
        );
    }

    #[test]
    fn whole_values_are_left_alone() {
        for line in [
            r#"config:='{"a": [1, 2]}' name==x"#,
            "name== other==x -",
            "tags:=[] X-Note:a",
        ] {
            assert!(split_values(&words(line)).is_empty(), "{line}");
        }
    }

    #[test]
    fn an_enum_typo_gets_the_closest_values() {
        assert_eq!(
            closest("tem", &["organization", "unit", "team", "role_holders"]),
            vec!["team"]
        );
        assert!(closest("zzz", &["organization", "unit"]).is_empty());
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        assert_eq!(depth_change(r#"{"a": "}]", "b": ["#), 2);
        assert_eq!(depth_change(r#""\"{" }"#), -1);
    }
}
