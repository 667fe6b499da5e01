/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — allocation's entry points: deciding an order (the policy's
 * strategies, each searched exactly (exact.c) or bounded (beam.c) over the
 * candidates candidates.c sets up; the deterministic fallback; backorder
 * reasons; reservation), releasing a plan, and pricing a given plan.
 * docs/internals/SOURCING.md explains the steps and where each lives. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/calendar.h"
#include "ordo/util.h"

/* ---- building the plan ---- */

static int materialize(src_ctx_t *x, const src_best_plan_t *b, ordo_plan_t *plan,
                       const int32_t *force)
{
    const ordo_network_t *net = x->net;
    plan->n_shipments = b->k;
    plan->shipments = src_zalloc(x, b->k, sizeof *plan->shipments);
    if (!plan->shipments)
        return src_fail_arena(x, "the plan's shipments");
    memset(&plan->cost, 0, sizeof plan->cost);
    plan->units = 0;
    plan->on_time_prob = 0;
    plan->all_on_time_prob = 1;
    plan->return_risk = 0;
    for (uint32_t s = 0; s < b->k; s++) {
        ordo_shipment_t *sh = &plan->shipments[s];
        src_eval_t e;
        if (!force && b->evals[s]) {
            e = *b->evals[s]; /* the search's evaluation, counted as before */
            x->evaluated++;
        } else {
            src_eval_shipment(x, b->cands[s], b->masks[s], force ? force[s] : -3, &e);
        }
        const src_cand_t *cd = &x->cands[b->cands[s]];
        sh->node = cd->node;
        sh->service = e.service;
        sh->units = e.units;
        sh->weight_lb = e.weight;
        sh->billable_lb = e.billable;
        sh->zone = e.zone;
        sh->miles = e.miles;
        sh->cost = e.cost;
        sh->on_time_prob = e.on_time;
        sh->return_risk = e.return_risk;
        sh->load_penalty = e.load_penalty;
        sh->days_of_supply = e.dos;
        if (e.risk.set)
            sh->risk = e.risk; /* else left zero (the shipments are zeroed) */
        src_risk_plan_add(plan, sh, s == 0);
        src_eta(x, &e, &sh->eta_p50_days, &sh->eta_p90_days);
        src_eta_dates(x, &e, sh->eta_p50_days, sh->eta_p90_days, &sh->eta_p50, &sh->eta_p90);
        sh->lines = src_zalloc(x, (size_t)__builtin_popcount(b->masks[s]), sizeof *sh->lines);
        if (!sh->lines)
            return src_fail_arena(x, "a shipment's lines");
        for (uint32_t i = 0; i < x->n_lines; i++) {
            if (!(b->masks[s] & (1u << i)))
                continue;
            const src_line_t *l = &x->lines[i];
            ordo_plan_line_t *pl = NULL;
            for (uint32_t j = 0; j < sh->n_lines; j++)
                if (sh->lines[j].line == l->order_line)
                    pl = &sh->lines[j];
            if (pl) {
                pl->quantity += l->qty;
                continue;
            }
            pl = &sh->lines[sh->n_lines++];
            pl->line = l->order_line;
            pl->sku = l->sku;
            pl->quantity = l->qty;
            pl->cell = cd->cell[i];
        }
        plan->units += sh->units;
        plan->on_time_prob += sh->on_time_prob * sh->units;
        plan->all_on_time_prob *= sh->on_time_prob;
        plan->return_risk += sh->return_risk * sh->units;
        ordo_cost_t *t = &plan->cost;
        /* every shipment-level component, summed field by field; plan-level
         * ones (split) are set below */
#define SUM_COMPONENT(name, plan_level, econ)                                                      \
    if (!(plan_level))                                                                             \
        t->name += sh->cost.name;
        ORDO_COST_COMPONENTS(SUM_COMPONENT)
#undef SUM_COMPONENT
    }
    (void)net;
    if (plan->units) {
        plan->on_time_prob /= plan->units;
        plan->return_risk /= plan->units;
    }
    plan->cost.split = b->k > 1 ? x->eng->p.split_cost * (b->k - 1) : 0;
    plan->cost.total += plan->cost.split;
    plan->score_dim = x->dim;
    for (uint32_t i = 0; i < x->dim && i < ORDO_MAX_CRITERIA + 1; i++)
        plan->score_vec[i] = b->score.v[i];
    plan->score = b->score.v[0];
    return ORDO_OK;
}

/* ---- strategies, fallback, pickup ---- */

static const ordo_constraints_t *fallback_constraints(void)
{
    static const ordo_constraints_t c = {.max_shipments = 1,
                                         .node_types = (1u << ORDO_NODE_TYPES) - 1,
                                         .respect_capacity = true,
                                         .respect_safety_stock = true};
    return &c;
}

static void set_guardrails(src_ctx_t *x)
{
    x->max_zone = 0;
    x->max_miles = 0;
    x->zone_rule = x->miles_rule = "guardrail";
    if (!x->policy || !x->strat)
        return;
    static const char *const names[ORDO_MAX_GUARDRAILS] = {
        "guardrail[0]", "guardrail[1]", "guardrail[2]", "guardrail[3]",
        "guardrail[4]", "guardrail[5]", "guardrail[6]", "guardrail[7]"};
    const ordo_constraints_t *pc = &x->policy->constraints;
    for (uint32_t i = 0; i < pc->n_guardrails; i++) {
        const ordo_guardrail_t *g = &pc->guardrails[i];
        if (!ordo_cond_eval(g->when, &x->octx))
            continue;
        if (g->max_zone && (!x->max_zone || g->max_zone < x->max_zone)) {
            x->max_zone = g->max_zone;
            x->zone_rule = names[i];
        }
        if (g->max_miles > 0 && (x->max_miles == 0 || g->max_miles < x->max_miles)) {
            x->max_miles = g->max_miles;
            x->miles_rule = names[i];
        }
    }
}

static int run_strategy(src_ctx_t *x, const ordo_strategy_t *s, ordo_plan_t *plan, bool *found)
{
    *found = false;
    x->strat = s;
    x->cons = &s->constraints;
    x->dim = s->kind == ORDO_STRATEGY_WEIGHTED ? 1 : s->n_criteria;
    set_guardrails(x);
    int rc = src_prepare(x);
    if (rc)
        return rc;
    src_best_plan_t b;
    memset(&b, 0, sizeof b);
    bool beam = x->opts->force_beam || x->n_lines > ORDO_SOURCE_EXACT_MAX_LINES;
    src_trace.kind = beam ? SRC_SHAPE_BEAM : SRC_SHAPE_ONE;
    src_trace.order_lines = x->order->n_lines;
    src_trace.search_lines = x->n_lines;
    src_trace.cands = x->n_cands;
    src_trace.passes = 0;
    rc = beam ? src_run_beam(x, &b) : src_run_exact(x, &b);
    if (rc)
        return rc;
    if (!b.found)
        return ORDO_OK;
    plan->search = beam ? "beam" : x->pruned ? "bounded" : "exact";
    plan->strategy = s->name;
    *found = true;
    return materialize(x, &b, plan, NULL);
}

/* Nearest node (miles) that can ship the whole order, within capacity,
 * among the nodes cons allows (max_shipments 1). */
static int run_nearest_cons(src_ctx_t *x, const ordo_constraints_t *cons, ordo_plan_t *plan,
                            bool *found)
{
    *found = false;
    x->strat = NULL;
    x->cons = cons;
    x->dim = 1;
    set_guardrails(x);
    int rc = src_prepare(x);
    if (rc)
        return rc;
    src_best_plan_t b;
    memset(&b, 0, sizeof b);
    double best_miles = INFINITY;
    for (uint32_t c = 0; c < x->n_cands; c++) {
        if (x->cands[c].full_mask != x->all_mask)
            continue;
        double m = x->order->level == ORDO_LEVEL_PICKUP ? 0 : x->cands[c].miles;
        if (m >= best_miles)
            continue;
        src_eval_t e;
        src_eval(x, c, x->all_mask, &e);
        if (!e.feasible)
            continue;
        best_miles = m;
        b.found = true;
        b.k = 1;
        b.masks[0] = x->all_mask;
        b.cands[0] = c;
    }
    if (!b.found)
        return ORDO_OK;
    *found = true;
    plan->search = "fallback";
    plan->strategy = "nearest";
    return materialize(x, &b, plan, NULL);
}

static int run_nearest(src_ctx_t *x, ordo_plan_t *plan, bool *found)
{
    return run_nearest_cons(x, fallback_constraints(), plan, found);
}

static void backorders(src_ctx_t *x, ordo_plan_t *plan)
{
    const ordo_order_t *o = x->order;
    plan->partial = NULL; /* a partial plan whose reservation failed ships nothing */
    plan->n_line_actions = 0;
    plan->backorders = src_zalloc(x, o->n_lines, sizeof *plan->backorders);
    if (!plan->backorders)
        return;
    plan->n_backorders = 0;
    if (src_slots_reset(x))
        return;
    for (uint32_t li = 0; li < o->n_lines; li++)
        src_line_stats(x, li);
    for (uint32_t li = 0; li < o->n_lines; li++) {
        ordo_backorder_t *b = &plan->backorders[plan->n_backorders++];
        b->line = li;
        b->quantity = o->lines[li].quantity;
        char d[160];
        d[0] = 0;
        if (o->level == ORDO_LEVEL_PICKUP) {
            if (x->line_full[li] == 0) {
                b->reason = "pickup_store_short";
                snprintf(d, sizeof d, "the pickup store has %llu of %u",
                         (unsigned long long)x->line_total[li], o->lines[li].quantity);
            } else {
                b->reason = "no_feasible_plan";
            }
        } else if (x->line_any[li] == 0) {
            b->reason = "out_of_stock";
            snprintf(d, sizeof d, "no node has available stock");
        } else if (x->line_allowed[li] == 0) {
            b->reason = "excluded_nodes";
            snprintf(d, sizeof d, "%u node(s) have stock but the policy excludes them",
                     x->line_any[li]);
        } else if (x->line_full[li] == 0 &&
                   (x->line_total[li] < o->lines[li].quantity || !x->cons->allow_line_split)) {
            b->reason = "insufficient_stock";
            snprintf(d, sizeof d, "no allowed node has %u (most: %llu in total over %u nodes)",
                     o->lines[li].quantity, (unsigned long long)x->line_total[li],
                     x->line_allowed[li]);
        } else if (x->excl[li][5] && (src_line_limits(x, li, d, sizeof d), d[0])) {
            b->reason = "no_carrier_service"; /* d: the weight, size and limits */
        } else {
            b->reason = "no_feasible_plan";
            size_t n = 0;
            for (int r = 0; r < 8; r++)
                if (x->excl[li][r] && n < sizeof d - 40)
                    n +=
                        (size_t)snprintf(d + n, sizeof d - n, "%s%s x%u", n ? ", " : "excluded by ",
                                         src_rule_cats[r], x->excl[li][r]);
            if (!n)
                snprintf(d, sizeof d, "no combination within %u shipment(s)",
                         x->cons->max_shipments);
        }
        b->detail = d[0] ? ordo_arena_strdup(x->arena, d) : NULL;
    }
}

static void collect_atp(src_ctx_t *x, ordo_plan_t *plan)
{
    uint32_t cap = x->n_cands * x->n_lines;
    if (cap > 512)
        cap = 512;
    /* entries from n_atp on are never read: no need to zero them */
    plan->atp = ordo_arena_alloc(x->arena, sizeof *plan->atp * (cap ? cap : 1));
    plan->n_atp = 0;
    if (!plan->atp)
        return;
    /* locals: the stores into plan->atp may not alias the candidates */
    ordo_atp_seen_t *out = plan->atp;
    uint32_t n = 0;
    const src_line_t *lines = x->lines;
    for (uint32_t c = 0; c < x->n_cands && n < cap; c++) {
        const int32_t *atp = x->cands[c].atp;
        /* the lines it stocks (atp > 0), in line order */
        for (uint32_t m = x->cands[c].stock_mask; m && n < cap; m &= m - 1) {
            uint32_t i = (uint32_t)__builtin_ctz(m);
            bool dup = false;
            if (lines[i].shared) /* another search line has the SKU */
                for (uint32_t j = 0; j < i; j++)
                    dup |= lines[j].sku == lines[i].sku && atp[j] > 0;
            if (dup)
                continue;
            out[n].node = x->cands[c].node;
            out[n].sku = lines[i].sku;
            out[n].atp = atp[i];
            n++;
        }
    }
    plan->n_atp = n;
}

static int reserve(src_ctx_t *x, ordo_plan_t *plan, bool respect_safety)
{
    uint32_t cells[ORDO_ORDER_MAX_LINES * 2] = {0};
    int32_t qtys[ORDO_ORDER_MAX_LINES * 2] = {0};
    uint32_t ship[ORDO_ORDER_MAX_LINES * 2]; /* the shipment of each pair */
    size_t n = 0;
    for (uint32_t s = 0; s < plan->n_shipments; s++)
        for (uint32_t j = 0; j < plan->shipments[s].n_lines && n < sizeof cells / sizeof cells[0];
             j++) {
            cells[n] = plan->shipments[s].lines[j].cell;
            ship[n] = s;
            qtys[n++] = (int32_t)plan->shipments[s].lines[j].quantity;
        }
    size_t failed = 0;
    int rc = ordo_inventory_reserve_many(x->net->inventory, cells, qtys, n, respect_safety ? 1 : 0,
                                         &failed);
    if (rc && failed < n) {
        const ordo_shipment_t *sh = &plan->shipments[ship[failed]];
        const ordo_plan_line_t *pl = NULL;
        for (uint32_t j = 0; j < sh->n_lines; j++)
            if (sh->lines[j].cell == cells[failed])
                pl = &sh->lines[j];
        return src_fail(x, rc, "shipments",
                        "could not reserve %d units of SKU %s at node %s (shipment %u): %s",
                        qtys[failed], pl ? x->net->skus[pl->sku].id : "?",
                        x->net->nodes[sh->node].id, ship[failed], ordo_strerror(rc));
    }
    if (rc)
        return src_fail(x, rc, "shipments", "could not reserve the plan's %zu lines: %s", n,
                        ordo_strerror(rc));
    for (uint32_t s = 0; s < plan->n_shipments; s++)
        ordo_engine_add_load(x->eng, plan->shipments[s].node, (int32_t)plan->shipments[s].units);
    src_risk_commit(x->eng, plan, x->as_of, 1);
    plan->reserved = true;
    return ORDO_OK;
}

/* The order's instant (created; without it opts->now, else the clock — an
 * order is never decided as of 1970) and its date in the customer's time
 * zone (the ship-to ZIP3's). */
static void ctx_time(src_ctx_t *x, const ordo_engine_t *eng, const ordo_order_t *order,
                     const ordo_decide_opts_t *opts)
{
    x->as_of = order->created ? order->created : opts->now ? opts->now : ordo_now_unix();
    uint16_t z3 = order->ship_zip3 < ORDO_ZIP3_COUNT ? order->ship_zip3 : 0;
    const ordo_tz_t *tz = eng->zones[eng->zip3_zone[z3]];
    x->day0 = ordo_cal_day_of(x->as_of + ordo_tz_offset(tz, x->as_of));
}

static void ctx_init(src_ctx_t *x, ordo_engine_t *eng, const ordo_policy_t *policy,
                     const ordo_order_t *order, const ordo_decide_opts_t *opts, ordo_arena_t *arena)
{
    memset(x, 0, sizeof *x);
    x->eng = eng;
    x->net = eng->net;
    x->order = order;
    x->policy = policy;
    x->opts = opts;
    x->arena = arena;
    x->explain = opts->explain;
    x->details = opts->explain;
    ordo_order_ctx_init(&x->octx, order, eng->net);
    ctx_time(x, eng, order, opts);
    x->sig = opts->signals ? opts->signals : ordo_signals_empty();
    src_lanes_begin(x);
    src_netval_begin(x);
    x->rate_floor = ordo_signals_rate_floor(x->sig);
    int lvl = (int)order->level;
    if (lvl < 0 || lvl >= ORDO_LEVELS)
        lvl = 0;
    if (order->promise > 0) {
        int64_t pday = order->promise / 86400;
        x->promise_days = src_bdays_between(x->day0, pday);
    } else {
        x->promise_days = eng->p.promise_days[lvl];
    }
    x->promise = src_bday_to_time(x->day0, x->promise_days);
    if (eng->p.peak >= 0) {
        x->peak = eng->p.peak != 0;
        x->peak_md = x->peak ? ORDO_PEAK_FIRST : ORDO_PEAK_NONE;
    } else {
        /* the services' peak windows are evaluated on this date */
        int y, m, d;
        ordo_cal_civil(x->day0, &y, &m, &d);
        x->peak_md = m * 100 + d;
        x->peak = true;
    }
    src_risk_init(x);
    src_riskm_begin(x);
}

/* ---- deciding an order ---- */

/* The arguments and the order a decision needs, each failure naming its
 * field. */
static int check_order(const ordo_engine_t *eng, const ordo_order_t *order,
                       const ordo_arena_t *arena, ordo_plan_t **out, ordo_error_t *err)
{
    const char *missing = !eng     ? "engine"
                          : !order ? "order"
                          : !arena ? "arena"
                          : !out   ? "out"
                                   : NULL;
    if (missing)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, missing, "missing argument: %s is NULL",
                              missing);
    if (order->n_lines == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "lines", "an order needs lines");
    for (uint32_t i = 0; i < order->n_lines; i++)
        if (order->lines[i].sku >= eng->net->n_skus || order->lines[i].quantity == 0) {
            char f[32];
            snprintf(f, sizeof f, "lines[%u]", i);
            return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, f, "unknown SKU or zero quantity");
        }
    if (order->n_lines > SRC_MAX_LINES)
        return ordo_error_set(err, ORDO_EUNSUPPORTED, NULL, 0, "lines",
                              "orders of more than %d lines are not supported", SRC_MAX_LINES);
    if (order->level != ORDO_LEVEL_PICKUP && !order->ship_zip)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "ship_to", "a shipped order needs a ZIP");
    if (order->level == ORDO_LEVEL_PICKUP &&
        (order->pickup_node < 0 || (uint32_t)order->pickup_node >= eng->net->n_nodes))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "pickup_store",
                              "a pickup order needs its store");
    return ORDO_OK;
}

/* The policy's strategies, then its fallbacks, in order: the first whose
 * condition matches and that finds a plan decides. */
static int run_policy(src_ctx_t *x, ordo_plan_t *plan, bool *found,
                      const ordo_strategy_t **first_matched)
{
    const ordo_policy_t *policy = x->policy;
    const ordo_decide_opts_t *opts = x->opts;
    int rc = ORDO_OK;
    bool matched = false;
    for (int stage = 0; stage < 2 && !*found && rc == ORDO_OK; stage++) {
        const ordo_strategy_t *list = stage ? policy->fallbacks : policy->strategies;
        uint32_t n = stage ? policy->n_fallbacks : policy->n_strategies;
        for (uint32_t i = 0; i < n && !*found; i++) {
            if (!ordo_cond_eval(list[i].when, &x->octx))
                continue;
            matched = true;
            if (!*first_matched)
                *first_matched = &list[i];
            rc = run_strategy(x, &list[i], plan, found);
            if (rc)
                break;
            if (opts->deadline_ns && !*found && ordo_now_ns() > opts->deadline_ns) {
                plan->fallback_reason = "deadline passed";
                break;
            }
        }
    }
    if (rc)
        return rc;
    if (!*found && !plan->fallback_reason)
        plan->fallback_reason =
            matched ? "no feasible plan under the policy" : "no strategy applies to this order";
    return ORDO_OK;
}

/* The nearest node that ships the whole order, run on a copy of the
 * context (the policy's candidates and reasons stay in x unless it finds a
 * plan). */
static int run_fallback_nearest(src_ctx_t *x, const ordo_strategy_t *first_matched,
                                ordo_plan_t *plan, bool *found)
{
    src_ctx_t *y = ordo_arena_alloc(x->arena, sizeof *y);
    if (!y)
        return src_fail_arena(x, "the fallback rule's context");
    memcpy(y, x, sizeof *y);
    y->slot = NULL;
    y->slots = NULL; /* its own, in the arena: x's stay as they are */
    y->fail_rc = 0;
    int rc = run_nearest(y, plan, found);
    if (rc)
        return y->fail_rc ? src_fail(x, y->fail_rc, y->fail_field[0] ? y->fail_field : NULL, "%s",
                                     y->fail_msg)
                          : rc;
    if (*found) {
        plan->status = ORDO_PLAN_FALLBACK;
        x->cands = y->cands;
        x->n_cands = y->n_cands;
        x->n_lines = y->n_lines;
        memcpy(x->lines, y->lines, sizeof x->lines);
        x->lines_fixed = y->lines_fixed;
        x->evaluated += y->evaluated;
        x->dim = 1;
    } else if (!first_matched) {
        /* reasons from the fallback rule's view */
        memcpy(x->line_any, y->line_any, sizeof x->line_any);
        memcpy(x->line_allowed, y->line_allowed, sizeof x->line_allowed);
        memcpy(x->line_full, y->line_full, sizeof x->line_full);
        memcpy(x->line_total, y->line_total, sizeof x->line_total);
        memcpy(x->excl, y->excl, sizeof x->excl);
        x->cons = y->cons;
    }
    return ORDO_OK;
}

/* No plan from the policy: the nearest-node fallback when allowed (after
 * re-running the first matching strategy, whose reasons the backorders
 * keep), else unfulfillable with backorder reasons. */
static int run_fallback(src_ctx_t *x, const ordo_strategy_t *first_matched, ordo_plan_t *plan)
{
    const ordo_policy_t *policy = x->policy;
    bool found = false;
    if (!policy || x->opts->force_fallback || policy->fallback_nearest) {
        if (first_matched) {
            run_strategy(x, first_matched, plan, &found); /* re-run for reasons */
            x->fail_rc = 0;                               /* a failure there only costs reasons */
            if (found) /* cannot happen (deterministic), but be safe */
                plan->status = ORDO_PLAN_OK;
        }
        if (!found) {
            int rc = run_fallback_nearest(x, first_matched, plan, &found);
            if (rc)
                return rc;
        }
    }
    if (!found) {
        plan->status = ORDO_PLAN_UNFULFILLABLE;
        plan->strategy = first_matched ? first_matched->name : NULL;
        plan->search = "none";
        if (!x->cons)
            x->cons = fallback_constraints();
        backorders(x, plan);
    }
    return ORDO_OK;
}

/* ---- partial orders (policy constraints.partial, docs/policies.md) ---- */

/* An explained part that ships: its candidates and alternatives (from
 * index nc0 and na0 on) replace those of the earlier tries, so that they
 * refer to the plan's search lines. */
static void explain_keep_from(src_ctx_t *x, uint32_t nc0, uint32_t na0)
{
    if (nc0 <= x->n_cands_out && x->cands_out) {
        memmove(x->cands_out, x->cands_out + nc0, (x->n_cands_out - nc0) * sizeof *x->cands_out);
        x->n_cands_out -= nc0;
    }
    if (na0 <= x->n_alts && x->alts) {
        memmove(x->alts, x->alts + na0, (x->n_alts - na0) * sizeof *x->alts);
        x->n_alts -= na0;
    }
}

/* The order `base` with quantities qty[li] (0: left out), decided by the
 * policy's strategies and fallbacks (then the nearest-node rule when the
 * policy allows it), or only by the nearest node `nearest` allows. The
 * plan's lines and the search lines name base's lines. */
static int decide_sub(src_ctx_t *x, const ordo_order_t *base, const uint32_t *qty,
                      const ordo_constraints_t *nearest, ordo_plan_t *out, bool *found)
{
    *found = false;
    const ordo_order_t *orig = x->order;
    ordo_order_t *sub = ordo_arena_alloc(x->arena, sizeof *sub);
    uint32_t *map = src_zalloc(x, base->n_lines, sizeof *map);
    ordo_order_line_t *lines = src_zalloc(x, base->n_lines, sizeof *lines);
    if (!sub || !map || !lines)
        return src_fail_arena(x, "a partial order");
    *sub = *base;
    sub->lines = lines;
    sub->n_lines = 0;
    for (uint32_t li = 0; li < base->n_lines; li++)
        if (qty[li]) {
            map[sub->n_lines] = li;
            lines[sub->n_lines++] = (ordo_order_line_t){base->lines[li].sku, qty[li]};
        }
    if (!sub->n_lines)
        return ORDO_OK;
    memset(out, 0, sizeof *out);
    x->order = sub;
    uint32_t nc0 = x->n_cands_out, na0 = x->n_alts; /* explain: kept unless this part ships */
    int rc;
    if (nearest) {
        rc = run_nearest_cons(x, nearest, out, found);
    } else {
        const ordo_strategy_t *fm = NULL;
        rc = run_policy(x, out, found, &fm);
        if (!rc && !*found && x->policy->fallback_nearest)
            rc = run_fallback_nearest(x, fm, out, found);
    }
    x->order = orig;
    if (rc || !*found) {
        x->n_cands_out = nc0 < x->n_cands_out ? nc0 : x->n_cands_out;
        x->n_alts = na0 < x->n_alts ? na0 : x->n_alts;
        return rc;
    }
    explain_keep_from(x, nc0, na0);
    for (uint32_t s = 0; s < out->n_shipments; s++)
        for (uint32_t j = 0; j < out->shipments[s].n_lines; j++)
            out->shipments[s].lines[j].line = map[out->shipments[s].lines[j].line];
    for (uint32_t i = 0; i < x->n_lines; i++)
        x->lines[i].order_line = map[x->lines[i].order_line];
    return ORDO_OK;
}

/* A partial plan takes the sub-plan's shipments, totals and search under
 * the decision's own header (order, policy, promise). */
static void take_plan(ordo_plan_t *plan, const ordo_plan_t *sub, ordo_plan_status_t status)
{
    ordo_plan_t head = *plan;
    *plan = *sub;
    plan->status = status;
    plan->order = head.order;
    plan->policy_name = head.policy_name;
    plan->policy_version = head.policy_version;
    plan->promise_days = head.promise_days;
    plan->promise = head.promise;
    plan->fallback_reason = head.fallback_reason;
}

/* src's shipments appended to dst's, totals summed. */
static int append_plan(src_ctx_t *x, ordo_plan_t *dst, const ordo_plan_t *src)
{
    uint32_t n = dst->n_shipments + src->n_shipments;
    ordo_shipment_t *sh = src_zalloc(x, n, sizeof *sh);
    if (!sh)
        return src_fail_arena(x, "a partial plan's shipments");
    memcpy(sh, dst->shipments, dst->n_shipments * sizeof *sh);
    memcpy(sh + dst->n_shipments, src->shipments, src->n_shipments * sizeof *sh);
    double units = (double)dst->units + src->units;
    if (units > 0) {
        dst->on_time_prob =
            (dst->on_time_prob * dst->units + src->on_time_prob * src->units) / units;
        dst->return_risk = (dst->return_risk * dst->units + src->return_risk * src->units) / units;
    }
    dst->all_on_time_prob *= src->all_on_time_prob;
    dst->units += src->units;
    dst->score += src->score;
#define ADD_COMPONENT(name, plan_level, econ) dst->cost.name += src->cost.name;
    ORDO_COST_COMPONENTS(ADD_COMPONENT)
#undef ADD_COMPONENT
    src_risk_plan_merge(&dst->risk, &src->risk);
    dst->shipments = sh;
    dst->n_shipments = n;
    return ORDO_OK;
}

/* P90 business days in transit from a node to a zone by its ground service
 * (else its first); −1 when it has none. */
static int transit_p90(const ordo_network_t *net, const ordo_node_t *n, int zone)
{
    const ordo_carrier_service_t *svc = NULL;
    for (uint32_t i = 0; i < n->n_services; i++) {
        const ordo_carrier_service_t *s = &net->services[n->services[i]];
        if (!svc || (s->service == ORDO_SERVICE_GROUND && svc->service != ORDO_SERVICE_GROUND))
            svc = s;
    }
    if (!svc)
        return -1;
    for (int d = 0; d < ORDO_TRANSIT_DAYS; d++)
        if (ordo_transit_cdf(svc, zone, d) >= 0.9)
            return d;
    return ORDO_TRANSIT_DAYS;
}

/* The earliest promise for qty units of a SKU from replenishment: an inbound
 * row that, with the earlier rows of its node, covers qty; its arrival (not
 * before the order day) + the node's processing + P90 transit to the
 * customer (or none at the pickup store itself). 0 when none covers it. */
static int64_t inbound_promise(src_ctx_t *x, uint32_t sku, uint32_t qty, char *note, size_t cap)
{
    const ordo_network_t *net = x->net;
    const ordo_order_t *o = x->order;
    bool pickup = o->level == ORDO_LEVEL_PICKUP;
    uint16_t zip3 = pickup ? net->nodes[o->pickup_node].zip3 : o->ship_zip3;
    uint32_t n;
    const ordo_inbound_t *in = ordo_network_inbound(net, sku, &n);
    int64_t best = 0;
    snprintf(note, cap, "no replenishment known");
    for (uint32_t i = 0; i < n; i++) {
        uint64_t cum = 0;
        for (uint32_t j = 0; j <= i; j++)
            cum += in[j].node == in[i].node ? in[j].quantity : 0;
        const ordo_node_t *nd = &net->nodes[in[i].node];
        if (cum < qty || !nd->active)
            continue;
        int transit = 0;
        if (!pickup || in[i].node != (uint32_t)o->pickup_node) {
            int z = ordo_network_zone(net, in[i].node, zip3);
            transit = z > 0 ? transit_p90(net, nd, z) : -1;
        }
        if (transit < 0)
            continue;
        int64_t start = in[i].day > x->day0 ? in[i].day : x->day0;
        int64_t t = src_bday_to_time(start, nd->processing_days + transit);
        if (best && t >= best)
            continue;
        best = t;
        char d[32];
        ordo_time_format(in[i].day * 86400, d, sizeof d);
        d[10] = 0;
        snprintf(note, cap, "inbound at %s on %s + %d processing + %d transit business day(s)",
                 nd->id, d, nd->processing_days, transit);
    }
    return best;
}

/* The units of each line the plan's shipments carry. */
static void shipped_units(const ordo_plan_t *plan, uint32_t *shipped)
{
    for (uint32_t s = 0; s < plan->n_shipments; s++)
        for (uint32_t j = 0; j < plan->shipments[s].n_lines; j++)
            shipped[plan->shipments[s].lines[j].line] += plan->shipments[s].lines[j].quantity;
}

/* What a partial plan did with each line; why[] (one per order line) gives
 * the reason a line, or part of it, does not ship. Short units are
 * backordered with a promise from replenishment, or cancelled. */
static int partial_lines(src_ctx_t *x, ordo_plan_t *plan, const ordo_backorder_t *why)
{
    const ordo_order_t *o = x->order;
    bool cancel = x->policy->partial.mode == ORDO_PARTIAL_CANCEL_SHORT;
    uint32_t shipped[ORDO_ORDER_MAX_LINES] = {0};
    shipped_units(plan, shipped);
    plan->line_actions = src_zalloc(x, o->n_lines, sizeof *plan->line_actions);
    plan->backorders = src_zalloc(x, o->n_lines, sizeof *plan->backorders);
    if (!plan->line_actions || !plan->backorders)
        return src_fail_arena(x, "a partial plan's lines");
    plan->n_line_actions = o->n_lines;
    plan->n_backorders = 0;
    uint32_t n_short = 0;
    for (uint32_t li = 0; li < o->n_lines; li++) {
        ordo_line_action_t *a = &plan->line_actions[li];
        uint32_t q = o->lines[li].quantity;
        a->line = li;
        a->shipped = shipped[li] < q ? shipped[li] : q;
        a->short_qty = q - a->shipped;
        a->action = "shipped";
        if (!a->short_qty)
            continue;
        n_short++;
        a->action = cancel ? "cancelled" : "backordered";
        a->reason = why[li].reason;
        ordo_backorder_t *b = &plan->backorders[plan->n_backorders++];
        *b = why[li];
        b->quantity = a->short_qty;
        b->action = a->action;
        if (!cancel) {
            char note[160];
            b->promise = a->promise =
                inbound_promise(x, o->lines[li].sku, a->short_qty, note, sizeof note);
            b->promise_note = a->note = ordo_arena_strdup(x->arena, note);
        }
    }
    char r[96];
    snprintf(r, sizeof r, "%u of %u line(s) ship in full; %u %s", o->n_lines - n_short, o->n_lines,
             n_short, cancel ? "cancelled" : "backordered");
    plan->partial = ordo_partial_mode_name(x->policy->partial.mode);
    plan->partial_reason = ordo_arena_strdup(x->arena, r);
    return ORDO_OK;
}

/* Units of each line that could ship on their own, from the reasons the
 * unfulfillable plan gave: every unit of a line that failed only with the
 * others (no_feasible_plan), what allowed nodes hold of a short line that
 * may be split. */
static void shippable_qty(const src_ctx_t *x, const ordo_backorder_t *why, uint32_t *qty)
{
    const ordo_order_t *o = x->order;
    bool split = x->cons && x->cons->allow_line_split && o->level != ORDO_LEVEL_PICKUP;
    for (uint32_t li = 0; li < o->n_lines; li++) {
        uint32_t q = o->lines[li].quantity;
        qty[li] = 0;
        if (!strcmp(why[li].reason, "no_feasible_plan"))
            qty[li] = q;
        else if (split && !strcmp(why[li].reason, "insufficient_stock"))
            qty[li] = x->line_total[li] < q ? (uint32_t)x->line_total[li] : q;
    }
}

/* ship_available / cancel_short: the shippable lines decided as an order of
 * their own; when that finds no plan, without its last line, and so on. */
static int run_ship_available(src_ctx_t *x, ordo_plan_t *plan, const ordo_backorder_t *why,
                              uint32_t *qty)
{
    const ordo_order_t *o = x->order;
    ordo_plan_t *sub = ordo_arena_alloc(x->arena, sizeof *sub);
    if (!sub)
        return src_fail_arena(x, "a partial plan");
    bool found = false;
    for (uint32_t tries = 0; tries < o->n_lines && !found; tries++) {
        int rc = decide_sub(x, o, qty, NULL, sub, &found);
        if (rc)
            return rc;
        uint32_t last = o->n_lines;
        for (uint32_t li = 0; li < o->n_lines; li++)
            last = qty[li] ? li : last;
        if (found || last == o->n_lines)
            break;
        qty[last] = 0;
    }
    if (found)
        take_plan(plan, sub, ORDO_PLAN_PARTIAL);
    return partial_lines(x, plan, why);
}

/* A pickup plan that serves every line (at its store, by transfer, or at
 * another store): each line's action, the ready date of the moved ones. */
static int pickup_lines(src_ctx_t *x, ordo_plan_t *plan, const char *moved, int64_t ready,
                        const char *note, const char *reason)
{
    const ordo_order_t *o = x->order;
    plan->line_actions = src_zalloc(x, o->n_lines, sizeof *plan->line_actions);
    if (!plan->line_actions)
        return src_fail_arena(x, "a partial plan's lines");
    plan->n_line_actions = o->n_lines;
    for (uint32_t s = 0; s < plan->n_shipments; s++)
        for (uint32_t j = 0; j < plan->shipments[s].n_lines; j++) {
            ordo_line_action_t *a = &plan->line_actions[plan->shipments[s].lines[j].line];
            a->line = plan->shipments[s].lines[j].line;
            a->shipped += plan->shipments[s].lines[j].quantity;
            if (plan->shipments[s].transfer || !strcmp(moved, "other_store")) {
                a->action = moved;
                a->promise = ready;
                a->note = note;
            } else if (!a->action) {
                a->action = "shipped";
            }
        }
    plan->n_backorders = 0;
    plan->backorders = NULL;
    plan->partial = moved[0] == 't' ? "transfer" : "other_store";
    plan->partial_reason = ordo_arena_strdup(x->arena, reason);
    return plan->partial_reason ? ORDO_OK : src_fail_arena(x, "a partial plan's reason");
}

/* The pickup store's lines picked up there; the lines it lacks shipped to it
 * from the nearest DC or store that has them all (one parcel, ground
 * promise), ready on the transfer's P90 arrival. */
static int run_transfer(src_ctx_t *x, ordo_plan_t *plan, bool *found)
{
    static const ordo_constraints_t tc = {.max_shipments = 1,
                                          .node_types =
                                              (1u << ORDO_NODE_DC) | (1u << ORDO_NODE_STORE),
                                          .respect_capacity = true,
                                          .respect_safety_stock = true};
    const ordo_order_t *o = x->order;
    const ordo_node_t *store = &x->net->nodes[o->pickup_node];
    uint32_t here[ORDO_ORDER_MAX_LINES] = {0}, away[ORDO_ORDER_MAX_LINES] = {0};
    bool any_away = false, any_here = false;
    for (uint32_t li = 0; li < o->n_lines; li++) {
        int64_t cell =
            ordo_inventory_cell(x->net->inventory, (uint32_t)o->pickup_node, o->lines[li].sku);
        int32_t atp = cell >= 0 ? ordo_inventory_atp(x->net->inventory, (uint32_t)cell) : 0;
        bool has = atp >= (int32_t)o->lines[li].quantity;
        (has ? here : away)[li] = o->lines[li].quantity;
        any_here |= has;
        any_away |= !has;
    }
    if (!any_away)
        return ORDO_OK; /* not short of stock: a transfer cannot help */
    ordo_plan_t *pp = ordo_arena_calloc(x->arena, 1, sizeof *pp);
    ordo_plan_t *tp = ordo_arena_calloc(x->arena, 1, sizeof *tp);
    ordo_order_t *to = ordo_arena_alloc(x->arena, sizeof *to);
    if (!pp || !tp || !to)
        return src_fail_arena(x, "a transfer");
    bool ok = true;
    int rc = any_here ? decide_sub(x, o, here, NULL, pp, &ok) : ORDO_OK;
    if (rc || !ok)
        return rc;
    *to = *o;
    to->level = ORDO_LEVEL_STANDARD;
    to->ship_zip = store->zip;
    to->ship_zip3 = store->zip3;
    memcpy(to->state, store->state, sizeof to->state);
    to->pickup_node = -1;
    to->residential = false;
    int pdays = x->promise_days;
    int64_t pdate = x->promise;
    x->promise_days = x->eng->p.promise_days[ORDO_LEVEL_STANDARD];
    x->promise = src_bday_to_time(x->day0, x->promise_days);
    rc = decide_sub(x, to, away, &tc, tp, found);
    x->promise_days = pdays;
    x->promise = pdate;
    if (rc || !*found)
        return rc;
    int64_t ready = 0;
    for (uint32_t s = 0; s < tp->n_shipments; s++) {
        tp->shipments[s].transfer = true;
        ready = tp->shipments[s].eta_p90 > ready ? tp->shipments[s].eta_p90 : ready;
    }
    if (any_here && (rc = append_plan(x, pp, tp)))
        return rc;
    take_plan(plan, any_here ? pp : tp, ORDO_PLAN_OK);
    plan->search = "transfer";
    char note[160], reason[200];
    snprintf(note, sizeof note, "%s ships to %s", x->net->nodes[tp->shipments[0].node].id,
             store->id);
    snprintf(reason, sizeof reason,
             "pickup store %s is short; %s ships the short line(s) to it (transfer)", store->id,
             x->net->nodes[tp->shipments[0].node].id);
    return pickup_lines(x, plan, "transferred", ready, ordo_arena_strdup(x->arena, note), reason);
}

/* The nearest other active pickup store (miles from the order's store) with
 * every line in stock: the whole order picked up there. Scans the nodes:
 * only pickup orders their store cannot fill come here. */
static int run_other_store(src_ctx_t *x, ordo_plan_t *plan, bool *found)
{
    const ordo_network_t *net = x->net;
    const ordo_order_t *o = x->order;
    uint16_t zip3 = net->nodes[o->pickup_node].zip3;
    int32_t best = -1;
    double best_m = INFINITY;
    for (uint32_t n = 0; n < net->n_nodes; n++) {
        const ordo_node_t *nd = &net->nodes[n];
        double m = ordo_network_miles(net, n, zip3);
        if (n == (uint32_t)o->pickup_node || !nd->active || !(nd->caps & ORDO_CAP_PICKUP) ||
            m < 0 || m >= best_m)
            continue;
        bool all = true;
        for (uint32_t li = 0; li < o->n_lines && all; li++) {
            int64_t cell = ordo_inventory_cell(net->inventory, n, o->lines[li].sku);
            all = cell >= 0 && ordo_inventory_atp(net->inventory, (uint32_t)cell) >=
                                   (int32_t)o->lines[li].quantity;
        }
        if (all) {
            best = (int32_t)n;
            best_m = m;
        }
    }
    if (best < 0)
        return ORDO_OK;
    ordo_order_t *alt = ordo_arena_alloc(x->arena, sizeof *alt);
    ordo_plan_t *sub = ordo_arena_calloc(x->arena, 1, sizeof *sub);
    uint32_t qty[ORDO_ORDER_MAX_LINES];
    if (!alt || !sub)
        return src_fail_arena(x, "another pickup store");
    *alt = *o;
    alt->pickup_node = best;
    for (uint32_t li = 0; li < o->n_lines; li++)
        qty[li] = o->lines[li].quantity;
    int rc = decide_sub(x, alt, qty, NULL, sub, found);
    if (rc || !*found)
        return rc;
    take_plan(plan, sub, ORDO_PLAN_OK);
    plan->search = "other_store";
    int64_t ready = sub->n_shipments ? sub->shipments[0].eta_p90 : 0;
    char note[160], reason[200];
    snprintf(note, sizeof note, "pick up at %s, %.0f miles from %s", net->nodes[best].id, best_m,
             net->nodes[o->pickup_node].id);
    snprintf(reason, sizeof reason, "pickup store %s is short; %s has every line",
             net->nodes[o->pickup_node].id, net->nodes[best].id);
    return pickup_lines(x, plan, "other_store", ready, ordo_arena_strdup(x->arena, note), reason);
}

/* An unfulfillable order under a policy with partial handling: a pickup
 * order tries the policy's pickup options in order; then ship_available or
 * cancel_short ship what can ship. */
static int run_partial(src_ctx_t *x, ordo_plan_t *plan)
{
    const ordo_partial_t *pp = &x->policy->partial;
    const ordo_backorder_t *why = plan->backorders;
    if (!why || plan->n_backorders != x->order->n_lines)
        return ORDO_OK; /* no reasons (out of memory): leave it unfulfillable */
    uint32_t qty[ORDO_ORDER_MAX_LINES];
    shippable_qty(x, why, qty);
    if (x->order->level == ORDO_LEVEL_PICKUP)
        for (uint32_t i = 0; i < pp->n_pickup; i++) {
            bool found = false;
            int rc = pp->pickup[i] == ORDO_PICKUP_TRANSFER ? run_transfer(x, plan, &found)
                                                           : run_other_store(x, plan, &found);
            if (rc || found)
                return rc;
        }
    if (pp->mode == ORDO_PARTIAL_NONE)
        return ORDO_OK;
    return run_ship_available(x, plan, why, qty);
}

/* What every decided plan reports: evaluations, search lines, the ATP
 * seen, and the explain section. */
static void finish_plan(src_ctx_t *x, ordo_plan_t *plan)
{
    plan->evaluated = x->evaluated;
    plan->n_search_lines = x->n_lines;
    plan->search_lines = src_zalloc(x, x->n_lines, sizeof *plan->search_lines);
    if (plan->search_lines)
        for (uint32_t i = 0; i < x->n_lines; i++) {
            plan->search_lines[i].line = x->lines[i].order_line;
            plan->search_lines[i].sku = x->lines[i].sku;
            plan->search_lines[i].quantity = x->lines[i].qty;
        }
    collect_atp(x, plan);
    src_plan_signals(x, plan);
    src_lanes_plan(x, plan);
    plan->risk_model = x->rtab ? x->rtab->version : NULL;
    plan->netval_model = x->netval ? x->netval->version : NULL;
    if (x->explain) {
        plan->explained = true;
        plan->candidates = x->cands_out;
        plan->n_candidates = x->n_cands_out;
        plan->alternatives = x->alts;
        plan->n_alternatives = x->n_alts;
    }
}

/* One decision: the policy (unless forced to the fallback, or past the
 * deadline), then the fallback when it finds no plan. */
static int decide_once(src_ctx_t *x, ordo_plan_t *plan)
{
    const ordo_policy_t *policy = x->policy;
    const ordo_decide_opts_t *opts = x->opts;
    memset(plan, 0, sizeof *plan);
    plan->order = x->order;
    plan->policy_name = policy ? policy->name : "none";
    plan->policy_version = policy ? policy->version : "none";
    plan->promise_days = x->promise_days;
    plan->promise = x->promise;
    plan->as_of = x->as_of;
    bool found = false;
    const ordo_strategy_t *first_matched = NULL;
    if (!policy || opts->force_fallback) {
        plan->fallback_reason = policy ? "forced" : "no policy";
    } else if (opts->deadline_ns && ordo_now_ns() > opts->deadline_ns) {
        plan->fallback_reason = "deadline passed";
    } else {
        int rc = run_policy(x, plan, &found, &first_matched);
        if (rc)
            return rc;
    }
    if (found) {
        plan->status = ORDO_PLAN_OK;
    } else {
        int rc = run_fallback(x, first_matched, plan);
        if (!rc && plan->status == ORDO_PLAN_UNFULFILLABLE && policy && !opts->force_fallback &&
            (policy->partial.mode != ORDO_PARTIAL_NONE || policy->partial.n_pickup) &&
            !(opts->deadline_ns && ordo_now_ns() > opts->deadline_ns))
            rc = run_partial(x, plan);
        if (rc)
            return rc;
    }
    finish_plan(x, plan);
    return ORDO_OK;
}

/* Decides, and reserves when asked: again (at most three times more)
 * when another thread took the stock first. The node slots are the
 * engine's table slots when not NULL. */
static int decide_attempts(src_ctx_t *x, ordo_engine_t *eng, const ordo_policy_t *policy,
                           const ordo_order_t *order, const ordo_decide_opts_t *opts,
                           ordo_arena_t *arena, src_slots_t *slots, ordo_plan_t *plan)
{
    for (int attempts = 0;; attempts++) {
        ctx_init(x, eng, policy, order, opts, arena);
        x->slots = slots;
        int rc = decide_once(x, plan);
        if (rc)
            return rc;
        if (!opts->reserve || plan->status == ORDO_PLAN_UNFULFILLABLE)
            return ORDO_OK;
        bool safety = plan->status == ORDO_PLAN_FALLBACK ? true : x->cons->respect_safety_stock;
        rc = reserve(x, plan, safety);
        if (rc == ORDO_ESTOCK && attempts < 3)
            continue; /* another thread took the stock: decide again */
        if (rc == ORDO_ESTOCK) {
            plan->status = ORDO_PLAN_UNFULFILLABLE;
            plan->n_shipments = 0;
            backorders(x, plan);
            return ORDO_OK;
        }
        return rc;
    }
}

int ordo_source_decide(ordo_engine_t *eng, const ordo_policy_t *policy, const ordo_order_t *order,
                       const ordo_decide_opts_t *opts_in, ordo_arena_t *arena, ordo_plan_t **out,
                       ordo_error_t *err)
{
    uint64_t t0 = ordo_now_ns();
    if (out)
        *out = NULL;
    int rc = check_order(eng, order, arena, out, err);
    if (rc)
        return rc;
    ordo_decide_opts_t opts = {0};
    if (opts_in)
        opts = *opts_in;
    if (!opts.signals) /* loaded once: every attempt reads this snapshot */
        opts.signals = ordo_engine_signals(eng);
    src_ctx_t *x = ordo_arena_alloc(arena, sizeof *x);
    ordo_plan_t *plan = ordo_arena_calloc(arena, 1, sizeof *plan);
    if (!x || !plan)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL,
                              "out of memory: the arena could not hold the decision context");
    src_slots_t *slots = src_slots_take(eng);
    src_trace.kind = SRC_SHAPE_NONE;
    rc = decide_attempts(x, eng, policy, order, &opts, arena, slots, plan);
    src_slots_give(slots);
    if (rc)
        return src_report(x, rc, err);
    plan->decided_at = ordo_now_unix();
    plan->latency_ns = ordo_now_ns() - t0;
    *out = plan;
    return ORDO_OK;
}

int ordo_source_release(ordo_engine_t *eng, const ordo_plan_t *plan)
{
    if (!plan || !plan->reserved)
        return ORDO_EINVAL;
    int rc = ORDO_OK;
    for (uint32_t s = 0; s < plan->n_shipments; s++) {
        for (uint32_t j = 0; j < plan->shipments[s].n_lines; j++) {
            int r = ordo_inventory_release(eng->net->inventory, plan->shipments[s].lines[j].cell,
                                           (int32_t)plan->shipments[s].lines[j].quantity);
            if (r && !rc)
                rc = r;
        }
        ordo_engine_add_load(eng, plan->shipments[s].node, -(int32_t)plan->shipments[s].units);
    }
    src_risk_commit(eng, plan, plan->as_of, -1);
    return rc;
}

/* ---- pricing a given plan ---- */

/* The spec's shape against the order and network, each failure naming its
 * field: at most SRC_MAX_M shipments and SRC_MAX_LINES lines, known nodes,
 * services and order lines. */
static int check_spec(src_ctx_t *x, const ordo_plan_spec_t *spec)
{
    const ordo_network_t *net = x->net;
    if (spec->n_shipments > SRC_MAX_M)
        return src_fail(x, ORDO_EUNSUPPORTED, "shipments",
                        "a plan of %u shipments: at most %d are supported", spec->n_shipments,
                        SRC_MAX_M);
    uint32_t n_lines = 0;
    for (uint32_t k = 0; k < spec->n_shipments; k++) {
        const ordo_plan_spec_shipment_t *ss = &spec->shipments[k];
        char f[48];
        if (ss->node >= net->n_nodes) {
            snprintf(f, sizeof f, "shipments[%u].node", k);
            return src_fail(x, ORDO_EINVAL, f, "node index %u: the network has %u nodes", ss->node,
                            net->n_nodes);
        }
        if (ss->service >= (int32_t)net->n_services) {
            snprintf(f, sizeof f, "shipments[%u].service", k);
            return src_fail(x, ORDO_EINVAL, f, "service index %d: the network has %u services",
                            ss->service, net->n_services);
        }
        for (uint32_t j = 0; j < ss->n_lines; j++)
            if (ss->lines[j].line >= x->order->n_lines) {
                snprintf(f, sizeof f, "shipments[%u].lines[%u].line", k, j);
                return src_fail(x, ORDO_EINVAL, f, "order line %u is beyond the order's %u line(s)",
                                ss->lines[j].line, x->order->n_lines);
            }
        n_lines += ss->n_lines;
    }
    if (n_lines > SRC_MAX_LINES)
        return src_fail(x, ORDO_EUNSUPPORTED, "shipments",
                        "a plan of %u lines over its shipments: at most %d are supported", n_lines,
                        SRC_MAX_LINES);
    return ORDO_OK;
}

/* Scores with the policy's first strategy whose condition matches (its
 * last when none does). */
static const ordo_strategy_t *price_strategy(src_ctx_t *x)
{
    const ordo_policy_t *policy = x->policy;
    const ordo_strategy_t *s = &policy->strategies[policy->n_strategies - 1];
    for (uint32_t i = 0; i < policy->n_strategies; i++)
        if (ordo_cond_eval(policy->strategies[i].when, &x->octx)) {
            s = &policy->strategies[i];
            break;
        }
    x->strat = s;
    x->cons = &s->constraints;
    x->dim = s->kind == ORDO_STRATEGY_WEIGHTED ? 1 : s->n_criteria;
    set_guardrails(x);
    src_resolve_groups(x);
    x->respect_safety = x->cons->respect_safety_stock;
    return s;
}

/* One search line per (shipment, line), and one candidate per shipment;
 * covered[line]: the units the plan ships of each order line. */
static int price_lines(src_ctx_t *x, const ordo_plan_spec_t *spec, uint32_t *covered)
{
    x->n_lines = 0;
    x->total_units = 0;
    for (uint32_t k = 0; k < spec->n_shipments; k++)
        for (uint32_t j = 0; j < spec->shipments[k].n_lines; j++) {
            const ordo_plan_line_t *pl = &spec->shipments[k].lines[j];
            x->lines[x->n_lines++] =
                src_search_line(x->net, pl->line, x->order->lines[pl->line].sku, pl->quantity);
            x->total_units += pl->quantity;
            covered[pl->line] += pl->quantity;
        }
    src_lines_finish(x);
    x->slot = NULL;
    x->slots = NULL;
    if (src_cands_alloc(x, spec->n_shipments, true))
        return src_fail_arena(x, "the plan's shipments");
    return ORDO_OK;
}

/* A violation, kept when the list could be allocated and has room (it is
 * sized for the most a plan can have: see price_plan). */
typedef struct viol_list {
    ordo_backorder_t *v;
    uint32_t n, cap;
} viol_list_t;

static void add_viol(viol_list_t *vl, ordo_backorder_t b)
{
    if (vl->v && vl->n < vl->cap)
        vl->v[vl->n++] = b;
}

/* Shipment k as candidate k: the node's zone, distance and load, its lines'
 * stock (pretended when missing: priced anyway, reported), evaluated with
 * the spec's service; its score added to b, its violations to vl. *li: the
 * next search line. */
static void price_shipment(src_ctx_t *x, uint32_t k, const ordo_plan_spec_shipment_t *ss,
                           uint32_t *li, src_best_plan_t *b, viol_list_t *vl)
{
    const ordo_network_t *net = x->net;
    const ordo_order_t *order = x->order;
    src_cand_t *cd = &x->cands[k];
    src_cand_bind(x, k);
    cd->node = ss->node;
    cd->zone = order->ship_zip ? (uint16_t)ordo_network_zone(net, ss->node, order->ship_zip3) : 0;
    cd->miles = order->ship_zip ? (float)ordo_network_miles(net, ss->node, order->ship_zip3) : 0;
    cd->load = ordo_engine_node_load(x->eng, ss->node);
    src_cand_signals(x, cd);
    const char *why = NULL;
    if (vl->v && order->level != ORDO_LEVEL_PICKUP &&
        !src_node_allowed(x, &net->nodes[ss->node], &why)) {
        char r[64];
        snprintf(r, sizeof r, "violates:%s", why);
        add_viol(vl, (ordo_backorder_t){.reason = ordo_arena_strdup(x->arena, r),
                                        .detail = net->nodes[ss->node].id});
    }
    uint32_t mask = 0;
    for (uint32_t j = 0; j < ss->n_lines; j++, (*li)++) {
        uint32_t i = *li;
        int64_t cell = ordo_inventory_cell(net->inventory, ss->node, x->lines[i].sku);
        mask |= 1u << i;
        if (cell >= 0) {
            cd->cell[i] = (uint32_t)cell;
            cd->atp[i] = x->respect_safety
                             ? ordo_inventory_atp(net->inventory, (uint32_t)cell)
                             : ordo_inventory_atp_unsafe(net->inventory, (uint32_t)cell);
            cd->dos[i] = cd->atp[i] / (double)x->eng->demand[cell];
        }
        /* price even without stock: pretend it is there, report it */
        if (cd->atp[i] < (int32_t)x->lines[i].qty) {
            add_viol(vl, (ordo_backorder_t){.line = x->lines[i].order_line,
                                            .quantity = x->lines[i].qty,
                                            .reason = "violates:stock"});
            cd->atp[i] = 1 << 30;
            cd->dos[i] = cd->dos[i] > 0 ? cd->dos[i] : 0;
            if (cell < 0)
                cd->cell[i] = 0;
        }
        if (cd->atp[i] > 0)
            cd->stock_mask |= 1u << i;
    }
    b->masks[k] = mask;
    b->cands[k] = k;
    src_eval_t e;
    src_eval_shipment(x, k, mask, ss->service >= 0 ? ss->service : -3, &e);
    if (!e.feasible)
        add_viol(vl,
                 (ordo_backorder_t){
                     .line = x->lines[*li - 1].order_line,
                     .reason = ordo_arena_strdup(x->arena, e.excluded_by ? e.excluded_by : "rule"),
                     .detail = e.detail[0] ? ordo_arena_strdup(x->arena, e.detail) : NULL});
    b->score.v[0] += e.score.v[0];
    for (uint32_t d = 1; d < x->dim; d++)
        b->score.v[d] += e.score.v[d];
}

/* The priced plan: each shipment as given, the coverage and shipment-count
 * violations, the plan term, and the plan materialized with the spec's
 * services. */
static int price_plan(src_ctx_t *x, const ordo_plan_spec_t *spec, const uint32_t *covered,
                      ordo_plan_t *plan)
{
    const ordo_order_t *order = x->order;
    src_best_plan_t b;
    memset(&b, 0, sizeof b);
    b.found = true;
    b.k = spec->n_shipments;
    uint32_t li = 0;
    /* at most: per shipment a node rule and an infeasibility, per plan line
     * its stock, per order line its coverage, and the shipment count */
    uint32_t plan_lines = 0;
    for (uint32_t k = 0; k < spec->n_shipments; k++)
        plan_lines += spec->shipments[k].n_lines;
    uint32_t cap = 2 * spec->n_shipments + plan_lines + order->n_lines + 1;
    viol_list_t vl = {src_zalloc(x, cap, sizeof *vl.v), 0, cap};
    for (uint32_t k = 0; k < spec->n_shipments; k++)
        price_shipment(x, k, &spec->shipments[k], &li, &b, &vl);
    for (uint32_t i = 0; i < order->n_lines; i++)
        if (covered[i] != order->lines[i].quantity)
            add_viol(&vl, (ordo_backorder_t){
                              .line = i,
                              .quantity = order->lines[i].quantity,
                              .reason = "violates:coverage",
                              .detail = "the plan does not ship the line's full quantity"});
    if (spec->n_shipments > x->cons->max_shipments)
        add_viol(&vl, (ordo_backorder_t){.reason = "violates:max_shipments"});
    src_score_t term = src_plan_term(x, b.k);
    src_add(&b.score, &term, x->dim);
    int32_t force[SRC_MAX_M];
    for (uint32_t k = 0; k < b.k; k++)
        force[k] = spec->shipments[k].service >= 0 ? spec->shipments[k].service : -3;
    int rc = materialize(x, &b, plan, force);
    if (rc)
        return rc;
    plan->score = b.score.v[0];
    for (uint32_t d = 0; d < x->dim; d++)
        plan->score_vec[d] = b.score.v[d];
    plan->backorders = vl.v;
    plan->n_backorders = vl.n;
    return ORDO_OK;
}

int ordo_source_price(ordo_engine_t *eng, const ordo_policy_t *policy, const ordo_order_t *order,
                      const ordo_plan_spec_t *spec, ordo_arena_t *arena, ordo_plan_t **out,
                      ordo_error_t *err)
{
    uint64_t t0 = ordo_now_ns();
    *out = NULL;
    ordo_decide_opts_t opts = {0};
    src_ctx_t *x = ordo_arena_alloc(arena, sizeof *x);
    ordo_plan_t *plan = ordo_arena_calloc(arena, 1, sizeof *plan);
    ordo_policy_t *def = NULL;
    if (!x || !plan)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL,
                              "out of memory: the arena could not hold the pricing context");
    if (!policy) {
        int rc = ordo_policy_builtin("default", &def, err);
        if (rc)
            return rc;
        policy = def;
    }
    opts.signals = ordo_engine_signals(eng);
    ctx_init(x, eng, policy, order, &opts, arena);
    x->details = true; /* a priced plan reports why a shipment breaks a rule */
    if (!src_svcx_build(x))
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL,
                              "out of memory: the arena could not hold the per-service factors");
    const ordo_strategy_t *s = price_strategy(x);
    uint32_t covered[ORDO_ORDER_MAX_LINES] = {0};
    int rc = check_spec(x, spec);
    if (!rc)
        rc = price_lines(x, spec, covered);
    if (!rc) {
        plan->order = order;
        /* copies: the default policy is freed before returning */
        plan->policy_name = ordo_arena_strdup(arena, policy->name);
        plan->policy_version = ordo_arena_strdup(arena, policy->version);
        plan->strategy = ordo_arena_strdup(arena, s->name);
        plan->search = "given";
        plan->promise_days = x->promise_days;
        plan->promise = x->promise;
        plan->as_of = x->as_of;
        plan->status = ORDO_PLAN_OK;
        rc = price_plan(x, spec, covered, plan);
        src_plan_signals(x, plan);
        src_lanes_plan(x, plan);
        plan->risk_model = x->rtab ? x->rtab->version : NULL;
        plan->netval_model = x->netval ? x->netval->version : NULL;
    }
    if (rc) {
        rc = src_report(x, rc, err);
    } else {
        plan->decided_at = ordo_now_unix();
        plan->latency_ns = ordo_now_ns() - t0;
        *out = plan;
    }
    ordo_policy_destroy(def);
    return rc;
}
