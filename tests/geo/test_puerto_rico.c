/* SPDX-License-Identifier: Apache-2.0 */
/* One region everywhere: a Puerto Rico order (ZIP 00901, San Juan) has the
 * region geo gives it (ordo_geo_zip_region: "territory") in the decision
 * record the decision path writes, in targeting (a condition on
 * order.region matches it), in the routing cluster of a switchback and the
 * stratum of a stratified experiment, and in the analysis breakdown.
 * tests/geo has no module of its own: it links every library. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/analyze.h"
#include "ordo/exp.h"
#include "ordo/cbor.h"
#include "ordo/record.h"
#include "ordo/ordo.h"
#include "ordo/source.h"
#include "ordo/store.h"
#include "ordo/util.h"

#define FIXTURE_NET ORDO_SOURCE_DIR "/tests/fixtures/source/net"
#define PR_ORDER                                                                                   \
    "{\"id\":\"PR-1\",\"ship_to\":{\"zip\":\"00901\"},\"lines\":[{\"sku\":\"TEE-1\","              \
    "\"quantity\":1}]}"
#define VARIANTS                                                                                   \
    "\"variants\":[{\"key\":\"control\",\"policy\":\"cost-optimized\",\"weight\":0.5},"            \
    "{\"key\":\"treatment\",\"policy\":\"proximity-first\",\"weight\":0.5}],"                      \
    "\"primary_kpis\":[\"cost_per_order\"]"
#define T0 1795000000

typedef struct fx {
    ordo_network_t *net;
    ordo_arena_t *arena;
    ordo_order_t order;
    ordo_order_ctx_t ctx;
    const char *want; /* geo's name of the order's region */
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    ordo_error_t err = {0};
    assert_int_equal(ordo_network_load(FIXTURE_NET, NULL, &f->net, &err), ORDO_OK);
    f->arena = ordo_arena_create(0);
    assert_int_equal(
        ordo_order_parse(PR_ORDER, strlen(PR_ORDER), f->net, f->arena, &f->order, &err), ORDO_OK);
    ordo_order_ctx_init(&f->ctx, &f->order, f->net);
    f->want = ordo_geo_region_name(ordo_geo_zip_region(f->net->geo, 901));
    assert_string_equal(f->want, "territory");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    ordo_arena_destroy(f->arena);
    ordo_network_destroy(f->net);
    free(f);
    return 0;
}

/* The decision record as the decision path writes it (JSON and CBOR), read
 * back by the one record reader. */
static void record_of(fx_t *f, bool cbor, ordo_record_t *rec)
{
    ordo_error_t err = {0};
    ordo_engine_t *eng = NULL;
    assert_int_equal(ordo_engine_create(f->net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p = NULL;
    assert_int_equal(ordo_policy_builtin("default", &p, &err), ORDO_OK);
    ordo_decide_opts_t opts = {0};
    ordo_plan_t *plan = NULL;
    assert_int_equal(ordo_source_decide(eng, p, &f->order, &opts, f->arena, &plan, &err), ORDO_OK);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    if (cbor)
        ordo_jsonw_init_cbor(&w, &b);
    else
        ordo_jsonw_init(&w, &b, 0);
    ordo_record_write(plan, f->net, NULL, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    assert_int_equal(ordo_record_read(b.data, b.len, 0, f->arena, rec, &err), ORDO_OK);
    ordo_buf_free(&b);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
}

static void test_record_and_analysis(void **state)
{
    fx_t *f = *state;
    for (int cbor = 0; cbor <= 1; cbor++) {
        ordo_record_t rec;
        record_of(f, cbor, &rec);
        assert_non_null(rec.region);
        assert_string_equal(rec.region, f->want);
        /* analysis: the row's region (from the ship-to ZIP) and the
         * breakdown's name for it, and the record's name read back, are the
         * same region */
        ordo_analyze_row_t row;
        ordo_error_t err = {0};
        assert_int_equal(ordo_analyze_row_from_decision(&rec, NULL, f->net, &row, &err), ORDO_OK);
        assert_string_equal(ordo_analyze_region_name(row.region), f->want);
        assert_int_equal(ordo_analyze_region_index(rec.region), row.region);
        assert_int_equal(row.region, ORDO_REGION_TERRITORY);
    }
}

static bool matches(const fx_t *f, const char *json)
{
    ordo_cond_t *c = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_cond_parse_json(json, strlen(json), "when", &c, &err), ORDO_OK);
    bool m = ordo_cond_eval(c, &f->ctx);
    ordo_cond_destroy(c);
    return m;
}

static void test_targeting(void **state)
{
    fx_t *f = *state;
    assert_string_equal(f->ctx.region, f->want);
    assert_true(matches(f, "{\"path\":\"order.region\",\"op\":\"eq\",\"value\":\"territory\"}"));
    /* the older spelling of logs and reports is read as the same region */
    assert_true(matches(f, "{\"path\":\"order.region\",\"op\":\"eq\",\"value\":\"territories\"}"));
    assert_true(matches(
        f, "{\"path\":\"order.region\",\"op\":\"in\",\"value\":[\"west\",\"territories\"]}"));
    assert_false(matches(f, "{\"path\":\"order.region\",\"op\":\"eq\",\"value\":\"south\"}"));
}

/* A switchback by region routes the order to its region's cluster: every
 * window's arm is the one the schedule gives the cluster "territory". */
static void test_switchback_cluster(void **state)
{
    fx_t *f = *state;
    static const char doc[] =
        "{\"id\":\"sbr\",\"hypothesis\":\"h\",\"unit\":\"switchback\"," VARIANTS
        ",\"switchback\":{\"cluster\":\"region\",\"start\":\"2026-11-24T00:00:00Z\","
        "\"window_hours\":2,\"windows\":48,\"block_size\":4}}";
    ordo_exp_t *e = NULL;
    ordo_error_t err = {0};
    int rc = ordo_exp_parse(doc, strlen(doc), NULL, &e, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", err.field, err.msg);
    assert_int_equal(rc, ORDO_OK);
    e->status.state = ORDO_EXP_RUNNING;
    e->status.started_at = T0;
    const ordo_exp_t *list[1] = {e};
    ordo_exp_snapshot_t *snap = NULL;
    assert_int_equal(ordo_exp_snapshot_build(list, 1, NULL, &snap, &err), ORDO_OK);
    ordo_exp_switchback_t sb;
    assert_int_equal(ordo_exp_switchback_of(e, &sb, &err), ORDO_OK);
    int64_t start;
    assert_int_equal(ordo_time_parse("2026-11-24T00:00:00Z", &start), 0);
    ordo_exp_route_t *r = malloc(sizeof *r);
    int checked = 0;
    for (int64_t t = start + 1800; t < start + 96 * 3600; t += 7200) {
        assert_int_equal(ordo_exp_route(snap, &f->ctx, NULL, t, r, &err), ORDO_OK);
        ordo_exp_switchback_slot_t slot;
        assert_int_equal(ordo_exp_switchback_arm(&sb, f->want, strlen(f->want), t, &slot, &err),
                         ORDO_OK);
        assert_int_equal(r->entries[0].reason, ORDO_EXP_ROUTE_ASSIGNED);
        assert_int_equal(r->entries[0].variant_index, slot.arm);
        checked++;
    }
    assert_int_equal(checked, 48);
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

/* A stratified experiment by region counts the order in the stratum named
 * "territory": the durable counter document names it so. */
static void test_stratum(void **state)
{
    fx_t *f = *state;
    char dir[] = "/tmp/ordo-geo-pr-XXXXXX";
    assert_non_null(mkdtemp(dir));
    ordo_store_t *store = NULL;
    ordo_exp_registry_t *reg = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_store_open(dir, NULL, &store, &err), ORDO_OK);
    assert_int_equal(ordo_exp_registry_open(store, &reg, &err), ORDO_OK);
    static const char doc[] = "{\"id\":\"strat\",\"hypothesis\":\"h\",\"unit\":\"order\"," VARIANTS
                              ",\"stratify\":{\"by\":\"region\",\"block_size\":4}}";
    int rc = ordo_exp_registry_create(reg, doc, strlen(doc), NULL, "t", NULL, NULL, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", err.field, err.msg);
    assert_int_equal(rc, ORDO_OK);
    assert_int_equal(ordo_exp_registry_transition(reg, "strat", ORDO_EXP_ACT_START, NULL, "t", NULL,
                                                  T0, NULL, &err),
                     ORDO_OK);
    ordo_exp_snapshot_t *snap = NULL;
    assert_int_equal(ordo_exp_snapshot_load(reg, &snap, &err), ORDO_OK);
    ordo_exp_route_t *r = malloc(sizeof *r);
    ordo_exp_units_t u = {.order_id = "PR-1"};
    assert_int_equal(ordo_exp_route(snap, &f->ctx, &u, T0 + 10, r, &err), ORDO_OK);
    assert_true(r->entries[0].stratified);
    char *json = NULL;
    assert_int_equal(ordo_store_doc_get(store, "exp_counter", "strat", &json, NULL, NULL, &err),
                     ORDO_OK);
    char key[64];
    snprintf(key, sizeof key, "\"%s\":", f->want);
    assert_non_null(strstr(json, key));
    assert_null(strstr(json, "\"territories\""));
    free(json);
    free(r);
    ordo_exp_snapshot_destroy(snap);
    ordo_exp_registry_close(reg);
    ordo_store_close(store, NULL);
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_record_and_analysis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_targeting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switchback_cluster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stratum, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
