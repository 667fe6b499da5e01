#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo log tail: one line per decision record, resumable with --from-seq,
# and --follow prints records appended after it started; then one line per
# order whose outcomes changed, resumable with --outcomes-since.
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

# outcomes: one line per order whose outcomes changed, after the decisions,
# each the summary `ordo outcomes show --json` prints; resumable
"$ordo" outcomes ingest --data "$D" "$src/docs/examples/outcomes.ndjson" > /dev/null \
    || bad "outcomes ingest"
"$ordo" log tail "$D" > "$tmp/both" || bad "log tail with outcomes exits $?"
"$ordo" log tail "$D" --types outcome > "$tmp/out" || bad "--types outcome exits $?"
python3 - "$tmp/both" "$tmp/out" "$src/docs/examples/outcomes.ndjson" <<'PY' || bad "outcome lines"
import json, sys
both = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
events = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
kinds = [l["type"] for l in both]
assert kinds == sorted(kinds, key=lambda k: k == "outcome"), "decisions first, then outcomes"
assert [l for l in both if l["type"] == "outcome"] == out
orders = sorted({e["order_id"] for e in events})
assert sorted(l["outcome"]["order_id"] for l in out) == orders, "each changed order once"
seqs = [l["outcome_seq"] for l in out]
assert seqs == sorted(seqs) and seqs[-1] == len(events), seqs
# each order's line is at its last change: the last event of it in the file
last = {e["order_id"]: i + 1 for i, e in enumerate(events)}
assert all(l["outcome_seq"] == last[l["outcome"]["order_id"]] for l in out)
PY
o1=$(python3 -c 'import json,sys; l=json.loads(open(sys.argv[1]).readline()); print(l["outcome"]["order_id"], l["outcome_seq"])' "$tmp/out")
set -- $o1
"$ordo" outcomes show --data "$D" --order "$1" --json > "$tmp/show" || bad "outcomes show"
python3 - "$tmp/out" "$tmp/show" <<'PY' || bad "an outcome line is what outcomes show --json prints"
import json, sys
line = json.loads(open(sys.argv[1]).readline())
assert line["outcome"] == json.load(open(sys.argv[2]))
PY
n=$(wc -l < "$tmp/out")
"$ordo" log tail "$D" --types outcome --outcomes-since "$2" > "$tmp/after"
[ "$(wc -l < "$tmp/after")" -eq $((n - 1)) ] || bad "--outcomes-since $2: $(wc -l < "$tmp/after") lines, not $((n - 1))"
lastseq=$(tail -1 "$tmp/out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["outcome_seq"])')
"$ordo" log tail "$D" --types outcome --outcomes-since "$lastseq" > "$tmp/none"
[ ! -s "$tmp/none" ] || bad "--outcomes-since the last: lines printed"
"$ordo" log tail "$D" --types bogus > /dev/null 2>&1; [ $? -eq 2 ] || bad "--types bogus is not a usage error"
"$ordo" log tail "$D" --outcomes-since -3 > /dev/null 2>&1; [ $? -eq 2 ] || bad "--outcomes-since -3 is not a usage error"
# --follow sees an outcome stored later, and only that order
"$ordo" log tail "$D" --follow --types outcome --outcomes-since "$lastseq" > "$tmp/ofollow" &
follower=$!
echo '{"event_id":"tail-1","order_id":"ORD-1003","type":"measure","at":"2026-11-30T10:00:00Z","measure":"satisfaction","value":1}' > "$tmp/new.ndjson"
"$ordo" outcomes ingest --data "$D" "$tmp/new.ndjson" > /dev/null || bad "ingest a new event"
for _ in $(seq 50); do [ -s "$tmp/ofollow" ] && break; sleep 0.1; done
kill "$follower"; wait "$follower" 2>/dev/null; follower=
python3 - "$tmp/ofollow" "$lastseq" <<'PY' || bad "--follow: the new outcome"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["outcome"]["order_id"] for l in lines] == ["ORD-1003"], lines
assert lines[0]["outcome_seq"] == int(sys.argv[2]) + 1
PY
[ $fail -eq 0 ] && echo "log tail: ok"
exit $fail
