#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Black-box tests of what the CLI refuses at the door: a FIFO given as a
# file (refused at once, not waited on; "-" still reads stdin), invalid
# UTF-8 and keys given twice in a policy, an order id over 255 bytes without
# --data, an outcome cost of 1e308, and rejected `exp create` / `outcomes
# ingest` leaving a fresh directory without an ordo.db.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
BIN=${ORDO_BIN:?set ORDO_BIN}
SRC=${ORDO_SOURCE_DIR:?set ORDO_SOURCE_DIR}
EX=$SRC/docs/examples
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() { # name want_rc grep_pattern cmd... (stderr+stdout searched)
    local name=$1 want=$2 pat=$3
    shift 3
    local out rc
    out=$(timeout 10 "$@" 2>&1)
    rc=$?
    if [ $rc -ne "$want" ]; then
        bad "$name: exit $rc, want $want: $out"
    elif [ -n "$pat" ] && ! grep -q -- "$pat" <<<"$out"; then
        bad "$name: output lacks '$pat': $out"
    else
        ok "$name"
    fi
}

# A FIFO with no writer: refused at once (timeout's 124 would be a hang).
mkfifo "$tmp/fifo"
expect "policy check FIFO refused" 74 "not a regular file" "$BIN" policy check "$tmp/fifo"
expect "exp create FIFO refused" 74 "not a regular file" \
    "$BIN" exp create "$tmp/fifo" --data "$tmp/d-fifo"
expect "source FIFO order refused" 74 "not a regular file" \
    "$BIN" source --network "$EX/network" --policy default "$tmp/fifo"
[ -e "$tmp/d-fifo/ordo.db" ] && bad "exp create on a FIFO created ordo.db" || ok "no ordo.db after FIFO"
expect "analyze --metrics FIFO refused" 74 "not a regular file" \
    "$BIN" analyze "$tmp/d-fifo" --metrics "$tmp/fifo"
expect "log append FIFO refused" 74 "not a regular file" "$BIN" log append "$tmp/l-fifo" "$tmp/fifo"
[ -e "$tmp/l-fifo" ] && [ -n "$(ls "$tmp/l-fifo"/*.seg 2> /dev/null)" ] &&
    bad "log append on a FIFO created a segment" || ok "no segment after a FIFO"
expect "inventory apply FIFO refused" 74 "not a regular file" \
    "$BIN" inventory apply --data "$tmp/d-fifo" "$tmp/fifo" --format ndjson
expect "inventory load FIFO refused" 74 "not a regular file" \
    "$BIN" inventory load --data "$tmp/d-fifo" "$tmp/fifo"
printf '{"order_id":"w-1"}\n' | "$BIN" log append "$tmp/l-stdin" - > /dev/null &&
    ok "log append - still reads stdin" || bad "log append - (stdin)"
# "-" still reads standard input, a pipe included.
out=$(cat "$EX/policy-default.json" | timeout 10 "$BIN" policy check -)
[[ $out == "ok: policy 'default' version "* ]] && ok "policy check - reads stdin" ||
    bad "policy check -: $out"

# Invalid UTF-8 in a policy name: refused with the line, never replaced.
printf '{"name": "p\xff\xfe",\n "strategies": [{"name": "s", "type": "weighted"}]}\n' > "$tmp/p.json"
expect "policy with invalid UTF-8" 65 "p.json:1: invalid UTF-8 at byte 12 of the line" \
    "$BIN" policy check "$tmp/p.json"
# A key given twice: refused, naming it (the first used to win).
printf '{"name": "p", "strategies": [{"name": "s", "type": "weighted",\n "weights": {"cost": 1, "cost": 5}}]}\n' > "$tmp/d.json"
expect "policy with a key twice" 65 "strategies\[0\].weights.cost" "$BIN" policy check "$tmp/d.json"

# Order ids: over 255 bytes refused by the parser, without --data (255 is fine).
ok255=$(printf 'y%.0s' $(seq 255))
printf '{"id":"%s","ship_to":{"zip":"02139"},"lines":[{"sku":"SKU-0000001","quantity":1}]}\n' "$ok255" \
    > "$tmp/ok255.json"
expect "order id of 255 bytes" 0 "" "$BIN" source --network "$EX/network" --policy default "$tmp/ok255.json"
long=$(printf 'x%.0s' $(seq 256))
printf '{"id":"%s","ship_to":{"zip":"02139"},"lines":[{"sku":"SKU-0000001","quantity":1}]}\n' "$long" \
    > "$tmp/long.json"
expect "order id of 256 bytes" 65 "'id'.*too long" \
    "$BIN" source --network "$EX/network" --policy default "$tmp/long.json"
printf '{"id":"o-\xff","ship_to":{"zip":"02139"},"lines":[{"sku":"SKU-0000001","quantity":1}]}\n' \
    > "$tmp/bad.json"
expect "order id with invalid UTF-8" 65 "invalid UTF-8" \
    "$BIN" source --network "$EX/network" --policy default "$tmp/bad.json"

# A rejected exp create on a fresh directory creates no store.
sed 's/"coverage": 0.5/"coverage": 0.5, "coverage": 0.7/' "$EX/experiment.json" > "$tmp/e-dup.json"
expect "exp create with a key twice" 65 "coverage" \
    "$BIN" exp create "$tmp/e-dup.json" --data "$tmp/d1"
[ -e "$tmp/d1/ordo.db" ] && bad "rejected exp create left ordo.db" || ok "no ordo.db after rejected exp create"
sed 's/"proximity-vs-cost-2026"/"seed-\xC3"/' "$EX/experiment.json" > "$tmp/e-utf.json"
expect "exp create with invalid UTF-8" 65 "invalid UTF-8" \
    "$BIN" exp create "$tmp/e-utf.json" --data "$tmp/d1"
[ -e "$tmp/d1/ordo.db" ] && bad "rejected exp create left ordo.db (2)" || ok "no ordo.db (2)"
expect "exp create accepted" 0 "" "$BIN" exp create "$EX/experiment.json" --data "$tmp/d1"
[ -e "$tmp/d1/ordo.db" ] && ok "an accepted exp create makes the store" || bad "no ordo.db after create"

# Outcomes: a cost of 1e308 is refused (totals printed null), and the
# rejected ingest on a fresh directory creates no store.
printf '{"event_id":"e1","order_id":"o1","type":"cost","at":"2026-11-24T00:00:00Z","pick":1e308}\n' \
    > "$tmp/big.ndjson"
expect "outcome cost 1e308" 65 "pick" "$BIN" outcomes ingest --data "$tmp/d2" "$tmp/big.ndjson"
[ -e "$tmp/d2/ordo.db" ] && bad "rejected ingest left ordo.db" || ok "no ordo.db after rejected ingest"
printf 'event_id,order_id,type,at\ne1,o\xc3,cancelled,2026-11-24T00:00:00Z\n' > "$tmp/bad.csv"
expect "outcome CSV with invalid UTF-8" 65 "bad.csv:2: invalid UTF-8" \
    "$BIN" outcomes ingest --data "$tmp/d2" "$tmp/bad.csv"
[ -e "$tmp/d2/ordo.db" ] && bad "rejected CSV ingest left ordo.db" || ok "no ordo.db (CSV)"
expect "outcomes accepted" 0 "" "$BIN" outcomes ingest --data "$tmp/d2" "$EX/outcomes.ndjson"

if [ $fails -ne 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "all passed"
