/* SPDX-License-Identifier: Apache-2.0 */
/* bench_source — decisions per second and latency of the sourcing engine.
 *
 *   bench_source [--nodes N] [--skus N] [--orders N] [--repeats R] [--policy NAME|FILE]
 *                [--dir DIR] [--threads T] [--quick] [--gap] [--dump FILE]
 *
 * Generates (once, cached in DIR) a network on real US geography with
 * `ordo_network_generate` — by default 1,000 nodes (20 DCs, 900 stores,
 * 80 drop-shippers) and 100,000 SKUs — and random orders of 1–5 lines to
 * ZIPs drawn by population, SKUs drawn by a Zipf popularity among stocked
 * SKUs. Runs the decisions R times on one core and prints the median
 * throughput and latency percentiles, with explanation off and on, the
 * arena's malloc count after warm-up (must be 0), and the gap of the beam
 * search to the exact search (score and landed cost, mean and p95, on the
 * orders where both run; --quick skips it unless --gap). --threads T also
 * runs T threads over the shared network (thread-safety and scaling).
 * --signals also runs the decisions with a signal snapshot in force (a rate
 * signal on every carrier service, labour and backlogs at a tenth of the
 * nodes, a hundredth closed, a carrier outage in one region) and prints
 * its rate against the run without signals. --lanes does the same with a
 * learned lane table (every lane of the network) and checks that the
 * lookups add at most 10% to the decision time (medians of alternating
 * runs of the same orders). --shapes prints the time, candidates and
 * evaluations by order shape (what the search did) and by order lines. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ordo/ordo.h"
#include "ordo/source.h"

#include "../src/source/internal.h"
#include "bench_util.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct bench {
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_policy_t *policy;
    ordo_order_t *orders;
    uint32_t n_orders;
} bench_t;

static void make_orders(bench_t *b, ordo_arena_t *a, uint64_t seed)
{
    const ordo_network_t *net = b->net;
    const ordo_geo_t *geo = net->geo;
    ordo_rng_t r;
    ordo_rng_seed(&r, seed);
    /* ZIPs by population */
    size_t nz = ordo_geo_count(geo);
    double *cum = malloc(sizeof *cum * nz);
    double tot = 0;
    for (size_t i = 0; i < nz; i++) {
        tot += ordo_geo_at(geo, i)->population;
        cum[i] = tot;
    }
    /* stocked SKUs, Zipf over the catalog order (the generator's popularity) */
    uint32_t *stocked = malloc(sizeof *stocked * net->n_skus);
    uint32_t ns = 0;
    for (uint32_t s = 0; s < net->n_skus; s++) {
        ordo_stock_range_t rg = ordo_inventory_sku_cells(net->inventory, s);
        if (rg.end > rg.begin)
            stocked[ns++] = s;
    }
    double *zc = malloc(sizeof *zc * ns);
    double zt = 0;
    for (uint32_t i = 0; i < ns; i++) {
        zt += 1.0 / pow(i + 1, 0.9);
        zc[i] = zt;
    }
    b->orders = calloc(b->n_orders, sizeof *b->orders);
    for (uint32_t i = 0; i < b->n_orders; i++) {
        ordo_order_t *o = &b->orders[i];
        char *id = ordo_arena_alloc(a, 16);
        snprintf(id, 16, "B%u", i);
        o->id = id;
        o->created = 1795000000 + (int64_t)ordo_rng_below(&r, 86400 * 30);
        o->customer_id = "";
        o->cohort = "";
        o->channel = "web";
        const ordo_zip_t *z = ordo_geo_at(geo, bench_pick_cumulative(&r, cum, nz));
        o->ship_zip = z->zip;
        o->ship_zip3 = z->zip3;
        memcpy(o->state, z->state, 3);
        o->level = ordo_rng_below(&r, 5) == 0 ? ORDO_LEVEL_EXPRESS : ORDO_LEVEL_STANDARD;
        o->pickup_node = -1;
        o->residential = true;
        o->n_lines = 1 + (uint32_t)ordo_rng_below(&r, 5);
        o->lines = ordo_arena_alloc(a, sizeof *o->lines * o->n_lines);
        for (uint32_t l = 0; l < o->n_lines; l++) {
            uint32_t sku;
            bool dup;
            do {
                sku = stocked[bench_pick_cumulative(&r, zc, ns)];
                dup = false;
                for (uint32_t k = 0; k < l; k++)
                    dup |= o->lines[k].sku == sku;
            } while (dup);
            o->lines[l].sku = sku;
            o->lines[l].quantity = ordo_rng_below(&r, 4) == 0 ? 2 : 1;
        }
    }
    free(cum);
    free(stocked);
    free(zc);
}

typedef struct run_result {
    double per_sec;
    double cpu_per_sec; /* on the thread's CPU time: preemption left out */
    uint64_t p50, p90, p99, max;
    uint64_t block_allocs;
    uint32_t ok, fallback, unfulfillable, split;
    double evaluated;
    uint64_t digest; /* FNV-1a over every plan: equal digests, equal decisions */
} run_result_t;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* What a decision chose, exactly: status, shipments (node, service, lines,
 * quantities), score bits and landed cost bits. */
static uint64_t plan_digest(uint64_t h, const ordo_plan_t *p)
{
    h = fnv(h, &p->status, sizeof p->status);
    h = fnv(h, &p->n_shipments, sizeof p->n_shipments);
    for (uint32_t s = 0; s < p->n_shipments; s++) {
        const ordo_shipment_t *sh = &p->shipments[s];
        h = fnv(h, &sh->node, sizeof sh->node);
        h = fnv(h, &sh->service, sizeof sh->service);
        for (uint32_t j = 0; j < sh->n_lines; j++) {
            h = fnv(h, &sh->lines[j].line, sizeof sh->lines[j].line);
            h = fnv(h, &sh->lines[j].quantity, sizeof sh->lines[j].quantity);
        }
    }
    h = fnv(h, p->score_vec, sizeof p->score_vec[0] * p->score_dim);
    h = fnv(h, &p->cost.total, sizeof p->cost.total);
    return h;
}

/* --dump FILE: one line per decision of the first explain-off run (order,
 * status, score vector, landed cost, node:service[lines] per shipment), to
 * tell a tie broken differently (same scores) from a different decision
 * when two builds' digests differ: tools/bench/plandiff.py A B. */
static FILE *dump_fp;

static void dump_plan(uint32_t i, const ordo_plan_t *p)
{
    fprintf(dump_fp, "%u %d", i, (int)p->status);
    for (uint32_t d = 0; d < p->score_dim; d++)
        fprintf(dump_fp, "%c%.17g", d ? ',' : ' ', p->score_vec[d]);
    if (!p->score_dim)
        fprintf(dump_fp, " -");
    fprintf(dump_fp, " %.17g", p->cost.total);
    for (uint32_t s = 0; s < p->n_shipments; s++) {
        const ordo_shipment_t *sh = &p->shipments[s];
        fprintf(dump_fp, " %u:%d[", sh->node, (int)sh->service);
        for (uint32_t j = 0; j < sh->n_lines; j++)
            fprintf(dump_fp, "%s%ux%u", j ? "," : "", sh->lines[j].line, sh->lines[j].quantity);
        fprintf(dump_fp, "]");
    }
    fputc('\n', dump_fp);
}

/* The signal snapshot the runs decide with (NULL: the engine's, none). */
static const ordo_signals_t *run_signals;

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run_once(bench_t *b, bool explain, run_result_t *res, uint64_t *lat, ordo_arena_t *a)
{
    ordo_decide_opts_t opts = {0};
    opts.explain = explain;
    opts.signals = run_signals;
    memset(res, 0, sizeof *res);
    /* warm-up: grow the arena to its working size */
    for (uint32_t i = 0; i < b->n_orders && i < 2000; i++) {
        ordo_arena_reset(a);
        ordo_plan_t *p;
        ordo_source_decide(b->eng, b->policy, &b->orders[i], &opts, a, &p, NULL);
    }
    size_t allocs0 = ordo_arena_block_allocs(a);
    uint64_t t0 = ordo_now_ns();
    double ev = 0, c0 = thread_cpu_s();
    for (uint32_t i = 0; i < b->n_orders; i++) {
        uint64_t s = ordo_now_ns();
        ordo_arena_reset(a);
        ordo_plan_t *p = NULL;
        ordo_error_t err;
        int rc = ordo_source_decide(b->eng, b->policy, &b->orders[i], &opts, a, &p, &err);
        lat[i] = ordo_now_ns() - s;
        if (rc) {
            fprintf(stderr, "decide: %s\n", err.msg);
            exit(1);
        }
        ev += p->evaluated;
        if (dump_fp && !explain)
            dump_plan(i, p);
        res->digest = plan_digest(res->digest ? res->digest : 0xcbf29ce484222325ull, p);
        res->ok += p->status == ORDO_PLAN_OK;
        res->split += p->n_shipments > 1;
        res->fallback += p->status == ORDO_PLAN_FALLBACK;
        res->unfulfillable += p->status == ORDO_PLAN_UNFULFILLABLE;
    }
    uint64_t t1 = ordo_now_ns();
    res->cpu_per_sec = b->n_orders / (thread_cpu_s() - c0);
    if (dump_fp && !explain) {
        fclose(dump_fp);
        dump_fp = NULL;
    }
    res->block_allocs = ordo_arena_block_allocs(a) - allocs0;
    res->per_sec = b->n_orders / ((t1 - t0) / 1e9);
    qsort(lat, b->n_orders, sizeof *lat, cmp_u64);
    res->p50 = lat[b->n_orders / 2];
    res->p90 = lat[(size_t)(b->n_orders * 0.90)];
    res->p99 = lat[(size_t)(b->n_orders * 0.99)];
    res->max = lat[b->n_orders - 1];
    res->evaluated = ev / b->n_orders;
}

/* --shapes: where the decisions' time goes by order shape (what the search
 * did, src_trace), and by order lines. A first run classifies each order; a
 * second times each decision, made through a function of its class so that
 * callgrind counts each class apart:
 *   valgrind --tool=callgrind --toggle-collect='shape_decide_*' \
 *     bench_source ... --quick --repeats 1 --shapes
 *   callgrind_annotate --inclusive=yes callgrind.out.PID | grep shape_decide_ */
#define SH_LINES 8 /* order lines counted apart up to this */
enum { SH_ONE, SH_ONE_CUT, SH_WHOLE, SH_GROUPS, SH_CUT, SH_OTHER, SH_N };
static const char *const shape_names[SH_N] = {
    "1 line",
    "1 line, cut into pieces",
    "2+ lines, whole order only (split test)",
    "2+ lines, line groups searched",
    "2+ lines, a line cut into pieces",
    "beam, fallback, none",
};

static int shape_of(const src_trace_t *t)
{
    if (t->kind == SRC_SHAPE_NONE || t->kind == SRC_SHAPE_BEAM)
        return SH_OTHER;
    if (t->order_lines == 1)
        return t->search_lines == 1 ? SH_ONE : SH_ONE_CUT;
    if (t->search_lines > t->order_lines)
        return SH_CUT;
    return t->kind == SRC_SHAPE_GROUPS ? SH_GROUPS : SH_WHOLE;
}

#define SHAPE_DECIDE(k)                                                                            \
    static __attribute__((noinline)) int shape_decide_##k(                                         \
        bench_t *b, uint32_t i, const ordo_decide_opts_t *o, ordo_arena_t *a, ordo_plan_t **p)     \
    {                                                                                              \
        return ordo_source_decide(b->eng, b->policy, &b->orders[i], o, a, p, NULL);                \
    }
SHAPE_DECIDE(one)
SHAPE_DECIDE(one_cut)
SHAPE_DECIDE(whole)
SHAPE_DECIDE(groups)
SHAPE_DECIDE(cut)
SHAPE_DECIDE(other)
typedef int (*shape_fn)(bench_t *, uint32_t, const ordo_decide_opts_t *, ordo_arena_t *,
                        ordo_plan_t **);
static const shape_fn shape_fns[SH_N] = {shape_decide_one,   shape_decide_one_cut,
                                         shape_decide_whole, shape_decide_groups,
                                         shape_decide_cut,   shape_decide_other};

typedef struct shape_row {
    uint32_t n, slow; /* orders; of them at or above the run's p99 */
    uint32_t split;   /* plans of more than one shipment */
    double cands, evals, passes, ns;
    uint64_t *lat;
} shape_row_t;

static void shape_print(const char *title, const char *const *names, shape_row_t *r, uint32_t nr,
                        uint32_t n_orders, double total_ns, uint32_t n_slow)
{
    printf("%-42s %7s %6s %8s %8s %8s %6s %6s %6s %6s %6s %6s\n", title, "orders", "share",
           "mean us", "p50 us", "p99 us", "time", "slow1%", "cands", "evals", "passes", "split");
    for (uint32_t k = 0; k < nr; k++) {
        if (!r[k].n)
            continue;
        qsort(r[k].lat, r[k].n, sizeof *r[k].lat, cmp_u64);
        printf("%-42s %7u %5.1f%% %8.2f %8.2f %8.2f %5.1f%% %5.1f%% %6.1f %6.1f %6.2f %5.1f%%\n",
               names[k], r[k].n, 100.0 * r[k].n / n_orders, r[k].ns / r[k].n / 1e3,
               r[k].lat[r[k].n / 2] / 1e3, r[k].lat[(size_t)(r[k].n * 0.99)] / 1e3,
               100.0 * r[k].ns / total_ns, 100.0 * r[k].slow / n_slow, r[k].cands / r[k].n,
               r[k].evals / r[k].n, r[k].passes / r[k].n, 100.0 * r[k].split / r[k].n);
    }
}

static void shapes(bench_t *b, ordo_arena_t *a)
{
    ordo_decide_opts_t opts = {0};
    opts.signals = run_signals;
    uint32_t n = b->n_orders;
    uint8_t *cls = malloc(n);
    uint32_t *cands = malloc(sizeof *cands * n), *passes = malloc(sizeof *passes * n);
    uint64_t *lat = malloc(sizeof *lat * n), *sorted = malloc(sizeof *sorted * n);
    for (uint32_t i = 0; i < n; i++) {
        ordo_arena_reset(a);
        ordo_plan_t *p;
        ordo_source_decide(b->eng, b->policy, &b->orders[i], &opts, a, &p, NULL);
        cls[i] = (uint8_t)shape_of(&src_trace);
    }
    uint32_t *evals = malloc(sizeof *evals * n);
    uint8_t *split = malloc(n);
    for (uint32_t i = 0; i < n; i++) {
        ordo_plan_t *p = NULL;
        uint64_t s = ordo_now_ns();
        ordo_arena_reset(a);
        shape_fns[cls[i]](b, i, &opts, a, &p);
        lat[i] = ordo_now_ns() - s;
        evals[i] = p ? p->evaluated : 0;
        split[i] = p && p->n_shipments > 1;
        cands[i] = src_trace.kind == SRC_SHAPE_NONE ? 0 : src_trace.cands;
        passes[i] = src_trace.kind == SRC_SHAPE_NONE ? 0 : src_trace.passes;
    }
    memcpy(sorted, lat, sizeof *lat * n);
    qsort(sorted, n, sizeof *sorted, cmp_u64);
    uint64_t p99 = sorted[(size_t)(n * 0.99)];
    uint32_t n_slow = 0;
    double total = 0;
    shape_row_t by_shape[SH_N] = {0}, by_lines[SH_LINES + 1] = {0};
    for (uint32_t k = 0; k < SH_N; k++)
        by_shape[k].lat = malloc(sizeof *lat * n);
    for (uint32_t k = 0; k <= SH_LINES; k++)
        by_lines[k].lat = malloc(sizeof *lat * n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t nl = b->orders[i].n_lines < SH_LINES ? b->orders[i].n_lines : SH_LINES;
        shape_row_t *rows[2] = {&by_shape[cls[i]], &by_lines[nl]};
        n_slow += lat[i] >= p99;
        total += (double)lat[i];
        for (int r = 0; r < 2; r++) {
            shape_row_t *w = rows[r];
            w->lat[w->n++] = lat[i];
            w->slow += lat[i] >= p99;
            w->ns += (double)lat[i];
            w->cands += cands[i];
            w->evals += evals[i];
            w->passes += passes[i];
            w->split += split[i];
        }
    }
    printf("by shape (%u orders, p99 %.1f us; time: share of the decisions' time; slow1%%: share "
           "of the orders at or above p99):\n",
           n, p99 / 1e3);
    shape_print("shape", shape_names, by_shape, SH_N, n, total, n_slow);
    char names_buf[SH_LINES + 1][16];
    const char *names[SH_LINES + 1];
    for (uint32_t k = 0; k <= SH_LINES; k++) {
        snprintf(names_buf[k], sizeof names_buf[k], "%u line%s", k, k == 1 ? "" : "s");
        names[k] = names_buf[k];
    }
    shape_print("order lines", names, by_lines, SH_LINES + 1, n, total, n_slow);
    for (uint32_t k = 0; k < SH_N; k++)
        free(by_shape[k].lat);
    for (uint32_t k = 0; k <= SH_LINES; k++)
        free(by_lines[k].lat);
    free(cls);
    free(cands);
    free(passes);
    free(evals);
    free(split);
    free(lat);
    free(sorted);
}

/* Runs and prints one configuration; returns its median rate. */
static double report(const char *label, bench_t *b, bool explain, int repeats, ordo_arena_t *a)
{
    uint64_t *lat = malloc(sizeof *lat * b->n_orders);
    run_result_t *rs = calloc((size_t)repeats, sizeof *rs);
    double *tp = calloc((size_t)repeats, sizeof *tp), *p50 = calloc((size_t)repeats, sizeof *p50),
           *p99 = calloc((size_t)repeats, sizeof *p99);
    uint64_t allocs = 0;
    for (int r = 0; r < repeats; r++) {
        run_once(b, explain, &rs[r], lat, a);
        tp[r] = rs[r].per_sec;
        p50[r] = (double)rs[r].p50;
        p99[r] = (double)rs[r].p99;
        allocs += rs[r].block_allocs;
    }
    qsort(tp, (size_t)repeats, sizeof *tp, cmp_dbl);
    qsort(p50, (size_t)repeats, sizeof *p50, cmp_dbl);
    qsort(p99, (size_t)repeats, sizeof *p99, cmp_dbl);
    printf("%-12s %9.0f decisions/s  p50 %6.1f us  p99 %6.1f us  (median of %d runs; "
           "max %.1f us; %.1f shipment candidates evaluated/decision; "
           "ok %u (split %u) fallback %u unfulfillable %u; arena mallocs after warm-up %llu; "
           "plans digest %016llx)\n",
           label, tp[repeats / 2], p50[repeats / 2] / 1e3, p99[repeats / 2] / 1e3, repeats,
           rs[0].max / 1e3, rs[0].evaluated, rs[0].ok, rs[0].split, rs[0].fallback,
           rs[0].unfulfillable, (unsigned long long)allocs, (unsigned long long)rs[0].digest);
    double median = tp[repeats / 2];
    free(lat);
    free(rs);
    free(tp);
    free(p50);
    free(p99);
    return median;
}

/* The q-quantile of n sorted values (0 when none). */
static double quantile(const double *v, uint32_t n, double q)
{
    if (!n)
        return 0;
    size_t k = (size_t)(q * (n - 1) + 0.5);
    return v[k < n ? k : n - 1];
}

/* Lexicographic compare of two score vectors at the engine's tolerance. */
static int score_cmp(const ordo_plan_t *x, const ordo_plan_t *y)
{
    for (uint32_t d = 0; d < x->score_dim && d < y->score_dim; d++) {
        double diff = x->score_vec[d] - y->score_vec[d];
        if (fabs(diff) > 1e-9 * (1 + fabs(x->score_vec[d]) + fabs(y->score_vec[d])))
            return diff > 0 ? 1 : -1;
    }
    return 0;
}

/* The bounded (beam) search against the exact one, on the orders where both
 * run: the exact search's plan says "search": "exact" (no walked line, no
 * coarse split) and the beam, forced, finds a plan with the same strategy.
 * Per order: the score gap, exact − beam (≥ 0; one-number scores, in the
 * score's units: about dollars for the weighted strategies, whose cost
 * weight is 1), whether the beam's score is worse (criteria: the vector),
 * and the landed-cost gap relative to the exact plan's (signed: a worse
 * score can cost less). Mean and p95 of each. */
static void beam_gap(bench_t *b, ordo_arena_t *a)
{
    ordo_decide_opts_t ex = {0}, bm = {0};
    bm.force_beam = true;
    uint32_t lim = b->n_orders < 20000 ? b->n_orders : 20000;
    double *sgap = malloc(sizeof *sgap * lim), *cgap = malloc(sizeof *cgap * lim);
    uint32_t n = 0, worse = 0, beam_none = 0, not_exact = 0;
    double sgap_sum = 0, cgap_sum = 0;
    uint64_t t_ex = 0, t_bm = 0;
    for (uint32_t i = 0; i < lim; i++) {
        ordo_arena_reset(a);
        ordo_plan_t *pe, *pb;
        uint64_t s0 = ordo_now_ns();
        ordo_source_decide(b->eng, b->policy, &b->orders[i], &ex, a, &pe, NULL);
        uint64_t s1 = ordo_now_ns();
        ordo_source_decide(b->eng, b->policy, &b->orders[i], &bm, a, &pb, NULL);
        uint64_t s2 = ordo_now_ns();
        t_ex += s1 - s0;
        t_bm += s2 - s1;
        if (pe->status != ORDO_PLAN_OK)
            continue;
        if (strcmp(pe->search, "exact")) {
            not_exact++;
            continue;
        }
        if (pb->status != ORDO_PLAN_OK || strcmp(pb->strategy, pe->strategy)) {
            beam_none++;
            continue;
        }
        worse += score_cmp(pe, pb) > 0;
        sgap[n] = pe->score_dim == 1 ? pe->score - pb->score : 0;
        cgap[n] = pe->cost.total > 0 ? 100 * (pb->cost.total - pe->cost.total) / pe->cost.total : 0;
        sgap_sum += sgap[n];
        cgap_sum += cgap[n];
        n++;
    }
    qsort(sgap, n, sizeof *sgap, cmp_dbl);
    qsort(cgap, n, sizeof *cgap, cmp_dbl);
    printf("beam vs exact: %u orders where both run (%u more bounded, %u beam found none); beam "
           "score worse in %u (%.2f%%); score gap mean %.4f p95 %.4f max %.4f; landed-cost gap "
           "mean %+.3f%% p95 %+.2f%% max %+.2f%%; mean time exact %.1f us, beam %.1f us\n",
           n, not_exact, beam_none, worse, n ? 100.0 * worse / n : 0, n ? sgap_sum / n : 0,
           quantile(sgap, n, 0.95), n ? sgap[n - 1] : 0, n ? cgap_sum / n : 0,
           quantile(cgap, n, 0.95), n ? cgap[n - 1] : 0, t_ex / 1e3 / lim, t_bm / 1e3 / lim);
    free(sgap);
    free(cgap);
}

/* The --signals snapshot: in force from 2000 on, open-ended. */
static ordo_signals_t *bench_signals(const ordo_network_t *net)
{
    size_t cap = 256 * ((size_t)net->n_nodes + net->n_services + 4), n = 0;
    char *d = malloc(cap);
    const char *from = "\"effective_from\":\"2000-01-01T00:00:00Z\"";
    for (uint32_t s = 0; s < net->n_services; s++)
        n += (size_t)snprintf(d + n, cap - n,
                              "{\"kind\":\"rate\",\"carrier\":\"%s\",\"service\":\"%s\",%s,"
                              "\"rate_multiplier\":1.02,\"fuel_surcharge_pct\":%g}\n",
                              net->services[s].carrier, net->services[s].id, from,
                              net->services[s].fuel_surcharge_pct + 1.5);
    for (uint32_t k = 0; k < net->n_nodes; k++) {
        const ordo_node_t *nd = &net->nodes[k];
        if (k % 10 == 3)
            n += (size_t)snprintf(d + n, cap - n,
                                  "{\"kind\":\"backlog\",\"node\":\"%s\",%s,\"units\":%u}\n",
                                  nd->id, from, nd->daily_capacity * (k % 7 + 3) / 10);
        if (k % 20 == 5)
            n += (size_t)snprintf(d + n, cap - n,
                                  "{\"kind\":\"labour\",\"node\":\"%s\",%s,\"labour_rate\":22,"
                                  "\"picks_per_hour\":40,\"capacity\":%u}\n",
                                  nd->id, from, nd->daily_capacity + 1);
        if (k % 100 == 7)
            n += (size_t)snprintf(d + n, cap - n,
                                  "{\"kind\":\"node_status\",\"node\":\"%s\",%s,"
                                  "\"status\":\"closed\"}\n",
                                  nd->id, from);
    }
    if (net->n_services)
        n += (size_t)snprintf(d + n, cap - n,
                              "{\"kind\":\"carrier_outage\",\"carrier\":\"%s\",\"service\":\"%s\","
                              "%s,\"region\":\"midwest\"}\n",
                              net->services[0].carrier, net->services[0].id, from);
    ordo_signal_list_t l = {0};
    ordo_error_t err = {0};
    ordo_signals_t *snap = NULL;
    if (ordo_signals_parse(d, n, net, "bench", 1, 1, true, &l, &err) ||
        ordo_signals_build(net, l.sig, l.n, 1, &snap, &err)) {
        fprintf(stderr, "signals: line %ld %s: %s\n", err.line, err.field, err.msg);
        exit(1);
    }
    printf("signals: %zu in force (version 1)\n", l.n);
    ordo_signal_list_free(&l);
    free(d);
    return snap;
}

/* Without and with a feature (set(b, ctx, on) switches it), alternating
 * (the machine's drift hits both alike): the median rate of each and their
 * ratio. */
static void alternate(bench_t *b, int repeats, ordo_arena_t *a, const char *what,
                      void (*set)(bench_t *, void *, bool), void *ctx, double bound)
{
    uint64_t *lat = malloc(sizeof *lat * b->n_orders);
    double *off = calloc((size_t)repeats, sizeof *off), *on = calloc((size_t)repeats, sizeof *on);
    double *coff = calloc((size_t)repeats, sizeof *coff), *con = calloc((size_t)repeats, sizeof *con);
    run_result_t r0, r1;
    for (int r = 0; r < repeats; r++) {
        set(b, ctx, false);
        run_once(b, false, &r0, lat, a);
        set(b, ctx, true);
        run_once(b, false, &r1, lat, a);
        off[r] = r0.per_sec;
        on[r] = r1.per_sec;
        coff[r] = r0.cpu_per_sec;
        con[r] = r1.cpu_per_sec;
    }
    set(b, ctx, false);
    qsort(off, (size_t)repeats, sizeof *off, cmp_dbl);
    qsort(on, (size_t)repeats, sizeof *on, cmp_dbl);
    qsort(coff, (size_t)repeats, sizeof *coff, cmp_dbl);
    qsort(con, (size_t)repeats, sizeof *con, cmp_dbl);
    printf("%s: without %.0f decisions/s, with %.0f (medians of %d alternating runs): "
           "%.1f%%; with %s: arena mallocs after warm-up %llu, plans digest %016llx\n",
           what, off[repeats / 2], on[repeats / 2], repeats, 100 * on[repeats / 2] / off[repeats / 2],
           what, (unsigned long long)r1.block_allocs, (unsigned long long)r1.digest);
    /* decision time with / without, on CPU time (a loaded machine's
     * preemption would otherwise swamp the difference): the rates' inverse */
    double ratio = coff[repeats / 2] / con[repeats / 2];
    if (bound > 0)
        printf("%s: decision CPU time with/without %.3f (bound %.2f): %s; wall clock %.3f\n",
               what, ratio, bound, ratio <= bound ? "pass" : "FAIL",
               off[repeats / 2] / on[repeats / 2]);
    free(off);
    free(on);
    free(coff);
    free(con);
    free(lat);
}

static void set_signals(bench_t *b, void *snap, bool on)
{
    (void)b;
    run_signals = on ? snap : NULL;
}

static void signals_pairs(bench_t *b, int repeats, ordo_arena_t *a)
{
    ordo_signals_t *snap = bench_signals(b->net);
    alternate(b, repeats, a, "signals", set_signals, snap, 0);
    ordo_signals_destroy(snap);
}

/* The --lanes table: a learned distribution for every lane (node, service,
 * ZIP3, class) of the network, each equal to the published histogram of
 * its (service, zone): decisions are the same as without (the plans
 * digests must match), and the difference is the cost of the lookups. */
static ordo_lanes_t *bench_lanes(const ordo_network_t *net)
{
    uint32_t S = net->n_services;
    ordo_lanes_t *l = ordo_lanes_new(net->n_nodes, S, S * ORDO_ZONES);
    if (!l)
        exit(1);
    for (uint32_t d = 0; d < S * ORDO_ZONES; d++)
        ordo_lanes_set_pmf(l, d, net->services[d / ORDO_ZONES].transit[d % ORDO_ZONES]);
    for (uint32_t n = 0; n < net->n_nodes; n++)
        for (uint32_t sv = 0; sv < S; sv++)
            for (uint32_t z = 0; z < ORDO_ZIP3_COUNT; z++) {
                int zone = ordo_network_zone(net, n, (uint16_t)z);
                for (int c = 0; zone >= 1 && c < ORDO_LANE_CLASSES * ORDO_LANE_RURAL; c++)
                    l->lane[ordo_lanes_index(l, n, sv, (uint16_t)z, c)] =
                        sv * ORDO_ZONES + (uint32_t)zone - 1;
            }
    snprintf(l->version, sizeof l->version, "bench-v1:00000000");
    return l;
}

static void set_lanes(bench_t *b, void *ctx, bool on)
{
    ordo_lanes_t **keep = ctx; /* the engine owns what it is given: hand it copies */
    if (!on) {
        ordo_engine_set_lanes(b->eng, NULL);
        return;
    }
    ordo_lanes_t *l = ordo_lanes_copy(keep[0]);
    if (!l)
        exit(1);
    ordo_engine_set_lanes(b->eng, l);
}

static void lanes_pairs(bench_t *b, int repeats, ordo_arena_t *a)
{
    ordo_lanes_t *l = bench_lanes(b->net);
    /* learned-lane lookups may add at most 10% to the decision time */
    alternate(b, repeats, a, "lanes", set_lanes, &l, 1.10);
    ordo_lanes_destroy(l);
}

typedef struct thr {
    bench_t *b;
    uint32_t from, to;
    double secs;
} thr_t;

static void *thread_main(void *arg)
{
    thr_t *t = arg;
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_decide_opts_t opts = {0};
    uint64_t s = ordo_now_ns();
    for (uint32_t i = t->from; i < t->to; i++) {
        ordo_arena_reset(a);
        ordo_plan_t *p;
        ordo_source_decide(t->b->eng, t->b->policy, &t->b->orders[i], &opts, a, &p, NULL);
    }
    t->secs = (ordo_now_ns() - s) / 1e9;
    ordo_arena_destroy(a);
    return NULL;
}

int main(int argc, char **argv)
{
    uint32_t nodes = 1000, skus = 100000, n_orders = 100000;
    int repeats = 5, threads = 0;
    bool quick = false, gap = false, with_signals = false, with_lanes = false, lanes_on = false,
         with_shapes = false;
    const char *policy_name = "default";
    char dir[512];
    snprintf(dir, sizeof dir, "%s/bench-network", ORDO_BINARY_DIR);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--nodes") && i + 1 < argc)
            nodes = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--skus") && i + 1 < argc)
            skus = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--orders") && i + 1 < argc)
            n_orders = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--policy") && i + 1 < argc)
            policy_name = argv[++i];
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            snprintf(dir, sizeof dir, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick")) /* explain off only (profiling) */
            quick = true;
        else if (!strcmp(argv[i], "--gap")) /* the beam gap even with --quick */
            gap = true;
        else if (!strcmp(argv[i], "--signals"))
            with_signals = true;
        else if (!strcmp(argv[i], "--lanes"))
            with_lanes = true;
        else if (!strcmp(argv[i], "--shapes")) /* the time by order shape */
            with_shapes = true;
        else if (!strcmp(argv[i], "--lanes-on")) /* every run with the --lanes table (perf stat) */
            lanes_on = true;
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
            if (!(dump_fp = fopen(argv[++i], "w"))) {
                perror(argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr,
                    "usage: bench_source [--nodes N] [--skus N] [--orders N] "
                    "[--repeats R] [--policy NAME|FILE] [--dir DIR] [--threads T] [--quick] "
                    "[--gap] [--dump FILE] [--signals] [--lanes] [--lanes-on] [--shapes]\n");
            return 2;
        }
    }
    if (repeats < 1 || n_orders < 100 || nodes < 10) {
        fprintf(stderr, "bench_source: bad arguments\n");
        return 2;
    }
    char sub[600];
    snprintf(sub, sizeof sub, "%s/n%u-s%u", dir, nodes, skus);
    char probe[700];
    snprintf(probe, sizeof probe, "%s/inventory.csv", sub);
    struct stat st;
    ordo_error_t err = {0};
    if (stat(probe, &st) != 0) {
        ordo_generate_options_t g = {0};
        g.dcs = nodes / 50 ? nodes / 50 : 1;
        g.dropshippers = nodes * 8 / 100;
        g.stores = nodes - g.dcs - g.dropshippers;
        g.skus = skus;
        g.seed = 42;
        g.name = "bench";
        fprintf(stderr, "generating %u nodes, %u SKUs into %s ...\n", nodes, skus, sub);
        if (ordo_network_generate(&g, NULL, sub, &err)) {
            fprintf(stderr, "generate: %s\n", err.msg);
            return 1;
        }
    }
    bench_t b = {0};
    uint64_t t0 = ordo_now_ns();
    if (ordo_network_load(sub, NULL, &b.net, &err)) {
        fprintf(stderr, "load: %s\n", err.msg);
        return 1;
    }
    uint64_t t1 = ordo_now_ns();
    if (ordo_engine_create(b.net, NULL, &b.eng, &err) ||
        ordo_policy_load(policy_name, &b.policy, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    uint64_t t2 = ordo_now_ns();
    printf("network: %u nodes, %u SKUs, %zu inventory records; load %.2f s, engine %.2f s\n",
           b.net->n_nodes, b.net->n_skus, ordo_inventory_cell_count(b.net->inventory),
           (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    printf("policy: %s (%s); %u orders of 1-5 lines, one core\n", b.policy->name, b.policy->version,
           n_orders);
    ordo_arena_t *orders_arena = ordo_arena_create(1 << 20);
    b.n_orders = n_orders;
    make_orders(&b, orders_arena, 7);
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    if (lanes_on)
        ordo_engine_set_lanes(b.eng, bench_lanes(b.net));
    report("explain off", &b, false, repeats, a);
    if (with_shapes)
        shapes(&b, a);
    if (with_signals)
        signals_pairs(&b, repeats, a);
    if (with_lanes)
        lanes_pairs(&b, repeats, a);
    if (!quick)
        report("explain on", &b, true, repeats > 3 ? 3 : repeats, a);
    if (!quick || gap)
        beam_gap(&b, a);
    if (threads > 1) {
        pthread_t *tid = calloc((size_t)threads, sizeof *tid);
        thr_t *ts = calloc((size_t)threads, sizeof *ts);
        uint64_t s = ordo_now_ns();
        for (int i = 0; i < threads; i++) {
            ts[i].b = &b;
            ts[i].from = n_orders / (uint32_t)threads * (uint32_t)i;
            ts[i].to = n_orders / (uint32_t)threads * (uint32_t)(i + 1);
            pthread_create(&tid[i], NULL, thread_main, &ts[i]);
        }
        for (int i = 0; i < threads; i++)
            pthread_join(tid[i], NULL);
        double secs = (ordo_now_ns() - s) / 1e9;
        printf("%d threads: %.0f decisions/s in total\n", threads, n_orders / secs);
        free(tid);
        free(ts);
    }
    ordo_arena_destroy(a);
    ordo_arena_destroy(orders_arena);
    ordo_policy_destroy(b.policy);
    ordo_engine_destroy(b.eng);
    ordo_network_destroy(b.net);
    return 0;
}
