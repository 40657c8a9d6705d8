//! Arbitrary command lines through the pure part of the pipeline, as
//! `app::dispatch` runs it up to `--dry-run`: `cli::parse`, the built-ins'
//! argument parsing, the release's `Catalogue::find` (and the suggestions for unknown
//! names), `--help` of an operation, `request::base_url`, `request::build_with`
//! (stdin and `@file` values from memory), `auth::resolve` with a fixed
//! environment, and `curl::render`. No I/O at all.
//!
//! Input: the arguments separated by NUL bytes; after the first `\0\0`, the
//! bytes of stdin. The input's length (mod 4) picks the environment: no
//! credential, ONEZONE_API_KEY, ONEZONE_BASIC_AUTH, or both.
//!
//! Besides "no panic", it checks what the pipeline produces:
//! - the request URL parses and lies below the base URL;
//! - the `--dry-run` line splits into shell words, with the URL and the body
//!   as single words, exactly as built;
//! - the environment's secrets never appear in it without `--show-secrets`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use onezone_rest_cli::auth::Environment;
use onezone_rest_cli::auth::secret::Secret;
use onezone_rest_cli::catalogue::Catalogue;
use onezone_rest_cli::{auth, builtins, cli, curl, help, release, request};

const API_KEY: &str = "FUZZ-SECRET-API-KEY-5b1e";
const BASIC_PASSWORD: &str = "FUZZ-SECRET-PASSWORD-77c0";
const HOST: &str = "https://zone.fuzz.test";

fuzz_target!(|data: &[u8]| {
    let (argv, stdin) = match data.windows(2).position(|w| w == b"\0\0") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let args: Vec<String> = if argv.is_empty() {
        Vec::new()
    } else {
        argv.split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    };
    let env = match data.len() % 4 {
        0 => Environment::default(),
        1 => Environment {
            api_key: Some(Secret::new(API_KEY)),
            ..Environment::default()
        },
        2 => Environment {
            basic_auth: Some(Secret::new(format!("fuzzer:{BASIC_PASSWORD}"))),
            ..Environment::default()
        },
        _ => Environment {
            api_key: Some(Secret::new(API_KEY)),
            basic_auth: Some(Secret::new(format!("fuzzer:{BASIC_PASSWORD}"))),
            ..Environment::default()
        },
    };
    run(args, stdin, &env);
});

fn run(args: Vec<String>, stdin: &[u8], env: &Environment) {
    let given_secret = args.iter().any(|a| a.contains("FUZZ-SECRET"))
        || String::from_utf8_lossy(stdin).contains("FUZZ-SECRET");

    if let Some(i) = cli::first_word(&args) {
        if let Some(b) = builtins::find(&args[i]) {
            let rest = args[..i].iter().chain(&args[i + 1..]).cloned();
            let argv = std::iter::once(b.name.to_owned()).chain(cli::normalise(rest));
            let _ = builtins::command(b).try_get_matches_from(argv);
            return;
        }
    }
    let Ok(inv) = cli::parse(args) else {
        return;
    };
    let g = &inv.globals;
    let Some((name, items)) = inv.words.split_first() else {
        return;
    };
    // The release: --api-version as the tool matches it (no environment,
    // cache or network here), else the newest.
    let service = release::service();
    let cat = g
        .api_version
        .as_deref()
        .and_then(|v| service.match_release(v))
        .map_or_else(|| Catalogue::newest(service), |m| Catalogue::at(service, m.index()));
    let Some(op) = cat.find(name) else {
        if name.len() < 256 {
            let _ = help::suggestions(cat, name);
            let _ = cat.absence(name);
        }
        return;
    };
    if g.help {
        let _ = help::operation(cat, op);
        return;
    }
    let host = g.host.clone().unwrap_or_else(|| HOST.to_owned());
    let Ok(base_url) = request::base_url(&host) else {
        return;
    };
    let opts = request::Options::new(base_url, cat, g);
    let read_file = |file: &str| -> std::io::Result<String> {
        if file.ends_with(".json") {
            Ok(r#"{"name": "from a file", "list": [1, "two", null]}"#.to_owned())
        } else if file.ends_with(".txt") {
            Ok("text from a file\n'with' \"quotes\"".to_owned())
        } else {
            Err(std::io::ErrorKind::NotFound.into())
        }
    };
    let Ok(mut req) = request::build_with(op, items, &opts, || Ok(stdin.to_vec()), &read_file)
    else {
        return;
    };
    let Ok(credential) = auth::resolve(&mut req.headers, g.user.as_deref(), env, || Ok(None))
    else {
        return;
    };
    req.credential = credential;

    let url = url::Url::parse(&req.url)
        .unwrap_or_else(|e| panic!("request::build made an invalid URL {:?}: {e}", req.url));
    assert!(
        req.url.starts_with(&opts.base_url),
        "{} is not below {}",
        req.url,
        opts.base_url
    );
    assert!(matches!(url.scheme(), "http" | "https"));

    let line = curl::render(&req, g);
    if !g.show_secrets && !given_secret {
        assert!(
            !line.contains(API_KEY) && !line.contains(BASIC_PASSWORD),
            "a secret in the --dry-run line: {line}"
        );
    }
    let words = shlex::split(&line)
        .unwrap_or_else(|| panic!("the --dry-run line is not shell words: {line}"));
    assert!(
        words.iter().any(|w| *w == req.url),
        "the URL {:?} is not one word of {line}",
        req.url
    );
    if let Some(body) = &req.body {
        if let Ok(text) = std::str::from_utf8(body) {
            if !text.contains('\0') {
                let i = words.iter().position(|w| w == "--data-raw");
                let got = i.and_then(|i| words.get(i + 1));
                assert_eq!(
                    got.map(String::as_str),
                    Some(text),
                    "the body is not one word after --data-raw: {line}"
                );
            }
        }
    }
}
