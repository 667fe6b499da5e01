/* SPDX-License-Identifier: Apache-2.0 */
/* bench_exp — experiment assignment throughput on one core.
 *
 * Target (issue): at least 20 million assignments/s. An assignment here is
 * unit key extraction from a parsed order + namespace check + GrowthBook
 * hash + bucket ranges, on typical ids ("cust-0012345"). Targeting is not
 * measured here: bench_route measures the whole per-order call (targeting +
 * key + namespace + hash + ranges), the headline figure. Prints the
 * median (and min/max) over repeats.
 *
 * Usage: bench_exp [--repeats R] [--n ASSIGNMENTS_PER_REPEAT] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/exp.h"
#include "ordo/util.h"

#define N_IDS 65536 /* distinct units, cycled (fits in L2 like a hot working set) */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint64_t sink;

typedef struct bench_ctx {
    ordo_order_t *orders;
    const char **keys;
    size_t *lens;
    ordo_exp_assigner_t plain; /* hash + ranges */
    ordo_exp_assigner_t full;  /* namespace [0, .5) + hash + ranges, coverage 0.9 */
    ordo_exp_assigner_t worst; /* holdout 5% + namespace [0, 1) + hash + ranges:
                                * nearly every unit pays for all three hashes */
    ordo_exp_assignment_t *out;
    size_t n;
} bench_ctx_t;

/* Each returns assignments done. */
static size_t run_hash(bench_ctx_t *c)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < c->n; i++) {
        size_t k = i & (N_IDS - 1);
        double v;
        ordo_exp_hash("proximity-vs-cost", 17, c->keys[k], c->lens[k], 2, &v, NULL);
        acc += (uint64_t)(v * 10000.0);
    }
    sink += acc;
    return c->n;
}

static size_t run_ranges(bench_ctx_t *c)
{
    uint64_t acc = 0;
    double x = 0.0;
    for (size_t i = 0; i < c->n; i++) {
        x += 0.61803398875;
        if (x >= 1.0)
            x -= 1.0;
        acc += (uint64_t)(ordo_exp_choose_arm(x, c->full.ranges, c->full.n_arms) + 1);
    }
    sink += acc;
    return c->n;
}

static size_t run_assign_plain(bench_ctx_t *c)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *key;
        size_t len;
        ordo_exp_unit_key(ORDO_EXP_UNIT_CUSTOMER, &c->orders[i & (N_IDS - 1)], &key, &len);
        ordo_exp_assignment_t r;
        ordo_exp_assign(&c->plain, key, len, &r, NULL);
        acc += (uint64_t)(r.arm + 1);
    }
    sink += acc;
    return c->n;
}

static size_t assign_single(bench_ctx_t *c, const ordo_exp_assigner_t *a)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *key;
        size_t len;
        ordo_exp_unit_key(ORDO_EXP_UNIT_CUSTOMER, &c->orders[i & (N_IDS - 1)], &key, &len);
        ordo_exp_assignment_t r;
        ordo_exp_assign(a, key, len, &r, NULL);
        acc += (uint64_t)(r.arm + 1);
    }
    sink += acc;
    return c->n;
}

static size_t run_assign_full(bench_ctx_t *c)
{
    return assign_single(c, &c->full);
}

static size_t run_assign_worst(bench_ctx_t *c)
{
    return assign_single(c, &c->worst);
}

#define BATCH 256
static size_t assign_batch(bench_ctx_t *c, const ordo_exp_assigner_t *a)
{
    uint64_t acc = 0;
    const char *keys[BATCH];
    size_t lens[BATCH];
    for (size_t i = 0; i < c->n; i += BATCH) {
        for (size_t b = 0; b < BATCH; b++)
            ordo_exp_unit_key(ORDO_EXP_UNIT_CUSTOMER, &c->orders[(i + b) & (N_IDS - 1)], &keys[b],
                              &lens[b]);
        ordo_exp_assign_batch(a, keys, lens, BATCH, c->out, NULL);
        for (size_t b = 0; b < BATCH; b++)
            acc += (uint64_t)(c->out[b].arm + 1);
    }
    sink += acc;
    return c->n / BATCH * BATCH;
}

static size_t run_assign_batch(bench_ctx_t *c)
{
    return assign_batch(c, &c->full);
}

static size_t run_assign_batch_worst(bench_ctx_t *c)
{
    return assign_batch(c, &c->worst);
}

static void bench(const char *name, size_t (*fn)(bench_ctx_t *), bench_ctx_t *c, int repeats)
{
    double rates[101];
    fn(c); /* warm-up */
    for (int r = 0; r < repeats; r++) {
        uint64_t t0 = ordo_now_ns();
        size_t done = fn(c);
        uint64_t t1 = ordo_now_ns();
        rates[r] = (double)done / ((double)(t1 - t0) / 1e9) / 1e6;
    }
    qsort(rates, (size_t)repeats, sizeof rates[0], cmp_double);
    printf("%-56s median %7.1f M/s   (min %6.1f, max %6.1f, %d repeats)\n", name,
           rates[repeats / 2], rates[0], rates[repeats - 1], repeats);
}

int main(int argc, char **argv)
{
    int repeats = 11;
    size_t n = 4000000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = (size_t)strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_exp [--repeats R] [--n N]\n");
            return 2;
        }
    }
    if (repeats < 1 || repeats > 101 || n < BATCH) {
        fprintf(stderr, "bench_exp: repeats in 1..101, n >= %d\n", BATCH);
        return 2;
    }
    bench_ctx_t c = {.n = n};
    c.orders = calloc(N_IDS, sizeof *c.orders);
    c.keys = calloc(N_IDS, sizeof *c.keys);
    c.lens = calloc(N_IDS, sizeof *c.lens);
    char *idbuf = calloc(N_IDS, 16);
    c.out = calloc(BATCH, sizeof *c.out);
    if (!c.orders || !c.keys || !c.lens || !idbuf || !c.out)
        return 1;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 42);
    for (size_t i = 0; i < N_IDS; i++) {
        char *id = idbuf + 16 * i;
        snprintf(id, 16, "cust-%07u", (unsigned)ordo_rng_below(&rng, 10000000));
        c.keys[i] = id;
        c.lens[i] = strlen(id);
        c.orders[i].id = "ord-000000001";
        c.orders[i].customer_id = id;
        memcpy(c.orders[i].state, "CA", 3);
    }
    ordo_error_t err;
    ordo_exp_assign_spec_t spec = {
        .key = "proximity-vs-cost", .hash_version = 2, .n_arms = 2, .coverage = 1.0};
    if (ordo_exp_assigner_init(&c.plain, &spec, &err) != ORDO_OK)
        return 1;
    spec.coverage = 0.9;
    spec.namespace_name = "sourcing";
    spec.namespace_start = 0.0;
    spec.namespace_end = 0.5;
    if (ordo_exp_assigner_init(&c.full, &spec, &err) != ORDO_OK)
        return 1;
    ordo_exp_holdout_spec_t hold = {.seed = "global-holdout-2026", .fraction = 0.05};
    spec.namespace_end = 1.0;
    spec.holdouts = &hold;
    spec.n_holdouts = 1;
    if (ordo_exp_assigner_init(&c.worst, &spec, &err) != ORDO_OK)
        return 1;

    printf("bench_exp: %zu assignments per repeat, %d distinct ids like \"%s\"\n", n, N_IDS,
           c.keys[0]);
    bench("hash v2 (ordo_exp_hash)", run_hash, &c, repeats);
    bench("bucket ranges (choose arm, 2 arms)", run_ranges, &c, repeats);
    bench("assign: key + hash + ranges", run_assign_plain, &c, repeats);
    bench("assign: key + namespace + hash + ranges", run_assign_full, &c, repeats);
    bench("assign: key + holdout + namespace(all) + hash + ranges", run_assign_worst, &c, repeats);
    bench("batch: key + namespace + hash + ranges", run_assign_batch, &c, repeats);
    bench("batch: key + holdout + namespace(all) + hash + ranges", run_assign_batch_worst, &c,
          repeats);
    printf("targeting: see bench_route (targeting + namespace + hash + ranges per order)\n");
    free(c.orders);
    free(c.keys);
    free(c.lens);
    free(idbuf);
    free(c.out);
    return 0;
}
