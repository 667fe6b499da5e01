#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# eta_seeds: the ETA model's calibration on many simulated runs, not one.
# For each seed: `ordo sim --scenario proximity-vs-cost --days 28
# --orders-per-day 4000`, `ordo model train --kind eta`, `ordo model eval
# --json`; then tools/bench/eta_pool.py prints each run's worst decile and
# the reliability table pooled over the runs (docs/internals/MODEL.md
# "Figures": a held-out week's deciles of ~1,000 predictions have a sampling
# error near the 2 pp bound; pooled, the model's own error shows).
# Usage: tools/bench/eta_seeds.sh ORDO_BINARY OUT_DIR SEED... (env: DAYS, PER_DAY)
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 ORDO_BINARY OUT_DIR SEED..." >&2; exit 2; }
ordo=$1 out=$2
shift 2
mkdir -p "$out"
for s in "$@"; do
    run="$out/s$s"
    [ -d "$run" ] || "$ordo" sim --scenario proximity-vs-cost --days "${DAYS:-28}" \
        --orders-per-day "${PER_DAY:-4000}" --seed "$s" --out "$run" > "$out/sim$s.log" 2>&1
    "$ordo" model train --run "$run" --kind eta --json > "$out/train$s.json"
    model=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["file"])' "$out/train$s.json")
    "$ordo" model eval --run "$run" --model "$model" --kind eta --json > "$out/ev$s.json"
done
python3 "$(dirname "$0")/eta_pool.py" "$out"
