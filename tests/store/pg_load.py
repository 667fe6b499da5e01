#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Drives `ordo serve` instances concurrently through HTTP (tests/store/test_pg.sh,
bench/bench_pg.sh): ATTEMPTS orders of 1 or 2 units of SKUS, spread round-robin
over PORTS by THREADS keep-alive clients. Writes a summary (JSON) and, one line
per acknowledged plan that reserved, "order_id units" to ACKS. With --metric
NAME it only prints the sum of that /metrics counter over PORTS.

pg_load.py --ports 4001,4002 --attempts 3000 --threads 8 --token T \
           --skus SKU-CHAIR,SKU-LAMP --prefix run1 --acks acks.txt --out summary.json
"""
import argparse
import http.client
import json
import random
import threading
import time


def worker(args, ports, idx, n_threads, res, lock):
    conns = {}
    rnd = random.Random(idx)
    skus = args.skus.split(",")
    local = {"attempts": 0, "ok_units": 0, "codes": {}, "status": {}, "conn_errors": 0,
             "retry_after": 0, "acks": []}
    for i in range(idx, args.attempts, n_threads):
        port = ports[i % len(ports)]
        body = json.dumps({
            "id": f"{args.prefix}-{i}", "created": "2026-11-24T15:04:05Z",
            "ship_to": {"zip": "10027"}, "channel": "web", "service_level": "standard",
            "lines": [{"sku": rnd.choice(skus), "quantity": rnd.randint(1, 2)}]})
        local["attempts"] += 1
        for _ in range(args.retries + 1):
            try:
                c = conns.get(port)
                if c is None:
                    c = conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                c.request("POST", "/v1/source", body, {
                    "Authorization": "Bearer " + args.token, "Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException):
                conns.pop(port, None)
                local["conn_errors"] += 1
                if args.pause_on_error:
                    time.sleep(args.pause_on_error)
                r = None
                break
            code = str(r.status)
            local["codes"][code] = local["codes"].get(code, 0) + 1
            if r.status != 503:
                break
            if r.getheader("Retry-After"):
                local["retry_after"] += 1
            # a client retries a 503 with the same order id: a decided order
            # is answered from the log (idempotent), another decided anew
            time.sleep(0.05)
        if r is None or r.status not in (200, 201):
            continue
        ans = json.loads(data)
        st = ans.get("status", "?")
        local["status"][st] = local["status"].get(st, 0) + 1
        if ans.get("reserved"):
            units = ans["totals"]["units"]
            local["ok_units"] += units
            local["acks"].append((ans["order_id"], units))
    with lock:
        for k in ("attempts", "ok_units", "conn_errors", "retry_after"):
            res[k] += local[k]
        for k in ("codes", "status"):
            for kk, v in local[k].items():
                res[k][kk] = res[k].get(kk, 0) + v
        res["acks"].extend(local["acks"])


def metric_sum(args):
    total = 0
    for p in args.ports.split(","):
        c = http.client.HTTPConnection("127.0.0.1", int(p), timeout=10)
        c.request("GET", "/metrics", headers={"Authorization": "Bearer " + args.token})
        for line in c.getresponse().read().decode().splitlines():
            if line.startswith(args.metric + " "):
                total += int(float(line.split()[1]))
        c.close()
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ports", required=True)
    ap.add_argument("--attempts", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--token", required=True)
    ap.add_argument("--skus", default="SKU-CHAIR,SKU-LAMP,SKU-MUG")
    ap.add_argument("--prefix", default="L")
    ap.add_argument("--acks")
    ap.add_argument("--out")
    ap.add_argument("--metric", help="print the sum of this /metrics counter over PORTS, "
                                     "send no orders")
    ap.add_argument("--pause-on-error", type=float, default=0.0)
    ap.add_argument("--retries", type=int, default=0, help="retries of a 503 (same order id)")
    args = ap.parse_args()
    if args.metric:
        print(metric_sum(args))
        return
    if not args.acks or not args.out:
        ap.error("--acks and --out are required")
    ports = [int(p) for p in args.ports.split(",")]
    res = {"attempts": 0, "ok_units": 0, "codes": {}, "status": {}, "conn_errors": 0,
           "retry_after": 0, "acks": []}
    lock = threading.Lock()
    t0 = time.time()
    ts = [threading.Thread(target=worker, args=(args, ports, i, args.threads, res, lock))
          for i in range(args.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    res["seconds"] = round(time.time() - t0, 3)
    res["per_second"] = round(res["attempts"] / max(res["seconds"], 1e-9), 1)
    with open(args.acks, "w") as f:
        for oid, units in res.pop("acks"):
            f.write(f"{oid} {units}\n")
    with open(args.out, "w") as f:
        json.dump(res, f)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
