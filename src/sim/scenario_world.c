/* SPDX-License-Identifier: Apache-2.0 */
/* The scenario's world sections (docs/internals/SIM.md, "Scenario files"):
 * "stock" (shrink, miscounts, pick waves, replenishment). Read from the
 * same file as the rest of the scenario. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

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

int sim_world_cfg_load(const char *scenario, sim_stock_cfg_t *cfg, ordo_error_t *err)
{
    stock_defaults(cfg);
    char path[4096];
    int rc = ordo_sim_scenario_path(scenario, path, sizeof path, err);
    if (rc)
        return rc;
    char *text = NULL;
    size_t len = 0;
    if ((rc = ordo_read_file(path, &text, &len, err)))
        return rc;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(root))
        rc = ordo_error_set(err, ORDO_EPARSE, path, 0, NULL, "not a JSON object");
    else
        rc = read_stock(root, path, cfg, err);
    cJSON_Delete(root);
    return rc;
}
