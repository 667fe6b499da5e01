/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — the backend vtable. store.c (validation, transactions
 * bookkeeping, outcome folding) calls a backend only through these; all SQL
 * lives in sqlite.c. A PostgreSQL backend implements the same table. */
#ifndef ORDO_STORE_INTERNAL_H
#define ORDO_STORE_INTERNAL_H

#include "ordo/store.h"

typedef struct store_backend store_backend_t; /* backend-private state */

/* A cursor over outcome events (backend-private). */
typedef struct store_event_cursor store_event_cursor_t;

/* One stored signal line (src/store/signals.c). */
typedef struct store_signal_row {
    uint32_t line;
    const char *kind;
    int64_t from, to; /* to INT64_MAX: open-ended */
    const char *doc;
    size_t doc_len;
} store_signal_row_t;
typedef int (*store_signal_fn)(void *ctx, uint64_t version, uint32_t line, const char *doc,
                               size_t len, const char *source);

typedef struct store_ops {
    const char *name;
    void (*close)(store_backend_t *b);
    int (*schema_version)(store_backend_t *b, int *version, ordo_error_t *err);
    /* changes whenever another handle has committed since the last call */
    int (*data_version)(store_backend_t *b, uint64_t *version, ordo_error_t *err);

    /* depth is the depth after begin / before commit or rollback: 1 is the
     * outermost transaction, >1 a savepoint. */
    int (*tx_begin)(store_backend_t *b, int depth, ordo_error_t *err);
    int (*tx_commit)(store_backend_t *b, int depth, ordo_error_t *err);
    int (*tx_rollback)(store_backend_t *b, int depth, ordo_error_t *err);
    /* optional (NULL: tx_begin): an outermost transaction with row locks
     * only, whose commit other handles' data_version does not see */
    int (*tx_begin_rows)(store_backend_t *b, ordo_error_t *err);
    /* optional (NULL: nothing to do): every committed transaction durable */
    int (*sync)(store_backend_t *b, ordo_error_t *err);

    /* Events are validated; called inside a transaction. */
    int (*outcomes_insert)(store_backend_t *b, const ordo_outcome_event_t *ev, size_t n,
                           ordo_outcome_put_stats_t *stats, ordo_error_t *err);
    /* Cursor over the events of one order (order_id non-NULL) or of all
     * orders (NULL), ordered by order_id, then at, then event_id. */
    int (*events_open)(store_backend_t *b, const char *order_id, store_event_cursor_t **cur,
                       ordo_error_t *err);
    /* 1 and *ev, 0 at the end, negative on error. */
    int (*events_next)(store_event_cursor_t *cur, ordo_outcome_event_t *ev, ordo_error_t *err);
    void (*events_close)(store_event_cursor_t *cur);
    int (*outcome_counts)(store_backend_t *b, uint64_t *events, uint64_t *orders,
                          ordo_error_t *err);
    /* Cursor over the events of the orders with an event inserted after
     * change seq since (same order as events_open); the last change seq. */
    int (*events_open_since)(store_backend_t *b, uint64_t since, store_event_cursor_t **cur,
                             ordo_error_t *err);
    int (*outcome_seq)(store_backend_t *b, uint64_t *seq, ordo_error_t *err);
    /* The change rows numbered above since, in seq order, at most max. */
    int (*outcome_changes)(store_backend_t *b, uint64_t since, ordo_outcome_change_t *out,
                           size_t max, size_t *n, ordo_error_t *err);
    /* optional (NULL: nothing to do): bulk load of outcome events on/off */
    int (*outcomes_bulk)(store_backend_t *b, bool on, ordo_error_t *err);

    /* Arguments are validated; the backend implements the version rules of
     * store.h atomically. */
    int (*doc_put)(store_backend_t *b, const char *kind, const char *id, const char *json,
                   size_t json_len, uint64_t expected_version, int64_t now, uint64_t *new_version,
                   ordo_error_t *err);
    int (*doc_get)(store_backend_t *b, const char *kind, const char *id, uint64_t version,
                   char **json, size_t *json_len, uint64_t *version_out, ordo_error_t *err);
    int (*doc_delete)(store_backend_t *b, const char *kind, const char *id,
                      uint64_t expected_version, int64_t now, ordo_error_t *err);
    int (*doc_list)(store_backend_t *b, const char *kind, ordo_store_doc_fn fn, void *ctx,
                    ordo_error_t *err);

    int (*audit_append)(store_backend_t *b, const ordo_store_audit_entry_t *e, uint64_t *seq,
                        ordo_error_t *err);
    int (*audit_list)(store_backend_t *b, const char *kind, const char *id, ordo_store_audit_fn fn,
                      void *ctx, ordo_error_t *err);

    /* Customer pseudonyms (docs/internals/STORE.md "Customer pseudonyms"). */
    int (*secret_get)(store_backend_t *b, const char *name, uint8_t *out, size_t n,
                      ordo_error_t *err);
    int (*customer_put)(store_backend_t *b, const char *key, const char *customer_id, int64_t now,
                        ordo_error_t *err);
    /* *customer_id malloc'd; ORDO_ENOTFOUND when the key is not mapped */
    int (*customer_get)(store_backend_t *b, const char *key, char **customer_id, ordo_error_t *err);
    /* deletes the mapping rows of key or customer_id; *n rows deleted */
    int (*customer_erase)(store_backend_t *b, const char *key, const char *customer_id, uint64_t *n,
                          ordo_error_t *err);
    /* makes deleted rows leave every file of the store (checkpoint the WAL
     * and truncate it); *busy when another reader kept it from finishing */
    int (*compact)(store_backend_t *b, int *busy, ordo_error_t *err);

    /* Stock (docs/internals/STORE.md "Stock"); arguments are validated. */
    int (*stock_reserve)(store_backend_t *b, const char *node, const char *sku,
                         const ordo_stock_row_t *seed, int64_t qty, bool respect_safety,
                         bool force, bool *taken, ordo_error_t *err);
    int (*stock_unreserve)(store_backend_t *b, const char *node, const char *sku, int64_t qty,
                           ordo_error_t *err);
    /* NULL: not supported (ordo_store_stock_reserve_plan) */
    int (*stock_reserve_plan)(store_backend_t *b, uint64_t seq, const char *order_id,
                              const ordo_store_plan_cell_t *cells, uint32_t n,
                              bool respect_safety, const char *customer_key,
                              const char *customer_id, int64_t now, int32_t *result,
                              ordo_error_t *err);
    int (*stock_get)(store_backend_t *b, const char *node, const char *sku, ordo_stock_row_t *out,
                     bool *found, ordo_error_t *err);
    int (*stock_list)(store_backend_t *b, ordo_store_stock_fn fn, void *ctx, ordo_error_t *err);
    /* safety < 0: keep the row's (0 for a new row) */
    int (*stock_set)(store_backend_t *b, const char *node, const char *sku, int64_t on_hand,
                     int64_t safety, int64_t as_of, ordo_error_t *err);
    /* *found false: no row (nothing changed); ORDO_EINVAL when on hand
     * would go below 0 */
    int (*stock_add)(store_backend_t *b, const char *node, const char *sku, int64_t qty,
                     int64_t as_of, bool *found, ordo_error_t *err);
    int (*resv_add)(store_backend_t *b, uint64_t seq, const char *order_id, uint32_t shipment,
                    const char *node, const char *sku, int64_t qty, int64_t now,
                    ordo_error_t *err);
    int (*resv_settle)(store_backend_t *b, const char *order_id, int64_t shipment,
                       ordo_stock_settle_t how, int64_t now, uint64_t *units, ordo_error_t *err);
    int (*resv_drop_after)(store_backend_t *b, uint64_t last, uint64_t *units, ordo_error_t *err);
    int (*stock_totals)(store_backend_t *b, ordo_stock_totals_t *out, ordo_error_t *err);
    int (*meta_get)(store_backend_t *b, const char *name, int64_t *value, ordo_error_t *err);
    int (*meta_set)(store_backend_t *b, const char *name, int64_t value, ordo_error_t *err);
    /* pages >= 0: the handle's automatic checkpoint threshold (0: none);
     * run: a passive checkpoint now */
    int (*checkpoint)(store_backend_t *b, int pages, bool run, ordo_error_t *err);
    /* Signals (src/store/signals.c): a new version holding rows (inside
     * the caller's transaction); rows of versions <= max_version by
     * version and line; the latest version (0: none). */
    int (*signals_put)(store_backend_t *b, const store_signal_row_t *rows, size_t n,
                       const char *source, int64_t now, uint64_t *version, ordo_error_t *err);
    int (*signals_list)(store_backend_t *b, uint64_t max_version, store_signal_fn fn, void *ctx,
                        ordo_error_t *err);
    int (*signals_latest)(store_backend_t *b, uint64_t *version, ordo_error_t *err);
} store_ops_t;

/* The backend under a store handle (stock.c). */
const store_ops_t *ordo_store_ops(ordo_store_t *s, store_backend_t **b);

/* store.ingest_batch of the store's configuration (outcome_io.c). */
uint32_t ordo_store_ingest_batch_size(const ordo_store_t *s);

/* A put or delete expecting version expected of a document at version cur
 * (0: absent): ORDO_OK, or the error store.h promises (sqlite.c). */
int ordo_store_version_check(const char *kind, const char *id, uint64_t cur, uint64_t expected,
                             ordo_error_t *err);

/* Backends. create=false: ORDO_ENOENT when the database is missing. */
int ordo_store_sqlite_open(const char *data_dir, const ordo_config_t *cfg, bool create,
                           const store_ops_t **ops, store_backend_t **b, ordo_error_t *err);
/* store.postgres.dsn of cfg; data_dir holds the instance id (postgres.c). */
int ordo_store_postgres_open(const char *data_dir, const ordo_config_t *cfg, bool create,
                             const store_ops_t **ops, store_backend_t **b, ordo_error_t *err);

#endif
