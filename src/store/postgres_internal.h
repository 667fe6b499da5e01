/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — shared between postgres.c (connection, transactions,
 * migrations) and postgres_ops.c (the tables). */
#ifndef ORDO_STORE_POSTGRES_INTERNAL_H
#define ORDO_STORE_POSTGRES_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "ordo/buf.h"

#include "postgres_schema.h"
#include "store_internal.h"

struct store_backend {
    PGconn *conn;
    uint32_t busy_ms;  /* store.busy_timeout_ms: lock_timeout */
    int depth;         /* open transaction nesting */
    bool dirty;        /* the open transaction wrote */
    int64_t mine;      /* store_clock bumps committed by this handle */
    int64_t clock;     /* store_clock read at BEGIN (under the write lock) */
    char instance[40]; /* DIR/pg_instance ("" for a read-only open that has none) */
    bool prepared[Q_COUNT];
    bool in_pipe; /* deferred writes sent, results not read yet */
    int piped;    /* how many */
    bool rows;    /* the open transaction takes row locks only (tx_begin_rows) */
    /* a tx_begin_rows transaction that wrote committed (or its COMMIT was
     * sent) since the last ordo_pg_sync: its WAL may not be flushed yet */
    bool unsynced;
    bool sync_lost; /* reconnected while unsynced: the next sync fails */
    ordo_buf_t arr; /* ordo_pg_stock_reserve_plan's array literals (kept for reuse) */
};

#define PG_MAX_PARAMS 16
typedef struct pg_params {
    const char *v[PG_MAX_PARAMS];
    int n;
    char buf[PG_MAX_PARAMS][32];
} pg_params_t;

void ordo_pg_params_i64(pg_params_t *p, int64_t v);
void ordo_pg_params_f64(pg_params_t *p, double v);
void ordo_pg_params_text(pg_params_t *p, const char *s);
void ordo_pg_params_null(pg_params_t *p);

int ordo_pg_fail(store_backend_t *b, PGresult *r, const char *what, ordo_error_t *err);
int ordo_pg_run(store_backend_t *b, int q, const pg_params_t *p, const char *what,
                PGresult **out, ordo_error_t *err);
/* Deferred writes: queued in libpq's pipeline mode inside the open
 * transaction, their results (the first error) read by ordo_pg_flush,
 * which every other statement calls first. */
int ordo_pg_defer(store_backend_t *b, int q, const pg_params_t *p, const char *what,
                  ordo_error_t *err);
int ordo_pg_flush(store_backend_t *b, ordo_error_t *err);
int ordo_pg_exec(store_backend_t *b, const char *sql, const char *what, ordo_error_t *err);
int64_t ordo_pg_i64(const PGresult *r, int row, int col);

/* A write outside a transaction gets one of its own (with the write lock),
 * so that it bumps the clock like any other. */
int ordo_pg_write_begin(store_backend_t *b, bool *own, ordo_error_t *err);
int ordo_pg_write_end(store_backend_t *b, bool own, int rc, ordo_error_t *err);

void ordo_pg_close(store_backend_t *b);
int ordo_pg_schema_version(store_backend_t *b, int *version, ordo_error_t *err);
int ordo_pg_data_version(store_backend_t *b, uint64_t *version, ordo_error_t *err);
int ordo_pg_tx_begin(store_backend_t *b, int depth, ordo_error_t *err);
int ordo_pg_tx_commit(store_backend_t *b, int depth, ordo_error_t *err);
int ordo_pg_tx_rollback(store_backend_t *b, int depth, ordo_error_t *err);
int ordo_pg_tx_begin_rows(store_backend_t *b, ordo_error_t *err);
int ordo_pg_sync(store_backend_t *b, ordo_error_t *err);

/* store_ops_t.stock_reserve_plan (postgres_plan.c) */
int ordo_pg_stock_reserve_plan(store_backend_t *b, uint64_t seq, const char *order_id,
                               const ordo_store_plan_cell_t *cells, uint32_t n,
                               bool respect_safety, const char *customer_key,
                               const char *customer_id, int64_t now, int32_t *result,
                               ordo_error_t *err);

extern const store_ops_t ordo_pg_ops;

/* COPY ... FROM STDIN in text format: fields escaped (NULL: \N), rows sent
 * in chunks (postgres.c). */
void ordo_pg_copy_field(ordo_buf_t *row, const char *s, size_t n, bool first);
int ordo_pg_copy_begin(store_backend_t *b, const char *sql, ordo_error_t *err);
int ordo_pg_copy_put(store_backend_t *b, ordo_buf_t *buf, ordo_error_t *err);
int ordo_pg_copy_end(store_backend_t *b, const char *failed, uint64_t *rows, ordo_error_t *err);
store_backend_t *ordo_pg_backend(ordo_store_t *s);
/* Opens dsn as the store of data_dir (schema migrated, instance made). */
int ordo_pg_open_dsn(const char *data_dir, const char *dsn, ordo_store_t **s,
                     store_backend_t **b, ordo_error_t *err);

#endif
