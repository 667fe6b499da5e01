/* SPDX-License-Identifier: Apache-2.0 */
/* Outcome events: parsing (NDJSON, CSV), all-or-nothing ingest with errors
 * naming file/line/field, idempotence, arrival-order independence, and the
 * per-order summaries (checked against values worked out by hand). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "ordo/json.h"
#include "ordo/store.h"
#include "ordo/util.h"
#include "store_test_util.h"

#define EXAMPLE ORDO_SOURCE_DIR "/docs/examples/outcomes.ndjson"
#define CSV_FIXTURE ORDO_SOURCE_DIR "/tests/fixtures/store/outcomes.csv"

static int64_t T(const char *s)
{
    int64_t t = 0;
    assert_int_equal(ordo_time_parse(s, &t), ORDO_OK);
    return t;
}

static ordo_store_t *open_store(const char *dir)
{
    ordo_store_t *s = NULL;
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_open(dir, NULL, &s, &err));
    return s;
}

static uint64_t count_events(ordo_store_t *s)
{
    uint64_t ev = 99, orders = 99;
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_outcome_counts(s, &ev, &orders, &err));
    return ev;
}

static void ingest_ok(ordo_store_t *s, const char *path, ordo_outcome_ingest_stats_t *st)
{
    ordo_error_t err = {0};
    const char *paths[] = {path};
    ASSERT_OK(ordo_store_outcomes_ingest_files(s, paths, 1, ORDO_OUTCOME_FMT_AUTO, st, &err));
}

static void get(ordo_store_t *s, const char *order, ordo_outcome_summary_t *sum)
{
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_outcome_get(s, order, sum, &err));
    assert_string_equal(sum->order_id, order);
}

/* The example file's orders, by hand from docs/examples/outcomes.ndjson. */
static void check_example_summaries(ordo_store_t *s)
{
    ordo_outcome_summary_t o;
    get(s, "ORD-1001", &o);
    assert_int_equal(o.state, ORDO_OUTCOME_DELIVERED);
    assert_int_equal(o.shipped_at, T("2026-11-24T20:00:00Z"));
    assert_int_equal(o.delivered_at, T("2026-11-27T16:42:00Z"));
    assert_int_equal(o.returned_at, 0);
    assert_int_equal(o.cancelled_at, 0);
    assert_int_equal(o.promised_by, T("2026-11-28T23:59:59Z")); /* a date: end of day */
    assert_int_equal(o.on_time, ORDO_ON_TIME_YES);
    assert_int_equal(o.cost_mask,
                     (1u << ORDO_COST_SHIP) | (1u << ORDO_COST_PICK) | (1u << ORDO_COST_PACK));
    assert_float_equal(o.cost[ORDO_COST_SHIP], 8.5, 1e-9);
    assert_float_equal(o.cost[ORDO_COST_PICK], 1.2, 1e-9);
    assert_float_equal(o.cost[ORDO_COST_PACK], 0.8, 1e-9);
    assert_float_equal(o.cost_total, 10.5, 1e-9);
    assert_int_equal(o.n_shipments, 1);
    assert_int_equal(o.n_delivered, 1);
    assert_int_equal(o.n_events, 4); /* 3 + a satisfaction measure */
    assert_int_equal(o.flags, 0);
    assert_int_equal(o.measure_n[ORDO_MEASURE_SATISFACTION], 1);
    assert_float_equal(o.measure[ORDO_MEASURE_SATISFACTION], 4.5, 1e-12);
    assert_int_equal(o.measure_n[ORDO_MEASURE_PICK_RATE], 0);

    get(s, "ORD-1002", &o);
    assert_int_equal(o.state, ORDO_OUTCOME_RETURNED);
    assert_int_equal(o.delivered_at, T("2026-11-26T14:10:00Z"));
    assert_int_equal(o.promised_by, T("2026-11-25T23:00:00Z"));
    assert_int_equal(o.on_time, ORDO_ON_TIME_LATE);
    assert_int_equal(o.returned_at, T("2026-12-02T11:20:00Z"));
    assert_float_equal(o.refund, 59.99, 1e-9);
    assert_float_equal(o.cost[ORDO_COST_RETURN], 7.5, 1e-9);
    assert_float_equal(o.cost_total, 28.9, 1e-9);
    assert_int_equal(o.n_returned, 1);

    get(s, "ORD-1003", &o);
    assert_int_equal(o.state, ORDO_OUTCOME_CANCELLED);
    assert_int_equal(o.cancelled_at, T("2026-11-24T16:02:10Z"));
    assert_int_equal(o.n_shipments, 0);
    assert_int_equal(o.cost_mask, 0);
    assert_int_equal(o.on_time, ORDO_ON_TIME_UNKNOWN);

    get(s, "ORD-1004", &o);
    /* two shipments; the file lists a delivery before its shipment */
    assert_int_equal(o.n_shipments, 2);
    assert_int_equal(o.n_delivered, 2);
    assert_int_equal(o.shipped_at, T("2026-11-25T14:00:00Z"));
    assert_int_equal(o.delivered_at, T("2026-11-29T12:30:00Z")); /* the last one */
    assert_int_equal(o.promised_by, T("2026-11-30T23:59:59Z"));
    assert_int_equal(o.on_time, ORDO_ON_TIME_YES);
    assert_int_equal(o.state, ORDO_OUTCOME_DELIVERED);
    assert_float_equal(o.cost[ORDO_COST_SHIP], 15.85, 1e-9);
    assert_float_equal(o.cost_total, 15.85 + 2.4 + 1.1 + 0.35, 1e-9);
    assert_int_equal(o.flags, 0);
    /* measures change neither the state nor the shipments */
    assert_int_equal(o.measure_n[ORDO_MEASURE_DOCK_TO_TRUCK_HOURS], 1);
    assert_float_equal(o.measure[ORDO_MEASURE_DOCK_TO_TRUCK_HOURS], 2.25, 1e-12);
    assert_float_equal(o.measure[ORDO_MEASURE_LABOUR_UTILISATION], 0.82, 1e-12);
    assert_int_equal(o.measure_n[ORDO_MEASURE_SATISFACTION], 0);

    ordo_shipment_outcome_t sh[4];
    size_t n = 0;
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_outcome_shipments(s, "ORD-1004", sh, 4, &n, &err));
    assert_int_equal(n, 2); /* a cost event without "shipment" is shipment 0 */
    assert_int_equal(sh[0].shipment, 0);
    assert_int_equal(sh[0].shipped_at, T("2026-11-25T14:00:00Z"));
    assert_int_equal(sh[0].delivered_at, T("2026-11-29T12:30:00Z"));
    assert_float_equal(sh[0].cost[ORDO_COST_SHIP], 9.1, 1e-9);
    assert_float_equal(sh[0].cost[ORDO_COST_PICK], 2.4, 1e-9);
    assert_int_equal(sh[0].n_events, 3);
    assert_int_equal(sh[1].shipment, 1);
    assert_int_equal(sh[1].shipped_at, T("2026-11-26T10:15:00Z"));
    assert_int_equal(sh[1].delivered_at, T("2026-11-28T17:05:00Z"));
    assert_float_equal(sh[1].cost[ORDO_COST_SHIP], 6.75, 1e-9);
    assert_int_equal(sh[1].cost_mask, 1u << ORDO_COST_SHIP);
    /* cap smaller than the count: n_total still says 2 */
    ASSERT_OK(ordo_store_outcome_shipments(s, "ORD-1004", sh, 1, &n, &err));
    assert_int_equal(n, 2);
    assert_int_equal(ordo_store_outcome_get(s, "ORD-9999", &o, &err), ORDO_ENOTFOUND);
}

static void test_example(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_outcome_ingest_stats_t st = {0};
    ingest_ok(s, EXAMPLE, &st);
    assert_int_equal(st.files, 1);
    assert_int_equal(st.lines, 17);
    assert_int_equal(st.inserted, 17);
    assert_int_equal(st.duplicates, 0);
    ordo_store_close(s, NULL);
    s = open_store(dir); /* durable across handles */
    check_example_summaries(s);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

/* Equal summaries, field by field. */
static void assert_summary_equal(const ordo_outcome_summary_t *a, const ordo_outcome_summary_t *b)
{
    assert_string_equal(a->order_id, b->order_id);
    assert_int_equal(a->shipped_at, b->shipped_at);
    assert_int_equal(a->delivered_at, b->delivered_at);
    assert_int_equal(a->last_delivered_at, b->last_delivered_at);
    assert_int_equal(a->returned_at, b->returned_at);
    assert_int_equal(a->cancelled_at, b->cancelled_at);
    assert_int_equal(a->promised_by, b->promised_by);
    assert_int_equal(a->on_time, b->on_time);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->cost_mask, b->cost_mask);
    for (int p = 0; p < ORDO_COST_PARTS; p++)
        assert_float_equal(a->cost[p], b->cost[p], 1e-9);
    assert_float_equal(a->cost_total, b->cost_total, 1e-9);
    assert_float_equal(a->refund, b->refund, 1e-9);
    assert_int_equal(a->n_shipments, b->n_shipments);
    assert_int_equal(a->n_delivered, b->n_delivered);
    assert_int_equal(a->n_returned, b->n_returned);
    assert_int_equal(a->n_events, b->n_events);
    assert_int_equal(a->first_event_at, b->first_event_at);
    assert_int_equal(a->last_event_at, b->last_event_at);
    assert_int_equal(a->flags, b->flags);
    for (int m = 0; m < ORDO_MEASURE_COUNT; m++) {
        assert_int_equal(a->measure_n[m], b->measure_n[m]);
        assert_float_equal(a->measure[m], b->measure[m], 1e-12);
    }
}

static void test_csv_matches_ndjson(void **state)
{
    (void)state;
    char *d1 = tmp_dir(), *d2 = tmp_dir();
    ordo_store_t *a = open_store(d1), *b = open_store(d2);
    ingest_ok(a, EXAMPLE, NULL);
    ordo_outcome_ingest_stats_t st = {0};
    ingest_ok(b, CSV_FIXTURE, &st);
    assert_int_equal(st.lines, 17);
    assert_int_equal(st.inserted, 17);
    check_example_summaries(b);
    const char *ids[] = {"ORD-1001", "ORD-1002", "ORD-1003", "ORD-1004"};
    for (int i = 0; i < 4; i++) {
        ordo_outcome_summary_t x, y;
        get(a, ids[i], &x);
        get(b, ids[i], &y);
        assert_summary_equal(&x, &y);
    }
    ordo_store_close(a, NULL);
    ordo_store_close(b, NULL);
    rm_tree(d1);
    rm_tree(d2);
}

static void test_idempotent(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_outcome_ingest_stats_t st = {0};
    ingest_ok(s, EXAMPLE, &st);
    ordo_outcome_summary_t before, after;
    get(s, "ORD-1004", &before);
    /* the same file again, and the same events as CSV: all duplicates */
    ordo_outcome_ingest_stats_t st2 = {0};
    ingest_ok(s, EXAMPLE, &st2);
    ingest_ok(s, CSV_FIXTURE, &st2);
    assert_int_equal(st2.inserted, 0);
    assert_int_equal(st2.duplicates, 34);
    assert_int_equal(count_events(s), 17);
    get(s, "ORD-1004", &after);
    assert_summary_equal(&before, &after);
    check_example_summaries(s);
    /* a repeated id inside one batch: the first wins */
    ordo_outcome_event_t ev[2];
    memset(ev, 0, sizeof ev);
    for (int i = 0; i < 2; i++) {
        strcpy(ev[i].event_id, "dup-1");
        strcpy(ev[i].order_id, "ORD-2000");
        ev[i].type = ORDO_OUTCOME_SHIPPED;
        ev[i].at = T("2026-11-25T10:00:00Z") + i * 3600;
    }
    ordo_outcome_put_stats_t ps = {0};
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_outcomes_put_batch(s, ev, 2, &ps, &err));
    assert_int_equal(ps.inserted, 1);
    assert_int_equal(ps.duplicates, 1);
    ordo_outcome_summary_t o;
    get(s, "ORD-2000", &o);
    assert_int_equal(o.shipped_at, T("2026-11-25T10:00:00Z"));
    assert_int_equal(o.n_events, 1);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

/* The outcome changes in their order, from any point, at most max at a
 * time; a duplicate is no change. The example file's 17 events are
 * changes 1..17, each naming its event's order in file order. */
static void test_outcome_changes(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_outcome_ingest_stats_t st = {0};
    ingest_ok(s, EXAMPLE, &st);
    ingest_ok(s, EXAMPLE, &st); /* all duplicates: no change */
    /* the file's order ids, one per event line, as an independent list */
    char want[32][ORDO_OUTCOME_ID_MAX];
    size_t nw = 0;
    FILE *f = fopen(EXAMPLE, "r");
    assert_non_null(f);
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        cJSON *j = cJSON_Parse(line);
        if (!j)
            continue;
        assert_true(nw < 32);
        snprintf(want[nw++], ORDO_OUTCOME_ID_MAX, "%s",
                 cJSON_GetObjectItem(j, "order_id")->valuestring);
        cJSON_Delete(j);
    }
    fclose(f);
    assert_int_equal(nw, 17);
    ordo_outcome_change_t ch[32];
    size_t n = 99;
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_outcome_changes(s, 0, ch, 32, &n, &err));
    assert_int_equal(n, 17);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ch[i].seq, i + 1);
        assert_string_equal(ch[i].order_id, want[i]);
    }
    /* from the middle, a few at a time */
    ASSERT_OK(ordo_store_outcome_changes(s, 10, ch, 4, &n, &err));
    assert_int_equal(n, 4);
    assert_int_equal(ch[0].seq, 11);
    assert_int_equal(ch[3].seq, 14);
    assert_string_equal(ch[0].order_id, want[10]);
    ASSERT_OK(ordo_store_outcome_changes(s, 17, ch, 32, &n, &err));
    assert_int_equal(n, 0);
    ASSERT_OK(ordo_store_outcome_changes(s, 0, ch, 0, &n, &err));
    assert_int_equal(n, 0);
    assert_int_equal(ordo_store_outcome_changes(s, UINT64_MAX, ch, 4, &n, &err), ORDO_ERANGE);
    /* one read gives the summary and the shipments as the two calls do */
    ordo_outcome_summary_t a, b;
    ordo_shipment_outcome_t sa[4], sb[4];
    size_t na = 0, nb = 0;
    ASSERT_OK(ordo_store_outcome_read(s, "ORD-1004", &a, sa, 4, &na, &err));
    get(s, "ORD-1004", &b);
    ASSERT_OK(ordo_store_outcome_shipments(s, "ORD-1004", sb, 4, &nb, &err));
    assert_summary_equal(&a, &b);
    assert_int_equal(na, 2);
    assert_int_equal(nb, 2);
    assert_memory_equal(sa, sb, 2 * sizeof sa[0]);
    assert_int_equal(ordo_store_outcome_read(s, "NO-SUCH", &a, NULL, 0, NULL, &err),
                     ORDO_ENOTFOUND);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

/* delivered arrives before shipped: both stored, the summary follows the
 * timestamps. */
static void test_out_of_order(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    ordo_outcome_event_t d = {0}, sh = {0}, late = {0};
    strcpy(d.event_id, "e-d");
    strcpy(d.order_id, "ORD-1");
    d.type = ORDO_OUTCOME_DELIVERED;
    d.at = T("2026-11-27T12:00:00Z");
    ASSERT_OK(ordo_store_outcomes_put_batch(s, &d, 1, NULL, &err));
    ordo_outcome_summary_t o;
    get(s, "ORD-1", &o);
    assert_int_equal(o.state, ORDO_OUTCOME_DELIVERED);
    assert_int_equal(o.delivered_at, d.at);
    assert_int_equal(o.shipped_at, 0);

    strcpy(sh.event_id, "e-s");
    strcpy(sh.order_id, "ORD-1");
    sh.type = ORDO_OUTCOME_SHIPPED;
    sh.at = T("2026-11-25T09:00:00Z");
    sh.promised_by = T("2026-11-27T00:00:00Z");
    sh.cost[ORDO_COST_SHIP] = 7.25;
    sh.cost_mask = 1u << ORDO_COST_SHIP;
    ASSERT_OK(ordo_store_outcomes_put_batch(s, &sh, 1, NULL, &err));
    get(s, "ORD-1", &o);
    assert_int_equal(o.state, ORDO_OUTCOME_DELIVERED); /* shipped is older: not the state */
    assert_int_equal(o.shipped_at, sh.at);
    assert_int_equal(o.delivered_at, d.at);
    assert_int_equal(o.first_event_at, sh.at);
    assert_int_equal(o.last_event_at, d.at);
    assert_int_equal(o.on_time, ORDO_ON_TIME_LATE); /* delivered 12 h after the promise */
    assert_int_equal(o.flags, 0);
    /* against another promise (e.g. a decision's ETA) */
    assert_int_equal(ordo_outcome_on_time(&o, T("2026-11-28T00:00:00Z")), ORDO_ON_TIME_YES);
    assert_int_equal(ordo_outcome_on_time(&o, 0), ORDO_ON_TIME_UNKNOWN);

    /* a shipped event dated after the delivery: stored, and flagged */
    strcpy(late.event_id, "e-s2");
    strcpy(late.order_id, "ORD-1");
    late.type = ORDO_OUTCOME_SHIPPED;
    late.shipment = 1;
    late.at = T("2026-11-28T09:00:00Z");
    ASSERT_OK(ordo_store_outcomes_put_batch(s, &late, 1, NULL, &err));
    get(s, "ORD-1", &o);
    assert_int_equal(o.state, ORDO_OUTCOME_SHIPPED); /* latest event */
    assert_int_equal(o.n_shipments, 2);
    assert_int_equal(o.delivered_at, 0); /* shipment 1 not delivered yet */
    assert_int_equal(o.last_delivered_at, d.at);
    assert_int_equal(o.on_time, ORDO_ON_TIME_LATE); /* already known late */
    ordo_outcome_event_t inc = {0};
    strcpy(inc.event_id, "e-d1");
    strcpy(inc.order_id, "ORD-1");
    inc.type = ORDO_OUTCOME_DELIVERED;
    inc.shipment = 1;
    inc.at = T("2026-11-28T08:00:00Z"); /* before its own shipped time */
    ASSERT_OK(ordo_store_outcomes_put_batch(s, &inc, 1, NULL, &err));
    get(s, "ORD-1", &o);
    assert_true(o.flags & ORDO_OUTCOME_FLAG_TIME_INCONSISTENT);
    assert_int_equal(o.delivered_at, T("2026-11-28T08:00:00Z"));
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

/* Property: any arrival order (and any batching) of the same events gives
 * the same summaries. 300 events over 40 orders, 4 random orders. */
#define PERM_N 300
static void make_events(ordo_outcome_event_t *ev, int n, ordo_rng_t *rng)
{
    static const ordo_outcome_type_t types[] = {ORDO_OUTCOME_SHIPPED, ORDO_OUTCOME_DELIVERED,
                                                ORDO_OUTCOME_RETURNED, ORDO_OUTCOME_CANCELLED,
                                                ORDO_OUTCOME_COST};
    int64_t base = T("2026-11-24T00:00:00Z");
    for (int i = 0; i < n; i++) {
        ordo_outcome_event_t *e = &ev[i];
        memset(e, 0, sizeof *e);
        snprintf(e->event_id, sizeof e->event_id, "ev-%04d", i);
        snprintf(e->order_id, sizeof e->order_id, "ORD-%03d", (int)ordo_rng_below(rng, 40));
        e->shipment = (uint32_t)ordo_rng_below(rng, 3);
        e->type = types[ordo_rng_below(rng, 5)];
        e->at = base + (int64_t)ordo_rng_below(rng, 20) * 3600; /* ties are common */
        if (ordo_rng_below(rng, 4) == 0)
            e->promised_by = base + (int64_t)ordo_rng_below(rng, 10) * 7200;
        if (e->type == ORDO_OUTCOME_COST) {
            for (int p = 0; p < ORDO_COST_PARTS; p++)
                if (ordo_rng_below(rng, 2) || p == 0) {
                    e->cost[p] = (double)ordo_rng_below(rng, 1000) / 100.0;
                    e->cost_mask |= 1u << p;
                }
        } else if (e->type == ORDO_OUTCOME_SHIPPED) {
            e->cost[ORDO_COST_SHIP] = (double)ordo_rng_below(rng, 2000) / 100.0;
            e->cost_mask = 1u << ORDO_COST_SHIP;
        } else if (e->type == ORDO_OUTCOME_RETURNED) {
            e->refund = 19.99;
            e->has_refund = true;
        }
    }
}

static void test_arrival_order_independent(void **state)
{
    (void)state;
    static ordo_outcome_event_t ev[PERM_N];
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 20261124);
    make_events(ev, PERM_N, &rng);
    ordo_outcome_summary_t ref[40];
    int nref = 0;
    for (int round = 0; round < 4; round++) {
        if (round > 0) /* shuffle */
            for (int i = PERM_N - 1; i > 0; i--) {
                int j = (int)ordo_rng_below(&rng, (uint64_t)i + 1);
                ordo_outcome_event_t t = ev[i];
                ev[i] = ev[j];
                ev[j] = t;
            }
        char *dir = tmp_dir();
        ordo_store_t *s = open_store(dir);
        ordo_error_t err = {0};
        /* random batch sizes */
        for (int i = 0; i < PERM_N;) {
            int k = 1 + (int)ordo_rng_below(&rng, 50);
            if (i + k > PERM_N)
                k = PERM_N - i;
            ASSERT_OK(ordo_store_outcomes_put_batch(s, ev + i, (size_t)k, NULL, &err));
            i += k;
        }
        ordo_outcome_iter_t *it;
        ASSERT_OK(ordo_store_outcome_iter_open(s, &it, &err));
        ordo_outcome_summary_t sum;
        int n = 0, rc;
        uint32_t total_events = 0;
        while ((rc = ordo_outcome_iter_next(it, &sum, &err)) == 1) {
            assert_true(n < 40);
            if (n > 0)
                assert_true(strcmp(ref[n - 1].order_id, sum.order_id) < 0 || round > 0);
            if (round == 0) {
                ref[n] = sum;
            } else {
                assert_summary_equal(&ref[n], &sum);
            }
            /* the iterator agrees with a direct get */
            ordo_outcome_summary_t g;
            get(s, sum.order_id, &g);
            assert_summary_equal(&g, &sum);
            total_events += sum.n_events;
            n++;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(ordo_outcome_iter_next(it, &sum, &err), 0);
        ordo_outcome_iter_close(it);
        if (round == 0)
            nref = n;
        assert_int_equal(n, nref);
        assert_int_equal(total_events, PERM_N);
        ordo_store_close(s, NULL);
        rm_tree(dir);
    }
    assert_true(nref > 30);
}

typedef struct bad_case {
    const char *name; /* file name: extension picks the format */
    const char *text;
    int code;
    long line;
    const char *field;
    const char *msg_part;
} bad_case_t;

#define GOOD1                                                                                      \
    "{\"event_id\":\"g1\",\"order_id\":\"ORD-1\",\"type\":\"shipped\",\"at\":\"2026-11-24T20:00:"  \
    "00Z\"}\n"
#define GOOD2                                                                                      \
    "{\"event_id\":\"g2\",\"order_id\":\"ORD-1\",\"type\":\"delivered\",\"at\":\"2026-11-26T20:"   \
    "00:00Z\"}\n"
#define CSVH "event_id,order_id,shipment,type,at,carrier_cost,refund,pick\n"

static void test_bad_input(void **state)
{
    (void)state;
    static const bad_case_t cases[] = {
        {"a.ndjson", GOOD1 GOOD2 "{\"event_id\":\"x\",\"order_id\":\n", ORDO_EPARSE, 3, "",
         "malformed JSON"},
        {"a.ndjson", GOOD1 "\n" GOOD2 "[1,2]\n", ORDO_EPARSE, 4, "", "object"},
        {"a.ndjson",
         GOOD1 "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"lost\",\"at\":\"2026-11-24T20:00:"
               "00Z\"}\n",
         ORDO_EINVAL, 2, "type", "unknown event type 'lost'"},
        {"a.ndjson", GOOD1 "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"shipped\"}\n",
         ORDO_EINVAL, 2, "at", "missing"},
        {"a.ndjson", "{\"order_id\":\"o\",\"type\":\"shipped\",\"at\":\"2026-11-24T20:00:00Z\"}\n",
         ORDO_EINVAL, 1, "event_id", "missing"},
        {"a.ndjson",
         GOOD1 "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"cost\",\"at\":\"2026-11-24T20:00:"
               "00Z\",\"pick\":-1.5}\n",
         ORDO_ERANGE, 2, "pick", "negative"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"shipped\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"carrier_cost\":-0.01}\n",
         ORDO_ERANGE, 1, "carrier_cost", "negative"},
        {"a.ndjson",
         GOOD1 GOOD2 "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"shipped\",\"at\":\"2026-13-"
                     "24T20:00:00Z\"}\n",
         ORDO_EPARSE, 3, "at", "bad timestamp"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"shipped\",\"at\":\"2026-11-24\"}\n",
         ORDO_EPARSE, 1, "at", "date"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"shipped\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"carrier\":\"ups\"}\n",
         ORDO_EINVAL, 1, "carrier", "unknown field"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"shipped\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"refund\":3}\n",
         ORDO_EINVAL, 1, "refund", "not allowed on a shipped"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"cost\",\"at\":\"2026-11-24T20:00:00Z\","
         "\"carrier_cost\":3}\n",
         ORDO_EINVAL, 1, "carrier_cost", "'ship'"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"cost\",\"at\":\"2026-11-24T20:00:00Z\"}"
         "\n",
         ORDO_EINVAL, 1, "cost", "at least one"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"cost\",\"at\":\"2026-11-24T20:00:00Z\","
         "\"pick\":\"1.5\"}\n",
         ORDO_EINVAL, 1, "pick", "number"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"shipment\":1.5,\"type\":\"shipped\",\"at\":"
         "\"2026-11-24T20:00:00Z\"}\n",
         ORDO_ERANGE, 1, "shipment", "whole"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"shipment\":-1,\"type\":\"shipped\",\"at\":"
         "\"2026-11-24T20:00:00Z\"}\n",
         ORDO_ERANGE, 1, "shipment", "whole"},
        {"a.ndjson",
         "{\"event_id\":\"\",\"order_id\":\"o\",\"type\":\"shipped\",\"at\":\"2026-11-24T20:00:"
         "00Z\"}\n",
         ORDO_EINVAL, 1, "event_id", "empty"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"event_id\":\"y\",\"order_id\":\"o\",\"type\":\"shipped\",\"at\":"
         "\"2026-11-24T20:00:00Z\"}\n",
         ORDO_EINVAL, 1, "event_id", "twice"},
        {"a.ndjson",
         GOOD1 "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"shipped\",\"at\":\"2026-11-24T20:"
               "00:00Z\"} x\n",
         ORDO_EPARSE, 2, "", "text after"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"shipped\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"promised_by\":\"soon\"}\n",
         ORDO_EPARSE, 1, "promised_by", "bad timestamp"},
        {"a.csv",
         CSVH "c1,o,0,shipped,2026-11-24T20:00:00Z,8.5,,\nc2,o,0,cost,2026-11-24T20:00:00Z,,,-2\n",
         ORDO_ERANGE, 3, "pick", "negative"},
        {"a.csv", CSVH "c1,o,0,shipped,2026-11-24T20:00:00Z,8.5,\n", ORDO_EPARSE, 2, "", "columns"},
        {"a.csv", CSVH "c1,o,0,shipped,2026-11-24T20:00:00Z,cheap,,\n", ORDO_EPARSE, 2,
         "carrier_cost", "not a number"},
        {"a.csv", "event_id,order_id,type,at,colour\n", ORDO_EINVAL, 1, "colour", "unknown column"},
        {"a.csv", "event_id,order_id,type\nc1,o,shipped\n", ORDO_EINVAL, 1, "at",
         "required column"},
        {"a.csv", CSVH "c1,,0,shipped,2026-11-24T20:00:00Z,,,\n", ORDO_EINVAL, 2, "order_id",
         "missing"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"measure\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"measure\":\"happiness\",\"value\":3}\n",
         ORDO_EINVAL, 1, "measure", "unknown measure 'happiness'"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"measure\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"measure\":\"satisfaction\",\"value\":6}\n",
         ORDO_ERANGE, 1, "value", "satisfaction must be a number from 0 to 5"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"measure\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"measure\":\"pick_rate\",\"value\":-1}\n",
         ORDO_ERANGE, 1, "value", "pick_rate must be"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"measure\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"measure\":\"satisfaction\"}\n",
         ORDO_EINVAL, 1, "value", "missing"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"measure\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"value\":1}\n",
         ORDO_EINVAL, 1, "measure", "missing"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"shipped\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"node\":\"DC-001\"}\n",
         ORDO_EINVAL, 1, "node", "use a measure event"},
        {"a.ndjson",
         "{\"event_id\":\"x\",\"order_id\":\"o\",\"type\":\"measure\",\"at\":\"2026-11-24T20:00:"
         "00Z\",\"measure\":\"satisfaction\",\"value\":\"4\"}\n",
         ORDO_EINVAL, 1, "value", "number"},
        {"a.csv", "", ORDO_EPARSE, 1, "", "header"},
        {"a.txt", GOOD1, ORDO_EINVAL, 0, "", "--format"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = tmp_dir();
        ordo_store_t *s = open_store(dir);
        /* a good file first: it must not be half-loaded either */
        char *good = write_tmp(dir, "good.ndjson", GOOD1 GOOD2);
        char *bad = write_tmp(dir, cases[i].name, cases[i].text);
        const char *paths[] = {good, bad};
        ordo_error_t err = {0};
        ordo_outcome_ingest_stats_t st = {0};
        int rc = ordo_store_outcomes_ingest_files(s, paths, 2, ORDO_OUTCOME_FMT_AUTO, &st, &err);
        char m[1024];
        ordo_error_format(&err, m, sizeof m);
        if (rc != cases[i].code || err.line != cases[i].line || strcmp(err.field, cases[i].field) ||
            !strstr(err.msg, cases[i].msg_part))
            print_error("case %zu: rc %d: %s\n", i, rc, m);
        assert_int_equal(rc, cases[i].code);
        assert_string_equal(err.file, bad);
        assert_int_equal(err.line, cases[i].line);
        assert_string_equal(err.field, cases[i].field);
        assert_non_null(strstr(err.msg, cases[i].msg_part));
        assert_int_equal(count_events(s), 0); /* nothing half-loaded */
        assert_int_equal(ordo_store_tx_depth(s), 0);
        /* and the store still works */
        ingest_ok(s, good, NULL);
        assert_int_equal(count_events(s), 2);
        free(good);
        free(bad);
        ordo_store_close(s, NULL);
        rm_tree(dir);
    }
}

static void test_bad_batch(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    ordo_outcome_event_t ev[3];
    memset(ev, 0, sizeof ev);
    for (int i = 0; i < 3; i++) {
        snprintf(ev[i].event_id, sizeof ev[i].event_id, "b%d", i);
        strcpy(ev[i].order_id, "ORD-7");
        ev[i].type = ORDO_OUTCOME_COST;
        ev[i].at = 1700000000;
        ev[i].cost[ORDO_COST_PACK] = 1.0;
        ev[i].cost_mask = 1u << ORDO_COST_PACK;
    }
    ev[2].cost[ORDO_COST_PACK] = -1.0;
    assert_int_equal(ordo_store_outcomes_put_batch(s, ev, 3, NULL, &err), ORDO_ERANGE);
    assert_string_equal(err.field, "pack");
    assert_non_null(strstr(err.msg, "b2"));
    ev[2].cost[ORDO_COST_PACK] = NAN;
    assert_int_equal(ordo_store_outcomes_put_batch(s, ev, 3, NULL, &err), ORDO_ERANGE);
    ev[2].cost[ORDO_COST_PACK] = 1.0;
    ev[2].type = ORDO_OUTCOME_DELIVERED; /* pack cost on a delivery */
    assert_int_equal(ordo_store_outcomes_put_batch(s, ev, 3, NULL, &err), ORDO_EINVAL);
    ev[2].type = 42;
    assert_int_equal(ordo_store_outcomes_put_batch(s, ev, 3, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "type");
    ev[2].type = ORDO_OUTCOME_COST;
    ev[2].at = 0;
    assert_int_equal(ordo_store_outcomes_put_batch(s, ev, 3, NULL, &err), ORDO_ERANGE);
    assert_string_equal(err.field, "at");
    memset(ev[2].order_id, 'x', sizeof ev[2].order_id); /* not NUL-terminated */
    ev[2].at = 1700000000;
    assert_int_equal(ordo_store_outcomes_put_batch(s, ev, 3, NULL, &err), ORDO_ERANGE);
    assert_string_equal(err.field, "order_id");
    assert_int_equal(count_events(s), 0);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

static void test_summary_json(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ingest_ok(s, EXAMPLE, NULL);
    ordo_outcome_summary_t o;
    ordo_shipment_outcome_t sh[4];
    size_t n;
    ordo_error_t err = {0};
    get(s, "ORD-1004", &o);
    ASSERT_OK(ordo_store_outcome_shipments(s, "ORD-1004", sh, 4, &n, &err));
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_outcome_summary_write_json(&o, sh, n, &w);
    ASSERT_OK(ordo_jsonw_finish(&w));
    cJSON *j = cJSON_Parse(b.data);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "order_id")->valuestring, "ORD-1004");
    assert_string_equal(cJSON_GetObjectItem(j, "delivered_at")->valuestring,
                        "2026-11-29T12:30:00Z");
    assert_string_equal(cJSON_GetObjectItem(j, "on_time")->valuestring, "yes");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "returned_at")));
    assert_float_equal(cJSON_GetObjectItem(j, "cost_total")->valuedouble, 19.7, 1e-9);
    assert_float_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "cost"), "carrying")->valuedouble,
                       0.35, 1e-12);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "shipment_detail")), 2);
    cJSON_Delete(j);
    ordo_buf_free(&b);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),      cmocka_unit_test(test_csv_matches_ndjson),
        cmocka_unit_test(test_idempotent),   cmocka_unit_test(test_outcome_changes),
        cmocka_unit_test(test_out_of_order), cmocka_unit_test(test_arrival_order_independent),
        cmocka_unit_test(test_bad_input),    cmocka_unit_test(test_bad_batch),
        cmocka_unit_test(test_summary_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
