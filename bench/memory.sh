#!/usr/bin/env bash
# Peak memory (issue 14, rules 3 and 7): 10 MB answers printed in every
# output format, to a file (`json`, `pretty`, `table`, `raw`; the terminal
# adds escaping, not memory), and a 10 MB JSON body sent from stdin, next
# to curl fetching or sending the same bytes in the same run. Reports the
# peak resident set (GNU time's %M) and its ratio to the document's size.
#   usage: bench/memory.sh [MB] [BIN]    (needs curl, awk and GNU time: apt-get install time)
# BIN defaults to this tree's release build; give an older build's binary
# to compare before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-10}
cargo build --release --quiet -p onezone-rest-cli -p fake-onezone --bins
rel=$(realpath "${CARGO_TARGET_DIR:-target}")/release
bin=${2:-$rel/onezone-rest-cli}
out=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$out"' EXIT
python3 - "$out" "$mb" <<'PY'
import json, sys
out, mb = sys.argv[1], int(sys.argv[2])
size = mb * 1024 * 1024
zeros = "[" + ",".join(["0"] * (size // 2)) + "]"
obj = '{"id":"0123456789abcdef","name":"n","size":12345}'
objects = "[" + ",".join([obj] * (size // (len(obj) + 1))) + "]"
grant = json.dumps({"grant": ["space_view"] * (size // 14), "revoke": []})
for name, text in [("zeros", zeros), ("objects", objects), ("grant", grant)]:
    open(f"{out}/{name}.json", "w").write(text)
PY
# One fake per answer, serving its file as the answer to every call.
serve() { # NAME [FAULT]: starts a fake, prints its URL
  "$rel/fake-onezone" ${2:+--fault "$2"} >"$out/$1.url" 2>/dev/null &
  pids+=("$!")
  for _ in $(seq 100); do [[ -s $out/$1.url ]] && break; sleep 0.05; done
  head -1 "$out/$1.url"
}
peak() { # the peak RSS in KiB of a command, its output to a file
  /usr/bin/time -f %M -o "$out/t" "$@" >"$out/o" 2>/dev/null || true
  tail -1 "$out/t"
}
export ONEZONE_API_KEY=test-token ONEZONE_API_VERSION=21.02.7 XDG_CACHE_HOME=$out/cache XDG_CONFIG_HOME=$out/config
row() { # CASE PEAK-KiB CURL-KiB DOCUMENT-BYTES
  awk -v c="$1" -v k="$2" -v b="$3" -v s="$4" \
    'BEGIN { printf "%-28s %10.1f %10.1f %12.1f\n", c, k / 1024, b / 1024, k * 1024 / s }'
}
printf '%-28s %10s %10s %12s\n' case "peak MiB" "curl MiB" "x document"
for doc in zeros objects; do
  url=$(serve "$doc" "body:application/json:$out/$doc.json")
  size=$(stat -c %s "$out/$doc.json")
  c=$(peak curl -sS -H X-Auth-Token:test-token "$url/api/v3/onezone/user")
  for fmt in json pretty table raw; do
    k=$(peak env ONEZONE_HOST="$url" "$bin" -o "$fmt" getCurrentUser)
    row "$doc, -o $fmt" "$k" "$c" "$size"
  done
done
zurl=$(serve zone)
size=$(stat -c %s "$out/grant.json")
c=$(peak curl -sS -X PATCH -H X-Auth-Token:test-token -H Content-Type:application/json --data-binary @"$out/grant.json" "$zurl/api/v3/onezone/spaces/s/users/u/privileges")
k=$(peak env ONEZONE_HOST="$zurl" "$bin" updateUserSpacePrivileges id=s uid=u - <"$out/grant.json")
row "body from stdin" "$k" "$c" "$size"
