/* SPDX-License-Identifier: Apache-2.0 */
/* The simulation's state, shared by the loop (sim.c) and the world (world.c). */
#ifndef ORDO_SIM_WORLD_H
#define ORDO_SIM_WORLD_H

#include "internal.h"
#include "ordo/decide.h"
#include "ordo/store.h"

#define SIM_MAX_SHIPMENTS 32

typedef struct sim_ship {
    int64_t shipped, delivered; /* Unix seconds */
} sim_ship_t;

typedef struct sim {
    const ordo_sim_options_t *opt;
    sim_scenario_t sc;
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_decider_t *dec;
    ordo_store_t *store; /* outcome events go in through this handle */
    ordo_arena_t *arena; /* per order */
    ordo_arena_t *day_arena; /* the day's orders */
    ordo_order_t *orders;
    uint32_t cap_orders;
    ordo_rng_t rng[SIM_RNGS];
    int32_t *true_stock; /* per inventory cell: what is really on the shelf */
    uint32_t n_cells;
    uint32_t *labour;    /* node × day: units released to the dock */
    uint32_t horizon;    /* days in labour */
    int64_t day0;        /* the Unix day the run starts */
    ordo_outcome_event_t *ev;
    size_t n_ev, cap_ev;
    ordo_sim_summary_t *sum;
} sim_t;

/* Appends one outcome event (id "ORDER-SHIPMENT-TAG") to s->ev (world.c). */
int sim_event_push(sim_t *s, const char *order, uint32_t shipment, const char *tag,
                   ordo_outcome_type_t type, int64_t at, ordo_error_t *err);
/* The operational measures of a decided order (ops.c): t[i] the world's
 * timing of shipment i; cancelled_at > 0 when the customer cancelled. */
int sim_ops_order(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, const sim_ship_t *t,
                  int64_t promise, int64_t cancelled_at, ordo_error_t *err);

/* The world's answer to one decided order, as outcome events in s->ev. */
int sim_order_world(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan, ordo_error_t *err);

#endif
