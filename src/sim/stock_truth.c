/* SPDX-License-Identifier: Apache-2.0 */
/* True and recorded stock (docs/internals/SIM.md, "True and recorded
 * stock"). The store's stock (what ordo decides on) is the *recorded*
 * stock; the world keeps the *true* stock beside it. Store shelves shrink
 * and miscount day by day and nobody notices until a pick comes up short:
 * then the store counts the cell (a snapshot through the inventory
 * interface, as a user's integration sends it) and the short lines are
 * decided again through the decider at the next pick wave, or cancelled.
 * Reservations are settled through the store (shipped or released), and
 * nodes are replenished on schedules, true and recorded alike. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/calendar.h"
#include "ordo/inventory.h"
#include "world.h"

static void seed_rng(ordo_rng_t *r, uint64_t seed, const char *purpose)
{
    char key[96];
    int n = snprintf(key, sizeof key, "%llu/%s", (unsigned long long)seed, purpose);
    ordo_rng_seed(r, ordo_hash64(key, (size_t)n));
}

int sim_world_open(sim_t *s, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    int rc = sim_world_cfg_load(s->opt->scenario, &w->cfg, &w->dem, &w->timeline_json, err);
    if (rc)
        return rc;
    seed_rng(&w->rng_stock, s->opt->seed, "stock");
    seed_rng(&w->rng_reroute, s->opt->seed, "reroute");
    ordo_buf_init(&w->doc, NULL);
    w->target = malloc((s->n_cells ? s->n_cells : 1) * sizeof *w->target);
    w->cell_sku = calloc(s->n_cells ? s->n_cells : 1, sizeof *w->cell_sku);
    w->arena = ordo_arena_create(1 << 16);
    if (!w->target || !w->cell_sku || !w->arena)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    memcpy(w->target, s->true_stock, s->n_cells * sizeof *w->target);
    for (uint32_t k = 0; k < s->net->n_skus; k++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(s->net->inventory, k);
        for (uint32_t c = r.begin; c < r.end && c < s->n_cells; c++)
            w->cell_sku[c] = k;
    }
    rc = sim_demand_open(s, err);
    return rc ? rc : sim_timeline_open(s, err);
}

void sim_world_close(sim_t *s)
{
    sim_world_t *w = &s->w;
    sim_demand_close(s);
    sim_timeline_close(s);
    free(w->target);
    free(w->cell_sku);
    free(w->settle);
    free(w->shorts);
    ordo_arena_destroy(w->arena);
    ordo_buf_free(&w->doc);
    memset(w, 0, sizeof *w);
}

void *sim_grow(void *p, size_t *cap, size_t n, size_t size, ordo_error_t *err)
{
    if (n < *cap)
        return p;
    size_t c = *cap ? *cap * 2 : 256;
    void *q = realloc(p, c * size);
    if (!q) {
        ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        return NULL;
    }
    *cap = c;
    return q;
}

int sim_settle_queue(sim_t *s, const char *order, bool shipped, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    void *grown = sim_grow(w->settle, &w->cap_settle, w->n_settle, sizeof *w->settle, err);
    if (!grown)
        return ORDO_ENOMEM;
    w->settle = grown;
    sim_settle_t *e = &w->settle[w->n_settle++];
    snprintf(e->order, sizeof e->order, "%s", order);
    e->ship = shipped;
    return ORDO_OK;
}

/* Every queued order's reservations settled in one store transaction
 * (the decider idle: it holds no transaction). */
static int settle_flush(sim_t *s, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    int rc = sim_decider_idle(s, err);
    if (rc || !w->n_settle)
        return rc;
    uint64_t t = ordo_now_ns();
    if ((rc = ordo_store_tx_begin(s->store, err)))
        return rc;
    for (size_t i = 0; !rc && i < w->n_settle; i++) {
        uint64_t units = 0;
        rc = ordo_store_reservation_settle(s->store, w->settle[i].order, -1,
                                           w->settle[i].ship ? ORDO_STOCK_SHIP : ORDO_STOCK_RELEASE,
                                           &units, err);
    }
    w->n_settle = 0;
    if (rc)
        ordo_store_tx_rollback(s->store, NULL);
    else
        rc = ordo_store_tx_commit(s->store, err);
    sim_store_timed(s, t);
    return rc;
}

void sim_iso_time(int64_t t, char out[32])
{
    int y, m, d;
    int64_t day = ordo_cal_day_of(t);
    ordo_cal_civil(day, &y, &m, &d);
    int sec = (int)(t - day * 86400);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, sec / 3600, sec / 60 % 60,
             sec % 60);
}

/* Applies the inventory document in w->doc (if any), as `ordo inventory
 * apply` would. */
static int doc_apply(sim_t *s, const char *name, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    if (!w->doc.len)
        return ORDO_OK;
    ordo_stock_apply_stats_t st;
    uint64_t t = ordo_now_ns();
    int rc = ordo_store_stock_apply(s->store, (const char *)w->doc.data, w->doc.len, name,
                                    ORDO_STOCK_FMT_NDJSON, "ordo-sim", false, &st, err);
    sim_store_timed(s, t);
    ordo_buf_reset(&w->doc);
    return rc;
}

/* ---- picks ---- */

static bool is_store(const sim_t *s, uint32_t node)
{
    return s->net->nodes[node].type == ORDO_NODE_STORE;
}

static int short_queue(sim_t *s, const ordo_order_t *o, int64_t promise,
                       const ordo_plan_line_t *pl, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    void *grown = sim_grow(w->shorts, &w->cap_short, w->n_short, sizeof *w->shorts, err);
    if (!grown)
        return ORDO_ENOMEM;
    w->shorts = grown;
    int64_t wave = (int64_t)(w->cfg.wave_hours > 0 ? w->cfg.wave_hours : 4) * 3600;
    if (!w->n_short)
        w->wave_due = (o->created / wave + 1) * wave;
    w->shorts[w->n_short++] = (sim_short_t){*o, promise, pl->sku, pl->quantity, pl->cell};
    return ORDO_OK;
}

uint32_t sim_pick(sim_t *s, const ordo_order_t *o, int64_t promise, const ordo_shipment_t *sh,
                  ordo_shipment_t *out, ordo_plan_line_t *buf, uint32_t cap, ordo_error_t *err,
                  int *rc)
{
    *out = *sh;
    out->lines = buf;
    out->n_lines = 0;
    uint32_t units = 0;
    for (uint32_t l = 0; l < sh->n_lines && out->n_lines < cap; l++) {
        const ordo_plan_line_t *pl = &sh->lines[l];
        if (pl->cell >= s->n_cells)
            continue;
        int32_t *st = &s->true_stock[pl->cell];
        int32_t before = *st > 0 ? *st : 0;
        if ((uint32_t)before < pl->quantity && is_store(s, sh->node)) {
            /* the shelf is short: nothing of the line is picked */
            s->sum->short_picks++;
            s->sum->units_short += pl->quantity;
            bool reroute = !s->w.in_wave && sh->service >= 0;
            if (!reroute)
                s->sum->units_cancelled += pl->quantity, s->sum->units_short_cancelled += pl->quantity;
            else if (!*rc)
                *rc = short_queue(s, o, promise, pl, err);
            continue;
        }
        *st -= (int32_t)pl->quantity;
        if ((uint32_t)before < pl->quantity)
            s->sum->oversells += pl->quantity - (uint32_t)before;
        buf[out->n_lines++] = *pl;
        units += pl->quantity;
    }
    out->units = units;
    return units;
}

/* ---- the pick wave: counts, then the short lines decided again ---- */

/* A snapshot of every short cell, its true count as of the wave: the
 * recorded stock corrects itself as a store's cycle count does. */
static int cycle_counts(sim_t *s, int64_t at, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    char ts[32];
    sim_iso_time(at, ts);
    for (size_t i = 0; i < w->n_short; i++) {
        uint32_t cell = w->shorts[i].cell;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = w->shorts[j].cell == cell;
        if (seen)
            continue;
        int32_t t = s->true_stock[cell] > 0 ? s->true_stock[cell] : 0;
        uint32_t node = ordo_inventory_cell_node(s->net->inventory, cell);
        ordo_buf_printf(&w->doc,
                        "{\"kind\":\"snapshot\",\"node\":\"%s\",\"sku\":\"%s\",\"on_hand\":%d,"
                        "\"as_of\":\"%s\"}\n",
                        s->net->nodes[node].id, s->net->skus[w->shorts[i].sku].id, t, ts);
        s->sum->cycle_counts++;
    }
    return doc_apply(s, "sim-cycle-count.ndjson", err);
}

/* The short lines of one order (shorts[i..j)) as a new order, decided
 * through the decider and sent into the world. */
static int reroute(sim_t *s, size_t i, size_t j, int64_t at, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    ordo_arena_reset(w->arena);
    ordo_order_t ro = w->shorts[i].order;
    char id[SIM_ID_MAX + 4];
    snprintf(id, sizeof id, "%s-r", ro.id);
    ro.id = ordo_arena_strdup(w->arena, id);
    ro.created = at;
    ro.promise = w->shorts[i].promise;
    ro.n_lines = (uint32_t)(j - i);
    ro.lines = ordo_arena_alloc(w->arena, ro.n_lines * sizeof *ro.lines);
    if (!ro.id || !ro.lines)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    for (size_t k = i; k < j; k++)
        ro.lines[k - i] = (ordo_order_line_t){w->shorts[k].sku, w->shorts[k].qty};
    ordo_decision_t dec;
    int rc = sim_decide(s, &ro, at, w->arena, &dec, err);
    if (rc)
        return rc;
    s->sum->reroutes++;
    uint64_t delivered0 = s->sum->orders_delivered, late0 = s->sum->orders_late;
    if ((rc = sim_reroute_world(s, &ro, dec.plan, err)))
        return rc;
    sim_count_arm_outcomes(s, &ro, &dec, delivered0, late0);
    return ORDO_OK;
}

static int run_wave(sim_t *s, int64_t at, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    int rc = settle_flush(s, err);
    if (!rc)
        rc = cycle_counts(s, at, err);
    w->in_wave = true;
    for (size_t i = 0, j; !rc && i < w->n_short; i = j) {
        for (j = i + 1; j < w->n_short && !strcmp(w->shorts[j].order.id, w->shorts[i].order.id);
             j++)
            ;
        rc = reroute(s, i, j, at, err);
    }
    w->in_wave = false;
    w->n_short = 0;
    return rc;
}

int sim_world_wave_check(sim_t *s, int64_t t, ordo_error_t *err)
{
    if (!s->w.n_short || t < s->w.wave_due)
        return ORDO_OK;
    return run_wave(s, s->w.wave_due, err);
}

int sim_world_before(sim_t *s, int64_t t, ordo_error_t *err)
{
    int rc = sim_world_wave_check(s, t, err);
    return rc ? rc : sim_timeline_due(s, t, err);
}

int sim_world_day_end(sim_t *s, uint32_t day, ordo_error_t *err)
{
    int64_t end = (s->day0 + day + 1) * 86400 - 60;
    int rc = ORDO_OK;
    if (s->w.n_short)
        rc = run_wave(s, s->w.wave_due < end ? s->w.wave_due : end, err);
    if (!rc)
        rc = sim_timeline_due(s, end, err);
    return rc ? rc : settle_flush(s, err);
}

/* ---- the days: shrink, miscounts, replenishment ---- */

static void shrink(sim_t *s)
{
    sim_world_t *w = &s->w;
    for (uint32_t c = 0; c < s->n_cells; c++) {
        if (!is_store(s, ordo_inventory_cell_node(s->net->inventory, c)))
            continue;
        int32_t *t = &s->true_stock[c];
        if (*t > 0 && w->cfg.shrink_per_day > 0) {
            uint64_t lost = ordo_rng_poisson(&w->rng_stock, *t * w->cfg.shrink_per_day);
            lost = lost > (uint64_t)*t ? (uint64_t)*t : lost;
            *t -= (int32_t)lost;
            s->sum->units_shrunk += lost;
        }
        if (*t > 0 && w->cfg.phantom_per_day > 0 &&
            ordo_rng_uniform(&w->rng_stock) < w->cfg.phantom_per_day) {
            s->sum->units_shrunk += (uint64_t)*t; /* misplaced, or gone */
            *t = 0;
        }
        if (w->cfg.miscount_per_day > 0 &&
            ordo_rng_uniform(&w->rng_stock) < w->cfg.miscount_per_day) {
            if (ordo_rng_below(&w->rng_stock, 2))
                (*t)++;
            else if (*t > 0)
                (*t)--;
        }
    }
}

typedef struct recorded_ctx {
    const ordo_network_t *net;
    int32_t *rec; /* per cell: the store's on hand, -1 unseen */
} recorded_ctx_t;

static int recorded_row(void *ctx, const ordo_stock_row_t *r)
{
    recorded_ctx_t *c = ctx;
    int32_t n = ordo_network_node(c->net, r->node), k = ordo_network_sku(c->net, r->sku);
    int64_t cell = n < 0 || k < 0 ? -1 : ordo_inventory_cell(c->net->inventory, (uint32_t)n,
                                                             (uint32_t)k);
    if (cell >= 0)
        c->rec[cell] = (int32_t)(r->on_hand > INT32_MAX ? INT32_MAX : r->on_hand);
    return ORDO_OK;
}

/* The cells of the node types due today, topped up to their level: a
 * delta through the inventory interface (recorded) and onto the shelf
 * (true). Only cells the store has seen move: the others were never
 * touched and stand at their level. */
static int replenish(sim_t *s, uint32_t day, unsigned types, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    int32_t *rec = malloc((s->n_cells ? s->n_cells : 1) * sizeof *rec);
    if (!rec)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    for (uint32_t c = 0; c < s->n_cells; c++)
        rec[c] = -1;
    recorded_ctx_t ctx = {s->net, rec};
    uint64_t t = ordo_now_ns();
    int rc = ordo_store_stock_list(s->store, recorded_row, &ctx, err);
    sim_store_timed(s, t);
    char ts[32];
    sim_iso_time((s->day0 + day) * 86400, ts);
    for (uint32_t c = 0; !rc && c < s->n_cells; c++) {
        uint32_t node = ordo_inventory_cell_node(s->net->inventory, c);
        if (rec[c] < 0 || !(types >> s->net->nodes[node].type & 1))
            continue;
        int32_t level = (int32_t)ceil(w->target[c] * w->cfg.replenish_up_to);
        if (rec[c] >= level)
            continue;
        int32_t q = level - rec[c];
        s->true_stock[c] += q;
        s->sum->units_replenished += (uint64_t)q;
        ordo_buf_printf(&w->doc,
                        "{\"kind\":\"delta\",\"node\":\"%s\",\"sku\":\"%s\",\"quantity\":%d,"
                        "\"as_of\":\"%s\"}\n",
                        s->net->nodes[node].id, s->net->skus[w->cell_sku[c]].id, q, ts);
    }
    free(rec);
    return rc ? rc : doc_apply(s, "sim-replenishment.ndjson", err);
}

int sim_world_day_begin(sim_t *s, uint32_t day, ordo_error_t *err)
{
    shrink(s);
    int wd = ordo_cal_weekday(s->day0 + day);
    unsigned types = 0;
    for (int t = 0; t < ORDO_NODE_TYPES; t++)
        if (s->w.cfg.replenish_days[t] >> wd & 1)
            types |= 1u << t;
    if (!types)
        return ORDO_OK;
    int rc = sim_decider_idle(s, err);
    return rc ? rc : replenish(s, day, types, err);
}
