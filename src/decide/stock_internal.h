/* SPDX-License-Identifier: Apache-2.0 */
/* ordo decide — the stock step of the decision path: the store is the
 * authority over stock, the in-memory inventory its fast copy
 * (docs/internals/STORE.md "Stock"). */
#ifndef ORDO_DECIDE_STOCK_INTERNAL_H
#define ORDO_DECIDE_STOCK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ordo/buf.h"

#include "ordo/network.h"
#include "ordo/source.h"
#include "ordo/store.h"

/* One plan line's reservation, queued for the store: applied (forced) in
 * the decider's open transaction, in seq order, by whichever thread holds
 * the connection (the committer between groups, the decider at commit). */
/* What an op does: a plan line's reservation, or the customer mapping of
 * a decision's pseudonym (ordo_store_customer_key; order_off then points
 * at the customer id), written by the applier, off the decider's thread. */
enum { STOCK_OP_RESERVE = 0, STOCK_OP_CUSTOMER = 1 };

typedef struct stock_op {
    uint64_t seq;
    int kind;               /* STOCK_OP_* */
    const char *node, *sku; /* the network's ids */
    uint32_t shipment;
    uint32_t order_off;     /* the order id: at ids.data + order_off */
    int64_t qty;
    ordo_stock_row_t seed;  /* the cell before the plan, if the store lacks it */
} stock_op_t;

typedef struct stock_queue {
    stock_op_t *ops;
    uint32_t n, cap, next; /* next: the first op not applied yet */
    ordo_buf_t ids;        /* order ids, NUL-terminated */
} stock_queue_t;

typedef struct decide_stock {
    ordo_store_t *store;       /* borrowed */
    const ordo_network_t *net; /* borrowed; its inventory is the fast copy */
    bool tx;                   /* a store transaction holds the open group */
    uint64_t tx_last_seq;      /* the highest seq reserved in it */
    uint32_t tx_orders;
    bool aborted;              /* a group was rolled back: the mark stays */
    uint64_t reapplied;        /* open: logged decisions re-applied */
    uint64_t dropped_units;    /* open: units of reservations without a record */
    /* PostgreSQL: each order reserves its cells with conditional upserts
     * before its record is appended (stock_rows.c), so a logged record
     * always has its reservation and recovery re-applies nothing */
    bool rows;
    uint64_t unreserved;       /* open (rows): records after the mark, not re-applied */
    _Atomic uint64_t refused;  /* rows: plans refused by a cell, decided again */
    uint64_t rows_restored;    /* rows: retried records whose lost reservation was re-taken */
    ordo_store_plan_cell_t *rows_cells; /* an order's cells (rows; SQLite: apply_op) */
    int64_t *rows_ids;                  /* their inventory cells (-1: not in the network) */
    uint32_t rows_cap;
    /* conn: the store connection (the decider's thread and the applier
     * take it in turns); queue_mu: the queue the decider fills */
    pthread_mutex_t conn, queue_mu;
    _Atomic int conn_wanted; /* the decider's thread waits for conn: the
                                applier lets it go first */
    bool mutexes;
    stock_queue_t pending, applying; /* applying: swapped out of pending */
    _Atomic int apply_rc;            /* the first failed apply (set under conn) */
    ordo_error_t apply_err;
} decide_stock_t;

/* The decider's thread takes and gives back the store connection (the
 * applier yields to it between statements). */
void ordo_decide_stock_lock(decide_stock_t *s);
void ordo_decide_stock_unlock(decide_stock_t *s);
/* The mutexes (before open) and everything the handle holds (at the end). */
int ordo_decide_stock_init(decide_stock_t *s, ordo_error_t *err);
void ordo_decide_stock_free(decide_stock_t *s);
/* Recovery under the log's writer lock: reservations of seq > last_seq are
 * dropped, decision records after the store's mark are re-applied, the
 * mark set to last_seq; then the store's cells are loaded into memory. */
int ordo_decide_stock_open(decide_stock_t *s, const char *log_dir, uint64_t last_seq,
                           ordo_error_t *err);
/* Copies every cell the store holds into the in-memory inventory. */
int ordo_decide_stock_load(decide_stock_t *s, ordo_error_t *err);
/* Before an order is decided, with s->conn held: opens the group's store
 * transaction if none is open (*begun true: the caller then checks whether
 * another connection committed, and reloads the stock). While it is open
 * no other connection can write, so the memory copy is exact and a plan
 * the engine reserved in memory fits the store's ATP. */
int ordo_decide_stock_begin(decide_stock_t *s, bool *begun, ordo_error_t *err);
/* Queues the plan's reservations under the decision record's seq, and
 * the mapping of customer_id's pseudonym (NULL: none). */
int ordo_decide_stock_record(decide_stock_t *s, const ordo_plan_t *plan, uint64_t seq,
                             const char *customer_id, ordo_error_t *err);
/* Applies the queued ops, holding s->conn for as long as the decider's
 * thread does not ask for it (it checks conn_wanted between statements),
 * so the decider never waits more than one statement for the connection
 * (any thread; the committer calls it after each log commit). */
int ordo_decide_stock_apply(decide_stock_t *s, ordo_error_t *err);
/* With s->conn held: applies what is queued and commits the open group
 * (its reservations and the mark). */
int ordo_decide_stock_commit(decide_stock_t *s, ordo_error_t *err);
/* At close: commits the open group with the mark at last_seq (the last
 * record this handle appended; all of them are reflected). */
int ordo_decide_stock_close(decide_stock_t *s, uint64_t last_seq, ordo_error_t *err);
/* PostgreSQL (rows): the plan's reservations (and the mapping of
 * customer_id's pseudonym), committed in one transaction of row locks
 * under seq, the seq its record will get. *taken false: a cell refused
 * (another instance took its units); nothing is stored, the plan's units
 * are given back in memory and the refused cells re-read from the store,
 * for the order to be decided again. On an error the plan's units are
 * given back in memory too. With s->conn held. */
int ordo_decide_stock_rows_take(decide_stock_t *s, const ordo_plan_t *plan, uint64_t seq,
                                const char *customer_id, bool *taken, ordo_error_t *err);
/* PostgreSQL (rows): before a retried order is answered from its logged
 * record (seq): its reservation is made sure of in the store (a crash of
 * the server loses what committed since the last ordo_store_sync), taken
 * again, conditionally, under seq when it is missing. *lost: it was
 * missing and a cell refused (the stock is gone: the order is to be
 * decided again). With s->conn held. */
struct ordo_record;
int ordo_decide_stock_rows_check(decide_stock_t *s, uint64_t seq, const struct ordo_record *rec,
                                 bool *lost, ordo_error_t *err);
/* Rolls the open group back, queue and all (recovery re-applies its
 * logged decisions); with s->conn held. */
void ordo_decide_stock_abort(decide_stock_t *s);

#endif
