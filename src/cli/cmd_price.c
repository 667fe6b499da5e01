/* SPDX-License-Identifier: Apache-2.0 */
/* ordo price --network DIR --order ORDER.json --plan PLAN.json [--policy P] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ordo/source.h"

static int run(const ordo_cli_args_t *a)
{
    const char *dir = ordo_cli_get(a, "network"), *order_file = ordo_cli_get(a, "order"),
               *plan_file = ordo_cli_get(a, "plan"), *pol = ordo_cli_get(a, "policy");
    bool json = a->json, compact = ordo_cli_flag(a, "compact");
    if (!dir || !order_file || !plan_file)
        return ordo_cli_usage("price", "--network, --order and --plan are required");
    ordo_error_t err = {0};
    ordo_policy_t *policy = NULL;
    ordo_network_t *net = NULL;
    ordo_engine_t *eng = NULL;
    ordo_arena_t *arena = NULL;
    char *otext = NULL, *ptext = NULL;
    size_t olen = 0, plen = 0;
    int exit_code = ORDO_EXIT_OK;
    int rc = pol ? ordo_cli_policy_load(pol, &policy, &err) : ORDO_OK;
    if (!rc)
        rc = ordo_cli_network_load(dir, &net, &err);
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

static const ordo_cli_opt_t opts[] = {
    {"network", 0, "DIR", "the network (required)"},
    {"order", 0, "ORDER.json", "the order (required)"},
    {"plan", 0, "PLAN.json", "the plan to price (required)"},
    {"policy", 0, "P", "a policy file or built-in name for the score (default: default)"},
    {"compact", 0, NULL, "one-line JSON"},
    {"json", 0, NULL, "errors as JSON (the plan is JSON already)"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_price = {
    .name = "price",
    .summary = "price a given plan with the engine's cost model",
    .usage = "price --network DIR --order ORDER.json --plan PLAN.json [--policy P]",
    .about = "Prices a given plan with the same cost model the engine decides with, so\n"
             "any two plans can be compared. PLAN.json is an `ordo source` output or\n"
             "{\"shipments\":[{\"node\":ID,\"service\":ID,\"lines\":[{\"line\":0,\"quantity\":1}]}]}\n"
             "(service omitted: the best service for the policy). The score uses the\n"
             "policy's first matching strategy (default: the built-in default policy).\n"
             "Broken constraints are listed under backorders as violates:<rule>.",
    .examples = "ordo price --network docs/examples/network --order docs/examples/order.json "
                "--plan docs/examples/plan.json",
    .opts = opts,
    .max_pos = 0,
    .flags = ORDO_CLI_RESULT,
    .run = run,
};
