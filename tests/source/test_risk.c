/* SPDX-License-Identifier: Apache-2.0 */
/* The risk terms (docs/internals/SOURCING.md, "Risk terms"; the policy's
 * "risk" and "carrier_caps", docs/policies.md): stale stock (a week-old
 * store count loses to a fresh DC count, the confidence against
 * tools/fixtures/source/make_stock_confidence.py), customer value (a gold
 * customer's lateness costs more), cancellation risk (a later service
 * carries more of it, and it enters the score), carrier caps (a carrier at
 * its share of the window is not chosen; reservations fill the window), and
 * the policy fields' validation. */
#include "testutil.h"

#define NODE(id, type, zip, pick, svcs)                                                            \
    "{\"id\":\"" id "\",\"type\":\"" type "\",\"zip\":\"" zip "\",\"capabilities\":[\"ship\"],"    \
    "\"daily_capacity\":100000,\"pick_cost_per_unit\":" pick ",\"pack_cost_per_shipment\":1.0,"    \
    "\"cutoff_hour\":15,\"services\":[" svcs "]}"

static const char *catalog =
    "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate,unit_cost,daily_demand\n"
    "W,home,1.0,6,4,2,50.00,0,20,\n";

#ifndef GOLD_PICK
#define GOLD_PICK "25.5"
#endif
#define CREATED "2026-11-24T10:00:00Z"
#define ORDER_NY(extra)                                                                            \
    "{\"id\":\"o\",\"created\":\"" CREATED "\",\"ship_to\":{\"zip\":\"10002\"}" extra              \
    ",\"lines\":[{\"sku\":\"W\",\"quantity\":1}]}"

static const char *stale_policy =
    "{\"name\":\"stale\",\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}],"
    "\"risk\":{\"stale_stock\":{}}}";
static const char *plain_policy =
    "{\"name\":\"plain\",\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}]}";

/* A DC and a store side by side (same ZIP, services, demand and ATP); the
 * store picks 50 cents cheaper. The store's count dates from store_as_of,
 * the DC's from an hour before the order. */
static ordo_network_t *side_by_side(const char *store_as_of)
{
    char inv[512];
    snprintf(inv, sizeof inv,
             "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\n"
             "DC-A,W,10,0,0,2026-11-24T09:00:00Z,0.5\n"
             "ST-B,W,10,0,0,%s,0.5\n",
             store_as_of);
    return build_net("[" NODE("DC-A", "dc", "08817", "1.0", "\"parcel_ground\"") "," NODE(
                         "ST-B", "store", "08817", "0.5", "\"parcel_ground\"") "]",
                     catalog, inv);
}

static const char *decided_node(ordo_network_t *net, const char *policy_json, const char *order)
{
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = policy_from(policy_json);
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a, order, &o);
    ordo_plan_t *plan = decide(eng, p, &o, a, false);
    assert_int_equal(plan->n_shipments, 1);
    const char *id = plan_node(net, plan, 0);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    return id;
}

static void test_week_old_store_count_loses_to_dc(void **s)
{
    (void)s;
    /* the store's count a week old: the DC, despite its dearer pick */
    ordo_network_t *net = side_by_side("2026-11-17T10:00:00Z");
    assert_string_equal(decided_node(net, stale_policy, ORDER_NY("")), "DC-A");
    /* without the term the cheaper store ships */
    assert_string_equal(decided_node(net, plain_policy, ORDER_NY("")), "ST-B");
    ordo_network_destroy(net);
    /* the same store counted an hour ago: the store again */
    net = side_by_side("2026-11-24T09:00:00Z");
    assert_string_equal(decided_node(net, stale_policy, ORDER_NY("")), "ST-B");
    ordo_network_destroy(net);
}

/* The plan shows the confidence it used: the week-old store and the
 * hour-old DC of the fixture, and every fixture case by the public
 * function. */
static void test_confidence_against_reference(void **s)
{
    (void)s;
    char *text = read_text(ORDO_SOURCE_DIR "/tests/fixtures/source/stock_confidence.json", NULL);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    const cJSON *c;
    double want_store = -1, want_dc = -1;
    int n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cases"))
    {
#define NUM(k) cJSON_GetObjectItemCaseSensitive(c, k)->valuedouble
        double got = ordo_stock_confidence(NUM("age_hours"), NUM("half_life_hours"), NUM("atp"),
                                           NUM("need"));
        assert_true(fabs(got - NUM("confidence")) < 1e-9);
        const char *label = cJSON_GetObjectItemCaseSensitive(c, "label")->valuestring;
        if (!strcmp(label, "store_week_old"))
            want_store = NUM("confidence");
        if (!strcmp(label, "dc_hour_old"))
            want_dc = NUM("confidence");
        n++;
#undef NUM
    }
    cJSON_Delete(root);
    assert_int_equal(n, 7);
    ordo_network_t *net = side_by_side("2026-11-17T10:00:00Z");
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = policy_from(stale_policy);
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a, ORDER_NY(""), &o);
    ordo_plan_t *plan = decide(eng, p, &o, a, true);
    assert_true(plan->shipments[0].risk.set);
    assert_true(fabs(plan->shipments[0].risk.stock_confidence - want_dc) < 1e-9);
    assert_true(fabs(plan->shipments[0].risk.short_pick - 15 * (1 - want_dc)) < 1e-9);
    /* the store, priced: its confidence and short-pick cost */
    ordo_plan_t *priced =
        price_text(eng, p, &o, "{\"shipments\":[{\"node\":\"ST-B\",\"lines\":[{\"line\":0}]}]}", a);
    assert_true(fabs(priced->shipments[0].risk.stock_confidence - want_store) < 1e-9);
    assert_true(fabs(priced->risk.short_pick - 15 * (1 - want_store)) < 1e-9);
    char *json = plan_json(plan, net);
    assert_non_null(strstr(json, "\"stock_confidence\":0.9999"));
    free(json);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* Cancellation: an express order from the west coast to New York is late
 * by ground and on time by two-day; the later service carries the larger
 * expected cancellation, priced as P × (per shipment + share × value), and
 * the score carries it at the cost weight. */
static const char *cancel_policy =
    "{\"name\":\"cancel\",\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}],"
    "\"risk\":{\"cancellation\":{\"base\":0.02,\"per_day_late\":0.1,\"max\":0.6,"
    "\"cost_per_shipment\":5,\"value_share\":0.3}}}";

static ordo_plan_t *price_service(ordo_engine_t *eng, const ordo_policy_t *p, const ordo_order_t *o,
                                  const char *svc, ordo_arena_t *a)
{
    char spec_text[256];
    snprintf(spec_text, sizeof spec_text,
             "{\"shipments\":[{\"node\":\"DC-W\",\"service\":\"%s\",\"lines\":[{\"line\":0}]}]}",
             svc);
    return price_text(eng, p, o, spec_text, a);
}

static ordo_network_t *west_dc(void)
{
    return build_net(
        "[" NODE("DC-W", "dc", "91761", "0.5", "\"parcel_ground\",\"parcel_two_day\"") "]", catalog,
        "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\n"
        "DC-W,W,100,0,0,,0.5\n");
}

static void test_later_service_more_cancellation(void **s)
{
    (void)s;
    ordo_network_t *net = west_dc();
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = policy_from(cancel_policy), *plain = policy_from(plain_policy);
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a,
                "{\"id\":\"x\",\"created\":\"" CREATED "\",\"service_level\":\"express\","
                "\"ship_to\":{\"zip\":\"10002\"},\"lines\":[{\"sku\":\"W\",\"quantity\":1}]}",
                &o);
    ordo_plan_t *ground = price_service(eng, p, &o, "parcel_ground", a);
    ordo_plan_t *fast = price_service(eng, p, &o, "parcel_two_day", a);
    const ordo_risk_t *rg = &ground->shipments[0].risk, *rf = &fast->shipments[0].risk;
    fprintf(stderr, "ground: P(on time) %.4f P(cancel) %.4f $%.4f; two-day: %.4f %.4f $%.4f\n",
            ground->on_time_prob, rg->cancel_prob, rg->cancellation, fast->on_time_prob,
            rf->cancel_prob, rf->cancellation);
    assert_true(rg->set && rf->set);
    assert_true(rg->cancel_prob > rf->cancel_prob + 0.05);
    assert_true(rf->cancel_prob >= 0.02 - 1e-12 && rg->cancel_prob <= 0.6 + 1e-12);
    assert_true(rg->cancellation > rf->cancellation);
    assert_true(fabs(rg->cancellation - rg->cancel_prob * (5 + 0.3 * 50)) < 1e-9);
    assert_true(fabs(rg->total - rg->cancellation) < 1e-12 && rg->short_pick == 0);
    /* in the score at the cost weight (1): the same shipment without the
     * term scores higher by exactly its expected cancellation */
    ordo_plan_t *fast0 = price_service(eng, plain, &o, "parcel_two_day", a);
    assert_false(fast0->shipments[0].risk.set);
    assert_true(rf->cancellation > 0.5);
    assert_true(fabs(fast0->score - fast->score - rf->cancellation) < 1e-9);
    assert_true(fabs(fast0->cost.total - fast->cost.total) < 1e-12); /* not cash */
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_policy_destroy(plain);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* Customer value: the west DC ships cheap and often late, a New York store
 * dearer and on time. A new customer's order goes west; a gold customer's
 * (cohort weight 4) lateness and cancellation weigh four times as much, and
 * it ships from the store. Lifetime value over the reference weighs the
 * same way, capped. */
static const char *gold_policy =
    "{\"name\":\"gold\",\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}],"
    "\"risk\":{\"customer_value\":{\"cohorts\":{\"gold\":4,\"new\":1},\"ltv_reference\":1000,"
    "\"ltv_max_weight\":4},\"cancellation\":{}}}";

static ordo_network_t *west_and_store(void)
{
    return build_net("[" NODE("DC-W", "dc", "91761", "0.5", "\"parcel_ground\"") "," NODE(
                         "ST-NY", "store", "10001", GOLD_PICK, "\"parcel_ground\"") "]",
                     catalog,
                     "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\n"
                     "DC-W,W,100,0,0,,0.5\n"
                     "ST-NY,W,100,0,0,,0.5\n");
}

static void test_gold_customer_lateness_costs_more(void **s)
{
    (void)s;
    ordo_network_t *net = west_and_store();
    {
        /* the margins: each node's score for a new and a gold customer */
        ordo_engine_t *eng;
        ordo_error_t err = {0};
        assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
        ordo_policy_t *p = policy_from(gold_policy);
        ordo_arena_t *a = ordo_arena_create(0);
        for (int g = 0; g < 2; g++) {
            ordo_order_t o;
            parse_order(net, a, g ? ORDER_NY(",\"customer\":{\"cohort\":\"gold\"}") : ORDER_NY(""),
                        &o);
            ordo_plan_t *pl = decide(eng, p, &o, a, true);
            for (uint32_t k = 0; k < pl->n_candidates; k++)
                fprintf(stderr, "%s: %s score %.4f\n", g ? "gold" : "new",
                        net->nodes[pl->candidates[k].node].id, pl->candidates[k].score);
        }
        ordo_arena_destroy(a);
        ordo_policy_destroy(p);
        ordo_engine_destroy(eng);
    }
    const char *gold = ORDER_NY(",\"customer\":{\"id\":\"c1\",\"cohort\":\"gold\"}");
    const char *fresh = ORDER_NY(",\"customer\":{\"id\":\"c2\",\"cohort\":\"new\"}");
    const char *rich = ORDER_NY(",\"customer\":{\"id\":\"c3\",\"lifetime_value\":9000}");
    const char *modest = ORDER_NY(",\"customer\":{\"id\":\"c4\",\"lifetime_value\":900}");
    assert_string_equal(decided_node(net, gold_policy, fresh), "DC-W");
    assert_string_equal(decided_node(net, gold_policy, gold), "ST-NY");
    assert_string_equal(decided_node(net, gold_policy, rich), "ST-NY");
    assert_string_equal(decided_node(net, gold_policy, modest), "DC-W");
    /* without the weight the gold customer's order goes west too */
    assert_string_equal(decided_node(net, cancel_policy, gold), "DC-W");
    /* the weight the plan shows */
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = policy_from(gold_policy);
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a, rich, &o);
    ordo_plan_t *plan = decide(eng, p, &o, a, false);
    assert_true(plan->risk.set);
    assert_true(plan->risk.value_weight == 4);
    parse_order(net, a, gold, &o);
    plan = decide(eng, p, &o, a, false);
    assert_true(plan->shipments[0].risk.value_weight == 4);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* ---- carrier caps ---- */

/* One DC with the fixture's parcel_ground and a dearer copy of it by
 * another carrier (rival_ground: 30% fuel instead of 15.5%). */
static ordo_network_t *two_carriers(void)
{
    char *text = read_text(FIXTURE_NET "/network.json", NULL);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    cJSON *svcs = cJSON_GetObjectItemCaseSensitive(root, "carrier_services");
    cJSON *rival = cJSON_Duplicate(cJSON_GetArrayItem(svcs, 0), 1);
    cJSON_ReplaceItemInObject(rival, "id", cJSON_CreateString("rival_ground"));
    cJSON_ReplaceItemInObject(rival, "carrier", cJSON_CreateString("rival"));
    cJSON_ReplaceItemInObject(rival, "fuel_surcharge_pct", cJSON_CreateNumber(30));
    cJSON_AddItemToArray(svcs, rival);
    cJSON_DeleteItemFromObject(root, "nodes");
    cJSON_AddItemToObject(root, "nodes",
                          cJSON_Parse("[" NODE("DC-A", "dc", "08817", "0.5",
                                               "\"parcel_ground\",\"rival_ground\"") "]"));
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    ordo_network_t *net = ordo_network_new(NULL);
    ordo_error_t err = {0};
    const char *inv = "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\n"
                      "DC-A,W,1000,0,0,,0.5\n";
    int rc = ordo_network_parse_json(net, json, strlen(json), "network.json", &err);
    if (!rc)
        rc = ordo_catalog_parse_csv(net, catalog, strlen(catalog), "catalog.csv", &err);
    if (!rc)
        rc = ordo_inventory_parse_csv(net, inv, strlen(inv), "inventory.csv", &err);
    if (!rc)
        rc = ordo_network_finalize(net, &err);
    free(json);
    assert_int_equal(rc, ORDO_OK);
    return net;
}

static const char *cap_policy =
    "{\"name\":\"cap\",\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}],"
    "\"carrier_caps\":[{\"carrier\":\"parcel\",\"max_share\":0.5,\"window_hours\":24,"
    "\"min_shipments\":10}]}";

static const char *carrier_of(const ordo_network_t *net, const ordo_plan_t *plan)
{
    assert_int_equal(plan->n_shipments, 1);
    return net->services[plan->shipments[0].service].carrier;
}

static void test_carrier_cap(void **s)
{
    (void)s;
    ordo_network_t *net = two_carriers();
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = policy_from(cap_policy), *plain = policy_from(plain_policy);
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a, ORDER_NY(""), &o);
    int64_t at = o.created;
    /* an empty window: the cheaper carrier */
    assert_string_equal(carrier_of(net, decide(eng, p, &o, a, false)), "parcel");
    /* 8 of 10 shipments in the last day by parcel: at its cap */
    assert_int_equal(ordo_engine_add_carrier_volume(eng, "parcel", at - 3600, 8), ORDO_OK);
    assert_int_equal(ordo_engine_add_carrier_volume(eng, "rival", at - 7200, 2), ORDO_OK);
    uint64_t n = 0, total = 0;
    assert_int_equal(ordo_engine_carrier_volume(eng, "parcel", at, 24, &n, &total), ORDO_OK);
    assert_true(n == 8 && total == 10);
    assert_string_equal(carrier_of(net, decide(eng, p, &o, a, false)), "rival");
    assert_string_equal(carrier_of(net, decide(eng, plain, &o, a, false)), "parcel");
    /* the same volume 30 hours before the order is outside the window */
    parse_order(net, a,
                "{\"id\":\"o2\",\"created\":\"2026-11-25T16:00:00Z\",\"ship_to\":{\"zip\":"
                "\"10002\"},\"lines\":[{\"sku\":\"W\",\"quantity\":1}]}",
                &o);
    assert_string_equal(carrier_of(net, decide(eng, p, &o, a, false)), "parcel");
    assert_int_equal(ordo_engine_carrier_volume(eng, NULL, o.created, 24, &n, &total), ORDO_OK);
    assert_true(n == 0 && total == 0);
    /* reservations fill the window: 40 orders in one hour keep parcel at
     * about half once the window holds 10 */
    ordo_engine_t *eng2;
    assert_int_equal(ordo_engine_create(net, NULL, &eng2, &err), ORDO_OK);
    ordo_decide_opts_t opts = {.reserve = true};
    ordo_plan_t *plan = NULL;
    for (int i = 0; i < 40; i++) {
        ordo_arena_reset(a);
        parse_order(net, a, ORDER_NY(""), &o);
        assert_int_equal(ordo_source_decide(eng2, p, &o, &opts, a, &plan, &err), ORDO_OK);
        assert_true(plan->reserved);
    }
    assert_int_equal(ordo_engine_carrier_volume(eng2, "parcel", at, 24, &n, &total), ORDO_OK);
    fprintf(stderr, "parcel %llu of %llu\n", (unsigned long long)n, (unsigned long long)total);
    assert_int_equal(total, 40);
    assert_true(n >= 19 && n <= 21);
    /* releasing the last plan takes its shipment back */
    assert_int_equal(ordo_source_release(eng2, plan), ORDO_OK);
    assert_int_equal(ordo_engine_carrier_volume(eng2, NULL, at, 24, NULL, &total), ORDO_OK);
    assert_int_equal(total, 39);
    assert_int_equal(ordo_engine_carrier_volume(eng2, "nobody", at, 24, &n, &total),
                     ORDO_ENOTFOUND);
    ordo_engine_destroy(eng2);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_policy_destroy(plain);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* The policy fields: defaults when an object is given, errors naming the
 * field, the canonical form (and so the version) unchanged without them. */
static void expect_bad(const char *json, const char *field)
{
    ordo_policy_t *p = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_policy_parse(json, strlen(json), "p.json", &p, &err), ORDO_EINVAL);
    if (strcmp(err.field, field))
        fprintf(stderr, "field %s, want %s (%s)\n", err.field, field, err.msg);
    assert_string_equal(err.field, field);
    assert_null(p);
}

#define POL(extra)                                                                                 \
    "{\"name\":\"x\",\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}]," extra "}"

static void test_policy_fields(void **s)
{
    (void)s;
    ordo_policy_t *p = policy_from(stale_policy);
    assert_true(p->risk.stale_stock && !p->risk.cancellation && !p->risk.customer_value);
    assert_true(p->risk.half_life_hours[ORDO_NODE_STORE] == 72);
    assert_true(p->risk.half_life_hours[ORDO_NODE_DC] == 720);
    assert_true(p->risk.short_pick_cost == 15);
    ordo_policy_t *q = policy_from(POL("\"fallback_nearest\":true"));
    ordo_policy_t *r = policy_from(POL("\"risk\":{},\"carrier_caps\":[]"));
    ordo_policy_t *t = policy_from(POL("\"risk\":{\"stale_stock\":{}}"));
    assert_string_equal(q->version, r->version); /* nothing on: the same version */
    assert_string_not_equal(t->version, q->version);
    ordo_policy_destroy(t);
    ordo_policy_destroy(p);
    ordo_policy_destroy(q);
    ordo_policy_destroy(r);
    expect_bad(POL("\"risk\":{\"stale\":{}}"), "risk.stale");
    expect_bad(POL("\"risk\":{\"stale_stock\":{\"half_life_hours\":{\"dc\":-1}}}"),
               "risk.stale_stock.half_life_hours.dc");
    expect_bad(POL("\"risk\":{\"stale_stock\":{\"half_life_hours\":{\"shop\":1}}}"),
               "risk.stale_stock.half_life_hours.shop");
    expect_bad(POL("\"risk\":{\"cancellation\":{\"base\":0.7,\"max\":0.5}}"),
               "risk.cancellation.base");
    expect_bad(POL("\"risk\":{\"customer_value\":{\"cohorts\":{\"gold\":\"high\"}}}"),
               "risk.customer_value.cohorts.gold");
    expect_bad(POL("\"carrier_caps\":[{\"carrier\":\"X\",\"max_share\":1.5}]"),
               "carrier_caps[0].max_share");
    expect_bad(POL("\"carrier_caps\":[{\"carrier\":\"X\"}]"), "carrier_caps[0].max_share");
    expect_bad(POL("\"carrier_caps\":[{\"max_share\":0.4}]"), "carrier_caps[0].carrier");
    expect_bad(POL("\"carrier_caps\":[{\"carrier\":\"X\",\"max_share\":0.4,\"window_hours\":200}]"),
               "carrier_caps[0].window_hours");
    expect_bad(POL("\"carrier_caps\":[{\"carrier\":\"X\",\"max_share\":0.4},"
                   "{\"carrier\":\"X\",\"max_share\":0.3}]"),
               "carrier_caps[1]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_week_old_store_count_loses_to_dc),
        cmocka_unit_test(test_confidence_against_reference),
        cmocka_unit_test(test_later_service_more_cancellation),
        cmocka_unit_test(test_gold_customer_lateness_costs_more),
        cmocka_unit_test(test_carrier_cap),
        cmocka_unit_test(test_policy_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
