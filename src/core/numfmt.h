/* SPDX-License-Identifier: Apache-2.0 */
/* Numbers written in place, forward, with no NUL and no temporary: the
 * same text as ordo_json_format_u64 / ordo_json_format_double (json.c),
 * for writers that reserved room first (ordo log export's CSV rows). Not
 * installed. */
#ifndef ORDO_CORE_NUMFMT_H
#define ORDO_CORE_NUMFMT_H

#include <stdint.h>

/* The decimal text of v at o (at most 20 bytes); the byte after it. */
char *ordo_numfmt_u64(char *o, uint64_t v);

/* v as ordo_json_format_double prints it (no NUL); the byte after it. It
 * may write scratch bytes after that end, never beyond o + 32. Zeros,
 * integers and values with at most four decimal places below 1e9 are
 * written here; any other value through ordo_json_format_double. */
char *ordo_numfmt_double(char *o, double v);

#endif
