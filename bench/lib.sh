# Shared parts of the load benchmarks in bench/ (bash functions; source it, do not run it).
# The scripts that use it: load.sh, sts.sh, saml.sh, web_identity.sh and all.sh. Request
# material (signed requests, IAM setup, web identity tokens, console sign-ins) comes from
# bench/sign.py, run with $PY; pool-driven requests go through bench/pool.lua.
#
#   bench_init [pip-package ...]   cd to the repository, CARGO_TARGET_DIR (default
#                                  ~/.cache/fedgate-target), wrk and redis-server installed when
#                                  missing, the python venv with boto3 (+ the packages named) as
#                                  $PY, the release build as $BIN, a scratch dir $WORK; at exit
#                                  everything started with bench_bg is stopped and $WORK removed.
#   bench_bg LOG CMD ...           start CMD in the background (output to LOG), remembered for
#                                  the exit; its pid in $BG_PID.
#   bench_stop PID ...             stop processes started with bench_bg, and wait for them.
#   free_ports N                   N distinct free loopback ports, one a line.
#   wait_for WHAT CMD ...          retry CMD for up to 10 s; fail naming WHAT.
#   start_redis                    a throwaway redis-server (no persistence): $REDIS_PORT, $REDIS_URL.
#   redis_mem / redis_sessions     Redis used_memory (bytes); live STS sessions (keys).
#   gateway_env STORE DATA_DIR     export the gateway settings of a benchmark run: store
#                                  (embedded|redis; redis needs start_redis), data dir, a shared
#                                  KEK, warn-level logs, STS throttles off (one principal from
#                                  one address at these rates is what they exist to refuse),
#                                  plain-http OIDC issuers allowed.
#   bench_ports N                  pick N gateway ports: $PORTS, $URLS; $PUBLIC_URL (the first
#                                  one) is every replica's public URL, as behind a load balancer.
#   bench_bootstrap                `fedgate bootstrap` of account 123456789012: the admin's key in $CREDS.
#   start_gateways TAG             one `fedgate serve` per port in $PORTS (audit log
#                                  $WORK/TAG-audit-K.jsonl, output $WORK/TAG-serve-K.log), each
#                                  waited for; pids in $GW_PIDS, audit logs in $AUDITS.
#   wrk_run WRK-ARGS ...           wrk with --latency (and a 10 s request timeout).
#   wrk_rps / wrk_requests / wrk_p50 / wrk_p99 / wrk_errors  OUTPUT
#                                  fields of wrk's output: req/s, requests, p50 and p99 in ms,
#                                  failed requests (non-2xx/3xx answers + socket errors).
#   audit_size FILE ...            the audit logs' sizes now (to count from, see audit_failures).
#   audit_failures SIZES FILE ...  audited failures written since SIZES: events with an
#                                  errorCode, a Deny decision or a failed ConsoleLogin.
#   machine_line                   "N cores, CPU model".

# shellcheck shell=bash disable=SC2034  # (variables set here are for the sourcing script)
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_PIDS=()
BENCH_KEEP=${BENCH_KEEP:-}

bench_cleanup() {
  local p
  for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${BENCH_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "${WORK:-}" ] && [ -z "$BENCH_KEEP" ]; then rm -rf "$WORK"; fi
}

bench_init() {
  cd "$BENCH_DIR/.." || return 1
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fedgate-target}
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  command -v wrk >/dev/null || $sudo apt-get install -y -qq wrk >/dev/null
  command -v redis-server >/dev/null || $sudo apt-get install -y -qq redis-server >/dev/null
  local venv=${XDG_CACHE_HOME:-$HOME/.cache}/fedgate-bench/venv
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  PY=$venv/bin/python
  local imports="boto3" pkg
  for pkg in "$@"; do imports="$imports, $pkg"; done
  "$PY" -c "import $imports" 2>/dev/null || "$venv/bin/pip" install -q boto3 "$@"
  SIGN="$BENCH_DIR/sign.py"
  cargo build --release -q
  BIN=$CARGO_TARGET_DIR/release/fedgate
  WORK=$(mktemp -d)
  trap bench_cleanup EXIT
}

bench_bg() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  BG_PID=$!
  BENCH_PIDS+=("$BG_PID")
}

bench_stop() {
  local p q keep
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
  for p in "$@"; do
    keep=()
    for q in "${BENCH_PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
    BENCH_PIDS=("${keep[@]}")
  done
}

free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
for s in socks: print(s.getsockname()[1])' "$1"
}

wait_for() {
  local what=$1 _
  shift
  for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "$what did not come up" >&2
  return 1
}

start_redis() {
  REDIS_PORT=$(free_ports 1)
  mkdir -p "$WORK/redis"
  bench_bg "$WORK/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis"
  wait_for redis-server redis-cli -p "$REDIS_PORT" ping
  REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
}

redis_mem() { redis-cli -p "$REDIS_PORT" info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r'; }
redis_sessions() { redis-cli -p "$REDIS_PORT" --scan --pattern '{fedgate}:r:session/*' | wc -l; }

gateway_env() {
  local store=$1 data=$2
  [ -f "$WORK/kek" ] || python3 -c 'import secrets;print(secrets.token_hex(32))' >"$WORK/kek"
  export FEDGATE_DATA_DIR=$data FEDGATE_LOG__LEVEL=warn FEDGATE_KEK_FILE=$WORK/kek \
    FEDGATE_THROTTLE__STS_PER_PRINCIPAL_RATE=0 FEDGATE_THROTTLE__STS_PER_IP_RATE=0 \
    FEDGATE_OIDC__ALLOW_HTTP=true
  # fedgate reads every FEDGATE_* variable as configuration and refuses unknown ones: the
  # scripts' own switch must not reach it.
  unset FEDGATE_BENCH_STORE
  if [ "$store" = redis ]; then
    export FEDGATE_STORE__KIND=redis FEDGATE_STORE__REDIS_URL=$REDIS_URL
  else
    unset FEDGATE_STORE__KIND FEDGATE_STORE__REDIS_URL
  fi
}

bench_ports() {
  mapfile -t PORTS < <(free_ports "$1")
  URLS=()
  local p
  for p in "${PORTS[@]}"; do URLS+=("http://127.0.0.1:$p"); done
  PUBLIC_URL=${URLS[0]}
  export FEDGATE_PUBLIC_URL=$PUBLIC_URL
}

bench_bootstrap() {
  CREDS=$("$BIN" bootstrap --account-id 123456789012 2>"$WORK/bootstrap.err") || { cat "$WORK/bootstrap.err" >&2; return 1; }
}

start_gateways() {
  local tag=$1 k
  GW_PIDS=()
  AUDITS=()
  for k in "${!PORTS[@]}"; do
    AUDITS+=("$WORK/$tag-audit-$k.jsonl")
    bench_bg "$WORK/$tag-serve-$k.log" env FEDGATE_LISTEN="127.0.0.1:${PORTS[$k]}" \
      FEDGATE_AUDIT__PATH="$WORK/$tag-audit-$k.jsonl" "$BIN" serve
    GW_PIDS+=("$BG_PID")
  done
  for k in "${!PORTS[@]}"; do
    wait_for "fedgate serve on ${URLS[$k]}" curl -sf "${URLS[$k]}/healthz" ||
      { cat "$WORK/$tag-serve-$k.log" >&2; return 1; }
  done
}

wrk_run() { wrk --latency --timeout 10s "$@"; }
wrk_rps() { awk '/Requests\/sec/ {print $2}' <<<"$1"; }
wrk_requests() { awk '/requests in/ {print $1}' <<<"$1"; }
# A latency in wrk's units (us, ms, s, m) in milliseconds.
wrk_ms() {
  awk -v q="$2" '$1 == q {
    v = $2; u = v; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1
    printf "%.3f\n", v * f }' <<<"$1"
}
wrk_p50() { wrk_ms "$1" "50%"; }
wrk_p99() { wrk_ms "$1" "99%"; }
wrk_errors() {
  awk '/Non-2xx or 3xx responses:/ {n += $NF}
       /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
       END {print n + 0}' <<<"$1"
}

audit_size() {
  local f
  for f in "$@"; do stat -c %s "$f" 2>/dev/null || echo 0; done | paste -sd' '
}

audit_failures() {
  local sizes n=0 k=0 f c
  read -ra sizes <<<"$1"
  shift
  for f in "$@"; do
    c=$(tail -c +"$((${sizes[$k]:-0} + 1))" "$f" 2>/dev/null |
      grep -cE '"errorCode":"|"decision":"Deny"|"ConsoleLogin":"Failure"' || true)
    n=$((n + ${c:-0}))
    k=$((k + 1))
  done
  echo "$n"
}

machine_line() { echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"; }
