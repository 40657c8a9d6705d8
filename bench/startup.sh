#!/usr/bin/env bash
# Start-up cost of the binaries: `--dry-run createSpaceSupportToken id=x` and
# `createSpaceSupportToken --help` (onezone-rest-cli), a dry run of each other
# command (oneprovider-rest-cli getSpace, onepanel-rest-cli getCurrentUser),
# next to `true` measured in the same run.
# Reports medians (ms) and ratios to `true`. Machines are shared and noisy,
# so only same-run ratios mean anything.
# With ../shared/onedata-api beside the repo it also times `--api-spec` with
# the Onezone 21.02.7 spec: the first start (the compiled-spec cache emptied
# before every run) and the second (cache warm). Last, the release binary's
# size.
#   usage: bench/startup.sh [RUNS]      (needs hyperfine: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/onezone-rest-cli
provider=${CARGO_TARGET_DIR:-target}/release/oneprovider-rest-cli
panel=${CARGO_TARGET_DIR:-target}/release/onepanel-rest-cli
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export ONEZONE_HOST=https://zone.example.com ONEZONE_API_KEY=bench-token
export ONEPROVIDER_HOST=https://provider.example.com ONEPROVIDER_API_KEY=bench-token
export ONEPANEL_HOST=https://provider.example.com ONEPANEL_BASIC_AUTH=onepanel:bench
# A cache of the bench's own (no release cached: the newest is used).
export XDG_CACHE_HOME="$out/cache"
hyperfine --shell=none --warmup 20 --runs "$runs" --export-json "$out/r.json" \
  -n true true \
  -n dry-run "$bin --dry-run createSpaceSupportToken id=x" \
  -n op-help "$bin createSpaceSupportToken --help" \
  -n help "$bin --help" \
  -n provider-dry-run "$provider --dry-run getSpace sid=x" \
  -n panel-dry-run "$panel --dry-run getCurrentUser" >/dev/null 2>&1
python3 bench/medians.py "$out/r.json" true
spec=../shared/onedata-api/onezone-21.02.7.json
if [ -f "$spec" ]; then
  specs="$XDG_CACHE_HOME/onezone-rest-cli/specs"
  spec_runs=$(( runs < 50 ? runs : 50 ))
  # One --prepare per command (a single one would apply to all three).
  hyperfine --shell=none --warmup 3 --runs "$spec_runs" --export-json "$out/s.json" \
    --prepare true --prepare "rm -rf $specs" --prepare true \
    -n true true \
    -n api-spec-first "$bin --api-spec $spec --dry-run createSpaceSupportToken id=x" \
    -n api-spec-second "$bin --api-spec $spec --dry-run createSpaceSupportToken id=x" >/dev/null 2>&1
  python3 bench/medians.py "$out/s.json" true
else
  echo "(no $spec: --api-spec not timed)"
fi
# Peak memory of one dry run (kB), from GNU time if present.
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "dry-run peak RSS: %M kB" "$bin" --dry-run createSpaceSupportToken id=x >/dev/null 2>"$out/t" || true
  grep RSS "$out/t" || true
fi
# Instructions executed (valgrind's callgrind): the same count on a busy
# machine as on an idle one, so small start-up changes show.
if command -v valgrind >/dev/null; then
  for args in "--dry-run createSpaceSupportToken id=x" "createSpaceSupportToken --help" "--help"; do
    # shellcheck disable=SC2086
    n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" $args 2>&1 >/dev/null |
      sed -n 's/.*Collected : //p')
    echo "instructions, $args: $n"
  done
  for cmd in "$provider --dry-run getSpace sid=x" "$panel --dry-run getCurrentUser"; do
    # shellcheck disable=SC2086
    n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $cmd 2>&1 >/dev/null |
      sed -n 's/.*Collected : //p')
    echo "instructions, ${cmd##*/}: $n"
  done
fi
for b in "$bin" "$provider" "$panel"; do
  echo "release binary ${b##*/}: $(stat -c %s "$b") bytes (stripped)"
done
