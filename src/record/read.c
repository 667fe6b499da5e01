/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the decision record's one reader: payload bytes → ordo_record_t.
 *
 * A CBOR payload is turned into JSON text first (ordo_cbor_to_json gives
 * exactly the text writer's bytes), then every field is read once here, so
 * analysis, replay and the CLI never look a field up by name. */
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

static const cJSON *get(const cJSON *o, const char *k)
{
    return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(rd_t *r, const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    if (!cJSON_IsString(v))
        return NULL;
    char *s = ordo_arena_strndup(r->arena, v->valuestring, strlen(v->valuestring));
    if (!s)
        r->oom = true;
    return s;
}

static void *arr_alloc(rd_t *r, const cJSON *a, size_t size, uint32_t *n)
{
    int k = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
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
static void read_cost(const cJSON *c, ordo_cost_t *out)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(c, "economic");
    bool flat = !cJSON_IsObject(e);
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

static ordo_record_line_t *read_lines(rd_t *r, const cJSON *a, uint32_t *n)
{
    ordo_record_line_t *lines = arr_alloc(r, a, sizeof *lines, n);
    if (!lines)
        return NULL;
    uint32_t i = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, a)
    {
        lines[i].line = num(l, "line");
        lines[i].sku = str(r, l, "sku");
        lines[i].quantity = num(l, "quantity");
        i++;
    }
    return lines;
}

static void read_shipment(rd_t *r, const cJSON *s, ordo_record_shipment_t *sh)
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

static void read_plan(rd_t *r, const cJSON *p, ordo_record_plan_t *out)
{
    out->n_candidates = -1;
    read_cost(NULL, &out->cost);
    out->score = out->shipments_total = out->units = out->on_time_prob = out->return_risk = NAN;
    if (!cJSON_IsObject(p))
        return;
    out->present = true;
    out->status = str(r, p, "status");
    out->search = str(r, p, "search");
    out->promise_date = str(r, p, "promise_date");
    out->score = num(p, "score");
    const cJSON *ships = get(p, "shipments");
    out->has_shipments = cJSON_IsArray(ships);
    out->shipments = arr_alloc(r, ships, sizeof *out->shipments, &out->n_shipments);
    uint32_t i = 0;
    const cJSON *s;
    if (out->shipments)
        cJSON_ArrayForEach(s, ships) read_shipment(r, s, &out->shipments[i++]);
    const cJSON *t = get(p, "totals");
    out->has_cost = cJSON_IsObject(get(t, "cost"));
    read_cost(get(t, "cost"), &out->cost);
    out->shipments_total = num(t, "shipments");
    out->units = num(t, "units");
    out->on_time_prob = num(t, "on_time_prob");
    out->return_risk = num(t, "return_risk");
    const cJSON *bos = get(p, "backorders");
    out->backorders = arr_alloc(r, bos, sizeof *out->backorders, &out->n_backorders);
    i = 0;
    if (out->backorders)
        cJSON_ArrayForEach(s, bos)
        {
            ordo_record_backorder_t *b = &out->backorders[i++];
            b->line = num(s, "line");
            b->sku = str(r, s, "sku");
            b->quantity = num(s, "quantity");
            b->reason = str(r, s, "reason");
        }
    const cJSON *ex = get(p, "explain");
    if (ex)
        out->n_candidates = cJSON_GetArraySize(get(ex, "candidates"));
}

static void read_order(rd_t *r, const cJSON *o, unsigned flags, ordo_record_order_t *out)
{
    if (!cJSON_IsObject(o))
        return;
    out->present = true;
    out->id = str(r, o, "id");
    out->customer_id = str(r, get(o, "customer"), "id");
    out->zip = str(r, get(o, "ship_to"), "zip");
    out->channel = str(r, o, "channel");
    out->service_level = str(r, o, "service_level");
    out->lines = read_lines(r, get(o, "lines"), &out->n_lines);
    if (flags & ORDO_RECORD_READ_ORDER) {
        char *text = cJSON_PrintUnformatted(o);
        if (!text) {
            r->oom = true;
            return;
        }
        out->json = ordo_arena_strndup(r->arena, text, strlen(text));
        r->oom |= !out->json;
        free(text);
    }
}

static void read_atp(rd_t *r, const cJSON *a, ordo_record_t *out)
{
    out->atp = arr_alloc(r, a, sizeof *out->atp, &out->n_atp);
    uint32_t i = 0;
    const cJSON *e;
    if (out->atp)
        cJSON_ArrayForEach(e, a)
        {
            out->atp[i].node = str(r, e, "node");
            out->atp[i].sku = str(r, e, "sku");
            out->atp[i].atp = num(e, "atp");
            i++;
        }
}

static void read_head(rd_t *r, const cJSON *d, ordo_record_t *out)
{
    out->record_version = num(d, "record_version");
    out->timestamp = str(r, d, "timestamp");
    out->has_time = out->timestamp && !ordo_time_parse(out->timestamp, &out->time);
    out->order_id = str(r, d, "order_id");
    out->policy_name = str(r, get(d, "policy"), "name");
    out->policy_version = str(r, get(d, "policy"), "version");
    out->model_version = str(r, d, "model_version");
    out->experiment = str(r, d, "experiment");
    out->variant = str(r, d, "variant");
    out->bucket = num(d, "bucket");
    out->excluded = cJSON_IsTrue(get(d, "excluded"));
    out->shadow = cJSON_IsTrue(get(d, "shadow"));
    out->control_cost = num(d, "control_cost");
    out->order_value = num(d, "order_value");
    out->product_family = str(r, d, "product_family");
    out->region = str(r, d, "region");
    out->unit = str(r, d, "unit");
    out->cluster = str(r, d, "cluster");
    double win = num(d, "window");
    out->window = isfinite(win) && win >= 0 && win < 9e15 ? (int64_t)win : -1;
    const cJSON *fb = get(d, "fallback");
    out->fallback = cJSON_IsBool(fb) ? (int8_t)cJSON_IsTrue(fb) : -1;
    out->latency_ns = num(d, "latency_ns");
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

int ordo_record_read(const void *data, size_t len, unsigned flags, ordo_arena_t *arena,
                     ordo_record_t *out, ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    (void)ordo_record_cbor_keys(NULL); /* registered (and this module's keys.c linked in) */
    ordo_buf_t text;
    ordo_buf_init(&text, NULL);
    const char *json = data;
    if (!is_json(data, len)) {
        int rc = ordo_cbor_to_json(data, len, &text, err);
        if (rc) {
            ordo_buf_free(&text);
            return rc;
        }
        json = text.data;
        len = text.len;
    }
    cJSON *d = cJSON_ParseWithLength(json, len);
    ordo_buf_free(&text);
    if (!cJSON_IsObject(d)) {
        cJSON_Delete(d);
        return ordo_error_set(err, ORDO_EPARSE, NULL, 0, NULL, "the record is not a JSON object");
    }
    rd_t r = {arena, false};
    read_head(&r, d, out);
    read_order(&r, get(d, "order"), flags, &out->order);
    read_atp(&r, get(d, "atp"), out);
    read_plan(&r, get(d, "plan"), &out->plan);
    cJSON_Delete(d);
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
