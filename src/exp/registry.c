/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the experiment registry: experiments as versioned documents in the
 * store, strict validation at create, policies known to experiments, the
 * default policy, and the generation counter that tells routers to reload. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/util.h"
#include "exp_internal.h"
#include "registry_internal.h"

const char *exp_actor(const char *actor)
{
    if (actor && *actor)
        return actor;
    const char *u = getenv("USER");
    return u && *u ? u : "unknown";
}

int ordo_exp_registry_open(ordo_store_t *store, ordo_exp_registry_t **out, ordo_error_t *err)
{
    *out = NULL;
    if (!store)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, NULL, "no store");
    ordo_exp_registry_t *r = calloc(1, sizeof *r);
    if (!r)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    r->store = store;
    *out = r;
    return ORDO_OK;
}

void ordo_exp_registry_close(ordo_exp_registry_t *reg)
{
    free(reg);
}

ordo_store_t *ordo_exp_registry_store(ordo_exp_registry_t *reg)
{
    return reg->store;
}

/* ---- stored form ---- */

static int get_time(const cJSON *st, const char *key, int64_t *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(st, key);
    *out = 0;
    if (!j || cJSON_IsNull(j))
        return ORDO_OK;
    if (!cJSON_IsString(j) || ordo_time_parse(j->valuestring, out))
        return ORDO_ECORRUPT;
    return ORDO_OK;
}

int exp_stored_parse(const char *json, size_t len, uint64_t version, ordo_exp_t **out,
                     ordo_error_t *err)
{
    *out = NULL;
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root)
        return ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "experiment",
                              "stored experiment is not JSON");
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(root, "experiment");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "status");
    ordo_exp_t *e = NULL;
    int rc;
    if (!cJSON_IsObject(def) || !cJSON_IsObject(st)) {
        rc = ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "experiment",
                            "stored experiment lacks its definition or status");
        goto out;
    }
    rc = ordo_exp_from_cjson(def, "registry", &e, err);
    if (rc)
        goto out;
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(st, "state");
    const cJSON *killed = cJSON_GetObjectItemCaseSensitive(st, "killed");
    const cJSON *winner = cJSON_GetObjectItemCaseSensitive(st, "winner");
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(st, "stop_reason");
    if (!cJSON_IsString(state) || ordo_exp_state_parse(state->valuestring, &e->status.state) ||
        !cJSON_IsBool(killed) || get_time(st, "created_at", &e->status.created_at) ||
        get_time(st, "started_at", &e->status.started_at) ||
        get_time(st, "updated_at", &e->status.updated_at) ||
        get_time(st, "stopped_at", &e->status.stopped_at) ||
        get_time(st, "concluded_at", &e->status.concluded_at)) {
        rc = ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "status",
                            "stored status of experiment '%s' is damaged", e->id);
        goto out;
    }
    e->status.killed = cJSON_IsTrue(killed);
    if (cJSON_IsString(winner))
        snprintf(e->status.winner, sizeof e->status.winner, "%s", winner->valuestring);
    if (cJSON_IsString(reason))
        snprintf(e->status.stop_reason, sizeof e->status.stop_reason, "%s", reason->valuestring);
    e->store_version = version;
out:
    cJSON_Delete(root);
    if (rc) {
        ordo_exp_destroy(e);
        return rc;
    }
    *out = e;
    return ORDO_OK;
}

int exp_stored_write(const ordo_exp_t *e, ordo_buf_t *b)
{
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "experiment");
    ordo_exp_write_json(e, &w);
    ordo_jsonw_key(&w, "status");
    ordo_exp_status_write_json(&e->status, &w);
    ordo_jsonw_obj_end(&w);
    return ordo_jsonw_finish(&w);
}

int exp_generation_bump(ordo_store_t *store, ordo_error_t *err)
{
    static const char body[] = "{\"what\":\"experiment registry generation\"}";
    return ordo_store_doc_put(store, EXP_META_KIND, "generation", body, sizeof body - 1,
                              ORDO_STORE_ANY_VERSION, NULL, err);
}

int ordo_exp_registry_generation(ordo_exp_registry_t *reg, uint64_t *gen, ordo_error_t *err)
{
    char *json = NULL;
    *gen = 0;
    int rc = ordo_store_doc_get(reg->store, EXP_META_KIND, "generation", &json, NULL, gen, err);
    free(json);
    if (rc == ORDO_ENOTFOUND) {
        ordo_error_clear(err);
        *gen = 0;
        return ORDO_OK;
    }
    return rc;
}

/* ---- policies ---- */

int ordo_exp_policy_known(ordo_store_t *store, const char *version, bool *known,
                          ordo_error_t *err)
{
    *known = false;
    if (!version || !*version)
        return ORDO_OK;
    if (ordo_exp_builtin_policy_name(version)) {
        *known = true;
        return ORDO_OK;
    }
    char *json = NULL;
    int rc = ordo_store_doc_get(store, ORDO_EXP_POLICY_KIND, version, &json, NULL, NULL, err);
    free(json);
    if (rc == ORDO_ENOTFOUND) {
        ordo_error_clear(err);
        return ORDO_OK;
    }
    if (rc == ORDO_OK)
        *known = true;
    return rc;
}

int ordo_exp_policy_register(ordo_store_t *store, const ordo_policy_t *policy,
                             ordo_error_t *err)
{
    if (!policy || !policy->version[0])
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "policy", "no policy version");
    bool known;
    int rc = ordo_exp_policy_known(store, policy->version, &known, err);
    if (rc)
        return rc;
    if (known)
        return ORDO_OK; /* same content, same version: nothing to do */
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_policy_write_json(policy, &w);
    rc = ordo_jsonw_finish(&w);
    if (rc) {
        ordo_buf_free(&b);
        return ordo_error_set(err, rc, NULL, 0, "policy", "cannot serialize the policy");
    }
    ordo_buf_t d;
    ordo_buf_init(&d, NULL);
    ordo_jsonw_t dw;
    ordo_jsonw_init(&dw, &d, 0);
    ordo_jsonw_obj_begin(&dw);
    ordo_jsonw_kstr(&dw, "name", policy->name);
    ordo_jsonw_obj_end(&dw);
    rc = ordo_jsonw_finish(&dw);
    if (rc == ORDO_OK)
        rc = ordo_store_tx_begin(store, err);
    if (rc == ORDO_OK) {
        rc = ordo_store_doc_put(store, ORDO_EXP_POLICY_KIND, policy->version, b.data, b.len, 0,
                                NULL, err);
        if (rc == ORDO_OK)
            rc = ordo_store_audit_append(store, ORDO_EXP_POLICY_KIND, policy->version,
                                         exp_actor(NULL), "register", NULL, d.data, 0, NULL, err);
        if (rc == ORDO_OK)
            rc = ordo_store_tx_commit(store, err);
        else
            ordo_store_tx_rollback(store, NULL);
    }
    ordo_buf_free(&b);
    ordo_buf_free(&d);
    return rc;
}

int ordo_exp_policy_load(ordo_store_t *store, const char *version, ordo_policy_t **out,
                         ordo_error_t *err)
{
    *out = NULL;
    const char *name = ordo_exp_builtin_policy_name(version);
    if (name)
        return ordo_policy_builtin(name, out, err);
    char *json = NULL;
    size_t len = 0;
    int rc = ordo_store_doc_get(store, ORDO_EXP_POLICY_KIND, version ? version : "", &json, &len,
                                NULL, err);
    if (rc == ORDO_ENOTFOUND)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "policy_version",
                              "unknown policy version '%s'", version ? version : "");
    if (rc)
        return rc;
    rc = ordo_policy_parse(json, len, "registry", out, err);
    free(json);
    return rc;
}

int ordo_exp_default_policy_get(ordo_store_t *store, char *version, char *experiment,
                                char *variant, ordo_error_t *err)
{
    char *json = NULL;
    size_t len = 0;
    int rc =
        ordo_store_doc_get(store, ORDO_EXP_DEFAULT_POLICY_KIND, "default", &json, &len, NULL, err);
    if (rc)
        return rc;
    cJSON *root = cJSON_ParseWithLength(json, len);
    free(json);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "policy_version");
    if (!cJSON_IsString(v)) {
        cJSON_Delete(root);
        return ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "default_policy",
                              "stored default policy is damaged");
    }
    snprintf(version, ORDO_POLICY_VERSION_LEN, "%s", v->valuestring);
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, "experiment");
    if (experiment)
        snprintf(experiment, ORDO_EXP_ID_MAX, "%s", cJSON_IsString(x) ? x->valuestring : "");
    x = cJSON_GetObjectItemCaseSensitive(root, "variant");
    if (variant)
        snprintf(variant, ORDO_EXP_KEY_MAX, "%s", cJSON_IsString(x) ? x->valuestring : "");
    cJSON_Delete(root);
    return ORDO_OK;
}

/* ---- create, validate, get, list ---- */

typedef struct overlap_ctx {
    const ordo_exp_t *exp;
    ordo_error_t *err;
    int rc;
} overlap_ctx_t;

static int overlap_fn(void *vctx, const ordo_exp_t *other)
{
    overlap_ctx_t *c = vctx;
    const ordo_exp_t *e = c->exp;
    if (!strcmp(other->id, e->id))
        return 0; /* itself (re-validation) */
    if (other->status.state == ORDO_EXP_CONCLUDED || !other->has_namespace)
        return 0;
    if (strcmp(other->layer, e->layer))
        return 0;
    if (e->namespace_start < other->namespace_end && other->namespace_start < e->namespace_end) {
        c->rc = ordo_error_set(c->err, ORDO_EINVAL, NULL, 0, "namespace",
                               "range [%g, %g) of layer '%s' overlaps experiment '%s' (%s, "
                               "[%g, %g)); experiments of one layer need disjoint ranges",
                               e->namespace_start, e->namespace_end, e->layer, other->id,
                               ordo_exp_state_name(other->status.state), other->namespace_start,
                               other->namespace_end);
        return c->rc;
    }
    return 0;
}

static int check_version_known(ordo_exp_registry_t *reg, const ordo_exp_variant_t *v,
                               const char *field, ordo_error_t *err)
{
    bool known;
    int rc = ordo_exp_policy_known(reg->store, v->policy_version, &known, err);
    if (rc)
        return rc;
    if (!known)
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, field,
                              "unknown policy version '%s' (not a built-in policy's version and "
                              "not registered: `ordo policy register` or "
                              "ordo_exp_policy_register)",
                              v->policy_version);
    return ORDO_OK;
}

int ordo_exp_registry_validate(ordo_exp_registry_t *reg, const ordo_exp_t *e, ordo_error_t *err)
{
    char field[ORDO_ERROR_FIELD_MAX];
    for (size_t i = 0; i < e->n_variants; i++) {
        snprintf(field, sizeof field, "variants[%zu].policy_version", i);
        int rc = check_version_known(reg, &e->variants[i], field, err);
        if (rc)
            return rc;
    }
    if (e->has_shadow) {
        int rc = check_version_known(reg, &e->shadow, "shadow.policy_version", err);
        if (rc)
            return rc;
    }
    if (!e->has_namespace)
        return ORDO_OK;
    overlap_ctx_t c = {.exp = e, .err = err, .rc = ORDO_OK};
    int rc = ordo_exp_registry_list(reg, overlap_fn, &c, err);
    if (c.rc)
        return c.rc;
    return rc;
}

int ordo_exp_registry_create(ordo_exp_registry_t *reg, const char *json, size_t len,
                             const char *name, const char *actor, const char *reason,
                             ordo_exp_t **out, ordo_error_t *err)
{
    if (out)
        *out = NULL;
    ordo_exp_t *e = NULL;
    int rc = ordo_exp_parse(json, len, name, &e, err);
    if (rc)
        return rc;
    ordo_buf_t b, d;
    ordo_buf_init(&b, NULL);
    ordo_buf_init(&d, NULL);
    /* Validation and the write share one transaction, so two creates cannot
     * both pass the namespace check. */
    rc = ordo_store_tx_begin(reg->store, err);
    if (rc)
        goto done;
    rc = ordo_exp_registry_validate(reg, e, err);
    if (rc == ORDO_OK) {
        int64_t now = ordo_now_unix();
        e->status.state = ORDO_EXP_DRAFT;
        e->status.created_at = now;
        e->status.updated_at = now;
        rc = exp_stored_write(e, &b);
        if (rc == ORDO_OK) {
            rc = ordo_store_doc_put(reg->store, ORDO_EXP_DOC_KIND, e->id, b.data, b.len, 0,
                                    &e->store_version, err);
            if (rc == ORDO_EEXIST)
                rc = ordo_error_set(err, ORDO_EEXIST, name, 0, "id",
                                    "an experiment with id '%s' already exists", e->id);
        }
    }
    if (rc == ORDO_OK) {
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &d, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "definition_version", e->definition_version);
        ordo_jsonw_kstr(&w, "state", "draft");
        ordo_jsonw_obj_end(&w);
        rc = ordo_jsonw_finish(&w);
    }
    if (rc == ORDO_OK)
        rc = ordo_store_audit_append(reg->store, ORDO_EXP_DOC_KIND, e->id, exp_actor(actor),
                                     "create", reason, d.data, 0, NULL, err);
    if (rc == ORDO_OK)
        rc = exp_generation_bump(reg->store, err);
    if (rc == ORDO_OK)
        rc = ordo_store_tx_commit(reg->store, err);
    else
        ordo_store_tx_rollback(reg->store, NULL);
done:
    ordo_buf_free(&b);
    ordo_buf_free(&d);
    if (rc == ORDO_OK && out)
        *out = e;
    else
        ordo_exp_destroy(e);
    return rc;
}

int ordo_exp_registry_get(ordo_exp_registry_t *reg, const char *id, ordo_exp_t **out,
                          ordo_error_t *err)
{
    *out = NULL;
    char *json = NULL;
    size_t len = 0;
    uint64_t version = 0;
    int rc = ordo_store_doc_get(reg->store, ORDO_EXP_DOC_KIND, id ? id : "", &json, &len, &version,
                                err);
    if (rc == ORDO_ENOTFOUND)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "experiment",
                              "no experiment '%s' in the registry", id ? id : "");
    if (rc)
        return rc;
    rc = exp_stored_parse(json, len, version, out, err);
    free(json);
    return rc;
}

typedef struct list_ctx {
    ordo_exp_list_fn fn;
    void *ctx;
    ordo_error_t *err;
    int rc; /* parse error */
} list_ctx_t;

static int list_doc(void *vctx, const ordo_store_doc_t *doc)
{
    list_ctx_t *c = vctx;
    ordo_exp_t *e = NULL;
    int rc = exp_stored_parse(doc->json, doc->json_len, doc->version, &e, c->err);
    if (rc) {
        c->rc = rc;
        return rc;
    }
    rc = c->fn(c->ctx, e);
    ordo_exp_destroy(e);
    return rc;
}

int ordo_exp_registry_list(ordo_exp_registry_t *reg, ordo_exp_list_fn fn, void *ctx,
                           ordo_error_t *err)
{
    list_ctx_t c = {.fn = fn, .ctx = ctx, .err = err, .rc = ORDO_OK};
    return ordo_store_doc_list(reg->store, ORDO_EXP_DOC_KIND, list_doc, &c, err);
}

int ordo_exp_registry_history(ordo_exp_registry_t *reg, const char *id, ordo_store_audit_fn fn,
                              void *ctx, ordo_error_t *err)
{
    char *json = NULL;
    int rc = ordo_store_doc_get(reg->store, ORDO_EXP_DOC_KIND, id ? id : "", &json, NULL, NULL,
                                err);
    free(json);
    if (rc == ORDO_ENOTFOUND)
        return ordo_error_set(err, ORDO_ENOTFOUND, NULL, 0, "experiment",
                              "no experiment '%s' in the registry", id ? id : "");
    if (rc)
        return rc;
    return ordo_store_audit_list(reg->store, ORDO_EXP_DOC_KIND, id, fn, ctx, err);
}
