#!/usr/bin/env bash
# Instructions per request, by function, of fedgate's own code (user space; the kernel is not
# counted): the release build runs under `valgrind --tool=callgrind` on the Redis backend and
# wrk sends requests one at a time, in phases; each phase's counters are dumped separately.
# Instruction counts do not depend on what else the machine is doing, so two builds can be
# compared on a busy or noisy machine, where requests/s cannot.
#
# Usage: bench/callgrind.sh [seconds-per-phase=20] [out-dir=target/callgrind]
# Prints, per phase: requests, instructions per request, and the top functions (inclusive).
# Needs: valgrind (Debian package; installed when missing), and what bench/lib.sh needs.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
secs=${1:-20}
out=$(realpath -m "${2:-target/callgrind}")
command -v valgrind >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq valgrind >/dev/null; }
bench_init
mkdir -p "$out"
start_redis
gateway_env redis "$WORK/data"
bench_ports 1
bench_bootstrap
port=${PORTS[0]}
url=http://127.0.0.1:$port

# Set-up on a normal process (the role, the signed requests), then the measured process.
start_gateways setup
"$PY" "$SIGN" setup --url "$url" --creds "$CREDS" --assume-role bench
"$PY" "$SIGN" signed --url "$url" --creds "$CREDS" --out "$WORK/assume" \
  --body "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench&DurationSeconds=3600"
"$PY" "$SIGN" signed --url "$url" --creds "$CREDS" --out "$WORK/whoami" \
  --body "Action=GetCallerIdentity&Version=2011-06-15"
bench_stop "${GW_PIDS[@]}"

rm -f "$out"/callgrind.out.*
bench_bg "$WORK/cg-serve.log" env FEDGATE_LISTEN="127.0.0.1:$port" \
  FEDGATE_AUDIT__PATH="$WORK/cg-audit.jsonl" \
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out.%p" \
  --dump-instr=no --collect-jumps=no --separate-threads=no "$BIN" serve
cg_pid=$BG_PID
for _ in $(seq 1 300); do curl -sf "$url/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

phase() {
  local name=$1
  shift
  # Warm the caches first, then count only the measured requests.
  wrk -t1 -c1 -d2s "$@" >/dev/null
  callgrind_control -z "$cg_pid" >/dev/null
  local res n
  res=$(wrk -t1 -c1 -d"${secs}s" "$@")
  n=$(wrk_requests "$res")
  callgrind_control -d "$name" "$cg_pid" >/dev/null
  echo "$name $n" >>"$out/requests"
}
: >"$out/requests"
phase healthz "$url/healthz"
phase GetCallerIdentity -s "$WORK/whoami.lua" "$url/"
phase AssumeRole -s "$WORK/assume.lua" "$url/"
bench_stop "$cg_pid"

while read -r name n; do
  f=$(grep -l "^desc: Trigger: .*$name" "$out"/callgrind.out.* | head -1)
  total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(/,/, "", $1); print $1; exit}')
  echo "== $name: $n requests, $((total / n)) instructions per request (user space, all threads)"
  callgrind_annotate --inclusive=yes "$f" 2>/dev/null | sed -n '/file:function/,$p' | sed -n 2,40p |
    awk -v n="$n" '{v = $1; gsub(/,/, "", v); $1 = ""; printf "%10d %s\n", v / n, substr($0, 1, 150)}'
done <"$out/requests"
