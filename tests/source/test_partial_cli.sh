#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box tests of partial orders through `ordo source`: a policy with
# constraints.partial, a network directory with replenishment.csv.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
SRC=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR must point at the repository}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

mkdir "$T/net"
cp "$SRC"/tests/fixtures/source/net/* "$T/net/"
printf 'node,sku,quantity,arrival\nDC-ATLANTA,GONE-1,5,2026-12-01\n' > "$T/net/replenishment.csv"
cat > "$T/pol.json" <<'P'
{"name":"ship-what-we-can","constraints":{"partial":{"mode":"ship_available","pickup":["transfer"]}},
 "strategies":[{"name":"w","type":"weighted"}]}
P
echo '{"id":"h","created":"2026-11-24T10:00:00Z","ship_to":{"zip":"30303"},"lines":[{"sku":"GONE-1","quantity":3},{"sku":"TEE-1","quantity":1}]}' > "$T/half.json"

"$ORDO" source --network "$T/net" --policy "$T/pol.json" "$T/half.json" > "$T/plan.json"; rc=$?
check "source: a half-available order decides" '[ $rc -eq 0 ]'
check "status partial" '[ "$(json "$T/plan.json" "d[\"status\"]")" = partial ]'
check "the in-stock line ships" '[ "$(json "$T/plan.json" "[l[\"line\"] for s in d[\"shipments\"] for l in s[\"lines\"]]")" = "[1]" ]'
check "the other is backordered with a promise from replenishment" \
    '[ "$(json "$T/plan.json" "(d[\"backorders\"][0][\"action\"], d[\"backorders\"][0][\"promise_date\"])")" = "('"'"'backordered'"'"', '"'"'2026-12-03'"'"')" ]'
check "partial lines say what happened" \
    '[ "$(json "$T/plan.json" "[l[\"action\"] for l in d[\"partial\"][\"lines\"]]")" = "['"'"'backordered'"'"', '"'"'shipped'"'"']" ]'

"$ORDO" source --record --network "$T/net" --policy "$T/pol.json" "$T/half.json" > "$T/rec.json"
check "the decision record carries the partial plan" \
    '[ "$(json "$T/rec.json" "d[\"plan\"][\"partial\"][\"handling\"]")" = ship_available ]'

# without the setting: unfulfillable, as before
"$ORDO" source --network "$T/net" --policy default "$T/half.json" > "$T/plan0.json"
check "default policy: unfulfillable, no partial section" \
    '[ "$(json "$T/plan0.json" "(d[\"status\"], \"partial\" in d)")" = "('"'"'unfulfillable'"'"', False)" ]'

# pickup: transfer to the store
echo '{"id":"k","created":"2026-11-24T10:00:00Z","service_level":"pickup","pickup_store":"ST-SF","lines":[{"sku":"TV-55","quantity":1}]}' > "$T/pick.json"
"$ORDO" source --network "$T/net" --policy "$T/pol.json" "$T/pick.json" > "$T/tr.json"
check "pickup short at its store: transferred to it" \
    '[ "$(json "$T/tr.json" "(d[\"status\"], d[\"shipments\"][0][\"transfer_to\"], d[\"partial\"][\"lines\"][0][\"action\"])")" = "('"'"'ok'"'"', '"'"'ST-SF'"'"', '"'"'transferred'"'"')" ]'

# a bad replenishment row names file, line and field
printf 'node,sku,quantity,arrival\nDC-ATLANTA,GONE-1,five,2026-12-01\n' > "$T/net/replenishment.csv"
err=$("$ORDO" source --network "$T/net" --policy "$T/pol.json" "$T/half.json" 2>&1); rc=$?
check "bad replenishment.csv: error names file, line, field" \
    '[ $rc -ne 0 ] && [[ "$err" == *replenishment.csv* ]] && [[ "$err" == *2* ]] && [[ "$err" == *quantity* ]]'

# a bad policy setting names the field
echo '{"name":"x","constraints":{"partial":{"mode":"some"}},"strategies":[{"name":"s","type":"weighted"}]}' > "$T/badp.json"
err=$("$ORDO" policy check "$T/badp.json" 2>&1); rc=$?
check "bad partial mode names constraints.partial.mode" '[ $rc -ne 0 ] && [[ "$err" == *constraints.partial.mode* ]]'

[ $fails -eq 0 ]
