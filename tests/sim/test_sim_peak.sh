#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo sim --scenario peak-cost-routing at a CI size: the run starts in
# the holiday peak (the scenario's start date), cost-optimized routing
# lowers cost per order (a 95% interval below zero) and on-time delivery
# against proximity-first; the report breaks the effect down by region and
# by rurality (its rural orders per arm are the world's: summary.json's
# arms[].rural), summary.json by arm into rural and urban ZIPs;
# deterministic, conserved, nothing oversold.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d /tmp/ordo-simpk-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/sim/lib_sim.sh"

sim_run peak-cost-routing "$tmp/s" 9 1 60
sim_run peak-cost-routing "$tmp/t" 9 1 60
sim_report "$tmp/s"
sim_report "$tmp/t"
sim_same "$tmp/s" "$tmp/t"

sim_run peak-cost-routing "$tmp/a" 5 5 1000
sim_report "$tmp/a"
check_summary "$tmp/a/summary.json" && ok || bad "summary of the peak run"
python3 - "$tmp/a.report" "$tmp/a/summary.json" <<'PY' && ok || bad "peak-cost-routing moved the wrong way"
import json, sys
j = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
assert j["data"]["first"].startswith("2026-11-23"), j["data"]["first"]
est = {}
for m in j["metrics"]:
    if m["name"] in ("on_time_rate", "cost_per_order"):
        c = m["comparisons"][0]
        est[m["name"]] = c["cuped"]["difference"] if c.get("analysis") == "cuped" else c["difference"]
print("treatment - control:", {k: round(v["estimate"], 4) for k, v in est.items()})
assert est["cost_per_order"]["ci_high"] < 0, "cost per order not down"
assert est["on_time_rate"]["estimate"] < 0, "on-time rate not down"
regions = [r["segment"] for r in j["segments"]["region"]]
assert len(regions) >= 4, regions
arms = {a["variant"]: a for a in s["arms"]}
for k in ("control", "treatment"):
    a = arms[k]
    assert a["rural"]["orders"] + a["urban"]["orders"] == a["orders"]
    assert a["rural"]["delivered"] > 0 and "on_time_rate" in a["rural"]
rur = {r["segment"]: {m["metric"]: {v["variant"]: v for v in m["variants"]} for m in r["metrics"]}
       for r in j["segments"]["rurality"]}
assert "rural" in rur and "urban" in rur, list(rur)
for k in ("control", "treatment"):
    # the report's delivered rural orders are the ones the world counted
    assert rur["rural"]["on_time_rate"][k]["orders"] == arms[k]["rural"]["delivered"], \
        (k, rur["rural"]["on_time_rate"][k], arms[k]["rural"])
    assert rur["urban"]["on_time_rate"][k]["orders"] > rur["rural"]["on_time_rate"][k]["orders"]
print("rural on-time, control %.3f treatment %.3f" % (arms["control"]["rural"]["on_time_rate"],
                                                    arms["treatment"]["rural"]["on_time_rate"]))
PY

sim_finish sim_peak
