/* SPDX-License-Identifier: Apache-2.0 */
/* ordo core — XXH3-64, libxxhash's code built inline (xxh3_internal.h). */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "xxh3_internal.h"

uint64_t core_xxh3_64(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}

bool core_xxh3_wide_ok(void)
{
#ifdef CORE_XXH3_WIDE
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

uint64_t core_xxh3_64_large(const void *p, size_t n, uint64_t seed)
{
#ifdef CORE_XXH3_WIDE
    if (n >= CORE_XXH3_WIDE_MIN && core_xxh3_wide_ok())
        return core_xxh3_64_avx2(p, n, seed);
#endif
    return XXH3_64bits_withSeed(p, n, seed);
}
