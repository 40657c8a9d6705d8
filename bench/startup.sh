#!/usr/bin/env bash
# Start-up cost of the binary: `--dry-run createSpaceSupportToken id=x` and
# `createSpaceSupportToken --help`, next to `true` measured in the same run.
# Reports medians (ms) and ratios to `true`. Machines are shared and noisy,
# so only same-run ratios mean anything.
#   usage: bench/startup.sh [RUNS]      (needs hyperfine: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/onezone-rest-cli
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export ONEZONE_HOST=https://zone.example.com ONEZONE_API_KEY=bench-token
hyperfine --shell=none --warmup 20 --runs "$runs" --export-json "$out/r.json" \
  -n true true \
  -n dry-run "$bin --dry-run createSpaceSupportToken id=x" \
  -n op-help "$bin createSpaceSupportToken --help" \
  -n help "$bin --help" >/dev/null 2>&1
python3 bench/medians.py "$out/r.json" true
# Peak memory of one dry run (kB), from GNU time if present.
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "dry-run peak RSS: %M kB" "$bin" --dry-run createSpaceSupportToken id=x >/dev/null 2>"$out/t" || true
  grep RSS "$out/t" || true
fi
