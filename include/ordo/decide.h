/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the decision path, end to end (DESIGN: "the flow of one order").
 *
 *   order → assign (experiment, variant, policy version) → engine (plan)
 *         → reserve → decision record in the log → plan
 *   plus, for running experiments with a shadow policy, a second engine run
 *   that does not reserve, logged as a shadow record beside the real one.
 *
 * A decider binds an engine to a data directory (the store with the
 * experiment registry, and the decision log). Without a data directory it
 * only decides, with the given policy. One decider per thread: the store
 * handle under it is not thread-safe; the engine and network are shared. */
#ifndef ORDO_DECIDE_H
#define ORDO_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "error.h"
#include "log.h"
#include "order.h"
#include "policy.h"
#include "record.h"
#include "source.h"

typedef struct ordo_decider ordo_decider_t;

typedef struct ordo_decider_options {
    const char *data_dir;    /* NULL: no registry, no log */
    /* Policy for orders that no experiment acts on. NULL: the registry's
     * default (set when an experiment concludes), else the built-in
     * "default". Borrowed: must outlive the decider. */
    const ordo_policy_t *default_policy;
    bool explain;            /* candidates and why they lost, in plan and record */
    /* Reserve the plan's stock in memory (atomic, all or nothing). With
     * data_dir and log the decider always reserves, in memory and in the
     * store (the stock's authority, docs/internals/STORE.md "Stock"),
     * whatever this says: a logged decision has reserved its stock. To
     * decide without reserving or logging, set log false (a dry run). */
    bool reserve;
    bool shadows;            /* run shadow policies of running experiments */
    bool log;                /* append decision records (needs data_dir) */
    const ordo_log_options_t *log_options; /* NULL: from DIR/ordo.conf */
    /* Group commit (docs/internals/LOG.md, "Group commit in a batch"): when
     * the log's mode is SYNC, decide appends its records without waiting
     * for them to be durable, and ordo_decider_commit makes everything
     * decided so far durable with one write and one fdatasync. The caller
     * must not act on a decision (print, return, ship) before the commit
     * after it has returned ORDO_OK. A crash loses only uncommitted
     * decisions, which nobody was told of. Default false: each decide
     * returns once its record is durable. No effect in ASYNC and NONE
     * modes, whose promise is weaker anyway, nor without a log. */
    bool group_commit;
    /* How long open waits while another process writes the log (its
     * writer lock), in ms; then it fails with ORDO_ESTATE. Default 60000. */
    uint32_t log_wait_ms;
    /* Without group commit (a log in ASYNC or NONE mode): keep the store's
     * transaction open across orders, as group commit does, instead of
     * committing each decision's reservations by itself; it is committed
     * at 8192 decisions, by ordo_decider_idle, flush and close. For a
     * single-process driver that calls ordo_decider_idle before its own
     * store writes (ordo sim). Default false. */
    bool store_batch;
    /* Opened on the log before any append and closed after it (log.h): the
     * analysis's facts writer, &ordo_facts_follower (analyze.h; ANALYZE.md
     * "The facts kept by the writer"), keeps DIR/facts current as the
     * records are appended, so that an analysis or a refresh finds the
     * decision facts already covering the log; ordo sim, serve and source
     * set it (ORDO_FACTS_ON_WRITE=0 in the environment turns it off).
     * Default NULL: none, the facts are left to the next refresh. When it
     * cannot open, the decider goes on without it. */
    const ordo_log_follower_t *log_follower;
    /* With group commit (and a store that is not PostgreSQL's, whose
     * rows are reserved before their record): decide does not encode and
     * append its decision record; it queues it under the seq it will get
     * (the decider is the log's one writer), and ordo_decider_commit_durable
     * (or ordo_decider_records_write, flush, close) encodes and appends
     * every queued record, in order, before the log's write: a front end
     * that commits on another thread takes the encoding off the deciding
     * one. The plan, its order and the strings decide copies into the
     * arena (the policy's name and version, the models' versions, the
     * record's meta) must then stay until the commit after the decision
     * has returned. Default false. */
    bool defer_records;
} ordo_decider_options_t;

void ordo_decider_options_init(ordo_decider_options_t *opt);

typedef struct ordo_decision {
    ordo_plan_t *plan;           /* in the caller's arena */
    const char *experiment;      /* acting experiment, NULL when none; strings
                                  * here live in the arena given to decide (or
                                  * are the order's) */
    const char *variant;
    double bucket;               /* < 0 when not in an experiment */
    bool excluded;               /* warm-up or burn-in/out */
    const char *unit;            /* the randomization unit as assignment chose it:
                                  * order or customer id, or "cluster:window" */
    const char *cluster;         /* switchback cluster, NULL otherwise */
    int64_t window;              /* switchback window index, -1 otherwise */
    const char *route_reason;    /* why the acting (or first) experiment did or did not assign */
    bool has_control_cost;       /* control_cost is set (logged decisions in an experiment) */
    double control_cost;         /* plan cost under the experiment's control policy */
    uint32_t shadows;            /* shadow evaluations logged */
    uint64_t seq;                /* log sequence number, 0 when not logged */
} ordo_decision_t;

/* net and eng are borrowed and must outlive the decider. Opens
 * DIR/ordo.db (creating it if needed) and DIR/log when data_dir is set. */
int ordo_decider_open(const ordo_network_t *net, ordo_engine_t *eng,
                      const ordo_decider_options_t *opt, ordo_decider_t **out, ordo_error_t *err);
/* Decides one order: its memory (plan, strings) comes from arena. now is
 * the decision time in Unix seconds (0: the wall clock), which ramps,
 * switchback windows and warm-up use. An unfulfillable order is a plan,
 * not an error. */
int ordo_decider_decide(ordo_decider_t *d, const ordo_order_t *order, int64_t now,
                        ordo_arena_t *arena, ordo_decision_t *out, ordo_error_t *err);
/* Reloads running experiments from the registry. ordo_decider_decide does
 * this by itself before an order when another handle or process has changed
 * the store since the last load (a kill, pause, stop, start or conclude
 * takes effect on the next order); call it to force a reload. */
int ordo_decider_reload(ordo_decider_t *d, ordo_error_t *err);
/* Makes every logged record durable. */
int ordo_decider_flush(ordo_decider_t *d, ordo_error_t *err);
/* defer_records: encodes and appends the records queued so far, in order
 * (any thread; the log's write and fdatasync are the commit's). A record
 * that cannot be appended, or gets another seq than decide gave it, fails
 * this and every later decide and commit. Without deferral: ORDO_OK. */
int ordo_decider_records_write(ordo_decider_t *d, ordo_error_t *err);
/* True when decide queues its records (defer_records took effect). */
bool ordo_decider_records_deferred(const ordo_decider_t *d);
/* The acknowledgement point of group commit: once it returns ORDO_OK,
 * every decision decided so far is as durable as the log's mode promises
 * (SYNC: written and fdatasync'd, when group_commit is on). It may be
 * called from another thread while decide runs on the decider's own
 * thread (it touches only the log, which is thread-safe): it then covers
 * every record appended before it was called. Without group_commit, or
 * in ASYNC or NONE mode, or without a log, it does nothing: decide already
 * gave that promise. On an error nothing decided since the last commit
 * may be acknowledged (the log then refuses every later append). */
int ordo_decider_commit(ordo_decider_t *d, ordo_error_t *err);
/* ordo_decider_commit in two steps, for a front end that answers in
 * between: ordo_decider_commit_durable is the acknowledgement point (the
 * log's write + fdatasync); ordo_decider_commit_after, called on the same
 * thread after a successful one, does the store's follow-up work (WAL
 * checkpoint, the committed records' reservations into the store's open
 * transaction), which no answer needs to wait for: the log is the stock's
 * write-ahead log. ordo_decider_commit is the two in a row. */
int ordo_decider_commit_durable(ordo_decider_t *d, ordo_error_t *err);
void ordo_decider_commit_after(ordo_decider_t *d);
/* PostgreSQL (several instances share the stock): waits until the store
 * has committed the reservations of every record up to seq, so that an
 * answer never promises units another instance could still take if this
 * one died (the decider's thread commits them at its first turn after a
 * log commit, or when idle). ORDO_EBUSY past timeout_ms; at once on SQLite
 * (the log is the stock's write-ahead log there). */
int ordo_decider_store_wait(ordo_decider_t *d, uint64_t seq, uint32_t timeout_ms,
                            ordo_error_t *err);
/* PostgreSQL, before a retried order is answered from its logged record
 * (seq, payload: the record as the log holds it): makes sure its
 * reservation is in the store — a crash of the server loses what was
 * committed since the last group sync — taking it again, conditionally,
 * when it is missing, and syncing. *lost: it was missing and its stock is
 * gone: the order must be decided again. Nothing on SQLite. The decider's
 * thread. */
int ordo_decider_replay_check(ordo_decider_t *d, uint64_t seq, const void *payload, size_t len,
                              bool *lost, ordo_error_t *err);
/* Call from the decider's thread before it waits for input: commits the
 * store transaction that holds the reservations decided so far (a decider
 * with a log keeps one open across orders, holding the store's write
 * lock), so that other processes' writers (exp kill, inventory, outcomes)
 * are not kept waiting while this one is idle. Cheap when nothing is open. */
int ordo_decider_idle(ordo_decider_t *d, ordo_error_t *err);
/* PostgreSQL: plans refused by a cell whose units another instance took
 * (each decided again); 0 elsewhere. Any thread. */
uint64_t ordo_decider_stock_refused(const ordo_decider_t *d);
/* The deadline of the next decisions, an ordo_now_ns() time (0: none, the
 * default): past it the engine answers with the deterministic fallback,
 * marked fallback with reason "deadline passed" (ordo serve's per-request
 * deadline). Stays set until changed. */
void ordo_decider_set_deadline(ordo_decider_t *d, uint64_t deadline_ns);
/* The log options an ordo.conf's log.* keys give (what the decider uses
 * when ordo_decider_options_t.log_options is NULL). */
void ordo_decider_log_options(const ordo_config_t *cfg, ordo_log_options_t *lo);
/* Flushes and closes; returns the first error. NULL is allowed. */
int ordo_decider_close(ordo_decider_t *d, ordo_error_t *err);

/* ---- counterfactual replay (src/decide/replay.c) ----
 * Re-decides logged orders under another policy with the logged inputs:
 * the order as recorded and the available-to-promise seen at the candidate
 * nodes (every other cell of the order's SKUs is taken as empty). Node load
 * and backlog are the network's, not the logged moment's (they are not in
 * the record). Nothing is reserved. Shadow records are skipped. */
typedef struct ordo_replay_row {
    uint64_t seq;
    const char *order_id;
    const char *logged_policy;       /* name */
    const char *logged_version;
    const char *replay_status;       /* "ok", "fallback", "unfulfillable" */
    double logged_cost, replay_cost; /* plan totals, USD */
    double logged_on_time, replay_on_time;
    uint32_t logged_shipments, replay_shipments;
    bool changed;                    /* different nodes, services or quantities */
    const char *logged_plan;         /* signature "node/service/sku×qty;..." */
    const char *replay_plan;
    const char *error;               /* non-NULL: this record could not be replayed */
} ordo_replay_row_t;

typedef struct ordo_replay_totals {
    uint64_t records;                /* decision records read */
    uint64_t replayed;
    uint64_t failed;                 /* records that could not be replayed */
    uint64_t changed;
    double logged_cost, replay_cost;
    double logged_on_time_sum, replay_on_time_sum;
} ordo_replay_totals_t;

/* Called per record; a non-zero return stops the replay and is returned. */
typedef int (*ordo_replay_cb)(void *ctx, const ordo_replay_row_t *row);

/* net is modified (its inventory is set to each record's logged ATP): pass
 * a network loaded for the replay only. q selects records (NULL: all). */
int ordo_decide_replay(const char *log_dir, const ordo_log_query_t *q, ordo_network_t *net,
                       ordo_engine_t *eng, const ordo_policy_t *policy, ordo_replay_cb cb,
                       void *ctx, ordo_replay_totals_t *totals, ordo_error_t *err);
/* The same, each record decided again with the signal snapshot of the
 * version it names (signals_version), loaded from store: a counterfactual
 * sees the world the decision saw. A record that names a version when
 * store is NULL (or a version the store lacks) is a row with an error. */
struct ordo_store;
int ordo_decide_replay_signals(const char *log_dir, const ordo_log_query_t *q, ordo_network_t *net,
                               ordo_engine_t *eng, const ordo_policy_t *policy,
                               struct ordo_store *store, ordo_replay_cb cb, void *ctx,
                               ordo_replay_totals_t *totals, ordo_error_t *err);

/* The engine's customer history (ordo_engine_customer_outcome) fed from a
 * data directory (docs/internals/SOURCING.md "Customer history outside the
 * simulator"): each order's decision record gives its customer (the
 * record's pseudonym, mapped back to the id through the store, so that the
 * key is the one the engine computes from the order at decision time; an
 * erased customer is not counted), and its outcomes add one delivered
 * order (a shipment delivered) and one return (a shipment returned), each
 * once per order however often its outcomes are posted again. A feed
 * remembers how far it read the log and the outcome changes: each update
 * reads only what came since. One writer: updates of feeds on the same
 * engine must not overlap (decisions may read meanwhile). */
/* Calls fn on each decision record of the log in log_dir after *seq (not
 * shadows; records without an order id or that do not decode skipped),
 * decoded in a scratch arena, and moves *seq to the last record read. A
 * non-zero return of fn stops and is returned. A missing log has none.
 * Only these fields of the record are filled (a CBOR record is not decoded
 * whole): order_id, shadow, order.customer_id, risk_model,
 * plan.return_risk and plan.cancel_prob. */
typedef int (*ordo_decision_each_fn)(const ordo_record_t *rec, void *ctx);
int ordo_decide_log_each(const char *log_dir, uint64_t *seq, ordo_decision_each_fn fn, void *ctx,
                         ordo_error_t *err);
typedef struct ordo_cust_feed ordo_cust_feed_t;
int ordo_cust_feed_create(ordo_cust_feed_t **out, ordo_error_t *err);
void ordo_cust_feed_destroy(ordo_cust_feed_t *f);
/* Reads data_dir's log and outcome changes since the last update into eng;
 * *counted (may be NULL): the orders whose counts changed. */
int ordo_cust_feed_update(ordo_cust_feed_t *f, ordo_engine_t *eng, const char *data_dir,
                          uint64_t *counted, ordo_error_t *err);
/* For a caller that walks the log itself (ordo serve's one read at the
 * start feeds several indexes): indexes one decision record's order, and
 * then marks the log read up to seq, so that the next update reads only
 * what came after it. */
int ordo_cust_feed_record(ordo_cust_feed_t *f, const ordo_record_t *rec);
void ordo_cust_feed_log_read(ordo_cust_feed_t *f, uint64_t seq);

#endif
