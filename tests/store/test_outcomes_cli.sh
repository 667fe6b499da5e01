#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box test of `ordo outcomes ingest|show`.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
SRC=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR must point at the repository}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/ordo-outcli-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() { # name, exit code of the condition
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
EX="$SRC/docs/examples/outcomes.ndjson"

# --help on the command and on each subcommand
"$ORDO" outcomes --help | grep -q "ordo outcomes ingest"; check "outcomes --help" $?
"$ORDO" outcomes ingest --help | grep -q -- "--format"; check "ingest --help" $?
"$ORDO" outcomes show --help | grep -q -- "--order"; check "show --help" $?
"$ORDO" --help | grep -q "outcomes"; check "listed in ordo --help" $?

# ingest the example (--data DIR), then again: all duplicates
out=$("$ORDO" outcomes ingest --data "$T/d" "$EX")
check "ingest exit" $?
[[ "$out" == *"17 new, 0 duplicates"* ]]; check "ingest counts: $out" $?
[ -f "$T/d/ordo.db" ]; check "DIR/ordo.db created" $?
j=$("$ORDO" outcomes ingest --data "$T/d" --json "$EX")
check "re-ingest exit" $?
echo "$j" | $PY -c 'import json,sys; d=json.load(sys.stdin); assert (d["inserted"],d["duplicates"],d["events_stored"],d["orders"])==(0,17,17,4), d'
check "re-ingest is idempotent: $j" $?

# $ORDO_DATA is the default data directory
out=$(ORDO_DATA="$T/d" "$ORDO" outcomes show --order ORD-1001)
check "show via ORDO_DATA" $?
[[ "$out" == *"order ORD-1001: delivered"* && "$out" == *"on time: yes"* ]]; check "show text: $out" $?
[[ "$out" == *"measures     satisfaction 4.5"* ]]; check "show text: measures" $?

# show --json: values worked out by hand from the example
"$ORDO" outcomes show --data "$T/d" --order ORD-1004 --json > "$T/o4.json"
check "show --json exit" $?
$PY - "$T/o4.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["order_id"] == "ORD-1004", d
assert d["shipped_at"] == "2026-11-25T14:00:00Z", d
assert d["delivered_at"] == "2026-11-29T12:30:00Z", d   # last of two shipments
assert d["promised_by"] == "2026-11-30T23:59:59Z", d    # a date promise: end of day
assert d["on_time"] == "yes" and d["state"] == "delivered", d
assert abs(d["cost_total"] - 19.7) < 1e-9, d
assert d["shipments"] == 2 and len(d["shipment_detail"]) == 2, d
PYEOF
check "ORD-1004 summary" $?

# --all --json: one line per order, in order-id order
"$ORDO" outcomes show --data "$T/d" --all --json > "$T/all.ndjson"
check "show --all exit" $?
$PY - "$T/all.ndjson" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["order_id"] for r in rows] == ["ORD-1001", "ORD-1002", "ORD-1003", "ORD-1004"], rows
by = {r["order_id"]: r for r in rows}
assert by["ORD-1002"]["on_time"] == "late" and by["ORD-1002"]["state"] == "returned"
assert abs(by["ORD-1002"]["refund"] - 59.99) < 1e-9
assert by["ORD-1003"]["state"] == "cancelled" and by["ORD-1003"]["cost_total"] is None
PYEOF
check "all summaries" $?

# CSV (by extension, and by --format) gives the same summaries
"$ORDO" outcomes ingest --data "$T/c" "$SRC/tests/fixtures/store/outcomes.csv" >/dev/null
check "csv ingest" $?
cp "$SRC/tests/fixtures/store/outcomes.csv" "$T/events.txt"
"$ORDO" outcomes ingest --data "$T/c2" "$T/events.txt" 2>/dev/null
[ $? -eq 65 ]; check "unknown extension without --format is an error" $?
"$ORDO" outcomes ingest --data "$T/c2" --format csv "$T/events.txt" >/dev/null
check "--format csv" $?
"$ORDO" outcomes show --data "$T/c2" --all --json > "$T/all_csv.ndjson"
cmp -s "$T/all.ndjson" "$T/all_csv.ndjson"; check "csv summaries equal ndjson" $?

# out of order: delivered arrives (in its own ingest) before shipped
cat > "$T/late1.ndjson" <<'EOF2'
{"event_id":"o-2","order_id":"ORD-9","type":"delivered","at":"2026-11-27T10:00:00Z"}
EOF2
cat > "$T/late2.ndjson" <<'EOF2'
{"event_id":"o-1","order_id":"ORD-9","type":"shipped","at":"2026-11-25T10:00:00Z","carrier_cost":5}
EOF2
"$ORDO" outcomes ingest --data "$T/o" "$T/late1.ndjson" >/dev/null && \
"$ORDO" outcomes ingest --data "$T/o" "$T/late2.ndjson" >/dev/null
check "ingest out of order" $?
s=$("$ORDO" outcomes show --data "$T/o" --order ORD-9 --json | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["state"], d["shipped_at"], d["delivered_at"])')
[ "$s" = "delivered 2026-11-25T10:00:00Z 2026-11-27T10:00:00Z" ]; check "out-of-order summary: $s" $?

# a bad line in the second file: exit 65, error names file/line/field, nothing stored
printf '%s\n' '{"event_id":"n-1","order_id":"ORD-5","type":"shipped","at":"2026-11-25T10:00:00Z"}' > "$T/good.ndjson"
{
  printf '%s\n' '{"event_id":"n-2","order_id":"ORD-5","type":"delivered","at":"2026-11-26T10:00:00Z"}'
  printf '%s\n' '{"event_id":"n-3","order_id":"ORD-5","type":"cost","at":"2026-11-26T10:00:00Z","ship":-4}'
} > "$T/bad.ndjson"
"$ORDO" outcomes ingest --data "$T/b" "$T/good.ndjson" "$T/bad.ndjson" 2> "$T/err.txt" >/dev/null
[ $? -eq 65 ]; check "bad input exit 65" $?
grep -q "bad.ndjson:2: field 'ship': negative" "$T/err.txt"; check "error names file:line field: $(cat "$T/err.txt")" $?
"$ORDO" outcomes show --data "$T/b" --order ORD-5 >/dev/null 2>&1
[ $? -ne 0 ]; check "nothing half-loaded" $?
"$ORDO" outcomes ingest --data "$T/b" --json "$T/bad.ndjson" 2> "$T/err.json" >/dev/null
$PY -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; assert e["line"]==2 and e["field"]=="ship" and e["file"].endswith("bad.ndjson"), e' "$T/err.json"
check "--json error object" $?

# measures: shown per order; a store of schema 5 (before measure events)
# migrates to 6 with its events intact and then takes measures
"$ORDO" outcomes show --data "$T/d" --order ORD-1004 --json | $PY -c 'import json,sys; d=json.load(sys.stdin); m=d["measures"]; assert m=={"dock_to_truck_hours":2.25,"labour_utilisation":0.82} and d["state"]=="delivered", d'
check "show --json measures" $?
head -13 "$EX" > "$T/old.ndjson"
"$ORDO" outcomes ingest --data "$T/m" "$T/old.ndjson" >/dev/null
$PY - "$T/m/ordo.db" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = "event_id, order_id, shipment, type, at, promised_by, pick, pack, ship, ret, carrying, refund, ingested_at"
db.executescript("""
CREATE TABLE v5 (event_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, shipment INTEGER NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('shipped','delivered','returned','cancelled','cost')),
  at INTEGER NOT NULL, promised_by INTEGER, pick REAL, pack REAL, ship REAL, ret REAL,
  carrying REAL, refund REAL, ingested_at INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO v5 SELECT %s FROM outcome_event;
DROP TABLE outcome_event;
ALTER TABLE v5 RENAME TO outcome_event;
CREATE INDEX outcome_event_order ON outcome_event (order_id, at);
CREATE TRIGGER outcome_event_change AFTER INSERT ON outcome_event BEGIN
  INSERT INTO outcome_change (order_id) VALUES (NEW.order_id); END;
DELETE FROM schema_version WHERE version >= 6;
""" % cols)
db.commit()
PYEOF
check "schema 5 store made" $?
j=$("$ORDO" outcomes ingest --data "$T/m" --json "$EX")
echo "$j" | $PY -c 'import json,sys; d=json.load(sys.stdin); assert (d["inserted"],d["duplicates"],d["events_stored"])==(4,13,17), d'
check "migrated store keeps its 13 events and takes 4 measures: $j" $?
$PY -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); assert db.execute("select max(version) from schema_version").fetchone()[0]==8; assert db.execute("select max(seq) from outcome_change").fetchone()[0]==17' "$T/m/ordo.db"
check "schema 8, change sequence continues" $?
$PY -c '
import re,sqlite3,sys
db=sqlite3.connect(sys.argv[1])
sql=db.execute("select sql from sqlite_master where name=\"outcome_event\"").fetchone()[0]
assert not re.search(r"\bIN\s*\(", sql, re.I), sql
try:
    db.execute("insert into outcome_event (event_id,order_id,shipment,type,at,ingested_at) values (\"x\",\"o\",0,\"bogus\",1,1)")
    sys.exit("a bogus type was stored")
except sqlite3.IntegrityError:
    pass' "$T/m/ordo.db"
check "schema 8: the type CHECK is comparisons and still refuses an unknown type" $?

# usage errors
"$ORDO" outcomes ingest --data "$T/u" 2>/dev/null; [ $? -eq 2 ]; check "no FILE: usage" $?
"$ORDO" outcomes show --data "$T/d" 2>/dev/null; [ $? -eq 2 ]; check "show needs --order/--all" $?
"$ORDO" outcomes ingest --format xml "$EX" 2>/dev/null; [ $? -eq 2 ]; check "bad --format" $?
"$ORDO" outcomes frobnicate 2>/dev/null; [ $? -eq 2 ]; check "unknown subcommand" $?
"$ORDO" outcomes show --data "$T/none" --all 2>/dev/null; [ $? -eq 66 ]; check "show on empty dir: no input" $?
[ ! -e "$T/none" ]; check "show does not create the data dir" $?
"$ORDO" outcomes ingest --data "$T/d" "$T/missing.ndjson" 2>/dev/null; [ $? -eq 66 ]; check "missing file" $?

echo "outcomes cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
