/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the log targets (fuzz_log_segment.c, fuzz_log_index.c): a small,
 * deterministic log written through the public API (include/ordo/log.h),
 * used as the fixed part of an input and as seeds; and the read paths a
 * user has: verify, iterate (all, by key, by time, from a seq) and open for
 * writing (recovery) followed by one append. */
#ifndef ORDO_FUZZ_LOG_H
#define ORDO_FUZZ_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "ordo/buf.h"
#include "ordo/error.h"
#include "ordo/json.h"
#include "ordo/log.h"

#define FUZZ_LOG_T0 1700000000000000000LL /* ns */
#define FUZZ_LOG_FIRST_SEG "00000000000000000001.seg"
#define FUZZ_LOG_FIRST_IDX "00000000000000000001.idx"

/* Writes n records into dir: keys "order-<i mod 7>", times 1 ms apart,
 * JSON text and CBOR payloads alternating; segment_bytes small enough to
 * rotate (sealed segments get a .idx). compress: zstd level or 0. */
static inline void fuzz_log_make(const char *dir, int n, uint64_t segment_bytes, int compress)
{
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.sync = ORDO_LOG_NONE;
    opt.direct_io = ORDO_LOG_DIRECT_OFF;
    opt.segment_bytes = segment_bytes;
    opt.index_every = 4;
    opt.compress_level = compress;
    ordo_log_t *log;
    ordo_error_t err;
    if (ordo_log_open(dir, &opt, &log, NULL, &err) != 0) {
        fprintf(stderr, "fuzz: log open %s: %s\n", dir, err.msg);
        abort();
    }
    for (int i = 0; i < n; i++) {
        char key[32], text[256];
        int kl = snprintf(key, sizeof key, "order-%d", i % 7);
        int64_t ts = FUZZ_LOG_T0 + (int64_t)i * 1000000;
        int rc;
        if (i % 2) {
            ordo_buf_t b;
            ordo_buf_init(&b, NULL);
            ordo_jsonw_t w;
            ordo_jsonw_init_cbor(&w, &b);
            ordo_jsonw_obj_begin(&w);
            ordo_jsonw_kstr(&w, "order_id", key);
            ordo_jsonw_kint(&w, "seq", i);
            ordo_jsonw_kdouble(&w, "cost", 7.25 + i);
            ordo_jsonw_obj_end(&w);
            ordo_jsonw_finish(&w);
            rc = ordo_log_append_flags(log, ORDO_LOG_REC_DECISION, ORDO_LOG_FLAG_CBOR, key,
                                       (size_t)kl, ts, b.data, b.len, NULL, &err);
            ordo_buf_free(&b);
        } else {
            int tl = snprintf(text, sizeof text,
                              "{\"order_id\":\"%s\",\"seq\":%d,\"note\":\"decision text\"}", key,
                              i);
            rc = ordo_log_append(log, ORDO_LOG_REC_DECISION, key, (size_t)kl, ts, text,
                                 (size_t)tl, NULL, &err);
        }
        if (rc != 0) {
            fprintf(stderr, "fuzz: log append: %s\n", err.msg);
            abort();
        }
    }
    if (ordo_log_close(log, &err) != 0)
        abort();
}

static inline void fuzz_log_iterate(const char *dir, const ordo_log_query_t *q)
{
    ordo_log_iter_t *it;
    ordo_error_t err;
    if (ordo_log_iter_open(dir, q, &it, &err) != 0)
        return;
    ordo_log_record_t rec;
    for (int i = 0; i < 100000 && ordo_log_iter_next(it, &rec, &err) == 1; i++) {
        /* touch what a reader touches */
        volatile uint8_t sink = 0;
        if (rec.key_len)
            sink ^= (uint8_t)rec.key[rec.key_len - 1];
        if (rec.len)
            sink ^= ((const uint8_t *)rec.payload)[rec.len - 1];
        (void)sink;
    }
    ordo_log_iter_close(it);
}

/* Everything a user can do with a log directory found on disk. */
static inline void fuzz_log_read_all(const char *dir, bool open_for_writing)
{
    ordo_error_t err;
    ordo_log_verify_report_t rep;
    (void)ordo_log_verify(dir, &rep, &err);
    fuzz_log_iterate(dir, NULL);
    ordo_log_query_t q = {.key = "order-3", .key_len = 7};
    fuzz_log_iterate(dir, &q);
    ordo_log_query_t qt = {.has_time = true,
                           .ts_from = FUZZ_LOG_T0 + 5000000,
                           .ts_to = FUZZ_LOG_T0 + 20000000};
    fuzz_log_iterate(dir, &qt);
    ordo_log_query_t qs = {.from_seq = 9, .limit = 5};
    fuzz_log_iterate(dir, &qs);
    if (!open_for_writing)
        return;
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    opt.sync = ORDO_LOG_NONE;
    opt.direct_io = ORDO_LOG_DIRECT_OFF;
    opt.segment_bytes = 4096;
    opt.index_every = 4;
    ordo_log_t *log;
    if (ordo_log_open(dir, &opt, &log, NULL, &err) == 0) {
        (void)ordo_log_append(log, ORDO_LOG_REC_DECISION, "k", 1, FUZZ_LOG_T0, "{}", 2, NULL,
                              &err);
        (void)ordo_log_close(log, &err);
    }
}

#endif
