#!/usr/bin/env bash
# Load benchmark of STS and the decision API on a release build, each against the
# constant-response baseline (/healthz on the same router and runtime) measured in the same run:
#  1. AssumeRole end to end on the Redis backend (every request mints and stores a session);
#  2. Redis memory per live session (INFO memory before/after, over every session minted in 1.);
#  3. POST /authorize with warm caches (a service asks about a SigV4-signed caller), on Redis.
# Prints requests/s, latency percentiles and ratios.
# (bench/all.sh measures every action, both stores and three replicas in one run.)
#
# Usage: bench/sts.sh [duration-seconds=10] [connections=32]
# Needs: wrk and redis-server (Debian packages; installed when missing), python3 with venv (botocore signs).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
dur=${1:-10}
conns=${2:-32}
bench_init
start_redis
gateway_env redis "$WORK/data"
bench_ports 1
bench_bootstrap
start_gateways sts
port=${PORTS[0]}

# A role the admin may assume; then the two signed requests wrk replays (a SigV4 signature
# stays valid for its 15-minute window, as on AWS).
"$PY" "$SIGN" setup --url "http://127.0.0.1:$port" --creds "$CREDS" --assume-role bench
"$PY" "$SIGN" signed --url "http://127.0.0.1:$port" --creds "$CREDS" --out "$WORK/assume" \
  --body "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench&DurationSeconds=3600"
# The caller's request to some service, forwarded in the question; the question itself signed
# by the asking service (here the admin, whose AdministratorAccess allows fedgate:Authorize).
"$PY" "$SIGN" authorize --url "http://127.0.0.1:$port" --creds "$CREDS" --out "$WORK/authorize"

run() { wrk -t2 -c"$conns" -d"${dur}s" --latency "$@" ; }
rps() { wrk_rps "$1"; }
mem() { redis_mem; }
echo "== machine: $(machine_line); wrk and redis-server share the cores"
echo "== baseline: GET /healthz (constant response, same router and runtime)"
base=$(run "http://127.0.0.1:$port/healthz"); echo "$base"
before=$(mem)
echo "== AssumeRole, Redis backend (each request mints and stores a session)"
ar=$(run -s "$WORK/assume.lua" "http://127.0.0.1:$port/"); echo "$ar"
after=$(mem)
sessions=$(redis_sessions)
echo "== POST /authorize, Redis backend, warm caches"
az=$(run -s "$WORK/authorize.lua" "http://127.0.0.1:$port/authorize"); echo "$az"
echo "== POST /authorize at moderate load (1 wrk thread, 8 connections): the latency figure"
az8=$(wrk -t1 -c8 -d"${dur}s" --latency -s "$WORK/authorize.lua" "http://127.0.0.1:$port/authorize"); echo "$az8"
python3 - "$(rps "$base")" "$(rps "$ar")" "$(rps "$az")" "$before" "$after" "$sessions" "$(rps "$az8")" "$(echo "$az8" | awk '$1=="99%" {print $2}')" <<'PY'
import sys
b, a, z = map(float, sys.argv[1:4]); before, after, n = map(int, sys.argv[4:7])
z8, p99 = float(sys.argv[7]), sys.argv[8]
print(f"ratio AssumeRole / baseline  = {a/b:.2f} ({a:.0f} vs {b:.0f} req/s)")
print(f"/authorize decisions         = {z:.0f} /s ({z/b:.2f} of baseline); at 8 connections {z8:.0f} /s, p99 {p99}")
print(f"live sessions in Redis       = {n}; memory per session = {(after-before)/max(n,1):.0f} bytes (INFO used_memory delta)")
PY
errors=$(grep -c '"errorCode":"' "${AUDITS[0]}" 2>/dev/null || true)
echo "audited failures during the run: ${errors:-0} (must be 0)"
