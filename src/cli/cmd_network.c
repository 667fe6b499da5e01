/* ordo network generate | info */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char gen_usage[] =
    "Usage: ordo network generate --out DIR [--dcs N] [--stores M] [--dropshippers K]\n"
    "                             [--skus S] [--seed X] [--name NAME] [--json]\n\n"
    "Builds a fulfillment network on real US geography: DCs in large metros, stores\n"
    "in cities weighted by population, drop-ship suppliers, a catalog with product\n"
    "families, and inventory (deep at DCs, shallow at stores, sparse in the long\n"
    "tail). Writes network.json, catalog.csv and inventory.csv into DIR. The same\n"
    "seed gives the same files.\n\n"
    "  --dcs N            distribution centers (default 8)\n"
    "  --stores M         stores (default 120)\n"
    "  --dropshippers K   drop-ship suppliers (default 6)\n"
    "  --skus S           catalog size (default 5000)\n"
    "  --seed X           random seed (default 1)\n"
    "  --name NAME        network name (default \"generated\")\n"
    "  --json             print the summary as JSON\n";

static const char info_usage[] =
    "Usage: ordo network info DIR [--json]\n\n"
    "Loads and validates the network in DIR and prints nodes by type, SKU count,\n"
    "total units, and the share of the US population within zone 1-2 and zone\n"
    "1-4 of some shipping node.\n";

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

static int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'h') {
            fputs(info_usage, stdout);
            return ORDO_EXIT_OK;
        } else
            return ordo_cli_usage("network info", "bad option");
    }
    if (optind != argc - 1)
        return ordo_cli_usage("network info", "expected one network directory");
    ordo_error_t err = {0};
    ordo_network_t *net;
    int rc = ordo_network_load(argv[optind], NULL, &net, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    print_summary(argv[optind], net, json);
    ordo_network_destroy(net);
    return ORDO_EXIT_OK;
}

static int cmd_generate(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                         {"dcs", required_argument, 0, 'd'},
                                         {"stores", required_argument, 0, 's'},
                                         {"dropshippers", required_argument, 0, 'k'},
                                         {"skus", required_argument, 0, 'u'},
                                         {"seed", required_argument, 0, 'x'},
                                         {"name", required_argument, 0, 'n'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    ordo_generate_options_t o = {8, 120, 6, 5000, 1, NULL};
    const char *out = NULL;
    bool json = false;
    const char *cmd = "network generate";
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'd':
            if ((rc = parse_u32_arg(cmd, "--dcs", optarg, &o.dcs)))
                return rc;
            break;
        case 's':
            if ((rc = parse_u32_arg(cmd, "--stores", optarg, &o.stores)))
                return rc;
            break;
        case 'k':
            if ((rc = parse_u32_arg(cmd, "--dropshippers", optarg, &o.dropshippers)))
                return rc;
            break;
        case 'u':
            if ((rc = parse_u32_arg(cmd, "--skus", optarg, &o.skus)))
                return rc;
            break;
        case 'x': {
            int64_t v;
            if (ordo_parse_i64(optarg, strlen(optarg), &v))
                return ordo_cli_usage(cmd, "--seed wants an integer, got '%s'", optarg);
            o.seed = (uint64_t)v;
            break;
        }
        case 'n':
            o.name = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(gen_usage, stdout);
            return ORDO_EXIT_OK;
        default:
            return ordo_cli_usage(cmd, "bad option");
        }
    }
    if (!out)
        return ordo_cli_usage(cmd, "--out DIR is required");
    if (optind != argc)
        return ordo_cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    ordo_error_t err = {0};
    if ((rc = ordo_network_generate(&o, NULL, out, &err)))
        return ordo_cli_fail(&err, rc, json);
    ordo_network_t *net;
    if ((rc = ordo_network_load(out, NULL, &net, &err)))
        return ordo_cli_fail(&err, rc, json);
    print_summary(out, net, json);
    ordo_network_destroy(net);
    return ORDO_EXIT_OK;
}

static int run(int argc, char **argv)
{
    static const char usage[] = "Usage: ordo network <generate|info> ...\n\n"
                                "  generate   build a network on real US geography\n"
                                "  info       validate a network and print its summary\n";
    static const ordo_cli_sub_t subs[] = {
        {"generate", cmd_generate}, {"info", cmd_info}, {NULL, NULL}};
    return ordo_cli_dispatch("network", usage, subs, argc, argv);
}

const ordo_cli_cmd_t ordo_cmd_network = {"network", "generate or inspect a fulfillment network",
                                         run};
