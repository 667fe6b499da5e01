#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The data directory owns the stock (docs/internals/STORE.md "Stock"):
# runs and processes on one directory never take more than ATP, a release
# or a cancellation gives units back, kill -9 in a reserving batch leaves
# the store holding exactly the logged decisions' units, and snapshots and
# deltas are all-or-nothing. STOCK_KILLS (default 50, for CI time) sets the
# kill count; STOCK_KILLS=200 runs the full count of the release checklist
# (about 4 times as long: some 10 minutes under ASan on 2 cores).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
kills=${STOCK_KILLS:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local desc=$1; shift; if "$@"; then ok; else bad "$desc"; fi; }

# a network where SKU-CHAIR is only at dc-ca: on hand 15, safety 1, ATP 14
net="$tmp/net"
cp -r "$src/tests/fixtures/core/net-small" "$net"
grep -v 'ds-tx,SKU-CHAIR' "$src/tests/fixtures/core/net-small/inventory.csv" > "$net/inventory.csv"
orders() { # orders PREFIX N SKU: N one-unit orders
    for i in $(seq 1 "$2"); do
        printf '{"id":"%s-%d","created":"2026-11-24T15:04:05Z","ship_to":{"zip":"10027"},' "$1" "$i"
        printf '"channel":"web","service_level":"standard","lines":[{"sku":"%s","quantity":1}]}\n' "$3"
    done
}
orders A 20 SKU-CHAIR > "$tmp/chairs.ndjson"
shipped() { grep -c '"status":"ok"' "$@" | awk -F: '{s += $NF} END {print s + 0}'; }
held() { "$ordo" inventory show --data "$1" --json | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["totals"]["held_units"])'; }
logged_units() { # units of the decision records' plans in DIR's log
    "$ordo" log export "$1" | python3 -c '
import json, sys
n = 0
for l in sys.stdin:
    r = json.loads(l)
    if r.get("shadow"):
        continue
    for s in (r.get("plan") or {}).get("shipments") or []:
        n += sum(int(x["quantity"]) for x in s.get("lines") or [])
print(n)'
}

# 1. two runs on one directory take ATP once
d="$tmp/two"
"$ordo" source --network "$net" --data "$d" < "$tmp/chairs.ndjson" > "$tmp/r1.ndjson"
"$ordo" source --network "$net" --data "$d" < "$tmp/chairs.ndjson" > "$tmp/r2.ndjson"
check "first run takes the 14 of ATP ($(shipped "$tmp/r1.ndjson"))" [ "$(shipped "$tmp/r1.ndjson")" -eq 14 ]
check "second run takes none ($(shipped "$tmp/r2.ndjson"))" [ "$(shipped "$tmp/r2.ndjson")" -eq 0 ]
check "store holds 14 ($(held "$d"))" [ "$(held "$d")" = 14 ]
check "without --reserve too: the log's units are the store's" [ "$(logged_units "$d")" = 14 ]

# 2. a dry run reserves nothing and logs nothing
"$ordo" source --network "$net" --data "$d" --dry-run < "$tmp/chairs.ndjson" > "$tmp/dry.ndjson"
check "dry run: the store still holds 14" [ "$(held "$d")" = 14 ]
check "dry run: nothing logged" [ "$(logged_units "$d")" = 14 ]

# 3. release on cancel: the units are available again
"$ordo" inventory release --data "$d" A-1 --json > "$tmp/rel.json"
check "release gives 1 unit back" grep -q '"units":1' "$tmp/rel.json"
printf '{"event_id":"c-2","order_id":"A-2","type":"cancelled","at":"2026-11-25T00:00:00Z"}\n' > "$tmp/ev.ndjson"
"$ordo" outcomes ingest --data "$d" "$tmp/ev.ndjson" > /dev/null
check "a cancelled event releases ($(held "$d"))" [ "$(held "$d")" = 12 ]
"$ordo" outcomes ingest --data "$d" "$tmp/ev.ndjson" > /dev/null
check "the repeated event releases nothing again" [ "$(held "$d")" = 12 ]
orders B 5 SKU-CHAIR > "$tmp/b.ndjson"
"$ordo" source --network "$net" --data "$d" < "$tmp/b.ndjson" > "$tmp/r3.ndjson"
check "the released 2 are sold again, not more ($(shipped "$tmp/r3.ndjson"))" [ "$(shipped "$tmp/r3.ndjson")" -eq 2 ]
printf '{"event_id":"s-3","order_id":"A-3","shipment":0,"type":"shipped","at":"2026-11-25T00:00:00Z"}\n' > "$tmp/ship.ndjson"
"$ordo" outcomes ingest --data "$d" "$tmp/ship.ndjson" > /dev/null
"$ordo" inventory show --data "$d" --json > "$tmp/show.json"
check "a shipment consumes: on hand 14, reserved 13" grep -q '"on_hand":14,"reserved":13' "$tmp/show.json"

# 4. four concurrent processes with a scarce SKU take at most its ATP
d="$tmp/four"
pids=()
for k in 1 2 3 4; do
    orders "P$k" 20 SKU-CHAIR > "$tmp/p$k.ndjson"
    "$ordo" source --network "$net" --data "$d" < "$tmp/p$k.ndjson" > "$tmp/o$k.ndjson" 2> "$tmp/e$k" &
    pids+=($!)
done
rcs=0
for k in 1 2 3 4; do
    rc=0
    wait "${pids[$((k - 1))]}" || rc=$?
    if [ "$rc" -ne 0 ]; then # what the process said, for whoever reads the failure
        rcs=$((rcs + 1))
        echo "process $k exited $rc; its stderr:" >&2
        cat "$tmp/e$k" >&2
    fi
done
check "four processes all ran ($rcs failed)" [ "$rcs" -eq 0 ]
total=$(shipped "$tmp"/o[1-4].ndjson)
check "four processes printed 14 plans, not more ($total)" [ "$total" -eq 14 ]
check "the store holds 14 ($(held "$d"))" [ "$(held "$d")" = 14 ]
check "the log holds 14" [ "$(logged_units "$d")" = 14 ]

# 4b. a delta that lands while a batch runs (idle between two chunks of
# its input) is seen by the batch's next order: 5 of ATP 14 taken, then
# on hand 15 -> 7 leaves ATP 7 - 5 - 1 = 1, so 6 plans in all, never 14
d="$tmp/delta-mid"
orders M 25 SKU-CHAIR > "$tmp/m.ndjson"
rm -f "$tmp/go"
{ head -5 "$tmp/m.ndjson"
  for _ in $(seq 1 1000); do [ -e "$tmp/go" ] && break; sleep 0.01; done
  tail -n +6 "$tmp/m.ndjson"; } |
    "$ordo" source --network "$net" --data "$d" --group 1 > "$tmp/mo.ndjson" 2> "$tmp/me" &
pid=$!
for _ in $(seq 1 1000); do [ "$(wc -l < "$tmp/mo.ndjson")" -ge 5 ] && break; sleep 0.01; done
printf 'node,sku,quantity\ndc-ca,SKU-CHAIR,-8\n' > "$tmp/dmid.csv"
"$ordo" inventory delta --data "$d" "$tmp/dmid.csv" > /dev/null 2> "$tmp/de"; drc=$?
touch "$tmp/go"
wait "$pid"
check "the delta during the batch applied ($(cat "$tmp/de"))" [ "$drc" -eq 0 ]
check "the batch sold what the delta left: 6 plans ($(shipped "$tmp/mo.ndjson"))" \
    [ "$(shipped "$tmp/mo.ndjson")" -eq 6 ]
check "the store holds 6 ($(held "$d"))" [ "$(held "$d")" = 6 ]

# 5. kill -9 in reserving batches, then recovery: the store holds exactly
# the logged decisions' units, and every printed plan is logged. The orders
# arrive 20 at a time, so the kill lands mid-batch: after a random number
# (1..350) of printed plans, on a fresh directory each time.
orders K 400 SKU-TEE > "$tmp/k.ndjson"
feed() { for c in $(seq 0 19); do sed -n "$((c * 20 + 1)),$((c * 20 + 20))p" "$tmp/k.ndjson"; sleep 0.02; done; }
bad_kills=0 mid=0
for i in $(seq 1 "$kills"); do
    d="$tmp/kill"
    rm -rf "$d"
    : > "$tmp/kp.ndjson"
    feed | "$ordo" source --network "$net" --data "$d" --group 8 > "$tmp/kp.ndjson" 2>/dev/null &
    pid=$!
    want=$((RANDOM % 350 + 1))
    for _ in $(seq 1 500); do
        [ "$(wc -l < "$tmp/kp.ndjson")" -ge "$want" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    n=$(grep -c '"status":"ok"' "$tmp/kp.ndjson")
    [ "$n" -gt 0 ] && [ "$n" -lt 400 ] && mid=$((mid + 1))
    # recovery: a decider opens the directory (no orders)
    "$ordo" source --network "$net" --data "$d" < /dev/null > /dev/null || { bad_kills=$((bad_kills + 1)); continue; }
    h=$(held "$d") l=$(logged_units "$d")
    if [ "$h" != "$l" ] || [ "$h" -lt "$n" ]; then
        bad_kills=$((bad_kills + 1))
        echo "kill $i: store holds $h units, the log's decisions $l, $n printed" >&2
    fi
    if [ "$n" -gt 0 ]; then
        # the last whole plan line (the kill may cut the line being written)
        last=$(python3 -c '
import json, sys
last = ""
for l in open(sys.argv[1]):
    try:
        p = json.loads(l)
    except ValueError:
        continue
    if p.get("status") == "ok":
        last = p["order_id"]
print(last)' "$tmp/kp.ndjson")
        "$ordo" log export "$d" | grep -q "\"$last\"" || { bad_kills=$((bad_kills + 1)); echo "kill $i: printed $last not logged" >&2; }
    fi
done
check "$kills kills: store = log every time ($bad_kills bad)" [ "$bad_kills" -eq 0 ]
check "most kills landed mid-batch ($mid of $kills)" [ "$mid" -ge $((kills / 2)) ]
# a second batch on the last directory: never more than the TEE's ATP
"$ordo" source --network "$net" --data "$d" < "$tmp/k.ndjson" > /dev/null
"$ordo" source --network "$net" --data "$d" < "$tmp/k.ndjson" > /dev/null
tee_atp=$((500 - 20 - 5 + 300 - 5 + 12 + 8 - 2))
check "never more than the TEE's ATP ($(held "$d") of $tee_atp)" [ "$(held "$d")" -le "$tee_atp" ]

# 5b. two reserving processes on one directory at once, both killed with
# SIGKILL at a random moment (the second waits for the log's writer lock
# while the first decides, then decides), then a third run: the store holds
# exactly the log's units, every printed plan is logged, never more than ATP
orders X 200 SKU-TEE > "$tmp/x.ndjson"
orders Y 200 SKU-TEE > "$tmp/y.ndjson"
slow() { for c in $(seq 0 9); do sed -n "$((c * 20 + 1)),$((c * 20 + 20))p" "$1"; sleep "$2"; done; }
bad_two=0
for i in 1 2 3 4 5; do
    d="$tmp/two-kill"
    rm -rf "$d"
    slow "$tmp/x.ndjson" 0.03 | "$ordo" source --network "$net" --data "$d" --group 8 > "$tmp/x$i.out" 2> /dev/null &
    p1=$!
    slow "$tmp/y.ndjson" 0.05 | "$ordo" source --network "$net" --data "$d" --group 8 > "$tmp/y$i.out" 2> /dev/null &
    p2=$!
    sleep "0.$((RANDOM % 9 + 1))"
    kill -9 "$p1" "$p2" 2> /dev/null
    wait "$p1" "$p2" 2> /dev/null
    "$ordo" source --network "$net" --data "$d" < "$tmp/k.ndjson" > /dev/null || { bad_two=$((bad_two + 1)); continue; }
    h=$(held "$d") l=$(logged_units "$d")
    "$ordo" log export "$d" > "$tmp/two.ndjson"
    missing=$(python3 - "$tmp/two.ndjson" "$tmp/x$i.out" "$tmp/y$i.out" <<'PY'
import json, sys
logged = set()
for l in open(sys.argv[1]):
    r = json.loads(l)
    if not r.get("shadow"):
        logged.add(r.get("order_id"))
n = 0
for f in sys.argv[2:]:
    for l in open(f):
        try:
            p = json.loads(l)
        except ValueError:
            continue  # the line a kill cut
        if p.get("status") == "ok" and p.get("order_id") not in logged:
            n += 1
print(n)
PY
)
    if [ "$h" != "$l" ] || [ "$h" -gt "$tee_atp" ] || [ "$missing" != 0 ]; then
        bad_two=$((bad_two + 1))
        echo "two kills $i: store $h, log $l, ATP $tee_atp, printed but not logged $missing" >&2
    fi
done
check "two processes killed, then a third: store = log, <= ATP, printed all logged ($bad_two bad)" \
    [ "$bad_two" -eq 0 ]

# 6. snapshots and deltas: all or nothing, errors name file, line, field
d="$tmp/snap"
printf 'node,sku,on_hand,safety_stock\ndc-ca,SKU-CHAIR,30,\ndc-nj,SKU-MUG,x,0\n' > "$tmp/bad.csv"
"$ordo" inventory load --data "$d" "$tmp/bad.csv" 2> "$tmp/err"; rc=$?
check "a bad snapshot row fails" [ "$rc" -ne 0 ]
check "the error names file:line and field" grep -q "bad.csv:3.*on_hand" "$tmp/err"
check "a refused snapshot creates no store" [ ! -e "$d/ordo.db" ]
printf 'node,sku,on_hand,safety_stock\ndc-ca,SKU-CHAIR,30,2\ndc-nj,SKU-MUG,50,0\n' > "$tmp/good.csv"
"$ordo" inventory load --data "$d" "$tmp/good.csv" --json > "$tmp/load.json"
check "snapshot loads 2 cells" grep -q '"rows":2' "$tmp/load.json"
printf 'node,sku,quantity\ndc-ca,SKU-CHAIR,5\ndc-nj,SKU-MUG,-51\n' > "$tmp/dbad.csv"
"$ordo" inventory delta --data "$d" "$tmp/dbad.csv" 2> "$tmp/err"; rc=$?
check "a delta below 0 fails" [ "$rc" -ne 0 ]
check "... naming line 3" grep -q "dbad.csv:3" "$tmp/err"
"$ordo" inventory show --data "$d" --json > "$tmp/s.json"
check "... and the good row of it is not applied" grep -q '"sku":"SKU-CHAIR","on_hand":30' "$tmp/s.json"
printf 'node,sku,quantity\ndc-ca,SKU-CHAIR,5\n' > "$tmp/dgood.csv"
"$ordo" inventory delta --data "$d" "$tmp/dgood.csv" > /dev/null
"$ordo" inventory show --data "$d" --json > "$tmp/s.json"
check "a delta adds" grep -q '"sku":"SKU-CHAIR","on_hand":35' "$tmp/s.json"
printf 'node,sku,on_hand,safety_stock\ndc-ca,SKU-CHAIR,1,\ndc-ca,SKU-CHAIR,2,\n' > "$tmp/dup.csv"
"$ordo" inventory load --data "$d" "$tmp/dup.csv" 2> "$tmp/err"; rc=$?
check "a cell twice in a snapshot fails naming both lines" grep -q "dup.csv:3.*line 2" "$tmp/err"
# the store's snapshot is what decisions see: ATP 35 - 0 - 2 = 33
orders S 40 SKU-CHAIR > "$tmp/s.ndjson"
"$ordo" source --network "$net" --data "$d" < "$tmp/s.ndjson" > "$tmp/so.ndjson"
check "decisions take the snapshot's ATP, 33 ($(shipped "$tmp/so.ndjson"))" [ "$(shipped "$tmp/so.ndjson")" -eq 33 ]
"$ordo" audit list --data "$d" > /dev/null 2>&1 || true

echo "stock: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
