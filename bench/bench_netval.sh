#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_netval.sh [BUILD_DIR] [OUT_DIR] [SEEDS] [DAYS] [ORDERS_PER_DAY]
#
# The network value of stock over one season (docs/internals/SIM.md
# "Network value of stock"): for each seed the scenario network-value runs
# three times with the same orders: the whole world under the myopic
# policy, under the dual-priced one, and under the dual-priced one whose
# LPs read the demand the first run really had (--demand-truth: the
# clairvoyant policy). tools/bench/netval_summary.py prints total
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
run() { # SEED ARM DIR [flags]
  local seed=$1 arm=$2 dir=$3
  shift 3
  "$ordo" sim --scenario network-value --seed "$seed" --days "$days" --orders-per-day "$n" \
    --all-arm "$arm" --out "$dir" "$@" > "$dir.log" 2>&1
}
specs=()
for s in $seeds; do
  run "$s" myopic "$out/m$s" &
  run "$s" dual "$out/d$s"
  wait
  run "$s" dual "$out/c$s" --demand-truth "$out/m$s"
  specs+=("$s:$out/m$s:$out/d$s:$out/c$s")
  echo "seed $s: $(sed -n 2,3p "$out/m$s/netval_forecast.txt" | tr '\n' ' ')"
done
unmet=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["network_value"]["unmet_cost"])' \
  "$src/data/scenarios/network-value.json")
python3 "$src/tools/bench/netval_summary.py" "$unmet" "${specs[@]}"
