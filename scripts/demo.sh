#!/usr/bin/env bash
# make demo: ordo's main job on its embedded defaults. Generates a network on
# real US geography and prints its summary; once the sourcing engine is in,
# sources the example orders against it.
set -euo pipefail
build=${1:-build}
out=${2:-$build/demo}
ordo="$build/ordo"
root=$(cd "$(dirname "$0")/.." && pwd)

echo "== ordo network generate (seed 42) =="
"$ordo" network generate --out "$out/network" --dcs 8 --stores 120 --dropshippers 6 \
    --skus 5000 --seed 42
echo
echo "== zones from New York (ZIP3 100) =="
for to in 021 191 606 900; do
    printf '100 -> %s: ' "$to"
    "$ordo" geo zone 100 "$to"
done
if "$ordo" --help | grep -q '^  source '; then
    echo
    echo "== ordo source: the example orders, cost-optimized =="
    "$ordo" source --network "$root/docs/examples/network" --policy cost-optimized \
        < "$root/docs/examples/orders.ndjson" | head -c 4000
    echo
fi
