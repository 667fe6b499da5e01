#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Common random numbers: one seed puts the same orders through any policy
# (SIM.md "The world: demand"). The whole world of proximity-vs-cost under
# each arm (--all-arm): the decision log's orders — ids, times, customers,
# ZIPs, levels, lines — are equal though the arms leave different stock.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d /tmp/ordo-simcrn-XXXXXX)
[ -n "${KEEP:-}" ] && echo "$tmp"
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
. "$src/tests/sim/lib_sim.sh"

# orders DIR: one line per decided order, the order as the world made it
orders() {
    "$ordo" log export "$1" > "$1.ndjson" 2> "$1.exp.err" || bad "log export $1: $(cat "$1.exp.err")"
    python3 - "$1.ndjson" <<'PY'
import json, re, sys
seen, cust = set(), {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    o = r.get("order")
    # a short pick's reroute ("...-r") decides the rest of an order again:
    # the world's response to the policy, not demand
    if not o or o["id"] in seen or not re.fullmatch(r"S\d{3}-\d{6}", o["id"]):
        continue
    seen.add(o["id"])
    c = dict(o.get("customer") or {})
    # the log keys customer ids per data directory: compare who is who
    c["id"] = cust.setdefault(c.get("id"), len(cust))
    print(json.dumps([o["id"], o["created"], c, o["ship_to"], o["service_level"],
                      o["lines"]], sort_keys=True))
PY
}

for seed in 1 2; do
    sim_run proximity-vs-cost "$tmp/c$seed" "$seed" 14 150 --all-arm control
    sim_run proximity-vs-cost "$tmp/t$seed" "$seed" 14 150 --all-arm treatment
    orders "$tmp/c$seed" > "$tmp/c$seed.orders"
    orders "$tmp/t$seed" > "$tmp/t$seed.orders"
    [ "$(wc -l < "$tmp/c$seed.orders")" -gt 1000 ] && ok || bad "seed $seed: too few orders logged"
    cmp -s "$tmp/c$seed.orders" "$tmp/t$seed.orders" && ok ||
        bad "seed $seed: the arms saw different orders from line" \
            "$(cmp "$tmp/c$seed.orders" "$tmp/t$seed.orders" | awk '{print $NF}')"
    # the arms left different stock (else the test proves nothing)
    python3 - "$tmp/c$seed/summary.json" "$tmp/t$seed/summary.json" <<'PY' && ok ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert (a["units_shipped"], a["units_shrunk"]) != (b["units_shipped"], b["units_shrunk"])
PY
        bad "seed $seed: the two arms ran the same"
done

sim_finish test_sim_crn
