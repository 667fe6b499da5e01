/* SPDX-License-Identifier: Apache-2.0 */
/* The data directory's layout: every path comes from ordo_datadir_init, bad
 * roots are errors naming the field, and the store opens where it says. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordo/datadir.h"
#include "ordo/store.h"

static void test_paths(void **state)
{
    (void)state;
    ordo_datadir_t d;
    ordo_error_t err = {0};
    assert_int_equal(ordo_datadir_init(&d, "/srv/ordo//", &err), ORDO_OK);
    assert_string_equal(d.root, "/srv/ordo");
    assert_string_equal(d.db, "/srv/ordo/ordo.db");
    assert_string_equal(d.config, "/srv/ordo/ordo.conf");
    assert_string_equal(d.log, "/srv/ordo/log");
    assert_string_equal(d.summary, "/srv/ordo/summary.json");
    assert_int_equal(ordo_datadir_init(&d, "rel", &err), ORDO_OK);
    assert_string_equal(d.log, "rel/log");
    assert_int_equal(ordo_datadir_init(&d, "/", &err), ORDO_OK);
    assert_string_equal(d.db, "/ordo.db");
}

static void test_bad_roots(void **state)
{
    (void)state;
    ordo_datadir_t d;
    ordo_error_t err = {0};
    assert_int_equal(ordo_datadir_init(&d, "", &err), ORDO_EINVAL);
    assert_string_equal(err.field, "data_dir");
    memset(&err, 0, sizeof err);
    assert_int_equal(ordo_datadir_init(&d, NULL, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "data_dir");
    size_t n = ORDO_DATADIR_PATH_MAX;
    char *long_root = malloc(n);
    assert_non_null(long_root);
    memset(long_root, 'a', n - 1);
    long_root[n - 1] = '\0';
    memset(&err, 0, sizeof err);
    assert_int_equal(ordo_datadir_init(&d, long_root, &err), ORDO_EINVAL);
    assert_string_equal(err.field, "data_dir");
    assert_non_null(strstr(err.msg, "too long"));
    free(long_root);
}

static void test_default(void **state)
{
    (void)state;
    setenv("ORDO_DATA", "/tmp/x-ordo", 1);
    assert_string_equal(ordo_datadir_default(), "/tmp/x-ordo");
    setenv("ORDO_DATA", "", 1);
    assert_string_equal(ordo_datadir_default(), "./ordo-data");
    unsetenv("ORDO_DATA");
    assert_string_equal(ordo_datadir_default(), "./ordo-data");
}

/* The store creates its database exactly where the layout says. */
static void test_store_uses_layout(void **state)
{
    (void)state;
    char root[] = "/tmp/ordo-datadir-XXXXXX";
    assert_non_null(mkdtemp(root));
    ordo_datadir_t d;
    ordo_error_t err = {0};
    assert_int_equal(ordo_datadir_init(&d, root, &err), ORDO_OK);
    assert_false(ordo_datadir_has_db(&d));
    assert_false(ordo_datadir_has_log(&d));
    ordo_store_t *st = NULL;
    assert_int_equal(ordo_store_open(root, NULL, &st, &err), ORDO_OK);
    assert_int_equal(ordo_store_close(st, &err), ORDO_OK);
    assert_true(ordo_datadir_has_db(&d));
    assert_int_equal(mkdir(d.log, 0755), 0);
    assert_true(ordo_datadir_has_log(&d));
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_bad_roots),
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_store_uses_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
