/* SPDX-License-Identifier: Apache-2.0 */
/* Outcome events put in bulk mode (ordo_store_outcomes_bulk): kept in
 * memory, then stored at the end as the same rows, summaries and change
 * numbering as row by row, a repeated id kept once; refusals as row by
 * row; a handle opened meanwhile, or after a process that died in bulk
 * mode, is refused, saying why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "../../src/store/outcome_tail.h"
#include "ordo/store.h"
#include "store_test_util.h"

#define N_ORDERS 60
#define N_PER 4
#define T0 1764000000

static bool on_pg(void)
{
    const char *dsn = getenv("ORDO_TEST_PG_DSN");
    return dsn && *dsn;
}

/* The events of orders [from, to): shipped (with its ship cost), delivered
 * (late for every third order), a satisfaction measure, a pick cost. */
static size_t make_events(ordo_outcome_event_t *ev, int from, int to)
{
    size_t n = 0;
    for (int o = from; o < to; o++) {
        static const char *const tags[N_PER] = {"s", "d", "m", "c"};
        static const ordo_outcome_type_t types[N_PER] = {
            ORDO_OUTCOME_SHIPPED, ORDO_OUTCOME_DELIVERED, ORDO_OUTCOME_MEASURE, ORDO_OUTCOME_COST};
        for (int k = 0; k < N_PER; k++) {
            ordo_outcome_event_t *e = &ev[n++];
            memset(e, 0, sizeof *e);
            snprintf(e->order_id, sizeof e->order_id, "S001-%06d", o);
            snprintf(e->event_id, sizeof e->event_id, "%s-0-%s", e->order_id, tags[k]);
            e->type = types[k];
            e->at = T0 + o * 60 + k * 86400;
            if (k == 0) {
                e->cost[ORDO_COST_SHIP] = 5 + o % 7;
                e->cost_mask = 1u << ORDO_COST_SHIP;
                e->promised_by = T0 + 86400 + (o % 3 ? 7200 : -7200);
            } else if (k == 2) {
                e->measure = ORDO_MEASURE_SATISFACTION;
                e->value = 1 + o % 5;
            } else if (k == 3) {
                e->cost[ORDO_COST_PICK] = 0.5 * (o % 4);
                e->cost_mask = 1u << ORDO_COST_PICK;
            }
        }
    }
    return n;
}

static void put(ordo_store_t *s, const ordo_outcome_event_t *ev, size_t n, uint64_t inserted,
                uint64_t duplicates)
{
    ordo_outcome_put_stats_t st = {0};
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_outcomes_put_batch(s, ev, n, &st, &err));
    assert_int_equal(st.inserted, inserted);
    assert_int_equal(st.duplicates, duplicates);
}

/* Whether dir's ordo.db has outcome_event's order index (SQLite only). */
static int has_index(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/ordo.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                        "AND name = 'outcome_event_order'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* sql's rows in dir's ordo.db as one string "a|b|...\n..." (the caller
 * frees it); NULL when sql fails (SQLite only). */
static char *rows_of(const char *dir, const char *sql)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/ordo.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    size_t len = 0, cap = 1 << 16;
    char *out = malloc(cap);
    out[0] = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *t = (const char *)sqlite3_column_text(st, c);
            size_t need = strlen(t ? t : "") + 2;
            if (len + need >= cap)
                out = realloc(out, cap *= 2);
            len += (size_t)snprintf(out + len, cap - len, "%s%c", t ? t : "",
                                    c + 1 < sqlite3_column_count(st) ? '|' : '\n');
        }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

#define EVENT_ROWS                                                                                 \
    "SELECT event_id, order_id, shipment, type, at, promised_by, pick, pack, ship, ret, "          \
    "carrying, refund, measure, value, node FROM outcome_event ORDER BY event_id"
#define CHANGE_ROWS "SELECT seq, order_id FROM outcome_change ORDER BY seq"
#define MARK_ROWS "SELECT count(*) FROM stock_meta WHERE name = 'outcome_bulk_load'"

/* d1 and d2 hold the same outcome rows, numbered the same way. */
static void assert_same_rows(const char *d1, const char *d2)
{
    static const char *const sqls[] = {EVENT_ROWS, CHANGE_ROWS};
    for (int i = 0; i < 2; i++) {
        char *a = rows_of(d1, sqls[i]), *b = rows_of(d2, sqls[i]);
        assert_non_null(a);
        assert_non_null(b);
        assert_true(strlen(a) > 0);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
}

/* Every summary of s, in iteration order, into out (N_ORDERS of them). */
static void read_all(ordo_store_t *s, ordo_outcome_summary_t *out)
{
    ordo_outcome_iter_t *it;
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_outcome_iter_open(s, &it, &err));
    size_t n = 0;
    ordo_outcome_summary_t sum;
    int rc;
    while ((rc = ordo_outcome_iter_next(it, &sum, &err)) == 1) {
        assert_true(n < N_ORDERS);
        out[n++] = sum;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, N_ORDERS);
    ordo_outcome_iter_close(it);
}

static void assert_same(const ordo_outcome_summary_t *a, const ordo_outcome_summary_t *b)
{
    for (int i = 0; i < N_ORDERS; i++) {
        assert_string_equal(a[i].order_id, b[i].order_id);
        assert_int_equal(a[i].n_events, N_PER);
        assert_int_equal(a[i].n_events, b[i].n_events);
        assert_int_equal(a[i].shipped_at, b[i].shipped_at);
        assert_int_equal(a[i].delivered_at, b[i].delivered_at);
        assert_int_equal(a[i].on_time, b[i].on_time);
        assert_true(a[i].cost_total == b[i].cost_total);
        assert_true(a[i].measure[ORDO_MEASURE_SATISFACTION] ==
                    b[i].measure[ORDO_MEASURE_SATISFACTION]);
    }
}

/* DIR/ordo.db-outcomes's rows (after its 64-byte header, which names the
 * database file's inode); *len their bytes. */
static char *tail_file(const char *dir, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    assert_true(size >= 64);
    char *buf = malloc((size_t)size - 64 + 1);
    assert_non_null(buf);
    fseek(f, 64, SEEK_SET);
    *len = fread(buf, 1, (size_t)size - 64, f);
    fclose(f);
    return buf;
}

static char *tail_rows(const char *dir, size_t *len)
{
    return tail_file(dir, "ordo.db-outcomes", len);
}

/* Event rows among a tail's rows (not continuations). */
static size_t event_rows(const char *rows, size_t len)
{
    size_t n = 0;
    for (size_t off = 0; off + sizeof(otail_row_t) <= len; off += sizeof(otail_row_t)) {
        otail_row_t r;
        memcpy(&r, rows + off, sizeof r);
        n += !(r.seq & OTAIL_MORE);
    }
    return n;
}

static void test_bulk_same_as_rows(void **state)
{
    (void)state;
    static ordo_outcome_event_t ev[N_ORDERS * N_PER];
    static ordo_outcome_summary_t rows[N_ORDERS], bulk[N_ORDERS];
    size_t n = make_events(ev, 0, N_ORDERS), half = N_ORDERS / 2 * N_PER;
    ordo_error_t err = {0};
    char *d1 = tmp_dir(), *d2 = tmp_dir();
    ordo_store_t *s1, *s2, *s3;
    ASSERT_OK(ordo_store_open(d1, NULL, &s1, &err));
    put(s1, ev + half, n - half, n - half, 0);
    put(s1, ev, n, half, n - half);
    read_all(s1, rows);

    ASSERT_OK(ordo_store_open(d2, NULL, &s2, &err));
    ASSERT_OK(ordo_store_outcomes_bulk(s2, true, &err));
    if (!on_pg())
        assert_int_equal(has_index(d2), 0);
    put(s2, ev + half, n - half, n - half, 0);
    /* the first half new, the rest repeats: staged, each counts as
     * inserted; the end keeps one of each (PostgreSQL: row by row) */
    put(s2, ev, n, on_pg() ? half : n, on_pg() ? n - half : 0);
    /* an event the store refuses row by row is refused the same way */
    ordo_outcome_event_t bad = ev[0];
    strcpy(bad.event_id, "bad-1");
    bad.cost[ORDO_COST_SHIP] = -1;
    assert_int_equal(ordo_store_outcomes_put_batch(s2, &bad, 1, NULL, &err), ORDO_ERANGE);
    assert_string_equal(err.field, "ship");
    if (on_pg()) { /* a no-op there: a reader opening meanwhile reads every event */
        ASSERT_OK(ordo_store_open(d2, NULL, &s3, &err));
        read_all(s3, bulk);
        assert_same(rows, bulk);
        ordo_store_close(s3, NULL);
    } else { /* refused: the events are not stored yet */
        assert_int_equal(ordo_store_open(d2, NULL, &s3, &err), ORDO_EBUSY);
        assert_non_null(strstr(err.msg, "bulk load"));
    }
    put(s2, ev, n / 4, on_pg() ? 0 : n / 4, on_pg() ? n / 4 : 0); /* more repeats */
    ASSERT_OK(ordo_store_outcomes_bulk(s2, false, &err));
    read_all(s2, bulk);
    assert_same(rows, bulk);
    uint64_t events = 0;
    ASSERT_OK(ordo_store_outcome_seq(s2, &events, &err));
    assert_int_equal(events, n);
    if (!on_pg()) { /* the same rows, numbered in the same order; no stage left */
        assert_same_rows(d1, d2);
        char *mark = rows_of(d2, MARK_ROWS);
        assert_string_equal(mark, "0\n");
        free(mark);
        assert_int_equal(has_index(d2), 1);
    }
    ordo_store_close(s1, NULL);
    ordo_store_close(s2, NULL);
    if (!on_pg()) { /* the outcome tail: the same rows, the same numbers */
        size_t l1, l2;
        char *t1 = tail_rows(d1, &l1), *t2 = tail_rows(d2, &l2);
        assert_int_equal(l1 % sizeof(otail_row_t), 0);
        assert_int_equal(event_rows(t1, l1), n);
        assert_int_equal(l2, l1);
        assert_memory_equal(t1, t2, l1);
        free(t1);
        free(t2);
        t1 = tail_file(d1, "ordo.db-outcomes-ids", &l1); /* and the same ids */
        t2 = tail_file(d2, "ordo.db-outcomes-ids", &l2);
        assert_true(l1 > n * sizeof(otail_ids_t));
        assert_int_equal(l2, l1);
        assert_memory_equal(t1, t2, l1);
        free(t1);
        free(t2);
    }
    rm_tree(d1);
    rm_tree(d2);
}

/* A process that dies in bulk mode (its handle closed without the end):
 * its events were only in its memory, so the next open refuses the store,
 * saying so, instead of reading a run without outcomes. A load that ends
 * lets the store open again. */
static void test_bulk_died(void **state)
{
    (void)state;
    static ordo_outcome_event_t ev[N_ORDERS * N_PER];
    size_t n = make_events(ev, 0, N_ORDERS);
    ordo_error_t err = {0};
    char *d = tmp_dir();
    ordo_store_t *s;
    ASSERT_OK(ordo_store_open(d, NULL, &s, &err));
    ASSERT_OK(ordo_store_outcomes_bulk(s, true, &err));
    put(s, ev, n / 2, n / 2, 0);
    put(s, ev + n / 2, n - n / 2, n - n / 2, 0);
    ordo_store_close(s, NULL);
    if (on_pg()) { /* no bulk mode there: every event stored */
        ASSERT_OK(ordo_store_open(d, NULL, &s, &err));
        uint64_t seq = 0;
        ASSERT_OK(ordo_store_outcome_seq(s, &seq, &err));
        assert_int_equal(seq, n);
        ordo_store_close(s, NULL);
        rm_tree(d);
        return;
    }
    assert_int_equal(has_index(d), 0);
    char *events = rows_of(d, "SELECT count(*) FROM outcome_event");
    assert_string_equal(events, "0\n");
    free(events);
    assert_int_equal(ordo_store_open(d, NULL, &s, &err), ORDO_EBUSY);
    assert_non_null(strstr(err.msg, "not stored yet"));
    assert_non_null(strstr(err.msg, "died"));
    rm_tree(d);

    /* the same events through a load that ends: stored, numbered as the
     * same puts row by row, and the store opens */
    d = tmp_dir();
    ASSERT_OK(ordo_store_open(d, NULL, &s, &err));
    ASSERT_OK(ordo_store_outcomes_bulk(s, true, &err));
    put(s, ev, n / 2, n / 2, 0);
    put(s, ev + n / 2, n - n / 2, n - n / 2, 0);
    ASSERT_OK(ordo_store_outcomes_bulk(s, false, &err));
    ordo_store_close(s, NULL);
    ASSERT_OK(ordo_store_open(d, NULL, &s, &err));
    static ordo_outcome_summary_t sums[N_ORDERS];
    read_all(s, sums);
    ordo_outcome_summary_t one;
    ASSERT_OK(ordo_store_outcome_get(s, "S001-000007", &one, &err));
    assert_int_equal(one.n_events, N_PER);
    put(s, ev, n, 0, n); /* row by row again: repeats ignored */
    ordo_store_close(s, NULL);
    char *d1 = tmp_dir();
    ordo_store_t *s1;
    ASSERT_OK(ordo_store_open(d1, NULL, &s1, &err));
    put(s1, ev, n / 2, n / 2, 0);
    put(s1, ev + n / 2, n - n / 2, n - n / 2, 0);
    ordo_store_close(s1, NULL);
    assert_same_rows(d1, d);
    rm_tree(d1);
    rm_tree(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bulk_same_as_rows),
        cmocka_unit_test(test_bulk_died),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
