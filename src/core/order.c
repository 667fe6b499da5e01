/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — order parsing and writing. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cjson_internal.h"
#include "ordo/order.h"
#include "ordo/util.h"

static const char *const level_names[ORDO_LEVELS] = {"standard", "express", "pickup", "two_day",
                                                    "overnight"};

const char *ordo_service_level_name(ordo_service_level_t l)
{
    return (unsigned)l < ORDO_LEVELS ? level_names[l] : "?";
}

int ordo_service_level_parse(const char *s, ordo_service_level_t *out)
{
    for (int i = 0; i < ORDO_LEVELS; i++)
        if (!strcmp(s, level_names[i])) {
            *out = (ordo_service_level_t)i;
            return ORDO_OK;
        }
    return ORDO_EINVAL;
}

static int fail(ordo_error_t *err, int code, const char *field, const char *fmt, const char *a)
{
    return ordo_error_set(err, code, NULL, 0, field, fmt, a ? a : "");
}

static int check_keys(const cJSON *obj, const char *const *allowed, const char *prefix,
                      ordo_error_t *err)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *const *a = allowed;
        while (*a && strcmp(*a, it->string))
            a++;
        if (!*a) {
            char f[ORDO_ERROR_FIELD_MAX];
            snprintf(f, sizeof f, "%s%s", prefix, it->string);
            const char *near = ordo_suggest(it->string, allowed);
            if (near)
                return ordo_error_set(err, ORDO_EPARSE, NULL, 0, f,
                                      "unknown field (did you mean '%s%s'?)", prefix, near);
            return fail(err, ORDO_EPARSE, f, "unknown field%s", "");
        }
        for (const cJSON *later = it->next; later; later = later->next)
            if (!strcmp(it->string, later->string)) {
                char f[ORDO_ERROR_FIELD_MAX];
                snprintf(f, sizeof f, "%s%s", prefix, it->string);
                return fail(err, ORDO_EPARSE, f, "duplicate field%s", "");
            }
    }
    return ORDO_OK;
}

static int opt_string(const cJSON *obj, const char *key, const char *field, ordo_arena_t *a,
                      const char **dst, const char *dflt, ordo_error_t *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        *dst = dflt;
        return ORDO_OK;
    }
    if (!cJSON_IsString(v))
        return fail(err, ORDO_EPARSE, field, "must be a string%s", "");
    *dst = ordo_arena_strdup(a, v->valuestring);
    return *dst ? ORDO_OK : fail(err, ORDO_ENOMEM, field, "out of memory%s", "");
}

static int opt_time(const cJSON *obj, const char *key, int64_t *dst, ordo_error_t *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return ORDO_OK;
    if (!cJSON_IsString(v) || ordo_time_parse(v->valuestring, dst))
        return fail(err, ORDO_EPARSE, key,
                    "must be an ISO 8601 date or time such as 2026-11-24T15:04:05Z%s", "");
    return ORDO_OK;
}

/* "customer": {id, cohort, lifetime_value}, all optional */
static int parse_customer(const cJSON *o, ordo_arena_t *a, ordo_order_t *out, ordo_error_t *err)
{
    static const char *const ckeys[] = {"id", "cohort", "lifetime_value", NULL};
    int rc;
    out->customer_id = "";
    out->cohort = "";
    const cJSON *cust = cJSON_GetObjectItemCaseSensitive(o, "customer");
    if (!cust)
        return ORDO_OK;
    if (!cJSON_IsObject(cust))
        return fail(err, ORDO_EPARSE, "customer", "must be an object%s", "");
    if ((rc = check_keys(cust, ckeys, "customer.", err)) ||
        (rc = opt_string(cust, "id", "customer.id", a, &out->customer_id, "", err)) ||
        (rc = opt_string(cust, "cohort", "customer.cohort", a, &out->cohort, "", err)))
        return rc;
    const cJSON *ltv = cJSON_GetObjectItemCaseSensitive(cust, "lifetime_value");
    if (ltv) {
        if (!cJSON_IsNumber(ltv) || !isfinite(ltv->valuedouble) || ltv->valuedouble < 0)
            return fail(err, ORDO_EPARSE, "customer.lifetime_value",
                        "must be a non-negative number%s", "");
        out->lifetime_value = ltv->valuedouble;
    }
    return ORDO_OK;
}

/* "service_level", and "pickup_store" which a pickup order (only) names */
static int parse_level(const cJSON *o, const ordo_network_t *net, ordo_order_t *out,
                       ordo_error_t *err)
{
    const cJSON *lvl = cJSON_GetObjectItemCaseSensitive(o, "service_level");
    if (lvl) {
        if (!cJSON_IsString(lvl) || ordo_service_level_parse(lvl->valuestring, &out->level))
            return fail(err, ORDO_EPARSE, "service_level",
                        "must be \"standard\", \"express\" or \"pickup\"%s", "");
    }
    const cJSON *pick = cJSON_GetObjectItemCaseSensitive(o, "pickup_store");
    if (out->level == ORDO_LEVEL_PICKUP) {
        if (!cJSON_IsString(pick))
            return fail(err, ORDO_EPARSE, "pickup_store",
                        "a pickup order must name its store%s", "");
        int32_t n = ordo_network_node(net, pick->valuestring);
        if (n < 0)
            return fail(err, ORDO_ENOTFOUND, "pickup_store", "unknown node '%s'",
                        pick->valuestring);
        if (!(net->nodes[n].caps & ORDO_CAP_PICKUP))
            return fail(err, ORDO_EINVAL, "pickup_store", "node '%s' does not offer pickup",
                        pick->valuestring);
        out->pickup_node = n;
    } else if (pick) {
        return fail(err, ORDO_EINVAL, "pickup_store",
                    "only a pickup order names a pickup store%s", "");
    }
    return ORDO_OK;
}

/* "ship_to": {zip, residential}; a pickup order ships to its store */
static int parse_ship_to(const cJSON *o, const ordo_network_t *net, ordo_order_t *out,
                         ordo_error_t *err)
{
    static const char *const skeys[] = {"zip", "residential", NULL};
    int rc;
    const cJSON *ship = cJSON_GetObjectItemCaseSensitive(o, "ship_to");
    if (ship) {
        if (!cJSON_IsObject(ship))
            return fail(err, ORDO_EPARSE, "ship_to", "must be an object%s", "");
        if ((rc = check_keys(ship, skeys, "ship_to.", err)))
            return rc;
        const cJSON *zip = cJSON_GetObjectItemCaseSensitive(ship, "zip");
        if (!cJSON_IsString(zip) ||
            ordo_zip_parse(zip->valuestring, strlen(zip->valuestring), &out->ship_zip))
            return fail(err, ORDO_EPARSE, "ship_to.zip", "must be a 5-digit ZIP string%s", "");
        ordo_zip_t buf;
        if (!ordo_geo_zip_or_zip3(net->geo, out->ship_zip, &buf, &out->ship_zip_approx))
            return fail(err, ORDO_ENOTFOUND, "ship_to.zip",
                        "unknown ZIP '%s' (its ZIP3 is not a US ZIP3 either)", zip->valuestring);
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(ship, "residential");
        if (res) {
            if (!cJSON_IsBool(res))
                return fail(err, ORDO_EPARSE, "ship_to.residential", "must be true or false%s",
                            "");
            out->residential = cJSON_IsTrue(res);
        }
    } else if (out->pickup_node >= 0) {
        out->ship_zip = net->nodes[out->pickup_node].zip;
    } else {
        return fail(err, ORDO_EPARSE, "ship_to", "missing: a shipped order needs ship_to.zip%s",
                    "");
    }
    ordo_zip_t buf;
    bool approx;
    const ordo_zip_t *z = ordo_geo_zip_or_zip3(net->geo, out->ship_zip, &buf, &approx);
    out->ship_zip3 = z->zip3;
    memcpy(out->state, z->state, 3);
    return ORDO_OK;
}

/* lines[i]: {sku, quantity}; a SKU appears on one line only */
static int parse_line(const cJSON *l, int i, const ordo_network_t *net, ordo_order_t *out,
                      ordo_error_t *err)
{
    static const char *const lkeys[] = {"sku", "quantity", NULL};
    char f[ORDO_ERROR_FIELD_MAX];
    snprintf(f, sizeof f, "lines[%d]", i);
    if (!cJSON_IsObject(l))
        return fail(err, ORDO_EPARSE, f, "must be an object%s", "");
    char pre[40];
    snprintf(pre, sizeof pre, "lines[%d].", i);
    int rc = check_keys(l, lkeys, pre, err);
    if (rc)
        return rc;
    const cJSON *sku = cJSON_GetObjectItemCaseSensitive(l, "sku");
    const cJSON *qty = cJSON_GetObjectItemCaseSensitive(l, "quantity");
    snprintf(f, sizeof f, "lines[%d].sku", i);
    if (!cJSON_IsString(sku))
        return fail(err, ORDO_EPARSE, f, "missing or not a string%s", "");
    int32_t si = ordo_network_sku(net, sku->valuestring);
    if (si < 0)
        return fail(err, ORDO_ENOTFOUND, f, "unknown SKU '%s'", sku->valuestring);
    snprintf(f, sizeof f, "lines[%d].quantity", i);
    if (!cJSON_IsNumber(qty) || qty->valuedouble != floor(qty->valuedouble) ||
        qty->valuedouble < 1 || qty->valuedouble > 1e6)
        return fail(err, ORDO_EINVAL, f, "must be an integer from 1 to 1000000%s", "");
    for (int j = 0; j < i; j++)
        if (out->lines[j].sku == (uint32_t)si) {
            snprintf(f, sizeof f, "lines[%d].sku", i); /* the SKU repeats */
            return fail(err, ORDO_EEXIST, f, "SKU '%s' appears on two lines", sku->valuestring);
        }
    out->lines[i].sku = (uint32_t)si;
    out->lines[i].quantity = (uint32_t)qty->valuedouble;
    return ORDO_OK;
}

static int parse_lines(const cJSON *o, const ordo_network_t *net, ordo_arena_t *a,
                       ordo_order_t *out, ordo_error_t *err)
{
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(o, "lines");
    int nl = cJSON_IsArray(lines) ? cJSON_GetArraySize(lines) : -1;
    if (nl < 1 || nl > ORDO_ORDER_MAX_LINES)
        return fail(err, ORDO_EPARSE, "lines", "must be an array of 1..64 lines%s", "");
    out->lines = ordo_arena_calloc(a, (size_t)nl, sizeof(ordo_order_line_t));
    if (!out->lines || !out->id)
        return fail(err, ORDO_ENOMEM, NULL, "out of memory%s", "");
    int i = 0;
    for (const cJSON *l = lines->child; l; l = l->next, i++) {
        int rc = parse_line(l, i, net, out, err);
        if (rc)
            return rc;
    }
    out->n_lines = (uint32_t)nl;
    return ORDO_OK;
}

int ordo_order_from_cjson(const cJSON *o, const ordo_network_t *net, ordo_arena_t *a,
                          ordo_order_t *out, ordo_error_t *err)
{
    static const char *const keys[] = {"id",      "created",       "customer",     "ship_to",
                                       "channel", "service_level", "pickup_store", "lines",
                                       "promise_date", "promotion", NULL};
    int rc;
    memset(out, 0, sizeof *out);
    out->pickup_node = -1;
    out->residential = true;
    if (!cJSON_IsObject(o))
        return fail(err, ORDO_EPARSE, NULL, "an order must be a JSON object%s", "");
    if ((rc = check_keys(o, keys, "", err)))
        return rc;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (!cJSON_IsString(id) || !id->valuestring[0])
        return fail(err, ORDO_EPARSE, "id", "missing or not a non-empty string%s", "");
    size_t idn = strlen(id->valuestring);
    if (idn > ORDO_ORDER_ID_MAX)
        return ordo_error_set(err, ORDO_EPARSE, NULL, 0, "id", "too long (%zu bytes, at most %d)",
                              idn, ORDO_ORDER_ID_MAX);
    if (!ordo_utf8_valid(id->valuestring, idn))
        return ordo_error_set(err, ORDO_EPARSE, NULL, 0, "id", "invalid UTF-8 at byte %zu",
                              ordo_utf8_check(id->valuestring, idn));
    out->id = ordo_arena_strdup(a, id->valuestring);
    if ((rc = opt_time(o, "created", &out->created, err)) ||
        (rc = opt_time(o, "promise_date", &out->promise, err)) ||
        (rc = opt_string(o, "channel", "channel", a, &out->channel, "web", err)) ||
        (rc = opt_string(o, "promotion", "promotion", a, &out->promotion, "", err)) ||
        (rc = parse_customer(o, a, out, err)) || (rc = parse_level(o, net, out, err)) ||
        (rc = parse_ship_to(o, net, out, err)))
        return rc;
    return parse_lines(o, net, a, out, err);
}

int ordo_order_parse(const char *json, size_t len, const ordo_network_t *net, ordo_arena_t *a,
                     ordo_order_t *out, ordo_error_t *err)
{
    if (ordo_order_parse_fast(json, len, net, a, out)) /* the common shape, no tree */
        return ORDO_OK;
    cJSON *root;
    int rc0 = ordo_json_parse_doc(json, len, NULL, -1, &root, err);
    if (rc0)
        return rc0;
    int rc = ordo_order_from_cjson(root, net, a, out, err);
    cJSON_Delete(root);
    return rc;
}

double ordo_order_value(const ordo_order_t *o, const ordo_network_t *net)
{
    double v = 0;
    for (uint32_t i = 0; i < o->n_lines; i++)
        v += o->lines[i].quantity * net->skus[o->lines[i].sku].price;
    return v;
}

void ordo_order_write_json(const ordo_order_t *o, const ordo_network_t *net, ordo_jsonw_t *w)
{
    char buf[32];
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "id", o->id);
    if (o->created)
        ordo_jsonw_kstr(w, "created", ordo_time_format(o->created, buf, sizeof buf));
    if ((o->customer_id && o->customer_id[0]) || (o->cohort && o->cohort[0]) ||
        o->lifetime_value > 0) {
        ordo_jsonw_key(w, "customer");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "id", o->customer_id ? o->customer_id : "");
        ordo_jsonw_kstr(w, "cohort", o->cohort ? o->cohort : "");
        ordo_jsonw_kdouble(w, "lifetime_value", o->lifetime_value);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_key(w, "ship_to");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "zip", ordo_zip_format(o->ship_zip, buf));
    ordo_jsonw_kbool(w, "residential", o->residential);
    ordo_jsonw_obj_end(w);
    ordo_jsonw_kstr(w, "channel", o->channel ? o->channel : "web");
    if (o->promotion && o->promotion[0])
        ordo_jsonw_kstr(w, "promotion", o->promotion);
    ordo_jsonw_kstr(w, "service_level", ordo_service_level_name(o->level));
    if (o->pickup_node >= 0)
        ordo_jsonw_kstr(w, "pickup_store", net->nodes[o->pickup_node].id);
    if (o->promise)
        ordo_jsonw_kstr(w, "promise_date", ordo_time_format(o->promise, buf, sizeof buf));
    ordo_jsonw_key(w, "lines");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < o->n_lines; i++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "sku", net->skus[o->lines[i].sku].id);
        ordo_jsonw_kint(w, "quantity", o->lines[i].quantity);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    ordo_jsonw_obj_end(w);
}
