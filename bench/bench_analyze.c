/* SPDX-License-Identifier: Apache-2.0 */
/* bench_analyze — speed of experiment analysis.
 *
 *   bench_analyze [core_rows] [e2e_orders] [repeats]
 *
 * 1. The analysis core on pre-joined in-memory rows: 10,000,000 rows by
 *    default (a pool of 131,072 distinct rows fed round and round, so the
 *    pool stays in memory), two variants, the 23 built-in metrics, one KPI
 *    and two guardrails (so segments, days and the sequential test run),
 *    plus finish (every statistic). Target: <= 2 s on one core.
 * 2. End to end on a data directory of 1,000,000 orders (decision log +
 *    outcome store, built first and not timed): reading the experiment,
 *    loading the outcome summaries into the hash map, streaming and parsing
 *    every decision record, the join and the analysis.
 * Prints the median of the repeats (default 3) and the peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../tests/analyze/analyze_fixture.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

#define POOL 131072

static void make_rows(ordo_analyze_row_t *rows)
{
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 11);
    for (size_t i = 0; i < POOL; i++) {
        ordo_analyze_row_t *r = &rows[i];
        ordo_analyze_row_init(r);
        int v = (int)(i % 2);
        r->variant = (uint32_t)v;
        r->ts = 1795000000 + (int64_t)(i * 30 * 86400 / POOL); /* 30 days */
        r->region = (uint8_t)ordo_rng_below(&rng, 5);
        r->family = (uint16_t)ordo_rng_below(&rng, 8);
        double value = 20 + 400 * ordo_rng_uniform(&rng);
        r->value_band = (uint8_t)ordo_analyze_value_band(value);
        r->v[ORDO_AF_ORDER_VALUE] = value;
        double cc = 8 + 4 * ordo_rng_uniform(&rng);
        double planned = cc - (v ? 0.3 : 0);
        r->v[ORDO_AF_CONTROL_COST] = cc;
        r->v[ORDO_AF_PLANNED_COST] = planned;
        r->v[ORDO_AF_PLANNED_PICK] = 1.0;
        r->v[ORDO_AF_PLANNED_PACK] = 0.5;
        r->v[ORDO_AF_PLANNED_SHIP] = planned - 1.6;
        r->v[ORDO_AF_PLANNED_RETURNS] = 0.1;
        r->v[ORDO_AF_PLANNED_CARRYING] = 0;
        int ships = ordo_rng_uniform(&rng) < 0.2 ? 2 : 1;
        r->v[ORDO_AF_SHIPMENTS] = ships;
        r->v[ORDO_AF_SPLIT] = ships > 1;
        r->v[ORDO_AF_UNITS] = 1 + (double)ordo_rng_below(&rng, 4);
        double zsum = 0;
        for (int z = 0; z < 9; z++)
            r->v[ORDO_AF_ZONE_1 + z] = 0;
        for (int s = 0; s < ships; s++) {
            int z = 2 + (int)ordo_rng_below(&rng, 7);
            zsum += z;
            r->v[ORDO_AF_ZONE_1 + z - 1] += 1;
        }
        r->v[ORDO_AF_ZONE_SUM] = zsum;
        r->v[ORDO_AF_MILES] = 150 * zsum;
        r->v[ORDO_AF_FALLBACK] = 0;
        r->v[ORDO_AF_PLANNED_ON_TIME_PROB] = 0.9;
        r->v[ORDO_AF_PLANNED_RETURN_RISK] = 0.05;
        bool outcome = ordo_rng_uniform(&rng) < 0.9;
        r->v[ORDO_AF_HAS_OUTCOME] = outcome;
        if (!outcome)
            continue;
        double ship = planned - 1.6 + ordo_rng_normal(&rng);
        r->v[ORDO_AF_ACTUAL_COST] = ship + 1.5;
        r->v[ORDO_AF_ACTUAL_PICK] = 1.0;
        r->v[ORDO_AF_ACTUAL_PACK] = 0.5;
        r->v[ORDO_AF_ACTUAL_SHIP] = ship;
        r->v[ORDO_AF_ACTUAL_RETURNS] = 0;
        r->v[ORDO_AF_ACTUAL_CARRYING] = 0;
        r->v[ORDO_AF_REFUND] = 0;
        r->v[ORDO_AF_ON_TIME] = ordo_rng_uniform(&rng) < 0.9;
        r->v[ORDO_AF_DELIVERED] = 1;
        r->v[ORDO_AF_HOURS_TO_SHIP] = 2 + 20 * ordo_rng_uniform(&rng);
        r->v[ORDO_AF_HOURS_TO_DELIVER] = 50 + 50 * ordo_rng_uniform(&rng);
        r->v[ORDO_AF_RETURNED] = ordo_rng_uniform(&rng) < 0.05;
        r->v[ORDO_AF_CANCELLED] = 0;
    }
}

int main(int argc, char **argv)
{
    size_t core_rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    size_t e2e_orders = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
    int repeats = argc > 3 ? atoi(argv[3]) : 3;
    if (repeats < 1 || repeats > 50)
        repeats = 3;
    ordo_error_t err;

    /* 1. the core */
    ordo_analyze_row_t *rows = malloc(POOL * sizeof *rows);
    if (!rows)
        return 1;
    make_rows(rows);
    ordo_analyze_config_t *cfg = malloc(sizeof *cfg);
    const char *vars[] = {"control", "treatment"};
    ordo_analyze_config_default(cfg, "bench", vars, 2, NULL);
    double t_core[50];
    for (int r = 0; r < repeats; r++) {
        ordo_analysis_t *a;
        if (ordo_analysis_create(cfg, &a, &err))
            return 1;
        uint64_t t0 = ordo_now_ns();
        for (size_t i = 0; i < core_rows; i++)
            if (ordo_analysis_add(a, &rows[i % POOL], &err))
                return 1;
        if (ordo_analysis_finish(a, 0, &err))
            return 1;
        t_core[r] = (double)(ordo_now_ns() - t0) / 1e9;
        const char *why;
        ordo_analysis_verdict(a, NULL, &why);
        if (r == 0)
            printf("core: verdict reason: %s\n", why);
        ordo_analysis_destroy(a);
    }
    double mc = median(t_core, repeats);
    printf("core: %zu rows, %d repeats: median %.3f s (%.1f ns/row, %.1f M rows/s) — target "
           "<= 2 s: %s\n",
           core_rows, repeats, mc, mc * 1e9 / (double)core_rows, (double)core_rows / mc / 1e6,
           mc <= 2.0 ? "met" : "MISSED");
    free(rows);
    free(cfg);

    /* 2. end to end */
    if (!e2e_orders)
        return 0;
    fx_spec_t spec;
    fx_spec_default(&spec);
    spec.n_orders = e2e_orders;
    spec.spacing = 2; /* 1M orders over ~23 days */
    char *dir = fx_tmp_dir();
    uint64_t tb = ordo_now_ns();
    fx_build(dir, &spec, NULL, false);
    printf("e2e: built %zu orders (log + outcome store) in %.1f s (not timed below)\n", e2e_orders,
           (double)(ordo_now_ns() - tb) / 1e9);
    double t_e2e[50];
    for (int r = 0; r < repeats; r++) {
        ordo_analysis_t *a;
        uint64_t t0 = ordo_now_ns();
        if (ordo_analyze_dir(dir, NULL, &a, &err)) {
            fprintf(stderr, "analyze: %s\n", err.msg);
            return 1;
        }
        t_e2e[r] = (double)(ordo_now_ns() - t0) / 1e9;
        ordo_analysis_destroy(a);
    }
    double me = median(t_e2e, repeats);
    printf("e2e: %zu orders, %d repeats: median %.3f s (%.2f us/order)\n", e2e_orders, repeats, me,
           me * 1e6 / (double)e2e_orders);
    printf("peak RSS: %ld MB\n", peak_rss_mb());
    fx_rm_tree(dir);
    return 0;
}
