/* SPDX-License-Identifier: Apache-2.0 */
/* Learned lanes in the engine (src/source/lanes.c): a lane table changes the
 * on-time probability and ETA decisions are timed with, the plan names it,
 * a policy with "eta": "published" ignores it, tables swap, and deciding
 * with one allocates nothing per order. */
#include "testutil.h"
#include "ordo/lanes.h"

#define EXNET ORDO_SOURCE_DIR "/docs/examples/network"
#define EXORDER ORDO_SOURCE_DIR "/docs/examples/order.json"

typedef struct fx {
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_arena_t *oa, *a;
    ordo_order_t order;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    char *text;
    size_t len;
    if (ordo_network_load(EXNET, NULL, &f->net, NULL) ||
        ordo_engine_create(f->net, NULL, &f->eng, NULL) || ordo_read_file(EXORDER, &text, &len, NULL))
        return -1;
    f->oa = ordo_arena_create(0);
    f->a = ordo_arena_create(0);
    int rc = ordo_order_parse(text, len, f->net, f->oa, &f->order, NULL);
    free(text);
    *state = f;
    return rc;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    ordo_engine_destroy(f->eng);
    ordo_network_destroy(f->net);
    ordo_arena_destroy(f->oa);
    ordo_arena_destroy(f->a);
    free(f);
    return 0;
}

/* Every lane of the network takes `days` delivery days for sure. */
static ordo_lanes_t *certain_lanes(const ordo_network_t *net, int days, const char *version)
{
    ordo_lanes_t *l = ordo_lanes_new(net->n_nodes, net->n_services, 1);
    assert_non_null(l);
    double pmf[ORDO_TRANSIT_DAYS] = {0};
    pmf[days] = 1;
    ordo_lanes_set_pmf(l, 0, pmf);
    memset(l->lane, 0, ordo_lanes_cells(l) * sizeof *l->lane);
    snprintf(l->version, sizeof l->version, "%s", version);
    return l;
}

static void test_lanes_time_the_plan(void **state)
{
    fx_t *f = *state;
    ordo_policy_t *p = builtin("default");
    ordo_plan_t *base = decide(f->eng, p, &f->order, f->a, false);
    assert_null(base->eta_model);
    double ot0 = base->shipments[0].on_time_prob;
    assert_true(ot0 > 0.5);
    ordo_arena_t *a2 = ordo_arena_create(0);
    /* every lane 15 days: nothing is on time, the ETA is far */
    ordo_engine_set_lanes(f->eng, certain_lanes(f->net, 15, "slow-v1:00000000"));
    ordo_plan_t *slow = decide(f->eng, p, &f->order, a2, false);
    assert_string_equal(slow->eta_model, "slow-v1:00000000");
    assert_true(slow->shipments[0].on_time_prob < 0.05);
    assert_true(slow->shipments[0].eta_p50_days >= 15);
    /* the tail sums: E[max(0, T − k)] of a certain 15 */
    const ordo_lanes_t *l = ordo_engine_lanes(f->eng);
    assert_true(fabs(l->dists[0].tail[0] - 15) < 1e-12);
    assert_true(fabs(l->dists[0].tail[10] - 5) < 1e-12);
    /* the policy says published: the table is ignored */
    p->eta_published = true;
    ordo_arena_reset(a2);
    ordo_plan_t *pub = decide(f->eng, p, &f->order, a2, false);
    assert_null(pub->eta_model);
    assert_true(pub->shipments[0].on_time_prob == ot0);
    p->eta_published = false;
    /* swapped for a fast table (the slow one is kept until destroy) */
    ordo_engine_set_lanes(f->eng, certain_lanes(f->net, 1, "fast-v2:11111111"));
    ordo_arena_reset(a2);
    ordo_plan_t *fast = decide(f->eng, p, &f->order, a2, false);
    assert_string_equal(fast->eta_model, "fast-v2:11111111");
    assert_true(fast->shipments[0].on_time_prob >= ot0);
    /* back to the published histograms */
    ordo_engine_set_lanes(f->eng, NULL);
    ordo_arena_reset(a2);
    assert_null(decide(f->eng, p, &f->order, a2, false)->eta_model);
    ordo_arena_destroy(a2);
    ordo_policy_destroy(p);
}

static void test_policy_eta_field(void **state)
{
    (void)state;
    const char *doc = "{\"name\":\"t\",\"eta\":\"published\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                      "\"weights\":{\"cost\":1}}]}";
    ordo_policy_t *p;
    ordo_error_t err = {0};
    int rc = ordo_policy_parse(doc, strlen(doc), "t", &p, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", err.field, err.msg);
    assert_int_equal(rc, ORDO_OK);
    assert_true(p->eta_published);
    ordo_policy_destroy(p);
    const char *bad = "{\"name\":\"t\",\"eta\":\"eta-v1\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\","
                      "\"weights\":{\"cost\":1}}]}";
    assert_int_not_equal(ordo_policy_parse(bad, strlen(bad), "t", &p, &err), ORDO_OK);
    assert_string_equal(err.field, "eta");
}

static void test_no_malloc_with_lanes(void **state)
{
    fx_t *f = *state;
    ordo_policy_t *p = builtin("default");
    ordo_engine_set_lanes(f->eng, certain_lanes(f->net, 3, "t-v1:22222222"));
    ordo_plan_t *plan;
    for (int i = 0; i < 3; i++) {
        ordo_arena_reset(f->a);
        assert_int_equal(ordo_source_decide(f->eng, p, &f->order, NULL, f->a, &plan, NULL), 0);
    }
    size_t before = ordo_arena_block_allocs(f->a);
    for (int i = 0; i < 200; i++) {
        ordo_arena_reset(f->a);
        assert_int_equal(ordo_source_decide(f->eng, p, &f->order, NULL, f->a, &plan, NULL), 0);
    }
    assert_int_equal(ordo_arena_block_allocs(f->a), before);
    assert_non_null(plan->eta_model);
    ordo_policy_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lanes_time_the_plan, setup, teardown),
        cmocka_unit_test(test_policy_eta_field),
        cmocka_unit_test_setup_teardown(test_no_malloc_with_lanes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
