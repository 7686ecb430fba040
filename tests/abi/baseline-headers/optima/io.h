/**
 * @file io.h
 * @brief Byte-stream callbacks through which checkpoints and saved states travel.
 *
 * Saved states are versioned byte streams whose format is independent of the ABI. A host
 * that keeps them somewhere other than a file (a database, an object store, a socket)
 * supplies these two callbacks; file-path conveniences are built on top of them.
 */
#ifndef OPTIMA_IO_H
#define OPTIMA_IO_H

#include "common.h"

OPTIMA_EXTERN_C_BEGIN

/**
 * @brief Write sink: consume all @p size bytes at @p data.
 * @param user the user data given with the callback.
 * @param data the bytes to consume; valid only during the call.
 * @param size how many bytes; never 0.
 * @return 0 when every byte was taken; non-zero to stop the save, which then fails with
 *         `OPTIMA_ECALLBACK`.
 */
typedef int (*optima_write_fn)(void *user, const void *data, size_t size);

/**
 * @brief Read source: fill up to @p size bytes at @p data.
 * @param user the user data given with the callback.
 * @param[out] data where to store the bytes.
 * @param size room at @p data; never 0.
 * @param[out] got receives how many bytes were stored; fewer than @p size only at the end
 *        of the stream.
 * @return 0 on success (end of stream included); non-zero to stop the load, which then
 *         fails with `OPTIMA_ECALLBACK`.
 */
typedef int (*optima_read_fn)(void *user, void *data, size_t size, size_t *got);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_IO_H */
