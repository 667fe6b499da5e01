/* SPDX-License-Identifier: Apache-2.0 */
/* "exact" means exact, line splits included: on random small orders (1–3
 * lines, quantities 1–3) over small networks whose stock is often capped at
 * 1–2 units, every feasible plan within the policy's limits is enumerated —
 * each line's quantity divided among the nodes in every possible way (a line
 * is split only when the policy allows it and no allowed node has it all, as
 * docs/policies.md says), shipments of one node merged, at most
 * max_shipments of them — and priced by ordo_source_price, the same cost
 * model. Whenever the engine's plan says "search": "exact" no feasible plan
 * scores better; it finds a plan whenever one exists (when its search is
 * exact); a bounded plan is never better than the optimum (its gap is
 * counted); and the engine's plan itself prices without a violation. Both
 * strategy kinds, max_shipments 1–4, line splits on and off.
 * test_allocate.c's brute force assigns whole lines only. */
#include "testutil.h"

static const char *const zips[] = {"02139", "08817", "10001", "19103", "30336", "60601",
                                   "80202", "82001", "91761", "94103", "98101", "59001"};
#define N_ZIPS (sizeof zips / sizeof zips[0])
#define MAX_NODES 6
#define MAX_LINES 3

/* Policy templates: max_shipments (%u) and allow_line_split (%s) filled in;
 * the node types each allows (bit 0 dc, 1 store, 2 dropship). */
static const struct {
    const char *json;
    unsigned types;
} templates[] = {
    {"{\"name\":\"w\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":%u,"
     "\"allow_line_split\":%s},\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}]}",
     7},
    {"{\"name\":\"w-on-time\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":%u,"
     "\"allow_line_split\":%s},\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\","
     "\"weights\":{\"cost\":1,\"on_time\":40,\"return_risk\":10,\"load\":3,\"split\":0.5,"
     "\"overstock\":2}}]}",
     7},
    {"{\"name\":\"w-guard\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":%u,"
     "\"allow_line_split\":%s,\"min_on_time\":0.3,\"guardrails\":[{\"max_zone\":6}]},"
     "\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\",\"weights\":{\"cost\":1,"
     "\"on_time\":5,\"split\":0}}]}",
     7},
    {"{\"name\":\"c-cost\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":%u,"
     "\"allow_line_split\":%s},\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\","
     "\"criteria\":[{\"criterion\":\"cost\",\"resolution\":0}]}]}",
     7},
    {"{\"name\":\"c-fewest\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":%u,"
     "\"allow_line_split\":%s},\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\","
     "\"criteria\":[{\"criterion\":\"fewest_shipments\"},{\"criterion\":\"zone\"},"
     "{\"criterion\":\"distance\"},{\"criterion\":\"cost\"}]}]}",
     7},
    {"{\"name\":\"c-type\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":%u,"
     "\"allow_line_split\":%s},\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\","
     "\"criteria\":[{\"criterion\":\"node_type\",\"order\":[\"store\",\"dc\",\"dropship\"]},"
     "{\"criterion\":\"days_of_supply\"},{\"criterion\":\"on_time\",\"min\":0.2},"
     "{\"criterion\":\"cost\",\"resolution\":0}],\"service_target\":0.8}]}",
     7},
    {"{\"name\":\"c-load\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":%u,"
     "\"allow_line_split\":%s,\"node_types\":[\"dc\",\"store\"]},\"strategies\":[{\"name\":"
     "\"c\",\"type\":\"criteria\",\"criteria\":[{\"criterion\":\"load\"},{\"criterion\":"
     "\"eta\"},{\"criterion\":\"return_risk\"},{\"criterion\":\"priority\"},"
     "{\"criterion\":\"fewest_shipments\"}]}]}",
     3},
    {"{\"name\":\"c-dropship\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":%u,"
     "\"allow_line_split\":%s},\"strategies\":[{\"name\":\"c\",\"type\":\"criteria\","
     "\"criteria\":[{\"criterion\":\"node_type\",\"order\":[\"dropship\",\"dc\",\"store\"]},"
     "{\"criterion\":\"fewest_shipments\"},{\"criterion\":\"on_time\",\"min\":0.3,"
     "\"resolution\":0.05},{\"criterion\":\"cost\",\"resolution\":0.25}],"
     "\"service_target\":0.9}]}",
     7},
};
#define N_TEMPLATES (sizeof templates / sizeof templates[0])

typedef struct inst {
    ordo_network_t *net;
    char order[1024];
    uint32_t n_nodes;
    unsigned type[MAX_NODES];
} inst_t;

/* 3..6 nodes, 3 SKUs; two nodes in three hold at most 1–2 units of a
 * SKU; an order of 1..3 lines of 1..3 units (mostly 2–3). */
/* One unit in a fifth of the lines, else 2 or 3: quantities that must split. */
static unsigned qty_mostly_2_3(ordo_rng_t *r)
{
    return ordo_rng_below(r, 5) ? 2 + (unsigned)ordo_rng_below(r, 2) : 1;
}

static void make_instance(ordo_rng_t *r, inst_t *in)
{
    static const char *const types[] = {"dc", "store", "dropship"};
    char nodes[4096], cat[1024], inv[2048];
    uint32_t nn = 3 + (uint32_t)ordo_rng_below(r, MAX_NODES - 2);
    size_t k = (size_t)snprintf(nodes, sizeof nodes, "[");
    for (uint32_t i = 0; i < nn; i++) {
        uint32_t cap = 4 + (uint32_t)ordo_rng_below(r, 40);
        uint32_t load = (uint32_t)ordo_rng_below(r, cap);
        in->type[i] = (unsigned)ordo_rng_below(r, 3);
        k = write_random_node(nodes, sizeof nodes, k, r, i, types[in->type[i]], cap, load, zips,
                              N_ZIPS);
    }
    snprintf(nodes + k, sizeof nodes - k, "]");
    write_random_catalog(cat, sizeof cat, r, 3);
    k = (size_t)snprintf(inv, sizeof inv, "node,sku,on_hand,reserved,safety_stock,as_of\n");
    for (uint32_t i = 0; i < nn; i++) {
        bool capped = ordo_rng_below(r, 3) != 0;
        for (int s = 0; s < 3; s++)
            if (ordo_rng_uniform(r) < 0.8) {
                unsigned safety = ordo_rng_below(r, 5) == 0;
                unsigned on_hand = capped ? 1 + (unsigned)ordo_rng_below(r, 2) + safety
                                          : (unsigned)ordo_rng_below(r, 5);
                k += (size_t)snprintf(inv + k, sizeof inv - k, "N%u,S%d,%u,0,%u,2026-11-01\n", i, s,
                                      on_hand, safety);
            }
    }
    in->net = build_net(nodes, cat, inv);
    in->n_nodes = nn;
    uint32_t nl = 1 + (uint32_t)ordo_rng_below(r, MAX_LINES);
    k = (size_t)snprintf(in->order, sizeof in->order,
                         "{\"id\":\"o\",\"created\":\"2026-03-%02uT%02u:10:00Z\",\"ship_to\":"
                         "{\"zip\":\"%s\"},\"service_level\":\"%s\",\"lines\":[",
                         2 + (unsigned)ordo_rng_below(r, 20), (unsigned)ordo_rng_below(r, 24),
                         zips[ordo_rng_below(r, N_ZIPS)],
                         ordo_rng_below(r, 3) ? "standard" : "express");
    write_random_lines(in->order, sizeof in->order, k, r, 3, nl, qty_mostly_2_3);
}

/* The brute force's state: the instance, each line's ways of dividing its
 * quantity among the nodes, and the best score found. */
typedef struct brute {
    ordo_engine_t *eng;
    const ordo_policy_t *p;
    const ordo_order_t *o;
    ordo_arena_t *a;
    uint32_t nn, M;
    uint32_t n_ways[MAX_LINES];
    uint8_t ways[MAX_LINES][128][MAX_NODES]; /* units of line i from node n */
    uint8_t pick[MAX_LINES];                 /* the way chosen per line */
    bool found;
    double best[8];
    uint32_t dim;
    uint64_t priced;
} brute_t;

static bool better(const double *v, const double *best, uint32_t dim)
{
    for (uint32_t d = 0; d < dim; d++) {
        double diff = v[d] - best[d];
        if (fabs(diff) > 1e-9 * (1 + fabs(best[d])))
            return diff > 0;
    }
    return false;
}

/* Price the plan the chosen ways make (a shipment per node used). */
static void brute_price(brute_t *b)
{
    ordo_plan_spec_shipment_t sh[MAX_NODES];
    ordo_plan_line_t lines[MAX_NODES][MAX_LINES];
    uint32_t k = 0;
    for (uint32_t n = 0; n < b->nn; n++) {
        uint32_t m = 0;
        for (uint32_t i = 0; i < b->o->n_lines; i++) {
            uint32_t q = b->ways[i][b->pick[i]][n];
            if (q)
                lines[k][m++] =
                    (ordo_plan_line_t){.line = i, .sku = b->o->lines[i].sku, .quantity = q};
        }
        if (m) {
            sh[k] = (ordo_plan_spec_shipment_t){n, ORDO_SERVICE_BEST, m, lines[k]};
            k++;
        }
    }
    if (k > b->M)
        return;
    ordo_plan_spec_t spec = {k, sh};
    ordo_arena_mark_t mk = ordo_arena_mark(b->a);
    ordo_plan_t *plan;
    ordo_error_t err = {0};
    assert_int_equal(ordo_source_price(b->eng, b->p, b->o, &spec, b->a, &plan, &err), ORDO_OK);
    b->priced++;
    if (plan->n_backorders == 0 &&
        (!b->found || better(plan->score_vec, b->best, plan->score_dim))) {
        b->found = true;
        b->dim = plan->score_dim;
        memcpy(b->best, plan->score_vec, sizeof(double) * plan->score_dim);
    }
    ordo_arena_rewind(b->a, mk);
}

/* Every combination of the lines' ways, pruned when the nodes used already
 * exceed max_shipments. */
static void brute_lines(brute_t *b, uint32_t i, uint32_t used)
{
    if (i == b->o->n_lines) {
        brute_price(b);
        return;
    }
    for (uint32_t w = 0; w < b->n_ways[i]; w++) {
        uint32_t u = used;
        for (uint32_t n = 0; n < b->nn; n++)
            if (b->ways[i][w][n])
                u |= 1u << n;
        if ((uint32_t)__builtin_popcount(u) > b->M)
            continue;
        b->pick[i] = (uint8_t)w;
        brute_lines(b, i + 1, u);
    }
}

/* Every vector of units per node (at most each node's ATP) summing to the
 * line's quantity, from node n on; one node only unless split. */
static void line_ways(brute_t *b, uint32_t i, const int32_t *atp, bool split, uint32_t n,
                      uint32_t left, uint8_t *cur)
{
    if (n == b->nn) {
        uint32_t nz = 0;
        for (uint32_t j = 0; j < b->nn; j++)
            nz += cur[j] > 0;
        if (left == 0 && (split || nz == 1) && b->n_ways[i] < 128)
            memcpy(b->ways[i][b->n_ways[i]++], cur, MAX_NODES);
        return;
    }
    for (uint32_t q = 0; q <= left && (int32_t)q <= atp[n]; q++) {
        cur[n] = (uint8_t)q;
        line_ways(b, i, atp, split, n + 1, left - q, cur);
    }
    cur[n] = 0;
}

/* The ways of every line; *unit_lines: the search lines the engine takes
 * with split lines cut into units (its search is exact when ≤ 6). */
static void brute_setup(brute_t *b, const inst_t *in, unsigned types, bool allow_split,
                        uint32_t *unit_lines)
{
    *unit_lines = 0;
    for (uint32_t i = 0; i < b->o->n_lines; i++) {
        int32_t atp[MAX_NODES];
        uint32_t q = b->o->lines[i].quantity, total = 0;
        bool full = false;
        for (uint32_t n = 0; n < b->nn; n++) {
            int64_t cell = ordo_inventory_cell(in->net->inventory, n, b->o->lines[i].sku);
            atp[n] = cell >= 0 ? ordo_inventory_atp(in->net->inventory, (uint32_t)cell) : 0;
            if (atp[n] < 0)
                atp[n] = 0;
            if (types & (1u << in->type[n])) {
                total += (uint32_t)atp[n];
                full |= (uint32_t)atp[n] >= q;
            }
        }
        bool split = allow_split && !full && total >= q;
        *unit_lines += split ? q : 1;
        uint8_t cur[MAX_NODES] = {0};
        b->n_ways[i] = 0;
        line_ways(b, i, atp, split, 0, q, cur);
        assert_true(b->n_ways[i] < 128);
    }
}

/* The engine's plan priced as given: no violation, the same score. */
static void check_plan_prices(ordo_engine_t *eng, const ordo_policy_t *p, const ordo_order_t *o,
                              const ordo_plan_t *plan, ordo_arena_t *a)
{
    ordo_plan_spec_shipment_t sh[8];
    for (uint32_t s = 0; s < plan->n_shipments; s++)
        sh[s] = (ordo_plan_spec_shipment_t){plan->shipments[s].node, plan->shipments[s].service,
                                            plan->shipments[s].n_lines, plan->shipments[s].lines};
    ordo_plan_spec_t spec = {plan->n_shipments, sh};
    ordo_plan_t *priced;
    ordo_error_t err = {0};
    assert_int_equal(ordo_source_price(eng, p, o, &spec, a, &priced, &err), ORDO_OK);
    if (priced->n_backorders)
        fprintf(stderr, "engine plan violates %s\n", priced->backorders[0].reason);
    assert_int_equal(priced->n_backorders, 0);
}

typedef struct tally {
    uint32_t instances, feasible, split, exact, exact_split, bounded, bounded_optimal, failed;
    double gap_sum;
    uint64_t priced;
} tally_t;

/* With signals: a random snapshot on every instance's engine (rates up and
 * down, an outage, capacity, pick cost, backlogs, a degraded or closed
 * node), seen alike by the search and the brute force's pricing. */
static bool with_signals;

static void random_signals(ordo_rng_t *r, const ordo_network_t *net, ordo_engine_t *eng)
{
    char doc[4096];
    size_t n = 0;
    const char *from = "\"effective_from\":\"2000-01-01T00:00:00Z\"";
    for (uint32_t s = 0; s < net->n_services; s++)
        if (ordo_rng_below(r, 2))
            n += (size_t)snprintf(doc + n, sizeof doc - n,
                                  "{\"kind\":\"rate\",\"carrier\":\"%s\",\"service\":\"%s\",%s,"
                                  "\"rate_multiplier\":%.2f,\"fuel_surcharge_pct\":%u}\n",
                                  net->services[s].carrier, net->services[s].id, from,
                                  0.5 + ordo_rng_below(r, 100) / 100.0,
                                  (unsigned)ordo_rng_below(r, 30));
    if (ordo_rng_below(r, 2))
        n += (size_t)snprintf(doc + n, sizeof doc - n,
                              "{\"kind\":\"carrier_outage\",\"carrier\":\"%s\",\"service\":\"%s\","
                              "%s,\"region\":\"%s\"}\n",
                              net->services[0].carrier, net->services[0].id, from,
                              ordo_rng_below(r, 2) ? "northeast" : "south");
    for (uint32_t k = 0; k < net->n_nodes; k++) {
        uint32_t kind = (uint32_t)ordo_rng_below(r, 6), v = 1 + (uint32_t)ordo_rng_below(r, 9);
        uint32_t w = (uint32_t)ordo_rng_below(r, 40);
        char body[160];
        if (kind == 0)
            snprintf(body, sizeof body,
                     "\"kind\":\"labour\",\"capacity\":%u,\"labour_rate\":%u,"
                     "\"picks_per_hour\":20",
                     v * 10, w);
        else if (kind == 1)
            snprintf(body, sizeof body, "\"kind\":\"backlog\",\"units\":%u", v * w);
        else if (kind == 2)
            snprintf(body, sizeof body,
                     "\"kind\":\"node_status\",\"status\":\"degraded\",\"capacity_factor\":0.%u",
                     v);
        else if (kind == 3)
            snprintf(body, sizeof body, "\"kind\":\"node_status\",\"status\":\"closed\"");
        else
            continue;
        n += (size_t)snprintf(doc + n, sizeof doc - n, "{\"node\":\"%s\",%s,%s}\n",
                              net->nodes[k].id, from, body);
    }
    ordo_signal_list_t l = {0};
    ordo_error_t err = {0};
    int rc = ordo_signals_parse(doc, n, net, "random", 1, 1, true, &l, &err);
    if (rc)
        fprintf(stderr, "signals line %ld %s: %s\n%s", err.line, err.field, err.msg, doc);
    assert_int_equal(rc, ORDO_OK);
    ordo_signals_t *snap;
    assert_int_equal(ordo_signals_build(net, l.sig, l.n, 1, &snap, &err), ORDO_OK);
    ordo_signal_list_free(&l);
    ordo_engine_set_signals(eng, snap);
}

/* One instance: the engine against the brute force; false on a failure. */
static bool run_instance(ordo_rng_t *r, ordo_arena_t *a, tally_t *t, int it)
{
    inst_t in;
    make_instance(r, &in);
    uint32_t ti = (uint32_t)ordo_rng_below(r, N_TEMPLATES);
    uint32_t M = 1 + (uint32_t)ordo_rng_below(r, 4);
    bool allow_split = ordo_rng_below(r, 4) != 0;
    char pj[1024];
    snprintf(pj, sizeof pj, templates[ti].json, M, allow_split ? "true" : "false");
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(in.net, NULL, &eng, &err), ORDO_OK);
    if (with_signals)
        random_signals(r, in.net, eng);
    ordo_policy_t *p = policy_from(pj);
    ordo_arena_reset(a);
    ordo_order_t o;
    parse_order(in.net, a, in.order, &o);
    ordo_plan_t *plan = decide(eng, p, &o, a, it % 11 == 0);
    brute_t *b = ordo_arena_calloc(a, 1, sizeof *b);
    assert_non_null(b);
    *b = (brute_t){.eng = eng, .p = p, .o = &o, .a = a, .nn = in.n_nodes, .M = M};
    uint32_t unit_lines;
    brute_setup(b, &in, templates[ti].types, allow_split, &unit_lines);
    brute_lines(b, 0, 0);
    t->instances++;
    t->priced += b->priced;
    t->feasible += b->found;
    t->split += b->found && unit_lines > o.n_lines;
    bool ok = plan->status == ORDO_PLAN_OK;
    bool exact = ok ? !strcmp(plan->search, "exact") : unit_lines <= ORDO_SOURCE_EXACT_MAX_LINES;
    bool fail = false;
    if (ok)
        check_plan_prices(eng, p, &o, plan, a);
    if (b->found && !ok && exact)
        fail = true; /* a feasible plan the exact search did not find */
    else if (ok && !b->found)
        fail = true; /* the brute force must see the engine's plan */
    else if (ok && exact) {
        t->exact++;
        t->exact_split += unit_lines > o.n_lines;
        fail = lex_cmp(plan->score_vec, b->best, b->dim) != 0;
    } else if (ok) {
        t->bounded++;
        int c = lex_cmp(plan->score_vec, b->best, b->dim);
        fail = c > 0;
        t->bounded_optimal += c == 0;
        if (b->dim == 1 && c < 0)
            t->gap_sum += b->best[0] - plan->score_vec[0];
    }
    if (fail && t->failed++ < 5) {
        fprintf(stderr,
                "instance %d (%s, M %u, split %d): engine %s %s %.6f, brute force %s %.6f\n"
                "  order %s\n",
                it, p->name, M, allow_split, ordo_plan_status_name(plan->status),
                ok ? plan->search : "-", ok ? plan->score_vec[0] : 0.0,
                b->found ? "feasible" : "infeasible", b->found ? b->best[0] : 0.0, in.order);
    }
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(in.net);
    return !fail;
}

static void test_exact_with_splits_matches_brute_force(void **state)
{
    (void)state;
    ordo_rng_t r;
    ordo_rng_seed(&r, 20261206);
    ordo_arena_t *a = ordo_arena_create(0);
    tally_t t = {0};
    const int iters = 4000;
    for (int it = 0; it < iters; it++)
        run_instance(&r, a, &t, it);
    fprintf(stderr,
            "%u instances, %u feasible (%u with a split line), %llu plans priced; exact %u "
            "(%u with a split line), bounded %u (%u optimal; one-number scores: total gap %.4f); "
            "%u failed\n",
            t.instances, t.feasible, t.split, (unsigned long long)t.priced, t.exact, t.exact_split,
            t.bounded, t.bounded_optimal, t.gap_sum, t.failed);
    assert_int_equal(t.failed, 0);
    /* the generator must exercise splits, infeasible orders and both searches */
    /* 343 of 4,000 with the service floors of the level (express orders
     * below 0.5 on time are infeasible), 512 before them */
    assert_true(t.exact_split > (uint32_t)iters / 20);
    assert_true(t.feasible < t.instances);
    assert_true(t.bounded > 0);
    ordo_arena_destroy(a);
}

/* The same with a random signal snapshot on each instance: the bounds
 * under rate multipliers below 1, outages, capacity and pick-cost signals
 * stay bounds, and the exact search stays exact. */
static void test_exact_with_signals_matches_brute_force(void **state)
{
    (void)state;
    ordo_rng_t r;
    ordo_rng_seed(&r, 20261207);
    ordo_arena_t *a = ordo_arena_create(0);
    tally_t t = {0};
    with_signals = true;
    for (int it = 0; it < 1500; it++)
        run_instance(&r, a, &t, it);
    with_signals = false;
    fprintf(stderr, "signals: %u instances, %u feasible, exact %u, bounded %u; %u failed\n",
            t.instances, t.feasible, t.exact, t.bounded, t.failed);
    assert_int_equal(t.failed, 0);
    assert_true(t.exact > 100);
    ordo_arena_destroy(a);
}

/* Five DCs stocking one SKU, none with the three units ordered: two units
 * across the country, one unit at each of three DCs near the customer. The
 * search tries 1+1+1 from the near DCs (pieces sized by the largest stocks,
 * 2+1, made the far DC ship two). A seven-unit line is too large for unit
 * pieces within the exact search: its plan says "bounded". */
static ordo_network_t *scarce_net(const unsigned *on_hand)
{
    static const char *const where[] = {"98101", "94103", "10001", "08817", "19103"};
    char nodes[4096], inv[512];
    size_t k = (size_t)snprintf(nodes, sizeof nodes, "[");
    size_t ki = (size_t)snprintf(inv, sizeof inv, "node,sku,on_hand,reserved,safety_stock,as_of\n");
    for (unsigned i = 0; i < 5; i++) {
        k += (size_t)snprintf(
            nodes + k, sizeof nodes - k,
            "%s{\"id\":\"N%u\",\"type\":\"dc\",\"zip\":\"%s\",\"capabilities\":[\"ship\"],"
            "\"daily_capacity\":1000,\"current_load\":0,\"pick_cost_per_unit\":0.5,"
            "\"pack_cost_per_shipment\":1,\"cutoff_hour\":14,\"processing_days\":0,"
            "\"priority\":0,\"services\":[\"parcel_ground\"]}",
            i ? "," : "", i, where[i]);
        ki += (size_t)snprintf(inv + ki, sizeof inv - ki, "N%u,S0,%u,0,0,2026-11-01\n", i,
                               on_hand[i]);
    }
    snprintf(nodes + k, sizeof nodes - k, "]");
    return build_net(nodes,
                     "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate\n"
                     "S0,home,12,14,12,10,60,0.05\n",
                     inv);
}

static void test_three_units_from_three_nodes(void **state)
{
    (void)state;
    const unsigned on_hand[5] = {2, 1, 1, 1, 1};
    ordo_network_t *net = scarce_net(on_hand);
    ordo_engine_t *eng;
    ordo_error_t err = {0};
    assert_int_equal(ordo_engine_create(net, NULL, &eng, &err), ORDO_OK);
    ordo_policy_t *p;
    assert_int_equal(ordo_policy_builtin("cost-optimized", &p, &err), ORDO_OK);
    ordo_arena_t *a = ordo_arena_create(0);
    ordo_order_t o;
    parse_order(net, a,
                "{\"id\":\"o\",\"created\":\"2026-03-02T10:00:00Z\",\"ship_to\":{\"zip\":"
                "\"10001\"},\"lines\":[{\"sku\":\"S0\",\"quantity\":3}]}",
                &o);
    ordo_plan_t *plan = decide(eng, p, &o, a, false);
    assert_int_equal(plan->status, ORDO_PLAN_OK);
    assert_string_equal(plan->search, "exact");
    assert_int_equal(plan->n_shipments, 3);
    for (uint32_t s = 0; s < 3; s++) {
        assert_true(plan->shipments[s].node >= 2); /* the near DCs */
        assert_int_equal(plan->shipments[s].units, 1);
    }
    /* the plan the 2+1 pieces found: two units from Seattle, one from NYC */
    ordo_plan_line_t two = {.line = 0, .quantity = 2}, one = {.line = 0, .quantity = 1};
    ordo_plan_spec_shipment_t sh[2] = {{0, ORDO_SERVICE_BEST, 1, &two},
                                       {2, ORDO_SERVICE_BEST, 1, &one}};
    ordo_plan_spec_t spec = {2, sh};
    ordo_plan_t *old;
    assert_int_equal(ordo_source_price(eng, p, &o, &spec, a, &old, &err), ORDO_OK);
    assert_int_equal(old->n_backorders, 0);
    fprintf(stderr, "1+1+1 near: $%.2f; 2 far + 1 near: $%.2f\n", plan->cost.total,
            old->cost.total);
    assert_true(plan->score > old->score);
    assert_true(plan->cost.total < old->cost.total);

    /* seven units over 2+2+2+2+2: unit pieces would be 7 search lines */
    ordo_policy_t *p4 = policy_from(
        "{\"name\":\"split4\",\"fallback_nearest\":false,\"constraints\":{\"max_shipments\":4,"
        "\"allow_line_split\":true},\"strategies\":[{\"name\":\"w\",\"type\":\"weighted\"}]}");
    const unsigned twos[5] = {2, 2, 2, 2, 2};
    ordo_network_t *net2 = scarce_net(twos);
    ordo_engine_t *eng2;
    assert_int_equal(ordo_engine_create(net2, NULL, &eng2, &err), ORDO_OK);
    parse_order(net2, a,
                "{\"id\":\"o\",\"created\":\"2026-03-02T10:00:00Z\",\"ship_to\":{\"zip\":"
                "\"10001\"},\"lines\":[{\"sku\":\"S0\",\"quantity\":7}]}",
                &o);
    plan = decide(eng2, p4, &o, a, false);
    assert_int_equal(plan->status, ORDO_PLAN_OK);
    assert_string_equal(plan->search, "bounded");
    /* six units over the same stock fit as unit pieces: exact */
    o.lines[0].quantity = 6;
    plan = decide(eng2, p4, &o, a, false);
    assert_int_equal(plan->status, ORDO_PLAN_OK);
    assert_string_equal(plan->search, "exact");
    assert_int_equal(plan->n_search_lines, 6);
    ordo_policy_destroy(p4);
    ordo_engine_destroy(eng2);
    ordo_network_destroy(net2);
    ordo_policy_destroy(p);
    ordo_arena_destroy(a);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_with_splits_matches_brute_force),
        cmocka_unit_test(test_exact_with_signals_matches_brute_force),
        cmocka_unit_test(test_three_units_from_three_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
