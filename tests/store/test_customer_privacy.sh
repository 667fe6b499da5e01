#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box test of customer pseudonyms and erasure: decision records (CBOR
# and JSON) name a customer only by its pseudonym, also as the unit of a
# customer experiment whose assignment still hashes the real id; `ordo
# customer lookup` maps back; after `ordo customer erase` nothing in the data
# directory names the customer, the log verifies and replays, and lookup
# fails. Also the retention keys of ordo.conf.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
SRC=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR must point at the repository}
T=$(mktemp -d "${TMPDIR:-/tmp}/ordo-privacy-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() { # name, exit code of the condition
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
NET="$SRC/docs/examples/network"
now=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)

# orders of three customers (CUSTPRIV0..2), and a customer-unit experiment
python3 - "$SRC" "$T" <<'PY'
import json, sys
src, t = sys.argv[1], sys.argv[2]
e = json.load(open(src + "/docs/examples/experiment.json"))
e.update(id="cust-exp", unit="customer", warmup_hours=0, coverage=1,
         ramp=[{"percent": 100, "after_hours": 0}],
         namespace={"layer": "sourcing", "start": 0, "end": 1})
e.pop("stratify", None)
e.pop("targeting", None)
json.dump(e, open(t + "/exp.json", "w"))
with open(t + "/orders.ndjson", "w") as out:
    for i, line in enumerate(open(src + "/docs/examples/orders.ndjson")):
        o = json.loads(line)
        o["customer"] = {"id": "CUSTPRIV%d" % (i % 3), "cohort": "new"}
        out.write(json.dumps(o) + "\n")
PY

run_dir() { # DIR ENCODING: decides the orders into DIR with the experiment running
    local d=$1
    mkdir -p "$d"
    echo "log.encoding = $2" > "$d/ordo.conf"
    "$ORDO" exp create "$T/exp.json" --data "$d" > /dev/null &&
        "$ORDO" exp start cust-exp --data "$d" > /dev/null &&
        "$ORDO" source --network "$NET" --data "$d" --now "$now" < "$T/orders.ndjson" > /dev/null
}

for enc in cbor json; do
    D="$T/$enc"
    run_dir "$D" "$enc"; check "$enc: source --data" $?
    ls "$D"/log/*.seg > /dev/null 2>&1; check "$enc: segments written" $?
    # no segment names a customer; each holds the pseudonyms
    ! grep -rqa CUSTPRIV "$D/log"; check "$enc: no customer id in DIR/log" $?
    key0=$("$ORDO" customer lookup --data "$D" CUSTPRIV0 --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
    [[ $key0 =~ ^ck_[0-9a-f]{32}$ ]]; check "$enc: lookup gives a pseudonym ($key0)" $?
    grep -rqa "$key0" "$D/log"; check "$enc: the segments hold the pseudonym" $?
    # every record's order.customer.id and customer unit are the pseudonyms,
    # and the record's bucket and variant are what assignment of the real id gives
    "$ORDO" log export "$D" > "$T/export.ndjson"; check "$enc: log export" $?
    for c in 0 1 2; do
        "$ORDO" exp assign cust-exp --unit "CUSTPRIV$c" --data "$D" --json > "$T/assign$c.json"
        "$ORDO" customer lookup --data "$D" "CUSTPRIV$c" --json > "$T/lookup$c.json"
    done
    python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
keys = {json.load(open("%s/lookup%d.json" % (t, c)))["key"]: c for c in range(3)}
assign = {c: json.load(open("%s/assign%d.json" % (t, c))) for c in range(3)}
n = units = 0
for line in open(t + "/export.ndjson"):
    r = json.loads(line)
    cid = r["order"]["customer"]["id"]
    assert cid in keys, "record customer id %r is not a pseudonym" % cid
    n += 1
    if r.get("shadow"):
        continue
    assert r.get("unit") == cid, "unit %r, customer %r" % (r.get("unit"), cid)
    a = assign[keys[cid]]
    assert r["variant"] == a["variant"], (r["variant"], a)
    assert abs(r["bucket"] - a["bucket"]) < 0.006, (r["bucket"], a)
    units += 1
assert n > 0 and units > 0, (n, units)
PY
    check "$enc: records carry pseudonyms, units are pseudonyms, assignment unchanged" $?
    # lookup maps back, both ways
    "$ORDO" customer lookup --data "$D" CUSTPRIV0 > /dev/null; check "$enc: lookup exit 0" $?
    out=$("$ORDO" customer lookup --data "$D" --key "$key0"); check "$enc: lookup --key" $?
    [[ $out == CUSTPRIV0* ]]; check "$enc: lookup --key maps back to the customer" $?
    "$ORDO" analyze "$D" --network "$NET" > /dev/null 2>&1
    [ $? -le 1 ]; check "$enc: analyze runs on pseudonymous units" $?
    replay_before=$("$ORDO" log replay "$D" --policy cost-optimized --network "$NET" | grep '^total')

    # erase CUSTPRIV0: one transaction, audited, and gone from every file
    out=$("$ORDO" customer erase --data "$D" CUSTPRIV0 --reason "request 7" --json)
    check "$enc: erase" $?
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); assert r["mappings_deleted"] == 1 and r["key"] == sys.argv[2] and r["wal_truncated"]' \
        "$out" "$key0"
    check "$enc: erase reports one mapping deleted ($out)" $?
    ! grep -rqa CUSTPRIV0 "$D"; check "$enc: no file in DIR names the erased customer" $?
    grep -rqa CUSTPRIV1 "$D/ordo.db" "$D"/ordo.db-wal 2> /dev/null
    check "$enc: other customers stay mapped" $?
    "$ORDO" customer lookup --data "$D" CUSTPRIV0 > /dev/null 2>&1; rc=$?
    [ "$rc" -eq 1 ]; check "$enc: lookup after erase exits 1 (got $rc)" $?
    "$ORDO" customer lookup --data "$D" --key "$key0" > /dev/null 2>&1; rc=$?
    [ "$rc" -ne 0 ]; check "$enc: lookup --key after erase fails" $?
    "$ORDO" customer lookup --data "$D" CUSTPRIV1 > /dev/null; check "$enc: CUSTPRIV1 still maps" $?
    "$ORDO" log verify "$D" > /dev/null; check "$enc: the log verifies after erase" $?
    replay_after=$("$ORDO" log replay "$D" --policy cost-optimized --network "$NET" | grep '^total')
    [ -n "$replay_after" ] && [ "$replay_before" = "$replay_after" ]
    check "$enc: replay gives the same after erase" $?
    "$ORDO" log replay "$D" --policy cost-optimized --network "$NET" | grep -q " 0 failed"
    check "$enc: replay fails no record" $?
    # the audit trail names the pseudonym, never the customer
    python3 - "$D/ordo.db" "$key0" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT id, action, reason FROM audit WHERE kind = 'customer'").fetchall()
assert rows == [(sys.argv[2], "erase", "request 7")], rows
assert db.execute("SELECT count(*) FROM customer_key").fetchone()[0] == 2
PY
    check "$enc: audited under the pseudonym" $?
    # erasing again: nothing left to delete, still audited
    out=$("$ORDO" customer erase --data "$D" CUSTPRIV0 --json)
    [[ $out == *'"mappings_deleted":0'* ]]; check "$enc: erase again deletes nothing" $?
done

# a customer who orders again after erasure is mapped again under the same
# pseudonym (the key is the directory's): documented in STORE.md
D="$T/cbor"
head -1 "$T/orders.ndjson" | "$ORDO" source --network "$NET" --data "$D" --now "$now" > /dev/null
"$ORDO" customer lookup --data "$D" CUSTPRIV0 > /dev/null; check "a new order maps again" $?

# usage
"$ORDO" customer lookup --data "$D" > /dev/null 2>&1; [ $? -eq 2 ]; check "lookup needs an ID" $?
"$ORDO" customer lookup --data "$D" X --key Y > /dev/null 2>&1; [ $? -eq 2 ]
check "lookup takes ID or --key, not both" $?
"$ORDO" customer lookup --data "$D" --key nonsense > /dev/null 2>&1; [ $? -ne 0 ]
check "a malformed key is refused" $?
"$ORDO" customer erase --data "$T/none" X > /dev/null 2>&1; [ $? -ne 0 ] && [ ! -e "$T/none/ordo.db" ]
check "erase on a directory without a store creates nothing" $?

# retention keys of ordo.conf: the documented example parses, bad values name the key
R="$T/ret"
mkdir -p "$R"
cp "$SRC/docs/examples/ordo.conf" "$R/ordo.conf"
"$ORDO" customer lookup --data "$R" X > /dev/null 2>&1; rc=$?
[ "$rc" -ne 65 ] && [ "$rc" -ne 2 ]; check "the example ordo.conf with retention keys parses (exit $rc)" $?
for bad in "retention.log_days = -1" "retention.outcomes_days = 36501" "retention.audit_days = x" \
    "retention.forever = 1"; do
    echo "$bad" > "$R/ordo.conf"
    err=$("$ORDO" customer lookup --data "$R" X 2>&1 > /dev/null); rc=$?
    [ "$rc" -eq 65 ] && [[ $err == *"${bad%% *}"* ]]; check "'$bad' refused naming the key ($rc: $err)" $?
done
echo "retention.log_days = 3650" > "$R/ordo.conf"
"$ORDO" customer lookup --data "$R" X > /dev/null 2>&1; rc=$?
[ "$rc" -ne 65 ]; check "retention.log_days = 3650 accepted" $?

echo "customer privacy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
