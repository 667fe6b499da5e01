/* SPDX-License-Identifier: Apache-2.0 */
/* Reader for the files in tests/fixtures/model, made by
 * tools/fixtures/make_fit_fixtures.py: whitespace-separated tokens, '#'
 * comments to the end of a line. Header-only so each test stays one file. */
#ifndef ORDO_TESTS_FIT_FIXTURE_H
#define ORDO_TESTS_FIT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fit_fx {
    FILE *f;
    char path[512];
} fit_fx_t;

static inline int fit_fx_open(fit_fx_t *fx, const char *name)
{
    snprintf(fx->path, sizeof fx->path, "%s/tests/fixtures/model/%s", ORDO_SOURCE_DIR, name);
    fx->f = fopen(fx->path, "r");
    if (!fx->f)
        fprintf(stderr, "cannot open fixture %s\n", fx->path);
    return fx->f != NULL;
}

/* The next token into buf; 0 at end of file. */
static inline int fit_fx_word(fit_fx_t *fx, char *buf, size_t cap)
{
    int c;
    for (;;) {
        c = fgetc(fx->f);
        if (c == '#') {
            while (c != EOF && c != '\n')
                c = fgetc(fx->f);
        }
        if (c == EOF)
            return 0;
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
            break;
    }
    size_t n = 0;
    while (c != EOF && c != ' ' && c != '\n' && c != '\t' && c != '\r') {
        if (n + 1 < cap)
            buf[n++] = (char)c;
        c = fgetc(fx->f);
    }
    buf[n] = '\0';
    return 1;
}

static inline double fit_fx_num(fit_fx_t *fx)
{
    char buf[64];
    if (!fit_fx_word(fx, buf, sizeof buf)) {
        fprintf(stderr, "%s: unexpected end of file\n", fx->path);
        abort();
    }
    char *end;
    double v = strtod(buf, &end);
    if (*end) {
        fprintf(stderr, "%s: not a number: %s\n", fx->path, buf);
        abort();
    }
    return v;
}

/* Reads a keyword and aborts when it is not the expected one. */
static inline void fit_fx_expect(fit_fx_t *fx, const char *kw)
{
    char buf[64];
    if (!fit_fx_word(fx, buf, sizeof buf) || strcmp(buf, kw)) {
        fprintf(stderr, "%s: expected '%s', got '%s'\n", fx->path, kw, buf);
        abort();
    }
}

/* Reads "kw v_0 .. v_{n-1}". */
static inline void fit_fx_vec(fit_fx_t *fx, const char *kw, double *v, size_t n)
{
    fit_fx_expect(fx, kw);
    for (size_t i = 0; i < n; i++)
        v[i] = fit_fx_num(fx);
}

/* Reads "case NAME" into name: 1, or 0 at the end of the file. */
static inline int fit_fx_case(fit_fx_t *fx, char *name, size_t cap)
{
    char kw[32];
    if (!fit_fx_word(fx, kw, sizeof kw))
        return 0;
    if (strcmp(kw, "case")) {
        fprintf(stderr, "%s: expected 'case', got '%s'\n", fx->path, kw);
        abort();
    }
    fit_fx_word(fx, name, cap);
    return 1;
}

static inline int fit_close_to(double got, double want, double rel, double abs_tol)
{
    double d = got > want ? got - want : want - got;
    double m = want < 0 ? -want : want;
    return d <= abs_tol || d <= rel * m;
}

#endif
