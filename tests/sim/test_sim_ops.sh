#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo sim, operational measures: a small proximity-vs-cost run emits
# satisfaction for every order that ships or is cancelled, and labour
# utilisation, pick rate and dock-to-truck time for every order that ships;
# satisfaction falls with lateness (and splits, when there are enough) and
# cancelled orders score lowest; `ordo analyze` reports them per variant;
# and the same seed still gives the same analysis and the same outcomes.
# Env: ORDO_BIN (the ordo binary), ORDO_SOURCE_DIR (the repository).
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
tmp=$(mktemp -d /tmp/ordo-simops-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1" >&2; fi; }
export ORDO_SCENARIOS="$src/data/scenarios"

for r in a b; do
    "$ordo" sim --scenario proximity-vs-cost --seed 5 --days 2 --orders-per-day 200 \
        --out "$tmp/$r" > /dev/null 2> "$tmp/$r.err"
    check "sim run $r: $(cat "$tmp/$r.err")" $?
    "$ordo" analyze "$tmp/$r" --format json > "$tmp/$r.json"; check "analyze $r" $?
    "$ordo" outcomes show --data "$tmp/$r" --all --json > "$tmp/$r.outcomes"; check "outcomes $r" $?
done
cmp -s "$tmp/a.json" "$tmp/b.json"; check "same seed, same analysis" $?
cmp -s "$tmp/a.outcomes" "$tmp/b.outcomes"; check "same seed, same outcomes and measures" $?

python3 - "$tmp/a.outcomes" <<'PY'
import json, sys, statistics as st
late, ontime, split, single, cancelled = [], [], [], [], []
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    m = o.get("measures", {})
    if o["state"] == "cancelled":
        assert set(m) == {"satisfaction"}, o
        cancelled.append(m["satisfaction"])
        continue
    n += 1
    assert set(m) == {"satisfaction", "dock_to_truck_hours", "labour_utilisation", "pick_rate"}, o
    assert 0 <= m["labour_utilisation"] <= 10 and m["pick_rate"] > 0 and m["dock_to_truck_hours"] > 0, m
    assert 1 <= m["satisfaction"] <= 5, m
    (late if o["on_time"] == "late" else ontime).append(m["satisfaction"])
    (split if o["shipments"] > 1 else single).append(m["satisfaction"])
assert n > 300 and len(late) >= 10 and len(cancelled) >= 3, (n, len(late), len(cancelled))
assert st.mean(late) < st.mean(ontime) - 0.5, (st.mean(late), st.mean(ontime))
assert st.mean(cancelled) < min(st.mean(late), 2), st.mean(cancelled)
if len(split) >= 5:
    assert st.mean(split) < st.mean(single), (st.mean(split), st.mean(single))
PY
check "measures present and satisfaction falls with lateness, splits and cancellation" $?

python3 - "$tmp/a.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ops = r["operations"]
assert [o["variant"] for o in ops] == ["control", "treatment"], ops
for o in ops:
    for k in ("satisfaction", "dock_to_truck_hours", "labour_utilisation", "pick_rate", "cancel_rate",
              "pick_rate_variance"):
        x = o[k]
        assert x["orders"] > 50 and x["ci_low"] <= x["value"] <= x["ci_high"], (o["variant"], k, x)
names = {m["name"] for m in r["metrics"]}
assert {"satisfaction", "dock_to_truck_hours", "labour_utilisation", "pick_rate", "cancel_rate"} <= names
PY
check "analyze reports the operational metrics per variant" $?

echo "sim ops: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
