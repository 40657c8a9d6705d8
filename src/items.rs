//! The request-item grammar of the old Bash client, plus our extensions.
//!
//! | item            | meaning                                   |
//! |-----------------|-------------------------------------------|
//! | `name=value`    | path (or query) parameter                 |
//! | `name==value`   | body field, as a JSON string              |
//! | `name:=json`    | body field, as raw JSON                   |
//! | `Header:value`  | request header                            |
//! | `-`             | the body is read from standard input      |
//!
//! Extensions: `name==@file` (the file's text), `name:=@file` (the file's
//! JSON), nested fields `a[b]==x`, `list[]==x` (append), `list[0]==x`, and
//! `\` to escape a separator or bracket in a name (`a\=b==x` sets the field
//! `a=b`); a body text that starts with a literal `@` is written `\@`, a
//! parameter value that starts with `=` is written `\=` (a value of
//! backslashes then `@`, or `=`, loses its first backslash: `\\@` is `\@`).
//!
//! The separator is the first one in the item, so `id=a==b` is the parameter
//! `id` with the value `a==b`, and `X-Note:a=b` is a header.

use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

pub use onedata_catalogue::field_path::{escape_key, path_text, Seg};

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Param { name: String, value: String },
    Body { path: Vec<Seg>, value: Value },
    Header { name: String, value: String },
    Stdin,
}

/// A malformed item; the message names the item as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError(pub String);

impl fmt::Display for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An item, a `-H` value or a header name as a message may show it: where
/// it names a header whose value is a secret (`auth::is_sensitive_header`:
/// `X-Auth-Token`, `Authorization`, …), what follows the name and the
/// spaces, quotes and separator after it is `…`, whatever else is wrong
/// with it (`'X-Auth-Token :…`, `Authorization …`, `"X-Auth-Token:=…`).
/// The name is read after any spaces and quotes, with `\` escapes; every
/// message that names an item or a header name shows it through this.
pub fn shown(text: &str) -> Cow<'_, str> {
    let junk = |c: char| c.is_whitespace() || c == '\'' || c == '"';
    let rest = text.trim_start_matches(junk);
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '\\'))
        .unwrap_or(rest.len());
    if !crate::auth::is_sensitive_header(&unescape(&rest[..name_len])) {
        return Cow::Borrowed(text);
    }
    let after = &rest[name_len..];
    let secret = after.trim_start_matches(|c: char| junk(c) || c == ':' || c == '=');
    if secret.is_empty() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(format!("{}…", &text[..text.len() - secret.len()]))
}

/// The separators of the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sep {
    Param,
    BodyString,
    BodyJson,
    Header,
}

impl Sep {
    pub fn text(self) -> &'static str {
        match self {
            Sep::Param => "=",
            Sep::BodyString => "==",
            Sep::BodyJson => ":=",
            Sep::Header => ":",
        }
    }
}

/// Reads the text of an `@file` value: `std::fs::read_to_string` for real
/// runs; the fuzz target passes one that does no I/O.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> std::io::Result<String>;

/// Parses one command-line item. Reads the file of `@file` values.
pub fn parse(arg: &str) -> Result<Item, ItemError> {
    parse_with(arg, &|file| std::fs::read_to_string(file))
}

/// [`parse`], with the file of `@file` values read by `read_file`.
pub fn parse_with(arg: &str, read_file: ReadFile) -> Result<Item, ItemError> {
    if arg == "-" {
        return Ok(Item::Stdin);
    }
    // Messages name the item as it may be shown.
    let shown_arg = shown(arg);
    let (key, sep, value) = split(arg).ok_or_else(|| {
        ItemError(format!(
            "item {shown_arg:?} is not a request item: use name=value (parameter), name==text (body string), \
             name:=json (body JSON), Header:value, or - (body from stdin)"
        ))
    })?;
    if key.is_empty() {
        return Err(ItemError(format!(
            "item {shown_arg:?} has no name before {:?}",
            sep.text()
        )));
    }
    match sep {
        Sep::Param => Ok(Item::Param {
            name: unescape(key),
            value: unescape_leading(value, '=').to_owned(),
        }),
        // Names and values are checked in `request::build`, with `-H`'s.
        Sep::Header => Ok(Item::Header {
            name: unescape(key),
            value: value.trim_start().to_owned(),
        }),
        Sep::BodyString => {
            let path = field_path(key, arg)?;
            let text = match value.strip_prefix('@') {
                Some(file) => read_value_file(file, arg, read_file)?,
                None => unescape_leading(value, '@').to_owned(),
            };
            Ok(Item::Body {
                path,
                value: Value::String(text),
            })
        }
        Sep::BodyJson => {
            let path = field_path(key, arg)?;
            let (text, origin) = match value.strip_prefix('@') {
                Some(file) => (read_value_file(file, arg, read_file)?, Some(file)),
                None => (value.to_owned(), None),
            };
            let json = serde_json::from_str(&text).map_err(|e| {
                let place = match origin {
                    Some(file) => format!("in {file} at line {} column {}", e.line(), e.column()),
                    None => format!("at column {}", e.column()),
                };
                ItemError(format!(
                    "item {shown_arg:?}: invalid JSON {place}: {e}; quote text as {}==…",
                    key
                ))
            })?;
            Ok(Item::Body { path, value: json })
        }
    }
}

/// Splits an item at its first unescaped separator (at one place the longer
/// one wins) into the raw key, the separator and the raw value. Reads nothing;
/// the completion uses it on partial words too.
pub fn split(arg: &str) -> Option<(&str, Sep, &str)> {
    let bytes = arg.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let sep = match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'=' if bytes.get(i + 1) == Some(&b'=') => Sep::BodyString,
            b'=' => Sep::Param,
            b':' if bytes.get(i + 1) == Some(&b'=') => Sep::BodyJson,
            b':' => Sep::Header,
            _ => {
                i += 1;
                continue;
            }
        };
        return Some((&arg[..i], sep, &arg[i + sep.text().len()..]));
    }
    None
}

/// A value of backslashes followed by `c` loses its first backslash:
/// `\@x` is `@x`, `\\@x` is `\@x`. So `name==\@x` is the text `@x`, not the
/// file `x`, and `id=\=x` is the parameter `id` with the value `=x`, not the
/// body field `id`.
fn unescape_leading(value: &str, c: char) -> &str {
    match value.strip_prefix('\\') {
        Some(rest) if rest.trim_start_matches('\\').starts_with(c) => rest,
        _ => value,
    }
}

/// Drops the `\` before each escaped character: `a\=b` → `a=b`.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// `a[b][]` → `[Key(a), Key(b), Append]`; `\[` is a literal bracket.
/// `arg` is the whole item, for the message.
pub fn field_path(key: &str, arg: &str) -> Result<Vec<Seg>, ItemError> {
    let bad = |why: &str| {
        ItemError(format!(
            "item {:?}: {why} in the field name {key:?}",
            shown(arg)
        ))
    };
    let mut segs = Vec::new();
    let mut current = String::new();
    let mut in_bracket = false;
    let mut chars = key.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.push(chars.next().unwrap_or('\\')),
            '[' if !in_bracket => {
                if segs.is_empty() {
                    if current.is_empty() {
                        return Err(bad("a name must come before '['"));
                    }
                    segs.push(Seg::Key(std::mem::take(&mut current)));
                } else if !current.is_empty() {
                    return Err(bad("text between ']' and '['"));
                }
                in_bracket = true;
            }
            ']' if in_bracket => {
                let inner = std::mem::take(&mut current);
                segs.push(if inner.is_empty() {
                    Seg::Append
                } else if inner.bytes().all(|b| b.is_ascii_digit()) {
                    Seg::Index(inner.parse().map_err(|_| bad("an index too large"))?)
                } else {
                    Seg::Key(inner)
                });
                in_bracket = false;
            }
            '[' => return Err(bad("'[' inside brackets (escape it as \\[)")),
            ']' => return Err(bad("']' without '[' (escape it as \\])")),
            _ => current.push(c),
        }
    }
    if in_bracket {
        return Err(bad("an unclosed '['"));
    }
    if segs.is_empty() {
        segs.push(Seg::Key(current));
    } else if !current.is_empty() {
        return Err(bad("text after ']'"));
    }
    Ok(segs)
}

fn read_value_file(file: &str, arg: &str, read_file: ReadFile) -> Result<String, ItemError> {
    let arg = shown(arg);
    if file.is_empty() {
        return Err(ItemError(format!(
            "item {arg:?}: no file name after '@' (write \\@ for a literal @)"
        )));
    }
    read_file(file).map_err(|e| ItemError(format!("item {arg:?}: cannot read {file}: {e}")))
}

/// A `-H` value with an unmatched quote at an end: what is left of a quote
/// pair that the old client's `eval` removed around the whole option
/// (`-H "'X: y"`). Header items are the user's own text and keep theirs.
pub fn check_stray_quote(name: &str, value: &str) -> Result<(), String> {
    let stray = |q: char| value.starts_with(q) != (value.len() >= 2 && value.ends_with(q));
    if stray('\'') || stray('"') || (value.len() == 1 && value.contains(['\'', '"'])) {
        return Err(format!(
            "the value of the header {name} has an unmatched quote; drop the extra quotes around the header"
        ));
    }
    Ok(())
}

fn is_header_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A body built from items on top of the body from stdin (`-`), if any:
/// an item may replace a field that stdin gave (items override the
/// template), never one that another item gave.
#[derive(Debug, Default)]
pub struct Body {
    root: Value,
    /// The places items have set, `[]` resolved to its index.
    given: HashSet<Vec<Place>>,
    /// Every place that holds one of `given` deeper inside (`a` for
    /// `a[b]`): with `given`, the checks of [`Body::insert`] are look-ups,
    /// so 100,000 items stay linear.
    inside: HashSet<Vec<Place>>,
}

/// A step of a place in the body: [`Seg`] with `[]` resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Place {
    Key(String),
    Index(usize),
}

impl Body {
    /// A body that starts as `base` (`Value::Null`: no body yet).
    pub fn new(base: Value) -> Self {
        Body {
            root: base,
            ..Body::default()
        }
    }

    pub fn value(&self) -> &Value {
        &self.root
    }

    pub fn into_value(self) -> Value {
        self.root
    }

    /// Sets `value` at `path`, creating objects and arrays on the way, and
    /// returns the path it took (`[]` as the index it appended at). Fails
    /// where the path crosses a value of another kind, and where an earlier
    /// item set this place, or a place inside or around it, already
    /// (`tags[0]==a tags[0]==b`, `name:=null name==b`, `a[b]==x a:={}`).
    pub fn insert(&mut self, path: &[Seg], value: Value) -> Result<Vec<Seg>, String> {
        let Body {
            root,
            given,
            inside,
        } = self;
        let mut at: Vec<Seg> = Vec::with_capacity(path.len());
        let mut place: Vec<Place> = Vec::with_capacity(path.len());
        // Whether an item set `at` or a place around it.
        let mut by_item = false;
        let mut slot = root;
        // Whether the slot held a value before this item (a null given by
        // an item counts; an absent field or a new array element does not).
        let mut existed = !slot.is_null();
        for seg in path {
            // A slot nobody filled (or stdin's null) becomes the container
            // the next segment needs; a value an item gave stays what it is.
            if slot.is_null() && !(existed && by_item) {
                *slot = match seg {
                    Seg::Key(_) => Value::Object(serde_json::Map::new()),
                    Seg::Append | Seg::Index(_) => Value::Array(Vec::new()),
                };
            }
            match seg {
                Seg::Key(k) => {
                    let obj = slot
                        .as_object_mut()
                        .ok_or_else(|| format!("[{}] needs an object here", escape_key(k)))?;
                    existed = obj.contains_key(k);
                    slot = obj.entry(k.clone()).or_insert(Value::Null);
                    at.push(Seg::Key(k.clone()));
                    place.push(Place::Key(k.clone()));
                }
                Seg::Append | Seg::Index(_) => {
                    let list = slot
                        .as_array_mut()
                        .ok_or_else(|| "[] needs an array here".to_owned())?;
                    let i = match seg {
                        Seg::Index(i) => *i,
                        _ => list.len(),
                    };
                    if i > list.len() {
                        return Err(format!(
                            "index {i} skips past the end of the array (length {})",
                            list.len()
                        ));
                    }
                    existed = i < list.len();
                    if !existed {
                        list.push(Value::Null);
                    }
                    slot = &mut list[i];
                    at.push(Seg::Index(i));
                    place.push(Place::Index(i));
                }
            }
            by_item = by_item || given.contains(&place);
        }
        if existed && (by_item || inside.contains(&place)) {
            return Err("the field is given twice".into());
        }
        *slot = value;
        for n in 1..place.len() {
            inside.insert(place[..n].to_vec());
        }
        given.insert(place);
        Ok(at)
    }
}

/// Checks a header before it is sent: a name of token characters, a value
/// without control characters (CR and LF above all: they would start
/// another header). Says what is wrong, for a message that names the item.
pub fn check_header(name: &str, value: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a header needs a name before ':'".into());
    }
    // A quote left over from a script written for the old client's `eval`
    // (`-H "'Content-type: application/json'"` split badly): the header
    // would go out under another name, or with a stray quote.
    if name.contains(['\'', '"']) {
        return Err(format!(
            "the header name {:?} holds a quote; drop the extra quotes around the header",
            shown(name)
        ));
    }
    if !name.bytes().all(is_header_name_byte) {
        return Err(format!("{:?} is not a valid header name", shown(name)));
    }
    if let Some(c) = value.chars().find(|c| c.is_ascii_control() && *c != '\t') {
        let what = match c {
            '\r' => "a carriage return (CR)".to_owned(),
            '\n' => "a line feed (LF)".to_owned(),
            c => format!("the control character {c:?}"),
        };
        return Err(format!(
            "the value of the header {name} holds {what}, which a header cannot carry"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(k: &str) -> Seg {
        Seg::Key(k.into())
    }

    #[test]
    fn a_secret_header_is_shown_without_its_value_whatever_its_form() {
        for (text, shown_as) in [
            ("X-Auth-Token:t0k", "X-Auth-Token:…"),
            ("X-Auth-Token :t0k", "X-Auth-Token :…"),
            ("'x-auth-token: t0k'", "'x-auth-token: …"),
            ("\"Authorization: Basic t0k\"", "\"Authorization: …"),
            (" Authorization Basic t0k", " Authorization …"),
            ("X-Auth-Token=t0k", "X-Auth-Token=…"),
            ("X-Auth-Token:=t0k", "X-Auth-Token:=…"),
            ("X\\-Auth-Token:t0k", "X\\-Auth-Token:…"),
            ("Macaroon\t:t0k", "Macaroon\t:…"),
            ("Cookie:a=t0k", "Cookie:…"),
        ] {
            assert_eq!(shown(text), shown_as, "{text:?}");
        }
        for text in [
            "X-Auth-Token",
            "X-Auth-Token:",
            "X-Note:a",
            "name==x",
            "X-Auth-Tokens:a",
        ] {
            assert_eq!(shown(text), text);
        }
    }

    #[test]
    fn header_quotes_left_over_are_refused() {
        assert!(check_header("'Content-type", "application/json").is_err());
        assert!(check_stray_quote("Content-type", "application/json'").is_err());
        assert!(check_stray_quote("X", "\"").is_err());
        assert!(check_stray_quote("If-Match", "\"abc\"").is_ok());
        // Quotes that belong to the value stay: an ETag, a quoted string.
        assert!(check_header("If-Match", "\"abc\"").is_ok());
        assert!(check_header("X-Note", "it's fine").is_ok());
    }

    #[test]
    fn every_item_kind() {
        assert_eq!(
            parse("id=abc").unwrap(),
            Item::Param {
                name: "id".into(),
                value: "abc".into()
            }
        );
        assert_eq!(
            parse("name==demo").unwrap(),
            Item::Body {
                path: vec![key("name")],
                value: json!("demo")
            }
        );
        assert_eq!(
            parse("size:=1024").unwrap(),
            Item::Body {
                path: vec![key("size")],
                value: json!(1024)
            }
        );
        assert_eq!(
            parse("X-Auth-Token:abc").unwrap(),
            Item::Header {
                name: "X-Auth-Token".into(),
                value: "abc".into()
            }
        );
        assert_eq!(
            parse("Accept: text/plain").unwrap(),
            Item::Header {
                name: "Accept".into(),
                value: "text/plain".into()
            }
        );
        assert_eq!(parse("-").unwrap(), Item::Stdin);
    }

    #[test]
    fn the_first_separator_wins() {
        assert_eq!(
            parse("id=a==b").unwrap(),
            Item::Param {
                name: "id".into(),
                value: "a==b".into()
            }
        );
        assert_eq!(
            parse("token==a:b=c").unwrap(),
            Item::Body {
                path: vec![key("token")],
                value: json!("a:b=c")
            }
        );
        assert_eq!(
            parse("X-Note:a=b").unwrap(),
            Item::Header {
                name: "X-Note".into(),
                value: "a=b".into()
            }
        );
        assert_eq!(
            parse("name==").unwrap(),
            Item::Body {
                path: vec![key("name")],
                value: json!("")
            }
        );
    }

    #[test]
    fn escapes_make_separators_literal() {
        assert_eq!(
            parse(r"a\=b==x").unwrap(),
            Item::Body {
                path: vec![key("a=b")],
                value: json!("x")
            }
        );
        assert_eq!(
            parse(r"a\:b:=1").unwrap(),
            Item::Body {
                path: vec![key("a:b")],
                value: json!(1)
            }
        );
        assert_eq!(
            parse(r"a\[0\]==x").unwrap(),
            Item::Body {
                path: vec![key("a[0]")],
                value: json!("x")
            }
        );
        assert_eq!(
            parse(r"note==\@home").unwrap(),
            Item::Body {
                path: vec![key("note")],
                value: json!("@home")
            }
        );
    }

    #[test]
    fn nested_fields() {
        assert_eq!(
            parse("a[b]==x").unwrap(),
            Item::Body {
                path: vec![key("a"), key("b")],
                value: json!("x")
            }
        );
        assert_eq!(
            parse("l[]:=1").unwrap(),
            Item::Body {
                path: vec![key("l"), Seg::Append],
                value: json!(1)
            }
        );
        assert_eq!(
            parse("l[0][t]==x").unwrap(),
            Item::Body {
                path: vec![key("l"), Seg::Index(0), key("t")],
                value: json!("x")
            }
        );
        let mut body = Body::new(Value::Null);
        let at = body
            .insert(&[key("caveats"), Seg::Append, key("type")], json!("time"))
            .unwrap();
        assert_eq!(at, [key("caveats"), Seg::Index(0), key("type")]);
        body.insert(
            &[key("caveats"), Seg::Index(0), key("validUntil")],
            json!(5),
        )
        .unwrap();
        body.insert(&[key("name")], json!("n")).unwrap();
        assert_eq!(
            body.value().to_string(),
            r#"{"caveats":[{"type":"time","validUntil":5}],"name":"n"}"#
        );
        assert!(body.insert(&[key("name")], json!("again")).is_err());
        assert!(body.insert(&[key("name"), key("x")], json!(1)).is_err());
        assert!(body
            .insert(&[key("caveats"), Seg::Index(5)], json!(1))
            .is_err());
        assert_eq!(path_text(&[key("a"), Seg::Append, key("b")]), "a[][b]");
    }

    /// The body the items make, or the first error.
    fn body_of(base: Value, items: &[&str]) -> Result<Value, String> {
        let mut body = Body::new(base);
        for item in items {
            let Item::Body { path, value } = parse(item).unwrap() else {
                panic!("{item} is not a body item");
            };
            body.insert(&path, value)?;
        }
        Ok(body.into_value())
    }

    #[test]
    fn a_place_given_twice_is_an_error_whatever_its_value() {
        let twice = |items: &[&str]| body_of(Value::Null, items).unwrap_err();
        for items in [
            &["name==a", "name==b"][..],
            &["tags[0]==a", "tags[0]==b"],
            &["tags[]==a", "tags[0]==b"],
            &["name:=null", "name==b"],
            &["a[b]==x", "a:={}"],
            &["a:={\"b\":1}", "a[b]==2"],
        ] {
            assert_eq!(twice(items), "the field is given twice", "{items:?}");
        }
        // null given by an item is a value, not a place to build in.
        assert_eq!(twice(&["a:=null", "a[b]==1"]), "[b] needs an object here");
        assert_eq!(
            body_of(
                Value::Null,
                &[
                    "tags[]==a",
                    "tags[]==b",
                    "a[b]==1",
                    "a[c]==2",
                    "o:={}",
                    "o[k]==v"
                ]
            )
            .unwrap(),
            json!({"tags": ["a", "b"], "a": {"b": "1", "c": "2"}, "o": {"k": "v"}})
        );
    }

    #[test]
    fn items_override_the_body_from_stdin() {
        let stdin = json!({"name": "a", "tags": ["x"], "o": {"k": 1, "n": null}});
        assert_eq!(
            body_of(
                stdin.clone(),
                &[
                    "name==b",
                    "tags[]==y",
                    "tags[0]==z",
                    "o[k]:=2",
                    "o[n][m]==3"
                ]
            )
            .unwrap(),
            json!({"name": "b", "tags": ["z", "y"], "o": {"k": 2, "n": {"m": "3"}}})
        );
        assert_eq!(
            body_of(stdin, &["name==b", "name==c"]).unwrap_err(),
            "the field is given twice"
        );
    }

    #[test]
    fn names_print_as_they_are_typed() {
        assert_eq!(
            path_text(&[key("type[0]"), key("a=b"), Seg::Index(2)]),
            r"type\[0\][a\=b][2]"
        );
        for text in [r"type\[0\]", r"a[b\:c][0]"] {
            let path = field_path(text, text).unwrap();
            assert_eq!(path_text(&path), text);
        }
    }

    #[test]
    fn headers_that_cannot_be_sent() {
        assert!(check_header("X-A", "a b\tc é").is_ok());
        for (name, value, expect) in [
            ("bad name", "v", "\"bad name\" is not a valid header name"),
            ("", "v", "needs a name"),
            ("X-A", "a\r\nX-Injected: 1", "holds a carriage return (CR)"),
            ("X-A", "a\nb", "holds a line feed (LF)"),
            ("X-A", "a\u{0}b", "holds the control character"),
            ("X-A", "a\u{7f}b", "holds the control character"),
        ] {
            let err = check_header(name, value).unwrap_err();
            assert!(err.contains(expect), "{name:?} {value:?}: {err}");
        }
    }

    #[test]
    fn malformed_items_name_themselves() {
        for (arg, expect) in [
            ("justaword", "\"justaword\" is not a request item"),
            ("==x", "has no name"),
            ("n:={bad", "invalid JSON at column"),
            ("a[b==x", "unclosed '['"),
            ("a]==x", "']' without '['"),
            ("[a]==x", "a name must come before"),
            ("n==@", "no file name after '@'"),
            ("n==@/nonexistent/file", "cannot read /nonexistent/file"),
        ] {
            let err = parse(arg).unwrap_err().0;
            assert!(err.contains(expect), "{arg}: {err}");
        }
    }

    #[test]
    fn values_from_files() {
        let dir = std::env::temp_dir().join(format!("ozitems-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = dir.join("t.txt");
        let json = dir.join("j.json");
        std::fs::write(&text, "line 1\nline \"2\"\n").unwrap();
        std::fs::write(&json, "{\"a\": [1, 2]}").unwrap();
        let t = parse(&format!("desc==@{}", text.display())).unwrap();
        assert_eq!(
            t,
            Item::Body {
                path: vec![key("desc")],
                value: json!("line 1\nline \"2\"\n")
            }
        );
        let j = parse(&format!("meta:=@{}", json.display())).unwrap();
        assert_eq!(
            j,
            Item::Body {
                path: vec![key("meta")],
                value: json!({"a": [1, 2]})
            }
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
