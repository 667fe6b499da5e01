/* SPDX-License-Identifier: Apache-2.0 */
/* ordo CLI — helpers every command shares: errors and exit codes, the data
 * directory default, and loading a policy or a network with a "did you
 * mean" for a near miss. */
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

int ordo_cli_exit_code(int code)
{
    switch (code) {
    case ORDO_OK:
        return ORDO_EXIT_OK;
    case ORDO_EPARSE:
    case ORDO_EINVAL:
    case ORDO_ERANGE:
    case ORDO_EEXIST:
    case ORDO_ENOTFOUND:
    case ORDO_ECORRUPT:
    case ORDO_ESTATE:
    case ORDO_EUNSUPPORTED:
    case ORDO_ESTOCK:
    case ORDO_EINFEASIBLE:
    case ORDO_EFULL:
        return ORDO_EXIT_DATA;
    case ORDO_ENOENT:
        return ORDO_EXIT_NOINPUT;
    case ORDO_EIO:
    case ORDO_ENOSPC:
        return ORDO_EXIT_IO;
    case ORDO_EBUSY:
    case ORDO_ECONFLICT:
        return ORDO_EXIT_TEMPFAIL;
    default: /* ORDO_ENOMEM and anything unexpected */
        return ORDO_EXIT_SOFTWARE;
    }
}

static void write_error_json(const ordo_error_t *err, int code)
{
    ordo_buf_t b;
    ordo_buf_init(&b, NULL);
    ordo_jsonw_t w;
    ordo_jsonw_init(&w, &b, 0);
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_key(&w, "error");
    ordo_jsonw_obj_begin(&w);
    ordo_jsonw_kstr(&w, "code", ordo_errname(code));
    ordo_jsonw_kstr(&w, "message", err && err->code ? err->msg : ordo_strerror(code));
    if (err && err->file[0])
        ordo_jsonw_kstr(&w, "file", err->file);
    if (err && err->line)
        ordo_jsonw_kint(&w, "line", err->line);
    if (err && err->field[0])
        ordo_jsonw_kstr(&w, "field", err->field);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_obj_end(&w);
    ordo_jsonw_finish(&w);
    fprintf(stderr, "%s\n", b.data ? b.data : "");
    ordo_buf_free(&b);
}

int ordo_cli_fail(const ordo_error_t *err, int code, bool json)
{
    if (json) {
        write_error_json(err, code);
    } else {
        char msg[1024];
        if (err && err->code != ORDO_OK)
            ordo_error_format(err, msg, sizeof msg);
        else
            snprintf(msg, sizeof msg, "%s", ordo_strerror(code));
        fprintf(stderr, "ordo: %s\n", msg);
    }
    return ordo_cli_exit_code(code);
}

int ordo_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *sep = *cmd ? " " : "";
    fprintf(stderr, "ordo%s%s: ", sep, cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'ordo%s%s --help'.\n", sep, cmd);
    va_end(ap);
    return ORDO_EXIT_USAGE;
}

const char *ordo_cli_default_data_dir(void)
{
    return ordo_datadir_default();
}

bool ordo_cli_isatty_err(void)
{
    return isatty(STDERR_FILENO) == 1;
}

void ordo_cli_print_buf(const ordo_buf_t *buf)
{
    if (buf->len)
        fwrite(buf->data, 1, buf->len, stdout);
    fputc('\n', stdout);
}

/* Appends text to err's message, as far as it fits. */
static void append_msg(ordo_error_t *err, const char *text)
{
    size_t l = strlen(err->msg);
    snprintf(err->msg + l, sizeof err->msg - l, "%s", text);
}

int ordo_cli_policy_load(const char *arg, ordo_policy_t **out, ordo_error_t *err)
{
    int rc = ordo_policy_load(arg, out, err);
    struct stat st;
    if (rc && strchr(arg, '/') == NULL && stat(arg, &st) != 0) {
        char hint[128];
        ordo_cli_did_you_mean(arg, ordo_policy_builtin_names(), hint, sizeof hint);
        append_msg(err, hint);
    }
    return rc;
}

/* The first subdirectory of dir that holds a network.json, into out. */
static bool find_network_below(const char *dir, char *out, size_t n)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char p[4096];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s/network.json", dir, de->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            snprintf(out, n, "%s/%s", dir, de->d_name);
            found = true;
        }
    }
    closedir(d);
    return found;
}

static int recorded_network(ordo_store_t *st, char *out, size_t n, ordo_error_t *err)
{
    char *json = NULL;
    int rc = ordo_store_doc_get(st, "datadir", "network", &json, NULL, NULL, err);
    if (rc)
        return rc;
    cJSON *j = cJSON_Parse(json);
    const cJSON *p = j ? cJSON_GetObjectItemCaseSensitive(j, "path") : NULL;
    if (cJSON_IsString(p) && strlen(p->valuestring) < n)
        snprintf(out, n, "%s", p->valuestring);
    else
        rc = ordo_error_set(err, ORDO_ECORRUPT, NULL, 0, "network",
                            "the data directory's recorded network is not a path");
    cJSON_Delete(j);
    free(json);
    return rc;
}

int ordo_cli_data_network_record(const char *data, const char *network, ordo_error_t *err)
{
    char abs[PATH_MAX], cur[PATH_MAX];
    if (!realpath(network, abs))
        return ordo_error_set(err, ORDO_EIO, network, 0, "network", "cannot resolve the path");
    ordo_store_t *st = NULL;
    int rc = ordo_store_open(data, NULL, &st, err);
    if (rc)
        return rc;
    ordo_error_t e2 = {0};
    if (recorded_network(st, cur, sizeof cur, &e2) != ORDO_OK || strcmp(cur, abs)) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "path", abs);
        ordo_jsonw_obj_end(&w);
        rc = ordo_jsonw_finish(&w);
        if (!rc)
            rc = ordo_store_doc_put(st, "datadir", "network", (const char *)b.data, b.len, ORDO_STORE_ANY_VERSION,
                                    NULL, err);
        ordo_buf_free(&b);
    }
    int rc2 = ordo_store_close(st, rc ? NULL : err);
    return rc ? rc : rc2;
}

int ordo_cli_data_network(const char *data, const char *given, char *out, size_t n,
                          ordo_error_t *err)
{
    if (given) {
        snprintf(out, n, "%s", given);
        return ORDO_OK;
    }
    ordo_store_t *st = NULL;
    ordo_error_t e2 = {0};
    int rc = ordo_store_open_existing(data, NULL, &st, &e2);
    if (!rc)
        rc = recorded_network(st, out, n, &e2);
    ordo_store_close(st, NULL);
    if (rc)
        return ordo_error_set(err, ORDO_EINVAL, data, 0, "network",
                              "--network NET is required: the data directory has no recorded "
                              "network yet (ordo source --data DIR --network NET records it)");
    return ORDO_OK;
}

int ordo_cli_network_load(const char *dir, ordo_network_t **out, ordo_error_t *err)
{
    int rc = ordo_network_load(dir, NULL, out, err);
    char probe[4096], below[4096];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/network.json", dir);
    if (rc && stat(probe, &st) != 0 && find_network_below(dir, below, sizeof below)) {
        char hint[4200];
        snprintf(hint, sizeof hint, " (did you mean '%s'?)", below);
        append_msg(err, hint);
    }
    return rc;
}
