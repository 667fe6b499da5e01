/* SPDX-License-Identifier: Apache-2.0 */
/* Engine behaviour on the fixture network (tests/fixtures/source/net):
 * pickup, fallback, backorder reasons, capacity, safety stock, line splits,
 * guardrails, explanations, reservations under threads, no malloc per
 * decision, determinism and the decision record. */
#include <pthread.h>

#include "testutil.h"

typedef struct fx {
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_arena_t *a;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    f->net = load_fixture_net();
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(f->net, NULL, &f->eng, &err), ORDO_OK);
    f->a = ordo_arena_create(0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    ordo_arena_destroy(f->a);
    ordo_engine_destroy(f->eng);
    ordo_network_destroy(f->net);
    free(f);
    return 0;
}

#define ORDER(zip, lines)                                                                          \
    "{\"id\":\"t\",\"created\":\"2026-11-24T10:00:00Z\",\"ship_to\":{\"zip\":\"" zip "\"},"        \
    "\"lines\":[" lines "]}"

static ordo_plan_t *run_with(fx_t *f, ordo_policy_t *p, const char *order, bool explain)
{
    ordo_order_t *o = ordo_arena_alloc(f->a, sizeof *o);
    parse_order(f->net, f->a, order, o);
    ordo_plan_t *plan = decide(f->eng, p, o, f->a, explain);
    /* the plan points into the policy for its name: keep a copy */
    plan->policy_name = ordo_arena_strdup(f->a, plan->policy_name);
    plan->policy_version = ordo_arena_strdup(f->a, plan->policy_version);
    if (plan->strategy)
        plan->strategy = ordo_arena_strdup(f->a, plan->strategy);
    ordo_policy_destroy(p);
    return plan;
}

static ordo_plan_t *run(fx_t *f, const char *policy, const char *order, bool explain)
{
    return run_with(f, builtin(policy), order, explain);
}

static void test_nearest_store_for_proximity(void **state)
{
    fx_t *f = *state;
    ordo_plan_t *p =
        run(f, "proximity-first", ORDER("10002", "{\"sku\":\"TEE-1\",\"quantity\":2}"), false);
    assert_int_equal(p->status, ORDO_PLAN_OK);
    assert_int_equal(p->n_shipments, 1);
    assert_string_equal(plan_node(f->net, p, 0), "ST-NYC");
    assert_int_equal(p->shipments[0].zone, 1);
    assert_string_equal(p->search, "exact");
    /* the cost stack adds up: cash, and the economic terms apart */
    const ordo_cost_t *c = &p->shipments[0].cost;
    assert_true(fabs(c->pick + c->pack + c->shipping + c->returns - c->total) < 1e-9);
    assert_true(fabs(c->carrying_relief + c->opportunity - c->economic) < 1e-9);
    assert_true(fabs(c->shipping_base + c->fuel + c->residential + c->peak - c->shipping) < 1e-9);
    assert_true(p->shipments[0].on_time_prob > 0.9);
    assert_true(p->shipments[0].eta_p50_days <= p->shipments[0].eta_p90_days);
    assert_true(p->shipments[0].eta_p90_days <= p->promise_days);
}

static void test_west_coast_goes_west(void **state)
{
    fx_t *f = *state;
    ordo_plan_t *p =
        run(f, "default", ORDER("94110", "{\"sku\":\"BOOK-1\",\"quantity\":1}"), false);
    assert_int_equal(p->status, ORDO_PLAN_OK);
    assert_string_equal(plan_node(f->net, p, 0), "DC-ONTARIO"); /* SF store has no books */
    assert_true(p->shipments[0].zone <= 4);
}

static void test_pickup_stays_with_its_store(void **state)
{
    fx_t *f = *state;
    const char *o =
        "{\"id\":\"p\",\"created\":\"2026-11-24T10:00:00Z\",\"service_level\":\"pickup\","
        "\"pickup_store\":\"ST-SF\",\"lines\":[{\"sku\":\"TEE-1\",\"quantity\":3}]}";
    ordo_plan_t *p = run(f, "store-fulfillment", o, false);
    assert_int_equal(p->status, ORDO_PLAN_OK);
    assert_int_equal(p->n_shipments, 1);
    assert_string_equal(plan_node(f->net, p, 0), "ST-SF");
    assert_int_equal(p->shipments[0].service, ORDO_SERVICE_PICKUP);
    assert_true(p->shipments[0].cost.shipping == 0);
    /* the store is short: unfulfillable, never another node */
    const char *o2 = "{\"id\":\"p2\",\"service_level\":\"pickup\",\"pickup_store\":\"ST-SF\","
                     "\"lines\":[{\"sku\":\"TV-55\",\"quantity\":1}]}";
    p = run(f, "default", o2, false);
    assert_int_equal(p->status, ORDO_PLAN_UNFULFILLABLE);
    assert_int_equal(p->n_backorders, 1);
    assert_string_equal(p->backorders[0].reason, "pickup_store_short");
}

static void test_backorder_reasons(void **state)
{
    fx_t *f = *state;
    /* GONE-1: 3 on hand, safety stock 3 → nothing available */
    ordo_plan_t *p = run(
        f, "default",
        ORDER("30303", "{\"sku\":\"GONE-1\",\"quantity\":1},{\"sku\":\"TEE-1\",\"quantity\":1}"),
        false);
    assert_int_equal(p->status, ORDO_PLAN_UNFULFILLABLE);
    assert_int_equal(p->n_backorders, 2);
    assert_string_equal(p->backorders[0].reason, "out_of_stock");
    assert_string_equal(p->backorders[1].reason, "no_feasible_plan");
    /* RARE-1 × 4: 2 + 2 + 1 in stores and a DC, no split allowed → insufficient */
    p = run(f, "proximity-first", ORDER("10002", "{\"sku\":\"RARE-1\",\"quantity\":4}"), false);
    assert_int_equal(p->status, ORDO_PLAN_UNFULFILLABLE);
    assert_string_equal(p->backorders[0].reason, "insufficient_stock");
    assert_non_null(p->backorders[0].detail);
}

static void test_line_split(void **state)
{
    fx_t *f = *state;
    /* cost-optimized allows splitting one line over nodes */
    ordo_plan_t *p =
        run(f, "cost-optimized", ORDER("10002", "{\"sku\":\"RARE-1\",\"quantity\":4}"), false);
    assert_int_equal(p->status, ORDO_PLAN_OK);
    assert_true(p->n_shipments >= 2);
    uint32_t units = 0;
    for (uint32_t s = 0; s < p->n_shipments; s++)
        for (uint32_t j = 0; j < p->shipments[s].n_lines; j++) {
            assert_int_equal(p->shipments[s].lines[j].line, 0);
            units += p->shipments[s].lines[j].quantity;
        }
    assert_int_equal(units, 4);
    assert_true(p->cost.split > 0);
}

static void test_dropship_only_item(void **state)
{
    fx_t *f = *state;
    /* CHAIR-1 is only at the drop-shipper: proximity-first's main strategy
     * excludes drop-ship, its fallback strategy allows it */
    ordo_plan_t *p =
        run(f, "proximity-first", ORDER("60614", "{\"sku\":\"CHAIR-1\",\"quantity\":1}"), false);
    assert_int_equal(p->status, ORDO_PLAN_OK);
    assert_string_equal(plan_node(f->net, p, 0), "DS-DENVER");
    assert_string_equal(p->strategy, "nearest-any-type");
    p = run(f, "drop-ship", ORDER("10002", "{\"sku\":\"LAMP-1\",\"quantity\":1}"), false);
    assert_int_equal(p->status, ORDO_PLAN_OK);
    assert_string_equal(plan_node(f->net, p, 0), "DS-DENVER"); /* supplier first */
}

static void test_capacity_is_respected(void **state)
{
    fx_t *f = *state;
    /* ST-CHICAGO: capacity 60, load 55: 10 units do not fit */
    ordo_plan_t *p =
        run(f, "store-fulfillment", ORDER("60601", "{\"sku\":\"TEE-1\",\"quantity\":10}"), true);
    assert_int_equal(p->status, ORDO_PLAN_OK);
    assert_string_not_equal(plan_node(f->net, p, 0), "ST-CHICAGO");
    bool seen = false;
    for (uint32_t i = 0; i < p->n_candidates; i++)
        if (!strcmp(f->net->nodes[p->candidates[i].node].id, "ST-CHICAGO")) {
            assert_false(p->candidates[i].feasible);
            assert_string_equal(p->candidates[i].excluded_by, "capacity");
            seen = true;
        }
    assert_true(seen);
    /* 3 units fit the capacity (58 of 60) ... */
    ordo_policy_t *pol =
        policy_from("{\"name\":\"stores\",\"strategies\":[{\"name\":\"s\",\"type\":\"criteria\","
                    "\"criteria\":[{\"criterion\":\"node_type\",\"order\":[\"store\",\"dc\"]},"
                    "{\"criterion\":\"zone\"}]}]}");
    ordo_order_t o;
    parse_order(f->net, f->a, ORDER("60601", "{\"sku\":\"TEE-1\",\"quantity\":3}"), &o);
    p = decide(f->eng, pol, &o, f->a, false);
    assert_string_equal(plan_node(f->net, p, 0), "ST-CHICAGO");
    /* 58 of 60 units: ((58/60 - 0.7) / 0.3)^2 */
    assert_true(fabs(p->shipments[0].load_penalty - pow((58.0 / 60 - 0.7) / 0.3, 2)) < 1e-9);
    ordo_policy_destroy(pol);
    /* ... but store-fulfillment's load criterion (max 0.9) excludes it */
    p = run(f, "store-fulfillment", ORDER("60601", "{\"sku\":\"TEE-1\",\"quantity\":3}"), true);
    assert_string_not_equal(plan_node(f->net, p, 0), "ST-CHICAGO");
    for (uint32_t i = 0; i < p->n_candidates; i++)
        if (!strcmp(f->net->nodes[p->candidates[i].node].id, "ST-CHICAGO"))
            assert_string_equal(p->candidates[i].excluded_by, "criterion:load");
}

static void test_rural_guardrail(void **state)
{
    fx_t *f = *state;
    /* 59001 (rural Montana): the guardrail example of docs/policies.md on a
     * minimum-cost strategy never ships from beyond zone 6 */
    static const char rural[] =
        "{\"name\": \"rural-guard\", \"constraints\": {\"max_shipments\": 3, "
        "\"allow_line_split\": true, \"guardrails\": [{\"when\": {\"path\": \"order.rural\", "
        "\"op\": \"eq\", \"value\": true}, \"max_zone\": 6}]}, \"strategies\": [{\"name\": "
        "\"min-cost\", \"type\": \"weighted\", \"weights\": {\"cost\": 1, \"on_time\": 0, "
        "\"return_risk\": 0, \"load\": 0}}]}";
    ordo_plan_t *p = run_with(f, policy_from(rural),
                              ORDER("59001", "{\"sku\":\"TEE-1\",\"quantity\":1}"), true);
    assert_int_equal(p->status, ORDO_PLAN_OK);
    for (uint32_t s = 0; s < p->n_shipments; s++)
        assert_true(p->shipments[s].zone <= 6);
    bool guard = false;
    for (uint32_t i = 0; i < p->n_candidates; i++)
        if (p->candidates[i].excluded_by &&
            !strncmp(p->candidates[i].excluded_by, "guardrail", 9)) {
            assert_true(p->candidates[i].zone > 6);
            guard = true;
        }
    assert_true(guard); /* the east-coast nodes were excluded by it */
}

static void test_explain_lists_every_candidate(void **state)
{
    fx_t *f = *state;
    ordo_plan_t *p = run(
        f, "default",
        ORDER("10002", "{\"sku\":\"TEE-1\",\"quantity\":1},{\"sku\":\"SHOE-1\",\"quantity\":1}"),
        true);
    assert_true(p->explained);
    uint32_t chosen = 0, outscored = 0;
    for (uint32_t i = 0; i < p->n_candidates; i++) {
        const ordo_candidate_t *c = &p->candidates[i];
        if (c->chosen)
            chosen++;
        else if (c->feasible) {
            outscored++;
            assert_non_null(c->lost_on);
            assert_true(c->gap >= -1e-9); /* nothing beats the chosen plan */
        } else {
            assert_non_null(c->excluded_by);
        }
    }
    assert_int_equal(chosen, p->n_shipments);
    assert_true(outscored > 0);
    assert_true(p->n_alternatives >= 2); /* one shipment, or two */
    char *json = plan_json(p, f->net);
    assert_non_null(strstr(json, "\"explain\""));
    assert_non_null(strstr(json, "\"verdict\":\"chosen\""));
    free(json);
}

static void test_fallback_when_forced(void **state)
{
    fx_t *f = *state;
    ordo_order_t o;
    parse_order(f->net, f->a, ORDER("10002", "{\"sku\":\"TEE-1\",\"quantity\":1}"), &o);
    ordo_policy_t *p = builtin("default");
    ordo_decide_opts_t opts = {0};
    opts.force_fallback = true;
    ordo_plan_t *plan;
    ordo_error_t err = {0};
    assert_int_equal(ordo_source_decide(f->eng, p, &o, &opts, f->a, &plan, &err), ORDO_OK);
    assert_int_equal(plan->status, ORDO_PLAN_FALLBACK);
    assert_string_equal(plan_node(f->net, plan, 0), "ST-NYC"); /* nearest with full stock */
    /* a passed deadline also falls back */
    opts.force_fallback = false;
    opts.deadline_ns = 1;
    assert_int_equal(ordo_source_decide(f->eng, p, &o, &opts, f->a, &plan, &err), ORDO_OK);
    assert_int_equal(plan->status, ORDO_PLAN_FALLBACK);
    assert_string_equal(plan->fallback_reason, "deadline passed");
    /* no policy at all */
    assert_int_equal(ordo_source_decide(f->eng, NULL, &o, NULL, f->a, &plan, &err), ORDO_OK);
    assert_int_equal(plan->status, ORDO_PLAN_FALLBACK);
    ordo_policy_destroy(p);
}

static void test_deterministic_and_record(void **state)
{
    fx_t *f = *state;
    const char *o =
        ORDER("30303", "{\"sku\":\"TEE-1\",\"quantity\":1},{\"sku\":\"LAMP-1\",\"quantity\":1},"
                       "{\"sku\":\"SHOE-1\",\"quantity\":2}");
    ordo_plan_t *a = run(f, "default", o, false);
    ordo_plan_t *b = run(f, "default", o, false);
    a->latency_ns = b->latency_ns = 0;
    char *ja = plan_json(a, f->net), *jb = plan_json(b, f->net);
    assert_string_equal(ja, jb);
    free(ja);
    free(jb);
    /* the decision record around the plan: tests/record */
}

static void test_no_malloc_per_decision(void **state)
{
    fx_t *f = *state;
    ordo_policy_t *p = builtin("default");
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    ordo_arena_t *oa = ordo_arena_create(0);
    parse_order(f->net, oa,
                ORDER("30303",
                      "{\"sku\":\"TEE-1\",\"quantity\":1},{\"sku\":\"LAMP-1\",\"quantity\":1},"
                      "{\"sku\":\"SHOE-1\",\"quantity\":2},{\"sku\":\"BOOK-1\",\"quantity\":1}"),
                &o);
    ordo_plan_t *plan;
    for (int i = 0; i < 3; i++) {
        ordo_arena_reset(a);
        assert_int_equal(ordo_source_decide(f->eng, p, &o, NULL, a, &plan, NULL), ORDO_OK);
    }
    size_t before = ordo_arena_block_allocs(a);
    for (int i = 0; i < 200; i++) {
        ordo_arena_reset(a);
        assert_int_equal(ordo_source_decide(f->eng, p, &o, NULL, a, &plan, NULL), ORDO_OK);
    }
    assert_int_equal(ordo_arena_block_allocs(a), before);
    ordo_arena_destroy(a);
    ordo_arena_destroy(oa);
    ordo_policy_destroy(p);
}

typedef struct race {
    fx_t *f;
    const ordo_policy_t *p;
    int ok;
} race_t;

static void *race_main(void *arg)
{
    race_t *r = arg;
    ordo_arena_t *a = ordo_arena_create(0);
    for (int i = 0; i < 20; i++) {
        ordo_arena_reset(a);
        ordo_order_t o;
        ordo_error_t err;
        const char *j = ORDER("10002", "{\"sku\":\"RARE-1\",\"quantity\":1}");
        if (ordo_order_parse(j, strlen(j), r->f->net, a, &o, &err))
            continue;
        ordo_decide_opts_t opts = {0};
        opts.reserve = true;
        ordo_plan_t *plan;
        if (ordo_source_decide(r->f->eng, r->p, &o, &opts, a, &plan, &err) == ORDO_OK &&
            plan->status != ORDO_PLAN_UNFULFILLABLE && plan->reserved)
            r->ok++;
    }
    ordo_arena_destroy(a);
    return NULL;
}

static void test_reservations_never_oversell(void **state)
{
    fx_t *f = *state;
    ordo_policy_t *p = builtin("default");
    int32_t before = 0;
    int32_t rare = ordo_network_sku(f->net, "RARE-1");
    ordo_stock_range_t r = ordo_inventory_sku_cells(f->net->inventory, (uint32_t)rare);
    for (uint32_t c = r.begin; c < r.end; c++)
        before += ordo_inventory_atp(f->net->inventory, c);
    assert_int_equal(before, 5);
    pthread_t t[4];
    race_t rs[4];
    for (int i = 0; i < 4; i++) {
        rs[i] = (race_t){f, p, 0};
        pthread_create(&t[i], NULL, race_main, &rs[i]);
    }
    int ok = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ok += rs[i].ok;
    }
    assert_int_equal(ok, 5); /* exactly the available units, never more */
    int32_t after = 0;
    for (uint32_t c = r.begin; c < r.end; c++)
        after += ordo_inventory_atp(f->net->inventory, c);
    assert_int_equal(after, 0);
    ordo_policy_destroy(p);
}

static void test_price_matches_decision(void **state)
{
    fx_t *f = *state;
    ordo_policy_t *p = builtin("default");
    ordo_order_t o;
    parse_order(
        f->net, f->a,
        ORDER("30303", "{\"sku\":\"TEE-1\",\"quantity\":1},{\"sku\":\"LAMP-1\",\"quantity\":1}"),
        &o);
    ordo_plan_t *d = decide(f->eng, p, &o, f->a, false);
    char *json = plan_json(d, f->net);
    ordo_plan_spec_t spec;
    ordo_error_t err = {0};
    assert_int_equal(ordo_plan_spec_parse(json, strlen(json), f->net, &o, f->a, &spec, &err),
                     ORDO_OK);
    ordo_plan_t *pr;
    assert_int_equal(ordo_source_price(f->eng, p, &o, &spec, f->a, &pr, &err), ORDO_OK);
    assert_int_equal(pr->n_backorders, 0);
    assert_true(fabs(pr->cost.total - d->cost.total) < 1e-9);
    assert_true(fabs(pr->score - d->score) < 1e-9);
    free(json);
    /* a worse hand-made plan scores lower, and a bad one names its field */
    const char *alt = "{\"shipments\":[{\"node\":\"DC-ONTARIO\",\"lines\":[{\"line\":0}]},"
                      "{\"node\":\"DC-EDISON\",\"service\":\"parcel_two_day\",\"lines\":[{\"sku\":"
                      "\"LAMP-1\"}]}]}";
    assert_int_equal(ordo_plan_spec_parse(alt, strlen(alt), f->net, &o, f->a, &spec, &err),
                     ORDO_OK);
    assert_int_equal(ordo_source_price(f->eng, p, &o, &spec, f->a, &pr, &err), ORDO_OK);
    assert_true(pr->score < d->score);
    const char *bad = "{\"shipments\":[{\"node\":\"NOPE\",\"lines\":[{\"line\":0}]}]}";
    assert_int_equal(ordo_plan_spec_parse(bad, strlen(bad), f->net, &o, f->a, &spec, &err),
                     ORDO_ENOTFOUND);
    assert_string_equal(err.field, "shipments[0].node");
    ordo_policy_destroy(p);
}

/* A SKU stocked at more nodes than the scan limit: the search walks the
 * nearest nodes ("bounded"), and still finds a far node when only it has
 * the quantity. */
static void test_many_nodes_walk(void **state)
{
    (void)state;
    static const char *const zips[] = {"02139", "08817", "10001", "19103", "30336", "60601",
                                       "80202", "82001", "91761", "94103", "98101", "59001"};
    char nodes[32768], inv[16384];
    size_t k = (size_t)snprintf(nodes, sizeof nodes, "[");
    size_t q = (size_t)snprintf(inv, sizeof inv, "node,sku,on_hand,reserved,safety_stock,as_of\n");
    for (int i = 0; i < 48; i++) {
        k += (size_t)snprintf(nodes + k, sizeof nodes - k,
                              "%s{\"id\":\"S%02d\",\"type\":\"store\",\"zip\":\"%s\","
                              "\"capabilities\":[\"ship\"],\"daily_capacity\":500,"
                              "\"pick_cost_per_unit\":1,\"pack_cost_per_shipment\":1,"
                              "\"services\":[\"parcel_ground\"]}",
                              i ? "," : "", i, zips[i % 12]);
        /* A: 5 everywhere; B: 1 everywhere but 9 at one far store (Seattle) */
        q += (size_t)snprintf(inv + q, sizeof inv - q,
                              "S%02d,A,5,0,0,2026-11-01\nS%02d,B,%d,0,0,2026-11-01\n", i, i,
                              i == 10 ? 9 : 1);
    }
    snprintf(nodes + k, sizeof nodes - k, "]");
    ordo_network_t *net =
        build_net(nodes,
                  "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate\n"
                  "A,apparel,1,5,5,5,20,0.1\nB,apparel,1,5,5,5,20,0.1\n",
                  inv);
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = builtin("default");
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a, ORDER("10002", "{\"sku\":\"A\",\"quantity\":2}"), &o);
    ordo_plan_t *plan = decide(eng, p, &o, a, false);
    assert_int_equal(plan->status, ORDO_PLAN_OK);
    assert_string_equal(plan->search, "bounded");
    assert_true(plan->shipments[0].zone <= 2);
    parse_order(net, a, ORDER("10002", "{\"sku\":\"B\",\"quantity\":8}"), &o);
    plan = decide(eng, p, &o, a, false);
    assert_int_equal(plan->status, ORDO_PLAN_OK);
    assert_string_equal(plan_node(net, plan, 0), "S10");
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nearest_store_for_proximity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_west_coast_goes_west, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pickup_stays_with_its_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backorder_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropship_only_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_is_respected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rural_guardrail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explain_lists_every_candidate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_when_forced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic_and_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_malloc_per_decision, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reservations_never_oversell, setup, teardown),
        cmocka_unit_test_setup_teardown(test_price_matches_decision, setup, teardown),
        cmocka_unit_test(test_many_nodes_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
