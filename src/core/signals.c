/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — signal documents: strict parsing and validation against the
 * network (include/ordo/signals.h, docs/formats.md "Signals"). The
 * snapshot and its lookups are in signals_snapshot.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson_internal.h"
#include "ordo/json.h"
#include "ordo/signals.h"
#include "ordo/util.h"

const char *ordo_signal_kind_name(ordo_signal_kind_t k)
{
    static const char *const names[ORDO_SIGNAL_KINDS] = {"rate", "labour", "backlog",
                                                         "node_status", "carrier_outage"};
    return (unsigned)k < ORDO_SIGNAL_KINDS ? names[k] : "unknown";
}

const char *ordo_node_state_name(ordo_node_state_t s)
{
    return s == ORDO_NODE_STATE_CLOSED ? "closed" : s == ORDO_NODE_STATE_DEGRADED ? "degraded"
                                                                                  : "open";
}

/* One line being parsed: where errors point. */
typedef struct sig_ctx {
    const ordo_network_t *net;
    const char *name;
    uint32_t line;
    ordo_error_t *err;
} sig_ctx_t;

static int fail(const sig_ctx_t *c, int code, const char *field, const char *msg)
{
    return ordo_error_set(c->err, code, c->name, c->line, field, "%s", msg);
}

/* Every key of the object is one of allowed (duplicates were refused by
 * ordo_json_parse_doc). */
static int check_fields(const sig_ctx_t *c, const cJSON *o, const char *const *allowed)
{
    for (const cJSON *it = o->child; it; it = it->next) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(it->string, *a);
        if (!ok)
            return fail(c, ORDO_EPARSE, it->string, "unknown field for this kind of signal");
    }
    return ORDO_OK;
}

static int get_string(const sig_ctx_t *c, const cJSON *o, const char *key, bool required,
                      const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v)
        return required ? fail(c, ORDO_EINVAL, key, "required") : ORDO_OK;
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return fail(c, ORDO_EINVAL, key, "must be a non-empty string");
    *out = v->valuestring;
    return ORDO_OK;
}

/* A number >= lo (> lo when strict), finite (NAN when absent). */
static int get_number(const sig_ctx_t *c, const cJSON *o, const char *key, double lo, bool strict,
                      double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NAN;
    if (!v)
        return ORDO_OK;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return fail(c, ORDO_EINVAL, key, "must be a finite number");
    if (v->valuedouble < lo || (strict && v->valuedouble == lo)) {
        char m[96];
        snprintf(m, sizeof m, "must be %s %g, got %g", strict ? ">" : ">=", lo, v->valuedouble);
        return fail(c, ORDO_EINVAL, key, m);
    }
    *out = v->valuedouble;
    return ORDO_OK;
}

static int get_time(const sig_ctx_t *c, const cJSON *o, const char *key, bool required,
                    int64_t *out)
{
    const char *s;
    int rc = get_string(c, o, key, required, &s);
    if (rc || !s)
        return rc;
    if (ordo_time_parse(s, out) != ORDO_OK)
        return fail(c, ORDO_EPARSE, key, "not an ISO-8601 time (2026-12-06T14:00:00Z)");
    return ORDO_OK;
}

/* effective_from, effective_to (optional) and the window's order. */
static int parse_window(const sig_ctx_t *c, const cJSON *o, ordo_signal_t *s)
{
    int rc = get_time(c, o, "effective_from", true, &s->from);
    if (rc)
        return rc;
    s->to = ORDO_SIGNAL_OPEN_END;
    if ((rc = get_time(c, o, "effective_to", false, &s->to)))
        return rc;
    if (s->to <= s->from)
        return fail(c, ORDO_EINVAL, "effective_to", "the window ends at or before it starts");
    return ORDO_OK;
}

static int parse_node(const sig_ctx_t *c, const cJSON *o, ordo_signal_t *s)
{
    const char *id;
    int rc = get_string(c, o, "node", true, &id);
    if (rc)
        return rc;
    s->node = ordo_network_node(c->net, id);
    return s->node < 0 ? fail(c, ORDO_ENOTFOUND, "node", "unknown node") : ORDO_OK;
}

/* carrier and optional service: *svc -1 for every service of the carrier. */
static int parse_carrier(const sig_ctx_t *c, const cJSON *o, const char **carrier, int32_t *svc)
{
    const char *sid;
    int rc = get_string(c, o, "carrier", true, carrier);
    if (!rc)
        rc = get_string(c, o, "service", false, &sid);
    if (rc)
        return rc;
    bool known = false;
    for (uint32_t i = 0; i < c->net->n_services && !known; i++)
        known = !strcmp(c->net->services[i].carrier, *carrier);
    if (!known)
        return fail(c, ORDO_ENOTFOUND, "carrier", "unknown carrier");
    *svc = -1;
    if (!sid)
        return ORDO_OK;
    *svc = ordo_network_service(c->net, sid);
    if (*svc < 0)
        return fail(c, ORDO_ENOTFOUND, "service", "unknown carrier service");
    if (strcmp(c->net->services[*svc].carrier, *carrier))
        return fail(c, ORDO_EINVAL, "service", "the service is not of this carrier");
    return ORDO_OK;
}

static int parse_rate(const sig_ctx_t *c, const cJSON *o, ordo_signal_t *s)
{
    int rc = get_number(c, o, "rate_multiplier", 0, true, &s->rate_multiplier);
    if (!rc)
        rc = get_number(c, o, "fuel_surcharge_pct", 0, false, &s->fuel_pct);
    if (rc)
        return rc;
    if (isnan(s->rate_multiplier) && isnan(s->fuel_pct))
        return fail(c, ORDO_EINVAL, "rate_multiplier",
                    "a rate signal needs rate_multiplier or fuel_surcharge_pct");
    if (s->rate_multiplier > 100 || s->fuel_pct > 1000)
        return fail(c, ORDO_ERANGE, isnan(s->fuel_pct) ? "rate_multiplier" : "fuel_surcharge_pct",
                    "out of range (rate_multiplier <= 100, fuel_surcharge_pct <= 1000)");
    return ORDO_OK;
}

static int parse_labour(const sig_ctx_t *c, const cJSON *o, ordo_signal_t *s)
{
    int rc = get_number(c, o, "labour_rate", 0, false, &s->labour_rate);
    if (!rc)
        rc = get_number(c, o, "picks_per_hour", 0, true, &s->picks_per_hour);
    if (!rc)
        rc = get_number(c, o, "capacity", 0, true, &s->capacity);
    if (rc)
        return rc;
    if (isnan(s->labour_rate) != isnan(s->picks_per_hour))
        return fail(c, ORDO_EINVAL, isnan(s->labour_rate) ? "labour_rate" : "picks_per_hour",
                    "labour_rate and picks_per_hour are given together");
    if (isnan(s->labour_rate) && isnan(s->capacity))
        return fail(c, ORDO_EINVAL, "capacity",
                    "a labour signal needs capacity or labour_rate with picks_per_hour");
    if (s->capacity > 4e9)
        return fail(c, ORDO_ERANGE, "capacity", "at most 4e9 units/day");
    return ORDO_OK;
}

static int parse_status(const sig_ctx_t *c, const cJSON *o, ordo_signal_t *s)
{
    const char *st;
    int rc = get_string(c, o, "status", true, &st);
    if (!rc)
        rc = get_number(c, o, "capacity_factor", 0, true, &s->capacity_factor);
    if (rc)
        return rc;
    if (!strcmp(st, "open"))
        s->state = ORDO_NODE_STATE_OPEN;
    else if (!strcmp(st, "degraded"))
        s->state = ORDO_NODE_STATE_DEGRADED;
    else if (!strcmp(st, "closed"))
        s->state = ORDO_NODE_STATE_CLOSED;
    else
        return fail(c, ORDO_EINVAL, "status", "must be open, degraded or closed");
    bool deg = s->state == ORDO_NODE_STATE_DEGRADED;
    if (deg != !isnan(s->capacity_factor))
        return fail(c, ORDO_EINVAL, "capacity_factor",
                    deg ? "a degraded node needs capacity_factor"
                        : "capacity_factor is for a degraded node only");
    if (deg && s->capacity_factor > 1)
        return fail(c, ORDO_ERANGE, "capacity_factor", "must be in (0, 1]");
    return ORDO_OK;
}

/* The ZIP3s of the outage's area: `region` (geo's region table), `states`
 * (two-letter codes) or `zip3` (three-digit strings), exactly one. */
static int outage_area(const sig_ctx_t *c, const cJSON *o, ordo_signal_t *s)
{
    const cJSON *reg = cJSON_GetObjectItemCaseSensitive(o, "region");
    const cJSON *sts = cJSON_GetObjectItemCaseSensitive(o, "states");
    const cJSON *z3 = cJSON_GetObjectItemCaseSensitive(o, "zip3");
    if ((reg != NULL) + (sts != NULL) + (z3 != NULL) != 1)
        return fail(c, ORDO_EINVAL, "region", "an outage needs one of region, states or zip3");
    const ordo_geo_t *geo = c->net->geo;
    size_t an = 0;
    if (reg) {
        ordo_geo_region_t r;
        if (!cJSON_IsString(reg) || ordo_geo_region_parse(reg->valuestring, &r) != ORDO_OK)
            return fail(c, ORDO_ENOTFOUND, "region",
                        "unknown region (northeast, midwest, south, west, territory)");
        for (uint32_t z = 0; z < ORDO_ZIP3_COUNT; z++) {
            const ordo_zip3_t *t = ordo_geo_zip3(geo, (uint16_t)z);
            if (t->known && ordo_geo_state_region(t->state) == r)
                s->zip3_mask[z / 8] |= (uint8_t)(1u << (z % 8));
        }
        snprintf(s->area, sizeof s->area, "region:%s", ordo_geo_region_name(r));
        return ORDO_OK;
    }
    const cJSON *arr = sts ? sts : z3;
    const char *field = sts ? "states" : "zip3";
    if (!cJSON_IsArray(arr) || !arr->child)
        return fail(c, ORDO_EINVAL, field, "must be a non-empty array of strings");
    an = (size_t)snprintf(s->area, sizeof s->area, "%s:", field);
    for (const cJSON *it = arr->child; it; it = it->next) {
        const char *v = cJSON_IsString(it) ? it->valuestring : "";
        bool ok = false;
        for (uint32_t z = 0; z < ORDO_ZIP3_COUNT; z++) {
            const ordo_zip3_t *t = ordo_geo_zip3(geo, (uint16_t)z);
            bool hit = sts ? t->known && !strcmp(t->state, v)
                           : strlen(v) == 3 && v[0] >= '0' && v[0] <= '9' && v[1] >= '0' &&
                                 v[1] <= '9' && v[2] >= '0' && v[2] <= '9' &&
                                 (uint32_t)atoi(v) == z;
            if (hit) {
                s->zip3_mask[z / 8] |= (uint8_t)(1u << (z % 8));
                ok = true;
            }
        }
        if (!ok)
            return fail(c, ORDO_ENOTFOUND, field, sts ? "unknown state" : "unknown ZIP3");
        if (an < sizeof s->area)
            an += (size_t)snprintf(s->area + an, sizeof s->area - an, "%s%s",
                                   it == arr->child ? "" : ",", v);
    }
    return ORDO_OK;
}

static int parse_outage(const sig_ctx_t *c, const cJSON *o, ordo_signal_t *s)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "restored");
    if (r && !cJSON_IsBool(r))
        return fail(c, ORDO_EINVAL, "restored", "must be true or false");
    s->restored = r && cJSON_IsTrue(r);
    return outage_area(c, o, s);
}

static const char *const common_fields[] = {"kind", "effective_from", "effective_to", "note"};
static const char *const kind_fields[ORDO_SIGNAL_KINDS][6] = {
    {"carrier", "service", "rate_multiplier", "fuel_surcharge_pct", NULL},
    {"node", "labour_rate", "picks_per_hour", "capacity", NULL},
    {"node", "units", NULL},
    {"node", "status", "capacity_factor", NULL},
    {"carrier", "service", "region", "states", "zip3", "restored"},
};

static int check_kind_fields(const sig_ctx_t *c, const cJSON *o, ordo_signal_kind_t k)
{
    const char *allowed[16];
    size_t n = 0;
    for (size_t i = 0; i < 4; i++)
        allowed[n++] = common_fields[i];
    for (size_t i = 0; i < 6 && kind_fields[k][i]; i++)
        allowed[n++] = kind_fields[k][i];
    allowed[n] = NULL;
    const char *note;
    int rc = check_fields(c, o, allowed);
    return rc ? rc : get_string(c, o, "note", false, &note);
}

/* One signal object → s (its service -1 for a carrier-wide one). */
static int parse_object(const sig_ctx_t *c, const cJSON *o, ordo_signal_t *s)
{
    if (!cJSON_IsObject(o))
        return fail(c, ORDO_EPARSE, "kind", "a signal is a JSON object");
    const char *kind;
    int rc = get_string(c, o, "kind", true, &kind);
    if (rc)
        return rc;
    int k = -1;
    for (int i = 0; i < ORDO_SIGNAL_KINDS; i++)
        if (!strcmp(kind, ordo_signal_kind_name((ordo_signal_kind_t)i)))
            k = i;
    if (k < 0)
        return fail(c, ORDO_EINVAL, "kind",
                    "unknown kind (rate, labour, backlog, node_status, carrier_outage)");
    memset(s, 0, sizeof *s);
    s->kind = (ordo_signal_kind_t)k;
    s->node = s->service = -1;
    s->line = c->line;
    s->rate_multiplier = s->fuel_pct = s->labour_rate = s->picks_per_hour = s->capacity = NAN;
    s->backlog = s->capacity_factor = NAN;
    if ((rc = check_kind_fields(c, o, s->kind)) || (rc = parse_window(c, o, s)))
        return rc;
    const char *carrier;
    switch (s->kind) {
    case ORDO_SIGNAL_RATE:
        if ((rc = parse_carrier(c, o, &carrier, &s->service)))
            return rc;
        return parse_rate(c, o, s);
    case ORDO_SIGNAL_LABOUR:
        return (rc = parse_node(c, o, s)) ? rc : parse_labour(c, o, s);
    case ORDO_SIGNAL_BACKLOG:
        if ((rc = parse_node(c, o, s)) || (rc = get_number(c, o, "units", 0, false, &s->backlog)))
            return rc;
        return isnan(s->backlog) ? fail(c, ORDO_EINVAL, "units", "required") : ORDO_OK;
    case ORDO_SIGNAL_NODE_STATUS:
        return (rc = parse_node(c, o, s)) ? rc : parse_status(c, o, s);
    default:
        if ((rc = parse_carrier(c, o, &carrier, &s->service)))
            return rc;
        return parse_outage(c, o, s);
    }
}

static bool list_reserve(ordo_signal_list_t *l, size_t more_sig, size_t more_lines)
{
    if (l->n + more_sig > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        while (cap < l->n + more_sig)
            cap *= 2;
        ordo_signal_t *p = realloc(l->sig, cap * sizeof *p);
        if (!p)
            return false;
        l->sig = p;
        l->cap = cap;
    }
    if (l->n_lines + more_lines > l->cap_lines) {
        size_t cap = l->cap_lines ? l->cap_lines * 2 : 64;
        ordo_signal_doc_line_t *p = realloc(l->lines, cap * sizeof *p);
        if (!p)
            return false;
        l->lines = p;
        l->cap_lines = cap;
    }
    return true;
}

/* s, once per service it covers (a carrier-wide one: each service of the
 * carrier), into the list. */
static int append_expanded(const sig_ctx_t *c, const ordo_signal_t *s, const char *carrier,
                           ordo_signal_list_t *l)
{
    bool per_service = s->kind == ORDO_SIGNAL_RATE || s->kind == ORDO_SIGNAL_CARRIER_OUTAGE;
    if (!per_service || s->service >= 0) {
        if (!list_reserve(l, 1, 0))
            return fail(c, ORDO_ENOMEM, NULL, "out of memory");
        l->sig[l->n++] = *s;
        return ORDO_OK;
    }
    for (uint32_t i = 0; i < c->net->n_services; i++) {
        if (strcmp(c->net->services[i].carrier, carrier))
            continue;
        if (!list_reserve(l, 1, 0))
            return fail(c, ORDO_ENOMEM, NULL, "out of memory");
        l->sig[l->n] = *s;
        l->sig[l->n++].service = (int32_t)i;
    }
    return ORDO_OK;
}

/* JSON has no NaN nor Infinity: a line that writes one as a member's value
 * is refused naming that member (else the parser's error stands). */
static int non_number(const sig_ctx_t *c, const char *p, size_t n, int rc)
{
    static const char *const words[] = {"NaN", "nan", "Infinity", "inf"};
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ':')
            continue;
        size_t j = i + 1;
        while (j < n && (p[j] == ' ' || p[j] == '-' || p[j] == '+'))
            j++;
        for (size_t w = 0; w < 4; w++) {
            size_t wl = strlen(words[w]);
            if (j + wl > n || memcmp(p + j, words[w], wl))
                continue;
            size_t e = i; /* the key before the colon: "key" */
            while (e > 0 && p[e - 1] == ' ')
                e--;
            size_t b = e >= 2 ? e - 2 : 0;
            while (b > 0 && p[b] != '"')
                b--;
            char key[ORDO_ERROR_FIELD_MAX];
            snprintf(key, sizeof key, "%.*s", e >= b + 2 ? (int)(e - b - 2) : 0, p + b + 1);
            return fail(c, ORDO_EINVAL, key, "must be a finite number (JSON has no NaN)");
        }
    }
    return rc;
}

/* One non-blank line: parsed, validated, appended. */
static int parse_line(const sig_ctx_t *c, const char *p, size_t n, size_t off, uint64_t version,
                      ordo_signal_list_t *l)
{
    cJSON *o = NULL;
    int rc = ordo_json_parse_doc(p, n, c->name, c->line, &o, c->err);
    if (rc == ORDO_EPARSE)
        return non_number(c, p, n, rc);
    if (rc)
        return rc;
    ordo_signal_t s;
    rc = parse_object(c, o, &s);
    const char *carrier = NULL;
    if (!rc && (s.kind == ORDO_SIGNAL_RATE || s.kind == ORDO_SIGNAL_CARRIER_OUTAGE))
        carrier = cJSON_GetObjectItemCaseSensitive(o, "carrier")->valuestring;
    s.version = version;
    if (!rc)
        rc = append_expanded(c, &s, carrier, l);
    cJSON_Delete(o);
    if (rc)
        return rc;
    if (!list_reserve(l, 0, 1))
        return fail(c, ORDO_ENOMEM, NULL, "out of memory");
    l->lines[l->n_lines++] =
        (ordo_signal_doc_line_t){c->line, off, n, s.kind, s.from, s.to};
    return ORDO_OK;
}

int ordo_signal_key_cmp(const ordo_signal_t *x, const ordo_signal_t *y)
{
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    if (x->service != y->service)
        return x->service < y->service ? -1 : 1;
    return strcmp(x->area, y->area);
}

/* By key, then window start: overlaps of one key are neighbours. */
static int key_cmp(const void *a, const void *b)
{
    const ordo_signal_t *x = *(const ordo_signal_t *const *)a, *y = *(const ordo_signal_t *const *)b;
    int k = ordo_signal_key_cmp(x, y);
    if (k)
        return k;
    return x->from < y->from ? -1 : x->from > y->from ? 1 : 0;
}

/* Two windows of one key in one document that overlap: an error naming
 * the later line. */
static int check_overlaps(const ordo_signal_list_t *l, size_t first, const char *name,
                          ordo_error_t *err)
{
    size_t n = l->n - first;
    if (n < 2)
        return ORDO_OK;
    const ordo_signal_t **v = malloc(n * sizeof *v);
    if (!v)
        return ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    for (size_t i = 0; i < n; i++)
        v[i] = &l->sig[first + i];
    qsort(v, n, sizeof *v, key_cmp);
    int rc = ORDO_OK;
    for (size_t i = 1; i < n && !rc; i++) {
        const ordo_signal_t *a = v[i - 1], *b = v[i];
        if (!ordo_signal_key_cmp(a, b) && b->from < a->to) {
            const ordo_signal_t *late = a->line > b->line ? a : b;
            rc = ordo_error_set(err, ORDO_EEXIST, name, late->line, "effective_from",
                                "duplicate %s signal: its window overlaps line %u's for the same "
                                "%s",
                                ordo_signal_kind_name(a->kind), a->line == late->line ? b->line
                                                                                      : a->line,
                                a->node >= 0 ? "node" : "carrier service");
        }
    }
    free(v);
    return rc;
}

int ordo_signals_parse(const char *text, size_t len, const ordo_network_t *net, const char *name,
                       uint32_t first_line, uint64_t version, bool overlap_check,
                       ordo_signal_list_t *list, ordo_error_t *err)
{
    size_t n0 = list->n, l0 = list->n_lines;
    sig_ctx_t c = {net, name, first_line ? first_line : 1, err};
    int rc = ORDO_OK;
    if (!ordo_utf8_valid(text, len))
        rc = ordo_text_check_utf8(text, len, name, (long)c.line, err);
    for (size_t off = 0; !rc && off < len; c.line++) {
        const char *p = text + off, *nl = memchr(p, '\n', len - off);
        size_t n = nl ? (size_t)(nl - p) : len - off;
        size_t blank = 0;
        while (blank < n && (p[blank] == ' ' || p[blank] == '\t' || p[blank] == '\r'))
            blank++;
        if (blank < n)
            rc = parse_line(&c, p, n, off, version, list);
        off += n + (nl != NULL);
    }
    if (!rc && overlap_check)
        rc = check_overlaps(list, n0, name, err);
    if (rc) {
        list->n = n0;
        list->n_lines = l0;
    }
    return rc;
}

void ordo_signal_list_free(ordo_signal_list_t *l)
{
    if (!l)
        return;
    free(l->sig);
    free(l->lines);
    memset(l, 0, sizeof *l);
}

void ordo_signal_write_fields(struct ordo_jsonw *w, const ordo_network_t *net,
                              const ordo_signal_t *g)
{
    char t[32];
    ordo_jsonw_kstr(w, "kind", ordo_signal_kind_name(g->kind));
    ordo_jsonw_kint(w, "version", (int64_t)g->version);
    ordo_jsonw_kint(w, "line", g->line);
    if (g->node >= 0)
        ordo_jsonw_kstr(w, "node", net->nodes[g->node].id);
    if (g->service >= 0) {
        ordo_jsonw_kstr(w, "carrier", net->services[g->service].carrier);
        ordo_jsonw_kstr(w, "service", net->services[g->service].id);
    }
    ordo_jsonw_kstr(w, "effective_from", ordo_time_format(g->from, t, sizeof t));
    if (g->to != ORDO_SIGNAL_OPEN_END)
        ordo_jsonw_kstr(w, "effective_to", ordo_time_format(g->to, t, sizeof t));
    const struct {
        const char *k;
        double v;
    } nums[] = {{"rate_multiplier", g->rate_multiplier}, {"fuel_surcharge_pct", g->fuel_pct},
                {"labour_rate", g->labour_rate},         {"picks_per_hour", g->picks_per_hour},
                {"capacity", g->capacity},               {"units", g->backlog},
                {"capacity_factor", g->capacity_factor}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (!isnan(nums[i].v))
            ordo_jsonw_kdouble(w, nums[i].k, nums[i].v);
    if (g->kind == ORDO_SIGNAL_NODE_STATUS)
        ordo_jsonw_kstr(w, "status", ordo_node_state_name(g->state));
    if (g->kind == ORDO_SIGNAL_CARRIER_OUTAGE) {
        ordo_jsonw_kstr(w, "area", g->area);
        ordo_jsonw_kbool(w, "restored", g->restored);
    }
}
