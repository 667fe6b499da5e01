#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo serve feeds the engine's customer return history from posted
# outcomes: a customer whose two earlier orders were delivered and returned
# (POST /v1/outcomes) gets another logged P(return) (plan.totals.
# return_risk) than a new customer for the same order: a HIGHER one, as in
# the simulated world, where customers differ in return propensity
# (docs/internals/SIM.md), so the model learns customer_return_rate > 0 from
# a run with enough support (MODEL.md "Minimum support"); outcomes posted
# again (duplicates, or a new event for an order already counted) count
# nothing twice; after a restart the history is read back from the store
# (the same P(return)); `ordo source --data DIR --risk-model FILE` reads it
# the same way. Env: ORDO_BIN.
set -u
. "${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}/tests/server/srvtest.sh"
srv_setup custhist
# 28 days of 600 orders: enough customers with a prior return for the
# history term's support rule (14 x 300 has 33 such rows; the rule wants 100)
srv_risk_run 28 600
# the simulated customers differ in return propensity (docs/internals/SIM.md):
# the learned customer_return_rate must come out positive
srv_customer_sign "$tmp/sign"
[ "$(cat "$tmp/sign")" = 1 ] || die "customer_return_rate is not positive"

srv_config cust "server.models.risk = latest"
# the client: decide ORDER for CUSTOMER and print the logged P(return)
cat > "$tmp/client.py" <<'PY'
import csv, json, os, sys
base, token, run = sys.argv[1:4]

sys.path.insert(0, os.path.join(os.environ["ORDO_SOURCE_DIR"], "tests", "server"))
from srvtest import client
call = client(base, token)

sku = [r["sku"] for r in csv.DictReader(open(run + "/network/catalog.csv"))][3]

def order(oid, cust):
    return {"id": oid, "created": "2026-09-14T15:00:00Z", "customer": {"id": cust},
            "ship_to": {"zip": "60601"}, "lines": [{"sku": sku, "quantity": 1}]}

def p_return(oid, cust):
    st, body = call("POST", "/v1/source", json.dumps(order(oid, cust)).encode(),
                    "application/json")
    assert st in (200, 201), (st, body[:400])
    st, body = call("GET", "/v1/decisions/" + oid)
    rec = json.loads(body)
    assert rec.get("risk_model", "").startswith("risk-v1:"), rec.get("risk_model")
    return rec["plan"]["totals"]["return_risk"]

def post(ev):
    st, out = call("POST", "/v1/outcomes", "\n".join(json.dumps(e) for e in ev).encode(),
                   "application/x-ndjson")
    assert st == 200, (st, out)
    return json.loads(out)

def returned(oid, tag=""):
    return [{"event_id": "%s-%s%s" % (oid, n, tag), "order_id": oid, "shipment": 0,
             "type": typ, "at": at}
            for n, typ, at in (("d", "delivered", "2026-09-17T10:00:00Z"),
                               ("r", "returned", "2026-09-21T10:00:00Z"))]
PY
start
python3 - "http://127.0.0.1:$port" "$token" "$run" "$tmp" <<'PY' || die "history from posted outcomes"
import sys
exec(open(sys.argv[4] + "/client.py").read())
tmp = sys.argv[4]
p_new0 = p_return("H-1", "cust-returner")
p_return("H-2", "cust-returner")
assert post(returned("H-1") + returned("H-2"))["inserted"] == 4
p_hist = p_return("Q-1", "cust-returner")
p_new = p_return("Q-2", "cust-new")
print("P(return): new %.5f, first order %.5f, after 2 returns %.5f" % (p_new, p_new0, p_hist))
# a customer whose orders came back is priced a higher P(return)
assert p_hist > p_new * 1.2, (p_hist, p_new)
assert abs(p_new - p_new0) < 1e-9, (p_new, p_new0)
# the same outcomes again, and a second return event of a counted order:
# nothing counts twice
assert post(returned("H-1") + returned("H-2"))["duplicates"] == 4
post([dict(returned("H-1", "b")[1], shipment=1)])
assert abs(p_return("Q-3", "cust-returner") - p_hist) < 1e-9
open(tmp + "/p", "w").write("%.17g %.17g" % (p_hist, p_new))
PY
stop
start
python3 - "http://127.0.0.1:$port" "$token" "$run" "$tmp" <<'PY' || die "history after a restart"
import sys
exec(open(sys.argv[4] + "/client.py").read())
p_hist, p_new = map(float, open(sys.argv[4] + "/p").read().split())
assert abs(p_return("Q-4", "cust-returner") - p_hist) < 1e-9
assert abs(p_return("Q-5", "cust-new-2") - p_new) < 1e-9
PY
stop
# ordo source --data reads the same history (a dry run: nothing logged)
python3 - "$run" <<'PY' > "$tmp/orders.ndjson" || die "orders"
import csv, json, sys
sku = [r["sku"] for r in csv.DictReader(open(sys.argv[1] + "/network/catalog.csv"))][3]
for oid, cust in (("S-1", "cust-returner"), ("S-2", "cust-new-3")):
    print(json.dumps({"id": oid, "created": "2026-09-14T15:00:00Z", "customer": {"id": cust},
                      "ship_to": {"zip": "60601"}, "lines": [{"sku": sku, "quantity": 1}]}))
PY
"$ordo" source --data "$run" --network "$run/network" --risk-model "$run/models/risk-v1.json" \
    --dry-run --json < "$tmp/orders.ndjson" > "$tmp/source.out" || die "ordo source --data"
python3 - "$tmp" <<'PY' || die "ordo source --data: no history"
import json, sys
tmp = sys.argv[1]
p_hist, p_new = map(float, open(tmp + "/p").read().split())
plans = [json.loads(l) for l in open(tmp + "/source.out") if l.strip()]
p = {x["order_id"]: x["totals"]["return_risk"] for x in plans}
assert abs(p["S-1"] - p_hist) < 1e-9 and abs(p["S-2"] - p_new) < 1e-9, (p, p_hist, p_new)
PY
echo "PASS"
