/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/exp/document.c: the experiment document — strict parsing
 * (each error names its field), canonical form and content hash, the ramp,
 * and the committed example docs/examples/experiment.json. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "ordo/exp.h"
#include "ordo/util.h"

static char *read_example(size_t *len)
{
    const char *root = getenv("ORDO_SOURCE_DIR");
    if (!root || !*root)
        root = ORDO_SOURCE_DIR;
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/examples/experiment.json", root);
    char *data = NULL;
    assert_int_equal(ordo_read_file(path, &data, len, NULL), ORDO_OK);
    return data;
}

static char *canonical(const ordo_exp_t *e)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_exp_write_json(e, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    char *s = strdup(b.data);
    ordo_buf_free(&b);
    return s;
}

/* The example parses, names the scenario's policies and round-trips. */
static void test_example(void **state)
{
    (void)state;
    size_t len;
    char *text = read_example(&len);
    ordo_exp_t *e = NULL;
    ordo_error_t err;
    int rc = ordo_exp_parse(text, len, "experiment.json", &e, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", err.field, err.msg);
    assert_int_equal(rc, ORDO_OK);
    assert_string_equal(e->id, "proximity-vs-cost");
    assert_int_equal(e->unit, ORDO_EXP_UNIT_ORDER);
    assert_int_equal(e->hash_version, 2);
    assert_int_equal(e->n_variants, 2);
    /* CONTRACTS: control is cost-optimized, treatment proximity-first */
    assert_string_equal(e->variants[0].key, "control");
    assert_string_equal(e->variants[0].policy, "cost-optimized");
    assert_string_equal(e->variants[1].policy, "proximity-first");
    ordo_policy_t *p = NULL;
    assert_int_equal(ordo_policy_builtin("cost-optimized", &p, NULL), ORDO_OK);
    assert_string_equal(e->variants[0].policy_version, p->version);
    ordo_policy_destroy(p);
    assert_int_equal(ordo_policy_builtin("proximity-first", &p, NULL), ORDO_OK);
    assert_string_equal(e->variants[1].policy_version, p->version);
    ordo_policy_destroy(p);
    assert_non_null(e->targeting);
    assert_true(e->has_namespace);
    assert_string_equal(e->layer, "sourcing");
    assert_true(e->stratified);
    assert_int_equal(e->block_size, 4);
    assert_int_equal(e->n_ramp, 4);
    assert_true(e->ramp[3].percent == 50);
    assert_true(e->has_shadow);
    assert_int_equal(e->n_kpis, 2);
    assert_int_equal(e->n_guardrails, 3);
    assert_int_equal(e->guardrails[0].direction, ORDO_EXP_DIR_DECREASE);
    assert_int_equal(strlen(e->definition_version), 16);
    /* the structured hypothesis: cost per order at most +3% */
    assert_true(e->claim.structured);
    assert_string_equal(e->claim.metric, "cost_per_order");
    assert_int_equal(e->claim.direction, ORDO_EXP_DIR_INCREASE);
    assert_int_equal(e->claim.bound, ORDO_EXP_AT_MOST);
    assert_true(e->claim.margin == 0.03 && e->claim.relative);
    assert_non_null(strstr(e->hypothesis, "at most 3% more cost per order"));

    /* canonical form parses to the same experiment and version */
    char *c1 = canonical(e);
    ordo_exp_t *e2 = NULL;
    assert_int_equal(ordo_exp_parse(c1, strlen(c1), NULL, &e2, NULL), ORDO_OK);
    char *c2 = canonical(e2);
    assert_string_equal(c1, c2);
    assert_string_equal(e->definition_version, e2->definition_version);
    free(c1);
    free(c2);
    ordo_exp_destroy(e2);
    ordo_exp_destroy(e);
    free(text);
}

static const char base_doc[] =
    "{\"id\": \"t1\", \"hypothesis\": \"h\", \"unit\": \"order\","
    " \"variants\": [{\"key\": \"control\", \"policy\": \"cost-optimized\", \"weight\": 0.5},"
    "              {\"key\": \"treatment\", \"policy\": \"proximity-first\", \"weight\": 0.5}],"
    " \"primary_kpis\": [\"cost_per_order\"]}";

/* Key order and whitespace do not change the version; content does. */
static void test_version_is_content_hash(void **state)
{
    (void)state;
    static const char reordered[] =
        "{\"primary_kpis\":[\"cost_per_order\"],\"unit\":\"order\",\n\n"
        "\"variants\":[{\"weight\":0.5,\"policy\":\"cost-optimized\",\"key\":\"control\"},"
        "{\"policy\":\"proximity-first\",\"key\":\"treatment\",\"weight\":0.5}],"
        "\"hypothesis\":\"h\",\"id\":\"t1\"}";
    ordo_exp_t *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(ordo_exp_parse(base_doc, strlen(base_doc), NULL, &a, NULL), ORDO_OK);
    assert_int_equal(ordo_exp_parse(reordered, strlen(reordered), NULL, &b, NULL), ORDO_OK);
    assert_string_equal(a->definition_version, b->definition_version);
    char *changed = strdup(base_doc);
    strstr(changed, "\"h\"")[1] = 'H'; /* the hypothesis "h" → "H" */
    assert_int_equal(ordo_exp_parse(changed, strlen(changed), NULL, &c, NULL), ORDO_OK);
    assert_string_not_equal(a->definition_version, c->definition_version);
    /* defaults made explicit */
    assert_int_equal(a->hash_version, 2);
    assert_true(a->coverage == 1.0);
    assert_true(a->alpha == 0.05 && a->power == 0.8);
    free(changed);
    ordo_exp_destroy(a);
    ordo_exp_destroy(b);
    ordo_exp_destroy(c);
}

/* Applies a JSON patch (set key of the top object, or of variants[i] when
 * vi >= 0) to base_doc and expects an error naming field. */
static void expect_error(const char *key, const char *value_json, int vi, int code,
                         const char *field)
{
    cJSON *root = cJSON_Parse(base_doc);
    assert_non_null(root);
    cJSON *obj = vi >= 0 ? cJSON_GetArrayItem(cJSON_GetObjectItem(root, "variants"), vi) : root;
    if (value_json) {
        cJSON *v = cJSON_Parse(value_json);
        assert_non_null(v);
        if (cJSON_GetObjectItem(obj, key))
            cJSON_ReplaceItemInObject(obj, key, v);
        else
            cJSON_AddItemToObject(obj, key, v);
    } else {
        cJSON_DeleteItemFromObject(obj, key);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    ordo_exp_t *e = NULL;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_exp_parse(text, strlen(text), "x.json", &e, &err);
    if (rc != code || strcmp(err.field, field))
        fprintf(stderr, "doc %s\n -> rc %d field '%s' msg '%s' (want %d '%s')\n", text, rc,
                err.field, err.msg, code, field);
    assert_int_equal(rc, code);
    assert_null(e);
    assert_string_equal(err.field, field);
    assert_true(err.msg[0] != '\0');
    free(text);
}

static void test_strict_errors(void **state)
{
    (void)state;
    /* the three, plus unknown fields */
    expect_error("weight", "0.6", 1, ORDO_EINVAL, "variants");
    expect_error("weight", "0.445", 1, ORDO_EINVAL, "variants"); /* 0.945: outside ±0.01 */
    expect_error("coverage", "1.5", -1, ORDO_EINVAL, "coverage");
    expect_error("coverage", "-0.1", -1, ORDO_EINVAL, "coverage");
    expect_error("colour", "\"blue\"", -1, ORDO_EINVAL, "colour");
    expect_error("colour", "1", 0, ORDO_EINVAL, "variants[0].colour");
    expect_error("policy", "\"no-such-policy\"", 1, ORDO_EINVAL, "variants[1].policy");
    expect_error("policy_version", "\"XYZ\"", 0, ORDO_EINVAL, "variants[0].policy_version");
    /* a version that contradicts the named built-in */
    expect_error("policy_version", "\"0000000000000000\"", 0, ORDO_EINVAL,
                 "variants[0].policy_version");
    expect_error("key", "\"control\"", 1, ORDO_EINVAL, "variants[1].key");
    expect_error("weight", NULL, 1, ORDO_EINVAL, "variants[1].weight");
    expect_error("variants", "[{\"key\":\"a\",\"policy\":\"default\"}]", -1, ORDO_EINVAL,
                 "variants");
    expect_error("id", "\"has space\"", -1, ORDO_EINVAL, "id");
    expect_error("id", NULL, -1, ORDO_EINVAL, "id");
    expect_error("unit", "\"visitor\"", -1, ORDO_EINVAL, "unit");
    expect_error("hash_version", "3", -1, ORDO_EINVAL, "hash_version");
    expect_error("primary_kpis", NULL, -1, ORDO_EINVAL, "primary_kpis");
    expect_error("primary_kpis", "[]", -1, ORDO_EINVAL, "primary_kpis");
    expect_error("guardrails", "[{\"metric\":\"on_time_rate\",\"direction\":\"down\",\"margin\":1}]",
                 -1, ORDO_EINVAL, "guardrails[0].direction");
    expect_error("namespace", "{\"layer\":\"l\",\"start\":0.5,\"end\":0.5}", -1, ORDO_EINVAL,
                 "namespace.end");
    expect_error("namespace", "{\"layer\":\"l\",\"start\":0,\"end\":1.2}", -1, ORDO_EINVAL,
                 "namespace.end");
    expect_error("ramp", "[{\"percent\":1,\"after_hours\":0},{\"percent\":1,\"after_hours\":5}]",
                 -1, ORDO_EINVAL, "ramp[1].percent");
    expect_error("ramp", "[{\"percent\":5,\"after_hours\":2}]", -1, ORDO_EINVAL,
                 "ramp[0].after_hours");
    expect_error("targeting", "{\"path\":\"order.colour\",\"op\":\"eq\",\"value\":\"red\"}", -1,
                 ORDO_EINVAL, "targeting.path");
    expect_error("stratify", "{\"by\":\"county\"}", -1, ORDO_EINVAL, "stratify.by");
    expect_error("switchback", "{\"start\":\"2026-11-24\",\"window_hours\":2,\"windows\":4}", -1,
                 ORDO_EINVAL, "switchback");
    expect_error("shadow", "{\"policy\":\"nope\"}", -1, ORDO_EINVAL, "shadow.policy");
    expect_error("mde", "0", -1, ORDO_EINVAL, "mde");
    expect_error("hypothesis", "3", -1, ORDO_EINVAL, "hypothesis");
    expect_error("hypothesis", "{\"metric\":\"cost_per_order\",\"direction\":\"increase\","
                               "\"bound\":\"at_most\",\"margin\":0.03}",
                 -1, ORDO_EINVAL, "hypothesis.text");
    expect_error("hypothesis", "{\"text\":\"t\",\"metric\":\"cost_per_order\","
                               "\"direction\":\"up\",\"bound\":\"at_most\",\"margin\":0.03}",
                 -1, ORDO_EINVAL, "hypothesis.direction");
    expect_error("hypothesis", "{\"text\":\"t\",\"metric\":\"cost_per_order\","
                               "\"direction\":\"increase\",\"bound\":\"about\",\"margin\":0.03}",
                 -1, ORDO_EINVAL, "hypothesis.bound");
    expect_error("hypothesis", "{\"text\":\"t\",\"metric\":\"cost_per_order\","
                               "\"direction\":\"increase\",\"bound\":\"at_most\"}",
                 -1, ORDO_EINVAL, "hypothesis.margin");
    expect_error("hypothesis", "{\"text\":\"t\",\"metric\":\"m\",\"direction\":\"increase\","
                               "\"bound\":\"at_most\",\"margin\":1,\"colour\":1}",
                 -1, ORDO_EINVAL, "hypothesis.colour");
    expect_error("remove_default_guardrails", "[\"split_rate\"]", -1, ORDO_EINVAL,
                 "remove_default_guardrails[0]");
    expect_error("remove_default_guardrails", "[\"cancel_rate\",\"cancel_rate\"]", -1,
                 ORDO_EINVAL, "remove_default_guardrails[1]");
    expect_error("guardrails", "[{\"metric\":\"x\",\"direction\":\"increase\",\"margin\":1,"
                               "\"relative\":1}]",
                 -1, ORDO_EINVAL, "guardrails[0].relative");
    expect_error("alpha", "0.7", -1, ORDO_EINVAL, "alpha");
}

/* A prose hypothesis tests nothing and keeps its canonical form (and so the
 * content hash of documents stored before hypotheses were structured). */
static void test_prose_hypothesis(void **state)
{
    (void)state;
    ordo_exp_t *e = NULL;
    assert_int_equal(ordo_exp_parse(base_doc, strlen(base_doc), NULL, &e, NULL), ORDO_OK);
    assert_false(e->claim.structured);
    assert_string_equal(e->hypothesis, "h");
    char *c = canonical(e);
    assert_non_null(strstr(c, "\"hypothesis\":\"h\""));
    assert_null(strstr(c, "remove_default_guardrails"));
    free(c);
    ordo_exp_destroy(e);
}

/* Default guardrails: on every experiment unless declared (the declared one
 * wins) or removed by name. */
static void test_default_guardrails(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"id\":\"g\",\"hypothesis\":\"h\",\"unit\":\"order\","
        "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\",\"weight\":0.5},"
        "{\"key\":\"treatment\",\"policy\":\"proximity-first\",\"weight\":0.5}],"
        "\"primary_kpis\":[\"cost_per_order\"],"
        "\"guardrails\":[{\"metric\":\"on_time_rate\",\"direction\":\"decrease\","
        "\"margin\":0.05}],\"remove_default_guardrails\":[\"return_rate\"]}";
    ordo_exp_t *e = NULL, *plain = NULL;
    assert_int_equal(ordo_exp_parse(doc, strlen(doc), NULL, &e, NULL), ORDO_OK);
    ordo_exp_guardrail_spec_t g[ORDO_EXP_MAX_GUARDRAILS];
    size_t n = ordo_exp_effective_guardrails(e, g, ORDO_EXP_MAX_GUARDRAILS);
    assert_int_equal(n, 3);
    assert_string_equal(g[0].metric, "on_time_rate");
    assert_true(g[0].margin == 0.05); /* the declared margin, not the default 0.02 */
    assert_string_equal(g[1].metric, "cost_per_order");
    assert_true(g[1].relative && g[1].margin == 0.05);
    assert_string_equal(g[2].metric, "cancel_rate");
    assert_false(ordo_exp_guardrail_is_default(e, "on_time_rate"));
    assert_true(ordo_exp_guardrail_is_default(e, "cancel_rate"));
    char *c = canonical(e);
    ordo_exp_t *e2 = NULL;
    assert_int_equal(ordo_exp_parse(c, strlen(c), NULL, &e2, NULL), ORDO_OK);
    assert_int_equal(e2->n_removed_guardrails, 1);
    assert_string_equal(e->definition_version, e2->definition_version);
    free(c);
    assert_int_equal(ordo_exp_parse(base_doc, strlen(base_doc), NULL, &plain, NULL), ORDO_OK);
    assert_int_equal(ordo_exp_effective_guardrails(plain, g, ORDO_EXP_MAX_GUARDRAILS),
                     ORDO_EXP_DEFAULT_GUARDRAILS);
    ordo_exp_destroy(e);
    ordo_exp_destroy(e2);
    ordo_exp_destroy(plain);
}

/* Rules that involve two fields. */
static void test_cross_field_rules(void **state)
{
    (void)state;
    ordo_exp_t *e = NULL;
    ordo_error_t err;
    /* ramp above the coverage */
    static const char ramp_over[] =
        "{\"id\":\"r\",\"hypothesis\":\"h\",\"unit\":\"order\",\"coverage\":0.2,"
        "\"variants\":[{\"key\":\"a\",\"policy\":\"default\"},{\"key\":\"b\",\"policy\":\"drop-ship\"}],"
        "\"primary_kpis\":[\"x\"],\"ramp\":[{\"percent\":10,\"after_hours\":0},"
        "{\"percent\":25,\"after_hours\":24}]}";
    assert_int_equal(ordo_exp_parse(ramp_over, strlen(ramp_over), NULL, &e, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "ramp[1].percent");
    /* stratified customers cannot keep one arm */
    static const char strat_cust[] =
        "{\"id\":\"s\",\"hypothesis\":\"h\",\"unit\":\"customer\","
        "\"variants\":[{\"key\":\"a\",\"policy\":\"default\"},{\"key\":\"b\",\"policy\":\"drop-ship\"}],"
        "\"primary_kpis\":[\"x\"],\"stratify\":{\"by\":\"region\"}}";
    assert_int_equal(ordo_exp_parse(strat_cust, strlen(strat_cust), NULL, &e, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "stratify");
    /* switchbacks: schedule required; coverage must be 1 */
    static const char sb_ok[] =
        "{\"id\":\"sb\",\"hypothesis\":\"h\",\"unit\":\"switchback\","
        "\"variants\":[{\"key\":\"a\",\"policy\":\"default\"},{\"key\":\"b\",\"policy\":\"drop-ship\"}],"
        "\"primary_kpis\":[\"x\"],\"switchback\":{\"cluster\":\"region\",\"start\":"
        "\"2026-11-24T00:00:00Z\",\"window_hours\":2,\"windows\":48,\"burn_in_minutes\":15,"
        "\"block_size\":4}}";
    assert_int_equal(ordo_exp_parse(sb_ok, strlen(sb_ok), NULL, &e, &err), ORDO_OK);
    assert_int_equal(e->cluster, ORDO_EXP_CLUSTER_REGION);
    assert_int_equal(e->sb_window_seconds, 7200);
    assert_int_equal(e->sb_burn_in_seconds, 900);
    assert_int_equal(e->sb_windows, 48);
    ordo_exp_destroy(e);
    static const char sb_bad[] =
        "{\"id\":\"sb\",\"hypothesis\":\"h\",\"unit\":\"switchback\",\"coverage\":0.5,"
        "\"variants\":[{\"key\":\"a\",\"policy\":\"default\"},{\"key\":\"b\",\"policy\":\"drop-ship\"}],"
        "\"primary_kpis\":[\"x\"],\"switchback\":{\"start\":\"2026-11-24\",\"window_hours\":2,"
        "\"windows\":4}}";
    assert_int_equal(ordo_exp_parse(sb_bad, strlen(sb_bad), NULL, &e, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "coverage");
    /* malformed JSON */
    assert_int_equal(ordo_exp_parse("{\"id\":", 6, "x.json", &e, &err), ORDO_EPARSE);
    assert_null(e);
}

/* The ramp: coverage in effect over time, capped by coverage. */
static void test_ramp(void **state)
{
    (void)state;
    size_t len;
    char *text = read_example(&len);
    ordo_exp_t *e = NULL;
    assert_int_equal(ordo_exp_parse(text, len, NULL, &e, NULL), ORDO_OK);
    free(text);
    /* not started: the coverage itself */
    assert_true(ordo_exp_coverage_at(e, 1000) == 0.5);
    int64_t t0 = 1795000000;
    e->status.started_at = t0;
    assert_true(fabs(ordo_exp_coverage_at(e, t0) - 0.01) < 1e-12);
    assert_true(fabs(ordo_exp_coverage_at(e, t0 + 24 * 3600 - 1) - 0.01) < 1e-12);
    assert_true(fabs(ordo_exp_coverage_at(e, t0 + 24 * 3600) - 0.05) < 1e-12);
    assert_true(fabs(ordo_exp_coverage_at(e, t0 + 100 * 3600) - 0.25) < 1e-12);
    assert_true(fabs(ordo_exp_coverage_at(e, t0 + 1000 * 3600) - 0.5) < 1e-12);
    ordo_exp_destroy(e);
}

static void test_builtin_versions(void **state)
{
    (void)state;
    const char *const *names = ordo_policy_builtin_names();
    size_t n = 0;
    for (; names[n]; n++) {
        ordo_policy_t *p = NULL;
        assert_int_equal(ordo_policy_builtin(names[n], &p, NULL), ORDO_OK);
        assert_string_equal(ordo_exp_builtin_policy_version(names[n]), p->version);
        assert_string_equal(ordo_exp_builtin_policy_name(p->version), names[n]);
        ordo_policy_destroy(p);
    }
    assert_true(n >= 5);
    assert_null(ordo_exp_builtin_policy_version("nope"));
    assert_null(ordo_exp_builtin_policy_name("0000000000000000"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),         cmocka_unit_test(test_version_is_content_hash),
        cmocka_unit_test(test_strict_errors),   cmocka_unit_test(test_cross_field_rules),
        cmocka_unit_test(test_ramp),            cmocka_unit_test(test_builtin_versions),
        cmocka_unit_test(test_prose_hypothesis), cmocka_unit_test(test_default_guardrails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
