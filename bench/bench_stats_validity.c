/* SPDX-License-Identifier: Apache-2.0 */
/* bench_stats_validity — A/A simulation study of the statistics module.
 *
 *   bench_stats_validity [EXPERIMENTS] [SEED]     (defaults 2000 and 1)
 *
 * Each A/A experiment runs 30 days with 200 new units per arm per day; the
 * metric is a skewed, cost-like lognormal (and an on-time 0/1 for the
 * two-proportion test). Both arms come from the same distribution, so every
 * rejection is a false positive. Reported:
 *   - fixed horizon: Welch (and the z-test for proportions) once, at day 30;
 *     must be within binomial noise of alpha (|z| < 3.29, 99.9%);
 *   - sequential: the mSPRT always-valid p-value looked at every day; its
 *     false-positive rate over the 30 looks must be <= alpha;
 *   - for contrast, naive daily peeking at Welch's p (expected to inflate).
 * Exit status 0 when both requirements hold. Runs in about a second. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ordo/stats.h"
#include "ordo/util.h"

#define DAYS 30
#define PER_DAY 200
#define ALPHA 0.05
#define MU 2.3
#define SIGMA 0.5

int main(int argc, char **argv)
{
    int n_exp = argc > 1 ? atoi(argv[1]) : 2000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    if (n_exp < 10) {
        fprintf(stderr, "usage: bench_stats_validity [EXPERIMENTS >= 10] [SEED]\n");
        return 2;
    }
    uint64_t t0 = ordo_now_ns();
    ordo_rng_t rng;
    ordo_rng_seed(&rng, seed);
    /* the mixing variance is fixed in advance from the planned end of the
     * experiment (never from the data): V = 2 var / n at day 30 */
    double var = (exp(SIGMA * SIGMA) - 1.0) * exp(2.0 * MU + SIGMA * SIGMA);
    double v_plan = 2.0 * var / (DAYS * PER_DAY);
    double tau2 = ordo_msprt_tau2_for(v_plan, ALPHA);
    int fp_fixed = 0, fp_prop = 0, fp_seq = 0, fp_peek = 0, fp_seq_prop = 0;
    for (int e = 0; e < n_exp; e++) {
        ordo_moments_t arm[2];
        double on_time[2] = {0, 0};
        ordo_moments_init(&arm[0]);
        ordo_moments_init(&arm[1]);
        ordo_msprt_t seq, seq_prop;
        if (ordo_msprt_init(&seq, tau2, ALPHA, NULL) ||
            ordo_msprt_init(&seq_prop, ordo_msprt_tau2_for(2 * 0.95 * 0.05 / (DAYS * PER_DAY), ALPHA),
                            ALPHA, NULL))
            return 1;
        int peeked = 0;
        ordo_stats_result_t r;
        for (int day = 1; day <= DAYS; day++) {
            for (int a = 0; a < 2; a++)
                for (int i = 0; i < PER_DAY; i++) {
                    ordo_moments_add(&arm[a], ordo_rng_lognormal(&rng, MU, SIGMA));
                    on_time[a] += ordo_rng_uniform(&rng) < 0.95;
                }
            ordo_stats_arm_t c = ordo_stats_arm_from_moments(&arm[0]);
            ordo_stats_arm_t t = ordo_stats_arm_from_moments(&arm[1]);
            if (ordo_stats_welch(&c, &t, ALPHA, &r, NULL) ||
                ordo_msprt_update(&seq, r.estimate, r.se * r.se, NULL))
                return 1;
            if (r.p_value < ALPHA)
                peeked = 1;
            ordo_stats_result_t p;
            double n = (double)arm[0].n;
            if (ordo_stats_prop_z(on_time[0], n, on_time[1], n, ALPHA, &p, NULL) ||
                ordo_msprt_update(&seq_prop, p.estimate, p.se * p.se, NULL))
                return 1;
            if (day == DAYS) {
                fp_fixed += r.p_value < ALPHA;
                fp_prop += p.p_value < ALPHA;
            }
        }
        fp_seq += seq.p_value < ALPHA;
        fp_seq_prop += seq_prop.p_value < ALPHA;
        fp_peek += peeked;
    }
    double sd = sqrt(ALPHA * (1 - ALPHA) / n_exp);
    double r_fixed = (double)fp_fixed / n_exp, r_prop = (double)fp_prop / n_exp;
    double r_seq = (double)fp_seq / n_exp, r_seq_prop = (double)fp_seq_prop / n_exp;
    double z_fixed = (r_fixed - ALPHA) / sd, z_prop = (r_prop - ALPHA) / sd;
    bool ok = fabs(z_fixed) < 3.29 && fabs(z_prop) < 3.29 && r_seq <= ALPHA && r_seq_prop <= ALPHA;
    printf("A/A study: %d experiments x %d days x %d units/arm/day, alpha %.2f, seed %llu\n", n_exp,
           DAYS, PER_DAY, ALPHA, (unsigned long long)seed);
    printf("  fixed horizon, Welch (lognormal cost)   : FPR %.4f (%d/%d), z = %+.2f vs alpha "
           "(binomial sd %.4f)\n", r_fixed, fp_fixed, n_exp, z_fixed, sd);
    printf("  fixed horizon, two-proportion z         : FPR %.4f (%d/%d), z = %+.2f\n", r_prop,
           fp_prop, n_exp, z_prop);
    printf("  sequential mSPRT, 30 daily looks (cost) : FPR %.4f (%d/%d) [must be <= %.2f], "
           "tau2 %.4g\n", r_seq, fp_seq, n_exp, ALPHA, tau2);
    printf("  sequential mSPRT, 30 daily looks (prop) : FPR %.4f (%d/%d)\n", r_seq_prop,
           fp_seq_prop, n_exp);
    printf("  naive daily peeking at Welch p (contrast): FPR %.4f (%d/%d)\n",
           (double)fp_peek / n_exp, fp_peek, n_exp);
    /* For scale, what sequential monitoring costs: the same design with a
     * true +2% effect on the cost metric (500 experiments). */
    int n_ab = n_exp / 4 > 10 ? n_exp / 4 : 10, hit_fixed = 0, hit_seq = 0, stop_days = 0;
    for (int e = 0; e < n_ab; e++) {
        ordo_moments_t arm[2];
        ordo_moments_init(&arm[0]);
        ordo_moments_init(&arm[1]);
        ordo_msprt_t seq;
        if (ordo_msprt_init(&seq, tau2, ALPHA, NULL))
            return 1;
        int stopped = 0;
        ordo_stats_result_t r;
        for (int day = 1; day <= DAYS; day++) {
            for (int a = 0; a < 2; a++)
                for (int i = 0; i < PER_DAY; i++)
                    ordo_moments_add(&arm[a], ordo_rng_lognormal(&rng, MU + (a ? log(1.02) : 0.0),
                                                                 SIGMA));
            ordo_stats_arm_t c = ordo_stats_arm_from_moments(&arm[0]);
            ordo_stats_arm_t t = ordo_stats_arm_from_moments(&arm[1]);
            if (ordo_stats_welch(&c, &t, ALPHA, &r, NULL) ||
                ordo_msprt_update(&seq, r.estimate, r.se * r.se, NULL))
                return 1;
            if (!stopped && seq.p_value < ALPHA)
                stopped = day;
        }
        hit_fixed += r.p_value < ALPHA;
        if (stopped) {
            hit_seq++;
            stop_days += stopped;
        }
    }
    printf("  with a true +2%% effect (%d experiments): fixed-horizon power %.3f, mSPRT power "
           "%.3f, mean stopping day %.1f\n", n_ab, (double)hit_fixed / n_ab,
           (double)hit_seq / n_ab, hit_seq ? (double)stop_days / hit_seq : 0.0);
    printf("  %s in %.2f s\n", ok ? "PASS" : "FAIL", (double)(ordo_now_ns() - t0) / 1e9);
    return ok ? 0 : 1;
}
