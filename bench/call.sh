#!/usr/bin/env bash
# One full call, `getCurrentUser` against the fake Onezone on loopback, next
# to curl making the same request in the same run (and `true` as the floor).
# Reports medians and the ratio to curl; the goal is at most 1.2x curl.
#   usage: bench/call.sh [RUNS]          (needs hyperfine and curl)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
cargo build --release --quiet -p onezone-rest-cli -p fake-onezone
bin=${CARGO_TARGET_DIR:-target}/release
out=$(mktemp -d)
coproc FAKE { exec "$bin/fake-onezone" --exit-on-stdin-eof 2>/dev/null; }
fake_pid=$FAKE_PID
trap 'kill "$fake_pid" 2>/dev/null || true; rm -rf "$out"' EXIT
read -r -t 10 url <&"${FAKE[0]}"
export ONEZONE_HOST="$url" ONEZONE_API_KEY=test-token
hyperfine --shell=none --warmup 20 --runs "$runs" --export-json "$out/r.json" \
  -n true true \
  -n curl "curl -sS -o /dev/null -H X-Auth-Token:test-token -H Accept:application/json $url/api/v3/onezone/user" \
  -n onezone-rest-cli "$bin/onezone-rest-cli -o raw getCurrentUser" >/dev/null 2>&1
python3 bench/medians.py "$out/r.json" curl
