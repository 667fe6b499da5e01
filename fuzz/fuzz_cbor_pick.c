/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the CBOR picker (ordo_cbor_pick, src/core/cbor_pick.c), the
 * walk `ordo log export --format csv` takes through every record,
 * differentially against the decoder: whatever it picks, ordo_cbor_to_tree
 * accepts, and the tree holds the same values at the same paths (the first
 * member of each key, as ordo_cbor_get finds it). The paths are the
 * export's, and a few containers (their element or member counts). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/arena.h"
#include "ordo/cbor.h"
#include "ordo/record.h"

#include "../src/cli/export_picks.h"
#include "../tests/fixtures/cbor/cbor_path.h"

static const char *const extra[] = {"order",          "order.lines", "atp",
                                    "plan.shipments", "plan.totals", "plan.explain"};
#define NX (sizeof extra / sizeof *extra)
#define NALL (P_N + NX)

static const char *all_paths[NALL];

static int same(const ordo_cbor_node_t *v, const ordo_cbor_pick_t *p)
{
    if (!v)
        return !p->found;
    if (!p->found || p->type != v->type)
        return 0;
    if (v->type == ORDO_CBOR_NUMBER)
        return p->num == v->num;
    if (v->type == ORDO_CBOR_STRING)
        return p->len == v->len && !memcmp(p->s, v->s, v->len);
    if (v->type == ORDO_CBOR_ARRAY || v->type == ORDO_CBOR_OBJECT)
        return p->n == v->n;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ordo_cbor_picker_t *pk;
    static ordo_arena_t *arena;
    if (!pk) {
        (void)ordo_record_cbor_keys(NULL); /* the decision record's key table */
        for (size_t i = 0; i < NALL; i++)
            all_paths[i] = i < P_N ? pick_paths[i] : extra[i - P_N];
        if (ordo_cbor_picker_new(all_paths, NALL, &pk) || !(arena = ordo_arena_create(1 << 16)))
            abort();
    }
    /* a private copy: reading one byte past it is then an ASan report */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    ordo_cbor_pick_t picks[NALL];
    /* the jumping walk trusts the parts' offsets: it is checked here for
     * memory safety only (ASan), on any input */
    (void)ordo_cbor_pick_parts(pk, copy, size, picks);
    if (ordo_cbor_pick(pk, copy, size, picks) == ORDO_OK) {
        const ordo_cbor_node_t *root;
        ordo_arena_reset(arena);
        int rc = ordo_cbor_to_tree(copy, size, arena, &root, NULL);
        if (rc != ORDO_OK && rc != ORDO_ENOMEM)
            abort(); /* picked what the decoder refuses */
        for (size_t i = 0; rc == ORDO_OK && i < NALL; i++)
            if (!same(at_path(root, all_paths[i]), &picks[i]))
                abort(); /* picked another value than the tree holds */
    }
    free(copy);
    return 0;
}
