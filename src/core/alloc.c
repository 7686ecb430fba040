/* Aligned allocation through the host's hooks. */
#include <string.h>

#include "checked.h"
#include "context_impl.h"

#define OPT_ALIGNMENT 64u

void *opt_alloc(const optima_context *ctx, size_t size)
{
    size_t total;
    if (size == 0 || opt_add_overflows(size, OPT_ALIGNMENT + sizeof(void *), &total))
        return NULL;
    unsigned char *raw = ctx->allocator.alloc(ctx->allocator.user, total);
    if (raw == NULL) return NULL;
    /* Keep the hook's pointer just below the aligned block so opt_free can find it. */
    uintptr_t start = (uintptr_t)(raw + sizeof(void *));
    uintptr_t aligned = (start + OPT_ALIGNMENT - 1) & ~(uintptr_t)(OPT_ALIGNMENT - 1);
    memcpy((unsigned char *)aligned - sizeof(void *), &raw, sizeof raw);
    return (void *)aligned;
}

void *opt_calloc(const optima_context *ctx, size_t count, size_t size)
{
    size_t bytes;
    if (opt_mul_overflows(count, size, &bytes)) return NULL;
    void *p = opt_alloc(ctx, bytes);
    if (p != NULL) memset(p, 0, bytes);
    return p;
}

void opt_free(const optima_context *ctx, void *ptr)
{
    if (ptr == NULL) return;
    void *raw;
    memcpy(&raw, (unsigned char *)ptr - sizeof(void *), sizeof raw);
    ctx->allocator.free(ctx->allocator.user, raw);
}
