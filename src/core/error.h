/* Private header: the one error idiom of liboptima's sources. Not installed. */
#ifndef OPT_CORE_ERROR_H
#define OPT_CORE_ERROR_H

#include <optima/status.h>

/* Each handle embeds one of these; the last failure on the handle is kept here. */
#define OPT_MESSAGE_CAPACITY 320
typedef struct opt_errslot {
    char message[OPT_MESSAGE_CAPACITY];
} opt_errslot;

/* Record a failure in @p slot (may be NULL) and in the calling thread's slot, and return
 * @p code so that a caller can write `return opt_fail(...)`. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
optima_status opt_fail(opt_errslot *slot, optima_status code, const char *fmt, ...);

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

/* Discard the status of a call that cannot fail here (valid handle and indices), where
 * a must-use status would otherwise need a variable. */
static inline void opt_ignore_status(optima_status status)
{
    (void)status;
}

#define OPT_CHECK_NOT_NULL(slot, func, arg) \
    OPT_RETURN_ERROR_IF((arg) == NULL, (slot), OPTIMA_EINVAL, "%s: argument '%s' is NULL", (func), #arg)

#endif /* OPT_CORE_ERROR_H */
