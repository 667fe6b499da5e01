/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — counterfactual replay of logged decisions under another policy:
 * the log's records (read by the record module) through the engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/arena.h"
#include "ordo/decide.h"
#include "ordo/inventory.h"
#include "ordo/log.h"
#include "ordo/order.h"
#include "ordo/record.h"
#include "ordo/signals.h"
#include "ordo/source.h"
#include "ordo/store.h"

/* The signal snapshot of the version a record names, loaded from the
 * store once per version in a row (records come in order: versions
 * change rarely). */
typedef struct replay_signals {
    ordo_store_t *store; /* NULL: records with signals are not replayed */
    const ordo_network_t *net;
    ordo_signals_t *snap;
    uint64_t version;
} replay_signals_t;

static int signals_for(replay_signals_t *rs, uint64_t version, const ordo_signals_t **out,
                       ordo_error_t *err)
{
    *out = ordo_signals_empty();
    if (version == 0)
        return ORDO_OK;
    if (!rs->store)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "signals_version",
                              "decided with signals version %llu: no store to load it from",
                              (unsigned long long)version);
    if (!rs->snap || rs->version != version) {
        ordo_signals_destroy(rs->snap);
        rs->snap = NULL;
        int rc = ordo_signals_load(rs->store, rs->net, version, &rs->snap, err);
        if (rc)
            return rc;
        rs->version = version;
        if (ordo_signals_version(rs->snap) != version)
            return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "signals_version",
                                  "signals version %llu is not in the store",
                                  (unsigned long long)version);
    }
    *out = rs->snap;
    return ORDO_OK;
}

/* Sets every cell of the order's SKUs to the logged ATP (0 when the record
 * saw none there). on_hand = ATP + safety stock, nothing reserved. */
static void restore_atp(ordo_network_t *net, const ordo_order_t *order, const ordo_record_t *rec)
{
    for (uint32_t i = 0; i < order->n_lines; i++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, order->lines[i].sku);
        for (uint32_t c = r.begin; c < r.end; c++) {
            ordo_stock_t st;
            ordo_inventory_get(net->inventory, c, &st);
            ordo_inventory_set(net->inventory, c, st.safety_stock, 0);
        }
    }
    for (uint32_t i = 0; i < rec->n_atp; i++) {
        const ordo_record_atp_t *e = &rec->atp[i];
        int32_t node = ordo_network_node(net, e->node ? e->node : "");
        int32_t sku = ordo_network_sku(net, e->sku ? e->sku : "");
        double v = e->atp == e->atp ? e->atp : 0;
        if (node < 0 || sku < 0 || v < 0 || v > 2e9)
            continue;
        int64_t cell = ordo_inventory_cell(net->inventory, (uint32_t)node, (uint32_t)sku);
        if (cell < 0)
            continue;
        ordo_stock_t st;
        ordo_inventory_get(net->inventory, (uint32_t)cell, &st);
        int64_t on_hand = (int64_t)v + st.safety_stock;
        if (on_hand > INT32_MAX)
            on_hand = INT32_MAX;
        ordo_inventory_set(net->inventory, (uint32_t)cell, (int32_t)on_hand, 0);
    }
}

/* The signature of a plan just decided, as the record of it would give. */
static char *plan_signature(const ordo_plan_t *p, const ordo_network_t *net, ordo_arena_t *a)
{
    ordo_record_plan_t rp = {0};
    rp.n_shipments = p->n_shipments;
    rp.shipments = ordo_arena_calloc(a, p->n_shipments ? p->n_shipments : 1, sizeof *rp.shipments);
    if (!rp.shipments)
        return NULL;
    for (uint32_t s = 0; s < p->n_shipments; s++) {
        const ordo_shipment_t *sh = &p->shipments[s];
        ordo_record_shipment_t *rs = &rp.shipments[s];
        rs->node = net->nodes[sh->node].id;
        rs->service = sh->service == ORDO_SERVICE_PICKUP ? "pickup"
                      : sh->service >= 0 && (uint32_t)sh->service < net->n_services
                          ? net->services[sh->service].id
                          : NULL;
        rs->n_lines = sh->n_lines;
        rs->lines = ordo_arena_calloc(a, sh->n_lines ? sh->n_lines : 1, sizeof *rs->lines);
        if (!rs->lines)
            return NULL;
        for (uint32_t j = 0; j < sh->n_lines; j++) {
            rs->lines[j].sku = net->skus[sh->lines[j].sku].id;
            rs->lines[j].quantity = sh->lines[j].quantity;
        }
    }
    return ordo_record_plan_signature(&rp, a);
}

/* The logged side of a row, from the record. */
static void logged_side(const ordo_record_t *rec, ordo_replay_row_t *row, ordo_arena_t *arena)
{
    row->order_id = rec->order_id ? rec->order_id : "";
    row->logged_policy = rec->policy_name ? rec->policy_name : "";
    row->logged_version = rec->policy_version ? rec->policy_version : "";
    row->logged_cost = rec->plan.cost.total == rec->plan.cost.total ? rec->plan.cost.total : 0;
    row->logged_on_time = rec->plan.on_time_prob == rec->plan.on_time_prob ? rec->plan.on_time_prob
                                                                           : 0;
    row->logged_shipments = rec->plan.n_shipments;
    row->logged_plan = ordo_record_plan_signature(&rec->plan, arena);
}

/* Re-decides one record; msg gets why not. */
static void replay_one(const ordo_log_record_t *lr, ordo_network_t *net, ordo_engine_t *eng,
                       const ordo_policy_t *policy, replay_signals_t *rs, ordo_arena_t *arena,
                       ordo_replay_row_t *row, char *msg, size_t msg_size)
{
    ordo_record_t rec;
    ordo_error_t e2 = {0};
    int r2 = ordo_record_read(lr->appended, lr->appended_len, ORDO_RECORD_READ_ORDER, arena, &rec,
                              &e2);
    if (r2 || !rec.plan.present || !rec.order.present || !rec.order.json) {
        snprintf(msg, msg_size, "record %llu is not a decision record with order and plan",
                 (unsigned long long)lr->seq);
        return;
    }
    logged_side(&rec, row, arena);
    ordo_order_t order;
    ordo_plan_t *plan = NULL;
    r2 = ordo_order_parse(rec.order.json, strlen(rec.order.json), net, arena, &order, &e2);
    if (r2 == ORDO_OK) {
        restore_atp(net, &order, &rec);
        ordo_decide_opts_t o = {.now = rec.has_time ? rec.time : 0};
        r2 = signals_for(rs, rec.signals_version, &o.signals, &e2);
        if (r2 == ORDO_OK)
            r2 = ordo_source_decide(eng, policy, &order, &o, arena, &plan, &e2);
    }
    if (r2 != ORDO_OK) {
        char m[ORDO_ERROR_MSG_MAX + 128];
        snprintf(msg, msg_size, "%s", ordo_error_format(&e2, m, sizeof m));
        return;
    }
    row->replay_status = ordo_plan_status_name(plan->status);
    row->replay_cost = plan->cost.total;
    row->replay_on_time = plan->on_time_prob;
    row->replay_shipments = plan->n_shipments;
    row->replay_plan = plan_signature(plan, net, arena);
    if (!row->replay_plan) {
        snprintf(msg, msg_size, "cannot render the replayed plan");
        return;
    }
    row->changed =
        !row->logged_plan || !row->replay_plan || strcmp(row->logged_plan, row->replay_plan) != 0;
}

static void add_totals(ordo_replay_totals_t *t, const ordo_replay_row_t *row)
{
    if (row->error) {
        t->failed++;
        return;
    }
    t->replayed++;
    t->changed += row->changed;
    t->logged_cost += row->logged_cost;
    t->replay_cost += row->replay_cost;
    t->logged_on_time_sum += row->logged_on_time;
    t->replay_on_time_sum += row->replay_on_time;
}

int ordo_decide_replay(const char *log_dir, const ordo_log_query_t *q, ordo_network_t *net,
                       ordo_engine_t *eng, const ordo_policy_t *policy, ordo_replay_cb cb,
                       void *ctx, ordo_replay_totals_t *totals, ordo_error_t *err)
{
    return ordo_decide_replay_signals(log_dir, q, net, eng, policy, NULL, cb, ctx, totals, err);
}

int ordo_decide_replay_signals(const char *log_dir, const ordo_log_query_t *q, ordo_network_t *net,
                               ordo_engine_t *eng, const ordo_policy_t *policy,
                               ordo_store_t *store, ordo_replay_cb cb, void *ctx,
                               ordo_replay_totals_t *totals, ordo_error_t *err)
{
    replay_signals_t rs = {store, net, NULL, 0};
    memset(totals, 0, sizeof *totals);
    ordo_log_iter_t *it;
    ordo_log_query_t qr = {0};
    if (q)
        qr = *q;
    qr.raw = true; /* records are read typed (ordo_record_read): no JSON text */
    int rc = ordo_log_iter_open(log_dir, &qr, &it, err);
    if (rc)
        return rc;
    ordo_arena_t *arena = ordo_arena_create(1 << 20);
    if (!arena) {
        ordo_log_iter_close(it);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    ordo_log_record_t lr;
    while ((rc = ordo_log_iter_next(it, &lr, err)) == 1) {
        rc = ORDO_OK;
        if (lr.type != ORDO_LOG_REC_DECISION)
            continue;
        totals->records++;
        ordo_arena_reset(arena);
        ordo_replay_row_t row;
        memset(&row, 0, sizeof row);
        row.seq = lr.seq;
        char msg[512] = "";
        replay_one(&lr, net, eng, policy, &rs, arena, &row, msg, sizeof msg);
        if (msg[0])
            row.error = msg;
        add_totals(totals, &row);
        int stop = cb ? cb(ctx, &row) : 0;
        if (stop) {
            rc = stop;
            break;
        }
    }
    ordo_arena_destroy(arena);
    ordo_log_iter_close(it);
    ordo_signals_destroy(rs.snap);
    return rc < 0 ? rc : ORDO_OK;
}
