/* SPDX-License-Identifier: Apache-2.0 */
/* Learned risk in the engine (ordo_engine_set_risk, src/source/risk_model.c):
 * a policy that prices cancellation takes P(cancel) from the learned table
 * (the logistic of the decision's part and the shipment's lateness), the
 * plan names the table, "risk": "parametric" (string or "model" in the
 * object) keeps the parametric term, and tables swap without leaking; the
 * learned P(return) prices each shipment's returns (family of its line of
 * most value, order value, lateness, split, miles) and the search's bounds
 * stay below every plan it can evaluate. */
#include "testutil.h"

#define NODE(id, type, zip, pick, svcs)                                                            \
    "{\"id\":\"" id "\",\"type\":\"" type "\",\"zip\":\"" zip "\",\"capabilities\":[\"ship\"],"    \
    "\"daily_capacity\":100000,\"pick_cost_per_unit\":" pick ",\"pack_cost_per_shipment\":1.0,"    \
    "\"cutoff_hour\":15,\"services\":[" svcs "]}"

static const char *catalog =
    "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate,unit_cost,daily_demand\n"
    "W,home,1.0,6,4,2,50.00,0,20,\n";

#define STRATS "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}]"
#define CANCEL "\"cancellation\":{\"base\":0.02,\"per_day_late\":0.1,\"max\":0.6}"
static const char *learned_policy = "{\"name\":\"l\"," STRATS ",\"risk\":{" CANCEL "}}";
static const char *param_policy =
    "{\"name\":\"p\"," STRATS ",\"risk\":{" CANCEL ",\"model\":\"parametric\"}}";
static const char *param_short = "{\"name\":\"s\"," STRATS ",\"risk\":\"parametric\"}";

static ordo_plan_t *ground(ordo_engine_t *eng, const ordo_policy_t *p, const ordo_order_t *o,
                           ordo_arena_t *a)
{
    return price_text(eng, p, o,
                      "{\"shipments\":[{\"node\":\"DC-W\",\"service\":\"parcel_ground\","
                      "\"lines\":[{\"line\":0}]}]}",
                      a);
}

static ordo_risk_table_t *table(const char *version, double c_late)
{
    ordo_risk_table_t *t = calloc(1, sizeof *t);
    snprintf(t->version, sizeof t->version, "%s", version);
    for (int l = 0; l < 8; l++)
        t->can_level[l] = -3;
    t->can_level[ORDO_LEVEL_EXPRESS] = -2;
    t->c_late = c_late;
    t->c_promise = 0.1;
    t->c_rest = -0.5;
    return t;
}

static void test_learned_cancellation(void **s)
{
    (void)s;
    ordo_network_t *net = build_net(
        "[" NODE("DC-W", "dc", "91761", "0.5", "\"parcel_ground\",\"parcel_two_day\"") "]", catalog,
        "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\nDC-W,W,100,0,0,,0.5\n");
    ordo_engine_t *eng;
    assert_int_equal(ordo_engine_create(net, NULL, &eng, NULL), ORDO_OK);
    ordo_policy_t *pl = policy_from(learned_policy), *pp = policy_from(param_policy);
    ordo_policy_t *ps = policy_from(param_short);
    assert_true(pp->risk.parametric && ps->risk.parametric && !pl->risk.parametric);
    assert_true(pp->risk.cancellation && !ps->risk.cancellation);
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a,
                "{\"id\":\"x\",\"created\":\"2026-11-24T10:00:00Z\",\"service_level\":\"express\","
                "\"ship_to\":{\"zip\":\"10002\"},\"lines\":[{\"sku\":\"W\",\"quantity\":1}]}",
                &o);
    /* no table: the parametric term, no model named */
    ordo_plan_t *p0 = ground(eng, pl, &o, a);
    assert_null(p0->risk_model);
    double param = p0->shipments[0].risk.cancel_prob;
    ordo_engine_set_risk(eng, table("risk-v1:00000001", 4));
    assert_non_null(ordo_engine_risk(eng));
    ordo_plan_t *p1 = ground(eng, pl, &o, a);
    assert_string_equal(p1->risk_model, "risk-v1:00000001");
    double late = 1 - p1->shipments[0].on_time_prob;
    assert_true(late > 0.05); /* ground to New York from the west is often late */
    double days = floor((double)p1->promise / 86400) - floor((double)o.created / 86400);
    double z = -2 + 0.1 * days - 0.5 + 4 * late;
    assert_true(fabs(p1->shipments[0].risk.cancel_prob - 1 / (1 + exp(-z))) < 1e-12);
    assert_true(fabs(p1->shipments[0].risk.cancellation -
                     p1->shipments[0].risk.cancel_prob * (5 + 0.3 * 50)) < 1e-9);
    /* "model": "parametric": the policy's term, no model named */
    ordo_plan_t *p2 = ground(eng, pp, &o, a);
    assert_null(p2->risk_model);
    assert_true(fabs(p2->shipments[0].risk.cancel_prob - param) < 1e-12);
    assert_null(ground(eng, ps, &o, a)->risk_model);
    /* a swap: the new table; NULL: the parametric term again */
    ordo_engine_set_risk(eng, table("risk-v2:00000002", 0));
    ordo_plan_t *p3 = ground(eng, pl, &o, a);
    assert_string_equal(p3->risk_model, "risk-v2:00000002");
    assert_true(fabs(p3->shipments[0].risk.cancel_prob - 1 / (1 + exp(-(-2.5 + 0.1 * days)))) <
                1e-12);
    ordo_engine_set_risk(eng, NULL);
    assert_null(ground(eng, pl, &o, a)->risk_model);
    ordo_engine_set_risk(eng, table("risk-v3:00000003", 1));
    /* a full decision names it too */
    assert_string_equal(decide(eng, pl, &o, a, false)->risk_model, "risk-v3:00000003");
    ordo_arena_destroy(a);
    ordo_policy_destroy(pl);
    ordo_policy_destroy(pp);
    ordo_policy_destroy(ps);
    ordo_engine_destroy(eng); /* frees the table in force and the retired ones */
    ordo_network_destroy(net);
}

static double sig(double z)
{
    return 1 / (1 + exp(-z));
}

static const char *two_families =
    "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate,unit_cost,daily_demand\n"
    "W,home,1.0,6,4,2,50.00,0.6,20,\n"
    "A,apparel,2.0,10,8,2,80.00,0.7,30,\n";

/* The return part of a table: every level -3, every family -2, the rest
 * as given. */
static ordo_risk_table_t *ret_table(double late, double split, double miles)
{
    ordo_risk_table_t *t = table("risk-v4:00000004", 0);
    for (int l = 0; l < 8; l++)
        t->ret_level[l] = -3;
    for (int f = 0; f < ORDO_RISK_TABLE_FAMILIES; f++)
        t->ret_family[f] = -2;
    t->r_value = 0.2;
    t->r_history = -0.3;
    t->r_late = late;
    t->r_split = split;
    t->r_miles = miles;
    return t;
}

static void test_learned_returns(void **s)
{
    (void)s;
    ordo_network_t *net = build_net(
        "[" NODE("DC-W", "dc", "91761", "0.5", "\"parcel_ground\",\"parcel_two_day\"") "]",
        two_families,
        "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\nDC-W,W,100,0,0,,0.5\n"
        "DC-W,A,100,0,0,,0.5\n");
    ordo_engine_t *eng;
    assert_int_equal(ordo_engine_create(net, NULL, &eng, NULL), ORDO_OK);
    ordo_policy_t *pl = policy_from(learned_policy), *ps = policy_from(param_short);
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a,
                "{\"id\":\"x\",\"created\":\"2026-11-24T10:00:00Z\",\"service_level\":\"express\","
                "\"ship_to\":{\"zip\":\"10002\"},\"lines\":[{\"sku\":\"W\",\"quantity\":2}]}",
                &o);
    int32_t home = ordo_network_family(net, "home");
    assert_true(home >= 0);
    /* no table: the base rate raised by lateness */
    const ordo_shipment_t *b = &ground(eng, pl, &o, a)->shipments[0];
    assert_true(b->return_risk >= 0.6 && b->return_risk <= 1);
    ordo_engine_set_risk(eng, ret_table(1.5, 0.4, 0.1));
    const ordo_shipment_t *s0 = &ground(eng, pl, &o, a)->shipments[0];
    double z = -3 - 2 + 0.2 * log1p(100) - 0.3 + 1.5 * (1 - s0->on_time_prob) +
               0.1 * log1p(s0->miles);
    assert_true(s0->miles > 2000);
    assert_true(fabs(s0->return_risk - sig(z)) < 1e-12);
    /* the cost of returning a unit does not change: the expected cost
     * scales with P(return) */
    double per = s0->cost.returns / s0->return_risk;
    assert_true(fabs(b->cost.returns / b->return_risk - per) < 1e-9);
    /* a model raising home's P(return) raises the shipment's return cost */
    ordo_risk_table_t *t1 = ret_table(1.5, 0.4, 0.1);
    t1->ret_family[home] = 0.5;
    ordo_engine_set_risk(eng, t1);
    const ordo_shipment_t *s1 = &ground(eng, pl, &o, a)->shipments[0];
    assert_true(fabs(s1->return_risk - sig(z + 2.5)) < 1e-12);
    assert_true(s1->cost.returns > 4 * s0->cost.returns);
    assert_true(fabs(s1->cost.returns - per * sig(z + 2.5)) < 1e-9);
    /* "risk": "parametric": the base rate again */
    const ordo_shipment_t *sp = &ground(eng, ps, &o, a)->shipments[0];
    assert_true(fabs(sp->cost.returns - b->cost.returns) < 1e-12);
    /* an apparel order: home's coefficient is not its */
    parse_order(net, a,
                "{\"id\":\"y\",\"created\":\"2026-11-24T10:00:00Z\",\"service_level\":\"express\","
                "\"ship_to\":{\"zip\":\"10002\"},\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}",
                &o);
    const ordo_shipment_t *sa = &ground(eng, pl, &o, a)->shipments[0];
    double za = -3 - 2 + 0.2 * log1p(80) - 0.3 + 1.5 * (1 - sa->on_time_prob) +
                0.1 * log1p(sa->miles);
    assert_true(fabs(sa->return_risk - sig(za)) < 1e-12);
    ordo_arena_destroy(a);
    ordo_policy_destroy(pl);
    ordo_policy_destroy(ps);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* The bounds: with a learned P(return) far below the catalog's rates (and
 * falling with distance), the search's plan scores at least as well as every
 * plan of the two lines over three nodes, priced one by one: no bound rose
 * above an evaluation and cut the best plan. */
#define N_BN 8
static const char *const bn_node[N_BN] = {"DC-W", "DC-C", "DC-E", "DC-T",
                                          "DC-G", "DC-S", "DC-D", "DC-B"};

static void check_best(ordo_engine_t *eng, const ordo_policy_t *p, const ordo_order_t *o,
                       ordo_arena_t *a)
{
    const ordo_plan_t *best = decide(eng, p, o, a, false);
    assert_int_equal(best->status, ORDO_PLAN_OK);
    for (int i = 0; i < N_BN; i++)
        for (int j = 0; j < N_BN; j++) {
            char spec[512];
            if (i == j)
                snprintf(spec, sizeof spec,
                         "{\"shipments\":[{\"node\":\"%s\",\"lines\":[{\"line\":0},{\"line\":1}]}]}",
                         bn_node[i]);
            else
                snprintf(spec, sizeof spec,
                         "{\"shipments\":[{\"node\":\"%s\",\"lines\":[{\"line\":0}]},"
                         "{\"node\":\"%s\",\"lines\":[{\"line\":1}]}]}",
                         bn_node[i], bn_node[j]);
            const ordo_plan_t *q = price_text(eng, p, o, spec, a);
            if (q->status == ORDO_PLAN_OK && best->score < q->score - 1e-9)
                fail_msg("%s/%s scores %.9f > the decision's %.9f", bn_node[i], bn_node[j],
                         q->score, best->score);
        }
}

#define SVCS "\"parcel_ground\",\"parcel_two_day\""

static void test_learned_return_bounds(void **s)
{
    (void)s;
    ordo_buf_t inv = {0};
    ordo_buf_puts(&inv, "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\n");
    for (int n = 0; n < N_BN; n++)
        ordo_buf_printf(&inv, "%s,W,100,0,0,,0.5\n%s,A,100,0,0,,0.5\n", bn_node[n], bn_node[n]);
    ordo_network_t *net = build_net(
        "[" NODE("DC-W", "dc", "91761", "0.5", SVCS) "," NODE("DC-C", "dc", "60601", "0.6", SVCS)
        "," NODE("DC-E", "dc", "07001", "0.9", SVCS) "," NODE("DC-T", "dc", "75201", "0.4", SVCS)
        "," NODE("DC-G", "dc", "08817", "0.7", SVCS) "," NODE("DC-S", "dc", "98101", "0.3", SVCS)
        "," NODE("DC-D", "dc", "80202", "0.8", SVCS) "," NODE("DC-B", "dc", "02108", "1.0", SVCS)
        "]",
        two_families, inv.data);
    ordo_buf_free(&inv);
    ordo_engine_t *eng;
    assert_int_equal(ordo_engine_create(net, NULL, &eng, NULL), ORDO_OK);
    ordo_policy_t *p = policy_from(
        "{\"name\":\"r\",\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\",\"weights\":"
        "{\"cost\":1,\"on_time\":20,\"return_risk\":30}}]}");
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    static const char *const zips[] = {"10002", "60601", "94110", "30303"};
    for (int z = 0; z < 4; z++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"id\":\"b%d\",\"created\":\"2026-11-24T10:00:00Z\",\"service_level\":"
                 "\"standard\",\"ship_to\":{\"zip\":\"%s\"},\"lines\":[{\"sku\":\"W\","
                 "\"quantity\":3},{\"sku\":\"A\",\"quantity\":2}]}",
                 z, zips[z]);
        parse_order(net, a, text, &o);
        ordo_engine_set_risk(eng, NULL);
        check_best(eng, p, &o, a);
        ordo_engine_set_risk(eng, ret_table(-3, -1, -0.6)); /* near 0 far away */
        check_best(eng, p, &o, a);
        ordo_engine_set_risk(eng, ret_table(3, 1, 0.3));
        check_best(eng, p, &o, a);
    }
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* The customer's return history on the decision path
 * (ordo_engine_customer_outcome, src/source/cust_hist.c): before any
 * outcome is fed, the learned P(return) takes the history at its training
 * mean; after, a customer with returns gets a higher P(return) than a new
 * one (the table's history coefficients on returns / (orders + 2) and
 * "known"), an order without a customer keeps the mean, counts survive the
 * table's growth, and reading them takes no new arena block. */
static ordo_risk_table_t *hist_table(void)
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
    ordo_engine_set_risk(eng, hist_table());
    ordo_policy_t *p = policy_from(learned_policy);
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
    ordo_risk_table_t *t = hist_table();
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
        cmocka_unit_test(test_learned_cancellation),
        cmocka_unit_test(test_learned_returns),
        cmocka_unit_test(test_learned_return_bounds),
        cmocka_unit_test(test_history_on_decision_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
