/* The row kernels for CPUs with AVX-512F: 16-float vectors (row_variants.h). The target
 * is set before the kernels' headers, so that their always-inlined helpers get it too. */
#include "row_variants.h"

#if OPT_ROW_VARIANTS
#pragma GCC target("avx512f")
#define OPT_W 16
#define OPT_VARIANT(name) name##_avx512
#include "cosine_rows.inc"
#include "finite_rows.inc"
#include "kl_rows.inc"
#else
typedef int opt_no_avx512_rows; /* ISO C wants a declaration in every file */
#endif
