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

fn bash_with(line: &str, env: &[(&str, &Path)]) -> (Vec<String>, Vec<String>) {
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
    let (reply, _) = bash_with("onezone-rest-cli --host ", &[("XDG_CONFIG_HOME", &dir)]);
    assert_eq!(reply, ["https://zone.test", "https://other.test"]);
    // readline inserts after the `:` (a word break).
    let (reply, _) = bash_with(
        "onezone-rest-cli --host https://o",
        &[("XDG_CONFIG_HOME", &dir)],
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
    zsh_from(&script_path(&format!("_{}", command_of(line))), line)
}

/// The command a test line completes for: its first word.
fn command_of(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("onezone-rest-cli")
}

/// `script`: the file to source, or a directory to put first in `$fpath`.
fn zsh_from(script: &Path, line: &str) -> Vec<ZshMatch> {
    let dir = scratch("zsh");
    let harness = dir.join("harness.zsh");
    std::fs::write(&harness, ZSH_HARNESS).expect("harness");
    let out = run(Command::new("zsh")
        .arg("-f")
        .arg(&harness)
        .arg(script)
        .arg(dir.join("out"))
        .arg(line));
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
    let script = script_path(&format!("{}.fish", command_of(line)));
    let out = run(Command::new("fish")
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
    );
    assert_eq!(words(&m), ["token=="]);
    let m = zsh_from(
        &Path::new(ROOT).join("completions"),
        "onezone-rest-cli login --sto",
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
    let rc = dir.join("rc");
    std::fs::write(
        &rc,
        format!(
            "source {}\nonezone-rest-cli() {{ printf 'ARG[%s]\\n' \"$@\"; }}\nPS1='READY> '\n",
            script_path("onezone-rest-cli.bash").display()
        ),
    )
    .expect("rc");
    let rc = rc.display().to_string();
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
