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

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
