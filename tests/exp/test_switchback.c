/* SPDX-License-Identifier: Apache-2.0 */
/* tests for src/exp/switchback.c: permuted blocks and switchback schedules. */
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

#include "exp_fixture.h"
#include "ordo/exp.h"

#define T0 1795651200 /* 2026-11-26T00:00:00Z */

/* Schedules recomputed with GrowthBook's own hash/getBucketRanges/
 * chooseVariation following the documented algorithm. */
static void test_fixture(void **state)
{
    (void)state;
    char *data = exp_fixture_read("growthbook_switchback.json");
    assert_non_null(data);
    cJSON *j = cJSON_Parse(data);
    free(data);
    assert_non_null(j);
    const cJSON *c;
    size_t cells = 0, cases = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "cases"))
    {
        double w[ORDO_EXP_MAX_ARMS];
        size_t nw = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(c, "weights")) w[nw++] = x->valuedouble;
        ordo_exp_switchback_spec_t spec = {
            .seed = cJSON_GetObjectItem(c, "seed")->valuestring,
            .hash_version = cJSON_GetObjectItem(c, "hash_version")->valueint,
            .start = T0,
            .window_seconds = 3600,
            .n_windows = (uint32_t)cJSON_GetObjectItem(c, "n_windows")->valueint,
            .n_arms = (size_t)cJSON_GetObjectItem(c, "n_arms")->valueint,
            .weights = nw ? w : NULL,
            .n_weights = nw,
            .block_size = (uint32_t)cJSON_GetObjectItem(c, "block_size")->valueint,
        };
        ordo_exp_switchback_t sb;
        ordo_error_t err;
        assert_int_equal(ordo_exp_switchback_init(&sb, &spec, &err), ORDO_OK);
        const char *clusters[16];
        size_t nc = 0;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(c, "clusters")) clusters[nc++] = x->valuestring;
        int *arms = calloc(nc * spec.n_windows, sizeof *arms);
        assert_non_null(arms);
        assert_int_equal(ordo_exp_switchback_schedule(&sb, clusters, nc, arms, &err), ORDO_OK);
        const cJSON *row;
        size_t ci = 0;
        cJSON_ArrayForEach(row, cJSON_GetObjectItem(c, "schedule"))
        {
            for (uint32_t wi = 0; wi < spec.n_windows; wi++) {
                int want = cJSON_GetArrayItem(row, (int)wi)->valueint;
                if (arms[ci * spec.n_windows + wi] != want)
                    fail_msg("case %zu cluster %s window %u: arm %d, reference %d", cases,
                             clusters[ci], wi, arms[ci * spec.n_windows + wi], want);
                /* The per-time lookup agrees with the schedule. */
                ordo_exp_switchback_slot_t slot;
                assert_int_equal(ordo_exp_switchback_arm(&sb, clusters[ci], strlen(clusters[ci]),
                                                         T0 + 3600 * (int64_t)wi + 1800, &slot,
                                                         &err),
                                 ORDO_OK);
                assert_int_equal(slot.arm, want);
                cells++;
            }
            ci++;
        }
        assert_int_equal(ci, nc);
        free(arms);
        cases++;
    }
    cJSON_Delete(j);
    assert_true(cases >= 6 && cells >= 700);
}

static void test_windows_and_burn(void **state)
{
    (void)state;
    ordo_exp_switchback_spec_t spec = {.seed = "sb",
                                       .start = T0,
                                       .window_seconds = 7200,
                                       .n_windows = 12,
                                       .burn_in_seconds = 900,
                                       .burn_out_seconds = 300,
                                       .n_arms = 2};
    ordo_exp_switchback_t sb;
    assert_int_equal(ordo_exp_switchback_init(&sb, &spec, NULL), ORDO_OK);
    ordo_exp_switchback_slot_t s;
    /* Before the start and at the end: not in the schedule. */
    assert_int_equal(ordo_exp_switchback_arm(&sb, "CA", 2, T0 - 1, &s, NULL), ORDO_OK);
    assert_false(s.in_schedule);
    assert_int_equal(s.arm, -1);
    assert_true(s.excluded);
    assert_int_equal(ordo_exp_switchback_arm(&sb, "CA", 2, T0 + 12 * 7200, &s, NULL), ORDO_OK);
    assert_false(s.in_schedule);
    /* Window 3: [T0 + 21600, T0 + 28800). */
    int64_t ws = T0 + 3 * 7200;
    struct {
        int64_t t;
        bool in, out;
    } probes[] = {{ws, true, false},
                  {ws + 899, true, false},
                  {ws + 900, false, false},
                  {ws + 7200 - 301, false, false},
                  {ws + 7200 - 300, false, true},
                  {ws + 7199, false, true}};
    int arm3;
    assert_int_equal(ordo_exp_switchback_window_arm(&sb, "CA", 2, 3, &arm3, NULL), ORDO_OK);
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        assert_int_equal(ordo_exp_switchback_arm(&sb, "CA", 2, probes[i].t, &s, NULL), ORDO_OK);
        assert_true(s.in_schedule);
        assert_int_equal(s.window, 3);
        assert_int_equal(s.window_start, ws);
        assert_int_equal(s.window_end, ws + 7200);
        assert_int_equal(s.arm, arm3); /* burn periods still run the window's arm */
        assert_int_equal(s.burn_in, probes[i].in);
        assert_int_equal(s.burn_out, probes[i].out);
        assert_int_equal(s.excluded, probes[i].in || probes[i].out);
    }
    /* The schedule is a function of the seed: both arms appear, and a
     * different seed gives a different schedule. */
    const char *cl[] = {"CA", "TX", "NY", "WA"};
    int a1[48], a2[48];
    assert_int_equal(ordo_exp_switchback_schedule(&sb, cl, 4, a1, NULL), ORDO_OK);
    spec.seed = "sb2";
    ordo_exp_switchback_t sb2;
    assert_int_equal(ordo_exp_switchback_init(&sb2, &spec, NULL), ORDO_OK);
    assert_int_equal(ordo_exp_switchback_schedule(&sb2, cl, 4, a2, NULL), ORDO_OK);
    int ones = 0, diff = 0;
    for (int i = 0; i < 48; i++) {
        ones += a1[i];
        diff += a1[i] != a2[i];
    }
    assert_true(ones > 8 && ones < 40);
    assert_true(diff > 8);
}

/* Permuted blocks: every complete block holds each arm its share. */
static void test_blocks_balance(void **state)
{
    (void)state;
    ordo_exp_blocks_t b;
    double w[3] = {0.5, 0.25, 0.25};
    assert_int_equal(ordo_exp_blocks_init(&b, 3, w, 3, 8, 2, NULL), ORDO_OK);
    assert_int_equal(b.count[0], 4);
    assert_int_equal(b.count[1], 2);
    assert_int_equal(b.count[2], 2);
    const char *strata[] = {"CA", "TX", "région-ü"};
    for (size_t s = 0; s < 3; s++) {
        for (uint64_t block = 0; block < 20; block++) {
            unsigned cnt[3] = {0};
            for (uint64_t k = 0; k < 8; k++) {
                int arm;
                assert_int_equal(ordo_exp_blocks_arm(&b, "seed", 4, strata[s], strlen(strata[s]),
                                                     block * 8 + k, &arm, NULL),
                                 ORDO_OK);
                assert_true(arm >= 0 && arm < 3);
                cnt[arm]++;
            }
            assert_int_equal(cnt[0], 4);
            assert_int_equal(cnt[1], 2);
            assert_int_equal(cnt[2], 2);
        }
    }
    /* Blocks are shuffled, not all alike: count distinct first arms. */
    int first_arms[3] = {0};
    for (uint64_t block = 0; block < 30; block++) {
        int arm;
        assert_int_equal(ordo_exp_blocks_arm(&b, "seed", 4, "CA", 2, block * 8, &arm, NULL),
                         ORDO_OK);
        first_arms[arm]++;
    }
    assert_true(first_arms[0] > 0 && first_arms[1] + first_arms[2] > 0);
    /* Equal weights, default size 2·n. */
    assert_int_equal(ordo_exp_blocks_init(&b, 2, NULL, 0, 0, 0, NULL), ORDO_OK);
    assert_int_equal(b.size, 4);
    assert_int_equal(b.count[0], 2);
    /* Errors. */
    ordo_error_t err;
    assert_int_equal(ordo_exp_blocks_init(&b, 3, NULL, 0, 2, 2, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "block_size");
    double tiny[2] = {0.95, 0.05};
    assert_int_equal(ordo_exp_blocks_init(&b, 2, tiny, 2, 4, 2, &err), ORDO_EINVAL);
    assert_int_equal(ordo_exp_blocks_init(&b, 2, NULL, 0, ORDO_EXP_BLOCK_MAX + 1, 2, &err),
                     ORDO_EINVAL);
    assert_int_equal(ordo_exp_blocks_init(&b, 2, NULL, 0, 4, 5, &err), ORDO_EINVAL);
}

/* Blocked switchbacks balance arms within every cluster over time. */
static void test_blocked_switchback_balance(void **state)
{
    (void)state;
    ordo_exp_switchback_spec_t spec = {.seed = "balanced",
                                       .start = T0,
                                       .window_seconds = 3600,
                                       .n_windows = 48,
                                       .n_arms = 2,
                                       .block_size = 4};
    ordo_exp_switchback_t sb;
    assert_int_equal(ordo_exp_switchback_init(&sb, &spec, NULL), ORDO_OK);
    const char *cl[] = {"CA", "TX", "NY", "FL", "WA", "IL"};
    int arms[6 * 48];
    assert_int_equal(ordo_exp_switchback_schedule(&sb, cl, 6, arms, NULL), ORDO_OK);
    for (int c = 0; c < 6; c++) {
        int treat = 0;
        for (int w = 0; w < 48; w++)
            treat += arms[c * 48 + w];
        assert_int_equal(treat, 24);
    }
}

static void test_init_errors(void **state)
{
    (void)state;
    ordo_exp_switchback_spec_t ok = {
        .seed = "s", .start = T0, .window_seconds = 3600, .n_windows = 4, .n_arms = 2};
    ordo_exp_switchback_t sb;
    ordo_error_t err;
    ordo_exp_switchback_spec_t s = ok;
    s.seed = "";
    assert_int_equal(ordo_exp_switchback_init(&sb, &s, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "seed");
    s = ok;
    s.window_seconds = 0;
    assert_int_equal(ordo_exp_switchback_init(&sb, &s, &err), ORDO_EINVAL);
    s = ok;
    s.n_windows = 0;
    assert_int_equal(ordo_exp_switchback_init(&sb, &s, &err), ORDO_EINVAL);
    s = ok;
    s.burn_in_seconds = 1800;
    s.burn_out_seconds = 1800;
    assert_int_equal(ordo_exp_switchback_init(&sb, &s, &err), ORDO_EINVAL);
    s.burn_out_seconds = 1799;
    assert_int_equal(ordo_exp_switchback_init(&sb, &s, &err), ORDO_OK);
    s = ok;
    s.burn_in_seconds = -1;
    assert_int_equal(ordo_exp_switchback_init(&sb, &s, &err), ORDO_EINVAL);
    s = ok;
    s.n_arms = 1;
    assert_int_equal(ordo_exp_switchback_init(&sb, &s, &err), ORDO_EINVAL);
    s = ok;
    s.hash_version = 9;
    assert_int_equal(ordo_exp_switchback_init(&sb, &s, &err), ORDO_EINVAL);
    s = ok;
    s.window_seconds = INT64_MAX / 2;
    assert_int_equal(ordo_exp_switchback_init(&sb, &s, &err), ORDO_ERANGE);
    assert_int_equal(ordo_exp_switchback_init(&sb, &ok, &err), ORDO_OK);
    int arm;
    assert_int_equal(ordo_exp_switchback_window_arm(&sb, "", 0, 0, &arm, &err), ORDO_EINVAL);
    assert_int_equal(ordo_exp_switchback_window_arm(&sb, "CA", 2, 4, &arm, &err), ORDO_ERANGE);
    assert_int_equal(ordo_exp_switchback_window_arm(&sb, "\xC3", 1, 0, &arm, &err), ORDO_EINVAL);
    ordo_exp_switchback_slot_t slot;
    assert_int_equal(ordo_exp_switchback_arm(&sb, "", 0, T0, &slot, &err), ORDO_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),        cmocka_unit_test(test_windows_and_burn),
        cmocka_unit_test(test_blocks_balance), cmocka_unit_test(test_blocked_switchback_balance),
        cmocka_unit_test(test_init_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
