/* SPDX-License-Identifier: Apache-2.0 */
/* bench_stats — 10 million joined orders through the streaming accumulators
 * and every final test, on one core. Target: <= 2 s (issue: statistics).
 *
 *   bench_stats [N_ORDERS] [REPEATS]      (defaults 10000000 and 5)
 *
 * Each order carries a variant (2), a region (8 strata), its cost (metric),
 * the customer's pre-period cost (CUPED covariate), items (ratio
 * denominator) and on-time (0/1). The data are generated before timing; the
 * timed part is the accumulation plus Welch, CUPED, post-stratification,
 * ratio (delta method), two-proportion z, lift, SRM, non-inferiority,
 * the decision and Holm. Prints the median of the repeats. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/stats.h"
#include "ordo/util.h"

#define N_REGIONS 8

typedef struct {
    double *cost, *pre, *items;
    uint8_t *variant, *region, *on_time;
    size_t n;
} orders_t;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void generate(orders_t *o, size_t n)
{
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 42);
    o->n = n;
    o->cost = malloc(n * sizeof *o->cost);
    o->pre = malloc(n * sizeof *o->pre);
    o->items = malloc(n * sizeof *o->items);
    o->variant = malloc(n);
    o->region = malloc(n);
    o->on_time = malloc(n);
    if (!o->cost || !o->pre || !o->items || !o->variant || !o->region || !o->on_time) {
        fprintf(stderr, "bench_stats: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t v = (uint8_t)ordo_rng_below(&rng, 2);
        uint8_t r = (uint8_t)ordo_rng_below(&rng, N_REGIONS);
        double pre = ordo_rng_lognormal(&rng, 2.3, 0.4);
        double items = 1.0 + (double)ordo_rng_poisson(&rng, 1.5);
        o->variant[i] = v;
        o->region[i] = r;
        o->pre[i] = pre;
        o->items[i] = items;
        o->cost[i] = 0.6 * pre + 2.0 * items + 0.3 * r + (v ? -0.05 : 0.0) +
                     ordo_rng_normal(&rng) * 2.0;
        o->on_time[i] = ordo_rng_uniform(&rng) < (v ? 0.951 : 0.95);
    }
}

typedef struct {
    ordo_moments_t cost_pre[2][N_REGIONS]; /* cost with pre-period covariate */
    ordo_moments_t cost_items[2];          /* cost per item (ratio) */
    double on_time[2], units[2];
} acc_t;

static double analyse(const orders_t *o, uint64_t *sink)
{
    uint64_t t0 = ordo_now_ns();
    acc_t *a = calloc(1, sizeof *a);
    for (int v = 0; v < 2; v++) {
        for (int r = 0; r < N_REGIONS; r++)
            ordo_moments_init(&a->cost_pre[v][r]);
        ordo_moments_init(&a->cost_items[v]);
    }
    for (size_t i = 0; i < o->n; i++) {
        int v = o->variant[i];
        ordo_moments_add2(&a->cost_pre[v][o->region[i]], o->cost[i], o->pre[i]);
        ordo_moments_add2(&a->cost_items[v], o->cost[i], o->items[i]);
        a->on_time[v] += o->on_time[i];
        a->units[v] += 1.0;
    }
    /* final tests */
    ordo_moments_t arm[2];
    ordo_stats_arm_t strata[2][N_REGIONS];
    for (int v = 0; v < 2; v++) {
        ordo_moments_init(&arm[v]);
        for (int r = 0; r < N_REGIONS; r++) {
            ordo_moments_merge(&arm[v], &a->cost_pre[v][r]);
            strata[v][r] = ordo_stats_arm_from_moments(&a->cost_pre[v][r]);
        }
    }
    ordo_stats_result_t welch, cuped, strat, ratio, prop, rel, srm;
    ordo_stats_arm_t c = ordo_stats_arm_from_moments(&arm[0]);
    ordo_stats_arm_t t = ordo_stats_arm_from_moments(&arm[1]);
    int rc = 0;
    rc |= ordo_stats_welch(&c, &t, 0.05, &welch, NULL);
    rc |= ordo_stats_lift(&c, &t, 0.05, NULL, &rel, NULL);
    rc |= ordo_stats_cuped(&arm[0], &arm[1], 0.05, &cuped, NULL, NULL, NULL, NULL);
    rc |= ordo_stats_poststratify(strata[0], strata[1], N_REGIONS, NULL, 0.05, &strat, NULL);
    rc |= ordo_stats_ratio_delta(&a->cost_items[0], &a->cost_items[1], 0.05, &ratio, NULL);
    rc |= ordo_stats_prop_z(a->on_time[0], a->units[0], a->on_time[1], a->units[1], 0.05, &prop,
                            NULL);
    double w[2] = {0.5, 0.5};
    rc |= ordo_stats_srm(a->units, w, 2, &srm, NULL);
    ordo_stats_guardrail_t g = {prop, 0.005, true};
    ordo_stats_decision_t d;
    rc |= ordo_stats_decide(&cuped, false, &g, 1, 0.05, &d, NULL, NULL);
    double ps[4] = {welch.p_value, cuped.p_value, ratio.p_value, prop.p_value}, adj[4];
    rc |= ordo_stats_holm(ps, 4, adj, NULL);
    double secs = (double)(ordo_now_ns() - t0) / 1e9;
    if (rc) {
        fprintf(stderr, "bench_stats: a test failed\n");
        exit(1);
    }
    static int printed;
    if (!printed++) {
        printf("  welch  diff %.5f p %.3g | cuped diff %.5f se %.5f (welch se %.5f) p %.3g\n",
               welch.estimate, welch.p_value, cuped.estimate, cuped.se, welch.se, cuped.p_value);
        printf("  strat  diff %.5f p %.3g | ratio diff %.5f p %.3g | on-time diff %.5f p %.3g\n",
               strat.estimate, strat.p_value, ratio.estimate, ratio.p_value, prop.estimate,
               prop.p_value);
        printf("  rel lift %.4f%% [%.4f, %.4f] | srm p %.3g | decision %d | holm %.3g %.3g\n",
               100 * rel.estimate, 100 * rel.ci_low, 100 * rel.ci_high, srm.p_value, (int)d,
               adj[0], adj[1]);
    }
    *sink += (uint64_t)(welch.p_value * 1e9) + d;
    free(a);
    return secs;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (n < 10 || reps < 1) {
        fprintf(stderr, "usage: bench_stats [N_ORDERS >= 10] [REPEATS >= 1]\n");
        return 2;
    }
    orders_t o;
    printf("bench_stats: generating %zu orders...\n", n);
    generate(&o, n);
    double *t = malloc((size_t)reps * sizeof *t);
    uint64_t sink = 0;
    for (int r = 0; r < reps; r++)
        t[r] = analyse(&o, &sink);
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    double med = t[reps / 2];
    printf("bench_stats: %zu orders, accumulate + all tests: median %.3f s over %d runs "
           "(min %.3f, max %.3f) = %.1f M orders/s [target <= 2 s] (sink %llu)\n",
           n, med, reps, t[0], t[reps - 1], (double)n / med / 1e6, (unsigned long long)(sink & 1));
    free(t);
    free(o.cost);
    free(o.pre);
    free(o.items);
    free(o.variant);
    free(o.region);
    free(o.on_time);
    return med <= 2.0 * (double)n / 1e7 ? 0 : 1;
}
