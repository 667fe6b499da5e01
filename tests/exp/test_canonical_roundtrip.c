/* SPDX-License-Identifier: Apache-2.0 */
/* Property: the canonical form of every accepted policy and experiment
 * document parses again, to the same version and the same canonical bytes.
 * Over the built-in policies, docs/examples, and seeded random mutations of
 * them (bytes flipped, dropped, inserted — high bytes included, so invalid
 * UTF-8 is tried everywhere — and spans repeated) that are still accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/buf.h"
#include "ordo/exp.h"
#include "ordo/json.h"
#include "ordo/policy.h"
#include "ordo/util.h"

#define MUTATIONS 4000

typedef struct {
    int tried, accepted;
} tally_t;

/* ---- policies ---- */

static char *policy_canonical(const ordo_policy_t *p, size_t *len)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_policy_write_json(p, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    char *s = strndup(b.data ? b.data : "", b.len);
    *len = b.len;
    ordo_buf_free(&b);
    return s;
}

/* If text is accepted, its canonical form must round-trip. */
static void policy_property(const char *text, size_t len, const char *what, tally_t *t)
{
    ordo_policy_t *p = NULL;
    ordo_error_t err = {0};
    t->tried++;
    if (ordo_policy_parse(text, len, what, &p, &err) != ORDO_OK)
        return;
    t->accepted++;
    /* an accepted document is valid UTF-8 throughout */
    assert_true(ordo_utf8_valid(p->name, strlen(p->name)));
    size_t n1;
    char *c1 = policy_canonical(p, &n1);
    ordo_policy_t *q = NULL;
    int rc = ordo_policy_parse(c1, n1, "canonical", &q, &err);
    if (rc != ORDO_OK) {
        char m[1024];
        fprintf(stderr, "%s: canonical form refused: %s\n%s\n", what,
                ordo_error_format(&err, m, sizeof m), c1);
        fail();
    }
    assert_string_equal(p->version, q->version);
    size_t n2;
    char *c2 = policy_canonical(q, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(c1, c2, n1);
    free(c1);
    free(c2);
    ordo_policy_destroy(p);
    ordo_policy_destroy(q);
}

/* ---- experiments ---- */

static char *exp_canonical(const ordo_exp_t *e, size_t *len)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_exp_write_json(e, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    char *s = strndup(b.data ? b.data : "", b.len);
    *len = b.len;
    ordo_buf_free(&b);
    return s;
}

static void exp_property(const char *text, size_t len, const char *what, tally_t *t)
{
    ordo_exp_t *e = NULL;
    ordo_error_t err = {0};
    t->tried++;
    if (ordo_exp_parse(text, len, what, &e, &err) != ORDO_OK)
        return;
    t->accepted++;
    size_t n1;
    char *c1 = exp_canonical(e, &n1);
    ordo_exp_t *f = NULL;
    int rc = ordo_exp_parse(c1, n1, "canonical", &f, &err);
    if (rc != ORDO_OK) {
        char m[1024];
        fprintf(stderr, "%s: canonical form refused: %s\n%s\n", what,
                ordo_error_format(&err, m, sizeof m), c1);
        fail();
    }
    assert_string_equal(e->definition_version, f->definition_version);
    size_t n2;
    char *c2 = exp_canonical(f, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(c1, c2, n1);
    free(c1);
    free(c2);
    ordo_exp_destroy(e);
    ordo_exp_destroy(f);
}

/* ---- mutations ---- */

typedef void (*property_fn)(const char *, size_t, const char *, tally_t *);

/* One random edit of src into dst (capacity len + 64); returns the length. */
static size_t mutate(ordo_rng_t *r, const char *src, size_t len, char *dst)
{
    memcpy(dst, src, len);
    if (len == 0)
        return 0;
    size_t at = (size_t)ordo_rng_below(r, len);
    static const unsigned char bytes[] = {0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4,
                                          0xF5, 0xFF, '"',  '\\', '{',  '}',  ',',  '0',
                                          '9',  'e',  '-',  ' ',  'a',  ':',  '[',  ']'};
    unsigned char b = bytes[ordo_rng_below(r, sizeof bytes)];
    switch (ordo_rng_below(r, 4)) {
    case 0: /* replace */
        dst[at] = (char)b;
        return len;
    case 1: /* drop */
        memmove(dst + at, dst + at + 1, len - at - 1);
        return len - 1;
    case 2: /* insert */
        memmove(dst + at + 1, dst + at, len - at);
        dst[at] = (char)b;
        return len + 1;
    default: { /* repeat a short span */
        size_t n = 1 + (size_t)ordo_rng_below(r, 32);
        if (at + n > len)
            n = len - at;
        memmove(dst + at + n, dst + at, len - at);
        return len + n;
    }
    }
}

static void mutate_many(const char *text, size_t len, const char *what, uint64_t seed,
                        property_fn prop, tally_t *t)
{
    ordo_rng_t r;
    ordo_rng_seed(&r, seed);
    char *buf = malloc(len + 64);
    char *cur = malloc(len + 64);
    assert_non_null(buf);
    assert_non_null(cur);
    for (int i = 0; i < MUTATIONS; i++) {
        /* one to three edits stacked */
        size_t n = len;
        memcpy(cur, text, len);
        int k = 1 + (int)ordo_rng_below(&r, 3);
        for (int j = 0; j < k && n + 32 < len + 64; j++) {
            n = mutate(&r, cur, n, buf);
            memcpy(cur, buf, n);
        }
        prop(cur, n, what, t);
    }
    free(buf);
    free(cur);
}

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_read_file(path, &data, len, &err), ORDO_OK);
    return data;
}

static const char *const example_policies[] = {"policy-cost-optimized.json",
                                               "policy-default.json",
                                               "policy-drop-ship.json",
                                               "policy-inventory-priority.json",
                                               "policy-proximity-first.json",
                                               "policy-store-fulfillment.json",
                                               NULL};

static void test_policies_round_trip(void **s)
{
    (void)s;
    tally_t t = {0};
    uint64_t seed = 1;
    for (const char *const *n = ordo_policy_builtin_names(); *n; n++) {
        const char *json = ordo_policy_builtin_json(*n);
        int before = t.accepted;
        policy_property(json, strlen(json), *n, &t);
        assert_int_equal(t.accepted, before + 1); /* the built-ins are accepted */
        mutate_many(json, strlen(json), *n, seed++, policy_property, &t);
    }
    for (const char *const *n = example_policies; *n; n++) {
        char path[512];
        snprintf(path, sizeof path, "%s/docs/examples/%s", ORDO_SOURCE_DIR, *n);
        size_t len;
        char *json = slurp(path, &len);
        int before = t.accepted;
        policy_property(json, len, *n, &t);
        assert_int_equal(t.accepted, before + 1);
        mutate_many(json, len, *n, seed++, policy_property, &t);
        free(json);
    }
    /* names and ids at their length limits: a byte that grows when written
     * out (U+FFFD for an invalid one) would push them over */
    static const char *const edges[] = {
        "{\"name\":\"n123456789012345678901234567890123456789012345678901234567890\","
        "\"description\":\"d\",\"strategies\":[{\"name\":\"s1234567890123456789012345678901234"
        "5678901234567890123456\",\"type\":\"weighted\",\"weights\":{\"cost\":2}}]}",
        NULL};
    for (const char *const *e = edges; *e; e++) {
        int before = t.accepted;
        policy_property(*e, strlen(*e), "edge", &t);
        assert_int_equal(t.accepted, before + 1);
        mutate_many(*e, strlen(*e), "edge", seed++, policy_property, &t);
    }
    printf("policies: %d documents tried, %d accepted and round-tripped\n", t.tried, t.accepted);
    assert_true(t.accepted > 100); /* the mutations are not all refused */
}

static void test_experiments_round_trip(void **s)
{
    (void)s;
    char path[512];
    snprintf(path, sizeof path, "%s/docs/examples/experiment.json", ORDO_SOURCE_DIR);
    size_t len;
    char *json = slurp(path, &len);
    tally_t t = {0};
    exp_property(json, len, "experiment.json", &t);
    assert_int_equal(t.accepted, 1);
    mutate_many(json, len, "experiment.json", 99, exp_property, &t);
    free(json);
    printf("experiments: %d documents tried, %d accepted and round-tripped\n", t.tried, t.accepted);
    assert_true(t.accepted > 20);
}

/* The case that was found: a name with invalid UTF-8 was accepted, and its
 * canonical form (U+FFFD per bad byte) was too long to parse again. */
static void test_invalid_utf8_name_refused(void **s)
{
    (void)s;
    char name[64];
    memset(name, 0xFF, 63);
    name[63] = 0;
    char json[512];
    snprintf(json, sizeof json,
             "{\"name\":\"%s\",\"strategies\":[{\"name\":\"s\",\"type\":\"weighted\"}]}", name);
    ordo_policy_t *p = NULL;
    ordo_error_t err = {0};
    assert_int_equal(ordo_policy_parse(json, strlen(json), "p.json", &p, &err), ORDO_EPARSE);
    assert_null(p);
    assert_non_null(strstr(err.msg, "invalid UTF-8"));
    assert_int_equal(err.line, 1);
    tally_t t = {0};
    policy_property(json, strlen(json), "p.json", &t); /* and the property holds */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_utf8_name_refused),
        cmocka_unit_test(test_policies_round_trip),
        cmocka_unit_test(test_experiments_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
