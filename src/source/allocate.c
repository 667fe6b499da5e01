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
        src_eval_shipment(x, b->cands[s], b->masks[s], force ? force[s] : -3, &e);
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
        src_eta(x, &e, &sh->eta_p50_days, &sh->eta_p90_days);
        sh->eta_p50 = src_bday_to_time(x->day0, sh->eta_p50_days);
        sh->eta_p90 = src_bday_to_time(x->day0, sh->eta_p90_days);
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
#define SUM_COMPONENT(name, plan_level)                                                            \
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

/* Nearest node (miles) that can ship the whole order, within capacity. */
static int run_nearest(src_ctx_t *x, ordo_plan_t *plan, bool *found)
{
    *found = false;
    x->strat = NULL;
    x->cons = fallback_constraints();
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

static void backorders(src_ctx_t *x, ordo_plan_t *plan)
{
    const ordo_order_t *o = x->order;
    plan->backorders = src_zalloc(x, o->n_lines, sizeof *plan->backorders);
    if (!plan->backorders)
        return;
    plan->n_backorders = 0;
    if (!x->slot)
        x->slot = ordo_arena_alloc(x->arena, sizeof *x->slot * (x->net->n_nodes + 1));
    if (!x->slot)
        return;
    memset(x->slot, 0xff, sizeof *x->slot * x->net->n_nodes);
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
    plan->atp = src_zalloc(x, cap, sizeof *plan->atp);
    plan->n_atp = 0;
    if (!plan->atp)
        return;
    for (uint32_t c = 0; c < x->n_cands && plan->n_atp < cap; c++)
        for (uint32_t i = 0; i < x->n_lines && plan->n_atp < cap; i++) {
            if (x->cands[c].atp[i] <= 0)
                continue;
            bool dup = false;
            if (x->lines[i].shared) /* another search line has the SKU */
                for (uint32_t j = 0; j < i; j++)
                    dup |= x->lines[j].sku == x->lines[i].sku && x->cands[c].atp[j] > 0;
            if (dup)
                continue;
            ordo_atp_seen_t *a = &plan->atp[plan->n_atp++];
            a->node = x->cands[c].node;
            a->sku = x->lines[i].sku;
            a->atp = x->cands[c].atp[i];
        }
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
    plan->reserved = true;
    return ORDO_OK;
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
    int64_t created = order->created;
    x->day0 = created >= 0 ? created / 86400 : (created - 86399) / 86400;
    x->sod = (int32_t)(created - x->day0 * 86400);
    x->wd0 = (int)(((x->day0 + 3) % 7 + 7) % 7);
    int lvl = (int)order->level;
    if (lvl < 0 || lvl > 2)
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
        /* civil month from the day number (Howard Hinnant's algorithm) */
        int64_t z = x->day0 + 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        unsigned m = mp < 10 ? mp + 3 : mp - 9;
        /* the services' peak windows are evaluated on this date */
        unsigned d = doy - (153 * mp + 2) / 5 + 1;
        x->peak_md = (int)(m * 100 + d);
        x->peak = true;
    }
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
        if (rc)
            return rc;
    }
    finish_plan(x, plan);
    return ORDO_OK;
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
    src_ctx_t *x = ordo_arena_alloc(arena, sizeof *x);
    ordo_plan_t *plan = ordo_arena_calloc(arena, 1, sizeof *plan);
    if (!x || !plan)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL,
                              "out of memory: the arena could not hold the decision context");
    for (int attempts = 0;; attempts++) {
        ctx_init(x, eng, policy, order, &opts, arena);
        if ((rc = decide_once(x, plan)))
            return src_report(x, rc, err);
        if (!opts.reserve || plan->status == ORDO_PLAN_UNFULFILLABLE)
            break;
        bool safety = plan->status == ORDO_PLAN_FALLBACK ? true : x->cons->respect_safety_stock;
        rc = reserve(x, plan, safety);
        if (rc == ORDO_ESTOCK && attempts < 3)
            continue; /* another thread took the stock: decide again */
        if (rc == ORDO_ESTOCK) {
            plan->status = ORDO_PLAN_UNFULFILLABLE;
            plan->n_shipments = 0;
            backorders(x, plan);
        } else if (rc) {
            return src_report(x, rc, err);
        }
        break;
    }
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
    const char *why = NULL;
    if (vl->v && order->level != ORDO_LEVEL_PICKUP &&
        !src_node_allowed(x, &net->nodes[ss->node], &why)) {
        char r[64];
        snprintf(r, sizeof r, "violates:%s", why);
        add_viol(vl,
                 (ordo_backorder_t){0, 0, ordo_arena_strdup(x->arena, r), net->nodes[ss->node].id});
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
            add_viol(vl, (ordo_backorder_t){x->lines[i].order_line, x->lines[i].qty,
                                            "violates:stock", NULL});
            cd->atp[i] = 1 << 30;
            cd->dos[i] = cd->dos[i] > 0 ? cd->dos[i] : 0;
            if (cell < 0)
                cd->cell[i] = 0;
        }
    }
    b->masks[k] = mask;
    b->cands[k] = k;
    src_eval_t e;
    src_eval_shipment(x, k, mask, ss->service >= 0 ? ss->service : -3, &e);
    if (!e.feasible)
        add_viol(vl, (ordo_backorder_t){
                         x->lines[*li - 1].order_line, 0,
                         ordo_arena_strdup(x->arena, e.excluded_by ? e.excluded_by : "rule"),
                         e.detail[0] ? ordo_arena_strdup(x->arena, e.detail) : NULL});
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
            add_viol(&vl, (ordo_backorder_t){i, order->lines[i].quantity, "violates:coverage",
                                             "the plan does not ship the line's full quantity"});
    if (spec->n_shipments > x->cons->max_shipments)
        add_viol(&vl, (ordo_backorder_t){0, 0, "violates:max_shipments", NULL});
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
    ctx_init(x, eng, policy, order, &opts, arena);
    x->details = true; /* a priced plan reports why a shipment breaks a rule */
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
        plan->status = ORDO_PLAN_OK;
        rc = price_plan(x, spec, covered, plan);
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
