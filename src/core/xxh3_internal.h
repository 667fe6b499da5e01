/* SPDX-License-Identifier: Apache-2.0 */
/* ordo core — XXH3-64 of libxxhash's own code, built into ordo (header
 * only, XXH_INLINE_ALL) instead of called in the shared library: the same
 * value (the hash is defined by its algorithm), ~10% fewer instructions on
 * a 1.4 KB log record (1,734 → 1,562, callgrind) and no call through the
 * PLT. An AVX2 build (a third of the instructions) was measured slower in
 * time on this project's machine, in the log export and the refresh
 * (ANALYZE.md "Strings that recur"), and is not used. */
#ifndef ORDO_CORE_XXH3_INTERNAL_H
#define ORDO_CORE_XXH3_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* XXH3_64bits_withSeed(p, n, seed); seed 0 is XXH3_64bits(p, n). */
uint64_t core_xxh3_64(const void *p, size_t n, uint64_t seed);

#endif
