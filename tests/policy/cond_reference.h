/* SPDX-License-Identifier: Apache-2.0 */
/* Random conditions and contexts, and a reference interpreter of the
 * condition language written literally from docs/policies.md over the
 * condition's JSON. The compiled form (src/policy/condition.c) is checked
 * against it by tests/policy/test_cond_reference.c and, through routing, by
 * tests/exp/test_route.c. */
#ifndef ORDO_TEST_COND_REFERENCE_H
#define ORDO_TEST_COND_REFERENCE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ordo/policy.h"
#include "ordo/util.h"

static const char *const str_pool[] = {
    "northeast", "midwest",  "south",   "west", "territory", "",    "CA",    "NY", "web",
    "store",     "standard", "express", "vip",  "nort",      "est", "ORD-1", "c1", "n"};
#define N_STR_POOL (sizeof str_pool / sizeof str_pool[0])
static const double num_pool[] = {0, 1, 2, 3, 5, 10, 50, 100, 250.5, 999, -1, 0.1};
#define N_NUM_POOL (sizeof num_pool / sizeof num_pool[0])
static const char *const set_pool[] = {"apparel", "shoes", "home", "SKU-1", "SKU-2", ""};
#define N_SET_POOL (sizeof set_pool / sizeof set_pool[0])

static const struct {
    const char *path;
    char type; /* s string, n number, b bool, S set */
} tgt_paths[] = {
    {"order.region", 's'},
    {"order.state", 's'},
    {"order.zip3", 'n'},
    {"order.channel", 's'},
    {"order.service_level", 's'},
    {"order.value", 'n'},
    {"order.lines", 'n'},
    {"order.units", 'n'},
    {"order.weight_lb", 'n'},
    {"order.residential", 'b'},
    {"order.rural", 'b'},
    {"order.families", 'S'},
    {"order.skus", 'S'},
    {"customer.cohort", 's'},
    {"customer.id", 's'},
    {"customer.lifetime_value", 'n'},
    {"unit.id", 's'},
    {"order.promotion", 's'},
};
#define N_TGT_PATHS (sizeof tgt_paths / sizeof tgt_paths[0])

static inline void cat(char *buf, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

static inline void gen_values(char *b, size_t cap, ordo_rng_t *rng, const char *const *pool,
                              size_t np, bool numbers)
{
    size_t k = 1 + ordo_rng_below(rng, 3);
    cat(b, cap, "[");
    for (size_t i = 0; i < k; i++) {
        if (numbers)
            cat(b, cap, "%s%g", i ? "," : "", num_pool[ordo_rng_below(rng, N_NUM_POOL)]);
        else
            cat(b, cap, "%s\"%s\"", i ? "," : "", pool[ordo_rng_below(rng, np)]);
    }
    cat(b, cap, "]");
}

static inline void gen_cond(char *b, size_t cap, ordo_rng_t *rng, int depth)
{
    if (depth < 3 && ordo_rng_below(rng, 2)) {
        static const char *const scopes[] = {"all", "any", "none"};
        size_t k = 1 + ordo_rng_below(rng, 3);
        cat(b, cap, "{\"%s\":[", scopes[ordo_rng_below(rng, 3)]);
        for (size_t i = 0; i < k; i++) {
            if (i)
                cat(b, cap, ",");
            gen_cond(b, cap, rng, depth + 1);
        }
        cat(b, cap, "]}");
        return;
    }
    size_t p = ordo_rng_below(rng, N_TGT_PATHS);
    cat(b, cap, "{\"path\":\"%s\",", tgt_paths[p].path);
    switch (tgt_paths[p].type) {
    case 'n': {
        static const char *const ops[] = {"eq", "ne", "lt", "le", "gt", "ge", "between", "in"};
        const char *op = ops[ordo_rng_below(rng, 8)];
        cat(b, cap, "\"op\":\"%s\",\"value\":", op);
        if (!strcmp(op, "between")) {
            double x = num_pool[ordo_rng_below(rng, N_NUM_POOL)];
            double y = num_pool[ordo_rng_below(rng, N_NUM_POOL)];
            cat(b, cap, "[%g,%g]", x < y ? x : y, x < y ? y : x);
        } else if (!strcmp(op, "in")) {
            gen_values(b, cap, rng, NULL, 0, true);
        } else {
            cat(b, cap, "%g", num_pool[ordo_rng_below(rng, N_NUM_POOL)]);
        }
        break;
    }
    case 'b':
        cat(b, cap, "\"op\":\"%s\",\"value\":%s", ordo_rng_below(rng, 2) ? "eq" : "ne",
            ordo_rng_below(rng, 2) ? "true" : "false");
        break;
    case 'S':
        if (ordo_rng_below(rng, 2)) {
            cat(b, cap, "\"op\":\"contains\",\"value\":\"%s\"",
                set_pool[ordo_rng_below(rng, N_SET_POOL)]);
        } else {
            cat(b, cap, "\"op\":\"in\",\"value\":");
            gen_values(b, cap, rng, set_pool, N_SET_POOL, false);
        }
        break;
    default: {
        static const char *const ops[] = {"eq", "ne", "in", "contains"};
        const char *op = ops[ordo_rng_below(rng, 4)];
        cat(b, cap, "\"op\":\"%s\",\"value\":", op);
        if (!strcmp(op, "in"))
            gen_values(b, cap, rng, str_pool, N_STR_POOL, false);
        else
            cat(b, cap, "\"%s\"", str_pool[ordo_rng_below(rng, N_STR_POOL)]);
        break;
    }
    }
    cat(b, cap, "}");
}

/* ---- reference interpreter: the condition JSON, read literally ---- */

static inline const char *ref_str_field(const ordo_order_ctx_t *c, const char *path)
{
    if (!strcmp(path, "order.region"))
        return c->region;
    if (!strcmp(path, "order.state"))
        return c->state;
    if (!strcmp(path, "order.channel"))
        return c->channel;
    if (!strcmp(path, "order.service_level"))
        return c->service_level;
    if (!strcmp(path, "customer.cohort"))
        return c->cohort;
    if (!strcmp(path, "customer.id"))
        return c->customer_id;
    if (!strcmp(path, "order.promotion"))
        return c->promotion;
    return c->unit; /* unit.id */
}

/* false: the number is unknown (order.zip3 -1) */
static inline bool ref_num_field(const ordo_order_ctx_t *c, const char *path, double *v)
{
    if (!strcmp(path, "order.zip3")) {
        *v = c->zip3;
        return c->zip3 >= 0;
    }
    if (!strcmp(path, "order.value"))
        *v = c->value;
    else if (!strcmp(path, "order.lines"))
        *v = c->n_lines;
    else if (!strcmp(path, "order.units"))
        *v = c->units;
    else if (!strcmp(path, "order.weight_lb"))
        *v = c->weight_lb;
    else
        *v = c->lifetime_value;
    return true;
}

static inline bool ref_set_has(const ordo_order_ctx_t *c, const char *path, const char *s)
{
    bool fam = !strcmp(path, "order.families");
    uint32_t n = fam ? c->n_families : c->n_skus;
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(fam ? c->families[i] : c->skus[i], s))
            return true;
    return false;
}

static inline bool ref_eval(const cJSON *j, const ordo_order_ctx_t *c)
{
    static const char *const scopes[] = {"all", "any", "none"};
    for (int k = 0; k < 3; k++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, scopes[k]);
        if (!arr)
            continue;
        int n_true = 0, n = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, arr)
        {
            n_true += ref_eval(e, c);
            n++;
        }
        return k == 0 ? n_true == n : k == 1 ? n_true > 0 : n_true == 0;
    }
    const char *path = cJSON_GetObjectItemCaseSensitive(j, "path")->valuestring;
    const char *op = cJSON_GetObjectItemCaseSensitive(j, "op")->valuestring;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
    char type = 0;
    for (size_t i = 0; i < N_TGT_PATHS; i++)
        if (!strcmp(tgt_paths[i].path, path))
            type = tgt_paths[i].type;
    if (type == 'b') {
        bool b = !strcmp(path, "order.residential") ? c->residential : c->rural;
        return !strcmp(op, "eq") ? b == cJSON_IsTrue(v) : b != cJSON_IsTrue(v);
    }
    const cJSON *e;
    if (type == 'S') {
        if (!strcmp(op, "contains"))
            return ref_set_has(c, path, v->valuestring);
        cJSON_ArrayForEach(e, v) if (ref_set_has(c, path, e->valuestring)) return true;
        return false;
    }
    if (type == 'n') {
        double x;
        if (!ref_num_field(c, path, &x))
            return false;
        if (!strcmp(op, "between"))
            return x >= cJSON_GetArrayItem(v, 0)->valuedouble &&
                   x <= cJSON_GetArrayItem(v, 1)->valuedouble;
        if (!strcmp(op, "in")) {
            cJSON_ArrayForEach(e, v) if (x == e->valuedouble) return true;
            return false;
        }
        double y = v->valuedouble;
        return !strcmp(op, "eq")   ? x == y
               : !strcmp(op, "ne") ? x != y
               : !strcmp(op, "lt") ? x < y
               : !strcmp(op, "le") ? x <= y
               : !strcmp(op, "gt") ? x > y
                                   : x >= y;
    }
    const char *s = ref_str_field(c, path);
    if (!s)
        return false;
    if (!strcmp(op, "in")) {
        cJSON_ArrayForEach(e, v) if (!strcmp(s, e->valuestring)) return true;
        return false;
    }
    if (!strcmp(op, "contains"))
        return strstr(s, v->valuestring) != NULL;
    return !strcmp(op, "eq") == !strcmp(s, v->valuestring);
}

/* A pool string, or NULL one time in eight. */
static inline const char *maybe_str(ordo_rng_t *rng)
{
    if (ordo_rng_below(rng, 8) == 0)
        return NULL;
    return str_pool[ordo_rng_below(rng, N_STR_POOL)];
}

static inline void random_ctx(ordo_order_ctx_t *c, ordo_rng_t *rng)
{
    memset(c, 0, sizeof *c);
    c->region = maybe_str(rng);
    c->state = maybe_str(rng);
    c->zip3 = (int)ordo_rng_below(rng, 12) - 1; /* -1: unknown */
    c->channel = maybe_str(rng);
    c->service_level = maybe_str(rng);
    c->cohort = maybe_str(rng);
    c->customer_id = maybe_str(rng);
    c->unit = maybe_str(rng);
    c->promotion = maybe_str(rng);
    c->value = num_pool[ordo_rng_below(rng, N_NUM_POOL)] + (ordo_rng_below(rng, 2) ? 0.5 : 0);
    c->lifetime_value = num_pool[ordo_rng_below(rng, N_NUM_POOL)];
    c->weight_lb = num_pool[ordo_rng_below(rng, N_NUM_POOL)];
    c->n_lines = (uint32_t)ordo_rng_below(rng, 6);
    c->units = (uint32_t)ordo_rng_below(rng, 12);
    c->residential = ordo_rng_below(rng, 2);
    c->rural = ordo_rng_below(rng, 2);
    c->n_families = (uint32_t)ordo_rng_below(rng, 4);
    for (uint32_t i = 0; i < c->n_families; i++)
        c->families[i] = set_pool[ordo_rng_below(rng, N_SET_POOL)];
    c->n_skus = (uint32_t)ordo_rng_below(rng, 4);
    for (uint32_t i = 0; i < c->n_skus; i++)
        c->skus[i] = set_pool[ordo_rng_below(rng, N_SET_POOL)];
}

#endif
