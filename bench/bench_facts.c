/* SPDX-License-Identifier: Apache-2.0 */
/* bench_facts — analysis from the facts table (docs/internals/ANALYZE.md
 * "The facts table").
 *
 *   bench_facts [orders] [new_orders] [repeats]
 *
 * On a data directory of `orders` orders (default 1,000,000; decision and
 * shadow records in the log, outcome events in the store; built first, not
 * timed):
 *  1. the record path (every record read and parsed: today's cost);
 *  2. building the facts table and the outcome facts from scratch;
 *  3. a warm analysis: facts checked and current, outcome facts current —
 *     the full report (all metrics, CUPED, breakdowns, sequential), median
 *     of `repeats`, with the time of each step;
 *  4. `new_orders` more orders with their outcomes (default 100,000) are
 *     appended, then: the refresh of the facts table alone (reads only the
 *     new records), and the analysis after it.
 * Environment: BENCH_FACTS_NO_RECORD_PATH skips 1; BENCH_FACTS_JSON logs
 * the new orders as JSON text instead of CBOR (as the decision path logs
 * them); BENCH_FACTS_FULL_READER reads CBOR facts with the whole record
 * reader (the code before facts_tree.c); BENCH_FACTS_STAGES times the
 * stages of reading the new records (log, CBOR tree, record, fact);
 * BENCH_FACTS_SLOW_TREE decodes every CBOR record with the full decoder
 * (libcbor), not the one-pass fast path (src/core/cbor_tree.c);
 * BENCH_FACTS_REFRESH_REPEATS=N times the refresh of the facts table alone
 * N times each with an_facts_update and an_facts_open, alternating (the
 * table's files put back as they were before each), with the median CPU
 * and wall times. BENCH_FACTS_EVENTS=7 gives each new order seven outcome
 * events in two batches (shipped with its carrier cost, a pick/pack cost; then
 * delivered, a carrying cost, two measures; every other order a second
 * shipment shipped and delivered: seven on average), and a return with its
 * cost to one in ten older orders; BENCH_FACTS_SPLIT_REPEATS=N times the
 * whole refresh after the new orders N times (the facts directory put back
 * before each), its decision part (an_facts_update) and its outcome part
 * (an_ofacts_update) apart, medians of CPU and wall time (and of the
 * outcome part's kernel CPU and minor page faults); then the whole
 * refresh as `ordo analyze --facts update` runs it
 * (ordo_analyze_facts_update: the two parts at once, on two threads) and
 * with ORDO_FACTS_SEQUENTIAL=1 (one after the other), alternating, N times
 * each: medians of wall and CPU time (BENCH_FACTS_PARTS_ONLY=1: not).
 * BENCH_FACTS_WRITER=1 writes the new orders' records with the record
 * writer (ordo_record_write: the plans of docs/examples' orders as the
 * engine decided them, each record with its own order id and time; shadows
 * with the experiment and `shadow`), so they have a decision record's
 * shape (parts, summary: RECORD.md), not the fixture's;
 * BENCH_FACTS_SUMMARY_OFF reads them by walking, the summary unread.
 * With BENCH_FACTS_WRITER=1 the log the new orders are appended to has the
 * facts writer attached, as the decider has it (ordo_facts_follower: the
 * facts kept by the log's writer, ANALYZE.md), so the timed refresh is what
 * a refresh costs when the writer keeps the facts; the CPU of the appends
 * (with the log's close and the writer's last save) is printed per record,
 * so the cost moved to the appending process shows beside the refresh;
 * BENCH_FACTS_NO_WRITER_FACTS=1: no facts writer (the refresh reads the
 * new records, as before).
 * Goals (ISSUE 16): 10M orders analysed in <= 2 s; a refresh after 100k new
 * orders in <= 100 ms. Prints the peak RSS. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../src/analyze/internal.h"
#include "../src/core/cbor_internal.h"
#include "../tests/analyze/analyze_fixture.h"
#include "ordo/cbor.h"
#include "ordo/datadir.h"
#include "ordo/policy.h"
#include "ordo/record.h"
#include "ordo/source.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static long peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The process's kernel CPU time and minor page faults so far. */
static void sys_now(double *sys, long *faults)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    *faults = ru.ru_minflt;
}

static double secs(uint64_t t0)
{
    return (double)(ordo_now_ns() - t0) / 1e9;
}

static double analyse(const char *dir, ordo_analyze_facts_t mode)
{
    ordo_analyze_options_t opt = {0};
    opt.facts = mode;
    ordo_analysis_t *a;
    ordo_error_t err;
    uint64_t t0 = ordo_now_ns();
    if (ordo_analyze_dir(dir, &opt, &a, &err)) {
        fprintf(stderr, "analyze: %s\n", err.msg);
        exit(1);
    }
    double t = secs(t0);
    ordo_analysis_destroy(a);
    return t;
}

/* A record as the decision path logs it: CBOR (ORDO_LOG_FLAG_CBOR), or
 * JSON text with BENCH_FACTS_JSON=1. */
static void append_record(ordo_log_t *log, uint16_t type, const char *oid, int64_t ts,
                          const ordo_buf_t *json, ordo_buf_t *cb)
{
    ordo_error_t err;
    if (getenv("BENCH_FACTS_JSON")) {
        FX_CHECK(ordo_log_append(log, type, oid, strlen(oid), ts * 1000000000LL, json->data,
                                 json->len, NULL, &err));
        return;
    }
    ordo_jsonw_t w;
    ordo_buf_reset(cb);
    ordo_jsonw_init_cbor(&w, cb);
    ordo_jsonw_raw(&w, json->data, json->len);
    FX_CHECK(ordo_jsonw_finish(&w));
    FX_CHECK(ordo_log_append_flags(log, type, ORDO_LOG_FLAG_CBOR, oid, strlen(oid),
                                   ts * 1000000000LL, cb->data, cb->len, NULL, &err));
}

/* BENCH_FACTS_WRITER: plans to write records of (decided once, not timed). */
typedef struct writer {
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_policy_t *pol[2];
    ordo_arena_t *arena;
    ordo_plan_t *plan[16];
    int n;
} writer_t;

static writer_t *writer_open(void)
{
    static writer_t wr;
    if (wr.n)
        return &wr;
    char path[4096];
    ordo_error_t err;
    snprintf(path, sizeof path, "%s/docs/examples/network", ORDO_SOURCE_DIR);
    FX_CHECK(ordo_network_load(path, NULL, &wr.net, &err));
    FX_CHECK(ordo_engine_create(wr.net, NULL, &wr.eng, &err));
    FX_CHECK(ordo_policy_builtin("cost-optimized", &wr.pol[0], &err));
    FX_CHECK(ordo_policy_builtin("default", &wr.pol[1], &err));
    wr.arena = ordo_arena_create(1 << 20);
    char *text;
    size_t len;
    snprintf(path, sizeof path, "%s/docs/examples/orders.ndjson", ORDO_SOURCE_DIR);
    FX_CHECK(ordo_read_file(path, &text, &len, &err));
    for (char *line = strtok(text, "\n"); line && wr.n < 16; line = strtok(NULL, "\n"))
        for (int k = 0; k < 2 && wr.n < 16; k++) {
            ordo_order_t *o = ordo_arena_alloc(wr.arena, sizeof *o);
            FX_CHECK(ordo_order_parse(line, strlen(line), wr.net, wr.arena, o, &err));
            ordo_decide_opts_t opt = {0};
            FX_CHECK(
                ordo_source_decide(wr.eng, wr.pol[k], o, &opt, wr.arena, &wr.plan[wr.n++], &err));
        }
    free(text);
    return &wr;
}

/* The record of order oid at ts (plan k of the writer's) into cb, CBOR. */
static void writer_record(writer_t *wr, size_t k, const char *oid, int64_t ts, const char *variant,
                          bool shadow, ordo_buf_t *cb)
{
    ordo_plan_t p = *wr->plan[k % (size_t)wr->n];
    ordo_order_t o = *p.order;
    o.id = oid;
    p.order = &o;
    p.decided_at = ts;
    ordo_decision_meta_t m;
    ordo_decision_meta_init(&m);
    m.experiment = "exp-fx";
    m.variant = variant;
    m.unit = oid;
    m.bucket = 0.5;
    m.shadow = shadow;
    m.has_control_cost = true;
    m.control_cost = p.cost.total;
    ordo_jsonw_t w;
    ordo_buf_reset(cb);
    ordo_jsonw_init_cbor(&w, cb);
    ordo_record_write(&p, wr->net, &m, &w);
    FX_CHECK(ordo_jsonw_finish(&w));
}

/* CPU time of the appends (and of the log's close), and their records:
 * what the facts writer adds to the appending thread is the difference
 * with BENCH_FACTS_NO_WRITER_FACTS=1. */
static double append_cpu;
static uint64_t append_records;

static void append_written(ordo_log_t *log, uint16_t type, const char *oid, int64_t ts,
                           const ordo_buf_t *cb)
{
    ordo_error_t err;
    double c0 = cpu_now();
    FX_CHECK(ordo_log_append_flags(log, type, ORDO_LOG_FLAG_CBOR, oid, strlen(oid),
                                   ts * 1000000000LL, cb->data, cb->len, NULL, &err));
    append_cpu += cpu_now() - c0;
    append_records++;
}

static ordo_outcome_event_t *bev(ordo_outcome_event_t *ev, size_t *n, const char *oid,
                                 const char *tag, int type, int64_t at)
{
    ordo_outcome_event_t *e = &ev[(*n)++];
    memset(e, 0, sizeof *e);
    snprintf(e->event_id, sizeof e->event_id, "%s-%s", oid, tag);
    snprintf(e->order_id, sizeof e->order_id, "%s", oid);
    e->type = (ordo_outcome_type_t)type;
    e->at = at;
    return e;
}

/* BENCH_FACTS_EVENTS=7: seven events on average, in two batches. */
static void rich_events(ordo_store_t *store, const char *oid, size_t i, int64_t ts, double planned)
{
    ordo_error_t err;
    ordo_outcome_event_t ev[8];
    int ships = 1 + (int)(i % 2);
    for (int batch = 0; batch < 2; batch++) {
        size_t n = 0;
        for (int k = 0; k < ships; k++) {
            char tag[8];
            snprintf(tag, sizeof tag, "%c%d", batch ? 'd' : 's', k);
            ordo_outcome_event_t *e =
                bev(ev, &n, oid, tag, batch ? ORDO_OUTCOME_DELIVERED : ORDO_OUTCOME_SHIPPED,
                    ts + (batch ? 86400 * (1 + (int64_t)(i % 4)) : 7200));
            e->shipment = (uint32_t)k;
            if (!batch) {
                e->promised_by = ts + 3 * 86400;
                e->cost[ORDO_COST_SHIP] = (planned - 1) / ships;
                e->cost_mask = 1u << ORDO_COST_SHIP;
            }
        }
        ordo_outcome_event_t *e =
            bev(ev, &n, oid, batch ? "cc" : "cp", ORDO_OUTCOME_COST, ts + (batch ? 86400 : 3600));
        e->cost[batch ? ORDO_COST_CARRYING : ORDO_COST_PICK] = 0.35 + 0.01 * (double)(i % 9);
        if (!batch)
            e->cost[ORDO_COST_PACK] = 0.4;
        e->cost_mask =
            batch ? 1u << ORDO_COST_CARRYING : 1u << ORDO_COST_PICK | 1u << ORDO_COST_PACK;
        for (int m = 0; batch && m < 2; m++) {
            e = bev(ev, &n, oid, m ? "m1" : "m0", ORDO_OUTCOME_MEASURE, ts + 2 * 86400);
            e->measure = m ? ORDO_MEASURE_DOCK_TO_TRUCK_HOURS : ORDO_MEASURE_SATISFACTION;
            e->value = 1 + (double)(i % 4);
        }
        FX_CHECK(ordo_store_outcomes_put_batch(store, ev, n, NULL, &err));
    }
}

/* A late return (with its cost) of an older order. */
static void late_return(ordo_store_t *store, size_t i)
{
    char oid[32];
    snprintf(oid, sizeof oid, "O-%06zu", i);
    ordo_outcome_event_t ev[2];
    size_t n = 0;
    int64_t at = 1795000000 + (int64_t)i * 2 + 20 * 86400;
    ordo_outcome_event_t *e = bev(ev, &n, oid, "late-r", ORDO_OUTCOME_RETURNED, at);
    e->refund = 9.5;
    e->has_refund = true;
    e = bev(ev, &n, oid, "late-c", ORDO_OUTCOME_COST, at);
    e->cost[ORDO_COST_RETURN] = 2.5;
    e->cost_mask = 1u << ORDO_COST_RETURN;
    ordo_error_t err;
    FX_CHECK(ordo_store_outcomes_put_batch(store, ev, n, NULL, &err));
}

/* n more orders of exp-fx from index first, with a shadow for treatment
 * and outcome events (shipped with cost, delivered; or BENCH_FACTS_EVENTS=7). */
static void append_orders(const char *dir, size_t first, size_t n)
{
    const char *ne = getenv("BENCH_FACTS_EVENTS");
    bool rich = ne && atoi(ne) == 7;
    ordo_error_t err;
    char logdir[4096];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_NONE;
    ordo_log_t *log;
    FX_CHECK(ordo_log_open(logdir, &lo, &log, NULL, &err));
    ordo_store_t *store;
    FX_CHECK(ordo_store_open_existing(dir, NULL, &store, &err));
    FX_CHECK(ordo_store_tx_begin(store, &err));
    ordo_buf_t b, cb;
    ordo_buf_init(&b, NULL);
    ordo_buf_init(&cb, NULL);
    writer_t *wr = getenv("BENCH_FACTS_WRITER") ? writer_open() : NULL;
    /* BENCH_FACTS_WRITER: the facts kept by the log's writer, as the
     * decider keeps them (ordo_facts_follower), unless
     * BENCH_FACTS_NO_WRITER_FACTS=1 */
    ordo_facts_writer_t *fw = NULL;
    double c0 = cpu_now(), open_cpu = 0;
    if (wr && !getenv("BENCH_FACTS_NO_WRITER_FACTS")) {
        FX_CHECK(ordo_facts_writer_open(dir, NULL, &fw, &err));
        ordo_facts_writer_attach(fw, log);
        open_cpu = cpu_now() - c0;
    }
    double cpu0 = append_cpu;
    uint64_t rec0 = append_records;
    for (size_t i = first; i < first + n; i++) {
        fx_order_t o;
        memset(&o, 0, sizeof o);
        o.variant = (int)(i % 2);
        o.ts = 1795000000 + (int64_t)i * 2;
        o.region = (int)(i % 4);
        o.shipments = 1;
        o.units = 1 + (int)(i % 4);
        o.zones[0] = 2 + (int)(i % 7);
        o.miles[0] = 120.5 + (double)(i % 13);
        double cc = 8 + (double)(i % 17) * 0.25, planned = o.variant ? cc - 0.5 : cc;
        char oid[32];
        snprintf(oid, sizeof oid, "O-%06zu", i);
        if (wr) {
            writer_record(wr, i, oid, o.ts, o.variant ? "treatment" : "control", false, &cb);
            append_written(log, ORDO_LOG_REC_DECISION, oid, o.ts, &cb);
            if (o.variant) {
                writer_record(wr, i + 1, oid, o.ts, "control", true, &cb);
                append_written(log, ORDO_LOG_REC_SHADOW, oid, o.ts, &cb);
            }
        } else {
            fx_decision_json(&b, &o, oid, "exp-fx", o.variant ? "treatment" : "control", "p",
                             planned, true);
            append_record(log, ORDO_LOG_REC_DECISION, oid, o.ts, &b, &cb);
        }
        if (o.variant && !wr) {
            fx_decision_json(&b, &o, oid, "exp-fx", NULL, "p", cc, false);
            append_record(log, ORDO_LOG_REC_SHADOW, oid, o.ts, &b, &cb);
        }
        if (rich) {
            rich_events(store, oid, i, o.ts, planned);
            continue;
        }
        ordo_outcome_event_t ev[2];
        memset(ev, 0, sizeof ev);
        snprintf(ev[0].event_id, sizeof ev[0].event_id, "%s-s", oid);
        snprintf(ev[0].order_id, sizeof ev[0].order_id, "%s", oid);
        ev[0].type = ORDO_OUTCOME_SHIPPED;
        ev[0].at = o.ts + 7200;
        ev[0].promised_by = o.ts + 3 * 86400;
        ev[0].cost[ORDO_COST_SHIP] = planned - 1;
        ev[0].cost_mask = 1u << ORDO_COST_SHIP;
        ev[1] = ev[0];
        snprintf(ev[1].event_id, sizeof ev[1].event_id, "%s-d", oid);
        ev[1].type = ORDO_OUTCOME_DELIVERED;
        ev[1].at = o.ts + 86400 * (1 + (int64_t)(i % 4));
        ev[1].cost_mask = 0;
        ev[1].cost[ORDO_COST_SHIP] = 0;
        FX_CHECK(ordo_store_outcomes_put_batch(store, ev, 2, NULL, &err));
    }
    for (size_t i = (first / 1000) % 10; rich && i < first; i += 10)
        late_return(store, i);
    FX_CHECK(ordo_store_tx_commit(store, &err));
    ordo_buf_free(&b);
    ordo_buf_free(&cb);
    c0 = cpu_now();
    FX_CHECK(ordo_log_close(log, &err));
    append_cpu += cpu_now() - c0;
    FX_CHECK(ordo_store_close(store, &err));
    if (!wr)
        return;
    uint64_t nrec = append_records - rec0;
    double cpu = append_cpu - cpu0;
    printf("  appends of %zu orders: %llu records, CPU %.3f s (%.2f us a record) with the log's "
           "close, facts writer %s",
           n, (unsigned long long)nrec, cpu, cpu * 1e6 / (double)(nrec ? nrec : 1),
           fw ? "on" : "off (BENCH_FACTS_NO_WRITER_FACTS)");
    if (fw) {
        ordo_facts_writer_stats_t st;
        ordo_facts_writer_stats(fw, &st);
        printf(" (its open %.3f s CPU; %llu saves, %llu rows, stopped: %s)", open_cpu,
               (unsigned long long)st.saves, (unsigned long long)st.rows,
               st.stopped ? st.stopped : "no");
        ordo_facts_writer_close(fw);
    }
    printf("\n");
}

/* The last seq of the log (not timed). */
static uint64_t last_seq(const char *dir)
{
    char logdir[4096];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    ordo_log_query_t q = {0};
    q.raw = true;
    ordo_log_iter_t *it;
    ordo_error_t err;
    FX_CHECK(ordo_log_iter_open(logdir, &q, &it, &err));
    ordo_log_record_t rec;
    uint64_t last = 0;
    while (ordo_log_iter_next(it, &rec, &err) == 1)
        last = rec.seq;
    ordo_log_iter_close(it);
    return last;
}

/* Where a refresh's time goes: the records after seq `from` read again,
 * one pass per stage, each pass doing the stages before it too: the log
 * (frames, checksums, chain), + the CBOR tree, + the record (the whole
 * reader, then the fact's fields only: facts_tree.c), the whole fact (scan,
 * record, fact) with each reader. Three rounds, the stages alternating;
 * the least CPU time of each. */
static void refresh_stages(const char *dir, uint64_t from)
{
    enum { LOG, TREE, REC_FULL, REC_FAST, FACT_FULL, FACT_FAST, REC_STREAM, FACT_STREAM, STAGES };
    static const char *const name[] = {"log read",
                                       "+ CBOR tree",
                                       "+ whole record reader",
                                       "+ fact's fields only",
                                       "whole fact (whole reader)",
                                       "whole fact (fields only)",
                                       "log read + one-pass fields",
                                       "whole fact (one pass)"};
    char logdir[4096];
    snprintf(logdir, sizeof logdir, "%s/log", dir);
    ordo_arena_t *arena = ordo_arena_create(1 << 16);
    double best[STAGES];
    for (int round = 0; round < 3; round++)
        for (int stage = 0; stage < STAGES; stage++) {
            an_strings_t str;
            FX_CHECK(an_strings_init(&str));
            ordo_log_query_t q = {0};
            q.from_seq = from + 1;
            q.raw = true;
            ordo_log_iter_t *it;
            ordo_error_t err;
            an_fact_full_reader = stage == FACT_FULL;
            an_fact_tree_reader = stage == FACT_FAST;
            double c0 = cpu_now();
            FX_CHECK(ordo_log_iter_open(logdir, &q, &it, &err));
            ordo_log_record_t rec;
            while (ordo_log_iter_next(it, &rec, &err) == 1) {
                const ordo_cbor_node_t *root = NULL;
                ordo_record_t d;
                an_fact_t f;
                ordo_arena_reset(arena);
                an_stream_scan_t sc;
                if (stage == REC_STREAM && (rec.flags & ORDO_LOG_FLAG_CBOR))
                    (void)an_record_stream(rec.appended, rec.appended_len, arena, &d, &sc);
                else if (stage >= FACT_FULL && stage != REC_STREAM)
                    FX_CHECK(an_fact_from_log(&rec, arena, NULL, &str, &f, &err));
                else if (stage >= TREE && stage < FACT_FULL && (rec.flags & ORDO_LOG_FLAG_CBOR))
                    FX_CHECK(ordo_cbor_to_tree(rec.appended, rec.appended_len, arena, &root, &err));
                if (stage == REC_FULL && root)
                    (void)ordo_record_read_tree(root, 0, arena, &d, &err);
                else if (stage == REC_FAST && root)
                    (void)an_record_from_tree(root, arena, &d);
            }
            ordo_log_iter_close(it);
            double c = cpu_now() - c0;
            best[stage] = round == 0 || c < best[stage] ? c : best[stage];
            an_strings_free(&str);
        }
    an_fact_full_reader = getenv("BENCH_FACTS_FULL_READER") != NULL;
    an_fact_tree_reader = getenv("BENCH_FACTS_TREE_READER") != NULL;
    printf("  refresh stages (CPU, least of 3):");
    for (int stage = 0; stage < STAGES; stage++)
        printf(" %s %.3f s%s", name[stage], best[stage], stage + 1 < STAGES ? "," : "\n");
    ordo_arena_destroy(arena);
}

/* The facts table's files of dir saved (save) or put back (!save). */
static void facts_files(const char *dir, bool save)
{
    static const char *const name[] = {"decisions", "strings"};
    for (int i = 0; i < 2; i++) {
        char live[4096], copy[4200];
        snprintf(live, sizeof live, "%s/facts/%s", dir, name[i]);
        snprintf(copy, sizeof copy, "%s.bench", live);
        char *data;
        size_t len;
        ordo_error_t err;
        FX_CHECK(ordo_read_file(save ? live : copy, &data, &len, &err));
        FX_CHECK(ordo_write_file_atomic(save ? copy : live, data, len, &err));
        free(data);
    }
}

/* The refresh of the facts table alone, n times from the same saved table,
 * two ways alternating: an_facts_update (what a refresh after new orders
 * costs: the new records) and an_facts_open (what an analysis's open
 * costs: every row mapped and checked, then the new records); medians. */
static void refresh_repeats(const char *dir, int n)
{
    ordo_datadir_t dd;
    ordo_error_t err;
    FX_CHECK(ordo_datadir_init(&dd, dir, &err));
    facts_files(dir, true);
    double cpu[2][50], wall[2][50];
    uint64_t read = 0;
    for (int r = 0; r < n; r++)
        for (int way = 0; way < 2; way++) {
            facts_files(dir, false);
            an_facts_t t;
            uint64_t t0 = ordo_now_ns();
            double c0 = cpu_now();
            if (way == 0)
                FX_CHECK(an_facts_update(dd.facts, dd.log, NULL, &t, &err));
            else
                FX_CHECK(an_facts_open(dd.facts, dd.log, NULL, false, &t, &err));
            cpu[way][r] = cpu_now() - c0;
            wall[way][r] = secs(t0);
            read = t.read_records;
            if (t.rebuilt) {
                fprintf(stderr, "refresh rebuilt the table (%s)\n", t.why);
                exit(1);
            }
            an_facts_close(&t);
        }
    printf("  refresh of the facts table alone, %llu new records, %d runs each, medians: "
           "an_facts_update CPU %.3f s, wall %.3f s; an_facts_open CPU %.3f s, wall %.3f s\n",
           (unsigned long long)read, n, median(cpu[0], n), median(wall[0], n), median(cpu[1], n),
           median(wall[1], n));
}

/* DIR/facts copied aside (save) or put back from the copy. */
static void facts_dir(const char *dir, bool save)
{
    char cmd[9000];
    if (save)
        snprintf(cmd, sizeof cmd, "rm -rf '%s/facts.bench' && cp -a '%s/facts' '%s/facts.bench'",
                 dir, dir, dir);
    else /* on disk, so that a refresh's fdatasync does not write the copy */
        snprintf(cmd, sizeof cmd,
                 "rm -rf '%s/facts' && cp -a '%s/facts.bench' '%s/facts' && sync '%s'/facts/*", dir,
                 dir, dir, dir);
    if (system(cmd)) {
        fprintf(stderr, "%s failed\n", cmd);
        exit(1);
    }
}

/* The whole refresh after the new orders, n times from the same saved
 * facts: its decision part (an_facts_update: the facts table) and its
 * outcome part (an_ofacts_open: the outcome facts), medians. */
static void refresh_split(const char *dir, int n, size_t fresh)
{
    ordo_datadir_t dd;
    ordo_error_t err;
    FX_CHECK(ordo_datadir_init(&dd, dir, &err));
    facts_dir(dir, true);
    double cpu[2][50], wall[2][50], osys[50], oflt[50];
    uint64_t events1 = 0;
    for (int r = 0; r < n; r++) {
        facts_dir(dir, false);
        an_facts_t t;
        uint64_t t0 = ordo_now_ns();
        double c0 = cpu_now();
        FX_CHECK(an_facts_update(dd.facts, dd.log, NULL, &t, &err));
        cpu[0][r] = cpu_now() - c0;
        wall[0][r] = secs(t0);
        an_facts_close(&t);
        ordo_store_t *store;
        FX_CHECK(ordo_store_open_existing(dir, NULL, &store, &err));
        an_outcomes_t oc;
        bool rebuilt;
        double s0, s1;
        long f0, f1;
        sys_now(&s0, &f0);
        t0 = ordo_now_ns();
        c0 = cpu_now();
        FX_CHECK(an_ofacts_update(dd.facts, dd.db, store, &oc, &rebuilt, &err));
        cpu[1][r] = cpu_now() - c0;
        wall[1][r] = secs(t0);
        sys_now(&s1, &f1);
        osys[r] = s1 - s0;
        oflt[r] = (double)(f1 - f0);
        if (rebuilt) {
            fprintf(stderr, "the outcome facts were read again\n");
            exit(1);
        }
        events1 = oc.events;
        an_outcomes_free(&oc);
        FX_CHECK(ordo_store_close(store, &err));
    }
    double k = 100000.0 / (double)fresh;
    printf("  refresh after %zu new orders (%llu outcome events in the store), %d runs, medians "
           "per 100,000 new orders: decision part CPU %.3f s wall %.3f s; outcome part CPU "
           "%.3f s wall %.3f s\n",
           fresh, (unsigned long long)events1, n, median(cpu[0], n) * k, median(wall[0], n) * k,
           median(cpu[1], n) * k, median(wall[1], n) * k);
    printf("  (outcome part, medians per 100,000 new orders: of its CPU in the kernel %.3f s; "
           "minor page faults %.0f)\n",
           median(osys, n) * k, median(oflt, n) * k);
#ifdef AN_OTAIL_STATS
    printf("  (outcome part, last run: tail %s, %llu tail rows, %llu orders changed, %llu read "
           "from SQLite; tail read %.3f s, folded %.3f s, states saved %.3f s)\n",
           an_otail_last.tail ? "yes" : "no", (unsigned long long)an_otail_last.rows,
           (unsigned long long)an_otail_last.orders, (unsigned long long)an_otail_last.from_sqlite,
           (double)an_otail_last.ns_scan / 1e9, (double)an_otail_last.ns_fold / 1e9,
           (double)an_otail_last.ns_save / 1e9);
#endif
    /* the whole refresh, both parts at once (0) and one after the other (1) */
    if (getenv("BENCH_FACTS_PARTS_ONLY"))
        return;
    for (int r = 0; r < n; r++)
        for (int way = 0; way < 2; way++) {
            facts_dir(dir, false);
            if (way)
                setenv("ORDO_FACTS_SEQUENTIAL", "1", 1);
            ordo_analyze_facts_stats_t st;
            uint64_t t0 = ordo_now_ns();
            double c0 = cpu_now();
            FX_CHECK(ordo_analyze_facts_update(dir, NULL, &st, &err));
            cpu[way][r] = cpu_now() - c0;
            wall[way][r] = secs(t0);
            unsetenv("ORDO_FACTS_SEQUENTIAL");
            if (st.rebuilt || st.outcomes_rebuilt) {
                fprintf(stderr, "the whole refresh read the facts again\n");
                exit(1);
            }
        }
    printf("  whole refresh (ordo_analyze_facts_update), %d runs each, alternating, medians per "
           "100,000 new orders: both parts at once wall %.3f s (CPU %.3f s); one after the "
           "other (ORDO_FACTS_SEQUENTIAL=1) wall %.3f s (CPU %.3f s)\n",
           n, median(wall[0], n) * k, median(cpu[0], n) * k, median(wall[1], n) * k,
           median(cpu[1], n) * k);
}

/* Opens the facts and the outcome facts as analyze does; times each. */
static void open_steps(const char *dir, double *t_facts, double *t_out, bool *rebuilt,
                       uint64_t *read)
{
    ordo_datadir_t dd;
    ordo_error_t err;
    FX_CHECK(ordo_datadir_init(&dd, dir, &err));
    an_facts_t t;
    uint64_t t0 = ordo_now_ns();
    double c0 = cpu_now();
    FX_CHECK(an_facts_open(dd.facts, dd.log, NULL, false, &t, &err));
    *t_facts = secs(t0);
    printf("  (facts table opened: %.3f s, CPU %.3f s)\n", *t_facts, cpu_now() - c0);
    *rebuilt = t.rebuilt;
    *read = t.read_records;
    an_facts_close(&t);
    ordo_store_t *store;
    FX_CHECK(ordo_store_open_existing(dir, NULL, &store, &err));
    an_outcomes_t oc;
    uint64_t seq;
    t0 = ordo_now_ns();
    FX_CHECK(ordo_store_outcome_seq(store, &seq, &err));
    printf("  (the store's outcome change seq, the outcome facts' change check: %.6f s)\n",
           secs(t0));
    t0 = ordo_now_ns();
    bool orebuilt;
    FX_CHECK(an_ofacts_open(dd.facts, dd.db, store, false, &oc, &orebuilt, &err));
    *t_out = secs(t0);
    if (orebuilt)
        printf("  (outcome facts read again from the store)\n");
    an_outcomes_free(&oc);
    FX_CHECK(ordo_store_close(store, &err));
}

/* FNV-1a of DIR/facts/decisions and DIR/facts/strings (0: missing). */
static uint64_t facts_digest(const char *dir)
{
    uint64_t h = 0xcbf29ce484222325ull;
    static const char *const name[] = {"decisions", "strings"};
    for (int i = 0; i < 2; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/facts/%s", dir, name[i]);
        FILE *f = fopen(path, "rb");
        if (!f)
            return 0;
        for (int c; (c = getc(f)) != EOF;)
            h = (h ^ (uint64_t)c) * 0x100000001b3ull;
        fclose(f);
        h = (h ^ 0xff) * 0x100000001b3ull;
    }
    return h;
}

/* BENCH_FACTS_CHECK_SAME=1: the refreshed facts table (decisions, strings)
 * against a rebuild of it, and a rebuild with every record walked
 * (an_fact_summary_off): byte for byte, or exit 1. */
static void check_same(const char *dir)
{
    uint64_t refreshed = facts_digest(dir);
    analyse(dir, ORDO_ANALYZE_FACTS_REBUILD);
    uint64_t rebuilt = facts_digest(dir);
#ifdef ORDO_RECORD_SUMMARY_VERSION
    bool off = an_fact_summary_off;
    an_fact_summary_off = true;
#endif
    analyse(dir, ORDO_ANALYZE_FACTS_REBUILD);
    uint64_t walked = facts_digest(dir);
#ifdef ORDO_RECORD_SUMMARY_VERSION
    an_fact_summary_off = off;
#endif
    bool same = refreshed && refreshed == rebuilt && rebuilt == walked;
    printf("facts table (decisions, strings) refreshed %016llx, rebuilt %016llx, rebuilt "
           "walking every record %016llx: %s\n",
           (unsigned long long)refreshed, (unsigned long long)rebuilt, (unsigned long long)walked,
           same ? "the same" : "DIFFERENT");
    if (!same)
        exit(1);
}

int main(int argc, char **argv)
{
    size_t orders = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    size_t fresh = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
    int repeats = argc > 3 ? atoi(argv[3]) : 3;
    if (repeats < 1 || repeats > 50)
        repeats = 3;
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = orders;
    spec.spacing = 2;
    an_fact_full_reader = getenv("BENCH_FACTS_FULL_READER") != NULL;
    ordo_cbor_tree_fast_off = getenv("BENCH_FACTS_SLOW_TREE") != NULL;
    an_fact_tree_reader = getenv("BENCH_FACTS_TREE_READER") != NULL;
#ifdef ORDO_RECORD_SUMMARY_VERSION /* (this file also builds against records before it) */
    an_fact_summary_off = getenv("BENCH_FACTS_SUMMARY_OFF") != NULL;
#endif
    char *dir = fx_tmp_dir();
    uint64_t t0 = ordo_now_ns();
    fx_build(dir, &spec, NULL, false);
    printf("built %zu orders (log + outcome store) in %.1f s (not timed below)\n", orders,
           secs(t0));

    double t_rec =
        getenv("BENCH_FACTS_NO_RECORD_PATH") ? NAN : analyse(dir, ORDO_ANALYZE_FACTS_OFF);
    printf("record path (every record parsed): %.3f s (%.2f us/order)\n", t_rec,
           t_rec * 1e6 / (double)orders);
    double t_build = analyse(dir, ORDO_ANALYZE_FACTS_REBUILD);
    printf("facts built from the log and the store, then analysed: %.3f s\n", t_build);

    double t_warm[50], tf = 0, to = 0;
    bool rebuilt;
    uint64_t read;
    for (int r = 0; r < repeats; r++)
        t_warm[r] = analyse(dir, ORDO_ANALYZE_FACTS_AUTO);
    open_steps(dir, &tf, &to, &rebuilt, &read);
    double mw = median(t_warm, repeats);
    printf("warm analysis from the facts table: median %.3f s of %d (%.1f ns/order; "
           "of which facts checked %.3f s, outcome facts %.3f s); %.1fx the record path\n",
           mw, repeats, mw * 1e9 / (double)orders, tf, to, t_rec / mw);

    const char *sr = getenv("BENCH_FACTS_SPLIT_REPEATS");
    int split = sr ? atoi(sr) : 0;
    if (fresh && split > 0 && split <= 50) {
        /* a first refresh after a few orders: the outcome facts' states */
        append_orders(dir, orders, 1000);
        orders += 1000;
        open_steps(dir, &tf, &to, &rebuilt, &read);
        t0 = ordo_now_ns();
        append_orders(dir, orders, fresh);
        printf("appended %zu orders with outcomes in %.1f s (not timed)\n", fresh, secs(t0));
        refresh_split(dir, split, fresh);
        if (getenv("BENCH_FACTS_CHECK_SAME"))
            check_same(dir);
        fresh = 0;
    }
    if (fresh) {
        uint64_t before = last_seq(dir);
        t0 = ordo_now_ns();
        append_orders(dir, orders, fresh);
        printf("appended %zu orders with outcomes in %.1f s (not timed)\n", fresh, secs(t0));
        if (getenv("BENCH_FACTS_STAGES"))
            refresh_stages(dir, before);
        const char *rr = getenv("BENCH_FACTS_REFRESH_REPEATS");
        if (rr && atoi(rr) > 0 && atoi(rr) <= 50)
            refresh_repeats(dir, atoi(rr));
        open_steps(dir, &tf, &to, &rebuilt, &read);
        printf("refresh after %zu new orders: facts table %.3f s (%llu new records read, "
               "rebuilt: %s), outcome facts %.3f s (orders changed since read)\n",
               fresh, tf, (unsigned long long)read, rebuilt ? "yes" : "no", to);
        double t_after = analyse(dir, ORDO_ANALYZE_FACTS_AUTO);
        printf("analysis after the refresh: %.3f s\n", t_after);
    }
    printf("peak RSS: %ld MB\n", peak_rss_mb());
    fx_rm_tree(dir);
    return 0;
}
