/* SPDX-License-Identifier: Apache-2.0 */
/* docs/examples never go stale: every policy-*.json parses and is the
 * built-in of its name (same version), and plan.json is exactly what the
 * engine decides today for docs/examples/order.json on docs/examples/network,
 * and prices to the same cost. Regenerate with:
 *   ordo policy show NAME > docs/examples/policy-NAME.json
 *   ordo source --network docs/examples/network --policy default \
 *       docs/examples/order.json > docs/examples/plan.json */
#include <dirent.h>

#include "testutil.h"

#define EX ORDO_SOURCE_DIR "/docs/examples"

static void test_policy_examples(void **s)
{
    (void)s;
    DIR *d = opendir(EX);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "policy-", 7) || len < 12 || strcmp(e->d_name + len - 5, ".json"))
            continue;
        char path[512], name[128];
        snprintf(path, sizeof path, "%s/%s", EX, e->d_name);
        snprintf(name, sizeof name, "%.*s", (int)(len - 12), e->d_name + 7);
        size_t tl;
        char *text = read_text(path, &tl);
        ordo_policy_t *p = NULL;
        ordo_error_t err = {0};
        int rc = ordo_policy_parse(text, tl, path, &p, &err);
        if (rc)
            fprintf(stderr, "%s: %s (%s)\n", path, err.msg, err.field);
        assert_int_equal(rc, ORDO_OK);
        assert_string_equal(p->name, name);
        ordo_policy_t *b = builtin(name);
        assert_string_equal(p->version, b->version);
        ordo_policy_destroy(b);
        ordo_policy_destroy(p);
        free(text);
        n++;
    }
    closedir(d);
    assert_int_equal(n, 6); /* one per built-in */
}

static void test_plan_example(void **s)
{
    (void)s;
    ordo_error_t err = {0};
    ordo_network_t *net = NULL;
    assert_int_equal(ordo_network_load(EX "/network", NULL, &net, &err), ORDO_OK);
    ordo_engine_t *eng;
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_arena_t *a = ordo_arena_create(0);
    size_t ol, pl;
    char *otext = read_text(EX "/order.json", &ol);
    char *ptext = read_text(EX "/plan.json", &pl);
    ordo_order_t o;
    assert_int_equal(ordo_order_parse(otext, ol, net, a, &o, &err), ORDO_OK);
    cJSON *pj = cJSON_Parse(ptext);
    assert_non_null(pj);
    const char *req[] = {"order_id", "status", "policy",     "strategy",    "shipments",
                         "totals",   "score",  "backorders", "promise_date"};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        assert_non_null(cJSON_GetObjectItemCaseSensitive(pj, req[i]));
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(pj, "policy");
    const char *pname = cJSON_GetObjectItemCaseSensitive(pol, "name")->valuestring;
    ordo_policy_t *p = builtin(pname);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(pol, "version")->valuestring, p->version);
    /* the engine still decides exactly this plan */
    ordo_plan_t *plan = decide(eng, p, &o, a, false);
    plan->latency_ns = 0;
    cJSON *want = cJSON_GetObjectItemCaseSensitive(pj, "shipments");
    char *got_text = plan_json(plan, net);
    cJSON *got = cJSON_Parse(got_text);
    if (!cJSON_Compare(want, cJSON_GetObjectItemCaseSensitive(got, "shipments"), 1))
        fprintf(stderr, "plan.json is stale; the engine now decides:\n%s\n", got_text);
    assert_true(cJSON_Compare(want, cJSON_GetObjectItemCaseSensitive(got, "shipments"), 1));
    assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(pj, "totals"),
                              cJSON_GetObjectItemCaseSensitive(got, "totals"), 1));
    /* and prices it to the same cost */
    ordo_plan_spec_t spec;
    assert_int_equal(ordo_plan_spec_parse(ptext, pl, net, &o, a, &spec, &err), ORDO_OK);
    ordo_plan_t *priced;
    assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &priced, &err), ORDO_OK);
    assert_int_equal(priced->n_backorders, 0);
    double total = cJSON_GetObjectItemCaseSensitive(
                       cJSON_GetObjectItemCaseSensitive(
                           cJSON_GetObjectItemCaseSensitive(pj, "totals"), "cost"),
                       "total")
                       ->valuedouble;
    assert_true(fabs(priced->cost.total - total) < 1e-3);
    cJSON_Delete(got);
    free(got_text);
    cJSON_Delete(pj);
    free(otext);
    free(ptext);
    ordo_policy_destroy(p);
    ordo_arena_destroy(a);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_examples),
        cmocka_unit_test(test_plan_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
