/* SPDX-License-Identifier: Apache-2.0 */
/* bench_export — `ordo log export --format csv` (src/cli/log_export.c):
 * its CBOR picker on its own (the export's 27 paths, src/cli/export_picks.h,
 * picked out of every record), then with DIR the whole command, each
 * against the goal of 1,000,000 records/s on one core.
 *
 *   bench_export [DIR] [repeats]
 *
 * DIR: a run directory (or its log directory) whose log holds CBOR
 * decision records (`ordo sim ... --out DIR`); without it, the CBOR
 * fixtures' decision records (tests/fixtures/cbor/decision*.ordo.cbor)
 * repeated 50,000 times each, and no whole-command stage.
 *
 * pick: the records are read into memory first; each repeat picks all of
 * them; the median CPU time of the repeats, with a checksum of the picked
 * values (equal before and after a change of the picker).
 * export: `ordo log export DIR --format csv >/dev/null` run `repeats`
 * times (ORDO_BIN, default the build's ordo); the median of the child's
 * CPU time (user + system), records per second and the ratio to the goal.
 * With ORDO_BENCH_BASE=/path/to/older/ordo, that binary's runs alternate
 * with these (same minutes, same load) and the ratio of medians is
 * printed; ORDO_BENCH_BASE_DIR: the run it exports (default DIR), e.g. the
 * same simulation made by the older build, whose records it can read (an
 * older ordo cannot read records with parts, RECORD.md "Parts").
 * The picker stage uses ordo_cbor_pick_parts, as the export does for a
 * record without a summary; the summary stage reads each record's summary
 * (ordo_record_summary_find, ordo_cbor_items), as it does for the others. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "ordo/cbor.h"
#include "ordo/log.h"
#include "ordo/record.h"
#include "ordo/util.h"

#include "../src/cli/export_picks.h"

#define NP ((size_t)P_N)

typedef struct recs {
    char *data;
    size_t len, cap;
    size_t *off;
    size_t n, ncap;
} recs_t;

static void add(recs_t *r, const void *p, size_t n)
{
    while (r->len + n > r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1 << 20;
        r->data = realloc(r->data, r->cap);
    }
    if (r->n + 1 >= r->ncap) {
        r->ncap = r->ncap ? 2 * r->ncap : 1024;
        r->off = realloc(r->off, r->ncap * sizeof *r->off);
    }
    if (!r->data || !r->off) {
        fprintf(stderr, "bench_export: out of memory\n");
        exit(1);
    }
    memcpy(r->data + r->len, p, n);
    r->off[r->n++] = r->len;
    r->len += n;
    r->off[r->n] = r->len;
}

static int from_log(const char *dir, recs_t *r)
{
    ordo_log_query_t q = {0};
    q.raw = true;
    ordo_log_iter_t *it;
    ordo_error_t err = {0};
    char log[4096];
    struct stat st;
    snprintf(log, sizeof log, "%s/log", dir); /* a run directory or its log */
    if (!stat(log, &st) && S_ISDIR(st.st_mode))
        dir = log;
    if (ordo_log_iter_open(dir, &q, &it, &err)) {
        fprintf(stderr, "bench_export: %s: %s\n", dir, err.msg);
        return 1;
    }
    ordo_log_record_t rec;
    while (ordo_log_iter_next(it, &rec, &err) == 1)
        if ((rec.type == ORDO_LOG_REC_DECISION || rec.type == ORDO_LOG_REC_SHADOW) &&
            (rec.flags & ORDO_LOG_FLAG_CBOR))
            add(r, rec.appended, rec.appended_len);
    ordo_log_iter_close(it);
    return 0;
}

static void from_fixtures(recs_t *r)
{
    static const char *const files[] = {"decision.ordo.cbor", "decision_explain.ordo.cbor"};
    for (int f = 0; f < 2; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/fixtures/cbor/%s", ORDO_SOURCE_DIR, files[f]);
        FILE *fp = fopen(path, "rb");
        static char buf[1 << 16];
        size_t n = fp ? fread(buf, 1, sizeof buf, fp) : 0;
        if (fp)
            fclose(fp);
        for (int i = 0; i < 50000 && n; i++)
            add(r, buf, n);
    }
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The checksum h with one picked value: x (the value's shape), replaced by
 * a number's bits or mixed with a string's hash. */
static uint64_t mix(uint64_t h, const ordo_cbor_pick_t *p, uint64_t x)
{
    if (p->type == ORDO_CBOR_NUMBER)
        memcpy(&x, &p->num, 8);
    else if (p->s && p->len)
        x ^= ordo_hash64(p->s, p->len);
    return (h ^ x) * 0x100000001b3ull;
}

/* One pass over every record: the checksum of the picked values. */
static uint64_t pass(ordo_cbor_picker_t *pk, const recs_t *r, size_t *refused)
{
    ordo_cbor_pick_t p[NP];
    uint64_t h = 0;
    *refused = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (ordo_cbor_pick_parts(pk, r->data + r->off[i], r->off[i + 1] - r->off[i], p)) {
            (*refused)++;
            continue;
        }
        for (size_t k = 0; k < NP; k++)
            h = mix(h, &p[k], p[k].found * 131u + p[k].type * 7u + p[k].n + p[k].len);
    }
    return h;
}

/* One pass reading every record's summary's first ORDO_SUM_TOP items, as
 * the export does since record_version 3 (RECORD.md "Summary"): the
 * checksum of the items; *with: the records that had one. */
static uint64_t pass_summary(const recs_t *r, size_t *with)
{
    ordo_cbor_pick_t p[ORDO_SUM_TOP];
    uint64_t h = 0;
    *with = 0;
    for (size_t i = 0; i < r->n; i++) {
        ordo_record_summary_at_t at;
        const char *rec = r->data + r->off[i];
        if (ordo_record_summary_find(rec, r->off[i + 1] - r->off[i], &at) ||
            ordo_cbor_items(rec, at.end, at.items, p, ORDO_SUM_TOP))
            continue;
        (*with)++;
        for (size_t k = 0; k < ORDO_SUM_TOP; k++)
            h = mix(h, &p[k], p[k].type * 7u + p[k].len);
    }
    return h;
}

#define GOAL 1e6 /* records/s, one core */

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    return t[n / 2];
}

/* CPU seconds (user + system) of `bin log export dir --format csv`, its
 * output to /dev/null; < 0: it failed. */
static double run_export(const char *bin, const char *dir)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd < 0 || dup2(fd, 1) < 0)
            _exit(127);
        execl(bin, bin, "log", "export", dir, "--format", "csv", (char *)NULL);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
        return -1;
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* The whole command, repeats runs (alternating with ORDO_BENCH_BASE's). */
static int bench_command(const char *dir, size_t n, int repeats)
{
    const char *bin = getenv("ORDO_BIN") ? getenv("ORDO_BIN") : ORDO_BINARY_DIR "/ordo";
    const char *base = getenv("ORDO_BENCH_BASE");
    const char *bdir = getenv("ORDO_BENCH_BASE_DIR") ? getenv("ORDO_BENCH_BASE_DIR") : dir;
    double t[101], b[101];
    for (int k = 0; k < repeats; k++) {
        if ((base && (b[k] = run_export(base, bdir)) < 0) || (t[k] = run_export(bin, dir)) < 0) {
            fprintf(stderr, "bench_export: ordo log export failed\n");
            return 1;
        }
    }
    double med = median(t, repeats);
    printf("export: %.3f s CPU median of %d (user + sys, start-up included), %.0f records/s, "
           "%.2f of the goal (%.0f/s)\n",
           med, repeats, (double)n / med, (double)n / med / GOAL, GOAL);
    if (base) {
        double mb = median(b, repeats);
        printf("export base (%s on %s, alternated): %.3f s, %.0f records/s (this run's "
               "record count); new/base time %.3f\n",
               base, bdir, mb, (double)n / mb, med / mb);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (repeats < 1 || repeats > 101)
        repeats = 5;
    recs_t r = {0};
    (void)ordo_record_cbor_keys(NULL); /* the key table, for the picker's paths */
    if (argc > 1 ? from_log(argv[1], &r) : (from_fixtures(&r), 0))
        return 1;
    if (!r.n) {
        fprintf(stderr, "bench_export: no CBOR records\n");
        return 1;
    }
    ordo_cbor_picker_t *pk;
    if (ordo_cbor_picker_new(pick_paths, NP, &pk)) {
        fprintf(stderr, "bench_export: picker refused the paths\n");
        return 1;
    }
    double t[101];
    uint64_t h = 0;
    size_t refused = 0;
    for (int k = 0; k < repeats; k++) {
        double t0 = cpu_now();
        h = pass(pk, &r, &refused);
        t[k] = cpu_now() - t0;
    }
    double med = median(t, repeats);
    printf("records %zu (%.0f bytes each), refused %zu\n", r.n, (double)r.len / (double)r.n,
           refused);
    printf("pick: %.3f s CPU median of %d, %.0f ns a record, %.0f records/s, %.2f of the goal\n",
           med, repeats, 1e9 * med / (double)r.n, (double)r.n / med, (double)r.n / med / GOAL);
    printf("picks checksum %016" PRIx64 "\n", h);
    size_t with = 0;
    for (int k = 0; k < repeats; k++) {
        double t0 = cpu_now();
        h = pass_summary(&r, &with);
        t[k] = cpu_now() - t0;
    }
    med = median(t, repeats);
    printf("summary (%zu records have one): %.3f s CPU median of %d, %.0f ns a record, %.0f "
           "records/s, %.2f of the goal; checksum %016" PRIx64 "\n",
           with, med, repeats, 1e9 * med / (double)r.n, (double)r.n / med, (double)r.n / med / GOAL,
           h);
    ordo_cbor_picker_free(pk);
    free(r.data);
    free(r.off);
    return argc > 1 ? bench_command(argv[1], r.n, repeats) : 0;
}
