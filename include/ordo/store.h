/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — durable state behind one interface.
 *
 * An ordo_store_t is an open data directory's database: SQLite (DIR/ordo.db,
 * WAL mode, the default) or, later, PostgreSQL selected in DIR/ordo.conf.
 * Callers see typed operations only — outcomes, versioned documents for the
 * registries, an append-only audit trail — and never SQL, so a second backend
 * changes no caller. Design, schema and durability: docs/internals/STORE.md;
 * the outcome event format: docs/outcomes.md.
 *
 * Threads: a handle is not thread-safe; open one per thread (several handles
 * and several processes may share one data directory: readers never block,
 * one writer at a time, others wait up to store.busy_timeout_ms).
 *
 * Strings passed in are copied by the store before the call returns. Strings
 * handed to callbacks or returned in structs are valid only as documented. */
#ifndef ORDO_STORE_H
#define ORDO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "datadir.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ordo_store ordo_store_t;

/* Schema version this build writes (see the schema_version table). */
#define ORDO_STORE_SCHEMA_VERSION 8

/* ---- open / close ---- */

/* Opens the store of data_dir, creating the directory and the database when
 * missing and migrating its schema up to ORDO_STORE_SCHEMA_VERSION. cfg
 * NULL: DIR/ordo.conf when present, else the defaults. A database written by
 * a newer ordo (higher schema version) is ORDO_EUNSUPPORTED. On success *out
 * is owned by the caller: ordo_store_close() it. */
int ordo_store_open(const char *data_dir, const ordo_config_t *cfg, ordo_store_t **out,
                    ordo_error_t *err);
/* Same, but ORDO_ENOENT (naming the file) when the database does not exist
 * yet: for commands that only read. */
int ordo_store_open_existing(const char *data_dir, const ordo_config_t *cfg, ordo_store_t **out,
                             ordo_error_t *err);
/* Rolls back an open transaction, finalizes everything, frees. Returns the
 * first error seen (the handle is freed in any case). NULL is allowed. */
int ordo_store_close(ordo_store_t *store, ordo_error_t *err);

/* "sqlite" or "postgres". */
const char *ordo_store_backend_name(const ordo_store_t *store);
/* The schema version recorded in the database. */
int ordo_store_schema_version(ordo_store_t *store, int *version, ordo_error_t *err);
/* A number that differs from the previous call's when another handle (in
 * this process or another) has committed a change to the store since: a
 * cheap "has anything changed?" for caches of stored state (the decider's
 * experiment snapshot). Changes made through this handle do not count. */
int ordo_store_data_version(ordo_store_t *store, uint64_t *version, ordo_error_t *err);

/* ---- transactions ----
 * Every single operation below is atomic on its own. To make several atomic
 * together (a document put and its audit entry; a whole ingest), bracket
 * them: begin ... commit, or rollback on error. Transactions nest: an inner
 * begin is a savepoint, and an inner rollback undoes only the inner part.
 * begin takes the write lock at once (waiting up to the busy timeout). */
int ordo_store_tx_begin(ordo_store_t *store, ordo_error_t *err);
int ordo_store_tx_commit(ordo_store_t *store, ordo_error_t *err);
int ordo_store_tx_rollback(ordo_store_t *store, ordo_error_t *err);
/* PostgreSQL: an outermost transaction without the store-wide write lock
 * (row locks only; its commit does not move other handles' data_version):
 * the decider's per-order reservation. Elsewhere, or nested, the same as
 * ordo_store_tx_begin. */
int ordo_store_tx_begin_rows(ordo_store_t *store, ordo_error_t *err);
/* PostgreSQL: a rows transaction's commit does not wait for the server's
 * WAL flush; this waits for every one this handle committed (one flush
 * for a whole group of decisions). Elsewhere, or inside a transaction,
 * nothing to do. */
int ordo_store_sync(ordo_store_t *store, ordo_error_t *err);
/* Nesting depth: 0 when no transaction is open. */
int ordo_store_tx_depth(const ordo_store_t *store);

/* ---- outcomes: what happened to an order after the decision ---- */

typedef enum ordo_outcome_type {
    ORDO_OUTCOME_NONE = 0,
    ORDO_OUTCOME_SHIPPED = 1,
    ORDO_OUTCOME_DELIVERED = 2,
    ORDO_OUTCOME_RETURNED = 3,
    ORDO_OUTCOME_CANCELLED = 4,
    ORDO_OUTCOME_COST = 5,   /* actual cost parts, no state change */
    ORDO_OUTCOME_MEASURE = 6 /* one named operational measure, no state change */
} ordo_outcome_type_t;

/* Operational measures a measure event carries (docs/outcomes.md
 * "Operational measures"): one named measure and its value per event. */
typedef enum ordo_measure {
    ORDO_MEASURE_SATISFACTION = 0,       /* customer satisfaction, 0..5 (CSAT scale) */
    ORDO_MEASURE_DOCK_TO_TRUCK_HOURS,    /* packed on the dock → on the truck, hours */
    ORDO_MEASURE_LABOUR_UTILISATION,     /* node's labour used / capacity, 0..10 */
    ORDO_MEASURE_PICK_RATE,              /* units picked per labour hour */
    ORDO_MEASURE_COUNT
} ordo_measure_t;

/* Parts of the actual cost. */
enum {
    ORDO_COST_PICK = 0,
    ORDO_COST_PACK = 1,
    ORDO_COST_SHIP = 2,     /* carrier cost; a shipped event's carrier_cost */
    ORDO_COST_RETURN = 3,   /* reverse logistics */
    ORDO_COST_CARRYING = 4, /* inventory carrying cost */
    ORDO_COST_PARTS = 5
};

#define ORDO_OUTCOME_ID_MAX 96 /* event and order ids: at most 95 bytes */
/* The largest amount (a cost part or a refund, USD) one event carries: a
 * billion events of it still sum to a finite total (docs/outcomes.md). */
#define ORDO_OUTCOME_AMOUNT_MAX 1e9

typedef struct ordo_outcome_event {
    char event_id[ORDO_OUTCOME_ID_MAX]; /* unique; a repeated id is ignored */
    char order_id[ORDO_OUTCOME_ID_MAX];
    uint32_t shipment; /* 0, 1, ... within the order */
    ordo_outcome_type_t type;
    int64_t at;                   /* when it happened, Unix seconds UTC (> 0) */
    int64_t promised_by;          /* delivery promise, Unix seconds; 0 = none */
    double cost[ORDO_COST_PARTS]; /* parts given (see cost_mask), >= 0 */
    unsigned cost_mask;           /* bit ORDO_COST_x set when part x given */
    double refund;                /* returned: amount refunded, >= 0 */
    bool has_refund;
    /* measure events only: which measure, its value (in the measure's
     * range), and the node it was measured at ("" = not given) */
    ordo_measure_t measure;
    double value;
    char node[ORDO_OUTCOME_ID_MAX];
} ordo_outcome_event_t;

/* "shipped", ... "cost"; "none" for anything else. */
const char *ordo_outcome_type_name(ordo_outcome_type_t t);
/* ORDO_OUTCOME_NONE when name is not a type. */
ordo_outcome_type_t ordo_outcome_type_from_name(const char *name, size_t len);
/* "pick", "pack", "ship", "return", "carrying". */
const char *ordo_cost_part_name(int part);
/* "satisfaction", "dock_to_truck_hours", "labour_utilisation", "pick_rate";
 * "?" out of range. */
const char *ordo_measure_name(int measure);
/* The measure of a name, or -1. */
int ordo_measure_from_name(const char *name, size_t len);
/* The valid range of a measure's value (inclusive). */
void ordo_measure_range(int measure, double *lo, double *hi);

/* Checks an event as the store will (ids non-empty and NUL-terminated,
 * a known type, at > 0, costs finite and >= 0, cost parts only on cost
 * events, carrier cost only on cost or shipped, refund only on returned, a
 * cost event with at least one part, a measure event with a known measure
 * and a value in its range, a node id only on a measure event). Errors
 * name the field. */
int ordo_outcome_event_validate(const ordo_outcome_event_t *ev, ordo_error_t *err);

/* What a batch put or an ingest did. Counters accumulate (zero it first). */
typedef struct ordo_outcome_put_stats {
    uint64_t inserted;   /* new events stored */
    uint64_t duplicates; /* events whose id was already stored: ignored */
} ordo_outcome_put_stats_t;

/* Stores n events atomically (its own transaction unless one is open): all
 * are validated first, then inserted; an event whose event_id is already
 * stored is ignored (idempotent ingest; the first stored version wins).
 * stats may be NULL. On error nothing of this batch is stored. */
int ordo_store_outcomes_put_batch(ordo_store_t *store, const ordo_outcome_event_t *events, size_t n,
                                  ordo_outcome_put_stats_t *stats, ordo_error_t *err);

typedef enum ordo_on_time {
    ORDO_ON_TIME_UNKNOWN = 0, /* no promise, or not (fully) delivered yet */
    ORDO_ON_TIME_YES = 1,     /* delivered (all shipments) by the promise */
    ORDO_ON_TIME_LATE = 2     /* a shipment was delivered after the promise */
} ordo_on_time_t;

/* Flags on a summary. */
enum {
    /* some shipment's delivered or returned time precedes its shipped time:
     * the events disagree (clock skew, bad feed); the times are kept as given */
    ORDO_OUTCOME_FLAG_TIME_INCONSISTENT = 1u << 0,
    /* delivered or shipped after the order was cancelled */
    ORDO_OUTCOME_FLAG_ACTIVITY_AFTER_CANCEL = 1u << 1
};

/* Per shipment of an order, derived from its events' timestamps. */
typedef struct ordo_shipment_outcome {
    uint32_t shipment;
    int64_t shipped_at;           /* earliest shipped event, 0 = none */
    int64_t delivered_at;         /* earliest delivered event, 0 = none */
    int64_t returned_at;          /* earliest returned event, 0 = none */
    double cost[ORDO_COST_PARTS]; /* sums of the parts given for this shipment */
    unsigned cost_mask;
    double refund;
    uint32_t n_events;
} ordo_shipment_outcome_t;

/* Per order. Every field is derived from event timestamps, so the order in
 * which events arrived never matters (docs/outcomes.md gives the rules). */
typedef struct ordo_outcome_summary {
    char order_id[ORDO_OUTCOME_ID_MAX];
    int64_t shipped_at;           /* earliest shipment shipped, 0 = none */
    int64_t delivered_at;         /* when the last shipment was delivered, set only
                                     once every shipment is delivered; 0 = not yet */
    int64_t last_delivered_at;    /* latest delivery so far (even if partial), 0 = none */
    int64_t returned_at;          /* earliest return, 0 = none */
    int64_t cancelled_at;         /* earliest cancellation, 0 = none */
    int64_t promised_by;          /* promise from the events (see docs), 0 = unknown */
    ordo_on_time_t on_time;       /* vs promised_by */
    ordo_outcome_type_t state;    /* latest lifecycle event by timestamp; NONE if only costs */
    double cost[ORDO_COST_PARTS]; /* actual cost parts (sums), given ones in cost_mask */
    unsigned cost_mask;
    double cost_total;    /* sum of the parts given; refunds not included */
    double refund;        /* sum of refunds */
    uint32_t n_shipments; /* shipments with a shipped, delivered or returned event */
    uint32_t n_delivered; /* of which delivered */
    uint32_t n_returned;  /* of which returned */
    uint32_t n_events;
    int64_t first_event_at, last_event_at;
    unsigned flags; /* ORDO_OUTCOME_FLAG_* */
    /* operational measures: mean of the order's measure events of each
     * measure (all shipments and nodes), valid when measure_n[m] > 0 */
    double measure[ORDO_MEASURE_COUNT];
    uint32_t measure_n[ORDO_MEASURE_COUNT];
} ordo_outcome_summary_t;

/* The summary of one order: ORDO_ENOTFOUND when no event names it. */
int ordo_store_outcome_get(ordo_store_t *store, const char *order_id,
                           ordo_outcome_summary_t *summary, ordo_error_t *err);
/* Its shipments, by shipment number: up to cap into out (may be NULL when
 * cap is 0); *n_total gets how many there are. ORDO_ENOTFOUND as above. */
int ordo_store_outcome_shipments(ordo_store_t *store, const char *order_id,
                                 ordo_shipment_outcome_t *out, size_t cap, size_t *n_total,
                                 ordo_error_t *err);
/* Both from one read of the order's events: the summary, and its
 * shipments as ordo_store_outcome_shipments gives them. */
int ordo_store_outcome_read(ordo_store_t *store, const char *order_id,
                            ordo_outcome_summary_t *summary, ordo_shipment_outcome_t *out,
                            size_t cap, size_t *n_total, ordo_error_t *err);
/* On-time status of a summary against any promise (e.g. a decision's ETA);
 * promise 0 gives ORDO_ON_TIME_UNKNOWN. */
ordo_on_time_t ordo_outcome_on_time(const ordo_outcome_summary_t *summary, int64_t promise);
const char *ordo_on_time_name(ordo_on_time_t t); /* "unknown", "yes", "late" */

/* Number of stored events and of distinct orders. orders may be NULL: only
 * events are counted then, which is much cheaper (no DISTINCT scan). Events
 * are only ever inserted, so the event count changes whenever outcomes do. */
int ordo_store_outcome_counts(ordo_store_t *store, uint64_t *events, uint64_t *orders,
                              ordo_error_t *err);

/* Bulk load of outcome events through this handle (a simulator's run;
 * docs/internals/STORE.md "Bulk load"): on, the SQLite store drops
 * outcome_event's order index and, when the table is empty, keeps the
 * events put through this handle in memory (validated, and shipments and
 * cancellations settled, as ever; the put's stats count a repeated id as
 * inserted); off stores them (ids deduplicated, the first version kept,
 * numbered in outcome_change in the order they came: the same rows as row
 * by row) and builds the index again. Meanwhile nothing reads them: any
 * open of the store fails with ORDO_EBUSY, and after a process that died
 * in bulk mode it keeps failing, saying so (its events are lost). A
 * handle already open when it began must not iterate events until it
 * ends. No-op on PostgreSQL. */
int ordo_store_outcomes_bulk(ordo_store_t *store, bool on, ordo_error_t *err);

/* Iterator over every order's summary, in order-id byte order, from one
 * consistent snapshot. Do not write through the same handle while it is
 * open. */
typedef struct ordo_outcome_iter ordo_outcome_iter_t;
int ordo_store_outcome_iter_open(ordo_store_t *store, ordo_outcome_iter_t **it, ordo_error_t *err);
/* 1 and *summary filled, 0 at the end, or a negative error. */
int ordo_outcome_iter_next(ordo_outcome_iter_t *it, ordo_outcome_summary_t *summary,
                           ordo_error_t *err);
/* The current order's shipments; valid until the next call to next/close. */
const ordo_shipment_outcome_t *ordo_outcome_iter_shipments(const ordo_outcome_iter_t *it,
                                                           size_t *n);
void ordo_outcome_iter_close(ordo_outcome_iter_t *it);

/* The outcome change sequence: every inserted event takes the next number,
 * in commit order, so the last one is also the number of events.
 * ordo_store_outcome_iter_since iterates, like ordo_store_outcome_iter_open,
 * the summaries of the orders that have an event numbered above since (each
 * from all of its events). Read the seq first, then iterate: an order
 * changed in between is only read once more next time. */
int ordo_store_outcome_seq(ordo_store_t *store, uint64_t *seq, ordo_error_t *err);
int ordo_store_outcome_iter_since(ordo_store_t *store, uint64_t since, ordo_outcome_iter_t **it,
                                  ordo_error_t *err);

/* One numbered outcome change: event number seq was stored for order_id. */
typedef struct ordo_outcome_change {
    uint64_t seq;
    char order_id[ORDO_OUTCOME_ID_MAX];
} ordo_outcome_change_t;

/* The changes numbered above since, in their order, at most max of them,
 * into out[0..*n): a reader that follows the outcomes as they come (GET
 * /v1/events) reads from its last seq on. */
int ordo_store_outcome_changes(ordo_store_t *store, uint64_t since, ordo_outcome_change_t *out,
                               size_t max, size_t *n, ordo_error_t *err);

/* Writes a summary (and its shipments when n > 0) as one JSON object. */
struct ordo_jsonw;
void ordo_outcome_summary_write_json(const ordo_outcome_summary_t *s,
                                     const ordo_shipment_outcome_t *ships, size_t n,
                                     struct ordo_jsonw *w);

/* ---- outcome files: NDJSON and CSV (docs/outcomes.md) ---- */

typedef enum ordo_outcome_format {
    ORDO_OUTCOME_FMT_AUTO = 0, /* by extension: .csv is CSV, anything else NDJSON */
    ORDO_OUTCOME_FMT_NDJSON = 1,
    ORDO_OUTCOME_FMT_CSV = 2
} ordo_outcome_format_t;

/* One NDJSON line (a JSON object) into *ev. Errors carry file and line as
 * given and name the field. */
int ordo_outcome_parse_json(const char *text, size_t len, ordo_outcome_event_t *ev,
                            const char *file, long line, ordo_error_t *err);

typedef struct ordo_outcome_ingest_stats {
    uint64_t files;
    uint64_t lines; /* data lines read (not blank lines or the CSV header) */
    uint64_t inserted;
    uint64_t duplicates;
} ordo_outcome_ingest_stats_t;

/* Reads every file, validating each line, and stores the events in ONE
 * transaction (in put_batch calls of cfg's store.ingest_batch events): a bad
 * line anywhere (malformed, unknown type or field, missing field, negative
 * cost, bad timestamp) stores nothing and the error names file, line and
 * field. Repeated event ids, within the files or with earlier ingests, are
 * counted as duplicates and ignored. stats may be NULL. */
int ordo_store_outcomes_ingest_files(ordo_store_t *store, const char *const *paths, size_t n,
                                     ordo_outcome_format_t format,
                                     ordo_outcome_ingest_stats_t *stats, ordo_error_t *err);
/* The same reading and validation without a store: ORDO_OK when an ingest
 * of these files would accept every line (duplicates aside), else the error
 * it would give. Lets a caller refuse bad input before creating a store. */
int ordo_store_outcomes_check_files(const char *const *paths, size_t n,
                                    ordo_outcome_format_t format, ordo_error_t *err);

/* ---- versioned documents, for registries (experiments, policies...) ---- */

#define ORDO_STORE_KIND_MAX 64    /* kind: 1..63 bytes, e.g. "experiment" */
#define ORDO_STORE_DOC_ID_MAX 256 /* id: 1..255 bytes */
/* expected_version for an unconditional put or delete. */
#define ORDO_STORE_ANY_VERSION UINT64_MAX

/* Stores the JSON document (must be valid JSON; json_len bytes) under
 * (kind, id) with optimistic concurrency:
 *   expected_version 0   create: ORDO_EEXIST when it exists;
 *   expected_version N   update: only when the current version is N, else
 *                        ORDO_ECONFLICT (version conflict: re-read, retry),
 *                        ORDO_ENOTFOUND when it does not exist;
 *   ORDO_STORE_ANY_VERSION  create or replace.
 * Versions count 1, 2, ...; *new_version (may be NULL) gets the one stored.
 * Every version is kept (ordo_store_doc_get_version). */
int ordo_store_doc_put(ordo_store_t *store, const char *kind, const char *id, const char *json,
                       size_t json_len, uint64_t expected_version, uint64_t *new_version,
                       ordo_error_t *err);
/* The current version: *json is malloc'd, NUL-terminated, the caller
 * free()s it; json_len and version may be NULL. ORDO_ENOTFOUND if absent. */
int ordo_store_doc_get(ordo_store_t *store, const char *kind, const char *id, char **json,
                       size_t *json_len, uint64_t *version, ordo_error_t *err);
/* An earlier (or the current) version, as above. */
int ordo_store_doc_get_version(ordo_store_t *store, const char *kind, const char *id,
                               uint64_t version, char **json, size_t *json_len, ordo_error_t *err);
/* Deletes the current document (its history stays); expected_version as in
 * put (0 is not allowed). A later create continues the version count. */
int ordo_store_doc_delete(ordo_store_t *store, const char *kind, const char *id,
                          uint64_t expected_version, ordo_error_t *err);

/* One document handed to a callback; pointers valid during the call only. */
typedef struct ordo_store_doc {
    const char *kind;
    const char *id;
    const char *json;
    size_t json_len;
    uint64_t version;
    int64_t updated_at; /* Unix seconds */
} ordo_store_doc_t;

/* Return 0 to go on; anything else stops the listing and is returned. */
typedef int (*ordo_store_doc_fn)(void *ctx, const ordo_store_doc_t *doc);
/* Calls fn for every current document of kind, in id byte order. */
int ordo_store_doc_list(ordo_store_t *store, const char *kind, ordo_store_doc_fn fn, void *ctx,
                        ordo_error_t *err);

/* ---- the audit trail: append-only (the database refuses edits) ---- */

typedef struct ordo_store_audit_entry {
    uint64_t seq;     /* 1, 2, ... over the whole store */
    const char *kind; /* "experiment", "policy", ... */
    const char *id;
    const char *actor;       /* who: a user, "guardrail", "cli" */
    const char *action;      /* "create", "start", "kill", ... */
    const char *reason;      /* "" when none */
    const char *detail_json; /* JSON text, "" when none */
    int64_t ts;              /* Unix seconds */
} ordo_store_audit_entry_t;

/* Appends one entry. kind, id, actor and action are required; reason and
 * detail_json may be NULL (detail_json must be valid JSON when given); ts 0
 * means now. *seq (may be NULL) gets the entry's sequence number. */
int ordo_store_audit_append(ordo_store_t *store, const char *kind, const char *id,
                            const char *actor, const char *action, const char *reason,
                            const char *detail_json, int64_t ts, uint64_t *seq, ordo_error_t *err);

/* Return 0 to go on; anything else stops the listing and is returned. */
typedef int (*ordo_store_audit_fn)(void *ctx, const ordo_store_audit_entry_t *entry);
/* Entries of kind (and of id, unless id is NULL) in seq order. */
int ordo_store_audit_list(ordo_store_t *store, const char *kind, const char *id,
                          ordo_store_audit_fn fn, void *ctx, ordo_error_t *err);

/* ---- customer pseudonyms ----
 * Decision records name a customer only by a pseudonym: "ck_" and 32 hex
 * digits of HMAC-SHA256(customer id) keyed with a secret made once per data
 * directory (kept in the store). The store also keeps the mapping
 * pseudonym -> customer id, for audits; erasing a customer deletes it.
 * docs/internals/STORE.md "Customer pseudonyms". */

#define ORDO_CUSTOMER_KEY_LEN 36 /* "ck_" + 32 hex digits + NUL */

/* The pseudonym of customer_id (non-empty, at most 4096 bytes), and its
 * mapping queued for the store: queued mappings are written in one
 * transaction every 256 or by ordo_store_customer_flush / ordo_store_close.
 * A mapping lost in a crash is written again by the customer's next order,
 * and the pseudonym never changes. */
int ordo_store_customer_key(ordo_store_t *store, const char *customer_id,
                            char key[ORDO_CUSTOMER_KEY_LEN], ordo_error_t *err);
/* The pseudonym of customer_id alone: nothing queued, nothing written.
 * Once the store's secret is read (the first call of this or of
 * ordo_store_customer_key), it touches no connection state, so another
 * thread may call it while the handle's connection is in use. */
int ordo_store_customer_key_of(ordo_store_t *store, const char *customer_id,
                               char key[ORDO_CUSTOMER_KEY_LEN], ordo_error_t *err);
/* Writes the queued mappings (one transaction). */
int ordo_store_customer_flush(ordo_store_t *store, ordo_error_t *err);
/* The pseudonym of customer_id and whether the store maps it back
 * (*mapped false: never seen, or erased). Writes nothing. */
int ordo_store_customer_lookup(ordo_store_t *store, const char *customer_id,
                               char key[ORDO_CUSTOMER_KEY_LEN], bool *mapped, ordo_error_t *err);
/* The customer id a pseudonym maps to (*customer_id malloc'd: free it);
 * ORDO_ENOTFOUND when it maps to none. */
int ordo_store_customer_resolve(ordo_store_t *store, const char *key, char **customer_id,
                                ordo_error_t *err);

typedef struct ordo_customer_erase_result {
    char key[ORDO_CUSTOMER_KEY_LEN]; /* the customer's pseudonym */
    uint64_t mappings;               /* mapping rows deleted (0: none was kept) */
    uint64_t audit_seq;              /* the audit entry of the erasure */
    bool wal_busy;                   /* a reader kept the WAL from being truncated: deleted pages
                                      * stay in DIR/ordo.db-wal until the next checkpoint */
} ordo_customer_erase_result_t;

/* Erases customer_id from the store in one transaction: deletes its
 * mapping and appends an audit entry (kind "customer", id the pseudonym,
 * action "erase"; the audit never names the customer). Then checkpoints
 * and truncates the WAL, so that no file of the store keeps the id. Decision
 * records keep the pseudonym. actor required, reason may be NULL. */
int ordo_store_customer_erase(ordo_store_t *store, const char *customer_id, const char *actor,
                              const char *reason, ordo_customer_erase_result_t *out,
                              ordo_error_t *err);

#ifdef __cplusplus
}
#endif

/* ---- stock: on hand, reservations and their settlement ----
 * The data directory owns the stock (docs/internals/STORE.md "Stock"): a
 * row per (node, SKU) the store has seen — by a snapshot, or by the first
 * reservation of a cell, seeded then from the network's inventory.csv —
 * and a row per reserved (decision, shipment, node, SKU), carrying the
 * decision record's log sequence number. Writes join the caller's
 * transaction when one is open (ordo_store_tx_begin), else run in their
 * own. */

#define ORDO_STOCK_ID_MAX 256 /* node and SKU ids: 1..255 bytes */

typedef struct ordo_stock_row {
    const char *node, *sku; /* in lists; valid during the callback */
    int64_t on_hand, reserved, safety;
    int64_t as_of; /* Unix seconds */
} ordo_stock_row_t;

/* Reserves qty > 0 units of (node, sku). A cell the store has never seen is
 * created from seed (on hand, reserved before this reservation, safety,
 * as of; the network's record). A known cell takes the units only while
 * on_hand - reserved - (respect_safety ? safety : 0) >= qty: *taken false
 * (and nothing changed) when it does not. force takes them regardless
 * (recovery of a logged decision). */
int ordo_store_stock_reserve(ordo_store_t *store, const char *node, const char *sku,
                             const ordo_stock_row_t *seed, int64_t qty, bool respect_safety,
                             bool force, bool *taken, ordo_error_t *err);
/* Gives back qty units reserved by ordo_store_stock_reserve (the undo of a
 * reservation whose decision was not logged). */
int ordo_store_stock_unreserve(ordo_store_t *store, const char *node, const char *sku,
                               int64_t qty, ordo_error_t *err);
/* The cell's row; *found false when the store has not seen it. */
int ordo_store_stock_get(ordo_store_t *store, const char *node, const char *sku,
                         ordo_stock_row_t *out, bool *found, ordo_error_t *err);
typedef int (*ordo_store_stock_fn)(void *ctx, const ordo_stock_row_t *row);
/* Every cell, by node then SKU; a non-zero return of fn stops and is returned. */
int ordo_store_stock_list(ordo_store_t *store, ordo_store_stock_fn fn, void *ctx,
                          ordo_error_t *err);

/* Records a held reservation of a logged decision (seq > 0). */
int ordo_store_reservation_add(ordo_store_t *store, uint64_t seq, const char *order_id,
                               uint32_t shipment, const char *node, const char *sku, int64_t qty,
                               ordo_error_t *err);

/* One line of a decision's reservation (ordo_store_stock_reserve_plan):
 * qty > 0 units of (node, sku) for the plan's shipment; seed as for
 * ordo_store_stock_reserve. */
typedef struct ordo_store_plan_cell {
    const char *node, *sku;
    uint32_t shipment;
    int64_t qty;
    ordo_stock_row_t seed;
} ordo_store_plan_cell_t;

/* A decision's whole reservation in one statement, outside any
 * transaction: every cell, in the order given (callers sort by node then
 * SKU), takes its units only while on_hand - reserved - (respect_safety ?
 * safety : 0) covers them, the held reservation rows are written under
 * seq, and customer_key's mapping to customer_id (NULL: none); all or
 * nothing. *result: 0 when everything was taken, else 1 + the index of
 * the first cell that refused (nothing changed), or -1 when the store
 * already held order_id's reservation under seq (a retry: nothing
 * changed). Its commit does not wait for the server's WAL flush:
 * ordo_store_sync makes it durable. PostgreSQL: one statement, outside
 * any transaction; SQLite: the same rows and answers, in a transaction of
 * its own, a statement a line (ORDO_ESTATE inside a transaction, as on
 * PostgreSQL). */
int ordo_store_stock_reserve_plan(ordo_store_t *store, uint64_t seq, const char *order_id,
                                  const ordo_store_plan_cell_t *cells, uint32_t n,
                                  bool respect_safety, const char *customer_key,
                                  const char *customer_id, int32_t *result, ordo_error_t *err);
/* A logged decision's whole reservation, forced (its plan was promised:
 * ordo_store_stock_reserve's force), in the caller's transaction: every
 * cell, in the order given, takes its units (a cell the store has not seen
 * is seeded) and the held rows are written under seq: the same rows as
 * ordo_store_stock_reserve and ordo_store_reservation_add line by line,
 * which it runs. */
int ordo_store_stock_hold_plan(ordo_store_t *store, uint64_t seq, const char *order_id,
                               const ordo_store_plan_cell_t *cells, uint32_t n, ordo_error_t *err);

typedef enum ordo_stock_settle {
    ORDO_STOCK_RELEASE = 0, /* cancelled: the units are available again */
    ORDO_STOCK_SHIP = 1     /* shipped: on hand and reserved both drop */
} ordo_stock_settle_t;

/* Settles the held reservations of an order (shipment < 0: all of them,
 * else that shipment's): *units settled (0 when none were held). */
int ordo_store_reservation_settle(ordo_store_t *store, const char *order_id, int64_t shipment,
                                  ordo_stock_settle_t how, uint64_t *units, ordo_error_t *err);
/* Recovery: drops the reservations of seq > last (decisions whose record
 * is not in the log), giving their held units back; *units given back. */
int ordo_store_reservation_drop_after(ordo_store_t *store, uint64_t last, uint64_t *units,
                                      ordo_error_t *err);

typedef struct ordo_stock_totals {
    uint64_t cells;        /* rows in stock */
    uint64_t held_units;   /* units of held reservations */
    uint64_t held;         /* held reservation rows */
    uint64_t max_seq;      /* highest seq of any reservation */
    uint64_t applied_seq;  /* every decision record <= this has its reservations stored */
} ordo_stock_totals_t;

int ordo_store_stock_totals(ordo_store_t *store, ordo_stock_totals_t *out, ordo_error_t *err);
/* The recovery mark: every decision record with seq <= it is reflected.
 * ORDO_ENOTFOUND (and *seq 0) before a decider first adopted the log. */
int ordo_store_stock_applied_seq(ordo_store_t *store, uint64_t *seq, ordo_error_t *err);
int ordo_store_stock_set_applied_seq(ordo_store_t *store, uint64_t seq, ordo_error_t *err);

/* The write-ahead file's checkpoints (SQLite: the WAL copied into the
 * database). auto_pages >= 0 sets this handle's automatic checkpoint
 * threshold in pages (0: never; the default is 1000), run makes a passive
 * checkpoint now (it never waits for a writer). A decider turns its own off
 * and checkpoints from its committer thread, so that no decision waits for
 * a checkpoint's fsyncs. */
int ordo_store_checkpoint(ordo_store_t *store, int auto_pages, bool run, ordo_error_t *err);

typedef enum ordo_stock_file {
    ORDO_STOCK_SNAPSHOT = 0, /* node,sku,on_hand,safety_stock: replaces on hand */
    ORDO_STOCK_DELTA = 1     /* node,sku,quantity: adds a signed quantity */
} ordo_stock_file_t;

typedef struct ordo_stock_load_stats {
    uint64_t rows;  /* cells written */
    int64_t units;  /* sum of on_hand (snapshot) or of quantities (delta) */
} ordo_stock_load_stats_t;

/* Loads a snapshot or delta CSV (docs/formats.md "Stock snapshots and
 * deltas") all-or-nothing, in one transaction with an audit entry (kind
 * "inventory", id the file's base name). A delta needs a row for each
 * cell (load a snapshot first) and may not take on hand below 0. Errors
 * name the file, line and field. check_only: parse and check, store nothing. */
int ordo_store_stock_load_file(ordo_store_t *store, const char *path, ordo_stock_file_t kind,
                               const char *actor, bool check_only, ordo_stock_load_stats_t *stats,
                               ordo_error_t *err);

/* ---- signals (src/store/signals.c; docs/formats.md "Signals") ---- */

struct ordo_network;
struct ordo_signals;

typedef struct ordo_signals_apply_result {
    uint64_t version; /* the new version (0 when check_only) */
    uint32_t lines;   /* signal lines in the document */
    uint32_t signals; /* signals after expanding carrier-wide ones */
} ordo_signals_apply_result_t;

/* Validates an NDJSON signal document (text, len) against net and stores
 * it as one new version, all or nothing, in one transaction with an audit
 * entry (kind "signals", id the version). A bad line is an error naming
 * source_name, the line and the field, and nothing is stored. The server's
 * POST /v1/signals calls this with the request body. */
int ordo_signals_apply_text(ordo_store_t *store, const struct ordo_network *net, const char *text,
                            size_t len, const char *source_name,
                            ordo_signals_apply_result_t *result, ordo_error_t *err);
/* The latest stored version (0: none). */
int ordo_store_signals_latest(ordo_store_t *store, uint64_t *version, ordo_error_t *err);
/* The snapshot of every version <= version (0: the latest) for net; its
 * version is the highest stored one it holds. *out: ordo_signals_destroy,
 * or hand it to ordo_engine_set_signals. */
int ordo_signals_load(ordo_store_t *store, const struct ordo_network *net, uint64_t version,
                      struct ordo_signals **out, ordo_error_t *err);

/* ---- inventory documents: snapshots and deltas, each with an as_of ----
 * `ordo inventory apply` and the HTTP server's inventory endpoint
 * (docs/formats.md "Inventory documents"). Each record says its kind:
 * a snapshot sets a cell's on hand (and safety stock) as of a time, a
 * delta adds a signed quantity. NDJSON or CSV. */
typedef enum ordo_stock_format {
    ORDO_STOCK_FMT_AUTO = 0, /* by the name's extension: .csv, or .ndjson/.jsonl/.json */
    ORDO_STOCK_FMT_NDJSON = 1,
    ORDO_STOCK_FMT_CSV = 2
} ordo_stock_format_t;

typedef struct ordo_stock_apply_stats {
    uint64_t snapshots; /* snapshot records applied */
    uint64_t deltas;    /* delta records applied */
    uint64_t stale;     /* snapshot records older than their cell's as_of: skipped */
    int64_t units;      /* on hand set by the snapshots applied + quantities of the deltas */
} ordo_stock_apply_stats_t;

/* Applies an inventory document (data, len; name: for errors, the format
 * by extension and the audit entry) all-or-nothing, in one transaction
 * with one audit entry (kind "inventory", action "apply"), records in
 * order. Every record is checked before anything is stored; errors name
 * the document, the line and the field. A delta for a cell the store does
 * not hold is ENOTFOUND, one taking on hand below 0 is ERANGE. store NULL
 * or check_only: parse and check only. */
int ordo_store_stock_apply(ordo_store_t *store, const char *data, size_t len, const char *name,
                           ordo_stock_format_t fmt, const char *actor, bool check_only,
                           ordo_stock_apply_stats_t *stats, ordo_error_t *err);
/* The same for a file (a regular file: a FIFO or device is refused). */
int ordo_store_stock_apply_file(ordo_store_t *store, const char *path, ordo_stock_format_t fmt,
                                const char *actor, bool check_only,
                                ordo_stock_apply_stats_t *stats, ordo_error_t *err);

/* ---- PostgreSQL tools (docs/internals/STORE.md "PostgreSQL") ---- */

#define ORDO_PG_TABLES_MAX 16
typedef struct ordo_pg_migrate_report {
    char instance[40]; /* DIR's instance id in the shared tables */
    size_t n;
    struct {
        char table[32];
        uint64_t source, target; /* rows in DIR/ordo.db and in PostgreSQL */
    } tables[ORDO_PG_TABLES_MAX];
} ordo_pg_migrate_report_t;

/* Copies data directory DIR's SQLite store (every table, every row, the
 * pseudonym key) into the empty ordo schema of dsn (made or migrated
 * first), in one transaction with COPY, and verifies the row counts before
 * committing: all or nothing. ORDO_EEXIST when dsn already holds ordo data. */
int ordo_store_pg_migrate(const char *data_dir, const char *dsn, ordo_pg_migrate_report_t *report,
                          ordo_error_t *err);

typedef struct ordo_pg_ship_report {
    char instance[40];
    bool log_ok;            /* the whole log verified (the caller's) */
    char reason[256];       /* why not, when !log_ok */
    uint64_t verified_last; /* last record of the verified prefix */
    uint64_t shipped;       /* records copied now */
    uint64_t already;       /* records PostgreSQL held before (seq <= its last) */
} ordo_pg_ship_report_t;

#define ORDO_PG_CHAIN_BYTES 32
/* One decision-log record to ship (the store does not read logs: the
 * caller's source hands them over, src/cli/cmd_log_ship.c). */
typedef struct ordo_pg_ship_rec {
    uint64_t seq;
    uint16_t type;
    int64_t ts_unix_ns;
    const char *key; /* key_len bytes */
    size_t key_len;
    const char *payload; /* JSON text, len bytes */
    size_t len;
    uint8_t chain[ORDO_PG_CHAIN_BYTES];
} ordo_pg_ship_rec_t;
typedef struct ordo_pg_ship_source {
    uint64_t last; /* the last record to ship: the verified prefix's */
    /* records from from_seq on, in seq order: next gives 1, 0 at the end,
     * < 0 on an error */
    int (*open)(void *ctx, uint64_t from_seq, ordo_error_t *err);
    int (*next)(void *ctx, ordo_pg_ship_rec_t *rec, ordo_error_t *err);
    void *ctx;
} ordo_pg_ship_source_t;

/* Copies the records of src up to src->last into PostgreSQL's
 * decision_log (instance of data directory DIR, seq, ...) with COPY,
 * idempotently: records already there are not copied again, and the last
 * one there must match the local record's chain hash (else ORDO_ECONFLICT:
 * another log under this instance). */
int ordo_store_pg_ship_log(const char *data_dir, const char *dsn, const ordo_pg_ship_source_t *src,
                           ordo_pg_ship_report_t *report, ordo_error_t *err);

/* Every record of decision_log (all instances), ordered by time, then
 * instance, then seq, to fn (rec valid during the call; its chain is the
 * shipping instance's); a non-zero return of fn stops and is returned. */
typedef int (*ordo_pg_fetch_fn)(void *ctx, const char *instance, const ordo_pg_ship_rec_t *rec,
                                ordo_error_t *err);
int ordo_store_pg_fetch_log(const char *data_dir, const char *dsn, ordo_pg_fetch_fn fn,
                            void *ctx, ordo_error_t *err);

#endif
