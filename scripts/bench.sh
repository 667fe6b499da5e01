#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench: runs every benchmark built from bench/bench_*.c. Each prints
# its own medians. Benchmarks compare ratios within one run; the machines are
# shared, so absolute figures move between runs.
set -uo pipefail
build=${1:-build}
status=0
for b in "$build"/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b") =="
    if ! "$b"; then
        echo "$(basename "$b"): FAILED" >&2
        status=1
    fi
    echo
done
exit $status
