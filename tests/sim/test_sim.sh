#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo sim, black box: the same seed gives the same analysis byte for byte;
# units are conserved (shipped + backordered + cancelled = ordered); nothing
# is oversold; the run directory reads like production data (analyze, log
# verify); and at a CI size proximity-vs-cost moves as the scenario says:
# on-time rate up and cost per order up under proximity-first.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d /tmp/ordo-sim-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/sim/lib_sim.sh"

sim() { sim_run proximity-vs-cost "$@"; } # sim DIR SEED DAYS N

# ---- determinism ----
sim "$tmp/a" 11 2 120
sim "$tmp/b" 11 2 120
sim "$tmp/c" 12 2 120
sim_report "$tmp/a"
sim_report "$tmp/b"
sim_report "$tmp/c"
sim_same "$tmp/a" "$tmp/b"
cmp -s "$tmp/a.report" "$tmp/c.report" && bad "another seed, the same analysis" || ok

# ---- the run directory is a data directory ----
"$ordo" log verify "$tmp/a" > /dev/null 2>&1 && ok || bad "ordo log verify of the run fails"
[ -d "$tmp/a/network" ] && ok || bad "the run has no network/"

# ---- conservation and no oversell, in summary.json and the --json line ----
for r in a c; do
    check_summary "$tmp/$r/summary.json" && ok || bad "summary of run $r"
    check_summary "$tmp/$r.json" && ok || bad "--json summary of run $r"
done
# the check can fail
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["units_shipped"]+=1; json.dump(s,open(sys.argv[2],"w"))' \
    "$tmp/a/summary.json" "$tmp/broken.json"
check_summary "$tmp/broken.json" 2>/dev/null && bad "conservation check cannot fail" || ok

# ---- direction of proximity-vs-cost at a CI size ----
sim "$tmp/d" 5 5 1000
sim_report "$tmp/d"
python3 - "$tmp/d.report" <<'PY' && ok || bad "proximity-vs-cost moved the wrong way"
import json, sys
j = json.load(open(sys.argv[1]))
est = {}
for m in j["metrics"]:
    if m["name"] in ("on_time_rate", "cost_per_order"):
        c = m["comparisons"][0]
        d = c["cuped"]["difference"] if c.get("analysis") == "cuped" else c["difference"]
        est[m["name"]] = d["estimate"]
print("treatment - control:", est)
assert est["on_time_rate"] > 0, "on-time rate did not go up"
assert est["cost_per_order"] > 0, "cost per order did not go up"
PY

# ---- progress: a bar on a terminal's stderr, nothing otherwise ----
[ -s "$tmp/a.err" ] && bad "progress written to a stderr that is not a terminal: $(head -c 200 "$tmp/a.err")" || ok
if command -v script > /dev/null; then
    script -qfec "'$ordo' sim --days 2 --orders-per-day 300 --seed 3 --out '$tmp/p'" /dev/null \
        > "$tmp/p.tty" 2>&1
    tr '\r' '\n' < "$tmp/p.tty" | grep -aq 'day 2/2 (2026-09-08)  [0-9]* orders  [0-9]*/s  ETA' &&
        ok || bad "no progress bar on a terminal: $(head -c 300 "$tmp/p.tty")"
fi

# ---- bad input ----
"$ordo" sim --scenario no-such-scenario --days 1 --out "$tmp/x" > /dev/null 2>&1
[ $? -ne 0 ] && ok || bad "an unknown scenario is not an error"
"$ordo" sim --days 1 --orders-per-day 10 --out "$tmp/a" > /dev/null 2>&1
[ $? -eq 2 ] && ok || bad "a run into an existing data directory is not a usage error"

sim_finish sim
