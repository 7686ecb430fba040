/**
 * @file status.h
 * @brief Status codes returned by every fallible function, and their messages.
 *
 * Every function that can fail returns an ::optima_status; `OPTIMA_OK` (0) means
 * success and results are then in the out-parameters. On failure out-parameters are
 * left untouched unless the function says otherwise, and a message naming the function
 * and the argument at fault is recorded twice: in the handle the call was made on
 * (read it with that handle's `_last_error` function) and in the calling thread's slot
 * (read it with optima_last_error()), which also serves calls made before any handle
 * exists, such as create functions.
 *
 * Codes are pinned: they are never renumbered or reused, and new ones are only appended.
 */
#ifndef OPTIMA_STATUS_H
#define OPTIMA_STATUS_H

#include "common.h"

OPTIMA_EXTERN_C_BEGIN

/** @brief A status code: one of ::optima_status_code, as a fixed-width integer. */
typedef int32_t optima_status;

/** @brief The values an ::optima_status takes. Values are fixed forever. */
enum optima_status_code {
    OPTIMA_OK = 0,           /**< Success. */
    OPTIMA_EINVAL = 1,       /**< An argument is invalid (NULL, out of range, unknown enum value). */
    OPTIMA_ENOMEM = 2,       /**< An allocation failed; nothing was changed. */
    OPTIMA_EOVERFLOW = 3,    /**< Sizes whose product or sum does not fit in memory. */
    OPTIMA_ESHAPE = 4,       /**< Tensor shapes that do not fit each other. */
    OPTIMA_ENONFINITE = 5,   /**< A NaN or infinity in inputs or results; no output was written. */
    OPTIMA_ESTATE = 6,       /**< The call does not fit the handle's current state (order of calls). */
    OPTIMA_ECALLBACK = 7,    /**< A host callback returned non-zero; the work stopped cleanly. */
    OPTIMA_EIO = 8,          /**< Reading or writing a file or stream failed. */
    OPTIMA_EFORMAT = 9,      /**< Bytes that are not a valid stream of the expected kind (bad magic, truncated). */
    OPTIMA_ECHECKSUM = 10,   /**< A stream whose checksum does not match its content. */
    OPTIMA_EVERSION = 11,    /**< A stream written by a newer format version than this library reads. */
    OPTIMA_EMISMATCH = 12,   /**< A stream made for different models, modules or settings. */
    OPTIMA_ENOTFOUND = 13,   /**< A name or index that does not exist. */
    OPTIMA_EUNSUPPORTED = 14,/**< A valid request this build or handle cannot serve. */
    OPTIMA_EINTERNAL = 15    /**< A bug in liboptima; please report it with the message. */
};

/**
 * @brief A short, static English name for a status code, e.g. `"invalid argument"`.
 *
 * @param status any value; unknown values give `"unknown status"`.
 * @return a static NUL-terminated string; never NULL. Reentrant.
 */
OPTIMA_API const char *optima_status_string(optima_status status);

/**
 * @brief The message of the last failure on the calling thread.
 *
 * Every failing call records its message here, including create functions that have no
 * handle yet. Successful calls do not clear it: read it right after a call that failed.
 *
 * @return a NUL-terminated string owned by the library, valid until the calling thread's
 *         next failing call; `""` when nothing has failed on this thread. Never NULL.
 *         Thread-safe: each thread has its own slot.
 */
OPTIMA_API const char *optima_last_error(void);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_STATUS_H */
