/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — inventory documents: snapshot and delta records, each with
 * its as_of, in NDJSON or CSV, applied all-or-nothing (docs/formats.md
 * "Inventory documents"). Every record is parsed and checked first; then
 * one transaction applies them in order, with one audit entry. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "ordo/util.h"
#include "store_internal.h"

#define QTY_MAX 2147483647LL

enum { K_KIND, K_NODE, K_SKU, K_ON_HAND, K_SAFETY, K_QUANTITY, K_AS_OF, K_COUNT };
static const char *const key_names[K_COUNT] = {"kind",         "node",     "sku",  "on_hand",
                                               "safety_stock", "quantity", "as_of"};
/* the CSV header: exactly these columns, in this order */
#define APPLY_CSV_HEADER "kind,node,sku,on_hand,safety_stock,quantity,as_of"

typedef struct apply_row {
    ordo_stock_file_t kind;
    char node[ORDO_STOCK_ID_MAX], sku[ORDO_STOCK_ID_MAX];
    int64_t value;  /* on hand (snapshot) or quantity (delta) */
    int64_t safety; /* -1: keep the cell's */
    int64_t as_of;
    long line;
} apply_row_t;

typedef struct actx {
    const char *name;
    long line;
    ordo_error_t *err;
    apply_row_t *rows;
    size_t n, cap;
} actx_t;

static int afail(const actx_t *c, int code, int k, const char *fmt, const char *arg)
{
    return ordo_error_set(c->err, code, c->name, c->line, k >= 0 ? key_names[k] : NULL, fmt,
                          arg ? arg : "");
}

static int key_of(const char *s, size_t n)
{
    for (int k = 0; k < K_COUNT; k++)
        if (strlen(key_names[k]) == n && !memcmp(key_names[k], s, n))
            return k;
    return -1;
}

/* A string field's value (kind, node, sku, as_of) into the row. */
static int set_text(actx_t *c, apply_row_t *r, int k, const char *s, size_t n)
{
    if (k == K_KIND) {
        if (n == 8 && !memcmp(s, "snapshot", 8))
            r->kind = ORDO_STOCK_SNAPSHOT;
        else if (n == 5 && !memcmp(s, "delta", 5))
            r->kind = ORDO_STOCK_DELTA;
        else
            return afail(c, ORDO_EINVAL, k, "must be 'snapshot' or 'delta'%s", NULL);
        return ORDO_OK;
    }
    if (k == K_NODE || k == K_SKU) {
        if (n == 0 || n >= ORDO_STOCK_ID_MAX)
            return afail(c, ORDO_EINVAL, k, "must be 1 to 255 bytes%s", NULL);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20)
                return afail(c, ORDO_EINVAL, k, "a control character in the id%s", NULL);
        char *dst = k == K_NODE ? r->node : r->sku;
        memcpy(dst, s, n);
        dst[n] = 0;
        return ORDO_OK;
    }
    char buf[40];
    if (n == 0 || n >= sizeof buf)
        return afail(c, ORDO_EPARSE, k, "wants a time with its zone, e.g. 2026-12-01T10:00:00Z%s",
                     NULL);
    memcpy(buf, s, n);
    buf[n] = 0;
    if (n <= 10 || ordo_time_parse(buf, &r->as_of) != ORDO_OK || r->as_of <= 0)
        return afail(c, ORDO_EPARSE, k,
                     "'%s' is not a time with its zone after 1970 (e.g. 2026-12-01T10:00:00Z)",
                     buf);
    return ORDO_OK;
}

/* A number field (on_hand, safety_stock, quantity); range checked later. */
static int set_number(actx_t *c, apply_row_t *r, int k, double v, int64_t *safety)
{
    if (!isfinite(v) || v != floor(v) || fabs(v) > (double)QTY_MAX)
        return afail(c, ORDO_EINVAL, k, "wants an integer from -2147483647 to 2147483647%s",
                     NULL);
    if (k == K_SAFETY)
        *safety = (int64_t)v;
    else
        r->value = (int64_t)v;
    return ORDO_OK;
}

/* The fields a record has, by its kind: a snapshot on_hand (and maybe
 * safety_stock), a delta quantity; both node, sku and as_of. */
static int check_row(actx_t *c, apply_row_t *r, unsigned seen, int64_t safety)
{
    static const int need[] = {K_KIND, K_NODE, K_SKU, K_AS_OF};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (!(seen & (1u << need[i])))
            return afail(c, ORDO_EINVAL, need[i], "missing%s", NULL);
    bool snap = r->kind == ORDO_STOCK_SNAPSHOT;
    int want = snap ? K_ON_HAND : K_QUANTITY, other = snap ? K_QUANTITY : K_ON_HAND;
    if (!(seen & (1u << want)))
        return afail(c, ORDO_EINVAL, want, snap ? "missing: a snapshot sets on hand%s"
                                                : "missing: a delta adds a quantity%s",
                     NULL);
    if (seen & (1u << other))
        return afail(c, ORDO_EINVAL, other, snap ? "not allowed in a snapshot (a delta's)%s"
                                                 : "not allowed in a delta (a snapshot's)%s",
                     NULL);
    if (!snap && (seen & (1u << K_SAFETY)))
        return afail(c, ORDO_EINVAL, K_SAFETY, "not allowed in a delta (a snapshot's)%s", NULL);
    if (snap && r->value < 0)
        return afail(c, ORDO_ERANGE, K_ON_HAND, "wants an integer from 0 to 2147483647%s", NULL);
    if (!snap && r->value == 0)
        return afail(c, ORDO_ERANGE, K_QUANTITY, "must not be 0%s", NULL);
    if (safety < -1 || (safety == -1 && (seen & (1u << K_SAFETY))))
        return afail(c, ORDO_ERANGE, K_SAFETY, "wants an integer from 0 to 2147483647%s", NULL);
    r->safety = safety;
    r->line = c->line;
    return ORDO_OK;
}

static int push_row(actx_t *c, const apply_row_t *r)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        apply_row_t *p = realloc(c->rows, cap * sizeof *p);
        if (!p)
            return ordo_error_set(c->err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        c->rows = p;
        c->cap = cap;
    }
    c->rows[c->n++] = *r;
    return ORDO_OK;
}

/* One NDJSON record: an object of the keys above, each once. */
static int parse_json_line(actx_t *c, const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root)
        return afail(c, ORDO_EPARSE, -1, "malformed JSON%s", NULL);
    int rc = cJSON_IsObject(root) ? ORDO_OK
                                  : afail(c, ORDO_EPARSE, -1, "each line must be an object%s", NULL);
    for (const char *p = end; rc == ORDO_OK && p && p < text + len; p++)
        if (!isspace((unsigned char)*p))
            rc = afail(c, ORDO_EPARSE, -1, "text after the JSON object%s", NULL);
    apply_row_t r = {.safety = -1};
    int64_t safety = -1;
    unsigned seen = 0;
    for (cJSON *it = root->child; rc == ORDO_OK && it; it = it->next) {
        const char *kname = it->string ? it->string : "";
        int k = key_of(kname, strlen(kname));
        if (k < 0) {
            rc = ordo_error_set(c->err, ORDO_EINVAL, c->name, c->line, kname,
                                "unknown field '%.64s'", kname);
            break;
        }
        if (seen & (1u << k)) {
            rc = afail(c, ORDO_EINVAL, k, "given twice%s", NULL);
            break;
        }
        seen |= 1u << k;
        bool num = k == K_ON_HAND || k == K_SAFETY || k == K_QUANTITY;
        if (num && k == K_SAFETY && cJSON_IsNull(it))
            seen &= ~(1u << k); /* null: keep the cell's */
        else if (num)
            rc = cJSON_IsNumber(it) ? set_number(c, &r, k, it->valuedouble, &safety)
                                    : afail(c, ORDO_EINVAL, k, "must be a number%s", NULL);
        else
            rc = cJSON_IsString(it)
                     ? set_text(c, &r, k, it->valuestring, strlen(it->valuestring))
                     : afail(c, ORDO_EINVAL, k, "must be a string%s", NULL);
    }
    cJSON_Delete(root);
    if (rc == ORDO_OK)
        rc = check_row(c, &r, seen, safety);
    return rc ? rc : push_row(c, &r);
}

/* One CSV row under the fixed header; an empty cell is an absent field. */
static int parse_csv_line(actx_t *c, const char *line, size_t len)
{
    ordo_csv_field_t f[ORDO_CSV_MAX_FIELDS];
    int nf = ordo_csv_split(line, len, f, ORDO_CSV_MAX_FIELDS);
    if (nf < 0)
        return afail(c, ORDO_EPARSE, -1, "not a CSV row (an unterminated quote or too many "
                                         "fields)%s",
                     NULL);
    if (nf != K_COUNT) {
        char b[24];
        snprintf(b, sizeof b, "%d", nf);
        return afail(c, ORDO_EPARSE, -1, "%s fields, the header has 7", b);
    }
    apply_row_t r = {.safety = -1};
    int64_t safety = -1;
    unsigned seen = 0;
    for (int k = 0; k < K_COUNT; k++) {
        if (f[k].n == 0)
            continue;
        seen |= 1u << k;
        int rc;
        if (k == K_ON_HAND || k == K_SAFETY || k == K_QUANTITY) {
            int64_t v;
            if (ordo_parse_i64(f[k].p, f[k].n, &v) || v > QTY_MAX || v < -QTY_MAX)
                return afail(c, ORDO_EINVAL, k,
                             "wants an integer from -2147483647 to 2147483647%s", NULL);
            rc = set_number(c, &r, k, (double)v, &safety);
        } else {
            rc = set_text(c, &r, k, f[k].p, f[k].n);
        }
        if (rc)
            return rc;
    }
    int rc = check_row(c, &r, seen, safety);
    return rc ? rc : push_row(c, &r);
}

static int parse_doc(actx_t *c, const char *p, const char *end, ordo_stock_format_t fmt)
{
    if (end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    bool header = fmt != ORDO_STOCK_FMT_CSV;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *l = p;
        p = nl ? nl + 1 : end;
        c->line++;
        while (n && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
            n--;
        if (n == 0)
            continue;
        int rc;
        if (!header) {
            header = true;
            rc = n == strlen(APPLY_CSV_HEADER) && !memcmp(l, APPLY_CSV_HEADER, n)
                     ? ORDO_OK
                     : afail(c, ORDO_EPARSE, -1, "the header must be exactly '%s'",
                             APPLY_CSV_HEADER);
        } else {
            rc = fmt == ORDO_STOCK_FMT_CSV ? parse_csv_line(c, l, n) : parse_json_line(c, l, n);
        }
        if (rc)
            return rc;
    }
    if (fmt == ORDO_STOCK_FMT_CSV && !header)
        return afail(c, ORDO_EPARSE, -1, "empty: the header must be '%s'", APPLY_CSV_HEADER);
    return ORDO_OK;
}

static bool ends_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcasecmp(s + n - m, suffix);
}

static int pick(const char *name, ordo_stock_format_t want, ordo_stock_format_t *out,
                ordo_error_t *err)
{
    *out = want;
    if (want == ORDO_STOCK_FMT_NDJSON || want == ORDO_STOCK_FMT_CSV)
        return ORDO_OK;
    if (ends_ci(name, ".csv"))
        *out = ORDO_STOCK_FMT_CSV;
    else if (ends_ci(name, ".ndjson") || ends_ci(name, ".jsonl") || ends_ci(name, ".json"))
        *out = ORDO_STOCK_FMT_NDJSON;
    else
        return ordo_error_set(err, ORDO_EINVAL, name, 0, "format",
                              "cannot tell the format from the extension (.ndjson, .jsonl, "
                              ".json or .csv): give the format (--format ndjson|csv)");
    return ORDO_OK;
}

/* One record into the store (in the caller's transaction). */
static int apply_row(ordo_store_t *s, const actx_t *c, const apply_row_t *r,
                     ordo_stock_apply_stats_t *st)
{
    store_backend_t *b;
    const store_ops_t *ops = ordo_store_ops(s, &b);
    ordo_error_t *err = c->err;
    int rc;
    if (r->kind == ORDO_STOCK_SNAPSHOT) {
        ordo_stock_row_t cur;
        bool found = false;
        if ((rc = ops->stock_get(b, r->node, r->sku, &cur, &found, err)))
            return rc;
        if (found && r->as_of < cur.as_of) {
            st->stale++; /* the cell changed after this count was taken */
            return ORDO_OK;
        }
        if ((rc = ops->stock_set(b, r->node, r->sku, r->value, r->safety, r->as_of, err)))
            return rc;
        st->snapshots++;
    } else {
        bool found = false;
        rc = ops->stock_add(b, r->node, r->sku, r->value, r->as_of, &found, err);
        if (rc == ORDO_EINVAL)
            return ordo_error_set(err, ORDO_ERANGE, c->name, r->line, "quantity",
                                  "would take on hand of SKU '%s' at node '%s' below 0", r->sku,
                                  r->node);
        if (rc == ORDO_OK && !found)
            return ordo_error_set(err, ORDO_ENOTFOUND, c->name, r->line, "sku",
                                  "no stock of SKU '%s' at node '%s' in the store: apply a "
                                  "snapshot of it first",
                                  r->sku, r->node);
        if (rc)
            return rc;
        st->deltas++;
    }
    st->units += r->value;
    return ORDO_OK;
}

static int apply_all(ordo_store_t *s, const actx_t *c, const char *actor,
                     ordo_stock_apply_stats_t *st)
{
    int rc = ordo_store_tx_begin(s, c->err);
    for (size_t i = 0; rc == ORDO_OK && i < c->n; i++)
        rc = apply_row(s, c, &c->rows[i], st);
    if (rc == ORDO_OK) {
        const char *base = strrchr(c->name, '/');
        base = base ? base + 1 : c->name;
        if (!*base || strlen(base) >= ORDO_STORE_DOC_ID_MAX)
            base = "document";
        char detail[160];
        snprintf(detail, sizeof detail, "{\"snapshots\":%llu,\"deltas\":%llu,\"stale\":%llu}",
                 (unsigned long long)st->snapshots, (unsigned long long)st->deltas,
                 (unsigned long long)st->stale);
        rc = ordo_store_audit_append(s, "inventory", base, actor && *actor ? actor : "ordo",
                                     "apply", NULL, detail, 0, NULL, c->err);
    }
    if (rc == ORDO_OK)
        return ordo_store_tx_commit(s, c->err);
    ordo_store_tx_rollback(s, NULL);
    return rc;
}

int ordo_store_stock_apply(ordo_store_t *store, const char *data, size_t len, const char *name,
                           ordo_stock_format_t fmt, const char *actor, bool check_only,
                           ordo_stock_apply_stats_t *stats, ordo_error_t *err)
{
    ordo_stock_apply_stats_t st = {0};
    if (stats)
        *stats = st;
    if (!name || !*name)
        name = "inventory";
    actx_t c = {.name = name, .err = err};
    int rc = pick(name, fmt, &fmt, err);
    if (rc == ORDO_OK)
        rc = ordo_text_check_utf8(data, len, name, 0, err);
    if (rc == ORDO_OK)
        rc = parse_doc(&c, data, data + len, fmt);
    if (rc == ORDO_OK && c.n == 0)
        rc = ordo_error_set(err, ORDO_EINVAL, name, 0, NULL, "no records");
    if (rc == ORDO_OK && (check_only || !store)) {
        for (size_t i = 0; i < c.n; i++) {
            st.units += c.rows[i].value;
            *(c.rows[i].kind == ORDO_STOCK_SNAPSHOT ? &st.snapshots : &st.deltas) += 1;
        }
    } else if (rc == ORDO_OK) {
        rc = apply_all(store, &c, actor, &st);
    }
    free(c.rows);
    if (stats && rc == ORDO_OK)
        *stats = st;
    return rc;
}

int ordo_store_stock_apply_file(ordo_store_t *store, const char *path, ordo_stock_format_t fmt,
                                const char *actor, bool check_only,
                                ordo_stock_apply_stats_t *stats, ordo_error_t *err)
{
    char *data;
    size_t len;
    int rc = ordo_read_file(path, &data, &len, err);
    if (rc != ORDO_OK)
        return rc;
    rc = ordo_store_stock_apply(store, data, len, path, fmt, actor, check_only, stats, err);
    free(data);
    return rc;
}
