/* SPDX-License-Identifier: Apache-2.0 */
/* ordo — helpers shared by the libFuzzer targets (fuzz/fuzz_*.c).
 *
 * Each target calls ordo's public API exactly as a user would. Inputs that
 * must be files (a log segment, an outcome file) are written into a private
 * temporary directory created once per process and removed at exit. */
#ifndef ORDO_FUZZ_UTIL_H
#define ORDO_FUZZ_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ORDO_SOURCE_DIR
#define ORDO_SOURCE_DIR "."
#endif

/* Reads a whole file (malloc'd, NUL-terminated); aborts when it cannot:
 * a target without its fixed inputs must not run silently. */
static inline char *fuzz_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz: cannot open %s\n", path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
        abort();
    p[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return p;
}

static inline void fuzz_write(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len)) {
        fprintf(stderr, "fuzz: cannot write %s\n", path);
        abort();
    }
    close(fd);
}

/* Removes every entry of dir (one level: the targets create no subdirs). */
static inline void fuzz_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static char fuzz_tmp_root[4096];

static inline void fuzz_tmp_cleanup(void)
{
    if (!fuzz_tmp_root[0])
        return;
    fuzz_empty_dir(fuzz_tmp_root);
    rmdir(fuzz_tmp_root);
}

/* A private directory under $TMPDIR (or /tmp), removed at exit. */
static inline const char *fuzz_tmp_dir(void)
{
    if (fuzz_tmp_root[0])
        return fuzz_tmp_root;
    const char *base = getenv("TMPDIR");
    snprintf(fuzz_tmp_root, sizeof fuzz_tmp_root, "%s/ordo-fuzz-XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(fuzz_tmp_root)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(fuzz_tmp_cleanup);
    return fuzz_tmp_root;
}

#endif
