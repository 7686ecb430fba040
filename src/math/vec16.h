/* Private header: 16-lane float32 vectors through the GCC/clang vector extension.
 * Not installed.
 *
 * Why: the KL kernel is bound by arithmetic, not memory, and the auto-vectoriser keeps
 * a lane array of partial sums in memory (a store-to-load chain per iteration) and
 * leaves float maxima scalar. Written with vectors, a loop body is exactly the
 * operations in the source, lane by lane: one 512-bit, two 256-bit or four 128-bit
 * instructions each, whichever clone runs (clones.h), with the same result in every
 * lane as the scalar code would give. Vectors never cross a function boundary by
 * value (the helpers take pointers and are always inlined), so no vector ABI is
 * involved and no clone calls code compiled for another ISA. Loads and stores go
 * through memcpy: rows need no alignment. */
#ifndef OPT_MATH_VEC16_H
#define OPT_MATH_VEC16_H

#include <stdint.h>
#include <string.h>

#define OPT_V16 16
#define OPT_INLINE static inline __attribute__((always_inline))

typedef float opt_v16f __attribute__((vector_size(64)));
typedef int32_t opt_v16i __attribute__((vector_size(64)));  /* comparison results */
typedef uint32_t opt_v16u __attribute__((vector_size(64))); /* bit patterns */

OPT_INLINE void opt_v16_load(opt_v16f *v, const float *p) { memcpy(v, p, sizeof *v); }

OPT_INLINE void opt_v16_store(float *p, const opt_v16f *v) { memcpy(p, v, sizeof *v); }

/* Lane-wise keep ? a : b, keep being a comparison result (all bits 0 or all bits 1). */
OPT_INLINE void opt_v16_select(opt_v16f *out, const opt_v16i *keep, const opt_v16f *a,
                               const opt_v16f *b)
{
    opt_v16i ai, bi;
    memcpy(&ai, a, sizeof ai);
    memcpy(&bi, b, sizeof bi);
    ai = (ai & *keep) | (bi & ~*keep);
    memcpy(out, &ai, sizeof ai);
}

/* m = max(m, p[0..15]) lane-wise; a NaN in p is skipped (callers catch NaN in a sum). */
OPT_INLINE void opt_v16_max_into(opt_v16f *m, const float *p)
{
    opt_v16f v;
    opt_v16_load(&v, p);
    const opt_v16i greater = v > *m;
    opt_v16_select(m, &greater, &v, m);
}

typedef float opt_v8f __attribute__((vector_size(32)));
typedef double opt_v8d __attribute__((vector_size(64)));

/* 16 float64 lanes (lane j in wide[j / 8], element j % 8) += the 16 lanes of *v. */
OPT_INLINE void opt_v16_add_wide(opt_v8d wide[2], const opt_v16f *v)
{
    opt_v8f lo, hi;
    memcpy(&lo, v, sizeof lo);
    memcpy(&hi, (const char *)v + sizeof lo, sizeof hi);
    wide[0] += __builtin_convertvector(lo, opt_v8d);
    wide[1] += __builtin_convertvector(hi, opt_v8d);
}

/* Σ of 16 float64 lanes along a fixed tree (lane j with lane j + 8, then halves again):
 * the same bits in every clone, and a dependency chain 4 adds deep instead of 16. */
OPT_INLINE double opt_wide_sum(const opt_v8d wide[2])
{
    double h[8];
    for (int j = 0; j < 8; ++j) h[j] = wide[0][j] + wide[1][j];
    for (int j = 0; j < 4; ++j) h[j] += h[j + 4];
    h[0] += h[2];
    h[1] += h[3];
    return h[0] + h[1];
}

#endif /* OPT_MATH_VEC16_H */
