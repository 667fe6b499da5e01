/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/decide: the decision path over a temp data directory —
 * routing through a running experiment, the record read back (experiment,
 * variant, the randomization unit, switchback cluster and window as
 * assignment chose them), reservation, shadow records, and no log without
 * a data directory. */
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/config.h"
#include "ordo/decide.h"
#include "ordo/exp.h"
#include "ordo/inventory.h"
#include "ordo/log.h"
#include "ordo/record.h"
#include "ordo/store.h"
#include "ordo/util.h"

#ifndef ORDO_SOURCE_DIR
#define ORDO_SOURCE_DIR "."
#endif

#define N_ORDERS 24

typedef struct fx {
    char dir[256];
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_arena_t *arena;
    int64_t t0; /* experiment start */
} fx_t;

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ordo-test-decide-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    const char *root = getenv("ORDO_SOURCE_DIR");
    char nd[1024];
    snprintf(nd, sizeof nd, "%s/docs/examples/network", root && *root ? root : ORDO_SOURCE_DIR);
    ordo_error_t err;
    assert_int_equal(ordo_network_load(nd, NULL, &f->net, &err), ORDO_OK);
    assert_int_equal(ordo_engine_create(f->net, NULL, &f->eng, &err), ORDO_OK);
    f->arena = ordo_arena_create(1 << 16);
    assert_int_equal(ordo_time_parse("2026-11-24T00:00:00Z", &f->t0), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    ordo_arena_destroy(f->arena);
    ordo_engine_destroy(f->eng);
    ordo_network_destroy(f->net);
    free(f);
    return 0;
}

/* Creates and starts one experiment in the data directory at f->t0. */
static void start_experiment(fx_t *f, const char *json, const char *id)
{
    ordo_error_t err;
    ordo_config_t cfg;
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    assert_int_equal(ordo_config_load_data_dir(f->dir, &cfg, &err), ORDO_OK);
    assert_int_equal(ordo_store_open(f->dir, &cfg, &store, &err), ORDO_OK);
    assert_int_equal(ordo_exp_registry_open(store, &reg, &err), ORDO_OK);
    int rc = ordo_exp_registry_create(reg, json, strlen(json), NULL, "test", "test", NULL, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", err.field, err.msg);
    assert_int_equal(rc, ORDO_OK);
    assert_int_equal(ordo_exp_registry_transition(reg, id, ORDO_EXP_ACT_START, NULL, "test", "test",
                                                  f->t0, NULL, &err),
                     ORDO_OK);
    ordo_exp_registry_close(reg);
    assert_int_equal(ordo_store_close(store, &err), ORDO_OK);
}

static const char *const zips[] = {"10027", "94110", "60601", "30303"};

/* Order i, created at `created`. */
static void order_at(fx_t *f, int i, const char *created, ordo_order_t *o)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "{\"id\":\"ORD-%d\",\"created\":\"%s\","
                     "\"customer\":{\"id\":\"C-%d\"},\"ship_to\":{\"zip\":\"%s\"},"
                     "\"channel\":\"web\",\"service_level\":\"standard\","
                     "\"lines\":[{\"sku\":\"SKU-0000038\",\"quantity\":1}]}",
                     i, created, i % 7, zips[i % 4]);
    ordo_error_t err;
    int rc = ordo_order_parse(buf, (size_t)n, f->net, f->arena, o, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", err.field, err.msg);
    assert_int_equal(rc, ORDO_OK);
}

static void order_of(fx_t *f, int i, ordo_order_t *o)
{
    order_at(f, i, "2026-11-24T15:04:05Z", o);
}

typedef struct seen {
    int decisions, shadows;
    ordo_record_t dec[N_ORDERS]; /* decision records, in log order */
} seen_t;

/* Every record of DIR/log, read by the record reader into arena. */
static void read_back(fx_t *f, ordo_arena_t *arena, seen_t *s)
{
    memset(s, 0, sizeof *s);
    char logdir[512];
    snprintf(logdir, sizeof logdir, "%s/log", f->dir);
    ordo_log_iter_t *it;
    ordo_error_t err;
    assert_int_equal(ordo_log_iter_open(logdir, NULL, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    int rc;
    while ((rc = ordo_log_iter_next(it, &rec, &err)) == 1) {
        ordo_record_t r;
        assert_int_equal(ordo_record_read(rec.payload, rec.len, 0, arena, &r, &err), ORDO_OK);
        if (rec.type == ORDO_LOG_REC_SHADOW) {
            assert_true(r.shadow);
            s->shadows++;
        } else {
            assert_int_equal(rec.type, ORDO_LOG_REC_DECISION);
            assert_false(r.shadow);
            assert_true(s->decisions < N_ORDERS);
            s->dec[s->decisions++] = r;
        }
    }
    assert_int_equal(rc, 0);
    ordo_log_iter_close(it);
}

static ordo_decider_t *open_decider(fx_t *f, bool with_dir)
{
    ordo_decider_options_t opt;
    ordo_decider_options_init(&opt);
    opt.data_dir = with_dir ? f->dir : NULL;
    opt.reserve = true;
    ordo_decider_t *d;
    ordo_error_t err;
    int rc = ordo_decider_open(f->net, f->eng, &opt, &d, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, ORDO_OK);
    return d;
}

/* Without a data directory nothing is logged, no experiment runs, and the
 * plan's stock is still reserved. */
static void test_no_data_dir(void **state)
{
    fx_t *f = *state;
    ordo_decider_t *d = open_decider(f, false);
    ordo_order_t o;
    order_of(f, 1, &o);
    ordo_decision_t dec;
    ordo_error_t err;
    assert_int_equal(ordo_decider_decide(d, &o, f->t0 + 3600, f->arena, &dec, &err), ORDO_OK);
    assert_non_null(dec.plan);
    assert_int_equal(dec.plan->status, ORDO_PLAN_OK);
    assert_true(dec.plan->reserved);
    assert_int_equal(dec.seq, 0);
    assert_int_equal(dec.shadows, 0);
    assert_null(dec.experiment);
    assert_null(dec.unit);
    assert_int_equal(dec.window, -1);
    assert_int_equal(ordo_source_release(f->eng, dec.plan), ORDO_OK);
    assert_int_equal(ordo_decider_close(d, &err), ORDO_OK);
    struct stat st;
    char logdir[512];
    snprintf(logdir, sizeof logdir, "%s/log", f->dir);
    assert_int_not_equal(stat(logdir, &st), 0);
}

static uint64_t total_load(fx_t *f)
{
    uint64_t sum = 0;
    for (uint32_t n = 0; n < f->net->n_nodes; n++)
        sum += ordo_engine_node_load(f->eng, n);
    return sum;
}

/* The nodes' loads count the units of their local day: an order of the
 * next day (every US node's) finds them at zero, plus its own units. */
static void test_loads_count_the_local_day(void **state)
{
    fx_t *f = *state;
    ordo_decider_t *d = open_decider(f, false);
    uint64_t start = total_load(f); /* the network's current_load */
    ordo_order_t o;
    ordo_decision_t dec;
    ordo_error_t err;
    order_at(f, 1, "2026-11-24T15:04:05Z", &o);
    assert_int_equal(ordo_decider_decide(d, &o, f->t0 + 3600, f->arena, &dec, &err), ORDO_OK);
    assert_int_equal(dec.plan->status, ORDO_PLAN_OK);
    assert_int_equal(total_load(f), start + 1);
    order_at(f, 2, "2026-11-24T20:00:00Z", &o); /* the same local day everywhere */
    assert_int_equal(ordo_decider_decide(d, &o, f->t0 + 3600, f->arena, &dec, &err), ORDO_OK);
    assert_int_equal(total_load(f), start + 2);
    order_at(f, 3, "2026-11-25T15:04:05Z", &o); /* the next day everywhere */
    assert_int_equal(ordo_decider_decide(d, &o, f->t0 + 3600, f->arena, &dec, &err), ORDO_OK);
    assert_int_equal(dec.plan->status, ORDO_PLAN_OK);
    assert_int_equal(total_load(f), 1);
    assert_int_equal(ordo_decider_close(d, &err), ORDO_OK);
}

#define VARIANTS                                                                                   \
    "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\",\"weight\":0.5},"            \
    "{\"key\":\"treatment\",\"policy\":\"proximity-first\",\"weight\":0.5}],"                      \
    "\"primary_kpis\":[\"cost_per_order\"]"

/* A customer-unit experiment with a shadow policy: every decision record
 * carries the experiment, the variant and the customer's pseudonym as its unit;
 * every order gets a shadow record; the plan's stock is reserved. */
static void test_customer_experiment(void **state)
{
    fx_t *f = *state;
    start_experiment(f,
                     "{\"id\":\"cust\",\"hypothesis\":\"h\",\"unit\":\"customer\","
                     "\"seed\":\"s\"," VARIANTS ",\"shadow\":{\"policy\":\"default\"}}",
                     "cust");
    ordo_decider_t *d = open_decider(f, true);
    ordo_error_t err;
    ordo_decision_t decs[N_ORDERS];
    int reserved_before = 0, reserved_after = 0;
    for (int i = 0; i < N_ORDERS; i++) {
        ordo_order_t o;
        order_of(f, i, &o);
        ordo_stock_range_t r = ordo_inventory_sku_cells(f->net->inventory, o.lines[0].sku);
        ordo_stock_t st;
        reserved_before = 0;
        for (uint32_t c = r.begin; c < r.end; c++) {
            ordo_inventory_get(f->net->inventory, c, &st);
            reserved_before += st.reserved;
        }
        assert_int_equal(ordo_decider_decide(d, &o, f->t0 + 3600 + i, f->arena, &decs[i], &err),
                         ORDO_OK);
        reserved_after = 0;
        for (uint32_t c = r.begin; c < r.end; c++) {
            ordo_inventory_get(f->net->inventory, c, &st);
            reserved_after += st.reserved;
        }
        assert_true(decs[i].plan->reserved);
        assert_int_equal(reserved_after, reserved_before + 1);
        assert_string_equal(decs[i].experiment, "cust");
        assert_int_equal(decs[i].shadows, 1);
        assert_true(decs[i].seq > 0);
        char cid[16];
        snprintf(cid, sizeof cid, "C-%d", i % 7);
        assert_string_equal(decs[i].unit, cid);
    }
    /* read back while the decider (which owns the strings decs point to) is open */
    assert_int_equal(ordo_decider_flush(d, &err), ORDO_OK);
    ordo_arena_t *ra = ordo_arena_create(1 << 16);
    seen_t *s = malloc(sizeof *s);
    read_back(f, ra, s);
    assert_int_equal(s->decisions, N_ORDERS);
    assert_int_equal(s->shadows, N_ORDERS);
    for (int i = 0; i < N_ORDERS; i++) {
        const ordo_record_t *r = &s->dec[i];
        assert_string_equal(r->experiment, "cust");
        assert_string_equal(r->variant, decs[i].variant);
        /* the record names the customer unit by its pseudonym, the same
         * one as the order's customer */
        assert_non_null(r->unit);
        assert_int_equal(strlen(r->unit), 35);
        assert_memory_equal(r->unit, "ck_", 3);
        assert_string_not_equal(r->unit, decs[i].unit);
        if (i >= 7)
            assert_string_equal(r->unit, s->dec[i - 7].unit);
        assert_null(r->cluster);
        assert_int_equal(r->window, -1);
        assert_true(r->bucket >= 0 && r->bucket < 1);
        assert_float_equal(r->bucket, decs[i].bucket, 1e-12);
        char oid[16];
        snprintf(oid, sizeof oid, "ORD-%d", i);
        assert_string_equal(r->order_id, oid);
        assert_string_equal(r->policy_version, decs[i].plan->policy_version);
        /* the plan's cost breakdown as decided */
        assert_float_equal(r->plan.cost.total, decs[i].plan->cost.total, 1e-4);
        assert_int_equal(r->plan.n_shipments, decs[i].plan->n_shipments);
    }
    /* the same customer always gets the same variant */
    for (int i = 7; i < N_ORDERS; i++)
        assert_string_equal(s->dec[i].variant, s->dec[i - 7].variant);
    free(s);
    ordo_arena_destroy(ra);
    assert_int_equal(ordo_decider_close(d, &err), ORDO_OK);
}

/* A switchback: the record carries the cluster (the ship-to state), the
 * window index and "cluster:window" as the unit, exactly as the experiment's
 * schedule gives them. */
static void test_switchback_experiment(void **state)
{
    fx_t *f = *state;
    const char *json = "{\"id\":\"sb\",\"hypothesis\":\"h\",\"unit\":\"switchback\"," VARIANTS
                       ",\"switchback\":{\"start\":\"2026-11-24T00:00:00Z\",\"window_hours\":2,"
                       "\"windows\":24,\"block_size\":4}}";
    start_experiment(f, json, "sb");
    ordo_exp_t *e;
    ordo_error_t err;
    assert_int_equal(ordo_exp_parse(json, strlen(json), NULL, &e, &err), ORDO_OK);
    ordo_exp_switchback_t sb;
    assert_int_equal(ordo_exp_switchback_of(e, &sb, &err), ORDO_OK);
    ordo_decider_t *d = open_decider(f, true);
    int64_t times[N_ORDERS];
    for (int i = 0; i < N_ORDERS; i++) {
        ordo_order_t o;
        order_of(f, i, &o);
        times[i] = f->t0 + 600 + (int64_t)i * 1800; /* spans several windows */
        ordo_decision_t dec;
        assert_int_equal(ordo_decider_decide(d, &o, times[i], f->arena, &dec, &err), ORDO_OK);
        assert_string_equal(dec.experiment, "sb");
        assert_string_equal(dec.cluster, o.state);
        assert_int_equal(dec.shadows, 0); /* no shadow policy */
    }
    assert_int_equal(ordo_decider_close(d, &err), ORDO_OK);
    ordo_arena_t *ra = ordo_arena_create(1 << 16);
    seen_t *s = malloc(sizeof *s);
    read_back(f, ra, s);
    assert_int_equal(s->decisions, N_ORDERS);
    assert_int_equal(s->shadows, 0);
    static const char *const states[] = {"NY", "CA", "IL", "GA"};
    for (int i = 0; i < N_ORDERS; i++) {
        const ordo_record_t *r = &s->dec[i];
        ordo_exp_switchback_slot_t slot;
        assert_int_equal(ordo_exp_switchback_arm(&sb, states[i % 4], 2, times[i], &slot, &err),
                         ORDO_OK);
        assert_true(slot.in_schedule);
        assert_string_equal(r->experiment, "sb");
        assert_string_equal(r->cluster, states[i % 4]);
        assert_int_equal(r->window, (int64_t)slot.window);
        char unit[32];
        snprintf(unit, sizeof unit, "%s:%u", states[i % 4], slot.window);
        assert_string_equal(r->unit, unit);
        assert_string_equal(r->variant, e->variants[slot.arm].key);
        assert_true(isnan(r->bucket)); /* switchbacks hash no unit bucket */
    }
    free(s);
    ordo_arena_destroy(ra);
    ordo_exp_destroy(e);
}

/* A shadow sees the stock the real decision saw: with the shadow policy the
 * same as the acting one and an order that takes every available unit of
 * the best cell, the shadow's plan must be the real plan. Decided after the
 * real decision's reservation, it would find that cell empty and plan
 * something else. */
static void test_shadow_sees_same_stock(void **state)
{
    fx_t *f = *state;
    start_experiment(f,
                     "{\"id\":\"shstock\",\"hypothesis\":\"h\",\"unit\":\"order\","
                     "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\","
                     "\"weight\":1},{\"key\":\"treatment\",\"policy\":\"proximity-first\","
                     "\"weight\":0}],\"primary_kpis\":[\"cost_per_order\"],"
                     "\"shadow\":{\"policy\":\"cost-optimized\"}}",
                     "shstock");
    ordo_decider_t *d = open_decider(f, true);
    ordo_error_t err;
    /* the cell with the most available units of the SKU, and all of them */
    uint32_t sku;
    assert_true(ordo_strmap_get(f->net->sku_index, "SKU-0000038", 11, &sku));
    ordo_stock_range_t r = ordo_inventory_sku_cells(f->net->inventory, sku);
    uint32_t best = r.begin;
    for (uint32_t c = r.begin; c < r.end; c++)
        if (ordo_inventory_atp(f->net->inventory, c) > ordo_inventory_atp(f->net->inventory, best))
            best = c;
    int32_t q = ordo_inventory_atp(f->net->inventory, best);
    assert_true(q > 0);
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "{\"id\":\"ORD-ALL\",\"created\":\"2026-11-24T15:04:05Z\","
                     "\"ship_to\":{\"zip\":\"10027\"},\"channel\":\"web\","
                     "\"service_level\":\"standard\","
                     "\"lines\":[{\"sku\":\"SKU-0000038\",\"quantity\":%d}]}",
                     q);
    ordo_order_t o;
    assert_int_equal(ordo_order_parse(buf, (size_t)n, f->net, f->arena, &o, &err), ORDO_OK);
    ordo_decision_t dec;
    assert_int_equal(ordo_decider_decide(d, &o, f->t0 + 3600, f->arena, &dec, &err), ORDO_OK);
    assert_string_equal(dec.variant, "control");
    assert_true(dec.plan->reserved);
    assert_int_equal(dec.shadows, 1);
    /* the real decision emptied the cell: a shadow decided after it could
     * not have planned the same */
    assert_int_equal(ordo_inventory_atp(f->net->inventory, best), 0);
    assert_int_equal(ordo_decider_flush(d, &err), ORDO_OK);
    ordo_arena_t *ra = ordo_arena_create(1 << 16);
    char logdir[512];
    snprintf(logdir, sizeof logdir, "%s/log", f->dir);
    ordo_log_iter_t *it;
    assert_int_equal(ordo_log_iter_open(logdir, NULL, &it, &err), ORDO_OK);
    ordo_log_record_t rec;
    ordo_record_t real, shadow;
    memset(&real, 0, sizeof real);
    memset(&shadow, 0, sizeof shadow);
    int got = 0;
    while (ordo_log_iter_next(it, &rec, &err) == 1) {
        ordo_record_t x;
        assert_int_equal(ordo_record_read(rec.payload, rec.len, 0, ra, &x, &err), ORDO_OK);
        if (rec.type == ORDO_LOG_REC_SHADOW)
            shadow = x, got |= 2;
        else
            real = x, got |= 1;
    }
    ordo_log_iter_close(it);
    assert_int_equal(got, 3);
    assert_string_equal(shadow.order_id, "ORD-ALL");
    assert_int_equal(shadow.plan.n_shipments, real.plan.n_shipments);
    for (uint32_t i = 0; i < real.plan.n_shipments; i++)
        assert_string_equal(shadow.plan.shipments[i].node, real.plan.shipments[i].node);
    assert_float_equal(shadow.plan.cost.total, real.plan.cost.total, 1e-9);
    ordo_arena_destroy(ra);
    assert_int_equal(ordo_source_release(f->eng, dec.plan), ORDO_OK);
    assert_int_equal(ordo_decider_close(d, &err), ORDO_OK);
}

/* defer_records: decide queues each decision record under the seq it
 * returns and the commit encodes it (so a change to the plan before the
 * commit shows in the record: encoded then, not at decide); once an
 * experiment with a shadow runs, the shadow record, appended at once,
 * comes after the queued ones; every record at the seq its decision got. */
static void test_deferred_records(void **state)
{
    fx_t *f = *state;
    ordo_decider_options_t opt;
    ordo_decider_options_init(&opt);
    opt.data_dir = f->dir;
    opt.log = true;
    opt.shadows = true;
    opt.group_commit = true;
    opt.defer_records = true;
    ordo_decider_t *d;
    ordo_error_t err;
    assert_int_equal(ordo_decider_open(f->net, f->eng, &opt, &d, &err), ORDO_OK);
    assert_true(ordo_decider_records_deferred(d));
    enum { N = 8 };
    ordo_arena_t *arenas[N]; /* each plan stays until the commit */
    ordo_decision_t dec[N];
    for (int i = 0; i < N; i++) {
        if (i == N / 2) { /* the second half with a shadow (seen at the next order) */
            assert_int_equal(ordo_decider_idle(d, &err), ORDO_OK); /* the store let go */
            start_experiment(
                f,
                "{\"id\":\"defer\",\"hypothesis\":\"h\",\"unit\":\"order\","
                "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\","
                "\"weight\":0.5},{\"key\":\"treatment\",\"policy\":\"proximity-first\","
                "\"weight\":0.5}],\"primary_kpis\":[\"cost_per_order\"],"
                "\"shadow\":{\"policy\":\"cost-optimized\"}}",
                "defer");
        }
        arenas[i] = ordo_arena_create(1 << 16);
        ordo_order_t *o = ordo_arena_calloc(arenas[i], 1, sizeof *o);
        char buf[512];
        int n = snprintf(buf, sizeof buf,
                         "{\"id\":\"DEF-%d\",\"created\":\"2026-11-24T15:04:05Z\","
                         "\"ship_to\":{\"zip\":\"%s\"},\"channel\":\"web\","
                         "\"service_level\":\"standard\","
                         "\"lines\":[{\"sku\":\"SKU-0000038\",\"quantity\":1}]}",
                         i, zips[i % 4]);
        assert_int_equal(ordo_order_parse(buf, (size_t)n, f->net, arenas[i], o, &err), ORDO_OK);
        assert_int_equal(ordo_decider_decide(d, o, f->t0 + 3600, arenas[i], &dec[i], &err),
                         ORDO_OK);
        assert_true(dec[i].seq > 0);
        /* after decide, before the commit: the record is encoded later */
        dec[i].plan->latency_ns = 1000u + (uint64_t)i;
    }
    assert_int_equal(ordo_decider_commit_durable(d, &err), ORDO_OK);
    char logdir[512];
    snprintf(logdir, sizeof logdir, "%s/log", f->dir);
    ordo_log_iter_t *it;
    assert_int_equal(ordo_log_iter_open(logdir, NULL, &it, &err), ORDO_OK);
    ordo_arena_t *ra = ordo_arena_create(1 << 16);
    ordo_log_record_t rec;
    int decisions = 0, shadows = 0;
    uint64_t prev = 0;
    while (ordo_log_iter_next(it, &rec, &err) == 1) {
        assert_true(rec.seq > prev);
        prev = rec.seq;
        ordo_record_t r;
        assert_int_equal(ordo_record_read(rec.payload, rec.len, 0, ra, &r, &err), ORDO_OK);
        if (rec.type == ORDO_LOG_REC_SHADOW) {
            shadows++;
            continue;
        }
        int i = decisions++;
        assert_true(i < N);
        char id[32];
        snprintf(id, sizeof id, "DEF-%d", i);
        assert_string_equal(r.order_id, id);
        assert_int_equal(rec.seq, dec[i].seq);
        if (i < N / 2) /* no shadow: encoded at the commit */
            assert_float_equal(r.latency_ns, 1000.0 + i, 0);
        else /* a shadow appends at once, after the queued records */
            assert_int_equal(dec[i].shadows, 1);
        assert_true((r.variant == NULL) == (dec[i].variant == NULL));
        if (r.variant)
            assert_string_equal(r.variant, dec[i].variant);
    }
    ordo_log_iter_close(it);
    assert_int_equal(decisions, N);
    assert_true(shadows > 0);
    ordo_arena_destroy(ra);
    assert_int_equal(ordo_decider_close(d, &err), ORDO_OK);
    for (int i = 0; i < N; i++)
        ordo_arena_destroy(arenas[i]);
}

/* Shadows and the control plan are decided without reserving before the
 * real decision: they must not change it. The same orders through the same
 * experiment, with and without a shadow policy, on two copies of the
 * network, give the same real plans. */
static void test_shadows_leave_decisions_alone(void **state)
{
    fx_t *f = *state;
    static const char *const docs[2] = {
        "{\"id\":\"same\",\"hypothesis\":\"h\",\"unit\":\"order\",\"seed\":\"s\"," VARIANTS
        ",\"shadow\":{\"policy\":\"default\"}}",
        "{\"id\":\"same\",\"hypothesis\":\"h\",\"unit\":\"order\",\"seed\":\"s\"," VARIANTS "}"};
    char dirs[2][300];
    ordo_network_t *nets[2] = {f->net, NULL};
    ordo_engine_t *engs[2] = {f->eng, NULL};
    const char *root = getenv("ORDO_SOURCE_DIR");
    char nd[1024];
    snprintf(nd, sizeof nd, "%s/docs/examples/network", root && *root ? root : ORDO_SOURCE_DIR);
    ordo_error_t err;
    assert_int_equal(ordo_network_load(nd, NULL, &nets[1], &err), ORDO_OK);
    assert_int_equal(ordo_engine_create(nets[1], NULL, &engs[1], &err), ORDO_OK);
    double cost[2][N_ORDERS];
    uint32_t ships[2][N_ORDERS];
    char base[256];
    snprintf(base, sizeof base, "%s", f->dir);
    for (int k = 0; k < 2; k++) {
        snprintf(dirs[k], sizeof dirs[k], "%s/d%d", base, k);
        assert_int_equal(mkdir(dirs[k], 0700), 0);
        snprintf(f->dir, sizeof f->dir, "%s", dirs[k]);
        start_experiment(f, docs[k], "same");
        ordo_network_t *n0 = f->net;
        ordo_engine_t *e0 = f->eng;
        f->net = nets[k];
        f->eng = engs[k];
        ordo_decider_t *d = open_decider(f, true);
        for (int i = 0; i < N_ORDERS; i++) {
            ordo_order_t o;
            order_of(f, i, &o);
            o.lines[0].quantity = 1 + (uint32_t)(i % 3);
            ordo_decision_t dec;
            assert_int_equal(ordo_decider_decide(d, &o, f->t0 + 3600 + i, f->arena, &dec, &err),
                             ORDO_OK);
            assert_int_equal(dec.shadows, k == 0 ? 1 : 0);
            cost[k][i] = dec.plan->cost.total;
            ships[k][i] = dec.plan->n_shipments;
        }
        assert_int_equal(ordo_decider_close(d, &err), ORDO_OK);
        f->net = n0;
        f->eng = e0;
    }
    snprintf(f->dir, sizeof f->dir, "%s", base);
    for (int i = 0; i < N_ORDERS; i++) {
        assert_float_equal(cost[0][i], cost[1][i], 1e-12);
        assert_int_equal(ships[0][i], ships[1][i]);
    }
    ordo_engine_destroy(engs[1]);
    ordo_network_destroy(nets[1]);
}

/* The kill switch reaches a running decider: another handle (here, as
 * `ordo exp kill` in another process would) kills the experiment between
 * two orders, and the very next order goes to control, marked killed and
 * not an exposure; a decision made before the kill keeps its strings. */
static void test_kill_takes_effect_next_order(void **state)
{
    fx_t *f = *state;
    start_experiment(f,
                     "{\"id\":\"killme\",\"hypothesis\":\"h\",\"unit\":\"order\","
                     "\"seed\":\"s\"," VARIANTS "}",
                     "killme");
    ordo_decider_t *d = open_decider(f, true);
    ordo_error_t err;
    /* orders until one is in treatment */
    ordo_decision_t before;
    int i = 0;
    do {
        ordo_order_t o;
        order_of(f, i, &o);
        assert_int_equal(ordo_decider_decide(d, &o, f->t0 + 3600 + i, f->arena, &before, &err),
                         ORDO_OK);
        assert_int_equal(ordo_source_release(f->eng, before.plan), ORDO_OK);
    } while (++i < N_ORDERS && strcmp(before.variant, "treatment") != 0);
    assert_string_equal(before.variant, "treatment");
    /* kill through a handle of its own */
    ordo_config_t cfg;
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
    assert_int_equal(ordo_config_load_data_dir(f->dir, &cfg, &err), ORDO_OK);
    assert_int_equal(ordo_store_open(f->dir, &cfg, &store, &err), ORDO_OK);
    assert_int_equal(ordo_exp_registry_open(store, &reg, &err), ORDO_OK);
    assert_int_equal(ordo_exp_registry_transition(reg, "killme", ORDO_EXP_ACT_KILL, NULL, "test",
                                                  "harm", f->t0 + 7200, NULL, &err),
                     ORDO_OK);
    ordo_exp_registry_close(reg);
    assert_int_equal(ordo_store_close(store, &err), ORDO_OK);
    /* every order from the next one on: control, killed, excluded */
    for (int k = 0; k < 8; k++, i++) {
        ordo_order_t o;
        order_of(f, i, &o);
        ordo_decision_t after;
        assert_int_equal(ordo_decider_decide(d, &o, f->t0 + 7300 + k, f->arena, &after, &err),
                         ORDO_OK);
        assert_string_equal(after.experiment, "killme");
        assert_string_equal(after.variant, "control");
        assert_string_equal(after.route_reason, ordo_exp_route_reason_name(ORDO_EXP_ROUTE_KILLED));
        assert_true(after.excluded);
        assert_int_equal(ordo_source_release(f->eng, after.plan), ORDO_OK);
    }
    /* the pre-kill decision's strings outlived the snapshot they came from */
    assert_string_equal(before.experiment, "killme");
    assert_string_equal(before.variant, "treatment");
    assert_int_equal(ordo_decider_close(d, &err), ORDO_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_data_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loads_count_the_local_day, setup, teardown),
        cmocka_unit_test_setup_teardown(test_customer_experiment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switchback_experiment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shadow_sees_same_stock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shadows_leave_decisions_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_takes_effect_next_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deferred_records, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
