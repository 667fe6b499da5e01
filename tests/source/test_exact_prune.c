/* SPDX-License-Identifier: Apache-2.0 */
/* The exact search's pruning changes no decision: on random small (2–5
 * nodes, 1–3 lines) and medium (6–14 nodes, 3–6 lines) orders, under every
 * built-in policy and policies that exercise each pruning mode (weighted
 * groups gathered against an incumbent, criteria pairs with two shipments
 * at most, node-type deferral, the split test, the bound of the partition
 * search), the plan decided with pruning on equals the plan decided with it
 * off (ordo_source_exact_pruning(false): every line group evaluated in
 * full, partitions searched without bounds): the same status, search,
 * shipments (node, service, lines and quantities) and score vector, bit for
 * bit. A bound that is too tight (below a plan it should bound) makes it
 * fail: docs/internals/SOURCING.md says how that was checked. */
#include "testutil.h"

/* in src/source/exact.c (internal.h): pruning on (the default) or off */
void ordo_source_exact_pruning(bool on);

static const char *const zips[] = {"02139", "08817", "10001", "19103", "30336", "60601",
                                   "80202", "82001", "91761", "94103", "98101", "59001"};
#define N_ZIPS (sizeof zips / sizeof zips[0])
#define N_SKUS 8

/* Policies beside the built-ins: each pruning mode, max_shipments 2–4 */
static const char *const extra[] = {
    "{\"name\":\"w4\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":4,"
    "\"allow_line_split\":true},\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\","
    "\"weights\":{\"cost\":1,\"on_time\":40,\"return_risk\":10,\"load\":3,\"split\":0.5,"
    "\"overstock\":2,\"economic\":3}}]}",
    "{\"name\":\"w2\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":2},"
    "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\",\"weights\":{\"cost\":1,"
    "\"on_time\":5,\"split\":0}}]}",
    "{\"name\":\"c-pair\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":2},"
    "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
    "{\"criterion\":\"cost\",\"resolution\":0},{\"criterion\":\"zone\"}]}]}",
    "{\"name\":\"c-pair-fewest\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":2,"
    "\"allow_line_split\":true},\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\","
    "\"criteria\":[{\"criterion\":\"fewest_shipments\"},{\"criterion\":\"zone\"},"
    "{\"criterion\":\"distance\"},{\"criterion\":\"cost\"}]}]}",
    "{\"name\":\"c-type\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":3},"
    "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
    "{\"criterion\":\"node_type\",\"order\":[\"store\",\"dc\",\"dropship\"]},"
    "{\"criterion\":\"fewest_shipments\"},{\"criterion\":\"on_time\",\"min\":0.2},"
    "{\"criterion\":\"cost\",\"resolution\":0}],\"service_target\":0.8}]}",
    "{\"name\":\"c-cost3\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":3},"
    "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
    "{\"criterion\":\"cost\",\"resolution\":0}]}]}",
};
#define N_EXTRA (sizeof extra / sizeof extra[0])

typedef struct inst {
    ordo_network_t *net;
    char order[2048];
} inst_t;

/* nn nodes, N_SKUS SKUs (stock often short, so plans split), an order of
 * lo..hi lines */
static void make_instance(ordo_rng_t *r, inst_t *in, uint32_t nn, uint32_t lo, uint32_t hi)
{
    static const char *const types[] = {"dc", "store", "dropship"};
    char nodes[16384], cat[2048], inv[16384];
    size_t k = (size_t)snprintf(nodes, sizeof nodes, "[");
    for (uint32_t i = 0; i < nn; i++) {
        uint32_t cap = 4 + (uint32_t)ordo_rng_below(r, 60);
        const char *type = types[ordo_rng_below(r, 3)];
        uint32_t load = (uint32_t)ordo_rng_below(r, cap);
        k = write_random_node(nodes, sizeof nodes, k, r, i, type, cap, load, zips, N_ZIPS);
    }
    snprintf(nodes + k, sizeof nodes - k, "]");
    write_random_catalog(cat, sizeof cat, r, N_SKUS);
    k = (size_t)snprintf(inv, sizeof inv,
                         "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\n");
    for (uint32_t i = 0; i < nn; i++)
        for (int s = 0; s < N_SKUS; s++)
            if (ordo_rng_uniform(r) < 0.6)
                k += (size_t)snprintf(inv + k, sizeof inv - k, "N%u,S%d,%u,0,%u,2026-11-01,%.2f\n",
                                      i, s, (unsigned)ordo_rng_below(r, 8),
                                      (unsigned)ordo_rng_below(r, 2),
                                      0.05 + 0.1 * ((i * 7 + (unsigned)s * 3) % 5));
    in->net = build_net(nodes, cat, inv);
    uint32_t nl = lo + (uint32_t)ordo_rng_below(r, hi - lo + 1);
    k = (size_t)snprintf(in->order, sizeof in->order,
                         "{\"id\":\"o\",\"created\":\"2026-03-%02uT%02u:10:00Z\",\"ship_to\":"
                         "{\"zip\":\"%s\"},\"service_level\":\"%s\",\"lines\":[",
                         2 + (unsigned)ordo_rng_below(r, 20), (unsigned)ordo_rng_below(r, 24),
                         zips[ordo_rng_below(r, N_ZIPS)],
                         ordo_rng_below(r, 3) ? "standard" : "express");
    write_random_lines(in->order, sizeof in->order, k, r, N_SKUS, nl, qty_1_to_3);
}

typedef struct tally {
    uint32_t decided, ok, split, differ;
} tally_t;

static void compare_one(ordo_engine_t *eng, const ordo_policy_t *p, const inst_t *in,
                        ordo_arena_t *a, tally_t *t)
{
    ordo_arena_reset(a);
    ordo_order_t o;
    parse_order(in->net, a, in->order, &o);
    ordo_source_exact_pruning(true);
    ordo_plan_t *pruned = decide(eng, p, &o, a, false);
    ordo_source_exact_pruning(false);
    ordo_plan_t *full = decide(eng, p, &o, a, false);
    ordo_source_exact_pruning(true);
    t->decided++;
    t->ok += pruned->status == ORDO_PLAN_OK;
    t->split += pruned->status == ORDO_PLAN_OK && pruned->n_shipments > 1;
    if (!same_plan(pruned, full)) {
        if (t->differ++ < 5)
            fprintf(stderr,
                    "%s: pruned %s %.12g (%u shipments), unpruned %s %.12g (%u)\norder %s\n",
                    p->name, ordo_plan_status_name(pruned->status), pruned->score_vec[0],
                    pruned->n_shipments, ordo_plan_status_name(full->status), full->score_vec[0],
                    full->n_shipments, in->order);
    }
}

static void run(uint64_t seed, int iters, uint32_t n_lo, uint32_t n_hi, uint32_t l_lo,
                uint32_t l_hi, tally_t *t)
{
    const char *const *names = ordo_policy_builtin_names();
    uint32_t nb = 0;
    while (names[nb])
        nb++;
    ordo_rng_t r;
    ordo_rng_seed(&r, seed);
    ordo_arena_t *a = ordo_arena_create(0);
    for (int it = 0; it < iters; it++) {
        inst_t in;
        uint32_t nn = n_lo + (uint32_t)ordo_rng_below(&r, n_hi - n_lo + 1);
        make_instance(&r, &in, nn, l_lo, l_hi);
        ordo_engine_t *eng;
        ordo_error_t err = {0};
        assert_int_equal(ordo_engine_create(in.net, NULL, &eng, &err), ORDO_OK);
        for (uint32_t i = 0; i < nb + N_EXTRA; i++) {
            ordo_policy_t *p = i < nb ? builtin(names[i]) : policy_from(extra[i - nb]);
            compare_one(eng, p, &in, a, t);
            ordo_policy_destroy(p);
        }
        ordo_engine_destroy(eng);
        ordo_network_destroy(in.net);
    }
    ordo_arena_destroy(a);
}

/* iters instances of n_lo..n_hi nodes and l_lo..l_hi lines: every plan
 * the same, with enough plans (and splits) to have searched line groups */
static void check(const char *what, uint64_t seed, int iters, uint32_t n_lo, uint32_t n_hi,
                  uint32_t l_lo, uint32_t l_hi)
{
    tally_t t = {0};
    run(seed, iters, n_lo, n_hi, l_lo, l_hi, &t);
    fprintf(stderr, "%s: %u decisions, %u plans (%u split), %u differ\n", what, t.decided, t.ok,
            t.split, t.differ);
    assert_true(t.ok > t.decided / 3);
    assert_true(t.split > t.decided / 20);
    assert_int_equal(t.differ, 0);
}

static void test_pruned_equals_unpruned_small(void **state)
{
    (void)state;
    check("small", 20261206, 300, 2, 5, 1, 3);
}

static void test_pruned_equals_unpruned_medium(void **state)
{
    (void)state;
    check("medium", 7, 200, 6, 14, 3, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pruned_equals_unpruned_small),
        cmocka_unit_test(test_pruned_equals_unpruned_medium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
