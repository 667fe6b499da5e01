/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — parcel rating from a carrier service's rate card. */
#include <math.h>

#include "ordo/network.h"

int ordo_rate_parcel(const ordo_carrier_service_t *svc, int zone, double weight_lb,
                     double cubic_in, bool residential, bool peak, ordo_rate_t *out)
{
    if (zone < ORDO_ZONE_MIN || zone > ORDO_ZONE_MAX || !(weight_lb > 0) || !isfinite(weight_lb) ||
        !(cubic_in >= 0) || !isfinite(cubic_in) || svc->n_brackets == 0)
        return ORDO_EINVAL;
    out->zone = zone;
    out->actual_lb = weight_lb;
    out->dim_lb = svc->dim_divisor > 0 ? cubic_in / svc->dim_divisor : 0;
    double w = weight_lb > out->dim_lb ? weight_lb : out->dim_lb;
    out->billable_lb = ceil(w - 1e-9); /* carriers bill whole pounds, rounding up */
    if (out->billable_lb < 1)
        out->billable_lb = 1;
    uint32_t last = svc->n_brackets - 1;
    double base;
    if (out->billable_lb <= svc->bracket_max_lb[last]) {
        uint32_t b = 0;
        while (svc->bracket_max_lb[b] < out->billable_lb)
            b++;
        base = svc->rates[b][zone - 1];
    } else {
        base = svc->rates[last][zone - 1] +
               svc->per_lb_over[zone - 1] * (out->billable_lb - svc->bracket_max_lb[last]);
    }
    out->base = base;
    out->fuel = base * svc->fuel_surcharge_pct / 100.0;
    out->residential = residential ? svc->residential_surcharge : 0;
    out->peak = peak ? svc->peak_surcharge : 0;
    out->total = out->base + out->fuel + out->residential + out->peak;
    return ORDO_OK;
}

double ordo_transit_cdf(const ordo_carrier_service_t *svc, int zone, int days)
{
    if (zone < ORDO_ZONE_MIN || zone > ORDO_ZONE_MAX || days < 0)
        return 0;
    if (days >= ORDO_TRANSIT_DAYS)
        days = ORDO_TRANSIT_DAYS - 1;
    double p = 0;
    for (int d = 0; d <= days; d++)
        p += svc->transit[zone - 1][d];
    return p > 1 ? 1 : p;
}
