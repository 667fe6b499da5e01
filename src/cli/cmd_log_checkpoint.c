/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log checkpoint | archive — signed checkpoints, and moving the
 * segments before one away (docs/internals/LOG.md "Checkpoints and
 * archiving"); --public-key for verify. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

/* A sequence number: a positive decimal integer. */
static bool seq_arg(const char *s, uint64_t *out)
{
    int64_t v;
    if (!s || ordo_parse_i64(s, strlen(s), &v) || v <= 0)
        return false;
    *out = (uint64_t)v;
    return true;
}

int ordo_cli_log_public_key(const char *arg, uint8_t pk[ORDO_LOG_PK_BYTES], bool json)
{
    ordo_error_t err = {0};
    size_t n = 0;
    const char *end = NULL;
    if (strlen(arg) == 2 * ORDO_LOG_PK_BYTES &&
        sodium_hex2bin(pk, ORDO_LOG_PK_BYTES, arg, strlen(arg), NULL, &n, &end) == 0 &&
        n == ORDO_LOG_PK_BYTES)
        return 0;
    int rc = ordo_log_checkpoint_public_key(arg, pk, &err);
    return rc ? ordo_cli_fail(&err, rc, json) : 0;
}

int ordo_cli_log_checkpoint(const char *dir, const char *at, const char *key, bool json)
{
    uint64_t seq = 0;
    if (at && !seq_arg(at, &seq))
        return ordo_cli_usage("log checkpoint", "--at: '%s' is not a sequence number", at);
    ordo_log_checkpoint_t c;
    ordo_error_t err = {0};
    int rc = ordo_log_checkpoint(dir, seq, key, &c, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    char hc[65], hp[65];
    ordo_log_hash_hex(c.chain, hc);
    sodium_bin2hex(hp, sizeof hp, c.public_key, sizeof c.public_key);
    if (json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kstr(&w, "checkpoint", c.path);
        ordo_jsonw_kint(&w, "seq", (int64_t)c.seq);
        ordo_jsonw_kstr(&w, "chain", hc);
        ordo_jsonw_kstr(&w, "public_key", hp);
        ordo_jsonw_kbool(&w, "key_created", c.key_created);
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else {
        printf("checkpoint %s: seq %" PRIu64 " chain %s\nsigned by %s%s\n"
               "the segments before seq %" PRIu64 " may now be archived "
               "(ordo log archive --before %" PRIu64 ")\n",
               c.path, c.seq, hc, hp, c.key_created ? " (a new key pair)" : "", c.seq + 1,
               c.seq + 1);
    }
    return ORDO_EXIT_OK;
}

int ordo_cli_log_archive(const char *dir, const char *before, const char *to, const char *pubkey,
                         bool json)
{
    uint64_t seq = 0;
    if (!seq_arg(before, &seq) || seq < 2)
        return ordo_cli_usage("log archive", "--before SEQ is required (a sequence number > 1)");
    uint8_t pk[ORDO_LOG_PK_BYTES], *trusted = NULL;
    if (pubkey) {
        int x = ordo_cli_log_public_key(pubkey, pk, json);
        if (x)
            return x;
        trusted = pk;
    } else {
        char kp[4200];
        ordo_error_t e = {0};
        ordo_log_checkpoint_key_default(dir, kp, sizeof kp, true);
        if (ordo_log_checkpoint_public_key(kp, pk, &e) == ORDO_OK)
            trusted = pk;
    }
    uint64_t moved = 0;
    ordo_error_t err = {0};
    int rc = ordo_log_archive(dir, seq, to, trusted, &moved, &err);
    if (rc)
        return ordo_cli_fail(&err, rc, json);
    if (json) {
        ordo_buf_t b;
        ordo_buf_init(&b, NULL);
        ordo_jsonw_t w;
        ordo_jsonw_init(&w, &b, 0);
        ordo_jsonw_obj_begin(&w);
        ordo_jsonw_kint(&w, "segments_moved", (int64_t)moved);
        ordo_jsonw_kstr(&w, "to", to ? to : "archive");
        ordo_jsonw_obj_end(&w);
        ordo_jsonw_finish(&w);
        ordo_cli_print_buf(&b);
        ordo_buf_free(&b);
    } else {
        printf("%" PRIu64 " segment%s moved to %s%s\n", moved, moved == 1 ? "" : "s",
               to ? to : dir, to ? "" : "/archive");
    }
    return ORDO_EXIT_OK;
}
