/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: an experiment document (include/ordo/exp.h), parsed from text
 * and written back as JSON. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/buf.h"
#include "ordo/error.h"
#include "ordo/exp.h"
#include "ordo/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_exp_t *exp = NULL;
    if (ordo_exp_parse((const char *)data, size, "fuzz.json", &exp, &err) == 0) {
        ordo_buf_t out;
        ordo_buf_init(&out, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &out, 0);
        ordo_exp_write_json(exp, &w);
        ordo_jsonw_finish(&w);
        ordo_buf_free(&out);
        ordo_exp_switchback_t sb;
        (void)ordo_exp_switchback_of(exp, &sb, &err);
        (void)ordo_exp_coverage_at(exp, 1700000000);
        ordo_exp_destroy(exp);
    }
    return 0;
}
