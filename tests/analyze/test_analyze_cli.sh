#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box test of `ordo analyze`: a data directory built with the CLI
# (exp create, log append, outcomes ingest), the three report formats, --out,
# determinism, a simulation run's summary.json, --monitor, and bad input.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
SRC=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR must point at the repository}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/ordo-ancli-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() { # name, exit code of the condition
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
D="$T/d"

"$ORDO" analyze --help | grep -q -- "--format text|json|html"; check "analyze --help" $?
"$ORDO" --help | grep -q "analyze"; check "listed in ordo --help" $?

# the experiment
cat > "$T/exp.json" <<'EOF'
{"id": "cli-exp", "hypothesis": "proximity-first ships faster at similar cost",
 "unit": "order",
 "variants": [{"key": "control", "policy": "cost-optimized", "weight": 0.5},
              {"key": "treatment", "policy": "proximity-first", "weight": 0.5}],
 "primary_kpis": ["cost_per_order"],
 "guardrails": [{"metric": "on_time_rate", "direction": "decrease", "margin": 0.05}]}
EOF
"$ORDO" exp create --data "$D" "$T/exp.json" > /dev/null
check "exp create" $?

# 600 decisions (treatment 1 USD cheaper), outcomes for all but every 10th,
# and treatment on-time far below control (a guardrail breach)
$PY - "$T" <<'PYEOF'
import json, random, sys, datetime
t = sys.argv[1]
rnd = random.Random(5)
zips = ["02139", "60601", "30303", "94103"]
start = datetime.datetime(2026, 11, 18, tzinfo=datetime.timezone.utc)
with open(t + "/decisions.ndjson", "w") as d, open(t + "/outcomes.ndjson", "w") as o:
    for i in range(600):
        v = i % 2
        ts = start + datetime.timedelta(minutes=15 * i)
        iso = lambda x: x.strftime("%Y-%m-%dT%H:%M:%SZ")
        planned = 8 + 4 * rnd.random() - (1.0 if v else 0.0)
        oid = "O-%05d" % i
        rec = {"record_version": 1, "timestamp": iso(ts), "order_id": oid,
               "policy": {"name": "p", "version": "v"}, "model_version": "ordo-cost-1",
               "experiment": "cli-exp", "variant": "treatment" if v else "control",
               "fallback": False, "latency_ns": 1000,
               "order": {"id": oid, "ship_to": {"zip": zips[i % 4]},
                         "channel": ["web", "app", "store"][i % 3],
                         "lines": [{"sku": "SKU-1", "quantity": 1}]},
               "atp": [],
               "plan": {"status": "ok", "promise_date": (ts + datetime.timedelta(days=3)).strftime("%Y-%m-%d"),
                        "shipments": [{"node": "DC-1", "zone": 2 + i % 7, "miles": 100.0 + i % 50}],
                        "totals": {"shipments": 1, "units": 1,
                                   "cost": {"pick": 1.0, "pack": 0.5, "shipping": planned - 1.5,
                                            "returns": 0, "carrying_relief": 0, "opportunity": 0,
                                            "split": 0, "total": planned},
                                   "on_time_prob": 0.9, "return_risk": 0.05}}}
        if i % 5 < 2:
            rec["order"]["promotion"] = "bogo"
        if i % 20 == 1:
            del rec["order"]["channel"]  # reads as the format's default, web
        d.write(json.dumps(rec) + "\n")
        if i % 10 == 7:
            continue
        promise = ts + datetime.timedelta(days=3)
        ontime = rnd.random() < (0.5 if v else 0.95)
        ship = max(0.5, planned - 1.5 + rnd.gauss(0, 1))
        o.write(json.dumps({"event_id": oid + "-s", "order_id": oid, "type": "shipped",
                            "at": iso(ts + datetime.timedelta(hours=2)), "carrier_cost": round(ship, 4),
                            "promised_by": iso(promise)}) + "\n")
        o.write(json.dumps({"event_id": oid + "-c", "order_id": oid, "type": "cost",
                            "at": iso(ts + datetime.timedelta(hours=2)), "pick": 1.0, "pack": 0.5}) + "\n")
        deliv = promise + datetime.timedelta(days=-1 if ontime else 1)
        o.write(json.dumps({"event_id": oid + "-d", "order_id": oid, "type": "delivered",
                            "at": iso(deliv)}) + "\n")
PYEOF
check "generate data" $?
"$ORDO" log append --data "$D" "$T/decisions.ndjson" > /dev/null
check "log append" $?
"$ORDO" outcomes ingest --data "$D" "$T/outcomes.ndjson" > /dev/null
check "outcomes ingest" $?

# text (default format): verdict line and the missing-outcome note
out=$("$ORDO" analyze "$D")
check "analyze text exit" $?
[[ "$out" == *"Verdict: DO NOT SHIP"* ]]; check "text verdict: $(echo "$out" | head -3)" $?
[[ "$out" == *"60 of 600 analysed orders"* ]]; check "text names the missing outcomes" $?
[[ "$out" != *"nan"* ]]; check "text has no nan" $?

# JSON: numbers against the generated files
"$ORDO" analyze "$D" --format json > "$T/r.json"
check "analyze json exit" $?
$PY - "$T" <<'PYEOF'
import json, sys, math
t = sys.argv[1]
r = json.load(open(t + "/r.json"))
assert r["data"]["orders_analysed"] == 600, r["data"]
assert r["data"]["missing_outcome"] == 60, r["data"]
assert r["experiment"]["source"] == "registry"
dec = {}
for line in open(t + "/decisions.ndjson"):
    x = json.loads(line)
    dec[x["order_id"]] = x["variant"]
cost = {}
ontime = {}
for line in open(t + "/outcomes.ndjson"):
    e = json.loads(line)
    c = cost.setdefault(e["order_id"], 0.0)
    cost[e["order_id"]] = c + e.get("carrier_cost", 0) + e.get("pick", 0) + e.get("pack", 0)
arms = {"control": [], "treatment": []}
for oid, c in cost.items():
    arms[dec[oid]].append(c)
m = [x for x in r["metrics"] if x["name"] == "cost_per_order"][0]
for i, k in enumerate(["control", "treatment"]):
    mean = sum(arms[k]) / len(arms[k])
    assert abs(m["variants"][i]["value"] - mean) < 1e-9, (m["variants"][i], mean)
    assert m["variants"][i]["orders"] == len(arms[k])
g = r["guardrails"][0]
assert g["metric"] == "on_time_rate" and g["breached"] is True and g["status"] == "breached", g
assert r["verdict"]["decision"] == "do_not_ship", r["verdict"]
assert "on_time_rate" in r["verdict"]["reason"]
# breakdowns by channel and promotion: each segment's arms against the files
seg_of = {}
for line in open(t + "/decisions.ndjson"):
    x = json.loads(line)
    seg_of[x["order_id"]] = (x["order"].get("channel", "web"), x["order"].get("promotion", "none"))
for dim, idx, names in (("channel", 0, {"web", "app", "store"}), ("promotion", 1, {"bogo", "none"})):
    segs = r["segments"][dim]
    assert {s["segment"] for s in segs} == names, (dim, segs)
    for s in segs:
        m = [x for x in s["metrics"] if x["metric"] == "cost_per_order"][0]
        for i, k in enumerate(["control", "treatment"]):
            vals = [c for oid, c in cost.items() if dec[oid] == k and seg_of[oid][idx] == s["segment"]]
            assert m["variants"][i]["orders"] == len(vals), (dim, s["segment"], k)
            if vals:
                assert abs(m["variants"][i]["value"] - sum(vals) / len(vals)) < 1e-9, (dim, s["segment"], k)
PYEOF
check "json numbers" $?

# --json is --format json; determinism byte for byte
"$ORDO" analyze "$D" --json > "$T/r2.json"
cmp -s "$T/r.json" "$T/r2.json"; check "json deterministic" $?

# HTML to a file
"$ORDO" analyze "$D" --format html --out "$T/r.html"
check "analyze html --out exit" $?
for s in 'id="verdict"' 'id="forest"' 'id="timeseries"' 'id="guardrails"' 'id="srm"' \
         'id="segments"' '</svg>' '</html>'; do
    grep -q "$s" "$T/r.html"; check "html has $s" $?
done
! grep -q "<script" "$T/r.html"; check "html has no script" $?
$PY - "$T/r.html" <<'PYEOF'
import sys, xml.dom.minidom, re
h = open(sys.argv[1]).read()
svgs = re.findall(r"<svg.*?</svg>", h, re.S)
assert len(svgs) >= 3, len(svgs)
for s in svgs:
    xml.dom.minidom.parseString(s)  # every chart is well-formed XML
PYEOF
check "every SVG parses as XML" $?

# a simulation run: a data directory plus summary.json
cp -r "$D" "$T/run"
echo '{"units_ordered": 900, "units_shipped": 880, "units_backordered": 10, "units_cancelled": 10, "oversells": 0, "orders_per_second": 5000}' > "$T/run/summary.json"
"$ORDO" analyze "$T/run" --json | $PY -c 'import json,sys; r=json.load(sys.stdin); assert r["run"]["oversells"]==0 and r["run"]["units_ordered"]==900, r["run"]'
check "simulation run summary" $?
"$ORDO" analyze "$T/run" --format html | grep -q "Simulation run"; check "html shows the run" $?

# monitor: dry run reports, then the real run stops the experiment
"$ORDO" exp start --data "$D" cli-exp > /dev/null
check "exp start" $?
j=$("$ORDO" analyze "$D" --monitor --dry-run --json)
[ $? -eq 1 ]; check "monitor dry run exits 1 on a breach" $?
echo "$j" | $PY -c 'import json,sys; r=json.load(sys.stdin); assert r["breaches"][0]["metric"]=="on_time_rate" and not r["stopped"], r'
check "monitor dry run: $j" $?
"$ORDO" analyze "$D" --monitor > "$T/mon.txt"
[ $? -eq 1 ]; check "monitor exits 1" $?
grep -q "stopped" "$T/mon.txt"; check "monitor stopped it: $(cat "$T/mon.txt")" $?
"$ORDO" exp history --data "$D" cli-exp | grep -q "guardrail"; check "audit trail names the guardrail" $?

# bad input
"$ORDO" analyze "$T/nope" 2> /dev/null; [ $? -eq 66 ]; check "missing dir exits 66" $?
"$ORDO" analyze "$D" --format pdf 2> /dev/null; [ $? -eq 2 ]; check "bad format exits 2" $?
"$ORDO" analyze "$D" --experiment ghost 2> /dev/null; [ $? -eq 65 ]; check "unknown experiment exits 65" $?
echo '{"metrics":[{"name":"x","numerator":"bogus","type":"mean","good":"lower"}]}' > "$T/m.json"
err=$("$ORDO" analyze "$D" --metrics "$T/m.json" 2>&1); rc=$?
[ $rc -eq 65 ] && [[ "$err" == *"metrics[0].numerator"* ]]; check "bad metrics file names the field: $err" $?
"$ORDO" analyze "$D" --metrics "$SRC/docs/examples/metrics.json" --json > /dev/null
check "example metrics file accepted" $?

# shadow comparison: cli-exp has no shadow policy, and the report says so
out=$("$ORDO" analyze "$D")
[[ "$out" == *"Shadow policy: no shadow records for experiment cli-exp"* ]]
check "text says there are no shadow records" $?
"$ORDO" analyze "$D" --json | $PY -c 'import json,sys; s=json.load(sys.stdin)["shadow"]; assert s["available"] is False and s["records"] == 0 and "no shadow records" in s["reason"], s'
check "json: shadow unavailable without shadow records" $?

# end to end: the example experiment (shadow policy "default") on orders to
# the Northeast and Midwest, decided by `ordo source --data`, then analysed;
# the paired cost difference is recomputed here from `ordo log dump`
D2="$T/d2"
NOW=$($PY -c 'import datetime; print((datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=8)).strftime("%Y-%m-%dT%H:%M:%SZ"))')
"$ORDO" exp create "$SRC/docs/examples/experiment.json" --data "$D2" > /dev/null &&
    "$ORDO" exp start proximity-vs-cost --data "$D2" > /dev/null
check "example experiment created and started" $?
$PY - "$T" "$SRC" <<'PYEOF'
import json, random, sys
t, src = sys.argv[1], sys.argv[2]
rnd = random.Random(3)
skus = [l.split(",")[0] for l in open(src + "/docs/examples/network/catalog.csv").read().splitlines()[1:]]
zips = ["10027", "02139", "19104", "06510", "60601", "48201", "55401", "43215", "63101", "15213"]
with open(t + "/orders.ndjson", "w") as f:
    for i in range(240):
        lines = [{"sku": s, "quantity": rnd.randint(1, 3)} for s in rnd.sample(skus, rnd.randint(1, 3))]
        f.write(json.dumps({"id": "E-%05d" % i, "customer": {"id": "C-%d" % i},
                            "ship_to": {"zip": rnd.choice(zips)}, "channel": "web",
                            "service_level": "standard", "lines": lines}) + "\n")
PYEOF
"$ORDO" source --network "$SRC/docs/examples/network" --data "$D2" --now "$NOW" < "$T/orders.ndjson" > /dev/null
check "source --data logs decisions and shadows" $?
"$ORDO" analyze "$D2" --network "$SRC/docs/examples/network" --json > "$T/s.json"
check "analyze the example experiment" $?
"$ORDO" log dump --data "$D2" > "$T/dump.ndjson"
$PY - "$T" <<'PYEOF'
import json, sys, math
t = sys.argv[1]
s = json.load(open(t + "/s.json"))["shadow"]
assert s["available"] and s["records"] > 50 and s["paired"] == s["records"], s
assert s["policy"]["name"] == "default" and s["unpaired"] == 0 and s["excluded"] == 0, s
dec, groups = {}, {}
sig = lambda p: sorted((x["node"], x.get("service") or "", l["sku"], l["quantity"])
                       for x in p["plan"]["shipments"] for l in x["lines"])
for line in open(t + "/dump.ndjson"):
    r = json.loads(line)
    p = r["payload"]
    if r["type"] == 1:
        dec[p["order_id"]] = p
    elif r["type"] == 2 and p.get("experiment") == "proximity-vs-cost":
        d = dec[p["order_id"]]
        arm = d["variant"] if d.get("experiment") == "proximity-vs-cost" else "not in experiment"
        for g in (arm, "all"):
            groups.setdefault(g, []).append((p["plan"]["totals"]["cost"]["total"] - d["plan"]["totals"]["cost"]["total"],
                                             sig(p) != sig(d)))
arms = {a["label"]: a for a in s["arms"]}
arms["all"] = s["overall"]
assert set(arms) == {"control", "treatment", "not in experiment", "all"}, list(arms)
for g, xs in groups.items():
    a = arms[g]
    assert a["orders"] == len(xs), (g, a["orders"], len(xs))
    assert a["plans_differ"] == sum(x[1] for x in xs), g
    m = a["metrics"][0]
    assert m["name"] == "planned_cost"
    d = [x[0] for x in xs]
    mean = sum(d) / len(d)
    assert abs(m["difference"]["estimate"] - mean) < 1e-9 * max(1, abs(mean)), (g, m, mean)
    if len(d) > 1:
        sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1))
        assert abs(m["difference"]["se"] - sd / math.sqrt(len(d))) < 1e-9 * max(1, sd), (g, m)
assert groups["not in experiment"], "no order outside the experiment"
PYEOF
check "shadow comparison matches the log (paired cost difference, plans differ, arms)" $?
$PY - "$T" "$SRC/docs/examples/network/network.json" <<'PYEOF'
import json, sys
t, net = sys.argv[1], json.load(open(sys.argv[2]))
carrier = {s["id"]: s["carrier"] for s in net["carrier_services"]}
mix = {m["variant"]: m for m in json.load(open(t + "/s.json"))["carrier_mix"]}
want = {}
for line in open(t + "/dump.ndjson"):
    r = json.loads(line)
    p = r["payload"]
    if r["type"] == 1 and p.get("experiment") == "proximity-vs-cost" and p.get("plan"):
        w = want.setdefault(p["variant"], {})
        for x in p["plan"].get("shipments", []):
            if x.get("service") and x["service"] != "pickup":
                c = carrier.get(x["service"], x["service"])
                w[c] = w.get(c, 0) + 1
assert set(mix) == set(want), (list(mix), list(want))
for v, w in want.items():
    tot = sum(w.values())
    m = mix[v]
    assert m["shipments"] == tot, (v, m, w)
    got = {c["carrier"]: c["shipments"] for c in m["carriers"] if c["shipments"]}
    assert got == w, (v, got, w)
    assert set(c["carrier"] for c in m["carriers"]) <= set(carrier.values()), m
    hhi = sum((100.0 * n / tot) ** 2 for n in w.values())
    assert abs(m["hhi"] - hhi) < 1e-9 * hhi, (v, m["hhi"], hhi)
PYEOF
check "carrier shares and HHI per variant match the log and the network's carriers" $?
"$ORDO" log export "$D2" --format csv > "$T/fast.csv" &&
    ORDO_EXPORT_READER=1 "$ORDO" log export "$D2" --format csv > "$T/reader.csv" &&
    cmp -s "$T/fast.csv" "$T/reader.csv" && [ "$(wc -l < "$T/fast.csv")" -gt 300 ]
check "log export csv: the records' summaries give the record reader's rows byte for byte" $?
ORDO_EXPORT_PICKS=1 "$ORDO" log export "$D2" --format csv > "$T/picks.csv" &&
    cmp -s "$T/fast.csv" "$T/picks.csv"
check "log export csv: the CBOR picker (summaries unread) gives the same rows" $?
# the numbers as the JSON text prints them (the CSV formats them in place)
"$ORDO" log export "$D2" > "$T/records.ndjson" &&
    python3 - "$T/fast.csv" "$T/records.ndjson" <<'PYEOF'
import csv, json, sys
tok = lambda s: s  # keep each number's text as the JSON writer printed it
rows = list(csv.DictReader(open(sys.argv[1])))
recs = [json.loads(l, parse_float=tok, parse_int=tok) for l in open(sys.argv[2])]
assert len(rows) == len(recs) > 300, (len(rows), len(recs))
paths = {"shipments": ("totals", "shipments"), "units": ("totals", "units"),
         "on_time_prob": ("totals", "on_time_prob"), "return_risk": ("totals", "return_risk"),
         "pick": ("totals", "cost", "pick"), "shipping": ("totals", "cost", "shipping"),
         "split": ("totals", "cost", "split")}
seen = 0
for row, rec in zip(rows, recs):
    assert row["latency_ns"] == str(rec.get("latency_ns", "")), (row["latency_ns"], rec.get("latency_ns"))
    for col, path in paths.items():
        v = rec.get("plan")
        for k in path:
            v = v.get(k) if isinstance(v, dict) else None
        assert row[col] == ("" if v is None else v), (col, row[col], v)
        seen += v is not None and "." in v
assert seen > 100, seen  # decimals as well as integers were compared
PYEOF
check "log export csv: numbers as the record's JSON text prints them" $?
"$ORDO" analyze "$D2" --network "$SRC/docs/examples/network" > "$T/s.txt"
grep -q "Shadow policy default" "$T/s.txt" && grep -q "Carrier dependence" "$T/s.txt" &&
    ! grep -qwiE "nan|-nan" "$T/s.txt"
check "text shadow section" $?
"$ORDO" analyze "$D2" --network "$SRC/docs/examples/network" --format html | grep -q 'id="shadow"'
check "html shadow section" $?

echo "analyze cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
