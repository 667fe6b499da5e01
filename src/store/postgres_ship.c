/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log ship --to postgres: the verified records of a data directory's
 * decision log into PostgreSQL's decision_log, so that a fleet's decisions
 * can be read in one place. Each instance keeps its own hash-chained log;
 * the table is keyed (instance, seq) and keeps every record's chain hash.
 * Idempotent: it resumes after the last seq stored for the instance, after
 * checking that stored record's chain hash against the local one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "postgres_internal.h"

#define SHIP_TABLE                                                                                 \
    "CREATE TABLE IF NOT EXISTS decision_log (instance TEXT COLLATE \"C\" NOT NULL,"               \
    "  seq BIGINT NOT NULL, type INT NOT NULL, ts_unix_ns BIGINT NOT NULL,"                        \
    "  key TEXT NOT NULL, chain TEXT NOT NULL, record TEXT NOT NULL,"                              \
    "  shipped_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (instance, seq))"

/* The last seq stored for the instance and its chain hash (hex). */
static int shipped_head(store_backend_t *b, uint64_t *seq, char *chain, size_t n,
                        ordo_error_t *err)
{
    const char *v[1] = {b->instance};
    PGresult *r = PQexecParams(b->conn,
                               "SELECT seq, chain FROM decision_log WHERE instance = $1 "
                               "ORDER BY seq DESC LIMIT 1",
                               1, NULL, v, NULL, NULL, 0);
    int rc = PQresultStatus(r) == PGRES_TUPLES_OK ? ORDO_OK
                                                   : ordo_pg_fail(b, r, "read shipped log", err);
    *seq = 0;
    chain[0] = 0;
    if (rc == ORDO_OK && PQntuples(r) == 1) {
        *seq = (uint64_t)ordo_pg_i64(r, 0, 0);
        snprintf(chain, n, "%s", PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return rc;
}

#define HEX_LEN (ORDO_PG_CHAIN_BYTES * 2 + 1)

static void record_row(const char *instance, const ordo_pg_ship_rec_t *rec, ordo_buf_t *out)
{
    char num[32], hex[HEX_LEN];
    ordo_pg_copy_field(out, instance, strlen(instance), true);
    snprintf(num, sizeof num, "%llu", (unsigned long long)rec->seq);
    ordo_pg_copy_field(out, num, strlen(num), false);
    snprintf(num, sizeof num, "%u", (unsigned)rec->type);
    ordo_pg_copy_field(out, num, strlen(num), false);
    snprintf(num, sizeof num, "%lld", (long long)rec->ts_unix_ns);
    ordo_pg_copy_field(out, num, strlen(num), false);
    ordo_pg_copy_field(out, rec->key ? rec->key : "", rec->key ? rec->key_len : 0, false);
    sodium_bin2hex(hex, sizeof hex, rec->chain, ORDO_PG_CHAIN_BYTES);
    ordo_pg_copy_field(out, hex, strlen(hex), false);
    ordo_pg_copy_field(out, rec->payload, rec->len, false);
    ordo_buf_putc(out, '\n');
}

/* COPYs records from..last of src into the staging table; the one
 * before from (the stored head) must have the stored chain hash. */
static int copy_records(store_backend_t *b, const ordo_pg_ship_source_t *src, uint64_t from,
                        const char *head_chain, uint64_t *copied, ordo_error_t *err)
{
    uint64_t want = from > 1 ? from - 1 : 1;
    int rc = src->open(src->ctx, want, err);
    if (rc != ORDO_OK)
        return rc;
    rc = ordo_pg_copy_begin(b,
                            "COPY ship_in (instance, seq, type, ts_unix_ns, key, chain, record) "
                            "FROM STDIN",
                            err);
    ordo_buf_t buf;
    ordo_buf_init(&buf, NULL);
    ordo_pg_ship_rec_t rec;
    int n = 0;
    /* never reads past last: the record after it may be the damaged one */
    while (rc == ORDO_OK && want <= src->last && (n = src->next(src->ctx, &rec, err)) == 1) {
        want = rec.seq + 1;
        if (rec.seq == from - 1 && head_chain[0]) { /* the stored head: same log? */
            char hex[HEX_LEN];
            sodium_bin2hex(hex, sizeof hex, rec.chain, ORDO_PG_CHAIN_BYTES);
            if (strcmp(hex, head_chain) != 0)
                rc = ordo_error_set(err, ORDO_ECONFLICT, NULL, 0, "instance",
                                    "PostgreSQL holds another log's record %llu for instance "
                                    "%s (chain hashes differ)",
                                    (unsigned long long)rec.seq, b->instance);
            continue;
        }
        if (rec.seq < from)
            continue;
        record_row(b->instance, &rec, &buf);
        (*copied)++;
        if (buf.len >= 1 << 16)
            rc = ordo_pg_copy_put(b, &buf, err);
    }
    if (rc == ORDO_OK && n < 0)
        rc = n;
    if (rc == ORDO_OK)
        rc = ordo_pg_copy_put(b, &buf, err);
    int rc2 = ordo_pg_copy_end(b, rc == ORDO_OK ? NULL : "ordo: log read failed", NULL,
                               rc == ORDO_OK ? err : NULL);
    ordo_buf_free(&buf);
    return rc ? rc : rc2;
}

static int ship(store_backend_t *b, const ordo_pg_ship_source_t *src, ordo_pg_ship_report_t *rep,
                ordo_error_t *err)
{
    uint64_t head = 0;
    char chain[HEX_LEN];
    int rc = ordo_pg_exec(b, SHIP_TABLE, "create decision_log", err);
    if (rc == ORDO_OK) /* one shipper per instance at a time */
        rc = ordo_pg_exec(b, "SELECT pg_advisory_xact_lock(hashtext('ordo-ship'))", "lock", err);
    if (rc == ORDO_OK)
        rc = shipped_head(b, &head, chain, sizeof chain, err);
    if (rc != ORDO_OK)
        return rc;
    rep->already = head;
    if (head > rep->verified_last)
        return ordo_error_set(err, ORDO_ECONFLICT, NULL, 0, "instance",
                              "PostgreSQL holds records up to %llu for instance %s, the local "
                              "log's verified records end at %llu",
                              (unsigned long long)head, b->instance,
                              (unsigned long long)rep->verified_last);
    if (head == rep->verified_last)
        return ORDO_OK;
    rc = ordo_pg_exec(b,
                      "CREATE TEMP TABLE ship_in (LIKE decision_log INCLUDING DEFAULTS) "
                      "ON COMMIT DROP",
                      "stage", err);
    if (rc == ORDO_OK)
        rc = copy_records(b, src, head + 1, chain, &rep->shipped, err);
    if (rc == ORDO_OK)
        rc = ordo_pg_exec(b,
                          "INSERT INTO decision_log SELECT * FROM ship_in "
                          "ON CONFLICT (instance, seq) DO NOTHING",
                          "ship", err);
    return rc;
}

int ordo_store_pg_ship_log(const char *data_dir, const char *dsn, const ordo_pg_ship_source_t *src,
                           ordo_pg_ship_report_t *rep, ordo_error_t *err)
{
    rep->shipped = rep->already = 0;
    rep->verified_last = src->last;
    ordo_store_t *s = NULL;
    store_backend_t *b = NULL;
    int rc = ordo_pg_open_dsn(data_dir, dsn, &s, &b, err);
    if (rc == ORDO_OK) {
        snprintf(rep->instance, sizeof rep->instance, "%s", b->instance);
        /* a plain transaction: shipping never holds the deciders' write lock */
        rc = ordo_pg_exec(b, "BEGIN", "begin", err);
        if (rc == ORDO_OK)
            rc = ship(b, src, rep, err);
        int rc2 = ordo_pg_exec(b, rc == ORDO_OK ? "COMMIT" : "ROLLBACK", "commit",
                               rc == ORDO_OK ? err : NULL);
        rc = rc ? rc : rc2;
    }
    ordo_store_close(s, NULL);
    return rc;
}

/* ---- the fleet's records back: ordo analyze --from postgres ---- */

/* One row of the fetch (instance, seq, type, ts, key, chain, record) to fn. */
static int fetch_row(const PGresult *r, ordo_pg_fetch_fn fn, void *ctx, ordo_error_t *err)
{
    ordo_pg_ship_rec_t rec = {.seq = (uint64_t)ordo_pg_i64(r, 0, 1),
                              .type = (uint16_t)ordo_pg_i64(r, 0, 2),
                              .ts_unix_ns = ordo_pg_i64(r, 0, 3),
                              .key = PQgetvalue(r, 0, 4),
                              .key_len = (size_t)PQgetlength(r, 0, 4),
                              .payload = PQgetvalue(r, 0, 6),
                              .len = (size_t)PQgetlength(r, 0, 6)};
    const char *hex = PQgetvalue(r, 0, 5);
    if (sodium_hex2bin(rec.chain, sizeof rec.chain, hex, strlen(hex), NULL, NULL, NULL))
        return ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "chain",
                              "decision_log: record %llu of instance %s has a bad chain hash",
                              (unsigned long long)rec.seq, PQgetvalue(r, 0, 0));
    return fn(ctx, PQgetvalue(r, 0, 0), &rec, err);
}

/* Streams the rows (libpq's single-row mode: memory stays flat). */
static int fetch_rows(store_backend_t *b, ordo_pg_fetch_fn fn, void *ctx, ordo_error_t *err)
{
    if (!PQsendQuery(b->conn, "SELECT instance, seq, type, ts_unix_ns, key, chain, record "
                              "FROM decision_log ORDER BY ts_unix_ns, instance, seq") ||
        !PQsetSingleRowMode(b->conn))
        return ordo_error_set(err, ORDO_EIO, NULL, 0, "store.postgres.dsn",
                              "read decision_log: %s", PQerrorMessage(b->conn));
    int rc = ORDO_OK;
    PGresult *r;
    while ((r = PQgetResult(b->conn))) {
        ExecStatusType st = PQresultStatus(r);
        if (rc == ORDO_OK && st == PGRES_SINGLE_TUPLE)
            rc = fetch_row(r, fn, ctx, err);
        else if (rc == ORDO_OK && st != PGRES_TUPLES_OK)
            rc = ordo_pg_fail(b, r, "read decision_log", err);
        PQclear(r);
    }
    return rc;
}

int ordo_store_pg_fetch_log(const char *data_dir, const char *dsn, ordo_pg_fetch_fn fn,
                            void *ctx, ordo_error_t *err)
{
    ordo_store_t *s = NULL;
    store_backend_t *b = NULL;
    int rc = ordo_pg_open_dsn(data_dir, dsn, &s, &b, err);
    if (rc == ORDO_OK) /* a database nothing was shipped to has no table yet */
        rc = ordo_pg_exec(b, SHIP_TABLE, "create decision_log", err);
    if (rc == ORDO_OK)
        rc = fetch_rows(b, fn, ctx, err);
    ordo_store_close(s, NULL);
    return rc;
}
