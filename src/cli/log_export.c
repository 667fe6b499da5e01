/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log export — decision records as NDJSON or CSV.
 *
 * CSV takes 17 fields of a record. A CBOR record (what the decide module
 * logs) is not decoded: ordo_cbor_pick_parts walks its bytes once (jumping
 * over the order, ATP table and shipments when the record has parts) and takes those
 * fields; a record it does not take (and a JSON text record) goes through
 * the record reader, which gives the same fields (ORDO_EXPORT_READER=1 sends
 * every record there; test_analyze_cli.sh compares). Rows are formatted in
 * place into a buffer written 1 MB at a time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "export_picks.h"
#include "ordo/cbor.h"
#include "ordo/record.h"
#include "../core/numfmt.h"

/* The fields of one CSV row: strings (NULL: absent) and numbers (NaN). */
typedef struct csv_rec {
    const char *s[7]; /* timestamp, order_id, policy, version, experiment, variant, status */
    size_t len[7];
    double bucket, shipments, units, cost[8], on_time_prob, return_risk, latency_ns;
    bool excluded, fallback;
    uint32_t backorders;
} csv_rec_t;

static double pnum(const ordo_cbor_pick_t *p)
{
    return p->found && p->type == ORDO_CBOR_NUMBER ? p->num : NAN;
}

/* The record reader's cost rule (src/record/read.c read_cost): carrying
 * relief and opportunity from "economic" when it is an object, else flat,
 * with total = cash + economic then. */
static void cost_of(double total, double cr, double op, bool flat, double *cost)
{
    if (flat)
        total -= (isnan(cr) ? 0 : cr) + (isnan(op) ? 0 : op);
    cost[0] = total;
    cost[5] = cr;
    cost[6] = op;
}

static void rec_from_picks(const ordo_cbor_pick_t *p, csv_rec_t *r)
{
    for (int i = 0; i < 7; i++) {
        bool s = p[i].found && p[i].type == ORDO_CBOR_STRING;
        r->s[i] = s ? p[i].s : NULL;
        r->len[i] = s ? p[i].len : 0;
    }
    r->bucket = pnum(&p[P_BUCKET]);
    r->excluded = p[P_EXCLUDED].found && p[P_EXCLUDED].type == ORDO_CBOR_TRUE;
    r->fallback = p[P_FALLBACK].found && p[P_FALLBACK].type == ORDO_CBOR_TRUE;
    r->shipments = pnum(&p[P_SHIPMENTS]);
    r->units = pnum(&p[P_UNITS]);
    bool flat = !(p[P_ECON].found && p[P_ECON].type == ORDO_CBOR_OBJECT);
    r->cost[1] = pnum(&p[P_PICK]);
    r->cost[2] = pnum(&p[P_PACK]);
    r->cost[3] = pnum(&p[P_SHIPPING]);
    r->cost[4] = pnum(&p[P_RETURNS]);
    r->cost[7] = pnum(&p[P_SPLIT]);
    cost_of(pnum(&p[P_TOTAL]), pnum(&p[flat ? P_CR : P_ECON_CR]),
            pnum(&p[flat ? P_OPP : P_ECON_OPP]), flat, r->cost);
    r->on_time_prob = pnum(&p[P_OTP]);
    r->return_risk = pnum(&p[P_RISK]);
    r->backorders = p[P_BACKORDERS].found && p[P_BACKORDERS].type == ORDO_CBOR_ARRAY
                        ? p[P_BACKORDERS].n
                        : 0;
    r->latency_ns = pnum(&p[P_LATENCY]);
}

/* From a record's summary (RECORD.md "Summary": the same values as the
 * picks in the same places, read without walking the record); false: none
 * as the writer lays it out (the picks, then). */
static bool rec_from_summary(const ordo_log_record_t *rec, ordo_cbor_pick_t *it, csv_rec_t *r)
{
    static const int str[7] = {ORDO_SUM_TIMESTAMP, ORDO_SUM_ORDER_ID,   ORDO_SUM_POLICY,
                               ORDO_SUM_VERSION,   ORDO_SUM_EXPERIMENT, ORDO_SUM_VARIANT,
                               ORDO_SUM_STATUS};
    static const int cost[8] = {ORDO_SUM_TOTAL,       ORDO_SUM_PICK,    ORDO_SUM_PACK,
                                ORDO_SUM_SHIPPING,    ORDO_SUM_RETURNS, ORDO_SUM_CARRYING,
                                ORDO_SUM_OPPORTUNITY, ORDO_SUM_SPLIT};
    ordo_record_summary_at_t at;
    if (ordo_record_summary_find(rec->appended, rec->appended_len, &at) ||
        ordo_cbor_items(rec->appended, at.end, at.items, it, ORDO_SUM_TOP) ||
        it[ORDO_SUM_PLAN].type != ORDO_CBOR_ARRAY)
        return false;
    for (int i = 0; i < 7; i++) {
        bool s = it[str[i]].type == ORDO_CBOR_STRING;
        r->s[i] = s ? it[str[i]].s : NULL;
        r->len[i] = s ? it[str[i]].len : 0;
    }
    r->bucket = pnum(&it[ORDO_SUM_BUCKET]);
    r->excluded = it[ORDO_SUM_EXCLUDED].type == ORDO_CBOR_TRUE;
    r->fallback = it[ORDO_SUM_FALLBACK].type == ORDO_CBOR_TRUE;
    r->shipments = pnum(&it[ORDO_SUM_SHIPMENTS]);
    r->units = pnum(&it[ORDO_SUM_UNITS]);
    for (int i = 0; i < 8; i++)
        r->cost[i] = pnum(&it[cost[i]]);
    r->on_time_prob = pnum(&it[ORDO_SUM_ON_TIME]);
    r->return_risk = pnum(&it[ORDO_SUM_RETURN_RISK]);
    double bo = pnum(&it[ORDO_SUM_BACKORDERS]);
    r->backorders = bo >= 0 && bo <= UINT32_MAX ? (uint32_t)bo : 0;
    r->latency_ns = pnum(&it[ORDO_SUM_LATENCY]);
    return true;
}

static void rec_from_record(const ordo_record_t *d, csv_rec_t *r)
{
    const char *s[7] = {d->timestamp,  d->order_id, d->policy_name, d->policy_version,
                        d->experiment, d->variant,  d->plan.status};
    for (int i = 0; i < 7; i++) {
        r->s[i] = s[i];
        r->len[i] = s[i] ? strlen(s[i]) : 0;
    }
    r->bucket = d->bucket;
    r->excluded = d->excluded;
    r->fallback = d->fallback == 1;
    r->shipments = d->plan.shipments_total;
    r->units = d->plan.units;
    const ordo_cost_t *c = &d->plan.cost;
    const double parts[8] = {c->total,   c->pick,          c->pack,        c->shipping,
                             c->returns, c->carrying_relief, c->opportunity, c->split};
    memcpy(r->cost, parts, sizeof parts);
    r->on_time_prob = d->plan.on_time_prob;
    r->return_risk = d->plan.return_risk;
    r->backorders = d->plan.n_backorders;
    r->latency_ns = d->latency_ns;
}

/* ---- output ----
 * A row is written straight into the output buffer: room for its longest
 * form is reserved once, then every cell is copied or formatted in place
 * (numbers by ordo_numfmt_u64 / ordo_numfmt_double), so a row
 * costs no call per field into the buffer. */

/* Is one of the 8 bytes of x equal to c? (a zero byte of x ^ c...c:
 * exact as a yes/no.) */
static inline bool has_byte(uint64_t x, unsigned char c)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t y = x ^ (ones * c);
    return ((y - ones) & ~y & (ones << 7)) != 0;
}

/* Is one of the 8 bytes of x below c (c <= 128)? (exact as a yes/no.) */
static inline bool has_below(uint64_t x, unsigned char c)
{
    const uint64_t ones = 0x0101010101010101ull;
    return ((x - ones * c) & ~x & (ones << 7)) != 0;
}

/* Does a cell need quotes (a comma, quote, CR or LF)? Eight bytes at a
 * time; a word with no byte below ',' (the largest of the four) has none. */
static bool needs_quotes(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if (has_below(x, ',' + 1) &&
            (has_byte(x, ',') | has_byte(x, '"') | has_byte(x, '\n') | has_byte(x, '\r')))
            return true;
    }
    for (; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            return true;
    return false;
}

static char *put_str(char *o, const char *s, size_t n)
{
    if (!s)
        return o;
    if (!needs_quotes(s, n)) {
        memcpy(o, s, n);
        return o + n;
    }
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            *o++ = '"';
        *o++ = s[i];
    }
    *o++ = '"';
    return o;
}

static char *put_u64(char *o, uint64_t v)
{
    return ordo_numfmt_u64(o, v);
}

/* v as ordo_json_format_double prints it (src/core/numfmt.c: integers and
 * four-decimal values written in place); NaN: an empty cell, never "nan". */
static char *put_num(char *o, double v)
{
    return isnan(v) ? o : ordo_numfmt_double(o, v);
}

static char *put_lit(char *o, const char *lit, size_t n)
{
    memcpy(o, lit, n);
    return o + n;
}
#define PUT_LIT(o, lit) put_lit(o, lit, sizeof lit - 1)

/* The longest row r can give: its strings all quoted and doubled, every
 * number 40 bytes. */
static size_t row_max(const csv_rec_t *r)
{
    size_t n = 256 + 16 * 40;
    for (int i = 0; i < 7; i++)
        n += 2 * r->len[i] + 2;
    return n;
}

static void put_row(ordo_buf_t *out, const ordo_log_record_t *rec, const csv_rec_t *r)
{
    if (ordo_buf_reserve(out, row_max(r)))
        return; /* out->oom is sticky: the export fails */
    char *o = out->data + out->len;
    o = put_u64(o, rec->seq);
    *o++ = ',';
    o = put_str(o, r->s[0], r->len[0]);
    o = rec->type == ORDO_LOG_REC_SHADOW ? PUT_LIT(o, ",shadow,") : PUT_LIT(o, ",decision,");
    for (int i = 1; i < 6; i++) {
        o = put_str(o, r->s[i], r->len[i]);
        *o++ = ',';
    }
    o = put_num(o, r->bucket);
    o = r->excluded ? PUT_LIT(o, ",true,") : PUT_LIT(o, ",false,");
    o = put_str(o, r->s[6], r->len[6]);
    o = r->fallback ? PUT_LIT(o, ",true,") : PUT_LIT(o, ",false,");
    o = put_num(o, r->shipments);
    *o++ = ',';
    o = put_num(o, r->units);
    for (int i = 0; i < 8; i++) {
        *o++ = ',';
        o = put_num(o, r->cost[i]);
    }
    *o++ = ',';
    o = put_num(o, r->on_time_prob);
    *o++ = ',';
    o = put_num(o, r->return_risk);
    *o++ = ',';
    o = put_u64(o, r->backorders);
    *o++ = ',';
    o = put_num(o, r->latency_ns);
    *o++ = '\n';
    out->len = (size_t)(o - out->data);
    out->data[out->len] = 0;
}

typedef struct exporter {
    ordo_cbor_picker_t *pk; /* NULL: every record through the reader */
    bool summary;           /* take a record's summary when it has one */
    ordo_cbor_pick_t picks[P_N], items[ORDO_SUM_TOP];
    ordo_arena_t *arena;
    ordo_buf_t out;
} exporter_t;

/* One record's row into ex->out; false: not a record (skipped). */
static bool export_csv(exporter_t *ex, const ordo_log_record_t *rec)
{
    csv_rec_t r;
    if (ex->summary && (rec->flags & ORDO_LOG_FLAG_CBOR) && rec_from_summary(rec, ex->items, &r)) {
        put_row(&ex->out, rec, &r);
        return true;
    }
    if (ex->pk && (rec->flags & ORDO_LOG_FLAG_CBOR) &&
        ordo_cbor_pick_parts(ex->pk, rec->appended, rec->appended_len, ex->picks) == ORDO_OK) {
        rec_from_picks(ex->picks, &r);
        put_row(&ex->out, rec, &r);
        return true;
    }
    ordo_record_t d;
    ordo_arena_reset(ex->arena);
    if (ordo_record_read(rec->appended, rec->appended_len, 0, ex->arena, &d, NULL))
        return false;
    rec_from_record(&d, &r);
    put_row(&ex->out, rec, &r);
    return true;
}

static bool flush_out(ordo_buf_t *o)
{
    bool ok = !o->len || fwrite(o->data, 1, o->len, stdout) == o->len;
    ordo_buf_reset(o);
    return ok;
}

static int export_loop(ordo_log_iter_t *it, bool csv, exporter_t *ex, ordo_error_t *err)
{
    ordo_log_record_t rec;
    int rc;
    bool ok = true;
    while ((rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        if (rec.type != ORDO_LOG_REC_DECISION && rec.type != ORDO_LOG_REC_SHADOW)
            continue;
        if (!csv) {
            ordo_buf_append(&ex->out, rec.payload, rec.len);
            ordo_buf_putc(&ex->out, '\n');
        } else if (!export_csv(ex, &rec)) {
            ok &= flush_out(&ex->out);
            fprintf(stderr, "ordo: record %llu is not JSON; skipped\n",
                    (unsigned long long)rec.seq);
        }
        if (ex->out.len >= (1u << 20))
            ok &= flush_out(&ex->out);
    }
    ok &= flush_out(&ex->out);
    if (rc < 0)
        return rc;
    if (ex->out.oom)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    return ok ? ORDO_OK : ORDO_EIO;
}

int ordo_cli_log_export(const char *dir, const char *format, const ordo_log_query_t *q)
{
    bool csv = !strcmp(format, "csv");
    ordo_log_iter_t *it;
    ordo_error_t err = {0};
    ordo_log_query_t qr = *q;
    qr.raw = csv; /* CSV rows come from the CBOR or the typed record: no JSON text */
    int rc = ordo_log_iter_open(dir, &qr, &it, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, false);
    exporter_t *ex = calloc(1, sizeof *ex);
    if (ex) {
        ordo_buf_init(&ex->out, NULL);
        (void)ordo_record_cbor_keys(NULL); /* the key table, for the picker's paths */
        /* ORDO_EXPORT_READER=1: every record through the reader;
         * ORDO_EXPORT_PICKS=1: through the picker, summaries unread (tests
         * compare the three) */
        if (csv && (getenv("ORDO_EXPORT_READER") ||
                    ordo_cbor_picker_new(pick_paths, P_N, &ex->pk)))
            ex->pk = NULL;
        ex->summary = ex->pk && !getenv("ORDO_EXPORT_PICKS");
        ex->arena = ordo_arena_create(1 << 16);
    }
    if (!ex || !ex->arena) {
        rc = ordo_error_set(&err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    } else {
        if (csv)
            puts("seq,time,record,order_id,policy,policy_version,experiment,variant,bucket,"
                 "excluded,status,fallback,shipments,units,cost_total,pick,pack,shipping,"
                 "returns,carrying_relief,opportunity,split,on_time_prob,return_risk,"
                 "backorders,latency_ns");
        rc = export_loop(it, csv, ex, &err);
    }
    ordo_log_iter_close(it);
    if (ex) {
        ordo_cbor_picker_free(ex->pk);
        ordo_arena_destroy(ex->arena);
        ordo_buf_free(&ex->out);
        free(ex);
    }
    if (rc == ORDO_EIO)
        return ORDO_EXIT_IO;
    if (rc < 0)
        return ordo_cli_fail(&err, rc, false);
    return fflush(stdout) ? ORDO_EXIT_IO : ORDO_EXIT_OK;
}
