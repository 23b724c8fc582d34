#!/usr/bin/env bash
# Load benchmark of AssumeRoleWithSAML on a release build, against the constant-response
# baseline (GET /healthz on the same router and runtime) measured in the same run.
#
# A test IdP (an RSA-2048 key made for the run; crates/saml/examples/bench_pool.rs) is
# registered with CreateSAMLProvider; a role trusts it on SAML:aud. wrk sends
# AssumeRoleWithSAML with a different signed response on every request (fedgate spends each
# assertion on first use, so the pool must outlast the run: a replayed one is refused and
# the script fails). Every request: base64, the structural scan, xmlsec's signature check with
# the metadata certificate, the conditions, the replay record in the store, the trust policy,
# a session minted, stored and audited. Backend: Redis, or embedded with
# FEDGATE_BENCH_STORE=embedded.
#
# (bench/all.sh measures every action, both stores and three replicas in one run.)
#
# Usage: bench/saml.sh [duration-seconds=10] [connections=32] [assertions=40000]
# Needs: wrk and redis-server (Debian packages; installed when missing), python3 with venv
# (boto3 registers the provider).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
dur=${1:-10}
conns=${2:-32}
n=${3:-40000}
store=${FEDGATE_BENCH_STORE:-redis}
bench_init
cargo build --release -q -p fedgate-saml --example bench_pool
[ "$store" != redis ] || start_redis
gateway_env "$store" "$WORK/data"
bench_ports 1
url=$PUBLIC_URL
role=arn:aws:iam::123456789012:role/bench
provider=arn:aws:iam::123456789012:saml-provider/BenchIdP
echo "== signing $n responses"
"$CARGO_TARGET_DIR/release/examples/bench_pool" "$n" "$url/saml" "$role" "$provider" "$WORK"

bench_bootstrap
start_gateways saml
"$PY" "$SIGN" setup --url "$url" --creds "$CREDS" --saml-role bench --saml-metadata "$WORK/metadata.xml" --saml-provider BenchIdP

# bench/pool.lua deals the pool out; with one wrk thread it walks it in order, so no two
# requests share an assertion.
prefix="Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&PrincipalArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2FBenchIdP&DurationSeconds=900&SAMLAssertion="
run() { wrk -t1 -c"$conns" -d"${dur}s" --latency "$@" ; }
rps() { wrk_rps "$1"; }
echo "== machine: $(machine_line); wrk and redis-server share the cores; store: $store"
echo "== baseline: GET /healthz (constant response, same router and runtime), 1 wrk thread"
base=$(run "$url/healthz"); echo "$base"
echo "== AssumeRoleWithSAML, a different signed response on each request ($n-response pool), 1 wrk thread"
sa=$(run -s "$BENCH_DIR/pool.lua" "$url/" -- "$WORK/assertions.txt" 0 1 1 "$prefix"); echo "$sa"
done_n=$(wrk_requests "$sa")
python3 -c "import sys; b,a=float(sys.argv[1]),float(sys.argv[2]); print(f'ratio AssumeRoleWithSAML / baseline = {a/b:.3f} ({a:.0f} vs {b:.0f} req/s)')" "$(rps "$base")" "$(rps "$sa")"
errors=$(grep -c '"errorCode":"' "${AUDITS[0]}" 2>/dev/null || true)
echo "audited failures during the run: ${errors:-0} (must be 0)"
[ "$done_n" -lt "$n" ] || { echo "the pool ran out ($done_n requests, $n assertions): give a larger pool" >&2; exit 1; }
if echo "$sa" | grep -q "Non-2xx"; then echo "some requests failed" >&2; grep -m3 errorMessage "${AUDITS[0]}" >&2; exit 1; fi
exit 0
