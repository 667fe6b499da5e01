/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — the stock the data directory owns: validation of cells,
 * reservations and their settlement, and the snapshot / delta CSV loads
 * (all-or-nothing, audited). The SQL is in sqlite.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/util.h"
#include "store_internal.h"

#define STOCK_QTY_MAX 2147483647LL

static int check_id(const char *s, const char *field, ordo_error_t *err)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= ORDO_STOCK_ID_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "%s must be 1 to %d bytes", field,
                              ORDO_STOCK_ID_MAX - 1);
    if (!ordo_utf8_valid(s, n))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "%s is not valid UTF-8", field);
    return ORDO_OK;
}

static int check_cell(const char *node, const char *sku, ordo_error_t *err)
{
    int rc = check_id(node, "node", err);
    return rc ? rc : check_id(sku, "sku", err);
}

static int check_qty(int64_t qty, ordo_error_t *err)
{
    if (qty <= 0 || qty > STOCK_QTY_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "quantity",
                              "quantity must be 1 to 2147483647, got %lld", (long long)qty);
    return ORDO_OK;
}

int ordo_store_stock_reserve(ordo_store_t *s, const char *node, const char *sku,
                             const ordo_stock_row_t *seed, int64_t qty, bool respect_safety,
                             bool force, bool *taken, ordo_error_t *err)
{
    int rc = check_cell(node, sku, err);
    if (rc == ORDO_OK)
        rc = check_qty(qty, err);
    if (rc != ORDO_OK)
        return rc;
    ordo_stock_row_t z = {0};
    if (!seed)
        seed = &z;
    if (seed->on_hand < 0 || seed->reserved < 0 || seed->safety < 0 ||
        seed->on_hand > STOCK_QTY_MAX || seed->reserved > STOCK_QTY_MAX ||
        seed->safety > STOCK_QTY_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "seed", "seed counts out of range");
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    return ops->stock_reserve(b, node, sku, seed, qty, respect_safety, force, taken, err);
}

int ordo_store_stock_unreserve(ordo_store_t *s, const char *node, const char *sku, int64_t qty,
                               ordo_error_t *err)
{
    int rc = check_cell(node, sku, err);
    if (rc == ORDO_OK)
        rc = check_qty(qty, err);
    if (rc != ORDO_OK)
        return rc;
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    return ops->stock_unreserve(b, node, sku, qty, err);
}

int ordo_store_stock_get(ordo_store_t *s, const char *node, const char *sku,
                         ordo_stock_row_t *out, bool *found, ordo_error_t *err)
{
    int rc = check_cell(node, sku, err);
    if (rc != ORDO_OK)
        return rc;
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    return ops->stock_get(b, node, sku, out, found, err);
}

int ordo_store_stock_list(ordo_store_t *s, ordo_store_stock_fn fn, void *ctx, ordo_error_t *err)
{
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    return ops->stock_list(b, fn, ctx, err);
}

int ordo_store_reservation_add(ordo_store_t *s, uint64_t seq, const char *order_id,
                               uint32_t shipment, const char *node, const char *sku, int64_t qty,
                               ordo_error_t *err)
{
    int rc = check_cell(node, sku, err);
    if (rc == ORDO_OK)
        rc = check_qty(qty, err);
    if (rc == ORDO_OK && (seq == 0 || seq > (uint64_t)INT64_MAX))
        rc = ordo_error_set(err, ORDO_EINVAL, NULL, 0, "seq", "a reservation needs a log seq");
    if (rc == ORDO_OK && (!order_id || !*order_id))
        rc = ordo_error_set(err, ORDO_EINVAL, NULL, 0, "order_id", "no order id");
    if (rc != ORDO_OK)
        return rc;
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    return ops->resv_add(b, seq, order_id, shipment, node, sku, qty, ordo_now_unix(), err);
}

/* A plan's arguments as ordo_store_stock_reserve and
 * ordo_store_reservation_add check them. */
static int check_plan(uint64_t seq, const char *order_id, const ordo_store_plan_cell_t *cells,
                      uint32_t n, ordo_error_t *err)
{
    int rc = ORDO_OK;
    if (seq == 0 || seq > (uint64_t)INT64_MAX)
        rc = ordo_error_set(err, ORDO_EINVAL, NULL, 0, "seq", "a reservation needs a log seq");
    if (rc == ORDO_OK && (!order_id || !*order_id))
        rc = ordo_error_set(err, ORDO_EINVAL, NULL, 0, "order_id", "no order id");
    for (uint32_t i = 0; rc == ORDO_OK && i < n; i++) {
        const ordo_stock_row_t *r = &cells[i].seed;
        rc = check_cell(cells[i].node, cells[i].sku, err);
        if (rc == ORDO_OK)
            rc = check_qty(cells[i].qty, err);
        if (rc == ORDO_OK && (r->on_hand < 0 || r->reserved < 0 || r->safety < 0 ||
                              r->on_hand > STOCK_QTY_MAX || r->reserved > STOCK_QTY_MAX ||
                              r->safety > STOCK_QTY_MAX))
            rc = ordo_error_set(err, ORDO_EINVAL, NULL, 0, "seed", "seed counts out of range");
    }
    return rc;
}

int ordo_store_stock_reserve_plan(ordo_store_t *s, uint64_t seq, const char *order_id,
                                  const ordo_store_plan_cell_t *cells, uint32_t n,
                                  bool respect_safety, const char *customer_key,
                                  const char *customer_id, int32_t *result, ordo_error_t *err)
{
    *result = 0;
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    if (!ops->stock_reserve_plan)
        return ordo_error_set(err, ORDO_EUNSUPPORTED, NULL, 0, NULL,
                              "a plan's reservation in one statement is not supported here");
    int rc = check_plan(seq, order_id, cells, n, err);
    if (rc != ORDO_OK)
        return rc;
    return ops->stock_reserve_plan(b, seq, order_id, cells, n, respect_safety, customer_key,
                                   customer_id, ordo_now_unix(), result, err);
}

int ordo_store_stock_hold_plan(ordo_store_t *s, uint64_t seq, const char *order_id,
                               const ordo_store_plan_cell_t *cells, uint32_t n, ordo_error_t *err)
{
    int rc = check_plan(seq, order_id, cells, n, err);
    if (rc != ORDO_OK)
        return rc;
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    int64_t now = ordo_now_unix();
    for (uint32_t i = 0; rc == ORDO_OK && i < n; i++) {
        const ordo_store_plan_cell_t *c = &cells[i];
        bool taken;
        rc = ops->stock_reserve(b, c->node, c->sku, &c->seed, c->qty, false, true, &taken, err);
        if (rc == ORDO_OK)
            rc = ops->resv_add(b, seq, order_id, c->shipment, c->node, c->sku, c->qty, now, err);
    }
    return rc;
}

/* Runs fn's writes in a transaction of their own, or in the caller's. */
static int in_tx(ordo_store_t *s, int rc, ordo_error_t *err)
{
    if (rc == ORDO_OK)
        return ordo_store_tx_commit(s, err);
    ordo_store_tx_rollback(s, NULL);
    return rc;
}

int ordo_store_reservation_settle(ordo_store_t *s, const char *order_id, int64_t shipment,
                                  ordo_stock_settle_t how, uint64_t *units, ordo_error_t *err)
{
    *units = 0;
    if (!order_id || !*order_id || strlen(order_id) >= ORDO_STORE_DOC_ID_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "order_id",
                              "an order id is 1 to 255 bytes");
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    int rc = ordo_store_tx_begin(s, err);
    if (rc != ORDO_OK)
        return rc;
    return in_tx(s, ops->resv_settle(b, order_id, shipment, how, ordo_now_unix(), units, err),
                 err);
}

int ordo_store_reservation_drop_after(ordo_store_t *s, uint64_t last, uint64_t *units,
                                      ordo_error_t *err)
{
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    int rc = ordo_store_tx_begin(s, err);
    if (rc != ORDO_OK)
        return rc;
    return in_tx(s, ops->resv_drop_after(b, last, units, err), err);
}

int ordo_store_stock_totals(ordo_store_t *s, ordo_stock_totals_t *out, ordo_error_t *err)
{
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    return ops->stock_totals(b, out, err);
}

int ordo_store_stock_applied_seq(ordo_store_t *s, uint64_t *seq, ordo_error_t *err)
{
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    int64_t v = 0;
    int rc = ops->meta_get(b, "applied_seq", &v, err);
    *seq = v > 0 ? (uint64_t)v : 0;
    if (rc == ORDO_OK && v < 0)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "applied_seq",
                              "no decider has adopted the log yet");
    return rc;
}

int ordo_store_stock_set_applied_seq(ordo_store_t *s, uint64_t seq, ordo_error_t *err)
{
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    return ops->meta_set(b, "applied_seq", (int64_t)seq, err);
}

int ordo_store_checkpoint(ordo_store_t *s, int auto_pages, bool run, ordo_error_t *err)
{
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    return ops->checkpoint(b, auto_pages, run, err);
}

/* ---- snapshot and delta files ---- */

typedef struct load_ctx {
    ordo_store_t *s;
    const char *path;
    ordo_stock_file_t kind;
    bool check_only;
    int64_t now;
    ordo_stock_load_stats_t st;
    char **keys;     /* snapshot: "node\x1fsku\x1fline" of every row, to find repeats */
    size_t n_keys, cap_keys;
    ordo_error_t *err;
} load_ctx_t;

static int row_fail(load_ctx_t *c, long line, int code, const char *field, const char *msg,
                    const char *arg)
{
    return ordo_error_set(c->err, code, c->path, line, field, "%s%s%s%s", msg, arg ? " '" : "",
                          arg ? arg : "", arg ? "'" : "");
}

static int copy_field(load_ctx_t *c, long line, const ordo_csv_field_t *f, const char *field,
                      char *out)
{
    if (f->n == 0 || f->n >= ORDO_STOCK_ID_MAX)
        return row_fail(c, line, ORDO_EPARSE, field, "must be 1 to 255 bytes", NULL);
    memcpy(out, f->p, f->n);
    out[f->n] = 0;
    return ORDO_OK;
}

static int remember_key(load_ctx_t *c, const char *node, const char *sku, long line)
{
    if (c->n_keys == c->cap_keys) {
        size_t cap = c->cap_keys ? c->cap_keys * 2 : 64;
        char **k = realloc(c->keys, cap * sizeof *k);
        if (!k)
            return ordo_error_set(c->err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        c->keys = k;
        c->cap_keys = cap;
    }
    size_t n = strlen(node) + strlen(sku) + 24;
    char *k = malloc(n);
    if (!k)
        return ordo_error_set(c->err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    snprintf(k, n, "%s\x1f%s\x1f%012ld", node, sku, line);
    c->keys[c->n_keys++] = k;
    return ORDO_OK;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A cell listed twice in a snapshot: EEXIST naming both lines. */
static int check_repeats(load_ctx_t *c)
{
    qsort(c->keys, c->n_keys, sizeof *c->keys, key_cmp);
    for (size_t i = 1; i < c->n_keys; i++) {
        const char *a = c->keys[i - 1], *b = c->keys[i];
        size_t la = strlen(a) - 13, lb = strlen(b) - 13;
        if (la == lb && !memcmp(a, b, la)) {
            long first = strtol(a + la + 1, NULL, 10), again = strtol(b + lb + 1, NULL, 10);
            return ordo_error_set(c->err, ORDO_EEXIST, c->path, again, "sku",
                                  "the cell is listed twice (first on line %ld)", first);
        }
    }
    return ORDO_OK;
}

static int load_row(load_ctx_t *c, long line, const ordo_csv_field_t *f, int nf)
{
    int want = c->kind == ORDO_STOCK_SNAPSHOT ? 4 : 3;
    if (nf != want)
        return ordo_error_set(c->err, ORDO_EPARSE, c->path, line, NULL,
                              "%d fields, the header has %d", nf, want);
    char node[ORDO_STOCK_ID_MAX], sku[ORDO_STOCK_ID_MAX];
    int rc = copy_field(c, line, &f[0], "node", node);
    if (rc == ORDO_OK)
        rc = copy_field(c, line, &f[1], "sku", sku);
    if (rc != ORDO_OK)
        return rc;
    int64_t q = 0, safety = -1;
    const char *qf = c->kind == ORDO_STOCK_SNAPSHOT ? "on_hand" : "quantity";
    if (ordo_parse_i64(f[2].p, f[2].n, &q) || q > STOCK_QTY_MAX || q < -STOCK_QTY_MAX ||
        (c->kind == ORDO_STOCK_SNAPSHOT && q < 0) || (c->kind == ORDO_STOCK_DELTA && q == 0))
        return row_fail(c, line, ORDO_EPARSE, qf,
                        c->kind == ORDO_STOCK_SNAPSHOT
                            ? "wants an integer from 0 to 2147483647"
                            : "wants a non-zero integer from -2147483647 to 2147483647",
                        NULL);
    if (c->kind == ORDO_STOCK_SNAPSHOT && f[3].n &&
        (ordo_parse_i64(f[3].p, f[3].n, &safety) || safety < 0 || safety > STOCK_QTY_MAX))
        return row_fail(c, line, ORDO_EPARSE, "safety_stock",
                        "wants an integer from 0 to 2147483647 (or empty)", NULL);
    c->st.rows++;
    c->st.units += q;
    if (c->kind == ORDO_STOCK_SNAPSHOT && (rc = remember_key(c, node, sku, line)))
        return rc;
    if (c->check_only)
        return ORDO_OK;
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(c->s, &b);
    if (c->kind == ORDO_STOCK_SNAPSHOT)
        rc = ops->stock_set(b, node, sku, q, safety, c->now, c->err);
    else {
        bool found = false;
        rc = ops->stock_add(b, node, sku, q, c->now, &found, c->err);
        if (rc == ORDO_EINVAL)
            return row_fail(c, line, ORDO_ERANGE, "quantity", "would take on hand below 0 at",
                            node);
        if (rc == ORDO_OK && !found)
            return ordo_error_set(c->err, ORDO_ENOTFOUND, c->path, line, "sku",
                                  "no stock of SKU '%s' at node '%s' in the store: load a "
                                  "snapshot of it first",
                                  sku, node);
    }
    if (rc != ORDO_OK && !c->err->line) {
        c->err->line = line;
        snprintf(c->err->file, sizeof c->err->file, "%s", c->path);
    }
    return rc;
}

static int load_text(load_ctx_t *c, const char *p, const char *end)
{
    static const char *const headers[] = {"node,sku,on_hand,safety_stock", "node,sku,quantity"};
    const char *header = headers[c->kind == ORDO_STOCK_SNAPSHOT ? 0 : 1];
    if (end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    long line = 0;
    bool seen_header = false;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *l = p;
        p = nl ? nl + 1 : end;
        line++;
        while (n && l[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        if (!seen_header) {
            if (n != strlen(header) || memcmp(l, header, n))
                return ordo_error_set(c->err, ORDO_EPARSE, c->path, line, NULL,
                                      "the header must be exactly '%s'", header);
            seen_header = true;
            continue;
        }
        ordo_csv_field_t f[ORDO_CSV_MAX_FIELDS];
        int nf = ordo_csv_split(l, n, f, ORDO_CSV_MAX_FIELDS);
        if (nf < 0)
            return ordo_error_set(c->err, ORDO_EPARSE, c->path, line, NULL,
                                  "not a CSV row (an unterminated quote or too many fields)");
        int rc = load_row(c, line, f, nf);
        if (rc != ORDO_OK)
            return rc;
    }
    if (!seen_header)
        return ordo_error_set(c->err, ORDO_EPARSE, c->path, 1, NULL,
                              "empty file: the header must be '%s'", header);
    return c->kind == ORDO_STOCK_SNAPSHOT ? check_repeats(c) : ORDO_OK;
}

static int audit_load(load_ctx_t *c, const char *actor)
{
    const char *base = strrchr(c->path, '/');
    base = base ? base + 1 : c->path;
    if (!*base || strlen(base) >= ORDO_STORE_DOC_ID_MAX)
        base = "file";
    char detail[160];
    snprintf(detail, sizeof detail, "{\"rows\":%llu,\"units\":%lld}",
             (unsigned long long)c->st.rows, (long long)c->st.units);
    return ordo_store_audit_append(c->s, "inventory", base, actor && *actor ? actor : "ordo",
                                   c->kind == ORDO_STOCK_SNAPSHOT ? "snapshot" : "delta", NULL,
                                   detail, 0, NULL, c->err);
}

int ordo_store_stock_load_file(ordo_store_t *s, const char *path, ordo_stock_file_t kind,
                               const char *actor, bool check_only, ordo_stock_load_stats_t *stats,
                               ordo_error_t *err)
{
    char *data;
    size_t len;
    int rc = ordo_read_file(path, &data, &len, err);
    if (rc != ORDO_OK)
        return rc;
    if ((rc = ordo_text_check_utf8(data, len, path, 0, err)) != ORDO_OK) {
        free(data);
        return rc;
    }
    load_ctx_t c = {.s = s, .path = path, .kind = kind, .check_only = check_only,
                    .now = ordo_now_unix(), .err = err};
    rc = check_only || !s ? ORDO_OK : ordo_store_tx_begin(s, err);
    if (rc == ORDO_OK) {
        c.check_only = check_only || !s;
        rc = load_text(&c, data, data + len);
        if (!c.check_only) {
            if (rc == ORDO_OK)
                rc = audit_load(&c, actor);
            rc = in_tx(s, rc, err);
        }
    }
    for (size_t i = 0; i < c.n_keys; i++)
        free(c.keys[i]);
    free(c.keys);
    free(data);
    if (stats)
        *stats = rc == ORDO_OK ? c.st : (ordo_stock_load_stats_t){0};
    return rc;
}
