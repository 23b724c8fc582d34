#!/usr/bin/env bash
# Load benchmark of a release build: GetCallerIdentity (a presigned SigV4 URL, fully verified on
# every request: parse, time window, key lookup, HMAC chain from the signing-key cache) against
# the constant-response baseline (/healthz, the same axum router and runtime), in one run.
# Prints requests/s and latency percentiles of each and the throughput ratio.
# (bench/all.sh measures every action, both stores and three replicas in one run.)
#
# Usage: bench/load.sh [duration-seconds=10] [connections=32]
# Needs: wrk (Debian package; installed when missing), python3 with venv (boto3 presigns).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
dur=${1:-10}
conns=${2:-32}
bench_init
gateway_env embedded "$WORK/data"
bench_ports 1
bench_bootstrap
start_gateways load
port=${PORTS[0]}

url=$("$PY" "$SIGN" presign-gci --url "http://127.0.0.1:$port" --creds "$CREDS")
# botocore signs a query-protocol presigned URL for the operation's HTTP method, POST (with an
# empty body), as AWS STS expects it; the same URL with GET would (rightly) not verify.
curl -sf -X POST "$url" | grep -q "<Arn>arn:aws:iam::123456789012:user/admin</Arn>" || { echo "presigned GetCallerIdentity failed"; curl -s -X POST "$url"; exit 1; }
echo 'wrk.method = "POST"' > "$WORK/post.lua"

# The request the AWS CLI sends: a POST with a form body, signed in the Authorization header
# (replayed as is: a SigV4 signature stays valid for its 15-minute window, as on AWS).
"$PY" "$SIGN" signed --url "http://127.0.0.1:$port" --creds "$CREDS" --out "$WORK/signed" \
  --body "Action=GetCallerIdentity&Version=2011-06-15"

run() { wrk -t2 -c"$conns" -d"${dur}s" --latency "$@" ; }
rps() { wrk_rps "$1"; }
echo "== machine: $(machine_line); wrk shares the cores"
echo "== baseline: GET /healthz (constant response, same router and runtime)"
base=$(run "http://127.0.0.1:$port/healthz"); echo "$base"
echo "== GetCallerIdentity: signed POST as the AWS CLI sends it (embedded store)"
gci=$(run -s "$WORK/signed.lua" "http://127.0.0.1:$port/"); echo "$gci"
echo "== GetCallerIdentity: presigned URL (botocore generate_presigned_url)"
pre=$(run -s "$WORK/post.lua" "$url"); echo "$pre"
python3 - "$(rps "$base")" "$(rps "$gci")" "$(rps "$pre")" <<'PY'
import sys
b, g, p = map(float, sys.argv[1:])
print(f"ratio GetCallerIdentity (signed POST) / baseline = {g/b:.2f} ({g:.0f} vs {b:.0f} req/s)")
print(f"ratio GetCallerIdentity (presigned)   / baseline = {p/b:.2f} ({p:.0f} vs {b:.0f} req/s)")
PY
errors=$(grep -c '"errorCode":"' "${AUDITS[0]}" 2>/dev/null || true)
echo "audited failures during the run: ${errors:-0} (must be 0)"
