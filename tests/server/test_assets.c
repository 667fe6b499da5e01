/* SPDX-License-Identifier: Apache-2.0 */
/* The embedded dashboard: every file is found at its URL path with its
 * content type and the exact bytes of the file it was made from; anything
 * else, a traversal included, is absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "ordo/util.h"

static void same_as_file(const char *url, const char *rel, const char *type)
{
    const ordo_asset_t *a = ordo_asset_find(url);
    assert_non_null(a);
    assert_string_equal(a->content_type, type);
    char path[1024], *want = NULL;
    size_t len = 0;
    ordo_error_t err = {0};
    snprintf(path, sizeof path, "%s/%s", ORDO_SOURCE_DIR, rel);
    assert_int_equal(ordo_read_file(path, &want, &len, &err), ORDO_OK);
    assert_int_equal(a->len, len);
    assert_memory_equal(a->data, want, len);
    free(want);
}

static void test_root_is_index(void **state)
{
    (void)state;
    const ordo_asset_t *root = ordo_asset_find("/");
    assert_non_null(root);
    assert_ptr_equal(root, ordo_asset_find("/index.html"));
    assert_ptr_equal(root, ordo_asset_find("/?tab=1"));
    assert_string_equal(root->path, "/index.html");
    same_as_file("/", "web/index.html", "text/html; charset=utf-8");
    assert_non_null(strstr((const char *)root->data, "/assets/js/app.js"));
}

static void test_files_and_types(void **state)
{
    (void)state;
    same_as_file("/assets/style.css", "web/style.css", "text/css; charset=utf-8");
    same_as_file("/assets/js/app.js", "web/js/app.js", "text/javascript; charset=utf-8");
    same_as_file("/assets/js/forest.js?v=2", "web/js/forest.js", "text/javascript; charset=utf-8");
    same_as_file("/assets/vendor/d3-geo.min.js", "web/node_modules/d3-geo/dist/d3-geo.min.js",
                 "text/javascript; charset=utf-8");
    same_as_file("/assets/vendor/states-10m.json", "web/node_modules/us-atlas/states-10m.json",
                 "application/json");
}

static void test_absent(void **state)
{
    (void)state;
    const char *bad[] = {NULL, "", "index.html", "/assets/", "/assets/js/", "/assets/js/nope.js",
                         "/assets/../index.html", "/assets/js/../../index.html",
                         "/assets/js/app.js/", "/assets/js/app.jsx", "/ASSETS/style.css",
                         "/assets/style.css\n", "//", "/web/index.html", "/package.json",
                         "/node_modules/d3-geo/package.json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(ordo_asset_find(bad[i]));
}

/* Every page script the HTML names is embedded, so the dashboard loads whole. */
static void test_index_references_resolve(void **state)
{
    (void)state;
    const ordo_asset_t *root = ordo_asset_find("/");
    char *html = strndup((const char *)root->data, root->len);
    assert_non_null(html);
    int found = 0;
    for (char *p = html; (p = strstr(p, "/assets/")) != NULL; found++) {
        size_t n = strcspn(p, "\"'");
        char url[256];
        assert_true(n < sizeof url);
        memcpy(url, p, n);
        url[n] = 0;
        if (!ordo_asset_find(url))
            fail_msg("index.html names %s, which is not embedded", url);
        p += n;
    }
    assert_true(found >= 5);
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_is_index),
        cmocka_unit_test(test_files_and_types),
        cmocka_unit_test(test_absent),
        cmocka_unit_test(test_index_references_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
