/* SPDX-License-Identifier: Apache-2.0 */
/* Signals that move during a run (docs/internals/SIM.md, "Signals during a
 * run"). The scenario's "timeline" lists signal documents and when they are
 * applied; each goes in through ordo_signals_apply_text at its simulated
 * time, as a user's integration (or POST /v1/signals) sends it, and the
 * decider picks the new version up before its next order. The world lives
 * every timeline signal from its effective_from, announced or not: a
 * carrier outage delays the parcels it covers, a labour capacity or a
 * degraded or closed node changes how much the node ships a day. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/calendar.h"
#include "ordo/signals.h"
#include "world.h"

/* An entry's time: "at" (ISO, with its zone: Z) or "day" (1 = the run's
 * first day) and "hour" (UTC, default 0). */
static int entry_at(const sim_t *s, const cJSON *e, size_t i, int64_t *at, ordo_error_t *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "at");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "day");
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(e, "hour");
    int y, mo, md, hh = 0, mi = 0, ss = 0;
    if (cJSON_IsString(a) && sscanf(a->valuestring, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &md, &hh,
                                    &mi, &ss) == 6) {
        *at = ordo_cal_days(y, mo, md) * 86400 + hh * 3600 + mi * 60 + ss;
        return ORDO_OK;
    }
    double hour = cJSON_IsNumber(h) ? h->valuedouble : 0;
    if (!a && cJSON_IsNumber(d) && d->valuedouble >= 1 && hour >= 0 && hour < 24) {
        *at = (s->day0 + (int64_t)d->valuedouble - 1) * 86400 + (int64_t)(hour * 3600);
        return ORDO_OK;
    }
    return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "timeline",
                          "entry %zu wants \"at\" (YYYY-MM-DDTHH:MM:SSZ) or \"day\" (>= 1) and "
                          "\"hour\" (0..23)",
                          i);
}

/* The entry's "signals" as NDJSON, effective_from defaulting to its time. */
static int entry_text(const cJSON *e, size_t i, int64_t at, sim_signal_doc_t *doc,
                      ordo_error_t *err)
{
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(e, "signals");
    if (!cJSON_IsArray(sig) || !cJSON_GetArraySize(sig))
        return ordo_error_set(err, ORDO_EINVAL, NULL, 0, "timeline",
                              "entry %zu wants \"signals\": an array of signal objects", i);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    char ts[32];
    sim_iso_time(at, ts);
    cJSON *v;
    int rc = ORDO_OK;
    cJSON_ArrayForEach(v, (cJSON *)sig)
    {
        cJSON *c = cJSON_Duplicate(v, 1);
        if (cJSON_IsObject(c) && !cJSON_GetObjectItemCaseSensitive(c, "effective_from"))
            cJSON_AddStringToObject(c, "effective_from", ts);
        char *line = c ? cJSON_PrintUnformatted(c) : NULL;
        cJSON_Delete(c);
        if (!line || ordo_buf_puts(&b, line) || ordo_buf_putc(&b, '\n'))
            rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        free(line);
        if (rc)
            break;
    }
    doc->at = at;
    doc->text = (char *)b.data;
    doc->len = b.len;
    if (rc) {
        ordo_buf_free(&b);
        doc->text = NULL;
    }
    return rc;
}

/* In time order; entries at the same time keep the file's order. */
static void docs_sort(sim_signal_doc_t *d, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        sim_signal_doc_t x = d[i];
        size_t j = i;
        for (; j > 0 && d[j - 1].at > x.at; j--)
            d[j] = d[j - 1];
        d[j] = x;
    }
}

/* Every document checked against the network (as the apply will) and
 * built into the world's truth, one version per entry in time order. */
static int truth_build(sim_t *s, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    ordo_signal_list_t list;
    memset(&list, 0, sizeof list);
    int rc = ORDO_OK;
    for (size_t i = 0; !rc && i < w->n_docs; i++) {
        char name[48];
        snprintf(name, sizeof name, "timeline[%zu]", i);
        rc = ordo_signals_parse(w->docs[i].text, w->docs[i].len, s->net, name, 1, i + 1, true,
                                &list, err);
    }
    if (!rc)
        rc = ordo_signals_build(s->net, list.sig, list.n, w->n_docs, &w->truth, err);
    ordo_signal_list_free(&list);
    return rc;
}

int sim_timeline_open(sim_t *s, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    cJSON *tl = w->timeline_json;
    size_t n = tl ? (size_t)cJSON_GetArraySize(tl) : 0;
    int rc = ORDO_OK;
    if (n && !(w->docs = calloc(n, sizeof *w->docs)))
        rc = ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    const cJSON *e;
    size_t i = 0;
    cJSON_ArrayForEach(e, tl)
    {
        int64_t at = 0;
        if (rc || (rc = entry_at(s, e, i, &at, err)) ||
            (rc = entry_text(e, i, at, &w->docs[i], err)))
            break;
        w->n_docs = ++i;
    }
    cJSON_Delete(tl);
    w->timeline_json = NULL;
    if (rc || !w->n_docs)
        return rc;
    docs_sort(w->docs, w->n_docs);
    return truth_build(s, err);
}

void sim_timeline_close(sim_t *s)
{
    sim_world_t *w = &s->w;
    for (size_t i = 0; i < w->n_docs; i++)
        free(w->docs[i].text);
    free(w->docs);
    cJSON_Delete(w->timeline_json);
    if (w->truth)
        ordo_signals_destroy(w->truth);
}

int sim_timeline_due(sim_t *s, int64_t t, ordo_error_t *err)
{
    sim_world_t *w = &s->w;
    int rc = ORDO_OK;
    while (!rc && w->next_doc < w->n_docs && w->docs[w->next_doc].at <= t) {
        const sim_signal_doc_t *d = &w->docs[w->next_doc++];
        char name[48];
        snprintf(name, sizeof name, "sim-timeline-%zu.ndjson", w->next_doc);
        ordo_signals_apply_result_t res;
        rc = sim_decider_idle(s, err);
        uint64_t t0 = ordo_now_ns();
        if (!rc)
            rc = ordo_signals_apply_text(s->store, s->net, d->text, d->len, name, &res, err);
        sim_store_timed(s, t0);
        s->sum->signals_applied += !rc;
    }
    return rc;
}

static bool outage_at(const sim_t *s, uint32_t service, uint16_t zip3, int64_t t)
{
    const ordo_signal_t *g = ordo_signals_outage(s->w.truth, service, zip3, t);
    return g && !g->restored;
}

int64_t sim_truth_outage_end(const sim_t *s, int32_t service, uint16_t zip3, int64_t t)
{
    if (!s->w.truth || service < 0 || !outage_at(s, (uint32_t)service, zip3, t))
        return 0;
    /* the first hour no outage is in force (a window's end, a restoration),
     * at most SIM_OUTAGE_MAX_DAYS on */
    int64_t end = t - t % 3600 + 3600;
    while (end < t + SIM_OUTAGE_MAX_DAYS * 86400 && outage_at(s, (uint32_t)service, zip3, end))
        end += 3600;
    return end;
}

uint32_t sim_truth_capacity(const sim_t *s, uint32_t node, int64_t day)
{
    uint32_t cap = s->net->nodes[node].daily_capacity;
    if (!s->w.truth)
        return cap;
    int64_t noon = day * 86400 + 12 * 3600;
    const ordo_signal_t *l = ordo_signals_node(s->w.truth, ORDO_SIGNAL_LABOUR, node, noon);
    if (l && l->capacity == l->capacity && l->capacity > 0)
        cap = (uint32_t)l->capacity;
    const ordo_signal_t *st = ordo_signals_node(s->w.truth, ORDO_SIGNAL_NODE_STATUS, node, noon);
    if (st && st->state == ORDO_NODE_STATE_CLOSED)
        return UINT32_MAX;
    if (st && st->state == ORDO_NODE_STATE_DEGRADED && cap)
        cap = (uint32_t)(cap * st->capacity_factor) ? (uint32_t)(cap * st->capacity_factor) : 1;
    return cap;
}
