/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the CBOR decoder (include/ordo/cbor.h), CBOR to JSON text. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/buf.h"
#include "ordo/cbor.h"
#include "ordo/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_buf_t out;
    ordo_buf_init(&out, NULL);
    /* a private copy: reading one byte past it is then an ASan report */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    (void)ordo_cbor_to_json(copy, size, &out, &err);
    free(copy);
    ordo_buf_free(&out);
    return 0;
}
