/* SPDX-License-Identifier: Apache-2.0 */
/* Dense Cholesky factorisation and solve (src/model/fit_internal.h). */
#include "fit_internal.h"

#include <math.h>

int ordo_fit_cholesky(double *a, size_t n, double mu)
{
    for (size_t j = 0; j < n; j++) {
        double s = a[j * n + j] + mu;
        for (size_t k = 0; k < j; k++)
            s -= a[j * n + k] * a[j * n + k];
        if (!(s > 0))
            return -1;
        double l = sqrt(s);
        a[j * n + j] = l;
        for (size_t i = j + 1; i < n; i++) {
            double t = a[i * n + j];
            for (size_t k = 0; k < j; k++)
                t -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = t / l;
        }
    }
    return 0;
}

void ordo_fit_cholesky_solve(const double *l, size_t n, double *x)
{
    for (size_t i = 0; i < n; i++) {
        double s = x[i];
        for (size_t k = 0; k < i; k++)
            s -= l[i * n + k] * x[k];
        x[i] = s / l[i * n + i];
    }
    for (size_t i = n; i-- > 0;) {
        double s = x[i];
        for (size_t k = i + 1; k < n; k++)
            s -= l[k * n + i] * x[k];
        x[i] = s / l[i * n + i];
    }
}
