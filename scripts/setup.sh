#!/usr/bin/env bash
# Installs what building and testing fedgate needs on Debian/Ubuntu, skipping what is there:
# a C toolchain and pkg-config, OpenSSL/libclang/libxml2/xmlsec headers (SAML federation,
# the next milestones, links xmlsec), redis-server (the Redis backend's tests start their own), libfaketime
# (scripts/cli-walkthrough.sh moves the clock), curl (health checks), chromium and chromium-driver
# (the console's browser tests drive headless Chromium over WebDriver), and python3-venv when
# python3 cannot make a venv.
set -euo pipefail
pkgs=(build-essential pkg-config libssl-dev clang libclang-dev libxml2-dev libxslt1-dev libxmlsec1-dev redis-server libfaketime curl chromium chromium-driver)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3 with venv: the shared contract smoke test installs the AWS CLI into a venv.
python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust (rustup) first" >&2; exit 1; }
