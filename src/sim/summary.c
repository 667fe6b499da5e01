/* SPDX-License-Identifier: Apache-2.0 */
/* summary.json of a run (docs/internals/SIM.md, "The run directory"). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ordo/buf.h"
#include "ordo/json.h"

char *ordo_sim_summary_json(const ordo_sim_summary_t *s, int pretty)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, pretty);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "scenario", s->scenario);
    ordo_jsonw_kstr(&w, "experiment", s->experiment);
    ordo_jsonw_kint(&w, "seed", (int64_t)s->seed);
    ordo_jsonw_kint(&w, "days", s->days);
    ordo_jsonw_kint(&w, "orders", (int64_t)s->orders);
    ordo_jsonw_kint(&w, "units_ordered", (int64_t)s->units_ordered);
    ordo_jsonw_kint(&w, "units_shipped", (int64_t)s->units_shipped);
    ordo_jsonw_kint(&w, "units_backordered", (int64_t)s->units_backordered);
    ordo_jsonw_kint(&w, "units_cancelled", (int64_t)s->units_cancelled);
    ordo_jsonw_kint(&w, "units_returned", (int64_t)s->units_returned);
    ordo_jsonw_kint(&w, "orders_cancelled", (int64_t)s->orders_cancelled);
    ordo_jsonw_kint(&w, "orders_delivered", (int64_t)s->orders_delivered);
    ordo_jsonw_kint(&w, "orders_late", (int64_t)s->orders_late);
    ordo_jsonw_kint(&w, "oversells", (int64_t)s->oversells);
    ordo_jsonw_kint(&w, "outcome_events", (int64_t)s->outcome_events);
    ordo_jsonw_kint(&w, "short_picks", (int64_t)s->short_picks);
    ordo_jsonw_kint(&w, "units_short", (int64_t)s->units_short);
    ordo_jsonw_kint(&w, "reroutes", (int64_t)s->reroutes);
    ordo_jsonw_kint(&w, "units_short_cancelled", (int64_t)s->units_short_cancelled);
    ordo_jsonw_kint(&w, "cycle_counts", (int64_t)s->cycle_counts);
    ordo_jsonw_kint(&w, "units_shrunk", (int64_t)s->units_shrunk);
    ordo_jsonw_kint(&w, "units_replenished", (int64_t)s->units_replenished);
    ordo_jsonw_kint(&w, "signals_applied", (int64_t)s->signals_applied);
    ordo_jsonw_kint(&w, "outage_delayed", (int64_t)s->outage_delayed);
    ordo_jsonw_key(&w, "measured"); /* wall clock: differs from run to run */
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kdouble(&w, "seconds", s->seconds);
    ordo_jsonw_kdouble(&w, "orders_per_second", s->orders_per_second);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    if (ordo_jsonw_finish(&w) || ordo_buf_putc(&b, '\n')) {
        ordo_buf_free(&b);
        return NULL;
    }
    return (char *)b.data; /* the buffer's memory: malloc'd */
}
