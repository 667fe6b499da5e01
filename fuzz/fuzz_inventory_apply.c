/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: inventory documents (ordo_store_stock_apply, docs/formats.md
 * "Inventory documents"), parsed and checked without a store, as NDJSON and
 * as CSV: every input is read both ways. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ordo/error.h"
#include "ordo/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_stock_apply_stats_t st;
    const char *text = (const char *)data;
    int rc = ordo_store_stock_apply(NULL, text, size, "fuzz.ndjson", ORDO_STOCK_FMT_NDJSON, NULL,
                                    true, &st, &err);
    if (rc == 0 && st.snapshots + st.deltas == 0)
        abort(); /* accepted documents hold records */
    rc = ordo_store_stock_apply(NULL, text, size, "fuzz.csv", ORDO_STOCK_FMT_CSV, NULL, true, &st,
                                &err);
    if (rc == 0 && st.snapshots + st.deltas == 0)
        abort();
    return 0;
}
