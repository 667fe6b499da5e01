/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the fields a fact takes from a decision record, read
 * straight from the record's CBOR tree (ANALYZE.md "Reading CBOR records").
 *
 * ordo_record_read_tree reads every field of the record (the order, ATP,
 * backorders, etas, every cost part of every shipment) and copies each
 * string into the arena; a fact needs about thirty of them. This reader
 * fills only those (an_fact_from_record, fact_plan, fact_segments,
 * fact_services and ordo_analyze_plan_summary read nothing else), with the
 * record reader's rules (src/record/read.c): the first member of a key, a
 * number only when the node is one, a string only when it is one (the
 * tree's NUL-terminated copy, read as a C string as the reader's copy is),
 * arrays sized by their node's count, the cost's cash and "economic"
 * parts. Every other field of *d is left zero. test_fact_paths_agree
 * (tests/analyze/test_facts.c) compares the facts of both readers byte for
 * byte. */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "ordo/cbor.h"

typedef ordo_cbor_node_t node_t;

static const node_t *get(const node_t *o, const char *k)
{
    return ordo_cbor_get(o, k);
}

static double num(const node_t *o, const char *k)
{
    const node_t *v = get(o, k);
    return v && v->type == ORDO_CBOR_NUMBER ? v->num : NAN;
}

static const char *str(const node_t *o, const char *k)
{
    const node_t *v = get(o, k);
    return v && v->type == ORDO_CBOR_STRING ? v->s : NULL;
}

static bool is_arr(const node_t *v)
{
    return v && v->type == ORDO_CBOR_ARRAY;
}

/* n elements of size in the arena (NULL and 0 for none); false: no memory. */
static bool arr(ordo_arena_t *arena, const node_t *a, size_t size, void **p, uint32_t *n)
{
    *p = NULL;
    *n = 0;
    if (!is_arr(a) || (int)a->n <= 0)
        return true;
    if (!(*p = ordo_arena_calloc(arena, a->n, size)))
        return false;
    *n = a->n;
    return true;
}

void an_cost_flat(ordo_cost_t *c)
{
    double cr = isnan(c->carrying_relief) ? 0 : c->carrying_relief;
    double op = isnan(c->opportunity) ? 0 : c->opportunity;
    c->economic = cr + op;
    c->total -= c->economic;
}

/* As the record reader's read_cost. */
static void cost(const node_t *c, ordo_cost_t *out)
{
    const node_t *e = get(c, "economic");
    bool flat = !(e && e->type == ORDO_CBOR_OBJECT);
#define READ_COMPONENT(field, plan_only, econ)                                                     \
    out->field = !(econ) || flat ? num(c, #field)                                                  \
                                 : num(e, strcmp(#field, "economic") ? #field : "total");
    ORDO_COST_COMPONENTS(READ_COMPONENT)
#undef READ_COMPONENT
    if (flat)
        an_cost_flat(out);
}

static bool lines(ordo_arena_t *arena, const node_t *a, ordo_record_line_t **out, uint32_t *n)
{
    if (!arr(arena, a, sizeof **out, (void **)out, n))
        return false;
    uint32_t i = 0;
    for (const node_t *l = *out ? a->child : NULL; l; l = l->next, i++) {
        (*out)[i].sku = str(l, "sku");
        (*out)[i].quantity = num(l, "quantity");
    }
    return true;
}

static bool plan(ordo_arena_t *arena, const node_t *p, ordo_record_plan_t *out)
{
    cost(NULL, &out->cost);
    out->shipments_total = out->units = out->on_time_prob = out->return_risk = NAN;
    if (!p || p->type != ORDO_CBOR_OBJECT)
        return true;
    out->present = true;
    out->promise_date = str(p, "promise_date");
    const node_t *ships = get(p, "shipments");
    out->has_shipments = is_arr(ships);
    if (!arr(arena, ships, sizeof *out->shipments, (void **)&out->shipments, &out->n_shipments))
        return false;
    uint32_t i = 0;
    for (const node_t *s = out->shipments ? ships->child : NULL; s; s = s->next, i++) {
        ordo_record_shipment_t *sh = &out->shipments[i];
        sh->node = str(s, "node");
        sh->service = str(s, "service");
        sh->zone = num(s, "zone");
        sh->miles = num(s, "miles");
        if (!lines(arena, get(s, "lines"), &sh->lines, &sh->n_lines))
            return false;
    }
    const node_t *t = get(p, "totals"), *c = get(t, "cost");
    out->has_cost = c && c->type == ORDO_CBOR_OBJECT;
    cost(c, &out->cost);
    out->shipments_total = num(t, "shipments");
    out->units = num(t, "units");
    out->on_time_prob = num(t, "on_time_prob");
    out->return_risk = num(t, "return_risk");
    return true;
}

int an_record_from_tree(const ordo_cbor_node_t *d, ordo_arena_t *arena, ordo_record_t *out)
{
    memset(out, 0, sizeof *out);
    if (!d || d->type != ORDO_CBOR_OBJECT)
        return ORDO_EPARSE;
    out->timestamp = str(d, "timestamp");
    out->has_time = out->timestamp && !ordo_time_parse(out->timestamp, &out->time);
    out->order_id = str(d, "order_id");
    out->policy_name = str(get(d, "policy"), "name");
    out->policy_version = str(get(d, "policy"), "version");
    out->experiment = str(d, "experiment");
    out->variant = str(d, "variant");
    const node_t *v = get(d, "excluded");
    out->excluded = v && v->type == ORDO_CBOR_TRUE;
    out->control_cost = num(d, "control_cost");
    out->order_value = num(d, "order_value");
    out->product_family = str(d, "product_family");
    out->unit = str(d, "unit");
    v = get(d, "fallback");
    out->fallback = v && (v->type == ORDO_CBOR_TRUE || v->type == ORDO_CBOR_FALSE)
                        ? (int8_t)(v->type == ORDO_CBOR_TRUE)
                        : -1;
    out->latency_ns = num(d, "latency_ns");
    const node_t *o = get(d, "order");
    if (o && o->type == ORDO_CBOR_OBJECT) {
        out->order.present = true;
        out->order.zip = str(get(o, "ship_to"), "zip");
        out->order.channel = str(o, "channel");
        out->order.promotion = str(o, "promotion");
        if (!lines(arena, get(o, "lines"), &out->order.lines, &out->order.n_lines))
            return ORDO_ENOMEM;
    }
    return plan(arena, get(d, "plan"), &out->plan) ? ORDO_OK : ORDO_ENOMEM;
}
