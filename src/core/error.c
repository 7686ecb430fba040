/* Failure recording: a per-handle slot plus a per-thread slot for calls without a handle. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Thread-local, not global: each thread reads only the failures it caused. */
static _Thread_local char opt_thread_message[OPT_MESSAGE_CAPACITY];

optima_status opt_fail(opt_errslot *slot, optima_status code, const char *fmt, ...)
{
    /* Format into a local buffer first: callers may pass a previous message (this
     * thread's or the slot's) as an argument, to wrap an inner failure. */
    char message[OPT_MESSAGE_CAPACITY];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    memcpy(opt_thread_message, message, sizeof message);
    if (slot != NULL) memcpy(slot->message, message, sizeof message);
    return code;
}

const char *opt_errslot_message(const opt_errslot *slot)
{
    return slot != NULL ? slot->message : "";
}

const char *optima_last_error(void)
{
    return opt_thread_message;
}
