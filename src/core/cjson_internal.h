/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — core's helpers that take parsed cJSON trees. Private to the
 * library: public headers name no cJSON type (a user of libordo passes
 * JSON text, see json.h and order.h), but modules that already hold a
 * parsed tree use these instead of printing and re-parsing it. */
#ifndef ORDO_CORE_CJSON_INTERNAL_H
#define ORDO_CORE_CJSON_INTERNAL_H

#include <cjson/cJSON.h>

#include "ordo/json.h"
#include "ordo/order.h"

/* A parsed cJSON value written through the writer's calls (both modes):
 * numbers as doubles, keys in the tree's order. */
void ordo_jsonw_cjson(ordo_jsonw_t *w, const cJSON *v);

/* obj[key] as a string or number, or dflt when obj is NULL or the member
 * is missing or of another type. */
const char *ordo_json_get_str(const cJSON *obj, const char *key, const char *dflt);
double ordo_json_get_num(const cJSON *obj, const char *key, double dflt);

/* ordo_order_parse from an already-parsed order object. */
int ordo_order_from_cjson(const cJSON *obj, const ordo_network_t *net, ordo_arena_t *arena,
                          ordo_order_t *out, ordo_error_t *err);

#endif
