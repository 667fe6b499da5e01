/* SPDX-License-Identifier: Apache-2.0 */
/* ordo model train|eval|show: the risk models' output (cmd_model_risk.c). */
#ifndef ORDO_CLI_MODEL_RISK_H
#define ORDO_CLI_MODEL_RISK_H

#include "cli.h"
#include "ordo/model.h"

/* The head every model file shares (version, hash, run, created, training
 * span, orders) as JSON members (cmd_model.c). */
typedef struct ordo_cli_model_head {
    const char *version, *hash, *run;
    int64_t created, trained_from, trained_until;
    uint64_t orders;
} ordo_cli_model_head_t;
void ordo_cli_model_head_json(ordo_jsonw_t *w, const ordo_cli_model_head_t *h);
void ordo_cli_risk_train_text(const ordo_model_train_result_t *r);
/* "risk": {...} into an open object */
void ordo_cli_risk_train_json(ordo_jsonw_t *w, const ordo_model_train_result_t *r);
/* ordo model eval / show of the risk model file at path */
int ordo_cli_risk_eval(const ordo_cli_args_t *a, const char *run, const char *path);
int ordo_cli_risk_show(const ordo_cli_args_t *a, const char *path);
/* --bound and --min-n of ordo model show over the defaults given (cmd_model.c). */
int ordo_cli_drift_opts(const ordo_cli_args_t *a, double *bound, uint64_t *min_n,
                        ordo_error_t *err);
/* One drift line ("drift", "on-time") and, on alarm, the retrain command. */
void ordo_cli_drift_text(const char *label, const char *what, const ordo_model_drift_t *d,
                         const char *retrain);
/* Loads a risk model file into the engine's risk table (ordo source
 * --risk-model). */
int ordo_cli_risk_model_apply(ordo_engine_t *eng, const ordo_network_t *net, const char *path,
                              ordo_error_t *err);

/* The file arg names: a path, or a version or "latest" in run's (else the
 * default data directory's) models directory; kind: ORDO_MODEL_KIND_*. */
int ordo_cli_model_path(const char *arg, const char *run, unsigned kind, char *out, size_t n,
                        ordo_error_t *err);

/* ---- the network-value model (cmd_model_netval.c) ---- */
/* --horizon and --unmet-cost into o->netval (set by the caller). */
int ordo_cli_netval_flags(const ordo_cli_args_t *a, ordo_model_train_opts_t *o);
void ordo_cli_netval_info_text(const ordo_netval_info_t *in, const char *path);
/* The model's object (its head and figures) at the writer's position. */
void ordo_cli_netval_info_json(ordo_jsonw_t *w, const ordo_netval_info_t *in, const char *path);
int ordo_cli_netval_show(const ordo_cli_args_t *a, const char *path);
/* Loads a network-value model (a file, a version, or latest in data's
 * models directory) into the engine's table: ordo source --netval. */
int ordo_cli_netval_apply(ordo_engine_t *eng, const ordo_network_t *net, const char *arg,
                          const char *data, ordo_error_t *err);

#endif
