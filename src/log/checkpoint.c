/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log — signed checkpoints and archiving (docs/internals/LOG.md
 * "Checkpoints and archiving"). A checkpoint says, signed with Ed25519,
 * "the record before segment F has seq F-1 and chain hash H"; once it is
 * written the segments before F may be moved away, and verify accepts F's
 * header (first seq F, previous-chain hash H) as the start of the chain. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "log_internal.h"
#include "ordo/log.h"
#include "ordo/util.h"

#define CKPT_MAGIC "ordo-log-checkpoint 1\n"
#define CKPT_MAX 1024

void ordo_log_checkpoint_key_default(const char *log_dir, char *out, size_t n, bool pub)
{
    /* DIR/keys beside DIR/log: the key never travels with the log */
    snprintf(out, n, "%s/../keys/log-checkpoint.%s", log_dir, pub ? "pub" : "key");
}

/* Reads a file of at most max bytes into buf (NUL-terminated). */
static int slurp(const char *path, char *buf, size_t max, size_t *len, ordo_error_t *err)
{
    char *data;
    size_t n;
    int rc = ordo_read_file(path, &data, &n, err);
    if (rc)
        return rc;
    if (n >= max) {
        free(data);
        return ordo_error_set(err, ORDO_EPARSE, path, 0, NULL, "file too long");
    }
    memcpy(buf, data, n + 1);
    free(data);
    *len = n;
    return ORDO_OK;
}

/* hex of exactly nbytes (and a newline or the end) into out */
static bool hex_in(const char *s, uint8_t *out, size_t nbytes)
{
    size_t bin_len = 0;
    const char *end = NULL;
    if (strlen(s) < nbytes * 2)
        return false;
    return sodium_hex2bin(out, nbytes, s, nbytes * 2, NULL, &bin_len, &end) == 0 &&
           bin_len == nbytes && (*end == 0 || *end == '\n');
}

int ordo_log_checkpoint_public_key(const char *path, uint8_t pk[ORDO_LOG_PK_BYTES],
                                   ordo_error_t *err)
{
    char buf[256];
    size_t n;
    int rc = slurp(path, buf, sizeof buf, &n, err);
    if (rc)
        return rc;
    if (!hex_in(buf, pk, ORDO_LOG_PK_BYTES))
        return ordo_error_set(err, ORDO_EPARSE, path, 1, "public_key",
                              "want 64 hex digits (an Ed25519 public key)");
    return ORDO_OK;
}

static int write_file(const char *path, const void *p, size_t n, mode_t mode, ordo_error_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "create: %s", strerror(errno));
    bool ok = write(fd, p, n) == (ssize_t)n && fsync(fd) == 0;
    int e = errno;
    close(fd);
    if (!ok) {
        unlink(path);
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "write: %s", strerror(e));
    }
    return ORDO_OK;
}

/* The secret key at path (64 bytes: seed || public key, hex), created
 * with its .pub beside it when it does not exist. */
static int load_or_create_key(const char *path, uint8_t sk[crypto_sign_SECRETKEYBYTES],
                              bool *created, ordo_error_t *err)
{
    char buf[256];
    size_t n;
    *created = false;
    if (access(path, F_OK) == 0) {
        int rc = slurp(path, buf, sizeof buf, &n, err);
        if (rc == ORDO_OK && !hex_in(buf, sk, crypto_sign_SECRETKEYBYTES))
            rc = ordo_error_set(err, ORDO_EPARSE, path, 1, "secret_key",
                                "want 128 hex digits (an Ed25519 secret key)");
        return rc;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = 0;
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return ordo_error_set(err, ORDO_EIO, dir, 0, NULL, "mkdir: %s", strerror(errno));
    }
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_keypair(pk, sk);
    char hex[2 * crypto_sign_SECRETKEYBYTES + 2];
    sodium_bin2hex(hex, sizeof hex, sk, crypto_sign_SECRETKEYBYTES);
    strcat(hex, "\n");
    int rc = write_file(path, hex, strlen(hex), 0600, err);
    sodium_memzero(hex, sizeof hex);
    if (rc)
        return rc;
    char pub[4200];
    snprintf(pub, sizeof pub, "%.*s.pub", (int)(strlen(path) - 4), path);
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    strcat(hex, "\n");
    unlink(pub);
    *created = true;
    return write_file(pub, hex, strlen(hex), 0644, err);
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static void ckpt_path(const char *dir, uint64_t first_seq, char *out, size_t n)
{
    snprintf(out, n, "%s/%020" PRIu64 LOG_CKPT_SUFFIX, dir, first_seq);
}

/* The segment whose records include seq (the last one when seq is 0 or past
 * the end): its index in segs. */
static size_t segment_of(const log_seg_name_t *segs, size_t nseg, uint64_t seq)
{
    size_t i = nseg - 1;
    if (seq)
        while (i > 0 && segs[i].first_seq > seq)
            i--;
    return i;
}

/* The header of segment file name in dir. */
static int read_header(const char *dir, const char *name, log_seg_header_t *h, ordo_error_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    const uint8_t *data;
    size_t len;
    int rc = log_map_file(path, &data, &len, err);
    if (rc)
        return rc;
    const char *why = log_seg_header_decode(data, len, h);
    h->dict = NULL;
    log_unmap(data, len);
    return why ? ordo_error_set(err, ORDO_ECORRUPT, name, 0, NULL, "%s", why) : ORDO_OK;
}

int ordo_log_checkpoint(const char *dir, uint64_t at_seq, const char *key_path,
                        ordo_log_checkpoint_t *out, ordo_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (sodium_init() < 0)
        return ordo_error_set(err, ORDO_EIO, NULL, 0, NULL, "libsodium failed to initialize");
    ordo_log_verify_report_t rep;
    int rc = ordo_log_verify(dir, &rep, err);
    if (rc)
        return rc;
    if (!rep.ok)
        return ordo_error_set(err, ORDO_ECORRUPT, rep.bad_segment, 0, NULL,
                              "the log does not verify (%s): no checkpoint is signed", rep.reason);
    log_seg_name_t *segs = NULL;
    size_t nseg = 0;
    if ((rc = log_list_segments(dir, &segs, &nseg, err)))
        return rc;
    size_t i = nseg ? segment_of(segs, nseg, at_seq) : 0;
    log_seg_header_t h;
    if (nseg < 2 || i == 0)
        rc = ordo_error_set(err, ORDO_EINVAL, dir, 0, "seq",
                            "nothing before the segment to keep: a checkpoint marks the start of "
                            "a later segment (the log has %zu)",
                            nseg);
    else
        rc = read_header(dir, segs[i].name, &h, err);
    char kp[4096];
    if (!key_path) {
        ordo_log_checkpoint_key_default(dir, kp, sizeof kp, false);
        key_path = kp;
    }
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    if (rc == ORDO_OK)
        rc = load_or_create_key(key_path, sk, &out->key_created, err);
    if (rc == ORDO_OK) {
        out->seq = h.first_seq - 1;
        memcpy(out->chain, h.prev_chain, sizeof out->chain);
        crypto_sign_ed25519_sk_to_pk(out->public_key, sk);
        char text[CKPT_MAX], hc[65], hp[65], t[40];
        int n = snprintf(text, sizeof text, CKPT_MAGIC "seq %" PRIu64 "\nchain %s\ncreated %s\n"
                         "public_key %s\n",
                         out->seq, ordo_log_hash_hex(out->chain, hc),
                         ordo_time_format(ordo_now_unix(), t, sizeof t),
                         sodium_bin2hex(hp, sizeof hp, out->public_key, ORDO_LOG_PK_BYTES));
        uint8_t sig[crypto_sign_BYTES];
        crypto_sign_detached(sig, NULL, (const uint8_t *)text, (size_t)n, sk);
        char hs[2 * crypto_sign_BYTES + 1];
        n += snprintf(text + n, sizeof text - (size_t)n, "signature %s\n",
                      sodium_bin2hex(hs, sizeof hs, sig, sizeof sig));
        ckpt_path(dir, h.first_seq, out->path, sizeof out->path);
        unlink(out->path); /* a checkpoint of the same boundary is the same statement */
        rc = write_file(out->path, text, (size_t)n, 0644, err);
    }
    sodium_memzero(sk, sizeof sk);
    free(segs);
    return rc;
}

/* One "name value" line at *p; advances past it. */
static const char *ckpt_field(const char **p, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(*p, name, n) || (*p)[n] != ' ')
        return NULL;
    const char *v = *p + n + 1, *nl = strchr(v, '\n');
    if (!nl)
        return NULL;
    *p = nl + 1;
    return v;
}

const char *log_checkpoint_check(const char *dir, uint64_t first_seq,
                                 const uint8_t prev_chain[ORDO_LOG_HASH_BYTES],
                                 const uint8_t *trusted_pk)
{
    char path[4200], text[CKPT_MAX];
    ckpt_path(dir, first_seq, path, sizeof path);
    size_t len;
    ordo_error_t e;
    if (access(path, F_OK) != 0)
        return "the log does not start at the genesis (seq 1, zero previous-chain hash) and no "
               "signed checkpoint marks its start: the segments before it are missing";
    if (slurp(path, text, sizeof text, &len, &e))
        return "the checkpoint file cannot be read";
    const char *p = text;
    if (strncmp(p, CKPT_MAGIC, strlen(CKPT_MAGIC)))
        return "the checkpoint file is not an ordo checkpoint";
    p += strlen(CKPT_MAGIC);
    const char *seq = ckpt_field(&p, "seq"), *chain = ckpt_field(&p, "chain");
    const char *created = ckpt_field(&p, "created"), *pk = ckpt_field(&p, "public_key");
    const char *signed_end = p, *sig = ckpt_field(&p, "signature");
    uint8_t h[ORDO_LOG_HASH_BYTES], k[ORDO_LOG_PK_BYTES], s[crypto_sign_BYTES];
    if (!seq || !chain || !created || !pk || !sig || *p || !hex_in(chain, h, sizeof h) ||
        !hex_in(pk, k, sizeof k) || !hex_in(sig, s, sizeof s))
        return "the checkpoint file is malformed";
    if (!trusted_pk)
        return "no public key to check the checkpoint with (DIR/keys/log-checkpoint.pub, or "
               "--public-key)";
    if (sodium_memcmp(k, trusted_pk, sizeof k) != 0)
        return "the checkpoint is signed by another key than the trusted one";
    if (crypto_sign_verify_detached(s, (const uint8_t *)text, (size_t)(signed_end - text), k))
        return "the checkpoint's signature is bad (forged or altered)";
    char want[32];
    snprintf(want, sizeof want, "%" PRIu64 "\n", first_seq - 1);
    if (strncmp(seq, want, strlen(want)))
        return "the checkpoint's seq is not the one before the first segment";
    if (sodium_memcmp(h, prev_chain, sizeof h) != 0)
        return "the first segment's previous-chain hash differs from the signed checkpoint's "
               "(a segment was replaced)";
    return NULL;
}

/* The writer's lock, so that no writer opens (and reads the sealed
 * segments) while they move. */
static int take_lock(const char *dir, int *fd, ordo_error_t *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/LOCK", dir);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0)
        return ordo_error_set(err, ORDO_EIO, path, 0, NULL, "open: %s", strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        close(*fd);
        return ordo_error_set(err, ORDO_ESTATE, dir, 0, NULL,
                              "the log is open for writing by another process");
    }
    return ORDO_OK;
}

static int move_segment(const char *dir, const char *to, const char *name, ordo_error_t *err)
{
    char from[4200], dst[4200], ifrom[4200], idst[4200];
    snprintf(from, sizeof from, "%s/%s", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", to, name);
    if (access(dst, F_OK) == 0)
        return ordo_error_set(err, ORDO_EEXIST, dst, 0, NULL, "already in the archive");
    if (rename(from, dst) != 0)
        return ordo_error_set(err, ORDO_EIO, from, 0, NULL, "move to %s: %s (the archive must "
                              "be on the same file system)", to, strerror(errno));
    snprintf(ifrom, sizeof ifrom, "%.*s" LOG_IDX_SUFFIX, (int)(strlen(from) - 4), from);
    snprintf(idst, sizeof idst, "%.*s" LOG_IDX_SUFFIX, (int)(strlen(dst) - 4), dst);
    (void)rename(ifrom, idst); /* derived data: may be missing */
    return ORDO_OK;
}

int ordo_log_archive(const char *dir, uint64_t before_seq, const char *to,
                     const uint8_t *trusted_pk, uint64_t *moved, ordo_error_t *err)
{
    *moved = 0;
    char def[4200];
    if (!to) {
        snprintf(def, sizeof def, "%s/archive", dir);
        to = def;
    }
    int lock, rc = take_lock(dir, &lock, err);
    if (rc)
        return rc;
    log_seg_name_t *segs = NULL;
    size_t nseg = 0;
    rc = log_list_segments(dir, &segs, &nseg, err);
    size_t keep = rc == ORDO_OK && nseg ? segment_of(segs, nseg, before_seq) : 0;
    log_seg_header_t h;
    if (rc == ORDO_OK && keep == 0)
        rc = ordo_error_set(err, ORDO_EINVAL, dir, 0, "before",
                            "no whole segment lies before seq %" PRIu64, before_seq);
    if (rc == ORDO_OK)
        rc = read_header(dir, segs[keep].name, &h, err);
    const char *why = rc ? NULL : log_checkpoint_check(dir, h.first_seq, h.prev_chain, trusted_pk);
    if (why)
        rc = ordo_error_set(err, ORDO_ESTATE, segs[keep].name, 0, "checkpoint",
                            "%s: run `ordo log checkpoint` first", why);
    if (rc == ORDO_OK && mkdir(to, 0755) != 0 && errno != EEXIST)
        rc = ordo_error_set(err, ORDO_EIO, to, 0, NULL, "mkdir: %s", strerror(errno));
    for (size_t i = 0; rc == ORDO_OK && i < keep; i++)
        if ((rc = move_segment(dir, to, segs[i].name, err)) == ORDO_OK)
            (*moved)++;
    if (*moved) {
        sync_dir(to);
        sync_dir(dir);
    }
    free(segs);
    flock(lock, LOCK_UN);
    close(lock);
    return rc;
}
