/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — built-in policies: the five strategies of the domain brief plus a
 * weighted default. docs/examples/policy-*.json hold the same documents. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ordo/policy.h"
#include "ordo/util.h"

static const char p_default[] =
    "{\n"
    "  \"name\": \"default\",\n"
    "  \"description\": \"Weighted landed cost, on-time confidence and return risk (the brief's "
    "scoring function)\",\n"
    "  \"constraints\": {\"max_shipments\": 2, \"node_types\": [\"dc\", \"store\", \"dropship\"],\n"
    "                  \"respect_capacity\": true, \"respect_safety_stock\": true},\n"
    "  \"strategies\": [\n"
    "    {\"name\": \"express\", \"when\": {\"path\": \"order.service_level\", \"op\": \"eq\", "
    "\"value\": \"express\"},\n"
    "     \"type\": \"weighted\",\n"
    "     \"weights\": {\"cost\": 1, \"on_time\": 60, \"return_risk\": 30, \"load\": 5, \"split\": "
    "2}},\n"
    "    {\"name\": \"balanced\", \"type\": \"weighted\",\n"
    "     \"weights\": {\"cost\": 1, \"on_time\": 20, \"return_risk\": 30, \"load\": 5, \"split\": "
    "1}}\n"
    "  ],\n"
    "  \"fallback\": [\n"
    "    {\"name\": \"any-split\", \"type\": \"weighted\", \"weights\": {\"cost\": 1, \"on_time\": "
    "10},\n"
    "     \"constraints\": {\"max_shipments\": 4, \"allow_line_split\": true}}\n"
    "  ]\n"
    "}\n";

static const char p_proximity[] =
    "{\n"
    "  \"name\": \"proximity-first\",\n"
    "  \"description\": \"Nearest nodes: lowest carrier zone per unit; fewer parcels only "
    "within a zone, then miles, then cost; DCs and stores\",\n"
    "  \"constraints\": {\"max_shipments\": 2, \"node_types\": [\"dc\", \"store\"]},\n"
    "  \"strategies\": [\n"
    "    {\"name\": \"nearest\", \"type\": \"criteria\",\n"
    "     \"criteria\": [{\"criterion\": \"zone\"},\n"
    "                  {\"criterion\": \"fewest_shipments\"},\n"
    "                  {\"criterion\": \"distance\", \"resolution\": 0.01},\n"
    "                  {\"criterion\": \"cost\", \"resolution\": 0.01}]}\n"
    "  ],\n"
    "  \"fallback\": [\n"
    "    {\"name\": \"nearest-any-type\", \"type\": \"criteria\",\n"
    "     \"criteria\": [{\"criterion\": \"zone\"}, {\"criterion\": \"fewest_shipments\"}, "
    "{\"criterion\": \"cost\"}],\n"
    "     \"constraints\": {\"max_shipments\": 3, \"node_types\": [\"dc\", \"store\", "
    "\"dropship\"]}}\n"
    "  ]\n"
    "}\n";

/* Cash cost only: every other weight 0 (the service promise is kept by the
 * service rule and the level floors, not by the score). */
static const char p_cost[] =
    "{\n"
    "  \"name\": \"cost-optimized\",\n"
    "  \"description\": \"Lowest cost per order (pick, pack, shipping, expected returns) "
    "within the service promise; line splits allowed\",\n"
    "  \"constraints\": {\"max_shipments\": 3, \"allow_line_split\": true},\n"
    "  \"strategies\": [\n"
    "    {\"name\": \"min-cost\", \"type\": \"weighted\",\n"
    "     \"weights\": {\"cost\": 1, \"economic\": 0, \"on_time\": 0, \"return_risk\": 0, "
    "\"load\": 0, \"split\": 0}}\n"
    "  ]\n"
    "}\n";

static const char p_inventory[] =
    "{\n"
    "  \"name\": \"inventory-priority\",\n"
    "  \"description\": \"Most days of supply first (clears slow-moving and overstocked "
    "stock), then fewest shipments, then cost\",\n"
    "  \"constraints\": {\"max_shipments\": 2},\n"
    "  \"strategies\": [\n"
    "    {\"name\": \"clear-overstock\", \"type\": \"criteria\",\n"
    "     \"criteria\": [{\"criterion\": \"days_of_supply\", \"scale\": 365, \"resolution\": "
    "0.05},\n"
    "                  {\"criterion\": \"fewest_shipments\"},\n"
    "                  {\"criterion\": \"cost\", \"resolution\": 0.5}]},\n"
    "    {\"name\": \"overstock-weighted\", \"type\": \"weighted\",\n"
    "     \"weights\": {\"cost\": 1, \"on_time\": 10, \"return_risk\": 10, \"overstock\": 20}}\n"
    "  ]\n"
    "}\n";

static const char p_store[] =
    "{\n"
    "  \"name\": \"store-fulfillment\",\n"
    "  \"description\": \"Stores first (pickup stays at its store, deliveries ship from "
    "stores), then the nearest zone; DCs as backup; stores above 90% load filtered out\",\n"
    "  \"constraints\": {\"max_shipments\": 2, \"node_types\": [\"store\", \"dc\"]},\n"
    "  \"strategies\": [\n"
    "    {\"name\": \"ship-from-store\", \"type\": \"criteria\",\n"
    "     \"criteria\": [{\"criterion\": \"node_type\", \"order\": [\"store\", \"dc\"]},\n"
    "                  {\"criterion\": \"zone\"},\n"
    "                  {\"criterion\": \"fewest_shipments\"},\n"
    "                  {\"criterion\": \"cost\", \"resolution\": 0.25},\n"
    "                  {\"criterion\": \"load\", \"max\": 0.9}]}\n"
    "  ],\n"
    "  \"fallback\": [\n"
    "    {\"name\": \"dc-backup\", \"type\": \"weighted\", \"weights\": {\"cost\": 1, \"on_time\": "
    "20}}\n"
    "  ]\n"
    "}\n";

static const char p_dropship[] =
    "{\n"
    "  \"name\": \"drop-ship\",\n"
    "  \"description\": \"Suppliers first, promised with their own lead time (large catalogs "
    "with low turns); own nodes as backup\",\n"
    "  \"constraints\": {\"max_shipments\": 3},\n"
    "  \"service\": {\"supplier_lead_time\": true},\n"
    "  \"strategies\": [\n"
    "    {\"name\": \"supplier-first\", \"type\": \"criteria\",\n"
    "     \"criteria\": [{\"criterion\": \"node_type\", \"order\": [\"dropship\", \"dc\", "
    "\"store\"]},\n"
    "                  {\"criterion\": \"fewest_shipments\"},\n"
    "                  {\"criterion\": \"on_time\", \"min\": 0.4, \"resolution\": 0.05},\n"
    "                  {\"criterion\": \"cost\", \"resolution\": 0.25}]}\n"
    "  ],\n"
    "  \"fallback\": [\n"
    "    {\"name\": \"nearest-backup\", \"type\": \"criteria\",\n"
    "     \"criteria\": [{\"criterion\": \"zone\"}, {\"criterion\": \"fewest_shipments\"}, "
    "{\"criterion\": \"cost\"}]}\n"
    "  ]\n"
    "}\n";

static const struct {
    const char *name;
    const char *json;
} builtins[] = {
    {"default", p_default},         {"proximity-first", p_proximity},
    {"cost-optimized", p_cost},     {"inventory-priority", p_inventory},
    {"store-fulfillment", p_store}, {"drop-ship", p_dropship},
};

#define N_BUILTINS (sizeof builtins / sizeof builtins[0])

static const char *const names[N_BUILTINS + 1] = {"default",
                                                  "proximity-first",
                                                  "cost-optimized",
                                                  "inventory-priority",
                                                  "store-fulfillment",
                                                  "drop-ship",
                                                  NULL};

const char *const *ordo_policy_builtin_names(void)
{
    return names;
}

const char *ordo_policy_builtin_json(const char *name)
{
    for (size_t i = 0; i < N_BUILTINS; i++)
        if (name && !strcmp(builtins[i].name, name))
            return builtins[i].json;
    return NULL;
}

int ordo_policy_builtin(const char *name, ordo_policy_t **out, ordo_error_t *err)
{
    *out = NULL;
    const char *json = ordo_policy_builtin_json(name);
    if (!json)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "policy",
                              "no built-in policy named '%s'", name ? name : "");
    return ordo_policy_parse(json, strlen(json), name, out, err);
}

int ordo_policy_load(const char *arg, ordo_policy_t **out, ordo_error_t *err)
{
    *out = NULL;
    struct stat st;
    if (arg && stat(arg, &st) == 0) {
        char *data;
        size_t len;
        int rc = ordo_read_file(arg, &data, &len, err);
        if (rc)
            return rc;
        rc = ordo_policy_parse(data, len, arg, out, err);
        free(data);
        return rc;
    }
    if (ordo_policy_builtin_json(arg))
        return ordo_policy_builtin(arg, out, err);
    return ordo_error_set(err, ORDO_ENOENT, arg, 0, "policy",
                          "no such file and no built-in policy of that name");
}
