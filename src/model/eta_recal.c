/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — recalibration of the ETA model's on-time probability
 * (include/ordo/model.h, docs/internals/MODEL.md "Recalibration"): an
 * isotonic map from the model's P(on time) to the observed on-time rate,
 * fitted by pooling adjacent violators (PAV) on outcomes the model was not
 * trained on, and its effect on held-out outcomes. Checked against the
 * max-min formula of isotonic regression
 * (tools/fixtures/make_recal_fixtures.py, tests/fixtures/model/recal.txt). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/model.h"

typedef struct pav_block {
    double p_hi; /* the largest input in the block */
    double sum_y, w;
} pav_block_t;

int ordo_eta_isotonic(const double *p, const double *y, size_t n, ordo_eta_recal_t *out)
{
    memset(out, 0, sizeof *out);
    pav_block_t *b = malloc(sizeof *b * (n ? n : 1));
    if (!b)
        return ORDO_ENOMEM;
    size_t nb = 0;
    for (size_t i = 0; i < n;) { /* p sorted ascending; equal inputs are one point */
        pav_block_t pt = {p[i], 0, 0};
        for (; i < n && p[i] == pt.p_hi; i++) {
            pt.sum_y += y[i];
            pt.w += 1;
        }
        b[nb++] = pt;
        while (nb > 1 && b[nb - 2].sum_y * b[nb - 1].w >= b[nb - 1].sum_y * b[nb - 2].w) {
            b[nb - 2].sum_y += b[nb - 1].sum_y; /* merge the violator (ties pooled too) */
            b[nb - 2].w += b[nb - 1].w;
            b[nb - 2].p_hi = b[nb - 1].p_hi;
            nb--;
        }
    }
    /* more blocks than room: merge the lightest neighbours (keeps monotone) */
    while (nb > ORDO_ETA_RECAL_MAX) {
        size_t k = 0;
        for (size_t i = 1; i + 1 < nb; i++)
            if (b[i].w + b[i + 1].w < b[k].w + b[k + 1].w)
                k = i;
        b[k].sum_y += b[k + 1].sum_y;
        b[k].w += b[k + 1].w;
        b[k].p_hi = b[k + 1].p_hi;
        memmove(&b[k + 1], &b[k + 2], sizeof *b * (nb - k - 2));
        nb--;
    }
    for (size_t i = 0; i < nb; i++) {
        out->p_hi[i] = b[i].p_hi;
        out->q[i] = b[i].sum_y / b[i].w;
    }
    out->n = (uint32_t)nb;
    free(b);
    return ORDO_OK;
}

double ordo_eta_recal_apply(const ordo_eta_recal_t *r, double p)
{
    if (!r || !r->n)
        return p;
    uint32_t lo = 0, hi = r->n - 1; /* the first block whose largest input is >= p */
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (r->p_hi[mid] >= p)
            hi = mid;
        else
            lo = mid + 1;
    }
    return r->q[lo];
}

typedef struct py {
    double p, y;
} py_t;

static int cmp_py(const void *a, const void *b)
{
    double x = ((const py_t *)a)->p, z = ((const py_t *)b)->p;
    return (x > z) - (x < z);
}

/* Scored observations: delivered, with a promise, decided in [from, until). */
static bool scored(const ordo_network_t *net, const ordo_eta_obs_t *o, int64_t from,
                   int64_t until)
{
    return o->time >= from && (!until || o->time < until) && o->promise_day &&
           ordo_eta_obs_transit(net, o) >= 0;
}

int ordo_eta_recal_fit(const ordo_eta_model_t *m, const ordo_network_t *net,
                       const ordo_eta_obs_t *obs, size_t n, int64_t from, int64_t until,
                       ordo_eta_recal_t *out, ordo_error_t *err)
{
    py_t *v = malloc(sizeof *v * (n ? n : 1));
    double *p = malloc(sizeof *p * (n ? n : 1)), *y = malloc(sizeof *y * (n ? n : 1));
    int rc = v && p && y ? ORDO_OK : ORDO_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (scored(net, &obs[i], from, until))
            v[k++] = (py_t){ordo_eta_prob_by(m, net, &obs[i], obs[i].promise_day),
                            obs[i].deliver_day <= obs[i].promise_day};
    if (!rc) {
        qsort(v, k, sizeof *v, cmp_py);
        for (size_t i = 0; i < k; i++) {
            p[i] = v[i].p;
            y[i] = v[i].y;
        }
        rc = ordo_eta_isotonic(p, y, k, out);
    }
    if (!rc)
        out->fitted_on = k;
    free(v);
    free(p);
    free(y);
    if (rc)
        return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
    if (!k)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, NULL,
                              "no delivered shipment with a promise to fit the map on");
    return ORDO_OK;
}

void ordo_eta_recal_score(const ordo_eta_model_t *m, const ordo_network_t *net,
                          const ordo_eta_obs_t *obs, size_t n, const ordo_eta_recal_t *r,
                          int64_t from, ordo_eta_reliability_t *raw, ordo_eta_reliability_t *cal)
{
    memset(raw, 0, sizeof *raw);
    memset(cal, 0, sizeof *cal);
    for (size_t i = 0; i < n; i++) {
        const ordo_eta_obs_t *o = &obs[i];
        if (!scored(net, o, from, 0))
            continue;
        double p = ordo_eta_prob_by(m, net, o, o->promise_day);
        bool y = o->deliver_day <= o->promise_day;
        ordo_eta_reliability_add(raw, p, y);
        ordo_eta_reliability_add(cal, ordo_eta_recal_apply(r, p), y);
    }
}
