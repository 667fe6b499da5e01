/* SPDX-License-Identifier: Apache-2.0 */
/* ordo serve — what the server holds: network, engine, default policy, the
 * decider, and the index of order ids already decided (retries). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"
#include "ordo/analyze.h"
#include "server.h"

/* server.tokens "a,b,c" → s->tokens (pointers into s->token_store) */
static void split_tokens(ordo_server_t *s)
{
    snprintf(s->token_store, sizeof s->token_store, "%s", s->cfg.server.tokens);
    char *save = NULL;
    for (char *t = strtok_r(s->token_store, ",", &save); t && s->n_tokens < SRV_MAX_TOKENS;
         t = strtok_r(NULL, ",", &save)) {
        s->tokens[s->n_tokens] = t;
        s->token_len[s->n_tokens++] = strlen(t);
    }
}

/* Every order id with a decision record in the log: a retried POST
 * /v1/source answers the first plan, across restarts. */
static int index_decided(ordo_server_t *s, ordo_error_t *err)
{
    ordo_log_query_t q = {.raw = true};
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(s->log_dir, &q, &it, err);
    if (rc)
        return rc;
    ordo_log_record_t rec;
    while ((rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        atomic_store(&s->last_seq, rec.seq);
        if (rec.type == ORDO_LOG_REC_DECISION && rec.key_len)
            if ((rc = ordo_strmap_put(s->decided, rec.key, rec.key_len, 1)) == ORDO_ENOMEM)
                break;
    }
    ordo_log_iter_close(it);
    return rc < 0 && rc != ORDO_EEXIST ? rc : ORDO_OK;
}

static int open_decider(ordo_server_t *s, ordo_error_t *err)
{
    ordo_decider_options_t dopt;
    ordo_decider_options_init(&dopt);
    dopt.log_follower = &ordo_facts_follower_net; /* DIR/facts kept, the reports' catalog */
    ordo_log_options_t lo;
    ordo_decider_log_options(&s->cfg, &lo);
    dopt.data_dir = s->data_dir;
    dopt.default_policy = s->policy;
    dopt.log_options = &lo; /* the server's log.* settings */
    dopt.group_commit = true;
    /* the records encoded by the committer, off the decision thread */
    dopt.defer_records = true;
    dopt.explain = s->cfg.server.explain;
    dopt.log_wait_ms = 2000;
    int rc = ordo_decider_open(s->net, s->eng, &dopt, &s->decider, err);
    if (rc)
        return rc;
    ordo_datadir_t dd;
    if ((rc = ordo_datadir_init(&dd, s->data_dir, err)))
        return rc;
    snprintf(s->log_dir, sizeof s->log_dir, "%s", dd.log);
    return index_decided(s, err);
}

int ordo_server_open(ordo_server_t *s, const ordo_config_t *cfg, ordo_error_t *err)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    snprintf(s->data_dir, sizeof s->data_dir, "%s",
             cfg->server.data_dir[0] ? cfg->server.data_dir : ordo_cli_default_data_dir());
    split_tokens(s);
    if (!cfg->server.network[0])
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "server.network",
                              "the configuration names no network (server.network = DIR)");
    pthread_mutex_init(&s->streams_lock, NULL);
    pthread_mutex_init(&s->arenas_lock, NULL);
    int rc = srv_metrics_init(&s->metrics);
    if (rc == ORDO_OK)
        rc = srv_models_init(s);
    if (rc == ORDO_OK && cfg->server.policy[0])
        rc = ordo_cli_policy_load(cfg->server.policy, &s->policy, err);
    if (rc == ORDO_OK)
        rc = ordo_cli_network_load(cfg->server.network, &s->net, err);
    if (rc == ORDO_OK)
        rc = ordo_engine_create(s->net, NULL, &s->eng, err);
    if (rc == ORDO_OK && !(s->arena = ordo_arena_create(1 << 16)))
        rc = ORDO_ENOMEM;
    if (rc == ORDO_OK && !(s->decided = ordo_strmap_create(1 << 16)))
        rc = ORDO_ENOMEM;
    if (rc == ORDO_OK)
        rc = srv_models_reload(s, err);
    if (rc == ORDO_OK)
        rc = open_decider(s, err);
    if (rc == ORDO_OK)
        rc = srv_customers_open(s, err);
    if (rc)
        ordo_server_close(s);
    return rc;
}

void ordo_server_close(ordo_server_t *s)
{
    ordo_error_t err = {0};
    if (s->decider && ordo_decider_close(s->decider, &err))
        fprintf(stderr, "ordo serve: closing the log: %s\n", err.msg);
    s->decider = NULL;
    srv_customers_free(s);
    ordo_strmap_destroy(s->decided);
    ordo_arena_destroy(s->arena);
    for (uint32_t i = 0; i < s->n_arenas; i++)
        ordo_arena_destroy(s->arenas[i]);
    s->n_arenas = 0;
    ordo_engine_destroy(s->eng);
    ordo_network_destroy(s->net);
    ordo_policy_destroy(s->policy);
    srv_metrics_free(&s->metrics);
    srv_models_free(s);
    s->decided = NULL;
    s->arena = NULL;
    s->eng = NULL;
    s->net = NULL;
    s->policy = NULL;
}
