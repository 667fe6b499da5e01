/* SPDX-License-Identifier: Apache-2.0 */
/* Days of supply of a network's stocked inventory cells, by node type, as
 * the sourcing engine computes them (ATP ÷ the cell's demand rate:
 * docs/formats.md, "Days of supply"): p10, p25, median, p75, p90, mean.
 *
 *   bench_days_of_supply [DIR]
 *
 * e.g. on `ordo network generate --out DIR --dcs 8 --stores 120
 * --dropshippers 6 --skus 5000 --seed 42` (the demo's network). Without
 * DIR (as `make bench` runs it) that network is generated once into
 * BUILD/bench-dos-network and reused. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "ordo/ordo.h"
#include "ordo/source.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The quantiles of node type t's cells with ATP > 0. */
static void print_type(const ordo_network_t *net, const ordo_engine_t *eng, int t, double *v)
{
    size_t n = ordo_inventory_cell_count(net->inventory), k = 0;
    double sum = 0;
    for (size_t c = 0; c < n; c++) {
        uint32_t node = ordo_inventory_cell_node(net->inventory, (uint32_t)c);
        if ((int)net->nodes[node].type != t || ordo_inventory_atp(net->inventory, (uint32_t)c) <= 0)
            continue;
        v[k] = ordo_engine_days_of_supply(eng, (uint32_t)c);
        sum += v[k++];
    }
    if (!k)
        return;
    qsort(v, k, sizeof *v, cmp_double);
    printf("%-9s cells %7zu  p10 %7.1f  p25 %7.1f  median %7.1f  p75 %7.1f  p90 %7.1f  mean %7.1f\n",
           ordo_node_type_name((ordo_node_type_t)t), k, v[k / 10], v[k / 4], v[k / 2],
           v[3 * k / 4], v[9 * k / 10], sum / (double)k);
}

int main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "usage: bench_days_of_supply [DIR]\n");
        return 2;
    }
    ordo_error_t err = {0};
    char dir[512];
    snprintf(dir, sizeof dir, "%s", argc == 2 ? argv[1] : ORDO_BINARY_DIR "/bench-dos-network");
    struct stat st;
    char probe[600];
    snprintf(probe, sizeof probe, "%s/network.json", dir);
    if (argc == 1 && stat(probe, &st) != 0) {
        ordo_generate_options_t g = {0};
        g.dcs = 8;
        g.stores = 120;
        g.dropshippers = 6;
        g.skus = 5000;
        g.seed = 42;
        if (ordo_network_generate(&g, NULL, dir, &err)) {
            fprintf(stderr, "bench_days_of_supply: %s\n", err.msg);
            return 1;
        }
    }
    printf("network %s\n", dir);
    ordo_network_t *net = NULL;
    ordo_engine_t *eng = NULL;
    if (ordo_network_load(dir, NULL, &net, &err) ||
        ordo_engine_create(net, NULL, &eng, &err)) {
        fprintf(stderr, "bench_days_of_supply: %s\n", err.msg);
        ordo_network_destroy(net);
        return 1;
    }
    double *v = malloc((ordo_inventory_cell_count(net->inventory) + 1) * sizeof *v);
    if (!v)
        return 1;
    for (int t = 0; t < ORDO_NODE_TYPES; t++)
        print_type(net, eng, t, v);
    free(v);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
    return 0;
}
