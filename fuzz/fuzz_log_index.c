/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the sparse index (.idx) of a sealed log segment
 * (include/ordo/log.h; format in docs/internals/LOG.md). A log written by
 * the library at start is the fixed part; each input replaces the .idx of
 * its first segment, then the directory is verified, iterated (all, by key,
 * by time, from a seq) and opened for writing with one append.
 *
 * The index's trailing XXH3-64 checksum is recomputed over the input before
 * it is written: the threat is a forged index, and a forger recomputes the
 * checksum; without the fix-up almost every input would stop there.
 *
 * ORDO_FUZZ_SEEDS=DIR: at start, also writes the genuine .idx files there. */
#include <stdint.h>
#include <xxhash.h>

#include "fuzz_log.h"

#define MAX_FILES 64

static char dir[4200];
static struct {
    char name[64];
    char *data;
    size_t len;
} files[MAX_FILES];
static int n_files;

static void load_template(const char *seeds)
{
    char tmp[4300], path[4400];
    snprintf(tmp, sizeof tmp, "%s/template", fuzz_tmp_dir());
    mkdir(tmp, 0755);
    fuzz_log_make(tmp, 40, 2048, 0);
    DIR *d = opendir(tmp);
    struct dirent *e;
    while (d && (e = readdir(d)) && n_files < MAX_FILES) {
        size_t n = strlen(e->d_name);
        if (n < 4 || (strcmp(e->d_name + n - 4, ".seg") && strcmp(e->d_name + n - 4, ".idx")))
            continue;
        snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
        snprintf(files[n_files].name, sizeof files[n_files].name, "%s", e->d_name);
        files[n_files].data = fuzz_slurp(path, &files[n_files].len);
        if (seeds && !strcmp(e->d_name + n - 4, ".idx")) {
            snprintf(path, sizeof path, "%s/idx-%s", seeds, e->d_name);
            fuzz_write(path, files[n_files].data, files[n_files].len);
        }
        n_files++;
    }
    if (d)
        closedir(d);
    fuzz_empty_dir(tmp);
    rmdir(tmp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *seeds = getenv("ORDO_FUZZ_SEEDS");
    load_template(seeds && *seeds ? seeds : NULL);
    snprintf(dir, sizeof dir, "%s/log", fuzz_tmp_dir());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4400];
    mkdir(dir, 0755);
    fuzz_empty_dir(dir);
    for (int i = 0; i < n_files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        if (strcmp(files[i].name, FUZZ_LOG_FIRST_IDX))
            fuzz_write(path, files[i].data, files[i].len);
    }
    uint8_t *idx = malloc(size ? size : 1);
    memcpy(idx, data, size);
    if (size >= 8) {
        uint64_t h = XXH3_64bits(idx, size - 8);
        for (int i = 0; i < 8; i++)
            idx[size - 8 + i] = (uint8_t)(h >> (8 * i));
    }
    snprintf(path, sizeof path, "%s/" FUZZ_LOG_FIRST_IDX, dir);
    fuzz_write(path, idx, size);
    free(idx);
    fuzz_log_read_all(dir, true);
    fuzz_empty_dir(dir);
    rmdir(dir);
    return 0;
}
