/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled form agrees with a reference interpreter: random condition
 * trees over every path and operator (nested scopes, missing values) are
 * parsed once (ordo_cond_parse_json compiles them) and evaluated with
 * ordo_cond_eval on random contexts; ref_eval reads the same JSON literally.
 * The canonical JSON of each condition parses to a condition that agrees
 * too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cond_reference.h"
#include "ordo/buf.h"

static ordo_cond_t *parse(const char *json)
{
    ordo_cond_t *c = NULL;
    ordo_error_t err = {0};
    int rc = ordo_cond_parse_json(json, strlen(json), "when", &c, &err);
    if (rc)
        fail_msg("%s: %s (%s)", json, err.msg, err.field);
    return c;
}

static ordo_cond_t *canonical_copy(const ordo_cond_t *c)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_cond_write_json(c, &w);
    assert_int_equal(ordo_jsonw_finish(&w), ORDO_OK);
    ordo_cond_t *copy = parse(b.data);
    ordo_buf_free(&b);
    return copy;
}

static void test_compiled_matches_reference(void **state)
{
    (void)state;
    enum { N_COND = 2000, N_CTX = 200 };
    ordo_rng_t rng;
    ordo_rng_seed(&rng, 20261206);
    size_t n_true = 0, n_false = 0;
    for (int i = 0; i < N_COND; i++) {
        char json[4096] = "";
        gen_cond(json, sizeof json, &rng, 0);
        cJSON *ref = cJSON_Parse(json);
        assert_non_null(ref);
        ordo_cond_t *c = parse(json);
        ordo_cond_t *copy = canonical_copy(c);
        for (int k = 0; k < N_CTX; k++) {
            ordo_order_ctx_t ctx;
            random_ctx(&ctx, &rng);
            bool want = ref_eval(ref, &ctx);
            bool got = ordo_cond_eval(c, &ctx);
            bool got2 = ordo_cond_eval(copy, &ctx);
            if (want != got || want != got2)
                fail_msg("%s: reference %d, compiled %d, canonical copy %d", json, want, got, got2);
            n_true += want;
            n_false += !want;
        }
        ordo_cond_destroy(copy);
        ordo_cond_destroy(c);
        cJSON_Delete(ref);
    }
    /* both outcomes well represented, so the comparison means something */
    assert_true(n_true > N_COND * N_CTX / 10 && n_false > N_COND * N_CTX / 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compiled_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
