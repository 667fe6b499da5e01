/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the benchmarks (header only: bench/ builds one program
 * per bench_*.c). */
#ifndef ORDO_BENCH_UTIL_H
#define ORDO_BENCH_UTIL_H

#include <stddef.h>

#include "ordo/util.h"

/* Index i with probability proportional to the weight behind the
 * cumulative sums cum[0..n-1] (cum[n-1] = total): binary search for a
 * uniform draw in [0, total). */
static inline size_t bench_pick_cumulative(ordo_rng_t *r, const double *cum, size_t n)
{
    double u = ordo_rng_uniform(r) * cum[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cum[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

#endif
