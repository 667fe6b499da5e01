/* SPDX-License-Identifier: Apache-2.0 */
/* Customer pseudonyms in the store: the keyed pseudonym, the queued
 * mapping, lookup and resolve, erasure (one transaction, audited under the
 * pseudonym, the id gone from every file of the store). */
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

/* Whether any byte of the files DIR/ordo.db* holds needle. */
static bool store_files_hold(const char *dir, const char *needle)
{
    static const char *const sfx[] = {"ordo.db", "ordo.db-wal", "ordo.db-shm"};
    bool found = false;
    for (size_t i = 0; i < 3 && !found; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", dir, sfx[i]);
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        static char buf[1 << 22];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        size_t m = strlen(needle);
        for (size_t j = 0; j + m <= n && !found; j++)
            found = !memcmp(buf + j, needle, m);
    }
    return found;
}

static void test_key(void **state)
{
    (void)state;
    char *d1 = tmp_dir(), *d2 = tmp_dir();
    ordo_store_t *s1 = open_store(d1), *s2 = open_store(d2);
    ordo_error_t err = {0};
    int v = 0;
    OK(ordo_store_schema_version(s1, &v, &err));
    assert_int_equal(v, ORDO_STORE_SCHEMA_VERSION);
    char a[ORDO_CUSTOMER_KEY_LEN], b[ORDO_CUSTOMER_KEY_LEN], c[ORDO_CUSTOMER_KEY_LEN];
    OK(ordo_store_customer_key(s1, "C-1", a, &err));
    OK(ordo_store_customer_key(s1, "C-1", b, &err));
    assert_string_equal(a, b); /* stable per customer */
    assert_int_equal(strlen(a), ORDO_CUSTOMER_KEY_LEN - 1);
    assert_memory_equal(a, "ck_", 3);
    OK(ordo_store_customer_key(s1, "C-2", c, &err));
    assert_string_not_equal(a, c);
    OK(ordo_store_customer_key(s2, "C-1", b, &err));
    assert_string_not_equal(a, b); /* keyed per data directory */
    assert_int_equal(ordo_store_customer_key(s1, "", a, &err), ORDO_EINVAL);
    ordo_store_close(s1, NULL);
    ordo_store_close(s2, NULL);
    /* the secret persists: the same key after reopening */
    s1 = open_store(d1);
    OK(ordo_store_customer_key(s1, "C-2", a, &err));
    assert_string_equal(a, c);
    ordo_store_close(s1, NULL);
    rm_tree(d1);
    rm_tree(d2);
}

/* The keys a handle remembers (by id, in a table smaller than the ids
 * asked for, so slots are shared) equal the ones a fresh handle computes,
 * in any order; ids too long to remember too. */
static void test_key_memo(void **state)
{
    (void)state;
    char *d = tmp_dir();
    ordo_store_t *s1 = open_store(d);
    ordo_error_t err = {0};
    enum { N = 12000 };
    static char keys[N][ORDO_CUSTOMER_KEY_LEN];
    char id[64], k[ORDO_CUSTOMER_KEY_LEN];
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, i % 7 ? "C%07d" : "customer-with-a-long-id-%024d", i);
        OK(ordo_store_customer_key_of(s1, id, keys[i], &err));
    }
    ordo_store_t *s2 = open_store(d); /* the same secret, nothing remembered */
    for (int i = N - 1; i >= 0; i--) {
        snprintf(id, sizeof id, i % 7 ? "C%07d" : "customer-with-a-long-id-%024d", i);
        OK(ordo_store_customer_key_of(s1, id, k, &err));
        assert_string_equal(k, keys[i]);
        OK(ordo_store_customer_key_of(s2, id, k, &err));
        assert_string_equal(k, keys[i]);
    }
    assert_string_not_equal(keys[1], keys[2]);
    ordo_store_close(s1, NULL);
    ordo_store_close(s2, NULL);
    rm_tree(d);
}

static void test_mapping(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    char k[ORDO_CUSTOMER_KEY_LEN], k2[ORDO_CUSTOMER_KEY_LEN];
    bool mapped = true;
    OK(ordo_store_customer_key(s, "CUST-A", k, &err));
    OK(ordo_store_customer_lookup(s, "CUST-A", k2, &mapped, &err));
    assert_false(mapped); /* queued, not written yet */
    assert_string_equal(k, k2);
    OK(ordo_store_customer_flush(s, &err));
    OK(ordo_store_customer_lookup(s, "CUST-A", k2, &mapped, &err));
    assert_true(mapped);
    char *id = NULL;
    OK(ordo_store_customer_resolve(s, k, &id, &err));
    assert_string_equal(id, "CUST-A");
    free(id);
    assert_int_equal(ordo_store_customer_resolve(s, "nonsense", &id, &err), ORDO_EINVAL);
    /* 256 queued mappings are written without an explicit flush */
    for (int i = 0; i < 300; i++) {
        char c[32];
        snprintf(c, sizeof c, "BULK-%d", i);
        OK(ordo_store_customer_key(s, c, k, &err));
    }
    OK(ordo_store_customer_lookup(s, "BULK-0", k2, &mapped, &err));
    assert_true(mapped);
    OK(ordo_store_customer_lookup(s, "BULK-299", k2, &mapped, &err));
    assert_false(mapped);
    /* closing writes the rest */
    ordo_store_close(s, NULL);
    s = open_store(dir);
    OK(ordo_store_customer_lookup(s, "BULK-299", k2, &mapped, &err));
    assert_true(mapped);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

static int count_audit(void *ctx, const ordo_store_audit_entry_t *e)
{
    int *n = ctx;
    assert_string_equal(e->action, "erase");
    assert_string_equal(e->reason, "req-1");
    assert_null(strstr(e->detail_json, "ERASE-ME"));
    (*n)++;
    return 0;
}

static void test_erase(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    char k[ORDO_CUSTOMER_KEY_LEN], other[ORDO_CUSTOMER_KEY_LEN];
    OK(ordo_store_customer_key(s, "ERASE-ME-77", k, &err));
    OK(ordo_store_customer_key(s, "KEEP-ME-88", other, &err));
    OK(ordo_store_customer_flush(s, &err));
    assert_true(store_files_hold(dir, "ERASE-ME-77"));
    ordo_customer_erase_result_t r;
    OK(ordo_store_customer_erase(s, "ERASE-ME-77", "tester", "req-1", &r, &err));
    assert_string_equal(r.key, k);
    assert_int_equal(r.mappings, 1);
    assert_true(r.audit_seq > 0);
    assert_false(r.wal_busy);
    assert_false(store_files_hold(dir, "ERASE-ME-77"));
    assert_true(store_files_hold(dir, "KEEP-ME-88"));
    bool mapped = true;
    OK(ordo_store_customer_lookup(s, "ERASE-ME-77", k, &mapped, &err));
    assert_false(mapped);
    char *id = NULL;
    assert_int_equal(ordo_store_customer_resolve(s, k, &id, &err), ORDO_ENOTFOUND);
    OK(ordo_store_customer_lookup(s, "KEEP-ME-88", other, &mapped, &err));
    assert_true(mapped);
    int n = 0;
    OK(ordo_store_audit_list(s, "customer", k, count_audit, &n, &err));
    assert_int_equal(n, 1);
    /* a queued mapping is written before the erasure, then erased with it */
    OK(ordo_store_customer_key(s, "QUEUED-99", k, &err));
    OK(ordo_store_customer_erase(s, "QUEUED-99", "tester", "req-1", &r, &err));
    assert_int_equal(r.mappings, 1);
    OK(ordo_store_customer_lookup(s, "QUEUED-99", k, &mapped, &err));
    assert_false(mapped);
    ordo_store_close(s, NULL);
    assert_false(store_files_hold(dir, "QUEUED-99"));
    rm_tree(dir);
}

/* A version-1 database (before pseudonyms) migrates to version 2 on open,
 * with a secret of its own. */
static void test_migrate_v1(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_store_close(s, NULL);
    char db[4200];
    snprintf(db, sizeof db, "%s/ordo.db", dir);
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(db, &db3), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db3,
                                  "DROP TABLE customer_key; DROP TABLE store_secret; "
                                  "DROP TABLE stock; DROP TABLE reservation; "
                                  "DROP TABLE stock_meta; "
                                  "DROP TRIGGER outcome_event_change; DROP TABLE outcome_change; "
                                  "DROP TABLE signal; DROP TABLE signal_version; "
                                  "DELETE FROM schema_version WHERE version >= 2",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db3);
    s = open_store(dir);
    ordo_error_t err = {0};
    int v = 0;
    OK(ordo_store_schema_version(s, &v, &err));
    assert_int_equal(v, ORDO_STORE_SCHEMA_VERSION);
    char k[ORDO_CUSTOMER_KEY_LEN];
    OK(ordo_store_customer_key(s, "C-1", k, &err));
    OK(ordo_store_customer_flush(s, &err));
    bool mapped = false;
    OK(ordo_store_customer_lookup(s, "C-1", k, &mapped, &err));
    assert_true(mapped);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_key_memo),
        cmocka_unit_test(test_mapping),
        cmocka_unit_test(test_erase),
        cmocka_unit_test(test_migrate_v1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
