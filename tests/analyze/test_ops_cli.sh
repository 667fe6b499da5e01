#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Operational metrics end to end: decisions (log append) and outcome events
# with measures (outcomes ingest), then `ordo analyze`: the operations
# section per variant equals the means and the pick-rate variance worked out
# from the files, in JSON, text and HTML; a guardrail on satisfaction is
# breached when the treatment's customers are less satisfied, and not when
# they are as satisfied.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/ordo-opscli-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() { # name, exit code of the condition
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}

cat > "$T/exp.json" <<'JSON'
{"id": "ops-exp", "hypothesis": "proximity-first ships faster",
 "unit": "order",
 "variants": [{"key": "control", "policy": "cost-optimized", "weight": 0.5},
              {"key": "treatment", "policy": "proximity-first", "weight": 0.5}],
 "primary_kpis": ["cost_per_order"],
 "guardrails": [{"metric": "satisfaction", "direction": "decrease", "margin": 0.1}]}
JSON

gen() { # DIR HARM: 400 decisions and their events; HARM: treatment satisfaction drop
    $PY - "$1" "$2" <<'PYEOF'
import json, random, sys, datetime
t, harm = sys.argv[1], float(sys.argv[2])
rnd = random.Random(7)
start = datetime.datetime(2026, 11, 18, tzinfo=datetime.timezone.utc)
iso = lambda x: x.strftime("%Y-%m-%dT%H:%M:%SZ")
with open(t + "/decisions.ndjson", "w") as d, open(t + "/outcomes.ndjson", "w") as o:
    for i in range(400):
        v = i % 2
        ts = start + datetime.timedelta(minutes=20 * i)
        oid = "O-%05d" % i
        d.write(json.dumps({"record_version": 1, "timestamp": iso(ts), "order_id": oid,
            "policy": {"name": "p", "version": "v"}, "experiment": "ops-exp",
            "variant": "treatment" if v else "control", "fallback": False,
            "order": {"id": oid, "ship_to": {"zip": "30303"}, "lines": [{"sku": "SKU-1", "quantity": 1}]},
            "plan": {"status": "ok", "shipments": [{"node": "DC-1", "zone": 3, "miles": 120.0}],
                     "totals": {"shipments": 1, "units": 1, "cost": {"total": 9.0}}}}) + "\n")
        at = iso(ts + datetime.timedelta(hours=3))
        def ev(tag, **kw):
            o.write(json.dumps(dict(event_id=oid + "-" + tag, order_id=oid, at=at, **kw)) + "\n")
        if i % 25 == 3:
            ev("x", type="cancelled")
            ev("ms", type="measure", measure="satisfaction", value=1.0)
            continue
        ev("s", type="shipped", carrier_cost=round(7 + rnd.random(), 4))
        node = "DC-1" if v == 0 else "ST-%d" % (i % 3)
        ev("mu", type="measure", measure="labour_utilisation", value=round(0.5 + 0.3 * rnd.random() + 0.1 * v, 4), node=node)
        ev("mp", type="measure", measure="pick_rate", value=round(rnd.gauss(120, 10 + 20 * v), 4), node=node)
        ev("md", type="measure", measure="dock_to_truck_hours", value=round(2 + rnd.random() + v, 4), node=node)
        s = min(5, max(0, rnd.gauss(4.4 - harm * v, 0.4)))
        ev("ms", type="measure", measure="satisfaction", value=round(s, 4))
PYEOF
}

run() { # NAME HARM
    local D="$T/$1"
    mkdir -p "$D"
    gen "$D" "$2"; check "$1: generate" $?
    "$ORDO" exp create --data "$D" "$T/exp.json" > /dev/null; check "$1: exp create" $?
    "$ORDO" log append --data "$D" "$D/decisions.ndjson" > /dev/null; check "$1: log append" $?
    "$ORDO" outcomes ingest --data "$D" "$D/outcomes.ndjson" > /dev/null; check "$1: ingest" $?
    "$ORDO" analyze "$D" --format json > "$D/r.json"; check "$1: analyze json" $?
}

run harm 0.6
D="$T/harm"
$PY - "$D" <<'PYEOF'
import json, sys, statistics as st
d = sys.argv[1]
r = json.load(open(d + "/r.json"))
arm = {}
for line in open(d + "/decisions.ndjson"):
    x = json.loads(line)
    arm[x["order_id"]] = x["variant"]
vals = {}
cancelled = set()
for line in open(d + "/outcomes.ndjson"):
    e = json.loads(line)
    if e["type"] == "cancelled":
        cancelled.add(e["order_id"])
    if e["type"] == "measure":
        vals.setdefault((arm[e["order_id"]], e["measure"]), []).append(e["value"])
ops = {x["variant"]: x for x in r["operations"]}
assert list(ops) == ["control", "treatment"], ops
for v in ops:
    for m in ("satisfaction", "dock_to_truck_hours", "labour_utilisation", "pick_rate"):
        xs = vals[(v, m)]
        got = ops[v][m]
        assert got["orders"] == len(xs), (v, m, got)
        assert abs(got["value"] - st.mean(xs)) < 1e-9, (v, m, got, st.mean(xs))
        assert got["ci_low"] < got["value"] < got["ci_high"], got
    n = sum(1 for o, a in arm.items() if a == v)
    c = sum(1 for o in cancelled if arm[o] == v)
    assert abs(ops[v]["cancel_rate"]["value"] - c / n) < 1e-12, ops[v]["cancel_rate"]
    pv = ops[v]["pick_rate_variance"]
    assert abs(pv["value"] - st.variance(vals[(v, "pick_rate")])) < 1e-6 * pv["value"], pv
    assert pv["ci_low"] < pv["value"] < pv["ci_high"], pv
# the treatment's pick rates spread more (sd 30 against 10)
assert ops["treatment"]["pick_rate_variance"]["ci_low"] > ops["control"]["pick_rate_variance"]["ci_high"]
m = [x for x in r["metrics"] if x["name"] == "satisfaction"][0]
assert m["variants"][1]["value"] < m["variants"][0]["value"] - 0.4, m["variants"]
g = [x for x in r["guardrails"] if x["metric"] == "satisfaction"][0]
assert g["breached"] is True and g["status"] == "breached", g
assert r["verdict"]["decision"] == "do_not_ship", r["verdict"]
PYEOF
check "harm: operations per variant and the satisfaction guardrail breached" $?
out=$("$ORDO" analyze "$D")
[[ "$out" == *"Operational metrics"* && "$out" == *"pick-rate variance"* && "$out" == *"satisfaction (0-5)"* ]]
check "text: operational section" $?
"$ORDO" analyze "$D" --format html --out "$T/r.html" > /dev/null
grep -q '<section id="operations">' "$T/r.html"; check "html: operational section" $?

# the facts path and the record path agree, with measures
"$ORDO" analyze "$D" --format json --facts off > "$T/harm.off.json"
cmp -s "$D/r.json" "$T/harm.off.json"; check "harm: --facts off gives the same report" $?

# measures that arrive after the outcome facts were built: the refresh
# picks them up (the report equals the record path's)
mkdir -p "$T/late"
gen "$T/late" 0.6
grep -v '"measure"' "$T/late/outcomes.ndjson" > "$T/late/first.ndjson"
grep '"measure"' "$T/late/outcomes.ndjson" > "$T/late/second.ndjson"
"$ORDO" exp create --data "$T/late" "$T/exp.json" > /dev/null &&
    "$ORDO" log append --data "$T/late" "$T/late/decisions.ndjson" > /dev/null &&
    "$ORDO" outcomes ingest --data "$T/late" "$T/late/first.ndjson" > /dev/null &&
    "$ORDO" analyze "$T/late" --format json > "$T/late/r1.json" &&
    "$ORDO" outcomes ingest --data "$T/late" "$T/late/second.ndjson" > /dev/null &&
    "$ORDO" analyze "$T/late" --format json > "$T/late/r2.json" &&
    "$ORDO" analyze "$T/late" --format json --facts off > "$T/late/r3.json"
check "late: build" $?
! grep -q '"operations"' "$T/late/r1.json"; check "late: no operations section before the measures" $?
cmp -s "$T/late/r2.json" "$T/late/r3.json"; check "late: refreshed facts equal the record path" $?
cmp -s "$T/late/r2.json" "$D/r.json"; check "late: the same report as ingesting everything at once" $?

run same 0
$PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
g = [x for x in r["guardrails"] if x["metric"] == "satisfaction"][0]
assert g["breached"] is False, g
' "$T/same/r.json"
check "same: the satisfaction guardrail holds" $?

echo "ops cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
