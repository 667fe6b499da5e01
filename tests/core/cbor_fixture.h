/* SPDX-License-Identifier: Apache-2.0 */
/* What the tests of the one-pass CBOR readers share (test_cbor_pick.c,
 * test_cbor_tree.c): the fixtures of tests/fixtures/cbor and their
 * mutations. Include after cmocka.h. */
#ifndef ORDO_TEST_CBOR_FIXTURE_H
#define ORDO_TEST_CBOR_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordo/util.h"

#define FIX ORDO_SOURCE_DIR "/tests/fixtures/cbor/"

static char *load(const char *name, size_t *n)
{
    char path[1024], *data;
    ordo_error_t err;
    snprintf(path, sizeof path, FIX "%s", name);
    assert_int_equal(ordo_read_file(path, &data, n, &err), ORDO_OK);
    return data;
}

static const char *const files[] = {
    "decision.ordo.cbor",  "decision_explain.ordo.cbor",  "plan.ordo.cbor",
    "order.ordo.cbor",     "decision.cbor2.cbor",         "decision_explain.cbor2.cbor",
    "decision.cbor2min.cbor", "decision_explain.cbor2min.cbor"};
#define NF (sizeof files / sizeof *files)

/* One to three mutations of b: a special byte, a bit flip, a cut, any
 * byte. */
static void mutate(ordo_rng_t *rng, unsigned char *b, size_t *n)
{
    static const unsigned char special[] = {0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x40,
                                            0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xd8,
                                            0xd9, 0xf4, 0xf5, 0xf6, 0xf7, 0xf9, 0xfa, 0xfb, 0xff};
    int muts = 1 + (int)ordo_rng_below(rng, 3);
    for (int m = 0; m < muts && *n > 1; m++) {
        size_t at = ordo_rng_below(rng, *n);
        switch (ordo_rng_below(rng, 4)) {
        case 0: b[at] = special[ordo_rng_below(rng, sizeof special)]; break;
        case 1: b[at] ^= (unsigned char)(1u << ordo_rng_below(rng, 8)); break;
        case 2: *n = at; break; /* truncated */
        default: b[at] = (unsigned char)ordo_rng_below(rng, 256);
        }
    }
}

/* count seeded mutations of the fixtures, each given to check; how many
 * it returned true for. */
static long mutations(long count, bool (*check)(const unsigned char *b, size_t n, void *ctx),
                      void *ctx)
{
    char *data[NF];
    size_t len[NF];
    for (size_t f = 0; f < NF; f++)
        data[f] = load(files[f], &len[f]);
    unsigned char *tmp = malloc(1 << 20);
    assert_non_null(tmp);
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 20261206);
    long yes = 0;
    for (long it = 0; it < count; it++) {
        size_t f = ordo_rng_below(&rng, NF), n = len[f];
        memcpy(tmp, data[f], n);
        mutate(&rng, tmp, &n);
        yes += check(tmp, n, ctx);
    }
    free(tmp);
    for (size_t f = 0; f < NF; f++)
        free(data[f]);
    return yes;
}

#endif
