/* Private header: the cosine kernel's float64 dot product in fixed lanes. Not installed.
 *
 * It keeps OPT_LANES independent partial results combined in a fixed order at the end
 * (16: enough independent chains to hide the add latency with AVX2 as with SSE2):
 * the order of operations is fixed by the source, so results are bit-reproducible, and
 * GCC and clang vectorise the lane loop without -ffast-math. (The KL kernel, which is
 * arithmetic-bound, uses the explicit vectors of vec16.h instead.) */
#ifndef OPT_MATH_LANES_H
#define OPT_MATH_LANES_H

#include <stddef.h>

#define OPT_LANES 16

/* Σ a_i·b_i in float64. */
static inline double opt_lanes_dot(const float *a, const float *b, size_t n)
{
    double acc[OPT_LANES] = {0};
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES)
        for (size_t j = 0; j < OPT_LANES; ++j) acc[j] += (double)a[i + j] * (double)b[i + j];
    for (; i < n; ++i) acc[0] += (double)a[i] * (double)b[i];
    double s = 0.0;
    for (size_t j = 0; j < OPT_LANES; ++j) s += acc[j];
    return s;
}

#endif /* OPT_MATH_LANES_H */
