/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: one order (include/ordo/order.h), parsed against the example
 * network in docs/examples/network, then written back as JSON. The order is
 * also parsed through the cJSON tree alone: the one-pass path for the
 * common shape (src/core/order_fast.c) must give the same order, or the
 * same error, or the target aborts. */
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include <cjson/cJSON.h>

#include "../src/core/cjson_internal.h" /* the tree path alone */
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

/* What the tree alone says of the same text must be what ordo_order_parse
 * said (rc, and the order or the error). */
static void same_as_tree(const char *text, size_t size, int rc, const ordo_order_t *order,
                         const ordo_error_t *err)
{
    ordo_error_t e2;
    ordo_order_t o2;
    cJSON *root;
    int rc2 = ordo_json_parse_doc(text, size, NULL, -1, &root, &e2);
    if (!rc2) {
        rc2 = ordo_order_from_cjson(root, net, arena, &o2, &e2);
        cJSON_Delete(root);
    }
    if (rc != rc2 || (rc && (err->code != e2.code || strcmp(err->field, e2.field) ||
                             strcmp(err->msg, e2.msg))) ||
        (!rc && !ordo_order_equal(order, &o2))) {
        fprintf(stderr, "fuzz_order: the fast path and the tree disagree (rc %d vs %d)\n", rc,
                rc2);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_order_t order;
    ordo_arena_reset(arena);
    int rc = ordo_order_parse((const char *)data, size, net, arena, &order, &err);
    same_as_tree((const char *)data, size, rc, &order, &err);
    if (rc == 0) {
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
