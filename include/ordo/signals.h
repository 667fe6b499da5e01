/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — signals: dated, versioned facts that change during the day
 * (carrier rates and fuel surcharges, labour, backlog, node status,
 * carrier outages), and the immutable snapshot the engine reads them from.
 *
 * A signal document is NDJSON, one signal per line (docs/formats.md,
 * "Signals"). Each signal has an effective window [effective_from,
 * effective_to) (effective_to absent: open-ended). Parsing validates every
 * line against the loaded network; any error names the line and field and
 * nothing of the document is kept.
 *
 * Versions: each applied document becomes one version (store, migration
 * 4). At an instant t, the signal in force for a key (kind and target: a
 * carrier service, a node, or a service and outage area) is the one of the
 * highest version whose window contains t: a later version supersedes an
 * earlier one for the same key where their windows overlap, and only there.
 * Within one document two windows of the same key must not overlap.
 *
 * Ownership: a list (ordo_signal_list_t) owns its arrays (free with
 * ordo_signal_list_free); a snapshot (ordo_signals_t) is immutable once
 * built and may be read by any number of threads; the engine takes
 * ownership of one given to ordo_engine_set_signals (source.h). */
#ifndef ORDO_SIGNALS_H
#define ORDO_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "network.h"

#define ORDO_SIGNAL_OPEN_END INT64_MAX /* effective_to of an open-ended signal */
#define ORDO_SIGNAL_AREA_MAX 64        /* the outage area as written, for show */

typedef enum ordo_signal_kind {
    ORDO_SIGNAL_RATE = 0,
    ORDO_SIGNAL_LABOUR = 1,
    ORDO_SIGNAL_BACKLOG = 2,
    ORDO_SIGNAL_NODE_STATUS = 3,
    ORDO_SIGNAL_CARRIER_OUTAGE = 4
} ordo_signal_kind_t;
#define ORDO_SIGNAL_KINDS 5

typedef enum ordo_node_state {
    ORDO_NODE_STATE_OPEN = 0,
    ORDO_NODE_STATE_DEGRADED = 1,
    ORDO_NODE_STATE_CLOSED = 2
} ordo_node_state_t;

/* One signal, resolved against the network. A carrier-wide rate or outage
 * signal (no `service`) is one entry per service of that carrier. Numbers
 * not given are NAN. */
typedef struct ordo_signal {
    ordo_signal_kind_t kind;
    uint64_t version; /* the apply that stored it; 0 before it is stored */
    uint32_t line;    /* its line in that document */
    int64_t from, to; /* [from, to), Unix seconds; to ORDO_SIGNAL_OPEN_END */
    int32_t node;     /* labour, backlog, node_status; else -1 */
    int32_t service;  /* rate, carrier_outage; else -1 */
    /* rate: base rate × rate_multiplier; fuel_pct replaces the card's */
    double rate_multiplier, fuel_pct;
    /* labour: pick cost per unit = labour_rate / picks_per_hour (USD/h,
     * units/h, given together); capacity (units/day) replaces the node's */
    double labour_rate, picks_per_hour, capacity;
    double backlog; /* backlog: units waiting to be picked */
    ordo_node_state_t state; /* node_status */
    double capacity_factor;  /* node_status degraded: capacity × this, (0, 1] */
    /* carrier_outage: destination ZIP3s out of service (bit z of
     * zip3_mask[z / 8]), or a restoration of that area (restored) */
    bool restored;
    char area[ORDO_SIGNAL_AREA_MAX];
    uint8_t zip3_mask[ORDO_ZIP3_COUNT / 8];
} ordo_signal_t;

/* A document's lines as stored: the line number and its text. */
typedef struct ordo_signal_doc_line {
    uint32_t line;
    size_t offset, len; /* into the parsed text */
    ordo_signal_kind_t kind;
    int64_t from, to;
} ordo_signal_doc_line_t;

typedef struct ordo_signal_list {
    ordo_signal_t *sig; /* expanded signals */
    size_t n, cap;
    ordo_signal_doc_line_t *lines; /* one per non-blank source line */
    size_t n_lines, cap_lines;
} ordo_signal_list_t;

const char *ordo_signal_kind_name(ordo_signal_kind_t k);
const char *ordo_node_state_name(ordo_node_state_t s);

/* Parses an NDJSON signal document against net, appending to *list (zero
 * it first) every signal with the given version. name and first_line
 * place errors (first_line: the number of the text's first line, 1 for a
 * file). Strict: unknown fields, duplicate keys, bad types, invalid UTF-8,
 * unknown carrier/service/node/region, a window that ends at or before it
 * starts, negative or non-finite numbers are each an error naming the line
 * and field. overlap_check: also refuse two windows of the same key in the
 * text that overlap (an applied document; off when reloading the stored
 * lines of many versions). On error the list holds what it held before. */
int ordo_signals_parse(const char *text, size_t len, const ordo_network_t *net, const char *name,
                       uint32_t first_line, uint64_t version, bool overlap_check,
                       ordo_signal_list_t *list, ordo_error_t *err);
void ordo_signal_list_free(ordo_signal_list_t *list);
/* Order of signal keys: kind, node, service, outage area (0: same key). */
int ordo_signal_key_cmp(const ordo_signal_t *a, const ordo_signal_t *b);
/* A signal's members, as the document names them (kind, version, line,
 * node or carrier and service, window, the values given), into an open
 * JSON object (ordo signals show, the plan's `signals`). */
struct ordo_jsonw;
void ordo_signal_write_fields(struct ordo_jsonw *w, const ordo_network_t *net,
                              const ordo_signal_t *g);

/* ---- snapshots ---- */

typedef struct ordo_signals ordo_signals_t;

/* Builds the snapshot of signals[0..n) (every version up to `version`)
 * for net: per key a timeline of the signal in force. */
int ordo_signals_build(const ordo_network_t *net, const ordo_signal_t *sig, size_t n,
                       uint64_t version, ordo_signals_t **out, ordo_error_t *err);
void ordo_signals_destroy(ordo_signals_t *s);
/* A snapshot with no signal (version 0); static, never destroyed. */
const ordo_signals_t *ordo_signals_empty(void);
uint64_t ordo_signals_version(const ordo_signals_t *s);
size_t ordo_signals_count(const ordo_signals_t *s);
/* The lowest factor by which any signal of the snapshot, at any time,
 * multiplies a service's shipping relative to its rate card (≤ 1; 1 when
 * no signal lowers a rate): the engine's static bounds are scaled by it. */
double ordo_signals_rate_floor(const ordo_signals_t *s);

/* Lookups at instant t: the signal in force, or NULL. O(log k) in the
 * signals of that key; O(1) when the key has none. */
const ordo_signal_t *ordo_signals_rate(const ordo_signals_t *s, uint32_t service, int64_t t);
const ordo_signal_t *ordo_signals_node(const ordo_signals_t *s, ordo_signal_kind_t kind,
                                       uint32_t node, int64_t t);
/* The outage in force for service to a destination ZIP3, or NULL. */
const ordo_signal_t *ordo_signals_outage(const ordo_signals_t *s, uint32_t service, uint16_t zip3,
                                         int64_t t);
/* Every signal in force at t, by kind and target (at most cap; returns the
 * number in force). */
size_t ordo_signals_in_force(const ordo_signals_t *s, int64_t t, const ordo_signal_t **out,
                             size_t cap);

/* The engine's retire list: a snapshot swapped out stays readable until
 * its engine is destroyed (source/engine.c). */
ordo_signals_t **ordo_signals_retired_next(ordo_signals_t *s);

#endif
