#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Pool `ordo model eval --kind eta --json` results (DIR/ev*.json): each
run's worst decile with >= 1,000 predictions, Brier and randomized p90
coverage, how much lower the learned lanes' pinball loss is at p50 and p90
than the carrier histograms' and the lane's recent weekday mode's, each
against its bound (MODEL.md "Figures": worst decile <= 2 pp, p90 coverage
90 +- 1.5, pinball >= 20% lower), then the reliability table summed over
the runs (the deciles are the same bins in every run, so pooling is
exact)."""
import glob
import json
import sys

MIN_N = 1000


def main(d):
    files = sorted(glob.glob(d + "/ev*.json"))
    if not files:
        sys.exit("eta_pool: no %s/ev*.json" % d)
    tot = [[0, 0.0, 0.0] for _ in range(10)]
    for f in files:
        e = json.load(open(f))
        dec = e["on_time_learned"]["deciles"]
        big = [x for x in dec if x["n"] >= MIN_N]
        worst = max(big, key=lambda x: abs(x["mean_p"] - x["observed"])) if big else None
        w = "%.2f pp (%.1f-%.1f)" % (100 * abs(worst["mean_p"] - worst["observed"]), worst["from"],
                                     worst["from"] + 0.1) if worst else "none"
        if worst and worst.get("se_lane_day"):
            w += " %.1f se by lane-day" % (abs(worst["mean_p"] - worst["observed"]) /
                                           worst["se_lane_day"])
        pb = e["pinball"]
        low = [pb[k]["learned_lower_%s_pct" % q] for k in ("carrier", "weekday_mode")
               for q in ("p50", "p90")]
        cov = 100 * e["p90_coverage"]["randomized"]
        miss = []
        if worst and abs(worst["mean_p"] - worst["observed"]) > 0.02:
            miss.append("decile")
        if abs(cov - 90) > 1.5:
            miss.append("coverage")
        if min(low) < 20:
            miss.append("pinball")
        ceil = pb.get("ceiling")
        cl = pb.get("ceiling_lower_than_weekday_mode_pct", {})
        bound = (" | held-out cells' own quantiles below the weekday mode p50 %.1f%% p90 %.1f%%, "
                 "learned above them p50 %.1f%%" % (cl["p50"], cl["p90"],
                                                    -ceil["learned_lower_p50_pct"])
                 if ceil and cl else "")
        print("%-12s shipments %6d  worst decile %-38s Brier %.4f  p90 randomized %.2f%%  "
              "pinball lower vs histograms p50 %.1f%% p90 %.1f%%, vs weekday mode p50 %.1f%% "
              "p90 %.1f%%  %s%s" %
              (f.split("/")[-1], e["shipments"], w, e["on_time_learned"]["brier"], cov,
               low[0], low[1], low[2], low[3],
               "bounds met" if not miss else "MISSED: " + " ".join(miss), bound))
        for i, x in enumerate(dec):
            t = tot[int(round(x["from"] * 10))]
            t[0] += x["n"]
            t[1] += x["n"] * x["mean_p"]
            t[2] += x["n"] * x["observed"]
    print("pooled over %d runs:" % len(files))
    for i, (n, sp, so) in enumerate(tot):
        if n:
            mp, ob = sp / n, so / n
            print("  %.1f-%.1f  n %7d  mean p %.4f  observed %.4f  error %+.2f pp  (se %.2f)" %
                  (i / 10, i / 10 + 0.1, n, mp, ob, 100 * (ob - mp), 100 * (ob * (1 - ob) / n) ** 0.5))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
