/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — policy documents: strict parsing, validation, canonical form and
 * content-hash version. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cjson_internal.h"
#include "policy_internal.h"
#include "risk_internal.h"

static const char *const crit_names[ORDO_CRIT_COUNT] = {
    [ORDO_CRIT_DISTANCE] = "distance",
    [ORDO_CRIT_ZONE] = "zone",
    [ORDO_CRIT_COST] = "cost",
    [ORDO_CRIT_ON_TIME] = "on_time",
    [ORDO_CRIT_ETA] = "eta",
    [ORDO_CRIT_NODE_TYPE] = "node_type",
    [ORDO_CRIT_PRIORITY] = "priority",
    [ORDO_CRIT_DAYS_OF_SUPPLY] = "days_of_supply",
    [ORDO_CRIT_LOAD] = "load",
    [ORDO_CRIT_RETURN_RISK] = "return_risk",
    [ORDO_CRIT_FEWEST_SHIPMENTS] = "fewest_shipments",
};

const char *ordo_criterion_name(ordo_criterion_kind_t k)
{
    return (unsigned)k < ORDO_CRIT_COUNT ? crit_names[k] : "?";
}

#define WEIGHT_MAX 1e6

static int bad(ordo_error_t *err, const char *file, const char *field, const char *msg)
{
    return ordo_error_set(err, ORDO_EINVAL, file, 0, field, "%s", msg);
}

/* Every key of obj must be in the NULL-terminated list. */
static int check_keys(const cJSON *obj, const char *const *allowed, const char *file,
                      const char *field, ordo_error_t *err)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok |= !strcmp(*a, it->string);
        if (!ok) {
            char f[ORDO_ERROR_FIELD_MAX];
            snprintf(f, sizeof f, "%s%s%s", field, field[0] ? "." : "", it->string);
            return ordo_error_set(err, ORDO_EINVAL, file, 0, f, "unknown field '%s'", it->string);
        }
    }
    return ORDO_OK;
}

/* Reads an optional number: finite and within [lo, hi]. */
static int get_num(const cJSON *obj, const char *key, double lo, double hi, double *out,
                   bool *present, const char *file, const char *field, ordo_error_t *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return ORDO_OK;
    char f[ORDO_ERROR_FIELD_MAX];
    snprintf(f, sizeof f, "%s%s%s", field, field[0] ? "." : "", key);
    if (!cJSON_IsNumber(v))
        return bad(err, file, f, "must be a number");
    if (!isfinite(v->valuedouble))
        return bad(err, file, f, "must be finite (NaN and infinities are not allowed)");
    if (v->valuedouble < lo || v->valuedouble > hi)
        return ordo_error_set(err, ORDO_EINVAL, file, 0, f, "%g is out of range [%g, %g]",
                              v->valuedouble, lo, hi);
    *out = v->valuedouble;
    return ORDO_OK;
}

int ordo_policy_num(const cJSON *obj, const char *key, double lo, double hi, double *out,
                    const char *file, const char *field, ordo_error_t *err)
{
    return get_num(obj, key, lo, hi, out, NULL, file, field, err);
}

static int get_bool(const cJSON *obj, const char *key, bool *out, const char *file,
                    const char *field, ordo_error_t *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return ORDO_OK;
    if (!cJSON_IsBool(v)) {
        char f[ORDO_ERROR_FIELD_MAX];
        snprintf(f, sizeof f, "%s.%s", field, key);
        return bad(err, file, f, "must be true or false");
    }
    *out = cJSON_IsTrue(v);
    return ORDO_OK;
}

static int get_str(const cJSON *obj, const char *key, char *out, size_t size, bool required,
                   const char *file, const char *field, ordo_error_t *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char f[ORDO_ERROR_FIELD_MAX];
    snprintf(f, sizeof f, "%s%s%s", field, field[0] ? "." : "", key);
    if (!v)
        return required ? bad(err, file, f, "missing") : ORDO_OK;
    if (!cJSON_IsString(v))
        return bad(err, file, f, "must be a string");
    if (required && !v->valuestring[0])
        return bad(err, file, f, "must not be empty");
    if (strlen(v->valuestring) >= size)
        return ordo_error_set(err, ORDO_EINVAL, file, 0, f, "longer than %zu characters", size - 1);
    snprintf(out, size, "%s", v->valuestring);
    return ORDO_OK;
}

static int parse_types(const cJSON *arr, unsigned *mask, const char *file, const char *f,
                       ordo_error_t *err)
{
    if (!cJSON_IsArray(arr))
        return bad(err, file, f, "must be an array of node types (dc, store, dropship)");
    *mask = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        ordo_node_type_t t;
        if (!cJSON_IsString(e) || ordo_node_type_parse(e->valuestring, &t) != ORDO_OK)
            return bad(err, file, f, "unknown node type (dc, store, dropship)");
        *mask |= 1u << t;
    }
    return ORDO_OK;
}

static int parse_groups(const cJSON *arr, char names[8][ORDO_ID_MAX], uint32_t *n, const char *file,
                        const char *f, ordo_error_t *err)
{
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > 8)
        return bad(err, file, f, "must be an array of at most 8 group names");
    *n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        if (!cJSON_IsString(e) || !e->valuestring[0] || strlen(e->valuestring) >= ORDO_ID_MAX)
            return bad(err, file, f, "group names must be non-empty strings");
        snprintf(names[(*n)++], ORDO_ID_MAX, "%s", e->valuestring);
    }
    return ORDO_OK;
}

static void constraints_default(ordo_constraints_t *c)
{
    memset(c, 0, sizeof *c);
    c->max_shipments = 2;
    c->node_types = (1u << ORDO_NODE_TYPES) - 1;
    c->respect_capacity = true;
    c->respect_safety_stock = true;
}

static void constraints_free(ordo_constraints_t *c)
{
    for (uint32_t i = 0; i < c->n_guardrails; i++)
        ordo_cond_destroy(c->guardrails[i].when);
    c->n_guardrails = 0;
}

/* constraints.partial is policy level only (parse_partial reads it). */
static int partial_level(const cJSON *j, bool policy_level, const char *file, const char *field,
                         ordo_error_t *err)
{
    if (policy_level || !cJSON_GetObjectItemCaseSensitive(j, "partial"))
        return ORDO_OK;
    char f[ORDO_ERROR_FIELD_MAX];
    snprintf(f, sizeof f, "%s.partial", field);
    return bad(err, file, f, "partial belongs to the policy's constraints only");
}

static int parse_constraints(const cJSON *j, bool allow_guardrails, ordo_constraints_t *c,
                             const char *file, const char *field, ordo_error_t *err)
{
    static const char *const keys[] = {
        "max_shipments",        "allow_line_split",    "node_types",  "exclude_node_types",
        "node_groups",          "exclude_node_groups", "min_on_time", "respect_capacity",
        "respect_safety_stock", "guardrails",          "partial",     NULL};
    char f[ORDO_ERROR_FIELD_MAX];
    if (!cJSON_IsObject(j))
        return bad(err, file, field, "must be an object");
    int rc = check_keys(j, keys, file, field, err);
    if (rc || (rc = partial_level(j, allow_guardrails, file, field, err)))
        return rc;
    double ms = c->max_shipments;
    if ((rc = get_num(j, "max_shipments", 1, 8, &ms, NULL, file, field, err)))
        return rc;
    if (ms != floor(ms)) {
        snprintf(f, sizeof f, "%s.max_shipments", field);
        return bad(err, file, f, "must be a whole number");
    }
    c->max_shipments = (uint32_t)ms;
    if ((rc = get_bool(j, "allow_line_split", &c->allow_line_split, file, field, err)) ||
        (rc = get_bool(j, "respect_capacity", &c->respect_capacity, file, field, err)) ||
        (rc = get_bool(j, "respect_safety_stock", &c->respect_safety_stock, file, field, err)) ||
        (rc = get_num(j, "min_on_time", 0, 1, &c->min_on_time, NULL, file, field, err)))
        return rc;
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "node_types"))) {
        snprintf(f, sizeof f, "%s.node_types", field);
        if ((rc = parse_types(v, &c->node_types, file, f, err)))
            return rc;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "exclude_node_types"))) {
        unsigned ex;
        snprintf(f, sizeof f, "%s.exclude_node_types", field);
        if ((rc = parse_types(v, &ex, file, f, err)))
            return rc;
        c->node_types &= ~ex;
    }
    if (!c->node_types) {
        snprintf(f, sizeof f, "%s.node_types", field);
        return bad(err, file, f, "no node type is left allowed");
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "node_groups"))) {
        snprintf(f, sizeof f, "%s.node_groups", field);
        if ((rc = parse_groups(v, c->allow_groups, &c->n_allow_groups, file, f, err)))
            return rc;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "exclude_node_groups"))) {
        snprintf(f, sizeof f, "%s.exclude_node_groups", field);
        if ((rc = parse_groups(v, c->exclude_groups, &c->n_exclude_groups, file, f, err)))
            return rc;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(j, "guardrails"))) {
        snprintf(f, sizeof f, "%s.guardrails", field);
        if (!allow_guardrails)
            return bad(err, file, f, "guardrails belong to the policy's constraints only");
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > ORDO_MAX_GUARDRAILS)
            return bad(err, file, f, "must be an array of at most 8 guardrails");
        const cJSON *g;
        int i = 0;
        cJSON_ArrayForEach(g, v)
        {
            static const char *const gkeys[] = {"when", "max_zone", "max_miles", NULL};
            char gf[ORDO_ERROR_FIELD_MAX];
            snprintf(gf, sizeof gf, "%s.guardrails[%d]", field, i++);
            if (!cJSON_IsObject(g))
                return bad(err, file, gf, "must be an object");
            if ((rc = check_keys(g, gkeys, file, gf, err)))
                return rc;
            ordo_guardrail_t *gr = &c->guardrails[c->n_guardrails];
            memset(gr, 0, sizeof *gr);
            double mz = 0;
            if ((rc = get_num(g, "max_zone", 1, ORDO_ZONE_MAX, &mz, NULL, file, gf, err)) ||
                (rc = get_num(g, "max_miles", 1, 20000, &gr->max_miles, NULL, file, gf, err)))
                return rc;
            if (mz != floor(mz)) {
                char zf[ORDO_ERROR_FIELD_MAX];
                snprintf(zf, sizeof zf, "%s.max_zone", gf);
                return bad(err, file, zf, "must be a whole zone number");
            }
            gr->max_zone = (int)mz;
            if (!gr->max_zone && gr->max_miles == 0)
                return bad(err, file, gf, "needs max_zone or max_miles");
            const cJSON *w = cJSON_GetObjectItemCaseSensitive(g, "when");
            if (w) {
                char wf[ORDO_ERROR_FIELD_MAX];
                snprintf(wf, sizeof wf, "%s.when", gf);
                if ((rc = ordo_cond_parse(w, wf, &gr->when, err))) {
                    if (err)
                        snprintf(err->file, sizeof err->file, "%s", file ? file : "");
                    return rc;
                }
            }
            c->n_guardrails++;
        }
    }
    return ORDO_OK;
}

/* ---- partial orders (constraints.partial) ---- */

static const char *const partial_modes[] = {"none", "ship_available", "cancel_short"};
static const char *const pickup_options[] = {"transfer", "other_store"};

const char *ordo_partial_mode_name(ordo_partial_mode_t m)
{
    return (unsigned)m < 3 ? partial_modes[m] : "?";
}

const char *ordo_pickup_option_name(ordo_pickup_option_t o)
{
    return (unsigned)o < 2 ? pickup_options[o] : "?";
}

static int parse_pickup_options(const cJSON *v, ordo_partial_t *p, const char *file,
                                const char *field, ordo_error_t *err)
{
    char f[ORDO_ERROR_FIELD_MAX];
    snprintf(f, sizeof f, "%s.pickup", field);
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > 2)
        return bad(err, file, f, "must be an array of at most 2 of: transfer, other_store");
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, v)
    {
        snprintf(f, sizeof f, "%s.pickup[%d]", field, i++);
        int k = -1;
        for (int o = 0; o < 2; o++)
            if (cJSON_IsString(e) && !strcmp(e->valuestring, pickup_options[o]))
                k = o;
        if (k < 0)
            return bad(err, file, f, "must be \"transfer\" or \"other_store\"");
        for (uint32_t j = 0; j < p->n_pickup; j++)
            if (p->pickup[j] == (ordo_pickup_option_t)k)
                return bad(err, file, f, "given twice");
        p->pickup[p->n_pickup++] = (ordo_pickup_option_t)k;
    }
    return ORDO_OK;
}

/* constraints.partial: {"mode": "none" | "ship_available" | "cancel_short",
 * "pickup": ["transfer", "other_store"]} (docs/policies.md). */
static int parse_partial(const cJSON *constraints, ordo_partial_t *p, const char *file,
                         ordo_error_t *err)
{
    static const char *const keys[] = {"mode", "pickup", NULL};
    static const char field[] = "constraints.partial";
    memset(p, 0, sizeof *p);
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(constraints, "partial");
    if (!j)
        return ORDO_OK;
    if (!cJSON_IsObject(j))
        return bad(err, file, field, "must be an object");
    int rc = check_keys(j, keys, file, field, err);
    if (rc)
        return rc;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "mode");
    if (m) {
        int k = -1;
        for (int i = 0; i < 3; i++)
            if (cJSON_IsString(m) && !strcmp(m->valuestring, partial_modes[i]))
                k = i;
        if (k < 0)
            return bad(err, file, "constraints.partial.mode",
                       "must be \"none\", \"ship_available\" or \"cancel_short\"");
        p->mode = (ordo_partial_mode_t)k;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "pickup");
    return v ? parse_pickup_options(v, p, file, field, err) : ORDO_OK;
}

/* Written only when not the default, so that policies without the setting
 * keep their version. */
static void write_partial(ordo_jsonw_t *w, const ordo_partial_t *p)
{
    if (!p || (p->mode == ORDO_PARTIAL_NONE && p->n_pickup == 0))
        return;
    ordo_jsonw_key(w, "partial");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "mode", ordo_partial_mode_name(p->mode));
    ordo_jsonw_key(w, "pickup");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < p->n_pickup; i++)
        ordo_jsonw_str(w, ordo_pickup_option_name(p->pickup[i]));
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}

static void weights_default(ordo_weights_t *w)
{
    w->cost = 1.0;
    w->economic = 1.0;
    w->on_time = 20.0;
    w->return_risk = 30.0;
    w->load = 5.0;
    w->split = 0.0;
    w->overstock = 0.0;
}

static void criterion_defaults(ordo_criterion_t *c)
{
    switch (c->kind) {
    case ORDO_CRIT_DISTANCE:
        c->resolution = 0.01;
        break;
    case ORDO_CRIT_COST:
        c->resolution = 0.25;
        c->scale = 1.0;
        break;
    case ORDO_CRIT_ON_TIME:
        c->resolution = 0.01;
        break;
    case ORDO_CRIT_DAYS_OF_SUPPLY:
        c->resolution = 0.05;
        c->scale = 90.0;
        break;
    case ORDO_CRIT_LOAD:
        c->resolution = 0.05;
        break;
    case ORDO_CRIT_RETURN_RISK:
        c->resolution = 0.01;
        break;
    default:
        c->resolution = 0;
        break;
    }
    if (c->kind == ORDO_CRIT_NODE_TYPE) {
        c->n_types = 3;
        c->type_order[0] = ORDO_NODE_DC;
        c->type_order[1] = ORDO_NODE_STORE;
        c->type_order[2] = ORDO_NODE_DROPSHIP;
    }
}

/* "weights" of a weighted strategy (defaults already set). */
static int parse_weights(const cJSON *w, ordo_weights_t *out, const char *file, const char *f,
                         ordo_error_t *err)
{
    static const char *const wkeys[] = {"cost",  "economic",  "on_time", "return_risk",
                                        "load",  "split",     "overstock", NULL};
    int rc;
    if (!cJSON_IsObject(w))
        return bad(err, file, f, "must be an object");
    if ((rc = check_keys(w, wkeys, file, f, err)) ||
        (rc = get_num(w, "cost", 0, WEIGHT_MAX, &out->cost, NULL, file, f, err)) ||
        (rc = get_num(w, "economic", 0, WEIGHT_MAX, &out->economic, NULL, file, f, err)) ||
        (rc = get_num(w, "on_time", 0, WEIGHT_MAX, &out->on_time, NULL, file, f, err)) ||
        (rc = get_num(w, "return_risk", 0, WEIGHT_MAX, &out->return_risk, NULL, file, f, err)) ||
        (rc = get_num(w, "load", 0, WEIGHT_MAX, &out->load, NULL, file, f, err)) ||
        (rc = get_num(w, "split", 0, WEIGHT_MAX, &out->split, NULL, file, f, err)) ||
        (rc = get_num(w, "overstock", 0, WEIGHT_MAX, &out->overstock, NULL, file, f, err)))
        return rc;
    if (out->cost == 0 && out->economic == 0 && out->on_time == 0 && out->return_risk == 0 &&
        out->overstock == 0)
        return bad(err, file, f, "cost, economic, on_time, return_risk and overstock are all zero");
    return ORDO_OK;
}

/* "order" of a node_type criterion: 1 to 3 distinct node types. */
static int parse_type_order(const cJSON *ord, ordo_criterion_t *k, const char *file, const char *of,
                            ordo_error_t *err)
{
    if (k->kind != ORDO_CRIT_NODE_TYPE)
        return bad(err, file, of, "only the node_type criterion takes an order");
    if (!cJSON_IsArray(ord) || cJSON_GetArraySize(ord) < 1 ||
        cJSON_GetArraySize(ord) > ORDO_NODE_TYPES)
        return bad(err, file, of, "must list 1 to 3 node types");
    k->n_types = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, ord)
    {
        ordo_node_type_t t;
        if (!cJSON_IsString(e) || ordo_node_type_parse(e->valuestring, &t))
            return bad(err, file, of, "unknown node type (dc, store, dropship)");
        for (uint32_t q = 0; q < k->n_types; q++)
            if (k->type_order[q] == t)
                return bad(err, file, of, "node type listed twice");
        k->type_order[k->n_types++] = t;
    }
    return ORDO_OK;
}

/* One element of "criteria" (field cf) into k. */
static int parse_criterion(const cJSON *c, ordo_criterion_t *k, const char *file, const char *cf,
                           ordo_error_t *err)
{
    static const char *const ckeys[] = {"criterion", "min",   "max", "resolution",
                                        "scale",     "order", NULL};
    int rc;
    if (!cJSON_IsObject(c))
        return bad(err, file, cf, "must be an object");
    if ((rc = check_keys(c, ckeys, file, cf, err)))
        return rc;
    char name[32] = "";
    if ((rc = get_str(c, "criterion", name, sizeof name, true, file, cf, err)))
        return rc;
    memset(k, 0, sizeof *k);
    k->kind = ORDO_CRIT_COUNT;
    for (int t = 0; t < ORDO_CRIT_COUNT; t++)
        if (!strcmp(crit_names[t], name))
            k->kind = (ordo_criterion_kind_t)t;
    if (k->kind == ORDO_CRIT_COUNT) {
        char nf[ORDO_ERROR_FIELD_MAX];
        snprintf(nf, sizeof nf, "%s.criterion", cf);
        return ordo_error_set(err, ORDO_EINVAL, file, 0, nf, "unknown criterion '%s'", name);
    }
    criterion_defaults(k);
    if ((rc = get_num(c, "min", -1e9, 1e9, &k->min, &k->has_min, file, cf, err)) ||
        (rc = get_num(c, "max", -1e9, 1e9, &k->max, &k->has_max, file, cf, err)) ||
        (rc = get_num(c, "resolution", 0, 1e6, &k->resolution, NULL, file, cf, err)) ||
        (rc = get_num(c, "scale", 1e-6, 1e6, &k->scale, NULL, file, cf, err)))
        return rc;
    const cJSON *ord = cJSON_GetObjectItemCaseSensitive(c, "order");
    if (ord) {
        char of[ORDO_ERROR_FIELD_MAX];
        snprintf(of, sizeof of, "%s.order", cf);
        if ((rc = parse_type_order(ord, k, file, of, err)))
            return rc;
    }
    if (k->has_min && k->has_max && k->min > k->max)
        return bad(err, file, cf, "min is greater than max");
    return ORDO_OK;
}

/* "criteria" of a criteria strategy (field f). */
static int parse_criteria(const cJSON *cr, ordo_strategy_t *s, const char *file, const char *field,
                          const char *f, ordo_error_t *err)
{
    if (!cJSON_IsArray(cr) || cJSON_GetArraySize(cr) < 1 ||
        cJSON_GetArraySize(cr) > ORDO_MAX_CRITERIA)
        return bad(err, file, f, "must be an array of 1 to 7 criteria");
    const cJSON *c;
    int i = 0;
    cJSON_ArrayForEach(c, cr)
    {
        char cf[ORDO_ERROR_FIELD_MAX];
        snprintf(cf, sizeof cf, "%s.criteria[%d]", field, i++);
        int rc = parse_criterion(c, &s->criteria[s->n_criteria], file, cf, err);
        if (rc)
            return rc;
        s->n_criteria++;
    }
    return ORDO_OK;
}

/* "weights" or "criteria", by the strategy's kind (the other is an error). */
static int parse_scoring(const cJSON *j, ordo_strategy_t *s, const char *file, const char *field,
                         ordo_error_t *err)
{
    char f[ORDO_ERROR_FIELD_MAX];
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "weights");
    const cJSON *cr = cJSON_GetObjectItemCaseSensitive(j, "criteria");
    if (s->kind == ORDO_STRATEGY_WEIGHTED) {
        if (cr) {
            snprintf(f, sizeof f, "%s.criteria", field);
            return bad(err, file, f, "a weighted strategy has weights, not criteria");
        }
        snprintf(f, sizeof f, "%s.weights", field);
        return w ? parse_weights(w, &s->weights, file, f, err) : ORDO_OK;
    }
    if (w) {
        snprintf(f, sizeof f, "%s.weights", field);
        return bad(err, file, f, "a criteria strategy has criteria, not weights");
    }
    snprintf(f, sizeof f, "%s.criteria", field);
    return parse_criteria(cr, s, file, field, f, err);
}

static int parse_strategy(const cJSON *j, ordo_strategy_t *s, const ordo_constraints_t *base,
                          const char *file, const char *field, ordo_error_t *err)
{
    static const char *const keys[] = {"name",     "when",           "type",        "weights",
                                       "criteria", "service_target", "constraints", NULL};
    char f[ORDO_ERROR_FIELD_MAX];
    if (!cJSON_IsObject(j))
        return bad(err, file, field, "a strategy must be an object");
    int rc = check_keys(j, keys, file, field, err);
    if (rc)
        return rc;
    if ((rc = get_str(j, "name", s->name, sizeof s->name, true, file, field, err)))
        return rc;
    char type[32] = "";
    if ((rc = get_str(j, "type", type, sizeof type, true, file, field, err)))
        return rc;
    snprintf(f, sizeof f, "%s.type", field);
    if (!strcmp(type, "weighted"))
        s->kind = ORDO_STRATEGY_WEIGHTED;
    else if (!strcmp(type, "criteria"))
        s->kind = ORDO_STRATEGY_CRITERIA;
    else
        return bad(err, file, f, "must be \"weighted\" or \"criteria\"");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "when");
    if (v) {
        snprintf(f, sizeof f, "%s.when", field);
        if ((rc = ordo_cond_parse(v, f, &s->when, err)))
            return rc;
    }
    weights_default(&s->weights);
    s->service_target = 0.9;
    if ((rc = get_num(j, "service_target", 0, 1, &s->service_target, &s->has_service_target, file,
                      field, err)))
        return rc;
    if ((rc = parse_scoring(j, s, file, field, err)))
        return rc;
    s->constraints = *base;
    s->constraints.n_guardrails = 0; /* guardrails stay at policy level */
    const cJSON *cons = cJSON_GetObjectItemCaseSensitive(j, "constraints");
    if (cons) {
        snprintf(f, sizeof f, "%s.constraints", field);
        s->has_constraints = true;
        if ((rc = parse_constraints(cons, false, &s->constraints, file, f, err)))
            return rc;
    }
    return ORDO_OK;
}

static void strategy_free(ordo_strategy_t *s)
{
    ordo_cond_destroy(s->when);
    s->when = NULL;
}

void ordo_policy_destroy(ordo_policy_t *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n_strategies; i++)
        strategy_free(&p->strategies[i]);
    for (uint32_t i = 0; i < p->n_fallbacks; i++)
        strategy_free(&p->fallbacks[i]);
    constraints_free(&p->constraints);
    free(p);
}

static int parse_strategies(const cJSON *arr, ordo_strategy_t *dst, uint32_t *n,
                            const ordo_constraints_t *base, const char *file, const char *key,
                            ordo_error_t *err)
{
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > ORDO_MAX_STRATEGIES)
        return bad(err, file, key, "must be an array of at most 16 strategies");
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        char f[ORDO_ERROR_FIELD_MAX];
        snprintf(f, sizeof f, "%s[%u]", key, *n);
        memset(&dst[*n], 0, sizeof dst[*n]);
        int rc = parse_strategy(e, &dst[*n], base, file, f, err);
        (*n)++; /* counted even on failure so destroy frees its condition */
        if (rc)
            return rc;
        for (uint32_t i = 0; i + 1 < *n; i++)
            if (!strcmp(dst[i].name, dst[*n - 1].name)) {
                char nf[ORDO_ERROR_FIELD_MAX];
                snprintf(nf, sizeof nf, "%s.name", f);
                return bad(err, file, nf, "strategy names must be unique");
            }
    }
    return ORDO_OK;
}

static uint64_t fnv1a64(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- service levels (the policy's "service" object) ---- */

static const ordo_service_level_t delivery_levels[] = {ORDO_LEVEL_STANDARD, ORDO_LEVEL_EXPRESS,
                                                       ORDO_LEVEL_TWO_DAY, ORDO_LEVEL_OVERNIGHT};
#define N_DELIVERY_LEVELS (sizeof delivery_levels / sizeof delivery_levels[0])

void ordo_service_policy_default(ordo_service_policy_t *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->target[ORDO_LEVEL_STANDARD] = 0.8;
    sp->target[ORDO_LEVEL_EXPRESS] = 0.9;
    sp->target[ORDO_LEVEL_TWO_DAY] = 0.9;
    sp->target[ORDO_LEVEL_OVERNIGHT] = 0.9;
    sp->floor[ORDO_LEVEL_EXPRESS] = 0.5;
    sp->floor[ORDO_LEVEL_TWO_DAY] = 0.5;
    sp->floor[ORDO_LEVEL_OVERNIGHT] = 0.5;
}

/* "targets" or "floors": {level: probability} for the delivery levels. */
static int parse_level_probs(const cJSON *j, const char *key, double *out, const char *file,
                             ordo_error_t *err)
{
    static const char *const keys[] = {"standard", "express", "two_day", "overnight", NULL};
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!o)
        return ORDO_OK;
    char f[ORDO_ERROR_FIELD_MAX];
    snprintf(f, sizeof f, "service.%s", key);
    if (!cJSON_IsObject(o))
        return bad(err, file, f, "must be an object of service levels");
    int rc = check_keys(o, keys, file, f, err);
    for (size_t i = 0; !rc && i < N_DELIVERY_LEVELS; i++) {
        ordo_service_level_t l = delivery_levels[i];
        rc = get_num(o, ordo_service_level_name(l), 0, 1, &out[l], NULL, file, f, err);
    }
    return rc;
}

static int parse_service(const cJSON *j, ordo_service_policy_t *sp, const char *file,
                         ordo_error_t *err)
{
    static const char *const keys[] = {"targets",          "floors", "upgrade_standard",
                                       "upgrade_max_cost", "supplier_lead_time", NULL};
    ordo_service_policy_default(sp);
    if (!j)
        return ORDO_OK;
    if (!cJSON_IsObject(j))
        return bad(err, file, "service", "must be an object");
    int rc = check_keys(j, keys, file, "service", err);
    if (rc || (rc = parse_level_probs(j, "targets", sp->target, file, err)) ||
        (rc = parse_level_probs(j, "floors", sp->floor, file, err)) ||
        (rc = get_bool(j, "upgrade_standard", &sp->upgrade_standard, file, "service", err)) ||
        (rc = get_num(j, "upgrade_max_cost", 0, 1e6, &sp->upgrade_max_cost, NULL, file,
                      "service", err)) ||
        (rc = get_bool(j, "supplier_lead_time", &sp->supplier_lead_time, file, "service", err)))
        return rc;
    for (size_t i = 0; i < N_DELIVERY_LEVELS; i++) {
        ordo_service_level_t l = delivery_levels[i];
        if (sp->floor[l] > sp->target[l]) {
            char f[ORDO_ERROR_FIELD_MAX];
            snprintf(f, sizeof f, "service.floors.%s", ordo_service_level_name(l));
            return bad(err, file, f, "a floor cannot be above the level's target");
        }
    }
    return ORDO_OK;
}

static bool service_is_default(const ordo_service_policy_t *sp)
{
    ordo_service_policy_t d;
    ordo_service_policy_default(&d);
    for (size_t i = 0; i < N_DELIVERY_LEVELS; i++) {
        ordo_service_level_t l = delivery_levels[i];
        if (sp->target[l] != d.target[l] || sp->floor[l] != d.floor[l])
            return false;
    }
    return sp->upgrade_standard == d.upgrade_standard &&
           sp->upgrade_max_cost == d.upgrade_max_cost &&
           sp->supplier_lead_time == d.supplier_lead_time;
}

/* The "service" object, every field; left out when all are the defaults (so
 * a policy written before service levels keeps its version). */
static void write_service(ordo_jsonw_t *w, const ordo_service_policy_t *sp)
{
    if (service_is_default(sp))
        return;
    ordo_jsonw_key(w, "service");
    ordo_jsonw_obj_begin(w);
    const char *names[2] = {"targets", "floors"};
    const double *vals[2] = {sp->target, sp->floor};
    for (int k = 0; k < 2; k++) {
        ordo_jsonw_key(w, names[k]);
        ordo_jsonw_obj_begin(w);
        for (size_t i = 0; i < N_DELIVERY_LEVELS; i++)
            ordo_jsonw_kdouble(w, ordo_service_level_name(delivery_levels[i]),
                               vals[k][delivery_levels[i]]);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_kbool(w, "upgrade_standard", sp->upgrade_standard);
    ordo_jsonw_kdouble(w, "upgrade_max_cost", sp->upgrade_max_cost);
    ordo_jsonw_kbool(w, "supplier_lead_time", sp->supplier_lead_time);
    ordo_jsonw_obj_end(w);
}

/* ---- labour (the policy's "labour" object) ---- */

void ordo_labour_policy_default(ordo_labour_policy_t *lp)
{
    lp->threshold = 0.8;
    lp->exclude_at = 0.98;
    lp->penalty = 1;
}

static int parse_labour(const cJSON *j, ordo_labour_policy_t *lp, const char *file,
                        ordo_error_t *err)
{
    static const char *const keys[] = {"threshold", "exclude_at", "penalty", NULL};
    ordo_labour_policy_default(lp);
    if (!j)
        return ORDO_OK;
    if (!cJSON_IsObject(j))
        return bad(err, file, "labour", "must be an object");
    int rc = check_keys(j, keys, file, "labour", err);
    if (rc || (rc = get_num(j, "threshold", 0, 10, &lp->threshold, NULL, file, "labour", err)) ||
        (rc = get_num(j, "exclude_at", 0, 10, &lp->exclude_at, NULL, file, "labour", err)) ||
        (rc = get_num(j, "penalty", 0, 1e6, &lp->penalty, NULL, file, "labour", err)))
        return rc;
    if (lp->exclude_at <= lp->threshold)
        return bad(err, file, "labour.exclude_at", "must be above labour.threshold");
    return ORDO_OK;
}

/* The "labour" object; left out when it is the default (policies written
 * before it keep their versions). */
static void write_labour(ordo_jsonw_t *w, const ordo_labour_policy_t *lp)
{
    ordo_labour_policy_t d;
    ordo_labour_policy_default(&d);
    if (lp->threshold == d.threshold && lp->exclude_at == d.exclude_at &&
        lp->penalty == d.penalty)
        return;
    ordo_jsonw_key(w, "labour");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "threshold", lp->threshold);
    ordo_jsonw_kdouble(w, "exclude_at", lp->exclude_at);
    ordo_jsonw_kdouble(w, "penalty", lp->penalty);
    ordo_jsonw_obj_end(w);
}

/* "eta": "learned" (default) or "published" (learned lanes, source.h). */
static int parse_eta(const cJSON *j, bool *published, const char *file, ordo_error_t *err)
{
    *published = false;
    if (!j)
        return ORDO_OK;
    const char *v = cJSON_GetStringValue(j);
    if (!v || (strcmp(v, "learned") && strcmp(v, "published")))
        return bad(err, file, "eta", "must be \"learned\" or \"published\"");
    *published = !strcmp(v, "published");
    return ORDO_OK;
}

int ordo_policy_from_cjson(const cJSON *j, const char *file, ordo_policy_t **out, ordo_error_t *err)
{
    static const char *const keys[] = {"name",     "description",      "constraints", "strategies",
                                       "fallback", "fallback_nearest", "service",
                                       "risk",     "carrier_caps",     "labour",
                                       "eta",      "network_value", NULL};
    *out = NULL;
    if (!cJSON_IsObject(j))
        return bad(err, file, "", "a policy must be a JSON object");
    ordo_policy_t *p = calloc(1, sizeof *p);
    if (!p)
        return ordo_error_set(err, ORDO_ENOMEM, file, 0, NULL, "out of memory");
    int rc = check_keys(j, keys, file, "", err);
    if (rc)
        goto fail;
    if ((rc = get_str(j, "name", p->name, sizeof p->name, true, file, "", err)) ||
        (rc = get_str(j, "description", p->description, sizeof p->description, false, file, "",
                      err)))
        goto fail;
    constraints_default(&p->constraints);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "constraints");
    if (c && (rc = parse_constraints(c, true, &p->constraints, file, "constraints", err)))
        goto fail;
    if (c && (rc = parse_partial(c, &p->partial, file, err)))
        goto fail;
    p->fallback_nearest = true;
    if ((rc = get_bool(j, "fallback_nearest", &p->fallback_nearest, file, "", err)) ||
        (rc = parse_service(cJSON_GetObjectItemCaseSensitive(j, "service"), &p->service, file,
                            err)) ||
        (rc = ordo_risk_policy_parse(j, &p->risk, file, err)) ||
        (rc = parse_labour(cJSON_GetObjectItemCaseSensitive(j, "labour"), &p->labour, file, err)) ||
        (rc = parse_eta(cJSON_GetObjectItemCaseSensitive(j, "eta"), &p->eta_published, file, err)) ||
        (rc = get_bool(j, "network_value", &p->network_value, file, "", err)))
        goto fail;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "strategies");
    if (!s) {
        rc = bad(err, file, "strategies", "missing");
        goto fail;
    }
    if ((rc = parse_strategies(s, p->strategies, &p->n_strategies, &p->constraints, file,
                               "strategies", err)))
        goto fail;
    if (p->n_strategies == 0) {
        rc = bad(err, file, "strategies", "needs at least one strategy");
        goto fail;
    }
    const cJSON *fb = cJSON_GetObjectItemCaseSensitive(j, "fallback");
    if (fb && (rc = parse_strategies(fb, p->fallbacks, &p->n_fallbacks, &p->constraints, file,
                                     "fallback", err)))
        goto fail;
    /* version: hash of the compact canonical form */
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_policy_write_json(p, &w);
    if ((rc = ordo_jsonw_finish(&w))) {
        ordo_buf_free(&b);
        rc = ordo_error_set(err, rc, file, 0, NULL, "cannot serialize the policy");
        goto fail;
    }
    uint64_t h = fnv1a64(b.data, b.len);
    ordo_buf_free(&b);
    snprintf(p->version, sizeof p->version, "%016llx", (unsigned long long)h);
    *out = p;
    return ORDO_OK;
fail:
    ordo_policy_destroy(p);
    return rc;
}

int ordo_policy_parse(const char *json, size_t len, const char *name, ordo_policy_t **out,
                      ordo_error_t *err)
{
    *out = NULL;
    /* UTF-8, keys given twice, numbers: refused here (core/json.c) */
    cJSON *j;
    int rc = ordo_json_parse_doc(json, len, name, 0, &j, err);
    if (rc)
        return rc;
    rc = ordo_policy_from_cjson(j, name, out, err);
    cJSON_Delete(j);
    return rc;
}

/* ---- canonical form ---- */

static void write_types(ordo_jsonw_t *w, unsigned mask)
{
    ordo_jsonw_arr_begin(w);
    for (int t = 0; t < ORDO_NODE_TYPES; t++)
        if (mask & (1u << t))
            ordo_jsonw_str(w, ordo_node_type_name((ordo_node_type_t)t));
    ordo_jsonw_arr_end(w);
}

static void write_groups(ordo_jsonw_t *w, const char names[8][ORDO_ID_MAX], uint32_t n)
{
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < n; i++)
        ordo_jsonw_str(w, names[i]);
    ordo_jsonw_arr_end(w);
}

static void write_constraints(ordo_jsonw_t *w, const ordo_constraints_t *c, bool guardrails,
                              const ordo_partial_t *partial)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kint(w, "max_shipments", c->max_shipments);
    ordo_jsonw_kbool(w, "allow_line_split", c->allow_line_split);
    ordo_jsonw_key(w, "node_types");
    write_types(w, c->node_types);
    ordo_jsonw_key(w, "node_groups");
    write_groups(w, c->allow_groups, c->n_allow_groups);
    ordo_jsonw_key(w, "exclude_node_groups");
    write_groups(w, c->exclude_groups, c->n_exclude_groups);
    ordo_jsonw_kdouble(w, "min_on_time", c->min_on_time);
    ordo_jsonw_kbool(w, "respect_capacity", c->respect_capacity);
    ordo_jsonw_kbool(w, "respect_safety_stock", c->respect_safety_stock);
    if (guardrails) {
        ordo_jsonw_key(w, "guardrails");
        ordo_jsonw_arr_begin(w);
        for (uint32_t i = 0; i < c->n_guardrails; i++) {
            const ordo_guardrail_t *g = &c->guardrails[i];
            ordo_jsonw_obj_begin(w);
            if (g->when) {
                ordo_jsonw_key(w, "when");
                ordo_cond_write_json(g->when, w);
            }
            if (g->max_zone)
                ordo_jsonw_kint(w, "max_zone", g->max_zone);
            if (g->max_miles > 0)
                ordo_jsonw_kdouble(w, "max_miles", g->max_miles);
            ordo_jsonw_obj_end(w);
        }
        ordo_jsonw_arr_end(w);
    }
    write_partial(w, partial);
    ordo_jsonw_obj_end(w);
}

static void write_strategy(ordo_jsonw_t *w, const ordo_strategy_t *s)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "name", s->name);
    if (s->when) {
        ordo_jsonw_key(w, "when");
        ordo_cond_write_json(s->when, w);
    }
    ordo_jsonw_kstr(w, "type", s->kind == ORDO_STRATEGY_WEIGHTED ? "weighted" : "criteria");
    if (s->kind == ORDO_STRATEGY_WEIGHTED) {
        ordo_jsonw_key(w, "weights");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kdouble(w, "cost", s->weights.cost);
        if (s->weights.economic != 1.0) /* the default is left out: versions stay put */
            ordo_jsonw_kdouble(w, "economic", s->weights.economic);
        ordo_jsonw_kdouble(w, "on_time", s->weights.on_time);
        ordo_jsonw_kdouble(w, "return_risk", s->weights.return_risk);
        ordo_jsonw_kdouble(w, "load", s->weights.load);
        ordo_jsonw_kdouble(w, "split", s->weights.split);
        ordo_jsonw_kdouble(w, "overstock", s->weights.overstock);
        ordo_jsonw_obj_end(w);
    } else {
        ordo_jsonw_key(w, "criteria");
        ordo_jsonw_arr_begin(w);
        for (uint32_t i = 0; i < s->n_criteria; i++) {
            const ordo_criterion_t *k = &s->criteria[i];
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kstr(w, "criterion", crit_names[k->kind]);
            if (k->has_min)
                ordo_jsonw_kdouble(w, "min", k->min);
            if (k->has_max)
                ordo_jsonw_kdouble(w, "max", k->max);
            ordo_jsonw_kdouble(w, "resolution", k->resolution);
            if (k->kind == ORDO_CRIT_COST || k->kind == ORDO_CRIT_DAYS_OF_SUPPLY)
                ordo_jsonw_kdouble(w, "scale", k->scale);
            if (k->kind == ORDO_CRIT_NODE_TYPE) {
                ordo_jsonw_key(w, "order");
                ordo_jsonw_arr_begin(w);
                for (uint32_t t = 0; t < k->n_types; t++)
                    ordo_jsonw_str(w, ordo_node_type_name(k->type_order[t]));
                ordo_jsonw_arr_end(w);
            }
            ordo_jsonw_obj_end(w);
        }
        ordo_jsonw_arr_end(w);
    }
    if (s->has_service_target)
        ordo_jsonw_kdouble(w, "service_target", s->service_target);
    if (s->has_constraints) {
        ordo_jsonw_key(w, "constraints");
        write_constraints(w, &s->constraints, false, NULL);
    }
    ordo_jsonw_obj_end(w);
}

void ordo_policy_write_json(const ordo_policy_t *p, ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "name", p->name);
    ordo_jsonw_kstr(w, "description", p->description);
    ordo_jsonw_key(w, "constraints");
    write_constraints(w, &p->constraints, true, &p->partial);
    ordo_jsonw_key(w, "strategies");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < p->n_strategies; i++)
        write_strategy(w, &p->strategies[i]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "fallback");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < p->n_fallbacks; i++)
        write_strategy(w, &p->fallbacks[i]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_kbool(w, "fallback_nearest", p->fallback_nearest);
    write_service(w, &p->service);
    ordo_risk_policy_write(&p->risk, w);
    write_labour(w, &p->labour);
    if (p->eta_published) /* left out at the default, so versions stay */
        ordo_jsonw_kstr(w, "eta", "published");
    if (p->network_value) /* as "eta": versions of other policies stay */
        ordo_jsonw_kbool(w, "network_value", true);
    ordo_jsonw_obj_end(w);
}
