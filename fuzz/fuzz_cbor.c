/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the CBOR decoder (include/ordo/cbor.h), CBOR to JSON text
 * and CBOR to a tree of nodes, differentially: the two accept exactly the
 * same inputs, and the tree holds what the JSON text parses to. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/arena.h"
#include "ordo/buf.h"
#include "ordo/cbor.h"
#include "ordo/error.h"

/* Does the tree hold what the parsed text holds? */
static int same(const ordo_cbor_node_t *t, const cJSON *j)
{
    switch (t->type) {
    case ORDO_CBOR_NULL: return cJSON_IsNull(j);
    case ORDO_CBOR_FALSE: return cJSON_IsFalse(j);
    case ORDO_CBOR_TRUE: return cJSON_IsTrue(j);
    case ORDO_CBOR_NUMBER: return cJSON_IsNumber(j) && j->valuedouble == t->num;
    case ORDO_CBOR_STRING: return cJSON_IsString(j) && !strcmp(j->valuestring, t->s);
    default: break;
    }
    if (t->type == ORDO_CBOR_OBJECT ? !cJSON_IsObject(j) : !cJSON_IsArray(j))
        return 0;
    const cJSON *c = j->child;
    uint32_t n = 0;
    for (const ordo_cbor_node_t *k = t->child; k; k = k->next, c = c->next, n++) {
        if (!c || !same(k, c))
            return 0;
        if (t->type == ORDO_CBOR_OBJECT && strcmp(k->key, c->string))
            return 0;
    }
    return !c && n == t->n;
}

/* same() for the top level: a record's parts (RECORD.md "Parts") are in
 * the tree and left out of the JSON text. */
static int same_top(const ordo_cbor_node_t *t, const cJSON *j)
{
    if (t->type != ORDO_CBOR_OBJECT || !t->child || strcmp(t->child->key, "parts") ||
        (j->child && j->child->string && !strcmp(j->child->string, "parts")))
        return same(t, j);
    ordo_cbor_node_t rest = *t;
    rest.child = t->child->next;
    rest.n = t->n - 1;
    return same(&rest, j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_buf_t out;
    ordo_buf_init(&out, NULL);
    /* a private copy: reading one byte past it is then an ASan report */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    int rj = ordo_cbor_to_json(copy, size, &out, &err);
    ordo_arena_t *a = ordo_arena_create(1 << 16);
    const ordo_cbor_node_t *root;
    int rt = a ? ordo_cbor_to_tree(copy, size, a, &root, &err) : ORDO_ENOMEM;
    if ((rj == ORDO_OK) != (rt == ORDO_OK) && rj != ORDO_ENOMEM && rt != ORDO_ENOMEM)
        abort(); /* one accepted what the other refused */
    if (rj == ORDO_OK && rt == ORDO_OK) {
        cJSON *j = cJSON_ParseWithLength(out.data, out.len);
        /* cJSON refuses nesting beyond its limit; anything else must agree */
        if (j && !same_top(root, j))
            abort();
        cJSON_Delete(j);
    }
    ordo_arena_destroy(a);
    free(copy);
    ordo_buf_free(&out);
    return 0;
}
