/* Private header: a 16-lane expf (vec16.h) for x ≤ 0 (softmax arguments, z − max z).
 * There is no scalar twin: a row's last few elements go through it padded
 * (opt_expf_lanes), so every element gets the same operations wherever it sits.
 *
 * Cephes-style: e^x = 2^k · e^r with k = round(x·log2 e), r = x − k·ln 2 (ln 2 split in
 * two so r is exact), e^r = 1 + r + r²·q(r) with q of degree 3 fitted for relative
 * error on |r| ≤ ln2/2 (a degree-5 q as in Cephes costs four more operations for
 * accuracy that softmax sums do not keep). No branches, no library calls, no float→int
 * conversion: k is rounded by adding 1.5·2^23, after which the float's low bits hold
 * k itself, and 2^k is built from them by an integer add and shift. The lower clamp
 * sends NaN and −∞ there too, so every lane stays defined. Relative error below 3e-7 on
 * [-87, 0] (tests/unit/test_fastexp.c); inputs below -87.3 give about 1e-38 instead of
 * a denormal or 0, which no softmax sum notices. Domain: x ≤ 88 (the callers pass
 * x ≤ 0). There is deliberately no upper clamp: it costs a compare and a blend per
 * element and a softmax argument is never positive. */
#ifndef OPT_MATH_FASTEXP_H
#define OPT_MATH_FASTEXP_H

#include <stdint.h>
#include <string.h>

#include "vec16.h"

#define OPT_EXP_LO (-87.3f)
#define OPT_EXP_LOG2E 1.44269504088896341f
#define OPT_EXP_ROUND 12582912.0f /* 1.5·2^23 */
#define OPT_EXP_LN2_HI 0.693359375f
#define OPT_EXP_LN2_LO (-2.12194440e-4f)
#define OPT_EXP_Q3 8.3125337177e-3f
#define OPT_EXP_Q2 4.1890127563e-2f
#define OPT_EXP_Q1 1.6667114415e-1f
#define OPT_EXP_Q0 4.9999231660e-1f

/* *x = e^(*x) lane-wise. */
OPT_INLINE void opt_v16_exp(opt_v16f *x)
{
    const opt_v16i keep = *x >= OPT_EXP_LO;
    const opt_v16f zero = {0}, lo = zero + OPT_EXP_LO;
    opt_v16f v;
    opt_v16_select(&v, &keep, x, &lo);
    const opt_v16f kb = v * OPT_EXP_LOG2E + OPT_EXP_ROUND;
    const opt_v16f kf = kb - OPT_EXP_ROUND;
    opt_v16f r = v - kf * OPT_EXP_LN2_HI;
    r = r - kf * OPT_EXP_LN2_LO;
    opt_v16f q = r * OPT_EXP_Q3 + OPT_EXP_Q2;
    q = q * r + OPT_EXP_Q1;
    q = q * r + OPT_EXP_Q0;
    const opt_v16f e = q * r * r + r + 1.0f;
    opt_v16u bits;
    memcpy(&bits, &kb, sizeof bits);
    bits = (bits + 127u) << 23;
    opt_v16f scale;
    memcpy(&scale, &bits, sizeof scale);
    *x = e * scale;
}

/* out[i] = e^{x[i]} for i < n ≤ OPT_V16 (the other lanes compute e^0 and are dropped). */
OPT_INLINE void opt_expf_lanes(const float *x, size_t n, float *out)
{
    float lanes[OPT_V16] = {0};
    memcpy(lanes, x, n * sizeof(float));
    opt_v16f v;
    opt_v16_load(&v, lanes);
    opt_v16_exp(&v);
    opt_v16_store(lanes, &v);
    memcpy(out, lanes, n * sizeof(float));
}

#endif /* OPT_MATH_FASTEXP_H */
