/* SPDX-License-Identifier: Apache-2.0 */
/* The shipment model against golden values computed independently
 * (tools/fixtures/source/make_ontime.py: numpy convolution of processing and
 * transit days, its own haversine/zone table and rate-card lookup):
 * zone, billable weight, shipping cost, P(on time), ETA p50/p90, return risk. */
#include "testutil.h"

static void test_golden_shipments(void **s)
{
    (void)s;
    ordo_network_t *net = load_fixture_net();
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = builtin("default");
    ordo_arena_t *a = ordo_arena_create(0);
    size_t len;
    char *text = read_text(ORDO_SOURCE_DIR "/tests/fixtures/source/ontime_golden.json", &len);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cases"))
    {
        ordo_arena_reset(a);
        char *otext = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "order"));
        ordo_order_t o;
        parse_order(net, a, otext, &o);
        free(otext);
        const char *node = cJSON_GetObjectItemCaseSensitive(c, "node")->valuestring;
        const char *svc = cJSON_GetObjectItemCaseSensitive(c, "service")->valuestring;
        char spec_text[512];
        snprintf(spec_text, sizeof spec_text,
                 "{\"shipments\":[{\"node\":\"%s\",\"service\":\"%s\",\"lines\":[", node, svc);
        for (uint32_t i = 0; i < o.n_lines; i++)
            snprintf(spec_text + strlen(spec_text), sizeof spec_text - strlen(spec_text),
                     "%s{\"line\":%u}", i ? "," : "", i);
        strcat(spec_text, "]}]}");
        ordo_plan_spec_t spec;
        assert_int_equal(
            ordo_plan_spec_parse(spec_text, strlen(spec_text), net, &o, a, &spec, &err), ORDO_OK);
        ordo_plan_t *plan;
        assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &plan, &err), ORDO_OK);
        const ordo_shipment_t *sh = &plan->shipments[0];
        fprintf(stderr,
                "%-10s %-15s zone %d billable %g ship %.4f on-time %.6f eta %d/%d rr %.6f\n", node,
                svc, sh->zone, sh->billable_lb, sh->cost.shipping, sh->on_time_prob,
                sh->eta_p50_days, sh->eta_p90_days, sh->return_risk);
#define NUM(k) cJSON_GetObjectItemCaseSensitive(c, k)->valuedouble
        assert_int_equal(sh->zone, (int)NUM("zone"));
        assert_true(fabs(sh->billable_lb - NUM("billable_lb")) < 1e-9);
        assert_true(fabs(sh->cost.shipping - NUM("shipping")) < 1e-6);
        assert_true(fabs(sh->on_time_prob - NUM("on_time_prob")) < 1e-6);
        assert_int_equal(sh->eta_p50_days, (int)NUM("eta_p50_days"));
        assert_int_equal(sh->eta_p90_days, (int)NUM("eta_p90_days"));
        assert_true(fabs(sh->return_risk - NUM("return_risk")) < 1e-6);
        n++;
    }
    assert_int_equal(n, 8);
    cJSON_Delete(root);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

static void test_lateness_raises_return_risk(void **s)
{
    (void)s;
    ordo_network_t *net = load_fixture_net();
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = builtin("default");
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    /* express from coast to coast: late on ground, on time by two-day */
    parse_order(net, a,
                "{\"id\":\"x\",\"created\":\"2026-11-24T10:00:00Z\",\"service_level\":\"express\","
                "\"ship_to\":{\"zip\":\"10002\"},\"lines\":[{\"sku\":\"SHOE-1\",\"quantity\":1}]}",
                &o);
    double rr[2], ot[2], cost[2];
    const char *svcs[2] = {"parcel_ground", "parcel_two_day"};
    for (int i = 0; i < 2; i++) {
        char spec_text[256];
        snprintf(spec_text, sizeof spec_text,
                 "{\"shipments\":[{\"node\":\"DC-ONTARIO\",\"service\":\"%s\",\"lines\":[{\"line\":"
                 "0}]}]}",
                 svcs[i]);
        ordo_plan_spec_t spec;
        assert_int_equal(
            ordo_plan_spec_parse(spec_text, strlen(spec_text), net, &o, a, &spec, &err), ORDO_OK);
        ordo_plan_t *plan;
        assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &plan, &err), ORDO_OK);
        rr[i] = plan->return_risk;
        ot[i] = plan->on_time_prob;
        cost[i] = plan->shipments[0].cost.shipping;
    }
    assert_true(ot[0] < ot[1]);
    assert_true(rr[0] > rr[1]);
    assert_true(rr[1] >= 0.18 - 1e-12); /* never below the family's base rate */
    assert_true(cost[0] < cost[1]);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* A weighted strategy's score is one formula per shipment, −cost·landed +
 * on_time·share·P(on time) − return_risk·share·risk − load·penalty +
 * overstock·share·min(1, dos/90), plus −(cost·split_cost + split)·(k − 1):
 * recomputed here from a priced plan's public fields, term by term. */
static void test_weighted_score_formula(void **s)
{
    (void)s;
    ordo_network_t *net = load_fixture_net();
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = policy_from(
        "{\"name\":\"w\",\"constraints\":{\"max_shipments\":2},\"strategies\":[{\"name\":\"w\","
        "\"type\":\"weighted\",\"weights\":{\"cost\":1,\"on_time\":40,\"return_risk\":10,"
        "\"load\":3,\"split\":0.5,\"overstock\":2}}]}");
    const ordo_weights_t *w = &p->strategies[0].weights;
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a,
                "{\"id\":\"x\",\"created\":\"2026-11-24T10:00:00Z\",\"ship_to\":{\"zip\":"
                "\"30303\"},\"lines\":[{\"sku\":\"TEE-1\",\"quantity\":2},{\"sku\":\"LAMP-1\","
                "\"quantity\":1}]}",
                &o);
    const char *specs[] = {
        "{\"shipments\":[{\"node\":\"DC-ONTARIO\",\"lines\":[{\"line\":0},{\"line\":1}]}]}",
        "{\"shipments\":[{\"node\":\"DC-ONTARIO\",\"lines\":[{\"line\":0}]},"
        "{\"node\":\"DC-EDISON\",\"service\":\"parcel_two_day\",\"lines\":[{\"line\":1}]}]}",
    };
    ordo_source_params_t P;
    ordo_source_params_default(&P);
    for (int i = 0; i < 2; i++) {
        ordo_plan_spec_t spec;
        assert_int_equal(ordo_plan_spec_parse(specs[i], strlen(specs[i]), net, &o, a, &spec, &err),
                         ORDO_OK);
        ordo_plan_t *plan;
        assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &plan, &err), ORDO_OK);
        assert_int_equal(plan->n_shipments, (uint32_t)i + 1);
        double want = 0;
        for (uint32_t k = 0; k < plan->n_shipments; k++) {
            const ordo_shipment_t *sh = &plan->shipments[k];
            double share = (double)sh->units / plan->units;
            double dos = sh->days_of_supply;
            want += -w->cost * sh->cost.total - w->economic * sh->cost.economic +
                    w->on_time * share * sh->on_time_prob -
                    w->return_risk * share * sh->return_risk - w->load * sh->load_penalty +
                    w->overstock * share * (dos < 90 ? dos / 90 : 1);
        }
        want += -(w->cost * P.split_cost + w->split) * (plan->n_shipments - 1);
        assert_true(fabs(plan->score - want) <= 1e-12 * (1 + fabs(want)));
    }
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_shipments),
        cmocka_unit_test(test_lateness_raises_return_risk),
        cmocka_unit_test(test_weighted_score_formula),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
