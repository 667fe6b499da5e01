/* SPDX-License-Identifier: Apache-2.0 */
/* The network value of stock in the simulator (docs/internals/SIM.md
 * "Network value of stock"): the scenario section "network_value" makes
 * the world solve, every morning after replenishment, one transportation
 * LP per SKU of the demand expected until the next DC replenishment (per
 * ZIP3 cluster: a Holt–Winters forecast per family x cluster from the
 * orders seen so far, or with --demand-truth the demand a run with the same
 * seed really had) against the stock at every node, and installs the node
 * duals in the engine (ordo_engine_set_netval). A policy with
 * "network_value": true prices them. Each run writes netval_days.csv (per
 * day: orders, cash cost, units not sourced) and netval_demand.csv (the
 * day's units per SKU x cluster: the truth a clairvoyant run reads). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/calendar.h"
#include "ordo/fit.h"
#include "ordo/model.h"
#include "ordo/source.h"
#include "world.h"

#define SIM_NETVAL_CLASSES 150 /* billable 1..150 lb */

struct sim_netval {
    double unmet_cost;
    bool stockout;         /* method "stockout": the node-local price, not the LP */
    uint32_t digits;       /* ZIP digits of a cluster: 1 (10 clusters) or 2 (100) */
    uint32_t n_regions, n_fam, n_skus, days;
    double *hist;          /* family x region x day: units ordered */
    double *sku_units;     /* per SKU, units ordered so far */
    double *zip3_orders;   /* per ZIP3: orders so far (weights of a cluster's cost) */
    double *truth;         /* day x SKU x region, from --demand-truth (NULL: forecast) */
    double *demand, *supply, *cost, *fc, *mean;
    uint32_t n_classes;    /* billable weights the SKUs have: one cost matrix each */
    uint32_t *sku_class;   /* per SKU */
    double class_lb[SIM_NETVAL_CLASSES];
    FILE *days_csv, *demand_csv;
    uint32_t day;          /* under way */
    double d_orders, d_cost, d_unfilled, d_value; /* the day's totals */
    ordo_netval_lp_report_t rep; /* the day's LPs */
};

static uint32_t region_of(const sim_netval_t *v, uint16_t zip3)
{
    return v->digits == 1 ? zip3 / 100 : zip3 / 10;
}

static int read_cfg(sim_t *s, sim_netval_t **out, ordo_error_t *err)
{
    char path[4096];
    cJSON *root;
    *out = NULL;
    int rc = sim_scenario_read(s->opt->scenario, path, &root, err);
    if (rc)
        return rc;
    const cJSON *sec = cJSON_GetObjectItemCaseSensitive(root, "network_value");
    if (sec) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(sec, "unmet_cost");
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(sec, "cluster_digits");
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sec, "method"));
        sim_netval_t *v = calloc(1, sizeof *v);
        if (!v)
            rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        else {
            v->unmet_cost = cJSON_IsNumber(u) ? u->valuedouble : 30;
            v->digits = cJSON_IsNumber(d) ? (uint32_t)d->valuedouble : 1;
            v->stockout = m && !strcmp(m, "stockout");
            *out = v;
            if (m && !v->stockout && strcmp(m, "lp"))
                rc = ordo_error_set(err, ORDO_EINVAL, path, 0, "network_value.method",
                                    "wants \"lp\" or \"stockout\"");
        }
        if (!rc && v && (!(v->unmet_cost > 0) || (v->digits != 1 && v->digits != 2)))
            rc = ordo_error_set(err, ORDO_EINVAL, path, 0, "network_value",
                                "unmet_cost wants a number > 0, cluster_digits 1 or 2");
    }
    cJSON_Delete(root);
    return rc;
}

/* --demand-truth DIR: DIR/netval_demand.csv, "day,sku,region,units". */
static int read_truth(sim_t *s, sim_netval_t *v, ordo_error_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/netval_demand.csv", s->opt->demand_truth);
    FILE *f = fopen(path, "r");
    if (!f)
        return ordo_error_set(err, ORDO_ENOTFOUND, path, 0, "demand-truth",
                              "no netval_demand.csv (run the same scenario and seed first)");
    size_t n = (size_t)v->days * v->n_skus * v->n_regions;
    v->truth = calloc(n ? n : 1, sizeof *v->truth);
    unsigned day, sku, reg;
    double units;
    char line[256];
    while (v->truth && fgets(line, sizeof line, f))
        if (sscanf(line, "%u,%u,%u,%lf", &day, &sku, &reg, &units) == 4 && day < v->days &&
            sku < v->n_skus && reg < v->n_regions)
            v->truth[((size_t)day * v->n_skus + sku) * v->n_regions + reg] += units;
    fclose(f);
    return v->truth ? ORDO_OK : ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
}

static int open_files(sim_t *s, sim_netval_t *v, ordo_error_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/netval_days.csv", s->opt->out_dir);
    v->days_csv = fopen(path, "w");
    snprintf(path, sizeof path, "%s/netval_demand.csv", s->opt->out_dir);
    v->demand_csv = fopen(path, "w");
    if (!v->days_csv || !v->demand_csv)
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "cannot write");
    fprintf(v->days_csv, "day,orders,cash_cost,units_unfilled,opportunity,lps,priced_cells,"
                         "max_value\n");
    fprintf(v->demand_csv, "day,sku,region,units\n");
    return ORDO_OK;
}

int sim_netval_open(sim_t *s, ordo_error_t *err)
{
    sim_netval_t *v;
    int rc = read_cfg(s, &v, err);
    s->nv = v;
    if (rc || !v)
        return rc;
    const ordo_network_t *net = s->net;
    v->n_regions = v->digits == 1 ? 10 : 100;
    v->n_fam = net->n_families ? net->n_families : 1;
    v->n_skus = net->n_skus;
    v->days = s->opt->days;
    v->hist = calloc((size_t)v->n_fam * v->n_regions * v->days, sizeof *v->hist);
    v->sku_units = calloc(v->n_skus ? v->n_skus : 1, sizeof *v->sku_units);
    v->zip3_orders = calloc(ORDO_ZIP3_COUNT, sizeof *v->zip3_orders);
    v->demand = calloc((size_t)v->n_skus * v->n_regions + 1, sizeof *v->demand);
    v->supply = calloc(s->n_cells + 1, sizeof *v->supply);
    v->mean = calloc(s->n_cells + 1, sizeof *v->mean);
    v->sku_class = calloc(v->n_skus + 1, sizeof *v->sku_class);
    for (uint32_t k = 0; v->sku_class && k < v->n_skus; k++) {
        double lb = fmin(fmax(ceil(net->skus[k].weight_lb), 1), SIM_NETVAL_CLASSES);
        uint32_t c = 0;
        while (c < v->n_classes && v->class_lb[c] != lb)
            c++;
        if (c == v->n_classes)
            v->class_lb[v->n_classes++] = lb;
        v->sku_class[k] = c;
    }
    v->cost = calloc((size_t)(v->n_classes + 1) * net->n_nodes * v->n_regions, sizeof *v->cost);
    v->fc = calloc((size_t)v->n_fam * v->n_regions + 64, sizeof *v->fc);
    if (!v->sku_class || !v->hist || !v->sku_units || !v->zip3_orders || !v->demand || !v->supply || !v->cost ||
        !v->fc || !v->mean)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (s->opt->demand_truth && (rc = read_truth(s, v, err)))
        return rc;
    return open_files(s, v, err);
}

static void day_row(sim_netval_t *v)
{
    fprintf(v->days_csv, "%u,%.0f,%.4f,%.0f,%.4f,%u,%u,%.4f\n", v->day, v->d_orders, v->d_cost,
            v->d_unfilled, v->d_value, v->rep.lps, v->rep.priced_cells, v->rep.max_value);
    v->d_orders = v->d_cost = v->d_unfilled = v->d_value = 0;
    memset(&v->rep, 0, sizeof v->rep);
}

/* netval_forecast.txt: the forecast of every family x cluster series held
 * out on the run's last week against seasonal naive (mean MASE). */
static void forecast_report(const sim_t *s, const sim_netval_t *v)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/netval_forecast.txt", s->opt->out_dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    double sum_fc = 0, sum_sn = 0;
    int n = 0, wins = 0;
    for (size_t i = 0; v->day + 1 >= 21 && i < (size_t)v->n_fam * v->n_regions; i++) {
        double m_fc, m_sn;
        if (ordo_demand_backtest(v->hist + i * v->days, v->day + 1, 7, &m_fc, &m_sn, NULL))
            continue; /* too short, or a series without variation */
        sum_fc += m_fc;
        sum_sn += m_sn;
        wins += m_fc < m_sn;
        n++;
    }
    fprintf(f, "demand per family x ZIP cluster: %d series of daily units, the last 7 of %u days "
               "held out\n", n, v->day + 1);
    fprintf(f, "forecast (Holt-Winters, AICc form) mean MASE %.4f\n", n ? sum_fc / n : NAN);
    fprintf(f, "seasonal naive mean MASE %.4f\n", n ? sum_sn / n : NAN);
    fprintf(f, "forecast better on %d of %d series\n", wins, n);
    fclose(f);
}

void sim_netval_close(sim_t *s)
{
    sim_netval_t *v = s->nv;
    if (!v)
        return;
    if (v->hist)
        forecast_report(s, v);
    if (v->days_csv) {
        day_row(v);
        fclose(v->days_csv);
    }
    if (v->demand_csv)
        fclose(v->demand_csv);
    free(v->hist);
    free(v->sku_units);
    free(v->zip3_orders);
    free(v->truth);
    free(v->demand);
    free(v->supply);
    free(v->mean);
    free(v->sku_class);
    free(v->cost);
    free(v->fc);
    free(v);
    s->nv = NULL;
}

/* Days from day until the next DC replenishment (today's already done). */
static uint32_t horizon(const sim_t *s, uint32_t day)
{
    unsigned bits = s->w.cfg.replenish_days[ORDO_NODE_DC];
    if (!bits)
        return 7;
    uint32_t h = 1;
    while (h < 7 && !(bits >> ordo_cal_weekday(s->day0 + day + h) & 1))
        h++;
    return h;
}

/* One node x cluster matrix per billable weight of the SKUs: unit costs
 * over each cluster's ZIP3s weighted by the orders seen so far. */
static void cluster_costs(sim_t *s, sim_netval_t *v)
{
    size_t nn = s->net->n_nodes, nr = v->n_regions;
    for (uint32_t c = 0; c < v->n_classes; c++)
        for (uint32_t n = 0; n < nn; n++)
            for (uint32_t r = 0; r < nr; r++)
                v->cost[(c * nn + n) * nr + r] = ordo_netval_cluster_cost(
                    s->eng, v->zip3_orders, v->digits, (uint32_t)n, (uint32_t)r, v->class_lb[c]);
}

/* Expected units per SKU x cluster over [day, day + h): the truth, or the
 * family x cluster forecast shared by each SKU's part of its family. */
static int expected_demand(sim_t *s, sim_netval_t *v, uint32_t day, uint32_t h, ordo_error_t *err)
{
    size_t nr = v->n_regions;
    memset(v->demand, 0, (size_t)v->n_skus * nr * sizeof *v->demand);
    if (v->truth) {
        for (uint32_t t = day; t < day + h && t < v->days; t++)
            for (size_t k = 0; k < (size_t)v->n_skus * nr; k++)
                v->demand[k] += v->truth[(size_t)t * v->n_skus * nr + k];
        return ORDO_OK;
    }
    double fam_units[ORDO_MAX_FAMILIES] = {0}, f[8];
    for (uint32_t k = 0; k < v->n_skus; k++)
        fam_units[s->net->skus[k].family % v->n_fam] += v->sku_units[k];
    for (uint32_t fa = 0; fa < v->n_fam; fa++)
        for (size_t r = 0; r < nr; r++) {
            const double *y = v->hist + ((size_t)fa * nr + r) * v->days;
            double sum = 0;
            int rc = ordo_demand_forecast(y, day, h, f, NULL, err);
            if (rc)
                return rc;
            for (uint32_t k = 0; k < h; k++)
                sum += f[k];
            v->fc[(size_t)fa * nr + r] = sum;
        }
    for (uint32_t k = 0; k < v->n_skus; k++) {
        uint32_t fa = s->net->skus[k].family % v->n_fam;
        double share = fam_units[fa] > 0 ? v->sku_units[k] / fam_units[fa] : 0;
        for (size_t r = 0; r < nr; r++)
            v->demand[(size_t)k * nr + r] = share * v->fc[(size_t)fa * nr + r];
    }
    return ORDO_OK;
}

/* Method "stockout": each cluster's expected units of a SKU go to its
 * cheapest node with the SKU in stock; a unit at a cell is priced at the
 * SKU's margin x P(Poisson(the cell's units) >= its ATP), the margin lost
 * to a stock-out before replenishment (ordo_netval_stockout). */
static void stockout_table(sim_t *s, sim_netval_t *v, ordo_netval_t *t)
{
    const ordo_network_t *net = s->net;
    memset(v->mean, 0, s->n_cells * sizeof *v->mean);
    for (uint32_t k = 0; k < v->n_skus; k++) {
        ordo_stock_range_t cr = ordo_inventory_sku_cells(net->inventory, k);
        for (uint32_t r = 0; r < v->n_regions; r++) {
            double d = v->demand[(size_t)k * v->n_regions + r], best = INFINITY;
            uint32_t at = UINT32_MAX;
            for (uint32_t c = cr.begin; d > 0 && c < cr.end; c++) {
                uint32_t node = ordo_inventory_cell_node(net->inventory, c);
                double cost =
                    v->cost[((size_t)v->sku_class[k] * net->n_nodes + node) * v->n_regions + r];
                if (v->supply[c] > 0 && cost < best && net->nodes[node].type != ORDO_NODE_DROPSHIP) {
                    best = cost;
                    at = c;
                }
            }
            if (at != UINT32_MAX)
                v->mean[at] += d;
        }
        double margin = net->skus[k].price - net->skus[k].unit_cost;
        for (uint32_t c = cr.begin; c < cr.end; c++) {
            t->value[c] = (float)ordo_netval_stockout(margin, v->mean[c], v->supply[c]);
            v->rep.priced_cells += t->value[c] > 0;
            v->rep.max_value = fmax(v->rep.max_value, t->value[c]);
        }
    }
}

int sim_netval_day(sim_t *s, uint32_t day, ordo_error_t *err)
{
    sim_netval_t *v = s->nv;
    if (!v)
        return ORDO_OK;
    if (day > 0)
        day_row(v);
    v->day = day;
    if (day == 0) /* nothing seen yet: no forecast, no cluster weights */
        return ORDO_OK;
    uint32_t h = horizon(s, day);
    cluster_costs(s, v);
    int rc = expected_demand(s, v, day, h, err);
    if (rc)
        return rc;
    for (uint32_t c = 0; c < s->n_cells; c++)
        v->supply[c] = ordo_inventory_atp(s->net->inventory, c);
    char version[64];
    snprintf(version, sizeof version, "%s/%s/day%u", v->stockout ? "stockout" : "lp",
             v->truth ? "truth" : "forecast", day + 1);
    ordo_netval_t *t = ordo_netval_new(s->n_cells, version);
    if (!t)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (v->stockout) {
        stockout_table(s, v, t);
        ordo_engine_set_netval(s->eng, t);
        return ORDO_OK;
    }
    ordo_netval_lp_t in = {.net = s->net, .n_regions = v->n_regions, .demand = v->demand,
                           .supply = v->supply, .cost = v->cost, .n_costs = v->n_classes,
                           .sku_cost = v->sku_class, .unmet_cost = v->unmet_cost,
                           .node_mask_skip_types = 1u << ORDO_NODE_DROPSHIP};
    rc = ordo_netval_from_lp(&in, t, &v->rep, err);
    if (rc) {
        ordo_netval_destroy(t);
        return rc;
    }
    ordo_engine_set_netval(s->eng, t);
    return ORDO_OK;
}

void sim_netval_order(sim_t *s, const ordo_order_t *o, const ordo_plan_t *plan)
{
    sim_netval_t *v = s->nv;
    if (!v || o->ship_zip3 >= ORDO_ZIP3_COUNT)
        return;
    uint32_t r = region_of(v, o->ship_zip3);
    double units = 0, shipped = 0;
    for (uint32_t i = 0; i < o->n_lines; i++) {
        uint32_t k = o->lines[i].sku;
        if (k >= v->n_skus)
            continue;
        double q = o->lines[i].quantity;
        units += q;
        v->sku_units[k] += q;
        uint32_t fa = s->net->skus[k].family % v->n_fam;
        v->hist[((size_t)fa * v->n_regions + r) * v->days + v->day] += q;
        fprintf(v->demand_csv, "%u,%u,%u,%.0f\n", v->day, k, r, q);
    }
    v->zip3_orders[o->ship_zip3] += 1;
    for (uint32_t sh = 0; plan && sh < plan->n_shipments; sh++)
        for (uint32_t l = 0; l < plan->shipments[sh].n_lines; l++)
            shipped += plan->shipments[sh].lines[l].quantity;
    v->d_orders += 1;
    v->d_cost += plan ? plan->cost.total : 0;
    v->d_unfilled += units > shipped ? units - shipped : 0;
    v->d_value += plan ? plan->cost.opportunity : 0;
}
