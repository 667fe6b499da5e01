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
    # a server, not a benchmark: bench_serve.sh below drives it with wrk
    [ "$(basename "$b")" = bench_http_bare ] && continue
    echo "== $(basename "$b") =="
    if ! "$b"; then
        echo "$(basename "$b"): FAILED" >&2
        status=1
    fi
    echo
done
# durable batch vs no log, through the CLI (bench/bench_durable_batch.sh)
echo "== bench_durable_batch =="
if ! bash "$(dirname "$0")/../bench/bench_durable_batch.sh" "$build"; then
    echo "bench_durable_batch: FAILED" >&2
    status=1
fi
echo
# ordo serve under wrk: both bare HTTP libraries, POST /v1/source on a
# 1,000-node network, and the server's bare endpoint (bench/bench_serve.sh)
echo "== bench_serve =="
if ! bash "$(dirname "$0")/../bench/bench_serve.sh" "$build"; then
    echo "bench_serve: FAILED" >&2
    status=1
fi
echo
# the simulator end to end: orders/s and where the time goes (bench/bench_sim.sh)
echo "== bench_sim =="
if ! bash "$(dirname "$0")/../bench/bench_sim.sh" "$build"; then
    echo "bench_sim: FAILED" >&2
    status=1
fi
echo
# the simulator's A/A test: the false-positive rate of the primary KPI over
# 200 seeds (bench/bench_sim_aa.sh; about two minutes on 2 cores)
echo "== bench_sim_aa =="
if ! bash "$(dirname "$0")/../bench/bench_sim_aa.sh" "$build" 200; then
    echo "bench_sim_aa: FAILED" >&2
    status=1
fi
echo
exit $status
