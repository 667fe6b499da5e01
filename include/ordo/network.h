/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the fulfillment network: nodes, carrier services, catalog.
 *
 * A network directory holds network.json (nodes and carrier services),
 * catalog.csv and inventory.csv; docs/formats.md describes each. Loading
 * validates everything and either returns a complete network or nothing.
 * After loading, the structures below are read-only and may be shared by any
 * number of threads; only the inventory (inventory.h) changes. */
#ifndef ORDO_NETWORK_H
#define ORDO_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "geo.h"

#define ORDO_ID_MAX 48          /* ids: node, SKU, service (incl. NUL) */
#define ORDO_NAME_MAX 64
/* Rate zones 1..12 stored at index zone-1: 1..8 by distance, 9 the Pacific
 * territories, 10 Alaska, 11 Hawaii, 12 Puerto Rico and the US Virgin
 * Islands (ordo_geo_rate_zone). A rate card of 9 columns (the older format)
 * prices and times zones 10..12 as its zone 8. */
#define ORDO_ZONES 12
#define ORDO_ZONES_LEGACY 9
#define ORDO_MAX_PEAK_WINDOWS 8
#define ORDO_TRANSIT_DAYS 16    /* transit histogram: day 0..15 */
#define ORDO_NODE_MAX_SERVICES 8
#define ORDO_MAX_GROUPS 64
#define ORDO_MAX_FAMILIES 64
#define ORDO_MAX_BRACKETS 32

typedef enum ordo_node_type {
    ORDO_NODE_DC = 0,
    ORDO_NODE_STORE = 1,
    ORDO_NODE_DROPSHIP = 2
} ordo_node_type_t;
#define ORDO_NODE_TYPES 3

enum { ORDO_CAP_SHIP = 1u << 0, ORDO_CAP_PICKUP = 1u << 1 };

typedef enum ordo_service {
    ORDO_SERVICE_GROUND = 0,
    ORDO_SERVICE_TWO_DAY = 1,
    ORDO_SERVICE_OVERNIGHT = 2
} ordo_service_t;
#define ORDO_SERVICES 3

/* A peak (demand) surcharge window: month × 100 + day, both inclusive; from
 * after to wraps over the new year (1026..117). */
typedef struct ordo_peak_window {
    int from_md, to_md;
    double amount;              /* USD per parcel */
    double additional_handling; /* USD more when additional handling applies */
    double large_package;       /* USD more for an oversize (large) parcel */
} ordo_peak_window_t;

typedef enum ordo_rate_basis {
    ORDO_RATE_PER_PARCEL = 0, /* rates are USD per parcel */
    ORDO_RATE_PER_CWT = 1     /* rates are USD per 100 lb (LTL freight) */
} ordo_rate_basis_t;

typedef struct ordo_carrier_service {
    char id[ORDO_ID_MAX];      /* unique, e.g. "parcel_ground" */
    char carrier[ORDO_ID_MAX]; /* e.g. "parcel" */
    ordo_service_t service;
    /* Rate card: rates[b][z-1] is the price in USD of a parcel whose billable
     * weight is ≤ bracket_max_lb[b] (ascending), for zone z. Heavier than the
     * last bracket: the last rate + per_lb_over[z-1] per extra pound. */
    uint32_t n_brackets;
    double bracket_max_lb[ORDO_MAX_BRACKETS];
    double rates[ORDO_MAX_BRACKETS][ORDO_ZONES];
    double per_lb_over[ORDO_ZONES];
    uint8_t delivery_days;        /* bit 0 Monday .. bit 6 Sunday: the days it
                                   * delivers (default Mon–Fri, 0x1f); never on
                                   * US federal holidays */
    double fuel_surcharge_pct;   /* % of the base rate */
    double residential_surcharge; /* USD per residential parcel */
    double peak_surcharge;        /* older cards: USD per parcel, Nov 1..Dec 31 */
    double dim_divisor;           /* cubic inches per pound, e.g. 139; 0: none */
    double dim_min_cubic_in;      /* dimensional weight only above this cube */
    ordo_rate_basis_t basis;
    double min_charge;            /* USD: the base is at least this */
    double liftgate_surcharge;    /* USD per residential delivery (freight) */
    /* limits (0: none): actual and billable weight, longest side, longest
     * side + girth (2 × the other two sides) */
    double max_weight_lb, max_billable_lb, max_length_in, max_length_girth_in;
    /* additional handling (0: no such rule): actual weight above ahs_weight_lb
     * costs ahs_weight_amount; longest side above ahs_longest_in, second side
     * above ahs_second_in or length + girth above ahs_length_girth_in cost
     * ahs_amount; the higher of the two applies, and none for a large package */
    double ahs_weight_lb, ahs_weight_amount;
    double ahs_longest_in, ahs_second_in, ahs_length_girth_in, ahs_amount;
    /* large package: length + girth above large_length_girth_in or longest
     * side above large_longest_in; costs large_amount and bills at least
     * large_min_billable_lb */
    double large_length_girth_in, large_longest_in, large_amount, large_min_billable_lb;
    uint32_t n_peak;
    ordo_peak_window_t peak[ORDO_MAX_PEAK_WINDOWS];
    /* transit[z-1][d]: probability the parcel arrives d business days after
     * it ships, for zone z. Each row sums to 1. */
    double transit[ORDO_ZONES][ORDO_TRANSIT_DAYS];
} ordo_carrier_service_t;

typedef struct ordo_node {
    /* What a decision reads of every candidate node first, together (two
     * cache lines); names, place and time zone after them. */
    ordo_node_type_t type;
    unsigned caps;                /* ORDO_CAP_* */
    bool active;
    int cutoff_hour;              /* 0..23 local: orders after it ship next day */
    int processing_days;          /* business days from release to ship */
    uint32_t daily_capacity;      /* units per day */
    uint32_t current_load;        /* units already committed today at load time */
    double pick_cost_per_unit;    /* USD */
    double pack_cost_per_shipment; /* USD */
    uint32_t n_services;
    uint32_t services[ORDO_NODE_MAX_SERVICES]; /* indices into network services */
    int priority;                 /* lower is preferred */
    uint64_t groups;              /* bit i: member of network group i */
    uint32_t safety_stock;        /* default per SKU */
    uint32_t zip;
    uint16_t zip3;
    char state[3];
    double lat, lon;              /* from the ZIP centroid */
    char time_zone[64];           /* IANA zone of cutoff_hour; "" = from its ZIP */
    char id[ORDO_ID_MAX];
    char name[ORDO_NAME_MAX];
} ordo_node_t;

typedef struct ordo_sku {
    char id[ORDO_ID_MAX];
    uint16_t family;              /* index into catalog families */
    double weight_lb;
    double length_in, width_in, height_in;
    double price;                 /* USD */
    double return_rate;           /* base probability of return, 0..1 */
    /* What a unit costs the retailer (catalog.csv `unit_cost`; when absent,
     * ORDO_UNIT_COST_SHARE × price). Carrying and opportunity cost use it. */
    double unit_cost;             /* USD */
    /* Network demand, units/day (catalog.csv `daily_demand`); < 0: not given */
    double daily_demand;
} ordo_sku_t;

/* One inbound row of replenishment.csv: quantity of a SKU expected at a
 * node on a day (purchase order, transfer). */
typedef struct ordo_inbound {
    uint32_t node, sku, quantity;
    int64_t day; /* Unix day of the expected arrival (UTC) */
} ordo_inbound_t;

/* unit_cost when catalog.csv does not give one: a share of the price */
#define ORDO_UNIT_COST_SHARE 0.6

typedef struct ordo_strmap ordo_strmap_t;
typedef struct ordo_inventory ordo_inventory_t;

typedef struct ordo_network {
    char name[ORDO_NAME_MAX];
    const ordo_geo_t *geo;        /* not owned */

    ordo_node_t *nodes;
    uint32_t n_nodes;
    ordo_strmap_t *node_index;    /* id → node index */

    ordo_carrier_service_t *services;
    uint32_t n_services;

    char groups[ORDO_MAX_GROUPS][ORDO_ID_MAX];
    uint32_t n_groups;

    char families[ORDO_MAX_FAMILIES][ORDO_ID_MAX];
    uint32_t n_families;
    ordo_sku_t *skus;
    uint32_t n_skus;
    ordo_strmap_t *sku_index;     /* id → SKU index */

    ordo_inventory_t *inventory;  /* owned */
    /* Demand per inventory cell, units/day (inventory.csv `daily_demand`);
     * NULL when the file has no such column, NAN for a cell left empty. */
    float *cell_demand;

    /* Where returns go (network.json `returns`: node ids); the one nearest
     * the customer receives. n_returns 0: the nearest DC (any node when the
     * network has no DC). */
    uint32_t *returns;
    uint32_t n_returns;

    /* Precomputed at load: node × destination ZIP3, row-major
     * [node * ORDO_ZIP3_COUNT + zip3]. zone 0 means the ZIP3 is unknown. */
    float *miles;
    uint8_t *zone;
    /* DIR/replenishment.csv (optional), sorted by SKU, day, node */
    ordo_inbound_t *inbound;
    uint32_t n_inbound;
} ordo_network_t;

/* Loads DIR/network.json, DIR/catalog.csv and DIR/inventory.csv. geo NULL
 * means ordo_geo_default(). On error nothing is returned and err names the
 * file, line and field. */
int ordo_network_load(const char *dir, const ordo_geo_t *geo, ordo_network_t **out,
                      ordo_error_t *err);
void ordo_network_destroy(ordo_network_t *net);

/* Individual loaders, used by ordo_network_load (exposed for tests/tools).
 * They fill a network under construction. */
int ordo_network_parse_json(ordo_network_t *net, const char *json, size_t len,
                            const char *name, ordo_error_t *err);
int ordo_catalog_parse_csv(ordo_network_t *net, const char *csv, size_t len, const char *name,
                           ordo_error_t *err);
int ordo_inventory_parse_csv(ordo_network_t *net, const char *csv, size_t len,
                             const char *name, ordo_error_t *err);
/* replenishment.csv (src/core/replenish.c): needs the nodes and catalog.
 * ordo_replenishment_load: DIR/replenishment.csv when it exists (no file:
 * no inbound). ordo_network_inbound: the rows of one SKU, by day. */
int ordo_replenishment_parse_csv(ordo_network_t *net, const char *csv, size_t len, const char *name,
                                 ordo_error_t *err);
int ordo_replenishment_load(ordo_network_t *net, const char *dir, ordo_error_t *err);
const ordo_inbound_t *ordo_network_inbound(const ordo_network_t *net, uint32_t sku, uint32_t *n);
/* Allocates an empty network (for the parsers above). */
ordo_network_t *ordo_network_new(const ordo_geo_t *geo);
/* Builds the node × ZIP3 tables; called by ordo_network_load. */
int ordo_network_finalize(ordo_network_t *net, ordo_error_t *err);

/* Lookups; -1 when unknown. */
int32_t ordo_network_node(const ordo_network_t *net, const char *id);
int32_t ordo_network_sku(const ordo_network_t *net, const char *id);
int32_t ordo_network_sku_n(const ordo_network_t *net, const char *id, size_t n);
int32_t ordo_network_service(const ordo_network_t *net, const char *id);
int32_t ordo_network_group(const ordo_network_t *net, const char *name);
int32_t ordo_network_family(const ordo_network_t *net, const char *name);

static inline int ordo_network_zone(const ordo_network_t *net, uint32_t node, uint16_t zip3)
{
    return net->zone[(size_t)node * ORDO_ZIP3_COUNT + zip3];
}
static inline double ordo_network_miles(const ordo_network_t *net, uint32_t node, uint16_t zip3)
{
    return net->miles[(size_t)node * ORDO_ZIP3_COUNT + zip3];
}

/* Names for enums, and parsing them back (ORDO_EINVAL when unknown). */
const char *ordo_node_type_name(ordo_node_type_t t);
int ordo_node_type_parse(const char *s, ordo_node_type_t *out);
const char *ordo_service_name(ordo_service_t s);
int ordo_service_parse(const char *s, ordo_service_t *out);

/* ---- rating ---- */
typedef struct ordo_rate {
    double actual_lb;     /* total actual weight */
    double dim_lb;        /* dimensional weight */
    double billable_lb;   /* max(actual, dim), rounded up to the pound */
    int zone;
    double base;          /* rate card */
    double fuel;          /* fuel surcharge (on base and handling) */
    double residential;   /* residential (and liftgate) surcharge */
    double peak;
    double handling;      /* additional handling or large package */
    double total;
    const char *over;     /* ordo_rate_package's ORDO_ERANGE: the limit broken */
} ordo_rate_t;

/* A parcel to price: actual weight, cube, and its sides (any order; all 0
 * when unknown: the size rules are then not applied). */
typedef struct ordo_parcel {
    double weight_lb;
    double cubic_in;
    double side_in[3];
} ordo_parcel_t;

/* Peak: ORDO_PEAK_NONE, ORDO_PEAK_FIRST (the first window, whatever the
 * date) or a date as month × 100 + day (1210: December 10). */
#define ORDO_PEAK_NONE 0
#define ORDO_PEAK_FIRST (-1)

/* Prices one parcel by the rate card alone: dimensional weight, base, fuel,
 * residential and (peak: the first window's amount) peak; no limits and no
 * handling surcharges. weight_lb > 0; cubic_in ≥ 0 (0: no dimensional
 * weight). ORDO_EINVAL on a bad weight or zone. */
int ordo_rate_parcel(const ordo_carrier_service_t *svc, int zone, double weight_lb,
                     double cubic_in, bool residential, bool peak, ordo_rate_t *out);

/* Prices one parcel by all the service's rules: limits, dimensional weight
 * above its threshold, additional handling and large package, peak windows
 * on the date peak_md. ORDO_ERANGE when the parcel is over a limit (out->over
 * names it: "weight", "billable weight", "length", "length + girth"). */
int ordo_rate_package(const ordo_carrier_service_t *svc, int zone, const ordo_parcel_t *p,
                      bool residential, int peak_md, ordo_rate_t *out);

/* The dimensional weight of a cube by the service's rule (0 at or below the
 * threshold, or without a divisor). */
double ordo_service_dim_lb(const ordo_carrier_service_t *svc, double cubic_in);

/* Limits and handling: NULL when the parcel is within the service's limits
 * (else the limit's name), with *handling the additional-handling or
 * large-package surcharge, *min_billable the least billable weight and
 * *kind 0 (none), 1 (additional handling) or 2 (large package). */
const char *ordo_service_size_rules(const ordo_carrier_service_t *svc, const ordo_parcel_t *p,
                                    double billable_lb, double *handling, double *min_billable,
                                    int *kind);

/* The peak surcharge on date peak_md (see ORDO_PEAK_*) for a parcel of that
 * handling kind; 0 outside every window. */
double ordo_service_peak(const ordo_carrier_service_t *svc, int peak_md, int kind);

/* P(arrival within `days` business days of shipping). */
double ordo_transit_cdf(const ordo_carrier_service_t *svc, int zone, int days);

/* ---- summary (ordo network info) ---- */
typedef struct ordo_network_summary {
    uint32_t nodes_by_type[ORDO_NODE_TYPES];
    uint32_t active_nodes;
    uint32_t n_skus;
    uint64_t inventory_records;
    uint64_t total_units;       /* on hand */
    uint64_t units_by_type[ORDO_NODE_TYPES];
    uint64_t us_population;     /* of ZIP3s with population */
    double pop_share_zone_1_2;  /* share of population within zone 1–2 of a ship node */
    double pop_share_zone_1_4;
    double mean_zone;           /* population-weighted nearest-node zone */
} ordo_network_summary_t;

int ordo_network_summarize(const ordo_network_t *net, ordo_network_summary_t *out);

/* ---- generation (ordo network generate) ---- */
typedef struct ordo_generate_options {
    uint32_t dcs;          /* distribution centers, in large metros */
    uint32_t stores;       /* stores, in cities weighted by population */
    uint32_t dropshippers; /* drop-ship suppliers */
    uint32_t skus;         /* catalog size */
    uint64_t seed;         /* same seed, same files */
    const char *name;      /* network name; NULL → "generated" */
} ordo_generate_options_t;

/* Writes network.json, catalog.csv and inventory.csv into out_dir (created
 * if missing) on the real geography in geo (NULL: embedded table). Each file
 * is written atomically. */
int ordo_network_generate(const ordo_generate_options_t *opt, const ordo_geo_t *geo,
                          const char *out_dir, ordo_error_t *err);

#endif
