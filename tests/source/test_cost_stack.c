/* SPDX-License-Identifier: Apache-2.0 */
/* The cost stack, each formula against a hand-computed example
 * (docs/internals/SOURCING.md, "What a candidate shipment is worth"): the
 * cash cost and the economic terms apart, carrying relief and opportunity
 * cost at unit cost and zero at a drop-ship node, returns priced to the
 * return node, days of supply from given demand rates, and the `economic`
 * weight of the score. */
#include "testutil.h"

#define NODE(id, type, zip, caps)                                                                  \
    "{\"id\":\"" id "\",\"type\":\"" type "\",\"zip\":\"" zip "\",\"capabilities\":[" caps         \
    "],\"daily_capacity\":1000,\"pick_cost_per_unit\":0.5,\"pack_cost_per_shipment\":1.0,"        \
    "\"cutoff_hour\":15,\"services\":[\"parcel_ground\"]}"

static const char *nodes = "[" NODE("DC-A", "dc", "08817", "\"ship\"") "," NODE(
    "ST-B", "store", "10001", "\"ship\",\"pickup\"") "," NODE("DS-C", "dropship", "80202",
                                                             "\"ship\"") "," NODE("RC", "dc",
                                                                                  "91761",
                                                                                  "\"ship\"") "]";

/* W: unit cost 20 (price 50); R: no unit cost given (default 60% of 50 =
 * 30), return rate 0.1; V: network demand 3/day; U: no demand given. */
static const char *catalog =
    "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate,unit_cost,daily_demand\n"
    "W,home,1.0,6,4,2,50.00,0,20,\n"
    "R,home,1.0,6,4,2,50.00,0.1,,\n"
    "V,books,1.0,6,4,2,10.00,0,,3.0\n"
    "U,books,1.0,6,4,2,10.00,0,,\n";

static const char *inventory = "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\n"
                               "ST-B,W,10,0,0,2026-11-01T06:00:00Z,0.5\n"
                               "DS-C,W,10,0,0,2026-11-01T06:00:00Z,0.5\n"
                               "DC-A,R,100,0,0,2026-11-01T06:00:00Z,\n"
                               "ST-B,R,10,0,0,2026-11-01T06:00:00Z,\n"
                               "DC-A,V,100,0,0,2026-11-01T06:00:00Z,\n"
                               "ST-B,V,20,0,0,2026-11-01T06:00:00Z,0.5\n"
                               "DC-A,U,120,0,0,2026-11-01T06:00:00Z,\n"
                               "ST-B,U,30,0,0,2026-11-01T06:00:00Z,\n";

#define ORDER(sku, qty)                                                                            \
    "{\"id\":\"o\",\"created\":\"2026-11-24T10:00:00Z\",\"ship_to\":{\"zip\":\"10002\"},"          \
    "\"lines\":[{\"sku\":\"" sku "\",\"quantity\":" #qty "}]}"

/* The plan that ships the order's one line from `node`, priced. */
static ordo_plan_t *price_at(ordo_engine_t *eng, const ordo_policy_t *p, const ordo_order_t *o,
                             const char *node, ordo_arena_t *a)
{
    char spec_text[256];
    snprintf(spec_text, sizeof spec_text,
             "{\"shipments\":[{\"node\":\"%s\",\"lines\":[{\"line\":0}]}]}", node);
    ordo_plan_t *plan = price_text(eng, p, o, spec_text, a);
    assert_int_equal(plan->n_shipments, 1);
    assert_int_equal(plan->n_backorders, 0);
    return plan;
}

static void close_to(double got, double want)
{
    if (fabs(got - want) > 1e-9 * (1 + fabs(want)))
        fprintf(stderr, "got %.12g, want %.12g\n", got, want);
    assert_true(fabs(got - want) <= 1e-9 * (1 + fabs(want)));
}

/* 4 of W from ST-B: 10 units, 0.5/day, so 20 days of supply (6 beyond the
 * 14-day target) and a cover of 14 × 0.5 = 7 units. Of the 4 units taken,
 * min(10, 7) − (10 − 4) = 1 comes out of the cover, 3 from the excess:
 *   relief = −3 × $20 × 0.25 / 365 × 6 = −$0.246575...
 *   opportunity = 1 × $20 × 0.30 = $6.00
 * Emptying it (10 units): 7 from the cover, 3 from the excess:
 *   relief the same, opportunity = 7 × $20 × 0.30 = $42.00.
 * From the supplier DS-C (its own stock): both 0. */
static void test_relief_and_opportunity_at_unit_cost(void **s)
{
    (void)s;
    ordo_network_t *net = build_net(nodes, catalog, inventory);
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = builtin("default");
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a, ORDER("W", 4), &o);
    ordo_plan_t *plan = price_at(eng, p, &o, "ST-B", a);
    const ordo_cost_t *c = &plan->shipments[0].cost;
    close_to(plan->shipments[0].days_of_supply, 20);
    close_to(c->carrying_relief, -3 * 20.0 * 0.25 / 365.0 * 6);
    close_to(c->opportunity, 6.0);
    close_to(c->economic, c->carrying_relief + c->opportunity);
    /* cash: pick 4 × 0.5 + pack 1 + shipping + returns (rate 0: none) */
    close_to(c->returns, 0);
    close_to(c->total, 4 * 0.5 + 1.0 + c->shipping);
    close_to(plan->cost.total, c->total);
    close_to(plan->cost.economic, c->economic);

    ordo_arena_reset(a);
    parse_order(net, a, ORDER("W", 10), &o);
    plan = price_at(eng, p, &o, "ST-B", a);
    c = &plan->shipments[0].cost;
    close_to(c->carrying_relief, -3 * 20.0 * 0.25 / 365.0 * 6);
    close_to(c->opportunity, 42.0);

    plan = price_at(eng, p, &o, "DS-C", a);
    c = &plan->shipments[0].cost;
    assert_true(c->carrying_relief == 0 && c->opportunity == 0 && c->economic == 0);
    assert_true(c->total > 0);

    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* Expected returns of 2 units of R (return rate 0.1, price $50, a 1-lb
 * return parcel): 2 × risk × (the parcel from the customer to the return
 * node + $4 processing + 15% × $50), whichever node ships. */
static double returns_want(const ordo_network_t *net, const ordo_order_t *o, const char *to,
                           double risk)
{
    int32_t rc = ordo_network_node(net, to);
    assert_true(rc >= 0);
    int zone = ordo_network_zone(net, (uint32_t)rc, o->ship_zip3);
    ordo_rate_t r;
    assert_int_equal(ordo_rate_parcel(&net->services[ordo_network_service(net, "parcel_ground")],
                                      zone, 1, 0, false, false, &r),
                     ORDO_OK);
    return 2 * risk * (r.total + 4.0 + 0.15 * 50.0);
}

static void test_returns_go_to_the_return_node(void **s)
{
    (void)s;
    ordo_policy_t *p = builtin("default");
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_error_t err = {0};
    ordo_order_t o;
    /* returns go to RC (Ontario, CA): the same price from either node */
    ordo_network_t *net = build_net_returns(nodes, "[\"RC\"]", catalog, inventory);
    ordo_engine_t *eng;
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    parse_order(net, a, ORDER("R", 2), &o);
    int zone_rc = ordo_network_zone(net, (uint32_t)ordo_network_node(net, "RC"), o.ship_zip3);
    int zone_a = ordo_network_zone(net, (uint32_t)ordo_network_node(net, "DC-A"), o.ship_zip3);
    assert_true(zone_rc > zone_a); /* the test tells them apart */
    for (int k = 0; k < 2; k++) {
        ordo_plan_t *plan = price_at(eng, p, &o, k ? "DC-A" : "ST-B", a);
        const ordo_shipment_t *sh = &plan->shipments[0];
        close_to(sh->cost.returns, returns_want(net, &o, "RC", sh->return_risk));
    }
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);

    /* no `returns`: the DC nearest the customer (DC-A, Edison NJ), also for
     * a store's shipment */
    ordo_arena_reset(a);
    net = build_net(nodes, catalog, inventory);
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    parse_order(net, a, ORDER("R", 2), &o);
    ordo_plan_t *plan = price_at(eng, p, &o, "ST-B", a);
    close_to(plan->shipments[0].cost.returns,
             returns_want(net, &o, "DC-A", plan->shipments[0].return_risk));
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
}

static double dos_of(const ordo_engine_t *eng, const char *node, const char *sku)
{
    const ordo_network_t *net = ordo_engine_network(eng);
    int64_t c = ordo_inventory_cell(net->inventory, (uint32_t)ordo_network_node(net, node),
                                    (uint32_t)ordo_network_sku(net, sku));
    assert_true(c >= 0);
    return ordo_engine_days_of_supply(eng, (uint32_t)c);
}

/* W at ST-B: its own 0.5/day, 10 / 0.5 = 20 days. V: 3/day in the
 * network, 0.5 of it ST-B's own, the other 2.5 DC-A's (its only other
 * cell): 100 / 2.5 = 40 and 20 / 0.5 = 40. U: no demand given: on hand 150
 * / 60 days = 2.5/day shared by on-hand (120 : 30): 60 days each. */
static void test_days_of_supply_from_demand(void **s)
{
    (void)s;
    ordo_network_t *net = build_net(nodes, catalog, inventory);
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    close_to(dos_of(eng, "ST-B", "W"), 20);
    close_to(dos_of(eng, "DC-A", "V"), 40);
    close_to(dos_of(eng, "ST-B", "V"), 40);
    close_to(dos_of(eng, "DC-A", "U"), 60);
    close_to(dos_of(eng, "ST-B", "U"), 60);
    /* a forecast replaces it */
    size_t n = ordo_inventory_cell_count(net->inventory);
    float *f = calloc(n, sizeof *f);
    for (size_t i = 0; i < n; i++)
        f[i] = 2.0f;
    assert_int_equal(ordo_engine_set_cell_demand(eng, f, n, &err), ORDO_OK);
    close_to(dos_of(eng, "DC-A", "U"), 60);
    close_to(dos_of(eng, "ST-B", "W"), 5);
    free(f);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* The score weighs the cash cost with `cost` and the economic terms with
 * `economic`: pricing the same plan under economic 0 and 2 moves the score
 * by exactly −2 × economic. */
static void test_economic_weight(void **s)
{
    (void)s;
    ordo_network_t *net = build_net(nodes, catalog, inventory);
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p0 = policy_from("{\"name\":\"e0\",\"strategies\":[{\"name\":\"w\",\"type\":"
                                    "\"weighted\",\"weights\":{\"cost\":1,\"economic\":0}}]}");
    ordo_policy_t *p2 = policy_from("{\"name\":\"e2\",\"strategies\":[{\"name\":\"w\",\"type\":"
                                    "\"weighted\",\"weights\":{\"cost\":1,\"economic\":2}}]}");
    ordo_policy_t *pd = policy_from("{\"name\":\"ed\",\"strategies\":[{\"name\":\"w\",\"type\":"
                                    "\"weighted\",\"weights\":{\"cost\":1}}]}");
    assert_true(pd->strategies[0].weights.economic == 1.0);
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a, ORDER("W", 4), &o);
    ordo_plan_t *a0 = price_at(eng, p0, &o, "ST-B", a);
    ordo_plan_t *a2 = price_at(eng, p2, &o, "ST-B", a);
    assert_true(a0->cost.economic != 0);
    close_to(a2->score - a0->score, -2 * a0->cost.economic);
    /* the canonical form names a weight that is not its default */
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_policy_write_json(p2, &w);
    assert_non_null(strstr(b.data, "\"economic\":2"));
    ordo_buf_free(&b);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p0);
    ordo_policy_destroy(p2);
    ordo_policy_destroy(pd);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* catalog.csv's optional columns and the network's `returns`, refused when
 * wrong. */
static void test_parsing(void **s)
{
    (void)s;
    ordo_network_t *net = build_net(nodes, catalog, inventory);
    const ordo_sku_t *r = &net->skus[ordo_network_sku(net, "R")];
    close_to(r->unit_cost, ORDO_UNIT_COST_SHARE * 50.0);
    assert_true(r->daily_demand < 0);
    close_to(net->skus[ordo_network_sku(net, "V")].daily_demand, 3.0);
    ordo_network_destroy(net);

    ordo_error_t err = {0};
    net = ordo_network_new(NULL);
    const char *bad = "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate,cost\n";
    assert_int_equal(ordo_catalog_parse_csv(net, bad, strlen(bad), "c", &err), ORDO_EPARSE);
    const char *neg = "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate,"
                      "unit_cost\nX,home,1,1,1,1,5,0,-1\n";
    assert_int_equal(ordo_catalog_parse_csv(net, neg, strlen(neg), "c", &err), ORDO_ERANGE);
    assert_string_equal(err.field, "unit_cost");
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relief_and_opportunity_at_unit_cost),
        cmocka_unit_test(test_returns_go_to_the_return_node),
        cmocka_unit_test(test_days_of_supply_from_demand),
        cmocka_unit_test(test_economic_weight),
        cmocka_unit_test(test_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
