/* SPDX-License-Identifier: Apache-2.0 */
/* Edges: empty arms, n of 2, zero variance, p-values near 0 and 1, n in the
 * millions; the ship decision; sequential monitor behaviour; bad input. No
 * result may carry a NaN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "ordo/stats.h"

static void assert_no_nan(const ordo_stats_result_t *r)
{
    assert_false(isnan(r->estimate));
    assert_false(isnan(r->se));
    assert_false(isnan(r->ci_low));
    assert_false(isnan(r->ci_high));
    assert_false(isnan(r->stat));
    assert_false(isnan(r->p_value));
    assert_false(isnan(r->df));
    assert_true(r->p_value >= 0.0 && r->p_value <= 1.0);
}

static void test_empty_arm(void **state)
{
    (void)state;
    ordo_stats_result_t r;
    ordo_error_t err;
    ordo_stats_arm_t empty = {0, 0, 0}, one = {1, 3.0, 0}, ok = {10, 1.0, 2.0};
    assert_int_equal(ordo_stats_welch(&empty, &ok, 0.05, &r, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "control");
    assert_non_null(strstr(err.msg, "empty"));
    assert_int_equal(ordo_stats_welch(&ok, &empty, 0.05, &r, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "treatment");
    assert_int_equal(ordo_stats_welch(&ok, &one, 0.05, &r, &err), ORDO_EINVAL);
    assert_int_equal(ordo_stats_lift(&empty, &ok, 0.05, NULL, &r, &err), ORDO_EINVAL);
    assert_int_equal(ordo_stats_prop_z(0, 0, 3, 10, 0.05, &r, &err), ORDO_EINVAL);
    assert_non_null(strstr(err.msg, "empty"));
    assert_int_equal(ordo_stats_prop_z(11, 10, 3, 10, 0.05, &r, &err), ORDO_EINVAL);

    ordo_moments_t m0, m;
    ordo_moments_init(&m0);
    ordo_moments_init(&m);
    for (int i = 0; i < 10; i++)
        ordo_moments_add2(&m, i, 1 + i % 3);
    assert_int_equal(ordo_stats_ratio_delta(&m0, &m, 0.05, &r, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "control");
    assert_int_equal(ordo_stats_cuped(&m, &m0, 0.05, &r, NULL, NULL, NULL, &err), ORDO_EINVAL);
    assert_int_equal(ordo_stats_cluster_robust(&m, &m0, 0.05, &r, &err), ORDO_EINVAL);
    /* ratio with a zero denominator */
    ordo_moments_t z;
    ordo_moments_init(&z);
    ordo_moments_add2(&z, 1, 0);
    ordo_moments_add2(&z, 2, 0);
    assert_int_equal(ordo_stats_ratio_delta(&z, &m, 0.05, &r, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "control");
    /* relative lift against a zero control */
    assert_int_equal(ordo_stats_rel_lift(0.0, 1.0, 2.0, 1.0, 0.05, &r, &err), ORDO_EINVAL);
    /* bad alpha */
    assert_int_equal(ordo_stats_welch(&ok, &ok, 0.0, &r, &err), ORDO_EINVAL);
    assert_int_equal(ordo_stats_welch(&ok, &ok, 1.0, &r, &err), ORDO_EINVAL);
    /* a stratum with one unit */
    ordo_stats_arm_t cs[2] = {{10, 1, 1}, {1, 2, 0}}, ts[2] = {{10, 1, 1}, {5, 2, 1}};
    assert_int_equal(ordo_stats_poststratify(cs, ts, 2, NULL, 0.05, &r, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "strata[1]");
}

static void test_n_of_two(void **state)
{
    (void)state;
    ordo_stats_result_t r;
    ordo_stats_arm_t a = {2, 1.0, 0.5}, b = {2, 2.0, 0.5};
    assert_int_equal(ordo_stats_welch(&a, &b, 0.05, &r, NULL), ORDO_OK);
    assert_no_nan(&r);
    assert_true(r.df == 2.0); /* equal variances, n = 2: df = 2 */
    assert_true(r.flags & ORDO_STATS_F_SMALL_SAMPLE);
    /* t = 1 / sqrt(0.5) on 2 df */
    assert_true(fabs(r.p_value - 2.0 * ordo_t_sf(sqrt(2.0), 2.0)) < 1e-15);
}

static void test_zero_variance(void **state)
{
    (void)state;
    ordo_stats_result_t r;
    ordo_stats_arm_t a = {50, 3.0, 0.0}, b = {60, 3.0, 0.0}, c = {60, 4.0, 0.0};
    assert_int_equal(ordo_stats_welch(&a, &b, 0.05, &r, NULL), ORDO_OK);
    assert_no_nan(&r);
    assert_true(r.flags & ORDO_STATS_F_ZERO_VARIANCE);
    assert_true(r.p_value == 1.0);
    assert_int_equal(ordo_stats_welch(&a, &c, 0.05, &r, NULL), ORDO_OK);
    assert_true(r.flags & ORDO_STATS_F_ZERO_VARIANCE);
    assert_true(r.p_value == 0.0);
    assert_true(r.ci_low == 1.0 && r.ci_high == 1.0);
    assert_false(isnan(r.df));
    /* one arm constant: df collapses to the other arm's n − 1 */
    ordo_stats_arm_t d = {31, 4.0, 2.0};
    assert_int_equal(ordo_stats_welch(&a, &d, 0.05, &r, NULL), ORDO_OK);
    assert_no_nan(&r);
    assert_true(fabs(r.df - 30.0) < 1e-12);
    /* proportions with no successes anywhere */
    assert_int_equal(ordo_stats_prop_z(0, 100, 0, 120, 0.05, &r, NULL), ORDO_OK);
    assert_no_nan(&r);
    assert_true(r.p_value == 1.0 && (r.flags & ORDO_STATS_F_ZERO_VARIANCE));
    /* 0 of 100 against 100 of 100: pooled se > 0, unpooled 0 */
    assert_int_equal(ordo_stats_prop_z(0, 100, 100, 100, 0.05, &r, NULL), ORDO_OK);
    assert_no_nan(&r);
    assert_true(r.p_value < 1e-40);
    /* CUPED with a constant covariate is plain Welch */
    ordo_moments_t mc, mt;
    ordo_moments_init(&mc);
    ordo_moments_init(&mt);
    for (int i = 0; i < 40; i++) {
        ordo_moments_add2(&mc, i % 7, 5.0);
        ordo_moments_add2(&mt, i % 5 + 0.5, 5.0);
    }
    double theta = -1;
    ordo_stats_result_t w;
    assert_int_equal(ordo_stats_cuped(&mc, &mt, 0.05, &r, &theta, NULL, NULL, NULL), ORDO_OK);
    ordo_stats_arm_t ac = ordo_stats_arm_from_moments(&mc), at = ordo_stats_arm_from_moments(&mt);
    assert_int_equal(ordo_stats_welch(&ac, &at, 0.05, &w, NULL), ORDO_OK);
    assert_true(theta == 0.0);
    assert_true(fabs(r.p_value - w.p_value) < 1e-15);
}

static void test_extreme_p(void **state)
{
    (void)state;
    ordo_stats_result_t r;
    /* t = 200 on ~2000 df: p is ~1e-300 or underflows, never NaN */
    ordo_stats_arm_t a = {1000, 0.0, 1.0}, b = {1000, 8.944, 1.0};
    assert_int_equal(ordo_stats_welch(&a, &b, 0.05, &r, NULL), ORDO_OK);
    assert_no_nan(&r);
    assert_true(r.p_value < 1e-200);
    /* identical arms: p = 1 exactly */
    assert_int_equal(ordo_stats_welch(&a, &a, 0.05, &r, NULL), ORDO_OK);
    assert_true(r.p_value == 1.0);
    /* millions of units per arm */
    ordo_stats_arm_t c = {5e6, 10.0, 25.0}, d = {5e6, 10.004, 25.0};
    assert_int_equal(ordo_stats_welch(&c, &d, 0.05, &r, NULL), ORDO_OK);
    assert_no_nan(&r);
    assert_true(fabs(r.df - (1e7 - 2)) < 1e-3);
    double z = 0.004 / sqrt(2 * 25.0 / 5e6);
    assert_true(fabs(r.p_value - 2 * ordo_norm_sf(z)) < 1e-6 * r.p_value);
}

static void test_srm(void **state)
{
    (void)state;
    ordo_stats_result_t r;
    ordo_error_t err;
    double w[2] = {0.5, 0.5};
    double fine[2] = {5003, 4997}, bad[2] = {5400, 4600}; /* chi2 = 64 */
    assert_int_equal(ordo_stats_srm(fine, w, 2, &r, NULL), ORDO_OK);
    assert_false(r.flags & ORDO_STATS_F_SRM);
    assert_int_equal(ordo_stats_srm(bad, w, 2, &r, NULL), ORDO_OK);
    assert_true(r.flags & ORDO_STATS_F_SRM);
    assert_true(fabs(r.p_value - ordo_chi2_sf(64.0, 1.0)) < 1e-25);
    assert_true(r.stat == 64.0 && r.df == 1.0);
    double w0[2] = {1.0, 0.0}, zero[2] = {0, 0};
    assert_int_equal(ordo_stats_srm(fine, w0, 2, &r, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "weights");
    assert_int_equal(ordo_stats_srm(zero, w, 2, &r, &err), ORDO_EINVAL);
    assert_int_equal(ordo_stats_srm(fine, w, 1, &r, &err), ORDO_EINVAL);
    /* one arm empty is exactly what SRM must flag */
    double one_empty[2] = {1000, 0};
    assert_int_equal(ordo_stats_srm(one_empty, w, 2, &r, NULL), ORDO_OK);
    assert_true(r.flags & ORDO_STATS_F_SRM);
}

static ordo_stats_result_t diff(double est, double se)
{
    ordo_stats_result_t r;
    memset(&r, 0, sizeof r);
    r.estimate = est;
    r.se = se;
    r.df = 0;
    r.p_value = 2 * ordo_norm_sf(fabs(est / se));
    return r;
}

static void test_decision(void **state)
{
    (void)state;
    ordo_stats_decision_t d;
    long failed;
    /* primary: cost per order, lower is better, down 0.30 ± 0.1 */
    ordo_stats_result_t primary = diff(-0.30, 0.1);
    ordo_stats_guardrail_t g[2] = {
        {diff(-0.001, 0.002), 0.01, true}, /* on-time rate, may drop by 1 point */
        {diff(0.0005, 0.001), 0.01, false} /* return rate, may rise by 1 point */
    };
    assert_int_equal(ordo_stats_decide(&primary, false, g, 2, 0.05, &d, &failed, NULL), ORDO_OK);
    assert_int_equal(d, ORDO_STATS_SHIP);
    assert_int_equal(failed, -1);
    /* the same improvement read as higher-is-better is a regression */
    assert_int_equal(ordo_stats_decide(&primary, true, g, 2, 0.05, &d, &failed, NULL), ORDO_OK);
    assert_int_equal(d, ORDO_STATS_NO_SHIP_PRIMARY);
    /* not significant */
    ordo_stats_result_t weak = diff(-0.1, 0.1);
    assert_int_equal(ordo_stats_decide(&weak, false, g, 2, 0.05, &d, &failed, NULL), ORDO_OK);
    assert_int_equal(d, ORDO_STATS_NO_SHIP_PRIMARY);
    /* a guardrail whose interval reaches past the margin blocks shipping */
    g[1].diff = diff(0.006, 0.004);
    assert_int_equal(ordo_stats_decide(&primary, false, g, 2, 0.05, &d, &failed, NULL), ORDO_OK);
    assert_int_equal(d, ORDO_STATS_NO_SHIP_GUARDRAIL);
    assert_int_equal(failed, 1);
    /* non-inferiority p by hand: (margin − est) / se = 1, one-sided */
    double p;
    bool ok;
    assert_int_equal(ordo_stats_noninferiority(&g[1].diff, 0.01, false, 0.05, &p, &ok, NULL),
                     ORDO_OK);
    assert_true(fabs(p - ordo_norm_sf(1.0)) < 1e-15);
    assert_false(ok);
    assert_int_equal(ordo_stats_noninferiority(&g[1].diff, 0.0, false, 0.05, &p, &ok, NULL),
                     ORDO_EINVAL);
}

static void test_msprt(void **state)
{
    (void)state;
    ordo_msprt_t s;
    ordo_error_t err;
    assert_int_equal(ordo_msprt_init(&s, 0.0, 0.05, &err), ORDO_EINVAL);
    assert_int_equal(ordo_msprt_init(&s, 0.01, 0.05, &err), ORDO_OK);
    assert_int_equal(ordo_msprt_update(&s, 0.1, 0.0, &err), ORDO_EINVAL);
    assert_int_equal(s.looks, 0);
    double prev = 1.0, lo = -INFINITY, hi = INFINITY;
    for (int day = 1; day <= 30; day++) {
        double v = 2.0 / (1000.0 * day);
        double est = 0.05 * sin(day); /* noise around 0 */
        assert_int_equal(ordo_msprt_update(&s, est, v, &err), ORDO_OK);
        assert_true(s.p_value <= prev); /* always-valid p never rises */
        assert_true(s.cs_low >= lo && s.cs_high <= hi); /* the sequence only shrinks */
        /* the running interval is inside this look's interval */
        prev = s.p_value;
        lo = s.cs_low;
        hi = s.cs_high;
    }
    /* a real effect is caught, and the sequence excludes 0 then */
    assert_int_equal(ordo_msprt_init(&s, ordo_msprt_tau2_for(2.0 / 30000.0, 0.05), 0.05, &err),
                     ORDO_OK);
    for (int day = 1; day <= 30; day++)
        assert_int_equal(ordo_msprt_update(&s, 0.2, 2.0 / (1000.0 * day), &err), ORDO_OK);
    assert_true(s.p_value < 0.05);
    assert_true(s.cs_low > 0.0);
    assert_true(isnan(ordo_msprt_tau2_for(0.0, 0.05)));
}

static void test_corrections(void **state)
{
    (void)state;
    double p[4] = {0.01, 0.04, 0.03, 0.005};
    double h[4];
    assert_int_equal(ordo_stats_holm(p, 4, h, NULL), ORDO_OK);
    /* 0.005*4, 0.01*3, 0.03*2, 0.04*1 → running max */
    assert_true(fabs(h[3] - 0.02) < 1e-15 && fabs(h[0] - 0.03) < 1e-15);
    assert_true(fabs(h[2] - 0.06) < 1e-15 && fabs(h[1] - 0.06) < 1e-15);
    /* in place: sorted 0.005 0.01 0.03 0.04 → ×4/rank 0.02 0.02 0.04 0.04 */
    assert_int_equal(ordo_stats_bh(p, 4, p, NULL), ORDO_OK);
    double want[4] = {0.02, 0.04, 0.04, 0.02};
    for (int i = 0; i < 4; i++)
        assert_true(fabs(p[i] - want[i]) < 1e-15);
    double bad[2] = {0.5, 1.5};
    ordo_error_t err;
    assert_int_equal(ordo_stats_holm(bad, 2, h, &err), ORDO_EINVAL);
    assert_int_equal(ordo_stats_bh(bad, 0, h, &err), ORDO_EINVAL);
}

static void test_power_edges(void **state)
{
    (void)state;
    ordo_error_t err;
    double n, pw, d, p2;
    /* round trips */
    assert_int_equal(ordo_power_mean_n(0.25, 1.0, 0.05, 0.8, &n, &err), ORDO_OK);
    assert_int_equal(ordo_power_mean_power(n, 0.25, 1.0, 0.05, &pw, &err), ORDO_OK);
    assert_true(fabs(pw - 0.8) < 1e-12);
    assert_int_equal(ordo_power_mean_mde(n, 1.0, 0.05, 0.8, &d, &err), ORDO_OK);
    assert_true(fabs(d - 0.25) < 1e-10);
    assert_int_equal(ordo_power_prop_n(0.1, 0.12, 0.05, 0.8, &n, &err), ORDO_OK);
    assert_int_equal(ordo_power_prop_mde(n, 0.1, 0.05, 0.8, &p2, &err), ORDO_OK);
    assert_true(fabs(p2 - 0.12) < 1e-12);
    /* n in the millions with a large effect: thousands of Poisson terms in
     * the noncentral t, and the power is 1 to double precision */
    assert_int_equal(ordo_power_mean_power(1e7, 1.0, 1.0, 0.05, &pw, &err), ORDO_OK);
    assert_true(pw > 1.0 - 1e-12 && pw <= 1.0);
    /* bad input names the field */
    assert_int_equal(ordo_power_mean_n(0.0, 1.0, 0.05, 0.8, &n, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "mde");
    assert_int_equal(ordo_power_mean_n(1.0, -1.0, 0.05, 0.8, &n, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "sd");
    assert_int_equal(ordo_power_mean_n(1.0, 1.0, 0.05, 1.0, &n, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "power");
    assert_int_equal(ordo_power_mean_power(1.0, 1.0, 1.0, 0.05, &pw, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "n");
    assert_int_equal(ordo_power_prop_n(0.1, 0.1, 0.05, 0.8, &n, &err), ORDO_EINVAL);
    assert_int_equal(ordo_power_prop_n(0.0, 0.1, 0.05, 0.8, &n, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "p1");
    assert_int_equal(ordo_power_prop_mde(10, 0.5, 0.05, 0.99, &p2, &err), ORDO_ERANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_arm),    cmocka_unit_test(test_n_of_two),
        cmocka_unit_test(test_zero_variance), cmocka_unit_test(test_extreme_p),
        cmocka_unit_test(test_srm),          cmocka_unit_test(test_decision),
        cmocka_unit_test(test_msprt),        cmocka_unit_test(test_corrections),
        cmocka_unit_test(test_power_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
