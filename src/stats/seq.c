/* SPDX-License-Identifier: Apache-2.0 */
/* ordo stats — sequential monitoring by the mixture SPRT (Johari, Koomen,
 * Pekelis & Walsh 2017) with a normal mixing distribution, and its
 * confidence sequence. See docs/internals/STATS.md. */
#include <math.h>
#include <string.h>

#include "ordo/stats.h"

int ordo_msprt_init(ordo_msprt_t *s, double tau2, double alpha, ordo_error_t *err)
{
    if (!(tau2 > 0.0) || !isfinite(tau2))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "tau2",
                              "mixing variance must be > 0, got %g", tau2);
    if (!(alpha > 0.0 && alpha < 1.0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "alpha",
                              "alpha must be in (0, 1), got %g", alpha);
    memset(s, 0, sizeof *s);
    s->tau2 = tau2;
    s->alpha = alpha;
    s->p_value = 1.0;
    s->cs_low = -INFINITY;
    s->cs_high = INFINITY;
    return ORDO_OK;
}

int ordo_msprt_update(ordo_msprt_t *s, double estimate, double var_estimate, ordo_error_t *err)
{
    if (!isfinite(estimate))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "estimate", "estimate is not finite");
    if (!(var_estimate > 0.0) || !isfinite(var_estimate))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "variance",
                              "variance of the estimate must be > 0, got %g (an arm with "
                              "fewer than 2 units or no variation?)",
                              var_estimate);
    double v = var_estimate, t2 = s->tau2;
    /* log Lambda = 1/2 log(V / (V + tau2)) + tau2 est^2 / (2 V (V + tau2)) */
    double llr = -0.5 * log1p(t2 / v) + t2 * estimate * estimate / (2.0 * v * (v + t2));
    s->log_lr = llr;
    double p = llr > 0.0 ? exp(-llr) : 1.0;
    if (p < s->p_value)
        s->p_value = p;
    /* Lambda >= 1/alpha  <=>  |est| >= half-width */
    double hw = sqrt(v * (v + t2) / t2 * (-2.0 * log(s->alpha) + log1p(t2 / v)));
    double lo = estimate - hw, hi = estimate + hw;
    if (lo > s->cs_low)
        s->cs_low = lo;
    if (hi < s->cs_high)
        s->cs_high = hi;
    s->looks++;
    return ORDO_OK;
}

double ordo_msprt_tau2_for(double v_planned, double alpha)
{
    if (!(v_planned > 0.0) || !(alpha > 0.0 && alpha < 1.0))
        return NAN;
    double l = -2.0 * log(alpha);
    return v_planned * (l + log(l + 1.0));
}
