/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a decision-log segment (frames and header; include/ordo/log.h).
 * The input is written as the first segment of an empty log directory, which
 * is then verified, iterated (all, by key, by time, from a seq), and opened
 * for writing (recovery) with one append.
 *
 * ORDO_FUZZ_SEEDS=DIR: at start, also writes seed segments into DIR (a log
 * written by the library, plain and zstd-compressed). */
#include <stdint.h>

#include "fuzz_log.h"

static char dir[4200], seg[4300];

static void write_seeds(const char *out)
{
    static const int levels[] = {0, 3};
    for (int i = 0; i < 2; i++) {
        char tmp[4300], src[4400], dst[4400];
        snprintf(tmp, sizeof tmp, "%s/seed", fuzz_tmp_dir());
        mkdir(tmp, 0755);
        fuzz_log_make(tmp, 40, 2048 + 2048 * i, levels[i]);
        DIR *d = opendir(tmp);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            size_t n = strlen(e->d_name);
            if (n < 4 || strcmp(e->d_name + n - 4, ".seg"))
                continue;
            size_t len;
            snprintf(src, sizeof src, "%s/%s", tmp, e->d_name);
            char *p = fuzz_slurp(src, &len);
            snprintf(dst, sizeof dst, "%s/seg-z%d-%s", out, levels[i], e->d_name);
            fuzz_write(dst, p, len);
            free(p);
        }
        if (d)
            closedir(d);
        fuzz_empty_dir(tmp);
        rmdir(tmp);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *seeds = getenv("ORDO_FUZZ_SEEDS");
    if (seeds && *seeds)
        write_seeds(seeds);
    snprintf(dir, sizeof dir, "%s/log", fuzz_tmp_dir());
    snprintf(seg, sizeof seg, "%s/" FUZZ_LOG_FIRST_SEG, dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mkdir(dir, 0755);
    fuzz_empty_dir(dir);
    fuzz_write(seg, data, size);
    fuzz_log_read_all(dir, true);
    fuzz_empty_dir(dir);
    rmdir(dir);
    return 0;
}
