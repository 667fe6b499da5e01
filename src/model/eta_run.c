/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — a run's training data for the ETA model: its decision records
 * joined with the store's outcome events, one observation per shipment
 * (include/ordo/model.h "a run's shipments for training"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/arena.h"
#include "ordo/calendar.h"
#include "ordo/datadir.h"
#include "ordo/geo.h"
#include "ordo/log.h"
#include "ordo/model.h"
#include "ordo/record.h"
#include "ordo/store.h"
#include "ordo/util.h"

typedef struct dec {
    const char *order_id;
    uint32_t first, n; /* its shipments in obs */
} dec_t;

typedef struct run_data {
    const ordo_network_t *net;
    ordo_eta_clock_t *clock;
    ordo_arena_t *ids;
    ordo_eta_obs_t *obs;
    size_t n_obs, cap_obs;
    dec_t *dec;
    size_t n_dec, cap_dec;
    int32_t *load_day; /* per node: the local day load_units counts */
    double *load_units;
    uint64_t orders_joined;
} run_data_t;

static void run_data_free(run_data_t *d)
{
    free(d->dec);
    free(d->load_day);
    free(d->load_units);
    ordo_arena_destroy(d->ids);
    ordo_eta_clock_destroy(d->clock);
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

static int add_decision(run_data_t *d, const ordo_record_t *r)
{
    if (r->shadow || !r->plan.present || !r->has_time || !r->order_id || !r->order.zip)
        return ORDO_OK;
    int zip = atoi(r->order.zip);
    uint32_t n = r->plan.n_shipments;
    if (grow((void **)&d->obs, &d->cap_obs, d->n_obs + n, sizeof *d->obs) ||
        grow((void **)&d->dec, &d->cap_dec, d->n_dec + 1, sizeof *d->dec))
        return ORDO_ENOMEM;
    dec_t *e = &d->dec[d->n_dec];
    if (!(e->order_id = ordo_arena_strdup(d->ids, r->order_id)))
        return ORDO_ENOMEM;
    e->first = (uint32_t)d->n_obs;
    e->n = n;
    for (uint32_t i = 0; i < n; i++)
        obs_from_shipment(d, r, &r->plan.shipments[i], zip < 0 ? 0u : (uint32_t)zip, &d->obs[d->n_obs + i]);
    d->n_obs += n;
    d->n_dec++;
    return ORDO_OK;
}

static int read_decisions(run_data_t *d, const char *log_dir, ordo_error_t *err)
{
    ordo_log_query_t q = {.raw = true};
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(log_dir, &q, &it, err);
    if (rc)
        return rc;
    ordo_arena_t *arena = ordo_arena_create(1 << 16);
    ordo_log_record_t rec;
    while (arena && (rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        if (rec.type != ORDO_LOG_REC_DECISION)
            continue;
        ordo_record_t r;
        ordo_arena_reset(arena);
        if (ordo_record_read(rec.appended, rec.appended_len, 0, arena, &r, NULL))
            continue;
        if ((rc = add_decision(d, &r)))
            break;
    }
    if (!arena || rc == ORDO_ENOMEM)
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    ordo_arena_destroy(arena);
    ordo_log_iter_close(it);
    return rc < 0 ? rc : ORDO_OK;
}

static int cmp_dec(const void *a, const void *b)
{
    return strcmp(((const dec_t *)a)->order_id, ((const dec_t *)b)->order_id);
}

static const dec_t *find_dec(const run_data_t *d, const char *id)
{
    size_t lo = 0, hi = d->n_dec;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(d->dec[mid].order_id, id);
        if (!c)
            return &d->dec[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Ship, delivery and promise days of the decided shipments. */
static void join_order(run_data_t *d, const dec_t *e, const ordo_outcome_summary_t *s,
                       const ordo_shipment_outcome_t *sh, size_t n)
{
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

static int join_outcomes(run_data_t *d, const char *data, ordo_error_t *err)
{
    qsort(d->dec, d->n_dec, sizeof *d->dec, cmp_dec);
    ordo_store_t *st;
    int rc = ordo_store_open_existing(data, NULL, &st, err);
    if (rc)
        return rc;
    ordo_outcome_iter_t *it;
    if ((rc = ordo_store_outcome_iter_open(st, &it, err))) {
        ordo_store_close(st, NULL);
        return rc;
    }
    ordo_outcome_summary_t s;
    while ((rc = ordo_outcome_iter_next(it, &s, err)) == 1) {
        const dec_t *e = find_dec(d, s.order_id);
        size_t n;
        const ordo_shipment_outcome_t *sh = ordo_outcome_iter_shipments(it, &n);
        if (e)
            join_order(d, e, &s, sh, n);
    }
    ordo_outcome_iter_close(it);
    ordo_store_close(st, NULL);
    return rc < 0 ? rc : ORDO_OK;
}

int ordo_eta_run_read(const char *dir, const ordo_network_t *net, ordo_eta_run_t *out,
                      ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    run_data_t d = {.net = net};
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, dir, err);
    if (!rc)
        rc = ordo_eta_clock_new(net, &d.clock, err);
    if (rc)
        return rc;
    d.ids = ordo_arena_create(1 << 20);
    d.load_day = calloc(net->n_nodes + 1, sizeof *d.load_day);
    d.load_units = calloc(net->n_nodes + 1, sizeof *d.load_units);
    if (!d.ids || !d.load_day || !d.load_units)
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    uint64_t t0 = ordo_now_ns();
    if (!rc)
        rc = read_decisions(&d, dd.log, err);
    uint64_t t1 = ordo_now_ns();
    if (!rc)
        rc = join_outcomes(&d, dir, err);
    out->obs = d.obs;
    out->n_obs = d.n_obs;
    out->orders = d.n_dec;
    out->orders_joined = d.orders_joined;
    out->read_s = (double)(t1 - t0) / 1e9;
    out->join_s = (double)(ordo_now_ns() - t1) / 1e9;
    run_data_free(&d);
    if (rc)
        ordo_eta_run_free(out);
    return rc;
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
