//! The completion scripts, driven through the real shells: bash (the
//! completion function called as readline would), zsh (a pty via zpty, with
//! `compadd` captured) and fish (`complete -C`). Each script asks the binary
//! under test, which is put first on PATH.
//!
//! A missing shell skips its tests with a message, except under CI (`CI`
//! set), where it fails: `scripts/test` installs bash-completion, zsh and fish.

mod common;

use common::{bounded, installed, kill_group, scratch, skip, works};
use onezone_rest_cli::complete::Shell;
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_onezone-rest-cli");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const TIMEOUT: Duration = Duration::from_secs(20);

/// Whether `shell` can run here; under CI its absence is a failure.
fn have(shell: &str) -> bool {
    let found = works(shell, &["-c", "exit 0"]);
    if !found {
        skip(&format!(
            "{shell} is not installed (apt-get install bash-completion zsh fish); \
             its completion tests did not run"
        ));
    }
    found
}

/// PATH with the binary under test first.
fn path_env() -> String {
    let dir = Path::new(BIN).parent().expect("the binary's directory");
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Runs `cmd` with the binary under test first on PATH, in its own process
/// group, killed (with everything it started) after `TIMEOUT`.
fn run(cmd: &mut Command) -> Output {
    bounded(cmd.env("PATH", path_env()), None, TIMEOUT)
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn script_path(file: &str) -> PathBuf {
    Path::new(ROOT).join("completions").join(file)
}

/// The three commands and their binaries.
const COMMANDS: &[(&str, &str)] = &[
    ("onezone-rest-cli", BIN),
    (
        "oneprovider-rest-cli",
        env!("CARGO_BIN_EXE_oneprovider-rest-cli"),
    ),
    ("onepanel-rest-cli", env!("CARGO_BIN_EXE_onepanel-rest-cli")),
];

/// The committed script of `shell` for `command`.
fn script_file(command: &str, shell: Shell) -> String {
    match shell {
        Shell::Bash => format!("{command}.bash"),
        Shell::Zsh => format!("_{command}"),
        Shell::Fish => format!("{command}.fish"),
    }
}

#[test]
fn committed_files_are_what_the_binaries_print() {
    let update = std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1");
    for (command, bin) in COMMANDS {
        for shell in Shell::ALL {
            let args = ["completions", shell.name()];
            let file = format!("completions/{}", script_file(command, shell));
            let out = run(Command::new(bin).args(args));
            assert!(out.status.success(), "{args:?}: {out:?}");
            let path = Path::new(ROOT).join(&file);
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            if update {
                std::fs::write(&path, &out.stdout).expect("write the file");
                continue;
            }
            assert!(
                committed.as_bytes() == out.stdout.as_slice(),
                "{file} is not what `{command} {}` prints. Regenerate it with\n  \
                 UPDATE_EXPECT=1 cargo test --test completions --test man\n\
                 and commit it.",
                args.join(" ")
            );
        }
    }
}

// ---------------------------------------------------------------------------
// bash

/// Completes `line` (the cursor at its end) as readline would call the
/// completion function; returns COMPREPLY and the `compopt` options set.
fn bash(line: &str) -> (Vec<String>, Vec<String>) {
    bash_with(line, &[])
}

fn bash_with(line: &str, env: &[(&str, &OsStr)]) -> (Vec<String>, Vec<String>) {
    const DRIVER: &str = r#"
source "$1" || exit 9
compopt() { printf 'compopt:%s\n' "$*"; }
COMP_LINE=$2
COMP_POINT=${#COMP_LINE}
# bash would split at COMP_WORDBREAKS too; the script reads only
# COMP_WORDS[0] and the line.
read -r -a COMP_WORDS <<< "$COMP_LINE"
[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
cmd=${COMP_WORDS[0]}
"_${cmd//-/_}" "$cmd" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf 'reply:%s\n' "${COMPREPLY[@]}"
"#;
    let script = script_path(&format!("{}.bash", command_of(line)));
    let mut cmd = Command::new("bash");
    cmd.args(["--norc", "--noprofile", "-c", DRIVER, "driver"])
        .arg(&script)
        .arg(line)
        .env_remove("ONEZONE_HOST");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = run(&mut cmd);
    assert!(out.status.success(), "bash: {out:?}");
    let (mut reply, mut opts) = (Vec::new(), Vec::new());
    for l in text(&out).lines() {
        if let Some(r) = l.strip_prefix("reply:") {
            if !r.is_empty() {
                reply.push(r.to_owned());
            }
        } else if let Some(o) = l.strip_prefix("compopt:") {
            opts.push(o.to_owned());
        }
    }
    (reply, opts)
}

#[test]
fn bash_completes_every_operation_with_the_typed_prefix() {
    if !have("bash") {
        return;
    }
    let (reply, opts) = bash("onezone-rest-cli createSpace");
    assert!(reply.contains(&"createSpace".to_owned()), "{reply:?}");
    assert!(
        reply.contains(&"createSpaceSupportToken".to_owned()),
        "{reply:?}"
    );
    assert!(
        reply.iter().all(|r| r.starts_with("createSpace")),
        "{reply:?}"
    );
    assert!(reply.len() >= 5, "{reply:?}");
    assert!(opts.is_empty(), "{opts:?}");
    // A unique one is completed whole (with the space after it).
    let (reply, opts) = bash("onezone-rest-cli createSpaceSupportT");
    assert_eq!(reply, ["createSpaceSupportToken"]);
    assert!(opts.is_empty(), "{opts:?}");
    // Built-ins too.
    let (reply, _) = bash("onezone-rest-cli comp");
    assert_eq!(reply, ["completions"]);
    let (reply, _) = bash("onezone-rest-cli completions ");
    assert_eq!(reply, ["bash", "zsh", "fish"]);
}

#[test]
fn bash_completes_items_without_a_trailing_space() {
    if !have("bash") {
        return;
    }
    let (reply, opts) = bash("onezone-rest-cli createSpaceSupportToken ");
    assert_eq!(reply, ["id="]);
    assert_eq!(opts, ["-o nospace"]);
    let (reply, opts) = bash("onezone-rest-cli joinGroup ");
    assert_eq!(reply, ["token=="]);
    assert_eq!(opts, ["-o nospace"]);
    // Already given: not offered again.
    let (reply, _) = bash("onezone-rest-cli createSpaceSupportToken id=abc ");
    assert!(reply.is_empty(), "{reply:?}");
    let (reply, _) = bash("onezone-rest-cli createSpace name==demo ");
    assert!(!reply.contains(&"name==".to_owned()), "{reply:?}");
    assert!(reply.contains(&"description==".to_owned()), "{reply:?}");
    assert!(reply.contains(&"tags:=".to_owned()), "{reply:?}");
}

#[test]
fn bash_completes_enum_values_after_the_separator() {
    if !have("bash") {
        return;
    }
    // `=` breaks words for readline: the values are inserted after `==`.
    let (reply, opts) = bash("onezone-rest-cli createGroup type==");
    assert_eq!(reply, ["organization", "unit", "team", "role_holders"]);
    assert!(opts.is_empty(), "{opts:?}");
    let (reply, _) = bash("onezone-rest-cli createGroup name==x type==r");
    assert_eq!(reply, ["role_holders"]);
}

#[test]
fn bash_completes_list_fields_item_by_item() {
    if !have("bash") {
        return;
    }
    let (reply, opts) = bash("onezone-rest-cli updateGroupAdminPrivileges id=g gr");
    assert!(reply.contains(&"grant[]==".to_owned()), "{reply:?}");
    assert!(reply.contains(&"grant:=".to_owned()), "{reply:?}");
    assert_eq!(opts, ["-o nospace"]);
    // The enum values of the list's items, after `[]==`.
    let (reply, _) = bash("onezone-rest-cli updateGroupAdminPrivileges id=g grant[]==oz_groups_vi");
    assert!(reply.contains(&"oz_groups_view".to_owned()), "{reply:?}");
    assert!(
        reply.iter().all(|r| r.starts_with("oz_groups_vi")),
        "{reply:?}"
    );
}

#[test]
fn bash_completes_option_values() {
    if !have("bash") {
        return;
    }
    let mimes = [
        "text", "html", "md", "csv", "css", "rtf", "json", "xml", "yaml", "js",
    ];
    for line in [
        "onezone-rest-cli -ct ",
        "onezone-rest-cli --content-type ",
        "onezone-rest-cli createSpace -ac ",
    ] {
        let (reply, _) = bash(line);
        for m in mimes {
            assert!(reply.contains(&m.to_owned()), "{line}: {reply:?}");
        }
    }
    let (reply, _) = bash("onezone-rest-cli -o t");
    assert_eq!(reply, ["table", "token"]);
    let (reply, _) = bash("onezone-rest-cli --output=p");
    assert_eq!(reply, ["pretty"]);
    // Options before the operation do not hide it.
    let (reply, _) = bash("onezone-rest-cli -ct json --dry-run createSpaceSupportToken ");
    assert_eq!(reply, ["id="]);
    let (reply, _) = bash("onezone-rest-cli --dry");
    assert_eq!(reply, ["--dry-run"]);
    let (reply, _) = bash("onezone-rest-cli -c");
    assert_eq!(reply, ["-ct"]);
}

#[test]
fn bash_completes_files_after_cacert_and_at() {
    if !have("bash") {
        return;
    }
    let dir = scratch("bash-files");
    std::fs::write(dir.join("ca.pem"), "").expect("file");
    let d = dir.display();
    let (reply, opts) = bash(&format!("onezone-rest-cli --cacert {d}/c"));
    assert_eq!(reply, [format!("{d}/ca.pem")]);
    assert_eq!(opts, ["-o filenames"]);
    // readline keeps a word-breaking `@` in the word it replaces.
    let (reply, opts) = bash(&format!("onezone-rest-cli createSpace description==@{d}/c"));
    assert_eq!(reply, [format!("@{d}/ca.pem")]);
    assert!(opts.is_empty(), "{opts:?}");
    let (reply, opts) = bash(&format!("onezone-rest-cli createSpace description==@{d}"));
    assert_eq!(reply, [format!("@{d}/")]);
    assert_eq!(opts, ["-o nospace"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bash_completes_builtins_and_known_hosts() {
    if !have("bash") {
        return;
    }
    let (reply, _) = bash("onezone-rest-cli login --st");
    assert_eq!(reply, ["--store", "--status"]);
    let (reply, _) = bash("onezone-rest-cli logout --");
    assert!(reply.contains(&"--all".to_owned()), "{reply:?}");
    // The hosts `login` remembered (read from the config file, no keyring).
    let dir = scratch("hosts");
    let config = dir.join("onezone-rest-cli");
    std::fs::create_dir_all(&config).expect("dir");
    std::fs::write(
        config.join("config.json"),
        r#"{"default_host": "https://zone.test/api/v3/onezone",
            "hosts": {"https://zone.test/api/v3/onezone": {"store": "secret-service"},
                      "https://other.test/api/v3/onezone": {"store": "keyutils"}}}"#,
    )
    .expect("config");
    let (reply, _) = bash_with(
        "onezone-rest-cli --host ",
        &[("XDG_CONFIG_HOME", dir.as_os_str())],
    );
    assert_eq!(reply, ["https://zone.test", "https://other.test"]);
    // readline inserts after the `:` (a word break).
    let (reply, _) = bash_with(
        "onezone-rest-cli --host https://o",
        &[("XDG_CONFIG_HOME", dir.as_os_str())],
    );
    assert_eq!(reply, ["//other.test"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bash_script_loads_with_bash_completion() {
    if !have("bash") {
        return;
    }
    // bash-completion's loader finds it by the command's name.
    let dir = scratch("bash-loader");
    let comp = dir.join("completions");
    std::fs::create_dir_all(&comp).expect("dir");
    std::fs::copy(
        script_path("onezone-rest-cli.bash"),
        comp.join("onezone-rest-cli"),
    )
    .expect("copy");
    let main = Path::new("/usr/share/bash-completion/bash_completion");
    if !main.exists() {
        skip("bash-completion is not installed; its loader was not tested");
        return;
    }
    let out = run(Command::new("bash")
        .args(["--norc", "--noprofile", "-c"])
        .arg(
            "source /usr/share/bash-completion/bash_completion; \
             __load_completion onezone-rest-cli && complete -p onezone-rest-cli",
        )
        .env("BASH_COMPLETION_USER_DIR", &dir));
    assert!(
        text(&out).contains("complete -F _onezone_rest_cli onezone-rest-cli"),
        "{out:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// zsh

/// Drives an interactive zsh in a pty (zpty): compinit, the script, then
/// `LINE<TAB>`; `compadd` is wrapped to record each match as
/// `WORD|SUFFIX|DISPLAY` (SUFFIX is `-` where none follows).
const ZSH_HARNESS: &str = r#"
zmodload zsh/zpty || exit 3
local script=$1 out=$2 line=$3 i
: > $out
zpty z zsh -f -i
if [[ -d $script ]]; then
  # Installed: a directory of $fpath holds _onezone-rest-cli.
  zpty -w z "fpath=(${(q)script} \$fpath); autoload -Uz compinit && compinit -u -D"
else
  zpty -w z "autoload -Uz compinit && compinit -u -D"
  zpty -w z "source ${(q)script}"
fi
zpty -w z "_capture_out=${(q)out}"
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  local -a __hits __dscr; local __s=" " __i
  builtin compadd -O __hits "$@"
  (( $#__hits )) || return 1
  (( $@[(I)-d] )) && __dscr=( "${(@P)${@[$(( ${@[(i)-d]} + 1 ))]}}" )
  (( $@[(I)-S] )) && __s=${@[$(( ${@[(i)-S]} + 1 ))]}
  for __i in {1..$#__hits}; do
    print -r -- "$IPREFIX$__hits[$__i]|${__s:--}|${__dscr[$__i]}" >> $_capture_out
  done
  builtin compadd "$@"
}'
zpty -w z '_capture_complete() { _main_complete; print -r -- "::END::" >> $_capture_out; }'
zpty -w z 'zle -C capture-complete complete-word _capture_complete; bindkey "^I" capture-complete'
zpty -w -n z "$line"$'\t'
for i in {1..200}; do
  grep -q '::END::' $out 2>/dev/null && break
  sleep 0.05
done
zpty -d z
cat $out
"#;

struct ZshMatch {
    word: String,
    space: bool,
    display: String,
}

fn zsh(line: &str) -> Vec<ZshMatch> {
    zsh_env(line, &[])
}

fn zsh_env(line: &str, env: &[(&str, &OsStr)]) -> Vec<ZshMatch> {
    zsh_from(&script_path(&format!("_{}", command_of(line))), line, env)
}

/// The command a test line completes for: its first word.
fn command_of(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("onezone-rest-cli")
}

/// `script`: the file to source, or a directory to put first in `$fpath`.
fn zsh_from(script: &Path, line: &str, env: &[(&str, &OsStr)]) -> Vec<ZshMatch> {
    let dir = scratch("zsh");
    let harness = dir.join("harness.zsh");
    std::fs::write(&harness, ZSH_HARNESS).expect("harness");
    let out = run(Command::new("zsh")
        .arg("-f")
        .arg(&harness)
        .arg(script)
        .arg(dir.join("out"))
        .arg(line)
        .envs(env.iter().copied()));
    let _ = std::fs::remove_dir_all(&dir);
    let text = text(&out);
    assert!(
        text.contains("::END::"),
        "zsh did not finish completing {line:?}: {out:?}"
    );
    text.lines()
        .filter(|l| *l != "::END::")
        .filter_map(|l| {
            let mut parts = l.splitn(3, '|');
            Some(ZshMatch {
                word: parts.next()?.to_owned(),
                space: parts.next()? == " ",
                display: parts.next().unwrap_or_default().to_owned(),
            })
        })
        .collect()
}

fn words(matches: &[ZshMatch]) -> Vec<&str> {
    let mut w: Vec<&str> = matches.iter().map(|m| m.word.as_str()).collect();
    w.sort_unstable();
    w.dedup();
    w
}

#[test]
fn zsh_completes_operations_with_descriptions() {
    if !have("zsh") {
        return;
    }
    let m = zsh("onezone-rest-cli createSpace");
    let w = words(&m);
    assert!(w.contains(&"createSpace"), "{w:?}");
    assert!(w.contains(&"createSpaceSupportToken"), "{w:?}");
    assert!(w.iter().all(|w| w.starts_with("createSpace")), "{w:?}");
    let support = m
        .iter()
        .find(|m| m.word == "createSpaceSupportToken")
        .expect("createSpaceSupportToken");
    assert!(
        support.display.contains("Create space support token"),
        "{}",
        support.display
    );
    assert!(support.space);
}

#[test]
fn zsh_completes_items_and_values() {
    if !have("zsh") {
        return;
    }
    let m = zsh("onezone-rest-cli createSpaceSupportToken ");
    assert_eq!(words(&m), ["id="]);
    assert!(!m[0].space, "no space after id=");
    assert!(m[0].display.contains("path parameter"), "{}", m[0].display);
    assert_eq!(words(&zsh("onezone-rest-cli joinGroup ")), ["token=="]);
    assert!(words(&zsh("onezone-rest-cli createSpaceSupportToken id=x ")).is_empty());
    let values = zsh("onezone-rest-cli createGroup type==");
    assert_eq!(
        words(&values),
        [
            "type==organization",
            "type==role_holders",
            "type==team",
            "type==unit"
        ]
    );
    assert!(values.iter().all(|m| m.space));
    let mimes = zsh("onezone-rest-cli -ct ");
    let mimes = words(&mimes);
    assert!(
        mimes.contains(&"json") && mimes.contains(&"xml"),
        "{mimes:?}"
    );
    let fields = zsh("onezone-rest-cli createSpace name==x ");
    let tags = fields.iter().find(|m| m.word == "tags:=").expect("tags:=");
    assert!(
        !tags.space && tags.display.contains("array"),
        "{}",
        tags.display
    );
    assert!(!words(&fields).contains(&"name=="));
}

// ---------------------------------------------------------------------------
// fish

/// `complete -C LINE` with the script sourced: `(word, description)`.
fn fish(line: &str) -> Vec<(String, String)> {
    fish_env(line, &[])
}

fn fish_env(line: &str, env: &[(&str, &OsStr)]) -> Vec<(String, String)> {
    let script = script_path(&format!("{}.fish", command_of(line)));
    let out = run(Command::new("fish")
        .envs(env.iter().copied())
        .args(["--no-config", "-c"])
        .arg(format!(
            "source {}; complete -C {}",
            shlex::try_quote(&script.display().to_string()).expect("path"),
            shlex::try_quote(line).expect("line"),
        )));
    assert!(out.status.success(), "fish: {out:?}");
    text(&out)
        .lines()
        .map(|l| match l.split_once('\t') {
            Some((w, d)) => (w.to_owned(), d.to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

fn fish_words(line: &str) -> Vec<String> {
    fish(line).into_iter().map(|(w, _)| w).collect()
}

#[test]
fn fish_completes_operations_with_descriptions() {
    if !have("fish") {
        return;
    }
    let got = fish("onezone-rest-cli createSpace");
    let w: Vec<&str> = got.iter().map(|(w, _)| w.as_str()).collect();
    assert!(w.contains(&"createSpace"), "{w:?}");
    assert!(w.contains(&"createSpaceSupportToken"), "{w:?}");
    assert!(
        got.iter()
            .any(|(w, d)| w == "createSpace" && d == "Create a space (admin)"),
        "{got:?}"
    );
    assert_eq!(
        fish_words("onezone-rest-cli createSpaceS"),
        ["createSpaceSupportToken"]
    );
}

#[test]
fn fish_completes_items_and_values() {
    if !have("fish") {
        return;
    }
    assert_eq!(
        fish_words("onezone-rest-cli createSpaceSupportToken "),
        ["id="]
    );
    assert_eq!(fish_words("onezone-rest-cli joinGroup "), ["token=="]);
    assert!(fish_words("onezone-rest-cli createSpaceSupportToken id=x ").is_empty());
    assert_eq!(
        fish_words("onezone-rest-cli createGroup type=="),
        [
            "type==organization",
            "type==role_holders",
            "type==team",
            "type==unit"
        ]
    );
    let mimes = fish_words("onezone-rest-cli -ct ");
    assert!(mimes.contains(&"json".to_owned()), "{mimes:?}");
    let fields = fish("onezone-rest-cli createSpace name==x ");
    assert!(
        fields
            .iter()
            .any(|(w, d)| w == "tags:=" && d.contains("array")),
        "{fields:?}"
    );
    assert!(!fields.iter().any(|(w, _)| w == "name=="));
    assert_eq!(
        fish_words("onezone-rest-cli completions "),
        ["bash", "fish", "zsh"]
    );
}

#[test]
fn zsh_loads_it_from_fpath() {
    if !have("zsh") {
        return;
    }
    let m = zsh_from(
        &Path::new(ROOT).join("completions"),
        "onezone-rest-cli joinGroup ",
        &[],
    );
    assert_eq!(words(&m), ["token=="]);
    let m = zsh_from(
        &Path::new(ROOT).join("completions"),
        "onezone-rest-cli login --sto",
        &[],
    );
    assert_eq!(words(&m), ["--store"]);
}

// ---------------------------------------------------------------------------
// Interactive: the real line editor inserts what the scripts answer.

/// Types `keys` into an interactive shell on a pty (util-linux `script`),
/// once `ready` has been printed, and returns what it printed. The rc
/// file replaces `onezone-rest-cli` with a function that prints its
/// arguments as `ARG[…]`, so each line shows what completion inserted.
fn interactive(shell: &[&str], ready: &str, keys: &str) -> String {
    interactive_env(shell, ready, keys, &[])
}

fn interactive_env(
    shell: &[&str],
    ready: &str,
    keys: &str,
    env: &[(&'static str, std::ffi::OsString)],
) -> String {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    use std::sync::mpsc;
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-f", "-e", "-c"])
        .arg(shell.join(" "))
        .arg("/dev/null")
        .env("PATH", path_env())
        .env("TERM", "dumb")
        .env_remove("ONEZONE_HOST")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0);
    let mut child = cmd.spawn().expect("script (util-linux)");
    let pid = child.id();
    let kill = move || kill_group(pid);
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + TIMEOUT;
    let wait_for = |needle: &str, seen: &mut Vec<u8>| {
        while !String::from_utf8_lossy(seen).contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(chunk) => seen.extend(chunk),
                Err(_) => {
                    kill();
                    panic!(
                        "no {needle:?} from {shell:?} within {TIMEOUT:?}; it printed:\n{}",
                        String::from_utf8_lossy(seen)
                    );
                }
            }
        }
    };
    wait_for(ready, &mut seen);
    stdin.write_all(keys.as_bytes()).expect("type");
    // The typed line shows DO''NE; only the shell's output shows DONE.
    stdin.write_all(b"echo DO''NE\r").expect("type");
    wait_for("DONE", &mut seen);
    let _ = stdin.write_all(b"exit\r");
    drop(stdin);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    kill();
    let _ = child.wait();
    String::from_utf8_lossy(&seen).into_owned()
}

/// An rc file for an interactive bash: the script, and `onezone-rest-cli`
/// as a function that prints its arguments (the script still asks the
/// binary, through `command`).
fn bash_rc(dir: &Path) -> String {
    let rc = dir.join("rc");
    std::fs::write(
        &rc,
        format!(
            "source {}\nonezone-rest-cli() {{ printf 'ARG[%s]\\n' \"$@\"; }}\nPS1='READY> '\n",
            script_path("onezone-rest-cli.bash").display()
        ),
    )
    .expect("rc");
    rc.display().to_string()
}

fn args_printed(output: &str) -> Vec<String> {
    output
        .split("ARG[")
        .skip(1)
        .filter_map(|s| s.split_once(']').map(|(a, _)| a.to_owned()))
        .collect()
}

fn have_script() -> bool {
    let found = installed("script");
    if !found {
        skip("script (util-linux) is not installed; the interactive completion tests did not run");
    }
    found
}

const TYPED: &str = "onezone-rest-cli createSpaceSupportTo\tid=x\r\
                     onezone-rest-cli createSpaceSupportToken i\tx\r\
                     onezone-rest-cli createGroup type==ro\t\r\
                     onezone-rest-cli -c\tjso\t\r";
const INSERTED: &[&str] = &[
    "createSpaceSupportToken",
    "id=x",
    "createSpaceSupportToken",
    "id=x",
    "createGroup",
    "type==role_holders",
    "-ct",
    "json",
];

#[test]
fn bash_readline_inserts_the_completions() {
    if !have("bash") || !have_script() {
        return;
    }
    let dir = scratch("bash-pty");
    let rc = bash_rc(&dir);
    let out = interactive(
        &["bash", "--noprofile", "--rcfile", &rc, "-i"],
        "READY> ",
        TYPED,
    );
    assert_eq!(args_printed(&out), INSERTED, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fish_inserts_the_completions() {
    if !have("fish") || !have_script() {
        return;
    }
    let dir = scratch("fish-pty");
    let rc = dir.join("rc.fish");
    std::fs::write(
        &rc,
        format!(
            "source {}\nfunction onezone-rest-cli; printf 'ARG[%s]\\n' $argv; end\n\
             function fish_prompt; echo -n 'READY> '; end\n",
            script_path("onezone-rest-cli.fish").display()
        ),
    )
    .expect("rc");
    let init = format!("source {}", rc.display());
    let out = interactive(
        &[
            "fish",
            "--no-config",
            "-C",
            &shlex::try_quote(&init).expect("quote"),
        ],
        "READY> ",
        TYPED,
    );
    assert_eq!(args_printed(&out), INSERTED, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn zsh_line_editor_inserts_the_completions() {
    if !have("zsh") || !have_script() {
        return;
    }
    let dir = scratch("zsh-pty");
    std::fs::write(
        dir.join(".zshrc"),
        format!(
            "autoload -Uz compinit && compinit -u -D\nsource {}\n\
             onezone-rest-cli() {{ printf 'ARG[%s]\\n' \"$@\"; }}\nPS1='READY> '\n",
            script_path("_onezone-rest-cli").display()
        ),
    )
    .expect("rc");
    let zdotdir = format!("ZDOTDIR={}", dir.display());
    let out = interactive(&["env", &zdotdir, "zsh", "-i"], "READY> ", TYPED);
    assert_eq!(args_printed(&out), INSERTED, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// the other two commands, in each shell

/// oneprovider-rest-cli and onepanel-rest-cli complete from their own
/// catalogues: operations, query parameters with their type, enum values
/// of a query parameter, and Onepanel's operations.
#[test]
fn the_other_commands_complete_from_their_catalogues() {
    if have("bash") {
        let (reply, _) = bash("oneprovider-rest-cli downloadFileCont");
        assert_eq!(reply, ["downloadFileContent", "downloadFileContentByPath"]);
        let (reply, _) = bash("oneprovider-rest-cli getAllTransfers sid=s ");
        assert!(reply.contains(&"state=".to_owned()), "{reply:?}");
        assert!(reply.contains(&"limit=".to_owned()), "{reply:?}");
        let (reply, _) = bash("oneprovider-rest-cli getAllTransfers sid=s state=");
        assert_eq!(reply, ["waiting", "ongoing", "ended"]);
        let (reply, _) = bash("onepanel-rest-cli supportSp");
        assert_eq!(reply, ["supportSpace"]);
        // Not Onezone's operations.
        let (reply, _) = bash("oneprovider-rest-cli createSpaceSupport");
        assert!(reply.is_empty(), "{reply:?}");
    }
    if have("zsh") {
        let m = zsh("oneprovider-rest-cli getAllTransfers sid=s ");
        assert_eq!(words(&m), ["limit=", "page_token=", "state="]);
        assert_eq!(
            words(&zsh("oneprovider-rest-cli getAllTransfers sid=s state=o")),
            ["state=ongoing"]
        );
        assert!(words(&zsh("onepanel-rest-cli supportSpace ")).contains(&"token=="));
    }
    if have("fish") {
        assert!(fish_words("oneprovider-rest-cli listChil").contains(&"listChildren".to_owned()));
        assert!(fish_words("onepanel-rest-cli getTaskSt").contains(&"getTaskStatus".to_owned()));
    }
}

// ---------------------------------------------------------------------------
// Live IDs: after `id=` the IDs the credential can see, from the Zone, with
// their names, through a cache per host and credential.

/// A fake Zone where the user owns spaces named `names`, and the
/// environment a TAB needs for it (its own cache directory).
struct Live {
    /// `None` once stopped: the host then refuses connections.
    zone: Option<fake_onezone::FakeZone>,
    host: String,
    cache: PathBuf,
    /// (name, ID) of each space, in creation order.
    spaces: Vec<(String, String)>,
}

impl Live {
    fn start(names: &[&str]) -> Live {
        let zone = fake_onezone::FakeZone::start().expect("fake zone");
        let cache = scratch("live-ids");
        let mut live = Live {
            host: zone.url(),
            zone: Some(zone),
            cache,
            spaces: Vec::new(),
        };
        for n in names {
            live.create(n, &live.cache.clone());
        }
        live
    }

    fn host(&self) -> String {
        self.host.clone()
    }

    fn requests(&self) -> usize {
        self.zone.as_ref().map_or(0, |z| z.requests().len())
    }

    fn stop(&mut self) {
        self.zone = None;
    }

    /// Creates a space through the tool with the given cache directory.
    fn create(&mut self, name: &str, cache: &Path) -> String {
        let out = self.call(&["createUserSpace", &format!("name=={name}")], cache);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let id = v["id"].as_str().expect("id").to_owned();
        self.spaces.push((name.to_owned(), id.clone()));
        id
    }

    fn call(&self, args: &[&str], cache: &Path) -> Output {
        let out = run(Command::new(BIN)
            .args(args)
            .env("ONEZONE_HOST", self.host())
            .env("ONEZONE_API_KEY", fake_onezone::USER_TOKEN)
            .env("XDG_CACHE_HOME", cache)
            .env("XDG_CONFIG_HOME", common::no_config_dir()));
        assert!(out.status.success(), "{args:?}: {out:?}");
        out
    }

    fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        tab_env(&self.host(), &self.cache)
    }

    fn id(&self, name: &str) -> &str {
        &self
            .spaces
            .iter()
            .find(|(n, _)| n == name)
            .expect("space")
            .1
    }

    /// The cache file (there is one per host and credential).
    fn cache_file(&self) -> PathBuf {
        let dir = self.cache.join("onezone-rest-cli").join("ids");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|f| f.extension() == Some(OsStr::new("json")));
        assert_eq!(files.len(), 1, "one cache file in {dir:?}: {files:?}");
        files.remove(0)
    }

    /// Makes every cached list and name old, as after the time to live.
    fn age_cache(&self) {
        let file = self.cache_file();
        let text = std::fs::read_to_string(&file).expect("cache");
        let mut v: serde_json::Value = serde_json::from_str(&text).expect("cache json");
        for list in v["lists"].as_object_mut().expect("lists").values_mut() {
            list["at"] = 1.into();
        }
        std::fs::write(&file, v.to_string()).expect("write cache");
    }
}

fn tab_env(host: &str, cache: &Path) -> Vec<(&'static str, std::ffi::OsString)> {
    vec![
        ("ONEZONE_HOST", host.into()),
        ("ONEZONE_API_KEY", fake_onezone::USER_TOKEN.into()),
        ("XDG_CACHE_HOME", cache.into()),
        ("XDG_CONFIG_HOME", common::no_config_dir().into()),
    ]
}

fn env_refs<'a>(env: &'a [(&'static str, std::ffi::OsString)]) -> Vec<(&'static str, &'a OsStr)> {
    env.iter().map(|(k, v)| (*k, v.as_os_str())).collect()
}

/// One TAB answered by the binary as fish's script asks it: (word, name).
fn tab(
    line_env: &[(&'static str, std::ffi::OsString)],
    words: &[&str],
) -> (Vec<(String, String)>, Output) {
    let out = run(Command::new(BIN)
        .args([
            "completions",
            "fish",
            "--complete",
            "--",
            "onezone-rest-cli",
        ])
        .args(words)
        .envs(line_env.iter().map(|(k, v)| (k, v))));
    assert!(out.status.success(), "{out:?}");
    let got = text(&out)
        .lines()
        .skip(1)
        .map(|l| match l.split_once('\t') {
            Some((w, d)) => (w.to_owned(), d.to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect();
    (got, out)
}

fn tab_ids(env: &[(&'static str, std::ffi::OsString)]) -> Vec<String> {
    let (got, out) = tab(env, &["getSpace", "id="]);
    assert!(
        out.stderr.is_empty(),
        "a TAB prints nothing on stderr: {out:?}"
    );
    let mut ids: Vec<String> = got
        .into_iter()
        .map(|(w, _)| w.trim_start_matches("id=").to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

#[test]
fn ids_complete_with_their_names_in_bash_zsh_and_fish() {
    let live = Live::start(&["alpha", "beta", "red\u{1b}[31m"]);
    let env = live.env();
    let env = env_refs(&env);
    let (alpha, beta) = (live.id("alpha").to_owned(), live.id("beta").to_owned());
    let red = live.id("red\u{1b}[31m").to_owned();
    if have("bash") {
        // A TAB that may insert gets the IDs alone.
        let (reply, _) = bash_with("onezone-rest-cli getSpace id=", &env);
        let mut bare = reply.clone();
        bare.sort();
        let mut ids = vec![alpha.clone(), beta.clone(), red.clone()];
        ids.sort();
        assert_eq!(bare, ids);
        // A listing (the second TAB): each shown as "ID  (name)".
        let mut listing = env.clone();
        listing.push(("COMP_TYPE", OsStr::new("63")));
        let (reply, _) = bash_with("onezone-rest-cli getSpace id=", &listing);
        assert_eq!(reply.len(), 3, "{reply:?}");
        assert!(reply.contains(&format!("{alpha}  (alpha)")), "{reply:?}");
        assert!(reply.contains(&format!("{beta}  (beta)")), "{reply:?}");
        let red_row = reply.iter().find(|r| r.starts_with(&red)).expect("red");
        assert!(
            !red_row.contains('\u{1b}') && red_row.contains("red"),
            "the name's escape is shown escaped: {red_row:?}"
        );
        // One left: the ID alone, as readline inserts it.
        let typed = &alpha[..alpha.len() - 1];
        let (reply, _) = bash_with(&format!("onezone-rest-cli getSpace id={typed}"), &env);
        assert_eq!(reply, std::slice::from_ref(&alpha));
    }
    if have("zsh") {
        let m = zsh_env("onezone-rest-cli getSpace id=", &env);
        let found: Vec<(&str, &str)> = m
            .iter()
            .map(|m| (m.word.as_str(), m.display.as_str()))
            .collect();
        let word = format!("id={alpha}");
        assert!(
            found.iter().any(|(w, d)| *w == word && d.contains("alpha")),
            "{found:?}"
        );
        assert!(
            m.iter().all(|m| m.space),
            "an ID is complete: a space follows"
        );
    }
    if have("fish") {
        let got = fish_env("onezone-rest-cli getSpace id=", &env);
        assert!(
            got.contains(&(format!("id={beta}"), "beta".to_owned())),
            "{got:?}"
        );
        assert!(got.iter().all(|(_, d)| !d.contains('\u{1b}')), "{got:?}");
    }
}

#[test]
fn the_id_cache_is_fresh_then_stale_then_a_fallback() {
    let mut live = Live::start(&["one", "two"]);
    let env = live.env();
    let first = tab_ids(&env);
    assert_eq!(first, sorted(&[live.id("one"), live.id("two")]));
    // A space made elsewhere (another cache): the fresh cache answers as before.
    let elsewhere = scratch("live-ids-elsewhere");
    let three = live.create("three", &elsewhere);
    let before = live.requests();
    assert_eq!(tab_ids(&env), first, "fresh: the cache answers");
    assert_eq!(live.requests(), before, "fresh: no request");
    // Past its time to live: asked again, with the new name fetched.
    live.age_cache();
    let (got, _) = tab(&env, &["getSpace", "id="]);
    assert!(
        got.contains(&(format!("id={three}"), "three".to_owned())),
        "stale: fetched again: {got:?}"
    );
    // The Zone gone: a fresh cache still answers, and a stale one is the
    // fallback, quietly.
    let all = tab_ids(&env);
    live.stop();
    assert_eq!(tab_ids(&env), all);
    live.age_cache();
    assert_eq!(tab_ids(&env), all, "unreachable: the stale IDs");
    let _ = std::fs::remove_dir_all(&elsewhere);
}

/// A server that accepts connections and never answers: the TAB gives up
/// within its limit, prints nothing, and the next TABs do not ask again.
#[test]
fn an_unanswering_zone_costs_one_short_wait() {
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = format!("http://{}", listener.local_addr().expect("addr"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        // Bounded: a few connections at most are expected.
        for stream in listener.incoming().take(20) {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    let cache = scratch("live-ids-silent");
    let env = tab_env(&host, &cache);
    let started = Instant::now();
    assert!(tab_ids(&env).is_empty());
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(8),
        "the TAB waited {waited:?}; its limit is {:?}",
        onezone_rest_cli::ids::TAB_LIMIT
    );
    let asked = accepted.load(Ordering::SeqCst);
    assert!(asked >= 1, "the Zone was asked");
    // `-m 0` (no limit for a call) on the line does not lift the TAB's.
    let cache0 = scratch("live-ids-silent-m0");
    let started = Instant::now();
    let (got, _) = tab(&tab_env(&host, &cache0), &["-m", "0", "getSpace", "id="]);
    assert!(got.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let _ = std::fs::remove_dir_all(&cache0);
    let asked = accepted.load(Ordering::SeqCst);
    for _ in 0..3 {
        assert!(tab_ids(&env).is_empty());
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        asked,
        "after a failure, TABs do not ask again for a while"
    );
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn creating_and_removing_update_the_cached_ids() {
    let mut live = Live::start(&["kept", "doomed"]);
    let env = live.env();
    assert_eq!(tab_ids(&env), sorted(&[live.id("kept"), live.id("doomed")]));
    let cache = live.cache.clone();
    let added = live.create("added", &cache);
    assert!(
        tab_ids(&env).contains(&added),
        "a create marks the list stale"
    );
    let doomed = live.id("doomed").to_owned();
    live.call(&["removeSpace", &format!("id={doomed}")], &cache);
    // Removed at once, even with the Zone unreachable.
    live.stop();
    let ids = tab_ids(&env);
    assert!(!ids.contains(&doomed), "{ids:?}");
    assert!(ids.contains(&added), "{ids:?}");
}

#[test]
fn refresh_by_hand_and_names_from_the_same_cache() {
    let live = Live::start(&["left", "right"]);
    let refresh = run(Command::new(BIN)
        .args(["completions", "--refresh"])
        .envs(live.env()));
    assert!(refresh.status.success(), "{refresh:?}");
    let said = String::from_utf8_lossy(&refresh.stderr).into_owned();
    assert!(said.contains("/spaces: 2 IDs, 2 with names"), "{said}");
    // -o table takes the names the refresh cached: one request, the list.
    let before = live.requests();
    let table = live.call(&["-o", "table", "listEffectiveUserSpaces"], &live.cache);
    let shown = text(&table);
    assert!(shown.contains("left") && shown.contains("right"), "{shown}");
    assert_eq!(live.requests(), before + 1, "no detail fetched");
    // And the TAB needs no request either.
    assert_eq!(tab_ids(&live.env()).len(), 2);
    assert_eq!(live.requests(), before + 1);
    // Unreachable: an error, exit 6.
    let down = run(Command::new(BIN)
        .args(["completions", "--refresh"])
        .envs(tab_env("http://127.0.0.1:9", &live.cache)));
    assert_eq!(down.status.code(), Some(6), "{down:?}");
}

/// A hostile server's IDs never reach the command line: only IDs of
/// letters, digits, `.`, `_` and `-` are offered.
#[test]
fn only_shell_safe_ids_are_offered() {
    use std::io::Write;
    use std::net::TcpListener;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let body = r#"{"spaces":["good-id_1.x","$(touch pwned)","a b","x\u001b[2J","`id`",";rm","good-id_1.x","GOOD-ID_1.X"]}"#;
        for stream in listener.incoming().take(20) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 8192];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let cache = scratch("live-ids-hostile");
    // Each ID once, also when IDs differ in case only (readline may ignore
    // case and then insert their common part).
    assert_eq!(tab_ids(&tab_env(&host, &cache)), ["good-id_1.x"]);
    let _ = std::fs::remove_dir_all(&cache);
}

/// readline lists the IDs with their names on a double TAB, and inserts
/// the ID alone once the typed part leaves one.
#[test]
fn bash_readline_lists_ids_with_names_and_inserts_the_id() {
    if !have("bash") || !have_script() {
        return;
    }
    let live = Live::start(&["alpha", "beta"]);
    let (alpha, beta) = (live.id("alpha"), live.id("beta"));
    let unique = (1..alpha.len())
        .find(|n| !beta.starts_with(&alpha[..*n]))
        .expect("two IDs differ");
    let dir = scratch("bash-pty-ids");
    let rc = bash_rc(&dir);
    // The script asks the binary (`command`), the line runs the function.
    let keys = format!("onezone-rest-cli getSpace id=\t\t{}\t\r", &alpha[..unique]);
    let shown = interactive_env(
        &["bash", "--noprofile", "--rcfile", &rc, "-i"],
        "READY> ",
        &keys,
        &live.env(),
    );
    assert!(
        shown.contains("(alpha)") && shown.contains("(beta)"),
        "{shown}"
    );
    assert_eq!(
        args_printed(&shown),
        ["getSpace".to_owned(), format!("id={alpha}")],
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The TAB takes the credential as the call would: from `-H` on the line
/// too, not only from the variables.
#[test]
fn a_tab_uses_the_lines_own_credential() {
    let live = Live::start(&["mine"]);
    let env: Vec<(&'static str, std::ffi::OsString)> = live
        .env()
        .into_iter()
        .filter(|(k, _)| *k != "ONEZONE_API_KEY")
        .collect();
    let (got, _) = tab(&env, &["getSpace", "id="]);
    assert!(got.is_empty(), "no credential, no IDs: {got:?}");
    let token = format!("X-Auth-Token: {}", fake_onezone::USER_TOKEN);
    let (got, out) = tab(&env, &["-H", &token, "getSpace", "id="]);
    assert_eq!(
        got,
        [(format!("id={}", live.id("mine")), "mine".to_owned())],
        "{out:?}"
    );
}
