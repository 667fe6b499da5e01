/* SPDX-License-Identifier: Apache-2.0 */
/* ordo stats — multiple-testing corrections (Holm step-down,
 * Benjamini–Hochberg step-up), as adjusted p-values. */
#include <stdlib.h>

#include "ordo/stats.h"

typedef struct {
    double p;
    size_t i;
} pidx_t;

static int cmp_pidx(const void *a, const void *b)
{
    const pidx_t *x = a, *y = b;
    if (x->p < y->p)
        return -1;
    if (x->p > y->p)
        return 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int sorted(const double *p, size_t k, pidx_t **out, ordo_error_t *err)
{
    if (k == 0 || !p)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "p", "no p-values");
    for (size_t i = 0; i < k; i++)
        if (!(p[i] >= 0.0 && p[i] <= 1.0))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "p",
                                  "p-value %zu is %g, outside [0, 1]", i, p[i]);
    pidx_t *s = malloc(k * sizeof *s);
    if (!s)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    for (size_t i = 0; i < k; i++) {
        s[i].p = p[i];
        s[i].i = i;
    }
    qsort(s, k, sizeof *s, cmp_pidx);
    *out = s;
    return ORDO_OK;
}

int ordo_stats_holm(const double *p, size_t k, double *adj, ordo_error_t *err)
{
    pidx_t *s;
    int rc = sorted(p, k, &s, err);
    if (rc)
        return rc;
    double run = 0.0;
    for (size_t j = 0; j < k; j++) {
        double v = s[j].p * (double)(k - j);
        if (v > run)
            run = v;
        adj[s[j].i] = run < 1.0 ? run : 1.0;
    }
    free(s);
    return ORDO_OK;
}

int ordo_stats_bh(const double *p, size_t k, double *adj, ordo_error_t *err)
{
    pidx_t *s;
    int rc = sorted(p, k, &s, err);
    if (rc)
        return rc;
    double run = 1.0;
    for (size_t j = k; j-- > 0;) {
        double v = s[j].p * (double)k / (double)(j + 1);
        if (v < run)
            run = v;
        adj[s[j].i] = run;
    }
    free(s);
    return ORDO_OK;
}
