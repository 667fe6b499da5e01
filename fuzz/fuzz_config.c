/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: ordo.conf (include/ordo/config.h), parsed from text. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/config.h"
#include "ordo/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_config_t cfg;
    (void)ordo_config_parse((const char *)data, size, "ordo.conf", &cfg, &err);
    return 0;
}
