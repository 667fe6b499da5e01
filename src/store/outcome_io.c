/* SPDX-License-Identifier: Apache-2.0 */
/* ordo store — reading outcome events from NDJSON and CSV files, and the
 * all-or-nothing ingest of a set of files (docs/outcomes.md). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "ordo/util.h"
#include "store_internal.h"

/* Fields of an outcome record, in NDJSON keys and CSV header names. */
enum {
    F_EVENT_ID,
    F_ORDER_ID,
    F_SHIPMENT,
    F_TYPE,
    F_AT,
    F_PROMISED_BY,
    F_CARRIER_COST,
    F_REFUND,
    F_PICK,
    F_PACK,
    F_SHIP,
    F_RETURN,
    F_CARRYING,
    F_MEASURE, /* measure events: the measure's name, */
    F_VALUE,   /* its value */
    F_NODE,    /* and where (optional) */
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "event_id", "order_id", "shipment", "type", "at",     "promised_by", "carrier_cost",
    "refund",   "pick",     "pack",     "ship", "return", "carrying",    "measure",
    "value",    "node",
};

static bool field_is_number(int f)
{
    return f == F_SHIPMENT || (f >= F_CARRIER_COST && f <= F_CARRYING) || f == F_VALUE;
}

static int field_lookup(const char *name, size_t n)
{
    for (int f = 0; f < F_COUNT; f++)
        if (strlen(field_names[f]) == n && !memcmp(field_names[f], name, n))
            return f;
    return -1;
}

typedef struct pctx {
    const char *file;
    long line;
    ordo_error_t *err;
} pctx_t;

static int fail(const pctx_t *c, int code, const char *field, const char *fmt, const char *arg)
{
    return ordo_error_set(c->err, code, c->file, c->line, field, fmt, arg);
}

static int set_id(char *dst, const char *s, size_t n, const pctx_t *c, int f)
{
    if (n == 0)
        return fail(c, ORDO_EINVAL, field_names[f], "empty%s", "");
    if (n >= ORDO_OUTCOME_ID_MAX)
        return fail(c, ORDO_ERANGE, field_names[f], "longer than 95 bytes%s", "");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return fail(c, ORDO_EINVAL, field_names[f], "control character in id%s", "");
    memcpy(dst, s, n);
    dst[n] = 0;
    return ORDO_OK;
}

static int parse_time(const char *s, size_t n, bool date_ok, int64_t *out, const pctx_t *c, int f)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return fail(c, ORDO_EPARSE, field_names[f], "bad timestamp (want 2026-11-24T15:04:05Z)%s",
                    "");
    memcpy(buf, s, n);
    buf[n] = 0;
    int64_t t;
    if (ordo_time_parse(buf, &t) != ORDO_OK)
        return fail(c, ORDO_EPARSE, field_names[f],
                    "bad timestamp '%s' (want e.g. 2026-11-24T15:04:05Z)", buf);
    if (n == 10) {
        if (!date_ok)
            return fail(c, ORDO_EPARSE, field_names[f],
                        "'%s' is a date: a time with its zone is needed (2026-11-24T15:04:05Z)",
                        buf);
        t += 86399; /* a promise date means by the end of that day (UTC) */
    }
    if (t <= 0)
        return fail(c, ORDO_ERANGE, field_names[f], "timestamp '%s' is not after 1970", buf);
    *out = t;
    return ORDO_OK;
}

/* An unknown name of a field (its first 40 bytes quoted in fmt's %s). */
static int unknown_name(const pctx_t *c, const char *field, const char *fmt, const char *s,
                        size_t n)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)(n < 40 ? n : 40), s);
    return fail(c, ORDO_EINVAL, field, fmt, buf);
}

static int set_measure(ordo_outcome_event_t *e, const char *s, size_t n, const pctx_t *c)
{
    int m = ordo_measure_from_name(s, n);
    if (m < 0)
        return unknown_name(c, "measure",
                            "unknown measure '%s' (satisfaction, dock_to_truck_hours, "
                            "labour_utilisation, pick_rate)",
                            s, n);
    e->measure = (ordo_measure_t)m;
    return ORDO_OK;
}

/* A string-valued field. */
static int set_str(ordo_outcome_event_t *e, int f, const char *s, size_t n, const pctx_t *c)
{
    switch (f) {
    case F_EVENT_ID:
        return set_id(e->event_id, s, n, c, f);
    case F_ORDER_ID:
        return set_id(e->order_id, s, n, c, f);
    case F_TYPE: {
        e->type = ordo_outcome_type_from_name(s, n);
        if (e->type == ORDO_OUTCOME_NONE)
            return unknown_name(c, "type",
                                "unknown event type '%s' (shipped, delivered, returned, "
                                "cancelled, cost, measure)",
                                s, n);
        return ORDO_OK;
    }
    case F_AT:
        return parse_time(s, n, false, &e->at, c, f);
    case F_PROMISED_BY:
        return parse_time(s, n, true, &e->promised_by, c, f);
    case F_MEASURE:
        return set_measure(e, s, n, c);
    case F_NODE:
        return set_id(e->node, s, n, c, f);
    default:
        return fail(c, ORDO_EINVAL, field_names[f], "internal: not a string field%s", "");
    }
}

/* A number-valued field. */
static int set_num(ordo_outcome_event_t *e, int f, double v, const pctx_t *c)
{
    if (!isfinite(v))
        return fail(c, ORDO_ERANGE, field_names[f], "not a finite number%s", "");
    if (f == F_SHIPMENT) {
        if (v < 0 || v > INT32_MAX || v != floor(v))
            return fail(c, ORDO_ERANGE, field_names[f], "shipment must be a whole number >= 0%s",
                        "");
        e->shipment = (uint32_t)v;
        return ORDO_OK;
    }
    if (f == F_VALUE) { /* its range depends on the measure: checked at the end */
        e->value = v;
        return ORDO_OK;
    }
    if (v < 0) {
        char buf[48];
        snprintf(buf, sizeof buf, "%g", v);
        return fail(c, ORDO_ERANGE, field_names[f], "negative amount %s", buf);
    }
    if (v > ORDO_OUTCOME_AMOUNT_MAX) {
        char buf[48];
        snprintf(buf, sizeof buf, "%g", v);
        return fail(c, ORDO_ERANGE, field_names[f], "amount %s above the bound 1e9", buf);
    }
    switch (f) {
    case F_REFUND:
        e->refund = v;
        e->has_refund = true;
        return ORDO_OK;
    case F_CARRIER_COST:
    case F_SHIP:
        e->cost[ORDO_COST_SHIP] = v;
        e->cost_mask |= 1u << ORDO_COST_SHIP;
        return ORDO_OK;
    case F_PICK:
        e->cost[ORDO_COST_PICK] = v;
        e->cost_mask |= 1u << ORDO_COST_PICK;
        return ORDO_OK;
    case F_PACK:
        e->cost[ORDO_COST_PACK] = v;
        e->cost_mask |= 1u << ORDO_COST_PACK;
        return ORDO_OK;
    case F_RETURN:
        e->cost[ORDO_COST_RETURN] = v;
        e->cost_mask |= 1u << ORDO_COST_RETURN;
        return ORDO_OK;
    case F_CARRYING:
        e->cost[ORDO_COST_CARRYING] = v;
        e->cost_mask |= 1u << ORDO_COST_CARRYING;
        return ORDO_OK;
    default:
        return fail(c, ORDO_EINVAL, field_names[f], "internal: not a number field%s", "");
    }
}

/* After all fields: required ones present, and each field allowed for the
 * event's type. seen is a bit set of F_*. */
static int finish(ordo_outcome_event_t *e, unsigned seen, const pctx_t *c)
{
    static const int required[] = {F_EVENT_ID, F_ORDER_ID, F_TYPE, F_AT};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!(seen & (1u << required[i])))
            return fail(c, ORDO_EINVAL, field_names[required[i]], "missing required field%s", "");
    unsigned allowed = (1u << F_EVENT_ID) | (1u << F_ORDER_ID) | (1u << F_SHIPMENT) |
                       (1u << F_TYPE) | (1u << F_AT) | (1u << F_PROMISED_BY);
    switch (e->type) {
    case ORDO_OUTCOME_SHIPPED:
        allowed |= 1u << F_CARRIER_COST;
        break;
    case ORDO_OUTCOME_RETURNED:
        allowed |= 1u << F_REFUND;
        break;
    case ORDO_OUTCOME_COST:
        allowed |= (1u << F_PICK) | (1u << F_PACK) | (1u << F_SHIP) | (1u << F_RETURN) |
                   (1u << F_CARRYING);
        break;
    case ORDO_OUTCOME_MEASURE:
        allowed |= (1u << F_MEASURE) | (1u << F_VALUE) | (1u << F_NODE);
        if (!(seen & (1u << F_MEASURE)) || !(seen & (1u << F_VALUE)))
            return fail(c, ORDO_EINVAL, seen & (1u << F_MEASURE) ? "value" : "measure",
                        "missing required field (a measure event names its measure and "
                        "value)%s",
                        "");
        break;
    default:
        break;
    }
    for (int f = 0; f < F_COUNT; f++) {
        if ((seen & (1u << f)) && !(allowed & (1u << f))) {
            const char *hint = f == F_CARRIER_COST ? " (a cost event names it 'ship')"
                               : f == F_SHIP       ? " (a shipped event names it 'carrier_cost')"
                               : f >= F_MEASURE    ? " (use a measure event)"
                               : f >= F_PICK       ? " (use a cost event)"
                                                   : "";
            char msg[160];
            snprintf(msg, sizeof msg, "not allowed on a %s event%s",
                     ordo_outcome_type_name(e->type), hint);
            return fail(c, ORDO_EINVAL, field_names[f], "%s", msg);
        }
    }
    int rc = ordo_outcome_event_validate(e, c->err);
    if (rc != ORDO_OK && c->err) {
        snprintf(c->err->file, sizeof c->err->file, "%s", c->file ? c->file : "");
        c->err->line = c->line;
    }
    return rc;
}

int ordo_outcome_parse_json(const char *text, size_t len, ordo_outcome_event_t *e, const char *file,
                            long line, ordo_error_t *err)
{
    pctx_t c = {file, line, err};
    memset(e, 0, sizeof *e);
    /* UTF-8 is checked here too (the file was checked whole when read) */
    int rc = ordo_text_check_utf8(text, len, file, line > 0 ? line : 0, err);
    if (rc)
        return rc;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long col = at && at >= text && at <= text + len ? (long)(at - text) + 1 : 0;
        char buf[48];
        snprintf(buf, sizeof buf, "%ld", col);
        return fail(&c, ORDO_EPARSE, NULL, "malformed JSON (near column %s)", buf);
    }
    for (const char *p = end; p && p < text + len; p++) {
        if (!isspace((unsigned char)*p)) {
            rc = fail(&c, ORDO_EPARSE, NULL, "text after the JSON object%s", "");
            break;
        }
    }
    if (rc == ORDO_OK && !cJSON_IsObject(root))
        rc = fail(&c, ORDO_EPARSE, NULL, "each line must be a JSON object%s", "");
    unsigned seen = 0;
    for (cJSON *it = root->child; rc == ORDO_OK && it; it = it->next) {
        const char *k = it->string ? it->string : "";
        int f = field_lookup(k, strlen(k));
        if (f < 0) {
            rc = fail(&c, ORDO_EINVAL, k, "unknown field '%s'", k);
            break;
        }
        if (seen & (1u << f)) {
            rc = fail(&c, ORDO_EINVAL, k, "field '%s' given twice", k);
            break;
        }
        seen |= 1u << f;
        if (field_is_number(f)) {
            if (!cJSON_IsNumber(it))
                rc = fail(&c, ORDO_EINVAL, k, "'%s' must be a number", k);
            else
                rc = set_num(e, f, it->valuedouble, &c);
        } else {
            if (!cJSON_IsString(it))
                rc = fail(&c, ORDO_EINVAL, k, "'%s' must be a string", k);
            else
                rc = set_str(e, f, it->valuestring, strlen(it->valuestring), &c);
        }
    }
    cJSON_Delete(root);
    if (rc != ORDO_OK)
        return rc;
    return finish(e, seen, &c);
}

/* ---- CSV ---- */

typedef struct csv_header {
    int col_field[ORDO_CSV_MAX_FIELDS]; /* F_* of each column */
    int ncols;
} csv_header_t;

static int csv_split(const char *line, size_t len, ordo_csv_field_t *cells, const pctx_t *c)
{
    int n = ordo_csv_split(line, len, cells, ORDO_CSV_MAX_FIELDS);
    if (n == ORDO_EPARSE)
        return fail(c, ORDO_EPARSE, NULL, "unterminated quote%s", "");
    if (n < 0)
        return fail(c, ORDO_EPARSE, NULL, "too many columns%s", "");
    for (int i = 0; i < n; i++)
        if (memchr(cells[i].p, '"', cells[i].n))
            return fail(c, ORDO_EPARSE, NULL, "a quote inside a field is not supported%s", "");
    return n;
}

static int csv_parse_header(const char *line, size_t len, csv_header_t *h, const pctx_t *c)
{
    ordo_csv_field_t cells[ORDO_CSV_MAX_FIELDS];
    int n = csv_split(line, len, cells, c);
    if (n < 0)
        return n;
    unsigned seen = 0;
    for (int i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(cells[i].n < 60 ? cells[i].n : 60), cells[i].p);
        int f = field_lookup(cells[i].p, cells[i].n);
        if (f < 0)
            return fail(c, ORDO_EINVAL, name, "unknown column '%s' in the header", name);
        if (seen & (1u << f))
            return fail(c, ORDO_EINVAL, name, "column '%s' given twice", name);
        seen |= 1u << f;
        h->col_field[i] = f;
    }
    h->ncols = n;
    static const int required[] = {F_EVENT_ID, F_ORDER_ID, F_TYPE, F_AT};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!(seen & (1u << required[i])))
            return fail(c, ORDO_EINVAL, field_names[required[i]],
                        "the header lacks the required column '%s'", field_names[required[i]]);
    return ORDO_OK;
}

static int csv_parse_line(const char *line, size_t len, const csv_header_t *h,
                          ordo_outcome_event_t *e, const pctx_t *c)
{
    memset(e, 0, sizeof *e);
    ordo_csv_field_t cells[ORDO_CSV_MAX_FIELDS];
    int n = csv_split(line, len, cells, c);
    if (n < 0)
        return n;
    if (n != h->ncols) {
        char buf[64];
        snprintf(buf, sizeof buf, "%d columns, the header has %d", n, h->ncols);
        return fail(c, ORDO_EPARSE, NULL, "%s", buf);
    }
    unsigned seen = 0;
    for (int i = 0; i < n; i++) {
        if (cells[i].n == 0)
            continue; /* empty cell: field absent */
        int f = h->col_field[i];
        seen |= 1u << f;
        int rc;
        if (field_is_number(f)) {
            double v;
            int prc = ordo_parse_double(cells[i].p, cells[i].n, &v);
            if (prc != ORDO_OK) {
                char buf[64];
                snprintf(buf, sizeof buf, "%.*s", (int)(cells[i].n < 40 ? cells[i].n : 40),
                         cells[i].p);
                return fail(c, prc == ORDO_ERANGE ? ORDO_ERANGE : ORDO_EPARSE, field_names[f],
                            "'%s' is not a number", buf);
            }
            rc = set_num(e, f, v, c);
        } else {
            rc = set_str(e, f, cells[i].p, cells[i].n, c);
        }
        if (rc != ORDO_OK)
            return rc;
    }
    return finish(e, seen, c);
}

/* ---- ingest ---- */

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcasecmp(s + n - m, suffix);
}

static int pick_format(const char *path, ordo_outcome_format_t want, ordo_outcome_format_t *out,
                       ordo_error_t *err)
{
    if (want == ORDO_OUTCOME_FMT_NDJSON || want == ORDO_OUTCOME_FMT_CSV) {
        *out = want;
        return ORDO_OK;
    }
    if (ends_with_ci(path, ".csv")) {
        *out = ORDO_OUTCOME_FMT_CSV;
        return ORDO_OK;
    }
    if (ends_with_ci(path, ".ndjson") || ends_with_ci(path, ".jsonl") ||
        ends_with_ci(path, ".json")) {
        *out = ORDO_OUTCOME_FMT_NDJSON;
        return ORDO_OK;
    }
    return ordo_error_set(err, ORDO_EINVAL, path, 0, NULL,
                          "cannot tell the format from the extension (.ndjson, .jsonl or "
                          ".csv): give --format ndjson|csv");
}

typedef struct ingest {
    ordo_store_t *store;
    ordo_outcome_event_t *batch;
    size_t n, cap;
    ordo_outcome_ingest_stats_t st;
} ingest_t;

static int flush_batch(ingest_t *in, ordo_error_t *err)
{
    if (in->n == 0)
        return ORDO_OK;
    if (!in->store) { /* ordo_store_outcomes_check_files: parsed is enough */
        in->n = 0;
        return ORDO_OK;
    }
    ordo_outcome_put_stats_t ps = {0};
    int rc = ordo_store_outcomes_put_batch(in->store, in->batch, in->n, &ps, err);
    in->st.inserted += ps.inserted;
    in->st.duplicates += ps.duplicates;
    in->n = 0;
    return rc;
}

static int ingest_file(ingest_t *in, const char *path, ordo_outcome_format_t want,
                       ordo_error_t *err)
{
    ordo_outcome_format_t fmt;
    int rc = pick_format(path, want, &fmt, err);
    if (rc != ORDO_OK)
        return rc;
    const char *data;
    size_t len;
    rc = ordo_map_file(path, &data, &len, err);
    if (rc != ORDO_OK)
        return rc;
    /* the whole file, NDJSON or CSV: invalid UTF-8 is refused, not replaced */
    rc = ordo_text_check_utf8(data, len, path, 0, err);
    if (rc != ORDO_OK) {
        ordo_unmap_file(data, len);
        return rc;
    }
    in->st.files++;
    pctx_t c = {path, 0, err};
    const char *p = data, *end = data + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3; /* UTF-8 byte order mark */
    csv_header_t hdr = {.ncols = 0};
    bool have_header = false;
    while (p < end && rc == ORDO_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        c.line++;
        const char *s = p;
        p = nl ? nl + 1 : end;
        if (le > s && le[-1] == '\r')
            le--;
        const char *t = s;
        while (t < le && isspace((unsigned char)*t))
            t++;
        if (t == le)
            continue; /* blank line */
        size_t n = (size_t)(le - s);
        if (memchr(s, '\0', n)) {
            rc = fail(&c, ORDO_EPARSE, NULL, "NUL byte in line%s", "");
            break;
        }
        if (fmt == ORDO_OUTCOME_FMT_CSV && !have_header) {
            rc = csv_parse_header(s, n, &hdr, &c);
            have_header = true;
            continue;
        }
        in->st.lines++;
        ordo_outcome_event_t *e = &in->batch[in->n];
        if (fmt == ORDO_OUTCOME_FMT_CSV)
            rc = csv_parse_line(s, n, &hdr, e, &c);
        else
            rc = ordo_outcome_parse_json(s, n, e, path, c.line, err);
        if (rc != ORDO_OK)
            break;
        if (++in->n == in->cap)
            rc = flush_batch(in, err);
    }
    if (rc == ORDO_OK && fmt == ORDO_OUTCOME_FMT_CSV && !have_header)
        rc = ordo_error_set(err, ORDO_EPARSE, path, 1, NULL, "empty CSV file: no header line");
    ordo_unmap_file(data, len);
    return rc;
}

int ordo_store_outcomes_ingest_files(ordo_store_t *store, const char *const *paths, size_t n,
                                     ordo_outcome_format_t format,
                                     ordo_outcome_ingest_stats_t *stats, ordo_error_t *err)
{
    if (n == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "no input files");
    ingest_t in = {.store = store, .cap = ordo_store_ingest_batch_size(store)};
    in.batch = malloc(in.cap * sizeof *in.batch);
    if (!in.batch)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = ordo_store_tx_begin(store, err);
    bool began = rc == ORDO_OK;
    for (size_t i = 0; rc == ORDO_OK && i < n; i++)
        rc = ingest_file(&in, paths[i], format, err);
    if (rc == ORDO_OK)
        rc = flush_batch(&in, err);
    if (rc == ORDO_OK) {
        rc = ordo_store_tx_commit(store, err);
    } else if (began) {
        ordo_store_tx_rollback(store, NULL);
    }
    free(in.batch);
    if (rc == ORDO_OK && stats) {
        stats->files += in.st.files;
        stats->lines += in.st.lines;
        stats->inserted += in.st.inserted;
        stats->duplicates += in.st.duplicates;
    }
    return rc;
}

int ordo_store_outcomes_check_files(const char *const *paths, size_t n,
                                    ordo_outcome_format_t format, ordo_error_t *err)
{
    if (n == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "no input files");
    ingest_t in = {.store = NULL, .cap = 1024};
    in.batch = malloc(in.cap * sizeof *in.batch);
    if (!in.batch)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = ORDO_OK;
    for (size_t i = 0; rc == ORDO_OK && i < n; i++)
        rc = ingest_file(&in, paths[i], format, err);
    free(in.batch);
    return rc;
}
