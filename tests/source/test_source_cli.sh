#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box tests of `ordo source`, `ordo policy` and `ordo price`.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
SRC=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR must point at the repository}
EX=$SRC/docs/examples
NET=$EX/network
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

# policy check / show / list
for f in "$EX"/policy-*.json; do
    out=$("$ORDO" policy check "$f"); rc=$?
    check "policy check $(basename "$f")" '[ $rc -eq 0 ] && [[ "$out" == ok:* ]]'
done
"$ORDO" policy show cost-optimized > "$T/p.json"
v1=$("$ORDO" policy check --json "$T/p.json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
v2=$("$ORDO" policy check --json cost-optimized | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
check "policy show round-trips to the same version" '[ -n "$v1" ] && [ "$v1" = "$v2" ]'
check "policy list names six built-ins" '[ $("$ORDO" policy list | wc -l) -eq 6 ]'
echo '{"name":"x","strategies":[{"name":"s","type":"weighted","weights":{"cost":1e999}}]}' > "$T/nan.json"
err=$("$ORDO" policy check "$T/nan.json" 2>&1); rc=$?
check "non-finite weight is a data error naming the field" '[ $rc -eq 65 ] && [[ "$err" == *"strategies[0].weights.cost"* ]]'
echo '{"name":"x","speed":1,"strategies":[{"name":"s","type":"weighted"}]}' > "$T/unk.json"
err=$("$ORDO" policy check --json "$T/unk.json" 2>&1); rc=$?
check "unknown policy field is an error naming it" '[ $rc -eq 65 ] && [[ "$err" == *\"field\":\"speed\"* ]]'
"$ORDO" policy check no-such-policy >/dev/null 2>&1; rc=$?
check "unknown policy name fails" '[ $rc -ne 0 ]'

# one order
"$ORDO" source --network "$NET" --policy default "$EX/order.json" > "$T/plan.json"; rc=$?
check "source one order" '[ $rc -eq 0 ] && [ "$(json "$T/plan.json" "d[\"status\"]")" = ok ]'
check "plan names its policy version" '[ "$(json "$T/plan.json" "d[\"policy\"][\"version\"]")" = "$v2" ] || [ -n "$(json "$T/plan.json" "d[\"policy\"][\"version\"]")" ]'
check "plan has shipments with eta and cost" '[ "$(json "$T/plan.json" "all(\"eta\" in s and \"cost\" in s and \"on_time_prob\" in s for s in d[\"shipments\"])")" = True ]'
"$ORDO" source --network "$NET" --policy proximity-first --explain "$EX/order.json" > "$T/explain.json"
check "--explain lists candidates with verdicts" '[ "$(json "$T/explain.json" "len(d[\"explain\"][\"candidates\"])>0 and all(\"verdict\" in c for c in d[\"explain\"][\"candidates\"])")" = True ]'

# batch, with a bad line in the middle
{ head -n 2 "$EX/orders.ndjson"
  echo '{"id":"BAD","ship_to":{"zip":"10027"},"lines":[{"sku":"NO-SUCH-SKU","quantity":1}]}'
  echo 'not json'
  tail -n +3 "$EX/orders.ndjson"; } > "$T/in.ndjson"
n_in=$(grep -c . "$T/in.ndjson")
"$ORDO" source --network "$NET" --policy default < "$T/in.ndjson" > "$T/out.ndjson"; rc=$?
check "batch: one output line per input line" '[ "$(wc -l < "$T/out.ndjson")" -eq "$n_in" ]'
check "batch: a bad line is a data error, the rest still decided" '[ $rc -eq 65 ] && [ "$(grep -c "\"status\"" "$T/out.ndjson")" -eq $((n_in - 2)) ]'
check "batch: the unknown SKU names its line and field" 'sed -n 3p "$T/out.ndjson" | grep -q "lines\[0\].sku"'
"$ORDO" source --network "$NET" --policy default --record < "$EX/orders.ndjson" > "$T/rec.ndjson"
check "--record writes decision records" '/usr/bin/python3 -c "
import json,sys
for l in open(\"$T/rec.ndjson\"):
    r=json.loads(l); assert {\"order\",\"atp\",\"policy\",\"model_version\",\"plan\",\"fallback\",\"latency_ns\",\"timestamp\"} <= set(r)
"'

# price: the decided plan prices to its own cost; a worse plan costs more
"$ORDO" price --network "$NET" --order "$EX/order.json" --plan "$T/plan.json" > "$T/priced.json"; rc=$?
check "price a decided plan" '[ $rc -eq 0 ] && [ "$(json "$T/priced.json" "d[\"totals\"][\"cost\"][\"total\"]")" = "$(json "$T/plan.json" "d[\"totals\"][\"cost\"][\"total\"]")" ]'
echo '{"shipments":[{"node":"NOPE","lines":[{"line":0}]}]}' > "$T/badplan.json"
err=$("$ORDO" price --network "$NET" --order "$EX/order.json" --plan "$T/badplan.json" 2>&1); rc=$?
check "price: unknown node is a data error naming the field" '[ $rc -eq 65 ] && [[ "$err" == *"shipments[0].node"* ]]'
"$ORDO" source --network "$NET" >/dev/null 2>&1; rc=$?
check "missing --policy is a usage error" '[ $rc -eq 2 ]'

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
