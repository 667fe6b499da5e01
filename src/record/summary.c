/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the record's summary (RECORD.md "Summary"): written by the record
 * writer right after the parts, found and checked for its readers. */
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "ordo/cbor.h"
#include "ordo/geo.h"
#include "ordo/util.h"
#include "record_internal.h"

/* The summary's member at the record's byte SUM_AT (right after the parts,
 * RECORD.md "Parts"): key id, array, version 1, the slots' array. */
#define PARTS_END (4 + 2 + 1 + 5 * ORDO_CBOR_PARTS_SLOTS + 1)
#define SUM_AT PARTS_END
#define SLOTS_AT (SUM_AT + 5) /* the slots' first byte */
#define ITEMS_AT (SLOTS_AT + 5 * ORDO_RECORD_SUMMARY_SLOTS + 1)
#define CHECKED_AT (SLOTS_AT + 5 * ORDO_RECORD_SUMMARY_FLAGS) /* from flags on */

/* As the plan writer's r4 (src/source/plan_json.c): every figure of the
 * plan is written rounded to 4 decimals; the summary holds the same. */
static double r4(double v)
{
    return isfinite(v) ? round(v * 1e4) / 1e4 : v;
}

/* A shipment's service as the plan writer names it. */
static const char *service_of(const ordo_network_t *net, int32_t s)
{
    if (s == ORDO_SERVICE_PICKUP)
        return "pickup";
    return s >= 0 && (uint32_t)s < net->n_services ? net->services[s].id : NULL;
}

static void opt_double(ordo_jsonw_t *w, bool has, double v)
{
    if (has)
        ordo_jsonw_double(w, v);
    else
        ordo_jsonw_null(w);
}

static void write_order(const ordo_order_t *o, const ordo_network_t *net, ordo_jsonw_t *w)
{
    char zip[16];
    if (!o) {
        ordo_jsonw_null(w);
        return;
    }
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_str(w, o->channel ? o->channel : "web");
    ordo_jsonw_str(w, o->promotion && o->promotion[0] ? o->promotion : NULL);
    ordo_jsonw_str(w, ordo_zip_format(o->ship_zip, zip));
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < o->n_lines; i++) {
        ordo_jsonw_str(w, net->skus[o->lines[i].sku].id);
        ordo_jsonw_int(w, o->lines[i].quantity);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_arr_end(w);
}

static void write_plan(const ordo_plan_t *p, const ordo_network_t *net, ordo_jsonw_t *w)
{
    char b[32];
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_str(w, ordo_plan_status_name(p->status));
    ordo_time_format(p->promise, b, sizeof b);
    b[10] = 0; /* a date, as the plan writer's write_time */
    ordo_jsonw_str(w, b);
    ordo_jsonw_int(w, p->n_shipments);
    ordo_jsonw_int(w, p->units);
    ordo_jsonw_double(w, r4(p->on_time_prob));
    ordo_jsonw_double(w, r4(p->return_risk));
    const ordo_cost_t *c = &p->cost;
    double cost[] = {c->total,           c->pick,       c->pack, c->shipping, c->returns, c->split,
                     c->carrying_relief, c->opportunity};
    for (size_t i = 0; i < sizeof cost / sizeof cost[0]; i++)
        ordo_jsonw_double(w, r4(cost[i]));
    ordo_jsonw_int(w, p->n_backorders);
    ordo_jsonw_arr_begin(w);
    for (uint32_t s = 0; s < p->n_shipments; s++) {
        const ordo_shipment_t *sh = &p->shipments[s];
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_str(w, net->nodes[sh->node].id);
        ordo_jsonw_str(w, service_of(net, sh->service));
        ordo_jsonw_int(w, sh->zone);
        ordo_jsonw_double(w, r4(sh->miles));
        ordo_jsonw_arr_begin(w);
        for (uint32_t j = 0; j < sh->n_lines; j++) {
            ordo_jsonw_str(w, net->skus[sh->lines[j].sku].id);
            ordo_jsonw_int(w, sh->lines[j].quantity);
        }
        ordo_jsonw_arr_end(w);
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_arr_end(w);
}

size_t record_summary_write(const ordo_plan_t *p, const ordo_network_t *net,
                            const ordo_decision_meta_t *meta, const record_top_t *top,
                            ordo_jsonw_t *w)
{
    const ordo_order_t *o = p->order;
    bool exp = meta && meta->experiment;
    ordo_jsonw_key(w, "summary");
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_int(w, ORDO_RECORD_SUMMARY_VERSION);
    size_t slots = ordo_jsonw_cbor_slots(w, ORDO_RECORD_SUMMARY_SLOTS);
    ordo_jsonw_str(w, top->timestamp);
    if (top->has_time)
        ordo_jsonw_int(w, top->time);
    else
        ordo_jsonw_null(w);
    ordo_jsonw_str(w, o ? o->id : NULL);
    ordo_jsonw_str(w, p->policy_name);
    ordo_jsonw_str(w, p->policy_version);
    ordo_jsonw_str(w, exp ? meta->experiment : NULL);
    ordo_jsonw_str(w, exp ? meta->variant : NULL);
    opt_double(w, exp && meta->bucket >= 0, exp ? meta->bucket : 0);
    ordo_jsonw_bool(w, exp && meta->excluded);
    opt_double(w, meta && meta->has_control_cost, meta ? meta->control_cost : 0);
    opt_double(w, o != NULL, top->order_value);
    ordo_jsonw_str(w, o ? top->family : NULL);
    ordo_jsonw_str(w, meta ? meta->unit : NULL);
    ordo_jsonw_bool(w, p->status == ORDO_PLAN_FALLBACK);
    ordo_jsonw_int(w, (int64_t)p->latency_ns);
    write_plan(p, net, w);
    write_order(o, net, w);
    ordo_jsonw_arr_end(w);
    return slots;
}

void record_summary_end(ordo_jsonw_t *w, size_t slots, const ordo_decision_meta_t *meta,
                        uint32_t end, uint32_t refs)
{
    const uint8_t *b = (const uint8_t *)w->out->data + w->base;
    size_t n = w->out->len - w->base;
    if (w->error || slots != SLOTS_AT || end > n)
        return; /* not the layout readers look for: they walk */
    uint32_t flags = 0;
    if (!(meta && meta->experiment) && memmem(b, n, "experiment", 10))
        flags |= ORDO_RECORD_SUMMARY_EXP_TEXT;
    ordo_jsonw_cbor_slot_set(w, slots, ORDO_RECORD_SUMMARY_FLAGS, flags);
    ordo_jsonw_cbor_slot_set(w, slots, ORDO_RECORD_SUMMARY_END, end);
    ordo_jsonw_cbor_slot_set(w, slots, ORDO_RECORD_SUMMARY_REFS, refs);
    uint64_t h = XXH3_64bits(b + CHECKED_AT, end - CHECKED_AT);
    ordo_jsonw_cbor_slot_set(w, slots, ORDO_RECORD_SUMMARY_CHECK_LO, (uint32_t)h);
    ordo_jsonw_cbor_slot_set(w, slots, ORDO_RECORD_SUMMARY_CHECK_HI, (uint32_t)(h >> 32));
}

static inline uint32_t slot(const uint8_t *b, int i)
{
    const uint8_t *s = b + SLOTS_AT + 5 * i + 1;
    return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
}

int ordo_record_summary_find(const void *p, size_t n, ordo_record_summary_at_t *at)
{
    static _Thread_local int key = -1;
    const uint8_t *b = p;
    if (key < 0)
        key = ordo_cbor_key_id("summary", 7);
    if (n < ITEMS_AT || key < 24 || key > 255 || memcmp(b, "\xd9\x01\x00\xbf\x18", 5) ||
        b[SUM_AT] != 0x18 || b[SUM_AT + 1] != key || b[SUM_AT + 2] != 0x9f ||
        b[SUM_AT + 3] != ORDO_RECORD_SUMMARY_VERSION || b[SUM_AT + 4] != 0x9f ||
        b[ITEMS_AT - 1] != 0xff)
        return ORDO_EUNSUPPORTED;
    for (int i = 0; i < ORDO_RECORD_SUMMARY_SLOTS; i++)
        if (b[SLOTS_AT + 5 * i] != 0x1a)
            return ORDO_EUNSUPPORTED;
    uint32_t end = slot(b, ORDO_RECORD_SUMMARY_END);
    if (end <= ITEMS_AT || end > n || b[end - 1] != 0xff)
        return ORDO_EUNSUPPORTED;
    uint64_t h = XXH3_64bits(b + CHECKED_AT, end - CHECKED_AT);
    if ((uint32_t)h != slot(b, ORDO_RECORD_SUMMARY_CHECK_LO) ||
        (uint32_t)(h >> 32) != slot(b, ORDO_RECORD_SUMMARY_CHECK_HI))
        return ORDO_EUNSUPPORTED;
    *at = (ordo_record_summary_at_t){ITEMS_AT, end, slot(b, ORDO_RECORD_SUMMARY_REFS),
                                     slot(b, ORDO_RECORD_SUMMARY_FLAGS)};
    return ORDO_OK;
}
