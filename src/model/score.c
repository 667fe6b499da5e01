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

static void summarise(const double *p, const double *y, size_t n, int n_bins,
                      ordo_calib_bin_t *bins, ordo_calib_summary_t *sum)
{
    double brier = 0, ll = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        double q = p[i] < 1e-15 ? 1e-15 : p[i] > 1 - 1e-15 ? 1 - 1e-15 : p[i];
        brier += (p[i] - y[i]) * (p[i] - y[i]);
        ll -= y[i] * log(q) + (1 - y[i]) * log1p(-q);
        sy += y[i];
    }
    double ece = 0, gap = 0;
    for (int b = 0; b < n_bins; b++) {
        if (!bins[b].count)
            continue;
        double d = fabs(bins[b].mean_pred - bins[b].obs_rate);
        ece += (double)bins[b].count * d;
        gap = d > gap ? d : gap;
    }
    sum->brier = brier / (double)n;
    sum->log_loss = ll / (double)n;
    sum->ece = ece / (double)n;
    sum->max_gap = gap;
    sum->base_rate = sy / (double)n;
}

int ordo_calibration(const double *p, const double *y, size_t n, int n_bins,
                     ordo_calib_bin_t *bins, ordo_calib_summary_t *sum, ordo_error_t *err)
{
    if (!p || !y || !bins)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "p", "missing array");
    if (n == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n", "no predictions");
    if (n_bins < 1)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n_bins", "must be >= 1");
    for (int b = 0; b < n_bins; b++) {
        bins[b].lo = (double)b / n_bins;
        bins[b].hi = (double)(b + 1) / n_bins;
        bins[b].count = 0;
        bins[b].mean_pred = bins[b].obs_rate = 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] >= 0 && p[i] <= 1))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "p", "p[%zu] = %g not in [0,1]", i,
                                  p[i]);
        if (!(y[i] >= 0 && y[i] <= 1))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "y", "y[%zu] = %g not in [0,1]", i,
                                  y[i]);
        int b = (int)(p[i] * n_bins);
        b = b >= n_bins ? n_bins - 1 : b;
        bins[b].count++;
        bins[b].mean_pred += p[i];
        bins[b].obs_rate += y[i];
    }
    for (int b = 0; b < n_bins; b++) {
        if (bins[b].count) {
            bins[b].mean_pred /= (double)bins[b].count;
            bins[b].obs_rate /= (double)bins[b].count;
        }
    }
    if (sum)
        summarise(p, y, n, n_bins, bins, sum);
    return ORDO_OK;
}
