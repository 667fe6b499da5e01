/* SPDX-License-Identifier: Apache-2.0 */
/* ordo sim --scenario NAME --days D --orders-per-day N --seed S --out DIR
 * The fulfillment simulator (include/ordo/sim.h, docs/internals/SIM.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "ordo/sim.h"

static int u32_flag(const ordo_cli_args_t *a, const char *name, uint32_t *out)
{
    const char *v = ordo_cli_get(a, name);
    if (v && ordo_parse_u32(v, strlen(v), out))
        return ordo_cli_usage("sim", "--%s wants a non-negative integer, got '%s'", name, v);
    return 0;
}

/* The flags into opt; 0 or a usage exit code. */
static int sim_flags(const ordo_cli_args_t *a, ordo_sim_options_t *opt)
{
    const char *sc = ordo_cli_get(a, "scenario");
    if (sc)
        opt->scenario = sc;
    int rc = u32_flag(a, "days", &opt->days);
    if (!rc)
        rc = u32_flag(a, "orders-per-day", &opt->orders_per_day);
    if (rc)
        return rc;
    const char *seed = ordo_cli_get(a, "seed");
    if (seed) {
        int64_t v;
        if (ordo_parse_i64(seed, strlen(seed), &v))
            return ordo_cli_usage("sim", "--seed wants an integer, got '%s'", seed);
        opt->seed = (uint64_t)v;
    }
    opt->out_dir = ordo_cli_get(a, "out");
    opt->network_dir = ordo_cli_get(a, "network");
    opt->all_arm = ordo_cli_get(a, "all-arm");
    opt->demand_truth = ordo_cli_get(a, "demand-truth");
    if (!opt->out_dir)
        return ordo_cli_usage("sim", "--out DIR is required (the run directory to write)");
    if (opt->days < 1)
        return ordo_cli_usage("sim", "--days wants at least 1");
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/ordo.db", opt->out_dir);
    if (stat(path, &st) == 0)
        return ordo_cli_usage("sim", "%s already holds a data directory: give a new --out DIR",
                              opt->out_dir);
    return 0;
}

/* Simulated day and date, orders, rate and ETA on one line of stderr,
 * redrawn in place (as `ordo source` shows its count). */
static void progress(void *ctx, uint32_t day, uint32_t days, uint64_t orders, uint64_t expected,
                     int64_t now)
{
    uint64_t t0 = *(const uint64_t *)ctx;
    double secs = (double)(ordo_now_ns() - t0) / 1e9;
    double rate = secs > 0 ? orders / secs : 0;
    double frac = expected ? (double)orders / (double)expected : 0;
    if (frac > 1)
        frac = 1;
    int bar = (int)(frac * 30);
    double eta = rate > 0 && expected > orders ? (double)(expected - orders) / rate : 0;
    char date[40];
    ordo_time_format(now, date, sizeof date);
    date[10] = '\0'; /* YYYY-MM-DD */
    fprintf(stderr, "\r[%-30.*s] day %u/%u (%s)  %llu orders  %.0f/s  ETA %.0fs ", bar,
            "##############################", day, days, date, (unsigned long long)orders, rate,
            eta);
    fflush(stderr);
}

static void print_text(const ordo_sim_summary_t *s, const char *dir)
{
    printf("scenario %s, experiment %s, seed %llu, %u days\n", s->scenario, s->experiment,
           (unsigned long long)s->seed, s->days);
    printf("  orders             %llu\n", (unsigned long long)s->orders);
    printf("  units ordered      %llu\n", (unsigned long long)s->units_ordered);
    printf("  units shipped      %llu\n", (unsigned long long)s->units_shipped);
    printf("  units backordered  %llu\n", (unsigned long long)s->units_backordered);
    printf("  units cancelled    %llu\n", (unsigned long long)s->units_cancelled);
    printf("  units returned     %llu\n", (unsigned long long)s->units_returned);
    printf("  oversells          %llu\n", (unsigned long long)s->oversells);
    if (s->stopped)
        printf("  guardrail monitor  stopped the experiment at %s: %s breached\n",
               ordo_time_format(s->stopped_at, (char[40]){0}, 40), s->stop_metric);
    printf("  orders per second  %.0f\n", s->orders_per_second);
    double world = s->seconds - s->decide_seconds - s->store_seconds - s->monitor_seconds;
    printf("  wall time          %.2f s: deciding %.2f, store %.2f, monitor %.2f, "
           "world %.2f\n",
           s->seconds, s->decide_seconds, s->store_seconds, s->monitor_seconds,
           world > 0 ? world : 0);
    printf("run directory: %s (ordo analyze %s)\n", dir, dir);
}

static int run(const ordo_cli_args_t *a)
{
    ordo_sim_options_t opt;
    ordo_sim_options_init(&opt);
    int rc = sim_flags(a, &opt);
    if (rc)
        return rc;
    uint64_t t0 = ordo_now_ns();
    if (ordo_cli_isatty_err() && !a->json) {
        opt.progress = progress;
        opt.progress_ctx = &t0;
    }
    ordo_sim_summary_t sum;
    ordo_error_t err = {0};
    rc = ordo_sim_run(&opt, &sum, &err);
    if (opt.progress && sum.orders)
        fputc('\n', stderr); /* past the progress line */
    if (rc)
        return ordo_cli_fail(&err, rc, a->json);
    char net[4096];
    snprintf(net, sizeof net, "%s/network", opt.out_dir);
    if ((rc = ordo_cli_data_network_record(opt.out_dir, opt.network_dir ? opt.network_dir : net,
                                           &err)))
        return ordo_cli_fail(&err, rc, a->json);
    if (a->json) {
        char *j = ordo_sim_summary_json(&sum, 0);
        if (!j)
            return ordo_cli_fail(NULL, ORDO_ENOMEM, true);
        fputs(j, stdout);
        free(j);
    } else {
        print_text(&sum, opt.out_dir);
    }
    return sum.oversells ? ORDO_EXIT_SOFTWARE : ORDO_EXIT_OK;
}

static const ordo_cli_opt_t opts[] = {
    {"scenario", 0, "NAME", "a scenario name (data/scenarios/NAME.json) or a scenario file\n"
                            "(default proximity-vs-cost)"},
    {"days", 0, "D", "simulated days (default 14)"},
    {"orders-per-day", 0, "N", "mean orders per day before the weekly cycle (default 2000)"},
    {"seed", 0, "S", "random seed: the same seed gives the same run (default 1)"},
    {"out", 0, "DIR", "the run directory to write (required; a data directory plus\n"
                      "summary.json)"},
    {"network", 0, "DIR", "run on this network (default: generated from the scenario into\n"
                          "DIR/network)"},
    {"all-arm", 0, "KEY", "run the whole world under variant KEY's policy (every variant\n"
                          "runs it), for the true global effect of a policy"},
    {"demand-truth", 0, "DIR", "a run of the same scenario and seed: its network-value LPs\n"
                               "use that run's real demand (the clairvoyant policy)"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_sim = {
    .name = "sim",
    .summary = "simulate a fulfillment world and an A/B test of sourcing policies",
    .usage = "sim --scenario NAME --days D --orders-per-day N --seed S --out DIR\n"
             "    [--network DIR] [--all-arm KEY] [--demand-truth DIR] [--json]",
    .about = "Runs a scenario: a network on real US geography, its experiment in the registry,\n"
             "orders arriving over simulated days (Poisson, with daily and weekly cycles,\n"
             "destinations by population), each decided, reserved and logged as\n"
             "`ordo source --data` would, and outcome events (shipped, delivered, cancelled,\n"
             "returned, costs) from the world's own truth. The run directory is a data\n"
             "directory plus summary.json: `ordo analyze DIR` and `ordo log` read it.\n"
             "Scenarios: docs/internals/SIM.md; a progress bar shows when stderr is a terminal.",
    .examples = "ordo sim --scenario proximity-vs-cost --days 14 --orders-per-day 2000 --seed 7 "
                "--out run1\n"
                "ordo analyze run1",
    .opts = opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = run,
};
