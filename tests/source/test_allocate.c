/* SPDX-License-Identifier: Apache-2.0 */
/* The search against brute force: on random small instances the exact search
 * finds a plan whose score equals the best over every assignment of lines to
 * nodes (each priced by ordo_source_price, the same cost model), and it finds
 * none exactly when none is feasible. The beam search never beats it. */
#include "testutil.h"

static const char *const zips[] = {"02139", "08817", "10001", "19103", "30336", "60601",
                                   "80202", "82001", "91761", "94103", "98101", "59001"};
#define N_ZIPS (sizeof zips / sizeof zips[0])

static const char *const policies[] = {
    "{\"name\":\"w1\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":1},"
    "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}]}",
    "{\"name\":\"w2\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":2},"
    "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\",\"weights\":{\"cost\":1,\"on_time\":40,"
    "\"return_risk\":10,\"load\":3,\"split\":0.5,\"overstock\":2,\"economic\":3}}]}",
    "{\"name\":\"w3\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":3,"
    "\"min_on_time\":0.3,\"guardrails\":[{\"max_zone\":6}]},"
    "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\",\"weights\":{\"cost\":1,\"on_time\":5,"
    "\"economic\":0}}]}",
    "{\"name\":\"c1\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":2},"
    "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
    "{\"criterion\":\"fewest_shipments\"},{\"criterion\":\"zone\"},"
    "{\"criterion\":\"distance\"},{\"criterion\":\"cost\"}]}]}",
    "{\"name\":\"c2\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":3},"
    "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
    "{\"criterion\":\"node_type\",\"order\":[\"store\",\"dc\",\"dropship\"]},"
    "{\"criterion\":\"days_of_supply\"},{\"criterion\":\"on_time\",\"min\":0.2},"
    "{\"criterion\":\"cost\",\"resolution\":0}],\"service_target\":0.8}]}",
    "{\"name\":\"c3\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":2,"
    "\"node_types\":[\"dc\",\"store\"]},"
    "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
    "{\"criterion\":\"load\"},{\"criterion\":\"eta\"},{\"criterion\":\"return_risk\"},"
    "{\"criterion\":\"priority\"},{\"criterion\":\"fewest_shipments\"}]}]}",
    /* drop-ship's shape: node type, fewest shipments, then P(on time) of the
     * service the strategy picks (bounded over the services it can pick) */
    "{\"name\":\"c4\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":3},"
    "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
    "{\"criterion\":\"node_type\",\"order\":[\"dropship\",\"dc\",\"store\"]},"
    "{\"criterion\":\"fewest_shipments\"},"
    "{\"criterion\":\"on_time\",\"min\":0.3,\"resolution\":0.05},"
    "{\"criterion\":\"cost\",\"resolution\":0.25}],\"service_target\":0.9}]}",
    /* service levels: other targets and floors, standard orders upgraded
     * within a cost cap, suppliers promised with their processing days */
    "{\"name\":\"s1\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":2},"
    "\"service\":{\"targets\":{\"standard\":0.95,\"express\":0.7},\"floors\":{\"express\":0.2},"
    "\"upgrade_standard\":true,\"upgrade_max_cost\":6,\"supplier_lead_time\":true},"
    "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
    "{\"criterion\":\"zone\"},{\"criterion\":\"fewest_shipments\"},"
    "{\"criterion\":\"on_time\",\"resolution\":0.05},{\"criterion\":\"cost\"}]}]}",
    "{\"name\":\"s2\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":3},"
    "\"service\":{\"targets\":{\"standard\":0.6},\"upgrade_standard\":true,"
    "\"upgrade_max_cost\":2.5,\"supplier_lead_time\":true},"
    "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\",\"weights\":{\"cost\":1,"
    "\"on_time\":10,\"overstock\":1}}]}",
    "{\"name\":\"s3\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":3},"
    "\"service\":{\"targets\":{\"express\":0.6},\"floors\":{\"express\":0},"
    "\"supplier_lead_time\":true},"
    "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
    "{\"criterion\":\"node_type\",\"order\":[\"dropship\",\"dc\",\"store\"]},"
    "{\"criterion\":\"fewest_shipments\"},"
    "{\"criterion\":\"on_time\",\"min\":0.3,\"resolution\":0.05},"
    "{\"criterion\":\"cost\",\"resolution\":0.25}]}]}",
};
#define N_POLICIES (sizeof policies / sizeof policies[0])

/* The orders' month and extra fields (the risk test dates them after the
 * stock counts and gives them a customer); the random draws are the same. */
static const char *order_month = "03";
static const char *order_extra = "";

typedef struct inst {
    ordo_network_t *net;
    char order[2048];
    uint32_t n_nodes;
} inst_t;

/* 2..5 nodes, 4 SKUs, an order of min_lines..4 lines */
static void make_instance(ordo_rng_t *r, inst_t *in, uint32_t min_lines)
{
    static const char *const types[] = {"dc", "store", "dropship"};
    char nodes[8192], cat[2048], inv[8192];
    uint32_t nn = 2 + (uint32_t)ordo_rng_below(r, 4); /* 2..5 nodes */
    size_t k = 0;
    k += (size_t)snprintf(nodes + k, sizeof nodes - k, "[");
    for (uint32_t i = 0; i < nn; i++) {
        uint32_t cap = 4 + (uint32_t)ordo_rng_below(r, 40);
        uint32_t load = (uint32_t)ordo_rng_below(r, cap);
        const char *type = types[ordo_rng_below(r, 3)];
        k = write_random_node(nodes, sizeof nodes, k, r, i, type, cap, load, zips, N_ZIPS);
    }
    snprintf(nodes + k, sizeof nodes - k, "]");
    write_random_catalog(cat, sizeof cat, r, 4);
    /* demand rates from 0.05 to 0.45 a day (no draw: the instances stay
     * those of the seed), so the 14-day cover of 0.7-6.3 units is often
     * taken and the economic terms vary by node */
    k = (size_t)snprintf(inv, sizeof inv,
                         "node,sku,on_hand,reserved,safety_stock,as_of,daily_demand\n");
    for (uint32_t i = 0; i < nn; i++)
        for (int s = 0; s < 4; s++)
            if (ordo_rng_uniform(r) < 0.65)
                k += (size_t)snprintf(inv + k, sizeof inv - k, "N%u,S%d,%u,0,%u,2026-11-01,%.2f\n",
                                      i, s, (unsigned)ordo_rng_below(r, 7),
                                      (unsigned)ordo_rng_below(r, 2),
                                      0.05 + 0.1 * ((i * 7 + (unsigned)s * 3) % 5));
    in->net = build_net(nodes, cat, inv);
    in->n_nodes = nn;
    uint32_t nl = min_lines + (uint32_t)ordo_rng_below(r, 5 - min_lines);
    k = (size_t)snprintf(in->order, sizeof in->order,
                         "{\"id\":\"o\",\"created\":\"2026-%s-%02uT%02u:10:00Z\",%s\"ship_to\":"
                         "{\"zip\":\"%s\"},\"service_level\":\"%s\",\"lines\":[",
                         order_month, 2 + (unsigned)ordo_rng_below(r, 20),
                         (unsigned)ordo_rng_below(r, 24), order_extra,
                         zips[ordo_rng_below(r, N_ZIPS)],
                         ordo_rng_below(r, 3) ? "standard" : "express");
    write_random_lines(in->order, sizeof in->order, k, r, 4, nl, qty_1_to_3);
}

/* Best score over every assignment of lines to nodes, or found = false. */
static bool brute_force(ordo_engine_t *eng, const ordo_policy_t *p, const ordo_order_t *o,
                        uint32_t nn, ordo_arena_t *a, double *best, uint32_t *dim)
{
    uint32_t L = o->n_lines, total = 1;
    for (uint32_t i = 0; i < L; i++)
        total *= nn;
    bool found = false;
    uint32_t M = p->strategies[0].constraints.max_shipments;
    for (uint32_t code = 0; code < total; code++) {
        uint32_t assign[8], c = code;
        for (uint32_t i = 0; i < L; i++) {
            assign[i] = c % nn;
            c /= nn;
        }
        ordo_plan_spec_shipment_t sh[8];
        ordo_plan_line_t lines[8][8];
        uint32_t k = 0;
        for (uint32_t n = 0; n < nn; n++) {
            uint32_t m = 0;
            for (uint32_t i = 0; i < L; i++)
                if (assign[i] == n) {
                    lines[k][m].line = i;
                    lines[k][m].sku = o->lines[i].sku;
                    lines[k][m].quantity = o->lines[i].quantity;
                    m++;
                }
            if (!m)
                continue;
            sh[k].node = n;
            sh[k].service = ORDO_SERVICE_BEST;
            sh[k].n_lines = m;
            sh[k].lines = lines[k];
            k++;
        }
        if (k > M)
            continue;
        ordo_plan_spec_t spec = {k, sh};
        ordo_arena_mark_t mk = ordo_arena_mark(a);
        ordo_plan_t *plan;
        ordo_error_t err = {0};
        assert_int_equal(ordo_source_price(eng, p, o, &spec, a, &plan, &err), ORDO_OK);
        if (plan->n_backorders == 0) {
            int better = !found;
            for (uint32_t d = 0; !better && d < plan->score_dim; d++) {
                double diff = plan->score_vec[d] - best[d];
                if (fabs(diff) > 1e-9 * (1 + fabs(best[d]))) {
                    better = diff > 0;
                    break;
                }
            }
            if (better) {
                found = true;
                *dim = plan->score_dim;
                memcpy(best, plan->score_vec, sizeof(double) * plan->score_dim);
            }
        }
        ordo_arena_rewind(a, mk);
    }
    return found;
}

/* The engine's plan against brute force on `iters` random instances, the
 * policies taken in turn; the counts of feasible instances and of beam
 * searches that found a plan, and of those that found the optimum. */
static void compare_with_brute_force(uint64_t seed, int iters, const char *const *pols,
                                     uint32_t n_pols, uint32_t min_lines, uint32_t *feasible_out)
{
    ordo_rng_t r;
    ordo_rng_seed(&r, seed);
    ordo_arena_t *a = ordo_arena_create(0);
    uint32_t compared = 0, feasible = 0, beam_equal = 0, beam_found = 0;
    for (int it = 0; it < iters; it++) {
        inst_t in;
        make_instance(&r, &in, min_lines);
        ordo_engine_t *eng;
        ordo_error_t err = {0};
        assert_int_equal(ordo_engine_create(in.net, NULL, &eng, &err), ORDO_OK);
        ordo_policy_t *p = policy_from(pols[(uint32_t)it % n_pols]);
        ordo_arena_reset(a);
        ordo_order_t o;
        parse_order(in.net, a, in.order, &o);
        ordo_plan_t *plan = decide(eng, p, &o, a, it % 7 == 0);
        double best[8] = {0};
        uint32_t dim = 0;
        bool bf = brute_force(eng, p, &o, in.n_nodes, a, best, &dim);
        if (bf != (plan->status == ORDO_PLAN_OK)) {
            fprintf(stderr, "instance %d (%s): brute force %s, engine %s\norder %s\n", it, p->name,
                    bf ? "feasible" : "infeasible", ordo_plan_status_name(plan->status), in.order);
        }
        assert_int_equal(bf, plan->status == ORDO_PLAN_OK);
        compared++;
        if (bf) {
            feasible++;
            assert_int_equal(dim, plan->score_dim);
            if (lex_cmp(plan->score_vec, best, dim) != 0) {
                fprintf(stderr, "instance %d (%s): engine %.6f, brute force %.6f\n", it, p->name,
                        plan->score_vec[0], best[0]);
                for (uint32_t d = 0; d < dim; d++)
                    fprintf(stderr, "  [%u] %.9f vs %.9f\n", d, plan->score_vec[d], best[d]);
            }
            assert_int_equal(lex_cmp(plan->score_vec, best, dim), 0);
            /* the beam search is feasible-or-nothing and never better */
            ordo_decide_opts_t bo = {0};
            bo.force_beam = true;
            ordo_plan_t *bp;
            assert_int_equal(ordo_source_decide(eng, p, &o, &bo, a, &bp, &err), ORDO_OK);
            if (bp->status == ORDO_PLAN_OK) {
                beam_found++;
                assert_true(lex_cmp(bp->score_vec, best, dim) <= 0);
                beam_equal += lex_cmp(bp->score_vec, best, dim) == 0;
            }
        }
        ordo_policy_destroy(p);
        ordo_engine_destroy(eng);
        ordo_network_destroy(in.net);
    }
    fprintf(stderr, "compared %u instances (%u feasible); beam found %u, optimal in %u\n", compared,
            feasible, beam_found, beam_equal);
    assert_true(feasible < compared); /* the generator must exercise infeasible orders too */
    *feasible_out = feasible;
    ordo_arena_destroy(a);
}

static void test_exact_matches_brute_force(void **state)
{
    (void)state;
    uint32_t feasible;
    compare_with_brute_force(20261124, 700, policies, N_POLICIES, 1, &feasible);
    /* the generator must exercise real plans (a third of its orders are
     * express, which now exclude shipments below the level's 0.5 floor) */
    assert_true(feasible > 700 / 4);
}

/* Orders of 3 and 4 lines under policies of up to three shipments whose
 * line groups are not all evaluated: node_type first (c2, c4, c5: the groups
 * no best partition holds are deferred, then evaluated only if they can
 * reach the plan the other groups gave) and weighted (w4: groups gathered
 * with their bounds and searched against an incumbent). */
static void test_pruned_groups_match_brute_force(void **state)
{
    (void)state;
    const char *const pols[] = {
        policies[4],
        policies[6],
        /* a strict load limit and P(on time) floor, so the best partitions'
         * nodes are often excluded when evaluated and the incumbent falls
         * short of them */
        "{\"name\":\"c5\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":3},"
        "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
        "{\"criterion\":\"node_type\",\"order\":[\"dropship\",\"store\",\"dc\"]},"
        "{\"criterion\":\"fewest_shipments\"},{\"criterion\":\"load\",\"max\":0.8},"
        "{\"criterion\":\"on_time\",\"min\":0.6,\"resolution\":0.05},"
        "{\"criterion\":\"cost\",\"resolution\":0.25}]}]}",
        /* weighted with three shipments: the groups are gathered and
         * searched against an incumbent; on-time confidence and load weigh
         * enough that three-shipment plans often win */
        "{\"name\":\"w4\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":3},"
        "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\",\"weights\":{\"cost\":1,"
        "\"on_time\":80,\"load\":10,\"split\":0}}]}",
    };
    uint32_t feasible;
    compare_with_brute_force(20261125, 2000, pols, 4, 3, &feasible);
    assert_true(feasible > 2000 / 6);
}

/* The risk terms (stale stock, customer value, cancellation) in the score
 * and in the bounds: orders dated December, weeks after the stock counts
 * (stores' confidence well below the DCs'), of a gold customer; weighted
 * (paired and gathered groups) and criteria strategies ranking cost. */
static void test_risk_terms_match_brute_force(void **state)
{
    (void)state;
#define RISK                                                                                       \
    "\"risk\":{\"stale_stock\":{\"short_pick_cost\":40},\"customer_value\":"                       \
    "{\"cohorts\":{\"gold\":3}},\"cancellation\":{\"base\":0.05,\"per_day_late\":0.3}},"
    const char *const pols[] = {
        "{\"name\":\"r1\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":2}," RISK
        "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\",\"weights\":{\"cost\":1,\"on_time\":"
        "20,"
        "\"split\":0.5,\"overstock\":2}}]}",
        "{\"name\":\"r2\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":3}," RISK
        "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\",\"weights\":{\"cost\":1,"
        "\"on_time\":30,\"load\":10,\"split\":0}}]}",
        "{\"name\":\"r3\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":2}," RISK
        "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
        "{\"criterion\":\"cost\"},{\"criterion\":\"fewest_shipments\"}]}]}",
        "{\"name\":\"r4\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":2}," RISK
        "\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\",\"criteria\":["
        "{\"criterion\":\"on_time\",\"resolution\":0.05},"
        "{\"criterion\":\"cost\",\"resolution\":0}],\"service_target\":0.8}]}",
    };
#undef RISK
    order_month = "12";
    order_extra = "\"customer\":{\"id\":\"c\",\"cohort\":\"gold\"},";
    uint32_t feasible;
    compare_with_brute_force(20261206, 600, pols, 4, 1, &feasible);
    order_month = "03";
    order_extra = "";
    assert_true(feasible > 600 / 4);
}

/* Failures say what failed: an order that splits into more search lines
 * than the search handles, and plans to price beyond its limits or naming
 * what the network or order does not have, each with its field and limit. */
static void test_errors_name_what_failed(void **state)
{
    (void)state;
    /* 26 nodes with one unit each of S0: a line of 26 units splits into a
     * piece per node, more than SRC_MAX_LINES (24) */
    char nodes[16384], inv[4096];
    size_t k = (size_t)snprintf(nodes, sizeof nodes, "[");
    size_t ki = (size_t)snprintf(inv, sizeof inv, "node,sku,on_hand,reserved,safety_stock,as_of\n");
    for (unsigned i = 0; i < 26; i++) {
        k += (size_t)snprintf(
            nodes + k, sizeof nodes - k,
            "%s{\"id\":\"N%u\",\"type\":\"dc\",\"zip\":\"%s\",\"capabilities\":[\"ship\"],"
            "\"daily_capacity\":1000,\"current_load\":0,\"pick_cost_per_unit\":0.5,"
            "\"pack_cost_per_shipment\":1,\"cutoff_hour\":14,\"processing_days\":0,"
            "\"priority\":0,\"services\":[\"parcel_ground\"]}",
            i ? "," : "", i, zips[i % N_ZIPS]);
        ki += (size_t)snprintf(inv + ki, sizeof inv - ki, "N%u,S0,1,0,0,2026-11-01\n", i);
    }
    snprintf(nodes + k, sizeof nodes - k, "]");
    const char *cat = "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate\n"
                      "S0,home,2,10,8,4,30,0.05\n";
    ordo_network_t *net = build_net(nodes, cat, inv);
    ordo_engine_t *eng = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_arena_t *a = ordo_arena_create(1 << 16);
    ordo_policy_t *p = policy_from(
        "{\"name\":\"split\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":8,"
        "\"allow_line_split\":true},\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}]}");
    ordo_order_t o;
    parse_order(net, a,
                "{\"id\":\"o\",\"created\":\"2026-03-02T10:00:00Z\",\"ship_to\":{\"zip\":"
                "\"10001\"},\"lines\":[{\"sku\":\"S0\",\"quantity\":26}]}",
                &o);
    ordo_plan_t *plan = NULL;
    assert_int_equal(ordo_source_decide(eng, p, &o, NULL, a, &plan, &err), ORDO_EUNSUPPORTED);
    assert_null(plan);
    assert_string_equal(err.field, "lines");
    assert_non_null(strstr(err.msg, "more than 24 search lines"));
    assert_null(strstr(err.msg, "memory"));

    /* pricing: nine shipments (at most 8) */
    ordo_plan_line_t one = {.line = 0, .quantity = 1};
    ordo_plan_spec_shipment_t sh[9];
    for (unsigned i = 0; i < 9; i++)
        sh[i] = (ordo_plan_spec_shipment_t){i, ORDO_SERVICE_BEST, 1, &one};
    ordo_plan_spec_t spec = {9, sh};
    memset(&err, 0, sizeof err);
    assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &plan, &err), ORDO_EUNSUPPORTED);
    assert_string_equal(err.field, "shipments");
    assert_non_null(strstr(err.msg, "9 shipments: at most 8"));
    /* 25 plan lines (at most 24) */
    ordo_plan_line_t lines[25];
    for (unsigned i = 0; i < 25; i++)
        lines[i] = (ordo_plan_line_t){.line = 0, .quantity = 1};
    sh[0].n_lines = 25;
    sh[0].lines = lines;
    spec.n_shipments = 1;
    memset(&err, 0, sizeof err);
    assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &plan, &err), ORDO_EUNSUPPORTED);
    assert_string_equal(err.field, "shipments");
    assert_non_null(strstr(err.msg, "25 lines"));
    assert_non_null(strstr(err.msg, "at most 24"));
    /* a node, a service and an order line the network or order lacks */
    sh[0].n_lines = 1;
    sh[0].lines = &one;
    sh[1] = (ordo_plan_spec_shipment_t){99, ORDO_SERVICE_BEST, 1, &one};
    spec.n_shipments = 2;
    memset(&err, 0, sizeof err);
    assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &plan, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "shipments[1].node");
    assert_non_null(strstr(err.msg, "26 nodes"));
    sh[1] = (ordo_plan_spec_shipment_t){1, (int32_t)net->n_services, 1, &one};
    memset(&err, 0, sizeof err);
    assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &plan, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "shipments[1].service");
    ordo_plan_line_t bad = {.line = 3, .quantity = 1};
    sh[1] = (ordo_plan_spec_shipment_t){1, ORDO_SERVICE_BEST, 1, &bad};
    memset(&err, 0, sizeof err);
    assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &plan, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "shipments[1].lines[0].line");
    assert_non_null(strstr(err.msg, "beyond the order's 1 line(s)"));
    /* and a valid plan of the same shape prices */
    sh[1] = (ordo_plan_spec_shipment_t){1, ORDO_SERVICE_BEST, 1, &one};
    assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &plan, &err), ORDO_OK);
    assert_non_null(plan);
    /* more plan lines than order lines, each short of stock: one violation
     * per plan line (24) plus the coverage, all kept (the list was once
     * sized for shipments + order lines and written past its end) */
    ordo_plan_line_t two[3];
    for (unsigned i = 0; i < 3; i++)
        two[i] = (ordo_plan_line_t){.line = 0, .quantity = 2};
    for (unsigned i = 0; i < 8; i++)
        sh[i] = (ordo_plan_spec_shipment_t){i, ORDO_SERVICE_BEST, 3, two};
    spec.n_shipments = 8;
    memset(&err, 0, sizeof err);
    assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &plan, &err), ORDO_OK);
    unsigned stock = 0, coverage = 0;
    for (uint32_t i = 0; i < plan->n_backorders; i++) {
        stock += !strcmp(plan->backorders[i].reason, "violates:stock");
        coverage += !strcmp(plan->backorders[i].reason, "violates:coverage");
    }
    assert_int_equal(stock, 24);
    assert_int_equal(coverage, 1);
    ordo_policy_destroy(p);
    ordo_arena_destroy(a);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_matches_brute_force),
        cmocka_unit_test(test_pruned_groups_match_brute_force),
        cmocka_unit_test(test_risk_terms_match_brute_force),
        cmocka_unit_test(test_errors_name_what_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
