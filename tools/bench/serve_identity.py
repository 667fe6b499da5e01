#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""serve_identity.py BASE_ORDO NEW_ORDO NET: 300 orders of mixed shapes (a third
compact as bench_serve.sh's, a third pretty-printed with a customer, a cohort
and a service level, a third with a non-ASCII id, a lifetime value and a
quantity written 1.0, i.e. the cJSON path; an unknown SKU every 50th) and a
retry sent to a server of each build; the answers and `ordo log tail` compared
once as_of, promise_date, timestamp, the latencies and the customer pseudonym
(and unit) are masked (docs/internals/SERVER.md "Speed")."""
import csv, json, shutil, socket, subprocess, sys, tempfile, time, urllib.request, urllib.error

NET = sys.argv[3]
skus = [r["sku"] for r in csv.DictReader(open(NET + "/catalog.csv"))][:400]
zips = ["10027", "02139", "30303", "60614", "75201", "94105", "98101", "33101", "80202", "85004"]
levels = ["standard", "express", "two_day", "overnight"]

def orders():
    out = []
    for i in range(300):
        a, b = skus[(i * 7) % len(skus)], skus[(i * 13 + 1) % len(skus)]
        if i % 50 == 49:
            b = "SKU-NOPE-%d" % i
        z = zips[i % len(zips)]
        k = i % 3
        if k == 0:
            body = json.dumps({"id": "o-%d" % i, "ship_to": {"zip": z},
                               "lines": [{"sku": a, "quantity": 1}, {"sku": b, "quantity": 1}]},
                              separators=(",", ":"))
        elif k == 1:
            body = json.dumps({"id": "pretty-%d" % i, "customer": {"id": "c-%d" % (i % 17), "cohort": "loyal"},
                               "service_level": levels[i % 4], "ship_to": {"zip": z},
                               "lines": [{"sku": a, "quantity": 2}, {"sku": b, "quantity": 1}]}, indent=2)
        else:
            body = json.dumps({"id": "ü-%d" % i, "customer": {"id": "c-%d" % (i % 5), "lifetime_value": 1250.5 + i},
                               "ship_to": {"zip": z},
                               "lines": [{"sku": a, "quantity": 1.0}, {"sku": b, "quantity": 3}]}, ensure_ascii=False)
        out.append(body)
    out.append(out[10])  # a retry
    return out

MASK = {"as_of", "promise_date", "timestamp", "latency_ns", "latency_us"}
def mask(v, parent=None):
    if isinstance(v, dict):
        r = {}
        for k, x in v.items():
            if k in MASK or (k == "id" and parent == "customer") or (k == "customer_id") or (k == "unit"):
                r[k] = "X"
            else:
                r[k] = mask(x, k)
        return r
    if isinstance(v, list):
        return [mask(x, parent) for x in v]
    return v

def run(ordo, tag):
    w = tempfile.mkdtemp(prefix="ordo-ident-%s-" % tag)
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    conf = w + "/ordo.conf"
    open(conf, "w").write('server.listen = 127.0.0.1:%d\nserver.data_dir = %s/data\nserver.network = %s\n'
                          'server.tokens = "bench-token-0123456789abcdef"\n' % (port, w, NET))
    out = open(w + "/serve.out", "w")
    p = subprocess.Popen([ordo, "serve", "--config", conf], stdout=out, stderr=subprocess.STDOUT)
    for _ in range(100):
        time.sleep(0.1)
        if "listening" in open(w + "/serve.out").read():
            break
    answers = []
    for body in orders():
        req = urllib.request.Request("http://127.0.0.1:%d/v1/source" % port, data=body.encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as r:
                answers.append((r.status, r.headers.get("Idempotent-Replay"), r.read().decode()))
        except urllib.error.HTTPError as e:
            answers.append((e.code, None, e.read().decode()))
    p.terminate(); p.wait()
    tail = subprocess.run([ordo, "log", "tail", "--data", w + "/data"], capture_output=True, text=True, check=True).stdout
    return answers, tail.splitlines(), w

ba, bt, bw = run(sys.argv[1], "base")
na, nt, nw = run(sys.argv[2], "new")
bad = 0
for i, (x, y) in enumerate(zip(ba, na)):
    if x[0] != y[0] or x[1] != y[1] or mask(json.loads(x[2])) != mask(json.loads(y[2])):
        bad += 1
        if bad < 3: print("answer %d differs:\n%s\n%s" % (i, x, y))
recdiff = 0
if len(bt) == len(nt):
    for x, y in zip(bt, nt):
        if mask(json.loads(x)) != mask(json.loads(y)):
            recdiff += 1
statuses = {}
for a in ba: statuses[a[0]] = statuses.get(a[0], 0) + 1
print("answers %d/%d, differing %d; statuses %s; replay %s" % (len(ba), len(na), bad, statuses, ba[-1][1]))
print("records %d/%d, differing %d" % (len(bt), len(nt), recdiff))
print("raw answers identical before masking: %d of %d" % (sum(1 for x, y in zip(ba, na) if x == y), len(ba)))
shutil.rmtree(bw)
shutil.rmtree(nw)
sys.exit(1 if bad or recdiff or len(bt) != len(nt) else 0)
