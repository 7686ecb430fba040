/* Failure recording: a per-handle slot plus a per-thread slot for calls without a handle. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Thread-local, not global: each thread reads only the failures it caused. */
static _Thread_local char opt_thread_message[OPT_MESSAGE_CAPACITY];

static void opt_record(const opt_errslot *slot, const char *message)
{
    memcpy(opt_thread_message, message, OPT_MESSAGE_CAPACITY);
    if (slot == NULL) return;
    opt_errslot *writable = (opt_errslot *)slot; /* the message is not state: error.h */
    while (atomic_flag_test_and_set_explicit(&writable->writing, memory_order_acquire)) {
    }
    memcpy(writable->message, message, OPT_MESSAGE_CAPACITY);
    atomic_flag_clear_explicit(&writable->writing, memory_order_release);
}

optima_status opt_fail(const opt_errslot *slot, optima_status code, const char *fmt, ...)
{
    /* Format into a local buffer first: callers may pass a previous message (this
     * thread's or the slot's) as an argument, to wrap an inner failure. */
    char message[OPT_MESSAGE_CAPACITY];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    opt_record(slot, message);
    return code;
}

optima_status opt_fail_inner(const opt_errslot *slot, optima_status code, const char *fn)
{
    return opt_fail(slot, code, "%s: %s", fn, opt_thread_message);
}

const char *opt_errslot_message(const opt_errslot *slot)
{
    return slot != NULL ? slot->message : "";
}

const char *optima_last_error(void)
{
    return opt_thread_message;
}
