/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the policy module's cJSON-taking entry points. Private: other
 * modules that already hold a cJSON tree (exp/document.c parses an
 * experiment's targeting from its document) include this header by relative
 * path; everyone else uses the text API of ordo/policy.h. */
#ifndef ORDO_POLICY_INTERNAL_H
#define ORDO_POLICY_INTERNAL_H

#include <cjson/cJSON.h>

#include "ordo/policy.h"

/* Parses a condition object (docs/policies.md#conditions):
 *   {"path": "order.region", "op": "eq", "value": "west"}
 *   {"all"|"any"|"none": [cond, ...]}
 * into its compiled form. field names where the condition sits (e.g.
 * "strategies[1].when"; NULL: "when"), for errors. *out has one reference:
 * drop it with ordo_cond_destroy(). */
int ordo_cond_parse(const cJSON *json, const char *field, ordo_cond_t **out, ordo_error_t *err);

/* An optional member `key` of obj: a finite number within [lo, hi] into
 * *out; errors name "field.key" (the policy's own number rule, for the
 * parsers of its parts). */
int ordo_policy_num(const cJSON *obj, const char *key, double lo, double hi, double *out,
                    const char *file, const char *field, ordo_error_t *err);

/* ordo_policy_parse on an already parsed document. */
int ordo_policy_from_cjson(const cJSON *obj, const char *name, ordo_policy_t **out,
                           ordo_error_t *err);

#endif
