/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: network.json (include/ordo/network.h), then, when it parses,
 * the catalog and inventory of tests/fixtures/source/net and the node x ZIP3
 * tables, as ordo_network_load does. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/error.h"
#include "ordo/network.h"

#define FIXED ORDO_SOURCE_DIR "/tests/fixtures/source/net/"

static char *catalog, *inventory;
static size_t catalog_len, inventory_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    catalog = fuzz_slurp(FIXED "catalog.csv", &catalog_len);
    inventory = fuzz_slurp(FIXED "inventory.csv", &inventory_len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_network_t *net = ordo_network_new(NULL);
    if (!net)
        abort();
    if (ordo_network_parse_json(net, (const char *)data, size, "network.json", &err) == 0 &&
        ordo_catalog_parse_csv(net, catalog, catalog_len, "catalog.csv", &err) == 0 &&
        ordo_inventory_parse_csv(net, inventory, inventory_len, "inventory.csv", &err) == 0 &&
        ordo_network_finalize(net, &err) == 0) {
        ordo_network_summary_t s;
        (void)ordo_network_summarize(net, &s);
    }
    ordo_network_destroy(net);
    return 0;
}
