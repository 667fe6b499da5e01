/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — network loading: network.json (cJSON), catalog.csv and
 * inventory.csv, with strict validation, and the node × ZIP3 tables. */
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson_internal.h"
#include "ordo/calendar.h"
#include "ordo/inventory.h"
#include "ordo/network.h"
#include "ordo/util.h"

/* ---- enums ---- */

static const char *const node_type_names[] = {"dc", "store", "dropship"};
static const char *const service_names[] = {"ground", "two_day", "overnight"};

const char *ordo_node_type_name(ordo_node_type_t t)
{
    return (unsigned)t < ORDO_NODE_TYPES ? node_type_names[t] : "?";
}

int ordo_node_type_parse(const char *s, ordo_node_type_t *out)
{
    for (int i = 0; i < ORDO_NODE_TYPES; i++)
        if (!strcmp(s, node_type_names[i])) {
            *out = (ordo_node_type_t)i;
            return ORDO_OK;
        }
    return ORDO_EINVAL;
}

const char *ordo_service_name(ordo_service_t s)
{
    return (unsigned)s < ORDO_SERVICES ? service_names[s] : "?";
}

int ordo_service_parse(const char *s, ordo_service_t *out)
{
    for (int i = 0; i < ORDO_SERVICES; i++)
        if (!strcmp(s, service_names[i])) {
            *out = (ordo_service_t)i;
            return ORDO_OK;
        }
    return ORDO_EINVAL;
}

/* ---- lifecycle and lookups ---- */

ordo_network_t *ordo_network_new(const ordo_geo_t *geo)
{
    ordo_network_t *net = calloc(1, sizeof *net);
    if (!net)
        return NULL;
    net->geo = geo ? geo : ordo_geo_default();
    if (!net->geo) {
        free(net);
        return NULL;
    }
    return net;
}

void ordo_network_destroy(ordo_network_t *net)
{
    if (!net)
        return;
    free(net->nodes);
    ordo_strmap_destroy(net->node_index);
    free(net->services);
    free(net->skus);
    ordo_strmap_destroy(net->sku_index);
    ordo_inventory_destroy(net->inventory);
    free(net->cell_demand);
    free(net->returns);
    free(net->miles);
    free(net->zone);
    free(net->inbound);
    free(net);
}

int32_t ordo_network_node(const ordo_network_t *net, const char *id)
{
    uint32_t v;
    return ordo_strmap_get(net->node_index, id, strlen(id), &v) ? (int32_t)v : -1;
}

int32_t ordo_network_sku_n(const ordo_network_t *net, const char *id, size_t n)
{
    uint32_t v;
    return ordo_strmap_get(net->sku_index, id, n, &v) ? (int32_t)v : -1;
}

int32_t ordo_network_sku(const ordo_network_t *net, const char *id)
{
    return ordo_network_sku_n(net, id, strlen(id));
}

int32_t ordo_network_service(const ordo_network_t *net, const char *id)
{
    for (uint32_t i = 0; i < net->n_services; i++)
        if (!strcmp(net->services[i].id, id))
            return (int32_t)i;
    return -1;
}

int32_t ordo_network_group(const ordo_network_t *net, const char *name)
{
    for (uint32_t i = 0; i < net->n_groups; i++)
        if (!strcmp(net->groups[i], name))
            return (int32_t)i;
    return -1;
}

int32_t ordo_network_family(const ordo_network_t *net, const char *name)
{
    for (uint32_t i = 0; i < net->n_families; i++)
        if (!strcmp(net->families[i], name))
            return (int32_t)i;
    return -1;
}

/* ---- network.json ---- */

typedef struct jctx {
    const char *file;
    ordo_error_t *err;
    char path[ORDO_ERROR_FIELD_MAX];
} jctx_t;

static int jfail(jctx_t *c, const char *field, int code, const char *fmt, const char *arg)
{
    char f[ORDO_ERROR_FIELD_MAX];
    if (field && *field)
        snprintf(f, sizeof f, "%s%s%s", c->path, c->path[0] ? "." : "", field);
    else
        snprintf(f, sizeof f, "%s", c->path);
    return ordo_error_set(c->err, code, c->file, 0, f, fmt, arg ? arg : "");
}

/* Rejects keys not in the allowed list: a typo must not be silently ignored. */
static int check_keys(jctx_t *c, const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (!strcmp(it->string, *a)) {
                ok = 1;
                break;
            }
        if (!ok)
            return jfail(c, it->string, ORDO_EPARSE, "unknown field%s", "");
        for (const cJSON *later = it->next; later; later = later->next)
            if (!strcmp(it->string, later->string))
                return jfail(c, it->string, ORDO_EPARSE, "duplicate field%s", "");
    }
    return ORDO_OK;
}

static int get_str(jctx_t *c, const cJSON *obj, const char *key, char *dst, size_t cap,
                   int required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required)
            return jfail(c, key, ORDO_EPARSE, "missing required field%s", "");
        return ORDO_OK;
    }
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return jfail(c, key, ORDO_EPARSE, "must be a non-empty string%s", "");
    if (strlen(v->valuestring) >= cap)
        return jfail(c, key, ORDO_ERANGE, "too long: '%s'", v->valuestring);
    snprintf(dst, cap, "%s", v->valuestring);
    return ORDO_OK;
}

static int get_num(jctx_t *c, const cJSON *obj, const char *key, double *dst, int required,
                   double lo, double hi)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required)
            return jfail(c, key, ORDO_EPARSE, "missing required field%s", "");
        return ORDO_OK;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return jfail(c, key, ORDO_EPARSE, "must be a number%s", "");
    if (v->valuedouble < lo || v->valuedouble > hi) {
        char buf[96];
        snprintf(buf, sizeof buf, "%g not in [%g, %g]", v->valuedouble, lo, hi);
        return jfail(c, key, ORDO_ERANGE, "%s", buf);
    }
    *dst = v->valuedouble;
    return ORDO_OK;
}

static int get_int(jctx_t *c, const cJSON *obj, const char *key, long *dst, int required, long lo,
                   long hi)
{
    double d = (double)*dst;
    int rc = get_num(c, obj, key, &d, required, (double)lo, (double)hi);
    if (rc)
        return rc;
    if (d != floor(d))
        return jfail(c, key, ORDO_EPARSE, "must be an integer%s", "");
    *dst = (long)d;
    return ORDO_OK;
}

/* Bounds of a rate card (docs/formats.md): a bracket's weight in lb, a rate
 * or a per-lb surcharge in USD. */
#define ORDO_NET_WEIGHT_MAX 1e4
#define ORDO_NET_RATE_MAX 1e5

static int parse_double_array(jctx_t *c, const cJSON *arr, const char *key, double *dst,
                              size_t want, double lo, double hi)
{
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) != want) {
        char buf[64];
        snprintf(buf, sizeof buf, "%zu", want);
        return jfail(c, key, ORDO_EPARSE, "must be an array of %s numbers", buf);
    }
    size_t i = 0;
    for (const cJSON *v = arr->child; v; v = v->next, i++) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo)
            return jfail(c, key, ORDO_EPARSE, "element is not a valid number%s", "");
        if (v->valuedouble > hi) {
            char buf[96];
            snprintf(buf, sizeof buf, "element %g not in [%g, %g]", v->valuedouble, lo, hi);
            return jfail(c, key, ORDO_ERANGE, "%s", buf);
        }
        dst[i] = v->valuedouble;
    }
    return ORDO_OK;
}

/* "delivery_days": ["mon", ... "sun"], at least one; default Mon–Fri */
static int parse_delivery_days(jctx_t *c, const cJSON *o, ordo_carrier_service_t *s)
{
    static const char *const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    s->delivery_days = ORDO_WEEK_MON_FRI;
    const cJSON *dd = cJSON_GetObjectItemCaseSensitive(o, "delivery_days");
    if (!dd)
        return ORDO_OK;
    if (!cJSON_IsArray(dd) || cJSON_GetArraySize(dd) < 1)
        return jfail(c, "delivery_days", ORDO_EPARSE, "must be a non-empty array of days%s", "");
    s->delivery_days = 0;
    for (const cJSON *v = dd->child; v; v = v->next) {
        int d = 0;
        while (d < 7 && !(cJSON_IsString(v) && !strcmp(v->valuestring, names[d])))
            d++;
        if (d == 7)
            return jfail(c, "delivery_days", ORDO_EPARSE, "unknown day '%s' (mon .. sun)",
                         cJSON_IsString(v) ? v->valuestring : "?");
        s->delivery_days |= (uint8_t)(1u << d);
    }
    return ORDO_OK;
}

/* A row of per-zone numbers: 12 (zones 1..12), or 9 (the older format:
 * zones 10..12 take zone 8's value). */
static int parse_zone_row(jctx_t *c, const cJSON *arr, const char *key, double *dst, double hi)
{
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    if (n != ORDO_ZONES && n != ORDO_ZONES_LEGACY)
        return jfail(c, key, ORDO_EPARSE, "must be an array of 12 numbers (or 9: zones 1..9)%s",
                     "");
    int rc = parse_double_array(c, arr, key, dst, (size_t)n, 0, hi);
    for (int z = n; z < ORDO_ZONES; z++)
        dst[z] = dst[7];
    return rc;
}

static int parse_rate_card(jctx_t *c, const cJSON *o, ordo_carrier_service_t *s)
{
    int rc;
    const cJSON *rcard = cJSON_GetObjectItemCaseSensitive(o, "rate_card");
    if (!cJSON_IsObject(rcard))
        return jfail(c, "rate_card", ORDO_EPARSE, "missing or not an object%s", "");
    static const char *const rkeys[] = {"max_weight_lb", "rates", "per_lb_over", NULL};
    size_t plen = strlen(c->path);
    snprintf(c->path + plen, sizeof c->path - plen, ".rate_card");
    if ((rc = check_keys(c, rcard, rkeys)))
        return rc;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(rcard, "max_weight_lb");
    int nb = cJSON_IsArray(w) ? cJSON_GetArraySize(w) : 0;
    if (nb < 1 || nb > ORDO_MAX_BRACKETS)
        return jfail(c, "max_weight_lb", ORDO_EPARSE, "must be an array of 1..32 weights%s", "");
    s->n_brackets = (uint32_t)nb;
    if ((rc = parse_double_array(c, w, "max_weight_lb", s->bracket_max_lb, (size_t)nb, 0,
                                 ORDO_NET_WEIGHT_MAX)))
        return rc;
    for (int b = 0; b < nb; b++)
        if (s->bracket_max_lb[b] <= 0 || (b && s->bracket_max_lb[b] <= s->bracket_max_lb[b - 1]))
            return jfail(c, "max_weight_lb", ORDO_EPARSE,
                         "weights must be positive and ascending%s", "");
    const cJSON *rates = cJSON_GetObjectItemCaseSensitive(rcard, "rates");
    if (!cJSON_IsArray(rates) || cJSON_GetArraySize(rates) != nb)
        return jfail(c, "rates", ORDO_EPARSE, "must have one row per weight bracket%s", "");
    int b = 0;
    for (const cJSON *row = rates->child; row; row = row->next, b++)
        if ((rc = parse_zone_row(c, row, "rates", s->rates[b], ORDO_NET_RATE_MAX)))
            return rc;
    const cJSON *over = cJSON_GetObjectItemCaseSensitive(rcard, "per_lb_over");
    if (over && (rc = parse_zone_row(c, over, "per_lb_over", s->per_lb_over, ORDO_NET_RATE_MAX)))
        return rc;
    c->path[plen] = 0;
    return ORDO_OK;
}

static int parse_transit(jctx_t *c, const cJSON *o, ordo_carrier_service_t *s)
{
    int rc;
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(o, "transit_days");
    int nz = cJSON_IsArray(tr) ? cJSON_GetArraySize(tr) : 0;
    if (nz != ORDO_ZONES && nz != ORDO_ZONES_LEGACY)
        return jfail(c, "transit_days", ORDO_EPARSE,
                     "must be 12 histograms, one per zone 1..12 (or 9: zones 1..9)%s", "");
    int z = 0;
    for (const cJSON *row = tr->child; row; row = row->next, z++) {
        int nd = cJSON_IsArray(row) ? cJSON_GetArraySize(row) : 0;
        if (nd < 1 || nd > ORDO_TRANSIT_DAYS)
            return jfail(c, "transit_days", ORDO_EPARSE,
                         "each zone's histogram has 1..16 daily probabilities%s", "");
        double sum = 0;
        memset(s->transit[z], 0, sizeof s->transit[z]);
        if ((rc = parse_double_array(c, row, "transit_days", s->transit[z], (size_t)nd, 0, 1)))
            return rc;
        for (int d = 0; d < nd; d++)
            sum += s->transit[z][d];
        if (fabs(sum - 1.0) > 1e-3) {
            char buf[64];
            snprintf(buf, sizeof buf, "zone %d sums to %g, not 1", z + 1, sum);
            return jfail(c, "transit_days", ORDO_EPARSE, "%s", buf);
        }
        for (int d = 0; d < nd; d++)
            s->transit[z][d] /= sum;
    }
    for (; z < ORDO_ZONES; z++)
        memcpy(s->transit[z], s->transit[7], sizeof s->transit[z]);
    return ORDO_OK;
}

/* The numbers of one optional sub-object: keys[i] into dst[i]. */
static int parse_rule_obj(jctx_t *c, const cJSON *o, const char *name, const char *const *keys,
                          double *const *dst, double hi)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!r)
        return ORDO_OK;
    if (!cJSON_IsObject(r))
        return jfail(c, name, ORDO_EPARSE, "must be an object%s", "");
    size_t plen = strlen(c->path);
    snprintf(c->path + plen, sizeof c->path - plen, "%s%s", plen ? "." : "", name);
    int rc = check_keys(c, r, keys);
    for (size_t i = 0; !rc && keys[i]; i++)
        rc = get_num(c, r, keys[i], dst[i], 0, 0, hi);
    c->path[plen] = 0;
    return rc;
}

/* "MM-DD" → month × 100 + day. */
static int parse_md(jctx_t *c, const cJSON *w, const char *key, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(w, key);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int m, d;
    char tail;
    if (!cJSON_IsString(v) || strlen(v->valuestring) != 5 ||
        sscanf(v->valuestring, "%2d-%2d%c", &m, &d, &tail) != 2 || m < 1 || m > 12 || d < 1 ||
        d > mdays[m - 1])
        return jfail(c, key, ORDO_EPARSE, "must be a date \"MM-DD\"%s", "");
    *out = m * 100 + d;
    return ORDO_OK;
}

static int parse_peak(jctx_t *c, const cJSON *o, ordo_carrier_service_t *s)
{
    static const char *const keys[] = {"from", "to", "amount", "additional_handling",
                                       "large_package", NULL};
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "peak");
    if (!arr) {
        if (s->peak_surcharge > 0) /* older cards: November and December */
            s->peak[s->n_peak++] = (ordo_peak_window_t){1101, 1231, s->peak_surcharge, 0, 0};
        return ORDO_OK;
    }
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > ORDO_MAX_PEAK_WINDOWS)
        return jfail(c, "peak", ORDO_EPARSE, "must be an array of at most 8 windows%s", "");
    if (s->peak_surcharge > 0)
        return jfail(c, "peak", ORDO_EPARSE, "give peak windows or peak_surcharge, not both%s",
                     "");
    size_t plen = strlen(c->path);
    int rc = ORDO_OK;
    for (const cJSON *w = arr->child; w && !rc; w = w->next) {
        ordo_peak_window_t *p = &s->peak[s->n_peak];
        snprintf(c->path + plen, sizeof c->path - plen, ".peak[%u]", s->n_peak++);
        if (!cJSON_IsObject(w))
            rc = jfail(c, NULL, ORDO_EPARSE, "must be an object%s", "");
        if (!rc)
            rc = check_keys(c, w, keys);
        if (!rc && !(rc = parse_md(c, w, "from", &p->from_md)))
            rc = parse_md(c, w, "to", &p->to_md);
        if (!rc && !(rc = get_num(c, w, "amount", &p->amount, 1, 0, 1000)) &&
            !(rc = get_num(c, w, "additional_handling", &p->additional_handling, 0, 0, 1000)))
            rc = get_num(c, w, "large_package", &p->large_package, 0, 0, 1000);
    }
    if (!rc)
        c->path[plen] = 0;
    return rc;
}

/* Limits, dimensional-weight threshold, rate basis, handling rules. */
static int parse_service_rules(jctx_t *c, const cJSON *o, ordo_carrier_service_t *s)
{
    int rc;
    char basis[16] = "per_parcel";
    if ((rc = get_num(c, o, "dim_min_cubic_in", &s->dim_min_cubic_in, 0, 0, 1e7)) ||
        (rc = get_num(c, o, "min_charge", &s->min_charge, 0, 0, ORDO_NET_RATE_MAX)) ||
        (rc = get_num(c, o, "liftgate_surcharge", &s->liftgate_surcharge, 0, 0, 1000)) ||
        (rc = get_str(c, o, "rate_basis", basis, sizeof basis, 0)))
        return rc;
    if (!strcmp(basis, "per_parcel"))
        s->basis = ORDO_RATE_PER_PARCEL;
    else if (!strcmp(basis, "per_cwt"))
        s->basis = ORDO_RATE_PER_CWT;
    else
        return jfail(c, "rate_basis", ORDO_EPARSE, "unknown '%s' (per_parcel, per_cwt)", basis);
    static const char *const lk[] = {"max_weight_lb", "max_billable_lb", "max_length_in",
                                     "max_length_girth_in", NULL};
    double *const ld[] = {&s->max_weight_lb, &s->max_billable_lb, &s->max_length_in,
                          &s->max_length_girth_in};
    static const char *const ak[] = {"weight_lb",       "weight_amount", "longest_in", "second_in",
                                     "length_girth_in", "amount",        NULL};
    double *const ad[] = {&s->ahs_weight_lb,  &s->ahs_weight_amount,   &s->ahs_longest_in,
                          &s->ahs_second_in, &s->ahs_length_girth_in, &s->ahs_amount};
    static const char *const gk[] = {"length_girth_in", "longest_in", "amount", "min_billable_lb",
                                     NULL};
    double *const gd[] = {&s->large_length_girth_in, &s->large_longest_in, &s->large_amount,
                          &s->large_min_billable_lb};
    if ((rc = parse_rule_obj(c, o, "limits", lk, ld, ORDO_NET_WEIGHT_MAX)) ||
        (rc = parse_rule_obj(c, o, "additional_handling", ak, ad, ORDO_NET_WEIGHT_MAX)) ||
        (rc = parse_rule_obj(c, o, "large_package", gk, gd, ORDO_NET_WEIGHT_MAX)))
        return rc;
    return parse_peak(c, o, s);
}

static int parse_service(jctx_t *c, const cJSON *o, ordo_carrier_service_t *s)
{
    static const char *const keys[] = {
        "id",          "carrier",      "service",          "dim_divisor",
        "fuel_surcharge_pct", "residential_surcharge", "peak_surcharge", "rate_card",
        "transit_days", "dim_min_cubic_in", "rate_basis", "min_charge", "liftgate_surcharge",
        "limits",      "additional_handling", "large_package", "peak", "delivery_days", NULL};
    int rc;
    char svc[32];
    if (!cJSON_IsObject(o))
        return jfail(c, NULL, ORDO_EPARSE, "must be an object%s", "");
    if ((rc = check_keys(c, o, keys)) || (rc = get_str(c, o, "id", s->id, sizeof s->id, 1)) ||
        (rc = get_str(c, o, "carrier", s->carrier, sizeof s->carrier, 1)) ||
        (rc = get_str(c, o, "service", svc, sizeof svc, 1)))
        return rc;
    if (ordo_service_parse(svc, &s->service))
        return jfail(c, "service", ORDO_EPARSE, "unknown service '%s' (ground, two_day, overnight)",
                     svc);
    s->dim_divisor = 139;
    if ((rc = get_num(c, o, "dim_divisor", &s->dim_divisor, 0, 0, 10000)) ||
        (rc = get_num(c, o, "fuel_surcharge_pct", &s->fuel_surcharge_pct, 0, 0, 100)) ||
        (rc = get_num(c, o, "residential_surcharge", &s->residential_surcharge, 0, 0, 1000)) ||
        (rc = get_num(c, o, "peak_surcharge", &s->peak_surcharge, 0, 0, 1000)) ||
        (rc = parse_delivery_days(c, o, s)) || (rc = parse_service_rules(c, o, s)) ||
        (rc = parse_rate_card(c, o, s)))
        return rc;
    return parse_transit(c, o, s);
}

static int add_group(ordo_network_t *net, jctx_t *c, const char *name, uint32_t *idx)
{
    int32_t g = ordo_network_group(net, name);
    if (g < 0) {
        if (net->n_groups >= ORDO_MAX_GROUPS)
            return jfail(c, "groups", ORDO_EFULL, "more than 64 groups%s", "");
        if (strlen(name) >= ORDO_ID_MAX)
            return jfail(c, "groups", ORDO_ERANGE, "group name too long: '%s'", name);
        snprintf(net->groups[net->n_groups], ORDO_ID_MAX, "%s", name);
        g = (int32_t)net->n_groups++;
    }
    *idx = (uint32_t)g;
    return ORDO_OK;
}

/* "time_zone": an IANA name whose file the system's zone database has */
static int parse_time_zone(jctx_t *c, const cJSON *o, ordo_node_t *n)
{
    int rc = get_str(c, o, "time_zone", n->time_zone, sizeof n->time_zone, 0);
    if (rc || !n->time_zone[0])
        return rc;
    ordo_tz_t *tz = NULL;
    ordo_error_t e2 = {0};
    rc = ordo_tz_load(n->time_zone, &tz, &e2);
    ordo_tz_destroy(tz);
    if (rc)
        return jfail(c, "time_zone", rc == ORDO_ENOMEM ? rc : ORDO_ENOTFOUND,
                     "unknown time zone '%s' (an IANA name in the system's tzdata, "
                     "e.g. America/Chicago)",
                     n->time_zone);
    return ORDO_OK;
}

static int parse_node(ordo_network_t *net, jctx_t *c, const cJSON *o, ordo_node_t *n)
{
    static const char *const keys[] = {
        "id", "name", "type", "zip", "capabilities", "daily_capacity", "current_load",
        "pick_cost_per_unit", "pack_cost_per_shipment", "cutoff_hour", "processing_days",
        "services", "priority", "groups", "safety_stock", "active", "time_zone", NULL};
    int rc;
    char type[16], zip[8];
    if (!cJSON_IsObject(o))
        return jfail(c, NULL, ORDO_EPARSE, "must be an object%s", "");
    if ((rc = check_keys(c, o, keys)) || (rc = get_str(c, o, "id", n->id, sizeof n->id, 1)) ||
        (rc = get_str(c, o, "name", n->name, sizeof n->name, 0)) ||
        (rc = get_str(c, o, "type", type, sizeof type, 1)) ||
        (rc = get_str(c, o, "zip", zip, sizeof zip, 1)))
        return rc;
    if (!n->name[0])
        snprintf(n->name, sizeof n->name, "%s", n->id);
    if (ordo_node_type_parse(type, &n->type))
        return jfail(c, "type", ORDO_EPARSE, "unknown node type '%s' (dc, store, dropship)", type);
    if (ordo_zip_parse(zip, strlen(zip), &n->zip))
        return jfail(c, "zip", ORDO_EPARSE, "'%s' is not a 5-digit ZIP", zip);
    const ordo_zip_t *z = ordo_geo_zip(net->geo, n->zip);
    if (!z)
        return jfail(c, "zip", ORDO_ENOTFOUND, "unknown ZIP '%s'", zip);
    n->zip3 = z->zip3;
    n->lat = z->lat;
    n->lon = z->lon;
    memcpy(n->state, z->state, 3);
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(o, "capabilities");
    if (!cJSON_IsArray(caps) || cJSON_GetArraySize(caps) == 0)
        return jfail(c, "capabilities", ORDO_EPARSE, "must list ship and/or pickup%s", "");
    for (const cJSON *v = caps->child; v; v = v->next) {
        if (cJSON_IsString(v) && !strcmp(v->valuestring, "ship"))
            n->caps |= ORDO_CAP_SHIP;
        else if (cJSON_IsString(v) && !strcmp(v->valuestring, "pickup"))
            n->caps |= ORDO_CAP_PICKUP;
        else
            return jfail(c, "capabilities", ORDO_EPARSE, "unknown capability (ship, pickup)%s",
                         "");
    }
    long cap = 0, load = 0, cutoff = 14, proc = 0, prio = 0, safety = 0;
    if ((rc = get_int(c, o, "daily_capacity", &cap, 1, 0, INT32_MAX)) ||
        (rc = get_int(c, o, "current_load", &load, 0, 0, INT32_MAX)) ||
        (rc = get_num(c, o, "pick_cost_per_unit", &n->pick_cost_per_unit, 1, 0, 1e4)) ||
        (rc = get_num(c, o, "pack_cost_per_shipment", &n->pack_cost_per_shipment, 1, 0, 1e4)) ||
        (rc = get_int(c, o, "cutoff_hour", &cutoff, 0, 0, 23)) ||
        (rc = get_int(c, o, "processing_days", &proc, 0, 0, 30)) ||
        (rc = get_int(c, o, "priority", &prio, 0, -1000000, 1000000)) ||
        (rc = get_int(c, o, "safety_stock", &safety, 0, 0, INT32_MAX)) ||
        (rc = parse_time_zone(c, o, n)))
        return rc;
    n->daily_capacity = (uint32_t)cap;
    n->current_load = (uint32_t)load;
    n->cutoff_hour = (int)cutoff;
    n->processing_days = (int)proc;
    n->priority = (int)prio;
    n->safety_stock = (uint32_t)safety;
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(o, "active");
    n->active = true;
    if (act) {
        if (!cJSON_IsBool(act))
            return jfail(c, "active", ORDO_EPARSE, "must be true or false%s", "");
        n->active = cJSON_IsTrue(act);
    }
    const cJSON *svcs = cJSON_GetObjectItemCaseSensitive(o, "services");
    if ((n->caps & ORDO_CAP_SHIP) && (!cJSON_IsArray(svcs) || cJSON_GetArraySize(svcs) == 0))
        return jfail(c, "services", ORDO_EPARSE, "a ship node must list its carrier services%s",
                     "");
    if (svcs) {
        if (!cJSON_IsArray(svcs) || cJSON_GetArraySize(svcs) > ORDO_NODE_MAX_SERVICES)
            return jfail(c, "services", ORDO_EPARSE, "must be an array of at most 8 ids%s", "");
        for (const cJSON *v = svcs->child; v; v = v->next) {
            int32_t si = cJSON_IsString(v) ? ordo_network_service(net, v->valuestring) : -1;
            if (si < 0)
                return jfail(c, "services", ORDO_ENOTFOUND, "unknown carrier service '%s'",
                             cJSON_IsString(v) ? v->valuestring : "?");
            n->services[n->n_services++] = (uint32_t)si;
        }
    }
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(o, "groups");
    if (groups) {
        if (!cJSON_IsArray(groups))
            return jfail(c, "groups", ORDO_EPARSE, "must be an array of names%s", "");
        for (const cJSON *v = groups->child; v; v = v->next) {
            uint32_t gi = 0;
            if (!cJSON_IsString(v) || !v->valuestring[0])
                return jfail(c, "groups", ORDO_EPARSE, "group names are non-empty strings%s", "");
            if ((rc = add_group(net, c, v->valuestring, &gi)))
                return rc;
            n->groups |= 1ull << gi;
        }
    }
    return ORDO_OK;
}

/* "returns": the node ids returns go to (optional). */
static int parse_returns(ordo_network_t *net, jctx_t *c, const cJSON *a)
{
    snprintf(c->path, sizeof c->path, "returns");
    free(net->returns);
    net->returns = NULL;
    net->n_returns = 0;
    if (!a)
        return ORDO_OK;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0)
        return jfail(c, NULL, ORDO_EPARSE, "must be a non-empty array of node ids%s", "");
    net->returns = calloc((size_t)cJSON_GetArraySize(a), sizeof *net->returns);
    if (!net->returns)
        return jfail(c, NULL, ORDO_ENOMEM, "out of memory%s", "");
    for (const cJSON *v = a->child; v; v = v->next) {
        int32_t n = cJSON_IsString(v) ? ordo_network_node(net, v->valuestring) : -1;
        if (n < 0)
            return jfail(c, NULL, ORDO_ENOTFOUND, "unknown node '%s'",
                         cJSON_IsString(v) ? v->valuestring : "(not a string)");
        net->returns[net->n_returns++] = (uint32_t)n;
    }
    return ORDO_OK;
}

int ordo_network_parse_json(ordo_network_t *net, const char *json, size_t len, const char *name,
                            ordo_error_t *err)
{
    jctx_t c = {name, err, ""};
    /* cJSON stops after the first value: text after it (a second document,
     * a truncated edit) must be an error too, not silently ignored. The end
     * pointer also gives the error position without cJSON's global. */
    /* UTF-8, keys given twice, numbers: refused here (core/json.c) */
    cJSON *root;
    int rc = ordo_json_parse_doc(json, len, name, 0, &root, err);
    if (rc)
        return rc;
    static const char *const keys[] = {"format", "name", "carrier_services", "nodes", "returns",
                                       NULL};
    if (!cJSON_IsObject(root)) {
        rc = jfail(&c, NULL, ORDO_EPARSE, "top level must be an object%s", "");
        goto out;
    }
    if ((rc = check_keys(&c, root, keys)))
        goto out;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (fmt && (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "ordo-network/1"))) {
        rc = jfail(&c, "format", ORDO_EUNSUPPORTED, "expected \"ordo-network/1\"%s", "");
        goto out;
    }
    if ((rc = get_str(&c, root, "name", net->name, sizeof net->name, 0)))
        goto out;
    const cJSON *svcs = cJSON_GetObjectItemCaseSensitive(root, "carrier_services");
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
    if (!cJSON_IsArray(svcs) || cJSON_GetArraySize(svcs) == 0) {
        rc = jfail(&c, "carrier_services", ORDO_EPARSE, "must be a non-empty array%s", "");
        goto out;
    }
    if (!cJSON_IsArray(nodes) || cJSON_GetArraySize(nodes) == 0) {
        rc = jfail(&c, "nodes", ORDO_EPARSE, "must be a non-empty array%s", "");
        goto out;
    }
    size_t ns = (size_t)cJSON_GetArraySize(svcs), nn = (size_t)cJSON_GetArraySize(nodes);
    net->services = calloc(ns, sizeof *net->services);
    net->nodes = calloc(nn, sizeof *net->nodes);
    net->node_index = ordo_strmap_create(nn);
    if (!net->services || !net->nodes || !net->node_index) {
        rc = ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
        goto out;
    }
    size_t i = 0;
    for (const cJSON *o = svcs->child; o; o = o->next, i++) {
        snprintf(c.path, sizeof c.path, "carrier_services[%zu]", i);
        if ((rc = parse_service(&c, o, &net->services[i])))
            goto out;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(net->services[j].id, net->services[i].id)) {
                rc = jfail(&c, "id", ORDO_EEXIST, "duplicate carrier service id '%s'",
                           net->services[i].id);
                goto out;
            }
        net->n_services = (uint32_t)(i + 1);
    }
    i = 0;
    for (const cJSON *o = nodes->child; o; o = o->next, i++) {
        snprintf(c.path, sizeof c.path, "nodes[%zu]", i);
        ordo_node_t *n = &net->nodes[i];
        if ((rc = parse_node(net, &c, o, n)))
            goto out;
        if (ordo_strmap_put(net->node_index, n->id, strlen(n->id), (uint32_t)i) == ORDO_EEXIST) {
            rc = jfail(&c, "id", ORDO_EEXIST, "duplicate node id '%s'", n->id);
            goto out;
        }
        net->n_nodes = (uint32_t)(i + 1);
    }
    rc = parse_returns(net, &c, cJSON_GetObjectItemCaseSensitive(root, "returns"));
out:
    cJSON_Delete(root);
    return rc;
}

/* ---- CSV helpers ---- */

typedef struct csv_iter {
    const char *p, *end;
    long line;
} csv_iter_t;

/* Next non-empty line; returns 0 at the end. */
static int csv_next(csv_iter_t *it, const char **line, size_t *len)
{
    while (it->p < it->end) {
        const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
        const char *le = nl ? nl : it->end;
        *line = it->p;
        *len = (size_t)(le - it->p);
        if (*len && (*line)[*len - 1] == '\r')
            (*len)--;
        it->p = nl ? nl + 1 : it->end;
        it->line++;
        if (*len)
            return 1;
    }
    return 0;
}

static int expect_header(csv_iter_t *it, const char *name, const char *header, ordo_error_t *err)
{
    const char *line;
    size_t len;
    if (!csv_next(it, &line, &len))
        return ordo_error_set(err, ORDO_EPARSE, name, 1, NULL, "empty file: expected header %s",
                              header);
    if (len != strlen(header) || memcmp(line, header, len))
        return ordo_error_set(err, ORDO_EPARSE, name, it->line, NULL, "expected header %s",
                              header);
    return ORDO_OK;
}

static int num_field(const ordo_csv_field_t *f, double *out, double lo, double hi)
{
    int rc = ordo_parse_double(f->p, f->n, out);
    if (rc)
        return rc;
    return *out < lo || *out > hi ? ORDO_ERANGE : ORDO_OK;
}

/* ---- catalog.csv ---- */

#define CATALOG_HEADER "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate"

/* Optional catalog.csv columns after the eight required ones, in any order:
 * col[0] the position of unit_cost, col[1] of daily_demand (-1: absent). */
enum { CAT_UNIT_COST, CAT_DAILY_DEMAND, CAT_OPTIONAL };
static const char *const cat_optional[CAT_OPTIONAL] = {"unit_cost", "daily_demand"};

/* The header: the required columns, then any optional ones; *nf the
 * number of fields a row has. */
static int catalog_header(csv_iter_t *it, const char *name, int col[CAT_OPTIONAL], int *nf,
                          ordo_error_t *err)
{
    const char *line;
    size_t len, hl = strlen(CATALOG_HEADER);
    col[0] = col[1] = -1;
    *nf = 8;
    if (!csv_next(it, &line, &len))
        return ordo_error_set(err, ORDO_EPARSE, name, 1, NULL, "empty file: expected header %s",
                              CATALOG_HEADER);
    if (len < hl || memcmp(line, CATALOG_HEADER, hl) || (len > hl && line[hl] != ','))
        goto bad;
    for (size_t at = hl; at < len;) {
        const char *f = line + at + 1, *e = memchr(f, ',', len - at - 1);
        size_t n = e ? (size_t)(e - f) : (size_t)(line + len - f);
        int k = 0;
        while (k < CAT_OPTIONAL && (strlen(cat_optional[k]) != n || memcmp(f, cat_optional[k], n)))
            k++;
        if (k == CAT_OPTIONAL || col[k] >= 0)
            goto bad;
        col[k] = (*nf)++;
        at += n + 1;
    }
    return ORDO_OK;
bad:
    return ordo_error_set(err, ORDO_EPARSE, name, it->line, NULL,
                          "expected header %s, then optionally unit_cost and daily_demand",
                          CATALOG_HEADER);
}

/* The optional columns of one SKU; an empty field takes the default. */
static int catalog_optional(ordo_sku_t *s, const ordo_csv_field_t *f, const int col[CAT_OPTIONAL],
                            const char *name, long line, ordo_error_t *err)
{
    s->unit_cost = ORDO_UNIT_COST_SHARE * s->price;
    s->daily_demand = -1;
    double *dst[CAT_OPTIONAL] = {&s->unit_cost, &s->daily_demand};
    for (int k = 0; k < CAT_OPTIONAL; k++) {
        if (col[k] < 0 || f[col[k]].n == 0)
            continue;
        int r = num_field(&f[col[k]], dst[k], 0, 1e7);
        if (r)
            return ordo_error_set(err, r, name, line, cat_optional[k],
                                  r == ORDO_ERANGE ? "'%.*s' not in [0, 1e7]"
                                                   : "'%.*s' is not a number",
                                  (int)f[col[k]].n, f[col[k]].p);
    }
    return ORDO_OK;
}

int ordo_catalog_parse_csv(ordo_network_t *net, const char *csv, size_t len, const char *name,
                           ordo_error_t *err)
{
    int rc = ordo_text_check_utf8(csv, len, name, 0, err); /* refused, not replaced */
    if (rc)
        return rc;
    csv_iter_t it = {csv, csv + len, 0};
    int col[CAT_OPTIONAL], want;
    rc = catalog_header(&it, name, col, &want, err);
    if (rc)
        return rc;
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += csv[i] == '\n';
    if (cap > UINT32_MAX)
        return ordo_error_set(err, ORDO_ERANGE, name, 0, NULL, "too many SKUs");
    net->skus = calloc(cap, sizeof *net->skus);
    net->sku_index = ordo_strmap_create(cap);
    if (!net->skus || !net->sku_index)
        return ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    const char *line;
    size_t ll;
    static const char *const fields[] = {"sku",      "family",    "weight_lb", "length_in",
                                         "width_in", "height_in", "price",     "return_rate"};
    while (csv_next(&it, &line, &ll)) {
        ordo_csv_field_t f[ORDO_CSV_MAX_FIELDS];
        int nf = ordo_csv_split(line, ll, f, ORDO_CSV_MAX_FIELDS);
        if (nf == ORDO_EPARSE)
            return ordo_error_set(err, ORDO_EPARSE, name, it.line, NULL,
                                  "unterminated quote or text after a closing quote");
        if (nf != want)
            return ordo_error_set(err, ORDO_EPARSE, name, it.line, NULL,
                                  "expected %d fields, got %s%d", want, nf < 0 ? "more than " : "",
                                  nf < 0 ? ORDO_CSV_MAX_FIELDS : nf);
        ordo_sku_t *s = &net->skus[net->n_skus];
        if (f[0].n == 0 || f[0].n >= ORDO_ID_MAX)
            return ordo_error_set(err, ORDO_EPARSE, name, it.line, "sku",
                                  "empty or longer than %d characters", ORDO_ID_MAX - 1);
        memcpy(s->id, f[0].p, f[0].n);
        s->id[f[0].n] = 0;
        if (f[1].n == 0 || f[1].n >= ORDO_ID_MAX)
            return ordo_error_set(err, ORDO_EPARSE, name, it.line, "family", "empty or too long");
        char fam[ORDO_ID_MAX];
        memcpy(fam, f[1].p, f[1].n);
        fam[f[1].n] = 0;
        int32_t fi = ordo_network_family(net, fam);
        if (fi < 0) {
            if (net->n_families >= ORDO_MAX_FAMILIES)
                return ordo_error_set(err, ORDO_EFULL, name, it.line, "family",
                                      "more than %d product families", ORDO_MAX_FAMILIES);
            snprintf(net->families[net->n_families], ORDO_ID_MAX, "%s", fam);
            fi = (int32_t)net->n_families++;
        }
        s->family = (uint16_t)fi;
        double *dst[] = {&s->weight_lb, &s->length_in, &s->width_in, &s->height_in, &s->price,
                         &s->return_rate};
        const double lo[] = {1e-6, 0, 0, 0, 0, 0}, hi[] = {10000, 1000, 1000, 1000, 1e7, 1};
        for (int k = 0; k < 6; k++) {
            int r = num_field(&f[k + 2], dst[k], lo[k], hi[k]);
            if (r) {
                if (r == ORDO_ERANGE)
                    return ordo_error_set(err, r, name, it.line, fields[k + 2],
                                          "'%.*s' not in [%g, %g]", (int)f[k + 2].n, f[k + 2].p,
                                          lo[k], hi[k]);
                return ordo_error_set(err, r, name, it.line, fields[k + 2],
                                      "'%.*s' is not a number", (int)f[k + 2].n, f[k + 2].p);
            }
        }
        if ((rc = catalog_optional(s, f, col, name, it.line, err)))
            return rc;
        if (ordo_strmap_put(net->sku_index, s->id, f[0].n, net->n_skus) == ORDO_EEXIST)
            return ordo_error_set(err, ORDO_EEXIST, name, it.line, "sku", "duplicate SKU '%s'",
                                  s->id);
        net->n_skus++;
    }
    if (net->n_skus == 0)
        return ordo_error_set(err, ORDO_EPARSE, name, it.line, NULL, "no SKUs");
    return ORDO_OK;
}

/* ---- inventory.csv ---- */

#define INVENTORY_HEADER "node,sku,on_hand,reserved,safety_stock,as_of"
#define INVENTORY_DEMAND ",daily_demand" /* optional seventh column */

/* Cold path, after the builder found a duplicate (node, SKU): scan the rows
 * again (all already validated) to name the line that repeats one. */
static void find_duplicate_row(const ordo_network_t *net, const char *csv, size_t len,
                               const char *name, ordo_error_t *err)
{
    csv_iter_t it = {csv, csv + len, 0};
    const char *line;
    size_t ll;
    ordo_strmap_t *seen = ordo_strmap_create(len / 32 + 16);
    if (!seen || !csv_next(&it, &line, &ll)) { /* skip the header */
        ordo_strmap_destroy(seen);
        return;
    }
    while (csv_next(&it, &line, &ll)) {
        ordo_csv_field_t f[8];
        if (ordo_csv_split(line, ll, f, 8) < 6)
            break;
        char node_id[ORDO_ID_MAX];
        snprintf(node_id, sizeof node_id, "%.*s", (int)f[0].n, f[0].p);
        uint32_t key[2] = {(uint32_t)ordo_network_node(net, node_id),
                           (uint32_t)ordo_network_sku_n(net, f[1].p, f[1].n)};
        uint32_t first;
        if (ordo_strmap_get(seen, (const char *)key, sizeof key, &first)) {
            ordo_error_set(err, ORDO_EEXIST, name, it.line, "sku",
                           "duplicate record for node '%s', SKU '%.*s' (first on line %u)",
                           node_id, (int)f[1].n, f[1].p, first);
            break;
        }
        if (ordo_strmap_put(seen, (const char *)key, sizeof key, (uint32_t)it.line))
            break;
    }
    ordo_strmap_destroy(seen);
}

/* Rows are read in batches: the SKU hash-table slots of a whole batch are
 * prefetched first, so their cache misses overlap. */
enum { INV_BATCH = 32 };

typedef struct inv_row {
    const char *line;
    size_t len;
    long lineno;
    int nf;
    uint64_t hash;
    ordo_csv_field_t f[8];
} inv_row_t;

/* The parse of one inventory.csv. Rows usually come grouped by node and
 * share a timestamp: the last node and timestamp are cached. */
typedef struct inv_parse {
    ordo_network_t *net;
    ordo_inventory_t *inv;
    const char *name;
    ordo_error_t *err;
    char last_node[ORDO_ID_MAX];
    size_t last_node_len;
    int32_t node;
    char last_ts[40];
    size_t last_ts_len;
    int64_t as_of;
    int want; /* fields per row: 6, or 7 with daily_demand */
    /* rows with a daily_demand, mapped to cells once the inventory is built */
    struct inv_demand {
        uint32_t node, sku;
        float daily;
    } *dem;
    size_t n_dem, cap_dem;
} inv_parse_t;

/* Keeps a row's daily_demand (an empty field: none). */
static int inv_row_demand(inv_parse_t *p, const inv_row_t *r, uint32_t sku)
{
    const ordo_csv_field_t *f = &r->f[6];
    double d;
    if (p->want < 7 || f->n == 0)
        return ORDO_OK;
    int rc = num_field(f, &d, 0, 1e7);
    if (rc)
        return ordo_error_set(p->err, rc, p->name, r->lineno, "daily_demand",
                              "'%.*s' is not a number in [0, 1e7]", (int)f->n, f->p);
    if (p->n_dem == p->cap_dem) {
        size_t cap = p->cap_dem ? 2 * p->cap_dem : 1024;
        void *m = realloc(p->dem, cap * sizeof *p->dem);
        if (!m)
            return ordo_error_set(p->err, ORDO_ENOMEM, p->name, r->lineno, NULL, "out of memory");
        p->dem = m;
        p->cap_dem = cap;
    }
    p->dem[p->n_dem++] = (struct inv_demand){(uint32_t)p->node, sku, (float)d};
    return ORDO_OK;
}

/* The per-cell demand of a built inventory (NULL when no column). */
static int inv_cell_demand(inv_parse_t *p, ordo_network_t *net)
{
    free(net->cell_demand);
    net->cell_demand = NULL;
    if (p->want < 7)
        return ORDO_OK;
    size_t n = ordo_inventory_cell_count(p->inv);
    net->cell_demand = malloc((n ? n : 1) * sizeof *net->cell_demand);
    if (!net->cell_demand)
        return ordo_error_set(p->err, ORDO_ENOMEM, p->name, 0, NULL, "out of memory");
    for (size_t i = 0; i < n; i++)
        net->cell_demand[i] = NAN;
    for (size_t i = 0; i < p->n_dem; i++) {
        int64_t c = ordo_inventory_cell(p->inv, p->dem[i].node, p->dem[i].sku);
        if (c >= 0)
            net->cell_demand[c] = p->dem[i].daily;
    }
    return ORDO_OK;
}

/* Splits up to INV_BATCH rows and prefetches their SKU slots; returns how
 * many were read. */
static int inv_read_batch(csv_iter_t *it, const ordo_network_t *net, inv_row_t *batch)
{
    int nb = 0;
    while (nb < INV_BATCH && csv_next(it, &batch[nb].line, &batch[nb].len)) {
        inv_row_t *r = &batch[nb++];
        r->lineno = it->line;
        r->nf = ordo_csv_split(r->line, r->len, r->f, 8);
        if (r->nf >= 2) {
            r->hash = ordo_strmap_hash(r->f[1].p, r->f[1].n);
            ordo_strmap_prefetch(net->sku_index, r->hash);
        }
    }
    return nb;
}

/* The row's node (p->node), looked up only when it differs from the last. */
static int inv_row_node(inv_parse_t *p, const inv_row_t *r)
{
    const ordo_csv_field_t *f = r->f;
    if (f[0].n == p->last_node_len && p->node >= 0 && !memcmp(f[0].p, p->last_node, f[0].n))
        return ORDO_OK;
    if (f[0].n == 0 || f[0].n >= ORDO_ID_MAX)
        return ordo_error_set(p->err, ORDO_EPARSE, p->name, r->lineno, "node", "empty or too long");
    memcpy(p->last_node, f[0].p, f[0].n);
    p->last_node[f[0].n] = 0;
    p->last_node_len = f[0].n;
    p->node = ordo_network_node(p->net, p->last_node);
    if (p->node < 0)
        return ordo_error_set(p->err, ORDO_ENOTFOUND, p->name, r->lineno, "node",
                              "unknown node '%s'", p->last_node);
    return ORDO_OK;
}

/* The row's as_of (p->as_of), parsed only when it differs from the last. */
static int inv_row_as_of(inv_parse_t *p, const inv_row_t *r)
{
    const ordo_csv_field_t *f = r->f;
    if (!f[5].n || (f[5].n == p->last_ts_len && !memcmp(f[5].p, p->last_ts, f[5].n)))
        return ORDO_OK;
    if (f[5].n >= sizeof p->last_ts)
        return ordo_error_set(p->err, ORDO_EPARSE, p->name, r->lineno, "as_of", "too long");
    memcpy(p->last_ts, f[5].p, f[5].n);
    p->last_ts[f[5].n] = 0;
    p->last_ts_len = f[5].n;
    if (ordo_time_parse(p->last_ts, &p->as_of)) {
        p->last_ts_len = 0;
        return ordo_error_set(p->err, ORDO_EPARSE, p->name, r->lineno, "as_of",
                              "'%.*s' is not an ISO 8601 time", (int)f[5].n, f[5].p);
    }
    return ORDO_OK;
}

/* Checks one row and adds it to the inventory being built. */
static int inv_parse_row(inv_parse_t *p, const inv_row_t *r)
{
    const ordo_csv_field_t *f = r->f;
    int nf = r->nf;
    if (nf != p->want)
        return ordo_error_set(p->err, ORDO_EPARSE, p->name, r->lineno, NULL,
                              nf == ORDO_EPARSE ? "unterminated quote or text after a closing quote"
                              : p->want == 6    ? "expected 6 fields, got %s"
                                                : "expected 7 fields, got %s",
                              nf == ORDO_EFULL ? "more"
                              : nf < 0         ? "?"
                                               : "fewer");
    int rc = inv_row_node(p, r);
    if (rc)
        return rc;
    uint32_t sku_u;
    if (!ordo_strmap_get_hashed(p->net->sku_index, f[1].p, f[1].n, r->hash, &sku_u))
        return ordo_error_set(p->err, ORDO_ENOTFOUND, p->name, r->lineno, "sku",
                              "unknown SKU '%.*s'", (int)f[1].n, f[1].p);
    uint32_t on_hand, reserved = 0, safety = p->net->nodes[p->node].safety_stock;
    if (ordo_parse_u32(f[2].p, f[2].n, &on_hand) || on_hand > INT32_MAX)
        return ordo_error_set(p->err, ORDO_EPARSE, p->name, r->lineno, "on_hand",
                              "'%.*s' is not a non-negative integer", (int)f[2].n, f[2].p);
    if (f[3].n && (ordo_parse_u32(f[3].p, f[3].n, &reserved) || reserved > on_hand))
        return ordo_error_set(p->err, ORDO_EPARSE, p->name, r->lineno, "reserved",
                              "'%.*s' is not an integer between 0 and on_hand", (int)f[3].n,
                              f[3].p);
    if (f[4].n && (ordo_parse_u32(f[4].p, f[4].n, &safety) || safety > INT32_MAX))
        return ordo_error_set(p->err, ORDO_EPARSE, p->name, r->lineno, "safety_stock",
                              "'%.*s' is not a non-negative integer", (int)f[4].n, f[4].p);
    rc = inv_row_as_of(p, r);
    if (!rc)
        rc = inv_row_demand(p, r, sku_u);
    if (rc)
        return rc;
    int64_t row_as_of = f[5].n ? p->as_of : 0;
    rc = ordo_inventory_add(p->inv, (uint32_t)p->node, sku_u, (int32_t)on_hand, (int32_t)reserved,
                            (int32_t)safety, row_as_of);
    if (rc)
        return ordo_error_set(p->err, rc, p->name, r->lineno, NULL, "cannot add record");
    return ORDO_OK;
}

int ordo_inventory_parse_csv(ordo_network_t *net, const char *csv, size_t len, const char *name,
                             ordo_error_t *err)
{
    int rc = ordo_text_check_utf8(csv, len, name, 0, err); /* refused, not replaced */
    if (rc)
        return rc;
    csv_iter_t it = {csv, csv + len, 0};
    int want = 6;
    {
        csv_iter_t peek = it;
        const char *h;
        size_t hl;
        if (csv_next(&peek, &h, &hl) && hl == strlen(INVENTORY_HEADER INVENTORY_DEMAND) &&
            !memcmp(h, INVENTORY_HEADER INVENTORY_DEMAND, hl)) {
            it = peek;
            want = 7;
        } else if ((rc = expect_header(&it, name, INVENTORY_HEADER, err))) {
            return rc;
        }
    }
    if (!net->n_nodes || !net->n_skus)
        return ordo_error_set(err, ORDO_ESTATE, name, 0, NULL,
                              "load the network and catalog before inventory");
    size_t expected = len / 32 + 16;
    inv_parse_t p = {.net = net, .name = name, .err = err, .node = -1, .want = want};
    p.inv = ordo_inventory_create(net->n_skus, expected);
    if (!p.inv)
        return ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    inv_row_t batch[INV_BATCH];
    int nb;
    while (rc == ORDO_OK && (nb = inv_read_batch(&it, net, batch)) > 0)
        for (int bi = 0; bi < nb && rc == ORDO_OK; bi++)
            rc = inv_parse_row(&p, &batch[bi]);
    if (rc == ORDO_OK) {
        rc = ordo_inventory_build(p.inv, err);
        if (rc && err) /* name the file; the builder cannot know line numbers */
            snprintf(err->file, sizeof err->file, "%s", name);
        if (rc == ORDO_EEXIST) /* ... but a second pass can */
            find_duplicate_row(net, csv, len, name, err);
    }
    if (rc == ORDO_OK)
        rc = inv_cell_demand(&p, net);
    free(p.dem);
    if (rc) {
        ordo_inventory_destroy(p.inv);
        return rc;
    }
    ordo_inventory_destroy(net->inventory);
    net->inventory = p.inv;
    return ORDO_OK;
}

/* ---- tables and loading ---- */

int ordo_network_finalize(ordo_network_t *net, ordo_error_t *err)
{
    if (!net->inventory) {
        net->inventory = ordo_inventory_create(net->n_skus, 1);
        if (!net->inventory || ordo_inventory_build(net->inventory, err))
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    size_t cells = (size_t)net->n_nodes * ORDO_ZIP3_COUNT;
    free(net->miles);
    free(net->zone);
    net->miles = malloc((cells ? cells : 1) * sizeof(float));
    net->zone = malloc(cells ? cells : 1);
    if (!net->miles || !net->zone)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    /* Nodes share ZIP3s: compute each distinct origin row once. */
    int32_t first_with[ORDO_ZIP3_COUNT];
    for (int k = 0; k < ORDO_ZIP3_COUNT; k++)
        first_with[k] = -1;
    for (uint32_t n = 0; n < net->n_nodes; n++) {
        uint16_t o = net->nodes[n].zip3;
        float *mrow = net->miles + (size_t)n * ORDO_ZIP3_COUNT;
        uint8_t *zrow = net->zone + (size_t)n * ORDO_ZIP3_COUNT;
        if (first_with[o] >= 0) {
            memcpy(mrow, net->miles + (size_t)first_with[o] * ORDO_ZIP3_COUNT,
                   ORDO_ZIP3_COUNT * sizeof(float));
            memcpy(zrow, net->zone + (size_t)first_with[o] * ORDO_ZIP3_COUNT, ORDO_ZIP3_COUNT);
            continue;
        }
        first_with[o] = (int32_t)n;
        for (int d = 0; d < ORDO_ZIP3_COUNT; d++) {
            int z = ordo_geo_rate_zone(net->geo, o, (uint16_t)d);
            double m = ordo_geo_zip3_miles(net->geo, o, (uint16_t)d);
            zrow[d] = z > 0 ? (uint8_t)z : 0;
            mrow[d] = m >= 0 ? (float)m : -1.0f;
        }
    }
    return ORDO_OK;
}

static int map_file(const char *dir, const char *file, const char **data, size_t *len, char *path,
                    size_t path_cap, ordo_error_t *err)
{
    if ((size_t)snprintf(path, path_cap, "%s/%s", dir, file) >= path_cap)
        return ordo_error_set(err, ORDO_EINVAL, dir, 0, NULL, "path too long");
    return ordo_map_file(path, data, len, err);
}

int ordo_network_load(const char *dir, const ordo_geo_t *geo, ordo_network_t **out,
                      ordo_error_t *err)
{
    static const char *const files[] = {"network.json", "catalog.csv", "inventory.csv"};
    *out = NULL;
    ordo_network_t *net = ordo_network_new(geo);
    if (!net)
        return ordo_error_set(err, ORDO_ENOMEM, dir, 0, NULL, "out of memory or no geography");
    char path[PATH_MAX];
    int rc = ORDO_OK;
    for (int f = 0; f < 3 && !rc; f++) {
        const char *data;
        size_t len;
        rc = map_file(dir, files[f], &data, &len, path, sizeof path, err);
        if (rc)
            break;
        if (f == 0)
            rc = ordo_network_parse_json(net, data, len, path, err);
        else if (f == 1)
            rc = ordo_catalog_parse_csv(net, data, len, path, err);
        else
            rc = ordo_inventory_parse_csv(net, data, len, path, err);
        ordo_unmap_file(data, len);
    }
    if (!rc)
        rc = ordo_network_finalize(net, err);
    if (!rc)
        rc = ordo_replenishment_load(net, dir, err);
    if (rc) {
        ordo_network_destroy(net);
        return rc;
    }
    *out = net;
    return ORDO_OK;
}

/* ---- summary ---- */

int ordo_network_summarize(const ordo_network_t *net, ordo_network_summary_t *s)
{
    memset(s, 0, sizeof *s);
    for (uint32_t i = 0; i < net->n_nodes; i++) {
        s->nodes_by_type[net->nodes[i].type]++;
        s->active_nodes += net->nodes[i].active;
    }
    s->n_skus = net->n_skus;
    size_t cells = ordo_inventory_cell_count(net->inventory);
    s->inventory_records = cells;
    for (size_t c = 0; c < cells; c++) {
        ordo_stock_t st;
        ordo_inventory_get(net->inventory, (uint32_t)c, &st);
        s->total_units += (uint64_t)st.on_hand;
        s->units_by_type[net->nodes[st.node].type] += (uint64_t)st.on_hand;
    }
    uint64_t pop12 = 0, pop14 = 0;
    double zsum = 0;
    for (int d = 0; d < ORDO_ZIP3_COUNT; d++) {
        const ordo_zip3_t *z3 = ordo_geo_zip3(net->geo, (uint16_t)d);
        if (!z3->known || !z3->population)
            continue;
        int best = 99;
        for (uint32_t n = 0; n < net->n_nodes; n++) {
            const ordo_node_t *node = &net->nodes[n];
            if (!node->active || !(node->caps & ORDO_CAP_SHIP))
                continue;
            int z = ordo_network_zone(net, n, (uint16_t)d);
            if (z > 0 && z < best)
                best = z;
        }
        s->us_population += z3->population;
        if (best <= 2)
            pop12 += z3->population;
        if (best <= 4)
            pop14 += z3->population;
        zsum += (double)z3->population * (best == 99 ? 9 : best);
    }
    if (s->us_population) {
        s->pop_share_zone_1_2 = (double)pop12 / (double)s->us_population;
        s->pop_share_zone_1_4 = (double)pop14 / (double)s->us_population;
        s->mean_zone = zsum / (double)s->us_population;
    }
    return ORDO_OK;
}
