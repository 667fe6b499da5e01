#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# No function in src/ passes 100 lines, and the check can fail.
set -euo pipefail
src=${ORDO_SOURCE_DIR:?}
python3 "$src/tools/build/check_function_length.py" "$src" 100
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/src" "$tmp/src"
{ printf 'int ordo_too_long(void)\n{\n    int x = 0;\n'
  for i in $(seq 1 120); do printf '    x += %d;\n' "$i"; done
  printf '    return x;\n}\n'; } > "$tmp/src/core/too_long.c"
if python3 "$src/tools/build/check_function_length.py" "$tmp" 100 > "$tmp/out"; then
  echo "FAIL: a 125-line function passed the length check" >&2; exit 1
fi
grep -q "ordo_too_long is 125 lines" "$tmp/out" || { cat "$tmp/out" >&2; exit 1; }
echo "ok: the length check refuses a long function"
