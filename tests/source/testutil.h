/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the source tests: the fixture network, orders from
 * inline JSON, and random small networks built through the public parsers. */
#ifndef ORDO_TEST_SOURCE_UTIL_H
#define ORDO_TEST_SOURCE_UTIL_H

#include <cjson/cJSON.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/ordo.h"
#include "ordo/source.h"

/* The fixture network, policies and orders from inline JSON: the policy
 * tests' helpers (the source module links the policy module). */
#include "../policy/policy_test_util.h"

static inline ordo_plan_t *decide(ordo_engine_t *eng, const ordo_policy_t *p, const ordo_order_t *o,
                                  ordo_arena_t *a, bool explain)
{
    ordo_error_t err = {0};
    ordo_decide_opts_t opts = {0};
    opts.explain = explain;
    ordo_plan_t *plan = NULL;
    int rc = ordo_source_decide(eng, p, o, &opts, a, &plan, &err);
    if (rc)
        fprintf(stderr, "decide: %s (%s)\n", err.msg, err.field);
    assert_int_equal(rc, ORDO_OK);
    assert_non_null(plan);
    return plan;
}

/* A plan given as text (ordo_plan_spec_parse), priced by the engine. */
static inline ordo_plan_t *price_text(ordo_engine_t *eng, const ordo_policy_t *p,
                                      const ordo_order_t *o, const char *spec_text, ordo_arena_t *a)
{
    ordo_error_t err = {0};
    ordo_plan_spec_t spec;
    assert_int_equal(ordo_plan_spec_parse(spec_text, strlen(spec_text), ordo_engine_network(eng), o,
                                          a, &spec, &err),
                     ORDO_OK);
    ordo_plan_t *plan;
    assert_int_equal(ordo_source_price(eng, p, o, &spec, a, &plan, &err), ORDO_OK);
    return plan;
}

static inline const char *plan_node(const ordo_network_t *net, const ordo_plan_t *p, uint32_t s)
{
    assert_true(s < p->n_shipments);
    return net->nodes[p->shipments[s].node].id;
}

static inline char *plan_json(const ordo_plan_t *p, const ordo_network_t *net)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_plan_write_json(p, net, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    return b.data; /* malloc'd */
}

static inline char *read_text(const char *path, size_t *len)
{
    char *data = NULL;
    size_t n = 0;
    ordo_error_t err = {0};
    int rc = ordo_read_file(path, &data, &n, &err);
    if (rc)
        fprintf(stderr, "read %s: %s\n", path, err.msg);
    assert_int_equal(rc, ORDO_OK);
    if (len)
        *len = n;
    return data;
}

/* A network from the fixture's carrier services plus the given nodes JSON
 * array, `returns` JSON array (NULL: none), catalog CSV and inventory CSV. */
static inline ordo_network_t *build_net_returns(const char *nodes_json, const char *returns_json,
                                                const char *catalog, const char *inventory)
{
    char *text = read_text(FIXTURE_NET "/network.json", NULL);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    cJSON_DeleteItemFromObject(root, "nodes");
    cJSON *nodes = cJSON_Parse(nodes_json);
    assert_non_null(nodes);
    cJSON_AddItemToObject(root, "nodes", nodes);
    if (returns_json) {
        cJSON *ret = cJSON_Parse(returns_json);
        assert_non_null(ret);
        cJSON_AddItemToObject(root, "returns", ret);
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    ordo_network_t *net = ordo_network_new(NULL);
    assert_non_null(net);
    ordo_error_t err = {0};
    int rc = ordo_network_parse_json(net, json, strlen(json), "network.json", &err);
    if (!rc)
        rc = ordo_catalog_parse_csv(net, catalog, strlen(catalog), "catalog.csv", &err);
    if (!rc)
        rc = ordo_inventory_parse_csv(net, inventory, strlen(inventory), "inventory.csv", &err);
    if (!rc)
        rc = ordo_network_finalize(net, &err);
    if (rc)
        fprintf(stderr, "build_net: %s (%s)\n", err.msg, err.field);
    free(json);
    assert_int_equal(rc, ORDO_OK);
    return net;
}

/* build_net_returns with no `returns`. */
static inline ordo_network_t *build_net(const char *nodes_json, const char *catalog,
                                        const char *inventory)
{
    return build_net_returns(nodes_json, NULL, catalog, inventory);
}

/* Two score vectors compared lexicographically with a relative tolerance
 * (1e-6): 1 when a is better, -1 when b is, 0 when they tie. The brute-force
 * tests compare the engine's plans with the best they enumerate by it. */
static inline int lex_cmp(const double *a, const double *b, uint32_t dim)
{
    for (uint32_t d = 0; d < dim; d++) {
        double diff = a[d] - b[d];
        if (fabs(diff) > 1e-6 * (1 + fabs(a[d]) + fabs(b[d])))
            return diff > 0 ? 1 : -1;
    }
    return 0;
}

/* A random catalog of n_skus SKUs "S0".. (three families, sizes, prices
 * and return rates) into cat, as the random-instance tests draw it. */
static inline void write_random_catalog(char *cat, size_t cap, ordo_rng_t *r, int n_skus)
{
    static const char *const fams[] = {"apparel", "home", "toys"};
    size_t k = (size_t)snprintf(
        cat, cap, "sku,family,weight_lb,length_in,width_in,height_in,price,return_rate\n");
    for (int s = 0; s < n_skus; s++)
        k += (size_t)snprintf(cat + k, cap - k, "S%d,%s,%.2f,%.1f,%.1f,%.1f,%.2f,%.3f\n", s,
                              fams[ordo_rng_below(r, 3)], 0.3 + ordo_rng_uniform(r) * 25,
                              4 + ordo_rng_uniform(r) * 20, 4 + ordo_rng_uniform(r) * 15,
                              1 + ordo_rng_uniform(r) * 12, 5 + ordo_rng_uniform(r) * 300,
                              0.02 + ordo_rng_uniform(r) * 0.3);
}

/* Node i of a random network after the text written so far (k bytes of
 * buf), of the given type, daily capacity and current load; its ZIP from
 * zips, pick and pack costs, cutoff, processing days, priority and services
 * drawn from r. Returns the new length. */
static inline size_t write_random_node(char *buf, size_t cap, size_t k, ordo_rng_t *r, uint32_t i,
                                       const char *type, uint32_t capacity, uint32_t load,
                                       const char *const *zips, size_t n_zips)
{
    return k +
           (size_t)snprintf(
               buf + k, cap - k,
               "%s{\"id\":\"N%u\",\"type\":\"%s\",\"zip\":\"%s\",\"capabilities\":[\"ship\"],"
               "\"daily_capacity\":%u,\"current_load\":%u,\"pick_cost_per_unit\":%.2f,"
               "\"pack_cost_per_shipment\":%.2f,\"cutoff_hour\":%u,\"processing_days\":%u,"
               "\"priority\":%u,\"services\":[%s]}",
               i ? "," : "", i, type, zips[ordo_rng_below(r, n_zips)], capacity, load,
               ordo_rng_uniform(r) * 3, ordo_rng_uniform(r) * 3, (unsigned)ordo_rng_below(r, 24),
               (unsigned)ordo_rng_below(r, 2), (unsigned)ordo_rng_below(r, 3),
               ordo_rng_below(r, 2) ? "\"parcel_ground\",\"parcel_two_day\"" : "\"parcel_ground\"");
}

/* A random order's lines after the text written so far (k bytes of buf):
 * nl distinct SKUs "S0".."S<n_skus-1>" in a shuffled order (the order
 * parser wants them distinct), each quantity from qty; then "]}".
 * The generator is drawn in the same order as the tests always did. */
static inline void write_random_lines(char *buf, size_t cap, size_t k, ordo_rng_t *r,
                                      unsigned n_skus, uint32_t nl, unsigned (*qty)(ordo_rng_t *))
{
    unsigned perm[64];
    assert_true(n_skus >= nl && n_skus <= 64);
    for (unsigned i = 0; i < n_skus; i++)
        perm[i] = i;
    for (unsigned i = n_skus - 1; i > 0; i--) {
        unsigned j = (unsigned)ordo_rng_below(r, i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (uint32_t l = 0; l < nl; l++)
        k += (size_t)snprintf(buf + k, cap - k, "%s{\"sku\":\"S%u\",\"quantity\":%u}", l ? "," : "",
                              perm[l], qty(r));
    snprintf(buf + k, cap - k, "]}");
}

/* 1, 2 or 3 units, evenly. */
static inline unsigned qty_1_to_3(ordo_rng_t *r)
{
    return 1 + (unsigned)ordo_rng_below(r, 3);
}

/* The same plan: status, search, shipments and score vector (bit for bit). */
static inline bool same_plan(const ordo_plan_t *a, const ordo_plan_t *b)
{
    if (a->status != b->status || a->n_shipments != b->n_shipments ||
        a->score_dim != b->score_dim ||
        strcmp(a->search ? a->search : "", b->search ? b->search : ""))
        return false;
    if (memcmp(a->score_vec, b->score_vec, sizeof a->score_vec[0] * a->score_dim))
        return false;
    for (uint32_t s = 0; s < a->n_shipments; s++) {
        const ordo_shipment_t *x = &a->shipments[s], *y = &b->shipments[s];
        if (x->node != y->node || x->service != y->service || x->n_lines != y->n_lines)
            return false;
        for (uint32_t l = 0; l < x->n_lines; l++)
            if (x->lines[l].line != y->lines[l].line ||
                x->lines[l].quantity != y->lines[l].quantity)
                return false;
    }
    return true;
}

#endif
