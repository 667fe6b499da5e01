#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo sim, the world's stock (docs/internals/SIM.md "True and recorded
# stock"): with store shelves that go missing, picks come up short, the
# store's count corrects the recorded stock (a snapshot through the
# inventory interface), the short lines are decided again as "<id>-r"
# orders; replenishment arrives; units stay conserved, nothing is oversold,
# every reservation is settled at the end, and the run stays deterministic.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d /tmp/ordo-simworld-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# the demo's scenario with shelves that go missing often
python3 - "$src/data/scenarios/proximity-vs-cost.json" "$tmp/dusty.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["name"] = "dusty"
s["stock"] = {"shrink_per_day": 0.01, "miscount_per_day": 0.05, "phantom_per_day": 0.08,
              "pick_wave_hours": 3,
              "replenish": {"dc": ["mon"], "store": ["tue", "fri"], "up_to": 1.0}}
json.dump(s, open(sys.argv[2], "w"))
PY

sim() { # sim DIR SEED [SCENARIO]
    "$ordo" sim --scenario "${3:-$tmp/dusty.json}" --seed "$2" --days 4 --orders-per-day 300 \
        --out "$1" --json > "$1.json" 2> "$1.err" || bad "ordo sim seed $2 exits $?: $(cat "$1.err")"
}
sim "$tmp/a" 3
sim "$tmp/b" 3

python3 - "$tmp/a/summary.json" <<'PY' && ok || bad "the world's stock counters"
import json, sys
s = json.load(open(sys.argv[1]))
print({k: s[k] for k in ("short_picks", "reroutes", "cycle_counts", "units_short_cancelled",
                         "units_shrunk", "units_replenished")})
assert s["units_shipped"] + s["units_backordered"] + s["units_cancelled"] == s["units_ordered"], s
assert s["oversells"] == 0, s
assert s["short_picks"] > 0, "no short pick"
assert s["reroutes"] > 0, "no reroute"
assert s["cycle_counts"] > 0, "no cycle count"
assert s["units_shrunk"] > 0 and s["units_replenished"] > 0, s
assert s["units_short"] >= s["short_picks"]
assert s["units_short_cancelled"] <= s["units_short"]
PY

# the recorded stock: every reservation settled, counted cells re-dated
"$ordo" inventory show --data "$tmp/a" --json > "$tmp/a.inv" 2>/dev/null
python3 - "$tmp/a.inv" "$tmp/a/summary.json" <<'PY' && ok || bad "the recorded stock after the run"
import json, sys
inv = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
assert inv["totals"]["held_units"] == 0, "reservations left held: %r" % inv["totals"]
counted = sum(1 for c in inv["cells"] if c["as_of"] >= "2026-09-07")
assert counted >= 1, "no cell counted during the run"
assert all(c["on_hand"] >= 0 for c in inv["cells"])
PY

# reroutes are orders of their own in the decision log and the outcomes
"$ordo" log dump "$tmp/a" 2>/dev/null | grep -q -- '-r"' && ok ||
    bad "no rerouted order in the decision log"

# deterministic, and the run reads like production data
"$ordo" analyze "$tmp/a" --format json > "$tmp/a.report" 2>/dev/null
"$ordo" analyze "$tmp/b" --format json > "$tmp/b.report" 2>/dev/null
[ -s "$tmp/a.report" ] && cmp -s "$tmp/a.report" "$tmp/b.report" && ok ||
    bad "same seed, different analysis"
"$ordo" log verify "$tmp/a" > /dev/null 2>&1 && ok || bad "ordo log verify fails"

# without the world's noise nothing is short
python3 - "$tmp/dusty.json" "$tmp/clean.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["stock"] = {"shrink_per_day": 0, "miscount_per_day": 0, "phantom_per_day": 0}
json.dump(s, open(sys.argv[2], "w"))
PY
sim "$tmp/c" 3 "$tmp/clean.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["short_picks"]==0 and s["units_shrunk"]==0, s' \
    "$tmp/c/summary.json" && ok || bad "short picks without shrink"

# ---- demand: returning customers in cohorts, baskets, the holiday peak ----
"$ordo" log dump "$tmp/a" 2>/dev/null > "$tmp/a.log"
python3 - "$tmp/a.log" <<'PY' && ok || bad "customers and baskets in the decision records"
import json, sys
keys, cohorts, lines, qty = [], set(), [], []
for l in open(sys.argv[1]):
    p = json.loads(l).get("payload", {})
    o = p.get("order")
    if not o or p.get("shadow"):
        continue
    c = o.get("customer", {})
    keys.append(c.get("id"))
    cohorts.add(c.get("cohort"))
    assert c.get("lifetime_value", 0) > 0, o
    lines.append(len(o["lines"]))
    qty += [x["quantity"] for x in o["lines"]]
n = len(keys)
assert all(keys) and len(set(keys)) < 0.8 * n, "customers do not return: %d ids, %d orders" % (len(set(keys)), n)
assert {"new", "occasional", "loyal", "vip"} <= cohorts, cohorts
assert 1 < sum(lines) / n < 2, "mean basket %.2f lines" % (sum(lines) / n)
assert max(qty) >= 3 and qty.count(1) > 0.6 * len(qty), "quantities"
PY
python3 - "$tmp/dusty.json" "$tmp/peak.json" "$tmp/flat.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["start"] = "2026-11-26"
s["calendar"] = {}
json.dump(s, open(sys.argv[2], "w"))
s["calendar"]["holidays"] = False
json.dump(s, open(sys.argv[3], "w"))
PY
for r in peak flat; do
    "$ordo" sim --scenario "$tmp/$r.json" --seed 5 --days 2 --orders-per-day 200 --out "$tmp/$r" \
        --json > "$tmp/$r.out" 2>&1 || bad "sim $r"
done
python3 - "$tmp/peak/summary.json" "$tmp/flat/summary.json" <<'PY' && ok || bad "no holiday peak"
import json, sys
p, f = (json.load(open(x))["orders"] for x in sys.argv[1:3])
print("Thanksgiving + Black Friday orders:", p, "without the calendar:", f)
assert p > 1.8 * f
PY
"$ordo" log dump "$tmp/peak" 2>/dev/null | head -1 | grep -q '"created":"2026-11-26T' && ok ||
    bad "the run does not start on the scenario's start"

# ---- signals during the run: a timeline through the signals interface ----
python3 - "$src/data/scenarios/proximity-vs-cost.json" "$tmp/tl.json" "$tmp/notl.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["name"] = "timeline"
json.dump(s, open(sys.argv[3], "w"))
s["timeline"] = [
    {"day": 2, "hour": 6, "signals": [
        {"kind": "rate", "carrier": "parcel", "fuel_surcharge_pct": 24.0, "note": "fuel index"}]},
    {"day": 2, "hour": 8, "signals": [
        {"kind": "carrier_outage", "carrier": "parcel", "region": "west",
         "effective_to": "2026-09-10T08:00:00Z", "note": "regional outage"}]},
    {"day": 3, "signals": [
        {"kind": "rate", "carrier": "postal", "rate_multiplier": 1.3, "note": "peak surcharge"},
        {"kind": "labour", "node": "DC-001", "capacity": 40, "note": "saturated"}]},
]
json.dump(s, open(sys.argv[2], "w"))
PY
for r in tl notl; do
    "$ordo" sim --scenario "$tmp/$r.json" --seed 9 --days 4 --orders-per-day 400 --out "$tmp/$r" \
        --json > "$tmp/$r.out" 2>&1 || bad "sim $r: $(cat "$tmp/$r.out")"
done
python3 - "$tmp/tl/summary.json" "$tmp/notl/summary.json" <<'PY' && ok || bad "the timeline's signals"
import json, sys
t, n = (json.load(open(x)) for x in sys.argv[1:3])
print("timeline:", t["signals_applied"], "documents,", t["outage_delayed"], "shipments held by the outage;",
      "late", t["orders_late"], "vs", n["orders_late"], "without")
assert t["signals_applied"] == 3 and n["signals_applied"] == 0
assert t["outage_delayed"] > 0 and n["outage_delayed"] == 0
assert t["units_shipped"] + t["units_backordered"] + t["units_cancelled"] == t["units_ordered"]
PY
"$ordo" signals show --data "$tmp/tl" --at 2026-09-09T12:00:00Z --json > "$tmp/tl.sig" 2>&1
grep -q carrier_outage "$tmp/tl.sig" && grep -q '"capacity"' "$tmp/tl.sig" && ok ||
    bad "the store does not hold the timeline's signals: $(head -c 300 "$tmp/tl.sig")"
"$ordo" log dump "$tmp/tl" 2>/dev/null | python3 -c '
import json, sys
v = [json.loads(l)["payload"].get("signals_version", 0) for l in sys.stdin]
assert v[0] == 0 and max(v) == 3, (v[0], max(v))' && ok || bad "decisions did not see the signal versions"
python3 - "$tmp/tl.json" "$tmp/badtl.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["timeline"][0]["signals"][0]["carrier"] = "no-such-carrier"
json.dump(s, open(sys.argv[2], "w"))
PY
"$ordo" sim --scenario "$tmp/badtl.json" --days 1 --orders-per-day 10 --out "$tmp/y" > /dev/null 2> "$tmp/y.err"
[ $? -ne 0 ] && grep -q "timeline" "$tmp/y.err" && ok || bad "a bad timeline signal is not an error: $(cat "$tmp/y.err")"

# a bad stock section is an error naming the field
python3 - "$tmp/dusty.json" "$tmp/bad.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["stock"]["phantom_per_day"] = 2
json.dump(s, open(sys.argv[2], "w"))
PY
"$ordo" sim --scenario "$tmp/bad.json" --days 1 --orders-per-day 10 --out "$tmp/x" > /dev/null 2> "$tmp/x.err"
[ $? -ne 0 ] && grep -q "stock" "$tmp/x.err" && ok || bad "a bad stock section is not an error"

echo "sim world: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
