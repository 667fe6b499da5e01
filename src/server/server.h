/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — the HTTP front end (docs/internals/SERVER.md).
 *
 * A front end like the CLI: it parses HTTP, checks tokens and limits, and
 * calls libordo; it decides nothing itself. libmicrohttpd serves HTTP on a
 * pool of threads; one decision thread owns the one decider (the log has
 * one writer) and acknowledges /v1/source requests in groups, one
 * fdatasync per group (group commit, docs/internals/LOG.md). */
#ifndef ORDO_SERVER_H
#define ORDO_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ordo/ordo.h"

struct MHD_Connection;
struct MHD_Daemon;

#define SRV_MAX_TOKENS 16
#define SRV_HIST_BUCKETS 14 /* latency buckets, 0.1 ms .. 10 s, plus +Inf */
#define SRV_MAX_VARIANTS 64
#define SRV_MAX_ARENAS 256
/* bytes reserved at once for a /v1/source answer's JSON */
#define SRV_ANSWER_RESERVE 2048

/* A latency histogram, lock-free (atomic counters). */
typedef struct srv_hist {
    _Atomic uint64_t bucket[SRV_HIST_BUCKETS + 1]; /* cumulative at print time */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;
} srv_hist_t;

/* Decisions per (experiment, variant), and whether they fell back. Written
 * by the decision thread only, read under the lock by /metrics. */
typedef struct srv_variant_count {
    char experiment[64];
    char variant[64];
    uint64_t decisions;
} srv_variant_count_t;

typedef struct srv_route srv_route_t;

typedef struct srv_metrics {
    srv_hist_t *route_latency;   /* one per route (srv_routes order) */
    _Atomic uint64_t *route_status; /* per route: [2xx, 4xx, 5xx] */
    srv_hist_t fsync;            /* group commits: write + fdatasync */
    _Atomic uint64_t fallbacks;
    _Atomic uint64_t decisions;
    _Atomic uint64_t idempotent_replays;
    _Atomic uint64_t overload_503;
    _Atomic uint64_t groups;
    pthread_mutex_t lock;        /* variants */
    srv_variant_count_t variants[SRV_MAX_VARIANTS];
    uint32_t n_variants;
} srv_metrics_t;

typedef struct srv_req srv_req_t;

/* The decision queue: requests waiting for the decision thread. */
typedef struct srv_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    srv_req_t *head, *tail;
    uint32_t depth;
    bool stop;
    bool waiting;             /* the decision thread waits on cond: a push signals */
    pthread_t thread;
    bool started;
    /* the committer: one decided group at a time, committed and answered
     * while the decision thread decides the next */
    pthread_mutex_t commit_lock;
    pthread_cond_t commit_cond;
    srv_req_t *handoff;       /* the groups waiting for the committer */
    srv_req_t *handoff_tail;
    bool commit_stop;
    bool commit_waiting;      /* the committer waits on commit_cond: a hand-off signals */
    uint64_t answered_ns;     /* when the committer last finished a turn (ordo_now_ns) */
    pthread_t committer;
} srv_queue_t;

/* The learned models decisions use (models.c): written under lock by a
 * reload, read by GET /v1/models and /metrics. */
enum { SRV_MODEL_ETA, SRV_MODEL_RISK, SRV_MODEL_NETVAL, SRV_MODEL_KINDS };

/* One loaded model (server.models.eta, server.models.risk). */
typedef struct srv_model_slot {
    bool loaded;
    char version[32];             /* "eta-v3", "risk-v2" */
    char hash[17];
    char path[ORDO_CONFIG_PATH_MAX + 64];
    int64_t trained_until;
    uint64_t rows;                /* ETA: shipments; risk, netval: orders */
    uint32_t lanes;               /* ETA only */
    int32_t return_days;          /* risk only: its return window (ordo_risk_drift_return_days) */
} srv_model_slot_t;

typedef struct srv_models {
    pthread_mutex_t lock;
    srv_model_slot_t slot[SRV_MODEL_KINDS]; /* by SRV_MODEL_* */
    int64_t loaded_at;            /* Unix seconds of the last good load */
    uint64_t reloads, failures;
    char last_error[256];
} srv_models_t;

/* The loaded risk model's drift, kept as outcomes arrive (drift.c). */
typedef struct srv_drift {
    bool on;                 /* a risk model is loaded */
    int64_t since;           /* its training's end: orders without a later outcome are skipped */
    ordo_risk_drift_t state;
    struct srv_drift_index *index; /* its decisions' predictions by order id */
} srv_drift_t;

typedef struct ordo_server {
    ordo_config_t cfg;
    char data_dir[ORDO_CONFIG_PATH_MAX];
    char log_dir[ORDO_CONFIG_PATH_MAX + 16];
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_policy_t *policy;    /* NULL: the registry's default */
    ordo_decider_t *decider;  /* the decision thread's */
    ordo_arena_t *arena;      /* the decision thread's (batches) */
    pthread_mutex_t arenas_lock; /* free arenas of single decisions */
    ordo_arena_t *arenas[SRV_MAX_ARENAS];
    uint32_t n_arenas;
    ordo_strmap_t *decided;   /* order ids in the log: idempotent retries */
    const char *tokens[SRV_MAX_TOKENS];
    size_t token_len[SRV_MAX_TOKENS];
    uint32_t n_tokens;
    char token_store[ORDO_CONFIG_PATH_MAX];
    struct MHD_Daemon *mhd;
    srv_queue_t queue;
    srv_metrics_t metrics;
    _Atomic uint64_t last_seq; /* the log's last record */
    _Atomic uint32_t inflight;
    _Atomic bool draining;
    uint64_t started_ns;
    /* GET /v1/events streams waiting for records (events.c) */
    pthread_mutex_t streams_lock;
    struct srv_stream *waiting;
    uint64_t stream_wakes;
    char bound[64];           /* the address actually bound, "127.0.0.1:PORT" */
    srv_models_t models;      /* models.c */
    srv_drift_t drift;        /* drift.c */
    ordo_cust_feed_t *cust_feed; /* the engine's customer history (customers.c) */
} ordo_server_t;

/* What a handler answers. */
typedef struct srv_req {
    const srv_route_t *route;
    uint32_t route_index;
    char url[1024];            /* the path, decoded (no query) */
    char arg[256];             /* the {id} of the path, decoded */
    ordo_buf_t body;
    bool body_too_large;
    bool authorized;
    uint64_t t0;
    /* the answer */
    unsigned status;
    ordo_buf_t out;
    const char *content_type;  /* static */
    const void *static_body;   /* an asset: served as is, not copied */
    size_t static_len;
    unsigned retry_after;      /* 503: seconds */
    bool replayed;             /* an idempotent retry */
    ordo_arena_t *arena;       /* /v1/source: holds order and plan until it is written */
    ordo_order_t *order;       /* /v1/source: parsed by the worker, decided by the queue */
    ordo_plan_t *plan;         /* decided, durable, JSON not written yet */
    struct MHD_Response *stream; /* a streamed answer (events), sent as is */
    bool uncounted;            /* not in ordo_server_t.inflight (a long-lived stream) */
    /* /v1/source through the decision thread */
    struct MHD_Connection *conn;
    bool queued;
    _Atomic bool done;
    uint64_t deadline_ns;
    struct srv_req *next;
} srv_req_t;

typedef int (*srv_handler_fn)(ordo_server_t *s, srv_req_t *r);

enum { SRV_WRITE = 1 << 0, SRV_QUEUED = 1 << 1, SRV_PREFIX = 1 << 2, SRV_NO_SHED = 1 << 3 };

struct srv_route {
    const char *method;
    const char *pattern; /* "/v1/experiments/{id}" ; SRV_PREFIX: a prefix */
    const char *suffix;  /* after {id}: ":start", "/report", or NULL */
    unsigned flags;
    srv_handler_fn handler;
    const char *metric;  /* label for /metrics */
};

extern const srv_route_t srv_routes[];
extern const uint32_t srv_n_routes;

/* http.c */
int ordo_server_start(ordo_server_t *s, ordo_error_t *err);
/* Stops taking connections, waits up to wait_ms for requests in progress,
 * stops the decision thread (which commits what it decided), closes. */
void ordo_server_stop(ordo_server_t *s, uint32_t wait_ms);
/* The {"error":{"code","message","field"}} answer. */
int srv_error(srv_req_t *r, unsigned status, const char *code, const char *message,
              const char *field);
int srv_error_from(srv_req_t *r, int rc, const ordo_error_t *err);
/* Matches one route's {id}: the decoded path argument. */
bool srv_route_match(const srv_route_t *rt, const char *method, const char *url, char *arg,
                     size_t argn);
/* A query parameter's decoded value, NULL when absent. */
const char *srv_query(srv_req_t *r, const char *name);

/* open.c: loads the network, policy and decider; builds the retry index. */
int ordo_server_open(ordo_server_t *s, const ordo_config_t *cfg, ordo_error_t *err);
void ordo_server_close(ordo_server_t *s);

/* models.c: server.models.*, loaded at open and on reload */
int srv_models_init(ordo_server_t *s);
void srv_models_free(ordo_server_t *s);
int srv_models_reload(ordo_server_t *s, ordo_error_t *err);
int srv_h_models(ordo_server_t *s, srv_req_t *r);
int srv_h_models_reload(ordo_server_t *s, srv_req_t *r);
void srv_models_metrics(ordo_server_t *s, ordo_buf_t *b);
void srv_models_describe(ordo_server_t *s, char *out, size_t n);
/* server.models.dir, else DATA/models */
int srv_models_dir(const ordo_server_t *s, char *out, size_t n, ordo_error_t *err);

/* drift.c: the risk model's calibration on live outcomes. After a load:
 * the state of the loaded model (its file, else empty: rebuilt from the
 * store at the next update). */
void srv_drift_model(ordo_server_t *s, const srv_model_slot_t *risk);
/* After outcomes were stored: the changed orders into the tables. */
void srv_drift_outcomes(ordo_server_t *s);
/* "drift": {"return": {...}, "cancel": {...}} (null: no risk model), and a
 * "suggestion" on alarm: members of the risk model's object. */
void srv_drift_json(ordo_server_t *s, ordo_jsonw_t *w);
void srv_drift_metrics(ordo_server_t *s, ordo_buf_t *b);
void srv_drift_free(ordo_server_t *s);
/* The start's one read of the log (customers.c): each decision record,
 * then the log's sequence read up to. */
int srv_drift_index_record(ordo_server_t *s, const ordo_record_t *rec);
void srv_drift_index_read(ordo_server_t *s, uint64_t seq);

/* The engine's customer history (customers.c): read at the start, then
 * after each POST /v1/outcomes. */
int srv_customers_open(ordo_server_t *s, ordo_error_t *err);
void srv_customers_outcomes(ordo_server_t *s);
void srv_customers_free(ordo_server_t *s);
/* The outcomes other processes wrote (`ordo outcomes ingest`) into the
 * drift and the customer history: the serve loop's tick (about once a
 * second) and SIGHUP; cheap when the store's outcome sequence has not
 * moved. */
void srv_outcomes_poll(ordo_server_t *s);

/* decide_queue.c */
int srv_queue_start(ordo_server_t *s, ordo_error_t *err);
void srv_queue_stop(ordo_server_t *s);
/* Hands r to the decision thread; it resumes r->conn when r is answered. */
void srv_queue_push(ordo_server_t *s, srv_req_t *r);
/* POST /v1/source on its HTTP worker, before the queue: the order parsed
 * into the request's own arena (r->arena, r->order), off the decision
 * thread. False: answered here (r->status: 400 for a refused order). */
bool srv_source_prepare(ordo_server_t *s, srv_req_t *r);
/* The first decision record of order id as the log holds it (JSON), appended
 * to out; false when none. */
bool srv_stored_record(ordo_server_t *s, const char *id, size_t id_len, ordo_buf_t *out);
/* The plan's JSON, as `ordo source` prints it (compact), into out. */
int srv_plan_json(ordo_server_t *s, const ordo_plan_t *plan, ordo_buf_t *out);
/* Gives a request's arena back to the free list. */
void srv_arena_put(ordo_server_t *s, ordo_arena_t *a);

/* metrics.c */
int srv_metrics_init(srv_metrics_t *m);
void srv_metrics_free(srv_metrics_t *m);
void srv_hist_add(srv_hist_t *h, uint64_t ns);
void srv_metrics_variant(srv_metrics_t *m, const char *experiment, const char *variant);
int srv_h_metrics(ordo_server_t *s, srv_req_t *r);

/* routes_read.c: the GET routes */
/* The data directory's store and experiment registry (create: make the
 * store when missing); close both. */
int srv_open_registry(ordo_server_t *s, bool create, ordo_store_t **store,
                      ordo_exp_registry_t **reg, ordo_error_t *err);
int srv_h_healthz(ordo_server_t *s, srv_req_t *r);
int srv_h_exp_list(ordo_server_t *s, srv_req_t *r);
int srv_h_exp_show(ordo_server_t *s, srv_req_t *r);
int srv_h_exp_report(ordo_server_t *s, srv_req_t *r);
int srv_h_decision(ordo_server_t *s, srv_req_t *r);
int srv_h_network(ordo_server_t *s, srv_req_t *r);
int srv_h_flows(ordo_server_t *s, srv_req_t *r);
int srv_h_asset(ordo_server_t *s, srv_req_t *r);
int srv_h_not_implemented(ordo_server_t *s, srv_req_t *r);
int srv_h_signals(ordo_server_t *s, srv_req_t *r);

/* events.c: GET /v1/events, and the wake-up of its streams after a commit */
int srv_h_events(ordo_server_t *s, srv_req_t *r);
void srv_events_wake(ordo_server_t *s);

/* routes_write.c */
int srv_h_exp_action(ordo_server_t *s, srv_req_t *r);
int srv_h_exp_create(ordo_server_t *s, srv_req_t *r);
int srv_h_inventory(ordo_server_t *s, srv_req_t *r);
int srv_h_outcomes(ordo_server_t *s, srv_req_t *r);
int srv_h_policies(ordo_server_t *s, srv_req_t *r);
int srv_h_policy_register(ordo_server_t *s, srv_req_t *r);

#endif
