/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the store tests: temporary data directories. */
#ifndef STORE_TEST_UTIL_H
#define STORE_TEST_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

static inline int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* With ORDO_TEST_PG_DSN set (tests/store/test_pg.sh), a fresh directory
 * gets an ordo.conf selecting PostgreSQL, in a schema of its own (named
 * after the directory), so that each test starts from an empty store. */
static inline void pg_conf(const char *dir)
{
    const char *dsn = getenv("ORDO_TEST_PG_DSN");
    if (!dsn || !*dsn)
        return;
    char schema[64] = "t_";
    for (const char *c = strrchr(dir, '-') + 1; *c && strlen(schema) < 60; c++)
        snprintf(schema + strlen(schema), 3, "%02x", (unsigned char)*c); /* distinct per dir */
    PGconn *c = PQconnectdb(dsn);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        abort();
    }
    PQclear(r);
    PQfinish(c);
    char path[4200];
    snprintf(path, sizeof path, "%s/ordo.conf", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "store.backend = postgres\nstore.postgres.dsn = \"%s options=-csearch_path=%s\"\n",
            dsn, schema);
    fclose(f);
}

/* A fresh directory under $TMPDIR (or /tmp); the caller owns the string. */
static inline char *tmp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/ordo-store-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(p)) {
        perror("mkdtemp");
        abort();
    }
    pg_conf(p);
    return p;
}

static inline void rm_tree(char *dir)
{
    if (!dir)
        return;
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* Writes text to dir/name; returns the malloc'd path. */
static inline char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        abort();
    }
    fputs(text, f);
    fclose(f);
    return p;
}

/* Uses the ordo_error_t named err in the caller's scope. */
#define ASSERT_OK(expr)                                                                            \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != ORDO_OK) {                                                                      \
            char m_[1024];                                                                         \
            print_error("%s -> %d: %s\n", #expr, rc_, ordo_error_format(&err, m_, sizeof m_));     \
        }                                                                                          \
        assert_int_equal(rc_, ORDO_OK);                                                            \
    } while (0)

#endif
