/* ordo price --network DIR --order ORDER.json --plan PLAN.json [--policy P] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/source.h"

static const char usage[] =
    "Usage: ordo price --network DIR --order ORDER.json --plan PLAN.json [--policy P]\n\n"
    "Prices a given plan with the same cost model the engine decides with, so\n"
    "any two plans can be compared. PLAN.json is an `ordo source` output or\n"
    "{\"shipments\":[{\"node\":ID,\"service\":ID,\"lines\":[{\"line\":0,\"quantity\":1}]}]}\n"
    "(service omitted: the best service for the policy). The score uses the\n"
    "policy's first matching strategy (default: the built-in default policy).\n"
    "Broken constraints are listed under backorders as violates:<rule>.\n";

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"network", required_argument, 0, 'N'}, {"order", required_argument, 0, 'o'},
        {"plan", required_argument, 0, 'P'},    {"policy", required_argument, 0, 'p'},
        {"compact", no_argument, 0, 'c'},       {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    const char *dir = NULL, *order_file = NULL, *plan_file = NULL, *pol = NULL;
    bool json = false, compact = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'N':
            dir = optarg;
            break;
        case 'o':
            order_file = optarg;
            break;
        case 'P':
            plan_file = optarg;
            break;
        case 'p':
            pol = optarg;
            break;
        case 'c':
            compact = true;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return ORDO_EXIT_OK;
        default:
            return ordo_cli_usage("price", "bad option");
        }
    }
    if (!dir || !order_file || !plan_file)
        return ordo_cli_usage("price", "--network, --order and --plan are required");
    if (optind != argc)
        return ordo_cli_usage("price", "unexpected argument '%s'", argv[optind]);
    ordo_error_t err = {0};
    ordo_policy_t *policy = NULL;
    ordo_network_t *net = NULL;
    ordo_engine_t *eng = NULL;
    ordo_arena_t *arena = NULL;
    char *otext = NULL, *ptext = NULL;
    size_t olen = 0, plen = 0;
    int exit_code = ORDO_EXIT_OK;
    int rc = pol ? ordo_policy_load(pol, &policy, &err) : ORDO_OK;
    if (!rc)
        rc = ordo_network_load(dir, NULL, &net, &err);
    if (!rc)
        rc = ordo_engine_create(net, NULL, &eng, &err);
    if (!rc && !(arena = ordo_arena_create(0)))
        rc = ORDO_ENOMEM;
    if (!rc)
        rc = ordo_read_file(order_file, &otext, &olen, &err);
    if (!rc)
        rc = ordo_read_file(plan_file, &ptext, &plen, &err);
    ordo_order_t order;
    ordo_plan_spec_t spec;
    ordo_plan_t *plan = NULL;
    if (!rc && (rc = ordo_order_parse(otext, olen, net, arena, &order, &err)) && !err.file[0])
        snprintf(err.file, sizeof err.file, "%s", order_file);
    if (!rc && (rc = ordo_plan_spec_parse(ptext, plen, net, &order, arena, &spec, &err)) &&
        !err.file[0])
        snprintf(err.file, sizeof err.file, "%s", plan_file);
    if (!rc)
        rc = ordo_source_price(eng, policy, &order, &spec, arena, &plan, &err);
    if (rc) {
        exit_code = ordo_cli_fail(&err, rc, json);
    } else {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, compact ? 0 : 1);
        ordo_plan_write_json(plan, net, &w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    }
    free(otext);
    free(ptext);
    ordo_arena_destroy(arena);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
    ordo_policy_destroy(policy);
    return exit_code;
}

const ordo_cli_cmd_t ordo_cmd_price = {"price", "price a given plan with the engine's cost model",
                                       run};
