#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo sim --scenario network-value at a CI size: the same orders under the
# myopic policy and the dual-priced one (--all-arm) at two seeds, the LPs
# priced every day (netval_days.csv), the dual-priced policy's total
# fulfillment cost per order below the myopic one's
# (tools/bench/netval_summary.py --check); a clairvoyant run reads the first
# run's demand; the forecast report is written; the stock-out method prices
# cells without LPs. The full
# figures: bench/bench_netval.sh.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d /tmp/ordo-simnv-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/sim/lib_sim.sh"

# Seeds 1 and 2: the arms leave different stock from the first days, yet
# see the same demand (SIM.md "The world: demand": the orders do not depend
# on the policy's stock); before that was so, both differed from day 10–11.
for seed in 1 2; do
  sim_run network-value "$tmp/m$seed" "$seed" 14 150 --all-arm myopic
  sim_run network-value "$tmp/d$seed" "$seed" 14 150 --all-arm dual
  cmp -s "$tmp/m$seed/netval_demand.csv" "$tmp/d$seed/netval_demand.csv" && ok ||
    bad "seed $seed: the two arms saw different demand"
done
python3 - "$tmp/d1/netval_days.csv" <<'PY' && ok || bad "no day priced by the LPs"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 14, len(rows)
assert rows[0]["lps"] == "0", "day 0 has no history to forecast from"
assert all(int(r["lps"]) > 0 and int(r["priced_cells"]) > 0 for r in rows[1:]), rows
PY
python3 "$src/tools/bench/netval_summary.py" --check 40 "1:$tmp/m1:$tmp/d1" "2:$tmp/m2:$tmp/d2" && ok ||
  bad "the dual-priced policy does not cost less than the myopic one"
sim_run network-value "$tmp/c" 1 2 40 --all-arm dual --demand-truth "$tmp/m1"
grep -q "^0,\|^1," "$tmp/c/netval_days.csv" && ok || bad "clairvoyant run wrote no days"
"$ordo" sim --scenario network-value --days 2 --orders-per-day 10 --out "$tmp/x" \
  --demand-truth "$tmp/none" > /dev/null 2> "$tmp/x.err" && bad "a missing truth is accepted" || ok
grep -q "netval_demand.csv" "$tmp/x.err" && ok || bad "missing truth not named: $(cat "$tmp/x.err")"
grep -q "held out" "$tmp/m1/netval_forecast.txt" && ok || bad "no forecast report"
# the node-local stock-out price instead of the LP; a bad method is named
for m in stockout lp2; do
  python3 - "$src/data/scenarios/network-value.json" "$tmp/$m.json" "$m" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["network_value"]["method"] = sys.argv[3]
json.dump(s, open(sys.argv[2], "w"))
PY
done
sim_run "$tmp/stockout.json" "$tmp/s" 1 2 40 --all-arm dual
python3 - "$tmp/s/netval_days.csv" <<'PY' && ok || bad "the stock-out price priced nothing"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert all(r["lps"] == "0" for r in rows) and int(rows[-1]["priced_cells"]) > 0, rows
PY
"$ordo" sim --scenario "$tmp/lp2.json" --days 2 --orders-per-day 10 --out "$tmp/y" > /dev/null \
  2> "$tmp/y.err" && bad "an unknown method is accepted" || ok
grep -q "network_value.method" "$tmp/y.err" && ok || bad "bad method not named: $(cat "$tmp/y.err")"

echo "test_sim_netval: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
