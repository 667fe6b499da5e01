#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo serve with the network value of stock (server.models.netval): a
# missing model stops the start naming it; "latest" is loaded at start,
# GET /v1/models and /metrics list it, decisions of a "network_value" policy
# name it; SIGHUP swaps in a newer one; a reload where another kind's file
# is broken swaps none (a newer netval model waits), and a broken netval
# file leaves the loaded one in force. Env: ORDO_BIN.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
if ! "$ordo" serve --help >/dev/null 2>&1; then
    echo "SKIP: this ordo has no 'serve' command"; exit 77
fi
tmp=$(mktemp -d /tmp/ordo-nvserve-XXXXXX)
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
"$ordo" sim --scenario network-value --days 8 --orders-per-day 200 --seed 2 --out "$run" \
    > /dev/null 2>&1 || die "sim"
"$ordo" model train --run "$run" --kind risk > /dev/null || die "model train --kind risk"
"$ordo" model train --data "$run" --kind netval > /dev/null || die "model train --kind netval"
printf '{"name":"lc-nv","network_value":true,"strategies":[{"name":"m","type":"weighted","weights":{"cost":1,"economic":1}}]}' \
    > "$tmp/policy.json"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token="nv-test-token-$RANDOM$RANDOM"
conf() {
    cat > "$tmp/serve.conf" <<CONF
server.listen = 127.0.0.1:$port
server.data_dir = "$tmp/data"
server.network = "$run/network"
server.policy = "$tmp/policy.json"
server.tokens = "$token"
server.models.dir = "$run/models"
server.models.risk = latest
server.models.netval = $1
CONF
}

conf netval-v9
"$ordo" serve --config "$tmp/serve.conf" --json > "$tmp/bad.out" 2>&1 && bad "served without its model"
grep -q "netval-v9" "$tmp/bad.out" || bad "the start error does not name the file: $(cat "$tmp/bad.out")"

conf latest
"$ordo" serve --config "$tmp/serve.conf" > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
sku=$(awk -F, 'NR == 2 {print $1}' "$run/network/catalog.csv")
python3 - "http://127.0.0.1:$port" "$token" "$pid" "$sku" "$run" <<'PY' || bad "netval model API"
import json, os, signal, sys, time
base, token, pid, sku, run = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
models = os.path.join(run, "models")
ordo = os.environ["ORDO_BIN"]

sys.path.insert(0, os.path.join(os.environ["ORDO_SOURCE_DIR"], "tests", "server"))
from srvtest import client
call = client(base, token, timeout=10)

def doc():
    st, body = call("GET", "/v1/models", auth=False)
    assert st == 200, (st, body)
    return json.loads(body)

def version(kind):
    return [m["version"] for m in doc()["models"] if m["kind"] == kind]

def decide(n):
    order = {"id": "NV-%d" % n, "created": "2026-09-14T15:00:00Z",
             "ship_to": {"zip": "10001"}, "lines": [{"sku": sku, "quantity": 1}]}
    st, body = call("POST", "/v1/source", json.dumps(order).encode())
    assert st in (200, 201), (st, body)
    st, body = call("GET", "/v1/decisions/NV-%d" % n, auth=False)
    assert st == 200, (st, body)
    return json.loads(body)

m = [m for m in doc()["models"] if m["kind"] == "netval"]
assert m and m[0]["version"] == "netval-v1" and m[0]["config"] == "latest", doc()
assert len(m[0]["hash"]) == 16 and m[0]["orders"] > 0, m
assert 'ordo_model_loaded{kind="netval",version="netval-v1"' in call("GET", "/metrics")[1]
assert decide(1).get("netval_model", "").startswith("netval-v1:"), decide(1)

# a newer model (the nightly retrain), then SIGHUP
os.system('"%s" model train --data "%s" --kind netval --horizon 14 > /dev/null' % (ordo, run))
os.kill(pid, signal.SIGHUP)
for _ in range(100):
    if version("netval") == ["netval-v2"]:
        break
    time.sleep(0.05)
assert version("netval") == ["netval-v2"], doc()
assert decide(2).get("netval_model", "").startswith("netval-v2:")

# all or nothing: a broken risk file keeps netval-v2 though netval-v3 is good
os.system('"%s" model train --data "%s" --kind netval > /dev/null' % (ordo, run))
open(os.path.join(models, "risk-v2.json"), "w").write('{"format":"nope"}')
st, body = call("POST", "/v1/models/reload")
assert st >= 400 and "risk" in json.loads(body)["error"]["message"], (st, body)
assert version("netval") == ["netval-v2"] and version("risk") == ["risk-v1"], doc()
os.remove(os.path.join(models, "risk-v2.json"))
st, body = call("POST", "/v1/models/reload")
assert st == 200 and version("netval") == ["netval-v3"], (st, body)

# a broken netval file: a JSON error, netval-v3 stays in force
open(os.path.join(models, "netval-v4.json"), "w").write('{"format":"ordo-netval"}')
st, body = call("POST", "/v1/models/reload")
assert st >= 400 and json.loads(body)["error"]["message"], (st, body)
d = doc()
assert version("netval") == ["netval-v3"] and d["failures"] == 2, d
assert decide(3).get("netval_model", "").startswith("netval-v3:")
assert 'ordo_model_loaded{kind="netval",version="netval-v3"' in call("GET", "/metrics")[1]
PY

kill -TERM "$pid"
wait "$pid" || bad "ordo serve exited $? on SIGTERM"
pid=""
grep -q "SIGHUP: models reloaded (risk risk-v1, netval netval-v2)" "$tmp/serve.err" \
    || bad "no SIGHUP line naming netval-v2"
[ $fail -eq 0 ] || sed 's/^/  serve: /' "$tmp/serve.err" >&2
exit $fail
