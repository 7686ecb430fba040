/* Private header: the one error idiom of liboptima's sources. Not installed.
 *
 * The rule it implements is stated once, for users, in include/optima/status.h: every
 * failing call records its message in the calling thread's slot and, when the call is
 * made on a handle, in that handle's slot too, const functions included. */
#ifndef OPT_CORE_ERROR_H
#define OPT_CORE_ERROR_H

#include <stdatomic.h>

#include <optima/status.h>

/* Each handle embeds one of these; the last failure on the handle is kept here.
 *
 * The slot is not part of its handle's logical state (as sqlite3_errmsg's message is
 * not part of the connection's): const functions record through it too, so the
 * functions below take a const slot and write through it. That is defined because every
 * handle is a heap block, never an object defined const.
 *
 * 'writing' serialises the writers: a model's and a context's const functions may run
 * on several threads at once (model.h, context.h) and more than one may fail. A slot must
 * start zeroed (the handles are calloc'ed; a slot on the stack needs a memset): zero bytes
 * are a clear flag on every platform we build for, and garbage would be a flag held. */
#define OPT_MESSAGE_CAPACITY 320
typedef struct opt_errslot {
    atomic_flag writing;
    char message[OPT_MESSAGE_CAPACITY];
} opt_errslot;

/* Record a failure in @p slot (may be NULL: a call without a handle) and in the calling
 * thread's slot, and return @p code so that a caller can write `return opt_fail(...)`. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
optima_status opt_fail(const opt_errslot *slot, optima_status code, const char *fmt, ...);

/* Record an inner call's failure as the public caller's own: the message becomes
 * "fn: <the inner message>", the inner message being the thread's (every failing call
 * records its message there). The one way a function reports a failure of a public call
 * it made on another handle or of a private check that names no function. */
optima_status opt_fail_inner(const opt_errslot *slot, optima_status code, const char *fn);

/* The slot's message, or "" for a NULL slot. */
const char *opt_errslot_message(const opt_errslot *slot);

/* zstd-style one-line error handling. Messages start with the public function's name
 * and name the argument at fault. */
#define OPT_RETURN_ERROR_IF(cond, slot, code, ...)          \
    do {                                                    \
        if (cond) return opt_fail((slot), (code), __VA_ARGS__); \
    } while (0)

#define OPT_FORWARD_IF_ERROR(expr)                  \
    do {                                            \
        optima_status opt_forward_status_ = (expr); \
        if (opt_forward_status_ != OPTIMA_OK) return opt_forward_status_; \
    } while (0)

/* Forward the failure of @p expr, a public call on another handle, as the failure of
 * public function @p fn on @p slot's handle (see opt_fail_inner). */
#define OPT_FORWARD_INNER_IF_ERROR(expr, slot, fn)                                        \
    do {                                                                                  \
        optima_status opt_forward_status_ = (expr);                                       \
        if (opt_forward_status_ != OPTIMA_OK)                                             \
            return opt_fail_inner((slot), opt_forward_status_, (fn));                     \
    } while (0)

/* Discard the status of a call that cannot fail here (valid handle and indices), where
 * a must-use status would otherwise need a variable. */
static inline void opt_ignore_status(optima_status status)
{
    (void)status;
}

#define OPT_CHECK_NOT_NULL(slot, func, arg) \
    OPT_RETURN_ERROR_IF((arg) == NULL, (slot), OPTIMA_EINVAL, "%s: argument '%s' is NULL", (func), #arg)

#endif /* OPT_CORE_ERROR_H */
