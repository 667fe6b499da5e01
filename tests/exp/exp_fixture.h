/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers for the exp tests: read a fixture file from the source tree. */
#ifndef ORDO_TEST_EXP_FIXTURE_H
#define ORDO_TEST_EXP_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#ifndef ORDO_SOURCE_DIR
#define ORDO_SOURCE_DIR "."
#endif

/* Returns a malloc'd NUL-terminated copy of tests/fixtures/exp/<name>, or
 * NULL. The caller frees it. */
static char *exp_fixture_read(const char *name)
{
    const char *root = getenv("ORDO_SOURCE_DIR");
    if (!root || !*root)
        root = ORDO_SOURCE_DIR;
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/exp/%s", root, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open fixture %s\n", path);
        return NULL;
    }
    char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(data, cap);
            if (!p) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = p;
        }
        size_t n = fread(data + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    data[len] = '\0';
    return data;
}

#endif
