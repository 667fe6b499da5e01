/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — the backend-neutral layer: opening by configuration,
 * transaction nesting, argument validation, and the derivation of outcome
 * summaries from raw events (the same for every backend). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "ordo/json.h"
#include "ordo/util.h"
#include "outcome_tail.h"
#include "store_internal.h"

#define CUSTOMER_QUEUE 256
/* customer pseudonyms computed already, by id (direct-mapped; ids longer
 * than MEMO_ID - 1 bytes are not kept): an HMAC is ~16k instructions and
 * customers come back (ordo sim: half the orders of a few days) */
#define MEMO_SLOTS 4096 /* power of two */
#define MEMO_ID 28

typedef struct key_memo {
    char id[MEMO_ID]; /* "" = empty slot */
    char key[ORDO_CUSTOMER_KEY_LEN];
} key_memo_t;

struct ordo_store {
    const store_ops_t *ops;
    store_backend_t *b;
    ordo_config_t cfg;
    int depth; /* open transaction nesting */
    /* customer pseudonyms: the key (read once) and the queued mappings */
    uint8_t secret[crypto_auth_hmacsha256_KEYBYTES];
    bool has_secret;
    size_t n_pend;
    char pend_key[CUSTOMER_QUEUE][ORDO_CUSTOMER_KEY_LEN];
    char *pend_id[CUSTOMER_QUEUE];
    key_memo_t *memo; /* MEMO_SLOTS, allocated at the first key; NULL: none */
};

static int customer_flush(ordo_store_t *s, ordo_error_t *err);

/* ---- open / close ---- */

static int store_open(const char *data_dir, const ordo_config_t *cfg, bool create,
                      ordo_store_t **out, ordo_error_t *err)
{
    if (!data_dir || !*data_dir || !out)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "no data directory given");
    ordo_store_t *s = calloc(1, sizeof *s);
    if (!s)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = ORDO_OK;
    if (cfg)
        s->cfg = *cfg;
    else
        rc = ordo_config_load_data_dir(data_dir, &s->cfg, err);
    if (rc == ORDO_OK) {
        switch (s->cfg.store_backend) {
        case ORDO_STORE_SQLITE:
            rc = ordo_store_sqlite_open(data_dir, &s->cfg, create, &s->ops, &s->b, err);
            break;
        case ORDO_STORE_POSTGRES:
            rc = ordo_store_postgres_open(data_dir, &s->cfg, create, &s->ops, &s->b, err);
            break;
        default:
            rc = ordo_error_set(err, ORDO_EINVAL, NULL, 0, "store.backend", "unknown backend %d",
                                (int)s->cfg.store_backend);
        }
    }
    if (rc != ORDO_OK) {
        free(s);
        return rc;
    }
    *out = s;
    return ORDO_OK;
}

int ordo_store_open(const char *data_dir, const ordo_config_t *cfg, ordo_store_t **out,
                    ordo_error_t *err)
{
    return store_open(data_dir, cfg, true, out, err);
}

int ordo_store_open_existing(const char *data_dir, const ordo_config_t *cfg, ordo_store_t **out,
                             ordo_error_t *err)
{
    return store_open(data_dir, cfg, false, out, err);
}

int ordo_store_close(ordo_store_t *s, ordo_error_t *err)
{
    if (!s)
        return ORDO_OK;
    int rc = ORDO_OK;
    if (s->depth > 0) {
        rc = s->ops->tx_rollback(s->b, 1, err);
        s->depth = 0;
    }
    if (s->n_pend) {
        int rc2 = customer_flush(s, rc ? NULL : err);
        rc = rc ? rc : rc2;
    }
    s->ops->close(s->b);
    sodium_memzero(s->secret, sizeof s->secret);
    if (s->memo)
        sodium_memzero(s->memo, MEMO_SLOTS * sizeof *s->memo);
    free(s->memo);
    free(s);
    return rc;
}

const char *ordo_store_backend_name(const ordo_store_t *s)
{
    return s->ops->name;
}

int ordo_store_schema_version(ordo_store_t *s, int *version, ordo_error_t *err)
{
    return s->ops->schema_version(s->b, version, err);
}

int ordo_store_data_version(ordo_store_t *s, uint64_t *version, ordo_error_t *err)
{
    return s->ops->data_version(s->b, version, err);
}

/* ---- transactions ---- */

int ordo_store_tx_begin(ordo_store_t *s, ordo_error_t *err)
{
    int rc = s->ops->tx_begin(s->b, s->depth + 1, err);
    if (rc == ORDO_OK)
        s->depth++;
    return rc;
}

int ordo_store_tx_begin_rows(ordo_store_t *s, ordo_error_t *err)
{
    if (s->depth > 0 || !s->ops->tx_begin_rows)
        return ordo_store_tx_begin(s, err);
    int rc = s->ops->tx_begin_rows(s->b, err);
    if (rc == ORDO_OK)
        s->depth = 1;
    return rc;
}

int ordo_store_sync(ordo_store_t *s, ordo_error_t *err)
{
    return s->ops->sync && s->depth == 0 ? s->ops->sync(s->b, err) : ORDO_OK;
}

int ordo_store_tx_commit(ordo_store_t *s, ordo_error_t *err)
{
    if (s->depth == 0)
        return ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL, "commit without a transaction");
    int rc = s->ops->tx_commit(s->b, s->depth, err);
    if (rc != ORDO_OK) {
        /* a failed commit leaves the (sub)transaction to roll back */
        s->ops->tx_rollback(s->b, s->depth, NULL);
    }
    s->depth--;
    return rc;
}

int ordo_store_tx_rollback(ordo_store_t *s, ordo_error_t *err)
{
    if (s->depth == 0)
        return ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL, "rollback without a transaction");
    int rc = s->ops->tx_rollback(s->b, s->depth, err);
    s->depth--;
    return rc;
}

int ordo_store_tx_depth(const ordo_store_t *s)
{
    return s->depth;
}

/* Ends the transaction begun for one operation: commit when rc is OK. */
static int tx_end(ordo_store_t *s, int rc, ordo_error_t *err)
{
    if (rc == ORDO_OK)
        return ordo_store_tx_commit(s, err);
    ordo_store_tx_rollback(s, NULL);
    return rc;
}

/* ---- names ---- */

static const char *const type_names[] = {"none",      "shipped", "delivered", "returned",
                                         "cancelled", "cost",    "measure"};
static const char *const measure_names[ORDO_MEASURE_COUNT] = {
    "satisfaction", "dock_to_truck_hours", "labour_utilisation", "pick_rate"};
/* Valid values: a CSAT score, up to 30 days on the dock, up to 10× the
 * node's capacity, up to 100,000 units per labour hour. */
static const double measure_max[ORDO_MEASURE_COUNT] = {5, 720, 10, 1e5};
static const char *const part_names[ORDO_COST_PARTS] = {"pick", "pack", "ship", "return",
                                                        "carrying"};

const char *ordo_outcome_type_name(ordo_outcome_type_t t)
{
    return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "none";
}

ordo_outcome_type_t ordo_outcome_type_from_name(const char *name, size_t len)
{
    for (int t = ORDO_OUTCOME_SHIPPED; t <= ORDO_OUTCOME_MEASURE; t++)
        if (strlen(type_names[t]) == len && !memcmp(type_names[t], name, len))
            return (ordo_outcome_type_t)t;
    return ORDO_OUTCOME_NONE;
}

const char *ordo_cost_part_name(int part)
{
    return part >= 0 && part < ORDO_COST_PARTS ? part_names[part] : "?";
}

const char *ordo_measure_name(int measure)
{
    return measure >= 0 && measure < ORDO_MEASURE_COUNT ? measure_names[measure] : "?";
}

int ordo_measure_from_name(const char *name, size_t len)
{
    for (int m = 0; m < ORDO_MEASURE_COUNT; m++)
        if (strlen(measure_names[m]) == len && !memcmp(measure_names[m], name, len))
            return m;
    return -1;
}

void ordo_measure_range(int measure, double *lo, double *hi)
{
    *lo = 0;
    *hi = measure >= 0 && measure < ORDO_MEASURE_COUNT ? measure_max[measure] : 0;
}

const char *ordo_on_time_name(ordo_on_time_t t)
{
    switch (t) {
    case ORDO_ON_TIME_YES:
        return "yes";
    case ORDO_ON_TIME_LATE:
        return "late";
    default:
        return "unknown";
    }
}

/* ---- validation ---- */

static int check_id(const char *id, const char *field, ordo_error_t *err)
{
    size_t n = strnlen(id, ORDO_OUTCOME_ID_MAX);
    if (n == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "empty");
    if (n >= ORDO_OUTCOME_ID_MAX)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, field, "longer than %d bytes",
                              ORDO_OUTCOME_ID_MAX - 1);
    return ORDO_OK;
}

static int check_amount(double v, const char *field, ordo_error_t *err)
{
    if (!isfinite(v))
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, field, "not a finite number");
    if (v < 0)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, field, "negative amount %g", v);
    if (v > ORDO_OUTCOME_AMOUNT_MAX)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, field, "amount %g above the bound 1e9", v);
    return ORDO_OK;
}

/* A measure event's measure, value and node; no node on other events. */
static int check_measure(const ordo_outcome_event_t *e, ordo_error_t *err)
{
    size_t node_len = strnlen(e->node, ORDO_OUTCOME_ID_MAX);
    if (node_len >= ORDO_OUTCOME_ID_MAX)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "node", "longer than %d bytes",
                              ORDO_OUTCOME_ID_MAX - 1);
    if (e->type != ORDO_OUTCOME_MEASURE)
        return node_len ? ordo_error_set(err, ORDO_EINVAL, NULL, 0, "node",
                                         "only a measure event names a node")
                        : ORDO_OK;
    if ((unsigned)e->measure >= ORDO_MEASURE_COUNT)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "measure", "unknown measure %d",
                              (int)e->measure);
    double lo, hi;
    ordo_measure_range((int)e->measure, &lo, &hi);
    if (!isfinite(e->value) || e->value < lo || e->value > hi)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "value",
                              "%s must be a number from %g to %g, got %g",
                              measure_names[e->measure], lo, hi, e->value);
    return ORDO_OK;
}

int ordo_outcome_event_validate(const ordo_outcome_event_t *e, ordo_error_t *err)
{
    int rc = check_id(e->event_id, "event_id", err);
    if (rc == ORDO_OK)
        rc = check_id(e->order_id, "order_id", err);
    if (rc != ORDO_OK)
        return rc;
    if (e->type < ORDO_OUTCOME_SHIPPED || e->type > ORDO_OUTCOME_MEASURE)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "type", "unknown event type %d",
                              (int)e->type);
    if (e->at <= 0)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "at", "timestamp must be after 1970");
    if (e->promised_by < 0)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "promised_by",
                              "timestamp must be after 1970");
    if (e->shipment > INT32_MAX)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "shipment", "too large");
    if (e->cost_mask & ~((1u << ORDO_COST_PARTS) - 1))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "cost", "unknown cost part bits");
    for (int p = 0; p < ORDO_COST_PARTS; p++) {
        if (!(e->cost_mask & (1u << p)))
            continue;
        rc = check_amount(e->cost[p], part_names[p], err);
        if (rc != ORDO_OK)
            return rc;
        bool allowed = e->type == ORDO_OUTCOME_COST ||
                       (e->type == ORDO_OUTCOME_SHIPPED && p == ORDO_COST_SHIP);
        if (!allowed)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0,
                                  e->type == ORDO_OUTCOME_SHIPPED ? part_names[p] : "cost",
                                  "a %s event carries no %s cost (use a cost event)",
                                  type_names[e->type], part_names[p]);
    }
    if (e->type == ORDO_OUTCOME_COST && e->cost_mask == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "cost",
                              "a cost event needs at least one of pick, pack, ship, return, "
                              "carrying");
    if (e->has_refund) {
        if (e->type != ORDO_OUTCOME_RETURNED)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "refund",
                                  "only a returned event carries a refund");
        rc = check_amount(e->refund, "refund", err);
    }
    if (rc == ORDO_OK)
        rc = check_measure(e, err);
    return rc;
}

/* ---- outcomes: put ---- */

int ordo_store_outcomes_put_batch(ordo_store_t *s, const ordo_outcome_event_t *ev, size_t n,
                                  ordo_outcome_put_stats_t *stats, ordo_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = ordo_outcome_event_validate(&ev[i], err);
        if (rc != ORDO_OK) {
            if (err) {
                char m[ORDO_ERROR_MSG_MAX];
                snprintf(m, sizeof m, "event %zu of the batch (%.100s): %s", i,
                         strnlen(ev[i].event_id, ORDO_OUTCOME_ID_MAX) < ORDO_OUTCOME_ID_MAX
                             ? ev[i].event_id
                             : "?",
                         err->msg);
                memcpy(err->msg, m, sizeof m);
            }
            return rc;
        }
    }
    if (n == 0)
        return ORDO_OK;
    ordo_outcome_put_stats_t local = {0};
    int rc = ordo_store_tx_begin(s, err);
    if (rc != ORDO_OK)
        return rc;
    rc = s->ops->outcomes_insert(s->b, ev, n, &local, err);
    rc = tx_end(s, rc, err);
    if (rc == ORDO_OK && stats) {
        stats->inserted += local.inserted;
        stats->duplicates += local.duplicates;
    }
    return rc;
}

int ordo_store_outcomes_bulk(ordo_store_t *s, bool on, ordo_error_t *err)
{
    return s->ops->outcomes_bulk ? s->ops->outcomes_bulk(s->b, on, err) : ORDO_OK;
}

/* ---- outcomes: folding events into a summary ---- */

typedef struct fold {
    ordo_outcome_summary_t s;
    ordo_shipment_outcome_t *ships;
    size_t n, cap;
    int64_t state_at;
    int64_t promise_at; /* time of the event that gave the promise */
    int oom;
} fold_t;

static void fold_begin(fold_t *f, const char *order_id)
{
    memset(&f->s, 0, sizeof f->s);
    snprintf(f->s.order_id, sizeof f->s.order_id, "%s", order_id);
    f->n = 0;
    f->state_at = 0;
    f->promise_at = 0;
    f->oom = 0;
}

static void fold_free(fold_t *f)
{
    free(f->ships);
    f->ships = NULL;
    f->n = f->cap = 0;
}

static ordo_shipment_outcome_t *fold_ship(fold_t *f, uint32_t shipment)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->ships[i].shipment == shipment)
            return &f->ships[i];
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 4;
        ordo_shipment_outcome_t *p = realloc(f->ships, cap * sizeof *p);
        if (!p) {
            f->oom = 1;
            return NULL;
        }
        f->ships = p;
        f->cap = cap;
    }
    /* keep the array sorted by shipment number */
    size_t i = f->n;
    while (i > 0 && f->ships[i - 1].shipment > shipment) {
        f->ships[i] = f->ships[i - 1];
        i--;
    }
    memset(&f->ships[i], 0, sizeof f->ships[i]);
    f->ships[i].shipment = shipment;
    f->n++;
    return &f->ships[i];
}

static void fold_add(fold_t *f, const ordo_outcome_event_t *e)
{
    ordo_outcome_summary_t *s = &f->s;
    s->n_events++;
    if (s->first_event_at == 0 || e->at < s->first_event_at)
        s->first_event_at = e->at;
    if (e->at > s->last_event_at)
        s->last_event_at = e->at;
    /* lifecycle state: latest event; on equal times the later stage wins */
    bool lifecycle = e->type != ORDO_OUTCOME_COST && e->type != ORDO_OUTCOME_MEASURE;
    if (lifecycle && (s->state == ORDO_OUTCOME_NONE || e->at > f->state_at ||
                      (e->at == f->state_at && e->type > s->state))) {
        s->state = e->type;
        f->state_at = e->at;
    }
    /* promise: the one given earliest (the customer's original promise) */
    otail_promise_take(&s->promised_by, &f->promise_at, e->at, e->promised_by);
    for (int p = 0; p < ORDO_COST_PARTS; p++) {
        if (e->cost_mask & (1u << p)) {
            s->cost[p] += e->cost[p];
            s->cost_mask |= 1u << p;
        }
    }
    if (e->has_refund)
        s->refund += e->refund;
    if (e->type == ORDO_OUTCOME_CANCELLED) {
        otail_min_time(&s->cancelled_at, e->at);
        return; /* an order-level event: no shipment entry */
    }
    if (e->type == ORDO_OUTCOME_MEASURE) {
        s->measure[e->measure] += e->value; /* a sum until fold_end */
        s->measure_n[e->measure]++;
        return; /* measures are summarised per order only */
    }
    ordo_shipment_outcome_t *sh = fold_ship(f, e->shipment);
    if (!sh)
        return;
    sh->n_events++;
    for (int p = 0; p < ORDO_COST_PARTS; p++) {
        if (e->cost_mask & (1u << p)) {
            sh->cost[p] += e->cost[p];
            sh->cost_mask |= 1u << p;
        }
    }
    if (e->has_refund)
        sh->refund += e->refund;
    switch (e->type) {
    case ORDO_OUTCOME_SHIPPED:
        otail_min_time(&sh->shipped_at, e->at);
        break;
    case ORDO_OUTCOME_DELIVERED:
        otail_min_time(&sh->delivered_at, e->at);
        break;
    case ORDO_OUTCOME_RETURNED:
        otail_min_time(&sh->returned_at, e->at);
        break;
    default:
        break;
    }
}

ordo_on_time_t ordo_outcome_on_time(const ordo_outcome_summary_t *s, int64_t promise)
{
    if (promise <= 0)
        return ORDO_ON_TIME_UNKNOWN;
    if (s->n_delivered > 0 && s->last_delivered_at > promise)
        return ORDO_ON_TIME_LATE;
    if (s->delivered_at)
        return ORDO_ON_TIME_YES;
    return ORDO_ON_TIME_UNKNOWN;
}

static int fold_end(fold_t *f, ordo_error_t *err)
{
    if (f->oom)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    otail_summary_finish(&f->s, f->ships, f->n);
    return ORDO_OK;
}

void otail_summary_finish(ordo_outcome_summary_t *s, const ordo_shipment_outcome_t *ships,
                          size_t n)
{
    bool all_delivered = true;
    int64_t last_delivered = 0;
    for (size_t i = 0; i < n; i++) {
        const ordo_shipment_outcome_t *sh = &ships[i];
        if (!sh->shipped_at && !sh->delivered_at && !sh->returned_at)
            continue; /* costs only */
        s->n_shipments++;
        if (sh->shipped_at)
            otail_min_time(&s->shipped_at, sh->shipped_at);
        if (sh->delivered_at) {
            s->n_delivered++;
            if (sh->delivered_at > last_delivered)
                last_delivered = sh->delivered_at;
        } else {
            all_delivered = false;
        }
        if (sh->returned_at) {
            s->n_returned++;
            otail_min_time(&s->returned_at, sh->returned_at);
        }
        if ((sh->shipped_at && sh->delivered_at && sh->delivered_at < sh->shipped_at) ||
            (sh->shipped_at && sh->returned_at && sh->returned_at < sh->shipped_at))
            s->flags |= ORDO_OUTCOME_FLAG_TIME_INCONSISTENT;
        if (s->cancelled_at && ((sh->shipped_at && sh->shipped_at > s->cancelled_at) ||
                                (sh->delivered_at && sh->delivered_at > s->cancelled_at)))
            s->flags |= ORDO_OUTCOME_FLAG_ACTIVITY_AFTER_CANCEL;
    }
    s->last_delivered_at = last_delivered;
    if (s->n_shipments > 0 && all_delivered)
        s->delivered_at = last_delivered;
    s->cost_total = 0;
    for (int p = 0; p < ORDO_COST_PARTS; p++)
        if (s->cost_mask & (1u << p))
            s->cost_total += s->cost[p];
    s->on_time = ordo_outcome_on_time(s, s->promised_by);
    for (int m = 0; m < ORDO_MEASURE_COUNT; m++)
        if (s->measure_n[m])
            s->measure[m] /= s->measure_n[m];
}

/* Folds every event of one order. ORDO_ENOTFOUND when there is none. */
static int fold_order(ordo_store_t *st, const char *order_id, fold_t *f, ordo_error_t *err)
{
    if (!order_id || !*order_id)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "order_id", "empty");
    store_event_cursor_t *cur;
    int rc = st->ops->events_open(st->b, order_id, &cur, err);
    if (rc != ORDO_OK)
        return rc;
    fold_begin(f, order_id);
    ordo_outcome_event_t e;
    while ((rc = st->ops->events_next(cur, &e, err)) == 1)
        fold_add(f, &e);
    st->ops->events_close(cur);
    if (rc < 0)
        return rc;
    if (f->s.n_events == 0)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "order_id",
                              "no outcome events for order '%s'", order_id);
    return fold_end(f, err);
}

int ordo_store_outcome_read(ordo_store_t *st, const char *order_id, ordo_outcome_summary_t *summary,
                            ordo_shipment_outcome_t *out, size_t cap, size_t *n_total,
                            ordo_error_t *err)
{
    fold_t f = {0};
    int rc = fold_order(st, order_id, &f, err);
    if (rc == ORDO_OK) {
        if (summary)
            *summary = f.s;
        for (size_t i = 0; i < f.n && i < cap; i++)
            out[i] = f.ships[i];
        if (n_total)
            *n_total = f.n;
    }
    fold_free(&f);
    return rc;
}

int ordo_store_outcome_get(ordo_store_t *st, const char *order_id, ordo_outcome_summary_t *out,
                           ordo_error_t *err)
{
    return ordo_store_outcome_read(st, order_id, out, NULL, 0, NULL, err);
}

int ordo_store_outcome_shipments(ordo_store_t *st, const char *order_id,
                                 ordo_shipment_outcome_t *out, size_t cap, size_t *n_total,
                                 ordo_error_t *err)
{
    return ordo_store_outcome_read(st, order_id, NULL, out, cap, n_total, err);
}

int ordo_store_outcome_counts(ordo_store_t *st, uint64_t *events, uint64_t *orders,
                              ordo_error_t *err)
{
    return st->ops->outcome_counts(st->b, events, orders, err);
}

/* ---- outcomes: iterator over all orders ---- */

struct ordo_outcome_iter {
    ordo_store_t *store;
    store_event_cursor_t *cur;
    ordo_outcome_event_t pending;
    bool has_pending;
    bool done;
    fold_t f;
};

static int iter_open(ordo_store_t *st, bool all, uint64_t since, ordo_outcome_iter_t **out,
                     ordo_error_t *err)
{
    ordo_outcome_iter_t *it = calloc(1, sizeof *it);
    if (!it)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    it->store = st;
    int rc = all ? st->ops->events_open(st->b, NULL, &it->cur, err)
                 : st->ops->events_open_since(st->b, since, &it->cur, err);
    if (rc != ORDO_OK) {
        free(it);
        return rc;
    }
    *out = it;
    return ORDO_OK;
}

int ordo_store_outcome_iter_open(ordo_store_t *st, ordo_outcome_iter_t **out, ordo_error_t *err)
{
    return iter_open(st, true, 0, out, err);
}

int ordo_store_outcome_iter_since(ordo_store_t *st, uint64_t since, ordo_outcome_iter_t **out,
                                  ordo_error_t *err)
{
    return iter_open(st, false, since, out, err);
}

int ordo_store_outcome_seq(ordo_store_t *st, uint64_t *seq, ordo_error_t *err)
{
    return st->ops->outcome_seq(st->b, seq, err);
}

int ordo_store_outcome_changes(ordo_store_t *st, uint64_t since, ordo_outcome_change_t *out,
                               size_t max, size_t *n, ordo_error_t *err)
{
    *n = 0;
    if (!max)
        return ORDO_OK;
    if (since > INT64_MAX)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "since",
                              "outcome change number %llu is out of range",
                              (unsigned long long)since);
    return st->ops->outcome_changes(st->b, since, out, max, n, err);
}

int ordo_outcome_iter_next(ordo_outcome_iter_t *it, ordo_outcome_summary_t *out, ordo_error_t *err)
{
    const store_ops_t *ops = it->store->ops;
    if (it->done)
        return 0;
    if (!it->has_pending) {
        int rc = ops->events_next(it->cur, &it->pending, err);
        if (rc <= 0) {
            it->done = true;
            return rc;
        }
    }
    fold_begin(&it->f, it->pending.order_id);
    fold_add(&it->f, &it->pending);
    it->has_pending = false;
    for (;;) {
        int rc = ops->events_next(it->cur, &it->pending, err);
        if (rc < 0) {
            it->done = true;
            return rc;
        }
        if (rc == 0) {
            it->done = true;
            break;
        }
        if (strcmp(it->pending.order_id, it->f.s.order_id) != 0) {
            it->has_pending = true;
            break;
        }
        fold_add(&it->f, &it->pending);
    }
    int rc = fold_end(&it->f, err);
    if (rc != ORDO_OK)
        return rc;
    *out = it->f.s;
    return 1;
}

const ordo_shipment_outcome_t *ordo_outcome_iter_shipments(const ordo_outcome_iter_t *it, size_t *n)
{
    *n = it->f.n;
    return it->f.ships;
}

void ordo_outcome_iter_close(ordo_outcome_iter_t *it)
{
    if (!it)
        return;
    it->store->ops->events_close(it->cur);
    fold_free(&it->f);
    free(it);
}

/* ---- outcomes: JSON ---- */

static void ktime(ordo_jsonw_t *w, const char *key, int64_t t)
{
    ordo_jsonw_key(w, key);
    if (t) {
        char buf[32];
        ordo_jsonw_str(w, ordo_time_format(t, buf, sizeof buf));
    } else {
        ordo_jsonw_null(w);
    }
}

static void write_costs(ordo_jsonw_t *w, const double *cost, unsigned mask)
{
    ordo_jsonw_key(w, "cost");
    ordo_jsonw_obj_begin(w);
    for (int p = 0; p < ORDO_COST_PARTS; p++)
        if (mask & (1u << p))
            ordo_jsonw_kdouble(w, part_names[p], cost[p]);
    ordo_jsonw_obj_end(w);
}

/* "measures": {name: mean, ...}, only when the order has any. */
static void write_measures(ordo_jsonw_t *w, const ordo_outcome_summary_t *s)
{
    bool any = false;
    for (int m = 0; m < ORDO_MEASURE_COUNT; m++)
        any |= s->measure_n[m] > 0;
    if (!any)
        return;
    ordo_jsonw_key(w, "measures");
    ordo_jsonw_obj_begin(w);
    for (int m = 0; m < ORDO_MEASURE_COUNT; m++)
        if (s->measure_n[m])
            ordo_jsonw_kdouble(w, measure_names[m], s->measure[m]);
    ordo_jsonw_obj_end(w);
}

void ordo_outcome_summary_write_json(const ordo_outcome_summary_t *s,
                                     const ordo_shipment_outcome_t *ships, size_t n,
                                     struct ordo_jsonw *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "order_id", s->order_id);
    ordo_jsonw_kstr(w, "state", ordo_outcome_type_name(s->state));
    ktime(w, "shipped_at", s->shipped_at);
    ktime(w, "delivered_at", s->delivered_at);
    ktime(w, "last_delivered_at", s->last_delivered_at);
    ktime(w, "returned_at", s->returned_at);
    ktime(w, "cancelled_at", s->cancelled_at);
    ktime(w, "promised_by", s->promised_by);
    ordo_jsonw_kstr(w, "on_time", ordo_on_time_name(s->on_time));
    ordo_jsonw_key(w, "cost_total");
    if (s->cost_mask)
        ordo_jsonw_double(w, s->cost_total);
    else
        ordo_jsonw_null(w);
    write_costs(w, s->cost, s->cost_mask);
    ordo_jsonw_kdouble(w, "refund", s->refund);
    ordo_jsonw_kint(w, "shipments", s->n_shipments);
    ordo_jsonw_kint(w, "delivered_shipments", s->n_delivered);
    ordo_jsonw_kint(w, "returned_shipments", s->n_returned);
    ordo_jsonw_kint(w, "events", s->n_events);
    ordo_jsonw_key(w, "flags");
    ordo_jsonw_arr_begin(w);
    if (s->flags & ORDO_OUTCOME_FLAG_TIME_INCONSISTENT)
        ordo_jsonw_str(w, "time_inconsistent");
    if (s->flags & ORDO_OUTCOME_FLAG_ACTIVITY_AFTER_CANCEL)
        ordo_jsonw_str(w, "activity_after_cancel");
    ordo_jsonw_arr_end(w);
    write_measures(w, s);
    if (ships && n) {
        ordo_jsonw_key(w, "shipment_detail");
        ordo_jsonw_arr_begin(w);
        for (size_t i = 0; i < n; i++) {
            const ordo_shipment_outcome_t *sh = &ships[i];
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kint(w, "shipment", sh->shipment);
            ktime(w, "shipped_at", sh->shipped_at);
            ktime(w, "delivered_at", sh->delivered_at);
            ktime(w, "returned_at", sh->returned_at);
            write_costs(w, sh->cost, sh->cost_mask);
            ordo_jsonw_kdouble(w, "refund", sh->refund);
            ordo_jsonw_kint(w, "events", sh->n_events);
            ordo_jsonw_obj_end(w);
        }
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_obj_end(w);
}

/* ---- documents ---- */

static int check_name(const char *s, size_t max, const char *field, ordo_error_t *err)
{
    if (!s || !*s)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "empty");
    if (strnlen(s, max) >= max)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, field, "longer than %zu bytes", max - 1);
    return ORDO_OK;
}

static int check_json(const char *json, size_t len, const char *field, ordo_error_t *err)
{
    if (!json || len == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "empty document");
    if (memchr(json, 0, len))
        return ordo_error_set(err, ORDO_EPARSE, NULL, 0, field, "NUL byte in JSON text");
    cJSON *j = cJSON_ParseWithLength(json, len);
    if (!j)
        return ordo_error_set(err, ORDO_EPARSE, NULL, 0, field, "not valid JSON");
    cJSON_Delete(j);
    return ORDO_OK;
}

static int check_kind_id(const char *kind, const char *id, ordo_error_t *err)
{
    int rc = check_name(kind, ORDO_STORE_KIND_MAX, "kind", err);
    if (rc == ORDO_OK)
        rc = check_name(id, ORDO_STORE_DOC_ID_MAX, "id", err);
    return rc;
}

int ordo_store_doc_put(ordo_store_t *s, const char *kind, const char *id, const char *json,
                       size_t json_len, uint64_t expected_version, uint64_t *new_version,
                       ordo_error_t *err)
{
    int rc = check_kind_id(kind, id, err);
    if (rc == ORDO_OK)
        rc = check_json(json, json_len, "json", err);
    if (rc == ORDO_OK && json_len > (size_t)INT32_MAX)
        rc = ordo_error_set(err, ORDO_ERANGE, NULL, 0, "json", "document too large");
    if (rc != ORDO_OK)
        return rc;
    rc = ordo_store_tx_begin(s, err);
    if (rc != ORDO_OK)
        return rc;
    rc = s->ops->doc_put(s->b, kind, id, json, json_len, expected_version, ordo_now_unix(),
                         new_version, err);
    return tx_end(s, rc, err);
}

int ordo_store_doc_get(ordo_store_t *s, const char *kind, const char *id, char **json,
                       size_t *json_len, uint64_t *version, ordo_error_t *err)
{
    int rc = check_kind_id(kind, id, err);
    if (rc != ORDO_OK)
        return rc;
    return s->ops->doc_get(s->b, kind, id, 0, json, json_len, version, err);
}

int ordo_store_doc_get_version(ordo_store_t *s, const char *kind, const char *id, uint64_t version,
                               char **json, size_t *json_len, ordo_error_t *err)
{
    int rc = check_kind_id(kind, id, err);
    if (rc != ORDO_OK)
        return rc;
    if (version == 0 || version > INT64_MAX)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "version", "versions start at 1");
    return s->ops->doc_get(s->b, kind, id, version, json, json_len, NULL, err);
}

int ordo_store_doc_delete(ordo_store_t *s, const char *kind, const char *id,
                          uint64_t expected_version, ordo_error_t *err)
{
    int rc = check_kind_id(kind, id, err);
    if (rc != ORDO_OK)
        return rc;
    if (expected_version == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "version",
                              "delete needs the current version or ORDO_STORE_ANY_VERSION");
    rc = ordo_store_tx_begin(s, err);
    if (rc != ORDO_OK)
        return rc;
    rc = s->ops->doc_delete(s->b, kind, id, expected_version, ordo_now_unix(), err);
    return tx_end(s, rc, err);
}

int ordo_store_doc_list(ordo_store_t *s, const char *kind, ordo_store_doc_fn fn, void *ctx,
                        ordo_error_t *err)
{
    int rc = check_name(kind, ORDO_STORE_KIND_MAX, "kind", err);
    if (rc != ORDO_OK)
        return rc;
    if (!fn)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "no callback");
    return s->ops->doc_list(s->b, kind, fn, ctx, err);
}

/* ---- audit ---- */

int ordo_store_audit_append(ordo_store_t *s, const char *kind, const char *id, const char *actor,
                            const char *action, const char *reason, const char *detail_json,
                            int64_t ts, uint64_t *seq, ordo_error_t *err)
{
    int rc = check_kind_id(kind, id, err);
    if (rc == ORDO_OK)
        rc = check_name(actor, ORDO_STORE_DOC_ID_MAX, "actor", err);
    if (rc == ORDO_OK)
        rc = check_name(action, ORDO_STORE_KIND_MAX, "action", err);
    if (rc == ORDO_OK && detail_json && *detail_json)
        rc = check_json(detail_json, strlen(detail_json), "detail_json", err);
    if (rc == ORDO_OK && ts < 0)
        rc = ordo_error_set(err, ORDO_ERANGE, NULL, 0, "ts", "negative timestamp");
    if (rc != ORDO_OK)
        return rc;
    ordo_store_audit_entry_t e = {
        .kind = kind,
        .id = id,
        .actor = actor,
        .action = action,
        .reason = reason ? reason : "",
        .detail_json = detail_json ? detail_json : "",
        .ts = ts ? ts : ordo_now_unix(),
    };
    rc = ordo_store_tx_begin(s, err);
    if (rc != ORDO_OK)
        return rc;
    rc = s->ops->audit_append(s->b, &e, seq, err);
    return tx_end(s, rc, err);
}

int ordo_store_audit_list(ordo_store_t *s, const char *kind, const char *id, ordo_store_audit_fn fn,
                          void *ctx, ordo_error_t *err)
{
    int rc = check_name(kind, ORDO_STORE_KIND_MAX, "kind", err);
    if (rc == ORDO_OK && id)
        rc = check_name(id, ORDO_STORE_DOC_ID_MAX, "id", err);
    if (rc != ORDO_OK)
        return rc;
    if (!fn)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "no callback");
    return s->ops->audit_list(s->b, kind, id, fn, ctx, err);
}

uint32_t ordo_store_ingest_batch_size(const ordo_store_t *s)
{
    return s->cfg.ingest_batch ? s->cfg.ingest_batch : 10000;
}

/* ---- customer pseudonyms ---- */

static int check_customer(const char *id, ordo_error_t *err)
{
    if (!id || !*id)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "customer_id", "empty");
    if (strnlen(id, 4097) > 4096)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "customer_id", "longer than 4096 bytes");
    return ORDO_OK;
}

/* key = "ck_" + hex(HMAC-SHA256(secret, id)[0..16)) */
static int customer_key(ordo_store_t *s, const char *id, char key[ORDO_CUSTOMER_KEY_LEN],
                        ordo_error_t *err)
{
    int rc = check_customer(id, err);
    if (rc == ORDO_OK && !s->has_secret) {
        if (sodium_init() < 0)
            return ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "cannot initialise libsodium");
        rc = s->ops->secret_get(s->b, "customer_key", s->secret, sizeof s->secret, err);
        s->has_secret = rc == ORDO_OK;
    }
    if (rc != ORDO_OK)
        return rc;
    size_t n = strlen(id);
    key_memo_t *m = NULL;
    if (n < MEMO_ID) {
        if (!s->memo)
            s->memo = calloc(MEMO_SLOTS, sizeof *s->memo); /* NULL: no memo */
        if (s->memo)
            m = &s->memo[ordo_hash64(id, n) & (MEMO_SLOTS - 1)];
        if (m && !strcmp(m->id, id)) {
            memcpy(key, m->key, ORDO_CUSTOMER_KEY_LEN);
            return ORDO_OK;
        }
    }
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)id, n, s->secret);
    memcpy(key, "ck_", 3);
    sodium_bin2hex(key + 3, ORDO_CUSTOMER_KEY_LEN - 3, mac, 16);
    if (m) {
        memcpy(m->id, id, n + 1);
        memcpy(m->key, key, ORDO_CUSTOMER_KEY_LEN);
    }
    return ORDO_OK;
}

static void customer_drop_queue(ordo_store_t *s)
{
    for (size_t i = 0; i < s->n_pend; i++)
        free(s->pend_id[i]);
    s->n_pend = 0;
}

static int customer_flush(ordo_store_t *s, ordo_error_t *err)
{
    if (!s->n_pend)
        return ORDO_OK;
    int rc = ordo_store_tx_begin(s, err);
    if (rc == ORDO_OK) {
        int64_t now = ordo_now_unix();
        for (size_t i = 0; rc == ORDO_OK && i < s->n_pend; i++)
            rc = s->ops->customer_put(s->b, s->pend_key[i], s->pend_id[i], now, err);
        rc = tx_end(s, rc, err);
    }
    customer_drop_queue(s);
    return rc;
}

int ordo_store_customer_flush(ordo_store_t *s, ordo_error_t *err)
{
    return customer_flush(s, err);
}

int ordo_store_customer_key(ordo_store_t *s, const char *customer_id,
                            char key[ORDO_CUSTOMER_KEY_LEN], ordo_error_t *err)
{
    int rc = customer_key(s, customer_id, key, err);
    if (rc != ORDO_OK)
        return rc;
    for (size_t i = 0; i < s->n_pend; i++)
        if (!strcmp(s->pend_key[i], key))
            return ORDO_OK;
    char *copy = strdup(customer_id);
    if (!copy)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    memcpy(s->pend_key[s->n_pend], key, ORDO_CUSTOMER_KEY_LEN);
    s->pend_id[s->n_pend++] = copy;
    return s->n_pend == CUSTOMER_QUEUE ? customer_flush(s, err) : ORDO_OK;
}

int ordo_store_customer_key_of(ordo_store_t *s, const char *customer_id,
                               char key[ORDO_CUSTOMER_KEY_LEN], ordo_error_t *err)
{
    return customer_key(s, customer_id, key, err);
}

int ordo_store_customer_lookup(ordo_store_t *s, const char *customer_id,
                               char key[ORDO_CUSTOMER_KEY_LEN], bool *mapped, ordo_error_t *err)
{
    *mapped = false;
    int rc = customer_key(s, customer_id, key, err);
    if (rc != ORDO_OK)
        return rc;
    char *id = NULL;
    ordo_error_t e2 = {0};
    rc = s->ops->customer_get(s->b, key, &id, &e2);
    if (rc == ORDO_ENOTFOUND)
        return ORDO_OK;
    if (rc != ORDO_OK) {
        if (err)
            *err = e2;
        return rc;
    }
    *mapped = !strcmp(id, customer_id);
    free(id);
    return ORDO_OK;
}

int ordo_store_customer_resolve(ordo_store_t *s, const char *key, char **customer_id,
                                ordo_error_t *err)
{
    if (!key || strlen(key) != ORDO_CUSTOMER_KEY_LEN - 1 || strncmp(key, "ck_", 3))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "key",
                              "a customer key is 'ck_' and 32 hex digits");
    return s->ops->customer_get(s->b, key, customer_id, err);
}

int ordo_store_customer_erase(ordo_store_t *s, const char *customer_id, const char *actor,
                              const char *reason, ordo_customer_erase_result_t *out,
                              ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = customer_key(s, customer_id, out->key, err);
    if (rc == ORDO_OK)
        rc = check_name(actor, ORDO_STORE_DOC_ID_MAX, "actor", err);
    if (rc == ORDO_OK)
        rc = customer_flush(s, err); /* a queued mapping must not come back */
    if (rc == ORDO_OK)
        rc = ordo_store_tx_begin(s, err);
    if (rc != ORDO_OK)
        return rc;
    rc = s->ops->customer_erase(s->b, out->key, customer_id, &out->mappings, err);
    char detail[64];
    snprintf(detail, sizeof detail, "{\"mappings\":%llu}", (unsigned long long)out->mappings);
    ordo_store_audit_entry_t e = {.kind = "customer",
                                  .id = out->key,
                                  .actor = actor,
                                  .action = "erase",
                                  .reason = reason ? reason : "",
                                  .detail_json = detail,
                                  .ts = ordo_now_unix()};
    if (rc == ORDO_OK)
        rc = s->ops->audit_append(s->b, &e, &out->audit_seq, err);
    rc = tx_end(s, rc, err);
    int busy = 0;
    if (rc == ORDO_OK && s->depth == 0)
        rc = s->ops->compact(s->b, &busy, err);
    out->wal_busy = busy != 0;
    return rc;
}

const store_ops_t *ordo_store_ops(ordo_store_t *s, store_backend_t **b)
{
    *b = s->b;
    return s->ops;
}
