#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Group commit in `ordo source --data` (docs/internals/LOG.md, "Group commit
# in a batch"): plans are printed a group at a time, only once the group's
# records are durable. A batch is killed (SIGKILL) 20 times, each time once
# a seeded number of plans has reached the output; every plan printed before
# the kill must be in the log, the crashed log must verify as it is, and a
# next run must recover it. Also: a group is committed within --group-wait
# when the input pauses, and bad --group values are refused.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
net="$src/docs/examples/network"
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { # check "desc" condition-command...
    local desc=$1; shift
    if "$@"; then ok; else bad "$desc"; fi
}
runs=20
per_run=600

python3 - "$tmp" "$src" "$runs" "$per_run" <<'PY'
import json, random, sys
t, src, runs, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(11)
skus = [l.split(",")[0] for l in open(src + "/docs/examples/network/catalog.csv").read().splitlines()[1:]]
zips = ["10027", "02139", "19104", "06510", "60601", "48201", "55401", "43215", "63101", "15213"]
for r in range(runs):
    with open("%s/orders-%d.ndjson" % (t, r), "w") as f:
        for i in range(n):
            lines = [{"sku": s, "quantity": rnd.randint(1, 2)} for s in rnd.sample(skus, rnd.randint(1, 3))]
            f.write(json.dumps({"id": "K%02d-%05d" % (r, i), "created": "2026-12-01T10:00:00Z",
                                "ship_to": {"zip": rnd.choice(zips)}, "channel": "web",
                                "service_level": "standard", "lines": lines}) + "\n")
# the kill points: after 1 to 400 printed plans
with open(t + "/kills", "w") as f:
    for r in range(runs):
        f.write("%d\n" % rnd.randint(1, 400))
PY

# every complete printed line's order id is in the log (decision records)
printed_in_log() { # printed_in_log PLANS DIR
    "$ordo" log dump "$2" > "$tmp/dump.ndjson" || return 1
    python3 - "$1" "$tmp/dump.ndjson" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read().decode()
lines = data.split("\n")[:-1]  # a line cut by the kill is not printed
logged = {json.loads(l)["key"] for l in open(sys.argv[2]) if l.strip()}
missing = [json.loads(l)["order_id"] for l in lines if json.loads(l)["order_id"] not in logged]
if missing:
    print("printed but not in the log: %d, first %s" % (len(missing), missing[0]), file=sys.stderr)
    sys.exit(1)
PY
}

killed=0 printed_total=0
mapfile -t kills < "$tmp/kills"
for r in $(seq 0 $((runs - 1))); do
    d="$tmp/d$r"
    out="$tmp/plans-$r.ndjson"
    : > "$out"
    "$ordo" source --network "$net" --policy default --data "$d" \
        < "$tmp/orders-$r.ndjson" > "$out" 2> "$tmp/err-$r" &
    pid=$!
    want=${kills[$r]}
    # kill once `want` plans are out (or the batch ends by itself)
    for _ in $(seq 6000); do
        [ "$(wc -l < "$out")" -ge "$want" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.005
    done
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null
    pid=
    n=$(wc -l < "$out")
    printed_total=$((printed_total + n))
    check "run $r: the crashed log verifies as it is" "$ordo" log verify "$d" > /dev/null
    check "run $r: each of the $n printed plans is in the log" printed_in_log "$out" "$d"
    if [ $((r % 5)) = 0 ]; then # a next writer recovers the crashed log and goes on
        "$ordo" source --network "$net" --policy default --data "$d" \
            < "$src/docs/examples/orders.ndjson" > "$tmp/next.ndjson"
        check "run $r: the next run on the crashed log" [ $? -eq 0 ]
        check "run $r: the recovered log verifies" "$ordo" log verify "$d" > /dev/null
        check "run $r: still every printed plan in the log" printed_in_log "$out" "$d"
    fi
done
echo "killed $killed of $runs batches; $printed_total plans printed before the kills"
check "most batches were killed mid-way ($killed of $runs)" [ "$killed" -ge $((runs * 2 / 3)) ]
check "plans were printed before the kills" [ "$printed_total" -ge "$killed" ]

# a batch that ends: every plan printed, every order logged once
d="$tmp/whole"
head -500 "$tmp/orders-0.ndjson" | "$ordo" source --network "$net" --policy default \
    --data "$d" --group 64 > "$tmp/whole.ndjson"
check "a whole batch exits 0" [ $? -eq 0 ]
check "a whole batch prints 500 plans" [ "$(wc -l < "$tmp/whole.ndjson")" -eq 500 ]
check "a whole batch logs 500 records" \
    [ "$("$ordo" log dump "$d" | grep -c '"type":1')" -eq 500 ]

# the plans are the same, grouped or not, logged or not
head -300 "$tmp/orders-1.ndjson" > "$tmp/o300.ndjson"
# (a logged decision reserves its stock: the run without a log reserves in memory)
"$ordo" source --network "$net" --policy default --now 2026-12-01T10:00:00Z --reserve \
    < "$tmp/o300.ndjson" > "$tmp/p-nolog.ndjson"
"$ordo" source --network "$net" --policy default --now 2026-12-01T10:00:00Z \
    --data "$tmp/g1" --group 1 < "$tmp/o300.ndjson" > "$tmp/p-g1.ndjson"
"$ordo" source --network "$net" --policy default --now 2026-12-01T10:00:00Z \
    --data "$tmp/g7" --group 7 --group-wait 1000 < "$tmp/o300.ndjson" > "$tmp/p-g7.ndjson"
strip() { sed -E 's/"latency_(ns|us)":[0-9.e+-]+//g' "$1"; }
check "grouped plans = per-order plans" cmp -s <(strip "$tmp/p-g1.ndjson") <(strip "$tmp/p-g7.ndjson")
check "logged plans = plans reserved without a log" cmp -s <(strip "$tmp/p-nolog.ndjson") <(strip "$tmp/p-g7.ndjson")
check "300 plans" [ "$(wc -l < "$tmp/p-g7.ndjson")" -eq 300 ]

# the time bound: when the input pauses, the open group is committed and
# printed within --group-wait, not held for the next order
out="$tmp/pause.ndjson"
{ head -1 "$tmp/orders-2.ndjson"; sleep 3; sed -n 2p "$tmp/orders-2.ndjson"; } |
    "$ordo" source --network "$net" --policy default --data "$tmp/pause" --group 256 \
        --group-wait 20 > "$out" &
pid=$!
seen=0
for _ in $(seq 250); do # up to 2.5 s, while the second order is 3 s away
    if [ "$(wc -l < "$out")" -ge 1 ]; then seen=1; break; fi
    sleep 0.01
done
check "a pause commits the open group: the first plan is out before the next order" [ "$seen" = 1 ]
wait "$pid"
check "the paused batch ends with both plans" [ "$(wc -l < "$out")" -eq 2 ]
pid=

for v in 0 -1 x 1000001; do
    "$ordo" source --network "$net" --policy default --group "$v" < /dev/null > /dev/null 2>&1
    check "--group $v is refused" [ $? -eq 2 ]
done
"$ordo" source --network "$net" --policy default --group-wait -3 < /dev/null > /dev/null 2>&1
check "--group-wait -3 is refused" [ $? -eq 2 ]

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
