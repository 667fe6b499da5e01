/* SPDX-License-Identifier: Apache-2.0 */
/* ordo decide — the stock step of the decision path: the store is the
 * authority over stock, the in-memory inventory its fast copy
 * (docs/internals/STORE.md "Stock"). */
#ifndef ORDO_DECIDE_STOCK_INTERNAL_H
#define ORDO_DECIDE_STOCK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ordo/network.h"
#include "ordo/source.h"
#include "ordo/store.h"

typedef struct decide_stock {
    ordo_store_t *store;       /* borrowed */
    const ordo_network_t *net; /* borrowed; its inventory is the fast copy */
    bool tx;                   /* a store transaction holds the open group */
    uint64_t tx_last_seq;      /* the highest seq reserved in it */
    uint32_t tx_orders;
    bool aborted;              /* a group was rolled back: the mark stays */
    uint64_t refused;          /* plans the store refused (decided again) */
    uint64_t reapplied;        /* open: logged decisions re-applied */
    uint64_t dropped_units;    /* open: units of reservations without a record */
} decide_stock_t;

/* Recovery under the log's writer lock: reservations of seq > last_seq are
 * dropped, decision records after the store's mark are re-applied, the
 * mark set to last_seq; then the store's cells are loaded into memory. */
int ordo_decide_stock_open(decide_stock_t *s, const char *log_dir, uint64_t last_seq,
                           ordo_error_t *err);
/* Copies every cell the store holds into the in-memory inventory. */
int ordo_decide_stock_load(decide_stock_t *s, ordo_error_t *err);
/* Takes a plan the engine reserved in memory in the store, conditionally:
 * ORDO_ESTOCK when a cell's ATP in the store no longer covers it (nothing
 * of the plan stays reserved in the store; *refused_cell is the cell,
 * refreshed in memory from the store). */
int ordo_decide_stock_reserve(decide_stock_t *s, const ordo_plan_t *plan, uint32_t *refused_cell,
                              ordo_error_t *err);
/* Records the plan's reservations under the decision record's seq. */
int ordo_decide_stock_record(decide_stock_t *s, const ordo_plan_t *plan, uint64_t seq,
                             ordo_error_t *err);
/* Commits the open group (its reservations and the mark). */
int ordo_decide_stock_commit(decide_stock_t *s, ordo_error_t *err);
/* At close: commits the open group with the mark at last_seq (the last
 * record this handle appended; all of them are reflected). */
int ordo_decide_stock_close(decide_stock_t *s, uint64_t last_seq, ordo_error_t *err);
/* Rolls the open group back (recovery re-applies its logged decisions). */
void ordo_decide_stock_abort(decide_stock_t *s);

#endif
