/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the record's summary (RECORD.md "Summary"): written by the record
 * writer right after the parts, found and checked for its readers. */
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "../core/xxh3_internal.h"
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

/* The summary's items are written as one run (cbor.h): the bytes the
 * ordo_jsonw_* calls would write, without their checks per item. Every
 * stretch of numbers and array heads between strings has room made for it
 * first (ROOM: 14 items of 9 bytes at most); strings make their own. */
#define ROOM 128

static inline unsigned char *num(unsigned char *p, double v)
{
    return p + ordo_cbor_number_bytes(v, p);
}

static inline unsigned char *opt_num(unsigned char *p, bool has, double v)
{
    if (has)
        return num(p, v);
    *p = 0xf6; /* null */
    return p + 1;
}

static inline unsigned char *integer(unsigned char *p, int64_t v)
{
    return p +
           (v >= 0 ? ordo_cbor_head(p, 0, (uint64_t)v) : ordo_cbor_head(p, 1, (uint64_t)(-1 - v)));
}

static inline unsigned char *boolean(unsigned char *p, bool v)
{
    *p = v ? 0xf5 : 0xf4;
    return p + 1;
}

/* A line's SKU and quantity. */
static unsigned char *write_line(ordo_jsonw_t *w, unsigned char *p, const ordo_network_t *net,
                                 uint32_t sku, uint32_t quantity)
{
    p = ordo_cbor_run_room(w, ordo_jsonw_cbor_run_text(w, p, net->skus[sku].id), ROOM);
    return p ? integer(p, quantity) : NULL;
}

static unsigned char *write_order(const ordo_order_t *o, const ordo_network_t *net, ordo_jsonw_t *w,
                                  unsigned char *p)
{
    char zip[16];
    if (!o) {
        *p = 0xf6; /* room: the caller's */
        return p + 1;
    }
    *p++ = 0x9f;
    p = ordo_jsonw_cbor_run_text(w, p, o->channel ? o->channel : "web");
    p = ordo_jsonw_cbor_run_text(w, p, o->promotion && o->promotion[0] ? o->promotion : NULL);
    p = ordo_jsonw_cbor_run_text(w, p, ordo_zip_format(o->ship_zip, zip));
    p = ordo_cbor_run_room(w, p, ROOM);
    if (!p)
        return NULL;
    *p++ = 0x9f;
    for (uint32_t i = 0; p && i < o->n_lines; i++)
        p = write_line(w, p, net, o->lines[i].sku, o->lines[i].quantity);
    if (!p)
        return NULL;
    *p++ = 0xff;
    *p++ = 0xff;
    return p;
}

static unsigned char *write_plan(const ordo_plan_t *p, const ordo_network_t *net, ordo_jsonw_t *w,
                                 unsigned char *q)
{
    char b[32];
    *q++ = 0x9f; /* room: the caller's */
    q = ordo_jsonw_cbor_run_text(w, q, ordo_plan_status_name(p->status));
    ordo_time_format(p->promise, b, sizeof b);
    b[10] = 0; /* a date, as the plan writer's write_time */
    q = ordo_cbor_run_room(w, ordo_jsonw_cbor_run_text(w, q, b), ROOM);
    if (!q)
        return NULL;
    q = integer(q, p->n_shipments);
    q = integer(q, p->units);
    q = num(q, r4(p->on_time_prob));
    q = num(q, r4(p->return_risk));
    const ordo_cost_t *c = &p->cost;
    double cost[] = {c->total,           c->pick,       c->pack, c->shipping, c->returns, c->split,
                     c->carrying_relief, c->opportunity};
    for (size_t i = 0; i < sizeof cost / sizeof cost[0]; i++)
        q = num(q, r4(cost[i]));
    q = integer(q, p->n_backorders);
    *q++ = 0x9f;
    for (uint32_t s = 0; q && s < p->n_shipments; s++) {
        const ordo_shipment_t *sh = &p->shipments[s];
        *q++ = 0x9f;
        q = ordo_jsonw_cbor_run_text(w, q, net->nodes[sh->node].id);
        q = ordo_cbor_run_room(w, ordo_jsonw_cbor_run_text(w, q, service_of(net, sh->service)),
                               ROOM);
        if (!q)
            return NULL;
        q = integer(q, sh->zone);
        q = num(q, r4(sh->miles));
        *q++ = 0x9f;
        for (uint32_t j = 0; q && j < sh->n_lines; j++)
            q = write_line(w, q, net, sh->lines[j].sku, sh->lines[j].quantity);
        if (!q)
            return NULL;
        *q++ = 0xff;
        *q++ = 0xff;
    }
    if (!q)
        return NULL;
    *q++ = 0xff;
    *q++ = 0xff;
    return q;
}

size_t record_summary_write(const ordo_plan_t *p, const ordo_network_t *net,
                            const ordo_decision_meta_t *meta, const record_top_t *top,
                            ordo_jsonw_t *w)
{
    static const unsigned char head[] = {0x9f, ORDO_RECORD_SUMMARY_VERSION, 0x9f};
    const ordo_order_t *o = p->order;
    bool exp = meta && meta->experiment;
    ordo_jsonw_key(w, "summary");
    unsigned char *q = ordo_jsonw_cbor_run_begin(w, ROOM);
    if (!q)
        return 0;
    memcpy(q, head, sizeof head);
    q += sizeof head;
    size_t slots = (size_t)((char *)q - (w->out->data + w->base));
    for (int i = 0; i < ORDO_RECORD_SUMMARY_SLOTS; i++) { /* zero: record_summary_end sets them */
        memcpy(q, "\x1a\0\0\0\0", 5);
        q += 5;
    }
    *q++ = 0xff;
    q = ordo_cbor_run_room(w, ordo_jsonw_cbor_run_text(w, q, top->timestamp), ROOM);
    if (!q)
        return 0;
    q = top->has_time ? integer(q, top->time) : opt_num(q, false, 0);
    q = ordo_jsonw_cbor_run_text(w, q, o ? o->id : NULL);
    q = ordo_jsonw_cbor_run_text(w, q, p->policy_name);
    q = ordo_jsonw_cbor_run_text(w, q, p->policy_version);
    q = ordo_jsonw_cbor_run_text(w, q, exp ? meta->experiment : NULL);
    q = ordo_cbor_run_room(w, ordo_jsonw_cbor_run_text(w, q, exp ? meta->variant : NULL), ROOM);
    if (!q)
        return 0;
    q = opt_num(q, exp && meta->bucket >= 0, exp ? meta->bucket : 0);
    q = boolean(q, exp && meta->excluded);
    q = opt_num(q, meta && meta->has_control_cost, meta ? meta->control_cost : 0);
    q = opt_num(q, o != NULL, top->order_value);
    q = ordo_jsonw_cbor_run_text(w, q, o ? top->family : NULL);
    q = ordo_cbor_run_room(w, ordo_jsonw_cbor_run_text(w, q, meta ? meta->unit : NULL), ROOM);
    if (!q)
        return 0;
    q = boolean(q, p->status == ORDO_PLAN_FALLBACK);
    q = integer(q, (int64_t)p->latency_ns);
    q = ordo_cbor_run_room(w, write_plan(p, net, w, q), ROOM);
    if (q)
        q = ordo_cbor_run_room(w, write_order(o, net, w, q), 1);
    if (!q)
        return 0;
    *q++ = 0xff;
    ordo_jsonw_cbor_run_end(w, q);
    return slots;
}

/* Whether the bytes "experiment" occur in b (n bytes), as memmem finds
 * them: memchr for its second byte, rare in records, then the rest. */
static bool has_experiment_text(const uint8_t *b, size_t n)
{
    static const char word[] = "experiment";
    const size_t k = sizeof word - 1;
    if (n < k)
        return false;
    for (const uint8_t *q = b + 1, *last = b + n - k + 1; q <= last; q++) {
        q = memchr(q, word[1], (size_t)(last - q) + 1);
        if (!q)
            return false;
        if (!memcmp(q - 1, word, k))
            return true;
    }
    return false;
}

void record_summary_end(ordo_jsonw_t *w, size_t slots, const ordo_decision_meta_t *meta,
                        uint32_t end, uint32_t refs)
{
    const uint8_t *b = (const uint8_t *)w->out->data + w->base;
    size_t n = w->out->len - w->base;
    if (w->error || slots != SLOTS_AT || end > n)
        return; /* not the layout readers look for: they walk */
    uint32_t flags = 0;
    if (!(meta && meta->experiment) && has_experiment_text(b, n))
        flags |= ORDO_RECORD_SUMMARY_EXP_TEXT;
    ordo_jsonw_cbor_slot_set(w, slots, ORDO_RECORD_SUMMARY_FLAGS, flags);
    ordo_jsonw_cbor_slot_set(w, slots, ORDO_RECORD_SUMMARY_END, end);
    ordo_jsonw_cbor_slot_set(w, slots, ORDO_RECORD_SUMMARY_REFS, refs);
    uint64_t h = core_xxh3_64(b + CHECKED_AT, end - CHECKED_AT, 0);
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
    uint64_t h = core_xxh3_64(b + CHECKED_AT, end - CHECKED_AT, 0);
    if ((uint32_t)h != slot(b, ORDO_RECORD_SUMMARY_CHECK_LO) ||
        (uint32_t)(h >> 32) != slot(b, ORDO_RECORD_SUMMARY_CHECK_HI))
        return ORDO_EUNSUPPORTED;
    *at = (ordo_record_summary_at_t){ITEMS_AT, end, slot(b, ORDO_RECORD_SUMMARY_REFS),
                                     slot(b, ORDO_RECORD_SUMMARY_FLAGS)};
    return ORDO_OK;
}
