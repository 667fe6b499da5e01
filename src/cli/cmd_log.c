/* ordo log — inspect and check the decision log.
 *
 *   ordo log verify [DIR] [--data DIR] [--anchor SEQ:HASH] [--json]
 *   ordo log dump   [DIR] [--data DIR] [--from-seq N] [--limit N] [--key K]
 *                   [--since TIME] [--until TIME]
 *   ordo log append [DIR] [--data DIR] [--type N] [--key-field F] [--sync MODE]
 *                   [--compress LEVEL] [FILE]
 *   ordo log show   [DIR] --order ID [--json]
 *   ordo log export [DIR] [--format ndjson|csv] [--since TIME] [--until TIME]
 *   ordo log replay [DIR] --policy P --network NET [--json] [--limit N]
 *
 * DIR is a data directory (its log/ is used) or a log directory itself. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <dirent.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "cli.h"
#include "ordo/log.h"

static void log_usage(FILE *out)
{
    fprintf(out,
            "Usage: ordo log verify [DIR] [--data DIR] [--anchor SEQ:HASH] [--json]\n"
            "       ordo log dump [DIR] [--data DIR] [--from-seq N] [--limit N] [--key K]\n"
            "                     [--since TIME] [--until TIME]\n"
            "       ordo log append [DIR] [--data DIR] [--type N] [--key-field F]\n"
            "                       [--sync sync|async|none] [--compress LEVEL] [FILE]\n"
            "       ordo log show [DIR] --order ID [--json]\n"
            "       ordo log export [DIR] [--format ndjson|csv] [--since TIME] [--until TIME]\n"
            "       ordo log replay [DIR] --policy P --network NET [--json] [--limit N]\n\n"
            "verify  checks every record's checksum, the sequence and the BLAKE2b hash\n"
            "        chain across all segments from the genesis (seq 1), and every .idx,\n"
            "        and names the first bad record (segment file, byte offset, seq). A\n"
            "        live or crashed log's last segment may end in zero padding or an\n"
            "        incomplete record: reported as its tail, not as damage. Exit 0 when\n"
            "        the log is intact, 1 when not.\n"
            "        --anchor SEQ:HASH also checks that record SEQ has chain hash HASH (a\n"
            "        head published earlier), which detects a log cut at its end.\n"
            "dump    prints records as NDJSON: metadata plus the payload (as JSON when\n"
            "        it is JSON text, else \"payload_base64\").\n"
            "append  appends each line of FILE (default stdin) as one record; the key is\n"
            "        the value of --key-field (default order_id) when the line is JSON.\n"
            "show    prints the decision trace of an order: inputs, experiment, ATP seen,\n"
            "        the plan with its cost breakdown, candidates when explained, and any\n"
            "        shadow evaluations (--json: the records themselves).\n"
            "export  writes the decision records as NDJSON, or as CSV with one row per\n"
            "        decision (order, policy, experiment, variant, costs, on-time...).\n"
            "replay  re-decides the logged orders under policy P with the logged inputs\n"
            "        (the order and the ATP seen at candidate nodes) on network NET, and\n"
            "        reports what would have changed, order by order and in total.\n\n"
            "DIR is a data directory (DIR/log is used) or a log directory; default\n"
            "$ORDO_DATA or ./ordo-data.\n");
}

/* DIR/log when it exists, else DIR. */
static void resolve_dir(const char *data, char *out, size_t n)
{
    struct stat st;
    char p[4096];
    snprintf(p, sizeof p, "%s/log", data);
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(out, n, "%s", p);
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

static int cmd_verify(const char *dir, const char *anchor, bool json)
{
    ordo_log_verify_report_t rep;
    ordo_error_t err;
    ordo_error_clear(&err);
    int rc = ordo_log_verify(dir, &rep, &err);
    if (rc != ORDO_OK)
        return ordo_cli_fail(&err, rc, json);
    bool ok = rep.ok;
    char anchor_msg[256] = "";
    if (anchor && ok) {
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
        rc = ordo_log_iter_open(dir, &q, &it, &err);
        if (rc != ORDO_OK)
            return ordo_cli_fail(&err, rc, json);
        int got = ordo_log_iter_next(it, &r, &err);
        char hex[65];
        if (got != 1 || r.seq != aseq) {
            ok = false;
            snprintf(anchor_msg, sizeof anchor_msg,
                     "anchor record %" PRIu64 " is missing (the log was cut before it)", aseq);
        } else if (strcasecmp(ordo_log_hash_hex(r.chain, hex), colon + 1) != 0) {
            ok = false;
            snprintf(anchor_msg, sizeof anchor_msg,
                     "anchor record %" PRIu64 " has chain hash %s, not the anchored one", aseq, hex);
        }
        ordo_log_iter_close(it);
    }
    char head[65];
    ordo_log_hash_hex(rep.head, head);
    if (json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kbool(&w, "ok", ok);
        ordo_jsonw_kstr(&w, "dir", dir);
        ordo_jsonw_kint(&w, "segments", (int64_t)rep.segments);
        ordo_jsonw_kint(&w, "records", (int64_t)rep.records);
        ordo_jsonw_kint(&w, "bytes", (int64_t)rep.bytes);
        ordo_jsonw_kint(&w, "first_seq", (int64_t)rep.first_seq);
        ordo_jsonw_kint(&w, "last_seq", (int64_t)rep.last_seq);
        ordo_jsonw_kstr(&w, "head", head);
        if (rep.tail_bytes) {
            ordo_jsonw_key(&w, "tail");
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "kind", rep.tail_padding ? "padding" : "incomplete");
            ordo_jsonw_kint(&w, "offset", (int64_t)rep.tail_offset);
            ordo_jsonw_kint(&w, "bytes", (int64_t)rep.tail_bytes);
            ordo_jsonw_obj_end(&w);
        }
        if (!rep.ok) {
            ordo_jsonw_key(&w, "first_bad");
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "segment", rep.bad_segment);
            ordo_jsonw_kint(&w, "offset", (int64_t)rep.bad_offset);
            ordo_jsonw_kint(&w, "seq", (int64_t)rep.bad_seq);
            ordo_jsonw_kbool(&w, "torn_tail", rep.bad_is_tail);
            ordo_jsonw_kstr(&w, "reason", rep.reason);
            ordo_jsonw_obj_end(&w);
        }
        if (anchor_msg[0])
            ordo_jsonw_kstr(&w, "anchor_error", anchor_msg);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else {
        printf("log %s: %" PRIu64 " segments, %" PRIu64 " bytes, %" PRIu64 " valid records",
               dir, rep.segments, rep.bytes, rep.records);
        if (rep.records)
            printf(" (seq %" PRIu64 "..%" PRIu64 ")", rep.first_seq, rep.last_seq);
        printf("\nhead %" PRIu64 ":%s\n", rep.last_seq, head);
        if (rep.tail_bytes)
            printf("tail: %" PRIu64 " bytes from offset %" PRIu64 " of the last segment are %s\n",
                   rep.tail_bytes, rep.tail_offset,
                   rep.tail_padding ? "zero padding of the last direct I/O block (a live or "
                                      "crashed writer's), not records"
                                    : "an incomplete record (a write in progress, or cut short by "
                                      "a crash; never acknowledged), not part of the log");
        if (!rep.ok) {
            printf("FIRST BAD RECORD: segment %s, byte offset %" PRIu64 ", seq %" PRIu64 ": %s\n",
                   rep.bad_segment, rep.bad_offset, rep.bad_seq, rep.reason);
            if (rep.bad_is_tail)
                printf("(no record is in these bytes; opening the log for writing moves them "
                       "to a quarantine file)\n");
        }
        if (anchor_msg[0])
            printf("ANCHOR: %s\n", anchor_msg);
        printf("%s\n", ok ? "OK" : "BAD");
    }
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
                      ordo_log_sync_t mode, int zlevel)
{
    FILE *in = stdin;
    if (file && strcmp(file, "-") != 0) {
        in = fopen(file, "r");
        if (!in) {
            ordo_error_t e;
            int rc = ordo_error_set(&e, ORDO_ENOENT, file, 0, NULL, "cannot open: %s",
                                    strerror(errno));
            return ordo_cli_fail(&e, rc, false);
        }
    }
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.sync = mode;
    opt.compress_level = zlevel;
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
    if (count)
        printf("appended %" PRIu64 " records (seq %" PRIu64 "..%" PRIu64 ")\n", count, first, last);
    else
        printf("appended 0 records\n");
    return ORDO_EXIT_OK;
}

static int run(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        log_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? ORDO_EXIT_USAGE : ORDO_EXIT_OK;
    }
    const char *sub = argv[1];
    const char *data = NULL, *anchor = NULL, *key = NULL, *file = NULL;
    const char *order_id = NULL, *format = "ndjson", *policy = NULL, *network = NULL;
    const char *key_field = "order_id";
    bool json = false;
    uint64_t from = 0, limit = 0, type = ORDO_LOG_REC_DECISION, zlevel = 0;
    int64_t since = 0, until = 0;
    bool has_since = false, has_until = false;
    ordo_log_sync_t mode = ORDO_LOG_SYNC;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                    \
    do {                                                                \
        if (!v)                                                         \
            return ordo_cli_usage("log", "%s needs a value", a);        \
        i++;                                                            \
    } while (0)
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            log_usage(stdout);
            return ORDO_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--data")) {
            NEED_VALUE();
            data = v;
        } else if (!strcmp(a, "--anchor")) {
            NEED_VALUE();
            anchor = v;
        } else if (!strcmp(a, "--key")) {
            NEED_VALUE();
            key = v;
        } else if (!strcmp(a, "--order")) {
            NEED_VALUE();
            order_id = v;
        } else if (!strcmp(a, "--format")) {
            NEED_VALUE();
            if (strcmp(v, "ndjson") && strcmp(v, "csv"))
                return ordo_cli_usage("log", "--format: '%s' is not ndjson or csv", v);
            format = v;
        } else if (!strcmp(a, "--policy")) {
            NEED_VALUE();
            policy = v;
        } else if (!strcmp(a, "--network")) {
            NEED_VALUE();
            network = v;
        } else if (!strcmp(a, "--key-field")) {
            NEED_VALUE();
            key_field = v;
        } else if (!strcmp(a, "--from-seq")) {
            NEED_VALUE();
            if (!parse_u64(v, &from))
                return ordo_cli_usage("log", "--from-seq: '%s' is not a sequence number", v);
        } else if (!strcmp(a, "--limit")) {
            NEED_VALUE();
            if (!parse_u64(v, &limit))
                return ordo_cli_usage("log", "--limit: '%s' is not a count", v);
        } else if (!strcmp(a, "--compress")) {
            NEED_VALUE();
            if (!parse_u64(v, &zlevel) || zlevel > 19)
                return ordo_cli_usage("log", "--compress: '%s' is not a zstd level (0..19)", v);
        } else if (!strcmp(a, "--type")) {
            NEED_VALUE();
            if (!parse_u64(v, &type) || type > 65535)
                return ordo_cli_usage("log", "--type: '%s' is not a record type (0..65535)", v);
        } else if (!strcmp(a, "--since") || !strcmp(a, "--until")) {
            NEED_VALUE();
            int64_t t;
            if (ordo_time_parse(v, &t) != ORDO_OK)
                return ordo_cli_usage("log", "%s: '%s' is not a time (2026-11-24T15:04:05Z)", a, v);
            if (a[2] == 's') {
                since = t * 1000000000;
                has_since = true;
            } else {
                until = t * 1000000000;
                has_until = true;
            }
        } else if (!strcmp(a, "--sync")) {
            NEED_VALUE();
            if (!strcmp(v, "sync"))
                mode = ORDO_LOG_SYNC;
            else if (!strcmp(v, "async"))
                mode = ORDO_LOG_ASYNC;
            else if (!strcmp(v, "none"))
                mode = ORDO_LOG_NONE;
            else
                return ordo_cli_usage("log", "--sync: '%s' is not sync, async or none", v);
        } else if (a[0] == '-' && a[1]) {
            return ordo_cli_usage("log", "unknown option '%s'", a);
        } else if (!data) {
            data = a;
        } else if (!strcmp(sub, "append") && !file) {
            file = a;
        } else {
            return ordo_cli_usage("log", "unexpected argument '%s'", a);
        }
#undef NEED_VALUE
    }
    if (!data)
        data = ordo_cli_default_data_dir();
    char dir[4096];
    resolve_dir(data, dir, sizeof dir);
    bool reads = !strcmp(sub, "verify") || !strcmp(sub, "dump") || !strcmp(sub, "show") ||
                 !strcmp(sub, "export") || !strcmp(sub, "replay");
    if (reads && !has_segments(dir))
        return no_log(dir);
    ordo_log_query_t tq = {.from_seq = from, .limit = limit};
    if (has_since || has_until) {
        tq.has_time = true;
        tq.ts_from = has_since ? since : INT64_MIN;
        tq.ts_to = has_until ? until : INT64_MAX;
    }
    if (!strcmp(sub, "show")) {
        if (!order_id)
            return ordo_cli_usage("log show", "--order ID is required");
        return ordo_cli_log_show(dir, order_id, json);
    }
    if (!strcmp(sub, "export"))
        return ordo_cli_log_export(dir, format, &tq);
    if (!strcmp(sub, "replay")) {
        if (!policy || !network)
            return ordo_cli_usage("log replay", "--policy P and --network NET are required");
        return ordo_cli_log_replay(dir, network, policy, json, &tq);
    }
    if (!strcmp(sub, "verify"))
        return cmd_verify(dir, anchor, json);
    if (!strcmp(sub, "dump")) {
        ordo_log_query_t q = {.from_seq = from, .limit = limit};
        if (key) {
            q.key = key;
            q.key_len = strlen(key);
        }
        if (has_since || has_until) {
            q.has_time = true;
            q.ts_from = has_since ? since : INT64_MIN;
            q.ts_to = has_until ? until : INT64_MAX;
        }
        return cmd_dump(dir, &q);
    }
    if (!strcmp(sub, "append")) {
        /* a data directory gets its log/ (CONTRACTS.md) */
        char adir[4200];
        struct stat st;
        char probe[4200];
        snprintf(probe, sizeof probe, "%s/00000000000000000001.seg", data);
        if (!strcmp(dir, data) && stat(probe, &st) != 0)
            snprintf(adir, sizeof adir, "%s/log", data);
        else
            snprintf(adir, sizeof adir, "%s", dir);
        return cmd_append(adir, file, (uint16_t)type, key_field, mode, (int)zlevel);
    }
    return ordo_cli_usage("log",
                          "unknown subcommand '%s' (verify, dump, append, show, export, replay)",
                          sub);
}

const ordo_cli_cmd_t ordo_cmd_log = {"log", "verify, show, export and replay the decision log",
                                     run};
