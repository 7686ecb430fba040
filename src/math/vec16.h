/* Private header: 16 logical float32 lanes held in native vectors of OPT_W floats (GCC/clang
 * vector extension). Not installed.
 *
 * Why: the KL kernel is bound by arithmetic, not memory, and the auto-vectoriser keeps
 * a lane array of partial sums in memory (a store-to-load chain per iteration) and
 * leaves float maxima scalar. Written with vectors, a loop body is exactly the
 * operations in the source, lane by lane, with the same result in every lane as the
 * scalar code would give.
 *
 * Why native widths: the kernels are compiled once per instruction set (row_variants.h),
 * and each compilation must use vectors its registers hold. A 64-byte vector type is a
 * register only with AVX-512; compiled for AVX2 or SSE2, GCC 12 has no machine mode for
 * it, and every such variable that lives across loop iterations (an accumulator, a
 * maximum) and every reinterpretation between float and integer lanes goes through the
 * stack with scalar moves (3–5× slower than 8-float vectors under AVX2, docs/losses.md).
 * So the including file sets OPT_W (16 for AVX-512F, 8 for AVX2, 4 for SSE2; 4 when it
 * sets nothing), and the 16 logical lanes are OPT_NV = 16/OPT_W native vectors, lane j in
 * v[j / OPT_W], element j % OPT_W. The lanes, and what each lane adds in which order, are
 * the same for every width: only how many lanes one instruction handles changes, so every
 * width gives the same bits (with no multiply-add contraction: CMakeLists.txt).
 *
 * The helpers loop over the native vectors in loops fully unrolled at compile time
 * (OPT_EACH), so every array index is a constant and GCC keeps the vectors in registers.
 * They are always inlined, so no vector crosses a real call and no vector ABI is
 * involved. Loads and stores go through memcpy: rows need no alignment. */
#ifndef OPT_MATH_VEC16_H
#define OPT_MATH_VEC16_H

#include <stdint.h>
#include <string.h>

#ifndef OPT_W
#define OPT_W 4
#endif
#if OPT_W != 4 && OPT_W != 8 && OPT_W != 16
#error "OPT_W must be 4, 8 or 16"
#endif

#define OPT_V16 16
#define OPT_NV (OPT_V16 / OPT_W)     /* native float vectors per 16 lanes */
#define OPT_NVD (2 * OPT_NV)         /* native double vectors per 16 lanes */
#define OPT_INLINE static inline __attribute__((always_inline))

/* for (int h = 0; h < n; ++h), unrolled whatever the loop body's size. */
#define OPT_EACH(h, n) _Pragma("GCC unroll 16") for (int h = 0; h < (n); ++h)

typedef float opt_vf __attribute__((vector_size(4 * OPT_W)));
typedef int32_t opt_vi __attribute__((vector_size(4 * OPT_W)));  /* comparison results */
typedef uint32_t opt_vu __attribute__((vector_size(4 * OPT_W))); /* bit patterns */
typedef float opt_vhf __attribute__((vector_size(2 * OPT_W)));   /* half a native vector */
typedef double opt_vd __attribute__((vector_size(4 * OPT_W)));   /* OPT_W / 2 doubles */

/* The lanes of a native vector's low and high halves (__builtin_shufflevector). */
#if OPT_W == 16
#define OPT_LO_HALF 0, 1, 2, 3, 4, 5, 6, 7
#define OPT_HI_HALF 8, 9, 10, 11, 12, 13, 14, 15
#elif OPT_W == 8
#define OPT_LO_HALF 0, 1, 2, 3
#define OPT_HI_HALF 4, 5, 6, 7
#else
#define OPT_LO_HALF 0, 1
#define OPT_HI_HALF 2, 3
#endif

#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define OPT_HAS_SHUFFLEVECTOR 1
#endif
#endif
#ifndef OPT_HAS_SHUFFLEVECTOR
#define OPT_HAS_SHUFFLEVECTOR 0
#endif

/* 16 float32 lanes. */
typedef struct opt_v16f {
    opt_vf v[OPT_NV];
} opt_v16f;

/* 16 float64 lanes, lane j in v[j / (OPT_W / 2)]: in memory, lane order. */
typedef struct opt_v16d {
    opt_vd v[OPT_NVD];
} opt_v16d;

OPT_INLINE void opt_v16_load(opt_v16f *v, const float *p)
{
    OPT_EACH(h, OPT_NV) memcpy(&v->v[h], p + h * OPT_W, sizeof v->v[h]);
}

OPT_INLINE void opt_v16_store(float *p, const opt_v16f *v)
{
    OPT_EACH(h, OPT_NV) memcpy(p + h * OPT_W, &v->v[h], sizeof v->v[h]);
}

OPT_INLINE void opt_v16_zero(opt_v16f *v)
{
    OPT_EACH(h, OPT_NV) v->v[h] = (opt_vf){0};
}

/* Lane j of *v, j < 16 (a constant after unrolling). */
OPT_INLINE float opt_v16_lane(const opt_v16f *v, int j)
{
    return v->v[j / OPT_W][j % OPT_W];
}

/* m = max(m, p[0..15]) lane-wise; a NaN in p is skipped (callers catch NaN in a sum). The
 * select goes through integer copies of the lanes: so GCC emits one masked move (AVX-512)
 * or blend per vector, where the same select on values became two xors on the loop's
 * dependency chain (KL 5 % slower). */
OPT_INLINE void opt_v16_max_into(opt_v16f *m, const float *p)
{
    opt_v16f v;
    opt_v16_load(&v, p);
    OPT_EACH(h, OPT_NV) {
        opt_vf x = m->v[h];
        const opt_vi greater = v.v[h] > x;
        opt_vi vi, xi;
        memcpy(&vi, &v.v[h], sizeof vi);
        memcpy(&xi, &x, sizeof xi);
        xi = (vi & greater) | (xi & ~greater);
        memcpy(&x, &xi, sizeof x);
        m->v[h] = x;
    }
}

/* The low and high halves of x. Through __builtin_shufflevector where the compiler has it
 * (GCC 12, clang): copied out through memory instead, GCC 12 keeps the accumulator that
 * x comes from on the stack. */
OPT_INLINE void opt_vf_halves(opt_vf x, opt_vhf *lo, opt_vhf *hi)
{
#if OPT_HAS_SHUFFLEVECTOR
    *lo = __builtin_shufflevector(x, x, OPT_LO_HALF);
    *hi = __builtin_shufflevector(x, x, OPT_HI_HALF);
#else
    memcpy(lo, &x, sizeof *lo);
    memcpy(hi, (const char *)&x + sizeof *lo, sizeof *hi);
#endif
}

/* The 16 float64 lanes of *wide += the 16 lanes of *v (lane j to lane j). */
OPT_INLINE void opt_v16_add_wide(opt_v16d *wide, const opt_v16f *v)
{
    OPT_EACH(h, OPT_NV) {
        opt_vhf lo, hi;
        opt_vf_halves(v->v[h], &lo, &hi);
        wide->v[2 * h] += __builtin_convertvector(lo, opt_vd);
        wide->v[2 * h + 1] += __builtin_convertvector(hi, opt_vd);
    }
}

/* Σ of 16 float64 lanes along a fixed tree (lane j with lane j + 8, then halves again):
 * the same bits for every width, and a dependency chain 4 adds deep instead of 16. */
OPT_INLINE double opt_wide_sum(const opt_v16d *wide)
{
    double w[OPT_V16], h[8];
    memcpy(w, wide->v, sizeof w);
    for (int j = 0; j < 8; ++j) h[j] = w[j] + w[j + 8];
    for (int j = 0; j < 4; ++j) h[j] += h[j + 4];
    h[0] += h[2];
    h[1] += h[3];
    return h[0] + h[1];
}

#endif /* OPT_MATH_VEC16_H */
