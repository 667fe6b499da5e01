/* SPDX-License-Identifier: Apache-2.0 */
/* Scenario files: where they are found and what they hold
 * (docs/internals/SIM.md, "Scenario files"). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "ordo/calendar.h"
#include "ordo/policy.h"

#ifndef ORDO_SCENARIO_DIR
#define ORDO_SCENARIO_DIR "data/scenarios"
#endif

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int ordo_sim_scenario_path(const char *name, char *path, size_t n, ordo_error_t *err)
{
    if (strchr(name, '/') || (strlen(name) > 5 && !strcmp(name + strlen(name) - 5, ".json"))) {
        snprintf(path, n, "%s", name);
        if (file_exists(path))
            return ORDO_OK;
        return ordo_error_set(err, ORDO_ENOTFOUND, name, 0, "scenario", "no such file");
    }
    const char *env = getenv("ORDO_SCENARIOS");
    const char *dirs[] = {env, ORDO_SCENARIO_DIR, "data/scenarios"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        snprintf(path, n, "%s/%s.json", dirs[i], name);
        if (file_exists(path))
            return ORDO_OK;
    }
    return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "scenario",
                          "no scenario '%s' (looked in $ORDO_SCENARIOS, %s, ./data/scenarios)",
                          name, ORDO_SCENARIO_DIR);
}

static double num_or(const cJSON *o, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* A fixed-length array of numbers ≥ 0 (absent: left as is). */
static int num_array(const cJSON *o, const char *key, double *out, int n, const char *path,
                     ordo_error_t *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!a)
        return ORDO_OK;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, key, "wants an array of %d numbers", n);
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a)
    {
        if (!cJSON_IsNumber(v) || v->valuedouble < 0)
            return ordo_error_set(err, ORDO_EINVAL, path, 0, key, "wants numbers >= 0");
        out[i++] = v->valuedouble;
    }
    return ORDO_OK;
}

static void defaults(sim_scenario_t *s)
{
    memset(s, 0, sizeof *s);
    s->gen = (ordo_generate_options_t){8, 60, 3, 2000, 42, NULL};
    s->express_share = 0.17;
    s->pickup_share = 0.0;
    s->max_lines = 3;
    for (int i = 0; i < 7; i++)
        s->weekly[i] = 1;
    for (int i = 0; i < 24; i++)
        s->hourly[i] = 1;
    s->cancel_when_late = 0.15;
    s->cancel_base = 0.004;
    s->return_late_factor = 0.8;
    s->return_cost = 6.5;
    s->return_customer_sigma = 0.8;
    s->start_day = ordo_cal_days(2026, 9, 7); /* a Monday */
    for (int i = 0; i < 3; i++)
        s->stock_scale[i] = 1;
}

/* network.stock_scale: a number (every node) or {"dc", "store",
 * "dropship"} (by node type), each in (0, 100]. */
static int read_stock_scale(const cJSON *net, const char *path, sim_scenario_t *s,
                            ordo_error_t *err)
{
    static const char *const types[3] = {"dc", "store", "dropship"};
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(net, "stock_scale");
    for (int i = 0; v && i < 3; i++) {
        s->stock_scale[i] = cJSON_IsNumber(v) ? v->valuedouble : num_or(v, types[i], 1);
        if (!(s->stock_scale[i] > 0 && s->stock_scale[i] <= 100) ||
            !(cJSON_IsNumber(v) || cJSON_IsObject(v)))
            return ordo_error_set(err, ORDO_EINVAL, path, 0, "network.stock_scale",
                                  "wants a number in (0, 100], or one per node type "
                                  "{\"dc\", \"store\", \"dropship\"}");
    }
    return ORDO_OK;
}

/* The run's own keys: start, default_policy, network.stock_scale,
 * monitor.every_days. */
static int read_run(const cJSON *root, const char *path, sim_scenario_t *s, ordo_error_t *err)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "start");
    if (st) {
        int y, m, d;
        char tail;
        if (!cJSON_IsString(st) ||
            sscanf(st->valuestring, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1971 ||
            m < 1 || m > 12 || d < 1 || d > 31)
            return ordo_error_set(err, ORDO_EINVAL, path, 0, "start", "wants a date YYYY-MM-DD");
        s->start_day = ordo_cal_days(y, m, d);
    }
    const cJSON *dp = cJSON_GetObjectItemCaseSensitive(root, "default_policy");
    if (dp) {
        if (!cJSON_IsString(dp) || !ordo_policy_builtin_json(dp->valuestring))
            return ordo_error_set(err, ORDO_EINVAL, path, 0, "default_policy",
                                  "wants the name of a built-in policy");
        snprintf(s->default_policy, sizeof s->default_policy, "%s", dp->valuestring);
    }
    int rc = read_stock_scale(cJSON_GetObjectItemCaseSensitive(root, "network"), path, s, err);
    if (rc)
        return rc;
    double every = num_or(cJSON_GetObjectItemCaseSensitive(root, "monitor"), "every_days", 0);
    if (!(every >= 0 && every <= 365) || every != (uint32_t)every)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "monitor.every_days",
                              "wants a whole number of days, 0..365");
    s->monitor_days = (uint32_t)every;
    return ORDO_OK;
}

static int read_sections(const cJSON *root, const char *path, sim_scenario_t *s, ordo_error_t *err)
{
    const cJSON *net = cJSON_GetObjectItemCaseSensitive(root, "network");
    s->gen.dcs = (uint32_t)num_or(net, "dcs", s->gen.dcs);
    s->gen.stores = (uint32_t)num_or(net, "stores", s->gen.stores);
    s->gen.dropshippers = (uint32_t)num_or(net, "dropshippers", s->gen.dropshippers);
    s->gen.skus = (uint32_t)num_or(net, "skus", s->gen.skus);
    s->gen.seed = (uint64_t)num_or(net, "seed", (double)s->gen.seed);
    const cJSON *dem = cJSON_GetObjectItemCaseSensitive(root, "demand");
    s->express_share = num_or(dem, "express_share", s->express_share);
    s->pickup_share = num_or(dem, "pickup_share", s->pickup_share);
    s->max_lines = (uint32_t)num_or(dem, "max_lines", s->max_lines);
    int rc = num_array(dem, "weekly", s->weekly, 7, path, err);
    if (!rc)
        rc = num_array(dem, "hourly_utc", s->hourly, 24, path, err);
    if (rc)
        return rc;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "world");
    s->cancel_when_late = num_or(w, "cancel_when_late", s->cancel_when_late);
    s->cancel_base = num_or(w, "cancel_base", s->cancel_base);
    s->return_late_factor = num_or(w, "return_late_factor", s->return_late_factor);
    s->return_cost = num_or(w, "return_cost_per_shipment", s->return_cost);
    s->return_customer_sigma = num_or(w, "return_customer_sigma", s->return_customer_sigma);
    if (!(s->return_customer_sigma >= 0 && s->return_customer_sigma <= 3))
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "world.return_customer_sigma",
                              "wants 0..3");
    if (s->max_lines < 1 || s->max_lines > 16)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "demand.max_lines", "wants 1..16");
    if (s->express_share < 0 || s->pickup_share < 0 || s->express_share + s->pickup_share > 1)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "demand.express_share",
                              "shares must be >= 0 and sum to at most 1");
    return ORDO_OK;
}

int sim_scenario_read(const char *name, char path[4096], cJSON **root, ordo_error_t *err)
{
    *root = NULL;
    int rc = ordo_sim_scenario_path(name, path, 4096, err);
    if (rc)
        return rc;
    char *text = NULL;
    size_t len = 0;
    if ((rc = ordo_read_file(path, &text, &len, err)))
        return rc;
    cJSON *r = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(r)) {
        cJSON_Delete(r);
        return ordo_error_set(err, ORDO_EPARSE, path, 0, NULL, "not a JSON object");
    }
    *root = r;
    return ORDO_OK;
}

int sim_scenario_load(const char *name, sim_scenario_t *s, ordo_error_t *err)
{
    defaults(s);
    char path[4096];
    cJSON *root;
    int rc = sim_scenario_read(name, path, &root, err);
    if (rc)
        return rc;
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(root, "name");
    snprintf(s->name, sizeof s->name, "%s", cJSON_IsString(nm) ? nm->valuestring : name);
    rc = read_sections(root, path, s, err);
    if (!rc)
        rc = read_run(root, path, s, err);
    if (!rc)
        rc = sim_learn_read(root, path, s, err);
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, "experiment");
    if (!rc && !cJSON_IsObject(exp))
        rc = ordo_error_set(err, ORDO_EINVAL, path, 0, "experiment", "missing (an object)");
    if (!rc) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(exp, "id");
        snprintf(s->experiment, sizeof s->experiment, "%s",
                 cJSON_IsString(id) ? id->valuestring : s->name);
        const cJSON *v0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(exp, "variants"), 0);
        const cJSON *k0 = cJSON_GetObjectItemCaseSensitive(v0, "key");
        snprintf(s->control, sizeof s->control, "%s", cJSON_IsString(k0) ? k0->valuestring : "");
        s->experiment_json = cJSON_PrintUnformatted(exp);
        if (!s->experiment_json)
            rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (!rc)
        rc = sim_scenario_inline_policies(s, err);
    cJSON_Delete(root);
    return rc;
}

/* The policy fields of a variant ("policy" or "policy_version"). */
static const char *const policy_keys[] = {"policy", "policy_version"};

int sim_scenario_all_arm(sim_scenario_t *s, const char *key, ordo_error_t *err)
{
    cJSON *exp = cJSON_Parse(s->experiment_json);
    cJSON *vars = cJSON_GetObjectItemCaseSensitive(exp, "variants");
    cJSON *arm = NULL, *v;
    cJSON_ArrayForEach(v, vars)
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(v, "key");
        if (cJSON_IsString(k) && !strcmp(k->valuestring, key))
            arm = v;
    }
    if (!arm) {
        cJSON_Delete(exp);
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "all-arm",
                              "experiment %s has no variant '%s'", s->experiment, key);
    }
    cJSON_ArrayForEach(v, vars)
    {
        if (v == arm)
            continue;
        for (int i = 0; i < 2; i++) {
            cJSON_DeleteItemFromObjectCaseSensitive(v, policy_keys[i]);
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(arm, policy_keys[i]);
            if (p)
                cJSON_AddItemToObject(v, policy_keys[i], cJSON_Duplicate(p, 1));
        }
    }
    char *json = cJSON_PrintUnformatted(exp);
    cJSON_Delete(exp);
    if (!json)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    free(s->experiment_json);
    s->experiment_json = json;
    return ORDO_OK;
}

void sim_scenario_free(sim_scenario_t *s)
{
    free(s->experiment_json);
    s->experiment_json = NULL;
    sim_scenario_free_policies(s);
    free(s->learn_json);
    s->learn_json = NULL;
}
