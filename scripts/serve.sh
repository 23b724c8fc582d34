#!/usr/bin/env bash
# Installs missing system packages, then builds and runs `fedgate serve` (extra args pass through).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fedgate-target}
exec cargo run --release -- serve "$@"
