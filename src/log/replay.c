/* ordo — counterfactual replay of logged decisions under another policy. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/arena.h"
#include "ordo/buf.h"
#include "ordo/inventory.h"
#include "ordo/json.h"
#include "ordo/log.h"
#include "ordo/order.h"
#include "ordo/policy.h"
#include "ordo/source.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "node/service/sku×qty;..." over the plan's shipments, sorted, so two
 * plans that ship the same units the same way compare equal. */
static char *plan_signature(const cJSON *plan, ordo_arena_t *a)
{
    const cJSON *ships = cJSON_GetObjectItemCaseSensitive(plan, "shipments");
    size_t n = 0;
    const cJSON *s, *l;
    cJSON_ArrayForEach(s, ships)
    {
        cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(s, "lines")) n++;
    }
    char **parts = ordo_arena_calloc(a, n ? n : 1, sizeof(char *));
    if (!parts)
        return NULL;
    size_t k = 0, total = 1;
    cJSON_ArrayForEach(s, ships)
    {
        cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(s, "lines"))
        {
            char buf[256];
            int m = snprintf(buf, sizeof buf, "%s/%s/%s*%g", ordo_json_get_str(s, "node", ""),
                             ordo_json_get_str(s, "service", ""), ordo_json_get_str(l, "sku", ""),
                             ordo_json_get_num(l, "quantity", 0));
            parts[k] =
                ordo_arena_strndup(a, buf, (size_t)m < sizeof buf ? (size_t)m : sizeof buf - 1);
            if (!parts[k])
                return NULL;
            total += strlen(parts[k]) + 1;
            k++;
        }
    }
    qsort(parts, k, sizeof *parts, cmp_str);
    char *out = ordo_arena_alloc(a, total);
    if (!out)
        return NULL;
    out[0] = 0;
    for (size_t i = 0; i < k; i++) {
        if (i)
            strcat(out, ";");
        strcat(out, parts[i]);
    }
    return out;
}

/* Sets every cell of the order's SKUs to the logged ATP (0 when the record
 * saw none there). on_hand = ATP + safety stock, nothing reserved. */
static void restore_atp(ordo_network_t *net, const ordo_order_t *order, const cJSON *atp)
{
    for (uint32_t i = 0; i < order->n_lines; i++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, order->lines[i].sku);
        for (uint32_t c = r.begin; c < r.end; c++) {
            ordo_stock_t st;
            ordo_inventory_get(net->inventory, c, &st);
            ordo_inventory_set(net->inventory, c, st.safety_stock, 0);
        }
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, atp)
    {
        int32_t node = ordo_network_node(net, ordo_json_get_str(e, "node", ""));
        int32_t sku = ordo_network_sku(net, ordo_json_get_str(e, "sku", ""));
        double v = ordo_json_get_num(e, "atp", 0);
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

int ordo_log_replay(const char *log_dir, const ordo_log_query_t *q, ordo_network_t *net,
                    ordo_engine_t *eng, const ordo_policy_t *policy, ordo_replay_cb cb, void *ctx,
                    ordo_replay_totals_t *totals, ordo_error_t *err)
{
    memset(totals, 0, sizeof *totals);
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(log_dir, q, &it, err);
    if (rc)
        return rc;
    ordo_arena_t *arena = ordo_arena_create(1 << 20);
    ordo_buf_t buf;
    ordo_buf_init(&buf, NULL);
    if (!arena) {
        ordo_log_iter_close(it);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    ordo_log_record_t rec;
    while ((rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        rc = ORDO_OK;
        if (rec.type != ORDO_LOG_REC_DECISION)
            continue;
        totals->records++;
        ordo_arena_reset(arena);
        ordo_replay_row_t row;
        memset(&row, 0, sizeof row);
        row.seq = rec.seq;
        cJSON *doc = cJSON_ParseWithLength(rec.payload, rec.len);
        cJSON *replayed = NULL;
        char msg[512] = "";
        ordo_order_t order;
        ordo_plan_t *plan = NULL;
        const cJSON *lplan = doc ? cJSON_GetObjectItemCaseSensitive(doc, "plan") : NULL;
        const cJSON *jorder = doc ? cJSON_GetObjectItemCaseSensitive(doc, "order") : NULL;
        if (!doc || !lplan || !jorder) {
            snprintf(msg, sizeof msg, "record %llu is not a decision record with order and plan",
                     (unsigned long long)rec.seq);
        } else {
            row.order_id = ordo_json_get_str(doc, "order_id", "");
            const cJSON *pol = cJSON_GetObjectItemCaseSensitive(doc, "policy");
            row.logged_policy = ordo_json_get_str(pol, "name", "");
            row.logged_version = ordo_json_get_str(pol, "version", "");
            const cJSON *tot = cJSON_GetObjectItemCaseSensitive(lplan, "totals");
            row.logged_cost =
                ordo_json_get_num(cJSON_GetObjectItemCaseSensitive(tot, "cost"), "total", 0);
            row.logged_on_time = ordo_json_get_num(tot, "on_time_prob", 0);
            row.logged_shipments =
                (uint32_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(lplan, "shipments"));
            row.logged_plan = plan_signature(lplan, arena);
            ordo_error_t e2 = {0};
            int r2 = ordo_order_from_cjson(jorder, net, arena, &order, &e2);
            if (r2 == ORDO_OK) {
                restore_atp(net, &order, cJSON_GetObjectItemCaseSensitive(doc, "atp"));
                ordo_decide_opts_t o = {0};
                r2 = ordo_source_decide(eng, policy, &order, &o, arena, &plan, &e2);
            }
            if (r2 != ORDO_OK) {
                char m[ORDO_ERROR_MSG_MAX + 128];
                snprintf(msg, sizeof msg, "%s", ordo_error_format(&e2, m, sizeof m));
            } else {
                ordo_buf_reset(&buf);
                ordo_jsonw_t w;
                ordo_jsonw_init(&w, &buf, 0);
                ordo_plan_write_json(plan, net, &w);
                if (ordo_jsonw_finish(&w) == ORDO_OK)
                    replayed = cJSON_ParseWithLength(buf.data, buf.len);
                if (!replayed) {
                    snprintf(msg, sizeof msg, "cannot render the replayed plan");
                } else {
                    row.replay_status = ordo_plan_status_name(plan->status);
                    row.replay_cost = plan->cost.total;
                    row.replay_on_time = plan->on_time_prob;
                    row.replay_shipments = plan->n_shipments;
                    row.replay_plan = plan_signature(replayed, arena);
                    row.changed = !row.logged_plan || !row.replay_plan ||
                                  strcmp(row.logged_plan, row.replay_plan) != 0;
                }
            }
        }
        if (msg[0]) {
            row.error = msg;
            totals->failed++;
        } else {
            totals->replayed++;
            totals->changed += row.changed;
            totals->logged_cost += row.logged_cost;
            totals->replay_cost += row.replay_cost;
            totals->logged_on_time_sum += row.logged_on_time;
            totals->replay_on_time_sum += row.replay_on_time;
        }
        int stop = cb ? cb(ctx, &row) : 0;
        cJSON_Delete(replayed);
        cJSON_Delete(doc);
        if (stop) {
            rc = stop;
            break;
        }
    }
    ordo_buf_free(&buf);
    ordo_arena_destroy(arena);
    ordo_log_iter_close(it);
    return rc < 0 ? rc : ORDO_OK;
}
