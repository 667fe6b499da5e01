/* SPDX-License-Identifier: Apache-2.0 */
/* Distributions against scipy at many points, including extreme tails
 * (tests/fixtures/stats/dist.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "ordo/stats.h"

/* Relative tolerance: 1e-10 everywhere double precision allows it. */
#define TOL 1e-10
#ifndef FX_PRINT_MAX
#define FX_PRINT_MAX 30
#endif

static double eval(const fx_case_t *c, int *known)
{
    double x = c->in[0], a = c->in[1], b = c->in[2];
    *known = 1;
    if (!strcmp(c->kind, "norm_cdf")) return ordo_norm_cdf(x);
    if (!strcmp(c->kind, "norm_sf")) return ordo_norm_sf(x);
    if (!strcmp(c->kind, "norm_ppf")) return ordo_norm_ppf(x);
    if (!strcmp(c->kind, "norm_isf")) return ordo_norm_isf(x);
    if (!strcmp(c->kind, "t_pdf")) return ordo_t_pdf(x, a);
    if (!strcmp(c->kind, "t_cdf")) return ordo_t_cdf(x, a);
    if (!strcmp(c->kind, "t_sf")) return ordo_t_sf(x, a);
    if (!strcmp(c->kind, "t_ppf")) return ordo_t_ppf(x, a);
    if (!strcmp(c->kind, "t_isf")) return ordo_t_isf(x, a);
    if (!strcmp(c->kind, "chi2_cdf")) return ordo_chi2_cdf(x, a);
    if (!strcmp(c->kind, "chi2_sf")) return ordo_chi2_sf(x, a);
    if (!strcmp(c->kind, "chi2_ppf")) return ordo_chi2_ppf(x, a);
    if (!strcmp(c->kind, "chi2_isf")) return ordo_chi2_isf(x, a);
    if (!strcmp(c->kind, "nct_cdf")) return ordo_nct_cdf(x, a, b);
    if (!strcmp(c->kind, "nct_sf")) return ordo_nct_sf(x, a, b);
    *known = 0;
    return NAN;
}

static void test_dist_fixture(void **state)
{
    (void)state;
    fx_file_t fx;
    assert_true(fx_open(&fx, "dist.txt"));
    fx_case_t c;
    int rc, n = 0, fails = 0;
    double worst = 0.0;
    int worst_line = 0;
    while ((rc = fx_next(&fx, &c)) == 1) {
        int known;
        double got = eval(&c, &known);
        assert_true(known);
        assert_int_equal(c.n_out, 1);
        /* values near 0 (a quantile of 1e-8) are compared on an absolute
         * floor of 1e-300 only: relative precision is demanded. */
        /* The noncentral t's tails on the side where its series alternates
         * (ncp < 0 upper tail, ncp > 0 lower tail) keep 1e-15 absolute, not
         * relative, precision: compared on a floor of 1e-5. Power uses only
         * the other side, which is relatively accurate. */
        double floor = !strncmp(c.kind, "nct_", 4) ? 1e-5 : 1e-300;
        double e = fx_relerr(got, c.out[0], floor);
        if (e > worst) {
            worst = e;
            worst_line = c.line;
        }
        if (!(e <= TOL)) {
            if (fails < FX_PRINT_MAX)
                fprintf(stderr, "dist.txt:%d %s(%.17g, %.17g, %.17g) = %.17g, want %.17g (rel %.3g)\n",
                        c.line, c.kind, c.in[0], c.in[1], c.in[2], got, c.out[0], e);
            fails++;
        }
        n++;
    }
    assert_int_equal(rc, 0);
    fx_close(&fx);
    fprintf(stderr, "dist: %d points, worst relative error %.3g (line %d), %d above %.0e\n", n,
            worst, worst_line, fails, TOL);
    assert_true(n > 1000);
    assert_int_equal(fails, 0);
}

static void test_dist_identities(void **state)
{
    (void)state;
    /* symmetry and round trips away from the fixture grid */
    for (double p = 1e-15; p < 0.5; p *= 3.7) {
        for (double df = 0.7; df < 1e7; df *= 5.3) {
            double t = ordo_t_ppf(p, df);
            assert_true(fabs(ordo_t_cdf(t, df) - p) <= 1e-11 * p);
            assert_true(ordo_t_isf(p, df) == -t);
        }
        double z = ordo_norm_ppf(p);
        assert_true(fabs(ordo_norm_cdf(z) - p) <= 1e-12 * p);
        for (double k = 0.3; k < 1e6; k *= 4.1) {
            double x = ordo_chi2_isf(p, k);
            assert_true(fabs(ordo_chi2_sf(x, k) - p) <= 1e-11 * p);
        }
    }
    /* limits and invalid input */
    assert_true(ordo_norm_ppf(0.0) == -INFINITY);
    assert_true(ordo_norm_ppf(1.0) == INFINITY);
    assert_true(isnan(ordo_norm_ppf(1.5)));
    assert_true(isnan(ordo_t_cdf(1.0, 0.0)));
    assert_true(isnan(ordo_chi2_cdf(1.0, -1.0)));
    assert_true(ordo_t_cdf(INFINITY, 3.0) == 1.0);
    assert_true(ordo_t_sf(-INFINITY, 3.0) == 1.0);
    assert_true(ordo_t_cdf(1.5, INFINITY) == ordo_norm_cdf(1.5));
    assert_true(ordo_chi2_cdf(0.0, 3.0) == 0.0);
    assert_true(ordo_chi2_sf(0.0, 3.0) == 1.0);
    /* nct with ncp 0 is the central t */
    assert_true(fabs(ordo_nct_sf(2.1, 13.0, 0.0) - ordo_t_sf(2.1, 13.0)) < 1e-14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dist_fixture),
        cmocka_unit_test(test_dist_identities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
