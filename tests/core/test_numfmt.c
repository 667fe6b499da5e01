/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/core/numfmt.c: ordo_numfmt_u64 against snprintf "%llu",
 * ordo_numfmt_double against ordo_json_format_double (the text the CSV
 * export always printed) and, where that is the %.15g text, against
 * snprintf "%.15g" too: edges (0, -0, powers of ten, 1e-4, 1e9, 1e15, the
 * largest integers, subnormals, huge values), every four-place decimal
 * near the boundaries, and many random prices, probabilities and bits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/core/numfmt.h"
#include "ordo/json.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check_u64(uint64_t v)
{
    char want[32], got[40];
    memset(got, 'x', sizeof got);
    snprintf(want, sizeof want, "%llu", (unsigned long long)v);
    char *e = ordo_numfmt_u64(got, v);
    if ((size_t)(e - got) != strlen(want) || memcmp(got, want, strlen(want)))
        fail_msg("u64 %llu: got '%.*s', want '%s'", (unsigned long long)v, (int)(e - got), got,
                 want);
    assert_int_equal(got[strlen(want)], 'x'); /* nothing written past the end */
}

static void check_double(double v)
{
    char want[48], got[48];
    memset(got, 'x', sizeof got);
    int n = ordo_json_format_double(v, want);
    char *e = ordo_numfmt_double(got, v);
    if (e - got != n || memcmp(got, want, (size_t)n))
        fail_msg("%.17g: got '%.*s', want '%s'", v, (int)(e - got), got, want);
    assert_int_equal(got[32], 'x'); /* within its 32 bytes */
    /* a value with at most 15 significant digits in [1e-4, 1e15): %.15g
     * prints it without an exponent and with no trailing zero */
    char g[48];
    snprintf(g, sizeof g, "%.15g", v);
    if (v != 0 && fabs(v) >= 1e-4 && fabs(v) < 1e15 && strtod(g, NULL) == v && !strchr(g, 'e'))
        if (strcmp(g, want))
            fail_msg("%.17g: '%s' against %%.15g '%s'", v, want, g);
}

static void test_u64(void **state)
{
    (void)state;
    uint64_t p = 1;
    for (int i = 0; i < 20; i++, p *= 10) {
        check_u64(p - 1);
        check_u64(p);
        check_u64(p + 1);
    }
    check_u64(0);
    check_u64(UINT64_MAX);
    check_u64(UINT64_MAX - 1);
    check_u64((uint64_t)INT64_MAX + 1);
    for (int i = 0; i < 200000; i++) {
        uint64_t v = next();
        check_u64(v >> (v & 63));
    }
}

static void test_edges(void **state)
{
    (void)state;
    static const double edge[] = {0.0, -0.0, 1, -1, 0.5, -0.5, 1e-4, -1e-4, 9.9999e-5, 1.0001e-4,
                                  1e9, -1e9, 999999999.9999, 999999999.99995, 1e9 + 0.5,
                                  1e15, -1e15, 1e15 - 1, 1e15 + 2, 9007199254740992.0,
                                  9007199254740993.0, 1e300, -1e300, 5e-324, 2.2250738585072014e-308,
                                  0.1, 0.2, 0.3, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 0.0001, 0.00015,
                                  0.12345, 1.23456789, 12345678.9012, 0.9999, 0.99995, 10.05,
                                  2.675, 1.005, 1234.5, -0.5988, 19.2325, 102.739, 398.6189,
                                  INFINITY, -INFINITY, 9.2233720368547758e18, -9.2233720368547758e18,
                                  4294967296.5, 1e-5, 123456789012345.6, 0.30000000000000004};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        check_double(edge[i]);
    double p = 1;
    for (int i = 0; i < 20; i++, p *= 10) {
        check_double(p);
        check_double(-p);
        check_double(1 / p);
        check_double(nextafter(p, 0));
        check_double(nextafter(p, INFINITY));
    }
}

/* Every four-place decimal next to the boundaries of the fast case and of
 * the digit counts, as the writer's rounding makes them (m / 1e4). */
static void test_four_places(void **state)
{
    (void)state;
    static const double base[] = {0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999,
                                  999999, 9999999, 99999999, 999999990};
    for (size_t b = 0; b < sizeof base / sizeof base[0]; b++)
        for (int f = 0; f < 20000; f++) {
            double v = (base[b] * 1e4 + f) / 1e4;
            check_double(v);
            check_double(-v);
        }
    for (int i = 0; i < 300000; i++) { /* prices and probabilities */
        uint64_t r = next();
        double v = (double)(r % 100000000000ull) / 1e4;
        check_double(r & 1 ? -v : v);
        check_double(nearbyint((double)(r >> 40) / 16777216.0 * 1e4) / 1e4);
    }
}

static void test_random_bits(void **state)
{
    (void)state;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = next();
        double v;
        memcpy(&v, &r, sizeof v);
        if (isnan(v))
            continue;
        check_double(v);
        check_double((double)(r % 2000000000ull) / 1e5); /* five places: the fallback */
        check_double((double)(int64_t)(r >> 12) - 2e15 * (r & 1));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u64),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_four_places),
        cmocka_unit_test(test_random_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
