/* Private header: crash-safe file replacement for checkpoints. Not installed.
 *
 * The new content goes to a temporary file beside the target; commit flushes it to disk
 * (fsync), renames it over the target (atomic on POSIX file systems) and syncs the
 * directory, so after a crash the path holds either the old file or the whole new one.
 *
 * The temporary file is `<path>.tmp.` and six letters or digits, created with mode 0666
 * less the umask (as fopen creates files) or, when the target exists, with the target's
 * mode. A successful commit removes every other `<path>.tmp.XXXXXX` beside it: what saves
 * killed before their rename left behind. */
#ifndef OPT_CORE_ATOMIC_FILE_H
#define OPT_CORE_ATOMIC_FILE_H

#include <stddef.h>

#include "error.h"

#define OPT_PATH_CAPACITY 4096

typedef struct opt_atomic_file {
    int fd;
    int failed; /* a write failed; commit will refuse */
    char path[OPT_PATH_CAPACITY];
    char temp_path[OPT_PATH_CAPACITY];
} opt_atomic_file;

/* Create the temporary file. @p fn names the public function for messages. */
optima_status opt_atomic_file_open(opt_atomic_file *f, const char *path, const opt_errslot *slot,
                                   const char *fn);
/* An optima_write_fn whose user data is an opt_atomic_file. */
int opt_atomic_file_write(void *user, const void *data, size_t size);
/* Flush, rename over the target, sync the directory, remove stale temporary files of the
 * target. On failure the target is untouched and the temporary file removed (stale ones
 * are kept). */
optima_status opt_atomic_file_commit(opt_atomic_file *f, const opt_errslot *slot, const char *fn);
/* Give up: remove the temporary file; the target is untouched. */
void opt_atomic_file_abort(opt_atomic_file *f);

/* An optima_read_fn whose user data is a FILE *. */
int opt_file_read(void *user, void *data, size_t size, size_t *got);

#endif /* OPT_CORE_ATOMIC_FILE_H */
