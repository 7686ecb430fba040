/* Private header: a 2^x on 16 lanes held in native vectors (vec16.h) for x ≤ 0 (softmax
 * arguments, (z − max z)·log2 e/T). Not installed. There is no scalar twin: a row's last
 * few elements go through it padded (opt_exp2_lanes), so every element gets the same
 * operations wherever it sits.
 *
 * Why base 2: the caller folds log2 e into the factor it multiplies by anyway (1/T), so
 * the argument costs the same one rounding as an e^x argument would, and the reduction
 * is exact: 2^x = 2^k · 2^f with k = round(x) and f = x − k in [−1/2, 1/2], both exact
 * in float. (e^x needs x·log2 e or a two-constant Cody–Waite step with ln 2: four more
 * operations.) 2^f is a degree-5 polynomial fitted for relative error, 1 + f·(c1 + …)
 * so that 2^0 = 1 exactly, in Horner form. No branches, no library calls, no float→int
 * conversion, no fused multiply-add (so every vector width gives the same bits: the
 * arithmetic is lane-wise, and OPT_W only sets how many lanes one instruction takes): k is
 * rounded by adding 1.5·2^23, after which the float's low bits hold k itself, and k is
 * added to the exponent field of 2^f's bits. The lower clamp keeps that exponent normal
 * (2^f ≥ 2^−1/2 has exponent −1 or 0, so k ≥ −125) and sends −∞ there too: below −125
 * the result is 2^−125 ≈ 2.4e−38 instead of a denormal or 0, which no softmax sum
 * notices. A NaN gives a NaN or 2^−125 (by its sign bit); the callers' sums see the NaN
 * input either way.
 *
 * Relative error against 2^x in float64: below 2e-7 for every x in [−125, 0] (1.93e-7
 * at worst, near −1/2; tests/unit/test_fastexp.c sweeps the range densely and every
 * float of [−1, −1/4]).
 * Domain: x ≤ 127; there is deliberately no upper clamp (a compare and a blend per
 * element) since a softmax argument is never positive. */
#ifndef OPT_MATH_FASTEXP_H
#define OPT_MATH_FASTEXP_H

#include <stdint.h>
#include <string.h>

#include "vec16.h"

#define OPT_EXP2_LO_BITS 0xc2fa0000u /* −125.0f */
#define OPT_EXP2_ROUND 12582912.0f   /* 1.5·2^23 */
#define OPT_EXP2_C5 1.326472731e-3f
#define OPT_EXP2_C4 9.671512991e-3f
#define OPT_EXP2_C3 5.550733581e-2f
#define OPT_EXP2_C2 2.402224243e-1f
#define OPT_EXP2_C1 6.931470037e-1f

/* log2 e, by which a caller multiplies an e^x argument to use 2^x. */
#define OPT_LOG2E 1.4426950408889634

/* 2^x lane-wise on one native vector. */
OPT_INLINE opt_vf opt_vf_exp2(opt_vf x)
{
    /* The clamp as an unsigned minimum of the bit patterns, one instruction where the
     * ISA has it: a float ≤ 0 has the sign bit set and a larger pattern the larger its
     * magnitude, so every x below −125, −∞ and a NaN with the sign bit set become −125;
     * +0 (pattern 0) and a NaN without the sign bit are kept. */
    opt_vu bits;
    memcpy(&bits, &x, sizeof bits);
    for (int j = 0; j < OPT_W; ++j)
        bits[j] = bits[j] < OPT_EXP2_LO_BITS ? bits[j] : OPT_EXP2_LO_BITS;
    opt_vf v;
    memcpy(&v, &bits, sizeof v);
    const opt_vf kb = v + OPT_EXP2_ROUND;
    const opt_vf f = v - (kb - OPT_EXP2_ROUND);
    opt_vf p = f * OPT_EXP2_C5 + OPT_EXP2_C4;
    p = p * f + OPT_EXP2_C3;
    p = p * f + OPT_EXP2_C2;
    p = p * f + OPT_EXP2_C1;
    p = p * f + 1.0f;
    /* 2^k · p by adding k to p's exponent field: exact, as a multiplication by 2^k
     * would be, and one operation fewer. The low bits of kb hold k, so kb's bits shifted
     * by 23 are k << 23 (the rounding constant's bits shift out). */
    opt_vu kbits, pbits;
    memcpy(&kbits, &kb, sizeof kbits);
    memcpy(&pbits, &p, sizeof pbits);
    pbits += kbits << 23;
    opt_vf out;
    memcpy(&out, &pbits, sizeof out);
    return out;
}

/* *x = 2^(*x) lane-wise. */
OPT_INLINE void opt_v16_exp2(opt_v16f *x)
{
    OPT_EACH(h, OPT_NV) x->v[h] = opt_vf_exp2(x->v[h]);
}

/* out[i] = 2^{x[i]} for i < n ≤ OPT_V16 (the other lanes compute 2^0 and are dropped). */
OPT_INLINE void opt_exp2_lanes(const float *x, size_t n, float *out)
{
    float lanes[OPT_V16] = {0};
    memcpy(lanes, x, n * sizeof(float));
    opt_v16f v;
    opt_v16_load(&v, lanes);
    opt_v16_exp2(&v);
    opt_v16_store(lanes, &v);
    memcpy(out, lanes, n * sizeof(float));
}

#endif /* OPT_MATH_FASTEXP_H */
