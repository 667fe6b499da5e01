/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — a bulk load's outcome events (docs/internals/STORE.md "Bulk
 * load"). Row by row, SQLite spends ~16,000 instructions an event: the
 * statement's step (a statement journal, the VDBE program, its CHECKs) and
 * a b-tree insert at a random place (the key is the event id). Staging the
 * rows in a plain table and sorting them there at the end costs as much
 * (measured: a staged row ~6,800, SQLite's sort ~8,700, the sorted insert
 * ~7,000). So a load keeps its events in memory, compactly, and at its end
 * sorts them by id (qsort) and stores them with two INSERT ... SELECT over
 * a virtual table that reads that memory: outcome_change first, in the
 * order the events came (what the trigger would have numbered), then
 * outcome_event in key order, its trigger dropped meanwhile. */
#include "outcome_bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One kept event: its strings at offsets in the load's text. */
typedef struct mem_ev {
    uint32_t id, order, node; /* offsets; node 0: none */
    uint32_t shipment;
    int64_t at, promised_by, now;
    double cost[ORDO_COST_PARTS], refund, value;
    uint8_t type, measure, cost_mask, has_refund, dup;
} mem_ev_t;

struct ordo_outcome_mem {
    mem_ev_t *ev;
    size_t n, cap;
    char *text; /* NUL-terminated strings; offset 0 is "" */
    size_t len, text_cap;
    uint32_t *pass; /* the events of the current INSERT, in its order */
    size_t n_pass;
    uint32_t *arrival; /* the stored events in the order they were numbered */
    size_t n_arrival;
    sqlite3_int64 base; /* outcome_change's last number before them */
};

#define MARK "outcome_bulk_load"
#define EV_COLS                                                                                    \
    "event_id, order_id, shipment, type, at, promised_by, pick, pack, ship, ret, carrying, "       \
    "refund, "                                                                                     \
    "measure, value, node, ingested_at"
/* outcome_event's trigger, word for word as migration 8 made it */
#define CHANGE_TRIGGER                                                                             \
    "CREATE TRIGGER outcome_event_change AFTER INSERT ON outcome_event BEGIN"                      \
    "  INSERT INTO outcome_change (order_id) VALUES (NEW.order_id);"                               \
    "END;"

static int run(sqlite3 *db, const char *sql, char *msg, size_t cap)
{
    char *m = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &m);
    if (rc != SQLITE_OK && msg && cap)
        snprintf(msg, cap, "%s", m ? m : sqlite3_errstr(rc));
    sqlite3_free(m);
    return rc;
}

/* The first column of sql's first row (0 when none), or -1 on error. */
static sqlite3_int64 scalar(sqlite3 *db, const char *sql, char *msg, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_int64 v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    if (v < 0 && msg && cap)
        snprintf(msg, cap, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return v;
}

/* ---- the virtual table over the current pass ---- */

typedef struct mem_cursor {
    sqlite3_vtab_cursor base;
    const ordo_outcome_mem_t *m;
    size_t i;
} mem_cursor_t;

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err)
{
    (void)aux, (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(" EV_COLS ", src HIDDEN)");
    if (rc != SQLITE_OK)
        return rc;
    *out = sqlite3_malloc(sizeof **out);
    if (!*out)
        return SQLITE_NOMEM;
    memset(*out, 0, sizeof **out);
    return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* Only a scan with src = ?: the pointer to the load. */
static int vt_best_index(sqlite3_vtab *vt, sqlite3_index_info *ix)
{
    (void)vt;
    for (int i = 0; i < ix->nConstraint; i++)
        if (ix->aConstraint[i].usable && ix->aConstraint[i].iColumn == 16 &&
            ix->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ) {
            ix->aConstraintUsage[i].argvIndex = 1;
            ix->aConstraintUsage[i].omit = 1;
            ix->estimatedCost = 1;
            return SQLITE_OK;
        }
    return SQLITE_CONSTRAINT;
}

static int vt_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
    (void)vt;
    mem_cursor_t *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int vt_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static int vt_filter(sqlite3_vtab_cursor *cur, int idx, const char *s, int argc,
                     sqlite3_value **argv)
{
    (void)idx, (void)s;
    mem_cursor_t *c = (mem_cursor_t *)cur;
    c->m = argc ? sqlite3_value_pointer(argv[0], "ordo_outcome_mem") : NULL;
    c->i = 0;
    return SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *cur)
{
    ((mem_cursor_t *)cur)->i++;
    return SQLITE_OK;
}

static int vt_eof(sqlite3_vtab_cursor *cur)
{
    const mem_cursor_t *c = (const mem_cursor_t *)cur;
    return !c->m || c->i >= c->m->n_pass;
}

static void text_or_null(sqlite3_context *ctx, const char *t)
{
    if (*t)
        sqlite3_result_text(ctx, t, -1, SQLITE_STATIC);
    else
        sqlite3_result_null(ctx);
}

/* Column col of an event, as bind_event (sqlite.c) binds it row by row. */
static int vt_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    const mem_cursor_t *c = (const mem_cursor_t *)cur;
    const mem_ev_t *e = &c->m->ev[c->m->pass[c->i]];
    const char *text = c->m->text;
    bool measure = e->type == ORDO_OUTCOME_MEASURE;
    if (col == 0 || col == 1)
        sqlite3_result_text(ctx, text + (col ? e->order : e->id), -1, SQLITE_STATIC);
    else if (col == 2)
        sqlite3_result_int64(ctx, e->shipment);
    else if (col == 3)
        sqlite3_result_text(ctx, ordo_outcome_type_name(e->type), -1, SQLITE_STATIC);
    else if (col == 4)
        sqlite3_result_int64(ctx, e->at);
    else if (col == 5 && e->promised_by)
        sqlite3_result_int64(ctx, e->promised_by);
    else if (col >= 6 && col < 6 + ORDO_COST_PARTS && (e->cost_mask & (1u << (col - 6))))
        sqlite3_result_double(ctx, e->cost[col - 6]);
    else if (col == 11 && e->has_refund)
        sqlite3_result_double(ctx, e->refund);
    else if (col == 12 && measure)
        sqlite3_result_text(ctx, ordo_measure_name(e->measure), -1, SQLITE_STATIC);
    else if (col == 13 && measure)
        sqlite3_result_double(ctx, e->value);
    else if (col == 14 && measure)
        text_or_null(ctx, text + e->node);
    else if (col == 15)
        sqlite3_result_int64(ctx, e->now);
    else
        sqlite3_result_null(ctx);
    return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((const mem_cursor_t *)cur)->i;
    return SQLITE_OK;
}

static const sqlite3_module mem_module = {
    .xConnect = vt_connect,
    .xBestIndex = vt_best_index,
    .xDisconnect = vt_disconnect,
    .xOpen = vt_open,
    .xClose = vt_close,
    .xFilter = vt_filter,
    .xNext = vt_next,
    .xEof = vt_eof,
    .xColumn = vt_column,
    .xRowid = vt_rowid,
};

/* ---- keeping events ---- */

void ordo_outcome_mem_free(ordo_outcome_mem_t *m)
{
    if (!m)
        return;
    free(m->ev);
    free(m->text);
    free(m->pass);
    free(m->arrival);
    free(m);
}

/* s's offset in m's text (0 for ""), or UINT32_MAX out of memory. */
static uint32_t keep_text(ordo_outcome_mem_t *m, const char *s)
{
    size_t n = strlen(s) + 1;
    if (n == 1)
        return 0;
    if (m->len + n > m->text_cap) {
        size_t cap = m->text_cap * 2 > m->len + n ? m->text_cap * 2 : m->len + n + 4096;
        char *t = cap < UINT32_MAX ? realloc(m->text, cap) : NULL;
        if (!t)
            return UINT32_MAX;
        m->text = t;
        m->text_cap = cap;
    }
    memcpy(m->text + m->len, s, n);
    m->len += n;
    return (uint32_t)(m->len - n);
}

int ordo_outcome_mem_add(ordo_outcome_mem_t *m, const ordo_outcome_event_t *e, int64_t now)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4096;
        mem_ev_t *ev = realloc(m->ev, cap * sizeof *ev);
        if (!ev)
            return -1;
        m->ev = ev;
        m->cap = cap;
    }
    mem_ev_t *k = &m->ev[m->n];
    memset(k, 0, sizeof *k);
    k->id = keep_text(m, e->event_id);
    k->order = keep_text(m, e->order_id);
    k->node = e->type == ORDO_OUTCOME_MEASURE ? keep_text(m, e->node) : 0;
    if (k->id == UINT32_MAX || k->order == UINT32_MAX || k->node == UINT32_MAX)
        return -1;
    k->shipment = e->shipment;
    k->at = e->at;
    k->promised_by = e->promised_by;
    k->now = now;
    memcpy(k->cost, e->cost, sizeof k->cost);
    k->refund = e->refund;
    k->value = e->value;
    k->type = (uint8_t)e->type;
    k->measure = (uint8_t)e->measure;
    k->cost_mask = (uint8_t)e->cost_mask;
    k->has_refund = e->has_refund;
    m->n++;
    return 0;
}

int ordo_outcome_mem_begin(sqlite3 *db, ordo_outcome_mem_t **out, char *msg, size_t cap)
{
    *out = NULL;
    int rc = run(db, "DROP INDEX IF EXISTS outcome_event_order", msg, cap);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_int64 any = scalar(db, "SELECT EXISTS (SELECT 1 FROM outcome_event)", msg, cap);
    if (any)
        return any < 0 ? SQLITE_ERROR : SQLITE_OK;
    ordo_outcome_mem_t *m = calloc(1, sizeof *m);
    if (m && (m->text = malloc(m->text_cap = 1 << 16)) != NULL)
        m->text[m->len++] = 0; /* offset 0: "" */
    if (!m || !m->text ||
        (rc = sqlite3_create_module(db, "ordo_outcome_mem", &mem_module, NULL)) != SQLITE_OK) {
        bool oom = !m || !m->text;
        snprintf(msg, cap, "%s", oom ? "out of memory" : sqlite3_errmsg(db));
        ordo_outcome_mem_free(m);
        return oom ? SQLITE_NOMEM : rc;
    }
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO stock_meta (name, value) VALUES ('" MARK "', %ld)",
             (long)getpid());
    rc = run(db, sql, msg, cap);
    if (rc != SQLITE_OK) {
        ordo_outcome_mem_free(m);
        return rc;
    }
    *out = m;
    return SQLITE_OK;
}

/* ---- storing them ---- */

/* By id, then by arrival: the first of a repeated id comes first. */
static int by_id(const void *a, const void *b, void *ctx)
{
    const ordo_outcome_mem_t *m = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = strcmp(m->text + m->ev[x].id, m->text + m->ev[y].id);
    return c ? c : (x > y) - (x < y);
}

/* m->pass: the events in id order, repeats marked dup and left out; then
 * *arrival the same events in the order they came. */
static int passes(ordo_outcome_mem_t *m, uint32_t **arrival, size_t *n_arrival)
{
    m->pass = malloc((m->n ? m->n : 1) * sizeof *m->pass);
    *arrival = malloc((m->n ? m->n : 1) * sizeof **arrival);
    if (!m->pass || !*arrival)
        return SQLITE_NOMEM;
    for (size_t i = 0; i < m->n; i++)
        m->pass[i] = (uint32_t)i;
    qsort_r(m->pass, m->n, sizeof *m->pass, by_id, m);
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (k && !strcmp(m->text + m->ev[m->pass[i]].id, m->text + m->ev[m->pass[k - 1]].id))
            m->ev[m->pass[i]].dup = 1;
        else
            m->pass[k++] = m->pass[i];
    }
    m->n_pass = k;
    *n_arrival = 0;
    for (size_t i = 0; i < m->n; i++)
        if (!m->ev[i].dup)
            (*arrival)[(*n_arrival)++] = (uint32_t)i;
    return SQLITE_OK;
}

/* One INSERT ... SELECT over the virtual table, reading m's current pass. */
static int insert_pass(sqlite3 *db, const char *sql, ordo_outcome_mem_t *m, char *msg, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, m, "ordo_outcome_mem", NULL);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    if (rc != SQLITE_OK)
        snprintf(msg, cap, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (rc == SQLITE_OK && (size_t)sqlite3_changes64(db) != m->n_pass) {
        snprintf(msg, cap, "%zu of %zu outcome events stored", (size_t)sqlite3_changes64(db),
                 m->n_pass);
        rc = SQLITE_CONSTRAINT;
    }
    return rc;
}

/* Kept event i as the store's event type (for each()). */
static void event_of(const ordo_outcome_mem_t *m, size_t i, ordo_outcome_event_t *e)
{
    const mem_ev_t *k = &m->ev[i];
    memset(e, 0, sizeof *e);
    snprintf(e->event_id, sizeof e->event_id, "%s", m->text + k->id);
    snprintf(e->order_id, sizeof e->order_id, "%s", m->text + k->order);
    snprintf(e->node, sizeof e->node, "%s", m->text + k->node);
    e->shipment = k->shipment;
    e->at = k->at;
    e->promised_by = k->promised_by;
    memcpy(e->cost, k->cost, sizeof e->cost);
    e->refund = k->refund;
    e->value = k->value;
    e->type = (ordo_outcome_type_t)k->type;
    e->measure = (ordo_measure_t)k->measure;
    e->cost_mask = k->cost_mask;
    e->has_refund = k->has_refund;
}

/* Inside the transaction: the change rows in arrival order (after the
 * last number, m->base), the events in id order with the trigger off, the
 * mark gone. m->arrival keeps the arrival order for each(). */
static int store_all(sqlite3 *db, ordo_outcome_mem_t *m, char *msg, size_t cap)
{
    uint32_t *arrival = NULL;
    size_t n_arrival = 0;
    int rc = passes(m, &arrival, &n_arrival);
    m->arrival = arrival;
    m->n_arrival = n_arrival;
    m->base = rc == SQLITE_OK
                  ? scalar(db, "SELECT coalesce(max(seq), 0) FROM outcome_change", msg, cap)
                  : 0;
    if (m->base < 0)
        rc = SQLITE_ERROR;
    uint32_t *sorted = m->pass;
    size_t n_sorted = m->n_pass;
    if (rc == SQLITE_OK && m->n)
        rc = run(db, "DROP TRIGGER outcome_event_change", msg, cap);
    if (rc == SQLITE_OK && m->n) {
        m->pass = arrival;
        m->n_pass = n_arrival;
        rc = insert_pass(db,
                         "INSERT INTO outcome_change (order_id) SELECT order_id FROM "
                         "ordo_outcome_mem WHERE src = ?1",
                         m, msg, cap);
        m->pass = sorted;
        m->n_pass = n_sorted;
    }
    /* the events were checked by ordo_outcome_event_validate, the same
     * rules as the table's CHECKs: not evaluated again (-2,000
     * instructions an event); every other writer's are */
    if (rc == SQLITE_OK && m->n &&
        (rc = run(db, "PRAGMA ignore_check_constraints = ON", msg, cap)) == SQLITE_OK) {
        rc = insert_pass(db,
                         "INSERT INTO outcome_event (" EV_COLS ") SELECT " EV_COLS
                         " FROM ordo_outcome_mem WHERE src = ?1",
                         m, msg, cap);
        int r2 =
            run(db, "PRAGMA ignore_check_constraints = OFF", rc == SQLITE_OK ? msg : NULL, cap);
        rc = rc == SQLITE_OK ? r2 : rc;
    }
    if (rc == SQLITE_OK && m->n)
        rc = run(db, CHANGE_TRIGGER, msg, cap);
    if (rc == SQLITE_OK)
        rc = run(db, "DELETE FROM stock_meta WHERE name = '" MARK "'", msg, cap);
    if (rc == SQLITE_NOMEM)
        snprintf(msg, cap, "out of memory");
    return rc;
}

int ordo_outcome_mem_end(ordo_outcome_mem_t *m, sqlite3 *db, char *msg, size_t cap)
{
    return ordo_outcome_mem_end_each(m, db, NULL, NULL, msg, cap);
}

int ordo_outcome_mem_end_each(ordo_outcome_mem_t *m, sqlite3 *db, ordo_outcome_mem_each_fn each,
                              void *ctx, char *msg, size_t cap)
{
    bool own = sqlite3_get_autocommit(db);
    int rc = run(db, own ? "BEGIN IMMEDIATE" : "SAVEPOINT ordo_outcome_mem", msg, cap);
    if (rc == SQLITE_OK) {
        rc = store_all(db, m, msg, cap);
        if (rc == SQLITE_OK)
            rc = run(db, own ? "COMMIT" : "RELEASE ordo_outcome_mem", msg, cap);
        else
            (void)run(db,
                      own ? "ROLLBACK" : "ROLLBACK TO ordo_outcome_mem; RELEASE ordo_outcome_mem",
                      NULL, 0);
    }
    for (size_t i = 0; rc == SQLITE_OK && own && each && i < m->n_arrival; i++) {
        ordo_outcome_event_t e;
        event_of(m, m->arrival[i], &e);
        each(ctx, &e, (uint64_t)m->base + 1 + i);
    }
    ordo_outcome_mem_free(m);
    return rc;
}

int ordo_outcome_mem_check(sqlite3 *db, char *msg, size_t cap)
{
    sqlite3_int64 pid =
        scalar(db, "SELECT value FROM stock_meta WHERE name = '" MARK "'", msg, cap);
    if (pid < 0)
        return SQLITE_ERROR;
    if (pid == 0)
        return SQLITE_OK;
    snprintf(msg, cap,
             "the outcome events of a bulk load (an `ordo sim` run, process %lld) are not "
             "stored yet: the run is still going, or it died and its events are lost (run it "
             "again into an empty directory)",
             (long long)pid);
    return SQLITE_BUSY;
}
