/* Crash-safe file replacement: temporary file, fsync, rename, directory fsync. */
#include "atomic_file.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OPT_TEMP_SUFFIX ".tmp."
#define OPT_TEMP_RANDOM 6 /* as mkstemp's XXXXXX, so files left by older versions match */

/* The directory part of @p path ("." when there is none) and a pointer to its last
 * component. */
static const char *opt_split_path(const char *path, char dir[OPT_PATH_CAPACITY])
{
    snprintf(dir, OPT_PATH_CAPACITY, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        snprintf(dir, OPT_PATH_CAPACITY, ".");
        return path;
    }
    if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    return strrchr(path, '/') + 1;
}

static uint64_t opt_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* path.tmp.XXXXXX with six letters or digits that differ between processes, calls and
 * attempts; O_EXCL makes a collision a retry, never a shared file. */
static void opt_temp_name(opt_atomic_file *f, const char *path, unsigned attempt)
{
    static const char letters[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t z = opt_mix((uint64_t)getpid() << 32 ^ (uint64_t)now.tv_nsec ^
                         (uint64_t)now.tv_sec << 20 ^ (uint64_t)(uintptr_t)f ^ attempt);
    char random[OPT_TEMP_RANDOM + 1];
    for (int i = 0; i < OPT_TEMP_RANDOM; ++i, z /= 62) random[i] = letters[z % 62];
    random[OPT_TEMP_RANDOM] = '\0';
    snprintf(f->temp_path, sizeof f->temp_path, "%s" OPT_TEMP_SUFFIX "%s", path, random);
}

/* Created 0666 less the umask, as fopen would; a file being replaced lends its mode. */
static int opt_create_temp(opt_atomic_file *f, const char *path)
{
    for (unsigned attempt = 0; attempt < 100; ++attempt) {
        opt_temp_name(f, path, attempt);
        const int fd = open(f->temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST) continue;
        if (fd < 0) return -1;
        struct stat st;
        if (stat(path, &st) == 0 && fchmod(fd, st.st_mode & 07777) != 0) {
            const int err = errno;
            close(fd);
            unlink(f->temp_path);
            errno = err;
            return -1;
        }
        return fd;
    }
    errno = EEXIST;
    return -1;
}

optima_status opt_atomic_file_open(opt_atomic_file *f, const char *path, const opt_errslot *slot,
                                   const char *fn)
{
    f->fd = -1;
    f->failed = 0;
    const size_t len = strlen(path);
    const size_t suffix = sizeof OPT_TEMP_SUFFIX - 1 + OPT_TEMP_RANDOM + 1;
    OPT_RETURN_ERROR_IF(len == 0, slot, OPTIMA_EINVAL, "%s: argument 'path' is empty", fn);
    OPT_RETURN_ERROR_IF(len + suffix > OPT_PATH_CAPACITY, slot, OPTIMA_EINVAL,
                        "%s: argument 'path' is longer than %d bytes", fn,
                        OPT_PATH_CAPACITY - (int)suffix);
    memcpy(f->path, path, len + 1);
    f->fd = opt_create_temp(f, path);
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
static void opt_sync_directory(const char *dir)
{
    const int fd = open(dir, O_RDONLY);
    if (fd < 0) return;
    (void)fsync(fd); /* best effort: some file systems refuse fsync on directories */
    close(fd);
}

static int opt_is_temp_of(const char *name, const char *base, size_t base_len)
{
    const size_t suffix = sizeof OPT_TEMP_SUFFIX - 1;
    if (strncmp(name, base, base_len) != 0 || strncmp(name + base_len, OPT_TEMP_SUFFIX, suffix) != 0)
        return 0;
    const char *random = name + base_len + suffix;
    if (strlen(random) != OPT_TEMP_RANDOM) return 0;
    for (int i = 0; i < OPT_TEMP_RANDOM; ++i)
        if (!isalnum((unsigned char)random[i])) return 0;
    return 1;
}

/* Temporary files of this target left by saves that were killed before their rename:
 * after a successful save they can only be debris (a save running concurrently on the
 * same path would lose its file and fail cleanly; the target stays whole). */
static void opt_remove_stale_temps(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (d == NULL) return;
    const size_t base_len = strlen(base);
    struct dirent *e;
    char victim[2 * OPT_PATH_CAPACITY];
    while ((e = readdir(d)) != NULL) {
        if (!opt_is_temp_of(e->d_name, base, base_len)) continue;
        snprintf(victim, sizeof victim, "%s/%s", dir, e->d_name);
        (void)unlink(victim);
    }
    closedir(d);
}

optima_status opt_atomic_file_commit(opt_atomic_file *f, const opt_errslot *slot, const char *fn)
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
    char dir[OPT_PATH_CAPACITY];
    const char *base = opt_split_path(f->path, dir);
    opt_sync_directory(dir);
    opt_remove_stale_temps(dir, base);
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
