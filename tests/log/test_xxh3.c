/* SPDX-License-Identifier: Apache-2.0 */
/* core_xxh3_64 (src/core/xxh3_internal.h: the log's record checksum and the
 * record summary's check, libxxhash's code built into ordo) against
 * libxxhash's own XXH3_64bits_withSeed at every length to 4,200 bytes (each
 * stripe and block boundary), unaligned, with seeds 0 and random. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <xxhash.h>

#include "../../src/core/xxh3_internal.h"

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void test_same_as_libxxhash(void **state)
{
    (void)state;
    enum { N = 4200 };
    unsigned char *buf = malloc(N + 64);
    assert_non_null(buf);
    uint64_t rng = 42;
    for (size_t i = 0; i < N + 64; i++)
        buf[i] = (unsigned char)next(&rng);
    for (size_t n = 0; n <= N; n++) {
        const unsigned char *p = buf + (n % 7); /* unaligned starts too */
        uint64_t seed = n % 3 ? next(&rng) : 0;
        if (core_xxh3_64(p, n, seed) != XXH3_64bits_withSeed(p, n, seed))
            fail_msg("length %zu, seed %llx: differs", n, (unsigned long long)seed);
        if (!seed)
            assert_true(core_xxh3_64(p, n, 0) == XXH3_64bits(p, n));
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_libxxhash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
