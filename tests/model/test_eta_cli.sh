#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo model train|eval|show on a small simulation run: versioned files, the
# held-out split, the scores' shape, and errors that name what is wrong.
# Env: ORDO_BIN (the ordo binary).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
tmp=$(mktemp -d /tmp/ordo-model-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
run="$tmp/run"
"$ordo" sim --scenario proximity-vs-cost --days 4 --orders-per-day 400 --seed 11 --out "$run" \
    > /dev/null 2>&1 || bad "sim"

"$ordo" model train --run "$run" --json > "$tmp/t1.json" || bad "model train exits $?"
[ -f "$run/models/eta-v1.json" ] && ok || bad "no models/eta-v1.json"
"$ordo" model train --run "$run" --holdout 0.5 --json > "$tmp/t2.json" || bad "second train"
[ -f "$run/models/eta-v2.json" ] && ok || bad "a retrain is not eta-v2.json"
python3 - "$tmp/t1.json" "$tmp/t2.json" <<'PY' && ok || bad "train --json fields"
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
assert a["version"] == "eta-v1" and b["version"] == "eta-v2", (a["version"], b["version"])
assert len(a["hash"]) == 16 and a["shipments"] > 0 and a["lanes"] > 0
assert b["trained_until"] < a["trained_until"], "a larger holdout ends training earlier"
assert b["shipments"] < a["shipments"]
assert set(a["seconds"]) == {"read", "join", "train"}
PY

"$ordo" model eval --run "$run" --model latest --json > "$tmp/e.json" || bad "model eval exits $?"
python3 - "$tmp/e.json" <<'PY' && ok || bad "eval --json fields"
import json, sys
e = json.load(open(sys.argv[1]))
assert e["model"] == "eta-v2" and e["shipments"] > 0
for k in ("on_time_learned", "on_time_logged"):
    r = e[k]
    assert 0 <= r["brier"] <= 1 and len(r["deciles"]) == 10
    assert sum(d["n"] for d in r["deciles"]) > 0
# each learned decile's sampling error: sqrt(sum p(1 - p)) / n <= 0.5 / sqrt(n)
for d in e["on_time_learned"]["deciles"]:
    assert d["n"] == 0 or 0 < d["se"] <= 0.5 / d["n"] ** 0.5 + 1e-12, d
assert 0 <= e["p90_coverage"]["observed"] <= 1 and 0 <= e["p90_coverage"]["pit"] <= 1
for k in ("learned", "carrier", "weekday_mode"):
    assert e["pinball"][k]["p50"] >= 0 and e["pinball"][k]["p90"] >= 0
# the learned lanes beat the published histograms the engine plans with
assert e["pinball"]["learned"]["p90"] < e["pinball"]["carrier"]["p90"]
assert e["on_time_learned"]["brier"] < e["on_time_logged"]["brier"]
PY
# --recalibrate: an isotonic map fitted on the first half of the held-out
# span, the calibration before and after on the second half
"$ordo" model eval --run "$run" --model eta-v1 --recalibrate --json > "$tmp/r.json" || bad "eval --recalibrate exits $?"
python3 - "$tmp/r.json" <<'PY' && ok || bad "eval --recalibrate --json fields"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["model"] == "eta-v1" and 1 <= r["blocks"] <= 64 and r["fitted_on"] > 0 and r["scored"] > 0, r
for k in ("before", "after"):
    assert 0 <= r[k]["brier"] <= 1 and len(r[k]["deciles"]) == 10
    assert sum(d["n"] for d in r[k]["deciles"]) == r["scored"]
PY
"$ordo" model eval --run "$run" --model eta-v1 > "$tmp/e.txt" || bad "eval text exits $?"
grep -q "pinball loss" "$tmp/e.txt" && grep -q "Brier score" "$tmp/e.txt" && ok || bad "eval text"

"$ordo" model show latest --data "$run" --json > "$tmp/s.json" || bad "model show exits $?"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["version"]=="eta-v2" and s["destinations"]>0' \
    "$tmp/s.json" && ok || bad "show --json"
"$ordo" model show "$run/models/eta-v1.json" | grep -q "model eta-v1" && ok || bad "show by path"
# drift: calibration on the outcomes after training, saved for /metrics
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["drift"]; assert d["predictions"]>0 and d["alarm"] in (True, False), d' \
    "$tmp/s.json" && ok || bad "show --data has no drift check"
"$ordo" model show latest --data "$run" --bound 1 --json > "$tmp/s1.json" || bad "show --bound 1"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert not s["drift"]["alarm"] and "suggestion" not in s' \
    "$tmp/s1.json" && ok || bad "a calibration within bound raises an alarm"
[ -f "$run/models/drift.json" ] && ok || bad "no models/drift.json"
"$ordo" model show latest --data "$run" --bound 0 --min-n 1 --json > "$tmp/s2.json" || bad "show --bound"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["drift"]["alarm"] and "model train" in s["suggestion"]' \
    "$tmp/s2.json" && ok || bad "an out-of-bound calibration raises no alarm"
"$ordo" model show latest --data "$run" --bound 0 --min-n 1 | grep -q "ALARM" && ok || bad "no ALARM line"

# the engine times shipments with the model; the record names it
"$ordo" log show --order S001-000002 --data "$run" --json | python3 -c '
import json, sys; print(json.dumps(json.loads(sys.stdin.readline())["order"]))' > "$tmp/order.json"
"$ordo" source --network "$run/network" --policy default --eta-model "$run/models/eta-v1.json" --record \
    --compact "$tmp/order.json" > "$tmp/rec.json" || bad "source --eta-model exits $?"
grep -q '"eta_model":"eta-v1:' "$tmp/rec.json" && ok || bad "the record does not name the model"
printf '{"name":"pub","eta":"published","strategies":[{"name":"s","type":"weighted","weights":{"cost":1}}]}' \
    > "$tmp/pub.json"
"$ordo" source --network "$run/network" --eta-model "$run/models/eta-v1.json" --record \
    --policy "$tmp/pub.json" --compact "$tmp/order.json" > "$tmp/rec2.json" || bad "eta published"
grep -q '"eta_model"' "$tmp/rec2.json" && bad "a published-eta policy names a model" || ok

# errors name what is wrong
"$ordo" model train > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--run" "$tmp/err" && ok || bad "train without --run exits $rc"
"$ordo" model train --run "$run" --holdout 1 > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--holdout" "$tmp/err" && ok || bad "--holdout 1 exits $rc"
"$ordo" model show eta-v9 --data "$run" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -ne 0 ] && grep -q "eta-v9" "$tmp/err" && ok || bad "show of a missing model exits $rc"
sed 's/"hash":"\([0-9a-f]*\)"/"hash":"0000000000000000"/' "$run/models/eta-v1.json" > "$tmp/bad.json"
"$ordo" model eval --run "$run" --model "$tmp/bad.json" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -ne 0 ] && grep -q "hash" "$tmp/err" && ok || bad "a changed model file exits $rc"
# training with everything held back to the end scores nothing
"$ordo" model train --run "$run" --holdout 0 > /dev/null || bad "train --holdout 0"
"$ordo" model eval --run "$run" --model latest > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -ne 0 ] && grep -q "held out" "$tmp/err" && ok || bad "eval with nothing held out exits $rc"

echo "model cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
