/* ordo — the condition language: paths into an order context, operators and
 * scopes. Parsed once (malloc), evaluated without allocation. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/policy.h"

enum { T_STR, T_NUM, T_BOOL, T_SET };
enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_BETWEEN, OP_IN, OP_CONTAINS, OP_COUNT };
enum { K_LEAF, K_ALL, K_ANY, K_NONE };

static const char *const op_names[OP_COUNT] = {"eq", "ne",      "lt", "le",      "gt",
                                               "ge", "between", "in", "contains"};
static const char *const scope_names[] = {"", "all", "any", "none"};

typedef enum {
    P_REGION,
    P_STATE,
    P_ZIP3,
    P_CHANNEL,
    P_LEVEL,
    P_VALUE,
    P_LINES,
    P_UNITS,
    P_WEIGHT,
    P_RESIDENTIAL,
    P_RURAL,
    P_FAMILIES,
    P_SKUS,
    P_COHORT,
    P_CUSTOMER,
    P_LTV,
    P_UNIT,
    P_COUNT
} path_t;

static const struct {
    const char *name;
    int type;
} paths[P_COUNT] = {
    [P_REGION] = {"order.region", T_STR},
    [P_STATE] = {"order.state", T_STR},
    [P_ZIP3] = {"order.zip3", T_NUM},
    [P_CHANNEL] = {"order.channel", T_STR},
    [P_LEVEL] = {"order.service_level", T_STR},
    [P_VALUE] = {"order.value", T_NUM},
    [P_LINES] = {"order.lines", T_NUM},
    [P_UNITS] = {"order.units", T_NUM},
    [P_WEIGHT] = {"order.weight_lb", T_NUM},
    [P_RESIDENTIAL] = {"order.residential", T_BOOL},
    [P_RURAL] = {"order.rural", T_BOOL},
    [P_FAMILIES] = {"order.families", T_SET},
    [P_SKUS] = {"order.skus", T_SET},
    [P_COHORT] = {"customer.cohort", T_STR},
    [P_CUSTOMER] = {"customer.id", T_STR},
    [P_LTV] = {"customer.lifetime_value", T_NUM},
    [P_UNIT] = {"unit.id", T_STR},
};

struct ordo_cond {
    int kind;
    /* scope */
    uint32_t n_kids;
    ordo_cond_t **kids;
    /* leaf */
    int path, op;
    double num[2];
    bool boolean;
    uint32_t n_vals; /* in: number of values (numbers or strings) */
    double *nums;
    char **strs;
    char *str; /* eq/ne/contains string operand */
};

const char *const *ordo_cond_paths(void)
{
    static const char *const list[] = {"order.region",
                                       "order.state",
                                       "order.zip3",
                                       "order.channel",
                                       "order.service_level",
                                       "order.value",
                                       "order.lines",
                                       "order.units",
                                       "order.weight_lb",
                                       "order.residential",
                                       "order.rural",
                                       "order.families",
                                       "order.skus",
                                       "customer.cohort",
                                       "customer.id",
                                       "customer.lifetime_value",
                                       "unit.id",
                                       NULL};
    _Static_assert(sizeof list / sizeof list[0] == P_COUNT + 1, "paths and list disagree");
    return list;
}

void ordo_cond_destroy(ordo_cond_t *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->n_kids; i++)
        ordo_cond_destroy(c->kids[i]);
    free(c->kids);
    if (c->strs) {
        for (uint32_t i = 0; i < c->n_vals; i++)
            free(c->strs[i]);
        free(c->strs);
    }
    free(c->nums);
    free(c->str);
    free(c);
}

static int fail(ordo_error_t *err, const char *field, const char *fmt, const char *a)
{
    return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, fmt, a ? a : "");
}

static int parse_node(const cJSON *j, const char *field, int depth, ordo_cond_t **out,
                      ordo_error_t *err)
{
    char sub[ORDO_ERROR_FIELD_MAX];
    if (depth > 16)
        return fail(err, field, "conditions nested too deeply%s", "");
    if (!cJSON_IsObject(j))
        return fail(err, field, "a condition must be an object%s", "");
    ordo_cond_t *c = calloc(1, sizeof *c);
    if (!c)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, field, "out of memory");
    *out = c;
    for (int k = K_ALL; k <= K_NONE; k++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, scope_names[k]);
        if (!arr)
            continue;
        if (cJSON_GetArraySize(j) != 1) {
            snprintf(sub, sizeof sub, "%s", field);
            return fail(err, sub, "a '%s' scope must be the only key of its object",
                        scope_names[k]);
        }
        snprintf(sub, sizeof sub, "%s.%s", field, scope_names[k]);
        if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1)
            return fail(err, sub, "must be a non-empty array of conditions%s", "");
        c->kind = k;
        int n = cJSON_GetArraySize(arr);
        c->kids = calloc((size_t)n, sizeof *c->kids);
        if (!c->kids)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, field, "out of memory");
        const cJSON *e;
        int i = 0;
        cJSON_ArrayForEach(e, arr)
        {
            char f2[ORDO_ERROR_FIELD_MAX];
            snprintf(f2, sizeof f2, "%s[%d]", sub, i);
            int rc = parse_node(e, f2, depth + 1, &c->kids[i], err);
            c->n_kids = (uint32_t)i + (c->kids[i] ? 1 : 0);
            if (rc)
                return rc;
            i++;
        }
        return ORDO_OK;
    }
    c->kind = K_LEAF;
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        if (strcmp(it->string, "path") && strcmp(it->string, "op") && strcmp(it->string, "value")) {
            snprintf(sub, sizeof sub, "%s.%s", field, it->string);
            return fail(err, sub,
                        "unknown field '%s' (a condition has path, op, value, or "
                        "a single all/any/none scope)",
                        it->string);
        }
    }
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(j, "path");
    const cJSON *jo = cJSON_GetObjectItemCaseSensitive(j, "op");
    const cJSON *jv = cJSON_GetObjectItemCaseSensitive(j, "value");
    snprintf(sub, sizeof sub, "%s.path", field);
    if (!cJSON_IsString(jp))
        return fail(err, sub, "missing or not a string%s", "");
    c->path = -1;
    for (int i = 0; i < P_COUNT; i++)
        if (!strcmp(paths[i].name, jp->valuestring))
            c->path = i;
    if (c->path < 0)
        return fail(err, sub, "unknown path '%s' (see docs/policies.md)", jp->valuestring);
    snprintf(sub, sizeof sub, "%s.op", field);
    if (!cJSON_IsString(jo))
        return fail(err, sub, "missing or not a string%s", "");
    c->op = -1;
    for (int i = 0; i < OP_COUNT; i++)
        if (!strcmp(op_names[i], jo->valuestring))
            c->op = i;
    if (c->op < 0)
        return fail(err, sub, "unknown operator '%s'", jo->valuestring);
    int type = paths[c->path].type;
    bool ok_op;
    switch (type) {
    case T_NUM:
        ok_op = c->op != OP_CONTAINS;
        break;
    case T_STR:
        ok_op = c->op == OP_EQ || c->op == OP_NE || c->op == OP_IN || c->op == OP_CONTAINS;
        break;
    case T_BOOL:
        ok_op = c->op == OP_EQ || c->op == OP_NE;
        break;
    default:
        ok_op = c->op == OP_CONTAINS || c->op == OP_IN;
        break;
    }
    if (!ok_op)
        return fail(err, sub, "operator '%s' does not apply to this path", jo->valuestring);
    snprintf(sub, sizeof sub, "%s.value", field);
    if (!jv)
        return fail(err, sub, "missing%s", "");
    if (c->op == OP_BETWEEN) {
        if (!cJSON_IsArray(jv) || cJSON_GetArraySize(jv) != 2 ||
            !cJSON_IsNumber(cJSON_GetArrayItem(jv, 0)) ||
            !cJSON_IsNumber(cJSON_GetArrayItem(jv, 1)))
            return fail(err, sub, "'between' needs [low, high] numbers%s", "");
        c->num[0] = cJSON_GetArrayItem(jv, 0)->valuedouble;
        c->num[1] = cJSON_GetArrayItem(jv, 1)->valuedouble;
        if (!isfinite(c->num[0]) || !isfinite(c->num[1]) || c->num[0] > c->num[1])
            return fail(err, sub, "'between' needs finite low <= high%s", "");
        return ORDO_OK;
    }
    if (c->op == OP_IN) {
        if (!cJSON_IsArray(jv) || cJSON_GetArraySize(jv) < 1)
            return fail(err, sub, "'in' needs a non-empty array%s", "");
        int n = cJSON_GetArraySize(jv);
        bool want_num = type == T_NUM;
        if (want_num)
            c->nums = calloc((size_t)n, sizeof *c->nums);
        else
            c->strs = calloc((size_t)n, sizeof *c->strs);
        if (!c->nums && !c->strs)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, field, "out of memory");
        const cJSON *e;
        cJSON_ArrayForEach(e, jv)
        {
            if (want_num) {
                if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
                    return fail(err, sub, "'in' values must be finite numbers for this path%s", "");
                c->nums[c->n_vals++] = e->valuedouble;
            } else {
                if (!cJSON_IsString(e))
                    return fail(err, sub, "'in' values must be strings for this path%s", "");
                c->strs[c->n_vals] = strdup(e->valuestring);
                if (!c->strs[c->n_vals])
                    return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, field, "out of memory");
                c->n_vals++;
            }
        }
        return ORDO_OK;
    }
    switch (type) {
    case T_NUM:
        if (!cJSON_IsNumber(jv) || !isfinite(jv->valuedouble))
            return fail(err, sub, "must be a finite number%s", "");
        c->num[0] = jv->valuedouble;
        break;
    case T_BOOL:
        if (!cJSON_IsBool(jv))
            return fail(err, sub, "must be true or false%s", "");
        c->boolean = cJSON_IsTrue(jv);
        break;
    default:
        if (!cJSON_IsString(jv))
            return fail(err, sub, "must be a string%s", "");
        c->str = strdup(jv->valuestring);
        if (!c->str)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, field, "out of memory");
        break;
    }
    return ORDO_OK;
}

int ordo_cond_parse(const cJSON *json, const char *field, ordo_cond_t **out, ordo_error_t *err)
{
    *out = NULL;
    ordo_cond_t *c = NULL;
    int rc = parse_node(json, field ? field : "when", 0, &c, err);
    if (rc) {
        ordo_cond_destroy(c);
        return rc;
    }
    *out = c;
    return ORDO_OK;
}

static const char *str_of(const ordo_order_ctx_t *x, int p)
{
    switch (p) {
    case P_REGION:
        return x->region;
    case P_STATE:
        return x->state;
    case P_CHANNEL:
        return x->channel;
    case P_LEVEL:
        return x->service_level;
    case P_COHORT:
        return x->cohort;
    case P_CUSTOMER:
        return x->customer_id;
    case P_UNIT:
        return x->unit;
    default:
        return NULL;
    }
}

static bool num_of(const ordo_order_ctx_t *x, int p, double *v)
{
    switch (p) {
    case P_ZIP3:
        if (x->zip3 < 0)
            return false;
        *v = x->zip3;
        return true;
    case P_VALUE:
        *v = x->value;
        return true;
    case P_LINES:
        *v = x->n_lines;
        return true;
    case P_UNITS:
        *v = x->units;
        return true;
    case P_WEIGHT:
        *v = x->weight_lb;
        return true;
    case P_LTV:
        *v = x->lifetime_value;
        return true;
    default:
        return false;
    }
}

static bool set_has(const ordo_order_ctx_t *x, int p, const char *s)
{
    uint32_t n = p == P_FAMILIES ? x->n_families : x->n_skus;
    const char *const *v = p == P_FAMILIES ? x->families : x->skus;
    for (uint32_t i = 0; i < n; i++)
        if (v[i] && !strcmp(v[i], s))
            return true;
    return false;
}

static bool eval_leaf(const ordo_cond_t *c, const ordo_order_ctx_t *x)
{
    int type = paths[c->path].type;
    if (type == T_NUM) {
        double v;
        if (!num_of(x, c->path, &v))
            return false; /* an unknown value never matches */
        switch (c->op) {
        case OP_EQ:
            return v == c->num[0];
        case OP_NE:
            return v != c->num[0];
        case OP_LT:
            return v < c->num[0];
        case OP_LE:
            return v <= c->num[0];
        case OP_GT:
            return v > c->num[0];
        case OP_GE:
            return v >= c->num[0];
        case OP_BETWEEN:
            return v >= c->num[0] && v <= c->num[1];
        case OP_IN:
            for (uint32_t i = 0; i < c->n_vals; i++)
                if (v == c->nums[i])
                    return true;
            return false;
        default:
            return false;
        }
    }
    if (type == T_BOOL) {
        bool v = c->path == P_RESIDENTIAL ? x->residential : x->rural;
        return c->op == OP_EQ ? v == c->boolean : v != c->boolean;
    }
    if (type == T_SET) {
        if (c->op == OP_CONTAINS)
            return set_has(x, c->path, c->str);
        for (uint32_t i = 0; i < c->n_vals; i++)
            if (set_has(x, c->path, c->strs[i]))
                return true;
        return false;
    }
    const char *s = str_of(x, c->path);
    if (!s)
        return false;
    switch (c->op) {
    case OP_EQ:
        return !strcmp(s, c->str);
    case OP_NE:
        return strcmp(s, c->str) != 0;
    case OP_CONTAINS:
        return strstr(s, c->str) != NULL;
    case OP_IN:
        for (uint32_t i = 0; i < c->n_vals; i++)
            if (!strcmp(s, c->strs[i]))
                return true;
        return false;
    default:
        return false;
    }
}

bool ordo_cond_eval(const ordo_cond_t *c, const ordo_order_ctx_t *x)
{
    if (!c)
        return true;
    switch (c->kind) {
    case K_LEAF:
        return eval_leaf(c, x);
    case K_ALL:
        for (uint32_t i = 0; i < c->n_kids; i++)
            if (!ordo_cond_eval(c->kids[i], x))
                return false;
        return true;
    case K_ANY:
        for (uint32_t i = 0; i < c->n_kids; i++)
            if (ordo_cond_eval(c->kids[i], x))
                return true;
        return false;
    default:
        for (uint32_t i = 0; i < c->n_kids; i++)
            if (ordo_cond_eval(c->kids[i], x))
                return false;
        return true;
    }
}

void ordo_cond_write_json(const ordo_cond_t *c, ordo_jsonw_t *w)
{
    if (!c) {
        ordo_jsonw_null(w);
        return;
    }
    ordo_jsonw_obj_begin(w);
    if (c->kind != K_LEAF) {
        ordo_jsonw_key(w, scope_names[c->kind]);
        ordo_jsonw_arr_begin(w);
        for (uint32_t i = 0; i < c->n_kids; i++)
            ordo_cond_write_json(c->kids[i], w);
        ordo_jsonw_arr_end(w);
        ordo_jsonw_obj_end(w);
        return;
    }
    ordo_jsonw_kstr(w, "path", paths[c->path].name);
    ordo_jsonw_kstr(w, "op", op_names[c->op]);
    ordo_jsonw_key(w, "value");
    int type = paths[c->path].type;
    if (c->op == OP_BETWEEN) {
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_double(w, c->num[0]);
        ordo_jsonw_double(w, c->num[1]);
        ordo_jsonw_arr_end(w);
    } else if (c->op == OP_IN) {
        ordo_jsonw_arr_begin(w);
        for (uint32_t i = 0; i < c->n_vals; i++) {
            if (type == T_NUM)
                ordo_jsonw_double(w, c->nums[i]);
            else
                ordo_jsonw_str(w, c->strs[i]);
        }
        ordo_jsonw_arr_end(w);
    } else if (type == T_NUM) {
        ordo_jsonw_double(w, c->num[0]);
    } else if (type == T_BOOL) {
        ordo_jsonw_bool(w, c->boolean);
    } else {
        ordo_jsonw_str(w, c->str);
    }
    ordo_jsonw_obj_end(w);
}

/* ---- order context ---- */

static const struct {
    const char *state, *region;
} regions[] = {
    {"CT", "northeast"}, {"ME", "northeast"}, {"MA", "northeast"}, {"NH", "northeast"},
    {"RI", "northeast"}, {"VT", "northeast"}, {"NJ", "northeast"}, {"NY", "northeast"},
    {"PA", "northeast"}, {"IL", "midwest"},   {"IN", "midwest"},   {"MI", "midwest"},
    {"OH", "midwest"},   {"WI", "midwest"},   {"IA", "midwest"},   {"KS", "midwest"},
    {"MN", "midwest"},   {"MO", "midwest"},   {"NE", "midwest"},   {"ND", "midwest"},
    {"SD", "midwest"},   {"DE", "south"},     {"FL", "south"},     {"GA", "south"},
    {"MD", "south"},     {"NC", "south"},     {"SC", "south"},     {"VA", "south"},
    {"DC", "south"},     {"WV", "south"},     {"AL", "south"},     {"KY", "south"},
    {"MS", "south"},     {"TN", "south"},     {"AR", "south"},     {"LA", "south"},
    {"OK", "south"},     {"TX", "south"},     {"AZ", "west"},      {"CO", "west"},
    {"ID", "west"},      {"MT", "west"},      {"NV", "west"},      {"NM", "west"},
    {"UT", "west"},      {"WY", "west"},      {"AK", "west"},      {"CA", "west"},
    {"HI", "west"},      {"OR", "west"},      {"WA", "west"},      {"PR", "territory"},
    {"VI", "territory"}, {"GU", "territory"}, {"AS", "territory"}, {"MP", "territory"},
    {"PW", "territory"}, {"FM", "territory"}, {"MH", "territory"}, {"AA", "territory"},
    {"AE", "territory"}, {"AP", "territory"},
};

const char *ordo_state_region(const char *state)
{
    if (!state)
        return NULL;
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        if (!strcmp(regions[i].state, state))
            return regions[i].region;
    return NULL;
}

bool ordo_zip3_is_rural(const ordo_geo_t *geo, uint16_t zip3)
{
    if (!geo || zip3 >= ORDO_ZIP3_COUNT)
        return false;
    const ordo_zip3_t *z = ordo_geo_zip3(geo, zip3);
    if (!z || !z->known || z->n_zips == 0)
        return false;
    return (double)z->population / z->n_zips < 4000.0;
}

void ordo_order_ctx_init(ordo_order_ctx_t *x, const ordo_order_t *o, const ordo_network_t *net)
{
    memset(x, 0, sizeof *x);
    x->state = o->state[0] ? o->state : NULL;
    x->region = ordo_state_region(x->state);
    x->zip3 = o->ship_zip ? o->ship_zip3 : -1;
    x->channel = o->channel;
    x->service_level = ordo_service_level_name(o->level);
    x->cohort = o->cohort ? o->cohort : "";
    x->customer_id = o->customer_id ? o->customer_id : "";
    x->lifetime_value = o->lifetime_value;
    x->residential = o->residential;
    x->rural = o->ship_zip ? ordo_zip3_is_rural(net->geo, o->ship_zip3) : false;
    x->n_lines = o->n_lines;
    for (uint32_t i = 0; i < o->n_lines; i++) {
        const ordo_sku_t *s = &net->skus[o->lines[i].sku];
        x->units += o->lines[i].quantity;
        x->value += s->price * o->lines[i].quantity;
        x->weight_lb += s->weight_lb * o->lines[i].quantity;
        const char *fam = s->family < net->n_families ? net->families[s->family] : NULL;
        if (fam && x->n_families < ORDO_CTX_MAX_FAMILIES) {
            bool dup = false;
            /* family names and SKU ids are unique in the network: the
             * same entry is the same name */
            for (uint32_t k = 0; k < x->n_families; k++)
                dup |= x->families[k] == fam;
            if (!dup)
                x->families[x->n_families++] = fam;
        }
        if (x->n_skus < ORDO_CTX_MAX_SKUS) {
            bool dup = false;
            for (uint32_t k = 0; k < x->n_skus; k++)
                dup |= x->skus[k] == s->id;
            if (!dup)
                x->skus[x->n_skus++] = s->id;
        }
    }
}
