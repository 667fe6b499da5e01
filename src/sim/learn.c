/* SPDX-License-Identifier: Apache-2.0 */
/* A scenario that learns its models from its own outcomes
 * (docs/internals/SIM.md, "Learning scenarios"; data/scenarios/
 * learned-vs-parametric.json):
 *
 *   "learn": {"warmup_days": 7, "train_lag_days": 4,
 *             "policies": {"control": {"eta": "published", "risk": "parametric"}},
 *             "optional": ["risk"]}
 *
 * During the warm-up no experiment runs: every order takes the default
 * policy with the parametric models (the carriers' published transit
 * histograms). At its end the run trains on the warm-up's decisions and the
 * outcomes reported by then, through the library `ordo model train` uses
 * (ordo_model_train_run: the ETA and the return/cancellation risk models),
 * saves them into OUT/models, swaps them into the engine and starts the experiment. A variant listed
 * under "policies" runs its built-in policy with those keys set (registered
 * in the run's store as a policy version): the control keeps the parametric
 * models, the other arms use the learned ones. A key named in "optional"
 * that this ordo's policy parser does not accept is left out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/datadir.h"
#include "ordo/exp.h"
#include "ordo/model.h"
#include "world.h"

int sim_learn_read(const cJSON *root, const char *path, sim_scenario_t *s, ordo_error_t *err)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(root, "learn");
    if (!l)
        return ORDO_OK;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(l, "warmup_days");
    const cJSON *lag = cJSON_GetObjectItemCaseSensitive(l, "train_lag_days");
    if (!cJSON_IsNumber(w) || w->valuedouble < 1 || w->valuedouble > 365 ||
        w->valuedouble != (uint32_t)w->valuedouble)
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "learn.warmup_days",
                              "wants a whole number of days, 1..365");
    if (lag && (!cJSON_IsNumber(lag) || lag->valuedouble < 0 ||
                lag->valuedouble >= w->valuedouble || lag->valuedouble != (uint32_t)lag->valuedouble))
        return ordo_error_set(err, ORDO_EINVAL, path, 0, "learn.train_lag_days",
                              "wants a whole number of days below learn.warmup_days");
    s->warmup_days = (uint32_t)w->valuedouble;
    s->train_lag_days = lag ? (uint32_t)lag->valuedouble : 0;
    s->learn_json = cJSON_PrintUnformatted(l);
    return s->learn_json ? ORDO_OK
                         : ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
}

static bool is_optional(const cJSON *learn, const char *key)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(learn, "optional"))
    if (cJSON_IsString(v) && !strcmp(v->valuestring, key))
        return true;
    return false;
}

/* The variant's built-in policy with the keys of over set, parsed; an
 * optional key the parser refuses is dropped. */
static int arm_policy(const char *builtin, const cJSON *over, const cJSON *learn,
                      ordo_policy_t **out, ordo_error_t *err)
{
    const char *text = ordo_policy_builtin_json(builtin);
    if (!text)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "learn.policies",
                              "variant policy '%s' is not a built-in", builtin);
    cJSON *doc = cJSON_Parse(text);
    const cJSON *kv;
    cJSON_ArrayForEach(kv, over)
    {
        cJSON_DeleteItemFromObjectCaseSensitive(doc, kv->string);
        cJSON_AddItemToObject(doc, kv->string, cJSON_Duplicate(kv, 1));
    }
    int rc = ORDO_EINVAL;
    for (int tries = 0; doc && rc == ORDO_EINVAL && tries < 8; tries++) {
        char *json = cJSON_PrintUnformatted(doc);
        ordo_error_t e = {0};
        rc = json ? ordo_policy_parse(json, strlen(json), "learn.policies", out, &e) : ORDO_ENOMEM;
        free(json);
        char key[64];
        snprintf(key, sizeof key, "%s", e.field);
        key[strcspn(key, ".[")] = 0;
        if (rc == ORDO_EINVAL && is_optional(learn, key) &&
            cJSON_GetObjectItemCaseSensitive(doc, key) && cJSON_GetObjectItemCaseSensitive(over, key))
            cJSON_DeleteItemFromObjectCaseSensitive(doc, key); /* not known here: left out */
        else if (rc && err)
            *err = e;
    }
    cJSON_Delete(doc);
    return rc;
}

/* Registers one overridden arm and points its variant at the version. */
static int prepare_arm(sim_t *s, cJSON *variant, const cJSON *over, const cJSON *learn,
                       ordo_error_t *err)
{
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(variant, "policy");
    if (!cJSON_IsString(pol))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "learn.policies",
                              "the variant names no built-in \"policy\"");
    ordo_policy_t *p = NULL;
    int rc = arm_policy(pol->valuestring, over, learn, &p, err);
    if (!rc)
        rc = ordo_exp_policy_register(s->store, p, err);
    if (!rc) {
        cJSON_DeleteItemFromObjectCaseSensitive(variant, "policy");
        cJSON_AddStringToObject(variant, "policy_version", p->version);
    }
    ordo_policy_destroy(p);
    return rc;
}

int sim_learn_prepare(sim_t *s, ordo_error_t *err)
{
    if (!s->sc.warmup_days)
        return ORDO_OK;
    cJSON *learn = cJSON_Parse(s->sc.learn_json);
    cJSON *exp = cJSON_Parse(s->sc.experiment_json);
    const cJSON *pols = cJSON_GetObjectItemCaseSensitive(learn, "policies");
    int rc = learn && exp ? ORDO_OK : ORDO_ENOMEM;
    cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(exp, "variants"))
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(v, "key");
        const cJSON *over = cJSON_IsString(k) ? cJSON_GetObjectItemCaseSensitive(pols, k->valuestring)
                                              : NULL;
        if (!rc && cJSON_IsObject(over))
            rc = prepare_arm(s, v, over, learn, err);
    }
    char *json = rc ? NULL : cJSON_PrintUnformatted(exp);
    if (json) {
        free(s->sc.experiment_json);
        s->sc.experiment_json = json;
    } else if (!rc) {
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    cJSON_Delete(learn);
    cJSON_Delete(exp);
    return rc;
}

/* Swaps the saved models into the engine: the ETA model's lanes, the risk
 * model's table. */
static int install(sim_t *s, const ordo_model_train_result_t *res, ordo_error_t *err)
{
    ordo_eta_model_t *m = NULL;
    int rc = ordo_eta_model_load(s->net, res->eta_path, &m, err);
    ordo_lanes_t *lanes = rc ? NULL : ordo_eta_model_take_lanes(m);
    if (!rc && !lanes)
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc)
        ordo_engine_set_lanes(s->eng, lanes);
    ordo_eta_model_destroy(m);
    ordo_risk_model_t *r = NULL;
    ordo_risk_table_t *tab = NULL;
    if (!rc)
        rc = ordo_risk_model_load(res->risk_path, &r, err);
    if (!rc && !(rc = ordo_risk_model_table(r, s->net, &tab, err)))
        ordo_engine_set_risk(s->eng, tab);
    ordo_risk_model_destroy(r);
    return rc;
}

/* Trains the ETA and risk models on the run so far (decisions before
 * until) through the library `ordo model train` uses, saves them into
 * OUT/models and swaps them into the engine. */
static int learn_models(sim_t *s, int64_t until, ordo_error_t *err)
{
    ordo_model_train_opts_t o;
    ordo_model_train_opts_default(&o);
    o.kinds = ORDO_MODEL_KIND_ALL;
    o.until = until;
    ordo_model_train_result_t res;
    int rc = ordo_model_train_run(s->opt->out_dir, s->net, &o, &res, err);
    if (!rc)
        rc = install(s, &res, err);
    if (!rc) {
        snprintf(s->sum->learned_eta, sizeof s->sum->learned_eta, "%s", res.eta.version);
        snprintf(s->sum->learned_risk, sizeof s->sum->learned_risk, "%s", res.risk.version);
        s->sum->learned_shipments = res.eta.shipments;
    }
    return rc;
}

int sim_learn_step(sim_t *s, uint32_t days_done, ordo_error_t *err)
{
    if (!s->sc.warmup_days || days_done != s->sc.warmup_days)
        return ORDO_OK;
    uint64_t t0 = ordo_now_ns();
    int rc = ordo_decider_flush(s->dec, err); /* training reads the log on disk */
    int64_t now = (s->day0 + days_done) * 86400;
    int64_t until = (s->day0 + days_done - s->sc.train_lag_days) * 86400;
    if (!rc)
        rc = learn_models(s, until, err);
    s->sum->warmup_days = s->sc.warmup_days;
    snprintf(s->sum->learned_control, sizeof s->sum->learned_control, "%s", s->sc.control);
    s->sum->train_seconds = (double)(ordo_now_ns() - t0) / 1e9;
    ordo_exp_registry_t *reg = NULL;
    if (!rc)
        rc = ordo_exp_registry_open(s->store, &reg, err);
    if (!rc)
        rc = ordo_exp_registry_transition(reg, s->sc.experiment, ORDO_EXP_ACT_START, NULL,
                                          "ordo-sim", "models learned from the warm-up", now - 1,
                                          NULL, err);
    ordo_exp_registry_close(reg);
    return rc ? rc : ordo_decider_reload(s->dec, err); /* the next order sees the experiment */
}
