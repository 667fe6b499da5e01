#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The decision path end to end through the CLI: ordo source --data logs every
# decision, routes orders through running experiments (with shadows), and
# ordo log show / export / replay read the records back.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
net="$src/docs/examples/network"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { # check "desc" condition-command...
    local desc=$1; shift
    if "$@"; then ok; else bad "$desc"; fi
}
count() { grep -c -- "$1" "$2" || true; }
verify() { "$ordo" log verify "$1" >/dev/null; }

# 1. --data logs one record per order; the log verifies
d="$tmp/d1"
"$ordo" source --network "$net" --policy cost-optimized --data "$d" \
    < "$src/docs/examples/orders.ndjson" > "$tmp/plans.ndjson"; rc=$?
check "source --data exit $rc" [ "$rc" -eq 0 ]
check "four plans" [ "$(wc -l < "$tmp/plans.ndjson")" -eq 4 ]
check "log verifies" verify "$d"
"$ordo" log export "$d" > "$tmp/records.ndjson"
check "four records" [ "$(wc -l < "$tmp/records.ndjson")" -eq 4 ]
check "records name the policy version" [ "$(count '"version":"' "$tmp/records.ndjson")" -eq 4 ]
check "records hold the ATP seen" [ "$(count '"atp":\[{' "$tmp/records.ndjson")" -eq 4 ]
# records are compact CBOR by default (log.encoding), read back as JSON
"$ordo" log dump "$d" > "$tmp/dump.ndjson"
check "records stored as CBOR" [ "$(count '"encoding":"cbor"' "$tmp/dump.ndjson")" -eq 4 ]
check "no JSON text in the segment" [ "$(grep -c '"order_id"' "$d"/log/*.seg)" -eq 0 ]
dj="$tmp/json-enc"
mkdir -p "$dj"
printf 'log.encoding = json\n' > "$dj/ordo.conf"
"$ordo" source --network "$net" --policy cost-optimized --data "$dj" \
    < "$src/docs/examples/orders.ndjson" > /dev/null || bad "source with log.encoding = json"
"$ordo" log dump "$dj" > "$tmp/dumpj.ndjson"
check "log.encoding = json stores JSON text" [ "$(count '"encoding":"raw"' "$tmp/dumpj.ndjson")" -eq 4 ]
"$ordo" log export "$dj" > "$tmp/recordsj.ndjson"
same_records() { # the same decisions, but for the measured latency and the
    # customer pseudonyms (keyed per data directory)
    python3 -c '
import json, sys
def strip(v):
    if isinstance(v, dict):
        return {k: "ck_" if k == "id" and str(x).startswith("ck_") else strip(x)
                for k, x in v.items() if k not in ("latency_ns", "latency_us")}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
def load(p):
    return [strip(json.loads(line)) for line in open(p)]
sys.exit(0 if load(sys.argv[1]) == load(sys.argv[2]) else 1)' "$1" "$2"
}
check "both encodings read back the same records" same_records "$tmp/records.ndjson" "$tmp/recordsj.ndjson"
printf 'log.encoding = yaml\n' > "$dj/ordo.conf"
"$ordo" source --network "$net" --policy cost-optimized --data "$dj" \
    < "$src/docs/examples/orders.ndjson" > /dev/null 2> "$tmp/enc.err"; rc=$?
check "unknown log.encoding refused (exit $rc)" [ "$rc" -ne 0 ]
printf 'log.direct_io = sometimes\n' > "$dj/ordo.conf"
"$ordo" source --network "$net" --policy cost-optimized --data "$dj" \
    < "$src/docs/examples/orders.ndjson" > /dev/null 2> "$tmp/dio.err"; rc=$?
check "unknown log.direct_io refused (exit $rc)" [ "$rc" -ne 0 ]
check "log.direct_io error names the key" grep -q 'log.direct_io' "$tmp/dio.err"
dd_="$tmp/direct-off"
mkdir -p "$dd_"
printf 'log.direct_io = off\n' > "$dd_/ordo.conf"
"$ordo" source --network "$net" --policy cost-optimized --data "$dd_" \
    < "$src/docs/examples/orders.ndjson" > /dev/null || bad "source with log.direct_io = off"
check "log.direct_io = off logs every decision" [ "$("$ordo" log export "$dd_" | wc -l)" -eq 4 ]
"$ordo" log export "$d" --format csv > "$tmp/records.csv"
check "csv header + 4 rows" [ "$(wc -l < "$tmp/records.csv")" -eq 5 ]
check "csv has no nan" [ "$(grep -ci nan "$tmp/records.csv")" -eq 0 ]
"$ordo" log show "$d" --order ORD-1003 > "$tmp/show.txt"
check "show names the order" grep -q 'order        ORD-1003' "$tmp/show.txt"
check "show gives the cost breakdown" grep -q 'cost \$' "$tmp/show.txt"
"$ordo" log show "$d" --order NOPE >/dev/null 2>&1; rc=$?
check "show unknown order exits 65 (got $rc)" [ "$rc" -eq 65 ]

# 2. replay under the same policy changes nothing; under another it reports deltas
"$ordo" log replay "$d" --policy cost-optimized --network "$net" --json > "$tmp/replay.json"
total=$(tail -1 "$tmp/replay.json")
check "replay same policy: 4 replayed ($total)" grep -q '"replayed":4' <<<"$total"
check "replay same policy: nothing changed ($total)" grep -q '"changed":0' <<<"$total"
"$ordo" log replay "$d" --policy proximity-first --network "$net" > "$tmp/replay.txt"
check "replay text total" grep -q '^total: 4 decisions, 4 replayed' "$tmp/replay.txt"
"$ordo" log replay "$d" --policy cost-optimized >/dev/null 2>&1; rc=$?
check "replay without --network exits 2 (got $rc)" [ "$rc" -eq 2 ]

# 3. a running experiment routes orders, with shadows beside the real decisions
d="$tmp/d2"
"$ordo" exp create "$src/docs/examples/experiment.json" --data "$d" >/dev/null || bad "exp create"
"$ordo" exp start proximity-vs-cost --data "$d" --reason test >/dev/null || bad "exp start"
for i in $(seq 1 400); do
    printf '{"id":"T-%d","created":"2026-11-24T12:00:00Z","ship_to":{"zip":"10027"},"lines":[{"sku":"SKU-0000038","quantity":1}]}\n' "$i"
done > "$tmp/many.ndjson"
now=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
"$ordo" source --network "$net" --data "$d" --now "$now" < "$tmp/many.ndjson" > "$tmp/p2.ndjson" || bad "source with experiment"
"$ordo" log export "$d" --format csv > "$tmp/r2.csv"
ctl=$(grep -c ',decision,.*,proximity-vs-cost,control,' "$tmp/r2.csv")
trt=$(grep -c ',decision,.*,proximity-vs-cost,treatment,' "$tmp/r2.csv")
shadow=$(grep -c ',shadow,' "$tmp/r2.csv")
check "both arms get orders (control $ctl, treatment $trt)" [ "$ctl" -gt 20 -a "$trt" -gt 20 ]
check "arms are balanced within noise ($ctl vs $trt)" [ $(( (ctl - trt) * (ctl - trt) )) -lt $(( 9 * (ctl + trt) )) ]
check "treatment runs proximity-first" [ "$(grep ',decision,.*,treatment,' "$tmp/r2.csv" | grep -vc ',proximity-first,')" -eq 0 ]
check "control runs cost-optimized" [ "$(grep ',decision,.*,control,' "$tmp/r2.csv" | grep -vc ',cost-optimized,')" -eq 0 ]
check "shadow records logged ($shadow)" [ "$shadow" -gt 0 ]
check "log verifies after the experiment" verify "$d"

# 4. the kill switch sends every order back to control
"$ordo" exp kill proximity-vs-cost --data "$d" --reason "test kill" >/dev/null || bad "exp kill"
sed 's/"T-/"K-/' "$tmp/many.ndjson" | "$ordo" source --network "$net" --data "$d" --now "$now" > /dev/null || bad "source after kill"
"$ordo" log export "$d" --format csv | grep ',K-' > "$tmp/k.csv"
check "after kill no treatment" [ "$(grep -c ',treatment,' "$tmp/k.csv")" -eq 0 ]
check "after kill no proximity-first decisions" [ "$(grep ',decision,' "$tmp/k.csv" | grep -c ',proximity-first,')" -eq 0 ]
check "killed orders are excluded from analysis" [ "$(grep ',decision,.*,control,' "$tmp/k.csv" | grep -c ',false,ok,')" -eq 0 ]

# 5. the analysis leaves the killed-to-control orders out, and says so
"$ordo" analyze "$d" --network "$net" --format json > "$tmp/an.json" || bad "analyze"
flagged=$(grep -o '"excluded_flagged": *[0-9]*' "$tmp/an.json" | grep -o '[0-9]*$')
killed=$(grep ',decision,.*,control,' "$tmp/k.csv" | grep -c ',true,ok,')
check "analysis excludes the $killed killed orders (excluded_flagged $flagged)" [ "${flagged:-0}" -ge "$killed" -a "$killed" -gt 0 ]

# 6. a kill reaches a batch that is already running: the next order after
# the kill goes to control (the decider reloads the registry whenever
# another process has changed the store)
d="$tmp/d3"
"$ordo" exp create "$src/docs/examples/experiment.json" --data "$d" >/dev/null || bad "exp create d3"
"$ordo" exp start proximity-vs-cost --data "$d" --reason test >/dev/null || bad "exp start d3"
mkfifo "$tmp/in"
"$ordo" source --network "$net" --data "$d" --now "$now" < "$tmp/in" > "$tmp/p3.ndjson" 2> "$tmp/p3.err" &
src_pid=$!
exec 7> "$tmp/in"
sed 's/"T-/"R-/' "$tmp/many.ndjson" | head -n 60 >&7
logged() { "$ordo" log export "$d" --format csv 2>/dev/null | grep ',decision,' | grep -c ",$1" || true; }
for _ in $(seq 1 300); do [ "$(logged R-)" -ge 60 ] && break; sleep 0.1; done
check "the running batch logged its first 60 orders" [ "$(logged R-)" -eq 60 ]
"$ordo" exp kill proximity-vs-cost --data "$d" --reason "kill mid-batch" >/dev/null || bad "exp kill mid-batch"
sed 's/"T-/"S-/' "$tmp/many.ndjson" | head -n 60 >&7
exec 7>&-
wait "$src_pid"; rc=$?
check "the running batch ends normally (exit $rc: $(head -c 200 "$tmp/p3.err"))" [ "$rc" -eq 0 ]
"$ordo" log export "$d" --format csv > "$tmp/r3.csv"
before_trt=$(grep ',decision,' "$tmp/r3.csv" | grep ',R-' | grep -c ',treatment,')
after_trt=$(grep ',decision,' "$tmp/r3.csv" | grep ',S-' | grep -c ',treatment,')
after_ctl=$(grep ',decision,' "$tmp/r3.csv" | grep ',S-' | grep -c ',control,')
check "before the kill the batch ran treatment ($before_trt orders)" [ "$before_trt" -gt 5 ]
check "after the kill, in the same batch, no treatment ($after_trt), covered orders control ($after_ctl)" \
    [ "$after_trt" -eq 0 -a "$after_ctl" -gt 5 ]
check "all 60 orders after the kill were decided" [ "$(grep ',decision,' "$tmp/r3.csv" | grep -c ',S-')" -eq 60 ]

# 7. the kill switch's bound while a batch is busy (not waiting for input):
# the decider holds the store's write transaction for about 0.5 s at a time
# and, before its next order after any other connection's commit, reloads
# the experiments; so `exp kill` returns within about one transaction, and
# every order the batch decides after the kill committed goes to control:
# in log order, no treatment decision follows the first killed one.
d="$tmp/d4"
"$ordo" exp create "$src/docs/examples/experiment.json" --data "$d" >/dev/null || bad "exp create d4"
"$ordo" exp start proximity-vs-cost --data "$d" --reason test >/dev/null || bad "exp start d4"
busy=20000
python3 -c 'import sys
for i in range(1, int(sys.argv[1]) + 1):
    print("{\"id\":\"B-%d\",\"created\":\"2026-11-24T12:00:00Z\",\"ship_to\":{\"zip\":\"10027\"},\"lines\":[{\"sku\":\"SKU-0000038\",\"quantity\":1}]}" % i)' "$busy" > "$tmp/busy.ndjson"
sed 's/"T-/"A-/' "$tmp/many.ndjson" | head -n 100 > "$tmp/after.ndjson"
rm -f "$tmp/go4"
mkfifo "$tmp/in4"
{ cat "$tmp/busy.ndjson"
  for _ in $(seq 1 3000); do [ -e "$tmp/go4" ] && break; sleep 0.01; done
  cat "$tmp/after.ndjson"; } > "$tmp/in4" &
feeder=$!
"$ordo" source --network "$net" --data "$d" --now "$now" < "$tmp/in4" > "$tmp/p4.ndjson" 2> "$tmp/p4.err" &
src_pid=$!
for _ in $(seq 1 600); do [ "$(wc -l < "$tmp/p4.ndjson")" -ge 300 ] && break; sleep 0.05; done
t0=$(date +%s%N)
"$ordo" exp kill proximity-vs-cost --data "$d" --reason "kill a busy batch" >/dev/null || bad "exp kill busy"
t1=$(date +%s%N)
printed=$(wc -l < "$tmp/p4.ndjson")
touch "$tmp/go4"
wait "$src_pid"; rc=$?
wait "$feeder"
kill_ms=$(( (t1 - t0) / 1000000 ))
echo "exp kill on a busy batch returned in $kill_ms ms, $printed of $busy plans printed by then"
check "the busy batch ends normally (exit $rc: $(head -c 200 "$tmp/p4.err"))" [ "$rc" -eq 0 ]
check "the kill landed mid-batch ($printed of $busy printed)" [ "$printed" -lt "$busy" ]
check "exp kill returned within the bound of 5 s ($kill_ms ms)" [ "$kill_ms" -lt 5000 ]
"$ordo" log export "$d" --format csv > "$tmp/r4.csv"
python3 - "$tmp/r4.csv" > "$tmp/r4.txt" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["record"] == "decision"]
rows.sort(key=lambda r: int(r["seq"]))
first_kill = next((i for i, r in enumerate(rows) if r["excluded"] == "true"), None)
trt_before = sum(1 for r in rows[:first_kill] if r["variant"] == "treatment")
trt_after = sum(1 for r in rows[first_kill or 0:] if r["variant"] == "treatment") if first_kill is not None else -1
killed_busy = sum(1 for r in rows if r["excluded"] == "true" and r["order_id"].startswith("B-"))
trt_a = sum(1 for r in rows if r["variant"] == "treatment" and r["order_id"].startswith("A-"))
print(trt_before, trt_after, killed_busy, trt_a)
PY
read -r trt_before trt_after killed_busy trt_a < "$tmp/r4.txt"
check "treatment before the kill ($trt_before)" [ "$trt_before" -gt 5 ]
check "no treatment after the first killed decision ($trt_after)" [ "$trt_after" -eq 0 ]
check "orders of the busy batch were routed by the kill ($killed_busy)" [ "$killed_busy" -gt 0 ]
check "no treatment among orders read after the kill returned ($trt_a)" [ "$trt_a" -eq 0 ]

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
