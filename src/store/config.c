/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — ordo.conf: a strict "key = value" configuration file (config.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ordo/config.h"
#include "ordo/datadir.h"
#include "ordo/util.h"

void ordo_config_init(ordo_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->store_backend = ORDO_STORE_SQLITE;
    cfg->sqlite_sync = ORDO_SQLITE_SYNC_FULL;
    cfg->busy_timeout_ms = 5000;
    cfg->ingest_batch = 10000;
    cfg->log_sync = ORDO_CONFIG_LOG_SYNC;
    snprintf(cfg->server.listen, sizeof cfg->server.listen, "127.0.0.1:8080");
    cfg->server.deadline_ms = 50;
    cfg->server.body_max_bytes = 1u << 20;
    cfg->server.connections_max = 1024;
    cfg->server.client_timeout_s = 10;
    cfg->server.threads = 2;
    cfg->server.inflight_max = 512;
}

const char *ordo_config_backend_name(ordo_store_backend_t b)
{
    return b == ORDO_STORE_POSTGRES ? "postgres" : "sqlite";
}

const char *ordo_config_log_sync_name(ordo_config_log_sync_t s)
{
    switch (s) {
    case ORDO_CONFIG_LOG_ASYNC:
        return "async";
    case ORDO_CONFIG_LOG_NONE:
        return "none";
    default:
        return "sync";
    }
}

/* ---- value parsers: (value, out, err-context) → ORDO_OK or code ---- */

typedef struct parse_ctx {
    const char *name;
    long line;
    const char *key;
    ordo_error_t *err;
} parse_ctx_t;

static int bad(const parse_ctx_t *c, int code, const char *fmt, const char *value)
{
    return ordo_error_set(c->err, code, c->name, c->line, c->key, fmt, value);
}

static int parse_uint(const parse_ctx_t *c, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    int64_t x;
    int rc = ordo_parse_i64(v, strlen(v), &x);
    if (rc == ORDO_EPARSE || (rc == ORDO_OK && v[0] == '+'))
        return bad(c, ORDO_EPARSE, "'%s' is not a whole number", v);
    if (rc != ORDO_OK || x < 0 || (uint64_t)x < lo || (uint64_t)x > hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "'%%s' is out of range [%llu, %llu]", (unsigned long long)lo,
                 (unsigned long long)hi);
        return bad(c, ORDO_ERANGE, msg, v);
    }
    *out = (uint64_t)x;
    return ORDO_OK;
}

typedef struct config_key {
    const char *key;
    int (*set)(const parse_ctx_t *c, const char *v, ordo_config_t *cfg);
} config_key_t;

static int set_backend(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    if (!strcmp(v, "sqlite"))
        cfg->store_backend = ORDO_STORE_SQLITE;
    else if (!strcmp(v, "postgres"))
        cfg->store_backend = ORDO_STORE_POSTGRES;
    else
        return bad(c, ORDO_EINVAL, "'%s' is not a backend (sqlite or postgres)", v);
    return ORDO_OK;
}

static int set_dsn(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    size_t n = strlen(v);
    if (n == 0)
        return bad(c, ORDO_EINVAL, "empty dsn%s", "");
    if (n >= sizeof cfg->postgres_dsn)
        return bad(c, ORDO_ERANGE, "dsn longer than 1023 bytes%s", "");
    memcpy(cfg->postgres_dsn, v, n + 1);
    return ORDO_OK;
}

static int set_sqlite_sync(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    if (!strcmp(v, "full"))
        cfg->sqlite_sync = ORDO_SQLITE_SYNC_FULL;
    else if (!strcmp(v, "normal"))
        cfg->sqlite_sync = ORDO_SQLITE_SYNC_NORMAL;
    else
        return bad(c, ORDO_EINVAL, "'%s' is not a synchronous mode (full or normal)", v);
    return ORDO_OK;
}

static int set_busy(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    uint64_t x;
    int rc = parse_uint(c, v, 0, 600000, &x);
    if (rc == ORDO_OK)
        cfg->busy_timeout_ms = (uint32_t)x;
    return rc;
}

static int set_ingest_batch(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    uint64_t x;
    int rc = parse_uint(c, v, 1, 10000000, &x);
    if (rc == ORDO_OK)
        cfg->ingest_batch = (uint32_t)x;
    return rc;
}

static int set_log_sync(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    if (!strcmp(v, "sync"))
        cfg->log_sync = ORDO_CONFIG_LOG_SYNC;
    else if (!strcmp(v, "async"))
        cfg->log_sync = ORDO_CONFIG_LOG_ASYNC;
    else if (!strcmp(v, "none"))
        cfg->log_sync = ORDO_CONFIG_LOG_NONE;
    else
        return bad(c, ORDO_EINVAL, "'%s' is not a log sync mode (sync, async or none)", v);
    return ORDO_OK;
}

static int set_log_interval(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    uint64_t x;
    int rc = parse_uint(c, v, 0, 10000000, &x); /* up to 10 s */
    if (rc == ORDO_OK)
        cfg->log_interval_us = (uint32_t)x;
    return rc;
}

static int set_log_bytes(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    uint64_t x;
    int rc = parse_uint(c, v, 0, 1u << 30, &x); /* up to 1 GiB */
    if (rc == ORDO_OK)
        cfg->log_batch_bytes = (uint32_t)x;
    return rc;
}

static int set_log_segment(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    uint64_t x;
    int rc = parse_uint(c, v, 0, (uint64_t)1 << 40, &x);
    if (rc == ORDO_OK && x != 0 && x < 4096)
        return bad(c, ORDO_ERANGE, "'%s' is below the 4096-byte minimum segment size", v);
    if (rc == ORDO_OK)
        cfg->log_segment_bytes = x;
    return rc;
}

static int set_log_compress(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    uint64_t x;
    int rc = parse_uint(c, v, 0, 19, &x);
    if (rc == ORDO_OK)
        cfg->log_compress_level = (int)x;
    return rc;
}

static int set_log_encoding(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    if (!strcmp(v, "cbor"))
        cfg->log_encoding = ORDO_CONFIG_LOG_CBOR;
    else if (!strcmp(v, "json"))
        cfg->log_encoding = ORDO_CONFIG_LOG_JSON;
    else
        return bad(c, ORDO_EINVAL, "'%s' is not cbor or json", v);
    return ORDO_OK;
}

static int set_log_direct(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    if (!strcmp(v, "auto"))
        cfg->log_direct_io = 0; /* ORDO_LOG_DIRECT_AUTO */
    else if (!strcmp(v, "on"))
        cfg->log_direct_io = 1; /* ORDO_LOG_DIRECT_ON */
    else if (!strcmp(v, "off"))
        cfg->log_direct_io = 2; /* ORDO_LOG_DIRECT_OFF */
    else
        return bad(c, ORDO_EINVAL, "'%s' is not auto, on or off", v);
    return ORDO_OK;
}

/* retention.*_days: 0 (keep forever) or 1..36500 days (100 years) */
static int set_days(const parse_ctx_t *c, const char *v, uint32_t *out)
{
    uint64_t x;
    int rc = parse_uint(c, v, 0, 36500, &x);
    if (rc == ORDO_OK)
        *out = (uint32_t)x;
    return rc;
}

static int set_ret_log(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_days(c, v, &cfg->retention_log_days);
}

static int set_ret_outcomes(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_days(c, v, &cfg->retention_outcomes_days);
}

static int set_ret_audit(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_days(c, v, &cfg->retention_audit_days);
}

/* ---- server.* ---- */

static int set_text(const parse_ctx_t *c, const char *v, char *out, size_t cap)
{
    size_t n = strlen(v);
    if (n >= cap)
        return bad(c, ORDO_ERANGE, "value longer than the limit%s", "");
    memcpy(out, v, n + 1);
    return ORDO_OK;
}

static int set_srv_listen(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    const char *colon = strrchr(v, ':');
    uint64_t port;
    if (!colon || colon == v || !colon[1])
        return bad(c, ORDO_EINVAL, "'%s' is not HOST:PORT", v);
    int rc = parse_uint(c, colon + 1, 0, 65535, &port);
    return rc ? rc : set_text(c, v, cfg->server.listen, sizeof cfg->server.listen);
}

static int set_srv_data(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_text(c, v, cfg->server.data_dir, sizeof cfg->server.data_dir);
}

static int set_srv_network(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_text(c, v, cfg->server.network, sizeof cfg->server.network);
}

static int set_srv_policy(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_text(c, v, cfg->server.policy, sizeof cfg->server.policy);
}

/* comma-separated; each token 16..256 printable ASCII bytes, no spaces */
static int set_srv_tokens(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    size_t run = 0;
    for (const char *s = v;; s++) {
        if (*s == ',' || !*s) {
            if (run < 16 || run > 256)
                return bad(c, ORDO_EINVAL, "a token must be 16 to 256 bytes long%s", "");
            run = 0;
            if (!*s)
                break;
        } else if (*s <= ' ' || *s > '~') {
            return bad(c, ORDO_EINVAL, "a token holds printable ASCII without spaces%s", "");
        } else {
            run++;
        }
    }
    return set_text(c, v, cfg->server.tokens, sizeof cfg->server.tokens);
}

static int set_srv_models_dir(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_text(c, v, cfg->server.models_dir, sizeof cfg->server.models_dir);
}

static int set_srv_model_eta(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_text(c, v, cfg->server.model_eta, sizeof cfg->server.model_eta);
}

static int set_srv_model_risk(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_text(c, v, cfg->server.model_risk, sizeof cfg->server.model_risk);
}

static int set_srv_model_netval(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_text(c, v, cfg->server.model_netval, sizeof cfg->server.model_netval);
}

static int set_u32(const parse_ctx_t *c, const char *v, uint64_t lo, uint64_t hi, uint32_t *out)
{
    uint64_t x;
    int rc = parse_uint(c, v, lo, hi, &x);
    if (rc == ORDO_OK)
        *out = (uint32_t)x;
    return rc;
}

static int set_srv_deadline(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_u32(c, v, 1, 60000, &cfg->server.deadline_ms);
}

static int set_srv_body(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_u32(c, v, 1024, 1u << 30, &cfg->server.body_max_bytes);
}

static int set_srv_conns(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_u32(c, v, 1, 100000, &cfg->server.connections_max);
}

static int set_srv_timeout(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_u32(c, v, 1, 3600, &cfg->server.client_timeout_s);
}

static int set_srv_threads(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_u32(c, v, 1, 64, &cfg->server.threads);
}

static int set_srv_inflight(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    return set_u32(c, v, 1, 1000000, &cfg->server.inflight_max);
}

static int set_srv_explain(const parse_ctx_t *c, const char *v, ordo_config_t *cfg)
{
    if (strcmp(v, "on") && strcmp(v, "off"))
        return bad(c, ORDO_EINVAL, "'%s' is not on or off", v);
    cfg->server.explain = !strcmp(v, "on");
    return ORDO_OK;
}

static const config_key_t keys[] = {
    {"store.backend", set_backend},
    {"store.postgres.dsn", set_dsn},
    {"store.sqlite.synchronous", set_sqlite_sync},
    {"store.busy_timeout_ms", set_busy},
    {"store.ingest_batch", set_ingest_batch},
    {"log.sync", set_log_sync},
    {"log.group_commit_interval_us", set_log_interval},
    {"log.group_commit_bytes", set_log_bytes},
    {"log.segment_bytes", set_log_segment},
    {"log.compress_level", set_log_compress},
    {"log.encoding", set_log_encoding},
    {"log.direct_io", set_log_direct},
    {"retention.log_days", set_ret_log},
    {"retention.outcomes_days", set_ret_outcomes},
    {"retention.audit_days", set_ret_audit},
    {"server.listen", set_srv_listen},
    {"server.data_dir", set_srv_data},
    {"server.network", set_srv_network},
    {"server.policy", set_srv_policy},
    {"server.tokens", set_srv_tokens},
    {"server.deadline_ms", set_srv_deadline},
    {"server.body_max_bytes", set_srv_body},
    {"server.connections_max", set_srv_conns},
    {"server.client_timeout_s", set_srv_timeout},
    {"server.threads", set_srv_threads},
    {"server.inflight_max", set_srv_inflight},
    {"server.explain", set_srv_explain},
    {"server.models.dir", set_srv_models_dir},
    {"server.models.eta", set_srv_model_eta},
    {"server.models.risk", set_srv_model_risk},
    {"server.models.netval", set_srv_model_netval},
};
#define N_KEYS (sizeof keys / sizeof keys[0])

static bool is_key_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '.' || ch == '_';
}

/* Parses one value starting at p (after the '=' and its spaces) into out.
 * Quoted: "..." with \" and \\; then only spaces and an optional comment.
 * Bare: up to a '#' or the end, trailing spaces trimmed; no quotes inside. */
static int parse_value(const parse_ctx_t *c, const char *p, const char *end, char *out, size_t cap)
{
    size_t n = 0;
    if (p < end && *p == '"') {
        p++;
        for (;;) {
            if (p >= end)
                return bad(c, ORDO_EPARSE, "unterminated quoted value%s", "");
            char ch = *p++;
            if (ch == '"')
                break;
            if (ch == '\\') {
                if (p >= end || (*p != '"' && *p != '\\'))
                    return bad(c, ORDO_EPARSE, "bad escape in quoted value (only \\\" and \\\\)%s",
                               "");
                ch = *p++;
            }
            if ((unsigned char)ch < 0x20)
                return bad(c, ORDO_EPARSE, "control character in value%s", "");
            if (n + 1 >= cap)
                return bad(c, ORDO_ERANGE, "value too long%s", "");
            out[n++] = ch;
        }
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p < end && *p != '#')
            return bad(c, ORDO_EPARSE, "text after the closing quote%s", "");
    } else {
        const char *q = p;
        while (q < end && *q != '#')
            q++;
        while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
            q--;
        for (const char *s = p; s < q; s++) {
            if (*s == '"')
                return bad(c, ORDO_EPARSE, "stray quote in value (quote the whole value)%s", "");
            if ((unsigned char)*s < 0x20 && *s != '\t')
                return bad(c, ORDO_EPARSE, "control character in value%s", "");
        }
        if ((size_t)(q - p) + 1 > cap)
            return bad(c, ORDO_ERANGE, "value too long%s", "");
        n = (size_t)(q - p);
        memcpy(out, p, n);
    }
    out[n] = 0;
    if (n == 0)
        return bad(c, ORDO_EINVAL, "empty value%s", "");
    return ORDO_OK;
}

int ordo_config_parse(const char *text, size_t len, const char *name, ordo_config_t *cfg,
                      ordo_error_t *err)
{
    ordo_config_t tmp;
    ordo_config_init(&tmp);
    ordo_config_init(cfg);
    int urc = ordo_text_check_utf8(text, len, name, 0, err); /* refused, not replaced */
    if (urc != ORDO_OK)
        return urc;
    long seen_line[N_KEYS] = {0};
    long lineno = 0;
    const char *p = text, *end = text + len;
    char key[128];
    char *value = malloc(ORDO_CONFIG_DSN_MAX + 64);
    if (!value)
        return ordo_error_set(err, ORDO_ENOMEM, name, 0, NULL, "out of memory");
    int rc = ORDO_OK;
    while (p < end && rc == ORDO_OK) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        lineno++;
        if (le > p && le[-1] == '\r')
            le--;
        parse_ctx_t c = {name, lineno, NULL, err};
        const char *s = p;
        p = eol ? eol + 1 : end;
        if (memchr(s, '\0', (size_t)(le - s))) {
            rc = bad(&c, ORDO_EPARSE, "NUL byte in line%s", "");
            break;
        }
        while (s < le && (*s == ' ' || *s == '\t'))
            s++;
        if (s == le || *s == '#')
            continue;
        const char *k = s;
        while (s < le && is_key_char(*s))
            s++;
        size_t klen = (size_t)(s - k);
        if (klen == 0 || klen >= sizeof key) {
            rc = bad(&c, ORDO_EPARSE, "expected 'key = value'%s", "");
            break;
        }
        memcpy(key, k, klen);
        key[klen] = 0;
        c.key = key;
        while (s < le && (*s == ' ' || *s == '\t'))
            s++;
        if (s >= le || *s != '=') {
            rc = bad(&c, ORDO_EPARSE, "expected '=' after the key%s", "");
            break;
        }
        s++;
        while (s < le && (*s == ' ' || *s == '\t'))
            s++;
        size_t ki = 0;
        while (ki < N_KEYS && strcmp(keys[ki].key, key))
            ki++;
        if (ki == N_KEYS) {
            rc = bad(&c, ORDO_EINVAL, "unknown key '%s' (see docs/examples/ordo.conf)", key);
            break;
        }
        if (seen_line[ki]) {
            char msg[96];
            snprintf(msg, sizeof msg, "key '%%s' already set on line %ld", seen_line[ki]);
            rc = bad(&c, ORDO_EINVAL, msg, key);
            break;
        }
        seen_line[ki] = lineno;
        rc = parse_value(&c, s, le, value, ORDO_CONFIG_DSN_MAX + 64);
        if (rc == ORDO_OK)
            rc = keys[ki].set(&c, value, &tmp);
    }
    free(value);
    if (rc != ORDO_OK)
        return rc;
    if (tmp.store_backend == ORDO_STORE_POSTGRES && !tmp.postgres_dsn[0]) {
        long l = 0;
        for (size_t i = 0; i < N_KEYS; i++)
            if (!strcmp(keys[i].key, "store.backend"))
                l = seen_line[i];
        return ordo_error_set(err, ORDO_EINVAL, name, l, "store.postgres.dsn",
                              "store.backend = postgres needs store.postgres.dsn");
    }
    *cfg = tmp;
    return ORDO_OK;
}

int ordo_config_load(const char *path, ordo_config_t *cfg, ordo_error_t *err)
{
    ordo_config_init(cfg);
    char *data;
    size_t len;
    int rc = ordo_read_file(path, &data, &len, err);
    if (rc != ORDO_OK)
        return rc;
    rc = ordo_config_parse(data, len, path, cfg, err);
    free(data);
    return rc;
}

int ordo_config_load_data_dir(const char *data_dir, ordo_config_t *cfg, ordo_error_t *err)
{
    ordo_config_init(cfg);
    ordo_datadir_t dd;
    int rc = ordo_datadir_init(&dd, data_dir, err);
    if (rc != ORDO_OK)
        return rc;
    const char *path = dd.config;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return ORDO_OK;
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "cannot stat: %s", strerror(errno));
    }
    return ordo_config_load(path, cfg, err);
}
