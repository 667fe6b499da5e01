#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Black-box test of `ordo log verify|dump|append`.
set -u
ORDO=${ORDO_BIN:?ORDO_BIN must point at the ordo binary}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/ordo-logcli-XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() { # name, condition-exit-code
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}

# 200 decision-like records into a data directory (DIR/log is created)
$PY - > "$T/in.ndjson" <<'EOF'
import json
for i in range(1, 201):
    print(json.dumps({"order_id": "ord-%d" % i, "lines": [{"sku": "S%d" % (i % 7), "qty": i % 3 + 1}],
                      "plan": {"node": "DC-%d" % (i % 5), "cost": round(i * 0.37, 2)}}))
EOF
printf 'this is not json\n' >> "$T/in.ndjson"
out=$("$ORDO" log append --data "$T/data" "$T/in.ndjson")
check "append exit" $?
[[ "$out" == *"appended 201 records (seq 1..201)"* ]]; check "append count: $out" $?
[ -d "$T/data/log" ]; check "data dir has log/" $?

"$ORDO" log verify "$T/data" > "$T/v.txt"
check "verify intact exit 0" $?
grep -q "201 valid records" "$T/v.txt"; check "verify counts" $?

# dump: every record, payload back as JSON, the non-JSON one as base64
"$ORDO" log dump "$T/data" > "$T/all.ndjson"
check "dump exit" $?
$PY - "$T/all.ndjson" "$T/in.ndjson" <<'EOF'
import json, sys, base64
recs = [json.loads(l) for l in open(sys.argv[1])]
src = open(sys.argv[2]).read().splitlines()
assert len(recs) == 201, len(recs)
for i, r in enumerate(recs[:200]):
    assert r["seq"] == i + 1
    assert r["payload"] == json.loads(src[i]), r
    assert r["key"] == "ord-%d" % (i + 1)
    assert len(r["chain"]) == 64
assert base64.b64decode(recs[200]["payload_base64"]).decode() == "this is not json"
EOF
check "dump round trip" $?

n=$("$ORDO" log dump "$T/data" --from-seq 50 --limit 5 | wc -l)
[ "$n" -eq 5 ]; check "dump --from-seq --limit gives 5 lines ($n)" $?
first=$("$ORDO" log dump "$T/data" --from-seq 50 --limit 1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["seq"])')
[ "$first" = "50" ]; check "dump --from-seq starts at 50 ($first)" $?
k=$("$ORDO" log dump "$T/data" --key ord-123 | $PY -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; print(len(r), r[0]["seq"])')
[ "$k" = "1 123" ]; check "dump --key ($k)" $?

# anchor: the head printed by verify checks later
head=$("$ORDO" log verify "$T/data" --json | $PY -c 'import json,sys; d=json.load(sys.stdin); print("%d:%s" % (d["last_seq"], d["head"]))')
"$ORDO" log verify "$T/data" --anchor "$head" >/dev/null
check "anchor matches" $?
bad="${head%:*}:$(printf '0%.0s' $(seq 64))"
"$ORDO" log verify "$T/data" --anchor "$bad" >/dev/null
[ $? -eq 1 ]; check "wrong anchor exit 1" $?

# flip one byte in the middle of record 100: verify names it, exit 1
rec=$("$ORDO" log dump "$T/data" --from-seq 100 --limit 1)
seg=$(echo "$rec" | $PY -c 'import json,sys; print(json.load(sys.stdin)["segment"])')
off=$(echo "$rec" | $PY -c 'import json,sys; print(json.load(sys.stdin)["offset"])')
$PY - "$T/data/log/$seg" "$off" <<'EOF'
import sys
p, off = sys.argv[1], int(sys.argv[2]) + 50
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0x10]))
EOF
"$ORDO" log verify "$T/data" > "$T/v2.txt"
[ $? -eq 1 ]; check "verify corrupt exit 1" $?
grep -q "FIRST BAD RECORD: segment $seg, byte offset $off, seq 100" "$T/v2.txt"
check "verify names the record: $(grep FIRST "$T/v2.txt")" $?
"$ORDO" log verify "$T/data" --json | $PY -c '
import json,sys; d=json.load(sys.stdin); b=d["first_bad"]
assert d["ok"] is False and b["seq"] == 100 and b["torn_tail"] is False, d'
check "verify --json first_bad" $?
# appending refuses a log corrupt in the middle, and says where
printf '{"order_id":"x"}\n' | "$ORDO" log append "$T/data" 2> "$T/err.txt" >/dev/null
rc=$?
[ $rc -eq 65 ]; check "append to corrupt log fails with data error ($rc)" $?
grep -q "seq 100" "$T/err.txt"; check "append error names seq 100: $(cat "$T/err.txt")" $?

# compressed log (zstd with a per-segment dictionary): same payloads back
$PY - > "$T/many.ndjson" <<'EOF2'
import json
for i in range(1, 1501):
    print(json.dumps({"order_id": "c-%d" % i, "nodes": [{"id": "DC-%d" % (i % 9), "atp": i % 50}] * 3,
                      "explanation": "lowest landed cost among candidates with full stock"}))
EOF2
"$ORDO" log append "$T/z" --compress 3 --sync none "$T/many.ndjson" >/dev/null
check "append --compress" $?
"$ORDO" log verify "$T/z" >/dev/null; check "compressed log verifies" $?
"$ORDO" log dump "$T/z" | $PY -c '
import json,sys
src=[json.loads(l) for l in open(sys.argv[1])]
recs=[json.loads(l) for l in sys.stdin]
assert len(recs)==1500 and [r["payload"] for r in recs]==src
assert sum(r["compressed"] for r in recs) > 1000, "most records compressed"
assert sum(r["stored_bytes"] for r in recs) < sum(r["payload_bytes"] for r in recs)' "$T/many.ndjson"
check "compressed dump round trip" $?

# the end of a crashed log: an incomplete last record verifies (exit 0,
# reported as the tail); a flipped bit in the complete last record does not,
# and appending refuses to overwrite it
"$ORDO" log append "$T/t" --sync sync "$T/in.ndjson" >/dev/null
tseg=$(ls "$T"/t/log/*.seg | tail -1)
tsize=$(stat -c %s "$tseg")
cp "$tseg" "$T/t.whole"
truncate -s $((tsize - 30)) "$tseg"
"$ORDO" log verify "$T/t" > "$T/v3.txt"
rc=$?
check "verify of a torn tail exit 0: $(cat "$T/v3.txt")" $rc
grep -q "^tail: .* an incomplete record" "$T/v3.txt"; check "verify reports the torn tail" $?
"$ORDO" log verify "$T/t" --json | $PY -c '
import json,sys; d=json.load(sys.stdin)
assert d["ok"] is True and d["last_seq"] == 200 and d["tail"]["kind"] == "incomplete", d'
check "verify --json tail" $?
cp "$T/t.whole" "$tseg"
$PY - "$tseg" <<'EOF3'
import sys
p = sys.argv[1]
with open(p, "r+b") as f:
    f.seek(-40, 2); b = f.read(1); f.seek(-40, 2); f.write(bytes([b[0] ^ 0x04]))
EOF3
"$ORDO" log verify "$T/t" > "$T/v4.txt"
[ $? -eq 1 ]; check "verify of a flipped last record exit 1" $?
grep -q "seq 201: complete record with a bad checksum" "$T/v4.txt"
rc=$?
check "verify calls it corruption: $(grep FIRST "$T/v4.txt")" $rc
printf '{"order_id":"y"}\n' | "$ORDO" log append "$T/t" 2> "$T/err2.txt" >/dev/null
[ $? -eq 65 ]; check "append refuses a flipped last record" $?
grep -q "$(basename "$tseg").*offset" "$T/err2.txt"
rc=$?
check "append names the segment and offset: $(cat "$T/err2.txt")" $rc
[ "$(stat -c %s "$tseg")" -eq "$tsize" ]; check "the flipped record is not cut" $?

# errors
"$ORDO" log verify "$T/nope" >/dev/null 2>&1
[ $? -eq 66 ]; check "verify missing dir exit 66" $?
mkdir -p "$T/empty"
"$ORDO" log verify "$T/empty" >/dev/null 2>&1
[ $? -eq 66 ]; check "verify of a directory with no log exit 66" $?
"$ORDO" log dump "$T/data" --limit abc >/dev/null 2>&1
[ $? -eq 2 ]; check "bad --limit is a usage error" $?
"$ORDO" log frobnicate >/dev/null 2>&1
[ $? -eq 2 ]; check "unknown subcommand is a usage error" $?
"$ORDO" log --help | grep -q "ordo log verify"; check "help" $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
