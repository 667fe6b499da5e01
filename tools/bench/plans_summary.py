# SPDX-License-Identifier: Apache-2.0
# plans_summary.py plans.ndjson: mean shipping / cost per order, by service, statuses, peak, freight
import json, sys, collections
st = collections.Counter(); svc = collections.Counter(); ship = tot = peak = 0; n = 0; miles = 0; ns = 0
ot = 0; heavy = []
for line in open(sys.argv[1]):
    p = json.loads(line)
    st[p.get('status', 'error')] += 1
    if p.get('status') != 'ok': continue
    n += 1
    c = p['totals']['cost']; ship += c['shipping']; tot += c['total']; peak += c['peak']
    ot += p['totals']['on_time_prob']
    for s in p['shipments']:
        svc[s['service']] += 1; miles += s['miles']; ns += 1
print("statuses", dict(st))
print("ok orders %d: mean shipping $%.2f, peak $%.3f, mean cost $%.2f, miles/shipment %.0f, on-time %.3f" % (n, ship/n, peak/n, tot/n, miles/ns, ot/n))
print("services", dict(svc))
