/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — the PostgreSQL backend (libpq), the same store_ops_t as
 * sqlite.c, for several `ordo serve` instances sharing one truth.
 *
 * Connection, errors, transactions, migrations and open live here; the
 * operations on the tables are in postgres_ops.c. Every statement is
 * prepared once per connection (again after a reconnect). Writers take a
 * fleet-wide transaction advisory lock at BEGIN (SQLite's BEGIN IMMEDIATE),
 * and every committing write transaction bumps store_clock, which is what
 * data_version reports; the decider's per-order reservations run without
 * the lock and without the bump (ordo_pg_tx_begin_rows: row locks, the
 * conditional upserts guard each cell) (docs/internals/STORE.md
 * "PostgreSQL"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ordo/util.h"
#include "postgres_internal.h"

/* ---- errors ---- */

static bool conn_lost(store_backend_t *b, const char *state)
{
    if (PQstatus(b->conn) != CONNECTION_OK)
        return true;
    if (!state)
        return false;
    /* connection exceptions, admin/crash shutdown, cannot connect now */
    return !strncmp(state, "08", 2) || !strcmp(state, "57P01") || !strcmp(state, "57P02") ||
           !strcmp(state, "57P03");
}

static int map_state(const char *state)
{
    if (!state)
        return ORDO_EIO;
    if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2))
        return ORDO_EINVAL; /* integrity constraint, data exception */
    if (!strcmp(state, "55P03") || !strcmp(state, "40001") || !strcmp(state, "40P01") ||
        !strcmp(state, "57014"))
        return ORDO_EBUSY; /* lock timeout, serialization, deadlock, cancelled */
    if (!strcmp(state, "53100"))
        return ORDO_ENOSPC;
    if (!strcmp(state, "53200"))
        return ORDO_ENOMEM;
    if (!strncmp(state, "XX", 2))
        return ORDO_ECORRUPT;
    return ORDO_EIO;
}

/* The error of a failed statement (r may be NULL: the connection's). */
int ordo_pg_fail(store_backend_t *b, PGresult *r, const char *what, ordo_error_t *err)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *m = r ? PQresultErrorMessage(r) : NULL;
    if (!m || !*m)
        m = PQerrorMessage(b->conn);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", m && *m ? m : "unknown error");
    for (size_t n = strlen(msg); n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ');)
        msg[--n] = 0;
    if (conn_lost(b, state))
        return ordo_error_set(err, ORDO_EBUSY, NULL, 0, "store.postgres.dsn",
                              "postgres %s: the database is unavailable (retry later): %s", what,
                              msg);
    int code = map_state(state);
    if (code == ORDO_EBUSY)
        return ordo_error_set(err, code, NULL, 0, NULL,
                              "postgres %s: database is busy (another writer held it longer than "
                              "store.busy_timeout_ms): %s",
                              what, msg);
    return ordo_error_set(err, code, NULL, 0, NULL, "postgres %s: %s", what, msg);
}

/* ---- connection ---- */

static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int session_setup(store_backend_t *b, ordo_error_t *err)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SET lock_timeout = %u; SET client_min_messages = warning; "
             "SET idle_in_transaction_session_timeout = 0",
             b->busy_ms ? b->busy_ms : 1);
    PGresult *r = PQexec(b->conn, sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? ORDO_OK
                                                    : ordo_pg_fail(b, r, "session setup", err);
    PQclear(r);
    return rc;
}

/* Outside a transaction, a lost connection is made again (the statements
 * are prepared again on first use); ORDO_EBUSY while the server is away. */
static int ensure_conn(store_backend_t *b, ordo_error_t *err)
{
    if (PQstatus(b->conn) == CONNECTION_OK)
        return ORDO_OK;
    if (b->depth > 0)
        return ordo_pg_fail(b, NULL, "statement", err);
    PQreset(b->conn);
    memset(b->prepared, 0, sizeof b->prepared);
    /* commits not flushed on the lost connection may be lost with the
     * server (a crash): the next sync cannot vouch for them */
    b->sync_lost = b->sync_lost || b->unsynced;
    if (PQstatus(b->conn) != CONNECTION_OK)
        return ordo_pg_fail(b, NULL, "reconnect", err);
    return session_setup(b, err);
}

void ordo_pg_params_i64(pg_params_t *p, int64_t v)
{
    snprintf(p->buf[p->n], sizeof p->buf[p->n], "%lld", (long long)v);
    p->v[p->n] = p->buf[p->n];
    p->n++;
}

void ordo_pg_params_f64(pg_params_t *p, double v)
{
    snprintf(p->buf[p->n], sizeof p->buf[p->n], "%.17g", v);
    p->v[p->n] = p->buf[p->n];
    p->n++;
}

void ordo_pg_params_text(pg_params_t *p, const char *s)
{
    p->v[p->n++] = s ? s : "";
}

void ordo_pg_params_null(pg_params_t *p)
{
    p->v[p->n++] = NULL;
}

/* ---- deferred writes (pipeline mode) ---- */

/* Sends the deferred writes' sync point and reads their results: the first
 * failure among them is returned (the transaction is then aborted, and the
 * caller's commit fails with it). */
int ordo_pg_flush(store_backend_t *b, ordo_error_t *err)
{
    if (!b->in_pipe)
        return ORDO_OK;
    int rc = PQpipelineSync(b->conn) == 1 ? ORDO_OK : ordo_pg_fail(b, NULL, "deferred write", err);
    int nulls = 0, sent = b->piped;
    while (PQstatus(b->conn) == CONNECTION_OK) {
        PGresult *r = PQgetResult(b->conn);
        if (!r) { /* the end of one statement's results */
            if (++nulls > sent + 2)
                break;
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_PIPELINE_ABORTED &&
            rc == ORDO_OK)
            rc = ordo_pg_fail(b, r, "deferred write", err);
        PQclear(r);
    }
    if (PQstatus(b->conn) != CONNECTION_OK && rc == ORDO_OK)
        rc = ordo_pg_fail(b, NULL, "deferred write", err);
    PQexitPipelineMode(b->conn);
    b->in_pipe = false;
    b->piped = 0;
    return rc;
}

static int prepare(store_backend_t *b, int q, const char *name, const char *what,
                   ordo_error_t *err)
{
    if (b->prepared[q])
        return ORDO_OK;
    PGresult *r = PQprepare(b->conn, name, pg_sql[q], 0, NULL);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? ORDO_OK : ordo_pg_fail(b, r, what, err);
    PQclear(r);
    b->prepared[q] = rc == ORDO_OK;
    return rc;
}

/* Queues statement q (a write whose result the caller does not need)
 * inside the open transaction; sent in one round trip with the next ones,
 * its result read at the next statement that needs one. */
int ordo_pg_defer(store_backend_t *b, int q, const pg_params_t *p, const char *what,
                  ordo_error_t *err)
{
    char name[16];
    snprintf(name, sizeof name, "ordo%d", q);
    int rc = ORDO_OK;
    if (!b->prepared[q] && (rc = ordo_pg_flush(b, err)) == ORDO_OK)
        rc = prepare(b, q, name, what, err);
    if (rc != ORDO_OK)
        return rc;
    if (!b->in_pipe) {
        if (PQenterPipelineMode(b->conn) != 1)
            return ordo_pg_fail(b, NULL, what, err);
        b->in_pipe = true;
    }
    if (PQsendQueryPrepared(b->conn, name, p->n, p->v, NULL, NULL, 0) != 1)
        return ordo_pg_fail(b, NULL, what, err);
    /* bounded, so that unread results never fill the socket both ways */
    return ++b->piped >= 256 ? ordo_pg_flush(b, err) : ORDO_OK;
}

/* Runs statement q with p (NULL: none). *out the result (PQclear it) when
 * out is given, else cleared here. */
int ordo_pg_run(store_backend_t *b, int q, const pg_params_t *p, const char *what,
                PGresult **out, ordo_error_t *err)
{
    if (out)
        *out = NULL;
    int rc = ordo_pg_flush(b, err);
    if (rc == ORDO_OK)
        rc = ensure_conn(b, err);
    if (rc != ORDO_OK)
        return rc;
    char name[16];
    snprintf(name, sizeof name, "ordo%d", q);
    if ((rc = prepare(b, q, name, what, err)) != ORDO_OK)
        return rc;
    PGresult *r = PQexecPrepared(b->conn, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        rc = ordo_pg_fail(b, r, what, err);
        PQclear(r);
        return rc;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return ORDO_OK;
}

int ordo_pg_exec(store_backend_t *b, const char *sql, const char *what, ordo_error_t *err)
{
    int rc0 = ordo_pg_flush(b, err);
    if (rc0 != ORDO_OK)
        return rc0;
    PGresult *r = PQexec(b->conn, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? ORDO_OK
                                                            : ordo_pg_fail(b, r, what, err);
    PQclear(r);
    return rc;
}

int64_t ordo_pg_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* ---- transactions ---- */

int ordo_pg_tx_begin(store_backend_t *b, int depth, ordo_error_t *err)
{
    char sql[96];
    if (depth > 1) {
        snprintf(sql, sizeof sql, "SAVEPOINT ordo_sp%d", depth);
        int rc = ordo_pg_exec(b, sql, "savepoint", err);
        if (rc == ORDO_OK)
            b->depth = depth;
        return rc;
    }
    int rc = ensure_conn(b, err);
    if (rc != ORDO_OK)
        return rc;
    /* the fleet-wide write lock, held to COMMIT or ROLLBACK; then the
     * clock, which no other writer can move while the lock is held */
    snprintf(sql, sizeof sql,
             "BEGIN; SELECT pg_advisory_xact_lock(%lld); SELECT n FROM store_clock WHERE id = 1",
             PG_LOCK_WRITE);
    PGresult *r = PQexec(b->conn, sql);
    rc = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
             ? ORDO_OK
             : ordo_pg_fail(b, r, "begin", err);
    if (rc == ORDO_OK)
        b->clock = ordo_pg_i64(r, 0, 0);
    PQclear(r);
    if (rc != ORDO_OK) {
        if (PQstatus(b->conn) == CONNECTION_OK && PQtransactionStatus(b->conn) != PQTRANS_IDLE)
            PQclear(PQexec(b->conn, "ROLLBACK"));
        return rc;
    }
    b->depth = 1;
    b->dirty = false;
    return ORDO_OK;
}

/* A transaction without the fleet-wide lock: its writes take row locks
 * only (the decider's per-order reservation, whose conditional upserts
 * guard each cell), and its commit does not move store_clock, so other
 * instances do not reload their stock for it: they learn of the units it
 * took when their own conditional upsert on the cell is refused. */
int ordo_pg_tx_begin_rows(store_backend_t *b, ordo_error_t *err)
{
    int rc = ensure_conn(b, err);
    if (rc != ORDO_OK)
        return rc;
    /* its commit does not wait for the WAL's flush: ordo_pg_sync, once per
     * group of decisions, waits for all of them at once */
    PGresult *r = PQexec(b->conn, "BEGIN; SET LOCAL synchronous_commit TO off");
    rc = PQresultStatus(r) == PGRES_COMMAND_OK ? ORDO_OK : ordo_pg_fail(b, r, "begin", err);
    PQclear(r);
    if (rc != ORDO_OK)
        return rc;
    b->depth = 1;
    b->dirty = false;
    b->rows = true;
    return ORDO_OK;
}

/* Makes every transaction this connection committed durable: a
 * transaction that wrote WAL commits synchronously, and the WAL is flushed
 * up to its commit record, which comes after all of theirs. It must write
 * (the instance's "<instance>/synced" counter in stock_meta): one that only
 * took a transaction id commits without the flush, since it wrote no WAL
 * but its commit record (a server crash then lost the reservations such a
 * sync had vouched for: tests/store/test_pg.sh, phase 8). Only the
 * reservations (tx_begin_rows, ordo_pg_stock_reserve_plan) commit without
 * the flush: none since the last sync (a group that reserved nothing), no
 * round trip. */
int ordo_pg_sync(store_backend_t *b, ordo_error_t *err)
{
    if (!b->unsynced)
        return ORDO_OK;
    int rc = ensure_conn(b, err);
    if (rc != ORDO_OK)
        return rc;
    if (b->sync_lost) { /* failed once: what follows is on the new connection */
        b->sync_lost = b->unsynced = false;
        return ordo_error_set(err, ORDO_EBUSY, NULL, 0, "store.postgres.dsn",
                              "postgres sync: the connection was lost before the reservations "
                              "committed since the last sync were flushed (retry)");
    }
    char name[64];
    snprintf(name, sizeof name, "%s/synced", b->instance);
    pg_params_t p = {.n = 0};
    ordo_pg_params_text(&p, name);
    rc = ordo_pg_run(b, Q_SYNC, &p, "sync", NULL, err);
    if (rc == ORDO_OK)
        b->unsynced = false;
    return rc;
}

int ordo_pg_tx_commit(store_backend_t *b, int depth, ordo_error_t *err)
{
    char sql[48];
    if (depth > 1) {
        snprintf(sql, sizeof sql, "RELEASE ordo_sp%d", depth);
        int rc = ordo_pg_exec(b, sql, "release savepoint", err);
        if (rc == ORDO_OK)
            b->depth = depth - 1;
        return rc;
    }
    int rc = ordo_pg_flush(b, err);
    if (b->rows) { /* no clock: see ordo_pg_tx_begin_rows */
        /* set before COMMIT is sent (a lost answer may still have
         * committed); a transaction that wrote nothing (every write is a
         * PG_WRITE, which sets dirty) has no commit record to flush */
        b->unsynced = b->unsynced || (rc == ORDO_OK && b->dirty);
        b->dirty = b->rows = false;
    }
    if (rc == ORDO_OK && b->dirty)
        rc = ordo_pg_run(b, Q_CLOCK_BUMP, NULL, "bump store clock", NULL, err);
    if (rc != ORDO_OK)
        return rc; /* the caller rolls back */
    PGresult *r = PQexec(b->conn, "COMMIT");
    /* COMMIT of an aborted transaction "succeeds" as ROLLBACK */
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(r), "COMMIT");
    if (!ok)
        rc = PQresultStatus(r) == PGRES_COMMAND_OK
                 ? ordo_error_set(err, ORDO_EIO, NULL, 0, NULL,
                                  "postgres commit: the transaction was rolled back")
                 : ordo_pg_fail(b, r, "commit", err);
    PQclear(r);
    b->depth = 0;
    if (ok && b->dirty)
        b->mine++;
    b->dirty = false;
    return rc;
}

int ordo_pg_tx_rollback(store_backend_t *b, int depth, ordo_error_t *err)
{
    char sql[80];
    if (depth > 1) {
        snprintf(sql, sizeof sql, "ROLLBACK TO ordo_sp%d; RELEASE ordo_sp%d", depth, depth);
        int rc = ordo_pg_exec(b, sql, "rollback to savepoint", err);
        b->depth = depth - 1;
        return rc;
    }
    ordo_pg_flush(b, NULL); /* their errors do not matter any more */
    b->depth = 0;
    b->dirty = b->rows = false;
    if (PQstatus(b->conn) != CONNECTION_OK)
        return ORDO_OK; /* the server ended the transaction with the session */
    return ordo_pg_exec(b, "ROLLBACK", "rollback", err);
}

int ordo_pg_write_begin(store_backend_t *b, bool *own, ordo_error_t *err)
{
    *own = b->depth == 0;
    int rc = *own ? ordo_pg_tx_begin(b, 1, err) : ORDO_OK;
    if (rc == ORDO_OK)
        b->dirty = true;
    return rc;
}

int ordo_pg_write_end(store_backend_t *b, bool own, int rc, ordo_error_t *err)
{
    if (!own)
        return rc;
    if (rc == ORDO_OK)
        rc = ordo_pg_tx_commit(b, 1, err);
    if (rc != ORDO_OK && b->depth > 0)
        ordo_pg_tx_rollback(b, 1, NULL);
    return rc;
}

int ordo_pg_schema_version(store_backend_t *b, int *version, ordo_error_t *err)
{
    int rc0 = ordo_pg_flush(b, err);
    if (rc0 != ORDO_OK)
        return rc0;
    PGresult *r = PQexec(b->conn, "SELECT coalesce(max(version), 0) FROM schema_version");
    int rc = PQresultStatus(r) == PGRES_TUPLES_OK ? ORDO_OK
                                                   : ordo_pg_fail(b, r, "schema version", err);
    if (rc == ORDO_OK)
        *version = (int)ordo_pg_i64(r, 0, 0);
    PQclear(r);
    return rc;
}

/* The clock minus this handle's own bumps: changes exactly when another
 * handle (of any instance) committed a write. */
int ordo_pg_data_version(store_backend_t *b, uint64_t *version, ordo_error_t *err)
{
    if (b->depth > 0) { /* under the write lock: read at BEGIN, no round trip */
        *version = (uint64_t)(b->clock - b->mine);
        return ORDO_OK;
    }
    PGresult *r;
    int rc = ordo_pg_run(b, Q_CLOCK_GET, NULL, "data version", &r, err);
    if (rc == ORDO_OK)
        *version = (uint64_t)(ordo_pg_i64(r, 0, 0) - b->mine);
    PQclear(r);
    return rc;
}

/* ---- migrations ---- */

static int insert_secret(store_backend_t *b, ordo_error_t *err)
{
    uint8_t key[32];
    char hex[65];
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    sodium_memzero(key, sizeof key);
    const char *v[1] = {hex};
    PGresult *r = PQexecParams(b->conn,
                               "INSERT INTO store_secret (name, value) VALUES "
                               "('customer_key', decode($1, 'hex'))",
                               1, NULL, v, NULL, NULL, 0);
    sodium_memzero(hex, sizeof hex);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? ORDO_OK
                                                    : ordo_pg_fail(b, r, "make secret", err);
    PQclear(r);
    return rc;
}

static int migrate_steps(store_backend_t *b, ordo_error_t *err)
{
    int cur = 0;
    int rc = ordo_pg_schema_version(b, &cur, err);
    if (rc == ORDO_OK && cur > PG_N_MIGRATIONS)
        return ordo_error_set(err, ORDO_EUNSUPPORTED, NULL, 0, "store.postgres.dsn",
                              "database schema version %d is newer than this ordo supports (%d)",
                              cur, PG_N_MIGRATIONS);
    if (rc != ORDO_OK || cur == PG_N_MIGRATIONS)
        return rc;
    rc = ordo_pg_exec(b, "BEGIN", "begin migration", err);
    for (int v = cur + 1; rc == ORDO_OK && v <= PG_N_MIGRATIONS; v++) {
        rc = ordo_pg_exec(b, pg_migrations[v - 1], "migration", err);
        if (rc == ORDO_OK && v == 2)
            rc = insert_secret(b, err);
        if (rc == ORDO_OK) {
            char sql[128];
            snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d, %lld)", v,
                     (long long)ordo_now_unix());
            rc = ordo_pg_exec(b, sql, "record migration", err);
        }
    }
    if (rc == ORDO_OK)
        return ordo_pg_exec(b, "COMMIT", "commit migration", err);
    PQclear(PQexec(b->conn, "ROLLBACK"));
    return rc;
}

/* Under a session advisory lock, so that instances starting together
 * migrate one after the other (the second finds the work done). */
static int migrate(store_backend_t *b, bool create, ordo_error_t *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%lld)", PG_LOCK_MIGRATE);
    int rc = ordo_pg_exec(b, sql, "lock for migration", err);
    if (rc != ORDO_OK)
        return rc;
    PGresult *r = PQexec(b->conn, "SELECT to_regclass('schema_version') IS NULL");
    bool absent = PQresultStatus(r) == PGRES_TUPLES_OK && PQgetvalue(r, 0, 0)[0] == 't';
    rc = PQresultStatus(r) == PGRES_TUPLES_OK ? ORDO_OK : ordo_pg_fail(b, r, "read schema", err);
    PQclear(r);
    if (rc == ORDO_OK && absent && !create)
        rc = ordo_error_set(err, ORDO_ENOENT, NULL, 0, "store.postgres.dsn",
                            "no ordo schema in this PostgreSQL database (nothing stored yet)");
    if (rc == ORDO_OK && absent)
        rc = ordo_pg_exec(b,
                          "CREATE TABLE IF NOT EXISTS schema_version (version INT PRIMARY KEY, "
                          "applied_at BIGINT NOT NULL)",
                          "create schema_version", err);
    if (rc == ORDO_OK)
        rc = migrate_steps(b, err);
    snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%lld)", PG_LOCK_MIGRATE);
    PQclear(PQexec(b->conn, sql));
    return rc;
}

/* ---- the instance ---- */

/* DIR/pg_instance: a random id made at the first open, naming this data
 * directory's decision log in the shared reservation table. */
static int instance_id(store_backend_t *b, const char *data_dir, bool create, ordo_error_t *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/pg_instance", data_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        uint8_t raw[8];
        randombytes_buf(raw, sizeof raw);
        char id[24];
        sodium_bin2hex(id, sizeof id, raw, sizeof raw);
        char tmp[4300];
        snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
        FILE *f = fopen(tmp, "w");
        bool ok = f && fprintf(f, "%s\n", id) > 0;
        ok = (f && fclose(f) == 0) && ok;
        /* link, not rename: a concurrent first open keeps the one made first */
        if (ok && link(tmp, path) != 0 && errno != EEXIST)
            ok = false;
        unlink(tmp);
        if (!ok)
            return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "cannot write: %s",
                                  strerror(errno));
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        if (errno == ENOENT)
            return ORDO_OK; /* read-only open of a directory that never decided */
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "cannot read: %s", strerror(errno));
    }
    ssize_t n = read(fd, b->instance, sizeof b->instance - 1);
    close(fd);
    while (n > 0 && (b->instance[n - 1] == '\n' || b->instance[n - 1] == ' '))
        n--;
    if (n <= 0)
        return ordo_error_set(err, ORDO_ECORRUPT, path, 0, NULL, "empty instance id");
    b->instance[n] = 0;
    return ORDO_OK;
}

/* ---- open / close ---- */

void ordo_pg_close(store_backend_t *b)
{
    if (!b)
        return;
    if (b->conn)
        PQfinish(b->conn);
    ordo_buf_free(&b->arr);
    free(b);
}

/* A DSN libpq would not read as a connection string (it would take a
 * string without '=' for a database name) is refused up front. */
static int check_dsn(const char *dsn, ordo_error_t *err)
{
    bool uri = !strncmp(dsn, "postgresql://", 13) || !strncmp(dsn, "postgres://", 11);
    if (!uri && !strchr(dsn, '='))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "store.postgres.dsn",
                              "not a libpq connection string (\"host=H port=P dbname=D "
                              "user=U\" or postgresql://...)");
    char *msg = NULL;
    PQconninfoOption *o = PQconninfoParse(dsn, &msg);
    if (o) {
        PQconninfoFree(o);
        return ORDO_OK;
    }
    char text[256];
    snprintf(text, sizeof text, "%s", msg ? msg : "out of memory");
    PQfreemem(msg);
    for (size_t n = strlen(text); n > 0 && text[n - 1] == '\n';)
        text[--n] = 0;
    return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "store.postgres.dsn",
                          "malformed connection string: %s", text);
}

static int connect_db(store_backend_t *b, const char *dsn, ordo_error_t *err)
{
    int rc = check_dsn(dsn, err);
    if (rc != ORDO_OK)
        return rc;
    /* later entries override earlier ones: the DSN's own connect_timeout
     * wins over this default */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"10", "ordo", dsn, NULL};
    b->conn = PQconnectdbParams(keys, vals, 1);
    if (!b->conn)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (PQstatus(b->conn) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(b->conn));
        for (size_t n = strlen(msg); n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ');)
            msg[--n] = 0;
        return ordo_error_set(err, ORDO_EIO, NULL, 0, "store.postgres.dsn",
                              "cannot connect to PostgreSQL: %s", msg);
    }
    PQsetNoticeProcessor(b->conn, quiet_notice, NULL);
    return session_setup(b, err);
}

int ordo_store_postgres_open(const char *data_dir, const ordo_config_t *cfg, bool create,
                             const store_ops_t **ops, store_backend_t **out, ordo_error_t *err)
{
    if (!cfg->postgres_dsn[0])
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "store.postgres.dsn",
                              "store.backend = postgres needs store.postgres.dsn");
    if (sodium_init() < 0)
        return ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "libsodium failed to initialise");
    store_backend_t *b = calloc(1, sizeof *b);
    if (!b)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    b->busy_ms = cfg->busy_timeout_ms;
    int rc = create ? ordo_mkdir_p(data_dir, err) : ORDO_OK;
    if (rc == ORDO_OK)
        rc = instance_id(b, data_dir, create, err);
    if (rc == ORDO_OK)
        rc = connect_db(b, cfg->postgres_dsn, err);
    if (rc == ORDO_OK)
        rc = migrate(b, create, err);
    if (rc != ORDO_OK) {
        ordo_pg_close(b);
        return rc;
    }
    *ops = &ordo_pg_ops;
    *out = b;
    return ORDO_OK;
}

/* ---- COPY (store migrate, log ship) ---- */

void ordo_pg_copy_field(ordo_buf_t *row, const char *s, size_t n, bool first)
{
    if (!first)
        ordo_buf_putc(row, '\t');
    if (!s) {
        ordo_buf_append(row, "\\N", 2);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        const char *esc = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r" : NULL;
        if (esc)
            ordo_buf_append(row, esc, 2);
        else
            ordo_buf_putc(row, c);
    }
}

int ordo_pg_copy_begin(store_backend_t *b, const char *sql, ordo_error_t *err)
{
    int rc0 = ordo_pg_flush(b, err);
    if (rc0 != ORDO_OK)
        return rc0;
    PGresult *r = PQexec(b->conn, sql);
    int rc = PQresultStatus(r) == PGRES_COPY_IN ? ORDO_OK : ordo_pg_fail(b, r, "copy", err);
    PQclear(r);
    return rc;
}

/* Sends the rows in buf (complete lines) and empties it. */
int ordo_pg_copy_put(store_backend_t *b, ordo_buf_t *buf, ordo_error_t *err)
{
    if (buf->len && PQputCopyData(b->conn, buf->data, (int)buf->len) != 1)
        return ordo_pg_fail(b, NULL, "copy", err);
    ordo_buf_reset(buf);
    return ORDO_OK;
}

/* Ends the COPY; *rows the rows it stored. */
int ordo_pg_copy_end(store_backend_t *b, const char *failed, uint64_t *rows, ordo_error_t *err)
{
    if (PQputCopyEnd(b->conn, failed) != 1)
        return ordo_pg_fail(b, NULL, "copy", err);
    int rc = ORDO_OK;
    PGresult *r;
    while ((r = PQgetResult(b->conn))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == ORDO_OK)
            rc = ordo_pg_fail(b, r, "copy", err);
        else if (rows && rc == ORDO_OK)
            *rows = strtoull(PQcmdTuples(r), NULL, 10);
        PQclear(r);
    }
    return rc;
}

/* The backend of a store opened on PostgreSQL (NULL on another). */
store_backend_t *ordo_pg_backend(ordo_store_t *s)
{
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    return ops == &ordo_pg_ops ? b : NULL;
}

int ordo_pg_open_dsn(const char *data_dir, const char *dsn, ordo_store_t **s,
                     store_backend_t **b, ordo_error_t *err)
{
    ordo_config_t cfg;
    ordo_config_init(&cfg);
    cfg.store_backend = ORDO_STORE_POSTGRES;
    if (snprintf(cfg.postgres_dsn, sizeof cfg.postgres_dsn, "%s", dsn) >=
        (int)sizeof cfg.postgres_dsn)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "dsn", "connection string too long");
    int rc = ordo_store_open(data_dir, &cfg, s, err);
    if (rc == ORDO_OK)
        *b = ordo_pg_backend(*s);
    return rc;
}
