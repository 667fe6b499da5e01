/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark: loading a network of 1,000 nodes and 100,000 SKUs with its
 * inventory (network.json + catalog.csv + inventory.csv), including the
 * node × ZIP3 distance and zone tables built at load.
 *
 *   bench_network [DIR] [--repeat N]
 *
 * Without DIR it generates the network once (seed 7) under the build
 * directory. Prints each run and the median. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ordo/ordo.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int repeat = 7;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else
            dir = argv[i];
    }
    if (repeat < 1)
        repeat = 1;
    char def[4096];
    ordo_error_t err = {0};
    if (!dir) {
        snprintf(def, sizeof def, "%s/bench-data/net-1000x100k", ORDO_BINARY_DIR);
        dir = def;
        char probe[4200];
        snprintf(probe, sizeof probe, "%s/inventory.csv", dir);
        struct stat st;
        if (stat(probe, &st) != 0) {
            ordo_generate_options_t o = {20, 950, 30, 100000, 7, "bench"};
            fprintf(stderr, "generating %s ...\n", dir);
            if (ordo_network_generate(&o, NULL, dir, &err)) {
                char m[1024];
                fprintf(stderr, "generate: %s\n", ordo_error_format(&err, m, sizeof m));
                return 1;
            }
        }
    }
    /* the embedded ZIP table is parsed once per process; keep it out of the timing */
    uint64_t g0 = ordo_now_ns();
    if (!ordo_geo_default())
        return 1;
    uint64_t geo_ns = ordo_now_ns() - g0;
    uint64_t *ns = calloc((size_t)repeat, sizeof *ns);
    ordo_network_summary_t s = {0};
    for (int r = 0; r < repeat; r++) {
        ordo_network_t *net;
        uint64_t t0 = ordo_now_ns();
        if (ordo_network_load(dir, NULL, &net, &err)) {
            char m[1024];
            fprintf(stderr, "load: %s\n", ordo_error_format(&err, m, sizeof m));
            return 1;
        }
        ns[r] = ordo_now_ns() - t0;
        if (r == 0)
            ordo_network_summarize(net, &s);
        ordo_network_destroy(net);
        printf("run %d: %.3f s\n", r + 1, ns[r] / 1e9);
    }
    qsort(ns, (size_t)repeat, sizeof *ns, cmp_u64);
    printf("bench_network: %u nodes, %u SKUs, %llu inventory records\n",
           s.nodes_by_type[0] + s.nodes_by_type[1] + s.nodes_by_type[2], s.n_skus,
           (unsigned long long)s.inventory_records);
    printf("bench_network: embedded ZIP table parse %.1f ms (once per process)\n", geo_ns / 1e6);
    printf("bench_network: load median %.3f s, min %.3f s, max %.3f s over %d runs\n",
           ns[repeat / 2] / 1e9, ns[0] / 1e9, ns[repeat - 1] / 1e9, repeat);
    free(ns);
    return 0;
}
