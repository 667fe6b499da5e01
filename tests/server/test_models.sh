#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo serve with learned models (server.models.*): the ETA and risk models
# "latest" are loaded at start, decisions name them, GET /v1/models and
# /metrics show their versions, SIGHUP and POST /v1/models/reload (token)
# swap in newer ones, a broken file of either kind is a JSON error that
# leaves the loaded models in force, and a missing model at start is an
# error naming the file. Env: ORDO_BIN.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
if ! "$ordo" serve --help >/dev/null 2>&1; then
    echo "SKIP: this ordo has no 'serve' command"; exit 77
fi
tmp=$(mktemp -d /tmp/ordo-models-XXXXXX)
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"; wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
bad() { fail=1; echo "FAIL: $*" >&2; }
die() { echo "FAIL: $*" >&2; [ -f "$tmp/serve.err" ] && sed 's/^/  serve: /' "$tmp/serve.err" >&2; exit 1; }

run=$tmp/run
"$ordo" sim --scenario proximity-vs-cost --days 4 --orders-per-day 300 --seed 5 --out "$run" \
    > /dev/null 2>&1 || die "sim"
"$ordo" model train --run "$run" --kind eta > /dev/null || die "model train --kind eta"
"$ordo" model train --run "$run" --kind risk > /dev/null || die "model train --kind risk"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token="models-test-token-$RANDOM$RANDOM"
conf() {
    cat > "$tmp/serve.conf" <<CONF
server.listen = 127.0.0.1:$port
server.data_dir = "$run"
server.network = "$run/network"
server.tokens = "$token"
server.models.eta = $1
server.models.risk = $2
CONF
}

# a model that does not exist: ordo serve does not start, and says why
conf eta-v9 latest
"$ordo" serve --config "$tmp/serve.conf" --json > "$tmp/bad.out" 2>&1 && bad "served without its model"
grep -q "eta-v9" "$tmp/bad.out" || bad "the start error does not name the file: $(cat "$tmp/bad.out")"
conf latest risk-v9
"$ordo" serve --config "$tmp/serve.conf" --json > "$tmp/bad.out" 2>&1 && bad "served without its risk model"
grep -q "risk-v9" "$tmp/bad.out" || bad "the start error does not name the risk file: $(cat "$tmp/bad.out")"

conf latest latest
"$ordo" serve --config "$tmp/serve.conf" > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
base="http://127.0.0.1:$port"
sku=$(awk -F, 'NR == 2 {print $1}' "$run/network/catalog.csv")
python3 - "$base" "$token" "$pid" "$sku" "$run" <<'PY' || bad "models API"
import json, os, signal, sys, time
base, token, pid, sku, run = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]

sys.path.insert(0, os.path.join(os.environ["ORDO_SOURCE_DIR"], "tests", "server"))
from srvtest import client
call = client(base, token, timeout=10)

def loaded():
    st, body = call("GET", "/v1/models", auth=False)
    assert st == 200, (st, body)
    doc = json.loads(body)
    return doc, [m["version"] for m in doc["models"] if m["kind"] == "eta"]

def risk():
    return [m["version"] for m in loaded()[0]["models"] if m["kind"] == "risk"]

def decide(n):
    order = {"id": "M-%d" % n, "created": "2026-09-14T15:00:00Z",
             "ship_to": {"zip": "10001"}, "lines": [{"sku": sku, "quantity": 1}]}
    st, body = call("POST", "/v1/source", json.dumps(order).encode())
    assert st in (200, 201), (st, body)
    st, body = call("GET", "/v1/decisions/M-%d" % n, auth=False)
    assert st == 200, (st, body)
    return json.loads(body)  # the logged record names the model it used

doc, v = loaded()
assert v == ["eta-v1"], doc
assert doc["models"][0]["config"] == "latest" and len(doc["models"][0]["hash"]) == 16
metrics = call("GET", "/metrics")[1]
assert 'ordo_model_loaded{kind="eta",version="eta-v1"' in metrics, metrics
assert 'ordo_model_loaded{kind="risk",version="risk-v1"' in metrics, metrics
r = [m for m in doc["models"] if m["kind"] == "risk"]
assert r and r[0]["config"] == "latest" and len(r[0]["hash"]) == 16 and r[0]["orders"] > 0, doc
p = decide(1)
assert p.get("eta_model", "").startswith("eta-v1"), p
assert p.get("risk_model", "").startswith("risk-v1:"), p

# a newer model, then SIGHUP: latest is resolved again
os.system('"%s" model train --run "%s" --holdout 0.5 > /dev/null' % (os.environ["ORDO_BIN"], run))
os.kill(pid, signal.SIGHUP)
for _ in range(100):
    if loaded()[1] == ["eta-v2"]:
        break
    time.sleep(0.05)
assert loaded()[1] == ["eta-v2"] and risk() == ["risk-v2"], loaded()
p = decide(2)
assert p.get("eta_model", "").startswith("eta-v2") and p.get("risk_model", "").startswith("risk-v2:"), p

# the admin endpoint: a token is needed
st, body = call("POST", "/v1/models/reload", auth=False)
assert st == 401 and json.loads(body)["error"]["code"], (st, body)
st, body = call("POST", "/v1/models/reload")
assert st == 200 and [m["version"] for m in json.loads(body)["models"]] == ["eta-v2", "risk-v2"], (st, body)

# a broken newer file: a JSON error, the loaded model stays in force
open(os.path.join(run, "models", "eta-v3.json"), "w").write('{"format":"nope"}')
st, body = call("POST", "/v1/models/reload")
err = json.loads(body)["error"]
assert st >= 400 and err["code"] and err["message"], (st, body)
doc, v = loaded()
assert v == ["eta-v2"] and doc["failures"] == 1 and doc["last_error"], doc
assert decide(3).get("eta_model", "").startswith("eta-v2")
assert "ordo_model_reload_failures_total 1" in call("GET", "/metrics")[1]

# a broken newer risk file: the same, and neither model is swapped
os.remove(os.path.join(run, "models", "eta-v3.json"))
os.system('"%s" model train --run "%s" --kind eta > /dev/null' % (os.environ["ORDO_BIN"], run))
open(os.path.join(run, "models", "risk-v3.json"), "w").write('{"format":"nope"}')
st, body = call("POST", "/v1/models/reload")
err = json.loads(body)["error"]
assert st >= 400 and err["code"] and "risk" in err["message"], (st, body)
doc, v = loaded()
assert v == ["eta-v2"] and risk() == ["risk-v2"] and doc["failures"] == 2, doc
assert 'ordo_model_loaded{kind="risk",version="risk-v2"' in call("GET", "/metrics")[1]
assert decide(4).get("risk_model", "").startswith("risk-v2:")
os.remove(os.path.join(run, "models", "risk-v3.json"))
os.remove(os.path.join(run, "models", "eta-v3.json"))

# the drift check of the loaded model (ordo model show --data) with its
# retrain suggestion when the alarm is on
os.system('"%s" model show eta-v2 --data "%s" --bound 0.0001 --min-n 10 > /dev/null' % (os.environ["ORDO_BIN"], run))
m = loaded()[0]["models"][0]
assert m["drift"] and m["drift"]["alarm"] is True and "model train" in m["suggestion"], m
PY

kill -TERM "$pid"
wait "$pid" || bad "ordo serve exited $? on SIGTERM"
pid=""
grep -q "SIGHUP: models reloaded (eta eta-v2, risk risk-v2)" "$tmp/serve.err" || bad "no SIGHUP line"
[ $fail -eq 0 ] || sed 's/^/  serve: /' "$tmp/serve.err" >&2
exit $fail
