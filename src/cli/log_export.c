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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
        if (has_below(x, ',' + 1) && ((int)has_byte(x, ',') | (int)has_byte(x, '"') |
                                      (int)has_byte(x, '\n') | (int)has_byte(x, '\r')))
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
    bool csv;
    bool stream;        /* rows to stdout as they come (else kept in out) */
    uint64_t emit_from; /* records before this seq are read, not written */
    ordo_cbor_pick_t picks[P_N], items[ORDO_SUM_TOP];
    ordo_arena_t *arena;
    ordo_buf_t out;
    ordo_buf_t skips; /* not streaming: (offset in out, seq) of each skipped record */
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

static bool write_out(const char *p, size_t n)
{
    return !n || fwrite(p, 1, n, stdout) == n;
}

static bool flush_out(ordo_buf_t *o)
{
    bool ok = write_out(o->data, o->len);
    ordo_buf_reset(o);
    return ok;
}

static void say_skipped(uint64_t seq)
{
    fprintf(stderr, "ordo: record %llu is not JSON; skipped\n", (unsigned long long)seq);
}

/* A record the CSV cannot take: streaming, the rows before it go out and
 * the message follows; else where it was is kept for the writer. */
static bool skipped(exporter_t *ex, uint64_t seq)
{
    if (!ex->stream) {
        uint64_t at[2] = {ex->out.len, seq};
        ordo_buf_append(&ex->skips, at, sizeof at);
        return true;
    }
    bool ok = flush_out(&ex->out);
    say_skipped(seq);
    return ok;
}

static int export_loop(ordo_log_iter_t *it, exporter_t *ex, ordo_error_t *err)
{
    ordo_log_record_t rec;
    int rc;
    bool ok = true;
    while ((rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        if (rec.seq < ex->emit_from ||
            (rec.type != ORDO_LOG_REC_DECISION && rec.type != ORDO_LOG_REC_SHADOW))
            continue;
        if (!ex->csv) {
            ordo_buf_append(&ex->out, rec.payload, rec.len);
            ordo_buf_putc(&ex->out, '\n');
        } else if (!export_csv(ex, &rec)) {
            ok &= skipped(ex, rec.seq);
        }
        if (ex->stream && ex->out.len >= (1u << 20))
            ok &= flush_out(&ex->out);
    }
    if (ex->stream)
        ok &= flush_out(&ex->out);
    if (rc < 0)
        return rc;
    if (ex->out.oom || ex->skips.oom)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    return ok ? ORDO_OK : ORDO_EIO;
}

/* The records of q from seq emit_from on, streamed to stdout (the one-job
 * export, and what follows a range the parallel export could not read). */
static int export_stream(const char *dir, const ordo_log_query_t *q, exporter_t *ex,
                         ordo_error_t *err)
{
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(dir, q, &it, err);
    if (rc)
        return rc;
    rc = export_loop(it, ex, err);
    ordo_log_iter_close(it);
    return rc;
}

static exporter_t *exporter_new(bool csv)
{
    exporter_t *ex = calloc(1, sizeof *ex);
    if (!ex)
        return NULL;
    ex->csv = csv;
    ex->stream = true;
    ordo_buf_init(&ex->out, NULL);
    ordo_buf_init(&ex->skips, NULL);
    /* ORDO_EXPORT_READER=1: every record through the reader;
     * ORDO_EXPORT_PICKS=1: through the picker, summaries unread (tests
     * compare the three) */
    if (csv && (getenv("ORDO_EXPORT_READER") || ordo_cbor_picker_new(pick_paths, P_N, &ex->pk)))
        ex->pk = NULL;
    ex->summary = ex->pk && !getenv("ORDO_EXPORT_PICKS");
    ex->arena = ordo_arena_create(1 << 16);
    if (!ex->arena) {
        ordo_cbor_picker_free(ex->pk);
        free(ex);
        return NULL;
    }
    return ex;
}

static void exporter_free(exporter_t *ex)
{
    if (!ex)
        return;
    ordo_cbor_picker_free(ex->pk);
    ordo_arena_destroy(ex->arena);
    ordo_buf_free(&ex->out);
    ordo_buf_free(&ex->skips);
    free(ex);
}

/* ---- the parallel export ----
 * The log's seqs are cut into ranges at the points where an iterator can
 * start without reading what comes before (ordo_log_split_points: segment
 * starts and .idx blocks), about RANGE_RECORDS records each (the last
 * range, from the last point on, runs to the end). Each job takes the next
 * range, reads it with its own iterator (from_seq .. to_seq) and formats
 * its rows into the range's own buffer; the main thread writes the
 * buffers in seq order, each skipped record's message in its place. So
 * the bytes are those of one job reading the whole log, whatever the
 * number of jobs. At most 2 ranges a job are formatted and not yet
 * written: memory stays bounded (a few MB a range), not the whole file.
 * A range that fails to read is written up to its error; when it is not
 * the first, the rest is read again by one iterator from the query's own
 * start (writing nothing before the range), so an error that only a
 * range's start could meet (a .idx that does not match its segment) is
 * never reported where one job would not report it. */
#define RANGE_RECORDS 8192
#define JOBS_MAX 16

typedef struct range {
    uint64_t from, to; /* seqs [from, to); to 0: to the end */
    ordo_buf_t out, skips;
    int rc;
    ordo_error_t err;
    bool done;
} range_t;

typedef struct par {
    const char *dir;
    const ordo_log_query_t *q;
    bool csv;
    range_t *r;
    size_t nr, next, written, window;
    bool stop;
    ordo_buf_t spare[3 * JOBS_MAX]; /* written ranges' buffers, kept for the next ones */
    size_t nspare;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} par_t;

static void read_range(par_t *p, exporter_t *ex, range_t *r)
{
    ordo_log_query_t q = *p->q;
    if (r->from > q.from_seq)
        q.from_seq = r->from;
    q.to_seq = r->to;
    ex->stream = false;
    ordo_log_iter_t *it;
    r->rc = ordo_log_iter_open(p->dir, &q, &it, &r->err);
    if (r->rc == ORDO_OK) {
        r->rc = export_loop(it, ex, &r->err);
        ordo_log_iter_close(it);
    }
    /* the range keeps the buffers; the job starts its next with others */
    r->out = ex->out;
    r->skips = ex->skips;
    ordo_buf_init(&ex->out, NULL);
    ordo_buf_init(&ex->skips, NULL);
}

static void *job_main(void *arg)
{
    par_t *p = arg;
    exporter_t *ex = exporter_new(p->csv);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next < p->nr && p->next >= p->written + p->window)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop || p->next >= p->nr)
            break;
        range_t *r = &p->r[p->next++];
        if (ex && p->nspare) /* a written range's buffer: its pages are mapped already */
            ex->out = p->spare[--p->nspare];
        pthread_mutex_unlock(&p->mu);
        if (ex)
            read_range(p, ex, r);
        else
            r->rc = ordo_error_set(&r->err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        pthread_mutex_lock(&p->mu);
        r->done = true;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    exporter_free(ex);
    return NULL;
}

/* A range's rows and its skipped records' messages, in order. */
static bool write_range(const range_t *r)
{
    bool ok = true;
    size_t at = 0;
    for (size_t i = 0; i + 16 <= r->skips.len; i += 16) {
        uint64_t s[2];
        memcpy(s, r->skips.data + i, sizeof s);
        ok &= write_out(r->out.data + at, (size_t)s[0] - at);
        say_skipped(s[1]);
        at = (size_t)s[0];
    }
    return ok & write_out(r->out.data + at, r->out.len - at);
}

/* The ranges: from the query's start to the end, cut at points about
 * RANGE_RECORDS apart. *nr 1: not worth the jobs. */
static int plan(const char *dir, range_t **out, size_t *nr, ordo_error_t *err)
{
    /* ORDO_EXPORT_RANGE=N: ranges of about N records, and their number on
     * stderr (tests cut small logs into many ranges) */
    const char *env = getenv("ORDO_EXPORT_RANGE");
    uint64_t want = env && atoll(env) > 0 ? (uint64_t)atoll(env) : RANGE_RECORDS;
    uint64_t *pts;
    size_t n;
    int rc = ordo_log_split_points(dir, &pts, &n, err);
    if (rc)
        return rc;
    range_t *r = calloc(n + 1, sizeof *r);
    if (!r) {
        free(pts);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    size_t k = 0;
    r[0].from = 0;
    for (size_t i = 0; i < n; i++)
        if (pts[i] >= r[k].from + want) {
            r[k].to = pts[i];
            r[++k].from = pts[i];
        }
    r[k].to = 0;
    free(pts);
    *out = r;
    *nr = k + 1;
    if (env)
        fprintf(stderr, "ordo: export in %zu ranges\n", *nr);
    return ORDO_OK;
}

static int export_parallel(const char *dir, const ordo_log_query_t *q, bool csv, unsigned jobs,
                           range_t *rs, size_t nr, ordo_error_t *err)
{
    par_t p = {.dir = dir, .q = q, .csv = csv, .r = rs, .nr = nr, .window = (size_t)jobs + 2};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_t tid[JOBS_MAX];
    unsigned started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&tid[started], NULL, job_main, &p))
            break;
    int rc = ORDO_OK;
    bool ok = true;
    size_t again = started ? nr : 0; /* the range to read again from (nr: none) */
    for (size_t k = 0; k < again; k++) {
        range_t *r = &rs[k];
        pthread_mutex_lock(&p.mu);
        while (!r->done)
            pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        rc = r->rc;
        if (rc && k > 0) {
            again = k;
            break;
        }
        ok &= write_range(r);
        ordo_buf_free(&r->skips);
        if (rc) {
            *err = r->err;
            break;
        }
        pthread_mutex_lock(&p.mu);
        ordo_buf_reset(&r->out);
        if (p.nspare < sizeof p.spare / sizeof p.spare[0])
            p.spare[p.nspare++] = r->out;
        else
            ordo_buf_free(&r->out);
        ordo_buf_init(&r->out, NULL);
        p.written = k + 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
    }
    pthread_mutex_lock(&p.mu);
    p.stop = true;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    for (size_t i = 0; i < nr; i++) {
        ordo_buf_free(&rs[i].out);
        ordo_buf_free(&rs[i].skips);
    }
    for (size_t i = 0; i < p.nspare; i++)
        ordo_buf_free(&p.spare[i]);
    if (again < nr) {
        /* read again from the query's start, writing from range again on */
        exporter_t *ex = exporter_new(csv);
        rc = ex ? ORDO_OK : ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        if (ex) {
            ex->emit_from = rs[again].from;
            rc = export_stream(dir, q, ex, err);
        }
        exporter_free(ex);
    }
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    if (rc)
        return rc;
    return ok ? ORDO_OK : ORDO_EIO;
}

unsigned ordo_cli_log_export_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > JOBS_MAX ? JOBS_MAX : (unsigned)n;
}

int ordo_cli_log_export(const char *dir, const char *format, const ordo_log_query_t *q,
                        unsigned jobs)
{
    bool csv = !strcmp(format, "csv");
    ordo_error_t err = {0};
    ordo_log_query_t qr = *q;
    qr.raw = csv; /* CSV rows come from the CBOR or the typed record: no JSON text */
    (void)ordo_record_cbor_keys(NULL); /* the key table, for the picker's paths */
    if (jobs > JOBS_MAX)
        jobs = JOBS_MAX;
    ordo_log_iter_t *it; /* the one job's, or only a check that the log opens */
    int rc = ordo_log_iter_open(dir, &qr, &it, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, false);
    range_t *rs = NULL;
    size_t nr = 1;
    /* a --limit counts records from the start: one job */
    if (jobs > 1 && !q->limit && (rc = plan(dir, &rs, &nr, &err)) != ORDO_OK) {
        ordo_log_iter_close(it);
        return ordo_cli_fail(&err, rc, false);
    }
    if (csv)
        puts("seq,time,record,order_id,policy,policy_version,experiment,variant,bucket,"
             "excluded,status,fallback,shipments,units,cost_total,pick,pack,shipping,"
             "returns,carrying_relief,opportunity,split,on_time_prob,return_risk,"
             "backorders,latency_ns");
    if (nr > 1) {
        ordo_log_iter_close(it);
        it = NULL;
        rc = export_parallel(dir, &qr, csv, jobs < nr ? jobs : (unsigned)nr, rs, nr, &err);
    } else {
        exporter_t *ex = exporter_new(csv);
        rc = ex ? export_loop(it, ex, &err)
                : ordo_error_set(&err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        exporter_free(ex);
    }
    ordo_log_iter_close(it);
    free(rs);
    if (rc == ORDO_EIO)
        return ORDO_EXIT_IO;
    if (rc < 0)
        return ordo_cli_fail(&err, rc, false);
    return fflush(stdout) ? ORDO_EXIT_IO : ORDO_EXIT_OK;
}
