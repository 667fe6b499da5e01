/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the lane table (include/ordo/lanes.h): learned transit
 * distributions per lane and processing delay per node, read by the engine. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/lanes.h"

ordo_lanes_t *ordo_lanes_new(uint32_t n_nodes, uint32_t n_services, uint32_t n_dists)
{
    ordo_lanes_t *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->n_nodes = n_nodes;
    l->n_services = n_services;
    l->n_dists = n_dists;
    size_t n_lanes = ordo_lanes_cells(l);
    l->dists = calloc(n_dists ? n_dists : 1, sizeof *l->dists);
    l->lane = malloc((n_lanes ? n_lanes : 1) * sizeof *l->lane);
    l->proc = calloc((size_t)n_nodes * 2 * ORDO_LANE_LOAD_BUCKETS + 1, sizeof *l->proc);
    if (!l->dists || !l->lane || !l->proc) {
        ordo_lanes_destroy(l);
        return NULL;
    }
    memset(l->lane, 0xff, n_lanes * sizeof *l->lane); /* ORDO_LANES_NONE */
    return l;
}

void ordo_lanes_destroy(ordo_lanes_t *l)
{
    if (!l)
        return;
    free(l->dists);
    free(l->lane);
    free(l->proc);
    free(l);
}

ordo_lanes_t *ordo_lanes_copy(const ordo_lanes_t *s)
{
    ordo_lanes_t *l = ordo_lanes_new(s->n_nodes, s->n_services, s->n_dists);
    if (!l)
        return NULL;
    memcpy(l->version, s->version, sizeof l->version);
    memcpy(l->dists, s->dists, (size_t)s->n_dists * sizeof *s->dists);
    memcpy(l->lane, s->lane, ordo_lanes_cells(s) * sizeof *l->lane);
    memcpy(l->proc, s->proc, (size_t)s->n_nodes * 2 * ORDO_LANE_LOAD_BUCKETS * sizeof *l->proc);
    return l;
}

void ordo_lanes_set_pmf(ordo_lanes_t *l, uint32_t d, const double *pmf)
{
    ordo_lane_dist_t *t = &l->dists[d];
    double sum = 0;
    for (int i = 0; i < ORDO_TRANSIT_DAYS; i++)
        sum += pmf[i] > 0 ? pmf[i] : 0;
    bool norm = sum > 0 && fabs(sum - 1) > 1e-9;
    double c = 0;
    for (int i = 0; i < ORDO_TRANSIT_DAYS; i++) {
        t->pmf[i] = pmf[i] > 0 ? norm ? pmf[i] / sum : pmf[i] : 0;
        c += t->pmf[i];
        t->cdf[i] = c > 1 ? 1 : c;
    }
    if (norm || sum <= 0)
        t->cdf[ORDO_TRANSIT_DAYS - 1] = 1;
    /* tail[k] = E[max(0, T − k)] = Σ_t pmf[t] · max(0, t − k) */
    for (int k = 0; k < ORDO_TRANSIT_DAYS; k++) {
        double e = 0;
        for (int i = 0; i < ORDO_TRANSIT_DAYS; i++) {
            int a = i - k;
            e += t->pmf[i] * (a > 0 ? a : 0);
        }
        t->tail[k] = e;
    }
}

int ordo_lanes_load_bucket(double util)
{
    return util < 0.5 ? 0 : util < 0.8 ? 1 : util < 1.0 ? 2 : util < 1.5 ? 3 : 4;
}

const double *ordo_lanes_proc(const ordo_lanes_t *l, uint32_t node, bool after_cutoff,
                              int bucket)
{
    if (!l || node >= l->n_nodes || bucket < 0 || bucket >= ORDO_LANE_LOAD_BUCKETS)
        return NULL;
    const double *row = l->proc[((size_t)node * 2 + (after_cutoff ? 1 : 0)) *
                                    ORDO_LANE_LOAD_BUCKETS +
                                (size_t)bucket];
    double sum = 0;
    for (int j = 0; j < ORDO_LANE_PROC_DAYS; j++)
        sum += row[j];
    return sum > 0 ? row : NULL;
}
