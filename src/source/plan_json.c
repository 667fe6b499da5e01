/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — plans as JSON: the plan output (which the decision record, in
 * src/record, embeds) and parsing a given plan back for `ordo price`. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/cjson_internal.h"
#include "internal.h"
#include "ordo/util.h"

const char *ordo_plan_status_name(ordo_plan_status_t s)
{
    switch (s) {
    case ORDO_PLAN_OK:
        return "ok";
    case ORDO_PLAN_FALLBACK:
        return "fallback";
    case ORDO_PLAN_UNFULFILLABLE:
        return "unfulfillable";
    case ORDO_PLAN_PARTIAL:
        return "partial";
    }
    return "?";
}

static double r4(double v) /* 4 decimals keeps output readable and stable */
{
    return isfinite(v) ? round(v * 1e4) / 1e4 : v;
}

/* The cash components, then "economic": {carrying_relief, opportunity,
 * total}. */
static void write_cost(ordo_jsonw_t *w, const ordo_cost_t *c, bool plan_level)
{
    ordo_jsonw_obj_begin(w);
#define WRITE_COMPONENT(field, plan_only, econ)                                                    \
    if (!(econ) && (!(plan_only) || plan_level))                                                   \
        ordo_jsonw_kdouble(w, #field, r4(c->field));
    ORDO_COST_COMPONENTS(WRITE_COMPONENT)
#undef WRITE_COMPONENT
    ordo_jsonw_key(w, "economic");
    ordo_jsonw_obj_begin(w);
#define WRITE_ECONOMIC(field, plan_only, econ)                                                     \
    if ((econ) && (!(plan_only) || plan_level))                                                    \
        ordo_jsonw_kdouble(w, strcmp(#field, "economic") ? #field : "total", r4(c->field));
    ORDO_COST_COMPONENTS(WRITE_ECONOMIC)
#undef WRITE_ECONOMIC
    ordo_jsonw_obj_end(w);
    ordo_jsonw_obj_end(w);
}

/* The risk terms (docs/formats.md): written only when the policy prices
 * them, so plans of other policies are as they were. */
static void write_risk(ordo_jsonw_t *w, const ordo_risk_t *r)
{
    if (!r->set)
        return;
    ordo_jsonw_key(w, "risk");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "stock_confidence", r4(r->stock_confidence));
    ordo_jsonw_kdouble(w, "short_pick", r4(r->short_pick));
    ordo_jsonw_kdouble(w, "cancel_prob", r4(r->cancel_prob));
    ordo_jsonw_kdouble(w, "cancellation", r4(r->cancellation));
    ordo_jsonw_kdouble(w, "value_weight", r4(r->value_weight));
    ordo_jsonw_kdouble(w, "total", r4(r->total));
    ordo_jsonw_obj_end(w);
}

static void write_time(ordo_jsonw_t *w, const char *key, int64_t t)
{
    char b[32];
    ordo_time_format(t, b, sizeof b);
    b[10] = 0; /* date only */
    ordo_jsonw_kstr(w, key, b);
}

static const char *service_id(const ordo_network_t *net, int32_t s)
{
    if (s == ORDO_SERVICE_PICKUP)
        return "pickup";
    if (s >= 0 && (uint32_t)s < net->n_services)
        return net->services[s].id;
    return NULL;
}

static void write_mask_lines(ordo_jsonw_t *w, const ordo_plan_t *p, uint32_t mask)
{
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < p->n_search_lines && i < 32; i++)
        if (mask & (1u << i)) {
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kint(w, "line", p->search_lines[i].line);
            ordo_jsonw_kint(w, "quantity", p->search_lines[i].quantity);
            ordo_jsonw_obj_end(w);
        }
    ordo_jsonw_arr_end(w);
}

static void write_explain(const ordo_plan_t *p, const ordo_network_t *net, ordo_jsonw_t *w)
{
    ordo_jsonw_key(w, "explain");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "evaluated", p->evaluated);
    ordo_jsonw_key(w, "candidates");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < p->n_candidates; i++) {
        const ordo_candidate_t *c = &p->candidates[i];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "node", net->nodes[c->node].id);
        ordo_jsonw_key(w, "lines");
        write_mask_lines(w, p, c->lines_mask);
        const char *svc = service_id(net, c->service);
        if (svc)
            ordo_jsonw_kstr(w, "service", svc);
        ordo_jsonw_key(w, "features");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kint(w, "zone", c->zone);
        ordo_jsonw_kdouble(w, "miles", r4(c->miles));
        if (c->feasible || c->landed_cost != 0) {
            ordo_jsonw_kdouble(w, "landed_cost", r4(c->landed_cost));
            ordo_jsonw_kdouble(w, "on_time_prob", r4(c->on_time_prob));
            ordo_jsonw_kdouble(w, "return_risk", r4(c->return_risk));
            ordo_jsonw_kdouble(w, "load_penalty", r4(c->load_penalty));
        }
        ordo_jsonw_obj_end(w);
        if (c->feasible) {
            if (p->score_dim > 1) {
                ordo_jsonw_key(w, "score_vector");
                ordo_jsonw_arr_begin(w);
                for (uint32_t d = 0; d < p->score_dim; d++)
                    ordo_jsonw_double(w, r4(c->score_vec[d]));
                ordo_jsonw_arr_end(w);
            } else {
                ordo_jsonw_kdouble(w, "score", r4(c->score));
            }
        }
        if (c->chosen) {
            ordo_jsonw_kstr(w, "verdict", "chosen");
        } else if (!c->feasible) {
            ordo_jsonw_kstr(w, "verdict", "excluded");
            ordo_jsonw_kstr(w, "rule", c->excluded_by ? c->excluded_by : "?");
            if (c->detail)
                ordo_jsonw_kstr(w, "detail", c->detail);
        } else {
            ordo_jsonw_kstr(w, "verdict", "outscored");
            ordo_jsonw_kstr(w, "by", "chosen plan");
            if (c->lost_on) {
                ordo_jsonw_kstr(w, "lost_on", c->lost_on);
                ordo_jsonw_kdouble(w, "gap", r4(c->gap));
            }
        }
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "alternatives");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < p->n_alternatives; i++) {
        const ordo_alt_plan_t *a = &p->alternatives[i];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_key(w, "shipments");
        ordo_jsonw_arr_begin(w);
        for (uint32_t j = 0; j < a->n_shipments; j++) {
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kstr(w, "node", net->nodes[a->nodes[j]].id);
            ordo_jsonw_key(w, "lines");
            write_mask_lines(w, p, a->masks[j]);
            ordo_jsonw_obj_end(w);
        }
        ordo_jsonw_arr_end(w);
        if (p->score_dim > 1) {
            ordo_jsonw_key(w, "score_vector");
            ordo_jsonw_arr_begin(w);
            for (uint32_t d = 0; d < p->score_dim; d++)
                ordo_jsonw_double(w, r4(a->score_vec[d]));
            ordo_jsonw_arr_end(w);
        } else {
            ordo_jsonw_kdouble(w, "score", r4(a->score));
        }
        ordo_jsonw_kstr(w, "verdict", a->chosen ? "chosen" : "outscored");
        if (!a->chosen && a->lost_on) {
            ordo_jsonw_kstr(w, "lost_on", a->lost_on);
            ordo_jsonw_kdouble(w, "gap", r4(a->gap));
        }
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

static void write_shipment(const ordo_shipment_t *sh, const ordo_order_t *o,
                           const ordo_network_t *net, ordo_jsonw_t *w)
{
    const ordo_node_t *node = &net->nodes[sh->node];
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "node", node->id);
    ordo_jsonw_kstr(w, "node_type", ordo_node_type_name(node->type));
    ordo_jsonw_kstr(w, "service", service_id(net, sh->service));
    if (sh->transfer && o && o->pickup_node >= 0 && (uint32_t)o->pickup_node < net->n_nodes)
        ordo_jsonw_kstr(w, "transfer_to", net->nodes[o->pickup_node].id);
    if (sh->service >= 0) {
        ordo_jsonw_kstr(w, "carrier", net->services[sh->service].carrier);
        ordo_jsonw_kstr(w, "service_level",
                        ordo_service_name(net->services[sh->service].service));
    }
    ordo_jsonw_key(w, "lines");
    ordo_jsonw_arr_begin(w);
    for (uint32_t j = 0; j < sh->n_lines; j++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kint(w, "line", sh->lines[j].line);
        ordo_jsonw_kstr(w, "sku", net->skus[sh->lines[j].sku].id);
        ordo_jsonw_kint(w, "quantity", sh->lines[j].quantity);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_kint(w, "units", sh->units);
    ordo_jsonw_kint(w, "zone", sh->zone);
    ordo_jsonw_kdouble(w, "miles", r4(sh->miles));
    ordo_jsonw_kdouble(w, "weight_lb", r4(sh->weight_lb));
    ordo_jsonw_kdouble(w, "billable_lb", r4(sh->billable_lb));
    ordo_jsonw_key(w, "cost");
    write_cost(w, &sh->cost, false);
    ordo_jsonw_key(w, "eta");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "p50_days", sh->eta_p50_days);
    ordo_jsonw_kint(w, "p90_days", sh->eta_p90_days);
    write_time(w, "p50", sh->eta_p50);
    write_time(w, "p90", sh->eta_p90);
    ordo_jsonw_obj_end(w);
    ordo_jsonw_kdouble(w, "on_time_prob", r4(sh->on_time_prob));
    ordo_jsonw_kdouble(w, "return_risk", r4(sh->return_risk));
    ordo_jsonw_kdouble(w, "load_penalty", r4(sh->load_penalty));
    ordo_jsonw_kdouble(w, "days_of_supply", r4(sh->days_of_supply));
    write_risk(w, &sh->risk);
    ordo_jsonw_obj_end(w);
}

/* totals, score and score vector */
static void write_totals(const ordo_plan_t *p, ordo_jsonw_t *w)
{
    ordo_jsonw_key(w, "totals");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "shipments", p->n_shipments);
    ordo_jsonw_kint(w, "units", p->units);
    ordo_jsonw_key(w, "cost");
    write_cost(w, &p->cost, true);
    ordo_jsonw_kdouble(w, "on_time_prob", r4(p->on_time_prob));
    ordo_jsonw_kdouble(w, "all_on_time_prob", r4(p->all_on_time_prob));
    ordo_jsonw_kdouble(w, "return_risk", r4(p->return_risk));
    write_risk(w, &p->risk);
    ordo_jsonw_obj_end(w);
    if (p->status != ORDO_PLAN_UNFULFILLABLE) {
        ordo_jsonw_kdouble(w, "score", r4(p->score));
        if (p->score_dim > 1) {
            ordo_jsonw_key(w, "score_vector");
            ordo_jsonw_arr_begin(w);
            for (uint32_t i = 0; i < p->score_dim; i++)
                ordo_jsonw_double(w, r4(p->score_vec[i]));
            ordo_jsonw_arr_end(w);
        }
    }
}

static void write_backorders(const ordo_plan_t *p, const ordo_network_t *net, ordo_jsonw_t *w)
{
    const ordo_order_t *o = p->order;
    ordo_jsonw_key(w, "backorders");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < p->n_backorders; i++) {
        const ordo_backorder_t *b = &p->backorders[i];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kint(w, "line", b->line);
        if (o && b->line < o->n_lines)
            ordo_jsonw_kstr(w, "sku", net->skus[o->lines[b->line].sku].id);
        ordo_jsonw_kint(w, "quantity", b->quantity);
        ordo_jsonw_kstr(w, "reason", b->reason);
        if (b->detail)
            ordo_jsonw_kstr(w, "detail", b->detail);
        if (b->action) {
            ordo_jsonw_kstr(w, "action", b->action);
            if (b->promise > 0)
                write_time(w, "promise_date", b->promise);
            if (b->promise_note)
                ordo_jsonw_kstr(w, "promise_note", b->promise_note);
        }
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

/* "partial": what a partial decision did with each line (only when the
 * policy's partial handling ran). */
static void write_partial(const ordo_plan_t *p, const ordo_network_t *net, ordo_jsonw_t *w)
{
    const ordo_order_t *o = p->order;
    ordo_jsonw_key(w, "partial");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "handling", p->partial);
    if (p->partial_reason)
        ordo_jsonw_kstr(w, "reason", p->partial_reason);
    ordo_jsonw_key(w, "lines");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < p->n_line_actions; i++) {
        const ordo_line_action_t *a = &p->line_actions[i];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kint(w, "line", a->line);
        if (o && a->line < o->n_lines)
            ordo_jsonw_kstr(w, "sku", net->skus[o->lines[a->line].sku].id);
        ordo_jsonw_kstr(w, "action", a->action ? a->action : "shipped");
        ordo_jsonw_kint(w, "shipped", a->shipped);
        ordo_jsonw_kint(w, "short", a->short_qty);
        if (a->reason)
            ordo_jsonw_kstr(w, "reason", a->reason);
        if (a->promise > 0)
            write_time(w, "promise_date", a->promise);
        if (a->note)
            ordo_jsonw_kstr(w, "note", a->note);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

/* The signals in force that touched the decision and what each did
 * (nothing when none did: a plan without signals is unchanged). */
static void write_signals(const ordo_plan_t *p, const ordo_network_t *net, ordo_jsonw_t *w)
{
    if (!p->n_signals)
        return;
    ordo_jsonw_key(w, "signals");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < p->n_signals; i++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "effect", p->signals[i].effect);
        ordo_signal_write_fields(w, net, p->signals[i].signal);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

/* An order without `created`: the instant it was decided as of. A ship-to
 * ZIP not in the ZIP table: a warning that its ZIP3's centroid stood in. */
static void write_time_notes(const ordo_plan_t *p, ordo_jsonw_t *w)
{
    const ordo_order_t *o = p->order;
    char b[32];
    if (o && !o->created && p->as_of)
        ordo_jsonw_kstr(w, "as_of", ordo_time_format(p->as_of, b, sizeof b));
    if (o && o->ship_zip_approx) {
        char msg[128], zb[8];
        ordo_zip_format(o->ship_zip, zb);
        snprintf(msg, sizeof msg,
                 "ship_to.zip %s is not in the ZIP table: located at the centroid of ZIP3 %.3s",
                 zb, zb);
        ordo_jsonw_key(w, "warnings");
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_str(w, msg);
        ordo_jsonw_arr_end(w);
    }
}

void ordo_plan_write_json(const ordo_plan_t *p, const ordo_network_t *net, ordo_jsonw_t *w)
{
    const ordo_order_t *o = p->order;
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "order_id", o ? o->id : NULL);
    ordo_jsonw_kstr(w, "status", ordo_plan_status_name(p->status));
    ordo_jsonw_kbool(w, "fallback", p->status == ORDO_PLAN_FALLBACK);
    if (p->fallback_reason && p->status != ORDO_PLAN_OK)
        ordo_jsonw_kstr(w, "fallback_reason", p->fallback_reason);
    ordo_jsonw_key(w, "policy");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "name", p->policy_name);
    ordo_jsonw_kstr(w, "version", p->policy_version);
    ordo_jsonw_obj_end(w);
    ordo_jsonw_kstr(w, "strategy", p->strategy);
    ordo_jsonw_kstr(w, "search", p->search);
    ordo_jsonw_kstr(w, "model_version", ORDO_SOURCE_MODEL_VERSION);
    write_time(w, "promise_date", p->promise);
    ordo_jsonw_kint(w, "promise_days", p->promise_days);
    write_time_notes(p, w);
    ordo_jsonw_mark(w); /* the shipments' span, for a record's parts (RECORD.md) */
    ordo_jsonw_key(w, "shipments");
    ordo_jsonw_arr_begin(w);
    for (uint32_t s = 0; s < p->n_shipments; s++)
        write_shipment(&p->shipments[s], o, net, w);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_mark(w);
    write_totals(p, w);
    write_backorders(p, net, w);
    if (p->partial)
        write_partial(p, net, w);
    ordo_jsonw_kbool(w, "reserved", p->reserved);
    ordo_jsonw_kdouble(w, "latency_us", round(p->latency_ns / 100.0) / 10.0);
    write_signals(p, net, w);
    if (p->explained)
        write_explain(p, net, w);
    ordo_jsonw_obj_end(w);
}

/* ---- given plans ---- */

static int spec_fail(ordo_error_t *err, int code, const char *field, const char *msg)
{
    return ordo_error_set(err, code, NULL, 0, field, "%s", msg);
}

/* shipments[si].service: absent or null → best for the policy, "pickup",
 * or a carrier service the node offers. */
static int spec_service(const cJSON *svc, const ordo_network_t *net, int32_t ni, int si,
                        int32_t *out, ordo_error_t *err)
{
    char f[ORDO_ERROR_FIELD_MAX];
    snprintf(f, sizeof f, "shipments[%d].service", si);
    if (!svc || cJSON_IsNull(svc)) {
        *out = ORDO_SERVICE_BEST;
        return ORDO_OK;
    }
    if (cJSON_IsString(svc) && !strcmp(svc->valuestring, "pickup")) {
        *out = ORDO_SERVICE_PICKUP;
        return ORDO_OK;
    }
    int32_t v = cJSON_IsString(svc) ? ordo_network_service(net, svc->valuestring) : -1;
    if (v < 0)
        return spec_fail(err, ORDO_ENOTFOUND, f, "unknown carrier service");
    const ordo_node_t *nd = &net->nodes[ni];
    bool offered = false;
    for (uint32_t k = 0; k < nd->n_services; k++)
        offered |= nd->services[k] == (uint32_t)v;
    if (!offered)
        return spec_fail(err, ORDO_EINVAL, f, "the node does not offer this service");
    *out = v;
    return ORDO_OK;
}

/* shipments[si].lines[li]: an order line by index or SKU, and a quantity
 * (default: the whole line). */
static int spec_line(const cJSON *l, const ordo_network_t *net, const ordo_order_t *order, int si,
                     int li, ordo_plan_line_t *out, ordo_error_t *err)
{
    char f[ORDO_ERROR_FIELD_MAX];
    snprintf(f, sizeof f, "shipments[%d].lines[%d]", si, li);
    const cJSON *jl = cJSON_GetObjectItemCaseSensitive(l, "line");
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(l, "sku");
    const cJSON *jq = cJSON_GetObjectItemCaseSensitive(l, "quantity");
    int64_t line = -1;
    if (cJSON_IsNumber(jl) && jl->valuedouble >= 0 && jl->valuedouble < order->n_lines &&
        jl->valuedouble == floor(jl->valuedouble)) {
        line = (int64_t)jl->valuedouble;
    } else if (!jl && cJSON_IsString(js)) {
        int32_t sku = ordo_network_sku(net, js->valuestring);
        for (uint32_t i = 0; i < order->n_lines && line < 0; i++)
            if ((int32_t)order->lines[i].sku == sku)
                line = i;
    }
    if (line < 0)
        return spec_fail(err, ORDO_ENOTFOUND, f, "names no line of the order (line or sku)");
    if (jl && cJSON_IsString(js) &&
        ordo_network_sku(net, js->valuestring) != (int32_t)order->lines[line].sku)
        return spec_fail(err, ORDO_EINVAL, f, "sku does not match the order line");
    uint32_t q = order->lines[line].quantity;
    if (jq) {
        if (!cJSON_IsNumber(jq) || jq->valuedouble < 1 ||
            jq->valuedouble != floor(jq->valuedouble) || jq->valuedouble > 1e9)
            return spec_fail(err, ORDO_EINVAL, f, "quantity must be a whole number >= 1");
        q = (uint32_t)jq->valuedouble;
    }
    out->line = (uint32_t)line;
    out->sku = order->lines[line].sku;
    out->quantity = q;
    return ORDO_OK;
}

static int spec_shipment(const cJSON *s, const ordo_network_t *net, const ordo_order_t *order,
                         ordo_arena_t *arena, int si, ordo_plan_spec_shipment_t *sh,
                         ordo_error_t *err)
{
    char f[ORDO_ERROR_FIELD_MAX];
    const cJSON *node = cJSON_GetObjectItemCaseSensitive(s, "node");
    snprintf(f, sizeof f, "shipments[%d].node", si);
    int32_t ni = cJSON_IsString(node) ? ordo_network_node(net, node->valuestring) : -1;
    if (ni < 0)
        return spec_fail(err, ORDO_ENOTFOUND, f, "missing or unknown node");
    sh->node = (uint32_t)ni;
    int rc = spec_service(cJSON_GetObjectItemCaseSensitive(s, "service"), net, ni, si,
                          &sh->service, err);
    if (rc)
        return rc;
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(s, "lines");
    snprintf(f, sizeof f, "shipments[%d].lines", si);
    if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) < 1)
        return spec_fail(err, ORDO_EINVAL, f, "must be a non-empty array");
    int nl = cJSON_GetArraySize(lines);
    sh->lines = ordo_arena_calloc(arena, (size_t)nl, sizeof *sh->lines);
    if (!sh->lines)
        return spec_fail(err, ORDO_ENOMEM, NULL, "out of memory");
    const cJSON *l;
    int li = 0;
    cJSON_ArrayForEach(l, lines)
    {
        if ((rc = spec_line(l, net, order, si, li, &sh->lines[li], err)))
            return rc;
        li++;
    }
    sh->n_lines = (uint32_t)nl;
    return ORDO_OK;
}

int ordo_plan_spec_parse(const char *json, size_t len, const ordo_network_t *net,
                         const ordo_order_t *order, ordo_arena_t *arena, ordo_plan_spec_t *out,
                         ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    cJSON *j;
    int rc = ordo_json_parse_doc(json, len, NULL, -1, &j, err);
    if (rc)
        return rc;
    const cJSON *ships = cJSON_GetObjectItemCaseSensitive(j, "shipments");
    if (!cJSON_IsArray(ships) || cJSON_GetArraySize(ships) < 1 || cJSON_GetArraySize(ships) > 8) {
        rc = spec_fail(err, ORDO_EINVAL, "shipments", "must be an array of 1 to 8 shipments");
        goto done;
    }
    int n = cJSON_GetArraySize(ships);
    out->shipments = ordo_arena_calloc(arena, (size_t)n, sizeof *out->shipments);
    if (!out->shipments) {
        rc = spec_fail(err, ORDO_ENOMEM, NULL, "out of memory");
        goto done;
    }
    const cJSON *s;
    int si = 0;
    cJSON_ArrayForEach(s, ships)
    {
        if ((rc = spec_shipment(s, net, order, arena, si, &out->shipments[si], err)))
            goto done;
        si++;
    }
    out->n_shipments = (uint32_t)n;
done:
    cJSON_Delete(j);
    return rc;
}
