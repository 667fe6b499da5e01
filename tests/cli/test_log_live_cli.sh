#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `ordo log verify`, `ordo log dump` and `ordo log tail` beside a live
# writer (docs/internals/LOG.md "Reading the live segment"): `ordo log
# append` makes each record durable as it reads it (SYNC, direct I/O where
# the file system takes it, so every record rewrites the segment's last
# block) and rotates every 64 KiB, while the commands run in a loop. Each
# must exit 0 (no "bad record magic", no SIGBUS), see the records in order,
# and never fewer than a run before.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
PY=/usr/bin/python3
# on the disk (the build directory), not a tmpfs: direct I/O needs it
T=$(mktemp -d "$PWD/ordo-loglive-XXXXXX")
trap 'kill "$wpid" 2>/dev/null; rm -rf "$T"' EXIT
pass=0
fail=0
check() { # name, condition-exit-code
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}

N=5000
# the writer: one line at a time, each appended and made durable before
# the next is read
$PY - "$N" <<'EOF' | "$ORDO" log append --data "$T/data" --segment-bytes 65536 > "$T/append.txt" &
import sys, time, json
for i in range(1, int(sys.argv[1]) + 1):
    print(json.dumps({"order_id": "ord-%d" % i, "pad": "x" * (50 + i % 300)}), flush=True)
    if i % 10 == 0:
        time.sleep(0.002)
EOF
wpid=$!
while [ ! -d "$T/data/log" ]; do sleep 0.01; done

runs=0
bad=0
last=0
next=1
while kill -0 "$wpid" 2>/dev/null; do
    runs=$((runs + 1))
    "$ORDO" log verify "$T/data" > "$T/v.txt" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        bad=$((bad + 1))
        [ $bad -le 3 ] && echo "verify exit $rc: $(head -c 300 "$T/v.txt")"
    fi
    "$ORDO" log dump "$T/data" > "$T/d.ndjson" 2> "$T/d.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        bad=$((bad + 1))
        [ $bad -le 3 ] && echo "dump exit $rc: $(head -c 300 "$T/d.err")"
    fi
    n=$(wc -l < "$T/d.ndjson")
    if [ "$n" -lt "$last" ]; then
        bad=$((bad + 1))
        echo "dump read $n records after $last"
    fi
    last=$n
    # a follower's poll: from the next seq it has not seen
    "$ORDO" log dump "$T/data" --from-seq "$next" > "$T/f.ndjson" 2> "$T/f.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        bad=$((bad + 1))
        [ $bad -le 3 ] && echo "dump --from-seq $next exit $rc: $(head -c 300 "$T/f.err")"
    fi
    # the poll starts at the seq asked for; the next one after its last
    if [ -s "$T/f.ndjson" ]; then
        first=$(head -1 "$T/f.ndjson" | grep -o '"seq": *[0-9]*' | grep -o '[0-9]*$')
        [ "$first" = "$next" ]
        check "a follower's poll starts at $next (got $first)" $?
        next=$((next + $(wc -l < "$T/f.ndjson")))
    fi
done
wait "$wpid"
check "append exit" $?
grep -q "appended $N records" "$T/append.txt"
check "append count: $(cat "$T/append.txt")" $?
[ "$bad" -eq 0 ]
check "$bad of $runs rounds beside the writer failed" $?
[ "$runs" -ge 3 ]
check "the commands ran beside the writer ($runs rounds)" $?
"$ORDO" log verify "$T/data" > "$T/v.txt"
check "verify after" $?
grep -q "$N valid records" "$T/v.txt"
check "verify counts" $?
n=$("$ORDO" log dump "$T/data" | wc -l)
[ "$n" -eq "$N" ]
check "dump after: $n" $?
echo "$runs rounds beside the writer; $pass passed, $fail failed"
[ "$fail" -eq 0 ]
