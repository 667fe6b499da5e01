/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — a run's training data for the ETA model: its decision records
 * joined with the store's outcome events, one observation per shipment
 * (include/ordo/model.h "a run's shipments for training"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/calendar.h"
#include "ordo/geo.h"

typedef struct dec {
    uint32_t first, n; /* its shipments in obs */
} dec_t;

struct eta_run_reader {
    const ordo_network_t *net;
    ordo_eta_clock_t *clock;
    ordo_eta_obs_t *obs;
    size_t n_obs, cap_obs;
    dec_t *dec;
    size_t n_dec, cap_dec;
    int32_t *load_day; /* per node: the local day load_units counts */
    double *load_units;
    uint64_t orders_joined;
};

typedef struct eta_run_reader run_data_t;

void eta_run_reader_free(run_data_t *d)
{
    if (!d)
        return;
    free(d->obs);
    free(d->dec);
    free(d->load_day);
    free(d->load_units);
    ordo_eta_clock_destroy(d->clock);
    free(d);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return ORDO_OK;
    size_t c = *cap ? *cap * 2 : 4096;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return ORDO_ENOMEM;
    *p = q;
    *cap = c;
    return ORDO_OK;
}

/* One shipment's observation, as decided (outcomes come later). */
static void obs_from_shipment(run_data_t *d, const ordo_record_t *r,
                              const ordo_record_shipment_t *s, uint32_t zip, ordo_eta_obs_t *o)
{
    memset(o, 0, sizeof *o);
    o->time = r->time;
    o->service = strcmp(s->service ? s->service : "pickup", "pickup")
                     ? ordo_network_service(d->net, s->service)
                     : -1;
    int32_t node = s->node ? ordo_network_node(d->net, s->node) : -1;
    o->logged_on_time = isfinite(s->on_time_prob) ? s->on_time_prob : NAN;
    o->zip3 = (uint16_t)(zip / 100 % ORDO_ZIP3_COUNT);
    o->rural = ordo_geo_zip_rural(d->net->geo ? d->net->geo : ordo_geo_default(), zip) == 1;
    if (node < 0) {
        o->service = -1;
        return;
    }
    o->node = (uint32_t)node;
    bool after = false;
    o->order_day = ordo_eta_clock_day(d->clock, o->node, r->time, &after);
    o->after_cutoff = after;
    o->cutoff_slot = (uint8_t)ordo_eta_clock_slot(d->clock, o->node, r->time);
    /* the node's load when decided: units it took earlier that local day */
    if (d->load_day[node] != o->order_day) {
        d->load_day[node] = o->order_day;
        d->load_units[node] = 0;
    }
    uint32_t cap = d->net->nodes[node].daily_capacity;
    o->load_bucket = (uint8_t)ordo_lanes_load_bucket(cap ? d->load_units[node] / cap : 0);
    d->load_units[node] += isfinite(s->units) ? s->units : 0;
}

/* A decision's shipments as observations (its row: the decision). */
static int add_decision(void *ctx, const ordo_record_t *r, uint32_t *row)
{
    run_data_t *d = ctx;
    if (!r->order.zip)
        return ORDO_OK;
    int zip = atoi(r->order.zip);
    uint32_t n = r->plan.n_shipments;
    if (grow((void **)&d->obs, &d->cap_obs, d->n_obs + n, sizeof *d->obs) ||
        grow((void **)&d->dec, &d->cap_dec, d->n_dec + 1, sizeof *d->dec))
        return ORDO_ENOMEM;
    dec_t *e = &d->dec[d->n_dec];
    e->first = (uint32_t)d->n_obs;
    e->n = n;
    for (uint32_t i = 0; i < n; i++)
        obs_from_shipment(d, r, &r->plan.shipments[i], zip < 0 ? 0u : (uint32_t)zip,
                          &d->obs[d->n_obs + i]);
    d->n_obs += n;
    *row = (uint32_t)d->n_dec++;
    return ORDO_OK;
}

/* Ship, delivery and promise days of the decided shipments. */
static void join_order(void *ctx, uint32_t row, const ordo_outcome_summary_t *s,
                       const ordo_shipment_outcome_t *sh, size_t n)
{
    run_data_t *d = ctx;
    const dec_t *e = &d->dec[row];
    for (size_t i = 0; i < n; i++) {
        if (sh[i].shipment >= e->n || !sh[i].shipped_at)
            continue;
        ordo_eta_obs_t *o = &d->obs[e->first + sh[i].shipment];
        if (o->service < 0)
            continue;
        o->ship_day = ordo_eta_clock_day(d->clock, o->node, sh[i].shipped_at, NULL);
        o->deliver_day = sh[i].delivered_at ? (int32_t)ordo_cal_day_of(sh[i].delivered_at) : 0;
        o->promise_day = s->promised_by ? (int32_t)ordo_cal_day_of(s->promised_by) : 0;
    }
    d->orders_joined++;
}

int eta_run_reader_new(const ordo_network_t *net, run_data_t **out, ordo_error_t *err)
{
    run_data_t *d = calloc(1, sizeof *d);
    if (!d)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    d->net = net;
    int rc = ordo_eta_clock_new(net, &d->clock, err);
    if (rc) {
        free(d);
        return rc;
    }
    d->load_day = calloc(net->n_nodes + 1, sizeof *d->load_day);
    d->load_units = calloc(net->n_nodes + 1, sizeof *d->load_units);
    if (!d->load_day || !d->load_units) {
        eta_run_reader_free(d);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    *out = d;
    return ORDO_OK;
}

model_run_sink_t eta_run_reader_sink(run_data_t *d)
{
    return (model_run_sink_t){.ctx = d, .record = add_decision, .outcome = join_order};
}

void eta_run_reader_finish(run_data_t *d, ordo_eta_run_t *out)
{
    memset(out, 0, sizeof *out);
    out->obs = d->obs;
    out->n_obs = d->n_obs;
    out->orders = d->n_dec;
    out->orders_joined = d->orders_joined;
    d->obs = NULL;
    eta_run_reader_free(d);
}

int ordo_eta_run_read(const char *dir, const ordo_network_t *net, ordo_eta_run_t *out,
                      ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    run_data_t *d;
    int rc = eta_run_reader_new(net, &d, err);
    if (rc)
        return rc;
    model_run_sink_t sink = eta_run_reader_sink(d);
    double read_s = 0, join_s = 0;
    if ((rc = model_run_read(dir, &sink, 1, &read_s, &join_s, err))) {
        eta_run_reader_free(d);
        return rc;
    }
    eta_run_reader_finish(d, out);
    out->read_s = read_s;
    out->join_s = join_s;
    return ORDO_OK;
}

void ordo_eta_run_free(ordo_eta_run_t *r)
{
    free(r->obs);
    r->obs = NULL;
    r->n_obs = 0;
}

int64_t ordo_eta_split_time(const ordo_network_t *net, const ordo_eta_obs_t *obs, size_t n,
                            double holdout)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < n; i++)
        if (ordo_eta_obs_transit(net, &obs[i]) >= 0) {
            lo = obs[i].time < lo ? obs[i].time : lo;
            hi = obs[i].time > hi ? obs[i].time : hi;
        }
    if (lo > hi || holdout <= 0)
        return 0;
    int64_t t = lo + (int64_t)((double)(hi - lo) * (1 - holdout));
    return ordo_cal_day_of(t) * 86400;
}
