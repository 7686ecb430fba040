/* Private header: the cosine kernel's float64 dot products in fixed lanes. Not installed.
 *
 * It keeps OPT_LANES independent partial results combined in a fixed order at the end
 * (16: enough independent chains to hide the add latency at every vector width):
 * the order of operations is fixed by the source, so results are bit-reproducible on every
 * CPU without -ffast-math. */
#ifndef OPT_MATH_LANES_H
#define OPT_MATH_LANES_H

#include <stddef.h>
#include <string.h>

#include "vec16.h"

#define OPT_LANES 16

/* Σ a_i·b_i, Σ a_i² and Σ b_i² in float64, in one pass over a and b: each sum keeps its
 * own OPT_LANES lanes (lane j adds the elements i ≡ j mod OPT_LANES, the tail's in lane 0),
 * combined in lane order at the end. Written with native vectors of OPT_W / 2 doubles
 * (vec16.h), 32 / OPT_W per sum: GCC leaves the three-sum lane loop scalar. The lanes
 * are the same for every OPT_W, so every width gives the same bits. Always inlined, so
 * that each variant of the kernel (row_variants.h) compiles it for its own width. */
OPT_INLINE void opt_lanes_dot3(const float *a, const float *b, size_t n, double *ab,
                               double *aa, double *bb)
{
    opt_v16d sab, saa, sbb;
    memset(&sab, 0, sizeof sab);
    memset(&saa, 0, sizeof saa);
    memset(&sbb, 0, sizeof sbb);
    size_t i = 0;
    for (; i + OPT_LANES <= n; i += OPT_LANES)
        OPT_EACH(h, OPT_NVD) {
            opt_vhf xf, yf;
            memcpy(&xf, a + i + h * (OPT_W / 2), sizeof xf);
            memcpy(&yf, b + i + h * (OPT_W / 2), sizeof yf);
            const opt_vd x = __builtin_convertvector(xf, opt_vd);
            const opt_vd y = __builtin_convertvector(yf, opt_vd);
            sab.v[h] += x * y;
            saa.v[h] += x * x;
            sbb.v[h] += y * y;
        }
    double lab[OPT_LANES], laa[OPT_LANES], lbb[OPT_LANES];
    memcpy(lab, sab.v, sizeof lab);
    memcpy(laa, saa.v, sizeof laa);
    memcpy(lbb, sbb.v, sizeof lbb);
    for (; i < n; ++i) { /* the tail goes to lane 0 */
        const double x = (double)a[i], y = (double)b[i];
        lab[0] += x * y;
        laa[0] += x * x;
        lbb[0] += y * y;
    }
    double s[3] = {0.0, 0.0, 0.0};
    for (size_t j = 0; j < OPT_LANES; ++j) {
        s[0] += lab[j];
        s[1] += laa[j];
        s[2] += lbb[j];
    }
    *ab = s[0];
    *aa = s[1];
    *bb = s[2];
}

#endif /* OPT_MATH_LANES_H */
