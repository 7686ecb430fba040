/* Private header: the row kernels of rowloss.h compiled once per instruction set, and the
 * choice among them. Not installed.
 *
 * kl_rows.inc, cosine_rows.inc and finite_rows.inc are compiled by base_rows.c (every CPU:
 * 4-float vectors, SSE2 on x86-64) and, where OPT_ROW_VARIANTS (clones.h), by avx2_rows.c
 * (8-float vectors) and avx512_rows.c (16-float vectors), each function named with its
 * variant's suffix; vec16.h says why each gets its own width. Every variant computes the
 * same bits. rowloss.h's functions call the best variant this CPU runs, chosen at each call
 * from the CPU's features (no state of ours); tests and benchmarks run each variant
 * through opt_row_variants. */
#ifndef OPT_MATH_ROW_VARIANTS_H
#define OPT_MATH_ROW_VARIANTS_H

#include <stddef.h>
#include <stdint.h>

#include <optima/tensor.h>

#include "clones.h"

/* One variant: the kernels of rowloss.h under the same contracts. */
typedef struct opt_row_variant {
    const char *name;     /* "avx512f", "avx2" or "baseline" */
    int (*runs)(void);    /* non-zero when this CPU can run the variant */
    double (*kl_rows)(const optima_tensor *zs, const optima_tensor *zt, const uint8_t *mask,
                      double temperature, float coef, float *g, size_t gs, float *scratch,
                      const float *maxima);
    double (*kl_scan_rows)(const optima_tensor *zs, const optima_tensor *zt, float *maxima);
    double (*cosine_rows)(const optima_tensor *y, const optima_tensor *t, const uint8_t *mask,
                          float coef, float *g, size_t gs);
    double (*finite_rows)(const optima_tensor *a, const optima_tensor *b);
} opt_row_variant;

/* The variants compiled in, best first, the baseline (which every CPU runs) last; their
 * number in *count. Static data. */
const opt_row_variant *opt_row_variants(size_t *count);

/* The kernels of one variant, named with its suffix. */
#define OPT_ROW_KERNELS(sfx)                                                                  \
    double opt_kl_rows##sfx(const optima_tensor *zs, const optima_tensor *zt,                 \
                            const uint8_t *mask, double temperature, float coef, float *g,    \
                            size_t gs, float *scratch, const float *maxima);                  \
    double opt_kl_scan_rows##sfx(const optima_tensor *zs, const optima_tensor *zt,            \
                                 float *maxima);                                              \
    double opt_cosine_rows##sfx(const optima_tensor *y, const optima_tensor *t,               \
                                const uint8_t *mask, float coef, float *g, size_t gs);        \
    double opt_finite_rows##sfx(const optima_tensor *a, const optima_tensor *b);

OPT_ROW_KERNELS(_base)
#if OPT_ROW_VARIANTS
OPT_ROW_KERNELS(_avx2)
OPT_ROW_KERNELS(_avx512)
#endif

#endif /* OPT_MATH_ROW_VARIANTS_H */
