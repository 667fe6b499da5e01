/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — candidate set-up for the searches: the order's search lines (whole
 * lines, or pieces of a split line), the nodes that stock them and their
 * bounds; how a search evaluates a shipment (tallied for backorder reasons,
 * recorded when explaining); and the failures a decision reports.
 * docs/internals/SOURCING.md explains the steps. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- rules tally for backorder reasons ---- */

const char *const src_rule_cats[8] = {"stock",     "guardrail",  "capacity",     "min_on_time",
                                      "criterion", "no_service", "unknown_zone", "other"};

static int rule_index(const char *r)
{
    if (!r)
        return 7;
    for (int i = 0; i < 7; i++)
        if (!strncmp(r, src_rule_cats[i], strlen(src_rule_cats[i])))
            return i;
    return 7;
}

/* ---- failures ---- */

int src_fail(src_ctx_t *x, int rc, const char *field, const char *fmt, ...)
{
    if (x->fail_rc)
        return rc; /* the first failure is the cause */
    x->fail_rc = rc;
    snprintf(x->fail_field, sizeof x->fail_field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->fail_msg, sizeof x->fail_msg, fmt, ap);
    va_end(ap);
    return rc;
}

int src_fail_arena(src_ctx_t *x, const char *what)
{
    return src_fail(x, ORDO_ENOMEM, NULL, "out of memory: the order's arena could not hold %s",
                    what);
}

int src_report(const src_ctx_t *x, int rc, ordo_error_t *err)
{
    if (x->fail_rc)
        return ordo_error_set(err, x->fail_rc, NULL, 0, x->fail_field[0] ? x->fail_field : NULL,
                              "%s", x->fail_msg);
    return ordo_error_set(err, rc, NULL, 0, NULL, "sourcing failed: %s", ordo_strerror(rc));
}

/* ---- candidates ---- */

/* A scanned line keeps its allowed cells for add_candidates when its SKU
 * has at most this many cells (else they are scanned again). */
#define SRC_REC_MAX 256

/* src_zalloc without the zeroes */
static void *arena_n(src_ctx_t *x, size_t n, size_t size)
{
    return ordo_arena_alloc(x->arena, (n ? n : 1) * size);
}

int src_resolve_groups(src_ctx_t *x)
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

/* A node's first slot this preparation (its slot is −1): v, and the node
 * kept in the touched list for src_slots_reset. */
static inline void slot_first(src_ctx_t *x, uint32_t node, int32_t v)
{
    src_slots_t *ss = x->slots;
    ss->touch[ss->n_touch++] = node;
    x->slot[node] = v;
}

int src_slots_reset(src_ctx_t *x)
{
    src_slots_t *ss = x->slots;
    if (!ss) {
        size_t n = (size_t)x->net->n_nodes + 1;
        ss = ordo_arena_alloc(x->arena, sizeof *ss);
        int32_t *slot = ss ? ordo_arena_alloc(x->arena, sizeof *slot * n) : NULL;
        uint32_t *touch = slot ? ordo_arena_alloc(x->arena, sizeof *touch * n) : NULL;
        if (!touch)
            return src_fail_arena(x, "the node slots");
        memset(slot, 0xff, sizeof *slot * n); /* -1 */
        *ss = (src_slots_t){.slot = slot, .touch = touch};
        x->slots = ss;
    }
    for (uint32_t i = 0; i < ss->n_touch; i++)
        ss->slot[ss->touch[i]] = -1;
    ss->n_touch = 0;
    x->slot = ss->slot;
    return ORDO_OK;
}

/* node verdict cache: slot -1 unknown, -2 disallowed, -3 allowed, ≥ 0
 * candidate index */
static bool node_ok(src_ctx_t *x, uint32_t node)
{
    if (x->order->level == ORDO_LEVEL_PICKUP)
        return pickup_node_ok(x, node) && x->net->nodes[node].active;
    const char *why;
    return src_node_allowed(x, &x->net->nodes[node], &why);
}

/* A cell of a scanned line that an allowed node holds with ATP > 0, as
 * the statistics found it (add_candidates replays them). */
typedef struct cell_rec {
    uint32_t node, cell;
    int32_t atp;
} cell_rec_t;

/* Stock statistics of one order line over every node (for split decisions
 * and backorder reasons); with rec (room for every cell of the SKU), the
 * allowed cells with ATP > 0 in cell order, their number returned. */
static uint32_t line_stats(src_ctx_t *x, uint32_t li, cell_rec_t *rec)
{
    ordo_inventory_t *inv = x->net->inventory;
    const ordo_order_line_t *ol = &x->order->lines[li];
    ordo_stock_range_t r = ordo_inventory_sku_cells(inv, ol->sku);
    uint32_t n = 0;
    x->line_any[li] = x->line_allowed[li] = x->line_full[li] = 0;
    x->line_total[li] = 0;
    for (uint32_t c = r.begin; c < r.end; c++) {
        int32_t a = cell_atp(x, c);
        if (a <= 0)
            continue;
        x->line_any[li]++;
        uint32_t node = ordo_inventory_cell_node(inv, c);
        if (x->slot[node] == -1)
            slot_first(x, node, node_ok(x, node) ? -3 : -2);
        if (x->slot[node] == -2)
            continue;
        x->line_allowed[li]++;
        x->line_total[li] += (uint64_t)a;
        if ((uint32_t)a >= ol->quantity)
            x->line_full[li]++;
        if (rec)
            rec[n++] = (cell_rec_t){node, c, a};
    }
    return n;
}

void src_line_stats(src_ctx_t *x, uint32_t li)
{
    line_stats(x, li, NULL);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Candidates for up to n nodes, their per-line arrays in pools (zeroed
 * when `zero`; src_prepare zeroes ATP as nodes become candidates). */
int src_cands_alloc(src_ctx_t *x, size_t n, bool zero)
{
    size_t nl = (size_t)x->n_lines * n + 1;
    void *(*get)(src_ctx_t *, size_t, size_t) = zero ? src_zalloc : arena_n;
    x->cands = get(x, n + 1, sizeof *x->cands);
    x->pool_cell = get(x, nl, sizeof *x->pool_cell);
    x->pool_atp = get(x, nl, sizeof *x->pool_atp);
    x->pool_dos = get(x, nl, sizeof *x->pool_dos);
    x->pool_fixed = get(x, nl, sizeof *x->pool_fixed);
    x->pool_econ = get(x, nl, sizeof *x->pool_econ);
    return x->cands && x->pool_cell && x->pool_atp && x->pool_dos && x->pool_fixed && x->pool_econ
               ? ORDO_OK
               : ORDO_ENOMEM;
}

static src_cand_t *cand_for(src_ctx_t *x, uint32_t node)
{
    int32_t s = x->slot[node];
    if (s >= 0)
        return &x->cands[s];
    const ordo_order_t *o = x->order;
    int32_t was = s;
    s = (int32_t)x->n_cands++;
    if (was == -1)
        slot_first(x, node, s);
    else
        x->slot[node] = s;
    src_cand_t *cd = &x->cands[s];
    src_cand_bind(x, (uint32_t)s);
    cd->node = node;
    cd->full_mask = 0;
    cd->stock_mask = 0;
    memset(cd->atp, 0, sizeof *cd->atp * x->n_lines);
    /* the network's zone and miles, from the engine's ZIP3-major copy */
    size_t zi = (size_t)o->ship_zip3 * x->net->n_nodes + node;
    cd->zone = o->ship_zip ? x->eng->z3_zone[zi] : 0;
    cd->miles = o->ship_zip ? x->eng->z3_miles[zi] : 0;
    /* ordo_engine_node_load (node < n_nodes: a cell's node) */
    cd->load = atomic_load_explicit(&x->eng->load[node], memory_order_relaxed);
    if (x->cb.sig)
        src_cand_signals(x, cd);
    else
        src_cand_node_as_is(x, cd); /* no signals: all src_cand_signals does */
    return cd;
}

static void cand_add(src_ctx_t *x, uint32_t i, uint32_t node, uint32_t cell, int32_t a)
{
    src_cand_t *cd = cand_for(x, node);
    cd->cell[i] = cell;
    cd->atp[i] = a;
    cd->dos[i] = a / (double)x->eng->demand[cell];
    if (a > 0)
        cd->stock_mask |= 1u << i;
    if ((uint32_t)a >= x->lines[i].qty)
        cd->full_mask |= 1u << i;
}

/* A search line: qty units of an order line's SKU (the whole line, or a
 * piece of it). */
src_line_t src_search_line(const ordo_network_t *net, uint32_t order_line, uint32_t sku_i,
                           uint32_t qty)
{
    const ordo_sku_t *sku = &net->skus[sku_i];
    src_line_t l = {.order_line = order_line,
                    .sku = sku_i,
                    .qty = qty,
                    .weight = sku->weight_lb,
                    .cubic = sku->length_in * sku->width_in * sku->height_in,
                    .price = sku->price,
                    .unit_cost = sku->unit_cost,
                    .base_rr = sku->return_rate};
    l.ret_wl = src_return_lb(&l);
    double dims[3] = {sku->length_in, sku->width_in, sku->height_in};
    src_parcel_sides(dims, 0, l.side);
    return l;
}

/* Once the search lines and their total units are known: the mask of all
 * lines, repeated SKUs, and the per-line constants of the bounds. */
void src_lines_finish(src_ctx_t *x)
{
    x->lines_fixed = false;
    x->all_mask = x->n_lines >= 32 ? 0xffffffffu : (1u << x->n_lines) - 1;
    for (uint32_t i = 0; i < x->n_lines; i++) {
        src_line_t *l = &x->lines[i];
        l->shared = false;
        for (uint32_t j = 0; j < x->n_lines; j++)
            l->shared |= j != i && x->lines[j].sku == l->sku;
        double units = l->qty;
        l->ub_share = x->total_units > 0 ? units / x->total_units : 1;
        double rr = x->rtab ? x->rt_ret_lb : l->base_rr; /* learned: P(return)'s floor */
        l->ub_rr = units ? rr * l->qty / units : 0;
    }
}

/* ---- src_prepare: search lines, then candidates, then their bounds ---- */

/* The nearest allowed nodes (by the engine's static cost order for the
 * destination ZIP3), for lines stocked almost everywhere; found when first
 * needed, sorted by node index to merge with a SKU's cells. */
typedef struct walk {
    uint32_t nodes[SRC_WALK_NODES];
    uint32_t n;
    bool ready;
} walk_t;

/* How src_prepare searches each order line: mode 0 scans every cell of its
 * SKU, 1 walks the nearest nodes; its search lines (one, or the pieces of a
 * split) start at first_line. */
typedef struct prep {
    walk_t walk;
    /* a scanned line's allowed cells with stock (line_stats), replayed by
     * add_candidates instead of a second scan; NULL: scan again */
    cell_rec_t *rec[ORDO_ORDER_MAX_LINES];
    uint32_t n_rec[ORDO_ORDER_MAX_LINES];
    uint8_t mode[ORDO_ORDER_MAX_LINES];
    bool split[ORDO_ORDER_MAX_LINES]; /* no allowed node has it all: pieces */
    uint32_t first_line[ORDO_ORDER_MAX_LINES], n_pieces[ORDO_ORDER_MAX_LINES];
    size_t total_cells; /* an upper bound on the candidates */
} prep_t;

/* Step 0: clear the per-order state; the node slots (−1: unknown). */
static int prepare_reset(src_ctx_t *x)
{
    x->respect_safety = x->cons->respect_safety_stock;
    src_resolve_groups(x);
    x->n_lines = 0;
    x->n_cands = 0;
    x->total_units = 0;
    x->pruned = false;
    x->cb.sig = ordo_signals_count(x->sig) != 0;
    return src_slots_reset(x);
}

static void walk_init(src_ctx_t *x, walk_t *wk)
{
    const ordo_network_t *net = x->net;
    const uint16_t *row = &x->eng->near[(size_t)x->order->ship_zip3 * net->n_nodes];
    for (uint32_t k = 0; k < net->n_nodes && wk->n < SRC_WALK_NODES; k++) {
        uint32_t node = row[k];
        if (x->slot[node] == -1)
            slot_first(x, node, node_ok(x, node) ? -3 : -2);
        if (x->slot[node] != -2)
            wk->nodes[wk->n++] = node;
    }
    qsort(wk->nodes, wk->n, sizeof wk->nodes[0], cmp_u32);
    wk->ready = true;
}

/* Walk a line stocked at many nodes when a walked node has its full
 * quantity; else it is scanned (and maybe split). */
static bool line_walks(src_ctx_t *x, uint32_t li, ordo_stock_range_t r, walk_t *wk)
{
    ordo_inventory_t *inv = x->net->inventory;
    if (!wk->ready)
        walk_init(x, wk);
    bool full = false;
    uint32_t c = r.begin;
    for (uint32_t k = 0; k < wk->n && !full && c < r.end; k++) {
        while (c < r.end && ordo_inventory_cell_node(inv, c) < wk->nodes[k])
            c++;
        if (c < r.end && ordo_inventory_cell_node(inv, c) == wk->nodes[k])
            full = (uint32_t)cell_atp(x, c) >= x->order->lines[li].quantity;
    }
    return full;
}

static int too_many_lines(src_ctx_t *x, uint32_t li)
{
    return src_fail(x, ORDO_EUNSUPPORTED, "lines",
                    "the order splits into more than %d search lines (at line %u, quantity %u)",
                    SRC_MAX_LINES, li, x->order->lines[li].quantity);
}

/* A line no allowed node has in full, split into pieces. Unit pieces when
 * the order's search lines stay within the exact search (every way of
 * dividing the quantity among the nodes that have it is then a partition of
 * the pieces, so the exact search tries them all); otherwise pieces sized
 * by the largest ATPs, fewest first, which leave some divisions out: the
 * search is then bounded, unless every piece is a unit or the pieces take
 * all the allowed stock (the only division there is). */
static int split_line(src_ctx_t *x, uint32_t li, ordo_stock_range_t r, const src_line_t *base,
                      bool unit, uint32_t *n_pieces)
{
    ordo_inventory_t *inv = x->net->inventory;
    uint32_t na = x->line_allowed[li], qty = x->order->lines[li].quantity;
    int32_t *atps = unit ? NULL : ordo_arena_alloc(x->arena, sizeof *atps * (na ? na : 1));
    if (!unit && !atps)
        return src_fail_arena(x, "the ATPs of a line to split");
    uint32_t k = 0;
    for (uint32_t c = r.begin; !unit && c < r.end && k < na; c++) {
        int32_t a = cell_atp(x, c);
        if (a > 0 && x->slot[ordo_inventory_cell_node(inv, c)] != -2)
            atps[k++] = a;
    }
    if (!unit)
        qsort(atps, k, sizeof *atps, cmp_desc_i32);
    uint32_t left = qty;
    *n_pieces = 0;
    for (uint32_t i = 0; (unit || i < k) && left > 0; i++) {
        if (x->n_lines >= SRC_MAX_LINES)
            return too_many_lines(x, li);
        uint32_t q = unit ? 1 : (uint32_t)atps[i] < left ? (uint32_t)atps[i] : left;
        if (q > 1 && x->line_total[li] > qty)
            x->pruned = true; /* some division of the quantity is not searched */
        src_line_t piece = *base;
        piece.qty = q;
        x->lines[x->n_lines++] = piece;
        (*n_pieces)++;
        left -= q;
    }
    return ORDO_OK;
}

/* Step 1a, per order line: scan or walk, its stock statistics when
 * scanned, and whether it must be split (no allowed node has it all, the
 * policy allows splitting and the allowed nodes together have enough).
 * Returns the search lines it takes when split into units (else 1). */
static uint32_t line_scan(src_ctx_t *x, uint32_t li, prep_t *pp)
{
    const ordo_order_t *o = x->order;
    const ordo_order_line_t *ol = &o->lines[li];
    bool pickup = o->level == ORDO_LEVEL_PICKUP;
    ordo_stock_range_t r = ordo_inventory_sku_cells(x->net->inventory, ol->sku);
    uint32_t n = r.end - r.begin;
    x->line_split_failed[li] = false;
    memset(x->excl[li], 0, sizeof x->excl[li]);
    pp->mode[li] = 0;
    if (!pickup && n > SRC_SCAN_MAX && line_walks(x, li, r, &pp->walk)) {
        pp->mode[li] = 1;
        x->pruned = true;
    }
    pp->total_cells += pp->mode[li] ? pp->walk.n : n;
    pp->rec[li] = NULL;
    if (pp->mode[li] == 0) {
        /* kept for add_candidates when the SKU's cells are few */
        if (n <= SRC_REC_MAX)
            pp->rec[li] = ordo_arena_alloc(x->arena, sizeof *pp->rec[li] * (n ? n : 1));
        pp->n_rec[li] = line_stats(x, li, pp->rec[li]);
    }
    pp->split[li] = pp->mode[li] == 0 && x->line_full[li] == 0 && x->cons->allow_line_split &&
                    !pickup && x->line_total[li] >= ol->quantity;
    return pp->split[li] ? ol->quantity : 1;
}

/* The units of a line's SKU the walked nodes hold together, counting only
 * the max_shipments nodes that hold the most. */
static uint64_t walk_total(src_ctx_t *x, ordo_stock_range_t r, const walk_t *wk)
{
    ordo_inventory_t *inv = x->net->inventory;
    uint32_t M = x->cons->max_shipments < SRC_MAX_M ? x->cons->max_shipments : SRC_MAX_M;
    int32_t top[SRC_MAX_M] = {0}; /* descending */
    uint32_t c = r.begin;
    for (uint32_t k = 0; k < wk->n && c < r.end; k++) {
        while (c < r.end && ordo_inventory_cell_node(inv, c) < wk->nodes[k])
            c++;
        if (c >= r.end || ordo_inventory_cell_node(inv, c) != wk->nodes[k])
            continue;
        int32_t a = cell_atp(x, c);
        for (uint32_t j = 0; j < M && a > 0; j++)
            if (a > top[j]) {
                int32_t t = top[j];
                top[j] = a;
                a = t;
            }
    }
    uint64_t total = 0;
    for (uint32_t j = 0; j < M; j++)
        total += (uint64_t)top[j];
    return total;
}

/* Step 1b, per order line: its search lines (the whole line, or its
 * pieces), unit pieces when `unit`. A line cut into units that more than
 * SRC_SCAN_MAX allowed nodes stock takes its pieces from the walked nodes
 * when max_shipments of them hold enough, else is cut by the largest ATPs
 * (every unit piece at every node would multiply the exact search's
 * work): the search is then bounded. */
static int line_search_lines(src_ctx_t *x, uint32_t li, prep_t *pp, bool unit)
{
    const ordo_order_line_t *ol = &x->order->lines[li];
    src_line_t base = src_search_line(x->net, li, ol->sku, ol->quantity);
    pp->first_line[li] = x->n_lines;
    pp->n_pieces[li] = 1;
    if (pp->split[li]) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(x->net->inventory, ol->sku);
        if (unit && x->line_allowed[li] > SRC_SCAN_MAX) {
            if (pp->walk.ready && walk_total(x, r, &pp->walk) >= ol->quantity) {
                pp->mode[li] = 1;
                x->pruned = true;
            } else {
                unit = false; /* units at every node: too much work */
            }
        }
        return split_line(x, li, r, &base, unit, &pp->n_pieces[li]);
    }
    if (x->n_lines >= SRC_MAX_LINES)
        return too_many_lines(x, li);
    x->lines[x->n_lines++] = base;
    return ORDO_OK;
}

/* Step 2: the candidates, nodes that stock at least one search line. */
static void add_candidates(src_ctx_t *x, const prep_t *pp)
{
    const ordo_order_t *o = x->order;
    ordo_inventory_t *inv = x->net->inventory;
    for (uint32_t li = 0; li < o->n_lines; li++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(inv, o->lines[li].sku);
        for (uint32_t i = pp->first_line[li]; i < pp->first_line[li] + pp->n_pieces[li]; i++) {
            if (pp->mode[li] == 1) {
                uint32_t c = r.begin;
                for (uint32_t k = 0; k < pp->walk.n && c < r.end; k++) {
                    uint32_t node = pp->walk.nodes[k];
                    while (c < r.end && ordo_inventory_cell_node(inv, c) < node)
                        c++;
                    if (c < r.end && ordo_inventory_cell_node(inv, c) == node) {
                        int32_t a = cell_atp(x, c);
                        if (a > 0)
                            cand_add(x, i, node, c, a);
                    }
                }
                continue;
            }
            if (pp->rec[li]) {
                const cell_rec_t *rc = pp->rec[li];
                for (uint32_t k = 0; k < pp->n_rec[li]; k++)
                    cand_add(x, i, rc[k].node, rc[k].cell, rc[k].atp);
                continue;
            }
            for (uint32_t c = r.begin; c < r.end; c++) {
                uint32_t node = ordo_inventory_cell_node(inv, c);
                int32_t s = x->slot[node];
                if (s == -2)
                    continue;
                if (s == -1 && !node_ok(x, node)) {
                    slot_first(x, node, -2);
                    continue;
                }
                int32_t a = cell_atp(x, c);
                if (a > 0)
                    cand_add(x, i, node, c, a);
            }
        }
    }
}

/* The order's per-service factors, shared by every candidate, with the
 * signals in force at its instant. */
bool src_svcx_build(src_ctx_t *x)
{
    const ordo_network_t *net = x->net;
    if (x->svcx)
        return true;
    src_svcx_t *sx = ordo_arena_alloc(x->arena, sizeof *sx * (net->n_services + 1));
    if (!sx)
        return false;
    for (uint32_t s = 0; s < net->n_services; s++) {
        const ordo_carrier_service_t *svc = &net->services[s];
        sx[s].inv_div = x->eng->inv_div[s];
        sx[s].mult = x->eng->mult[s];
        sx[s].dim_min = x->eng->dim_min[s];
        sx[s].peak0 = ordo_service_peak(svc, x->peak_md, 0);
        sx[s].add =
            (x->order->residential ? svc->residential_surcharge + svc->liftgate_surcharge : 0) +
            sx[s].peak0;
        src_svcx_signals(x, s, &sx[s]);
    }
    x->svcx = sx;
    return true;
}

/* Step 3: the order's per-service factors, the candidates' bounds, and the
 * bitsets of the candidates that can ship each line in full. */
static int prepare_bounds(src_ctx_t *x)
{
    if (!src_svcx_build(x))
        return src_fail_arena(x, "the per-service factors");
    x->cand_full = ordo_arena_alloc(x->arena, sizeof *x->cand_full * (x->n_cands + 1));
    if (!x->cand_full)
        return src_fail_arena(x, "the candidates' full-line masks");
    x->cand_words = (x->n_cands + 63) / 64;
    x->line_cands = src_zalloc(x, (size_t)x->n_lines * x->cand_words, sizeof *x->line_cands);
    if (!x->line_cands)
        return src_fail_arena(x, "the line-to-candidate bitsets");
    x->svc_target = src_service_target(x); /* the candidates' service rule */
    src_lines_fixed(x);
    for (uint32_t c = 0; c < x->n_cands; c++) {
        if (c + SRC_LANE_PREFETCH < x->n_cands)
            src_lanes_prefetch(x, x->cands[c + SRC_LANE_PREFETCH].node);
        src_cand_init_bounds(x, c);
        uint32_t fm = x->cands[c].full_mask;
        x->cand_full[c] = fm;
        for (; fm; fm &= fm - 1)
            x->line_cands[(size_t)__builtin_ctz(fm) * x->cand_words + c / 64] |= 1ull << (c % 64);
    }
    return ORDO_OK;
}

/* The exact search's line groups: of the unit pieces of a split line (they
 * are interchangeable), only contiguous runs, which reach every division of
 * its quantity (shipment k takes the next q_k pieces). */
static void groups_ok(src_ctx_t *x, const prep_t *pp)
{
    x->groups_ok = ~0ull;
    if (x->n_lines > ORDO_SOURCE_EXACT_MAX_LINES)
        return;
    for (uint32_t li = 0; li < x->order->n_lines; li++) {
        uint32_t first = pp->first_line[li], n = pp->n_pieces[li];
        if (n < 3 || x->lines[first].qty != 1)
            continue; /* two pieces: every group is a run */
        for (uint32_t S = 1; S < (1u << x->n_lines); S++) {
            uint32_t v = (S >> first) & ((1u << n) - 1);
            if (v) {
                v >>= __builtin_ctz(v);
                if (v & (v + 1))
                    x->groups_ok &= ~(1ull << S);
            }
        }
    }
}

int src_prepare(src_ctx_t *x)
{
    int rc = prepare_reset(x);
    if (rc)
        return rc;
    prep_t pp;
    pp.walk.n = 0;
    pp.walk.ready = false;
    pp.total_cells = 0;
    uint32_t unit_lines = 0;
    for (uint32_t li = 0; li < x->order->n_lines; li++)
        unit_lines += line_scan(x, li, &pp);
    /* unit pieces when the exact search can take them */
    bool unit = unit_lines <= ORDO_SOURCE_EXACT_MAX_LINES;
    for (uint32_t li = 0; li < x->order->n_lines; li++)
        if ((rc = line_search_lines(x, li, &pp, unit)))
            return rc;
    for (uint32_t i = 0; i < x->n_lines; i++)
        x->total_units += x->lines[i].qty;
    groups_ok(x, &pp);
    src_lines_finish(x);
    if (src_cands_alloc(x, pp.total_cells, false))
        return src_fail_arena(x, "the candidates");
    add_candidates(x, &pp);
    return prepare_bounds(x);
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
    c->landed_cost = e->cost.total + e->cost.economic; /* cash + economic */
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

void src_eval(src_ctx_t *x, uint32_t ci, uint32_t mask, src_eval_t *e)
{
    src_eval_shipment(x, ci, mask, -3, e);
    tally(x, mask, e);
    record_candidate(x, ci, mask, e);
}
