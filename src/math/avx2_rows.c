/* The row kernels for CPUs with AVX2: 8-float vectors (row_variants.h). The target
 * is set before the kernels' headers, so that their always-inlined helpers get it too. */
#include "row_variants.h"

#if OPT_ROW_VARIANTS
#pragma GCC target("avx2")
#define OPT_W 8
#define OPT_VARIANT(name) name##_avx2
#include "cosine_rows.inc"
#include "finite_rows.inc"
#include "kl_rows.inc"
#else
typedef int opt_no_avx2_rows; /* ISO C wants a declaration in every file */
#endif
