/* SPDX-License-Identifier: Apache-2.0 */
/* ordo network generate | info */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int parse_u32_arg(const char *cmd, const char *flag, const char *s, uint32_t *out)
{
    if (ordo_parse_u32(s, strlen(s), out))
        return ordo_cli_usage(cmd, "%s wants a non-negative integer, got '%s'", flag, s);
    return 0;
}

static void print_summary(const char *dir, const ordo_network_t *net, bool json)
{
    ordo_network_summary_t s;
    ordo_network_summarize(net, &s);
    if (json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 1);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "network", dir);
        ordo_jsonw_kstr(&w, "name", net->name);
        ordo_jsonw_key(&w, "nodes");
        ordo_jsonw_obj_begin(&w);
        for (int t = 0; t < ORDO_NODE_TYPES; t++)
            ordo_jsonw_kint(&w, ordo_node_type_name((ordo_node_type_t)t), s.nodes_by_type[t]);
        ordo_jsonw_kint(&w, "active", s.active_nodes);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_kint(&w, "carrier_services", net->n_services);
        ordo_jsonw_kint(&w, "skus", s.n_skus);
        ordo_jsonw_kint(&w, "families", net->n_families);
        ordo_jsonw_kint(&w, "inventory_records", (int64_t)s.inventory_records);
        ordo_jsonw_kint(&w, "total_units", (int64_t)s.total_units);
        ordo_jsonw_key(&w, "units_by_type");
        ordo_jsonw_obj_begin(&w);
        for (int t = 0; t < ORDO_NODE_TYPES; t++)
            ordo_jsonw_kint(&w, ordo_node_type_name((ordo_node_type_t)t),
                            (int64_t)s.units_by_type[t]);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_kint(&w, "us_population", (int64_t)s.us_population);
        ordo_jsonw_kdouble(&w, "population_share_zone_1_2", s.pop_share_zone_1_2);
        ordo_jsonw_kdouble(&w, "population_share_zone_1_4", s.pop_share_zone_1_4);
        ordo_jsonw_kdouble(&w, "mean_nearest_zone", s.mean_zone);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
        return;
    }
    printf("network %s (%s)\n", dir, net->name[0] ? net->name : "unnamed");
    printf("  nodes              %u dc, %u store, %u dropship (%u active)\n",
           s.nodes_by_type[ORDO_NODE_DC], s.nodes_by_type[ORDO_NODE_STORE],
           s.nodes_by_type[ORDO_NODE_DROPSHIP], s.active_nodes);
    printf("  carrier services   %u\n", net->n_services);
    printf("  SKUs               %u in %u families\n", s.n_skus, net->n_families);
    printf("  inventory records  %llu\n", (unsigned long long)s.inventory_records);
    printf("  units on hand      %llu (dc %llu, store %llu, dropship %llu)\n",
           (unsigned long long)s.total_units, (unsigned long long)s.units_by_type[0],
           (unsigned long long)s.units_by_type[1], (unsigned long long)s.units_by_type[2]);
    printf("  US population      %.1f%% within zone 1-2, %.1f%% within zone 1-4 of a node\n",
           100 * s.pop_share_zone_1_2, 100 * s.pop_share_zone_1_4);
    printf("  nearest-node zone  %.2f on average (population-weighted)\n", s.mean_zone);
}

static int cmd_info(const ordo_cli_args_t *a)
{
    ordo_error_t err = {0};
    ordo_network_t *net;
    int rc = ordo_cli_network_load(a->pos[0], &net, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, a->json);
    print_summary(a->pos[0], net, a->json);
    ordo_network_destroy(net);
    return ORDO_EXIT_OK;
}

/* The generator's options from the flags; 0 or a usage exit code. */
static int generate_options(const ordo_cli_args_t *a, ordo_generate_options_t *o)
{
    static const struct {
        const char *name;
        size_t offset;
    } counts[] = {{"dcs", offsetof(ordo_generate_options_t, dcs)},
                  {"stores", offsetof(ordo_generate_options_t, stores)},
                  {"dropshippers", offsetof(ordo_generate_options_t, dropshippers)},
                  {"skus", offsetof(ordo_generate_options_t, skus)}};
    const char *cmd = "network generate";
    int rc;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        const char *v = ordo_cli_get(a, counts[i].name);
        char flag[32];
        snprintf(flag, sizeof flag, "--%s", counts[i].name);
        if (v && (rc = parse_u32_arg(cmd, flag, v, (uint32_t *)((char *)o + counts[i].offset))))
            return rc;
    }
    const char *seed = ordo_cli_get(a, "seed");
    if (seed) {
        int64_t v;
        if (ordo_parse_i64(seed, strlen(seed), &v))
            return ordo_cli_usage(cmd, "--seed wants an integer, got '%s'", seed);
        o->seed = (uint64_t)v;
    }
    o->name = ordo_cli_get(a, "name");
    return 0;
}

static int cmd_generate(const ordo_cli_args_t *a)
{
    ordo_generate_options_t o = {8, 120, 6, 5000, 1, NULL};
    const char *out = ordo_cli_get(a, "out");
    int rc = generate_options(a, &o);
    if (rc)
        return rc;
    if (!out)
        return ordo_cli_usage("network generate", "--out DIR is required");
    if (!strcmp(out, "-")) /* three files: standard output cannot hold them */
        return ordo_cli_usage("network generate", "--out wants a directory, not '-'");
    ordo_error_t err = {0};
    if (ordo_mkdir_p(out, &err)) { /* the output cannot be created */
        ordo_cli_fail(&err, err.code, a->json);
        return ORDO_EXIT_CANTCREAT;
    }
    if ((rc = ordo_network_generate(&o, NULL, out, &err)))
        return ordo_cli_fail(&err, rc, a->json);
    ordo_network_t *net;
    if ((rc = ordo_network_load(out, NULL, &net, &err)))
        return ordo_cli_fail(&err, rc, a->json);
    print_summary(out, net, a->json);
    ordo_network_destroy(net);
    return ORDO_EXIT_OK;
}

static const ordo_cli_opt_t gen_opts[] = {
    {"out", 0, "DIR", "the directory to write (required)"},
    {"dcs", 0, "N", "distribution centers (default 8)"},
    {"stores", 0, "M", "stores (default 120)"},
    {"dropshippers", 0, "K", "drop-ship suppliers (default 6)"},
    {"skus", 0, "S", "catalog size (default 5000)"},
    {"seed", 0, "X", "random seed (default 1)"},
    {"name", 0, "NAME", "network name (default \"generated\")"},
    {"json", 0, NULL, "print the summary as JSON"},
    {NULL, 0, NULL, NULL}};

static const ordo_cli_cmd_t cmd_gen = {
    .name = "generate",
    .summary = "build a network on real US geography",
    .usage = "network generate --out DIR [--dcs N] [--stores M] [--dropshippers K]\n"
             "                 [--skus S] [--seed X] [--name NAME] [--json]",
    .about = "Builds a fulfillment network on real US geography: DCs in large metros, stores\n"
             "in cities weighted by population, drop-ship suppliers, a catalog with product\n"
             "families, and inventory (deep at DCs, shallow at stores, sparse in the long\n"
             "tail). Writes network.json, catalog.csv and inventory.csv into DIR. The same\n"
             "seed gives the same files.",
    .examples = "ordo network generate --out net --dcs 3 --stores 20 --skus 400 --seed 9",
    .opts = gen_opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_generate,
};

static const ordo_cli_cmd_t cmd_info_ = {
    .name = "info",
    .summary = "validate a network and print its summary",
    .usage = "network info DIR [--json]",
    .about = "Loads and validates the network in DIR and prints nodes by type, SKU count,\n"
             "total units, and the share of the US population within zone 1-2 and zone\n"
             "1-4 of some shipping node.",
    .examples = "ordo network info docs/examples/network --json",
    .min_pos = 1,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = cmd_info,
};

static const ordo_cli_cmd_t *const subs[] = {&cmd_gen, &cmd_info_, NULL};

const ordo_cli_cmd_t ordo_cmd_network = {
    .name = "network",
    .summary = "generate or inspect a fulfillment network",
    .usage = "network generate --out DIR [options]\nnetwork info DIR [--json]",
    .about = "A network is nodes (DCs, stores, drop-shippers), carrier services, a catalog\n"
             "and inventory, in a directory (docs/formats.md).",
    .examples = "ordo network info docs/examples/network",
    .subs = subs,
};
