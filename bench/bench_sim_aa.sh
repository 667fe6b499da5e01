#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The A/A test of the whole pipeline (docs/internals/SIM.md, "aa"): runs
# `ordo sim --scenario aa` for SEEDS seeds at a small size, analyses each
# run, and prints the false-positive rate of the primary KPI (on_time_rate)
# at alpha 0.05 with its 95% Wilson interval, for the report's headline
# test (CUPED when the report uses it) and for the plain difference. Both
# arms run the same policy, so the rate should be about 0.05; the check
# passes when the headline rate is within [0.02, 0.08].
#   bench/bench_sim_aa.sh [BUILD] [SEEDS] [DAYS] [ORDERS_PER_DAY]
# defaults: build 200 2 200. Env: JOBS (parallel runs, default 2),
# AA_TSV (a file: one line per seed with both p-values).
set -euo pipefail
build=${1:-build}
seeds=${2:-200}
days=${3:-2}
orders=${4:-200}
jobs=${JOBS:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
ordo=$(cd "$build" && pwd)/ordo
export ORDO_SCENARIOS="$root/data/scenarios"
# runs on tmpfs when there is one: the store and the log fsync
base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
tmp=$(mktemp -d "$base/ordo-aa-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s.%N)

one() { # one SEED: "SEED P_HEADLINE P_PLAIN" on stdout
    local d="$tmp/run$1"
    "$ordo" sim --scenario aa --seed "$1" --days "$days" --orders-per-day "$orders" \
        --out "$d" --json > /dev/null
    "$ordo" analyze "$d" --format json | python3 -c '
import json, sys
j = json.load(sys.stdin)
m = [m for m in j["metrics"] if m.get("primary")][0]
c = m["comparisons"][0]
head = c["cuped"]["difference"] if c.get("analysis") == "cuped" else c["difference"]
print(sys.argv[1], head["p_value"], c["difference"]["p_value"], m["name"])' "$1"
    rm -rf "$d"
}
export -f one
export tmp days orders ordo
seq 1 "$seeds" | xargs -P "$jobs" -I{} bash -c 'one {}' > "$tmp/p.tsv"
[ -n "${AA_TSV:-}" ] && sort -n "$tmp/p.tsv" > "$AA_TSV"
secs=$(echo "$(date +%s.%N) - $t0" | bc)
python3 - "$tmp/p.tsv" "$seeds" "$days" "$orders" "$secs" <<'PY'
import math, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
n = len(rows)
assert n == int(sys.argv[2]), "%d of %s seeds analysed" % (n, sys.argv[2])
def wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return p, c - h, c + h
for col, label in ((1, "headline test"), (2, "plain difference")):
    k = sum(float(r[col]) < 0.05 for r in rows)
    p, lo, hi = wilson(k, n)
    print("aa %-16s: %d seeds x %s days x %s orders/day, primary KPI %s: %d false positives "
          "at alpha 0.05, rate %.3f (95%% Wilson [%.3f, %.3f])"
          % (label, n, sys.argv[3], sys.argv[4], rows[0][3], k, p, lo, hi))
    if col == 1:
        head = p
print("aa: %.0f s" % float(sys.argv[5]))
ok = 0.02 <= head <= 0.08
print("aa: false-positive rate %.3f %s [0.02, 0.08]" % (head, "within" if ok else "OUTSIDE"))
sys.exit(0 if ok else 1)
PY
