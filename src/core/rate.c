/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — parcel rating from a carrier service's rate card and its rules:
 * limits, dimensional weight, additional handling, large package, peak. */
#include <math.h>

#include "ordo/network.h"

double ordo_service_dim_lb(const ordo_carrier_service_t *svc, double cubic_in)
{
    if (!(svc->dim_divisor > 0) || !(cubic_in > svc->dim_min_cubic_in))
        return 0;
    return cubic_in / svc->dim_divisor;
}

/* The base of a billable weight by the rate card (whole pounds). */
static double card_base(const ordo_carrier_service_t *svc, int zone, double billable)
{
    uint32_t last = svc->n_brackets - 1;
    double rate;
    if (billable <= svc->bracket_max_lb[last]) {
        uint32_t b = 0;
        while (svc->bracket_max_lb[b] < billable)
            b++;
        rate = svc->rates[b][zone - 1];
    } else {
        rate = svc->rates[last][zone - 1] +
               svc->per_lb_over[zone - 1] * (billable - svc->bracket_max_lb[last]);
    }
    double base = svc->basis == ORDO_RATE_PER_CWT ? rate * billable / 100.0 : rate;
    return base < svc->min_charge ? svc->min_charge : base;
}

static int rate_begin(const ordo_carrier_service_t *svc, int zone, double weight_lb,
                      double cubic_in, ordo_rate_t *out)
{
    if (zone < ORDO_ZONE_MIN || zone > ORDO_ZONE_MAX || !(weight_lb > 0) || !isfinite(weight_lb) ||
        !(cubic_in >= 0) || !isfinite(cubic_in) || svc->n_brackets == 0)
        return ORDO_EINVAL;
    out->zone = zone;
    out->actual_lb = weight_lb;
    out->dim_lb = ordo_service_dim_lb(svc, cubic_in);
    double w = weight_lb > out->dim_lb ? weight_lb : out->dim_lb;
    out->billable_lb = ceil(w - 1e-9); /* carriers bill whole pounds, rounding up */
    if (out->billable_lb < 1)
        out->billable_lb = 1;
    out->handling = 0;
    out->over = NULL;
    return ORDO_OK;
}

int ordo_rate_parcel(const ordo_carrier_service_t *svc, int zone, double weight_lb,
                     double cubic_in, bool residential, bool peak, ordo_rate_t *out)
{
    int rc = rate_begin(svc, zone, weight_lb, cubic_in, out);
    if (rc)
        return rc;
    out->base = card_base(svc, zone, out->billable_lb);
    out->fuel = out->base * svc->fuel_surcharge_pct / 100.0;
    out->residential = residential ? svc->residential_surcharge + svc->liftgate_surcharge : 0;
    out->peak = peak ? ordo_service_peak(svc, ORDO_PEAK_FIRST, 0) : 0;
    out->total = out->base + out->fuel + out->residential + out->peak;
    return ORDO_OK;
}

static void sort3(const double *in, double *s)
{
    s[0] = in[0], s[1] = in[1], s[2] = in[2];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2 - i; j++)
            if (s[j] < s[j + 1]) {
                double t = s[j];
                s[j] = s[j + 1];
                s[j + 1] = t;
            }
}

const char *ordo_service_size_rules(const ordo_carrier_service_t *svc, const ordo_parcel_t *p,
                                    double billable_lb, double *handling, double *min_billable,
                                    int *kind)
{
    double s[3];
    sort3(p->side_in, s);
    double lg = s[0] + 2 * (s[1] + s[2]);
    *handling = 0;
    *min_billable = 0;
    *kind = 0;
    if (svc->max_weight_lb > 0 && p->weight_lb > svc->max_weight_lb)
        return "weight";
    if (svc->max_billable_lb > 0 && billable_lb > svc->max_billable_lb)
        return "billable weight";
    if (svc->max_length_in > 0 && s[0] > svc->max_length_in)
        return "length";
    if (svc->max_length_girth_in > 0 && lg > svc->max_length_girth_in)
        return "length + girth";
    if ((svc->large_length_girth_in > 0 && lg > svc->large_length_girth_in) ||
        (svc->large_longest_in > 0 && s[0] > svc->large_longest_in)) {
        *kind = 2;
        *handling = svc->large_amount;
        *min_billable = svc->large_min_billable_lb;
        return NULL;
    }
    if (svc->ahs_weight_lb > 0 && p->weight_lb > svc->ahs_weight_lb) {
        *kind = 1;
        *handling = svc->ahs_weight_amount;
    }
    if ((svc->ahs_longest_in > 0 && s[0] > svc->ahs_longest_in) ||
        (svc->ahs_second_in > 0 && s[1] > svc->ahs_second_in) ||
        (svc->ahs_length_girth_in > 0 && lg > svc->ahs_length_girth_in)) {
        *kind = 1;
        if (svc->ahs_amount > *handling)
            *handling = svc->ahs_amount;
    }
    return NULL;
}

static bool md_in(int md, int from, int to)
{
    return from <= to ? md >= from && md <= to : md >= from || md <= to;
}

double ordo_service_peak(const ordo_carrier_service_t *svc, int peak_md, int kind)
{
    for (uint32_t i = 0; i < svc->n_peak; i++) {
        const ordo_peak_window_t *w = &svc->peak[i];
        if (peak_md == ORDO_PEAK_FIRST || (peak_md > 0 && md_in(peak_md, w->from_md, w->to_md)))
            return w->amount +
                   (kind == 1 ? w->additional_handling : kind == 2 ? w->large_package : 0);
    }
    return 0;
}

int ordo_rate_package(const ordo_carrier_service_t *svc, int zone, const ordo_parcel_t *p,
                      bool residential, int peak_md, ordo_rate_t *out)
{
    int rc = rate_begin(svc, zone, p->weight_lb, p->cubic_in, out);
    if (rc)
        return rc;
    double min_billable;
    int kind;
    out->over = ordo_service_size_rules(svc, p, out->billable_lb, &out->handling, &min_billable,
                                        &kind);
    if (out->over)
        return ORDO_ERANGE;
    if (out->billable_lb < min_billable)
        out->billable_lb = ceil(min_billable - 1e-9);
    out->base = card_base(svc, zone, out->billable_lb);
    out->fuel = (out->base + out->handling) * svc->fuel_surcharge_pct / 100.0;
    out->residential = residential ? svc->residential_surcharge + svc->liftgate_surcharge : 0;
    out->peak = ordo_service_peak(svc, peak_md, kind);
    out->total = out->base + out->fuel + out->residential + out->peak + out->handling;
    return ORDO_OK;
}

double ordo_transit_cdf(const ordo_carrier_service_t *svc, int zone, int days)
{
    if (zone < ORDO_ZONE_MIN || zone > ORDO_ZONE_MAX || days < 0)
        return 0;
    if (days >= ORDO_TRANSIT_DAYS)
        days = ORDO_TRANSIT_DAYS - 1;
    double p = 0;
    for (int d = 0; d < ORDO_TRANSIT_DAYS; d++) {
        if (d > days)
            break;
        p += svc->transit[zone - 1][d];
    }
    return p > 1 ? 1 : p;
}
