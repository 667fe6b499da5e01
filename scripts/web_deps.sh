#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the dashboard's npm packages (web/package-lock.json: d3-geo,
# topojson-client, us-atlas, and playwright-core for its browser test) into
# web/node_modules with `npm ci`, when they are missing or older than the lock
# file. Called by scripts/deps.sh and, on a fresh checkout, by CMake.
set -euo pipefail
web=$(cd "$(dirname "$0")/../web" && pwd)
# npm writes node_modules/.package-lock.json on every install
if [ -f "$web/node_modules/.package-lock.json" ] &&
   [ ! "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "web_deps: npm not found: run scripts/deps.sh (Debian's nodejs and npm)" >&2
  exit 1
fi
echo "web_deps: npm ci in $web" >&2
cd "$web"
npm ci --no-audit --no-fund --loglevel=error
