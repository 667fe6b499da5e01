/* SPDX-License-Identifier: Apache-2.0 */
/* The risk models' drift tables as outcomes arrive (model.h
 * ordo_risk_drift_observe): which labels count and when, returns waiting
 * for their return window, a return after a counted delivery moving the
 * order from 0 to 1 exactly, the alarm against the bound and minimum count,
 * and the state file round trip. */
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
#include "ordo/store.h"

#define DAY 86400

static ordo_outcome_summary_t outcome(int64_t delivered, int64_t returned, int64_t cancelled)
{
    ordo_outcome_summary_t s;
    memset(&s, 0, sizeof s);
    s.delivered_at = s.last_delivered_at = delivered;
    s.returned_at = returned;
    s.cancelled_at = cancelled;
    s.last_event_at = delivered > returned ? delivered : returned;
    if (cancelled > s.last_event_at)
        s.last_event_at = cancelled;
    return s;
}

static void assert_acc_equal(const ordo_calib_acc_t *a, const ordo_calib_acc_t *b)
{
    for (int i = 0; i < 10; i++) {
        assert_int_equal(a->n[i], b->n[i]);
        assert_true(fabs(a->sum_p[i] - b->sum_p[i]) < 1e-12);
        assert_true(fabs(a->sum_y[i] - b->sum_y[i]) < 1e-12);
    }
    assert_int_equal(a->total, b->total);
    assert_true(fabs(a->brier_sum - b->brier_sum) < 1e-12);
    assert_true(fabs(a->log_loss_sum - b->log_loss_sum) < 1e-9);
    assert_true(fabs(a->y_sum - b->y_sum) < 1e-12);
}

static void test_labels(void **state)
{
    (void)state;
    ordo_risk_drift_t d = {0};
    int64_t t0 = 1800000000;
    /* batch 1 (watermark 0): delivered and kept, delivered and returned,
     * cancelled, shipped only, and an order whose decision logged no P(cancel) */
    ordo_outcome_summary_t kept = outcome(t0, 0, 0), ret = outcome(t0, t0 + DAY, 0),
                           can = outcome(0, 0, t0), open = outcome(0, 0, 0);
    ordo_risk_drift_observe(&d, 0.2, 0.05, &kept, 0);
    ordo_risk_drift_observe(&d, 0.3, 0.05, &ret, 0);
    ordo_risk_drift_observe(&d, 0.1, 0.15, &can, 0);
    ordo_risk_drift_observe(&d, 0.1, 0.05, &open, 0);
    ordo_risk_drift_observe(&d, 0.1, NAN, &kept, 0);
    ordo_risk_drift_advance(&d, t0 + DAY);
    const ordo_calib_acc_t *r = &d.acc[ORDO_RISK_RETURN], *c = &d.acc[ORDO_RISK_CANCEL];
    /* returns wait in their delivery day's table: the window is open */
    assert_int_equal(r->total, 0);
    assert_int_equal(ordo_risk_drift_pending(&d), 3); /* kept, returned, the NAN-cancel one */
    assert_int_equal(d.watermark, t0 + DAY);
    assert_int_equal(c->total, 3); /* kept (0), returned (0), cancelled (1) */
    assert_true(fabs(c->y_sum - 1) < 1e-15);
    assert_int_equal(c->n[1], 1); /* 0.15 in the second decile */

    /* batch 2 (watermark t0 + DAY): the kept order is returned now; the
     * others come again unchanged and count nothing twice */
    ordo_risk_drift_t before = d;
    ordo_outcome_summary_t kept_ret = outcome(t0, t0 + 5 * DAY, 0);
    ordo_risk_drift_observe(&d, 0.2, 0.05, &kept_ret, t0 + DAY);
    ordo_risk_drift_observe(&d, 0.3, 0.05, &ret, t0 + DAY);
    ordo_risk_drift_observe(&d, 0.1, 0.15, &can, t0 + DAY);
    ordo_risk_drift_advance(&d, t0 + 5 * DAY);
    assert_acc_equal(c, &before.acc[ORDO_RISK_CANCEL]);
    assert_int_equal(r->total, 0);
    assert_int_equal(ordo_risk_drift_pending(&d), 3);
    /* the window closes: the day's deliveries join the return table */
    ordo_risk_drift_advance(&d, t0 + (ORDO_RISK_DRIFT_RETURN_DAYS + 1) * DAY);
    assert_int_equal(ordo_risk_drift_pending(&d), 0);
    assert_int_equal(r->total, 3);
    assert_true(fabs(r->y_sum - 2) < 1e-15);
    /* the move equals counting it returned from the start */
    ordo_risk_drift_t direct = {0};
    ordo_risk_drift_observe(&direct, 0.2, 0.05, &kept_ret, 0);
    ordo_risk_drift_observe(&direct, 0.3, 0.05, &ret, 0);
    ordo_risk_drift_observe(&direct, 0.1, NAN, &kept, 0);
    ordo_risk_drift_advance(&direct, t0 + 60 * DAY);
    assert_acc_equal(r, &direct.acc[ORDO_RISK_RETURN]);
    /* a return after the window moves the matured order: 0 -> 1 */
    ordo_outcome_summary_t late = outcome(t0, t0 + 45 * DAY, 0);
    ordo_risk_drift_observe(&d, 0.1, NAN, &late, d.watermark);
    assert_int_equal(r->total, 3);
    assert_true(fabs(r->y_sum - 3) < 1e-15);
    /* a delivery older than the window counts at once */
    ordo_outcome_summary_t old = outcome(t0 + DAY, 0, 0);
    ordo_risk_drift_observe(&d, 0.1, NAN, &old, t0);
    assert_int_equal(r->total, 4);
    assert_int_equal(ordo_risk_drift_pending(&d), 0);
}

static void test_remove(void **state)
{
    (void)state;
    ordo_calib_acc_t a = {0}, b = {0};
    for (int i = 0; i < 100; i++)
        ordo_calib_acc_add(&a, i / 100.0, i % 3 == 0);
    b = a;
    ordo_calib_acc_add(&b, 0.42, 1);
    ordo_calib_acc_remove(&b, 0.42, 1);
    assert_acc_equal(&a, &b);
}

static void test_alarm(void **state)
{
    (void)state;
    ordo_risk_drift_t d = {0};
    snprintf(d.model, sizeof d.model, "risk-v3");
    int64_t t0 = 1800000000;
    /* 1,200 deliveries at P(return) 0.10, 12% returned: 2 points off */
    for (int i = 0; i < 1200; i++) {
        ordo_outcome_summary_t s = outcome(t0 + i, i % 100 < 12 ? t0 + i + DAY : 0, 0);
        ordo_risk_drift_observe(&d, 0.10, 0.02, &s, 0);
    }
    ordo_risk_drift_advance(&d, t0 + 40 * DAY);
    ordo_model_drift_t c;
    ordo_risk_drift_check(&d, ORDO_RISK_RETURN, ORDO_RISK_DRIFT_BOUND, ORDO_RISK_DRIFT_MIN_N,
                          t0, &c);
    assert_string_equal(c.model, "risk-v3");
    assert_int_equal(c.predictions, 1200);
    assert_true(fabs(c.calibration_error - 0.02) < 1e-9);
    assert_false(c.alarm);
    /* 600 more, all returned: 1 - 0.1 off in half the decile */
    for (int i = 0; i < 600; i++) {
        ordo_outcome_summary_t s = outcome(t0 + 2000 + i, t0 + 2000 + i + DAY, 0);
        ordo_risk_drift_observe(&d, 0.10, 0.02, &s, 0);
    }
    ordo_risk_drift_advance(&d, t0 + 40 * DAY);
    ordo_risk_drift_check(&d, ORDO_RISK_RETURN, ORDO_RISK_DRIFT_BOUND, ORDO_RISK_DRIFT_MIN_N,
                          t0, &c);
    assert_true(c.alarm);
    /* cancellation is as predicted (none at 0.02): within the bound */
    ordo_risk_drift_check(&d, ORDO_RISK_CANCEL, ORDO_RISK_DRIFT_BOUND, ORDO_RISK_DRIFT_MIN_N, t0,
                          &c);
    assert_false(c.alarm);
    /* below the minimum count nothing alarms, however far off */
    ordo_risk_drift_t few = {0};
    for (int i = 0; i < 50; i++) {
        ordo_outcome_summary_t s = outcome(0, 0, t0);
        ordo_risk_drift_observe(&few, 0.1, 0.01, &s, 0);
    }
    ordo_risk_drift_check(&few, ORDO_RISK_CANCEL, ORDO_RISK_DRIFT_BOUND, ORDO_RISK_DRIFT_MIN_N,
                          t0, &c);
    assert_false(c.alarm);
    assert_true(c.mean_error > 0.9);
}

static void test_file(void **state)
{
    (void)state;
    ordo_risk_drift_t d = {0}, back;
    snprintf(d.model, sizeof d.model, "risk-v2");
    snprintf(d.hash, sizeof d.hash, "0123456789abcdef");
    d.seq = 12345;
    d.updated_at = 1800000100;
    for (int i = 0; i < 300; i++) {
        int64_t at = 1800000000 - (int64_t)i * DAY / 5; /* over 60 days */
        ordo_outcome_summary_t s = outcome(at, i % 7 ? 0 : at + DAY, i % 11 ? 0 : 5);
        ordo_risk_drift_observe(&d, (i % 97) / 97.0, (i % 13) / 30.0, &s, 0);
    }
    ordo_risk_drift_advance(&d, 1800000000); /* half the days still in their window */
    assert_true(ordo_risk_drift_pending(&d) > 0 && d.acc[ORDO_RISK_RETURN].total > 0);
    char dir[] = "/tmp/ordo-test-risk-drift-XXXXXX";
    assert_non_null(mkdtemp(dir));
    ordo_error_t err = {0};
    assert_int_equal(ordo_risk_drift_read(dir, &back, &err), ORDO_ENOENT);
    assert_int_equal(ordo_risk_drift_write(dir, &d, &err), ORDO_OK);
    assert_int_equal(ordo_risk_drift_read(dir, &back, &err), ORDO_OK);
    assert_string_equal(back.model, "risk-v2");
    assert_string_equal(back.hash, "0123456789abcdef");
    assert_int_equal(back.seq, 12345);
    assert_int_equal(back.updated_at, 1800000100);
    assert_int_equal(back.matured_day, d.matured_day);
    assert_int_equal(back.watermark, d.watermark);
    for (int t = 0; t < 2; t++)
        assert_memory_equal(&back.acc[t], &d.acc[t], sizeof d.acc[t]); /* exact */
    assert_memory_equal(back.pending_day, d.pending_day, sizeof d.pending_day);
    assert_memory_equal(back.pending, d.pending, sizeof d.pending);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, ORDO_RISK_DRIFT_FILE);
    FILE *f = fopen(path, "w");
    fputs("{\"model\":\"risk-v2\",\"return\":{\"bins\":10,\"n\":[1]}}\n", f);
    fclose(f);
    assert_int_equal(ordo_risk_drift_read(dir, &back, &err), ORDO_EPARSE);
    assert_string_equal(err.field, "return");
    unlink(path);
    rmdir(dir);
}

/* The return window follows the model file's label_window_days: a
 * delivery matures that many days (rounded up) after it, not 30; a file
 * without it keeps 30; the state file keeps the window. */
static void test_window(void **state)
{
    (void)state;
    assert_int_equal(ordo_risk_drift_return_days(0), ORDO_RISK_DRIFT_RETURN_DAYS);
    assert_int_equal(ordo_risk_drift_return_days(NAN), ORDO_RISK_DRIFT_RETURN_DAYS);
    assert_int_equal(ordo_risk_drift_return_days(4), 4);
    assert_int_equal(ordo_risk_drift_return_days(4.2), 5);
    assert_int_equal(ordo_risk_drift_return_days(1e6), ORDO_RISK_DRIFT_MAX_RETURN_DAYS);
    static ordo_risk_drift_t d, dflt, back;
    d.return_days = 4;
    int64_t t0 = 1800000000 - 1800000000 % DAY;
    ordo_outcome_summary_t kept = outcome(t0, 0, 0);
    ordo_risk_drift_observe(&d, 0.1, NAN, &kept, 0);
    ordo_risk_drift_observe(&dflt, 0.1, NAN, &kept, 0);
    ordo_risk_drift_advance(&d, t0 + 3 * DAY);
    assert_int_equal(ordo_risk_drift_pending(&d), 1);
    ordo_risk_drift_advance(&d, t0 + 5 * DAY);
    ordo_risk_drift_advance(&dflt, t0 + 5 * DAY);
    assert_int_equal(ordo_risk_drift_pending(&d), 0);
    assert_int_equal(d.acc[ORDO_RISK_RETURN].total, 1);
    assert_int_equal(ordo_risk_drift_pending(&dflt), 1); /* 30 days */
    char dir[] = "/tmp/ordo-test-risk-window-XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(d.model, sizeof d.model, "risk-v3");
    snprintf(d.hash, sizeof d.hash, "0123456789abcdef");
    ordo_error_t err = {0};
    assert_int_equal(ordo_risk_drift_write(dir, &d, &err), ORDO_OK);
    assert_int_equal(ordo_risk_drift_read(dir, &back, &err), ORDO_OK);
    assert_int_equal(back.return_days, 4);
    /* a state kept under 30 days moved to 4: the delivery matures */
    ordo_risk_drift_set_window(&dflt, 4);
    assert_int_equal(ordo_risk_drift_pending(&dflt), 0);
    assert_int_equal(dflt.acc[ORDO_RISK_RETURN].total, 1);
    /* and back to 30 with a pending delivery: it stays pending */
    static ordo_risk_drift_t p30;
    p30.return_days = 4;
    ordo_risk_drift_observe(&p30, 0.1, NAN, &kept, 0);
    ordo_risk_drift_advance(&p30, t0 + 2 * DAY);
    ordo_risk_drift_set_window(&p30, 30);
    assert_int_equal(ordo_risk_drift_pending(&p30), 1);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, ORDO_RISK_DRIFT_FILE);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_alarm),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
