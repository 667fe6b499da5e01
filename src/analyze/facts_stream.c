/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — a fact's fields read from a CBOR decision record in one
 * pass over its bytes, with no tree (ANALYZE.md "Reading CBOR records").
 *
 * It fills what an_record_from_tree (facts_tree.c) and the tree scan of
 * facts.c take from ordo_cbor_to_tree's tree, with the same values, and
 * takes only records of the shapes cbor_tree_fast (src/core/cbor_tree.c)
 * takes, with the same checks (indefinite maps and arrays, key ids of the
 * table, text and string references valid UTF-8, tables, the same depth and
 * string limits, no trailing bytes): what it accepts, the fast tree path
 * accepts, and that path gives the full decoder's tree by construction.
 * Anything else, and a few things the tree readers take but this one need
 * not (a field key twice in one object, a NUL in a string, more than
 * ST_LINES lines or ST_SHIPS shipments) is ORDO_EUNSUPPORTED: the caller
 * reads that record through the tree. tests/analyze/test_facts.c compares
 * the facts of both paths field by field on a simulated log and on
 * mutations of records. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "../core/bytes_internal.h"
#include "../core/cbor_internal.h"
#include "internal.h"
#include "ordo/cbor.h"
#include "ordo/record.h"

#define ST_DEPTH 24  /* as cbor_tree.c's FAST_DEPTH */
#define ST_STRS 1024 /* as cbor_tree.c's FAST_STRS */
#define ST_LINES 256
#define ST_SHIPS 64

/* Field keys (the same code wherever the name occurs). */
enum {
    K_NONE,
    K_TIMESTAMP,
    K_ORDER_ID,
    K_POLICY,
    K_NAME,
    K_VERSION,
    K_EXPERIMENT,
    K_VARIANT,
    K_EXCLUDED,
    K_CONTROL_COST,
    K_ORDER_VALUE,
    K_PRODUCT_FAMILY,
    K_UNIT,
    K_FALLBACK,
    K_LATENCY_NS,
    K_ORDER,
    K_SHIP_TO,
    K_ZIP,
    K_CHANNEL,
    K_PROMOTION,
    K_LINES,
    K_SKU,
    K_QUANTITY,
    K_PLAN,
    K_PROMISE_DATE,
    K_SHIPMENTS,
    K_NODE,
    K_SERVICE,
    K_ZONE,
    K_MILES,
    K_TOTALS,
    K_COST,
    K_UNITS,
    K_ON_TIME_PROB,
    K_RETURN_RISK,
    K_COMP /* + cost component index */
};
#define COMP(field, plan_only, econ) #field,
static const char *const comp_name[] = {ORDO_COST_COMPONENTS(COMP)};
#undef COMP
enum { N_COMP = sizeof comp_name / sizeof comp_name[0] };
#define COMP(field, plan_only, econ) COMP_##field,
enum { ORDO_COST_COMPONENTS(COMP) };
#undef COMP
static const int comp_total = COMP_total; /* "total"'s index in comp_name */
static const char *const key_name[K_COMP] = {"",
                                             "timestamp",
                                             "order_id",
                                             "policy",
                                             "name",
                                             "version",
                                             "experiment",
                                             "variant",
                                             "excluded",
                                             "control_cost",
                                             "order_value",
                                             "product_family",
                                             "unit",
                                             "fallback",
                                             "latency_ns",
                                             "order",
                                             "ship_to",
                                             "zip",
                                             "channel",
                                             "promotion",
                                             "lines",
                                             "sku",
                                             "quantity",
                                             "plan",
                                             "promise_date",
                                             "shipments",
                                             "node",
                                             "service",
                                             "zone",
                                             "miles",
                                             "totals",
                                             "cost",
                                             "units",
                                             "on_time_prob",
                                             "return_risk"};

/* Object contexts: what an object's members fill. */
enum {
    C_SKIP,
    C_TOP,
    C_POLICY,
    C_ORDER,
    C_SHIP_TO,
    C_LINE,
    C_PLAN,
    C_SHIP,
    C_TOTALS,
    C_COST,
    C_ECON
};
/* Array contexts. */
enum { A_SKIP, A_LINES, A_SHIPS };

enum { SC_EXP, SC_VAR, SC_OID, SC_N };
static const char *const scan_key[SC_N] = {"experiment", "variant", "order_id"};
static const size_t scan_cap[SC_N] = {ORDO_EXP_ID_MAX, ORDO_EXP_KEY_MAX, ORDO_OUTCOME_ID_MAX};

typedef struct kinfo {
    const char *name; /* the table's name it was made from */
    uint8_t code, scan;
} kinfo_t;
static _Thread_local kinfo_t key_cache[256];

typedef struct str {
    const uint8_t *s;
    uint32_t len;
    const char *copy;
} str_t;

typedef struct rd {
    const uint8_t *p, *end;
    ordo_arena_t *arena;
    char *cp, *cp_end; /* the record's string copies: one block (copy()) */
    bool ns;
    uint32_t n_refs;
    ordo_record_t *d;
    an_stream_scan_t *sc;
    uint8_t pending; /* scan keys whose first key was the member being read */
    double flat[N_COMP], econ[N_COMP];
    bool econ_obj;
    ordo_record_line_t lines[ST_LINES];
    ordo_record_shipment_t ships[ST_SHIPS];
    str_t refs[ST_STRS];
} rd_t;

/* As facts.c's: s (n bytes) equals scan_key[k] or ends with `"` and it. */
static const size_t scan_len[SC_N] = {10, 7, 8}; /* strlen(scan_key[k]) */

static inline bool text_names(const char *s, size_t n, int k)
{
    const char *p = scan_key[k];
    size_t m = scan_len[k];
    return n >= m && s[n - 1] == p[m - 1] && !memcmp(s + n - m, p, m) &&
           (n == m || s[n - m - 1] == '"');
}

static kinfo_t key_info(const char *s, size_t n)
{
    kinfo_t k = {s, K_NONE, 0};
    for (int i = 1; i < K_COMP && !k.code; i++)
        if (strlen(key_name[i]) == n && !memcmp(key_name[i], s, n))
            k.code = (uint8_t)i;
    for (int i = 0; i < N_COMP && !k.code; i++)
        if (strlen(comp_name[i]) == n && !memcmp(comp_name[i], s, n))
            k.code = (uint8_t)(K_COMP + i);
    for (int i = 0; i < SC_N; i++)
        k.scan |= (uint8_t)(text_names(s, n, i) << i);
    return k;
}

/* A key id's info, cached per thread (checked against the table's name
 * when first met: a registered table never changes, cbor.c). */
static inline kinfo_t id_info(uint64_t id, bool *ok)
{
    if (id < 256 && key_cache[id].name) {
        *ok = true;
        return key_cache[id];
    }
    const char *name = id < 256 ? ordo_cbor_key_name((uint32_t)id) : NULL;
    *ok = name != NULL;
    if (name && key_cache[id].name != name)
        key_cache[id] = key_info(name, strlen(name));
    return name ? key_cache[id] : (kinfo_t){0};
}

static inline bool head(rd_t *r, unsigned *major, unsigned *ai, uint64_t *arg)
{
    return cbor_head(&r->p, r->end, major, ai, arg);
}

/* A text string or a string reference (as cbor_tree.c's text_of), checked
 * once as valid UTF-8 without NUL; *ref: its slot or NULL. */
/* A definite text string t just read, numbered when the stringref rules
 * say so (*ref: its slot, NULL when not numbered); false: too many. */
static inline __attribute__((always_inline)) bool number_text(rd_t *r, str_t t, str_t **ref)
{
    *ref = NULL;
    if (!r->ns || t.len < cbor_strref_min_len(r->n_refs))
        return true;
    if (r->n_refs == ST_STRS)
        return false;
    *ref = &r->refs[r->n_refs];
    r->refs[r->n_refs++] = t;
    return true;
}

static bool text(rd_t *r, unsigned major, unsigned ai, uint64_t arg, str_t *out, str_t **ref)
{
    *ref = NULL;
    if (major == 3 && ai != 31) {
        if ((uint64_t)(r->end - r->p) < arg)
            return false;
        const char *s = (const char *)r->p;
        if (!cbor_plain_text(s, arg))
            return false;
        *out = (str_t){r->p, (uint32_t)arg, NULL};
        if (!number_text(r, *out, ref))
            return false;
        r->p += arg;
        return true;
    }
    uint64_t idx;
    if (major != 6 || arg != 25 || !r->ns || !head(r, &major, &ai, &idx) || major != 0 ||
        ai == 31 || idx >= r->n_refs)
        return false;
    *ref = &r->refs[idx];
    *out = **ref;
    return true;
}

/* A NUL-terminated copy (shared by the references to it); NULL: no memory. */
static inline __attribute__((always_inline)) const char *copy(rd_t *r, str_t *s, str_t *ref)
{
    if (s->copy)
        return s->copy;
    /* Each string copied takes its own bytes of the record (a reference
     * shares its string's copy) and has a head byte: the copies of a
     * record of n bytes fit in n, taken from the arena once. */
    size_t need = (size_t)s->len + 1;
    if (!r->cp) {
        size_t n = (size_t)(r->end - r->p) + (size_t)s->len + 64;
        if (!(r->cp = ordo_arena_alloc(r->arena, n)))
            return NULL;
        r->cp_end = r->cp + n;
    }
    char *c;
    if ((size_t)(r->cp_end - r->cp) >= need) {
        c = r->cp;
        r->cp += need;
    } else if (!(c = ordo_arena_alloc(r->arena, need))) {
        return NULL;
    }
    core_copy_small(c, s->s, s->len); /* short strings: no call */
    c[s->len] = 0;
    s->copy = c;
    if (ref)
        ref->copy = c;
    return c;
}

/* A scalar value as the tree holds it: *type, *num, *s (copied when
 * want_str or a scan key waits for it). */
static bool scalar(rd_t *r, unsigned major, unsigned ai, uint64_t arg, int *type, double *num,
                   const char **s, bool want_str)
{
    str_t t;
    str_t *ref;
    *s = NULL;
    *num = NAN;
    switch (major) {
    case 0:
        *type = ORDO_CBOR_NUMBER;
        *num = (double)arg;
        return ai != 31;
    case 1:
        *type = ORDO_CBOR_NUMBER;
        *num = arg == UINT64_MAX ? -18446744073709551616.0 : -(double)(arg + 1);
        return ai != 31;
    case 3:
    case 6:
        if (!text(r, major, ai, arg, &t, &ref))
            return false;
        *type = ORDO_CBOR_STRING;
        r->sc->exp_text |= text_names((const char *)t.s, t.len, SC_EXP);
        return !(want_str || r->pending) || (*s = copy(r, &t, ref));
    case 7:
        break;
    default:
        return false;
    }
    if (ai >= 20 && ai <= 22) {
        *type = ai == 20 ? ORDO_CBOR_FALSE : ai == 21 ? ORDO_CBOR_TRUE : ORDO_CBOR_NULL;
        return true;
    }
    if (ai < 25 || ai > 27)
        return false;
    double d = cbor_float(ai, arg);
    *type = isfinite(d) ? ORDO_CBOR_NUMBER : ORDO_CBOR_NULL;
    *num = isfinite(d) ? d : NAN;
    return true;
}

/* facts.c's plain_string: what the JSON text scan would read. */
static const char *plain(const char *s, size_t cap)
{
    size_t n = 0;
    if (!s || !s[0])
        return NULL;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++, n++)
        if (*c == '"' || *c == '\\' || *c < 0x20)
            return NULL;
    return n + 1 <= cap ? s : NULL;
}

/* A key the scan sees (its scan bits): the scan keys it is the first of
 * wait for its value. */
static inline void key_scan(rd_t *r, uint8_t scan)
{
    r->pending = 0;
    if (!scan)
        return;
    r->sc->exp_text |= scan & 1;
    for (int i = 0; i < SC_N; i++)
        if ((scan >> i & 1) && !r->sc->done[i]) {
            r->sc->done[i] = true;
            r->pending |= (uint8_t)(1 << i);
        }
}

/* A member's key: its info; the scan keys it is the first of wait for
 * its value (r->pending). */
static bool key(rd_t *r, kinfo_t *k)
{
    unsigned major, ai;
    uint64_t arg;
    bool ok;
    if (!head(r, &major, &ai, &arg))
        return false;
    if (major == 0) {
        *k = id_info(arg, &ok);
        if (!ok || ai == 31)
            return false;
    } else {
        str_t t;
        str_t *ref;
        if (!text(r, major, ai, arg, &t, &ref))
            return false;
        *k = key_info((const char *)t.s, t.len);
    }
    key_scan(r, k->scan);
    return true;
}

/* The scan keys waiting for this value: a string the scan would read, or
 * nothing. */
static inline void settle(rd_t *r, int type, const char *s)
{
    if (!r->pending)
        return;
    for (int i = 0; i < SC_N; i++)
        if (r->pending >> i & 1)
            r->sc->value[i] = type == ORDO_CBOR_STRING ? plain(s, scan_cap[i]) : NULL;
    r->pending = 0;
}

/* What a member fills, by its object's context and its key's field: a
 * number or a string at `off` in the context's object (the record, a line
 * or shipment, the cost's flat or `economic` parts: base()), the excluded
 * or fallback flag; and the context its map or array value reads in. One
 * table look-up a member instead of a switch per question. */
enum { F_NONE, F_NUM, F_STR, F_EXCLUDED, F_FALLBACK };
typedef struct act {
    uint8_t kind, map, arr; /* map: C_*, arr: A_* */
    uint16_t off;
} act_t;
enum { N_CTX = C_ECON + 1 };

#define REC(ctx, code, k, field) [ctx][code] = {k, C_SKIP, A_SKIP, offsetof(ordo_record_t, field)}
#define OBJ(ctx, code, k, type, field) [ctx][code] = {k, C_SKIP, A_SKIP, offsetof(type, field)}
#define SUB(ctx, code, m, a) [ctx][code] = {F_NONE, m, a, 0}
static const act_t act_named[N_CTX][K_COMP] = {
    REC(C_TOP, K_TIMESTAMP, F_STR, timestamp),
    REC(C_TOP, K_ORDER_ID, F_STR, order_id),
    REC(C_TOP, K_EXPERIMENT, F_STR, experiment),
    REC(C_TOP, K_VARIANT, F_STR, variant),
    REC(C_TOP, K_PRODUCT_FAMILY, F_STR, product_family),
    REC(C_TOP, K_UNIT, F_STR, unit),
    REC(C_TOP, K_CONTROL_COST, F_NUM, control_cost),
    REC(C_TOP, K_ORDER_VALUE, F_NUM, order_value),
    REC(C_TOP, K_LATENCY_NS, F_NUM, latency_ns),
    REC(C_TOP, K_EXCLUDED, F_EXCLUDED, excluded),
    REC(C_TOP, K_FALLBACK, F_FALLBACK, fallback),
    SUB(C_TOP, K_POLICY, C_POLICY, A_SKIP),
    SUB(C_TOP, K_ORDER, C_ORDER, A_SKIP),
    SUB(C_TOP, K_PLAN, C_PLAN, A_SKIP),
    REC(C_POLICY, K_NAME, F_STR, policy_name),
    REC(C_POLICY, K_VERSION, F_STR, policy_version),
    REC(C_ORDER, K_CHANNEL, F_STR, order.channel),
    REC(C_ORDER, K_PROMOTION, F_STR, order.promotion),
    SUB(C_ORDER, K_SHIP_TO, C_SHIP_TO, A_SKIP),
    SUB(C_ORDER, K_LINES, C_SKIP, A_LINES),
    REC(C_SHIP_TO, K_ZIP, F_STR, order.zip),
    OBJ(C_LINE, K_SKU, F_STR, ordo_record_line_t, sku),
    OBJ(C_LINE, K_QUANTITY, F_NUM, ordo_record_line_t, quantity),
    REC(C_PLAN, K_PROMISE_DATE, F_STR, plan.promise_date),
    SUB(C_PLAN, K_SHIPMENTS, C_SKIP, A_SHIPS),
    SUB(C_PLAN, K_TOTALS, C_TOTALS, A_SKIP),
    OBJ(C_SHIP, K_NODE, F_STR, ordo_record_shipment_t, node),
    OBJ(C_SHIP, K_SERVICE, F_STR, ordo_record_shipment_t, service),
    OBJ(C_SHIP, K_ZONE, F_NUM, ordo_record_shipment_t, zone),
    OBJ(C_SHIP, K_MILES, F_NUM, ordo_record_shipment_t, miles),
    SUB(C_SHIP, K_LINES, C_SKIP, A_LINES),
    REC(C_TOTALS, K_SHIPMENTS, F_NUM, plan.shipments_total),
    REC(C_TOTALS, K_UNITS, F_NUM, plan.units),
    REC(C_TOTALS, K_ON_TIME_PROB, F_NUM, plan.on_time_prob),
    REC(C_TOTALS, K_RETURN_RISK, F_NUM, plan.return_risk),
    SUB(C_TOTALS, K_COST, C_COST, A_SKIP),
};
#undef REC
#undef OBJ
#undef SUB

/* A member's action in ctx (code: its key's field, 0 none). */
static inline act_t act_of(int ctx, int code)
{
    if (code < K_COMP)
        return act_named[ctx][code];
    act_t a = {F_NONE, C_SKIP, A_SKIP, 0};
    if (ctx == C_COST || ctx == C_ECON)
        a = (act_t){F_NUM, C_SKIP, A_SKIP, (uint16_t)((code - K_COMP) * sizeof(double))};
    if (ctx == C_COST && code == K_COMP + N_COMP - 1) /* "economic" */
        a.map = C_ECON;
    return a;
}

/* The object a context's fields are in (obj: the line or shipment). */
static inline char *base(rd_t *r, int ctx, void *obj)
{
    return ctx == C_LINE || ctx == C_SHIP ? obj
           : ctx == C_COST                ? (char *)r->flat
           : ctx == C_ECON                ? (char *)r->econ
                                          : (char *)r->d;
}

static bool value(rd_t *r, int ctx, act_t a, char *b, void *obj, int depth);

/* Where an array's elements go: lines or shipments, copied into the arena
 * at its end. */
typedef struct tgt {
    void **p;
    uint32_t *n;
} tgt_t;

/* Element i of an array read in actx: its slot, initialised as the tree
 * reader leaves a missing field; NULL: too many. */
static void *elem(rd_t *r, int actx, uint32_t i)
{
    if (actx == A_LINES && i < ST_LINES) {
        r->lines[i] = (ordo_record_line_t){0, NULL, NAN};
        return &r->lines[i];
    }
    if (actx == A_SHIPS && i < ST_SHIPS) {
        memset(&r->ships[i], 0, sizeof r->ships[i]);
        r->ships[i].zone = r->ships[i].miles = NAN;
        return &r->ships[i];
    }
    return actx == A_SKIP ? r : NULL;
}

/* The end of an array of n elements read in actx: into t. */
static bool array_end(rd_t *r, int actx, uint32_t n, const tgt_t *t)
{
    if (actx == A_SKIP || !n)
        return true;
    size_t size = actx == A_LINES ? sizeof r->lines[0] : sizeof r->ships[0];
    void *p = ordo_arena_alloc(r->arena, n * size);
    if (!p)
        return false;
    memcpy(p, actx == A_LINES ? (void *)r->lines : (void *)r->ships, n * size);
    *t->p = p;
    *t->n = n;
    return true;
}

/* The field a scalar member fills (b: its context's object). */
static inline void assign(act_t a, char *b, int type, double num, const char *s)
{
    switch (a.kind) {
    case F_NUM: {
        double v = type == ORDO_CBOR_NUMBER ? num : NAN;
        memcpy(b + a.off, &v, sizeof v);
        break;
    }
    case F_STR: {
        const char *v = type == ORDO_CBOR_STRING ? s : NULL;
        memcpy(b + a.off, &v, sizeof v);
        break;
    }
    case F_EXCLUDED:
        ((ordo_record_t *)(void *)b)->excluded = type == ORDO_CBOR_TRUE;
        break;
    case F_FALLBACK:
        ((ordo_record_t *)(void *)b)->fallback = type == ORDO_CBOR_TRUE    ? 1
                                                 : type == ORDO_CBOR_FALSE ? 0
                                                                           : -1;
        break;
    default:
        break;
    }
}

/* A scalar item after its head: its value read (an unsigned at once), the
 * scan keys waiting for it settled, the field a names filled. */
static inline __attribute__((always_inline)) bool
scalar_item(rd_t *r, act_t a, char *b, unsigned major, unsigned ai, uint64_t arg)
{
    if (major == 0 && ai != 31) { /* the commonest: its own copy of settle and assign */
        settle(r, ORDO_CBOR_NUMBER, NULL);
        assign(a, b, ORDO_CBOR_NUMBER, (double)arg, NULL);
        return true;
    }
    int type;
    double num;
    const char *s;
    if (!scalar(r, major, ai, arg, &type, &num, &s, a.kind == F_STR))
        return false;
    settle(r, type, s);
    assign(a, b, type, num, s);
    return true;
}

/* A table (after its tag), as cbor_tree.c's table(): rows of scalar cells
 * named by key ids; undefined repeats the cell above. */
static bool table(rd_t *r, int actx, const tgt_t *t)
{
    unsigned major, ai;
    uint64_t arg, tn;
    kinfo_t col[ORDO_JSONW_TABLE_MAX];
    act_t ca[ORDO_JSONW_TABLE_MAX];
    struct {
        int type;
        double num;
        const char *s;
    } above[ORDO_JSONW_TABLE_MAX], c;
    bool ok;
    if (!head(r, &major, &ai, &arg) || major != 4 || ai != 31 || !head(r, &major, &ai, &tn) ||
        major != 4 || ai == 31 || tn < 1 || tn > ORDO_JSONW_TABLE_MAX)
        return false;
    int ctx = actx == A_LINES ? C_LINE : actx == A_SHIPS ? C_SHIP : C_SKIP;
    for (uint64_t i = 0; i < tn; i++) {
        if (!head(r, &major, &ai, &arg) || major != 0 || ai == 31)
            return false;
        col[i] = id_info(arg, &ok);
        for (uint64_t j = 0; ok && j < i; j++)
            ok = col[j].code != col[i].code || !col[i].code;
        if (!ok)
            return false;
        ca[i] = act_of(ctx, col[i].code);
    }
    uint32_t rows = 0;
    void *obj = NULL;
    for (uint64_t k = 0;; k = (k + 1) % tn) {
        if (r->p < r->end && *r->p == 0xff) {
            r->p++;
            return k == 0 && array_end(r, actx, rows, t);
        }
        if (k == 0 && !(obj = elem(r, actx, rows++)))
            return false;
        key_scan(r, col[k].scan);
        if (r->p < r->end && *r->p == 0xf7) { /* the cell above, again */
            if (rows < 2)
                return false;
            r->p++;
            c = above[k];
            if (c.type == ORDO_CBOR_STRING)
                r->sc->exp_text |= text_names(c.s, strlen(c.s), SC_EXP);
        } else if (!head(r, &major, &ai, &arg) ||
                   !scalar(r, major, ai, arg, &c.type, &c.num, &c.s, true)) {
            return false;
        }
        above[k] = c;
        settle(r, c.type, c.s);
        assign(ca[k], base(r, ctx, obj), c.type, c.num, c.s);
    }
}

static bool map(rd_t *r, int ctx, void *obj, int depth)
{
    uint64_t seen = 0;
    char *b = base(r, ctx, obj);
    for (;;) {
        if (r->p < r->end && *r->p == 0xff) {
            r->p++;
            return true;
        }
        kinfo_t k;
        if (!key(r, &k))
            return false;
        int code = ctx == C_SKIP ? K_NONE : k.code;
        if (code && (seen >> code & 1))
            return false; /* a field twice: the tree reader takes the first */
        seen |= code ? 1ull << code : 0;
        act_t a = act_of(ctx, code);
        /* a scalar value here (value() would take it the same way, after
         * the same depth check), anything else through value() */
        const uint8_t *at = r->p;
        unsigned major, ai;
        uint64_t arg;
        if (depth + 1 >= ST_DEPTH || !head(r, &major, &ai, &arg))
            return false;
        if (major <= 1 || major == 3 || major == 7) {
            if (!scalar_item(r, a, b, major, ai, arg))
                return false;
            continue;
        }
        r->p = at;
        if (!value(r, ctx, a, b, obj, depth + 1))
            return false;
    }
}

/* An indefinite array's elements (after its head) in actx. */
static bool array(rd_t *r, int actx, const tgt_t *t, int depth)
{
    int ctx = actx == A_LINES ? C_LINE : actx == A_SHIPS ? C_SHIP : C_SKIP;
    /* an element fills no field: its map reads in ctx, an array is skipped */
    act_t a = {F_NONE, (uint8_t)ctx, A_SKIP, 0};
    for (uint32_t n = 0;; n++) {
        if (r->p < r->end && *r->p == 0xff) {
            r->p++;
            return array_end(r, actx, n, t);
        }
        void *obj = elem(r, actx, n);
        if (!obj || !value(r, ctx, a, NULL, obj, depth + 1))
            return false;
    }
}

/* One item in ctx: a member, whose action a fills its field in b, or an
 * element (a fills nothing, its map reads in ctx; obj: its line or
 * shipment). */
static bool value(rd_t *r, int ctx, act_t a, char *b, void *obj, int depth)
{
    unsigned major, ai;
    uint64_t arg;
    if (depth >= ST_DEPTH || !head(r, &major, &ai, &arg))
        return false;
    bool open = (major == 4 || major == 5) && ai == 31,
         tab = major == 6 && arg == ORDO_CBOR_TAG_TABLE;
    if (open || tab) {
        settle(r, ORDO_CBOR_ARRAY, NULL);
        ordo_record_t *d = r->d;
        if (major == 5) {
            int sub = a.map;
            d->order.present |= sub == C_ORDER;
            d->plan.present |= sub == C_PLAN;
            d->plan.has_cost |= sub == C_COST;
            r->econ_obj |= sub == C_ECON;
            return map(r, sub, obj, depth);
        }
        int sub = a.arr;
        ordo_record_shipment_t *sh = obj;
        tgt_t t = {NULL, NULL};
        if (sub == A_LINES && ctx == C_ORDER)
            t = (tgt_t){(void **)&d->order.lines, &d->order.n_lines};
        else if (sub == A_LINES)
            t = (tgt_t){(void **)&sh->lines, &sh->n_lines};
        else if (sub == A_SHIPS)
            t = (tgt_t){(void **)&d->plan.shipments, &d->plan.n_shipments};
        d->plan.has_shipments |= sub == A_SHIPS;
        return tab ? table(r, sub, &t) : array(r, sub, &t, depth);
    }
    return scalar_item(r, a, b, major, ai, arg);
}

/* The plan's cost as facts_tree.c's cost() reads it. */
static void cost_end(rd_t *r)
{
    ordo_cost_t *out = &r->d->plan.cost;
    bool flat = !r->econ_obj;
    int i = 0, total = comp_total;
#define READ_COMPONENT(field, plan_only, is_econ)                                                  \
    out->field = !(is_econ) || flat ? r->flat[i] : r->econ[i == N_COMP - 1 ? total : i];           \
    i++;
    ORDO_COST_COMPONENTS(READ_COMPONENT)
#undef READ_COMPONENT
    if (flat)
        an_cost_flat(out);
}

/* ---- the record's summary (RECORD.md "Summary") ----
 * The items the record writer puts first, in their fixed order: the same
 * values as the walk below reads in their places (the decoding is the
 * walk's own: text(), scalar()), with no walk. Anything not as the layout
 * says is false: the record is walked. */

bool an_fact_summary_off;

static inline bool s_byte(rd_t *r, uint8_t b)
{
    if (r->p >= r->end || *r->p != b)
        return false;
    r->p++;
    return true;
}

/* ---- strings that recur (internal.h an_memo_t) ----
 * A direct-mapped table of MEMO_N entries per thread, keyed by a string's
 * bytes: a hit is a string of exactly those bytes, checked as valid UTF-8
 * without NUL when it entered. An entry read by the current record (its
 * epoch) is not replaced, so every pointer a record holds stays its string
 * until the next record. */
#define MEMO_N AN_MEMO_N
_Static_assert(MEMO_N == 512, "memo_slot takes 9 bits");
#define memo an_memo_table
_Thread_local an_memo_t an_memo_table[AN_MEMO_N];
static _Thread_local uint32_t memo_epoch;

/* A string's entry: its first and last eight bytes (fewer when shorter)
 * and its length, mixed. */
static inline an_memo_t *memo_slot(const uint8_t *s, size_t n)
{
    uint64_t a, b;
    if (n >= 8) {
        a = core_load64(s);
        b = core_load64(s + n - 8);
    } else if (n >= 4) {
        a = core_load32(s);
        b = core_load32(s + n - 4);
    } else {
        a = n ? (uint64_t)s[0] | (uint64_t)s[n / 2] << 8 | (uint64_t)s[n - 1] << 16 : 0;
        b = 0;
    }
    uint64_t h = (a * 0x9e3779b97f4a7c15ull ^ (b + n)) * 0xc2b2ae3d27d4eb4full;
    return &memo[h >> 55]; /* the product's top 9 bits: MEMO_N entries */
}

/* A text string of arg bytes (its head read) as text() reads it, through
 * the table: *out its NUL-terminated bytes (the entry's, or a copy when
 * the string is not held: too long, or its entry in use by this record). */
static inline __attribute__((always_inline)) bool s_text_memo(rd_t *r, uint64_t arg,
                                                              const char **out)
{
    if ((uint64_t)(r->end - r->p) < arg)
        return false;
    const uint8_t *s = r->p;
    size_t n = (size_t)arg;
    an_memo_t *m = NULL;
    if (n < AN_MEMO_LEN) {
        an_memo_t *e = memo_slot(s, n);
        if (e->plain && e->len == n && core_equal_small(e->s, s, n)) {
            m = e; /* known (plain is never 0 once entered): checked when it entered */
        } else if (e->epoch != memo_epoch) {
            if (!cbor_plain_text((const char *)s, n))
                return false;
            *e = (an_memo_t){.len = (uint32_t)n, .family = -1, .plain = -2};
            memcpy(e->s, s, n);
            m = e;
        }
    }
    if (!m && !cbor_plain_text((const char *)s, n))
        return false;
    str_t t = {s, (uint32_t)n, m ? m->s : NULL}, *ref;
    if (!number_text(r, t, &ref))
        return false;
    r->p += n;
    if (m) {
        m->epoch = memo_epoch;
        if (out)
            *out = m->s;
        return true;
    }
    return !out || (*out = copy(r, &t, ref)) != NULL;
}

/* A string or null (out NULL: numbered, not copied); held: through the
 * table of strings that recur. */
static bool s_str_as(rd_t *r, const char **out, bool held)
{
    unsigned major, ai;
    uint64_t arg;
    str_t t;
    str_t *ref;
    if (out)
        *out = NULL;
    if (s_byte(r, 0xf6))
        return true;
    if (held && r->p < r->end && *r->p >= 0x60 && *r->p < 0x78) /* a string below 24 bytes */
        return s_text_memo(r, (uint64_t)(*r->p++ - 0x60), out);
    if (!head(r, &major, &ai, &arg))
        return false;
    if (held && major == 3 && ai != 31)
        return s_text_memo(r, arg, out);
    return text(r, major, ai, arg, &t, &ref) && (!out || (*out = copy(r, &t, ref)) != NULL);
}

/* A string that recurs (s_str_as, held), its commonest cases inline:
 * null, a reference (tag 25, index below 256) to a string already copied
 * or held (a SKU of the order's lines after the plan's), and a string
 * below 24 bytes found in the table (numbered as text() numbers it);
 * anything else is s_str_as's from the same byte. */
static inline __attribute__((always_inline)) bool s_str(rd_t *r, const char **out)
{
    const uint8_t *q = r->p;
    if (q < r->end && *q == 0xf6) {
        if (out)
            *out = NULL;
        r->p = q + 1;
        return true;
    }
    if (r->end - q >= 4 && q[0] == 0xd8 && q[1] == 0x19 && r->ns) {
        size_t at = q[2] < 0x18 ? 3 : q[2] == 0x18 ? 4 : 0, idx = at == 3 ? q[2] : q[3];
        if (at && (at == 3 || idx >= 24) && idx < r->n_refs && r->refs[idx].copy) {
            if (out)
                *out = r->refs[idx].copy;
            r->p = q + at;
            return true;
        }
    }
    size_t n = q < r->end ? (size_t)*q - 0x60 : SIZE_MAX;
    if (n < 24 && (size_t)(r->end - q) > n) {
        const uint8_t *s = q + 1;
        an_memo_t *e = memo_slot(s, n);
        if (e->plain && e->len == n && core_equal_small(e->s, s, n)) {
            str_t *ref;
            if (!number_text(r, (str_t){s, (uint32_t)n, e->s}, &ref))
                return false;
            e->epoch = memo_epoch;
            r->p = s + n;
            if (out)
                *out = e->s;
            return true;
        }
    }
    return s_str_as(r, out, true);
}

/* A string of this record alone (its time, order id, unit, ZIP); one
 * below 24 bytes inline, as text() reads it, anything else s_str_as's. */
static inline __attribute__((always_inline)) bool s_own(rd_t *r, const char **out)
{
    const uint8_t *q = r->p;
    size_t n = q < r->end ? (size_t)*q - 0x60 : SIZE_MAX;
    if (n < 24 && (size_t)(r->end - q) > n && cbor_plain_text((const char *)q + 1, n)) {
        str_t t = {q + 1, (uint32_t)n, NULL}, *ref;
        if (!number_text(r, t, &ref))
            return false;
        r->p = q + 1 + n;
        return !out || (*out = copy(r, &t, ref)) != NULL;
    }
    return s_str_as(r, out, false);
}

/* A number (or null: NaN), as scalar() reads it. */
static bool s_num_any(rd_t *r, double *out)
{
    unsigned major, ai;
    uint64_t arg;
    if (!head(r, &major, &ai, &arg) || ai == 31)
        return false;
    switch (major) {
    case 0:
        *out = (double)arg;
        return true;
    case 1:
        *out = arg == UINT64_MAX ? -18446744073709551616.0 : -(double)(arg + 1);
        return true;
    case 7:
        break;
    default:
        return false;
    }
    if (ai == 22) {
        *out = NAN;
        return true;
    }
    if (ai < 25 || ai > 27)
        return false;
    double d = cbor_float(ai, arg);
    *out = isfinite(d) ? d : NAN;
    return true;
}

/* s_num_any, with the writer's most frequent items first: an integer
 * below 24 (one byte) and a double (0xfb, eight bytes), read the same. */
static inline __attribute__((always_inline)) bool s_num(rd_t *r, double *out)
{
    const uint8_t *q = r->p;
    if (q < r->end && *q < 0x18) {
        *out = *q;
        r->p = q + 1;
        return true;
    }
    if (r->end - q >= 9 && *q == 0xfb) {
        uint64_t u = CBOR_BE_LOAD(q + 1, uint64_t, 64);
        double d;
        memcpy(&d, &u, sizeof d);
        *out = isfinite(d) ? d : NAN;
        r->p = q + 9;
        return true;
    }
    return s_num_any(r, out);
}

static bool s_bool(rd_t *r, bool *out)
{
    *out = r->p < r->end && *r->p == 0xf5;
    return s_byte(r, 0xf5) || s_byte(r, 0xf4);
}

/* [sku, quantity, ...] into lines (t). */
static bool s_lines(rd_t *r, const tgt_t *t)
{
    if (!s_byte(r, 0x9f))
        return false;
    uint32_t n = 0;
    while (!s_byte(r, 0xff)) {
        ordo_record_line_t *l = elem(r, A_LINES, n++);
        if (!l || !s_str(r, &l->sku) || !s_num(r, &l->quantity))
            return false;
    }
    return array_end(r, A_LINES, n, t);
}

static bool s_order(rd_t *r, ordo_record_order_t *o)
{
    if (s_byte(r, 0xf6))
        return true;
    o->present = true;
    tgt_t t = {(void **)&o->lines, &o->n_lines};
    return s_byte(r, 0x9f) && s_str(r, &o->channel) && s_str(r, &o->promotion) &&
           s_own(r, &o->zip) && s_lines(r, &t) && s_byte(r, 0xff);
}

static bool s_plan(rd_t *r, ordo_record_plan_t *pl)
{
    ordo_cost_t *c = &pl->cost;
    double split, backorders;
    double *cost[] = {&c->total,           &c->pick,       &c->pack,
                      &c->shipping,        &c->returns,    &split,
                      &c->carrying_relief, &c->opportunity};
    pl->present = pl->has_cost = pl->has_shipments = true;
    if (!s_byte(r, 0x9f) || !s_str(r, NULL) || !s_str(r, &pl->promise_date) ||
        !s_num(r, &pl->shipments_total) || !s_num(r, &pl->units) || !s_num(r, &pl->on_time_prob) ||
        !s_num(r, &pl->return_risk))
        return false;
    for (size_t i = 0; i < sizeof cost / sizeof cost[0]; i++)
        if (!s_num(r, cost[i]))
            return false;
    if (!s_num(r, &backorders) || !s_byte(r, 0x9f))
        return false;
    uint32_t n = 0;
    while (!s_byte(r, 0xff)) {
        ordo_record_shipment_t *sh = elem(r, A_SHIPS, n++);
        if (!sh)
            return false;
        tgt_t t = {(void **)&sh->lines, &sh->n_lines};
        if (!s_byte(r, 0x9f) || !s_str(r, &sh->node) || !s_str(r, &sh->service) ||
            !s_num(r, &sh->zone) || !s_num(r, &sh->miles) || !s_lines(r, &t) || !s_byte(r, 0xff))
            return false;
    }
    tgt_t t = {(void **)&pl->shipments, &pl->n_shipments};
    return array_end(r, A_SHIPS, n, &t) && s_byte(r, 0xff);
}

/* plain(s, cap), remembered for a held string. */
static const char *s_plain(const char *s, size_t cap)
{
    an_memo_t *m = an_memo_of(s);
    if (!m)
        return plain(s, cap);
    if (m->plain == -2)
        m->plain = plain(s, SIZE_MAX) ? (int16_t)m->len : -1;
    return m->plain > 0 && (size_t)m->plain + 1 <= cap ? s : NULL;
}

/* The summary at at into r->d and r->sc. */
static bool summary(rd_t *r, const uint8_t *p, const ordo_record_summary_at_t *at)
{
    ordo_record_t *d = r->d;
    an_stream_scan_t *sc = r->sc;
    if (at->flags & ~ORDO_RECORD_SUMMARY_EXP_TEXT)
        return false; /* flags this reader does not know */
    r->p = p + at->items;
    r->end = p + at->end;
    int64_t t = 0;
    if (!s_own(r, NULL))
        return false;
    if (s_byte(r, 0xf6)) {
        d->has_time = false;
    } else {
        unsigned major, ai;
        uint64_t arg;
        if (!head(r, &major, &ai, &arg) || major > 1 || ai == 31 || arg > INT64_MAX)
            return false;
        t = major ? -(int64_t)arg - 1 : (int64_t)arg;
        d->has_time = true;
    }
    d->time = t;
    bool fallback;
    double bucket;
    if (!s_own(r, &d->order_id) || !s_str(r, &d->policy_name) || !s_str(r, &d->policy_version) ||
        !s_str(r, &d->experiment) || !s_str(r, &d->variant) || !s_num(r, &bucket) ||
        !s_bool(r, &d->excluded) || !s_num(r, &d->control_cost) || !s_num(r, &d->order_value) ||
        !s_str(r, &d->product_family) || !s_own(r, &d->unit) || !s_bool(r, &fallback) ||
        !s_num(r, &d->latency_ns) || !s_plan(r, &d->plan) || !s_order(r, &d->order) ||
        !s_byte(r, 0xff) || r->p != r->end || r->n_refs != at->refs)
        return false;
    d->fallback = fallback;
    /* the byte scan: the writer's keys experiment, variant (with an
     * experiment) and order_id are the first of their names, and the text
     * "experiment" is nowhere else unless the flag says it may be */
    if (!d->experiment && (at->flags & ORDO_RECORD_SUMMARY_EXP_TEXT))
        return false;
    const char *v[SC_N] = {d->experiment, d->variant, d->order_id};
    sc->exp_text = d->experiment != NULL;
    for (int i = 0; i < SC_N; i++) {
        sc->done[i] = i == SC_OID || d->experiment;
        sc->value[i] = v[i] ? s_plain(v[i], scan_cap[i]) : NULL;
    }
    return true;
}

/* r and *d, *sc as before reading a record of n bytes at p. */
static void start(rd_t *r, const uint8_t *p, size_t n, ordo_arena_t *arena, ordo_record_t *d,
                  an_stream_scan_t *sc)
{
    r->p = p;
    r->end = r->p + n;
    r->arena = arena;
    r->cp = r->cp_end = NULL;
    r->n_refs = 0;
    r->d = d;
    r->sc = sc;
    r->pending = 0;
    r->econ_obj = false;
    memset(sc, 0, sizeof *sc);
    memset(d, 0, sizeof *d);
    d->fallback = -1;
    d->control_cost = d->order_value = d->latency_ns = NAN;
    d->plan.shipments_total = d->plan.units = NAN;
    d->plan.on_time_prob = d->plan.return_risk = NAN;
    memo_epoch++; /* the strings held for the last record may be replaced */
    r->ns = n >= 3 && r->p[0] == 0xd9 && r->p[1] == 0x01 && r->p[2] == 0x00; /* tag 256 */
}

int an_record_stream(const void *p, size_t n, ordo_arena_t *arena, ordo_record_t *d,
                     an_stream_scan_t *sc)
{
    static _Thread_local rd_t rs;
    rd_t *r = &rs;
    ordo_record_summary_at_t at;
    start(r, p, n, arena, d, sc);
    if (!an_fact_summary_off && r->ns && !ordo_record_summary_find(p, n, &at)) {
        if (summary(r, p, &at))
            return ORDO_OK;
        start(r, p, n, arena, d, sc); /* not as the layout says: walk */
    }
    for (int i = 0; i < N_COMP; i++) /* the walk's cost parts (cost_end) */
        r->flat[i] = r->econ[i] = NAN;
    r->p += r->ns ? 3 : 0;
    act_t top = {F_NONE, C_TOP, A_SKIP, 0}; /* the record: a map read in C_TOP */
    if (r->p >= r->end || *r->p != 0xbf || !value(r, C_TOP, top, NULL, NULL, 0) || r->p != r->end)
        return ORDO_EUNSUPPORTED;
    cost_end(r);
    d->has_time = d->timestamp && !ordo_time_parse(d->timestamp, &d->time);
    return ORDO_OK;
}
