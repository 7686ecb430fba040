/* Private header: the per-row loss kernels (forward and backward fused in one pass over
 * each row). Not installed.
 *
 * Every kernel returns Σ_r w_r · ℓ_r in float64, w_r = 1 for rows that count (mask NULL or
 * mask[r] ≠ 0) and 0 for the others. Rows that do not count are still computed and
 * multiplied by 0, on purpose: a NaN or ∞ anywhere then makes the sum non-finite, which
 * is how callers that skip the finiteness scan detect bad input. When @p g is non-NULL it
 * receives coef · w_r · dℓ_r/dx row by row (stride @p gs); it may be the same memory as
 * the student operand with the same stride (in-place), never anything else an input. */
#ifndef OPT_MATH_ROWLOSS_H
#define OPT_MATH_ROWLOSS_H

#include <optima/tensor.h>

/* ℓ_r = Σ_j (y_rj − t_rj)²; dℓ/dy = 2 (y − t), the 2 folded into @p coef by the caller:
 * g = coef · w · (y − t). */
double opt_mse_rows(const optima_tensor *y, const optima_tensor *t, const uint8_t *mask,
                    float coef, float *g, size_t gs);

/* ℓ_r = 1 − y·t / (max(‖y‖, ε)·max(‖t‖, ε)); g = coef · w · dℓ/dy. */
double opt_cosine_rows(const optima_tensor *y, const optima_tensor *t, const uint8_t *mask,
                       float coef, float *g, size_t gs);

/* ℓ_r = KL(softmax(zt/T) ‖ softmax(zs/T)); g = coef · w · (softmax(zs/T) − softmax(zt/T)).
 * @p scratch holds 2 × cols floats. */
double opt_kl_rows(const optima_tensor *zs, const optima_tensor *zt, const uint8_t *mask,
                   double temperature, float coef, float *g, size_t gs, float *scratch);

/* One of the kernels above over every row of its views, on the context's threads. */
typedef struct opt_row_job {
    int32_t kind;                /* OPTIMA_LOSS_MSE, OPTIMA_LOSS_COSINE or OPTIMA_LOSS_KL */
    const optima_tensor *y, *t;  /* student (y, or zs) and teacher (t, or zt) */
    const uint8_t *mask;
    float coef;
    float *g;                    /* NULL or rows × cols at stride gs */
    size_t gs;
    double temperature;          /* KL only */
    float *scratch;              /* KL only: opt_row_loss_scratch floats */
} opt_row_job;

/* Σ_r w_r ℓ_r, the same bits for every thread count (row_blocks.h). */
double opt_row_loss(const opt_row_job *job, int32_t threads);

/* Floats of scratch KL needs for @p rows × @p cols on @p threads threads. */
size_t opt_row_loss_scratch(int32_t threads, size_t rows, size_t cols);

#endif /* OPT_MATH_ROWLOSS_H */
