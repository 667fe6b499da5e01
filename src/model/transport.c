/* SPDX-License-Identifier: Apache-2.0 */
/* The transportation LP of include/ordo/fit.h, solved by COIN-OR CLP through
 * its C interface. Columns are the lanes (node i -> region j) with a finite
 * cost, then one unmet-demand column per region when unmet_cost > 0; rows
 * are the nodes (<= supply) then the regions (= demand). CLP's row prices
 * are the duals (d objective / d right-hand side), as scipy's marginals. */
#include "ordo/fit.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Clp_C_Interface.h>

typedef struct lp_build {
    int n_cols, n_rows;
    CoinBigIndex *start; /* n_cols + 1 */
    int *index;          /* 2 per lane column, 1 per unmet column */
    double *value;
    double *obj, *row_lb, *row_ub;
    int *lane_of_col;    /* i * n_regions + j, or -1 - j for unmet */
} lp_build_t;

static int lane_open(double c)
{
    return isfinite(c);
}

static int check_values(const double *v, size_t n, const char *name, ordo_error_t *err)
{
    if (!v)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, name, "missing array");
    for (size_t k = 0; k < n; k++) {
        if (!(v[k] >= 0) || !isfinite(v[k])) {
            char field[48];
            snprintf(field, sizeof field, "%s[%zu]", name, k);
            return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field, "%g is not a finite value >= 0",
                                  v[k]);
        }
    }
    return ORDO_OK;
}

static int check_problem(const ordo_transport_problem_t *p, ordo_error_t *err)
{
    if (!p || p->n_nodes == 0 || p->n_regions == 0)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, p && p->n_nodes == 0 ? "n_nodes" : "n_regions",
                              "the problem needs at least one node and one region");
    if (p->n_nodes * p->n_regions > (size_t)1 << 26)
        return ordo_error_set(err, ORDO_ERANGE, NULL, 0, "n_regions", "too many lanes");
    int rc = check_values(p->supply, p->n_nodes, "supply", err);
    if (rc == ORDO_OK)
        rc = check_values(p->demand, p->n_regions, "demand", err);
    if (rc != ORDO_OK)
        return rc;
    if (!p->cost)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "cost", "missing array");
    for (size_t i = 0; i < p->n_nodes; i++)
        for (size_t j = 0; j < p->n_regions; j++) {
            double c = p->cost[i * p->n_regions + j];
            if (c == -INFINITY) {
                char field[64];
                snprintf(field, sizeof field, "cost[%zu][%zu]", i, j);
                return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field,
                                      "-inf (no lane is +inf or NaN)");
            }
        }
    if (!isfinite(p->unmet_cost))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "unmet_cost", "not finite");
    return ORDO_OK;
}

/* Infeasibility a person can act on, found before the solver runs. */
static int check_coverage(const ordo_transport_problem_t *p, ordo_error_t *err)
{
    if (p->unmet_cost > 0)
        return ORDO_OK;
    double total_s = 0, total_d = 0;
    for (size_t i = 0; i < p->n_nodes; i++)
        total_s += p->supply[i];
    for (size_t j = 0; j < p->n_regions; j++) {
        total_d += p->demand[j];
        int reached = 0;
        for (size_t i = 0; i < p->n_nodes && !reached; i++)
            reached = lane_open(p->cost[i * p->n_regions + j]) && p->supply[i] > 0;
        if (p->demand[j] > 0 && !reached) {
            char field[48];
            snprintf(field, sizeof field, "demand[%zu]", j);
            return ordo_error_set(err, ORDO_EINFEASIBLE, NULL, 0, field,
                                  "region %zu has demand %g but no lane from a node with stock",
                                  j, p->demand[j]);
        }
    }
    if (total_s < total_d * (1 - 1e-12))
        return ordo_error_set(err, ORDO_EINFEASIBLE, NULL, 0, "supply",
                              "total supply %g is less than total demand %g (set unmet_cost "
                              "to price a shortfall)", total_s, total_d);
    return ORDO_OK;
}

static void build_free(lp_build_t *b)
{
    free(b->start);
    free(b->index);
    free(b->value);
    free(b->obj);
    free(b->row_lb);
    free(b->row_ub);
    free(b->lane_of_col);
}

static void add_col(lp_build_t *b, int lane, double cost, int row_a, int row_b)
{
    int c = b->n_cols++;
    CoinBigIndex k = b->start[c];
    b->index[k] = row_a;
    b->value[k++] = 1.0;
    if (row_b >= 0) {
        b->index[k] = row_b;
        b->value[k++] = 1.0;
    }
    b->start[c + 1] = k;
    b->obj[c] = cost;
    b->lane_of_col[c] = lane;
}

static int build(const ordo_transport_problem_t *p, lp_build_t *b)
{
    size_t nn = p->n_nodes, nr = p->n_regions, max_cols = nn * nr + nr;
    memset(b, 0, sizeof *b);
    b->n_rows = (int)(nn + nr);
    b->start = calloc(max_cols + 1, sizeof *b->start);
    b->index = malloc(2 * max_cols * sizeof *b->index);
    b->value = malloc(2 * max_cols * sizeof *b->value);
    b->obj = malloc(max_cols * sizeof *b->obj);
    b->lane_of_col = malloc(max_cols * sizeof *b->lane_of_col);
    b->row_lb = malloc((nn + nr) * sizeof *b->row_lb);
    b->row_ub = malloc((nn + nr) * sizeof *b->row_ub);
    if (!b->start || !b->index || !b->value || !b->obj || !b->lane_of_col || !b->row_lb ||
        !b->row_ub)
        return ORDO_ENOMEM;
    for (size_t i = 0; i < nn; i++)
        for (size_t j = 0; j < nr; j++) {
            double c = p->cost[i * nr + j];
            if (lane_open(c))
                add_col(b, (int)(i * nr + j), c, (int)i, (int)(nn + j));
        }
    if (p->unmet_cost > 0)
        for (size_t j = 0; j < nr; j++)
            add_col(b, -1 - (int)j, p->unmet_cost, (int)(nn + j), -1);
    for (size_t i = 0; i < nn; i++) {
        b->row_lb[i] = -DBL_MAX;
        b->row_ub[i] = p->supply[i];
    }
    for (size_t j = 0; j < nr; j++)
        b->row_lb[nn + j] = b->row_ub[nn + j] = p->demand[j];
    return ORDO_OK;
}

static void copy_result(const ordo_transport_problem_t *p, const lp_build_t *b, Clp_Simplex *m,
                        ordo_transport_result_t *res)
{
    size_t nn = p->n_nodes, nr = p->n_regions;
    const double *x = Clp_getColSolution(m), *y = Clp_getRowPrice(m);
    res->objective = Clp_objectiveValue(m);
    res->iterations = Clp_numberIterations(m);
    if (res->flow)
        memset(res->flow, 0, nn * nr * sizeof *res->flow);
    if (res->unmet)
        memset(res->unmet, 0, nr * sizeof *res->unmet);
    for (int c = 0; c < b->n_cols; c++) {
        int lane = b->lane_of_col[c];
        if (lane >= 0 && res->flow)
            res->flow[lane] = x[c];
        else if (lane < 0 && res->unmet)
            res->unmet[-1 - lane] = x[c];
    }
    for (size_t i = 0; res->node_value && i < nn; i++)
        res->node_value[i] = y[i] < 0 ? -y[i] : 0.0;
    for (size_t j = 0; res->region_price && j < nr; j++)
        res->region_price[j] = y[nn + j];
}

static int solve_status(Clp_Simplex *m, ordo_error_t *err)
{
    switch (Clp_status(m)) {
    case 0:
        return ORDO_OK;
    case 1:
        return ordo_error_set(err, ORDO_EINFEASIBLE, NULL, 0, "demand",
                              "no shipment plan meets every region's demand from the nodes' "
                              "supply over the open lanes");
    case 2:
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "cost", "the LP is unbounded");
    default:
        return ordo_error_set(err, ORDO_ESTATE, NULL, 0, NULL,
                              "CLP stopped without an optimum (status %d)", Clp_status(m));
    }
}

int ordo_transport_solve(const ordo_transport_problem_t *prob, ordo_transport_result_t *res,
                         ordo_error_t *err)
{
    int rc = check_problem(prob, err);
    if (rc == ORDO_OK)
        rc = check_coverage(prob, err);
    if (rc != ORDO_OK)
        return rc;
    if (!res)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "res", "missing");
    lp_build_t b;
    if (build(prob, &b) != ORDO_OK) {
        build_free(&b);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    Clp_Simplex *m = Clp_newModel();
    if (!m) {
        build_free(&b);
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    Clp_setLogLevel(m, 0);
    Clp_loadProblem(m, b.n_cols, b.n_rows, b.start, b.index, b.value, NULL, NULL, b.obj,
                    b.row_lb, b.row_ub);
    Clp_dual(m, 0);
    rc = solve_status(m, err);
    if (rc == ORDO_OK)
        copy_result(prob, &b, m, res);
    Clp_deleteModel(m);
    build_free(&b);
    return rc;
}
