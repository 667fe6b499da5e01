/* SPDX-License-Identifier: Apache-2.0 */
/* Small dense linear algebra shared by the fits in src/model. */
#ifndef ORDO_MODEL_FIT_INTERNAL_H
#define ORDO_MODEL_FIT_INTERNAL_H

#include <stddef.h>

/* In-place Cholesky of the n x n row-major matrix a (its lower triangle is
 * read and overwritten by the factor) with mu added to the diagonal;
 * 0 when positive definite, -1 otherwise. */
int ordo_fit_cholesky(double *a, size_t n, double mu);

/* Solves L L^T x = b in place (x holds b on entry), L from
 * ordo_fit_cholesky. */
void ordo_fit_cholesky_solve(const double *l, size_t n, double *x);

#endif
