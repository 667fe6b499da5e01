#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# store.backend = postgres against a real server (scripts/pg_test_server.sh:
# initdb in a temporary directory, loopback, an unprivileged user):
#  1. a malformed DSN, a wrong password, a missing database: a clear error
#     naming store.postgres.dsn at start-up (CLI and `ordo serve`);
#  2. the store's cmocka tests (test_store, test_outcomes, test_stock) run
#     against PostgreSQL;
#  3. two CLI deciders (two data directories, two logs) on one PostgreSQL
#     never take more than ATP; a policy allowed into safety stock takes it;
#  4. PG_INSTANCES (default 3) `ordo serve` instances driven concurrently
#     through HTTP (tests/store/pg_load.py) on scarce stock,
#     PG_LOAD_ATTEMPTS attempts (default 3000; the 1,000,000 of the issue:
#     PG_LOAD_ATTEMPTS=1000000 PG_KILL_ATTEMPTS=20000, docs/internals/STORE.md
#     "PostgreSQL"): no cell reserved past on hand - safety, and every
#     acknowledged plan's units are the reservations held for its order;
#  5. kill -9 of one instance in the middle of the load: the others keep
#     serving; restarted, it recovers from its log, and every plan it
#     acknowledged is held in PostgreSQL; every instance's log shipped
#     (ordo log ship) holds all their records in one table;
#  6. ordo store migrate of a SQLite data directory: every table's rows,
#     the same pseudonyms, outcomes, experiments and stock read back
#     through PostgreSQL; ordo log ship is idempotent and ships only the
#     verified prefix of a damaged log;
#     ordo analyze --from postgres reads the shipped decisions and gives
#     the report of the SQLite directory;
#  7. PostgreSQL restarted in the middle of the load: the instances answer
#     503 with Retry-After meanwhile, recover by themselves (the lost store
#     group rebuilt from their logs), and nothing acknowledged is lost;
#  8. PostgreSQL crashed (pg_ctl stop -m immediate) in the middle of the
#     load, then started: the reservations committed since the last group
#     sync are lost with it, and a client's retry of such an order is not
#     answered before its reservation is back (taken again, or the order
#     decided again): nothing acknowledged is missing, 0 units past ATP.
# Skips (exit 0, saying so) when the server binaries are not installed.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
attempts=${PG_LOAD_ATTEMPTS:-3000}
kill_attempts=${PG_KILL_ATTEMPTS:-$((attempts * 2))}
instances=${PG_INSTANCES:-3}
pgs="$src/scripts/pg_test_server.sh"
tmp=$(mktemp -d /tmp/ordo-pg-XXXXXX)
chmod 755 "$tmp" # the server's user reaches its directory inside
declare -A pid port
cleanup() {
    for n in "${!pid[@]}"; do kill "${pid[$n]}" 2>/dev/null; done
    wait 2>/dev/null
    bash "$pgs" stop "$tmp/pg"
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
bad() { fail=1; echo "FAIL: $*" >&2; }

out=$(bash "$pgs" start "$tmp/pg" 2>"$tmp/pg.err")
case $? in
    0) ;;
    77) echo "SKIP: $(cat "$tmp/pg.err") -- the PostgreSQL tests did not run"; exit 0 ;;
    *) cat "$tmp/pg.err" >&2; echo "FAIL: cannot start a PostgreSQL server" >&2; exit 1 ;;
esac
PGPORT=$(sed -n 's/^PGPORT=//p' <<<"$out")
base="host=127.0.0.1 port=$PGPORT user=ordo"
dsn_for() { echo "$base dbname=$1 password=ordo-test"; }
psql_in() { # psql_in DB SQL
    bash "$pgs" psql "$tmp/pg" "$2" 2>/dev/null | sed 's/\r//' || true
}
sql() { # sql DB SQL: runs in database DB
    local p
    p=$(ls -d /usr/lib/postgresql/*/bin | head -1)
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$p/psql" -h "$tmp/pg" -p "$PGPORT" -U ordo -d "$1" -qAtc "$2"
    else
        "$p/psql" -h "$tmp/pg" -p "$PGPORT" -U ordo -d "$1" -qAtc "$2"
    fi
}
newdb() { sql ordo "CREATE DATABASE $1" >/dev/null; }
conf() { # conf DIR DSN [NET]: DIR/ordo.conf for postgres (and a server)
    mkdir -p "$1"
    {
        echo 'store.backend = postgres'
        echo "store.postgres.dsn = \"$2\""
        echo "store.busy_timeout_ms = 20000"
        echo "server.data_dir = $1"
        echo "server.network = ${3:-$net}"
        echo 'server.tokens = "tok-0123456789abcdef"'
        echo 'server.deadline_ms = 2000'
    } >"$1/ordo.conf"
}

# a network where SKU-CHAIR is only at dc-ca: on hand 15, safety 1, ATP 14
net="$tmp/net"
cp -r "$src/tests/fixtures/core/net-small" "$net"
grep -v 'ds-tx,SKU-CHAIR' "$src/tests/fixtures/core/net-small/inventory.csv" >"$net/inventory.csv"

# ---- 1. errors at start-up ----
expect_error() { # expect_error WHAT DSN PATTERN
    local d="$tmp/err-$1"
    conf "$d" "$2"
    "$ordo" inventory show --data "$d" >/dev/null 2>"$d/err"
    local rc=$?
    [ $rc -ne 0 ] || bad "$1: inventory show succeeded"
    grep -q "store.postgres.dsn" "$d/err" && grep -q "$3" "$d/err" ||
        bad "$1: unclear error: $(cat "$d/err")"
    timeout 20 "$ordo" serve --config "$d/ordo.conf" --listen 127.0.0.1:0 >/dev/null 2>"$d/serr"
    rc=$?
    [ $rc -ne 0 ] && [ $rc -ne 124 ] || bad "$1: ordo serve started (exit $rc)"
    grep -q "$3" "$d/serr" || bad "$1: serve's error unclear: $(cat "$d/serr")"
}
expect_error baddsn "this is not a dsn" "not a libpq connection string"
expect_error badopt "$base dbname=ordo nosuchoption=1" "malformed connection string"
expect_error password "$base dbname=ordo password=wrong" "password authentication failed"
expect_error nodb "$base dbname=nosuchdb password=ordo-test" "does not exist"
expect_error noserver "host=127.0.0.1 port=1 dbname=ordo connect_timeout=3" "cannot connect"
[ $fail -eq 0 ] && echo "pg: start-up errors ok"

# ---- 2. the store's tests against PostgreSQL ----
newdb unit
bindir=$(dirname "$ordo")
for t in store outcomes stock; do
    ORDO_TEST_PG_DSN="$(dsn_for unit)" "$bindir/store_test_$t" >"$tmp/unit-$t.log" 2>&1 ||
        { bad "store_test_$t on PostgreSQL"; grep -E "FAILED|error" "$tmp/unit-$t.log" | head >&2; }
done
[ $fail -eq 0 ] && echo "pg: store tests on PostgreSQL ok"

# ---- 3. two CLI deciders, two logs, one PostgreSQL ----
newdb cli
for i in $(seq 1 20); do
    printf '{"id":"A-%d","created":"2026-11-24T15:04:05Z","ship_to":{"zip":"10027"},' "$i"
    printf '"channel":"web","service_level":"standard","lines":[{"sku":"SKU-CHAIR","quantity":1}]}\n'
done >"$tmp/chairs.ndjson"
conf "$tmp/c1" "$(dsn_for cli)"
conf "$tmp/c2" "$(dsn_for cli)"
"$ordo" source --network "$net" --data "$tmp/c1" <"$tmp/chairs.ndjson" >"$tmp/c1.out" &
sed 's/A-/B-/' "$tmp/chairs.ndjson" | "$ordo" source --network "$net" --data "$tmp/c2" >"$tmp/c2.out"
wait
n=$(cat "$tmp/c1.out" "$tmp/c2.out" | grep -c '"status":"ok"')
[ "$n" -eq 14 ] || bad "two deciders printed $n chair plans, ATP is 14"
held=$(sql cli "SELECT sum(qty) FROM reservation WHERE state = 'held'")
[ "$held" = 14 ] || bad "PostgreSQL holds $held chairs, not 14"
inst=$(sql cli "SELECT count(DISTINCT instance) FROM reservation")
[ "$n" -eq 0 ] || [ "$inst" -ge 1 ] || bad "reservations carry no instance"
[ $fail -eq 0 ] && echo "pg: two CLI deciders ok ($n plans, $held held)"
# a policy allowed into safety stock takes it on PostgreSQL as on SQLite:
# the 15 chairs on hand, not the 14 of ATP
sed 's/"respect_safety_stock": true/"respect_safety_stock": false/' \
    "$src/docs/examples/policy-default.json" >"$tmp/dip.json"
newdb dip
conf "$tmp/c3" "$(dsn_for dip)"
sed 's/A-/C-/' "$tmp/chairs.ndjson" |
    "$ordo" source --network "$net" --data "$tmp/c3" --policy "$tmp/dip.json" >"$tmp/c3.out"
n=$(grep -c '"status":"ok"' "$tmp/c3.out")
held=$(sql dip "SELECT sum(qty) FROM reservation WHERE state = 'held'")
[ "$n" -eq 15 ] && [ "$held" = 15 ] ||
    bad "a policy allowed into safety stock: $n chair plans, $held held, not the 15 on hand"
[ $fail -eq 0 ] && echo "pg: a policy allowed into safety stock takes it ($n plans, $held held)"

# ---- 4. N serve instances under concurrent HTTP load ----
start_serve() { # start_serve NAME DB
    local d="$tmp/$1"
    [ -f "$d/ordo.conf" ] || conf "$d" "$(dsn_for "$2")"
    "$ordo" serve --config "$d/ordo.conf" --listen 127.0.0.1:0 --json >"$d/serve.out" \
        2>>"$d/serve.err" &
    pid[$1]=$!
    # up to 120 s: a restarted instance indexes its whole log for retries
    # first (a third of a million records after the 1,000,000-attempt run)
    for _ in $(seq 1200); do
        grep -q listening "$d/serve.out" 2>/dev/null && break
        kill -0 "${pid[$1]}" 2>/dev/null || break
        sleep 0.1
    done
    port[$1]=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["listening"].split(":")[1])' \
        <"$d/serve.out" 2>/dev/null)
    [ -n "${port[$1]}" ] || { bad "serve $1 did not start: $(cat "$d/serve.err")"; return 1; }
}
ports() { local p=""; for n in "$@"; do p="$p${p:+,}${port[$n]}"; done; echo "$p"; }
# invariants DB ACKS... : every acknowledged plan's units are held for its
# order and nothing else is held; no cell reserved past on hand - safety.
# With VICTIM=DIR (an instance killed with -9, restarted): its decisions
# that were logged but never answered (the process died first) are held
# too (their reservation committed before the record was appended); no
# cell is ever over-reserved, and recovery re-reserves nothing.
invariants() {
    local db=$1; shift
    sleep 1.5 # idle instances commit their store transaction
    sql "$db" "SELECT coalesce(sum(greatest(reserved - (on_hand - safety), 0)), 0) FROM stock" \
        >"$tmp/over.txt"
    sql "$db" "SELECT order_id, sum(qty) FROM reservation WHERE state = 'held' GROUP BY 1" \
        | tr '|' ' ' >"$tmp/held.txt"
    cat "$@" >"$tmp/acks.txt"
    : >"$tmp/unanswered.txt"
    if [ -n "${VICTIM:-}" ]; then
        "$ordo" log export "$VICTIM" | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    p = r.get("plan") or {}
    if r.get("shadow") or not p.get("reserved"):
        continue
    n = sum(int(x["quantity"]) for s in p.get("shipments") or [] for x in s.get("lines") or [])
    print(r["order_id"], n)' >"$tmp/unanswered.txt"
    fi
    python3 - "$tmp/acks.txt" "$tmp/held.txt" "$tmp/unanswered.txt" "$(cat "$tmp/over.txt")" <<'PY' ||
import sys
acks, held, logged = {}, {}, {}
for l in open(sys.argv[1]):
    o, u = l.split(); acks[o] = acks.get(o, 0) + int(u)
for l in open(sys.argv[2]):
    o, u = l.split(); held[o] = int(u)
for l in open(sys.argv[3]):
    o, u = l.split(); logged[o] = int(u)
over = int(sys.argv[4])
missing = {o: u for o, u in acks.items() if held.get(o) != u}
extra = {o: u for o, u in held.items() if o not in acks}
unanswered = {o: u for o, u in extra.items() if logged.get(o) == u}
print(f"acknowledged {len(acks)} plans, {sum(acks.values())} units; held {sum(held.values())}"
      f" units; missing {len(missing)}; held for logged decisions never answered "
      f"{len(unanswered)} ({sum(unanswered.values())} units); other held {len(extra) - len(unanswered)};"
      f" units reserved past ATP {over}")
sys.exit(1 if missing or len(extra) != len(unanswered) or over > 0 else 0)
PY
        bad "acknowledged plans, held reservations and ATP disagree"
}
newdb serve
names=()
for i in $(seq 1 "$instances"); do start_serve "s$i" serve && names+=("s$i"); done
python3 "$src/tests/store/pg_load.py" --ports "$(ports "${names[@]}")" --attempts "$attempts" \
    --threads 8 --token tok-0123456789abcdef --prefix L1 --acks "$tmp/acks1" \
    --out "$tmp/load1.json" >/dev/null || bad "load driver failed"
echo "pg: load: $(cat "$tmp/load1.json")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["ok_units"] > 0 and r["conn_errors"] == 0 and set(r["codes"]) <= {"200","201"} else 1)' \
    "$tmp/load1.json" || bad "load: errors or no plan reserved"
invariants serve "$tmp/acks1"
# the instances decided on their own copies of the stock: some plans were
# refused by PostgreSQL (another instance had taken the units) and decided again
refused=$(python3 "$src/tests/store/pg_load.py" --ports "$(ports "${names[@]}")" \
    --token tok-0123456789abcdef --metric ordo_stock_refused_total 2>/dev/null)
echo "pg: plans refused by a cell and decided again: $refused"
[ "${refused:-0}" -gt 0 ] || bad "no plan was ever refused: the instances did not contend"
[ $fail -eq 0 ] && echo "pg: $instances instances, $attempts attempts: 0 oversold"
# orders that reserve nothing (the chairs are gone), one at a time (each
# its own group): no per-group sync, whose txid_current() takes a
# transaction id, when the group reserved nothing
x0=$(sql serve "SELECT txid_current()")
python3 "$src/tests/store/pg_load.py" --ports "${port[s1]}" --attempts 100 --threads 1 \
    --skus SKU-CHAIR --token tok-0123456789abcdef --prefix L0 --acks "$tmp/acks0" \
    --out "$tmp/load0.json" >/dev/null ||
    bad "load driver failed"
x1=$(sql serve "SELECT txid_current()")
read -r ok rate < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(r["status"].get("ok", 0), r["per_second"])' "$tmp/load0.json")
[ $((x1 - x0)) -le $((2 * ok + 20)) ] ||
    bad "100 orders, $ok reserved: $((x1 - x0)) transaction ids (a sync per unreserved order), $rate/s"
echo "pg: 100 orders one at a time, $ok reserved, $((x1 - x0)) transaction ids, $rate/s"

# ---- 5. kill -9 one instance in the middle of the load ----
# more stock: a delta through the store (any instance sees it)
printf 'node,sku,quantity\ndc-ca,SKU-CHAIR,400\ndc-nj,SKU-LAMP,300\n' >"$tmp/delta.csv"
"$ordo" inventory delta --data "$tmp/s1" "$tmp/delta.csv" >/dev/null 2>"$tmp/delta.err" ||
    bad "inventory delta: $(cat "$tmp/delta.err")"
python3 "$src/tests/store/pg_load.py" --ports "$(ports "${names[@]}")" \
    --attempts "$kill_attempts" --threads 8 --token tok-0123456789abcdef --prefix L2 --acks "$tmp/acks2" \
    --out "$tmp/load2.json" --pause-on-error 0.01 >/dev/null &
loader=$!
sleep 1
victim=${names[0]}
kill -9 "${pid[$victim]}"
wait "${pid[$victim]}" 2>/dev/null
unset "pid[$victim]"
wait $loader || bad "load driver failed"
echo "pg: load with kill -9 of $victim: $(cat "$tmp/load2.json")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["status"].get("ok", 0) > 0 else 1)' \
    "$tmp/load2.json" || bad "the other instances did not keep serving"
start_serve "$victim" serve # recovery: its log's acknowledged decisions
VICTIM="$tmp/$victim" invariants serve "$tmp/acks1" "$tmp/acks0" "$tmp/acks2"
[ $fail -eq 0 ] && echo "pg: kill -9 mid-load: nothing acknowledged lost"
for n in "${names[@]}"; do
    "$ordo" log ship "$tmp/$n" --to postgres >/dev/null 2>"$tmp/ship.err" ||
        bad "log ship $n: $(cat "$tmp/ship.err")"
done
want=0
for n in "${names[@]}"; do
    want=$((want + $("$ordo" log verify "$tmp/$n" --json | python3 -c \
        'import json,sys; print(json.load(sys.stdin)["records"])')))
done
got=$(sql serve "SELECT count(*) FROM decision_log")
[ "$got" = "$want" ] || bad "decision_log holds $got records, the instances' logs $want"
[ $fail -eq 0 ] && echo "pg: fleet log shipped ($got records)"

# ---- 6. store migrate, log ship ----
ex="$src/docs/examples"
sq="$tmp/sq"
# the experiment runs while the orders are decided (ordo analyze reports it)
"$ordo" exp register-policy cost-optimized --data "$sq" >/dev/null
"$ordo" exp create "$ex/experiment.json" --data "$sq" >/dev/null
"$ordo" exp start proximity-vs-cost --data "$sq" >/dev/null
"$ordo" source --network "$ex/network" --data "$sq" --now "$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)" \
    <"$ex/orders.ndjson" >/dev/null
"$ordo" outcomes ingest --data "$sq" "$ex/outcomes.ndjson" >/dev/null
"$ordo" signals apply --data "$sq" --network "$ex/network" "$ex/signals.ndjson" >/dev/null
newdb mig
M=$(dsn_for mig)
"$ordo" store migrate --from "$sq" --to "$M" --json >"$tmp/mig.json" || bad "store migrate failed"
python3 - "$tmp/mig.json" <<'PY' || bad "store migrate: counts"
import json, sys
r = json.load(open(sys.argv[1]))
t = r["tables"]
assert all(v["source"] == v["target"] for v in t.values()), t
for k in ("outcome_event", "doc", "audit", "stock", "reservation", "signal", "customer_key"):
    assert t[k]["target"] > 0, k
PY
"$ordo" store migrate --from "$sq" --to "$M" >/dev/null 2>"$tmp/mig2.err" &&
    bad "a second migrate into a non-empty database succeeded"
grep -q "already holds ordo data" "$tmp/mig2.err" || bad "second migrate: $(cat "$tmp/mig2.err")"
# the same directory read through PostgreSQL
sqp="$tmp/sqp"
conf "$sqp" "$M"
cp "$sq/pg_instance" "$sqp/"
cust=C-42917
for c in "customer lookup $cust" "outcomes show --all" "exp list" "inventory show" \
    "signals show --network $ex/network --at 2026-12-07T15:00:00Z" "log tail --types outcome"; do
    # shellcheck disable=SC2086
    a=$("$ordo" $c --data "$sq" --json 2>&1)
    # shellcheck disable=SC2086
    b=$("$ordo" $c --data "$sqp" --json 2>&1)
    [ "$a" = "$b" ] || bad "$c differs after migrate: $a | $b"
done
# log ship: idempotent, then only what was appended
s1=$("$ordo" log ship "$sq" --to postgres --dsn "$M" --json)
s2=$("$ordo" log ship "$sq" --to postgres --dsn "$M" --json)
python3 -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); sys.exit(0 if a["shipped"] > 0 and b["shipped"] == 0 and b["already"] == a["shipped"] else 1)' \
    "$s1" "$s2" || bad "log ship not idempotent: $s1 / $s2"
[ "$(sql mig "SELECT count(*) FROM decision_log")" = "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["shipped"])' "$s1")" ] ||
    bad "decision_log count"
# ordo analyze --from postgres: the shipped decisions (decision_log) and
# the migrated outcomes give the report the SQLite directory gives
"$ordo" analyze "$sq" --json >"$tmp/an-sq.json" 2>"$tmp/an.err" || bad "analyze: $(cat "$tmp/an.err")"
"$ordo" analyze "$sqp" --from postgres --json >"$tmp/an-pg.json" 2>"$tmp/an-pg.err" ||
    bad "analyze --from postgres: $(cat "$tmp/an-pg.err")"
grep -q "records from PostgreSQL's decision_log" "$tmp/an-pg.err" || bad "analyze --from postgres: $(cat "$tmp/an-pg.err")"
python3 - "$tmp/an-sq.json" "$tmp/an-pg.json" <<'PY' || bad "analyze --from postgres differs from analyze of the directory"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a == b, (str(a)[:300], str(b)[:300])
assert "decisions" in json.dumps(a)
PY
# a damaged log: only its verified prefix
dmg="$tmp/dmg"
for _ in 1 2 3; do cat "$ex/orders.ndjson"; done | sed 's/"id": *"ORD-/"id":"D-/' |
    "$ordo" source --network "$ex/network" --data "$dmg" >/dev/null 2>&1
seg=$(ls "$dmg"/log/*.seg | head -1)
size=$(stat -c %s "$seg")
printf '\x5a' | dd of="$seg" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$ordo" log verify "$dmg" --json >"$tmp/dmg.verify" 2>/dev/null
good=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["records"] if not r["ok"] else -1)' "$tmp/dmg.verify")
"$ordo" log ship "$dmg" --to postgres --dsn "$M" --json >"$tmp/dmg.ship" 2>/dev/null
rc=$?
if [ "$good" -ge 0 ]; then
    [ $rc -eq 1 ] || bad "log ship of a damaged log: exit $rc, not 1"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if not r["log_ok"] and r["shipped"] == int(sys.argv[2]) else 1)' \
        "$tmp/dmg.ship" "$good" || bad "damaged log: shipped $(cat "$tmp/dmg.ship"), verified $good"
else
    bad "the damaged log still verifies"
fi
[ $fail -eq 0 ] && echo "pg: store migrate and log ship ok"

# ---- 7. PostgreSQL restarted in the middle of the load ----
for n in "${!pid[@]}"; do kill "${pid[$n]}" 2>/dev/null; wait "${pid[$n]}" 2>/dev/null; unset "pid[$n]"; done
# load_with EVENT PREFIX ACKS OUT SKUS INSTANCES...: the load through the
# instances, with `pg_test_server.sh EVENT` (restart, crash) a second in;
# meanwhile the answers are 503 with Retry-After, nothing else
load_with() {
    local ev=$1 prefix=$2 acks=$3 out=$4 skus=$5 loader
    shift 5
    python3 "$src/tests/store/pg_load.py" --ports "$(ports "$@")" --attempts "$kill_attempts" \
        --threads 4 --token tok-0123456789abcdef --prefix "$prefix" --acks "$acks" \
        --retries 400 --skus "$skus" --out "$out" >/dev/null &
    loader=$!
    sleep 1
    bash "$pgs" "$ev" "$tmp/pg" >/dev/null || bad "PostgreSQL did not start again ($ev)"
    wait $loader || bad "load driver failed"
    echo "pg: load with a PostgreSQL $ev: $(cat "$out")"
    python3 - "$out" <<'PY' || bad "during the $ev: not 503 with Retry-After"
import json, sys
r = json.load(open(sys.argv[1]))
n503 = r["codes"].get("503", 0)
other = {c: n for c, n in r["codes"].items() if c not in ("200", "201", "503")}
assert n503 > 0 and r["retry_after"] == n503 and not other and r["conn_errors"] == 0, r
PY
}
newdb rs
start_serve r1 rs && start_serve r2 rs
load_with restart R "$tmp/acks3" "$tmp/load3.json" SKU-MUG,SKU-LAMP r1 r2
# recovered by themselves: a load after the restart is served (a SKU in stock)
python3 "$src/tests/store/pg_load.py" --ports "$(ports r1 r2)" --attempts 400 --threads 4 \
    --token tok-0123456789abcdef --prefix R2 --acks "$tmp/acks4" --skus SKU-TEE \
    --out "$tmp/load4.json" >/dev/null
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if set(r["codes"]) <= {"200","201"} and r["status"].get("ok", 0) > 0 else 1)' \
    "$tmp/load4.json" || bad "not recovered after the restart: $(cat "$tmp/load4.json")"
invariants rs "$tmp/acks3" "$tmp/acks4"
[ $fail -eq 0 ] && echo "pg: PostgreSQL restart mid-load: 503 + Retry-After, recovered, nothing lost"

# ---- 8. PostgreSQL crashed in the middle of the load ----
for n in "${!pid[@]}"; do kill "${pid[$n]}" 2>/dev/null; wait "${pid[$n]}" 2>/dev/null; unset "pid[$n]"; done
newdb cr
start_serve k1 cr && start_serve k2 cr
load_with crash K "$tmp/acks5" "$tmp/load5.json" SKU-MUG,SKU-LAMP,SKU-TEE k1 k2
invariants cr "$tmp/acks5"
[ $fail -eq 0 ] && echo "pg: PostgreSQL crash mid-load: 0 past ATP, every acknowledged plan held"
exit $fail
