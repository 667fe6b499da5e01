/* SPDX-License-Identifier: Apache-2.0 */
/* ordo decide — reservations in the store, in step with the decision log.
 *
 * A decision's reservations carry its record's log sequence number and
 * are written in the transaction of its group; the store's mark
 * (applied_seq) says up to which record the store reflects the log. The
 * log is the write-ahead log of the stock: after a crash, records past the
 * mark are re-applied and reservations past the log's end are dropped, so
 * the store holds exactly the reservations of the logged decisions,
 * whichever of the two was durable first (docs/internals/STORE.md). */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/arena.h"
#include "ordo/inventory.h"
#include "ordo/log.h"
#include "ordo/record.h"
#include "stock_internal.h"

/* Memory takes the store's on hand and reserved; a safety stock above the
 * network's is folded into reserved, so that the ATP in memory is never
 * more than the store's, with or without the safety stock (a store safety
 * below the network's leaves memory the network's: more careful). The
 * decider reserves on memory alone, so this is what keeps it within the
 * store. */
static void set_memory(decide_stock_t *s, uint32_t cell, const ordo_stock_row_t *r)
{
    ordo_stock_t cur;
    ordo_inventory_get(s->net->inventory, cell, &cur);
    int64_t on_hand = r->on_hand > INT32_MAX ? INT32_MAX : r->on_hand;
    int64_t reserved = r->reserved;
    if (r->safety > cur.safety_stock)
        reserved += r->safety - cur.safety_stock;
    if (reserved > on_hand)
        reserved = on_hand;
    ordo_inventory_set(s->net->inventory, cell, (int32_t)on_hand, (int32_t)reserved);
    /* the store's count time: a snapshot (inventory apply/load) re-dates
     * the cell, and stale-stock pricing ages it from there */
    if (r->as_of > 0 && r->as_of != cur.as_of)
        ordo_inventory_set_as_of(s->net->inventory, cell, r->as_of);
}

static int64_t cell_of(const ordo_network_t *net, const char *node, const char *sku)
{
    int32_t n = ordo_network_node(net, node), k = ordo_network_sku(net, sku);
    return n < 0 || k < 0 ? -1 : ordo_inventory_cell(net->inventory, (uint32_t)n, (uint32_t)k);
}

static int load_row(void *ctx, const ordo_stock_row_t *r)
{
    decide_stock_t *s = ctx;
    int64_t cell = cell_of(s->net, r->node, r->sku);
    if (cell >= 0)
        set_memory(s, (uint32_t)cell, r);
    return ORDO_OK;
}

int ordo_decide_stock_load(decide_stock_t *s, ordo_error_t *err)
{
    return ordo_store_stock_list(s->store, load_row, s, err);
}

/* The network's record of a cell as the seed of a store row (before any
 * reservation of this process: memory holds the network's values for a
 * cell the store has not seen). */
static ordo_stock_row_t seed_of(const ordo_network_t *net, int64_t cell, int64_t taken)
{
    ordo_stock_row_t r = {0};
    if (cell < 0)
        return r;
    ordo_stock_t cur;
    ordo_inventory_get(net->inventory, (uint32_t)cell, &cur);
    r.on_hand = cur.on_hand;
    r.reserved = cur.reserved - taken < 0 ? 0 : cur.reserved - taken;
    r.safety = cur.safety_stock;
    r.as_of = cur.as_of;
    return r;
}

/* One logged decision's reservations, forced (its plan was promised). */
static int reapply(decide_stock_t *s, uint64_t seq, const ordo_record_t *rec, ordo_error_t *err)
{
    const ordo_record_plan_t *p = &rec->plan;
    for (uint32_t i = 0; i < p->n_shipments; i++) {
        const ordo_record_shipment_t *sh = &p->shipments[i];
        for (uint32_t j = 0; j < sh->n_lines; j++) {
            const ordo_record_line_t *l = &sh->lines[j];
            if (!sh->node || !l->sku || !(l->quantity >= 1) || l->quantity > INT32_MAX)
                continue;
            int64_t q = (int64_t)l->quantity;
            ordo_stock_row_t seed = seed_of(s->net, cell_of(s->net, sh->node, l->sku), 0);
            bool taken;
            int rc = ordo_store_stock_reserve(s->store, sh->node, l->sku, &seed, q, false, true,
                                              &taken, err);
            if (rc == ORDO_OK)
                rc = ordo_store_reservation_add(s->store, seq, rec->order_id ? rec->order_id : "?",
                                                i, sh->node, l->sku, q, err);
            if (rc)
                return rc;
        }
    }
    s->reapplied++;
    return ORDO_OK;
}

/* Re-applies the decision records of seq > from. */
static int reapply_log(decide_stock_t *s, const char *log_dir, uint64_t from, ordo_error_t *err)
{
    ordo_log_query_t q = {.from_seq = from + 1};
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(log_dir, &q, &it, err);
    if (rc)
        return rc;
    ordo_arena_t *arena = ordo_arena_create(1 << 16);
    if (!arena) {
        ordo_log_iter_close(it);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    ordo_log_record_t r;
    while ((rc = ordo_log_iter_next(it, &r, err)) == 1) {
        if (r.seq <= from || r.type != ORDO_LOG_REC_DECISION)
            continue;
        ordo_arena_reset(arena);
        ordo_record_t rec;
        if ((rc = ordo_record_read(r.payload, r.len, 0, arena, &rec, err)) ||
            (rc = reapply(s, r.seq, &rec, err)))
            break;
    }
    ordo_arena_destroy(arena);
    ordo_log_iter_close(it);
    return rc < 0 ? rc : rc == 0 ? ORDO_OK : rc;
}

static int recover(decide_stock_t *s, const char *log_dir, uint64_t last, ordo_error_t *err)
{
    uint64_t applied = 0;
    ordo_error_t e2 = {0};
    int rc = ordo_store_stock_applied_seq(s->store, &applied, &e2);
    if (rc == ORDO_ENOTFOUND) /* first decider on this directory: adopt the log as it is */
        return ordo_store_stock_set_applied_seq(s->store, last, err);
    if (rc) {
        if (err)
            *err = e2;
        return rc;
    }
    if ((rc = ordo_store_reservation_drop_after(s->store, last, &s->dropped_units, err)))
        return rc;
    if (s->rows) /* each record's reservation committed before it was appended */
        s->unreserved += applied < last ? last - applied : 0;
    else if (applied < last && (rc = reapply_log(s, log_dir, applied, err)))
        return rc;
    return applied != last ? ordo_store_stock_set_applied_seq(s->store, last, err) : ORDO_OK;
}

int ordo_decide_stock_open(decide_stock_t *s, const char *log_dir, uint64_t last_seq,
                           ordo_error_t *err)
{
    int rc = ordo_store_tx_begin(s->store, err);
    if (rc)
        return rc;
    rc = recover(s, log_dir, last_seq, err);
    if (rc) {
        ordo_store_tx_rollback(s->store, NULL);
        return rc;
    }
    if ((rc = ordo_store_tx_commit(s->store, err)))
        return rc;
    return ordo_decide_stock_load(s, err);
}

/* Units of the plan at cell (a SKU on two order lines may share a cell). */
static int64_t plan_qty(const ordo_plan_t *plan, uint32_t cell)
{
    int64_t q = 0;
    for (uint32_t i = 0; i < plan->n_shipments; i++)
        for (uint32_t j = 0; j < plan->shipments[i].n_lines; j++)
            if (plan->shipments[i].lines[j].cell == cell)
                q += plan->shipments[i].lines[j].quantity;
    return q;
}

int ordo_decide_stock_init(decide_stock_t *s, ordo_error_t *err)
{
    /* recursive: the decider's thread re-enters the store (a policy load
     * inside the reload of its turn) */
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    int bad = pthread_mutex_init(&s->conn, &a);
    pthread_mutexattr_destroy(&a);
    if (bad)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot create a mutex");
    if (pthread_mutex_init(&s->queue_mu, NULL)) {
        pthread_mutex_destroy(&s->conn);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "cannot create a mutex");
    }
    s->mutexes = true;
    ordo_buf_init(&s->pending.ids, NULL);
    ordo_buf_init(&s->applying.ids, NULL);
    return ORDO_OK;
}

static void queue_clear(stock_queue_t *q)
{
    q->n = q->next = 0;
    ordo_buf_reset(&q->ids);
}

void ordo_decide_stock_free(decide_stock_t *s)
{
    if (!s->mutexes)
        return;
    pthread_mutex_destroy(&s->conn);
    pthread_mutex_destroy(&s->queue_mu);
    s->mutexes = false;
    free(s->pending.ops);
    free(s->applying.ops);
    ordo_buf_free(&s->pending.ids);
    ordo_buf_free(&s->applying.ids);
    free(s->rows_cells);
    free(s->rows_ids);
}

int ordo_decide_stock_begin(decide_stock_t *s, bool *begun, ordo_error_t *err)
{
    *begun = false;
    if (s->apply_rc) { /* the store failed under the applier: stop here */
        ordo_decide_stock_abort(s);
        if (err)
            *err = s->apply_err;
        return s->apply_rc;
    }
    if (s->tx)
        return ORDO_OK;
    int rc = ordo_store_tx_begin(s->store, err);
    if (rc == ORDO_OK) {
        s->tx = true;
        s->tx_orders = 0;
        s->tx_last_seq = 0;
        *begun = true;
    }
    return rc;
}

static int queue_push(stock_queue_t *q, const stock_op_t *op)
{
    if (q->n == q->cap) {
        uint32_t cap = q->cap ? q->cap * 2 : 1024;
        stock_op_t *o = realloc(q->ops, cap * sizeof *o);
        if (!o)
            return ORDO_ENOMEM;
        q->ops = o;
        q->cap = cap;
    }
    q->ops[q->n++] = *op;
    return ORDO_OK;
}

/* A NUL-terminated string into the queue's ids; its offset in *off. */
static int queue_str(stock_queue_t *q, const char *str, uint32_t *off)
{
    *off = (uint32_t)q->ids.len;
    if (q->ids.len > UINT32_MAX / 2 || ordo_buf_append(&q->ids, str, strlen(str) + 1))
        return ORDO_ENOMEM;
    return ORDO_OK;
}

/* The plan's lines as ops, into the pending queue (under queue_mu). */
static int queue_plan(decide_stock_t *s, const ordo_plan_t *plan, uint64_t seq)
{
    stock_queue_t *q = &s->pending;
    const char *order_id = plan->order && plan->order->id ? plan->order->id : "?";
    stock_op_t op = {.seq = seq, .kind = STOCK_OP_RESERVE};
    if (queue_str(q, order_id, &op.order_off))
        return ORDO_ENOMEM;
    for (uint32_t i = 0; i < plan->n_shipments; i++) {
        const ordo_shipment_t *sh = &plan->shipments[i];
        for (uint32_t j = 0; j < sh->n_lines; j++) {
            const ordo_plan_line_t *l = &sh->lines[j];
            op.node = s->net->nodes[sh->node].id;
            op.sku = s->net->skus[l->sku].id;
            op.shipment = i;
            op.qty = l->quantity;
            op.seed = seed_of(s->net, l->cell, plan_qty(plan, l->cell));
            if (queue_push(q, &op))
                return ORDO_ENOMEM;
        }
    }
    return ORDO_OK;
}

/* The customer's mapping as an op (under queue_mu). */
static int queue_customer(decide_stock_t *s, const char *customer_id, uint64_t seq)
{
    stock_op_t op = {.seq = seq, .kind = STOCK_OP_CUSTOMER};
    if (queue_str(&s->pending, customer_id, &op.order_off))
        return ORDO_ENOMEM;
    return queue_push(&s->pending, &op);
}

int ordo_decide_stock_record(decide_stock_t *s, const ordo_plan_t *plan, uint64_t seq,
                             const char *customer_id, ordo_error_t *err)
{
    if (!s->tx)
        return ORDO_OK;
    s->tx_orders++;
    if (seq > s->tx_last_seq)
        s->tx_last_seq = seq;
    if (!plan->reserved && !customer_id)
        return ORDO_OK;
    pthread_mutex_lock(&s->queue_mu);
    int rc = customer_id ? queue_customer(s, customer_id, seq) : ORDO_OK;
    if (rc == ORDO_OK && plan->reserved)
        rc = queue_plan(s, plan, seq);
    pthread_mutex_unlock(&s->queue_mu);
    return rc ? ordo_error_set(err, rc, NULL, 0, NULL, "out of memory") : ORDO_OK;
}

static int rows_room(decide_stock_t *s, uint32_t n, ordo_error_t *err);

/* The op at a->next, with conn held: a customer's mapping, or a plan's
 * reservation (its lines are the ops that follow with its seq: queue_plan
 * queues them together) in one store call, in their order, forced; *used
 * the ops it took. The plan's cells go in rows_cells (SQLite only: the
 * rows path is PostgreSQL's). */
static int apply_op(decide_stock_t *s, const stock_queue_t *a, uint32_t *used, ordo_error_t *e)
{
    const stock_op_t *op = &a->ops[a->next];
    const char *id = a->ids.data + op->order_off;
    *used = 1;
    if (op->kind == STOCK_OP_CUSTOMER) {
        char key[ORDO_CUSTOMER_KEY_LEN];
        return ordo_store_customer_key(s->store, id, key, e);
    }
    uint32_t n = 1;
    while (a->next + n < a->n && op[n].kind == STOCK_OP_RESERVE && op[n].seq == op->seq &&
           op[n].order_off == op->order_off)
        n++;
    int rc = rows_room(s, n, e);
    for (uint32_t i = 0; rc == ORDO_OK && i < n; i++)
        s->rows_cells[i] = (ordo_store_plan_cell_t){.node = op[i].node,
                                                    .sku = op[i].sku,
                                                    .shipment = op[i].shipment,
                                                    .qty = op[i].qty,
                                                    .seed = op[i].seed};
    *used = n;
    return rc ? rc : ordo_store_stock_hold_plan(s->store, op->seq, id, s->rows_cells, n, e);
}

/* With conn held: applies the next queued op or plan (the applying queue first,
 * then what is pending, swapped in), so ops reach the store in seq order
 * whichever thread applies them. 1 when one was applied, 0 when none is
 * left, or an error (kept in apply_rc). */
static int apply_one(decide_stock_t *s, ordo_error_t *err)
{
    stock_queue_t *a = &s->applying;
    if (s->apply_rc)
        return s->apply_rc;
    if (a->next == a->n) {
        queue_clear(a);
        pthread_mutex_lock(&s->queue_mu);
        stock_queue_t t = s->pending;
        s->pending = *a;
        *a = t;
        pthread_mutex_unlock(&s->queue_mu);
        if (a->n == 0)
            return 0;
    }
    ordo_error_t e = {0};
    uint32_t used;
    int rc = apply_op(s, a, &used, &e);
    a->next += used;
    if (rc == ORDO_OK)
        return 1;
    s->apply_rc = rc;
    s->apply_err = e;
    if (err)
        *err = e;
    return rc;
}

void ordo_decide_stock_lock(decide_stock_t *s)
{
    atomic_fetch_add(&s->conn_wanted, 1);
    pthread_mutex_lock(&s->conn);
    atomic_fetch_sub(&s->conn_wanted, 1);
}

void ordo_decide_stock_unlock(decide_stock_t *s)
{
    pthread_mutex_unlock(&s->conn);
}

int ordo_decide_stock_apply(decide_stock_t *s, ordo_error_t *err)
{
    if (!s->mutexes)
        return ORDO_OK;
    for (;;) {
        /* a mutex is not fair: without this the applier, taking it again
         * at once, would keep the decider waiting for the whole queue */
        while (atomic_load(&s->conn_wanted))
            sched_yield();
        pthread_mutex_lock(&s->conn);
        /* a run of ops per turn, until the decider's thread asks for the
         * connection (rarely: at its group's commit, or a policy load) */
        int rc = 0;
        while (s->tx && (rc = apply_one(s, err)) == 1 && !atomic_load(&s->conn_wanted))
            ;
        pthread_mutex_unlock(&s->conn);
        if (rc <= 0)
            return rc;
    }
}

int ordo_decide_stock_commit(decide_stock_t *s, ordo_error_t *err)
{
    if (!s->tx)
        return ORDO_OK;
    int rc;
    while ((rc = apply_one(s, err)) == 1)
        ;
    s->tx = false;
    if (rc == ORDO_OK && s->tx_last_seq)
        rc = ordo_store_stock_set_applied_seq(s->store, s->tx_last_seq, err);
    if (rc == ORDO_OK) /* the customers' mappings with the reservations (cust_feed.c) */
        rc = ordo_store_customer_flush(s->store, err);
    if (rc) {
        ordo_store_tx_rollback(s->store, NULL);
        s->aborted = true;
        return rc;
    }
    return ordo_store_tx_commit(s->store, err);
}

int ordo_decide_stock_close(decide_stock_t *s, uint64_t last_seq, ordo_error_t *err)
{
    /* every record this handle appended is reflected: the mark moves to the
     * last, so the next open does not read the unreserving tail again */
    if (s->aborted) /* a group was lost: the next open re-applies it from the log */
        return ORDO_OK;
    bool begun;
    int rc = last_seq > s->tx_last_seq ? ordo_decide_stock_begin(s, &begun, err) : ORDO_OK;
    if (rc == ORDO_OK && last_seq > s->tx_last_seq)
        s->tx_last_seq = last_seq;
    return rc ? rc : ordo_decide_stock_commit(s, err);
}

void ordo_decide_stock_abort(decide_stock_t *s)
{
    if (s->tx)
        ordo_store_tx_rollback(s->store, NULL);
    s->tx = false;
    s->aborted = true;
    queue_clear(&s->applying);
    pthread_mutex_lock(&s->queue_mu);
    queue_clear(&s->pending);
    pthread_mutex_unlock(&s->queue_mu);
}

/* ---- PostgreSQL: each order's reservation before its record (rows) ---- */

/* Room for n cells in s->rows_cells and s->rows_ids (kept: no allocation
 * once warm). */
static int rows_room(decide_stock_t *s, uint32_t n, ordo_error_t *err)
{
    if (n <= s->rows_cap)
        return ORDO_OK;
    uint32_t cap = s->rows_cap ? s->rows_cap : 16;
    while (cap < n)
        cap *= 2;
    ordo_store_plan_cell_t *c = realloc(s->rows_cells, cap * sizeof *c);
    if (c)
        s->rows_cells = c;
    int64_t *ids = c ? realloc(s->rows_ids, cap * sizeof *ids) : NULL;
    if (!ids)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    s->rows_ids = ids;
    s->rows_cap = cap;
    return ORDO_OK;
}

static int rows_cell_cmp(const ordo_store_plan_cell_t *x, const ordo_store_plan_cell_t *y)
{
    int c = strcmp(x->node, y->node);
    return c ? c : strcmp(x->sku, y->sku);
}

/* Cell c (inventory cell id: -1 when the network lacks it) as the n-th,
 * kept in (node, SKU) order so that two instances never wait for each
 * other's row locks in a cycle (insertion: plans are short, and qsort may
 * allocate). */
static void rows_put(decide_stock_t *s, uint32_t n, const ordo_store_plan_cell_t *c, int64_t id)
{
    uint32_t k = n;
    for (; k > 0 && rows_cell_cmp(&s->rows_cells[k - 1], c) > 0; k--) {
        s->rows_cells[k] = s->rows_cells[k - 1];
        s->rows_ids[k] = s->rows_ids[k - 1];
    }
    s->rows_cells[k] = *c;
    s->rows_ids[k] = id;
}

/* The plan's lines as sorted cells; *n of them. *dips: the plan took
 * units of a cell's safety stock in memory (its policy allows it: a plan
 * that respects safety stock never does), so the store lets it too. */
static int rows_of_plan(decide_stock_t *s, const ordo_plan_t *plan, uint32_t *n, bool *dips,
                        ordo_error_t *err)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < plan->n_shipments; i++)
        total += plan->shipments[i].n_lines;
    int rc = rows_room(s, total, err);
    *n = 0;
    *dips = false;
    for (uint32_t i = 0; rc == ORDO_OK && i < plan->n_shipments; i++) {
        const ordo_shipment_t *sh = &plan->shipments[i];
        for (uint32_t j = 0; j < sh->n_lines; j++) {
            const ordo_plan_line_t *l = &sh->lines[j];
            ordo_stock_t cur;
            ordo_inventory_get(s->net->inventory, l->cell, &cur);
            *dips = *dips || (int64_t)cur.on_hand - cur.reserved < (int64_t)cur.safety_stock;
            ordo_store_plan_cell_t c = {.node = s->net->nodes[sh->node].id,
                                        .sku = s->net->skus[l->sku].id,
                                        .shipment = i,
                                        .qty = l->quantity,
                                        .seed = seed_of(s->net, l->cell, plan_qty(plan, l->cell))};
            rows_put(s, (*n)++, &c, l->cell);
        }
    }
    return rc;
}

/* A logged record's lines as sorted cells (the cells the network lacks
 * or with no units are left out); *n of them. */
static int rows_of_record(decide_stock_t *s, const ordo_record_plan_t *p, uint32_t *n,
                          ordo_error_t *err)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < p->n_shipments; i++)
        total += p->shipments[i].n_lines;
    int rc = rows_room(s, total, err);
    *n = 0;
    for (uint32_t i = 0; rc == ORDO_OK && i < p->n_shipments; i++) {
        const ordo_record_shipment_t *sh = &p->shipments[i];
        for (uint32_t j = 0; j < sh->n_lines; j++) {
            const ordo_record_line_t *l = &sh->lines[j];
            if (!sh->node || !l->sku || !(l->quantity >= 1) || l->quantity > INT32_MAX)
                continue;
            int64_t cell = cell_of(s->net, sh->node, l->sku);
            ordo_store_plan_cell_t c = {.node = sh->node,
                                        .sku = l->sku,
                                        .shipment = i,
                                        .qty = (int64_t)l->quantity,
                                        .seed = seed_of(s->net, cell, 0)};
            rows_put(s, (*n)++, &c, cell);
        }
    }
    return rc;
}

/* Cell k of the last rows_of_* re-read from the store into memory. */
static void rows_reread(decide_stock_t *s, uint32_t k)
{
    ordo_stock_row_t row;
    bool found;
    if (s->rows_ids[k] >= 0 &&
        ordo_store_stock_get(s->store, s->rows_cells[k].node, s->rows_cells[k].sku, &row, &found,
                             NULL) == ORDO_OK &&
        found)
        set_memory(s, (uint32_t)s->rows_ids[k], &row);
}

/* The plan's units given back in memory; the refused cell (1-based, 0:
 * none) re-read. */
static void rows_undo(decide_stock_t *s, const ordo_plan_t *plan, uint32_t refused)
{
    for (uint32_t i = 0; plan->reserved && i < plan->n_shipments; i++)
        for (uint32_t j = 0; j < plan->shipments[i].n_lines; j++) {
            const ordo_plan_line_t *l = &plan->shipments[i].lines[j];
            (void)ordo_inventory_release(s->net->inventory, l->cell, (int32_t)l->quantity);
        }
    if (refused)
        rows_reread(s, refused - 1);
}

int ordo_decide_stock_rows_take(decide_stock_t *s, const ordo_plan_t *plan, uint64_t seq,
                                const char *customer_id, bool *taken, ordo_error_t *err)
{
    const char *order_id = plan->order && plan->order->id ? plan->order->id : "?";
    char key[ORDO_CUSTOMER_KEY_LEN];
    uint32_t n = 0;
    int32_t res = 0;
    bool dips = false;
    *taken = false;
    int rc = plan->reserved ? rows_of_plan(s, plan, &n, &dips, err) : ORDO_OK;
    if (rc == ORDO_OK && customer_id)
        rc = ordo_store_customer_key_of(s->store, customer_id, key, err);
    if (rc == ORDO_OK)
        rc = ordo_store_stock_reserve_plan(s->store, seq, order_id, s->rows_cells, n, !dips,
                                           customer_id ? key : NULL, customer_id, &res, err);
    *taken = rc == ORDO_OK && res <= 0;
    if (!*taken)
        rows_undo(s, plan, rc == ORDO_OK ? (uint32_t)res : 0);
    return rc;
}

int ordo_decide_stock_rows_check(decide_stock_t *s, uint64_t seq, const ordo_record_t *rec,
                                 bool *lost, ordo_error_t *err)
{
    uint32_t n = 0;
    int32_t res = -1;
    *lost = false;
    int rc = rows_of_record(s, &rec->plan, &n, err);
    if (rc == ORDO_OK && n > 0)
        rc = ordo_store_stock_reserve_plan(s->store, seq, rec->order_id ? rec->order_id : "?",
                                           s->rows_cells, n, true, NULL, NULL, &res, err);
    if (rc || res < 0) /* an error, or the reservation was there */
        return rc;
    *lost = res > 0;
    s->rows_restored += res == 0;
    /* taken again (memory, reloaded from a store without it, takes it
     * too: the cells re-read) or refused (re-read for the new decision) */
    for (uint32_t k = 0; k < n; k++)
        rows_reread(s, k);
    return ORDO_OK;
}
