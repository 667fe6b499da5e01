/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a policy document (include/ordo/policy.h), parsed from text
 * and written back in its canonical form. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/buf.h"
#include "ordo/error.h"
#include "ordo/json.h"
#include "ordo/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ordo_error_t err;
    ordo_policy_t *policy = NULL;
    if (ordo_policy_parse((const char *)data, size, "fuzz.json", &policy, &err) == 0) {
        ordo_buf_t out;
        ordo_buf_init(&out, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &out, 1);
        ordo_policy_write_json(policy, &w);
        ordo_jsonw_finish(&w);
        ordo_buf_free(&out);
        ordo_policy_destroy(policy);
    }
    return 0;
}
