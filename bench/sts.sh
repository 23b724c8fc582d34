#!/usr/bin/env bash
# Load benchmark of STS and the decision API on a release build, each against the
# constant-response baseline (/healthz on the same router and runtime) measured in the same run:
#  1. AssumeRole end to end on the Redis backend (every request mints and stores a session);
#  2. Redis memory per live session (INFO memory before/after, over every session minted in 1.);
#  3. POST /authorize with warm caches (a service asks about a SigV4-signed caller), on Redis.
# Prints requests/s, latency percentiles and ratios.
#
# Usage: bench/sts.sh [duration-seconds=10] [connections=32]
# Needs: wrk and redis-server (Debian packages; installed when missing), python3 with venv (botocore signs).
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10}
conns=${2:-32}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fedgate-target}
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
command -v wrk >/dev/null || $sudo apt-get install -y -qq wrk >/dev/null
command -v redis-server >/dev/null || $sudo apt-get install -y -qq redis-server >/dev/null
venv=${XDG_CACHE_HOME:-$HOME/.cache}/fedgate-bench/venv
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q boto3; }

cargo build --release -q
bin=$CARGO_TARGET_DIR/release/fedgate
work=$(mktemp -d)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port=$(free_port); rport=$(free_port)
pid=; rpid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$rpid" ] && kill $rpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 & rpid=$!
for _ in $(seq 1 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
python3 -c 'import secrets;print(secrets.token_hex(32))' > "$work/kek"
export FEDGATE_LISTEN=127.0.0.1:$port FEDGATE_PUBLIC_URL=http://127.0.0.1:$port FEDGATE_DATA_DIR=$work/data \
  FEDGATE_LOG__LEVEL=warn FEDGATE_AUDIT__PATH=$work/audit.jsonl FEDGATE_STORE__KIND=redis \
  FEDGATE_STORE__REDIS_URL=redis://127.0.0.1:$rport/0 FEDGATE_KEK_FILE=$work/kek \
  FEDGATE_THROTTLE__STS_PER_PRINCIPAL_RATE=0 FEDGATE_THROTTLE__STS_PER_IP_RATE=0
creds=$("$bin" bootstrap --account-id 123456789012 2>"$work/bootstrap.err") || { cat "$work/bootstrap.err" >&2; exit 1; }
"$bin" serve >"$work/serve.log" 2>&1 & pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

# A role the admin may assume; then the two signed requests wrk replays (a SigV4 signature
# stays valid for its 15-minute window, as on AWS).
"$venv/bin/python" - "http://127.0.0.1:$port" "$work" "$creds" <<'PY'
import json, sys, boto3
from botocore.awsrequest import AWSRequest
from botocore.auth import SigV4Auth
from botocore.credentials import Credentials
url, work, c = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
cred = Credentials(c["AccessKeyId"], c["SecretAccessKey"])
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"])
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(trust))
def lua(req, path):
    with open(path, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write("wrk.body = %s\n" % json.dumps(req.body if isinstance(req.body, str) else req.body.decode()))
        for k, v in req.headers.items():
            if k.lower() != "host":
                f.write('wrk.headers["%s"] = %s\n' % (k, json.dumps(v)))
body = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench&DurationSeconds=3600"
r = AWSRequest(method="POST", url=url + "/", data=body,
               headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
SigV4Auth(cred, "sts", "us-east-1").add_auth(r); lua(r, work + "/assume.lua")
# The caller's request to some service, forwarded in the question; the question itself signed
# by the asking service (here the admin, whose AdministratorAccess allows fedgate:Authorize).
caller = AWSRequest(method="GET", url="http://orders.example/orders/42?view=full", headers={})
SigV4Auth(cred, "orders", "us-east-1").add_auth(caller)
headers = {k: v for k, v in caller.headers.items()}
headers["host"] = "orders.example"
q = {"request": {"method": "GET", "path": "/orders/42", "query": "view=full", "headers": headers},
     "service": "orders", "action": "orders:GetOrder", "resource": "arn:aws:orders:::shop/42",
     "sourceIp": "203.0.113.7"}
a = AWSRequest(method="POST", url=url + "/authorize", data=json.dumps(q),
               headers={"Content-Type": "application/json"})
SigV4Auth(cred, "fedgate", "us-east-1").add_auth(a); lua(a, work + "/authorize.lua")
PY
curl -sf -X POST "http://127.0.0.1:$port/" >/dev/null 2>&1 || true

run() { wrk -t2 -c"$conns" -d"${dur}s" --latency "$@" ; }
rps() { echo "$1" | awk '/Requests\/sec/ {print $2}'; }
reqs() { echo "$1" | awk '/requests in/ {print $1}'; }
mem() { redis-cli -p "$rport" info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r'; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); wrk and redis-server share the cores"
echo "== baseline: GET /healthz (constant response, same router and runtime)"
base=$(run "http://127.0.0.1:$port/healthz"); echo "$base"
before=$(mem)
echo "== AssumeRole, Redis backend (each request mints and stores a session)"
ar=$(run -s "$work/assume.lua" "http://127.0.0.1:$port/"); echo "$ar"
after=$(mem)
sessions=$(redis-cli -p "$rport" --scan --pattern '{fedgate}:r:session/*' | wc -l)
echo "== POST /authorize, Redis backend, warm caches"
az=$(run -s "$work/authorize.lua" "http://127.0.0.1:$port/authorize"); echo "$az"
echo "== POST /authorize at moderate load (1 wrk thread, 8 connections): the latency figure"
az8=$(wrk -t1 -c8 -d"${dur}s" --latency -s "$work/authorize.lua" "http://127.0.0.1:$port/authorize"); echo "$az8"
python3 - "$(rps "$base")" "$(rps "$ar")" "$(rps "$az")" "$before" "$after" "$sessions" "$(rps "$az8")" "$(echo "$az8" | awk '$1=="99%" {print $2}')" <<'PY'
import sys
b, a, z = map(float, sys.argv[1:4]); before, after, n = map(int, sys.argv[4:7])
z8, p99 = float(sys.argv[7]), sys.argv[8]
print(f"ratio AssumeRole / baseline  = {a/b:.2f} ({a:.0f} vs {b:.0f} req/s)")
print(f"/authorize decisions         = {z:.0f} /s ({z/b:.2f} of baseline); at 8 connections {z8:.0f} /s, p99 {p99}")
print(f"live sessions in Redis       = {n}; memory per session = {(after-before)/max(n,1):.0f} bytes (INFO used_memory delta)")
PY
errors=$(grep -c '"errorCode":"' "$work/audit.jsonl" 2>/dev/null || true)
echo "audited failures during the run: ${errors:-0} (must be 0)"
