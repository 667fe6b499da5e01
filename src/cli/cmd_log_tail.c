/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log tail [DIR] [--from-seq N] [--outcomes-since M] [--types K]
 * [--follow] — the event stream: one line per decision or shadow record of
 * the log, and per order whose outcomes changed in the store. GET
 * /v1/events of ordo serve sends the same lines (as Server-Sent Events);
 * the functions here are the one writer of both. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

bool ordo_cli_event_line(const ordo_log_record_t *rec, ordo_buf_t *out)
{
    const char *type = rec->type == ORDO_LOG_REC_DECISION ? "decision"
                       : rec->type == ORDO_LOG_REC_SHADOW ? "shadow"
                                                          : NULL;
    if (!type || !rec->len)
        return false;
    ordo_buf_printf(out, "{\"seq\":%llu,\"type\":\"%s\",\"record\":", (unsigned long long)rec->seq,
                    type);
    ordo_buf_append(out, rec->payload, rec->len);
    ordo_buf_puts(out, "}");
    return true;
}

bool ordo_cli_event_kinds(const char *list, unsigned *mask)
{
    static const char *const names[] = {"decision", "shadow", "outcome"};
    *mask = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        unsigned bit = 0;
        for (unsigned k = 0; k < 3; k++)
            if (n == strlen(names[k]) && !strncmp(p, names[k], n))
                bit = 1u << k;
        if (!bit)
            return false;
        *mask |= bit;
        p += n + (p[n] == ',');
    }
    return *mask != 0;
}

int ordo_cli_events_read(const char *log_dir, uint64_t from_seq, unsigned mask, size_t max_bytes,
                         ordo_cli_event_fn fn, void *ctx, uint64_t *next_seq, ordo_error_t *err)
{
    ordo_log_query_t q = {.from_seq = from_seq};
    ordo_log_iter_t *it;
    int rc = ordo_log_iter_open(log_dir, &q, &it, err);
    if (rc)
        return rc;
    ordo_buf_t line;
    ordo_buf_init(&line, NULL);
    ordo_log_record_t rec;
    size_t sent = 0;
    while (sent < max_bytes && (rc = ordo_log_iter_next(it, &rec, err)) == 1) {
        *next_seq = rec.seq + 1;
        unsigned bit = rec.type == ORDO_LOG_REC_DECISION ? ORDO_CLI_EV_DECISION
                       : rec.type == ORDO_LOG_REC_SHADOW ? ORDO_CLI_EV_SHADOW
                                                         : 0;
        ordo_buf_reset(&line);
        if ((mask & bit) && ordo_cli_event_line(&rec, &line)) {
            fn(ctx, rec.seq, bit == ORDO_CLI_EV_SHADOW ? "shadow" : "decision", &line);
            sent += line.len;
        }
    }
    ordo_buf_free(&line);
    ordo_log_iter_close(it);
    return rc < 0 ? rc : ORDO_OK;
}

/* Changes by order id, then by number: the last of each order's run is
 * the one its line goes out at. */
static int change_cmp(const void *a, const void *b)
{
    const ordo_outcome_change_t *x = *(const ordo_outcome_change_t *const *)a;
    const ordo_outcome_change_t *y = *(const ordo_outcome_change_t *const *)b;
    int c = strcmp(x->order_id, y->order_id);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* One order's outcome line into out. */
static int outcome_line(ordo_store_t *store, uint64_t seq, const char *order_id, ordo_buf_t *out,
                        ordo_error_t *err)
{
    ordo_outcome_summary_t o;
    ordo_shipment_outcome_t few[16], *sh = few;
    size_t n = 0, cap = 16;
    int rc = ordo_store_outcome_read(store, order_id, &o, few, cap, &n, err);
    while (rc == ORDO_OK && n > cap) { /* rare: read again into room for all */
        if (sh != few)
            free(sh);
        cap = n;
        if (!(sh = calloc(cap, sizeof *sh)))
            return ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
        rc = ordo_store_outcome_read(store, order_id, &o, sh, cap, &n, err);
    }
    if (rc == ORDO_OK) {
        ordo_buf_printf(out, "{\"outcome_seq\":%llu,\"type\":\"outcome\",\"outcome\":",
                        (unsigned long long)seq);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, out, 0);
        ordo_outcome_summary_write_json(&o, sh, n, &w);
        rc = ordo_jsonw_finish(&w);
        if (rc == ORDO_OK)
            rc = ordo_buf_putc(out, '}');
    }
    if (sh != few)
        free(sh);
    return rc;
}

int ordo_cli_outcomes_read(ordo_store_t *store, uint64_t since, size_t max_changes,
                           ordo_cli_event_fn fn, void *ctx, uint64_t *next_since, ordo_error_t *err)
{
    *next_since = since;
    ordo_outcome_change_t *ch = malloc((max_changes ? max_changes : 1) * sizeof *ch);
    const ordo_outcome_change_t **by = malloc((max_changes ? max_changes : 1) * sizeof *by);
    bool *last = calloc(max_changes ? max_changes : 1, sizeof *last);
    size_t n = 0;
    int rc = ch && by && last ? ORDO_OK
                              : ordo_error_set(err, ORDO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (rc == ORDO_OK)
        rc = ordo_store_outcome_changes(store, since, ch, max_changes, &n, err);
    if (rc == ORDO_OK && n) {
        for (size_t i = 0; i < n; i++)
            by[i] = &ch[i];
        qsort(by, n, sizeof *by, change_cmp);
        for (size_t k = 0; k < n; k++)
            last[by[k] - ch] = k + 1 == n || strcmp(by[k]->order_id, by[k + 1]->order_id) != 0;
        ordo_buf_t line;
        ordo_buf_init(&line, NULL);
        for (size_t i = 0; i < n && rc == ORDO_OK; i++) {
            if (!last[i])
                continue; /* the order's line goes out at its later change */
            ordo_buf_reset(&line);
            rc = outcome_line(store, ch[i].seq, ch[i].order_id, &line, err);
            if (rc == ORDO_ENOTFOUND) { /* not visible yet: sent at its next read */
                rc = ORDO_OK;
                n = i;
                break;
            }
            if (rc == ORDO_OK) {
                fn(ctx, ch[i].seq, "outcome", &line);
                *next_since = ch[i].seq;
            }
        }
        ordo_buf_free(&line);
        if (rc == ORDO_OK && n)
            *next_since = ch[n - 1].seq;
    }
    free(last);
    free(by);
    free(ch);
    return rc;
}

static void print_line(void *ctx, uint64_t seq, const char *kind, const ordo_buf_t *line)
{
    (void)ctx;
    (void)seq;
    (void)kind;
    fwrite(line->data, 1, line->len, stdout);
    fputc('\n', stdout);
}

static int parse_seq(const char *v, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    *out = strtoull(v, &end, 10);
    return *v && !*end && *v != '-' && errno == 0 ? 0 : -1;
}

static int run_tail(const ordo_cli_args_t *a)
{
    const char *d = ordo_cli_get(a, "data");
    if (!d && a->npos)
        d = a->pos[0];
    ordo_datadir_t dd;
    ordo_error_t err = {0};
    int rc = ordo_datadir_init(&dd, d ? d : ordo_cli_default_data_dir(), &err);
    if (rc)
        return ordo_cli_fail(&err, rc, a->json);
    const char *from = ordo_cli_get(a, "from-seq"), *osince = ordo_cli_get(a, "outcomes-since");
    const char *types = ordo_cli_get(a, "types");
    uint64_t next = 1, since = 0;
    unsigned mask = ORDO_CLI_EV_DECISION | ORDO_CLI_EV_SHADOW | ORDO_CLI_EV_OUTCOME;
    if (from && parse_seq(from, &next))
        return ordo_cli_usage("log tail", "--from-seq: '%s' is not a sequence number", from);
    if (osince && parse_seq(osince, &since))
        return ordo_cli_usage("log tail", "--outcomes-since: '%s' is not an outcome change number",
                              osince);
    if (types && !ordo_cli_event_kinds(types, &mask))
        return ordo_cli_usage("log tail",
                              "--types: '%s' is not a list of decision, shadow, outcome", types);
    bool follow = ordo_cli_flag(a, "follow");
    ordo_store_t *store = NULL;
    for (;;) {
        /* what is not there yet (a log or a store not created) is waited
         * for with --follow; without, it is an error only when nothing
         * asked for is there */
        bool found = false;
        ordo_error_t missing = {0};
        if (mask & (ORDO_CLI_EV_DECISION | ORDO_CLI_EV_SHADOW)) {
            rc = ordo_cli_events_read(dd.log, next ? next : 1, mask, (size_t)-1, print_line, NULL,
                                      &next, &err);
            found = rc != ORDO_ENOENT;
            if (rc == ORDO_ENOENT)
                missing = err;
            else if (rc)
                break;
        }
        if (mask & ORDO_CLI_EV_OUTCOME) {
            if (!store) {
                rc = ordo_store_open_existing(dd.root, NULL, &store, &err);
                if (rc == ORDO_ENOENT && !found)
                    missing = err;
                else if (rc && rc != ORDO_ENOENT)
                    break;
            }
            found |= store != NULL;
            for (bool more = store != NULL; more;) {
                uint64_t was = since;
                if ((rc = ordo_cli_outcomes_read(store, since, 4096, print_line, NULL, &since,
                                                 &err)))
                    break;
                more = since != was;
            }
            if (store && rc)
                break;
        }
        rc = ORDO_OK;
        if (!follow) {
            if (!found) {
                rc = ORDO_ENOENT;
                err = missing;
            }
            break;
        }
        if (fflush(stdout) != 0) {
            ordo_store_close(store, NULL);
            return ORDO_EXIT_IO;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int rc2 = ordo_store_close(store, rc ? NULL : &err);
    rc = rc ? rc : rc2;
    return rc ? ordo_cli_fail(&err, rc, a->json) : ORDO_EXIT_OK;
}

static const ordo_cli_opt_t tail_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"from-seq", 0, "N", "decisions from log sequence number N on (default 1)"},
    {"outcomes-since", 0, "M", "outcomes changed after outcome change number M (default 0: all)"},
    {"types", 0, "K,...", "the kinds to send: decision, shadow, outcome (default all three)"},
    {"follow", 'f', NULL, "keep reading as records and outcomes come (until interrupted)"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_log_tail = {
    .name = "tail",
    .summary = "the stream of decisions and outcomes, as GET /v1/events sends it",
    .usage = "log tail [DIR] [--data DIR] [--from-seq N] [--outcomes-since M] [--types K,...] "
             "[--follow]",
    .about = "Prints one event line per decision or shadow record, in log order:\n"
             "{\"seq\", \"type\": \"decision\"|\"shadow\", \"record\"}, then one per order\n"
             "whose outcomes changed, in the order of its last change:\n"
             "{\"outcome_seq\", \"type\": \"outcome\", \"outcome\"} (the order's summary as\n"
             "`ordo outcomes show --json` prints it; an order that changes again is\n"
             "sent again). --follow keeps reading as records are appended and outcomes\n"
             "arrive; to resume after an interruption, give --from-seq the last seq\n"
             "printed plus one and --outcomes-since the last outcome_seq printed.\n"
             "Output is NDJSON with or without --json.",
    .examples = "ordo log tail ordo-data --follow\nordo log tail ordo-data --from-seq 1001 "
                "--outcomes-since 5000\nordo log tail ordo-data --types outcome",
    .opts = tail_opts,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = run_tail,
};
