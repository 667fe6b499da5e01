#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# cost_summary.py PLANS.ndjson LABEL  (PLANS: `ordo source --compact < orders.ndjson`)
# One line: orders planned, cash cost per order, economic cost per order, miles
# per shipment, mean P(on time), shipments per order, shipments by node type.
# Reads plans with the cost's economic section and older ones (economic parts
# flat, in the total).
import json, sys
n = cash = econ = miles = ot = ships = 0
types = {}
for line in open(sys.argv[1]):
    p = json.loads(line)
    if p.get('status') != 'ok' and p.get('status') != 'fallback':
        continue
    c = p['totals']['cost']
    if 'economic' in c:
        e = c['economic']['total']; t = c['total']
    else:
        e = c['carrying_relief'] + c['opportunity']; t = c['total'] - e
    n += 1; cash += t; econ += e; ot += p['totals']['on_time_prob']
    for s in p['shipments']:
        ships += 1; miles += s['miles']; types[s['node_type']] = types.get(s['node_type'], 0) + 1
print('%-20s orders %4d  cash/order $%7.2f  economic/order $%6.2f  miles/shipment %6.0f  on-time %.3f  shipments/order %.2f  %s' % (
    sys.argv[2], n, cash / n, econ / n, miles / ships, ot / n, ships / n,
    ' '.join('%s %.1f%%' % (k, 100 * v / ships) for k, v in sorted(types.items()))))
