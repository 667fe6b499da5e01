#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# cost_orders.py data/us-zips.csv NET/catalog.csv > orders.ndjson
# 3,000 orders (seed 11): destinations weighted by population (48 contiguous
# states + DC), 1-4 lines of the first 400 catalog SKUs, quantity 1-2, 80%
# standard / 20% express, created 2026-11-10 (outside peak). For comparing
# policies and builds on real-looking orders with cost_summary.py.
import csv, random, sys
random.seed(11)
zips, w = [], []
for r in csv.DictReader(open(sys.argv[1])):
    if r['state'] in ('PR', 'VI', 'GU', 'AS', 'MP', 'AK', 'HI'):
        continue
    p = int(r['population'] or 0)
    if p > 0:
        zips.append(r['zip']); w.append(p)
skus = [r['sku'] for r in csv.DictReader(open(sys.argv[2]))][:400]
for i in range(3000):
    z = random.choices(zips, w)[0]
    n = random.choice([1, 1, 2, 2, 3, 4])
    ls = random.sample(skus, n)
    lvl = 'express' if random.random() < 0.2 else 'standard'
    lines = ','.join('{"sku":"%s","quantity":%d}' % (s, random.randint(1, 2)) for s in ls)
    print('{"id":"O-%05d","created":"2026-11-10T%02d:00:00Z","service_level":"%s","ship_to":{"zip":"%s"},"lines":[%s]}'
          % (i, 12 + i % 8, lvl, z, lines))
