/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store migrate --from DIR --to DSN: a data directory's SQLite store
 * into an empty PostgreSQL store, table by table with COPY, in one
 * transaction, the row counts verified before the commit. The columns
 * copied are the SQLite table's own (by name), so a column PostgreSQL
 * lacks fails the copy instead of being dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ordo/datadir.h"
#include "postgres_internal.h"

typedef struct mig_table {
    const char *table;  /* the PostgreSQL table */
    const char *select; /* from SQLite; %s: the instance */
} mig_table_t;

/* outcome_change is copied as it is (its trigger is off meanwhile), so the
 * change sequence keeps its numbers */
static const mig_table_t tables[] = {
    {"outcome_event", "SELECT * FROM outcome_event"},
    {"outcome_change", "SELECT * FROM outcome_change"},
    {"doc", "SELECT * FROM doc"},
    {"doc_history", "SELECT * FROM doc_history"},
    {"audit", "SELECT * FROM audit"},
    {"customer_key", "SELECT * FROM customer_key"},
    {"stock", "SELECT * FROM stock"},
    {"reservation", "SELECT '%s' AS instance, * FROM reservation"},
    {"stock_meta", "SELECT '%s/' || name AS name, value FROM stock_meta"},
    {"signal_version", "SELECT * FROM signal_version"},
    {"signal", "SELECT * FROM signal"},
};
#define N_TABLES (sizeof tables / sizeof tables[0])

static int sq_fail(sqlite3 *db, const char *what, ordo_error_t *err)
{
    return ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "sqlite %s: %s", what,
                          sqlite3_errmsg(db));
}

/* One row of st as a COPY line. */
static void copy_row(sqlite3_stmt *st, ordo_buf_t *out)
{
    int n = sqlite3_column_count(st);
    for (int c = 0; c < n; c++) {
        char num[40];
        switch (sqlite3_column_type(st, c)) {
        case SQLITE_NULL:
            ordo_pg_copy_field(out, NULL, 0, c == 0);
            break;
        case SQLITE_FLOAT: /* exactly: SQLite's text keeps 15 digits */
            snprintf(num, sizeof num, "%.17g", sqlite3_column_double(st, c));
            ordo_pg_copy_field(out, num, strlen(num), c == 0);
            break;
        default:
            ordo_pg_copy_field(out, (const char *)sqlite3_column_text(st, c),
                               (size_t)sqlite3_column_bytes(st, c), c == 0);
        }
    }
    ordo_buf_putc(out, '\n');
}

static int copy_table(sqlite3 *db, store_backend_t *b, const mig_table_t *t, uint64_t *source,
                      uint64_t *target, ordo_error_t *err)
{
    char sel[256], sql[1024];
    snprintf(sel, sizeof sel, t->select, b->instance, b->instance);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sel, -1, &st, NULL) != SQLITE_OK)
        return sq_fail(db, t->table, err);
    int len = snprintf(sql, sizeof sql, "COPY %s (", t->table);
    for (int c = 0; c < sqlite3_column_count(st); c++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s%s", c ? ", " : "",
                        sqlite3_column_name(st, c));
    snprintf(sql + len, sizeof sql - (size_t)len, ") FROM STDIN");
    int rc = ordo_pg_copy_begin(b, sql, err);
    ordo_buf_t buf;
    ordo_buf_init(&buf, NULL);
    int s = SQLITE_ROW;
    *source = 0;
    while (rc == ORDO_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        copy_row(st, &buf);
        (*source)++;
        if (buf.len >= 1 << 16)
            rc = ordo_pg_copy_put(b, &buf, err);
    }
    if (rc == ORDO_OK && s != SQLITE_DONE)
        rc = sq_fail(db, t->table, err);
    if (rc == ORDO_OK)
        rc = ordo_pg_copy_put(b, &buf, err);
    int rc2 = ordo_pg_copy_end(b, rc == ORDO_OK ? NULL : "ordo: source failed", target,
                               rc == ORDO_OK ? err : NULL);
    ordo_buf_free(&buf);
    sqlite3_finalize(st);
    return rc ? rc : rc2;
}

/* ORDO_EEXIST when the target already holds ordo data. */
static int target_empty(store_backend_t *b, ordo_error_t *err)
{
    char sql[2048];
    int len = snprintf(sql, sizeof sql, "SELECT 0");
    for (size_t i = 0; i < N_TABLES; i++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, " + (SELECT count(*) FROM %s)",
                        tables[i].table);
    PGresult *r = PQexec(b->conn, sql);
    int rc = PQresultStatus(r) == PGRES_TUPLES_OK ? ORDO_OK : ordo_pg_fail(b, r, "count", err);
    if (rc == ORDO_OK && ordo_pg_i64(r, 0, 0) > 0)
        rc = ordo_error_set(err, ORDO_EEXIST, NULL, 0, "to",
                            "the PostgreSQL database already holds ordo data (%lld rows): "
                            "migrate into an empty one",
                            (long long)ordo_pg_i64(r, 0, 0));
    PQclear(r);
    return rc;
}

/* The pseudonym key: DIR's, so that pseudonyms stay the same. */
static int copy_secret(sqlite3 *db, store_backend_t *b, ordo_error_t *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT hex(value) FROM store_secret WHERE name = 'customer_key'",
                           -1, &st, NULL) != SQLITE_OK)
        return sq_fail(db, "store_secret", err);
    int rc = ORDO_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *v[1] = {(const char *)sqlite3_column_text(st, 0)};
        PGresult *r = PQexecParams(b->conn,
                                   "UPDATE store_secret SET value = decode($1, 'hex') "
                                   "WHERE name = 'customer_key'",
                                   1, NULL, v, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = ordo_pg_fail(b, r, "copy the pseudonym key", err);
        PQclear(r);
    }
    sqlite3_finalize(st);
    return rc;
}

static int copy_all(sqlite3 *db, store_backend_t *b, ordo_pg_migrate_report_t *rep,
                    ordo_error_t *err)
{
    int rc = ordo_pg_exec(b, "ALTER TABLE outcome_event DISABLE TRIGGER outcome_event_change",
                          "migrate", err);
    for (size_t i = 0; rc == ORDO_OK && i < N_TABLES; i++) {
        snprintf(rep->tables[i].table, sizeof rep->tables[i].table, "%s", tables[i].table);
        rc = copy_table(db, b, &tables[i], &rep->tables[i].source, &rep->tables[i].target, err);
        rep->n = i + 1;
        if (rc == ORDO_OK && rep->tables[i].source != rep->tables[i].target)
            rc = ordo_error_set(err, ORDO_EIO, NULL, 0, tables[i].table,
                                "%s: %llu rows read, %llu stored", tables[i].table,
                                (unsigned long long)rep->tables[i].source,
                                (unsigned long long)rep->tables[i].target);
    }
    if (rc == ORDO_OK)
        rc = ordo_pg_exec(b,
                          "ALTER TABLE outcome_event ENABLE TRIGGER outcome_event_change;"
                          "SELECT setval(pg_get_serial_sequence('audit', 'seq'), "
                          "  coalesce((SELECT max(seq) FROM audit), 0) + 1, false);"
                          "SELECT setval(pg_get_serial_sequence('outcome_change', 'seq'), "
                          "  coalesce((SELECT max(seq) FROM outcome_change), 0) + 1, false);",
                          "migrate sequences", err);
    if (rc == ORDO_OK)
        rc = copy_secret(db, b, err);
    return rc;
}

int ordo_store_pg_migrate(const char *data_dir, const char *dsn, ordo_pg_migrate_report_t *rep,
                          ordo_error_t *err)
{
    memset(rep, 0, sizeof *rep);
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, data_dir, err);
    if (rc != ORDO_OK)
        return rc;
    /* the source first: its schema migrated to this build's (and it exists) */
    ordo_store_t *src = NULL;
    ordo_config_t cfg;
    ordo_config_init(&cfg);
    if ((rc = ordo_store_open_existing(data_dir, &cfg, &src, err)))
        return rc;
    ordo_store_close(src, NULL);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(dd.db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = sq_fail(db, "open", err);
        sqlite3_close(db);
        return rc;
    }
    ordo_store_t *s = NULL;
    store_backend_t *b = NULL;
    rc = ordo_pg_open_dsn(data_dir, dsn, &s, &b, err);
    if (rc == ORDO_OK) {
        snprintf(rep->instance, sizeof rep->instance, "%s", b->instance);
        /* one snapshot of the source, one transaction in the target */
        rc = ordo_store_tx_begin(s, err);
        if (rc == ORDO_OK && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            rc = sq_fail(db, "begin", err);
        if (rc == ORDO_OK)
            rc = target_empty(b, err);
        if (rc == ORDO_OK)
            rc = copy_all(db, b, rep, err);
        b->dirty = true;
        if (rc == ORDO_OK)
            rc = ordo_store_tx_commit(s, err);
        else if (ordo_store_tx_depth(s) > 0)
            ordo_store_tx_rollback(s, NULL);
    }
    ordo_store_close(s, NULL);
    sqlite3_close(db);
    return rc;
}
