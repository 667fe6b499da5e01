/* SPDX-License-Identifier: Apache-2.0 */
/* bench_fit — the fits of include/ordo/fit.h.
 *
 *   bench_fit [--rows N]        speed: the logistic fit on N synthetic
 *                               orders (default 1,000,000), Holt–Winters
 *                               fits, a transportation LP with CLP
 *   bench_fit --run DIR         evaluation on a simulator run (`ordo sim
 *                               ... --out DIR`): return and cancellation
 *                               risk trained on the first 70% of days and
 *                               scored on the rest against base rates;
 *                               Holt–Winters MASE on daily units per
 *                               family x region against seasonal naive.
 *                               --drop-last K leaves the decisions of the
 *                               last K days out of the risk scores (their
 *                               outcomes are censored at the run's end).
 * Method and figures: docs/internals/FIT.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/arena.h"
#include "ordo/fit.h"
#include "ordo/log.h"
#include "ordo/model.h"
#include "ordo/record.h"
#include "ordo/store.h"
#include "ordo/util.h"

static double seconds_since(uint64_t t0)
{
    return (double)(ordo_now_ns() - t0) / 1e9;
}

/* ------------------------------------------------------------ speed */

#define SYN_FAMILIES 12
#define SYN_NUMERIC 5

static void bench_logit(size_t n)
{
    size_t nnz = 1 + SYN_NUMERIC, d = SYN_FAMILIES + SYN_NUMERIC;
    size_t *rs = malloc((n + 1) * sizeof *rs);
    uint32_t *col = malloc(n * nnz * sizeof *col);
    double *val = malloc(n * nnz * sizeof *val), *y = malloc(n * sizeof *y);
    double beta[SYN_FAMILIES + SYN_NUMERIC];
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 19);
    for (size_t j = 0; j < d; j++)
        beta[j] = 0.5 * ordo_rng_normal(&rng);
    for (size_t i = 0; i < n; i++) {
        size_t k = i * nnz;
        rs[i] = k;
        col[k] = (uint32_t)ordo_rng_below(&rng, SYN_FAMILIES);
        val[k] = 1;
        double eta = -2.5 + beta[col[k]];
        for (size_t j = 0; j < SYN_NUMERIC; j++) {
            col[k + 1 + j] = (uint32_t)(SYN_FAMILIES + j);
            val[k + 1 + j] = ordo_rng_normal(&rng);
            eta += beta[SYN_FAMILIES + j] * val[k + 1 + j];
        }
        y[i] = ordo_rng_uniform(&rng) < 1 / (1 + exp(-eta));
    }
    rs[n] = n * nnz;
    ordo_logit_rows_t rows = {.n_rows = n, .n_features = d, .row_start = rs, .col = col,
                              .val = val, .y = y};
    ordo_logit_opts_t opts = {.l2 = 1, .standardize = 1};
    double b0, coef[SYN_FAMILIES + SYN_NUMERIC];
    ordo_logit_report_t rep;
    uint64_t t0 = ordo_now_ns();
    int rc = ordo_logit_fit(&rows, &opts, &b0, coef, &rep, NULL);
    printf("logit fit: %zu rows x %zu features (%zu non-zeros a row): %.2f s, %d Newton "
           "iterations, converged %d, rc %d\n", n, d, nnz, seconds_since(t0), rep.iterations,
           rep.converged, rc);
    free(rs);
    free(col);
    free(val);
    free(y);
}

static void bench_hw(void)
{
    enum { SERIES = 60, DAYS = 84 };
    double y[DAYS];
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 7);
    uint64_t t0 = ordo_now_ns();
    int evals = 0;
    for (int s = 0; s < SERIES; s++) {
        for (int t = 0; t < DAYS; t++)
            y[t] = (double)ordo_rng_poisson(&rng, 40 * (1 + 0.3 * sin(t * 0.9)));
        ordo_hw_model_t md = {.period = 7, .trend = 1, .season = ORDO_HW_ADDITIVE};
        ordo_hw_fit_report_t rep;
        if (ordo_hw_fit(&md, y, DAYS, 0, &rep, NULL) == ORDO_OK)
            evals += rep.evaluations;
    }
    printf("holt-winters fit (trend, additive season, state fitted): %d series x %d days: "
           "%.3f s (%.2f ms a series, %d recursion runs)\n", SERIES, DAYS, seconds_since(t0),
           seconds_since(t0) * 1e3 / SERIES, evals);
}

static void bench_transport(size_t nn, size_t nr)
{
    double *supply = malloc(nn * sizeof *supply), *demand = malloc(nr * sizeof *demand);
    double *cost = malloc(nn * nr * sizeof *cost), *flow = malloc(nn * nr * sizeof *flow);
    double *nv = malloc(nn * sizeof *nv);
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 2015);
    double total = 0;
    for (size_t j = 0; j < nr; j++)
        total += demand[j] = 1 + 50 * ordo_rng_uniform(&rng);
    for (size_t i = 0; i < nn; i++) {
        supply[i] = total / (double)nn * (0.6 + 0.6 * ordo_rng_uniform(&rng));
        for (size_t j = 0; j < nr; j++)
            cost[i * nr + j] = 4 + 10 * ordo_rng_uniform(&rng);
    }
    ordo_transport_problem_t p = {.n_nodes = nn, .n_regions = nr, .supply = supply,
                                  .demand = demand, .cost = cost, .unmet_cost = 40};
    ordo_transport_result_t r = {.flow = flow, .node_value = nv};
    uint64_t t0 = ordo_now_ns();
    int rc = ordo_transport_solve(&p, &r, NULL);
    printf("transportation LP (CLP): %zu nodes x %zu regions: %.3f s, %d iterations, rc %d\n",
           nn, nr, seconds_since(t0), r.iterations, rc);
    free(supply);
    free(demand);
    free(cost);
    free(flow);
    free(nv);
}

/* ------------------------------------------------------------ a run */

#define EV_FEATURES_MAX ORDO_RISK_MAX_FEATURES

/* The run's orders and the design matrices come from the library
 * (ordo_risk_run_read, ordo_risk_design_build: src/model/risk_data.c), the
 * same that `ordo model train` fits. */
typedef ordo_risk_run_t ev_run_t;
typedef ordo_risk_order_t ev_order_t;
typedef ordo_risk_target_t ev_target_t;
#define EV_RETURN ORDO_RISK_RETURN
#define EV_CANCEL ORDO_RISK_CANCEL

static void print_scores(const char *label, const double *p, const double *y, size_t n)
{
    double auc = NAN;
    ordo_calib_bin_t bins[10];
    ordo_calib_summary_t s;
    ordo_auc(p, y, n, &auc, NULL);
    if (ordo_calibration(p, y, n, 10, bins, &s, NULL) != ORDO_OK)
        return;
    double gap1000 = 0;
    for (int b = 0; b < 10; b++)
        if (bins[b].count >= 1000)
            gap1000 = fmax(gap1000, fabs(bins[b].mean_pred - bins[b].obs_rate));
    printf("  %-22s AUC %.4f  Brier %.5f  log loss %.5f  ECE %.4f  max gap (bins >= 1000) "
           "%.4f\n", label, auc, s.brier, s.log_loss, s.ece, gap1000);
    printf("  %-22s reliability:", "");
    for (int b = 0; b < 10; b++)
        if (bins[b].count)
            printf(" [%.1f,%.1f) n=%zu %.3f/%.3f", bins[b].lo, bins[b].hi, bins[b].count,
                   bins[b].mean_pred, bins[b].obs_rate);
    printf("\n");
}

/* Splits by day (train: day < cut), fits, prints held-out scores. */
static int evaluate_target(const ev_run_t *run, ev_target_t t, int cut, int end)
{
    ordo_risk_design_t x;
    int rc = ordo_risk_design_build(run, t, NULL, run->families.n, NULL, run->services.n, &x);
    size_t n_train = 0, n_end = 0;
    while (rc == ORDO_OK && n_train < x.n && x.day[n_train] < cut)
        n_train++; /* the log is in time order */
    while (rc == ORDO_OK && n_end < x.n && x.day[n_end] < end)
        n_end++;
    size_t n_test = n_end - n_train;
    if (rc != ORDO_OK || n_train == 0 || n_test == 0) {
        ordo_risk_design_free(&x);
        return rc != ORDO_OK ? rc : ORDO_EINVAL;
    }
    ordo_logit_rows_t train = {.n_rows = n_train, .n_features = x.d, .row_start = x.rs,
                               .col = x.col, .val = x.val, .y = x.y};
    ordo_logit_opts_t opts = {.l2 = 1, .standardize = 1, .tol = 1e-7}; /* as ordo_risk_train */
    double b0, coef[EV_FEATURES_MAX], rate = 0;
    ordo_logit_report_t rep;
    uint64_t t0 = ordo_now_ns();
    rc = ordo_logit_fit(&train, &opts, &b0, coef, &rep, NULL);
    for (size_t i = 0; i < n_train; i++)
        rate += x.y[i] / (double)n_train;
    printf("%s risk: train %zu orders (days 0-%d, rate %.4f), held out %zu (days %d-%d); fit "
           "%.2f s, %d iterations, converged %d\n", t == EV_RETURN ? "return" : "cancellation",
           n_train, cut - 1, rate, n_test, cut, end - 1, seconds_since(t0),
           rep.iterations, rep.converged);
    double *p = malloc(n_test * sizeof *p), *base = malloc(n_test * sizeof *base);
    ordo_logit_rows_t test = {.n_rows = n_test, .n_features = x.d, .row_start = x.rs + n_train,
                              .col = x.col, .val = x.val, .y = x.y + n_train};
    ordo_logit_predict(&test, b0, coef, p);
    print_scores("learned (logistic)", p, x.y + n_train, n_test);
    for (size_t i = 0; i < n_test; i++)
        base[i] = rate;
    print_scores("base rate (train)", base, x.y + n_train, n_test);
    int has_engine = 1;
    for (size_t i = 0; has_engine && i < n_test; i++) {
        base[i] = x.base[n_train + i];
        has_engine = isfinite(base[i]) && base[i] >= 0 && base[i] <= 1;
    }
    if (has_engine)
        print_scores(t == EV_RETURN ? "engine's return_risk" : "parametric cancel", base,
                     x.y + n_train, n_test);
    free(p);
    free(base);
    ordo_risk_design_free(&x);
    return rc;
}

/* ---- demand: Holt–Winters per family x region ---- */

/* Holt–Winters in the form of least AICc; forecasts h days. */
static void forecast_series(const double *y, int days, int h, double *mase_hw, double *mase_sn,
                            double *mae_hw, double *mae_sn, int *picked)
{
    int n = days - h;
    ordo_hw_model_t best = {.period = 7};
    double best_sse = ordo_hw_fit_auto(&best, y, (size_t)n, NULL, NULL) == ORDO_OK ? 0 : INFINITY;
    *picked = best.trend + 2 * (int)best.season;
    double f[64], sn[64];
    *mase_hw = *mase_sn = NAN;
    if (!isfinite(best_sse) ||
        ordo_hw_run(&best, y, (size_t)n, NULL, NULL, f, (size_t)h, NULL) != ORDO_OK)
        return;
    ordo_seasonal_naive(y, (size_t)n, 7, sn, (size_t)h, NULL);
    ordo_mase(y, (size_t)n, 7, y + n, f, (size_t)h, mase_hw, NULL);
    ordo_mase(y, (size_t)n, 7, y + n, sn, (size_t)h, mase_sn, NULL);
    for (int k = 0; k < h; k++) {
        *mae_hw += fabs(y[n + k] - f[k]);
        *mae_sn += fabs(y[n + k] - sn[k]);
    }
}

static void evaluate_demand(const ev_run_t *run, int h)
{
    int nf = run->families.n, nr = run->regions.n, days = run->days;
    double *units = calloc((size_t)nf * (size_t)nr * (size_t)days, sizeof *units);
    if (!units || days - h < 14 || h > 64) {
        free(units);
        return;
    }
    for (size_t i = 0; i < run->n; i++) {
        const ev_order_t *o = &run->o[i];
        units[((size_t)o->family * (size_t)nr + (size_t)o->region) * (size_t)days + (size_t)o->day] +=
            o->units;
    }
    double sum_hw = 0, sum_sn = 0, mae_hw = 0, mae_sn = 0;
    int series = 0, wins = 0, forms[4] = {0};
    for (int s = 0; s < nf * nr; s++) {
        double mh, ms;
        int form = 0;
        forecast_series(units + (size_t)s * (size_t)days, days, h, &mh, &ms, &mae_hw, &mae_sn,
                        &form);
        forms[form]++;
        if (!isfinite(mh) || !isfinite(ms))
            continue;
        sum_hw += mh;
        sum_sn += ms;
        wins += mh < ms;
        series++;
    }
    printf("demand: %d family x region series of daily units, fit on days 0-%d, forecast "
           "days %d-%d\n", series, days - h - 1, days - h, days - 1);
    printf("  Holt-Winters   mean MASE %.4f  (MAE pooled %.3f units/day)\n", sum_hw / series,
           mae_hw / series / h);
    printf("  seasonal naive mean MASE %.4f  (MAE pooled %.3f units/day)\n", sum_sn / series,
           mae_sn / series / h);
    printf("  Holt-Winters better on %d of %d series; forms picked by AICc: none/add %d, "
           "trend/add %d, none/mul %d, trend/mul %d\n", wins, series, forms[0], forms[1],
           forms[2], forms[3]);
    free(units);
}

/* Labels by decision day: censoring and drift show here. */
static void print_daily_rates(const ev_run_t *run)
{
    printf("daily outcome rates (day: orders with outcomes, returned, cancelled):\n ");
    for (int d = 0; d < run->days; d++) {
        double n = 0, ret = 0, can = 0;
        for (size_t i = 0; i < run->n; i++) {
            const ev_order_t *o = &run->o[i];
            if (o->day != d || !o->has_outcome)
                continue;
            n++;
            ret += o->returned;
            can += o->cancelled;
        }
        printf(" %d:%.0f,%.3f,%.3f", d, n, n ? ret / n : 0, n ? can / n : 0);
    }
    printf("\n");
}

static int run_eval(const char *dir, int drop_last)
{
    ev_run_t run = {0};
    ordo_error_t err;
    uint64_t t0 = ordo_now_ns();
    int rc = ordo_risk_run_read(dir, &run, &err);
    if (rc != ORDO_OK) {
        fprintf(stderr, "bench_fit: %s: %s\n", dir, err.msg);
        return 1;
    }
    size_t with = 0;
    for (size_t i = 0; i < run.n; i++)
        with += run.o[i].has_outcome;
    printf("run %s: %zu decisions over %d days, %zu with outcomes (read in %.1f s)\n", dir, run.n,
           run.days, with, seconds_since(t0));
    print_daily_rates(&run);
    int cut = (int)floor(0.7 * run.days + 0.5);
    int end = run.days - drop_last;
    if (evaluate_target(&run, EV_RETURN, cut, end) != ORDO_OK ||
        evaluate_target(&run, EV_CANCEL, cut, end) != ORDO_OK)
        fprintf(stderr, "bench_fit: a risk model could not be evaluated\n");
    evaluate_demand(&run, 7);
    ordo_risk_run_free(&run);
    return 0;
}

int main(int argc, char **argv)
{
    size_t rows = 1000000;
    const char *run = NULL;
    int drop_last = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--run") && i + 1 < argc)
            run = argv[++i];
        else if (!strcmp(argv[i], "--drop-last") && i + 1 < argc)
            drop_last = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rows") && i + 1 < argc)
            rows = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_fit [--rows N] | --run DIR [--drop-last K]\n");
            return 2;
        }
    }
    if (run)
        return run_eval(run, drop_last);
    bench_logit(rows);
    bench_hw();
    bench_transport(40, 900);
    return 0;
}
