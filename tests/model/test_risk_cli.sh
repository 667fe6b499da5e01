#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo model train|eval|show for the return and cancellation risk models on
# a small simulation run: --kind, versioned risk-vN.json files beside
# eta-vN.json, the held-out scores against the base rate and the parametric
# terms, and errors that name what is wrong.
# Env: ORDO_BIN (the ordo binary).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
tmp=$(mktemp -d /tmp/ordo-risk-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
run="$tmp/run"
"$ordo" sim --scenario proximity-vs-cost --days 6 --orders-per-day 1000 --seed 11 --out "$run" \
    > /dev/null 2>&1 || bad "sim"

"$ordo" model train --run "$run" --kind risk --json > "$tmp/t1.json" || bad "train --kind risk exits $?"
[ -f "$run/models/risk-v1.json" ] && ok || bad "no models/risk-v1.json"
[ -f "$run/models/eta-v1.json" ] && bad "--kind risk trained an ETA model" || ok
"$ordo" model train --run "$run" --json > "$tmp/t2.json" || bad "train (all) exits $?"
[ -f "$run/models/risk-v2.json" ] && [ -f "$run/models/eta-v1.json" ] && ok || bad "all: eta-v1 and risk-v2"
python3 - "$tmp/t1.json" "$tmp/t2.json" <<'PY' && ok || bad "train --json fields"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert set(a) == {"risk"}, a.keys()
r = a["risk"]
assert r["version"] == "risk-v1" and len(r["hash"]) == 16 and r["return_rows"] > 0
assert r["cancel_rows"] >= r["return_rows"] and set(r["seconds"]) == {"read", "train"}
assert b["version"] == "eta-v1" and b["risk"]["version"] == "risk-v2"
assert b["risk"]["trained_until"] == b["trained_until"], "both models hold out the same tail"
PY
# Both models read from one pass over the run learn what each learns alone.
"$ordo" model train --run "$run" --kind eta --json > "$tmp/t3.json" || bad "train --kind eta exits $?"
python3 - "$tmp/t1.json" "$tmp/t2.json" "$tmp/t3.json" <<'PY' && ok || bad "one pass for both = each alone"
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:])
assert c["version"] == "eta-v2" and c["hash"] == b["hash"], (c["hash"], b["hash"])
assert c["orders"] == b["orders"] and c["shipments"] == b["shipments"]
ra, rb = a["risk"], b["risk"]
assert ra["return_rows"] > 0 and ra["orders"] == rb["orders"]
# this run's risk split (decisions' span) falls on the ETA split's day:
# the same rows, the same model
assert ra["trained_until"] == rb["trained_until"], (ra["trained_until"], rb["trained_until"])
assert ra["hash"] == rb["hash"] and ra["return_rows"] == rb["return_rows"], (ra, rb)
assert set(b["seconds"]) == {"read", "join", "train"} and set(rb["seconds"]) == {"read", "train"}
PY

"$ordo" model eval --run "$run" --model latest --kind risk --json > "$tmp/e.json" || bad "eval exits $?"
python3 - "$tmp/e.json" <<'PY' && ok || bad "eval --json fields"
import json, sys
e = json.load(open(sys.argv[1]))
assert e["model"] == "risk-v2"
for t in ("return", "cancel"):
    x = e[t]
    assert x["orders"] > 0
    assert abs(x["base_rate"]["auc"] - 0.5) < 1e-9
    assert x["learned"]["auc"] > 0.6, (t, x["learned"]["auc"])
    if t == "return":  # cancellations are too rare in a small run for the Brier score
        assert x["learned"]["brier"] < x["base_rate"]["brier"], t
    assert len(x["learned"]["bins"]) == 10 and sum(b["n"] for b in x["learned"]["bins"]) == x["orders"]
    assert "parametric" in x
PY
"$ordo" model eval --run "$run" --model risk-v1 > "$tmp/e.txt" || bad "eval text exits $?"
grep -q "return risk" "$tmp/e.txt" && grep -q "base rate" "$tmp/e.txt" && ok || bad "eval text"

"$ordo" model show risk-v2 --data "$run" --json > "$tmp/s.json" || bad "show exits $?"
python3 - "$tmp/s.json" <<'PY' && ok || bad "show --json fields"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["version"] == "risk-v2"
c = s["return"]["coef"]
assert "late" in c and "customer_return_rate" in c and any(k.startswith("family:") for k in c)
assert "log_ship_hours" in s["cancel"]["coef"]
PY
"$ordo" model show "$run/models/risk-v1.json" | grep -q "model risk-v1" && ok || bad "show by path"
"$ordo" model show latest --kind risk --data "$run" | grep -q "model risk-v2" && ok || bad "show latest --kind risk"

# the engine prices cancellation with the model; the record names it
"$ordo" log show --order S001-000002 --data "$run" --json | python3 -c '
import json, sys; print(json.dumps(json.loads(sys.stdin.readline())["order"]))' > "$tmp/order.json"
for m in learned parametric; do
    printf '{"name":"c","risk":{"cancellation":{},"model":"%s"},"strategies":[{"name":"s","type":"weighted","weights":{"cost":1}}]}' \
        "$m" > "$tmp/$m.json"
    "$ordo" source --network "$run/network" --policy "$tmp/$m.json" --record --compact \
        --risk-model "$run/models/risk-v2.json" "$tmp/order.json" > "$tmp/rec-$m.json" \
        || bad "source --risk-model ($m) exits $?"
done
grep -q '"risk_model":"risk-v2:' "$tmp/rec-learned.json" && ok || bad "the record does not name the model"
grep -q '"risk_model"' "$tmp/rec-parametric.json" && bad "a parametric policy names a model" || ok
python3 - "$tmp/rec-learned.json" "$tmp/rec-parametric.json" <<'PY' && ok || bad "cancel_prob"
import json, sys
def probs(path):
    out = []
    def walk(v):
        if isinstance(v, dict):
            out.extend(x for k, x in v.items() if k == "cancel_prob")
            for x in v.values(): walk(x)
        elif isinstance(v, list):
            for x in v: walk(x)
    walk(json.load(open(path)))
    return out
l, p = probs(sys.argv[1]), probs(sys.argv[2])
assert l and p and l != p, (l, p)
PY

# errors name what is wrong
"$ordo" model train --run "$run" --kind lanes > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--kind" "$tmp/err" && ok || bad "--kind lanes exits $rc"
python3 - "$run/models/risk-v1.json" "$tmp/risk-bad.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["return"]["intercept"] += 0.5
json.dump(m, open(sys.argv[2], "w"))
PY
"$ordo" model eval --run "$run" --model "$tmp/risk-bad.json" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -ne 0 ] && grep -q "hash" "$tmp/err" && ok || bad "a changed model file exits $rc"
"$ordo" model train --run "$run" --kind risk --holdout 0 > /dev/null || bad "train --holdout 0"
"$ordo" model eval --run "$run" --model latest --kind risk > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -ne 0 ] && grep -q "held out" "$tmp/err" && ok || bad "eval with nothing held out exits $rc"

# a one-day run: its training part (before the held-out quarter) has no
# delivered order: refused naming holdout, no model file written
short="$tmp/short"
"$ordo" sim --scenario proximity-vs-cost --days 1 --orders-per-day 300 --seed 3 --out "$short" \
    > /dev/null 2>&1 || bad "short sim"
"$ordo" model train --run "$short" --kind risk --json > "$tmp/short.out" 2>&1; rc=$?
[ "$rc" -ne 0 ] && grep -q '"field":"holdout"' "$tmp/short.out" && [ ! -e "$short/models/risk-v1.json" ] \
    && ok || bad "a run with nothing to train on exits $rc: $(cat "$tmp/short.out")"
"$ordo" model train --run "$short" --kind risk --holdout 0 > /dev/null && ok \
    || bad "the same run with nothing held out"
echo "risk model cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
