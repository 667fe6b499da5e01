/* ordo — allocation: candidates, the exact search over line groupings with
 * distinct nodes, the bounded beam search, pickup, the deterministic fallback,
 * backorder reasons, reservation. docs/internals/SOURCING.md explains the
 * search and its worst case. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/util.h"

#define MAX_M 8 /* max_shipments upper bound (policy.c) */

/* ---- rules tally for backorder reasons ---- */

static const char *const rule_cats[8] = {"stock",     "guardrail",  "capacity",     "min_on_time",
                                         "criterion", "no_service", "unknown_zone", "other"};

static int rule_index(const char *r)
{
    if (!r)
        return 7;
    for (int i = 0; i < 7; i++)
        if (!strncmp(r, rule_cats[i], strlen(rule_cats[i])))
            return i;
    return 7;
}

/* ---- candidates ---- */

static void *zalloc(src_ctx_t *x, size_t n, size_t size)
{
    return ordo_arena_calloc(x->arena, n ? n : 1, size);
}

/* zalloc without the zeroes */
static void *arena_n(src_ctx_t *x, size_t n, size_t size)
{
    return ordo_arena_alloc(x->arena, (n ? n : 1) * size);
}

static int resolve_groups(src_ctx_t *x)
{
    x->groups_any = x->groups_none = 0;
    for (uint32_t i = 0; i < x->cons->n_allow_groups; i++) {
        int32_t g = ordo_network_group(x->net, x->cons->allow_groups[i]);
        if (g >= 0)
            x->groups_any |= 1ull << g;
        else
            x->groups_any |= 1ull << 63 /* unknown group: nothing matches */;
    }
    if (x->cons->n_allow_groups && x->groups_any == (1ull << 63))
        x->groups_any = 1ull << 63;
    for (uint32_t i = 0; i < x->cons->n_exclude_groups; i++) {
        int32_t g = ordo_network_group(x->net, x->cons->exclude_groups[i]);
        if (g >= 0)
            x->groups_none |= 1ull << g;
    }
    return ORDO_OK;
}

static int32_t cell_atp(const src_ctx_t *x, uint32_t cell)
{
    return x->respect_safety ? ordo_inventory_atp(x->net->inventory, cell)
                             : ordo_inventory_atp_unsafe(x->net->inventory, cell);
}

static int cmp_desc_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x < y) - (x > y);
}

static bool pickup_node_ok(const src_ctx_t *x, uint32_t node)
{
    return x->order->pickup_node >= 0 && node == (uint32_t)x->order->pickup_node;
}

/* node verdict cache: slot -1 unknown, -2 disallowed, ≥ 0 candidate index */
static bool node_ok(src_ctx_t *x, uint32_t node)
{
    if (x->order->level == ORDO_LEVEL_PICKUP)
        return pickup_node_ok(x, node) && x->net->nodes[node].active;
    const char *why;
    return src_node_allowed(x, &x->net->nodes[node], &why);
}

/* Stock statistics of one order line over every node (for split decisions
 * and backorder reasons). */
static void line_stats(src_ctx_t *x, uint32_t li)
{
    ordo_inventory_t *inv = x->net->inventory;
    const ordo_order_line_t *ol = &x->order->lines[li];
    ordo_stock_range_t r = ordo_inventory_sku_cells(inv, ol->sku);
    x->line_any[li] = x->line_allowed[li] = x->line_full[li] = 0;
    x->line_total[li] = 0;
    for (uint32_t c = r.begin; c < r.end; c++) {
        int32_t a = cell_atp(x, c);
        if (a <= 0)
            continue;
        x->line_any[li]++;
        uint32_t node = ordo_inventory_cell_node(inv, c);
        int32_t *sl = &x->slot[node];
        if (*sl == -1)
            *sl = node_ok(x, node) ? -3 : -2;
        if (*sl == -2)
            continue;
        x->line_allowed[li]++;
        x->line_total[li] += (uint64_t)a;
        if ((uint32_t)a >= ol->quantity)
            x->line_full[li]++;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Candidates for up to n nodes, their per-line arrays in pools (zeroed
 * when `zero`; src_prepare zeroes ATP as nodes become candidates). */
static int cands_alloc(src_ctx_t *x, size_t n, bool zero)
{
    size_t nl = (size_t)x->n_lines * n + 1;
    void *(*get)(src_ctx_t *, size_t, size_t) = zero ? zalloc : arena_n;
    x->cands = get(x, n + 1, sizeof *x->cands);
    x->pool_cell = get(x, nl, sizeof *x->pool_cell);
    x->pool_atp = get(x, nl, sizeof *x->pool_atp);
    x->pool_dos = get(x, nl, sizeof *x->pool_dos);
    x->pool_fixed = get(x, nl, sizeof *x->pool_fixed);
    return x->cands && x->pool_cell && x->pool_atp && x->pool_dos && x->pool_fixed ? ORDO_OK
                                                                                   : ORDO_ENOMEM;
}

/* Point candidate s at its rows of the pools. */
static void cand_bind(src_ctx_t *x, uint32_t s)
{
    src_cand_t *cd = &x->cands[s];
    size_t at = (size_t)s * x->n_lines;
    cd->cell = &x->pool_cell[at];
    cd->atp = &x->pool_atp[at];
    cd->dos = &x->pool_dos[at];
    cd->fixed = &x->pool_fixed[at];
}

static src_cand_t *cand_for(src_ctx_t *x, uint32_t node)
{
    int32_t s = x->slot[node];
    if (s >= 0)
        return &x->cands[s];
    const ordo_order_t *o = x->order;
    s = (int32_t)x->n_cands++;
    x->slot[node] = s;
    src_cand_t *cd = &x->cands[s];
    cand_bind(x, (uint32_t)s);
    cd->node = node;
    cd->full_mask = 0;
    memset(cd->atp, 0, sizeof *cd->atp * x->n_lines);
    cd->zone = o->ship_zip ? (uint16_t)ordo_network_zone(x->net, node, o->ship_zip3) : 0;
    cd->miles = o->ship_zip ? (float)ordo_network_miles(x->net, node, o->ship_zip3) : 0;
    cd->load = ordo_engine_node_load(x->eng, node);
    return cd;
}

static void cand_add(src_ctx_t *x, uint32_t i, uint32_t node, uint32_t cell, int32_t a)
{
    src_cand_t *cd = cand_for(x, node);
    cd->cell[i] = cell;
    cd->atp[i] = a;
    cd->dos[i] = a / (double)x->eng->demand[cell];
    if ((uint32_t)a >= x->lines[i].qty)
        cd->full_mask |= 1u << i;
}

/* A search line: qty units of an order line's SKU (the whole line, or a
 * piece of it). */
static src_line_t search_line(const ordo_network_t *net, uint32_t order_line, uint32_t sku_i,
                              uint32_t qty)
{
    const ordo_sku_t *sku = &net->skus[sku_i];
    src_line_t l = {.order_line = order_line,
                    .sku = sku_i,
                    .qty = qty,
                    .weight = sku->weight_lb,
                    .cubic = sku->length_in * sku->width_in * sku->height_in,
                    .price = sku->price,
                    .base_rr = sku->return_rate};
    l.ret_wl = src_return_lb(&l);
    return l;
}

/* Once the search lines and their total units are known: the mask of all
 * lines, repeated SKUs, and the per-line constants of the bounds. */
static void src_lines_finish(src_ctx_t *x)
{
    x->all_mask = x->n_lines >= 32 ? 0xffffffffu : (1u << x->n_lines) - 1;
    for (uint32_t i = 0; i < x->n_lines; i++) {
        src_line_t *l = &x->lines[i];
        l->shared = false;
        for (uint32_t j = 0; j < x->n_lines; j++)
            l->shared |= j != i && x->lines[j].sku == l->sku;
        double units = l->qty;
        l->ub_share = x->total_units > 0 ? units / x->total_units : 1;
        l->ub_rr = units ? l->base_rr * l->qty / units : 0;
    }
}

int src_prepare(src_ctx_t *x)
{
    const ordo_network_t *net = x->net;
    const ordo_order_t *o = x->order;
    ordo_inventory_t *inv = net->inventory;
    x->respect_safety = x->cons->respect_safety_stock;
    resolve_groups(x);
    x->n_lines = 0;
    x->n_cands = 0;
    x->total_units = 0;
    x->pruned = false;
    if (!x->slot) {
        x->slot = ordo_arena_alloc(x->arena, sizeof *x->slot * (net->n_nodes + 1));
        if (!x->slot)
            return ORDO_ENOMEM;
    }
    memset(x->slot, 0xff, sizeof *x->slot * net->n_nodes); /* -1 */
    bool pickup = o->level == ORDO_LEVEL_PICKUP;
    /* the nearest allowed nodes, for lines stocked almost everywhere */
    uint32_t walk[SRC_WALK_NODES];
    uint32_t n_walk = 0;
    bool walk_ready = false;
    /* per order line: scan all its cells, or walk the nearest nodes */
    uint8_t mode[ORDO_ORDER_MAX_LINES]; /* 0 scan, 1 walk */
    uint32_t first_line[ORDO_ORDER_MAX_LINES], n_pieces[ORDO_ORDER_MAX_LINES];
    size_t total_cells = 0;
    for (uint32_t li = 0; li < o->n_lines; li++) {
        const ordo_order_line_t *ol = &o->lines[li];
        ordo_stock_range_t r = ordo_inventory_sku_cells(inv, ol->sku);
        uint32_t n = r.end - r.begin;
        x->line_split_failed[li] = false;
        memset(x->excl[li], 0, sizeof x->excl[li]);
        mode[li] = 0;
        if (!pickup && n > SRC_SCAN_MAX) {
            if (!walk_ready) {
                const uint16_t *row = &x->eng->near[(size_t)o->ship_zip3 * net->n_nodes];
                for (uint32_t k = 0; k < net->n_nodes && n_walk < SRC_WALK_NODES; k++) {
                    uint32_t node = row[k];
                    int32_t *sl = &x->slot[node];
                    if (*sl == -1)
                        *sl = node_ok(x, node) ? -3 : -2;
                    if (*sl != -2)
                        walk[n_walk++] = node;
                }
                qsort(walk, n_walk, sizeof walk[0], cmp_u32);
                walk_ready = true;
            }
            /* does a walked node have the full quantity? */
            bool full = false;
            uint32_t c = r.begin;
            for (uint32_t k = 0; k < n_walk && !full && c < r.end; k++) {
                while (c < r.end && ordo_inventory_cell_node(inv, c) < walk[k])
                    c++;
                if (c < r.end && ordo_inventory_cell_node(inv, c) == walk[k])
                    full = (uint32_t)cell_atp(x, c) >= ol->quantity;
            }
            /* no nearby node has it all: scan every node (and maybe split) */
            if (full) {
                mode[li] = 1;
                x->pruned = true;
            }
        }
        total_cells += mode[li] ? n_walk : n;
        src_line_t base = search_line(net, li, ol->sku, ol->quantity);
        first_line[li] = x->n_lines;
        n_pieces[li] = 1;
        if (mode[li] == 0)
            line_stats(x, li);
        if (mode[li] == 0 && x->line_full[li] == 0 && x->cons->allow_line_split && !pickup &&
            x->line_total[li] >= ol->quantity) {
            /* split: pieces sized by the largest ATPs, fewest pieces first */
            uint32_t na = x->line_allowed[li];
            int32_t *atps = ordo_arena_alloc(x->arena, sizeof *atps * (na ? na : 1));
            if (!atps)
                return ORDO_ENOMEM;
            uint32_t k = 0;
            for (uint32_t c = r.begin; c < r.end && k < na; c++) {
                int32_t a = cell_atp(x, c);
                if (a > 0 && x->slot[ordo_inventory_cell_node(inv, c)] != -2)
                    atps[k++] = a;
            }
            qsort(atps, k, sizeof *atps, cmp_desc_i32);
            uint32_t left = ol->quantity;
            n_pieces[li] = 0;
            for (uint32_t i = 0; i < k && left > 0; i++) {
                if (x->n_lines >= SRC_MAX_LINES)
                    return ORDO_EUNSUPPORTED;
                uint32_t q = (uint32_t)atps[i] < left ? (uint32_t)atps[i] : left;
                src_line_t piece = base;
                piece.qty = q;
                x->lines[x->n_lines++] = piece;
                n_pieces[li]++;
                left -= q;
            }
        } else {
            if (x->n_lines >= SRC_MAX_LINES)
                return ORDO_EUNSUPPORTED;
            x->lines[x->n_lines++] = base;
        }
    }
    for (uint32_t i = 0; i < x->n_lines; i++)
        x->total_units += x->lines[i].qty;
    src_lines_finish(x);
    /* candidates: nodes that stock at least one search line */
    if (cands_alloc(x, total_cells, false))
        return ORDO_ENOMEM;
    for (uint32_t li = 0; li < o->n_lines; li++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(inv, o->lines[li].sku);
        for (uint32_t i = first_line[li]; i < first_line[li] + n_pieces[li]; i++) {
            if (mode[li] == 1) {
                uint32_t c = r.begin;
                for (uint32_t k = 0; k < n_walk && c < r.end; k++) {
                    while (c < r.end && ordo_inventory_cell_node(inv, c) < walk[k])
                        c++;
                    if (c < r.end && ordo_inventory_cell_node(inv, c) == walk[k]) {
                        int32_t a = cell_atp(x, c);
                        if (a > 0)
                            cand_add(x, i, walk[k], c, a);
                    }
                }
                continue;
            }
            for (uint32_t c = r.begin; c < r.end; c++) {
                uint32_t node = ordo_inventory_cell_node(inv, c);
                int32_t s = x->slot[node];
                if (s == -2)
                    continue;
                if (s == -1 && !node_ok(x, node)) {
                    x->slot[node] = -2;
                    continue;
                }
                int32_t a = cell_atp(x, c);
                if (a > 0)
                    cand_add(x, i, node, c, a);
            }
        }
    }
    if (!x->svcx) {
        /* the order's per-service factors, shared by every candidate */
        src_svcx_t *sx = ordo_arena_alloc(x->arena, sizeof *sx * (net->n_services + 1));
        if (!sx)
            return ORDO_ENOMEM;
        for (uint32_t s = 0; s < net->n_services; s++) {
            const ordo_carrier_service_t *svc = &net->services[s];
            sx[s].inv_div = x->eng->inv_div[s];
            sx[s].mult = x->eng->mult[s];
            sx[s].add = (o->residential ? svc->residential_surcharge : 0) +
                        (x->peak ? svc->peak_surcharge : 0);
        }
        x->svcx = sx;
    }
    x->cand_full = ordo_arena_alloc(x->arena, sizeof *x->cand_full * (x->n_cands + 1));
    if (!x->cand_full)
        return ORDO_ENOMEM;
    x->cand_words = (x->n_cands + 63) / 64;
    x->line_cands = zalloc(x, (size_t)x->n_lines * x->cand_words, sizeof *x->line_cands);
    if (!x->line_cands)
        return ORDO_ENOMEM;
    for (uint32_t c = 0; c < x->n_cands; c++) {
        src_cand_init_bounds(x, c);
        uint32_t fm = x->cands[c].full_mask;
        x->cand_full[c] = fm;
        for (; fm; fm &= fm - 1)
            x->line_cands[(size_t)__builtin_ctz(fm) * x->cand_words + c / 64] |= 1ull << (c % 64);
    }
    return ORDO_OK;
}

/* ---- explain records ---- */

static void record_candidate(src_ctx_t *x, uint32_t ci, uint32_t mask, const src_eval_t *e)
{
    if (!x->explain)
        return;
    if (x->n_cands_out == x->cap_cands_out) {
        uint32_t cap = x->cap_cands_out ? x->cap_cands_out * 2 : 64;
        if (cap > 65536)
            return;
        ordo_candidate_t *n = ordo_arena_alloc(x->arena, sizeof *n * cap);
        if (!n)
            return;
        if (x->n_cands_out)
            memcpy(n, x->cands_out, sizeof *n * x->n_cands_out);
        x->cands_out = n;
        x->cap_cands_out = cap;
    }
    ordo_candidate_t *c = &x->cands_out[x->n_cands_out++];
    memset(c, 0, sizeof *c);
    c->lines_mask = mask;
    c->node = x->cands[ci].node;
    c->service = e->service;
    c->feasible = e->feasible;
    c->excluded_by = e->excluded_by;
    c->detail = e->detail[0] ? ordo_arena_strdup(x->arena, e->detail) : NULL;
    c->landed_cost = e->cost.total;
    c->on_time_prob = e->on_time;
    c->return_risk = e->return_risk;
    c->load_penalty = e->load_penalty;
    c->zone = e->zone;
    c->miles = e->miles;
    c->score = e->score.v[0];
    for (uint32_t d = 0; d < x->dim && d < SRC_DIM; d++)
        c->score_vec[d] = e->score.v[d];
    c->gap = NAN;
}

static void tally(src_ctx_t *x, uint32_t mask, const src_eval_t *e)
{
    if (e->feasible || (mask & (mask - 1)))
        return; /* singletons only */
    uint32_t i = (uint32_t)__builtin_ctz(mask);
    uint32_t ol = x->lines[i].order_line;
    uint16_t *v = &x->excl[ol][rule_index(e->excluded_by)];
    if (*v < 65535)
        (*v)++;
}

static void eval(src_ctx_t *x, uint32_t ci, uint32_t mask, src_eval_t *e)
{
    src_eval_shipment(x, ci, mask, -3, e);
    tally(x, mask, e);
    record_candidate(x, ci, mask, e);
}

/* ---- exact search ---- */

typedef struct top_entry {
    uint32_t cand;
    src_score_t score;
} top_entry_t;

typedef struct ub_item {
    uint32_t cand;
    bool done;
    bool has_ub; /* ub computed (else only lead, see exact_t.lead) */
    double lead;
    src_score_t ub;
} ub_item_t;

typedef struct best_plan {
    bool found;
    uint32_t k;
    uint32_t masks[MAX_M];
    uint32_t cands[MAX_M];
    src_score_t score;
} best_plan_t;

typedef struct exact {
    src_ctx_t *x;
    uint32_t M;
    uint32_t want;      /* entries needed per subset this pass (1, then M) */
    top_entry_t *top;   /* [subset * M + r] */
    uint8_t *n_top;     /* [subset] */
    src_score_t *ubest; /* [subset * M + (j-1)]: best ≤ j-block partition, no distinctness */
    uint8_t *ubest_ok;
    best_plan_t best;
    uint32_t stack_masks[MAX_M], stack_cands[MAX_M];
    src_score_t term[MAX_M + 1];
    /* Criteria strategies (explain off): the component that orders shipment
     * bounds first (src_lead_criterion), or -1. Items get only that
     * component at first; the full bound is computed for the items of the
     * best remaining lead value when the scan reaches them, so nodes ranked
     * below the winner by the first criterion are never fully bounded. */
    int lead;
    /* Criteria strategies that rank P(on time): bound it over the services
     * the strategy can choose (src_upper_bound_sub's `tight`). It costs
     * about twice the plain bound and saves about half the evaluations of
     * drop-ship; where only cost would gain, it did not pay. */
    bool tight;
    /* Pruning line groups against an incumbent (criteria strategies, explain
     * off, splits possible, M = 2; weighted strategies gather, below): lu/gu are the per-line and
     * per-shipment parts of the decomposed bound (src_line_ub, src_fixed_ub) per candidate; ub1[S]
     * their best sum over the candidates that can ship S; rest[S] bounds what
     * the other lines R = full ^ S add to a plan holding the block S (one
     * block, plan term included). A block whose bound plus rest[S] falls below the
     * incumbent (the score of a plan the search will find) cannot be part of
     * a better plan, so it is neither bounded nor evaluated. */
    bool prune;
    bool inc_ok;
    src_score_t inc;
    src_score_t *lu, *gu, *ub1, *rest;
    uint8_t *ub1_ok, *rest_ok, *done;
    /* Deferring line groups (criteria strategies whose first criterion is
     * node_type with no rounding, explain off, splits possible). A shipment's
     * node_type term is units · w / (total units · n_types), w = n_types −
     * rank of its node's type, so a plan's first component is an integer
     * Σ units · w over that common denominator: bounds on it are exact, and
     * two plans whose sums differ differ by at least 1 / (total units ·
     * n_types), kept above 1e-7, far beyond the tolerance (SRC_EPS). tw[S]
     * is the largest units(S) · w over the nodes that can ship S and could be
     * feasible (src_cand_never), tpart the best sums of partitions. A group
     * no best partition holds (with the fewest shipments, when that criterion
     * comes second) waits: the other groups are evaluated and searched first,
     * and the plan found (the incumbent, sum v with k shipments) lets through
     * only the deferred groups some plan of which could reach (v, k). The
     * others hold only plans strictly below a plan the search finds. */
    /* Gathering line groups (weighted strategies, explain off, splits
     * possible): every group's candidates and bounds are computed
     * first (gcand/gub from goff[S], gn[S]) and gU[S] is the best of them;
     * gE[T][j] the best Σ gU over partitions of T into exactly j groups. The
     * groups of the best such partition are evaluated first; with the plan
     * they make (or the single shipment) as the incumbent, a group is
     * evaluated only if its bound, plus the best the other lines can add,
     * reaches it, and its scan stops as soon as no item can. */
    bool gather;
    uint32_t *goff, *gn, *gchoice;
    uint32_t *gcand;
    double *gub, *gU, *gE;
    bool defer, by_count;
    int64_t *tw;    /* [S]: units(S) × best type weight of a node that can ship S (-1: none) */
    int64_t *tpart; /* [S * M + j - 1]: best Σ tw over partitions of S into exactly j groups */
    uint8_t *deferred;
} exact_t;

/* a := componentwise max(a, b): a bound on whatever either bounds */
static void score_cmax(src_score_t *a, const src_score_t *b, uint32_t dim)
{
    for (uint32_t d = 0; d < dim; d++)
        if (b->v[d] > a->v[d])
            a->v[d] = b->v[d];
}

static void top_insert(exact_t *ex, uint32_t S, uint32_t cand, const src_score_t *sc)
{
    uint32_t M = ex->M, dim = ex->x->dim;
    top_entry_t *t = &ex->top[(size_t)S * M];
    uint32_t n = ex->n_top[S];
    uint32_t pos = n;
    while (pos > 0 && src_lex_cmp(sc, &t[pos - 1].score, dim) > 0)
        pos--;
    if (pos >= M)
        return;
    uint32_t last = n < M ? n : M - 1;
    for (uint32_t i = last; i > pos; i--)
        t[i] = t[i - 1];
    t[pos].cand = cand;
    t[pos].score = *sc;
    if (n < M)
        ex->n_top[S] = (uint8_t)(n + 1);
}

/* Word w of the bitset of candidates that can ship every line of S in full. */
static inline uint64_t group_word(const src_ctx_t *x, uint32_t S, uint32_t w)
{
    uint32_t nw = x->cand_words;
    uint64_t bits = x->line_cands[(size_t)__builtin_ctz(S) * nw + w];
    for (uint32_t m = S & (S - 1); m && bits; m &= m - 1)
        bits &= x->line_cands[(size_t)__builtin_ctz(m) * nw + w];
    return bits;
}

/* The candidates that can ship S with their bounds; with `rest` (not NULL),
 * only those whose decomposed bound plus *rest reaches the incumbent. */
static inline __attribute__((always_inline)) uint32_t
subset_items(exact_t *ex, uint32_t S, src_subset_t *sub, const src_score_t *rest, ub_item_t *items)
{
    src_ctx_t *x = ex->x;
    uint32_t n = 0, dim = x->dim, nw = x->cand_words;
    /* the candidates that can ship every line of S, in increasing order */
    for (uint32_t w = 0; w < nw; w++) {
        for (uint64_t bits = group_word(x, S, w); bits; bits &= bits - 1) {
            uint32_t c = w * 64 + (uint32_t)__builtin_ctzll(bits);
            if (rest) {
                const src_score_t *lu = &ex->lu[(size_t)c * x->n_lines];
                src_score_t b = ex->gu[c];
                for (uint32_t m = S; m; m &= m - 1)
                    src_add(&b, &lu[__builtin_ctz(m)], dim);
                src_add(&b, rest, dim);
                if (src_lex_cmp(&b, &ex->inc, dim) < 0)
                    continue;
            }
            items[n].cand = c;
            items[n].done = false;
            if (ex->lead >= 0) {
                items[n].has_ub = false;
                items[n].lead = src_upper_bound_lead(x, c, sub, ex->lead);
            } else {
                items[n].has_ub = true;
                src_upper_bound_sub(x, c, sub, ex->tight, &items[n].ub);
            }
            n++;
        }
    }
    return n;
}

/* Best-first over the items: evaluate until no bound can enter the top
 * `want` entries (or, with `rest`, reach the incumbent). */
static inline int cmp1(double a, double b)
{
    double d = a - b, tol = SRC_EPS * (1 + fabs(a) + fabs(b));
    return d > tol ? 1 : d < -tol ? -1 : 0;
}

/* Lead mode: give the items of the best remaining lead value their full
 * bounds. False when the scan is over: no item left, or the best lead
 * cannot reach the top `want` entries (every bound left is below them). */
static bool next_lead_group(exact_t *ex, src_subset_t *sub, ub_item_t *items, uint32_t n)
{
    int q = ex->lead, gi = -1;
    for (uint32_t i = 0; i < n; i++)
        if (!items[i].done && (gi < 0 || cmp1(items[i].lead, items[gi].lead) > 0))
            gi = (int)i;
    if (gi < 0)
        return false;
    double lead = items[gi].lead;
    if (ex->n_top[sub->mask] >= ex->want &&
        cmp1(lead, ex->top[(size_t)sub->mask * ex->M + ex->want - 1].score.v[q]) < 0)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!items[i].done && cmp1(items[i].lead, lead) == 0) {
            src_upper_bound_sub(ex->x, items[i].cand, sub, ex->tight, &items[i].ub);
            items[i].has_ub = true;
        }
    return true;
}

static inline __attribute__((always_inline)) void
subset_scan(exact_t *ex, src_subset_t *sub, ub_item_t *items, uint32_t n, const src_score_t *rest)
{
    src_ctx_t *x = ex->x;
    uint32_t dim = x->dim, S = sub->mask;
    for (;;) {
        int bi = -1;
        if (ex->lead < 0) { /* every item has its bound */
            for (uint32_t i = 0; i < n; i++)
                if (!items[i].done && (bi < 0 || src_lex_cmp(&items[i].ub, &items[bi].ub, dim) > 0))
                    bi = (int)i;
        } else {
            for (uint32_t i = 0; i < n; i++)
                if (!items[i].done && items[i].has_ub &&
                    (bi < 0 || src_lex_cmp(&items[i].ub, &items[bi].ub, dim) > 0))
                    bi = (int)i;
        }
        if (bi < 0) {
            if (ex->lead >= 0 && next_lead_group(ex, sub, items, n))
                continue;
            break;
        }
        items[bi].done = true;
        if (!x->explain && ex->n_top[S] >= ex->want &&
            src_lex_cmp(&items[bi].ub, &ex->top[(size_t)S * ex->M + ex->want - 1].score, dim) <= 0)
            break;
        if (rest) {
            src_score_t b = items[bi].ub;
            src_add(&b, rest, dim);
            if (src_lex_cmp(&b, &ex->inc, dim) < 0)
                break;
        }
        src_eval_t e;
        eval(x, items[bi].cand, S, &e);
        if (e.feasible)
            top_insert(ex, S, items[bi].cand, &e.score);
    }
}

/* Can a block S whose bound is ub1[S] reach the incumbent next to `rest`? */
static bool subset_may_win(const exact_t *ex, uint32_t S, const src_score_t *rest)
{
    if (!ex->ub1_ok[S])
        return false;
    src_score_t b = ex->ub1[S];
    src_add(&b, rest, ex->x->dim);
    return src_lex_cmp(&b, &ex->inc, ex->x->dim) >= 0;
}

static int eval_subset(exact_t *ex, uint32_t S, ub_item_t *items)
{
    src_ctx_t *x = ex->x;
    if (ex->done)
        ex->done[S] = 1;
    /* what the bounds need from the lines alone, once per subset */
    src_subset_t sub;
    src_subset_init(x, S, &sub);
    uint32_t n = subset_items(ex, S, &sub, NULL, items);
    subset_scan(ex, &sub, items, n, NULL);
    return ORDO_OK;
}

/* Lines in a group (the portable x86-64 baseline has no popcount
 * instruction: __builtin_popcount is a library call) */
static inline uint32_t lines_in(uint32_t m)
{
    uint32_t n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

/* Two shipments at most (M = 2): a block S and its complement R are the
 * whole plan. The larger block (fewer nodes can ship it) is scanned first
 * against the other's decomposed bound, then the other against its best
 * score. */
static void eval_pair(exact_t *ex, uint32_t S, ub_item_t *items)
{
    src_ctx_t *x = ex->x;
    uint32_t R = x->all_mask ^ S, dim = x->dim;
    if (!ex->inc_ok) {
        eval_subset(ex, S, items);
        eval_subset(ex, R, items);
        return;
    }
    src_subset_t sub;
    if (lines_in(R) > lines_in(S)) {
        uint32_t t = S;
        S = R;
        R = t;
    }
    ex->done[S] = ex->done[R] = 1;
    if (!ex->rest_ok[S] || !ex->rest_ok[R] || !subset_may_win(ex, S, &ex->rest[S]) ||
        !subset_may_win(ex, R, &ex->rest[R]))
        return;
    src_subset_init(x, S, &sub);
    uint32_t n = subset_items(ex, S, &sub, &ex->rest[S], items);
    subset_scan(ex, &sub, items, n, &ex->rest[S]);
    if (!ex->n_top[S])
        return;
    src_score_t rest = ex->top[(size_t)S * ex->M].score;
    src_add(&rest, &ex->term[2], dim);
    if (!subset_may_win(ex, R, &rest))
        return;
    src_subset_init(x, R, &sub);
    n = subset_items(ex, R, &sub, &rest, items);
    subset_scan(ex, &sub, items, n, &rest);
}

/* With S and its complement both evaluated, their best nodes (if distinct)
 * make a two-shipment plan the search will find: a tighter incumbent. Its
 * score is summed as the search sums it. */
static void pair_incumbent(exact_t *ex, uint32_t S)
{
    src_ctx_t *x = ex->x;
    uint32_t R = x->all_mask ^ S, dim = x->dim;
    if (!ex->prune || !ex->done[S] || !ex->done[R] || !ex->n_top[S] || !ex->n_top[R])
        return;
    const top_entry_t *a = &ex->top[(size_t)S * ex->M], *b = &ex->top[(size_t)R * ex->M];
    if (a->cand == b->cand)
        return;
    if (!(S & 1u)) {
        const top_entry_t *t = a;
        a = b;
        b = t;
    }
    src_score_t v;
    memset(&v, 0, sizeof v);
    src_add(&v, &a->score, dim);
    src_add(&v, &b->score, dim);
    src_add(&v, &ex->term[2], dim);
    if (!ex->inc_ok || src_lex_cmp(&v, &ex->inc, dim) > 0) {
        ex->inc = v;
        ex->inc_ok = true;
    }
}

/* The decomposed bounds of every line group and of the rest of a plan
 * around each group (see exact_t). */
static int prune_setup(exact_t *ex)
{
    src_ctx_t *x = ex->x;
    uint32_t dim = x->dim, nsub = 1u << x->n_lines, full = x->all_mask;
    ex->ub1 = ordo_arena_alloc(x->arena, sizeof *ex->ub1 * nsub);
    ex->rest = ordo_arena_alloc(x->arena, sizeof *ex->rest * nsub);
    ex->ub1_ok = zalloc(x, nsub, 1);
    ex->rest_ok = zalloc(x, nsub, 1);
    ex->done = zalloc(x, nsub, 1);
    src_score_t *acc = ordo_arena_alloc(x->arena, sizeof *acc * nsub);
    if (!ex->ub1 || !ex->rest || !ex->ub1_ok || !ex->rest_ok || !ex->done || !acc)
        return ORDO_ENOMEM;
    for (uint32_t c = 0; c < x->n_cands; c++) {
        uint32_t fmask = x->cand_full[c] & full;
        if (!fmask)
            continue;
        const src_score_t *lu = &ex->lu[(size_t)c * x->n_lines];
        acc[0] = ex->gu[c];
        /* submasks in increasing order: B minus its lowest line comes first */
        for (uint32_t B = fmask & (~fmask + 1);; B = (B - fmask) & fmask) {
            if (!B)
                break;
            uint32_t low = B & (~B + 1);
            acc[B] = acc[B ^ low];
            src_add(&acc[B], &lu[__builtin_ctz(low)], dim);
            if (!ex->ub1_ok[B]) {
                ex->ub1[B] = acc[B];
                ex->ub1_ok[B] = 1;
            } else {
                score_cmax(&ex->ub1[B], &acc[B], dim);
            }
        }
    }
    /* M = 2: the rest of a plan holding S is one block, R = full ^ S */
    for (uint32_t S = 1; S < full; S++) {
        uint32_t R = full ^ S;
        if (!ex->ub1_ok[R])
            continue;
        ex->rest[S] = ex->ub1[R];
        src_add(&ex->rest[S], &ex->term[2], dim);
        ex->rest_ok[S] = 1;
    }
    return ORDO_OK;
}

static void record_alt(src_ctx_t *x, const exact_t *ex, uint32_t k, const src_score_t *sc)
{
    if (!x->explain)
        return;
    for (uint32_t i = 0; i < x->n_alts; i++) {
        ordo_alt_plan_t *a = &x->alts[i];
        if (a->n_shipments != k)
            continue;
        bool same = true;
        for (uint32_t j = 0; j < k && same; j++)
            same = a->masks[j] == ex->stack_masks[j];
        if (!same)
            continue;
        src_score_t cur;
        memcpy(cur.v, a->score_vec, sizeof cur.v);
        if (src_lex_cmp(sc, &cur, x->dim) > 0) {
            a->score = sc->v[0];
            memcpy(a->score_vec, sc->v, sizeof a->score_vec);
            for (uint32_t j = 0; j < k; j++)
                a->nodes[j] = x->cands[ex->stack_cands[j]].node;
        }
        return;
    }
    if (x->n_alts >= x->cap_alts)
        return;
    ordo_alt_plan_t *a = &x->alts[x->n_alts++];
    memset(a, 0, sizeof *a);
    a->n_shipments = k;
    for (uint32_t j = 0; j < k; j++) {
        a->masks[j] = ex->stack_masks[j];
        a->nodes[j] = x->cands[ex->stack_cands[j]].node;
    }
    a->score = sc->v[0];
    memcpy(a->score_vec, sc->v, sizeof a->score_vec);
}

static void search(exact_t *ex, uint32_t T, uint32_t k, const src_score_t *acc)
{
    src_ctx_t *x = ex->x;
    uint32_t dim = x->dim;
    if (T == 0) {
        src_score_t tot = *acc;
        src_add(&tot, &ex->term[k], dim);
        record_alt(x, ex, k, &tot);
        if (!ex->best.found || src_lex_cmp(&tot, &ex->best.score, dim) > 0) {
            ex->best.found = true;
            ex->best.k = k;
            ex->best.score = tot;
            memcpy(ex->best.masks, ex->stack_masks, sizeof ex->best.masks);
            memcpy(ex->best.cands, ex->stack_cands, sizeof ex->best.cands);
        }
        return;
    }
    if (k >= ex->M)
        return;
    if (!x->explain && ex->best.found) {
        bool any = false;
        src_score_t bound;
        for (uint32_t j = 1; j <= ex->M - k; j++) {
            if (!ex->ubest_ok[(size_t)T * ex->M + j - 1])
                continue;
            src_score_t b = *acc;
            src_add(&b, &ex->ubest[(size_t)T * ex->M + j - 1], dim);
            src_add(&b, &ex->term[k + j], dim);
            if (!any || src_lex_cmp(&b, &bound, dim) > 0)
                bound = b;
            any = true;
        }
        if (!any || src_lex_cmp(&bound, &ex->best.score, dim) <= 0)
            return;
    }
    uint32_t low = T & (~T + 1), rest = T ^ low;
    /* blocks containing the lowest line: low | s for every s ⊆ rest,
     * largest first so single-shipment plans are found early */
    uint32_t s = rest;
    for (;;) {
        uint32_t B = low | s;
        uint32_t n = ex->n_top[B];
        for (uint32_t r = 0; r < n; r++) {
            const top_entry_t *e = &ex->top[(size_t)B * ex->M + r];
            bool used = false;
            for (uint32_t j = 0; j < k; j++)
                used |= ex->stack_cands[j] == e->cand;
            if (used)
                continue;
            ex->stack_masks[k] = B;
            ex->stack_cands[k] = e->cand;
            src_score_t a2 = *acc;
            src_add(&a2, &e->score, dim);
            search(ex, T ^ B, k + 1, &a2);
        }
        if (s == 0)
            break;
        s = (s - 1) & rest;
    }
}

/* Gathering mode (see exact_t.gather): every group's candidates and
 * bounds, and the best bound sums of partitions. */
static int gather_setup(exact_t *ex, ub_item_t *items)
{
    src_ctx_t *x = ex->x;
    uint32_t nsub = 1u << x->n_lines, full = x->all_mask, M = ex->M;
    ex->goff = ordo_arena_alloc(x->arena, sizeof *ex->goff * nsub);
    ex->gn = zalloc(x, nsub, sizeof *ex->gn);
    ex->gU = ordo_arena_alloc(x->arena, sizeof *ex->gU * nsub);
    ex->gE = ordo_arena_alloc(x->arena, sizeof *ex->gE * nsub * M);
    ex->gchoice = ordo_arena_alloc(x->arena, sizeof *ex->gchoice * nsub * M);
    if (!ex->goff || !ex->gn || !ex->gU || !ex->gE || !ex->gchoice)
        return ORDO_ENOMEM;
    /* the pool: at most every candidate in every group but the whole order */
    size_t cap = (size_t)x->n_cands * (nsub - 1) + 1, used = 0;
    ex->gcand = ordo_arena_alloc(x->arena, sizeof *ex->gcand * cap);
    ex->gub = ordo_arena_alloc(x->arena, sizeof *ex->gub * cap);
    if (!ex->gcand || !ex->gub)
        return ORDO_ENOMEM;
    for (uint32_t S = 1; S < nsub; S++) {
        ex->goff[S] = (uint32_t)used;
        if (S == full) {
            /* evaluated already: its best score bounds it exactly */
            ex->gU[S] = ex->n_top[S] ? ex->top[(size_t)S * M].score.v[0] : -INFINITY;
            continue;
        }
        src_subset_t sub;
        src_subset_init(x, S, &sub);
        uint32_t n = subset_items(ex, S, &sub, NULL, items);
        double U = -INFINITY;
        for (uint32_t i = 0; i < n; i++) {
            ex->gcand[used + i] = items[i].cand;
            ex->gub[used + i] = items[i].ub.v[0];
            if (items[i].ub.v[0] > U)
                U = items[i].ub.v[0];
        }
        ex->gn[S] = n;
        ex->gU[S] = U;
        used += n;
    }
    /* gE[T][j]: partitions of T into exactly j groups, the group holding T's
     * lowest line first (gchoice: that group) */
    for (uint32_t T = 1; T < nsub; T++) {
        double *e = &ex->gE[(size_t)T * M];
        uint32_t *ch = &ex->gchoice[(size_t)T * M];
        e[0] = ex->gU[T];
        ch[0] = T;
        uint32_t low = T & (~T + 1), rest = T ^ low;
        for (uint32_t j = 2; j <= M; j++) {
            double best = -INFINITY;
            uint32_t bc = 0;
            for (uint32_t s2 = (rest - 1) & rest;; s2 = (s2 - 1) & rest) {
                uint32_t B = low | s2, R = T ^ B;
                if (R) {
                    double v = ex->gU[B] + ex->gE[(size_t)R * M + j - 2];
                    if (v > best) {
                        best = v;
                        bc = B;
                    }
                }
                if (s2 == 0)
                    break;
            }
            e[j - 1] = best;
            ch[j - 1] = bc;
        }
    }
    return ORDO_OK;
}

/* The best bound the lines outside S can add to a plan holding S. */
static double gather_rest(const exact_t *ex, uint32_t S)
{
    uint32_t R = ex->x->all_mask ^ S, M = ex->M;
    if (!R)
        return ex->term[1].v[0];
    double best = -INFINITY;
    for (uint32_t j = 1; j < M; j++) {
        double v = ex->gE[(size_t)R * M + j - 1] + ex->term[j + 1].v[0];
        if (v > best)
            best = v;
    }
    return best;
}

/* One group's stored items, scanned best-first (against the incumbent when
 * `rest` is given). */
static void gather_scan(exact_t *ex, uint32_t S, ub_item_t *items, const src_score_t *rest)
{
    src_subset_t sub;
    sub.mask = S;
    uint32_t n = ex->gn[S], off = ex->goff[S];
    for (uint32_t i = 0; i < n; i++) {
        items[i].cand = ex->gcand[off + i];
        items[i].done = false;
        items[i].has_ub = true;
        items[i].ub.v[0] = ex->gub[off + i];
    }
    if (ex->done)
        ex->done[S] = 1;
    subset_scan(ex, &sub, items, n, rest);
}

/* One pass of the gathering mode: the groups of the best bound partition,
 * the incumbent, then every other group that can reach it. */
static void gather_pass(exact_t *ex, ub_item_t *items, uint8_t *seen)
{
    src_ctx_t *x = ex->x;
    uint32_t nsub = 1u << x->n_lines, full = x->all_mask, M = ex->M;
    memset(seen, 0, nsub);
    seen[full] = 1;
    /* the best bound partition */
    double top = -INFINITY;
    uint32_t kt = 0;
    for (uint32_t j = 1; j <= M; j++) {
        double v = ex->gE[(size_t)full * M + j - 1] + ex->term[j].v[0];
        if (v > top) {
            top = v;
            kt = j;
        }
    }
    uint32_t blocks[MAX_M], nb = 0;
    if (kt) {
        for (uint32_t T = full, j = kt; T && j; j--) {
            uint32_t B = ex->gchoice[(size_t)T * M + j - 1];
            blocks[nb++] = B;
            T ^= B;
        }
        for (uint32_t b = 0; b < nb; b++)
            if (!seen[blocks[b]]) {
                seen[blocks[b]] = 1;
                gather_scan(ex, blocks[b], items, NULL);
            }
    }
    /* the incumbent: the single shipment, or that partition's plan */
    ex->inc_ok = false;
    if (ex->n_top[full]) {
        memset(&ex->inc, 0, sizeof ex->inc);
        src_add(&ex->inc, &ex->top[(size_t)full * M].score, 1);
        src_add(&ex->inc, &ex->term[1], 1);
        ex->inc_ok = true;
    }
    if (nb > 1) {
        bool ok = true;
        src_score_t v;
        memset(&v, 0, sizeof v);
        for (uint32_t b = 0; b < nb && ok; b++) {
            ok = ex->n_top[blocks[b]] > 0;
            for (uint32_t c = 0; ok && c < b; c++)
                ok = ex->top[(size_t)blocks[c] * M].cand != ex->top[(size_t)blocks[b] * M].cand;
            if (ok)
                src_add(&v, &ex->top[(size_t)blocks[b] * M].score, 1);
        }
        if (ok) {
            src_add(&v, &ex->term[nb], 1);
            if (!ex->inc_ok || src_lex_cmp(&v, &ex->inc, 1) > 0) {
                ex->inc = v;
                ex->inc_ok = true;
            }
        }
    }
    for (uint32_t S = 1; S < nsub; S++) {
        if (seen[S] || !ex->gn[S])
            continue;
        if (!ex->inc_ok) {
            gather_scan(ex, S, items, NULL);
            continue;
        }
        src_score_t rest;
        memset(&rest, 0, sizeof rest);
        rest.v[0] = gather_rest(ex, S);
        src_score_t b = rest;
        b.v[0] += ex->gU[S];
        if (src_lex_cmp(&b, &ex->inc, 1) < 0)
            continue;
        gather_scan(ex, S, items, &rest);
    }
}

/* Units and node weight of a block: its node_type term is
 * units · weight / (total units · number of types), exactly. */
static int64_t type_weight(const src_ctx_t *x, uint32_t ci)
{
    const ordo_criterion_t *k = &x->strat->criteria[0];
    uint32_t type = x->net->nodes[x->cands[ci].node].type;
    for (uint32_t t = 0; t < k->n_types; t++)
        if (k->type_order[t] == type)
            return (int64_t)(k->n_types - t);
    return 0;
}

static int64_t block_units(const src_ctx_t *x, uint32_t S)
{
    int64_t u = 0;
    for (uint32_t m = S; m; m &= m - 1)
        u += x->lines[__builtin_ctz(m)].qty;
    return u;
}

/* Can a plan holding the group S reach a plan whose node_type sum is v
 * with k shipments (see exact_t.defer)? */
static bool defer_may_reach(const exact_t *ex, uint32_t S, int64_t v, uint32_t k)
{
    uint32_t R = ex->x->all_mask ^ S, M = ex->M;
    if (ex->tw[S] < 0)
        return false;
    for (uint32_t j = R ? 1 : 0; j < (R ? M : 1); j++) {
        int64_t e = j ? ex->tpart[(size_t)R * M + j - 1] : 0;
        if (e < 0)
            continue;
        int64_t b = ex->tw[S] + e;
        if (b > v || (b == v && !(ex->by_count && j + 1 > k)))
            return true;
    }
    return false;
}

/* The node_type sums of every group's best node and of the best partitions
 * into exactly j groups; the groups no best partition holds are deferred. */
static int defer_setup(exact_t *ex)
{
    src_ctx_t *x = ex->x;
    uint32_t nsub = 1u << x->n_lines, full = x->all_mask, M = ex->M, nw = x->cand_words;
    ex->tw = ordo_arena_alloc(x->arena, sizeof *ex->tw * nsub);
    ex->tpart = ordo_arena_alloc(x->arena, sizeof *ex->tpart * nsub * M);
    ex->deferred = zalloc(x, nsub, 1);
    int64_t *cw = ordo_arena_alloc(x->arena, sizeof *cw * (x->n_cands + 1));
    if (!ex->tw || !ex->tpart || !ex->deferred || !cw)
        return ORDO_ENOMEM;
    /* candidates no evaluation can find feasible weigh nothing */
    for (uint32_t c = 0; c < x->n_cands; c++)
        cw[c] = src_cand_never(x, c) ? -1 : type_weight(x, c);
    for (uint32_t S = 1; S < nsub; S++) {
        int64_t best = -1;
        for (uint32_t w = 0; w < nw; w++) {
            for (uint64_t bits = group_word(x, S, w); bits; bits &= bits - 1) {
                int64_t v = cw[w * 64 + (uint32_t)__builtin_ctzll(bits)];
                if (v > best)
                    best = v;
            }
        }
        ex->tw[S] = best < 0 ? -1 : best * block_units(x, S);
    }
    /* tpart[T][j]: partitions of T into exactly j groups, the group holding
     * T's lowest line first (-1: none) */
    for (uint32_t T = 1; T < nsub; T++) {
        int64_t *p = &ex->tpart[(size_t)T * M];
        p[0] = ex->tw[T];
        uint32_t low = T & (~T + 1), rest = T ^ low;
        for (uint32_t j = 2; j <= M; j++) {
            int64_t best = -1;
            for (uint32_t s = (rest - 1) & rest;; s = (s - 1) & rest) {
                uint32_t B = low | s, R = T ^ B;
                if (R && ex->tw[B] >= 0) {
                    int64_t e = ex->tpart[(size_t)R * M + j - 2];
                    if (e >= 0 && ex->tw[B] + e > best)
                        best = ex->tw[B] + e;
                }
                if (s == 0)
                    break;
            }
            p[j - 1] = best;
        }
    }
    /* the best sum and the fewest groups reaching it */
    int64_t top = -1;
    uint32_t kmin = 0;
    for (uint32_t j = 1; j <= M; j++)
        if (ex->tpart[(size_t)full * M + j - 1] > top) {
            top = ex->tpart[(size_t)full * M + j - 1];
            kmin = j;
        }
    if (top < 0)
        return ORDO_OK; /* no partition: evaluate as before */
    for (uint32_t S = 1; S < nsub; S++)
        ex->deferred[S] = !defer_may_reach(ex, S, top, kmin);
    ex->defer = true;
    return ORDO_OK;
}

/* ubest (the best value of a partition of T into ≤ j blocks, any nodes)
 * from the groups' top entries, then the search for the best plan. */
static void combine(exact_t *ex, bool only_full)
{
    src_ctx_t *x = ex->x;
    uint32_t nsub = 1u << x->n_lines, full = x->all_mask, dim = x->dim;
    memset(&ex->best, 0, sizeof ex->best);
    /* ubest: best value of a partition of T into ≤ j blocks (any nodes) */
    for (uint32_t T = 1; T < nsub; T++) {
        if (only_full && T != full)
            continue;
        for (uint32_t j = 1; j <= ex->M; j++) {
            size_t at = (size_t)T * ex->M + j - 1;
            bool ok = false;
            src_score_t best;
            if (ex->n_top[T]) {
                best = ex->top[(size_t)T * ex->M].score;
                ok = true;
            }
            if (j > 1) {
                if (ex->ubest_ok[at - 1] &&
                    (!ok || src_lex_cmp(&ex->ubest[at - 1], &best, dim) > 0)) {
                    best = ex->ubest[at - 1];
                    ok = true;
                }
                uint32_t low = T & (~T + 1), rest = T ^ low;
                for (uint32_t s = (rest - 1) & rest;; s = (s - 1) & rest) {
                    uint32_t B = low | s, R = T ^ B;
                    if (R && ex->n_top[B] && ex->ubest_ok[(size_t)R * ex->M + j - 2]) {
                        src_score_t v = ex->top[(size_t)B * ex->M].score;
                        src_add(&v, &ex->ubest[(size_t)R * ex->M + j - 2], dim);
                        if (!ok || src_lex_cmp(&v, &best, dim) > 0) {
                            best = v;
                            ok = true;
                        }
                    }
                    if (s == 0)
                        break;
                }
            }
            ex->ubest_ok[at] = ok;
            if (ok)
                ex->ubest[at] = best;
        }
    }
    src_score_t zero;
    memset(&zero, 0, sizeof zero);
    search(ex, full, 0, &zero);
}

/* The first component where `other` falls below `chosen`. */
static void lost_on(const src_ctx_t *x, const src_score_t *chosen, const src_score_t *other,
                    const char **name, double *gap)
{
    *name = "tie";
    *gap = 0;
    for (uint32_t d = 0; d < x->dim; d++) {
        double diff = chosen->v[d] - other->v[d];
        if (fabs(diff) > SRC_EPS * (1 + fabs(chosen->v[d]) + fabs(other->v[d]))) {
            *name = x->strat->kind == ORDO_STRATEGY_WEIGHTED
                        ? "score"
                        : ordo_criterion_name(x->strat->criteria[d].kind);
            *gap = diff;
            return;
        }
    }
}

/* The split test of run_exact (may a plan of k ≥ 2 shipments beat the best
 * single shipment, bounded by Σ_i max_c line_ub + k·max_c fixed_ub + plan
 * term?) for a criteria strategy whose per-line bounds are not kept: the
 * same sums and maxima, computed one component at a time, so the
 * lexicographic comparison stops at the first component that decides every
 * k (typically the first or second: node type, or fewest shipments, whose
 * bound 1/k is below the single shipment's 1). The same answer, bit for bit,
 * as comparing the full vectors. */
static bool split_may_win_lazy(exact_t *ex, const src_score_t *single)
{
    src_ctx_t *x = ex->x;
    uint32_t nw = x->cand_words, open = 0; /* bit k: k shipments not decided */
    for (uint32_t i = 0; i < x->n_lines; i++) {
        uint64_t any = 0;
        for (uint32_t w = 0; w < nw; w++)
            any |= x->line_cands[(size_t)i * nw + w];
        if (!any)
            return false; /* a line no candidate ships in full */
    }
    if (!x->n_cands)
        return false;
    for (uint32_t k = 2; k <= ex->M; k++)
        open |= 1u << k;
    for (uint32_t d = 0; d < x->dim && open; d++) {
        double sum = 0;
        for (uint32_t i = 0; i < x->n_lines; i++) {
            bool any = false;
            double U = 0;
            const uint64_t *lc = &x->line_cands[(size_t)i * nw];
            for (uint32_t w = 0; w < nw; w++) {
                for (uint64_t bits = lc[w]; bits; bits &= bits - 1) {
                    double v = src_line_ub_crit(x, w * 64 + (uint32_t)__builtin_ctzll(bits), i, d);
                    if (!any || v > U)
                        U = v;
                    any = true;
                }
            }
            sum += U;
        }
        double G = 0;
        for (uint32_t c = 0; c < x->n_cands; c++) {
            double v = src_fixed_ub_crit(x, c, d);
            if (c == 0 || v > G)
                G = v;
        }
        for (uint32_t m = open; m; m &= m - 1) {
            uint32_t k = (uint32_t)__builtin_ctz(m);
            double a = sum + (k * G + ex->term[k].v[d]), b = single->v[d];
            if (a == b)
                continue; /* as src_lex_cmp: equal, look at the next component */
            double diff = a - b, tol = SRC_EPS * (1 + fabs(a) + fabs(b));
            if (diff > tol)
                return true;
            if (diff < -tol)
                open &= ~(1u << k);
        }
    }
    return false;
}

static int run_exact(src_ctx_t *x, best_plan_t *out)
{
    exact_t ex;
    memset(&ex, 0, sizeof ex);
    ex.x = x;
    ex.M = x->cons->max_shipments;
    if (ex.M > MAX_M)
        ex.M = MAX_M;
    if (ex.M > x->n_lines)
        ex.M = x->n_lines;
    uint32_t nsub = 1u << x->n_lines;
    ex.top = ordo_arena_alloc(x->arena, sizeof *ex.top * nsub * ex.M);
    ex.n_top = zalloc(x, nsub, 1);
    ex.ubest = ordo_arena_alloc(x->arena, sizeof *ex.ubest * nsub * ex.M);
    ex.ubest_ok = zalloc(x, (size_t)nsub * ex.M, 1);
    ub_item_t *items = ordo_arena_alloc(x->arena, sizeof *items * (x->n_cands + 1));
    if (!ex.top || !ex.n_top || !ex.ubest || !ex.ubest_ok || !items)
        return ORDO_ENOMEM;
    for (uint32_t k = 0; k <= ex.M; k++)
        ex.term[k] = src_plan_term(x, k);
    ex.lead = x->explain ? -1 : src_lead_criterion(x->strat);
    ex.tight = false;
    if (x->strat && x->strat->kind == ORDO_STRATEGY_CRITERIA)
        for (uint32_t q = 0; q < x->strat->n_criteria; q++)
            ex.tight |= x->strat->criteria[q].kind == ORDO_CRIT_ON_TIME;
    if (x->explain) {
        x->cap_alts = 256;
        x->alts = ordo_arena_alloc(x->arena, sizeof *x->alts * x->cap_alts);
        x->n_alts = 0;
        if (!x->alts)
            return ORDO_ENOMEM;
    }
    uint32_t full = x->all_mask;
    uint32_t dim = x->dim;
    /* First pass: the best node of each line group only. Distinct nodes per
     * shipment need up to M per group, but only when the best groups
     * collide on a node; the second pass (all M) runs only if the first
     * pass's best plan falls short of the collision-blind bound. */
    ex.want = x->explain ? ex.M : 1;
    /* With one shipment allowed only the whole order matters. */
    bool only_full = ex.M == 1, full_done = false;
    if (!only_full && !x->explain) {
        full_done = true;
        /* Bound every plan of k ≥ 2 shipments by per-line bounds; when none
         * can beat the best single shipment, the single shipment is optimal. */
        eval_subset(&ex, full, items);
        if (ex.n_top[full]) {
            src_score_t single = ex.top[(size_t)full * ex.M].score;
            src_add(&single, &ex.term[1], dim);
            src_score_t sum, G, v;
            memset(&sum, 0, sizeof sum);
            /* the per-line and per-shipment bounds, kept for pruning line
             * groups of criteria strategies with two shipments at most.
             * With M = 3 (the rest of a plan bounded over one or two blocks,
             * lexicographic maximum) too little was pruned to pay for the
             * bounds: +1% (cost-optimized) to +5% (drop-ship) instructions.
             * Weighted strategies gather their groups instead (exact_t.gather):
             * the same pruning for the default policy took 10% more time */
            bool keep = ex.M <= 2 && dim > 1;
            if (keep) {
                ex.lu = ordo_arena_alloc(x->arena, sizeof *ex.lu * x->n_cands * x->n_lines);
                ex.gu = ordo_arena_alloc(x->arena, sizeof *ex.gu * (x->n_cands + 1));
                if (!ex.lu || !ex.gu)
                    return ORDO_ENOMEM;
            }
            if (!keep && dim > 1) {
                /* criteria, nothing kept: component by component */
                only_full = !split_may_win_lazy(&ex, &single);
                goto split_tested;
            }
            bool all_lines = true;
            for (uint32_t i = 0; i < x->n_lines && all_lines; i++) {
                bool any = false;
                src_score_t U;
                const uint64_t *lc = &x->line_cands[(size_t)i * x->cand_words];
                for (uint32_t w = 0; w < x->cand_words; w++) {
                    for (uint64_t bits = lc[w]; bits; bits &= bits - 1) {
                        uint32_t c = w * 64 + (uint32_t)__builtin_ctzll(bits);
                        src_line_ub(x, c, i, &v);
                        if (keep)
                            ex.lu[(size_t)c * x->n_lines + i] = v;
                        src_ub_max(&U, &any, &v, dim);
                    }
                }
                all_lines = any;
                if (any)
                    src_add(&sum, &U, dim);
            }
            bool any_g = false;
            for (uint32_t c = 0; c < x->n_cands; c++) {
                src_fixed_ub(x, c, &v);
                if (keep)
                    ex.gu[c] = v;
                src_ub_max(&G, &any_g, &v, dim);
            }
            bool split_may_win = false;
            for (uint32_t k = 2; k <= ex.M && all_lines && any_g && !split_may_win; k++) {
                src_score_t ub = sum;
                for (uint32_t d = 0; d < dim; d++)
                    ub.v[d] += k * G.v[d] + ex.term[k].v[d];
                split_may_win = src_lex_cmp(&ub, &single, dim) > 0;
            }
            only_full = !split_may_win;
            if (split_may_win && keep) {
                int rc = prune_setup(&ex);
                if (rc)
                    return rc;
                ex.prune = true;
            }
        }
    }
split_tested:
    /* deferring groups: node_type first, its sums exact in integers */
    if (!only_full && !ex.prune && dim > 1 && !x->explain &&
        x->strat->criteria[0].kind == ORDO_CRIT_NODE_TYPE &&
        x->strat->criteria[0].resolution == 0 &&
        x->total_units * x->strat->criteria[0].n_types < 1e7) {
        ex.by_count =
            x->strat->n_criteria > 1 && x->strat->criteria[1].kind == ORDO_CRIT_FEWEST_SHIPMENTS;
        int rc = defer_setup(&ex);
        if (rc)
            return rc;
    }
    uint8_t *seen = NULL;
    if (!only_full && !ex.prune && !ex.defer && dim == 1 && !x->explain) {
        int rc = gather_setup(&ex, items);
        seen = zalloc(x, nsub, 1);
        if (rc || !seen)
            return rc ? rc : ORDO_ENOMEM;
        ex.gather = true;
    }
    for (;;) {
        bool combined = false;
        if (only_full) {
            if (!full_done)
                eval_subset(&ex, full, items);
        } else if (ex.prune) {
            if (!full_done)
                eval_subset(&ex, full, items);
            ex.inc_ok = ex.n_top[full] > 0;
            if (ex.inc_ok) {
                /* the single shipment, summed as the search sums it */
                memset(&ex.inc, 0, sizeof ex.inc);
                src_add(&ex.inc, &ex.top[(size_t)full * ex.M].score, dim);
                src_add(&ex.inc, &ex.term[1], dim);
            }
            /* complementary groups side by side: each pair is a plan */
            for (uint32_t S = 1; S < full; S += 2) {
                eval_pair(&ex, S, items);
                pair_incumbent(&ex, S);
            }
        } else if (ex.gather) {
            if (!full_done)
                eval_subset(&ex, full, items);
            gather_pass(&ex, items, seen);
        } else if (ex.defer) {
            /* the groups some best partition holds, then the best plan they
             * make (the incumbent), then the deferred groups that can still
             * reach it */
            bool any = false;
            for (uint32_t S = 1; S < nsub; S++)
                if (S != full || !full_done) {
                    if (ex.deferred[S])
                        any = true;
                    else
                        eval_subset(&ex, S, items);
                }
            if (any) {
                combine(&ex, false);
                combined = true;
                int64_t v = 0;
                for (uint32_t b = 0; b < ex.best.k; b++)
                    v += type_weight(x, ex.best.cands[b]) * block_units(x, ex.best.masks[b]);
                for (uint32_t S = 1; S < nsub; S++)
                    if (ex.deferred[S] &&
                        (!ex.best.found || defer_may_reach(&ex, S, v, ex.best.k))) {
                        eval_subset(&ex, S, items);
                        combined = false;
                    }
            }
        } else {
            for (uint32_t S = 1; S < nsub; S++)
                if (S != full || !full_done)
                    eval_subset(&ex, S, items);
        }
        full_done = true;
        if (!combined)
            combine(&ex, only_full);

        if (ex.want >= ex.M)
            break;
        bool any = false;
        src_score_t bound;
        for (uint32_t j = 1; j <= ex.M; j++)
            if (ex.ubest_ok[(size_t)full * ex.M + j - 1]) {
                src_score_t b = ex.ubest[(size_t)full * ex.M + j - 1];
                src_add(&b, &ex.term[j], dim);
                if (!any || src_lex_cmp(&b, &bound, dim) > 0)
                    bound = b;
                any = true;
            }
        if (!any || (ex.best.found && src_lex_cmp(&ex.best.score, &bound, dim) >= 0))
            break;
        /* the best groups collide on nodes: redo with M nodes per group */
        ex.want = ex.M;
        memset(ex.n_top, 0, nsub);
        if (ex.done)
            memset(ex.done, 0, nsub);
        memset(ex.ubest_ok, 0, (size_t)nsub * ex.M);
        memset(&ex.best, 0, sizeof ex.best);
        full_done = false;
    }
    *out = ex.best;
    /* explain: gap between the chosen plan and the best plan using each
     * feasible candidate (bound: the rest of the order at its best) */
    if (x->explain && ex.best.found) {
        for (uint32_t i = 0; i < x->n_cands_out; i++) {
            ordo_candidate_t *c = &x->cands_out[i];
            for (uint32_t j = 0; j < ex.best.k; j++)
                if (ex.best.masks[j] == c->lines_mask && x->cands[ex.best.cands[j]].node == c->node)
                    c->chosen = true;
            if (!c->feasible || c->chosen)
                continue;
            uint32_t R = full ^ c->lines_mask;
            bool ok = false;
            src_score_t best_with;
            if (R == 0) {
                best_with = ex.term[1];
                ok = true;
            } else {
                for (uint32_t j = 1; j + 1 <= ex.M; j++)
                    if (ex.ubest_ok[(size_t)R * ex.M + j - 1]) {
                        src_score_t v = ex.ubest[(size_t)R * ex.M + j - 1];
                        src_add(&v, &ex.term[j + 1], dim);
                        if (!ok || src_lex_cmp(&v, &best_with, dim) > 0)
                            best_with = v;
                        ok = true;
                    }
            }
            if (!ok)
                continue;
            for (uint32_t d = 0; d < dim; d++)
                best_with.v[d] += c->score_vec[d];
            lost_on(x, &ex.best.score, &best_with, &c->lost_on, &c->gap);
        }
        for (uint32_t i = 0; i < x->n_alts; i++) {
            bool same = x->alts[i].n_shipments == ex.best.k;
            for (uint32_t j = 0; same && j < ex.best.k; j++)
                same = x->alts[i].masks[j] == ex.best.masks[j] &&
                       x->alts[i].nodes[j] == x->cands[ex.best.cands[j]].node;
            x->alts[i].chosen = same;
            if (!same) {
                src_score_t v;
                memcpy(v.v, x->alts[i].score_vec, sizeof v.v);
                lost_on(x, &ex.best.score, &v, &x->alts[i].lost_on, &x->alts[i].gap);
            }
        }
    }
    return ORDO_OK;
}

/* ---- beam search ---- */

typedef struct beam_state {
    uint32_t k;
    uint32_t masks[MAX_M];
    uint32_t cands[MAX_M];
    src_score_t parts[MAX_M];
    src_score_t total; /* Σ parts + plan term */
} beam_state_t;

static void beam_keep(src_ctx_t *x, beam_state_t *pool, uint32_t *n, uint32_t width,
                      const beam_state_t *s)
{
    /* keep the `width` best: replace the worst when full */
    if (*n < width) {
        pool[(*n)++] = *s;
        return;
    }
    uint32_t worst = 0;
    for (uint32_t i = 1; i < *n; i++)
        if (src_lex_cmp(&pool[i].total, &pool[worst].total, x->dim) < 0)
            worst = i;
    if (src_lex_cmp(&s->total, &pool[worst].total, x->dim) > 0)
        pool[worst] = *s;
}

static int run_beam(src_ctx_t *x, best_plan_t *out)
{
    uint32_t M = x->cons->max_shipments > MAX_M ? MAX_M : x->cons->max_shipments;
    uint32_t W = (uint32_t)x->eng->p.beam_width, K = (uint32_t)x->eng->p.beam_nodes;
    if (K > 32)
        K = 32; /* whole[] below */
    uint32_t dim = x->dim;
    memset(out, 0, sizeof *out);
    src_score_t term[MAX_M + 1];
    for (uint32_t k = 0; k <= M; k++)
        term[k] = src_plan_term(x, k);
    /* per line: top-K candidates by the singleton upper bound */
    uint32_t K2 = 2 * K; /* stride: the line's K best, then the whole order's K best */
    uint32_t *topk = ordo_arena_alloc(x->arena, sizeof *topk * x->n_lines * K2);
    uint32_t *ntop = zalloc(x, x->n_lines, sizeof *ntop);
    src_score_t *tops = ordo_arena_alloc(x->arena, sizeof *tops * K);
    uint32_t order[SRC_MAX_LINES];
    beam_state_t *cur = ordo_arena_alloc(x->arena, sizeof *cur * W);
    beam_state_t *nxt = ordo_arena_alloc(x->arena, sizeof *nxt * W);
    if (!topk || !ntop || !tops || !cur || !nxt)
        return ORDO_ENOMEM;
    uint32_t nfull[SRC_MAX_LINES];
    for (uint32_t i = 0; i < x->n_lines; i++) {
        order[i] = i;
        nfull[i] = 0;
        for (uint32_t c = 0; c < x->n_cands; c++) {
            if (!(x->cands[c].full_mask & (1u << i)))
                continue;
            nfull[i]++;
            src_score_t ub;
            src_upper_bound(x, c, 1u << i, &ub);
            uint32_t n = ntop[i], pos = n;
            while (pos > 0 && src_lex_cmp(&ub, &tops[pos - 1], dim) > 0)
                pos--;
            if (pos >= K)
                continue;
            uint32_t last = n < K ? n : K - 1;
            for (uint32_t j = last; j > pos; j--) {
                tops[j] = tops[j - 1];
                topk[i * K2 + j] = topk[i * K2 + j - 1];
            }
            tops[pos] = ub;
            topk[i * K2 + pos] = c;
            if (n < K)
                ntop[i] = n + 1;
        }
    }
    /* the K best nodes for the whole order join every line's options, so a
     * beam can keep the order together where it has the stock */
    uint32_t whole[64];
    uint32_t nw = 0;
    for (uint32_t c = 0; c < x->n_cands; c++) {
        if (x->cands[c].full_mask != x->all_mask)
            continue;
        src_score_t ub;
        src_upper_bound(x, c, x->all_mask, &ub);
        uint32_t pos = nw;
        while (pos > 0 && src_lex_cmp(&ub, &tops[pos - 1], dim) > 0)
            pos--;
        if (pos >= K)
            continue;
        uint32_t last = nw < K ? nw : K - 1;
        for (uint32_t j = last; j > pos; j--) {
            tops[j] = tops[j - 1];
            whole[j] = whole[j - 1];
        }
        tops[pos] = ub;
        whole[pos] = c;
        if (nw < K)
            nw++;
    }
    for (uint32_t i = 0; i < x->n_lines; i++)
        for (uint32_t w = 0; w < nw; w++) {
            bool have = false;
            for (uint32_t r = 0; r < ntop[i]; r++)
                have |= topk[i * K2 + r] == whole[w];
            if (!have)
                topk[i * K2 + ntop[i]++] = whole[w];
        }
    /* fewest options first */
    for (uint32_t i = 1; i < x->n_lines; i++)
        for (uint32_t j = i; j > 0 && nfull[order[j]] < nfull[order[j - 1]]; j--) {
            uint32_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    uint32_t ncur = 1;
    memset(&cur[0], 0, sizeof cur[0]);
    for (uint32_t step = 0; step < x->n_lines; step++) {
        uint32_t i = order[step], bit = 1u << i;
        uint32_t nn = 0;
        for (uint32_t s = 0; s < ncur; s++) {
            const beam_state_t *st = &cur[s];
            /* join an existing shipment */
            for (uint32_t g = 0; g < st->k; g++) {
                const src_cand_t *cd = &x->cands[st->cands[g]];
                if (cd->atp[i] <= 0)
                    continue;
                src_eval_t e;
                eval(x, st->cands[g], st->masks[g] | bit, &e);
                if (!e.feasible)
                    continue;
                beam_state_t ns = *st;
                ns.masks[g] |= bit;
                ns.parts[g] = e.score;
                memset(&ns.total, 0, sizeof ns.total);
                for (uint32_t q = 0; q < ns.k; q++)
                    src_add(&ns.total, &ns.parts[q], dim);
                src_add(&ns.total, &term[ns.k], dim);
                beam_keep(x, nxt, &nn, W, &ns);
            }
            /* open a new shipment */
            if (st->k >= M)
                continue;
            for (uint32_t r = 0; r < ntop[i]; r++) {
                uint32_t c = topk[i * K2 + r];
                bool used = false;
                for (uint32_t g = 0; g < st->k; g++)
                    used |= st->cands[g] == c;
                if (used)
                    continue;
                src_eval_t e;
                eval(x, c, bit, &e);
                if (!e.feasible)
                    continue;
                beam_state_t ns = *st;
                ns.masks[ns.k] = bit;
                ns.cands[ns.k] = c;
                ns.parts[ns.k] = e.score;
                ns.k++;
                memset(&ns.total, 0, sizeof ns.total);
                for (uint32_t q = 0; q < ns.k; q++)
                    src_add(&ns.total, &ns.parts[q], dim);
                src_add(&ns.total, &term[ns.k], dim);
                beam_keep(x, nxt, &nn, W, &ns);
            }
        }
        if (nn == 0)
            return ORDO_OK; /* nothing feasible */
        beam_state_t *t = cur;
        cur = nxt;
        nxt = t;
        ncur = nn;
    }
    uint32_t best = 0;
    for (uint32_t s = 1; s < ncur; s++)
        if (src_lex_cmp(&cur[s].total, &cur[best].total, dim) > 0)
            best = s;
    out->found = true;
    out->k = cur[best].k;
    memcpy(out->masks, cur[best].masks, sizeof out->masks);
    memcpy(out->cands, cur[best].cands, sizeof out->cands);
    out->score = cur[best].total;
    return ORDO_OK;
}

/* ---- building the plan ---- */

static int materialize(src_ctx_t *x, const best_plan_t *b, ordo_plan_t *plan, const int32_t *force)
{
    const ordo_network_t *net = x->net;
    plan->n_shipments = b->k;
    plan->shipments = zalloc(x, b->k, sizeof *plan->shipments);
    if (!plan->shipments)
        return ORDO_ENOMEM;
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
        sh->lines = zalloc(x, (size_t)__builtin_popcount(b->masks[s]), sizeof *sh->lines);
        if (!sh->lines)
            return ORDO_ENOMEM;
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
        t->pick += sh->cost.pick;
        t->pack += sh->cost.pack;
        t->shipping += sh->cost.shipping;
        t->shipping_base += sh->cost.shipping_base;
        t->fuel += sh->cost.fuel;
        t->residential += sh->cost.residential;
        t->peak += sh->cost.peak;
        t->returns += sh->cost.returns;
        t->carrying_relief += sh->cost.carrying_relief;
        t->opportunity += sh->cost.opportunity;
        t->total += sh->cost.total;
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
    best_plan_t b;
    memset(&b, 0, sizeof b);
    bool beam = x->opts->force_beam || x->n_lines > ORDO_SOURCE_EXACT_MAX_LINES;
    rc = beam ? run_beam(x, &b) : run_exact(x, &b);
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
    best_plan_t b;
    memset(&b, 0, sizeof b);
    double best_miles = INFINITY;
    for (uint32_t c = 0; c < x->n_cands; c++) {
        if (x->cands[c].full_mask != x->all_mask)
            continue;
        double m = x->order->level == ORDO_LEVEL_PICKUP ? 0 : x->cands[c].miles;
        if (m >= best_miles)
            continue;
        src_eval_t e;
        eval(x, c, x->all_mask, &e);
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
    plan->backorders = zalloc(x, o->n_lines, sizeof *plan->backorders);
    if (!plan->backorders)
        return;
    plan->n_backorders = 0;
    if (!x->slot)
        x->slot = ordo_arena_alloc(x->arena, sizeof *x->slot * (x->net->n_nodes + 1));
    if (!x->slot)
        return;
    memset(x->slot, 0xff, sizeof *x->slot * x->net->n_nodes);
    for (uint32_t li = 0; li < o->n_lines; li++)
        line_stats(x, li);
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
        } else {
            b->reason = "no_feasible_plan";
            size_t n = 0;
            for (int r = 0; r < 8; r++)
                if (x->excl[li][r] && n < sizeof d - 40)
                    n += (size_t)snprintf(d + n, sizeof d - n, "%s%s x%u",
                                          n ? ", " : "excluded by ", rule_cats[r], x->excl[li][r]);
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
    plan->atp = zalloc(x, cap, sizeof *plan->atp);
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
    uint32_t cells[ORDO_ORDER_MAX_LINES * 2];
    int32_t qtys[ORDO_ORDER_MAX_LINES * 2];
    size_t n = 0;
    for (uint32_t s = 0; s < plan->n_shipments; s++)
        for (uint32_t j = 0; j < plan->shipments[s].n_lines && n < sizeof cells / sizeof cells[0];
             j++) {
            cells[n] = plan->shipments[s].lines[j].cell;
            qtys[n++] = (int32_t)plan->shipments[s].lines[j].quantity;
        }
    size_t failed = 0;
    int rc = ordo_inventory_reserve_many(x->net->inventory, cells, qtys, n, respect_safety ? 1 : 0,
                                         &failed);
    if (rc)
        return rc;
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
    } else {
        /* civil month from the day number (Howard Hinnant's algorithm) */
        int64_t z = x->day0 + 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        unsigned m = mp < 10 ? mp + 3 : mp - 9;
        x->peak = m == 11 || m == 12;
    }
}

int ordo_source_decide(ordo_engine_t *eng, const ordo_policy_t *policy, const ordo_order_t *order,
                       const ordo_decide_opts_t *opts_in, ordo_arena_t *arena, ordo_plan_t **out,
                       ordo_error_t *err)
{
    uint64_t t0 = ordo_now_ns();
    if (out)
        *out = NULL;
    if (!eng || !order || !arena || !out)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "missing argument");
    ordo_decide_opts_t opts = {0};
    if (opts_in)
        opts = *opts_in;
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
    src_ctx_t *x = ordo_arena_alloc(arena, sizeof *x);
    ordo_plan_t *plan = ordo_arena_calloc(arena, 1, sizeof *plan);
    if (!x || !plan)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    int attempts = 0;
retry:
    ctx_init(x, eng, policy, order, &opts, arena);
    memset(plan, 0, sizeof *plan);
    plan->order = order;
    plan->policy_name = policy ? policy->name : "none";
    plan->policy_version = policy ? policy->version : "none";
    plan->promise_days = x->promise_days;
    plan->promise = x->promise;
    bool found = false;
    int rc = ORDO_OK;
    bool matched = false;
    const ordo_strategy_t *first_matched = NULL;
    if (!policy || opts.force_fallback) {
        plan->fallback_reason = policy ? "forced" : "no policy";
    } else if (opts.deadline_ns && ordo_now_ns() > opts.deadline_ns) {
        plan->fallback_reason = "deadline passed";
    } else {
        for (int stage = 0; stage < 2 && !found && rc == ORDO_OK; stage++) {
            const ordo_strategy_t *list = stage ? policy->fallbacks : policy->strategies;
            uint32_t n = stage ? policy->n_fallbacks : policy->n_strategies;
            for (uint32_t i = 0; i < n && !found; i++) {
                if (!ordo_cond_eval(list[i].when, &x->octx))
                    continue;
                matched = true;
                if (!first_matched)
                    first_matched = &list[i];
                rc = run_strategy(x, &list[i], plan, &found);
                if (rc)
                    break;
                if (opts.deadline_ns && !found && ordo_now_ns() > opts.deadline_ns) {
                    plan->fallback_reason = "deadline passed";
                    break;
                }
            }
        }
        if (rc == ORDO_EUNSUPPORTED)
            return ordo_error_set(err, rc, NULL, 0, "lines",
                                  "the order splits into more than %d search lines", SRC_MAX_LINES);
        if (rc)
            return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
        if (!found && !plan->fallback_reason)
            plan->fallback_reason =
                matched ? "no feasible plan under the policy" : "no strategy applies to this order";
    }
    if (found) {
        plan->status = ORDO_PLAN_OK;
    } else {
        bool try_nearest = !policy || opts.force_fallback || policy->fallback_nearest;
        if (try_nearest) {
            /* keep the reasons the policy's first strategy gave */
            uint32_t sv_any[ORDO_ORDER_MAX_LINES];
            (void)sv_any;
            if (first_matched) {
                rc = run_strategy(x, first_matched, plan, &found); /* re-run for reasons */
                if (found) /* cannot happen (deterministic), but be safe */
                    plan->status = ORDO_PLAN_OK;
            }
            if (!found) {
                src_ctx_t *y = ordo_arena_alloc(arena, sizeof *y);
                if (!y)
                    return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
                memcpy(y, x, sizeof *y);
                y->slot = NULL;
                rc = run_nearest(y, plan, &found);
                if (rc)
                    return ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
                if (found) {
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
    }
    plan->evaluated = x->evaluated;
    plan->n_search_lines = x->n_lines;
    plan->search_lines = zalloc(x, x->n_lines, sizeof *plan->search_lines);
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
    if (opts.reserve && plan->status != ORDO_PLAN_UNFULFILLABLE) {
        bool safety = plan->status == ORDO_PLAN_FALLBACK ? true : x->cons->respect_safety_stock;
        rc = reserve(x, plan, safety);
        if (rc == ORDO_ESTOCK && attempts++ < 3)
            goto retry; /* another thread took the stock: decide again */
        if (rc == ORDO_ESTOCK) {
            plan->status = ORDO_PLAN_UNFULFILLABLE;
            plan->n_shipments = 0;
            backorders(x, plan);
        } else if (rc) {
            return ordo_error_set(err, rc, NULL, 0, NULL, "reservation failed");
        }
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

int ordo_source_price(ordo_engine_t *eng, const ordo_policy_t *policy, const ordo_order_t *order,
                      const ordo_plan_spec_t *spec, ordo_arena_t *arena, ordo_plan_t **out,
                      ordo_error_t *err)
{
    uint64_t t0 = ordo_now_ns();
    *out = NULL;
    const ordo_network_t *net = eng->net;
    ordo_decide_opts_t opts = {0};
    src_ctx_t *x = ordo_arena_alloc(arena, sizeof *x);
    ordo_plan_t *plan = ordo_arena_calloc(arena, 1, sizeof *plan);
    ordo_policy_t *def = NULL;
    if (!x || !plan)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!policy) {
        int rc = ordo_policy_builtin("default", &def, err);
        if (rc)
            return rc;
        policy = def;
    }
    ctx_init(x, eng, policy, order, &opts, arena);
    x->details = true; /* a priced plan reports why a shipment breaks a rule */
    /* score with the first strategy whose condition matches */
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
    resolve_groups(x);
    x->respect_safety = x->cons->respect_safety_stock;
    /* one search line per (shipment, line) */
    x->n_lines = 0;
    x->total_units = 0;
    uint32_t covered[ORDO_ORDER_MAX_LINES] = {0};
    int rc = ORDO_OK;
    for (uint32_t k = 0; k < spec->n_shipments; k++)
        for (uint32_t j = 0; j < spec->shipments[k].n_lines; j++) {
            const ordo_plan_line_t *pl = &spec->shipments[k].lines[j];
            if (x->n_lines >= SRC_MAX_LINES) {
                rc = ordo_error_set(err, ORDO_EUNSUPPORTED, NULL, 0, "shipments",
                                    "more than %d plan lines", SRC_MAX_LINES);
                goto done;
            }
            x->lines[x->n_lines++] =
                search_line(net, pl->line, order->lines[pl->line].sku, pl->quantity);
            x->total_units += pl->quantity;
            covered[pl->line] += pl->quantity;
        }
    src_lines_finish(x);
    x->slot = NULL;
    if (cands_alloc(x, spec->n_shipments, true)) {
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        goto done;
    }
    plan->order = order;
    /* copies: the default policy is freed before returning */
    plan->policy_name = ordo_arena_strdup(arena, policy->name);
    plan->policy_version = ordo_arena_strdup(arena, policy->version);
    plan->strategy = ordo_arena_strdup(arena, s->name);
    plan->search = "given";
    plan->promise_days = x->promise_days;
    plan->promise = x->promise;
    plan->status = ORDO_PLAN_OK;
    best_plan_t b;
    memset(&b, 0, sizeof b);
    b.found = true;
    b.k = spec->n_shipments;
    uint32_t li = 0;
    ordo_backorder_t *viol = zalloc(x, spec->n_shipments + order->n_lines, sizeof *viol);
    uint32_t nviol = 0;
    for (uint32_t k = 0; k < spec->n_shipments && k < MAX_M; k++) {
        const ordo_plan_spec_shipment_t *ss = &spec->shipments[k];
        src_cand_t *cd = &x->cands[k];
        cand_bind(x, k);
        cd->node = ss->node;
        cd->zone =
            order->ship_zip ? (uint16_t)ordo_network_zone(net, ss->node, order->ship_zip3) : 0;
        cd->miles =
            order->ship_zip ? (float)ordo_network_miles(net, ss->node, order->ship_zip3) : 0;
        cd->load = ordo_engine_node_load(eng, ss->node);
        const char *why = NULL;
        if (viol && order->level != ORDO_LEVEL_PICKUP &&
            !src_node_allowed(x, &net->nodes[ss->node], &why)) {
            char r[64];
            snprintf(r, sizeof r, "violates:%s", why);
            viol[nviol++] =
                (ordo_backorder_t){0, 0, ordo_arena_strdup(arena, r), net->nodes[ss->node].id};
        }
        uint32_t mask = 0;
        for (uint32_t j = 0; j < ss->n_lines; j++, li++) {
            int64_t cell = ordo_inventory_cell(net->inventory, ss->node, x->lines[li].sku);
            mask |= 1u << li;
            if (cell >= 0) {
                cd->cell[li] = (uint32_t)cell;
                cd->atp[li] = x->respect_safety
                                  ? ordo_inventory_atp(net->inventory, (uint32_t)cell)
                                  : ordo_inventory_atp_unsafe(net->inventory, (uint32_t)cell);
                cd->dos[li] = cd->atp[li] / (double)eng->demand[cell];
            }
            /* price even without stock: pretend it is there, report it */
            if (cd->atp[li] < (int32_t)x->lines[li].qty) {
                if (viol)
                    viol[nviol++] = (ordo_backorder_t){x->lines[li].order_line, x->lines[li].qty,
                                                       "violates:stock", NULL};
                cd->atp[li] = 1 << 30;
                cd->dos[li] = cd->dos[li] > 0 ? cd->dos[li] : 0;
                if (cell < 0)
                    cd->cell[li] = 0;
            }
        }
        b.masks[k] = mask;
        b.cands[k] = k;
        int32_t force = ss->service >= 0 ? ss->service : -3;
        src_eval_t e;
        src_eval_shipment(x, k, mask, force, &e);
        if (!e.feasible && viol)
            viol[nviol++] =
                (ordo_backorder_t){x->lines[li - 1].order_line, 0,
                                   ordo_arena_strdup(arena, e.excluded_by ? e.excluded_by : "rule"),
                                   e.detail[0] ? ordo_arena_strdup(arena, e.detail) : NULL};
        b.score.v[0] += e.score.v[0];
        for (uint32_t d = 1; d < x->dim; d++)
            b.score.v[d] += e.score.v[d];
    }
    for (uint32_t i = 0; i < order->n_lines; i++)
        if (covered[i] != order->lines[i].quantity && viol)
            viol[nviol++] = (ordo_backorder_t){i, order->lines[i].quantity, "violates:coverage",
                                               "the plan does not ship the line's full quantity"};
    if (spec->n_shipments > x->cons->max_shipments && viol)
        viol[nviol++] = (ordo_backorder_t){0, 0, "violates:max_shipments", NULL};
    src_score_t term = src_plan_term(x, b.k);
    src_add(&b.score, &term, x->dim);
    int32_t force[MAX_M];
    for (uint32_t k = 0; k < b.k && k < MAX_M; k++)
        force[k] = spec->shipments[k].service >= 0 ? spec->shipments[k].service : -3;
    rc = materialize(x, &b, plan, force);
    if (rc) {
        rc = ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
        goto done;
    }
    plan->score = b.score.v[0];
    for (uint32_t d = 0; d < x->dim; d++)
        plan->score_vec[d] = b.score.v[d];
    plan->backorders = viol;
    plan->n_backorders = nviol;
    plan->decided_at = ordo_now_unix();
    plan->latency_ns = ordo_now_ns() - t0;
    *out = plan;
done:
    ordo_policy_destroy(def);
    return rc;
}
