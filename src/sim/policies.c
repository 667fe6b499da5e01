/* SPDX-License-Identifier: Apache-2.0 */
/* Inline policies in a scenario (docs/internals/SIM.md "Scenario files"):
 * a variant's "policy" may be a policy document instead of a built-in
 * name. At load it becomes the variant's "policy_version" (the policy's
 * version); once the run's store is open the policies are registered, so
 * the experiment and the decider find them as any registered policy. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/exp.h"
#include "ordo/policy.h"

static int keep(sim_scenario_t *s, ordo_policy_t *p, ordo_error_t *err)
{
    if (s->n_inline == SIM_MAX_INLINE_POLICIES) {
        ordo_policy_destroy(p);
        return ordo_error_set(err, ORDO_EFULL, NULL, 0, "experiment.variants",
                              "at most %d inline policies", SIM_MAX_INLINE_POLICIES);
    }
    s->inline_policies[s->n_inline++] = p;
    return ORDO_OK;
}

/* One variant: its inline "policy" replaced by "policy_version". */
static int inline_variant(sim_scenario_t *s, cJSON *v, int i, ordo_error_t *err)
{
    cJSON *p = cJSON_GetObjectItemCaseSensitive(v, "policy");
    if (!cJSON_IsObject(p))
        return ORDO_OK;
    char file[48];
    snprintf(file, sizeof file, "experiment.variants[%d].policy", i);
    ordo_policy_t *pol = NULL;
    char *text = cJSON_PrintUnformatted(p);
    if (!text)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    int rc = ordo_policy_parse(text, strlen(text), file, &pol, err);
    free(text);
    if (rc)
        return rc;
    cJSON_DeleteItemFromObjectCaseSensitive(v, "policy");
    cJSON_DeleteItemFromObjectCaseSensitive(v, "policy_version");
    cJSON_AddStringToObject(v, "policy_version", pol->version);
    return keep(s, pol, err);
}

int sim_scenario_inline_policies(sim_scenario_t *s, ordo_error_t *err)
{
    cJSON *exp = cJSON_Parse(s->experiment_json);
    cJSON *vars = cJSON_GetObjectItemCaseSensitive(exp, "variants");
    int rc = ORDO_OK, i = 0;
    cJSON *v;
    cJSON_ArrayForEach(v, vars)
    {
        if ((rc = inline_variant(s, v, i++, err)))
            break;
    }
    char *json = !rc && s->n_inline ? cJSON_PrintUnformatted(exp) : NULL;
    cJSON_Delete(exp);
    if (rc || !s->n_inline)
        return rc;
    if (!json)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    free(s->experiment_json);
    s->experiment_json = json;
    return ORDO_OK;
}

int sim_scenario_register_policies(sim_scenario_t *s, ordo_store_t *store, ordo_error_t *err)
{
    for (uint32_t i = 0; i < s->n_inline; i++) {
        int rc = ordo_exp_policy_register(store, s->inline_policies[i], err);
        if (rc)
            return rc;
    }
    return ORDO_OK;
}

void sim_scenario_free_policies(sim_scenario_t *s)
{
    for (uint32_t i = 0; i < s->n_inline; i++)
        ordo_policy_destroy(s->inline_policies[i]);
    s->n_inline = 0;
}
