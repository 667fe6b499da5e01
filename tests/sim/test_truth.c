/* SPDX-License-Identifier: Apache-2.0 */
/* The world's truth in season (docs/internals/SIM.md, "The true lane
 * model"): the holiday dates and the extra-day probabilities are the
 * documented ones, and nothing of them reaches a day outside the season;
 * the customers' return propensity is lognormal with mean 1 and the
 * documented sd of its log, the same for an id every time. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "../../src/sim/world.h"
#include "ordo/calendar.h"

static void test_thanksgiving(void **state)
{
    (void)state;
    assert_int_equal(sim_thanksgiving(2026), ordo_cal_days(2026, 11, 26));
    assert_int_equal(sim_thanksgiving(2025), ordo_cal_days(2025, 11, 27));
    assert_int_equal(sim_thanksgiving(2024), ordo_cal_days(2024, 11, 28));
    assert_int_equal(ordo_cal_weekday(sim_thanksgiving(2030)), 3); /* a Thursday */
}

/* A parcel's transit is counted in the carrier's delivery days after the
 * ship day, as the ETA model and the engine count it: a Friday two-day
 * parcel of a Monday-Friday carrier arrives on Tuesday, not Monday. */
static void test_delivery_day(void **state)
{
    (void)state;
    int64_t fri = ordo_cal_days(2026, 9, 18);
    assert_int_equal(ordo_cal_weekday(fri), 4);
    assert_int_equal(sim_delivery_day(fri, 1, ORDO_WEEK_MON_FRI), fri + 3);
    assert_int_equal(sim_delivery_day(fri, 2, ORDO_WEEK_MON_FRI), fri + 4);
    assert_int_equal(sim_delivery_day(fri, 1, ORDO_WEEK_MON_SAT), fri + 1);
    assert_int_equal(sim_delivery_day(fri, 2, ORDO_WEEK_MON_SAT), fri + 3);
    assert_int_equal(sim_delivery_day(fri - 3, 5, ORDO_WEEK_MON_FRI), fri + 4);
    unsigned masks[2] = {ORDO_WEEK_MON_FRI, ORDO_WEEK_MON_SAT};
    for (int m = 0; m < 2; m++)
        for (int64_t day = fri - 7; day < fri + 90; day++) /* Labor Day, Thanksgiving */
            for (int t = 1; t <= 8; t++) {
                int64_t d = sim_delivery_day(day, t, masks[m]);
                assert_int_equal(ordo_cal_working_between(day, d, masks[m]), t);
                assert_true(ordo_cal_working(d, masks[m]));
            }
}

static void test_season_probabilities(void **state)
{
    (void)state;
    int64_t sep = ordo_cal_days(2026, 9, 15);
    for (int e = 0; e < 3; e++) {
        assert_true(sim_truth_season_p(sep, false, e) == 0);
        assert_true(sim_truth_season_p(sep, true, e) == 0);
    }
    int64_t dec18 = ordo_cal_days(2026, 12, 18);
    assert_true(sim_truth_season_p(dec18, false, 0) == 0.20);
    assert_true(sim_truth_season_p(dec18, true, 0) == 0.10);
    assert_true(sim_truth_season_p(dec18, false, 1) == 0.15);
    assert_true(sim_truth_season_p(dec18, false, 2) == 0); /* 7 days before Christmas */
    assert_true(sim_truth_season_p(ordo_cal_days(2026, 12, 22), false, 2) == 0.40);
    assert_true(sim_truth_season_p(ordo_cal_days(2026, 11, 23), false, 2) == 0.40);
    assert_true(sim_truth_season_p(ordo_cal_days(2026, 11, 27), false, 2) == 0.40); /* day after */
    assert_true(sim_truth_season_p(ordo_cal_days(2026, 11, 28), false, 2) == 0);
    assert_true(sim_truth_season_p(ordo_cal_days(2026, 12, 30), false, 2) == 0.40); /* New Year */
    assert_true(sim_truth_season_p(ordo_cal_days(2026, 11, 14), false, 0) == 0);
    assert_true(sim_truth_season_p(ordo_cal_days(2026, 11, 15), false, 0) == 0.20);
}

static void test_customer_return_factor(void **state)
{
    (void)state;
    const double sigma = 0.8;
    const int n = 200000;
    double sum = 0, sl = 0, sll = 0;
    char id[16];
    for (int i = 1; i <= n; i++) {
        snprintf(id, sizeof id, "C%07d", i); /* the simulator's customer ids */
        double f = sim_customer_return_factor(id, sigma);
        assert_true(f > 0);
        sum += f;
        sl += log(f);
        sll += log(f) * log(f);
    }
    double mean_log = sl / n, sd_log = sqrt(sll / n - mean_log * mean_log);
    print_message("factor mean %.4f, log mean %.4f sd %.4f\n", sum / n, mean_log, sd_log);
    assert_true(fabs(sum / n - 1) < 0.01); /* se 0.0021 */
    assert_true(fabs(mean_log + sigma * sigma / 2) < 0.01);
    assert_true(fabs(sd_log - sigma) < 0.01);
    assert_true(sim_customer_return_factor("C0000042", sigma) ==
                sim_customer_return_factor("C0000042", sigma));
    assert_true(sim_customer_return_factor("C0000042", sigma) !=
                sim_customer_return_factor("C0000043", sigma));
    assert_true(sim_customer_return_factor("", sigma) == 1); /* a guest */
    assert_true(sim_customer_return_factor(NULL, sigma) == 1);
    assert_true(sim_customer_return_factor("C0000042", 0) == 1); /* the old world */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thanksgiving),
        cmocka_unit_test(test_season_probabilities),
        cmocka_unit_test(test_delivery_day),
        cmocka_unit_test(test_customer_return_factor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
