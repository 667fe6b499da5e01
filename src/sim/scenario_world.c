/* SPDX-License-Identifier: Apache-2.0 */
/* The scenario's world sections (docs/internals/SIM.md, "Scenario files"):
 * "stock" (shrink, miscounts, pick waves, replenishment), "calendar" (the
 * start date and the holiday peak), "shoppers" (Zipf SKUs, baskets,
 * customer cohorts), "timeline" (kept for timeline.c). Read from the same file as the rest of the scenario. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/calendar.h"
#include "world.h"

static void stock_defaults(sim_stock_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    c->shrink_per_day = 0.001;
    c->miscount_per_day = 0.02;
    c->phantom_per_day = 0.01;
    c->wave_hours = 4;
    c->replenish_days[ORDO_NODE_DC] = 1u << 0;                    /* Monday */
    c->replenish_days[ORDO_NODE_STORE] = (1u << 1) | (1u << 4);   /* Tuesday, Friday */
    c->replenish_days[ORDO_NODE_DROPSHIP] = 0;
    c->replenish_up_to = 1.0;
}

static double num_or(const cJSON *o, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* "dc": ["mon", "thu"]: weekday names (or 0..6, Monday 0) into bits. */
static int weekdays(const cJSON *o, const char *key, unsigned *out, const char *path,
                    ordo_error_t *err)
{
    static const char *const names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!a)
        return ORDO_OK;
    if (!cJSON_IsArray(a))
        return ordo_error_set(err, ORDO_EINVAL, path, 0, key, "wants an array of weekdays");
    unsigned bits = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a)
    {
        int d = -1;
        if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 6)
            d = (int)v->valuedouble;
        for (int i = 0; cJSON_IsString(v) && i < 7; i++)
            if (!strcmp(v->valuestring, names[i]))
                d = i;
        if (d < 0)
            return ordo_error_set(err, ORDO_EINVAL, path, 0, key,
                                  "wants weekdays: mon..sun or 0..6 (Monday 0)");
        bits |= 1u << d;
    }
    *out = bits;
    return ORDO_OK;
}

static int read_stock(const cJSON *root, const char *path, sim_stock_cfg_t *c, ordo_error_t *err)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "stock");
    if (!st)
        return ORDO_OK;
    c->shrink_per_day = num_or(st, "shrink_per_day", c->shrink_per_day);
    c->miscount_per_day = num_or(st, "miscount_per_day", c->miscount_per_day);
    c->phantom_per_day = num_or(st, "phantom_per_day", c->phantom_per_day);
    c->wave_hours = (int)num_or(st, "pick_wave_hours", c->wave_hours);
    if (c->shrink_per_day < 0 || c->shrink_per_day > 1 || c->miscount_per_day < 0 ||
        c->miscount_per_day > 1 || c->phantom_per_day < 0 || c->phantom_per_day > 1)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "stock.shrink_per_day",
                              "shrink, miscount and phantom rates are probabilities (0..1)");
    if (c->wave_hours < 1 || c->wave_hours > 24)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "stock.pick_wave_hours", "wants 1..24");
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(st, "replenish");
    if (!rp)
        return ORDO_OK;
    c->replenish_up_to = num_or(rp, "up_to", c->replenish_up_to);
    if (c->replenish_up_to < 0 || c->replenish_up_to > 100)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "stock.replenish.up_to", "wants 0..100");
    int rc = weekdays(rp, "dc", &c->replenish_days[ORDO_NODE_DC], path, err);
    if (!rc)
        rc = weekdays(rp, "store", &c->replenish_days[ORDO_NODE_STORE], path, err);
    if (!rc)
        rc = weekdays(rp, "dropship", &c->replenish_days[ORDO_NODE_DROPSHIP], path, err);
    return rc;
}

static void demand_defaults(sim_demand_cfg_t *d)
{
    memset(d, 0, sizeof *d);
    d->holidays = true;
    d->thanksgiving = 1.3;
    d->black_friday = 3.0;
    d->cyber_weekend = 1.8;
    d->cyber_monday = 2.6;
    d->december_start = 1.15;
    d->december_peak = 1.7;
    d->december_late = 1.2;
    d->christmas = 0.4;
    d->december_after = 1.0;
    d->shape = true;
    d->from_stock = true;
    d->zipf_s = 1.0;
    d->lines_mean = 1.5;
    static const double q[4] = {0.80, 0.13, 0.05, 0.02};
    memcpy(d->qty, q, sizeof q);
    d->customers = true;
    d->returning = 0.55;
    static const double share[SIM_COHORTS] = {0.45, 0.30, 0.18, 0.07};
    static const double ltv[SIM_COHORTS] = {60, 250, 900, 3000};
    static const double freq[SIM_COHORTS] = {1, 2, 5, 12};
    memcpy(d->share, share, sizeof share);
    memcpy(d->ltv, ltv, sizeof ltv);
    memcpy(d->frequency, freq, sizeof freq);
}

static int date_of(const cJSON *v, int64_t *day)
{
    int y, m, d;
    char tail;
    if (!cJSON_IsString(v) || sscanf(v->valuestring, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
        m < 1 || m > 12 || d < 1 || d > 31 || y < 1971)
        return -1;
    *day = ordo_cal_days(y, m, d);
    return 0;
}

static bool flag_or(const cJSON *o, const char *key, bool def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

/* "peak_days": [{"date": "2026-11-27", "factor": 3.2}, ...] */
static int peak_days(const cJSON *cal, const char *path, sim_demand_cfg_t *d, ordo_error_t *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(cal, "peak_days");
    if (!a)
        return ORDO_OK;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > SIM_MAX_PEAK_DAYS)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "calendar.peak_days",
                              "wants an array of at most %d {date, factor}", SIM_MAX_PEAK_DAYS);
    const cJSON *v;
    cJSON_ArrayForEach(v, a)
    {
        double f = num_or(v, "factor", -1);
        if (date_of(cJSON_GetObjectItemCaseSensitive(v, "date"), &d->day[d->n_days]) || f < 0)
            return ordo_error_set(err, ORDO_EINVAL, path, 0, "calendar.peak_days",
                                  "each wants a \"date\" (YYYY-MM-DD) and a \"factor\" >= 0");
        d->day_factor[d->n_days++] = f;
    }
    return ORDO_OK;
}

static int read_calendar(const cJSON *root, const char *path, sim_demand_cfg_t *d,
                         ordo_error_t *err)
{
    const cJSON *cal = cJSON_GetObjectItemCaseSensitive(root, "calendar");
    if (!cal)
        return ORDO_OK;
    if (cJSON_GetObjectItemCaseSensitive(cal, "start"))
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "calendar.start",
                              "the run's first day is the scenario's top-level \"start\"");
    d->holidays = flag_or(cal, "holidays", d->holidays);
    double *f[] = {&d->thanksgiving,   &d->black_friday,  &d->cyber_weekend, &d->cyber_monday,
                   &d->december_start, &d->december_peak, &d->december_late, &d->christmas,
                   &d->december_after};
    static const char *const k[] = {"thanksgiving",   "black_friday",  "cyber_weekend",
                                    "cyber_monday",   "december_start", "december_peak",
                                    "december_late",  "christmas",     "december_after"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        *f[i] = num_or(cal, k[i], *f[i]);
        if (*f[i] < 0)
            return ordo_error_set(err, ORDO_EINVAL, path, 0, k[i], "wants a factor >= 0");
    }
    return peak_days(cal, path, d, err);
}

static int read_shoppers(const cJSON *root, const char *path, sim_demand_cfg_t *d,
                         ordo_error_t *err)
{
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(root, "shoppers");
    if (!sh)
        return ORDO_OK;
    d->shape = flag_or(sh, "baskets", d->shape);
    d->from_stock = flag_or(sh, "families_from_stock", d->from_stock);
    d->zipf_s = num_or(sh, "zipf_s", d->zipf_s);
    d->lines_mean = num_or(sh, "lines_mean", d->lines_mean);
    d->customers = flag_or(sh, "customers", d->customers);
    d->returning = num_or(sh, "returning", d->returning);
    if (d->zipf_s < 0 || d->zipf_s > 5)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "shoppers.zipf_s", "wants 0..5");
    if (d->lines_mean < 1 || d->lines_mean > 16)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "shoppers.lines_mean", "wants 1..16");
    if (d->returning < 0 || d->returning > 1)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "shoppers.returning", "wants 0..1");
    return ORDO_OK;
}

int sim_world_cfg_load(const char *scenario, sim_stock_cfg_t *cfg, sim_demand_cfg_t *dem,
                       cJSON **timeline, ordo_error_t *err)
{
    *timeline = NULL;
    stock_defaults(cfg);
    demand_defaults(dem);
    char path[4096];
    cJSON *root;
    int rc = sim_scenario_read(scenario, path, &root, err);
    if (rc)
        return rc;
    rc = read_stock(root, path, cfg, err);
    if (!rc)
        rc = read_calendar(root, path, dem, err);
    if (!rc)
        rc = read_shoppers(root, path, dem, err);
    const cJSON *tl = cJSON_GetObjectItemCaseSensitive(root, "timeline");
    if (!rc && tl && !cJSON_IsArray(tl))
        rc = ordo_error_set(err, ORDO_EINVAL, path, 0, "timeline", "wants an array of entries");
    if (!rc && tl)
        *timeline = cJSON_DetachItemFromObjectCaseSensitive(root, "timeline");
    cJSON_Delete(root);
    return rc;
}
