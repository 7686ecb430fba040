/* Private header: the context's layout and the allocation and logging helpers every
 * other part of the library uses. Not installed. */
#ifndef OPT_CORE_CONTEXT_IMPL_H
#define OPT_CORE_CONTEXT_IMPL_H

#include <blis.h>
#include <optima/context.h>

#include "error.h"

struct optima_context {
    optima_allocator allocator;
    int32_t threads;
    rntm_t rntm; /* BLIS runtime object: this context's thread count, no global state */
    optima_log_fn log_sink;
    void *log_user;
    int32_t log_level;
    opt_errslot error;
    const char *blis_arch;  /* the configuration BLIS runs (a BLIS-owned string) */
    int blis_advice_value;  /* BLIS_ARCH_TYPE to advise, or -1; see opt_blis_advice */
    const char *blis_advice_name;
    /* The worker threads of the row passes (pool.h): made by the first pass that wants
     * one, joined by destroy and by a change of thread count. Reached only by the pass
     * that holds pool_busy, which starts clear (the context is zeroed). */
    struct opt_pool *pool;
    atomic_flag pool_busy;
};

/* Memory for the library's own use: 64-byte aligned (whole cache lines, what BLIS and
 * vector loops want), from the context's hooks. NULL on failure or for size 0. */
void *opt_alloc(const optima_context *ctx, size_t size);
void *opt_calloc(const optima_context *ctx, size_t count, size_t size);
void opt_free(const optima_context *ctx, void *ptr);

/* Send a message to the context's log sink if its level admits it. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
void opt_log(const optima_context *ctx, int32_t level, const char *fmt, ...);

#endif /* OPT_CORE_CONTEXT_IMPL_H */
