/* SPDX-License-Identifier: Apache-2.0 */
/* bench_split — orders whose line must be split: ship-from-store on the
 * benchmark network, one line per SKU with one unit more than any store
 * holds (at most --max-qty, default 6), to a ZIP drawn uniformly. Prints
 * the plans' mean landed cost and shipments, the search each says (exact,
 * bounded, beam), shipment evaluations per decision and latency.
 *
 *   bench_split [--dir DIR] [--orders N] [--max-qty Q]
 *
 * DIR is bench_source's network cache (generated here when missing, 1,000
 * nodes and 100,000 SKUs, the same seed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ordo/ordo.h"
#include "ordo/source.h"

#include "bench_util.h"

static const char *const policy_json =
    "{\"name\":\"stores-cost\",\"constraints\":{\"max_shipments\":3,\"allow_line_split\":true,"
    "\"node_types\":[\"store\"]},\"strategies\":[{\"name\":\"min-landed-cost\",\"type\":"
    "\"weighted\",\"weights\":{\"cost\":1,\"on_time\":2,\"return_risk\":0,\"load\":1,"
    "\"split\":0}}]}";

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The most units one store holds of SKU s, and all stores together. */
static int32_t store_max(const ordo_network_t *net, uint32_t s, int64_t *total)
{
    ordo_stock_range_t rg = ordo_inventory_sku_cells(net->inventory, s);
    int32_t mx = 0;
    *total = 0;
    for (uint32_t c = rg.begin; c < rg.end; c++) {
        if (net->nodes[ordo_inventory_cell_node(net->inventory, c)].type != ORDO_NODE_STORE)
            continue;
        int32_t v = ordo_inventory_atp(net->inventory, c);
        mx = v > mx ? v : mx;
        *total += v > 0 ? v : 0;
    }
    return mx;
}

static void run(ordo_network_t *net, ordo_engine_t *eng, const ordo_policy_t *p, uint32_t max_n,
                uint32_t max_q)
{
    ordo_rng_t r;
    ordo_rng_seed(&r, 11);
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    ordo_order_line_t line;
    ordo_order_t o = {.id = "S", .customer_id = "", .cohort = "", .channel = "web"};
    o.level = ORDO_LEVEL_STANDARD;
    o.pickup_node = -1;
    o.residential = true;
    o.n_lines = 1;
    o.lines = &line;
    uint64_t *lat = malloc(sizeof *lat * max_n);
    uint32_t n = 0, ok = 0, exact = 0, bounded = 0, beam = 0, ships = 0;
    double cost = 0, ev = 0;
    size_t nz = ordo_geo_count(net->geo);
    for (uint32_t s = 0; s < net->n_skus && n < max_n; s++) {
        int64_t total;
        int32_t mx = store_max(net, s, &total);
        if (mx < 1 || (uint32_t)mx + 1 > max_q || total < mx + 1)
            continue;
        o.created = 1795000000 + (int64_t)ordo_rng_below(&r, 86400 * 30);
        const ordo_zip_t *z = ordo_geo_at(net->geo, ordo_rng_below(&r, nz));
        o.ship_zip = z->zip;
        o.ship_zip3 = z->zip3;
        memcpy(o.state, z->state, 3);
        line.sku = s;
        line.quantity = (uint32_t)mx + 1;
        ordo_arena_reset(a);
        ordo_plan_t *pl;
        ordo_error_t err;
        uint64_t t0 = ordo_now_ns();
        if (ordo_source_decide(eng, p, &o, NULL, a, &pl, &err)) {
            fprintf(stderr, "decide: %s\n", err.msg);
            exit(1);
        }
        lat[n++] = ordo_now_ns() - t0;
        ev += pl->evaluated;
        if (pl->status != ORDO_PLAN_OK)
            continue;
        ok++;
        cost += pl->cost.total;
        ships += pl->n_shipments;
        exact += !strcmp(pl->search, "exact");
        bounded += !strcmp(pl->search, "bounded");
        beam += !strcmp(pl->search, "beam");
    }
    qsort(lat, n, sizeof *lat, cmp_u64);
    printf("%u orders (one line, 2-%u units, more than any store holds): %u planned (search exact "
           "%u, bounded %u, beam %u); mean landed cost $%.2f, %.2f shipments; %.1f shipment "
           "evaluations/decision; p50 %.1f us p99 %.1f us\n",
           n, max_q, ok, exact, bounded, beam, ok ? cost / ok : 0, ok ? (double)ships / ok : 0,
           n ? ev / n : 0, n ? lat[n / 2] / 1e3 : 0, n ? lat[(size_t)(n * 0.99)] / 1e3 : 0);
    free(lat);
    ordo_arena_destroy(a);
}

int main(int argc, char **argv)
{
    uint32_t max_n = 4000, max_q = 6;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/bench-network", ORDO_BINARY_DIR);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            snprintf(dir, sizeof dir, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--orders") && i + 1 < argc)
            max_n = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--max-qty") && i + 1 < argc)
            max_q = (uint32_t)atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_split [--dir DIR] [--orders N] [--max-qty Q]\n");
            return 2;
        }
    }
    char sub[600], probe[700];
    snprintf(sub, sizeof sub, "%s/n1000-s100000", dir);
    snprintf(probe, sizeof probe, "%s/inventory.csv", sub);
    struct stat st;
    ordo_error_t err = {0};
    if (stat(probe, &st) != 0) {
        ordo_generate_options_t g = {0};
        g.dcs = 20;
        g.dropshippers = 80;
        g.stores = 900;
        g.skus = 100000;
        g.seed = 42;
        g.name = "bench";
        if (ordo_network_generate(&g, NULL, sub, &err)) {
            fprintf(stderr, "generate: %s\n", err.msg);
            return 1;
        }
    }
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_policy_t *p;
    if (ordo_network_load(sub, NULL, &net, &err) || ordo_engine_create(net, NULL, &eng, &err) ||
        ordo_policy_parse(policy_json, strlen(policy_json), "stores-cost", &p, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    run(net, eng, p, max_n, max_q < 2 ? 2 : max_q);
    ordo_policy_destroy(p);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
    return 0;
}
