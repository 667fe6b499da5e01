#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `ordo inventory apply` (docs/formats.md "Inventory documents"): snapshot
# and delta records with as_of, NDJSON or CSV, all or nothing, errors that
# name the line and the field, stale snapshots skipped, FIFOs refused.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local desc=$1; shift; if "$@"; then ok; else bad "$desc"; fi; }
cell() { # cell DIR NODE SKU: "on_hand reserved safety" of the cell
    "$ordo" inventory show --data "$1" --node "$2" --sku "$3" --json | python3 -c '
import json, sys
c = json.load(sys.stdin)["cells"]
print(" ".join(str(c[0][k]) for k in ("on_hand", "reserved", "safety_stock")) if c else "none")'
}
ex="$src/docs/examples"

# 1. the examples, NDJSON and CSV, give the same stock
for f in inventory.ndjson inventory.csv; do
    d="$tmp/ex-$f"
    "$ordo" inventory apply --data "$d" "$ex/$f" --json > "$tmp/o.json" || bad "apply $f"
    check "$f: 2 snapshots, 2 deltas" grep -q '"snapshots":2,"deltas":2,"stale":0' "$tmp/o.json"
    check "$f: SKU-0000001 480 + 120, safety 5 ($(cell "$d" DC-001 SKU-0000001))" \
        [ "$(cell "$d" DC-001 SKU-0000001)" = "600 0 5" ]
    check "$f: SKU-0000003 15 - 2 ($(cell "$d" DC-001 SKU-0000003))" \
        [ "$(cell "$d" DC-001 SKU-0000003)" = "13 0 0" ]
done
# again: the snapshots are no newer than the cells (stale), the deltas add
d="$tmp/ex-inventory.ndjson"
"$ordo" inventory apply --data "$d" "$ex/inventory.ndjson" --json > "$tmp/o.json"
check "a repeated document: its snapshots are stale" grep -q '"snapshots":0,"deltas":2,"stale":2' "$tmp/o.json"

# 2. all or nothing: a bad last record stores nothing, names line and field
d="$tmp/aon"
"$ordo" inventory apply --data "$d" "$ex/inventory.ndjson" > /dev/null
cat > "$tmp/bad.ndjson" <<'J'
{"kind":"delta","node":"DC-001","sku":"SKU-0000001","quantity":5,"as_of":"2026-01-07T00:00:00Z"}
{"kind":"delta","node":"DC-001","sku":"SKU-0000003","quantity":-99,"as_of":"2026-01-07T00:00:00Z"}
J
"$ordo" inventory apply --data "$d" "$tmp/bad.ndjson" 2> "$tmp/err"; rc=$?
check "below 0 fails" [ "$rc" -ne 0 ]
check "... naming line 2 and quantity ($(cat "$tmp/err"))" grep -q "bad.ndjson:2.*quantity" "$tmp/err"
check "... and the good record is not applied" [ "$(cell "$d" DC-001 SKU-0000001)" = "600 0 5" ]

# 3. strict records: each error names its field
bad_case() { # bad_case NAME FIELD LINE: the record fails naming FIELD
    printf '%s\n' "$3" > "$tmp/$1.ndjson"
    "$ordo" inventory apply --data "$tmp/strict" "$tmp/$1.ndjson" 2> "$tmp/err"; local rc=$?
    if [ "$rc" -ne 0 ] && grep -q "$2" "$tmp/err"; then ok; else
        bad "$1: exit $rc, want the field '$2' named: $(cat "$tmp/err")"; fi
}
s='"node":"N","sku":"S"'
bad_case no-as-of as_of "{\"kind\":\"snapshot\",$s,\"on_hand\":1}"
bad_case date-as-of as_of "{\"kind\":\"snapshot\",$s,\"on_hand\":1,\"as_of\":\"2026-01-07\"}"
bad_case no-kind kind "{$s,\"on_hand\":1,\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case bad-kind kind "{\"kind\":\"count\",$s,\"on_hand\":1,\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case qty-in-snap quantity "{\"kind\":\"snapshot\",$s,\"on_hand\":1,\"quantity\":2,\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case onhand-in-delta on_hand "{\"kind\":\"delta\",$s,\"on_hand\":1,\"quantity\":2,\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case zero-delta quantity "{\"kind\":\"delta\",$s,\"quantity\":0,\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case neg-onhand on_hand "{\"kind\":\"snapshot\",$s,\"on_hand\":-1,\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case frac on_hand "{\"kind\":\"snapshot\",$s,\"on_hand\":1.5,\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case huge on_hand "{\"kind\":\"snapshot\",$s,\"on_hand\":1e308,\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case twice sku "{\"kind\":\"snapshot\",$s,\"sku\":\"T\",\"on_hand\":1,\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case unknown colour "{\"kind\":\"snapshot\",$s,\"colour\":\"red\",\"on_hand\":1,\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case text-onhand on_hand "{\"kind\":\"snapshot\",$s,\"on_hand\":\"1\",\"as_of\":\"2026-01-07T00:00:00Z\"}"
bad_case empty-node node "{\"kind\":\"snapshot\",\"node\":\"\",\"sku\":\"S\",\"on_hand\":1,\"as_of\":\"2026-01-07T00:00:00Z\"}"
check "refused documents create no store" [ ! -e "$tmp/strict/ordo.db" ]
printf '{"kind":"snapshot","node":"N\xff","sku":"S","on_hand":1,"as_of":"2026-01-07T00:00:00Z"}\n' > "$tmp/utf8.ndjson"
"$ordo" inventory apply --data "$tmp/strict" "$tmp/utf8.ndjson" 2> /dev/null
check "invalid UTF-8 is refused" [ $? -ne 0 ]
printf 'kind,node,sku,on_hand,safety_stock,quantity,as_of\nsnapshot,N,S,1,,2,2026-01-07T00:00:00Z\n' > "$tmp/b.csv"
"$ordo" inventory apply --data "$tmp/strict" "$tmp/b.csv" 2> "$tmp/err"
check "CSV: a quantity in a snapshot row names line 2 and the field" grep -q "b.csv:2.*quantity" "$tmp/err"
printf 'node,sku,on_hand,safety_stock\nN,S,1,\n' > "$tmp/old.csv"
"$ordo" inventory apply --data "$tmp/strict" "$tmp/old.csv" 2> "$tmp/err"
check "CSV: another header is refused, naming the header wanted" grep -q "kind,node,sku" "$tmp/err"
cp "$ex/inventory.ndjson" "$tmp/inv.txt"
"$ordo" inventory apply --data "$tmp/strict" "$tmp/inv.txt" --check 2> "$tmp/err"
check "no extension: the format must be given" grep -q -- "--format" "$tmp/err"
"$ordo" inventory apply --data "$tmp/strict" "$tmp/inv.txt" --format ndjson --check > /dev/null
check "--format ndjson reads it" [ $? -eq 0 ]
check "--check stores nothing" [ ! -e "$tmp/strict/ordo.db" ]

# 4. a delta needs the cell; a stale snapshot is skipped, a newer one applies
d="$tmp/order"
printf '{"kind":"delta","node":"N","sku":"S","quantity":3,"as_of":"2026-01-07T00:00:00Z"}\n' > "$tmp/d.ndjson"
"$ordo" inventory apply --data "$d" "$tmp/d.ndjson" 2> "$tmp/err"
check "a delta without the cell is refused (ENOTFOUND)" grep -q "apply a snapshot of it first" "$tmp/err"
cat > "$tmp/seq.ndjson" <<'J'
{"kind":"snapshot","node":"N","sku":"S","on_hand":10,"as_of":"2026-01-07T10:00:00Z"}
{"kind":"delta","node":"N","sku":"S","quantity":-4,"as_of":"2026-01-07T11:00:00Z"}
{"kind":"snapshot","node":"N","sku":"S","on_hand":50,"as_of":"2026-01-07T09:00:00Z"}
J
"$ordo" inventory apply --data "$d" "$tmp/seq.ndjson" --json > "$tmp/o.json"
check "in order: 10, -4, then the 09:00 count is stale" grep -q '"snapshots":1,"deltas":1,"stale":1' "$tmp/o.json"
check "... on hand 6 ($(cell "$d" N S))" [ "$(cell "$d" N S)" = "6 0 0" ]
printf '{"kind":"snapshot","node":"N","sku":"S","on_hand":8,"safety_stock":2,"as_of":"2026-01-07T12:00:00Z"}\n' > "$tmp/new.ndjson"
"$ordo" inventory apply --data "$d" "$tmp/new.ndjson" > /dev/null
check "a newer count applies, with its safety stock ($(cell "$d" N S))" [ "$(cell "$d" N S)" = "8 0 2" ]
"$ordo" audit list --data "$d" 2> /dev/null | grep -q apply && ok || true

# 5. a FIFO is refused at once, not waited on
mkfifo "$tmp/fifo.ndjson"
timeout 10 "$ordo" inventory apply --data "$d" "$tmp/fifo.ndjson" 2> "$tmp/err"; rc=$?
check "a FIFO is refused (exit $rc, not the timeout's 124)" [ "$rc" -ne 0 -a "$rc" -ne 124 ]

# 6. load and delta still work beside apply
printf 'node,sku,quantity\nN,S,2\n' > "$tmp/d.csv"
"$ordo" inventory delta --data "$d" "$tmp/d.csv" > /dev/null
check "inventory delta still adds ($(cell "$d" N S))" [ "$(cell "$d" N S)" = "10 0 2" ]

echo "inventory apply: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
