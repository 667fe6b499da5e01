/* SPDX-License-Identifier: Apache-2.0 */
/* The world's truth in season (docs/internals/SIM.md, "The true lane
 * model"): the holiday dates and the extra-day probabilities are the
 * documented ones, and nothing of them reaches a day outside the season;
 * the customers' return propensity is lognormal with mean 1 and the
 * documented sd of its log, the same for an id every time; a lane's
 * parcels of one ship day share the lane-day offset (early or late
 * together), which comes with the documented probabilities and takes
 * nothing from the transit stream. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/sim/world.h"
#include "ordo/calendar.h"
#include "ordo/network.h"

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

/* The documented probabilities (SIM.md "The true lane model", lane-day). */
static void test_lane_day_table(void **state)
{
    (void)state;
    sim_lane_day_p_t g = sim_truth_lane_day_p("parcel", ORDO_SERVICE_GROUND, 3);
    assert_true(g.early == 0.30 && g.late == 0.08 && g.two == 0.25);
    const char *economy[] = {"postal", "usps", "regional", "lso", "ontrac"};
    for (int i = 0; i < 5; i++) {
        g = sim_truth_lane_day_p(economy[i], ORDO_SERVICE_GROUND, 2);
        assert_true(g.early == 0.20 && g.late == 0.10 && g.two == 0.25);
    }
    g = sim_truth_lane_day_p("ups", ORDO_SERVICE_GROUND, 1); /* no day to save */
    assert_true(g.early == 0 && g.late == 0.08 && g.two == 0.25);
    g = sim_truth_lane_day_p("ups", ORDO_SERVICE_TWO_DAY, 2);
    assert_true(g.early == 0.15 && g.late == 0.05 && g.two == 0);
    g = sim_truth_lane_day_p("postal", ORDO_SERVICE_TWO_DAY, 1);
    assert_true(g.early == 0 && g.late == 0.05 && g.two == 0);
    g = sim_truth_lane_day_p("fedex", ORDO_SERVICE_OVERNIGHT, 1);
    assert_true(g.early == 0 && g.late == 0.01 && g.two == 0);
}

/* Over 200,000 lane-days the offset comes with P(early), P(late), P(two
 * days late) and mean late × (1 + two) − early; the same lane-day always
 * gives the same days; the next day of a lane, and the same lane-day of
 * another run, are independent of it. */
static void test_lane_day_frequencies(void **state)
{
    (void)state;
    const sim_lane_day_p_t p = {0.30, 0.12, 0.25};
    const int64_t d0 = ordo_cal_days(2026, 9, 7);
    long n = 0, early = 0, late = 0, two = 0, sum = 0, off_next = 0, off_seeds = 0, off = 0;
    for (uint32_t node = 0; node < 50; node++)
        for (uint16_t z = 100; z < 300; z++)
            for (int64_t d = d0; d < d0 + 20; d++) {
                sim_lane_t lane = {node, (int32_t)(node % 4), 0, z, "TX"};
                int k = sim_truth_lane_day_days(11, &lane, d, p);
                assert_true(k >= -1 && k <= 2);
                assert_int_equal(k, sim_truth_lane_day_days(11, &lane, d, p));
                lane.zip = 12345; /* the destination ZIP and state are not the lane */
                lane.state = "CA";
                assert_int_equal(k, sim_truth_lane_day_days(11, &lane, d, p));
                n++;
                early += k < 0;
                late += k > 0;
                two += k == 2;
                sum += k;
                if (k != 0) {
                    off++;
                    off_next += sim_truth_lane_day_days(11, &lane, d + 1, p) != 0;
                    off_seeds += sim_truth_lane_day_days(12, &lane, d, p) != 0;
                }
            }
    double fe = (double)early / n, fl = (double)late / n, f2 = (double)two / n;
    double mean = (double)sum / n;
    print_message("lane-day: P(early) %.4f P(late) %.4f P(two) %.4f mean %+.4f; P(off next day"
                  " | off) %.4f, P(off in another run | off) %.4f\n",
                  fe, fl, f2, mean, (double)off_next / off, (double)off_seeds / off);
    assert_true(fabs(fe - 0.30) < 0.005);                     /* se 0.0010 */
    assert_true(fabs(fl - 0.12) < 0.004);                     /* se 0.0007 */
    assert_true(fabs(f2 - 0.12 * 0.25) < 0.002);              /* se 0.0004 */
    assert_true(fabs(mean - (0.12 * 1.25 - 0.30)) < 0.006);   /* se 0.0013 */
    assert_true(fabs((double)off_next / off - 0.42) < 0.015); /* se 0.003 */
    assert_true(fabs((double)off_seeds / off - 0.42) < 0.015);
    sim_lane_day_p_t none = {0, 0, 0.25};
    sim_lane_t lane = {1, 0, 0, 100, "TX"};
    for (int64_t d = d0; d < d0 + 1000; d++)
        assert_int_equal(sim_truth_lane_day_days(11, &lane, d, none), 0);
}

/* In a real network's lanes the transit is the old world's terms (drawn
 * from the stream as before, whatever the seed) plus the lane-day offset
 * of the run's seed, never below a day; over many lane-days each service's
 * offset comes with its documented P(early) and P(late). */
static void test_transit_adds_lane_day(void **state)
{
    (void)state;
    char dir[] = "/tmp/ordo-test-truth-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/net", dir);
    ordo_generate_options_t g = {.dcs = 4, .stores = 2, .dropshippers = 0, .skus = 10, .seed = 3};
    ordo_network_t *net = NULL;
    assert_int_equal(ordo_network_generate(&g, NULL, path, NULL), 0);
    assert_int_equal(ordo_network_load(path, NULL, &net, NULL), 0);
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 99);
    const int64_t d0 = ordo_cal_days(2026, 9, 7);
    long n[3] = {0}, early[3] = {0}, late[3] = {0};
    double want_early[3] = {0}, want_late[3] = {0};
    for (uint32_t node = 0; node < net->n_nodes; node++)
        for (uint32_t s = 0; s < net->nodes[node].n_services; s++)
            for (uint16_t z = 100; z < 900; z += 7)
                for (int64_t d = d0; d < d0 + 20; d++) {
                    if (!ordo_cal_working(d, ORDO_WEEK_MON_FRI))
                        continue;
                    int32_t svc = (int32_t)net->nodes[node].services[s];
                    const ordo_carrier_service_t *cs = &net->services[svc];
                    int c = (int)cs->service;
                    int base = c == ORDO_SERVICE_OVERNIGHT
                                   ? 1
                                   : sim_truth_base_days(ordo_network_zone(net, node, z),
                                                         c != ORDO_SERVICE_GROUND);
                    sim_lane_t lane = {node, svc, (uint32_t)z * 100 + 1, z, "TX"};
                    sim_lane_day_p_t p = sim_truth_lane_day_p(cs->carrier, c, base);
                    int k1 = sim_truth_lane_day_days(1, &lane, d, p);
                    int k2 = sim_truth_lane_day_days(2, &lane, d, p);
                    ordo_rng_t r1 = rng, r2 = rng;
                    int t1 = sim_transit_days(net, &lane, d, 1, &r1);
                    int t2 = sim_transit_days(net, &lane, d, 2, &r2);
                    assert_int_equal(t1 - k1, t2 - k2); /* the same draws */
                    assert_memory_equal(&r1, &r2, sizeof r1);
                    assert_true(t1 >= 1 && t1 >= base + k1);
                    rng = r1;
                    n[c]++;
                    early[c] += k1 < 0;
                    late[c] += k1 > 0;
                    want_early[c] += p.early;
                    want_late[c] += p.late;
                }
    for (int c = 0; c < 3; c++) {
        if (!n[c])
            continue;
        double fe = (double)early[c] / n[c], fl = (double)late[c] / n[c];
        double we = want_early[c] / n[c], wl = want_late[c] / n[c];
        print_message("service %d: %ld lane-days, early together %.4f (want %.4f), late together"
                      " %.4f (want %.4f)\n",
                      c, n[c], fe, we, fl, wl);
        assert_true(fabs(fe - we) < 5 * sqrt(we * (1 - we) / n[c]) + 1e-9);
        assert_true(fabs(fl - wl) < 5 * sqrt(wl * (1 - wl) / n[c]));
    }
    assert_true(want_early[ORDO_SERVICE_GROUND] > 0 && want_late[ORDO_SERVICE_OVERNIGHT] > 0);
    ordo_network_destroy(net);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thanksgiving),          cmocka_unit_test(test_season_probabilities),
        cmocka_unit_test(test_delivery_day),          cmocka_unit_test(test_customer_return_factor),
        cmocka_unit_test(test_lane_day_table),        cmocka_unit_test(test_lane_day_frequencies),
        cmocka_unit_test(test_transit_adds_lane_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
