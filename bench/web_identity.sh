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
# Usage: bench/web_identity.sh [duration-seconds=10] [connections=32] [tokens=20000]
# Needs: wrk and redis-server (Debian packages; installed when missing), python3 with venv
# (boto3 registers the provider; cryptography signs the tokens).
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10}
conns=${2:-32}
ntokens=${3:-20000}
store=${FEDGATE_BENCH_STORE:-redis}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fedgate-target}
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
command -v wrk >/dev/null || $sudo apt-get install -y -qq wrk >/dev/null
command -v redis-server >/dev/null || $sudo apt-get install -y -qq redis-server >/dev/null
venv=${XDG_CACHE_HOME:-$HOME/.cache}/fedgate-bench/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import boto3, cryptography' 2>/dev/null || "$venv/bin/pip" install -q boto3 cryptography

cargo build --release -q
bin=$CARGO_TARGET_DIR/release/fedgate
work=$(mktemp -d)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port=$(free_port); rport=$(free_port); iport=$(free_port)
pid=; rpid=; ipid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$rpid" ] && kill $rpid 2>/dev/null; [ -n "$ipid" ] && kill $ipid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
issuer=http://127.0.0.1:$iport

# The issuer's documents and the token pool.
mkdir -p "$work/idp/.well-known"
"$venv/bin/python" - "$issuer" "$work" "$ntokens" tests/fixtures/oidc/rsa2048-1.pk8 <<'PY'
import base64, json, os, sys, time
from multiprocessing import Pool
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
issuer, work, n, keyfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
key = serialization.load_der_private_key(open(keyfile, "rb").read(), password=None)
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
num = key.public_key().public_numbers()
jwk = {"kty": "RSA", "kid": "bench", "use": "sig", "alg": "RS256",
       "n": b64(num.n.to_bytes((num.n.bit_length() + 7) // 8, "big")), "e": b64(num.e.to_bytes(3, "big"))}
json.dump({"keys": [jwk]}, open(f"{work}/idp/jwks", "w"))
json.dump({"issuer": issuer, "jwks_uri": f"{issuer}/jwks", "response_types_supported": ["id_token"],
           "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"]},
          open(f"{work}/idp/.well-known/openid-configuration", "w"))
header = b64(json.dumps({"alg": "RS256", "kid": "bench", "typ": "JWT"}).encode())
now = int(time.time())
def token(i):
    claims = {"iss": issuer, "sub": f"system:serviceaccount:bench:sa-{i % 100}", "aud": "bench-client",
              "iat": now, "exp": now + 3600, "jti": f"t{i}"}
    inp = f"{header}.{b64(json.dumps(claims).encode())}"
    sig = key.sign(inp.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{inp}.{b64(sig)}"
with Pool(2) as p:
    tokens = p.map(token, range(n), chunksize=500)
open(f"{work}/tokens.txt", "w").write("\n".join(tokens) + "\n")
PY
(cd "$work/idp" && exec "$venv/bin/python" -m http.server "$iport" --bind 127.0.0.1 >"$work/idp.log" 2>&1) & ipid=$!

python3 -c 'import secrets;print(secrets.token_hex(32))' > "$work/kek"
export FEDGATE_LISTEN=127.0.0.1:$port FEDGATE_PUBLIC_URL=http://127.0.0.1:$port FEDGATE_DATA_DIR=$work/data \
  FEDGATE_LOG__LEVEL=warn FEDGATE_AUDIT__PATH=$work/audit.jsonl FEDGATE_KEK_FILE=$work/kek \
  FEDGATE_OIDC__ALLOW_HTTP=true \
  FEDGATE_THROTTLE__STS_PER_PRINCIPAL_RATE=0 FEDGATE_THROTTLE__STS_PER_IP_RATE=0
if [ "$store" = redis ]; then
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 & rpid=$!
  for _ in $(seq 1 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export FEDGATE_STORE__KIND=redis FEDGATE_STORE__REDIS_URL=redis://127.0.0.1:$rport/0
fi
creds=$("$bin" bootstrap --account-id 123456789012 2>"$work/bootstrap.err") || { cat "$work/bootstrap.err" >&2; exit 1; }
"$bin" serve >"$work/serve.log" 2>&1 & pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
for _ in $(seq 1 50); do curl -sf "$issuer/jwks" >/dev/null && break; sleep 0.1; done

"$venv/bin/python" - "http://127.0.0.1:$port" "$creds" "$issuer" <<'PY'
import json, sys, boto3
url, c, issuer = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"])
pid = issuer.split("://", 1)[1]
iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["bench-client"])
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{pid}"},
         "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {f"{pid}:aud": "bench-client"},
                       "StringLike": {f"{pid}:sub": "system:serviceaccount:bench:*"}}}]}
iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(trust))
PY

cat > "$work/wi.lua" <<EOF
local tokens = {}
for line in io.lines("$work/tokens.txt") do tokens[#tokens + 1] = line end
local i = math.random(#tokens)
local prefix = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench&DurationSeconds=900&WebIdentityToken="
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
request = function()
  i = i % #tokens + 1
  return wrk.format(nil, "/", nil, prefix .. tokens[i])
end
EOF
# One request first: it warms the JWKS cache and shows the call works.
first=$(curl -s -X POST "http://127.0.0.1:$port/" -H 'Content-Type: application/x-www-form-urlencoded' \
  --data "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=bench&WebIdentityToken=$(head -n1 "$work/tokens.txt")")
echo "$first" | grep -q "<AccessKeyId>ASIA" || { echo "AssumeRoleWithWebIdentity failed: $first" >&2; exit 1; }

run() { wrk -t2 -c"$conns" -d"${dur}s" --latency "$@" ; }
rps() { echo "$1" | awk '/Requests\/sec/ {print $2}'; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); wrk, the issuer and redis-server share the cores; store: $store"
echo "== baseline: GET /healthz (constant response, same router and runtime)"
base=$(run "http://127.0.0.1:$port/healthz"); echo "$base"
echo "== AssumeRoleWithWebIdentity, a different RS256 token on each request ($ntokens-token pool)"
wi=$(run -s "$work/wi.lua" "http://127.0.0.1:$port/"); echo "$wi"
python3 -c "import sys; b,a=float(sys.argv[1]),float(sys.argv[2]); print(f'ratio AssumeRoleWithWebIdentity / baseline = {a/b:.2f} ({a:.0f} vs {b:.0f} req/s)')" "$(rps "$base")" "$(rps "$wi")"
errors=$(grep -c '"errorCode":"' "$work/audit.jsonl" 2>/dev/null || true)
echo "audited failures during the run: ${errors:-0} (must be 0); JWKS fetches by fedgate: $(grep -c 'GET /jwks' "$work/idp.log" || true) (the curl check above made one more)"
echo "$wi" | grep -q "Non-2xx" && { echo "some requests failed" >&2; exit 1; }
exit 0
