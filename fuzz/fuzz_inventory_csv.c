/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: inventory.csv (include/ordo/network.h), read after the
 * network.json and catalog.csv of tests/fixtures/source/net (small, so that
 * runs are fast), as ordo_network_load does. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/error.h"
#include "ordo/inventory.h"
#include "ordo/network.h"

#define FIXED ORDO_SOURCE_DIR "/tests/fixtures/source/net/"

static char *network, *catalog;
static size_t network_len, catalog_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    network = fuzz_slurp(FIXED "network.json", &network_len);
    catalog = fuzz_slurp(FIXED "catalog.csv", &catalog_len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_network_t *net = ordo_network_new(NULL);
    if (!net)
        abort();
    if (ordo_network_parse_json(net, network, network_len, "network.json", &err) != 0 ||
        ordo_catalog_parse_csv(net, catalog, catalog_len, "catalog.csv", &err) != 0)
        abort(); /* the fixtures must parse */
    if (ordo_inventory_parse_csv(net, (const char *)data, size, "inventory.csv", &err) == 0 &&
        net->inventory) {
        size_t cells = ordo_inventory_cell_count(net->inventory);
        for (uint32_t c = 0; c < cells; c++)
            (void)ordo_inventory_atp(net->inventory, c);
    }
    ordo_network_destroy(net);
    return 0;
}
