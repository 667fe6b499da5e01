/* SPDX-License-Identifier: Apache-2.0 */
/* ordo exp — internals shared by registry.c, lifecycle.c and route.c.
 * Not a public header. */
#ifndef ORDO_EXP_REGISTRY_INTERNAL_H
#define ORDO_EXP_REGISTRY_INTERNAL_H

#include "ordo/buf.h"
#include "ordo/exp.h"

struct ordo_exp_registry {
    ordo_store_t *store; /* borrowed */
};

/* Registry bookkeeping documents. */
#define EXP_META_KIND "exp_registry" /* id "generation": version = generation */
#define EXP_COUNTER_KIND "exp_counter" /* id = experiment: stratified counters */

/* Stored form: {"experiment": <canonical definition>, "status": {...}}. */
int exp_stored_parse(const char *json, size_t len, uint64_t version, ordo_exp_t **out,
                     ordo_error_t *err);
/* Appends the stored form of exp to b (compact). */
int exp_stored_write(const ordo_exp_t *exp, ordo_buf_t *b);
/* actor, or $USER, or "unknown". */
const char *exp_actor(const char *actor);
/* Bumps the registry generation (inside the caller's transaction). */
int exp_generation_bump(ordo_store_t *store, ordo_error_t *err);

#endif
