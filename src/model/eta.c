/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — ETA model training: transit distributions per lane shrunk toward
 * their region and the carrier's published histogram, and processing delay
 * per node by cutoff and load (docs/internals/MODEL.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "ordo/calendar.h"
#include "ordo/geo.h"

#define DAYS ORDO_TRANSIT_DAYS
#define PROC ORDO_LANE_PROC_DAYS

/* the strengths used when a level gives no estimate (no cell of n >= 2) */
#define K_LANE_DFLT 30
#define K_DEST_DFLT 10
#define K_TOP_DFLT 10
#define K_RURAL_DFLT 10

void ordo_eta_params_default(ordo_eta_params_t *p)
{
    p->k_lane = NAN;
    p->k_region = 10;
    p->k_proc = 20;
    p->k_dest = NAN;
    p->k_top = NAN;
    p->k_rural = NAN;
}

/* ---- the clock: a node's local day and its cutoff ---- */

struct ordo_eta_clock {
    const ordo_network_t *net;
    ordo_tz_t **tz; /* per node */
};

int ordo_eta_clock_new(const ordo_network_t *net, ordo_eta_clock_t **out, ordo_error_t *err)
{
    ordo_eta_clock_t *c = calloc(1, sizeof *c);
    if (!c || !(c->tz = calloc(net->n_nodes + 1, sizeof *c->tz))) {
        free(c);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    c->net = net;
    for (uint32_t i = 0; i < net->n_nodes; i++) {
        const ordo_node_t *nd = &net->nodes[i];
        const char *name =
            nd->time_zone[0] ? nd->time_zone : ordo_tz_for_zip(net->geo, nd->zip);
        if (!name || ordo_tz_load(name, &c->tz[i], NULL) != ORDO_OK)
            c->tz[i] = ordo_tz_fixed((int32_t)lround(nd->lon / 15.0) * 3600, "solar");
        if (!c->tz[i]) {
            ordo_eta_clock_destroy(c);
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        }
    }
    *out = c;
    return ORDO_OK;
}

void ordo_eta_clock_destroy(ordo_eta_clock_t *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; c->tz && i < c->net->n_nodes; i++)
        ordo_tz_destroy(c->tz[i]);
    free(c->tz);
    free(c);
}

int32_t ordo_eta_clock_day(const ordo_eta_clock_t *c, uint32_t node, int64_t t, bool *after_cutoff)
{
    int64_t local = t + ordo_tz_offset(c->tz[node], t);
    int64_t day = ordo_cal_day_of(local);
    if (after_cutoff)
        *after_cutoff = (local - day * 86400) / 3600 >= c->net->nodes[node].cutoff_hour;
    return (int32_t)day;
}

int ordo_eta_clock_slot(const ordo_eta_clock_t *c, uint32_t node, int64_t t)
{
    int64_t local = t + ordo_tz_offset(c->tz[node], t);
    int64_t day = ordo_cal_day_of(local);
    if (!ordo_cal_working(day, ORDO_WEEK_MON_FRI))
        return 1;
    int rel = (int)((local - day * 86400) / 3600) - (int)c->net->nodes[node].cutoff_hour;
    return rel <= -2 ? 2 : rel >= 2 ? 6 : 4 + rel;
}

/* ---- what an observation measures ---- */

int ordo_eta_obs_transit(const ordo_network_t *net, const ordo_eta_obs_t *o)
{
    if (o->service < 0 || (uint32_t)o->service >= net->n_services || !o->ship_day ||
        !o->deliver_day || o->deliver_day < o->ship_day)
        return -1;
    int t = ordo_cal_working_between(o->ship_day, o->deliver_day,
                                     net->services[o->service].delivery_days);
    return t < DAYS ? t : DAYS - 1;
}

int ordo_eta_obs_class(const ordo_network_t *net, const ordo_eta_obs_t *o)
{
    return ordo_lanes_ship_class(net->services[o->service].delivery_days, o->ship_day) |
           (o->rural ? 2 : 0);
}

int ordo_eta_obs_delay(const ordo_eta_obs_t *o)
{
    if (!o->ship_day || o->ship_day < o->order_day)
        return -1;
    /* working days in [order day, ship day) */
    int j = ordo_cal_working_between(o->order_day - 1, o->ship_day - 1, ORDO_WEEK_MON_FRI);
    return j < PROC ? j : PROC - 1;
}

/* ---- training ---- */

/* The census region of a destination ZIP3 (its most populous ZIP's state). */
int eta_zip3_region(const ordo_network_t *net, uint16_t zip3)
{
    const ordo_zip3_t *z = ordo_geo_zip3(net->geo ? net->geo : ordo_geo_default(), zip3);
    return z && z->known ? (int)ordo_geo_state_region(z->state) : ORDO_REGION_UNKNOWN;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorted (key << 8 | value) pairs of the training observations at one level
 * of the hierarchy; *n_out gets how many. */
static uint64_t *level_pairs(const eta_train_t *t, int level, size_t *n_out)
{
    uint64_t *v = malloc((t->n + 1) * sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        const ordo_eta_obs_t *o = &t->obs[i];
        if (o->time >= t->until && t->until)
            continue;
        uint64_t key;
        int val;
        if (level == ETA_PROC) {
            if ((val = ordo_eta_obs_delay(o)) < 0)
                continue;
            key = ((uint64_t)o->node * 2 + o->after_cutoff) * ORDO_LANE_LOAD_BUCKETS +
                  o->load_bucket;
        } else if (level == ETA_SLOT) {
            if (!o->cutoff_slot || o->cutoff_slot >= ORDO_ETA_SLOTS ||
                (val = ordo_eta_obs_delay(o)) < 0)
                continue;
            key = eta_slot_index(o->node, o->after_cutoff, o->cutoff_slot,
                                 o->load_bucket < ORDO_LANE_LOAD_BUCKETS ? o->load_bucket : 0);
        } else {
            if ((val = ordo_eta_obs_transit(t->net, o)) < 0)
                continue;
            key = eta_key(t->net, level, o->node, (uint32_t)o->service, o->zip3,
                          ordo_eta_obs_class(t->net, o));
            if (key == UINT64_MAX)
                continue;
        }
        v[k++] = key << 8 | (uint64_t)val;
    }
    qsort(v, k, sizeof *v, cmp_u64);
    *n_out = k;
    return v;
}

uint64_t eta_key(const ordo_network_t *net, int level, uint32_t node, uint32_t service,
                 uint16_t zip3, int cls)
{
    uint64_t ns = (uint64_t)node * net->n_services + service, c = (uint64_t)cls & 3;
    if (level == ETA_LANE)
        return (ns * ORDO_ZIP3_COUNT + zip3) * ETA_CLASSES + c;
    int zone = ordo_network_zone(net, node, zip3);
    if (zone < 1 || zone > ORDO_ZONES)
        return UINT64_MAX;
    if (level == ETA_POOL || level == ETA_POOL_ALL)
        return (((uint64_t)service * ORDO_ZONES + (uint64_t)(zone - 1)) * (ETA_ALL_REGIONS + 1) +
                (uint64_t)(level == ETA_POOL_ALL ? ETA_ALL_REGIONS : eta_zip3_region(net, zip3))) *
                   ETA_CLASSES +
               c;
    return (((uint64_t)service * ORDO_ZONES + (uint64_t)(zone - 1)) * ORDO_ZIP3_COUNT + zip3) *
               ETA_CLASSES +
           c;
}

/* Groups of equal keys in sorted pairs into entries with their counts. */
static int group_pairs(const uint64_t *v, size_t n, int width, eta_entry_t **out, uint32_t *n_out)
{
    size_t groups = 0;
    for (size_t i = 0; i < n; i++)
        groups += i == 0 || (v[i] >> 8) != (v[i - 1] >> 8);
    eta_entry_t *e = calloc(groups + 1, sizeof *e);
    if (!e)
        return ORDO_ENOMEM;
    size_t g = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || (v[i] >> 8) != (v[i - 1] >> 8))
            e[g++].key = v[i] >> 8;
        int val = (int)(v[i] & 0xff);
        e[g - 1].count[val < width ? val : width - 1]++;
        e[g - 1].n++;
    }
    *out = e;
    *n_out = (uint32_t)groups;
    return ORDO_OK;
}

static int fit_level(const eta_train_t *t, int level, int width, eta_entry_t **out, uint32_t *n)
{
    size_t np;
    uint64_t *v = level_pairs(t, level, &np);
    if (!v)
        return ORDO_ENOMEM;
    int rc = group_pairs(v, np, width, out, n);
    free(v);
    return rc;
}

/* ---- lane-days: how many independent observations a row holds ---- */

/* A lane's parcels of one ship day share that day's line-haul and sort
 * (they are early or late together: SIM.md "The true lane model"), so a
 * row's parcels of one lane-day are not independent observations of its
 * transit. For a transit level (destinations, lanes) the intra-lane-day
 * correlation rho of transit days is estimated by a one-way analysis of
 * variance of the lane-days (node, ship day) nested in the level's rows,
 * and each row's n is replaced by its effective size, Kish's
 * n / (1 + (n / c - 1) rho) for its c lane-days: n when rho is 0 or every
 * lane-day holds one parcel, c when a lane-day's parcels always agree. */
typedef struct eta_lane_day {
    uint64_t key, day; /* the entry's key; node << 32 | ship day */
    int transit;
} eta_lane_day_t;

static int cmp_lane_day(const void *a, const void *b)
{
    const eta_lane_day_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->day < y->day ? -1 : x->day > y->day;
}

/* The sums of the analysis of variance over the sorted lane-days. */
typedef struct eta_anova {
    double n, ssw, ssb, sum_m2; /* shipments, within, between (rows' lane-days),
                                   sum over rows of sum(m_c^2) / n_row */
    double clusters, rows;
} eta_anova_t;

/* rho from the sums: (MSB - MSW) / (MSB + (m0 - 1) MSW), in [0, 1]; 0
 * when there is no lane-day to compare with another of its row. */
static double anova_rho(const eta_anova_t *a)
{
    double df_b = a->clusters - a->rows, df_w = a->n - a->clusters;
    if (df_b < 1 || df_w < 1)
        return 0;
    double msb = a->ssb / df_b, msw = a->ssw / df_w, m0 = (a->n - a->sum_m2) / df_b;
    double den = msb + (m0 - 1) * msw;
    double rho = den > 0 ? (msb - msw) / den : 0;
    return rho < 0 ? 0 : rho > 1 ? 1 : rho;
}

/* One row's lane-days v[0..k): adds to the sums, returns its lane-days. */
static uint32_t anova_row(const eta_lane_day_t *v, size_t k, eta_anova_t *a)
{
    double row_sum = 0, sum_c2 = 0, sum_m2 = 0, sum_y2 = 0;
    uint32_t c = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        double sum = 0;
        while (j < k && v[j].day == v[i].day) {
            sum += v[j].transit;
            sum_y2 += (double)v[j].transit * v[j].transit;
            j++;
        }
        double m = (double)(j - i);
        sum_c2 += sum * sum / m;
        sum_m2 += m * m;
        row_sum += sum;
        c++;
        i = j;
    }
    a->n += (double)k;
    a->ssw += sum_y2 - sum_c2;
    a->ssb += sum_c2 - row_sum * row_sum / (double)k;
    a->sum_m2 += sum_m2 / (double)k;
    a->clusters += c;
    a->rows++;
    return c;
}

/* Each entry's effective number of observations (see above). */
static double *level_effective_n(const eta_train_t *t, int level, const eta_entry_t *e,
                                 uint32_t n_e)
{
    eta_lane_day_t *v = malloc((t->n + 1) * sizeof *v);
    uint32_t *days = calloc((size_t)n_e + 1, sizeof *days);
    double *eff = calloc((size_t)n_e + 1, sizeof *eff);
    if (!v || !days || !eff) {
        free(v);
        free(days);
        free(eff);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        const ordo_eta_obs_t *o = &t->obs[i];
        int tr;
        if ((o->time >= t->until && t->until) || (tr = ordo_eta_obs_transit(t->net, o)) < 0)
            continue;
        uint64_t key = eta_key(t->net, level, o->node, (uint32_t)o->service, o->zip3,
                               ordo_eta_obs_class(t->net, o));
        if (key != UINT64_MAX)
            v[k++] = (eta_lane_day_t){key, (uint64_t)o->node << 32 | (uint32_t)o->ship_day, tr};
    }
    qsort(v, k, sizeof *v, cmp_lane_day);
    eta_anova_t a = {0};
    uint32_t j = 0; /* the entries and v are both sorted by key */
    for (size_t i = 0; i < k;) {
        size_t r = i;
        while (r < k && v[r].key == v[i].key)
            r++;
        uint32_t c = anova_row(v + i, r - i, &a);
        while (j < n_e && e[j].key < v[i].key)
            j++;
        if (j < n_e && e[j].key == v[i].key)
            days[j] = c;
        i = r;
    }
    double rho = anova_rho(&a);
    for (uint32_t i = 0; i < n_e; i++) {
        double n = e[i].n, c = days[i] ? days[i] : n;
        eff[i] = n > 0 ? n / (1 + (n / c - 1) * rho) : 0;
    }
    free(v);
    free(days);
    return eff;
}

static int cmp_entry(const void *a, const void *b)
{
    uint64_t x = ((const eta_entry_t *)a)->key, y = ((const eta_entry_t *)b)->key;
    return x < y ? -1 : x > y;
}

/* The pooled levels, (service, zone, region) and (service, zone), in one
 * sorted array. */
static int fit_pool(const eta_train_t *t, ordo_eta_model_t *m)
{
    eta_entry_t *a = NULL, *b = NULL;
    uint32_t na = 0, nb = 0;
    int rc = fit_level(t, ETA_POOL, DAYS, &a, &na);
    if (!rc)
        rc = fit_level(t, ETA_POOL_ALL, DAYS, &b, &nb);
    eta_entry_t *all = rc ? NULL : realloc(a, ((size_t)na + nb + 1) * sizeof *a);
    if (!all) {
        free(a);
        free(b);
        return ORDO_ENOMEM;
    }
    memcpy(all + na, b, (size_t)nb * sizeof *b);
    free(b);
    qsort(all, (size_t)na + nb, sizeof *all, cmp_entry);
    m->pool = all;
    m->n_pool = na + nb;
    return ORDO_OK;
}

/* The published pmf of a pooled key's (service, zone). */
static void published_pmf(const ordo_network_t *net, uint64_t pool_key, double *pmf)
{
    uint64_t r = pool_key / ETA_CLASSES / (ETA_ALL_REGIONS + 1);
    const double *pr = net->services[r / ORDO_ZONES % net->n_services].transit[r % ORDO_ZONES];
    memcpy(pmf, pr, DAYS * sizeof *pmf);
}

/* A (service, zone, class) row: the top of the pooled levels. */
static bool pool_top(uint64_t key)
{
    return key / ETA_CLASSES % (ETA_ALL_REGIONS + 1) == ETA_ALL_REGIONS;
}

/* posterior = (counts + k × prior) / (n + k) */
static void shrink(const eta_entry_t *e, double k, const double *prior, double *pmf, int width)
{
    for (int d = 0; d < width; d++)
        pmf[d] = (e->count[d] + k * prior[d]) / (e->n + k);
}

/* posterior = (m × counts / n + k × prior) / (m + k): a transit row's
 * own shares weighted by its effective size m (m = n: shrink). */
static void shrink_effective(const eta_entry_t *e, double m, double k, const double *prior,
                             double *pmf)
{
    if (!e->n || m >= e->n) {
        shrink(e, k, prior, pmf, DAYS);
        return;
    }
    for (int d = 0; d < DAYS; d++)
        pmf[d] = ((double)m * e->count[d] / e->n + k * prior[d]) / (m + k);
}

const eta_entry_t *eta_find(const eta_entry_t *e, uint32_t n, uint64_t key)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && e[lo].key == key ? &e[lo] : NULL;
}

/* The parent key of a destination (its pooled (service, zone, region)) or
 * of a pooled (service, zone, region) (its (service, zone)). */
static uint64_t parent_key(const ordo_network_t *net, int level, uint64_t key)
{
    uint64_t c = key % ETA_CLASSES, r = key / ETA_CLASSES;
    if (level == ETA_POOL)
        return (r - r % (ETA_ALL_REGIONS + 1) + ETA_ALL_REGIONS) * ETA_CLASSES + c;
    uint64_t region = (uint64_t)eta_zip3_region(net, (uint16_t)(r % ORDO_ZIP3_COUNT));
    uint64_t sz = r / ORDO_ZIP3_COUNT;
    return (sz * (ETA_ALL_REGIONS + 1) + region) * ETA_CLASSES + c;
}

/* A lane key's destination key. */
static uint64_t lane_dest_key(const ordo_network_t *net, uint64_t key)
{
    uint64_t lz = key / ETA_CLASSES, ns = lz / ORDO_ZIP3_COUNT;
    return eta_key(net, ETA_DEST, (uint32_t)(ns / net->n_services),
                   (uint32_t)(ns % net->n_services), (uint16_t)(lz % ORDO_ZIP3_COUNT),
                   (int)(key % ETA_CLASSES));
}

/* Pooled levels from the published histogram down, then destinations, then
 * lanes, each shrunk toward its parent (every parent has the child's
 * observations, so it exists). */
static void fit_pmfs(ordo_eta_model_t *m, const double *dest_eff, const double *lane_eff)
{
    const ordo_network_t *net = m->net;
    const ordo_eta_params_t *P = &m->info.params;
    for (int rural = 0; rural < 2; rural++)
        for (uint32_t i = 0; i < m->n_pool; i++) {
            eta_entry_t *e = &m->pool[i];
            if (!pool_top(e->key) || (e->key & 2) != (rural ? 2u : 0u))
                continue;
            const eta_entry_t *u = rural ? eta_find(m->pool, m->n_pool, e->key - 2) : NULL;
            double prior[DAYS];
            if (u)
                memcpy(prior, u->pmf, sizeof prior);
            else
                published_pmf(net, e->key, prior);
            shrink(e, u ? P->k_rural : P->k_top, prior, e->pmf, DAYS);
        }
    for (uint32_t i = 0; i < m->n_pool; i++) {
        eta_entry_t *e = &m->pool[i];
        if (e->key / ETA_CLASSES % (ETA_ALL_REGIONS + 1) == ETA_ALL_REGIONS)
            continue;
        const eta_entry_t *p = eta_find(m->pool, m->n_pool, parent_key(net, ETA_POOL, e->key));
        shrink(e, P->k_region, p->pmf, e->pmf, DAYS);
    }
    for (uint32_t i = 0; i < m->n_dests; i++) {
        eta_entry_t *e = &m->dests[i];
        const eta_entry_t *p = eta_find(m->pool, m->n_pool, parent_key(net, ETA_DEST, e->key));
        shrink_effective(e, dest_eff[i], P->k_dest, p->pmf, e->pmf);
    }
    for (uint32_t i = 0; i < m->n_lanes; i++) {
        eta_entry_t *l = &m->lanes[i];
        const eta_entry_t *r = eta_find(m->dests, m->n_dests, lane_dest_key(net, l->key));
        shrink_effective(l, lane_eff[i], P->k_lane, r->pmf, l->pmf);
    }
}

/* ---- how much each level is shrunk: the method of moments ---- */

/* A cell's shares count[d] / n observed as m independent units (m <= n:
 * its effective size; m = n: its shipments). */
static void mom_add_units(ordo_eta_mom_t *s, const uint32_t *count, uint32_t n, double m,
                          const double *parent, int width)
{
    if (m > n)
        m = n;
    if (m < 2)
        return;
    double x2 = 0;
    int d_eff = 0;
    for (int d = 0; d < width; d++) {
        if (!(parent[d] > 1e-12))
            continue;
        double f = (double)count[d] / n - parent[d];
        x2 += m * f * f / parent[d];
        d_eff++;
    }
    if (d_eff < 2) /* a certain parent says nothing about the spread */
        return;
    s->x2 += x2;
    s->e0 += d_eff - 1;
    s->e1 += (double)(d_eff - 1) * (m - 1);
}

void ordo_eta_mom_add(ordo_eta_mom_t *s, const uint32_t *count, uint32_t n, const double *parent,
                      int width)
{
    mom_add_units(s, count, n, n, parent, width);
}

double ordo_eta_mom_k(const ordo_eta_mom_t *s, double dflt)
{
    if (!(s->e1 > 0))
        return dflt;
    double rho = (s->x2 - s->e0) / s->e1;
    if (rho <= 1 / (ORDO_ETA_K_MAX + 1))
        return ORDO_ETA_K_MAX;
    double k = 1 / rho - 1;
    return k < ORDO_ETA_K_MIN ? ORDO_ETA_K_MIN : k;
}

/* An entry's empirical pmf (its counts over n). */
static void empirical_pmf(const eta_entry_t *e, double *pmf)
{
    for (int d = 0; d < DAYS; d++)
        pmf[d] = e->n ? (double)e->count[d] / e->n : 0;
}

/* The strengths left to estimate (NAN or negative): the (service, zone)
 * rows about the published histograms, the destinations about their
 * (service, zone, region) and the lanes about their destination, each from
 * the counts (before any shrinkage). */
static void estimate_k(ordo_eta_model_t *m, const double *dest_eff, const double *lane_eff)
{
    const ordo_network_t *net = m->net;
    ordo_eta_params_t *P = &m->info.params;
    ordo_eta_mom_t top = {0}, rural = {0}, dest = {0}, lane = {0};
    double pi[DAYS];
    for (uint32_t i = 0; i < m->n_pool; i++) {
        const eta_entry_t *e = &m->pool[i];
        if (!pool_top(e->key))
            continue;
        /* a rural row about its urban sibling, an urban row (or a rural
         * one without sibling) about the published histogram */
        const eta_entry_t *u = e->key & 2 ? eta_find(m->pool, m->n_pool, e->key - 2) : NULL;
        if (u)
            empirical_pmf(u, pi);
        else
            published_pmf(net, e->key, pi);
        ordo_eta_mom_add(u ? &rural : &top, e->count, e->n, pi, DAYS);
    }
    for (uint32_t i = 0; !(P->k_dest >= 0) && i < m->n_dests; i++) {
        const eta_entry_t *e = &m->dests[i];
        empirical_pmf(eta_find(m->pool, m->n_pool, parent_key(net, ETA_DEST, e->key)), pi);
        mom_add_units(&dest, e->count, e->n, dest_eff[i], pi, DAYS);
    }
    for (uint32_t i = 0; !(P->k_lane >= 0) && i < m->n_lanes; i++) {
        const eta_entry_t *e = &m->lanes[i];
        empirical_pmf(eta_find(m->dests, m->n_dests, lane_dest_key(net, e->key)), pi);
        mom_add_units(&lane, e->count, e->n, lane_eff[i], pi, DAYS);
    }
    if (!(P->k_top >= 0))
        P->k_top = ordo_eta_mom_k(&top, K_TOP_DFLT);
    if (!(P->k_rural >= 0))
        P->k_rural = ordo_eta_mom_k(&rural, K_RURAL_DFLT);
    if (!(P->k_dest >= 0))
        P->k_dest = ordo_eta_mom_k(&dest, K_DEST_DFLT);
    if (!(P->k_lane >= 0))
        P->k_lane = ordo_eta_mom_k(&lane, K_LANE_DFLT);
}

/* Processing rows: the (node, cutoff) level from all nodes' (cutoff), each
 * load bucket from its (node, cutoff). */
static void fit_proc(ordo_eta_model_t *m)
{
    double all[2][PROC] = {{0}}, tot[2] = {0};
    uint32_t nn = m->net->n_nodes;
    double (*node)[PROC] = calloc((size_t)nn * 2 + 1, sizeof *node);
    double *nn_n = calloc((size_t)nn * 2 + 1, sizeof *nn_n);
    for (uint32_t i = 0; node && nn_n && i < m->n_proc; i++) {
        const eta_entry_t *e = &m->proc[i];
        uint64_t nc = e->key / ORDO_LANE_LOAD_BUCKETS;
        for (int j = 0; j < PROC; j++) {
            all[nc & 1][j] += e->count[j];
            node[nc][j] += e->count[j];
        }
        tot[nc & 1] += e->n;
        nn_n[nc] += e->n;
    }
    double k = m->info.params.k_proc;
    for (uint32_t i = 0; node && nn_n && i < m->n_proc; i++) {
        eta_entry_t *e = &m->proc[i];
        uint64_t nc = e->key / ORDO_LANE_LOAD_BUCKETS;
        double p_all[PROC], p_node[PROC];
        for (int j = 0; j < PROC; j++)
            p_all[j] = tot[nc & 1] > 0 ? all[nc & 1][j] / tot[nc & 1] : j == 0;
        for (int j = 0; j < PROC; j++)
            p_node[j] = (node[nc][j] + k * p_all[j]) / (nn_n[nc] + k);
        shrink(e, k, p_node, e->pmf, PROC);
    }
    free(node);
    free(nn_n);
}

/* pmf = (counts + k × prior) / (n + k) from raw counts */
static void shrink_counts(const double *count, double n, double k, const double *prior,
                          double *pmf)
{
    for (int j = 0; j < PROC; j++)
        pmf[j] = (count[j] + k * prior[j]) / (n + k);
}

/* Slot rows (node, cutoff, slot, load) shrunk toward the node's (cutoff,
 * slot), toward all nodes' (cutoff, slot), toward all nodes' cutoff row. */
static int eta_fit_slots(const eta_train_t *t, ordo_eta_model_t *m)
{
    int rc = fit_level(t, ETA_SLOT, PROC, &m->slot, &m->n_slot);
    if (rc)
        return rc;
    enum { G = 2 * ORDO_ETA_SLOTS };
    size_t nn = (size_t)m->net->n_nodes * G;
    double (*cnt)[PROC + 1] = calloc(nn + 2 * G + 2, sizeof *cnt);
    double (*pmf)[PROC] = calloc(nn + 2 * G + 2, sizeof *pmf);
    if (!cnt || !pmf) {
        free(cnt);
        free(pmf);
        return ORDO_ENOMEM;
    }
    /* cnt rows: [0, nn) node (cutoff, slot); nn + g all nodes' (cutoff,
     * slot); nn + G + a all nodes' cutoff a; [j] counts, [PROC] n */
    for (uint32_t i = 0; i < m->n_slot; i++) {
        const eta_entry_t *e = &m->slot[i];
        size_t ns = e->key / ORDO_LANE_LOAD_BUCKETS, g = ns % G;
        size_t rows[3] = {ns, nn + g, nn + G + g / ORDO_ETA_SLOTS};
        for (int r = 0; r < 3; r++) {
            for (int j = 0; j < PROC; j++)
                cnt[rows[r]][j] += e->count[j];
            cnt[rows[r]][PROC] += e->n;
        }
    }
    double k = m->info.params.k_proc;
    for (size_t a = 0; a < 2; a++)
        for (int j = 0; j < PROC; j++)
            pmf[nn + G + a][j] = cnt[nn + G + a][PROC] > 0
                                     ? cnt[nn + G + a][j] / cnt[nn + G + a][PROC]
                                     : j == (int)a;
    for (size_t g = 0; g < G; g++)
        shrink_counts(cnt[nn + g], cnt[nn + g][PROC], k, pmf[nn + G + g / ORDO_ETA_SLOTS],
                      pmf[nn + g]);
    for (size_t ns = 0; ns < nn; ns++)
        if (cnt[ns][PROC] > 0)
            shrink_counts(cnt[ns], cnt[ns][PROC], k, pmf[nn + ns % G], pmf[ns]);
    for (uint32_t i = 0; i < m->n_slot; i++)
        shrink(&m->slot[i], k, pmf[m->slot[i].key / ORDO_LANE_LOAD_BUCKETS], m->slot[i].pmf,
               PROC);
    free(cnt);
    free(pmf);
    return ORDO_OK;
}

int ordo_eta_train(const ordo_network_t *net, const ordo_eta_obs_t *obs, size_t n, int64_t until,
                   const ordo_eta_params_t *params, ordo_eta_model_t **out, ordo_error_t *err)
{
    ordo_eta_model_t *m = eta_model_new(net);
    if (!m)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (params)
        m->info.params = *params;
    m->rural = true;
    eta_train_t t = {net, obs, n, until};
    int rc = fit_level(&t, ETA_DEST, DAYS, &m->dests, &m->n_dests);
    if (!rc)
        rc = fit_level(&t, ETA_LANE, DAYS, &m->lanes, &m->n_lanes);
    if (!rc)
        rc = fit_level(&t, ETA_PROC, PROC, &m->proc, &m->n_proc);
    if (!rc)
        rc = fit_pool(&t, m);
    if (!rc)
        rc = eta_fit_slots(&t, m);
    double *dest_eff = rc ? NULL : level_effective_n(&t, ETA_DEST, m->dests, m->n_dests);
    double *lane_eff = rc ? NULL : level_effective_n(&t, ETA_LANE, m->lanes, m->n_lanes);
    if (!rc && (!dest_eff || !lane_eff))
        rc = ORDO_ENOMEM;
    if (rc) {
        free(dest_eff);
        free(lane_eff);
        ordo_eta_model_destroy(m);
        return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory training the ETA model");
    }
    estimate_k(m, dest_eff, lane_eff);
    fit_pmfs(m, dest_eff, lane_eff);
    free(dest_eff);
    free(lane_eff);
    fit_proc(m);
    eta_train_span(m, obs, n, until);
    m->info.created = (int64_t)time(NULL);
    if ((rc = eta_model_build(m, err))) {
        ordo_eta_model_destroy(m);
        return rc;
    }
    *out = m;
    return ORDO_OK;
}
