/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the experiment document: strict parsing, canonical JSON, content
 * hash, ramp and the built-in policy version table (docs/experiments.md). */
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cjson_internal.h"
#include "../policy/policy_internal.h" /* ordo_cond_parse on the parsed document */
#include "exp_internal.h"
#include "ordo/util.h"

/* ---- built-in policy versions ---- */

#define MAX_BUILTINS 16

static struct {
    size_t n;
    const char *names[MAX_BUILTINS];
    char versions[MAX_BUILTINS][ORDO_POLICY_VERSION_LEN];
} builtin_table;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_init(void)
{
    const char *const *names = ordo_policy_builtin_names();
    for (size_t i = 0; names && names[i] && builtin_table.n < MAX_BUILTINS; i++) {
        ordo_policy_t *p = NULL;
        if (ordo_policy_builtin(names[i], &p, NULL) != ORDO_OK || !p)
            continue;
        builtin_table.names[builtin_table.n] = names[i];
        snprintf(builtin_table.versions[builtin_table.n], ORDO_POLICY_VERSION_LEN, "%s",
                 p->version);
        builtin_table.n++;
        ordo_policy_destroy(p);
    }
}

const char *ordo_exp_builtin_policy_version(const char *name)
{
    pthread_once(&builtin_once, builtin_init);
    for (size_t i = 0; name && i < builtin_table.n; i++)
        if (!strcmp(builtin_table.names[i], name))
            return builtin_table.versions[i];
    return NULL;
}

const char *ordo_exp_builtin_policy_name(const char *version)
{
    pthread_once(&builtin_once, builtin_init);
    for (size_t i = 0; version && i < builtin_table.n; i++)
        if (!strcmp(builtin_table.versions[i], version))
            return builtin_table.names[i];
    return NULL;
}

/* ---- names ---- */

static const char *const state_names[] = {"draft", "running", "paused", "stopped", "concluded"};

const char *ordo_exp_state_name(ordo_exp_state_t s)
{
    if ((unsigned)s < sizeof state_names / sizeof state_names[0])
        return state_names[s];
    return "unknown";
}

int ordo_exp_state_parse(const char *s, ordo_exp_state_t *out)
{
    for (size_t i = 0; s && i < sizeof state_names / sizeof state_names[0]; i++)
        if (!strcmp(state_names[i], s)) {
            *out = (ordo_exp_state_t)i;
            return ORDO_OK;
        }
    return ORDO_EINVAL;
}

static const char *const cluster_names[] = {"state", "region"};

/* ---- parsing helpers ---- */

typedef struct pctx {
    const char *file;
    ordo_error_t *err;
} pctx_t;

static int bad(const pctx_t *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(const pctx_t *c, const char *field, const char *fmt, ...)
{
    char msg[ORDO_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ordo_error_set(c->err, ORDO_EINVAL, c->file, 0, field, "%s", msg);
}

/* Every key of obj must be in allowed (NULL-terminated). */
static int check_keys(const pctx_t *c, const cJSON *obj, const char *prefix,
                      const char *const *allowed)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            ok |= !strcmp(it->string, allowed[i]);
        if (!ok) {
            char f[ORDO_ERROR_FIELD_MAX];
            snprintf(f, sizeof f, "%s%s%s", prefix, *prefix ? "." : "", it->string);
            return bad(c, f, "unknown field '%s'", it->string);
        }
        /* cJSON keeps duplicate keys; a document must not have them */
        for (const cJSON *k = obj->child; k != it; k = k->next)
            if (!strcmp(k->string, it->string)) {
                char f[ORDO_ERROR_FIELD_MAX];
                snprintf(f, sizeof f, "%s%s%s", prefix, *prefix ? "." : "", it->string);
                return bad(c, f, "field given twice");
            }
    }
    return ORDO_OK;
}

static bool valid_utf8(const char *s)
{
    uint32_t h = ORDO_EXP_FNV_OFFSET;
    return exp_fnv_utf16(&h, s, strlen(s)) == (size_t)-1;
}

/* A string of 1..max-1 bytes (0..max-1 when allow_empty), valid UTF-8. */
static int get_str(const pctx_t *c, const cJSON *obj, const char *key, const char *field,
                   bool required, bool allow_empty, char *dst, size_t max)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j) {
        if (required)
            return bad(c, field, "missing");
        return ORDO_OK;
    }
    if (!cJSON_IsString(j))
        return bad(c, field, "must be a string");
    size_t n = strlen(j->valuestring);
    if (n == 0 && !allow_empty)
        return bad(c, field, "must not be empty");
    if (n >= max)
        return bad(c, field, "too long (%zu bytes, at most %zu)", n, max - 1);
    if (!valid_utf8(j->valuestring))
        return bad(c, field, "invalid UTF-8");
    memcpy(dst, j->valuestring, n + 1);
    return ORDO_OK;
}

/* A finite number in [lo, hi]; *present tells whether it was given. */
static int get_num(const pctx_t *c, const cJSON *obj, const char *key, const char *field,
                   double lo, double hi, double *dst, bool *present)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (present)
        *present = j != NULL;
    if (!j)
        return ORDO_OK;
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble))
        return bad(c, field, "must be a number");
    if (j->valuedouble < lo || j->valuedouble > hi)
        return bad(c, field, "%g is outside [%g, %g]", j->valuedouble, lo, hi);
    *dst = j->valuedouble;
    return ORDO_OK;
}

static int get_uint(const pctx_t *c, const cJSON *obj, const char *key, const char *field,
                    uint32_t lo, uint32_t hi, uint32_t *dst, bool *present)
{
    double v = 0;
    bool have;
    int rc = get_num(c, obj, key, field, lo, hi, &v, &have);
    if (rc)
        return rc;
    if (present)
        *present = have;
    if (have) {
        if (v != floor(v))
            return bad(c, field, "must be an integer");
        *dst = (uint32_t)v;
    }
    return ORDO_OK;
}

static bool valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= ORDO_EXP_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
        if (!ok)
            return false;
    }
    return true;
}

/* "policy" (a built-in name) and/or "policy_version" of a variant or the
 * shadow. */
static int get_policy(const pctx_t *c, const cJSON *obj, const char *prefix,
                      ordo_exp_variant_t *v)
{
    char f[ORDO_ERROR_FIELD_MAX];
    snprintf(f, sizeof f, "%s.policy", prefix);
    int rc = get_str(c, obj, "policy", f, false, false, v->policy, sizeof v->policy);
    if (rc)
        return rc;
    const char *resolved = NULL;
    if (v->policy[0]) {
        resolved = ordo_exp_builtin_policy_version(v->policy);
        if (!resolved)
            return bad(c, f,
                       "unknown built-in policy '%s' (built-ins: default, proximity-first, "
                       "cost-optimized, inventory-priority, store-fulfillment, drop-ship; "
                       "give \"policy_version\" for a registered policy)",
                       v->policy);
    }
    snprintf(f, sizeof f, "%s.policy_version", prefix);
    char ver[64] = "";
    rc = get_str(c, obj, "policy_version", f, false, false, ver, sizeof ver);
    if (rc)
        return rc;
    if (ver[0]) {
        size_t n = strlen(ver);
        bool hex = n == ORDO_POLICY_VERSION_LEN - 1;
        for (size_t i = 0; hex && i < n; i++)
            hex = (ver[i] >= '0' && ver[i] <= '9') || (ver[i] >= 'a' && ver[i] <= 'f');
        if (!hex)
            return bad(c, f, "'%s' is not a policy version (16 lowercase hex digits)", ver);
        if (resolved && strcmp(resolved, ver))
            return bad(c, f, "version %s is not the version of built-in policy '%s' (%s)", ver,
                       v->policy, resolved);
        memcpy(v->policy_version, ver, n + 1);
    } else if (resolved) {
        snprintf(v->policy_version, sizeof v->policy_version, "%s", resolved);
    } else {
        snprintf(f, sizeof f, "%s", prefix);
        return bad(c, f, "needs \"policy\" (a built-in name) or \"policy_version\"");
    }
    return ORDO_OK;
}

static const char *const top_keys[] = {
    "id",          "hypothesis",       "unit",         "seed",        "hash_version",
    "coverage",    "variants",         "targeting",    "namespace",   "holdouts",
    "stratify",    "switchback",       "warmup_hours", "primary_kpis", "guardrails",
    "alpha",       "power",            "mde",          "min_runtime_days",
    "max_runtime_days", "ramp",        "shadow",       "remove_default_guardrails", NULL};

static const ordo_exp_guardrail_spec_t default_guardrails[ORDO_EXP_DEFAULT_GUARDRAILS] = {
    {"on_time_rate", ORDO_EXP_DIR_DECREASE, 0.02, false},
    {"cost_per_order", ORDO_EXP_DIR_INCREASE, 0.05, true},
    {"cancel_rate", ORDO_EXP_DIR_INCREASE, 0.005, false},
    {"return_rate", ORDO_EXP_DIR_INCREASE, 0.01, false},
};

const ordo_exp_guardrail_spec_t *ordo_exp_default_guardrail(size_t i)
{
    return i < ORDO_EXP_DEFAULT_GUARDRAILS ? &default_guardrails[i] : NULL;
}

static bool declared_guardrail(const ordo_exp_t *e, const char *metric)
{
    for (size_t i = 0; i < e->n_guardrails; i++)
        if (!strcmp(e->guardrails[i].metric, metric))
            return true;
    return false;
}

static bool removed_guardrail(const ordo_exp_t *e, const char *metric)
{
    for (size_t i = 0; i < e->n_removed_guardrails; i++)
        if (!strcmp(e->removed_guardrails[i], metric))
            return true;
    return false;
}

bool ordo_exp_guardrail_is_default(const ordo_exp_t *e, const char *metric)
{
    if (declared_guardrail(e, metric) || removed_guardrail(e, metric))
        return false;
    for (size_t i = 0; i < ORDO_EXP_DEFAULT_GUARDRAILS; i++)
        if (!strcmp(default_guardrails[i].metric, metric))
            return true;
    return false;
}

size_t ordo_exp_effective_guardrails(const ordo_exp_t *e, ordo_exp_guardrail_spec_t *out,
                                     size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < e->n_guardrails && n < cap; i++)
        out[n++] = e->guardrails[i];
    for (size_t i = 0; i < ORDO_EXP_DEFAULT_GUARDRAILS && n < cap; i++)
        if (ordo_exp_guardrail_is_default(e, default_guardrails[i].metric))
            out[n++] = default_guardrails[i];
    return n;
}

static int parse_variants(const pctx_t *c, const cJSON *root, ordo_exp_t *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "variants");
    if (!arr)
        return bad(c, "variants", "missing");
    if (!cJSON_IsArray(arr))
        return bad(c, "variants", "must be an array");
    int n = cJSON_GetArraySize(arr);
    if (n < 2 || n > ORDO_EXP_MAX_ARMS)
        return bad(c, "variants", "needs 2 to %d variants, got %d", ORDO_EXP_MAX_ARMS, n);
    static const char *const keys[] = {"key", "policy", "policy_version", "weight", NULL};
    int n_weights = 0;
    double total = 0;
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
    {
        char p[ORDO_ERROR_FIELD_MAX], f[ORDO_ERROR_FIELD_MAX];
        snprintf(p, sizeof p, "variants[%d]", i);
        if (!cJSON_IsObject(v))
            return bad(c, p, "must be an object");
        int rc = check_keys(c, v, p, keys);
        if (rc)
            return rc;
        ordo_exp_variant_t *var = &e->variants[i];
        snprintf(f, sizeof f, "%s.key", p);
        rc = get_str(c, v, "key", f, true, false, var->key, sizeof var->key);
        if (rc)
            return rc;
        for (int k = 0; k < i; k++)
            if (!strcmp(e->variants[k].key, var->key))
                return bad(c, f, "duplicate variant key '%s'", var->key);
        rc = get_policy(c, v, p, var);
        if (rc)
            return rc;
        snprintf(f, sizeof f, "%s.weight", p);
        bool have;
        rc = get_num(c, v, "weight", f, 0, 1, &var->weight, &have);
        if (rc)
            return rc;
        if (have) {
            n_weights++;
            total += var->weight;
        }
        i++;
    }
    e->n_variants = (size_t)n;
    if (n_weights == 0) {
        for (int k = 0; k < n; k++)
            e->variants[k].weight = 1.0 / n;
    } else if (n_weights != n) {
        for (int k = 0; k < n; k++)
            if (!cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(arr, k), "weight")) {
                char f[ORDO_ERROR_FIELD_MAX];
                snprintf(f, sizeof f, "variants[%d].weight", k);
                return bad(c, f, "missing (give a weight for every variant, or for none)");
            }
    } else if (fabs(total - 1.0) > 0.01) {
        return bad(c, "variants", "weights sum to %.6g, not 1 ± 0.01", total);
    }
    return ORDO_OK;
}

static int parse_namespace(const pctx_t *c, const cJSON *root, ordo_exp_t *e)
{
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(root, "namespace");
    if (!ns)
        return ORDO_OK;
    if (!cJSON_IsObject(ns))
        return bad(c, "namespace", "must be an object {\"layer\", \"start\", \"end\"}");
    static const char *const keys[] = {"layer", "start", "end", NULL};
    int rc = check_keys(c, ns, "namespace", keys);
    if (rc)
        return rc;
    rc = get_str(c, ns, "layer", "namespace.layer", true, false, e->layer, sizeof e->layer);
    if (rc)
        return rc;
    bool hs, he;
    e->namespace_start = 0;
    e->namespace_end = 1;
    if ((rc = get_num(c, ns, "start", "namespace.start", 0, 1, &e->namespace_start, &hs)) ||
        (rc = get_num(c, ns, "end", "namespace.end", 0, 1, &e->namespace_end, &he)))
        return rc;
    if (!hs)
        return bad(c, "namespace.start", "missing");
    if (!he)
        return bad(c, "namespace.end", "missing");
    if (!(e->namespace_start < e->namespace_end))
        return bad(c, "namespace.end", "the range [%g, %g) is empty", e->namespace_start,
                   e->namespace_end);
    e->has_namespace = true;
    return ORDO_OK;
}

static int parse_holdouts(const pctx_t *c, const cJSON *root, ordo_exp_t *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "holdouts");
    if (!arr)
        return ORDO_OK;
    if (!cJSON_IsArray(arr))
        return bad(c, "holdouts", "must be an array");
    if (cJSON_GetArraySize(arr) > ORDO_EXP_MAX_HOLDOUTS)
        return bad(c, "holdouts", "at most %d holdouts", ORDO_EXP_MAX_HOLDOUTS);
    static const char *const keys[] = {"seed", "fraction", NULL};
    int i = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, arr)
    {
        char p[ORDO_ERROR_FIELD_MAX], f[ORDO_ERROR_FIELD_MAX];
        snprintf(p, sizeof p, "holdouts[%d]", i);
        if (!cJSON_IsObject(h))
            return bad(c, p, "must be an object {\"seed\", \"fraction\"}");
        int rc = check_keys(c, h, p, keys);
        if (rc)
            return rc;
        snprintf(f, sizeof f, "%s.seed", p);
        rc = get_str(c, h, "seed", f, true, false, e->holdout_seeds[i], ORDO_EXP_SEED_MAX);
        if (rc)
            return rc;
        snprintf(f, sizeof f, "%s.fraction", p);
        bool have;
        rc = get_num(c, h, "fraction", f, 0, 1, &e->holdout_fractions[i], &have);
        if (rc)
            return rc;
        if (!have)
            return bad(c, f, "missing");
        i++;
    }
    e->n_holdouts = (size_t)i;
    return ORDO_OK;
}

static int parse_cluster(const pctx_t *c, const cJSON *obj, const char *key, const char *field,
                         ordo_exp_cluster_t *out)
{
    char s[16] = "";
    int rc = get_str(c, obj, key, field, false, false, s, sizeof s);
    if (rc)
        return rc;
    if (!s[0])
        return ORDO_OK;
    for (size_t i = 0; i < 2; i++)
        if (!strcmp(s, cluster_names[i])) {
            *out = (ordo_exp_cluster_t)i;
            return ORDO_OK;
        }
    return bad(c, field, "must be \"state\" or \"region\", got '%s'", s);
}

static int parse_stratify(const pctx_t *c, const cJSON *root, ordo_exp_t *e)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "stratify");
    if (!s)
        return ORDO_OK;
    if (!cJSON_IsObject(s))
        return bad(c, "stratify", "must be an object {\"by\", \"block_size\"}");
    static const char *const keys[] = {"by", "block_size", NULL};
    int rc = check_keys(c, s, "stratify", keys);
    if (rc)
        return rc;
    if (e->unit != ORDO_EXP_UNIT_ORDER)
        return bad(c, "stratify",
                   "stratified assignment needs unit \"order\" (a customer must keep one arm "
                   "across orders; switchbacks balance with switchback.block_size)");
    e->stratum = ORDO_EXP_CLUSTER_REGION;
    if ((rc = parse_cluster(c, s, "by", "stratify.by", &e->stratum)))
        return rc;
    e->block_size = 0;
    if ((rc = get_uint(c, s, "block_size", "stratify.block_size", 0, ORDO_EXP_BLOCK_MAX,
                       &e->block_size, NULL)))
        return rc;
    double w[ORDO_EXP_MAX_ARMS];
    for (size_t i = 0; i < e->n_variants; i++)
        w[i] = e->variants[i].weight;
    ordo_exp_blocks_t b;
    ordo_error_t be;
    ordo_error_clear(&be);
    if (ordo_exp_blocks_init(&b, e->n_variants, w, e->n_variants, e->block_size,
                             e->hash_version, &be))
        return bad(c, "stratify.block_size", "%s", be.msg);
    e->block_size = b.size;
    e->stratified = true;
    return ORDO_OK;
}

static int parse_switchback(const pctx_t *c, const cJSON *root, ordo_exp_t *e)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "switchback");
    if (e->unit != ORDO_EXP_UNIT_SWITCHBACK) {
        if (s)
            return bad(c, "switchback", "only for unit \"switchback\"");
        return ORDO_OK;
    }
    if (!s)
        return bad(c, "switchback", "missing (unit \"switchback\" needs its schedule)");
    if (!cJSON_IsObject(s))
        return bad(c, "switchback", "must be an object");
    static const char *const keys[] = {"cluster",         "start",            "window_hours",
                                       "windows",         "burn_in_minutes",  "burn_out_minutes",
                                       "block_size",      NULL};
    int rc = check_keys(c, s, "switchback", keys);
    if (rc)
        return rc;
    e->cluster = ORDO_EXP_CLUSTER_STATE;
    if ((rc = parse_cluster(c, s, "cluster", "switchback.cluster", &e->cluster)))
        return rc;
    char start[64] = "";
    if ((rc = get_str(c, s, "start", "switchback.start", true, false, start, sizeof start)))
        return rc;
    if (ordo_time_parse(start, &e->sb_start))
        return bad(c, "switchback.start", "'%s' is not an ISO 8601 time", start);
    double hours = 0, in = 0, out = 0;
    bool have;
    if ((rc = get_num(c, s, "window_hours", "switchback.window_hours", 1.0 / 60, 24 * 366,
                      &hours, &have)))
        return rc;
    if (!have)
        return bad(c, "switchback.window_hours", "missing");
    if ((rc = get_uint(c, s, "windows", "switchback.windows", 1, 1000000, &e->sb_windows, &have)))
        return rc;
    if (!have)
        return bad(c, "switchback.windows", "missing");
    if ((rc = get_num(c, s, "burn_in_minutes", "switchback.burn_in_minutes", 0, 1e6, &in, NULL)) ||
        (rc = get_num(c, s, "burn_out_minutes", "switchback.burn_out_minutes", 0, 1e6, &out,
                      NULL)) ||
        (rc = get_uint(c, s, "block_size", "switchback.block_size", 0, ORDO_EXP_BLOCK_MAX,
                       &e->sb_block_size, NULL)))
        return rc;
    e->sb_window_seconds = (int64_t)llround(hours * 3600.0);
    e->sb_burn_in_seconds = (int64_t)llround(in * 60.0);
    e->sb_burn_out_seconds = (int64_t)llround(out * 60.0);
    if (e->coverage != 1.0)
        return bad(c, "coverage", "a switchback runs every order of a cluster: coverage must be 1");
    if (cJSON_GetObjectItemCaseSensitive(root, "ramp"))
        return bad(c, "ramp", "a switchback has no ramp (shorten the schedule instead)");
    if (e->has_namespace)
        return bad(c, "namespace", "a switchback cannot use a namespace (its unit is a cluster)");
    if (e->n_holdouts)
        return bad(c, "holdouts", "a switchback cannot use holdouts (its unit is a cluster)");
    ordo_exp_switchback_t sb;
    ordo_error_t se;
    ordo_error_clear(&se);
    if (ordo_exp_switchback_of(e, &sb, &se))
        return bad(c, "switchback", "%s", se.msg);
    return ORDO_OK;
}

static int get_bool(const pctx_t *c, const cJSON *obj, const char *key, const char *field,
                    bool *dst)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j)
        return ORDO_OK;
    if (!cJSON_IsBool(j))
        return bad(c, field, "must be true or false");
    *dst = cJSON_IsTrue(j);
    return ORDO_OK;
}

static int parse_direction(const pctx_t *c, const cJSON *obj, const char *field,
                           ordo_exp_direction_t *dst)
{
    char dir[16] = "";
    int rc = get_str(c, obj, "direction", field, true, false, dir, sizeof dir);
    if (rc)
        return rc;
    if (!strcmp(dir, "decrease"))
        *dst = ORDO_EXP_DIR_DECREASE;
    else if (!strcmp(dir, "increase"))
        *dst = ORDO_EXP_DIR_INCREASE;
    else
        return bad(c, field, "must be \"decrease\" or \"increase\"");
    return ORDO_OK;
}

/* "remove_default_guardrails": metric names of default guardrails. */
static int parse_removed(const pctx_t *c, const cJSON *root, ordo_exp_t *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "remove_default_guardrails");
    if (!arr)
        return ORDO_OK;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > ORDO_EXP_DEFAULT_GUARDRAILS)
        return bad(c, "remove_default_guardrails",
                   "must be an array of at most %d metric names", ORDO_EXP_DEFAULT_GUARDRAILS);
    const cJSON *k;
    int i = 0;
    cJSON_ArrayForEach(k, arr)
    {
        char f[ORDO_ERROR_FIELD_MAX];
        snprintf(f, sizeof f, "remove_default_guardrails[%d]", i);
        if (!cJSON_IsString(k))
            return bad(c, f, "must be a metric name");
        bool known = false;
        for (size_t d = 0; d < ORDO_EXP_DEFAULT_GUARDRAILS; d++)
            known = known || !strcmp(default_guardrails[d].metric, k->valuestring);
        if (!known)
            return bad(c, f,
                       "'%.64s' has no default guardrail (on_time_rate, cost_per_order, "
                       "cancel_rate, return_rate)",
                       k->valuestring);
        if (removed_guardrail(e, k->valuestring))
            return bad(c, f, "'%s' listed twice", k->valuestring);
        snprintf(e->removed_guardrails[i], ORDO_EXP_METRIC_MAX, "%s", k->valuestring);
        e->n_removed_guardrails = (size_t)++i;
    }
    return ORDO_OK;
}

/* "hypothesis": prose, or {"text", "metric", "direction", "bound", "margin",
 * "relative"}. */
static int parse_hypothesis(const pctx_t *c, const cJSON *root, ordo_exp_t *e)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "hypothesis");
    if (!h || cJSON_IsString(h))
        return get_str(c, root, "hypothesis", "hypothesis", true, false, e->hypothesis,
                       sizeof e->hypothesis);
    if (!cJSON_IsObject(h))
        return bad(c, "hypothesis",
                   "must be a string or an object {\"text\", \"metric\", \"direction\", "
                   "\"bound\", \"margin\"}");
    static const char *const keys[] = {"text",  "metric",   "direction", "bound",
                                       "margin", "relative", NULL};
    ordo_exp_claim_t *cl = &e->claim;
    int rc = check_keys(c, h, "hypothesis", keys);
    if (rc || (rc = get_str(c, h, "text", "hypothesis.text", true, false, e->hypothesis,
                            sizeof e->hypothesis)) ||
        (rc = get_str(c, h, "metric", "hypothesis.metric", true, false, cl->metric,
                      sizeof cl->metric)) ||
        (rc = parse_direction(c, h, "hypothesis.direction", &cl->direction)))
        return rc;
    char bound[16] = "";
    if ((rc = get_str(c, h, "bound", "hypothesis.bound", true, false, bound, sizeof bound)))
        return rc;
    if (!strcmp(bound, "at_least"))
        cl->bound = ORDO_EXP_AT_LEAST;
    else if (!strcmp(bound, "at_most"))
        cl->bound = ORDO_EXP_AT_MOST;
    else
        return bad(c, "hypothesis.bound", "must be \"at_least\" or \"at_most\"");
    bool have;
    if ((rc = get_num(c, h, "margin", "hypothesis.margin", 0, 1e12, &cl->margin, &have)))
        return rc;
    if (!have)
        return bad(c, "hypothesis.margin", "missing");
    if ((rc = get_bool(c, h, "relative", "hypothesis.relative", &cl->relative)))
        return rc;
    cl->structured = true;
    return ORDO_OK;
}

static int parse_kpis(const pctx_t *c, const cJSON *root, ordo_exp_t *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "primary_kpis");
    if (!arr)
        return bad(c, "primary_kpis", "missing (pre-register at least one primary KPI)");
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
        cJSON_GetArraySize(arr) > ORDO_EXP_MAX_KPIS)
        return bad(c, "primary_kpis", "must be an array of 1 to %d metric names",
                   ORDO_EXP_MAX_KPIS);
    const cJSON *k;
    int i = 0;
    cJSON_ArrayForEach(k, arr)
    {
        char f[ORDO_ERROR_FIELD_MAX];
        snprintf(f, sizeof f, "primary_kpis[%d]", i);
        if (!cJSON_IsString(k) || !k->valuestring[0] ||
            strlen(k->valuestring) >= ORDO_EXP_METRIC_MAX || !valid_utf8(k->valuestring))
            return bad(c, f, "must be a metric name of 1 to %d bytes", ORDO_EXP_METRIC_MAX - 1);
        for (int j = 0; j < i; j++)
            if (!strcmp(e->kpis[j], k->valuestring))
                return bad(c, f, "'%s' listed twice", k->valuestring);
        snprintf(e->kpis[i], ORDO_EXP_METRIC_MAX, "%s", k->valuestring);
        i++;
    }
    e->n_kpis = (size_t)i;

    arr = cJSON_GetObjectItemCaseSensitive(root, "guardrails");
    if (!arr)
        return parse_removed(c, root, e);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > ORDO_EXP_MAX_GUARDRAILS)
        return bad(c, "guardrails", "must be an array of at most %d guardrails",
                   ORDO_EXP_MAX_GUARDRAILS);
    static const char *const keys[] = {"metric", "direction", "margin", "relative", NULL};
    i = 0;
    cJSON_ArrayForEach(k, arr)
    {
        char p[ORDO_ERROR_FIELD_MAX], f[ORDO_ERROR_FIELD_MAX];
        snprintf(p, sizeof p, "guardrails[%d]", i);
        if (!cJSON_IsObject(k))
            return bad(c, p, "must be an object {\"metric\", \"direction\", \"margin\"}");
        int rc = check_keys(c, k, p, keys);
        if (rc)
            return rc;
        ordo_exp_guardrail_spec_t *g = &e->guardrails[i];
        snprintf(f, sizeof f, "%s.metric", p);
        if ((rc = get_str(c, k, "metric", f, true, false, g->metric, sizeof g->metric)))
            return rc;
        snprintf(f, sizeof f, "%s.direction", p);
        if ((rc = parse_direction(c, k, f, &g->direction)))
            return rc;
        snprintf(f, sizeof f, "%s.margin", p);
        bool have;
        if ((rc = get_num(c, k, "margin", f, 0, 1e12, &g->margin, &have)))
            return rc;
        if (!have)
            return bad(c, f, "missing");
        snprintf(f, sizeof f, "%s.relative", p);
        if ((rc = get_bool(c, k, "relative", f, &g->relative)))
            return rc;
        i++;
    }
    e->n_guardrails = (size_t)i;
    return parse_removed(c, root, e);
}

static int parse_ramp(const pctx_t *c, const cJSON *root, ordo_exp_t *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "ramp");
    if (!arr)
        return ORDO_OK;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
        cJSON_GetArraySize(arr) > ORDO_EXP_MAX_RAMP)
        return bad(c, "ramp", "must be an array of 1 to %d stages", ORDO_EXP_MAX_RAMP);
    static const char *const keys[] = {"percent", "after_hours", NULL};
    const cJSON *s;
    int i = 0;
    cJSON_ArrayForEach(s, arr)
    {
        char p[ORDO_ERROR_FIELD_MAX], f[ORDO_ERROR_FIELD_MAX];
        snprintf(p, sizeof p, "ramp[%d]", i);
        if (!cJSON_IsObject(s))
            return bad(c, p, "must be an object {\"percent\", \"after_hours\"}");
        int rc = check_keys(c, s, p, keys);
        if (rc)
            return rc;
        ordo_exp_ramp_stage_t *st = &e->ramp[i];
        bool have;
        snprintf(f, sizeof f, "%s.percent", p);
        if ((rc = get_num(c, s, "percent", f, 0, 100, &st->percent, &have)))
            return rc;
        if (!have)
            return bad(c, f, "missing");
        if (st->percent <= 0)
            return bad(c, f, "must be above 0");
        if (st->percent / 100.0 > e->coverage + 1e-12)
            return bad(c, f, "%g%% exceeds the coverage %g (the ramp cannot go above it)",
                       st->percent, e->coverage);
        if (i > 0 && st->percent <= e->ramp[i - 1].percent)
            return bad(c, f, "stages must increase (%g after %g)", st->percent,
                       e->ramp[i - 1].percent);
        snprintf(f, sizeof f, "%s.after_hours", p);
        if ((rc = get_num(c, s, "after_hours", f, 0, 24.0 * 3660, &st->after_hours, &have)))
            return rc;
        if (!have)
            return bad(c, f, "missing");
        if (i == 0 && st->after_hours != 0)
            return bad(c, f, "the first stage starts with the experiment: after_hours 0");
        if (i > 0 && st->after_hours <= e->ramp[i - 1].after_hours)
            return bad(c, f, "stages must start one after another (%g after %g)",
                       st->after_hours, e->ramp[i - 1].after_hours);
        i++;
    }
    e->n_ramp = (size_t)i;
    return ORDO_OK;
}

static int parse_root(const pctx_t *c, const cJSON *root, ordo_exp_t *e)
{
    if (!cJSON_IsObject(root))
        return bad(c, "", "an experiment must be a JSON object");
    int rc = check_keys(c, root, "", top_keys);
    if (rc)
        return rc;
    if ((rc = get_str(c, root, "id", "id", true, false, e->id, sizeof e->id)))
        return rc;
    if (!valid_id(e->id))
        return bad(c, "id", "'%s' is not an id (1 to %d of A-Z a-z 0-9 . _ -)", e->id,
                   ORDO_EXP_ID_MAX - 1);
    if ((rc = parse_hypothesis(c, root, e)))
        return rc;
    char unit[32] = "";
    if ((rc = get_str(c, root, "unit", "unit", true, false, unit, sizeof unit)))
        return rc;
    if (ordo_exp_unit_kind_parse(unit, &e->unit))
        return bad(c, "unit", "must be \"order\", \"customer\" or \"switchback\", got '%s'", unit);
    if ((rc = get_str(c, root, "seed", "seed", false, false, e->seed, sizeof e->seed)))
        return rc;
    uint32_t hv = 2;
    if ((rc = get_uint(c, root, "hash_version", "hash_version", 1, 2, &hv, NULL)))
        return rc;
    e->hash_version = (int)hv;
    e->coverage = 1.0;
    if ((rc = get_num(c, root, "coverage", "coverage", 0, 1, &e->coverage, NULL)))
        return rc;
    if ((rc = parse_variants(c, root, e)))
        return rc;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "targeting");
    if (t && !cJSON_IsNull(t)) {
        ordo_error_t ce;
        ordo_error_clear(&ce);
        rc = ordo_cond_parse(t, "targeting", &e->targeting, &ce);
        if (rc)
            return ordo_error_set(c->err, rc, c->file, 0, ce.field[0] ? ce.field : "targeting",
                                  "%s", ce.msg);
    }
    if ((rc = parse_namespace(c, root, e)) || (rc = parse_holdouts(c, root, e)) ||
        (rc = parse_stratify(c, root, e)) || (rc = parse_switchback(c, root, e)) ||
        (rc = parse_kpis(c, root, e)) || (rc = parse_ramp(c, root, e)))
        return rc;
    if ((rc = get_num(c, root, "warmup_hours", "warmup_hours", 0, 24.0 * 3660, &e->warmup_hours,
                      NULL)))
        return rc;
    e->alpha = 0.05;
    e->power = 0.8;
    if ((rc = get_num(c, root, "alpha", "alpha", 1e-9, 0.5, &e->alpha, NULL)) ||
        (rc = get_num(c, root, "power", "power", 0.01, 0.999999, &e->power, NULL)) ||
        (rc = get_num(c, root, "mde", "mde", 0, 1e12, &e->mde, NULL)))
        return rc;
    if (cJSON_GetObjectItemCaseSensitive(root, "mde") && !(e->mde > 0))
        return bad(c, "mde", "must be above 0");
    bool hmin, hmax;
    if ((rc = get_num(c, root, "min_runtime_days", "min_runtime_days", 0, 3660,
                      &e->min_runtime_days, &hmin)) ||
        (rc = get_num(c, root, "max_runtime_days", "max_runtime_days", 0, 3660,
                      &e->max_runtime_days, &hmax)))
        return rc;
    if (hmin && hmax && e->max_runtime_days < e->min_runtime_days)
        return bad(c, "max_runtime_days", "%g is below min_runtime_days %g", e->max_runtime_days,
                   e->min_runtime_days);
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(root, "shadow");
    if (sh) {
        if (!cJSON_IsObject(sh))
            return bad(c, "shadow", "must be an object {\"policy\" or \"policy_version\"}");
        static const char *const keys[] = {"policy", "policy_version", NULL};
        if ((rc = check_keys(c, sh, "shadow", keys)))
            return rc;
        snprintf(e->shadow.key, sizeof e->shadow.key, "shadow");
        if ((rc = get_policy(c, sh, "shadow", &e->shadow)))
            return rc;
        e->has_shadow = true;
    }
    return ORDO_OK;
}

static uint64_t fnv1a64(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static int finish(ordo_exp_t *e, ordo_error_t *err)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_exp_write_json(e, &w);
    int rc = ordo_jsonw_finish(&w);
    if (rc == ORDO_OK)
        snprintf(e->definition_version, sizeof e->definition_version, "%016llx",
                 (unsigned long long)fnv1a64(b.data, b.len));
    ordo_buf_free(&b);
    if (rc)
        return ordo_error_set(err, rc, NULL, 0, NULL, "cannot write the canonical form");
    return ORDO_OK;
}

int ordo_exp_from_cjson(const cJSON *obj, const char *name, ordo_exp_t **out, ordo_error_t *err)
{
    *out = NULL;
    ordo_exp_t *e = calloc(1, sizeof *e);
    if (!e)
        return ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    pctx_t c = {.file = name, .err = err};
    int rc = parse_root(&c, obj, e);
    if (rc == ORDO_OK)
        rc = finish(e, err);
    if (rc) {
        ordo_exp_destroy(e);
        return rc;
    }
    *out = e;
    return ORDO_OK;
}

int ordo_exp_parse(const char *json, size_t len, const char *name, ordo_exp_t **out,
                   ordo_error_t *err)
{
    *out = NULL;
    /* UTF-8, keys given twice, numbers: refused at the door (core/json.c) */
    cJSON *root;
    int rc = ordo_json_parse_doc(json, len, name, 0, &root, err);
    if (rc)
        return rc;
    rc = ordo_exp_from_cjson(root, name, out, err);
    cJSON_Delete(root);
    return rc;
}

void ordo_exp_destroy(ordo_exp_t *e)
{
    if (!e)
        return;
    ordo_cond_destroy(e->targeting);
    free(e);
}

int ordo_exp_variant_index(const ordo_exp_t *e, const char *key)
{
    for (size_t i = 0; key && i < e->n_variants; i++)
        if (!strcmp(e->variants[i].key, key))
            return (int)i;
    return -1;
}

double ordo_exp_coverage_at(const ordo_exp_t *e, int64_t now)
{
    if (e->n_ramp == 0 || e->status.started_at == 0)
        return e->coverage;
    size_t stage = 0;
    for (size_t i = 1; i < e->n_ramp; i++)
        if ((double)(now - e->status.started_at) >= e->ramp[i].after_hours * 3600.0)
            stage = i;
    double c = e->ramp[stage].percent / 100.0;
    return c < e->coverage ? c : e->coverage;
}

/* ---- canonical JSON ---- */

static void write_policy(ordo_jsonw_t *w, const ordo_exp_variant_t *v)
{
    if (v->policy[0])
        ordo_jsonw_kstr(w, "policy", v->policy);
    ordo_jsonw_kstr(w, "policy_version", v->policy_version);
}

/* "variants": key, policy and weight of each arm. */
static void write_variants(const ordo_exp_t *e, ordo_jsonw_t *w)
{
    ordo_jsonw_key(w, "variants");
    ordo_jsonw_arr_begin(w);
    for (size_t i = 0; i < e->n_variants; i++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "key", e->variants[i].key);
        write_policy(w, &e->variants[i]);
        ordo_jsonw_kdouble(w, "weight", e->variants[i].weight);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

/* "namespace" and "holdouts": the traffic this experiment shares with others. */
static void write_layering(const ordo_exp_t *e, ordo_jsonw_t *w)
{
    if (e->has_namespace) {
        ordo_jsonw_key(w, "namespace");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "layer", e->layer);
        ordo_jsonw_kdouble(w, "start", e->namespace_start);
        ordo_jsonw_kdouble(w, "end", e->namespace_end);
        ordo_jsonw_obj_end(w);
    }
    if (e->n_holdouts) {
        ordo_jsonw_key(w, "holdouts");
        ordo_jsonw_arr_begin(w);
        for (size_t i = 0; i < e->n_holdouts; i++) {
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kstr(w, "seed", e->holdout_seeds[i]);
            ordo_jsonw_kdouble(w, "fraction", e->holdout_fractions[i]);
            ordo_jsonw_obj_end(w);
        }
        ordo_jsonw_arr_end(w);
    }
}

/* "stratify" and "switchback": how units are blocked and scheduled. */
static void write_design(const ordo_exp_t *e, ordo_jsonw_t *w)
{
    if (e->stratified) {
        ordo_jsonw_key(w, "stratify");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "by", cluster_names[e->stratum]);
        ordo_jsonw_kint(w, "block_size", e->block_size);
        ordo_jsonw_obj_end(w);
    }
    if (e->unit == ORDO_EXP_UNIT_SWITCHBACK) {
        char t[32];
        ordo_jsonw_key(w, "switchback");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "cluster", cluster_names[e->cluster]);
        ordo_time_format(e->sb_start, t, sizeof t);
        ordo_jsonw_kstr(w, "start", t);
        ordo_jsonw_kdouble(w, "window_hours", (double)e->sb_window_seconds / 3600.0);
        ordo_jsonw_kint(w, "windows", e->sb_windows);
        ordo_jsonw_kdouble(w, "burn_in_minutes", (double)e->sb_burn_in_seconds / 60.0);
        ordo_jsonw_kdouble(w, "burn_out_minutes", (double)e->sb_burn_out_seconds / 60.0);
        ordo_jsonw_kint(w, "block_size", e->sb_block_size);
        ordo_jsonw_obj_end(w);
    }
}

/* "primary_kpis" and "guardrails". */
static void write_metrics(const ordo_exp_t *e, ordo_jsonw_t *w)
{
    ordo_jsonw_key(w, "primary_kpis");
    ordo_jsonw_arr_begin(w);
    for (size_t i = 0; i < e->n_kpis; i++)
        ordo_jsonw_str(w, e->kpis[i]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "guardrails");
    ordo_jsonw_arr_begin(w);
    for (size_t i = 0; i < e->n_guardrails; i++) {
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "metric", e->guardrails[i].metric);
        ordo_jsonw_kstr(w, "direction",
                        e->guardrails[i].direction == ORDO_EXP_DIR_DECREASE ? "decrease"
                                                                            : "increase");
        ordo_jsonw_kdouble(w, "margin", e->guardrails[i].margin);
        if (e->guardrails[i].relative)
            ordo_jsonw_kbool(w, "relative", true);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
    if (e->n_removed_guardrails) {
        ordo_jsonw_key(w, "remove_default_guardrails");
        ordo_jsonw_arr_begin(w);
        for (size_t i = 0; i < e->n_removed_guardrails; i++)
            ordo_jsonw_str(w, e->removed_guardrails[i]);
        ordo_jsonw_arr_end(w);
    }
}

/* A prose hypothesis stays a string (old documents keep their content
 * hash); a structured one is an object. */
static void write_hypothesis(const ordo_exp_t *e, ordo_jsonw_t *w)
{
    const ordo_exp_claim_t *cl = &e->claim;
    if (!cl->structured) {
        ordo_jsonw_kstr(w, "hypothesis", e->hypothesis);
        return;
    }
    ordo_jsonw_key(w, "hypothesis");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "text", e->hypothesis);
    ordo_jsonw_kstr(w, "metric", cl->metric);
    ordo_jsonw_kstr(w, "direction", cl->direction == ORDO_EXP_DIR_DECREASE ? "decrease" : "increase");
    ordo_jsonw_kstr(w, "bound", cl->bound == ORDO_EXP_AT_MOST ? "at_most" : "at_least");
    ordo_jsonw_kdouble(w, "margin", cl->margin);
    if (cl->relative)
        ordo_jsonw_kbool(w, "relative", true);
    ordo_jsonw_obj_end(w);
}

/* Error rates, effect size, runtime bounds and the ramp. */
static void write_stopping(const ordo_exp_t *e, ordo_jsonw_t *w)
{
    ordo_jsonw_kdouble(w, "alpha", e->alpha);
    ordo_jsonw_kdouble(w, "power", e->power);
    if (e->mde > 0)
        ordo_jsonw_kdouble(w, "mde", e->mde);
    if (e->min_runtime_days > 0)
        ordo_jsonw_kdouble(w, "min_runtime_days", e->min_runtime_days);
    if (e->max_runtime_days > 0)
        ordo_jsonw_kdouble(w, "max_runtime_days", e->max_runtime_days);
    if (e->n_ramp) {
        ordo_jsonw_key(w, "ramp");
        ordo_jsonw_arr_begin(w);
        for (size_t i = 0; i < e->n_ramp; i++) {
            ordo_jsonw_obj_begin(w);
            ordo_jsonw_kdouble(w, "percent", e->ramp[i].percent);
            ordo_jsonw_kdouble(w, "after_hours", e->ramp[i].after_hours);
            ordo_jsonw_obj_end(w);
        }
        ordo_jsonw_arr_end(w);
    }
}

void ordo_exp_write_json(const ordo_exp_t *e, ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "id", e->id);
    write_hypothesis(e, w);
    ordo_jsonw_kstr(w, "unit", ordo_exp_unit_kind_name(e->unit));
    if (e->seed[0])
        ordo_jsonw_kstr(w, "seed", e->seed);
    ordo_jsonw_kint(w, "hash_version", e->hash_version);
    ordo_jsonw_kdouble(w, "coverage", e->coverage);
    write_variants(e, w);
    if (e->targeting) {
        ordo_jsonw_key(w, "targeting");
        ordo_cond_write_json(e->targeting, w);
    }
    write_layering(e, w);
    write_design(e, w);
    ordo_jsonw_kdouble(w, "warmup_hours", e->warmup_hours);
    write_metrics(e, w);
    write_stopping(e, w);
    if (e->has_shadow) {
        ordo_jsonw_key(w, "shadow");
        ordo_jsonw_obj_begin(w);
        write_policy(w, &e->shadow);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_obj_end(w);
}

static void ktime(ordo_jsonw_t *w, const char *key, int64_t t)
{
    if (!t) {
        ordo_jsonw_key(w, key);
        ordo_jsonw_null(w);
        return;
    }
    char buf[32];
    ordo_time_format(t, buf, sizeof buf);
    ordo_jsonw_kstr(w, key, buf);
}

void ordo_exp_status_write_json(const ordo_exp_status_t *st, ordo_jsonw_t *w)
{
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "state", ordo_exp_state_name(st->state));
    ordo_jsonw_kbool(w, "killed", st->killed);
    ktime(w, "created_at", st->created_at);
    ktime(w, "started_at", st->started_at);
    ktime(w, "updated_at", st->updated_at);
    ktime(w, "stopped_at", st->stopped_at);
    ktime(w, "concluded_at", st->concluded_at);
    ordo_jsonw_key(w, "winner");
    if (st->winner[0])
        ordo_jsonw_str(w, st->winner);
    else
        ordo_jsonw_null(w);
    ordo_jsonw_kstr(w, "stop_reason", st->stop_reason);
    ordo_jsonw_obj_end(w);
}

int ordo_exp_switchback_of(const ordo_exp_t *e, ordo_exp_switchback_t *sb, ordo_error_t *err)
{
    double w[ORDO_EXP_MAX_ARMS];
    for (size_t i = 0; i < e->n_variants && i < ORDO_EXP_MAX_ARMS; i++)
        w[i] = e->variants[i].weight;
    ordo_exp_switchback_spec_t spec = {.seed = e->seed[0] ? e->seed : e->id,
                                       .hash_version = e->hash_version,
                                       .start = e->sb_start,
                                       .window_seconds = e->sb_window_seconds,
                                       .n_windows = e->sb_windows,
                                       .burn_in_seconds = e->sb_burn_in_seconds,
                                       .burn_out_seconds = e->sb_burn_out_seconds,
                                       .n_arms = e->n_variants,
                                       .weights = w,
                                       .n_weights = e->n_variants,
                                       .block_size = e->sb_block_size};
    return ordo_exp_switchback_init(sb, &spec, err);
}
