#!/usr/bin/env bash
# Builds every cargo-fuzz target and runs each for a short while. With nightly and cargo-fuzz
# installed this is a real coverage-guided run; on stable the targets are built as plain
# libFuzzer binaries (no coverage feedback: random mutation only), which still proves they
# build and catches shallow panics. Longer runs: `cd fuzz && cargo +nightly fuzz run <target>`.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${FUZZ_SECONDS:-15}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fedgate-target}/fuzz
targets=$(sed -n 's/^name = "\(.*\)"/\1/p' Cargo.toml | grep -v '^fedgate-fuzz$')
cargo build --release --quiet --bins
for t in $targets; do
  corpus=$(mktemp -d)
  echo "fuzz: $t for ${secs}s"
  "$CARGO_TARGET_DIR/release/$t" -max_total_time="$secs" -print_final_stats=1 "$corpus" 2>&1 | grep -E "stat::number_of_executed_units|ERROR|panicked|SUMMARY" || true
  status=${PIPESTATUS[0]}
  rm -rf "$corpus"
  [ "$status" -eq 0 ] || { echo "fuzz: $t failed"; exit 1; }
done
