//! Every operation of the catalogue, invoked as a user would, with --dry-run:
//! the printed curl line carries the catalogue's method and path, the body
//! built from the items, and no secret.

mod common;

use common::Invocation;
use onezone_rest_cli::catalogue::validate::validate;
use onezone_rest_cli::catalogue::{Catalogue, Operation, Schema};
use onezone_rest_cli::request::{build, Options};
use serde_json::Value;
use std::collections::BTreeSet;

const HOST: &str = "https://zone.test";
const SECRET: &str = "very-secret-token-1234";

/// A valid invocation of `op`, built from its catalogue entry: every path
/// parameter `name=v-name`, the sample body as items (or on stdin).
fn invocation(op: &'static Operation) -> Invocation {
    common::invocation(
        zone(),
        op,
        op.path,
        |_, _, name| format!("v-{name}"),
        common::default_body(zone(), op),
    )
}

/// The newest release.
fn zone() -> Catalogue {
    Catalogue::newest(onezone_rest_cli::release::service())
}

/// The curl line's method, URL, headers and body.
fn parse_curl(line: &str) -> (String, String, Vec<String>, Option<String>) {
    let words = shlex::split(line).unwrap_or_else(|| panic!("not shell words: {line}"));
    assert_eq!(words[0], "curl", "{line}");
    let (mut method, mut url, mut headers, mut body) =
        (String::new(), String::new(), Vec::new(), None);
    let mut i = 1;
    while i < words.len() {
        match words[i].as_str() {
            "-X" => {
                method = words[i + 1].clone();
                i += 2;
            }
            "-H" => {
                headers.push(words[i + 1].clone());
                i += 2;
            }
            "--data-raw" => {
                body = Some(words[i + 1].clone());
                i += 2;
            }
            w if w.starts_with("http") => {
                url = w.to_owned();
                i += 1;
            }
            other => panic!("unexpected curl word {other:?} in {line}"),
        }
    }
    (method, url, headers, body)
}

#[test]
fn every_operation_dry_runs_to_its_catalogue_request() {
    let mut checked = 0;
    for op in zone().operations() {
        let inv = invocation(op);
        let mut cmd = common::cli();
        cmd.arg("--dry-run")
            .args(&inv.args)
            .env("ONEZONE_HOST", HOST)
            .env("ONEZONE_API_KEY", SECRET);
        if let Some(s) = &inv.stdin {
            cmd.write_stdin(s.clone());
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{}: {:?} failed: {stderr}",
            op.name,
            inv.args
        );
        assert!(
            !stdout.contains(SECRET) && !stderr.contains(SECRET),
            "{}: secret printed",
            op.name
        );
        assert_eq!(
            stdout.lines().count(),
            1,
            "{}: one curl line expected: {stdout}",
            op.name
        );
        let (method, url, headers, body) = parse_curl(stdout.trim_end());
        assert_eq!(method, op.method, "{}", op.name);
        assert_eq!(
            url,
            format!("{HOST}{}{}", zone().service.base_path, inv.path),
            "{}",
            op.name
        );
        assert!(
            headers
                .iter()
                .any(|h| h == "X-Auth-Token: $ONEZONE_API_KEY"),
            "{}: {headers:?}",
            op.name
        );
        let has_ct = headers.iter().any(|h| h.starts_with("Content-Type:"));
        match (&inv.body, body) {
            (Some(expected), Some(sent)) => {
                let sent: Value = serde_json::from_str(&sent).unwrap();
                assert_eq!(&sent, expected, "{}", op.name);
                assert!(has_ct, "{}: a body needs a Content-Type", op.name);
            }
            (None, None) => assert!(!has_ct, "{}: Content-Type without a body", op.name),
            (e, s) => panic!("{}: expected body {e:?}, sent {s:?}", op.name),
        }
        if matches!(op.method, "GET" | "DELETE") {
            assert!(
                inv.body.is_none(),
                "{}: GET/DELETE with a body in the catalogue",
                op.name
            );
        }
        assert_eq!(
            op.deprecated.is_some(),
            stderr.contains("is deprecated"),
            "{}: {stderr}",
            op.name
        );
        if let Some(d) = &op.deprecated {
            for r in d.replacements {
                assert!(stderr.contains(r), "{}: the warning names {r}", op.name);
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 392);
}

/// The JSON type a schema asks for.
fn kind(schema: &'static Schema) -> &'static str {
    match zone().resolve(schema) {
        Schema::String { .. } => "string",
        Schema::Integer => "integer",
        Schema::Number => "number",
        Schema::Boolean => "boolean",
        Schema::Array { .. } => "array",
        Schema::Object(_) => "object",
        // Any, Binary, a choice of schemas.
        _ => "any",
    }
}

/// Every body field of every operation's invocation: a string is given as
/// `name==text` and any other value as `name:=json`, the body the request
/// builder makes of the items holds each value as given, and each is of
/// the type the catalogue declares for the field (the body validates
/// against the operation's schema). Every type of field the catalogue's
/// bodies declare is among them.
#[test]
fn body_fields_of_every_type_are_checked() {
    let opts = Options {
        base_url: format!("{HOST}{}", zone().service.base_path),
        ..Options::default()
    };
    let (mut declared, mut checked) = (BTreeSet::new(), BTreeSet::new());
    for op in zone().operations() {
        let Some(object) = zone().body_object(op) else {
            continue;
        };
        declared.extend(object.fields.iter().map(|f| kind(&f.schema)));
        let inv = invocation(op);
        let Some(Value::Object(fields)) = &inv.body else {
            panic!("{}: an object body is given as items: {inv:?}", op.name);
        };
        let req = build(op, &inv.args[1..], &opts, || Ok(Vec::new()))
            .unwrap_or_else(|e| panic!("{}: {:?}: {e:?}", op.name, inv.args));
        let sent: Value = serde_json::from_slice(req.body.as_deref().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{}: the body is not JSON: {e}", op.name));
        assert_eq!(Some(&sent), inv.body.as_ref(), "{}", op.name);
        let schema = &op.body.as_ref().expect("a body").schema;
        assert_eq!(validate(zone(), &sent, schema), [], "{}: {sent}", op.name);
        for (name, value) in fields {
            let sep = if value.is_string() { "==" } else { ":=" };
            let item = format!("{name}{sep}");
            assert!(
                inv.args.iter().any(|a| a.starts_with(&item)),
                "{}: no item {item}…: {:?}",
                op.name,
                inv.args
            );
            // A field of a discriminated variant is not among the fields
            // of the base object; the whole body was validated above.
            if let Some(f) = object.fields.iter().find(|f| f.name == name) {
                assert_eq!(validate(zone(), value, &f.schema), [], "{}.{name}", op.name);
                checked.insert(kind(&f.schema));
            }
        }
    }
    assert_eq!(
        checked, declared,
        "the types of field the catalogue declares"
    );
    assert!(checked.len() >= 5, "{checked:?}");
}
