/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/exp/registry.c and lifecycle.c: strict create against the
 * store (policy versions, overlapping namespaces), the lifecycle state
 * machine, the kill switch, the guardrail stop, the winner's rollout and
 * the audit trail. Each test runs on a fresh data directory. */
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

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ordo-exp-reg-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    ordo_error_t err;
    if (ordo_store_open(f->dir, NULL, &f->store, &err) ||
        ordo_exp_registry_open(f->store, &f->reg, &err))
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

/* A small valid document; ns_start/ns_end < 0: no namespace. */
static char *doc(const char *id, const char *layer, double ns_start, double ns_end,
                 const char *control_version)
{
    char ns[160] = "";
    if (layer)
        snprintf(ns, sizeof ns, ",\"namespace\":{\"layer\":\"%s\",\"start\":%g,\"end\":%g}", layer,
                 ns_start, ns_end);
    char control[96];
    if (control_version)
        snprintf(control, sizeof control, "\"policy_version\":\"%s\"", control_version);
    else
        snprintf(control, sizeof control, "\"policy\":\"cost-optimized\"");
    char *s = malloc(1024);
    snprintf(s, 1024,
             "{\"id\":\"%s\",\"hypothesis\":\"test\",\"unit\":\"order\","
             "\"variants\":[{\"key\":\"control\",%s,\"weight\":0.5},"
             "{\"key\":\"treatment\",\"policy\":\"proximity-first\",\"weight\":0.5}],"
             "\"primary_kpis\":[\"cost_per_order\"]%s}",
             id, control, ns);
    return s;
}

static int create(fx_t *f, char *json, ordo_error_t *err)
{
    int rc = ordo_exp_registry_create(f->reg, json, strlen(json), "t.json", "alice", "test", NULL,
                                      err);
    free(json);
    return rc;
}

static int act(fx_t *f, const char *id, ordo_exp_action_t a, const char *winner, ordo_error_t *err)
{
    return ordo_exp_registry_transition(f->reg, id, a, winner, "bob", "because", 0, NULL, err);
}

static ordo_exp_state_t state_of(fx_t *f, const char *id, bool *killed)
{
    ordo_exp_t *e = NULL;
    assert_int_equal(ordo_exp_registry_get(f->reg, id, &e, NULL), ORDO_OK);
    ordo_exp_state_t s = e->status.state;
    if (killed)
        *killed = e->status.killed;
    ordo_exp_destroy(e);
    return s;
}

static void test_create_and_get(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    uint64_t g0, g1;
    assert_int_equal(ordo_exp_registry_generation(f->reg, &g0, NULL), ORDO_OK);
    assert_int_equal(create(f, doc("a", NULL, 0, 0, NULL), &err), ORDO_OK);
    assert_int_equal(ordo_exp_registry_generation(f->reg, &g1, NULL), ORDO_OK);
    assert_true(g1 > g0);
    ordo_exp_t *e = NULL;
    assert_int_equal(ordo_exp_registry_get(f->reg, "a", &e, &err), ORDO_OK);
    assert_int_equal(e->status.state, ORDO_EXP_DRAFT);
    assert_true(e->status.created_at > 0);
    assert_int_equal(e->store_version, 1);
    assert_string_equal(e->variants[0].policy_version,
                        ordo_exp_builtin_policy_version("cost-optimized"));
    ordo_exp_destroy(e);
    /* same id again */
    assert_int_equal(create(f, doc("a", NULL, 0, 0, NULL), &err), ORDO_EEXIST);
    assert_string_equal(err.field, "id");
    assert_int_equal(ordo_exp_registry_get(f->reg, "nope", &e, &err), ORDO_ENOTFOUND);
    /* a bad document stores nothing */
    char *bad = strdup("{\"id\":\"b\",\"bogus\":1}");
    assert_int_equal(create(f, bad, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "bogus");
    assert_int_equal(ordo_exp_registry_get(f->reg, "b", &e, &err), ORDO_ENOTFOUND);
}

/* Unknown policy versions are errors until registered. */
static void test_policy_versions(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    /* a policy of our own: the built-in default under another name */
    const char *json = ordo_policy_builtin_json("default");
    char *mine = malloc(strlen(json) + 16);
    strcpy(mine, json);
    char *name = strstr(mine, "\"default\"");
    memcpy(name, "\"mine00\" ", 9);
    ordo_policy_t *p = NULL;
    assert_int_equal(ordo_policy_parse(mine, strlen(mine), "mine", &p, &err), ORDO_OK);
    free(mine);
    assert_null(ordo_exp_builtin_policy_name(p->version));

    assert_int_equal(create(f, doc("c", NULL, 0, 0, p->version), &err), ORDO_EINVAL);
    assert_string_equal(err.field, "variants[0].policy_version");
    assert_non_null(strstr(err.msg, p->version));

    bool known = true;
    assert_int_equal(ordo_exp_policy_known(f->store, p->version, &known, NULL), ORDO_OK);
    assert_false(known);
    assert_int_equal(ordo_exp_policy_register(f->store, p, &err), ORDO_OK);
    assert_int_equal(ordo_exp_policy_register(f->store, p, &err), ORDO_OK); /* idempotent */
    assert_int_equal(ordo_exp_policy_known(f->store, p->version, &known, NULL), ORDO_OK);
    assert_true(known);
    assert_int_equal(create(f, doc("c", NULL, 0, 0, p->version), &err), ORDO_OK);

    /* the registered policy loads back with the same version */
    ordo_policy_t *q = NULL;
    assert_int_equal(ordo_exp_policy_load(f->store, p->version, &q, &err), ORDO_OK);
    assert_string_equal(q->version, p->version);
    assert_string_equal(q->name, "mine00");
    ordo_policy_destroy(q);
    assert_int_equal(ordo_exp_policy_load(f->store, "0123456789abcdef", &q, &err),
                     ORDO_ENOTFOUND);
    ordo_policy_destroy(p);
}

static void test_overlapping_namespaces(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    assert_int_equal(create(f, doc("n1", "sourcing", 0, 0.5, NULL), &err), ORDO_OK);
    /* overlap in the same layer */
    assert_int_equal(create(f, doc("n2", "sourcing", 0.4, 0.8, NULL), &err), ORDO_EINVAL);
    assert_string_equal(err.field, "namespace");
    assert_non_null(strstr(err.msg, "n1"));
    /* touching ranges do not overlap ([0, .5) and [.5, 1)) */
    assert_int_equal(create(f, doc("n3", "sourcing", 0.5, 1, NULL), &err), ORDO_OK);
    /* another layer is independent */
    assert_int_equal(create(f, doc("n4", "promise", 0, 1, NULL), &err), ORDO_OK);
    /* once n1 is concluded its slice is free again */
    assert_int_equal(act(f, "n1", ORDO_EXP_ACT_START, NULL, &err), ORDO_OK);
    assert_int_equal(act(f, "n1", ORDO_EXP_ACT_STOP, NULL, &err), ORDO_OK);
    assert_int_equal(create(f, doc("n5", "sourcing", 0.1, 0.3, NULL), &err), ORDO_EINVAL);
    assert_int_equal(act(f, "n1", ORDO_EXP_ACT_CONCLUDE, NULL, &err), ORDO_OK);
    assert_int_equal(create(f, doc("n5", "sourcing", 0.1, 0.3, NULL), &err), ORDO_OK);
}

typedef struct hist {
    int n;
    char actions[16][32];
    char actors[16][32];
    char reasons[16][128];
    char details[16][256];
} hist_t;

static int hist_fn(void *ctx, const ordo_store_audit_entry_t *a)
{
    hist_t *h = ctx;
    if (h->n < 16) {
        snprintf(h->actions[h->n], 32, "%s", a->action);
        snprintf(h->actors[h->n], 32, "%s", a->actor);
        snprintf(h->reasons[h->n], 128, "%s", a->reason ? a->reason : "");
        snprintf(h->details[h->n], 256, "%s", a->detail_json ? a->detail_json : "");
    }
    h->n++;
    return 0;
}

static void test_lifecycle(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    assert_int_equal(create(f, doc("l", NULL, 0, 0, NULL), &err), ORDO_OK);
    /* illegal from draft */
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_PAUSE, NULL, &err), ORDO_ESTATE);
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_STOP, NULL, &err), ORDO_ESTATE);
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_CONCLUDE, NULL, &err), ORDO_ESTATE);
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_KILL, NULL, &err), ORDO_ESTATE);
    assert_int_equal(state_of(f, "l", NULL), ORDO_EXP_DRAFT);

    assert_int_equal(ordo_exp_registry_transition(f->reg, "l", ORDO_EXP_ACT_START, NULL, "bob",
                                                  "go", 1795000000, NULL, &err),
                     ORDO_OK);
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_START, NULL, &err), ORDO_ESTATE); /* running */
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_PAUSE, NULL, &err), ORDO_OK);
    assert_int_equal(state_of(f, "l", NULL), ORDO_EXP_PAUSED);
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_START, NULL, &err), ORDO_OK);
    ordo_exp_t *e = NULL;
    assert_int_equal(ordo_exp_registry_get(f->reg, "l", &e, NULL), ORDO_OK);
    assert_int_equal(e->status.started_at, 1795000000); /* the first start counts */
    ordo_exp_destroy(e);
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_CONCLUDE, "treatment", &err), ORDO_ESTATE);
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_STOP, "treatment", &err), ORDO_EINVAL);
    assert_string_equal(err.field, "winner");
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_STOP, NULL, &err), ORDO_OK);
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_START, NULL, &err), ORDO_ESTATE);
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_CONCLUDE, "nobody", &err), ORDO_EINVAL);
    assert_string_equal(err.field, "winner");

    /* no default policy before the rollout */
    char ver[ORDO_POLICY_VERSION_LEN], from[ORDO_EXP_ID_MAX], var[ORDO_EXP_KEY_MAX];
    assert_int_equal(ordo_exp_default_policy_get(f->store, ver, from, var, NULL), ORDO_ENOTFOUND);
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_CONCLUDE, "treatment", &err), ORDO_OK);
    assert_int_equal(ordo_exp_default_policy_get(f->store, ver, from, var, &err), ORDO_OK);
    assert_string_equal(ver, ordo_exp_builtin_policy_version("proximity-first"));
    assert_string_equal(from, "l");
    assert_string_equal(var, "treatment");

    /* concluded: never starts again, with a clear message */
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_START, NULL, &err), ORDO_ESTATE);
    assert_non_null(strstr(err.msg, "concluded"));
    assert_int_equal(act(f, "l", ORDO_EXP_ACT_KILL, NULL, &err), ORDO_ESTATE);
    assert_int_equal(act(f, "missing", ORDO_EXP_ACT_START, NULL, &err), ORDO_ENOTFOUND);

    /* the audit trail: every change, in order, who and why */
    hist_t h = {0};
    assert_int_equal(ordo_exp_registry_history(f->reg, "l", hist_fn, &h, &err), ORDO_OK);
    static const char *const want[] = {"create", "start", "pause", "start", "stop", "conclude"};
    assert_int_equal(h.n, 6);
    for (int i = 0; i < 6; i++)
        assert_string_equal(h.actions[i], want[i]);
    assert_string_equal(h.actors[0], "alice");
    assert_string_equal(h.actors[1], "bob");
    assert_string_equal(h.reasons[1], "go");
    assert_non_null(strstr(h.details[5], "\"winner\":\"treatment\""));
    assert_non_null(strstr(h.details[2], "\"from\":\"running\",\"to\":\"paused\""));
}

static void test_kill_switch(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    assert_int_equal(create(f, doc("k", NULL, 0, 0, NULL), &err), ORDO_OK);
    assert_int_equal(act(f, "k", ORDO_EXP_ACT_START, NULL, &err), ORDO_OK);
    assert_int_equal(act(f, "k", ORDO_EXP_ACT_KILL, NULL, &err), ORDO_OK);
    bool killed = false;
    assert_int_equal(state_of(f, "k", &killed), ORDO_EXP_STOPPED);
    assert_true(killed);
    assert_int_equal(act(f, "k", ORDO_EXP_ACT_KILL, NULL, &err), ORDO_ESTATE);
    assert_int_equal(act(f, "k", ORDO_EXP_ACT_START, NULL, &err), ORDO_ESTATE);
    /* a killed experiment stays routed (to control) until concluded */
    ordo_exp_snapshot_t *snap = NULL;
    assert_int_equal(ordo_exp_snapshot_load(f->reg, &snap, &err), ORDO_OK);
    assert_int_equal(ordo_exp_snapshot_count(snap), 1);
    ordo_exp_snapshot_destroy(snap);
    assert_int_equal(act(f, "k", ORDO_EXP_ACT_CONCLUDE, NULL, &err), ORDO_OK);
    assert_int_equal(ordo_exp_snapshot_load(f->reg, &snap, &err), ORDO_OK);
    assert_int_equal(ordo_exp_snapshot_count(snap), 0);
    ordo_exp_snapshot_destroy(snap);
}

static void test_guardrail_stop(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    assert_int_equal(create(f, doc("g", NULL, 0, 0, NULL), &err), ORDO_OK);
    assert_int_equal(ordo_exp_guardrail_stop(f->reg, "g", "on_time_rate", "x", &err), ORDO_ESTATE);
    assert_int_equal(act(f, "g", ORDO_EXP_ACT_START, NULL, &err), ORDO_OK);
    assert_int_equal(ordo_exp_guardrail_stop(f->reg, "g", "on_time_rate",
                                             "treatment -2.1 pts, CI [-3.0, -1.2]", &err),
                     ORDO_OK);
    ordo_exp_t *e = NULL;
    assert_int_equal(ordo_exp_registry_get(f->reg, "g", &e, NULL), ORDO_OK);
    assert_int_equal(e->status.state, ORDO_EXP_STOPPED);
    assert_non_null(strstr(e->status.stop_reason, "on_time_rate"));
    ordo_exp_destroy(e);
    hist_t h = {0};
    assert_int_equal(ordo_exp_registry_history(f->reg, "g", hist_fn, &h, &err), ORDO_OK);
    assert_int_equal(h.n, 3);
    assert_string_equal(h.actions[2], "guardrail_stop");
    assert_string_equal(h.actors[2], "guardrail");
    assert_string_equal(h.reasons[2], "guardrail on_time_rate breached");
    assert_non_null(strstr(h.details[2], "CI [-3.0, -1.2]"));
    /* already stopped */
    assert_int_equal(ordo_exp_guardrail_stop(f->reg, "g", "on_time_rate", NULL, &err),
                     ORDO_ESTATE);
    assert_int_equal(ordo_exp_guardrail_stop(f->reg, "g", "", NULL, &err), ORDO_EINVAL);
}

/* Optimistic concurrency: a writer holding a stale version loses, and a
 * transition through another handle re-reads instead of overwriting. */
static void test_concurrent_handles(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    assert_int_equal(create(f, doc("cc", NULL, 0, 0, NULL), &err), ORDO_OK);
    ordo_store_t *s2 = NULL;
    ordo_exp_registry_t *r2 = NULL;
    assert_int_equal(ordo_store_open(f->dir, NULL, &s2, &err), ORDO_OK);
    assert_int_equal(ordo_exp_registry_open(s2, &r2, &err), ORDO_OK);
    ordo_exp_t *stale = NULL;
    assert_int_equal(ordo_exp_registry_get(f->reg, "cc", &stale, NULL), ORDO_OK);
    assert_int_equal(ordo_exp_registry_transition(r2, "cc", ORDO_EXP_ACT_START, NULL, "carol",
                                                  NULL, 0, NULL, &err),
                     ORDO_OK);
    /* writing the stale copy back is refused by the store */
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(ordo_store_doc_get(f->store, ORDO_EXP_DOC_KIND, "cc", &json, &len, NULL, NULL),
                     ORDO_OK);
    assert_int_equal(ordo_store_doc_put(f->store, ORDO_EXP_DOC_KIND, "cc", json, len,
                                        stale->store_version, NULL, &err),
                     ORDO_ECONFLICT);
    free(json);
    ordo_exp_destroy(stale);
    /* the first handle sees the change and continues from it */
    assert_int_equal(act(f, "cc", ORDO_EXP_ACT_PAUSE, NULL, &err), ORDO_OK);
    assert_int_equal(state_of(f, "cc", NULL), ORDO_EXP_PAUSED);
    ordo_exp_registry_close(r2);
    ordo_store_close(s2, NULL);
}

static int count_fn(void *ctx, const ordo_exp_t *e)
{
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static void test_list(void **state)
{
    fx_t *f = *state;
    ordo_error_t err;
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "e%d", i);
        assert_int_equal(create(f, doc(id, NULL, 0, 0, NULL), &err), ORDO_OK);
    }
    int n = 0;
    assert_int_equal(ordo_exp_registry_list(f->reg, count_fn, &n, &err), ORDO_OK);
    assert_int_equal(n, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlapping_namespaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guardrail_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
