#!/usr/bin/env bash
# Fuzzes the argument path (fuzz/fuzz_targets/argv.rs) with cargo-fuzz and
# libFuzzer for SECONDS (default 60), from seeds made from the catalogue.
#
#   bench/fuzz.sh [SECONDS]        e.g. bench/fuzz.sh 600 for ten minutes
#   TARGET=answer bench/fuzz.sh    the output path instead (fuzz/README.md)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz passes nightly
# flags (-Zsanitizer=address); on a stable toolchain RUSTC_BOOTSTRAP=1 lets
# them through, which is what this script does. The first build takes long
# (ASan, the whole dependency tree, one codegen unit); later ones are quick.
# A crash leaves its input in fuzz/artifacts/argv/ and exits non-zero;
# `RUSTC_BOOTSTRAP=1 cargo fuzz run argv fuzz/artifacts/argv/crash-…` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null || { echo "bench/fuzz.sh: cargo install cargo-fuzz first" >&2; exit 2; }
python3 fuzz/gen_seeds.py
export RUSTC_BOOTSTRAP=1
target="${TARGET:-argv}"
cargo fuzz build "$target"
# -timeout: one input may take at most 10 s; -rss_limit_mb: 2 GiB;
# -max_len: inputs up to 4 KiB. The corpus grows in fuzz/corpus/TARGET.
if [ "$target" = argv ]; then
  exec cargo fuzz run argv fuzz/corpus/argv fuzz/seeds/argv -- \
    -dict=fuzz/argv.dict -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1
fi
exec cargo fuzz run "$target" -- -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1
