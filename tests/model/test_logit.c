/* SPDX-License-Identifier: Apache-2.0 */
/* ordo_logit_fit against scipy (trust-exact on the same objective; fixture
 * tests/fixtures/model/logit.txt), its convergence report, and bad input. */
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

typedef struct logit_case {
    char name[32];
    ordo_logit_rows_t rows;
    ordo_logit_opts_t opts;
    size_t *row_start;
    uint32_t *col;
    double *val, *y, *w;
    double want[64];
    double want_obj, want_ll;
} logit_case_t;

static void case_free(logit_case_t *c)
{
    free(c->row_start);
    free(c->col);
    free(c->val);
    free(c->y);
    free(c->w);
}

static void read_rows(fit_fx_t *fx, logit_case_t *c, size_t n, size_t cap)
{
    size_t k = 0;
    c->row_start[0] = 0;
    for (size_t i = 0; i < n; i++) {
        fit_fx_expect(fx, "r");
        c->y[i] = fit_fx_num(fx);
        c->w[i] = fit_fx_num(fx);
        size_t nnz = (size_t)fit_fx_num(fx);
        for (size_t e = 0; e < nnz; e++, k++) {
            assert_true(k < cap);
            c->col[k] = (uint32_t)fit_fx_num(fx);
            c->val[k] = fit_fx_num(fx);
        }
        c->row_start[i + 1] = k;
    }
}

/* 1 and *c filled, 0 at the end of the file. */
static int read_case(fit_fx_t *fx, logit_case_t *c)
{
    memset(c, 0, sizeof *c);
    if (!fit_fx_case(fx, c->name, sizeof c->name))
        return 0;
    size_t n = (size_t)fit_fx_num(fx), d = (size_t)fit_fx_num(fx);
    c->opts.l2 = fit_fx_num(fx);
    c->opts.standardize = (int)fit_fx_num(fx);
    int onehot = (int)fit_fx_num(fx);
    size_t cap = n * (d + 1);
    c->row_start = calloc(n + 1, sizeof *c->row_start);
    c->col = calloc(cap, sizeof *c->col);
    c->val = calloc(cap, sizeof *c->val);
    c->y = calloc(n, sizeof *c->y);
    c->w = calloc(n, sizeof *c->w);
    read_rows(fx, c, n, cap);
    fit_fx_expect(fx, "fit");
    for (size_t j = 0; j <= d; j++)
        c->want[j] = fit_fx_num(fx);
    fit_fx_expect(fx, "obj");
    c->want_obj = fit_fx_num(fx);
    c->want_ll = fit_fx_num(fx);
    fit_fx_expect(fx, "end");
    c->rows = (ordo_logit_rows_t){.n_rows = n, .n_features = d, .row_start = c->row_start,
                                  .col = c->col, .val = onehot ? NULL : c->val, .y = c->y,
                                  .weight = c->w};
    return 1;
}

static void test_against_scipy(void **state)
{
    (void)state;
    fit_fx_t fx;
    assert_true(fit_fx_open(&fx, "logit.txt"));
    logit_case_t c;
    int cases = 0;
    while (read_case(&fx, &c)) {
        double b0, coef[64];
        ordo_logit_report_t rep;
        ordo_error_t err;
        int rc = ordo_logit_fit(&c.rows, &c.opts, &b0, coef, &rep, &err);
        printf("%-10s rc=%d iter=%d halvings=%d converged=%d obj=%.12g (want %.12g) "
               "grad=%.2e\n", c.name, rc, rep.iterations, rep.halvings, rep.converged,
               rep.objective, c.want_obj, rep.grad_max);
        double worst = fabs(b0 - c.want[0]) / fmax(1.0, fabs(c.want[0]));
        for (size_t j = 0; j < c.rows.n_features; j++)
            worst = fmax(worst, fabs(coef[j] - c.want[1 + j]) / fmax(1e-3, fabs(c.want[1 + j])));
        printf("%-10s max relative coefficient difference from scipy %.2e\n", c.name, worst);
        if (rc != ORDO_OK || !rep.converged)
            fail_msg("%s: rc %d, converged %d", c.name, rc, rep.converged);
        assert_true(fit_close_to(b0, c.want[0], 1e-6, 1e-7));
        for (size_t j = 0; j < c.rows.n_features; j++) {
            if (!fit_close_to(coef[j], c.want[1 + j], 1e-6, 1e-9)) {
                case_free(&c);
                fail_msg("%s coef[%zu] = %.15g, scipy %.15g", c.name, j, coef[j],
                         c.want[1 + j]);
            }
        }
        assert_true(fit_close_to(rep.objective, c.want_obj, 1e-10, 0));
        assert_true(fit_close_to(rep.log_loss, c.want_ll, 1e-10, 0));
        case_free(&c);
        cases++;
    }
    fclose(fx.f);
    assert_int_equal(cases, 6);
}

/* Prediction is the sigmoid of the linear score, one-hot rows included. */
static void test_predict(void **state)
{
    (void)state;
    double coef[3] = {0.5, -1.0, 2.0};
    uint32_t col[2] = {0, 2};
    double val[2] = {2.0, 0.25};
    double p = ordo_logit_prob(-0.5, coef, col, val, 2);
    assert_true(fabs(p - 1.0 / (1.0 + exp(-(-0.5 + 1.0 + 0.5)))) < 1e-15);
    p = ordo_logit_prob(-0.5, coef, col, NULL, 2);
    assert_true(fabs(p - 1.0 / (1.0 + exp(-(-0.5 + 0.5 + 2.0)))) < 1e-15);
    assert_true(ordo_logit_prob(-1000, coef, col, NULL, 0) >= 0);
}

static void test_bad_input(void **state)
{
    (void)state;
    size_t rs[3] = {0, 1, 2};
    uint32_t col[2] = {0, 3};
    double y[2] = {0, 1}, w[2] = {1, -1};
    ordo_logit_rows_t rows = {.n_rows = 2, .n_features = 2, .row_start = rs, .col = col,
                              .y = y};
    ordo_logit_opts_t opts = {.l2 = 1};
    double b0, coef[4];
    ordo_error_t err;
    assert_int_equal(ordo_logit_fit(&rows, &opts, &b0, coef, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "rows.col");
    col[1] = 1;
    y[1] = 2;
    assert_int_equal(ordo_logit_fit(&rows, &opts, &b0, coef, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "rows.y");
    y[1] = 1;
    rows.weight = w;
    assert_int_equal(ordo_logit_fit(&rows, &opts, &b0, coef, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "rows.weight");
    rows.weight = NULL;
    opts.l2 = -1;
    assert_int_equal(ordo_logit_fit(&rows, &opts, &b0, coef, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "opts.l2");
    opts.l2 = 1;
    assert_int_equal(ordo_logit_fit(&rows, &opts, &b0, coef, NULL, &err), ORDO_OK);
}

/* Separable data without a penalty has no optimum: the fit must stop at
 * max_iter and say it did not converge, not loop or crash. */
static void test_separable_unpenalised(void **state)
{
    (void)state;
    size_t rs[5] = {0, 1, 2, 3, 4};
    uint32_t col[4] = {0, 0, 0, 0};
    double val[4] = {-2, -1, 1, 2}, y[4] = {0, 0, 1, 1};
    ordo_logit_rows_t rows = {.n_rows = 4, .n_features = 1, .row_start = rs, .col = col,
                              .val = val, .y = y};
    ordo_logit_opts_t opts = {.l2 = 0, .max_iter = 30};
    double b0, coef[1];
    ordo_logit_report_t rep;
    assert_int_equal(ordo_logit_fit(&rows, &opts, &b0, coef, &rep, NULL), ORDO_OK);
    assert_false(rep.converged);
    assert_true(coef[0] > 5);
    assert_true(rep.log_loss < 1e-3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_scipy),
        cmocka_unit_test(test_predict),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_separable_unpenalised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
