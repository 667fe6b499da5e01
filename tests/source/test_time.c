/* SPDX-License-Identifier: Apache-2.0 */
/* Time as it is: node cutoffs in local time with daylight saving, federal
 * holidays and carrier delivery days in ETA and promise dates, an order
 * without `created` decided as of the decision time, and ship-to ZIPs that
 * are not in the centroid table. Cases needing a zone file skip without
 * tzdata. */
#include "testutil.h"

#include "ordo/calendar.h"

static const char *const CATALOG = "sku,family,weight_lb,length_in,width_in,height_in,price,"
                                   "return_rate\nTEE-1,apparel,0.5,10,8,1,19.99,0.1\n";
static const char *const INVENTORY = "node,sku,on_hand,reserved,safety_stock,as_of\n"
                                     "DC-NYC,TEE-1,500,0,0,2026-01-01T00:00:00Z\n";

/* One DC in Manhattan with a 17:00 cutoff, in its ZIP's zone or `tz`. */
static ordo_network_t *nyc_net(const char *tz)
{
    char nodes[1024];
    snprintf(nodes, sizeof nodes,
             "[{\"id\":\"DC-NYC\",\"type\":\"dc\",\"zip\":\"10001\",\"capabilities\":[\"ship\"],"
             "\"daily_capacity\":5000,\"pick_cost_per_unit\":0.5,\"pack_cost_per_shipment\":1,"
             "\"cutoff_hour\":17,\"services\":[\"parcel_ground\"]%s%s%s}]",
             tz ? ",\"time_zone\":\"" : "", tz ? tz : "", tz ? "\"" : "");
    return build_net(nodes, CATALOG, INVENTORY);
}

static bool have_zone(const char *name)
{
    ordo_tz_t *tz = NULL;
    ordo_error_t err = {0};
    int rc = ordo_tz_load(name, &tz, &err);
    ordo_tz_destroy(tz);
    return rc == ORDO_OK;
}

/* The ground shipment from DC-NYC to `zip` of an order created at `created`
 * (NULL: none, decided as of `now`), priced as given. */
static const ordo_plan_t *price_at(ordo_engine_t *eng, ordo_arena_t *a, const char *created,
                                   const char *zip)
{
    const ordo_network_t *net = ordo_engine_network(eng);
    char json[512];
    snprintf(json, sizeof json,
             "{\"id\":\"t\",%s%s%s\"ship_to\":{\"zip\":\"%s\"},"
             "\"lines\":[{\"sku\":\"TEE-1\",\"quantity\":1}]}",
             created ? "\"created\":\"" : "", created ? created : "", created ? "\"," : "", zip);
    ordo_order_t *o = ordo_arena_alloc(a, sizeof *o);
    parse_order(net, a, json, o);
    const char *spec_text = "{\"shipments\":[{\"node\":\"DC-NYC\",\"service\":\"parcel_ground\","
                            "\"lines\":[{\"line\":0}]}]}";
    ordo_plan_spec_t spec;
    ordo_error_t err = {0};
    assert_int_equal(ordo_plan_spec_parse(spec_text, strlen(spec_text), net, o, a, &spec, &err),
                     ORDO_OK);
    ordo_plan_t *plan = NULL;
    assert_int_equal(ordo_source_price(eng, NULL, o, &spec, a, &plan, &err), ORDO_OK);
    assert_int_equal(plan->n_shipments, 1);
    return plan;
}

static char *date_of(int64_t t, char *buf)
{
    ordo_time_format(t, buf, 32);
    buf[10] = 0;
    return buf;
}

/* 17:30 EDT is after a 17:00 cutoff (the old round(lon/15) clock said
 * 16:30); 16:30 EDT is before it. In winter the same UTC hours are 16:30
 * and 15:30 EST, both before it; 22:30Z is 17:30 EST, after. */
static void test_cutoff_daylight_saving(void **s)
{
    (void)s;
    if (!have_zone("America/New_York"))
        skip();
    ordo_network_t *net = nyc_net(NULL);
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_arena_t *a = ordo_arena_create(0);
    /* Tuesday 2026-07-14 */
    int before = price_at(eng, a, "2026-07-14T20:30:00Z", "10002")->shipments[0].eta_p50_days;
    int after = price_at(eng, a, "2026-07-14T21:30:00Z", "10002")->shipments[0].eta_p50_days;
    assert_int_equal(after, before + 1);
    /* Tuesday 2026-01-13 (EST) */
    int w1 = price_at(eng, a, "2026-01-13T21:30:00Z", "10002")->shipments[0].eta_p50_days;
    int w2 = price_at(eng, a, "2026-01-13T22:30:00Z", "10002")->shipments[0].eta_p50_days;
    assert_int_equal(w1, before);
    assert_int_equal(w2, before + 1);
    ordo_arena_destroy(a);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
    /* a node's own time_zone: 21:30Z is 14:30 in Los Angeles, before 17:00 */
    if (!have_zone("America/Los_Angeles"))
        return;
    net = nyc_net("America/Los_Angeles");
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    a = ordo_arena_create(0);
    assert_int_equal(price_at(eng, a, "2026-07-14T21:30:00Z", "10002")->shipments[0].eta_p50_days,
                     before);
    ordo_arena_destroy(a);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* A node's load counts its local day: the counter of a node whose local
 * midnight has passed starts again from zero, the others keep theirs. New
 * York's midnight of 2026-03-10 (EDT, daylight saving since the 8th) is
 * 04:00Z, Los Angeles' 07:00Z. */
static void test_loads_roll_at_local_midnight(void **s)
{
    (void)s;
    if (!have_zone("America/New_York") || !have_zone("America/Los_Angeles"))
        skip();
    const char *nodes =
        "[{\"id\":\"DC-NYC\",\"type\":\"dc\",\"zip\":\"10001\",\"capabilities\":[\"ship\"],"
        "\"daily_capacity\":5000,\"current_load\":300,\"pick_cost_per_unit\":0.5,"
        "\"pack_cost_per_shipment\":1,\"cutoff_hour\":17,\"services\":[\"parcel_ground\"]},"
        "{\"id\":\"DC-LAX\",\"type\":\"dc\",\"zip\":\"90001\",\"capabilities\":[\"ship\"],"
        "\"daily_capacity\":5000,\"current_load\":200,\"pick_cost_per_unit\":0.5,"
        "\"pack_cost_per_shipment\":1,\"cutoff_hour\":17,\"services\":[\"parcel_ground\"]}]";
    ordo_network_t *net = build_net(nodes, CATALOG,
                                    "node,sku,on_hand,reserved,safety_stock,as_of\n"
                                    "DC-NYC,TEE-1,500,0,0,2026-01-01T00:00:00Z\n"
                                    "DC-LAX,TEE-1,500,0,0,2026-01-01T00:00:00Z\n");
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    int64_t t;
    assert_int_equal(ordo_time_parse("2026-03-10T03:59:59Z", &t), 0);
    ordo_engine_roll_loads(eng, t); /* the first call: current_load is this day's */
    assert_int_equal(ordo_engine_node_load(eng, 0), 300);
    assert_int_equal(ordo_engine_node_load(eng, 1), 200);
    ordo_engine_add_load(eng, 0, 5);
    ordo_engine_add_load(eng, 1, 7);
    ordo_engine_roll_loads(eng, t); /* the same second: nothing ends */
    assert_int_equal(ordo_engine_node_load(eng, 0), 305);
    ordo_engine_roll_loads(eng, t + 1); /* 00:00 EDT, 21:00 PDT */
    assert_int_equal(ordo_engine_node_load(eng, 0), 0);
    assert_int_equal(ordo_engine_node_load(eng, 1), 207);
    ordo_engine_add_load(eng, 0, 4);
    ordo_engine_roll_loads(eng, t + 3 * 3600); /* 23:59:59 PDT */
    assert_int_equal(ordo_engine_node_load(eng, 0), 4);
    assert_int_equal(ordo_engine_node_load(eng, 1), 207);
    ordo_engine_roll_loads(eng, t + 3 * 3600 + 1); /* midnight in Los Angeles */
    assert_int_equal(ordo_engine_node_load(eng, 0), 4);
    assert_int_equal(ordo_engine_node_load(eng, 1), 0);
    ordo_engine_add_load(eng, 1, 9);
    ordo_engine_roll_loads(eng, t - 3600); /* an earlier instant counts in the new day */
    assert_int_equal(ordo_engine_node_load(eng, 0), 4);
    assert_int_equal(ordo_engine_node_load(eng, 1), 9);
    ordo_engine_roll_loads(eng, t + 7 * 86400 + 3600); /* a week on: both days ended */
    assert_int_equal(ordo_engine_node_load(eng, 0), 0);
    assert_int_equal(ordo_engine_node_load(eng, 1), 0);
    /* after 2038, where a day's first second no longer fits in 32 bits:
     * 2040-03-10 is still standard time (EST midnight 05:00Z, PST 08:00Z) */
    assert_int_equal(ordo_time_parse("2040-03-10T04:59:59Z", &t), 0);
    ordo_engine_roll_loads(eng, t);
    ordo_engine_add_load(eng, 0, 6);
    ordo_engine_add_load(eng, 1, 8);
    ordo_engine_roll_loads(eng, t);
    assert_int_equal(ordo_engine_node_load(eng, 0), 6);
    ordo_engine_roll_loads(eng, t + 1);
    assert_int_equal(ordo_engine_node_load(eng, 0), 0);
    assert_int_equal(ordo_engine_node_load(eng, 1), 8);
    ordo_engine_roll_loads(eng, t + 3 * 3600 + 1);
    assert_int_equal(ordo_engine_node_load(eng, 1), 0);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

static void test_unknown_time_zone_refused(void **s)
{
    (void)s;
    char *text = read_text(FIXTURE_NET "/network.json", NULL);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cJSON *node = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "nodes"), 1);
    cJSON_AddStringToObject(node, "time_zone", "America/Atlantis");
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    ordo_network_t *net = ordo_network_new(NULL);
    ordo_error_t err = {0};
    assert_int_equal(ordo_network_parse_json(net, json, strlen(json), "network.json", &err),
                     ORDO_ENOTFOUND);
    assert_string_equal(err.field, "nodes[1].time_zone");
    free(json);
    ordo_network_destroy(net);
}

/* delivery_days: parsed into a week mask; an unknown day is refused */
static void test_delivery_days_field(void **s)
{
    (void)s;
    const char *days[] = {"[\"mon\",\"sat\"]", "[\"funday\"]", "[]"};
    for (int i = 0; i < 3; i++) {
        char *text = read_text(FIXTURE_NET "/network.json", NULL);
        cJSON *root = cJSON_Parse(text);
        free(text);
        cJSON *svc =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "carrier_services"), 0);
        cJSON_AddItemToObject(svc, "delivery_days", cJSON_Parse(days[i]));
        char *json = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
        ordo_network_t *net = ordo_network_new(NULL);
        ordo_error_t err = {0};
        int rc = ordo_network_parse_json(net, json, strlen(json), "network.json", &err);
        if (i == 0) {
            assert_int_equal(rc, ORDO_OK);
            assert_int_equal(net->services[0].delivery_days, 0x21);
            assert_int_equal(net->services[1].delivery_days, ORDO_WEEK_MON_FRI);
        } else {
            assert_int_equal(rc, ORDO_EPARSE);
            assert_string_equal(err.field, "carrier_services[0].delivery_days");
        }
        free(json);
        ordo_network_destroy(net);
    }
}

/* Friday 2027-07-02, before Independence Day observed on Monday 07-05: the
 * standard promise (5 business days) is Monday 07-12, and no ETA falls on
 * the holiday; a carrier delivering on Saturdays can arrive on 07-03. */
static void test_friday_before_holiday(void **s)
{
    (void)s;
    if (!have_zone("America/New_York"))
        skip();
    ordo_network_t *net = nyc_net(NULL);
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_arena_t *a = ordo_arena_create(0);
    char b[32];
    const ordo_plan_t *p = price_at(eng, a, "2027-07-02T14:00:00Z", "10002");
    assert_string_equal(date_of(p->promise, b), "2027-07-12");
    const ordo_shipment_t *sh = &p->shipments[0];
    assert_int_equal(sh->eta_p50_days, 1); /* ships Friday, one day in transit */
    assert_string_equal(date_of(sh->eta_p50, b), "2027-07-06");
    assert_true(strcmp(date_of(sh->eta_p90, b), "2027-07-05") != 0);
    net->services[0].delivery_days = ORDO_WEEK_MON_SAT;
    p = price_at(eng, a, "2027-07-02T14:00:00Z", "10002");
    assert_string_equal(date_of(p->shipments[0].eta_p50, b), "2027-07-03");
    /* the order's date is the customer's: 05:00Z on Friday 07-02 is still
     * Thursday evening in Los Angeles (promise 07-09), Friday in New York */
    p = price_at(eng, a, "2027-07-02T05:00:00Z", "90001");
    assert_string_equal(date_of(p->promise, b), "2027-07-09");
    p = price_at(eng, a, "2027-07-02T05:00:00Z", "10002");
    assert_string_equal(date_of(p->promise, b), "2027-07-12");
    ordo_arena_destroy(a);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* No `created`: decided as of opts.now (else the clock), never 1970. */
static void test_order_without_created(void **s)
{
    (void)s;
    ordo_network_t *net = nyc_net(NULL);
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = builtin("default");
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a,
                "{\"id\":\"n\",\"ship_to\":{\"zip\":\"10002\"},"
                "\"lines\":[{\"sku\":\"TEE-1\",\"quantity\":1}]}",
                &o);
    assert_int_equal(o.created, 0);
    ordo_decide_opts_t opts = {0};
    assert_int_equal(ordo_time_parse("2026-07-14T14:00:00Z", &opts.now), ORDO_OK);
    ordo_plan_t *plan = NULL;
    assert_int_equal(ordo_source_decide(eng, p, &o, &opts, a, &plan, &err), ORDO_OK);
    assert_int_equal(plan->as_of, opts.now);
    char b[32];
    assert_string_equal(date_of(plan->promise, b), "2026-07-21");
    char *j = plan_json(plan, net);
    assert_non_null(strstr(j, "\"as_of\":\"2026-07-14T14:00:00Z\""));
    free(j);
    opts.now = 0;
    int64_t t0 = ordo_now_unix();
    assert_int_equal(ordo_source_decide(eng, p, &o, &opts, a, &plan, &err), ORDO_OK);
    assert_true(plan->as_of >= t0 && plan->as_of <= ordo_now_unix());
    assert_true(plan->promise > t0);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

/* PO-box and unique ZIPs take their ZIP3's centroid and the plan says so;
 * an unknown ZIP3 is refused naming ship_to.zip. */
static void test_zip_not_in_table(void **s)
{
    (void)s;
    ordo_network_t *net = nyc_net(NULL);
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = builtin("default");
    ordo_arena_t *a = ordo_arena_create(0);
    const char *zips[] = {"30301", "77001"};
    for (int i = 0; i < 2; i++) {
        char json[256];
        snprintf(json, sizeof json,
                 "{\"id\":\"z\",\"created\":\"2026-07-14T14:00:00Z\",\"ship_to\":{\"zip\":\"%s\"},"
                 "\"lines\":[{\"sku\":\"TEE-1\",\"quantity\":1}]}",
                 zips[i]);
        ordo_order_t o;
        parse_order(net, a, json, &o);
        assert_true(o.ship_zip_approx);
        assert_int_equal(o.ship_zip3, i ? 770 : 303);
        assert_string_equal(o.state, i ? "TX" : "GA");
        ordo_plan_t *plan = decide(eng, p, &o, a, false);
        assert_int_equal(plan->status, ORDO_PLAN_OK);
        char *j = plan_json(plan, net);
        assert_non_null(strstr(j, "\"warnings\":[\"ship_to.zip "));
        assert_null(strstr(j, "\"as_of\""));
        free(j);
    }
    ordo_order_t o;
    const char *bad = "{\"id\":\"z\",\"ship_to\":{\"zip\":\"00000\"},"
                      "\"lines\":[{\"sku\":\"TEE-1\",\"quantity\":1}]}";
    assert_int_equal(ordo_order_parse(bad, strlen(bad), net, a, &o, &err), ORDO_ENOTFOUND);
    assert_string_equal(err.field, "ship_to.zip");
    ordo_zip_t buf;
    bool approx = true;
    assert_null(ordo_geo_zip_or_zip3(ordo_geo_default(), 0, &buf, &approx));
    assert_false(approx);
    assert_non_null(ordo_geo_zip_or_zip3(ordo_geo_default(), 10001, &buf, &approx));
    assert_false(approx);
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cutoff_daylight_saving),
        cmocka_unit_test(test_loads_roll_at_local_midnight),
        cmocka_unit_test(test_unknown_time_zone_refused),
        cmocka_unit_test(test_delivery_days_field),
        cmocka_unit_test(test_friday_before_holiday),
        cmocka_unit_test(test_order_without_created),
        cmocka_unit_test(test_zip_not_in_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
