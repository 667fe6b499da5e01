/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — a risk model as the engine reads it (ordo_risk_model_table,
 * include/ordo/model.h; the table: source.h ordo_risk_table_t). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/order.h"

/* The logit's part from features j0 .. j1 - 1 at their training means. */
static double at_means(const ordo_risk_coef_t *c, uint32_t j0, uint32_t j1)
{
    double z = 0;
    for (uint32_t j = j0; j < j1 && j < c->n_coef; j++)
        z += c->coef[j] * c->mean[j];
    return z;
}

/* Service-level coefficients by the level's name; a level the model did
 * not see gets the training mix (the one-hot block at its means). */
static void levels(const ordo_risk_model_t *m, const ordo_risk_coef_t *c, uint32_t first,
                   double *out)
{
    double mix = at_means(c, first, first + (uint32_t)m->services.n);
    for (int l = 0; l < 8; l++)
        out[l] = c->intercept + mix;
    for (int s = 0; s < m->services.n; s++) {
        ordo_service_level_t lvl;
        if (ordo_service_level_parse(m->services.name[s], &lvl) == ORDO_OK && (unsigned)lvl < 8)
            out[lvl] = c->intercept + c->coef[first + (uint32_t)s];
    }
}

int ordo_risk_model_table(const ordo_risk_model_t *m, const ordo_network_t *net,
                          ordo_risk_table_t **out, ordo_error_t *err)
{
    ordo_risk_table_t *t = calloc(1, sizeof *t);
    if (!t)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    snprintf(t->version, sizeof t->version, "%s:%.8s", m->info.version[0] ? m->info.version : "risk",
             m->info.hash);
    const ordo_risk_coef_t *r = &m->ret, *c = &m->cancel;
    uint32_t nf = (uint32_t)m->families.n;
    levels(m, r, nf + ORDO_RISK_RETURN_NUM, t->ret_level);
    double fam_mix = at_means(r, 0, nf);
    for (uint32_t f = 0; f < ORDO_RISK_TABLE_FAMILIES; f++)
        t->ret_family[f] = fam_mix;
    for (uint32_t f = 0; f < nf; f++) {
        int32_t k = ordo_network_family(net, m->families.name[f]);
        if (k >= 0 && k < ORDO_RISK_TABLE_FAMILIES)
            t->ret_family[k] = r->coef[f];
    }
    t->r_value = r->coef[nf + 0];
    t->r_late = r->coef[nf + 1];
    t->r_split = r->coef[nf + 2];
    t->r_miles = r->coef[nf + 3];
    t->r_history = at_means(r, nf + 4, nf + 6);
    t->r_rate = r->coef[nf + 4];
    t->r_known = r->coef[nf + 5];
    levels(m, c, ORDO_RISK_CANCEL_NUM, t->can_level);
    t->c_late = c->coef[0];
    t->c_promise = c->coef[1];
    t->c_rest = at_means(c, 2, ORDO_RISK_CANCEL_NUM);
    *out = t;
    return ORDO_OK;
}
