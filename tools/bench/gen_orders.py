# SPDX-License-Identifier: Apache-2.0
# gen_orders.py NETDIR N SEED > orders.ndjson: destinations by ZIP population (all
# states and territories), 1-4 lines of SKUs stocked somewhere, 82% standard /
# 18% express, created on a uniform day of 2026 at 15:00Z.
# Summary of the plans: python3 tools/bench/plans_summary.py plans.ndjson
import csv, datetime, json, random, sys, bisect, os
net, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
zips, cum, c = [], [], 0
with open(os.path.join(root, 'data', 'us-zips.csv')) as f:
    for r in csv.DictReader(f):
        p = int(r['population'] or 0)
        if p:
            c += p; zips.append(r['zip']); cum.append(c)
stocked = set()
with open(os.path.join(net, 'inventory.csv')) as f:
    for r in csv.DictReader(f):
        if int(r['on_hand']) > 0: stocked.add(r['sku'])
skus = sorted(stocked)
for i in range(n):
    z = zips[bisect.bisect_left(cum, rnd.random() * c)]
    k = rnd.choice([1, 1, 1, 2, 2, 3, 4])
    lines = [{"sku": s, "quantity": rnd.choice([1, 1, 1, 2])} for s in rnd.sample(skus, k)]
    day = rnd.randrange(365)
    d = datetime.date(2026, 1, 1) + datetime.timedelta(days=day)
    o = {"id": "o%d" % i, "created": d.isoformat() + "T15:00:00Z", "ship_to": {"zip": z},
         "service_level": "express" if rnd.random() < 0.18 else "standard", "lines": lines}
    print(json.dumps(o))
