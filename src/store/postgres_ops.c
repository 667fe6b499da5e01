/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — the PostgreSQL backend's operations on the tables (the same
 * rules as sqlite.c; postgres.c has the connection and transactions). A
 * write called outside a transaction runs in one of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ordo/util.h"
#include "postgres_internal.h"

#define P_I64 ordo_pg_params_i64
#define P_TXT ordo_pg_params_text

/* name WRAPPED: the write's body runs in the caller's transaction or in
 * one of its own */
#define PG_WRITE(name, decl, call)                                                                 \
    static int name decl                                                                           \
    {                                                                                              \
        bool own;                                                                                  \
        int rc = ordo_pg_write_begin(b, &own, err);                                                \
        if (rc == ORDO_OK)                                                                         \
            rc = name##_body call;                                                                 \
        return ordo_pg_write_end(b, own, rc, err);                                                 \
    }

static const char *val(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col);
}

static bool changed(const PGresult *r)
{
    const char *n = PQcmdTuples((PGresult *)r);
    return n && *n && strcmp(n, "0") != 0;
}

/* ---- outcomes ---- */

static int resv_settle_body(store_backend_t *b, const char *order_id, int64_t shipment,
                            ordo_stock_settle_t how, int64_t now, uint64_t *units,
                            ordo_error_t *err);

static int settle_stock(store_backend_t *b, const ordo_outcome_event_t *e, int64_t now,
                        ordo_error_t *err)
{
    uint64_t units = 0;
    if (e->type == ORDO_OUTCOME_CANCELLED)
        return resv_settle_body(b, e->order_id, -1, ORDO_STOCK_RELEASE, now, &units, err);
    if (e->type == ORDO_OUTCOME_SHIPPED)
        return resv_settle_body(b, e->order_id, e->shipment, ORDO_STOCK_SHIP, now, &units, err);
    return ORDO_OK;
}

static void event_params(pg_params_t *p, const ordo_outcome_event_t *e, int64_t now)
{
    p->n = 0;
    P_TXT(p, e->event_id);
    P_TXT(p, e->order_id);
    P_I64(p, e->shipment);
    P_TXT(p, ordo_outcome_type_name(e->type));
    P_I64(p, e->at);
    if (e->promised_by)
        P_I64(p, e->promised_by);
    else
        ordo_pg_params_null(p);
    for (int c = 0; c < ORDO_COST_PARTS; c++) {
        if (e->cost_mask & (1u << c))
            ordo_pg_params_f64(p, e->cost[c]);
        else
            ordo_pg_params_null(p);
    }
    if (e->has_refund)
        ordo_pg_params_f64(p, e->refund);
    else
        ordo_pg_params_null(p);
    if (e->type == ORDO_OUTCOME_MEASURE) {
        P_TXT(p, ordo_measure_name((int)e->measure));
        ordo_pg_params_f64(p, e->value);
    } else {
        ordo_pg_params_null(p);
        ordo_pg_params_null(p);
    }
    if (e->type == ORDO_OUTCOME_MEASURE && e->node[0])
        P_TXT(p, e->node);
    else
        ordo_pg_params_null(p);
    P_I64(p, now);
}

static int outcomes_insert_body(store_backend_t *b, const ordo_outcome_event_t *ev, size_t n,
                                ordo_outcome_put_stats_t *stats, ordo_error_t *err)
{
    int64_t now = ordo_now_unix();
    pg_params_t p;
    for (size_t i = 0; i < n; i++) {
        event_params(&p, &ev[i], now);
        PGresult *r;
        char what[160];
        snprintf(what, sizeof what, "insert outcome event '%.100s'", ev[i].event_id);
        int rc = ordo_pg_run(b, Q_EV_INSERT, &p, what, &r, err);
        if (rc != ORDO_OK)
            return rc;
        bool inserted = changed(r);
        PQclear(r);
        if (stats) {
            if (inserted)
                stats->inserted++;
            else
                stats->duplicates++;
        }
        if (inserted && (rc = settle_stock(b, &ev[i], now, err)) != ORDO_OK)
            return rc;
    }
    return ORDO_OK;
}
PG_WRITE(outcomes_insert,
         (store_backend_t * b, const ordo_outcome_event_t *ev, size_t n,
          ordo_outcome_put_stats_t *stats, ordo_error_t *err),
         (b, ev, n, stats, err))

/* The rows are read at once (one snapshot; a callback may re-enter the
 * store while the cursor is open). */
struct store_event_cursor {
    store_backend_t *b;
    PGresult *r;
    int row;
};

static int cursor_open(store_backend_t *b, int q, const pg_params_t *p,
                       store_event_cursor_t **out, ordo_error_t *err)
{
    store_event_cursor_t *c = calloc(1, sizeof *c);
    if (!c)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    c->b = b;
    int rc = ordo_pg_run(b, q, p, "read outcome events", &c->r, err);
    if (rc != ORDO_OK) {
        free(c);
        return rc;
    }
    *out = c;
    return ORDO_OK;
}

static int pg_events_open(store_backend_t *b, const char *order_id, store_event_cursor_t **out,
                          ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    if (order_id)
        P_TXT(&p, order_id);
    return cursor_open(b, order_id ? Q_EV_ORDER : Q_EV_ALL, &p, out, err);
}

static int pg_events_open_since(store_backend_t *b, uint64_t since, store_event_cursor_t **out,
                                ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_I64(&p, (int64_t)since);
    return cursor_open(b, Q_EV_SINCE, &p, out, err);
}

static int copy_id(char *dst, const char *src, const char *what, ordo_error_t *err)
{
    size_t n = strlen(src);
    if (n == 0 || n >= ORDO_OUTCOME_ID_MAX)
        return ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, what,
                              "stored %s has length %zu (must be 1..%d)", what, n,
                              ORDO_OUTCOME_ID_MAX - 1);
    memcpy(dst, src, n + 1);
    return ORDO_OK;
}

/* Columns 12-14 of a measure event: its measure, value and node. */
static int read_measure(const PGresult *r, int i, ordo_outcome_event_t *e, ordo_error_t *err)
{
    if (e->type != ORDO_OUTCOME_MEASURE)
        return 1;
    const char *name = val(r, i, 12);
    int m = ordo_measure_from_name(name, strlen(name));
    if (m < 0)
        return ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "measure",
                              "stored event %s has unknown measure '%s'", e->event_id, name);
    e->measure = (ordo_measure_t)m;
    e->value = strtod(val(r, i, 13), NULL);
    if (!PQgetisnull(r, i, 14))
        snprintf(e->node, sizeof e->node, "%s", val(r, i, 14));
    return 1;
}

static int pg_events_next(store_event_cursor_t *c, ordo_outcome_event_t *e, ordo_error_t *err)
{
    const PGresult *r = c->r;
    if (c->row >= PQntuples(r))
        return 0;
    int i = c->row++;
    memset(e, 0, sizeof *e);
    int rc = copy_id(e->event_id, val(r, i, 0), "event_id", err);
    if (rc == ORDO_OK)
        rc = copy_id(e->order_id, val(r, i, 1), "order_id", err);
    if (rc != ORDO_OK)
        return rc;
    e->shipment = (uint32_t)ordo_pg_i64(r, i, 2);
    const char *type = val(r, i, 3);
    e->type = ordo_outcome_type_from_name(type, strlen(type));
    e->at = ordo_pg_i64(r, i, 4);
    e->promised_by = ordo_pg_i64(r, i, 5);
    for (int p = 0; p < ORDO_COST_PARTS; p++) {
        if (!PQgetisnull(r, i, 6 + p)) {
            e->cost[p] = strtod(val(r, i, 6 + p), NULL);
            e->cost_mask |= 1u << p;
        }
    }
    if (!PQgetisnull(r, i, 11)) {
        e->refund = strtod(val(r, i, 11), NULL);
        e->has_refund = true;
    }
    if (e->type == ORDO_OUTCOME_NONE)
        return ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "type",
                              "stored event %s has unknown type '%s'", e->event_id, type);
    return read_measure(r, i, e, err);
}

static void pg_events_close(store_event_cursor_t *c)
{
    if (!c)
        return;
    PQclear(c->r);
    free(c);
}

/* A one-row query's first columns as integers. */
static int row_i64(store_backend_t *b, int q, const pg_params_t *p, const char *what,
                   int64_t *v, int n, bool *found, ordo_error_t *err)
{
    for (int i = 0; i < n; i++)
        v[i] = 0;
    if (found)
        *found = false;
    PGresult *r;
    int rc = ordo_pg_run(b, q, p, what, &r, err);
    if (rc != ORDO_OK)
        return rc;
    bool has = PQntuples(r) > 0;
    for (int i = 0; i < n; i++)
        v[i] = has ? ordo_pg_i64(r, 0, i) : 0;
    if (found)
        *found = has;
    PQclear(r);
    return ORDO_OK;
}

static int pg_outcome_counts(store_backend_t *b, uint64_t *events, uint64_t *orders,
                             ordo_error_t *err)
{
    int64_t v[2] = {0, 0};
    int rc = row_i64(b, orders ? Q_EV_COUNT : Q_EV_COUNT_EVENTS, NULL, "count outcome events", v,
                     2, NULL, err);
    if (rc == ORDO_OK && events)
        *events = (uint64_t)v[0];
    if (rc == ORDO_OK && orders)
        *orders = (uint64_t)v[1];
    return rc;
}

static int pg_outcome_changes(store_backend_t *b, uint64_t since, ordo_outcome_change_t *out,
                              size_t max, size_t *n, ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_I64(&p, (int64_t)since);
    P_I64(&p, max > INT64_MAX ? INT64_MAX : (int64_t)max);
    PGresult *r;
    int rc = ordo_pg_run(b, Q_EV_CHANGES, &p, "outcome changes", &r, err);
    if (rc != ORDO_OK)
        return rc;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && rc == ORDO_OK && (size_t)i < max; i++) {
        out[i].seq = (uint64_t)ordo_pg_i64(r, i, 0);
        rc = copy_id(out[i].order_id, PQgetvalue(r, i, 1), "order_id", err);
        if (rc == ORDO_OK)
            *n = (size_t)i + 1;
    }
    PQclear(r);
    return rc;
}

static int pg_outcome_seq(store_backend_t *b, uint64_t *seq, ordo_error_t *err)
{
    int64_t v = 0;
    int rc = row_i64(b, Q_EV_SEQ, NULL, "outcome change seq", &v, 1, NULL, err);
    *seq = rc == ORDO_OK ? (uint64_t)v : 0;
    return rc;
}

/* ---- documents ---- */

static int doc_version(store_backend_t *b, int q, const char *kind, const char *id,
                       uint64_t *version, ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, kind);
    P_TXT(&p, id);
    int64_t v = 0;
    int rc = row_i64(b, q, &p, "read document version", &v, 1, NULL, err);
    *version = (uint64_t)v;
    return rc;
}

static int doc_write(store_backend_t *b, int q, const char *kind, const char *id,
                     uint64_t version, const char *json, size_t json_len, int64_t now,
                     ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, kind);
    P_TXT(&p, id);
    P_I64(&p, (int64_t)version);
    char *copy = NULL;
    if (json) { /* text parameters are NUL-terminated */
        copy = malloc(json_len + 1);
        if (!copy)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        memcpy(copy, json, json_len);
        copy[json_len] = 0;
        P_TXT(&p, copy);
    } else {
        ordo_pg_params_null(&p);
    }
    P_I64(&p, now);
    int rc = ordo_pg_run(b, q, &p, "write document", NULL, err);
    free(copy);
    return rc;
}

static int doc_put_body(store_backend_t *b, const char *kind, const char *id, const char *json,
                        size_t json_len, uint64_t expected, int64_t now, uint64_t *new_version,
                        ordo_error_t *err)
{
    uint64_t cur, maxv;
    int rc = doc_version(b, Q_DOC_CUR, kind, id, &cur, err);
    if (rc == ORDO_OK)
        rc = ordo_store_version_check(kind, id, cur, expected, err);
    if (rc == ORDO_OK)
        rc = doc_version(b, Q_DOC_MAXVER, kind, id, &maxv, err);
    if (rc != ORDO_OK)
        return rc;
    uint64_t v = (maxv > cur ? maxv : cur) + 1;
    rc = doc_write(b, Q_DOC_UPSERT, kind, id, v, json, json_len, now, err);
    if (rc == ORDO_OK)
        rc = doc_write(b, Q_DOC_HIST_INSERT, kind, id, v, json, json_len, now, err);
    if (rc == ORDO_OK && new_version)
        *new_version = v;
    return rc;
}
PG_WRITE(doc_put,
         (store_backend_t * b, const char *kind, const char *id, const char *json,
          size_t json_len, uint64_t expected, int64_t now, uint64_t *new_version,
          ordo_error_t *err),
         (b, kind, id, json, json_len, expected, now, new_version, err))

static int pg_doc_get(store_backend_t *b, const char *kind, const char *id, uint64_t version,
                      char **json, size_t *json_len, uint64_t *version_out, ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, kind);
    P_TXT(&p, id);
    if (version)
        P_I64(&p, (int64_t)version);
    PGresult *r;
    int rc = ordo_pg_run(b, version ? Q_DOC_GET_VERSION : Q_DOC_GET, &p, "read document", &r,
                         err);
    if (rc != ORDO_OK)
        return rc;
    bool row = PQntuples(r) > 0;
    if (row && !PQgetisnull(r, 0, 0)) {
        size_t n = (size_t)PQgetlength(r, 0, 0);
        char *copy = malloc(n + 1);
        if (!copy) {
            rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        } else {
            memcpy(copy, val(r, 0, 0), n + 1);
            *json = copy;
            if (json_len)
                *json_len = n;
            if (version_out)
                *version_out = (uint64_t)ordo_pg_i64(r, 0, 1);
        }
    } else if (version) {
        rc = ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "version",
                            "%s '%s' has no version %llu%s", kind, id,
                            (unsigned long long)version, row ? " (that version deleted it)" : "");
    } else {
        rc = ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "id", "no %s '%s'", kind, id);
    }
    PQclear(r);
    return rc;
}

static int doc_delete_body(store_backend_t *b, const char *kind, const char *id,
                           uint64_t expected, int64_t now, ordo_error_t *err)
{
    uint64_t cur, maxv;
    int rc = doc_version(b, Q_DOC_CUR, kind, id, &cur, err);
    if (rc == ORDO_OK && cur == 0)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "id", "no %s '%s'", kind, id);
    if (rc == ORDO_OK)
        rc = ordo_store_version_check(kind, id, cur, expected, err);
    if (rc == ORDO_OK)
        rc = doc_version(b, Q_DOC_MAXVER, kind, id, &maxv, err);
    pg_params_t p = {.n = 0};
    P_TXT(&p, kind);
    P_TXT(&p, id);
    if (rc == ORDO_OK)
        rc = ordo_pg_run(b, Q_DOC_DELETE, &p, "delete document", NULL, err);
    if (rc != ORDO_OK)
        return rc;
    uint64_t v = (maxv > cur ? maxv : cur) + 1;
    return doc_write(b, Q_DOC_HIST_INSERT, kind, id, v, NULL, 0, now, err);
}
PG_WRITE(doc_delete,
         (store_backend_t * b, const char *kind, const char *id, uint64_t expected, int64_t now,
          ordo_error_t *err),
         (b, kind, id, expected, now, err))

static int pg_doc_list(store_backend_t *b, const char *kind, ordo_store_doc_fn fn, void *ctx,
                       ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, kind);
    PGresult *r;
    int rc = ordo_pg_run(b, Q_DOC_LIST, &p, "list documents", &r, err);
    for (int i = 0; rc == ORDO_OK && i < PQntuples(r); i++) {
        ordo_store_doc_t d = {
            .kind = kind,
            .id = val(r, i, 0),
            .json = val(r, i, 1),
            .json_len = (size_t)PQgetlength(r, i, 1),
            .version = (uint64_t)ordo_pg_i64(r, i, 2),
            .updated_at = ordo_pg_i64(r, i, 3),
        };
        rc = fn(ctx, &d);
    }
    PQclear(r);
    return rc;
}

/* ---- audit ---- */

static int audit_append_body(store_backend_t *b, const ordo_store_audit_entry_t *e,
                             uint64_t *seq, ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, e->kind);
    P_TXT(&p, e->id);
    P_TXT(&p, e->actor);
    P_TXT(&p, e->action);
    P_TXT(&p, e->reason);
    P_TXT(&p, e->detail_json);
    P_I64(&p, e->ts);
    int64_t v = 0;
    int rc = row_i64(b, Q_AUDIT_INSERT, &p, "append audit entry", &v, 1, NULL, err);
    if (rc == ORDO_OK && seq)
        *seq = (uint64_t)v;
    return rc;
}
PG_WRITE(audit_append,
         (store_backend_t * b, const ordo_store_audit_entry_t *e, uint64_t *seq,
          ordo_error_t *err),
         (b, e, seq, err))

static int pg_audit_list(store_backend_t *b, const char *kind, const char *id,
                         ordo_store_audit_fn fn, void *ctx, ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, kind);
    if (id)
        P_TXT(&p, id);
    PGresult *r;
    int rc = ordo_pg_run(b, id ? Q_AUDIT_LIST_ID : Q_AUDIT_LIST_KIND, &p, "list audit entries",
                         &r, err);
    for (int i = 0; rc == ORDO_OK && i < PQntuples(r); i++) {
        ordo_store_audit_entry_t e = {
            .seq = (uint64_t)ordo_pg_i64(r, i, 0),
            .kind = val(r, i, 1),
            .id = val(r, i, 2),
            .actor = val(r, i, 3),
            .action = val(r, i, 4),
            .reason = val(r, i, 5),
            .detail_json = val(r, i, 6),
            .ts = ordo_pg_i64(r, i, 7),
        };
        rc = fn(ctx, &e);
    }
    PQclear(r);
    return rc;
}

/* ---- customer pseudonyms ---- */

static int pg_secret_get(store_backend_t *b, const char *name, uint8_t *out, size_t n,
                         ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, name);
    PGresult *r;
    int rc = ordo_pg_run(b, Q_SECRET_GET, &p, "read secret", &r, err);
    if (rc != ORDO_OK)
        return rc;
    size_t got = 0;
    if (PQntuples(r) != 1 ||
        sodium_hex2bin(out, n, val(r, 0, 0), (size_t)PQgetlength(r, 0, 0), NULL, &got, NULL) ||
        got != n)
        rc = ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, name,
                            "the store's secret '%s' is missing or malformed", name);
    PQclear(r);
    return rc;
}

static int customer_put_body(store_backend_t *b, const char *key, const char *customer_id,
                             int64_t now, ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, key);
    P_TXT(&p, customer_id);
    P_I64(&p, now);
    return ordo_pg_run(b, Q_CUST_PUT, &p, "write customer key", NULL, err);
}
PG_WRITE(customer_put,
         (store_backend_t * b, const char *key, const char *customer_id, int64_t now,
          ordo_error_t *err),
         (b, key, customer_id, now, err))

static int pg_customer_get(store_backend_t *b, const char *key, char **customer_id,
                           ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, key);
    PGresult *r;
    int rc = ordo_pg_run(b, Q_CUST_GET, &p, "read customer key", &r, err);
    if (rc != ORDO_OK)
        return rc;
    if (PQntuples(r) > 0) {
        *customer_id = strdup(val(r, 0, 0));
        if (!*customer_id)
            rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    } else {
        rc = ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "key", "no customer with key '%s'", key);
    }
    PQclear(r);
    return rc;
}

static int customer_erase_body(store_backend_t *b, const char *key, const char *customer_id,
                               uint64_t *n, ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, key);
    P_TXT(&p, customer_id);
    PGresult *r;
    int rc = ordo_pg_run(b, Q_CUST_ERASE, &p, "erase customer key", &r, err);
    if (rc == ORDO_OK)
        *n = strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return rc;
}
PG_WRITE(customer_erase,
         (store_backend_t * b, const char *key, const char *customer_id, uint64_t *n,
          ordo_error_t *err),
         (b, key, customer_id, n, err))

/* VACUUM leaves the erased rows' space free for reuse (outside a
 * transaction only); the server's WAL and backups are the operator's. */
static int pg_compact(store_backend_t *b, int *busy, ordo_error_t *err)
{
    *busy = b->depth > 0;
    if (b->depth > 0)
        return ORDO_OK;
    return ordo_pg_exec(b, "VACUUM customer_key", "vacuum", err);
}

static int pg_checkpoint(store_backend_t *b, int pages, bool run, ordo_error_t *err)
{
    (void)b, (void)pages, (void)run, (void)err;
    return ORDO_OK; /* the server checkpoints by itself */
}

/* ---- stock ---- */

static void cell_params(pg_params_t *p, const char *node, const char *sku)
{
    p->n = 0;
    P_TXT(p, node);
    P_TXT(p, sku);
}

static int stock_reserve_body(store_backend_t *b, const char *node, const char *sku,
                              const ordo_stock_row_t *seed, int64_t qty, bool respect_safety,
                              bool force, bool *taken, ordo_error_t *err)
{
    pg_params_t p;
    cell_params(&p, node, sku);
    P_I64(&p, seed->on_hand);
    P_I64(&p, seed->reserved + qty);
    P_I64(&p, seed->safety);
    P_I64(&p, seed->as_of);
    P_I64(&p, qty);
    P_TXT(&p, force ? "t" : "f");
    P_TXT(&p, respect_safety ? "t" : "f");
    if (force && b->depth > 0) { /* always taken: deferred (a decider's applier) */
        *taken = true;
        return ordo_pg_defer(b, Q_STOCK_RESERVE, &p, "reserve stock", err);
    }
    PGresult *r;
    int rc = ordo_pg_run(b, Q_STOCK_RESERVE, &p, "reserve stock", &r, err);
    if (rc == ORDO_OK)
        *taken = changed(r);
    PQclear(r);
    return rc;
}
PG_WRITE(stock_reserve,
         (store_backend_t * b, const char *node, const char *sku, const ordo_stock_row_t *seed,
          int64_t qty, bool respect_safety, bool force, bool *taken, ordo_error_t *err),
         (b, node, sku, seed, qty, respect_safety, force, taken, err))

static int stock_unreserve_body(store_backend_t *b, const char *node, const char *sku,
                                int64_t qty, ordo_error_t *err)
{
    pg_params_t p;
    cell_params(&p, node, sku);
    P_I64(&p, qty);
    return ordo_pg_run(b, Q_STOCK_UNRESERVE, &p, "unreserve stock", NULL, err);
}
PG_WRITE(stock_unreserve,
         (store_backend_t * b, const char *node, const char *sku, int64_t qty, ordo_error_t *err),
         (b, node, sku, qty, err))

static void stock_row_from(const PGresult *r, int row, int col, ordo_stock_row_t *s)
{
    s->on_hand = ordo_pg_i64(r, row, col);
    s->reserved = ordo_pg_i64(r, row, col + 1);
    s->safety = ordo_pg_i64(r, row, col + 2);
    s->as_of = ordo_pg_i64(r, row, col + 3);
}

static int pg_stock_get(store_backend_t *b, const char *node, const char *sku,
                        ordo_stock_row_t *out, bool *found, ordo_error_t *err)
{
    pg_params_t p;
    cell_params(&p, node, sku);
    PGresult *r;
    memset(out, 0, sizeof *out);
    *found = false;
    int rc = ordo_pg_run(b, Q_STOCK_GET, &p, "read stock", &r, err);
    if (rc == ORDO_OK && PQntuples(r) > 0) {
        *found = true;
        stock_row_from(r, 0, 0, out);
    }
    PQclear(r);
    return rc;
}

static int pg_stock_list(store_backend_t *b, ordo_store_stock_fn fn, void *ctx, ordo_error_t *err)
{
    PGresult *r;
    int rc = ordo_pg_run(b, Q_STOCK_LIST, NULL, "list stock", &r, err);
    for (int i = 0; rc == ORDO_OK && i < PQntuples(r); i++) {
        ordo_stock_row_t s = {.node = val(r, i, 0), .sku = val(r, i, 1)};
        stock_row_from(r, i, 2, &s);
        rc = fn(ctx, &s);
    }
    PQclear(r);
    return rc;
}

static int stock_set_body(store_backend_t *b, const char *node, const char *sku, int64_t on_hand,
                          int64_t safety, int64_t as_of, ordo_error_t *err)
{
    pg_params_t p;
    cell_params(&p, node, sku);
    P_I64(&p, on_hand);
    if (safety >= 0)
        P_I64(&p, safety);
    else
        ordo_pg_params_null(&p);
    P_I64(&p, as_of);
    return ordo_pg_run(b, Q_STOCK_SET, &p, "set stock", NULL, err);
}
PG_WRITE(stock_set,
         (store_backend_t * b, const char *node, const char *sku, int64_t on_hand, int64_t safety,
          int64_t as_of, ordo_error_t *err),
         (b, node, sku, on_hand, safety, as_of, err))

static int stock_add_body(store_backend_t *b, const char *node, const char *sku, int64_t qty,
                          int64_t as_of, bool *found, ordo_error_t *err)
{
    pg_params_t p;
    cell_params(&p, node, sku);
    P_I64(&p, qty);
    P_I64(&p, as_of);
    PGresult *r;
    int rc = ordo_pg_run(b, Q_STOCK_ADD, &p, "add stock", &r, err);
    *found = rc == ORDO_OK && changed(r);
    PQclear(r);
    return rc;
}
PG_WRITE(stock_add,
         (store_backend_t * b, const char *node, const char *sku, int64_t qty, int64_t as_of,
          bool *found, ordo_error_t *err),
         (b, node, sku, qty, as_of, found, err))

static int resv_add_body(store_backend_t *b, uint64_t seq, const char *order_id,
                         uint32_t shipment, const char *node, const char *sku, int64_t qty,
                         int64_t now, ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_I64(&p, (int64_t)seq);
    P_TXT(&p, order_id);
    P_I64(&p, shipment);
    P_TXT(&p, node);
    P_TXT(&p, sku);
    P_I64(&p, qty);
    P_I64(&p, now);
    P_TXT(&p, b->instance);
    if (b->depth > 0)
        return ordo_pg_defer(b, Q_RESV_INSERT, &p, "insert reservation", err);
    return ordo_pg_run(b, Q_RESV_INSERT, &p, "insert reservation", NULL, err);
}
PG_WRITE(resv_add,
         (store_backend_t * b, uint64_t seq, const char *order_id, uint32_t shipment,
          const char *node, const char *sku, int64_t qty, int64_t now, ordo_error_t *err),
         (b, seq, order_id, shipment, node, sku, qty, now, err))

/* Settles the held rows of r (instance, seq, k, node, sku, qty). */
static int settle_rows(store_backend_t *b, const PGresult *r, ordo_stock_settle_t how,
                       int64_t now, uint64_t *units, ordo_error_t *err)
{
    int rc = ORDO_OK;
    *units = 0;
    for (int i = 0; rc == ORDO_OK && i < PQntuples(r); i++) {
        int64_t q = ordo_pg_i64(r, i, 5);
        pg_params_t p;
        cell_params(&p, val(r, i, 3), val(r, i, 4));
        P_I64(&p, q);
        P_I64(&p, how == ORDO_STOCK_SHIP ? q : 0);
        rc = ordo_pg_run(b, Q_STOCK_SETTLE, &p, "settle stock", NULL, err);
        p.n = 0;
        P_TXT(&p, val(r, i, 0));
        P_TXT(&p, val(r, i, 1));
        P_TXT(&p, val(r, i, 2));
        P_TXT(&p, how == ORDO_STOCK_SHIP ? "shipped" : "released");
        P_I64(&p, now);
        if (rc == ORDO_OK)
            rc = ordo_pg_run(b, Q_RESV_MARK, &p, "settle reservation", NULL, err);
        *units += (uint64_t)q;
    }
    return rc;
}

static int resv_settle_body(store_backend_t *b, const char *order_id, int64_t shipment,
                            ordo_stock_settle_t how, int64_t now, uint64_t *units,
                            ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_TXT(&p, order_id);
    P_I64(&p, shipment);
    PGresult *r;
    *units = 0;
    int rc = ordo_pg_run(b, Q_RESV_HELD, &p, "read reservations", &r, err);
    if (rc == ORDO_OK)
        rc = settle_rows(b, r, how, now, units, err);
    PQclear(r);
    return rc;
}
PG_WRITE(resv_settle,
         (store_backend_t * b, const char *order_id, int64_t shipment, ordo_stock_settle_t how,
          int64_t now, uint64_t *units, ordo_error_t *err),
         (b, order_id, shipment, how, now, units, err))

static int resv_drop_after_body(store_backend_t *b, uint64_t last, uint64_t *units,
                                ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_I64(&p, (int64_t)last);
    P_TXT(&p, b->instance);
    PGresult *r;
    *units = 0;
    int rc = ordo_pg_run(b, Q_RESV_AFTER, &p, "read reservations", &r, err);
    for (int i = 0; rc == ORDO_OK && i < PQntuples(r); i++) {
        int64_t q = ordo_pg_i64(r, i, 5);
        rc = stock_unreserve_body(b, val(r, i, 3), val(r, i, 4), q, err);
        *units += (uint64_t)q;
    }
    PQclear(r);
    if (rc == ORDO_OK)
        rc = ordo_pg_run(b, Q_RESV_DELETE_AFTER, &p, "drop reservations", NULL, err);
    return rc;
}
PG_WRITE(resv_drop_after,
         (store_backend_t * b, uint64_t last, uint64_t *units, ordo_error_t *err),
         (b, last, units, err))

/* Marks are per instance: "<instance>/<name>". */
static void meta_name(const store_backend_t *b, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", b->instance, name);
}

static int pg_meta_get(store_backend_t *b, const char *name, int64_t *value, ordo_error_t *err)
{
    char key[128];
    meta_name(b, name, key, sizeof key);
    pg_params_t p = {.n = 0};
    P_TXT(&p, key);
    bool found;
    int rc = row_i64(b, Q_META_GET, &p, "read stock mark", value, 1, &found, err);
    /* an instance that never decided has not adopted its log */
    if (rc == ORDO_OK && !found && !strcmp(name, "applied_seq"))
        *value = -1;
    return rc;
}

static int meta_set_body(store_backend_t *b, const char *name, int64_t value, ordo_error_t *err)
{
    char key[128];
    meta_name(b, name, key, sizeof key);
    pg_params_t p = {.n = 0};
    P_TXT(&p, key);
    P_I64(&p, value);
    return ordo_pg_run(b, Q_META_SET, &p, "write stock mark", NULL, err);
}
PG_WRITE(meta_set, (store_backend_t * b, const char *name, int64_t value, ordo_error_t *err),
         (b, name, value, err))

/* Held units and cells of the whole fleet; max_seq and applied_seq of
 * this instance's log. */
static int pg_stock_totals(store_backend_t *b, ordo_stock_totals_t *out, ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    pg_params_t p = {.n = 0};
    P_TXT(&p, b->instance);
    int64_t v[4] = {0, 0, 0, 0};
    int rc = row_i64(b, Q_RESV_TOTALS, &p, "reservation totals", v, 4, NULL, err);
    if (rc != ORDO_OK)
        return rc;
    out->held_units = (uint64_t)v[0];
    out->held = (uint64_t)v[1];
    out->max_seq = (uint64_t)v[2];
    out->cells = (uint64_t)v[3];
    int64_t applied = 0;
    rc = pg_meta_get(b, "applied_seq", &applied, err);
    out->applied_seq = applied > 0 ? (uint64_t)applied : 0;
    return rc;
}

/* ---- signals ---- */

static int pg_signals_latest(store_backend_t *b, uint64_t *version, ordo_error_t *err)
{
    int64_t v = 0;
    int rc = row_i64(b, Q_SIG_LATEST, NULL, "read signal version", &v, 1, NULL, err);
    *version = rc == ORDO_OK ? (uint64_t)v : 0;
    return rc;
}

static int signal_row(store_backend_t *b, uint64_t version, const store_signal_row_t *row,
                      ordo_error_t *err)
{
    char *doc = malloc(row->doc_len + 1);
    if (!doc)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    memcpy(doc, row->doc, row->doc_len);
    doc[row->doc_len] = 0;
    pg_params_t p = {.n = 0};
    P_I64(&p, (int64_t)version);
    P_I64(&p, row->line);
    P_TXT(&p, row->kind);
    P_I64(&p, row->from);
    if (row->to == INT64_MAX)
        ordo_pg_params_null(&p);
    else
        P_I64(&p, row->to);
    P_TXT(&p, doc);
    int rc = ordo_pg_run(b, Q_SIG_INSERT, &p, "store signals", NULL, err);
    free(doc);
    return rc;
}

static int signals_put_body(store_backend_t *b, const store_signal_row_t *rows, size_t n,
                            const char *source, int64_t now, uint64_t *version,
                            ordo_error_t *err)
{
    uint64_t v;
    int rc = pg_signals_latest(b, &v, err);
    if (rc)
        return rc;
    *version = ++v;
    pg_params_t p = {.n = 0};
    P_I64(&p, (int64_t)v);
    P_TXT(&p, source);
    P_I64(&p, (int64_t)n);
    P_I64(&p, now);
    rc = ordo_pg_run(b, Q_SIG_VERSION_INSERT, &p, "store signal version", NULL, err);
    for (size_t i = 0; rc == ORDO_OK && i < n; i++)
        rc = signal_row(b, v, &rows[i], err);
    return rc;
}
PG_WRITE(signals_put,
         (store_backend_t * b, const store_signal_row_t *rows, size_t n, const char *source,
          int64_t now, uint64_t *version, ordo_error_t *err),
         (b, rows, n, source, now, version, err))

static int pg_signals_list(store_backend_t *b, uint64_t max_version, store_signal_fn fn, void *ctx,
                           ordo_error_t *err)
{
    pg_params_t p = {.n = 0};
    P_I64(&p, max_version > INT64_MAX ? INT64_MAX : (int64_t)max_version);
    PGresult *r;
    int rc = ordo_pg_run(b, Q_SIG_LIST, &p, "read signals", &r, err);
    for (int i = 0; rc == ORDO_OK && i < PQntuples(r); i++)
        rc = fn(ctx, (uint64_t)ordo_pg_i64(r, i, 0), (uint32_t)ordo_pg_i64(r, i, 1), val(r, i, 2),
                (size_t)PQgetlength(r, i, 2), val(r, i, 3));
    PQclear(r);
    return rc;
}

const store_ops_t ordo_pg_ops = {
    .name = "postgres",
    .close = ordo_pg_close,
    .schema_version = ordo_pg_schema_version,
    .data_version = ordo_pg_data_version,
    .tx_begin = ordo_pg_tx_begin,
    .tx_commit = ordo_pg_tx_commit,
    .tx_rollback = ordo_pg_tx_rollback,
    .tx_begin_rows = ordo_pg_tx_begin_rows,
    .sync = ordo_pg_sync,
    .outcomes_insert = outcomes_insert,
    .events_open = pg_events_open,
    .events_next = pg_events_next,
    .events_close = pg_events_close,
    .outcome_counts = pg_outcome_counts,
    .events_open_since = pg_events_open_since,
    .outcome_seq = pg_outcome_seq,
    .outcome_changes = pg_outcome_changes,
    .doc_put = doc_put,
    .doc_get = pg_doc_get,
    .doc_delete = doc_delete,
    .doc_list = pg_doc_list,
    .audit_append = audit_append,
    .audit_list = pg_audit_list,
    .secret_get = pg_secret_get,
    .customer_put = customer_put,
    .customer_get = pg_customer_get,
    .customer_erase = customer_erase,
    .compact = pg_compact,
    .stock_reserve = stock_reserve,
    .stock_unreserve = stock_unreserve,
    .stock_reserve_plan = ordo_pg_stock_reserve_plan,
    .stock_get = pg_stock_get,
    .stock_list = pg_stock_list,
    .stock_set = stock_set,
    .stock_add = stock_add,
    .resv_add = resv_add,
    .resv_settle = resv_settle,
    .resv_drop_after = resv_drop_after,
    .stock_totals = pg_stock_totals,
    .meta_get = pg_meta_get,
    .meta_set = meta_set,
    .checkpoint = pg_checkpoint,
    .signals_put = signals_put,
    .signals_list = pg_signals_list,
    .signals_latest = pg_signals_latest,
};
