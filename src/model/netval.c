/* SPDX-License-Identifier: Apache-2.0 */
/* The network value of stock (include/ordo/fit.h, netval.h): demand forecasts per
 * series, the stock-out price of a unit, and the per-SKU transportation LP
 * whose node duals price a unit where it is (Acimovic & Graves 2015). */
#include "ordo/fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/inventory.h"
#include "ordo/network.h"

/* ---- forecasts ---- */

static void weekday_mean(const double *y, size_t n, size_t h, double *f)
{
    for (size_t k = 0; k < h; k++) {
        double s = 0;
        int c = 0;
        for (size_t t = (n + k) % 7; t < n; t += 7) {
            s += y[t];
            c++;
        }
        f[k] = c ? s / c : 0;
    }
}

int ordo_demand_forecast(const double *y, size_t n, size_t h, double *forecast,
                         ordo_demand_fc_report_t *rep, ordo_error_t *err)
{
    if (!y || !forecast || n == 0 || h == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, n == 0 ? "n" : "h", "wants n, h >= 1");
    ordo_demand_fc_report_t r = {.method = 2, .aicc = NAN};
    ordo_hw_model_t md = {.period = 7};
    double aicc;
    if (n >= 21 && ordo_hw_fit_auto(&md, y, n, &aicc, NULL) == ORDO_OK &&
        ordo_hw_run(&md, y, n, NULL, NULL, forecast, h, NULL) == ORDO_OK) {
        r.method = 0;
        r.aicc = aicc;
    } else if (n >= 7) {
        weekday_mean(y, n, h, forecast);
        r.method = 1;
    } else {
        double s = 0;
        for (size_t t = 0; t < n; t++)
            s += y[t];
        for (size_t k = 0; k < h; k++)
            forecast[k] = s / (double)n;
    }
    for (size_t k = 0; k < h; k++)
        if (!(forecast[k] > 0))
            forecast[k] = 0;
    if (rep)
        *rep = r;
    return ORDO_OK;
}

int ordo_demand_backtest(const double *y, size_t n, size_t h, double *mase_fc, double *mase_naive,
                         ordo_error_t *err)
{
    if (!y || h == 0 || n < h + 14)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n", "wants at least 14 days before the "
                              "%zu held out", h);
    double *f = malloc(2 * h * sizeof *f);
    if (!f)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    size_t m = n - h;
    int rc = ordo_demand_forecast(y, m, h, f, NULL, err);
    if (!rc)
        rc = ordo_seasonal_naive(y, m, 7, f + h, h, err);
    if (!rc)
        rc = ordo_mase(y, m, 7, y + m, f, h, mase_fc, err);
    if (!rc)
        rc = ordo_mase(y, m, 7, y + m, f + h, h, mase_naive, err);
    free(f);
    return rc;
}

/* ---- the stock-out price ---- */

double ordo_netval_stockout(double margin, double mean, double on_hand)
{
    if (!(on_hand > 0) || !(margin > 0))
        return 0;
    if (!(mean > 0))
        return 0;
    /* P(D >= k) = 1 - sum_{j<k} e^-mean mean^j / j!, k = ceil(on_hand) */
    double k = ceil(on_hand), term = exp(-mean), cdf = 0;
    for (double j = 0; j < k; j++) {
        cdf += term;
        term *= mean / (j + 1);
        if (cdf >= 1)
            break;
    }
    double p = 1 - cdf;
    return margin * (p > 0 ? p : 0);
}

/* ---- the network LP, one SKU at a time ---- */

typedef struct lp_work {
    uint32_t *node_of;  /* LP row -> node */
    uint32_t *cell_of;  /* LP row -> cell */
    double *supply, *cost, *value;
} lp_work_t;

static int work_alloc(lp_work_t *w, uint32_t n_nodes, uint32_t n_regions)
{
    w->node_of = malloc(n_nodes * sizeof *w->node_of);
    w->cell_of = malloc(n_nodes * sizeof *w->cell_of);
    w->supply = malloc(n_nodes * sizeof *w->supply);
    w->value = malloc(n_nodes * sizeof *w->value);
    w->cost = malloc((size_t)n_nodes * n_regions * sizeof *w->cost);
    return w->node_of && w->cell_of && w->supply && w->value && w->cost ? ORDO_OK : ORDO_ENOMEM;
}

static void work_free(lp_work_t *w)
{
    free(w->node_of);
    free(w->cell_of);
    free(w->supply);
    free(w->value);
    free(w->cost);
}

/* The rows of one SKU's LP: its cells at nodes not skipped. */
static uint32_t sku_rows(const ordo_netval_lp_t *in, uint32_t sku, lp_work_t *w)
{
    const ordo_network_t *net = in->net;
    size_t mat = in->sku_cost ? in->sku_cost[sku] : 0;
    const double *cost = in->cost + mat * net->n_nodes * in->n_regions;
    ordo_stock_range_t r = ordo_inventory_sku_cells(net->inventory, sku);
    uint32_t m = 0;
    for (uint32_t c = r.begin; c < r.end; c++) {
        ordo_stock_t st;
        ordo_inventory_get(net->inventory, c, &st);
        if (st.node >= net->n_nodes || (in->node_mask_skip_types >> net->nodes[st.node].type & 1))
            continue;
        w->node_of[m] = st.node;
        w->cell_of[m] = c;
        w->supply[m] = in->supply[c] > 0 ? in->supply[c] : 0;
        memcpy(w->cost + (size_t)m * in->n_regions, cost + (size_t)st.node * in->n_regions,
               in->n_regions * sizeof *w->cost);
        m++;
    }
    return m;
}

static int solve_sku(const ordo_netval_lp_t *in, uint32_t sku, lp_work_t *w, ordo_netval_t *t,
                     ordo_netval_lp_report_t *rep, ordo_error_t *err)
{
    const double *dem = in->demand + (size_t)sku * in->n_regions;
    double total = 0;
    for (uint32_t j = 0; j < in->n_regions; j++)
        total += dem[j];
    uint32_t m = total > 0 ? sku_rows(in, sku, w) : 0;
    if (m == 0)
        return ORDO_OK;
    ordo_transport_problem_t p = {.n_nodes = m, .n_regions = in->n_regions, .supply = w->supply,
                                  .demand = dem, .cost = w->cost, .unmet_cost = in->unmet_cost};
    ordo_transport_result_t r = {.node_value = w->value};
    int rc = ordo_transport_solve(&p, &r, err);
    if (rc)
        return rc;
    rep->lps++;
    rep->objective += r.objective;
    for (uint32_t i = 0; i < m; i++) {
        double v = w->value[i] > 0 ? w->value[i] : 0;
        t->value[w->cell_of[i]] = (float)v;
        rep->priced_cells += v > 0;
        rep->max_value = v > rep->max_value ? v : rep->max_value;
    }
    return ORDO_OK;
}

int ordo_netval_from_lp(const ordo_netval_lp_t *in, ordo_netval_t *t, ordo_netval_lp_report_t *rep,
                        ordo_error_t *err)
{
    ordo_netval_lp_report_t r = {0};
    if (!in || !in->net || !in->demand || !in->supply || !in->cost || !t || in->n_regions == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "netval", "missing input");
    if (!(in->unmet_cost > 0))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "unmet_cost", "wants a cost > 0");
    const ordo_network_t *net = in->net;
    for (uint32_t k = 0; in->sku_cost && k < net->n_skus; k++)
        if (in->sku_cost[k] >= (in->n_costs ? in->n_costs : 1))
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "sku_cost",
                                  "SKU %u names cost matrix %u of %u", k, in->sku_cost[k],
                                  in->n_costs ? in->n_costs : 1);
    memset(t->value, 0, t->n_cells * sizeof *t->value);
    lp_work_t w = {0};
    int rc = work_alloc(&w, net->n_nodes, in->n_regions);
    if (rc)
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    for (uint32_t k = 0; !rc && k < net->n_skus; k++) {
        ordo_stock_range_t cr = ordo_inventory_sku_cells(net->inventory, k);
        if (cr.end > t->n_cells) {
            rc = ordo_error_set(err, ORDO_EINVAL, NULL, 0, "n_cells",
                                "the table has %u cells, the inventory more", t->n_cells);
            break;
        }
        rc = solve_sku(in, k, &w, t, &r, err);
    }
    work_free(&w);
    if (rep)
        *rep = r;
    return rc;
}
