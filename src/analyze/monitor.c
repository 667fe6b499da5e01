/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — the guardrail monitor: analyse the current data, find
 * guardrails whose always-valid confidence sequence lies beyond the margin
 * in the harmful direction, and stop the experiment through the registry. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "ordo/store.h"

static int registry_stop(const char *dir, const char *experiment, const char *metric,
                         const char *detail, ordo_error_t *err)
{
    ordo_store_t *store = NULL;
    ordo_exp_registry_t *reg = NULL;
    int rc = ordo_store_open_existing(dir, NULL, &store, err);
    if (!rc)
        rc = ordo_exp_registry_open(store, &reg, err);
    if (!rc)
        rc = ordo_exp_guardrail_stop(reg, experiment, metric, detail, err);
    ordo_exp_registry_close(reg);
    ordo_store_close(store, NULL);
    return rc;
}

int ordo_analyze_monitor(const char *dir, const ordo_analyze_options_t *opt,
                         ordo_analyze_stop_fn stop, void *ctx, bool dry_run,
                         ordo_analyze_monitor_result_t *out, ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    ordo_analysis_t *a = NULL;
    int rc = ordo_analyze_dir(dir, opt, &a, err);
    if (rc)
        return rc;
    snprintf(out->experiment, sizeof out->experiment, "%s", a->cfg.experiment);
    out->n_guardrails = a->cfg.n_guardrails * (a->V > 1 ? a->V - 1 : 0);
    size_t n = ordo_analysis_breaches(a, out->breaches, ORDO_ANALYZE_MAX_BREACHES);
    out->n_breaches = n;
    if (n && !dry_run) {
        const ordo_analyze_breach_t *b = &out->breaches[0];
        char detail[512];
        snprintf(detail, sizeof detail,
                 "variant %s: difference %.6g, confidence sequence [%.6g, %.6g] beyond margin "
                 "%.6g (always-valid p %.3g)",
                 b->variant, b->estimate, b->cs_low, b->cs_high, b->margin, b->p_value);
        ordo_error_t e;
        ordo_error_clear(&e);
        if (stop)
            out->stop_rc = stop(ctx, a->cfg.experiment, b->metric, detail, &e);
        else if (a->cfg.from_registry)
            out->stop_rc = registry_stop(dir, a->cfg.experiment, b->metric, detail, &e);
        else {
            out->stop_rc = ordo_error_set(&e, ORDO_ENOTFOUND, NULL, 0, "experiment",
                                          "experiment '%s' is not in the registry: nothing to "
                                          "stop",
                                          a->cfg.experiment);
        }
        out->stopped = out->stop_rc == ORDO_OK;
        if (out->stop_rc)
            snprintf(out->stop_msg, sizeof out->stop_msg, "%s",
                     e.msg[0] ? e.msg : ordo_strerror(out->stop_rc));
    }
    ordo_analysis_destroy(a);
    return ORDO_OK;
}
