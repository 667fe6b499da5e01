#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Partial-order figures: drain a few SKUs of a generated network, write
inbound rows for half of them, make orders, and count after `ordo source`.

  partial_figures.py prepare NET ORDERS [--orders N] [--drain K] [--seed S]
      drains K of the 200 most-ordered SKUs in NET/inventory.csv (on_hand 0),
      writes NET/replenishment.csv (every other drained SKU, at 2 DCs), and
      ORDERS (NDJSON: 1-4 lines from the first 200 SKUs, destinations
      weighted by population, 78% standard, 17% express, 5% pickup).
  partial_figures.py count PLANS.ndjson
      orders fully shipped / partial / unfulfillable, lines backordered with
      and without a promise date, transfers and other stores."""
import csv, json, random, sys


def prepare(net, orders_path, n, drain, seed):
    rng = random.Random(seed)
    netj = json.load(open(f"{net}/network.json"))
    stores = [x["id"] for x in netj["nodes"] if "pickup" in x.get("capabilities", [])]
    dcs = [x["id"] for x in netj["nodes"] if x["type"] == "dc"]
    skus = [r["sku"] for r in csv.DictReader(open(f"{net}/catalog.csv"))][:200]
    drained = set(rng.sample(skus, drain))
    rows = list(csv.reader(open(f"{net}/inventory.csv")))
    with open(f"{net}/inventory.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(rows[0])
        for r in rows[1:]:
            if r[1] in drained:
                r[2], r[3] = "0", "0"
            w.writerow(r)
    with open(f"{net}/replenishment.csv", "w") as f:
        f.write("node,sku,quantity,arrival\n")
        for i, s in enumerate(sorted(drained)):
            if i % 2 == 0:
                for d in rng.sample(dcs, 2):
                    f.write(f"{d},{s},{rng.randint(20, 200)},2026-12-{rng.randint(1, 20):02d}\n")
    zips = [(r["zip"], int(r["population"] or 0)) for r in
            csv.DictReader(open(f"{sys.path[0]}/../../data/us-zips.csv"))]
    zips = [z for z in zips if z[1] > 0]
    zw = [z[1] for z in zips]
    with open(orders_path, "w") as f:
        for i in range(n):
            lv = rng.choices(["standard", "express", "pickup"], [78, 17, 5])[0]
            lines = [{"sku": s, "quantity": rng.choice([1, 1, 1, 2, 3])}
                     for s in rng.sample(skus, rng.randint(1, 4))]
            o = {"id": f"O{i}", "created": "2026-11-24T15:00:00Z", "service_level": lv,
                 "lines": lines}
            if lv == "pickup":
                o["pickup_store"] = rng.choice(stores)
            else:
                o["ship_to"] = {"zip": rng.choices(zips, zw)[0][0]}
            f.write(json.dumps(o) + "\n")


def count(path):
    c = {"orders": 0, "ok": 0, "fallback": 0, "partial": 0, "unfulfillable": 0,
         "transfer": 0, "other_store": 0, "lines_backordered": 0, "with_promise": 0,
         "lines_shipped_in_partial": 0, "units_shipped": 0}
    for line in open(path):
        d = json.loads(line)
        if "status" not in d:
            continue
        c["orders"] += 1
        c[d["status"]] += 1
        c["units_shipped"] += d["totals"]["units"]
        p = d.get("partial")
        if p and p["handling"] in ("transfer", "other_store"):
            c[p["handling"]] += 1
        if p and d["status"] == "partial":
            c["lines_shipped_in_partial"] += sum(1 for l in p["lines"] if l["action"] == "shipped")
        for b in d["backorders"]:
            if b.get("action") == "backordered":
                c["lines_backordered"] += 1
                c["with_promise"] += "promise_date" in b
    print(json.dumps(c))


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        a = sys.argv[2:]
        opt = {"--orders": 3000, "--drain": 20, "--seed": 7}
        for k in opt:
            if k in a:
                opt[k] = int(a[a.index(k) + 1])
        prepare(a[0], a[1], opt["--orders"], opt["--drain"], opt["--seed"])
    else:
        count(sys.argv[2])
