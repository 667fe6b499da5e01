# SPDX-License-Identifier: Apache-2.0
# Shared by the black-box tests of ordo sim (sourced, not a test itself).
# Needs: $ordo (the binary), $src (the repository), $tmp (a scratch dir).
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
export ORDO_SCENARIOS="$src/data/scenarios"

# sim_run SCENARIO DIR SEED DAYS N [more ordo sim flags]: DIR.json gets the --json line
sim_run() {
    local sc=$1 dir=$2 seed=$3 days=$4 n=$5
    shift 5
    "$ordo" sim --scenario "$sc" --seed "$seed" --days "$days" --orders-per-day "$n" \
        --out "$dir" --json "$@" > "$dir.json" 2> "$dir.err" ||
        bad "ordo sim $sc seed $seed exits $?: $(cat "$dir.err")"
}

# sim_report DIR: DIR.report gets `ordo analyze DIR --format json`
sim_report() {
    "$ordo" analyze "$1" --format json > "$1.report" 2>/dev/null
}

# sim_same A B: two runs of one seed give the same analysis and summary
# (but for the measured rates)
sim_same() {
    [ -s "$1.report" ] && ok || bad "no analysis of $1"
    cmp -s "$1.report" "$2.report" && ok || bad "same seed, different analysis ($1, $2)"
    local strip='import json,sys; s=json.load(open(sys.argv[1])); s.pop("measured"); print(json.dumps(s, sort_keys=True))'
    cmp -s <(python3 -c "$strip" "$1/summary.json") <(python3 -c "$strip" "$2/summary.json") && ok ||
        bad "same seed, different summary.json but for its measured times ($1, $2)"
}

# check_summary FILE: conservation and no oversell in a summary
check_summary() {
    python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["orders"] > 0, "no orders"
assert s["units_shipped"] + s["units_backordered"] + s["units_cancelled"] == s["units_ordered"], \
    "not conserved: %r" % s
assert s["oversells"] == 0, "oversold %d units" % s["oversells"]
assert s["units_returned"] <= s["units_shipped"]
assert s["measured"]["orders_per_second"] > 0
PY
}

# sim_finish: the tally and the exit status
sim_finish() {
    echo "$1: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
