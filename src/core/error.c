/* Failure recording: a per-handle slot plus a per-thread slot for calls without a handle. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Thread-local, not global: each thread reads only the failures it caused. */
static _Thread_local char opt_thread_message[OPT_MESSAGE_CAPACITY];

optima_status opt_fail(opt_errslot *slot, optima_status code, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(opt_thread_message, sizeof opt_thread_message, fmt, args);
    va_end(args);
    if (slot != NULL) memcpy(slot->message, opt_thread_message, sizeof slot->message);
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
