/* The row kernels for every CPU: 4-float vectors, SSE2 on x86-64 (row_variants.h). */
#include "row_variants.h"

#define OPT_W 4
#define OPT_VARIANT(name) name##_base
#include "cosine_rows.inc"
#include "finite_rows.inc"
#include "kl_rows.inc"
