/* SPDX-License-Identifier: Apache-2.0 */
/* Tests, intervals, variance reduction, SRM, corrections, sequential and
 * power against scipy/statsmodels (tests/fixtures/stats/tests.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "ordo/stats.h"

/* The issue asks for 1e-6; every statistic here holds 1e-8. What remains
 * (up to ~8e-9, in intervals with small df) is scipy's own t quantile error,
 * which tests/fixtures/stats/dist.txt (mpmath) shows our quantiles do not have. */
#define TOL 1e-8

static int g_fails;
static double g_worst;

static void check(const fx_case_t *c, const double *got, const double *floors, int n)
{
    if (c->n_out != n) {
        fprintf(stderr, "tests.txt:%d %s: %d outputs, fixture has %d\n", c->line, c->kind, n,
                c->n_out);
        g_fails++;
        return;
    }
    for (int i = 0; i < n; i++) {
        double e = fx_relerr(got[i], c->out[i], floors ? floors[i] : 1e-300);
        if (e > g_worst)
            g_worst = e;
        if (!(e <= TOL)) {
            fprintf(stderr, "tests.txt:%d %s output %d = %.17g, want %.17g (rel %.3g)\n", c->line,
                    c->kind, i, got[i], c->out[i], e);
            g_fails++;
        }
    }
}

static ordo_stats_arm_t arm(const double *v)
{
    ordo_stats_arm_t a = {v[0], v[1], v[2]};
    return a;
}

static ordo_moments_t biv(const double *v)
{
    ordo_moments_t m;
    ordo_moments_init(&m);
    m.n = (uint64_t)v[0];
    m.mean_x = v[1];
    m.mean_y = v[2];
    m.m2_x = v[3] * (v[0] - 1.0);
    m.m2_y = v[4] * (v[0] - 1.0);
    m.c_xy = v[5] * (v[0] - 1.0);
    return m;
}

/* est, se, lo, hi, stat, p, df: locations compared on the scale of se */
static void result_vec(const ordo_stats_result_t *r, double *got, double *floors)
{
    got[0] = r->estimate;
    got[1] = r->se;
    got[2] = r->ci_low;
    got[3] = r->ci_high;
    got[4] = r->stat;
    got[5] = r->p_value;
    got[6] = r->df;
    floors[0] = floors[2] = floors[3] = r->se;
    floors[1] = 1e-300;
    floors[4] = 1.0;
    floors[5] = 1e-300;
    floors[6] = 1e-300;
}

static void run_case(const fx_case_t *c)
{
    const double *in = c->in;
    double got[FX_MAX], fl[FX_MAX];
    ordo_stats_result_t r;
    ordo_error_t err;
    int rc = ORDO_OK;
    const char *k = c->kind;
    if (!strcmp(k, "welch")) {
        ordo_stats_arm_t a = arm(in), b = arm(in + 3);
        rc = ordo_stats_welch(&a, &b, in[6], &r, &err);
        result_vec(&r, got, fl);
        check(c, got, fl, 7);
    } else if (!strcmp(k, "propz")) {
        rc = ordo_stats_prop_z(in[0], in[1], in[2], in[3], in[4], &r, &err);
        result_vec(&r, got, fl);
        check(c, got, fl, 6);
    } else if (!strcmp(k, "ratio")) {
        ordo_moments_t a = biv(in), b = biv(in + 6);
        rc = ordo_stats_ratio_delta(&a, &b, in[12], &r, &err);
        result_vec(&r, got, fl);
        check(c, got, fl, 6);
    } else if (!strcmp(k, "lift")) {
        ordo_stats_arm_t a = arm(in), b = arm(in + 3);
        ordo_stats_result_t abs;
        rc = ordo_stats_lift(&a, &b, in[6], &abs, &r, &err);
        result_vec(&r, got, fl);
        check(c, got, fl, 6);
    } else if (!strcmp(k, "cuped")) {
        ordo_moments_t a = biv(in), b = biv(in + 6);
        double theta;
        rc = ordo_stats_cuped(&a, &b, in[12], &r, &theta, NULL, NULL, &err);
        got[0] = theta;
        fl[0] = 1e-300;
        result_vec(&r, got + 1, fl + 1);
        check(c, got, fl, 8);
    } else if (!strcmp(k, "strat")) {
        size_t n = (size_t)in[0];
        int hasw = in[2] != 0.0;
        int stride = hasw ? 7 : 6;
        ordo_stats_arm_t ca[16], ta[16];
        double w[16];
        assert_true(n <= 16);
        for (size_t i = 0; i < n; i++) {
            const double *v = in + 3 + i * stride;
            ca[i] = arm(v);
            ta[i] = arm(v + 3);
            w[i] = hasw ? v[6] : 0.0;
        }
        rc = ordo_stats_poststratify(ca, ta, n, hasw ? w : NULL, in[1], &r, &err);
        result_vec(&r, got, fl);
        check(c, got, fl, 6);
    } else if (!strcmp(k, "cluster")) {
        ordo_moments_t a = biv(in), b = biv(in + 6);
        rc = ordo_stats_cluster_robust(&a, &b, in[12], &r, &err);
        result_vec(&r, got, fl);
        check(c, got, fl, 7);
    } else if (!strcmp(k, "srm")) {
        size_t n = (size_t)in[0];
        rc = ordo_stats_srm(in + 1, in + 1 + n, n, &r, &err);
        got[0] = r.stat;
        got[1] = r.p_value;
        got[2] = r.df;
        check(c, got, NULL, 3);
        /* the flag follows the p-value */
        assert_int_equal(!!(r.flags & ORDO_STATS_F_SRM), c->out[1] < 0.001);
    } else if (!strcmp(k, "ni")) {
        ordo_stats_arm_t a = arm(in), b = arm(in + 3);
        rc = ordo_stats_welch(&a, &b, 0.05, &r, &err);
        assert_int_equal(rc, ORDO_OK);
        bool ok;
        rc = ordo_stats_noninferiority(&r, in[6], in[7] != 0.0, 0.05, &got[0], &ok, &err);
        check(c, got, NULL, 1);
        assert_int_equal(ok, got[0] < 0.05);
    } else if (!strcmp(k, "holm") || !strcmp(k, "bh")) {
        size_t n = (size_t)in[0];
        rc = (!strcmp(k, "holm") ? ordo_stats_holm : ordo_stats_bh)(in + 1, n, got, &err);
        check(c, got, NULL, (int)n);
    } else if (!strcmp(k, "msprt")) {
        ordo_msprt_t s;
        rc = ordo_msprt_init(&s, in[0], in[1], &err);
        assert_int_equal(rc, ORDO_OK);
        int L = (int)in[2];
        for (int i = 0; i < L && rc == ORDO_OK; i++) {
            rc = ordo_msprt_update(&s, in[3 + 2 * i], in[4 + 2 * i], &err);
            got[3 * i] = s.p_value;
            got[3 * i + 1] = s.cs_low;
            got[3 * i + 2] = s.cs_high;
            fl[3 * i] = 1e-300;
            fl[3 * i + 1] = fl[3 * i + 2] = sqrt(in[4 + 2 * i]);
        }
        assert_int_equal((int)s.looks, L);
        check(c, got, fl, 3 * L);
    } else if (!strcmp(k, "powt_power")) {
        rc = ordo_power_mean_power(in[0], in[1], in[2], in[3], &got[0], &err);
        check(c, got, NULL, 1);
    } else if (!strcmp(k, "powt_n")) {
        rc = ordo_power_mean_n(in[0], in[1], in[2], in[3], &got[0], &err);
        check(c, got, NULL, 1);
    } else if (!strcmp(k, "powt_mde")) {
        rc = ordo_power_mean_mde(in[0], in[1], in[2], in[3], &got[0], &err);
        check(c, got, NULL, 1);
    } else if (!strcmp(k, "powp_power")) {
        rc = ordo_power_prop_power(in[0], in[1], in[2], in[3], &got[0], &err);
        check(c, got, NULL, 1);
    } else if (!strcmp(k, "powp_n")) {
        rc = ordo_power_prop_n(in[0], in[1], in[2], in[3], &got[0], &err);
        check(c, got, NULL, 1);
    } else if (!strcmp(k, "powp_mde")) {
        rc = ordo_power_prop_mde(in[0], in[1], in[2], in[3], &got[0], &err);
        check(c, got, NULL, 1);
    } else {
        fail_msg("tests.txt:%d unknown kind %s", c->line, k);
    }
    if (rc != ORDO_OK)
        fail_msg("tests.txt:%d %s failed: %s", c->line, k, err.msg);
}

static void test_fixture(void **state)
{
    (void)state;
    fx_file_t fx;
    assert_true(fx_open(&fx, "tests.txt"));
    fx_case_t c;
    int rc, n = 0;
    while ((rc = fx_next(&fx, &c)) == 1) {
        run_case(&c);
        n++;
    }
    assert_int_equal(rc, 0);
    fx_close(&fx);
    fprintf(stderr, "tests: %d cases, worst relative error %.3g, %d above %.0e\n", n, g_worst,
            g_fails, TOL);
    assert_true(n > 50);
    assert_int_equal(g_fails, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
