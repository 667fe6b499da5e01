#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The switchback machinery at a CI size: a switchback run assigns whole
# regions per window (decision records carry cluster and window, and one
# cluster × window has one arm); --all-arm runs every order under one
# policy; bench/bench_sim_switchback.sh runs the four worlds and reports the
# bias of both estimates against the true effect; runs are deterministic,
# conserve units and oversell nothing.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d /tmp/ordo-simsb-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/sim/lib_sim.sh"

sim_run switchback "$tmp/a" 2 2 200
sim_run switchback "$tmp/b" 2 2 200
sim_report "$tmp/a"
sim_report "$tmp/b"
sim_same "$tmp/a" "$tmp/b"
check_summary "$tmp/a/summary.json" && ok || bad "summary of the switchback run"

# policies by (cluster, window), and by variant
by_unit() { # by_unit DIR: checks the log; prints what it saw
    "$ordo" log dump "$1" 2>/dev/null | python3 -c '
import json, sys
cells, pol = {}, {}
for line in sys.stdin:
    p = json.loads(line).get("payload") or {}
    if not p.get("variant"):
        continue
    pol.setdefault(p["variant"], set()).add(p["policy"]["name"])
    if "cluster" in p:
        cells.setdefault((p["cluster"], p.get("window")), set()).add(p["variant"])
mixed = [c for c, v in cells.items() if len(v) > 1]
print("variants:", {k: sorted(v) for k, v in pol.items()}, "cells:", len(cells), "mixed:", mixed[:3])
json.dump({"cells": len(cells), "mixed": len(mixed),
           "policies": {k: sorted(v) for k, v in pol.items()}}, open(sys.argv[1], "w"))
' "$1.units"
}
by_unit "$tmp/a"
python3 - "$tmp/a.units" <<'PY' && ok || bad "switchback decisions are not one arm per region and window"
import json, sys
u = json.load(open(sys.argv[1]))
assert u["cells"] >= 8 and u["mixed"] == 0, u
assert u["policies"] == {"control": ["cost-optimized"], "treatment": ["proximity-first"]}, u
PY
sim_run switchback "$tmp/t" 2 2 200 --all-arm treatment
by_unit "$tmp/t"
python3 - "$tmp/t.units" <<'PY' && ok || bad "--all-arm treatment does not run every order under the treatment"
import json, sys
u = json.load(open(sys.argv[1]))
assert u["policies"] == {"control": ["proximity-first"], "treatment": ["proximity-first"]}, u
PY
grep -q '"all_arm": "treatment"' "$tmp/t/summary.json" && ok || bad "summary.json does not say all_arm"
"$ordo" sim --scenario switchback --days 1 --orders-per-day 10 --out "$tmp/x" --all-arm nope \
    > /dev/null 2>&1 && bad "an unknown --all-arm variant is not an error" || ok

# the bench at two seeds
JOBS=1 SB_JSON="$tmp/sb.json" bash "$src/bench/bench_sim_switchback.sh" "$(dirname "$ordo")" 2 2 150 \
    > "$tmp/sb.out" 2>&1 || bad "bench_sim_switchback fails: $(tail -5 "$tmp/sb.out")"
cat "$tmp/sb.out"
python3 - "$tmp/sb.json" <<'PY' && ok || bad "the switchback bench's figures"
import json, math, sys
j = json.load(open(sys.argv[1]))
assert j["seeds"] == 2 and len(j["runs"]) == 2
for m in ("on_time_rate", "cost_per_order"):
    for d in ("order-randomized", "switchback"):
        assert math.isfinite(j["bias"][m][d]["mean"]), (m, d)
    for r in j["runs"]:
        assert all(math.isfinite(r[m][k]) for k in ("truth", "order", "switchback")), r
PY

sim_finish sim_switchback
