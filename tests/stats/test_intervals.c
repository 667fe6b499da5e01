/* SPDX-License-Identifier: Apache-2.0 */
/* One-arm intervals (ordo_stats_mean_interval, ordo_stats_var_interval)
 * against mpmath (tests/fixtures/stats/make_intervals.py → intervals.inc). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ordo/stats.h"

typedef struct iv_case {
    double alpha;
    double x[16];
    int n;
    double want[6]; /* mean, its ci low, high; variance, its ci low, high */
} iv_case_t;

static const iv_case_t cases[] = {
#include "../fixtures/stats/intervals.inc"
};

static void near(double got, double want)
{
    if (!(fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want))))
        fail_msg("got %.17g, want %.17g", got, want);
}

static void test_against_mpmath(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const iv_case_t *c = &cases[i];
        ordo_moments_t m;
        ordo_moments_init(&m);
        for (int j = 0; j < c->n; j++)
            ordo_moments_add(&m, c->x[j]);
        ordo_stats_result_t r;
        ordo_error_t err = {0};
        assert_int_equal(ordo_stats_mean_interval(&m, c->alpha, &r, &err), ORDO_OK);
        near(r.estimate, c->want[0]);
        near(r.ci_low, c->want[1]);
        near(r.ci_high, c->want[2]);
        assert_true(r.flags & ORDO_STATS_F_SMALL_SAMPLE);
        assert_int_equal(ordo_stats_var_interval(&m, c->alpha, &r, &err), ORDO_OK);
        near(r.estimate, c->want[3]);
        near(r.ci_low, c->want[4]);
        near(r.ci_high, c->want[5]);
        assert_true(isnan(r.p_value));
    }
}

static void test_edges(void **state)
{
    (void)state;
    ordo_moments_t m;
    ordo_moments_init(&m);
    ordo_stats_result_t r;
    ordo_error_t err = {0};
    ordo_moments_add(&m, 3);
    assert_int_equal(ordo_stats_mean_interval(&m, 0.05, &r, &err), ORDO_EINVAL);
    assert_int_equal(ordo_stats_var_interval(&m, 0.05, &r, &err), ORDO_EINVAL);
    assert_int_equal(ordo_stats_var_interval(NULL, 0.05, &r, &err), ORDO_EINVAL);
    ordo_moments_add(&m, 3);
    assert_int_equal(ordo_stats_mean_interval(&m, 1.5, &r, &err), ORDO_EINVAL);
    /* zero variance: the interval is the point */
    assert_int_equal(ordo_stats_mean_interval(&m, 0.05, &r, &err), ORDO_OK);
    assert_true(r.flags & ORDO_STATS_F_ZERO_VARIANCE);
    assert_true(r.ci_low == 3 && r.ci_high == 3);
    assert_int_equal(ordo_stats_var_interval(&m, 0.05, &r, &err), ORDO_OK);
    assert_true(r.flags & ORDO_STATS_F_ZERO_VARIANCE);
    assert_true(r.estimate == 0 && r.ci_low == 0 && r.ci_high == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_mpmath),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
