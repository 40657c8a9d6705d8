#!/usr/bin/env bash
# Throughput and peak memory of a file transfer through Oneprovider, against
# the bundled fake, next to curl in the same run: a SIZE MiB (default 256)
# upload (createFile -T FILE vs curl -T FILE -X POST) and download
# (downloadFileContent --output-file vs curl -o), each RUNS times (default 5).
# Reports median seconds and MiB/s with the ratio to curl, and the peak RSS
# (GNU time) of each tool. Goals: at least 0.9x curl's throughput, and a peak
# RSS under 32 MiB however large the file.
#   usage: bench/transfer.sh [SIZE_MIB] [RUNS]     (needs hyperfine, curl, GNU time)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-256}
runs=${2:-5}
cargo build --release --quiet -p onezone-rest-cli -p fake-onezone --bins
dir=${CARGO_TARGET_DIR:-target}/release
export PATH="$PWD/$dir:$PATH"
out=$(mktemp -d)
export XDG_CACHE_HOME="$out/cache"

coproc FAKE { exec fake-onezone --exit-on-stdin-eof 2>/dev/null; }
trap 'kill "$FAKE_PID" 2>/dev/null || true; rm -rf "$out"' EXIT
read -r -t 10 url <&"${FAKE[0]}"
export ONEZONE_HOST="$url" ONEZONE_API_KEY=test-token
export ONEPROVIDER_HOST="$url" ONEPROVIDER_API_KEY=test-token
api="$url/api/v3/oneprovider"

# A supported space, its root directory, and a file of SIZE MiB.
S=$(onezone-rest-cli createSpace name==bench | jq -r .id)
T=$(onezone-rest-cli createSpaceSupportToken id="$S" 2>/dev/null | jq -r .token)
onepanel-rest-cli supportSpace token=="$T" size:=1000000000000 \
  storageId==st-fake-storage-0000000000000000 --host "$url" -u onepanel:passphrase >/dev/null
ROOT=$(oneprovider-rest-cli getSpace sid="$S" | jq -r .fileId)
head -c "$((size << 20))" /dev/urandom >"$out/data.bin"
F=$(oneprovider-rest-cli createFile id="$ROOT" name=data.bin -T "$out/data.bin" | jq -r .fileId)

echo "== $size MiB download, $runs runs"
hyperfine --shell=none --warmup 1 --runs "$runs" --export-json "$out/down.json" \
  -n curl "curl -sS -f -H 'X-Auth-Token: test-token' -o $out/curl.out $api/data/$F/content" \
  -n oneprovider-rest-cli "oneprovider-rest-cli downloadFileContent id=$F --output-file $out/ours.out" >/dev/null 2>&1
cmp "$out/data.bin" "$out/ours.out"
echo "== $size MiB upload, $runs runs"
# Each upload creates a file of its own (names from a counter).
hyperfine --shell=bash --warmup 1 --runs "$runs" --export-json "$out/up.json" \
  -n curl "curl -sS -f -H 'X-Auth-Token: test-token' -H 'Content-Type: application/octet-stream' -X POST -T $out/data.bin '$api/data/$ROOT/children?name=c'\$RANDOM\$RANDOM -o /dev/null" \
  -n oneprovider-rest-cli "oneprovider-rest-cli createFile id=$ROOT name=o\$RANDOM\$RANDOM -T $out/data.bin >/dev/null" >/dev/null 2>&1

python3 - "$out/down.json" "$out/up.json" "$size" <<'PY'
import json, sys
size = int(sys.argv[3])
for what, path in (("download", sys.argv[1]), ("upload", sys.argv[2])):
    r = {x["command"]: x["median"] for x in json.load(open(path))["results"]}
    base = size / r["curl"]
    for name, secs in r.items():
        mibs = size / secs
        print(f"{what:<9} {name:<22} {secs:7.3f} s {mibs:8.1f} MiB/s {mibs / base:6.2f}x curl")
PY

rss() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "peak RSS (kB), download: curl $(rss curl -sS -f -H 'X-Auth-Token: test-token' -o "$out/c2" "$api/data/$F/content"), \
oneprovider-rest-cli $(rss oneprovider-rest-cli downloadFileContent id="$F" --output-file "$out/o2")"
echo "peak RSS (kB), download to a pipe: oneprovider-rest-cli $(/usr/bin/time -f %M sh -c "oneprovider-rest-cli downloadFileContent id=$F | cat >/dev/null" 2>&1 | tail -1) (sh and cat included)"
echo "peak RSS (kB), upload: curl $(rss curl -sS -f -H 'X-Auth-Token: test-token' -H 'Content-Type: application/octet-stream' -X POST -T "$out/data.bin" "$api/data/$ROOT/children?name=rss-c" -o /dev/null), \
oneprovider-rest-cli $(rss oneprovider-rest-cli createFile id="$ROOT" name=rss-o -T "$out/data.bin")"
