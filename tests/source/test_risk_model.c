/* SPDX-License-Identifier: Apache-2.0 */
/* Learned risk in the engine (ordo_engine_set_risk, src/source/risk_model.c):
 * a policy that prices cancellation takes P(cancel) from the learned table
 * (the logistic of the decision's part and the shipment's lateness), the
 * plan names the table, "risk": "parametric" (string or "model" in the
 * object) keeps the parametric term, and tables swap without leaking. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learned_cancellation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
