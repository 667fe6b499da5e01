#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_netval.sh [BUILD_DIR] [OUT_DIR] [SEEDS] [DAYS] [ORDERS_PER_DAY]
#
# The network value of stock over one season (docs/internals/SIM.md
# "Network value of stock"): for each seed the scenario network-value runs
# three times with the same orders: the whole world under the myopic
# policy, under the dual-priced one, and under the dual-priced one whose
# LPs read the demand the first run really had (--demand-truth: the
# clairvoyant policy); a fourth run prices units by the node-local stock-out
# price instead of the LP (network_value.method "stockout", a copy of the
# scenario). tools/bench/netval_summary.py prints total
# fulfillment cost per order, the 95% interval of the difference and the
# share of the myopic -> clairvoyant gap closed.
# Defaults: build, /tmp/ordo-netval, seeds 1 2 3, 91 days, 300 orders a day.
set -euo pipefail
build=${1:-build}
out=${2:-/tmp/ordo-netval}
seeds=${3:-"1 2 3"}
days=${4:-91}
n=${5:-300}
src=$(cd "$(dirname "$0")/.." && pwd)
export ORDO_SCENARIOS="$src/data/scenarios"
ordo="$build/ordo"
rm -rf "$out"
mkdir -p "$out"
python3 - "$src/data/scenarios/network-value.json" "$out/stockout.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["network_value"]["method"] = "stockout"
json.dump(s, open(sys.argv[2], "w"), indent=2)
PY
run() { # SCENARIO SEED ARM DIR [flags]
  local sc=$1 seed=$2 arm=$3 dir=$4
  shift 4
  "$ordo" sim --scenario "$sc" --seed "$seed" --days "$days" --orders-per-day "$n" \
    --all-arm "$arm" --out "$dir" "$@" > "$dir.log" 2>&1
}
specs=()
for s in $seeds; do
  run network-value "$s" myopic "$out/m$s" &
  run network-value "$s" dual "$out/d$s"
  wait
  run network-value "$s" dual "$out/c$s" --demand-truth "$out/m$s" &
  run "$out/stockout.json" "$s" dual "$out/s$s"
  wait
  specs+=("$s:$out/m$s:$out/d$s:$out/c$s:$out/s$s")
  echo "seed $s: $(sed -n 2,3p "$out/m$s/netval_forecast.txt" | tr '\n' ' ')"
done
unmet=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["network_value"]["unmet_cost"])' \
  "$src/data/scenarios/network-value.json")
python3 "$src/tools/bench/netval_summary.py" "$unmet" "${specs[@]}"
