/**
 * @file context.h
 * @brief The context: allocator, thread count and log sink that every handle is made from.
 *
 * A context holds no global state and touches none: two contexts in one process are fully
 * independent (different allocators, different BLIS thread counts). Handles created from a
 * context borrow it; destroy them before the context.
 *
 * Thread safety: a context may be shared by handles used from several threads only while
 * none of its setters is being called; its setters must not run concurrently with any use
 * of the context or of a handle made from it. Its getters, optima_context_last_error() and
 * the stateless functions of math.h may be called from several threads at once.
 *
 * Worker threads (since 1.1): the row passes of the losses (math.h, loss.h) run on the
 * calling thread and on worker threads that the context owns and keeps between calls, so
 * that a pass only wakes them. There are at most the thread count − 1 of them
 * (optima_context_set_threads(); at most 63, the number of row blocks − 1): the first
 * pass that wants more than the caller's thread starts them, fewer when no pass had work
 * enough for more. Between passes they sleep on a condition variable (they never spin;
 * the calling thread spins at most 20 µs at the end of a pass, while a worker finishes
 * its last block), and they block every signal. optima_context_destroy() and a change of
 * the thread count stop and join them; a context whose thread count is 1 starts none.
 * Their memory comes from the context's allocator. One pass at a time uses them: when
 * host threads share a context, a pass that finds the workers busy starts threads of its
 * own for that pass, and the results are the same bits either way. If no thread can be
 * started, the pass runs on the calling thread.
 *
 * fork(): a child process may go on using a context whose workers were started by the
 * parent. The child has none of the parent's threads; the context notices that it is in
 * another process and starts workers of its own there (the parent's are left alone, and
 * are neither waited for nor signalled by the child, optima_context_destroy() included).
 * A child forked while another of the parent's threads was inside a pass on the context
 * finds the workers busy for good and starts threads per pass.
 */
#ifndef OPTIMA_CONTEXT_H
#define OPTIMA_CONTEXT_H

#include "common.h"
#include "status.h"

OPTIMA_EXTERN_C_BEGIN

/** @brief Opaque context handle. */
typedef struct optima_context optima_context;

/**
 * @brief Allocation hook: return @p size bytes of memory, or NULL on failure.
 * @param user the allocator's user data, as given in ::optima_allocator.
 * @param size number of bytes wanted; never 0.
 */
typedef void *(*optima_alloc_fn)(void *user, size_t size);

/**
 * @brief Release hook: free memory returned by the matching ::optima_alloc_fn.
 * @param user the allocator's user data.
 * @param ptr a pointer the alloc hook returned; never NULL.
 */
typedef void (*optima_free_fn)(void *user, void *ptr);

/**
 * @brief Host allocator hooks, passed to optima_context_create_with_allocator().
 *
 * Frozen layout. `struct_size` must be set to `sizeof(optima_allocator)` as the caller
 * knows it; members past that size are never read, so later versions only append.
 * The library aligns what it needs itself: the hooks need only malloc's alignment.
 */
typedef struct optima_allocator {
    uint32_t struct_size;  /**< `sizeof(optima_allocator)`. */
    uint32_t reserved;     /**< Must be 0. */
    void *user;            /**< Passed first to both hooks. */
    optima_alloc_fn alloc; /**< Allocation hook; required. */
    optima_free_fn free;   /**< Release hook; required. */
} optima_allocator;

/** @cond OPTIMA_INTERNAL */
OPTIMA_STATIC_ASSERT(offsetof(optima_allocator, user) == 8, "optima_allocator layout is frozen");
OPTIMA_STATIC_ASSERT(offsetof(optima_allocator, alloc) == 8 + sizeof(void *),
                     "optima_allocator layout is frozen");
OPTIMA_STATIC_ASSERT(offsetof(optima_allocator, free) == 8 + 2 * sizeof(void *),
                     "optima_allocator layout is frozen");
OPTIMA_STATIC_ASSERT(sizeof(optima_allocator) == 8 + 3 * sizeof(void *),
                     "optima_allocator layout is frozen");
/** @endcond */

/** @brief Severity of a log message; a sink receives messages at or above its level. */
enum optima_log_level {
    OPTIMA_LOG_ERROR = 1, /**< A call failed; the message is also in the error slots. */
    OPTIMA_LOG_WARN = 2,  /**< Something worked but deserves attention. */
    OPTIMA_LOG_INFO = 3,  /**< Progress: rounds, checkpoints. */
    OPTIMA_LOG_DEBUG = 4  /**< Details for developers. */
};

/**
 * @brief Log sink: receives one NUL-terminated message at a time.
 * @param user the user data given to optima_context_set_log().
 * @param level one of ::optima_log_level.
 * @param message valid only during the call.
 * The sink is called on the thread that made the call being logged.
 */
typedef void (*optima_log_fn)(void *user, int32_t level, const char *message);

/**
 * @brief Create a context that allocates with the C library's malloc and free.
 *
 * Defaults: no log sink; the thread count follows the BLAS convention (BLIS,
 * OpenBLAS): the environment variable `BLIS_NUM_THREADS` when it holds an integer from 1
 * to 1024, else `OMP_NUM_THREADS` when it does (of a comma-separated list, the first),
 * else 1 (since 1.1; 1.0 always took 1). The variables are read once, here: changing
 * them later does not change the context; optima_context_set_threads() does.
 * @param[out] out receives the new context; untouched on failure.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if @p out is NULL; `OPTIMA_ENOMEM`.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_context_create(optima_context **out);

/**
 * @brief Create a context whose every allocation, its own included, goes through
 *        the host's hooks.
 *
 * Defaults as optima_context_create()'s (the thread count from the environment).
 * @param allocator hooks; copied, so it need not outlive the call. `struct_size` must be
 *        at least the size of the members up to `free`, `reserved` 0, both hooks non-NULL.
 * @param[out] out receives the new context; untouched on failure.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` naming the bad argument; `OPTIMA_ENOMEM`.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_context_create_with_allocator(
    const optima_allocator *allocator, optima_context **out);

/**
 * @brief Destroy a context. Every handle made from it must be gone first.
 *
 * Stops and joins the context's worker threads (see above) before it returns; no call
 * may be using the context.
 * @param ctx the context, or NULL (then nothing happens).
 */
OPTIMA_API void optima_context_destroy(optima_context *ctx);

/**
 * @brief Set how many threads BLIS may use for this context's matrix products, and the
 *        losses' row passes too.
 *
 * The count lives in a per-context BLIS runtime object: it never changes another context
 * or the process-wide BLIS setting. The row passes of the losses (math.h) use up to as
 * many threads, the caller's and the context's workers (see above), with results
 * bit-identical for every count. A new count stops and joins the workers at once; the
 * next pass that wants workers starts the new number. Default: `BLIS_NUM_THREADS`, else
 * `OMP_NUM_THREADS`, else 1, read when the context was created (optima_context_create()).
 * @param ctx the context.
 * @param threads 1 to 1024.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL context or a count out of range.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_context_set_threads(optima_context *ctx,
                                                                     int32_t threads);

/**
 * @brief Read the thread count set with optima_context_set_threads().
 * @param ctx the context.
 * @param[out] threads receives the count.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_context_get_threads(const optima_context *ctx,
                                                                     int32_t *threads);

/**
 * @brief Send the library's log messages at @p level or more severe to @p sink.
 *
 * @param ctx the context.
 * @param sink the sink, or NULL to stop logging (the default).
 * @param user passed first to every call of @p sink.
 * @param level one of ::optima_log_level.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL context or an unknown level.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_context_set_log(optima_context *ctx,
                                                                 optima_log_fn sink, void *user,
                                                                 int32_t level);

/**
 * @brief Read the log sink, its user data and its level, as set with
 *        optima_context_set_log() (since 1.1).
 * @param ctx the context.
 * @param[out] sink receives the sink, or NULL when none is set (the default).
 * @param[out] user receives the user data given with the sink (NULL by default).
 * @param[out] level receives one of ::optima_log_level (default ::OPTIMA_LOG_WARN).
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` for a NULL argument (then nothing is written).
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_context_get_log(const optima_context *ctx,
                                                                 optima_log_fn *sink,
                                                                 void **user, int32_t *level);

/**
 * @brief The name of the BLIS configuration (kernel set) that runs this context's matrix
 *        products, as BLIS names it: `"skx"`, `"zen3"`, `"haswell"`, `"generic"`, …
 *
 * BLIS picks its configuration for the whole process when it initialises (the context
 * initialises it if the host did not), from the CPU or from the environment variable
 * `BLIS_ARCH_TYPE`. The library reads that choice and never changes it. When BLIS runs
 * `generic` on an x86-64 CPU that a compiled-in configuration suits (AVX-512F/DQ/CD/BW/VL:
 * `skx`; AVX2 and FMA: `zen3` or `haswell`), the context logs one ::OPTIMA_LOG_WARN
 * message naming `BLIS_ARCH_TYPE` and the value to set before the process starts; it is
 * delivered to the first sink set with optima_context_set_log() at a level that admits it.
 * @param ctx the context.
 * @param[out] name receives a NUL-terminated string owned by BLIS, valid for the life of
 *        the process.
 * @return `OPTIMA_OK`; `OPTIMA_EINVAL` if an argument is NULL.
 */
OPTIMA_API OPTIMA_NODISCARD optima_status optima_context_get_blis_arch(const optima_context *ctx,
                                                                       const char **name);

/**
 * @brief The message of the last call that failed on this context.
 * @param ctx the context, or NULL.
 * @return a NUL-terminated string owned by the context, valid until its next failing
 *         call; `""` if none failed or @p ctx is NULL. Never NULL.
 */
OPTIMA_API const char *optima_context_last_error(const optima_context *ctx);

OPTIMA_EXTERN_C_END

#endif /* OPTIMA_CONTEXT_H */
