/* SPDX-License-Identifier: Apache-2.0 */
/* bench_log — decision-log append throughput against the disk and SQLite.
 *
 *   bench_log [--dir DIR] [--records N] [--repeats R] [--big] [--quick] [--only CONFIG]
 *             [--per-record]
 *
 * The records are real decision records: a generated network (200 nodes,
 * 5,000 SKUs on real US geography, cached in DIR/net), orders of 1-5 lines to
 * ZIPs drawn by population, decided by the default policy and written as the
 * decide module writes them, once as JSON text and once as ordo's compact
 * CBOR (cbor.h; read back as the same JSON). On those it measures
 *   0. the CPU ceilings: BLAKE2b (the chain) and zstd with a dictionary on
 *      one core, over the same payloads;
 *   1. the disk: sequential 1 MiB writes + fdatasync each (the log's batch
 *      cadence), and 4 MiB writes + fdatasync every 64 MiB (streaming);
 *   2. the log, group commit: ASYNC (one fdatasync per 1 MiB batch or
 *      2 ms), JSON or CBOR, with and without zstd; SYNC with 64 appending
 *      threads sharing fdatasyncs (leader/follower);
 *   3. the log, one fdatasync per record (SYNC, one thread); --per-record
 *      runs only this, with zeros written ahead (the default) and without,
 *      alternating (LOG.md "Writing ahead");
 *   4. SQLite WAL, synchronous=FULL, storing the same payload bytes:
 *      transactions of the same size as the log's groups, and one commit per
 *      record;
 *   5. time to open (recover) and to verify a log of CBOR records (--big:
 *      at least 1 GiB).
 * Each figure is the median of R runs. DIR must be on the disk to measure
 * (default: the build directory).
 *
 * Throughput is reported twice: logical MB/s counts the records as JSON text
 * (what every reader gets back, whatever the encoding), physical MB/s the
 * bytes written to the segments (framing included, CBOR and/or compressed
 * as configured). The bandwidth goal compares logical MB/s with the disk (a
 * compact encoding or compression is the documented way past the disk's
 * limit); physical MB/s shows how busy the disk actually was. "CPU us/rec"
 * is the process's user + system CPU time per record during the run
 * (appenders, flusher and kernel write path). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>
#include <zdict.h>
#include <zstd.h>

#include "ordo/cbor.h"
#include "ordo/log.h"
#include "ordo/ordo.h"
#include "ordo/source.h"

#include "bench_util.h"
#include "ordo/util.h"

#ifndef ORDO_BINARY_DIR
#define ORDO_BINARY_DIR "."
#endif

typedef struct payloads {
    char **p;
    size_t *len;
    size_t n;
    size_t total;
    size_t max;
    uint8_t flags;   /* ORDO_LOG_FLAG_CBOR for the CBOR set */
    double json_avg; /* the same records' average size as JSON text */
} payloads_t;

static void die(const char *what, const ordo_error_t *err);

static void keep_payload(payloads_t *pl, size_t i, const ordo_buf_t *b)
{
    pl->p[i] = malloc(b->len);
    memcpy(pl->p[i], b->data, b->len);
    pl->len[i] = b->len;
    pl->total += b->len;
    if (b->len > pl->max)
        pl->max = b->len;
}

/* n real decision records, as JSON (pj) and as CBOR (pc). */
static void gen_payloads(const char *base, payloads_t *pj, payloads_t *pc, size_t n)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/net", base);
    ordo_error_t err;
    struct stat st;
    char probe[4300];
    snprintf(probe, sizeof probe, "%s/inventory.csv", dir);
    if (stat(probe, &st) != 0) {
        ordo_generate_options_t g = {.dcs = 8,
                                     .stores = 176,
                                     .dropshippers = 16,
                                     .skus = 5000,
                                     .seed = 11,
                                     .name = "bench-log"};
        if (ordo_network_generate(&g, NULL, dir, &err))
            die("generate", &err);
    }
    ordo_network_t *net;
    ordo_engine_t *eng;
    ordo_policy_t *pol;
    if (ordo_network_load(dir, NULL, &net, &err) || ordo_engine_create(net, NULL, &eng, &err) ||
        ordo_policy_builtin("default", &pol, &err))
        die("network", &err);
    const ordo_geo_t *geo = net->geo;
    size_t nz = ordo_geo_count(geo);
    double *cum = malloc(sizeof *cum * nz), tot = 0;
    for (size_t i = 0; i < nz; i++) {
        tot += ordo_geo_at(geo, i)->population;
        cum[i] = tot;
    }
    payloads_t *sets[2] = {pj, pc};
    for (int k = 0; k < 2; k++) {
        memset(sets[k], 0, sizeof *sets[k]);
        sets[k]->p = calloc(n, sizeof *sets[k]->p);
        sets[k]->len = calloc(n, sizeof *sets[k]->len);
        sets[k]->n = n;
    }
    pc->flags = ORDO_LOG_FLAG_CBOR;
    ordo_rng_t r;
    ordo_rng_seed(&r, 7);
    ordo_arena_t *a = ordo_arena_create(1 << 20);
    ordo_buf_t jb, cb, ob;
    ordo_buf_init(&jb, NULL);
    ordo_buf_init(&cb, NULL);
    ordo_buf_init(&ob, NULL);
    for (size_t i = 0; i < n;) {
        ordo_arena_reset(a);
        size_t lo = bench_pick_cumulative(&r, cum, nz);
        unsigned lines = 1 + (unsigned)ordo_rng_below(&r, 5);
        ordo_buf_reset(&ob);
        char tmp[256];
        snprintf(tmp, sizeof tmp,
                 "{\"id\":\"ORD-2026-%08zu\",\"created\":\"2026-11-24T%02u:%02u:05Z\","
                 "\"channel\":\"%s\",\"service_level\":\"%s\",\"ship_to\":{\"zip\":\"%05u\"},"
                 "\"lines\":[",
                 i + 1, (unsigned)ordo_rng_below(&r, 24), (unsigned)ordo_rng_below(&r, 60),
                 ordo_rng_below(&r, 3) ? "web" : "app",
                 ordo_rng_below(&r, 5) ? "standard" : "express",
                 (unsigned)ordo_geo_at(geo, lo)->zip);
        ordo_buf_append(&ob, tmp, strlen(tmp));
        for (unsigned l = 0; l < lines; l++) {
            /* popular SKUs more often (the generator's catalog order) */
            double z = ordo_rng_uniform(&r);
            uint32_t s = (uint32_t)(z * z * z * net->n_skus);
            snprintf(tmp, sizeof tmp, "%s{\"sku\":\"%s\",\"quantity\":%u}", l ? "," : "",
                     net->skus[s].id, 1 + (unsigned)ordo_rng_below(&r, 2));
            ordo_buf_append(&ob, tmp, strlen(tmp));
        }
        ordo_buf_append(&ob, "]}", 2);
        ordo_order_t o;
        if (ordo_order_parse(ob.data, ob.len, net, a, &o, &err) != ORDO_OK)
            continue; /* a repeated SKU: draw again */
        ordo_decide_opts_t dopt = {0};
        ordo_plan_t *plan;
        if (ordo_source_decide(eng, pol, &o, &dopt, a, &plan, &err) != ORDO_OK)
            die("decide", &err);
        ordo_decision_meta_t meta = {.bucket = -1};
        if (i % 2) { /* half of them in an experiment, as in a live A/B test */
            meta.experiment = "exp-cost-vs-prox";
            meta.variant = i % 4 == 1 ? "control" : "treatment";
            meta.unit = o.id;
            meta.bucket = ordo_rng_uniform(&r);
            meta.has_control_cost = true;
            meta.control_cost = plan->cost.total * (0.9 + 0.2 * ordo_rng_uniform(&r));
        }
        ordo_jsonw_t w;
        ordo_buf_reset(&jb);
        ordo_jsonw_init(&w, &jb, 0);
        ordo_record_write(plan, net, &meta, &w);
        if (ordo_jsonw_finish(&w))
            die("json", NULL);
        ordo_buf_reset(&cb);
        ordo_jsonw_init_cbor(&w, &cb);
        ordo_record_write(plan, net, &meta, &w);
        if (ordo_jsonw_finish(&w))
            die("cbor", NULL);
        keep_payload(pj, i, &jb);
        keep_payload(pc, i, &cb);
        i++;
    }
    pj->json_avg = pc->json_avg = (double)pj->total / (double)n;
    ordo_buf_free(&jb);
    ordo_buf_free(&cb);
    ordo_buf_free(&ob);
    ordo_arena_destroy(a);
    free(cum);
    ordo_policy_destroy(pol);
    ordo_engine_destroy(eng);
    ordo_network_destroy(net);
}

static void free_payloads(payloads_t *pl)
{
    for (size_t i = 0; i < pl->n; i++)
        free(pl->p[i]);
    free(pl->p);
    free(pl->len);
}

static double now_s(void)
{
    return (double)ordo_now_ns() / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void rmrf(const char *d)
{
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_log: could not remove %s\n", d);
}

static void die(const char *what, const ordo_error_t *err)
{
    fprintf(stderr, "bench_log: %s: %s\n", what, err ? err->msg : strerror(errno));
    exit(1);
}

/* ---- 1. the disk ---- */

/* Sequential writes of chunk bytes, fdatasync every sync_every bytes. */
/* direct: O_DIRECT, as the log writes when the file system accepts it;
 * returns 0 when it does not. */
static double disk_bandwidth(const char *dir, size_t bytes, size_t chunk, size_t sync_every,
                             bool direct)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/disk.bin", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0), 0644);
    if (fd < 0 && direct)
        return 0;
    if (fd < 0)
        die(path, NULL);
    char *buf;
    if (posix_memalign((void **)&buf, 4096, chunk) != 0)
        die("out of memory", NULL);
    ordo_rng_t r;
    ordo_rng_seed(&r, 1);
    for (size_t i = 0; i < chunk; i += 8) {
        uint64_t v = ordo_rng_next(&r);
        memcpy(buf + i, &v, 8);
    }
    double t0 = now_s();
    for (size_t off = 0; off < bytes; off += chunk) {
        if (pwrite(fd, buf, chunk, (off_t)off) != (ssize_t)chunk)
            die("disk write", NULL);
        if ((off + chunk) % sync_every == 0)
            fdatasync(fd);
    }
    fdatasync(fd);
    double dt = now_s() - t0;
    close(fd);
    unlink(path);
    free(buf);
    return (double)bytes / dt / 1e6;
}

/* ---- 2./3. the log ---- */

typedef struct log_run {
    double secs, cpu_secs;
    uint64_t records, payload_bytes, stored_bytes, syncs;
    bool direct; /* the log wrote with O_DIRECT */
} log_run_t;

static double cpu_now_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

typedef struct thr {
    ordo_log_t *log;
    const payloads_t *pl;
    size_t from, to;
} thr_t;

static void *thr_append(void *p)
{
    thr_t *t = p;
    char key[32];
    for (size_t i = t->from; i < t->to; i++) {
        const size_t k = i % t->pl->n;
        int kl = snprintf(key, sizeof key, "ORD-2026-%08zu", k + 1);
        ordo_error_t err;
        if (ordo_log_append_flags(t->log, ORDO_LOG_REC_DECISION, t->pl->flags, key, (size_t)kl, 0,
                                  t->pl->p[k], t->pl->len[k], NULL, &err) != ORDO_OK)
            die("append", &err);
    }
    return NULL;
}

/* ordo_log_options_t.ahead_bytes for run_log; UINT32_MAX: the default */
static uint32_t g_ahead = UINT32_MAX;

static log_run_t run_log(const char *dir, const payloads_t *pl, size_t records,
                         ordo_log_sync_t mode, int threads, int zlevel, uint32_t gather_us,
                         ordo_log_direct_t dio, bool keep)
{
    rmrf(dir);
    ordo_log_options_t opt;
    ordo_log_options_init(&opt);
    if (g_ahead != UINT32_MAX)
        opt.ahead_bytes = g_ahead;
    opt.sync = mode;
    opt.compress_level = zlevel;
    opt.batch_bytes = 1u << 20;
    opt.interval_us = mode == ORDO_LOG_ASYNC ? 2000 : gather_us;
    opt.direct_io = dio;
    ordo_log_t *log;
    ordo_error_t err;
    if (ordo_log_open(dir, &opt, &log, NULL, &err) != ORDO_OK)
        die("open", &err);
    pthread_t th[256];
    thr_t a[256];
    double c0 = cpu_now_s();
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        a[i] = (thr_t){log, pl, records * (size_t)i / (size_t)threads,
                       records * (size_t)(i + 1) / (size_t)threads};
        pthread_create(&th[i], NULL, thr_append, &a[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    if (ordo_log_flush(log, &err) != ORDO_OK)
        die("flush", &err);
    double dt = now_s() - t0;
    double cpu = cpu_now_s() - c0;
    ordo_log_stats_t st;
    ordo_log_get_stats(log, &st);
    if (ordo_log_close(log, &err) != ORDO_OK)
        die("close", &err);
    if (!keep)
        rmrf(dir);
    return (log_run_t){dt,       cpu,         st.records, st.payload_bytes, st.stored_bytes,
                       st.syncs, st.direct_io};
}

/* ---- 4. SQLite ---- */

static double run_sqlite(const char *dir, const payloads_t *pl, size_t records, size_t per_txn)
{
    rmrf(dir);
    mkdir(dir, 0755);
    char path[4200];
    snprintf(path, sizeof path, "%s/bench.db", dir);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("sqlite open", NULL);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE decision(seq INTEGER PRIMARY KEY, type INTEGER, key TEXT,"
                 " ts INTEGER, payload BLOB); CREATE INDEX decision_key ON decision(key);",
                 NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db, "INSERT INTO decision(seq, type, key, ts, payload) VALUES(?,?,?,?,?)",
                       -1, &ins, NULL);
    char key[32];
    double t0 = now_s();
    for (size_t i = 0; i < records;) {
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        for (size_t j = 0; j < per_txn && i < records; j++, i++) {
            size_t k = i % pl->n;
            int kl = snprintf(key, sizeof key, "ORD-2026-%08zu", k + 1);
            sqlite3_bind_int64(ins, 1, (sqlite3_int64)i + 1);
            sqlite3_bind_int(ins, 2, 1);
            sqlite3_bind_text(ins, 3, key, kl, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 4, (sqlite3_int64)ordo_now_ns());
            sqlite3_bind_blob(ins, 5, pl->p[k], (int)pl->len[k], SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE)
                die(sqlite3_errmsg(db), NULL);
            sqlite3_reset(ins);
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            die(sqlite3_errmsg(db), NULL);
    }
    double dt = now_s() - t0;
    sqlite3_finalize(ins);
    sqlite3_close(db);
    rmrf(dir);
    return (double)records / dt;
}

/* ---- 5. recovery and verify ---- */

static void open_verify_times(const char *dir, int repeats, double *open_s, double *verify_s,
                              uint64_t *bytes, uint64_t *records)
{
    double o[16], v[16];
    for (int r = 0; r < repeats; r++) {
        ordo_log_t *log;
        ordo_error_t err;
        double t0 = now_s();
        if (ordo_log_open(dir, NULL, &log, NULL, &err) != ORDO_OK)
            die("reopen", &err);
        o[r] = now_s() - t0;
        ordo_log_close(log, NULL);
        ordo_log_verify_report_t rep;
        t0 = now_s();
        if (ordo_log_verify(dir, &rep, &err) != ORDO_OK || !rep.ok)
            die("verify", &err);
        v[r] = now_s() - t0;
        *bytes = rep.bytes;
        *records = rep.records;
    }
    *open_s = median(o, repeats);
    *verify_s = median(v, repeats);
}

/* ---- 0. CPU ceilings ---- */

/* BLAKE2b-256 over every payload, one core: MB/s. */
static double blake2b_mbps(const payloads_t *pl)
{
    uint8_t h[32];
    size_t bytes = 0;
    double t0 = now_s();
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < pl->n; i++) {
            crypto_generichash(h, sizeof h, (const uint8_t *)pl->p[i], pl->len[i], NULL, 0);
            bytes += pl->len[i];
        }
    return (double)bytes / (now_s() - t0) / 1e6;
}

/* zstd at level, each payload alone with a 32 KiB dictionary trained on
 * 1000 of them (as the log does), one core: MB/s of input; *bpr gets the
 * compressed bytes per payload. */
static double zstd_mbps(const payloads_t *pl, int level, double *bpr)
{
    size_t ns = pl->n < 1000 ? pl->n : 1000, off = 0;
    size_t *sizes = malloc(ns * sizeof *sizes);
    char *samples = malloc(ns * pl->max);
    for (size_t i = 0; i < ns; i++) {
        memcpy(samples + off, pl->p[i], pl->len[i]);
        sizes[i] = pl->len[i];
        off += pl->len[i];
    }
    static char dict[32 * 1024];
    size_t dl = ZDICT_trainFromBuffer(dict, sizeof dict, samples, sizes, (unsigned)ns);
    free(samples);
    free(sizes);
    if (ZDICT_isError(dl))
        return 0;
    ZSTD_CDict *cd = ZSTD_createCDict(dict, dl, level);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0);
    size_t cap = ZSTD_compressBound(pl->max);
    char *out = malloc(cap);
    size_t in = 0, outb = 0;
    double t0 = now_s();
    for (size_t i = 0; i < pl->n; i++) {
        ZSTD_CCtx_refCDict(c, cd);
        size_t r = ZSTD_compress2(c, out, cap, pl->p[i], pl->len[i]);
        outb += ZSTD_isError(r) ? pl->len[i] : r;
        in += pl->len[i];
    }
    double mbps = (double)in / (now_s() - t0) / 1e6;
    *bpr = (double)outb / (double)pl->n;
    free(out);
    ZSTD_freeCCtx(c);
    ZSTD_freeCDict(cd);
    return mbps;
}

int main(int argc, char **argv)
{
    const char *base = ORDO_BINARY_DIR "/bench-log.tmp";
    size_t records = 600000;
    int repeats = 3;
    bool big = false, quick = false, per_record_only = false;
    int only = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            base = argv[++i];
        else if (!strcmp(argv[i], "--records") && i + 1 < argc)
            records = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--big"))
            big = true;
        else if (!strcmp(argv[i], "--quick"))
            quick = true;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--per-record"))
            per_record_only = true;
        else {
            fprintf(stderr, "usage: bench_log [--dir DIR] [--records N] [--repeats R] [--big] "
                            "[--quick] [--only CONFIG] [--per-record]\n");
            return 2;
        }
    }
    if (quick) {
        records = 20000;
        repeats = 1;
    }
    if (repeats < 1 || repeats > 15)
        repeats = 3;
    mkdir(base, 0755);
    char logdir[4200], sqldir[4200];
    snprintf(logdir, sizeof logdir, "%s/log", base);
    snprintf(sqldir, sizeof sqldir, "%s/sqlite", base);

    payloads_t pj, pc;
    size_t npl = records < 20000 ? records : 20000;
    gen_payloads(base, &pj, &pc, npl);
    printf("bench_log: %zu records; %zu distinct real decision records, %.0f B as JSON, %.0f B as "
           "CBOR on average (%.2fx smaller); median of %d runs; dir %s\n",
           records, npl, (double)pj.total / (double)npl, (double)pc.total / (double)npl,
           (double)pj.total / (double)pc.total, repeats, base);

    if (sodium_init() < 0)
        return 1;
    double v[16];
    if (per_record_only) {
        /* a group of one record: what a group's write + fdatasync costs,
         * into zeros written ahead (their own writes and fdatasyncs
         * included: 10,000 records are 3 of their 4 MiB rounds) and
         * growing the file, alternating */
        size_t few = quick ? 300 : 10000;
        double on[16], off[16];
        for (int r = 0; r < repeats; r++) {
            for (int a = 0; a < 2; a++) {
                g_ahead = a ? 0 : UINT32_MAX;
                log_run_t lr =
                    run_log(logdir, &pc, few, ORDO_LOG_SYNC, 1, 0, 0, ORDO_LOG_DIRECT_AUTO, false);
                (a ? off : on)[r] = lr.secs / (double)lr.records * 1e6;
            }
        }
        g_ahead = UINT32_MAX;
        printf("%-56s %10.0f us\n", "one fdatasync per record, writing ahead (default)",
               median(on, repeats));
        printf("%-56s %10.0f us\n", "one fdatasync per record, the file growing",
               median(off, repeats));
        for (int r = 0; r < repeats; r++)
            printf("  run %d: %.0f us ahead, %.0f us growing\n", r + 1, on[r], off[r]);
        return 0;
    }
    for (int r = 0; r < repeats; r++)
        v[r] = blake2b_mbps(&pj);
    double b2 = median(v, repeats);
    printf("\n%-56s %10.0f MB/s\n", "CPU: BLAKE2b-256, one core", b2);
    static const int zl[] = {1, -3};
    for (size_t i = 0; i < sizeof zl / sizeof zl[0]; i++) {
        double zb = 0;
        for (int r = 0; r < repeats; r++)
            v[r] = zstd_mbps(&pj, zl[i], &zb);
        char nm[96];
        snprintf(nm, sizeof nm, "CPU: zstd level %d + dict on JSON, one core (%.0f B/rec)", zl[i],
                 zb);
        printf("%-56s %10.0f MB/s\n", nm, median(v, repeats));
    }
    {
        double zb = 0;
        for (int r = 0; r < repeats; r++)
            v[r] = zstd_mbps(&pc, 1, &zb);
        char nm[96];
        snprintf(nm, sizeof nm, "CPU: zstd level 1 + dict on CBOR, one core (%.0f B/rec)", zb);
        printf("%-56s %10.0f MB/s\n", nm, median(v, repeats));
    }
    size_t dbytes = quick ? (64u << 20) : (512u << 20);
    for (int r = 0; r < repeats; r++)
        v[r] = disk_bandwidth(base, dbytes, 1u << 20, 1u << 20, false);
    double disk_buffered = median(v, repeats);
    for (int r = 0; r < repeats; r++)
        v[r] = disk_bandwidth(base, dbytes, 1u << 20, 1u << 20, true);
    double disk_direct = median(v, repeats);
    for (int r = 0; r < repeats; r++)
        v[r] = disk_bandwidth(base, dbytes, 4u << 20, 64u << 20, false);
    double disk_stream = median(v, repeats);
    /* the disk's bandwidth at the log's cadence: the better of the two ways
     * of writing, so that the log's own choice cannot flatter the ratio */
    double disk = disk_direct > disk_buffered ? disk_direct : disk_buffered;
    printf("%-56s %10.0f MB/s\n", "disk: 1 MiB writes, fdatasync each (= log batch)",
           disk_buffered);
    if (disk_direct > 0)
        printf("%-56s %10.0f MB/s\n", "disk: 1 MiB O_DIRECT writes, fdatasync each", disk_direct);
    else
        printf("%-56s %10s\n", "disk: 1 MiB O_DIRECT writes, fdatasync each", "n/a");
    printf("%-56s %10.0f MB/s\n", "disk: 4 MiB writes, fdatasync every 64 MiB", disk_stream);

    struct {
        const char *name;
        ordo_log_sync_t mode;
        int threads, z, cbor;
        uint32_t gather_us;
        int buffered; /* 1: direct I/O off */
    } cfg[] = {
        {"log ASYNC group commit (1 MiB / 2 ms), JSON, 1 thread", ORDO_LOG_ASYNC, 1, 0, 0, 0, 0},
        {"log ASYNC group commit, JSON, 2 threads", ORDO_LOG_ASYNC, 2, 0, 0, 0, 0},
        {"log ASYNC group commit, JSON + zstd 1 + dict, 2 thr", ORDO_LOG_ASYNC, 2, 1, 0, 0, 0},
        {"log ASYNC group commit, CBOR, 1 thread", ORDO_LOG_ASYNC, 1, 0, 1, 0, 0},
        {"log ASYNC group commit, CBOR, 2 threads", ORDO_LOG_ASYNC, 2, 0, 1, 0, 0},
        {"log ASYNC group commit, CBOR + zstd 1 + dict, 2 thr", ORDO_LOG_ASYNC, 2, 1, 1, 0, 0},
        {"log SYNC, 64 threads share fdatasync, JSON", ORDO_LOG_SYNC, 64, 0, 0, 0, 0},
        {"log SYNC, 64 threads share fdatasync, CBOR", ORDO_LOG_SYNC, 64, 0, 1, 0, 0},
        {"log SYNC, 64 threads, leader gathers 300 us, CBOR", ORDO_LOG_SYNC, 64, 0, 1, 300, 0},
        /* the same as 4 through the page cache, to show what direct I/O saves */
        {"log ASYNC group commit, CBOR, 2 thr, buffered I/O", ORDO_LOG_ASYNC, 2, 0, 1, 0, 1},
    };
    /* per encoding: the best ASYNC group commit by records/s */
    double best_rps[2] = {0, 0}, best_logical[2] = {0, 0}, best_physical[2] = {0, 0};
    double best_bpr[2] = {0, 0}, group_per_sync = 0;
    const char *best_name[2] = {"", ""};
    printf("\n%-56s %10s %9s %9s %9s %8s %8s %s\n", "", "records/s", "logical", "physical",
           "B/record", "rec/sync", "CPU", "  I/O");
    printf("%-56s %10s %9s %9s %9s %8s %8s\n", "", "", "MB/s", "MB/s", "stored", "", "us/rec");
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        double rps[16], in[16], out[16], per[16], cpu[16], bpr = 0;
        bool direct = false;
        if (only >= 0 && (size_t)only != c)
            continue;
        const payloads_t *pl = cfg[c].cbor ? &pc : &pj;
        size_t n = cfg[c].mode == ORDO_LOG_SYNC ? records / 3 : records;
        for (int r = 0; r < repeats; r++) {
            log_run_t lr =
                run_log(logdir, pl, n, cfg[c].mode, cfg[c].threads, cfg[c].z, cfg[c].gather_us,
                        cfg[c].buffered ? ORDO_LOG_DIRECT_OFF : ORDO_LOG_DIRECT_AUTO, false);
            direct = lr.direct;
            rps[r] = (double)lr.records / lr.secs;
            in[r] = rps[r] * pl->json_avg / 1e6;
            out[r] = (double)lr.stored_bytes / lr.secs / 1e6;
            per[r] = lr.syncs ? (double)lr.records / (double)lr.syncs : 0;
            bpr = (double)lr.stored_bytes / (double)lr.records;
            cpu[r] = lr.cpu_secs / (double)lr.records * 1e6;
        }
        double mr = median(rps, repeats), mi = median(in, repeats), mo = median(out, repeats);
        double mp = median(per, repeats), mc = median(cpu, repeats);
        printf("%-56s %10.0f %9.1f %9.1f %9.0f %8.0f %8.2f %s\n", cfg[c].name, mr, mi, mo, bpr, mp,
               mc, direct ? "  direct" : "  buffered");
        fflush(stdout);
        int e = cfg[c].cbor;
        if (cfg[c].mode == ORDO_LOG_ASYNC && mr > best_rps[e]) {
            best_rps[e] = mr;
            best_logical[e] = mi;
            best_physical[e] = mo;
            best_bpr[e] = bpr;
            best_name[e] = cfg[c].name;
            if (!e && !cfg[c].z)
                group_per_sync = mp;
        }
    }

    if (only >= 0)
        return 0;
    size_t few = quick ? 300 : 2000;
    for (int r = 0; r < repeats; r++) {
        log_run_t lr =
            run_log(logdir, &pc, few, ORDO_LOG_SYNC, 1, 0, 0, ORDO_LOG_DIRECT_AUTO, false);
        v[r] = (double)lr.records / lr.secs;
    }
    double per_record = median(v, repeats);
    printf("%-56s %10.0f\n", "log SYNC, 1 thread: one fdatasync per record (CBOR)", per_record);

    size_t txn = group_per_sync > 1 ? (size_t)group_per_sync : 600;
    double sql_batch[2];
    for (int e = 0; e < 2; e++) {
        for (int r = 0; r < repeats; r++)
            v[r] = run_sqlite(sqldir, e ? &pc : &pj, records / 2, txn);
        sql_batch[e] = median(v, repeats);
        printf("%-56s %10.0f   (%zu records per transaction)\n",
               e ? "SQLite WAL synchronous=FULL, batched, CBOR payloads"
                 : "SQLite WAL synchronous=FULL, batched, JSON payloads",
               sql_batch[e], txn);
    }
    for (int r = 0; r < repeats; r++)
        v[r] = run_sqlite(sqldir, &pc, few, 1);
    double sql_one = median(v, repeats);
    printf("%-56s %10.0f\n", "SQLite WAL synchronous=FULL, commit per record (CBOR)", sql_one);

    printf("\ngoals (disk = %.0f MB/s at the log's cadence, %.0f MB/s streaming):\n", disk,
           disk_stream);
    printf("  bandwidth: records as JSON text (logical) per second vs the disk (goal >= 80%%):\n");
    for (int e = 0; e < 2; e++)
        printf("    %-5s best: %6.0f MB/s = %3.0f%% of the disk (%3.0f%% of streaming); "
               "%.0f B/record stored, %.0f MB/s physical  [%s]\n",
               e ? "CBOR" : "JSON", best_logical[e], 100 * best_logical[e] / disk,
               100 * best_logical[e] / disk_stream, best_bpr[e], best_physical[e], best_name[e]);
    printf("  CPU ceiling: BLAKE2b over every JSON byte alone allows %.0f MB/s per core\n", b2);
    printf("  records/s vs SQLite batched, same payload bytes (goal >= 3x): JSON %.1fx, CBOR %.1fx;"
           " CBOR log vs SQLite holding the JSON: %.1fx\n",
           best_rps[0] / sql_batch[0], best_rps[1] / sql_batch[1], best_rps[1] / sql_batch[0]);
    printf("  one fdatasync per record vs SQLite commit per record: %.1fx\n", per_record / sql_one);

    /* recovery and verify on a big log */
    uint64_t target = big ? (1ull << 30) : (quick ? (32ull << 20) : (256ull << 20));
    size_t big_records = (size_t)((double)target / ((double)pc.total / (double)pc.n + 80) + 1);
    run_log(logdir, &pc, big_records, ORDO_LOG_ASYNC, 1, 0, 0, ORDO_LOG_DIRECT_AUTO, true);
    double os, vs;
    uint64_t bytes, recs;
    open_verify_times(logdir, repeats, &os, &vs, &bytes, &recs);
    printf("\nlog of %.0f MB, %" PRIu64
           " records: open (recover) %.3f s, verify %.2f s (%.0f MB/s)%s\n",
           (double)bytes / 1e6, recs, os, vs, (double)bytes / vs / 1e6,
           big ? "" : "   [--big for 1 GiB]");
    /* open without the .idx files: every segment is scanned (and the
     * indexes rebuilt), the worst case for recovery */
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -f '%s'/*.idx", logdir);
    if (system(cmd) == 0) {
        ordo_log_t *log;
        ordo_error_t err;
        double t0 = now_s();
        if (ordo_log_open(logdir, NULL, &log, NULL, &err) != ORDO_OK)
            die("reopen", &err);
        double t = now_s() - t0;
        ordo_log_close(log, NULL);
        printf("open with every .idx lost (scans all segments, rebuilds the index): %.2f s\n", t);
    }
    rmrf(logdir);
    rmdir(base);
    free_payloads(&pj);
    free_payloads(&pc);
    return 0;
}
