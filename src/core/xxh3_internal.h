/* SPDX-License-Identifier: Apache-2.0 */
/* ordo core — XXH3-64 of long inputs at the machine's vector width: the
 * same value as libxxhash's XXH3_64bits_withSeed (the hash is defined by
 * its algorithm, not by the instructions computing it), with AVX2 when the
 * CPU has it. libxxhash as packaged is built for SSE2 only, which takes
 * ~3 times the instructions on a 1.4 KB log record (LOG.md "Reading"). */
#ifndef ORDO_CORE_XXH3_INTERNAL_H
#define ORDO_CORE_XXH3_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* XXH3_64bits_withSeed(p, n, seed); seed 0 is XXH3_64bits(p, n). */
uint64_t core_xxh3_64(const void *p, size_t n, uint64_t seed);

/* The AVX2 build of the same (xxh3_avx2.c); only called when the CPU has
 * AVX2. */
uint64_t core_xxh3_64_avx2(const void *p, size_t n, uint64_t seed);

/* Test hook: true forces the path without AVX2. */
extern _Bool core_xxh3_avx2_off;

#endif
