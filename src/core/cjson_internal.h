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

/* The widest number any JSON document may carry, before the field's own
 * range (docs/formats.md): finite, and |x| <= 1e15, where every integer is
 * exact in a double and a sum of a billion such values stays finite. */
#define ORDO_JSON_NUM_MAX 1e15

/* The one entry point every parser of a JSON document reads its text
 * through, so every format refuses the same things at the door:
 *  - invalid UTF-8 anywhere in the text (ordo_text_check_utf8: the error
 *    names the line and byte), rather than replaced by U+FFFD later;
 *  - malformed JSON (the line where the parser stopped);
 *  - text after the value (a NUL byte ends the text);
 *  - an object with a key given twice, at any depth (the field is the
 *    key's path, "strategies[1].name");
 *  - a number that is not finite or beyond ORDO_JSON_NUM_MAX (EINVAL,
 *    the field is the number's path).
 * name is the file for errors (may be NULL); line0 the line the text starts
 * on (0: 1; negative: no line in errors, the caller places the text).
 * *out is the tree to free with cJSON_Delete, NULL on error. */
int ordo_json_parse_doc(const char *json, size_t len, const char *name, long line0, cJSON **out,
                        ordo_error_t *err);
/* The tree checks of ordo_json_parse_doc alone (keys given twice, numbers),
 * for a tree parsed another way. */
int ordo_json_check_tree(const cJSON *root, const char *name, long line, ordo_error_t *err);

/* A parsed cJSON value written through the writer's calls (both modes):
 * numbers as doubles, keys in the tree's order. */
void ordo_jsonw_cjson(ordo_jsonw_t *w, const cJSON *v);

/* obj[key] as a string or number, or dflt when obj is NULL or the member
 * is missing or of another type. */
const char *ordo_json_get_str(const cJSON *obj, const char *key, const char *dflt);
double ordo_json_get_num(const cJSON *obj, const char *key, double dflt);

/* An order of the common shape parsed in one pass (order_fast.c): 1 with
 * *out set, exactly as the tree would; 0 (nothing written, nothing
 * allocated) when the text is anything else: parse it through the tree. */
int ordo_order_parse_fast(const char *json, size_t len, const ordo_network_t *net,
                          ordo_arena_t *arena, ordo_order_t *out);
/* Every field of two orders equal (strings by content): the fast path's
 * test and fuzz target compare it with the tree's. */
bool ordo_order_equal(const ordo_order_t *a, const ordo_order_t *b);
/* ordo_order_parse from an already-parsed order object. */
int ordo_order_from_cjson(const cJSON *obj, const ordo_network_t *net, ordo_arena_t *arena,
                          ordo_order_t *out, ordo_error_t *err);

#endif
