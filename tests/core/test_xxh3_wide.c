/* SPDX-License-Identifier: Apache-2.0 */
/* core_xxh3_64_large and core_xxh3_64_avx2 (src/core/xxh3_internal.h: the
 * facts table's block sums) against a reference build of libxxhash's
 * XXH3 in this file with no vector code at all (XXH_SCALAR), one-shot and
 * streamed in random pieces, on random buffers: every length to 2,100
 * bytes, the lengths around each 1 KB block and the large path's
 * threshold, random lengths to 3 MB, unaligned starts, seeds 0 and
 * random. The AVX2 build is checked directly where the CPU has it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_SCALAR
#include <xxhash.h>

#include "../../src/core/xxh3_internal.h"

enum { MAX_LEN = 3 << 20 };

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned char *random_buffer(uint64_t *rng)
{
    unsigned char *buf = malloc(MAX_LEN + 64);
    assert_non_null(buf);
    for (size_t i = 0; i < MAX_LEN + 64; i++)
        buf[i] = (unsigned char)next(rng);
    return buf;
}

/* p[0, n) with seed by every path against the scalar reference. */
static void check(const unsigned char *p, size_t n, uint64_t seed)
{
    uint64_t want = XXH3_64bits_withSeed(p, n, seed);
    if (core_xxh3_64_large(p, n, seed) != want)
        fail_msg("large: length %zu, seed %llx: differs", n, (unsigned long long)seed);
    if (core_xxh3_64(p, n, seed) != want)
        fail_msg("plain: length %zu, seed %llx: differs", n, (unsigned long long)seed);
#ifdef CORE_XXH3_WIDE
    if (core_xxh3_wide_ok() && core_xxh3_64_avx2(p, n, seed) != want)
        fail_msg("avx2: length %zu, seed %llx: differs", n, (unsigned long long)seed);
#endif
}

static void test_lengths(void **state)
{
    (void)state;
    uint64_t rng = 7;
    unsigned char *buf = random_buffer(&rng);
    for (size_t n = 0; n <= 2100; n++)
        check(buf + n % 13, n, n % 3 ? next(&rng) : 0);
    const size_t around[] = {1024, 4096, 16384, CORE_XXH3_WIDE_MIN, 1245184, 2 << 20};
    for (size_t k = 0; k < sizeof around / sizeof *around; k++)
        for (size_t n = around[k] - 70; n <= around[k] + 70; n++)
            check(buf + n % 5, n, n % 2 ? next(&rng) : 0);
    for (int k = 0; k < 24; k++) {
        size_t n = (size_t)(next(&rng) % MAX_LEN);
        check(buf + k % 64, n, k % 4 ? next(&rng) : 0);
    }
    free(buf);
}

/* The reference's streaming state fed in random pieces (a block that
 * spans the mapped and the appended rows), and sums chained block by block
 * as the facts table chains them, give what one large call gives. */
static void test_streamed_and_chained(void **state)
{
    (void)state;
    uint64_t rng = 11;
    unsigned char *buf = random_buffer(&rng);
    XXH3_state_t st;
    for (int k = 0; k < 16; k++) {
        size_t n = (size_t)(next(&rng) % MAX_LEN), at = 0;
        uint64_t seed = k % 3 ? next(&rng) : 0;
        XXH3_64bits_reset_withSeed(&st, seed);
        while (at < n) {
            size_t piece = (size_t)(next(&rng) % (k % 2 ? 1500 : 300000)) + 1;
            piece = piece < n - at ? piece : n - at;
            XXH3_64bits_update(&st, buf + at, piece);
            at += piece;
        }
        if (XXH3_64bits_digest(&st) != core_xxh3_64_large(buf, n, seed))
            fail_msg("streamed: length %zu, seed %llx: differs", n, (unsigned long long)seed);
    }
    const size_t block = 4096 * 304; /* the facts table's block of rows */
    uint64_t want = 0, got = 0;
    for (size_t at = 0; at + block <= MAX_LEN; at += block) {
        want = XXH3_64bits_withSeed(buf + at, block, want);
        got = core_xxh3_64_large(buf + at, block, got);
    }
    assert_true(want == got);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_streamed_and_chained),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
