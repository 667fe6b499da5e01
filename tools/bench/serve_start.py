#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""serve_start.py WORK ORDO [ORDO...] [--orders N] [--runs R]

The start time of `ordo serve` on a decision log of about N + 4,200
records with a risk model loaded (docs/internals/SERVER.md "Outcomes from
other processes"). WORK/run0 is made once with the first ORDO: a 14-day x
300-order sim run (seed 5), a risk model trained on it, and N orders
(default 96,000) decided by POST /v1/source:batch. Then, R times (default
3), interleaved, for each ORDO: a copy of run0, `ordo serve` with
server.models.risk = latest, the seconds until /healthz answers and until a
first POST /v1/outcomes is answered (the drift index ready), and its RSS.
Prints each run and the medians."""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

TOKEN = "serve-start-token-0123456789"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def conf(work, data, port):
    path = os.path.join(work, "serve.conf")
    with open(path, "w") as f:
        f.write('server.listen = 127.0.0.1:%d\nserver.data_dir = "%s"\n'
                'server.network = "%s/network"\nserver.tokens = "%s"\n'
                "server.models.risk = latest\n" % (port, data, data, TOKEN))
    return path


def call(base, method, path, body=None, ctype=None):
    req = urllib.request.Request(base + path, method=method, data=body)
    req.add_header("Authorization", "Bearer " + TOKEN)
    if ctype:
        req.add_header("Content-Type", ctype)
    with urllib.request.urlopen(req, timeout=600) as r:
        return r.read().decode()


def wait_healthz(base, proc):
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=600).read()
            return
        except OSError:
            if proc.poll() is not None:
                sys.exit("ordo serve exited")
            time.sleep(0.005)


def make_run0(work, ordo, orders):
    run = os.path.join(work, "run0")
    subprocess.run([ordo, "sim", "--scenario", "proximity-vs-cost", "--days", "14",
                    "--orders-per-day", "300", "--seed", "5", "--out", run],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([ordo, "model", "train", "--run", run, "--kind", "risk"], check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    proc = subprocess.Popen([ordo, "serve", "--config", conf(work, run, port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthz(base, proc)
    import csv
    skus = [r["sku"] for r in csv.DictReader(open(run + "/network/catalog.csv"))]
    zips = ["10001", "60601", "94103", "30301", "75201", "98101", "02108", "33101"]
    batch = 2000
    for b in range(orders // batch):
        lines = [json.dumps({"id": "P-%d-%d" % (b, i), "created": "2026-09-14T15:00:00Z",
                             "customer": {"id": "c%d" % ((b * batch + i) % 5000)},
                             "ship_to": {"zip": zips[i % len(zips)]},
                             "lines": [{"sku": skus[(b * batch + i) % len(skus)],
                                        "quantity": 1}]})
                 for i in range(batch)]
        call(base, "POST", "/v1/source:batch", "\n".join(lines).encode(),
             "application/x-ndjson")
    proc.terminate()
    proc.wait()
    drift = os.path.join(run, "models", "risk-drift.json")
    if os.path.exists(drift):
        os.remove(drift)


def measure(work, ordo):
    trial = os.path.join(work, "trial")
    shutil.rmtree(trial, ignore_errors=True)
    subprocess.run(["cp", "-a", os.path.join(work, "run0"), trial], check=True)
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    t0 = time.time()
    proc = subprocess.Popen([ordo, "serve", "--config", conf(work, trial, port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_healthz(base, proc)
    t_health = time.time() - t0
    ev = ('{"event_id":"m-1","order_id":"P-0-0","shipment":0,"type":"shipped",'
          '"at":"2027-01-02T10:00:00Z"}')
    call(base, "POST", "/v1/outcomes", ev.encode(), "application/x-ndjson")
    t_post = time.time() - t0
    rss = [l.split()[1] for l in open("/proc/%d/status" % proc.pid) if l.startswith("VmRSS")]
    proc.terminate()
    proc.wait()
    return t_health, t_post, int(rss[0]) if rss else 0


def main():
    args = sys.argv[1:]
    opts = {"--orders": 96000, "--runs": 3}
    for k in list(opts):
        if k in args:
            i = args.index(k)
            opts[k] = int(args[i + 1])
            del args[i:i + 2]
    if len(args) < 2:
        sys.exit(__doc__)
    work, ordos = os.path.abspath(args[0]), [os.path.abspath(o) for o in args[1:]]
    os.makedirs(work, exist_ok=True)
    if not os.path.isdir(os.path.join(work, "run0")):
        make_run0(work, ordos[0], opts["--orders"])
    got = {o: [] for o in ordos}
    for _ in range(opts["--runs"]):
        for o in ordos:
            r = measure(work, o)
            got[o].append(r)
            print("%s: healthz %.3f s, first POST /v1/outcomes %.3f s, RSS %d kB" % ((o,) + r))
    for o in ordos:
        h, p, m = zip(*got[o])
        print("median %s: healthz %.3f s, first POST %.3f s, RSS %d kB"
              % (o, statistics.median(h), statistics.median(p), statistics.median(m)))


if __name__ == "__main__":
    main()
