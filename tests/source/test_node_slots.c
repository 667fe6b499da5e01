/* SPDX-License-Identifier: Apache-2.0 */
/* The node slots an engine keeps across decisions (src_slots_t: node →
 * candidate, or unknown, disallowed, allowed) change no decision: a
 * sequence of random orders, each under another policy (the built-ins and
 * two that disallow nodes: a zone guardrail, excluded node types; some
 * SKUs stocked at so many nodes that their lines walk the nearest), decided
 * one after the other on one engine gives the plans a fresh engine gives
 * each order alone; so do the same decisions when every table of the
 * engine is taken (the order's arena then holds the slots), and when more
 * threads than the engine has tables decide them at once. A slot left set
 * by an earlier decision (a node disallowed under another policy, a
 * candidate index of another order) would change which nodes an order
 * sees. */
#include <pthread.h>
#include <stdatomic.h>

#include "testutil.h"

/* in src/source/internal.h: one of the engine's free slot tables (NULL:
 * none free), and giving it back */
typedef struct src_slots src_slots_t;
src_slots_t *src_slots_take(ordo_engine_t *e);
void src_slots_give(src_slots_t *ss);

static const char *const zips[] = {"02139", "08817", "10001", "19103", "30336", "60601",
                                   "80202", "82001", "91761", "94103", "98101", "59001"};
#define N_ZIPS (sizeof zips / sizeof zips[0])
#define N_NODES 60
#define N_SKUS 10
#define N_ORDERS 90
#define THREADS 7

static const char *const extra[] = {
    "{\"name\":\"near4\",\"constraints\":{\"max_shipments\":3,\"guardrails\":"
    "[{\"max_zone\":4}]},"
    "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\",\"weights\":{\"cost\":1,"
    "\"on_time\":5}}]}",
    "{\"name\":\"dc-only\",\"constraints\":{\"exclude_node_types\":[\"store\",\"dropship\"]},"
    "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
    "{\"criterion\":\"zone\"},{\"criterion\":\"cost\"}]}]}",
};
#define N_EXTRA (sizeof extra / sizeof extra[0])

typedef struct fixture {
    ordo_network_t *net;
    ordo_policy_t *pol[16];
    uint32_t n_pol;
    char orders[N_ORDERS][1024];
    ordo_arena_t *ref_arena;
    ordo_plan_t *ref[N_ORDERS]; /* order i under pol[i % n_pol], on a fresh engine */
} fixture_t;

static void make_network(fixture_t *f, ordo_rng_t *r)
{
    static const char *const types[] = {"dc", "store", "dropship"};
    static char nodes[65536], cat[4096], inv[65536];
    size_t k = (size_t)snprintf(nodes, sizeof nodes, "[");
    for (uint32_t i = 0; i < N_NODES; i++) {
        uint32_t cap = 10 + (uint32_t)ordo_rng_below(r, 60);
        k = write_random_node(nodes, sizeof nodes, k, r, i, types[ordo_rng_below(r, 3)], cap,
                              (uint32_t)ordo_rng_below(r, cap), zips, N_ZIPS);
    }
    snprintf(nodes + k, sizeof nodes - k, "]");
    write_random_catalog(cat, sizeof cat, r, N_SKUS);
    k = (size_t)snprintf(inv, sizeof inv,
                         "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\n");
    for (uint32_t i = 0; i < N_NODES; i++)
        for (int s = 0; s < N_SKUS; s++)
            if (ordo_rng_uniform(r) < (s < 4 ? 0.9 : 0.3)) /* S0-S3: walked */
                k += (size_t)snprintf(inv + k, sizeof inv - k, "N%u,S%d,%u,0,0,2026-11-01,0.2\n", i,
                                      s, (unsigned)ordo_rng_below(r, 6));
    f->net = build_net(nodes, cat, inv);
}

static void make_orders(fixture_t *f, ordo_rng_t *r)
{
    for (uint32_t i = 0; i < N_ORDERS; i++) {
        char *o = f->orders[i];
        size_t k = (size_t)snprintf(
            o, sizeof f->orders[i],
            "{\"id\":\"o%u\",\"created\":\"2026-03-%02uT%02u:10:00Z\","
            "\"ship_to\":{\"zip\":\"%s\"},\"service_level\":\"%s\","
            "\"lines\":[",
            i, 2 + (unsigned)ordo_rng_below(r, 20), (unsigned)ordo_rng_below(r, 24),
            zips[ordo_rng_below(r, N_ZIPS)], ordo_rng_below(r, 3) ? "standard" : "express");
        write_random_lines(o, sizeof f->orders[i], k, r, N_SKUS, 1 + (uint32_t)ordo_rng_below(r, 4),
                           qty_1_to_3);
    }
}

static ordo_engine_t *engine(const fixture_t *f)
{
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(f->net, NULL, &eng, &err), ORDO_OK);
    return eng;
}

/* Order i decided on eng (into a), no reservation: the engine's state
 * stays as it was, so every decision of it is the same. */
static ordo_plan_t *decide_i(ordo_engine_t *eng, const fixture_t *f, uint32_t i, ordo_arena_t *a)
{
    ordo_order_t *o = ordo_arena_alloc(a, sizeof *o);
    ordo_error_t err = {0};
    if (!o || ordo_order_parse(f->orders[i], strlen(f->orders[i]), f->net, a, o, &err))
        return NULL;
    ordo_decide_opts_t opts = {0};
    ordo_plan_t *plan = NULL;
    if (ordo_source_decide(eng, f->pol[i % f->n_pol], o, &opts, a, &plan, &err))
        return NULL;
    return plan;
}

static int setup(void **state)
{
    static fixture_t f;
    memset(&f, 0, sizeof f);
    ordo_rng_t r;
    ordo_rng_seed(&r, 20261207);
    make_network(&f, &r);
    make_orders(&f, &r);
    const char *const *names = ordo_policy_builtin_names();
    for (uint32_t i = 0; names[i]; i++)
        f.pol[f.n_pol++] = builtin(names[i]);
    for (uint32_t i = 0; i < N_EXTRA; i++)
        f.pol[f.n_pol++] = policy_from(extra[i]);
    f.ref_arena = ordo_arena_create(0);
    for (uint32_t i = 0; i < N_ORDERS; i++) {
        ordo_engine_t *eng = engine(&f);
        f.ref[i] = decide_i(eng, &f, i, f.ref_arena);
        ordo_engine_destroy(eng);
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    for (uint32_t i = 0; i < f->n_pol; i++)
        ordo_policy_destroy(f->pol[i]);
    ordo_arena_destroy(f->ref_arena);
    ordo_network_destroy(f->net);
    return 0;
}

/* Every order decided on eng in turn, against its plan on a fresh engine;
 * the number that differ. */
static uint32_t differ_in_turn(const fixture_t *f, ordo_engine_t *eng)
{
    ordo_arena_t *a = ordo_arena_create(0);
    uint32_t differ = 0;
    for (uint32_t i = 0; i < N_ORDERS; i++) {
        ordo_arena_reset(a);
        ordo_plan_t *p = decide_i(eng, f, i, a);
        if (!p || !f->ref[i] || !same_plan(p, f->ref[i]))
            differ++;
    }
    ordo_arena_destroy(a);
    return differ;
}

static void test_fixture_has_variety(void **state)
{
    const fixture_t *f = *state;
    uint32_t ok = 0, split = 0, fallback = 0, none = 0;
    for (uint32_t i = 0; i < N_ORDERS; i++) {
        assert_non_null(f->ref[i]);
        ok += f->ref[i]->status == ORDO_PLAN_OK;
        split += f->ref[i]->n_shipments > 1;
        fallback += f->ref[i]->status == ORDO_PLAN_FALLBACK;
        none += f->ref[i]->status == ORDO_PLAN_UNFULFILLABLE;
    }
    fprintf(stderr, "%u orders: %u ok (%u split), %u fallback, %u unfulfillable\n", N_ORDERS, ok,
            split, fallback, none);
    assert_true(ok > N_ORDERS / 3);
    assert_true(split > 0);
    assert_true(fallback + none > 0);
}

static void test_slots_kept_across_decisions(void **state)
{
    const fixture_t *f = *state;
    ordo_engine_t *eng = engine(f);
    assert_int_equal(differ_in_turn(f, eng), 0);
    assert_int_equal(differ_in_turn(f, eng), 0); /* the tables now used throughout */
    ordo_engine_destroy(eng);
}

static void test_slots_in_the_arena(void **state)
{
    const fixture_t *f = *state;
    ordo_engine_t *eng = engine(f);
    src_slots_t *held[64];
    uint32_t n = 0;
    while (n < 64 && (held[n] = src_slots_take(eng)))
        n++;
    assert_true(n > 0 && n < 64);
    assert_int_equal(differ_in_turn(f, eng), 0);
    for (uint32_t i = 0; i < n; i++)
        src_slots_give(held[i]);
    assert_int_equal(differ_in_turn(f, eng), 0);
    ordo_engine_destroy(eng);
}

typedef struct shared {
    const fixture_t *f;
    ordo_engine_t *eng;
    atomic_uint differ;
} shared_t;

static void *decider(void *arg)
{
    shared_t *s = arg;
    for (int round = 0; round < 3; round++)
        atomic_fetch_add(&s->differ, differ_in_turn(s->f, s->eng));
    return NULL;
}

static void test_slots_under_threads(void **state)
{
    shared_t s = {.f = *state};
    s.eng = engine(s.f);
    atomic_init(&s.differ, 0);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, decider, &s), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&s.differ), 0);
    ordo_engine_destroy(s.eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_has_variety),
        cmocka_unit_test(test_slots_kept_across_decisions),
        cmocka_unit_test(test_slots_in_the_arena),
        cmocka_unit_test(test_slots_under_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
