#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo sim --scenario guardrail-breach, black box: the guardrail monitor,
# run by the simulator every simulated day, stops the harmful treatment
# before the run ends; summary.json says when and why; the decision log
# holds no treatment decision after the stop (every later order runs the
# control's policy); the run is deterministic, conserves units and
# oversells nothing.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d /tmp/ordo-simgr-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/sim/lib_sim.sh"

days=10
sim_run guardrail-breach "$tmp/a" 4 $days 300
sim_run guardrail-breach "$tmp/b" 4 $days 300
sim_report "$tmp/a"
sim_report "$tmp/b"
sim_same "$tmp/a" "$tmp/b"
check_summary "$tmp/a/summary.json" && ok || bad "summary of the guardrail run"

# stopped, before the end, by the on-time guardrail
python3 - "$tmp/a/summary.json" $days <<'PY' && ok || bad "the monitor did not stop the run as it should"
import json, sys
m = json.load(open(sys.argv[1]))["monitor"]
print("monitor:", m)
assert m["stopped"], "not stopped"
assert 1 <= m["stopped_after_days"] < int(sys.argv[2]), "not stopped before the end"
assert m["metric"] == "on_time_rate", m["metric"]
assert "beyond margin" in m["reason"]
assert m["orders_after_stop"] > 0 and m["treatment_after_stop"] == 0
PY

# the log, read independently: no treatment decision at or after the stop
check_log() { # check_log DUMP SUMMARY
    python3 - "$1" "$2" <<'PY'
import json, sys
stop = json.load(open(sys.argv[2]))["monitor"]["stopped_at"]
before = after = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    p = r.get("payload") or {}
    if r["type"] != 1 or "order_id" not in p:
        continue
    if p["timestamp"] < stop:
        before += p.get("variant") == "treatment"
        continue
    after += 1
    assert p.get("variant") != "treatment", "treatment decision after the stop: %s" % p["order_id"]
    assert p["policy"]["name"] == "cost-optimized", p["policy"]
print("treatment decisions before the stop:", before, "decisions after:", after)
assert before > 0 and after > 0
PY
}
"$ordo" log dump "$tmp/a" > "$tmp/a.dump" 2>/dev/null || bad "ordo log dump fails"
check_log "$tmp/a.dump" "$tmp/a/summary.json" && ok || bad "a treatment decision follows the stop"
# the check can fail: a stop one day earlier leaves treatment decisions after it
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["monitor"]["stopped_at"]="2026-09-08T00:00:00Z"; json.dump(s,open(sys.argv[2],"w"))' \
    "$tmp/a/summary.json" "$tmp/early.json"
check_log "$tmp/a.dump" "$tmp/early.json" > /dev/null 2>&1 && bad "the log check cannot fail" || ok

# the registry says it was stopped by the guardrail
"$ordo" exp show guardrail-breach --data "$tmp/a" --json > "$tmp/exp.json" 2>/dev/null
grep -q '"stopped"' "$tmp/exp.json" && grep -q 'guardrail on_time_rate breached' "$tmp/exp.json" &&
    ok || bad "the registry does not show the guardrail stop: $(head -c 400 "$tmp/exp.json")"

sim_finish sim_guardrail
