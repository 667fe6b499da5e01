#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: ordo's main job end to end in the simulator. The
# proximity-vs-cost scenario (docs/internals/SIM.md): a network on real US
# geography, an A/B test of cost-optimized (control) against proximity-first
# (treatment) sourcing, simulated orders decided, reserved and logged, the
# world's outcome events, and the experiment report with its verdict.
# Size: DEMO_DAYS (default 14) × DEMO_ORDERS (default 7000 a day), about a
# minute on 2 cores. The earlier demo (one order explained, log replay) is
# scripts/demo.sh (`make demo-replay`).
set -euo pipefail
build=${1:-build}
out=${2:-$build/demo}
days=${DEMO_DAYS:-14}
orders=${DEMO_ORDERS:-7000}
ordo="$build/ordo"
root=$(cd "$(dirname "$0")/.." && pwd)
export ORDO_SCENARIOS="$root/data/scenarios"
rm -rf "$out"
mkdir -p "$out"
run="$out/run"

echo "== 1. simulate: proximity-vs-cost, $days days, $orders orders a day (seed 42) =="
"$ordo" sim --scenario proximity-vs-cost --days "$days" --orders-per-day "$orders" --seed 42 \
    --out "$run"
echo

echo "== 2. the decision log is intact =="
"$ordo" log verify "$run"
echo

echo "== 3. the experiment report =="
"$ordo" analyze "$run" --format html --out "$out/report.html" > /dev/null || true
"$ordo" analyze "$run" --format text > "$out/report.txt" || true
awk '/^Secondary metrics/ {exit} {print}' "$out/report.txt"
echo "  ... the whole report: $out/report.txt"
echo "  HTML report with charts: $out/report.html"
