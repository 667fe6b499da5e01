/* SPDX-License-Identifier: Apache-2.0 */
/* The outcome facts refreshed from the store's outcome tail
 * (src/store/outcome_tail.c, src/analyze/ofacts_tail.c): after every
 * refresh the rows equal a full read from SQLite, byte for byte; events
 * arriving between refreshes (late events of old orders, ties, an event
 * dated before one already folded, cut ids, many shipments) are folded from
 * the tail or read from SQLite; a crash between the commit and the append
 * (a gap), a torn append, a row that outlived its commit, a doubled or
 * damaged row, and rolled-back transactions never lose or double an event. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include "../../src/analyze/internal.h"
#include "../../src/store/outcome_tail.h"
#include "analyze_fixture.h"
#include "ordo/datadir.h"

#define T0 1795000000LL

typedef struct evs {
    ordo_outcome_event_t v[64];
    size_t n;
} evs_t;

static ordo_outcome_event_t *ev_add(evs_t *e, const char *oid, const char *eid, int type,
                                    int64_t at)
{
    ordo_outcome_event_t *x = &e->v[e->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->order_id, sizeof x->order_id, "%s", oid);
    snprintf(x->event_id, sizeof x->event_id, "%s", eid);
    x->type = (ordo_outcome_type_t)type;
    x->at = at;
    return x;
}

/* A cost event of one part. */
static ordo_outcome_event_t *ev_cost(evs_t *e, const char *oid, const char *eid, int64_t at,
                                     int part, double value)
{
    ordo_outcome_event_t *x = ev_add(e, oid, eid, ORDO_OUTCOME_COST, at);
    x->cost[part] = value;
    x->cost_mask = 1u << part;
    return x;
}

/* Stage s of order i: 0 shipped (1-3 shipments, carrier cost, promise), 1
 * delivered (all shipments at one time), a pick/pack cost and a
 * satisfaction at that time, 2 a return with refund and its cost, or a
 * cancellation. */
static void stage(evs_t *e, size_t i, int s)
{
    char oid[64], eid[96];
    snprintf(oid, sizeof oid, "O-%06zu", i);
    int ships = 1 + (int)(i % 3);
    int64_t t = T0 + (int64_t)i * 60 + s * 86400;
    for (int k = 0; k < ships && s < 2; k++) {
        snprintf(eid, sizeof eid, "%s-%d-%d", oid, s, k);
        ordo_outcome_event_t *x = ev_add(
            e, oid, eid, s ? ORDO_OUTCOME_DELIVERED : ORDO_OUTCOME_SHIPPED, t + k * (s == 0));
        x->shipment = (uint32_t)k;
        if (!s) {
            x->promised_by = T0 + (int64_t)i * 60 + (int64_t)(1 + i % 3) * 86400;
            x->cost[ORDO_COST_SHIP] = 3.1 + 0.7 * k + 0.01 * (double)(i % 17);
            x->cost_mask = 1u << ORDO_COST_SHIP;
        }
    }
    if (s == 1) {
        snprintf(eid, sizeof eid, "%s-1-c", oid);
        ordo_outcome_event_t *x = ev_add(e, oid, eid, ORDO_OUTCOME_COST, t);
        x->cost[ORDO_COST_PICK] = 0.3 + 0.1 * (double)(i % 7);
        x->cost[ORDO_COST_PACK] = 0.45;
        x->cost_mask = 1u << ORDO_COST_PICK | 1u << ORDO_COST_PACK;
        snprintf(eid, sizeof eid, "%s-1-m", oid);
        x = ev_add(e, oid, eid, ORDO_OUTCOME_MEASURE, t);
        x->measure = ORDO_MEASURE_SATISFACTION;
        x->value = 1.0 + 0.3 * (double)(i % 11);
    }
    if (s == 2 && i % 4 == 0) {
        snprintf(eid, sizeof eid, "%s-2-r", oid);
        ordo_outcome_event_t *x = ev_add(e, oid, eid, ORDO_OUTCOME_RETURNED, t);
        x->refund = 19.99;
        x->has_refund = true;
        snprintf(eid, sizeof eid, "%s-2-c", oid);
        x = ev_add(e, oid, eid, ORDO_OUTCOME_COST, t);
        x->cost[ORDO_COST_RETURN] = 4.2;
        x->cost[ORDO_COST_PICK] = 0.1;
        x->cost_mask = 1u << ORDO_COST_RETURN | 1u << ORDO_COST_PICK;
    } else if (s == 2 && i % 7 == 3) {
        snprintf(eid, sizeof eid, "%s-2-x", oid);
        ev_add(e, oid, eid, ORDO_OUTCOME_CANCELLED, t);
    }
}

static void put(const char *dir, const evs_t *e)
{
    ordo_error_t err;
    ordo_store_t *store;
    FX_CHECK(ordo_store_open(dir, NULL, &store, &err));
    FX_CHECK(ordo_store_outcomes_put_batch(store, e->v, e->n, NULL, &err));
    FX_CHECK(ordo_store_close(store, &err));
}

/* Stage s of orders [first, first + n), a batch per order. */
static void put_stage(const char *dir, size_t first, size_t n, int s)
{
    for (size_t i = first; i < first + n; i++) {
        evs_t e = {.n = 0};
        stage(&e, i, s);
        if (e.n)
            put(dir, &e);
    }
}

/* Refreshes the outcome facts as analyze does, then checks them against a
 * full read of SQLite; what the refresh read. */
static an_otail_stats_t refresh_same(const char *dir)
{
    ordo_datadir_t dd;
    ordo_error_t err;
    FX_CHECK(ordo_datadir_init(&dd, dir, &err));
    ordo_store_t *store;
    FX_CHECK(ordo_store_open_existing(dir, NULL, &store, &err));
    memset(&an_otail_last, 0, sizeof an_otail_last);
    an_outcomes_t oc, full;
    bool rebuilt;
    FX_CHECK(an_ofacts_open(dd.facts, dd.db, store, false, &oc, &rebuilt, &err));
    an_otail_stats_t st = an_otail_last;
    FX_CHECK(an_outcomes_load(store, &full, &err));
    assert_int_equal(oc.n, full.n);
    assert_int_equal(oc.events, full.events);
    for (size_t i = 0; i < full.n; i++) {
        long at = an_outcomes_find(&oc, full.v[i].oid);
        assert_true(at >= 0);
        assert_memory_equal(&oc.v[at], &full.v[i], sizeof full.v[i]);
    }
    an_outcomes_free(&oc);
    an_outcomes_free(&full);
    FX_CHECK(ordo_store_close(store, &err));
    return st;
}

static char *tail_path(const char *dir)
{
    char *p = malloc(4300);
    snprintf(p, 4300, "%s/ordo.db-outcomes", dir);
    return p;
}

static off_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

/* A data directory with 60 orders through stage 1, refreshed twice (the
 * states saved): the start of each crash case. */
static char *base_dir(void)
{
    char *dir = fx_tmp_dir();
    put_stage(dir, 0, 60, 0);
    refresh_same(dir); /* built from SQLite */
    put_stage(dir, 0, 60, 1);
    an_otail_stats_t st = refresh_same(dir);
    assert_true(st.tail);
    assert_true(st.all);
    put_stage(dir, 60, 10, 0);
    st = refresh_same(dir);
    assert_true(st.tail);
    assert_false(st.all);
    return dir;
}

static void test_refresh_equals_full(void **state)
{
    (void)state;
    char *dir = fx_tmp_dir();
    put_stage(dir, 0, 100, 0);
    an_otail_stats_t st = refresh_same(dir); /* no facts yet: read from SQLite */
    assert_false(st.tail);
    put_stage(dir, 0, 100, 1);
    put_stage(dir, 100, 100, 0);
    st = refresh_same(dir); /* no states: the whole tail folded */
    assert_true(st.tail && st.all);
    assert_int_equal(st.from_sqlite, 0);
    put_stage(dir, 0, 100, 2);
    put_stage(dir, 100, 100, 1);
    put_stage(dir, 200, 100, 0);
    st = refresh_same(dir); /* old orders change, new ones come: folded on states */
    assert_true(st.tail);
    assert_false(st.all);
    assert_int_equal(st.from_sqlite, 0);
    size_t late = 0; /* orders with a stage-2 event */
    for (size_t i = 0; i < 100; i++)
        late += i % 4 == 0 || i % 7 == 3;
    assert_int_equal(st.orders, late + 100 + 100);
    st = refresh_same(dir); /* nothing new */

    /* an event dated before one already folded: the order read from SQLite */
    evs_t e = {.n = 0};
    ordo_outcome_event_t *x =
        ev_cost(&e, "O-000005", "O-000005-0-zz", T0 + 10, ORDO_COST_CARRYING, 0.77);
    put(dir, &e);
    st = refresh_same(dir);
    assert_true(st.tail);
    assert_int_equal(st.from_sqlite, 1);
    e.n = 0;
    x = ev_cost(&e, "O-000005", "O-000005-9-a", T0 + 40 * 86400, ORDO_COST_CARRYING, 0.5);
    put(dir, &e);
    st = refresh_same(dir); /* ... and again: it has no state any more */
    assert_int_equal(st.from_sqlite, 1);

    /* long ids that tie at one time and share their first 88 bytes (told
     * apart by the ids file: folded from the tail); six shipments (more than
     * a state holds: SQLite) */
    e.n = 0;
    char oid[96], eid[96];
    snprintf(oid, sizeof oid, "ORDER-with-a-long-identifier-%060d", 7);
    for (int k = 0; k < 2; k++) {
        snprintf(eid, sizeof eid, "%s-%d", oid, k);
        x = ev_cost(&e, oid, eid, T0 + 99, ORDO_COST_PICK, 1.0 / 3 + k);
    }
    for (int k = 0; k < 6; k++) {
        snprintf(eid, sizeof eid, "many-%d", k);
        x = ev_add(&e, "O-many", eid, ORDO_OUTCOME_SHIPPED, T0 + 5);
        x->shipment = (uint32_t)k;
    }
    put(dir, &e);
    st = refresh_same(dir);
    assert_true(st.tail);
    assert_int_equal(st.from_sqlite, 1);

    /* a promise too far from its event for a row (OTAIL_F_SQLITE) */
    e.n = 0;
    x = ev_add(&e, "O-000009", "O-000009-far", ORDO_OUTCOME_SHIPPED, T0 + 50 * 86400);
    x->shipment = 3;
    x->promised_by = T0 + 50 * 86400 + (int64_t)INT32_MAX + 5;
    put(dir, &e);
    st = refresh_same(dir);
    assert_true(st.tail);
    assert_int_equal(st.from_sqlite, 1);
    fx_rm_tree(dir);
}

/* A crash between the commit and the append: the rows are missing (a gap);
 * the refresh reads SQLite. */
static void test_gap_reads_sqlite(void **state)
{
    (void)state;
    char *dir = base_dir(), *tail = tail_path(dir);
    put_stage(dir, 60, 10, 1);
    assert_int_equal(truncate(tail, file_size(tail) - 3 * (off_t)sizeof(otail_row_t)), 0);
    an_otail_stats_t st = refresh_same(dir);
    assert_false(st.tail);
    put_stage(dir, 70, 5, 0);
    st = refresh_same(dir); /* states dropped, the tail still lacks those rows */
    assert_false(st.tail);
    free(tail);
    fx_rm_tree(dir);
}

/* A torn append: the next writer cuts the part row and appends after it;
 * the torn row's event is a gap, read from SQLite. */
static void test_torn_append(void **state)
{
    (void)state;
    char *dir = base_dir(), *tail = tail_path(dir);
    put_stage(dir, 60, 10, 1);
    assert_int_equal(truncate(tail, file_size(tail) - 100), 0);
    put_stage(dir, 70, 5, 0);
    assert_int_equal((file_size(tail) - OTAIL_HDR) % sizeof(otail_row_t), 0);
    an_otail_stats_t st = refresh_same(dir);
    assert_false(st.tail);
    free(tail);
    fx_rm_tree(dir);
}

/* A row forged as the next number with a valid checksum */
static void forge(const char *tail, uint64_t seq, const char *oid)
{
    otail_row_t r;
    memset(&r, 0, sizeof r);
    r.seq = seq;
    an_hash128(oid, strlen(oid), r.oid);
    r.type = ORDO_OUTCOME_COST;
    r.at = T0 + 50 * 86400;
    r.num = 1000;
    r.cost_mask = 1u << ORDO_COST_PICK;
    otail_row_seal(&r);
    int fd = open(tail, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, &r, sizeof r), (ssize_t)sizeof r);
    close(fd);
}

static uint64_t store_seq(const char *dir)
{
    ordo_error_t err;
    ordo_store_t *store;
    uint64_t seq;
    FX_CHECK(ordo_store_open_existing(dir, NULL, &store, &err));
    FX_CHECK(ordo_store_outcome_seq(store, &seq, &err));
    FX_CHECK(ordo_store_close(store, &err));
    return seq;
}

/* A row that outlived its commit (the store lost the commit, the tail kept
 * the row): not read (its number is past the store's), and cut by the next
 * writer before the event that takes the number is appended. A row doubled,
 * a row damaged: SQLite. */
static void test_uncommitted_doubled_damaged(void **state)
{
    (void)state;
    char *dir = base_dir(), *tail = tail_path(dir);
    forge(tail, store_seq(dir) + 1, "O-000003");
    an_otail_stats_t st = refresh_same(dir); /* nothing new: the row not read */
    put_stage(dir, 60, 10, 1);               /* takes the number; the phantom cut */
    st = refresh_same(dir);
    assert_true(st.tail);
    assert_false(st.all);

    put_stage(dir, 70, 3, 0);
    forge(tail, store_seq(dir), "O-000004"); /* a second row with the last number */
    st = refresh_same(dir);
    assert_false(st.tail);

    put_stage(dir, 0, 3, 2); /* no states now, and the whole tail holds a doubled */
    st = refresh_same(dir);  /* number: SQLite again */
    assert_false(st.tail);
    free(tail);
    fx_rm_tree(dir);

    dir = base_dir();
    tail = tail_path(dir);
    put_stage(dir, 60, 10, 1);
    int fd = open(tail, O_RDWR);
    off_t at = file_size(tail) - (off_t)sizeof(otail_row_t) + 30;
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 4;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    close(fd);
    st = refresh_same(dir);
    assert_false(st.tail);
    free(tail);
    fx_rm_tree(dir);
}

/* A damaged ids record (the ids file is read on equal times and for an
 * order read from SQLite): the order it names is read from SQLite, or the
 * whole refresh when its order id is needed; never a wrong fold. A missing
 * ids file likewise. */
static void test_damaged_ids(void **state)
{
    (void)state;
    char *dir = base_dir(), *tail = tail_path(dir), ids[4400];
    snprintf(ids, sizeof ids, "%s-ids", tail);
    put_stage(dir, 60, 10, 1); /* ties: deliveries, cost and measure at one time */
    int fd = open(ids, O_RDWR);
    assert_true(fd >= 0);
    off_t at = file_size(ids) - 12; /* in the last record's ids */
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 1;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    close(fd);
    an_otail_stats_t st = refresh_same(dir);
    assert_true(st.tail);
    assert_int_equal(st.from_sqlite, 0); /* those ties commute: their ids are not read */
    evs_t e = {.n = 0}; /* two costs of one part at one time: told apart by their ids */
    for (int k = 0; k < 2; k++) {
        char eid[32];
        snprintf(eid, sizeof eid, "O-000071-t%d", k);
        ev_cost(&e, "O-000071", eid, T0 + 77, ORDO_COST_PICK, 0.1 + k);
    }
    put(dir, &e);
    fd = open(ids, O_RDWR);
    assert_true(fd >= 0);
    at = file_size(ids) - 12;
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 1;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    close(fd);
    st = refresh_same(dir);
    assert_true(st.tail);
    assert_int_equal(st.from_sqlite, 1); /* the order whose event id is damaged */
    put_stage(dir, 70, 5, 0);
    put_stage(dir, 0, 5, 2);
    assert_int_equal(unlink(ids), 0);
    st = refresh_same(dir);
    put_stage(dir, 75, 5, 0); /* a writer begins the ids file anew */
    st = refresh_same(dir);
    free(tail);
    fx_rm_tree(dir);
}

/* Rows an event takes in the tail: a continuation when it has more than
 * one number (cost parts, refund, a measure's value). */
static size_t rows_of(const evs_t *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->n; i++) {
        const ordo_outcome_event_t *x = &e->v[i];
        int k =
            __builtin_popcount(x->cost_mask) + x->has_refund + (x->type == ORDO_OUTCOME_MEASURE);
        n += k > 1 ? 2 : 1;
    }
    return n;
}

/* Rolled-back transactions and savepoints leave no rows. */
static void test_rollback_leaves_no_rows(void **state)
{
    (void)state;
    char *dir = base_dir(), *tail = tail_path(dir);
    ordo_error_t err;
    ordo_store_t *store;
    FX_CHECK(ordo_store_open_existing(dir, NULL, &store, &err));
    evs_t a = {.n = 0}, b = {.n = 0}, c = {.n = 0};
    stage(&a, 60, 1);
    stage(&b, 61, 1);
    stage(&c, 62, 1);
    off_t before = file_size(tail);
    FX_CHECK(ordo_store_tx_begin(store, &err));
    FX_CHECK(ordo_store_outcomes_put_batch(store, a.v, a.n, NULL, &err));
    FX_CHECK(ordo_store_tx_rollback(store, &err));
    assert_int_equal(file_size(tail), before);
    FX_CHECK(ordo_store_tx_begin(store, &err));
    FX_CHECK(ordo_store_outcomes_put_batch(store, b.v, b.n, NULL, &err));
    FX_CHECK(ordo_store_tx_begin(store, &err));
    FX_CHECK(ordo_store_outcomes_put_batch(store, a.v, a.n, NULL, &err));
    FX_CHECK(ordo_store_tx_rollback(store, &err));
    FX_CHECK(ordo_store_outcomes_put_batch(store, c.v, c.n, NULL, &err));
    FX_CHECK(ordo_store_tx_commit(store, &err));
    FX_CHECK(ordo_store_close(store, &err));
    assert_true(rows_of(&b) > b.n); /* continuations among them */
    assert_int_equal(file_size(tail),
                     before + (off_t)((rows_of(&b) + rows_of(&c)) * sizeof(otail_row_t)));
    an_otail_stats_t st = refresh_same(dir);
    assert_true(st.tail);
    assert_int_equal(st.rows, b.n + c.n);
    free(tail);
    fx_rm_tree(dir);
}

/* Outcomes arriving between refreshes: the report from the outcome facts
 * refreshed through the tail equals the record path's (every order's
 * summary read from SQLite) each time. */
static void test_report_after_refreshes(void **state)
{
    (void)state;
    char *dir = fx_tmp_dir();
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = 240;
    fx_build(dir, &spec, NULL, true);
    for (int round = 0; round < 4; round++) {
        char *fac = fx_report_json(dir, ORDO_ANALYZE_FACTS_AUTO);
        char *rec = fx_report_json(dir, ORDO_ANALYZE_FACTS_OFF);
        assert_string_equal(fac, rec);
        if (round >= 2)
            assert_true(an_otail_last.tail); /* round 1 folded the whole tail */
        free(fac);
        free(rec);
        put_stage(dir, (size_t)round * 60, 60, round % 2 ? 2 : 1);
        put_stage(dir, 0, 30, 2 - round % 2);
    }
    fx_rm_tree(dir);
}

/* A power loss that kept the states' sealed header but not the states the
 * last refresh wrote: each old state holds its own checksum, yet it is
 * older than its order's row, and folding the next events on it would lose
 * the ones between. The order is read from SQLite instead. */
static void test_lost_state_write(void **state)
{
    (void)state;
    char *dir = base_dir();
    char path[4300];
    snprintf(path, sizeof path, "%s/facts/outcome_state", dir);
    char *old = NULL, *now = NULL;
    size_t old_len = 0, now_len = 0;
    ordo_error_t err;
    FX_CHECK(ordo_read_file(path, &old, &old_len, &err));
    put_stage(dir, 0, 8, 2); /* orders 0 and 4 return, 3 is cancelled */
    an_otail_stats_t st = refresh_same(dir);
    assert_true(st.tail);
    assert_int_equal(st.from_sqlite, 0);
    FX_CHECK(ordo_read_file(path, &now, &now_len, &err));
    assert_int_equal(now_len, old_len);
    assert_true(memcmp(now, old, 64) != 0);   /* a new seal ... */
    memcpy(now + 64, old + 64, old_len - 64); /* ... over the older states */
    FX_CHECK(ordo_write_file_atomic(path, now, now_len, &err));
    evs_t e = {.n = 0};
    ev_cost(&e, "O-000000", "O-000000-9-c", T0 + 30 * 86400, ORDO_COST_CARRYING, 0.25);
    put(dir, &e);
    st = refresh_same(dir); /* equal to SQLite's, the return kept */
    assert_true(st.tail);
    assert_int_equal(st.from_sqlite, 1);
    free(old);
    free(now);
    fx_rm_tree(dir);
}

/* The rows' and ids records' checksums (XXH3-64's low half) catch every
 * single flipped bit here: of an event row and of a continuation (every
 * byte), and of an ids record (its number, lengths, ids and checksum; its
 * two pad bytes and the zeros after the ids are never read). */
static void test_every_flipped_bit_caught(void **state)
{
    (void)state;
    char *dir = base_dir(), *tail = tail_path(dir), ids[4400];
    snprintf(ids, sizeof ids, "%s-ids", tail);
    size_t tl, il;
    char *tc = NULL, *ic = NULL;
    ordo_error_t err;
    FX_CHECK(ordo_read_file(tail, &tc, &tl, &err));
    FX_CHECK(ordo_read_file(ids, &ic, &il, &err));
    unsigned char *tb = (unsigned char *)tc, *ib = (unsigned char *)ic;
    otail_row_t *rows = (otail_row_t *)(tb + OTAIL_HDR);
    size_t n = (tl - OTAIL_HDR) / sizeof *rows;
    otail_map_t m = {.rows = rows, .n = n, .ids = (const char *)ib, .ids_len = il};
    size_t with_more = n, plain = n;
    for (size_t i = 0; i < n; i++) {
        if (!(rows[i].seq & OTAIL_MORE) && (rows[i].flags & OTAIL_F_MORE) && with_more == n)
            with_more = i;
        if (!(rows[i].seq & OTAIL_MORE) && !(rows[i].flags & OTAIL_F_MORE) && plain == n)
            plain = i;
    }
    assert_true(with_more < n && plain < n);
    size_t checked = 0;
    /* a plain row, an event row with a continuation, the continuation */
    const size_t at[3] = {plain, with_more, with_more + 1},
                 whole[3] = {plain, with_more, with_more};
    for (int k = 0; k < 3; k++) {
        unsigned char *b = (unsigned char *)&rows[at[k]];
        assert_true(otail_row_ok(rows, whole[k], n));
        for (size_t bit = 0; bit < 8 * sizeof(otail_row_t); bit++) {
            b[bit / 8] ^= (unsigned char)(1u << bit % 8);
            assert_false(otail_row_ok(rows, whole[k], n));
            b[bit / 8] ^= (unsigned char)(1u << bit % 8);
            checked++;
        }
        assert_true(otail_row_ok(rows, whole[k], n));
    }
    /* the ids record of the row with a continuation */
    const otail_row_t *r = &rows[with_more];
    const char *o, *e;
    size_t ol, el;
    assert_true(otail_ids_get(&m, r->ids, r->seq, &o, &ol, &e, &el));
    size_t len = sizeof(otail_ids_t) + ol + el;
    for (size_t bit = 0; bit < 8 * len; bit++) {
        if (bit / 8 >= offsetof(otail_ids_t, pad) && bit / 8 < sizeof(otail_ids_t))
            continue; /* the pad bytes: never read */
        ib[r->ids + bit / 8] ^= (unsigned char)(1u << bit % 8);
        assert_false(otail_ids_get(&m, r->ids, r->seq, &o, &ol, &e, &el));
        ib[r->ids + bit / 8] ^= (unsigned char)(1u << bit % 8);
        checked++;
    }
    assert_true(otail_ids_get(&m, r->ids, r->seq, &o, &ol, &e, &el));
    assert_true(checked > 3 * 512);
    free(tb);
    free(ib);
    free(tail);
    fx_rm_tree(dir);
}

/* Events of one time that add to no common sum are folded in tail order,
 * their ids not read; the state then knows its last time's events are not
 * told apart, so a later event at that time reads the order from SQLite,
 * and one after it is folded. Events of one time adding to one sum are
 * ordered by their ids (test_refresh_equals_full: long ids). */
static void test_commuting_ties(void **state)
{
    (void)state;
    char *dir = base_dir();
    evs_t e = {.n = 0};
    /* given out of id order: measures of two kinds, a cost, a delivery, a refund */
    ordo_outcome_event_t *x = ev_add(&e, "O-000090", "O-000090-z", ORDO_OUTCOME_MEASURE, T0 + 9);
    x->measure = ORDO_MEASURE_SATISFACTION;
    x->value = 4;
    x = ev_add(&e, "O-000090", "O-000090-a", ORDO_OUTCOME_MEASURE, T0 + 9);
    x->measure = ORDO_MEASURE_DOCK_TO_TRUCK_HOURS;
    x->value = 2.5;
    x = ev_cost(&e, "O-000090", "O-000090-m", T0 + 9, ORDO_COST_CARRYING, 0.3);
    x = ev_add(&e, "O-000090", "O-000090-b", ORDO_OUTCOME_DELIVERED, T0 + 9);
    x->shipment = 2;
    x = ev_add(&e, "O-000090", "O-000090-c", ORDO_OUTCOME_SHIPPED, T0 + 9);
    x->shipment = 1;
    x = ev_add(&e, "O-000090", "O-000090-d", ORDO_OUTCOME_RETURNED, T0 + 9);
    x->shipment = 1;
    x->refund = 3.25;
    x->has_refund = true;
    put(dir, &e);
    an_otail_stats_t st = refresh_same(dir);
    assert_true(st.tail);
    assert_int_equal(st.from_sqlite, 0);
    e.n = 0; /* after the tied time: folded on the state */
    x = ev_cost(&e, "O-000090", "O-000090-0", T0 + 10, ORDO_COST_CARRYING, 0.7);
    put(dir, &e);
    st = refresh_same(dir);
    assert_int_equal(st.from_sqlite, 0);
    e.n = 0; /* a new tied time, then an event at it: SQLite */
    for (int k = 0; k < 2; k++) {
        x = ev_add(&e, "O-000091", k ? "O-000091-a" : "O-000091-b", ORDO_OUTCOME_MEASURE, T0 + 20);
        x->measure = k ? ORDO_MEASURE_SATISFACTION : ORDO_MEASURE_DOCK_TO_TRUCK_HOURS;
        x->value = 1 + k;
    }
    put(dir, &e);
    st = refresh_same(dir);
    assert_int_equal(st.from_sqlite, 0);
    e.n = 0;
    x = ev_cost(&e, "O-000091", "O-000091-0", T0 + 20, ORDO_COST_PICK, 0.2);
    put(dir, &e);
    st = refresh_same(dir);
    assert_true(st.tail);
    assert_int_equal(st.from_sqlite, 1);

    /* at the time of the last event folded (alone: not tied), two new ones
     * that commute with each other, the one with the smaller id than the
     * folded one second in the tail: it sorts before the folded one, whose
     * sum it shares (0.3 + 0.1 + 0.6 is not 0.3 + 0.6 + 0.1): SQLite */
    const double pick[3] = {0.3, 0.6, 0.1};
    e.n = 0;
    x = ev_cost(&e, "O-000092", "O-000092-0", T0 + 29, ORDO_COST_PICK, pick[0]);
    x = ev_cost(&e, "O-000092", "O-000092-b", T0 + 30, ORDO_COST_PICK, pick[1]);
    put(dir, &e);
    st = refresh_same(dir);
    assert_int_equal(st.from_sqlite, 0);
    e.n = 0;
    x = ev_cost(&e, "O-000092", "O-000092-c", T0 + 30, ORDO_COST_PACK, 0.45);
    x = ev_cost(&e, "O-000092", "O-000092-a", T0 + 30, ORDO_COST_PICK, pick[2]);
    put(dir, &e);
    assert_true((pick[0] + pick[2]) + pick[1] != (pick[0] + pick[1]) + pick[2]);
    st = refresh_same(dir);
    assert_true(st.tail);
    assert_int_equal(st.from_sqlite, 1);
    fx_rm_tree(dir);
}

/* A states file of format 3 (before last_tied) is not read: the next
 * refresh folds the whole tail again and saves every state. */
static void test_old_states_version_not_read(void **state)
{
    (void)state;
    char *dir = base_dir(), path[4400];
    snprintf(path, sizeof path, "%s/facts/outcome_state", dir);
    unsigned char h[64];
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, h, sizeof h, 0), (ssize_t)sizeof h);
    uint32_t v;
    memcpy(&v, h + 8, sizeof v);
    assert_int_equal(v, 4);
    v = 3;
    memcpy(h + 8, &v, sizeof v);
    uint64_t sum = XXH3_64bits(h, 56);
    memcpy(h + 56, &sum, sizeof sum);
    assert_int_equal(pwrite(fd, h, sizeof h, 0), (ssize_t)sizeof h);
    close(fd);
    put_stage(dir, 60, 10, 1);
    an_otail_stats_t st = refresh_same(dir);
    assert_true(st.tail && st.all);
    put_stage(dir, 70, 5, 0);
    st = refresh_same(dir);
    assert_true(st.tail);
    assert_false(st.all);
    fx_rm_tree(dir);
}

/* Stage s of orders [first, first + n) in one batch. */
static void put_many(const char *dir, size_t first, size_t n, int s)
{
    evs_t *all = malloc(sizeof *all * 2);
    ordo_outcome_event_t *v = malloc(n * 8 * sizeof *v);
    size_t k = 0;
    for (size_t i = first; i < first + n; i++) {
        all->n = 0;
        stage(all, i, s);
        memcpy(v + k, all->v, all->n * sizeof *v);
        k += all->n;
    }
    ordo_error_t err;
    ordo_store_t *store;
    FX_CHECK(ordo_store_open(dir, NULL, &store, &err));
    FX_CHECK(ordo_store_outcomes_put_batch(store, v, k, NULL, &err));
    FX_CHECK(ordo_store_close(store, &err));
    free(v);
    free(all);
}

typedef struct ofiles {
    char *out, *st; /* DIR/facts/outcomes, DIR/facts/outcome_state (NULL: none) */
    size_t out_len, st_len;
} ofiles_t;

static ofiles_t ofiles_read(const char *dir)
{
    char path[4400];
    ofiles_t f = {0};
    ordo_error_t err;
    snprintf(path, sizeof path, "%s/facts/outcomes", dir);
    FX_CHECK(ordo_read_file(path, &f.out, &f.out_len, &err));
    snprintf(path, sizeof path, "%s/facts/outcome_state", dir);
    if (access(path, F_OK) == 0)
        FX_CHECK(ordo_read_file(path, &f.st, &f.st_len, &err));
    return f;
}

static void ofiles_write(const char *dir, const ofiles_t *f)
{
    char path[4400];
    ordo_error_t err;
    snprintf(path, sizeof path, "%s/facts/outcomes", dir);
    FX_CHECK(ordo_write_file_replace(path, f->out, f->out_len, &err));
    snprintf(path, sizeof path, "%s/facts/outcome_state", dir);
    if (f->st)
        FX_CHECK(ordo_write_file_replace(path, f->st, f->st_len, &err));
    else
        unlink(path);
}

static void ofiles_same(const ofiles_t *a, const ofiles_t *b)
{
    assert_int_equal(a->out_len, b->out_len);
    assert_memory_equal(a->out, b->out, a->out_len);
    assert_non_null(a->st);
    assert_non_null(b->st);
    assert_int_equal(a->st_len, b->st_len);
    assert_memory_equal(a->st, b->st, a->st_len);
}

static void ofiles_free(ofiles_t *f)
{
    free(f->out);
    free(f->st);
}

/* The refresh from before with one thread, then with two: the states and
 * outcome facts files equal byte for byte; each the refresh from SQLite. */
static an_otail_stats_t one_then_two(const char *dir, const ofiles_t *before)
{
    an_otail_stats_t st[2];
    ofiles_t after[2];
    for (int t = 0; t < 2; t++) {
        ofiles_write(dir, before);
        an_otail_threads = t + 1;
        st[t] = refresh_same(dir);
        after[t] = ofiles_read(dir);
        assert_true(st[t].tail);
    }
    an_otail_threads = 2;
    ofiles_same(&after[0], &after[1]);
    assert_int_equal(st[0].orders, st[1].orders);
    assert_int_equal(st[0].from_sqlite, st[1].from_sqlite);
    ofiles_free(&after[0]);
    ofiles_free(&after[1]);
    return st[1];
}

/* Enough changed orders for the fold's two threads (4,096): old orders'
 * late events, new orders, and orders read from SQLite in each half (an
 * event dated before one folded); folded on saved states, then with none
 * (the whole tail: groups that give no row, compacted away). The files
 * the two threads write are those of one thread. */
static void test_two_threads_same_bytes(void **state)
{
    (void)state;
    char *dir = fx_tmp_dir();
    const size_t n = 5000;
    put_many(dir, 0, n, 0);
    refresh_same(dir); /* from SQLite */
    put_many(dir, 0, n, 1);
    an_otail_stats_t st = refresh_same(dir);
    assert_true(st.tail && st.all);
    put_many(dir, 0, n, 2);
    put_many(dir, n, n, 0);
    evs_t e = {.n = 0};
    ev_cost(&e, "O-000007", "O-000007-0-zz", T0 + 10, ORDO_COST_CARRYING, 0.77);
    ev_cost(&e, "O-004999", "O-004999-0-zz", T0 + 10, ORDO_COST_CARRYING, 0.5);
    put(dir, &e);
    ofiles_t before = ofiles_read(dir);
    assert_non_null(before.st);
    st = one_then_two(dir, &before);
    assert_false(st.all);
    assert_true(st.orders > 4096 + n / 2);
    assert_int_equal(st.from_sqlite, 2);
    free(before.st); /* no states: the whole tail folded */
    before.st = NULL;
    st = one_then_two(dir, &before);
    assert_true(st.all);
    ofiles_free(&before);
    fx_rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refresh_equals_full),
        cmocka_unit_test(test_gap_reads_sqlite),
        cmocka_unit_test(test_torn_append),
        cmocka_unit_test(test_uncommitted_doubled_damaged),
        cmocka_unit_test(test_rollback_leaves_no_rows),
        cmocka_unit_test(test_damaged_ids),
        cmocka_unit_test(test_report_after_refreshes),
        cmocka_unit_test(test_lost_state_write),
        cmocka_unit_test(test_every_flipped_bit_caught),
        cmocka_unit_test(test_commuting_ties),
        cmocka_unit_test(test_old_states_version_not_read),
        cmocka_unit_test(test_two_threads_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
