#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo serve picks up outcomes another process wrote into its data
# directory's store: with the server running, `ordo outcomes ingest` stores
# outcomes contradicting the risk model (every delivered order returned,
# one in six cancelled) and returns of one customer's two orders; without
# any POST /v1/outcomes or restart, /metrics and GET /v1/models show the
# drift counted and its alarm within a bounded time (the serve loop's
# one-second tick), and the customer's next order is priced with its
# history. Then rounds of orders and posted outcomes (cancelled, returned,
# delivered and kept past the return window): the drift index of the
# model's decisions (ordo_risk_drift_index_entries) stays bounded while the
# decisions grow, as entries whose labels are final are dropped, and
# after a restart too. Env: ORDO_BIN.
set -u
. "${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}/tests/server/srvtest.sh"
srv_setup outpoll
# the history term fitted despite the short run's small support (this test
# needs the price to move, not the term's direction: test_customer_history.sh)
srv_risk_run 14 300 --history-min-rows 1 --history-min-returned 1
# the sign of the learned customer_return_rate coefficient, and the default policy
# pricing cancellation (its records log P(cancel))
srv_customer_sign "$tmp/sign"
srv_cancel_policy "$tmp/policy.json"

srv_config poll "server.policy = \"$tmp/policy.json\"" "server.models.risk = latest"
start

cat > "$tmp/client.py" <<'PY'
import csv, json, os, sys, time
base, token, run, tmp, ordo = sys.argv[1:6]

sys.path.insert(0, os.path.join(os.environ["ORDO_SOURCE_DIR"], "tests", "server"))
from srvtest import client
call = client(base, token)

def metric(name, target=None):
    st, body = call("GET", "/metrics")
    assert st == 200, st
    for line in body.splitlines():
        if line.startswith(name + "{") and (not target or 'target="%s"' % target in line):
            return float(line.rsplit(" ", 1)[1])
    sys.exit("no %s{target=%s} in /metrics:\n%s" % (name, target, body))

def drift():
    st, body = call("GET", "/v1/models")
    return [x for x in json.loads(body)["models"] if x["kind"] == "risk"][0]["drift"]

skus = [r["sku"] for r in csv.DictReader(open(run + "/network/catalog.csv"))][:40]
zips = ["10001", "60601", "94103", "30301", "75201", "98101"]

def order(oid, i, cust=None):
    o = {"id": oid, "created": "2026-09-14T15:00:00Z", "ship_to": {"zip": zips[i % len(zips)]},
         "lines": [{"sku": skus[i % len(skus)], "quantity": 1}]}
    if cust:
        o["customer"] = {"id": cust}
    return o

def decide(ids):
    body = "\n".join(json.dumps(order(o, i)) for i, o in enumerate(ids)).encode()
    st, out = call("POST", "/v1/source:batch", body, "application/x-ndjson")
    assert st == 200, (st, out[:400])

def p_return(oid, cust):
    st, body = call("POST", "/v1/source", json.dumps(order(oid, 3, cust)).encode(),
                    "application/json")
    assert st in (200, 201), (st, body[:400])
    rec = json.loads(call("GET", "/v1/decisions/" + oid)[1])
    assert rec.get("risk_model", "").startswith("risk-v1:"), rec.get("risk_model")
    return rec["plan"]["totals"]["return_risk"]

def ev(oid, typ, at, tag=""):
    return {"event_id": "%s-%s%s" % (oid, typ, tag), "order_id": oid, "shipment": 0,
            "type": typ, "at": at}

def day(d):
    return time.strftime("%Y-%m-%dT10:00:00Z", time.gmtime(1798761600 + d * 86400))  # 2027-01-01
PY

python3 - "http://127.0.0.1:$port" "$token" "$run" "$tmp" "$ordo" <<'PY' || die "ingest while serving"
import subprocess, sys
exec(open(sys.argv[4] + "/client.py").read())
N = 1200
ids = ["D-%d" % i for i in range(N)]
decide(ids)
p_return("H-1", "cust-returner")
p_return("H-2", "cust-returner")
assert metric("ordo_risk_drift_predictions", "return") == 0
events = []
for i, o in enumerate(ids):  # delivered and returned; one in six cancelled, later
    if i % 6 == 5:
        events.append(ev(o, "cancelled", day(60)))
    else:
        events += [ev(o, "shipped", day(1)), ev(o, "delivered", day(3)), ev(o, "returned", day(5))]
for o in ("H-1", "H-2"):
    events += [ev(o, "delivered", day(3)), ev(o, "returned", day(5))]
with open(tmp + "/outcomes.ndjson", "w") as f:
    f.write("\n".join(json.dumps(e) for e in events) + "\n")
t0 = time.time()
subprocess.run([ordo, "outcomes", "ingest", "--data", run, tmp + "/outcomes.ndjson"],
               check=True, stdout=subprocess.DEVNULL)
t_ingest = time.time()
while time.time() - t_ingest < 20 and metric("ordo_risk_drift_alarm", "cancel") != 1:
    time.sleep(0.1)
took = time.time() - t_ingest
print("drift after ordo outcomes ingest: %.2f s (ingest %.2f s)" % (took, t_ingest - t0))
assert took < 20, "the server did not pick up the ingested outcomes"
n_ret = metric("ordo_risk_drift_predictions", "return")
n_can = metric("ordo_risk_drift_predictions", "cancel")
assert n_ret >= 900 and n_can >= 1100, (n_ret, n_can)
assert metric("ordo_risk_drift_alarm", "return") == 1
d = drift()
assert d["return"]["alarm"] and d["cancel"]["alarm"], d
assert d["return"]["predictions"] == n_ret and d["cancel"]["predictions"] == n_can, d
# the customer history has the ingested returns too (the same tick, just
# after the drift)
sign = int(open(tmp + "/sign").read())
p_new = p_return("Q-0", "cust-new")
for k in range(40):
    p_hist = p_return("Q-%d" % (k + 1), "cust-returner")
    if sign * (p_hist - p_new) > 1e-4:
        break
    time.sleep(0.25)
print("P(return): new customer %.5f, after 2 ingested returns %.5f" % (p_new, p_hist))
assert sign * (p_hist - p_new) > 1e-4, (sign, p_hist, p_new)
open(tmp + "/k", "w").write(str(k))
PY

python3 - "http://127.0.0.1:$port" "$token" "$run" "$tmp" "$ordo" <<'PY' || die "bounded drift index"
import sys
exec(open(sys.argv[4] + "/client.py").read())
k = int(open(tmp + "/k").read())
window = drift()["return_days"]
ROUNDS, M = 6, 600
total = 1202 + 1 + (k + 1)
held = []
for r in range(ROUNDS):
    ids = ["R%d-%d" % (r, i) for i in range(M)]
    decide(ids)
    total += M
    t = 100 + r * (window + 2)  # past the last round's return window
    events = []
    for i, o in enumerate(ids):  # cancelled, returned, or delivered and kept
        if i % 3 == 0:
            events.append(ev(o, "cancelled", day(t)))
        else:
            events.append(ev(o, "delivered", day(t)))
            if i % 3 == 1:
                events.append(ev(o, "returned", day(t + 1)))
    st, out = call("POST", "/v1/outcomes", "\n".join(json.dumps(e) for e in events).encode(),
                   "application/x-ndjson")
    assert st == 200 and json.loads(out)["inserted"] == len(events), (st, out)
    held.append(metric("ordo_risk_drift_index_entries"))
d = drift()
print("index entries after each round: %s; decisions %d, dropped %d"
      % (held, total, d["index_dropped"]))
assert max(held) <= 2200, held  # without dropping: 1804 .. 4804
assert d["index_entries"] == held[-1] and d["index_dropped"] >= total - 2200, d
open(tmp + "/after", "w").write(json.dumps({"held": held[-1], "return": d["return"]["predictions"],
                                            "cancel": d["cancel"]["predictions"]}))
PY

# a restart reads the whole log into the index again; the first tick drops
# the entries whose outcomes were final before it, and counts nothing twice
stop
start
python3 - "http://127.0.0.1:$port" "$token" "$run" "$tmp" "$ordo" <<'PY' || die "index after a restart"
import sys
exec(open(sys.argv[4] + "/client.py").read())
was = json.load(open(tmp + "/after"))
t0 = time.time()
while time.time() - t0 < 20 and drift()["index_entries"] > was["held"]:
    time.sleep(0.2)
d = drift()
print("after a restart: %d entries held (%d before it)" % (d["index_entries"], was["held"]))
assert d["index_entries"] <= was["held"], (d, was)
assert d["return"]["predictions"] == was["return"], (d, was)
assert d["cancel"]["predictions"] == was["cancel"], (d, was)
PY
echo "PASS"
