/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — model fitting: penalised logistic regression with its scores (AUC,
 * calibration), Holt–Winters forecasts with weekly seasonality, and the
 * transportation LP whose duals price a node's unit of stock.
 *
 * Conventions (the whole header)
 *  - Plain arrays in, plain arrays out. Every pointer a function takes is
 *    owned by the caller and only borrowed for the call; outputs go into
 *    arrays the caller sized as each function says. Nothing keeps a pointer.
 *  - Functions return ORDO_OK or a negative ORDO_E* code with detail (the
 *    field at fault) in a caller-owned ordo_error_t (NULL allowed).
 *  - Nothing here is on the decision path: the fits allocate scratch memory
 *    and free it before they return. Everything is reentrant.
 *
 * Objectives, optimisers and the references they are checked against:
 * docs/internals/FIT.md. */
#ifndef ORDO_FIT_H
#define ORDO_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "netval.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Logistic regression with an L2 penalty.
 *
 * Rows are sparse (CSR): row r holds the entries row_start[r] ..
 * row_start[r+1]-1 of col[] and val[]. val == NULL means every entry is 1
 * (one-hot rows). A feature absent from a row is 0. The intercept is
 * implicit and never penalised.
 *
 * The fit minimises
 *     sum_r w_r [log(1 + e^eta_r) - y_r eta_r] + l2/2 sum_j (s_j coef_j)^2,
 *     eta_r = intercept + sum_j coef_j x_rj,
 * where s_j is the (weighted, population) standard deviation of feature j
 * when standardize is set (1 for a constant feature), else 1. With the
 * intercept free, that is the usual "standardise, then penalise" model, and
 * coefficients come back on the features' own scale. */
typedef struct ordo_logit_rows {
    size_t n_rows;
    size_t n_features;
    const size_t *row_start; /* n_rows + 1 offsets into col / val */
    const uint32_t *col;     /* feature index of each entry, < n_features */
    const double *val;       /* value of each entry; NULL: all 1 */
    const double *y;         /* label of each row, in [0, 1] */
    const double *weight;    /* weight of each row, >= 0; NULL: all 1 */
} ordo_logit_rows_t;

typedef struct ordo_logit_opts {
    double l2;       /* penalty, >= 0 */
    int standardize; /* 1: penalise coef_j scaled by feature j's sd */
    int max_iter;    /* Newton iterations; 0: 100 */
    double tol;      /* converged when every Newton step component, in
                      * units of its curvature (|d_j| sqrt(H_jj / sum w)),
                      * is <= tol; 0: 1e-9 */
} ordo_logit_opts_t;

typedef struct ordo_logit_report {
    int iterations;       /* Newton steps taken */
    int converged;        /* 1 when the gradient test passed */
    int halvings;         /* line-search step halvings, all iterations */
    double objective;     /* the penalised objective above, at the result */
    double log_loss;      /* weighted mean log loss (no penalty) */
    double grad_max;      /* max |gradient| / sum w at the result */
} ordo_logit_report_t;

/* Largest n_features the Newton fit accepts (its Hessian is dense). */
#define ORDO_LOGIT_MAX_FEATURES 2048

/* Fits the model: *intercept and coef[n_features] (caller-sized) receive the
 * result, rep (NULL allowed) the convergence report. Not converging within
 * max_iter is not an error: rep->converged says so. Bad input (a label
 * outside [0,1], a column out of range, a negative weight, all weights 0)
 * is ORDO_EINVAL naming the field and row. */
int ordo_logit_fit(const ordo_logit_rows_t *rows, const ordo_logit_opts_t *opts,
                   double *intercept, double *coef, ordo_logit_report_t *rep,
                   ordo_error_t *err);

/* The probability of one row (entries col[0..nnz), val NULL: all 1). */
double ordo_logit_prob(double intercept, const double *coef, const uint32_t *col,
                       const double *val, size_t nnz);

/* prob[n_rows] receives the probability of each row of rows. */
void ordo_logit_predict(const ordo_logit_rows_t *rows, double intercept, const double *coef,
                        double *prob);

/* ------------------------------------------------------------------ */
/* Scores of probabilistic predictions (p in [0,1], y in {0,1}). */

/* Area under the ROC curve (ties count one half: the Mann–Whitney U with
 * mid-ranks). ORDO_EINVAL when either class is empty. Allocates n indices. */
int ordo_auc(const double *score, const double *y, size_t n, double *auc, ordo_error_t *err);

/* One reliability bin: predictions with p in [lo, hi). The last bin is
 * closed ([lo, 1]). mean_pred and obs_rate are 0 for an empty bin. */
typedef struct ordo_calib_bin {
    double lo, hi;
    size_t count;
    double mean_pred;   /* mean predicted probability */
    double obs_rate;    /* observed frequency of y = 1 */
} ordo_calib_bin_t;

typedef struct ordo_calib_summary {
    double brier;       /* mean (p - y)^2 */
    double log_loss;    /* mean log loss (p clipped to [1e-15, 1 - 1e-15]) */
    double ece;         /* sum_b count_b |mean_pred_b - obs_rate_b| / n */
    double max_gap;     /* max |mean_pred - obs_rate| over non-empty bins */
    double base_rate;   /* mean y */
} ordo_calib_summary_t;

/* n_bins equal-width bins on [0,1] into bins[n_bins]; sum (NULL allowed).
 * ORDO_EINVAL on n == 0, n_bins < 1, or a p outside [0,1] (naming it).
 * n_bins above ORDO_CALIB_MAX_BINS are ORDO_EINVAL too. */
int ordo_calibration(const double *p, const double *y, size_t n, int n_bins,
                     ordo_calib_bin_t *bins, ordo_calib_summary_t *sum, ordo_error_t *err);

/* The same table kept as predictions arrive (ordo_calibration adds its
 * arrays into one; the ETA model's on-time scores and drift stream into
 * one, model.h ordo_eta_reliability_t). Zeroed, it has ten bins. A p
 * outside [0,1] goes to the nearest bin. */
#define ORDO_CALIB_MAX_BINS 64
typedef struct ordo_calib_acc {
    int n_bins; /* 0: 10 */
    uint64_t n[ORDO_CALIB_MAX_BINS];
    double sum_p[ORDO_CALIB_MAX_BINS], sum_y[ORDO_CALIB_MAX_BINS];
    double brier_sum, log_loss_sum, y_sum;
    uint64_t total;
} ordo_calib_acc_t;

void ordo_calib_acc_add(ordo_calib_acc_t *a, double p, double y);
/* Takes back a (p, y) added before (a label that changed). */
void ordo_calib_acc_remove(ordo_calib_acc_t *a, double p, double y);
/* Adds src's predictions into dst (the same number of bins). */
void ordo_calib_acc_merge(ordo_calib_acc_t *dst, const ordo_calib_acc_t *src);
/* The bins (a->n_bins of them, 10 when 0) and the summary (NULL allowed)
 * of what was added; the summary's fields are NaN before anything was. */
void ordo_calib_acc_result(const ordo_calib_acc_t *a, ordo_calib_bin_t *bins,
                           ordo_calib_summary_t *sum);
/* max over bins with >= min_n predictions of |mean p - observed rate| (0
 * when none has) */
double ordo_calib_acc_max_gap(const ordo_calib_acc_t *a, uint64_t min_n);

/* ------------------------------------------------------------------ */
/* Holt–Winters exponential smoothing with a seasonal period m (7 for a
 * weekly season in daily data): additive trend or none, additive or
 * multiplicative seasonality. The recursions (statsmodels' form):
 *     fitted_t = (l + b) + s_{t-m}            (add)   (l + b) * s_{t-m} (mul)
 *     l_t = a (y_t - s_{t-m}) + (1-a)(l + b)   (add)   a y_t / s_{t-m} + ...
 *     b_t = beta (l_t - l_{t-1}) + (1-beta) b_{t-1}
 *     s_t = g (y_t - (l + b)) + (1-g) s_{t-m}  (add)   g y_t / (l + b) + ...
 * with l, b at t-1. The initial state is given (level, trend, m seasonal
 * terms: season[k] is the one used at t = k). */
typedef enum ordo_hw_season {
    ORDO_HW_ADDITIVE = 0,
    ORDO_HW_MULTIPLICATIVE = 1
} ordo_hw_season_t;

typedef struct ordo_hw_model {
    int period;              /* m, 2 .. ORDO_HW_MAX_PERIOD */
    int trend;               /* 1: additive trend; 0: none (beta unused) */
    ordo_hw_season_t season;
    double alpha, beta, gamma; /* smoothing, each in [0, 1] */
    double level0, trend0;
    double season0[32];      /* m initial seasonal terms */
} ordo_hw_model_t;

#define ORDO_HW_MAX_PERIOD 32

/* Runs the recursions over y[n]: fitted[n] (NULL allowed) receives the
 * one-step-ahead fits, *sse (NULL allowed) their sum of squared errors, and
 * forecast[h] (NULL allowed when h == 0) the forecasts for n+1 .. n+h.
 * ORDO_EINVAL on a bad model field (named); a multiplicative model needs
 * y > 0 and positive seasonal terms. */
int ordo_hw_run(const ordo_hw_model_t *model, const double *y, size_t n, double *fitted,
                double *sse, double *forecast, size_t h, ordo_error_t *err);

/* The default initial state from the first two seasons (n >= 2m):
 * level0 = mean of season 1, trend0 = (mean of season 2 - mean of season
 * 1) / m (0 without trend), season0[k] = y_k - level0 (add) or y_k / level0
 * (mul). Sets model->level0, trend0, season0; reads period, trend, season. */
int ordo_hw_init_state(ordo_hw_model_t *model, const double *y, size_t n, ordo_error_t *err);

typedef struct ordo_hw_fit_report {
    double sse;          /* at the fitted parameters */
    int evaluations;     /* recursion runs made by the optimisers */
    int starts;          /* Nelder–Mead starts */
    int lm_iterations;   /* Levenberg–Marquardt iterations (state fit) */
} ordo_hw_fit_report_t;

/* ordo_hw_fit flags. */
#define ORDO_HW_GIVEN_STATE 1 /* start from the caller's initial state, not
                               * ordo_hw_init_state's */
#define ORDO_HW_HOLD_STATE 2  /* fit only alpha, beta, gamma; keep the state */

/* Fits the model to y[n] by least squares on the one-step fits:
 *  1. the initial state from ordo_hw_init_state (unless GIVEN_STATE);
 *  2. alpha, beta (with trend), gamma by Nelder–Mead on their logits from
 *     a grid of starts, the state held;
 *  3. unless HOLD_STATE, every parameter together (smoothing logits, level0,
 *     trend0, season0) by Levenberg–Marquardt with a central-difference
 *     Jacobian, from step 2's answer (as statsmodels' "estimated" initial
 *     state). Each step only ever lowers the SSE.
 * The model's period, trend and season select the form. Allocates scratch
 * (n x (m + 5) doubles) and frees it. */
int ordo_hw_fit(ordo_hw_model_t *model, const double *y, size_t n, int flags,
                ordo_hw_fit_report_t *rep, ordo_error_t *err);

/* Fits the four forms (no trend or additive trend x additive or
 * multiplicative season; multiplicative only when every y > 0) with
 * ordo_hw_fit (state fitted) and keeps the one with the least AICc,
 *     n log(SSE/n) + 2k + 2k(k+1)/(n-k-1),  k = smoothing + state terms.
 * *model gets the chosen, fitted model (period read from it), *aicc (NULL
 * allowed) its AICc. ORDO_EINVAL when no form can be fitted (n too short
 * for k: n > 2m and n - k - 1 > 0 are needed). */
int ordo_hw_fit_auto(ordo_hw_model_t *model, const double *y, size_t n, double *aicc,
                     ordo_error_t *err);

/* The seasonal-naive forecast: forecast[k] = y[n - m + (k mod m)]. */
int ordo_seasonal_naive(const double *y, size_t n, int period, double *forecast, size_t h,
                        ordo_error_t *err);

/* Mean absolute scaled error of forecast[h] against actual[h], scaled by
 * the in-sample mean absolute seasonal difference of train[n]
 * (mean |y_t - y_{t-m}|, t >= m). ORDO_EINVAL when that scale is 0. */
int ordo_mase(const double *train, size_t n, int period, const double *actual,
              const double *forecast, size_t h, double *mase, ordo_error_t *err);

/* ------------------------------------------------------------------ */
/* The transportation LP: ship expected demand of each region from the
 * stock of each node at least lane cost.
 *     min  sum_ij cost[i*n_regions+j] x_ij + unmet_cost sum_j u_j
 *     s.t. sum_j x_ij <= supply[i]             (node i)
 *          sum_i x_ij + u_j = demand[j]        (region j)
 *          x, u >= 0
 * A lane cost of INFINITY (or NaN) means no lane. unmet_cost <= 0 means
 * demand must be met in full (no u); otherwise u_j is unmet demand priced
 * at unmet_cost (a lost sale). Solved with COIN-OR CLP (dual simplex). */
typedef struct ordo_transport_problem {
    size_t n_nodes, n_regions;
    const double *supply;   /* n_nodes, >= 0 */
    const double *demand;   /* n_regions, >= 0 */
    const double *cost;     /* n_nodes * n_regions, row-major by node */
    double unmet_cost;
} ordo_transport_problem_t;

typedef struct ordo_transport_result {
    double objective;
    double *flow;          /* caller-sized n_nodes * n_regions, or NULL */
    double *unmet;         /* caller-sized n_regions, or NULL */
    double *node_value;    /* n_nodes: shadow price of one more unit of stock
                            * at the node (-dual of its row, >= 0), or NULL */
    double *region_price;  /* n_regions: dual of the region's row (the cost
                            * of one more unit of demand there), or NULL */
    int iterations;        /* simplex iterations (CLP's count) */
} ordo_transport_result_t;

/* ORDO_EINVAL naming the field (supply[3], cost[1][2], ...) on bad input;
 * ORDO_EINFEASIBLE when demand cannot be met (and unmet_cost <= 0), naming
 * the region that no lane reaches or the shortfall of supply. */
int ordo_transport_solve(const ordo_transport_problem_t *prob, ordo_transport_result_t *res,
                         ordo_error_t *err);

/* ------------------------------------------------------------------ */
/* The network value of stock (netval.h): demand forecasts and the tables.
 * Network value of stock: docs/internals/SOURCING.md. */

struct ordo_network;

/* ---- demand forecasts ---- */

typedef struct ordo_demand_fc_report {
    int method;  /* 0: Holt–Winters (AICc form), 1: seasonal mean (too short), 2: mean */
    double aicc; /* of the fitted Holt–Winters form, NaN otherwise */
} ordo_demand_fc_report_t;

/* forecast[h] for the days after y[0..n) (daily units, weekly season):
 * Holt–Winters with the least AICc (ordo_hw_fit_auto) when n >= 3 weeks,
 * else each weekday's mean (n >= 7), else the mean. Negative forecasts are
 * clipped to 0. ORDO_EINVAL when n == 0 or h == 0. Allocates scratch. */
int ordo_demand_forecast(const double *y, size_t n, size_t h, double *forecast,
                         ordo_demand_fc_report_t *rep, ordo_error_t *err);

/* Hold-out check of ordo_demand_forecast on y[0..n): fit on n - h days,
 * MASE of the next h against the actuals, beside seasonal naive's.
 * ORDO_EINVAL when n - h < 14 or the seasonal scale is 0. */
int ordo_demand_backtest(const double *y, size_t n, size_t h, double *mase_fc, double *mase_naive,
                         ordo_error_t *err);

/* ---- the two tables ---- */

/* margin x P(Poisson(mean) >= on_hand): the expected margin a unit taken
 * now loses to a stock-out before replenishment (0 when on_hand <= 0: the
 * unit is not there to take). */
double ordo_netval_stockout(double margin, double mean, double on_hand);

/* The inputs of the network table. Regions are the caller's (ZIP3
 * clusters); demand is per SKU x region, expected units until the next
 * replenishment; supply per cell (units on hand, the cell's node is the
 * network's); cost: n_costs matrices of node x region, USD a unit
 * (INFINITY: no lane), SKU k's the sku_cost[k]-th (NULL: the first), e.g.
 * one per billable weight. */
typedef struct ordo_netval_lp {
    const struct ordo_network *net;
    uint32_t n_regions;
    const double *demand;  /* n_skus x n_regions */
    const double *supply;  /* per inventory cell */
    const double *cost;    /* n_costs x n_nodes x n_regions */
    uint32_t n_costs;      /* 0 means 1 */
    const uint32_t *sku_cost; /* per SKU, < n_costs; NULL: all 0 */
    double unmet_cost;     /* a unit of demand no node serves (a lost sale), > 0 */
    uint32_t node_mask_skip_types; /* bit t: nodes of type t are left out */
} ordo_netval_lp_t;

typedef struct ordo_netval_lp_report {
    uint32_t lps;          /* SKUs solved */
    uint32_t priced_cells; /* cells with a value > 0 */
    double objective;      /* summed over the LPs */
    double max_value;
} ordo_netval_lp_report_t;

/* Fills t->value per cell with the dual of its node's supply row in its
 * SKU's LP (0 for SKUs without demand and for skipped node types).
 * t->n_cells must cover the inventory's cells. */
int ordo_netval_from_lp(const ordo_netval_lp_t *in, ordo_netval_t *t, ordo_netval_lp_report_t *rep,
                        ordo_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* ORDO_FIT_H */
