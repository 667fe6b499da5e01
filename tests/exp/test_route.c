/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/exp/route.c: routing orders over a snapshot of running
 * experiments — targeting, namespaces, ramp, warm-up, kill switch, overlap
 * between experiments, switchbacks, stratified permuted blocks with durable
 * counters, and shadow policies. Expected arms are recomputed independently
 * from the GrowthBook hash (ordo_exp_hash) and bucket ranges. */
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "ordo/exp.h"
#include "ordo/util.h"

#define T0 1795000000 /* first start */

static ordo_exp_t *mk(const char *json, ordo_exp_state_t st, int64_t started_at)
{
    ordo_exp_t *e = NULL;
    ordo_error_t err;
    int rc = ordo_exp_parse(json, strlen(json), NULL, &e, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", err.field, err.msg);
    assert_int_equal(rc, ORDO_OK);
    e->status.state = st;
    e->status.started_at = started_at;
    return e;
}

static void ctx_init(ordo_order_ctx_t *c, const char *state, const char *region, double value)
{
    memset(c, 0, sizeof *c);
    c->state = state;
    c->region = region;
    c->zip3 = 100;
    c->channel = "web";
    c->service_level = "standard";
    c->cohort = "";
    c->customer_id = "";
    c->value = value;
}

#define VARIANTS                                                                                   \
    "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\",\"weight\":0.5},"           \
    "{\"key\":\"treatment\",\"policy\":\"proximity-first\",\"weight\":0.5}],"                     \
    "\"primary_kpis\":[\"cost_per_order\"]"

/* Routing matches an independent recomputation of GrowthBook's rules:
 * targeting, namespace (hash("__layer", id, 1) in range), coverage and the
 * arm ranges on hash(seed, id, 2). */
static void test_matches_growthbook(void **state)
{
    (void)state;
    ordo_exp_t *e = mk("{\"id\":\"pvc\",\"hypothesis\":\"h\",\"unit\":\"order\",\"seed\":\"s1\","
                       "\"coverage\":0.6," VARIANTS ",\"namespace\":{\"layer\":\"sourcing\","
                       "\"start\":0.2,\"end\":0.7},\"targeting\":{\"path\":\"order.value\","
                       "\"op\":\"ge\",\"value\":50}}",
                       ORDO_EXP_RUNNING, T0);
    const ordo_exp_t *list[1] = {e};
    ordo_exp_snapshot_t *snap = NULL;
    assert_int_equal(ordo_exp_snapshot_build(list, 1, "feedfacefeedface", &snap, NULL), ORDO_OK);
    ordo_exp_route_t *r = malloc(sizeof *r);
    ordo_order_ctx_t ctx;
    int counts[2] = {0, 0}, reasons[16] = {0};
    for (int i = 0; i < 4000; i++) {
        char id[32];
        snprintf(id, sizeof id, "ORD-%06d", i);
        double value = (i % 10 == 0) ? 20 : 80; /* one in ten targeted out */
        ctx_init(&ctx, "NY", "northeast", value);
        ordo_exp_units_t u = {.order_id = id};
        assert_int_equal(ordo_exp_route(snap, &ctx, &u, T0 + 10, r, NULL), ORDO_OK);
        assert_int_equal(r->n, 1);
        const ordo_exp_route_entry_t *en = &r->entries[0];
        reasons[en->reason]++;
        /* independent expectation */
        int want_arm = -1;
        ordo_exp_route_reason_t want;
        bool in_ns;
        assert_int_equal(
            ordo_exp_in_namespace("sourcing", 8, 0.2, 0.7, id, strlen(id), &in_ns, NULL),
            ORDO_OK);
        double h;
        assert_int_equal(ordo_exp_hash("s1", 2, id, strlen(id), 2, &h, NULL), ORDO_OK);
        if (value < 50)
            want = ORDO_EXP_ROUTE_TARGETED_OUT;
        else if (!in_ns)
            want = ORDO_EXP_ROUTE_NAMESPACE;
        else if (h < 0.3)
            want = ORDO_EXP_ROUTE_ASSIGNED, want_arm = 0;
        else if (h >= 0.5 && h < 0.8)
            want = ORDO_EXP_ROUTE_ASSIGNED, want_arm = 1;
        else
            want = ORDO_EXP_ROUTE_COVERAGE;
        assert_int_equal(en->reason, want);
        assert_int_equal(en->variant_index, want_arm);
        if (want_arm >= 0) {
            counts[want_arm]++;
            assert_true(en->in_experiment);
            assert_true(en->bucket == h);
            assert_int_equal(r->acting, 0);
            assert_string_equal(r->policy_version, e->variants[want_arm].policy_version);
            assert_string_equal(en->variant, e->variants[want_arm].key);
        } else {
            assert_false(en->in_experiment);
            assert_null(en->variant);
            assert_int_equal(r->acting, -1);
            assert_string_equal(r->policy_version, "feedfacefeedface"); /* the default */
        }
    }
    assert_true(reasons[ORDO_EXP_ROUTE_TARGETED_OUT] == 400);
    assert_true(counts[0] > 400 && counts[1] > 400);
    assert_true(reasons[ORDO_EXP_ROUTE_NAMESPACE] > 1000);
    free(r);
    ordo_exp_snapshot_destroy(snap);
    ordo_exp_destroy(e);
}

/* Ramp stages raise coverage at their time; a unit never changes arm as
 * the ramp rises; warm-up flags the first hours. */
static void test_ramp_and_warmup(void **state)
{
    (void)state;
    ordo_exp_t *e = mk("{\"id\":\"ramp\",\"hypothesis\":\"h\",\"unit\":\"customer\"," VARIANTS
                       ",\"warmup_hours\":24,\"ramp\":[{\"percent\":1,\"after_hours\":0},"
                       "{\"percent\":5,\"after_hours\":24},{\"percent\":25,\"after_hours\":72},"
                       "{\"percent\":50,\"after_hours\":168}]}",
                       ORDO_EXP_RUNNING, T0);
    const ordo_exp_t *list[1] = {e};
    ordo_exp_snapshot_t *snap = NULL;
    assert_int_equal(ordo_exp_snapshot_build(list, 1, NULL, &snap, NULL), ORDO_OK);
    ordo_exp_route_t *r = malloc(sizeof *r);
    static const int64_t at[4] = {T0 + 3600, T0 + 30 * 3600, T0 + 100 * 3600, T0 + 200 * 3600};
    static const double pct[4] = {0.01, 0.05, 0.25, 0.5};
    enum { N = 20000 };
    signed char *arm = malloc(N);
    memset(arm, -1, N);
    for (int s = 0; s < 4; s++) {
        int in = 0;
        for (int i = 0; i < N; i++) {
            char id[32];
            snprintf(id, sizeof id, "cust-%07d", i);
            ordo_order_ctx_t ctx;
            ctx_init(&ctx, "CA", "west", 100);
            ctx.customer_id = id; /* customer unit: from the context */
            assert_int_equal(ordo_exp_route(snap, &ctx, NULL, at[s], r, NULL), ORDO_OK);
            const ordo_exp_route_entry_t *en = &r->entries[0];
            if (en->in_experiment) {
                in++;
                if (arm[i] >= 0)
                    assert_int_equal(en->variant_index, arm[i]); /* sticky */
                arm[i] = (signed char)en->variant_index;
                assert_int_equal(en->in_warmup, s == 0);
                assert_int_equal(en->excluded, s == 0);
            } else {
                assert_int_equal(en->reason, ORDO_EXP_ROUTE_COVERAGE);
                assert_int_equal(arm[i], -1); /* nobody leaves */
            }
        }
        double share = (double)in / N;
        assert_true(fabs(share - pct[s]) < 4 * sqrt(pct[s] * (1 - pct[s]) / N) + 0.002);
    }
    /* a guest (no customer id) is not in the experiment */
    ordo_order_ctx_t ctx;
    ctx_init(&ctx, "CA", "west", 100);
    assert_int_equal(ordo_exp_route(snap, &ctx, NULL, at[3], r, NULL), ORDO_OK);
    assert_int_equal(r->entries[0].reason, ORDO_EXP_ROUTE_MISSING_UNIT);
    free(arm);
    free(r);
    ordo_exp_snapshot_destroy(snap);
    ordo_exp_destroy(e);
}

/* Kill switch → control; two overlapping experiments → the earlier one acts;
 * experiments that are not running are not in the snapshot. */
static void test_kill_overlap_priority(void **state)
{
    (void)state;
    ordo_exp_t *a = mk("{\"id\":\"a\",\"hypothesis\":\"h\",\"unit\":\"order\"," VARIANTS "}",
                       ORDO_EXP_RUNNING, T0 + 100);
    ordo_exp_t *b = mk("{\"id\":\"b\",\"hypothesis\":\"h\",\"unit\":\"order\"," VARIANTS "}",
                       ORDO_EXP_RUNNING, T0); /* started first: higher priority */
    ordo_exp_t *c = mk("{\"id\":\"c\",\"hypothesis\":\"h\",\"unit\":\"order\"," VARIANTS "}",
                       ORDO_EXP_PAUSED, T0);
    ordo_exp_t *d = mk("{\"id\":\"d\",\"hypothesis\":\"h\",\"unit\":\"order\"," VARIANTS "}",
                       ORDO_EXP_STOPPED, T0 - 100);
    d->status.killed = true;
    const ordo_exp_t *list[4] = {a, b, c, d};
    ordo_exp_snapshot_t *snap = NULL;
    assert_int_equal(ordo_exp_snapshot_build(list, 4, NULL, &snap, NULL), ORDO_OK);
    assert_int_equal(ordo_exp_snapshot_count(snap), 3); /* c is paused */
    ordo_exp_route_t *r = malloc(sizeof *r);
    int treatment_of_d = 0;
    for (int i = 0; i < 500; i++) {
        char id[32];
        snprintf(id, sizeof id, "o%d", i);
        ordo_order_ctx_t ctx;
        ctx_init(&ctx, "TX", "south", 10);
        ordo_exp_units_t u = {.order_id = id};
        assert_int_equal(ordo_exp_route(snap, &ctx, &u, T0 + 1000, r, NULL), ORDO_OK);
        assert_int_equal(r->n, 3);
        /* priority: d (killed, earliest), b, a */
        assert_string_equal(r->entries[0].experiment, "d");
        assert_string_equal(r->entries[1].experiment, "b");
        assert_string_equal(r->entries[2].experiment, "a");
        assert_int_equal(r->entries[0].reason, ORDO_EXP_ROUTE_KILLED);
        assert_false(r->entries[0].in_experiment);
        assert_string_equal(r->entries[0].variant, "control");
        assert_int_equal(r->acting, 0);
        assert_string_equal(r->policy_version, d->variants[0].policy_version);
        assert_int_equal(r->entries[1].reason, ORDO_EXP_ROUTE_OVERLAP);
        assert_int_equal(r->entries[2].reason, ORDO_EXP_ROUTE_OVERLAP);
        double h;
        ordo_exp_hash("d", 1, id, strlen(id), 2, &h, NULL);
        treatment_of_d += h >= 0.5;
    }
    assert_true(treatment_of_d > 150); /* those would have had treatment: all control now */
    ordo_exp_snapshot_destroy(snap);
    /* without d, b acts and a overlaps */
    const ordo_exp_t *list2[2] = {a, b};
    assert_int_equal(ordo_exp_snapshot_build(list2, 2, NULL, &snap, NULL), ORDO_OK);
    ordo_order_ctx_t ctx;
    ctx_init(&ctx, "TX", "south", 10);
    ordo_exp_units_t u = {.order_id = "o1"};
    assert_int_equal(ordo_exp_route(snap, &ctx, &u, T0 + 1000, r, NULL), ORDO_OK);
    assert_int_equal(r->acting, 0);
    assert_string_equal(r->entries[0].experiment, "b");
    assert_true(r->entries[0].in_experiment);
    assert_int_equal(r->entries[1].reason, ORDO_EXP_ROUTE_OVERLAP);
    /* invalid UTF-8 in a unit id is an error, not a silent hash */
    u.order_id = "bad\xc3";
    assert_int_equal(ordo_exp_route(snap, &ctx, &u, T0 + 1000, r, NULL), ORDO_EINVAL);
    ordo_exp_snapshot_destroy(snap);
    free(r);
    ordo_exp_destroy(a);
    ordo_exp_destroy(b);
    ordo_exp_destroy(c);
    ordo_exp_destroy(d);
}

/* Switchbacks: the cluster's arm for the window of now, burn-in excluded. */
static void test_switchback(void **state)
{
    (void)state;
    ordo_exp_t *e = mk("{\"id\":\"sb\",\"hypothesis\":\"h\",\"unit\":\"switchback\"," VARIANTS
                       ",\"switchback\":{\"start\":\"2026-11-24T00:00:00Z\",\"window_hours\":2,"
                       "\"windows\":24,\"burn_in_minutes\":15,\"block_size\":4}}",
                       ORDO_EXP_RUNNING, T0);
    const ordo_exp_t *list[1] = {e};
    ordo_exp_snapshot_t *snap = NULL;
    assert_int_equal(ordo_exp_snapshot_build(list, 1, NULL, &snap, NULL), ORDO_OK);
    double w[2] = {0.5, 0.5};
    int64_t start;
    assert_int_equal(ordo_time_parse("2026-11-24T00:00:00Z", &start), 0);
    ordo_exp_switchback_spec_t spec = {.seed = "sb", .hash_version = 2, .start = start,
                                       .window_seconds = 7200, .n_windows = 24,
                                       .burn_in_seconds = 900, .n_arms = 2, .weights = w,
                                       .n_weights = 2, .block_size = 4};
    ordo_exp_switchback_t sb;
    assert_int_equal(ordo_exp_switchback_init(&sb, &spec, NULL), ORDO_OK);
    ordo_exp_route_t *r = malloc(sizeof *r);
    static const char *const states[] = {"CA", "TX", "NY", "IL"};
    for (int s = 0; s < 4; s++)
        for (int64_t t = start - 3600; t < start + 50 * 3600; t += 600) {
            ordo_order_ctx_t ctx;
            ctx_init(&ctx, states[s], NULL, 10);
            assert_int_equal(ordo_exp_route(snap, &ctx, NULL, t, r, NULL), ORDO_OK);
            ordo_exp_switchback_slot_t slot;
            assert_int_equal(ordo_exp_switchback_arm(&sb, states[s], 2, t, &slot, NULL), ORDO_OK);
            const ordo_exp_route_entry_t *en = &r->entries[0];
            if (!slot.in_schedule) {
                assert_int_equal(en->reason, ORDO_EXP_ROUTE_SCHEDULE);
                continue;
            }
            assert_int_equal(en->reason, ORDO_EXP_ROUTE_ASSIGNED);
            assert_int_equal(en->variant_index, slot.arm);
            assert_int_equal(en->excluded, slot.burn_in);
        }
    ordo_order_ctx_t ctx;
    ctx_init(&ctx, NULL, NULL, 10);
    assert_int_equal(ordo_exp_route(snap, &ctx, NULL, start + 3600, r, NULL), ORDO_OK);
    assert_int_equal(r->entries[0].reason, ORDO_EXP_ROUTE_MISSING_UNIT);
    free(r);
    ordo_exp_snapshot_destroy(snap);
    ordo_exp_destroy(e);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Stratified assignment: exact balance within each region, chunks reserved
 * durably, and two "processes" never share a sequence number. */
static void test_stratified(void **state)
{
    (void)state;
    char dir[] = "/tmp/ordo-exp-route-XXXXXX";
    assert_non_null(mkdtemp(dir));
    ordo_store_t *store = NULL;
    ordo_exp_registry_t *reg = NULL;
    ordo_error_t err;
    assert_int_equal(ordo_store_open(dir, NULL, &store, &err), ORDO_OK);
    assert_int_equal(ordo_exp_registry_open(store, &reg, &err), ORDO_OK);
    static const char doc[] = "{\"id\":\"strat\",\"hypothesis\":\"h\",\"unit\":\"order\"," VARIANTS
                              ",\"stratify\":{\"by\":\"region\",\"block_size\":4}}";
    assert_int_equal(ordo_exp_registry_create(reg, doc, strlen(doc), NULL, "t", NULL, NULL, &err),
                     ORDO_OK);
    assert_int_equal(ordo_exp_registry_transition(reg, "strat", ORDO_EXP_ACT_START, NULL, "t",
                                                  NULL, T0, NULL, &err),
                     ORDO_OK);
    ordo_exp_snapshot_t *s1 = NULL, *s2 = NULL;
    assert_int_equal(ordo_exp_snapshot_load(reg, &s1, &err), ORDO_OK);
    assert_int_equal(ordo_exp_snapshot_load(reg, &s2, &err), ORDO_OK);
    ordo_exp_route_t *r = malloc(sizeof *r);
    static const char *const regions[] = {"northeast", "south", "west"};
    static const char *const states[] = {"NY", "TX", "CA"};
    int arms[3][2] = {{0}}, hash_arms[2] = {0};
    int n_per_region[3] = {600, 408, 1000};
    int refills = 0;
    for (int g = 0; g < 3; g++)
        for (int i = 0; i < n_per_region[g]; i++) {
            char id[32];
            snprintf(id, sizeof id, "%s-%d", regions[g], i);
            ordo_order_ctx_t ctx;
            ctx_init(&ctx, states[g], regions[g], 10);
            ordo_exp_units_t u = {.order_id = id};
            ordo_exp_snapshot_t *s = (i % 2) ? s2 : s1; /* two processes, interleaved */
            assert_int_equal(ordo_exp_route(s, &ctx, &u, T0 + 10, r, NULL), ORDO_OK);
            assert_true(r->entries[0].in_experiment);
            assert_true(r->entries[0].stratified);
            arms[g][r->entries[0].variant_index]++;
            double h;
            ordo_exp_hash("strat", 5, id, strlen(id), 2, &h, NULL);
            hash_arms[h >= 0.5]++;
            if (r->needs_refill) {
                assert_int_equal(ordo_exp_snapshot_refill(s, store, &err), ORDO_OK);
                refills++;
            }
        }
    /* each snapshot uses whole blocks of 4 in its own chunks: with an even
     * number of orders per process and region, each arm gets exactly half */
    for (int g = 0; g < 3; g++)
        assert_int_equal(arms[g][0], arms[g][1]);
    assert_true(refills >= 2); /* 500 per process in the west: past one chunk of 256 */
    /* the durable counter doc moved on for every region reserved */
    char *json = NULL;
    assert_int_equal(ordo_store_doc_get(store, "exp_counter", "strat", &json, NULL, NULL, &err),
                     ORDO_OK);
    assert_non_null(strstr(json, "\"west\":"));
    free(json);
    (void)hash_arms;
    free(r);
    ordo_exp_snapshot_destroy(s1);
    ordo_exp_snapshot_destroy(s2);
    ordo_exp_registry_close(reg);
    ordo_store_close(store, NULL);
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Shadow policies: for targeted orders of running experiments, with the
 * arm the order actually got. */
static void test_shadow(void **state)
{
    (void)state;
    ordo_exp_t *e = mk("{\"id\":\"sh\",\"hypothesis\":\"h\",\"unit\":\"order\",\"coverage\":0.5,"
                       VARIANTS ",\"targeting\":{\"path\":\"order.region\",\"op\":\"eq\","
                       "\"value\":\"west\"},\"shadow\":{\"policy\":\"default\"}}",
                       ORDO_EXP_RUNNING, T0);
    const ordo_exp_t *list[1] = {e};
    ordo_exp_snapshot_t *snap = NULL;
    assert_int_equal(ordo_exp_snapshot_build(list, 1, NULL, &snap, NULL), ORDO_OK);
    ordo_exp_route_t *r = malloc(sizeof *r);
    int with_variant = 0, without = 0;
    for (int i = 0; i < 200; i++) {
        char id[32];
        snprintf(id, sizeof id, "o-%d", i);
        ordo_order_ctx_t ctx;
        ctx_init(&ctx, i % 2 ? "CA" : "NY", i % 2 ? "west" : "northeast", 10);
        ordo_exp_units_t u = {.order_id = id};
        assert_int_equal(ordo_exp_route(snap, &ctx, &u, T0, r, NULL), ORDO_OK);
        ordo_exp_shadow_t sh[4];
        size_t n = 99;
        assert_int_equal(ordo_exp_shadow_policies(snap, &ctx, &u, r, sh, 4, &n, NULL), ORDO_OK);
        if (i % 2 == 0) {
            assert_int_equal(n, 0); /* targeted out: no shadow */
            continue;
        }
        assert_int_equal(n, 1);
        assert_string_equal(sh[0].experiment, "sh");
        assert_string_equal(sh[0].policy_version, ordo_exp_builtin_policy_version("default"));
        if (r->entries[0].in_experiment) {
            assert_non_null(sh[0].variant);
            assert_string_equal(sh[0].variant, r->entries[0].variant);
            with_variant++;
        } else {
            assert_null(sh[0].variant); /* outside coverage: still shadowed */
            without++;
        }
        /* cap 0: counted, nothing written */
        assert_int_equal(ordo_exp_shadow_policies(snap, &ctx, &u, NULL, NULL, 0, &n, NULL),
                         ORDO_OK);
        assert_int_equal(n, 1);
    }
    assert_true(with_variant > 10 && without > 10);
    free(r);
    ordo_exp_snapshot_destroy(snap);
    ordo_exp_destroy(e);
}

/* ---- compiled targeting agrees with a reference interpreter ----
 * A condition is compiled when parsed (src/policy/condition.c: resolved
 * paths, leaf shapes reading fields by offset, first-byte string tests) and
 * routing evaluates that form with ordo_cond_eval. Random condition trees
 * over every path and operator, 64 per snapshot, are routed over random
 * contexts: an entry is "targeted out" exactly when ref_eval, a plain
 * interpreter of the condition's JSON written from docs/policies.md, says
 * false; ordo_cond_eval on the experiment's condition must say the same. */

#include "../policy/cond_reference.h"

static void test_targeting_matches_cond_eval(void **state)
{
    (void)state;
    enum { N_EXP = ORDO_EXP_ROUTE_MAX, N_SNAP = 8, N_CTX = 1500 };
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 20261124);
    ordo_exp_route_t *r = malloc(sizeof *r);
    assert_non_null(r);
    size_t n_true = 0, n_false = 0;
    for (int round = 0; round < N_SNAP; round++) {
        ordo_exp_t *exps[N_EXP];
        cJSON *ref[N_EXP];
        for (int i = 0; i < N_EXP; i++) {
            char cond[4096] = "";
            gen_cond(cond, sizeof cond, &rng, 0);
            ref[i] = cJSON_Parse(cond);
            assert_non_null(ref[i]);
            char json[6144];
            snprintf(json, sizeof json,
                     "{\"id\":\"t%02d\",\"hypothesis\":\"h\",\"unit\":\"order\",\"targeting\":%s,"
                     VARIANTS "}",
                     i, cond);
            exps[i] = mk(json, ORDO_EXP_RUNNING, T0 + i); /* route order = i */
            assert_non_null(exps[i]->targeting);
        }
        ordo_exp_snapshot_t *snap = NULL;
        assert_int_equal(ordo_exp_snapshot_build((const ordo_exp_t *const *)exps, N_EXP, NULL,
                                                 &snap, NULL),
                         ORDO_OK);
        for (int k = 0; k < N_CTX; k++) {
            ordo_order_ctx_t ctx;
            random_ctx(&ctx, &rng);
            ordo_exp_units_t u = {.order_id = "ORD-1", .customer_id = NULL};
            assert_int_equal(ordo_exp_route(snap, &ctx, &u, T0 + 86400, r, NULL), ORDO_OK);
            assert_int_equal(r->n, N_EXP);
            for (int i = 0; i < N_EXP; i++) {
                assert_string_equal(r->entries[i].experiment, exps[i]->id);
                bool want = ref_eval(ref[i], &ctx);
                bool eval = ordo_cond_eval(exps[i]->targeting, &ctx);
                bool got = r->entries[i].reason != ORDO_EXP_ROUTE_TARGETED_OUT;
                if (want != got || want != eval)
                    fail_msg("experiment %s: reference %d, cond_eval %d, route %d", exps[i]->id,
                             want, eval, got);
                n_true += want;
                n_false += !want;
            }
        }
        ordo_exp_snapshot_destroy(snap);
        for (int i = 0; i < N_EXP; i++) {
            ordo_exp_destroy(exps[i]);
            cJSON_Delete(ref[i]);
        }
    }
    /* both outcomes well represented, so the comparison means something */
    assert_true(n_true > 50000 && n_false > 50000);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_growthbook), cmocka_unit_test(test_ramp_and_warmup),
        cmocka_unit_test(test_kill_overlap_priority), cmocka_unit_test(test_switchback),
        cmocka_unit_test(test_stratified),          cmocka_unit_test(test_shadow),
        cmocka_unit_test(test_targeting_matches_cond_eval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
