/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: one order (include/ordo/order.h), parsed against the example
 * network in docs/examples/network, then written back as JSON. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/arena.h"
#include "ordo/buf.h"
#include "ordo/error.h"
#include "ordo/geo.h"
#include "ordo/json.h"
#include "ordo/network.h"
#include "ordo/order.h"

static ordo_network_t *net;
static ordo_arena_t *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ordo_error_t err;
    if (ordo_network_load(ORDO_SOURCE_DIR "/docs/examples/network", NULL, &net, &err) != 0) {
        fprintf(stderr, "fuzz_order: %s\n", err.msg);
        abort();
    }
    arena = ordo_arena_create(0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_order_t order;
    ordo_arena_reset(arena);
    if (ordo_order_parse((const char *)data, size, net, arena, &order, &err) == 0) {
        ordo_buf_t out;
        ordo_buf_init(&out, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &out, 0);
        ordo_order_write_json(&order, net, &w);
        ordo_jsonw_finish(&w);
        (void)ordo_order_value(&order, net);
        ordo_buf_free(&out);
    }
    return 0;
}
