/* BLIS glue: row-major products through bli_sgemm_ex with the context's runtime object. */
#include "gemm.h"

#include "../core/context_impl.h"

void opt_sgemm(const optima_context *ctx, opt_trans trans_a, opt_trans trans_b, size_t m,
               size_t n, size_t k, float alpha, const float *a, size_t lda, const float *b,
               size_t ldb, float beta, float *c, size_t ldc)
{
    if (m == 0 || n == 0) return;
    /* BLIS takes a private copy of the runtime object's decisions per call, but its
     * signature is not const-correct; the copy keeps the context untouched. */
    rntm_t rntm = ctx->rntm;
    bli_sgemm_ex(trans_a == OPT_TRANS ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE,
                 trans_b == OPT_TRANS ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n,
                 (dim_t)k, &alpha, (float *)a, (inc_t)lda, 1, (float *)b, (inc_t)ldb, 1, &beta, c,
                 (inc_t)ldc, 1, NULL, &rntm);
}
