/* SPDX-License-Identifier: Apache-2.0 */
/* bench_model_train: fitting the ETA model (ordo_eta_train) on N synthetic
 * shipments (default 1,000,000) of a generated network (8 DCs, 60 stores,
 * as the proximity-vs-cost scenario), random lanes, transit and processing,
 * on one core. `ordo model train --run DIR --json` reports the whole
 * command (log read, outcome join, fit) on a real run.
 *   bench_model_train [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ordo/calendar.h"
#include "ordo/model.h"
#include "ordo/util.h"

static void make_obs(const ordo_network_t *net, ordo_eta_obs_t *o, size_t n)
{
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 7);
    int32_t day0 = (int32_t)ordo_cal_days(2026, 9, 7);
    for (size_t i = 0; i < n; i++) {
        uint32_t node = (uint32_t)(ordo_rng_uniform(&rng) * net->n_nodes) % net->n_nodes;
        const ordo_node_t *nd = &net->nodes[node];
        uint16_t zip3;
        do
            zip3 = (uint16_t)(100 + ordo_rng_uniform(&rng) * 899);
        while (!ordo_network_zone(net, node, zip3));
        int32_t day = day0 + (int32_t)(i * 28 / n);
        int delay = ordo_rng_uniform(&rng) < 0.7 ? 0 : 1;
        int transit = ordo_network_zone(net, node, zip3) + (ordo_rng_uniform(&rng) < 0.2);
        o[i] = (ordo_eta_obs_t){
            .time = (int64_t)day * 86400 + (int64_t)(ordo_rng_uniform(&rng) * 86400),
            .order_day = day,
            .node = node,
            .service = (int32_t)nd->services[i % nd->n_services],
            .zip3 = zip3,
            .after_cutoff = ordo_rng_uniform(&rng) < 0.3,
        };
        o[i].ship_day = (int32_t)ordo_cal_add_working(day, delay, ORDO_WEEK_MON_FRI);
        o[i].deliver_day = (int32_t)ordo_cal_add_working(
            o[i].ship_day + 1, transit - 1, net->services[o[i].service].delivery_days);
        o[i].promise_day = day + 5;
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    char dir[] = "/tmp/ordo-bench-model-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    ordo_generate_options_t g = {.dcs = 8, .stores = 60, .dropshippers = 3, .skus = 200, .seed = 42};
    ordo_network_t *net;
    ordo_error_t err = {0};
    if (ordo_network_generate(&g, NULL, dir, &err) || ordo_network_load(dir, NULL, &net, &err)) {
        fprintf(stderr, "bench_model_train: %s\n", err.msg);
        return 1;
    }
    ordo_eta_obs_t *obs = malloc(n * sizeof *obs);
    if (!obs)
        return 1;
    make_obs(net, obs, n);
    for (int rep = 0; rep < 3; rep++) {
        ordo_eta_model_t *m;
        uint64_t t0 = ordo_now_ns();
        if (ordo_eta_train(net, obs, n, 0, NULL, &m, &err)) {
            fprintf(stderr, "bench_model_train: %s\n", err.msg);
            return 1;
        }
        double s = (double)(ordo_now_ns() - t0) / 1e9;
        const ordo_eta_info_t *in = ordo_eta_model_info(m);
        printf("fit %zu shipments: %.3f s (%u lanes, %u destinations, %u pooled)\n", n, s,
               in->lanes, in->destinations, in->pooled);
        ordo_eta_model_destroy(m);
    }
    free(obs);
    ordo_network_destroy(net);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
