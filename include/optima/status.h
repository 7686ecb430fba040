/**
 * @file status.h
 * @brief Status codes returned by every fallible function, their messages, and the one
 *        rule for where a failure's message is recorded.
 *
 * Every function that can fail returns an ::optima_status; `OPTIMA_OK` (0) means
 * success and results are then in the out-parameters. On failure out-parameters are
 * left untouched unless the function says otherwise.
 *
 * **The error rule.** This is the only place it is stated; the other headers and the
 * manual refer here.
 *
 * - Every failing call records a message naming the function and the argument at fault
 *   in the calling thread's slot, read with optima_last_error().
 * - A failing call *made on a handle* records the same message in that handle too, read
 *   with the handle's `_last_error` function (optima_context_last_error(),
 *   optima_model_last_error(), optima_loss_last_error(), optima_scheduler_last_error(),
 *   optima_trainer_last_error()). A call is made on a handle when the function is named
 *   after the handle's type (`optima_trainer_...`) and its first argument is a non-NULL
 *   handle of that type. Const functions (getters and queries) are no exception: a
 *   handle's message is not part of its state, as SQLite's `sqlite3_errmsg()` is not
 *   part of a connection's, so a const call that fails replaces it too.
 * - Calls without a handle record in the thread's slot only: the create functions, a
 *   call given a NULL handle, and the stateless functions (math.h, mapping.h).
 * - A call that fails because a call it made on another handle failed (a trainer on its
 *   losses, its scheduler or its models) records its own message as above, naming the
 *   outer function first (usually followed by the inner message); the other handle keeps
 *   the inner message.
 * - Successful calls clear neither message: read a message right after the call that
 *   failed.
 * - The context's and the model's const functions may run on several threads at once
 *   (context.h, model.h); their failures' writes to the handle's message are serialised,
 *   and the handle's message is then that of one of the failing calls. Read such a
 *   shared handle's message only while no other thread may fail on it; the thread's
 *   message is always the calling thread's own.
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
 * Every failing call records its message here (the error rule above), including create
 * functions that have no handle yet.
 *
 * @return a NUL-terminated string owned by the library, valid until the calling thread's
 *         next failing call; `""` when nothing has failed on this thread. Never NULL.
 *         Thread-safe: each thread has its own slot.
 */
OPTIMA_API const char *optima_last_error(void);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_STATUS_H */
