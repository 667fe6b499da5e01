#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo serve tracks the risk model's drift as outcomes arrive: orders are
# decided with a learned risk model (a policy pricing cancellation, so the
# records log P(cancel) too), then POST /v1/outcomes says every delivered
# order was returned and one in six was cancelled. The returns wait until
# their return window has passed; then, without anyone running
# `ordo model show`, /metrics raises ordo_risk_drift_alarm for both targets,
# GET /v1/models shows the tables and a retrain command, a re-posted file
# (duplicates) counts nothing twice, a restart keeps the state
# (DATA/models/risk-drift.json), and without that file the next outcomes
# rebuild it from the store to the same counts. Env: ORDO_BIN.
set -u
. "${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}/tests/server/srvtest.sh"
srv_setup riskdrift
srv_risk_run 4
# the default policy, pricing cancellation: its records log P(cancel)
srv_cancel_policy "$tmp/policy.json"

srv_config drift "server.policy = \"$tmp/policy.json\"" "server.models.risk = latest"

start
python3 - "http://127.0.0.1:$port" "$token" "$run" "$tmp" <<'PY' || die "drift as outcomes arrive"
import csv, json, math, os, sys
base, token, run, tmp = sys.argv[1:5]
N = 1200

sys.path.insert(0, os.path.join(os.environ["ORDO_SOURCE_DIR"], "tests", "server"))
from srvtest import client
call = client(base, token)

def metric(name, target):
    st, body = call("GET", "/metrics")
    assert st == 200, st
    for line in body.splitlines():
        if line.startswith(name + "{") and 'target="%s"' % target in line:
            return float(line.rsplit(" ", 1)[1])
    sys.exit("no %s{target=%s} in /metrics:\n%s" % (name, target, body))

skus = [r["sku"] for r in csv.DictReader(open(run + "/network/catalog.csv"))][:40]
zips = ["10001", "60601", "94103", "30301", "75201", "98101"]
lines = [json.dumps({"id": "D-%d" % i, "created": "2026-09-14T15:00:00Z",
                     "ship_to": {"zip": zips[i % len(zips)]},
                     "lines": [{"sku": skus[i % len(skus)], "quantity": 1}]})
         for i in range(N)]
st, body = call("POST", "/v1/source:batch", "\n".join(lines).encode(), "application/x-ndjson")
assert st == 200, (st, body[:400])
st, body = call("GET", "/v1/decisions/D-0")
rec = json.loads(body)
assert rec.get("risk_model", "").startswith("risk-v1:"), rec.get("risk_model")
assert "cancel_prob" in rec["plan"]["totals"]["risk"], rec["plan"]["totals"]

# before any outcome: tracked, nothing counted, no alarm
assert metric("ordo_risk_drift_predictions", "return") == 0
assert metric("ordo_risk_drift_alarm", "return") == 0
assert metric("ordo_risk_drift_alarm", "cancel") == 0

# every delivered order is returned 2 days after delivery; one in six is
# cancelled instead. (Times after the run's own outcomes, which end in
# 2026-09.) First the deliveries and returns: still in their return window
# (the model file's label_window_days: 4 days on this run), they wait; the
# cancellations, a month and a half later, then close the window, and the
# returns count.
def post(ev):
    events = "\n".join(json.dumps(e) for e in ev).encode()
    st, out = call("POST", "/v1/outcomes", events, "application/x-ndjson")
    assert st == 200 and json.loads(out)["inserted"] == len(ev), (st, out)
    return events

def pending():
    st, body = call("GET", "/metrics")
    return [float(l.rsplit(" ", 1)[1]) for l in body.splitlines()
            if l.startswith("ordo_risk_drift_returns_pending{")][0]

delivered, cancelled = [], []
for i in range(N):
    o = "D-%d" % i
    if i % 6 == 5:
        cancelled.append({"event_id": "c-%d" % i, "order_id": o, "shipment": 0,
                          "type": "cancelled", "at": "2027-02-20T10:00:00Z"})
        continue
    for n, typ, at in (("s", "shipped", "2027-01-02T10:00:00Z"),
                       ("d", "delivered", "2027-01-04T10:00:00Z"),
                       ("r", "returned", "2027-01-06T10:00:00Z")):
        delivered.append({"event_id": "%s-%d" % (n, i), "order_id": o, "shipment": 0,
                          "type": typ, "at": at})
post(delivered)
assert metric("ordo_risk_drift_predictions", "return") == 0
assert pending() >= 900, pending()
assert metric("ordo_risk_drift_alarm", "return") == 0
events = post(cancelled)
assert pending() == 0, pending()

n_ret = metric("ordo_risk_drift_predictions", "return")
n_can = metric("ordo_risk_drift_predictions", "cancel")
assert n_ret >= 900 and n_can >= 1100, (n_ret, n_can)  # unfulfillable plans log no risk
assert metric("ordo_risk_drift_alarm", "return") == 1
assert metric("ordo_risk_drift_alarm", "cancel") == 1
assert metric("ordo_risk_drift_mean_error", "return") > 0.5

st, body = call("GET", "/v1/models")
m = [x for x in json.loads(body)["models"] if x["kind"] == "risk"][0]
d = m["drift"]
assert d["return"]["alarm"] and d["cancel"]["alarm"], d
assert d["return"]["predictions"] == n_ret and d["return"]["bound"] == 0.03, d
# the return window is the model file's (rounded up), not a fixed 30 days
w = json.load(open(run + "/models/risk-v1.json"))["return"].get("label_window_days", 0)
assert d["return_days"] == (math.ceil(w) if w > 0 else 30) and w < 30, (d, w)
assert "ordo model train --run" in m["suggestion"] and "--kind risk" in m["suggestion"], m

# the same file again: duplicates, nothing counted twice
st, out = call("POST", "/v1/outcomes", events, "application/x-ndjson")
assert st == 200 and json.loads(out)["duplicates"] == len(cancelled), (st, out)
assert metric("ordo_risk_drift_predictions", "return") == n_ret
open(tmp + "/counts", "w").write("%d %d" % (n_ret, n_can))
PY

# ordo model show reads the live state the server saved
"$ordo" model show latest --kind risk --data "$run" --json > "$tmp/show.json" || die "model show"
python3 - "$tmp" <<'PY' || die "model show --data: no live drift"
import json, sys
tmp = sys.argv[1]
d = json.load(open(tmp + "/show.json"))
n_ret, n_can = map(int, open(tmp + "/counts").read().split())
assert d["live"]["return"]["alarm"] and d["live"]["cancel"]["alarm"], d["live"]
assert d["live"]["return"]["predictions"] == n_ret, d["live"]
assert "--kind risk" in d["suggestion"], d
PY
"$ordo" model show latest --kind risk --data "$run" | grep -q "ALARM" || die "model show: no ALARM line"

# a restart keeps the state; without the state file, the next POST
# /v1/outcomes rebuilds it from the store's outcomes and the decision log,
# to the same counts
check_restart() {
python3 - "http://127.0.0.1:$port" "$tmp" <<'PY' || die "state after a restart ($1)"
import sys, time, urllib.request
base, tmp = sys.argv[1:3]
n_ret, n_can = map(int, open(tmp + "/counts").read().split())
for _ in range(300):
    try:
        body = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("ordo serve did not answer")
want = ['ordo_risk_drift_alarm{model="risk-v1",target="return"} 1',
        'ordo_risk_drift_alarm{model="risk-v1",target="cancel"} 1',
        'ordo_risk_drift_predictions{model="risk-v1",target="return"} %d' % n_ret,
        'ordo_risk_drift_predictions{model="risk-v1",target="cancel"} %d' % n_can]
for w in want:
    assert w in body, (w, body)
PY
}
stop
start
check_restart "state file"
stop
rm "$run/models/risk-drift.json"
start
# the next POST /v1/outcomes (here: a file of duplicates) rebuilds it
python3 - "http://127.0.0.1:$port" "$token" "$tmp" <<'PY' || die "post after a restart"
import sys, time, urllib.request
base, token = sys.argv[1:3]
ev = '{"event_id":"c-5","order_id":"D-5","shipment":0,"type":"cancelled","at":"2027-02-20T10:00:00Z"}'
for _ in range(300):
    try:
        urllib.request.urlopen(base + "/healthz", timeout=10)
        break
    except OSError:
        time.sleep(0.1)
req = urllib.request.Request(base + "/v1/outcomes", method="POST", data=ev.encode())
req.add_header("Authorization", "Bearer " + token)
req.add_header("Content-Type", "application/x-ndjson")
assert urllib.request.urlopen(req, timeout=120).status == 200
PY
check_restart "rebuilt"
[ -f "$run/models/risk-drift.json" ] || die "the rebuilt state was not saved"
echo "PASS"
