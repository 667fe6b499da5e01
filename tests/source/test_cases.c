/* SPDX-License-Identifier: Apache-2.0 */
/* Data-driven cases (jq's tests/jq.test style): every
 * tests/fixtures/source/cases/NAME.json holds a network (a directory under
 * tests/fixtures/source), a policy (built-in name or inline document), an
 * order, and the expected plan:
 *   "expect": {"status", "strategy", "search", "shipments": [{"node", "service"}],
 *              "backorders": [reason per line], "min_shipments", "units",
 *              "not_nodes": [...]} — every key optional. */
#include <dirent.h>

#include "testutil.h"

#define CASES ORDO_SOURCE_DIR "/tests/fixtures/source/cases"

static int run_case(const char *path)
{
    size_t len;
    char *text = read_text(path, &len);
    cJSON *c = cJSON_Parse(text);
    free(text);
    assert_non_null(c);
    int failures = 0;
#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s: ", path);                                                         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tests/fixtures/source/%s", ORDO_SOURCE_DIR,
             cJSON_GetObjectItemCaseSensitive(c, "network")->valuestring);
    ordo_network_t *net = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_network_load(dir, NULL, &net, &err), ORDO_OK);
    ordo_engine_t *eng;
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    const cJSON *pj = cJSON_GetObjectItemCaseSensitive(c, "policy");
    ordo_policy_t *p;
    if (cJSON_IsString(pj)) {
        p = builtin(pj->valuestring);
    } else {
        char *ptext = cJSON_PrintUnformatted(pj);
        p = policy_from(ptext);
        free(ptext);
    }
    ordo_arena_t *a = ordo_arena_create(0);
    char *otext = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "order"));
    ordo_order_t o;
    parse_order(net, a, otext, &o);
    free(otext);
    ordo_plan_t *plan = decide(eng, p, &o, a, true);
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(c, "expect");
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(ex, "status")))
        EXPECT(!strcmp(v->valuestring, ordo_plan_status_name(plan->status)), "status %s, want %s",
               ordo_plan_status_name(plan->status), v->valuestring);
    if ((v = cJSON_GetObjectItemCaseSensitive(ex, "strategy")))
        EXPECT(plan->strategy && !strcmp(v->valuestring, plan->strategy), "strategy %s, want %s",
               plan->strategy ? plan->strategy : "(none)", v->valuestring);
    if ((v = cJSON_GetObjectItemCaseSensitive(ex, "search")))
        EXPECT(plan->search && !strcmp(v->valuestring, plan->search), "search %s, want %s",
               plan->search ? plan->search : "(none)", v->valuestring);
    if ((v = cJSON_GetObjectItemCaseSensitive(ex, "shipments"))) {
        EXPECT((uint32_t)cJSON_GetArraySize(v) == plan->n_shipments, "%u shipments, want %d",
               plan->n_shipments, cJSON_GetArraySize(v));
        uint32_t i = 0;
        const cJSON *s;
        cJSON_ArrayForEach(s, v)
        {
            if (i >= plan->n_shipments)
                break;
            const ordo_shipment_t *sh = &plan->shipments[i++];
            const cJSON *node = cJSON_GetObjectItemCaseSensitive(s, "node");
            const cJSON *svc = cJSON_GetObjectItemCaseSensitive(s, "service");
            if (node)
                EXPECT(!strcmp(node->valuestring, net->nodes[sh->node].id), "node %s, want %s",
                       net->nodes[sh->node].id, node->valuestring);
            if (svc) {
                const char *got =
                    sh->service == ORDO_SERVICE_PICKUP ? "pickup" : net->services[sh->service].id;
                EXPECT(!strcmp(svc->valuestring, got), "service %s, want %s", got,
                       svc->valuestring);
            }
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(ex, "backorders"))) {
        EXPECT((uint32_t)cJSON_GetArraySize(v) == plan->n_backorders, "%u backorders, want %d",
               plan->n_backorders, cJSON_GetArraySize(v));
        uint32_t i = 0;
        const cJSON *r;
        cJSON_ArrayForEach(r, v)
        {
            if (i < plan->n_backorders)
                EXPECT(!strcmp(r->valuestring, plan->backorders[i].reason),
                       "backorder %u: %s, want %s", i, plan->backorders[i].reason, r->valuestring);
            i++;
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(ex, "min_shipments")))
        EXPECT(plan->n_shipments >= (uint32_t)v->valueint, "%u shipments, want at least %d",
               plan->n_shipments, v->valueint);
    if ((v = cJSON_GetObjectItemCaseSensitive(ex, "units")))
        EXPECT(plan->units == (uint32_t)v->valueint, "%u units, want %d", plan->units, v->valueint);
    if ((v = cJSON_GetObjectItemCaseSensitive(ex, "not_nodes"))) {
        const cJSON *n;
        cJSON_ArrayForEach(n, v) for (uint32_t s = 0; s < plan->n_shipments; s++)
            EXPECT(strcmp(n->valuestring, net->nodes[plan->shipments[s].node].id), "ships from %s",
                   n->valuestring);
    }
    /* every plan, whatever the case: the totals add up */
    double total = plan->cost.split;
    for (uint32_t s = 0; s < plan->n_shipments; s++)
        total += plan->shipments[s].cost.total;
    EXPECT(fabs(total - plan->cost.total) < 1e-6, "totals do not add up");
    ordo_arena_destroy(a);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
    cJSON_Delete(c);
    return failures;
}

static void test_cases(void **s)
{
    (void)s;
    DIR *d = opendir(CASES);
    assert_non_null(d);
    struct dirent *e;
    int n = 0, failures = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", CASES, e->d_name);
        failures += run_case(path);
        n++;
    }
    closedir(d);
    fprintf(stderr, "%d cases, %d failed expectations\n", n, failures);
    assert_true(n >= 10);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cases)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
