/* SPDX-License-Identifier: Apache-2.0 */
/* bench_signals — applying signals and building their snapshot.
 *
 *   bench_signals [--signals N] [--repeats R]
 *
 * Writes an NDJSON document of N signals (default 10,000) on the example
 * network (docs/examples/network): backlogs, labour, rates and node status
 * spread over the nodes and services, each key's windows a day apart so the
 * document is valid. Times, median of R runs (default 5) each in a fresh
 * data directory: ordo_signals_apply_text (validate + store one version in
 * one transaction), ordo_signals_load (read back, parse, build the
 * snapshot) and 1,000,000 lookups at random instants. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/ordo.h"
#include "ordo/signals.h"

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Signal i: its key (a node or a service) and its day-long window. */
static size_t signal_line(const ordo_network_t *net, uint32_t i, char *d, size_t cap)
{
    int64_t day0 = 20000; /* 2024-10-04 */
    uint32_t kind = i % 4, node = (i / 4) % net->n_nodes, svc = (i / 4) % net->n_services;
    uint32_t slot = i / 4 / (kind == 2 ? net->n_services : net->n_nodes);
    char from[32], to[32];
    ordo_time_format((day0 + slot) * 86400, from, sizeof from);
    ordo_time_format((day0 + slot + 1) * 86400, to, sizeof to);
    const char *win = "\"effective_from\":\"%s\",\"effective_to\":\"%s\"";
    char w[128];
    snprintf(w, sizeof w, win, from, to);
    switch (kind) {
    case 0:
        return (size_t)snprintf(d, cap, "{\"kind\":\"backlog\",\"node\":\"%s\",%s,\"units\":%u}\n",
                                net->nodes[node].id, w, i % 500);
    case 1:
        return (size_t)snprintf(d, cap,
                                "{\"kind\":\"labour\",\"node\":\"%s\",%s,\"labour_rate\":%g,"
                                "\"picks_per_hour\":40,\"capacity\":%u}\n",
                                net->nodes[node].id, w, 18 + i % 9 * 0.5, 100 + i % 300);
    case 2:
        return (size_t)snprintf(d, cap,
                                "{\"kind\":\"rate\",\"carrier\":\"%s\",\"service\":\"%s\",%s,"
                                "\"fuel_surcharge_pct\":%g}\n",
                                net->services[svc].carrier, net->services[svc].id, w,
                                10 + i % 13 * 0.5);
    default:
        return (size_t)snprintf(d, cap,
                                "{\"kind\":\"node_status\",\"node\":\"%s\",%s,\"status\":\"%s\"%s}\n",
                                net->nodes[node].id, w, i % 8 ? "degraded" : "closed",
                                i % 8 ? ",\"capacity_factor\":0.5" : "");
    }
}

int main(int argc, char **argv)
{
    uint32_t n = 10000;
    int repeats = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--signals") && i + 1 < argc)
            n = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_signals [--signals N] [--repeats R]\n");
            return 2;
        }
    }
    if (repeats < 1 || repeats > 100 || n < 1) {
        fprintf(stderr, "bench_signals: bad arguments\n");
        return 2;
    }
    ordo_error_t err = {0};
    ordo_network_t *net = NULL;
    if (ordo_network_load(ORDO_SOURCE_DIR "/docs/examples/network", NULL, &net, &err)) {
        fprintf(stderr, "load: %s\n", err.msg);
        return 1;
    }
    size_t cap = (size_t)n * 256 + 1, len = 0;
    char *doc = malloc(cap);
    for (uint32_t i = 0; i < n; i++)
        len += signal_line(net, i, doc + len, cap - len);
    double apply[100], load[100], look[100];
    uint64_t found = 0;
    for (int r = 0; r < repeats; r++) {
        char dir[] = "/tmp/ordo-bench-signals-XXXXXX";
        ordo_store_t *st = NULL;
        ordo_signals_apply_result_t res;
        ordo_signals_t *snap = NULL;
        if (!mkdtemp(dir) || ordo_store_open(dir, NULL, &st, &err)) {
            fprintf(stderr, "store: %s\n", err.msg);
            return 1;
        }
        uint64_t t0 = ordo_now_ns();
        int rc = ordo_signals_apply_text(st, net, doc, len, "bench", &res, &err);
        uint64_t t1 = ordo_now_ns();
        if (!rc)
            rc = ordo_signals_load(st, net, 0, &snap, &err);
        uint64_t t2 = ordo_now_ns();
        if (rc) {
            fprintf(stderr, "line %ld %s: %s\n", err.line, err.field, err.msg);
            return 1;
        }
        ordo_rng_t rng;
        ordo_rng_seed(&rng, 42);
        for (int k = 0; k < 1000000; k++) {
            int64_t t = (20000 + (int64_t)ordo_rng_below(&rng, 3000)) * 86400;
            found += ordo_signals_node(snap, ORDO_SIGNAL_BACKLOG, (uint32_t)k % net->n_nodes, t) !=
                     NULL;
        }
        uint64_t t3 = ordo_now_ns();
        apply[r] = (t1 - t0) / 1e6;
        load[r] = (t2 - t1) / 1e6;
        look[r] = (t3 - t2) / 1e6;
        ordo_signals_destroy(snap);
        ordo_store_close(st, NULL);
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
    qsort(apply, (size_t)repeats, sizeof *apply, cmp_dbl);
    qsort(load, (size_t)repeats, sizeof *load, cmp_dbl);
    qsort(look, (size_t)repeats, sizeof *look, cmp_dbl);
    printf("%u signals (%zu bytes) on %u nodes, %u services; median of %d runs:\n", n, len,
           net->n_nodes, net->n_services, repeats);
    printf("  apply (validate + store one version): %8.1f ms\n", apply[repeats / 2]);
    printf("  load  (read back + snapshot build):   %8.1f ms\n", load[repeats / 2]);
    printf("  1,000,000 lookups at random instants: %8.1f ms (%.1f ns each; %llu in force)\n",
           look[repeats / 2], look[repeats / 2] * 1e6 / 1e6, (unsigned long long)found);
    free(doc);
    ordo_network_destroy(net);
    return 0;
}
