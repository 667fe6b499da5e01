/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the decision record's one writer (JSON text or CBOR). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ordo/cbor.h"
#include "ordo/geo.h"
#include "ordo/record.h"
#include "ordo/util.h"
#include "record_internal.h"

void ordo_decision_meta_init(ordo_decision_meta_t *meta)
{
    memset(meta, 0, sizeof *meta);
    meta->bucket = -1;
}

static void write_experiment(const ordo_decision_meta_t *meta, ordo_jsonw_t *w)
{
    if (meta && meta->experiment) {
        ordo_jsonw_kstr(w, "experiment", meta->experiment);
        ordo_jsonw_kstr(w, "variant", meta->variant);
        if (meta->bucket >= 0)
            ordo_jsonw_kdouble(w, "bucket", meta->bucket);
        ordo_jsonw_kbool(w, "excluded", meta->excluded);
    }
    if (meta && meta->shadow)
        ordo_jsonw_kbool(w, "shadow", true);
    if (meta && meta->has_control_cost)
        ordo_jsonw_kdouble(w, "control_cost", meta->control_cost);
}

/* Segments for analysis: value, dominant family (by value), region. */
static void top_segments(const ordo_order_t *o, const ordo_network_t *net, record_top_t *top)
{
    double best = -1;
    int fam = -1;
    for (uint32_t i = 0; i < o->n_lines; i++) {
        const ordo_sku_t *sk = &net->skus[o->lines[i].sku];
        double v = sk->price * o->lines[i].quantity;
        if (v > best) {
            best = v;
            fam = sk->family;
        }
    }
    top->order_value = ordo_order_value(o, net);
    top->family = fam >= 0 ? net->families[fam] : NULL;
}

static void write_segments(const ordo_order_t *o, const record_top_t *top, ordo_jsonw_t *w)
{
    ordo_jsonw_kdouble(w, "order_value", top->order_value);
    if (top->family)
        ordo_jsonw_kstr(w, "product_family", top->family);
    ordo_jsonw_kstr(w, "region", ordo_geo_region(o->state));
}

/* The randomization unit as assignment chose it. */
static void write_unit(const ordo_decision_meta_t *meta, ordo_jsonw_t *w)
{
    if (!meta)
        return;
    if (meta->unit)
        ordo_jsonw_kstr(w, "unit", meta->unit);
    if (meta->cluster) {
        ordo_jsonw_kstr(w, "cluster", meta->cluster);
        ordo_jsonw_kint(w, "window", meta->window);
    }
}

/* The ATP list is most of a record: a table in CBOR (a node's id is written
 * once for its run of SKUs). */
static void write_atp(const ordo_plan_t *p, const ordo_network_t *net, ordo_jsonw_t *w)
{
    static const char *const atp_keys[] = {"node", "sku", "atp"};
    ordo_jsonw_key(w, "atp");
    ordo_jsonw_table_begin(w, atp_keys, 3);
    for (uint32_t i = 0; i < p->n_atp; i++) {
        ordo_jsonw_cell_t row[3] = {{net->nodes[p->atp[i].node].id, 0},
                                    {net->skus[p->atp[i].sku].id, 0},
                                    {NULL, p->atp[i].atp}};
        ordo_jsonw_table_row(w, atp_keys, row, 3);
    }
    ordo_jsonw_table_end(w);
}

/* The parts' slots from the marks (a span's start and end: the order, the
 * ATP table, the plan's shipments; the strings numbered by its end); all
 * zero (no parts) if the marks are not those. */
static void parts_end(ordo_jsonw_t *w, size_t slots)
{
    const ordo_jsonw_mark_t *m = w->marks;
    if (w->n_marks == 2 * ORDO_CBOR_PARTS_MAX) {
        for (unsigned i = 0; i < ORDO_CBOR_PARTS_MAX; i++) {
            ordo_jsonw_cbor_slot_set(w, slots, 3 * i, m[2 * i].off);
            ordo_jsonw_cbor_slot_set(w, slots, 3 * i + 1, m[2 * i + 1].off);
            ordo_jsonw_cbor_slot_set(w, slots, 3 * i + 2, m[2 * i + 1].refs);
        }
    }
    w->marks = NULL;
    w->n_marks = w->max_marks = 0;
}

void ordo_record_write(const ordo_plan_t *p, const ordo_network_t *net,
                       const ordo_decision_meta_t *meta, ordo_jsonw_t *w)
{
    char ts[32];
    ordo_jsonw_mark_t marks[2 * ORDO_CBOR_PARTS_MAX];
    size_t slots = 0, sum_slots = 0;
    uint32_t sum_end = 0, sum_refs = 0;
    record_top_t top = {0};
    (void)ordo_record_cbor_keys(NULL); /* registered (and this module's keys.c linked in) */
    ordo_time_format(p->decided_at, ts, sizeof ts);
    if (p->order)
        top_segments(p->order, net, &top);
    ordo_jsonw_obj_begin(w);
    if (w->cbor) { /* the parts, set once their ends are known (parts_end) */
        w->marks = marks;
        w->n_marks = 0;
        w->max_marks = 2 * ORDO_CBOR_PARTS_MAX;
        ordo_jsonw_key(w, "parts");
        slots = ordo_jsonw_cbor_slots(w, ORDO_CBOR_PARTS_SLOTS);
        /* the summary (RECORD.md "Summary"): what the analysis reads */
        top.timestamp = ts;
        top.has_time = !ordo_time_parse(ts, &top.time);
        sum_slots = record_summary_write(p, net, meta, &top, w);
        sum_end = (uint32_t)(w->out->len - w->base);
        sum_refs = (uint32_t)w->n_refs;
    }
    ordo_jsonw_kint(w, "record_version", ORDO_RECORD_VERSION);
    ordo_jsonw_kstr(w, "timestamp", ts);
    ordo_jsonw_kstr(w, "order_id", p->order ? p->order->id : NULL);
    ordo_jsonw_key(w, "policy");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "name", p->policy_name);
    ordo_jsonw_kstr(w, "version", p->policy_version);
    ordo_jsonw_obj_end(w);
    ordo_jsonw_kstr(w, "model_version",
                    meta && meta->model_version ? meta->model_version : ORDO_SOURCE_MODEL_VERSION);
    if (p->signals_version) /* the signal snapshot the decision read (replay loads it) */
        ordo_jsonw_kint(w, "signals_version", (int64_t)p->signals_version);
    if (p->eta_model) /* the learned lane table it was timed with */
        ordo_jsonw_kstr(w, "eta_model", p->eta_model);
    if (p->risk_model) /* the learned risk models it was priced with */
        ordo_jsonw_kstr(w, "risk_model", p->risk_model);
    if (p->netval_model) /* the network-value table it was priced with */
        ordo_jsonw_kstr(w, "netval_model", p->netval_model);
    write_experiment(meta, w);
    if (p->order)
        write_segments(p->order, &top, w);
    write_unit(meta, w);
    ordo_jsonw_kbool(w, "fallback", p->status == ORDO_PLAN_FALLBACK);
    ordo_jsonw_kint(w, "latency_ns", (int64_t)p->latency_ns);
    ordo_jsonw_mark(w); /* the order's span (empty without an order) */
    if (p->order) {
        /* the record names the customer by pseudonym only */
        ordo_order_t o = *p->order;
        if (meta && meta->customer_key && o.customer_id && o.customer_id[0])
            o.customer_id = meta->customer_key;
        ordo_jsonw_key(w, "order");
        ordo_order_write_json(&o, net, w);
    }
    ordo_jsonw_mark(w);
    ordo_jsonw_mark(w); /* the ATP table's span */
    write_atp(p, net, w);
    ordo_jsonw_mark(w);
    ordo_jsonw_key(w, "plan");
    ordo_plan_write_json(p, net, w); /* marks its shipments' span */
    ordo_jsonw_obj_end(w);
    if (w->cbor) {
        parts_end(w, slots);
        record_summary_end(w, sum_slots, meta, sum_end, sum_refs);
    }
}
