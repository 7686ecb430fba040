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

#include <optima/context.h>
#include <optima/tensor.h>

/* ℓ_r = Σ_j (y_rj − t_rj)²; dℓ/dy = 2 (y − t), the 2 folded into @p coef by the caller:
 * g = coef · w · (y − t). */
double opt_mse_rows(const optima_tensor *y, const optima_tensor *t, const uint8_t *mask,
                    float coef, float *g, size_t gs);

/* ℓ_r = 1 − y·t / (max(‖y‖, ε)·max(‖t‖, ε)); g = coef · w · dℓ/dy. */
double opt_cosine_rows(const optima_tensor *y, const optima_tensor *t, const uint8_t *mask,
                       float coef, float *g, size_t gs);

/* Scratch floats per class of opt_kl_rows: two rows (this one and the pending one) of
 * et and es. */
#define OPT_KL_SCRATCH 4

/* ℓ_r = KL(softmax(zt/T) ‖ softmax(zs/T)); g = coef · w · (softmax(zs/T) − softmax(zt/T)).
 * @p scratch holds OPT_KL_SCRATCH × cols floats. @p maxima: NULL, or the rows' maxima as
 * opt_kl_scan_rows wrote them (then the kernel does not take them again). */
double opt_kl_rows(const optima_tensor *zs, const optima_tensor *zt, const uint8_t *mask,
                   double temperature, float coef, float *g, size_t gs, float *scratch,
                   const float *maxima);

/* The read-only pass before a stateless KL writes: each row's maxima of zt and zs into
 * maxima[2r], maxima[2r + 1], the same opt_kl_rows would take; returns 0 when every
 * element is finite and no |zt − zs| can overflow opt_kl_rows's float sums, else NaN
 * (the caller then takes the value first, without writing). */
double opt_kl_scan_rows(const optima_tensor *zs, const optima_tensor *zt, float *maxima);

/* 0 when every element of @p a and @p b (the same shape) is finite, else NaN. */
double opt_finite_rows(const optima_tensor *a, const optima_tensor *b);

/* opt_row_job's kinds for the scans (the loss kinds are positive). */
#define OPT_ROW_KL_SCAN (-1)     /* opt_kl_scan_rows */
#define OPT_ROW_FINITE_SCAN (-2) /* opt_finite_rows */

/* One of the kernels above over every row of its views, on the context's threads. */
typedef struct opt_row_job {
    int32_t kind;                /* OPTIMA_LOSS_MSE, _COSINE, _KL, or OPT_ROW_*_SCAN */
    const optima_tensor *y, *t;  /* student (y, or zs) and teacher (t, or zt) */
    const uint8_t *mask;
    float coef;
    float *g;                    /* NULL or rows × cols at stride gs */
    size_t gs;
    double temperature;          /* KL only */
    float *scratch;              /* KL only: opt_row_loss_scratch floats */
    float *maxima;               /* KL only: NULL, or 2 × rows floats (opt_kl_scan_rows) */
} opt_row_job;

/* Σ_r w_r ℓ_r on the context's threads, the same bits for every thread count (row_blocks.h). */
double opt_row_loss(const opt_row_job *job, const optima_context *ctx);

/* Floats of scratch KL needs for @p rows × @p cols on @p threads threads. */
size_t opt_row_loss_scratch(int32_t threads, size_t rows, size_t cols);

#endif /* OPT_MATH_ROWLOSS_H */
