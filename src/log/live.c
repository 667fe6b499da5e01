/* SPDX-License-Identifier: Apache-2.0 */
/* ordo log — the live mark: how far the live segment is proven. The
 * writer publishes, in the LOCK file, the segment it appends to and where
 * its durable records end; readers learn from it where they may read
 * without meeting a block the writer is rewriting, and from an OFD lock
 * on the same file whether a writer is there at all. See
 * docs/internals/LOG.md, "Reading the live segment". */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/xxh3_internal.h"
#include "log_internal.h"

#define LIVE_MAGIC "ORDOLIV1"
#define LIVE_BYTES 40u /* magic, segment first seq, durable length, durable seq, XXH3-64 */

static int live_lock(int fd, short type, int cmd)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    int rc;
    while ((rc = fcntl(fd, cmd, &fl)) != 0 && errno == EINTR) {
    }
    return rc;
}

int log_live_begin(int lock_fd, uint32_t wait_ms)
{
    /* no mark until recovery has run: a reader that finds the writer's
     * lock and no mark reads nothing of the last segment */
    static const uint8_t zero[LIVE_BYTES];
    (void)!pwrite(lock_fd, zero, sizeof zero, 0);
    /* waits for readers that hold the read lock to classify a tail (a
     * map and a copy: milliseconds), but not for one that stopped there */
    uint64_t waited_us = 0;
    for (uint32_t pause_us = 100;; pause_us = pause_us < 50000 ? 2 * pause_us : pause_us) {
        if (live_lock(lock_fd, F_WRLCK, F_OFD_SETLK) == 0)
            return ORDO_OK;
        if (errno != EAGAIN && errno != EACCES)
            return ORDO_OK; /* no OFD locks here: readers know nothing of a writer, as before */
        if (waited_us >= (uint64_t)wait_ms * 1000)
            return ORDO_EBUSY;
        usleep(pause_us);
        waited_us += pause_us;
    }
}

void log_live_publish(int lock_fd, uint64_t seg_first_seq, uint64_t durable_len,
                      uint64_t durable_seq)
{
    uint8_t b[LIVE_BYTES];
    memcpy(b, LIVE_MAGIC, 8);
    log_put64(b + 8, seg_first_seq);
    log_put64(b + 16, durable_len);
    log_put64(b + 24, durable_seq);
    log_put64(b + 32, core_xxh3_64(b, 32, 0));
    /* nothing to do when it fails: readers then prove less, never more */
    (void)!pwrite(lock_fd, b, sizeof b, 0);
}

/* The mark in fd, when it reads whole (a read beside the writer's pwrite
 * may see part of each: read again). */
static bool read_mark(int fd, log_live_t *lv)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        uint8_t b[LIVE_BYTES];
        if (pread(fd, b, sizeof b, 0) != (ssize_t)sizeof b)
            return false;
        if (memcmp(b, LIVE_MAGIC, 8) != 0)
            return false;
        if (log_get64(b + 32) == core_xxh3_64(b, 32, 0)) {
            lv->seg_first_seq = log_get64(b + 8);
            lv->durable_len = log_get64(b + 16);
            lv->durable_seq = log_get64(b + 24);
            return true;
        }
        sched_yield();
    }
    return false;
}

void log_live_probe(const char *dir, log_live_t *lv)
{
    memset(lv, 0, sizeof *lv);
    lv->fd = -1;
    char path[4200];
    snprintf(path, sizeof path, "%s/LOCK", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return; /* no writer ever opened this copy of a log */
    if (live_lock(fd, F_RDLCK, F_OFD_SETLK) != 0) {
        /* EAGAIN: a writer holds it; anything else (no OFD locks on this
         * file system): nothing is known of a writer, as before the mark */
        lv->live = errno == EAGAIN || errno == EACCES;
        lv->have_mark = lv->live && read_mark(fd, lv);
        close(fd);
        return;
    }
    lv->fd = fd; /* holding the read lock: no writer opens until released */
    lv->have_mark = read_mark(fd, lv);
}

void log_live_release(log_live_t *lv)
{
    if (lv->fd >= 0)
        close(lv->fd); /* releases the OFD lock */
    lv->fd = -1;
}
