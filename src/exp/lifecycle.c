/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — experiment lifecycle: draft → running ⇄ paused → stopped →
 * concluded, the kill switch, the guardrail stop and the winner's rollout.
 * Every change is one store transaction: the document update (optimistic
 * concurrency) plus its audit entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/util.h"
#include "registry_internal.h"

static const char *const action_names[] = {"start", "pause", "stop", "conclude", "kill"};

const char *ordo_exp_action_name(ordo_exp_action_t a)
{
    if ((unsigned)a < sizeof action_names / sizeof action_names[0])
        return action_names[a];
    return "unknown";
}

/* Applies action to e (in memory). ORDO_ESTATE / ORDO_EINVAL with a message
 * when not allowed. */
static int apply(ordo_exp_t *e, ordo_exp_action_t action, const char *winner, const char *reason,
                 int64_t now, ordo_error_t *err)
{
    ordo_exp_status_t *st = &e->status;
    const char *state = ordo_exp_state_name(st->state);
    switch (action) {
    case ORDO_EXP_ACT_START:
        if (st->state == ORDO_EXP_CONCLUDED)
            return ordo_error_set(err, ORDO_ESTATE, NULL, 0, "state",
                                  "experiment '%s' is concluded and cannot start again; create "
                                  "a new experiment to test again",
                                  e->id);
        if (st->state == ORDO_EXP_STOPPED)
            return ordo_error_set(err, ORDO_ESTATE, NULL, 0, "state",
                                  "experiment '%s' is stopped%s and cannot restart (pause is the "
                                  "temporary stop); conclude it, then create a new experiment",
                                  e->id, st->killed ? " (killed)" : "");
        if (st->state == ORDO_EXP_RUNNING)
            return ordo_error_set(err, ORDO_ESTATE, NULL, 0, "state",
                                  "experiment '%s' is already running", e->id);
        if (st->started_at == 0)
            st->started_at = now;
        st->state = ORDO_EXP_RUNNING;
        break;
    case ORDO_EXP_ACT_PAUSE:
        if (st->state != ORDO_EXP_RUNNING)
            return ordo_error_set(err, ORDO_ESTATE, NULL, 0, "state",
                                  "experiment '%s' is %s: only a running experiment can pause",
                                  e->id, state);
        st->state = ORDO_EXP_PAUSED;
        break;
    case ORDO_EXP_ACT_STOP:
        if (st->state != ORDO_EXP_RUNNING && st->state != ORDO_EXP_PAUSED)
            return ordo_error_set(err, ORDO_ESTATE, NULL, 0, "state",
                                  "experiment '%s' is %s: only a running or paused experiment "
                                  "can stop",
                                  e->id, state);
        st->state = ORDO_EXP_STOPPED;
        st->stopped_at = now;
        snprintf(st->stop_reason, sizeof st->stop_reason, "%s", reason ? reason : "");
        break;
    case ORDO_EXP_ACT_KILL:
        if (st->state == ORDO_EXP_DRAFT || st->state == ORDO_EXP_CONCLUDED)
            return ordo_error_set(err, ORDO_ESTATE, NULL, 0, "state",
                                  "experiment '%s' is %s: there is no traffic to return to "
                                  "control",
                                  e->id, state);
        if (st->killed)
            return ordo_error_set(err, ORDO_ESTATE, NULL, 0, "state",
                                  "experiment '%s' is already killed", e->id);
        if (st->state != ORDO_EXP_STOPPED) {
            st->stopped_at = now;
            snprintf(st->stop_reason, sizeof st->stop_reason, "killed%s%s",
                     reason && *reason ? ": " : "", reason ? reason : "");
        }
        st->state = ORDO_EXP_STOPPED;
        st->killed = true;
        break;
    case ORDO_EXP_ACT_CONCLUDE:
        if (st->state != ORDO_EXP_STOPPED)
            return ordo_error_set(err, ORDO_ESTATE, NULL, 0, "state",
                                  "experiment '%s' is %s: stop it before concluding", e->id,
                                  state);
        if (winner && *winner) {
            if (ordo_exp_variant_index(e, winner) < 0)
                return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "winner",
                                      "'%s' is not a variant of experiment '%s'", winner, e->id);
            snprintf(st->winner, sizeof st->winner, "%s", winner);
        }
        st->state = ORDO_EXP_CONCLUDED;
        st->concluded_at = now;
        break;
    default:
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "action", "unknown action %d",
                              (int)action);
    }
    if (winner && *winner && action != ORDO_EXP_ACT_CONCLUDE)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "winner",
                              "a winner is only named when concluding");
    st->updated_at = now;
    return ORDO_OK;
}

static int write_rollout(ordo_store_t *store, const ordo_exp_t *e, const char *actor,
                         const char *reason, int64_t now, ordo_error_t *err)
{
    const ordo_exp_variant_t *v = &e->variants[ordo_exp_variant_index(e, e->status.winner)];
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    char t[32];
    ordo_time_format(now, t, sizeof t);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "policy_version", v->policy_version);
    if (v->policy[0])
        ordo_jsonw_kstr(&w, "policy", v->policy);
    ordo_jsonw_kstr(&w, "experiment", e->id);
    ordo_jsonw_kstr(&w, "variant", v->key);
    ordo_jsonw_kstr(&w, "at", t);
    ordo_jsonw_obj_end(&w);
    int rc = ordo_jsonw_finish(&w);
    if (rc == ORDO_OK)
        rc = ordo_store_doc_put(store, ORDO_EXP_DEFAULT_POLICY_KIND, "default", b.data, b.len,
                                ORDO_STORE_ANY_VERSION, NULL, err);
    if (rc == ORDO_OK)
        rc = ordo_store_audit_append(store, ORDO_EXP_DEFAULT_POLICY_KIND, "default", actor,
                                     "rollout", reason, b.data, now, NULL, err);
    ordo_buf_free(&b);
    return rc;
}

static void kv_time(ordo_jsonw_t *w, const char *key, int64_t t)
{
    char buf[32];
    ordo_jsonw_key(w, key);
    if (t) {
        ordo_time_format(t, buf, sizeof buf);
        ordo_jsonw_str(w, buf);
    } else {
        ordo_jsonw_null(w);
    }
}

/* The result document (ORDO_EXP_RESULT_KIND) and the report of a concluded
 * experiment, inside the caller's transaction. */
static int write_result(ordo_store_t *store, const ordo_exp_t *e,
                        const ordo_exp_conclusion_t *res, ordo_error_t *err)
{
    const ordo_exp_status_t *st = &e->status;
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "experiment", e->id);
    ordo_jsonw_kstr(&w, "hypothesis", e->hypothesis);
    kv_time(&w, "created_at", st->created_at);
    kv_time(&w, "started_at", st->started_at);
    kv_time(&w, "stopped_at", st->stopped_at);
    kv_time(&w, "concluded_at", st->concluded_at);
    ordo_jsonw_kbool(&w, "killed", st->killed);
    ordo_jsonw_kstr(&w, "stop_reason", st->stop_reason);
    ordo_jsonw_key(&w, "winner");
    int wi = st->winner[0] ? ordo_exp_variant_index(e, st->winner) : -1;
    ordo_jsonw_str(&w, wi >= 0 ? st->winner : NULL);
    ordo_jsonw_key(&w, "promoted_policy");
    if (wi >= 0) {
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "policy_version", e->variants[wi].policy_version);
        ordo_jsonw_kstr(&w, "policy", e->variants[wi].policy);
        ordo_jsonw_obj_end(&w);
    } else {
        ordo_jsonw_null(&w);
    }
    ordo_jsonw_key(&w, "variants");
    ordo_jsonw_arr_begin(&w);
    for (size_t i = 0; i < e->n_variants; i++) {
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "key", e->variants[i].key);
        ordo_jsonw_kstr(&w, "policy_version", e->variants[i].policy_version);
        ordo_jsonw_kstr(&w, "policy", e->variants[i].policy);
        ordo_jsonw_obj_end(&w);
    }
    ordo_jsonw_arr_end(&w);
    ordo_jsonw_key(&w, "summary");
    if (res->summary_json)
        ordo_jsonw_raw(&w, res->summary_json, res->summary_len);
    else
        ordo_jsonw_null(&w);
    ordo_jsonw_obj_end(&w);
    int rc = ordo_jsonw_finish(&w);
    if (rc)
        rc = ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
    if (rc == ORDO_OK)
        rc = ordo_store_doc_put(store, ORDO_EXP_RESULT_KIND, e->id, b.data, b.len,
                                ORDO_STORE_ANY_VERSION, NULL, err);
    if (rc == ORDO_OK && res->report_json)
        rc = ordo_store_doc_put(store, ORDO_EXP_REPORT_KIND, e->id, res->report_json,
                                res->report_len, ORDO_STORE_ANY_VERSION, NULL, err);
    ordo_buf_free(&b);
    return rc;
}

/* One attempt inside a transaction; a version conflict on the document put
 * (ORDO_ECONFLICT) is reported through *conflict. */
static int attempt(ordo_exp_registry_t *reg, const char *id, ordo_exp_action_t action,
                   const char *action_name, const char *winner, const char *actor,
                   const char *reason, const char *detail_json,
                   const ordo_exp_conclusion_t *res, int64_t now, bool *conflict,
                   ordo_exp_t **out, ordo_error_t *err)
{
    *conflict = false;
    ordo_exp_t *e = NULL;
    int rc = ordo_exp_registry_get(reg, id, &e, err);
    if (rc)
        return rc;
    ordo_exp_state_t from = e->status.state;
    bool was_killed = e->status.killed;
    rc = apply(e, action, winner, reason, now, err);
    ordo_buf_t b, d;
    ordo_buf_init(&b, NULL);
    ordo_buf_init(&d, NULL);
    if (rc == ORDO_OK)
        rc = exp_stored_write(e, &b);
    if (rc == ORDO_OK) {
        uint64_t nv = 0;
        rc = ordo_store_doc_put(reg->store, ORDO_EXP_DOC_KIND, e->id, b.data, b.len,
                                e->store_version, &nv, err);
        if (rc == ORDO_ECONFLICT)
            *conflict = true;
        e->store_version = nv;
    }
    if (rc == ORDO_OK) {
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &d, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "from", ordo_exp_state_name(from));
        ordo_jsonw_kstr(&w, "to", ordo_exp_state_name(e->status.state));
        if (e->status.killed != was_killed)
            ordo_jsonw_kbool(&w, "killed", e->status.killed);
        if (action == ORDO_EXP_ACT_CONCLUDE) {
            ordo_jsonw_key(&w, "winner");
            if (e->status.winner[0]) {
                ordo_jsonw_str(&w, e->status.winner);
                ordo_jsonw_kstr(&w, "policy_version",
                                e->variants[ordo_exp_variant_index(e, e->status.winner)]
                                    .policy_version);
            } else {
                ordo_jsonw_null(&w);
            }
        }
        if (detail_json) {
            ordo_jsonw_key(&w, "detail");
            ordo_jsonw_raw(&w, detail_json, strlen(detail_json));
        }
        ordo_jsonw_obj_end(&w);
        rc = ordo_jsonw_finish(&w);
    }
    if (rc == ORDO_OK)
        rc = ordo_store_audit_append(reg->store, ORDO_EXP_DOC_KIND, e->id, actor, action_name,
                                     reason, d.data, now, NULL, err);
    if (rc == ORDO_OK && action == ORDO_EXP_ACT_CONCLUDE && e->status.winner[0])
        rc = write_rollout(reg->store, e, actor, reason, now, err);
    if (rc == ORDO_OK && res)
        rc = write_result(reg->store, e, res, err);
    if (rc == ORDO_OK)
        rc = exp_generation_bump(reg->store, err);
    ordo_buf_free(&b);
    ordo_buf_free(&d);
    if (rc == ORDO_OK && out)
        *out = e;
    else
        ordo_exp_destroy(e);
    return rc;
}

static int transition(ordo_exp_registry_t *reg, const char *id, ordo_exp_action_t action,
                      const char *action_name, const char *winner, const char *actor,
                      const char *reason, const char *detail_json,
                      const ordo_exp_conclusion_t *res, int64_t now, ordo_exp_t **out,
                      ordo_error_t *err)
{
    if (out)
        *out = NULL;
    if (!now)
        now = ordo_now_unix();
    actor = exp_actor(actor);
    int rc = ORDO_OK;
    for (int tries = 0; tries < 5; tries++) {
        rc = ordo_store_tx_begin(reg->store, err);
        if (rc)
            return rc;
        bool conflict;
        rc = attempt(reg, id, action, action_name, winner, actor, reason, detail_json, res,
                     now, &conflict, out, err);
        if (rc == ORDO_OK) {
            rc = ordo_store_tx_commit(reg->store, err);
            if (rc && out) {
                ordo_exp_destroy(*out);
                *out = NULL;
            }
            return rc;
        }
        ordo_store_tx_rollback(reg->store, NULL);
        if (!conflict)
            return rc;
        ordo_error_clear(err); /* someone else changed it: re-read and retry */
    }
    return rc;
}

int ordo_exp_registry_transition(ordo_exp_registry_t *reg, const char *id,
                                 ordo_exp_action_t action, const char *winner, const char *actor,
                                 const char *reason, int64_t now, ordo_exp_t **out,
                                 ordo_error_t *err)
{
    return transition(reg, id, action, ordo_exp_action_name(action), winner, actor, reason, NULL,
                      NULL, now, out, err);
}

int ordo_exp_registry_conclude(ordo_exp_registry_t *reg, const char *id, const char *winner,
                               const char *actor, const char *reason,
                               const ordo_exp_conclusion_t *res, int64_t now, ordo_exp_t **out,
                               ordo_error_t *err)
{
    return transition(reg, id, ORDO_EXP_ACT_CONCLUDE, "conclude", winner, actor, reason, NULL,
                      res, now, out, err);
}

int ordo_exp_guardrail_stop(ordo_exp_registry_t *reg, const char *id, const char *metric,
                            const char *detail, ordo_error_t *err)
{
    if (!metric || !*metric)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "metric", "no guardrail metric");
    char reason[ORDO_EXP_TEXT_MAX];
    snprintf(reason, sizeof reason, "guardrail %s breached", metric);
    ordo_buf_t d;
    ordo_buf_init(&d, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &d, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "metric", metric);
    ordo_jsonw_kstr(&w, "detail", detail ? detail : "");
    ordo_jsonw_obj_end(&w);
    int rc = ordo_jsonw_finish(&w);
    if (rc == ORDO_OK)
        rc = transition(reg, id, ORDO_EXP_ACT_STOP, "guardrail_stop", NULL, "guardrail", reason,
                        d.data, NULL, 0, NULL, err);
    else
        rc = ordo_error_set(err, rc, NULL, 0, NULL, "out of memory");
    ordo_buf_free(&d);
    return rc;
}
