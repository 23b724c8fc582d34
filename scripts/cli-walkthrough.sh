#!/usr/bin/env bash
# Temporary access through the stock AWS CLI, end to end against a release build of fedgate:
#  1. an admin makes a role for a device and a user for a person (aws iam ...);
#  2. the device assumes the role and uses the credentials (aws sts assume-role, then
#     get-caller-identity and iam list-roles with them);
#  3. the person gets session credentials for their own key (aws sts get-session-token);
#  4. the admin revokes the role's active sessions (AWS's AWSRevokeOlderSessions inline
#     deny): the device's credentials are refused at once, freshly assumed ones work;
#  5. sixteen minutes later every 900-second credential is refused with ExpiredToken.
# Step 5 moves the clock of the gateway and of the CLI together with libfaketime (the
# gateway reads wall-clock time through libc; monotonic time is left alone), so nothing
# waits. Prints one line per check and "walkthrough: N passed, M failed"; exits non-zero on
# any failure.
#
# Usage: scripts/cli-walkthrough.sh   (needs python3 with venv; libfaketime is installed
# by scripts/setup.sh; the AWS CLI goes into a cache venv on first use)
set -u
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fedgate-target}
pass=0 fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
finish() { echo "walkthrough: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

venv=${XDG_CACHE_HOME:-$HOME/.cache}/fedgate-contract/venv
if [ ! -x "$venv/bin/aws" ]; then
  mkdir -p "$(dirname "$venv")" && python3 -m venv "$venv" >/dev/null && "$venv/bin/pip" install -q awscli >/dev/null \
    || { bad "could not install awscli into $venv"; finish; }
fi
faketime_lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1 2>/dev/null | head -n1)
[ -n "$faketime_lib" ] || { bad "libfaketime not installed (scripts/setup.sh installs it)"; finish; }
cargo build --release -q || { bad "cargo build --release"; finish; }
bin=$CARGO_TARGET_DIR/release/fedgate

work=$(mktemp -d)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
url=http://127.0.0.1:$port
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# Both the gateway and every CLI call read the offset in this file on each clock read.
echo "+0" >"$work/offset"
export FAKETIME_TIMESTAMP_FILE=$work/offset FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1
faked() { LD_PRELOAD=$faketime_lib "$@"; }

export FEDGATE_LISTEN=127.0.0.1:$port FEDGATE_PUBLIC_URL=$url FEDGATE_DATA_DIR=$work/data FEDGATE_LOG__LEVEL=warn
admin=$("$bin" bootstrap --account-id 123456789012 2>"$work/bootstrap.err") || { bad "bootstrap: $(cat "$work/bootstrap.err")"; finish; }
# Not through faked(): a backgrounded function is a subshell, and killing it would leave the
# server running.
LD_PRELOAD=$faketime_lib "$bin" serve >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$url/healthz" >/dev/null || { bad "fedgate did not start: $(tail -5 "$work/serve.log")"; finish; }

field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# The stock CLI as someone: `aws_as KEY SECRET TOKEN args...` (TOKEN "" for a long-term key;
# region and endpoint fixed; no retries; on the moved clock).
aws_as() {
  local key=$1 secret=$2 token=$3
  shift 3
  local t=(-u AWS_SESSION_TOKEN)
  [ -z "$token" ] || t=(AWS_SESSION_TOKEN="$token")
  env -u AWS_PROFILE "${t[@]}" AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" \
    AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    LD_PRELOAD=$faketime_lib "$venv/bin/aws" --endpoint-url "$url" --output json "$@"
}
ak=$(echo "$admin" | field 'd["AccessKeyId"]')
sk=$(echo "$admin" | field 'd["SecretAccessKey"]')
admin_aws() { aws_as "$ak" "$sk" "" "$@"; }
# Expect an error code from a failing call: `refused CODE label -- call...`.
refused() {
  local code=$1 label=$2
  shift 2
  local out
  if out=$("$@" 2>&1); then
    bad "$label: accepted, expected $code"
  elif echo "$out" | grep -q "($code)"; then
    ok "$label: $code"
  else
    bad "$label: expected $code, got: $(echo "$out" | tail -1)"
  fi
}

# 1. The admin's set-up.
trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'
reader='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles"],"Resource":"*"}]}'
if admin_aws iam create-role --role-name device-reader --assume-role-policy-document "$trust" >/dev/null &&
  admin_aws iam put-role-policy --role-name device-reader --policy-name read --policy-document "$reader" &&
  admin_aws iam create-user --user-name alice >/dev/null &&
  admin_aws iam put-user-policy --user-name alice --policy-name read --policy-document "$reader"; then
  ok "admin creates role device-reader and user alice"
else
  bad "admin set-up"
  finish
fi
alice=$(admin_aws iam create-access-key --user-name alice) || { bad "create-access-key alice"; finish; }
alice_k=$(echo "$alice" | field 'd["AccessKey"]["AccessKeyId"]')
alice_s=$(echo "$alice" | field 'd["AccessKey"]["SecretAccessKey"]')

# 2. The device assumes the role and uses the credentials.
assume() {
  admin_aws sts assume-role --role-arn arn:aws:iam::123456789012:role/device-reader \
    --role-session-name "$1" --duration-seconds 900
}
creds() { echo "$1" | field "' '.join(d['Credentials'][k] for k in ('AccessKeyId','SecretAccessKey','SessionToken'))"; }
if out=$(assume device-1) && read -r dk ds dt <<<"$(creds "$out")" && [[ $dk == ASIA* ]]; then
  ok "sts assume-role returns ASIA… credentials for 900 s"
else
  bad "sts assume-role: $out"
  finish
fi
arn=$(aws_as "$dk" "$ds" "$dt" sts get-caller-identity | field 'd["Arn"]')
[ "$arn" = "arn:aws:sts::123456789012:assumed-role/device-reader/device-1" ] &&
  ok "sts get-caller-identity with them: $arn" || bad "get-caller-identity as the device: $arn"
aws_as "$dk" "$ds" "$dt" iam list-roles >/dev/null && ok "iam list-roles with them (the role's policy)" ||
  bad "iam list-roles as the device"
refused AccessDenied "iam list-users with them (not in the role's policy)" aws_as "$dk" "$ds" "$dt" iam list-users

# 3. Alice's session credentials.
if out=$(aws_as "$alice_k" "$alice_s" "" sts get-session-token --duration-seconds 900) &&
  read -r uk us ut <<<"$(creds "$out")"; then
  arn=$(aws_as "$uk" "$us" "$ut" sts get-caller-identity | field 'd["Arn"]')
  [ "$arn" = "arn:aws:iam::123456789012:user/alice" ] && ok "sts get-session-token, then used: $arn" ||
    bad "get-caller-identity with alice's session: $arn"
else
  bad "sts get-session-token: $out"
fi

# 4. Revocation: deny everything to sessions issued before now (AWS's own recipe).
sleep 1
now=$(LD_PRELOAD=$faketime_lib date -u +%Y-%m-%dT%H:%M:%SZ)
revoke="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"*\"],\"Resource\":[\"*\"],\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"$now\"}}}]}"
sleep 1
admin_aws iam put-role-policy --role-name device-reader --policy-name AWSRevokeOlderSessions --policy-document "$revoke" &&
  ok "admin revokes the role's active sessions" || bad "put-role-policy AWSRevokeOlderSessions"
refused AccessDenied "the revoked credentials" aws_as "$dk" "$ds" "$dt" iam list-roles
if out=$(assume device-1) && read -r nk ns nt <<<"$(creds "$out")" &&
  aws_as "$nk" "$ns" "$nt" iam list-roles >/dev/null; then
  ok "credentials assumed after the revocation work"
else
  bad "assume-role after the revocation: $out"
fi

# 5. Sixteen minutes later (gateway and CLI clocks moved together).
echo "+16m" >"$work/offset"
refused ExpiredToken "the role credentials after 16 minutes" aws_as "$nk" "$ns" "$nt" sts get-caller-identity
refused ExpiredToken "alice's session credentials after 16 minutes" aws_as "$uk" "$us" "$ut" sts get-caller-identity
if out=$(assume device-2) && read -r fk fs ft <<<"$(creds "$out")" &&
  aws_as "$fk" "$fs" "$ft" sts get-caller-identity >/dev/null; then
  ok "a fresh assume-role works again"
else
  bad "assume-role after the expiry: $out"
fi
finish
