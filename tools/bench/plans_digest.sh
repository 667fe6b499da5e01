#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# plans_digest.sh BUILD_DIR OUT_DIR [ORDERS]
#
# The plans digest: every decision of the six built-in policies over ORDERS
# (default 100,000) generated orders, dumped by bench_source --dump, one
# sha256 per policy. A change that must not change decisions leaves every
# line identical; compare two builds with
#   diff <(plans_digest.sh OLD /tmp/a | cut -d' ' -f1) \
#        <(plans_digest.sh NEW /tmp/b | cut -d' ' -f1)
# and, where they differ, tools/bench/plandiff.py A.dump B.dump tells ties
# from changed decisions.
set -euo pipefail
build=${1:?usage: plans_digest.sh BUILD_DIR OUT_DIR [ORDERS]}
out=${2:?usage: plans_digest.sh BUILD_DIR OUT_DIR [ORDERS]}
orders=${3:-100000}
mkdir -p "$out"
for p in default proximity-first cost-optimized inventory-priority store-fulfillment drop-ship; do
  "$build/bench_source" --orders "$orders" --repeats 1 --policy "$p" --dump "$out/$p.dump" \
    > "$out/$p.bench.txt" 2>&1
  printf '%s %s\n' "$(sha256sum < "$out/$p.dump" | cut -d' ' -f1)" "$p"
done
