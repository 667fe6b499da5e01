#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A count's time reaches the decision: after `ordo inventory apply` re-counts
# a cell (a snapshot with a fresh as_of), a policy that prices stale stock
# sees a fresh count there (confidence up, short-pick cost down), in the next
# process on the data directory.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
net="$src/docs/examples/network"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { local desc=$1; shift; if ! "$@"; then fail=$((fail + 1)); echo "FAIL: $desc" >&2; fi; }
risk() { python3 -c "import json, sys
s = json.load(open(sys.argv[1]))['shipments'][0]
print(s['node'], s['risk']['stock_confidence'], s['risk']['short_pick'])" "$1"; }

python3 -c "import json, sys
p = json.load(open(sys.argv[1])); p['name'] = 'stale-aware'; p['risk'] = {'stale_stock': {}}
json.dump(p, open(sys.argv[2], 'w'))" "$src/docs/examples/policy-default.json" "$tmp/policy.json"
order() { printf '{"id":"%s","created":"2026-12-07T15:00:00Z","ship_to":{"zip":"10027"},"service_level":"standard","lines":[{"sku":"SKU-0000001","quantity":1}]}\n' "$1"; }
d="$tmp/data"
order A-1 | "$ordo" source --network "$net" --data "$d" --policy "$tmp/policy.json" > "$tmp/p1.json"
read -r node1 conf1 short1 < <(risk "$tmp/p1.json")
check "a node was chosen" [ -n "$node1" ]
# the network's counts are eleven months old: not fully trusted
check "old count: confidence below 1 ($conf1)" python3 -c "import sys; sys.exit(not float('$conf1') < 1)"
on_hand=$(grep "^$node1,SKU-0000001," "$net/inventory.csv" | cut -d, -f3)
printf '{"kind":"snapshot","node":"%s","sku":"SKU-0000001","on_hand":%s,"as_of":"2026-12-07T12:00:00Z"}\n' \
    "$node1" "$on_hand" > "$tmp/snap.ndjson"
"$ordo" inventory apply --data "$d" "$tmp/snap.ndjson" > /dev/null; rc=$?
check "inventory apply exit $rc" [ "$rc" -eq 0 ]
order A-2 | "$ordo" source --network "$net" --data "$d" --policy "$tmp/policy.json" > "$tmp/p2.json"
read -r node2 conf2 short2 < <(risk "$tmp/p2.json")
check "same node ($node1, $node2)" [ "$node1" = "$node2" ]
check "fresh count: confidence up ($conf1 -> $conf2)" \
    python3 -c "import sys; sys.exit(not float('$conf2') > float('$conf1'))"
check "fresh count: short-pick cost down ($short1 -> $short2)" \
    python3 -c "import sys; sys.exit(not float('$short2') < float('$short1'))"
[ "$fail" -eq 0 ] && echo "stock as_of: all checks passed"
exit $((fail > 0))
