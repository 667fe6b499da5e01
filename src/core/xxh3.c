/* SPDX-License-Identifier: Apache-2.0 */
/* ordo core — XXH3-64, AVX2 when the CPU has it (xxh3_internal.h). */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "xxh3_internal.h"

_Bool core_xxh3_avx2_off;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && defined(ORDO_XXH3_AVX2)
static int avx2_state; /* 0 not asked yet, 1 yes, -1 no (a race asks twice, same answer) */

static inline int has_avx2(void)
{
    int s = __atomic_load_n(&avx2_state, __ATOMIC_RELAXED);
    if (!s) {
        __builtin_cpu_init();
        s = __builtin_cpu_supports("avx2") ? 1 : -1;
        __atomic_store_n(&avx2_state, s, __ATOMIC_RELAXED);
    }
    return s > 0;
}
#else
static inline int has_avx2(void)
{
    return 0;
}
#endif

uint64_t core_xxh3_64(const void *p, size_t n, uint64_t seed)
{
    /* below 241 bytes XXH3 uses no vectors: the same code either way */
    if (n > 240 && has_avx2() && !core_xxh3_avx2_off)
        return core_xxh3_64_avx2(p, n, seed);
    return XXH3_64bits_withSeed(p, n, seed);
}
