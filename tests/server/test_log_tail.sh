#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo log tail: one line per decision record, resumable with --from-seq,
# and --follow prints records appended after it started.
# Env: ORDO_BIN, ORDO_SOURCE_DIR.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
net="$src/docs/examples/network"
tmp=$(mktemp -d /tmp/ordo-tail-XXXXXX)
follower=
trap '[ -n "$follower" ] && kill "$follower" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
bad() { fail=1; echo "FAIL: $*" >&2; }
D="$tmp/d"
head -3 "$src/docs/examples/orders.ndjson" | "$ordo" source --network "$net" --data "$D" > /dev/null \
    || bad "source --data"
"$ordo" log tail "$D" > "$tmp/all" || bad "log tail exits $?"
[ "$(wc -l < "$tmp/all")" -eq 3 ] || bad "3 decisions, $(wc -l < "$tmp/all") lines"
python3 - "$tmp/all" <<'PY' || bad "event lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["seq"] for l in lines] == sorted(l["seq"] for l in lines)
assert all(l["type"] == "decision" and l["record"]["order_id"] for l in lines)
PY
second=$(sed -n 2p "$tmp/all" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seq"])')
"$ordo" log tail "$D" --from-seq "$second" > "$tmp/rest"
[ "$(wc -l < "$tmp/rest")" -eq 2 ] || bad "--from-seq $second: $(wc -l < "$tmp/rest") lines, not 2"
"$ordo" log tail "$D" --from-seq x > /dev/null 2>&1; [ $? -eq 2 ] || bad "--from-seq x is not a usage error"
# --follow sees what is appended later
"$ordo" log tail "$D" --follow --from-seq 4 > "$tmp/follow" &
follower=$!
sed -n 4p "$src/docs/examples/orders.ndjson" | "$ordo" source --network "$net" --data "$D" > /dev/null
for _ in $(seq 50); do [ -s "$tmp/follow" ] && break; sleep 0.1; done
grep -q '"type":"decision"' "$tmp/follow" || bad "--follow printed nothing for a new decision"
kill "$follower"; wait "$follower" 2>/dev/null; follower=
[ $fail -eq 0 ] && echo "log tail: ok"
exit $fail
