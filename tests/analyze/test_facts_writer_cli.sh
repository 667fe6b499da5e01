#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box test of the facts kept by the log's writer (ANALYZE.md "The
# facts kept by the writer"): `ordo source --data` (the decider, CBOR
# records, shadows of the example experiment) and `ordo sim` leave
# DIR/facts equal to a rebuild's byte for byte, a refresh then reads no
# record, and the report is the same with --facts auto, off and rebuild;
# with ORDO_FACTS_ON_WRITE=0 the facts are left to the refresh.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
SRC=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR must point at the repository}
T=$(mktemp -d "${TMPDIR:-/tmp}/ordo-factw-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() { # name, exit code of the condition
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
NET="$SRC/docs/examples/network"

orders() { # round: the example orders, 40 copies with their own ids
    /usr/bin/python3 -c '
import json, sys
r = int(sys.argv[1])
for line in open(sys.argv[2]):
    o = json.loads(line)
    for k in range(40):
        o2 = dict(o, id="%s-%d-%d" % (o["id"], r, k))
        print(json.dumps(o2))' "$1" "$SRC/docs/examples/orders.ndjson"
}

read_by_refresh() { # dir: records a refresh reads
    "$ORDO" analyze "$1" --facts update --json |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["records_read"])'
}

same_as_rebuild() { # label dir
    rm -rf "$T/r" && cp -r "$2" "$T/r" && rm -rf "$T/r/facts" &&
        "$ORDO" analyze "$T/r" --facts update > /dev/null &&
        cmp -s "$2/facts/decisions" "$T/r/facts/decisions" &&
        cmp -s "$2/facts/strings" "$T/r/facts/strings"
    check "$1: decisions and strings equal a rebuild's" $?
    [ "$(read_by_refresh "$2")" = 0 ]
    check "$1: a refresh reads no record" $?
    local ok=0
    "$ORDO" analyze "$2" --format json --facts off > "$T/off.json" || ok=1
    for m in auto rebuild; do
        "$ORDO" analyze "$2" --format json --facts "$m" > "$T/$m.json" || ok=1
        cmp -s "$T/off.json" "$T/$m.json" || { ok=1; echo "$1: differs with --facts $m"; }
    done
    check "$1: the same report with --facts auto, off and rebuild" $ok
}

D="$T/d"
"$ORDO" exp create "$SRC/docs/examples/experiment.json" --data "$D" > /dev/null &&
    "$ORDO" exp start proximity-vs-cost --data "$D" > /dev/null
check "example experiment created and started" $?
orders 1 | "$ORDO" source --network "$NET" --data "$D" --now 2026-12-10T00:00:00Z > /dev/null
check "orders decided" $?
"$ORDO" analyze "$D" --format json --facts off |
    /usr/bin/python3 -c 'import json,sys; assert json.load(sys.stdin)["data"]["shadow_records"] > 5'
check "the data have shadow records" $?
same_as_rebuild "source" "$D"

orders 2 | "$ORDO" source --network "$NET" --data "$D" --now 2026-12-11T00:00:00Z > /dev/null
same_as_rebuild "source again" "$D"

orders 3 | ORDO_FACTS_ON_WRITE=0 "$ORDO" source --network "$NET" --data "$D" \
    --now 2026-12-12T00:00:00Z > /dev/null
[ "$(read_by_refresh "$D")" -gt 100 ]
check "ORDO_FACTS_ON_WRITE=0: the refresh reads the new records" $?

S="$T/sim"
"$ORDO" sim --scenario proximity-vs-cost --days 1 --orders-per-day 300 --seed 42 --out "$S" > /dev/null
check "sim ran" $?
same_as_rebuild "sim" "$S"

echo "facts writer cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
