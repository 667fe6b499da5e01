/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log tail [DIR] [--from-seq N] [--follow] — the decision stream, one
 * event line per decision or shadow record. GET /v1/events of ordo serve
 * sends the same lines (as Server-Sent Events); ordo_cli_event_line is the
 * one writer of both. */
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

int ordo_cli_events_read(const char *log_dir, uint64_t from_seq, size_t max_bytes,
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
        ordo_buf_reset(&line);
        if (ordo_cli_event_line(&rec, &line)) {
            fn(ctx, rec.seq, rec.type, &line);
            sent += line.len;
        }
    }
    ordo_buf_free(&line);
    ordo_log_iter_close(it);
    return rc < 0 ? rc : ORDO_OK;
}

static void print_line(void *ctx, uint64_t seq, uint16_t type, const ordo_buf_t *line)
{
    (void)ctx;
    (void)seq;
    (void)type;
    fwrite(line->data, 1, line->len, stdout);
    fputc('\n', stdout);
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
    const char *from = ordo_cli_get(a, "from-seq");
    char *end = NULL;
    uint64_t next = from ? strtoull(from, &end, 10) : 1;
    if (from && (!*from || *end))
        return ordo_cli_usage("log tail", "--from-seq: '%s' is not a sequence number", from);
    bool follow = ordo_cli_flag(a, "follow");
    for (;;) {
        rc = ordo_cli_events_read(dd.log, next ? next : 1, (size_t)-1, print_line, NULL, &next,
                                  &err);
        if (rc && !(follow && rc == ORDO_ENOENT)) /* a log not yet created: wait for it */
            return ordo_cli_fail(&err, rc, a->json);
        if (!follow)
            return ORDO_EXIT_OK;
        if (fflush(stdout) != 0)
            return ORDO_EXIT_IO;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static const ordo_cli_opt_t tail_opts[] = {
    {"data", 0, "DIR", "data directory (default $ORDO_DATA or ./ordo-data)"},
    {"from-seq", 0, "N", "start at sequence number N (default 1): resume after the last seen"},
    {"follow", 'f', NULL, "keep reading as records are appended (until interrupted)"},
    {NULL, 0, NULL, NULL}};

const ordo_cli_cmd_t ordo_cmd_log_tail = {
    .name = "tail",
    .summary = "the stream of decisions, as GET /v1/events sends it",
    .usage = "log tail [DIR] [--data DIR] [--from-seq N] [--follow]",
    .about = "Prints one event line per decision or shadow record, in log order:\n"
             "{\"seq\", \"type\": \"decision\"|\"shadow\", \"record\"}. --follow keeps\n"
             "reading as records are appended; to resume after an interruption, give\n"
             "--from-seq the last seq printed plus one. Output is NDJSON with or\n"
             "without --json.",
    .examples = "ordo log tail ordo-data --follow\nordo log tail ordo-data --from-seq 1001",
    .opts = tail_opts,
    .max_pos = 1,
    .flags = ORDO_CLI_RESULT,
    .run = run_tail,
};
