/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — facts: one log record → one fixed-width row of the figures
 * the join and the analysis rows need (internal.h, ANALYZE.md "The facts
 * table"); rows back into ordo_analyze_row_t; interned strings; outcome
 * summaries keyed by the order id's hash. The record path and the facts
 * path both go through these functions, so they cannot disagree. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "internal.h"
#include "ordo/cbor.h"
#include "ordo/geo.h"
#include "ordo/log.h"
#include "ordo/record.h"
#include "ordo/store.h"

_Static_assert(sizeof(an_fact_t) == 304, "the facts row is part of the file format");

/* ------------------------------------------------------------------ */
/* Interned strings */

int an_strings_init(an_strings_t *s)
{
    static uint64_t serials;
    memset(s, 0, sizeof *s);
    s->serial = __atomic_add_fetch(&serials, 1, __ATOMIC_RELAXED);
    ordo_buf_init(&s->buf, NULL);
    s->map = ordo_strmap_create(64);
    return s->map ? ORDO_OK : ORDO_ENOMEM;
}

void an_strings_free(an_strings_t *s)
{
    ordo_strmap_destroy(s->map);
    ordo_buf_free(&s->buf);
    free(s->off);
    memset(s, 0, sizeof *s);
}

/* A string's slot among the recent ids: its length and end bytes. */
static uint32_t recent_slot(const char *str, size_t len)
{
    if (!len)
        return 0;
    size_t h = len * 7 + (unsigned char)str[0] * 3u + (unsigned char)str[len - 1];
    return (uint32_t)(h % AN_STR_RECENT);
}

int an_strings_intern(an_strings_t *s, const char *str, uint32_t *id)
{
    if (!str) {
        *id = AN_ID_NONE;
        return ORDO_OK;
    }
    size_t len = strlen(str);
    if (len >= AN_STR_MAX) {
        *id = AN_ID_LONG;
        return ORDO_OK;
    }
    uint32_t v, slot = recent_slot(str, len);
    if ((v = s->recent[slot]) && s->recent_len[slot] == len &&
        !memcmp(s->buf.data + s->off[v - 1], str, len)) {
        *id = v;
        return ORDO_OK;
    }
    if (ordo_strmap_get(s->map, str, len, &v)) {
        s->recent[slot] = v;
        s->recent_len[slot] = (uint32_t)len;
        *id = v;
        return ORDO_OK;
    }
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        uint32_t *o = realloc(s->off, cap * sizeof *o);
        if (!o)
            return ORDO_ENOMEM;
        s->off = o;
        s->cap = cap;
    }
    uint32_t off = (uint32_t)s->buf.len;
    ordo_buf_append(&s->buf, str, len);
    ordo_buf_putc(&s->buf, 0);
    if (s->buf.oom)
        return ORDO_ENOMEM;
    s->off[s->n] = off;
    v = ++s->n;
    if (ordo_strmap_put(s->map, str, len, v))
        return ORDO_ENOMEM;
    s->recent[slot] = v;
    s->recent_len[slot] = (uint32_t)len;
    *id = v;
    return ORDO_OK;
}

uint32_t an_strings_find(const an_strings_t *s, const char *str)
{
    uint32_t v;
    if (str && ordo_strmap_get(s->map, str, strlen(str), &v))
        return v;
    return AN_ID_LONG;
}

const char *an_strings_get(const an_strings_t *s, uint32_t id)
{
    if (id == AN_ID_NONE)
        return NULL;
    if (id == AN_ID_LONG || id > s->n)
        return "";
    return s->buf.data + s->off[id - 1];
}

void an_hash128(const char *s, size_t len, uint64_t h[2])
{
    XXH128_hash_t x = XXH3_128bits(s, len);
    h[0] = x.low64;
    h[1] = x.high64;
}

uint64_t an_catalog_fingerprint(const ordo_network_t *net)
{
    if (!net)
        return 0;
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return 1; /* never equal to a saved fingerprint of a real catalog */
    XXH3_64bits_reset(st);
    for (uint32_t f = 0; f < net->n_families; f++)
        XXH3_64bits_update(st, net->families[f], strlen(net->families[f]) + 1);
    for (uint32_t i = 0; i < net->n_skus; i++) {
        const char *id = net->skus[i].id;
        XXH3_64bits_update(st, id, strlen(id) + 1);
        XXH3_64bits_update(st, &net->skus[i].price, sizeof net->skus[i].price);
        XXH3_64bits_update(st, &net->skus[i].family, sizeof net->skus[i].family);
    }
    uint64_t h = XXH3_64bits_digest(st) | 2; /* never 0 (no catalog) or 1 */
    XXH3_freeState(st);
    return h;
}

/* ------------------------------------------------------------------ */
/* One record → one fact */

/* ---- what a fact derives of a string that recurs, kept beside it
 * (internal.h an_memo_t; ANALYZE.md "Strings that recur"): each is
 * checked or recomputed, never trusted across string tables or networks */

/* an_strings_intern(str, s, id); a held string's id is the one it got in
 * the same table (its serial: ids are append-only and never change while
 * the table lives, and a table initialised again has a new serial). */
static int intern(an_strings_t *str, const char *s, uint32_t *id)
{
    an_memo_t *m = s ? an_memo_of(s) : NULL;
    if (m && m->strings == str->serial) {
        *id = m->id;
        return ORDO_OK;
    }
    int rc = an_strings_intern(str, s, id);
    if (m && !rc) {
        m->id = *id;
        m->strings = str->serial;
    }
    return rc;
}

/* ordo_network_family(net, s); a held string's index is checked. */
static int32_t family_of(const ordo_network_t *net, const char *s)
{
    an_memo_t *m = an_memo_of(s);
    if (m && m->net == net && m->family >= 0 && (uint32_t)m->family < net->n_families &&
        !strcmp(net->families[m->family], s))
        return m->family;
    int32_t f = ordo_network_family(net, s);
    if (m) {
        m->net = net;
        m->family = f;
    }
    return f;
}

/* The promise (end of day for a date), as fact_plan reads it; false: none. */
static bool promise_of(const char *pd, int64_t *out)
{
    an_memo_t *m = an_memo_of(pd);
    if (m && m->promise_ok) {
        *out = m->promise;
        return m->promise_ok > 0;
    }
    int64_t p;
    bool ok = !ordo_time_parse(pd, &p);
    if (ok)
        *out = p = strlen(pd) == 10 ? p + 86399 : p; /* a date: end of that day */
    if (m) {
        m->promise_ok = ok ? 1 : -1;
        m->promise = ok ? p : 0;
    }
    return ok;
}

/* The region of a state (ordo_geo_state_region: a binary search with a
 * memcmp call a step), remembered per thread by its two letters. */
static int state_region(const char *st)
{
    static _Thread_local struct {
        char c[2];
        uint8_t region, set;
    } known[1024];
    if (!st[0] || !st[1] || st[2])
        return (int)ordo_geo_state_region(st);
    unsigned i = ((unsigned char)st[0] & 31u) << 5 | ((unsigned char)st[1] & 31u);
    if (!known[i].set || known[i].c[0] != st[0] || known[i].c[1] != st[1]) {
        known[i].c[0] = st[0];
        known[i].c[1] = st[1];
        known[i].region = (uint8_t)ordo_geo_state_region(st);
        known[i].set = 1;
    }
    return known[i].region;
}

/* Region and rurality of the ship-to ZIP, parsed once: the region of the
 * ZIP's state, else of its ZIP3's (as ordo_geo_zip_region), rurality as
 * ordo_geo_zip_rural (0 rural, 1 urban); unknown (the last of each, left
 * as fact_clear set them) when it does not parse or no ZIP table loads.
 * The region's index is the geo region's (ordo_analyze_region_index of its
 * name gives the same: the same order, analysis.c). */
_Static_assert((int)ORDO_REGION_UNKNOWN == (int)ORDO_AN_REGIONS - 1, "unknown is the last region");
static void zip_segments(const char *zs, an_fact_t *f)
{
    uint32_t zip;
    const ordo_geo_t *geo;
    if (!zs || ordo_zip_parse(zs, strlen(zs), &zip) || !(geo = ordo_geo_default()))
        return;
    const ordo_zip_t *z = ordo_geo_zip(geo, zip);
    const ordo_zip3_t *z3 = z ? NULL : ordo_geo_zip3(geo, (uint16_t)(zip / 100));
    const char *state = z ? z->state : z3->known ? z3->state : NULL;
    f->region = (uint8_t)(state ? state_region(state) : ORDO_AN_REGIONS - 1);
    int r = ordo_geo_zip_rural(geo, zip);
    f->rurality = (uint8_t)(r < 0 ? ORDO_AN_RURALITIES - 1 : r ? 0 : 1);
}

/* The plan's figures: cost and its parts, shipments, zones, miles. */
static void fact_plan(const ordo_record_t *d, an_fact_t *f)
{
    const ordo_record_plan_t *plan = &d->plan;
    if (plan->present)
        f->flags |= AN_F_PLAN;
    if (plan->has_cost)
        f->flags |= AN_F_HAS_COST;
    f->dv[AN_DV_COST] = plan->cost.total;
    f->dv[AN_DV_PICK] = plan->cost.pick;
    f->dv[AN_DV_PACK] = plan->cost.pack;
    f->dv[AN_DV_SHIP] = plan->cost.shipping;
    f->dv[AN_DV_RETURNS] = plan->cost.returns;
    double cr = plan->cost.carrying_relief, op = plan->cost.opportunity;
    f->dv[AN_DV_CARRYING] = (isfinite(cr) ? cr : 0) + (isfinite(op) ? op : 0);
    f->dv[AN_DV_ON_TIME_PROB] = plan->on_time_prob;
    f->dv[AN_DV_RETURN_RISK] = plan->return_risk;
    double nship = plan->shipments_total;
    if (!isfinite(nship))
        nship = plan->has_shipments ? plan->n_shipments : NAN;
    f->dv[AN_DV_SHIPMENTS] = nship;
    f->dv[AN_DV_UNITS] = plan->units;
    f->dv[AN_DV_MILES] = NAN;
    f->dv[AN_DV_ZONE_SUM] = NAN;
    for (int z = 0; z < 9; z++)
        f->zones[z] = NAN;
    if (plan->has_shipments) {
        f->flags |= AN_F_SIG;
        double miles = 0, zsum = 0;
        for (int z = 0; z < 9; z++)
            f->zones[z] = 0;
        for (uint32_t i = 0; i < plan->n_shipments; i++) {
            double zone = plan->shipments[i].zone, mi = plan->shipments[i].miles;
            if (isfinite(mi))
                miles += mi;
            if (isfinite(zone) && zone >= 1 && zone <= 9) {
                zsum += zone;
                f->zones[(int)zone - 1] += 1;
            }
        }
        f->dv[AN_DV_MILES] = miles;
        f->dv[AN_DV_ZONE_SUM] = zsum;
        if (plan->present) /* as ordo_analyze_plan_summary's has_sig */
            an_plan_sig(plan, f->sig);
    }
    f->fallback = (int8_t)(d->fallback < 0 ? -1 : d->fallback ? 1 : 0);
    double lat = d->latency_ns;
    f->dv[AN_DV_LATENCY_MS] = isfinite(lat) ? lat / 1e6 : NAN;
    f->dv[AN_DV_CONTROL_COST] = d->control_cost;
    int64_t p;
    if (plan->promise_date && promise_of(plan->promise_date, &p))
        f->promise = p;
}

/* Segments: region from the ship-to ZIP, value band and product family
 * (from the record, else from the order's lines and the catalog). */
static void fact_segments(const ordo_record_t *d, const ordo_network_t *net, an_fact_t *f)
{
    f->region = ORDO_AN_REGIONS - 1;
    f->rurality = ORDO_AN_RURALITIES - 1;
    zip_segments(d->order.zip, f);
    double value = d->order_value;
    int family = -1;
    if (d->product_family && net)
        family = family_of(net, d->product_family);
    if (net && d->order.present && d->order.lines && (!isfinite(value) || family < 0)) {
        double total = 0, best = -1;
        int best_fam = -1;
        bool all = true;
        for (uint32_t i = 0; i < d->order.n_lines; i++) {
            const ordo_record_line_t *l = &d->order.lines[i];
            double q = l->quantity;
            int32_t si = l->sku ? ordo_network_sku(net, l->sku) : -1;
            if (si < 0 || !isfinite(q)) {
                all = false;
                continue;
            }
            double lv = q * net->skus[si].price;
            total += lv;
            if (lv > best) {
                best = lv;
                best_fam = net->skus[si].family;
            }
        }
        if (!isfinite(value) && all)
            value = total;
        if (family < 0)
            family = best_fam;
    }
    f->dv[AN_DV_ORDER_VALUE] = value;
    f->value_band = (uint8_t)ordo_analyze_value_band(value);
    f->family =
        family >= 0 && family < ORDO_AN_FAMILIES - 1 ? (uint16_t)family : ORDO_AN_FAMILIES - 1;
}

static void fact_clear(an_fact_t *f)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < AN_DV_N; i++)
        f->dv[i] = NAN;
    for (int z = 0; z < 9; z++)
        f->zones[z] = NAN;
    f->fallback = -1;
    f->region = ORDO_AN_REGIONS - 1;
    f->rurality = ORDO_AN_RURALITIES - 1;
    f->value_band = ORDO_AN_VALUE_BANDS - 1;
    f->family = ORDO_AN_FAMILIES - 1;
}

/* Shipments per carrier service of the plan (ANALYZE.md "Carrier
 * dependence"). ORDO_ENOMEM. */
static int fact_services(const ordo_record_t *d, an_strings_t *str, an_fact_t *f)
{
    for (uint32_t i = 0; d->plan.present && i < d->plan.n_shipments; i++) {
        const char *s = d->plan.shipments[i].service;
        if (!s || !s[0])
            continue;
        uint32_t id;
        int rc = intern(str, s, &id);
        if (rc)
            return rc;
        int k = 0;
        while (k < AN_FACT_SVCS - 1 && f->svc_n[k] && f->svc[k] != id)
            k++;
        if (f->svc_n[k] && f->svc[k] != id)
            id = AN_ID_LONG; /* more services than kept: "other" */
        f->svc[k] = id;
        if (f->svc_n[k] < UINT16_MAX)
            f->svc_n[k]++;
    }
    return ORDO_OK;
}

int an_fact_from_record(const ordo_record_t *d, const ordo_network_t *net, an_strings_t *str,
                        an_fact_t *f, ordo_error_t *err)
{
    f->flags |= AN_F_PARSED;
    if (d->has_time) {
        f->flags |= AN_F_HAS_TIME;
        f->ts = d->time;
    }
    if (d->excluded)
        f->flags |= AN_F_EXCLUDED;
    if (d->order_id) {
        size_t len = strlen(d->order_id);
        f->flags |= AN_F_OID | (len >= ORDO_OUTCOME_ID_MAX ? AN_F_OID_LONG : 0);
        an_hash128(d->order_id, len, f->oid);
    }
    if (d->unit && d->unit[0]) {
        f->flags |= AN_F_UNIT;
        an_hash128(d->unit, strlen(d->unit), f->unit);
    }
    int rc;
    if ((rc = intern(str, d->experiment, &f->experiment)) ||
        (rc = intern(str, d->variant, &f->variant)) ||
        (rc = intern(str, d->policy_name, &f->policy_name)) ||
        (rc = intern(str, d->policy_version, &f->policy_version)) ||
        (rc = intern(str, d->order.channel, &f->channel)) ||
        (rc = intern(str, d->order.promotion, &f->promotion)) || (rc = fact_services(d, str, f)))
        return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
    fact_plan(d, f);
    fact_segments(d, net, f);
    return ORDO_OK;
}

/* ---- the byte scan, on a record's tree ----
 *
 * A raw CBOR record (ordo_log_query_t.raw) has no JSON text to scan; what
 * the scan of its compact JSON text would find is read from its tree
 * instead. In that text, `"P"` (P: experiment, variant, order_id) occurs
 * exactly where a key or a string equals P or ends with `"P` (the quote is
 * escaped as \", so a longer string holds `\"P"` only at its end); only
 * a key is followed by ':'. an_scan_str takes the first such key and reads
 * its value if it is a string the writer writes without escapes, of 1 to
 * cap - 1 bytes. */
enum { SCAN_EXP, SCAN_VAR, SCAN_OID, SCAN_N };
static const char *const scan_key[SCAN_N] = {"experiment", "variant", "order_id"};

typedef struct tree_scan {
    bool exp_text;                 /* `"experiment"` anywhere in the text */
    bool done[SCAN_N];             /* the first key was met */
    const char *value[SCAN_N];     /* its value, when the scan would read it */
    size_t cap[SCAN_N];
} tree_scan_t;

static const size_t scan_len[SCAN_N] = {10, 7, 8}; /* strlen(scan_key[k]) */

/* s (n bytes) equals scan_key[k] or ends with `"` and it. */
static bool text_names(const char *s, size_t n, int k)
{
    const char *p = scan_key[k];
    size_t m = scan_len[k];
    return n >= m && s[n - 1] == p[m - 1] && !memcmp(s + n - m, p, m) &&
           (n == m || s[n - m - 1] == '"');
}

static bool plain_string(const ordo_cbor_node_t *v, size_t cap)
{
    if (!v || v->type != ORDO_CBOR_STRING || !v->s[0])
        return false;
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)v->s; *c; c++, n++)
        if (*c == '"' || *c == '\\' || *c < 0x20)
            return false;
    /* a NUL inside is written \u0000: the scan stops at that escape */
    return n == v->len && n + 1 <= cap;
}

static void scan_tree(const ordo_cbor_node_t *v, tree_scan_t *t)
{
    for (; v; v = v->next) {
        if (v->key) {
            size_t n = strlen(v->key);
            t->exp_text |= text_names(v->key, n, SCAN_EXP);
            for (int k = 0; k < SCAN_N; k++)
                if (!t->done[k] && text_names(v->key, n, k)) {
                    t->done[k] = true;
                    t->value[k] = plain_string(v, t->cap[k]) ? v->s : NULL;
                }
        }
        if (v->type == ORDO_CBOR_STRING)
            t->exp_text |= text_names(v->s, strlen(v->s), SCAN_EXP);
        if (v->child)
            scan_tree(v->child, t);
    }
}

/* The scanned experiment, variant and order id into f. */
static int fact_scans(const char *exp, const char *var, const char *oid, an_strings_t *str,
                      an_fact_t *f, ordo_error_t *err)
{
    if (exp) {
        f->flags |= AN_F_SCAN_EXP;
        if (intern(str, exp, &f->scan_exp))
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (var) {
        f->flags |= AN_F_SCAN_VAR;
        if (intern(str, var, &f->scan_var))
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (oid) {
        f->flags |= AN_F_SCAN_OID;
        an_hash128(oid, strlen(oid), f->scan_oid);
    }
    return ORDO_OK;
}

bool an_fact_full_reader;

/* A raw CBOR record: decoded once, scanned and read from its tree. A
 * record that does not decode is corrupt, as the log's JSON conversion
 * would have said. */
static int fact_from_tree(const ordo_log_record_t *rec, ordo_arena_t *arena,
                          const ordo_network_t *net, an_strings_t *str, an_fact_t *f,
                          ordo_error_t *err)
{
    const ordo_cbor_node_t *root;
    ordo_error_t e;
    int rc = ordo_cbor_to_tree(rec->appended, rec->appended_len, arena, &root, &e);
    if (rc)
        return ordo_error_set(err, rc == ORDO_ENOMEM ? ORDO_ENOMEM : ORDO_ECORRUPT, rec->segment,
                              0, NULL, "byte offset %llu (seq %llu): CBOR payload: %s",
                              (unsigned long long)rec->offset, (unsigned long long)rec->seq,
                              e.msg);
    tree_scan_t t = {.cap = {ORDO_EXP_ID_MAX, ORDO_EXP_KEY_MAX, ORDO_OUTCOME_ID_MAX}};
    scan_tree(root, &t);
    if (t.exp_text)
        f->flags |= AN_F_EXP_TEXT;
    if ((rc = fact_scans(t.value[SCAN_EXP], t.value[SCAN_VAR], t.value[SCAN_OID], str, f, err)))
        return rc;
    ordo_record_t d;
    if (an_fact_full_reader) {
        rc = ordo_record_read_tree(root, 0, arena, &d, &e);
    } else if ((rc = an_record_from_tree(root, arena, &d)) == ORDO_ENOMEM) {
        ordo_error_set(&e, rc, NULL, 0, NULL, "out of memory reading a record");
    }
    if (rc == ORDO_ENOMEM) {
        if (err)
            *err = e;
        return rc;
    }
    return rc ? ORDO_OK : an_fact_from_record(&d, net, str, f, err);
}

bool an_fact_tree_reader;

/* A raw CBOR record read in one pass (facts_stream.c); ORDO_EUNSUPPORTED:
 * through the tree instead (f untouched). */
static int fact_from_stream(const ordo_log_record_t *rec, ordo_arena_t *arena,
                            const ordo_network_t *net, an_strings_t *str, an_fact_t *f,
                            ordo_error_t *err)
{
    ordo_record_t d;
    an_stream_scan_t sc;
    if (an_fact_tree_reader || an_fact_full_reader ||
        an_record_stream(rec->appended, rec->appended_len, arena, &d, &sc)) {
        ordo_arena_reset(arena);
        return ORDO_EUNSUPPORTED;
    }
    if (sc.exp_text)
        f->flags |= AN_F_EXP_TEXT;
    /* the scanned order id is the record's (the summary's): hashed once */
    bool same_oid = sc.value[2] && sc.value[2] == d.order_id;
    int rc = fact_scans(sc.value[0], sc.value[1], same_oid ? NULL : sc.value[2], str, f, err);
    if (rc || (rc = an_fact_from_record(&d, net, str, f, err)))
        return rc;
    if (same_oid) {
        f->flags |= AN_F_SCAN_OID;
        memcpy(f->scan_oid, f->oid, sizeof f->scan_oid);
    }
    return ORDO_OK;
}

int an_fact_from_log(const ordo_log_record_t *rec, ordo_arena_t *arena, const ordo_network_t *net,
                     an_strings_t *str, an_fact_t *f, ordo_error_t *err)
{
    fact_clear(f);
    if (rec->type == ORDO_LOG_REC_SHADOW)
        f->flags |= AN_F_SHADOW;
    ordo_arena_reset(arena);
    if ((rec->flags & ORDO_LOG_FLAG_CBOR) && rec->payload == rec->appended) {
        int rc = fact_from_stream(rec, arena, net, str, f, err);
        return rc == ORDO_EUNSUPPORTED ? fact_from_tree(rec, arena, net, str, f, err) : rc;
    }
    /* what the byte scan of the join sees (join.c skips decisions of
     * other experiments on it, without reading them) */
    char eb[ORDO_EXP_ID_MAX], vb[ORDO_EXP_KEY_MAX], ob[ORDO_OUTCOME_ID_MAX];
    if (memmem(rec->payload, rec->len, "\"experiment\"", 12))
        f->flags |= AN_F_EXP_TEXT;
    bool he = an_scan_str(rec->payload, rec->len, "\"experiment\"", eb, sizeof eb);
    bool hv = an_scan_str(rec->payload, rec->len, "\"variant\"", vb, sizeof vb);
    bool ho = an_scan_str(rec->payload, rec->len, "\"order_id\"", ob, sizeof ob);
    int rc = fact_scans(he ? eb : NULL, hv ? vb : NULL, ho ? ob : NULL, str, f, err);
    if (rc)
        return rc;
    ordo_record_t d;
    ordo_error_t e;
    rc = ordo_record_read(rec->appended, rec->appended_len, 0, arena, &d, &e);
    if (rc == ORDO_ENOMEM) {
        if (err)
            *err = e;
        return rc;
    }
    if (rc)
        return ORDO_OK;
    return an_fact_from_record(&d, net, str, f, err);
}

/* ------------------------------------------------------------------ */
/* A fact → a row */

/* What happened to the order (outcome summary o, may be NULL). */
static void row_outcome(const an_fact_t *f, const ordo_outcome_summary_t *o,
                        ordo_analyze_row_t *row)
{
    int64_t t = row->ts;
    if (!o) {
        row->v[ORDO_AF_HAS_OUTCOME] = 0;
        return;
    }
    row->v[ORDO_AF_HAS_OUTCOME] = 1;
    if (o->cost_mask) {
        row->v[ORDO_AF_ACTUAL_COST] = o->cost_total;
        _Static_assert(ORDO_AF_ACTUAL_PACK == ORDO_AF_ACTUAL_PICK + 1 &&
                           ORDO_AF_ACTUAL_SHIP == ORDO_AF_ACTUAL_PICK + 2 &&
                           ORDO_AF_ACTUAL_RETURNS == ORDO_AF_ACTUAL_PICK + 3 &&
                           ORDO_AF_ACTUAL_CARRYING == ORDO_AF_ACTUAL_PICK + 4 &&
                           ORDO_COST_PARTS == 5,
                       "the cost parts' fields in the order of the parts");
        double *part = &row->v[ORDO_AF_ACTUAL_PICK];
        const unsigned mask = o->cost_mask;
        part[0] = (mask & 1u) ? o->cost[0] : 0;
        part[1] = (mask & 2u) ? o->cost[1] : 0;
        part[2] = (mask & 4u) ? o->cost[2] : 0;
        part[3] = (mask & 8u) ? o->cost[3] : 0;
        part[4] = (mask & 16u) ? o->cost[4] : 0;
    }
    row->v[ORDO_AF_REFUND] = o->refund;
    int64_t promise = o->promised_by ? o->promised_by : f->promise;
    ordo_on_time_t ot = o->promised_by ? o->on_time : ordo_outcome_on_time(o, promise);
    row->v[ORDO_AF_ON_TIME] = ot == ORDO_ON_TIME_YES ? 1 : ot == ORDO_ON_TIME_LATE ? 0 : NAN;
    row->v[ORDO_AF_DELIVERED] = o->delivered_at > 0;
    row->v[ORDO_AF_HOURS_TO_SHIP] = o->shipped_at > 0 ? (double)(o->shipped_at - t) / 3600.0 : NAN;
    row->v[ORDO_AF_HOURS_TO_DELIVER] =
        o->delivered_at > 0 ? (double)(o->delivered_at - t) / 3600.0 : NAN;
    row->v[ORDO_AF_RETURNED] = o->returned_at > 0 || o->n_returned > 0;
    row->v[ORDO_AF_CANCELLED] = o->cancelled_at > 0;
    static const int measures[ORDO_MEASURE_COUNT] = {
        ORDO_AF_SATISFACTION, ORDO_AF_DOCK_TO_TRUCK_HOURS, ORDO_AF_LABOUR_UTILISATION,
        ORDO_AF_PICK_RATE};
    for (int m = 0; m < ORDO_MEASURE_COUNT; m++)
        if (o->measure_n[m])
            row->v[measures[m]] = o->measure[m];
}

/* ordo_analyze_row_init's row, made once and copied: a row per decision
 * (ANALYZE.md "At scale"). */
static ordo_analyze_row_t blank_row;
static pthread_once_t blank_once = PTHREAD_ONCE_INIT;

static void blank_init(void)
{
    ordo_analyze_row_init(&blank_row);
}

int an_row_from_fact(const an_fact_t *f, const ordo_outcome_summary_t *o, ordo_analyze_row_t *row,
                     ordo_error_t *err)
{
    pthread_once(&blank_once, blank_init);
    *row = blank_row;
    if (!(f->flags & AN_F_HAS_TIME))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "timestamp", "missing or malformed");
    row->ts = f->ts;
    if (!(f->flags & AN_F_HAS_COST))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "plan.totals.cost", "missing");
    an_row_plan(f, row);
    row_outcome(f, o, row);
    return ORDO_OK;
}

int ordo_analyze_row_from_decision(const ordo_record_t *d, const ordo_outcome_summary_t *o,
                                   const ordo_network_t *net, ordo_analyze_row_t *row,
                                   ordo_error_t *err)
{
    an_strings_t str;
    if (an_strings_init(&str))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    an_fact_t f;
    fact_clear(&f);
    int rc = an_fact_from_record(d, net, &str, &f, err);
    an_strings_free(&str);
    if (rc)
        return rc;
    return an_row_from_fact(&f, o, row, err);
}

/* ------------------------------------------------------------------ */
/* The byte scan */

bool an_scan_str(const char *p, size_t len, const char *key, char *out, size_t cap)
{
    const char *end = p + len;
    size_t kl = strlen(key);
    const char *hit = p;
    while ((hit = memmem(hit, (size_t)(end - hit), key, kl))) {
        const char *q = hit + kl;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            q++;
        if (q < end && *q == ':') {
            q++;
            while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
                q++;
            if (q >= end || *q != '"')
                return false;
            q++;
            size_t n = 0;
            while (q < end && *q != '"' && *q != '\\' && n + 1 < cap)
                out[n++] = *q++;
            out[n] = 0;
            return q < end && *q == '"' && n > 0;
        }
        hit += kl;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Outcomes, by the order id's hash */

void an_outcomes_free(an_outcomes_t *oc)
{
    if (oc->map) {
        munmap(oc->map, oc->map_len);
        if (oc->lock_fd)
            close(oc->lock_fd - 1);
    } else {
        free(oc->v);
        free(oc->slot);
    }
    free(oc->matched);
    memset(oc, 0, sizeof *oc);
}

an_outcome_t *an_outcomes_add(an_outcomes_t *oc)
{
    if (oc->n == oc->cap) {
        size_t cap = oc->cap ? oc->cap * 2 : 1024;
        an_outcome_t *nv = realloc(oc->v, cap * sizeof *nv);
        if (!nv)
            return NULL;
        oc->v = nv;
        oc->cap = cap;
    }
    return &oc->v[oc->n++];
}

static int outcomes_push(an_outcomes_t *oc, const ordo_outcome_summary_t *s)
{
    an_outcome_t *o = an_outcomes_add(oc);
    if (!o)
        return ORDO_ENOMEM;
    an_outcome_from_summary(s, o);
    return ORDO_OK;
}

void an_outcome_from_summary(const ordo_outcome_summary_t *s, an_outcome_t *o)
{
    memset(o, 0, sizeof *o);
    o->shipped_at = s->shipped_at;
    o->delivered_at = s->delivered_at;
    o->last_delivered_at = s->last_delivered_at;
    o->returned_at = s->returned_at;
    o->cancelled_at = s->cancelled_at;
    o->promised_by = s->promised_by;
    memcpy(o->cost, s->cost, sizeof o->cost);
    o->cost_total = s->cost_total;
    o->refund = s->refund;
    o->n_shipments = s->n_shipments;
    o->n_delivered = s->n_delivered;
    o->n_returned = s->n_returned;
    o->on_time = (uint8_t)s->on_time;
    o->cost_mask = (uint8_t)s->cost_mask;
    o->flags = (uint8_t)s->flags;
    for (int m = 0; m < ORDO_MEASURE_COUNT; m++)
        o->measure[m] = s->measure_n[m] ? s->measure[m] : NAN;
    an_hash128(s->order_id, strlen(s->order_id), o->oid);
}

/* Every summary (all) or those of the orders changed after since, pushed
 * onto oc; oc->events: the change seq, read before them. */
static int outcomes_read(ordo_store_t *store, bool all, uint64_t since, an_outcomes_t *oc,
                         ordo_error_t *err)
{
    int rc = ordo_store_outcome_seq(store, &oc->events, err);
    if (rc)
        return rc;
    ordo_outcome_iter_t *it;
    if (all)
        rc = ordo_store_outcome_iter_open(store, &it, err);
    else
        rc = ordo_store_outcome_iter_since(store, since, &it, err);
    if (rc)
        return rc;
    ordo_outcome_summary_t s;
    while ((rc = ordo_outcome_iter_next(it, &s, err)) == 1)
        if (outcomes_push(oc, &s)) {
            rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
            break;
        }
    ordo_outcome_iter_close(it);
    return rc < 0 ? rc : ORDO_OK;
}

int an_outcomes_load_since(ordo_store_t *store, uint64_t since, an_outcomes_t *oc,
                           ordo_error_t *err)
{
    memset(oc, 0, sizeof *oc);
    return outcomes_read(store, false, since, oc, err);
}

int an_outcomes_load(ordo_store_t *store, an_outcomes_t *oc, ordo_error_t *err)
{
    memset(oc, 0, sizeof *oc);
    int rc = ORDO_OK;
    if (store) {
        if ((rc = outcomes_read(store, true, 0, oc, err)))
            return rc;
    }
    return an_outcomes_index(oc, err);
}

int an_outcomes_index(an_outcomes_t *oc, ordo_error_t *err)
{
    size_t cap = 16;
    while (cap < oc->n * 2)
        cap *= 2;
    free(oc->slot);
    free(oc->matched);
    oc->slot = calloc(cap, sizeof *oc->slot);
    oc->matched = calloc(oc->n ? oc->n : 1, 1);
    if (!oc->slot || !oc->matched)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    oc->mask = cap - 1;
    oc->dup_oids = false;
    for (size_t i = 0; i < oc->n; i++) {
        if (an_outcomes_find(oc, oc->v[i].oid) >= 0)
            oc->dup_oids = true; /* the store has one summary per order: cannot happen */
        else
            an_outcomes_insert(oc, i);
    }
    return ORDO_OK;
}

long an_outcomes_find(const an_outcomes_t *oc, const uint64_t oid[2])
{
    if (!oc->slot)
        return -1;
    const uint32_t tag = an_outcomes_tag(oid);
    size_t s = an_outcomes_slot_of(oid, oc->mask);
    for (; oc->slot[s].at; s = (s + 1) & oc->mask) {
        if (oc->slot[s].tag != tag)
            continue; /* another order: its row is not read */
        const an_outcome_t *o = &oc->v[oc->slot[s].at - 1];
        if (o->oid[0] == oid[0] && o->oid[1] == oid[1])
            return (long)oc->slot[s].at - 1;
    }
    return -1;
}

void an_outcome_expand(const an_outcome_t *o, ordo_outcome_summary_t *s)
{
    /* every field set (no memset of the order id's bytes: a summary per
     * decision) */
    s->order_id[0] = 0;
    s->state = ORDO_OUTCOME_NONE;
    s->n_events = 0;
    s->first_event_at = s->last_event_at = 0;
    s->shipped_at = o->shipped_at;
    s->delivered_at = o->delivered_at;
    s->last_delivered_at = o->last_delivered_at;
    s->returned_at = o->returned_at;
    s->cancelled_at = o->cancelled_at;
    s->promised_by = o->promised_by;
    s->on_time = (ordo_on_time_t)o->on_time;
    memcpy(s->cost, o->cost, sizeof s->cost);
    s->cost_mask = o->cost_mask;
    s->cost_total = o->cost_total;
    s->refund = o->refund;
    s->n_shipments = o->n_shipments;
    s->n_delivered = o->n_delivered;
    s->n_returned = o->n_returned;
    s->flags = o->flags;
    for (int m = 0; m < ORDO_MEASURE_COUNT; m++) {
        s->measure_n[m] = !isnan(o->measure[m]);
        s->measure[m] = s->measure_n[m] ? o->measure[m] : 0;
    }
}
