#!/usr/bin/env bash
# The project's test command (CI runs exactly this through .ci/run):
#  1. installs missing system packages;
#  2. formatting and clippy (warnings are errors);
#  3. every crate's tests, including the storage conformance suite on both backends and the
#     end-to-end tests with the AWS SDK for Rust;
#  4. builds the fuzz targets and runs each briefly;
#  5. the shared contract smoke test with the stock AWS CLI, when ../shared is present;
#  6. the temporary-access walk-through with the stock AWS CLI (assume a role, use the
#     credentials, see them revoked and expire);
#  7. renders the Helm chart and validates it and deploy/examples with kubernetes-validate, and
#     boots the release binary as the chart configures it (scripts/validate-deploy.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fedgate-target}
export CARGO_TERM_COLOR=never

echo "== fmt and clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== tests"
cargo test --workspace --all-targets 2>&1 | tee "${TMPDIR:-/tmp}/fedgate-test.log"
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || exit "$status"

echo "== fuzz targets (build, then a short run of each)"
./scripts/fuzz-smoke.sh

if [ -f ../shared/contract-smoke.sh ]; then
  echo "== contract smoke"
  bash ../shared/contract-smoke.sh "$(pwd)"
fi

echo "== stock AWS CLI walk-through"
./scripts/cli-walkthrough.sh

echo "== deployment files (Helm chart, Kubernetes manifests)"
./scripts/validate-deploy.sh

# One closing line summing the cargo test results.
python3 - "${TMPDIR:-/tmp}/fedgate-test.log" <<'PY'
import re, sys
p = f = 0
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"test result: \w+\. (\d+) passed; (\d+) failed", line)
    if m:
        p += int(m.group(1)); f += int(m.group(2))
print(f"tests: {p} passed, {f} failed")
PY
