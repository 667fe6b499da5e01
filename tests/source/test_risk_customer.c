/* SPDX-License-Identifier: Apache-2.0 */
/* The customer's return history on the decision path
 * (ordo_engine_customer_outcome, src/source/cust_hist.c): before any
 * outcome is fed, the learned P(return) takes the history at its training
 * mean; after, a customer with returns gets a higher P(return) than a new
 * one (the table's history coefficients on returns / (orders + 2) and
 * "known"), an order without a customer keeps the mean, counts survive the
 * table's growth, and reading them allocates nothing. */
#include "testutil.h"

#define NODE(id, type, zip, pick, svcs)                                                            \
    "{\"id\":\"" id "\",\"type\":\"" type "\",\"zip\":\"" zip "\",\"capabilities\":[\"ship\"],"    \
    "\"daily_capacity\":100000,\"pick_cost_per_unit\":" pick ",\"pack_cost_per_shipment\":1.0,"    \
    "\"cutoff_hour\":15,\"services\":[" svcs "]}"

static const char *catalog =
    "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate,unit_cost,daily_demand\n"
    "W,home,1.0,6,4,2,50.00,0.1,20,\n";

static const char *policy = "{\"name\":\"l\",\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}]}";

static double sig(double z)
{
    return 1 / (1 + exp(-z));
}

static ordo_risk_table_t *table(void)
{
    ordo_risk_table_t *t = calloc(1, sizeof *t);
    snprintf(t->version, sizeof t->version, "risk-v5:00000005");
    for (int l = 0; l < 8; l++)
        t->ret_level[l] = t->can_level[l] = -3;
    for (int f = 0; f < ORDO_RISK_TABLE_FAMILIES; f++)
        t->ret_family[f] = -1;
    t->r_history = -0.2; /* the training mean of the two history terms */
    t->r_rate = 3;
    t->r_known = -0.4;
    return t;
}

/* P(return) of a ground shipment from DC-W for customer cust ("": none),
 * and the logit's part that does not depend on the customer. */
static double p_return(ordo_engine_t *eng, const ordo_policy_t *p, ordo_network_t *net,
                       ordo_arena_t *a, const char *cust, double *rest)
{
    char text[512];
    ordo_order_t o;
    snprintf(text, sizeof text,
             "{\"id\":\"x\",\"created\":\"2026-11-24T10:00:00Z\",\"service_level\":\"standard\","
             "%s%s%s\"ship_to\":{\"zip\":\"10002\"},\"lines\":[{\"sku\":\"W\",\"quantity\":1}]}",
             *cust ? "\"customer\":{\"id\":\"" : "", cust, *cust ? "\"}," : "");
    parse_order(net, a, text, &o);
    const ordo_plan_t *pl = price_text(eng, p, &o,
                                       "{\"shipments\":[{\"node\":\"DC-W\",\"service\":"
                                       "\"parcel_ground\",\"lines\":[{\"line\":0}]}]}",
                                       a);
    assert_string_equal(pl->risk_model, "risk-v5:00000005");
    *rest = -3 - 1; /* level, family; value, lateness, split, miles have 0 coefficients */
    return pl->shipments[0].return_risk;
}

static void test_history_on_decision_path(void **s)
{
    (void)s;
    ordo_network_t *net =
        build_net("[" NODE("DC-W", "dc", "91761", "0.5", "\"parcel_ground\"") "]", catalog,
                  "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\nDC-W,W,100,0,0,,0.5\n");
    ordo_engine_t *eng;
    assert_int_equal(ordo_engine_create(net, NULL, &eng, NULL), ORDO_OK);
    ordo_engine_set_risk(eng, table());
    ordo_policy_t *p = policy_from(policy);
    ordo_arena_t *a = ordo_arena_create(0);
    double rest;
    /* nothing fed yet: every customer at the training mean */
    double p0 = p_return(eng, p, net, a, "c-ret", &rest);
    assert_true(fabs(p0 - sig(rest - 0.2)) < 1e-12);
    assert_true(fabs(p_return(eng, p, net, a, "c-new", &rest) - p0) < 1e-15);
    uint32_t n, r;
    assert_false(ordo_engine_customer_history(eng, "c-ret", &n, &r));
    /* four delivered orders, three returned */
    assert_int_equal(ordo_engine_customer_outcome(eng, "c-ret", 4, 0), ORDO_OK);
    assert_int_equal(ordo_engine_customer_outcome(eng, "c-ret", 0, 3), ORDO_OK);
    assert_int_equal(ordo_engine_customer_outcome(eng, "c-kept", 5, 0), ORDO_OK);
    assert_true(ordo_engine_customer_history(eng, "c-ret", &n, &r));
    assert_int_equal(n, 4);
    assert_int_equal(r, 3);
    double pr = p_return(eng, p, net, a, "c-ret", &rest);
    double pn = p_return(eng, p, net, a, "c-new", &rest);
    double pk = p_return(eng, p, net, a, "c-kept", &rest);
    double pa = p_return(eng, p, net, a, "", &rest);
    print_message("P(return): returner %.4f, new %.4f, kept all %.4f, anonymous %.4f\n", pr, pn,
                  pk, pa);
    assert_true(fabs(pr - sig(rest + 3 * 3.0 / 6 - 0.4)) < 1e-12);
    assert_true(fabs(pn - sig(rest)) < 1e-12);
    assert_true(fabs(pk - sig(rest - 0.4)) < 1e-12);
    assert_true(fabs(pa - p0) < 1e-15); /* no customer: the mean */
    assert_true(pr > pn && pn > pk);
    /* many customers: the table grows, counts stay */
    char id[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(id, sizeof id, "c%d", i);
        assert_int_equal(ordo_engine_customer_outcome(eng, id, 1, (uint32_t)(i % 2)), ORDO_OK);
    }
    assert_true(ordo_engine_customer_history(eng, "c-ret", &n, &r) && n == 4 && r == 3);
    assert_true(ordo_engine_customer_history(eng, "c19999", &n, &r) && n == 1 && r == 1);
    assert_true(fabs(p_return(eng, p, net, a, "c-ret", &rest) - pr) < 1e-15);
    /* a decision reading the counts takes no new arena block */
    ordo_order_t o;
    parse_order(net, a,
                "{\"id\":\"y\",\"created\":\"2026-11-24T10:00:00Z\",\"customer\":{\"id\":"
                "\"c-ret\"},\"ship_to\":{\"zip\":\"10002\"},\"lines\":[{\"sku\":\"W\","
                "\"quantity\":1}]}",
                &o);
    ordo_arena_t *da = ordo_arena_create(0);
    for (int i = 0; i < 3; i++) {
        ordo_arena_reset(da);
        assert_string_equal(decide(eng, p, &o, da, false)->risk_model, "risk-v5:00000005");
    }
    size_t blocks = ordo_arena_block_allocs(da);
    for (int i = 0; i < 100; i++) {
        ordo_arena_reset(da);
        decide(eng, p, &o, da, false);
    }
    assert_int_equal(ordo_arena_block_allocs(da), blocks);
    ordo_arena_destroy(da);
    /* a table without history coefficients: the customer does not matter */
    ordo_risk_table_t *t = table();
    t->r_rate = t->r_known = 0;
    ordo_engine_set_risk(eng, t);
    assert_true(fabs(p_return(eng, p, net, a, "c-ret", &rest) -
                     p_return(eng, p, net, a, "c-new", &rest)) < 1e-15);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng); /* frees the history and its retired copies */
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_on_decision_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
