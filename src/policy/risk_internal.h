/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — parsing and writing a policy's risk terms (src/policy/risk.c). */
#ifndef ORDO_POLICY_RISK_INTERNAL_H
#define ORDO_POLICY_RISK_INTERNAL_H

#include <cjson/cJSON.h>

#include "ordo/policy.h"

/* The "risk" object and "carrier_caps" list of a policy document (either
 * may be absent: off). Errors name the field ("risk.cancellation.max",
 * "carrier_caps[1].max_share"). */
int ordo_risk_policy_parse(const cJSON *policy, ordo_risk_policy_t *r, const char *file,
                           ordo_error_t *err);
/* Their canonical form: nothing when off, so a policy without them keeps
 * its version. */
void ordo_risk_policy_write(const ordo_risk_policy_t *r, ordo_jsonw_t *w);

#endif
