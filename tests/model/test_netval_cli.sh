#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo model train --kind netval on a small network-value run: a versioned
# netval-vN.json beside the other kinds, model show (text and --json), a
# changed file refused by its hash; then ordo source --netval: a policy with
# "network_value": true takes less of the stock the LP values (the plans
# that change keep scarce units where the model prices them), records name
# the model, and a policy without it decides exactly as before.
# Env: ORDO_BIN (the ordo binary).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
tmp=$(mktemp -d /tmp/ordo-netval-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
run="$tmp/run"
"$ordo" sim --scenario network-value --days 10 --orders-per-day 300 --seed 1 --out "$run" \
    > /dev/null 2>&1 || bad "sim"

# ---- training: netval-v1, then netval-v2 with a longer horizon ----
"$ordo" model train --kind netval --data "$run" --json > "$tmp/t1.json" || bad "train exits $?"
"$ordo" model train --kind netval --run "$run" --horizon 14 > "$tmp/t2.txt" || bad "train --horizon"
[ -f "$run/models/netval-v1.json" ] && [ -f "$run/models/netval-v2.json" ] && ok \
    || bad "no models/netval-v1.json and netval-v2.json"
ls "$run/models" | grep -q '^eta-\|^risk-' && bad "--kind netval trained another kind" || ok
grep -q "model netval-v2" "$tmp/t2.txt" && grep -q "horizon\|over 14 days" "$tmp/t2.txt" && ok \
    || bad "train text: $(cat "$tmp/t2.txt")"
python3 - "$tmp/t1.json" "$run/models/netval-v2.json" <<'PY' && ok || bad "train --json fields"
import json, sys
t = json.load(open(sys.argv[1]))
assert set(t) == {"netval"}, t.keys()
n = t["netval"]
assert n["version"] == "netval-v1" and len(n["hash"]) == 16 and n["horizon_days"] == 7
assert n["orders"] > 1000 and n["skus"] == 120 and n["nodes"] == 10 and n["lps"] > 0
assert 0 < n["mean_value"] <= n["max_value"] and n["priced_cells"] > 0 and n["solve_seconds"] >= 0
f = json.load(open(sys.argv[2]))
assert f["format"] == "ordo-netval" and f["format_version"] == 1 and f["version"] == "netval-v2"
for k in ("hash", "created", "run", "orders", "trained_from", "trained_until"):
    assert k in f, k  # the head every model file shares
assert f["horizon_days"] == 14 and f["mean_value"] > n["mean_value"], "14 days make stock scarcer"
assert all(v[2] > 0 for v in f["values"])
PY
"$ordo" model show latest --kind netval --data "$run" --json > "$tmp/s.json" || bad "show exits $?"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["version"]=="netval-v2" and s["kind"]=="netval"' \
    "$tmp/s.json" && ok || bad "show latest --kind netval"
"$ordo" model show "$run/models/netval-v1.json" | grep -q "mean .* max" && ok || bad "show by path"
"$ordo" model show netval-v1 --data "$run" | grep -q "model netval-v1" && ok || bad "show by version"

# ---- errors name what is wrong ----
"$ordo" model train --kind risk --run "$run" --horizon 3 > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--kind netval" "$tmp/err" && ok || bad "--horizon without netval: $rc"
"$ordo" model eval --run "$run" --model netval-v1 > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "show" "$tmp/err" && ok || bad "eval of a netval model exits $rc"
python3 - "$run/models/netval-v1.json" "$tmp/nv-bad.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["values"][0][2] += 1
json.dump(m, open(sys.argv[2], "w"))
PY
"$ordo" model show "$tmp/nv-bad.json" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -ne 0 ] && grep -q "hash" "$tmp/err" && ok || bad "a changed model file exits $rc"

# ---- ordo source --netval ----
"$ordo" log export --data "$run" --limit 1500 2> /dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if "order" in r and not r.get("shadow"): print(json.dumps(r["order"]))' > "$tmp/orders.ndjson"
for nv in true false; do
    printf '{"name":"lc-%s","network_value":%s,"constraints":{"max_shipments":3,"allow_line_split":true},"strategies":[{"name":"m","type":"weighted","weights":{"cost":1,"economic":1,"on_time":0,"return_risk":0,"load":0,"split":0}}]}' \
        "$nv" "$nv" > "$tmp/p-$nv.json"
    "$ordo" source --network "$run/network" --policy "$tmp/p-$nv.json" < "$tmp/orders.ndjson" \
        > "$tmp/plain-$nv.ndjson" || bad "source ($nv) exits $?"
    "$ordo" source --network "$run/network" --policy "$tmp/p-$nv.json" \
        --netval "$run/models/netval-v2.json" < "$tmp/orders.ndjson" > "$tmp/nv-$nv.ndjson" 2> "$tmp/err" \
        || bad "source --netval ($nv) exits $?: $(cat "$tmp/err")"
done
python3 - "$run/models/netval-v2.json" "$tmp" <<'PY' && ok || bad "plans with the network value"
import json, sys
m = json.load(open(sys.argv[1])); d = sys.argv[2]
val = {(m["node_ids"][n], m["sku_ids"][k]): v for n, k, v in m["values"]}
def plans(path):
    out = {}
    for l in open(path):
        p = json.loads(l)
        out[p["order_id"]] = [(s["node"], l["sku"], l["quantity"]) for s in p.get("shipments", [])
                              for l in s["lines"]]
    return out
def taken(ps):
    return sum(q * val.get((n, k), 0) for p in ps.values() for n, k, q in p)
a, b = plans(d + "/plain-false.ndjson"), plans(d + "/nv-false.ndjson")
assert a == b and len(a) > 1000, "a policy without network_value changed"
a, b = plans(d + "/plain-true.ndjson"), plans(d + "/nv-true.ndjson")
changed = [o for o in a if a[o] != b[o]]
assert len(changed) >= 10, len(changed)
va, vb = taken(a), taken(b)
print(f"{len(changed)} of {len(a)} plans changed; network value taken {va:.1f} -> {vb:.1f}")
assert vb < va, (va, vb)
lower = sum(taken({o: b[o]}) < taken({o: a[o]}) for o in changed)
print(f"{lower} of them take less of the value")
assert lower > 0.7 * len(changed), (lower, len(changed))
PY
head -1 "$tmp/orders.ndjson" > "$tmp/one.json"
for nv in true false; do # latest: in $ORDO_DATA/models
    ORDO_DATA="$run" "$ordo" source --network "$run/network" --policy "$tmp/p-$nv.json" --record --compact \
        --netval latest "$tmp/one.json" > "$tmp/rec-$nv.json" || bad "record $nv"
done
grep -q '"netval_model":"netval-v2:' "$tmp/rec-true.json" && ok || bad "the record does not name the model"
grep -q '"netval_model"' "$tmp/rec-false.json" && bad "a policy without network_value names it" || ok
ORDO_DATA="$tmp/empty" "$ordo" source --network "$run/network" --policy "$tmp/p-true.json" \
    --netval latest "$tmp/one.json" > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -ne 0 ] && grep -q "netval-vN" "$tmp/err" && ok || bad "--netval latest without a model: $rc"

echo "netval model cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
