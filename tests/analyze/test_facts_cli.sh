#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box test of `ordo analyze --facts`: decisions made by `ordo source
# --data` (CBOR records, shadows of the example experiment), outcomes
# ingested, then the report in every --facts mode and every format is the
# same byte for byte, before and after more orders and outcomes arrive, with
# and without a catalog, and after DIR/facts is damaged or deleted.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
SRC=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR must point at the repository}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/ordo-facts-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() { # name, exit code of the condition
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
D="$T/d"
NET="$SRC/docs/examples/network"

"$ORDO" analyze --help | grep -q -- "--facts"; check "analyze --help names --facts" $?
"$ORDO" exp create "$SRC/docs/examples/experiment.json" --data "$D" > /dev/null &&
    "$ORDO" exp start proximity-vs-cost --data "$D" > /dev/null
check "example experiment created and started" $?
"$ORDO" analyze "$D" --facts bogus > /dev/null 2>&1
[ $? -eq 2 ]; check "--facts bogus is a usage error (exit 2)" $?

gen() { # first count: orders.ndjson and outcomes.ndjson
    $PY - "$1" "$2" "$T" "$SRC" <<'PY'
import json, random, sys
first, n, t, src = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
rnd = random.Random(first)
skus = [l.split(",")[0] for l in open(src + "/docs/examples/network/catalog.csv").read().splitlines()[1:]]
zips = ["10027", "02139", "19104", "06510", "60601", "48201", "55401", "43215", "63101", "94103"]
with open(t + "/orders.ndjson", "w") as f, open(t + "/outcomes.ndjson", "w") as g:
    for i in range(first, first + n):
        oid = "E-%05d" % i
        lines = [{"sku": s, "quantity": rnd.randint(1, 3)} for s in rnd.sample(skus, rnd.randint(1, 3))]
        f.write(json.dumps({"id": oid, "customer": {"id": "C-%d" % (i % 40)},
                            "ship_to": {"zip": rnd.choice(zips)}, "channel": "web",
                            "service_level": "standard", "lines": lines}) + "\n")
        if rnd.random() < 0.8:
            d = 10 + i % 9
            g.write(json.dumps({"event_id": oid + "-s", "order_id": oid, "shipment": 0,
                                "type": "shipped", "at": "2026-12-%02dT10:00:00Z" % d,
                                "carrier_cost": round(5 + rnd.random() * 10, 2)}) + "\n")
            g.write(json.dumps({"event_id": oid + "-d", "order_id": oid, "shipment": 0,
                                "type": "delivered",
                                "at": "2026-12-%02dT10:00:00Z" % (d + rnd.randint(1, 5))}) + "\n")
PY
}

same_all() { # label: every mode and format gives the record path's bytes
    local ok=0
    for fmt in json text html; do
        "$ORDO" analyze "$D" --network "$NET" --format "$fmt" --facts off > "$T/off.$fmt" || ok=1
        for m in auto auto rebuild auto; do
            "$ORDO" analyze "$D" --network "$NET" --format "$fmt" --facts "$m" > "$T/$m.$fmt" || ok=1
            cmp -s "$T/off.$fmt" "$T/$m.$fmt" || { ok=1; echo "$1: $fmt differs with --facts $m"; }
        done
    done
    "$ORDO" analyze "$D" --json --facts off > "$T/off.nonet" &&
        "$ORDO" analyze "$D" --json > "$T/auto.nonet" && cmp -s "$T/off.nonet" "$T/auto.nonet" ||
        { ok=1; echo "$1: differs without the catalog"; }
    check "$1: the same report in every mode" $ok
}

gen 0 200
"$ORDO" source --network "$NET" --data "$D" --now 2026-12-10T00:00:00Z < "$T/orders.ndjson" > /dev/null &&
    "$ORDO" outcomes ingest --data "$D" "$T/outcomes.ndjson" > /dev/null
check "orders decided and outcomes ingested" $?
same_all "first"
[ -s "$D/facts/decisions" ] && [ -s "$D/facts/strings" ] && [ -s "$D/facts/outcomes" ]
check "DIR/facts holds decisions, strings and outcomes" $?
$PY -c 'import json,sys; s=json.load(open(sys.argv[1]))["shadow"]; assert s["available"] and s["records"] > 20, s' "$T/off.json"
check "the data have shadow records" $?

gen 200 150
"$ORDO" source --network "$NET" --data "$D" --now 2026-12-12T00:00:00Z < "$T/orders.ndjson" > /dev/null &&
    "$ORDO" outcomes ingest --data "$D" "$T/outcomes.ndjson" > /dev/null
same_all "after more orders and outcomes"

printf 'garbage' | dd of="$D/facts/decisions" bs=1 seek=300 conv=notrunc 2> /dev/null
same_all "after damage"
rm -rf "$D/facts"
same_all "after deletion"

echo "facts cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
