/* Private header: size arithmetic that reports overflow instead of wrapping. */
#ifndef OPT_CORE_CHECKED_H
#define OPT_CORE_CHECKED_H

#include <stddef.h>

/* Return non-zero when a*b does not fit in size_t; *out is set otherwise. */
static inline int opt_mul_overflows(size_t a, size_t b, size_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}

static inline int opt_add_overflows(size_t a, size_t b, size_t *out)
{
    return __builtin_add_overflow(a, b, out);
}

#endif /* OPT_CORE_CHECKED_H */
