/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the log tests (header-only, static). */
#ifndef ORDO_LOG_TEST_UTIL_H
#define ORDO_LOG_TEST_UTIL_H

#include <fcntl.h>
#include <stdbool.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ordo/log.h"
#include "ordo/util.h"

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void tu_rmrf(const char *dir)
{
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory under $TMPDIR (or /tmp); path written into buf. */
static inline void tu_tmpdir(char *buf, size_t n, const char *tag)
{
    const char *t = getenv("TMPDIR");
    snprintf(buf, n, "%s/ordolog-%s-XXXXXX", t && *t ? t : "/tmp", tag);
    if (!mkdtemp(buf)) {
        perror("mkdtemp");
        abort();
    }
}

/* A decision-like JSON payload for (writer, n), ~300-1500 bytes, fully
 * determined by its arguments so a reader can check it. */
static inline size_t tu_payload(char *buf, size_t cap, unsigned writer, unsigned long n)
{
    ordo_rng_t r;
    ordo_rng_seed(&r, ((uint64_t)writer << 40) ^ n ^ 0x9e3779b97f4a7c15ull);
    int lines = 1 + (int)ordo_rng_below(&r, 6);
    size_t len = (size_t)snprintf(buf, cap, "{\"w\":%u,\"n\":%lu,\"order\":\"ord-%u-%lu\",\"lines\":[",
                                  writer, n, writer, n);
    for (int i = 0; i < lines && len < cap - 200; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "%s{\"sku\":\"SKU-%05u\",\"qty\":%u,\"node\":\"DC-%02u\",\"cost\":%.2f}",
                                i ? "," : "", (unsigned)ordo_rng_below(&r, 99999),
                                1 + (unsigned)ordo_rng_below(&r, 4), (unsigned)ordo_rng_below(&r, 40),
                                ordo_rng_uniform(&r) * 40.0);
    len += (size_t)snprintf(buf + len, cap - len, "]}");
    return len;
}

static inline int tu_flip_bit(const char *path, long off, int bit)
{
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return -1;
    unsigned char c;
    if (pread(fd, &c, 1, off) != 1) {
        close(fd);
        return -1;
    }
    c ^= (unsigned char)(1u << bit);
    int r = pwrite(fd, &c, 1, off) == 1 ? 0 : -1;
    close(fd);
    return r;
}

static inline long tu_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Whether dir's file system takes O_DIRECT (tmpfs does not: direct I/O
 * tests skip there). */
static inline bool tu_direct_supported(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/direct-probe", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_DIRECT, 0644);
    if (fd >= 0)
        close(fd);
    unlink(path);
    return fd >= 0;
}

/* ordo_log_verify's report of dir; a verify that cannot run fails the
 * test (cmocka's fail_msg: include <cmocka.h> before this header). */
static inline ordo_log_verify_report_t tu_verify(const char *dir)
{
    ordo_log_verify_report_t rep;
    ordo_error_t err;
    if (ordo_log_verify(dir, &rep, &err) != ORDO_OK)
        fail_msg("verify %s could not run: %s", dir, err.msg);
    return rep;
}

#endif
