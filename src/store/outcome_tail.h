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
#define OTAIL_VERSION 2u
#define OTAIL_MORE (1ull << 63) /* a continuation row's seq: the row's | this */
#define OTAIL_NUMS 7            /* numbers an event carries at most in the tail */
#define OTAIL_F_REFUND 1u       /* a refund among the numbers */
#define OTAIL_F_PROMISE 2u      /* promised_by = at + promise */
#define OTAIL_F_MORE 4u         /* a continuation row (otail_more_t) follows */
#define OTAIL_F_SQLITE 8u       /* not foldable from the row: read the order from SQLite */

/* One event (format 2, 64 bytes): the fields the outcome facts' fold
 * needs; its numbers (the cost parts given, in part order, the refund, a
 * measure's value) the first in num, the rest in a continuation row; the
 * order and event ids in the ids file ("<db>-outcomes-ids") at ids. */
typedef struct otail_row {
    uint64_t seq;    /* the event's number in the outcome change sequence */
    uint64_t oid[2]; /* XXH3-128 of the order id (the outcome facts' key) */
    int64_t at;
    uint64_t ids; /* offset of the event's ids record in the ids file */
    uint32_t shipment;
    uint8_t type, cost_mask, flags, measure;
    double num;      /* the event's first number (0: none) */
    int32_t promise; /* promised_by - at (OTAIL_F_PROMISE) */
    uint32_t sum;    /* XXH3-64 (low half) of the bytes before it */
} otail_row_t;
_Static_assert(sizeof(otail_row_t) == 64, "outcome tail row");

/* The continuation of a row with more than one number: right after it. */
typedef struct otail_more {
    uint64_t seq; /* the row's seq | OTAIL_MORE */
    double num[OTAIL_NUMS - 1];
    uint32_t n;   /* numbers here */
    uint32_t sum; /* XXH3-64 (low half) of the bytes before it */
} otail_more_t;
_Static_assert(sizeof(otail_more_t) == sizeof(otail_row_t), "outcome tail continuation");

/* An ids record (8-aligned): this, the order id's olen bytes, the event
 * id's elen bytes, zeros to the next multiple of 8. */
typedef struct otail_ids {
    uint64_t seq;
    uint32_t sum; /* XXH3-64 (low half) of the ids, seeded by seq and lengths */
    uint8_t olen, elen;
    uint16_t pad;
} otail_ids_t;

/* The tail's path for a database path: "<db>-outcomes". */
int otail_path(const char *db, char *out, size_t cap);
/* The ids file's path: "<db>-outcomes-ids". */
int otail_ids_path(const char *db, char *out, size_t cap);
/* true when the row at rows[i] of n is a whole event row: its checksum
 * holds, its seq is set, its continuation (if any) follows and holds. */
bool otail_row_ok(const otail_row_t *rows, size_t i, size_t n);
/* Sets a row's (or a continuation's) checksum. */
void otail_row_seal(otail_row_t *r);
void otail_more_seal(otail_more_t *m);
/* The numbers of a whole row (otail_row_ok): their count. */
int otail_row_nums(const otail_row_t *r, double num[OTAIL_NUMS]);

/* A mapped tail: rows [0, n) after the header. ino: the database file's
 * inode the tail was written for (a tail of another database is not used). */
typedef struct otail_map {
    const otail_row_t *rows;
    size_t n;
    void *map;
    size_t len;
    const char *ids; /* the ids file mapped (NULL: none) */
    size_t ids_len;
} otail_map_t;
/* Maps the tail of database db (whose inode is ino) read-only. false when
 * it is missing or written for another database (then *m is empty). */
bool otail_map_open(const char *db, int64_t ino, otail_map_t *m);
void otail_map_close(otail_map_t *m);
/* The ids of the event numbered seq whose record is at off: false when the
 * record is missing, of another event or damaged. */
bool otail_ids_get(const otail_map_t *m, uint64_t off, uint64_t seq, const char **order_id,
                   size_t *olen, const char **event_id, size_t *elen);

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
