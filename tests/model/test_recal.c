/* SPDX-License-Identifier: Apache-2.0 */
/* ordo_eta_isotonic against the max-min formula of isotonic regression
 * (tools/fixtures/make_recal_fixtures.py, tests/fixtures/model/recal.txt),
 * and the map's bounds: monotone, at most ORDO_ETA_RECAL_MAX blocks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fit_fixture.h"
#include "ordo/model.h"

static void test_fixture(void **state)
{
    (void)state;
    fit_fx_t fx;
    assert_true(fit_fx_open(&fx, "recal.txt"));
    char w[64];
    int cases = 0;
    while (fit_fx_word(&fx, w, sizeof w)) {
        assert_string_equal(w, "case");
        size_t n = (size_t)fit_fx_num(&fx);
        double *p = malloc(n * sizeof *p), *y = malloc(n * sizeof *y);
        for (size_t i = 0; i < n; i++) {
            p[i] = fit_fx_num(&fx);
            y[i] = fit_fx_num(&fx);
        }
        fit_fx_expect(&fx, "=>");
        size_t m = (size_t)fit_fx_num(&fx);
        ordo_eta_recal_t r;
        assert_int_equal(ordo_eta_isotonic(p, y, n, &r), ORDO_OK);
        for (size_t k = 0; k < m; k++) {
            double pk = fit_fx_num(&fx), want = fit_fx_num(&fx);
            double got = ordo_eta_recal_apply(&r, pk);
            if (fabs(got - want) > 1e-12)
                fail_msg("case %d, p %.17g: %.17g, want %.17g", cases, pk, got, want);
        }
        free(p);
        free(y);
        cases++;
    }
    fclose(fx.f);
    assert_true(cases >= 30);
}

/* Many increasing steps: merged into at most ORDO_ETA_RECAL_MAX blocks, still
 * monotone, each a mean of the y it covers; the identity without blocks. */
static void test_merge_and_identity(void **state)
{
    (void)state;
    enum { N = 5000 };
    static double p[N], y[N];
    for (int i = 0; i < N; i++) {
        p[i] = (double)i / N;
        y[i] = (i % 100) < i / 50 ? 1 : 0; /* rate rising with p */
    }
    ordo_eta_recal_t r;
    assert_int_equal(ordo_eta_isotonic(p, y, N, &r), ORDO_OK);
    assert_true(r.n >= 2 && r.n <= ORDO_ETA_RECAL_MAX);
    for (uint32_t i = 1; i < r.n; i++) {
        assert_true(r.q[i] >= r.q[i - 1]);
        assert_true(r.p_hi[i] > r.p_hi[i - 1]);
    }
    assert_true(ordo_eta_recal_apply(&r, 0) >= 0 && ordo_eta_recal_apply(&r, 1) <= 1);
    ordo_eta_recal_t none = {0};
    assert_true(ordo_eta_recal_apply(&none, 0.37) == 0.37);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_merge_and_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
