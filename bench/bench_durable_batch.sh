#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A durable batch against one without a log, in one run (`make bench` runs
# it): `ordo source` over the same orders (default 20,000) on a generated
# network (8 DCs, 120 stores, 5,000 SKUs, seed 1), three ways:
#   no log      ordo source --network N --policy default         (nothing logged)
#   durable     ordo source --network N --data D                 (log in SYNC mode, the
#               default: plans printed a group at a time once fdatasync'd)
#   per order   the same with --group 1 (one fdatasync per order; the old way)
# Each configuration runs --repeats times (default 3) on a fresh data
# directory; the medians of wall time are printed, with the ratio durable /
# no log (the goal: at most 2.0, i.e. at least half the rate without a log).
# Usage: bench/bench_durable_batch.sh [BUILD_DIR] [--orders N] [--repeats R] [--no-per-order]
set -euo pipefail
build=build
orders=20000
repeats=3
per_order=1
while [ $# -gt 0 ]; do
    case $1 in
    --orders) orders=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --no-per-order) per_order=0; shift ;;
    *) build=$1; shift ;;
    esac
done
ordo=$build/ordo
[ -x "$ordo" ] || { echo "no $ordo: build first" >&2; exit 1; }
# the data directories live next to the build (a real disk), not in /tmp (maybe tmpfs)
tmp=$(mktemp -d "$build/bench-durable.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$ordo" network generate --out "$tmp/net" --seed 1 > /dev/null
python3 - "$tmp" "$orders" <<'PY'
import json, random, sys
t, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
skus = [l.split(",")[0] for l in open(t + "/net/catalog.csv").read().splitlines()[1:]]
zips = ["10027", "02139", "19104", "06510", "60601", "48201", "55401", "43215", "63101",
        "15213", "94110", "98101", "30303", "75201", "80202", "33101"]
with open(t + "/orders.ndjson", "w") as f:
    for i in range(n):
        lines = [{"sku": s, "quantity": rnd.randint(1, 3)}
                 for s in rnd.sample(skus, rnd.randint(1, 5))]
        f.write(json.dumps({"id": "B-%07d" % i, "created": "2026-12-01T10:00:00Z",
                            "customer": {"id": "C-%d" % rnd.randint(1, 5000)},
                            "ship_to": {"zip": rnd.choice(zips)}, "channel": "web",
                            "service_level": "standard", "lines": lines}) + "\n")
PY
run() { # run ARGS...: prints the wall seconds of one run
    local s e
    rm -rf "$tmp/data"
    s=$(date +%s.%N)
    "$ordo" source --network "$tmp/net" "$@" < "$tmp/orders.ndjson" > "$tmp/plans.ndjson"
    e=$(date +%s.%N)
    [ "$(wc -l < "$tmp/plans.ndjson")" -eq "$orders" ] || { echo "short output" >&2; exit 1; }
    echo "$e - $s" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A med
names="nolog durable"
[ "$per_order" = 1 ] && names="$names perorder"
for name in $names; do
    times=""
    for _ in $(seq "$repeats"); do
        case $name in
        nolog) t=$(run --policy default) ;;
        durable) t=$(run --policy default --data "$tmp/data") ;;
        perorder) t=$(run --policy default --data "$tmp/data" --group 1) ;;
        esac
        times="$times $t"
    done
    med[$name]=$(echo "$times" | tr ' ' '\n' | grep . | median)
done
printf '%d orders, median of %d runs (wall s):\n' "$orders" "$repeats"
printf '  no log              %7.3f s  %8.0f orders/s\n' "${med[nolog]}" "$(echo "$orders / ${med[nolog]}" | bc -l)"
printf '  durable, grouped    %7.3f s  %8.0f orders/s\n' "${med[durable]}" "$(echo "$orders / ${med[durable]}" | bc -l)"
[ "$per_order" = 1 ] &&
    printf '  durable, --group 1  %7.3f s  %8.0f orders/s\n' "${med[perorder]}" "$(echo "$orders / ${med[perorder]}" | bc -l)"
ratio=$(echo "${med[durable]} / ${med[nolog]}" | bc -l)
printf 'ratio durable / no log: %.2f (goal: at most 2.00)\n' "$ratio"
