/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log — inspect and check the decision log.
 *
 *   ordo log verify [DIR] [--data DIR] [--anchor SEQ:HASH] [--json]
 *   ordo log dump   [DIR] [--data DIR] [--from-seq N] [--limit N] [--key K]
 *                   [--since TIME] [--until TIME]
 *   ordo log append [DIR] [--data DIR] [--type N] [--key-field F] [--sync MODE]
 *                   [--compress LEVEL] [FILE]
 *   ordo log show   [DIR] --order ID [--json]
 *   ordo log export [DIR] [--format ndjson|csv] [--since TIME] [--until TIME] [--jobs N]
 *   ordo log replay [DIR] --policy P --network NET [--json] [--limit N]
 *
 * DIR is a data directory (its log/ is used) or a log directory itself. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <dirent.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "cli.h"
#include "ordo/log.h"

/* DIR/log when DIR is a data directory with a log, else DIR itself. */
static void resolve_dir(const char *data, char *out, size_t n)
{
    ordo_datadir_t dd;
    if (ordo_datadir_init(&dd, data, NULL) == ORDO_OK && ordo_datadir_has_log(&dd))
        snprintf(out, n, "%s", dd.log);
    else
        snprintf(out, n, "%s", data);
}

/* true when dir holds at least one segment file */
static bool has_segments(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        found = l > 4 && !strcmp(de->d_name + l - 4, ".seg");
    }
    closedir(d);
    return found;
}

static int no_log(const char *dir)
{
    ordo_error_t e;
    int rc = ordo_error_set(&e, ORDO_ENOENT, dir, 0, NULL, "no decision log here (no segment files)");
    return ordo_cli_fail(&e, rc, false);
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || s[0] == '-')
        return false;
    *out = v;
    return true;
}

static void format_ts(int64_t ns, char *buf, size_t n)
{
    time_t sec = (time_t)(ns / 1000000000);
    long frac = (long)(ns % 1000000000);
    if (frac < 0) {
        frac += 1000000000;
        sec -= 1;
    }
    struct tm tm;
    gmtime_r(&sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%09ldZ", base, frac);
}

/* --anchor SEQ:HASH: record SEQ must exist with that chain hash. Returns
 * 0 and leaves msg empty when it holds; a usage or failure exit code when
 * the option or the log cannot be read; 0 with msg set when it does not
 * hold. */
static int check_anchor(const char *dir, const char *anchor, bool json, char *msg, size_t n)
{
    uint64_t aseq;
    char seqs[32];
    const char *colon = strchr(anchor, ':');
    if (!colon || (size_t)(colon - anchor) >= sizeof seqs || strlen(colon + 1) != 64)
        return ordo_cli_usage("log", "--anchor wants SEQ:HASH (64 hex digits)");
    memcpy(seqs, anchor, (size_t)(colon - anchor));
    seqs[colon - anchor] = 0;
    if (!parse_u64(seqs, &aseq))
        return ordo_cli_usage("log", "--anchor: bad seq '%s'", seqs);
    ordo_log_query_t q = {.from_seq = aseq, .limit = 1};
    ordo_log_iter_t *it;
    ordo_log_record_t r;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_log_iter_open(dir, &q, &it, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, json);
    int got = ordo_log_iter_next(it, &r, &err);
    char hex[65];
    if (got != 1 || r.seq != aseq)
        snprintf(msg, n, "anchor record %" PRIu64 " is missing (the log was cut before it)", aseq);
    else if (strcasecmp(ordo_log_hash_hex(r.chain, hex), colon + 1) != 0)
        snprintf(msg, n, "anchor record %" PRIu64 " has chain hash %s, not the anchored one", aseq,
                 hex);
    ordo_log_iter_close(it);
    return 0;
}

static void verify_print_json(const char *dir, const ordo_log_verify_report_t *rep, bool ok,
                              const char *head, const char *anchor_msg)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kbool(&w, "ok", ok);
    ordo_jsonw_kstr(&w, "dir", dir);
    ordo_jsonw_kint(&w, "segments", (int64_t)rep->segments);
    ordo_jsonw_kint(&w, "records", (int64_t)rep->records);
    ordo_jsonw_kint(&w, "bytes", (int64_t)rep->bytes);
    ordo_jsonw_kint(&w, "first_seq", (int64_t)rep->first_seq);
    ordo_jsonw_kint(&w, "last_seq", (int64_t)rep->last_seq);
    ordo_jsonw_kstr(&w, "head", head);
    ordo_jsonw_kstr(&w, "start", rep->checkpoint_seq ? "checkpoint" : "genesis");
    if (rep->checkpoint_seq)
        ordo_jsonw_kint(&w, "checkpoint_seq", (int64_t)rep->checkpoint_seq);
    if (rep->tail_bytes) {
        ordo_jsonw_key(&w, "tail");
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "kind", rep->tail_padding ? "padding" : "incomplete");
        ordo_jsonw_kint(&w, "offset", (int64_t)rep->tail_offset);
        ordo_jsonw_kint(&w, "bytes", (int64_t)rep->tail_bytes);
        ordo_jsonw_obj_end(&w);
    }
    if (!rep->ok) {
        ordo_jsonw_key(&w, "first_bad");
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "segment", rep->bad_segment);
        ordo_jsonw_kint(&w, "offset", (int64_t)rep->bad_offset);
        ordo_jsonw_kint(&w, "seq", (int64_t)rep->bad_seq);
        ordo_jsonw_kbool(&w, "torn_tail", rep->bad_is_tail);
        ordo_jsonw_kstr(&w, "reason", rep->reason);
        ordo_jsonw_obj_end(&w);
    }
    if (anchor_msg[0])
        ordo_jsonw_kstr(&w, "anchor_error", anchor_msg);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    ordo_cli_print_buf(&b);
    ordo_buf_free(&b);
}

static void verify_print_text(const char *dir, const ordo_log_verify_report_t *rep, bool ok,
                              const char *head, const char *anchor_msg)
{
    printf("log %s: %" PRIu64 " segments, %" PRIu64 " bytes, %" PRIu64 " valid records", dir,
           rep->segments, rep->bytes, rep->records);
    if (rep->records)
        printf(" (seq %" PRIu64 "..%" PRIu64 ")", rep->first_seq, rep->last_seq);
    printf("\nhead %" PRIu64 ":%s\n", rep->last_seq, head);
    if (rep->checkpoint_seq)
        printf("start: the signed checkpoint at seq %" PRIu64 " (older segments archived)\n",
               rep->checkpoint_seq);
    if (rep->tail_bytes)
        printf("tail: %" PRIu64 " bytes from offset %" PRIu64 " of the last segment are %s\n",
               rep->tail_bytes, rep->tail_offset,
               rep->tail_padding ? "zero padding of the last direct I/O block (a live or "
                                   "crashed writer's), not records"
                                 : "an incomplete record (a write in progress, or cut short by "
                                   "a crash; never acknowledged), not part of the log");
    if (!rep->ok) {
        printf("FIRST BAD RECORD: segment %s, byte offset %" PRIu64 ", seq %" PRIu64 ": %s\n",
               rep->bad_segment, rep->bad_offset, rep->bad_seq, rep->reason);
        if (rep->bad_is_tail)
            printf("(no record is in these bytes; opening the log for writing moves them "
                   "to a quarantine file)\n");
    }
    if (anchor_msg[0])
        printf("ANCHOR: %s\n", anchor_msg);
    printf("%s\n", ok ? "OK" : "BAD");
}

static int cmd_verify(const char *dir, const char *anchor, const char *pubkey, bool json)
{
    ordo_log_verify_report_t rep;
    ordo_error_t err;
    ordo_error_clear(&err);
    uint8_t pk[ORDO_LOG_PK_BYTES];
    int rc = pubkey ? ordo_cli_log_public_key(pubkey, pk, json) : 0;
    if (rc)
        return rc;
    rc = ordo_log_verify_key(dir, pubkey ? pk : NULL, &rep, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, json);
    bool ok = rep.ok;
    char anchor_msg[256] = "";
    if (anchor && ok) {
        if ((rc = check_anchor(dir, anchor, json, anchor_msg, sizeof anchor_msg)))
            return rc;
        ok = !anchor_msg[0];
    }
    char head[65];
    ordo_log_hash_hex(rep.head, head);
    if (json)
        verify_print_json(dir, &rep, ok, head, anchor_msg);
    else
        verify_print_text(dir, &rep, ok, head, anchor_msg);
    return ok ? ORDO_EXIT_OK : ORDO_EXIT_FAIL;
}

static bool is_json_text(const void *p, size_t n)
{
    if (n == 0)
        return false;
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts((const char *)p, n, &end, 0);
    if (!j)
        return false;
    cJSON_Delete(j);
    /* only trailing white space allowed */
    const char *e = (const char *)p + n;
    while (end < e && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
        end++;
    return end == e;
}

static int cmd_dump(const char *dir, const ordo_log_query_t *q)
{
    ordo_log_iter_t *it;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_log_iter_open(dir, q, &it, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, false);
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_log_record_t r;
    char *b64 = NULL;
    size_t b64cap = 0;
    while ((rc = ordo_log_iter_next(it, &r, &err)) == 1) {
        ordo_buf_reset(&b);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        char hex[65], ts[48];
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_key(&w, "seq");
        ordo_jsonw_uint(&w, r.seq);
        ordo_jsonw_kint(&w, "type", r.type);
        ordo_jsonw_kint(&w, "ts_unix_ns", r.ts_unix_ns);
        format_ts(r.ts_unix_ns, ts, sizeof ts);
        ordo_jsonw_kstr(&w, "time", ts);
        ordo_jsonw_key(&w, "key");
        ordo_jsonw_strn(&w, r.key, r.key_len);
        ordo_jsonw_kstr(&w, "segment", r.segment);
        ordo_jsonw_key(&w, "offset");
        ordo_jsonw_uint(&w, r.offset);
        ordo_jsonw_key(&w, "stored_bytes");
        ordo_jsonw_uint(&w, r.stored_len);
        ordo_jsonw_key(&w, "payload_bytes"); /* as appended (CBOR bytes for a CBOR record) */
        ordo_jsonw_uint(&w, r.appended_len);
        ordo_jsonw_kbool(&w, "compressed", (r.flags & ORDO_LOG_FLAG_ZSTD) != 0);
        ordo_jsonw_kstr(&w, "encoding", (r.flags & ORDO_LOG_FLAG_CBOR) ? "cbor" : "raw");
        ordo_jsonw_kstr(&w, "chain", ordo_log_hash_hex(r.chain, hex));
        if (is_json_text(r.payload, r.len)) {
            ordo_jsonw_key(&w, "payload");
            if (memchr(r.payload, '\n', r.len)) {
                cJSON *j = cJSON_ParseWithLength((const char *)r.payload, r.len);
                char *s = j ? cJSON_PrintUnformatted(j) : NULL;
                if (s)
                    ordo_jsonw_raw(&w, s, strlen(s));
                else
                    ordo_jsonw_null(&w);
                free(s);
                cJSON_Delete(j);
            } else {
                ordo_jsonw_raw(&w, (const char *)r.payload, r.len);
            }
        } else {
            size_t need = sodium_base64_ENCODED_LEN(r.len, sodium_base64_VARIANT_ORIGINAL);
            if (need > b64cap) {
                char *nb = realloc(b64, need);
                if (!nb) {
                    rc = ORDO_ENOMEM;
                    break;
                }
                b64 = nb;
                b64cap = need;
            }
            sodium_bin2base64(b64, need, r.payload, r.len, sodium_base64_VARIANT_ORIGINAL);
            ordo_jsonw_kstr(&w, "payload_base64", b64);
        }
        ordo_jsonw_obj_end(&w);
        if (ordo_jsonw_finish(&w) != ORDO_OK) {
            rc = ORDO_ENOMEM;
            break;
        }
        ordo_cli_print_buf(&b);
    }
    free(b64);
    ordo_buf_free(&b);
    ordo_log_iter_close(it);
    fflush(stdout);
    if (rc < 0)
        return ordo_cli_fail(&err, rc, false);
    return ORDO_EXIT_OK;
}

static int cmd_append(const char *dir, const char *file, uint16_t type, const char *key_field,
                      ordo_log_sync_t mode, int zlevel, uint64_t seg_bytes, bool json)
{
    FILE *in = stdin;
    if (file && strcmp(file, "-") != 0) {
        /* a regular file only: a FIFO or a device would block or never
         * end (stream through stdin instead) */
        ordo_error_t e;
        int fd = -1, rc = ordo_open_regular(file, &fd, &e);
        if (rc == ORDO_OK && !(in = fdopen(fd, "r"))) {
            close(fd);
            rc = ordo_error_set(&e, ORDO_EIO, file, 0, NULL, "cannot open: %s", strerror(errno));
        }
        if (rc)
            return ordo_cli_fail(&e, rc, json);
    }
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.sync = mode;
    opt.compress_level = zlevel;
    if (seg_bytes)
        opt.segment_bytes = seg_bytes;
    ordo_log_t *log;
    ordo_error_t err;
    ordo_error_clear(&err);
    ordo_log_open_info_t info;
    int rc = ordo_log_open(dir, &opt, &log, &info, &err);
    if (rc != ORDO_OK) {
        if (in != stdin)
            fclose(in);
        return ordo_cli_fail(&err, rc, false);
    }
    if (info.truncated_bytes)
        fprintf(stderr, "ordo log: recovered: cut %" PRIu64 " bytes of torn tail into %s\n",
                info.truncated_bytes, info.quarantine);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t count = 0, first = 0, last = 0;
    long lineno = 0;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (n == 0)
            continue;
        const char *key = NULL;
        size_t keylen = 0;
        char numkey[32];
        cJSON *j = cJSON_ParseWithLength(line, (size_t)n);
        if (j && key_field && *key_field) {
            cJSON *k = cJSON_GetObjectItemCaseSensitive(j, key_field);
            if (cJSON_IsString(k)) {
                key = k->valuestring;
                keylen = strlen(key);
            } else if (cJSON_IsNumber(k)) {
                snprintf(numkey, sizeof numkey, "%.17g", k->valuedouble);
                key = numkey;
                keylen = strlen(key);
            }
        }
        if (keylen > ORDO_LOG_KEY_MAX)
            keylen = ORDO_LOG_KEY_MAX;
        uint64_t seq;
        rc = ordo_log_append(log, type, key, keylen, 0, line, (size_t)n, &seq, &err);
        cJSON_Delete(j);
        if (rc != ORDO_OK) {
            snprintf(err.file, sizeof err.file, "%s", file ? file : "<stdin>");
            err.line = lineno;
            break;
        }
        if (!first)
            first = seq;
        last = seq;
        count++;
    }
    free(line);
    if (in != stdin)
        fclose(in);
    ordo_error_t cerr;
    int crc = ordo_log_close(log, &cerr);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, false);
    if (crc != ORDO_OK)
        return ordo_cli_fail(&cerr, crc, false);
    if (json)
        printf("{\"appended\":%" PRIu64 ",\"first_seq\":%" PRIu64 ",\"last_seq\":%" PRIu64 "}\n",
               count, first, last);
    else if (count)
        printf("appended %" PRIu64 " records (seq %" PRIu64 "..%" PRIu64 ")\n", count, first, last);
    else
        printf("appended 0 records\n");
    return ORDO_EXIT_OK;
}

/* The data directory: --data, else DIR (the first argument). */
static const char *data_of(const ordo_cli_args_t *a)
{
    const char *d = ordo_cli_get(a, "data");
    if (!d && a->npos)
        d = a->pos[0];
    return d ? d : ordo_cli_default_data_dir();
}

/* --from-seq, --limit, --since, --until into q; 0 or a usage exit code. */
static int read_query(const ordo_cli_args_t *a, ordo_log_query_t *q)
{
    const char *from = ordo_cli_get(a, "from-seq"), *limit = ordo_cli_get(a, "limit");
    memset(q, 0, sizeof *q);
    if (from && !parse_u64(from, &q->from_seq))
        return ordo_cli_usage(a->path, "--from-seq: '%s' is not a sequence number", from);
    if (limit && !parse_u64(limit, &q->limit))
        return ordo_cli_usage(a->path, "--limit: '%s' is not a count", limit);
    const char *since = ordo_cli_get(a, "since"), *until = ordo_cli_get(a, "until");
    int64_t t;
    q->ts_from = INT64_MIN;
    q->ts_to = INT64_MAX;
    if (since && ordo_time_parse(since, &t) != ORDO_OK)
        return ordo_cli_usage(a->path, "--since: '%s' is not a time (2026-11-24T15:04:05Z)", since);
    if (since)
        q->ts_from = t * 1000000000;
    if (until && ordo_time_parse(until, &t) != ORDO_OK)
        return ordo_cli_usage(a->path, "--until: '%s' is not a time (2026-11-24T15:04:05Z)", until);
    if (until)
        q->ts_to = t * 1000000000;
    q->has_time = since || until;
    if (!q->has_time)
        q->ts_from = q->ts_to = 0;
    return 0;
}

/* The log directory of a reading subcommand; 0, or the exit code when
 * there is no log there. */
static int reading_dir(const ordo_cli_args_t *a, char *dir, size_t n)
{
    resolve_dir(data_of(a), dir, n);
    return has_segments(dir) ? 0 : no_log(dir);
}

static int run_verify(const ordo_cli_args_t *a)
{
    char dir[4096];
    int rc = reading_dir(a, dir, sizeof dir);
    return rc ? rc
              : cmd_verify(dir, ordo_cli_get(a, "anchor"), ordo_cli_get(a, "public-key"), a->json);
}

static int run_checkpoint(const ordo_cli_args_t *a)
{
    char dir[4096];
    int rc = reading_dir(a, dir, sizeof dir);
    return rc ? rc
              : ordo_cli_log_checkpoint(dir, ordo_cli_get(a, "at"), ordo_cli_get(a, "key"),
                                        a->json);
}

static int run_archive(const ordo_cli_args_t *a)
{
    char dir[4096];
    int rc = reading_dir(a, dir, sizeof dir);
    return rc ? rc
              : ordo_cli_log_archive(dir, ordo_cli_get(a, "before"), ordo_cli_get(a, "to"),
                                     ordo_cli_get(a, "public-key"), a->json);
}

static int run_dump(const ordo_cli_args_t *a)
{
    ordo_log_query_t q;
    char dir[4096];
    int rc = read_query(a, &q);
    if (!rc)
        rc = reading_dir(a, dir, sizeof dir);
    if (rc)
        return rc;
    const char *key = ordo_cli_get(a, "key");
    if (key) {
        q.key = key;
        q.key_len = strlen(key);
    }
    return cmd_dump(dir, &q);
}

static int run_show(const ordo_cli_args_t *a)
{
    char dir[4096];
    const char *order_id = ordo_cli_get(a, "order");
    int rc = reading_dir(a, dir, sizeof dir);
    if (rc)
        return rc;
    if (!order_id)
        return ordo_cli_usage("log show", "--order ID is required");
    return ordo_cli_log_show(dir, order_id, a->json);
}

static int run_export(const ordo_cli_args_t *a)
{
    const char *format = ordo_cli_get(a, "format");
    if (a->json || !format)
        format = "ndjson";
    if (strcmp(format, "ndjson") && strcmp(format, "csv"))
        return ordo_cli_usage("log export", "--format: '%s' is not ndjson or csv", format);
    ordo_log_query_t q;
    char dir[4096];
    int rc = read_query(a, &q);
    if (!rc)
        rc = reading_dir(a, dir, sizeof dir);
    const char *jobs_s = ordo_cli_get(a, "jobs");
    uint64_t jobs = ordo_cli_log_export_jobs();
    if (!rc && jobs_s && (!parse_u64(jobs_s, &jobs) || jobs < 1 || jobs > 16))
        return ordo_cli_usage("log export", "--jobs: '%s' is not a count from 1 to 16", jobs_s);
    return rc ? rc : ordo_cli_log_export(dir, format, &q, (unsigned)jobs);
}

/* A policy that is neither a file nor a built-in, and a network directory
 * without network.json, fail here with a "did you mean". */
static int replay_precheck(const char *policy, const char *network, bool json)
{
    struct stat st;
    char probe[4200];
    ordo_error_t err = {0};
    int rc;
    bool builtin = ordo_policy_builtin_json(policy) != NULL;
    if (!builtin && stat(policy, &st) != 0) {
        ordo_policy_t *p = NULL;
        if ((rc = ordo_cli_policy_load(policy, &p, &err)))
            return ordo_cli_fail(&err, rc, json);
        ordo_policy_destroy(p);
    }
    snprintf(probe, sizeof probe, "%s/network.json", network);
    if (stat(probe, &st) != 0) {
        ordo_network_t *net = NULL;
        if ((rc = ordo_cli_network_load(network, &net, &err)))
            return ordo_cli_fail(&err, rc, json);
        ordo_network_destroy(net);
    }
    return 0;
}

static int run_replay(const ordo_cli_args_t *a)
{
    const char *policy = ordo_cli_get(a, "policy"), *network = ordo_cli_get(a, "network");
    ordo_log_query_t q;
    char dir[4096];
    int rc = read_query(a, &q);
    if (!rc)
        rc = reading_dir(a, dir, sizeof dir);
    if (rc)
        return rc;
    if (!policy || !network)
        return ordo_cli_usage("log replay", "--policy P and --network NET are required");
    if ((rc = replay_precheck(policy, network, a->json)))
        return rc;
    return ordo_cli_log_replay(dir, data_of(a), network, policy, a->json, &q);
}

/* --type, --sync and --compress of log append; 0 or a usage exit code. */
static int append_options(const ordo_cli_args_t *a, uint64_t *type, ordo_log_sync_t *mode,
                          uint64_t *zlevel)
{
    const char *t = ordo_cli_get(a, "type"), *s = ordo_cli_get(a, "sync"),
               *z = ordo_cli_get(a, "compress");
    *type = ORDO_LOG_REC_DECISION;
    *mode = ORDO_LOG_SYNC;
    *zlevel = 0;
    if (z && (!parse_u64(z, zlevel) || *zlevel > 19))
        return ordo_cli_usage("log append", "--compress: '%s' is not a zstd level (0..19)", z);
    if (t && (!parse_u64(t, type) || *type > 65535))
        return ordo_cli_usage("log append", "--type: '%s' is not a record type (0..65535)", t);
    if (!s || !strcmp(s, "sync"))
        *mode = ORDO_LOG_SYNC;
    else if (!strcmp(s, "async"))
        *mode = ORDO_LOG_ASYNC;
    else if (!strcmp(s, "none"))
        *mode = ORDO_LOG_NONE;
    else
        return ordo_cli_usage("log append", "--sync: '%s' is not sync, async or none", s);
    return 0;
}

static int run_append(const ordo_cli_args_t *a)
{
    uint64_t type, zlevel, seg_bytes = 0;
    ordo_log_sync_t mode;
    int rc = append_options(a, &type, &mode, &zlevel);
    if (rc)
        return rc;
    const char *sb = ordo_cli_get(a, "segment-bytes");
    if (sb && (!parse_u64(sb, &seg_bytes) || seg_bytes < 4096))
        return ordo_cli_usage("log append", "--segment-bytes: '%s' is not a size >= 4096", sb);
    const char *key_field = ordo_cli_get(a, "key-field");
    /* [DIR] [FILE], or [FILE] with --data */
    bool has_data = ordo_cli_get(a, "data") != NULL;
    if (has_data && a->npos > 1)
        return ordo_cli_usage("log append", "unexpected argument '%s'", a->pos[1]);
    const char *data = data_of(a), *file = a->npos > !has_data ? a->pos[!has_data] : NULL;
    char dir[4096];
    resolve_dir(data, dir, sizeof dir);
    /* a data directory gets its log/ (CONTRACTS.md) */
    char adir[4200];
    struct stat st;
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/00000000000000000001.seg", data);
    ordo_datadir_t dd;
    if (!strcmp(dir, data) && stat(probe, &st) != 0 && ordo_datadir_init(&dd, data, NULL) == ORDO_OK)
        snprintf(adir, sizeof adir, "%s", dd.log);
    else
        snprintf(adir, sizeof adir, "%s", dir);
    return cmd_append(adir, file, (uint16_t)type, key_field ? key_field : "order_id", mode,
                      (int)zlevel, seg_bytes, a->json);
}

#define OPT_DATA {"data", 0, "DIR", "the data directory (DIR/log is used) or a log directory,\n" \
                                    "when DIR is not given (default $ORDO_DATA or ./ordo-data)"}
#define OPT_SINCE {"since", 0, "TIME", "only records at or after TIME (ISO 8601)"}
#define OPT_UNTIL {"until", 0, "TIME", "only records at or before TIME (ISO 8601)"}
#define OPT_FROM {"from-seq", 0, "N", "start at sequence number N"}
#define OPT_LIMIT {"limit", 0, "N", "at most N records"}
#define OPT_END {NULL, 0, NULL, NULL}

static const ordo_cli_opt_t verify_opts[] = {
    OPT_DATA,
    {"anchor", 0, "SEQ:HASH", "also check that record SEQ has chain hash HASH (a head\n"
                              "published earlier), which detects a log cut at its end"},
    {"public-key", 0, "KEY", "the key checkpoints must be signed by: 64 hex digits or a\n"
                             ".pub file (default DATA/keys/log-checkpoint.pub)"},
    OPT_END};
static const ordo_cli_opt_t checkpoint_opts[] = {
    OPT_DATA,
    {"at", 0, "SEQ", "the checkpoint starts the segment holding SEQ (default: the last)"},
    {"key", 0, "FILE", "the Ed25519 secret key (default DATA/keys/log-checkpoint.key;\n"
                       "created with its .pub when missing)"},
    OPT_END};
static const ordo_cli_opt_t archive_opts[] = {
    OPT_DATA,
    {"before", 0, "SEQ", "move the segments before the one holding SEQ (required)"},
    {"to", 0, "DIR", "where to (default LOG/archive; same file system)"},
    {"public-key", 0, "KEY", "the key the checkpoint must be signed by (default\n"
                             "DATA/keys/log-checkpoint.pub)"},
    OPT_END};
static const ordo_cli_opt_t dump_opts[] = {
    OPT_DATA, OPT_FROM, OPT_LIMIT, {"key", 0, "K", "only records whose key is K"}, OPT_SINCE,
    OPT_UNTIL, OPT_END};
static const ordo_cli_opt_t append_opts[] = {
    OPT_DATA,
    {"type", 0, "N", "record type (default 1, a decision)"},
    {"key-field", 0, "F", "the JSON field whose value is the record key (default order_id)"},
    {"sync", 0, "MODE", "sync (default), async or none"},
    {"compress", 0, "LEVEL", "zstd level 1..19 (default 0: off)"},
    {"segment-bytes", 0, "N", "rotate to a new segment after N bytes (default 64 MiB)"},
    OPT_END};
static const ordo_cli_opt_t show_opts[] = {
    OPT_DATA, {"order", 0, "ID", "the order (required)"}, OPT_END};
static const ordo_cli_opt_t export_opts[] = {
    OPT_DATA, {"format", 0, "F", "ndjson (default) or csv; --json is ndjson"}, OPT_FROM,
    OPT_LIMIT, OPT_SINCE, OPT_UNTIL,
    {"jobs", 0, "N", "threads formatting ranges of the log (default: the online CPUs, at most 16;"
                     " the output is the same)"},
    OPT_END};
static const ordo_cli_opt_t replay_opts[] = {
    OPT_DATA,
    {"policy", 0, "P", "the policy to replay under: a file or a built-in name (required)"},
    {"network", 0, "NET", "the network to decide on (required)"},
    OPT_FROM, OPT_LIMIT, OPT_SINCE, OPT_UNTIL, OPT_END};

static const ordo_cli_cmd_t cmd_verify_ = {
    .name = "verify",
    .summary = "check every checksum and the hash chain; name the first bad record",
    .usage = "log verify [DIR] [--data DIR] [--anchor SEQ:HASH] [--json]",
    .about = "Checks every record's checksum, the sequence and the BLAKE2b hash chain\n"
             "across all segments from the genesis (seq 1), and every .idx, and names\n"
             "the first bad record (segment file, byte offset, seq). A live or crashed\n"
             "log's last segment may end in zero padding or an incomplete record: that\n"
             "is reported as its tail, not as damage. --anchor SEQ:HASH also checks that\n"
             "record SEQ has chain hash HASH (a head published earlier), which detects a\n"
             "log cut at its end. Exit 0 when the log is intact, 1 when not.",
    .examples = "ordo log verify ordo-data\nordo log verify ordo-data --json",
    .opts = verify_opts, .max_pos = 1, .flags = ORDO_CLI_RESULT, .run = run_verify};
static const ordo_cli_cmd_t cmd_dump_ = {
    .name = "dump",
    .summary = "print records as NDJSON",
    .usage = "log dump [DIR] [--data DIR] [--from-seq N] [--limit N] [--key K]\n"
             "               [--since TIME] [--until TIME]",
    .about = "Prints records as NDJSON (with or without --json): metadata plus the payload\n"
             "(as JSON when it is JSON text, else \"payload_base64\").",
    .examples = "ordo log dump ordo-data --limit 10",
    .opts = dump_opts, .max_pos = 1, .flags = ORDO_CLI_RESULT, .run = run_dump};
static const ordo_cli_cmd_t cmd_append_ = {
    .name = "append",
    .summary = "append each line of a file as one record",
    .usage = "log append [DIR] [--data DIR] [--type N] [--key-field F]\n"
             "                 [--sync sync|async|none] [--compress LEVEL] [FILE]",
    .about = "Appends each line of FILE (default stdin) as one record; the key is the\n"
             "value of --key-field (default order_id) when the line is JSON. FILE must\n"
             "be a regular file (a FIFO is refused, not waited on: stream through stdin).",
    .examples = "ordo log append ordo-data events.ndjson",
    .opts = append_opts, .max_pos = 2, .flags = ORDO_CLI_RESULT, .run = run_append};
static const ordo_cli_cmd_t cmd_show_ = {
    .name = "show",
    .summary = "the decision trace of an order",
    .usage = "log show [DIR] --order ID [--json]",
    .about = "Prints the decision trace of an order: inputs, experiment, ATP seen, the\n"
             "plan with its cost breakdown, candidates when explained, and any shadow\n"
             "evaluations (--json: the records themselves).",
    .examples = "ordo log show ordo-data --order ORD-1001",
    .opts = show_opts, .max_pos = 1, .flags = ORDO_CLI_RESULT, .run = run_show};
static const ordo_cli_cmd_t cmd_export_ = {
    .name = "export",
    .summary = "every decision record, as NDJSON or CSV",
    .usage = "log export [DIR] [--format ndjson|csv] [--since TIME] [--until TIME] [--jobs N]",
    .about = "Writes the decision records as NDJSON, or as CSV with one row per decision\n"
             "(order, policy, experiment, variant, costs, on-time...).",
    .examples = "ordo log export ordo-data --format csv --out decisions.csv",
    .opts = export_opts, .max_pos = 1, .flags = ORDO_CLI_RESULT, .run = run_export};
static const ordo_cli_cmd_t cmd_replay_ = {
    .name = "replay",
    .summary = "what another policy would have done with the logged inputs",
    .usage = "log replay [DIR] --policy P --network NET [--json] [--limit N]",
    .about = "Re-decides the logged orders under policy P with the logged inputs (the\n"
             "order and the ATP seen at candidate nodes) on network NET, and reports\n"
             "what would have changed, order by order and in total.",
    .examples = "ordo log replay ordo-data --policy cost-optimized --network docs/examples/network",
    .opts = replay_opts, .max_pos = 1, .flags = ORDO_CLI_RESULT, .run = run_replay};

extern const ordo_cli_cmd_t ordo_cmd_log_tail; /* cmd_log_tail.c */
extern const ordo_cli_cmd_t ordo_cmd_log_ship; /* cmd_log_ship.c */

static const ordo_cli_cmd_t cmd_checkpoint_ = {
    .name = "checkpoint",
    .summary = "sign a checkpoint so that older segments may be archived",
    .usage = "log checkpoint [DIR] [--data DIR] [--at SEQ] [--key FILE] [--json]",
    .about = "Verifies the log, then signs (Ed25519) the seq and chain hash of the record\n"
             "before the segment holding SEQ (default: the last segment) into\n"
             "LOG/<first seq>.ckpt. Verify then accepts that segment as the start of the\n"
             "chain once the segments before it are archived. The key pair is created at\n"
             "the first checkpoint (DATA/keys/, docs/internals/LOG.md).",
    .examples = "ordo log checkpoint ordo-data\nordo log archive ordo-data --before 5000",
    .opts = checkpoint_opts, .max_pos = 1, .flags = ORDO_CLI_RESULT, .run = run_checkpoint};
static const ordo_cli_cmd_t cmd_archive_ = {
    .name = "archive",
    .summary = "move the segments before a signed checkpoint out of the log",
    .usage = "log archive [DIR] [--data DIR] --before SEQ [--to DIR] [--public-key KEY]\n"
             "                  [--json]",
    .about = "Moves the segments before the one holding SEQ (and their .idx) to --to\n"
             "(default LOG/archive), under the writer's lock, once a signed checkpoint\n"
             "(ordo log checkpoint) marks the start of the segment kept.",
    .examples = "ordo log archive ordo-data --before 5000 --to /archive/ordo",
    .opts = archive_opts, .max_pos = 1, .flags = ORDO_CLI_RESULT, .run = run_archive};

static const ordo_cli_cmd_t *const subs[] = {&cmd_verify_, &cmd_dump_,   &cmd_append_,
                                             &cmd_show_,   &cmd_export_, &cmd_replay_,
                                             &cmd_checkpoint_, &cmd_archive_, &ordo_cmd_log_tail,
                                             &ordo_cmd_log_ship,
                                             NULL};

const ordo_cli_cmd_t ordo_cmd_log = {
    .name = "log",
    .summary = "verify, show, export and replay the decision log",
    .usage = "log verify|dump|append|show|export|replay|tail|checkpoint|archive|ship [DIR] [options]",
    .about = "The decision log: append-only segments with a BLAKE2b hash chain.\n"
             "DIR is a data directory (DIR/log is used) or a log directory; default\n"
             "$ORDO_DATA or ./ordo-data.",
    .examples = "ordo log verify ordo-data",
    .subs = subs,
};
