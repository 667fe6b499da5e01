/* SPDX-License-Identifier: Apache-2.0 */
/* bench_strategies — what each built-in policy does to real-looking orders.
 *
 *   bench_strategies [--dcs N] [--stores N] [--dropshippers N] [--skus N]
 *                    [--orders N] [--seed S] [--dir DIR] [--policy NAME|FILE]...
 *
 * Generates a network with ordo_network_generate (default: the demo's 8 DCs,
 * 120 stores, 6 drop-shippers, 5,000 SKUs, seed 42) and orders with
 * ordo_orders_generate (3,000, seed 7: ZIPs by population, 1–4 lines, 78%
 * standard / 17% express / 5% pickup), decides them under every built-in
 * (or the --policy given) without reserving stock, and prints one table row
 * per policy (bench/strategy_metrics.h says what each column is). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ordo/generate.h"
#include "ordo/ordo.h"
#include "ordo/source.h"

#include "strategy_metrics.h"

typedef struct args {
    ordo_generate_options_t g;
    uint32_t orders;
    uint64_t seed;
    const char *dir;
    const char *policies[16];
    uint32_t n_policies;
} args_t;

static int parse_args(int argc, char **argv, args_t *a)
{
    memset(a, 0, sizeof *a);
    a->g.dcs = 8;
    a->g.stores = 120;
    a->g.dropshippers = 6;
    a->g.skus = 5000;
    a->g.seed = 42;
    a->g.name = "bench-strategies";
    a->orders = 3000;
    a->seed = 7;
    a->dir = ORDO_BINARY_DIR "/bench-data";
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        i++;
        if (!strcmp(k, "--dcs"))
            a->g.dcs = (uint32_t)atoi(v);
        else if (!strcmp(k, "--stores"))
            a->g.stores = (uint32_t)atoi(v);
        else if (!strcmp(k, "--dropshippers"))
            a->g.dropshippers = (uint32_t)atoi(v);
        else if (!strcmp(k, "--skus"))
            a->g.skus = (uint32_t)atoi(v);
        else if (!strcmp(k, "--orders"))
            a->orders = (uint32_t)atoi(v);
        else if (!strcmp(k, "--seed"))
            a->seed = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--dir"))
            a->dir = v;
        else if (!strcmp(k, "--policy") && a->n_policies < 16)
            a->policies[a->n_policies++] = v;
        else
            return -1;
    }
    if (!a->n_policies)
        for (const char *const *n = ordo_policy_builtin_names(); *n; n++)
            a->policies[a->n_policies++] = *n;
    return a->orders >= 1 && a->g.skus >= 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
    args_t a;
    if (parse_args(argc, argv, &a)) {
        fprintf(stderr, "usage: bench_strategies [--dcs N] [--stores N] [--dropshippers N] "
                        "[--skus N] [--orders N] [--seed S] [--dir DIR] [--policy P]...\n");
        return 2;
    }
    char sub[700], probe[800];
    snprintf(sub, sizeof sub, "%s/strategies-d%u-s%u-x%u-k%u-g%llu", a.dir, a.g.dcs, a.g.stores,
             a.g.dropshippers, a.g.skus, (unsigned long long)a.g.seed);
    snprintf(probe, sizeof probe, "%s/inventory.csv", sub);
    struct stat st;
    ordo_error_t err = {0};
    if (stat(probe, &st) != 0 && ordo_network_generate(&a.g, NULL, sub, &err)) {
        fprintf(stderr, "generate: %s\n", err.msg);
        return 1;
    }
    ordo_network_t *net;
    ordo_engine_t *eng;
    if (ordo_network_load(sub, NULL, &net, &err) || ordo_engine_create(net, NULL, &eng, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    ordo_arena_t *oa = ordo_arena_create(1 << 20);
    ordo_order_t *orders = calloc(a.orders, sizeof *orders);
    ordo_ordergen_options_t go;
    ordo_ordergen_defaults(&go);
    go.n_orders = a.orders;
    go.seed = a.seed;
    if (!orders || ordo_orders_generate(net, &go, oa, orders, &err)) {
        fprintf(stderr, "orders: %s\n", err.msg);
        return 1;
    }
    printf("network: %u DCs, %u stores, %u drop-shippers, %u SKUs (seed %llu); %u orders "
           "(seed %llu)\n\n",
           a.g.dcs, a.g.stores, a.g.dropshippers, a.g.skus, (unsigned long long)a.g.seed,
           a.orders, (unsigned long long)a.seed);
    sm_print_header(stdout);
    int status = 0;
    for (uint32_t i = 0; i < a.n_policies; i++) {
        ordo_policy_t *pol;
        sm_result_t r;
        if (ordo_policy_load(a.policies[i], &pol, &err) ||
            sm_measure(eng, net, pol, orders, a.orders, &r, &err)) {
            fprintf(stderr, "%s: %s\n", a.policies[i], err.msg);
            status = 1;
            continue;
        }
        sm_print_row(stdout, pol->name, &r);
        ordo_policy_destroy(pol);
    }
    free(orders);
    ordo_arena_destroy(oa);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
    return status;
}
