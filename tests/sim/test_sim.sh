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
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
export ORDO_SCENARIOS="$src/data/scenarios"

sim() { # sim DIR SEED DAYS N
    "$ordo" sim --scenario proximity-vs-cost --seed "$2" --days "$3" --orders-per-day "$4" \
        --out "$1" --json > "$1.json" 2> "$1.err" || bad "ordo sim seed $2 exits $?: $(cat "$1.err")"
}

# ---- determinism ----
sim "$tmp/a" 11 2 120
sim "$tmp/b" 11 2 120
sim "$tmp/c" 12 2 120
"$ordo" analyze "$tmp/a" --format json > "$tmp/a.report" 2>/dev/null
"$ordo" analyze "$tmp/b" --format json > "$tmp/b.report" 2>/dev/null
"$ordo" analyze "$tmp/c" --format json > "$tmp/c.report" 2>/dev/null
[ -s "$tmp/a.report" ] && ok || bad "no analysis of the run"
cmp -s "$tmp/a.report" "$tmp/b.report" && ok || bad "same seed, different analysis"
cmp -s "$tmp/a.report" "$tmp/c.report" && bad "another seed, the same analysis" || ok
cmp -s <(grep -v _per_second "$tmp/a/summary.json" | grep -v '"seconds"') \
    <(grep -v _per_second "$tmp/b/summary.json" | grep -v '"seconds"') && ok ||
    bad "same seed, different summary.json"

# ---- the run directory is a data directory ----
"$ordo" log verify "$tmp/a" > /dev/null 2>&1 && ok || bad "ordo log verify of the run fails"
[ -d "$tmp/a/network" ] && ok || bad "the run has no network/"

# ---- conservation and no oversell, in summary.json and the --json line ----
check_summary() {
    python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["orders"] > 0, "no orders"
assert s["units_shipped"] + s["units_backordered"] + s["units_cancelled"] == s["units_ordered"], \
    "not conserved: %r" % s
assert s["oversells"] == 0, "oversold %d units" % s["oversells"]
assert s["units_returned"] <= s["units_shipped"]
assert s["measured"]["orders_per_second"] > 0
PY
}
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
"$ordo" analyze "$tmp/d" --format json > "$tmp/d.report" 2>/dev/null
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

# ---- bad input ----
"$ordo" sim --scenario no-such-scenario --days 1 --out "$tmp/x" > /dev/null 2>&1
[ $? -ne 0 ] && ok || bad "an unknown scenario is not an error"
"$ordo" sim --days 1 --orders-per-day 10 --out "$tmp/a" > /dev/null 2>&1
[ $? -eq 2 ] && ok || bad "a run into an existing data directory is not a usage error"

echo "sim: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
