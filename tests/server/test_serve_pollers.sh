#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ordo serve waits on its connections with poll(2) while a worker holds at
# most 64 of them (server.connections_max <= 64 x server.threads) and with
# epoll above (src/server/http.c). Both ways, under concurrent keep-alive
# clients: every POST /v1/source is answered 201 with its plan once durable
# (the connection suspended and resumed), a retry is an idempotent replay,
# SIGTERM drains and exits 0, and the log holds exactly one decision per
# order. The way is checked from the process's descriptors: libmicrohttpd
# opens an epoll instance per worker only with epoll. Env: ORDO_BIN.
set -u
. "${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}/tests/server/srvtest.sh"
srv_setup pollers
net="$ORDO_SOURCE_DIR/docs/examples/network"

cat > "$tmp/client.py" <<'PY'
import csv, http.client, json, sys, threading
port, catalog, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3]
skus = [r["sku"] for r in csv.DictReader(open(catalog))][:40]
zips = ["10001", "60601", "94103", "30301", "75201", "98101"]
fails = []

def worker(t):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(25):  # one keep-alive connection, 25 orders
        n = t * 25 + i
        body = json.dumps({"id": "%s-%d" % (prefix, n), "ship_to": {"zip": zips[n % 6]},
                           "lines": [{"sku": skus[n % 40], "quantity": 1},
                                     {"sku": skus[(n * 7 + 1) % 40], "quantity": 1}]})
        c.request("POST", "/v1/source", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        plan = r.read()
        if r.status != 201 or b'"shipments"' not in plan:
            fails.append((n, r.status, plan[:200]))
    c.close()

ts = [threading.Thread(target=worker, args=(t,)) for t in range(16)]
for t in ts: t.start()
for t in ts: t.join()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # a retry
c.request("POST", "/v1/source", json.dumps({"id": "%s-7" % prefix, "ship_to": {"zip": "10001"},
          "lines": [{"sku": skus[0], "quantity": 1}]}), {"Content-Type": "application/json"})
r = c.getresponse(); r.read()
if r.status != 200 or r.getheader("Idempotent-Replay") != "true":
    fails.append(("retry", r.status, r.getheader("Idempotent-Replay")))
if fails:
    sys.exit("FAIL: %d bad answers, first %r" % (len(fails), fails[0]))
PY

for way in poll epoll; do
    run=$tmp/$way
    mkdir -p "$run"
    ln -s "$net" "$run/network"
    conns=128; [ "$way" = epoll ] && conns=129
    srv_config "$way" "server.connections_max = $conns" "server.threads = 2"
    start
    python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from srvtest import client; client(sys.argv[2], "")' \
        "$ORDO_SOURCE_DIR/tests/server" "http://127.0.0.1:$port" || die "$way: no /healthz"
    epolls=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'anon_inode:\[eventpoll\]')
    if [ "$way" = poll ]; then
        [ "$epolls" -eq 0 ] || die "poll: $epolls epoll instances open"
    else
        [ "$epolls" -ge 2 ] || die "epoll: $epolls epoll instances open, expected one per worker"
    fi
    python3 "$tmp/client.py" "$port" "$net/catalog.csv" "$way" || die "$way: clients"
    kill -TERM "$pid"; wait "$pid"; st=$?; pid=""
    [ "$st" -eq 0 ] || die "$way: exit status $st after SIGTERM"
    n=$("$ordo" log tail "$run" 2>/dev/null | grep -c '"type":"decision"')
    [ "$n" -eq 400 ] || die "$way: $n decision records in the log, expected 400"
    echo "ok: $way ($epolls epoll instances): 400 orders answered, a replay, drained, 400 records"
done
echo "PASS"
