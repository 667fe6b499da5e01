/* SPDX-License-Identifier: Apache-2.0 */
/* The store's generic parts: open/migrate, transactions (nested), versioned
 * documents with optimistic concurrency, and the append-only audit trail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "ordo/store.h"
#include "store_test_util.h"

static ordo_store_t *open_store(const char *dir)
{
    ordo_store_t *s = NULL;
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_open(dir, NULL, &s, &err));
    assert_non_null(s);
    return s;
}

static void test_open_creates(void **state)
{
    (void)state;
    char *base = tmp_dir();
    char dir[4200], db[4300];
    snprintf(dir, sizeof dir, "%s/a/b/data", base);
    snprintf(db, sizeof db, "%s/ordo.db", dir);
    ordo_error_t err = {0};
    ordo_store_t *s = NULL;
    /* open_existing does not create */
    assert_int_equal(ordo_store_open_existing(dir, NULL, &s, &err), ORDO_ENOENT);
    assert_non_null(strstr(err.file, "ordo.db"));
    s = open_store(dir);
    struct stat st;
    assert_int_equal(stat(db, &st), 0);
    assert_string_equal(ordo_store_backend_name(s), "sqlite");
    int v = 0;
    ASSERT_OK(ordo_store_schema_version(s, &v, &err));
    assert_int_equal(v, ORDO_STORE_SCHEMA_VERSION);
    ASSERT_OK(ordo_store_close(s, &err));

    /* the database is in WAL mode with the configured synchronous level */
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(db, &db3), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db3, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    /* pretend a newer ordo migrated it: this build must refuse it */
    assert_int_equal(
        sqlite3_exec(db3, "INSERT INTO schema_version VALUES (99, 0)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db3);
    s = NULL;
    assert_int_equal(ordo_store_open(dir, NULL, &s, &err), ORDO_EUNSUPPORTED);
    assert_null(s);
    assert_non_null(strstr(err.msg, "99"));
    rm_tree(base);
}

static void test_open_config(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_error_t err = {0};
    ordo_store_t *s = NULL;
    /* postgres selected in DIR/ordo.conf, no server there: a clear error
     * naming the key (tests/store/test_pg.sh runs a real server) */
    free(write_tmp(dir, "ordo.conf",
                   "store.backend = postgres\nstore.postgres.dsn = \"host=127.0.0.1 port=1 "
                   "dbname=ordo connect_timeout=2\"\n"));
    assert_int_equal(ordo_store_open(dir, NULL, &s, &err), ORDO_EIO);
    assert_non_null(strstr(err.msg, "PostgreSQL"));
    assert_string_equal(err.field, "store.postgres.dsn");
    /* an invalid ordo.conf stops the open, naming the line */
    free(write_tmp(dir, "ordo.conf", "store.sqlite.synchronous = off\n"));
    assert_int_equal(ordo_store_open(dir, NULL, &s, &err), ORDO_EINVAL);
    assert_int_equal(err.line, 1);
    /* an explicit configuration wins over the file */
    ordo_config_t cfg;
    ordo_config_init(&cfg);
    cfg.sqlite_sync = ORDO_SQLITE_SYNC_NORMAL;
    ASSERT_OK(ordo_store_open(dir, &cfg, &s, &err));
    ordo_store_close(s, NULL);
    /* OFF (API only: ordo sim's world handle) opens and commits */
    cfg.sqlite_sync = ORDO_SQLITE_SYNC_OFF;
    ASSERT_OK(ordo_store_open(dir, &cfg, &s, &err));
    uint64_t v = 0;
    ASSERT_OK(ordo_store_doc_put(s, "experiment", "e", "{}", 2, 0, &v, &err));
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

static void test_docs(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    uint64_t v = 0;
    const char *d1 = "{\"name\":\"exp-a\",\"weights\":[0.5,0.5]}";
    const char *d2 = "{\"name\":\"exp-a\",\"weights\":[0.4,0.6]}";
    const char *d3 = "{\"name\":\"exp-a\",\"weights\":[0.3,0.7]}";
    /* create */
    ASSERT_OK(ordo_store_doc_put(s, "experiment", "exp-a", d1, strlen(d1), 0, &v, &err));
    assert_int_equal(v, 1);
    /* create again: exists */
    assert_int_equal(ordo_store_doc_put(s, "experiment", "exp-a", d1, strlen(d1), 0, &v, &err),
                     ORDO_EEXIST);
    /* update from version 1 */
    ASSERT_OK(ordo_store_doc_put(s, "experiment", "exp-a", d2, strlen(d2), 1, &v, &err));
    assert_int_equal(v, 2);
    /* a stale writer (still at version 1) loses */
    assert_int_equal(ordo_store_doc_put(s, "experiment", "exp-a", d3, strlen(d3), 1, &v, &err),
                     ORDO_ECONFLICT);
    assert_non_null(strstr(err.msg, "conflict"));
    assert_string_equal(err.field, "version");
    /* update of something absent */
    assert_int_equal(ordo_store_doc_put(s, "experiment", "nope", d1, strlen(d1), 3, &v, &err),
                     ORDO_ENOTFOUND);
    /* not JSON */
    assert_int_equal(ordo_store_doc_put(s, "experiment", "bad", "{nope", 5, 0, &v, &err),
                     ORDO_EPARSE);
    assert_int_equal(ordo_store_doc_put(s, "", "x", d1, strlen(d1), 0, &v, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "kind");

    char *json = NULL;
    size_t len = 0;
    uint64_t ver = 0;
    ASSERT_OK(ordo_store_doc_get(s, "experiment", "exp-a", &json, &len, &ver, &err));
    assert_string_equal(json, d2);
    assert_int_equal(len, strlen(d2));
    assert_int_equal(ver, 2);
    free(json);
    ASSERT_OK(ordo_store_doc_get_version(s, "experiment", "exp-a", 1, &json, &len, &err));
    assert_string_equal(json, d1);
    free(json);
    assert_int_equal(ordo_store_doc_get(s, "policy", "exp-a", &json, &len, &ver, &err),
                     ORDO_ENOTFOUND);
    /* unconditional put */
    ASSERT_OK(ordo_store_doc_put(s, "experiment", "exp-a", d3, strlen(d3), ORDO_STORE_ANY_VERSION,
                                 &v, &err));
    assert_int_equal(v, 3);
    /* delete with a stale version fails, with the right one works */
    assert_int_equal(ordo_store_doc_delete(s, "experiment", "exp-a", 2, &err), ORDO_ECONFLICT);
    ASSERT_OK(ordo_store_doc_delete(s, "experiment", "exp-a", 3, &err));
    assert_int_equal(ordo_store_doc_get(s, "experiment", "exp-a", &json, &len, &ver, &err),
                     ORDO_ENOTFOUND);
    assert_int_equal(ordo_store_doc_delete(s, "experiment", "exp-a", ORDO_STORE_ANY_VERSION, &err),
                     ORDO_ENOTFOUND);
    /* history survives; version 4 is the deletion */
    ASSERT_OK(ordo_store_doc_get_version(s, "experiment", "exp-a", 3, &json, &len, &err));
    assert_string_equal(json, d3);
    free(json);
    assert_int_equal(ordo_store_doc_get_version(s, "experiment", "exp-a", 4, &json, &len, &err),
                     ORDO_ENOTFOUND);
    /* re-create continues the count, so (kind, id, version) never repeats */
    ASSERT_OK(ordo_store_doc_put(s, "experiment", "exp-a", d1, strlen(d1), 0, &v, &err));
    assert_int_equal(v, 5);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

typedef struct list_ctx {
    ordo_store_t *s;
    int n;
    char ids[8][32];
    uint64_t versions[8];
    int stop_after;
} list_ctx_t;

static int on_doc(void *ctx, const ordo_store_doc_t *d)
{
    list_ctx_t *c = ctx;
    snprintf(c->ids[c->n], sizeof c->ids[0], "%s", d->id);
    c->versions[c->n] = d->version;
    assert_string_equal(d->kind, "policy");
    assert_int_equal(d->json_len, strlen(d->json));
    /* re-entering the store from a callback is allowed */
    char *json;
    ordo_error_t err = {0};
    ASSERT_OK(ordo_store_doc_get(c->s, "policy", d->id, &json, NULL, NULL, &err));
    assert_string_equal(json, d->json);
    free(json);
    c->n++;
    return c->n == c->stop_after ? 77 : 0;
}

static void test_doc_list(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    const char *ids[] = {"p-b", "p-c", "p-a"};
    for (int i = 0; i < 3; i++) {
        char j[64];
        snprintf(j, sizeof j, "{\"i\":%d}", i);
        ASSERT_OK(ordo_store_doc_put(s, "policy", ids[i], j, strlen(j), 0, NULL, &err));
    }
    ASSERT_OK(ordo_store_doc_put(s, "policy", "p-c", "[1]", 3, 1, NULL, &err));
    ASSERT_OK(ordo_store_doc_put(s, "experiment", "e-1", "{}", 2, 0, NULL, &err));
    list_ctx_t c = {.s = s};
    ASSERT_OK(ordo_store_doc_list(s, "policy", on_doc, &c, &err));
    assert_int_equal(c.n, 3);
    assert_string_equal(c.ids[0], "p-a");
    assert_string_equal(c.ids[1], "p-b");
    assert_string_equal(c.ids[2], "p-c");
    assert_int_equal(c.versions[2], 2);
    list_ctx_t c2 = {.s = s, .stop_after = 2};
    assert_int_equal(ordo_store_doc_list(s, "policy", on_doc, &c2, &err), 77);
    assert_int_equal(c2.n, 2);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

static void test_transactions(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    char *json;
    ASSERT_OK(ordo_store_tx_begin(s, &err));
    assert_int_equal(ordo_store_tx_depth(s), 1);
    ASSERT_OK(ordo_store_doc_put(s, "k", "outer", "1", 1, 0, NULL, &err));
    ASSERT_OK(ordo_store_tx_begin(s, &err));
    ASSERT_OK(ordo_store_doc_put(s, "k", "inner", "2", 1, 0, NULL, &err));
    ASSERT_OK(
        ordo_store_audit_append(s, "k", "inner", "test", "create", NULL, NULL, 0, NULL, &err));
    ASSERT_OK(ordo_store_tx_rollback(s, &err)); /* only the inner part */
    assert_int_equal(ordo_store_tx_depth(s), 1);
    ASSERT_OK(ordo_store_tx_begin(s, &err));
    ASSERT_OK(ordo_store_doc_put(s, "k", "inner2", "3", 1, 0, NULL, &err));
    ASSERT_OK(ordo_store_tx_commit(s, &err));
    ASSERT_OK(ordo_store_tx_commit(s, &err));
    assert_int_equal(ordo_store_tx_depth(s), 0);
    ASSERT_OK(ordo_store_doc_get(s, "k", "outer", &json, NULL, NULL, &err));
    free(json);
    ASSERT_OK(ordo_store_doc_get(s, "k", "inner2", &json, NULL, NULL, &err));
    free(json);
    assert_int_equal(ordo_store_doc_get(s, "k", "inner", &json, NULL, NULL, &err), ORDO_ENOTFOUND);
    assert_int_equal(ordo_store_tx_commit(s, &err), ORDO_ESTATE);

    /* a transaction left open at close is rolled back */
    ASSERT_OK(ordo_store_tx_begin(s, &err));
    ASSERT_OK(ordo_store_doc_put(s, "k", "lost", "4", 1, 0, NULL, &err));
    ordo_store_close(s, NULL);
    s = open_store(dir);
    assert_int_equal(ordo_store_doc_get(s, "k", "lost", &json, NULL, NULL, &err), ORDO_ENOTFOUND);
    ASSERT_OK(ordo_store_doc_get(s, "k", "outer", &json, NULL, NULL, &err)); /* durable */
    free(json);

    /* while one handle holds the write lock, another waits the busy
     * timeout and then fails cleanly */
    ordo_config_t cfg;
    ordo_config_init(&cfg);
    cfg.busy_timeout_ms = 50;
    ordo_store_t *s2 = NULL;
    ASSERT_OK(ordo_store_open(dir, &cfg, &s2, &err));
    ASSERT_OK(ordo_store_tx_begin(s, &err));
    assert_int_equal(ordo_store_doc_put(s2, "k", "blocked", "5", 1, 0, NULL, &err), ORDO_EBUSY);
    assert_non_null(strstr(err.msg, "busy"));
    /* readers are not blocked by the writer (WAL) */
    ASSERT_OK(ordo_store_doc_get(s2, "k", "outer", &json, NULL, NULL, &err));
    free(json);
    ASSERT_OK(ordo_store_tx_commit(s, &err));
    ASSERT_OK(ordo_store_doc_put(s2, "k", "blocked", "5", 1, 0, NULL, &err));
    ordo_store_close(s2, NULL);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

typedef struct audit_ctx {
    int n;
    uint64_t seq[8];
    char action[8][32];
    char reason[8][64];
    char detail[8][64];
    int64_t ts[8];
} audit_ctx_t;

static int on_audit(void *ctx, const ordo_store_audit_entry_t *e)
{
    audit_ctx_t *c = ctx;
    c->seq[c->n] = e->seq;
    snprintf(c->action[c->n], 32, "%s", e->action);
    snprintf(c->reason[c->n], 64, "%s", e->reason);
    snprintf(c->detail[c->n], 64, "%s", e->detail_json);
    c->ts[c->n] = e->ts;
    c->n++;
    return 0;
}

static void test_audit(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_store_t *s = open_store(dir);
    ordo_error_t err = {0};
    uint64_t seq[4];
    ASSERT_OK(ordo_store_audit_append(s, "experiment", "exp-a", "alice", "create", "launch",
                                      "{\"coverage\":0.1}", 1700000000, &seq[0], &err));
    ASSERT_OK(ordo_store_audit_append(s, "experiment", "exp-b", "bob", "create", NULL, NULL,
                                      1700000001, &seq[1], &err));
    ASSERT_OK(ordo_store_audit_append(s, "experiment", "exp-a", "guardrail", "kill",
                                      "on-time rate fell 4 points", NULL, 1700000100, &seq[2],
                                      &err));
    ASSERT_OK(ordo_store_audit_append(s, "policy", "exp-a", "alice", "publish", NULL, NULL, 0,
                                      &seq[3], &err));
    assert_true(seq[0] < seq[1] && seq[1] < seq[2] && seq[2] < seq[3]);
    assert_int_equal(
        ordo_store_audit_append(s, "experiment", "exp-a", "", "x", NULL, NULL, 0, NULL, &err),
        ORDO_EINVAL);
    assert_string_equal(err.field, "actor");
    assert_int_equal(
        ordo_store_audit_append(s, "experiment", "exp-a", "a", "x", NULL, "{bad", 0, NULL, &err),
        ORDO_EPARSE);

    audit_ctx_t c = {0};
    ASSERT_OK(ordo_store_audit_list(s, "experiment", "exp-a", on_audit, &c, &err));
    assert_int_equal(c.n, 2);
    assert_string_equal(c.action[0], "create");
    assert_string_equal(c.reason[0], "launch");
    assert_string_equal(c.detail[0], "{\"coverage\":0.1}");
    assert_int_equal(c.ts[0], 1700000000);
    assert_string_equal(c.action[1], "kill");
    assert_string_equal(c.reason[1], "on-time rate fell 4 points");
    assert_string_equal(c.detail[1], "");
    audit_ctx_t all = {0};
    ASSERT_OK(ordo_store_audit_list(s, "experiment", NULL, on_audit, &all, &err));
    assert_int_equal(all.n, 3);
    assert_int_equal(all.seq[1], seq[1]);
    audit_ctx_t pol = {0};
    ASSERT_OK(ordo_store_audit_list(s, "policy", NULL, on_audit, &pol, &err));
    assert_int_equal(pol.n, 1);
    assert_true(pol.ts[0] > 1700000000); /* ts 0 = now */
    ordo_store_close(s, NULL);

    /* the database itself refuses to edit or delete the trail */
    char db[4200];
    snprintf(db, sizeof db, "%s/ordo.db", dir);
    sqlite3 *db3;
    assert_int_equal(sqlite3_open(db, &db3), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db3, "UPDATE audit SET actor = 'mallory'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db3, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db3);
    s = open_store(dir);
    audit_ctx_t again = {0};
    ASSERT_OK(ordo_store_audit_list(s, "experiment", "exp-a", on_audit, &again, &err));
    assert_int_equal(again.n, 2);
    ordo_store_close(s, NULL);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates), cmocka_unit_test(test_open_config),
        cmocka_unit_test(test_docs),         cmocka_unit_test(test_doc_list),
        cmocka_unit_test(test_transactions), cmocka_unit_test(test_audit),
    };
    /* tests/store/test_pg.sh runs the rest against PostgreSQL too; this
     * one is SQLite's own */
    if (getenv("ORDO_TEST_PG_DSN"))
        cmocka_set_skip_filter("test_transactions");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
