/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — a policy's risk terms: the "risk" object (stale stock, customer
 * value, cancellation) and the "carrier_caps" list (docs/policies.md,
 * "Risk"). Parsed strictly (unknown keys, NaN, out-of-range values are
 * errors naming the field); written in the canonical form only when given,
 * so a policy without them keeps its version. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy_internal.h"
#include "risk_internal.h"

void ordo_risk_policy_default(ordo_risk_policy_t *r)
{
    memset(r, 0, sizeof *r);
    /* a store's count is touched by shoppers, returns and shrink: it goes
     * stale in days; a DC's cycle-counted stock in weeks; a supplier's feed
     * in a week */
    r->half_life_hours[ORDO_NODE_DC] = 720;
    r->half_life_hours[ORDO_NODE_STORE] = 72;
    r->half_life_hours[ORDO_NODE_DROPSHIP] = 168;
    r->short_pick_cost = 15;
    r->unknown_age_hours = 0;
    r->ltv_reference = 0;
    r->ltv_max_weight = 3;
    r->cancel_base = 0.01;
    r->cancel_per_day_late = 0.08;
    r->cancel_max = 0.5;
    r->cancel_cost_per_shipment = 5;
    r->cancel_value_share = 0.3;
}

/* field.key into f */
static const char *fld(char *f, size_t n, const char *field, const char *key)
{
    snprintf(f, n, "%s.%s", field, key);
    return f;
}

static int rbad(ordo_error_t *err, const char *file, const char *field, const char *msg)
{
    return ordo_error_set(err, ORDO_EINVAL, file, 0, field, "%s", msg);
}

/* An object whose keys are all in `allowed` (NULL-terminated). */
static int robject(const cJSON *j, const char *const *allowed, const char *file, const char *field,
                   ordo_error_t *err)
{
    if (!cJSON_IsObject(j))
        return rbad(err, file, field, "must be an object");
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok |= !strcmp(*a, it->string);
        if (!ok) {
            char f[ORDO_ERROR_FIELD_MAX];
            return ordo_error_set(err, ORDO_EINVAL, file, 0, fld(f, sizeof f, field, it->string),
                                  "unknown field '%s'", it->string);
        }
    }
    return ORDO_OK;
}

/* Numbers of one object, by a table: key, range, destination. */
typedef struct rfield {
    const char *key;
    double lo, hi;
    double *dst;
} rfield_t;

static int rnums(const cJSON *j, const rfield_t *t, size_t n, const char *file, const char *field,
                 ordo_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = ordo_policy_num(j, t[i].key, t[i].lo, t[i].hi, t[i].dst, file, field, err);
        if (rc)
            return rc;
    }
    return ORDO_OK;
}

static int parse_stale(const cJSON *j, ordo_risk_policy_t *r, const char *file, ordo_error_t *err)
{
    static const char *const keys[] = {"half_life_hours", "short_pick_cost", "unknown_age_hours",
                                       NULL};
    static const char *const types[] = {"dc", "store", "dropship", NULL};
    const char *F = "risk.stale_stock";
    int rc = robject(j, keys, file, F, err);
    rfield_t t[] = {{"short_pick_cost", 0, 1e6, &r->short_pick_cost},
                    {"unknown_age_hours", 0, 1e6, &r->unknown_age_hours}};
    if (rc || (rc = rnums(j, t, 2, file, F, err)))
        return rc;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "half_life_hours");
    if (h) {
        const char *HF = "risk.stale_stock.half_life_hours";
        if ((rc = robject(h, types, file, HF, err)))
            return rc;
        rfield_t ht[] = {{"dc", 0, 1e6, &r->half_life_hours[ORDO_NODE_DC]},
                         {"store", 0, 1e6, &r->half_life_hours[ORDO_NODE_STORE]},
                         {"dropship", 0, 1e6, &r->half_life_hours[ORDO_NODE_DROPSHIP]}};
        if ((rc = rnums(h, ht, 3, file, HF, err)))
            return rc;
    }
    r->stale_stock = true;
    return ORDO_OK;
}

static int parse_cohorts(const cJSON *c, ordo_risk_policy_t *r, const char *file, ordo_error_t *err)
{
    const char *F = "risk.customer_value.cohorts";
    if (!cJSON_IsObject(c))
        return rbad(err, file, F, "must be an object of cohort: weight");
    const cJSON *it;
    char f[ORDO_ERROR_FIELD_MAX];
    cJSON_ArrayForEach(it, c)
    {
        fld(f, sizeof f, F, it->string);
        if (r->n_cohorts == ORDO_MAX_VALUE_COHORTS)
            return rbad(err, file, f, "at most 8 cohorts");
        if (!it->string[0] || strlen(it->string) >= ORDO_ID_MAX)
            return rbad(err, file, f, "a cohort name must be 1 to 63 characters");
        double v = 1;
        int rc = ordo_policy_num(c, it->string, 0, 100, &v, file, F, err);
        if (rc)
            return rc;
        snprintf(r->cohort[r->n_cohorts], ORDO_ID_MAX, "%s", it->string);
        r->cohort_weight[r->n_cohorts++] = v;
    }
    return ORDO_OK;
}

static int parse_value(const cJSON *j, ordo_risk_policy_t *r, const char *file, ordo_error_t *err)
{
    static const char *const keys[] = {"cohorts", "ltv_reference", "ltv_max_weight", NULL};
    const char *F = "risk.customer_value";
    int rc = robject(j, keys, file, F, err);
    rfield_t t[] = {{"ltv_reference", 0, 1e9, &r->ltv_reference},
                    {"ltv_max_weight", 1, 100, &r->ltv_max_weight}};
    if (rc || (rc = rnums(j, t, 2, file, F, err)))
        return rc;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "cohorts");
    if (c && (rc = parse_cohorts(c, r, file, err)))
        return rc;
    r->customer_value = true;
    return ORDO_OK;
}

static int parse_cancel(const cJSON *j, ordo_risk_policy_t *r, const char *file, ordo_error_t *err)
{
    static const char *const keys[] = {
        "base", "per_day_late", "max", "cost_per_shipment", "value_share", NULL};
    const char *F = "risk.cancellation";
    int rc = robject(j, keys, file, F, err);
    rfield_t t[] = {{"base", 0, 1, &r->cancel_base},
                    {"per_day_late", 0, 1, &r->cancel_per_day_late},
                    {"max", 0, 1, &r->cancel_max},
                    {"cost_per_shipment", 0, 1e6, &r->cancel_cost_per_shipment},
                    {"value_share", 0, 10, &r->cancel_value_share}};
    if (rc || (rc = rnums(j, t, 5, file, F, err)))
        return rc;
    if (r->cancel_base > r->cancel_max)
        return rbad(err, file, "risk.cancellation.base", "cannot be above max");
    r->cancellation = true;
    return ORDO_OK;
}

static int parse_cap(const cJSON *j, ordo_carrier_cap_t *cap, const char *file, const char *F,
                     ordo_error_t *err)
{
    static const char *const keys[] = {"carrier", "max_share", "window_hours", "min_shipments",
                                       NULL};
    char f[ORDO_ERROR_FIELD_MAX];
    int rc = robject(j, keys, file, F, err);
    if (rc)
        return rc;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "carrier");
    fld(f, sizeof f, F, "carrier");
    if (!c)
        return rbad(err, file, f, "missing");
    if (!cJSON_IsString(c) || !c->valuestring[0] || strlen(c->valuestring) >= ORDO_ID_MAX)
        return rbad(err, file, f, "must be a carrier name of 1 to 63 characters");
    snprintf(cap->carrier, sizeof cap->carrier, "%s", c->valuestring);
    double share = -1, hours = 24, min_n = 20;
    rfield_t t[] = {{"max_share", 0, 1, &share},
                    {"window_hours", 1, ORDO_CAP_WINDOW_MAX_HOURS, &hours},
                    {"min_shipments", 0, 1e9, &min_n}};
    if ((rc = rnums(j, t, 3, file, F, err)))
        return rc;
    if (share < 0)
        return rbad(err, file, fld(f, sizeof f, F, "max_share"), "missing");
    if (hours != floor(hours) || min_n != floor(min_n))
        return rbad(err, file,
                    fld(f, sizeof f, F, hours != floor(hours) ? "window_hours" : "min_shipments"),
                    "must be a whole number");
    cap->max_share = share;
    cap->window_hours = (uint32_t)hours;
    cap->min_shipments = (uint32_t)min_n;
    return ORDO_OK;
}

static int parse_caps(const cJSON *a, ordo_risk_policy_t *r, const char *file, ordo_error_t *err)
{
    if (!cJSON_IsArray(a))
        return rbad(err, file, "carrier_caps", "must be an array");
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
    {
        char f[ORDO_ERROR_FIELD_MAX];
        snprintf(f, sizeof f, "carrier_caps[%u]", r->n_caps);
        if (r->n_caps == ORDO_MAX_CARRIER_CAPS)
            return rbad(err, file, f, "at most 8 carrier caps");
        int rc = parse_cap(it, &r->caps[r->n_caps], file, f, err);
        if (rc)
            return rc;
        for (uint32_t k = 0; k < r->n_caps; k++)
            if (!strcmp(r->caps[k].carrier, r->caps[r->n_caps].carrier))
                return rbad(err, file, f, "a carrier is capped twice");
        r->n_caps++;
    }
    return ORDO_OK;
}

/* "parametric" or "learned" (the default): which risk models the engine
 * prices with when it has learned ones (ordo_engine_set_risk). */
static int parse_risk_model(const cJSON *j, ordo_risk_policy_t *r, const char *file,
                            const char *field, ordo_error_t *err)
{
    if (!j)
        return ORDO_OK;
    const char *v = cJSON_GetStringValue(j);
    if (!v || (strcmp(v, "learned") && strcmp(v, "parametric")))
        return ordo_error_set(err, ORDO_EINVAL, file, 0, field,
                              "must be \"learned\" or \"parametric\" (or, for \"risk\", an object)");
    r->parametric = !strcmp(v, "parametric");
    return ORDO_OK;
}

int ordo_risk_policy_parse(const cJSON *policy, ordo_risk_policy_t *r, const char *file,
                           ordo_error_t *err)
{
    static const char *const keys[] = {"stale_stock", "customer_value", "cancellation", "model",
                                       NULL};
    ordo_risk_policy_default(r);
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(policy, "risk");
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(policy, "carrier_caps");
    int rc = ORDO_OK;
    if (cJSON_IsString(j))
        return (rc = parse_risk_model(j, r, file, "risk", err)) || !caps
                   ? rc
                   : parse_caps(caps, r, file, err);
    if (j && (rc = parse_risk_model(cJSON_GetObjectItemCaseSensitive(j, "model"), r, file,
                                    "risk.model", err)))
        return rc;
    if (j) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "stale_stock");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "customer_value");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "cancellation");
        if ((rc = robject(j, keys, file, "risk", err)) ||
            (s && (rc = parse_stale(s, r, file, err))) ||
            (v && (rc = parse_value(v, r, file, err))) ||
            (c && (rc = parse_cancel(c, r, file, err))))
            return rc;
    }
    return caps ? parse_caps(caps, r, file, err) : ORDO_OK;
}

void ordo_risk_policy_write(const ordo_risk_policy_t *r, ordo_jsonw_t *w)
{
    if (r->stale_stock || r->customer_value || r->cancellation) {
        ordo_jsonw_key(w, "risk");
        ordo_jsonw_obj_begin(w);
        if (r->stale_stock) {
            ordo_jsonw_key(w, "stale_stock");
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_key(w, "half_life_hours");
            ordo_jsonw_obj_begin(w);
            for (int t = 0; t < ORDO_NODE_TYPES; t++)
                ordo_jsonw_kdouble(w, ordo_node_type_name((ordo_node_type_t)t),
                                   r->half_life_hours[t]);
            ordo_jsonw_obj_end(w);
            ordo_jsonw_kdouble(w, "short_pick_cost", r->short_pick_cost);
            ordo_jsonw_kdouble(w, "unknown_age_hours", r->unknown_age_hours);
            ordo_jsonw_obj_end(w);
        }
        if (r->customer_value) {
            ordo_jsonw_key(w, "customer_value");
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_key(w, "cohorts");
            ordo_jsonw_obj_begin(w);
            for (uint32_t k = 0; k < r->n_cohorts; k++)
                ordo_jsonw_kdouble(w, r->cohort[k], r->cohort_weight[k]);
            ordo_jsonw_obj_end(w);
            ordo_jsonw_kdouble(w, "ltv_reference", r->ltv_reference);
            ordo_jsonw_kdouble(w, "ltv_max_weight", r->ltv_max_weight);
            ordo_jsonw_obj_end(w);
        }
        if (r->cancellation) {
            ordo_jsonw_key(w, "cancellation");
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kdouble(w, "base", r->cancel_base);
            ordo_jsonw_kdouble(w, "per_day_late", r->cancel_per_day_late);
            ordo_jsonw_kdouble(w, "max", r->cancel_max);
            ordo_jsonw_kdouble(w, "cost_per_shipment", r->cancel_cost_per_shipment);
            ordo_jsonw_kdouble(w, "value_share", r->cancel_value_share);
            ordo_jsonw_obj_end(w);
        }
        if (r->parametric) /* left out at the default, so versions stay */
            ordo_jsonw_kstr(w, "model", "parametric");
        ordo_jsonw_obj_end(w);
    } else if (r->parametric) {
        ordo_jsonw_kstr(w, "risk", "parametric");
    }
    if (!r->n_caps)
        return;
    ordo_jsonw_key(w, "carrier_caps");
    ordo_jsonw_arr_begin(w);
    for (uint32_t k = 0; k < r->n_caps; k++) {
        const ordo_carrier_cap_t *c = &r->caps[k];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "carrier", c->carrier);
        ordo_jsonw_kdouble(w, "max_share", c->max_share);
        ordo_jsonw_kint(w, "window_hours", c->window_hours);
        ordo_jsonw_kint(w, "min_shipments", c->min_shipments);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}
