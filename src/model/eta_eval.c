/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — scoring an ETA model on held-out deliveries: reliability of its
 * on-time probability, Brier score, p90 coverage, and pinball loss of lane
 * quantiles against the carrier histograms and the lane's recent weekday
 * mode (docs/internals/MODEL.md "Evaluation"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/calendar.h"
#include "ordo/util.h"

#define DAYS ORDO_TRANSIT_DAYS
#define MODE_WINDOW (28 * 86400) /* "recent": the last four weeks before the split */

double ordo_eta_pinball_loss(double y, double q, double tau)
{
    return y >= q ? tau * (y - q) : (1 - tau) * (q - y);
}

int ordo_eta_quantile(const double *cdf, int n, double p)
{
    for (int d = 0; d < n; d++)
        if (cdf[d] >= p - 1e-12)
            return d;
    return n - 1;
}

double ordo_eta_pit_below(double lo, double hi, double u)
{
    if (u <= lo)
        return 0;
    if (u >= hi)
        return 1;
    return (u - lo) / (hi - lo);
}

bool ordo_eta_pit_randomized_below(double lo, double hi, double u, double v)
{
    return lo + v * (hi - lo) <= u;
}

/* The uniform draw of a shipment's randomized PIT: a hash of the
 * observation, so an evaluation is reproducible and needs no seed. */
static double pit_draw(const ordo_eta_obs_t *o)
{
    uint64_t key[4] = {(uint64_t)o->time, o->node, (uint64_t)(int64_t)o->service,
                       (uint64_t)o->zip3 << 32 | (uint32_t)o->deliver_day};
    return (double)(ordo_hash64(key, sizeof key) >> 11) * 0x1p-53;
}

void ordo_eta_reliability_add(ordo_eta_reliability_t *r, double p, bool y)
{
    ordo_calib_acc_add(r, p, y);
}

double ordo_eta_calibration_error(const ordo_eta_reliability_t *r, uint64_t min_n)
{
    return ordo_calib_acc_max_gap(r, min_n);
}

double ordo_eta_brier(const ordo_eta_reliability_t *r)
{
    return r->total ? r->brier_sum / (double)r->total : NAN;
}

/* ---- the weekday-mode baseline ---- */

/* (lane key × 8 + weekday) → transit histogram over the recent window */
typedef struct mode_tab {
    uint64_t *keys; /* sorted key << 8 | transit */
    size_t n;
} mode_tab_t;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int mode_build(mode_tab_t *t, const ordo_network_t *net, const ordo_eta_obs_t *obs,
                      size_t n, int64_t from)
{
    t->keys = malloc((n + 1) * sizeof *t->keys);
    if (!t->keys)
        return ORDO_ENOMEM;
    t->n = 0;
    for (size_t i = 0; i < n; i++) {
        const ordo_eta_obs_t *o = &obs[i];
        int tr = ordo_eta_obs_transit(net, o);
        if (tr < 0 || o->time >= from || o->time < from - MODE_WINDOW)
            continue;
        uint64_t lane = eta_key(net, ETA_LANE, o->node, (uint32_t)o->service, o->zip3, 0);
        t->keys[t->n++] = ((lane * 8 + (uint64_t)ordo_cal_weekday(o->ship_day)) << 8) | (uint64_t)tr;
    }
    qsort(t->keys, t->n, sizeof *t->keys, cmp_u64);
    return ORDO_OK;
}

/* The mode of transit days among entries with key (>> 8) == k; -1 none. */
static int mode_of(const mode_tab_t *t, uint64_t k)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((t->keys[mid] >> 8) < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    int best = -1, best_n = 0;
    for (size_t i = lo; i < t->n && (t->keys[i] >> 8) == k;) {
        size_t j = i;
        while (j < t->n && t->keys[j] == t->keys[i])
            j++;
        if ((int)(j - i) > best_n) {
            best_n = (int)(j - i);
            best = (int)(t->keys[i] & 0xff);
        }
        i = j;
    }
    return best;
}

/* The weekday mode of the lane; else the lane's mode on any weekday; else
 * the published median. */
static int weekday_mode(const mode_tab_t *t, uint64_t lane, int wd, const double *published)
{
    int m = mode_of(t, lane * 8 + (uint64_t)wd);
    for (int d = 0; m < 0 && d < 7; d++)
        m = d == wd ? -1 : mode_of(t, lane * 8 + (uint64_t)d);
    return m >= 0 ? m : ordo_eta_quantile(published, DAYS, 0.5);
}

/* ---- scoring ---- */

static void pinball_add(ordo_eta_pinball_t *p, double y, double q50, double q90)
{
    p->p50 += ordo_eta_pinball_loss(y, q50, 0.5);
    p->p90 += ordo_eta_pinball_loss(y, q90, 0.9);
    p->n++;
}

/* ---- the held-out set's own quantiles by class (a bound, not a model) ---- */

/* What a model of the world's lasting transit terms could reach at best on
 * these deliveries: each (service, zone, region, class, weekday of
 * shipping) cell's own p50 and p90 of its held-out transit days, fitted on
 * the very deliveries it is scored on. The truth (docs/internals/SIM.md
 * "The true lane model") has no lasting term of a lane beyond these; what
 * it adds is each lane-day's shared offset, which no forecast made before
 * the day knows. */
static int ceiling_score(const ordo_network_t *net, const ordo_eta_obs_t *obs, size_t n,
                         int64_t from, ordo_eta_pinball_t *out)
{
    uint64_t *k = malloc((n + 1) * sizeof *k);
    if (!k)
        return ORDO_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const ordo_eta_obs_t *o = &obs[i];
        int y = ordo_eta_obs_transit(net, o);
        if (o->time < from || y < 0)
            continue;
        uint64_t cell = eta_key(net, ETA_POOL, o->node, (uint32_t)o->service, o->zip3,
                                ordo_eta_obs_class(net, o));
        k[m++] = ((cell * 8 + (uint64_t)ordo_cal_weekday(o->ship_day)) << 8) | (uint64_t)y;
    }
    qsort(k, m, sizeof *k, cmp_u64);
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && k[j] >> 8 == k[i] >> 8)
            j++;
        /* the pinball loss's minimiser: the ceil(tau n)-th smallest value */
        size_t c = j - i;
        double q50 = (double)(k[i + (c + 1) / 2 - 1] & 0xff);
        double q90 = (double)(k[i + (size_t)ceil(0.9 * (double)c) - 1] & 0xff);
        for (size_t t = i; t < j; t++)
            pinball_add(out, (double)(k[t] & 0xff), q50, q90);
        i = j;
    }
    free(k);
    return ORDO_OK;
}

static void score_lane(const ordo_eta_model_t *m, const ordo_network_t *net, const mode_tab_t *t,
                       const ordo_eta_obs_t *o, ordo_eta_eval_t *ev)
{
    int y = ordo_eta_obs_transit(net, o);
    if (y < 0)
        return;
    double cdf[DAYS], pub[DAYS];
    ordo_eta_lane_cdf(m, net, o->node, (uint32_t)o->service, o->zip3, ordo_eta_obs_class(net, o),
                      cdf, NULL);
    ordo_eta_lane_cdf(NULL, net, o->node, (uint32_t)o->service, o->zip3, 0, pub, NULL);
    pinball_add(&ev->lane_model, y, ordo_eta_quantile(cdf, DAYS, 0.5),
                ordo_eta_quantile(cdf, DAYS, 0.9));
    pinball_add(&ev->lane_carrier, y, ordo_eta_quantile(pub, DAYS, 0.5),
                ordo_eta_quantile(pub, DAYS, 0.9));
    uint64_t lane = eta_key(net, ETA_LANE, o->node, (uint32_t)o->service, o->zip3, 0);
    int mode = weekday_mode(t, lane, ordo_cal_weekday(o->ship_day), pub);
    pinball_add(&ev->lane_weekday_mode, y, mode, mode);
}

/* ---- the deciles' sampling error by lane-day ---- */

/* One held-out prediction: its decile, its lane-day and y − p. */
typedef struct resid {
    uint64_t lane;
    int32_t day;
    int32_t b;
    double r;
} resid_t;

typedef struct resid_tab {
    resid_t *r;
    size_t n;
    uint32_t clusters[ORDO_ETA_DECILES];
} resid_tab_t;

static int cmp_resid(const void *a, const void *b)
{
    const resid_t *x = a, *y = b;
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    if (x->lane != y->lane)
        return x->lane < y->lane ? -1 : 1;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return 0;
}

/* Σ over each decile's lane-days of (Σ y − p)², × G / (G − 1). */
static void lane_day_var(resid_tab_t *t, ordo_eta_eval_t *ev)
{
    qsort(t->r, t->n, sizeof *t->r, cmp_resid);
    for (size_t i = 0; i < t->n;) {
        size_t j = i;
        double sum = 0;
        for (; j < t->n && !cmp_resid(&t->r[i], &t->r[j]); j++)
            sum += t->r[j].r;
        ev->model_var_lane_day[t->r[i].b] += sum * sum;
        t->clusters[t->r[i].b]++;
        i = j;
    }
    for (int b = 0; b < ORDO_ETA_DECILES; b++) {
        double g = t->clusters[b];
        ev->model_var_lane_day[b] = g > 1 ? ev->model_var_lane_day[b] * g / (g - 1) : NAN;
    }
}

double ordo_eta_decile_se_lane_day(const ordo_eta_eval_t *e, int b)
{
    if (b < 0 || b >= ORDO_ETA_DECILES || !e->model.n[b] || !isfinite(e->model_var_lane_day[b]))
        return NAN;
    return sqrt(e->model_var_lane_day[b]) / (double)e->model.n[b];
}

/* On-time probability against the promise, and the p90 ETA's coverage. */
static void score_delivery(const ordo_eta_model_t *m, const ordo_network_t *net,
                           const ordo_eta_obs_t *o, ordo_eta_eval_t *ev, resid_tab_t *t)
{
    if (o->promise_day) {
        bool on_time = o->deliver_day <= o->promise_day;
        double p = ordo_eta_prob_by(m, net, o, o->promise_day);
        ordo_eta_reliability_add(&ev->model, p, on_time);
        int b = (int)(p * ORDO_ETA_DECILES); /* the reliability table's bin */
        b = b < 0 ? 0 : b >= ORDO_ETA_DECILES ? ORDO_ETA_DECILES - 1 : b;
        ev->model_var[b] += p * (1 - p);
        t->r[t->n++] = (resid_t){eta_key(net, ETA_LANE, o->node, (uint32_t)o->service, o->zip3, 0),
                                 o->ship_day, b, (on_time ? 1.0 : 0.0) - p};
        if (!isnan(o->logged_on_time))
            ordo_eta_reliability_add(&ev->logged, o->logged_on_time, on_time);
    }
    int32_t p90 = o->order_day;
    double f90 = 0;
    for (; p90 < o->order_day + 60; p90++)
        if ((f90 = ordo_eta_prob_by(m, net, o, p90)) >= 0.9 - 1e-12)
            break;
    double hi = ordo_eta_prob_by(m, net, o, o->deliver_day);
    double lo = ordo_eta_prob_by(m, net, o, o->deliver_day - 1);
    ev->p90_coverage += o->deliver_day <= p90;
    ev->p90_pit_coverage += ordo_eta_pit_below(lo, hi, 0.9);
    ev->p90_randomized += ordo_eta_pit_randomized_below(lo, hi, 0.9, pit_draw(o));
    ev->p90_claimed += f90;
    ev->coverage_n++;
}

double ordo_eta_decile_se(const ordo_eta_eval_t *e, int b)
{
    if (b < 0 || b >= ORDO_ETA_DECILES || !e->model.n[b])
        return NAN;
    return sqrt(e->model_var[b]) / (double)e->model.n[b];
}

int ordo_eta_evaluate(const ordo_eta_model_t *m, const ordo_network_t *net,
                      const ordo_eta_obs_t *obs, size_t n, int64_t from, ordo_eta_eval_t *out,
                      ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (!from)
        from = m->info.trained_until;
    mode_tab_t t;
    resid_tab_t rt = {.r = malloc((n + 1) * sizeof *rt.r)};
    if (!rt.r || mode_build(&t, net, obs, n, from)) {
        free(rt.r);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    out->from = from;
    out->until = from;
    for (size_t i = 0; i < n; i++) {
        const ordo_eta_obs_t *o = &obs[i];
        if (o->time < from || ordo_eta_obs_transit(net, o) < 0)
            continue;
        out->shipments++;
        out->until = o->time > out->until ? o->time : out->until;
        score_lane(m, net, &t, o, out);
        score_delivery(m, net, o, out, &rt);
    }
    free(t.keys);
    lane_day_var(&rt, out);
    free(rt.r);
    if (ceiling_score(net, obs, n, from, &out->lane_ceiling))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    ordo_eta_pinball_t *p[] = {&out->lane_model, &out->lane_carrier, &out->lane_weekday_mode,
                               &out->lane_ceiling};
    for (int k = 0; k < 4; k++)
        if (p[k]->n) {
            p[k]->p50 /= (double)p[k]->n;
            p[k]->p90 /= (double)p[k]->n;
        }
    if (out->coverage_n) {
        out->p90_coverage /= (double)out->coverage_n;
        out->p90_pit_coverage /= (double)out->coverage_n;
        out->p90_claimed /= (double)out->coverage_n;
        out->p90_randomized /= (double)out->coverage_n;
    }
    if (!out->shipments)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, NULL,
                              "no delivered shipment decided after the model's training "
                              "(trained until %lld): nothing held out to score",
                              (long long)from);
    return ORDO_OK;
}
