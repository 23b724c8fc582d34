#!/usr/bin/env bash
# Load benchmark of a release build: GetCallerIdentity (a presigned SigV4 URL, fully verified on
# every request: parse, time window, key lookup, HMAC chain from the signing-key cache) against
# the constant-response baseline (/healthz, the same axum router and runtime), in one run.
# Prints requests/s and latency percentiles of each and the throughput ratio.
#
# Usage: bench/load.sh [duration-seconds=10] [connections=32]
# Needs: wrk (Debian package; installed when missing), python3 with venv (boto3 presigns).
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10}
conns=${2:-32}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fedgate-target}
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
venv=${XDG_CACHE_HOME:-$HOME/.cache}/fedgate-bench/venv
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q boto3; }

cargo build --release -q
bin=$CARGO_TARGET_DIR/release/fedgate
work=$(mktemp -d)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
export FEDGATE_LISTEN=127.0.0.1:$port FEDGATE_PUBLIC_URL=http://127.0.0.1:$port FEDGATE_DATA_DIR=$work/data \
  FEDGATE_LOG__LEVEL=warn FEDGATE_AUDIT__PATH=$work/audit.jsonl
# One principal from one address at tens of thousands of requests a second is what the STS
# throttle exists to stop: turn it off to measure the request path itself.
export FEDGATE_THROTTLE__STS_PER_PRINCIPAL_RATE=0 FEDGATE_THROTTLE__STS_PER_IP_RATE=0
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
creds=$("$bin" bootstrap --account-id 123456789012 2>/dev/null)
"$bin" serve >"$work/serve.log" 2>&1 & pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

url=$(echo "$creds" | "$venv/bin/python" -c '
import json, sys, boto3
c = json.load(sys.stdin)
sts = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"])
print(sts.generate_presigned_url("get_caller_identity", ExpiresIn=900))' "http://127.0.0.1:$port")
# botocore signs a query-protocol presigned URL for the operation's HTTP method, POST (with an
# empty body), as AWS STS expects it; the same URL with GET would (rightly) not verify.
curl -sf -X POST "$url" | grep -q "<Arn>arn:aws:iam::123456789012:user/admin</Arn>" || { echo "presigned GetCallerIdentity failed"; curl -s -X POST "$url"; exit 1; }
echo 'wrk.method = "POST"' > "$work/post.lua"

# The request the AWS CLI sends: a POST with a form body, signed in the Authorization header
# (replayed as is: a SigV4 signature stays valid for its 15-minute window, as on AWS).
echo "$creds" | "$venv/bin/python" -c '
import json, sys
from botocore.awsrequest import AWSRequest
from botocore.auth import SigV4Auth
from botocore.credentials import Credentials
c = json.load(sys.stdin)
body = "Action=GetCallerIdentity&Version=2011-06-15"
req = AWSRequest(method="POST", url=sys.argv[1] + "/", data=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
SigV4Auth(Credentials(c["AccessKeyId"], c["SecretAccessKey"]), "sts", "us-east-1").add_auth(req)
print("wrk.method = \"POST\"")
print("wrk.body = \"%s\"" % body)
for k in ("Content-Type", "X-Amz-Date", "Authorization"):
    print("wrk.headers[\"%s\"] = \"%s\"" % (k, req.headers[k]))
' "http://127.0.0.1:$port" > "$work/signed.lua"

run() { wrk -t2 -c"$conns" -d"${dur}s" --latency "$@" ; }
rps() { echo "$1" | awk '/Requests\/sec/ {print $2}'; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); wrk shares the cores"
echo "== baseline: GET /healthz (constant response, same router and runtime)"
base=$(run "http://127.0.0.1:$port/healthz"); echo "$base"
echo "== GetCallerIdentity: signed POST as the AWS CLI sends it (embedded store)"
gci=$(run -s "$work/signed.lua" "http://127.0.0.1:$port/"); echo "$gci"
echo "== GetCallerIdentity: presigned URL (botocore generate_presigned_url)"
pre=$(run -s "$work/post.lua" "$url"); echo "$pre"
python3 - "$(rps "$base")" "$(rps "$gci")" "$(rps "$pre")" <<'PY'
import sys
b, g, p = map(float, sys.argv[1:])
print(f"ratio GetCallerIdentity (signed POST) / baseline = {g/b:.2f} ({g:.0f} vs {b:.0f} req/s)")
print(f"ratio GetCallerIdentity (presigned)   / baseline = {p/b:.2f} ({p:.0f} vs {b:.0f} req/s)")
PY
errors=$(grep -c '"errorCode":"' "$work/audit.jsonl" 2>/dev/null || true)
echo "audited failures during the run: ${errors:-0} (must be 0)"
