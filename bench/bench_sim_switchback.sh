#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interference between arms that share scarce stock, measured
# (docs/internals/SIM.md, "switchback"). For each seed, four worlds of the
# `switchback` scenario (same seed, same demand):
#   order   the experiment randomized by order (the scenario file with
#           unit "order", written to a temporary file)
#   sb      randomized by switchback (the scenario as shipped: census
#           regions × 6-hour windows, exp's blocked schedule)
#   all-control, all-treatment   the whole world under one policy
#           (ordo sim --all-arm KEY): the true global effect is
#           all-treatment − all-control
# and prints, for on_time_rate and cost_per_order, each design's estimate
# (the report's difference, treatment − control), the true effect, and the
# bias (estimate − truth) per seed and averaged over seeds with its
# standard error.
#   bench/bench_sim_switchback.sh [BUILD] [SEEDS] [DAYS] [ORDERS_PER_DAY]
# defaults: build 6 7 1000. Env: JOBS (parallel runs, default 2),
# SB_JSON (a file: every figure as JSON).
set -euo pipefail
build=${1:-build}
seeds=${2:-6}
days=${3:-7}
orders=${4:-1000}
jobs=${JOBS:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
ordo=$(cd "$build" && pwd)/ordo
export ORDO_SCENARIOS="$root/data/scenarios"
base=/tmp # tmpfs when there is one: the store and the log fsync
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
tmp=$(mktemp -d "$base/ordo-sb-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
python3 - "$root/data/scenarios/switchback.json" "$tmp/switchback-order.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["name"] = "switchback-order"
e = s["experiment"]
e["unit"] = "order"
del e["switchback"]
json.dump(s, open(sys.argv[2], "w"), indent=2)
PY

world() { # world SEED DESIGN: one run, its report as DIR.report
    local d="$tmp/$2-$1" sc="$tmp/switchback-order.json" arm=()
    [ "$2" = sb ] && sc=switchback
    case $2 in all-*) arm=(--all-arm "${2#all-}") ;; esac
    "$ordo" sim --scenario "$sc" --seed "$1" --days "$days" --orders-per-day "$orders" \
        --out "$d" --json "${arm[@]}" > "$d.summary"
    "$ordo" analyze "$d" --format json > "$d.report"
    rm -rf "$d"
}
export -f world
export tmp days orders ordo
for s in $(seq 1 "$seeds"); do
    for w in order sb all-control all-treatment; do echo "$s $w"; done
done | xargs -P "$jobs" -L1 bash -c 'world "$0" "$1"'

python3 - "$tmp" "$seeds" "$days" "$orders" "${SB_JSON:-}" <<'PY'
import json, math, sys
tmp, seeds = sys.argv[1], int(sys.argv[2])
metrics = ("on_time_rate", "cost_per_order")

def report(seed, world):
    return json.load(open("%s/%s-%d.report" % (tmp, world, seed)))

def metric(rep, name):
    return [m for m in rep["metrics"] if m["name"] == name][0]

def estimate(rep, name):  # the report's difference, treatment - control
    return metric(rep, name)["comparisons"][0]["difference"]["estimate"]

def pooled(rep, name):  # the world's value: every variant ran one policy
    vs = metric(rep, name)["variants"]
    n = sum(v["orders"] for v in vs)
    return sum(v["value"] * v["orders"] for v in vs) / n

out = {"seeds": seeds, "days": int(sys.argv[3]), "orders_per_day": int(sys.argv[4]), "runs": []}
bias = {(m, d): [] for m in metrics for d in ("order", "sb")}
print("%-4s %-15s %10s %10s %10s %10s %10s" % ("seed", "metric", "truth", "order", "bias",
                                              "switchback", "bias"))
for s in range(1, seeds + 1):
    row = {"seed": s}
    for m in metrics:
        truth = pooled(report(s, "all-treatment"), m) - pooled(report(s, "all-control"), m)
        eo, es = estimate(report(s, "order"), m), estimate(report(s, "sb"), m)
        bias[(m, "order")].append(eo - truth)
        bias[(m, "sb")].append(es - truth)
        row[m] = {"truth": truth, "order": eo, "switchback": es}
        print("%-4d %-15s %10.4f %10.4f %10.4f %10.4f %10.4f" % (s, m, truth, eo, eo - truth, es,
                                                                 es - truth))
    out["runs"].append(row)

def mean_se(xs):
    mu = sum(xs) / len(xs)
    var = sum((x - mu) ** 2 for x in xs) / (len(xs) - 1) if len(xs) > 1 else float("nan")
    return mu, math.sqrt(var / len(xs))

out["bias"] = {}
for m in metrics:
    out["bias"][m] = {}
    for d, label in (("order", "order-randomized"), ("sb", "switchback")):
        mu, se = mean_se(bias[(m, d)])
        out["bias"][m][label] = {"mean": mu, "se": se}
        print("switchback bench: %s, %s estimate: mean bias %+.4f (se %.4f) over %d seeds"
              % (m, label, mu, se, seeds))
if sys.argv[5]:
    json.dump(out, open(sys.argv[5], "w"), indent=1)
PY
