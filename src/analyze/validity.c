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

ordo_outcome_validity_t ordo_outcome_validity(const ordo_outcome_summary_t *s, int64_t decision_ts)
{
    /* A delivery without a shipped event is missing data, not a
     * contradiction; a negative cost part may be a credit (carrying
     * relief): neither is set aside. */
    return AN_VALIDITY_OF(s, decision_ts);
}

/* Outcomes set aside are counted by reason (the report's figures). */
bool an_outcome_valid_or_count(ordo_outcome_validity_t v, ordo_analyze_counts_t *c)
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
    return !s || an_outcome_valid_or_count(ordo_outcome_validity(s, decision_ts), c);
}
