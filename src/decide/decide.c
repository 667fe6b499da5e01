/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the decision path: route, decide, reserve, log, shadows. */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ordo/config.h"
#include "ordo/datadir.h"
#include "ordo/decide.h"
#include "ordo/exp.h"
#include "ordo/json.h"
#include "ordo/record.h"
#include "ordo/store.h"
#include "ordo/util.h"
#include "stock_internal.h"

#define POLICY_CACHE 64
#define MAX_SHADOWS 8

typedef struct cached_policy {
    char version[ORDO_POLICY_VERSION_LEN];
    ordo_policy_t *policy; /* owned */
} cached_policy_t;

struct ordo_decider {
    const ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_decider_options_t opt;
    const ordo_policy_t *default_policy; /* borrowed or cached */
    ordo_store_t *store;
    ordo_exp_registry_t *registry;
    ordo_exp_snapshot_t *snapshot;
    uint64_t data_version;    /* the store's, when the snapshot was loaded */
    uint64_t signals_version; /* the store's signal version swapped into the engine */
    ordo_log_t *log;
    void *follower; /* opt.log_follower's state */
    cached_policy_t cache[POLICY_CACHE];
    uint32_t n_cache;
    ordo_buf_t record; /* reused for every record: no malloc once grown */
    bool cbor;         /* records as CBOR (log.encoding = cbor) */
    bool group;        /* group commit: SYNC log opened as NONE, commit syncs */
    /* the store owns the stock (--data with a log): every logged decision
     * reserves there, in its group's transaction (src/decide/stock.c) */
    bool has_stock;
    decide_stock_t stock;
    ordo_store_t *ckpt;        /* the committer's handle: WAL checkpoints */
    _Atomic uint64_t commits;  /* ordo_decider_commit calls that succeeded */
    uint64_t commits_seen;     /* ... when the store's transaction began */
    uint64_t ckpt_at;          /* commits at the last WAL checkpoint */
    uint64_t stock_tx_started; /* ordo_now_ns when it was first seen open */
    uint64_t deadline_ns;      /* ordo_decider_set_deadline: 0 none */
    /* PostgreSQL: instances share the stock, so a store group is committed
     * at the first turn after each log commit and answers wait for it
     * (ordo_decider_store_wait); store_seq: the last record committed */
    bool store_ack;
    _Atomic uint64_t store_seq;
    /* PostgreSQL: the stock is reserved per order before its record
     * (stock.rows); rows_watched: when data_version was last read */
    uint64_t rows_watched;
    /* the applier thread (group commit with stock): runs the store's
     * follow-up of the commits, so that no commit waits for SQLite */
    pthread_t applier;
    pthread_mutex_t amu;
    pthread_cond_t acv;
    uint64_t apply_req; /* commit_after calls, under amu */
    bool apply_stop, has_applier;
    /* customers seen lately (CUST_SLOTS, direct-mapped by a hash of the
     * id): their pseudonym, so the HMAC runs once per customer, and
     * whether their mapping was queued in the current epoch (an erasure
     * by another connection ends it: the next order maps again) */
    struct cust_slot *cust;
    uint32_t cust_epoch;
    /* defer_records: decision records queued by decide (under qmu), each
     * with the seq it is to get, encoded and appended by whichever thread
     * commits (under wmu, which also guards record and every append) */
    bool defer;
    uint64_t next_seq; /* the seq the next record gets (decide's thread) */
    pthread_mutex_t qmu, wmu;
    struct queued_record *queued, *writing;
    size_t n_queued, cap_queued, cap_writing;
    _Atomic int records_rc; /* a queued record could not be appended */
};

/* A decision record decide left to ordo_decider_records_write: its plan
 * and meta live in the order's arena. */
typedef struct queued_record {
    const ordo_plan_t *plan;
    const ordo_decision_meta_t *meta;
    uint64_t seq;
} queued_record_t;

#define CUST_SLOTS 4096
#define CUST_ID_MAX 40 /* longer ids are not remembered */

struct cust_slot {
    uint64_t h;     /* 0: empty */
    uint32_t epoch; /* == cust_epoch: its mapping is queued */
    char id[CUST_ID_MAX];
    char key[ORDO_CUSTOMER_KEY_LEN];
};

static uint64_t cust_hash(const char *id, size_t n)
{
    return ordo_hash64(id, n) | 1; /* 0 marks an empty slot */
}

/* The pseudonym of customer id into key (computed without the store's
 * connection, remembered); *queue: its mapping is still to be queued (it
 * then counts as queued). */
static int customer_key(ordo_decider_t *d, const char *id, char key[ORDO_CUSTOMER_KEY_LEN],
                        bool *queue, ordo_error_t *err)
{
    size_t n = strnlen(id, CUST_ID_MAX);
    *queue = true;
    if (!d->cust || n == CUST_ID_MAX)
        return ordo_store_customer_key_of(d->store, id, key, err);
    uint64_t h = cust_hash(id, n);
    struct cust_slot *c = &d->cust[(h >> 17) & (CUST_SLOTS - 1)];
    if (c->h != h || strcmp(c->id, id)) {
        int rc = ordo_store_customer_key_of(d->store, id, key, err);
        if (rc)
            return rc;
        c->h = h;
        c->epoch = d->cust_epoch - 1;
        memcpy(c->id, id, n + 1);
        memcpy(c->key, key, ORDO_CUSTOMER_KEY_LEN);
    } else {
        memcpy(key, c->key, ORDO_CUSTOMER_KEY_LEN);
    }
    *queue = c->epoch != d->cust_epoch;
    c->epoch = d->cust_epoch;
    return ORDO_OK;
}

/* Every remembered mapping counts as not queued again. */
static void customer_forget(ordo_decider_t *d)
{
    d->cust_epoch++;
}

void ordo_decider_set_deadline(ordo_decider_t *d, uint64_t deadline_ns)
{
    d->deadline_ns = deadline_ns;
}

void ordo_decider_options_init(ordo_decider_options_t *o)
{
    memset(o, 0, sizeof *o);
    o->shadows = true;
    o->log = true;
    o->log_wait_ms = 60000;
}

/* The store connection is shared with the committer's thread, which
 * applies the queued reservations (src/decide/stock.c): the decider's
 * thread takes it for each use while the store owns the stock. */
static void conn_lock(ordo_decider_t *d)
{
    if (d->has_stock)
        ordo_decide_stock_lock(&d->stock);
}

static void conn_unlock(ordo_decider_t *d)
{
    if (d->has_stock)
        ordo_decide_stock_unlock(&d->stock);
}

/* The policy of a version: built-in or registered, loaded once. */
static int policy_for(ordo_decider_t *d, const char *version, const ordo_policy_t **out,
                      ordo_error_t *err)
{
    for (uint32_t i = 0; i < d->n_cache; i++)
        if (!strcmp(d->cache[i].version, version)) {
            *out = d->cache[i].policy;
            return ORDO_OK;
        }
    if (d->n_cache == POLICY_CACHE)
        return ordo_error_set(err, ORDO_EFULL, NULL, 0, "policy_version",
                              "more than %d policy versions in use", POLICY_CACHE);
    ordo_policy_t *p = NULL;
    int rc;
    if (d->store) {
        conn_lock(d);
        rc = ordo_exp_policy_load(d->store, version, &p, err);
        conn_unlock(d);
    } else {
        const char *name = ordo_exp_builtin_policy_name(version);
        rc = name ? ordo_policy_builtin(name, &p, err)
                  : ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "policy_version",
                                   "unknown policy version '%s'", version);
    }
    if (rc)
        return rc;
    cached_policy_t *c = &d->cache[d->n_cache++];
    snprintf(c->version, sizeof c->version, "%s", version);
    c->policy = p;
    *out = p;
    return ORDO_OK;
}

static int load_default(ordo_decider_t *d, ordo_error_t *err)
{
    if (d->opt.default_policy) {
        d->default_policy = d->opt.default_policy;
        return ORDO_OK;
    }
    if (d->store) {
        char version[ORDO_POLICY_VERSION_LEN];
        ordo_error_t e2 = {0};
        int rc = ordo_exp_default_policy_get(d->store, version, NULL, NULL, &e2);
        if (rc == ORDO_OK)
            return policy_for(d, version, &d->default_policy, err);
        if (rc != ORDO_ENOTFOUND) {
            if (err)
                *err = e2;
            return rc;
        }
    }
    ordo_policy_t *p;
    int rc = ordo_policy_builtin("default", &p, err);
    if (rc)
        return rc;
    if (d->n_cache == POLICY_CACHE) {
        ordo_policy_destroy(p);
        return ordo_error_set(err, ORDO_EFULL, NULL, 0, NULL, "policy cache full");
    }
    cached_policy_t *c = &d->cache[d->n_cache++];
    snprintf(c->version, sizeof c->version, "%s", p->version);
    c->policy = p;
    d->default_policy = p;
    return ORDO_OK;
}

void ordo_decider_log_options(const ordo_config_t *cfg, ordo_log_options_t *lo)
{
    ordo_log_options_init(lo);
    lo->sync = cfg->log_sync == ORDO_CONFIG_LOG_ASYNC  ? ORDO_LOG_ASYNC
               : cfg->log_sync == ORDO_CONFIG_LOG_NONE ? ORDO_LOG_NONE
                                                       : ORDO_LOG_SYNC;
    if (cfg->log_interval_us)
        lo->interval_us = cfg->log_interval_us;
    if (cfg->log_batch_bytes)
        lo->batch_bytes = cfg->log_batch_bytes;
    if (cfg->log_segment_bytes)
        lo->segment_bytes = cfg->log_segment_bytes;
    lo->compress_level = cfg->log_compress_level;
    lo->direct_io = cfg->log_direct_io == ORDO_LOG_DIRECT_ON    ? ORDO_LOG_DIRECT_ON
                    : cfg->log_direct_io == ORDO_LOG_DIRECT_OFF ? ORDO_LOG_DIRECT_OFF
                                                                : ORDO_LOG_DIRECT_AUTO;
}

/* Opens the log, waiting up to opt.log_wait_ms while another process
 * holds its writer lock (ORDO_ESTATE): deciders on one data directory
 * take turns at the log, a process at a time. */
static int open_log_waiting(ordo_decider_t *d, const char *dir, const ordo_log_options_t *lo,
                            ordo_log_open_info_t *info, ordo_error_t *err)
{
    uint64_t deadline = ordo_now_ns() + (uint64_t)d->opt.log_wait_ms * 1000000ull;
    for (;;) {
        ordo_error_t e2 = {0};
        int rc = ordo_log_open(dir, lo, &d->log, info, &e2);
        if (rc != ORDO_ESTATE || ordo_now_ns() >= deadline) {
            if (rc && err)
                *err = e2;
            return rc;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static int signals_refresh(ordo_decider_t *d, ordo_error_t *err);
static int applier_start(ordo_decider_t *d, ordo_error_t *err);
static void applier_stop(ordo_decider_t *d);

/* The log follower on the log just opened (the analysis's facts writer):
 * when it cannot open, the decider goes on without it (a cache). */
static void follower_open(ordo_decider_t *d)
{
    ordo_error_t e;
    if (d->opt.log_follower &&
        d->opt.log_follower->open(d->opt.data_dir, d->net, d->log, &d->follower, &e) != ORDO_OK)
        d->follower = NULL;
}

int ordo_decider_open(const ordo_network_t *net, ordo_engine_t *eng,
                      const ordo_decider_options_t *opt, ordo_decider_t **out, ordo_error_t *err)
{
    *out = NULL;
    ordo_decider_t *d = calloc(1, sizeof *d);
    if (!d)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    d->net = net;
    d->eng = eng;
    if (opt)
        d->opt = *opt;
    else
        ordo_decider_options_init(&d->opt);
    ordo_buf_init(&d->record, NULL);
    int rc = ORDO_OK;
    if (d->opt.data_dir) {
        ordo_config_t cfg;
        if ((rc = ordo_config_load_data_dir(d->opt.data_dir, &cfg, err)))
            goto fail;
        /* The log is the stock's write-ahead log: a store commit of this
         * handle lost to a power cut is rebuilt from the log at the next
         * open (src/decide/stock.c), so its commits need not fsync (the
         * WAL is synced at checkpoints); a group's fsync is the log's. */
        if (d->opt.log)
            cfg.sqlite_sync = ORDO_SQLITE_SYNC_NORMAL;
        if ((rc = ordo_mkdir_p(d->opt.data_dir, err)) ||
            (rc = ordo_store_open(d->opt.data_dir, &cfg, &d->store, err)) ||
            (rc = ordo_exp_registry_open(d->store, &d->registry, err)) ||
            (rc = ordo_store_data_version(d->store, &d->data_version, err)) ||
            (rc = ordo_exp_snapshot_load(d->registry, &d->snapshot, err)) ||
            (rc = signals_refresh(d, err)))
            goto fail;
        if (d->opt.log) {
            ordo_datadir_t dd;
            if ((rc = ordo_datadir_init(&dd, d->opt.data_dir, err)))
                goto fail;
            const char *dir = dd.log;
            ordo_log_options_t lo;
            if (d->opt.log_options)
                lo = *d->opt.log_options;
            else
                ordo_decider_log_options(&cfg, &lo);
            if (d->opt.group_commit && lo.sync == ORDO_LOG_SYNC) {
                /* appends only fill the batch buffer (written when
                 * batch_bytes are pending); ordo_decider_commit writes
                 * and fdatasyncs the rest: one fdatasync per group */
                lo.sync = ORDO_LOG_NONE;
                d->group = true;
            }
            ordo_log_open_info_t info;
            char key[ORDO_CUSTOMER_KEY_LEN];
            if ((rc = open_log_waiting(d, dir, &lo, &info, err)))
                goto fail;
            follower_open(d);
            d->cbor = cfg.log_encoding == ORDO_CONFIG_LOG_CBOR;
            d->stock = (decide_stock_t){.store = d->store, .net = net};
            if ((rc = ordo_decide_stock_init(&d->stock, err)))
                goto fail;
            d->has_stock = true;
            d->store_ack = !strcmp(ordo_store_backend_name(d->store), "postgres");
            d->stock.rows = d->store_ack;
            atomic_store(&d->store_seq, info.next_seq - 1);
            if (d->has_stock &&
                ((rc = ordo_decide_stock_open(&d->stock, dir, info.next_seq - 1, err)) ||
                 (rc = ordo_store_open(d->opt.data_dir, &cfg, &d->ckpt, err)) ||
                 (rc = ordo_store_checkpoint(d->store, 0, false, err)) ||
                 /* the secret read now: decide then computes pseudonyms
                  * without the connection */
                 (rc = ordo_store_customer_key_of(d->store, "-", key, err)) ||
                 (d->group && (rc = applier_start(d, err)))))
                goto fail;
            d->cust = calloc(CUST_SLOTS, sizeof *d->cust); /* NULL: nothing remembered */
            d->cust_epoch = 1;
            if (d->opt.defer_records && d->group && !d->stock.rows) {
                if (pthread_mutex_init(&d->qmu, NULL)) {
                    rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot create a mutex");
                    goto fail;
                }
                if (pthread_mutex_init(&d->wmu, NULL)) {
                    pthread_mutex_destroy(&d->qmu);
                    rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot create a mutex");
                    goto fail;
                }
                d->defer = true;
                d->next_seq = info.next_seq;
            }
        }
    }
    if ((rc = load_default(d, err)))
        goto fail;
    *out = d;
    return ORDO_OK;
fail:
    ordo_decider_close(d, NULL);
    return rc;
}

/* The store's latest signal version, swapped into the engine when it
 * moved (ordo_engine_set_signals: decisions running elsewhere keep the
 * snapshot they loaded). */
static int signals_refresh(ordo_decider_t *d, ordo_error_t *err)
{
    uint64_t v;
    int rc = ordo_store_signals_latest(d->store, &v, err);
    if (rc || v == d->signals_version)
        return rc;
    ordo_signals_t *snap;
    if ((rc = ordo_signals_load(d->store, d->net, v, &snap, err)))
        return rc;
    ordo_engine_set_signals(d->eng, snap);
    d->signals_version = v;
    return ORDO_OK;
}

int ordo_decider_reload(ordo_decider_t *d, ordo_error_t *err)
{
    if (!d->registry)
        return ORDO_OK;
    ordo_exp_snapshot_t *s;
    int rc = ordo_exp_snapshot_load(d->registry, &s, err);
    if (rc)
        return rc;
    ordo_exp_snapshot_destroy(d->snapshot);
    d->snapshot = s;
    return ORDO_OK;
}

static int append_record(ordo_decider_t *d, uint16_t type, const ordo_plan_t *plan,
                         const ordo_decision_meta_t *meta, uint64_t *seq, ordo_error_t *err)
{
    ordo_buf_reset(&d->record);
    ordo_jsonw_t w;
    if (d->cbor)
        ordo_jsonw_init_cbor(&w, &d->record);
    else
        ordo_jsonw_init(&w, &d->record, 0);
    ordo_record_write(plan, d->net, meta, &w);
    int rc = ordo_jsonw_finish(&w);
    if (rc)
        return ordo_error_set(err, rc, NULL, 0, NULL, "cannot serialize the decision record");
    const char *key = plan->order ? plan->order->id : "";
    return ordo_log_append_flags(d->log, type, d->cbor ? ORDO_LOG_FLAG_CBOR : 0, key, strlen(key),
                                 (int64_t)plan->decided_at * 1000000000LL, d->record.data,
                                 d->record.len, seq, err);
}

/* defer_records: a string the record reads, copied into the order's arena
 * (it may point into a policy or a model a reload replaces before the
 * record is encoded). */
static const char *arena_copy(ordo_arena_t *a, const char *s, bool *oom)
{
    if (!s)
        return NULL;
    const char *c = ordo_arena_strdup(a, s);
    *oom |= c == NULL;
    return c;
}

/* defer_records: the decision's record queued under the seq it will get;
 * ordo_decider_records_write encodes and appends it. */
static int queue_record(ordo_decider_t *d, ordo_arena_t *arena, ordo_plan_t *plan,
                        const ordo_decision_meta_t *meta, uint64_t *seq, ordo_error_t *err)
{
    int rc = atomic_load(&d->records_rc);
    if (rc)
        return ordo_error_set(err, rc, NULL, 0, NULL,
                              "an earlier decision record could not be appended");
    bool oom = false;
    plan->policy_name = arena_copy(arena, plan->policy_name, &oom);
    plan->policy_version = arena_copy(arena, plan->policy_version, &oom);
    plan->strategy = arena_copy(arena, plan->strategy, &oom);
    plan->fallback_reason = arena_copy(arena, plan->fallback_reason, &oom);
    plan->eta_model = arena_copy(arena, plan->eta_model, &oom);
    plan->risk_model = arena_copy(arena, plan->risk_model, &oom);
    plan->netval_model = arena_copy(arena, plan->netval_model, &oom);
    ordo_decision_meta_t *m = ordo_arena_alloc(arena, sizeof *m);
    if (m) {
        *m = *meta;
        m->experiment = arena_copy(arena, meta->experiment, &oom);
        m->variant = arena_copy(arena, meta->variant, &oom);
        m->unit = arena_copy(arena, meta->unit, &oom);
        m->cluster = arena_copy(arena, meta->cluster, &oom);
        m->model_version = arena_copy(arena, meta->model_version, &oom);
        m->customer_key = arena_copy(arena, meta->customer_key, &oom);
    }
    pthread_mutex_lock(&d->qmu);
    if (m && !oom && d->n_queued == d->cap_queued) {
        size_t cap = d->cap_queued ? 2 * d->cap_queued : 256;
        queued_record_t *q = realloc(d->queued, cap * sizeof *q);
        if (q)
            d->queued = q, d->cap_queued = cap;
    }
    bool room = m && !oom && d->n_queued < d->cap_queued;
    if (room)
        d->queued[d->n_queued++] = (queued_record_t){plan, m, d->next_seq};
    pthread_mutex_unlock(&d->qmu);
    if (!room)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    *seq = d->next_seq++;
    return ORDO_OK;
}

/* The queued records appended in order (wmu held). */
static int records_write_locked(ordo_decider_t *d, ordo_error_t *err)
{
    int rc = atomic_load(&d->records_rc);
    if (rc)
        return ordo_error_set(err, rc, NULL, 0, NULL,
                              "an earlier decision record could not be appended");
    pthread_mutex_lock(&d->qmu); /* the queue swapped for the empty buffer */
    queued_record_t *w = d->queued;
    size_t n = d->n_queued, cap = d->cap_queued;
    d->queued = d->writing;
    d->cap_queued = d->cap_writing;
    d->n_queued = 0;
    d->writing = w;
    d->cap_writing = cap;
    pthread_mutex_unlock(&d->qmu);
    for (size_t i = 0; i < n && rc == ORDO_OK; i++) {
        uint64_t seq = 0;
        rc = append_record(d, ORDO_LOG_REC_DECISION, w[i].plan, w[i].meta, &seq, err);
        if (rc == ORDO_OK && seq != w[i].seq)
            rc = ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL,
                                "record %llu was decided as %llu (another writer of the log?)",
                                (unsigned long long)seq, (unsigned long long)w[i].seq);
    }
    if (rc)
        atomic_store(&d->records_rc, rc);
    return rc;
}

int ordo_decider_records_write(ordo_decider_t *d, ordo_error_t *err)
{
    if (!d->defer)
        return ORDO_OK;
    pthread_mutex_lock(&d->wmu);
    int rc = records_write_locked(d, err);
    pthread_mutex_unlock(&d->wmu);
    return rc;
}

bool ordo_decider_records_deferred(const ordo_decider_t *d)
{
    return d->defer;
}

/* A record appended now (a shadow): after the queued ones, in order. */
static int append_now(ordo_decider_t *d, uint16_t type, const ordo_plan_t *plan,
                      const ordo_decision_meta_t *meta, uint64_t *seq, ordo_error_t *err)
{
    if (!d->defer)
        return append_record(d, type, plan, meta, seq, err);
    pthread_mutex_lock(&d->wmu);
    uint64_t s = 0;
    int rc = records_write_locked(d, err);
    if (rc == ORDO_OK)
        rc = append_record(d, type, plan, meta, &s, err);
    if (rc == ORDO_OK && s != d->next_seq)
        rc = ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL,
                            "record %llu was expected as %llu (another writer of the log?)",
                            (unsigned long long)s, (unsigned long long)d->next_seq);
    if (rc == ORDO_OK)
        d->next_seq = s + 1;
    else
        atomic_store(&d->records_rc, rc);
    pthread_mutex_unlock(&d->wmu);
    if (seq)
        *seq = s;
    return rc;
}

/* One order's way through the decision path. */
typedef struct decide_step {
    ordo_decider_t *d;
    const ordo_order_t *order;
    int64_t now;
    ordo_arena_t *arena;
    ordo_decision_t *out;
    const ordo_policy_t *policy;
    ordo_decision_meta_t meta;
    ordo_order_ctx_t ctx;
    ordo_exp_units_t units;
    ordo_exp_route_t *route; /* NULL: no experiment runs */
    /* shadows, decided before the real decision reserves its stock */
    size_t n_shadows;
    ordo_exp_shadow_t shadows[MAX_SHADOWS];
    ordo_plan_t *shadow_plans[MAX_SHADOWS];
    bool has_control_plan; /* control_plan_cost computed before the reservation */
    double control_plan_cost;
    char customer_key[ORDO_CUSTOMER_KEY_LEN]; /* the record's customer pseudonym */
    bool map_customer;                        /* its mapping is to be queued with the record */
    bool force_fallback; /* rows: the policy's plans were refused, its fallback decides */
    uint64_t rows_seq;   /* rows: the seq the plan's reservation was stored under */
    /* the signal snapshot every plan of this order reads (loaded once) */
    const ordo_signals_t *signals;
} decide_step_t;

/* The acting entry's assignment, as the record carries it: experiment,
 * variant, bucket and the randomization unit, cluster and window. */
static int take_assignment(decide_step_t *st, const ordo_exp_route_entry_t *e, ordo_error_t *err)
{
    ordo_decision_t *out = st->out;
    /* copied: the snapshot they come from is replaced when the registry
     * changes (watch_store), the decision lives as long as the arena */
    out->experiment = ordo_arena_strdup(st->arena, e->experiment);
    out->variant = ordo_arena_strdup(st->arena, e->variant);
    if (!out->experiment || !out->variant)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    out->bucket = e->bucket;
    /* killed-to-control and burn-in orders are not exposures */
    out->excluded = e->excluded || !e->in_experiment;
    out->unit = e->unit;
    out->cluster = e->cluster;
    out->window = e->window;
    if (e->cluster && e->window >= 0) {
        size_t n = strlen(e->cluster) + 24;
        char *u = ordo_arena_alloc(st->arena, n);
        if (!u)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        snprintf(u, n, "%s:%lld", e->cluster, (long long)e->window);
        out->unit = u;
    }
    st->meta.experiment = out->experiment;
    st->meta.variant = out->variant;
    st->meta.bucket = e->bucket;
    st->meta.excluded = out->excluded;
    /* a customer unit is recorded as the customer's pseudonym */
    st->meta.unit = out->unit && st->meta.customer_key && out->unit != st->order->id &&
                            !strcmp(out->unit, st->order->customer_id)
                        ? st->meta.customer_key
                        : out->unit;
    st->meta.cluster = out->cluster;
    st->meta.window = out->window;
    return ORDO_OK;
}

/* Routes the order through the running experiments: the policy to run and
 * the assignment. */
static int route_order(decide_step_t *st, ordo_error_t *err)
{
    ordo_decider_t *d = st->d;
    if (!d->snapshot || ordo_exp_snapshot_count(d->snapshot) == 0)
        return ORDO_OK;
    ordo_order_ctx_init(&st->ctx, st->order, d->net);
    ordo_exp_route_t *route = ordo_arena_alloc(st->arena, sizeof *route);
    if (!route)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    st->route = route;
    int rc;
    if ((rc = ordo_exp_route(d->snapshot, &st->ctx, &st->units, st->now, route, err)))
        return rc;
    if (route->needs_refill && d->store) {
        conn_lock(d);
        (void)ordo_exp_snapshot_refill(d->snapshot, d->store, NULL);
        conn_unlock(d);
    }
    if (route->policy_version && route->policy_version[0] &&
        (rc = policy_for(d, route->policy_version, &st->policy, err)))
        return rc;
    const ordo_exp_route_entry_t *e = route->acting >= 0 ? &route->entries[route->acting]
                                      : route->n         ? &route->entries[0]
                                                         : NULL;
    if (e)
        st->out->route_reason = ordo_exp_route_reason_name(e->reason);
    return route->acting >= 0 ? take_assignment(st, e, err) : ORDO_OK;
}

/* The control policy's version when order's acting arm runs another policy
 * (its plan is then CUPED's covariate), else NULL. */
static const char *other_control_version(const decide_step_t *st)
{
    const ordo_exp_route_t *route = st->route;
    if (!st->d->log || !route || route->acting < 0)
        return NULL;
    const ordo_exp_route_entry_t *e = &route->entries[route->acting];
    const char *cv = ordo_exp_snapshot_control_version(st->d->snapshot, (size_t)route->acting);
    if (e->variant_index == 0 || !cv || !strcmp(cv, st->policy->version))
        return NULL;
    return cv;
}

/* Everything decided on the order's behalf without acting — the shadow
 * policies' plans and the control policy's plan cost (CUPED's covariate) —
 * is decided before the real decision reserves its units, so that it sees
 * the stock the real decision saw (docs/reports.md). Nothing here reserves. */
static int decide_unreserved(decide_step_t *st, ordo_error_t *err)
{
    ordo_decider_t *d = st->d;
    int rc;
    const char *cv = other_control_version(st);
    if (cv) {
        const ordo_policy_t *cp;
        ordo_plan_t *cplan;
        ordo_decide_opts_t co = {.now = st->now, .signals = st->signals}; /* never reserves */
        if ((rc = policy_for(d, cv, &cp, err)) ||
            (rc = ordo_source_decide(d->eng, cp, st->order, &co, st->arena, &cplan, err)))
            return rc;
        st->has_control_plan = true;
        st->control_plan_cost = cplan->cost.total;
    }
    if (!d->opt.shadows || !st->route || !d->log)
        return ORDO_OK;
    size_t n = 0;
    if ((rc = ordo_exp_shadow_policies(d->snapshot, &st->ctx, &st->units, st->route, st->shadows,
                                       MAX_SHADOWS, &n, err)))
        return rc;
    st->n_shadows = n > MAX_SHADOWS ? MAX_SHADOWS : n;
    for (size_t i = 0; i < st->n_shadows; i++) {
        const ordo_policy_t *sp;
        ordo_decide_opts_t so = {.now = st->now, .signals = st->signals}; /* never reserves */
        if ((rc = policy_for(d, st->shadows[i].policy_version, &sp, err)) ||
            (rc = ordo_source_decide(d->eng, sp, st->order, &so, st->arena, &st->shadow_plans[i],
                                     err)))
            return rc;
        st->shadow_plans[i]->decided_at = st->now;
    }
    return ORDO_OK;
}

/* CUPED's covariate: the plan cost under the control policy, known before
 * assignment. A control order's own plan is that plan; another arm's was
 * decided before the reservation (decide_unreserved). */
static void control_cost(decide_step_t *st)
{
    const ordo_exp_route_t *route = st->route;
    if (!st->d->log || !route || route->acting < 0)
        return;
    const ordo_exp_route_entry_t *e = &route->entries[route->acting];
    const char *cv = ordo_exp_snapshot_control_version(st->d->snapshot, (size_t)route->acting);
    if (e->variant_index == 0 || (cv && !strcmp(cv, st->policy->version))) {
        st->meta.has_control_cost = true;
        st->meta.control_cost = st->out->plan->cost.total;
    } else if (st->has_control_plan) {
        st->meta.has_control_cost = true;
        st->meta.control_cost = st->control_plan_cost;
    }
}

/* Logs the shadow plans decided before the reservation as shadow records,
 * right after the real decision. */
static int log_shadows(decide_step_t *st, ordo_error_t *err)
{
    for (size_t i = 0; i < st->n_shadows; i++) {
        ordo_decision_meta_t sm;
        ordo_decision_meta_init(&sm);
        sm.experiment = st->shadows[i].experiment;
        sm.variant = st->shadows[i].variant ? st->shadows[i].variant : "";
        sm.shadow = true;
        sm.customer_key = st->meta.customer_key;
        int rc = append_now(st->d, ORDO_LOG_REC_SHADOW, st->shadow_plans[i], &sm, NULL, err);
        if (rc)
            return rc;
        st->out->shadows++;
    }
    return ORDO_OK;
}

/* Another handle changed the store (a kill, pause, stop, start or
 * conclude, a new default policy, an ingest): reload the experiment
 * snapshot and the registry's default policy before this order routes, so
 * that a kill switch takes effect on the next order of every running
 * decider. One SQLite statement step per order when nothing changed. */
static int watch_store(ordo_decider_t *d, ordo_error_t *err)
{
    uint64_t v;
    int rc = ordo_store_data_version(d->store, &v, err);
    if (rc || v == d->data_version)
        return rc;
    if ((rc = ordo_decider_reload(d, err)) || (rc = signals_refresh(d, err)))
        return rc;
    /* a snapshot, delta, release or ingest may have changed the stock;
     * an erasure the customer mappings */
    if (d->has_stock && (rc = ordo_decide_stock_load(&d->stock, err)))
        return rc;
    customer_forget(d);
    d->data_version = v;
    if (d->opt.default_policy)
        return ORDO_OK;
    char version[ORDO_POLICY_VERSION_LEN];
    ordo_error_t e2 = {0};
    if (ordo_exp_default_policy_get(d->store, version, NULL, NULL, &e2) != ORDO_OK)
        return ORDO_OK; /* none set: the built-in default stays */
    return policy_for(d, version, &d->default_policy, err);
}

/* The acting policy's plan, reserved in memory. When the store owns the
 * stock, the decider holds the store's write transaction (opened before
 * the order, after which nothing else can change the stock) and its
 * memory copy is exact: a plan reserved in memory fits the store, and its
 * lines are queued for the store when the record is appended. */
static int decide_reserved(decide_step_t *st, ordo_error_t *err)
{
    ordo_decider_t *d = st->d;
    ordo_decide_opts_t dopts = {.signals = st->signals};
    dopts.explain = d->opt.explain;
    dopts.reserve = d->opt.reserve || d->has_stock;
    dopts.now = st->now; /* an order without `created` is decided as of it */
    dopts.deadline_ns = d->deadline_ns;
    dopts.force_fallback = st->force_fallback;
    return ordo_source_decide(d->eng, st->policy, st->order, &dopts, st->arena, &st->out->plan,
                              err);
}

/* ordo_decide_stock_commit, noting the last record it covers. */
static int stock_commit_locked(ordo_decider_t *d, ordo_error_t *err)
{
    uint64_t last = d->stock.tx_last_seq;
    int rc = ordo_decide_stock_commit(&d->stock, err);
    if (rc == ORDO_OK && last > atomic_load(&d->store_seq))
        atomic_store(&d->store_seq, last);
    return rc;
}

/* Commits the store's open transaction once a log commit has happened
 * since it began and it is 500 ms old (or at 8192 decisions whatever
 * happened; and whenever the front end waits for input, ordo_decider_idle):
 * a store transaction spans many log groups, so that a hot page of the
 * stock table is written once for many decisions (a commit per log group
 * wrote 2.1 times the pages). Its timing does not matter to correctness
 * (the log is the stock's write-ahead log); it bounds how long other
 * writers wait for the store. */
static bool stock_group_due(ordo_decider_t *d)
{
    uint64_t now = ordo_now_ns();
    if (!d->stock_tx_started)
        d->stock_tx_started = now;
    /* PostgreSQL (store_ack): at the first turn after a log commit */
    return d->stock.tx_orders >= 8192 ||
           (atomic_load(&d->commits) != d->commits_seen &&
            (d->store_ack || now - d->stock_tx_started >= 500000000ull));
}

static int stock_group_check(ordo_decider_t *d, ordo_error_t *err)
{
    uint64_t c = atomic_load(&d->commits);
    if (!d->stock.tx) {
        d->commits_seen = c;
        d->stock_tx_started = 0;
        return ORDO_OK;
    }
    if (!stock_group_due(d))
        return ORDO_OK;
    d->commits_seen = c;
    d->stock_tx_started = 0;
    int rc = stock_commit_locked(d, err);
    /* a moment without the write lock before the next transaction, so that
     * a writer waiting for it (an exp kill, a delta: their busy handler
     * retries every millisecond) gets it now, not after the batch
     * (PostgreSQL queues waiters for the lock: they get it at once) */
    struct timespec ts = {0, 2000000};
    if (!d->store_ack)
        nanosleep(&ts, NULL);
    return rc;
}

/* The decision's record, then its reservations under the record's seq. */
static int log_decision(decide_step_t *st, ordo_error_t *err)
{
    ordo_decider_t *d = st->d;
    int rc = d->defer ? queue_record(d, st->arena, st->out->plan, &st->meta, &st->out->seq, err)
                      : append_record(d, ORDO_LOG_REC_DECISION, st->out->plan, &st->meta,
                                      &st->out->seq, err);
    const char *cust = st->map_customer ? st->units.customer_id : NULL;
    if (rc == ORDO_OK && st->rows_seq && st->out->seq != st->rows_seq)
        rc = ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL,
                            "record %llu was reserved as %llu (another writer of the log?)",
                            (unsigned long long)st->out->seq, (unsigned long long)st->rows_seq);
    if (rc == ORDO_OK && d->has_stock)
        rc = ordo_decide_stock_record(&d->stock, st->out->plan, st->out->seq, cust, err);
    if (rc && d->has_stock) { /* recovery re-applies what the log holds */
        customer_forget(d);   /* the queued mappings are lost with the group */
        conn_lock(d);
        ordo_decide_stock_abort(&d->stock);
        conn_unlock(d);
    }
    return rc;
}

/* PostgreSQL: a store group was lost (an apply or a commit failed: the
 * server restarted, the connection broke). The log's records are made
 * durable, then the store is rebuilt from the log as at open (recovery
 * re-applies the records after the store's mark), so the decider recovers
 * by itself once the server answers; until then every order fails with
 * the store's error (EBUSY: 503 and Retry-After from ordo serve). */
static int stock_heal(ordo_decider_t *d, ordo_error_t *err)
{
    ordo_decide_stock_abort(&d->stock);
    ordo_datadir_t dd;
    int rc = ordo_log_flush(d->log, err);
    if (rc == ORDO_OK)
        rc = ordo_datadir_init(&dd, d->opt.data_dir, err);
    if (rc)
        return rc;
    ordo_log_stats_t ls;
    ordo_log_get_stats(d->log, &ls);
    d->stock.apply_rc = 0;
    rc = ordo_decide_stock_open(&d->stock, dd.log, ls.last_seq, err);
    d->stock.aborted = rc != ORDO_OK; /* again at the next order */
    if (rc == ORDO_OK && ls.last_seq > atomic_load(&d->store_seq))
        atomic_store(&d->store_seq, ls.last_seq);
    return rc;
}

/* The decider's turn at the store before an order: the group's commit when
 * it is due, then the transaction of the next (another connection's
 * commit since the last one: the experiments and the stock reloaded). */
static int stock_turn(ordo_decider_t *d, ordo_error_t *err)
{
    /* the common case, without the connection (the applier keeps it): the
     * group's transaction is open, not due, and no apply failed */
    if (d->stock.tx && !atomic_load(&d->stock.apply_rc) && !stock_group_due(d))
        return ORDO_OK;
    conn_lock(d);
    bool begun = false;
    int rc = ORDO_OK;
    if ((d->stock.aborted || d->stock.apply_rc) &&
        !strcmp(ordo_store_backend_name(d->store), "postgres"))
        rc = stock_heal(d, err);
    if (rc == ORDO_OK)
        rc = stock_group_check(d, err);
    if (rc == ORDO_OK)
        rc = ordo_decide_stock_begin(&d->stock, &begun, err);
    if (rc == ORDO_OK && begun)
        rc = watch_store(d, err);
    conn_unlock(d);
    return rc;
}

/* PostgreSQL (stock.rows): the decider's turn before an order. No store
 * transaction stays open: a lost store is rebuilt (stock_heal), and every
 * 20 ms data_version is read (another handle's release, delta, ingest or
 * experiment change: reloaded); other instances' reservations do not move
 * it, they show as refused cells (rows_take). */
#define ROWS_WATCH_NS 20000000ull
static int rows_turn(ordo_decider_t *d, ordo_error_t *err)
{
    uint64_t now = ordo_now_ns();
    bool heal = d->stock.aborted || atomic_load(&d->stock.apply_rc);
    if (!heal && now - d->rows_watched < ROWS_WATCH_NS)
        return ORDO_OK;
    conn_lock(d);
    int rc = heal ? stock_heal(d, err) : ORDO_OK;
    if (rc == ORDO_OK && (rc = watch_store(d, err)) == ORDO_OK)
        d->rows_watched = now;
    conn_unlock(d);
    return rc;
}

/* PostgreSQL (stock.rows): the plan's cells reserved in the store before
 * its record is appended (under the seq the record will get). A refused
 * cell (another instance took its units) is re-read and the order decided
 * again: ROWS_TRIES times by its policy, then by the policy's fallback;
 * past that EBUSY (503: retry). A store error marks the stock for healing,
 * which drops a reservation whose record was never appended. */
#define ROWS_TRIES 3
static int rows_take(decide_step_t *st, ordo_error_t *err)
{
    ordo_decider_t *d = st->d;
    const char *cust = st->map_customer ? st->units.customer_id : NULL;
    for (int attempt = 1;; attempt++) {
        if (!st->out->plan->reserved && !cust)
            return ORDO_OK;
        ordo_log_stats_t ls;
        ordo_log_get_stats(d->log, &ls);
        bool taken;
        conn_lock(d);
        int rc = ordo_decide_stock_rows_take(&d->stock, st->out->plan, ls.last_seq + 1, cust,
                                             &taken, err);
        if (rc)
            d->stock.aborted = true;
        conn_unlock(d);
        if (rc || taken) {
            st->rows_seq = rc ? 0 : ls.last_seq + 1;
            return rc;
        }
        atomic_fetch_add(&d->stock.refused, 1);
        if (attempt == 2 * ROWS_TRIES)
            return ordo_error_set(err, ORDO_EBUSY, NULL, 0, "stock",
                                  "order '%s': %d plans refused, their stock taken by other "
                                  "instances (retry)",
                                  st->order->id ? st->order->id : "", attempt);
        st->force_fallback = attempt >= ROWS_TRIES;
        if (attempt == 2 * ROWS_TRIES - 1) { /* the last try: every cell re-read */
            conn_lock(d);
            rc = ordo_decide_stock_load(&d->stock, err);
            conn_unlock(d);
        }
        if (rc || (rc = decide_reserved(st, err)))
            return rc;
    }
}

/* PostgreSQL (stock.rows): the reservations committed so far made durable
 * (they commit without waiting for the server's WAL flush): one flush per
 * group, before its answers leave. A failure marks the stock for healing. */
static int rows_sync(ordo_decider_t *d, ordo_error_t *err)
{
    if (!d->has_stock || !d->stock.rows)
        return ORDO_OK;
    conn_lock(d);
    int rc = ordo_store_sync(d->store, err);
    if (rc)
        d->stock.aborted = true;
    conn_unlock(d);
    return rc;
}

int ordo_decider_replay_check(ordo_decider_t *d, uint64_t seq, const void *payload, size_t len,
                              bool *lost, ordo_error_t *err)
{
    *lost = false;
    if (!d->has_stock || !d->stock.rows)
        return ORDO_OK;
    int rc = rows_turn(d, err); /* a lost store rebuilt first */
    if (rc)
        return rc;
    ordo_arena_t *arena = ordo_arena_create(1 << 14);
    if (!arena)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    ordo_record_t rec;
    conn_lock(d);
    rc = ordo_record_read(payload, len, 0, arena, &rec, err);
    if (rc == ORDO_OK && (rc = ordo_decide_stock_rows_check(&d->stock, seq, &rec, lost, err)))
        d->stock.aborted = true;
    conn_unlock(d);
    ordo_arena_destroy(arena);
    return rc ? rc : rows_sync(d, err);
}

static int stock_commit(ordo_decider_t *d, ordo_error_t *err)
{
    conn_lock(d);
    int rc = stock_commit_locked(d, err);
    conn_unlock(d);
    return rc;
}

int ordo_decider_decide(ordo_decider_t *d, const ordo_order_t *order, int64_t now,
                        ordo_arena_t *arena, ordo_decision_t *out, ordo_error_t *err)
{
    int rc;
    if (d->has_stock ? (rc = d->stock.rows ? rows_turn(d, err) : stock_turn(d, err))
        : d->store ? (rc = watch_store(d, err))
                     : 0)
        return rc;
    memset(out, 0, sizeof *out);
    out->bucket = -1;
    out->window = -1;
    decide_step_t st = {.d = d,
                        .order = order,
                        .now = now ? now : ordo_now_unix(),
                        .arena = arena,
                        .out = out,
                        .policy = d->default_policy,
                        .signals = ordo_engine_signals(d->eng)};
    ordo_decision_meta_init(&st.meta);
    /* the nodes' loads count the units of their local day: a new day's
     * start from zero */
    ordo_engine_roll_loads(d->eng, order->created ? order->created : st.now);
    st.units.order_id = order->id;
    st.units.customer_id = order->customer_id && order->customer_id[0] ? order->customer_id : NULL;
    if (d->log && st.units.customer_id) {
        /* the pseudonym only: its mapping is queued with the record's
         * reservations and written by the applier (ordo_decide_stock_record) */
        rc = d->has_stock
                 ? customer_key(d, order->customer_id, st.customer_key, &st.map_customer, err)
                 : ordo_store_customer_key(d->store, order->customer_id, st.customer_key, err);
        if (rc)
            return rc;
        st.meta.customer_key = st.customer_key;
    }
    if ((rc = route_order(&st, err)))
        return rc;
    if ((rc = decide_unreserved(&st, err)))
        return rc;
    if ((rc = decide_reserved(&st, err)))
        return rc;
    if (d->has_stock && d->stock.rows && d->log && (rc = rows_take(&st, err)))
        return rc;
    out->plan->decided_at = st.now;
    control_cost(&st);
    out->has_control_cost = st.meta.has_control_cost;
    out->control_cost = st.meta.control_cost;
    if (d->log && (rc = log_decision(&st, err)))
        return rc;
    if ((rc = log_shadows(&st, err)))
        return rc;
    /* without group commit each decision is its own group */
    if (d->has_stock && !d->group && (rc = rows_sync(d, err)))
        return rc;
    return d->has_stock && !d->group && !d->opt.store_batch ? stock_commit(d, err) : ORDO_OK;
}

int ordo_decider_flush(ordo_decider_t *d, ordo_error_t *err)
{
    int rc = ordo_decider_records_write(d, err);
    rc = rc ? rc : d->has_stock ? stock_commit(d, err) : ORDO_OK;
    rc = rc ? rc : d->log ? ordo_log_flush(d->log, err) : ORDO_OK;
    return rc ? rc : rows_sync(d, err);
}

int ordo_decider_commit_durable(ordo_decider_t *d, ordo_error_t *err)
{
    /* touches only the log (thread-safe): may run beside decide; a flush
     * with nothing pending returns at once. The store's group is
     * committed by the decider's own thread at its next order (or at
     * flush and close): until then recovery rebuilds it from the log. */
    int rc = ordo_decider_records_write(d, err); /* defer_records: encoded here */
    if (rc == ORDO_OK && d->group)
        rc = ordo_log_flush(d->log, err);
    /* PostgreSQL: then the group's reservations (each committed before its
     * record was appended, so all of them are covered) */
    if (rc == ORDO_OK)
        rc = rows_sync(d, err);
    if (rc == ORDO_OK)
        atomic_fetch_add(&d->commits, 1);
    return rc;
}

/* The store's follow-up of the commits so far (one thread at a time:
 * ckpt_at, the checkpoint handle). */
static void after_commits(ordo_decider_t *d)
{
    uint64_t n = atomic_load(&d->commits);
    /* the store's WAL, copied into the database here rather than in
     * decide's thread; best effort (the next one catches up) */
    if (d->ckpt && n - d->ckpt_at >= 16) {
        d->ckpt_at = n;
        (void)ordo_store_checkpoint(d->ckpt, -1, true, NULL);
    }
    /* the committed records' reservations, into the store's open
     * transaction on this thread; a failure is kept and stops the
     * decider at its next order */
    if (d->has_stock)
        (void)ordo_decide_stock_apply(&d->stock, NULL);
}

uint64_t ordo_decider_stock_refused(const ordo_decider_t *d)
{
    return d->has_stock ? atomic_load(&d->stock.refused) : 0;
}

int ordo_decider_store_wait(ordo_decider_t *d, uint64_t seq, uint32_t timeout_ms, ordo_error_t *err)
{
    if (!d->has_stock || !d->store_ack || d->stock.rows) /* rows: stored before logged */
        return ORDO_OK;
    uint64_t end = ordo_now_ns() + (uint64_t)timeout_ms * 1000000u;
    while (atomic_load(&d->store_seq) < seq) {
        if (ordo_now_ns() >= end)
            return ordo_error_set(err, ORDO_EBUSY, NULL, 0, "store.postgres.dsn",
                                  "the reservations of record %llu are not committed in "
                                  "PostgreSQL yet (the record is in the log: retry the order)",
                                  (unsigned long long)seq);
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    return ORDO_OK;
}

static void *applier_main(void *arg)
{
    ordo_decider_t *d = arg;
    uint64_t seen = 0;
    pthread_setname_np(pthread_self(), "ordo-stock");
    pthread_mutex_lock(&d->amu);
    for (;;) {
        while (d->apply_req == seen && !d->apply_stop)
            pthread_cond_wait(&d->acv, &d->amu);
        if (d->apply_req == seen)
            break;           /* stopped, nothing left */
        seen = d->apply_req; /* one pass covers every commit so far */
        pthread_mutex_unlock(&d->amu);
        after_commits(d);
        pthread_mutex_lock(&d->amu);
    }
    pthread_mutex_unlock(&d->amu);
    return NULL;
}

/* With group commit and stock: the follow-up runs on the decider's own
 * applier thread, so commit_after returns at once. */
static int applier_start(ordo_decider_t *d, ordo_error_t *err)
{
    if (pthread_mutex_init(&d->amu, NULL))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot create a mutex");
    if (pthread_cond_init(&d->acv, NULL)) {
        pthread_mutex_destroy(&d->amu);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot create a condition");
    }
    if (pthread_create(&d->applier, NULL, applier_main, d)) {
        pthread_cond_destroy(&d->acv);
        pthread_mutex_destroy(&d->amu);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot start a thread");
    }
    d->has_applier = true;
    return ORDO_OK;
}

/* Lets the applier finish what was asked of it, and stops it. */
static void applier_stop(ordo_decider_t *d)
{
    if (!d->has_applier)
        return;
    pthread_mutex_lock(&d->amu);
    d->apply_stop = true;
    pthread_cond_signal(&d->acv);
    pthread_mutex_unlock(&d->amu);
    pthread_join(d->applier, NULL);
    pthread_cond_destroy(&d->acv);
    pthread_mutex_destroy(&d->amu);
    d->has_applier = false;
}

void ordo_decider_commit_after(ordo_decider_t *d)
{
    if (!d->has_applier) {
        after_commits(d);
        return;
    }
    pthread_mutex_lock(&d->amu);
    d->apply_req++;
    pthread_cond_signal(&d->acv);
    pthread_mutex_unlock(&d->amu);
}

int ordo_decider_commit(ordo_decider_t *d, ordo_error_t *err)
{
    int rc = ordo_decider_commit_durable(d, err);
    if (rc == ORDO_OK)
        ordo_decider_commit_after(d);
    return rc;
}

int ordo_decider_idle(ordo_decider_t *d, ordo_error_t *err)
{
    if (d->has_stock && d->store_ack && (d->stock.aborted || d->stock.apply_rc)) {
        conn_lock(d); /* a lost group: rebuilt now, so that answers waiting for it go */
        int rc = stock_heal(d, err);
        conn_unlock(d);
        return rc;
    }
    if (!d->has_stock || !d->stock.tx)
        return ORDO_OK;
    d->commits_seen = atomic_load(&d->commits);
    d->stock_tx_started = 0;
    return stock_commit(d, err);
}

int ordo_decider_close(ordo_decider_t *d, ordo_error_t *err)
{
    if (!d)
        return ORDO_OK;
    int rc = ordo_decider_records_write(d, err);
    applier_stop(d);
    if (d->has_stock && rc == ORDO_OK) {
        ordo_log_stats_t ls;
        ordo_log_get_stats(d->log, &ls);
        conn_lock(d);
        rc = ordo_decide_stock_close(&d->stock, ls.last_seq, err);
        conn_unlock(d);
    }
    if (d->log) {
        int rc2 = ordo_log_close(d->log, rc ? NULL : err);
        if (!rc)
            rc = rc2;
    }
    if (d->follower) /* after the log, whose close hands it the last records */
        d->opt.log_follower->close(d->follower);
    if (d->ckpt) {
        (void)ordo_store_checkpoint(d->ckpt, -1, true, NULL);
        ordo_store_close(d->ckpt, NULL);
    }
    ordo_exp_snapshot_destroy(d->snapshot);
    ordo_exp_registry_close(d->registry);
    int rc2 = d->store ? ordo_store_close(d->store, rc ? NULL : err) : ORDO_OK;
    for (uint32_t i = 0; i < d->n_cache; i++)
        ordo_policy_destroy(d->cache[i].policy);
    ordo_buf_free(&d->record);
    if (d->defer) {
        pthread_mutex_destroy(&d->qmu);
        pthread_mutex_destroy(&d->wmu);
    }
    free(d->queued);
    free(d->writing);
    ordo_decide_stock_free(&d->stock);
    free(d->cust);
    free(d);
    return rc ? rc : rc2;
}
