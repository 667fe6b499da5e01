/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — per-order fields and metric definitions. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/analyze.h"
#include "ordo/util.h"

static const char *const field_names[ORDO_AF_COUNT] = {
    [ORDO_AF_ORDERS] = "orders",
    [ORDO_AF_PLANNED_COST] = "planned_cost",
    [ORDO_AF_PLANNED_PICK] = "planned_pick",
    [ORDO_AF_PLANNED_PACK] = "planned_pack",
    [ORDO_AF_PLANNED_SHIP] = "planned_ship",
    [ORDO_AF_PLANNED_RETURNS] = "planned_returns",
    [ORDO_AF_PLANNED_CARRYING] = "planned_carrying",
    [ORDO_AF_ACTUAL_COST] = "actual_cost",
    [ORDO_AF_ACTUAL_PICK] = "actual_pick",
    [ORDO_AF_ACTUAL_PACK] = "actual_pack",
    [ORDO_AF_ACTUAL_SHIP] = "actual_ship",
    [ORDO_AF_ACTUAL_RETURNS] = "actual_returns",
    [ORDO_AF_ACTUAL_CARRYING] = "actual_carrying",
    [ORDO_AF_REFUND] = "refund",
    [ORDO_AF_ON_TIME] = "on_time",
    [ORDO_AF_DELIVERED] = "delivered",
    [ORDO_AF_HOURS_TO_SHIP] = "hours_to_ship",
    [ORDO_AF_HOURS_TO_DELIVER] = "hours_to_deliver",
    [ORDO_AF_RETURNED] = "returned",
    [ORDO_AF_CANCELLED] = "cancelled",
    [ORDO_AF_SHIPMENTS] = "shipments",
    [ORDO_AF_SPLIT] = "split",
    [ORDO_AF_UNITS] = "units",
    [ORDO_AF_MILES] = "miles",
    [ORDO_AF_ZONE_SUM] = "zone_sum",
    [ORDO_AF_ZONE_1 + 0] = "zone_1",
    [ORDO_AF_ZONE_1 + 1] = "zone_2",
    [ORDO_AF_ZONE_1 + 2] = "zone_3",
    [ORDO_AF_ZONE_1 + 3] = "zone_4",
    [ORDO_AF_ZONE_1 + 4] = "zone_5",
    [ORDO_AF_ZONE_1 + 5] = "zone_6",
    [ORDO_AF_ZONE_1 + 6] = "zone_7",
    [ORDO_AF_ZONE_1 + 7] = "zone_8",
    [ORDO_AF_ZONE_1 + 8] = "zone_9",
    [ORDO_AF_PLANNED_ON_TIME_PROB] = "planned_on_time_prob",
    [ORDO_AF_PLANNED_RETURN_RISK] = "planned_return_risk",
    [ORDO_AF_FALLBACK] = "fallback",
    [ORDO_AF_LATENCY_MS] = "latency_ms",
    [ORDO_AF_ORDER_VALUE] = "order_value",
    [ORDO_AF_HAS_OUTCOME] = "has_outcome",
    [ORDO_AF_CONTROL_COST] = "control_cost",
    [ORDO_AF_SATISFACTION] = "satisfaction",
    [ORDO_AF_DOCK_TO_TRUCK_HOURS] = "dock_to_truck_hours",
    [ORDO_AF_LABOUR_UTILISATION] = "labour_utilisation",
    [ORDO_AF_PICK_RATE] = "pick_rate",
};

const char *ordo_analyze_field_name(int field)
{
    return field >= 0 && field < ORDO_AF_COUNT ? field_names[field] : NULL;
}

int ordo_analyze_field_parse(const char *name)
{
    for (int i = 0; i < ORDO_AF_COUNT; i++)
        if (field_names[i] && !strcmp(field_names[i], name))
            return i;
    return -1;
}

bool ordo_analyze_field_binary(int field)
{
    switch (field) {
    case ORDO_AF_ORDERS:
    case ORDO_AF_ON_TIME:
    case ORDO_AF_DELIVERED:
    case ORDO_AF_RETURNED:
    case ORDO_AF_CANCELLED:
    case ORDO_AF_SPLIT:
    case ORDO_AF_FALLBACK:
    case ORDO_AF_HAS_OUTCOME:
        return true;
    default:
        return false;
    }
}

const char *ordo_metric_type_name(ordo_metric_type_t t)
{
    switch (t) {
    case ORDO_METRIC_MEAN: return "mean";
    case ORDO_METRIC_PROPORTION: return "proportion";
    case ORDO_METRIC_RATIO: return "ratio";
    }
    return "?";
}

const char *ordo_metric_good_name(ordo_metric_good_t g)
{
    switch (g) {
    case ORDO_GOOD_LOWER: return "lower";
    case ORDO_GOOD_HIGHER: return "higher";
    case ORDO_GOOD_NONE: return "none";
    }
    return "?";
}

int ordo_metric_set_find(const ordo_metric_set_t *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (!strcmp(set->m[i].name, name))
            return (int)i;
    return -1;
}

static int bad(ordo_error_t *err, const char *file, const char *field, const char *msg,
               const char *detail)
{
    return ordo_error_set(err, ORDO_EINVAL, file, 0, field, "%s%s%s", msg, detail ? ": " : "",
                          detail ? detail : "");
}

static int get_string(const cJSON *o, const char *key, bool required, char *out, size_t cap,
                      const char *file, const char *prefix, ordo_error_t *err)
{
    char f[ORDO_ERROR_FIELD_MAX];
    snprintf(f, sizeof f, "%s.%s", prefix, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        if (required)
            return bad(err, file, f, "missing", NULL);
        out[0] = 0;
        return ORDO_OK;
    }
    if (!cJSON_IsString(v))
        return bad(err, file, f, "must be a string", NULL);
    size_t n = strlen(v->valuestring);
    if ((required && n == 0) || n >= cap)
        return ordo_error_set(err, ORDO_EINVAL, file, 0, f, "must be 1 to %zu bytes", cap - 1);
    memcpy(out, v->valuestring, n + 1);
    return ORDO_OK;
}

static int parse_metric(const cJSON *o, const char *file, int i, ordo_metric_def_t *m,
                        ordo_error_t *err)
{
    char p[32], f[ORDO_ERROR_FIELD_MAX];
    snprintf(p, sizeof p, "metrics[%d]", i);
    if (!cJSON_IsObject(o))
        return bad(err, file, p, "must be an object", NULL);
    static const char *const keys[] = {"name", "label", "numerator", "denominator",
                                       "type", "good", "unit", "description", NULL};
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        bool known = false;
        for (int k = 0; keys[k]; k++)
            known |= !strcmp(keys[k], it->string);
        if (!known) {
            snprintf(f, sizeof f, "%s.%s", p, it->string);
            return bad(err, file, f, "unknown field", NULL);
        }
    }
    memset(m, 0, sizeof *m);
    char num[64], den[64], type[32], good[32], desc[4];
    int rc;
    if ((rc = get_string(o, "name", true, m->name, sizeof m->name, file, p, err)) ||
        (rc = get_string(o, "label", false, m->label, sizeof m->label, file, p, err)) ||
        (rc = get_string(o, "unit", false, m->unit, sizeof m->unit, file, p, err)) ||
        (rc = get_string(o, "numerator", true, num, sizeof num, file, p, err)) ||
        (rc = get_string(o, "denominator", false, den, sizeof den, file, p, err)) ||
        (rc = get_string(o, "type", true, type, sizeof type, file, p, err)) ||
        (rc = get_string(o, "good", true, good, sizeof good, file, p, err)))
        return rc;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "description");
    (void)desc;
    if (d && !cJSON_IsString(d)) {
        snprintf(f, sizeof f, "%s.description", p);
        return bad(err, file, f, "must be a string", NULL);
    }
    for (const char *c = m->name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-' || *c == '.')) {
            snprintf(f, sizeof f, "%s.name", p);
            return bad(err, file, f, "use letters, digits, '_', '-' or '.'", m->name);
        }
    m->numerator = ordo_analyze_field_parse(num);
    if (m->numerator < 0) {
        snprintf(f, sizeof f, "%s.numerator", p);
        return bad(err, file, f, "unknown field (see docs/internals/ANALYZE.md)", num);
    }
    m->denominator = den[0] ? ordo_analyze_field_parse(den) : ORDO_AF_ORDERS;
    if (m->denominator < 0) {
        snprintf(f, sizeof f, "%s.denominator", p);
        return bad(err, file, f, "unknown field (see docs/internals/ANALYZE.md)", den);
    }
    snprintf(f, sizeof f, "%s.type", p);
    if (!strcmp(type, "mean"))
        m->type = ORDO_METRIC_MEAN;
    else if (!strcmp(type, "proportion"))
        m->type = ORDO_METRIC_PROPORTION;
    else if (!strcmp(type, "ratio"))
        m->type = ORDO_METRIC_RATIO;
    else
        return bad(err, file, f, "must be \"mean\", \"proportion\" or \"ratio\"", type);
    if (m->type != ORDO_METRIC_RATIO && m->denominator != ORDO_AF_ORDERS) {
        snprintf(f, sizeof f, "%s.denominator", p);
        return bad(err, file, f,
                   "a mean or proportion is per order: the denominator must be \"orders\" "
                   "(use type \"ratio\" for another denominator)",
                   den);
    }
    if (m->type == ORDO_METRIC_PROPORTION && !ordo_analyze_field_binary(m->numerator)) {
        snprintf(f, sizeof f, "%s.numerator", p);
        return bad(err, file, f, "a proportion needs a 0/1 field", num);
    }
    if (m->type == ORDO_METRIC_RATIO && m->denominator == m->numerator) {
        snprintf(f, sizeof f, "%s.denominator", p);
        return bad(err, file, f, "a ratio of a field to itself is always 1", den);
    }
    snprintf(f, sizeof f, "%s.good", p);
    if (!strcmp(good, "lower"))
        m->good = ORDO_GOOD_LOWER;
    else if (!strcmp(good, "higher"))
        m->good = ORDO_GOOD_HIGHER;
    else if (!strcmp(good, "none"))
        m->good = ORDO_GOOD_NONE;
    else
        return bad(err, file, f, "must be \"lower\", \"higher\" or \"none\"", good);
    return ORDO_OK;
}

int ordo_metric_set_parse(const char *json, size_t len, const char *name, ordo_metric_set_t *out,
                          ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root)
        return ordo_error_set(err, ORDO_EPARSE, name, 0, NULL, "malformed JSON");
    int rc = ORDO_OK;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    if (!cJSON_IsObject(root) || !cJSON_IsArray(arr)) {
        rc = bad(err, name, "metrics", "must be an array of metric definitions", NULL);
        goto done;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        if (strcmp(it->string, "metrics")) {
            rc = bad(err, name, it->string, "unknown field", NULL);
            goto done;
        }
    }
    int n = cJSON_GetArraySize(arr);
    if (n < 1 || n > ORDO_METRICS_MAX) {
        rc = ordo_error_set(err, ORDO_EINVAL, name, 0, "metrics", "needs 1 to %d metrics, got %d",
                            ORDO_METRICS_MAX, n);
        goto done;
    }
    int i = 0;
    cJSON_ArrayForEach(it, arr)
    {
        rc = parse_metric(it, name, i, &out->m[i], err);
        if (rc)
            goto done;
        for (int j = 0; j < i; j++)
            if (!strcmp(out->m[j].name, out->m[i].name)) {
                char f[32];
                snprintf(f, sizeof f, "metrics[%d].name", i);
                rc = bad(err, name, f, "duplicate metric name", out->m[i].name);
                goto done;
            }
        i++;
    }
    out->n = (size_t)i;
done:
    cJSON_Delete(root);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

int ordo_metric_set_load(const char *path, ordo_metric_set_t *out, ordo_error_t *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc = ordo_read_file(path, &data, &len, err);
    if (rc)
        return rc;
    rc = ordo_metric_set_parse(data, len, path, out, err);
    free(data);
    return rc;
}

/* The same text as docs/examples/metrics.json (a test keeps them equal). */
static const char default_metrics[] =
    "{\n"
    "  \"metrics\": [\n"
    "    {\"name\": \"cost_per_order\", \"label\": \"Actual cost per order\", \"numerator\": \"actual_cost\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"pick_cost\", \"label\": \"Actual pick cost per order\", \"numerator\": \"actual_pick\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"pack_cost\", \"label\": \"Actual pack cost per order\", \"numerator\": \"actual_pack\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"ship_cost\", \"label\": \"Actual shipping cost per order\", \"numerator\": \"actual_ship\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"returns_cost\", \"label\": \"Actual returns cost per order\", \"numerator\": \"actual_returns\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"carrying_cost\", \"label\": \"Actual carrying cost per order\", \"numerator\": \"actual_carrying\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"planned_cost_per_order\", \"label\": \"Planned cost per order\", \"numerator\": \"planned_cost\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"planned_pick_cost\", \"label\": \"Planned pick cost per order\", \"numerator\": \"planned_pick\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"planned_pack_cost\", \"label\": \"Planned pack cost per order\", \"numerator\": \"planned_pack\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"planned_ship_cost\", \"label\": \"Planned shipping cost per order\", \"numerator\": \"planned_ship\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"planned_returns_cost\", \"label\": \"Planned returns cost per order\", \"numerator\": \"planned_returns\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"planned_carrying_cost\", \"label\": \"Planned carrying cost per order\", \"numerator\": \"planned_carrying\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"USD\"},\n"
    "    {\"name\": \"on_time_rate\", \"label\": \"On-time delivery rate\", \"numerator\": \"on_time\", \"denominator\": \"orders\", \"type\": \"proportion\", \"good\": \"higher\"},\n"
    "    {\"name\": \"hours_to_ship\", \"label\": \"Time to ship\", \"numerator\": \"hours_to_ship\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"h\"},\n"
    "    {\"name\": \"hours_to_deliver\", \"label\": \"Time to deliver\", \"numerator\": \"hours_to_deliver\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"h\"},\n"
    "    {\"name\": \"return_rate\", \"label\": \"Return rate\", \"numerator\": \"returned\", \"denominator\": \"orders\", \"type\": \"proportion\", \"good\": \"lower\"},\n"
    "    {\"name\": \"cancel_rate\", \"label\": \"Cancellation rate\", \"numerator\": \"cancelled\", \"denominator\": \"orders\", \"type\": \"proportion\", \"good\": \"lower\"},\n"
    "    {\"name\": \"split_rate\", \"label\": \"Split rate\", \"numerator\": \"split\", \"denominator\": \"orders\", \"type\": \"proportion\", \"good\": \"lower\"},\n"
    "    {\"name\": \"units_per_shipment\", \"label\": \"Units per shipment\", \"numerator\": \"units\", \"denominator\": \"shipments\", \"type\": \"ratio\", \"good\": \"higher\"},\n"
    "    {\"name\": \"miles_per_shipment\", \"label\": \"Miles per shipment\", \"numerator\": \"miles\", \"denominator\": \"shipments\", \"type\": \"ratio\", \"good\": \"lower\", \"unit\": \"mi\"},\n"
    "    {\"name\": \"zone_per_shipment\", \"label\": \"Mean zone per shipment\", \"numerator\": \"zone_sum\", \"denominator\": \"shipments\", \"type\": \"ratio\", \"good\": \"lower\"},\n"
    "    {\"name\": \"fallback_rate\", \"label\": \"Fallback rate\", \"numerator\": \"fallback\", \"denominator\": \"orders\", \"type\": \"proportion\", \"good\": \"lower\"},\n"
    "    {\"name\": \"outcome_coverage\", \"label\": \"Orders with outcome events\", \"numerator\": \"has_outcome\", \"denominator\": \"orders\", \"type\": \"proportion\", \"good\": \"none\"},\n"
    "    {\"name\": \"satisfaction\", \"label\": \"Customer satisfaction (0-5)\", \"numerator\": \"satisfaction\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"higher\", \"unit\": \"score\"},\n"
    "    {\"name\": \"dock_to_truck_hours\", \"label\": \"Dock-to-truck time\", \"numerator\": \"dock_to_truck_hours\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"lower\", \"unit\": \"h\"},\n"
    "    {\"name\": \"labour_utilisation\", \"label\": \"Labour utilisation of the nodes used\", \"numerator\": \"labour_utilisation\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"none\"},\n"
    "    {\"name\": \"pick_rate\", \"label\": \"Pick rate\", \"numerator\": \"pick_rate\", \"denominator\": \"orders\", \"type\": \"mean\", \"good\": \"none\", \"unit\": \"units/h\"}\n"
    "  ]\n"
    "}\n";

void ordo_metric_set_default(ordo_metric_set_t *out)
{
    ordo_error_t err;
    if (ordo_metric_set_parse(default_metrics, sizeof default_metrics - 1, "built-in", out, &err))
        memset(out, 0, sizeof *out); /* cannot happen: tested */
}
