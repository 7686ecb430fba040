/* Private header: the context's worker threads, which run the parts of a pass that the
 * calling thread hands them and sleep between passes. Not installed.
 *
 * The pool belongs to one context and is made lazily: its first worker starts when a
 * pass first asks for one, and more start when a later pass asks for more, up to the
 * context's thread count − 1. It serves one pass at a time: a pass that finds it busy
 * (another host thread's pass on the same context, which math.h's reentrancy allows) is
 * told so at once and never waits. A worker sleeps on a condition variable between passes
 * and never spins: the cores are shared with BLIS's threads and other processes.
 *
 * fork(): a child gets a copy of the parent's pool but none of its threads. The pool
 * records the process that started it; a pass in another process abandons it (neither
 * joined nor signalled: its threads and waiters do not exist there) and starts afresh. */
#ifndef OPT_CORE_POOL_H
#define OPT_CORE_POOL_H

#include <stddef.h>

#include <optima/context.h>

/* One thread's share of a pass: @p worker is 0 on the calling thread, 1 … on the pool's.
 * The function must get the pass's work done however many threads run it: the caller's
 * call runs to the end, and a worker that has not picked up the pass by then is let off
 * (dynamic claiming of pieces of work does this naturally). */
typedef void (*opt_pool_fn)(void *arg, size_t worker);

/* Run @p fn(arg, 0) on the calling thread and fn(arg, w) on up to @p threads − 1 of the
 * context's workers (w = 1, 2, …, each at most once), starting workers the pool lacks;
 * returns when every call made has returned. Returns 1 when the pass ran here (also on
 * the caller's thread alone, when no worker could be started), 0 when the pool is busy
 * with another pass: then nothing ran and the caller finds other threads itself.
 *
 * The context is const for its callers (math.h's functions take a const context): the
 * pool is not part of its logical state, as the error slot is not (error.h), and is
 * reached only while the pass holds the context's busy flag.
 *
 * @p fn must not run a pass of its own on the same context: no kernel does, and if one
 * did it would find the pool busy and use other threads, not deadlock. */
int opt_pool_run(const optima_context *ctx, size_t threads, opt_pool_fn fn, void *arg);

/* Join the context's workers and free the pool (a pool another process started is only
 * freed). For optima_context_destroy and a change of thread count; no pass may run. */
void opt_pool_stop(optima_context *ctx);

#endif /* OPT_CORE_POOL_H */
