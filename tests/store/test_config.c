/* SPDX-License-Identifier: Apache-2.0 */
/* ordo.conf: the documented example loads, defaults apply, and every kind of
 * bad line is an error naming its line and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ordo/config.h"
#include "store_test_util.h"

static int parse(const char *text, ordo_config_t *cfg, ordo_error_t *err)
{
    return ordo_config_parse(text, strlen(text), "t.conf", cfg, err);
}

static void test_defaults(void **state)
{
    (void)state;
    ordo_config_t cfg;
    ordo_error_t err = {0};
    ASSERT_OK(parse("", &cfg, &err));
    assert_int_equal(cfg.store_backend, ORDO_STORE_SQLITE);
    assert_int_equal(cfg.sqlite_sync, ORDO_SQLITE_SYNC_FULL);
    assert_int_equal(cfg.busy_timeout_ms, 5000);
    assert_int_equal(cfg.ingest_batch, 10000);
    assert_int_equal(cfg.log_sync, ORDO_CONFIG_LOG_SYNC);
    assert_string_equal(cfg.postgres_dsn, "");
    ASSERT_OK(parse("# only a comment\n\n   \t\n", &cfg, &err));
    assert_int_equal(cfg.busy_timeout_ms, 5000);
}

static void test_example_file(void **state)
{
    (void)state;
    ordo_config_t cfg;
    ordo_error_t err = {0};
    ASSERT_OK(ordo_config_load(ORDO_SOURCE_DIR "/docs/examples/ordo.conf", &cfg, &err));
    assert_int_equal(cfg.store_backend, ORDO_STORE_SQLITE);
    assert_int_equal(cfg.sqlite_sync, ORDO_SQLITE_SYNC_FULL);
    assert_int_equal(cfg.busy_timeout_ms, 5000);
    assert_int_equal(cfg.log_batch_bytes, 1048576);
    assert_int_equal(cfg.log_segment_bytes, 67108864);
    assert_int_equal(cfg.log_sync, ORDO_CONFIG_LOG_SYNC);
}

static void test_all_keys(void **state)
{
    (void)state;
    ordo_config_t cfg;
    ordo_error_t err = {0};
    const char *text = "store.backend = postgres\r\n"
                       "store.postgres.dsn = \"host=db port=5432 password=a#b\\\"c\"  # note\n"
                       "store.sqlite.synchronous=normal\n"
                       "  store.busy_timeout_ms\t=\t250   # trailing comment\n"
                       "store.ingest_batch = 500\n"
                       "log.sync = async\n"
                       "log.group_commit_interval_us = 2000\n"
                       "log.group_commit_bytes = 65536\n"
                       "log.segment_bytes = 1048576\n"
                       "log.compress_level = 3"; /* no final newline */
    ASSERT_OK(parse(text, &cfg, &err));
    assert_int_equal(cfg.store_backend, ORDO_STORE_POSTGRES);
    assert_string_equal(cfg.postgres_dsn, "host=db port=5432 password=a#b\"c");
    assert_int_equal(cfg.sqlite_sync, ORDO_SQLITE_SYNC_NORMAL);
    assert_int_equal(cfg.busy_timeout_ms, 250);
    assert_int_equal(cfg.ingest_batch, 500);
    assert_int_equal(cfg.log_sync, ORDO_CONFIG_LOG_ASYNC);
    assert_int_equal(cfg.log_interval_us, 2000);
    assert_int_equal(cfg.log_batch_bytes, 65536);
    assert_int_equal(cfg.log_segment_bytes, 1048576);
    assert_int_equal(cfg.log_compress_level, 3);
    assert_string_equal(ordo_config_backend_name(cfg.store_backend), "postgres");
    assert_string_equal(ordo_config_log_sync_name(cfg.log_sync), "async");
}

typedef struct bad_case {
    const char *text;
    int code;
    long line;
    const char *field;
    const char *msg_part;
} bad_case_t;

static void test_errors(void **state)
{
    (void)state;
    static const bad_case_t cases[] = {
        {"store.backend = mysql\n", ORDO_EINVAL, 1, "store.backend", "mysql"},
        {"# c\nstore.bakend = sqlite\n", ORDO_EINVAL, 2, "store.bakend", "unknown key"},
        {"log.sync = sync\nlog.sync = none\n", ORDO_EINVAL, 2, "log.sync", "line 1"},
        {"store.busy_timeout_ms 5000\n", ORDO_EPARSE, 1, "store.busy_timeout_ms", "'='"},
        {"store.busy_timeout_ms = -1\n", ORDO_ERANGE, 1, "store.busy_timeout_ms", "range"},
        {"store.busy_timeout_ms = 5s\n", ORDO_EPARSE, 1, "store.busy_timeout_ms", "whole number"},
        {"store.busy_timeout_ms = +5\n", ORDO_EPARSE, 1, "store.busy_timeout_ms", "whole number"},
        {"store.busy_timeout_ms = 99999999999\n", ORDO_ERANGE, 1, "store.busy_timeout_ms", "range"},
        {"store.ingest_batch = 0\n", ORDO_ERANGE, 1, "store.ingest_batch", "range"},
        {"log.compress_level = 20\n", ORDO_ERANGE, 1, "log.compress_level", "range"},
        {"log.segment_bytes = 100\n", ORDO_ERANGE, 1, "log.segment_bytes", "minimum"},
        {"log.sync = \n", ORDO_EINVAL, 1, "log.sync", "empty"},
        {"store.postgres.dsn = \"host=x\n", ORDO_EPARSE, 1, "store.postgres.dsn", "unterminated"},
        {"store.postgres.dsn = \"a\" b\n", ORDO_EPARSE, 1, "store.postgres.dsn", "after"},
        {"store.postgres.dsn = a\"b\n", ORDO_EPARSE, 1, "store.postgres.dsn", "quote"},
        {"store.postgres.dsn = \"a\\nb\"\n", ORDO_EPARSE, 1, "store.postgres.dsn", "escape"},
        {"\n\nstore.backend = postgres\n", ORDO_EINVAL, 3, "store.postgres.dsn", "needs"},
        {"= sqlite\n", ORDO_EPARSE, 1, "", "key = value"},
        {"[store]\n", ORDO_EPARSE, 1, "", "key = value"},
        {"log.sync = SYNC\n", ORDO_EINVAL, 1, "log.sync", "SYNC"},
        {"server.listen = localhost\n", ORDO_EINVAL, 1, "server.listen", "HOST:PORT"},
        {"server.listen = 127.0.0.1:70000\n", ORDO_ERANGE, 1, "server.listen", "range"},
        {"server.tokens = short\n", ORDO_EINVAL, 1, "server.tokens", "16 to 256"},
        {"server.tokens = \"0123456789abcdef,\"\n", ORDO_EINVAL, 1, "server.tokens", "16 to 256"},
        {"server.tokens = \"0123456789abcdef 0123\"\n", ORDO_EINVAL, 1, "server.tokens", "ASCII"},
        {"server.deadline_ms = 0\n", ORDO_ERANGE, 1, "server.deadline_ms", "range"},
        {"server.body_max_bytes = 10\n", ORDO_ERANGE, 1, "server.body_max_bytes", "range"},
        {"server.threads = 65\n", ORDO_ERANGE, 1, "server.threads", "range"},
        {"server.explain = yes\n", ORDO_EINVAL, 1, "server.explain", "on or off"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ordo_config_t cfg;
        ordo_error_t err = {0};
        int rc = parse(cases[i].text, &cfg, &err);
        char m[1024];
        ordo_error_format(&err, m, sizeof m);
        if (rc != cases[i].code || err.line != cases[i].line || strcmp(err.field, cases[i].field) ||
            !strstr(err.msg, cases[i].msg_part))
            print_error("case %zu: rc %d line %ld: %s\n", i, rc, err.line, m);
        assert_int_equal(rc, cases[i].code);
        assert_int_equal(err.line, cases[i].line);
        assert_string_equal(err.field, cases[i].field);
        assert_non_null(strstr(err.msg, cases[i].msg_part));
        assert_string_equal(err.file, "t.conf");
        /* on error the output holds the defaults, not a half-parsed config */
        assert_int_equal(cfg.store_backend, ORDO_STORE_SQLITE);
        assert_int_equal(cfg.busy_timeout_ms, 5000);
    }
}

/* the server.* section: defaults, every key read */
static void test_server_keys(void **state)
{
    (void)state;
    ordo_config_t cfg;
    ordo_error_t err = {0};
    ASSERT_OK(parse("", &cfg, &err));
    assert_string_equal(cfg.server.listen, "127.0.0.1:8080");
    assert_int_equal(cfg.server.deadline_ms, 50);
    assert_int_equal(cfg.server.body_max_bytes, 1048576);
    assert_int_equal(cfg.server.threads, 2);
    assert_string_equal(cfg.server.tokens, "");
    ASSERT_OK(parse("server.listen = [::1]:9000\nserver.data_dir = d\nserver.network = n\n"
                    "server.policy = cost-optimized\n"
                    "server.tokens = \"0123456789abcdef,fedcba9876543210x\"\n"
                    "server.deadline_ms = 7\nserver.body_max_bytes = 2048\n"
                    "server.connections_max = 9\nserver.client_timeout_s = 3\n"
                    "server.threads = 4\nserver.inflight_max = 5\nserver.explain = on\n",
                    &cfg, &err));
    assert_string_equal(cfg.server.listen, "[::1]:9000");
    assert_string_equal(cfg.server.data_dir, "d");
    assert_string_equal(cfg.server.network, "n");
    assert_string_equal(cfg.server.policy, "cost-optimized");
    assert_string_equal(cfg.server.tokens, "0123456789abcdef,fedcba9876543210x");
    assert_int_equal(cfg.server.deadline_ms, 7);
    assert_int_equal(cfg.server.body_max_bytes, 2048);
    assert_int_equal(cfg.server.connections_max, 9);
    assert_int_equal(cfg.server.client_timeout_s, 3);
    assert_int_equal(cfg.server.threads, 4);
    assert_int_equal(cfg.server.inflight_max, 5);
    assert_true(cfg.server.explain);
}

static void test_server_models_keys(void **state)
{
    (void)state;
    ordo_config_t cfg;
    ordo_error_t err = {0};
    ASSERT_OK(parse("", &cfg, &err));
    assert_string_equal(cfg.server.model_risk, "");
    ASSERT_OK(parse("server.models.eta = latest\nserver.models.risk = risk-v2\n", &cfg, &err));
    assert_string_equal(cfg.server.model_eta, "latest");
    assert_string_equal(cfg.server.model_risk, "risk-v2");
}

static void test_files(void **state)
{
    (void)state;
    char *dir = tmp_dir();
    ordo_config_t cfg;
    ordo_error_t err = {0};
    char path[4200];
    snprintf(path, sizeof path, "%s/none.conf", dir);
    assert_int_equal(ordo_config_load(path, &cfg, &err), ORDO_ENOENT);
    /* a data directory without ordo.conf uses the defaults */
    ASSERT_OK(ordo_config_load_data_dir(dir, &cfg, &err));
    assert_int_equal(cfg.busy_timeout_ms, 5000);
    free(write_tmp(dir, "ordo.conf", "store.busy_timeout_ms = 42\n"));
    ASSERT_OK(ordo_config_load_data_dir(dir, &cfg, &err));
    assert_int_equal(cfg.busy_timeout_ms, 42);
    free(write_tmp(dir, "ordo.conf", "store.busy_timeout_ms = 42\nbogus = 1\n"));
    assert_int_equal(ordo_config_load_data_dir(dir, &cfg, &err), ORDO_EINVAL);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.file, "ordo.conf"));
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_example_file),
        cmocka_unit_test(test_all_keys), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_files), cmocka_unit_test(test_server_keys),
        cmocka_unit_test(test_server_models_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
