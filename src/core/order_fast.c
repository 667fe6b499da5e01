/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — an order of the common shape parsed in one pass over its text,
 * straight into ordo_order_t, without cJSON's tree.
 *
 * The common shape: one object whose keys are among id, created,
 * promise_date, channel, promotion, service_level (not pickup), ship_to
 * {zip, residential} and customer {id, cohort}, each once; lines an array of
 * 1..64 objects {sku, quantity}; strings of printable ASCII without
 * escapes; quantities plain integers from 1 to 1000000; JSON whitespace
 * between tokens. Anything else, and any value the tree parser would refuse
 * (an unknown SKU or ZIP, a bad time, a repeated SKU...), makes
 * ordo_order_parse_fast answer 0 having touched neither *out nor the arena;
 * ordo_order_parse then parses the text through the tree, which gives the
 * same order or the error naming its field. So this path only ever accepts
 * what the tree accepts, and builds the same order from it (checked by
 * tests/core/test_order_fast.c and fuzz/fuzz_order.c). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cjson_internal.h"
#include "ordo/geo.h"
#include "ordo/order.h"
#include "ordo/util.h"

typedef struct {
    const char *p;
    size_t n;
} span_t;

typedef struct {
    const char *p, *end;
} lex_t;

enum { K_ID, K_CREATED, K_PROMISE, K_CHANNEL, K_PROMOTION, K_LEVEL, K_SHIP, K_CUSTOMER, K_LINES };
static const char *const top_keys[] = {"id",        "created",       "promise_date",
                                       "channel",   "promotion",     "service_level",
                                       "ship_to",   "customer",      "lines"};
#define N_TOP (sizeof top_keys / sizeof top_keys[0])

typedef struct {
    const ordo_network_t *net;
    unsigned seen, ship_seen, cust_seen; /* bits: keys met, each once */
    span_t s[N_TOP];                     /* the string values of top_keys */
    span_t zip, cust_id, cohort;
    bool residential;
    uint32_t n_lines;
    ordo_order_line_t lines[ORDO_ORDER_MAX_LINES];
} fast_t;

static void ws(lex_t *l)
{
    while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r'))
        l->p++;
}

static bool lit(lex_t *l, char c)
{
    ws(l);
    if (l->p < l->end && *l->p == c) {
        l->p++;
        return true;
    }
    return false;
}

/* A string of printable ASCII, no escape. */
static bool str(lex_t *l, span_t *s)
{
    if (!lit(l, '"'))
        return false;
    const char *b = l->p;
    for (; l->p < l->end; l->p++) {
        unsigned char c = (unsigned char)*l->p;
        if (c == '"') {
            s->p = b;
            s->n = (size_t)(l->p++ - b);
            return true;
        }
        if (c < 0x20 || c > 0x7e || c == '\\')
            return false;
    }
    return false;
}

static bool word(lex_t *l, const char *w)
{
    size_t n = strlen(w);
    ws(l);
    if ((size_t)(l->end - l->p) < n || memcmp(l->p, w, n))
        return false;
    l->p += n;
    return true;
}

static bool boolean(lex_t *l, bool *v)
{
    if (word(l, "true"))
        return (*v = true);
    *v = false;
    return word(l, "false");
}

static int key_index(span_t k, const char *const *keys, int n)
{
    for (int i = 0; i < n; i++)
        if (strlen(keys[i]) == k.n && !memcmp(keys[i], k.p, k.n))
            return i;
    return -1;
}

/* The members of an object whose '{' is read: member() takes each value. */
static bool members(lex_t *l, bool (*member)(lex_t *, span_t, void *), void *ctx)
{
    if (!lit(l, '{'))
        return false;
    do {
        span_t k;
        if (!str(l, &k) || !lit(l, ':') || !member(l, k, ctx))
            return false;
    } while (lit(l, ','));
    return lit(l, '}');
}

/* Marks key i seen in *seen; false when it was already. */
static bool once(unsigned *seen, int i)
{
    if (i < 0 || (*seen >> i & 1u))
        return false;
    *seen |= 1u << i;
    return true;
}

static bool ship_member(lex_t *l, span_t k, void *ctx)
{
    static const char *const keys[] = {"zip", "residential"};
    fast_t *f = ctx;
    int i = key_index(k, keys, 2);
    if (!once(&f->ship_seen, i))
        return false;
    return i == 0 ? str(l, &f->zip) : boolean(l, &f->residential);
}

static bool cust_member(lex_t *l, span_t k, void *ctx)
{
    static const char *const keys[] = {"id", "cohort"};
    fast_t *f = ctx;
    int i = key_index(k, keys, 2);
    return once(&f->cust_seen, i) && str(l, i == 0 ? &f->cust_id : &f->cohort);
}

typedef struct {
    const ordo_network_t *net;
    unsigned seen;
    int32_t sku;
    uint32_t qty;
} line_t;

static bool line_member(lex_t *l, span_t k, void *ctx)
{
    static const char *const keys[] = {"sku", "quantity"};
    line_t *ln = ctx;
    int i = key_index(k, keys, 2);
    if (!once(&ln->seen, i))
        return false;
    if (i == 0) {
        span_t s;
        return str(l, &s) && (ln->sku = ordo_network_sku_n(ln->net, s.p, s.n)) >= 0;
    }
    ws(l);
    uint32_t v = 0;
    int digits = 0;
    for (; l->p < l->end && *l->p >= '0' && *l->p <= '9' && digits < 8; l->p++, digits++)
        v = v * 10 + (uint32_t)(*l->p - '0');
    /* no leading zero, fraction or exponent: the next token must be , or } */
    ln->qty = v;
    return digits > 0 && digits < 8 && v >= 1 && v <= 1000000 && l->p[-digits] != '0';
}

static bool lines(lex_t *l, fast_t *f)
{
    if (!lit(l, '['))
        return false;
    do {
        line_t ln = {f->net, 0, -1, 0};
        if (f->n_lines == ORDO_ORDER_MAX_LINES || !members(l, line_member, &ln) || ln.seen != 3)
            return false;
        for (uint32_t j = 0; j < f->n_lines; j++)
            if (f->lines[j].sku == (uint32_t)ln.sku)
                return false;
        f->lines[f->n_lines].sku = (uint32_t)ln.sku;
        f->lines[f->n_lines++].quantity = ln.qty;
    } while (lit(l, ','));
    return lit(l, ']');
}

static bool top_member(lex_t *l, span_t k, void *ctx)
{
    fast_t *f = ctx;
    int i = key_index(k, top_keys, (int)N_TOP);
    if (!once(&f->seen, i))
        return false;
    switch (i) {
    case K_SHIP:
        return members(l, ship_member, f);
    case K_CUSTOMER:
        return members(l, cust_member, f);
    case K_LINES:
        return lines(l, f);
    default:
        return str(l, &f->s[i]);
    }
}

/* A NUL-terminated copy of s in buf (false when it does not fit). */
static bool cstr(span_t s, char *buf, size_t size)
{
    if (s.n >= size)
        return false;
    memcpy(buf, s.p, s.n);
    buf[s.n] = 0;
    return true;
}

static bool time_of(const fast_t *f, int k, int64_t *t)
{
    char buf[64];
    return !(f->seen >> k & 1u) || (cstr(f->s[k], buf, sizeof buf) && !ordo_time_parse(buf, t));
}

/* The arena's copy of a seen string, or dflt. */
static const char *text(ordo_arena_t *a, bool seen, span_t s, const char *dflt)
{
    return seen ? ordo_arena_strndup(a, s.p, s.n) : dflt;
}

/* The values' checks, then the order built: every check comes before the
 * first allocation. */
static bool build(const fast_t *f, ordo_arena_t *a, ordo_order_t *out)
{
    ordo_order_t o;
    memset(&o, 0, sizeof o);
    o.pickup_node = -1;
    o.residential = true;
    char buf[64];
    const span_t id = f->s[K_ID];
    if (!(f->seen >> K_ID & 1u) || id.n == 0 || id.n > ORDO_ORDER_ID_MAX || f->n_lines == 0 ||
        !time_of(f, K_CREATED, &o.created) || !time_of(f, K_PROMISE, &o.promise))
        return false;
    if ((f->seen >> K_LEVEL & 1u) &&
        (!cstr(f->s[K_LEVEL], buf, sizeof buf) || ordo_service_level_parse(buf, &o.level) ||
         o.level == ORDO_LEVEL_PICKUP))
        return false;
    ordo_zip_t zbuf;
    if (!(f->ship_seen & 1u) || ordo_zip_parse(f->zip.p, f->zip.n, &o.ship_zip) ||
        !ordo_geo_zip_or_zip3(f->net->geo, o.ship_zip, &zbuf, &o.ship_zip_approx))
        return false;
    bool approx;
    const ordo_zip_t *z = ordo_geo_zip_or_zip3(f->net->geo, o.ship_zip, &zbuf, &approx);
    o.ship_zip3 = z->zip3;
    memcpy(o.state, z->state, 3);
    if (f->ship_seen & 2u)
        o.residential = f->residential;
    o.id = ordo_arena_strndup(a, id.p, id.n);
    o.channel = text(a, f->seen >> K_CHANNEL & 1u, f->s[K_CHANNEL], "web");
    o.promotion = text(a, f->seen >> K_PROMOTION & 1u, f->s[K_PROMOTION], "");
    o.customer_id = text(a, f->cust_seen & 1u, f->cust_id, "");
    o.cohort = text(a, f->cust_seen >> 1 & 1u, f->cohort, "");
    o.lines = ordo_arena_calloc(a, f->n_lines, sizeof *o.lines);
    if (!o.id || !o.channel || !o.promotion || !o.customer_id || !o.cohort || !o.lines)
        return false; /* the tree path says out of memory */
    memcpy(o.lines, f->lines, f->n_lines * sizeof *o.lines);
    o.n_lines = f->n_lines;
    *out = o;
    return true;
}

int ordo_order_parse_fast(const char *json, size_t len, const ordo_network_t *net,
                          ordo_arena_t *a, ordo_order_t *out)
{
    fast_t f;
    f.net = net;
    f.seen = f.ship_seen = f.cust_seen = 0;
    f.n_lines = 0;
    f.residential = true;
    lex_t l = {json, json + len};
    if (!members(&l, top_member, &f))
        return 0;
    ws(&l);
    return l.p == l.end && build(&f, a, out);
}

bool ordo_order_equal(const ordo_order_t *a, const ordo_order_t *b)
{
    return !strcmp(a->id, b->id) && a->created == b->created &&
           !strcmp(a->customer_id, b->customer_id) && !strcmp(a->cohort, b->cohort) &&
           !memcmp(&a->lifetime_value, &b->lifetime_value, sizeof(double)) &&
           a->ship_zip == b->ship_zip && a->ship_zip3 == b->ship_zip3 &&
           !memcmp(a->state, b->state, 3) && a->ship_zip_approx == b->ship_zip_approx &&
           !strcmp(a->channel, b->channel) && !strcmp(a->promotion, b->promotion) &&
           a->level == b->level && a->pickup_node == b->pickup_node && a->promise == b->promise &&
           a->residential == b->residential && a->n_lines == b->n_lines &&
           !memcmp(a->lines, b->lines, a->n_lines * sizeof *a->lines);
}
