/* bench_route — cost of ordo_exp_route per order, with 1 and 10 running
 * experiments in the snapshot (the decision path calls it once per order).
 *
 * Orders are pre-built contexts (65,536 distinct ids, cycled) over several
 * states and regions. Experiments: order- and customer-unit, each with a
 * targeting condition (region in [...] and order value band), a namespace
 * in its own layer, coverage 0.5..1 and two or three arms; one has a ramp.
 * Prints the median ns per order over repeats (and min/max).
 *
 * Usage: bench_route [--repeats R] [--n ORDERS_PER_REPEAT] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/exp.h"
#include "ordo/util.h"

#define N_IDS 65536

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint64_t sink;

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
    ordo_exp_t *e = NULL;
    ordo_error_t err;
    if (ordo_exp_parse(json, strlen(json), NULL, &e, &err)) {
        fprintf(stderr, "bench_route: %s: %s\n", err.field, err.msg);
        exit(1);
    }
    e->status.state = ORDO_EXP_RUNNING;
    e->status.started_at = 1795000000 + i;
    return e;
}

int main(int argc, char **argv)
{
    int repeats = 11;
    size_t n = 2000000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = (size_t)atoll(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_route [--repeats R] [--n ORDERS]\n");
            return 2;
        }
    }
    if (repeats < 1)
        repeats = 1;
    static const char *const states[] = {"NY", "CA", "TX", "IL", "FL", "WA", "PA", "OH"};
    static const char *const regs[] = {"northeast", "west", "south", "midwest",
                                       "south",     "west", "northeast", "midwest"};
    ordo_order_ctx_t *ctx = calloc(N_IDS, sizeof *ctx);
    ordo_exp_units_t *units = calloc(N_IDS, sizeof *units);
    char (*oid)[24] = calloc(N_IDS, sizeof *oid);
    char (*cid)[24] = calloc(N_IDS, sizeof *cid);
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 42);
    for (size_t i = 0; i < N_IDS; i++) {
        snprintf(oid[i], sizeof oid[i], "ORD-%08zu", i);
        snprintf(cid[i], sizeof cid[i], "cust-%07llu",
                 (unsigned long long)ordo_rng_below(&rng, 1000000));
        ordo_order_ctx_t *c = &ctx[i];
        c->state = states[i % 8];
        c->region = regs[i % 8];
        c->zip3 = (int)(i % 1000);
        c->channel = "web";
        c->service_level = "standard";
        c->cohort = "";
        c->customer_id = cid[i];
        c->value = 10 + (double)ordo_rng_below(&rng, 400);
        units[i].order_id = oid[i];
        units[i].customer_id = cid[i];
    }
    ordo_exp_route_t *route = malloc(sizeof *route);
    static const int counts[] = {1, 10};
    printf("bench_route: %zu orders per repeat, %d repeats (median [min, max])\n", n, repeats);
    for (size_t k = 0; k < 2; k++) {
        int m = counts[k];
        ordo_exp_t *exps[10];
        for (int i = 0; i < m; i++)
            exps[i] = make_exp(i);
        ordo_exp_snapshot_t *snap = NULL;
        ordo_error_t err;
        if (ordo_exp_snapshot_build((const ordo_exp_t *const *)exps, (size_t)m, NULL, &snap,
                                    &err)) {
            fprintf(stderr, "bench_route: %s\n", err.msg);
            return 1;
        }
        double *ns = calloc((size_t)repeats, sizeof *ns);
        uint64_t acted = 0;
        for (int r = 0; r < repeats; r++) {
            uint64_t t0 = ordo_now_ns();
            uint64_t acc = 0;
            for (size_t i = 0; i < n; i++) {
                size_t j = i & (N_IDS - 1);
                ordo_exp_route(snap, &ctx[j], &units[j], 1795000000 + 7 * 86400, route, NULL);
                acc += route->acting >= 0;
            }
            ns[r] = (double)(ordo_now_ns() - t0) / (double)n;
            acted = acc;
        }
        sink += acted;
        qsort(ns, (size_t)repeats, sizeof *ns, cmp_double);
        printf("  %2d running experiment%s: %7.1f ns/order [%.1f, %.1f]  (%.2f M orders/s; "
               "%.0f%% of orders in some experiment)\n",
               m, m == 1 ? " " : "s", ns[repeats / 2], ns[0], ns[repeats - 1],
               1e3 / ns[repeats / 2], 100.0 * (double)acted / (double)n);
        free(ns);
        ordo_exp_snapshot_destroy(snap);
        for (int i = 0; i < m; i++)
            ordo_exp_destroy(exps[i]);
    }
    free(route);
    free(ctx);
    free(units);
    free(oid);
    free(cid);
    return 0;
}
