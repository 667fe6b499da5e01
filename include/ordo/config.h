/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — the data directory's configuration file, ordo.conf.
 *
 * A small "key = value" text format (docs/examples/ordo.conf documents every
 * key): one setting per line, '#' starts a comment, blank lines are ignored,
 * a value may be double-quoted (then it may hold '#' and spaces; \" and \\
 * are its only escapes). Validation is strict: an unknown key, a key given
 * twice, a value of the wrong type or out of range, or a postgres backend
 * without a dsn are errors naming the file, the line and the key.
 *
 * The configuration is a plain struct with no pointers: copy it freely. */
#ifndef ORDO_CONFIG_H
#define ORDO_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif


typedef enum ordo_store_backend {
    ORDO_STORE_SQLITE = 0,  /* DIR/ordo.db, embedded (default) */
    ORDO_STORE_POSTGRES = 1 /* shared server named by store.postgres.dsn */
} ordo_store_backend_t;

/* SQLite's PRAGMA synchronous. FULL (default) fsyncs the WAL at every
 * commit: a committed transaction survives power loss. NORMAL fsyncs only at
 * checkpoints: still consistent after a crash, but the last transactions
 * before a power loss may be lost. */
typedef enum ordo_config_sqlite_sync {
    ORDO_SQLITE_SYNC_FULL = 0,
    ORDO_SQLITE_SYNC_NORMAL = 1,
    /* OFF: no fsync at all, not even at checkpoints. A process crash loses
     * nothing committed, but a power cut or OS crash can leave the database
     * corrupt. Not settable in ordo.conf: for a store that can be made again
     * from its inputs (ordo sim's world handle: a run is rerun from its
     * seed). */
    ORDO_SQLITE_SYNC_OFF = 2
} ordo_config_sqlite_sync_t;

/* Mirrors ordo_log_sync_t (log.h): sync | async | none. */
typedef enum ordo_config_log_sync {
    ORDO_CONFIG_LOG_SYNC = 0,
    ORDO_CONFIG_LOG_ASYNC = 1,
    ORDO_CONFIG_LOG_NONE = 2
} ordo_config_log_sync_t;

/* How decision records are encoded in the log: compact CBOR (default; read
 * back as JSON, see cbor.h) or JSON text. */
typedef enum ordo_config_log_encoding {
    ORDO_CONFIG_LOG_CBOR = 0,
    ORDO_CONFIG_LOG_JSON = 1
} ordo_config_log_encoding_t;

#define ORDO_CONFIG_DSN_MAX 1024
#define ORDO_CONFIG_PATH_MAX 1024

/* server.*: `ordo serve --config FILE` (docs/internals/SERVER.md). Read by
 * the server only; a data directory's own ordo.conf may leave them out. */
typedef struct ordo_config_server {
    char listen[128];                      /* server.listen = HOST:PORT (127.0.0.1:8080) */
    char data_dir[ORDO_CONFIG_PATH_MAX];   /* server.data_dir ("" = ./ordo-data) */
    char network[ORDO_CONFIG_PATH_MAX];    /* server.network: network directory (required) */
    char policy[ORDO_CONFIG_PATH_MAX];     /* server.policy: default policy file or built-in
                                              ("" = the registry's default) */
    char tokens[ORDO_CONFIG_PATH_MAX];     /* server.tokens: comma-separated bearer tokens
                                              for writes ("" = every write refused) */
    uint32_t deadline_ms;     /* server.deadline_ms: per /v1/source request (default 50) */
    uint32_t body_max_bytes;  /* server.body_max_bytes (default 1048576) */
    uint32_t connections_max; /* server.connections_max (default 1024) */
    uint32_t client_timeout_s;/* server.client_timeout_s: idle or slow client (default 10) */
    uint32_t threads;         /* server.threads: HTTP worker threads (default 2) */
    uint32_t inflight_max;    /* server.inflight_max: requests in progress beyond which
                                 other routes than /v1/source answer 503 (default 512) */
    bool explain;             /* server.explain = on|off: every candidate and why it lost,
                                 in the plan and the logged record (default off) */
    char models_dir[ORDO_CONFIG_PATH_MAX]; /* server.models.dir: model files ("" = DATA/models) */
    char model_eta[ORDO_CONFIG_PATH_MAX];  /* server.models.eta: "latest", a version (eta-v3)
                                              in models.dir, or a file ("" = none: the
                                              published histograms) */
    char model_risk[ORDO_CONFIG_PATH_MAX]; /* server.models.risk: "latest", a version (risk-v2)
                                              in models.dir, or a file ("" = none: the
                                              parametric risk terms) */
    char model_netval[ORDO_CONFIG_PATH_MAX]; /* server.models.netval: "latest", a version
                                                (netval-v2) in models.dir, or a file ("" =
                                                none: "network_value" prices nothing) */
} ordo_config_server_t;

typedef struct ordo_config {
    /* store.* */
    ordo_store_backend_t store_backend;     /* store.backend = sqlite|postgres */
    char postgres_dsn[ORDO_CONFIG_DSN_MAX]; /* store.postgres.dsn, "" if unset */
    ordo_config_sqlite_sync_t sqlite_sync;  /* store.sqlite.synchronous = full|normal */
    uint32_t busy_timeout_ms;               /* store.busy_timeout_ms (default 5000) */
    uint32_t ingest_batch;                  /* store.ingest_batch: events per
                                               put_batch call (default 10000) */
    /* log.* (read by the log module: see include/ordo/log.h) */
    ordo_config_log_sync_t log_sync; /* log.sync = sync|async|none */
    uint32_t log_interval_us;        /* log.group_commit_interval_us (0 = log default) */
    uint32_t log_batch_bytes;        /* log.group_commit_bytes (0 = log default) */
    uint64_t log_segment_bytes;      /* log.segment_bytes (0 = log default) */
    int log_compress_level;          /* log.compress_level 0..19 (0 = off) */
    ordo_config_log_encoding_t log_encoding; /* log.encoding = cbor|json (default cbor) */
    int log_direct_io; /* log.direct_io = auto|on|off: an ordo_log_direct_t (default auto) */
    /* retention.* (days; 0 = keep forever, the default; at most 36500):
     * the periods the operator commits to, docs/examples/ordo.conf */
    uint32_t retention_log_days;      /* retention.log_days */
    uint32_t retention_outcomes_days; /* retention.outcomes_days */
    uint32_t retention_audit_days;    /* retention.audit_days */
    ordo_config_server_t server;      /* server.* */
} ordo_config_t;

/* Fills the defaults: sqlite, synchronous full, busy timeout 5000 ms,
 * ingest batch 10000, log sync with the log's own defaults, no compression. */
void ordo_config_init(ordo_config_t *cfg);

/* Parses the file at path into cfg (which is first reset to the defaults;
 * settings absent from the file keep them). ORDO_ENOENT when the file does
 * not exist, ORDO_EPARSE / ORDO_EINVAL / ORDO_ERANGE naming line and key
 * otherwise. On error cfg holds the defaults. */
int ordo_config_load(const char *path, ordo_config_t *cfg, ordo_error_t *err);

/* Same, from text in memory; name is used in error messages (may be NULL). */
int ordo_config_parse(const char *text, size_t len, const char *name, ordo_config_t *cfg,
                      ordo_error_t *err);

/* The configuration of a data directory: DIR/ordo.conf when it exists, else
 * the defaults. A file that exists but is invalid is an error. */
int ordo_config_load_data_dir(const char *data_dir, ordo_config_t *cfg, ordo_error_t *err);

/* "sqlite" / "postgres"; "sync" / "async" / "none". Static strings. */
const char *ordo_config_backend_name(ordo_store_backend_t b);
const char *ordo_config_log_sync_name(ordo_config_log_sync_t s);

#ifdef __cplusplus
}
#endif
#endif
