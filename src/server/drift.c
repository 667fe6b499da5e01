/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — drift of the loaded risk model, kept as outcomes arrive
 * (docs/models.md "Drift"): after each POST /v1/outcomes, and on the serve
 * loop's tick when the store's outcome sequence moved, the orders whose
 * outcomes changed (the store's outcome change sequence) are matched with
 * their decision records; where the record was priced by the loaded risk
 * model, its logged P(return) and P(cancel) and the order's labels go into
 * the reliability tables (model.h ordo_risk_drift_observe). The state is
 * saved as DATA/models/risk-drift.json after each update and read back
 * when the same model is loaded again (a restart); for another model it
 * starts empty and is rebuilt from the store's outcomes at the next
 * update, not at the load (a start or a reload does not wait for it; only
 * orders with an outcome after the model's training end are counted, as
 * no earlier one can be its). The predictions come from an index of the
 * loaded model's decisions by order id, kept in memory, filled by the
 * start's one read of the log (customers.c) and extended by reading the
 * log from where it stopped at each update; orders whose labels are final
 * leave it. GET /v1/models,
 * /metrics and the dashboard's Models page show it. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* One update at a time; the tables themselves are read under it too. */
static pthread_mutex_t drift_lock = PTHREAD_MUTEX_INITIALIZER;

/* The predictions of the loaded model's decisions, by order id: the
 * decision log is read once (from where the last read stopped), not once
 * an order. An entry whose labels are final (cancelled, returned, or
 * delivered and past the return window) is dropped, and past
 * DRIFT_INDEX_MAX entries the oldest go (orders whose outcomes never
 * came): the index holds the orders whose labels may still change. */
#define DRIFT_INDEX_MAX (1u << 20)

typedef struct drift_entry {
    char *id;     /* the order id (owned) */
    float p[2];   /* P(return), P(cancel) (NAN: not logged) */
    int32_t day;  /* delivery day while its return window is open; 0: none */
    bool final;   /* its labels will not change: dropped at the next compaction */
} drift_entry_t;

typedef struct srv_drift_index {
    ordo_strmap_t *ids; /* order id -> entry */
    drift_entry_t *e;
    uint32_t n, cap, n_final;
    uint64_t seq;       /* the log read up to */
    int64_t swept_day;  /* the matured day the last sweep saw */
    bool primed;        /* the outcomes before the state's seq have marked its entries */
    uint64_t dropped;   /* entries dropped so far */
} srv_drift_index_t;

static void index_free(srv_drift_index_t *x)
{
    if (!x)
        return;
    ordo_strmap_destroy(x->ids);
    for (uint32_t i = 0; i < x->n; i++)
        free(x->e[i].id);
    free(x->e);
    free(x);
}

/* Whether a record's risk_model ("risk-v2:<hash prefix>") is the model's. */
static bool same_model(const ordo_risk_drift_t *d, const char *risk_model)
{
    size_t vn = strlen(d->model);
    const char *h = risk_model + vn;
    return !strncmp(risk_model, d->model, vn) && *h == ':' && h[1] &&
           !strncmp(h + 1, d->hash, strlen(h + 1));
}

static int index_put(srv_drift_index_t *x, const ordo_record_t *rec)
{
    uint32_t i;
    size_t kn = strlen(rec->order_id);
    if (ordo_strmap_get(x->ids, rec->order_id, kn, &i)) /* the first decision counts */
        return ORDO_OK;
    if (x->n == x->cap) {
        uint32_t cap = x->cap ? 2 * x->cap : 4096;
        drift_entry_t *e = realloc(x->e, (size_t)cap * sizeof *e);
        if (!e)
            return ORDO_ENOMEM;
        x->e = e;
        x->cap = cap;
    }
    drift_entry_t *e = &x->e[x->n];
    *e = (drift_entry_t){.id = strdup(rec->order_id),
                         .p = {(float)rec->plan.return_risk, (float)rec->plan.cancel_prob}};
    int rc = e->id ? ordo_strmap_put(x->ids, rec->order_id, kn, x->n) : ORDO_ENOMEM;
    if (rc)
        free(e->id);
    x->n += rc == ORDO_OK;
    return rc;
}

/* Whether entry i stays at a compaction that drops the first `old` live
 * entries (*seen: the live entries met so far). */
static bool entry_kept(const srv_drift_index_t *x, uint32_t i, uint32_t old, uint32_t *seen)
{
    return !x->e[i].final && (*seen)++ >= old;
}

/* Drops the final entries, and the oldest past DRIFT_INDEX_MAX: a new map
 * of the rest, in their order. On ENOMEM the index stays as it was. */
static int index_compact(srv_drift_index_t *x)
{
    uint32_t live = x->n - x->n_final;
    uint32_t old = live > DRIFT_INDEX_MAX ? live - DRIFT_INDEX_MAX : 0;
    ordo_strmap_t *ids = ordo_strmap_create(live - old > 4096 ? live - old : 4096);
    uint32_t m = 0, seen = 0;
    for (uint32_t i = 0; ids && i < x->n; i++)
        if (entry_kept(x, i, old, &seen) &&
            ordo_strmap_put(ids, x->e[i].id, strlen(x->e[i].id), m++)) {
            ordo_strmap_destroy(ids);
            ids = NULL;
        }
    if (!ids)
        return ORDO_ENOMEM;
    m = seen = 0;
    for (uint32_t i = 0; i < x->n; i++) {
        if (entry_kept(x, i, old, &seen)) {
            x->e[m++] = x->e[i];
            continue;
        }
        free(x->e[i].id);
        x->dropped++;
    }
    ordo_strmap_destroy(x->ids);
    x->ids = ids;
    x->n = m;
    x->n_final = 0;
    return ORDO_OK;
}

/* After an update: the deliveries whose return window has passed are
 * final; compacts when half the entries are final or there are too many. */
static void index_sweep(srv_drift_index_t *x, int64_t matured_day)
{
    if (matured_day > x->swept_day) {
        for (uint32_t i = 0; i < x->n; i++)
            if (!x->e[i].final && x->e[i].day && x->e[i].day <= matured_day) {
                x->e[i].final = true;
                x->n_final++;
            }
        x->swept_day = matured_day;
    }
    if ((x->n_final > 1024 && 2 * x->n_final >= x->n) || x->n - x->n_final > DRIFT_INDEX_MAX)
        index_compact(x); /* ENOMEM: the next update tries again */
}

/* What an order's outcome makes of its entry: final when cancelled or
 * returned, its delivery day while delivered and not returned. */
static void entry_outcome(srv_drift_index_t *x, drift_entry_t *e, const ordo_outcome_summary_t *sum,
                          int64_t matured_day)
{
    int64_t day = sum->delivered_at > 0 ? sum->delivered_at / 86400 : 0;
    if (e->final)
        return;
    if (sum->cancelled_at || sum->returned_at || (day && day <= matured_day)) {
        e->final = true;
        x->n_final++;
    } else if (day) {
        e->day = day < INT32_MAX ? (int32_t)day : INT32_MAX;
    }
}

/* The loaded model's decisions into the index. */
typedef struct index_ctx {
    ordo_server_t *s;
    srv_drift_index_t *x;
} index_ctx_t;

static int index_each(const ordo_record_t *rec, void *ctx)
{
    const index_ctx_t *c = ctx;
    return rec->risk_model && same_model(&c->s->drift.state, rec->risk_model)
               ? index_put(c->x, rec)
               : ORDO_OK;
}

/* Reads the decision records appended since the last read into the index. */
static int index_catch_up(ordo_server_t *s, srv_drift_index_t *x, ordo_error_t *err)
{
    index_ctx_t c = {s, x};
    return ordo_decide_log_each(s->log_dir, &x->seq, index_each, &c, err);
}

/* The entry of the order's decision, when the loaded risk model priced it
 * and its labels may still change; NULL otherwise. */
static drift_entry_t *entry_of(srv_drift_index_t *x, const char *order_id)
{
    uint32_t i;
    if (!ordo_strmap_get(x->ids, order_id, strlen(order_id), &i) || x->e[i].final)
        return NULL;
    return &x->e[i];
}

/* Once per index (it is built from the log alone, e.g. after a restart):
 * the entries whose orders' outcomes up to now made their labels final are
 * marked, so that they go at the next compaction. After the update's own
 * pass, whose new outcomes have been counted by then. */
static void index_prime(srv_drift_index_t *x, ordo_store_t *store, int64_t matured_day)
{
    ordo_outcome_iter_t *it = NULL;
    ordo_outcome_summary_t sum;
    int more = 0, rc = ordo_store_outcome_iter_since(store, 0, &it, NULL);
    while (!rc && (more = ordo_outcome_iter_next(it, &sum, NULL)) == 1) {
        drift_entry_t *e = entry_of(x, sum.order_id);
        if (e)
            entry_outcome(x, e, &sum, matured_day);
    }
    ordo_outcome_iter_close(it);
    x->primed = !rc && more == 0;
}

/* The index of the loaded model, created empty when there is none. */
static srv_drift_index_t *index_of(ordo_server_t *s)
{
    if (!s->drift.index) {
        srv_drift_index_t *x = calloc(1, sizeof *x);
        if (x && !(x->ids = ordo_strmap_create(1 << 12))) {
            free(x);
            x = NULL;
        }
        s->drift.index = x;
    }
    return s->drift.index;
}

/* The outcomes changed since the state's seq into the tables (the log's
 * new decisions first); nothing when the store has no change since. */
static int drift_update(ordo_server_t *s, ordo_error_t *err)
{
    ordo_risk_drift_t *d = &s->drift.state;
    if (!s->log_dir[0]) /* before the decider opened the log */
        return ORDO_OK;
    srv_drift_index_t *x = index_of(s);
    if (!x)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    ordo_store_t *store = NULL;
    ordo_outcome_iter_t *it = NULL;
    uint64_t seq = 0;
    int rc = ordo_store_open(s->data_dir, NULL, &store, err);
    if (!rc)
        rc = ordo_store_outcome_seq(store, &seq, err);
    if (!rc && seq <= d->seq && x->primed) {
        ordo_store_close(store, NULL);
        return ORDO_OK;
    }
    x->primed |= !rc && d->seq == 0; /* this update reads every outcome */
    if (!rc)
        rc = index_catch_up(s, x, err);
    if (!rc)
        rc = ordo_store_outcome_iter_since(store, d->seq, &it, err);
    int64_t from = d->watermark, top = d->watermark;
    ordo_outcome_summary_t sum;
    int more = 0;
    while (!rc && it && (more = ordo_outcome_iter_next(it, &sum, err)) == 1) {
        drift_entry_t *e = entry_of(x, sum.order_id);
        if (sum.last_event_at > top)
            top = sum.last_event_at;
        if (e && sum.last_event_at > s->drift.since)
            ordo_risk_drift_observe(d, e->p[0], e->p[1], &sum, from);
        if (e)
            entry_outcome(x, e, &sum, d->matured_day);
    }
    if (!rc && more < 0)
        rc = more;
    ordo_outcome_iter_close(it);
    if (!rc)
        ordo_risk_drift_advance(d, top);
    if (!rc && !x->primed) /* (a failure: tried again at the next update) */
        index_prime(x, store, d->matured_day);
    if (store)
        ordo_store_close(store, NULL);
    if (rc)
        return rc;
    char dir[ORDO_CONFIG_PATH_MAX];
    d->seq = seq > d->seq ? seq : d->seq;
    index_sweep(x, d->matured_day);
    d->updated_at = ordo_now_unix();
    rc = srv_models_dir(s, dir, sizeof dir, err);
    return rc ? rc : ordo_risk_drift_write(dir, d, err);
}

void srv_drift_model(ordo_server_t *s, const srv_model_slot_t *risk)
{
    pthread_mutex_lock(&drift_lock);
    ordo_risk_drift_t *d = &s->drift.state;
    char dir[ORDO_CONFIG_PATH_MAX];
    bool same = s->drift.on && !strcmp(d->model, risk->version) && !strcmp(d->hash, risk->hash);
    s->drift.on = risk->loaded;
    s->drift.since = risk->trained_until;
    if (!same) { /* another model's decisions: read the log again */
        index_free(s->drift.index);
        s->drift.index = NULL;
    }
    if (risk->loaded && !same) {
        /* the saved state of the same model, moved to its return window */
        ordo_risk_drift_t *saved = malloc(sizeof *saved);
        bool have = saved && !srv_models_dir(s, dir, sizeof dir, NULL) &&
                    !ordo_risk_drift_read(dir, saved, NULL) &&
                    !strcmp(saved->model, risk->version) && !strcmp(saved->hash, risk->hash);
        if (have) {
            *d = *saved;
            ordo_risk_drift_set_window(d, risk->return_days);
        } else {
            memset(d, 0, sizeof *d);
            snprintf(d->model, sizeof d->model, "%s", risk->version);
            snprintf(d->hash, sizeof d->hash, "%s", risk->hash);
            d->return_days = risk->return_days;
        }
        free(saved);
    }
    pthread_mutex_unlock(&drift_lock);
}

int srv_drift_index_record(ordo_server_t *s, const ordo_record_t *rec)
{
    pthread_mutex_lock(&drift_lock);
    srv_drift_index_t *x = s->drift.on ? index_of(s) : NULL;
    int rc = s->drift.on && !x ? ORDO_ENOMEM : ORDO_OK;
    if (x && rec->risk_model && same_model(&s->drift.state, rec->risk_model))
        rc = index_put(x, rec);
    pthread_mutex_unlock(&drift_lock);
    return rc;
}

void srv_drift_index_read(ordo_server_t *s, uint64_t seq)
{
    pthread_mutex_lock(&drift_lock);
    srv_drift_index_t *x = s->drift.on ? s->drift.index : NULL;
    if (x && seq > x->seq)
        x->seq = seq;
    pthread_mutex_unlock(&drift_lock);
}

void srv_drift_free(ordo_server_t *s)
{
    index_free(s->drift.index);
    s->drift.index = NULL;
}

void srv_drift_outcomes(ordo_server_t *s)
{
    pthread_mutex_lock(&drift_lock);
    ordo_error_t err = {0};
    if (s->drift.on && drift_update(s, &err))
        fprintf(stderr, "ordo serve: risk drift: %s\n", err.msg[0] ? err.msg : "update failed");
    pthread_mutex_unlock(&drift_lock);
}

static const char *const target_name[2] = {"return", "cancel"};

/* The checks of both targets and the deliveries still in their return
 * window, taken under the lock; false when no risk model is tracked. */
typedef struct drift_view {
    ordo_model_drift_t c[2];
    uint64_t pending;
    int32_t return_days;
    uint64_t entries, dropped; /* the index: entries held (memory), dropped so far */
} drift_view_t;

static bool drift_checks(ordo_server_t *s, drift_view_t *v)
{
    pthread_mutex_lock(&drift_lock);
    const ordo_risk_drift_t *d = &s->drift.state;
    bool on = s->drift.on;
    for (int t = 0; t < 2 && on; t++)
        ordo_risk_drift_check(d, (ordo_risk_target_t)t, ORDO_RISK_DRIFT_BOUND,
                              ORDO_RISK_DRIFT_MIN_N, d->updated_at, &v->c[t]);
    v->pending = on ? ordo_risk_drift_pending(d) : 0;
    v->return_days = d->return_days > 0 ? d->return_days : ORDO_RISK_DRIFT_RETURN_DAYS;
    const srv_drift_index_t *x = s->drift.index;
    v->entries = x ? x->n : 0;
    v->dropped = x ? x->dropped : 0;
    pthread_mutex_unlock(&drift_lock);
    return on;
}

void srv_drift_json(ordo_server_t *s, ordo_jsonw_t *w)
{
    drift_view_t v;
    ordo_jsonw_key(w, "drift");
    if (!drift_checks(s, &v)) {
        ordo_jsonw_null(w);
        return;
    }
    ordo_jsonw_obj_begin(w);
    for (int t = 0; t < 2; t++) {
        ordo_jsonw_key(w, target_name[t]);
        ordo_model_drift_json(&v.c[t], w);
    }
    ordo_jsonw_kint(w, "returns_pending", (int64_t)v.pending);
    ordo_jsonw_kint(w, "return_days", v.return_days);
    ordo_jsonw_kint(w, "index_entries", (int64_t)v.entries);
    ordo_jsonw_kint(w, "index_dropped", (int64_t)v.dropped);
    ordo_jsonw_obj_end(w);
    if (v.c[0].alarm || v.c[1].alarm) {
        char cmd[ORDO_CONFIG_PATH_MAX + 64];
        snprintf(cmd, sizeof cmd, "ordo model train --run %s --kind risk", s->data_dir);
        ordo_jsonw_kstr(w, "suggestion", cmd);
    }
}

/* Version strings are ordo's own ("risk-v2"); anything else is left out. */
static bool label_ok(const char *v)
{
    return !strpbrk(v, "\"\\\n");
}

/* One gauge per target: name, help, and each target's value. */
static void gauge(ordo_buf_t *b, const char *name, const char *help, const char *model,
                  const double v[2])
{
    ordo_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
    for (int t = 0; t < 2; t++)
        ordo_buf_printf(b, "%s{model=\"%s\",target=\"%s\"} %.17g\n", name, model,
                        target_name[t], isfinite(v[t]) ? v[t] : 0);
}

void srv_drift_metrics(ordo_server_t *s, ordo_buf_t *b)
{
    drift_view_t v;
    if (!drift_checks(s, &v) || !label_ok(v.c[0].model))
        return;
    const char *m = v.c[0].model;
    double alarm[2], err[2], mean[2], n[2];
    for (int t = 0; t < 2; t++) {
        alarm[t] = v.c[t].alarm;
        err[t] = v.c[t].calibration_error;
        mean[t] = v.c[t].mean_error;
        n[t] = (double)v.c[t].predictions;
    }
    gauge(b, "ordo_risk_drift_alarm",
          "1 when the risk model's P(return) or P(cancel) left its calibration bound on live "
          "outcomes (retrain).", m, alarm);
    gauge(b, "ordo_risk_calibration_error",
          "Worst decile calibration error (probability units; deciles of at least the "
          "minimum count; 0 when none has it).", m, err);
    gauge(b, "ordo_risk_drift_mean_error",
          "|mean prediction - observed rate| over all counted predictions.", m, mean);
    gauge(b, "ordo_risk_drift_predictions", "Predictions with a known outcome in the drift "
          "tables (returns: after the return window).", m, n);
    ordo_buf_printf(b, "# HELP ordo_risk_drift_returns_pending Deliveries still in their "
                       "return window (not counted yet).\n"
                       "# TYPE ordo_risk_drift_returns_pending gauge\n"
                       "ordo_risk_drift_returns_pending{model=\"%s\"} %llu\n",
                    m, (unsigned long long)v.pending);
    ordo_buf_printf(b, "# HELP ordo_risk_drift_index_entries Decisions of the risk model held "
                       "in memory for their outcomes (those with final labels go).\n"
                       "# TYPE ordo_risk_drift_index_entries gauge\n"
                       "ordo_risk_drift_index_entries{model=\"%s\"} %llu\n",
                    m, (unsigned long long)v.entries);
}
