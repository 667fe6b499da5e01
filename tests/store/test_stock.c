/* SPDX-License-Identifier: Apache-2.0 */
/* The stock the store owns: conditional reservations (never past ATP, also
 * from two handles), settlement (release, ship), recovery's drop of
 * reservations past the log, the applied mark, snapshot and delta files
 * (all or nothing, errors naming file, line and field), the migration
 * from schema version 2, outcome events settling reservations, and the
 * numbering of a decision's reservation rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "ordo/store.h"
#include "store_test_util.h"

#define OK(x) assert_int_equal((x), ORDO_OK)

static ordo_store_t *open_store(const char *dir)
{
    ordo_store_t *s = NULL;
    ordo_error_t err = {0};
    OK(ordo_store_open(dir, NULL, &s, &err));
    return s;
}

static ordo_stock_row_t get(ordo_store_t *s, const char *node, const char *sku)
{
    ordo_stock_row_t r;
    bool found = false;
    ordo_error_t err = {0};
    OK(ordo_store_stock_get(s, node, sku, &r, &found, &err));
    assert_true(found);
    return r;
}

static bool reserve(ordo_store_t *s, int64_t qty, bool respect)
{
    ordo_stock_row_t seed = {.on_hand = 15, .reserved = 0, .safety = 1};
    bool taken = false;
    ordo_error_t err = {0};
    OK(ordo_store_stock_reserve(s, "dc-ca", "SKU-CHAIR", &seed, qty, respect, false, &taken,
                                &err));
    return taken;
}

/* Two handles (as two processes) reserve one by one: together they take
 * exactly ATP = 15 - 1 = 14, then only the safety stock when allowed. */
static void test_reserve_never_past_atp(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *a = open_store(dir), *b = open_store(dir);
    int taken = 0;
    for (int i = 0; i < 20; i++) {
        taken += reserve(a, 1, true);
        taken += reserve(b, 1, true);
    }
    assert_int_equal(taken, 14);
    ordo_stock_row_t r = get(a, "dc-ca", "SKU-CHAIR");
    assert_int_equal(r.on_hand, 15);
    assert_int_equal(r.reserved, 14);
    assert_false(reserve(a, 2, false)); /* only 1 left, even with the safety stock */
    assert_true(reserve(b, 1, false));
    assert_false(reserve(a, 1, false));
    ordo_error_t err = {0};
    OK(ordo_store_stock_unreserve(a, "dc-ca", "SKU-CHAIR", 3, &err));
    assert_int_equal(get(b, "dc-ca", "SKU-CHAIR").reserved, 12);
    assert_int_equal(ordo_store_stock_reserve(a, "", "SKU-CHAIR", NULL, 1, true, false,
                                              &(bool){0}, &err),
                     ORDO_EINVAL);
    assert_string_equal(err.field, "node");
    ordo_store_close(a, NULL);
    ordo_store_close(b, NULL);
    rm_tree(dir);
}

static void add(ordo_store_t *s, uint64_t seq, const char *order, uint32_t shipment, int64_t qty)
{
    ordo_error_t err = {0};
    bool taken = false;
    ordo_stock_row_t seed = {.on_hand = 100};
    OK(ordo_store_stock_reserve(s, "dc-nj", "SKU-TEE", &seed, qty, true, false, &taken, &err));
    assert_true(taken);
    OK(ordo_store_reservation_add(s, seq, order, shipment, "dc-nj", "SKU-TEE", qty, &err));
}

static void test_settle_and_drop(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    add(s, 1, "O-1", 0, 3);
    add(s, 1, "O-1", 1, 2);
    add(s, 2, "O-2", 0, 4);
    add(s, 3, "O-3", 0, 5);
    ordo_stock_totals_t t;
    OK(ordo_store_stock_totals(s, &t, &err));
    assert_int_equal(t.held_units, 14);
    assert_int_equal(t.held, 4);
    assert_int_equal(t.max_seq, 3);
    uint64_t units = 0;
    OK(ordo_store_reservation_settle(s, "O-1", 1, ORDO_STOCK_SHIP, &units, &err));
    assert_int_equal(units, 2);
    ordo_stock_row_t r = get(s, "dc-nj", "SKU-TEE");
    assert_int_equal(r.on_hand, 98);
    assert_int_equal(r.reserved, 12);
    OK(ordo_store_reservation_settle(s, "O-1", -1, ORDO_STOCK_RELEASE, &units, &err));
    assert_int_equal(units, 3);
    OK(ordo_store_reservation_settle(s, "O-1", -1, ORDO_STOCK_RELEASE, &units, &err));
    assert_int_equal(units, 0); /* nothing held any more */
    assert_int_equal(get(s, "dc-nj", "SKU-TEE").reserved, 9);
    /* recovery: the log ends at seq 2, so O-3's reservation goes */
    OK(ordo_store_reservation_drop_after(s, 2, &units, &err));
    assert_int_equal(units, 5);
    assert_int_equal(get(s, "dc-nj", "SKU-TEE").reserved, 4);
    OK(ordo_store_stock_totals(s, &t, &err));
    assert_int_equal(t.held_units, 4);
    assert_int_equal(t.max_seq, 2);
    /* the mark: unset on a new store, then as set */
    uint64_t seq = 7;
    assert_int_equal(ordo_store_stock_applied_seq(s, &seq, &err), ORDO_ENOTFOUND);
    assert_int_equal(seq, 0);
    OK(ordo_store_stock_set_applied_seq(s, 42, &err));
    OK(ordo_store_stock_applied_seq(s, &seq, &err));
    assert_int_equal(seq, 42);
    assert_int_equal(ordo_store_reservation_add(s, 0, "O-9", 0, "dc-nj", "SKU-TEE", 1, &err),
                     ORDO_EINVAL);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

/* A cancelled event releases the order's held units, a shipped one
 * consumes its shipment's; a repeated event does nothing again; a failed
 * ingest settles nothing. */
static void test_outcomes_settle(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    add(s, 1, "O-1", 0, 3);
    add(s, 2, "O-2", 0, 4);
    ordo_outcome_event_t ev[2] = {0};
    snprintf(ev[0].event_id, sizeof ev[0].event_id, "e1");
    snprintf(ev[0].order_id, sizeof ev[0].order_id, "O-1");
    ev[0].type = ORDO_OUTCOME_CANCELLED;
    ev[0].at = 1700000000;
    snprintf(ev[1].event_id, sizeof ev[1].event_id, "e2");
    snprintf(ev[1].order_id, sizeof ev[1].order_id, "O-2");
    ev[1].type = ORDO_OUTCOME_SHIPPED;
    ev[1].at = 1700000000;
    OK(ordo_store_outcomes_put_batch(s, ev, 2, NULL, &err));
    ordo_stock_row_t r = get(s, "dc-nj", "SKU-TEE");
    assert_int_equal(r.reserved, 0);
    assert_int_equal(r.on_hand, 96);
    OK(ordo_store_outcomes_put_batch(s, ev, 2, NULL, &err));
    assert_int_equal(get(s, "dc-nj", "SKU-TEE").on_hand, 96);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

static void test_files(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    ordo_stock_load_stats_t st;
    char *snap = write_tmp(dir, "snap.csv",
                           "node,sku,on_hand,safety_stock\r\ndc-nj,SKU-TEE,500,5\r\n\r\n"
                           "dc-ca,SKU-TEE,300,\r\n");
    OK(ordo_store_stock_load_file(s, snap, ORDO_STOCK_SNAPSHOT, "t", false, &st, &err));
    assert_int_equal(st.rows, 2);
    assert_int_equal(st.units, 800);
    assert_int_equal(get(s, "dc-nj", "SKU-TEE").safety, 5);
    assert_int_equal(get(s, "dc-ca", "SKU-TEE").safety, 0);
    struct {
        const char *text;
        ordo_stock_file_t kind;
        long line;
        const char *field;
        int code;
    } bad[] = {
        {"node,sku,on_hand\ndc-nj,SKU-TEE,1\n", ORDO_STOCK_SNAPSHOT, 1, "", ORDO_EPARSE},
        {"node,sku,on_hand,safety_stock\ndc-nj,SKU-TEE,1,\ndc-nj,SKU-MUG,-1,\n",
         ORDO_STOCK_SNAPSHOT, 3, "on_hand", ORDO_EPARSE},
        {"node,sku,on_hand,safety_stock\ndc-nj,SKU-TEE,1,\n,SKU-MUG,1,\n", ORDO_STOCK_SNAPSHOT,
         3, "node", ORDO_EPARSE},
        {"node,sku,on_hand,safety_stock\ndc-nj,SKU-TEE,1,x\n", ORDO_STOCK_SNAPSHOT, 2,
         "safety_stock", ORDO_EPARSE},
        {"node,sku,on_hand,safety_stock\ndc-nj,SKU-TEE,1,\ndc-nj,SKU-TEE,2,\n",
         ORDO_STOCK_SNAPSHOT, 3, "sku", ORDO_EEXIST},
        {"node,sku,quantity\ndc-nj,SKU-TEE,7\ndc-nj,SKU-TEE,0\n", ORDO_STOCK_DELTA, 3,
         "quantity", ORDO_EPARSE},
        {"node,sku,quantity\ndc-nj,SKU-TEE,7\ndc-nj,SKU-NONE,1\n", ORDO_STOCK_DELTA, 3, "sku",
         ORDO_ENOTFOUND},
        {"node,sku,quantity\ndc-nj,SKU-TEE,7\ndc-ca,SKU-TEE,-301\n", ORDO_STOCK_DELTA, 3,
         "quantity", ORDO_ERANGE},
        {"node,sku,quantity\ndc-nj,SKU-TEE,1,2\n", ORDO_STOCK_DELTA, 2, "", ORDO_EPARSE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *p = write_tmp(dir, "bad.csv", bad[i].text);
        ordo_error_t e = {0};
        int rc = ordo_store_stock_load_file(s, p, bad[i].kind, "t", false, &st, &e);
        if (rc != bad[i].code || e.line != bad[i].line || strcmp(e.field, bad[i].field))
            fail_msg("case %zu: rc %d line %ld field '%s': %s", i, rc, e.line, e.field, e.msg);
        assert_non_null(strstr(e.file, "bad.csv"));
        free(p);
        /* nothing of the file stayed */
        assert_int_equal(get(s, "dc-nj", "SKU-TEE").on_hand, 500);
        assert_int_equal(get(s, "dc-ca", "SKU-TEE").on_hand, 300);
    }
    char *delta = write_tmp(dir, "d.csv", "node,sku,quantity\ndc-nj,SKU-TEE,7\ndc-ca,SKU-TEE,-300\n");
    OK(ordo_store_stock_load_file(s, delta, ORDO_STOCK_DELTA, "t", false, &st, &err));
    assert_int_equal(get(s, "dc-nj", "SKU-TEE").on_hand, 507);
    assert_int_equal(get(s, "dc-ca", "SKU-TEE").on_hand, 0);
    /* a snapshot keeps the reservations */
    add(s, 1, "O-1", 0, 3);
    OK(ordo_store_stock_load_file(s, snap, ORDO_STOCK_SNAPSHOT, "t", false, &st, &err));
    assert_int_equal(get(s, "dc-nj", "SKU-TEE").reserved, 3);
    free(snap);
    free(delta);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

/* A version 2 database migrates to 3: the stock tables appear, the mark
 * is unset, and what version 2 held stays. */
static void test_migrate_v2(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    char k[ORDO_CUSTOMER_KEY_LEN];
    OK(ordo_store_customer_key(s, "C-1", k, &err));
    ordo_store_close(s, NULL);
    char db[4200];
    snprintf(db, sizeof db, "%s/ordo.db", dir);
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(db, &db3), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db3,
                                  "DROP TABLE stock; DROP TABLE reservation; DROP TABLE stock_meta; "
                                  "DROP TRIGGER outcome_event_change; DROP TABLE outcome_change; "
                                  "DROP TABLE signal; DROP TABLE signal_version; "
                                  "DELETE FROM schema_version WHERE version >= 3",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db3);
    s = open_store(dir);
    int v = 0;
    OK(ordo_store_schema_version(s, &v, &err));
    assert_int_equal(v, ORDO_STORE_SCHEMA_VERSION);
    uint64_t seq;
    assert_int_equal(ordo_store_stock_applied_seq(s, &seq, &err), ORDO_ENOTFOUND);
    bool mapped = false;
    OK(ordo_store_customer_lookup(s, "C-1", k, &mapped, &err));
    assert_true(mapped);
    add(s, 1, "O-1", 0, 3);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

/* The k of each (seq) row, in order, as "seq:k seq:k ...". */
static void ks(const char *dir, char *out, size_t n)
{
    char db[4200];
    snprintf(db, sizeof db, "%s/ordo.db", dir);
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(db, &db3), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db3, "SELECT seq, k FROM reservation ORDER BY seq, k", -1,
                                        &st, NULL),
                     SQLITE_OK);
    out[0] = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out + strlen(out), n - strlen(out), "%lld:%lld ", sqlite3_column_int64(st, 0),
                 sqlite3_column_int64(st, 1));
    sqlite3_finalize(st);
    /* schema 7: the state CHECK still refuses what is not a state */
    assert_int_not_equal(sqlite3_exec(db3, "UPDATE reservation SET state = 'lost'", NULL, NULL,
                                      NULL),
                         SQLITE_OK);
    sqlite3_close(db3);
}

/* A decision's rows take k = 0, 1, ... whether the insert counts (outside
 * a transaction, or a seq at or below one stored) or knows its k (inside
 * one), also after a rollback and across seqs written in turn. */
static void test_reservation_k(void **state)
{
    (void)state;
    if (getenv("ORDO_TEST_PG_DSN"))
        skip(); /* it reads SQLite's reservation table itself */
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    add(s, 3, "O-3", 0, 1); /* autocommit: counted */
    add(s, 3, "O-3", 1, 1);
    OK(ordo_store_tx_begin(s, &err));
    add(s, 5, "O-5", 0, 1); /* past every stored seq: 0, then 1, 2 */
    add(s, 5, "O-5", 0, 1);
    add(s, 5, "O-5", 1, 1);
    add(s, 3, "O-3", 2, 1); /* an older seq again: counted (2) */
    add(s, 5, "O-5", 2, 1); /* back to 5: counted (3) */
    OK(ordo_store_tx_commit(s, &err));
    OK(ordo_store_tx_begin(s, &err));
    add(s, 7, "O-7", 0, 1);
    add(s, 7, "O-7", 0, 1);
    OK(ordo_store_tx_rollback(s, &err)); /* seq 7 is gone and forgotten */
    OK(ordo_store_tx_begin(s, &err));
    add(s, 7, "O-7", 0, 1);
    add(s, 6, "O-6", 0, 1); /* below the highest seen in this transaction */
    add(s, 7, "O-7", 1, 1);
    OK(ordo_store_tx_commit(s, &err));
    char got[256];
    ks(dir, got, sizeof got);
    assert_string_equal(got, "3:0 3:1 3:2 5:0 5:1 5:2 5:3 6:0 7:0 7:1 ");
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

/* A plan's reservation in one call (one statement on PostgreSQL): all of
 * its cells or none (the refused one named), its rows under the seq, a
 * retry of the same order and seq changes nothing, a policy may take the
 * safety stock; not inside a transaction. */
static void test_reserve_plan(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    ordo_store_plan_cell_t c[2] = {
        {.node = "dc-ca", .sku = "SKU-CHAIR", .qty = 10, .seed = {.on_hand = 15, .safety = 1}},
        {.node = "dc-nj", .sku = "SKU-TEE", .shipment = 1, .qty = 5, .seed = {.on_hand = 5}}};
    int32_t res = 7;
    char key[ORDO_CUSTOMER_KEY_LEN];
    OK(ordo_store_customer_key_of(s, "C-1", key, &err));
    OK(ordo_store_tx_begin(s, &err));
    assert_int_equal(ordo_store_stock_reserve_plan(s, 1, "P-1", c, 2, true, key, "C-1", &res, &err),
                     ORDO_ESTATE);
    OK(ordo_store_tx_rollback(s, &err));
    OK(ordo_store_stock_reserve_plan(s, 1, "P-1", c, 2, true, key, "C-1", &res, &err));
    assert_int_equal(res, 0);
    assert_int_equal(get(s, "dc-ca", "SKU-CHAIR").reserved, 10);
    assert_int_equal(get(s, "dc-nj", "SKU-TEE").reserved, 5);
    OK(ordo_store_stock_reserve_plan(s, 1, "P-1", c, 2, true, NULL, NULL, &res, &err));
    assert_int_equal(res, -1); /* already held: nothing taken twice */
    assert_int_equal(get(s, "dc-ca", "SKU-CHAIR").reserved, 10);
    /* 4 chairs are left of ATP 4; the tee is gone: refused at cell 2, the
     * chairs given back with it */
    c[0].qty = 4;
    c[1].qty = 1;
    OK(ordo_store_stock_reserve_plan(s, 2, "P-2", c, 2, true, NULL, NULL, &res, &err));
    assert_int_equal(res, 2);
    assert_int_equal(get(s, "dc-ca", "SKU-CHAIR").reserved, 10);
    /* 5 chairs: only with the safety stock */
    c[0].qty = 5;
    OK(ordo_store_stock_reserve_plan(s, 3, "P-3", c, 1, true, NULL, NULL, &res, &err));
    assert_int_equal(res, 1);
    OK(ordo_store_stock_reserve_plan(s, 3, "P-3", c, 1, false, NULL, NULL, &res, &err));
    assert_int_equal(res, 0);
    assert_int_equal(get(s, "dc-ca", "SKU-CHAIR").reserved, 15);
    ordo_stock_totals_t t;
    OK(ordo_store_stock_totals(s, &t, &err));
    assert_int_equal(t.held_units, 20);
    assert_int_equal(t.held, 3);
    char *cust = NULL;
    OK(ordo_store_customer_resolve(s, key, &cust, &err));
    assert_string_equal(cust, "C-1");
    free(cust);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

/* The store's stock and reservation rows as text (the times left out). */
static void dump(ordo_store_t *s, const char *dir, char *out, size_t n)
{
    (void)s;
    char db[4200];
    snprintf(db, sizeof db, "%s/ordo.db", dir);
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(db, &db3), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(db3,
                           "SELECT node || '/' || sku || '=' || on_hand || ',' || reserved || ',' "
                           "|| safety || ',' || as_of FROM stock UNION ALL SELECT * FROM (SELECT "
                           "seq || ':' || k || ' ' || order_id || ' ' || shipment || ' ' || node "
                           "|| '/' || sku || ' ' || qty || ' ' || state FROM reservation ORDER BY "
                           "seq, k)",
                           -1, &st, NULL),
        SQLITE_OK);
    out[0] = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out + strlen(out), n - strlen(out), "%s\n", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db3);
}

static uint64_t rnd_state;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rnd_state >> 33) % n;
}

/* The reference: the plan line by line (ordo_store_stock_reserve, then
 * ordo_store_reservation_add) in a transaction, rolled back at the first
 * cell that refuses; force takes every cell. 1 + the refused index, or 0. */
static int32_t per_line(ordo_store_t *s, uint64_t seq, const char *order,
                        const ordo_store_plan_cell_t *c, uint32_t n, bool respect, bool force)
{
    ordo_error_t err = {0};
    OK(ordo_store_tx_begin(s, &err));
    for (uint32_t i = 0; i < n; i++) {
        bool taken = false;
        OK(ordo_store_stock_reserve(s, c[i].node, c[i].sku, &c[i].seed, c[i].qty, respect, force,
                                    &taken, &err));
        if (!taken) {
            OK(ordo_store_tx_rollback(s, &err));
            return (int32_t)i + 1;
        }
        OK(ordo_store_reservation_add(s, seq, order, c[i].shipment, c[i].node, c[i].sku, c[i].qty,
                                      &err));
    }
    OK(ordo_store_tx_commit(s, &err));
    return 0;
}

/* ordo_store_stock_reserve_plan and ordo_store_stock_hold_plan leave the
 * rows the line-by-line calls leave, on random plans over few cells (a
 * cell twice in a plan, cells the store has not seen, plans refused at a
 * later line and given back whole), and answer the same. */
static void test_plan_as_lines(void **state)
{
    (void)state;
    if (getenv("ORDO_TEST_PG_DSN")) /* it reads the SQLite files */
        skip();
    static const char *const nodes[] = {"dc-a", "dc-b", "st-c", "st-d"}, *const skus[] = {
                                                                             "S1", "S2", "S3",
                                                                             "S4", "S5", "S6"};
    char *da = tmp_dir(), *db = tmp_dir(), *dc = tmp_dir(), *dd = tmp_dir();
    ordo_store_t *a = open_store(da), *b = open_store(db), *c = open_store(dc), *d = open_store(dd);
    ordo_error_t err = {0};
    /* a plan whose second line cannot be taken: refused at 2, nothing kept */
    ordo_store_plan_cell_t two[2] = {
        {.node = "dc-a", .sku = "S1", .qty = 2, .seed = {.on_hand = 9}},
        {.node = "dc-b", .sku = "S2", .shipment = 1, .qty = 4, .seed = {.on_hand = 3}}};
    int32_t res = 0;
    OK(ordo_store_stock_reserve_plan(a, 1, "O-0", two, 1, true, NULL, NULL, &res, &err));
    assert_int_equal(res, 0);
    assert_int_equal(per_line(b, 1, "O-0", two, 1, true, false), 0);
    two[0].qty = 1;
    two[1].seed.on_hand = 4;
    assert_int_equal(per_line(b, 2, "O-1", &two[1], 1, true, false), 0);
    OK(ordo_store_stock_reserve_plan(a, 2, "O-1", &two[1], 1, true, NULL, NULL, &res, &err));
    OK(ordo_store_stock_reserve_plan(a, 3, "O-2", two, 2, true, NULL, NULL, &res, &err));
    assert_int_equal(res, 2);
    assert_int_equal(per_line(b, 3, "O-2", two, 2, true, false), 2);
    assert_int_equal(get(a, "dc-a", "S1").reserved, 2); /* the first line given back */
    rnd_state = 7;
    uint64_t seq = 4;
    int refused = 0;
    for (int p = 0; p < 300; p++, seq++) {
        ordo_store_plan_cell_t cells[5];
        uint32_t n = 1 + rnd(5);
        for (uint32_t i = 0; i < n; i++)
            cells[i] = (ordo_store_plan_cell_t){
                .node = nodes[rnd(4)],
                .sku = skus[rnd(6)],
                .shipment = rnd(2),
                .qty = 1 + rnd(6),
                .seed = {.on_hand = rnd(120), .reserved = rnd(5), .safety = rnd(4), .as_of = 9}};
        char order[32];
        snprintf(order, sizeof order, "O-%d", p);
        bool respect = rnd(4) != 0;
        OK(ordo_store_stock_reserve_plan(a, seq, order, cells, n, respect, NULL, NULL, &res, &err));
        assert_int_equal(res, per_line(b, seq, order, cells, n, respect, false));
        refused += res > 1;
        /* forced: every line taken, whatever the stock */
        OK(ordo_store_tx_begin(c, &err));
        OK(ordo_store_stock_hold_plan(c, seq, order, cells, n, &err));
        OK(ordo_store_tx_commit(c, &err));
        assert_int_equal(per_line(d, seq, order, cells, n, respect, true), 0);
    }
    assert_true(refused > 10); /* plans refused after a line was taken */
    OK(ordo_store_stock_reserve_plan(a, 2, "O-1", &two[1], 1, true, NULL, NULL, &res, &err));
    assert_int_equal(res, -1); /* a retry of a stored plan: nothing taken twice */
    static char ta[1 << 17], tb[1 << 17];
    dump(a, da, ta, sizeof ta);
    dump(b, db, tb, sizeof tb);
    assert_true(strlen(ta) > 1000);
    assert_string_equal(ta, tb);
    dump(c, dc, ta, sizeof ta);
    dump(d, dd, tb, sizeof tb);
    assert_true(strlen(ta) > 1000);
    assert_string_equal(ta, tb);
    ordo_store_t *all[] = {a, b, c, d};
    char *dirs[] = {da, db, dc, dd};
    for (int i = 0; i < 4; i++) {
        ordo_store_close(all[i], NULL);
        rm_tree(dirs[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserve_never_past_atp),
        cmocka_unit_test(test_settle_and_drop),
        cmocka_unit_test(test_outcomes_settle),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_migrate_v2),
        cmocka_unit_test(test_reservation_k),
        cmocka_unit_test(test_reserve_plan),
        cmocka_unit_test(test_plan_as_lines),
    };
    /* tests/store/test_pg.sh runs the rest against PostgreSQL too; this
     * one is SQLite's own */
    if (getenv("ORDO_TEST_PG_DSN"))
        cmocka_set_skip_filter("test_migrate_*");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
