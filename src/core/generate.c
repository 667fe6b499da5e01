/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — network generation on real US geography.
 *
 * DCs go to large metros, spread apart; stores to ZIPs drawn by population;
 * drop-ship suppliers anywhere people live. The catalog has product families
 * with realistic weights, sizes, prices, unit costs and return rates, and a
 * Zipf popularity. Inventory is deep at DCs, shallow at stores (popular SKUs
 * only) and sparse in the long tail, which drop-shippers carry; each cell
 * has a daily demand from that popularity (cell_demand). Everything is
 * drawn from one seeded generator, so a seed always gives the same files. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/buf.h"
#include "ordo/json.h"
#include "ordo/network.h"
#include "ordo/util.h"

typedef struct family {
    const char *name;
    double share;              /* of the catalog */
    double w_lo, w_hi;         /* weight range, lb (log-uniform) */
    double density;            /* lb per cubic foot, for dimensions */
    double p_mu, p_sigma;      /* log-normal price */
    double return_rate;
    int in_stores;             /* stores stock it */
} family_t;

static const family_t families[] = {
    {"apparel", 0.22, 0.2, 2.5, 6.0, 3.4, 0.55, 0.24, 1},
    {"footwear", 0.08, 1.5, 4.5, 5.0, 4.2, 0.45, 0.18, 1},
    {"electronics", 0.10, 0.3, 18.0, 9.0, 4.3, 1.00, 0.08, 1},
    {"home", 0.16, 0.5, 35.0, 7.0, 3.6, 0.80, 0.06, 1},
    {"beauty", 0.09, 0.1, 1.8, 14.0, 2.9, 0.50, 0.04, 1},
    {"toys", 0.09, 0.3, 12.0, 5.0, 3.2, 0.70, 0.05, 1},
    {"sports", 0.08, 0.5, 45.0, 6.0, 3.8, 0.85, 0.07, 1},
    {"books", 0.07, 0.3, 3.5, 25.0, 2.7, 0.40, 0.03, 1},
    {"grocery", 0.07, 0.3, 12.0, 20.0, 2.3, 0.60, 0.02, 1},
    {"furniture", 0.04, 18.0, 140.0, 4.0, 5.6, 0.70, 0.05, 0},
};
#define N_FAMILIES (sizeof families / sizeof families[0])

/* Unit cost as a share of price by family, in the order of families[]
 * (typical retail cost of goods: apparel and beauty carry high margins,
 * electronics and grocery thin ones); each SKU varies ±15%. */
static const double cost_share[] = {0.38, 0.45, 0.78, 0.50, 0.35, 0.52, 0.55, 0.60, 0.70, 0.50};
_Static_assert(sizeof cost_share / sizeof cost_share[0] == N_FAMILIES, "a cost share per family");

/* Demand (units/day). A SKU's network demand follows its Zipf popularity,
 * DEMAND_TOP × (rank + 1)^−0.7 per DC, so that a DC's stock of it (4000 ×
 * (rank + 1)^−0.7, see stock_dc) covers about 45 days. A store sells its
 * local demand, STORE_SHARE / stores of it; suppliers carry DS_SHARE of
 * what is left of a long-tail SKU; the DCs stocking it share the rest. */
#define DEMAND_TOP (4000.0 / 45.0)
#define STORE_SHARE 0.30
#define DS_SHARE 0.50

static const double weight_brackets[] = {1,  2,  3,  4,  5,  6,  8,  10,  15,
                                         20, 25, 30, 40, 50, 70, 100, 150};
#define N_BRACKETS (sizeof weight_brackets / sizeof weight_brackets[0])

/* Ground list rates: 1 lb is $11.32 at zone 2 and $14.17 at zone 8 (2025
 * public list prices); heavier parcels add a per-pound amount that grows
 * with zone. Zones 9..12 (Pacific territories, Alaska, Hawaii, PR/VI) are
 * priced as parcel carriers price them, well above zone 8. */
static const double ground_base[ORDO_ZONES] = {10.98, 11.32, 11.79, 12.27, 12.76, 13.22,
                                               13.70, 14.17, 44.00, 38.50, 36.90, 24.60};
static const double ground_per_lb[ORDO_ZONES] = {0.52, 0.61, 0.78, 0.98, 1.22, 1.46,
                                                 1.71, 1.95, 4.10, 3.60, 3.40, 2.40};
/* LTL freight, USD per hundredweight by zone (weight breaks below) */
static const double freight_cwt[ORDO_ZONES] = {38, 42, 47, 53, 59, 66, 73, 80, 260, 190, 210, 150};
static const double freight_breaks[] = {499, 999, 1999, 4999, 10000};
static const double freight_break_mult[] = {1.0, 0.85, 0.72, 0.6, 0.5};

typedef struct service_rules {
    double dim_divisor, dim_min_cubic_in;
    double max_weight_lb, max_length_in, max_length_girth_in;
    double ahs_weight_lb, ahs_weight_amount, ahs_longest_in, ahs_second_in, ahs_amount;
    double large_length_girth_in, large_longest_in, large_amount, large_min_billable_lb;
    ordo_peak_window_t peak[3]; /* amount 0: none */
} service_rules_t;

/* Parcel carriers (2025 list): 150 lb, 108 in long, 165 in length + girth;
 * dim divisor 139 always; additional handling over 50 lb ($33.45) or a
 * side over 48 in / second side over 30 in ($25.25); large package over 130
 * in length + girth or 96 in long ($240, billed at least 90 lb); peak from
 * late October to mid-January, higher for large and handled parcels. */
#define PARCEL_RULES(p1, p2)                                                                    \
    {139,  0,    150,   108,  165,  50, 33.45, 48, 30, 25.25, 130, 96, 240, 90,                  \
     {{1026, 1122, p1, 6.50, 65}, {1123, 1227, p2, 10.00, 105}, {1228, 117, p1, 6.50, 65}}}
/* Postal: 70 lb and 130 in; divisor 166 only above one cubic foot; a side
 * over 30 in pays the nonstandard fee ($18); over 108 in length + girth is
 * priced as oversized (the 70-lb rate); a peak increase October to January. */
#define POSTAL_RULES                                                                            \
    {166, 1728, 70, 0, 130, 0, 0, 30, 0, 18.00, 108, 0, 0, 70, {{1005, 118, 0.45, 0, 0}}}
/* LTL freight: no dimensional weight, 10,000 lb, no size rules here. */
#define FREIGHT_RULES {0, 0, 10000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, {{0}}}

typedef struct service_spec {
    const char *id, *carrier, *service;
    double rate_mult_base, rate_mult_zone; /* × ground, + per zone */
    double heavy_discount;                 /* per-lb slope multiplier */
    double fuel_pct, residential;
    bool postal_far;                       /* zones 9..12 at the zone-8 price × 1.08 */
    bool freight;                          /* per hundredweight, minimum charge */
    double min_charge, liftgate;
    service_rules_t rules;
    double transit_mean[ORDO_ZONES], transit_sd[ORDO_ZONES];
} service_spec_t;

static const service_spec_t service_specs[] = {
    {"parcel_ground", "parcel", "ground", 1.0, 0.0, 1.0, 15.5, 5.95, false, false, 0, 0,
     PARCEL_RULES(0.30, 0.55),
     {1.1, 2.0, 2.9, 3.4, 4.0, 4.6, 5.1, 5.6, 8.5, 7.0, 6.5, 6.0},
     {0.35, 0.45, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 1.4, 1.4, 1.3, 1.2}},
    {"parcel_two_day", "parcel", "two_day", 1.85, 0.12, 1.3, 15.5, 5.95, false, false, 0, 0,
     PARCEL_RULES(0.95, 1.50),
     {1.2, 1.6, 1.9, 2.0, 2.0, 2.05, 2.1, 2.15, 3.5, 2.6, 2.5, 2.4},
     {0.3, 0.35, 0.3, 0.25, 0.25, 0.3, 0.3, 0.35, 0.9, 0.6, 0.5, 0.5}},
    {"parcel_overnight", "parcel", "overnight", 3.1, 0.22, 1.7, 15.5, 5.95, false, false, 0, 0,
     PARCEL_RULES(0.95, 1.50),
     {1.0, 1.0, 1.0, 1.02, 1.03, 1.04, 1.05, 1.06, 2.2, 1.5, 1.4, 1.4},
     {0.15, 0.15, 0.18, 0.2, 0.2, 0.22, 0.24, 0.26, 0.6, 0.5, 0.45, 0.45}},
    {"postal_ground", "postal", "ground", 0.86, -0.004, 1.15, 0.0, 0.0, true, false, 0, 0,
     POSTAL_RULES,
     {1.6, 2.4, 3.1, 3.7, 4.3, 4.9, 5.5, 6.1, 7.5, 4.5, 4.3, 4.0},
     {0.6, 0.7, 0.8, 0.9, 1.0, 1.05, 1.1, 1.2, 1.6, 1.2, 1.1, 1.0}},
    {"ltl_freight", "freight", "ground", 1.0, 0.0, 1.0, 28.0, 95.0, false, true, 165.0, 85.0,
     FREIGHT_RULES,
     {1.5, 2.0, 2.5, 3.0, 3.5, 4.2, 4.8, 5.5, 13.0, 10.0, 12.0, 9.0},
     {0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.5, 1.5, 1.5, 1.5}},
};
#define N_SERVICES (sizeof service_specs / sizeof service_specs[0])

#define GEN_AS_OF "2026-01-05T06:00:00Z"

static double uniform(ordo_rng_t *r, double lo, double hi)
{
    return lo + (hi - lo) * ordo_rng_uniform(r);
}

static double round2(double v)
{
    return round(v * 100.0) / 100.0;
}

/* Discretized normal over days 0..15, in business days after ship. */
static void transit_hist(double mean, double sd, double *out)
{
    double sum = 0;
    for (int d = 0; d < ORDO_TRANSIT_DAYS; d++) {
        double lo = (d - 0.5 - mean) / (sd * M_SQRT2), hi = (d + 0.5 - mean) / (sd * M_SQRT2);
        out[d] = d == 0 ? 0 : 0.5 * (erf(hi) - erf(lo));
        sum += out[d];
    }
    for (int d = 0; d < ORDO_TRANSIT_DAYS; d++)
        out[d] = round(out[d] / sum * 1e4) / 1e4;
    /* rounding residue goes to the mode, so the row sums to 1 exactly enough */
    double s2 = 0;
    int mode = 1;
    for (int d = 0; d < ORDO_TRANSIT_DAYS; d++) {
        s2 += out[d];
        if (out[d] > out[mode])
            mode = d;
    }
    out[mode] = round((out[mode] + 1.0 - s2) * 1e4) / 1e4;
}

/* A parcel service's rate for a bracket weight at zone z (1..12). */
static double spec_rate(const service_spec_t *s, int z, double lb)
{
    int zz = s->postal_far && z > 8 ? 8 : z;
    double mult = s->rate_mult_base + s->rate_mult_zone * (zz - 1);
    double g = ground_base[zz - 1] + ground_per_lb[zz - 1] * s->heavy_discount * (lb - 1);
    return round2(g * mult * (zz != z ? 1.08 : 1.0));
}

static double spec_per_lb(const service_spec_t *s, int z)
{
    int zz = s->postal_far && z > 8 ? 8 : z;
    double mult = s->rate_mult_base + s->rate_mult_zone * (zz - 1);
    return round2(ground_per_lb[zz - 1] * s->heavy_discount * mult * (zz != z ? 1.08 : 1.0));
}

static void write_rate_card(ordo_jsonw_t *w, const service_spec_t *s)
{
    const double *brk = s->freight ? freight_breaks : weight_brackets;
    size_t nb = s->freight ? sizeof freight_breaks / sizeof freight_breaks[0] : N_BRACKETS;
    ordo_jsonw_key(w, "rate_card");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_key(w, "max_weight_lb");
    ordo_jsonw_arr_begin(w);
    for (size_t b = 0; b < nb; b++)
        ordo_jsonw_double(w, brk[b]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "rates");
    ordo_jsonw_arr_begin(w);
    for (size_t b = 0; b < nb; b++) {
        ordo_jsonw_arr_begin(w);
        for (int z = 1; z <= ORDO_ZONES; z++)
            ordo_jsonw_double(w, s->freight ? round2(freight_cwt[z - 1] * freight_break_mult[b])
                                            : spec_rate(s, z, brk[b]));
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_arr_end(w);
    if (!s->freight) {
        ordo_jsonw_key(w, "per_lb_over");
        ordo_jsonw_arr_begin(w);
        for (int z = 1; z <= ORDO_ZONES; z++)
            ordo_jsonw_double(w, spec_per_lb(s, z));
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_obj_end(w);
}

static void md_str(int md, char *buf)
{
    snprintf(buf, 6, "%02d-%02d", (md / 100) % 100, md % 100);
}

/* Limits, handling, large package and peak windows of a service spec. */
static void write_rules(ordo_jsonw_t *w, const service_spec_t *s)
{
    const service_rules_t *r = &s->rules;
    ordo_jsonw_kdouble(w, "dim_divisor", r->dim_divisor);
    if (r->dim_min_cubic_in > 0)
        ordo_jsonw_kdouble(w, "dim_min_cubic_in", r->dim_min_cubic_in);
    if (s->freight) {
        ordo_jsonw_kstr(w, "rate_basis", "per_cwt");
        ordo_jsonw_kdouble(w, "min_charge", s->min_charge);
        ordo_jsonw_kdouble(w, "liftgate_surcharge", s->liftgate);
    }
    ordo_jsonw_key(w, "limits");
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kdouble(w, "max_weight_lb", r->max_weight_lb);
    if (r->max_length_in > 0)
        ordo_jsonw_kdouble(w, "max_length_in", r->max_length_in);
    if (r->max_length_girth_in > 0)
        ordo_jsonw_kdouble(w, "max_length_girth_in", r->max_length_girth_in);
    ordo_jsonw_obj_end(w);
    if (r->ahs_amount > 0) {
        ordo_jsonw_key(w, "additional_handling");
        ordo_jsonw_obj_begin(w);
        if (r->ahs_weight_lb > 0) {
            ordo_jsonw_kdouble(w, "weight_lb", r->ahs_weight_lb);
            ordo_jsonw_kdouble(w, "weight_amount", r->ahs_weight_amount);
        }
        ordo_jsonw_kdouble(w, "longest_in", r->ahs_longest_in);
        if (r->ahs_second_in > 0)
            ordo_jsonw_kdouble(w, "second_in", r->ahs_second_in);
        ordo_jsonw_kdouble(w, "amount", r->ahs_amount);
        ordo_jsonw_obj_end(w);
    }
    if (r->large_length_girth_in > 0) {
        ordo_jsonw_key(w, "large_package");
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kdouble(w, "length_girth_in", r->large_length_girth_in);
        if (r->large_longest_in > 0)
            ordo_jsonw_kdouble(w, "longest_in", r->large_longest_in);
        ordo_jsonw_kdouble(w, "amount", r->large_amount);
        ordo_jsonw_kdouble(w, "min_billable_lb", r->large_min_billable_lb);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_key(w, "peak");
    ordo_jsonw_arr_begin(w);
    for (int i = 0; i < 3 && r->peak[i].amount > 0; i++) {
        char from[8], to[8];
        md_str(r->peak[i].from_md, from);
        md_str(r->peak[i].to_md, to);
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "from", from);
        ordo_jsonw_kstr(w, "to", to);
        ordo_jsonw_kdouble(w, "amount", r->peak[i].amount);
        ordo_jsonw_kdouble(w, "additional_handling", r->peak[i].additional_handling);
        ordo_jsonw_kdouble(w, "large_package", r->peak[i].large_package);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

static void write_services(ordo_jsonw_t *w)
{
    ordo_jsonw_key(w, "carrier_services");
    ordo_jsonw_arr_begin(w);
    for (size_t i = 0; i < N_SERVICES; i++) {
        const service_spec_t *s = &service_specs[i];
        ordo_jsonw_obj_begin(w);
        ordo_jsonw_kstr(w, "id", s->id);
        ordo_jsonw_kstr(w, "carrier", s->carrier);
        ordo_jsonw_kstr(w, "service", s->service);
        ordo_jsonw_kdouble(w, "fuel_surcharge_pct", s->fuel_pct);
        ordo_jsonw_kdouble(w, "residential_surcharge", s->residential);
        write_rules(w, s);
        if (!strcmp(s->carrier, "postal")) { /* the postal service delivers on Saturdays */
            static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat"};
            ordo_jsonw_key(w, "delivery_days");
            ordo_jsonw_arr_begin(w);
            for (size_t d = 0; d < 6; d++)
                ordo_jsonw_str(w, days[d]);
            ordo_jsonw_arr_end(w);
        }
        write_rate_card(w, s);
        ordo_jsonw_key(w, "transit_days");
        ordo_jsonw_arr_begin(w);
        for (int z = 0; z < ORDO_ZONES; z++) {
            double h[ORDO_TRANSIT_DAYS];
            transit_hist(s->transit_mean[z], s->transit_sd[z], h);
            int last = ORDO_TRANSIT_DAYS - 1;
            while (last > 1 && h[last] == 0)
                last--;
            ordo_jsonw_arr_begin(w);
            for (int d = 0; d <= last; d++)
                ordo_jsonw_double(w, h[d]);
            ordo_jsonw_arr_end(w);
        }
        ordo_jsonw_arr_end(w);
        ordo_jsonw_obj_end(w);
    }
    ordo_jsonw_arr_end(w);
}

typedef struct site {
    uint32_t zip;
    const char *city;
    char state[3];
} site_t;

/* Cumulative population over ZIPs, for drawing ZIPs by population. */
typedef struct popdist {
    const ordo_geo_t *geo;
    double *cum;
    size_t n;
} popdist_t;

static int popdist_init(popdist_t *d, const ordo_geo_t *geo)
{
    d->geo = geo;
    d->n = ordo_geo_count(geo);
    d->cum = malloc(d->n * sizeof(double));
    if (!d->cum)
        return ORDO_ENOMEM;
    double c = 0;
    for (size_t i = 0; i < d->n; i++) {
        const ordo_zip_t *z = ordo_geo_at(geo, i);
        /* territories outside the zone 1–8 map get no sites */
        const ordo_zip3_t *z3 = ordo_geo_zip3(geo, z->zip3);
        c += z3->territory ? 0 : z->population;
        d->cum[i] = c;
    }
    return ORDO_OK;
}

static const ordo_zip_t *popdist_draw(const popdist_t *d, ordo_rng_t *r)
{
    double x = ordo_rng_uniform(r) * d->cum[d->n - 1];
    size_t lo = 0, hi = d->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->cum[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return ordo_geo_at(d->geo, lo);
}

static int cmp_zip3_pop(const void *a, const void *b, void *ctx)
{
    const ordo_geo_t *g = ctx;
    uint64_t pa = ordo_geo_zip3(g, *(const uint16_t *)a)->population;
    uint64_t pb = ordo_geo_zip3(g, *(const uint16_t *)b)->population;
    if (pa != pb)
        return pa > pb ? -1 : 1;
    return *(const uint16_t *)a - *(const uint16_t *)b;
}

/* DC sites: the most populous ZIP3s, greedily kept at least `spacing` miles
 * apart, relaxing the spacing until there are enough. Within a ZIP3 the DC
 * takes a ZIP drawn by population (suburban industrial parks follow people). */
static int pick_dcs(const ordo_geo_t *geo, const popdist_t *pd, uint32_t n, ordo_rng_t *r,
                    site_t *out)
{
    uint16_t order[ORDO_ZIP3_COUNT];
    size_t m = 0;
    for (int k = 0; k < ORDO_ZIP3_COUNT; k++) {
        const ordo_zip3_t *z = ordo_geo_zip3(geo, (uint16_t)k);
        if (z->known && z->population > 0 && !z->territory && strcmp(z->state, "AK") &&
            strcmp(z->state, "HI") && strcmp(z->state, "PR") && strcmp(z->state, "VI"))
            order[m++] = (uint16_t)k;
    }
    qsort_r(order, m, sizeof order[0], cmp_zip3_pop, (void *)geo);
    uint16_t chosen[ORDO_ZIP3_COUNT];
    uint32_t got = 0;
    double spacing = 450;
    while (got < n && got < m) {
        for (size_t i = 0; i < m && got < n; i++) {
            const ordo_zip3_t *c = ordo_geo_zip3(geo, order[i]);
            int ok = 1;
            for (uint32_t j = 0; j < got && ok; j++) {
                if (chosen[j] == order[i]) {
                    ok = 0;
                    break;
                }
                const ordo_zip3_t *o = ordo_geo_zip3(geo, chosen[j]);
                if (ordo_geo_miles(c->lat, c->lon, o->lat, o->lon) < spacing)
                    ok = 0;
            }
            if (ok)
                chosen[got++] = order[i];
        }
        spacing *= 0.75;
        if (spacing < 1)
            break;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint16_t z3 = chosen[i % (got ? got : 1)];
        /* draw ZIPs by population until one falls in the chosen ZIP3; fall
         * back to the ZIP3's most populous ZIP */
        const ordo_zip_t *best = NULL;
        for (size_t k = 0; k < ordo_geo_count(geo); k++) {
            const ordo_zip_t *z = ordo_geo_at(geo, k);
            if (z->zip3 == z3 && (!best || z->population > best->population))
                best = z;
        }
        const ordo_zip_t *pick = best;
        for (int tries = 0; tries < 2000; tries++) {
            const ordo_zip_t *z = popdist_draw(pd, r);
            if (z->zip3 == z3) {
                pick = z;
                break;
            }
        }
        if (!pick)
            return ORDO_EINVAL;
        out[i].zip = pick->zip;
        out[i].city = pick->city;
        memcpy(out[i].state, pick->state, 3);
    }
    return ORDO_OK;
}

static void write_node(ordo_jsonw_t *w, const char *id, const char *name, const char *type,
                       uint32_t zip, int ship, int pickup, long capacity, long load, double pick,
                       double pack, int cutoff, int proc, const char *const *svcs, int n_svcs,
                       int priority, const char *g1, const char *g2, int safety)
{
    char zbuf[8];
    ordo_jsonw_obj_begin(w);
    ordo_jsonw_kstr(w, "id", id);
    ordo_jsonw_kstr(w, "name", name);
    ordo_jsonw_kstr(w, "type", type);
    ordo_jsonw_kstr(w, "zip", ordo_zip_format(zip, zbuf));
    ordo_jsonw_key(w, "capabilities");
    ordo_jsonw_arr_begin(w);
    if (ship)
        ordo_jsonw_str(w, "ship");
    if (pickup)
        ordo_jsonw_str(w, "pickup");
    ordo_jsonw_arr_end(w);
    ordo_jsonw_kint(w, "daily_capacity", capacity);
    ordo_jsonw_kint(w, "current_load", load);
    ordo_jsonw_kdouble(w, "pick_cost_per_unit", round2(pick));
    ordo_jsonw_kdouble(w, "pack_cost_per_shipment", round2(pack));
    ordo_jsonw_kint(w, "cutoff_hour", cutoff);
    ordo_jsonw_kint(w, "processing_days", proc);
    ordo_jsonw_key(w, "services");
    ordo_jsonw_arr_begin(w);
    for (int i = 0; i < n_svcs; i++)
        ordo_jsonw_str(w, svcs[i]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_kint(w, "priority", priority);
    ordo_jsonw_key(w, "groups");
    ordo_jsonw_arr_begin(w);
    ordo_jsonw_str(w, g1);
    if (g2)
        ordo_jsonw_str(w, g2);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_kint(w, "safety_stock", safety);
    ordo_jsonw_kbool(w, "active", true);
    ordo_jsonw_obj_end(w);
}

static int write_out(const char *dir, const char *file, const ordo_buf_t *b, ordo_error_t *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
        return ordo_error_set(err, ORDO_EINVAL, dir, 0, NULL, "path too long");
    if (b->oom)
        return ordo_error_set(err, ORDO_ENOMEM, path, 0, NULL, "out of memory");
    return ordo_write_file_atomic(path, b->data ? b->data : "", b->len, err);
}

/* One generation run: the options, the generator every draw comes from,
 * and what the later files need of the earlier ones. */
typedef struct gen {
    const ordo_generate_options_t *opt;
    ordo_rng_t rng;
    uint32_t n_nodes;
    site_t *sites;     /* n_nodes: DCs, then stores, then drop-shippers */
    uint32_t *rank;    /* per SKU: popularity rank, 0 = most popular */
    uint32_t *by_rank; /* rank -> SKU */
    uint8_t *fam;      /* per SKU: index in families[] */
} gen_t;

/* The SKU's network demand, units/day. */
static double sku_demand(const gen_t *g, uint32_t s)
{
    return DEMAND_TOP * (g->opt->dcs ? g->opt->dcs : 1) * pow(g->rank[s] + 1.0, -0.7);
}

/* P(a store stocks SKU s), as stock_store draws it. */
static double store_stock_p(const gen_t *g, uint32_t s)
{
    double n = g->opt->skus, assort = fmin(n, 300 + n / 100);
    uint32_t r = g->rank[s];
    if (!families[g->fam[s]].in_stores || r >= fmin(assort * 4, n))
        return 0;
    return 0.92 * exp(-(double)r / assort);
}

/* The expected number of suppliers stocking SKU s, as stock_dropship draws it. */
static double ds_stockers(const gen_t *g, uint32_t s)
{
    const ordo_generate_options_t *opt = g->opt;
    if (g->rank[s] < opt->skus / 5)
        return 0;
    uint32_t owners = 0;
    for (uint32_t k = 0; k < opt->dropshippers; k++)
        owners += (k % N_FAMILIES) == g->fam[s] || ((k * 7 + 3) % N_FAMILIES) == g->fam[s];
    return 0.55 * owners;
}

/* Demand at one node of SKU s (type: 0 DC, 1 store, 2 supplier); p_dc the
 * chance a DC stocks it. */
static double cell_demand(const gen_t *g, uint32_t s, int type, double p_dc)
{
    const ordo_generate_options_t *opt = g->opt;
    double d = sku_demand(g, s), local = STORE_SHARE * store_stock_p(g, s);
    double ds = ds_stockers(g, s), ds_part = ds > 0 ? DS_SHARE * (1 - local) : 0;
    if (type == 1)
        return d * STORE_SHARE / (opt->stores ? opt->stores : 1);
    if (type == 2)
        return ds > 0 ? d * ds_part / ds : 0;
    double dcs = opt->dcs * p_dc;
    return d * (1 - local - ds_part) / (dcs > 0 ? dcs : 1);
}

static int check_options(const ordo_generate_options_t *opt, ordo_error_t *err)
{
    if (opt->dcs + opt->stores + opt->dropshippers == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "dcs", "a network needs nodes");
    if (opt->dcs == 0 && opt->dropshippers == 0 && opt->stores == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "dcs", "a network needs nodes");
    if (opt->skus == 0 || opt->skus > 10000000)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "skus", "must be 1..10000000");
    if ((uint64_t)opt->dcs + opt->stores + opt->dropshippers > 100000)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "stores", "at most 100000 nodes");
    return ORDO_OK;
}

/* DCs at spread-out metros, every other node at a ZIP drawn by population. */
static int place_sites(gen_t *g, const ordo_geo_t *geo, const popdist_t *pd, ordo_error_t *err)
{
    const ordo_generate_options_t *opt = g->opt;
    if (opt->dcs && pick_dcs(geo, pd, opt->dcs, &g->rng, g->sites))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "dcs", "cannot place DCs");
    for (uint32_t i = opt->dcs; i < g->n_nodes; i++) {
        const ordo_zip_t *z = popdist_draw(pd, &g->rng);
        g->sites[i].zip = z->zip;
        g->sites[i].city = z->city;
        memcpy(g->sites[i].state, z->state, 3);
    }
    return ORDO_OK;
}

/* Node i of network.json: its id, name, capacities, costs and services. */
static void write_gen_node(gen_t *g, ordo_jsonw_t *w, uint32_t i)
{
    static const char *const dc_svcs[] = {"parcel_ground", "parcel_two_day", "parcel_overnight",
                                          "postal_ground", "ltl_freight"};
    static const char *const store_svcs[] = {"parcel_ground", "parcel_two_day", "postal_ground",
                                             "ltl_freight"};
    static const char *const ds_svcs[] = {"parcel_ground", "postal_ground", "ltl_freight"};
    const ordo_generate_options_t *opt = g->opt;
    ordo_rng_t *rng = &g->rng;
    char id[32], name[ORDO_NAME_MAX];
    const site_t *s = &g->sites[i];
    const char *region = ordo_geo_region(s->state);
    if (i < opt->dcs) {
        snprintf(id, sizeof id, "DC-%03u", i + 1);
        snprintf(name, sizeof name, "%.40s %s DC", s->city, s->state);
        long cap = (long)(uniform(rng, 18, 60)) * 1000;
        write_node(w, id, name, "dc", s->zip, 1, 0, cap, (long)(cap * uniform(rng, 0.2, 0.6)),
                   uniform(rng, 0.45, 0.75), uniform(rng, 1.1, 1.7), (int)uniform(rng, 15, 18), 0,
                   dc_svcs, 5, 1, region, "dc", 0);
    } else if (i < opt->dcs + opt->stores) {
        snprintf(id, sizeof id, "ST-%04u", i - opt->dcs + 1);
        snprintf(name, sizeof name, "%.40s %s store", s->city, s->state);
        long cap = (long)uniform(rng, 150, 600);
        write_node(w, id, name, "store", s->zip, 1, 1, cap, (long)(cap * uniform(rng, 0.1, 0.7)),
                   uniform(rng, 1.4, 2.4), uniform(rng, 2.0, 3.0), 14,
                   ordo_rng_uniform(rng) < 0.7 ? 0 : 1, store_svcs, 4, 2, region, "stores", 1);
    } else {
        snprintf(id, sizeof id, "DS-%03u", i - opt->dcs - opt->stores + 1);
        snprintf(name, sizeof name, "%.40s %s supplier", s->city, s->state);
        long cap = (long)uniform(rng, 2, 10) * 1000;
        write_node(w, id, name, "dropship", s->zip, 1, 0, cap, (long)(cap * uniform(rng, 0.1, 0.5)),
                   uniform(rng, 0.2, 0.5), uniform(rng, 3.5, 6.0), 12,
                   1 + (int)ordo_rng_below(rng, 3), ds_svcs, 3, 3, region, "dropship", 0);
    }
}

static int write_network_json(gen_t *g, ordo_buf_t *nb, ordo_error_t *err)
{
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, nb, 1);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "format", "ordo-network/1");
    ordo_jsonw_kstr(&w, "name", g->opt->name ? g->opt->name : "generated");
    write_services(&w);
    ordo_jsonw_key(&w, "nodes");
    ordo_jsonw_arr_begin(&w);
    for (uint32_t i = 0; i < g->n_nodes; i++)
        write_gen_node(g, &w, i);
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_obj_end(&w);
    int rc = ordo_jsonw_finish(&w);
    if (rc)
        return ordo_error_set(err, rc, NULL, 0, NULL, "cannot write network.json");
    ordo_buf_putc(nb, '\n');
    return ORDO_OK;
}

/* Popularity ranks (a random permutation), then one catalog line per SKU:
 * family, weight, a box of that density, price and return rate. */
static void write_catalog(gen_t *g, ordo_buf_t *cb)
{
    uint32_t skus = g->opt->skus;
    ordo_rng_t *rng = &g->rng, crng; /* unit costs from their own stream: the rest stays put */
    ordo_rng_seed(&crng, g->opt->seed ^ 0x756e6974636f7374ull);
    ordo_buf_puts(cb,
                  "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate,unit_cost\n");
    for (uint32_t i = 0; i < skus; i++)
        g->by_rank[i] = i;
    for (uint32_t i = skus; i > 1; i--) { /* popularity rank: a random permutation */
        uint32_t j = (uint32_t)ordo_rng_below(rng, i);
        uint32_t t = g->by_rank[i - 1];
        g->by_rank[i - 1] = g->by_rank[j];
        g->by_rank[j] = t;
    }
    for (uint32_t r = 0; r < skus; r++)
        g->rank[g->by_rank[r]] = r;
    for (uint32_t i = 0; i < skus; i++) {
        double u = ordo_rng_uniform(rng), c = 0;
        size_t f = 0;
        for (; f < N_FAMILIES - 1; f++) {
            c += families[f].share;
            if (u < c)
                break;
        }
        g->fam[i] = (uint8_t)f;
        const family_t *F = &families[f];
        double wt = exp(uniform(rng, log(F->w_lo), log(F->w_hi)));
        double cubic_ft = wt / F->density * uniform(rng, 0.7, 1.4);
        double cubic_in = cubic_ft * 1728.0;
        /* a box with sides in ratio 1.6 : 1.2 : 1 */
        double side = cbrt(cubic_in / (1.6 * 1.2));
        double price = exp(F->p_mu + F->p_sigma * ordo_rng_normal(rng));
        double rr = F->return_rate * uniform(rng, 0.6, 1.4);
        price = price < 1 ? 1.0 : price;
        double cost = price * cost_share[f] * uniform(&crng, 0.85, 1.15);
        ordo_buf_printf(cb, "SKU-%07u,%s,%.2f,%.1f,%.1f,%.1f,%.2f,%.3f,%.2f\n", i + 1, F->name,
                        wt < 0.05 ? 0.05 : wt, side * 1.6, side * 1.2, side, price,
                        rr > 0.6 ? 0.6 : rr, cost);
    }
}

/* A DC stocks most SKUs, popular ones deep (furniture at fewer DCs). */
static void stock_dc(gen_t *g, ordo_buf_t *ib, uint32_t i)
{
    char id[32];
    double n = g->opt->skus;
    snprintf(id, sizeof id, "DC-%03u", i + 1);
    for (uint32_t s = 0; s < g->opt->skus; s++) {
        double q = g->rank[s] / n; /* 0 = most popular */
        double p = 0.97 - 0.6 * q;
        if (g->fam[s] == N_FAMILIES - 1)
            p *= 0.6; /* furniture: fewer DCs */
        if (ordo_rng_uniform(&g->rng) >= p)
            continue;
        double depth = 4000.0 * pow(g->rank[s] + 1.0, -0.7) * uniform(&g->rng, 0.5, 1.5) + 3;
        ordo_buf_printf(ib, "%s,SKU-%07u,%u,0,," GEN_AS_OF ",%.4g\n", id, s + 1, (unsigned)depth,
                        cell_demand(g, s, 0, p));
    }
}

/* A store stocks a few units of popular SKUs of the families stores carry. */
static void stock_store(gen_t *g, ordo_buf_t *ib, uint32_t i)
{
    char id[32];
    const ordo_generate_options_t *opt = g->opt;
    double n = opt->skus;
    uint32_t store_assort = (uint32_t)fmin(n, 300 + n / 100);
    snprintf(id, sizeof id, "ST-%04u", i - opt->dcs + 1);
    uint32_t limit = store_assort * 4 < opt->skus ? store_assort * 4 : opt->skus;
    for (uint32_t r = 0; r < limit; r++) {
        uint32_t s = g->by_rank[r];
        if (!families[g->fam[s]].in_stores)
            continue;
        if (ordo_rng_uniform(&g->rng) >= 0.92 * exp(-(double)r / store_assort))
            continue;
        uint32_t q = 1 + (uint32_t)ordo_rng_below(&g->rng, r < store_assort / 4 ? 14 : 6);
        ordo_buf_printf(ib, "%s,SKU-%07u,%u,0,," GEN_AS_OF ",%.4g\n", id, s + 1, q,
                        cell_demand(g, s, 1, 0));
    }
}

/* Each supplier owns two families and carries their long tail. */
static void stock_dropship(gen_t *g, ordo_buf_t *ib, uint32_t i)
{
    char id[32];
    const ordo_generate_options_t *opt = g->opt;
    uint32_t k = i - opt->dcs - opt->stores;
    snprintf(id, sizeof id, "DS-%03u", k + 1);
    uint8_t f1 = (uint8_t)(k % N_FAMILIES), f2 = (uint8_t)((k * 7 + 3) % N_FAMILIES);
    for (uint32_t s = 0; s < opt->skus; s++) {
        if ((g->fam[s] != f1 && g->fam[s] != f2) || g->rank[s] < opt->skus / 5)
            continue;
        if (ordo_rng_uniform(&g->rng) >= 0.55)
            continue;
        uint32_t q = 5 + (uint32_t)ordo_rng_below(&g->rng, 56);
        ordo_buf_printf(ib, "%s,SKU-%07u,%u,0,," GEN_AS_OF ",%.4g\n", id, s + 1, q,
                        cell_demand(g, s, 2, 0));
    }
}

static void write_inventory(gen_t *g, ordo_buf_t *ib)
{
    const ordo_generate_options_t *opt = g->opt;
    ordo_buf_puts(ib, "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\n");
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        if (i < opt->dcs)
            stock_dc(g, ib, i);
        else if (i < opt->dcs + opt->stores)
            stock_store(g, ib, i);
        else
            stock_dropship(g, ib, i);
    }
}

int ordo_network_generate(const ordo_generate_options_t *opt, const ordo_geo_t *geo,
                          const char *dir, ordo_error_t *err)
{
    if (!geo)
        geo = ordo_geo_default();
    if (!geo)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "no geography");
    int rc = check_options(opt, err);
    if (rc)
        return rc;
    rc = ordo_mkdir_p(dir, err);
    if (rc)
        return rc;

    gen_t g = {.opt = opt, .n_nodes = opt->dcs + opt->stores + opt->dropshippers};
    ordo_rng_seed(&g.rng, opt->seed);
    popdist_t pd;
    if (popdist_init(&pd, geo))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    g.sites = calloc(g.n_nodes ? g.n_nodes : 1, sizeof *g.sites);
    ordo_buf_t nb, cb, ib;
    ordo_buf_init(&nb, NULL);
    ordo_buf_init(&cb, NULL);
    ordo_buf_init(&ib, NULL);
    g.rank = malloc(opt->skus * sizeof(uint32_t));
    g.fam = malloc(opt->skus);
    g.by_rank = malloc(opt->skus * sizeof(uint32_t));
    if (!g.sites || !g.rank || !g.fam || !g.by_rank)
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc)
        rc = place_sites(&g, geo, &pd, err);
    if (!rc)
        rc = write_network_json(&g, &nb, err);
    if (!rc) {
        write_catalog(&g, &cb);
        write_inventory(&g, &ib);
        if ((rc = write_out(dir, "network.json", &nb, err)) == ORDO_OK &&
            (rc = write_out(dir, "catalog.csv", &cb, err)) == ORDO_OK)
            rc = write_out(dir, "inventory.csv", &ib, err);
    }
    free(pd.cum);
    free(g.sites);
    free(g.rank);
    free(g.fam);
    free(g.by_rank);
    ordo_buf_free(&nb);
    ordo_buf_free(&cb);
    ordo_buf_free(&ib);
    return rc;
}
