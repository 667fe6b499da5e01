#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Orders across daylight-saving changes and federal holidays, and what the
plans say about time.

    time_orders.py gen NET N SEED > orders.ndjson
        N orders on network NET: destinations weighted by population
        (data/us-zips.csv), 1-4 lines of stocked SKUs, 80% standard / 20%
        express, created uniformly between 2026-10-15 and 2027-01-15 at any
        hour (UTC); one order in 50 has no `created`, one in 100 ships to a
        PO-box ZIP that is not in the ZIP table (30301, 77001, 60690, 94101).
    time_orders.py summary NET orders.ndjson plans.ndjson
        cost per order, mean P(on time), mean ETA p50 (business days), ETA
        dates on a weekend or federal holiday, orders refused, and the share
        of shipments whose node's local clock (python zoneinfo, the node
        state's zone) is before its cutoff on a shipping day ("same day"),
        by this rule and by the old round(longitude / 15) clock.
"""
import csv
import datetime as dt
import json
import os
import random
import sys
from zoneinfo import ZoneInfo

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
STATE_TZ = {  # by state; split states by their most populous zone
    **{s: "America/New_York" for s in "CT DE DC GA ME MD MA NH NJ NY NC OH PA RI SC VT VA WV FL "
       "MI IN KY".split()},
    **{s: "America/Chicago" for s in "TN AL AR IL IA LA MN MS MO OK WI TX KS NE ND SD".split()},
    **{s: "America/Denver" for s in "CO MT NM UT WY ID".split()},
    "AZ": "America/Phoenix", "CA": "America/Los_Angeles", "NV": "America/Los_Angeles",
    "OR": "America/Los_Angeles", "WA": "America/Los_Angeles", "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu", "PR": "America/Puerto_Rico",
}


def zips():
    with open(os.path.join(ROOT, "data", "us-zips.csv")) as f:
        return {r["zip"]: r for r in csv.DictReader(f)}


def holidays(y):
    def nth(m, wd, n):
        if n > 0:
            d = dt.date(y, m, 1)
            return d + dt.timedelta((wd - d.weekday()) % 7 + 7 * (n - 1))
        d = dt.date(y, m + 1, 1) - dt.timedelta(1)
        return d - dt.timedelta((d.weekday() - wd) % 7)

    def obs(d):
        return d - dt.timedelta(1) if d.weekday() == 5 else d + dt.timedelta(1) if d.weekday() == 6 else d

    fixed = [(1, 1), (7, 4), (11, 11), (12, 25)] + ([(6, 19)] if y >= 2021 else [])
    return {obs(dt.date(y, m, d)) for m, d in fixed} | {
        nth(1, 0, 3), nth(2, 0, 3), nth(5, 0, -1), nth(9, 0, 1), nth(10, 0, 2), nth(11, 3, 4)}


HOL = set().union(*(holidays(y) for y in range(2025, 2029)))


def gen(net_dir, n, seed):
    rng = random.Random(seed)
    z = [r for r in zips().values() if int(r["population"] or 0) > 0]
    w = [int(r["population"]) for r in z]
    with open(os.path.join(net_dir, "inventory.csv")) as f:
        skus = sorted({r["sku"] for r in csv.DictReader(f) if r["node"].startswith("DC")})
    t0 = dt.datetime(2026, 10, 15, tzinfo=dt.timezone.utc).timestamp()
    t1 = dt.datetime(2027, 1, 15, tzinfo=dt.timezone.utc).timestamp()
    for i in range(n):
        dest = rng.choices(z, w)[0]["zip"]
        if i % 100 == 99:
            dest = ["30301", "77001", "60690", "94101"][(i // 100) % 4]
        o = {"id": f"T{i:05d}"}
        if i % 50 != 49:
            t = dt.datetime.fromtimestamp(rng.uniform(t0, t1), dt.timezone.utc)
            o["created"] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        o["ship_to"] = {"zip": dest}
        o["service_level"] = "express" if rng.random() < 0.2 else "standard"
        o["lines"] = [{"sku": s, "quantity": rng.randint(1, 2)}
                      for s in rng.sample(skus, rng.randint(1, 4))]
        print(json.dumps(o, separators=(",", ":")))


def summary(net_dir, orders_path, plans_path):
    zz = zips()
    with open(os.path.join(net_dir, "network.json")) as f:
        nodes = {n["id"]: n for n in json.load(f)["nodes"]}
    orders = [json.loads(l) for l in open(orders_path)]
    plans = [json.loads(l) for l in open(plans_path)]
    cost = ot = p50 = 0.0
    n = ships = same_new = same_old = bad_day = warn = refused = 0
    for o, p in zip(orders, plans):
        if "error" in p or p.get("status") not in ("ok", "fallback"):
            refused += 1
            continue
        n += 1
        warn += "warnings" in p
        cost += p["totals"]["cost"]["total"]
        ot += p["totals"]["on_time_prob"]
        for s in p["shipments"]:
            ships += 1
            p50 += s["eta"]["p50_days"]
            d = dt.date.fromisoformat(s["eta"]["p50"])
            bad_day += d.weekday() >= 5 or d in HOL
            if "created" not in o:
                continue
            node = nodes[s["node"]]
            nz = zz[node["zip"]]
            t = dt.datetime.fromisoformat(o["created"].replace("Z", "+00:00"))
            loc = t.astimezone(ZoneInfo(STATE_TZ[nz["state"]]))
            old = t + dt.timedelta(hours=round(float(nz["lon"]) / 15))
            cut = node.get("cutoff_hour", 14)
            same_new += loc.hour < cut and loc.weekday() < 5 and loc.date() not in HOL
            same_old += old.hour < cut and old.weekday() < 5
    print(f"orders {len(orders)} planned {n} refused {refused} with ZIP3 warning {warn}")
    print(f"cost per order {cost / n:.2f}  mean P(on time) {ot / n:.4f}  "
          f"mean ETA p50 {p50 / ships:.3f} business days")
    print(f"shipments {ships}: ETA p50 on a weekend or federal holiday {bad_day / ships:.2%}")
    print(f"same-day by the node's clock: zoneinfo {same_new / ships:.2%}  "
          f"round(lon/15) {same_old / ships:.2%}")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        summary(sys.argv[2], sys.argv[3], sys.argv[4])
