#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every source file of ordo names its licence in an SPDX line near its top,
# and the licence it names is the one in LICENSE.
set -euo pipefail
src=${ORDO_SOURCE_DIR:?}
cd "$src"
grep -q "Apache License" LICENSE && grep -q "Version 2.0" LICENSE || {
  echo "FAIL: LICENSE is not the Apache License 2.0" >&2; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files -- '*.c' '*.h' '*.S' '*.sh' '*.py' '*.js' 'CMakeLists.txt' 'Makefile' '.ci/run' \
          | grep -v -e '^tests/fixtures/' -e '^docs/examples/' || true)
else
  files=$(find src include tests bench tools scripts fuzz -type f \
          \( -name '*.c' -o -name '*.h' -o -name '*.S' -o -name '*.sh' -o -name '*.py' -o -name '*.js' \) \
          -not -path 'tests/fixtures/*' 2>/dev/null; echo CMakeLists.txt; echo Makefile)
fi
n=0; missing=0
for f in $files; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  if ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0'; then
    echo "missing SPDX line: $f" >&2
    missing=$((missing + 1))
  fi
done
[ "$n" -gt 100 ] || { echo "FAIL: only $n source files found" >&2; exit 1; }
[ "$missing" -eq 0 ] || { echo "FAIL: $missing of $n files lack 'SPDX-License-Identifier: Apache-2.0'" >&2; exit 1; }
echo "ok: $n files carry the SPDX line"
