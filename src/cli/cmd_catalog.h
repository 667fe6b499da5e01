/* SPDX-License-Identifier: Apache-2.0 */
/* ordo exp — the catalog of concluded experiments (cmd_catalog.c). */
#ifndef ORDO_CLI_CMD_CATALOG_H
#define ORDO_CLI_CMD_CATALOG_H

#include "cli.h"
#include "ordo/buf.h"
#include "ordo/error.h"
#include "ordo/json.h"

/* Analyses experiment id in data directory dir and appends its JSON report
 * (compact, as `ordo analyze --format json` writes it) to report and its
 * compact summary (docs/experiments.md "The catalog") to summary. */
int ordo_cli_conclusion_build(const char *dir, const char *id, ordo_buf_t *report,
                              ordo_buf_t *summary, ordo_error_t *err);

/* Prints one stored result document (exp_result/ID, JSON text) as its
 * catalog entry: the text form to stdout, or, with w, the JSON object. */
int ordo_cli_catalog_entry(const char *doc, size_t len, ordo_jsonw_t *w);

extern const ordo_cli_cmd_t ordo_cmd_exp_catalog;

#endif
