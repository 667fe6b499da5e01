#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Black-box tests of the experiment registry commands: ordo exp create,
# start, pause, stop, kill, conclude, list, show, history, assign, schedule ID.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
BIN=${ORDO_BIN:?set ORDO_BIN}
SRC=${ORDO_SOURCE_DIR:?set ORDO_SOURCE_DIR}
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
expect_eq() { # name got want
    if [ "$2" == "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi
}
expect_rc() { # name want_rc cmd...
    local name=$1 want=$2
    shift 2
    "$@" >/dev/null 2>&1
    local rc=$?
    if [ $rc -eq "$want" ]; then ok "$name"; else bad "$name: exit $rc, want $want"; fi
}
expect_grep() { # name pattern text
    if echo "$3" | grep -q -- "$2"; then ok "$1"; else bad "$1: '$2' not in: $3"; fi
}

T=$(mktemp -d /tmp/ordo-exp-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
D="$T/data"
EX="$SRC/docs/examples/experiment.json"
export USER=tester

# --- create: the example, then strict errors naming the field ---
out=$("$BIN" exp create "$EX" --data "$D" --actor alice --reason "pre-registered")
expect_eq "create example exit" "$?" "0"
expect_grep "create says draft" "created experiment proximity-vs-cost (draft)" "$out"
expect_rc "create twice" 65 "$BIN" exp create "$EX" --data "$D"

mk() { # name sed-expression: writes $T/name.json from the example
    sed -e "$2" "$EX" >"$T/$1.json"
}
field_of() { # prints the error field of a failing create --json
    "$BIN" exp create "$T/$1.json" --data "$D" --json 2>&1 >/dev/null |
        sed -n 's/.*"field":"\([^"]*\)".*/\1/p'
}
mk weights 's/"policy": "proximity-first", "weight": 0.5/"policy": "proximity-first", "weight": 0.4/;s/"id": "proximity-vs-cost"/"id": "w"/'
expect_eq "weights not summing to 1" "$(field_of weights)" "variants"
expect_rc "weights exit 65" 65 "$BIN" exp create "$T/weights.json" --data "$D"
mk coverage 's/"coverage": 0.5/"coverage": 1.5/;s/"id": "proximity-vs-cost"/"id": "c"/'
expect_eq "coverage outside [0,1]" "$(field_of coverage)" "coverage"
mk version 's/"policy": "cost-optimized"/"policy_version": "0123456789abcdef"/;s/"id": "proximity-vs-cost"/"id": "v"/'
expect_eq "unknown policy version" "$(field_of version)" "variants[0].policy_version"
mk unknown 's/"seed":/"colour": "red", "seed":/;s/"id": "proximity-vs-cost"/"id": "u"/'
expect_eq "unknown field" "$(field_of unknown)" "colour"
mk overlap 's/"id": "proximity-vs-cost"/"id": "overlapping"/;s/"start": 0, "end": 0.5/"start": 0.25, "end": 0.5/'
expect_eq "overlapping namespace" "$(field_of overlap)" "namespace"
mk disjoint 's/"id": "proximity-vs-cost"/"id": "second-half"/;s/"start": 0, "end": 0.5/"start": 0.5, "end": 1/'
expect_rc "disjoint namespace ok" 0 "$BIN" exp create "$T/disjoint.json" --data "$D"
expect_rc "missing file" 66 "$BIN" exp create "$T/nope.json" --data "$D"

# --- lifecycle ---
expect_rc "pause a draft" 65 "$BIN" exp pause proximity-vs-cost --data "$D"
expect_rc "start" 0 "$BIN" exp start proximity-vs-cost --data "$D" --reason "ramp 1%"
st=$("$BIN" exp show proximity-vs-cost --data "$D" --json | grep '"state"' | head -1)
expect_grep "show says running" '"running"' "$st"
expect_rc "start twice" 65 "$BIN" exp start proximity-vs-cost --data "$D"
expect_rc "pause" 0 "$BIN" exp pause proximity-vs-cost --data "$D"
expect_rc "resume" 0 "$BIN" exp start proximity-vs-cost --data "$D"
expect_rc "conclude running" 65 "$BIN" exp conclude proximity-vs-cost --data "$D" --winner treatment
expect_rc "winner on stop" 2 "$BIN" exp stop proximity-vs-cost --data "$D" --winner treatment
expect_rc "unknown experiment" 65 "$BIN" exp start nope --data "$D"

# --- assign ---
a=$("$BIN" exp assign proximity-vs-cost --unit ORD-1001 --data "$D" --json)
keys=$(echo "$a" | grep -o '"[a-z_]*":' | tr -d '":' | tr '\n' ' ')
expect_eq "assign --json keys" "$keys" "experiment unit in_experiment variant bucket reason "
# at 1% coverage this unit (hash 0.0436) is outside; a year later at 50% it is in
expect_grep "assign outside coverage" '"reason":"outside coverage"' "$a"
later=$("$BIN" exp assign proximity-vs-cost --unit ORD-1001 --data "$D" --json --at 2099-01-01)
bucket=$(echo "$later" | sed -n 's/.*"bucket":\([0-9.]*\).*/\1/p')
want=$("$BIN" exp hash proximity-vs-cost-2026 ORD-1001 2)
expect_eq "assign bucket is the GrowthBook hash" "$bucket" "$want"
# the namespace: hash("__sourcing", id, 1) < 0.5 decides; check both reasons occur
ns_in=0
ns_out=0
for i in $(seq 1 30); do
    r=$("$BIN" exp assign proximity-vs-cost --unit "ORD-$i" --data "$D" --json --at 2099-01-01)
    h=$("$BIN" exp hash __sourcing "ORD-$i" 1)
    if awk "BEGIN{exit !($h < 0.5)}"; then
        ns_in=$((ns_in + 1))
        echo "$r" | grep -q '"reason":"outside namespace"' && bad "ORD-$i in namespace ($h): $r"
    else
        ns_out=$((ns_out + 1))
        echo "$r" | grep -q '"reason":"outside namespace"' || bad "ORD-$i outside namespace ($h): $r"
    fi
done
[ $ns_in -gt 3 ] && [ $ns_out -gt 3 ] && ok "namespace reasons ($ns_in in, $ns_out out)" ||
    bad "namespace split ($ns_in/$ns_out)"
# targeting with an order: the example order ships to NY (northeast), so it may be in;
# the same order shipped to CA (west) is targeted out
if [ -d "$SRC/docs/examples/network" ]; then
    o=$("$BIN" exp assign proximity-vs-cost --order "$SRC/docs/examples/order.json" \
        --network "$SRC/docs/examples/network" --data "$D" --json --at 2099-01-01)
    expect_grep "assign with order: unit from the order" '"unit":"ORD-1001"' "$o"
    echo "$o" | grep -q '"reason":"targeted out"' && bad "NY order targeted out: $o" ||
        ok "NY order is targeted"
    sed -e 's/"zip": "10027"/"zip": "94103"/' "$SRC/docs/examples/order.json" >"$T/ca.json"
    o=$("$BIN" exp assign proximity-vs-cost --order "$T/ca.json" \
        --network "$SRC/docs/examples/network" --data "$D" --json --at 2099-01-01)
    expect_grep "CA order targeted out" '"reason":"targeted out"' "$o"
fi
d=$("$BIN" exp assign second-half --unit ORD-1 --data "$D" --json)
expect_grep "draft is not running" '"reason":"not running"' "$d"
expect_rc "assign needs --unit" 2 "$BIN" exp assign proximity-vs-cost --data "$D"

# --- kill switch: everything in the experiment runs control ---
expect_rc "kill" 0 "$BIN" exp kill proximity-vs-cost --data "$D" --reason "pager"
k=$("$BIN" exp assign proximity-vs-cost --unit ORD-1001 --data "$D" --json --at 2099-01-01)
if echo "$later" | grep -q '"in_experiment":true'; then
    expect_grep "killed unit gets control" '"variant":"control","bucket":[0-9.]*,"reason":"killed"' "$k"
else
    ok "killed unit (was outside; skipped)"
fi
killed_ok=1
for i in $(seq 1 20); do
    r=$("$BIN" exp assign proximity-vs-cost --unit "K-$i" --data "$D" --json --at 2099-01-01)
    echo "$r" | grep -q '"variant":"treatment"' && killed_ok=0
done
[ $killed_ok -eq 1 ] && ok "no treatment after kill" || bad "treatment after kill"
expect_rc "kill twice" 65 "$BIN" exp kill proximity-vs-cost --data "$D"
expect_rc "start killed" 65 "$BIN" exp start proximity-vs-cost --data "$D"

# --- conclude: winner rolled out; a concluded experiment never restarts ---
expect_rc "conclude bad winner" 65 "$BIN" exp conclude proximity-vs-cost --data "$D" --winner nobody
out=$("$BIN" exp conclude proximity-vs-cost --data "$D" --winner control --reason "killed; keep control")
expect_grep "conclude rolls out" "default policy is now" "$out"
err=$("$BIN" exp start proximity-vs-cost --data "$D" 2>&1)
rc=$?
expect_eq "start concluded exit" "$rc" "65"
expect_grep "start concluded message" "concluded" "$err"
ej=$("$BIN" exp start proximity-vs-cost --data "$D" --json 2>&1)
expect_grep "start concluded ESTATE" '"code":"ESTATE"' "$ej"
# concluded frees the namespace slice
expect_rc "overlap allowed after conclude" 0 "$BIN" exp create "$T/overlap.json" --data "$D"

# --- history: who, what, why, in order ---
h=$("$BIN" exp history proximity-vs-cost --data "$D")
actions=$(echo "$h" | awk '{print $3}' | tr '\n' ' ')
expect_eq "history actions" "$actions" "create start pause start kill conclude "
expect_grep "history actor" "alice" "$h"
expect_grep "history default actor \$USER" "tester" "$h"
expect_grep "history reason" "pager" "$h"
hj=$("$BIN" exp history proximity-vs-cost --data "$D" --json)
expect_eq "history --json entries" "$(echo "$hj" | grep -c '"action"')" "6"
expect_rc "history unknown" 65 "$BIN" exp history nope --data "$D"

# --- list ---
l=$("$BIN" exp list --data "$D")
expect_grep "list concluded" "proximity-vs-cost *concluded+killed" "$l"
expect_grep "list draft" "second-half *draft" "$l"
expect_eq "list --json count" "$("$BIN" exp list --data "$D" --json | grep -c '"definition_version"')" "3"
expect_rc "list empty dir" 0 "$BIN" exp list --data "$T/empty"

# --- schedule of a stored switchback ---
cat >"$T/sb.json" <<'EOF'
{"id": "sb-2026", "hypothesis": "store-first cuts cost", "unit": "switchback",
 "variants": [{"key": "control", "policy": "cost-optimized"},
              {"key": "treatment", "policy": "store-fulfillment"}],
 "switchback": {"cluster": "state", "start": "2026-11-24T00:00:00Z", "window_hours": 2,
                "windows": 6, "burn_in_minutes": 15, "burn_out_minutes": 5},
 "primary_kpis": ["cost_per_order"]}
EOF
expect_rc "create switchback" 0 "$BIN" exp create "$T/sb.json" --data "$D"
s1=$("$BIN" exp schedule sb-2026 --clusters CA,TX,NY --data "$D" --json)
s2=$("$BIN" exp schedule --seed sb-2026 --clusters CA,TX,NY --start 2026-11-24T00:00:00Z \
    --windows 6 --window-hours 2 --burn-in 15 --burn-out 5 --json)
expect_eq "stored schedule = flags schedule" "$s1" "$s2"
expect_rc "schedule of an order experiment" 65 "$BIN" exp schedule second-half --data "$D"
expect_rc "schedule ID with --seed" 2 "$BIN" exp schedule sb-2026 --seed x --data "$D"

# --- help and usage ---
for sub in create start pause stop kill conclude list show history assign register-policy; do
    expect_rc "exp $sub --help" 0 "$BIN" exp "$sub" --help
done
expect_rc "unknown option" 2 "$BIN" exp list --bogus
expect_rc "option that does not apply" 2 "$BIN" exp list --winner x --data "$D"
expect_rc "register built-in" 0 "$BIN" exp register-policy default --data "$D"

echo
if [ $fails -ne 0 ]; then
    echo "$fails FAILED"
    exit 1
fi
echo "all passed"
