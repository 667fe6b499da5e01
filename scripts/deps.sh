#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages ordo needs to build and test (and, with the
# argument fuzz, to fuzz). Idempotent: when everything is present it only
# asks dpkg and returns at once.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcjson-dev libsodium-dev libxxhash-dev libsqlite3-dev libzstd-dev libcbor-dev
  libcmocka-dev
  tzdata         # /usr/share/zoneinfo: node cutoffs and customer dates in local time
  python3        # the black-box CLI tests read JSON and SVG with its standard library
  libmicrohttpd-dev     # ordo serve's HTTP server (docs/internals/SERVER.md)
  libh2o-evloop-dev     # bench_http_bare: the other candidate, measured beside it
  libcurl4-openssl-dev  # the black-box API tests (tests/server)
  wrk                   # bench/bench_serve.sh
  coinor-libclp-dev     # the transportation LP in src/model (COIN-OR CLP, EPL)
  libpq-dev             # store.backend = postgres (docs/internals/STORE.md)
  postgresql            # tests/store/test_pg*.sh start a throw-away server
)
# `scripts/deps.sh fuzz` (make fuzz): the libFuzzer targets need clang.
if [ "${1:-}" = fuzz ]; then
  packages+=(clang libfuzzer-14-dev)
fi
# The dashboard (web/, docs/dashboard.md): npm installs its JavaScript
# packages (scripts/web_deps.sh), chromium runs its browser test. A Node.js
# that is already installed (with its npm) is kept.
packages+=(chromium)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exec bash "$(dirname "$0")/web_deps.sh"

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
exec bash "$(dirname "$0")/web_deps.sh"
