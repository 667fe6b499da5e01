/* SPDX-License-Identifier: Apache-2.0 */
/* The world's demand beyond the order generator (docs/internals/SIM.md,
 * "The world: demand"): the holiday calendar's daily factors, SKU
 * popularity following Zipf within families, basket sizes, and returning
 * customers in lifetime-value cohorts. The generator draws each order's
 * destination, service level and first SKU; this reshapes the day's orders
 * before they arrive, from its own random stream ("shoppers"). What and
 * how much it draws depends on the generator's orders and the world's
 * target stock only, never on the stock a policy left, so one seed's orders
 * are the same under any policy (SIM.md, common random numbers). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/calendar.h"
#include "ordo/inventory.h"
#include "world.h"

/* ---- the calendar ---- */

double sim_demand_factor(const sim_t *s, uint32_t day)
{
    const sim_demand_cfg_t *c = &s->w.dem;
    int64_t d = s->day0 + day;
    for (uint32_t i = 0; i < c->n_days; i++)
        if (c->day[i] == d)
            return c->day_factor[i];
    if (!c->holidays)
        return 1;
    int y, m, md;
    ordo_cal_civil(d, &y, &m, &md);
    int64_t tg = sim_thanksgiving(y);
    if (d == tg)
        return c->thanksgiving;
    if (d == tg + 1)
        return c->black_friday;
    if (d == tg + 2 || d == tg + 3)
        return c->cyber_weekend;
    if (d == tg + 4)
        return c->cyber_monday;
    if (m == 12 && md <= 20) /* the December ramp: 1 on Dec 1 .. the peak on Dec 20 */
        return c->december_start + (c->december_peak - c->december_start) * (md - 1) / 19.0;
    if (m == 12 && md <= 24)
        return c->december_late;
    if (m == 12 && md == 25)
        return c->christmas;
    if (m == 12)
        return c->december_after;
    return 1;
}

/* ---- SKU popularity: Zipf within families ---- */

typedef struct ranked {
    int64_t on_hand;
    uint32_t sku;
} ranked_t;

static int ranked_cmp(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->on_hand != y->on_hand)
        return x->on_hand > y->on_hand ? -1 : 1;
    return x->sku < y->sku ? -1 : x->sku > y->sku;
}

/* Each family's SKUs ranked by the world's target stock over the network
 * (the best stocked is the most popular), with cumulative weights
 * 1 / rank^s. */
static int zipf_build(sim_t *s, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    uint32_t n = s->net->n_skus;
    ranked_t *r = malloc((n ? n : 1) * sizeof *r);
    w->fam_sku = malloc((n ? n : 1) * sizeof *w->fam_sku);
    w->fam_cum = malloc((n ? n : 1) * sizeof *w->fam_cum);
    if (!r || !w->fam_sku || !w->fam_cum) {
        free(r);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    uint32_t at = 0;
    for (uint32_t f = 0; f < ORDO_MAX_FAMILIES; f++) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (s->net->skus[i].family != f)
                continue;
            ordo_stock_range_t rg = ordo_inventory_sku_cells(s->net->inventory, i);
            int64_t on = 0;
            for (uint32_t c = rg.begin; c < rg.end; c++)
                on += s->w.target[c] > 0 ? s->w.target[c] : 0;
            if (on > 0)
                r[k++] = (ranked_t){on, i};
        }
        qsort(r, k, sizeof *r, ranked_cmp);
        w->fam_begin[f] = at;
        double acc = 0;
        for (uint32_t j = 0; j < k; j++) {
            w->fam_sku[at + j] = r[j].sku;
            w->fam_cum[at + j] = (acc += pow(j + 1.0, -w->dem.zipf_s));
        }
        at += k;
        w->fam_end[f] = at;
    }
    free(r);
    return ORDO_OK;
}

static uint32_t zipf_draw(sim_t *s, uint16_t family, uint32_t fallback)
{
    sim_world_t *w = &s->w;
    if (family >= ORDO_MAX_FAMILIES || w->fam_end[family] == w->fam_begin[family])
        return fallback;
    uint32_t b = w->fam_begin[family], n = w->fam_end[family] - b;
    return w->fam_sku[b + ordo_rng_pick_cumulative(&w->rng_shop, w->fam_cum + b, n)];
}

/* ---- customers ---- */

static const char *const cohort_names[SIM_COHORTS] = {"new", "occasional", "loyal", "vip"};

/* A returning customer (weighted by how often their cohort orders), or a
 * new one; the order carries the id, cohort and lifetime value as an
 * integration sends them, and the value grows with the order. */
static int customer(sim_t *s, ordo_order_t *o, double value, ordo_arena_t *a, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    const sim_demand_cfg_t *c = &w->dem;
    uint32_t i;
    if (w->n_cust && ordo_rng_uniform(&w->rng_shop) < c->returning) {
        i = (uint32_t)ordo_rng_below(&w->rng_shop, w->n_cust);
        /* a vip orders often, a new customer seldom: accept by frequency */
        for (int t = 0; t < 8 && ordo_rng_uniform(&w->rng_shop) >
                                     c->frequency[w->cust[i].cohort] / c->frequency[SIM_COHORTS - 1];
             t++)
            i = (uint32_t)ordo_rng_below(&w->rng_shop, w->n_cust);
    } else {
        void *grown = sim_grow(w->cust, &w->cap_cust, w->n_cust, sizeof *w->cust, err);
        if (!grown)
            return ORDO_ENOMEM;
        w->cust = grown;
        i = (uint32_t)w->n_cust++;
        sim_customer_t *k = &w->cust[i];
        snprintf(k->id, sizeof k->id, "C%07u", i + 1);
        double u = ordo_rng_uniform(&w->rng_shop), acc = 0;
        k->cohort = SIM_COHORTS - 1;
        for (int h = 0; h < SIM_COHORTS; h++)
            if (u < (acc += c->share[h])) {
                k->cohort = h;
                break;
            }
        k->ltv = c->ltv[k->cohort] * exp(0.5 * ordo_rng_normal(&w->rng_shop));
    }
    sim_customer_t *k = &w->cust[i];
    o->customer_id = ordo_arena_strdup(a, k->id); /* the array may move */
    if (!o->customer_id)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    o->cohort = cohort_names[k->cohort];
    o->lifetime_value = round(k->ltv * 100) / 100;
    k->ltv += value;
    return ORDO_OK;
}

/* ---- baskets ---- */

static uint32_t draw_quantity(sim_t *s)
{
    const double *q = s->w.dem.qty;
    double u = ordo_rng_uniform(&s->w.rng_shop), acc = 0;
    for (uint32_t k = 0; k < 4; k++)
        if (u < (acc += q[k]))
            return k + 1;
    return 4;
}

/* Lines: 1 + Geometric with the scenario's mean, at most max_lines; the
 * first line's family is the basket's, each SKU drawn by Zipf in it. */
static int basket(sim_t *s, ordo_order_t *o, ordo_arena_t *a, ordo_error_t *err)
{
    const sim_demand_cfg_t *c = &s->w.dem;
    uint32_t n = 1;
    double p_more = c->lines_mean > 1 ? 1 - 1 / c->lines_mean : 0;
    while (n < s->sc.max_lines && ordo_rng_uniform(&s->w.rng_shop) < p_more)
        n++;
    ordo_order_line_t *l = ordo_arena_alloc(a, n * sizeof *l);
    if (!l)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    bool free = !c->from_stock; /* the basket's family from the catalog */
    if (free)
        o->lines[0].sku = (uint32_t)ordo_rng_below(&s->w.rng_shop, s->net->n_skus);
    uint16_t fam = s->net->skus[o->lines[0].sku].family;
    uint32_t k = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t first = j < o->n_lines && !free ? o->lines[j].sku : o->lines[0].sku;
        uint32_t sku = first;
        for (int t = 0; t < 8; t++) {
            sku = zipf_draw(s, j < o->n_lines ? s->net->skus[first].family : fam, first);
            bool dup = false;
            for (uint32_t m = 0; m < k; m++)
                dup |= l[m].sku == sku;
            if (!dup)
                break;
            sku = UINT32_MAX;
        }
        if (sku != UINT32_MAX)
            l[k++] = (ordo_order_line_t){sku, draw_quantity(s)};
    }
    o->lines = l;
    o->n_lines = k;
    return ORDO_OK;
}

int sim_demand_open(sim_t *s, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    char key[96];
    int n = snprintf(key, sizeof key, "%llu/shoppers", (unsigned long long)s->opt->seed);
    ordo_rng_seed(&w->rng_shop, ordo_hash64(key, (size_t)n));
    return w->dem.shape ? zipf_build(s, err) : ORDO_OK;
}

void sim_demand_close(sim_t *s)
{
    free(s->w.fam_sku);
    free(s->w.fam_cum);
    free(s->w.cust);
}

int sim_demand_shape(sim_t *s, ordo_order_t *orders, uint32_t n, ordo_arena_t *a,
                     ordo_error_t *err)
{
    int rc = ORDO_OK;
    for (uint32_t i = 0; !rc && i < n; i++) {
        ordo_order_t *o = &orders[i];
        if (s->w.dem.shape && o->level != ORDO_LEVEL_PICKUP && o->n_lines)
            rc = basket(s, o, a, err); /* a pickup keeps what its store has */
        if (!rc && s->w.dem.customers)
            rc = customer(s, o, ordo_order_value(o, s->net), a, err);
    }
    return rc;
}
