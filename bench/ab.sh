#!/usr/bin/env bash
# A/B comparison of two fedgate builds on AssumeRole (Redis backend), interleaved so that
# both see the same machine: each build gets its own redis-server and gateway, then every
# round runs, for A then B, the baseline (GET /healthz) and AssumeRole with wrk, and reads
# the CPU each process used (/proc/PID/stat) around each run. On a VM whose speed moves by
# ±20 % within minutes, only interleaved rounds compare two builds fairly; CPU per request
# moves less than requests/s. (bench/callgrind.sh counts user-space instructions instead.)
#
# Usage: bench/ab.sh BINARY-A BINARY-B [rounds=5] [seconds=5] [connections=32]
# Prints a line per run (req/s; fedgate user and system CPU and Redis CPU, µs per request)
# and per build the medians and the AssumeRole / baseline ratio of each round.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || { sed -n '2,11p' "$0"; exit 2; }
bin_a=$(realpath "$1"); bin_b=$(realpath "$2")
rounds=${3:-5}; dur=${4:-5}; conns=${5:-32}
bench_init
declare -A GW RP URL
for tag in A B; do
  if [ "$tag" = A ]; then BIN=$bin_a; else BIN=$bin_b; fi
  start_redis
  RP[$tag]=$BG_PID
  gateway_env redis "$WORK/data-$tag"
  bench_ports 1
  bench_bootstrap
  start_gateways "$tag"
  URL[$tag]=http://127.0.0.1:${PORTS[0]}
  GW[$tag]=${GW_PIDS[0]}
  "$PY" "$SIGN" setup --url "${URL[$tag]}" --creds "$CREDS" --assume-role bench >/dev/null
  "$PY" "$SIGN" signed --url "${URL[$tag]}" --creds "$CREDS" --out "$WORK/assume-$tag" \
    --body "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench&DurationSeconds=3600"
done
ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }
measure() {
  local tag=$1 what=$2 gu gs ru rs gu2 gs2 ru2 rs2 out; shift 2
  read -r gu gs < <(ticks "${GW[$tag]}"); read -r ru rs < <(ticks "${RP[$tag]}")
  out=$(wrk -t2 -c"$conns" -d"${dur}s" "$@")
  read -r gu2 gs2 < <(ticks "${GW[$tag]}"); read -r ru2 rs2 < <(ticks "${RP[$tag]}")
  python3 - "$tag" "$what" "$(wrk_rps "$out")" "$(wrk_requests "$out")" \
    "$((gu2 - gu))" "$((gs2 - gs))" "$((ru2 - ru + rs2 - rs))" "$(getconf CLK_TCK)" <<'PY'
import sys
tag, what, rps, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
gu, gs, r, hz = (int(x) for x in sys.argv[5:9])
us = lambda t: t / hz / max(n, 1) * 1e6
print(f"{tag} {what:<7} {rps:>9.0f} req/s   fedgate user {us(gu):5.1f} sys {us(gs):5.1f}   redis {us(r):5.1f}  (µs per request)")
PY
  echo "$(wrk_rps "$out")" >>"$WORK/$tag-$what"
}
for _ in $(seq "$rounds"); do
  for tag in A B; do
    measure "$tag" base "${URL[$tag]}/healthz"
    measure "$tag" assume -s "$WORK/assume-$tag.lua" "${URL[$tag]}/"
  done
done
for tag in A B; do
  python3 - "$tag" "$WORK/$tag-base" "$WORK/$tag-assume" <<'PY'
import sys, statistics as st
b = [float(x) for x in open(sys.argv[2])]; a = [float(x) for x in open(sys.argv[3])]
r = [y / x for x, y in zip(b, a)]
print(f"{sys.argv[1]}: baseline median {st.median(b):.0f} req/s, AssumeRole median {st.median(a):.0f} req/s; "
      f"ratio per round {' '.join(f'{x:.2f}' for x in r)} (median {st.median(r):.2f})")
PY
done
