/* SPDX-License-Identifier: Apache-2.0 */
/* Holt–Winters against statsmodels ExponentialSmoothing (fixture
 * tests/fixtures/model/hw.txt): the recursions with fixed parameters to
 * 1e-9, the fitted SSE against scipy's best over statsmodels' recursions
 * (state held) and statsmodels' own fit (state estimated), MASE. */
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

#define HW_MAX 512

typedef struct hw_case {
    char name[32];
    size_t n, h;
    ordo_hw_model_t md;
    double y[HW_MAX], fitted[HW_MAX], forecast[64];
    double sse, best, estimated, mase_naive, mase_fixed;
} hw_case_t;

static int read_case(fit_fx_t *fx, hw_case_t *c)
{
    memset(c, 0, sizeof *c);
    if (!fit_fx_case(fx, c->name, sizeof c->name))
        return 0;
    c->n = (size_t)fit_fx_num(fx);
    c->md.period = (int)fit_fx_num(fx);
    c->md.trend = (int)fit_fx_num(fx);
    c->md.season = (int)fit_fx_num(fx) ? ORDO_HW_MULTIPLICATIVE : ORDO_HW_ADDITIVE;
    c->h = (size_t)fit_fx_num(fx);
    assert_true(c->n + c->h <= HW_MAX && c->h <= 64);
    fit_fx_vec(fx, "y", c->y, c->n + c->h);
    fit_fx_expect(fx, "init");
    c->md.level0 = fit_fx_num(fx);
    c->md.trend0 = fit_fx_num(fx);
    for (int k = 0; k < c->md.period; k++)
        c->md.season0[k] = fit_fx_num(fx);
    fit_fx_expect(fx, "fixed");
    c->md.alpha = fit_fx_num(fx);
    c->md.beta = fit_fx_num(fx);
    c->md.gamma = fit_fx_num(fx);
    fit_fx_vec(fx, "fitted", c->fitted, c->n);
    fit_fx_vec(fx, "forecast", c->forecast, c->h);
    fit_fx_vec(fx, "sse", &c->sse, 1);
    fit_fx_vec(fx, "best", &c->best, 1);
    fit_fx_vec(fx, "estimated", &c->estimated, 1);
    fit_fx_expect(fx, "mase");
    c->mase_naive = fit_fx_num(fx);
    c->mase_fixed = fit_fx_num(fx);
    fit_fx_expect(fx, "end");
    return 1;
}

static void check_recursions(const hw_case_t *c)
{
    ordo_hw_model_t init = c->md;
    assert_int_equal(ordo_hw_init_state(&init, c->y, c->n, NULL), ORDO_OK);
    assert_true(fit_close_to(init.level0, c->md.level0, 1e-13, 1e-13));
    assert_true(fit_close_to(init.trend0, c->md.trend0, 1e-13, 1e-13));
    for (int k = 0; k < c->md.period; k++)
        assert_true(fit_close_to(init.season0[k], c->md.season0[k], 1e-13, 1e-13));
    double fitted[HW_MAX], forecast[64], sse;
    assert_int_equal(ordo_hw_run(&c->md, c->y, c->n, fitted, &sse, forecast, c->h, NULL),
                     ORDO_OK);
    double worst = 0;
    for (size_t t = 0; t < c->n; t++)
        worst = fmax(worst, fabs(fitted[t] - c->fitted[t]));
    for (size_t k = 0; k < c->h; k++)
        worst = fmax(worst, fabs(forecast[k] - c->forecast[k]));
    printf("%-9s fixed: max |ordo - statsmodels| %.2e, sse %.10g (statsmodels %.10g)\n",
           c->name, worst, sse, c->sse);
    assert_true(worst < 1e-9);
    assert_true(fit_close_to(sse, c->sse, 1e-10, 0));
    double mase;
    assert_int_equal(ordo_mase(c->y, c->n, c->md.period, c->y + c->n, forecast, c->h, &mase,
                               NULL), ORDO_OK);
    assert_true(fit_close_to(mase, c->mase_fixed, 1e-12, 0));
    double naive[64];
    assert_int_equal(ordo_seasonal_naive(c->y, c->n, c->md.period, naive, c->h, NULL), ORDO_OK);
    assert_int_equal(ordo_mase(c->y, c->n, c->md.period, c->y + c->n, naive, c->h, &mase,
                               NULL), ORDO_OK);
    assert_true(fit_close_to(mase, c->mase_naive, 1e-12, 0));
}

static void check_fits(const hw_case_t *c)
{
    ordo_hw_model_t md = c->md;
    ordo_hw_fit_report_t rep;
    assert_int_equal(ordo_hw_fit(&md, c->y, c->n, ORDO_HW_HOLD_STATE, &rep, NULL), ORDO_OK);
    printf("%-9s held state: sse %.10g (scipy over statsmodels %.10g) a=%.4f b=%.4f g=%.4f, "
           "%d evaluations\n", c->name, rep.sse, c->best, md.alpha, md.beta, md.gamma,
           rep.evaluations);
    assert_true(rep.sse <= c->best * (1 + 1e-6));
    double sse;
    assert_int_equal(ordo_hw_run(&md, c->y, c->n, NULL, &sse, NULL, 0, NULL), ORDO_OK);
    assert_true(fit_close_to(sse, rep.sse, 1e-12, 0));
    md = c->md;
    assert_int_equal(ordo_hw_fit(&md, c->y, c->n, 0, &rep, NULL), ORDO_OK);
    double forecast[64], mase, naive[64], mase_naive;
    assert_int_equal(ordo_hw_run(&md, c->y, c->n, NULL, &sse, forecast, c->h, NULL), ORDO_OK);
    ordo_seasonal_naive(c->y, c->n, c->md.period, naive, c->h, NULL);
    ordo_mase(c->y, c->n, c->md.period, c->y + c->n, forecast, c->h, &mase, NULL);
    ordo_mase(c->y, c->n, c->md.period, c->y + c->n, naive, c->h, &mase_naive, NULL);
    printf("%-9s state fitted: sse %.10g (statsmodels estimated %.10g, ratio %.4f), %d LM "
           "iterations; MASE %.3f, seasonal naive %.3f\n", c->name, rep.sse, c->estimated,
           rep.sse / c->estimated, rep.lm_iterations, mase, mase_naive);
    assert_true(fit_close_to(sse, rep.sse, 1e-12, 0));
    assert_true(rep.sse <= c->estimated * 1.005);
}

static void test_against_statsmodels(void **state)
{
    (void)state;
    fit_fx_t fx;
    assert_true(fit_fx_open(&fx, "hw.txt"));
    static hw_case_t c;
    int cases = 0;
    while (read_case(&fx, &c)) {
        check_recursions(&c);
        check_fits(&c);
        cases++;
    }
    fclose(fx.f);
    assert_int_equal(cases, 4);
}

static void test_bad_input(void **state)
{
    (void)state;
    double y[21];
    for (int t = 0; t < 21; t++)
        y[t] = 10 + t % 7;
    ordo_hw_model_t md = {.period = 7, .season = ORDO_HW_MULTIPLICATIVE, .alpha = 0.5,
                          .gamma = 0.5};
    ordo_error_t err;
    assert_int_equal(ordo_hw_init_state(&md, y, 10, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "y");
    assert_int_equal(ordo_hw_init_state(&md, y, 21, &err), ORDO_OK);
    md.gamma = 1.5;
    assert_int_equal(ordo_hw_run(&md, y, 21, NULL, NULL, NULL, 0, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "model.gamma");
    md.gamma = 0.5;
    y[3] = 0;
    assert_int_equal(ordo_hw_run(&md, y, 21, NULL, NULL, NULL, 0, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "y");
    md.period = 1;
    assert_int_equal(ordo_hw_run(&md, y, 21, NULL, NULL, NULL, 0, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "model.period");
    double flat[14] = {0}, f[7], mase;
    assert_int_equal(ordo_mase(flat, 14, 7, flat, f, 7, &mase, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "train");
}

/* A growing level with a proportional weekly pattern: AICc must pick the
 * trend with the multiplicative season; zeros rule multiplicative out. */
static void test_auto(void **state)
{
    (void)state;
    static const double week[7] = {1.0, 1.1, 1.05, 1.0, 1.2, 1.5, 0.7};
    double y[70];
    for (int t = 0; t < 70; t++)
        y[t] = (50 + 2.0 * t) * week[t % 7] * (1 + 0.01 * sin(1.7 * t));
    ordo_hw_model_t md = {.period = 7};
    double ic;
    assert_int_equal(ordo_hw_fit_auto(&md, y, 70, &ic, NULL), ORDO_OK);
    printf("auto: trend %d, season %s, AICc %.3f\n", md.trend,
           md.season == ORDO_HW_MULTIPLICATIVE ? "mul" : "add", ic);
    assert_int_equal(md.trend, 1);
    assert_int_equal(md.season, ORDO_HW_MULTIPLICATIVE);
    y[5] = 0;
    md = (ordo_hw_model_t){.period = 7};
    assert_int_equal(ordo_hw_fit_auto(&md, y, 70, &ic, NULL), ORDO_OK);
    assert_int_equal(md.season, ORDO_HW_ADDITIVE);
    ordo_error_t err;
    md = (ordo_hw_model_t){.period = 7};
    assert_int_equal(ordo_hw_fit_auto(&md, y, 12, &ic, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "y");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_statsmodels),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_auto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
