/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — a bulk load's outcome events, staged (SQLite; STORE.md
 * "Bulk load"): appended to a plain rowid table during the load, moved
 * into outcome_event and outcome_change at its end, or by the next open
 * when the process died first. Functions return SQLite result codes (the
 * message is the handle's sqlite3_errmsg). */
#ifndef ORDO_STORE_OUTCOME_BULK_H
#define ORDO_STORE_OUTCOME_BULK_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

/* The staging insert, with ST_EV_INSERT's parameters ?1 to ?16. */
extern const char ordo_stage_insert_sql[];

/* Begins a load (outside a transaction): drops outcome_event's order
 * index; when outcome_event holds no event, also makes the stage table and
 * sets *staged (else inserts stay row by row: a repeat of a stored event
 * is ignored as ever). */
int ordo_stage_begin(sqlite3 *db, bool *staged, char *msg, size_t cap);

/* Moves the staged events, if any, into outcome_event (inserted in
 * event_id order) and outcome_change (numbered in staging order: the order
 * row-by-row inserts would have given), in one transaction of its own (or
 * a savepoint inside the caller's). An id staged twice, or already stored,
 * keeps its first version and is numbered once, as row by row. end: the
 * stage table is dropped too. Idempotent; takes no write lock when nothing
 * is staged. On failure nothing changes and msg (cap bytes) says why. */
int ordo_stage_move(sqlite3 *db, bool end, char *msg, size_t cap);

#endif
