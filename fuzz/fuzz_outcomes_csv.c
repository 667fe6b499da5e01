/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: an outcome file in CSV (include/ordo/store.h). */
#include "fuzz_outcomes.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    outcomes_init("outcomes.csv");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return outcomes_one(data, size, ORDO_OUTCOME_FMT_AUTO);
}
