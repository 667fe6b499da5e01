#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The figures of the network-value scenario (bench/bench_netval.sh).

    netval_summary.py [--check] UNMET_COST SEED:MYOPIC:DUAL[:CLAIRVOYANT[:STOCKOUT]] ...

Each argument names the run directories of one seed. Total fulfillment
cost = the plans' cash cost + UNMET_COST x units no plan sourced (the LP's
price of a lost sale), per order. The interval of the difference is over
replenishment weeks (seed x week blocks, paired: the same orders in every
arm; a weekly replenishment up to the same levels starts each week afresh),
a t interval at 95%. The share of the gap closed is
(myopic - dual) / (myopic - clairvoyant) over all orders, with a 95%
interval by the delta method over the same blocks. --check exits 1 unless
the dual-priced cost is below the myopic one."""
import csv
import math
import sys

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021,
        60: 2.000, 120: 1.980}


def t975(df):
    keys = sorted(k for k in T975 if k <= df)
    return T975[keys[-1]] if keys else T975[1]


def read_days(run, unmet):
    rows = []
    with open(f"{run}/netval_days.csv") as f:
        for r in csv.DictReader(f):
            rows.append((int(r["day"]), float(r["orders"]),
                         float(r["cash_cost"]) + unmet * float(r["units_unfilled"]),
                         float(r["cash_cost"]), float(r["units_unfilled"])))
    return rows


def weeks(rows):
    """(orders, total cost) per 7-day block."""
    out = {}
    for day, orders, total, _, _ in rows:
        o, c = out.get(day // 7, (0.0, 0.0))
        out[day // 7] = (o + orders, c + total)
    return out


def interval(xs):
    n = len(xs)
    m = sum(xs) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)) if n > 1 else float("inf")
    h = t975(n - 1) * sd / math.sqrt(n)
    return m, m - h, m + h


def main(argv):
    check = "--check" in argv
    argv = [a for a in argv if a != "--check"]
    unmet = float(argv[0])
    arms = ("myopic", "dual", "clairvoyant", "stockout")
    tot = {a: [0.0, 0.0, 0.0, 0.0] for a in arms}  # orders, total, cash, unfilled
    blocks = []  # (orders, myopic, dual, clairvoyant or None)
    sblocks = []  # stock-out priced, where run
    for spec in argv[1:]:
        parts = spec.split(":")
        runs = dict(zip(arms, parts[1:]))
        days = {a: read_days(r, unmet) for a, r in runs.items()}
        for a, rows in days.items():
            for _, o, t, c, u in rows:
                tot[a][0] += o
                tot[a][1] += t
                tot[a][2] += c
                tot[a][3] += u
        wk = {a: weeks(rows) for a, rows in days.items()}
        for w in sorted(wk["myopic"]):
            o = wk["myopic"][w][0]
            if o <= 0 or any(wk[a][w][0] != o for a in wk):
                raise SystemExit(f"seed {parts[0]} week {w}: the arms saw different orders")
            blocks.append((o, wk["myopic"][w][1], wk["dual"][w][1],
                           wk["clairvoyant"][w][1] if "clairvoyant" in wk else None))
            if "stockout" in wk:
                sblocks.append(wk["stockout"][w][1])
    per = {a: tot[a][1] / tot[a][0] for a in arms if tot[a][0] > 0}
    for a in arms:
        if tot[a][0] > 0:
            print(f"{a:12s} orders {tot[a][0]:.0f}  total cost/order {per[a]:.4f}  "
                  f"(cash {tot[a][2] / tot[a][0]:.4f}, units not sourced {tot[a][3]:.0f})")
    rel = [(d - m) / m for _, m, d, _ in blocks]
    mean, lo, hi = interval(rel)
    print(f"dual vs myopic: {100 * (per['dual'] / per['myopic'] - 1):+.3f}% total cost per order; "
          f"per replenishment week {100 * mean:+.3f}% (95% interval {100 * lo:+.3f}% .. "
          f"{100 * hi:+.3f}%, {len(rel)} weeks)")
    if "clairvoyant" in per and per["myopic"] > per["clairvoyant"]:
        gap = per["myopic"] - per["clairvoyant"]
        share = (per["myopic"] - per["dual"]) / gap
        # delta method on the ratio of block sums: sum(m - d) / sum(m - c)
        num = [(m - d) for _, m, d, c in blocks]
        den = [(m - c) for _, m, d, c in blocks]
        n, sn, sd_ = len(blocks), sum(num), sum(den)
        r = sn / sd_
        resid = [a - r * b for a, b in zip(num, den)]
        var = n / (n - 1) * sum(x * x for x in resid) / (sd_ * sd_) if n > 1 else float("inf")
        h = t975(n - 1) * math.sqrt(var)
        print(f"clairvoyant vs myopic: {100 * (per['clairvoyant'] / per['myopic'] - 1):+.3f}%; "
              f"share of the gap the dual-priced policy closes: {100 * share:.1f}% "
              f"(95% interval {100 * (r - h):.1f}% .. {100 * (r + h):.1f}%)")
    if "stockout" in per:
        rel = [(wk_s - m) / m for (_, m, _, _), wk_s in zip(blocks, sblocks)]
        mean, lo, hi = interval(rel)
        print(f"stock-out priced vs myopic: {100 * (per['stockout'] / per['myopic'] - 1):+.3f}% "
              f"(per week 95% interval {100 * lo:+.3f}% .. {100 * hi:+.3f}%)")
    if check and not per["dual"] < per["myopic"]:
        print("FAIL: the dual-priced policy does not cost less than the myopic one")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
