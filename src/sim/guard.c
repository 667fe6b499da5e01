/* SPDX-License-Identifier: Apache-2.0 */
/* The run's guardrail monitor: every `monitor.every_days` simulated days
 * the simulator runs ordo's guardrail monitor (ordo_analyze_monitor) over
 * the decisions and the outcomes the world has reported so far, as a cron
 * job would in production; a significant breach stops the experiment
 * through the registry's guardrail entry point (ordo_exp_guardrail_stop),
 * and the next order is routed without it (docs/internals/SIM.md
 * "guardrail-breach"). Also the scenario's run settings that touch the
 * network: the stock scale and the default policy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/analyze.h"
#include "ordo/exp.h"
#include "world.h"

/* The monitor's stop: the registry's guardrail entry point, through the
 * run's store handle; the simulated instant goes to the summary. */
static int stop_experiment(void *ctx, const char *experiment, const char *metric,
                           const char *detail, ordo_error_t *err)
{
    sim_t *s = ctx;
    ordo_exp_registry_t *reg = NULL;
    int rc = ordo_exp_registry_open(s->store, &reg, err);
    if (!rc)
        rc = ordo_exp_guardrail_stop(reg, experiment, metric, detail, err);
    ordo_exp_registry_close(reg);
    if (rc)
        return rc;
    s->sum->stopped = true;
    snprintf(s->sum->stop_metric, sizeof s->sum->stop_metric, "%s", metric);
    snprintf(s->sum->stop_detail, sizeof s->sum->stop_detail, "%s", detail ? detail : "");
    return ORDO_OK;
}

int sim_monitor(sim_t *s, uint32_t days_done, ordo_error_t *err)
{
    if (!s->sc.monitor_days || s->sum->stopped || days_done % s->sc.monitor_days)
        return ORDO_OK;
    int rc = ordo_decider_flush(s->dec, err); /* the monitor reads the log on disk */
    if (rc)
        return rc;
    ordo_analyze_options_t ao;
    memset(&ao, 0, sizeof ao);
    ao.experiment = s->sc.experiment;
    ao.network = s->net;
    ordo_analyze_monitor_result_t *res = malloc(sizeof *res);
    if (!res)
        return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    rc = ordo_analyze_monitor(s->opt->out_dir, &ao, stop_experiment, s, false, res, err);
    s->sum->monitor_runs++;
    if (!rc && res->n_breaches && !res->stopped)
        rc = ordo_error_set(err, res->stop_rc ? res->stop_rc : ORDO_ESTATE, NULL, 0,
                            "experiment", "the guardrail monitor could not stop %s: %s",
                            s->sc.experiment, res->stop_msg);
    free(res);
    if (rc || !s->sum->stopped)
        return rc;
    s->sum->stopped_at = (s->day0 + days_done) * 86400;
    s->sum->stopped_day = days_done;
    return ordo_decider_reload(s->dec, err); /* the next order no longer sees it */
}

/* On-hand of every cell × the scenario's stock_scale of its node's type
 * (scarce stock). */
void sim_scale_network(sim_t *s)
{
    const double *scale = s->sc.stock_scale;
    if (scale[0] == 1 && scale[1] == 1 && scale[2] == 1)
        return;
    for (uint32_t k = 0; k < s->net->n_skus; k++) {
        ordo_stock_range_t r = ordo_inventory_sku_cells(s->net->inventory, k);
        for (uint32_t c = r.begin; c < r.end; c++) {
            ordo_stock_t st;
            ordo_inventory_get(s->net->inventory, c, &st);
            unsigned type = s->net->nodes[ordo_inventory_cell_node(s->net->inventory, c)].type;
            int32_t oh = (int32_t)floor(st.on_hand * scale[type < 3 ? type : 0] + 0.5);
            ordo_inventory_set(s->net->inventory, c, oh, st.reserved < oh ? st.reserved : oh);
        }
    }
}
