/* SPDX-License-Identifier: Apache-2.0 */
/* The simulation loop: a network, an experiment, orders over simulated
 * days through the decider, and the world's outcome events into the run
 * directory's store (docs/internals/SIM.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/analyze.h"
#include "ordo/calendar.h"
#include "ordo/exp.h"
#include "ordo/generate.h"
#include "ordo/json.h"
#include "world.h"

void ordo_sim_options_init(ordo_sim_options_t *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->scenario = "proximity-vs-cost";
    opt->days = 14;
    opt->orders_per_day = 2000;
    opt->seed = 1;
}

static void seed_streams(sim_t *s)
{
    static const char *const purpose[SIM_RNGS] = {"demand", "time", "transit", "cancel",
                                                  "return"};
    for (int i = 0; i < SIM_RNGS; i++) {
        char key[96];
        int n = snprintf(key, sizeof key, "%llu/%s", (unsigned long long)s->opt->seed, purpose[i]);
        ordo_rng_seed(&s->rng[i], ordo_hash64(key, (size_t)n));
    }
}

/* The experiment of the scenario: created and started in the registry. */
static int setup_experiment(sim_t *s, ordo_error_t *err)
{
    ordo_exp_registry_t *reg = NULL;
    int rc = ordo_exp_registry_open(s->store, &reg, err);
    if (rc)
        return rc;
    ordo_exp_t *e = NULL;
    rc = ordo_exp_registry_create(reg, s->sc.experiment_json, strlen(s->sc.experiment_json), NULL,
                                  "ordo-sim", "simulation run", &e, err);
    ordo_exp_destroy(e);
    if (!rc && !s->sc.warmup_days) /* else started after the warm-up (learn.c) */
        rc = ordo_exp_registry_transition(reg, s->sc.experiment, ORDO_EXP_ACT_START, NULL,
                                          "ordo-sim", "simulation run", s->day0 * 86400 - 3600,
                                          NULL, err);
    ordo_exp_registry_close(reg);
    return rc;
}

static int load_network(sim_t *s, ordo_error_t *err)
{
    char dir[4096];
    const char *nd = s->opt->network_dir;
    if (!nd) {
        snprintf(dir, sizeof dir, "%s/network", s->opt->out_dir);
        int rc = ordo_network_generate(&s->sc.gen, NULL, dir, err);
        if (rc)
            return rc;
        nd = dir;
    }
    return ordo_network_load(nd, NULL, &s->net, err);
}

/* The world's own copy of the stock: true on-hand per cell, and labour. */
static int world_alloc(sim_t *s, ordo_error_t *err)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < s->net->n_skus; k++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(s->net->inventory, k);
        if (r.end > n)
            n = r.end;
    }
    s->n_cells = n;
    s->true_stock = calloc(n ? n : 1, sizeof *s->true_stock);
    s->horizon = s->opt->days + 60;
    s->labour = calloc((size_t)s->net->n_nodes * s->horizon, sizeof *s->labour);
    s->arena = ordo_arena_create(1 << 16);
    s->day_arena = ordo_arena_create(1 << 20);
    if (!s->true_stock || !s->labour || !s->arena || !s->day_arena)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    for (uint32_t c = 0; c < n; c++) {
        ordo_stock_t st;
        ordo_inventory_get(s->net->inventory, c, &st);
        s->true_stock[c] = st.on_hand;
    }
    return ORDO_OK;
}

/* The run directory's store, for the world's writes: synchronous OFF (no
 * fsync, not even at the WAL's checkpoints, most of which this handle
 * runs: it writes most pages). A killed process loses nothing committed;
 * a power cut or OS crash during a run can leave ordo.db corrupt, and the
 * run is then made again from its seed (`ordo sim` with the same options
 * writes the same decisions, outcomes and analysis; SIM.md "Speed"). The
 * decider's own handle stays NORMAL: its store is rebuilt from the log. */
static int store_open(sim_t *s, ordo_error_t *err)
{
    ordo_config_t cfg;
    int rc = ordo_config_load_data_dir(s->opt->out_dir, &cfg, err);
    cfg.sqlite_sync = ORDO_SQLITE_SYNC_OFF;
    return rc ? rc : ordo_store_open(s->opt->out_dir, &cfg, &s->store, err);
}

/* The run's events go in as a bulk load (ordo_store_outcomes_bulk: no
 * order index until the end, SIM.md "Speed") unless something reads them
 * during the run: the guardrail monitor, a scenario that learns. Last of
 * the opens: a handle opened later would build the index again. */
static int bulk_begin(sim_t *s, ordo_error_t *err)
{
    if (s->sc.monitor_days || s->sc.learn_json)
        return ORDO_OK;
    s->bulk = true;
    return ordo_store_outcomes_bulk(s->store, true, err);
}

/* The order index built again from the finished table, timed as store. */
static int bulk_end(sim_t *s, ordo_error_t *err)
{
    if (!s->bulk)
        return ORDO_OK;
    s->bulk = false;
    uint64_t t = ordo_now_ns();
    int rc = ordo_store_outcomes_bulk(s->store, false, err);
    sim_store_timed(s, t);
    return rc;
}

static int open_all(sim_t *s, ordo_error_t *err)
{
    int rc = ordo_mkdir_p(s->opt->out_dir, err);
    if (!rc)
        rc = sim_scenario_load(s->opt->scenario, &s->sc, err);
    if (!rc && s->opt->all_arm)
        rc = sim_scenario_all_arm(&s->sc, s->opt->all_arm, err);
    s->day0 = s->sc.start_day;
    if (!rc)
        rc = load_network(s, err);
    if (!rc)
        sim_scale_network(s);
    if (!rc && s->sc.default_policy[0])
        rc = ordo_policy_builtin(s->sc.default_policy, &s->default_policy, err);
    if (!rc)
        rc = ordo_engine_create(s->net, NULL, &s->eng, err);
    if (!rc)
        rc = world_alloc(s, err);
    if (!rc)
        rc = store_open(s, err);
    if (!rc)
        rc = sim_world_open(s, err);
    if (!rc)
        rc = sim_netval_open(s, err);
    if (!rc)
        rc = sim_scenario_register_policies(&s->sc, s->store, err);
    if (!rc)
        rc = sim_learn_prepare(s, err);
    if (!rc)
        rc = setup_experiment(s, err);
    if (rc)
        return rc;
    ordo_log_options_t lo;
    ordo_log_options_init(&lo);
    lo.sync = ORDO_LOG_ASYNC; /* a simulation needs no fdatasync per group */
    ordo_decider_options_t dopt;
    ordo_decider_options_init(&dopt);
    dopt.data_dir = s->opt->out_dir;
    dopt.log = true;
    dopt.reserve = true;
    dopt.shadows = true;
    dopt.log_options = &lo;
    dopt.store_batch = true; /* reservations committed per batch, not per order */
    dopt.default_policy = s->default_policy;
    dopt.log_follower = &ordo_facts_follower; /* DIR/facts kept as the log is written */
    rc = ordo_decider_open(s->net, s->eng, &dopt, &s->dec, err);
    return rc ? rc : bulk_begin(s, err);
}

static int close_all(sim_t *s, int rc, ordo_error_t *err)
{
    ordo_error_t e2 = {0};
    int rc2 = ordo_decider_close(s->dec, rc ? &e2 : err);
    if (s->bulk) /* a failed run: the index back (the next open would build it) */
        (void)ordo_store_outcomes_bulk(s->store, false, NULL);
    ordo_store_close(s->store, NULL);
    ordo_engine_destroy(s->eng);
    ordo_network_destroy(s->net);
    ordo_arena_destroy(s->arena);
    ordo_arena_destroy(s->day_arena);
    free(s->true_stock);
    free(s->labour);
    free(s->orders);
    free(s->ev);
    free(s->ev_cust);
    free(s->due);
    free(s->due_ev);
    sim_world_close(s);
    sim_netval_close(s);
    ordo_policy_destroy(s->default_policy);
    sim_scenario_free(&s->sc);
    return rc2;
}

typedef struct timed {
    int64_t t;
    uint32_t i;
} timed_t;

static int timed_cmp(const void *a, const void *b)
{
    const timed_t *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Arrival times over the day from the hourly cycle, in order; ids by
 * arrival. */
static int arrival_times(sim_t *s, uint32_t day, uint32_t n, ordo_error_t *err)
{
    double cum[24], acc = 0;
    for (int h = 0; h < 24; h++)
        cum[h] = (acc += s->sc.hourly[h] > 0 ? s->sc.hourly[h] : 0);
    timed_t *tt = malloc((n ? n : 1) * sizeof *tt);
    ordo_order_t *copy = malloc((n ? n : 1) * sizeof *copy);
    if (!tt || !copy) {
        free(tt);
        free(copy);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    int64_t t0 = (s->day0 + day) * 86400;
    for (uint32_t i = 0; i < n; i++) {
        size_t h = acc > 0 ? ordo_rng_pick_cumulative(&s->rng[SIM_RNG_TIME], cum, 24) : 12;
        tt[i].t = t0 + (int64_t)h * 3600 + (int64_t)ordo_rng_below(&s->rng[SIM_RNG_TIME], 3600);
        tt[i].i = i;
    }
    qsort(tt, n, sizeof *tt, timed_cmp);
    for (uint32_t k = 0; k < n; k++) {
        copy[k] = s->orders[tt[k].i];
        copy[k].created = tt[k].t;
        char id[32];
        snprintf(id, sizeof id, "S%03u-%06u", day + 1, k + 1);
        copy[k].id = ordo_arena_strdup(s->day_arena, id);
    }
    memcpy(s->orders, copy, n * sizeof *copy);
    free(tt);
    free(copy);
    return ORDO_OK;
}

/* The day's orders: a Poisson count around the weekly cycle, drawn by the
 * order generator (population-weighted destinations), the same under any
 * policy (SIM.md "The world: demand"): SKU popularity from the world's
 * target stock, not the policy's current stock, and each order from its own
 * stream. */
static int day_orders(sim_t *s, uint32_t day, uint32_t *n_out, ordo_error_t *err)
{
    ordo_arena_reset(s->day_arena);
    int wd = ordo_cal_weekday(s->day0 + day);
    double mean = (double)s->opt->orders_per_day * s->sc.weekly[wd] * sim_demand_factor(s, day);
    uint32_t n = (uint32_t)ordo_rng_poisson(&s->rng[SIM_RNG_DEMAND], mean);
    *n_out = n;
    if (!n)
        return ORDO_OK;
    if (n > s->cap_orders) {
        ordo_order_t *o = realloc(s->orders, n * sizeof *o);
        if (!o)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        s->orders = o;
        s->cap_orders = n;
    }
    ordo_ordergen_options_t go;
    ordo_ordergen_defaults(&go);
    go.n_orders = n;
    go.seed = ordo_rng_next(&s->rng[SIM_RNG_DEMAND]);
    go.created0 = (s->day0 + day) * 86400;
    go.days = 1;
    go.max_lines = s->sc.max_lines;
    go.express_share = s->sc.express_share;
    go.pickup_share = s->sc.pickup_share;
    double *w = ordo_arena_alloc(s->day_arena, (s->net->n_skus ? s->net->n_skus : 1) * sizeof *w);
    if (!w)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    memset(w, 0, s->net->n_skus * sizeof *w);
    for (uint32_t c = 0; c < s->n_cells; c++)
        w[s->w.cell_sku[c]] += s->w.target[c] > 0 ? (double)s->w.target[c] : 0;
    go.sku_weight = w;
    go.order_streams = true;
    int rc = ordo_orders_generate(s->net, &go, s->day_arena, s->orders, err);
    if (!rc)
        rc = sim_demand_shape(s, s->orders, n, s->day_arena, err);
    return rc ? rc : arrival_times(s, day, n, err);
}

int sim_decide(sim_t *s, const ordo_order_t *o, int64_t at, ordo_arena_t *a, ordo_decision_t *dec,
               ordo_error_t *err)
{
    uint64_t t = ordo_now_ns();
    int rc = ordo_decider_decide(s->dec, o, at, a, dec, err);
    s->sum->decide_seconds += (double)(ordo_now_ns() - t) / 1e9;
    return rc;
}

int sim_decider_idle(sim_t *s, ordo_error_t *err)
{
    uint64_t t = ordo_now_ns();
    int rc = ordo_decider_idle(s->dec, err);
    s->sum->decide_seconds += (double)(ordo_now_ns() - t) / 1e9;
    return rc;
}

void sim_store_timed(sim_t *s, uint64_t t0)
{
    s->sum->store_seconds += (double)(ordo_now_ns() - t0) / 1e9;
}

static int due_cmp(const void *a, const void *b)
{
    const ordo_outcome_event_t *x = *(const ordo_outcome_event_t *const *)a;
    const ordo_outcome_event_t *y = *(const ordo_outcome_event_t *const *)b;
    return strcmp(x->event_id, y->event_id);
}

/* A bulk load's events are not deduplicated by the store until the run's
 * end (STORE.md "Bulk load"): the world makes each event once, with an id
 * of its order, shipment and tag, so a repeat is a bug, refused here. The
 * due events are sorted by id: a repeat in them is a neighbour (and one
 * across two flushes cannot be: an event is due in one flush only). */
static int due_unique(const sim_t *s, size_t due, ordo_error_t *err)
{
    for (size_t k = 1; k < due; k++)
        if (!strcmp(s->due[k - 1]->event_id, s->due[k]->event_id))
            return ordo_error_set(err, ORDO_EEXIST, NULL, 0, "event_id",
                                  "the simulated world made event %s twice",
                                  s->due[k]->event_id);
    return ORDO_OK;
}

/* The due delivered and returned events into the engine's customer
 * history (ordo_engine_customer_outcome_key), as an ingest that knows each
 * order's customer would: the learned P(return) reads it. */
static int feed_customers(sim_t *s, int64_t until, ordo_error_t *err)
{
    for (size_t i = 0; i < s->n_ev; i++) {
        const ordo_outcome_event_t *e = &s->ev[i];
        if (e->at >= until || !s->ev_cust[i])
            continue;
        int ret = e->type == ORDO_OUTCOME_RETURNED;
        if (ordo_engine_customer_outcome_key(s->eng, s->ev_cust[i], !ret, (uint32_t)ret))
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    return ORDO_OK;
}

/* Stores the outcome events that have happened before `until` (Unix
 * seconds; INT64_MAX: all), as a warehouse system and carriers would have
 * reported them by then (the decider idle: flush_events); later ones wait
 * in s->ev. The due ones go in by event id (ids are unique: the order is
 * total), so that the store's b-trees are written in key order, page
 * after page, instead of at random (SIM.md "Speed"). */
static int store_due_events(sim_t *s, int64_t until, ordo_error_t *err)
{
    size_t due = 0, n_later = 0;
    for (size_t i = 0; i < s->n_ev; i++)
        due += s->ev[i].at < until;
    if (!due)
        return ORDO_OK;
    if (due > s->cap_due) {
        const ordo_outcome_event_t **p = realloc(s->due, due * sizeof *p);
        ordo_outcome_event_t *b = realloc(s->due_ev, due * sizeof *b);
        if (p)
            s->due = p;
        if (b)
            s->due_ev = b;
        if (!p || !b)
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        s->cap_due = due;
    }
    for (size_t i = 0, k = 0; i < s->n_ev; i++)
        if (s->ev[i].at < until)
            s->due[k++] = &s->ev[i];
    qsort(s->due, due, sizeof *s->due, due_cmp);
    if (s->bulk && due_unique(s, due, err))
        return ORDO_EEXIST;
    for (size_t k = 0; k < due; k++)
        s->due_ev[k] = *s->due[k];
    int rc = feed_customers(s, until, err);
    for (size_t i = 0; i < s->n_ev; i++) /* the later ones kept, in order */
        if (s->ev[i].at >= until) {
            s->ev_cust[n_later] = s->ev_cust[i];
            s->ev[n_later++] = s->ev[i];
        }
    s->n_ev = n_later;
    if (rc)
        return rc;
    s->sum->outcome_events += due;
    return ordo_store_outcomes_put_batch(s->store, s->due_ev, due, NULL, err);
}

/* The events due before until into the store (the rest wait), timed as
 * the store's share of the run, after the decider has committed its
 * reservations (timed as deciding) and let the store go. */
static int flush_events(sim_t *s, int64_t until, ordo_error_t *err)
{
    int rc = sim_decider_idle(s, err);
    if (rc)
        return rc;
    uint64_t t = ordo_now_ns();
    rc = store_due_events(s, until, err);
    sim_store_timed(s, t);
    return rc;
}

/* After the guardrail monitor stopped the experiment: what got decided. */
static void count_after_stop(sim_t *s, const ordo_decision_t *dec)
{
    if (!s->sum->stopped)
        return;
    s->sum->orders_after_stop++;
    if (dec->variant && strcmp(dec->variant, s->sc.control))
        s->sum->treatment_after_stop++;
}

static int run_day(sim_t *s, uint32_t day, ordo_error_t *err)
{
    uint32_t n = 0;
    int rc = sim_world_day_begin(s, day, err);
    if (!rc)
        rc = sim_netval_day(s, day, err);
    if (!rc)
        rc = day_orders(s, day, &n, err);
    for (uint32_t i = 0; !rc && i < n; i++) {
        ordo_arena_reset(s->arena);
        ordo_decision_t dec;
        const ordo_order_t *o = &s->orders[i];
        rc = sim_world_before(s, o->created, err); /* a pick wave's reroutes count themselves */
        uint64_t delivered0 = s->sum->orders_delivered, late0 = s->sum->orders_late;
        if (!rc)
            rc = sim_decide(s, o, o->created, s->arena, &dec, err);
        if (!rc)
            rc = sim_order_world(s, o, dec.plan, err);
        if (!rc) {
            count_after_stop(s, &dec);
            sim_count_arm(s, o, &dec, delivered0, late0);
            sim_netval_order(s, o, dec.plan);
        }
        s->sum->orders++;
        if (s->opt->progress && (s->sum->orders & 4095) == 0)
            s->opt->progress(s->opt->progress_ctx, day + 1, s->opt->days, s->sum->orders,
                             (uint64_t)s->opt->orders_per_day * s->opt->days, o->created);
    }
    if (!rc)
        rc = sim_world_day_end(s, day, err);
    if (!rc)
        rc = flush_events(s, (s->day0 + day + 1) * 86400, err);
    uint64_t t = ordo_now_ns();
    if (!rc)
        rc = sim_monitor(s, day + 1, err);
    s->sum->monitor_seconds += (double)(ordo_now_ns() - t) / 1e9;
    return rc;
}

static int write_summary(const ordo_sim_options_t *opt, const ordo_sim_summary_t *sum,
                         ordo_error_t *err)
{
    char *json = ordo_sim_summary_json(sum, 1);
    if (!json)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", opt->out_dir);
    size_t len = strlen(json);
    int rc = ordo_write_file_atomic(path, json, len, err);
    free(json);
    return rc;
}

int ordo_sim_run(const ordo_sim_options_t *opt, ordo_sim_summary_t *sum, ordo_error_t *err)
{
    memset(sum, 0, sizeof *sum);
    if (!opt->out_dir || !opt->days || !opt->scenario)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, !opt->out_dir ? "out" : "days",
                              "required");
    sim_t s = {.opt = opt, .sum = sum};
    seed_streams(&s);
    int rc = open_all(&s, err);
    snprintf(sum->scenario, sizeof sum->scenario, "%s", s.sc.name);
    snprintf(sum->experiment, sizeof sum->experiment, "%s", s.sc.experiment);
    sum->seed = opt->seed;
    snprintf(sum->all_arm, sizeof sum->all_arm, "%s", opt->all_arm ? opt->all_arm : "");
    sum->days = opt->days;
    uint64_t t0 = ordo_now_ns();
    for (uint32_t d = 0; !rc && d < opt->days; d++) {
        rc = run_day(&s, d, err);
        if (!rc)
            rc = sim_learn_step(&s, d + 1, err);
        if (!rc && opt->progress)
            opt->progress(opt->progress_ctx, d + 1, opt->days, sum->orders,
                          (uint64_t)opt->orders_per_day * opt->days,
                          (s.day0 + d) * 86400 + 86399);
    }
    if (!rc)
        rc = flush_events(&s, INT64_MAX, err);
    if (!rc)
        rc = bulk_end(&s, err);
    uint64_t tf = ordo_now_ns();
    if (!rc)
        rc = ordo_decider_flush(s.dec, err);
    sum->decide_seconds += (double)(ordo_now_ns() - tf) / 1e9;
    sum->seconds = (double)(ordo_now_ns() - t0) / 1e9;
    sum->orders_per_second = sum->seconds > 0 ? sum->orders / sum->seconds : 0;
    int rc2 = close_all(&s, rc, err);
    if (!rc)
        rc = rc2;
    if (!rc)
        rc = write_summary(opt, sum, err);
    return rc;
}
