/* SPDX-License-Identifier: Apache-2.0 */
/* ordo CLI — where a command's result goes. Every command prints to
 * standard output; --out FILE points standard output at FILE for the run:
 * a regular file (or a new one) through a temporary file renamed into place
 * only when the command succeeds, so a failed run leaves the old file
 * whole; a FIFO, a device or the target of a symlink written through and
 * never replaced. A write error is exit 74, an output that cannot be
 * created 73, in every command. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int cannot_create(const char *path, int e)
{
    fprintf(stderr, "ordo: cannot create '%s': %s\n", path, strerror(e));
    return ORDO_EXIT_CANTCREAT;
}

/* Opens the file to write: fd >= 0, or -errno. */
static int open_target(ordo_cli_output_t *o, const char *path)
{
    struct stat st;
    snprintf(o->path, sizeof o->path, "%s", path);
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char real[PATH_MAX];
        if (!realpath(path, real)) { /* dangling: create its target through it */
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
            return fd < 0 ? -errno : fd;
        }
        snprintf(o->path, sizeof o->path, "%s", real);
    }
    bool exists = stat(o->path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        return -EISDIR;
    if (exists && !S_ISREG(st.st_mode)) { /* a FIFO, a device, a socket */
        int fd = open(o->path, O_WRONLY);
        return fd < 0 ? -errno : fd;
    }
    o->atomic = true;
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.XXXXXX", o->path);
    int fd = mkstemp(o->tmp);
    if (fd < 0)
        return -errno;
    mode_t mode;
    if (exists) {
        mode = st.st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    (void)fchmod(fd, mode);
    return fd;
}

int ordo_cli_output_begin(ordo_cli_output_t *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->saved_fd = -1;
    if (!path || !strcmp(path, "-"))
        return 0;
    int fd = open_target(o, path);
    if (fd < 0)
        return cannot_create(path, -fd);
    fflush(stdout);
    o->saved_fd = dup(STDOUT_FILENO);
    if (o->saved_fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
        int e = errno;
        close(fd);
        if (o->atomic)
            unlink(o->tmp);
        return cannot_create(path, e);
    }
    close(fd);
    o->active = true;
    return 0;
}

int ordo_cli_output_end(ordo_cli_output_t *o, int exit_code, bool commit)
{
    int werr = 0;
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout))
        werr = errno ? errno : EIO;
    struct stat st;
    /* a batch that reported bad lines in its output (65) keeps the output */
    if (o->active && o->atomic && !commit && exit_code == ORDO_EXIT_DATA &&
        fstat(STDOUT_FILENO, &st) == 0 && st.st_size > 0)
        commit = true;
    if (o->active && o->atomic && !werr && commit && fsync(STDOUT_FILENO) != 0)
        werr = errno;
    if (o->active) {
        dup2(o->saved_fd, STDOUT_FILENO);
        close(o->saved_fd);
        clearerr(stdout);
        if (o->atomic) {
            if (commit && !werr && rename(o->tmp, o->path) != 0)
                werr = errno;
            if (!commit || werr)
                unlink(o->tmp);
        }
    }
    if (werr) {
        fprintf(stderr, "ordo: cannot write %s: %s\n", o->active ? o->path : "standard output",
                strerror(werr));
        return exit_code == ORDO_EXIT_OK || exit_code == ORDO_EXIT_FAIL ? ORDO_EXIT_IO : exit_code;
    }
    return exit_code;
}
