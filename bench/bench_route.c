/* SPDX-License-Identifier: Apache-2.0 */
/* bench_route — ordo_exp_route per order on one core: the figure the issue
 * names ("at least 20 million assignments/s on one core: hash, ranges and
 * targeting on a typical order").
 *
 * Headline ("typical"): one running order-unit experiment whose targeting
 * ({"all": [region in the four census regions, value between 5 and 5000]})
 * the order passes, in the slice [0, .8) of a namespace layer, coverage 1,
 * two arms — so every order pays for targeting, unit key, the namespace
 * hash, and (80% of orders) the experiment hash (v2) and bucket ranges.
 * Then, for context:
 *   "no namespace": the same without a layer (targeting, hash, ranges);
 *   "mixed": one experiment where half the orders are targeted out
 *            (region in [northeast, midwest]), namespace [0, .6),
 *            coverage .5 — cheaper per order than the headline;
 *   "10 experiments": ten running experiments (order and customer units,
 *            three targeting shapes, namespaces, one ramp).
 * Orders: 65,536 distinct order ids ("ORD-00001234") and customer ids,
 * cycled, with 1,024 distinct pre-built contexts (eight states, four
 * regions, random values). On the decision path the context was built and
 * the order id parsed just before routing, so both are hot in cache: the
 * bench keeps its working set (about 2.5 MB, ids packed 16 bytes apart)
 * near L2 size rather than streaming 65,536 contexts (23 MB) from memory.
 *
 * For each scenario: median M routed orders/s (= assignments/s) over the
 * repeats, with min and max, and a checksum of every route result of one
 * pass (reason, variant, bucket of every entry): two builds that assign
 * identically print identical checksums. To compare an old build with a new
 * one fairly on a shared machine, run the two binaries alternately (see
 * docs/internals/ASSIGNMENT.md, "Speed").
 *
 * Usage: bench_route [--repeats R] [--n ORDERS_PER_REPEAT] [--only typical] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/exp.h"
#include "ordo/util.h"

#define N_IDS 65536
#define N_CTX 1024
#define ID_STRIDE 16

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint64_t sink;

static ordo_exp_t *parse_exp(const char *json, int64_t started_at)
{
    ordo_exp_t *e = NULL;
    ordo_error_t err;
    if (ordo_exp_parse(json, strlen(json), NULL, &e, &err)) {
        fprintf(stderr, "bench_route: %s: %s\n", err.field, err.msg);
        exit(1);
    }
    e->status.state = ORDO_EXP_RUNNING;
    e->status.started_at = started_at;
    return e;
}

/* The headline experiment: every bench order passes its targeting, so
 * every order pays for targeting, the namespace hash (a slice [0, .8) of
 * the layer: it must be hashed, and 20% of orders stop there), the
 * experiment hash and the bucket ranges. with_namespace false: no layer
 * (exactly the "hash, ranges and targeting"). */
static ordo_exp_t *make_typical(bool with_namespace)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"id\":\"typical\",\"hypothesis\":\"h\",\"unit\":\"order\",\"coverage\":1,"
             "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\"},"
             "{\"key\":\"treatment\",\"policy\":\"proximity-first\"}],"
             "\"targeting\":{\"all\":[{\"path\":\"order.region\",\"op\":\"in\",\"value\":"
             "[\"northeast\",\"midwest\",\"south\",\"west\"]},"
             "{\"path\":\"order.value\",\"op\":\"between\",\"value\":[5,5000]}]},%s"
             "\"primary_kpis\":[\"cost_per_order\"]}",
             with_namespace ? "\"namespace\":{\"layer\":\"sourcing\",\"start\":0,\"end\":0.8},"
                            : "");
    return parse_exp(json, 1795000000);
}

static ordo_exp_t *make_exp(int i)
{
    static const char *const regions[] = {"\"northeast\",\"midwest\"", "\"south\",\"west\"",
                                          "\"west\",\"midwest\",\"south\",\"northeast\""};
    char json[2048];
    snprintf(json, sizeof json,
             "{\"id\":\"bench-%d\",\"hypothesis\":\"h\",\"unit\":\"%s\",\"coverage\":%g,"
             "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\"},"
             "{\"key\":\"treatment\",\"policy\":\"proximity-first\"}%s],"
             "\"targeting\":{\"all\":[{\"path\":\"order.region\",\"op\":\"in\",\"value\":[%s]},"
             "{\"path\":\"order.value\",\"op\":\"between\",\"value\":[5,5000]}]},"
             "\"namespace\":{\"layer\":\"layer-%d\",\"start\":0,\"end\":%g},"
             "\"primary_kpis\":[\"cost_per_order\"]%s}",
             i, i % 2 ? "customer" : "order", 0.5 + 0.05 * (i % 10),
             i % 3 == 2 ? ",{\"key\":\"stores\",\"policy\":\"store-fulfillment\"}" : "",
             regions[i % 3], i, 0.6 + 0.04 * (i % 10),
             i == 3 ? ",\"ramp\":[{\"percent\":1,\"after_hours\":0},{\"percent\":50,"
                      "\"after_hours\":24}]"
                    : "");
    return parse_exp(json, 1795000000 + i);
}

typedef struct orders {
    ordo_order_ctx_t *ctx; /* N_CTX */
    char *oid, *cid;       /* N_IDS ids each, ID_STRIDE bytes apart */
} orders_t;

/* Order j: context j % N_CTX, ids j % N_IDS. */
static inline void order_at(const orders_t *o, size_t j, const ordo_order_ctx_t **ctx,
                            ordo_exp_units_t *u)
{
    size_t k = j & (N_IDS - 1);
    *ctx = &o->ctx[j & (N_CTX - 1)];
    u->order_id = o->oid + k * ID_STRIDE;
    u->customer_id = o->cid + k * ID_STRIDE;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 0x100000001b3ull;
}

/* Checksum of one pass over every distinct order. */
static uint64_t route_checksum(const ordo_exp_snapshot_t *snap, const orders_t *o, int64_t now,
                               ordo_exp_route_t *route)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t j = 0; j < N_IDS; j++) {
        ordo_error_t err;
        const ordo_order_ctx_t *ctx;
        ordo_exp_units_t u;
        order_at(o, j, &ctx, &u);
        if (ordo_exp_route(snap, ctx, &u, now, route, &err)) {
            fprintf(stderr, "bench_route: %s\n", err.msg);
            exit(1);
        }
        h = mix(h, (uint64_t)(route->acting + 1));
        for (uint32_t e = 0; e < route->n; e++) {
            const ordo_exp_route_entry_t *r = &route->entries[e];
            uint64_t bits;
            memcpy(&bits, &r->bucket, sizeof bits);
            h = mix(h, (uint64_t)r->reason << 8 | (uint64_t)(r->variant_index + 1));
            h = mix(h, bits);
            h = mix(h, (uint64_t)r->in_experiment << 2 | (uint64_t)r->excluded << 1 |
                           (uint64_t)r->in_warmup);
        }
    }
    return h;
}

static void run(const char *name, ordo_exp_t **exps, int m, const orders_t *o, size_t n,
                int repeats, ordo_exp_route_t *route)
{
    ordo_exp_snapshot_t *snap = NULL;
    ordo_error_t err;
    if (ordo_exp_snapshot_build((const ordo_exp_t *const *)exps, (size_t)m, NULL, &snap, &err)) {
        fprintf(stderr, "bench_route: %s\n", err.msg);
        exit(1);
    }
    const int64_t now = 1795000000 + 7 * 86400;
    uint64_t sum = route_checksum(snap, o, now, route); /* also the warm-up */
    double *rate = calloc((size_t)repeats, sizeof *rate);
    uint64_t acted = 0;
    for (int r = 0; r < repeats; r++) {
        uint64_t t0 = ordo_now_ns();
        uint64_t acc = 0;
        for (size_t i = 0; i < n; i++) {
            const ordo_order_ctx_t *ctx;
            ordo_exp_units_t u;
            order_at(o, i, &ctx, &u);
            ordo_exp_route(snap, ctx, &u, now, route, NULL);
            acc += route->acting >= 0;
        }
        rate[r] = (double)n / ((double)(ordo_now_ns() - t0) / 1e3); /* M/s */
        acted = acc;
    }
    sink += acted;
    qsort(rate, (size_t)repeats, sizeof *rate, cmp_double);
    double med = rate[repeats / 2];
    printf("%-44s %6.2f M/s  %6.1f ns  [min %5.2f, max %5.2f]  %3.0f%% assigned  "
           "checksum %016llx\n",
           name, med, 1e3 / med, rate[0], rate[repeats - 1], 100.0 * (double)acted / (double)n,
           (unsigned long long)sum);
    free(rate);
    ordo_exp_snapshot_destroy(snap);
}

int main(int argc, char **argv)
{
    int repeats = 11;
    size_t n = 2000000;
    bool only_typical = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = (size_t)atoll(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc && !strcmp(argv[i + 1], "typical")) {
            only_typical = true;
            i++;
        } else {
            fprintf(stderr, "usage: bench_route [--repeats R] [--n ORDERS] [--only typical]\n");
            return 2;
        }
    }
    if (repeats < 1)
        repeats = 1;
    static const char *const states[] = {"NY", "CA", "TX", "IL", "FL", "WA", "PA", "OH"};
    static const char *const regs[] = {"northeast", "west", "south",     "midwest",
                                       "south",     "west", "northeast", "midwest"};
    orders_t o;
    o.ctx = calloc(N_CTX, sizeof *o.ctx);
    o.oid = calloc(N_IDS, ID_STRIDE);
    o.cid = calloc(N_IDS, ID_STRIDE);
    ordo_exp_route_t *route = malloc(sizeof *route);
    if (!o.ctx || !o.oid || !o.cid || !route)
        return 1;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 42);
    for (size_t i = 0; i < N_IDS; i++) {
        snprintf(o.oid + i * ID_STRIDE, ID_STRIDE, "ORD-%08zu", i);
        snprintf(o.cid + i * ID_STRIDE, ID_STRIDE, "cust-%07llu",
                 (unsigned long long)ordo_rng_below(&rng, 1000000));
    }
    for (size_t i = 0; i < N_CTX; i++) {
        ordo_order_ctx_t *c = &o.ctx[i];
        c->state = states[i % 8];
        c->region = regs[i % 8];
        c->zip3 = (int)(i % 1000);
        c->channel = "web";
        c->service_level = "standard";
        c->cohort = "";
        c->customer_id = o.cid + i * ID_STRIDE;
        c->value = 10 + (double)ordo_rng_below(&rng, 400);
    }
    printf("bench_route: %zu orders per repeat, %d repeats; median M orders/s "
           "(one assignment per order and experiment)\n",
           n, repeats);
    ordo_exp_t *typ = make_typical(true);
    run("typical order, 1 experiment (headline)", &typ, 1, &o, n, repeats, route);
    ordo_exp_destroy(typ);
    if (!only_typical) {
        typ = make_typical(false);
        run("typical order, 1 experiment, no namespace", &typ, 1, &o, n, repeats, route);
        ordo_exp_destroy(typ);
        ordo_exp_t *exps[10];
        for (int i = 0; i < 10; i++)
            exps[i] = make_exp(i);
        run("mixed, 1 experiment (50% targeted out)", exps, 1, &o, n, repeats, route);
        run("10 running experiments (per order)", exps, 10, &o, n / 8, repeats, route);
        for (int i = 0; i < 10; i++)
            ordo_exp_destroy(exps[i]);
    }
    free(route);
    free(o.ctx);
    free(o.oid);
    free(o.cid);
    return 0;
}
