#!/usr/bin/env bash
# Load benchmark of AssumeRoleWithWebIdentity on a release build, against the constant-response
# baseline (GET /healthz on the same router and runtime) measured in the same run.
#
# A local OIDC issuer (python's http.server: discovery and a JWKS with the RSA test key
# tests/fixtures/oidc/rsa2048-1.pk8) is registered as an IAM OIDC provider; a role trusts its
# subjects. wrk sends AssumeRoleWithWebIdentity with a different RS256 token on every request
# (a pool of distinct tokens, signed beforehand, cycled through; fedgate keeps no verification
# cache, so every request parses the token, checks header rules and claims, verifies the RSA
# signature with the cached JWKS, evaluates the trust policy, mints and stores a session and
# audits it). Backend: Redis (as bench/sts.sh), or embedded with FEDGATE_BENCH_STORE=embedded.
#
# (bench/all.sh measures every action, both stores and three replicas in one run.)
#
# Usage: bench/web_identity.sh [duration-seconds=10] [connections=32] [tokens=20000]
# Needs: wrk and redis-server (Debian packages; installed when missing), python3 with venv
# (boto3 registers the provider; cryptography signs the tokens).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
dur=${1:-10}
conns=${2:-32}
ntokens=${3:-20000}
store=${FEDGATE_BENCH_STORE:-redis}
bench_init cryptography
iport=$(free_ports 1)
issuer=http://127.0.0.1:$iport

# The issuer's documents and the token pool.
"$PY" "$SIGN" oidc-issuer --issuer "$issuer" --dir "$WORK" --tokens "$ntokens" --key tests/fixtures/oidc/rsa2048-1.pk8
bench_bg "$WORK/idp.log" "$PY" -m http.server "$iport" --bind 127.0.0.1 --directory "$WORK/idp"

[ "$store" != redis ] || start_redis
gateway_env "$store" "$WORK/data"
bench_ports 1
port=${PORTS[0]}
bench_bootstrap
start_gateways wi
wait_for "the OIDC issuer" curl -sf "$issuer/jwks"
"$PY" "$SIGN" setup --url "http://127.0.0.1:$port" --creds "$CREDS" --oidc-role bench --issuer "$issuer"

prefix="Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench&DurationSeconds=900&WebIdentityToken="
# One request first: it warms the JWKS cache and shows the call works.
first=$(curl -s -X POST "http://127.0.0.1:$port/" -H 'Content-Type: application/x-www-form-urlencoded' \
  --data "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench&WebIdentityToken=$(head -n1 "$WORK/tokens.txt")")
echo "$first" | grep -q "<AccessKeyId>ASIA" || { echo "AssumeRoleWithWebIdentity failed: $first" >&2; exit 1; }

run() { wrk -t2 -c"$conns" -d"${dur}s" --latency "$@" ; }
rps() { wrk_rps "$1"; }
echo "== machine: $(machine_line); wrk, the issuer and redis-server share the cores; store: $store"
echo "== baseline: GET /healthz (constant response, same router and runtime)"
base=$(run "http://127.0.0.1:$port/healthz"); echo "$base"
echo "== AssumeRoleWithWebIdentity, a different RS256 token on each request ($ntokens-token pool)"
# bench/pool.lua deals the tokens out between wrk's two threads, each cycling its half.
wi=$(run -s "$BENCH_DIR/pool.lua" "http://127.0.0.1:$port/" -- "$WORK/tokens.txt" 0 1 2 "$prefix"); echo "$wi"
python3 -c "import sys; b,a=float(sys.argv[1]),float(sys.argv[2]); print(f'ratio AssumeRoleWithWebIdentity / baseline = {a/b:.2f} ({a:.0f} vs {b:.0f} req/s)')" "$(rps "$base")" "$(rps "$wi")"
errors=$(grep -c '"errorCode":"' "${AUDITS[0]}" 2>/dev/null || true)
echo "audited failures during the run: ${errors:-0} (must be 0); JWKS fetches by fedgate: $(grep -c 'GET /jwks' "$WORK/idp.log" || true) (the curl check above made one more)"
echo "$wi" | grep -q "Non-2xx" && { echo "some requests failed" >&2; exit 1; }
exit 0
