#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box test of the knowledge base of experiments: three experiments with
# decisions and outcomes in one data directory are concluded (each conclusion
# stores its final report and a summary in the registry), then `exp catalog`
# with each filter and its meta view are checked against the stored reports,
# read straight from the database.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/ordo-catalog-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
pass=0
fail=0
check() { # name, exit code of the condition
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
D="$T/d"
export USER=tester

"$ORDO" exp catalog --help | grep -q "ordo exp catalog --metric"; check "catalog --help has an example" $?
out=$("$ORDO" exp catalog --data "$T/none" --json)
[ "$out" = "[]" ]; check "no database: an empty catalog" $?

# e-cheap: treatment 1 USD cheaper, on time alike (won; rolled out)
# e-late: treatment on time far less often (a guardrail breach)
# e-flat: no difference, about hours to deliver, only in the northeast and midwest
# e-none: concluded without a report
mk() { # id, treatment policy, primary KPI
    cat > "$T/$1.json" <<EOF
{"id": "$1", "hypothesis": "hypothesis of $1", "unit": "order",
 "variants": [{"key": "control", "policy": "cost-optimized", "weight": 0.5},
              {"key": "treatment", "policy": "$2", "weight": 0.5}],
 "primary_kpis": ["$3"],
 "guardrails": [{"metric": "on_time_rate", "direction": "decrease", "margin": 0.05}]}
EOF
    "$ORDO" exp create --data "$D" "$T/$1.json" > /dev/null
    check "exp create $1" $?
}
mk e-cheap proximity-first cost_per_order
mk e-late inventory-priority cost_per_order
mk e-flat drop-ship hours_to_deliver
mk e-none store-fulfillment cost_per_order

$PY - "$T" <<'PYEOF'
import json, random, sys, datetime
t = sys.argv[1]
rnd = random.Random(11)
start = datetime.datetime(2026, 11, 2, tzinfo=datetime.timezone.utc)
iso = lambda x: x.strftime("%Y-%m-%dT%H:%M:%SZ")
exps = {"e-cheap": (1.0, 0.9, ["02139", "60601", "30303", "94103"]),
        "e-late": (0.0, 0.4, ["02139", "60601", "30303", "94103"]),
        "e-flat": (0.0, 0.9, ["02139", "60601"])}
with open(t + "/decisions.ndjson", "w") as d, open(t + "/outcomes.ndjson", "w") as o:
    for e, (cheaper, ontime_t, zips) in exps.items():
        for i in range(800):
            v = i % 2
            ts = start + datetime.timedelta(minutes=20 * i)
            planned = 8 + 4 * rnd.random() - (cheaper if v else 0.0)
            oid = "%s-%05d" % (e, i)
            rec = {"record_version": 1, "timestamp": iso(ts), "order_id": oid,
                   "policy": {"name": "p", "version": "v"}, "model_version": "ordo-cost-1",
                   "experiment": e, "variant": "treatment" if v else "control",
                   "fallback": False, "latency_ns": 1000,
                   "order": {"id": oid, "ship_to": {"zip": zips[(i // 2) % len(zips)]},
                             "lines": [{"sku": "SKU-1", "quantity": 1}]},
                   "atp": [],
                   "plan": {"status": "ok",
                            "promise_date": (ts + datetime.timedelta(days=3)).strftime("%Y-%m-%d"),
                            "shipments": [{"node": "DC-1", "zone": 2 + i % 7, "miles": 100.0 + i % 50}],
                            "totals": {"shipments": 1, "units": 1,
                                       "cost": {"pick": 1.0, "pack": 0.5, "shipping": planned - 1.5,
                                                "returns": 0, "carrying_relief": 0, "opportunity": 0,
                                                "split": 0, "total": planned},
                                       "on_time_prob": 0.9, "return_risk": 0.05}}}
            d.write(json.dumps(rec) + "\n")
            promise = ts + datetime.timedelta(days=3)
            ontime = rnd.random() < (ontime_t if v else 0.9)
            ship = max(0.5, planned - 1.5 + rnd.gauss(0, 0.5))
            o.write(json.dumps({"event_id": oid + "-s", "order_id": oid, "type": "shipped",
                                "at": iso(ts + datetime.timedelta(hours=2)),
                                "carrier_cost": round(ship, 4), "promised_by": iso(promise)}) + "\n")
            o.write(json.dumps({"event_id": oid + "-c", "order_id": oid, "type": "cost",
                                "at": iso(ts + datetime.timedelta(hours=2)), "pick": 1.0,
                                "pack": 0.5}) + "\n")
            deliv = promise + datetime.timedelta(hours=-20 + 4 * rnd.random() if ontime else 20)
            o.write(json.dumps({"event_id": oid + "-d", "order_id": oid, "type": "delivered",
                                "at": iso(deliv)}) + "\n")
PYEOF
check "generate data" $?
"$ORDO" log append --data "$D" "$T/decisions.ndjson" > /dev/null
check "log append" $?
"$ORDO" outcomes ingest --data "$D" "$T/outcomes.ndjson" > /dev/null
check "outcomes ingest" $?

for e in e-cheap e-late e-flat e-none; do
    "$ORDO" exp start "$e" --data "$D" > /dev/null && "$ORDO" exp stop "$e" --data "$D" > /dev/null
    check "start, stop $e" $?
done
out=$("$ORDO" exp conclude e-cheap --data "$D" --winner treatment --reason "cheaper")
check "conclude e-cheap" $?
[[ "$out" == *"final report stored"* ]]; check "conclude says the report is stored" $?
"$ORDO" exp conclude e-late --data "$D" --json > "$T/late.json"
check "conclude e-late --json" $?
"$ORDO" exp conclude e-flat --data "$D" > /dev/null
check "conclude e-flat" $?
"$ORDO" exp conclude e-none --data "$D" --no-report > /dev/null
check "conclude e-none --no-report" $?
# a running experiment is not concluded, and no report is stored for it
mk e-open proximity-first cost_per_order
"$ORDO" exp conclude e-open --data "$D" > /dev/null 2>&1
[ $? -eq 65 ]; check "conclude a draft: 65" $?

# exp show carries the stored result of a concluded experiment, and none for an open one
"$ORDO" exp show e-cheap --data "$D" --json > "$T/show-cheap.json"
check "exp show e-cheap --json" $?
$PY - "$T/show-cheap.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
res = r["result"]
assert res["experiment"] == "e-cheap" and res["winner"] == "treatment", res
assert res["verdict"] is not None and any(m["metric"] == "cost_per_order" for m in res["metrics"]), res
PYEOF
check "exp show: the stored result" $?
"$ORDO" exp show e-cheap --data "$D" | grep -q "^result (stored at conclusion"; check "exp show text: result" $?
"$ORDO" exp show e-open --data "$D" --json | $PY -c 'import json,sys; assert "result" not in json.load(sys.stdin)'
check "exp show: no result before conclusion" $?

# the stored reports are the reports `ordo analyze` gives
for e in e-cheap e-late e-flat; do
    "$ORDO" analyze "$D" --experiment "$e" --json > "$T/$e.report.json"
    check "analyze $e" $?
done
"$ORDO" exp catalog --data "$D" --json > "$T/cat-all.json"
check "catalog --json" $?
"$ORDO" exp catalog --data "$D" > "$T/cat-all.txt"
check "catalog text" $?
for f in "--verdict do_not_ship" "--verdict ship" "--verdict keep_running" "--verdict none" \
    "--metric hours_to_deliver" "--metric cost_per_order" "--policy proximity-first" \
    "--policy 5e1925c5a9d173eb" "--policy cost-optimized" "--region west" "--region northeast" \
    "--region west --metric on_time_rate"; do
    name=$(echo "$f" | tr -d ' -')
    # shellcheck disable=SC2086
    "$ORDO" exp catalog --data "$D" $f --json > "$T/cat-$name.json"
    check "catalog $f" $?
done
"$ORDO" exp catalog --data "$D" --meta --json > "$T/meta.json"
check "catalog --meta --json" $?
"$ORDO" exp catalog --data "$D" --meta --policy proximity-first --json > "$T/meta-prox.json"
check "catalog --meta --policy" $?
"$ORDO" exp catalog --data "$D" --meta | grep -q "^cost_per_order"
check "catalog --meta text" $?
"$ORDO" exp catalog --data "$D" --verdict maybe > /dev/null 2>&1
[ $? -eq 2 ]; check "bad --verdict: usage error" $?

$PY - "$T" "$D/ordo.db" <<'PYEOF'
import json, math, sqlite3, sys
t, db = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
docs = lambda kind: {i: json.loads(j) for i, j in
                     c.execute("select id, json from doc where kind = ?", (kind,))}
reports, results = docs("exp_report"), docs("exp_result")
load = lambda n: json.load(open(t + "/" + n))
fails = []
def ok(cond, what):
    if not cond:
        fails.append(what)
ok(sorted(reports) == ["e-cheap", "e-flat", "e-late"], "reports stored: %s" % sorted(reports))
ok(sorted(results) == ["e-cheap", "e-flat", "e-late", "e-none"], "results stored: %s" % sorted(results))
for e in ("e-cheap", "e-late", "e-flat"):
    ok(reports[e] == load(e + ".report.json"), "stored report of %s == analyze --json" % e)
# the result document
r = results["e-cheap"]
ok(r["winner"] == "treatment" and r["promoted_policy"]["policy_version"] == "ceb0fc6f69bbfa22",
   "e-cheap promoted proximity-first")
ok(r["hypothesis"] == "hypothesis of e-cheap", "hypothesis kept")
ok(r["concluded_at"] and r["started_at"] and r["stopped_at"], "dates kept")
ok(results["e-late"]["winner"] is None and results["e-late"]["promoted_policy"] is None,
   "e-late promoted nothing")
ok(results["e-none"]["summary"] is None, "e-none: --no-report, no summary")
ok(load("late.json")["status"]["state"] == "concluded", "conclude --json prints the experiment")
verdict = {e: reports[e]["verdict"]["decision"] for e in reports}
ok(verdict["e-late"] == "do_not_ship", "e-late: do not ship (%s)" % verdict["e-late"])

def expect(e, metric):  # the report's comparison of the treatment
    rep = reports[e]
    m = [x for x in rep["metrics"] if x["name"] == metric][0]
    cmp = [x for x in m["comparisons"] if x["variant"] == "treatment"][0]
    d = cmp["cuped"]["difference"] if cmp["cuped"] else cmp["difference"]
    pj = cmp["p_holm_kpis"] if "p_holm_kpis" in cmp else cmp["p_holm"]  # a KPI: among the KPIs
    sig = pj is not None and pj < rep["experiment"]["alpha"] and d["estimate"] != 0
    return {"abs_diff": d["estimate"], "ci_low": d["ci_low"], "ci_high": d["ci_high"],
            "lift": (cmp["relative_lift"] or {}).get("estimate"),
            "lift_ci_low": (cmp["relative_lift"] or {}).get("ci_low"),
            "p_value": cmp["p_value"],
            "direction": "flat" if not sig else ("up" if d["estimate"] > 0 else "down")}

def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)

# catalog: every entry, each key metric's numbers equal the stored report's
cat = {x["experiment"]: x for x in load("cat-all.json")}
ok(sorted(cat) == ["e-cheap", "e-flat", "e-late", "e-none"], "catalog lists the concluded: %s" % sorted(cat))
ok(cat["e-cheap"]["promoted_policy"] == "ceb0fc6f69bbfa22", "catalog: promoted policy")
ok(cat["e-late"]["verdict"] == "do_not_ship" and cat["e-none"]["verdict"] is None, "catalog: verdicts")
for e in ("e-cheap", "e-late", "e-flat"):
    names = [x["metric"] for x in cat[e]["metrics"]]
    ok("on_time_rate" in names and ("cost_per_order" in names) == (e != "e-flat" or "cost_per_order" in names), "%s key metrics: %s" % (e, names))
    ok("pick_cost" not in names, "%s: only key metrics" % e)
    for row in cat[e]["metrics"]:
        want = expect(e, row["metric"])
        for k, v in want.items():
            ok(close(row.get(k), v), "%s %s %s: %r != %r" % (e, row["metric"], k, row.get(k), v))
cheap = {x["metric"]: x for x in cat["e-cheap"]["metrics"]}
ok(cheap["cost_per_order"]["direction"] == "down", "e-cheap cost moved down")
late = {x["metric"]: x for x in cat["e-late"]["metrics"]}
ok(late["on_time_rate"]["direction"] == "down", "e-late on-time moved down")
txt = open(t + "/cat-all.txt").read()
ok("hypothesis of e-cheap" in txt and "(no report stored)" in txt, "catalog text")

ids = lambda n: sorted(x["experiment"] for x in load("cat-%s.json" % n))
for v in ("do_not_ship", "ship", "keep_running"):
    want = sorted(e for e in reports if verdict[e] == v)
    ok(ids("verdict" + v) == want, "--verdict %s: %s != %s" % (v, ids("verdict" + v), want))
ok(ids("verdictnone") == ["e-none"], "--verdict none")
ok(ids("metrichours_to_deliver") == ["e-flat"], "--metric hours_to_deliver")
ok(ids("metriccost_per_order") == ["e-cheap", "e-flat", "e-late"], "--metric cost_per_order")
ok(all([m["metric"] for m in x["metrics"]] == ["cost_per_order"]
       for x in load("cat-metriccost_per_order.json")), "--metric shows that metric only")
ok(ids("policyproximityfirst") == ["e-cheap"], "--policy by name")
ok(ids("policy5e1925c5a9d173eb") == ["e-late"], "--policy by version")
ok(ids("policycostoptimized") == ["e-cheap", "e-flat", "e-late", "e-none"], "--policy control's")
ok(ids("regionwest") == ["e-cheap", "e-late"], "--region west: %s" % ids("regionwest"))
ok(ids("regionnortheast") == ["e-cheap", "e-flat", "e-late"], "--region northeast")
# region rows equal the report's breakdown
for x in load("cat-regionwest.json"):
    seg = [s for s in reports[x["experiment"]]["segments"]["region"] if s["segment"] == "west"][0]
    ok(len(x["metrics"]) >= 2, "region rows of %s" % x["experiment"])
    for row in x["metrics"]:
        m = [y for y in seg["metrics"] if y["metric"] == row["metric"]][0]
        d = [y for y in m["comparisons"] if y["variant"] == "treatment"][0]["difference"]
        ctl = [y for y in m["variants"] if y["variant"] == "control"][0]["value"]
        for k, v in (("abs_diff", d["estimate"]), ("ci_low", d["ci_low"]),
                     ("ci_high", d["ci_high"]), ("p_value", d["p_value"]),
                     ("control_value", ctl), ("lift", d["estimate"] / ctl if ctl else None)):
            ok(close(row[k], v), "west %s %s %s" % (x["experiment"], row["metric"], k))
rw = load("cat-regionwestmetricon_time_rate.json")
ok([m["metric"] for x in rw for m in x["metrics"]] == ["on_time_rate"] * 2, "--region --metric")

# the meta view: per metric, directions counted from the stored reports
meta = load("meta.json")
ok(meta["experiments"] == 3, "meta counts experiments with a report")
rows = {x["metric"]: x for x in meta["metrics"]}
for name in [m["name"] for m in reports["e-cheap"]["metrics"]]:
    dirs = []
    for e in ("e-cheap", "e-late", "e-flat"):
        m = [x for x in reports[e]["metrics"] if x["name"] == name][0]
        cm = [x for x in m["comparisons"] if x["variant"] == "treatment"]
        if cm and cm[0]["available"]:
            dirs.append(expect(e, name)["direction"])
    if not dirs:
        ok(name not in rows, "meta: %s has no comparison" % name)
        continue
    row = rows.get(name)
    ok(row is not None and row["experiments"] == len(dirs) and row["up"] == dirs.count("up")
       and row["down"] == dirs.count("down") and row["not_significant"] == dirs.count("flat"),
       "meta %s: %r vs %r" % (name, row, dirs))
    if row:
        ok(close(row["down_share"], dirs.count("down") / len(dirs)), "meta share %s" % name)
ot = rows["on_time_rate"]
ok(ot["down"] >= 1 and ot["worse"] == ot["down"], "on-time falls are worse: %r" % ot)
cp = rows["cost_per_order"]
ok(cp["down"] >= 1 and cp["better"] >= 1, "cost falls are better: %r" % cp)
ok(load("meta-prox.json")["experiments"] == 1, "meta with a filter")
for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
PYEOF
check "catalog and meta agree with the stored reports" $?

echo "passed $pass, failed $fail"
[ "$fail" -eq 0 ]
