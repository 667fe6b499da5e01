#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signed checkpoints and archiving (docs/internals/LOG.md "Checkpoints and
# archiving"): verify accepts a log whose old segments were archived after
# a checkpoint, and fails on a deleted first segment without one, a bad
# signature, another key, and a checkpoint whose chain hash is not the log's.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local desc=$1; shift; if "$@"; then ok; else bad "$desc"; fi; }
verifies() { "$ordo" log verify "$@" > "$tmp/v" 2>&1; }
fails_with() { # fails_with TEXT ARGS...: verify exits 1 and says TEXT
    local want=$1; shift
    "$ordo" log verify "$@" > "$tmp/v" 2>&1; local rc=$?
    [ "$rc" -eq 1 ] && grep -q "$want" "$tmp/v" || { cat "$tmp/v" >&2; return 1; }
}
# a log of several segments (64 KiB each)
mklog() { # mklog DATA-DIR SALT
    python3 -c "
import json, sys
for i in range(1000): print(json.dumps({'order_id': 'o-%d' % i, 'x': (sys.argv[1] + ' %d' % i) * 3}))
" "$2" > "$tmp/in.ndjson"
    "$ordo" log append "$1" --segment-bytes 65536 "$tmp/in.ndjson" > /dev/null || bad "append to $1"
    "$ordo" log append "$1" --segment-bytes 65536 "$tmp/in.ndjson" > /dev/null || bad "append to $1"
}
d="$tmp/a"
mklog "$d" alpha
nseg=$(ls "$d"/log/*.seg | wc -l)
check "several segments ($nseg)" [ "$nseg" -ge 3 ]
second=$(basename "$(ls "$d"/log/*.seg | tail -1)" .seg)

# 1. archiving needs a checkpoint; then verify starts at it
"$ordo" log archive "$d" --before $((10#$second)) 2> "$tmp/e"; rc=$?
check "archive without a checkpoint is refused ($rc)" [ "$rc" -ne 0 ]
check "... saying to checkpoint first" grep -q "checkpoint" "$tmp/e"
"$ordo" log checkpoint "$d" --json > "$tmp/c.json" || bad "checkpoint"
check "the key pair is created under DATA/keys" [ -s "$d/keys/log-checkpoint.key" ] && [ -s "$d/keys/log-checkpoint.pub" ]
check "the secret key is private (0600)" [ "$(stat -c %a "$d/keys/log-checkpoint.key")" = 600 ]
check "the checkpoint file is in the log" [ -s "$d/log/$second.ckpt" ]
"$ordo" log archive "$d" --before $((10#$second)) --json > "$tmp/a.json" || bad "archive"
check "all but the last segment archived" grep -q "\"segments_moved\":$((nseg - 1))" "$tmp/a.json"
check "it is in LOG/archive" [ -s "$d/log/archive/00000000000000000001.seg" ]
check "the archived log verifies" verifies "$d"
"$ordo" log verify "$d" --json > "$tmp/v.json"
check "... from the checkpoint" grep -q '"start":"checkpoint","checkpoint_seq":'"$((10#$second - 1))" "$tmp/v.json"
pub=$(cat "$d/keys/log-checkpoint.pub")
check "--public-key HEX verifies" verifies "$d" --public-key "$pub"
cp -r "$d" "$tmp/appended"
mklog "$tmp/appended" more
check "appending after the archive still verifies" verifies "$tmp/appended"

# 2. forgeries
cp "$d/log/$second.ckpt" "$tmp/good.ckpt"
sed 's/^signature \(.\)/signature X\1/; s/^signature X0/signature 1/; s/^signature X[^0]/signature 0/' \
    "$tmp/good.ckpt" > "$d/log/$second.ckpt"
check "a bad signature fails" fails_with "signature is bad" "$d"
sed 's/^seq .*/seq 1/' "$tmp/good.ckpt" > "$d/log/$second.ckpt"
check "an edited seq fails (the signature covers it)" fails_with "signature is bad" "$d"
cp "$tmp/good.ckpt" "$d/log/$second.ckpt"
# the same key signs another log's checkpoint at the same boundary: a
# valid signature over the wrong chain hash
o="$tmp/other"
mklog "$o" bravo
"$ordo" log checkpoint "$o" --key "$d/keys/log-checkpoint.key" > /dev/null || bad "checkpoint other"
cp "$o/log/$second.ckpt" "$d/log/$second.ckpt"
check "a checkpoint with another chain hash fails" fails_with "previous-chain hash differs" "$d"
cp "$tmp/good.ckpt" "$d/log/$second.ckpt"
check "restored, it verifies" verifies "$d"
x="$tmp/x"
mklog "$x" gamma
"$ordo" log checkpoint "$x" > /dev/null
"$ordo" log archive "$x" --before $((10#$second)) > /dev/null || bad "archive x"
check "x verifies with its own key" verifies "$x"
check "a checkpoint signed by another key fails against the trusted key" \
    fails_with "another key" "$x" --public-key "$pub"
rm "$d/log/$second.ckpt"
check "a first segment missing without a checkpoint fails" fails_with "genesis" "$d"
cp "$tmp/good.ckpt" "$d/log/$second.ckpt"
rm "$d/keys/log-checkpoint.pub"
check "no public key: the checkpoint cannot be trusted" fails_with "no public key" "$d"
check "... unless given" verifies "$d" --public-key "$pub"

# 3. a deleted first segment (no archive) is still detected
n="$tmp/n"
mklog "$n" delta
rm "$n/log/00000000000000000001.seg" "$n/log/00000000000000000001.idx"
check "deleted first segment, no checkpoint: fails" fails_with "genesis" "$n"

echo "log checkpoint: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
