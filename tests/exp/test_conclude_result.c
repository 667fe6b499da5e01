/* SPDX-License-Identifier: Apache-2.0 */
/* tests for ordo_exp_registry_conclude (src/exp/lifecycle.c): the report and
 * the result document are stored in the transaction that concludes, so a
 * report the store refuses leaves the experiment stopped and stores nothing;
 * the result document carries the dates, the winner and the promoted
 * policy. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/exp.h"
#include "ordo/util.h"

typedef struct fx {
    char dir[256];
    ordo_store_t *store;
    ordo_exp_registry_t *reg;
} fx_t;

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static const char doc[] =
    "{\"id\":\"x\",\"hypothesis\":\"cheaper at the same speed\",\"unit\":\"order\","
    "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\",\"weight\":0.5},"
    "{\"key\":\"treatment\",\"policy\":\"proximity-first\",\"weight\":0.5}],"
    "\"primary_kpis\":[\"cost_per_order\"]}";

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ordo-exp-conclude-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    ordo_error_t err;
    if (ordo_store_open(f->dir, NULL, &f->store, &err) ||
        ordo_exp_registry_open(f->store, &f->reg, &err) ||
        ordo_exp_registry_create(f->reg, doc, strlen(doc), "x.json", "alice", NULL, NULL, &err) ||
        ordo_exp_registry_transition(f->reg, "x", ORDO_EXP_ACT_START, NULL, "alice", NULL,
                                     1795000000, NULL, &err) ||
        ordo_exp_registry_transition(f->reg, "x", ORDO_EXP_ACT_STOP, NULL, "alice", NULL,
                                     1795600000, NULL, &err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    ordo_exp_registry_close(f->reg);
    ordo_store_close(f->store, NULL);
    nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static ordo_exp_state_t state_of(fx_t *f)
{
    ordo_exp_t *e = NULL;
    assert_int_equal(ordo_exp_registry_get(f->reg, "x", &e, NULL), ORDO_OK);
    ordo_exp_state_t s = e->status.state;
    ordo_exp_destroy(e);
    return s;
}

static bool has_doc(fx_t *f, const char *kind)
{
    char *json = NULL;
    int rc = ordo_store_doc_get(f->store, kind, "x", &json, NULL, NULL, NULL);
    free(json);
    return rc == ORDO_OK;
}

static void test_refused_report_changes_nothing(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    static const char bad[] = "{\"report_version\": 1,"; /* not JSON */
    static const char summary[] = "{\"verdict\":\"ship\"}";
    ordo_exp_conclusion_t res = {bad, sizeof bad - 1, summary, sizeof summary - 1};
    assert_int_not_equal(
        ordo_exp_registry_conclude(f->reg, "x", "treatment", "bob", NULL, &res, 0, NULL, &err),
        ORDO_OK);
    assert_int_equal(state_of(f), ORDO_EXP_STOPPED);
    assert_false(has_doc(f, ORDO_EXP_RESULT_KIND));
    assert_false(has_doc(f, ORDO_EXP_REPORT_KIND));
    assert_false(has_doc(f, ORDO_EXP_DEFAULT_POLICY_KIND)); /* no rollout either */
}

static void test_result_document(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    static const char report[] = "{\"report_version\":1}";
    static const char summary[] = "{\"verdict\":\"ship\",\"metrics\":[]}";
    ordo_exp_conclusion_t res = {report, sizeof report - 1, summary, sizeof summary - 1};
    ordo_exp_t *e = NULL;
    assert_int_equal(ordo_exp_registry_conclude(f->reg, "x", "treatment", "bob", "won", &res,
                                                1796000000, &e, &err),
                     ORDO_OK);
    assert_int_equal(e->status.state, ORDO_EXP_CONCLUDED);
    ordo_exp_destroy(e);
    char *json = NULL;
    assert_int_equal(
        ordo_store_doc_get(f->store, ORDO_EXP_REPORT_KIND, "x", &json, NULL, NULL, &err), ORDO_OK);
    assert_string_equal(json, report);
    free(json);
    assert_int_equal(
        ordo_store_doc_get(f->store, ORDO_EXP_RESULT_KIND, "x", &json, NULL, NULL, &err), ORDO_OK);
    char want[512];
    snprintf(want, sizeof want,
             "\"promoted_policy\":{\"policy_version\":\"%s\",\"policy\":\"proximity-first\"}",
             ordo_exp_builtin_policy_version("proximity-first"));
    assert_non_null(strstr(json, want));
    assert_non_null(strstr(json, "\"winner\":\"treatment\""));
    assert_non_null(strstr(json, "\"hypothesis\":\"cheaper at the same speed\""));
    char t[32];
    ordo_time_format(1796000000, t, sizeof t);
    snprintf(want, sizeof want, "\"concluded_at\":\"%s\"", t);
    assert_non_null(strstr(json, want));
    ordo_time_format(1795000000, t, sizeof t);
    snprintf(want, sizeof want, "\"started_at\":\"%s\"", t);
    assert_non_null(strstr(json, want));
    assert_non_null(strstr(json, "\"summary\":{\"verdict\":\"ship\",\"metrics\":[]}"));
    free(json);
}

static void test_no_report(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    ordo_exp_conclusion_t res = {NULL, 0, NULL, 0};
    assert_int_equal(
        ordo_exp_registry_conclude(f->reg, "x", NULL, "bob", NULL, &res, 0, NULL, &err), ORDO_OK);
    assert_int_equal(state_of(f), ORDO_EXP_CONCLUDED);
    assert_false(has_doc(f, ORDO_EXP_REPORT_KIND));
    char *json = NULL;
    assert_int_equal(
        ordo_store_doc_get(f->store, ORDO_EXP_RESULT_KIND, "x", &json, NULL, NULL, &err), ORDO_OK);
    assert_non_null(strstr(json, "\"summary\":null"));
    assert_non_null(strstr(json, "\"promoted_policy\":null"));
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refused_report_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_result_document, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_report, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
