/* Private header: row reductions in fixed lanes. Not installed.
 *
 * Each keeps OPT_LANES independent partial results combined in a fixed order at the end
 * (16: enough independent chains to hide the add latency with AVX2 as with SSE2):
 * the order of operations is fixed by the source, so results are bit-reproducible, and
 * GCC and clang vectorise the lane loop without -ffast-math. One accumulator per loop:
 * GCC (12) leaves loops with several lane arrays scalar, and rows sit in L1, so a pass
 * per reduction is cheaper than one scalar pass. Files using opt_lanes_max need
 * -fno-trapping-math to have it vectorised (see CMakeLists.txt). */
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

/* Σ a_i in float64. */
static inline double opt_lanes_sum(const float *a, size_t n)
{
    double acc[OPT_LANES] = {0};
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES)
        for (size_t j = 0; j < OPT_LANES; ++j) acc[j] += (double)a[i + j];
    for (; i < n; ++i) acc[0] += (double)a[i];
    double s = 0.0;
    for (size_t j = 0; j < OPT_LANES; ++j) s += acc[j];
    return s;
}

/* Σ e_i·(a_i − b_i) in float64 (the difference too, so no finite input overflows). */
static inline double opt_lanes_weighted_diff(const float *e, const float *a, const float *b,
                                             size_t n)
{
    double acc[OPT_LANES] = {0};
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES)
        for (size_t j = 0; j < OPT_LANES; ++j)
            acc[j] += (double)e[i + j] * ((double)a[i + j] - (double)b[i + j]);
    for (; i < n; ++i) acc[0] += (double)e[i] * ((double)a[i] - (double)b[i]);
    double s = 0.0;
    for (size_t j = 0; j < OPT_LANES; ++j) s += acc[j];
    return s;
}

/* max_i a_i (n ≥ 1). A NaN may or may not win: callers detect NaN through their sums. */
static inline float opt_lanes_max(const float *a, size_t n)
{
    float m[OPT_LANES];
    for (size_t j = 0; j < OPT_LANES; ++j) m[j] = a[0];
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES)
        for (size_t j = 0; j < OPT_LANES; ++j) m[j] = a[i + j] > m[j] ? a[i + j] : m[j];
    for (; i < n; ++i) m[0] = a[i] > m[0] ? a[i] : m[0];
    float r = m[0];
    for (size_t j = 1; j < OPT_LANES; ++j) r = m[j] > r ? m[j] : r;
    return r;
}

#endif /* OPT_MATH_LANES_H */
