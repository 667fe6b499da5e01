/* SPDX-License-Identifier: Apache-2.0 */
/* The row loop of ordo_analysis_add (src/analyze/analysis.c add_values):
 * metrics taken by group, a mean's missing value masked to +0 terms
 * instead of skipped, a mean's third pair of terms not added. Every cell
 * (overall, CUPED, segments, days, per-unit sums) and every count must be
 * bit for bit those of the plain rule, written here with an_acc_add: for
 * each metric, a value that is not finite is counted missing and skipped;
 * else its shifted values are added to each of its cells. Rows carry NaN,
 * infinities, signed zeros, subnormal and huge values, with and without
 * the covariate, and the loop runs for order and customer units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/analyze/internal.h"

enum { ROWS = 6000, DAYS = 5, UNITS = 50 };

static double draw(ordo_rng_t *rng)
{
    switch (ordo_rng_below(rng, 16)) {
    case 0:
    case 1:
    case 2:
        return NAN;
    case 3:
        return ordo_rng_below(rng, 2) ? INFINITY : -INFINITY;
    case 4:
        return -0.0;
    case 5:
        return 0.0;
    case 6:
        return ldexp(ordo_rng_uniform(rng) - 0.5, -1060);
    case 7:
        return ldexp(ordo_rng_uniform(rng) - 0.5, 300);
    case 8:
    case 9:
        return (double)ordo_rng_below(rng, 2);
    default:
        return 100 * ordo_rng_normal(rng);
    }
}

/* The plain rule's cells, laid out as the analysis lays them out. */
typedef struct ref {
    size_t V, M, K;
    an_acc_t *overall, *cuped, *seg[AN_DIMS], *days;
    uint64_t *missing, *nocov, nonfinite;
    double kx[ORDO_METRICS_MAX], ky[ORDO_METRICS_MAX], kc;
    bool kset[ORDO_METRICS_MAX], kcset;
    double *usum;
} ref_t;

static void ref_row(const ordo_analysis_t *a, ref_t *r, const ordo_analyze_row_t *row,
                    int64_t day0)
{
    const size_t V = r->V, M = r->M, K = r->K, v = row->variant;
    double cov = row->v[ORDO_AF_CONTROL_COST];
    bool has_cov = isfinite(cov);
    if (has_cov && !r->kcset) {
        r->kc = cov;
        r->kcset = true;
    }
    double yc = has_cov ? cov - r->kc : 0;
    unsigned seg[AN_DIMS] = {row->region, row->family, row->value_band,
                             row->channel, row->promotion, row->rurality};
    for (size_t m = 0; m < M; m++) {
        int den = a->m_den[m];
        double x = row->v[a->m_num[m]], y = den >= 0 ? row->v[den] : 1.0;
        if (!isfinite(x) || !isfinite(y)) {
            if (!isnan(x) || !isnan(y))
                r->nonfinite += !isfinite(x) && !isnan(x) ? 1 : !isfinite(y) && !isnan(y);
            r->missing[v * M + m]++;
            continue;
        }
        if (!r->kset[m]) {
            r->kx[m] = x;
            r->ky[m] = den >= 0 ? y : 0;
            r->kset[m] = true;
        }
        double xs = x - r->kx[m], ys = den >= 0 ? y - r->ky[m] : 0;
        an_acc_add(&r->overall[v * M + m], xs, ys);
        if (den < 0) {
            if (has_cov)
                an_acc_add(&r->cuped[v * M + m], xs, yc);
            else
                r->nocov[v * M + m]++;
        }
        if (r->usum) {
            r->usum[(row->unit * M + m) * 2] += x;
            r->usum[(row->unit * M + m) * 2 + 1] += y;
        }
        int k = a->key_of[m];
        if (k < 0)
            continue;
        an_acc_add(&r->days[((size_t)(row->ts / 86400 - day0) * V + v) * K + (size_t)k], xs, ys);
        for (int d = 0; d < AN_DIMS; d++)
            an_acc_add(&r->seg[d][(seg[d] * V + v) * K + (size_t)k], xs, ys);
    }
}

/* Rows [0, cov_first) all carry the covariate (a finite control cost);
 * from then on a third of them do not. */
static int cov_first = 0;

static void make_row(ordo_rng_t *rng, int64_t t0, int i, ordo_analyze_row_t *row)
{
    ordo_analyze_row_init(row);
    for (int f = 1; f < ORDO_AF_COUNT; f++)
        row->v[f] = draw(rng);
    if (i < cov_first)
        row->v[ORDO_AF_CONTROL_COST] = 10 + ordo_rng_uniform(rng);
    else if (ordo_rng_below(rng, 3) == 0)
        row->v[ORDO_AF_CONTROL_COST] = NAN;
    row->variant = (uint32_t)ordo_rng_below(rng, 2);
    row->ts = t0 + (int64_t)ordo_rng_below(rng, DAYS * 86400);
    row->region = (uint8_t)ordo_rng_below(rng, ORDO_AN_REGIONS);
    row->family = (uint16_t)ordo_rng_below(rng, ORDO_AN_FAMILIES);
    row->value_band = (uint8_t)ordo_rng_below(rng, ORDO_AN_VALUE_BANDS);
    row->channel = (uint8_t)ordo_rng_below(rng, ORDO_AN_LABELS);
    row->promotion = (uint8_t)ordo_rng_below(rng, ORDO_AN_LABELS);
    row->rurality = (uint8_t)ordo_rng_below(rng, ORDO_AN_RURALITIES);
}

static void *zalloc(size_t n)
{
    void *p = calloc(n ? n : 1, 1);
    assert_non_null(p);
    return p;
}

/* When >= 0: the number of leading plain groups that must read four
 * consecutive row fields with one load (lanes_create's runs). */
static int expect_runs = -1;

static void run(ordo_exp_unit_kind_t unit, uint64_t seed, const ordo_metric_set_t *metrics)
{
    const char *vars[] = {"control", "treatment"};
    ordo_analyze_config_t *cfg = zalloc(sizeof *cfg);
    ordo_analyze_config_default(cfg, "exp-loop", vars, 2, metrics);
    cfg->unit = unit;
    /* a ratio among the key metrics too */
    snprintf(cfg->kpis[cfg->n_kpis++], sizeof cfg->kpis[0], "miles_per_shipment");
    ordo_analysis_t *a;
    ordo_error_t err;
    assert_int_equal(ordo_analysis_create(cfg, &a, &err), ORDO_OK);
    assert_true(a->n_mean_key > 0 && a->n_mean_plain > 0 && a->n_mean_plain + a->n_mean_key < a->M);
    /* order units take the means four to a vector (add_mean_lanes), the
     * key means' day and segment cells by sum, the ratios four to a
     * vector too (add_ratio_lanes) */
    assert_true((a->lanes != NULL) == (unit == ORDO_EXP_UNIT_ORDER));
    assert_true((a->key_seg[0] != NULL) == (unit == ORDO_EXP_UNIT_ORDER));
    assert_true((a->ratio_lanes != NULL) == (unit == ORDO_EXP_UNIT_ORDER));
    if (expect_runs >= 0 && unit == ORDO_EXP_UNIT_ORDER) {
        assert_int_equal(a->lane_runs, expect_runs);
        for (size_t g = 0; g < a->lane_runs; g++) /* the runs' fields, each lane its metric's */
            for (size_t l = 0; l < 4; l++) {
                assert_int_equal(a->lane_num[g * 4 + l], a->lane_num[g * 4] + (int)l);
                assert_int_equal(a->mplan[a->lane_plan[g * 4 + l]].num, a->lane_num[g * 4 + l]);
            }
    }
    ref_t r = {.V = a->V, .M = a->M, .K = a->K};
    r.overall = zalloc(r.V * r.M * sizeof(an_acc_t));
    r.cuped = zalloc(r.V * r.M * sizeof(an_acc_t));
    r.missing = zalloc(r.V * r.M * sizeof(uint64_t));
    r.nocov = zalloc(r.V * r.M * sizeof(uint64_t));
    for (int d = 0; d < AN_DIMS; d++)
        r.seg[d] = zalloc(a->seg_n[d] * r.V * r.K * sizeof(an_acc_t));
    r.days = zalloc(DAYS * r.V * r.K * sizeof(an_acc_t));
    if (unit != ORDO_EXP_UNIT_ORDER)
        r.usum = zalloc(UNITS * r.M * 2 * sizeof(double));
    ordo_rng_t rng;
    ordo_rng_seed(&rng, seed);
    const int64_t t0 = 20000 * 86400LL;
    for (int i = 0; i < ROWS; i++) {
        ordo_analyze_row_t row;
        make_row(&rng, t0, i, &row);
        if (unit != ORDO_EXP_UNIT_ORDER) {
            char key[16];
            int n = snprintf(key, sizeof key, "c%u", (unsigned)ordo_rng_below(&rng, UNITS));
            assert_int_equal(ordo_analysis_unit(a, key, (size_t)n, &row.unit, &err), ORDO_OK);
        }
        assert_int_equal(ordo_analysis_add(a, &row, &err), ORDO_OK);
        ref_row(a, &r, &row, t0 / 86400);
    }
    if (unit == ORDO_EXP_UNIT_ORDER) /* the CUPED sums shared to the end, or parted */
        for (size_t v = 0; v < r.V; v++)
            assert_int_equal(a->cuped_shared[v], cov_first == ROWS);
    an_lanes_flush(a);
    size_t VM = r.V * r.M;
    assert_memory_equal(a->overall, r.overall, VM * sizeof(an_acc_t));
    assert_memory_equal(a->cuped, r.cuped, VM * sizeof(an_acc_t));
    assert_memory_equal(a->missing, r.missing, VM * sizeof(uint64_t));
    assert_memory_equal(a->nocov, r.nocov, VM * sizeof(uint64_t));
    assert_int_equal(a->nonfinite, r.nonfinite);
    assert_true(r.nonfinite > 0);
    for (int d = 0; d < AN_DIMS; d++)
        assert_memory_equal(a->seg[d], r.seg[d], a->seg_n[d] * r.V * r.K * sizeof(an_acc_t));
    assert_int_equal(a->n_days, DAYS);
    assert_int_equal(a->day0, t0 / 86400);
    assert_memory_equal(a->days, r.days, DAYS * r.V * r.K * sizeof(an_acc_t));
    assert_memory_equal(a->kx, r.kx, sizeof r.kx);
    assert_memory_equal(a->ky, r.ky, sizeof r.ky);
    if (r.usum) {
        assert_int_equal(a->n_units, UNITS);
        assert_memory_equal(a->unit_sums, r.usum, UNITS * r.M * 2 * sizeof(double));
    }
    free(r.overall);
    free(r.cuped);
    free(r.missing);
    free(r.nocov);
    for (int d = 0; d < AN_DIMS; d++)
        free(r.seg[d]);
    free(r.days);
    free(r.usum);
    ordo_analysis_destroy(a);
    free(cfg);
}

/* A metric set of n metrics (JSON), run on order units with seeds s0..s1. */
static void run_set(const char *json, size_t len, size_t n, uint64_t s0, uint64_t s1)
{
    ordo_metric_set_t *ms = zalloc(sizeof *ms);
    ordo_error_t err;
    assert_int_equal(ordo_metric_set_parse(json, len, "test", ms, &err), ORDO_OK);
    assert_int_equal(ms->n, n);
    for (uint64_t seed = s0; seed <= s1; seed++)
        run(ORDO_EXP_UNIT_ORDER, seed, ms);
    free(ms);
}

static void test_cells_equal_plain_rule_orders(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++)
        run(ORDO_EXP_UNIT_ORDER, seed, NULL);
}

/* Six means (two of them key metrics) between ratios: the second group of
 * four lanes holds the key means and two padding lanes. */
static void test_cells_equal_plain_rule_padding_lanes(void **state)
{
    (void)state;
    static const char json[] =
        "{\"metrics\": ["
        "{\"name\": \"planned\", \"numerator\": \"planned_cost\", \"denominator\": "
        "\"orders\", \"type\": \"mean\", \"good\": \"lower\"},"
        "{\"name\": \"miles_per_shipment\", \"numerator\": \"miles\", \"denominator\": "
        "\"shipments\", \"type\": \"ratio\", \"good\": \"lower\"},"
        "{\"name\": \"cost_per_order\", \"numerator\": \"actual_cost\", \"denominator\": "
        "\"orders\", \"type\": \"mean\", \"good\": \"lower\"},"
        "{\"name\": \"hours_to_ship\", \"numerator\": \"hours_to_ship\", \"denominator\": "
        "\"orders\", \"type\": \"mean\", \"good\": \"lower\"},"
        "{\"name\": \"on_time_rate\", \"numerator\": \"on_time\", \"denominator\": "
        "\"orders\", \"type\": \"proportion\", \"good\": \"higher\"},"
        "{\"name\": \"units\", \"numerator\": \"units\", \"denominator\": \"orders\", "
        "\"type\": \"mean\", \"good\": \"higher\"},"
        "{\"name\": \"zone_per_shipment\", \"numerator\": \"zone_sum\", \"denominator\": "
        "\"shipments\", \"type\": \"ratio\", \"good\": \"lower\"},"
        "{\"name\": \"fallback_rate\", \"numerator\": \"fallback\", \"denominator\": "
        "\"orders\", \"type\": \"proportion\", \"good\": \"lower\"}]}";
    run_set(json, sizeof json - 1, 8, 5, 6);
}

/* Three plain means, two key means, two ratios (one a key metric): the
 * plain means' group has a padding lane, the key means start a group of
 * their own (lane_plan skips the padding lane), and the ratios' group has
 * two padding lanes. */
static void test_cells_equal_plain_rule_padded_plain_group(void **state)
{
    (void)state;
    static const char json[] =
        "{\"metrics\": ["
        "{\"name\": \"planned\", \"numerator\": \"planned_cost\", \"denominator\": "
        "\"orders\", \"type\": \"mean\", \"good\": \"lower\"},"
        "{\"name\": \"cost_per_order\", \"numerator\": \"actual_cost\", \"denominator\": "
        "\"orders\", \"type\": \"mean\", \"good\": \"lower\"},"
        "{\"name\": \"miles_per_shipment\", \"numerator\": \"miles\", \"denominator\": "
        "\"shipments\", \"type\": \"ratio\", \"good\": \"lower\"},"
        "{\"name\": \"hours_to_ship\", \"numerator\": \"hours_to_ship\", \"denominator\": "
        "\"orders\", \"type\": \"mean\", \"good\": \"lower\"},"
        "{\"name\": \"units_per_shipment\", \"numerator\": \"units\", \"denominator\": "
        "\"shipments\", \"type\": \"ratio\", \"good\": \"higher\"},"
        "{\"name\": \"on_time_rate\", \"numerator\": \"on_time\", \"denominator\": "
        "\"orders\", \"type\": \"proportion\", \"good\": \"higher\"},"
        "{\"name\": \"units\", \"numerator\": \"units\", \"denominator\": \"orders\", "
        "\"type\": \"mean\", \"good\": \"higher\"}]}";
    run_set(json, sizeof json - 1, 7, 7, 8);
}

/* Means on consecutive row fields listed out of order, between others: the
 * four actual cost parts (actual_pick .. actual_returns) and the four
 * measures make two runs, read with one load each, ahead of the group of
 * the rest (and a fifth cost part that is no run's, with a duplicate). */
static void test_cells_equal_plain_rule_runs_of_fields(void **state)
{
    (void)state;
#define MEAN(name, field)                                                                          \
    "{\"name\": \"" name "\", \"numerator\": \"" field "\", \"denominator\": \"orders\", "         \
    "\"type\": \"mean\", \"good\": \"lower\"}"
    /* clang-format off */
    static const char json[] = "{\"metrics\": ["
        MEAN("returns", "actual_returns") ","
        MEAN("sat", "satisfaction") ","
        MEAN("pick", "actual_pick") ","
        MEAN("pick_again", "actual_pick") ","
        MEAN("rate", "pick_rate") ","
        MEAN("ship", "actual_ship") ","
        MEAN("dock", "dock_to_truck_hours") ","
        MEAN("pack", "actual_pack") ","
        MEAN("labour", "labour_utilisation") ","
        MEAN("carrying", "actual_carrying") ","
        "{\"name\": \"miles_per_shipment\", \"numerator\": \"miles\", \"denominator\": "
        "\"shipments\", \"type\": \"ratio\", \"good\": \"lower\"},"
        "{\"name\": \"cost_per_order\", \"numerator\": \"actual_cost\", \"denominator\": "
        "\"orders\", \"type\": \"mean\", \"good\": \"lower\"}]}";
    /* clang-format on */
#undef MEAN
    expect_runs = 2;
    run_set(json, sizeof json - 1, 12, 11, 12);
    expect_runs = -1;
}

/* The covariate on every row of the first half, then missing from a
 * third: each variant's lanes share their CUPED n, sx and sxx with the
 * overall ones until its first row without it (CUPED_SHARED), then add
 * them apart; on every row: shared up to the flush. */
static void test_cells_equal_plain_rule_covariate_late(void **state)
{
    (void)state;
    cov_first = ROWS / 2;
    run(ORDO_EXP_UNIT_ORDER, 13, NULL);
    cov_first = ROWS;
    run(ORDO_EXP_UNIT_ORDER, 14, NULL);
    cov_first = 0;
}

static void test_cells_equal_plain_rule_customers(void **state)
{
    (void)state;
    run(ORDO_EXP_UNIT_CUSTOMER, 9, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells_equal_plain_rule_orders),
        cmocka_unit_test(test_cells_equal_plain_rule_padding_lanes),
        cmocka_unit_test(test_cells_equal_plain_rule_padded_plain_group),
        cmocka_unit_test(test_cells_equal_plain_rule_runs_of_fields),
        cmocka_unit_test(test_cells_equal_plain_rule_covariate_late),
        cmocka_unit_test(test_cells_equal_plain_rule_customers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
