/* Crash-safe file replacement: temporary file, fsync, rename, directory fsync. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

optima_status opt_atomic_file_open(opt_atomic_file *f, const char *path, opt_errslot *slot,
                                   const char *fn)
{
    f->fd = -1;
    f->failed = 0;
    const size_t len = strlen(path);
    OPT_RETURN_ERROR_IF(len == 0, slot, OPTIMA_EINVAL, "%s: argument 'path' is empty", fn);
    OPT_RETURN_ERROR_IF(len + sizeof(".tmp.XXXXXX") > OPT_PATH_CAPACITY, slot, OPTIMA_EINVAL,
                        "%s: argument 'path' is longer than %d bytes", fn,
                        OPT_PATH_CAPACITY - (int)sizeof(".tmp.XXXXXX"));
    memcpy(f->path, path, len + 1);
    snprintf(f->temp_path, sizeof f->temp_path, "%s.tmp.XXXXXX", path);
    f->fd = mkstemp(f->temp_path);
    OPT_RETURN_ERROR_IF(f->fd < 0, slot, OPTIMA_EIO, "%s: cannot create a temporary file beside '%s': %s",
                        fn, path, strerror(errno));
    return OPTIMA_OK;
}

int opt_atomic_file_write(void *user, const void *data, size_t size)
{
    opt_atomic_file *f = user;
    const unsigned char *p = data;
    while (size > 0 && !f->failed) {
        const ssize_t n = write(f->fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            f->failed = errno ? errno : EIO;
            break;
        }
        p += n;
        size -= (size_t)n;
    }
    return f->failed ? -1 : 0;
}

/* Make the rename itself durable: sync the directory that holds the entry. */
static void opt_sync_parent_directory(const char *path)
{
    char dir[OPT_PATH_CAPACITY];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof dir, ".");
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    const int fd = open(dir, O_RDONLY);
    if (fd < 0) return;
    (void)fsync(fd); /* best effort: some file systems refuse fsync on directories */
    close(fd);
}

optima_status opt_atomic_file_commit(opt_atomic_file *f, opt_errslot *slot, const char *fn)
{
    int err = f->failed;
    if (err == 0 && fsync(f->fd) != 0) err = errno;
    if (close(f->fd) != 0 && err == 0) err = errno;
    f->fd = -1;
    if (err == 0 && rename(f->temp_path, f->path) != 0) err = errno;
    if (err != 0) {
        unlink(f->temp_path);
        return opt_fail(slot, OPTIMA_EIO, "%s: cannot write '%s': %s", fn, f->path,
                        strerror(err));
    }
    opt_sync_parent_directory(f->path);
    return OPTIMA_OK;
}

void opt_atomic_file_abort(opt_atomic_file *f)
{
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    unlink(f->temp_path);
}

int opt_file_read(void *user, void *data, size_t size, size_t *got)
{
    FILE *file = user;
    *got = fread(data, 1, size, file);
    return ferror(file) ? -1 : 0;
}
