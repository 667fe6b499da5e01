/* SPDX-License-Identifier: Apache-2.0 */
/* The accumulators' fast path (src/analyze/internal.h an_acc_add_terms):
 * the terms of a row computed once and added two at a time give sums equal
 * bit for bit to an_acc_add's, on ordinary values, signed zeros, tiny and
 * huge magnitudes and long runs (reports are pinned byte for byte). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "../../src/analyze/internal.h"

static double draw(ordo_rng_t *rng)
{
    switch (ordo_rng_below(rng, 8)) {
    case 0:
        return -0.0;
    case 1:
        return 0.0;
    case 2:
        return ldexp(ordo_rng_uniform(rng) - 0.5, -1060); /* subnormal products */
    case 3:
        return ldexp(ordo_rng_uniform(rng) - 0.5, 300);
    case 4:
        return (double)ordo_rng_below(rng, 5);
    default:
        return 100 * ordo_rng_normal(rng);
    }
}

static void test_terms_equal_acc_add(void **state)
{
    (void)state;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 7);
    an_acc_t slow[4], fast[4];
    memset(slow, 0, sizeof slow);
    memset(fast, 0, sizeof fast);
    for (int i = 0; i < 200000; i++) {
        int c = (int)ordo_rng_below(&rng, 4);
        double x = draw(&rng), y = draw(&rng);
        an_acc_add(&slow[c], x, y);
        an_terms_t t;
        an_terms_set(&t, x, y);
        an_acc_add_terms(&fast[c], &t);
    }
    assert_memory_equal(slow, fast, sizeof slow);
    /* and it can differ: one more row on one side */
    an_acc_add(&slow[0], 1.5, 2.5);
    assert_memory_not_equal(slow, fast, sizeof slow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms_equal_acc_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
