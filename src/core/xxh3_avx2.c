/* SPDX-License-Identifier: Apache-2.0 */
/* ordo core — XXH3-64 compiled for AVX2 (this file alone is built with
 * -mavx2 on x86-64, CMakeLists.txt; xxh3.c calls it only when the CPU has
 * AVX2). The header-only build of libxxhash's own code. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "xxh3_internal.h"

uint64_t core_xxh3_64_avx2(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}
