#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The wrk script that POSTs orders to /v1/source (bench/bench_serve.sh,
bench/bench_pg.sh): two-line orders over the first 400 SKUs of a catalog,
ship-to ZIPs across the US, and an id unique per run, wrk thread and request
(so that no request is an idempotent retry). The id is
PREFIX<run>-<inst>-<thread>-<n>; `inst` is a Lua global a caller may set by
rewriting `inst or "x"` (bench_pg.sh does, one script per instance).
Usage: wrk_source_lua.py CATALOG.csv PREFIX > source.lua"""
import csv
import sys
import time

catalog, prefix = sys.argv[1], sys.argv[2]
skus = [r["sku"] for r in csv.DictReader(open(catalog))][:400]
zips = ["10027", "02139", "30303", "60614", "75201", "94105", "98101", "33101", "80202", "85004",
        "97205", "55401", "63101", "48201", "19103", "20001", "27601", "37203", "70112", "84101",
        "89101", "92101", "78701", "46204", "43215", "64105", "73102", "68102", "50309", "53202"]
print("local skus = {%s}" % ",".join('"%s"' % s for s in skus))
print("local zips = {%s}" % ",".join('"%s"' % z for z in zips))
print("local run_id = %d" % (time.time_ns() // 1000))
print('''
local counter = 0
local nthreads = 0
function setup(thread) nthreads = nthreads + 1; thread:set("tid", nthreads) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  counter = counter + 1
  local a = skus[(counter * 7) % #skus + 1]
  local b = skus[(counter * 13 + 1) % #skus + 1] -- never a: 6c+1 is odd
  local z = zips[counter % #zips + 1]
  local body = string.format('{"id":"@PREFIX@%d-%s-%d-%d","ship_to":{"zip":"%s"},"lines":[{"sku":"%s","quantity":1},{"sku":"%s","quantity":1}]}', run_id, inst or "x", tid or 0, counter, z, a, b)
  return wrk.format(nil, "/v1/source", nil, body)
end
'''.replace("@PREFIX@", prefix))
