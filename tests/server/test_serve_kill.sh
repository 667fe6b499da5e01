#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kill -9 of ordo serve under concurrent POST /v1/source (the decision
# records queued by the decision thread, encoded and appended by the
# committer: docs/internals/SERVER.md "The decision thread's work outside
# the engine"), at a random moment, then recovery (a decider opens the
# directory): every order answered 201 has its decision record in the log,
# the log verifies, and the store holds exactly the logged decisions'
# units. SERVE_KILLS (default 8) sets the kill count. Env: ORDO_BIN.
set -u
. "${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}/tests/server/srvtest.sh"
srv_setup kill
kills=${SERVE_KILLS:-8}
net="$ORDO_SOURCE_DIR/tests/fixtures/core/net-small"

cat > "$tmp/client.py" <<'PY'
import http.client, json, sys, threading
port, out, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3]
zips = ["10027", "60601", "94103", "30301"]
lock = threading.Lock()
answered = open(out, "a")

def worker(t):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(400):
            oid = "%s-%d-%d" % (prefix, t, i)
            body = json.dumps({"id": oid, "ship_to": {"zip": zips[i % 4]},
                               "lines": [{"sku": "SKU-TEE", "quantity": 1}]})
            c.request("POST", "/v1/source", body, {"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            if r.status == 201:
                with lock:
                    answered.write(oid + "\n")
                    answered.flush()
    except Exception:
        pass  # the server was killed

ts = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
for t in ts: t.start()
for t in ts: t.join()
PY

held() { "$ordo" inventory show --data "$1" --json | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["totals"]["held_units"])'; }
logged() { # "UNITS" of the decision records, and their order ids into $2
    "$ordo" log export "$1" | python3 -c '
import json, sys
n, ids = 0, open(sys.argv[1], "w")
for l in sys.stdin:
    r = json.loads(l)
    if r.get("shadow"):
        continue
    ids.write(r["order_id"] + "\n")
    for s in (r.get("plan") or {}).get("shipments") or []:
        n += sum(int(x["quantity"]) for x in s.get("lines") or [])
print(n)' "$2"
}

mid=0
for i in $(seq 1 "$kills"); do
    run=$tmp/run$i
    mkdir -p "$run"
    ln -s "$net" "$run/network"
    srv_config kill "server.threads = 2"
    start
    python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from srvtest import client; client(sys.argv[2], "")' \
        "$ORDO_SOURCE_DIR/tests/server" "http://127.0.0.1:$port" || die "kill $i: no /healthz"
    : > "$tmp/answered"
    python3 "$tmp/client.py" "$port" "$tmp/answered" "K$i" &
    cp=$!
    want=$((RANDOM % 300 + 10))
    for _ in $(seq 1 1000); do
        [ "$(wc -l < "$tmp/answered")" -ge "$want" ] && break
        kill -0 "$cp" 2>/dev/null || break
        sleep 0.01
    done
    kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
    wait "$cp"
    n=$(wc -l < "$tmp/answered")
    [ "$n" -gt 0 ] && [ "$n" -lt 3200 ] && mid=$((mid + 1))
    # recovery: a decider opens the directory (no orders)
    "$ordo" source --network "$net" --data "$run" < /dev/null > /dev/null 2>&1 ||
        die "kill $i: the directory does not open again"
    "$ordo" log verify "$run" > /dev/null 2>&1 || die "kill $i: the log does not verify"
    units=$(logged "$run" "$tmp/logged")
    missing=$(sort "$tmp/answered" | comm -23 - <(sort "$tmp/logged") | wc -l)
    [ "$missing" -eq 0 ] || die "kill $i: $missing of $n answered orders have no record"
    h=$(held "$run")
    [ "$h" = "$units" ] || die "kill $i: the store holds $h units, the log's decisions $units"
    echo "ok: kill $i after $n answers: all logged, $units units held"
    rm -rf "$run"
done
[ "$mid" -gt 0 ] || die "no kill landed while orders were being answered"
echo "PASS"
