/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the decision record's one reader: payload bytes → ordo_record_t.
 *
 * A CBOR payload is decoded straight into a tree of nodes in the arena
 * (ordo_cbor_to_tree: no JSON text, no number formatting and parsing); a
 * JSON text payload is parsed and turned into the same tree. Every field is
 * then read once here, from the tree, so analysis, replay and the CLI never
 * look a field up by name. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/buf.h"
#include "ordo/cbor.h"
#include "ordo/record.h"
#include "ordo/util.h"

typedef struct rd {
    ordo_arena_t *arena;
    bool oom;
} rd_t;

typedef ordo_cbor_node_t node_t;

static bool is_obj(const node_t *v)
{
    return v && v->type == ORDO_CBOR_OBJECT;
}

static bool is_arr(const node_t *v)
{
    return v && v->type == ORDO_CBOR_ARRAY;
}

/* The elements of an array (none when a is not one). */
#define EACH(x, a) for (const node_t *x = is_arr(a) ? (a)->child : NULL; x; x = x->next)

static const node_t *get(const node_t *o, const char *k)
{
    return ordo_cbor_get(o, k);
}

static double num(const node_t *o, const char *k)
{
    const node_t *v = get(o, k);
    return v && v->type == ORDO_CBOR_NUMBER ? v->num : NAN;
}

static bool is_true(const node_t *v)
{
    return v && v->type == ORDO_CBOR_TRUE;
}

static const char *str(rd_t *r, const node_t *o, const char *k)
{
    const node_t *v = get(o, k);
    if (!v || v->type != ORDO_CBOR_STRING)
        return NULL;
    char *s = ordo_arena_strndup(r->arena, v->s, strlen(v->s));
    if (!s)
        r->oom = true;
    return s;
}

static void *arr_alloc(rd_t *r, const node_t *a, size_t size, uint32_t *n)
{
    int k = is_arr(a) ? (int)a->n : 0;
    *n = 0;
    if (k <= 0)
        return NULL;
    void *p = ordo_arena_calloc(r->arena, (size_t)k, size);
    if (!p) {
        r->oom = true;
        return NULL;
    }
    *n = (uint32_t)k;
    return p;
}

/* The cash components, then the "economic" object's (a record written
 * before the cost split has them flat, with total = cash + economic). */
static void read_cost(const node_t *c, ordo_cost_t *out)
{
    const node_t *e = get(c, "economic");
    bool flat = !is_obj(e);
#define READ_COMPONENT(field, plan_only, econ)                                                     \
    out->field = !(econ) || flat ? num(c, #field)                                                  \
                                 : num(e, strcmp(#field, "economic") ? #field : "total");
    ORDO_COST_COMPONENTS(READ_COMPONENT)
#undef READ_COMPONENT
    if (flat) { /* a part a record lacks counts as 0 here */
        double cr = isnan(out->carrying_relief) ? 0 : out->carrying_relief;
        double op = isnan(out->opportunity) ? 0 : out->opportunity;
        out->economic = cr + op;
        out->total -= out->economic;
    }
}

static ordo_record_line_t *read_lines(rd_t *r, const node_t *a, uint32_t *n)
{
    ordo_record_line_t *lines = arr_alloc(r, a, sizeof *lines, n);
    if (!lines)
        return NULL;
    uint32_t i = 0;
    EACH(l, a)
    {
        lines[i].line = num(l, "line");
        lines[i].sku = str(r, l, "sku");
        lines[i].quantity = num(l, "quantity");
        i++;
    }
    return lines;
}

static void read_shipment(rd_t *r, const node_t *s, ordo_record_shipment_t *sh)
{
    sh->node = str(r, s, "node");
    sh->node_type = str(r, s, "node_type");
    sh->service = str(r, s, "service");
    sh->zone = num(s, "zone");
    sh->miles = num(s, "miles");
    sh->units = num(s, "units");
    sh->on_time_prob = num(s, "on_time_prob");
    sh->return_risk = num(s, "return_risk");
    read_cost(get(s, "cost"), &sh->cost);
    sh->eta_p50 = str(r, get(s, "eta"), "p50");
    sh->eta_p90 = str(r, get(s, "eta"), "p90");
    sh->lines = read_lines(r, get(s, "lines"), &sh->n_lines);
}

static void read_plan(rd_t *r, const node_t *p, ordo_record_plan_t *out)
{
    out->n_candidates = -1;
    read_cost(NULL, &out->cost);
    out->score = out->shipments_total = out->units = out->on_time_prob = out->return_risk = NAN;
    out->cancel_prob = NAN;
    if (!is_obj(p))
        return;
    out->present = true;
    out->status = str(r, p, "status");
    out->search = str(r, p, "search");
    out->promise_date = str(r, p, "promise_date");
    out->score = num(p, "score");
    const node_t *ships = get(p, "shipments");
    out->has_shipments = is_arr(ships);
    out->shipments = arr_alloc(r, ships, sizeof *out->shipments, &out->n_shipments);
    uint32_t i = 0;
    if (out->shipments)
        EACH(s, ships) read_shipment(r, s, &out->shipments[i++]);
    const node_t *t = get(p, "totals");
    out->has_cost = is_obj(get(t, "cost"));
    read_cost(get(t, "cost"), &out->cost);
    out->shipments_total = num(t, "shipments");
    out->units = num(t, "units");
    out->on_time_prob = num(t, "on_time_prob");
    out->return_risk = num(t, "return_risk");
    out->cancel_prob = num(get(t, "risk"), "cancel_prob");
    const node_t *bos = get(p, "backorders");
    out->backorders = arr_alloc(r, bos, sizeof *out->backorders, &out->n_backorders);
    i = 0;
    if (out->backorders)
        EACH(s, bos)
        {
            ordo_record_backorder_t *b = &out->backorders[i++];
            b->line = num(s, "line");
            b->sku = str(r, s, "sku");
            b->quantity = num(s, "quantity");
            b->reason = str(r, s, "reason");
            b->action = str(r, s, "action");
            b->promise_date = str(r, s, "promise_date");
        }
    out->partial = str(r, get(p, "partial"), "handling");
    const node_t *ex = get(p, "explain");
    if (ex) {
        const node_t *c = get(ex, "candidates");
        out->n_candidates = c && (is_arr(c) || is_obj(c)) ? (int32_t)c->n : 0;
    }
}

/* A node as compact JSON text (the order, for ordo_order_parse). */
static void write_node(const node_t *v, ordo_jsonw_t *w)
{
    if (v->key)
        ordo_jsonw_key(w, v->key);
    switch (v->type) {
    case ORDO_CBOR_NULL: ordo_jsonw_null(w); break;
    case ORDO_CBOR_FALSE: ordo_jsonw_bool(w, false); break;
    case ORDO_CBOR_TRUE: ordo_jsonw_bool(w, true); break;
    case ORDO_CBOR_NUMBER: ordo_jsonw_double(w, v->num); break;
    case ORDO_CBOR_STRING: ordo_jsonw_str(w, v->s); break;
    default:
        if (v->type == ORDO_CBOR_OBJECT)
            ordo_jsonw_obj_begin(w);
        else
            ordo_jsonw_arr_begin(w);
        for (const node_t *c = v->child; c; c = c->next)
            write_node(c, w);
        if (v->type == ORDO_CBOR_OBJECT)
            ordo_jsonw_obj_end(w);
        else
            ordo_jsonw_arr_end(w);
    }
}

static const char *node_json(rd_t *r, const node_t *o)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    node_t top = *o; /* the object itself, without its member key */
    top.key = NULL;
    write_node(&top, &w);
    const char *text = NULL;
    if (ordo_jsonw_finish(&w) == ORDO_OK)
        text = ordo_arena_strndup(r->arena, b.data, b.len);
    ordo_buf_free(&b);
    r->oom |= !text;
    return text;
}

static void read_order(rd_t *r, const node_t *o, unsigned flags, ordo_record_order_t *out)
{
    if (!is_obj(o))
        return;
    out->present = true;
    out->id = str(r, o, "id");
    out->customer_id = str(r, get(o, "customer"), "id");
    out->zip = str(r, get(o, "ship_to"), "zip");
    out->channel = str(r, o, "channel");
    out->promotion = str(r, o, "promotion");
    out->service_level = str(r, o, "service_level");
    out->lines = read_lines(r, get(o, "lines"), &out->n_lines);
    if (flags & ORDO_RECORD_READ_ORDER)
        out->json = node_json(r, o);
}

static void read_atp(rd_t *r, const node_t *a, ordo_record_t *out)
{
    out->atp = arr_alloc(r, a, sizeof *out->atp, &out->n_atp);
    uint32_t i = 0;
    if (out->atp)
        EACH(e, a)
        {
            out->atp[i].node = str(r, e, "node");
            out->atp[i].sku = str(r, e, "sku");
            out->atp[i].atp = num(e, "atp");
            i++;
        }
}

static void read_head(rd_t *r, const node_t *d, ordo_record_t *out)
{
    out->record_version = num(d, "record_version");
    out->timestamp = str(r, d, "timestamp");
    out->has_time = out->timestamp && !ordo_time_parse(out->timestamp, &out->time);
    out->order_id = str(r, d, "order_id");
    out->policy_name = str(r, get(d, "policy"), "name");
    out->policy_version = str(r, get(d, "policy"), "version");
    out->model_version = str(r, d, "model_version");
    out->eta_model = str(r, d, "eta_model");
    out->risk_model = str(r, d, "risk_model");
    out->netval_model = str(r, d, "netval_model");
    double sv = num(d, "signals_version");
    out->signals_version = isfinite(sv) && sv >= 1 && sv < 9e15 ? (uint64_t)sv : 0;
    out->experiment = str(r, d, "experiment");
    out->variant = str(r, d, "variant");
    out->bucket = num(d, "bucket");
    out->excluded = is_true(get(d, "excluded"));
    out->shadow = is_true(get(d, "shadow"));
    out->control_cost = num(d, "control_cost");
    out->order_value = num(d, "order_value");
    out->product_family = str(r, d, "product_family");
    out->region = str(r, d, "region");
    out->unit = str(r, d, "unit");
    out->cluster = str(r, d, "cluster");
    double win = num(d, "window");
    out->window = isfinite(win) && win >= 0 && win < 9e15 ? (int64_t)win : -1;
    const node_t *fb = get(d, "fallback");
    out->fallback = fb && (fb->type == ORDO_CBOR_TRUE || fb->type == ORDO_CBOR_FALSE)
                        ? (int8_t)is_true(fb)
                        : -1;
    out->latency_ns = num(d, "latency_ns");
}

/* A parsed JSON value → the same tree ordo_cbor_to_tree builds. */
static node_t *from_cjson(rd_t *r, const cJSON *j, const char *key)
{
    node_t *v = ordo_arena_calloc(r->arena, 1, sizeof *v);
    if (!v) {
        r->oom = true;
        return NULL;
    }
    v->key = key;
    if (cJSON_IsNumber(j)) {
        v->type = ORDO_CBOR_NUMBER;
        v->num = j->valuedouble;
    } else if (cJSON_IsString(j)) {
        v->type = ORDO_CBOR_STRING;
        v->s = j->valuestring;
        v->len = strlen(j->valuestring);
    } else if (cJSON_IsTrue(j) || cJSON_IsFalse(j)) {
        v->type = cJSON_IsTrue(j) ? ORDO_CBOR_TRUE : ORDO_CBOR_FALSE;
    } else if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
        v->type = cJSON_IsArray(j) ? ORDO_CBOR_ARRAY : ORDO_CBOR_OBJECT;
        for (const cJSON *c = j->child; c; c = c->next) {
            node_t *k = from_cjson(r, c, cJSON_IsObject(j) ? c->string : NULL);
            if (!k)
                return NULL;
            if (v->last)
                v->last->next = k;
            else
                v->child = k;
            v->last = k;
            v->n++;
        }
    }
    return v;
}

static bool is_json(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
            continue;
        return p[i] && strchr("{[\"-0123456789tfn", p[i]) != NULL;
    }
    return false;
}

static void read_tree(rd_t *r, const node_t *d, unsigned flags, ordo_record_t *out)
{
    read_head(r, d, out);
    read_order(r, get(d, "order"), flags, &out->order);
    read_atp(r, get(d, "atp"), out);
    read_plan(r, get(d, "plan"), &out->plan);
}

int ordo_record_read_tree(const node_t *root, unsigned flags, ordo_arena_t *arena,
                          ordo_record_t *out, ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (!is_obj(root))
        return ordo_error_set(err, ORDO_EPARSE, NULL, 0, NULL, "the record is not a JSON object");
    rd_t r = {arena, false};
    read_tree(&r, root, flags, out);
    if (r.oom)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory reading a record");
    return ORDO_OK;
}

int ordo_record_read(const void *data, size_t len, unsigned flags, ordo_arena_t *arena,
                     ordo_record_t *out, ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    (void)ordo_record_cbor_keys(NULL); /* registered (and this module's keys.c linked in) */
    rd_t r = {arena, false};
    if (!is_json(data, len)) {
        const node_t *d;
        int rc = ordo_cbor_to_tree(data, len, arena, &d, err);
        return rc ? rc : ordo_record_read_tree(d, flags, arena, out, err);
    } else {
        cJSON *j = cJSON_ParseWithLength(data, len);
        if (!cJSON_IsObject(j)) {
            cJSON_Delete(j);
            return ordo_error_set(err, ORDO_EPARSE, NULL, 0, NULL,
                                  "the record is not a JSON object");
        }
        const node_t *d = from_cjson(&r, j, NULL);
        if (d)
            read_tree(&r, d, flags, out); /* strings are copied before j goes */
        cJSON_Delete(j);
    }
    if (r.oom)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory reading a record");
    return ORDO_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *ordo_record_plan_signature(const ordo_record_plan_t *plan, ordo_arena_t *a)
{
    size_t n = 0;
    for (uint32_t s = 0; s < plan->n_shipments; s++)
        n += plan->shipments[s].n_lines;
    char **parts = ordo_arena_calloc(a, n ? n : 1, sizeof(char *));
    if (!parts)
        return NULL;
    size_t k = 0, total = 1;
    for (uint32_t s = 0; s < plan->n_shipments; s++) {
        const ordo_record_shipment_t *sh = &plan->shipments[s];
        for (uint32_t i = 0; i < sh->n_lines; i++) {
            const ordo_record_line_t *l = &sh->lines[i];
            char buf[256];
            int m = snprintf(buf, sizeof buf, "%s/%s/%s*%g", sh->node ? sh->node : "",
                             sh->service ? sh->service : "", l->sku ? l->sku : "",
                             isnan(l->quantity) ? 0 : l->quantity);
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
