#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The module graph points one way: includes and linked symbols follow the
# edges CMakeLists.txt states, and those edges respect DESIGN's "must not".
# Runs in the build directory (ctest's working directory).
set -euo pipefail
src=${ORDO_SOURCE_DIR:?}
python3 "$src/tools/build/check_modules.py" "$src" "$PWD"

# The check must be able to fail: a copy of the tree with one forbidden edge
# (stats using core's JSON writer) is refused.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/stats" "$tmp/src/core"
cp "$src/CMakeLists.txt" "$tmp/"
printf '#include "ordo/json.h"\n' > "$tmp/src/stats/bad.c"
if python3 "$src/tools/build/check_modules.py" "$tmp" > "$tmp/out" 2>&1; then
  echo "FAIL: a stats file including ordo/json.h passed the module check" >&2
  cat "$tmp/out" >&2
  exit 1
fi
grep -q "module stats includes ordo/json.h" "$tmp/out" || { cat "$tmp/out" >&2; exit 1; }
echo "ok: the module check refuses a forbidden include"

# ... and a public header that names cJSON.
mkdir -p "$tmp/include/ordo"
printf 'struct cJSON;\nint ordo_x(const struct cJSON *v);\n' > "$tmp/include/ordo/x.h"
rm -f "$tmp/src/stats/bad.c"
if python3 "$src/tools/build/check_modules.py" "$tmp" > "$tmp/out" 2>&1; then
  echo "FAIL: a public header naming cJSON passed the module check" >&2
  exit 1
fi
grep -q "include/ordo/x.h:1: public header names cJSON" "$tmp/out" || { cat "$tmp/out" >&2; exit 1; }
echo "ok: the module check refuses a library type in a public header"
