/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: catalog.csv (include/ordo/network.h), read after the
 * network.json and followed by the inventory of tests/fixtures/source/net
 * (small, so that runs are fast), as ordo_network_load does. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/error.h"
#include "ordo/network.h"

#define FIXED ORDO_SOURCE_DIR "/tests/fixtures/source/net/"

static char *network, *inventory;
static size_t network_len, inventory_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    network = fuzz_slurp(FIXED "network.json", &network_len);
    inventory = fuzz_slurp(FIXED "inventory.csv", &inventory_len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_network_t *net = ordo_network_new(NULL);
    if (!net)
        abort();
    if (ordo_network_parse_json(net, network, network_len, "network.json", &err) != 0)
        abort(); /* the fixture must parse */
    if (ordo_catalog_parse_csv(net, (const char *)data, size, "catalog.csv", &err) == 0)
        (void)ordo_inventory_parse_csv(net, inventory, inventory_len, "inventory.csv", &err);
    ordo_network_destroy(net);
    return 0;
}
