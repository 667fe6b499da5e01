/* SPDX-License-Identifier: Apache-2.0 */
/* The accumulators' fast path (src/analyze/internal.h an_acc_add_terms):
 * the terms of a row computed once and added two at a time give sums equal
 * bit for bit to an_acc_add's, on ordinary values, signed zeros, tiny and
 * huge magnitudes and long runs (reports are pinned byte for byte). And
 * the operational metrics' moments (ops.c an_ops_add, its own x-only
 * update, its division one update ahead) equal ordo_moments_add's bit for
 * bit, and so do the shadow comparison's (shadow.c, four metrics at once
 * with one division). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
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

static void test_ops_moments_equal_moments_add(void **state)
{
    (void)state;
    static const int field[AN_OPS_N] = {
        [AN_OPS_SATISFACTION] = ORDO_AF_SATISFACTION,
        [AN_OPS_DOCK_TO_TRUCK] = ORDO_AF_DOCK_TO_TRUCK_HOURS,
        [AN_OPS_CANCELLED] = ORDO_AF_CANCELLED,
        [AN_OPS_LABOUR] = ORDO_AF_LABOUR_UTILISATION,
        [AN_OPS_PICK_RATE] = ORDO_AF_PICK_RATE,
    };
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 11);
    an_ops_t *ops = calloc(1, sizeof *ops);
    ordo_moments_t ref[2][AN_OPS_N];
    assert_non_null(ops);
    for (int v = 0; v < 2; v++)
        for (int k = 0; k < AN_OPS_N; k++)
            ordo_moments_init(&ref[v][k]);
    for (int i = 0; i < 100000; i++) {
        ordo_analyze_row_t row;
        ordo_analyze_row_init(&row);
        row.variant = (uint32_t)ordo_rng_below(&rng, 2);
        for (int k = 0; k < AN_OPS_N; k++) {
            unsigned d = (unsigned)ordo_rng_below(&rng, 10);
            double x = d == 0 ? NAN : d == 1 ? INFINITY : d == 2 ? -INFINITY : draw(&rng);
            row.v[field[k]] = x;
            if (isfinite(x))
                ordo_moments_add(&ref[row.variant][k], x);
        }
        an_ops_add(ops, &row);
    }
    assert_memory_equal(ops->m, ref, sizeof ref);
    assert_true(ref[1][AN_OPS_PICK_RATE].n > 1000);
    free(ops);
}

/* The shadow comparison's moments (shadow.c an_shadow_lanes_*): the four
 * metrics' updates with one shared division equal four ordo_moments_add2
 * bit for bit while the counts agree; a pair missing a metric takes the
 * update per metric, still equal; and the shared update forced on unequal
 * counts is wrong, so the check of the counts matters. */
static void lanes_equal_ref(const an_shadow_lanes_t *L, const ordo_moments_t *ref)
{
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
        ordo_moments_t got;
        an_shadow_lanes_get(L, m, &got);
        assert_memory_equal(&got, &ref[m], sizeof got);
    }
}

static void lanes_start(an_shadow_lanes_t *L, ordo_moments_t *ref)
{
    memset(L, 0, sizeof *L);
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++)
        ordo_moments_init(&ref[m]);
}

static void test_shadow_lanes_shared_division(void **state)
{
    (void)state;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 13);
    an_shadow_lanes_t L;
    ordo_moments_t ref[ORDO_AN_SHADOW_METRICS];
    lanes_start(&L, ref);
    double x[ORDO_AN_SHADOW_METRICS], y[ORDO_AN_SHADOW_METRICS];
    /* every metric in every pair: the shared update alone */
    for (int i = 0; i < 50000; i++) {
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
            x[m] = draw(&rng);
            y[m] = draw(&rng);
            ordo_moments_add2(&ref[m], x[m], y[m]);
        }
        an_shadow_lanes_add_shared(&L, x, y);
    }
    lanes_equal_ref(&L, ref);
    assert_true(ref[0].m2_x != 0 && ref[3].c_xy != 0);
    /* then pairs that miss metrics (the counts part), through the dispatch */
    for (int i = 0; i < 50000; i++) {
        unsigned fin = 0;
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
            x[m] = draw(&rng);
            y[m] = draw(&rng);
            if (ordo_rng_below(&rng, 10) || i < 1000) { /* mostly present */
                fin |= 1u << m;
                ordo_moments_add2(&ref[m], x[m], y[m]);
            } else {
                x[m] = NAN; /* not read */
            }
        }
        an_shadow_lanes_add(&L, x, y, fin);
    }
    lanes_equal_ref(&L, ref);
    assert_true(ref[0].n != ref[1].n || ref[0].n != ref[2].n || ref[0].n != ref[3].n);
    /* the shared update forced on unequal counts: not ordo_moments_add2's */
    an_shadow_lanes_t forced = L;
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
        x[m] = 3.25 + m;
        y[m] = -1.5 * m;
        ordo_moments_add2(&ref[m], x[m], y[m]);
    }
    an_shadow_lanes_add(&L, x, y, 15);
    lanes_equal_ref(&L, ref);
    an_shadow_lanes_add_shared(&forced, x, y);
    int differ = 0;
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
        ordo_moments_t got;
        an_shadow_lanes_get(&forced, m, &got);
        differ += memcmp(&got, &ref[m], sizeof got) != 0;
    }
    assert_true(differ >= 1);
}

/* From a fresh start, every pair complete but for each metric missing
 * once in turn midway: the shared update before, the per-metric one while
 * the counts differ, the shared one again once they agree, and the
 * division kept ahead by the last shared update (for another count) not
 * used then. */
static void test_shadow_lanes_split_midway(void **state)
{
    (void)state;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 17);
    an_shadow_lanes_t L;
    ordo_moments_t ref[ORDO_AN_SHADOW_METRICS];
    lanes_start(&L, ref);
    for (int i = 0; i < 2000; i++) {
        double x[ORDO_AN_SHADOW_METRICS], y[ORDO_AN_SHADOW_METRICS];
        /* 1000..1003: metric i - 1000 missing */
        unsigned fin = i >= 1000 && i < 1004 ? 0xFu & ~(1u << (i - 1000)) : 0xFu;
        for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++) {
            x[m] = 100 * ordo_rng_normal(&rng);
            y[m] = 50 + ordo_rng_uniform(&rng);
            if (fin >> m & 1)
                ordo_moments_add2(&ref[m], x[m], y[m]);
        }
        an_shadow_lanes_add(&L, x, y, fin);
        if (i == 999 || i == 1000 || i == 1004 || i == 1999)
            lanes_equal_ref(&L, ref);
    }
    for (int m = 0; m < ORDO_AN_SHADOW_METRICS; m++)
        assert_int_equal(ref[m].n, 1999);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms_equal_acc_add),
        cmocka_unit_test(test_ops_moments_equal_moments_add),
        cmocka_unit_test(test_shadow_lanes_shared_division),
        cmocka_unit_test(test_shadow_lanes_split_midway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
