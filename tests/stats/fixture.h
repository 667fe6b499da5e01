/* SPDX-License-Identifier: Apache-2.0 */
/* Reader for the golden files in tests/fixtures/stats (made by
 * tools/fixtures/make_stats_fixtures.py): one case a line,
 *     <kind> <inputs...> => <expected...>
 * with '#' comments. Header-only so each test executable stays one file. */
#ifndef ORDO_TESTS_STATS_FIXTURE_H
#define ORDO_TESTS_STATS_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_MAX 512

typedef struct fx_case {
    char kind[32];
    double in[FX_MAX];
    int n_in;
    double out[FX_MAX];
    int n_out;
    int line;
} fx_case_t;

typedef struct fx_file {
    FILE *f;
    int line;
    char path[512];
} fx_file_t;

static int fx_open(fx_file_t *fx, const char *name)
{
    snprintf(fx->path, sizeof fx->path, "%s/tests/fixtures/stats/%s", ORDO_SOURCE_DIR, name);
    fx->f = fopen(fx->path, "r");
    fx->line = 0;
    if (!fx->f)
        fprintf(stderr, "cannot open fixture %s\n", fx->path);
    return fx->f != NULL;
}

static void fx_close(fx_file_t *fx)
{
    if (fx->f)
        fclose(fx->f);
    fx->f = NULL;
}

/* 1 and *c filled, 0 at end of file, -1 on a malformed line. */
static int fx_next(fx_file_t *fx, fx_case_t *c)
{
    static char buf[65536];
    while (fgets(buf, sizeof buf, fx->f)) {
        fx->line++;
        char *p = buf;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        memset(c, 0, sizeof *c);
        c->line = fx->line;
        char *save = NULL;
        char *tok = strtok_r(p, " \t\n", &save);
        if (!tok)
            continue;
        snprintf(c->kind, sizeof c->kind, "%s", tok);
        int out = 0;
        while ((tok = strtok_r(NULL, " \t\n", &save))) {
            if (!strcmp(tok, "=>")) {
                out = 1;
                continue;
            }
            char *end;
            double v = strtod(tok, &end);
            if (*end)
                return -1;
            if (out) {
                if (c->n_out >= FX_MAX)
                    return -1;
                c->out[c->n_out++] = v;
            } else {
                if (c->n_in >= FX_MAX)
                    return -1;
                c->in[c->n_in++] = v;
            }
        }
        return out ? 1 : -1;
    }
    return 0;
}

/* Relative error of got against want, with an absolute floor: errors are
 * measured against max(|want|, floor). */
static double fx_relerr(double got, double want, double floor)
{
    if (got == want)
        return 0.0;
    if (isnan(got) || isnan(want))
        return INFINITY;
    double scale = fabs(want) > floor ? fabs(want) : floor;
    if (scale == 0.0)
        return INFINITY;
    return fabs(got - want) / scale;
}

#endif
