/* SPDX-License-Identifier: Apache-2.0 */
/* core_xxh3_64 (src/core/xxh3_internal.h: the log's record checksum and the
 * record summary's check, AVX2 when the CPU has it) against libxxhash's
 * own XXH3_64bits_withSeed, with and without the AVX2 path, at every length
 * to 4,200 bytes (each stripe and block boundary), with seeds 0 and random. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    bool has_avx2 = __builtin_cpu_supports("avx2");
#else
    bool has_avx2 = false;
#endif
    for (size_t i = 0; i < N + 64; i++)
        buf[i] = (unsigned char)next(&rng);
    for (int off = 0; off < 2; off++) {
        core_xxh3_avx2_off = off;
        for (size_t n = 0; n <= N; n++) {
            const unsigned char *p = buf + (n % 7); /* unaligned starts too */
            uint64_t seed = n % 3 ? next(&rng) : 0;
            uint64_t want = XXH3_64bits_withSeed(p, n, seed);
            if (core_xxh3_64(p, n, seed) != want)
                fail_msg("length %zu, seed %llx, AVX2 %s: differs", n, (unsigned long long)seed,
                         off ? "off" : "on");
            if (!seed)
                assert_true(core_xxh3_64(p, n, 0) == XXH3_64bits(p, n));
            if (n > 240 && !off && has_avx2)
                assert_true(core_xxh3_64_avx2(p, n, seed) == want);
        }
    }
    core_xxh3_avx2_off = 0;
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_libxxhash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
