/* SPDX-License-Identifier: Apache-2.0 */
/* ordo core — XXH3-64, libxxhash's code built inline (xxh3_internal.h). */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "xxh3_internal.h"

uint64_t core_xxh3_64(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}
