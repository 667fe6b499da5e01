/* SPDX-License-Identifier: Apache-2.0 */
/* The return and cancellation risk models: the design matrix of a run's
 * orders, the fit recovering known effects, the customer history's column,
 * held-out scores against the base rate, and versioned files (round trip,
 * content hash, risk-vN beside eta-vN). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/model.h"
#include "ordo/util.h"

#define N_ORDERS 20000

/* A run whose returns depend on the family, lateness and the customer's
 * history, and whose cancellations on lateness. */
static void make_run(ordo_risk_run_t *run)
{
    memset(run, 0, sizeof *run);
    ordo_risk_name_index(&run->families, "apparel");
    ordo_risk_name_index(&run->families, "books");
    ordo_risk_name_index(&run->services, "standard");
    ordo_risk_name_index(&run->services, "express");
    run->o = calloc(N_ORDERS, sizeof *run->o);
    run->n = run->cap = N_ORDERS;
    run->t0 = 1788739200; /* a UTC midnight */
    run->days = 20;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 5);
    for (size_t i = 0; i < N_ORDERS; i++) {
        ordo_risk_order_t *o = &run->o[i];
        o->day = (int)(i * 20 / N_ORDERS);
        o->time = run->t0 + o->day * 86400 + 60;
        o->family = (int)ordo_rng_below(&rng, 2);
        o->service = (int)ordo_rng_below(&rng, 2);
        o->on_time_prob = 1 - 0.5 * ordo_rng_uniform(&rng);
        o->value = 20 + 100 * ordo_rng_uniform(&rng);
        o->miles = 50 + 1000 * ordo_rng_uniform(&rng);
        o->ship_hours = ordo_rng_uniform(&rng) < 0.1 ? NAN : 10 + 30 * ordo_rng_uniform(&rng);
        o->promise_days = 2 + (double)ordo_rng_below(&rng, 4);
        o->atp_margin = (double)ordo_rng_below(&rng, 20);
        o->cust_orders = (double)ordo_rng_below(&rng, 4);
        o->cust_returns = o->cust_orders > 0 && ordo_rng_uniform(&rng) < 0.3 ? o->cust_orders : 0;
        o->has_outcome = 1;
        double late = 1 - o->on_time_prob, rate = o->cust_returns / (o->cust_orders + 2);
        double eta_c = -4 + 6 * late;
        o->cancelled = ordo_rng_uniform(&rng) < 1 / (1 + exp(-eta_c));
        double eta_r = -2.5 + (o->family == 0 ? 1.2 : 0) + 2 * late + 1.5 * rate;
        o->returned = !o->cancelled && ordo_rng_uniform(&rng) < 1 / (1 + exp(-eta_r));
        o->return_risk = 0.1;
        o->late_days = 0;
    }
}

static void test_design(void **state)
{
    (void)state;
    ordo_risk_run_t run;
    make_run(&run);
    run.o[0].cancelled = 0;
    run.o[0].cust_orders = 0;
    run.o[0].cust_returns = 0;
    ordo_risk_design_t x;
    assert_int_equal(ordo_risk_design_build(&run, ORDO_RISK_RETURN, NULL, 2, NULL, 2, &x), ORDO_OK);
    assert_int_equal(x.d, 2 + ORDO_RISK_RETURN_NUM + 2);
    /* a new customer: no history column; family, 4 numbers, service */
    assert_int_equal(x.rs[1] - x.rs[0], 6);
    assert_int_equal(x.col[0], (uint32_t)run.o[0].family);
    assert_int_equal(x.col[x.rs[1] - 1], 2 + ORDO_RISK_RETURN_NUM + (uint32_t)run.o[0].service);
    size_t returns = 0;
    for (size_t i = 0; i < N_ORDERS; i++)
        returns += !run.o[i].cancelled;
    assert_int_equal(x.n, returns); /* a cancelled order cannot be returned */
    ordo_risk_design_free(&x);
    /* a family the model does not know has no column */
    int fam_map[2] = {-1, 0}, svc_map[2] = {0, 1};
    assert_int_equal(ordo_risk_design_build(&run, ORDO_RISK_RETURN, fam_map, 1, svc_map, 2, &x),
                     ORDO_OK);
    assert_int_equal(x.d, 1 + ORDO_RISK_RETURN_NUM + 2);
    ordo_risk_design_free(&x);
    assert_int_equal(ordo_risk_design_build(&run, ORDO_RISK_CANCEL, NULL, 2, NULL, 2, &x), ORDO_OK);
    assert_int_equal(x.n, N_ORDERS);
    assert_int_equal(x.d, ORDO_RISK_CANCEL_NUM + 2);
    assert_true(fabs(x.base[0] - ordo_risk_cancel_parametric(0)) < 1e-12);
    ordo_risk_design_free(&x);
    assert_true(fabs(ordo_risk_cancel_parametric(2) - 0.17) < 1e-12);
    assert_true(fabs(ordo_risk_cancel_parametric(100) - 0.5) < 1e-12);
    ordo_risk_run_free(&run);
}

static void test_train_eval(void **state)
{
    (void)state;
    ordo_risk_run_t run;
    make_run(&run);
    ordo_risk_model_t *m;
    int64_t until = run.t0 + 14 * 86400;
    assert_int_equal(ordo_risk_train(&run, until, 1, &m, NULL), ORDO_OK);
    if (!m->ret.converged || !m->cancel.converged)
        print_message("iterations %d %d\n", m->ret.iterations, m->cancel.iterations);
    assert_true(m->ret.converged && m->cancel.converged);
    assert_true(m->ret.n > 0 && m->ret.n < N_ORDERS);
    /* the effects come back: apparel over books, lateness, history */
    assert_true(m->ret.coef[0] - m->ret.coef[1] > 0.9 && m->ret.coef[0] - m->ret.coef[1] < 1.5);
    assert_true(m->ret.coef[2 + 1] > 1.4 && m->ret.coef[2 + 1] < 2.6);
    assert_true(m->ret.coef[2 + 4] > 0.8 && m->ret.coef[2 + 4] < 2.2);
    assert_true(m->cancel.coef[0] > 5 && m->cancel.coef[0] < 7);
    char name[64];
    ordo_risk_feature_name(m, ORDO_RISK_RETURN, 0, name, sizeof name);
    assert_string_equal(name, "family:apparel");
    ordo_risk_feature_name(m, ORDO_RISK_RETURN, 2 + 4, name, sizeof name);
    assert_string_equal(name, "customer_return_rate");
    ordo_risk_feature_name(m, ORDO_RISK_CANCEL, ORDO_RISK_CANCEL_NUM + 1, name, sizeof name);
    assert_string_equal(name, "service:express");
    ordo_risk_eval_t ev;
    assert_int_equal(ordo_risk_evaluate(m, &run, 0, &ev, NULL), ORDO_OK);
    assert_int_equal(ev.from, until);
    assert_true(ev.n[0] > 0 && ev.n[1] == N_ORDERS * 6 / 20);
    for (int t = 0; t < 2; t++) {
        assert_true(ev.learned[t].auc > 0.6);
        assert_true(fabs(ev.base_rate[t].auc - 0.5) < 1e-12);
        assert_true(ev.learned[t].brier < ev.base_rate[t].brier);
        assert_true(ev.has_parametric[t]);
    }
    /* nothing after the end: not found */
    assert_int_equal(ordo_risk_evaluate(m, &run, run.t0 + 30 * 86400, &ev, NULL), ORDO_ENOTFOUND);
    ordo_risk_model_destroy(m);
    ordo_risk_run_free(&run);
}

/* The history terms' minimum support: a term with too few rows, or too
 * few of them returned, keeps coefficient 0 and says why (also after a
 * round trip through the file); lower thresholds fit it. */
static void test_history_support(void **state)
{
    (void)state;
    ordo_risk_run_t run;
    make_run(&run);
    uint64_t with = 0;
    for (size_t i = 0; i < N_ORDERS; i++) {
        ordo_risk_order_t *o = &run.o[i];
        o->cust_returns = i % 250 == 0 && o->cust_orders > 0 ? o->cust_orders : 0;
        with += o->cust_returns > 0 && !o->cancelled;
    }
    ordo_risk_model_t *m, *r;
    char why[64];
    assert_int_equal(ordo_risk_train(&run, 0, 1, &m, NULL), ORDO_OK);
    assert_true(with > 10 && with < ORDO_RISK_HIST_MIN_ROWS);
    assert_int_equal(m->ret.hist_rows[0], with);
    assert_true(m->ret.hist_off[0] && !m->ret.hist_off[1]);
    assert_true(m->ret.coef[2 + 4] == 0 && m->ret.coef[2 + 5] != 0);
    assert_true(ordo_risk_history_off(m, 0, why, sizeof why));
    char want[64];
    snprintf(want, sizeof want, "support %llu < 100", (unsigned long long)with);
    assert_string_equal(why, want);
    assert_false(ordo_risk_history_off(m, 1, why, sizeof why));
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    assert_int_equal(ordo_risk_model_write(m, &b), ORDO_OK);
    assert_non_null(strstr(b.data, want));
    assert_int_equal(ordo_risk_model_parse(b.data, b.len, "x.json", &r, NULL), ORDO_OK);
    assert_true(r->ret.hist_off[0] && !r->ret.hist_off[1]);
    assert_true(ordo_risk_history_off(r, 0, why, sizeof why));
    assert_string_equal(why, want);
    ordo_risk_model_destroy(r);
    ordo_buf_free(&b);
    ordo_risk_model_destroy(m);
    /* enough rows, none returned again */
    ordo_risk_support_t sup = {10, 0};
    for (size_t i = 0; i < N_ORDERS; i++)
        if (run.o[i].cust_returns > 0)
            run.o[i].returned = 0;
    assert_int_equal(ordo_risk_train_support(&run, 0, 1, &sup, &m, NULL), ORDO_OK);
    assert_true(ordo_risk_history_off(m, 0, why, sizeof why));
    assert_string_equal(why, "returned 0 < 10");
    assert_true(m->ret.coef[2 + 4] == 0);
    ordo_risk_model_destroy(m);
    /* thresholds the data meets: fitted */
    sup.min_returned = 1;
    run.o[0].returned = 1, run.o[0].cancelled = 0, run.o[0].cust_orders = 2,
    run.o[0].cust_returns = 2;
    assert_int_equal(ordo_risk_train_support(&run, 0, 1, &sup, &m, NULL), ORDO_OK);
    assert_false(m->ret.hist_off[0]);
    assert_true(m->ret.coef[2 + 4] != 0);
    ordo_risk_model_destroy(m);
    ordo_risk_run_free(&run);
}

static void test_files(void **state)
{
    (void)state;
    ordo_risk_run_t run;
    make_run(&run);
    ordo_risk_model_t *m, *r;
    assert_int_equal(ordo_risk_train(&run, 0, 1, &m, NULL), ORDO_OK);
    char dir[] = "/tmp/ordo-test-risk-XXXXXX", path[4096], latest[4096], eta[4200];
    assert_non_null(mkdtemp(dir));
    snprintf(eta, sizeof eta, "%s/eta-v7.json", dir);
    FILE *f = fopen(eta, "w");
    fputs("{}", f);
    fclose(f);
    assert_int_equal(ordo_risk_model_latest(dir, path, sizeof path, NULL), ORDO_ENOENT);
    assert_int_equal(ordo_risk_model_save(m, dir, path, sizeof path, NULL), ORDO_OK);
    assert_string_equal(m->info.version, "risk-v1"); /* eta-v7 is another kind */
    assert_int_equal(ordo_risk_model_save(m, dir, path, sizeof path, NULL), ORDO_OK);
    assert_string_equal(m->info.version, "risk-v2");
    assert_int_equal(ordo_risk_model_latest(dir, latest, sizeof latest, NULL), ORDO_OK);
    assert_string_equal(latest, path);
    assert_int_equal(ordo_risk_model_load(path, &r, NULL), ORDO_OK);
    assert_string_equal(r->info.hash, m->info.hash);
    assert_string_equal(r->info.version, "risk-v2");
    assert_int_equal(r->ret.n_coef, m->ret.n_coef);
    for (uint32_t j = 0; j < m->ret.n_coef; j++)
        assert_true(r->ret.coef[j] == m->ret.coef[j]);
    assert_true(r->cancel.intercept == m->cancel.intercept);
    ordo_risk_model_destroy(r);
    /* a changed coefficient breaks the hash */
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    m->ret.coef[0] += 0.5;
    assert_int_equal(ordo_risk_model_write(m, &b), ORDO_OK);
    ordo_error_t err;
    assert_int_equal(ordo_risk_model_parse(b.data, b.len, "x.json", &r, &err), ORDO_ECORRUPT);
    assert_string_equal(err.field, "hash");
    ordo_buf_free(&b);
    assert_int_equal(ordo_risk_model_parse("{\"format\":\"ordo-eta\"}", 21, "y.json", &r, &err),
                     ORDO_EPARSE);
    ordo_risk_model_destroy(m);
    ordo_risk_run_free(&run);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_design),
        cmocka_unit_test(test_train_eval),
        cmocka_unit_test(test_history_support),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
