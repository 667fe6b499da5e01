/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the network value of stock as a versioned model file
 * (include/ordo/model.h "the network value of stock as a model file";
 * docs/internals/MODEL.md "Network value"): training from a data
 * directory's decision log and store, DATA/models/netval-vN.json, and the
 * engine's table from it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cjson_internal.h"
#include "internal.h"
#include "ordo/arena.h"
#include "ordo/datadir.h"
#include "ordo/inventory.h"
#include "ordo/log.h"
#include "ordo/record.h"
#include "ordo/store.h"
#include "ordo/util.h"

#define NV_CLASSES 150 /* billable 1..150 lb: one cost matrix each */

/* What training gathers: the daily history and the LP's inputs. */
typedef struct nv_train {
    const ordo_network_t *net;
    uint32_t n_fam, n_regions, digits, horizon;
    int64_t day0;           /* Unix day of the first order */
    uint32_t days;          /* history length */
    double *hist;           /* family x region x day: units ordered */
    size_t n_hist;          /* days allocated per series */
    double *sku_units;      /* per SKU */
    double zip3_orders[ORDO_ZIP3_COUNT];
    double *demand, *supply, *cost;
    uint32_t *sku_class, n_classes;
    double class_lb[NV_CLASSES];
    uint64_t orders;
    int64_t first, last;
} nv_train_t;

static int oom(ordo_error_t *err)
{
    return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
}

static uint32_t region_of(const nv_train_t *t, uint16_t zip3)
{
    return t->digits == 1 ? zip3 / 100 : zip3 / 10;
}

/* Grows every series to hold day d. */
static int hist_grow(nv_train_t *t, uint32_t d)
{
    if (d < t->n_hist)
        return ORDO_OK;
    size_t n = t->n_hist ? t->n_hist : 64, series = (size_t)t->n_fam * t->n_regions;
    while (n <= d)
        n *= 2;
    double *h = calloc(series * n, sizeof *h);
    if (!h)
        return ORDO_ENOMEM;
    for (size_t s = 0; t->hist && s < series; s++)
        memcpy(h + s * n, t->hist + s * t->n_hist, t->n_hist * sizeof *h);
    free(t->hist);
    t->hist = h;
    t->n_hist = n;
    return ORDO_OK;
}

/* One decision record's order: its lines into the history. */
static int add_order(nv_train_t *t, const ordo_record_t *r)
{
    const char *zip = r->order.zip;
    if (!r->has_time || r->shadow || !r->order.present || !zip || strlen(zip) < 3)
        return ORDO_OK;
    int z = (zip[0] - '0') * 100 + (zip[1] - '0') * 10 + (zip[2] - '0');
    if (z < 0 || z >= ORDO_ZIP3_COUNT)
        return ORDO_OK;
    int64_t day = r->time >= 0 ? r->time / 86400 : (r->time - 86399) / 86400;
    if (!t->orders)
        t->day0 = day;
    if (day < t->day0) /* the log is in decision order: an older one counts on day 0 */
        day = t->day0;
    uint32_t d = (uint32_t)(day - t->day0);
    if (hist_grow(t, d))
        return ORDO_ENOMEM;
    t->days = d + 1 > t->days ? d + 1 : t->days;
    t->first = t->orders ? (r->time < t->first ? r->time : t->first) : r->time;
    t->last = r->time > t->last ? r->time : t->last;
    t->orders++;
    t->zip3_orders[z] += 1;
    uint32_t reg = region_of(t, (uint16_t)z);
    for (uint32_t i = 0; i < r->order.n_lines; i++) {
        const ordo_record_line_t *l = &r->order.lines[i];
        int32_t k = l->sku ? ordo_network_sku(t->net, l->sku) : -1;
        if (k < 0 || !(l->quantity > 0))
            continue;
        uint32_t fa = t->net->skus[k].family % t->n_fam;
        t->sku_units[k] += l->quantity;
        t->hist[((size_t)fa * t->n_regions + reg) * t->n_hist + d] += l->quantity;
    }
    return ORDO_OK;
}

/* The data directory's decision log into the history. */
static int read_orders(const char *dir, nv_train_t *t, ordo_error_t *err)
{
    ordo_datadir_t dd;
    ordo_log_iter_t *it;
    ordo_log_query_t q = {.raw = true};
    int rc = ordo_datadir_init(&dd, dir, err);
    if (!rc)
        rc = ordo_log_iter_open(dd.log, &q, &it, err);
    if (rc)
        return rc;
    ordo_arena_t *arena = ordo_arena_create(1 << 16);
    ordo_log_record_t rec;
    while (arena && (rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        ordo_record_t r;
        if (rec.type != ORDO_LOG_REC_DECISION)
            continue;
        ordo_arena_reset(arena);
        if (ordo_record_read(rec.payload, rec.len, 0, arena, &r, NULL) == ORDO_OK &&
            (rc = add_order(t, &r)) != ORDO_OK)
            break;
    }
    if (!arena || rc == ORDO_ENOMEM)
        rc = oom(err);
    ordo_arena_destroy(arena);
    ordo_log_iter_close(it);
    if (rc >= 0 && !t->orders)
        return ordo_error_set(err, ORDO_ENOTFOUND, dd.log, 0, NULL,
                              "no decided orders in the log: nothing to forecast demand from");
    return rc < 0 ? rc : ORDO_OK;
}

/* ---- stock: the store's rows over the network's inventory ---- */

static int stock_row(void *ctx, const ordo_stock_row_t *r)
{
    nv_train_t *t = ctx;
    int32_t n = ordo_network_node(t->net, r->node), k = ordo_network_sku(t->net, r->sku);
    int64_t cell = n < 0 || k < 0 ? -1 : ordo_inventory_cell(t->net->inventory, (uint32_t)n,
                                                             (uint32_t)k);
    if (cell < 0)
        return ORDO_OK;
    ordo_stock_t cur;
    ordo_inventory_get(t->net->inventory, (uint32_t)cell, &cur);
    double safety = r->safety > cur.safety_stock ? (double)r->safety : (double)cur.safety_stock;
    double atp = (double)r->on_hand - (double)r->reserved - safety;
    t->supply[cell] = atp > 0 ? atp : 0;
    return ORDO_OK;
}

static int read_stock(const char *dir, nv_train_t *t, ordo_error_t *err)
{
    size_t cells = ordo_inventory_cell_count(t->net->inventory);
    for (size_t c = 0; c < cells; c++) {
        int32_t atp = ordo_inventory_atp(t->net->inventory, (uint32_t)c);
        t->supply[c] = atp > 0 ? atp : 0;
    }
    ordo_store_t *st;
    int rc = ordo_store_open_existing(dir, NULL, &st, err);
    if (rc)
        return rc;
    rc = ordo_store_stock_list(st, stock_row, t, err);
    ordo_store_close(st, NULL);
    return rc;
}

/* ---- the LP's inputs ---- */

static int alloc_inputs(nv_train_t *t)
{
    const ordo_network_t *net = t->net;
    size_t cells = ordo_inventory_cell_count(net->inventory);
    t->sku_units = calloc(net->n_skus + 1, sizeof *t->sku_units);
    t->demand = calloc((size_t)net->n_skus * t->n_regions + 1, sizeof *t->demand);
    t->supply = calloc(cells + 1, sizeof *t->supply);
    t->sku_class = calloc(net->n_skus + 1, sizeof *t->sku_class);
    if (!t->sku_units || !t->demand || !t->supply || !t->sku_class)
        return ORDO_ENOMEM;
    for (uint32_t k = 0; k < net->n_skus; k++) {
        double lb = fmin(fmax(ceil(net->skus[k].weight_lb), 1), NV_CLASSES);
        uint32_t c = 0;
        while (c < t->n_classes && t->class_lb[c] != lb)
            c++;
        if (c == t->n_classes)
            t->class_lb[t->n_classes++] = lb;
        t->sku_class[k] = c;
    }
    t->cost = calloc((size_t)(t->n_classes + 1) * net->n_nodes * t->n_regions, sizeof *t->cost);
    return t->cost ? ORDO_OK : ORDO_ENOMEM;
}

static void free_inputs(nv_train_t *t)
{
    free(t->hist);
    free(t->sku_units);
    free(t->demand);
    free(t->supply);
    free(t->sku_class);
    free(t->cost);
}

double ordo_netval_cluster_cost(const ordo_engine_t *eng, const double *zip3_orders,
                                uint32_t digits, uint32_t node, uint32_t region, double lb)
{
    double sw = 0, sc = 0;
    uint32_t span = digits == 1 ? 100 : 10;
    for (uint32_t z = region * span; z < (region + 1) * span; z++) {
        double c = zip3_orders[z] > 0 ? ordo_engine_unit_cost(eng, node, (uint16_t)z, lb)
                                      : INFINITY;
        if (isfinite(c)) {
            sw += zip3_orders[z];
            sc += zip3_orders[z] * c;
        }
    }
    return sw > 0 ? sc / sw : INFINITY;
}

static int fill_costs(nv_train_t *t, ordo_error_t *err)
{
    ordo_engine_t *eng;
    int rc = ordo_engine_create(t->net, NULL, &eng, err);
    if (rc)
        return rc;
    size_t nn = t->net->n_nodes, nr = t->n_regions;
    for (uint32_t c = 0; c < t->n_classes; c++)
        for (uint32_t n = 0; n < nn; n++)
            for (uint32_t r = 0; r < nr; r++)
                t->cost[((size_t)c * nn + n) * nr + r] =
                    ordo_netval_cluster_cost(eng, t->zip3_orders, t->digits, n, r, t->class_lb[c]);
    ordo_engine_destroy(eng);
    return ORDO_OK;
}

/* Expected units per SKU x cluster over the horizon: each family x
 * cluster's forecast, split by the SKUs' shares of the family's units. */
static int forecast(nv_train_t *t, ordo_netval_info_t *in, ordo_error_t *err)
{
    const ordo_network_t *net = t->net;
    size_t nr = t->n_regions;
    double fam_units[ORDO_MAX_FAMILIES] = {0};
    double *f = malloc(t->horizon * sizeof *f), *fc = calloc((size_t)t->n_fam * nr, sizeof *fc);
    int rc = f && fc ? ORDO_OK : oom(err);
    for (uint32_t k = 0; k < net->n_skus; k++)
        fam_units[net->skus[k].family % t->n_fam] += t->sku_units[k];
    for (size_t s = 0; !rc && s < (size_t)t->n_fam * nr; s++) {
        if (!(fam_units[s / nr] > 0))
            continue;
        rc = ordo_demand_forecast(t->hist + s * t->n_hist, t->days, t->horizon, f, NULL, err);
        for (uint32_t k = 0; !rc && k < t->horizon; k++)
            fc[s] += f[k];
        in->series += !rc;
    }
    for (uint32_t k = 0; !rc && k < net->n_skus; k++) {
        uint32_t fa = net->skus[k].family % t->n_fam;
        double share = fam_units[fa] > 0 ? t->sku_units[k] / fam_units[fa] : 0;
        for (size_t r = 0; r < nr; r++) {
            t->demand[(size_t)k * nr + r] = share * fc[(size_t)fa * nr + r];
            in->units_forecast += t->demand[(size_t)k * nr + r];
        }
    }
    free(f);
    free(fc);
    return rc;
}

/* ---- the model from the LP's table ---- */

static int model_from_table(const nv_train_t *t, const ordo_netval_t *tab, ordo_netval_model_t *m)
{
    const ordo_network_t *net = t->net;
    m->node_ids = calloc(net->n_nodes + 1, sizeof *m->node_ids);
    m->sku_ids = calloc(net->n_skus + 1, sizeof *m->sku_ids);
    m->v = calloc(tab->n_cells + 1, sizeof *m->v);
    if (!m->node_ids || !m->sku_ids || !m->v)
        return ORDO_ENOMEM;
    for (uint32_t i = 0; i < net->n_nodes; i++)
        snprintf(m->node_ids[i], ORDO_ID_MAX, "%s", net->nodes[i].id);
    for (uint32_t k = 0; k < net->n_skus; k++)
        snprintf(m->sku_ids[k], ORDO_ID_MAX, "%s", net->skus[k].id);
    m->n_node_ids = net->n_nodes;
    m->n_sku_ids = net->n_skus;
    ordo_netval_info_t *in = &m->info;
    double sum = 0;
    for (uint32_t k = 0; k < net->n_skus; k++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, k);
        for (uint32_t c = r.begin; c < r.end && c < tab->n_cells; c++) {
            if (t->supply[c] > 0) {
                in->stocked_cells++;
                sum += tab->value[c];
            }
            if (!(tab->value[c] > 0))
                continue;
            uint32_t node = ordo_inventory_cell_node(net->inventory, c);
            m->v[m->n++] = (ordo_netval_entry_t){node, k, tab->value[c]};
            in->max_value = fmax(in->max_value, tab->value[c]);
        }
    }
    in->mean_value = in->stocked_cells ? sum / in->stocked_cells : 0;
    return ORDO_OK;
}

static void set_hash(ordo_netval_model_t *m);

/* Forecasts and LPs: the model from the gathered data. */
static int solve(nv_train_t *t, ordo_netval_model_t *m, ordo_error_t *err)
{
    uint64_t t0 = ordo_now_ns();
    int rc = forecast(t, &m->info, err);
    uint32_t cells = (uint32_t)ordo_inventory_cell_count(t->net->inventory);
    ordo_netval_t *tab = rc ? NULL : ordo_netval_new(cells, "train");
    if (!rc && !tab)
        rc = oom(err);
    ordo_netval_lp_report_t rep = {0};
    ordo_netval_lp_t in = {.net = t->net, .n_regions = t->n_regions, .demand = t->demand,
                           .supply = t->supply, .cost = t->cost, .n_costs = t->n_classes,
                           .sku_cost = t->sku_class, .unmet_cost = m->info.unmet_cost,
                           .node_mask_skip_types = 1u << ORDO_NODE_DROPSHIP};
    if (!rc)
        rc = ordo_netval_from_lp(&in, tab, &rep, err);
    m->info.solve_s = (double)(ordo_now_ns() - t0) / 1e9;
    m->info.lps = rep.lps;
    m->info.priced_cells = rep.priced_cells;
    m->info.objective = rep.objective;
    if (!rc && model_from_table(t, tab, m))
        rc = oom(err);
    ordo_netval_destroy(tab);
    return rc;
}

static int train_opts(const ordo_netval_opts_t *o, nv_train_t *t, ordo_netval_info_t *in,
                      ordo_error_t *err)
{
    t->horizon = o && o->horizon_days ? o->horizon_days : 7;
    t->digits = o && o->cluster_digits ? o->cluster_digits : 1;
    in->unmet_cost = o && o->unmet_cost > 0 ? o->unmet_cost : 30;
    if (t->horizon > 366)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "horizon", "wants 1..366 days");
    if (t->digits != 1 && t->digits != 2)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "cluster_digits", "wants 1 or 2");
    t->n_regions = t->digits == 1 ? 10 : 100;
    in->horizon_days = t->horizon;
    in->regions = t->n_regions;
    return ORDO_OK;
}

int ordo_netval_train(const char *dir, const ordo_network_t *net, const ordo_netval_opts_t *opts,
                      ordo_netval_model_t **out, ordo_error_t *err)
{
    if (!dir || !net || !net->inventory || !out)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "network", "wants a data directory and "
                              "its network");
    nv_train_t t = {.net = net, .n_fam = net->n_families ? net->n_families : 1};
    ordo_netval_model_t *m = calloc(1, sizeof *m);
    int rc = m ? train_opts(opts, &t, &m->info, err) : oom(err);
    if (!rc && alloc_inputs(&t))
        rc = oom(err);
    if (!rc)
        rc = read_orders(dir, &t, err);
    if (!rc)
        rc = read_stock(dir, &t, err);
    if (!rc)
        rc = fill_costs(&t, err);
    if (!rc)
        rc = solve(&t, m, err);
    if (!rc) {
        ordo_netval_info_t *in = &m->info;
        snprintf(in->run, sizeof in->run, "%s", dir);
        in->created = ordo_now_unix();
        in->trained_from = t.first;
        in->trained_until = t.last + 1;
        in->orders = t.orders;
        in->skus = net->n_skus;
        in->nodes = net->n_nodes;
        set_hash(m);
        *out = m;
    } else {
        ordo_netval_model_destroy(m);
    }
    free_inputs(&t);
    return rc;
}

void ordo_netval_model_destroy(ordo_netval_model_t *m)
{
    if (!m)
        return;
    free(m->node_ids);
    free(m->sku_ids);
    free(m->v);
    free(m);
}

/* ---- the file ---- */

/* The content: ids, values and the LP's terms (what the hash covers). */
static void write_content(ordo_jsonw_t *w, const ordo_netval_model_t *m)
{
    ordo_jsonw_kint(w, "horizon_days", m->info.horizon_days);
    ordo_jsonw_kint(w, "regions", m->info.regions);
    ordo_jsonw_kdouble(w, "unmet_cost", m->info.unmet_cost);
    ordo_jsonw_key(w, "node_ids");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < m->n_node_ids; i++)
        ordo_jsonw_str(w, m->node_ids[i]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "sku_ids");
    ordo_jsonw_arr_begin(w);
    for (uint32_t i = 0; i < m->n_sku_ids; i++)
        ordo_jsonw_str(w, m->sku_ids[i]);
    ordo_jsonw_arr_end(w);
    ordo_jsonw_key(w, "values"); /* [node, SKU, USD a unit] */
    ordo_jsonw_arr_begin(w);
    for (size_t i = 0; i < m->n; i++) {
        ordo_jsonw_arr_begin(w);
        ordo_jsonw_int(w, m->v[i].node);
        ordo_jsonw_int(w, m->v[i].sku);
        ordo_jsonw_double(w, m->v[i].value);
        ordo_jsonw_arr_end(w);
    }
    ordo_jsonw_arr_end(w);
}

static void set_hash(ordo_netval_model_t *m)
{
    ordo_buf_t b;
    ordo_jsonw_t w;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    write_content(&w, m);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    snprintf(m->info.hash, sizeof m->info.hash, "%016llx",
             (unsigned long long)ordo_hash64(b.data ? b.data : "", b.len));
    ordo_buf_free(&b);
}

int ordo_netval_model_write(const ordo_netval_model_t *m, ordo_buf_t *out)
{
    const ordo_netval_info_t *in = &m->info;
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, out, 0);
    ordo_jsonw_obj_begin(&w);
    model_head_out_t h = {ORDO_NETVAL_FORMAT, in->version, in->hash, in->run,
                          in->created,        in->trained_from, in->trained_until, in->orders};
    model_write_head(&w, &h);
    ordo_jsonw_kint(&w, "skus", in->skus);
    ordo_jsonw_kint(&w, "nodes", in->nodes);
    ordo_jsonw_kint(&w, "series", in->series);
    ordo_jsonw_kdouble(&w, "units_forecast", in->units_forecast);
    ordo_jsonw_kint(&w, "lps", in->lps);
    ordo_jsonw_kint(&w, "priced_cells", in->priced_cells);
    ordo_jsonw_kint(&w, "stocked_cells", in->stocked_cells);
    ordo_jsonw_kdouble(&w, "objective", in->objective);
    ordo_jsonw_kdouble(&w, "mean_value", in->mean_value);
    ordo_jsonw_kdouble(&w, "max_value", in->max_value);
    ordo_jsonw_kdouble(&w, "solve_seconds", in->solve_s);
    write_content(&w, m);
    ordo_jsonw_obj_end(&w);
    ordo_buf_putc(out, '\n');
    return ordo_jsonw_finish(&w);
}

static int bad(ordo_error_t *err, const char *name, const char *field, const char *msg)
{
    return ordo_error_set(err, ORDO_EPARSE, name, 0, field, "%s", msg);
}

/* "node_ids" / "sku_ids" into *ids (n of them). */
static int read_ids(const cJSON *root, const char *key, char (**ids)[ORDO_ID_MAX], uint32_t *n,
                    const char *name, ordo_error_t *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, key), *v;
    if (!cJSON_IsArray(a))
        return bad(err, name, key, "wants an array of ids");
    *ids = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof **ids);
    if (!*ids)
        return oom(err);
    *n = 0;
    cJSON_ArrayForEach(v, a)
    {
        const char *s = cJSON_GetStringValue(v);
        if (!s || !*s || strlen(s) >= ORDO_ID_MAX)
            return bad(err, name, key, "an id is not a string of 1..47 bytes");
        snprintf((*ids)[(*n)++], ORDO_ID_MAX, "%s", s);
    }
    return ORDO_OK;
}

static int read_values(const cJSON *root, ordo_netval_model_t *m, const char *name,
                       ordo_error_t *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "values"), *v;
    if (!cJSON_IsArray(a))
        return bad(err, name, "values", "wants an array of [node, sku, value]");
    m->v = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *m->v);
    if (!m->v)
        return oom(err);
    cJSON_ArrayForEach(v, a)
    {
        const cJSON *n = cJSON_GetArrayItem(v, 0), *k = cJSON_GetArrayItem(v, 1),
                    *x = cJSON_GetArrayItem(v, 2);
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 3 || !cJSON_IsNumber(n) ||
            !cJSON_IsNumber(k) || !cJSON_IsNumber(x) || n->valuedouble < 0 ||
            n->valuedouble >= m->n_node_ids || k->valuedouble < 0 ||
            k->valuedouble >= m->n_sku_ids || !(x->valuedouble >= 0) || x->valuedouble > 1e9)
            return bad(err, name, "values",
                       "an entry is not [node index, sku index, value >= 0]");
        m->v[m->n++] = (ordo_netval_entry_t){(uint32_t)n->valuedouble, (uint32_t)k->valuedouble,
                                             (float)x->valuedouble};
    }
    return ORDO_OK;
}

static int read_model(const cJSON *root, ordo_netval_model_t *m, const char *name,
                      ordo_error_t *err)
{
    ordo_netval_info_t *in = &m->info;
    model_head_t h = {in->version, sizeof in->version, in->hash, in->run, sizeof in->run,
                      &in->created, &in->trained_from, &in->trained_until, 1, NULL};
    int rc = model_read_head(root, ORDO_NETVAL_FORMAT, "network-value", name, &h, err);
    if (rc)
        return rc;
    in->orders = (uint64_t)model_num(root, "orders", 0);
    in->horizon_days = (uint32_t)model_num(root, "horizon_days", 0);
    in->regions = (uint32_t)model_num(root, "regions", 0);
    in->unmet_cost = model_num(root, "unmet_cost", 0);
    in->skus = (uint32_t)model_num(root, "skus", 0);
    in->nodes = (uint32_t)model_num(root, "nodes", 0);
    in->series = (uint32_t)model_num(root, "series", 0);
    in->units_forecast = model_num(root, "units_forecast", 0);
    in->lps = (uint32_t)model_num(root, "lps", 0);
    in->priced_cells = (uint32_t)model_num(root, "priced_cells", 0);
    in->stocked_cells = (uint32_t)model_num(root, "stocked_cells", 0);
    in->objective = model_num(root, "objective", 0);
    in->mean_value = model_num(root, "mean_value", 0);
    in->max_value = model_num(root, "max_value", 0);
    in->solve_s = model_num(root, "solve_seconds", 0);
    rc = read_ids(root, "node_ids", &m->node_ids, &m->n_node_ids, name, err);
    if (!rc)
        rc = read_ids(root, "sku_ids", &m->sku_ids, &m->n_sku_ids, name, err);
    if (!rc)
        rc = read_values(root, m, name, err);
    return rc;
}

int ordo_netval_model_parse(const char *json, size_t len, const char *name,
                            ordo_netval_model_t **out, ordo_error_t *err)
{
    cJSON *root;
    int rc = ordo_json_parse_doc(json, len, name, 0, &root, err);
    if (rc)
        return rc;
    ordo_netval_model_t *m = calloc(1, sizeof *m);
    rc = m ? read_model(root, m, name, err) : oom(err);
    cJSON_Delete(root);
    if (!rc) {
        char hash[17];
        snprintf(hash, sizeof hash, "%s", m->info.hash);
        set_hash(m);
        rc = model_hash_check(name, hash, m->info.hash, err);
    }
    if (rc) {
        ordo_netval_model_destroy(m);
        return rc;
    }
    *out = m;
    return ORDO_OK;
}

int ordo_netval_model_load(const char *path, ordo_netval_model_t **out, ordo_error_t *err)
{
    char *text;
    size_t len;
    int rc = ordo_read_file(path, &text, &len, err);
    if (rc)
        return rc;
    rc = ordo_netval_model_parse(text, len, path, out, err);
    free(text);
    return rc;
}

int ordo_netval_model_latest(const char *dir, char *path, size_t n, ordo_error_t *err)
{
    return model_latest(dir, "netval", path, n, err);
}

int ordo_netval_model_save(ordo_netval_model_t *m, const char *dir, char *path, size_t n,
                           ordo_error_t *err)
{
    int rc = model_next_version(dir, "netval", m->info.version, sizeof m->info.version, path, n,
                                err);
    if (rc)
        return rc;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    rc = model_write_new(path, &b, ordo_netval_model_write(m, &b), err);
    ordo_buf_free(&b);
    return rc;
}

int ordo_netval_model_table(const ordo_netval_model_t *m, const ordo_network_t *net,
                            ordo_netval_t **out, ordo_error_t *err)
{
    char version[64];
    snprintf(version, sizeof version, "%s:%.8s", m->info.version[0] ? m->info.version : "netval",
             m->info.hash);
    ordo_netval_t *t = ordo_netval_new((uint32_t)ordo_inventory_cell_count(net->inventory),
                                       version);
    if (!t)
        return oom(err);
    for (size_t i = 0; i < m->n; i++) {
        int32_t n = ordo_network_node(net, m->node_ids[m->v[i].node]);
        int32_t k = ordo_network_sku(net, m->sku_ids[m->v[i].sku]);
        int64_t c = n < 0 || k < 0 ? -1 : ordo_inventory_cell(net->inventory, (uint32_t)n,
                                                              (uint32_t)k);
        if (c >= 0 && (uint64_t)c < t->n_cells)
            t->value[c] = m->v[i].value;
    }
    *out = t;
    return ORDO_OK;
}
