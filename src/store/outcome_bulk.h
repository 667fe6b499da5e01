/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — a bulk load's outcome events, held in memory and stored in
 * two statements at its end (SQLite; docs/internals/STORE.md "Bulk load").
 * Functions returning int give SQLite result codes, and on failure a
 * message in msg (cap bytes). */
#ifndef ORDO_STORE_OUTCOME_BULK_H
#define ORDO_STORE_OUTCOME_BULK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "ordo/store.h"

typedef struct ordo_outcome_mem ordo_outcome_mem_t;

/* Begins a load (outside a transaction): drops outcome_event's order
 * index. When outcome_event holds no event, *out gets the load's memory
 * and the store a mark that a load is under way (committed); else *out is
 * NULL and inserts stay row by row (a repeat of a stored event is ignored
 * as ever). */
int ordo_outcome_mem_begin(sqlite3 *db, ordo_outcome_mem_t **out, char *msg, size_t cap);

/* Keeps a validated event (now: its ingested_at). 0, or -1 out of memory. */
int ordo_outcome_mem_add(ordo_outcome_mem_t *m, const ordo_outcome_event_t *e, int64_t now);

/* Stores the kept events in one transaction of its own: outcome_event in
 * event_id order (one INSERT ... SELECT: a b-tree written in key order),
 * outcome_change numbered in the order they were added (the numbering
 * row-by-row inserts give); an id added twice keeps its first version and
 * is numbered once. The mark goes in the same transaction. On failure
 * nothing is stored. Frees m either way. */
typedef void (*ordo_outcome_mem_each_fn)(void *ctx, const ordo_outcome_event_t *e, uint64_t seq);
int ordo_outcome_mem_end(ordo_outcome_mem_t *m, sqlite3 *db, char *msg, size_t cap);
/* The same, then, once they are committed (only when the load's end was
 * its own transaction, not inside a caller's), each(ctx, event, seq) for
 * every stored event in the order outcome_change numbered them, seq its
 * number (the outcome tail's rows: outcome_tail.c). each may be NULL. */
int ordo_outcome_mem_end_each(ordo_outcome_mem_t *m, sqlite3 *db, ordo_outcome_mem_each_fn each,
                              void *ctx, char *msg, size_t cap);

/* Frees m without storing its events (a handle closed in the middle of a
 * load: as if its process died). NULL: nothing. */
void ordo_outcome_mem_free(ordo_outcome_mem_t *m);

/* At open: SQLITE_BUSY and a message when the mark says a load is under
 * way, or died (its events were only in its memory). */
int ordo_outcome_mem_check(sqlite3 *db, char *msg, size_t cap);

#endif
