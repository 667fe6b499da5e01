/* SPDX-License-Identifier: Apache-2.0 */
/* bench_model_train: fitting the ETA model (ordo_eta_train) on N synthetic
 * shipments (default 1,000,000) of a generated network (8 DCs, 60 stores,
 * as the proximity-vs-cost scenario), random lanes, transit and processing,
 * on one core; then the return and cancellation risk models
 * (ordo_risk_train: design matrices and two logistic fits) on N synthetic
 * orders (10 families, 2 service levels, returns and cancellations drawn
 * from a known logistic model). `ordo model train --run DIR --json` reports
 * the whole command (log read, outcome join, fit) on a real run.
 * Each fit prints its wall time and the CPU time of the thread (the
 * machine may be shared).
 *   bench_model_train [N] [risk]     (risk: the risk models only) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

static const char *const families[] = {"apparel", "footwear", "home", "toys", "beauty",
                                       "books", "grocery", "electronics", "sports", "furniture"};

static void make_orders(ordo_risk_run_t *run, ordo_risk_order_t *orders, size_t n)
{
    memset(run, 0, sizeof *run);
    run->o = orders;
    for (int f = 0; f < 10; f++)
        ordo_risk_name_index(&run->families, families[f]);
    ordo_risk_name_index(&run->services, "standard");
    ordo_risk_name_index(&run->services, "express");
    run->n = run->cap = n;
    run->t0 = ordo_cal_days(2026, 9, 7) * 86400;
    run->days = 28;
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 19);
    for (size_t i = 0; i < n; i++) {
        ordo_risk_order_t *o = &run->o[i];
        memset(o, 0, sizeof *o);
        o->day = (int)(i * 28 / n);
        o->time = run->t0 + o->day * 86400 + (int64_t)(ordo_rng_uniform(&rng) * 86400);
        o->family = (int)ordo_rng_below(&rng, 10);
        o->service = ordo_rng_uniform(&rng) < 0.8 ? 0 : 1;
        o->value = 10 + 200 * ordo_rng_uniform(&rng);
        o->on_time_prob = 1 - 0.6 * ordo_rng_uniform(&rng);
        o->split = ordo_rng_uniform(&rng) < 0.15;
        o->miles = 30 + 2500 * ordo_rng_uniform(&rng);
        o->cust_orders = (double)ordo_rng_below(&rng, 5);
        o->cust_returns = o->cust_orders ? (double)ordo_rng_below(&rng, (uint64_t)o->cust_orders) : 0;
        o->ship_hours = ordo_rng_uniform(&rng) < 0.01 ? NAN : 6 + 40 * ordo_rng_uniform(&rng);
        o->promise_days = 2 + (double)ordo_rng_below(&rng, 5);
        o->atp_margin = (double)ordo_rng_below(&rng, 30);
        o->has_outcome = 1;
        double late = 1 - o->on_time_prob;
        o->cancelled = ordo_rng_uniform(&rng) < 1 / (1 + exp(-(-4.5 + 3 * late)));
        double z = -2.6 + 0.15 * (o->family % 4) + 2 * late + 0.4 * o->split +
                   1.2 * o->cust_returns / (o->cust_orders + 2);
        o->returned = !o->cancelled && ordo_rng_uniform(&rng) < 1 / (1 + exp(-z));
    }
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_risk(size_t n)
{
    ordo_risk_run_t run;
    ordo_risk_order_t *orders = malloc(n * sizeof *orders);
    if (!orders)
        return 1;
    make_orders(&run, orders, n);
    for (int rep = 0; rep < 3; rep++) {
        ordo_risk_model_t *m;
        ordo_error_t err = {0};
        uint64_t t0 = ordo_now_ns();
        double c0 = cpu_seconds();
        if (ordo_risk_train(&run, 0, 1, &m, &err)) {
            fprintf(stderr, "bench_model_train: %s\n", err.msg);
            return 1;
        }
        double s = (double)(ordo_now_ns() - t0) / 1e9, cpu = cpu_seconds() - c0;
        printf("risk fit %zu orders: %.3f s, CPU %.3f s (return %llu rows, %d iterations%s; cancel %llu rows, "
               "%d iterations%s)\n", n, s, cpu, (unsigned long long)m->ret.n, m->ret.iterations,
               m->ret.converged ? "" : ", NOT converged", (unsigned long long)m->cancel.n,
               m->cancel.iterations, m->cancel.converged ? "" : ", NOT converged");
        ordo_risk_model_destroy(m);
    }
    ordo_risk_run_free(&run);
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    if (argc > 2 && !strcmp(argv[2], "risk"))
        return bench_risk(n);
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
        double c0 = cpu_seconds();
        if (ordo_eta_train(net, obs, n, 0, NULL, &m, &err)) {
            fprintf(stderr, "bench_model_train: %s\n", err.msg);
            return 1;
        }
        double s = (double)(ordo_now_ns() - t0) / 1e9, cpu = cpu_seconds() - c0;
        const ordo_eta_info_t *in = ordo_eta_model_info(m);
        printf("fit %zu shipments: %.3f s, CPU %.3f s (%u lanes, %u destinations, %u pooled)\n",
               n, s, cpu, in->lanes, in->destinations, in->pooled);
        ordo_eta_model_destroy(m);
    }
    free(obs);
    ordo_network_destroy(net);
    if (bench_risk(n))
        return 1;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
