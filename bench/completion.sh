#!/usr/bin/env bash
# Cost of shell completion: loading the bash script, and one TAB (the script
# runs the binary once per TAB), next to `true` and a bare `bash` measured
# in the same run. Reports medians (ms) and ratios to `true`; machines are
# shared and noisy, so only same-run ratios mean anything.
#   usage: bench/completion.sh [RUNS]    (needs hyperfine: apt-get install hyperfine;
#                                         fish for the fish rows, if installed)
# A TAB costs (bash + load + TAB) - (bash + load); the binary's own answer
# is also measured alone (`answer …` rows), as zsh and fish see it.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
cargo build --release --quiet
bin=$(realpath "${CARGO_TARGET_DIR:-target}")/release/onezone-rest-cli
export PATH=$(dirname "$bin"):$PATH
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
script=$PWD/completions/onezone-rest-cli.bash

# One bash file per case: source the script, then complete LINE as readline would.
tab() { # NAME LINE
  cat >"$out/$1.sh" <<EOF
source '$script'
COMP_LINE='$2'; COMP_POINT=\${#COMP_LINE}
read -r -a COMP_WORDS <<< "\$COMP_LINE"; COMP_CWORD=\$(( \${#COMP_WORDS[@]} - 1 ))
_onezone_rest_cli
(( \${#COMPREPLY[@]} )) || exit 1
EOF
}
tab tab-operations 'onezone-rest-cli createSpace'
tab tab-fields 'onezone-rest-cli createSpace name==x '
tab tab-values 'onezone-rest-cli createGroup type=='
echo "source '$script'" >"$out/load.sh"
: >"$out/empty.sh"
wb=' ><=;|&(:'  # COMP_WORDBREAKS without the quotes and blanks (hyperfine -N splits on them)

cmds=(
  -n true true
  -n bash "bash --norc --noprofile $out/empty.sh"
  -n "bash+load" "bash --norc --noprofile $out/load.sh"
  -n "bash+load+TAB operations" "bash --norc --noprofile $out/tab-operations.sh"
  -n "bash+load+TAB fields" "bash --norc --noprofile $out/tab-fields.sh"
  -n "bash+load+TAB values" "bash --norc --noprofile $out/tab-values.sh"
  -n "answer bash operations" "$bin completions bash --complete -- '$wb' 'onezone-rest-cli createSpace'"
  -n "answer zsh operations" "$bin completions zsh --complete -- onezone-rest-cli createSpace"
  -n "answer fish fields" "$bin completions fish --complete -- onezone-rest-cli createSpace ''"
)
if command -v fish >/dev/null; then
  fscript=$PWD/completions/onezone-rest-cli.fish
  echo "source '$fscript'" >"$out/load.fish"
  echo "source '$fscript'; complete -C 'onezone-rest-cli createSpace' >/dev/null" >"$out/tab.fish"
  cmds+=(
    -n "fish+load" "fish --no-config $out/load.fish"
    -n "fish+load+TAB operations" "fish --no-config $out/tab.fish"
  )
fi
hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/r.json" "${cmds[@]}" >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
python3 bench/medians.py "$out/r.json" true
echo
python3 - "$out/r.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
print(f"bash script load:  {r['bash+load'] - r['bash']:6.2f} ms  (bash+load - bash)")
for case in ("operations", "fields", "values"):
    print(f"bash TAB {case:<10} {r['bash+load+TAB ' + case] - r['bash+load']:6.2f} ms  (… - bash+load)")
if "fish+load" in r:
    print(f"fish TAB operations {r['fish+load+TAB operations'] - r['fish+load']:6.2f} ms  (… - fish+load)")
PY
