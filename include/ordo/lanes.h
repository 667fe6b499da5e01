/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — a lane table: the transit-time distribution of each lane (node,
 * carrier service, destination ZIP3) and the processing delay of each node,
 * as a learned model (module model, include/ordo/model.h) fills it and the
 * engine reads it (ordo_engine_set_lanes, source.h).
 *
 * The table is an immutable snapshot once built: any number of threads may
 * read it. It lives in core so that the engine can read it without knowing
 * how it was learned (docs/architecture.md, "Learned lanes").
 *
 * Distributions are over carrier delivery days after the ship day, as the
 * network's published histograms are (ordo_carrier_service_t.transit):
 * cdf[d] = P(transit <= d), d in 0..ORDO_TRANSIT_DAYS-1, and tail[k] =
 * E[max(0, T - k)], the expected days beyond k (lateness when the promise
 * leaves k days of transit). */
#ifndef ORDO_LANES_H
#define ORDO_LANES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "network.h"

#define ORDO_LANES_NONE UINT32_MAX /* a lane without a learned distribution */
#define ORDO_LANE_PROC_DAYS 8      /* ship delay 0..7 working days after the order's day */
#define ORDO_LANE_LOAD_BUCKETS 5   /* node load at the decision: <.5 .5-.8 .8-1 1-1.5 >=1.5 */
#define ORDO_LANES_VERSION_MAX 64
/* Ship-day class: 1 on a Friday (for every service: Friday shipments differ
 * also where Saturday is a delivery day) and when the day after the ship day
 * is not one of the service's delivery days, so the first delivery day
 * comes later; 0 otherwise. Lanes are learned per class. */
#define ORDO_LANE_CLASSES 2
/* Destination kinds: 0 urban, 1 rural (ordo_geo_zip_rural of the ship-to
 * ZIP: the last mile to a rural ZIP is slower). A lane's class argument
 * carries the kind in bit 1: cls = ship-day class | rural << 1. */
#define ORDO_LANE_RURAL 2

typedef struct ordo_lane_dist {
    double pmf[ORDO_TRANSIT_DAYS];
    double cdf[ORDO_TRANSIT_DAYS];
    double tail[ORDO_TRANSIT_DAYS];
} ordo_lane_dist_t;

typedef struct ordo_lanes {
    char version[ORDO_LANES_VERSION_MAX]; /* the model's version, "eta-v3:1f2e..." */
    uint32_t n_nodes, n_services;         /* the network it was built for */
    uint32_t n_dists;
    ordo_lane_dist_t *dists;
    /* lane[ordo_lanes_index(...)]: index into dists, or ORDO_LANES_NONE
     * (the published histogram applies). Destination kind, then ZIP3
     * major: the lanes one order looks up (its kind and ZIP3, every node
     * and service) lie together. */
    uint32_t *lane;
    /* proc[((node * 2 + after_cutoff) * ORDO_LANE_LOAD_BUCKETS + bucket)]
     * [j]: P(ships j working days after the order's day) */
    double (*proc)[ORDO_LANE_PROC_DAYS];
    struct ordo_lanes *retired_next; /* the engine's retired list */
} ordo_lanes_t;

/* An empty table for a network of n_nodes nodes and n_services services
 * with room for n_dists distributions (every lane ORDO_LANES_NONE, every
 * processing row zero). NULL when out of memory. */
ordo_lanes_t *ordo_lanes_new(uint32_t n_nodes, uint32_t n_services, uint32_t n_dists);
void ordo_lanes_destroy(ordo_lanes_t *l);
/* A copy for another owner (the engine takes ownership of what it is
 * given); NULL when out of memory. */
ordo_lanes_t *ordo_lanes_copy(const ordo_lanes_t *l);

/* Fills dist d from a probability mass over 0..15 days (normalized here
 * unless it sums to 1 within 1e-9; the last day holds the mass of later
 * days). The cdf and tail are summed in the order the engine sums the
 * published histograms, so a table of published rows decides exactly as
 * the published histograms do. */
void ordo_lanes_set_pmf(ordo_lanes_t *l, uint32_t d, const double *pmf);

/* cls: ship-day class (bit 0) | rural destination (bit 1). Rural-major,
 * then ZIP3: one order's lanes (its kind and ZIP3, every node, service
 * and ship-day class) lie together. */
static inline size_t ordo_lanes_index(const ordo_lanes_t *l, uint32_t node, uint32_t service,
                                      uint16_t zip3, int cls)
{
    size_t z = (size_t)(cls >> 1 & 1) * ORDO_ZIP3_COUNT + zip3;
    return ((z * l->n_nodes + node) * l->n_services + service) * ORDO_LANE_CLASSES + (cls & 1);
}

/* The number of lane cells (the length of lane[]). */
static inline size_t ordo_lanes_cells(const ordo_lanes_t *l)
{
    return (size_t)l->n_nodes * l->n_services * ORDO_ZIP3_COUNT * ORDO_LANE_CLASSES *
           ORDO_LANE_RURAL;
}

/* The learned distribution of a lane, or NULL (use the published one). */
static inline const ordo_lane_dist_t *ordo_lanes_get(const ordo_lanes_t *l, uint32_t node,
                                                     uint32_t service, uint16_t zip3, int cls)
{
    if (!l || node >= l->n_nodes || service >= l->n_services || zip3 >= ORDO_ZIP3_COUNT)
        return NULL;
    uint32_t d = l->lane[ordo_lanes_index(l, node, service, zip3, cls)];
    return d == ORDO_LANES_NONE ? NULL : &l->dists[d];
}

/* The class of a ship day (Unix day) for a service's delivery days. */
static inline int ordo_lanes_ship_class(unsigned delivery_days, int64_t ship_day)
{
    return ordo_cal_weekday(ship_day) == 4 ||
           !ordo_cal_working(ship_day + 1, delivery_days ? delivery_days : ORDO_WEEK_MON_FRI);
}

/* The load bucket of a node's utilization (units committed today over its
 * daily capacity). */
int ordo_lanes_load_bucket(double util);

/* The processing row of a node, or NULL when the table has none. */
const double *ordo_lanes_proc(const ordo_lanes_t *l, uint32_t node, bool after_cutoff,
                              int bucket);

#endif
