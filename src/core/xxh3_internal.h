/* SPDX-License-Identifier: Apache-2.0 */
/* ordo core — XXH3-64 of libxxhash's own code, built into ordo (header
 * only, XXH_INLINE_ALL) instead of called in the shared library: the same
 * value (the hash is defined by its algorithm), ~10% fewer instructions on
 * a 1.4 KB log record (1,734 → 1,562, callgrind) and no call through the
 * PLT. An AVX2 build (a third of the instructions) was measured slower in
 * time on this project's machine for such records, in the log export and
 * the refresh (ANALYZE.md "Strings that recur"): small inputs keep the
 * SSE2 build. Large spans (the facts table's blocks of rows, 1.2 MB) take
 * the AVX2 build where the CPU has it (xxh3_wide.c, chosen at run time):
 * the same value at about twice the speed (ANALYZE.md "At scale"). */
#ifndef ORDO_CORE_XXH3_INTERNAL_H
#define ORDO_CORE_XXH3_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* XXH3_64bits_withSeed(p, n, seed); seed 0 is XXH3_64bits(p, n). */
uint64_t core_xxh3_64(const void *p, size_t n, uint64_t seed);

/* The same value, for large spans: from CORE_XXH3_WIDE_MIN bytes, the
 * AVX2 build when the CPU has it, else core_xxh3_64. */
#define CORE_XXH3_WIDE_MIN ((size_t)64 << 10)
uint64_t core_xxh3_64_large(const void *p, size_t n, uint64_t seed);

/* The AVX2 build (x86-64 with GCC or Clang: xxh3_wide.c, compiled with
 * -mavx2); call it only where core_xxh3_wide_ok(). */
#if defined(__x86_64__) && defined(__GNUC__)
#define CORE_XXH3_WIDE 1
uint64_t core_xxh3_64_avx2(const void *p, size_t n, uint64_t seed);
#endif
/* Whether this CPU runs the AVX2 build (false where it is not built). */
bool core_xxh3_wide_ok(void);

#endif
