/* Private header: an expf for x ≤ 0 (softmax arguments, z − max z) that GCC and clang
 * vectorise at the x86-64 baseline (SSE2).
 *
 * Cephes-style: e^x = 2^k · e^r with k = round(x·log2 e), r = x − k·ln 2 (ln 2 split in
 * two so r is exact), e^r from a degree-6 polynomial on |r| ≤ ln2/2. No branches, no
 * library calls, no float→int conversion of out-of-range values: rounding uses the
 * 1.5·2^23 trick and the clamps send NaN to the lower bound, so every lane stays defined.
 * Relative error below 2.5e-7 on [-87, 0] (tests/unit/test_fastexp.c); inputs below
 * -87.3 give about 1e-38 instead of a denormal or 0, which no softmax sum notices.
 * Domain: x ≤ 88 (the callers pass x ≤ 0). There is deliberately no upper clamp: the one
 * extra compare and blend per element cost a third of the loop's time (measured), and a
 * softmax argument is never positive. */
#ifndef OPT_MATH_FASTEXP_H
#define OPT_MATH_FASTEXP_H

#include <stdint.h>
#include <string.h>

#define OPT_EXP_LO (-87.3f)

static inline float opt_expf(float x)
{
    x = x >= OPT_EXP_LO ? x : OPT_EXP_LO; /* NaN and −∞ land here too */
    const float magic = 12582912.0f; /* 1.5·2^23: adding it rounds to an integer */
    const float kf = (x * 1.44269504088896341f + magic) - magic;
    float r = x - kf * 0.693359375f;
    r = r - kf * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const uint32_t bits = (uint32_t)((int32_t)kf + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

#endif /* OPT_MATH_FASTEXP_H */
