#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signals end to end through the CLI: apply and show; a fuel surcharge that
# moves decisions to the other carrier from its effective time on, and a
# replay that prices the earlier decisions with their logged version; a
# backlog that steers orders away from a saturated store (smoothly, then
# excluded); a closed node; bad documents rejected naming the line and
# field with the earlier state unchanged.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
net="$src/docs/examples/network"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local desc=$1; shift; if "$@"; then ok; else bad "$desc"; fi; }
field() { # field FILE PYTHON-EXPR-over-p (one value per line of FILE)
    python3 -c "import sys, json
for l in open(sys.argv[1]):
    p = json.loads(l); print($2)" "$1"
}
order() { # order ID ZIP CREATED
    printf '{"id":"%s","created":"%s","ship_to":{"zip":"%s"},"service_level":"standard","lines":[{"sku":"SKU-0000038","quantity":1}]}\n' "$1" "$3" "$2"
}
apply() { local d=$1; shift; "$ordo" signals apply --data "$d" --network "$net" "$@"; }

# 1. the example document applies and show lists it at a time
d="$tmp/ex"
apply "$d" "$src/docs/examples/signals.ndjson" --json > "$tmp/apply.json"; rc=$?
check "apply example exit $rc" [ "$rc" -eq 0 ]
check "version 1" grep -q '"version":1' "$tmp/apply.json"
"$ordo" signals show --data "$d" --network "$net" --at 2026-12-07T15:00:00Z --json > "$tmp/show.json"
check "show: 7 in force" [ "$(field "$tmp/show.json" "len(p['signals'])")" = 7 ]
"$ordo" signals show --data "$d" --network "$net" --at 2026-12-10T00:00:00Z --json > "$tmp/show2.json"
check "show later: windows ended" [ "$(field "$tmp/show2.json" "len(p['signals'])")" = 4 ]

# 2. surge: postal (the cheaper carrier here) gets a 60% fuel surcharge from
# 12:00; orders before stay on postal, orders after move to parcel
d="$tmp/surge"
printf '{"kind":"rate","carrier":"postal","service":"postal_ground","effective_from":"2026-12-07T16:00:00Z","fuel_surcharge_pct":5}\n' > "$tmp/v1.ndjson"
apply "$d" "$tmp/v1.ndjson" > /dev/null
for z in 10027 94110 60601; do order "E-$z" $z 2026-12-07T11:00:00Z; done > "$tmp/early.ndjson"
"$ordo" source --network "$net" --data "$d" --policy default < "$tmp/early.ndjson" > "$tmp/early.plans"
check "before: postal" [ "$(field "$tmp/early.plans" "p['shipments'][0]['service']" | sort -u)" = postal_ground ]
printf '{"kind":"rate","carrier":"postal","effective_from":"2026-12-07T10:00:00Z","fuel_surcharge_pct":60}\n' > "$tmp/v2.ndjson"
apply "$d" "$tmp/v2.ndjson" > /dev/null
for z in 10027 94110 60601; do order "L-$z" $z 2026-12-07T15:00:00Z; done > "$tmp/late.ndjson"
"$ordo" source --network "$net" --data "$d" --policy default < "$tmp/late.ndjson" > "$tmp/late.plans"
check "after: parcel" [ "$(field "$tmp/late.plans" "p['shipments'][0]['service']" | sort -u)" = parcel_ground ]
check "the plan names the rate signal" grep -q '"effect":"rate"' "$tmp/late.plans"
"$ordo" log export "$d" > "$tmp/records.ndjson"
check "records name their versions" [ "$(field "$tmp/records.ndjson" "p.get('signals_version')" | tr '\n' ' ')" = "1 1 1 2 2 2 " ]
"$ordo" log replay --data "$d" --network "$net" --policy default --json > "$tmp/replay.ndjson"
# the early orders replay with version 1 (no surge in force at 11:00): unchanged
# even though version 2 now covers 11:00
check "replay: nothing changed" [ "$(grep -c '"changed":true' "$tmp/replay.ndjson")" = 0 ]
check "replay: six replayed" grep -q '"replayed":6' "$tmp/replay.ndjson"
# the data directory recorded its network at the first `source --data`:
# signals need no --network there, and a fresh directory names the flag
"$ordo" signals show --data "$d" --at 2026-12-07T15:00:00Z --json > "$tmp/show3.json"; rc=$?
check "show without --network: the recorded network (exit $rc)" [ "$rc" -eq 0 ]
check "show without --network: version 2" grep -q '"version":2' "$tmp/show3.json"
"$ordo" signals apply --data "$tmp/fresh" "$tmp/v1.ndjson" --json > "$tmp/fresh.out" 2>&1; rc=$?
check "fresh directory without --network: exit 2-class error ($rc)" [ "$rc" -ne 0 ]
check "fresh directory: the error names --network" grep -q '"field":"network"' "$tmp/fresh.out"

# 3. saturation: a backlog at ST-0010 (capacity 594) raises its load penalty
# smoothly above 0.8 and excludes it at 0.98
for u in 0 500 560 590; do
    d="$tmp/sat$u"
    printf '{"kind":"backlog","node":"ST-0010","effective_from":"2026-12-07T00:00:00Z","units":%s}\n' $u > "$tmp/b.ndjson"
    apply "$d" "$tmp/b.ndjson" > /dev/null
    order S-1 94110 2026-12-07T15:00:00Z | "$ordo" source --network "$net" --data "$d" --dry-run \
        --policy default --explain > "$tmp/sat$u.plan"
done
lp() { field "$tmp/sat$1.plan" "p['shipments'][0]['load_penalty']"; }
check "no backlog: ST-0010" [ "$(field "$tmp/sat0.plan" "p['shipments'][0]['node']")" = ST-0010 ]
check "penalty rises smoothly" python3 -c "import sys; a,b,c=map(float,sys.argv[1:]); sys.exit(not (a == 0 < b < c < 1))" "$(lp 0)" "$(lp 500)" "$(lp 560)"
check "saturated: steered away" [ "$(field "$tmp/sat590.plan" "p['shipments'][0]['node']")" != ST-0010 ]
check "explain names the signal" grep -q 'signal:labour_saturated' "$tmp/sat590.plan"

# 4. a closed node is excluded, the plan says which signal
d="$tmp/closed"
printf '{"kind":"node_status","node":"ST-0010","effective_from":"2026-12-07T00:00:00Z","status":"closed"}\n' > "$tmp/c.ndjson"
apply "$d" "$tmp/c.ndjson" > /dev/null
order C-1 94110 2026-12-07T15:00:00Z | "$ordo" source --network "$net" --data "$d" --dry-run \
    --policy default > "$tmp/closed.plan"
check "closed: not ST-0010" [ "$(field "$tmp/closed.plan" "p['shipments'][0]['node']")" != ST-0010 ]
check "closed: named" grep -q '"effect":"closed"' "$tmp/closed.plan"

# 5. bad documents: rejected naming the field, nothing applied
d="$tmp/surge"
before=$("$ordo" signals show --data "$d" --network "$net" --at 2026-12-07T15:00:00Z --json)
bad_doc() { # bad_doc NAME FIELD LINE...
    local name=$1 fieldname=$2; shift 2
    printf '%s\n' '{"kind":"backlog","node":"ST-0001","effective_from":"2026-12-07T00:00:00Z","units":5}' "$@" > "$tmp/bad.ndjson"
    "$ordo" signals apply --data "$d" --network "$net" "$tmp/bad.ndjson" --json > "$tmp/bad.out" 2>&1
    local rc=$?
    check "$name: exit $rc" [ "$rc" -ne 0 ]
    check "$name: names $fieldname" grep -q "\"field\":\"$fieldname\"" "$tmp/bad.out"
    check "$name: names line 2" grep -q '"line":2' "$tmp/bad.out"
}
bad_doc "unknown carrier" carrier '{"kind":"rate","carrier":"pigeon","effective_from":"2026-12-07T00:00:00Z","rate_multiplier":2}'
bad_doc "window" effective_to '{"kind":"rate","carrier":"parcel","effective_from":"2026-12-08T00:00:00Z","effective_to":"2026-12-07T00:00:00Z","rate_multiplier":2}'
bad_doc "negative rate" rate_multiplier '{"kind":"rate","carrier":"parcel","effective_from":"2026-12-07T00:00:00Z","rate_multiplier":-1}'
bad_doc "NaN" fuel_surcharge_pct '{"kind":"rate","carrier":"parcel","effective_from":"2026-12-07T00:00:00Z","fuel_surcharge_pct":NaN}'
bad_doc "infinity" rate_multiplier '{"kind":"rate","carrier":"parcel","effective_from":"2026-12-07T00:00:00Z","rate_multiplier":1e999}'
bad_doc "unknown node" node '{"kind":"backlog","node":"NOPE","effective_from":"2026-12-07T00:00:00Z","units":3}'
bad_doc "unknown field" speed '{"kind":"backlog","node":"ST-0002","effective_from":"2026-12-07T00:00:00Z","units":3,"speed":1}'
bad_doc "duplicate key" units '{"kind":"backlog","node":"ST-0002","effective_from":"2026-12-07T00:00:00Z","units":3,"units":4}'
bad_doc "overlap" effective_from '{"kind":"backlog","node":"ST-0001","effective_from":"2026-12-07T10:00:00Z","units":9}'
after=$("$ordo" signals show --data "$d" --network "$net" --at 2026-12-07T15:00:00Z --json)
check "state unchanged" [ "$before" = "$after" ]
check "still version 2" [ "$(printf '%s' "$after" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')" = 2 ]

echo "signals: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
