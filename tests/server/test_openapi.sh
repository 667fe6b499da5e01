#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docs/api/openapi.json lists exactly the routes ordo serve has (method and
# path, from `ordo serve --routes --json`), and marks exactly the writes as
# needing the bearer token. Env: ORDO_BIN, ORDO_SOURCE_DIR.
set -u
ordo=${ORDO_BIN:?ORDO_BIN not set}
src=${ORDO_SOURCE_DIR:?ORDO_SOURCE_DIR not set}
routes=$("$ordo" serve --routes --json) || { echo "FAIL: ordo serve --routes --json" >&2; exit 1; }
python3 - "$src/docs/api/openapi.json" "$routes" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["openapi"].startswith("3."), "not an OpenAPI 3 document"
routes = json.loads(sys.argv[2])
served = {(r["method"].lower(), r["path"]): r["token"] for r in routes}
documented = {}
for path, ops in doc["paths"].items():
    for method, op in ops.items():
        documented[(method, path)] = bool(op.get("security"))
fail = 0
for k in sorted(set(served) - set(documented)):
    print("FAIL: served but not documented:", k); fail = 1
for k in sorted(set(documented) - set(served)):
    print("FAIL: documented but not served:", k); fail = 1
for k in sorted(set(served) & set(documented)):
    if served[k] != documented[k]:
        print("FAIL: token requirement differs for", k); fail = 1
    if not doc["paths"][k[1]][k[0]].get("responses"):
        print("FAIL: no responses for", k); fail = 1
print(f"{len(served)} routes, {len(documented)} documented operations")
sys.exit(fail)
PY
