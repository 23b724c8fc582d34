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
# Usage: bench/saml.sh [duration-seconds=10] [connections=32] [assertions=40000]
# Needs: wrk and redis-server (Debian packages; installed when missing), python3 with venv
# (boto3 registers the provider).
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10}
conns=${2:-32}
n=${3:-40000}
store=${FEDGATE_BENCH_STORE:-redis}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fedgate-target}
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
command -v wrk >/dev/null || $sudo apt-get install -y -qq wrk >/dev/null
command -v redis-server >/dev/null || $sudo apt-get install -y -qq redis-server >/dev/null
venv=${XDG_CACHE_HOME:-$HOME/.cache}/fedgate-bench/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import boto3' 2>/dev/null || "$venv/bin/pip" install -q boto3

cargo build --release -q
cargo build --release -q -p fedgate-saml --example bench_pool
bin=$CARGO_TARGET_DIR/release/fedgate
work=$(mktemp -d)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port=$(free_port); rport=$(free_port)
pid=; rpid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$rpid" ] && kill $rpid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
url=http://127.0.0.1:$port
role=arn:aws:iam::123456789012:role/bench
provider=arn:aws:iam::123456789012:saml-provider/BenchIdP
echo "== signing $n responses"
"$CARGO_TARGET_DIR/release/examples/bench_pool" "$n" "$url/saml" "$role" "$provider" "$work"

python3 -c 'import secrets;print(secrets.token_hex(32))' > "$work/kek"
export FEDGATE_LISTEN=127.0.0.1:$port FEDGATE_PUBLIC_URL=$url FEDGATE_DATA_DIR=$work/data \
  FEDGATE_LOG__LEVEL=warn FEDGATE_AUDIT__PATH=$work/audit.jsonl FEDGATE_KEK_FILE=$work/kek \
  FEDGATE_THROTTLE__STS_PER_PRINCIPAL_RATE=0 FEDGATE_THROTTLE__STS_PER_IP_RATE=0
if [ "$store" = redis ]; then
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 & rpid=$!
  for _ in $(seq 1 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export FEDGATE_STORE__KIND=redis FEDGATE_STORE__REDIS_URL=redis://127.0.0.1:$rport/0
fi
creds=$("$bin" bootstrap --account-id 123456789012 2>"$work/bootstrap.err") || { cat "$work/bootstrap.err" >&2; exit 1; }
"$bin" serve >"$work/serve.log" 2>"$work/serve.err" & pid=$!
for _ in $(seq 1 100); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done

"$venv/bin/python" - "$url" "$creds" "$work/metadata.xml" <<'PY'
import json, sys, boto3
url, c, md = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"])
iam.create_saml_provider(Name="BenchIdP", SAMLMetadataDocument=open(md).read())
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/BenchIdP"},
         "Action": "sts:AssumeRoleWithSAML",
         "Condition": {"StringEquals": {"SAML:aud": f"{url}/saml"}}}]}
iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(trust))
PY

cat > "$work/saml.lua" <<EOF
local pool = {}
for line in io.lines("$work/assertions.txt") do pool[#pool + 1] = line end
-- One wrk thread walks the pool, so no two requests share an assertion.
local i = 0
local prefix = "Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&PrincipalArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2FBenchIdP&DurationSeconds=900&SAMLAssertion="
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
request = function()
  i = i + 1
  return wrk.format(nil, "/", nil, prefix .. pool[i])
end
EOF
run() { wrk -t1 -c"$conns" -d"${dur}s" --latency "$@" ; }
rps() { echo "$1" | awk '/Requests\/sec/ {print $2}'; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); wrk and redis-server share the cores; store: $store"
echo "== baseline: GET /healthz (constant response, same router and runtime), 1 wrk thread"
base=$(run "$url/healthz"); echo "$base"
echo "== AssumeRoleWithSAML, a different signed response on each request ($n-response pool), 1 wrk thread"
sa=$(run -s "$work/saml.lua" "$url/"); echo "$sa"
done_n=$(echo "$sa" | awk '/requests in/ {print $1}')
python3 -c "import sys; b,a=float(sys.argv[1]),float(sys.argv[2]); print(f'ratio AssumeRoleWithSAML / baseline = {a/b:.3f} ({a:.0f} vs {b:.0f} req/s)')" "$(rps "$base")" "$(rps "$sa")"
errors=$(grep -c '"errorCode":"' "$work/audit.jsonl" 2>/dev/null || true)
echo "audited failures during the run: ${errors:-0} (must be 0)"
[ "$done_n" -lt "$n" ] || { echo "the pool ran out ($done_n requests, $n assertions): give a larger pool" >&2; exit 1; }
if echo "$sa" | grep -q "Non-2xx"; then echo "some requests failed" >&2; grep -m3 errorMessage "$work/audit.jsonl" >&2; exit 1; fi
exit 0
