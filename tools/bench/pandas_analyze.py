#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The same-machine pandas figure beside bench_facts (docs/internals/ANALYZE.md).

Builds a flat table of N orders (default 1,000,000) with the columns ordo's
analysis rows use (variant, segments, day, planned and actual cost and parts,
on-time, delivered, returned, cancelled, shipments, split, units, miles, the
CUPED covariate), saves it as a pickle, then times, median of 3:
  - analysis on the in-memory DataFrame;
  - read (pickle) + analysis.
The analysis is the equivalent of ordo's: per-variant count, mean and
variance of every metric; CUPED (theta from the pooled covariance) for the
mean and proportion metrics; breakdowns of the key metrics by region, family
and value band; and the daily cumulative series of the key metrics (what the
sequential test reads). Needs python3-pandas (Debian); CI needs neither.

    /usr/bin/python3 tools/bench/pandas_analyze.py [N]   (Debian's python, where python3-pandas is)
"""
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import pandas as pd

METRICS = ["orders", "planned_cost", "planned_pick", "planned_pack", "planned_ship",
           "actual_cost", "actual_pick", "actual_pack", "actual_ship", "refund",
           "on_time", "delivered", "returned", "cancelled", "hours_to_ship",
           "hours_to_deliver", "shipments", "split", "units", "miles", "zone_sum",
           "planned_on_time_prob", "has_outcome"]
KEY = ["actual_cost", "on_time", "returned"]


def build(n, seed=7):
    rng = np.random.default_rng(seed)
    variant = (np.arange(n) % 2).astype(np.int8)
    control_cost = 8 + 4 * rng.random(n)
    planned = np.where(variant == 1, control_cost - 1 + 0.3 * rng.standard_normal(n), control_cost)
    has = rng.random(n) > 0.1
    nan = np.full(n, np.nan)
    ship = np.maximum(0.5, planned - 1.5 + rng.standard_normal(n))
    shipments = np.where(rng.random(n) < 0.2, 2, 1)
    df = pd.DataFrame({
        "variant": variant,
        "region": (np.arange(n) % 5).astype(np.int8),
        "family": rng.integers(0, 12, n).astype(np.int16),
        "band": rng.integers(0, 6, n).astype(np.int8),
        "day": (1795000000 + np.arange(n) * 2) // 86400,
        "orders": np.ones(n),
        "planned_cost": planned, "planned_pick": np.ones(n), "planned_pack": np.full(n, 0.5),
        "planned_ship": planned - 1.5,
        "actual_cost": np.where(has, ship + 1.5, nan), "actual_pick": np.where(has, 1.0, nan),
        "actual_pack": np.where(has, 0.5, nan), "actual_ship": np.where(has, ship, nan),
        "refund": np.where(has, 0.0, nan),
        "on_time": np.where(has, (rng.random(n) < 0.9).astype(float), nan),
        "delivered": np.where(has, 1.0, nan),
        "returned": np.where(has, (rng.random(n) < 0.05).astype(float), nan),
        "cancelled": np.where(has, 0.0, nan),
        "hours_to_ship": np.where(has, 2.0, nan), "hours_to_deliver": np.where(has, 48.0, nan),
        "shipments": shipments.astype(float), "split": (shipments > 1).astype(float),
        "units": rng.integers(1, 5, n).astype(float), "miles": 100.0 * rng.integers(2, 9, n),
        "zone_sum": rng.integers(2, 9, n).astype(float), "planned_on_time_prob": np.full(n, 0.9),
        "has_outcome": has.astype(float), "control_cost": control_cost,
    })
    return df


def analyse(df):
    g = df.groupby("variant")
    out = {"mean": g[METRICS].mean(), "var": g[METRICS].var(), "n": g[METRICS].count()}
    # CUPED: theta = cov(y, x) / var(x) pooled, y - theta (x - mean x)
    x = df["control_cost"]
    xc = x - x.mean()
    vx = (xc * xc).mean()
    cuped = {}
    for m in METRICS[1:]:
        y = df[m]
        ok = y.notna()
        theta = ((y[ok] - y[ok].mean()) * xc[ok]).mean() / vx
        adj = y - theta * xc
        cuped[m] = adj.groupby(df["variant"]).agg(["mean", "var", "count"])
    out["cuped"] = cuped
    for dim in ("region", "family", "band"):
        out[dim] = df.groupby(["variant", dim])[KEY].agg(["mean", "var", "count"])
    daily = df.groupby(["variant", "day"])[KEY].agg(["sum", "count"])
    sq = (df[KEY] ** 2).groupby([df["variant"], df["day"]]).sum()
    out["seq"] = (daily.groupby(level=0).cumsum(), sq.groupby(level=0).cumsum())
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    t0 = time.perf_counter()
    df = build(n)
    print(f"built a flat table of {n} orders x {df.shape[1]} columns in "
          f"{time.perf_counter() - t0:.2f} s (not timed below); pandas {pd.__version__}")
    path = os.path.join(tempfile.mkdtemp(prefix="ordo-pandas-"), "orders.pkl")
    df.to_pickle(path)
    mem, full, cpu = [], [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        analyse(df)
        mem.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        t0 = time.perf_counter()
        analyse(pd.read_pickle(path))
        full.append(time.perf_counter() - t0)
    m, f = statistics.median(mem), statistics.median(full)
    c = statistics.median(cpu)
    print(f"pandas analysis in memory: median {m:.3f} s ({m * 1e9 / n:.0f} ns/order), "
          f"CPU {c:.3f} s ({c * 1e9 / n:.0f} ns/order)")
    print(f"pandas read (pickle) + analysis: median {f:.3f} s ({f * 1e9 / n:.0f} ns/order)")
    os.remove(path)
    os.rmdir(os.path.dirname(path))


if __name__ == "__main__":
    main()
