/* Private header: the library's single door to BLIS matrix products. Not installed.
 * Every product runs with the context's own BLIS runtime object, so the thread count is
 * per context and no global BLIS setting is touched. */
#ifndef OPT_MATH_GEMM_H
#define OPT_MATH_GEMM_H

#include <stddef.h>

struct optima_context;

typedef enum opt_trans { OPT_NO_TRANS = 0, OPT_TRANS = 1 } opt_trans;

/* C (m × n, row stride ldc) = alpha · op(A) · op(B) + beta · C, all row-major float32.
 * op(A) is m × k, op(B) is k × n; lda/ldb are the row strides of A and B as stored. */
void opt_sgemm(const struct optima_context *ctx, opt_trans trans_a, opt_trans trans_b,
               size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
               const float *b, size_t ldb, float beta, float *c, size_t ldc);

#endif /* OPT_MATH_GEMM_H */
