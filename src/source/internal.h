/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — sourcing engine internals shared by src/source files. Not installed. */
#ifndef ORDO_SOURCE_INTERNAL_H
#define ORDO_SOURCE_INTERNAL_H

#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "ordo/calendar.h"
#include "ordo/lanes.h"
#include "ordo/netval.h"
#include "ordo/signals.h"
#include "ordo/source.h"

#define SRC_MAX_LINES 24 /* search lines (order lines or pieces) */
#define SRC_DIM (ORDO_MAX_CRITERIA + 1)
#define SRC_RET_LB 151 /* return-rate table: billable 1..150 lb */
#define SRC_EPS 1e-9
#define SRC_SCAN_MAX 32     /* lines stocked at more nodes walk the nearest */
#define SRC_WALK_NODES 24   /* ... this many nodes */
#define SRC_MAX_SERVICES 64 /* services whose billable lb a subset keeps */
/* expected business days late with no extra-day chance, tabled by the ship
 * day less the promise (s0 − D) in [−SRC_LATE_OFF, SRC_LATE_SPAN − SRC_LATE_OFF) */
#define SRC_LATE_OFF ORDO_TRANSIT_DAYS
#define SRC_LATE_SPAN (2 * ORDO_TRANSIT_DAYS)
#define SRC_MAX_ZONES 255     /* distinct time zones of an engine */
#define SRC_LANE_SHIP_DAYS 16 /* ship days whose weekday a decision with learned lanes keeps */

/* A parcel of actual weight ≤ q_w, billable ≤ q_b, sides (longest first)
 * ≤ q_l and ≤ q_s, and length + girth ≤ q_g meets none of a service's size
 * rules (ordo_service_size_rules: no limit, no surcharge; src_size_quiet);
 * INFINITY where no rule applies. */
typedef struct src_quiet {
    double q_w, q_b, q_l, q_s, q_g;
} src_quiet_t;

/* A table swapped atomically while decisions read it (swap.c). */
typedef struct src_swap {
    _Atomic(void *) cur;
    _Atomic(void *) retired;
} src_swap_t;
void src_swap_set(src_swap_t *s, void *t, size_t next_off);
void src_swap_free(src_swap_t *s, size_t next_off, void (*destroy)(void *));
static inline void *src_swap_get(const src_swap_t *s)
{
    return atomic_load_explicit(&((src_swap_t *)s)->cur, memory_order_acquire);
}

/* A node-slot table (node → candidate index; −1 unknown, −2 disallowed,
 * −3 allowed and not yet a candidate): −1 everywhere but at the nodes in
 * touch[] (each once), which src_slots_reset sets back to −1, so a
 * preparation clears the few nodes the last one met instead of the whole
 * table. The engine keeps SRC_SLOT_SETS of them across decisions (busy:
 * one decision holds it); a decision that finds none free, and a nested
 * context, make one in the order's arena. */
#define SRC_SLOT_SETS 4
typedef struct src_slots {
    int32_t *slot;
    uint32_t *touch;
    uint32_t n_touch;
    atomic_flag busy;
} src_slots_t;

struct ordo_engine {
    const ordo_network_t *net;
    ordo_source_params_t p;
    /* cdf[s][z][d] = P(transit ≤ d business days), service s, zone z+1 */
    double (*cdf)[ORDO_ZONES][ORDO_TRANSIT_DAYS];
    /* min over a node's services and brackets of base × (1 + fuel): a lower
     * bound on any parcel's shipping from node at zone: [node][zone-1] */
    double *min_rate;
    /* expected return shipping for a unit of billable weight w lb at zone z:
     * ret_rate[z-1][w] (network's cheapest ground service) */
    double ret_rate[ORDO_ZONES][SRC_RET_LB];
    double ret_per_lb[ORDO_ZONES];
    /* zone of a return parcel from each destination ZIP3 to the nearest
     * return node (network `returns`, default the DCs); 0: unknown */
    uint8_t ret_zone[ORDO_ZIP3_COUNT];
    /* bit service: the learned lanes' ship-day class 1 when shipped on
     * weekday wd (0 Monday): a Friday, or a day whose next day is not one
     * of the service's delivery days (ordo_lanes_ship_class) */
    uint64_t lane_by_wd[7];
    /* base_tab[s][z-1][w]: service s base rate for billable w lb (1..150),
     * from ordo_rate_parcel, so the decision path needs no bracket search */
    double (*base_tab)[ORDO_ZONES][SRC_RET_LB];
    double (*base_min)[ORDO_ZONES][SRC_RET_LB]; /* min over weights ≥ w */
    /* nodes of each destination ZIP3 ordered by a static cost key
     * (pack + cheapest 1-lb rate at the zone + pick): [zip3 * n_nodes + rank] */
    uint16_t *near;
    /* the network's zone and miles tables ZIP3-major, [zip3 * n_nodes +
     * node]: an order's candidates read one row of each (tab_near) */
    uint8_t *z3_zone;
    float *z3_miles;
    /* time zones (tab_zones): the distinct zones of the nodes and of the
     * customers' ZIP3s, each loaded once; a node's and a ZIP3's index */
    ordo_tz_t **zones;
    uint32_t n_zones;
    uint8_t *node_zone;
    uint8_t zip3_zone[ORDO_ZIP3_COUNT];
    float *demand;          /* per inventory cell, units/day */
    _Atomic uint32_t *load; /* per node, units committed today */
    /* the local day each node's load counts (INT32_MIN: not yet seen), the
     * first instant at which some node's local day ends, and the flag of the
     * one thread rolling them (ordo_engine_roll_loads) */
    int32_t *load_day;
    _Atomic int64_t load_roll_at;
    atomic_flag load_rolling;
    /* per carrier service: 1/dim divisor (0: none), 1 + fuel share */
    double *inv_div;
    double *mult;
    double *dim_min;    /* per carrier service: no dimensional weight at or below this cube */
    src_quiet_t *quiet; /* per carrier service: below every size rule */
    uint32_t *ground;   /* per node: bit k when node->services[k] is a ground service */
    /* cheapest 1-lb parcel over a node's services (base_min at 1 lb × (1 +
     * fuel) + surcharges), as ship_lb computes it, by node, zone and the
     * order's surcharges (bit 0 residential, bit 1 peak):
     * one_lb[(node × ORDO_ZONES + zone − 1) × 4 + flags] */
    double *one_lb;
    /* expected business days late when the parcel surely ships on day s0
     * (no extra-day chance): late0[(s × ORDO_ZONES + zone − 1) × SRC_LATE_SPAN
     * + s0 − D + SRC_LATE_OFF], computed by the same function the decision
     * path would call (src_late) */
    double *late0;
    /* carrier volume windows (risk.c): carrier index per service (0xff:
     * none), the distinct carriers, and per carrier plus one row of all:
     * SRC_CWIN_SLOTS hourly slots, hour << 24 | count */
    uint8_t *svc_carrier;
    uint32_t n_carriers;
    const char **carriers;
    _Atomic uint64_t *cwin;
    /* signals in force (ordo_engine_set_signals): a decision loads the
     * pointer once; swapped-out snapshots stay on the retired list, freed at
     * destroy (signals.c in this directory) */
    _Atomic(ordo_signals_t *) signals;
    _Atomic(ordo_signals_t *) retired;
    /* swapped tables (swap.c): learned lanes (ordo_engine_set_lanes,
     * lanes.c), learned risk (ordo_engine_set_risk, risk_model.c), the
     * network value of stock (ordo_engine_set_netval, netval.c) */
    src_swap_t lanes, risk_tab, netval;
    src_swap_t cust;                      /* the customers' return history (cust_hist.c) */
    src_slots_t slot_sets[SRC_SLOT_SETS]; /* src_slots_take; one block at slot_sets[0] */
};

typedef struct src_line {
    uint32_t order_line;
    uint32_t sku;
    uint32_t qty;
    double weight, cubic, price, unit_cost, base_rr; /* per unit */
    bool shared;                                     /* another search line has the same SKU */
    /* share of the order's units and mean base return risk of this line
     * alone, as the per-line bounds use them (src_lines_finish) */
    double ub_share, ub_rr;
    int ret_wl;     /* billable lb of one returned unit (src_return_lb) */
    double side[3]; /* the unit's sides, longest first (inches) */
    /* line_fixed's parts that no candidate changes: returns processing and
     * lost margin, and return shipping (src_lines_fixed) */
    double fix_ret, fix_ship;
    double fix_zone; /* fix_ret + fix_ship where a zoned shipment pays both */
} src_line_t;

/* A node that stocks at least one search line. Fields in the order they are
 * written: what cand_add sets first (two cache lines), then the set-up's
 * (src_cand_init_bounds), then what bounds fill in later. */
typedef struct src_cand {
    uint32_t node;
    uint32_t full_mask;  /* lines whose quantity it can ship alone */
    uint32_t stock_mask; /* lines with atp > 0 (collect_atp visits only these) */
    uint16_t zone;
    float miles;
    uint32_t load; /* snapshot */
    /* per search line, n_lines entries each in the context's pools (a
     * candidate stays a few cache lines however long the order) */
    uint32_t *cell; /* valid where atp > 0 */
    int32_t *atp;   /* 0 when not stocked */
    double *dos;    /* days of supply before shipping */
    double *fixed;  /* service-independent cash cost lower bound per line */
    double *econ;   /* ... and economic cost (relief, opportunity) lower bound */
    /* the node under the signals in force at the order's instant
     * (src_cand_signals): daily capacity, pick cost per unit, labour
     * utilisation (backlog / capacity, 0: none), and the signal excluding it
     * (closed, saturated) with its rule, or NULL */
    double cap, pick, labour_u;
    const ordo_signal_t *sig_excl;
    const char *sig_rule;
    /* set by src_cand_init_bounds (false for a plan being priced) */
    bool ready;
    int s0;       /* ship day (business days), see processing() */
    double pe0;   /* P(one more processing day) at the current load */
    double util0; /* load / daily capacity before this order (0: no capacity) */
    double ot_ub; /* upper bound on P(on time) at this node */
    /* the node's services at this zone, for bounds: node->services[k] (or
     * none), their rows of the engine's base_min at offset zoff, and the
     * order's per-service factors in src_ctx_t.svcx */
    uint32_t n_svc;
    const uint32_t *svcs;
    uint32_t zoff; /* (zone − 1) × SRC_RET_LB */
    /* bit k: node->services[k] can be chosen for this order (its level's
     * services, all of them when a standard order may be upgraded) */
    uint32_t svc_ok;
    uint32_t late_set;                 /* bit k: late_pe[k] and late[k] hold a memo */
    double ot[ORDO_NODE_MAX_SERVICES]; /* P(on time) with service k at pe0 */
    double late_pe[ORDO_NODE_MAX_SERVICES],
        late[ORDO_NODE_MAX_SERVICES]; /* days late at P(extra) late_pe */
    double one_lb;                    /* with x->svc_signals: the engine's one_lb under them */
    /* For the tight service bound (bounds.c, criteria_service_bound), set
     * with ot[]: the node's services as bits of their network index (when
     * every index is below SRC_MAX_SERVICES), the allowed ones meeting the
     * level's target, the best allowed P(on time), and the services the
     * rule can choose when at most one meets the target. */
    bool sb_set, sb_bits_ok;
    uint64_t sb_bits;
    uint32_t sb_meets, sb_may1;
    double sb_best_ot;
    /* set with the sb_ fields: the tight bound may apply (the bounds are
     * set, the service table is whole, no upgrade) */
    bool sb_fast;
    /* the learned lane of service k (src_lane_learned at s0), NULL: published;
     * set and read only when the decision has learned lanes (x->lanes) */
    const ordo_lane_dist_t *lane[ORDO_NODE_MAX_SERVICES];
} src_cand_t;

/* Per carrier service, for one order: 1/dim divisor (0: none), 1 + fuel
 * share, and the order's surcharges (residential, peak). */
typedef struct src_svcx {
    double inv_div, mult, add, dim_min;
    /* signals in force at the order's instant: a rate signal (base ×
     * rmult, fuel fuel_pct %; mult is then rmult × (1 + fuel_pct / 100)),
     * an outage of the service to the order's destination */
    const ordo_signal_t *rate_sig, *out_sig;
    double rmult, fuel_pct;
    double peak0; /* the order's peak surcharge of a parcel no size rule meets (kind 0) */
} src_svcx_t;

/* A parcel's sides sorted longest first and its length + girth, as
 * ordo_service_size_rules sorts and sums them: out = {a, b, c, a + 2(b + c)}. */
static inline void src_size_key(const double *side, double *out)
{
    double a = side[0], b = side[1], c = side[2], t;
    if (a < b)
        t = a, a = b, b = t;
    if (b < c)
        t = b, b = c, c = t;
    if (a < b)
        t = a, a = b, b = t;
    out[0] = a, out[1] = b, out[2] = c, out[3] = a + 2 * (b + c);
}

/* Does no size rule of the service apply to the parcel (key from
 * src_size_key)? Then ordo_service_size_rules returns NULL with kind 0;
 * false says nothing. */
static inline bool src_size_quiet(const src_quiet_t *q, double weight, double billable,
                                  const double *key)
{
    return weight <= q->q_w && billable <= q->q_b && key[0] <= q->q_l && key[1] <= q->q_s &&
           key[3] <= q->q_g;
}

typedef struct src_score {
    double v[SRC_DIM];
} src_score_t;

/* What the bound of a shipment needs from its lines alone (any node). */
typedef struct src_subset {
    uint32_t mask;
    double units, weight, cubic, share, rr;
    double side[3]; /* the parcel's sides (src_parcel_sides) */
    uint32_t n_wl;
    uint8_t wl[SRC_MAX_SERVICES]; /* billable lb by service, clamped to 1..150 */
    uint64_t heavy; /* services (< SRC_MAX_SERVICES) whose billable weight is beyond the tables */
    uint64_t over;  /* services (< SRC_MAX_SERVICES) that cannot carry it (a limit) */
    /* returns at the base risk by zone (src_returns_at_base), filled when first
     * needed: bit zone − 1 of ret_known */
    uint32_t ret_known;
    double ret_base[ORDO_ZONES];
} src_subset_t;

/* Features of one shipment (lines mask at a candidate, chosen service). */
typedef struct src_eval {
    bool feasible;
    uint32_t node;
    const char *excluded_by; /* static rule name */
    char detail[64];
    int32_t service;
    uint32_t units;
    double weight, cubic, billable;
    double side[3]; /* longest, second and third side over its units, inches */
    int zone;
    double miles;
    ordo_cost_t cost;
    double on_time, return_risk, load_penalty, dos, util;
    int s0;         /* ship day (business days) */
    double p_extra; /* P(one more processing day) */
    double late;    /* expected business days late with the chosen service */
    ordo_risk_t risk;
    src_score_t score;
} src_eval_t;

typedef struct src_ctx {
    ordo_engine_t *eng;
    const ordo_network_t *net;
    const ordo_order_t *order;
    const ordo_policy_t *policy;
    const ordo_strategy_t *strat; /* NULL: fallback rule */
    const ordo_constraints_t *cons;
    const ordo_decide_opts_t *opts;
    ordo_arena_t *arena;
    ordo_order_ctx_t octx;
    /* time */
    int promise_days;
    int64_t promise;
    int64_t as_of; /* the order's instant: created, else opts->now, else the clock */
    int64_t day0;  /* its Unix day in the customer's (ship-to ZIP3's) time zone */
    /* the order's local hour at each node time zone, and whether that local
     * day is not a shipping day (weekend, federal holiday), set when first
     * needed: bit k of tz_known for engine zone k < 64 */
    uint64_t tz_known;
    uint8_t tz_hour[64], tz_closed[64];
    bool peak;
    int peak_md; /* peak surcharges on this date (ORDO_PEAK_*, month × 100 + day) */
    /* effective guardrail limits */
    int max_zone;
    double max_miles;
    const char *zone_rule, *miles_rule;
    uint64_t groups_any, groups_none;
    bool respect_safety;
    /* search lines */
    uint32_t n_lines;
    src_line_t lines[SRC_MAX_LINES];
    double total_units;
    uint32_t all_mask;
    bool lines_fixed; /* the lines' fix_ret, fix_ship are set (src_lines_fixed) */
    /* candidates */
    uint32_t n_cands;
    src_cand_t *cands;
    /* the candidates' per-line arrays: candidate c's at c × n_lines */
    uint32_t *pool_cell;
    int32_t *pool_atp;
    double *pool_dos, *pool_fixed, *pool_econ;
    uint32_t *cand_full; /* cands[c].full_mask, contiguous */
    /* the candidates that can ship search line i in full, as a bitset:
     * bit c % 64 of line_cands[i * cand_words + c / 64] */
    uint32_t cand_words;
    uint64_t *line_cands;
    /* the line groups the exact search tries: bit S set unless S holds a
     * non-contiguous run of a split line's unit pieces (the pieces are
     * interchangeable: contiguous runs reach every division) */
    uint64_t groups_ok;
    int32_t *slot;          /* slots->slot: node → cand index or -1 */
    src_slots_t *slots;     /* NULL: src_slots_reset makes one in the arena */
    const src_svcx_t *svcx; /* per network service, set by src_prepare */
    /* the signal snapshot the decision reads (loaded once), the factor its
     * rate signals may lower shipping by (≤ 1: scales the static bounds),
     * and the signals that touched the order (plan->signals) */
    const ordo_signals_t *sig;
    /* learned lanes this decision reads (NULL: the published histograms),
     * and the weekday of ship day s (business days after day0) */
    const ordo_lanes_t *lanes;
    const uint32_t *lane_row;              /* the order's ZIP3 block of lanes->lane */
    uint64_t lane_cls[SRC_LANE_SHIP_DAYS]; /* bit service: its class shipping on day s */
    /* learned risk this decision reads (NULL: the parametric terms), the
     * decision's part of the cancellation logit, and P(cancel)'s floor */
    const ordo_risk_table_t *rtab;
    double rt_cancel0, rt_cancel_lb;
    /* the decision's part of the return logit (service level, order value,
     * history) and P(return)'s floor over families, split, lateness, miles */
    double rt_ret0, rt_ret_lb;
    const ordo_netval_t *netval; /* the network-value table, when the policy prices it */
    double rate_floor;
    bool svc_signals; /* a rate or outage signal is in force for a service */
    uint32_t n_sig_used;
    ordo_signal_use_t sig_used[ORDO_PLAN_MAX_SIGNALS];
    double svc_target; /* src_service_target, set by src_prepare for the candidates */
    /* what the candidates' set-up (src_cand_init_bounds) reads of the order
     * alone, worked out once by src_lines_fixed */
    struct {
        bool pickup;   /* a pickup order */
        bool upgrade;  /* src_services_upgrade */
        bool standard; /* the order's level is standard (its ground services) */
        bool out;      /* a carrier outage may take services away (services_out) */
        bool lead;     /* a supplier's lead time is in its promise (src_promise_for) */
        bool sig;      /* the snapshot holds signals (set by src_prepare's reset) */
    } cb;
    uint32_t evaluated;
    bool pruned; /* some line's nodes were cut to the nearest */
    /* per order line, for backorder reasons */
    uint32_t line_any[ORDO_ORDER_MAX_LINES];     /* nodes with ATP > 0 */
    uint32_t line_allowed[ORDO_ORDER_MAX_LINES]; /* ... that the policy allows */
    uint32_t line_full[ORDO_ORDER_MAX_LINES];    /* ... with the full quantity */
    uint64_t line_total[ORDO_ORDER_MAX_LINES];   /* ATP summed over allowed nodes */
    uint16_t excl[ORDO_ORDER_MAX_LINES][8];      /* singleton exclusions by rule */
    bool line_split_failed[ORDO_ORDER_MAX_LINES];
    /* explain */
    bool explain;
    bool details; /* format src_eval_t.detail (explain, pricing): off on the hot path */
    ordo_candidate_t *cands_out;
    uint32_t n_cands_out, cap_cands_out;
    ordo_alt_plan_t *alts;
    uint32_t n_alts, cap_alts;
    /* risk terms (risk.c): which are on (SRC_RISK_*), the customer's
     * weight, the carriers a cap blocks (bit = engine carrier index), the
     * weights with the on-time term scaled by it (for wt_for) */
    unsigned risk_on;
    double risk_m;
    /* the last count age's 2^(−age/half-life) by node type: counts of one
     * load share their as_of, so the power is rarely taken again */
    int64_t risk_asof[ORDO_NODE_TYPES];
    double risk_r[ORDO_NODE_TYPES];
    uint64_t risk_block;
    const ordo_strategy_t *wt_for;
    ordo_weights_t wt;
    /* score dimension */
    uint32_t dim;
    /* the first failure (src_fail), reported by the entry points */
    int fail_rc;
    char fail_field[48]; /* empty: none */
    char fail_msg[160];
} src_ctx_t;

#define SRC_MAX_M 8 /* max_shipments upper bound (policy.c) */

/* The plan a search found: k shipments, line group and candidate each. */
typedef struct src_best_plan {
    bool found;
    uint32_t k;
    uint32_t masks[SRC_MAX_M];
    uint32_t cands[SRC_MAX_M];
    src_score_t score;
    /* the search's own evaluation of each shipment (exact search, explain
     * off), or NULL: materialize then evaluates it again */
    const src_eval_t *evals[SRC_MAX_M];
} src_best_plan_t;

/* (int)ceil(v) without a libm call (the portable x86-64 baseline has no
 * rounding instruction): the same integer as (int)ceil(v) for every v in
 * (-1e9, 1e9); saturates outside. */
static inline int src_ceil_int(double v)
{
    if (v > -1.0 && v < 1e9) {
        int t = (int)v; /* truncates toward zero: floor for v >= 0, 0 for -1 < v < 0 */
        return t + (v > (double)t);
    }
    if (v >= 1e9)
        return 1000000000;
    return v > -1e9 ? (int)ceil(v) : -1000000000;
}

/* ---- the weighted score: one formula ----
 *
 * A weighted strategy scores a shipment as
 *   −cost·C − economic·E + on_time·share·P(on time) − return_risk·share·RR
 *   − load·LP + overstock·share·OV
 * (C: cash cost; E: economic cost, carrying relief + opportunity; share:
 * the shipment's part of the order's units; LP: load penalty; OV: days of
 * supply / 90, at most 1). src_weighted_score is that sum, in that
 * order of operations, for the shipment's score, the service choice and the
 * bounds alike; `svc` is the on-time term (src_weighted_on_time), or for a
 * bound that trades shipping against P(on time) per service, the best
 * −cost·shipping + on-time term over the services, with C then excluding
 * shipping. */
/* The zone criterion's 0..1 term before the share: 1 at zone 1, 0 at zone
 * 9. The rate zones of Alaska, Hawaii and PR/VI (10..12) are not farther
 * than the Pacific territories' 9: they count as 9. The score and its
 * bound both call it. */
static inline double src_zone_term(double zone)
{
    double z = zone > 9 ? 9 : zone;
    return 1 - (z > 1 ? z - 1 : 0) / 8;
}

static inline double src_weighted_on_time(const ordo_weights_t *w, double share, double ot)
{
    return w->on_time * share * ot;
}
/* OV: days of supply over 90, capped at 1 (uncapped where per-line bounds
 * are summed and so must stay additive: share·min(1, d) ≤ Σ share_i·d_i) */
static inline double src_overstock_part(double dos, bool cap)
{
    return !cap ? dos / 90 : dos < 90 ? dos / 90 : 1;
}
static inline double src_weighted_score(const ordo_weights_t *w, double share, double cost,
                                        double econ, double svc, double rr, double load_penalty,
                                        double ov)
{
    return -w->cost * cost - w->economic * econ + svc - w->return_risk * share * rr -
           w->load * load_penalty + w->overstock * share * ov;
}

/* ---- shared by the shipment model (features.c) and its bounds (bounds.c) ---- */

/* v rounded to a multiple of res (res 0: v) */
static inline double src_quantize(double v, double res)
{
    return res > 0 ? floor(v / res + 0.5) * res : v;
}

/* Expected business days late: ships on s0 (s0 + 1 with probability pe),
 * promised on business day D. */
static inline double src_expected_late(const ordo_carrier_service_t *svc, int zone, int s0,
                                       double pe, int D)
{
    double late = 0;
    const double *pr = svc->transit[zone - 1];
    for (int d = 0; d < ORDO_TRANSIT_DAYS; d++) {
        if (pr[d] <= 0)
            continue;
        int a = s0 + d - D, b = s0 + 1 + d - D;
        late += pr[d] * ((1 - pe) * (a > 0 ? a : 0) + pe * (b > 0 ? b : 0));
    }
    return late;
}

/* src_expected_late of service si, from the engine's table when there is no
 * extra-day chance (pe == 0: the common case below 80% utilization). The
 * loop depends on s0 and D only through s0 − D, and with pe == 0 every term
 * is pr[d]·(1·max(0, a) + 0·b) = pr[d]·max(0, a) exactly, so the table
 * (src_expected_late at s0 − D, D = 0) holds the very number the loop gives;
 * below the table's range every a ≤ 0 and the sum is 0. */
static inline double src_late(const ordo_engine_t *eng, uint32_t si, int zone, int s0, double pe,
                              int D)
{
    int k = s0 - D + SRC_LATE_OFF;
    if (pe == 0 && k < SRC_LATE_SPAN)
        return k <= 0 ? 0 : eng->late0[((size_t)si * ORDO_ZONES + zone - 1) * SRC_LATE_SPAN + k];
    return src_expected_late(&eng->net->services[si], zone, s0, pe, D);
}

/* ---- learned risk (risk_model.c) ---- */
void src_riskm_free(ordo_engine_t *e);
/* The customers' return history (cust_hist.c): -1 when the engine has none
 * (no outcome fed), 0 an unknown customer (counts 0), 1 a known one. */
typedef struct src_cust_tab src_cust_tab_t;
int src_cust_lookup(const ordo_engine_t *e, const char *customer_id, uint32_t *orders,
                    uint32_t *returns);
void src_cust_free(ordo_engine_t *e);
void src_riskm_begin(src_ctx_t *x);
/* P(cancel) of a shipment with P(on time) ot, and its floor over ot */
double src_riskm_cancel(const src_ctx_t *x, double ot);
double src_riskm_return_z(const src_ctx_t *x, uint32_t mask, double miles);
double src_riskm_return(const src_ctx_t *x, double z, double ot);

/* ---- learned lanes (lanes.c) ---- */
void src_lanes_free(ordo_engine_t *e);
void src_lanes_begin(src_ctx_t *x);
void src_lanes_engine_init(ordo_engine_t *e); /* lane_by_wd, at the engine's creation */
void src_lanes_plan(const src_ctx_t *x, ordo_plan_t *plan);
/* ---- network value of stock (netval.c) ---- */
void src_netval_free(ordo_engine_t *e);
void src_netval_begin(src_ctx_t *x);
/* qty x the value of a unit of line i's cell at candidate c (x->netval set) */
double src_netval_line(const src_ctx_t *x, const src_cand_t *c, uint32_t i, double qty);
/* The learned lane of a shipment from node by service shipped on day s0
 * (its class from lane_cls), NULL when the table has none for it. */
static inline const ordo_lane_dist_t *src_lane_learned(const src_ctx_t *x, uint32_t node,
                                                       uint32_t service, int s0)
{
    const ordo_lanes_t *l = x->lanes;
    if (node >= l->n_nodes || service >= l->n_services)
        return NULL;
    int s = s0 < 0 ? 0 : s0 < SRC_LANE_SHIP_DAYS ? s0 : SRC_LANE_SHIP_DAYS - 1;
    int cls = service < 64 ? (int)(x->lane_cls[s] >> service & 1) : 0;
    uint32_t d = x->lane_row[((size_t)node * l->n_services + service) * ORDO_LANE_CLASSES + cls];
    return d == ORDO_LANES_NONE ? NULL : &l->dists[d];
}
double src_lane_late_learned(const ordo_lane_dist_t *d, int s0, double pe, int D);
#define SRC_LANE_PREFETCH 4 /* candidates ahead whose lanes are prefetched */
/* Starts loading a candidate's lanes (its services, both classes) so
 * that its bounds (src_cand_init_bounds) do not wait on the cache miss. */
static inline __attribute__((always_inline)) void src_lanes_prefetch(const src_ctx_t *x,
                                                                     uint32_t node)
{
    const ordo_lanes_t *l = x->lanes;
    if (!l || node >= l->n_nodes)
        return;
    const uint32_t *row = &x->lane_row[(size_t)node * l->n_services * ORDO_LANE_CLASSES];
    __builtin_prefetch(row);
    __builtin_prefetch(row + l->n_services * ORDO_LANE_CLASSES - 1);
}

/* The transit cdf a shipment is timed with: the learned lane's when the
 * decision reads learned lanes and the lane has one, else the published
 * histogram of the zone. By node (one lookup), or by a candidate's service
 * k (the lane its bounds looked up once). */
static inline const double *src_lane_cdf(const src_ctx_t *x, uint32_t node, uint32_t service,
                                         int zone, int s0)
{
    const ordo_lane_dist_t *d = x->lanes ? src_lane_learned(x, node, service, s0) : NULL;
    return d ? d->cdf : x->eng->cdf[service][zone - 1];
}

static inline const double *src_cand_cdf(const src_ctx_t *x, const src_cand_t *c, uint32_t k,
                                         uint32_t service, int zone)
{
    /* lane[] is set only when the decision reads learned lanes */
    return x->lanes && c->lane[k] ? c->lane[k]->cdf : x->eng->cdf[service][zone - 1];
}

/* src_late with the distribution src_cand_cdf gives. */
static inline double src_cand_late(const src_ctx_t *x, const src_cand_t *c, uint32_t k,
                                   uint32_t service, int zone, int s0, double pe, int D)
{
    return x->lanes && c->lane[k] ? src_lane_late_learned(c->lane[k], s0, pe, D)
                                  : src_late(x->eng, service, zone, s0, pe, D);
}

/* Service si's base_min row at the candidate's zone. */
static inline const double *src_svc_row(const src_ctx_t *x, const src_cand_t *c, uint32_t si)
{
    return (const double *)x->eng->base_min + (size_t)si * (ORDO_ZONES * SRC_RET_LB) + c->zoff;
}

/* Expected returns cost of the lines in mask at their base return rates:
 * processing and lost margin, plus return shipping when zone >= 1 (not a
 * pickup). Lateness scales it (src_eval_shipment). */
double src_returns_at_base(const src_ctx_t *x, uint32_t mask, int zone);

/* features.c: the shipment model; bounds.c: its optimistic bounds */
int src_return_lb(const src_line_t *l);
/* Why no carrier service can carry one unit of order line li (its weight,
 * sides and the limits it breaks), or "" (features.c). */
void src_line_limits(const src_ctx_t *x, uint32_t li, char *d, size_t cap);

/* The sides of a parcel holding units whose largest sides are max_side
 * (longest first, over the units) and whose cube is cubic: the largest
 * unit's longest and second sides and a third as deep as the cube needs;
 * when that stack would be deeper than the second side, a box closer to a
 * cube (no side shorter than the units' nor than the cube's root needs).
 * Sorted longest first into out; one unit gives its own sides. */
static inline void src_parcel_sides(const double *max_side, double cubic, double *out)
{
    double a = max_side[0], b = max_side[1], c = max_side[2];
    if (a > 0 && b > 0 && cubic / (a * b) > c) {
        double t = cubic / (a * b);
        if (t > b) { /* stacked units */
            double r = cbrt(cubic);
            if (r > a)
                a = r;
            double q = sqrt(cubic / a);
            if (q > b)
                b = q;
            t = cubic / (a * b);
        }
        if (t > c)
            c = t;
    }
    if (c > b) {
        double t = b;
        b = c;
        c = t;
    }
    if (b > a) {
        double t = a;
        a = b;
        b = t;
    }
    out[0] = a, out[1] = b, out[2] = c;
}
void src_eval_shipment(src_ctx_t *x, uint32_t cand, uint32_t mask, int32_t force_service,
                       src_eval_t *out);
void src_upper_bound(src_ctx_t *x, uint32_t cand, uint32_t mask, src_score_t *out);
void src_subset_init(const src_ctx_t *x, uint32_t mask, src_subset_t *sub);
/* The cheapest shipping of the subset's parcel at a zone over the network
 * services in svcs (bit s; every service from index 64 on), base_min at
 * its billable pounds times the order's factors: a lower bound on the
 * shipping of any of them from any node (0 when there is none). */
double src_ship_lb_zone(const src_ctx_t *x, const src_subset_t *sub, int zone, uint64_t svcs);
/* tight: criteria strategies also bound P(on time) and shipping over only
 * the services the strategy can choose (costlier; weighted: no effect) */
void src_upper_bound_sub(src_ctx_t *x, uint32_t cand, src_subset_t *sub, bool tight,
                         src_score_t *out);
/* Criteria strategies: the first criterion a shipment's bound depends on
 * (fewest_shipments skipped, it is 0 there), when it is cheap to bound on its
 * own (not cost); else -1. src_upper_bound_lead gives that component of
 * src_upper_bound_sub, bit for bit, without the others: every other
 * component before it is 0, so shipments whose lead bounds differ are
 * ordered by it alone. */
int src_lead_criterion(const ordo_strategy_t *st);
/* True when no shipment from the candidate can be feasible under the
 * strategy whatever its lines: a node type outside a node_type criterion's
 * order, a zone or distance beyond a criterion's max, load already beyond
 * it, or P(on time) that cannot reach a minimum (the constraint's or a
 * criterion's) even at the candidate's best service and current load. */
bool src_cand_never(const src_ctx_t *x, uint32_t cand);
double src_upper_bound_lead(src_ctx_t *x, uint32_t cand, const src_subset_t *sub, int q);
/* Per-line decomposition of the bound: for any block B at cand c,
 *   score(B, c) ≤ Σ_{i∈B} line_ub(c, i) + fixed_ub(c) + half a quantum per criterion. */
void src_line_ub(src_ctx_t *x, uint32_t cand, uint32_t line, src_score_t *out);
void src_fixed_ub(src_ctx_t *x, uint32_t cand, src_score_t *out);
/* Criteria strategies: component q of src_line_ub and src_fixed_ub, bit for
 * bit, alone (the split test compares bounds one component at a time) */
double src_line_ub_crit(src_ctx_t *x, uint32_t cand, uint32_t line, uint32_t q);
double src_fixed_ub_crit(src_ctx_t *x, uint32_t cand, uint32_t q);
void src_cand_init_bounds(src_ctx_t *x, uint32_t cand);
/* The lines' src_line_t.fix_ret and fix_ship, before any candidate's bounds. */
void src_lines_fixed(src_ctx_t *x);

/* Service levels (features.c; docs/policies.md, "Service levels are
 * promises"): the P(on time) the chosen service must reach (the level's
 * target, or the strategy's service_target, raised to min_on_time); the
 * minimum P(on time) of a shipment (min_on_time, raised to the level's floor
 * under a strategy); the promise in business days for a shipment from node
 * (a supplier's processing days added when the policy says so); the node's
 * services (bit k: node->services[k]) the order's level may use; whether a
 * standard order may buy a faster one (then src_services_upgrade). */
double src_service_target(const src_ctx_t *x);
/* What criteria_service_bound needs of a candidate alone (its sb_ fields),
 * once its P(on time) per service is known (target: x->svc_target). */
void src_cand_service_rule(const src_ctx_t *x, src_cand_t *c);
double src_min_on_time(const src_ctx_t *x);
int src_promise_for(const src_ctx_t *x, const ordo_node_t *node);
uint32_t src_services_allowed(const src_ctx_t *x, const ordo_node_t *node);
bool src_services_upgrade(const src_ctx_t *x);
src_score_t src_plan_term(const src_ctx_t *x, uint32_t k);
void src_eta(const src_ctx_t *x, const src_eval_t *e, int *p50, int *p90);
int64_t src_bday_to_time(int64_t day0, int bdays);
int src_bdays_between(int64_t day0, int64_t day1);
/* The calendar dates (noon UTC of the customer's date) of a shipment's
 * ETA: ship day in node working days, then transit in the carrier's
 * delivery days, both skipping federal holidays. */
void src_eta_dates(const src_ctx_t *x, const src_eval_t *e, int p50, int p90, int64_t *d50,
                   int64_t *d90);
bool src_node_allowed(const src_ctx_t *x, const ordo_node_t *n, const char **why);
/* Lexicographic comparison with a relative tolerance per component: 1, 0 or
 * −1. Inline: the criteria scans compare vectors in their inner loops. */
static inline int src_lex_cmp_slow(const src_score_t *a, const src_score_t *b, uint32_t dim)
{
    for (uint32_t i = 0; i < dim; i++) {
        /* equal components are common (rounded criteria, node types, the
         * zero of fewest_shipments in shipment scores) and compare equal
         * below too: d = 0 is within any tolerance */
        if (a->v[i] == b->v[i])
            continue;
        double d = a->v[i] - b->v[i];
        double tol = SRC_EPS * (1 + fabs(a->v[i]) + fabs(b->v[i]));
        if (d > tol)
            return 1;
        if (d < -tol)
            return -1;
    }
    return 0;
}
static inline int src_lex_cmp(const src_score_t *a, const src_score_t *b, uint32_t dim)
{
    if (dim == 1) {
        double x = a->v[0], y = b->v[0], d = x - y;
        double tol = SRC_EPS * (1 + fabs(x) + fabs(y)); /* branch-free */
        return d > tol ? 1 : d < -tol ? -1 : 0;
    }
    return src_lex_cmp_slow(a, b, dim);
}
static inline void src_add(src_score_t *a, const src_score_t *b, uint32_t dim)
{
    if (dim == 1) { /* one score (weighted): no loop */
        a->v[0] += b->v[0];
        return;
    }
    for (uint32_t i = 0; i < dim; i++)
        a->v[i] += b->v[i];
}

/* Componentwise max of bounds: *acc = v when !*any, else max(*acc, v). */
static inline void src_ub_max(src_score_t *acc, bool *any, const src_score_t *v, uint32_t dim)
{
    if (!*any) {
        *acc = *v;
        *any = true;
        return;
    }
    for (uint32_t d = 0; d < dim; d++)
        if (v->v[d] > acc->v[d])
            acc->v[d] = v->v[d];
}

/* Zeroed memory from the order's arena (at least one element). */
static inline void *src_zalloc(src_ctx_t *x, size_t n, size_t size)
{
    return ordo_arena_calloc(x->arena, n ? n : 1, size);
}

/* candidates.c: failures, the search lines and the candidates */
/* Records the first failure of a decision, what failed and which field or
 * limit (printf format), and returns rc; the entry points report it. */
int src_fail(src_ctx_t *x, int rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* src_fail for an arena allocation: "out of memory: the order's arena could
 * not hold <what>" */
int src_fail_arena(src_ctx_t *x, const char *what);
/* The recorded failure as err (rc when none was recorded: a generic
 * message naming the code). */
int src_report(const src_ctx_t *x, int rc, ordo_error_t *err);
/* Backorder reason categories of excluded singletons (rule tally) */
extern const char *const src_rule_cats[8];
int src_resolve_groups(src_ctx_t *x);
void src_line_stats(src_ctx_t *x, uint32_t li);
int src_cands_alloc(src_ctx_t *x, size_t n, bool zero);
/* Point candidate s at its rows of the pools. */
static inline void src_cand_bind(src_ctx_t *x, uint32_t s)
{
    src_cand_t *cd = &x->cands[s];
    size_t at = (size_t)s * x->n_lines;
    cd->cell = &x->pool_cell[at];
    cd->atp = &x->pool_atp[at];
    cd->dos = &x->pool_dos[at];
    cd->fixed = &x->pool_fixed[at];
    cd->econ = &x->pool_econ[at];
}
/* The candidate's node with no signal in force: its capacity and pick
 * cost, no labour load, nothing excluding it (src_cand_signals starts so). */
static inline void src_cand_node_as_is(const src_ctx_t *x, src_cand_t *c)
{
    const ordo_node_t *node = &x->net->nodes[c->node];
    c->cap = node->daily_capacity;
    c->pick = node->pick_cost_per_unit;
    c->labour_u = 0;
    c->sig_excl = NULL;
    c->sig_rule = NULL;
}
src_line_t src_search_line(const ordo_network_t *net, uint32_t order_line, uint32_t sku_i,
                           uint32_t qty);
void src_lines_finish(src_ctx_t *x);
/* The search lines of the order, its candidates and their bounds. */
int src_prepare(src_ctx_t *x);
/* Every node slot back to −1 (x->slots made in the arena when NULL). */
int src_slots_reset(src_ctx_t *x);
/* One of the engine's free slot tables, marked busy (NULL: none free), and
 * giving it back when the decision is done (NULL: nothing). */
src_slots_t *src_slots_take(ordo_engine_t *e);
void src_slots_give(src_slots_t *ss);
/* src_eval_shipment, tallied for backorder reasons and recorded when
 * explaining: how the searches evaluate a shipment. */
void src_eval(src_ctx_t *x, uint32_t ci, uint32_t mask, src_eval_t *e);

/* risk.c: stale stock, customer value, cancellation, carrier caps
 * (docs/internals/SOURCING.md, "Risk terms") */
#define SRC_RISK_STALE 1u
#define SRC_RISK_VALUE 2u
#define SRC_RISK_CANCEL 4u
#define SRC_RISK_CAPS 8u
#define SRC_CWIN_SLOTS ORDO_CAP_WINDOW_MAX_HOURS
bool src_risk_engine_init(ordo_engine_t *e);
void src_risk_engine_free(ordo_engine_t *e);
/* Per decision: the terms the policy turns on, the customer's weight, the
 * carriers over their cap. */
void src_risk_init(src_ctx_t *x);
/* Stale stock of line i (need units of its SKU) into o->risk (eval_stock). */
void src_risk_line(const src_ctx_t *x, const src_cand_t *c, uint32_t i, uint32_t need,
                   src_eval_t *o);
/* A lower bound of line i's risk costs at the candidate (its own quantity,
 * no lateness): added to the per-line cost bound. */
double src_risk_line_lb(const src_ctx_t *x, const src_cand_t *c, uint32_t i);
/* Cancellation and totals of a shipment once its service is chosen. */
void src_risk_shipment(const src_ctx_t *x, uint32_t mask, src_eval_t *o);
/* The strategy's weights, the on-time weight scaled by the customer's
 * (inline: the bounds call it per candidate; the scaled copy is risk.c's). */
const ordo_weights_t *src_risk_weights_scaled(src_ctx_t *x);
static inline const ordo_weights_t *src_risk_weights(src_ctx_t *x)
{
    return x->risk_m == 1 ? &x->strat->weights : src_risk_weights_scaled(x);
}
/* Services (bit k: node->services[k]) whose carrier a cap does not block. */
uint32_t src_risk_cap_block(const src_ctx_t *x, const ordo_node_t *node, uint32_t allowed);
static inline uint32_t src_risk_cap_mask(const src_ctx_t *x, const ordo_node_t *node,
                                         uint32_t allowed)
{
    return x->risk_block ? src_risk_cap_block(x, node, allowed) : allowed;
}
/* Counts (d = 1) or takes back (d = −1) a reserved plan's shipments in the
 * carrier windows at instant at; adds the shipment's risk to plan totals. */
void src_risk_commit(ordo_engine_t *e, const ordo_plan_t *plan, int64_t at, int d);
void src_risk_plan_add(ordo_plan_t *plan, const ordo_shipment_t *sh, bool first);
/* A partial plan's totals: src's risk added to dst's. */
void src_risk_plan_merge(ordo_risk_t *dst, const ordo_risk_t *src);
static inline void src_risk_reset(ordo_risk_t *r)
{
    memset(r, 0, sizeof *r);
    r->stock_confidence = 1;
    r->value_weight = 1;
}
/* signals.c: the signals in force for a candidate's node (capacity, pick
 * cost, labour, status) and for the order's services (rate, outage), and
 * the record of what they did */
void src_cand_signals(src_ctx_t *x, src_cand_t *c);
void src_svcx_signals(src_ctx_t *x, uint32_t s, src_svcx_t *sx);
/* With x->svc_signals: the cheapest 1-lb parcel over the candidate's
 * services the order may still use, at their factors in force (the
 * engine's one_lb, under the signals): c->one_lb. */
void src_cand_one_lb(const src_ctx_t *x, src_cand_t *c);
void src_signal_used(src_ctx_t *x, const ordo_signal_t *g, const char *effect);
/* The order's per-service factors (x->svcx), once per decision; false
 * when the arena is full. */
bool src_svcx_build(src_ctx_t *x);
/* The snapshot's version and the signals that touched the decision, into
 * the plan (arena). */
void src_plan_signals(src_ctx_t *x, ordo_plan_t *plan);
/* ordo_engine_destroy: the snapshot in force and every retired one */
void src_signals_free(ordo_engine_t *e);
/* The labour load penalty of a candidate under the policy (0 below the
 * threshold). */
double src_labour_penalty(const src_ctx_t *x, const src_cand_t *c);

/* exact.c: the exact search over line groupings with distinct nodes */
int src_run_exact(src_ctx_t *x, src_best_plan_t *out);
/* The exact search's pruning (on; ordo_source_exact_pruning(false) turns it
 * off for tests that compare the pruned search with the unpruned one) */
extern bool src_exact_pruning;
void ordo_source_exact_pruning(bool on);
/* What the last strategy a thread ran searched, for bench_source's
 * --shapes breakdown (not part of any plan; a few stores a decision). */
typedef enum src_shape_kind {
    SRC_SHAPE_NONE = 0,   /* no search ran (fallback rule, pickup, no candidate) */
    SRC_SHAPE_ONE,        /* one search line, or one shipment allowed */
    SRC_SHAPE_WHOLE_ONLY, /* the split test: no split can beat the single shipment */
    SRC_SHAPE_GROUPS,     /* line groups searched */
    SRC_SHAPE_BEAM,
} src_shape_kind_t;
typedef struct src_trace {
    src_shape_kind_t kind;
    uint32_t order_lines, search_lines, cands;
    uint32_t passes; /* exact passes (2: the best groups collided on nodes) */
} src_trace_t;
extern _Thread_local src_trace_t src_trace;
/* beam.c: the bounded search for orders beyond the exact search's lines */
int src_run_beam(src_ctx_t *x, src_best_plan_t *out);

#endif
