#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The decision records' bytes of a fixed simulator run, as one hash: the log's
# chain head (`ordo log verify`). Records carry the decision's latency, read
# from CLOCK_MONOTONIC, and customer pseudonyms, keyed by a secret SQLite
# draws from /dev/urandom: an LD_PRELOAD shim built here freezes the clock and
# reads zeros for /dev/urandom, so two builds that encode records alike print
# the same head.
# Usage: tools/bench/record_bytes.sh ORDO_BIN [OUT_DIR]
set -euo pipefail
bin=${1:?usage: record_bytes.sh ORDO_BIN [OUT_DIR]}
out=${2:-$(mktemp -d)/run}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/frozen.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
typedef int (*open_fn)(const char *, int, ...);
static int open_as(const char *sym, const char *path, int flags, va_list ap)
{
    open_fn real = (open_fn)dlsym(RTLD_NEXT, sym);
    mode_t mode = (flags & O_CREAT) ? (mode_t)va_arg(ap, int) : 0;
    if (path && !strcmp(path, "/dev/urandom"))
        path = "/dev/zero";
    return real(path, flags, mode);
}
int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int fd = open_as("open", path, flags, ap);
    va_end(ap);
    return fd;
}
int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int fd = open_as("open64", path, flags, ap);
    va_end(ap);
    return fd;
}
int clock_gettime(clockid_t id, struct timespec *ts)
{
    static int (*real)(clockid_t, struct timespec *);
    if (id == CLOCK_MONOTONIC) {
        ts->tv_sec = 1000;
        ts->tv_nsec = 0;
        return 0;
    }
    if (!real)
        real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    return real(id, ts);
}
C
cc -shared -fPIC -O2 -o "$tmp/frozen.so" "$tmp/frozen.c" -ldl
rm -rf "$out"
LD_PRELOAD="$tmp/frozen.so" "$bin" sim --scenario proximity-vs-cost --days 2 \
    --orders-per-day 3000 --seed 7 --out "$out" >/dev/null
"$bin" log verify "$out/log" | sed -n 's/^head /record chain head /p'
