#!/usr/bin/env bash
# The published load figures (docs/benchmarks.md) in one command, on a release build: every
# action against the constant-response baseline (GET /healthz on the same router and
# runtime) measured in the same run and configuration, on the embedded store and on Redis,
# and on Redis with one and with three replicas.
#
# Actions (each request fully served and checked; throttling off: one principal, one address):
#  - GetCallerIdentity: a POST signed in the Authorization header, as the AWS CLI sends it;
#  - AssumeRole: SigV4, the caller's policies and the role's trust policy, a session minted,
#    stored and audited;
#  - POST /authorize: a service asks about a SigV4-signed caller (warm caches);
#  - AssumeRoleWithWebIdentity: a different RS256 token from a local issuer per request (a
#    pool of distinct tokens, cycled: fedgate keeps no verification cache);
#  - AssumeRoleWithSAML: a different signed response per request (each assertion is spent on
#    first use: the pool, signed beforehand by crates/saml/examples/bench_pool.rs, is dealt out
#    so that no request repeats one, and sized for the run);
#  - console sign-in: POST /console/signin with a sign-in form fetched beforehand (its
#    double-submit presign cookie + field) for one of 2 x connections users, so that no two
#    sign-ins of one user race on its lockout count. The password check is argon2id (19 MiB,
#    2 passes, at most 4 at once per replica) by design: expect tens per second, not thousands.
# Configurations: embedded store, 1 replica; Redis, 1 replica; Redis, 3 replicas (three
# `fedgate serve` on one Redis, the load split over three wrk processes run at once, one per
# replica, and summed; p50/p99 are then the highest of the three). Each configuration starts
# from an empty store. On a 2-core machine wrk, redis-server, the issuer and the replicas
# share the cores: three replicas cannot scale there, and that row shows the cost of
# coordinating through Redis. Redis memory per live session: INFO used_memory delta over the
# sessions the AssumeRole measurement minted (as bench/sts.sh).
# Every measurement counts its failures: wrk's non-2xx/3xx answers, socket errors and
# timeouts, and the audited failures (errorCode, a Deny decision, a failed ConsoleLogin);
# the script exits 1 when any request failed.
#
# Prints progress, then a Markdown table (action x store x replicas: req/s, ratio to the
# baseline, p50, p99, failures), the Redis memory per session, the machine and the exact
# command, ready to paste into docs/benchmarks.md.
#
# Usage: bench/all.sh [seconds=10] [connections=32]
#   BENCH_CONFIGS="embedded:1 redis:1 redis:3" picks configurations; BENCH_SAML_POOL sets the
#   number of SAML responses (default 5000 per second of measurement); BENCH_KEEP=1 keeps the
#   scratch dir (logs, audit logs, wrk outputs).
# Takes 21 measurements x seconds plus the setup: about 6 minutes at the defaults (3.5 min
# of measurement, ~1.5 min signing the SAML pool, ~0.5 min setting up the three
# configurations), plus a release build when the tree changed. A 2-second smoke
# (bench/all.sh 2 8) takes ~1.5 minutes.
# Needs: wrk and redis-server (Debian packages; installed when missing), python3 with venv
# (boto3, cryptography).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
dur=${1:-10}
conns=${2:-32}
configs=${BENCH_CONFIGS:-embedded:1 redis:1 redis:3}
command="bench/all.sh $dur $conns"
[ -z "${BENCH_CONFIGS:-}" ] || command="BENCH_CONFIGS=\"$configs\" $command"
[ "$conns" -ge 3 ] || { echo "connections must be at least 3 (three replicas, one wrk each)" >&2; exit 2; }
t0=$(date +%s)
bench_init cryptography
cargo build --release -q -p fedgate-saml --example bench_pool

account=123456789012
bench_ports 3
all_ports=("${PORTS[@]}")
iport=$(free_ports 1)
issuer=http://127.0.0.1:$iport
password='Bench-passw0rd-for-load!'
users=$((2 * conns))
[ "$users" -ge 8 ] || users=8
role_saml=arn:aws:iam::$account:role/bench-saml
provider=arn:aws:iam::$account:saml-provider/BenchIdP

# Request material shared by every configuration (each starts from an empty store, so the
# same SAML responses are fresh in each): the SAML pool (3 probe responses first), the
# issuer's documents and tokens.
nsaml=${BENCH_SAML_POOL:-$((5000 * dur))}
[ "$nsaml" -ge 2000 ] || nsaml=2000
echo "== signing $nsaml SAML responses and 5000 web identity tokens"
"$CARGO_TARGET_DIR/release/examples/bench_pool" $((nsaml + 3)) "$PUBLIC_URL/saml" "$role_saml" "$provider" "$WORK" >/dev/null
head -n 3 "$WORK/assertions.txt" >"$WORK/saml-probe.txt"
tail -n +4 "$WORK/assertions.txt" >"$WORK/saml-pool.txt"
rm "$WORK/assertions.txt"
"$PY" "$SIGN" oidc-issuer --issuer "$issuer" --dir "$WORK" --tokens 5000 --key tests/fixtures/oidc/rsa2048-1.pk8
bench_bg "$WORK/idp.log" "$PY" -m http.server "$iport" --bind 127.0.0.1 --directory "$WORK/idp"
wait_for "the OIDC issuer" curl -sf "$issuer/jwks"
start_redis

form_prefix() { echo "Action=$1&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A$account%3Arole%2F$2"; }
wi_prefix="$(form_prefix AssumeRoleWithWebIdentity bench-oidc)&RoleSessionName=bench&DurationSeconds=900&WebIdentityToken="
saml_prefix="$(form_prefix AssumeRoleWithSAML bench-saml)&PrincipalArn=arn%3Aaws%3Aiam%3A%3A$account%3Asaml-provider%2FBenchIdP&DurationSeconds=900&SAMLAssertion="

rows=$WORK/rows.tsv
: >"$rows"
mem_notes=()
failed=0

# measure ACTION PATH [LUA [POOL PREFIX]]: one measurement on every replica of the current
# configuration at once; appends a row to $rows.
measure() {
  local action=$1 path=$2 lua=${3:-} pool=${4:-} prefix=${5:-}
  local n=${#URLS[@]} k t c pids=() args before out
  before=$(audit_size "${AUDITS[@]}")
  for k in "${!URLS[@]}"; do
    if [ "$n" -eq 1 ]; then t=2 c=$conns; else t=1 c=$(((conns + n - 1 - k) / n)); fi
    args=(-t"$t" -c"$c" -d"${dur}s")
    [ -z "$lua" ] || args+=(-s "$lua")
    args+=("${URLS[$k]}$path")
    [ -z "$pool" ] || args+=(-- "$pool" "$k" "$n" "$t" "$prefix")
    wrk_run "${args[@]}" >"$WORK/wrk-$store-$n-${action%% *}-$k.txt" 2>&1 &
    pids+=($!)
  done
  for k in "${pids[@]}"; do wait "$k" || true; done
  local rps=0 reqs=0 p50=0 p99=0 errs=0 audited v
  for k in "${!URLS[@]}"; do
    out=$(cat "$WORK/wrk-$store-$n-${action%% *}-$k.txt")
    v=$(wrk_rps "$out")
    [ -n "$v" ] || { echo "wrk failed:" >&2; echo "$out" >&2; exit 1; }
    rps=$(python3 -c "print($rps + $v)")
    reqs=$((reqs + $(wrk_requests "$out")))
    p50=$(python3 -c "print(max($p50, $(wrk_p50 "$out")))")
    p99=$(python3 -c "print(max($p99, $(wrk_p99 "$out")))")
    errs=$((errs + $(wrk_errors "$out")))
  done
  audited=$(audit_failures "$before" "${AUDITS[@]}")
  [ "$errs" -eq 0 ] && [ "$audited" -eq 0 ] || failed=1
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$action" "$store" "$n" "$rps" "$reqs" "$p50" "$p99" "$errs" "$audited" >>"$rows"
  printf '   %-28s %10.0f req/s  p50 %8.2f ms  p99 %8.2f ms  failures: %s HTTP, %s audited\n' \
    "$action" "$rps" "$p50" "$p99" "$errs" "$audited"
}

for cfg in $configs; do
  store=${cfg%%:*}
  replicas=${cfg##*:}
  [ "$replicas" -eq 1 ] || [ "$replicas" -eq 3 ] || { echo "replicas: 1 or 3, not $replicas" >&2; exit 2; }
  [ "$store" = redis ] || [ "$replicas" -eq 1 ] || { echo "the embedded store serves one replica" >&2; exit 2; }
  echo "== $store store, $replicas replica(s): setting up"
  [ "$store" != redis ] || redis-cli -p "$REDIS_PORT" flushall >/dev/null
  gateway_env "$store" "$WORK/$store-$replicas/data"
  PORTS=("${all_ports[@]:0:$replicas}")
  URLS=()
  for p in "${PORTS[@]}"; do URLS+=("http://127.0.0.1:$p"); done
  bench_bootstrap
  start_gateways "$store-$replicas"
  "$PY" "$SIGN" setup --url "$PUBLIC_URL" --creds "$CREDS" --assume-role bench \
    --oidc-role bench-oidc --issuer "$issuer" \
    --saml-role bench-saml --saml-metadata "$WORK/metadata.xml" --saml-provider BenchIdP \
    --console-users "$users" --password "$password"
  "$PY" "$SIGN" signed --url "$PUBLIC_URL" --creds "$CREDS" --out "$WORK/gci" \
    --body "Action=GetCallerIdentity&Version=2011-06-15"
  "$PY" "$SIGN" signed --url "$PUBLIC_URL" --creds "$CREDS" --out "$WORK/assume" \
    --body "$(form_prefix AssumeRole bench)&RoleSessionName=bench&DurationSeconds=3600"
  "$PY" "$SIGN" authorize --url "$PUBLIC_URL" --creds "$CREDS" --out "$WORK/authorize"
  lines=$((4 * users))
  [ "$lines" -ge 256 ] || lines=256
  "$PY" "$SIGN" console-pool --url "$PUBLIC_URL" --account "$account" --users "$users" \
    --password "$password" --lines "$lines" --out "$WORK/console.txt"
  # One request of each kind on every replica: it works there (and the issuer's keys are cached).
  for k in "${!URLS[@]}"; do
    u=${URLS[$k]}
    "$PY" "$SIGN" probe --url "$u" --spec "$WORK/gci.json" --expect "<Arn>arn:aws:iam::$account:user/admin</Arn>"
    "$PY" "$SIGN" probe --url "$u" --spec "$WORK/assume.json" --expect "<AccessKeyId>ASIA"
    "$PY" "$SIGN" probe --url "$u" --spec "$WORK/authorize.json" --expect '"decision":"Allow"'
    "$PY" "$SIGN" probe --url "$u" --body "$wi_prefix$(head -n1 "$WORK/tokens.txt")" --expect "<AccessKeyId>ASIA"
    "$PY" "$SIGN" probe --url "$u" --body "$saml_prefix$(sed -n "$((k + 1))p" "$WORK/saml-probe.txt")" --expect "<AccessKeyId>ASIA"
    line=$(sed -n "$((k + 1))p" "$WORK/console.txt")
    "$PY" "$SIGN" probe --url "$u" --path /console/signin --cookie "${line%%$'\t'*}" --body "${line#*$'\t'}" --expect "/console/home"
  done
  echo "== $store store, $replicas replica(s): ${dur} s each, $conns connections"
  measure "baseline GET /healthz" /healthz
  measure "GetCallerIdentity" / "$WORK/gci.lua"
  if [ "$store" = redis ]; then mem0=$(redis_mem); s0=$(redis_sessions); fi
  measure "AssumeRole" / "$WORK/assume.lua"
  if [ "$store" = redis ]; then
    mem1=$(redis_mem); s1=$(redis_sessions)
    mem_notes+=("$(python3 -c "import sys; d, n = int(sys.argv[1]), int(sys.argv[2]); print(f'{d/max(n,1):,.0f} bytes per session over {n:,} sessions ({sys.argv[3]} replica(s))')" "$((mem1 - mem0))" "$((s1 - s0))" "$replicas")")
  fi
  measure "POST /authorize" /authorize "$WORK/authorize.lua"
  measure "AssumeRoleWithWebIdentity" / "$BENCH_DIR/pool.lua" "$WORK/tokens.txt" "$wi_prefix"
  measure "AssumeRoleWithSAML" / "$BENCH_DIR/pool.lua" "$WORK/saml-pool.txt" "$saml_prefix"
  if cat "$WORK/wrk-$store-$replicas-AssumeRoleWithSAML-"*.txt | grep -q '^pool.lua: thread'; then
    echo "   the SAML pool ran out (responses were sent twice and refused): set BENCH_SAML_POOL above $nsaml" >&2
    failed=1
  fi
  measure "console sign-in" /console/signin "$BENCH_DIR/pool.lua" "$WORK/console.txt"
  bench_stop "${GW_PIDS[@]}"
  [ -n "$BENCH_KEEP" ] || rm -rf "$WORK/$store-$replicas" "${AUDITS[@]}"
done

elapsed=$(($(date +%s) - t0))
echo
echo "Machine: $(machine_line); wrk, redis-server, the OIDC issuer and every replica share the cores."
split=$(python3 -c "import sys; c = int(sys.argv[1]); print('/'.join(str((c + 2 - k) // 3) for k in range(3)))" "$conns")
echo "Command: \`$command\` (release build; $dur s per measurement; one replica: \`wrk -t2 -c$conns\`;"
echo "three replicas: three \`wrk -t1\` at once, $split connections, summed, p50/p99 the highest"
echo "of the three; $(date -u +%Y-%m-%d), whole run ${elapsed} s)."
echo
python3 - "$rows" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
base = {(r[1], r[2]): float(r[3]) for r in rows if r[0].startswith("baseline")}
print("| action | store | replicas | req/s | × baseline | p50 | p99 | failures |")
print("|---|---|---|---|---|---|---|---|")
def ms(v):
    v = float(v)
    return f"{v * 1000:.0f} µs" if v < 1 else f"{v:.2f} ms" if v < 100 else f"{v:,.0f} ms"
for action, store, n, rps, reqs, p50, p99, errs, audited in rows:
    rps = float(rps)
    ratio = rps / base[(store, n)] if base.get((store, n)) else float("nan")
    name = "baseline `GET /healthz`" if action.startswith("baseline") else action
    fail = "0" if errs == "0" and audited == "0" else f"**{errs} HTTP, {audited} audited**"
    print(f"| {name} | {store} | {n} | {rps:,.0f} | {ratio:.3f} | {ms(p50)} | {ms(p99)} | {fail} |")
PY
echo
for m in ${mem_notes[@]+"${mem_notes[@]}"}; do echo "Redis memory per live session: $m."; done
if [ "$failed" -ne 0 ]; then
  echo "some requests failed (see the failures column)" >&2
  exit 1
fi
