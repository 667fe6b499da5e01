/* SPDX-License-Identifier: Apache-2.0 */
/* Scores of probabilistic predictions: AUC (Mann–Whitney with mid-ranks)
 * and a reliability table with Brier score, log loss and calibration error. */
#include "ordo/fit.h"

#include <math.h>
#include <stdlib.h>

static int by_score(const void *a, const void *b, void *keys)
{
    const double *k = keys;
    double x = k[*(const size_t *)a], y = k[*(const size_t *)b];
    return (x > y) - (x < y);
}

/* Sum of the mid-ranks (1-based) of the positives. */
static double positive_rank_sum(const double *score, const double *y, const size_t *idx, size_t n)
{
    double sum = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        double pos = 0;
        while (j < n && score[idx[j]] == score[idx[i]]) {
            pos += y[idx[j]];
            j++;
        }
        double mid = 0.5 * ((double)(i + 1) + (double)j);
        sum += pos * mid;
        i = j;
    }
    return sum;
}

int ordo_auc(const double *score, const double *y, size_t n, double *auc, ordo_error_t *err)
{
    if (!score || !y || !auc)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "score", "missing array");
    double n_pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] != 0 && y[i] != 1)
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "y", "y[%zu] = %g is not 0 or 1",
                                  i, y[i]);
        if (isnan(score[i]))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "score", "score[%zu] is NaN", i);
        n_pos += y[i];
    }
    double n_neg = (double)n - n_pos;
    if (n_pos == 0 || n_neg == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "y",
                              "AUC needs both classes (%.0f positive, %.0f negative)", n_pos,
                              n_neg);
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    qsort_r(idx, n, sizeof *idx, by_score, (void *)score);
    double r = positive_rank_sum(score, y, idx, n);
    free(idx);
    *auc = (r - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg);
    return ORDO_OK;
}

static inline int acc_bins(const ordo_calib_acc_t *a)
{
    return a->n_bins > 0 ? a->n_bins : 10;
}

/* Adds (sign 1) or takes back (sign -1) one prediction. */
static void acc_put(ordo_calib_acc_t *a, double p, double y, int sign)
{
    int nb = acc_bins(a);
    int b = (int)(p * nb);
    b = b < 0 ? 0 : b >= nb ? nb - 1 : b;
    double q = p < 1e-15 ? 1e-15 : p > 1 - 1e-15 ? 1 - 1e-15 : p;
    a->n[b] += (uint64_t)(int64_t)sign;
    a->sum_p[b] += sign * p;
    a->sum_y[b] += sign * y;
    a->brier_sum += sign * (p - y) * (p - y);
    a->log_loss_sum -= sign * (y * log(q) + (1 - y) * log1p(-q));
    a->y_sum += sign * y;
    a->total += (uint64_t)(int64_t)sign;
}

void ordo_calib_acc_add(ordo_calib_acc_t *a, double p, double y)
{
    acc_put(a, p, y, 1);
}

void ordo_calib_acc_remove(ordo_calib_acc_t *a, double p, double y)
{
    acc_put(a, p, y, -1);
}

void ordo_calib_acc_merge(ordo_calib_acc_t *dst, const ordo_calib_acc_t *src)
{
    for (int b = 0; b < acc_bins(dst); b++) {
        dst->n[b] += src->n[b];
        dst->sum_p[b] += src->sum_p[b];
        dst->sum_y[b] += src->sum_y[b];
    }
    dst->brier_sum += src->brier_sum;
    dst->log_loss_sum += src->log_loss_sum;
    dst->y_sum += src->y_sum;
    dst->total += src->total;
}

void ordo_calib_acc_result(const ordo_calib_acc_t *a, ordo_calib_bin_t *bins,
                           ordo_calib_summary_t *sum)
{
    int nb = acc_bins(a);
    double ece = 0, gap = 0, n = (double)a->total;
    for (int b = 0; b < nb; b++) {
        bins[b].lo = (double)b / nb;
        bins[b].hi = (double)(b + 1) / nb;
        bins[b].count = (size_t)a->n[b];
        bins[b].mean_pred = a->n[b] ? a->sum_p[b] / (double)a->n[b] : 0;
        bins[b].obs_rate = a->n[b] ? a->sum_y[b] / (double)a->n[b] : 0;
        if (!a->n[b])
            continue;
        double d = fabs(bins[b].mean_pred - bins[b].obs_rate);
        ece += (double)bins[b].count * d;
        gap = d > gap ? d : gap;
    }
    if (!sum)
        return;
    sum->brier = a->brier_sum / n;
    sum->log_loss = a->log_loss_sum / n;
    sum->ece = ece / n;
    sum->max_gap = gap;
    sum->base_rate = a->y_sum / n;
}

double ordo_calib_acc_max_gap(const ordo_calib_acc_t *a, uint64_t min_n)
{
    double worst = 0;
    for (int b = 0; b < acc_bins(a); b++) {
        if (a->n[b] < min_n || !a->n[b])
            continue;
        double e = fabs(a->sum_p[b] - a->sum_y[b]) / (double)a->n[b];
        worst = e > worst ? e : worst;
    }
    return worst;
}

int ordo_calibration(const double *p, const double *y, size_t n, int n_bins,
                     ordo_calib_bin_t *bins, ordo_calib_summary_t *sum, ordo_error_t *err)
{
    if (!p || !y || !bins)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "p", "missing array");
    if (n == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n", "no predictions");
    if (n_bins < 1 || n_bins > ORDO_CALIB_MAX_BINS)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n_bins", "must be 1 .. %d",
                              ORDO_CALIB_MAX_BINS);
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] >= 0 && p[i] <= 1))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "p", "p[%zu] = %g not in [0,1]", i,
                                  p[i]);
        if (!(y[i] >= 0 && y[i] <= 1))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "y", "y[%zu] = %g not in [0,1]", i,
                                  y[i]);
    }
    ordo_calib_acc_t a = {.n_bins = n_bins};
    for (size_t i = 0; i < n; i++)
        ordo_calib_acc_add(&a, p[i], y[i]);
    ordo_calib_acc_result(&a, bins, sum);
    return ORDO_OK;
}
