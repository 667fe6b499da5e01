/* SPDX-License-Identifier: Apache-2.0 */
/* ordo_auc and ordo_calibration against numpy (brute-force pair counting
 * for the AUC; fixture tests/fixtures/model/scores.txt). */
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
#include "ordo/fit.h"

#define MAX_BINS 64

static void check_case(fit_fx_t *fx, const char *name)
{
    size_t n = (size_t)fit_fx_num(fx);
    int n_bins = (int)fit_fx_num(fx);
    assert_true(n_bins <= MAX_BINS);
    double *p = malloc(n * sizeof *p), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        fit_fx_expect(fx, "r");
        p[i] = fit_fx_num(fx);
        y[i] = fit_fx_num(fx);
    }
    fit_fx_expect(fx, "auc");
    double want_auc = fit_fx_num(fx), auc = -1;
    assert_int_equal(ordo_auc(p, y, n, &auc, NULL), ORDO_OK);
    printf("%-8s auc %.15f (numpy %.15f)\n", name, auc, want_auc);
    assert_true(fabs(auc - want_auc) < 1e-12);
    ordo_calib_bin_t bins[MAX_BINS];
    ordo_calib_summary_t sum;
    assert_int_equal(ordo_calibration(p, y, n, n_bins, bins, &sum, NULL), ORDO_OK);
    fit_fx_expect(fx, "bins");
    for (int b = 0; b < n_bins; b++) {
        assert_int_equal(bins[b].count, (size_t)fit_fx_num(fx));
        assert_true(fabs(bins[b].mean_pred - fit_fx_num(fx)) < 1e-12);
        assert_true(fabs(bins[b].obs_rate - fit_fx_num(fx)) < 1e-12);
    }
    fit_fx_expect(fx, "summary");
    double want[5];
    for (int k = 0; k < 5; k++)
        want[k] = fit_fx_num(fx);
    printf("%-8s brier %.12f (numpy %.12f) ece %.12f (numpy %.12f)\n", name, sum.brier, want[0],
           sum.ece, want[2]);
    assert_true(fabs(sum.brier - want[0]) < 1e-12);
    assert_true(fabs(sum.log_loss - want[1]) < 1e-12);
    assert_true(fabs(sum.ece - want[2]) < 1e-12);
    assert_true(fabs(sum.max_gap - want[3]) < 1e-12);
    assert_true(fabs(sum.base_rate - want[4]) < 1e-12);
    fit_fx_expect(fx, "end");
    free(p);
    free(y);
}

static void test_against_numpy(void **state)
{
    (void)state;
    fit_fx_t fx;
    assert_true(fit_fx_open(&fx, "scores.txt"));
    char name[32];
    int cases = 0;
    while (fit_fx_case(&fx, name, sizeof name)) {
        check_case(&fx, name);
        cases++;
    }
    fclose(fx.f);
    assert_int_equal(cases, 3);
}

static void test_edges(void **state)
{
    (void)state;
    double p[4] = {0.1, 0.4, 0.35, 0.8}, y[4] = {0, 0, 1, 1}, auc;
    assert_int_equal(ordo_auc(p, y, 4, &auc, NULL), ORDO_OK);
    assert_true(fabs(auc - 0.75) < 1e-15);
    double same[4] = {0.5, 0.5, 0.5, 0.5};
    assert_int_equal(ordo_auc(same, y, 4, &auc, NULL), ORDO_OK);
    assert_true(fabs(auc - 0.5) < 1e-15);
    double ones[4] = {1, 1, 1, 1};
    ordo_error_t err;
    assert_int_equal(ordo_auc(p, ones, 4, &auc, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "y");
    ordo_calib_bin_t bins[2];
    double bad[2] = {0.5, 1.5};
    assert_int_equal(ordo_calibration(bad, y, 2, 2, bins, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "p");
    assert_int_equal(ordo_calibration(p, y, 4, 0, bins, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "n_bins");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_numpy),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
