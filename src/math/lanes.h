/* Private header: the cosine kernel's float64 dot products in fixed lanes. Not installed.
 *
 * It keeps OPT_LANES independent partial results combined in a fixed order at the end
 * (16: enough independent chains to hide the add latency with AVX2 as with SSE2):
 * the order of operations is fixed by the source, so results are bit-reproducible, and
 * GCC and clang vectorise the lane loop without -ffast-math. (The KL kernel, which is
 * arithmetic-bound, uses the explicit vectors of vec16.h instead.) */
#ifndef OPT_MATH_LANES_H
#define OPT_MATH_LANES_H

#include <stddef.h>
#include <string.h>

#include "vec16.h"

#define OPT_LANES 16

/* Σ a_i·b_i, Σ a_i² and Σ b_i² in float64, in one pass over a and b: each sum keeps its
 * own OPT_LANES lanes (lane j adds the elements i ≡ j mod OPT_LANES), combined in lane
 * order at the end. Written with vectors of 8 doubles, two per sum: GCC leaves the
 * three-sum lane loop scalar. Always inlined, so that each clone of the kernel
 * (clones.h) compiles it for its own vector width. */
static inline __attribute__((always_inline)) void
opt_lanes_dot3(const float *a, const float *b, size_t n, double *ab, double *aa, double *bb)
{
    opt_v8d sab[2] = {{0}}, saa[2] = {{0}}, sbb[2] = {{0}};
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES)
        for (size_t h = 0; h < 2; ++h) {
            opt_v8f xf, yf;
            memcpy(&xf, a + i + 8 * h, sizeof xf);
            memcpy(&yf, b + i + 8 * h, sizeof yf);
            const opt_v8d x = __builtin_convertvector(xf, opt_v8d);
            const opt_v8d y = __builtin_convertvector(yf, opt_v8d);
            sab[h] += x * y;
            saa[h] += x * x;
            sbb[h] += y * y;
        }
    double s[3] = {0.0, 0.0, 0.0};
    for (; i < n; ++i) { /* the tail goes to lane 0 */
        const double x = (double)a[i], y = (double)b[i];
        sab[0][0] += x * y;
        saa[0][0] += x * x;
        sbb[0][0] += y * y;
    }
    for (size_t j = 0; j < OPT_LANES; ++j) {
        s[0] += sab[j / 8][j % 8];
        s[1] += saa[j / 8][j % 8];
        s[2] += sbb[j / 8][j % 8];
    }
    *ab = s[0];
    *aa = s[1];
    *bb = s[2];
}

#endif /* OPT_MATH_LANES_H */
