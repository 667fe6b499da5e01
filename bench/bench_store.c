/* SPDX-License-Identifier: Apache-2.0 */
/* bench_store — outcome ingest rate into the SQLite store.
 *
 * Three measurements per repeat, each into a fresh data directory on disk
 * (under $TMPDIR or /tmp), synchronous FULL unless --sync normal:
 *   put     N events handed to ordo_store_outcomes_put_batch in batches of
 *           10,000 inside one transaction (the store alone);
 *   file    the same events as an NDJSON file through
 *           ordo_store_outcomes_ingest_files (parse + validate + store: what
 *           `ordo outcomes ingest` does);
 *   scan    every order summary through the iterator (events/s folded).
 * Events: 4 per order (shipped with carrier cost, cost, delivered, and for
 * 1 in 10 a return), ids like the examples. Prints the median and the
 * min/max over repeats.
 *
 * Usage: bench_store [--events N] [--repeats R] [--sync full|normal] */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ordo/store.h"
#include "ordo/util.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void die(const char *what, const ordo_error_t *err)
{
    char m[1024];
    fprintf(stderr, "bench_store: %s: %s\n", what, ordo_error_format(err, m, sizeof m));
    exit(1);
}

static void make_events(ordo_outcome_event_t *ev, size_t n)
{
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 42);
    int64_t base = 1795000000; /* late 2026 */
    size_t i = 0;
    for (uint64_t order = 0; i < n; order++) {
        int64_t t0 = base + (int64_t)(order * 7);
        char oid[32];
        snprintf(oid, sizeof oid, "ORD-%09llu", (unsigned long long)order);
        for (int k = 0; k < 4 && i < n; k++, i++) {
            ordo_outcome_event_t *e = &ev[i];
            memset(e, 0, sizeof *e);
            snprintf(e->event_id, sizeof e->event_id, "ev-%09llu-%d", (unsigned long long)order, k);
            memcpy(e->order_id, oid, strlen(oid) + 1);
            switch (k) {
            case 0:
                e->type = ORDO_OUTCOME_SHIPPED;
                e->at = t0 + 3600;
                e->promised_by = t0 + 3 * 86400;
                e->cost[ORDO_COST_SHIP] = 6.0 + (double)ordo_rng_below(&rng, 900) / 100.0;
                e->cost_mask = 1u << ORDO_COST_SHIP;
                break;
            case 1:
                e->type = ORDO_OUTCOME_COST;
                e->at = t0 + 3600;
                e->cost[ORDO_COST_PICK] = 1.1;
                e->cost[ORDO_COST_PACK] = 0.7;
                e->cost_mask = (1u << ORDO_COST_PICK) | (1u << ORDO_COST_PACK);
                break;
            case 2:
                e->type = ORDO_OUTCOME_DELIVERED;
                e->at = t0 + 86400 + (int64_t)ordo_rng_below(&rng, 3 * 86400);
                break;
            default:
                if (order % 10 == 0) {
                    e->type = ORDO_OUTCOME_RETURNED;
                    e->at = t0 + 10 * 86400;
                    e->refund = 24.5;
                    e->has_refund = true;
                } else {
                    e->type = ORDO_OUTCOME_COST;
                    e->at = t0 + 86400;
                    e->cost[ORDO_COST_CARRYING] = 0.12;
                    e->cost_mask = 1u << ORDO_COST_CARRYING;
                }
            }
        }
    }
}

static void write_ndjson(const char *path, const ordo_outcome_event_t *ev, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        const ordo_outcome_event_t *e = &ev[i];
        char at[32];
        fprintf(
            f,
            "{\"event_id\":\"%s\",\"order_id\":\"%s\",\"shipment\":0,\"type\":\"%s\",\"at\":\"%s\"",
            e->event_id, e->order_id, ordo_outcome_type_name(e->type),
            ordo_time_format(e->at, at, sizeof at));
        if (e->promised_by)
            fprintf(f, ",\"promised_by\":\"%s\"", ordo_time_format(e->promised_by, at, sizeof at));
        for (int p = 0; p < ORDO_COST_PARTS; p++) {
            if (!(e->cost_mask & (1u << p)))
                continue;
            const char *name =
                e->type == ORDO_OUTCOME_SHIPPED ? "carrier_cost" : ordo_cost_part_name(p);
            fprintf(f, ",\"%s\":%.2f", name, e->cost[p]);
        }
        if (e->has_refund)
            fprintf(f, ",\"refund\":%.2f", e->refund);
        fputs("}\n", f);
    }
    fclose(f);
}

static void report(const char *name, double *v, int n, const char *unit)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    printf("%-6s median %12.0f %s   (min %.0f, max %.0f, %d repeats)\n", name, v[n / 2], unit, v[0],
           v[n - 1], n);
}

int main(int argc, char **argv)
{
    size_t n = 1000000;
    int repeats = 3;
    ordo_config_t cfg;
    ordo_config_init(&cfg);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--events") && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sync") && i + 1 < argc) {
            const char *s = argv[++i];
            cfg.sqlite_sync =
                !strcmp(s, "normal") ? ORDO_SQLITE_SYNC_NORMAL : ORDO_SQLITE_SYNC_FULL;
        } else {
            fprintf(stderr, "usage: bench_store [--events N] [--repeats R] [--sync full|normal]\n");
            return 2;
        }
    }
    if (n == 0 || repeats < 1 || repeats > 50)
        return 2;
    ordo_outcome_event_t *ev = malloc(n * sizeof *ev);
    if (!ev)
        return 1;
    make_events(ev, n);
    const char *tmp = getenv("TMPDIR");
    char root[4096];
    snprintf(root, sizeof root, "%s/ordo-bench-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    char file[4200];
    snprintf(file, sizeof file, "%s/events.ndjson", root);
    write_ndjson(file, ev, n);
    printf("bench_store: %zu events (%zu orders), synchronous %s, data under %s\n", n, (n + 3) / 4,
           cfg.sqlite_sync == ORDO_SQLITE_SYNC_FULL ? "full" : "normal", root);

    double put[50], fil[50], scan[50];
    for (int r = 0; r < repeats; r++) {
        char dir[4200];
        ordo_error_t err = {0};
        ordo_store_t *s;

        /* put */
        snprintf(dir, sizeof dir, "%s/put-%d", root, r);
        if (ordo_store_open(dir, &cfg, &s, &err))
            die("open", &err);
        uint64_t t0 = ordo_now_ns();
        if (ordo_store_tx_begin(s, &err))
            die("begin", &err);
        for (size_t i = 0; i < n; i += 10000) {
            size_t k = n - i < 10000 ? n - i : 10000;
            if (ordo_store_outcomes_put_batch(s, ev + i, k, NULL, &err))
                die("put", &err);
        }
        if (ordo_store_tx_commit(s, &err))
            die("commit", &err);
        put[r] = (double)n / ((double)(ordo_now_ns() - t0) / 1e9);

        /* scan */
        t0 = ordo_now_ns();
        ordo_outcome_iter_t *it;
        if (ordo_store_outcome_iter_open(s, &it, &err))
            die("iter", &err);
        ordo_outcome_summary_t sum;
        uint64_t folded = 0;
        int rc;
        while ((rc = ordo_outcome_iter_next(it, &sum, &err)) == 1)
            folded += sum.n_events;
        if (rc < 0)
            die("iter next", &err);
        ordo_outcome_iter_close(it);
        scan[r] = (double)folded / ((double)(ordo_now_ns() - t0) / 1e9);
        if (folded != n) {
            fprintf(stderr, "bench_store: scan folded %llu events, expected %zu\n",
                    (unsigned long long)folded, n);
            return 1;
        }
        ordo_store_close(s, NULL);

        /* file */
        snprintf(dir, sizeof dir, "%s/file-%d", root, r);
        if (ordo_store_open(dir, &cfg, &s, &err))
            die("open", &err);
        t0 = ordo_now_ns();
        const char *paths[] = {file};
        ordo_outcome_ingest_stats_t st = {0};
        if (ordo_store_outcomes_ingest_files(s, paths, 1, ORDO_OUTCOME_FMT_NDJSON, &st, &err))
            die("ingest", &err);
        fil[r] = (double)n / ((double)(ordo_now_ns() - t0) / 1e9);
        if (st.inserted != n) {
            fprintf(stderr, "bench_store: ingested %llu, expected %zu\n",
                    (unsigned long long)st.inserted, n);
            return 1;
        }
        ordo_store_close(s, NULL);
        fprintf(stderr, "  repeat %d: put %.0f/s, file %.0f/s, scan %.0f/s\n", r + 1, put[r],
                fil[r], scan[r]);
    }
    report("put", put, repeats, "events/s");
    report("file", fil, repeats, "events/s");
    report("scan", scan, repeats, "events/s");
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(ev);
    return 0;
}
