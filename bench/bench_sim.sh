#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_sim: the simulator end to end on the demo's scenario and network
# (proximity-vs-cost; `make demo`'s world): simulated orders per second on
# one process, and where the wall time goes, from summary.json's
# "measured" object: deciding (assignment, the engine, reservation, the
# log append in asynchronous mode), the store's writes (outcome events,
# settlements, inventory and signals documents), the guardrail
# monitor, and the world's own work (demand, picking, labour, transit,
# returns, stock truth, replenishment). Medians of --repeats runs.
# Goals (docs/internals/SIM.md "Speed"): >= 50,000 orders/s end to end;
# the world's own work at most a quarter of the time.
# Usage: bench/bench_sim.sh [BUILD_DIR] [--days D] [--orders-per-day N] [--repeats R]
set -euo pipefail
build=build
days=7
per_day=7000
repeats=3
while [ $# -gt 0 ]; do
    case $1 in
    --days) days=$2; shift 2 ;;
    --orders-per-day) per_day=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    *) build=$1; shift ;;
    esac
done
ordo=$build/ordo
[ -x "$ordo" ] || { echo "no $ordo: build first" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
export ORDO_SCENARIOS="$root/data/scenarios"
# run directories next to the build (a real disk), not in /tmp (maybe tmpfs)
tmp=$(mktemp -d "$build/bench-sim.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$repeats"); do
    "$ordo" sim --scenario proximity-vs-cost --days "$days" --orders-per-day "$per_day" \
        --seed 42 --out "$tmp/run$r" > /dev/null 2>&1 || { echo "bench_sim: ordo sim failed" >&2; exit 1; }
done
python3 - "$tmp" "$repeats" <<'PY'
import json, statistics, sys
t, n = sys.argv[1], int(sys.argv[2])
runs = [json.load(open("%s/run%d/summary.json" % (t, r + 1))) for r in range(n)]
m = [r["measured"] for r in runs]
med = lambda k: statistics.median(x[k] for x in m)
sec = med("seconds")
print("bench_sim: proximity-vs-cost, %d orders, median of %d runs" % (runs[0]["orders"], n))
print("  orders/s            %8.0f   (goal >= 50000)" % med("orders_per_second"))
for k, label in (("decide_seconds", "deciding"), ("store_seconds", "store writes"),
                 ("monitor_seconds", "monitor"), ("world_seconds", "world's own work")):
    print("  %-19s %8.2f s  %5.1f%%" % (label, med(k), 100 * med(k) / sec))
share = med("world_seconds") / sec
print("world share %.1f%% (goal <= 25%%): %s" % (100 * share, "met" if share <= 0.25 else "NOT met"))
PY
