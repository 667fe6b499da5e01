/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the record module's own: what the writer knows before it writes
 * (write.c) and the summary it writes from it (summary.c). */
#ifndef ORDO_RECORD_INTERNAL_H
#define ORDO_RECORD_INTERNAL_H

#include "ordo/record.h"

/* The record's top-level figures, worked out once for its members and its
 * summary. */
typedef struct record_top {
    const char *timestamp; /* as written */
    bool has_time;         /* the timestamp parses: time */
    int64_t time;
    double order_value; /* with an order */
    const char *family; /* the dominant family; NULL: none */
} record_top_t;

/* Writes the summary member (key and value) with its slots zero; returns
 * the slots' offset for record_summary_end. */
size_t record_summary_write(const ordo_plan_t *p, const ordo_network_t *net,
                            const ordo_decision_meta_t *meta, const record_top_t *top,
                            ordo_jsonw_t *w);
/* Once the record is written: the slots (flags, the summary's end and the
 * strings numbered by it, given by the caller as the writer had them
 * there, and the check). */
void record_summary_end(ordo_jsonw_t *w, size_t slots, const ordo_decision_meta_t *meta,
                        uint32_t end, uint32_t refs);

#endif
