/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — the outcome tail (docs/internals/STORE.md "Outcome tail"):
 * beside the SQLite store, DIR/ordo.db-outcomes holds one fixed-width row
 * per committed outcome event, with the number the event took in the
 * outcome change sequence. Append-only, written after the commit of the
 * transaction that inserted the events (O_APPEND, under an exclusive flock
 * that serialises appenders across processes), each row checksummed.
 * SQLite stays the source of truth: a row missing (a crash between the
 * commit and the append, a failed write) or damaged is a gap a reader fills
 * from SQLite; a row is never written for an event that was not committed.
 * Readers: the analysis's outcome facts (src/analyze/ofacts_tail.c). */
#ifndef ORDO_STORE_OUTCOME_TAIL_H
#define ORDO_STORE_OUTCOME_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordo/store.h"

#define OTAIL_HDR 64u
#define OTAIL_EID 48 /* the event id's first bytes kept (its sort key) */
#define OTAIL_F_REFUND 1u
#define OTAIL_F_EID_CUT 2u /* event_id longer than OTAIL_EID - 1 bytes */

typedef struct otail_row {
    uint64_t seq;    /* the event's number in the outcome change sequence */
    uint64_t oid[2]; /* XXH3-128 of the order id (the outcome facts' key) */
    int64_t at, promised_by;
    double cost[ORDO_COST_PARTS];
    double refund, value;
    uint32_t shipment;
    uint8_t type, cost_mask, flags, measure;
    char order_id[ORDO_OUTCOME_ID_MAX]; /* NUL-padded */
    char event_id[OTAIL_EID];           /* NUL-padded; cut: OTAIL_F_EID_CUT */
    uint64_t sum;                       /* XXH3-64 of the bytes before it */
} otail_row_t;
_Static_assert(sizeof(otail_row_t) == 256, "outcome tail row");

/* The tail's path for a database path: "<db>-outcomes". */
int otail_path(const char *db, char *out, size_t cap);
/* true when a row's checksum holds and its seq is set. */
bool otail_row_ok(const otail_row_t *r);
/* Sets a row's checksum. */
void otail_row_seal(otail_row_t *r);

/* A mapped tail: rows [0, n) after the header. ino: the database file's
 * inode the tail was written for (a tail of another database is not used). */
typedef struct otail_map {
    const otail_row_t *rows;
    size_t n;
    void *map;
    size_t len;
} otail_map_t;
/* Maps the tail of database db (whose inode is ino) read-only. false when
 * it is missing or written for another database (then *m is empty). */
bool otail_map_open(const char *db, int64_t ino, otail_map_t *m);
void otail_map_close(otail_map_t *m);

/* The end of the store's fold of an order's events (store.c): s holds the
 * sums and first times its events gave, ships its shipments; sets the
 * shipment counts, delivered_at, last_delivered_at, returned_at, shipped_at,
 * the flags, cost_total, on_time and the measures' means. The outcome facts'
 * refresh ends its own folds with it (src/analyze/ofacts_tail.c). */
void otail_summary_finish(ordo_outcome_summary_t *s, const ordo_shipment_outcome_t *ships,
                          size_t n);

/* ---- the fold's rules, shared by the store's fold of an order's events
 * (store.c) and the outcome facts' fold of tail rows (ofacts_tail.c) ---- */

/* A first time: t when the slot is unset (0) or later. */
static inline void otail_min_time(int64_t *slot, int64_t t)
{
    if (*slot == 0 || t < *slot)
        *slot = t;
}

/* The order's promise: the one given earliest (the customer's original
 * promise); on equal times the earlier date. An event at time at giving
 * promise given (0: none) against the promise kept and its time. */
static inline void otail_promise_take(int64_t *promised_by, int64_t *promise_at, int64_t at,
                                      int64_t given)
{
    if (given && (*promised_by == 0 || at < *promise_at ||
                  (at == *promise_at && given < *promised_by))) {
        *promised_by = given;
        *promise_at = at;
    }
}

/* ---- the writer (sqlite.c's insert path) ---- */
typedef struct otail otail_t;
struct sqlite3;
/* A writer for database path db; NULL when out of memory (no tail). */
otail_t *otail_new(const char *db);
void otail_free(otail_t *t);
/* Transaction bookkeeping: depth as store_ops_t's. commit after a
 * successful COMMIT/RELEASE; rollback after ROLLBACK (TO). */
void otail_begin(otail_t *t, int depth);
void otail_commit(otail_t *t, int depth);
void otail_rollback(otail_t *t, int depth);
/* An event just inserted by db (not a duplicate): its row, with the next
 * change seq, kept until the outermost commit. */
void otail_inserted(otail_t *t, struct sqlite3 *db, const ordo_outcome_event_t *e);
/* An event whose transaction committed already, numbered seq (a bulk
 * load's end, outcome_bulk.c, in numbering order): appended by 4,096 rows;
 * otail_commit(t, 1) appends the rest. */
void otail_committed(otail_t *t, struct sqlite3 *db, const ordo_outcome_event_t *e, uint64_t seq);

#endif
