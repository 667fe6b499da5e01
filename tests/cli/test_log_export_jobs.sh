#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo log export --jobs N gives the bytes of --jobs 1 (stdout, stderr and
# exit status), as CSV and NDJSON: on a log of many segments cut into many
# ranges, with records the CSV skips, meta records, --from-seq and
# --since and --limit, a damaged record (the export stops there either way:
# the range that meets it is read again from the start), a changed .idx,
# the CBOR decision log, and an empty log. KEEP=1 keeps the files.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap "${KEEP:+:} rm -rf $tmp" EXIT
pass=0 fail=0
check() { # check "desc" condition-command...
    local desc=$1; shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $desc" >&2; fi
}

# export DIR JOBS TAG [args...]: stdout, stderr (without the range count)
# and the exit status into $tmp/TAG.*
export_to() {
    local dir=$1 jobs=$2 tag=$3; shift 3
    ORDO_EXPORT_RANGE=${RANGE:-40} "$ordo" log export "$dir" --jobs "$jobs" "$@" \
        > "$tmp/$tag.out" 2> "$tmp/$tag.err0"
    echo $? > "$tmp/$tag.rc"
    grep -v '^ordo: export in [0-9]* ranges$' "$tmp/$tag.err0" > "$tmp/$tag.err"
}
# same DIR DESC [args...]: --jobs 2, 3 and 7 give what --jobs 1 gives
same() {
    local dir=$1 desc=$2; shift 2
    export_to "$dir" 1 one "$@"
    for j in 2 3 7; do
        export_to "$dir" "$j" many "$@"
        check "$desc, --jobs $j: stdout" cmp -s "$tmp/one.out" "$tmp/many.out"
        check "$desc, --jobs $j: stderr" cmp -s "$tmp/one.err" "$tmp/many.err"
        check "$desc, --jobs $j: status" cmp -s "$tmp/one.rc" "$tmp/many.rc"
    done
}
ranges() { sed -n 's/^ordo: export in \([0-9]*\) ranges$/\1/p' "$tmp/many.err0"; }

# the CBOR decision log of a few orders, and its records as JSON text
"$ordo" source --network "$src/docs/examples/network" --policy cost-optimized --data "$tmp/d" \
    < "$src/docs/examples/orders.ndjson" > /dev/null
check "ordo source" [ $? -eq 0 ]
"$ordo" log export "$tmp/d" > "$tmp/dec.ndjson"
check "decisions exported" [ -s "$tmp/dec.ndjson" ]
same "$tmp/d" "CBOR log, csv" --format csv
same "$tmp/d" "CBOR log, ndjson"

# a log of many 64 KiB segments: decisions (type 1) with lines the CSV
# cannot read, shadow (2) and meta (3) records between them
python3 - "$tmp/dec.ndjson" "$tmp" <<'PYEOF'
import sys
dec = open(sys.argv[1]).read().splitlines()
for part in range(6):
    with open(f'{sys.argv[2]}/part{part}.ndjson', 'w') as f:
        for i in range(400):
            line = dec[(part * 400 + i) % len(dec)]
            if part % 3 == 0 and i % 97 == 5:
                line = 'not json ' + str(i)
            print(line, file=f)
PYEOF
for part in 0 1 2 3 4 5; do
    type=$((part % 3 + 1))
    "$ordo" log append "$tmp/big" --type "$type" --segment-bytes 65536 "$tmp/part$part.ndjson" \
        > /dev/null || check "log append part $part" false
done
segs=$(ls "$tmp/big/log"/*.seg | wc -l)
check "the log has many segments ($segs)" [ "$segs" -ge 8 ]
same "$tmp/big" "many segments, csv" --format csv
check "cut into many ranges ($(ranges))" [ "$(ranges)" -ge 10 ]
check "records skipped, and said so" grep -q 'is not JSON; skipped' "$tmp/one.err"
rows=$(($(wc -l < "$tmp/one.out") - 1))
check "a row per decision and shadow record ($rows)" [ "$rows" -eq $((4 * 400 - 2 * 5)) ]
same "$tmp/big" "many segments, ndjson"
check "ndjson: every decision and shadow line" [ "$(wc -l < "$tmp/one.out")" -eq 1600 ]
RANGE=1 same "$tmp/big" "ranges of one index block, csv" --format csv
first=$(sed -n 2p "$tmp/one.out" | cut -d, -f1)
same "$tmp/big" "--from-seq, csv" --format csv --from-seq 777
check "--from-seq: starts there" [ "$(sed -n 2p "$tmp/one.out" | cut -d, -f1)" -ge 777 ]
check "--from-seq: cut" [ "$first" -lt 777 ]
same "$tmp/big" "--since, csv" --format csv --since 2000-01-01T00:00:00Z
same "$tmp/big" "--limit, csv" --format csv --limit 123

# a damaged record in a middle segment: the export stops there either way
cp -r "$tmp/big" "$tmp/bad"
mid=$(ls "$tmp/bad/log"/*.seg | sed -n 5p)
python3 - "$mid" <<'PYEOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0x55
open(p, 'wb').write(b)
PYEOF
same "$tmp/bad" "damaged record, csv" --format csv
check "damaged record: the export fails" [ "$(cat "$tmp/one.rc")" -ne 0 ]
check "damaged record: rows before it" [ "$(wc -l < "$tmp/one.out")" -gt 100 ]
same "$tmp/bad" "damaged record, ndjson"

# a .idx with a changed byte (its split points and its blocks are read as
# one job reads them, or set aside the same way)
cp -r "$tmp/big" "$tmp/badidx"
idx=$(ls "$tmp/badidx/log"/*.idx | sed -n 3p)
python3 - "$idx" <<'PYEOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0x01
open(p, 'wb').write(b)
PYEOF
same "$tmp/badidx" "changed .idx, csv" --format csv

# an empty log
: > "$tmp/empty.ndjson"
"$ordo" log append "$tmp/empty" "$tmp/empty.ndjson" > /dev/null
same "$tmp/empty" "empty log, csv" --format csv
check "empty log: the header only" [ "$(wc -l < "$tmp/one.out")" -eq 1 ]
same "$tmp/empty" "empty log, ndjson"

check "--jobs 0 refused" [ "$("$ordo" log export "$tmp/d" --jobs 0 > /dev/null 2>&1; echo $?)" -ne 0 ]

echo "test_log_export_jobs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
