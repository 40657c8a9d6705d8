#!/usr/bin/env bash
# Live IDs (issue 13): one TAB after `getSpace id=` with a warm ID cache and
# with a cold one (the list and every name fetched, within the TAB's limit),
# and `-o table` of a list of N spaces with names, cold and warm, against the
# fake Onezone on loopback; `true` is the floor of the same run.
# Reports medians and ratios to `true`. Targets: warm TAB < 10 ms; cold TAB
# under the documented limit (ids::TAB_LIMIT, 1 s); table of 500 < 1 s.
#   usage: bench/ids.sh [SPACES] [RUNS]      (needs hyperfine and curl)
set -euo pipefail
cd "$(dirname "$0")/.."
spaces=${1:-500}
runs=${2:-30}
cargo build --release --quiet -p onezone-rest-cli -p fake-onezone --bins
bin=$(realpath "${CARGO_TARGET_DIR:-target}")/release
out=$(mktemp -d)
coproc FAKE { exec "$bin/fake-onezone" --exit-on-stdin-eof 2>/dev/null; }
fake_pid=$FAKE_PID
trap 'kill "$fake_pid" 2>/dev/null || true; rm -rf "$out"' EXIT
read -r -t 10 url <&"${FAKE[0]}"
export ONEZONE_HOST="$url" ONEZONE_API_KEY=user-token ONEZONE_API_VERSION=21.02.7
export XDG_CACHE_HOME=$out/cache XDG_CONFIG_HOME=$out/config
for i in $(seq "$spaces"); do
  curl -sS -o /dev/null -H X-Auth-Token:user-token -H Content-Type:application/json \
    -d "{\"name\":\"space-$i\"}" "$url/api/v3/onezone/user/spaces"
done
tab="$bin/onezone-rest-cli completions zsh --complete -- onezone-rest-cli getSpace id="
table="$bin/onezone-rest-cli -o table listEffectiveUserSpaces"
got=$($tab | grep -c $'^id\t')
[[ $got == "$spaces" ]] || { echo "the TAB offered $got IDs, not $spaces" >&2; exit 1; }
named=$($tab | grep -c $'\tspace-')
echo "a cold TAB named $named of $spaces IDs within its limit"
hyperfine --shell=none --warmup 3 --runs "$runs" --export-json "$out/r.json" \
  -n true true \
  -n "TAB warm" "$tab" \
  -n "table warm ($spaces names)" "$table" >/dev/null 2>&1
hyperfine --warmup 1 --runs "$runs" --export-json "$out/cold.json" \
  --prepare "rm -rf $out/cache" \
  -n "TAB cold" "$tab" \
  -n "table cold ($spaces names)" "$table" >/dev/null 2>&1
python3 - "$out/r.json" "$out/cold.json" <<'PY'
import json, sys
runs = [x for f in sys.argv[1:] for x in json.load(open(f))["results"]]
base = next(x["median"] for x in runs if x["command"] == "true")
width = max(len(x["command"]) for x in runs) + 2
print(f"{'command':<{width}} {'median ms':>10} {'x true':>8}")
for x in runs:
    print(f"{x['command']:<{width}} {x['median'] * 1000:>10.2f} {x['median'] / base:>8.1f}")
PY
