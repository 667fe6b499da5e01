/* SPDX-License-Identifier: Apache-2.0 */
/* ordo core — XXH3-64, libxxhash's code built inline for AVX2 (this file
 * alone is compiled with -mavx2, CMakeLists.txt): its 32-byte lanes take a
 * large span at about twice the SSE2 build's speed, with the same value.
 * Reached only through core_xxh3_64_large, after the CPU is asked
 * (xxh3.c). */
#include "xxh3_internal.h"

#ifdef CORE_XXH3_WIDE
#ifndef __AVX2__
#error "xxh3_wide.c is compiled with -mavx2 (CMakeLists.txt)"
#endif
#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t core_xxh3_64_avx2(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}
#endif
