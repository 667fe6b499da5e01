#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The A/A machinery at a CI size: bench/bench_sim_aa.sh runs the `aa`
# scenario for a few seeds and reports a false-positive rate with its
# interval (the 200-seed figure is `make bench`'s); every p-value is a
# probability; both arms really run the same policy (the decision log);
# the run is deterministic, conserves units and oversells nothing.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d /tmp/ordo-simaa-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/sim/lib_sim.sh"

sim_run aa "$tmp/a" 3 2 150
sim_run aa "$tmp/b" 3 2 150
sim_report "$tmp/a"
sim_report "$tmp/b"
sim_same "$tmp/a" "$tmp/b"
check_summary "$tmp/a/summary.json" && ok || bad "summary of the aa run"
"$ordo" log dump "$tmp/a" 2>/dev/null | python3 -c '
import json, sys
pol = {}
for line in sys.stdin:
    p = json.loads(line).get("payload") or {}
    if p.get("variant"):
        pol.setdefault(p["variant"], set()).add(p["policy"]["name"])
print("policies by variant:", pol)
assert set(pol) == {"control", "treatment"} and pol["control"] == pol["treatment"] == {"cost-optimized"}
' && ok || bad "the arms of the A/A test do not run the same policy"

# the bench's machinery at three seeds (its pass/fail needs 200: ignored)
ORDO_BUILD=$(dirname "$ordo")
JOBS=1 AA_TSV="$tmp/p.tsv" bash "$src/bench/bench_sim_aa.sh" "$ORDO_BUILD" 3 2 100 > "$tmp/aa.out" 2>&1
cat "$tmp/aa.out"
grep -q '^aa headline test   : 3 seeds x 2 days x 100 orders/day, primary KPI on_time_rate: [0-3] false positives at alpha 0.05, rate 0\.[0-9]* (95% Wilson \[' "$tmp/aa.out" &&
    ok || bad "the bench does not report a false-positive rate"
python3 - "$tmp/p.tsv" <<'PY' && ok || bad "p-values of the A/A runs"
import sys
rows = [l.split() for l in open(sys.argv[1])]
assert [int(r[0]) for r in rows] == [1, 2, 3], rows
assert all(0 <= float(r[1]) <= 1 and 0 <= float(r[2]) <= 1 for r in rows), rows
PY

sim_finish sim_aa
