/* The context: allocator, BLIS thread count and log sink. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blis_arch.h"
#include "context_impl.h"
#include "pool.h"

#define OPT_MAX_THREADS 1024

static void *opt_libc_alloc(void *user, size_t size)
{
    (void)user;
    return malloc(size);
}

static void opt_libc_free(void *user, void *ptr)
{
    (void)user;
    free(ptr);
}

/* Which configuration BLIS runs, and what to advise when it is `generic` on a CPU that a
 * compiled-in configuration suits. bli_init() first: with BLIS_ARCH_TYPE set,
 * bli_arch_query_id() aborts the process when BLIS is not initialised yet. Reads BLIS's
 * state, never changes it (nor the environment): the host may use BLIS itself. */
static void opt_query_blis(optima_context *ctx)
{
    bli_init();
    const arch_t id = bli_arch_query_id();
    ctx->blis_arch = bli_arch_string(id);
    const opt_cpu cpu = opt_cpu_detect();
    const opt_blis_arch advice = opt_blis_advice(&cpu, (int)id);
    ctx->blis_advice_name = advice.name;
    ctx->blis_advice_value = advice.value;
}

/* The warning of opt_query_blis, sent once, to the first sink that admits it: a context
 * is created without a sink. */
static void opt_log_blis_advice(optima_context *ctx)
{
    if (ctx->blis_advice_name == NULL || ctx->log_sink == NULL ||
        ctx->log_level < OPTIMA_LOG_WARN)
        return;
    opt_log(ctx, OPTIMA_LOG_WARN,
            "BLIS runs its generic reference kernels, several times slower than its '%s' "
            "kernels, which this CPU supports: set the environment variable "
            "BLIS_ARCH_TYPE=%d before the process starts", ctx->blis_advice_name,
            ctx->blis_advice_value);
    ctx->blis_advice_name = NULL;
}

/* A thread count from the environment variable @p name: a decimal integer in
 * [1, OPT_MAX_THREADS], or the first of a comma-separated list (OpenMP's nested form);
 * 0 when unset or anything else. */
static int32_t opt_threads_from(const char *name)
{
    const char *text = getenv(name);
    if (text == NULL) return 0;
    while (*text == ' ' || *text == '\t') ++text;
    long value = 0;
    const char *digit = text;
    for (; *digit >= '0' && *digit <= '9' && value <= OPT_MAX_THREADS; ++digit)
        value = value * 10 + (*digit - '0');
    while (*digit == ' ' || *digit == '\t') ++digit;
    if (digit == text || (*digit != '\0' && *digit != ',')) return 0;
    return value >= 1 && value <= OPT_MAX_THREADS ? (int32_t)value : 0;
}

/* The BLAS convention (BLIS, OpenBLAS): BLIS_NUM_THREADS, else OMP_NUM_THREADS, else 1.
 * Read once, when the context is created; nothing is kept but the context's count. */
static int32_t opt_default_threads(void)
{
    const int32_t blis = opt_threads_from("BLIS_NUM_THREADS");
    if (blis > 0) return blis;
    const int32_t omp = opt_threads_from("OMP_NUM_THREADS");
    return omp > 0 ? omp : 1;
}

/* The smallest struct_size a caller may pass: everything up to and including `free`. */
#define OPT_ALLOCATOR_MIN_SIZE (offsetof(optima_allocator, free) + sizeof(optima_free_fn))

optima_status optima_context_create_with_allocator(const optima_allocator *allocator,
                                                   optima_context **out)
{
    static const char fn[] = "optima_context_create_with_allocator";
    OPT_CHECK_NOT_NULL(NULL, fn, allocator);
    OPT_CHECK_NOT_NULL(NULL, fn, out);
    OPT_RETURN_ERROR_IF(allocator->struct_size < OPT_ALLOCATOR_MIN_SIZE, NULL, OPTIMA_EINVAL,
                        "%s: argument 'allocator->struct_size' is %u, at least %u expected", fn,
                        (unsigned)allocator->struct_size, (unsigned)OPT_ALLOCATOR_MIN_SIZE);
    OPT_RETURN_ERROR_IF(allocator->reserved != 0, NULL, OPTIMA_EINVAL,
                        "%s: argument 'allocator->reserved' must be 0", fn);
    OPT_RETURN_ERROR_IF(allocator->alloc == NULL, NULL, OPTIMA_EINVAL,
                        "%s: argument 'allocator->alloc' is NULL", fn);
    OPT_RETURN_ERROR_IF(allocator->free == NULL, NULL, OPTIMA_EINVAL,
                        "%s: argument 'allocator->free' is NULL", fn);

    optima_context bootstrap;
    memset(&bootstrap, 0, sizeof bootstrap);
    bootstrap.allocator = *allocator;
    bootstrap.allocator.struct_size = (uint32_t)sizeof(optima_allocator);
    optima_context *ctx = opt_alloc(&bootstrap, sizeof *ctx);
    OPT_RETURN_ERROR_IF(ctx == NULL, NULL, OPTIMA_ENOMEM, "%s: cannot allocate the context", fn);
    *ctx = bootstrap;
    ctx->threads = opt_default_threads();
    bli_rntm_init(&ctx->rntm);
    bli_rntm_set_num_threads((dim_t)ctx->threads, &ctx->rntm);
    ctx->log_level = OPTIMA_LOG_WARN;
    opt_query_blis(ctx);
    *out = ctx;
    return OPTIMA_OK;
}

optima_status optima_context_create(optima_context **out)
{
    const optima_allocator libc = {sizeof(optima_allocator), 0, NULL, opt_libc_alloc,
                                   opt_libc_free};
    OPT_CHECK_NOT_NULL(NULL, "optima_context_create", out);
    return optima_context_create_with_allocator(&libc, out);
}

void optima_context_destroy(optima_context *ctx)
{
    if (ctx == NULL) return;
    opt_pool_stop(ctx);
    const optima_context copy = *ctx; /* the hooks must outlive the block they free */
    opt_free(&copy, ctx);
}

optima_status optima_context_set_threads(optima_context *ctx, int32_t threads)
{
    static const char fn[] = "optima_context_set_threads";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_RETURN_ERROR_IF(threads < 1 || threads > OPT_MAX_THREADS, &ctx->error, OPTIMA_EINVAL,
                        "%s: argument 'threads' must be in [1, %d], got %d", fn,
                        OPT_MAX_THREADS, (int)threads);
    if (threads != ctx->threads) opt_pool_stop(ctx); /* the next pass starts the new count */
    ctx->threads = threads;
    bli_rntm_set_num_threads((dim_t)threads, &ctx->rntm);
    return OPTIMA_OK;
}

optima_status optima_context_get_threads(const optima_context *ctx, int32_t *threads)
{
    static const char fn[] = "optima_context_get_threads";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(&ctx->error, fn, threads);
    *threads = ctx->threads;
    return OPTIMA_OK;
}

optima_status optima_context_set_log(optima_context *ctx, optima_log_fn sink, void *user,
                                     int32_t level)
{
    static const char fn[] = "optima_context_set_log";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_RETURN_ERROR_IF(level < OPTIMA_LOG_ERROR || level > OPTIMA_LOG_DEBUG, &ctx->error,
                        OPTIMA_EINVAL, "%s: argument 'level' must be in [%d, %d], got %d", fn,
                        OPTIMA_LOG_ERROR, OPTIMA_LOG_DEBUG, (int)level);
    ctx->log_sink = sink;
    ctx->log_user = user;
    ctx->log_level = level;
    opt_log_blis_advice(ctx);
    return OPTIMA_OK;
}

optima_status optima_context_get_log(const optima_context *ctx, optima_log_fn *sink, void **user,
                                     int32_t *level)
{
    static const char fn[] = "optima_context_get_log";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(&ctx->error, fn, sink);
    OPT_CHECK_NOT_NULL(&ctx->error, fn, user);
    OPT_CHECK_NOT_NULL(&ctx->error, fn, level);
    *sink = ctx->log_sink;
    *user = ctx->log_user;
    *level = ctx->log_level;
    return OPTIMA_OK;
}

optima_status optima_context_get_blis_arch(const optima_context *ctx, const char **name)
{
    static const char fn[] = "optima_context_get_blis_arch";
    OPT_CHECK_NOT_NULL(NULL, fn, ctx);
    OPT_CHECK_NOT_NULL(&ctx->error, fn, name);
    *name = ctx->blis_arch;
    return OPTIMA_OK;
}

const char *optima_context_last_error(const optima_context *ctx)
{
    return ctx != NULL ? opt_errslot_message(&ctx->error) : "";
}

void opt_log(const optima_context *ctx, int32_t level, const char *fmt, ...)
{
    if (ctx == NULL || ctx->log_sink == NULL || level > ctx->log_level) return;
    char message[OPT_MESSAGE_CAPACITY];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    ctx->log_sink(ctx->log_user, level, message);
}
