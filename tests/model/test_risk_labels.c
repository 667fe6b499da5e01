/* SPDX-License-Identifier: Apache-2.0 */
/* Label maturity of the risk models: a run whose recent orders' returns
 * (and cancellations) are still pending when it is read learns the true
 * base rates with the rule, and a rate far too low without it; the windows
 * measured from the run's delays; a run with no mature return label
 * refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/model.h"
#include "ordo/util.h"

#define N_ORDERS 30000
#define DAYS 14
#define RETURN_RATE 0.11
#define CANCEL_RATE 0.05
#define DAY 86400

/* Orders over DAYS days, read at the end of the last: delivered 2-4 days
 * after the decision, returned (11%) 3-5 days after delivery, cancelled
 * (5%) within a day of the decision, else shipped 0.5-1.5 days after it.
 * Events after asof are not known yet. */
static void make_run(ordo_risk_run_t *run)
{
    memset(run, 0, sizeof *run);
    ordo_risk_name_index(&run->families, "apparel");
    ordo_risk_name_index(&run->services, "standard");
    run->o = calloc(N_ORDERS, sizeof *run->o);
    run->n = run->cap = N_ORDERS;
    run->t0 = 1788739200; /* a UTC midnight */
    run->days = DAYS;
    run->asof = run->t0 + DAYS * DAY;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 11);
    for (size_t i = 0; i < N_ORDERS; i++) {
        ordo_risk_order_t *o = &run->o[i];
        o->time = run->t0 + (int64_t)((double)i * DAYS * DAY / N_ORDERS);
        o->day = (int)((o->time - run->t0) / DAY);
        o->on_time_prob = 1 - 0.3 * ordo_rng_uniform(&rng);
        o->value = 20 + 100 * ordo_rng_uniform(&rng);
        o->miles = 50 + 1000 * ordo_rng_uniform(&rng);
        o->ship_hours = 24;
        o->promise_days = 3;
        o->atp_margin = 5;
        o->return_risk = RETURN_RATE;
        int cancel = ordo_rng_uniform(&rng) < CANCEL_RATE;
        int ret = ordo_rng_uniform(&rng) < RETURN_RATE;
        int64_t cancelled = o->time + (int64_t)(DAY * ordo_rng_uniform(&rng));
        int64_t shipped = o->time + (int64_t)(DAY * (0.5 + ordo_rng_uniform(&rng)));
        int64_t delivered = o->time + (int64_t)(DAY * (2 + 2 * ordo_rng_uniform(&rng)));
        int64_t returned = delivered + (int64_t)(DAY * (3 + 2 * ordo_rng_uniform(&rng)));
        if (cancel) {
            o->cancelled_at = cancelled <= run->asof ? cancelled : 0;
        } else {
            o->shipped_at = shipped <= run->asof ? shipped : 0;
            o->delivered_at = delivered <= run->asof ? delivered : 0;
            o->returned_at = ret && returned <= run->asof ? returned : 0;
        }
        o->cancelled = o->cancelled_at != 0;
        o->returned = o->returned_at != 0;
        o->has_outcome = o->shipped_at || o->cancelled_at;
    }
}

static void test_windows(void **state)
{
    (void)state;
    ordo_risk_run_t run;
    make_run(&run);
    assert_int_equal(ordo_risk_label_windows(&run), ORDO_OK);
    /* returns 3-5 days after delivery: the 95th percentile near 4.9 days */
    assert_true(run.return_window > 4.7 * DAY && run.return_window <= 5 * DAY);
    /* shipped 0.5-1.5 days or cancelled within a day of the decision */
    assert_true(run.cancel_window > 1.2 * DAY && run.cancel_window <= 1.5 * DAY);
    /* a window given is kept */
    run.return_window = 7 * DAY;
    assert_int_equal(ordo_risk_label_windows(&run), ORDO_OK);
    assert_true(run.return_window == 7 * DAY);
    ordo_risk_order_t o = {.time = run.asof - 2 * DAY, .delivered_at = run.asof - 8 * DAY};
    assert_true(ordo_risk_label_mature(&run, &o, ORDO_RISK_RETURN));
    assert_true(ordo_risk_label_mature(&run, &o, ORDO_RISK_CANCEL));
    o.delivered_at = run.asof - 6 * DAY;
    o.time = run.asof - DAY;
    assert_false(ordo_risk_label_mature(&run, &o, ORDO_RISK_RETURN));
    assert_false(ordo_risk_label_mature(&run, &o, ORDO_RISK_CANCEL));
    o.delivered_at = 0; /* not delivered yet */
    assert_false(ordo_risk_label_mature(&run, &o, ORDO_RISK_RETURN));
    ordo_risk_run_free(&run);
}

static void test_base_rate(void **state)
{
    (void)state;
    ordo_risk_run_t run;
    make_run(&run);
    assert_int_equal(ordo_risk_label_windows(&run), ORDO_OK);
    ordo_risk_model_t *m;
    assert_int_equal(ordo_risk_train(&run, 0, 1, &m, NULL), ORDO_OK);
    print_message("mature: return rate %.4f on %llu rows (%llu immature), cancel %.4f\n",
                  m->ret.rate, (unsigned long long)m->ret.n,
                  (unsigned long long)m->info.immature[0], m->cancel.rate);
    assert_true(fabs(m->ret.rate - RETURN_RATE) < 0.01);
    assert_true(fabs(m->cancel.rate - CANCEL_RATE) < 0.01);
    assert_true(m->info.immature[0] > 0 && m->info.immature[1] > 0);
    assert_true(m->ret.n + m->info.immature[0] < N_ORDERS);
    /* the model's probability at the training means is near the rate too */
    double eta = m->ret.intercept;
    for (uint32_t j = 0; j < m->ret.n_coef; j++)
        eta += m->ret.coef[j] * m->ret.mean[j];
    assert_true(fabs(1 / (1 + exp(-eta)) - RETURN_RATE) < 0.015);
    ordo_risk_model_destroy(m);
    /* without the rule (every label taken as final) the pending returns
     * count as kept: the rate is far too low */
    run.asof = 0;
    assert_int_equal(ordo_risk_train(&run, 0, 1, &m, NULL), ORDO_OK);
    print_message("every label: return rate %.4f, cancel %.4f\n", m->ret.rate, m->cancel.rate);
    assert_true(RETURN_RATE - m->ret.rate > 0.02);
    ordo_risk_model_destroy(m);
    ordo_risk_run_free(&run);
}

static void test_refused(void **state)
{
    (void)state;
    ordo_risk_run_t run;
    make_run(&run);
    assert_int_equal(ordo_risk_label_windows(&run), ORDO_OK);
    /* read three days in: no order delivered five days before */
    run.asof = run.t0 + 3 * DAY;
    for (size_t i = 0; i < run.n; i++)
        if (run.o[i].delivered_at > run.asof)
            run.o[i].delivered_at = 0;
    ordo_risk_model_t *m = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_risk_train(&run, 0, 1, &m, &err), ORDO_EINVAL);
    assert_null(m);
    assert_string_equal(err.field, "return_window");
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "no mature return label"));
    ordo_risk_run_free(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_base_rate),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
