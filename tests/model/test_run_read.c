/* SPDX-License-Identifier: Apache-2.0 */
/* One pass over a run for every model (src/model/run_read.c): each decision
 * record shown to every sink once, shadows and plan-less records left out,
 * outcomes joined by order id, and an order decided twice taking its
 * outcome on its latest decision alone; the risk data read through it. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/model/internal.h"
#include "ordo/json.h"
#include "ordo/log.h"
#include "ordo/store.h"
#include "ordo/util.h"

#define T0 1795000000LL /* 2026-11-18 */
#define CHECK(x) assert_int_equal((x), ORDO_OK)

/* Order id, seconds after T0, node, customer; plan NULL node: no plan. */
typedef struct dec {
    const char *id;
    int64_t at;
    const char *node, *customer;
    uint16_t type;
} dec_t;

static const dec_t decs[] = {
    {"A", 0, "N1", "C1", ORDO_LOG_REC_DECISION},
    {"B", 60, "N1", "C2", ORDO_LOG_REC_DECISION},
    {"B", 60, "N2", "C2", ORDO_LOG_REC_SHADOW},
    {"A", 120, "N2", "C1", ORDO_LOG_REC_DECISION}, /* A decided again */
    {"C", 180, "N1", NULL, ORDO_LOG_REC_DECISION}, /* no outcome */
    {"D", 240, NULL, NULL, ORDO_LOG_REC_DECISION}, /* no plan */
};
#define N_DECS (sizeof decs / sizeof decs[0])

static void record_json(ordo_buf_t *b, const dec_t *d)
{
    char ts[32], pd[32];
    ordo_time_format(T0 + d->at, ts, sizeof ts);
    ordo_time_format(T0 + d->at + 3 * 86400, pd, sizeof pd);
    pd[10] = 0;
    ordo_buf_reset(b);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kint(&w, "record_version", 1);
    ordo_jsonw_kstr(&w, "timestamp", ts);
    ordo_jsonw_kstr(&w, "order_id", d->id);
    ordo_jsonw_key(&w, "order");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "id", d->id);
    if (d->customer) {
        ordo_jsonw_key(&w, "customer");
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "id", d->customer);
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_key(&w, "ship_to");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "zip", "10001");
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    if (d->node) {
        ordo_jsonw_key(&w, "plan");
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "status", "ok");
        ordo_jsonw_kstr(&w, "promise_date", pd);
        ordo_jsonw_key(&w, "shipments");
        ordo_jsonw_arr_begin(&w);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "node", d->node);
        ordo_jsonw_kstr(&w, "service", "ground");
        ordo_jsonw_kdouble(&w, "miles", 120);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_arr_end(&w);
        ordo_jsonw_kdouble(&w, "on_time_prob", 0.9);
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_obj_end(&w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
}

static void event(ordo_outcome_event_t *e, const char *order, const char *id,
                  ordo_outcome_type_t type, int64_t at)
{
    memset(e, 0, sizeof *e);
    snprintf(e->event_id, sizeof e->event_id, "%s", id);
    snprintf(e->order_id, sizeof e->order_id, "%s", order);
    e->type = type;
    e->at = T0 + at;
    e->promised_by = T0 + 3 * 86400;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    char *dir = strdup("/tmp/ordo-runread-XXXXXX");
    assert_non_null(mkdtemp(dir));
    ordo_error_t err;
    ordo_store_t *st;
    CHECK(ordo_store_open(dir, NULL, &st, &err));
    char logdir[4096];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_NONE;
    ordo_log_t *log;
    CHECK(ordo_log_open(logdir, &lo, &log, NULL, &err));
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    for (size_t i = 0; i < N_DECS; i++) {
        record_json(&b, &decs[i]);
        CHECK(ordo_log_append(log, decs[i].type, decs[i].id, strlen(decs[i].id),
                              (T0 + decs[i].at) * 1000000000LL, b.data, b.len, NULL, &err));
    }
    ordo_buf_free(&b);
    CHECK(ordo_log_close(log, &err));
    ordo_outcome_event_t ev[3];
    event(&ev[0], "A", "A-s", ORDO_OUTCOME_SHIPPED, 3600);
    event(&ev[1], "A", "A-d", ORDO_OUTCOME_DELIVERED, 2 * 86400);
    event(&ev[2], "B", "B-x", ORDO_OUTCOME_CANCELLED, 600);
    CHECK(ordo_store_outcomes_put_batch(st, ev, 3, NULL, &err));
    ordo_store_close(st, NULL);
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    nftw(*state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(*state);
    return 0;
}

/* A sink that keeps the records whose order id is in keep, and notes what
 * it was shown. */
typedef struct seen {
    const char *keep;
    char ids[16];
    size_t n;
    int outcomes[16]; /* per row: outcomes shown */
    int64_t delivered[16];
} seen_t;

static int seen_record(void *ctx, const ordo_record_t *r, uint32_t *row)
{
    seen_t *s = ctx;
    if (!strchr(s->keep, r->order_id[0]))
        return ORDO_OK;
    s->ids[s->n] = r->order_id[0];
    *row = (uint32_t)s->n++;
    return ORDO_OK;
}

static void seen_outcome(void *ctx, uint32_t row, const ordo_outcome_summary_t *sum,
                         const ordo_shipment_outcome_t *sh, size_t n)
{
    (void)sh;
    (void)n;
    seen_t *s = ctx;
    assert_true(row < s->n);
    assert_int_equal(sum->order_id[0], s->ids[row]);
    s->outcomes[row]++;
    s->delivered[row] = sum->delivered_at;
}

static void test_two_sinks(void **state)
{
    seen_t a = {.keep = "ABCD"}, b = {.keep = "B"};
    model_run_sink_t sinks[2] = {{&a, seen_record, seen_outcome}, {&b, seen_record, seen_outcome}};
    ordo_error_t err;
    double rs = -1, js = -1;
    CHECK(model_run_read(*state, sinks, 2, &rs, &js, &err));
    assert_true(rs >= 0 && js >= 0);
    /* the shadow and the plan-less record are shown to no sink */
    assert_int_equal(a.n, 4);
    assert_memory_equal(a.ids, "ABAC", 4);
    assert_int_equal(b.n, 1);
    /* A's outcome goes to its latest decision only; C has none */
    assert_int_equal(a.outcomes[0], 0);
    assert_int_equal(a.outcomes[1], 1);
    assert_int_equal(a.outcomes[2], 1);
    assert_int_equal(a.outcomes[3], 0);
    assert_int_equal(a.delivered[2], T0 + 2 * 86400);
    assert_int_equal(b.outcomes[0], 1);
    /* no sink, or too many */
    assert_int_equal(model_run_read(*state, sinks, 0, NULL, NULL, &err), ORDO_EINVAL);
}

static void test_risk_run(void **state)
{
    ordo_risk_run_t run;
    ordo_error_t err;
    CHECK(ordo_risk_run_read(*state, &run, &err));
    assert_int_equal(run.n, 4);
    assert_int_equal(run.o[0].has_outcome, 0); /* A's first decision: superseded */
    assert_int_equal(run.o[1].has_outcome, 1);
    assert_int_equal(run.o[1].cancelled, 1);
    assert_int_equal(run.o[1].cancelled_at, T0 + 600);
    assert_int_equal(run.o[2].has_outcome, 1);
    assert_int_equal(run.o[2].shipped_at, T0 + 3600);
    assert_int_equal(run.o[2].delivered_at, T0 + 2 * 86400);
    assert_int_equal(run.o[3].has_outcome, 0);
    /* A's two decisions are one customer's */
    assert_int_equal(run.o[0].customer, run.o[2].customer);
    assert_int_not_equal(run.o[0].customer, run.o[1].customer);
    assert_int_equal(run.customers, 2);
    ordo_risk_run_free(&run);
}

static void test_missing_store(void **state)
{
    (void)state;
    char *dir = strdup("/tmp/ordo-runread-XXXXXX");
    assert_non_null(mkdtemp(dir));
    ordo_risk_run_t run;
    ordo_error_t err;
    assert_int_not_equal(ordo_risk_run_read(dir, &run, &err), ORDO_OK);
    assert_null(run.o);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_sinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_risk_run, setup, teardown),
        cmocka_unit_test(test_missing_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
