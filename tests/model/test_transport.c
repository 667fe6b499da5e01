/* SPDX-License-Identifier: Apache-2.0 */
/* ordo_transport_solve (COIN-OR CLP) against scipy.optimize.linprog with
 * HiGHS (fixture tests/fixtures/model/transport.txt): objective, flows and
 * marginals; LP optimality conditions on every case; errors naming fields. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fit_fixture.h"
#include "ordo/fit.h"

#define TP_MAX 256

typedef struct tp_case {
    char name[32];
    ordo_transport_problem_t prob;
    int unique;
    double supply[TP_MAX], demand[TP_MAX], cost[TP_MAX];
    double objective, flow[TP_MAX], unmet[TP_MAX], node_value[TP_MAX], region_price[TP_MAX];
} tp_case_t;

static int read_case(fit_fx_t *fx, tp_case_t *c)
{
    memset(c, 0, sizeof *c);
    if (!fit_fx_case(fx, c->name, sizeof c->name))
        return 0;
    size_t nn = (size_t)fit_fx_num(fx), nr = (size_t)fit_fx_num(fx);
    assert_true(nn * nr <= TP_MAX);
    double unmet = fit_fx_num(fx);
    c->unique = (int)fit_fx_num(fx);
    fit_fx_vec(fx, "supply", c->supply, nn);
    fit_fx_vec(fx, "demand", c->demand, nr);
    fit_fx_vec(fx, "cost", c->cost, nn * nr);
    fit_fx_vec(fx, "objective", &c->objective, 1);
    fit_fx_vec(fx, "flow", c->flow, nn * nr);
    fit_fx_vec(fx, "unmet", c->unmet, nr);
    fit_fx_vec(fx, "node_value", c->node_value, nn);
    fit_fx_vec(fx, "region_price", c->region_price, nr);
    fit_fx_expect(fx, "end");
    c->prob = (ordo_transport_problem_t){.n_nodes = nn, .n_regions = nr, .supply = c->supply,
                                         .demand = c->demand, .cost = c->cost,
                                         .unmet_cost = unmet};
    return 1;
}

static double max_diff(const double *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i] - b[i]));
    return m;
}

/* Primal feasibility, dual feasibility (reduced costs >= 0) and strong
 * duality: the answer is optimal whatever the reference picked. */
static void check_optimality(const tp_case_t *c, const ordo_transport_result_t *r)
{
    const ordo_transport_problem_t *p = &c->prob;
    size_t nn = p->n_nodes, nr = p->n_regions;
    double dual_obj = 0;
    for (size_t i = 0; i < nn; i++) {
        double shipped = 0;
        for (size_t j = 0; j < nr; j++) {
            assert_true(r->flow[i * nr + j] >= -1e-9);
            shipped += r->flow[i * nr + j];
            double cij = p->cost[i * nr + j];
            if (isfinite(cij))
                assert_true(cij + r->node_value[i] - r->region_price[j] >= -1e-7);
        }
        assert_true(shipped <= p->supply[i] + 1e-7);
        dual_obj -= p->supply[i] * r->node_value[i];
    }
    for (size_t j = 0; j < nr; j++) {
        double got = r->unmet[j];
        for (size_t i = 0; i < nn; i++)
            got += r->flow[i * nr + j];
        assert_true(fabs(got - p->demand[j]) <= 1e-7 * fmax(1, p->demand[j]));
        if (p->unmet_cost > 0)
            assert_true(r->region_price[j] <= p->unmet_cost + 1e-7);
        dual_obj += p->demand[j] * r->region_price[j];
    }
    assert_true(fabs(dual_obj - r->objective) <= 1e-8 * fabs(r->objective));
}

static void test_against_highs(void **state)
{
    (void)state;
    fit_fx_t fx;
    assert_true(fit_fx_open(&fx, "transport.txt"));
    static tp_case_t c;
    int cases = 0;
    while (read_case(&fx, &c)) {
        size_t nn = c.prob.n_nodes, nr = c.prob.n_regions;
        double flow[TP_MAX], unmet[TP_MAX], nv[TP_MAX], price[TP_MAX];
        ordo_transport_result_t r = {.flow = flow, .unmet = unmet, .node_value = nv,
                                     .region_price = price};
        ordo_error_t err;
        int rc = ordo_transport_solve(&c.prob, &r, &err);
        if (rc != ORDO_OK)
            fail_msg("%s: %s (%s)", c.name, err.msg, err.field);
        printf("%-9s objective %.10f (HiGHS %.10f), %d iterations; max diff flow %.1e, "
               "node value %.1e, region price %.1e\n", c.name, r.objective, c.objective,
               r.iterations, max_diff(flow, c.flow, nn * nr), max_diff(nv, c.node_value, nn),
               max_diff(price, c.region_price, nr));
        assert_true(fabs(r.objective - c.objective) <= 1e-9 * fabs(c.objective));
        check_optimality(&c, &r);
        if (c.unique) {
            assert_true(max_diff(flow, c.flow, nn * nr) < 1e-6);
            assert_true(max_diff(unmet, c.unmet, nr) < 1e-6);
            assert_true(max_diff(nv, c.node_value, nn) < 1e-9);
            assert_true(max_diff(price, c.region_price, nr) < 1e-9);
        }
        cases++;
    }
    fclose(fx.f);
    assert_int_equal(cases, 4);
}

static void test_errors(void **state)
{
    (void)state;
    double supply[2] = {10, 5}, demand[3] = {4, 4, 4};
    double cost[6] = {1, 2, INFINITY, 2, 1, INFINITY};
    ordo_transport_problem_t p = {.n_nodes = 2, .n_regions = 3, .supply = supply,
                                  .demand = demand, .cost = cost};
    ordo_transport_result_t r = {0};
    ordo_error_t err;
    assert_int_equal(ordo_transport_solve(&p, &r, &err), ORDO_EINFEASIBLE);
    assert_string_equal(err.field, "demand[2]");
    cost[2] = 3;
    supply[0] = 1;
    assert_int_equal(ordo_transport_solve(&p, &r, &err), ORDO_EINFEASIBLE);
    assert_string_equal(err.field, "supply");
    /* enough stock in total, but node 1 cannot reach region 2 and node 0
     * has too little for it: only the solver sees this */
    supply[0] = 3;
    supply[1] = 20;
    assert_int_equal(ordo_transport_solve(&p, &r, &err), ORDO_EINFEASIBLE);
    assert_string_equal(err.field, "demand");
    p.unmet_cost = 50; /* a priced shortfall makes it feasible */
    double unmet[3], nv[2];
    r.unmet = unmet;
    r.node_value = nv;
    assert_int_equal(ordo_transport_solve(&p, &r, &err), ORDO_OK);
    assert_true(fabs(unmet[2] - 1) < 1e-9);
    assert_true(fabs(nv[0] - (50 - 3)) < 1e-9); /* a unit at node 0 saves a lost sale */
    supply[1] = -1;
    assert_int_equal(ordo_transport_solve(&p, &r, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "supply[1]");
    supply[1] = 20;
    demand[1] = NAN;
    assert_int_equal(ordo_transport_solve(&p, &r, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "demand[1]");
    demand[1] = 4;
    cost[4] = -INFINITY;
    assert_int_equal(ordo_transport_solve(&p, &r, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "cost[1][1]");
    cost[4] = 1;
    p.n_regions = 0;
    assert_int_equal(ordo_transport_solve(&p, &r, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "n_regions");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_highs),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
