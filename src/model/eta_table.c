/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — an ETA model's lane table and what it predicts: the dense table
 * the engine reads, lane distributions, and P(delivered by a day). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/calendar.h"
#include "ordo/util.h"

ordo_eta_model_t *eta_model_new(const ordo_network_t *net)
{
    ordo_eta_model_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->net = net;
    ordo_eta_params_default(&m->info.params);
    return m;
}

void ordo_eta_model_destroy(ordo_eta_model_t *m)
{
    if (!m)
        return;
    free(m->lanes);
    free(m->dests);
    free(m->proc);
    free(m->pool);
    free(m->slot);
    free(m->slot_row);
    ordo_lanes_destroy(m->table);
    free(m);
}

const ordo_eta_info_t *ordo_eta_model_info(const ordo_eta_model_t *m)
{
    return &m->info;
}

void ordo_eta_model_set_run(ordo_eta_model_t *m, const char *run, uint64_t orders)
{
    snprintf(m->info.run, sizeof m->info.run, "%s", run ? run : "");
    m->info.orders = orders;
}

const ordo_lanes_t *ordo_eta_model_lanes(const ordo_eta_model_t *m)
{
    return m->table;
}

ordo_lanes_t *ordo_eta_model_take_lanes(const ordo_eta_model_t *m)
{
    return ordo_lanes_copy(m->table);
}

void eta_train_span(ordo_eta_model_t *m, const ordo_eta_obs_t *obs, size_t n, int64_t until)
{
    uint64_t k = 0;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        if (until && obs[i].time >= until)
            continue;
        if (ordo_eta_obs_transit(m->net, &obs[i]) < 0)
            continue;
        k++;
        lo = obs[i].time < lo ? obs[i].time : lo;
        hi = obs[i].time > hi ? obs[i].time : hi;
    }
    m->info.shipments = k;
    m->info.trained_from = k ? lo : 0;
    m->info.trained_until = until ? until : k ? hi + 1 : 0;
}

/* Transit keys are hashed as before the rural classes (format_version 4):
 * ship-day class in the last place, the rural bit as the top bit, so an
 * older file keeps its hash. */
static void hash_entries(ordo_buf_t *b, const eta_entry_t *e, uint32_t n, int width, bool transit)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t k = e[i].key;
        if (transit)
            k = (k / ETA_CLASSES * ORDO_LANE_CLASSES + (k & 1)) | (k & 2 ? 1ull << 63 : 0);
        ordo_buf_append(b, &k, sizeof k);
        ordo_buf_append(b, &e[i].n, sizeof e[i].n);
        ordo_buf_append(b, e[i].pmf, (size_t)width * sizeof *e[i].pmf);
    }
}

uint64_t eta_content_hash(const ordo_eta_model_t *m)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    hash_entries(&b, m->lanes, m->n_lanes, ORDO_TRANSIT_DAYS, true);
    hash_entries(&b, m->dests, m->n_dests, ORDO_TRANSIT_DAYS, true);
    hash_entries(&b, m->proc, m->n_proc, ORDO_LANE_PROC_DAYS, false);
    hash_entries(&b, m->pool, m->n_pool, ORDO_TRANSIT_DAYS, true);
    hash_entries(&b, m->slot, m->n_slot, ORDO_LANE_PROC_DAYS, false);
    /* the parameters of format_version 2, then those a file of version 3
     * sets (a file without them hashes as it was written) */
    const ordo_eta_params_t *P = &m->info.params;
    const double *k[] = {&P->k_lane, &P->k_region, &P->k_proc,
                         &P->k_dest, &P->k_top,    &P->k_rural};
    for (int i = 0; i < 6; i++)
        if (i < 3 || isfinite(*k[i]))
            ordo_buf_append(&b, k[i], sizeof *k[i]);
    uint64_t h = ordo_hash64(b.data ? b.data : "", b.len);
    ordo_buf_free(&b);
    return h;
}

/* dists: the pooled entries, then the destinations, then the lanes */
static uint32_t dist_of(const ordo_eta_model_t *m, int level, uint64_t key)
{
    const eta_entry_t *e = level == ETA_DEST ? m->dests : m->pool;
    uint32_t n = level == ETA_DEST ? m->n_dests : m->n_pool;
    const eta_entry_t *f = key == UINT64_MAX ? NULL : eta_find(e, n, key);
    if (!f)
        return ORDO_LANES_NONE;
    return (uint32_t)(f - e) + (level == ETA_DEST ? m->n_pool : 0);
}

/* Every lane of the node's services without data of its own: its
 * destination's distribution, else its (service, zone, region), else its
 * (service, zone), where learned. A model without rural rows (before
 * format_version 4) gives rural destinations the urban rows. */
static void fill_fallbacks(const ordo_eta_model_t *m, ordo_lanes_t *l, uint32_t node)
{
    const ordo_network_t *net = m->net;
    const ordo_node_t *nd = &net->nodes[node];
    static const int levels[] = {ETA_DEST, ETA_POOL, ETA_POOL_ALL};
    for (uint32_t k = 0; k < nd->n_services; k++) {
        uint32_t s = nd->services[k];
        for (uint32_t zc = 0; zc < ORDO_ZIP3_COUNT * ETA_CLASSES; zc++) {
            uint16_t z = (uint16_t)(zc / ETA_CLASSES);
            int c = (int)(zc % ETA_CLASSES), kc = m->rural ? c : c & 1;
            uint32_t *cell = &l->lane[ordo_lanes_index(l, node, s, z, c)];
            for (int i = 0; i < 3 && *cell == ORDO_LANES_NONE; i++)
                *cell = dist_of(m, levels[i], eta_key(net, levels[i], node, s, z, kc));
        }
    }
}

/* Processing rows; a (node, cutoff, load) cell without data takes the
 * nearest load bucket of the same node and cutoff. */
static void fill_proc(ordo_eta_model_t *m, ordo_lanes_t *l)
{
    for (uint32_t i = 0; i < m->n_proc; i++)
        if (m->proc[i].key < (uint64_t)l->n_nodes * 2 * ORDO_LANE_LOAD_BUCKETS)
            memcpy(l->proc[m->proc[i].key], m->proc[i].pmf, sizeof l->proc[0]);
    for (uint32_t nc = 0; nc < l->n_nodes * 2; nc++) {
        double (*row)[ORDO_LANE_PROC_DAYS] = &l->proc[nc * ORDO_LANE_LOAD_BUCKETS];
        for (int b = 0; b < ORDO_LANE_LOAD_BUCKETS; b++) {
            if (ordo_lanes_proc(l, nc / 2, nc & 1, b))
                continue;
            for (int d = 1; d < ORDO_LANE_LOAD_BUCKETS; d++) {
                int c = b - d >= 0 && ordo_lanes_proc(l, nc / 2, nc & 1, b - d) ? b - d
                        : b + d < ORDO_LANE_LOAD_BUCKETS &&
                                ordo_lanes_proc(l, nc / 2, nc & 1, b + d)
                            ? b + d
                            : -1;
                if (c >= 0) {
                    memcpy(row[b], row[c], sizeof row[b]);
                    break;
                }
            }
        }
    }
}

/* The dense slot rows; a (node, cutoff, slot) load bucket without data
 * takes the nearest bucket with data; a slot without data stays NULL. */
static int build_slots(ordo_eta_model_t *m)
{
    free(m->slot_row);
    m->slot_row = NULL;
    if (!m->n_slot)
        return ORDO_OK;
    size_t n = eta_slot_index(m->net->n_nodes, 0, 0, 0);
    if (!(m->slot_row = calloc(n + 1, sizeof *m->slot_row)))
        return ORDO_ENOMEM;
    for (uint32_t i = 0; i < m->n_slot; i++)
        if (m->slot[i].key < n)
            m->slot_row[m->slot[i].key] = m->slot[i].pmf;
    for (size_t g = 0; g < n / ORDO_LANE_LOAD_BUCKETS; g++) {
        const double **row = &m->slot_row[g * ORDO_LANE_LOAD_BUCKETS];
        for (int b = 0; b < ORDO_LANE_LOAD_BUCKETS; b++)
            for (int d = 1; !row[b] && d < ORDO_LANE_LOAD_BUCKETS; d++) {
                if (b - d >= 0 && row[b - d])
                    row[b] = row[b - d];
                else if (b + d < ORDO_LANE_LOAD_BUCKETS && row[b + d])
                    row[b] = row[b + d];
            }
    }
    return ORDO_OK;
}

int eta_model_build(ordo_eta_model_t *m, ordo_error_t *err)
{
    const ordo_network_t *net = m->net;
    uint32_t base = m->n_pool + m->n_dests;
    ordo_lanes_t *l = ordo_lanes_new(net->n_nodes, net->n_services, base + m->n_lanes);
    if (!l)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    for (uint32_t i = 0; i < m->n_pool; i++)
        ordo_lanes_set_pmf(l, i, m->pool[i].pmf);
    for (uint32_t i = 0; i < m->n_dests; i++)
        ordo_lanes_set_pmf(l, m->n_pool + i, m->dests[i].pmf);
    for (uint32_t i = 0; i < m->n_lanes; i++)
        ordo_lanes_set_pmf(l, base + i, m->lanes[i].pmf);
    for (uint32_t i = 0; i < m->n_lanes; i++) {
        /* key: ((node·S + service)·1000 + zip3)·4 + class */
        uint64_t k = m->lanes[i].key, nsz = k / ETA_CLASSES, ns = nsz / ORDO_ZIP3_COUNT;
        for (int r = 0; r < (m->rural ? 1 : ORDO_LANE_RURAL); r++)
            if (ns / net->n_services < net->n_nodes)
                l->lane[ordo_lanes_index(l, (uint32_t)(ns / net->n_services),
                                         (uint32_t)(ns % net->n_services),
                                         (uint16_t)(nsz % ORDO_ZIP3_COUNT),
                                         (int)(k % ETA_CLASSES) | r << 1)] = base + i;
    }
    for (uint32_t n = 0; n < net->n_nodes; n++)
        fill_fallbacks(m, l, n);
    fill_proc(m, l);
    if (build_slots(m)) {
        ordo_lanes_destroy(l);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    uint64_t h = eta_content_hash(m);
    snprintf(m->info.hash, sizeof m->info.hash, "%016llx", (unsigned long long)h);
    snprintf(l->version, sizeof l->version, "%s:%.8s",
             m->info.version[0] ? m->info.version : "eta", m->info.hash);
    m->info.lanes = m->n_lanes;
    m->info.destinations = m->n_dests;
    m->info.pooled = m->n_pool;
    m->info.processing_rows = m->n_proc;
    m->info.nodes = net->n_nodes;
    m->info.services = net->n_services;
    ordo_lanes_destroy(m->table);
    m->table = l;
    return ORDO_OK;
}

void ordo_eta_lane_cdf(const ordo_eta_model_t *m, const ordo_network_t *net, uint32_t node,
                       uint32_t service, uint16_t zip3, int cls, double cdf[ORDO_TRANSIT_DAYS],
                       int *level)
{
    const ordo_lane_dist_t *d = m ? ordo_lanes_get(m->table, node, service, zip3, cls) : NULL;
    if (d) {
        memcpy(cdf, d->cdf, sizeof d->cdf);
        uint32_t i = (uint32_t)(d - m->table->dists);
        if (level)
            *level = i >= m->n_pool + m->n_dests ? 3 : i >= m->n_pool ? 2 : 1;
        return;
    }
    int zone = ordo_network_zone(net, node, zip3);
    const double *pr = net->services[service].transit[(zone < 1 ? 1 : zone) - 1];
    double c = 0;
    for (int i = 0; i < ORDO_TRANSIT_DAYS; i++) {
        c += pr[i];
        cdf[i] = c > 1 ? 1 : c;
    }
    cdf[ORDO_TRANSIT_DAYS - 1] = 1;
    if (level)
        *level = 0;
}

double ordo_eta_prob_by(const ordo_eta_model_t *m, const ordo_network_t *net,
                        const ordo_eta_obs_t *o, int32_t day)
{
    double cdf[ORDO_LANE_CLASSES][ORDO_TRANSIT_DAYS];
    for (int c = 0; c < ORDO_LANE_CLASSES; c++)
        ordo_eta_lane_cdf(m, net, o->node, (uint32_t)o->service, o->zip3,
                          c | (o->rural ? 2 : 0), cdf[c], NULL);
    const double *proc = NULL;
    if (m->slot_row && o->cutoff_slot && o->cutoff_slot < ORDO_ETA_SLOTS &&
        o->node < net->n_nodes && o->load_bucket < ORDO_LANE_LOAD_BUCKETS)
        proc = m->slot_row[eta_slot_index(o->node, o->after_cutoff, o->cutoff_slot,
                                          o->load_bucket)];
    if (!proc)
        proc = ordo_lanes_proc(m->table, o->node, o->after_cutoff, o->load_bucket);
    double nominal[ORDO_LANE_PROC_DAYS] = {0};
    if (!proc) { /* no data for the node: its nominal processing */
        int j = net->nodes[o->node].processing_days + o->after_cutoff;
        nominal[j < ORDO_LANE_PROC_DAYS ? j : ORDO_LANE_PROC_DAYS - 1] = 1;
        proc = nominal;
    }
    unsigned mask = net->services[o->service].delivery_days;
    /* delay j: j working days in [order day, ship day), so the ship day is
     * the j-th working day after the first working day on or after it */
    int64_t first = ordo_cal_add_working(o->order_day, 0, ORDO_WEEK_MON_FRI);
    double p = 0;
    for (int j = 0; j < ORDO_LANE_PROC_DAYS; j++) {
        if (proc[j] <= 0)
            continue;
        int64_t ship = ordo_cal_add_working(first, j, ORDO_WEEK_MON_FRI);
        if (day < ship)
            continue;
        int k = ordo_cal_working_between(ship, day, mask);
        const double *c = cdf[ordo_lanes_ship_class(mask, ship)];
        p += proc[j] * c[k < ORDO_TRANSIT_DAYS ? k : ORDO_TRANSIT_DAYS - 1];
    }
    return p > 1 ? 1 : p;
}
