/* SPDX-License-Identifier: Apache-2.0 */
/* ordo analyze — outcomes that cannot be true. An order delivered before it
 * shipped, or anything that happened to it before it was decided, is a broken
 * feed or a clock, not an effect: analysing it would report, say, a
 * hours_to_deliver of −6,322 as significantly "better". Such an outcome is
 * counted by reason and set aside (the order is analysed as one without
 * outcome events); the report shows the count (docs/reports.md). */
#include <math.h>

#include "internal.h"
#include "ordo/store.h"

const char *ordo_outcome_validity_name(ordo_outcome_validity_t v)
{
    switch (v) {
    case ORDO_OUTCOME_VALID:
        return "valid";
    case ORDO_OUTCOME_BEFORE_ORDER:
        return "before_order";
    case ORDO_OUTCOME_DELIVERED_BEFORE_SHIPPED:
        return "delivered_before_shipped";
    }
    return "?";
}

/* t (0 = absent) is before the decision by more than the clock skew. */
static bool before(int64_t t, int64_t decision_ts)
{
    return t != 0 && decision_ts > 0 && t < decision_ts - ORDO_OUTCOME_CLOCK_SKEW;
}

/* The rules on an outcome's times and flags, as the summary (s) and the
 * outcome facts' row (an_outcome_t: the same fields) both carry them. */
#define VALIDITY_OF(s, decision_ts)                                                                \
    (before((s)->shipped_at, decision_ts) || before((s)->delivered_at, decision_ts) ||             \
             before((s)->last_delivered_at, decision_ts) ||                                        \
             before((s)->returned_at, decision_ts) || before((s)->cancelled_at, decision_ts)       \
         ? ORDO_OUTCOME_BEFORE_ORDER                                                               \
     : ((s)->flags & ORDO_OUTCOME_FLAG_TIME_INCONSISTENT) ||                                       \
             ((s)->shipped_at > 0 &&                                                               \
              (((s)->delivered_at > 0 && (s)->delivered_at < (s)->shipped_at) ||                   \
               ((s)->returned_at > 0 && (s)->returned_at < (s)->shipped_at)))                      \
         ? ORDO_OUTCOME_DELIVERED_BEFORE_SHIPPED                                                   \
         : ORDO_OUTCOME_VALID)

ordo_outcome_validity_t ordo_outcome_validity(const ordo_outcome_summary_t *s, int64_t decision_ts)
{
    /* A delivery without a shipped event is missing data, not a
     * contradiction; a negative cost part may be a credit (carrying
     * relief): neither is set aside. */
    return VALIDITY_OF(s, decision_ts);
}

/* v counted when the outcome is set aside; true when it is usable. */
static bool count_usable(ordo_outcome_validity_t v, ordo_analyze_counts_t *c)
{
    if (v == ORDO_OUTCOME_VALID)
        return true;
    c->invalid_outcome++;
    if (v == ORDO_OUTCOME_BEFORE_ORDER)
        c->invalid_before_order++;
    else
        c->invalid_delivered_before_shipped++;
    return false;
}

bool ordo_analyze_outcome_usable(const ordo_outcome_summary_t *s, int64_t decision_ts,
                                 ordo_analyze_counts_t *c)
{
    return !s || count_usable(ordo_outcome_validity(s, decision_ts), c);
}

bool an_outcome_row_usable(const an_outcome_t *o, int64_t decision_ts, ordo_analyze_counts_t *c)
{
    return !o || count_usable(VALIDITY_OF(o, decision_ts), c);
}
