#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo log export --format csv quotes a cell that holds a comma, a quote,
# CR or LF (RFC 4180), wherever it falls in an eight-byte word of the quote
# check, and the CBOR picker's rows equal the record reader's byte for byte.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # check "desc" condition-command...
    local desc=$1; shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $desc" >&2; fi
}

# order ids with a comma or a quote before, inside and after the first
# eight bytes, and one that needs no quotes
python3 - "$src/docs/examples/orders.ndjson" > "$tmp/orders.ndjson" <<'PYEOF'
import json, sys
ids = ['A,1', 'ORD"1002,with-a-long-tail', 'abcdefgh,ijk', 'abcdefghijklmnop"',
       'abcdefghijklmno,', 'plain-id-0005', 'x' * 23 + '"']
base = open(sys.argv[1]).read().splitlines()
for i, x in enumerate(ids):
    o = json.loads(base[i % len(base)])
    o['id'] = x
    print(json.dumps(o))
PYEOF
"$ordo" source --network "$src/docs/examples/network" --policy cost-optimized --data "$tmp/d" \
    < "$tmp/orders.ndjson" > /dev/null
check "ordo source" [ $? -eq 0 ]
"$ordo" log export "$tmp/d" --format csv > "$tmp/fast.csv"
check "export" [ $? -eq 0 ]
ORDO_EXPORT_READER=1 "$ordo" log export "$tmp/d" --format csv > "$tmp/reader.csv"
check "picker rows = reader rows" cmp -s "$tmp/fast.csv" "$tmp/reader.csv"
python3 - "$tmp/fast.csv" "$tmp/orders.ndjson" <<'PYEOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
want = [json.loads(l)['id'] for l in open(sys.argv[2])]
got = [r['order_id'] for r in rows]
assert got == want, (got, want)
assert all(len(r) == 26 for r in rows)
PYEOF
check "quoted cells read back as the order ids" [ $? -eq 0 ]
check "a plain id is not quoted" grep -q ',plain-id-0005,' "$tmp/fast.csv"
check "a quote doubled" grep -q ',"abcdefghijklmnop""",' "$tmp/fast.csv"

echo "test_log_export_csv: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
