/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the benchmarks (header only: bench/ builds one program
 * per bench_*.c). */
#ifndef ORDO_BENCH_UTIL_H
#define ORDO_BENCH_UTIL_H

#include <stddef.h>

#include "ordo/util.h"

/* Index i with probability proportional to the weight behind the
 * cumulative sums cum[0..n-1]: the library's draw. */
static inline size_t bench_pick_cumulative(ordo_rng_t *r, const double *cum, size_t n)
{
    return ordo_rng_pick_cumulative(r, cum, n);
}

#endif
