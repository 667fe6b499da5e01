/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the condition language: paths into an order context, operators and
 * scopes. One form, one evaluator: a condition is parsed once (malloc) into
 * its compiled form — path indices resolved, string operands with their
 * length and first byte, common leaf shapes reading their context field by
 * offset — and ordo_cond_eval evaluates that form without allocation.
 * Policies (strategies, guardrails) and experiment targeting (route.c) both
 * call it. A condition is immutable once parsed and reference-counted:
 * ordo_cond_ref shares it, ordo_cond_destroy drops one reference. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/geo.h"
#include "../core/cjson_internal.h"
#include "policy_internal.h"

enum { T_STR, T_NUM, T_BOOL, T_SET };
enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_BETWEEN, OP_IN, OP_CONTAINS, OP_COUNT };
enum { K_LEAF, K_ALL, K_ANY, K_NONE };

static const char *const op_names[OP_COUNT] = {"eq", "ne",      "lt", "le",      "gt",
                                               "ge", "between", "in", "contains"};
static const char *const scope_names[] = {"", "all", "any", "none"};

typedef enum {
    P_REGION,
    P_STATE,
    P_ZIP3,
    P_CHANNEL,
    P_LEVEL,
    P_VALUE,
    P_LINES,
    P_UNITS,
    P_WEIGHT,
    P_RESIDENTIAL,
    P_RURAL,
    P_FAMILIES,
    P_SKUS,
    P_COHORT,
    P_CUSTOMER,
    P_LTV,
    P_UNIT,
    P_PROMOTION,
    P_COUNT
} path_t;

/* off: the context field of a string or double path read by offset in the
 * fast leaf shapes (SIZE_MAX: none). */
#define NO_OFF ((size_t)-1)
static const struct {
    const char *name;
    int type;
    size_t str_off, dbl_off;
} paths[P_COUNT] = {
    [P_REGION] = {"order.region", T_STR, offsetof(ordo_order_ctx_t, region), NO_OFF},
    [P_STATE] = {"order.state", T_STR, offsetof(ordo_order_ctx_t, state), NO_OFF},
    [P_ZIP3] = {"order.zip3", T_NUM, NO_OFF, NO_OFF},
    [P_CHANNEL] = {"order.channel", T_STR, offsetof(ordo_order_ctx_t, channel), NO_OFF},
    [P_PROMOTION] = {"order.promotion", T_STR, offsetof(ordo_order_ctx_t, promotion), NO_OFF},
    [P_LEVEL] = {"order.service_level", T_STR, offsetof(ordo_order_ctx_t, service_level), NO_OFF},
    [P_VALUE] = {"order.value", T_NUM, NO_OFF, offsetof(ordo_order_ctx_t, value)},
    [P_LINES] = {"order.lines", T_NUM, NO_OFF, NO_OFF},
    [P_UNITS] = {"order.units", T_NUM, NO_OFF, NO_OFF},
    [P_WEIGHT] = {"order.weight_lb", T_NUM, NO_OFF, offsetof(ordo_order_ctx_t, weight_lb)},
    [P_RESIDENTIAL] = {"order.residential", T_BOOL, NO_OFF, NO_OFF},
    [P_RURAL] = {"order.rural", T_BOOL, NO_OFF, NO_OFF},
    [P_FAMILIES] = {"order.families", T_SET, NO_OFF, NO_OFF},
    [P_SKUS] = {"order.skus", T_SET, NO_OFF, NO_OFF},
    [P_COHORT] = {"customer.cohort", T_STR, offsetof(ordo_order_ctx_t, cohort), NO_OFF},
    [P_CUSTOMER] = {"customer.id", T_STR, offsetof(ordo_order_ctx_t, customer_id), NO_OFF},
    [P_LTV] = {"customer.lifetime_value", T_NUM, NO_OFF,
               offsetof(ordo_order_ctx_t, lifetime_value)},
    [P_UNIT] = {"unit.id", T_STR, offsetof(ordo_order_ctx_t, unit), NO_OFF},
};

typedef struct cstr {
    char *s; /* owned, NUL-terminated */
    size_t len;
} cstr_t;

/* Leaf shapes evaluated without the general dispatch. */
enum {
    S_GENERAL, /* eval_leaf */
    S_STR_IN,  /* string field in values (at most FIRST_MAX) */
    S_STR_EQ,
    S_STR_NE,
    S_DBL_EQ, /* double field (value, weight, lifetime value) */
    S_DBL_NE,
    S_DBL_LT,
    S_DBL_LE,
    S_DBL_GT,
    S_DBL_GE,
    S_DBL_BETWEEN
};
#define FIRST_MAX 8

typedef struct cnode {
    int kind, path, op;
    int shape;             /* S_*, leaves */
    size_t off;            /* shape != S_GENERAL: offset of the field in the context */
    char first[FIRST_MAX]; /* S_STR_IN: first byte of each value */
    uint32_t n;            /* kids (scopes) or values ('in') */
    struct cnode *kids;    /* scopes: n nodes, owned */
    double num[2];         /* eq..ge: num[0]; between: [low, high] */
    double *nums;          /* 'in' on a number: n values, owned */
    cstr_t *strs;          /* 'in' on a string or set: n values, owned */
    cstr_t str;            /* eq, ne, contains on a string or set */
    bool boolean;
} cnode_t;

/* The root is always a scope: a lone leaf is held as all[leaf] (lone_leaf
 * set) so that the evaluator reaches every leaf from its loop. */
struct ordo_cond {
    _Atomic uint32_t refs;
    bool lone_leaf;
    cnode_t root;
};

const char *const *ordo_cond_paths(void)
{
    static const char *const list[] = {"order.region",
                                       "order.state",
                                       "order.zip3",
                                       "order.channel",
                                       "order.service_level",
                                       "order.value",
                                       "order.lines",
                                       "order.units",
                                       "order.weight_lb",
                                       "order.residential",
                                       "order.rural",
                                       "order.families",
                                       "order.skus",
                                       "customer.cohort",
                                       "customer.id",
                                       "customer.lifetime_value",
                                       "unit.id",
                                       "order.promotion",
                                       NULL};
    _Static_assert(sizeof list / sizeof list[0] == P_COUNT + 1, "paths and list disagree");
    return list;
}

/* ---- lifetime ---- */

static void node_free(cnode_t *c)
{
    for (uint32_t i = 0; c->kids && i < c->n; i++)
        node_free(&c->kids[i]);
    free(c->kids);
    for (uint32_t i = 0; c->strs && i < c->n; i++)
        free(c->strs[i].s);
    free(c->strs);
    free(c->nums);
    free(c->str.s);
}

void ordo_cond_destroy(ordo_cond_t *c)
{
    if (!c || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return;
    node_free(&c->root);
    free(c);
}

ordo_cond_t *ordo_cond_ref(const ordo_cond_t *c)
{
    ordo_cond_t *m = (ordo_cond_t *)c; /* the count is the one mutable field */
    if (m)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

/* ---- parse ---- */

static int fail(ordo_error_t *err, const char *field, const char *fmt, const char *a)
{
    return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, fmt, a ? a : "");
}

static int oom(ordo_error_t *err, const char *field)
{
    return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, field, "out of memory");
}

/* Copies a string operand. order.region values are region names as geo
 * spells them: the older spelling "territories" is read as "territory". */
static bool str_set(cstr_t *d, int path, const char *s)
{
    ordo_geo_region_t r;
    if (path == P_REGION && ordo_geo_region_parse(s, &r) == ORDO_OK)
        s = ordo_geo_region_name(r);
    d->len = strlen(s);
    d->s = malloc(d->len + 1);
    if (!d->s)
        return false;
    memcpy(d->s, s, d->len + 1);
    return true;
}

static int parse_node(const cJSON *j, const char *field, int depth, cnode_t *c, ordo_error_t *err);

/* {"all"|"any"|"none": [cond, ...]}, the only key of j. */
static int parse_scope(const cJSON *j, const cJSON *arr, int k, const char *field, int depth,
                       cnode_t *c, ordo_error_t *err)
{
    char sub[ORDO_ERROR_FIELD_MAX];
    if (cJSON_GetArraySize(j) != 1) {
        snprintf(sub, sizeof sub, "%s", field);
        return fail(err, sub, "a '%s' scope must be the only key of its object", scope_names[k]);
    }
    snprintf(sub, sizeof sub, "%s.%s", field, scope_names[k]);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1)
        return fail(err, sub, "must be a non-empty array of conditions%s", "");
    c->kind = k;
    int n = cJSON_GetArraySize(arr);
    c->kids = calloc((size_t)n, sizeof *c->kids);
    if (!c->kids)
        return oom(err, field);
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        char f2[ORDO_ERROR_FIELD_MAX];
        snprintf(f2, sizeof f2, "%s[%u]", sub, c->n);
        int rc = parse_node(e, f2, depth + 1, &c->kids[c->n++], err);
        if (rc)
            return rc;
    }
    return ORDO_OK;
}

/* path and op of a leaf, and that op applies to the path's type. */
static int parse_leaf_head(const cJSON *j, const char *field, cnode_t *c, ordo_error_t *err)
{
    char sub[ORDO_ERROR_FIELD_MAX];
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        if (strcmp(it->string, "path") && strcmp(it->string, "op") && strcmp(it->string, "value")) {
            snprintf(sub, sizeof sub, "%s.%s", field, it->string);
            return fail(err, sub,
                        "unknown field '%s' (a condition has path, op, value, or "
                        "a single all/any/none scope)",
                        it->string);
        }
    }
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(j, "path");
    const cJSON *jo = cJSON_GetObjectItemCaseSensitive(j, "op");
    snprintf(sub, sizeof sub, "%s.path", field);
    if (!cJSON_IsString(jp))
        return fail(err, sub, "missing or not a string%s", "");
    c->path = -1;
    for (int i = 0; i < P_COUNT; i++)
        if (!strcmp(paths[i].name, jp->valuestring))
            c->path = i;
    if (c->path < 0)
        return fail(err, sub, "unknown path '%s' (see docs/policies.md)", jp->valuestring);
    snprintf(sub, sizeof sub, "%s.op", field);
    if (!cJSON_IsString(jo))
        return fail(err, sub, "missing or not a string%s", "");
    c->op = -1;
    for (int i = 0; i < OP_COUNT; i++)
        if (!strcmp(op_names[i], jo->valuestring))
            c->op = i;
    if (c->op < 0)
        return fail(err, sub, "unknown operator '%s'", jo->valuestring);
    bool ok_op;
    switch (paths[c->path].type) {
    case T_NUM:
        ok_op = c->op != OP_CONTAINS;
        break;
    case T_STR:
        ok_op = c->op == OP_EQ || c->op == OP_NE || c->op == OP_IN || c->op == OP_CONTAINS;
        break;
    case T_BOOL:
        ok_op = c->op == OP_EQ || c->op == OP_NE;
        break;
    default:
        ok_op = c->op == OP_CONTAINS || c->op == OP_IN;
        break;
    }
    if (!ok_op)
        return fail(err, sub, "operator '%s' does not apply to this path", jo->valuestring);
    return ORDO_OK;
}

/* The values of 'in': numbers or strings by the path's type. */
static int parse_in(const cJSON *jv, const char *sub, const char *field, cnode_t *c,
                    ordo_error_t *err)
{
    if (!cJSON_IsArray(jv) || cJSON_GetArraySize(jv) < 1)
        return fail(err, sub, "'in' needs a non-empty array%s", "");
    int n = cJSON_GetArraySize(jv);
    bool want_num = paths[c->path].type == T_NUM;
    if (want_num)
        c->nums = calloc((size_t)n, sizeof *c->nums);
    else
        c->strs = calloc((size_t)n, sizeof *c->strs);
    if (!c->nums && !c->strs)
        return oom(err, field);
    const cJSON *e;
    cJSON_ArrayForEach(e, jv)
    {
        if (want_num) {
            if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
                return fail(err, sub, "'in' values must be finite numbers for this path%s", "");
            c->nums[c->n++] = e->valuedouble;
        } else {
            if (!cJSON_IsString(e))
                return fail(err, sub, "'in' values must be strings for this path%s", "");
            if (!str_set(&c->strs[c->n], c->path, e->valuestring))
                return oom(err, field);
            c->n++;
        }
    }
    return ORDO_OK;
}

/* The value of a leaf whose path and op are known. */
static int parse_value(const cJSON *j, const char *field, cnode_t *c, ordo_error_t *err)
{
    char sub[ORDO_ERROR_FIELD_MAX];
    const cJSON *jv = cJSON_GetObjectItemCaseSensitive(j, "value");
    snprintf(sub, sizeof sub, "%s.value", field);
    if (!jv)
        return fail(err, sub, "missing%s", "");
    if (c->op == OP_BETWEEN) {
        if (!cJSON_IsArray(jv) || cJSON_GetArraySize(jv) != 2 ||
            !cJSON_IsNumber(cJSON_GetArrayItem(jv, 0)) ||
            !cJSON_IsNumber(cJSON_GetArrayItem(jv, 1)))
            return fail(err, sub, "'between' needs [low, high] numbers%s", "");
        c->num[0] = cJSON_GetArrayItem(jv, 0)->valuedouble;
        c->num[1] = cJSON_GetArrayItem(jv, 1)->valuedouble;
        if (!isfinite(c->num[0]) || !isfinite(c->num[1]) || c->num[0] > c->num[1])
            return fail(err, sub, "'between' needs finite low <= high%s", "");
        return ORDO_OK;
    }
    if (c->op == OP_IN)
        return parse_in(jv, sub, field, c, err);
    switch (paths[c->path].type) {
    case T_NUM:
        if (!cJSON_IsNumber(jv) || !isfinite(jv->valuedouble))
            return fail(err, sub, "must be a finite number%s", "");
        c->num[0] = jv->valuedouble;
        return ORDO_OK;
    case T_BOOL:
        if (!cJSON_IsBool(jv))
            return fail(err, sub, "must be true or false%s", "");
        c->boolean = cJSON_IsTrue(jv);
        return ORDO_OK;
    default:
        if (!cJSON_IsString(jv))
            return fail(err, sub, "must be a string%s", "");
        if (!str_set(&c->str, c->path, jv->valuestring))
            return oom(err, field);
        return ORDO_OK;
    }
}

/* Picks a parsed leaf's shape: a string or double field read by offset
 * with the operator decided here, S_GENERAL otherwise. */
static void shape_leaf(cnode_t *c)
{
    static const int dbl_shapes[] = {
        [OP_EQ] = S_DBL_EQ, [OP_NE] = S_DBL_NE, [OP_LT] = S_DBL_LT,          [OP_LE] = S_DBL_LE,
        [OP_GT] = S_DBL_GT, [OP_GE] = S_DBL_GE, [OP_BETWEEN] = S_DBL_BETWEEN};
    c->shape = S_GENERAL;
    if (paths[c->path].dbl_off != NO_OFF && c->op <= OP_BETWEEN) {
        c->off = paths[c->path].dbl_off;
        c->shape = dbl_shapes[c->op];
        return;
    }
    if (paths[c->path].str_off == NO_OFF)
        return;
    c->off = paths[c->path].str_off;
    if (c->op == OP_EQ) {
        c->shape = S_STR_EQ;
    } else if (c->op == OP_NE) {
        c->shape = S_STR_NE;
    } else if (c->op == OP_IN && c->n <= FIRST_MAX) {
        c->shape = S_STR_IN;
        for (uint32_t i = 0; i < c->n; i++)
            c->first[i] = c->strs[i].s[0];
    }
}

static int parse_node(const cJSON *j, const char *field, int depth, cnode_t *c, ordo_error_t *err)
{
    if (depth > 16)
        return fail(err, field, "conditions nested too deeply%s", "");
    if (!cJSON_IsObject(j))
        return fail(err, field, "a condition must be an object%s", "");
    for (int k = K_ALL; k <= K_NONE; k++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, scope_names[k]);
        if (arr)
            return parse_scope(j, arr, k, field, depth, c, err);
    }
    c->kind = K_LEAF;
    int rc = parse_leaf_head(j, field, c, err);
    if (rc == ORDO_OK)
        rc = parse_value(j, field, c, err);
    if (rc == ORDO_OK)
        shape_leaf(c);
    return rc;
}

int ordo_cond_parse(const cJSON *json, const char *field, ordo_cond_t **out, ordo_error_t *err)
{
    *out = NULL;
    if (!field)
        field = "when";
    ordo_cond_t *c = calloc(1, sizeof *c);
    cnode_t *leaf = c ? calloc(1, sizeof *leaf) : NULL;
    if (!leaf) {
        free(c);
        return oom(err, field);
    }
    atomic_init(&c->refs, 1);
    int rc = parse_node(json, field, 0, leaf, err);
    if (rc == ORDO_OK && leaf->kind == K_LEAF) {
        c->lone_leaf = true;
        c->root = (cnode_t){.kind = K_ALL, .n = 1, .kids = leaf};
    } else {
        c->root = *leaf; /* a scope: its kids move to the root */
        free(leaf);
    }
    if (rc) {
        ordo_cond_destroy(c);
        return rc;
    }
    *out = c;
    return ORDO_OK;
}

int ordo_cond_parse_json(const char *json, size_t len, const char *field, ordo_cond_t **out,
                         ordo_error_t *err)
{
    *out = NULL;
    cJSON *j;
    int rc = ordo_json_parse_doc(json, len, NULL, -1, &j, err);
    if (rc) {
        if (err && !err->field[0])
            snprintf(err->field, sizeof err->field, "%s", field ? field : "when");
        return rc;
    }
    rc = ordo_cond_parse(j, field, out, err);
    cJSON_Delete(j);
    return rc;
}

/* ---- evaluate ---- */

/* strcmp(s, v) == 0, with the first byte tested inline. */
static inline bool str_eq(const char *s, const cstr_t *v)
{
    if (s[0] != v->s[0])
        return false;
    return v->len == 0 || !strcmp(s + 1, v->s + 1);
}

static bool set_has(const ordo_order_ctx_t *x, int path, const cstr_t *v)
{
    uint32_t n = path == P_FAMILIES ? x->n_families : x->n_skus;
    const char *const *a = path == P_FAMILIES ? x->families : x->skus;
    for (uint32_t i = 0; i < n; i++)
        if (a[i] && str_eq(a[i], v))
            return true;
    return false;
}

static const char *str_of(const ordo_order_ctx_t *x, int p)
{
    switch (p) {
    case P_REGION:
        return x->region;
    case P_STATE:
        return x->state;
    case P_CHANNEL:
        return x->channel;
    case P_LEVEL:
        return x->service_level;
    case P_COHORT:
        return x->cohort;
    case P_CUSTOMER:
        return x->customer_id;
    case P_PROMOTION:
        return x->promotion;
    default: /* P_UNIT */
        return x->unit;
    }
}

/* false when the value is unknown (an unknown value never matches). */
static bool num_of(const ordo_order_ctx_t *x, int p, double *v)
{
    switch (p) {
    case P_ZIP3:
        *v = x->zip3;
        return x->zip3 >= 0;
    case P_VALUE:
        *v = x->value;
        return true;
    case P_LINES:
        *v = x->n_lines;
        return true;
    case P_UNITS:
        *v = x->units;
        return true;
    case P_WEIGHT:
        *v = x->weight_lb;
        return true;
    default: /* P_LTV */
        *v = x->lifetime_value;
        return true;
    }
}

static bool leaf_num(const cnode_t *c, double v)
{
    switch (c->op) {
    case OP_EQ:
        return v == c->num[0];
    case OP_NE:
        return v != c->num[0];
    case OP_LT:
        return v < c->num[0];
    case OP_LE:
        return v <= c->num[0];
    case OP_GT:
        return v > c->num[0];
    case OP_GE:
        return v >= c->num[0];
    case OP_BETWEEN:
        return v >= c->num[0] && v <= c->num[1];
    default: /* OP_IN */
        for (uint32_t i = 0; i < c->n; i++)
            if (v == c->nums[i])
                return true;
        return false;
    }
}

static bool leaf_str(const cnode_t *c, const char *s)
{
    if (!s)
        return false;
    switch (c->op) {
    case OP_EQ:
        return str_eq(s, &c->str);
    case OP_NE:
        return !str_eq(s, &c->str);
    case OP_CONTAINS:
        return strstr(s, c->str.s) != NULL;
    default: /* OP_IN */
        for (uint32_t i = 0; i < c->n; i++)
            if (str_eq(s, &c->strs[i]))
                return true;
        return false;
    }
}

/* A leaf of any shape, through the general dispatch. */
static bool eval_leaf(const cnode_t *c, const ordo_order_ctx_t *x)
{
    double v;
    switch (paths[c->path].type) {
    case T_NUM:
        return num_of(x, c->path, &v) && leaf_num(c, v);
    case T_BOOL: {
        bool b = c->path == P_RESIDENTIAL ? x->residential : x->rural;
        return c->op == OP_EQ ? b == c->boolean : b != c->boolean;
    }
    case T_SET:
        if (c->op == OP_CONTAINS)
            return set_has(x, c->path, &c->str);
        for (uint32_t i = 0; i < c->n; i++)
            if (set_has(x, c->path, &c->strs[i]))
                return true;
        return false;
    default:
        return leaf_str(c, str_of(x, c->path));
    }
}

static inline const char *field_str(const cnode_t *c, const ordo_order_ctx_t *x)
{
    const char *p;
    memcpy(&p, (const char *)x + c->off, sizeof p);
    return p;
}

static inline double field_dbl(const cnode_t *c, const ordo_order_ctx_t *x)
{
    double v;
    memcpy(&v, (const char *)x + c->off, sizeof v);
    return v;
}

/* A leaf: the common shapes inline, the rest through eval_leaf. */
static inline bool eval_leaf_fast(const cnode_t *c, const ordo_order_ctx_t *x)
{
    const char *s;
    switch (c->shape) {
    case S_STR_IN:
        s = field_str(c, x);
        if (!s)
            return false;
        for (uint32_t i = 0; i < c->n; i++)
            if (s[0] == c->first[i] && (s[0] == 0 || !strcmp(s + 1, c->strs[i].s + 1)))
                return true;
        return false;
    case S_STR_EQ:
        s = field_str(c, x);
        return s && str_eq(s, &c->str);
    case S_STR_NE:
        s = field_str(c, x);
        return s && !str_eq(s, &c->str);
    case S_DBL_EQ:
        return field_dbl(c, x) == c->num[0];
    case S_DBL_NE:
        return field_dbl(c, x) != c->num[0];
    case S_DBL_LT:
        return field_dbl(c, x) < c->num[0];
    case S_DBL_LE:
        return field_dbl(c, x) <= c->num[0];
    case S_DBL_GT:
        return field_dbl(c, x) > c->num[0];
    case S_DBL_GE:
        return field_dbl(c, x) >= c->num[0];
    case S_DBL_BETWEEN: {
        double v = field_dbl(c, x);
        return v >= c->num[0] && v <= c->num[1];
    }
    default:
        return eval_leaf(c, x);
    }
}

/* c is a scope. all: false at the first false kid; any: true at the first
 * true kid; none: false at the first true kid. Leaves are evaluated in the
 * loop, without a call. */
static bool eval_scope(const cnode_t *c, const ordo_order_ctx_t *x)
{
    bool stop_on = c->kind != K_ALL;
    for (uint32_t i = 0; i < c->n; i++) {
        const cnode_t *k = &c->kids[i];
        bool v = k->kind == K_LEAF ? eval_leaf_fast(k, x) : eval_scope(k, x);
        if (v == stop_on)
            return c->kind == K_ANY;
    }
    return c->kind != K_ANY;
}

bool ordo_cond_eval(const ordo_cond_t *c, const ordo_order_ctx_t *x)
{
    return !c || eval_scope(&c->root, x);
}

/* ---- canonical JSON ---- */

static void write_node(const cnode_t *c, ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    if (c->kind != K_LEAF) {
        ordo_jsonw_key(w, scope_names[c->kind]);
        ordo_jsonw_arr_begin(w);
        for (uint32_t i = 0; i < c->n; i++)
            write_node(&c->kids[i], w);
        ordo_jsonw_arr_end(w);
        ordo_jsonw_obj_end(w);
        return;
    }
    ordo_jsonw_kstr(w, "path", paths[c->path].name);
    ordo_jsonw_kstr(w, "op", op_names[c->op]);
    ordo_jsonw_key(w, "value");
    int type = paths[c->path].type;
    if (c->op == OP_BETWEEN) {
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_double(w, c->num[0]);
        ordo_jsonw_double(w, c->num[1]);
        ordo_jsonw_arr_end(w);
    } else if (c->op == OP_IN) {
        ordo_jsonw_arr_begin(w);
        for (uint32_t i = 0; i < c->n; i++) {
            if (type == T_NUM)
                ordo_jsonw_double(w, c->nums[i]);
            else
                ordo_jsonw_str(w, c->strs[i].s);
        }
        ordo_jsonw_arr_end(w);
    } else if (type == T_NUM) {
        ordo_jsonw_double(w, c->num[0]);
    } else if (type == T_BOOL) {
        ordo_jsonw_bool(w, c->boolean);
    } else {
        ordo_jsonw_str(w, c->str.s);
    }
    ordo_jsonw_obj_end(w);
}

void ordo_cond_write_json(const ordo_cond_t *c, ordo_jsonw_t *w)
{
    if (!c)
        ordo_jsonw_null(w);
    else
        write_node(c->lone_leaf ? &c->root.kids[0] : &c->root, w);
}

/* ---- order context ---- */

void ordo_order_ctx_init(ordo_order_ctx_t *x, const ordo_order_t *o, const ordo_network_t *net)
{
    memset(x, 0, sizeof *x);
    x->state = o->state[0] ? o->state : NULL;
    ordo_geo_region_t r = ordo_geo_state_region(x->state);
    x->region = r == ORDO_REGION_UNKNOWN ? NULL : ordo_geo_region_name(r);
    x->zip3 = o->ship_zip ? o->ship_zip3 : -1;
    x->channel = o->channel;
    x->promotion = o->promotion ? o->promotion : "";
    x->service_level = ordo_service_level_name(o->level);
    x->cohort = o->cohort ? o->cohort : "";
    x->customer_id = o->customer_id ? o->customer_id : "";
    x->lifetime_value = o->lifetime_value;
    x->residential = o->residential;
    x->rural = o->ship_zip ? ordo_geo_zip3_rural(net->geo, o->ship_zip3) : false;
    x->n_lines = o->n_lines;
    for (uint32_t i = 0; i < o->n_lines; i++) {
        const ordo_sku_t *s = &net->skus[o->lines[i].sku];
        x->units += o->lines[i].quantity;
        x->value += s->price * o->lines[i].quantity;
        x->weight_lb += s->weight_lb * o->lines[i].quantity;
        const char *fam = s->family < net->n_families ? net->families[s->family] : NULL;
        if (fam && x->n_families < ORDO_CTX_MAX_FAMILIES) {
            bool dup = false;
            /* family names and SKU ids are unique in the network: the
             * same entry is the same name */
            for (uint32_t k = 0; k < x->n_families; k++)
                dup |= x->families[k] == fam;
            if (!dup)
                x->families[x->n_families++] = fam;
        }
        if (x->n_skus < ORDO_CTX_MAX_SKUS) {
            bool dup = false;
            for (uint32_t k = 0; k < x->n_skus; k++)
                dup |= x->skus[k] == s->id;
            if (!dup)
                x->skus[x->n_skus++] = s->id;
        }
    }
}
